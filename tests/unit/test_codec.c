/*
 * Unit tests of the stream codec: pcm exact at every format, opus close to
 * its input once aligned by the codec delay at every rate and channel count
 * it takes, concealment bounded, bad frames refused without a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intercom/audio/stream_codec.h"
#include "intercom/common/defaults.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Opus at 32 kbit/s on the speech-like signal below, aligned by the codec
 * delay, from 100 ms in (the encoder's first frames settle):
 *  - the normalised correlation with the input is at least 0.75 (measured
 *    0.79-0.83 over the rates and channel counts: SILK and hybrid code
 *    speech perceptually, not its waveform; a stream misaligned by a quarter
 *    of the voice's period, or a broken codec, gives far less);
 *  - the lag of best correlation lies within 0.2 ms of the stated delay
 *    (measured 1 sample early at 8-16 kHz, 5 at 48 kHz: 0.1 ms);
 *  - the level of each 20 ms block is within 3 dB of the input's, for
 *    blocks above -40 dBFS (the envelope the speaker must reproduce).
 */
#define OPUS_MIN_CORRELATION 0.75
#define OPUS_LAG_SLACK_US 200
#define OPUS_LEVEL_DB 3.0

static const int opus_rates[] = { 8000, 12000, 16000, 24000, 48000 };

static struct stream_codec_params params(enum stream_codec_id codec, int rate, int channels)
{
	struct stream_codec_params p = { codec, rate, channels, 0, -1 };
	return p;
}

static uint32_t rng_state = 2463534242u;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/*
 * Speech-like: a 140 Hz voice with vibrato, harmonics falling as 1/h up to
 * 3.4 kHz (and below the rate's Nyquist), its level moving at 4 syllables a
 * second; channel c is the same at a different level, so stereo is checked
 * per channel. Peaks near -6 dBFS.
 */
static void speech_like(int16_t *out, size_t frames, int rate, int channels)
{
	double phase = 0;
	for (size_t i = 0; i < frames; i++) {
		double t = (double)i / rate;
		double f0 = 140 + 20 * sin(2 * M_PI * 3 * t);
		phase += 2 * M_PI * f0 / rate;
		double env = 0.55 + 0.45 * sin(2 * M_PI * 4 * t);
		double v = 0;
		for (int h = 1; h * 160 < 3400 && h * 160 < rate * 0.45; h++)
			v += sin(h * phase) / h;
		for (int c = 0; c < channels; c++)
			out[i * (size_t)channels + (size_t)c] = (int16_t)lrint(5000 * env * v / (1 + c));
	}
}

/* Normalised correlation of channel c of a and b, b shifted by lag, over [from, to) of a. */
static double correlation(const int16_t *a, const int16_t *b, int channels, int c, size_t from,
                          size_t to, size_t lag)
{
	double ab = 0, aa = 0, bb = 0;
	for (size_t i = from; i < to; i++) {
		double x = a[i * (size_t)channels + (size_t)c];
		double y = b[(i + lag) * (size_t)channels + (size_t)c];
		ab += x * y;
		aa += x * x;
		bb += y * y;
	}
	return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* RMS of channel c over n frames from frame at. */
static double block_rms(const int16_t *s, int channels, int c, size_t at, size_t n)
{
	double e = 0;
	for (size_t i = at; i < at + n; i++) {
		double x = s[i * (size_t)channels + (size_t)c];
		e += x * x;
	}
	return sqrt(e / (double)n);
}

static void test_names(void **state)
{
	(void)state;
	enum stream_codec_id id;
	assert_string_equal(stream_codec_name(STREAM_CODEC_PCM), "pcm");
	assert_string_equal(stream_codec_name(STREAM_CODEC_OPUS), "opus");
	assert_null(stream_codec_name((enum stream_codec_id)7));
	assert_int_equal(stream_codec_parse("opus", &id), 0);
	assert_int_equal(id, STREAM_CODEC_OPUS);
	assert_int_equal(stream_codec_parse("pcm", &id), 0);
	assert_int_equal(id, STREAM_CODEC_PCM);
	assert_int_equal(stream_codec_parse("flac", &id), -1);
	assert_int_equal(stream_codec_parse("", &id), -1);
	assert_int_equal(stream_codec_parse(NULL, &id), -1);
}

/* Frame sizes: whole samples of 20 ms; a rate not a multiple of 50 Hz rounds down. */
static void test_frame_sizes(void **state)
{
	(void)state;
	assert_int_equal(stream_codec_frame_samples(48000), 960);
	assert_int_equal(stream_codec_frame_samples(8000), 160);
	assert_int_equal(stream_codec_frame_samples(44100), 882);
	assert_int_equal(stream_codec_frame_samples(192000), 3840);
	assert_int_equal(stream_codec_frame_samples(11025), 220);
	assert_int_equal(stream_codec_frame_us(48000), 20000);
	assert_int_equal(stream_codec_frame_us(44100), 20000);
	assert_int_equal(stream_codec_frame_us(11025), 19955);
	struct stream_codec_params p = params(STREAM_CODEC_PCM, 48000, 1);
	assert_int_equal(stream_codec_max_frame_bytes(&p), 1920);
	p = params(STREAM_CODEC_PCM, RATE_MAX, CHANNELS_MAX);
	assert_int_equal(stream_codec_max_frame_bytes(&p), 3840 * CHANNELS_MAX * 2);
	p = params(STREAM_CODEC_OPUS, 48000, 2);
	assert_int_equal(stream_codec_max_frame_bytes(&p), STREAM_OPUS_MAX_FRAME_BYTES);
	p = params(STREAM_CODEC_OPUS, 44100, 1);
	assert_int_equal(stream_codec_max_frame_bytes(&p), 0);
}

/* What is refused, and that the reason says what to do. */
static void test_check(void **state)
{
	(void)state;
	char why[200];
	struct stream_codec_params p = params(STREAM_CODEC_OPUS, 44100, 1);
	assert_int_equal(stream_codec_check(&p, why, sizeof why), -1);
	assert_non_null(strstr(why, "48000"));
	assert_non_null(strstr(why, "44100"));
	assert_non_null(strstr(why, "pcm"));
	assert_null(stream_codec_encoder_new(&p, why, sizeof why));
	assert_null(stream_codec_decoder_new(&p, why, sizeof why));
	assert_int_equal(stream_codec_delay_samples(&p), -1);

	p = params(STREAM_CODEC_OPUS, 48000, 3);
	assert_int_equal(stream_codec_check(&p, why, sizeof why), -1);
	assert_non_null(strstr(why, "3 channels"));
	p = params(STREAM_CODEC_OPUS, 48000, 1);
	p.bitrate = 5999;
	assert_int_equal(stream_codec_check(&p, why, sizeof why), -1);
	p.bitrate = STREAM_OPUS_BITRATE_MAX + 1;
	assert_int_equal(stream_codec_check(&p, why, sizeof why), -1);
	p.bitrate = STREAM_OPUS_BITRATE_MIN;
	assert_int_equal(stream_codec_check(&p, why, sizeof why), 0);
	p.complexity = 11;
	assert_int_equal(stream_codec_check(&p, why, sizeof why), -1);
	p = params(STREAM_CODEC_PCM, 7999, 1);
	assert_int_equal(stream_codec_check(&p, why, sizeof why), -1);
	p = params(STREAM_CODEC_PCM, 48000, CHANNELS_MAX + 1);
	assert_int_equal(stream_codec_check(&p, why, sizeof why), -1);
	p = params(STREAM_CODEC_PCM, 48000, 0);
	assert_int_equal(stream_codec_check(&p, NULL, 0), -1);
	p = params((enum stream_codec_id)9, 48000, 1);
	assert_int_equal(stream_codec_check(&p, why, sizeof why), -1);
	/* pcm takes any page format, opus every rate it has. */
	p = params(STREAM_CODEC_PCM, 11025, 7);
	assert_int_equal(stream_codec_check(&p, why, sizeof why), 0);
	for (size_t i = 0; i < sizeof opus_rates / sizeof opus_rates[0]; i++) {
		p = params(STREAM_CODEC_OPUS, opus_rates[i], 2);
		assert_int_equal(stream_codec_check(&p, why, sizeof why), 0);
	}
	/* A reason buffer too small is cut, never overrun. */
	char tiny[4] = "xyz";
	p = params(STREAM_CODEC_OPUS, 44100, 1);
	assert_int_equal(stream_codec_check(&p, tiny, 3), -1);
	assert_int_equal(strlen(tiny), 2);
}

/* pcm: the exact samples back at every format, little-endian on the wire. */
static void test_pcm_exact(void **state)
{
	(void)state;
	static const int rates[] = { RATE_MIN, 11025, 44100, 48000, RATE_MAX };
	for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		for (int ch = 1; ch <= CHANNELS_MAX; ch++) {
			struct stream_codec_params p = params(STREAM_CODEC_PCM, rates[r], ch);
			size_t n = stream_codec_frame_samples(rates[r]) * (size_t)ch;
			size_t max = stream_codec_max_frame_bytes(&p);
			assert_int_equal(max, n * 2);
			int16_t *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
			uint8_t *bytes = malloc(max);
			assert_non_null(in);
			assert_non_null(out);
			assert_non_null(bytes);
			struct stream_encoder *enc = stream_codec_encoder_new(&p, NULL, 0);
			struct stream_decoder *dec = stream_codec_decoder_new(&p, NULL, 0);
			assert_non_null(enc);
			assert_non_null(dec);
			assert_int_equal(stream_codec_delay_samples(&p), 0);
			for (int k = 0; k < 3; k++) {
				for (size_t i = 0; i < n; i++)
					in[i] = (int16_t)(i % 5 == 0 ? (i % 2 ? 32767 : -32768) : (int)(rng() % 65536) - 32768);
				assert_int_equal(stream_codec_encode(enc, in, bytes, max), (int)max);
				assert_int_equal(bytes[0], (uint8_t)in[0]);
				assert_int_equal(bytes[1], (uint8_t)((uint16_t)in[0] >> 8));
				assert_int_equal(stream_codec_decode(dec, bytes, max, out, NULL, 0), 0);
				assert_memory_equal(in, out, n * sizeof *in);
			}
			/* One byte short of room: refused, nothing claimed written. */
			assert_int_equal(stream_codec_encode(enc, in, bytes, max - 1), -1);
			stream_codec_encoder_free(enc);
			stream_codec_decoder_free(dec);
			free(in);
			free(out);
			free(bytes);
		}
	}
}

/* pcm: a frame of another size is refused with a reason, and the samples are left alone. */
static void test_pcm_bad_length(void **state)
{
	(void)state;
	struct stream_codec_params p = params(STREAM_CODEC_PCM, 48000, 2);
	struct stream_decoder *dec = stream_codec_decoder_new(&p, NULL, 0);
	assert_non_null(dec);
	static uint8_t bytes[960 * 2 * 2 + 2];
	static int16_t out[960 * 2];
	out[0] = 1234;
	char why[100] = "";
	assert_int_equal(stream_codec_decode(dec, bytes, sizeof bytes, out, why, sizeof why), -1);
	assert_non_null(strstr(why, "3842"));
	assert_int_equal(stream_codec_decode(dec, bytes, sizeof bytes - 3, out, why, sizeof why), -1);
	assert_int_equal(stream_codec_decode(dec, bytes, 0, out, why, sizeof why), -1);
	assert_int_equal(out[0], 1234);
	stream_codec_decoder_free(dec);
}

/* pcm concealment: the last sample fades to 0 over STREAM_PCM_FADE_MS, then silence. */
static void test_pcm_conceal(void **state)
{
	(void)state;
	struct stream_codec_params p = params(STREAM_CODEC_PCM, 48000, 2);
	struct stream_encoder *enc = stream_codec_encoder_new(&p, NULL, 0);
	struct stream_decoder *dec = stream_codec_decoder_new(&p, NULL, 0);
	static int16_t in[960 * 2], out[960 * 2];
	static uint8_t bytes[960 * 2 * 2];
	for (size_t i = 0; i < 960; i++) {
		in[2 * i] = 20000;
		in[2 * i + 1] = -12000;
	}
	int n = stream_codec_encode(enc, in, bytes, sizeof bytes);
	assert_int_equal(stream_codec_decode(dec, bytes, (size_t)n, out, NULL, 0), 0);
	stream_codec_conceal(dec, out);
	size_t fade = 48000 * STREAM_PCM_FADE_MS / 1000;
	assert_true(out[0] > 19000 && out[0] <= 20000);
	assert_true(out[1] < -11000 && out[1] >= -12000);
	for (size_t i = 1; i < 960; i++) {
		assert_true(out[2 * i] <= out[2 * (i - 1)]);   /* falls */
		assert_true(out[2 * i] >= 0);
		assert_true(out[2 * i + 1] >= out[2 * (i - 1) + 1]);
		assert_true(out[2 * i + 1] <= 0);
		/* Never a step bigger than the ramp's. */
		assert_true(abs(out[2 * i] - out[2 * (i - 1)]) <= 20000 / (int)fade + 1);
	}
	for (size_t i = fade; i < 960; i++) {
		assert_int_equal(out[2 * i], 0);
		assert_int_equal(out[2 * i + 1], 0);
	}
	/* A second missing frame in a row is silence. */
	stream_codec_conceal(dec, out);
	for (size_t i = 0; i < 960 * 2; i++)
		assert_int_equal(out[i], 0);
	/* Before any frame: silence. */
	struct stream_decoder *fresh = stream_codec_decoder_new(&p, NULL, 0);
	memset(out, 0x55, sizeof out);
	stream_codec_conceal(fresh, out);
	for (size_t i = 0; i < 960 * 2; i++)
		assert_int_equal(out[i], 0);
	stream_codec_decoder_free(fresh);
	stream_codec_encoder_free(enc);
	stream_codec_decoder_free(dec);
}

/*
 * Encodes `seconds` of the speech-like signal (plus one flush frame) and
 * decodes it; returns the decoded samples (malloc'd), the input in *input.
 */
static int16_t *opus_roundtrip(const struct stream_codec_params *p, double seconds,
                               int16_t **input, size_t *frames_in, size_t *max_len)
{
	size_t n = stream_codec_frame_samples(p->rate);
	size_t nframes = (size_t)(seconds * 1000 / STREAM_FRAME_MS);
	size_t total = (nframes + 1) * n * (size_t)p->channels;
	int16_t *in = calloc(total, sizeof *in), *out = calloc(total, sizeof *out);
	assert_non_null(in);
	assert_non_null(out);
	speech_like(in, nframes * n, p->rate, p->channels);
	char why[200] = "";
	struct stream_encoder *enc = stream_codec_encoder_new(p, why, sizeof why);
	if (!enc)
		fail_msg("encoder: %s", why);
	struct stream_decoder *dec = stream_codec_decoder_new(p, why, sizeof why);
	assert_non_null(dec);
	uint8_t bytes[STREAM_OPUS_MAX_FRAME_BYTES];
	*max_len = 0;
	for (size_t k = 0; k <= nframes; k++) {
		size_t at = k * n * (size_t)p->channels;
		int len = stream_codec_encode(enc, in + at, bytes, sizeof bytes);
		assert_true(len >= 1 && len <= STREAM_OPUS_MAX_FRAME_BYTES);
		if ((size_t)len > *max_len)
			*max_len = (size_t)len;
		if (stream_codec_decode(dec, bytes, (size_t)len, out + at, why, sizeof why) != 0)
			fail_msg("decode: %s", why);
	}
	stream_codec_encoder_free(enc);
	stream_codec_decoder_free(dec);
	*input = in;
	*frames_in = nframes * n;
	return out;
}

/*
 * opus at every rate and channel count it takes: the decoded stream, shifted
 * by the stated delay, matches the input; the best lag is the delay; the
 * frames stay under their bound and near the bitrate.
 */
static void test_opus_roundtrip(void **state)
{
	(void)state;
	for (size_t r = 0; r < sizeof opus_rates / sizeof opus_rates[0]; r++) {
		for (int ch = 1; ch <= 2; ch++) {
			struct stream_codec_params p = params(STREAM_CODEC_OPUS, opus_rates[r], ch);
			int delay = stream_codec_delay_samples(&p);
			assert_int_equal(delay, opus_rates[r] * 13 / 2000); /* 6.5 ms */
			int16_t *in;
			size_t frames, max_len;
			int16_t *out = opus_roundtrip(&p, 1.0, &in, &frames, &max_len);
			size_t from = (size_t)opus_rates[r] / 10;
			for (int c = 0; c < ch; c++) {
				double at_delay = correlation(in, out, ch, c, from, frames, (size_t)delay);
				double best = -2;
				int best_lag = -1;
				for (int lag = 0; lag <= 2 * delay; lag++) {
					double x = correlation(in, out, ch, c, from, frames, (size_t)lag);
					if (x > best) {
						best = x;
						best_lag = lag;
					}
				}
				int slack = opus_rates[r] * OPUS_LAG_SLACK_US / 1000000;
				if (at_delay < OPUS_MIN_CORRELATION || abs(best_lag - delay) > slack)
					fail_msg("opus %d Hz %d ch, channel %d: correlation %.3f at the delay %d, "
					         "best %.3f at lag %d", opus_rates[r], ch, c, at_delay, delay, best,
					         best_lag);
			}
			size_t block = stream_codec_frame_samples(opus_rates[r]);
			for (size_t b = from; b + block <= frames; b += block) {
				for (int c = 0; c < ch; c++) {
					double a = block_rms(in, ch, c, b, block);
					double o = block_rms(out, ch, c, b + (size_t)delay, block);
					if (a < 32768 * 0.01)
						continue;
					double db = 20 * log10((o + 1e-9) / a);
					if (fabs(db) > OPUS_LEVEL_DB)
						fail_msg("opus %d Hz %d ch: block at %zu is %.1f dB off the input",
						         opus_rates[r], ch, b, db);
				}
			}
			/* Constrained VBR at 32 kbit/s: 80 bytes a frame on average, far from the bound. */
			assert_true(max_len < 400);
			free(in);
			free(out);
		}
	}
}

/*
 * The bitrate sets the size: on noise (which fills any budget) one second of
 * frames is within 25 % of bitrate / 8 at 24, 32 and 64 kbit/s; the extremes
 * of the range are taken and stay under the frame bound (libopus spends less
 * than asked there: ~500 B/s at 6 kbit/s, ~33 kB/s for mono at 510 kbit/s).
 */
static void test_opus_bitrates(void **state)
{
	(void)state;
	static const int rates[] = { STREAM_OPUS_BITRATE_MIN, 24000, 32000, 64000, STREAM_OPUS_BITRATE_MAX };
	size_t prev = 0;
	for (size_t b = 0; b < sizeof rates / sizeof rates[0]; b++) {
		struct stream_codec_params p = params(STREAM_CODEC_OPUS, 48000, 1);
		p.bitrate = rates[b];
		size_t n = stream_codec_frame_samples(48000);
		int16_t in[960];
		uint8_t bytes[STREAM_OPUS_MAX_FRAME_BYTES];
		struct stream_encoder *enc = stream_codec_encoder_new(&p, NULL, 0);
		assert_non_null(enc);
		size_t sum = 0;
		for (int k = 0; k < 50; k++) {
			for (size_t i = 0; i < n; i++)
				in[i] = (int16_t)((int)(rng() % 16384) - 8192);
			int len = stream_codec_encode(enc, in, bytes, sizeof bytes);
			assert_true(len >= 1 && len <= STREAM_OPUS_MAX_FRAME_BYTES);
			sum += (size_t)len;
		}
		double want = rates[b] / 8.0;
		if (rates[b] != STREAM_OPUS_BITRATE_MIN && rates[b] != STREAM_OPUS_BITRATE_MAX &&
		    (sum < want * 0.75 || sum > want * 1.25))
			fail_msg("bitrate %d: %zu bytes in 1 s, want about %.0f", rates[b], sum, want);
		assert_true(sum > prev);
		prev = sum;
		stream_codec_encoder_free(enc);
	}
}

static double rms(const int16_t *s, size_t n)
{
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e += (double)s[i] * s[i];
	return n ? sqrt(e / (double)n) : 0;
}

/*
 * opus concealment: a loss in the middle of speech continues it at a level
 * no higher than the speech's (never garbage or full scale), fades over a
 * long loss, and decoding resumes on the next frame.
 */
static void test_opus_conceal(void **state)
{
	(void)state;
	struct stream_codec_params p = params(STREAM_CODEC_OPUS, 48000, 1);
	struct stream_encoder *enc = stream_codec_encoder_new(&p, NULL, 0);
	struct stream_decoder *dec = stream_codec_decoder_new(&p, NULL, 0);
	size_t n = 960, nframes = 60;
	int16_t *in = malloc(nframes * n * sizeof *in);
	int16_t out[960];
	uint8_t bytes[STREAM_OPUS_MAX_FRAME_BYTES];
	speech_like(in, nframes * n, 48000, 1);
	double speech = rms(in, nframes * n);
	/* Frames 0-19 decoded, 20-39 lost, 40-59 decoded. */
	double first_lost = 0, last_lost = 0, peak = 0;
	for (size_t k = 0; k < nframes; k++) {
		int len = stream_codec_encode(enc, in + k * n, bytes, sizeof bytes);
		assert_true(len > 0);
		if (k >= 20 && k < 40) {
			stream_codec_conceal(dec, out);
			double e = rms(out, n);
			if (k == 20)
				first_lost = e;
			last_lost = e;
			for (size_t i = 0; i < n; i++)
				peak = fmax(peak, fabs((double)out[i]));
		} else {
			assert_int_equal(stream_codec_decode(dec, bytes, (size_t)len, out, NULL, 0), 0);
		}
	}
	/* The first lost frame carries on the voice; 400 ms later it is silent or nearly. */
	assert_true(first_lost > speech * 0.1);
	assert_true(first_lost < speech * 2);
	assert_true(last_lost < first_lost * 0.1);
	assert_true(peak < 32767 * 0.9);
	/* After the loss the decoder follows the input again (last frame, aligned by the delay). */
	double tail_in = rms(in + (nframes - 1) * n - 312, n), tail_out = rms(out, n);
	assert_true(tail_out > tail_in * 0.5 && tail_out < tail_in * 1.5);
	/* Concealment before any frame: silence. */
	struct stream_decoder *fresh = stream_codec_decoder_new(&p, NULL, 0);
	stream_codec_conceal(fresh, out);
	assert_true(rms(out, n) < 1);
	stream_codec_decoder_free(fresh);
	free(in);
	stream_codec_encoder_free(enc);
	stream_codec_decoder_free(dec);
}

/* opus: bytes that are not one 20 ms frame are refused with a reason; random bytes never crash. */
static void test_opus_bad_frames(void **state)
{
	(void)state;
	for (int ch = 1; ch <= 2; ch++) {
		struct stream_codec_params p = params(STREAM_CODEC_OPUS, 48000, ch);
		struct stream_decoder *dec = stream_codec_decoder_new(&p, NULL, 0);
		static int16_t out[960 * 2];
		static uint8_t bytes[STREAM_OPUS_MAX_FRAME_BYTES + 1];
		char why[200];
		/* Empty, oversized. */
		out[0] = 4321;
		assert_int_equal(stream_codec_decode(dec, bytes, 0, out, why, sizeof why), -1);
		assert_int_equal(stream_codec_decode(dec, bytes, sizeof bytes, out, why, sizeof why), -1);
		assert_non_null(strstr(why, "1277"));
		/* TOC config 0: SILK narrowband 10 ms, a frame of another length. */
		bytes[0] = 0x00;
		assert_int_equal(stream_codec_decode(dec, bytes, 20, out, why, sizeof why), -1);
		assert_non_null(strstr(why, "480"));
		/* Code 3 with 6 frames of 20 ms: 120 ms, longer than the buffer. */
		bytes[0] = (uint8_t)(13 << 3 | 3);
		bytes[1] = 6;
		assert_int_equal(stream_codec_decode(dec, bytes, 40, out, why, sizeof why), -1);
		/* Code 3 with a frame count of 0: invalid. */
		bytes[1] = 0;
		assert_int_equal(stream_codec_decode(dec, bytes, 10, out, why, sizeof why), -1);
		assert_int_equal(out[0], 4321);
		/* Random bytes: refused or decoded, never a crash, never past the buffer (ASan). */
		for (int t = 0; t < 2000; t++) {
			size_t len = 1 + rng() % 300;
			for (size_t i = 0; i < len; i++)
				bytes[i] = (uint8_t)rng();
			int rc = stream_codec_decode(dec, bytes, len, out, why, sizeof why);
			assert_true(rc == 0 || rc == -1);
			if (rc != 0)
				stream_codec_conceal(dec, out);
		}
		stream_codec_decoder_free(dec);
	}
}

/* A stereo stream into a mono decoder and back: libopus mixes, no error, no overrun. */
static void test_opus_channel_mismatch(void **state)
{
	(void)state;
	struct stream_codec_params p2 = params(STREAM_CODEC_OPUS, 48000, 2);
	struct stream_codec_params p1 = params(STREAM_CODEC_OPUS, 48000, 1);
	struct stream_encoder *e2 = stream_codec_encoder_new(&p2, NULL, 0);
	struct stream_encoder *e1 = stream_codec_encoder_new(&p1, NULL, 0);
	struct stream_decoder *d1 = stream_codec_decoder_new(&p1, NULL, 0);
	struct stream_decoder *d2 = stream_codec_decoder_new(&p2, NULL, 0);
	static int16_t in[960 * 2], out[960 * 2];
	uint8_t bytes[STREAM_OPUS_MAX_FRAME_BYTES];
	speech_like(in, 960, 48000, 2);
	int len = stream_codec_encode(e2, in, bytes, sizeof bytes);
	assert_int_equal(stream_codec_decode(d1, bytes, (size_t)len, out, NULL, 0), 0);
	len = stream_codec_encode(e1, in, bytes, sizeof bytes);
	assert_int_equal(stream_codec_decode(d2, bytes, (size_t)len, out, NULL, 0), 0);
	stream_codec_encoder_free(e1);
	stream_codec_encoder_free(e2);
	stream_codec_decoder_free(d1);
	stream_codec_decoder_free(d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_frame_sizes),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_pcm_exact),
		cmocka_unit_test(test_pcm_bad_length),
		cmocka_unit_test(test_pcm_conceal),
		cmocka_unit_test(test_opus_roundtrip),
		cmocka_unit_test(test_opus_bitrates),
		cmocka_unit_test(test_opus_conceal),
		cmocka_unit_test(test_opus_bad_frames),
		cmocka_unit_test(test_opus_channel_mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

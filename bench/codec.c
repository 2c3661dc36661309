/*
 * The stream codec's cost and size (docs/BENCHMARKS.md, section 10): CPU
 * per 20 ms frame to encode and to decode, concealment, and bytes per
 * second of audio, for pcm (the baseline: a copy, 96000 B/s at 48 kHz mono)
 * and opus at 24, 32 and 64 kbit/s (complexity STREAM_OPUS_COMPLEXITY), and
 * at 32 kbit/s with complexities 0 and 10.
 *
 *   intercom-bench codec [--reps N] [--seconds S] [FILE]
 *
 * FILE: speech to code (any format libsndfile reads; bench/run.sh makes one
 * with espeak-ng), converted to 48 kHz mono and repeated to S seconds;
 * without it, the bench page's tone with noise. Prints, per run:
 *   sample codec.NAME.enc_us    CPU µs to encode one frame (thread CPU time)
 *   sample codec.NAME.dec_us    CPU µs to decode one
 *   sample codec.NAME.us        both
 *   sample codec.NAME.core      both, as % of one core for a live stream
 *   sample codec.NAME.Bps       bytes of frames per second of audio
 *   sample codec.NAME.plc_us    CPU µs to conceal one missing frame
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "intercom/audio/stream_codec.h"
#include "intercom/audio/wav.h"
#include "intercom/common/defaults.h"

#define BENCH_RATE 48000

/* The calling thread's CPU time in ns: what coding costs, whatever else runs on the machine. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct variant {
	const char *name;
	enum stream_codec_id codec;
	int bitrate;
	int complexity;
};

/* Codes all frames once with v; prints its samples. 0 or -1. */
static int run_variant(const struct variant *v, const int16_t *audio, size_t frames_total)
{
	struct stream_codec_params p = { v->codec, BENCH_RATE, 1, v->bitrate, v->complexity };
	char why[200];
	struct stream_encoder *enc = stream_codec_encoder_new(&p, why, sizeof why);
	struct stream_decoder *dec = stream_codec_decoder_new(&p, why, sizeof why);
	size_t n = stream_codec_frame_samples(BENCH_RATE);
	size_t max = stream_codec_max_frame_bytes(&p);
	size_t nframes = frames_total / n;
	uint8_t *bytes = malloc(max * nframes);
	size_t *lens = malloc(nframes * sizeof *lens);
	int16_t *out = malloc(n * sizeof *out);
	if (!enc || !dec || !bytes || !lens || !out || nframes == 0) {
		bench_warn("codec %s: %s", v->name, enc && dec ? "out of memory" : why);
		return -1;
	}
	uint64_t t0 = thread_cpu_ns();
	size_t total = 0;
	for (size_t k = 0; k < nframes; k++) {
		int len = stream_codec_encode(enc, audio + k * n, bytes + k * max, max);
		if (len < 1) {
			bench_warn("codec %s: encode failed", v->name);
			return -1;
		}
		lens[k] = (size_t)len;
		total += (size_t)len;
	}
	uint64_t t1 = thread_cpu_ns();
	for (size_t k = 0; k < nframes; k++)
		if (stream_codec_decode(dec, bytes + k * max, lens[k], out, why, sizeof why) != 0) {
			bench_warn("codec %s: decode failed: %s", v->name, why);
			return -1;
		}
	uint64_t t2 = thread_cpu_ns();
	/* Concealment: every other frame lost, as in a bad burst (a long run only fades out). */
	for (size_t k = 0; k < nframes; k++) {
		if (k % 2)
			stream_codec_conceal(dec, out);
		else
			stream_codec_decode(dec, bytes + k * max, lens[k], out, why, sizeof why);
	}
	uint64_t t3 = thread_cpu_ns();
	double enc_us = (double)(t1 - t0) / 1000.0 / (double)nframes;
	double dec_us = (double)(t2 - t1) / 1000.0 / (double)nframes;
	/* The concealing pass's cost less its decodes, per concealed frame. */
	double mixed_us = (double)(t3 - t2) / 1000.0;
	double plc_us = (mixed_us - dec_us * (double)((nframes + 1) / 2)) / (double)(nframes / 2);
	double seconds = (double)(nframes * n) / BENCH_RATE;
	char key[64];
	snprintf(key, sizeof key, "codec.%s.enc_us", v->name);
	bench_sample(key, enc_us);
	snprintf(key, sizeof key, "codec.%s.dec_us", v->name);
	bench_sample(key, dec_us);
	snprintf(key, sizeof key, "codec.%s.us", v->name);
	bench_sample(key, enc_us + dec_us);
	snprintf(key, sizeof key, "codec.%s.core", v->name);
	bench_sample(key, (enc_us + dec_us) / (STREAM_FRAME_MS * 1000.0) * 100.0);
	snprintf(key, sizeof key, "codec.%s.Bps", v->name);
	bench_sample(key, (double)total / seconds);
	snprintf(key, sizeof key, "codec.%s.plc_us", v->name);
	bench_sample(key, plc_us > 0 ? plc_us : 0);
	free(bytes);
	free(lens);
	free(out);
	stream_codec_encoder_free(enc);
	stream_codec_decoder_free(dec);
	return 0;
}

int bench_codec_main(int argc, char **argv)
{
	int reps = 3;
	double seconds = 10;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (argv[i][0] != '-')
			file = argv[i];
		else {
			bench_warn("usage: intercom-bench codec [--reps N] [--seconds S] [FILE]");
			return 2;
		}
	}
	size_t want = (size_t)(seconds * BENCH_RATE);
	int16_t *src = NULL;
	size_t src_frames = 0;
	char why[300];
	if (file) {
		/* Up to 10 minutes of speech; what is longer than --seconds is not used. */
		if (wav_load_file(file, BENCH_RATE, 1, (size_t)600 * BENCH_RATE, &src, &src_frames, why,
		                  sizeof why) != 0) {
			bench_warn("codec: %s", why);
			return 1;
		}
		if (src_frames == 0) {
			bench_warn("codec: %s holds no audio", file);
			free(src);
			return 1;
		}
	} else {
		uint8_t *wav;
		size_t wav_len;
		struct wav_info info;
		if (bench_make_page(BENCH_RATE, 1, seconds, &wav, &wav_len) != 0 ||
		    wav_decode_s16(wav, wav_len, &src, &info, why, sizeof why) != 0)
			return 1;
		src_frames = info.frames;
		free(wav);
	}
	/* The clip repeated to the length asked for. */
	int16_t *audio = malloc((want + 1) * sizeof *audio);
	if (!audio)
		return 1;
	for (size_t i = 0; i < want; i++)
		audio[i] = src[i % src_frames];
	free(src);

	static const struct variant variants[] = {
		{ "pcm", STREAM_CODEC_PCM, 0, -1 },
		{ "opus24", STREAM_CODEC_OPUS, 24000, -1 },
		{ "opus32", STREAM_CODEC_OPUS, 32000, -1 },
		{ "opus64", STREAM_CODEC_OPUS, 64000, -1 },
		{ "opus32.c0", STREAM_CODEC_OPUS, 32000, 0 },
		{ "opus32.c10", STREAM_CODEC_OPUS, 32000, 10 },
	};
	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
			if (run_variant(&variants[i], audio, want) != 0) {
				free(audio);
				return 1;
			}
	free(audio);
	return 0;
}

/*
 * Unit tests for src/audio/wav.c: the page codec (encode, check, decode) byte for
 * byte and in round trips, hostile headers and every rejection wav_check makes,
 * odd sizes and alignments, libsndfile as an independent reader and writer of
 * pages, and file loading.
 */
#include "intercom/audio/wav.h"

#include "intercom/common/defaults.h"

#include "scratch.h"

#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#define PI 3.14159265358979323846

/* ---- helpers ------------------------------------------------------------ */

static uint32_t next_rand(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* count random samples in a new buffer, never NULL (room for one at least). */
static int16_t *random_samples(size_t count, uint32_t *seed)
{
	int16_t *s = malloc((count ? count : 1) * sizeof *s);
	assert_non_null(s);
	for (size_t i = 0; i < count; i++)
		s[i] = (int16_t)next_rand(seed);
	return s;
}

/* A little-endian sample, read independently of the code under test. */
static int16_t le_s16(const uint8_t *p)
{
	long v = (long)p[0] | ((long)p[1] << 8);
	return (int16_t)(v >= 32768 ? v - 65536 : v);
}

/* A hand-built RIFF file, so each test states exactly which bytes it sends. */
struct wbuf {
	uint8_t b[8192];
	size_t n;
};

static void put(struct wbuf *w, const void *p, size_t n)
{
	assert_true(w->n + n <= sizeof w->b);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(w, b, 2);
}

static void put32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(w, b, 4);
}

static void put_riff(struct wbuf *w)
{
	w->n = 0;
	put(w, "RIFF", 4);
	put32(w, 0);
	put(w, "WAVE", 4);
}

/* Patches the RIFF size to what is there, as a well-behaved writer would. */
static void finish_riff(struct wbuf *w)
{
	uint32_t v = (uint32_t)(w->n - 8);
	w->b[4] = (uint8_t)v;
	w->b[5] = (uint8_t)(v >> 8);
	w->b[6] = (uint8_t)(v >> 16);
	w->b[7] = (uint8_t)(v >> 24);
}

static void put_fmt_raw(struct wbuf *w, uint16_t tag, uint16_t ch, uint32_t rate,
                        uint32_t byte_rate, uint16_t align, uint16_t bits)
{
	put(w, "fmt ", 4);
	put32(w, 16);
	put16(w, tag);
	put16(w, ch);
	put32(w, rate);
	put32(w, byte_rate);
	put16(w, align);
	put16(w, bits);
}

static void put_fmt(struct wbuf *w, uint16_t tag, uint16_t ch, uint32_t rate, uint16_t bits)
{
	uint16_t align = (uint16_t)(ch * ((bits + 7) / 8));
	put_fmt_raw(w, tag, ch, rate, rate * align, align, bits);
}

/* A data chunk of frames*ch 16-bit samples counting up from 1. */
static void put_data(struct wbuf *w, uint16_t ch, uint32_t frames)
{
	put(w, "data", 4);
	put32(w, frames * ch * 2u);
	for (uint32_t i = 0; i < frames * ch; i++)
		put16(w, (uint16_t)(i + 1));
}

static void put_chunk(struct wbuf *w, const char *id, const void *body, uint32_t size, int pad)
{
	put(w, id, 4);
	put32(w, size);
	put(w, body, size);
	if (pad && (size & 1))
		put(w, "\0", 1);
}

static void put_fmt_extensible(struct wbuf *w, uint16_t ch, uint32_t rate, uint16_t bits,
                               uint16_t valid, uint16_t sub_tag);

static void make_pcm(struct wbuf *w, uint16_t ch, uint32_t rate, uint32_t frames)
{
	put_riff(w);
	put_fmt(w, 1, ch, rate, 16);
	put_data(w, ch, frames);
	finish_riff(w);
}

/* Asserts wav_check refuses the bytes with a reason containing want, and decode refuses them too. */
static void expect_reject(const uint8_t *bytes, size_t len, const char *want)
{
	char reason[256] = "";
	struct wav_info info;
	if (wav_check(bytes, len, &info, reason, sizeof reason) == 0)
		fail_msg("accepted, wanted a reason containing \"%s\"", want);
	if (!strstr(reason, want))
		fail_msg("reason \"%s\" lacks \"%s\"", reason, want);
	int16_t dummy = 0;
	int16_t *s = &dummy;
	assert_int_equal(wav_decode_s16(bytes, len, &s, &info, reason, sizeof reason), -1);
	assert_null(s);
}

/* Writes a sine per channel (440 Hz, channel c at amp[c]) with libsndfile in any format. */
static void write_sine_file(const char *path, int format, int rate, int channels,
                            sf_count_t frames, const double *amp)
{
	SF_INFO si = {.samplerate = rate, .channels = channels, .format = format};
	SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
	if (!sf)
		fail_msg("sf_open %s: %s", path, sf_strerror(NULL));
	float *buf = malloc((size_t)frames * (size_t)channels * sizeof *buf + 1);
	assert_non_null(buf);
	for (sf_count_t f = 0; f < frames; f++)
		for (int c = 0; c < channels; c++)
			buf[f * channels + c] = (float)(amp[c] * sin(2.0 * PI * 440.0 * (double)f / rate));
	assert_int_equal(sf_writef_float(sf, buf, frames), frames);
	assert_int_equal(sf_close(sf), 0);
	free(buf);
}

/* Writes interleaved shorts with libsndfile and returns the file's bytes. */
static uint8_t *sndfile_bytes(const char *path, int format, int rate, int channels,
                              const int16_t *samples, sf_count_t frames, size_t *len)
{
	SF_INFO si = {.samplerate = rate, .channels = channels, .format = format};
	SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
	if (!sf)
		fail_msg("sf_open %s: %s", path, sf_strerror(NULL));
	if (frames)
		assert_int_equal(sf_writef_short(sf, samples, frames), frames);
	assert_int_equal(sf_close(sf), 0);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	uint8_t *b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return b;
}

/* ---- round trips -------------------------------------------------------- */

static void roundtrip_rate(int rate)
{
	static const int channel_set[] = {1, 2, 3, 8};
	static const size_t length_set[] = {0, 1, 1023, 48000};
	for (size_t ci = 0; ci < sizeof channel_set / sizeof *channel_set; ci++) {
		for (size_t li = 0; li < sizeof length_set / sizeof *length_set; li++) {
			int ch = channel_set[ci];
			size_t frames = length_set[li];
			size_t count = frames * (size_t)ch;
			uint32_t seed = (uint32_t)(rate * 31 + ch * 7 + (int)li + 1);
			int16_t *in = random_samples(count, &seed);
			if (count >= 2) {
				in[0] = INT16_MIN;
				in[1] = INT16_MAX;
			}

			uint8_t *wav = NULL;
			size_t wav_len = 0;
			assert_int_equal(wav_encode_s16(count ? in : NULL, frames, rate, ch, &wav, &wav_len), 0);
			assert_non_null(wav);

			struct wav_info info;
			char reason[256] = "";
			if (wav_check(wav, wav_len, &info, reason, sizeof reason) != 0)
				fail_msg("%d Hz %d ch %zu frames: %s", rate, ch, frames, reason);
			assert_int_equal(info.rate, rate);
			assert_int_equal(info.channels, ch);
			assert_int_equal(info.bits, 16);
			assert_int_equal(info.frames, frames);
			assert_int_equal(info.data_len, count * 2);
			assert_true(info.data_offset + info.data_len <= wav_len);

			int16_t *out = NULL;
			struct wav_info dinfo;
			if (wav_decode_s16(wav, wav_len, &out, &dinfo, reason, sizeof reason) != 0)
				fail_msg("decode %d Hz %d ch %zu frames: %s", rate, ch, frames, reason);
			assert_non_null(out);
			assert_int_equal(dinfo.frames, frames);
			assert_int_equal(dinfo.data_offset, info.data_offset);
			if (count)
				assert_memory_equal(in, out, count * sizeof *in);
			/* The samples sit little-endian at data_offset, as the header says. */
			for (size_t i = 0; i < count; i += 997) {
				const uint8_t *p = wav + info.data_offset + 2 * i;
				assert_int_equal((int16_t)(uint16_t)(p[0] | (p[1] << 8)), in[i]);
			}
			free(out);
			free(wav);
			free(in);
		}
	}
}

static void test_roundtrip_8000(void **state)
{
	(void)state;
	roundtrip_rate(8000);
}

static void test_roundtrip_44100(void **state)
{
	(void)state;
	roundtrip_rate(44100);
}

static void test_roundtrip_48000(void **state)
{
	(void)state;
	roundtrip_rate(48000);
}

static void test_roundtrip_96000(void **state)
{
	(void)state;
	roundtrip_rate(96000);
}

static void test_encode_limits(void **state)
{
	(void)state;
	int16_t s[CHANNELS_MAX + 1] = {0};
	uint8_t *wav = (uint8_t *)s;
	size_t len = 1;
	assert_int_equal(wav_encode_s16(s, 1, RATE_MIN - 1, 1, &wav, &len), -1);
	assert_null(wav);
	assert_int_equal(len, 0);
	assert_int_equal(wav_encode_s16(s, 1, RATE_MAX + 1, 1, &wav, &len), -1);
	assert_int_equal(wav_encode_s16(s, 1, 48000, 0, &wav, &len), -1);
	assert_int_equal(wav_encode_s16(s, 1, 48000, CHANNELS_MAX + 1, &wav, &len), -1);
	assert_int_equal(wav_encode_s16(NULL, 1, 48000, 1, &wav, &len), -1);

	assert_int_equal(wav_encode_s16(s, 1, RATE_MIN, CHANNELS_MAX, &wav, &len), 0);
	free(wav);
	assert_int_equal(wav_encode_s16(s, 1, RATE_MAX, 1, &wav, &len), 0);
	free(wav);

	/* An empty page is the canonical 44-byte header with a zero data size. */
	assert_int_equal(wav_encode_s16(NULL, 0, 48000, 1, &wav, &len), 0);
	assert_int_equal(len, 44);
	assert_memory_equal(wav + 36, "data\0\0\0\0", 8);
	free(wav);
}

/* The encoder writes the plain PCM tag at every channel count, never WAVE_FORMAT_EXTENSIBLE. */
static void test_encode_writes_plain_pcm_tag(void **state)
{
	(void)state;
	int16_t s[CHANNELS_MAX] = {0};
	for (int ch = 1; ch <= CHANNELS_MAX; ch++) {
		uint8_t *wav = NULL;
		size_t len = 0;
		assert_int_equal(wav_encode_s16(s, 1, 48000, ch, &wav, &len), 0);
		assert_memory_equal(wav + 12, "fmt ", 4);
		assert_int_equal(wav[20] | (wav[21] << 8), 1);
		free(wav);
	}
}

/* Encoding is a fixed 44-byte header and the samples little-endian: every byte is known. */
static void test_encode_exact_bytes(void **state)
{
	(void)state;
	const int16_t in[6] = {0x0102, -2, INT16_MIN, INT16_MAX, 0, -1};
	static const uint8_t want[44 + 12] = {
		'R', 'I', 'F', 'F', 48, 0, 0, 0,        /* RIFF size: 36 + 12 */
		'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
		16, 0, 0, 0,                            /* fmt size */
		1, 0, 2, 0,                             /* PCM, 2 channels */
		0x44, 0xac, 0, 0,                       /* 44100 Hz */
		0x10, 0xb1, 2, 0,                       /* byte rate 176400 */
		4, 0, 16, 0,                            /* block align 4, 16 bits */
		'd', 'a', 't', 'a', 12, 0, 0, 0,
		0x02, 0x01, 0xfe, 0xff, 0x00, 0x80, 0xff, 0x7f, 0x00, 0x00, 0xff, 0xff,
	};
	uint8_t *wav = NULL;
	size_t len = 0;
	assert_int_equal(wav_encode_s16(in, 3, 44100, 2, &wav, &len), 0);
	assert_int_equal(len, sizeof want);
	assert_memory_equal(wav, want, sizeof want);

	struct wav_info info;
	int16_t *out = NULL;
	assert_int_equal(wav_decode_s16(wav, len, &out, &info, NULL, 0), 0);
	assert_int_equal(info.data_offset, 44);
	assert_int_equal(info.data_len, 12);
	assert_memory_equal(out, in, sizeof in);
	free(out);
	free(wav);
}

/* Decoding reads the bytes as little-endian two's complement, whatever the host. */
static void test_decode_exact_samples(void **state)
{
	(void)state;
	struct wbuf w;
	put_riff(&w);
	put_fmt(&w, 1, 1, 8000, 16);
	put_chunk(&w, "data", "\x00\x00\x01\x00\xff\x7f\x00\x80\x01\x80\xff\xff\x34\x12", 14, 1);
	finish_riff(&w);
	const int16_t want[7] = {0, 1, INT16_MAX, INT16_MIN, -32767, -1, 0x1234};
	int16_t *out = NULL;
	struct wav_info info;
	char reason[256] = "";
	if (wav_decode_s16(w.b, w.n, &out, &info, reason, sizeof reason) != 0)
		fail_msg("%s", reason);
	assert_int_equal(info.frames, 7);
	assert_memory_equal(out, want, sizeof want);
	free(out);
}

/* Arguments: no place for the samples is refused; info and reason may be NULL. */
static void test_decode_arguments(void **state)
{
	(void)state;
	int16_t in[4] = {1, -1, 2, -2};
	uint8_t *wav;
	size_t len;
	assert_int_equal(wav_encode_s16(in, 2, 48000, 2, &wav, &len), 0);
	char reason[64] = "";
	struct wav_info info;
	assert_int_equal(wav_decode_s16(wav, len, NULL, &info, reason, sizeof reason), -1);
	assert_string_equal(reason, "no place for the samples");
	int16_t *out = NULL;
	assert_int_equal(wav_decode_s16(wav, len, &out, NULL, NULL, 0), 0);
	assert_memory_equal(out, in, sizeof in);
	free(out);
	/* A rejection with no reason buffer still fails cleanly. */
	out = in;
	assert_int_equal(wav_decode_s16(wav, len - 1, &out, NULL, NULL, 0), -1);
	assert_null(out);
	free(wav);
}

/* Refused before any allocation: a data size RIFF's 32 bits cannot hold. */
static void test_encode_too_big(void **state)
{
	(void)state;
	int16_t s[CHANNELS_MAX] = {0};
	uint8_t *wav = (uint8_t *)s;
	size_t len = 1;
	for (int ch = 1; ch <= CHANNELS_MAX; ch++) {
		size_t over = ((size_t)UINT32_MAX - 1024) / ((size_t)ch * 2) + 1;
		assert_int_equal(wav_encode_s16(s, over, 48000, ch, &wav, &len), -1);
		assert_null(wav);
		assert_int_equal(len, 0);
		assert_int_equal(wav_encode_s16(s, SIZE_MAX, 48000, ch, &wav, &len), -1);
	}
	assert_int_equal(wav_encode_s16(s, 1, 48000, 1, NULL, &len), -1);
	assert_int_equal(wav_encode_s16(s, 1, 48000, 1, &wav, NULL), -1);
}

/*
 * Odd sizes and places: the page at an odd address (samples not aligned for
 * int16_t), with an odd trailing byte, every channel count with odd frame counts.
 */
static void test_codec_odd_sizes_and_alignment(void **state)
{
	(void)state;
	uint32_t seed = 4242;
	static const size_t lengths[] = {1, 3, 7, 255, 1001};
	for (int ch = 1; ch <= CHANNELS_MAX; ch++) {
		for (size_t li = 0; li < sizeof lengths / sizeof *lengths; li++) {
			size_t frames = lengths[li];
			size_t count = frames * (size_t)ch;
			int16_t *in = random_samples(count, &seed);
			uint8_t *wav;
			size_t len;
			assert_int_equal(wav_encode_s16(in, frames, 11025, ch, &wav, &len), 0);
			assert_int_equal(len, 44 + count * 2);
			/* At an odd address, with one byte more than the page. */
			uint8_t *shifted = malloc(len + 2);
			assert_non_null(shifted);
			memcpy(shifted + 1, wav, len);
			shifted[len + 1] = 0xa5;
			int16_t *out = NULL;
			struct wav_info info;
			char reason[256] = "";
			if (wav_decode_s16(shifted + 1, len + 1, &out, &info, reason, sizeof reason) != 0)
				fail_msg("%d ch %zu frames: %s", ch, frames, reason);
			assert_int_equal(info.frames, frames);
			assert_int_equal(info.channels, ch);
			assert_int_equal(info.rate, 11025);
			assert_memory_equal(out, in, count * sizeof *in);
			free(out);
			/* One byte short of the data is a truncation, never a shorter page. */
			assert_int_equal(wav_decode_s16(shifted + 1, len - 1, &out, NULL, reason, sizeof reason), -1);
			assert_non_null(strstr(reason, "truncated: data chunk"));
			free(shifted);
			free(wav);
			free(in);
		}
	}
}

/* decode(encode(x)) == x, and encode(decode(p)) is the canonical form of any page p. */
static void test_reencode_is_canonical(void **state)
{
	(void)state;
	struct wbuf w;
	put_riff(&w);
	put_chunk(&w, "JUNK", "\0\0\0\0", 4, 1);
	put_fmt_raw(&w, 1, 3, 32000, 32000 * 6, 6, 16);
	put_chunk(&w, "note", "odd", 3, 1);
	put_data(&w, 3, 5);
	put_chunk(&w, "LIST", "INFO", 4, 1);
	finish_riff(&w);

	int16_t *s = NULL;
	struct wav_info info;
	assert_int_equal(wav_decode_s16(w.b, w.n, &s, &info, NULL, 0), 0);
	uint8_t *wav;
	size_t len;
	assert_int_equal(wav_encode_s16(s, info.frames, info.rate, info.channels, &wav, &len), 0);
	assert_int_equal(len, 44 + info.data_len);
	assert_memory_equal(wav + 44, w.b + info.data_offset, info.data_len);
	int16_t *again = NULL;
	struct wav_info info2;
	assert_int_equal(wav_decode_s16(wav, len, &again, &info2, NULL, 0), 0);
	assert_int_equal(info2.frames, info.frames);
	assert_memory_equal(again, s, info.data_len);
	free(again);
	free(wav);
	free(s);
}

/* Reads a file with libsndfile as 16-bit samples: an independent decoder for our pages. */
static int16_t *sndfile_read_shorts(const char *path, SF_INFO *si)
{
	memset(si, 0, sizeof *si);
	SNDFILE *sf = sf_open(path, SFM_READ, si);
	if (!sf)
		fail_msg("sf_open %s: %s", path, sf_strerror(NULL));
	size_t count = (size_t)si->frames * (size_t)si->channels;
	int16_t *buf = malloc((count + 1) * sizeof *buf);
	assert_non_null(buf);
	assert_int_equal(sf_readf_short(sf, buf, si->frames), si->frames);
	sf_close(sf);
	return buf;
}

/* What we encode, libsndfile reads as the same plain 16-bit WAV and the same samples. */
static void test_libsndfile_reads_our_pages(void **state)
{
	char path[512];
	scratch_path(path, sizeof path, state, "ours.wav");
	uint32_t seed = 777;
	static const int rates[] = {RATE_MIN, 22050, 48000, RATE_MAX};
	for (size_t ri = 0; ri < sizeof rates / sizeof *rates; ri++) {
		for (int ch = 1; ch <= CHANNELS_MAX; ch++) {
			size_t frames = 1 + (size_t)(next_rand(&seed) % 2000);
			size_t count = frames * (size_t)ch;
			int16_t *in = random_samples(count, &seed);
			uint8_t *wav;
			size_t len;
			assert_int_equal(wav_encode_s16(in, frames, rates[ri], ch, &wav, &len), 0);
			FILE *fp = fopen(path, "wb");
			assert_non_null(fp);
			assert_int_equal(fwrite(wav, 1, len, fp), len);
			assert_int_equal(fclose(fp), 0);
			SF_INFO si;
			int16_t *out = sndfile_read_shorts(path, &si);
			assert_int_equal(si.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
			assert_int_equal(si.samplerate, rates[ri]);
			assert_int_equal(si.channels, ch);
			assert_int_equal(si.frames, (sf_count_t)frames);
			assert_memory_equal(out, in, count * sizeof *in);
			free(out);
			free(wav);
			free(in);
		}
	}
}

/*
 * What libsndfile writes as a 16-bit WAV (plain or extensible) we decode to the
 * same samples: other tools write the same.
 */
static void test_decode_libsndfile_pages(void **state)
{
	char path[512];
	scratch_path(path, sizeof path, state, "theirs.wav");
	uint32_t seed = 31337;
	static const int formats[] = {SF_FORMAT_WAV | SF_FORMAT_PCM_16, SF_FORMAT_WAVEX | SF_FORMAT_PCM_16};
	for (size_t fi = 0; fi < sizeof formats / sizeof *formats; fi++) {
		for (int ch = 1; ch <= CHANNELS_MAX; ch++) {
			size_t frames = (size_t)(next_rand(&seed) % 3000);
			size_t count = frames * (size_t)ch;
			int16_t *in = random_samples(count, &seed);
			size_t len;
			uint8_t *b = sndfile_bytes(path, formats[fi], 16000, ch, in, (sf_count_t)frames, &len);
			/* WAVEX is WAVE_FORMAT_EXTENSIBLE whatever the channel count. */
			unsigned tag = (unsigned)(b[20] | (b[21] << 8));
			assert_int_equal(tag, (formats[fi] & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAVEX ? 0xFFFE : 1);
			int16_t *out = NULL;
			struct wav_info info;
			char reason[256] = "";
			if (wav_decode_s16(b, len, &out, &info, reason, sizeof reason) != 0)
				fail_msg("format 0x%x, %d ch, %zu frames: %s", formats[fi], ch, frames, reason);
			assert_int_equal(info.frames, frames);
			assert_int_equal(info.channels, ch);
			assert_int_equal(info.rate, 16000);
			if (count)
				assert_memory_equal(out, in, count * sizeof *in);
			free(out);
			free(b);
			free(in);
		}
	}
}

/* ---- wav_check rejections ----------------------------------------------- */

static void test_check_empty(void **state)
{
	(void)state;
	expect_reject(NULL, 0, "not a RIFF/WAVE file");
	uint8_t one = 'R';
	expect_reject(&one, 0, "not a RIFF/WAVE file");
	expect_reject(&one, 1, "not a RIFF/WAVE file");
	expect_reject((const uint8_t *)"RIFF\0\0\0\0WAV", 11, "truncated");
}

static void test_check_aiff(void **state)
{
	char path[512];
	scratch_path(path, sizeof path, state, "page.aiff");
	int16_t s[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t len;
	uint8_t *b = sndfile_bytes(path, SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 48000, 1, s, 8, &len);
	assert_memory_equal(b, "FORM", 4);
	expect_reject(b, len, "not a RIFF/WAVE file");
	free(b);
}

/* A float WAV written by libsndfile itself (it adds fact and PEAK chunks). */
static void test_check_float_from_libsndfile(void **state)
{
	char path[512];
	scratch_path(path, sizeof path, state, "float.wav");
	int16_t s[4] = {0};
	size_t len;
	uint8_t *b = sndfile_bytes(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, s, 2, &len);
	expect_reject(b, len, "not 16-bit PCM");
	free(b);
}

/* Cutting a small page anywhere must fail cleanly, and inside the samples it must say so. */
static void test_check_every_truncation(void **state)
{
	(void)state;
	int16_t s[2 * 50];
	for (int i = 0; i < 100; i++)
		s[i] = (int16_t)(i * 301 - 15000);
	uint8_t *wav;
	size_t len;
	assert_int_equal(wav_encode_s16(s, 50, 48000, 2, &wav, &len), 0);
	struct wav_info info;
	assert_int_equal(wav_check(wav, len, &info, NULL, 0), 0);
	for (size_t cut = 0; cut < len; cut++) {
		/* A tight heap copy, so ASan sees any read past the cut. */
		uint8_t *part = malloc(cut ? cut : 1);
		assert_non_null(part);
		memcpy(part, wav, cut);
		char reason[256] = "";
		if (wav_check(part, cut, NULL, reason, sizeof reason) == 0)
			fail_msg("accepted %zu of %zu bytes", cut, len);
		assert_true(reason[0] != '\0');
		if (cut >= info.data_offset && strncmp(reason, "truncated", 9) != 0)
			fail_msg("cut at %zu: reason \"%s\"", cut, reason);
		int16_t *out = NULL;
		assert_int_equal(wav_decode_s16(part, cut, &out, NULL, reason, sizeof reason), -1);
		assert_null(out);
		free(part);
	}
	char reason[256];
	memset(reason, 0, sizeof reason);
	assert_int_equal(wav_check(wav, len - 1, NULL, reason, sizeof reason), -1);
	assert_string_equal(reason, "truncated: data chunk says 200 bytes, 199 present");
	free(wav);
}

static void test_check_truncation_reason(void **state)
{
	(void)state;
	struct wbuf w;
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put(&w, "data", 4);
	put32(&w, 96000);
	for (int i = 0; i < 2000; i++)
		put16(&w, 0);
	finish_riff(&w);
	char reason[128];
	assert_int_equal(wav_check(w.b, w.n, NULL, reason, sizeof reason), -1);
	assert_string_equal(reason, "truncated: data chunk says 96000 bytes, 4000 present");
}

static void test_check_chunk_size_overflow(void **state)
{
	(void)state;
	struct wbuf w;
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put(&w, "LIST", 4);
	put32(&w, 0xFFFFFFF0u);
	put_data(&w, 1, 4);
	finish_riff(&w);
	expect_reject(w.b, w.n, "truncated: 'LIST' chunk says 4294967280 bytes");

	put_riff(&w);
	put(&w, "\x01\xff\x7f\x80", 4);
	put32(&w, 0xFFFFFFFFu);
	put32(&w, 0);
	expect_reject(w.b, w.n, "bad chunk id at byte 12");

	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put(&w, "data", 4);
	put32(&w, 0xFFFFFFF0u);
	put32(&w, 0);
	expect_reject(w.b, w.n, "truncated: data chunk says 4294967280 bytes, 4 present");

	put_riff(&w);
	put(&w, "fmt ", 4);
	put32(&w, 0xFFFFFFF0u);
	put_data(&w, 1, 4);
	expect_reject(w.b, w.n, "truncated");
}

/* Asserts check and decode both refuse the bytes with exactly this reason. */
static void expect_exact(const struct wbuf *w, const char *want)
{
	/* A tight heap copy, so ASan sees any read past the end. */
	uint8_t *copy = malloc(w->n ? w->n : 1);
	assert_non_null(copy);
	memcpy(copy, w->b, w->n);
	char reason[256] = "", dreason[256] = "";
	if (wav_check(copy, w->n, NULL, reason, sizeof reason) == 0)
		fail_msg("accepted, wanted \"%s\"", want);
	assert_string_equal(reason, want);
	int16_t dummy = 0;
	int16_t *s = &dummy;
	assert_int_equal(wav_decode_s16(copy, w->n, &s, NULL, dreason, sizeof dreason), -1);
	assert_null(s);
	assert_string_equal(dreason, want);
	free(copy);
}

/*
 * Every reason wav_check gives, word for word: a page from the network is
 * untrusted, and each of these is a way it has been (or could be) wrong.
 */
static void test_every_rejection(void **state)
{
	(void)state;
	struct wbuf w;

	w.n = 0;
	expect_exact(&w, "not a RIFF/WAVE file");
	make_pcm(&w, 1, 48000, 2);
	memcpy(w.b, "RIFX", 4);
	expect_exact(&w, "not a RIFF/WAVE file (big-endian RIFX)");
	make_pcm(&w, 1, 48000, 2);
	memcpy(w.b + 8, "AVI ", 4);
	expect_exact(&w, "not a RIFF/WAVE file");
	make_pcm(&w, 1, 48000, 2);
	memcpy(w.b, "RF64", 4);
	expect_exact(&w, "not a RIFF/WAVE file");
	make_pcm(&w, 1, 48000, 2);
	w.n = 11;
	expect_exact(&w, "truncated: 11 bytes, no room for a RIFF header");

	put_riff(&w);
	expect_exact(&w, "no fmt chunk");
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	expect_exact(&w, "no data chunk");
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put(&w, "data\4\0\0", 7);
	expect_exact(&w, "truncated: partial chunk header at byte 36");
	put_riff(&w);
	put(&w, "fm\tt\20\0\0\0", 8);
	expect_exact(&w, "bad chunk id at byte 12");
	put_riff(&w);
	put_data(&w, 1, 2);
	put_fmt(&w, 1, 1, 48000, 16);
	expect_exact(&w, "data chunk before fmt chunk");
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put_fmt(&w, 1, 1, 48000, 16);
	put_data(&w, 1, 2);
	expect_exact(&w, "more than one fmt chunk");
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put(&w, "LIST", 4);
	put32(&w, 100);
	put32(&w, 0);
	expect_exact(&w, "truncated: 'LIST' chunk says 100 bytes, 4 present");
	put_riff(&w);
	put(&w, "fmt ", 4);
	put32(&w, 16);
	put32(&w, 0x00010001);
	put32(&w, 48000);
	expect_exact(&w, "truncated: 'fmt ' chunk says 16 bytes, 8 present");

	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put(&w, "data", 4);
	put32(&w, 0xFFFFFFFFu);
	put32(&w, 0);
	expect_exact(&w, "data size unknown (0xffffffff, written by a stream?)");
	put_riff(&w);
	put_fmt(&w, 1, 2, 48000, 16);
	put(&w, "data", 4);
	put32(&w, 8);
	put(&w, "\1\0\2\0\3\0", 6);
	expect_exact(&w, "truncated: data chunk says 8 bytes, 6 present");
	put_riff(&w);
	put_fmt(&w, 1, 2, 48000, 16);
	put_chunk(&w, "data", "\1\0\2\0\3\0", 6, 1);
	expect_exact(&w, "data chunk of 6 bytes is not whole 4-byte frames");
	/* An odd data size in mono: half a sample. */
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put_chunk(&w, "data", "\1\0\2", 3, 1);
	expect_exact(&w, "data chunk of 3 bytes is not whole 2-byte frames");

	put_riff(&w);
	put(&w, "fmt ", 4);
	put32(&w, 14);
	put(&w, "\1\0\1\0\x80\xbb\0\0\0\x77\1\0\2\0", 14);
	put_data(&w, 1, 2);
	expect_exact(&w, "fmt chunk too short (14 bytes)");
	put_riff(&w);
	put_fmt(&w, 0xFFFE, 1, 48000, 16);
	put_data(&w, 1, 2);
	expect_exact(&w, "extensible fmt chunk too short (16 bytes)");
	put_riff(&w);
	put_fmt_extensible(&w, 1, 48000, 16, 16, 1);
	w.b[36] = 0; /* cbSize: no room claimed for the extension */
	put_data(&w, 1, 2);
	expect_exact(&w, "extensible fmt chunk too short (40 bytes)");
	put_riff(&w);
	put_fmt_extensible(&w, 1, 48000, 16, 16, 1);
	w.b[w.n - 1] ^= 1;
	put_data(&w, 1, 2);
	expect_exact(&w, "not 16-bit PCM (extensible, unknown subformat)");
	put_riff(&w);
	put_fmt_extensible(&w, 1, 48000, 32, 32, 3);
	put_chunk(&w, "data", "\0\0\0\0", 4, 1);
	expect_exact(&w, "not 16-bit PCM (extensible, format 0x3, 32 bits)");
	put_riff(&w);
	put_fmt_extensible(&w, 1, 48000, 16, 12, 1);
	put_data(&w, 1, 2);
	expect_exact(&w, "not 16-bit PCM (extensible, format 0x1, 12 bits)");
	put_riff(&w);
	put_fmt(&w, 1, 1, 8000, 8);
	put_chunk(&w, "data", "\x80\x81", 2, 1);
	expect_exact(&w, "not 16-bit PCM (format 0x1, 8 bits)");
	put_riff(&w);
	put_fmt_raw(&w, 0x11, 1, 8000, 4055, 256, 4);
	put_chunk(&w, "data", "\0\0\0\0", 4, 1);
	expect_exact(&w, "not 16-bit PCM (format 0x11, 4 bits)");
	put_riff(&w);
	put_fmt(&w, 3, 1, 48000, 32);
	put_chunk(&w, "data", "\0\0\0\0", 4, 1);
	expect_exact(&w, "not 16-bit PCM (format 0x3, 32 bits)");
	make_pcm(&w, 0, 48000, 1);
	expect_exact(&w, "unsupported channel count 0");
	make_pcm(&w, CHANNELS_MAX + 1, 48000, 1);
	expect_exact(&w, "unsupported channel count 9");
	make_pcm(&w, 1, RATE_MIN - 1, 2);
	expect_exact(&w, "unsupported rate 7999 Hz");
	make_pcm(&w, 1, RATE_MAX + 1, 2);
	expect_exact(&w, "unsupported rate 192001 Hz");
	make_pcm(&w, 1, 0, 2);
	expect_exact(&w, "unsupported rate 0 Hz");
	make_pcm(&w, 1, 1000000, 2);
	expect_exact(&w, "unsupported rate 1000000 Hz");
	put_riff(&w);
	put_fmt_raw(&w, 1, 2, 48000, 48000 * 2, 2, 16);
	put_data(&w, 2, 2);
	expect_exact(&w, "inconsistent fmt chunk: block align 2 for 2 channels");
	put_riff(&w);
	put_fmt_raw(&w, 1, 2, 48000, 48000 * 2, 4, 16);
	put_data(&w, 2, 2);
	expect_exact(&w, "inconsistent fmt chunk: byte rate 96000, expected 192000");
	/* A byte rate that only matches modulo 2^32 is still wrong. */
	put_riff(&w);
	put_fmt_raw(&w, 1, 8, 192000, (uint32_t)(192000u * 16u), 16, 16);
	put_data(&w, 8, 1);
	assert_int_equal(wav_check(w.b, w.n, NULL, NULL, 0), 0);
}

/* Asserts the bytes pass both check and decode with put_data's counting samples. */
static void expect_counting_page(const uint8_t *bytes, size_t len, int ch, size_t frames)
{
	char reason[256] = "";
	struct wav_info info;
	if (wav_check(bytes, len, &info, reason, sizeof reason) != 0)
		fail_msg("check: %s", reason);
	assert_int_equal(info.frames, frames);
	assert_int_equal(info.channels, ch);
	int16_t *s = NULL;
	if (wav_decode_s16(bytes, len, &s, &info, reason, sizeof reason) != 0)
		fail_msg("decode: %s", reason);
	for (size_t i = 0; i < frames * (size_t)ch; i++)
		assert_int_equal(s[i], (int16_t)(i + 1));
	free(s);
}

static void test_check_skips_unknown_chunks(void **state)
{
	(void)state;
	struct wbuf w;
	put_riff(&w);
	put_chunk(&w, "JUNK", "\0\0\0\0\0\0\0\0\0\0\0\0", 12, 1);
	put_fmt(&w, 1, 2, 44100, 16);
	put_chunk(&w, "fact", "\x10\0\0\0", 4, 1);
	put_chunk(&w, "LIST", "INFOISFT\x06\0\0\0intrc\0", 18, 1);
	/* PEAK as libsndfile writes it: version 1, a timestamp, then value and position per channel. */
	put_chunk(&w, "PEAK", "\1\0\0\0\0\0\0\0" "\0\0\0\0\0\0\0\0" "\0\0\0\0\0\0\0\0", 24, 1);
	/* A chunk that spells "data" backwards must not be mistaken for it. */
	put_chunk(&w, "atad", "\0\0\0\0", 4, 1);
	put_data(&w, 2, 16);
	put_chunk(&w, "LIST", "INFOICMT\x02\0\0\0x\0", 14, 1);
	finish_riff(&w);
	expect_counting_page(w.b, w.n, 2, 16);

	/*
	 * A PEAK chunk libsndfile would find malformed: only wav_check walks a
	 * page's chunks, and it skips any it does not need, so the page decodes.
	 */
	put_riff(&w);
	put_fmt(&w, 1, 2, 44100, 16);
	put_chunk(&w, "PEAK", "\1\0\0\0\0\0\0\0", 8, 1);
	put_data(&w, 2, 16);
	finish_riff(&w);
	expect_counting_page(w.b, w.n, 2, 16);

	/*
	 * A LIST/INFO sub-chunk whose size wraps sent libsndfile 1.2.0 into an endless
	 * loop (fuzz/README.md, tests/fuzz/wav/hang-*): no library parses a page, and
	 * wav_check skips the LIST chunk whole.
	 */
	put_riff(&w);
	put_fmt(&w, 1, 1, 8000, 16);
	put_chunk(&w, "LIST", "INFOabcd\xf7\xff\xff\xff", 12, 0);
	put_data(&w, 1, 2);
	finish_riff(&w);
	expect_counting_page(w.b, w.n, 1, 2);
}

static void test_check_odd_chunk_padding(void **state)
{
	(void)state;
	struct wbuf w;
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put_chunk(&w, "note", "abc", 3, 1);
	put_chunk(&w, "JUNK", "x", 1, 1);
	put_data(&w, 1, 8);
	finish_riff(&w);
	expect_counting_page(w.b, w.n, 1, 8);

	/* Without the pad byte the next chunk header is misaligned and no data chunk is found. */
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put_chunk(&w, "note", "abc", 3, 0);
	put_data(&w, 1, 8);
	finish_riff(&w);
	char reason[256];
	assert_int_equal(wav_check(w.b, w.n, NULL, reason, sizeof reason), -1);

	/* An odd chunk as the very last thing may lack its pad: nothing follows it anyway. */
	put_riff(&w);
	put_fmt(&w, 1, 1, 48000, 16);
	put_chunk(&w, "note", "abc", 3, 0);
	finish_riff(&w);
	expect_reject(w.b, w.n, "no data chunk");
}

static void test_check_tolerates_riff_size_and_trailing_bytes(void **state)
{
	(void)state;
	struct wbuf w;
	make_pcm(&w, 1, 48000, 8);
	put(&w, "trailing garbage", 16);
	expect_counting_page(w.b, w.n, 1, 8);

	make_pcm(&w, 1, 48000, 8);
	w.b[4] = 0xff;
	w.b[5] = 0xff;
	w.b[6] = 0xff;
	w.b[7] = 0xff;
	expect_counting_page(w.b, w.n, 1, 8);

	make_pcm(&w, 1, 48000, 0);
	expect_counting_page(w.b, w.n, 1, 0);
}

static void put_fmt_extensible(struct wbuf *w, uint16_t ch, uint32_t rate, uint16_t bits,
                               uint16_t valid, uint16_t sub_tag)
{
	static const uint8_t tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
	                                 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};
	uint16_t align = (uint16_t)(ch * bits / 8);
	put(w, "fmt ", 4);
	put32(w, 40);
	put16(w, 0xFFFE);
	put16(w, ch);
	put32(w, rate);
	put32(w, rate * align);
	put16(w, align);
	put16(w, bits);
	put16(w, 22);
	put16(w, valid);
	put32(w, 0);
	put16(w, sub_tag);
	put(w, tail, sizeof tail);
}

static void test_check_extensible(void **state)
{
	(void)state;
	struct wbuf w;
	put_riff(&w);
	put_fmt_extensible(&w, 3, 48000, 16, 16, 1);
	put_data(&w, 3, 5);
	finish_riff(&w);
	expect_counting_page(w.b, w.n, 3, 5);
	/* Its rejections are in test_every_rejection. */
}

/* Random damage to a valid page: check and decode must never crash or disagree. */
static void test_check_mutations(void **state)
{
	(void)state;
	int16_t s[2 * 64];
	uint32_t seed = 12345;
	for (size_t i = 0; i < 128; i++)
		s[i] = (int16_t)next_rand(&seed);
	uint8_t *wav;
	size_t len;
	assert_int_equal(wav_encode_s16(s, 64, 22050, 2, &wav, &len), 0);
	uint8_t *m = malloc(len);
	assert_non_null(m);
	for (int round = 0; round < 3000; round++) {
		memcpy(m, wav, len);
		int hits = 1 + (int)(next_rand(&seed) % 4);
		for (int h = 0; h < hits; h++) {
			/* Mostly the header, where the parsing is. */
			size_t at = next_rand(&seed) % (round % 2 ? 48 : len);
			m[at] = (uint8_t)next_rand(&seed);
		}
		size_t mlen = len - (next_rand(&seed) % 3 == 0 ? next_rand(&seed) % len : 0);
		struct wav_info info;
		char reason[256] = "", dreason[256] = "";
		int ok = wav_check(m, mlen, &info, reason, sizeof reason) == 0;
		int16_t *out = NULL;
		struct wav_info dinfo;
		int dec = wav_decode_s16(m, mlen, &out, &dinfo, dreason, sizeof dreason) == 0;
		/* Decode is the check plus a copy: the same verdict, the same reason. */
		assert_int_equal(dec, ok);
		if (!ok) {
			assert_null(out);
			assert_string_equal(dreason, reason);
			continue;
		}
		assert_int_equal(dinfo.rate, info.rate);
		assert_int_equal(dinfo.channels, info.channels);
		assert_int_equal(dinfo.frames, info.frames);
		assert_int_equal(dinfo.data_offset, info.data_offset);
		assert_int_equal(dinfo.data_len, info.data_len);
		for (size_t i = 0; i < info.frames * (size_t)info.channels; i++)
			assert_int_equal(out[i], le_s16(m + info.data_offset + 2 * i));
		free(out);
	}
	free(m);
	free(wav);
}

/* ---- wav_load_file ------------------------------------------------------ */

static size_t zero_crossings(const int16_t *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i - 1] < 0) != (s[i] < 0))
			c++;
	return c;
}

static int peak(const int16_t *s, size_t from, size_t to)
{
	int p = 0;
	for (size_t i = from; i < to; i++)
		if (abs(s[i]) > p)
			p = abs(s[i]);
	return p;
}

/* A 1 s 440 Hz sine at 44100 Hz, stereo with unequal channels, loaded as 48000 mono. */
static void load_sine_as_48k_mono(void **state, const char *name, int format)
{
	char path[512];
	scratch_path(path, sizeof path, state, name);
	const double amp[2] = {0.5, 0.3};
	const sf_count_t src_frames = 44100;
	write_sine_file(path, format, 44100, 2, src_frames, amp);

	int16_t *s = NULL;
	size_t n = 0;
	char reason[256] = "";
	if (wav_load_file(path, 48000, 1, 300 * 48000, &s, &n, reason, sizeof reason) != 0)
		fail_msg("%s", reason);
	double want = round((double)src_frames * 48000.0 / 44100.0);
	assert_true(fabs((double)n - want) <= 1.0);

	double hz = (double)zero_crossings(s, n) / 2.0 / ((double)n / 48000.0);
	if (fabs(hz - 440.0) > 3.0)
		fail_msg("%s: %.1f Hz", name, hz);
	/* Mono is the average of 0.5 and 0.3. */
	int p = peak(s, 2000, n - 2000);
	if (fabs(p - 0.4 * 32768.0) > 0.03 * 32768.0)
		fail_msg("%s: peak %d", name, p);
	free(s);
}

static void test_load_float_wav(void **state)
{
	load_sine_as_48k_mono(state, "sine.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT);
}

static void test_load_flac(void **state)
{
	load_sine_as_48k_mono(state, "sine.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
}

/* Same rate and a 16-bit source: no conversion should touch a sample. */
static void test_load_exact_when_no_conversion(void **state)
{
	char path[512];
	scratch_path(path, sizeof path, state, "exact.wav");
	int16_t in[1000];
	uint32_t seed = 7;
	for (int i = 0; i < 1000; i++)
		in[i] = (int16_t)next_rand(&seed);
	in[0] = INT16_MIN;
	in[1] = INT16_MAX;
	size_t len;
	free(sndfile_bytes(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1, in, 1000, &len));

	int16_t *s = NULL;
	size_t n = 0;
	char reason[256] = "";
	if (wav_load_file(path, 48000, 1, 1000, &s, &n, reason, sizeof reason) != 0)
		fail_msg("%s", reason);
	assert_int_equal(n, 1000);
	assert_memory_equal(s, in, sizeof in);
	free(s);

	/* Upmix copies mono to every channel. */
	if (wav_load_file(path, 48000, 3, 1000, &s, &n, reason, sizeof reason) != 0)
		fail_msg("%s", reason);
	assert_int_equal(n, 1000);
	for (int i = 0; i < 1000; i++)
		for (int c = 0; c < 3; c++)
			assert_int_equal(s[i * 3 + c], in[i]);
	free(s);
}

/* Stereo to 3 channels maps channel i to i % 2; an empty file loads as zero frames. */
static void test_load_channel_map_and_empty(void **state)
{
	char path[512];
	scratch_path(path, sizeof path, state, "lr.wav");
	int16_t in[2 * 4] = {100, -100, 200, -200, 300, -300, 400, -400};
	size_t len;
	free(sndfile_bytes(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 2, in, 4, &len));
	int16_t *s = NULL;
	size_t n = 0;
	char reason[256] = "";
	if (wav_load_file(path, 8000, 3, 10, &s, &n, reason, sizeof reason) != 0)
		fail_msg("%s", reason);
	assert_int_equal(n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(s[i * 3 + 0], in[i * 2]);
		assert_int_equal(s[i * 3 + 1], in[i * 2 + 1]);
		assert_int_equal(s[i * 3 + 2], in[i * 2]);
	}
	free(s);

	scratch_path(path, sizeof path, state, "empty.wav");
	free(sndfile_bytes(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, NULL, 0, &len));
	if (wav_load_file(path, 48000, 1, 10, &s, &n, reason, sizeof reason) != 0)
		fail_msg("%s", reason);
	assert_int_equal(n, 0);
	assert_non_null(s);
	free(s);
}

static void test_load_too_long(void **state)
{
	char path[512];
	scratch_path(path, sizeof path, state, "song.flac");
	const double amp[1] = {0.5};
	write_sine_file(path, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 1, 44100, amp);
	int16_t dummy = 0;
	int16_t *s = &dummy;
	size_t n = 5;
	char reason[256] = "";
	assert_int_equal(wav_load_file(path, 48000, 1, 24000, &s, &n, reason, sizeof reason), -1);
	assert_null(s);
	assert_int_equal(n, 0);
	assert_string_equal(reason, "song.flac is 1.0 s long; a page is at most 0.5 s");

	/* Exactly at the limit is fine. */
	assert_int_equal(wav_load_file(path, 48000, 1, 48000, &s, &n, reason, sizeof reason), 0);
	assert_int_equal(n, 48000);
	free(s);
}

static void test_load_missing_and_unreadable(void **state)
{
	char path[512];
	scratch_path(path, sizeof path, state, "nope.wav");
	int16_t *s = NULL;
	size_t n = 0;
	char reason[512] = "";
	assert_int_equal(wav_load_file(path, 48000, 1, 48000, &s, &n, reason, sizeof reason), -1);
	assert_null(s);
	assert_non_null(strstr(reason, "cannot open nope.wav: "));
	assert_null(strstr(reason, (const char *)*state));

	scratch_path(path, sizeof path, state, "notes.txt");
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not audio, just some words in a text file\n", fp);
	fclose(fp);
	assert_int_equal(wav_load_file(path, 48000, 1, 48000, &s, &n, reason, sizeof reason), -1);
	assert_non_null(strstr(reason, "cannot open notes.txt: "));

	assert_int_equal(wav_load_file(path, 1000, 1, 48000, &s, &n, reason, sizeof reason), -1);
	assert_non_null(strstr(reason, "notes.txt"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_8000),
		cmocka_unit_test(test_roundtrip_44100),
		cmocka_unit_test(test_roundtrip_48000),
		cmocka_unit_test(test_roundtrip_96000),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_encode_writes_plain_pcm_tag),
		cmocka_unit_test(test_encode_exact_bytes),
		cmocka_unit_test(test_decode_exact_samples),
		cmocka_unit_test(test_decode_arguments),
		cmocka_unit_test(test_encode_too_big),
		cmocka_unit_test(test_codec_odd_sizes_and_alignment),
		cmocka_unit_test(test_reencode_is_canonical),
		cmocka_unit_test_setup_teardown(test_libsndfile_reads_our_pages, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_decode_libsndfile_pages, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_check_empty),
		cmocka_unit_test_setup_teardown(test_check_aiff, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_check_float_from_libsndfile, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_check_every_truncation),
		cmocka_unit_test(test_check_truncation_reason),
		cmocka_unit_test(test_check_chunk_size_overflow),
		cmocka_unit_test(test_every_rejection),
		cmocka_unit_test(test_check_skips_unknown_chunks),
		cmocka_unit_test(test_check_odd_chunk_padding),
		cmocka_unit_test(test_check_tolerates_riff_size_and_trailing_bytes),
		cmocka_unit_test(test_check_extensible),
		cmocka_unit_test(test_check_mutations),
		cmocka_unit_test_setup_teardown(test_load_float_wav, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_flac, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_exact_when_no_conversion, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_channel_map_and_empty, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_too_long, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_missing_and_unreadable, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

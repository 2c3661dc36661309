/*
 * libFuzzer target: the page codec (src/audio/wav.c) on arbitrary bytes, as a
 * speaker receives them in a PAGE, and the same bytes taken as samples to encode.
 *
 * Invariants checked (any failure aborts):
 *  - wav_check returns 0 or -1, the same with or without info and reason; a
 *    tiny reason buffer is never overrun; on -1 the reason is a non-empty string;
 *  - wav_decode_s16 never accepts what wav_check rejects: on -1 it rejects the
 *    same bytes with the same reason, leaving *samples NULL;
 *  - when wav_check accepts: 16 bits, 1..CHANNELS_MAX channels, rate in
 *    RATE_MIN..RATE_MAX, data_len == frames * channels * 2, the data chunk
 *    header sits right before data_offset and the samples lie inside the bytes;
 *    then wav_decode_s16 succeeds with the same info and exactly the
 *    little-endian samples at data_offset (read here independently);
 *  - re-encoding an accepted page gives the canonical form: 44 header bytes
 *    then the very data bytes received, which check and decode accept again
 *    with the same format and samples;
 *  - any bytes taken as samples (format from the first bytes): encode succeeds,
 *    is 44 + 2 * samples bytes, and decode(encode(x)) == x.
 */
#include "intercom/audio/wav.h"
#include "intercom/common/defaults.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CANONICAL_HEADER_LEN 44

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int16_t le_s16(const uint8_t *p)
{
	int v = p[0] | p[1] << 8;
	return (int16_t)(v >= 0x8000 ? v - 0x10000 : v);
}

static bool same_info(const struct wav_info *a, const struct wav_info *b)
{
	return a->rate == b->rate && a->channels == b->channels && a->bits == b->bits &&
	       a->frames == b->frames && a->data_offset == b->data_offset && a->data_len == b->data_len;
}

/* Encodes samples and checks what comes out: the canonical form, decoding back to them. */
static void check_roundtrip(const int16_t *samples, size_t frames, int rate, int channels)
{
	size_t count = frames * (size_t)channels;
	uint8_t *wav = NULL;
	size_t len = 0;
	FUZZ_CHECK(wav_encode_s16(samples, frames, rate, channels, &wav, &len) == 0);
	FUZZ_CHECK(wav != NULL && len == CANONICAL_HEADER_LEN + count * 2);
	FUZZ_CHECK(memcmp(wav, "RIFF", 4) == 0 && le32(wav + 4) == len - 8);
	FUZZ_CHECK(memcmp(wav + 8, "WAVEfmt ", 8) == 0 && memcmp(wav + 36, "data", 4) == 0);
	for (size_t i = 0; i < count; i++)
		FUZZ_CHECK(le_s16(wav + CANONICAL_HEADER_LEN + 2 * i) == samples[i]);

	struct wav_info info;
	int16_t *back = NULL;
	char reason[256] = "";
	FUZZ_CHECK(wav_decode_s16(wav, len, &back, &info, reason, sizeof reason) == 0);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(info.rate == rate && info.channels == channels && info.bits == 16 &&
	           info.frames == frames && info.data_offset == CANONICAL_HEADER_LEN &&
	           info.data_len == count * 2);
	FUZZ_CHECK(count == 0 || memcmp(back, samples, count * sizeof *samples) == 0);
	free(back);
	free(wav);
}

/* The input as samples: byte 0 picks the channels, bytes 1-4 the rate, the rest are samples. */
static void fuzz_samples(const uint8_t *data, size_t size)
{
	if (size < 5)
		return;
	int channels = 1 + data[0] % CHANNELS_MAX;
	int rate = RATE_MIN + (int)(le32(data + 1) % (uint32_t)(RATE_MAX - RATE_MIN + 1));
	size_t frames = (size - 5) / 2 / (size_t)channels;
	size_t count = frames * (size_t)channels;
	int16_t *s = malloc((count ? count : 1) * sizeof *s);
	FUZZ_CHECK(s != NULL);
	for (size_t i = 0; i < count; i++)
		s[i] = le_s16(data + 5 + 2 * i);
	check_roundtrip(s, frames, rate, channels);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_samples(data, size);

	struct wav_info info;
	char reason[256];
	memset(&info, 0, sizeof info);
	reason[0] = '\0';
	int rc = wav_check(data, size, &info, reason, sizeof reason);
	FUZZ_CHECK(rc == 0 || rc == -1);

	/* Without info or reason, and with a reason buffer too small for any message. */
	FUZZ_CHECK(wav_check(data, size, NULL, NULL, 0) == rc);
	char *tiny = malloc(3);
	FUZZ_CHECK(tiny != NULL);
	FUZZ_CHECK(wav_check(data, size, NULL, tiny, 3) == rc);
	free(tiny);

	int16_t *samples = (int16_t *)&info; /* must be replaced: NULL on failure */
	struct wav_info dinfo;
	char dreason[256];
	memset(&dinfo, 0, sizeof dinfo);
	dreason[0] = '\0';

	if (rc != 0) {
		FUZZ_CHECK(reason[0] != '\0' && memchr(reason, '\0', sizeof reason) != NULL);
		FUZZ_CHECK(wav_decode_s16(data, size, &samples, &dinfo, dreason, sizeof dreason) == -1);
		FUZZ_CHECK(samples == NULL);
		FUZZ_CHECK(strcmp(reason, dreason) == 0);
		return 0;
	}

	FUZZ_CHECK(info.bits == 16);
	FUZZ_CHECK(info.channels >= 1 && info.channels <= CHANNELS_MAX);
	FUZZ_CHECK(info.rate >= RATE_MIN && info.rate <= RATE_MAX);
	FUZZ_CHECK(info.data_len == info.frames * (size_t)info.channels * 2);
	/* RIFF header, a fmt chunk of at least 16 bytes, the data chunk header. */
	FUZZ_CHECK(info.data_offset >= 12 + 8 + 16 + 8);
	FUZZ_CHECK(info.data_offset <= size && info.data_len <= size - info.data_offset);
	FUZZ_CHECK(memcmp(data + info.data_offset - 8, "data", 4) == 0);
	FUZZ_CHECK(le32(data + info.data_offset - 4) == info.data_len);

	/* Decoding an accepted page cannot fail: it is the check and a copy. */
	FUZZ_CHECK(wav_decode_s16(data, size, &samples, &dinfo, dreason, sizeof dreason) == 0);
	FUZZ_CHECK(samples != NULL);
	FUZZ_CHECK(same_info(&dinfo, &info));
	const uint8_t *raw = data + info.data_offset;
	size_t count = info.frames * (size_t)info.channels;
	for (size_t i = 0; i < count; i++)
		FUZZ_CHECK(samples[i] == le_s16(raw + 2 * i));

	/* Re-encoded, any accepted page becomes the canonical one around the same data bytes. */
	uint8_t *wav = NULL;
	size_t len = 0;
	FUZZ_CHECK(wav_encode_s16(samples, info.frames, info.rate, info.channels, &wav, &len) == 0);
	FUZZ_CHECK(len == CANONICAL_HEADER_LEN + info.data_len);
	FUZZ_CHECK(info.data_len == 0 || memcmp(wav + CANONICAL_HEADER_LEN, raw, info.data_len) == 0);
	struct wav_info again;
	FUZZ_CHECK(wav_check(wav, len, &again, NULL, 0) == 0);
	FUZZ_CHECK(again.rate == info.rate && again.channels == info.channels &&
	           again.frames == info.frames && again.data_offset == CANONICAL_HEADER_LEN);
	free(wav);
	check_roundtrip(samples, info.frames, info.rate, info.channels);
	free(samples);
	return 0;
}

/*
 * libFuzzer target: wav_check (pure) and wav_decode_s16 (libsndfile, virtual I/O)
 * on arbitrary bytes, as a speaker receives them in a PAGE.
 *
 * Invariants checked (any failure aborts):
 *  - wav_check returns 0 or -1; on -1 the reason is a non-empty string, and
 *    wav_decode_s16 rejects the same bytes with the same reason, leaving
 *    *samples NULL; a tiny reason buffer is never overrun;
 *  - when wav_check accepts: 16 bits, 1..CHANNELS_MAX channels, rate in
 *    RATE_MIN..RATE_MAX, data_len == frames * channels * 2, the data chunk
 *    header sits right before data_offset and the samples lie inside the bytes;
 *  - then wav_decode_s16 either succeeds with the same info and exactly the
 *    little-endian samples at data_offset, or fails only for a reason that comes
 *    from libsndfile's view of the file (it cannot open it, sees another format
 *    or length, reads short, or a sample differs: the designed guard against
 *    parser disagreement); never with *samples set.
 */
#include "intercom/audio/wav.h"
#include "intercom/common/defaults.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The rejections wav_decode_s16 makes after its own wav_check passed (see src/audio/wav.c). */
static bool libsndfile_reason(const char *reason)
{
	return starts_with(reason, "libsndfile cannot read it") ||
	       starts_with(reason, "header does not match data") ||
	       starts_with(reason, "short read") || starts_with(reason, "out of memory");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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

	rc = wav_decode_s16(data, size, &samples, &dinfo, dreason, sizeof dreason);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		FUZZ_CHECK(samples == NULL);
		if (!libsndfile_reason(dreason)) {
			fprintf(stderr, "wav_check accepted, wav_decode_s16 said: %s\n", dreason);
			FUZZ_CHECK(!"wav_decode_s16 rejected a checked WAV for a non-libsndfile reason");
		}
		return 0;
	}
	FUZZ_CHECK(samples != NULL);
	FUZZ_CHECK(dinfo.rate == info.rate && dinfo.channels == info.channels &&
	           dinfo.bits == info.bits && dinfo.frames == info.frames &&
	           dinfo.data_offset == info.data_offset && dinfo.data_len == info.data_len);
	const uint8_t *raw = data + info.data_offset;
	size_t count = info.frames * (size_t)info.channels;
	for (size_t i = 0; i < count; i++)
		FUZZ_CHECK(samples[i] == le_s16(raw + 2 * i));
	free(samples);
	return 0;
}

/*
 * Shared by the fuzz targets and the seed generator: the fuzz_frames input
 * layout, the invariant macro, a hash. Not part of the programs.
 */
#ifndef INTERCOM_FUZZ_COMMON_H
#define INTERCOM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * fuzz_frames input:
 *   byte 0        config: bits 0-1 pick the decoder's max_payload from
 *                 FRAMES_MAX_PAYLOADS (1024, 1 MiB, 0, 64)
 *   byte 1        n = byte % (FRAMES_MAX_SPLITS + 1): number of split bytes
 *   n bytes       chunk sizes, used in turn and cycled; 0 is an empty feed
 *                 (followed by the next size); n = 0 feeds byte by byte
 *   the rest      the byte stream a peer sends
 */
#define FRAMES_MAX_SPLITS 16
#define FRAMES_MAX_PAYLOADS { 1024u, 1u << 20, 0u, 64u }

/* An invariant of the code under test; a failure is a finding, so crash loudly. */
#define FUZZ_CHECK(cond)                                                                      \
	do {                                                                                      \
		if (!(cond)) {                                                                        \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
			abort();                                                                          \
		}                                                                                     \
	} while (0)

/* FNV-1a, 64 bits: enough to compare payloads between two decodes of one input. */
static inline uint64_t fuzz_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3u;
	}
	return h;
}

#endif

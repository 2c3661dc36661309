/*
 * libFuzzer target: the RTP depacketizer (src/audio/rtp_depack.c, over
 * src/net/rtp.c and src/audio/rtp_codec.c) fed datagrams as a multicast
 * group would bring them: short, huge, of another version or payload type,
 * reordered, duplicated, from several sources, with garbage payloads.
 *
 * Input: byte 0 the codec (pcmu, pcma, g722, opus); then datagrams, each a
 * 2-byte little-endian length (15 bits, cut to what is left; the top bit
 * offers the datagram twice, as a network duplicates it), a 1-byte time
 * step (ms, x 8 when its top bit is set), then its bytes.
 *
 * Invariants checked (any failure aborts):
 *  - a packet either gives 1..RTP_DEPACK_MAX_FRAMES frames with RTP_OK, or
 *    none with a refusal; every packet is counted once, as taken or refused;
 *  - frames given out are counted; a new source starts at frame 0;
 *  - a datagram offered again at once is refused, whatever became of the
 *    first copy (a duplicate never plays twice).
 */
#include "intercom/audio/rtp_depack.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char why[160];
	struct rtp_depack *dp = rtp_depack_new((enum rtp_codec_id)(data[0] % 4), why, sizeof why);
	FUZZ_CHECK(dp != NULL);
	size_t at = 1;
	uint64_t now = 1000, taken = 0, refused = 0, frames = 0;
	while (at + 3 <= size) {
		size_t len = ((size_t)data[at] | (size_t)data[at + 1] << 8) & 0x7fff;
		bool twice = data[at + 1] & 0x80;
		uint8_t step = data[at + 2];
		at += 3;
		if (len > size - at)
			len = size - at;
		now += step & 0x80 ? (uint64_t)(step & 0x7f) * 8 : step;
		for (int copy = 0; copy < (twice ? 2 : 1); copy++) {
			struct rtp_depack_out out;
			size_t n = rtp_depack_packet(dp, data + at, len, now, &out);
			FUZZ_CHECK(n == out.count);
			if (n == 0) {
				FUZZ_CHECK(out.refusal != RTP_OK);
				refused++;
				continue;
			}
			FUZZ_CHECK(copy == 0);
			FUZZ_CHECK(out.refusal == RTP_OK);
			FUZZ_CHECK(n <= RTP_DEPACK_MAX_FRAMES);
			FUZZ_CHECK(!out.new_source || out.first == 0);
			taken++;
			frames += n;
			/* The samples are readable in full (ASan checks the bounds). */
			volatile int16_t sink = out.samples[n * rtp_depack_frame_samples(dp) - 1];
			(void)sink;
		}
		at += len;
	}
	struct rtp_depack_stats st = rtp_depack_stats(dp);
	FUZZ_CHECK(st.packets == taken + refused);
	FUZZ_CHECK(rtp_depack_refused(dp) == refused);
	FUZZ_CHECK(st.frames == frames);
	rtp_depack_free(dp);
	return 0;
}

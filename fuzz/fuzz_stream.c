/*
 * libFuzzer target: a streamed page as a speaker meets it, from a console
 * that may be broken or hostile: STREAM_BEGIN, STREAM_DATA and STREAM_END
 * payloads of any bytes decoded by proto.c, then put back together by
 * stream_page (page mode) and stream_live (live), as speaker.c does.
 *
 * Input: byte 0 picks the codec (bit 0: pcm or opus), bit 1 live or page;
 * then records, each a type byte (0 DATA, 1 END, 2 a live fill with the next
 * byte as the time step), a 2-byte length and a payload.
 *
 * Invariants (any failure aborts): decoding never reads past a payload; a
 * page is handed out only when every frame came in order and it fits what
 * was announced, exactly frames x channels samples long; nothing crashes,
 * leaks or loops, whatever the frames hold.
 */
#include "intercom/audio/stream_page.h"
#include "intercom/net/proto.h"

#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 4800 /* 0.1 s at 48 kHz: a small page keeps each run fast */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool live = data[0] & 2;
	struct stream_codec_params params = { .codec = (data[0] & 1) ? STREAM_CODEC_OPUS : STREAM_CODEC_PCM,
	                                      .rate = 48000, .channels = 1 };
	char why[160];
	struct stream_page *sp = live ? NULL : stream_page_new(&params, MAX_FRAMES, why, sizeof why);
	struct stream_live *sl = live ? stream_live_new(&params, MAX_FRAMES, why, sizeof why) : NULL;
	FUZZ_CHECK(sp || sl);
	uint64_t due = 0;
	size_t pos = 1;
	bool broken = false;
	while (pos + 3 <= size) {
		uint8_t type = data[pos];
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		/* An exact copy: the decoder must read nothing past it (ASan). */
		uint8_t *payload = malloc(len ? len : 1);
		memcpy(payload, data + pos, len);
		pos += len;
		if (type % 3 == 0) {
			struct proto_stream_data d;
			if (proto_stream_data_decode(payload, len, &d) == PROTO_OK) {
				size_t at = 0, n;
				const uint8_t *bytes;
				uint32_t seq = d.first_seq;
				uint16_t count = 0;
				while (proto_stream_data_next(&d, &at, &bytes, &n)) {
					FUZZ_CHECK(bytes >= payload && bytes + n <= payload + len);
					if (sp && !broken && stream_page_add(sp, seq, bytes, n, why, sizeof why) < 0)
						broken = true;
					if (sl)
						stream_live_put(sl, due, seq, bytes, n);
					seq++;
					count++;
				}
				FUZZ_CHECK(count == d.count);
			}
		} else if (type % 3 == 1) {
			struct proto_stream_end e;
			if (proto_stream_end_decode(payload, len, &e) == PROTO_OK && sp && !broken) {
				int16_t *page = stream_page_finish(sp, e.count, e.frames, why, sizeof why);
				if (page) {
					FUZZ_CHECK(e.frames <= MAX_FRAMES);
					/* Every sample is there to read. */
					volatile int16_t sink = e.frames ? page[e.frames - 1] : 0;
					(void)sink;
					free(page);
				}
			}
		} else if (sl) {
			due += (uint64_t)(len ? payload[0] : 1) * 2500u;
			size_t decided = stream_live_fill(sl, due, 0);
			FUZZ_CHECK(decided <= stream_live_capacity(sl));
		}
		free(payload);
	}
	stream_page_free(sp);
	stream_live_free(sl);
	return 0;
}

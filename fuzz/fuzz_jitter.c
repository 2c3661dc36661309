/*
 * libFuzzer target: the jitter buffer (src/audio/jitter.c) driven by an
 * arbitrary sequence of operations, as a peer's frames and a speaker's
 * clock would drive it, checked against a model of what it must do.
 *
 * Input: byte 0 the capacity (1..16 slots), byte 1 end_after (1..8), byte 2
 * max_frame_bytes (0..31); then operations, one byte of opcode each:
 *   0 put: 1 byte sequence step (signed), 2 bytes time offset (signed, in
 *     units of 1/8 frame), 1 byte length; the frame's bytes are made from
 *     its sequence number;
 *   1 pop at the current play time;
 *   2 advance the play time by 1 + byte frames/8 (or, rarely, back);
 *   3 put with an arbitrary 32-bit sequence number and 64-bit time;
 *   4 reset.
 *
 * Invariants checked (any failure aborts):
 *  - results are known values; frames held never exceed the capacity;
 *  - every slot handed out is the one after the last (sequence + 1), the
 *    first one of a stream at most capacity before the first frame taken;
 *  - JITTER_FRAME hands out the bytes accepted for that sequence number,
 *    never late: its capture time <= play time < capture time + frame;
 *  - JITTER_MISSING never has a frame; after JITTER_ENDED every pop says
 *    ended and every put over, until a reset;
 *  - frames are conserved: accepted = played + expired + held + those a
 *    reset dropped; each refusal is counted under its reason;
 *  - the stream ends after end_after missing slots in a row, no sooner.
 */
#include "intercom/audio/jitter.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define FRAME_US 20000u

/* The bytes of a frame with sequence number seq, len long. */
static void frame_bytes(uint32_t seq, uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seq * 31u + i * 7u);
}

struct model {
	bool started;      /* a slot was handed out in this stream */
	uint32_t last_seq; /* the last handed out */
	uint32_t missing_run;
	bool ended;
	uint64_t dropped;  /* frames held when a reset came */
	struct { bool full; uint32_t seq; size_t len; } held[16];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	struct jitter_config c;
	c.frame_us = FRAME_US;
	c.capacity = 1 + data[0] % 16;
	c.end_after = 1 + data[1] % 8;
	c.max_frame_bytes = data[2] % 32;
	c.time_tolerance_us = FRAME_US / 2;
	struct jitter *jb = jitter_new(&c);
	FUZZ_CHECK(jb != NULL);
	size_t cap = 1;
	while (cap < c.capacity)
		cap <<= 1;

	struct model m;
	memset(&m, 0, sizeof m);
	uint64_t play = 1000000000ull;
	uint32_t seq = 77;
	uint64_t put_counts[7] = { 0 };
	uint8_t bytes[64];

	for (size_t pos = 3; pos < size;) {
		uint8_t op = data[pos++] % 5;
		if (op == 0 || op == 3) {
			uint32_t s;
			uint64_t t;
			size_t len;
			if (op == 0) {
				if (size - pos < 4)
					break;
				s = seq + (uint32_t)(int32_t)(int8_t)data[pos];
				int16_t off = (int16_t)(data[pos + 1] | data[pos + 2] << 8);
				t = play + (uint64_t)((int64_t)off * (FRAME_US / 8));
				len = data[pos + 3] % 40;
				pos += 4;
				seq = s;
			} else {
				if (size - pos < 13)
					break;
				s = 0;
				t = 0;
				for (int i = 0; i < 4; i++)
					s |= (uint32_t)data[pos + i] << (8 * i);
				for (int i = 0; i < 8; i++)
					t |= (uint64_t)data[pos + 4 + i] << (8 * i);
				len = data[pos + 12] % 40;
				pos += 13;
			}
			frame_bytes(s, bytes, len);
			size_t before = jitter_held(jb);
			enum jitter_put_result r = jitter_put(jb, play, s, t, bytes, len);
			FUZZ_CHECK(r >= JITTER_ACCEPTED && r <= JITTER_OVER);
			FUZZ_CHECK(jitter_put_result_name(r)[0] != '?');
			put_counts[r]++;
			if (m.ended)
				FUZZ_CHECK(r == JITTER_OVER);
			if (len > c.max_frame_bytes)
				FUZZ_CHECK(r == JITTER_OVERSIZED || r == JITTER_OVER);
			if (r == JITTER_ACCEPTED) {
				FUZZ_CHECK(jitter_held(jb) == before + 1);
				/* Never a frame whose whole time has passed. */
				FUZZ_CHECK(t > play || play - t < FRAME_US);
				/* Never a slot already handed out. */
				FUZZ_CHECK(!m.started || (int32_t)(s - m.last_seq) > 0);
				FUZZ_CHECK(!m.held[s & (cap - 1)].full);
				m.held[s & (cap - 1)].full = true;
				m.held[s & (cap - 1)].seq = s;
				m.held[s & (cap - 1)].len = len;
			} else {
				FUZZ_CHECK(jitter_held(jb) == before);
			}
		} else if (op == 1) {
			struct jitter_slot slot;
			size_t before = jitter_held(jb);
			enum jitter_pop_result r = jitter_pop(jb, play, &slot);
			FUZZ_CHECK(r >= JITTER_IDLE && r <= JITTER_ENDED);
			if (m.ended) {
				FUZZ_CHECK(r == JITTER_ENDED);
				continue;
			}
			if (r == JITTER_IDLE) {
				FUZZ_CHECK(before == 0 && !m.started);
				continue;
			}
			if (r == JITTER_NOT_DUE)
				continue;
			if (r == JITTER_ENDED) {
				FUZZ_CHECK(m.missing_run + 1 == c.end_after);
				m.ended = true;
				continue;
			}
			if (m.started)
				FUZZ_CHECK(slot.seq == m.last_seq + 1);
			m.started = true;
			m.last_seq = slot.seq;
			FUZZ_CHECK(play >= slot.capture_us);
			bool had = m.held[slot.seq & (cap - 1)].full && m.held[slot.seq & (cap - 1)].seq == slot.seq;
			if (r == JITTER_FRAME) {
				FUZZ_CHECK(had);
				FUZZ_CHECK(play - slot.capture_us < FRAME_US);
				FUZZ_CHECK(slot.len == m.held[slot.seq & (cap - 1)].len);
				frame_bytes(slot.seq, bytes, slot.len);
				FUZZ_CHECK(slot.len == 0 || memcmp(slot.bytes, bytes, slot.len) == 0);
			} else if (r == JITTER_MISSING) {
				FUZZ_CHECK(!had && slot.bytes == NULL);
				FUZZ_CHECK(play - slot.capture_us < FRAME_US);
			} else {
				FUZZ_CHECK(r == JITTER_PASSED && slot.bytes == NULL);
				FUZZ_CHECK(play - slot.capture_us >= FRAME_US);
			}
			FUZZ_CHECK(jitter_held(jb) == before - (had ? 1 : 0));
			m.missing_run = had ? 0 : m.missing_run + 1;
			m.held[slot.seq & (cap - 1)].full = false;
		} else if (op == 2) {
			if (size - pos < 1)
				break;
			uint8_t b = data[pos++];
			/* Mostly forward; 1 in 16 goes back (a clock estimate corrected). */
			if (b >= 240)
				play -= (uint64_t)(b - 239) * FRAME_US;
			else
				play += (1 + (uint64_t)b) * (FRAME_US / 8);
		} else {
			m.dropped += jitter_held(jb);
			jitter_reset(jb);
			FUZZ_CHECK(jitter_held(jb) == 0);
			uint64_t dropped = m.dropped;
			memset(&m, 0, sizeof m);
			m.dropped = dropped;
		}
		FUZZ_CHECK(jitter_held(jb) <= cap);
		struct jitter_stats st = jitter_stats(jb);
		FUZZ_CHECK(st.accepted == st.played + st.expired + jitter_held(jb) + m.dropped);
		FUZZ_CHECK(st.accepted == put_counts[JITTER_ACCEPTED]);
		FUZZ_CHECK(st.duplicate == put_counts[JITTER_DUPLICATE]);
		FUZZ_CHECK(st.late == put_counts[JITTER_LATE]);
		FUZZ_CHECK(st.too_far_ahead == put_counts[JITTER_TOO_FAR_AHEAD]);
		FUZZ_CHECK(st.oversized == put_counts[JITTER_OVERSIZED]);
		FUZZ_CHECK(st.bad_time == put_counts[JITTER_BAD_TIME]);
		FUZZ_CHECK(st.reordered <= st.accepted && st.expired <= st.passed);
	}
	jitter_free(jb);
	return 0;
}

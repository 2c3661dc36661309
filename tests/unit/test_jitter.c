/*
 * Unit tests of the jitter buffer: order, duplicates, loss bursts, late
 * frames never played, sequence wrap-around, a stream that stops (and the
 * bound on its end), huge jumps in sequence and time, bounded memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intercom/audio/jitter.h"
#include "intercom/common/defaults.h"

#include <string.h>

#define FRAME_US 20000u
/* The stream's first capture time: any point of the console's clock. */
#define T0 5000000000ull

/* Capture time of sequence number seq when the stream starts at seq0. */
static uint64_t at(uint32_t seq0, uint32_t seq)
{
	return T0 + (uint64_t)(uint32_t)(seq - seq0) * FRAME_US;
}

/* A small buffer: 8 slots, 8-byte frames, ends after 5 missing slots. */
static struct jitter *small(void)
{
	struct jitter_config c = { FRAME_US, 8, 8, 5, FRAME_US / 2 };
	struct jitter *jb = jitter_new(&c);
	assert_non_null(jb);
	return jb;
}

/* A frame's bytes say its sequence number, so the one handed out can be checked. */
static enum jitter_put_result put(struct jitter *jb, uint64_t play_us, uint32_t seq,
                                  uint64_t capture_us)
{
	uint8_t b[4] = { (uint8_t)seq, (uint8_t)(seq >> 8), (uint8_t)(seq >> 16), (uint8_t)(seq >> 24) };
	return jitter_put(jb, play_us, seq, capture_us, b, sizeof b);
}

/* Pops at play_us; on a frame, checks its bytes are its own. */
static enum jitter_pop_result pop(struct jitter *jb, uint64_t play_us, uint32_t *seq)
{
	struct jitter_slot s;
	memset(&s, 0xa5, sizeof s);
	enum jitter_pop_result r = jitter_pop(jb, play_us, &s);
	if (r == JITTER_FRAME) {
		assert_int_equal(s.len, 4);
		uint32_t v = s.bytes[0] | (uint32_t)s.bytes[1] << 8 | (uint32_t)s.bytes[2] << 16 |
		             (uint32_t)s.bytes[3] << 24;
		assert_int_equal(v, s.seq);
	}
	if (r == JITTER_FRAME || r == JITTER_MISSING || r == JITTER_PASSED) {
		if (r != JITTER_FRAME)
			assert_null(s.bytes);
		*seq = s.seq;
	}
	return r;
}

static void test_config(void **state)
{
	(void)state;
	struct jitter_config c = jitter_default_config(FRAME_US, 1276);
	assert_int_equal(c.capacity, JITTER_AHEAD_MS / 20);
	assert_int_equal(c.end_after, JITTER_END_AFTER_MS / 20);
	assert_int_equal(c.time_tolerance_us, JITTER_TIME_TOLERANCE_US);
	assert_int_equal(c.max_frame_bytes, 1276);
	/* 2.5 ms frames: the tolerance never exceeds half a frame. */
	c = jitter_default_config(2500, 100);
	assert_int_equal(c.time_tolerance_us, 1250);
	assert_int_equal(c.capacity, 800);
	struct jitter *jb = jitter_new(&c);
	assert_non_null(jb);
	jitter_free(jb);
	/* Refused: no frame duration, no slots, no end, absurd capacity. */
	c = jitter_default_config(0, 100);
	assert_null(jitter_new(&c));
	c = jitter_default_config(FRAME_US, 100);
	c.capacity = 0;
	assert_null(jitter_new(&c));
	c = jitter_default_config(FRAME_US, 100);
	c.end_after = 0;
	assert_null(jitter_new(&c));
	c.end_after = 1;
	c.capacity = (size_t)1 << 30;
	assert_null(jitter_new(&c));
	assert_null(jitter_new(NULL));
	jitter_free(NULL);
}

/* In order: each slot when its time comes, not before; idle before the first frame. */
static void test_in_order(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0;
	uint64_t due;
	assert_int_equal(pop(jb, T0, &seq), JITTER_IDLE);
	assert_false(jitter_next_due(jb, &due));
	for (uint32_t s = 0; s < 5; s++)
		assert_int_equal(put(jb, T0 - 60000, s, at(0, s)), JITTER_ACCEPTED);
	assert_int_equal(jitter_held(jb), 5);
	assert_true(jitter_next_due(jb, &due));
	assert_int_equal(due, T0);
	assert_int_equal(pop(jb, T0 - 1, &seq), JITTER_NOT_DUE);
	for (uint32_t s = 0; s < 5; s++) {
		assert_int_equal(pop(jb, at(0, s) + 3000, &seq), JITTER_FRAME);
		assert_int_equal(seq, s);
		assert_int_equal(pop(jb, at(0, s) + 3000, &seq), JITTER_NOT_DUE);
	}
	assert_int_equal(jitter_held(jb), 0);
	struct jitter_stats st = jitter_stats(jb);
	assert_int_equal(st.accepted, 5);
	assert_int_equal(st.played, 5);
	assert_int_equal(st.reordered, 0);
	assert_int_equal(st.concealed, 0);
	jitter_free(jb);
}

/* Reordered, at the start too: handed out in sequence order; the start moves back. */
static void test_reorder(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0;
	uint64_t play = T0 - 20000;
	static const uint32_t order[] = { 3, 1, 2, 0, 6, 4, 5 };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		assert_int_equal(put(jb, play, order[i], at(0, order[i])), JITTER_ACCEPTED);
	for (uint32_t s = 0; s < 7; s++) {
		assert_int_equal(pop(jb, at(0, s), &seq), JITTER_FRAME);
		assert_int_equal(seq, s);
	}
	struct jitter_stats st = jitter_stats(jb);
	assert_int_equal(st.reordered, 5); /* 1, 2, 0, 4 and 5 each came after a later one */
	jitter_free(jb);
}

/* Second copies: refused while held; after their slot played they are late. */
static void test_duplicates(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0;
	uint64_t play = T0 - 50000;
	assert_int_equal(put(jb, play, 0, at(0, 0)), JITTER_ACCEPTED);
	assert_int_equal(put(jb, play, 1, at(0, 1)), JITTER_ACCEPTED);
	assert_int_equal(put(jb, play, 1, at(0, 1)), JITTER_DUPLICATE);
	assert_int_equal(put(jb, play, 0, at(0, 0)), JITTER_DUPLICATE);
	assert_int_equal(pop(jb, T0, &seq), JITTER_FRAME);
	assert_int_equal(put(jb, T0, 0, at(0, 0)), JITTER_LATE);
	assert_int_equal(pop(jb, at(0, 1), &seq), JITTER_FRAME);
	assert_int_equal(seq, 1);
	struct jitter_stats st = jitter_stats(jb);
	assert_int_equal(st.duplicate, 2);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.played, 2);
	jitter_free(jb);
}

/* A loss burst: each lost slot handed out missing (conceal), then the stream goes on. */
static void test_loss_burst(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0;
	uint64_t play = T0 - 20000;
	assert_int_equal(put(jb, play, 0, at(0, 0)), JITTER_ACCEPTED);
	assert_int_equal(put(jb, play, 1, at(0, 1)), JITTER_ACCEPTED);
	assert_int_equal(put(jb, play, 6, at(0, 6)), JITTER_ACCEPTED);
	static const enum jitter_pop_result want[] = { JITTER_FRAME, JITTER_FRAME, JITTER_MISSING,
		                                          JITTER_MISSING, JITTER_MISSING, JITTER_MISSING,
		                                          JITTER_FRAME };
	for (uint32_t s = 0; s < 7; s++) {
		assert_int_equal(pop(jb, at(0, s) + 10, &seq), want[s]);
		assert_int_equal(seq, s);
	}
	struct jitter_stats st = jitter_stats(jb);
	assert_int_equal(st.concealed, 4);
	assert_int_equal(st.played, 3);
	jitter_free(jb);
}

/* A frame arriving after its slot was concealed is dropped and counted, never played late. */
static void test_late_arrival(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0;
	assert_int_equal(put(jb, T0 - 40000, 0, at(0, 0)), JITTER_ACCEPTED);
	assert_int_equal(pop(jb, at(0, 0), &seq), JITTER_FRAME);
	assert_int_equal(pop(jb, at(0, 1), &seq), JITTER_MISSING);
	assert_int_equal(seq, 1);
	/* Frame 1 comes 5 ms into its slot's time: too late, its slot was concealed. */
	assert_int_equal(put(jb, at(0, 1) + 5000, 1, at(0, 1)), JITTER_LATE);
	/* Frame 2 is in time. */
	assert_int_equal(put(jb, at(0, 1) + 5000, 2, at(0, 2)), JITTER_ACCEPTED);
	assert_int_equal(pop(jb, at(0, 2), &seq), JITTER_FRAME);
	assert_int_equal(seq, 2);
	/* A first frame whose whole time passed already is late too: it never starts a stream. */
	struct jitter *jb2 = small();
	assert_int_equal(put(jb2, T0 + FRAME_US, 0, T0), JITTER_LATE);
	assert_int_equal(pop(jb2, T0 + FRAME_US, &seq), JITTER_IDLE);
	/* One partly passed is taken: the caller cuts the part gone when it places it. */
	assert_int_equal(put(jb2, T0 + FRAME_US - 1, 0, T0), JITTER_ACCEPTED);
	assert_int_equal(pop(jb2, T0 + FRAME_US - 1, &seq), JITTER_FRAME);
	struct jitter_stats st = jitter_stats(jb);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.concealed, 1);
	assert_int_equal(jitter_stats(jb2).late, 1);
	jitter_free(jb);
	jitter_free(jb2);
}

/* A caller that stalled: slots whose whole time passed are skipped, not played late. */
static void test_passed(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0;
	for (uint32_t s = 0; s < 4; s++)
		assert_int_equal(put(jb, T0 - 10000, s, at(0, s)), JITTER_ACCEPTED);
	/* The caller wakes 50 ms into the stream: slots 0 and 1 are gone, 2 is partly due. */
	uint64_t now = T0 + 50000;
	assert_int_equal(pop(jb, now, &seq), JITTER_PASSED);
	assert_int_equal(seq, 0);
	assert_int_equal(pop(jb, now, &seq), JITTER_PASSED);
	assert_int_equal(pop(jb, now, &seq), JITTER_FRAME);
	assert_int_equal(seq, 2);
	assert_int_equal(pop(jb, now, &seq), JITTER_NOT_DUE);
	/* Much later still, nothing more arrived: slot 3 passed, the rest missing and passed. */
	now = at(0, 8);
	assert_int_equal(pop(jb, now, &seq), JITTER_PASSED);
	assert_int_equal(seq, 3);
	assert_int_equal(pop(jb, now, &seq), JITTER_PASSED);
	struct jitter_stats st = jitter_stats(jb);
	assert_int_equal(st.passed, 4);
	assert_int_equal(st.expired, 3);
	assert_int_equal(st.played, 1);
	jitter_free(jb);
}

/* Sequence numbers wrap at 2^32: order and lateness hold across the wrap. */
static void test_wrap(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0, s0 = 0xfffffffdu;
	uint64_t play = T0 - 50000;
	static const uint32_t order[] = { 0xfffffffeu, 0xfffffffdu, 1, 0xffffffffu, 0, 2 };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		assert_int_equal(put(jb, play, order[i], at(s0, order[i])), JITTER_ACCEPTED);
	for (uint32_t k = 0; k < 6; k++) {
		assert_int_equal(pop(jb, at(s0, s0 + k), &seq), JITTER_FRAME);
		assert_int_equal(seq, s0 + k);
	}
	assert_int_equal(seq, 2);
	assert_int_equal(put(jb, at(s0, 3), 0xffffffffu, at(s0, 0xffffffffu)), JITTER_LATE);
	assert_int_equal(put(jb, at(s0, 3), 3, at(s0, 3)), JITTER_ACCEPTED);
	assert_int_equal(pop(jb, at(s0, 3), &seq), JITTER_FRAME);
	assert_int_equal(seq, 3);
	jitter_free(jb);
}

/*
 * A stream that stops: once end_after slots in a row had no frame, the
 * buffer says ended, within end_after frames of the last frame's slot; then
 * it refuses frames until reset, and a new stream starts cleanly.
 */
static void test_stream_stops(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0;
	for (uint32_t s = 0; s < 3; s++)
		assert_int_equal(put(jb, T0 - 10000, s, at(0, s)), JITTER_ACCEPTED);
	uint64_t now = T0, ended_at = 0;
	for (int i = 0; i < 1000 && !ended_at; i++, now += 1000) {
		enum jitter_pop_result r;
		while ((r = pop(jb, now, &seq)) != JITTER_NOT_DUE) {
			if (r == JITTER_ENDED) {
				ended_at = now;
				break;
			}
			assert_true(r == JITTER_FRAME || r == JITTER_MISSING);
		}
	}
	/* The last frame's slot (2) was due at T0 + 40 ms; 5 missing slots (3..7) end it. */
	assert_int_equal(ended_at, at(0, 7));
	assert_true(ended_at - at(0, 2) <= 5 * FRAME_US);
	assert_int_equal(jitter_stats(jb).concealed, 4);
	assert_int_equal(pop(jb, now, &seq), JITTER_ENDED);
	uint64_t due;
	assert_false(jitter_next_due(jb, &due));
	assert_int_equal(put(jb, now, 8, at(0, 8)), JITTER_OVER);
	/* The console comes back with a new stream: a reset, and it plays from its first frame. */
	jitter_reset(jb);
	assert_int_equal(pop(jb, now, &seq), JITTER_IDLE);
	assert_int_equal(put(jb, now, 500, now + 40000), JITTER_ACCEPTED);
	assert_int_equal(pop(jb, now + 40000, &seq), JITTER_FRAME);
	assert_int_equal(seq, 500);
	jitter_free(jb);
}

/* A stream with no frame after its first: it still ends, at the caller's pace. */
static void test_silent_after_first(void **state)
{
	(void)state;
	struct jitter_config c = jitter_default_config(FRAME_US, 16);
	struct jitter *jb = jitter_new(&c);
	uint32_t seq = 0;
	assert_int_equal(put(jb, T0, 0, T0), JITTER_ACCEPTED);
	uint64_t now = T0;
	int pops = 0;
	enum jitter_pop_result r;
	while ((r = pop(jb, now, &seq)) != JITTER_ENDED) {
		if (r == JITTER_NOT_DUE)
			now += 5000;
		else
			pops++;
		assert_true(now < T0 + 10000000ull);
	}
	/* JITTER_END_AFTER_MS after the last frame's slot, to the frame. */
	assert_int_equal(now - T0, (uint64_t)JITTER_END_AFTER_MS * 1000);
	assert_int_equal(pops, (int)c.end_after);
	jitter_free(jb);
}

/* Huge jumps: in sequence, in time, or both. Refused; a stream that jumped ends and restarts. */
static void test_huge_jumps(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint32_t seq = 0;
	uint64_t play = T0 - 10000;
	assert_int_equal(put(jb, play, 0, at(0, 0)), JITTER_ACCEPTED);
	/* The last slot the window holds, and one past it. */
	assert_int_equal(put(jb, play, 7, at(0, 7)), JITTER_ACCEPTED);
	assert_int_equal(put(jb, play, 8, at(0, 8)), JITTER_TOO_FAR_AHEAD);
	/* A sequence number 2^31 away is behind (serial arithmetic): late; 2^31 - 1 is ahead. */
	assert_int_equal(put(jb, play, 0x80000000u, at(0, 1)), JITTER_LATE);
	assert_int_equal(put(jb, play, 0x7fffffffu, at(0, 1)), JITTER_TOO_FAR_AHEAD);
	/* The next number with a capture time an hour off, or 11 ms off: not that frame. */
	assert_int_equal(put(jb, play, 1, at(0, 1) + 3600000000ull), JITTER_TOO_FAR_AHEAD);
	assert_int_equal(put(jb, play, 1, at(0, 1) + FRAME_US / 2 + 1000), JITTER_BAD_TIME);
	assert_int_equal(put(jb, play, 1, at(0, 1) - FRAME_US / 2 - 1000), JITTER_BAD_TIME);
	/* Within half a frame (a drifting capture clock): taken, played at its own time. */
	assert_int_equal(put(jb, play, 1, at(0, 1) + 900), JITTER_ACCEPTED);
	/* Times at the ends of the clock never overflow into a "fits". */
	assert_int_equal(put(jb, play, 2, UINT64_MAX), JITTER_TOO_FAR_AHEAD);
	assert_int_equal(put(jb, play, 2, 0), JITTER_LATE);
	assert_int_equal(put(jb, UINT64_MAX, 2, UINT64_MAX - 1), JITTER_BAD_TIME);
	uint64_t due;
	assert_int_equal(pop(jb, at(0, 0), &seq), JITTER_FRAME);
	assert_true(jitter_next_due(jb, &due));
	assert_int_equal(due, at(0, 1) + 900);
	assert_int_equal(pop(jb, at(0, 1), &seq), JITTER_NOT_DUE);
	assert_int_equal(pop(jb, at(0, 1) + 900, &seq), JITTER_FRAME);
	/* The timeline follows the frame: slot 2 (missing) is due a frame after 1's own time. */
	assert_true(jitter_next_due(jb, &due));
	assert_int_equal(due, at(0, 2) + 900);

	/* The console restarts its numbering a million ahead: dropped until the old stream ends. */
	uint64_t now = at(0, 2);
	int dropped = 0;
	enum jitter_pop_result r = JITTER_NOT_DUE;
	for (uint32_t k = 0; r != JITTER_ENDED && k < 100; k++, now += FRAME_US) {
		if (put(jb, now, 1000000 + k, now + 2000) == JITTER_TOO_FAR_AHEAD)
			dropped++;
		while ((r = pop(jb, now + 900, &seq)) != JITTER_NOT_DUE && r != JITTER_ENDED)
			;
	}
	assert_int_equal(r, JITTER_ENDED);
	assert_true(dropped >= 5);
	jitter_reset(jb);
	assert_int_equal(put(jb, now, 1000000 + 99, now + 2000), JITTER_ACCEPTED);
	assert_int_equal(pop(jb, now + 2000, &seq), JITTER_FRAME);
	assert_int_equal(seq, 1000099);
	struct jitter_stats st = jitter_stats(jb);
	assert_true(st.too_far_ahead >= 5 + 4);
	assert_int_equal(st.bad_time, 3);
	jitter_free(jb);
}

/* Frames longer than max_frame_bytes are refused; exactly max and empty ones are taken. */
static void test_sizes(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint8_t b[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	uint64_t play = T0 - 10000;
	assert_int_equal(jitter_put(jb, play, 0, at(0, 0), b, 9), JITTER_OVERSIZED);
	assert_int_equal(jitter_put(jb, play, 0, at(0, 0), b, SIZE_MAX), JITTER_OVERSIZED);
	assert_int_equal(jitter_put(jb, play, 0, at(0, 0), b, 8), JITTER_ACCEPTED);
	assert_int_equal(jitter_put(jb, play, 1, at(0, 1), NULL, 0), JITTER_ACCEPTED);
	struct jitter_slot s;
	assert_int_equal(jitter_pop(jb, at(0, 0), &s), JITTER_FRAME);
	assert_int_equal(s.len, 8);
	assert_memory_equal(s.bytes, b, 8);
	assert_int_equal(jitter_pop(jb, at(0, 1), &s), JITTER_FRAME);
	assert_int_equal(s.len, 0);
	assert_int_equal(jitter_stats(jb).oversized, 2);
	jitter_free(jb);
}

/* Memory is fixed: a flood of frames ahead never holds more than capacity. */
static void test_bounded(void **state)
{
	(void)state;
	struct jitter *jb = small();
	uint64_t play = T0 - 10000;
	int taken = 0;
	for (uint32_t s = 0; s < 1000; s++)
		if (put(jb, play, s, at(0, s)) == JITTER_ACCEPTED)
			taken++;
	assert_int_equal(taken, 8);
	assert_int_equal(jitter_held(jb), 8);
	/* ...and in time: a window of 8 frames = 160 ms past play_us. */
	struct jitter *jb2 = small();
	assert_int_equal(put(jb2, T0, 0, T0 + 8 * FRAME_US), JITTER_ACCEPTED);
	assert_int_equal(put(jb2, T0, 1, T0 + 9 * FRAME_US + 1), JITTER_TOO_FAR_AHEAD);
	jitter_free(jb);
	jitter_free(jb2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_loss_burst),
		cmocka_unit_test(test_late_arrival),
		cmocka_unit_test(test_passed),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_stream_stops),
		cmocka_unit_test(test_silent_after_first),
		cmocka_unit_test(test_huge_jumps),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the pre-roll ring: the last N frames in order, across the wrap, fewer than asked, frames of ms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "intercom/audio/preroll.h"

static int16_t got[4096];
static size_t got_n, pieces;

static void collect(void *ctx, const int16_t *samples, size_t frames)
{
	int channels = *(int *)ctx;
	memcpy(got + got_n, samples, frames * (size_t)channels * sizeof *samples);
	got_n += frames * (size_t)channels;
	pieces++;
}

/* Writes frames frames of a counting signal (frame k: k, -k per channel) from *next on. */
static void write_counting(struct preroll *pr, int channels, int *next, size_t frames)
{
	int16_t buf[1024];
	for (size_t f = 0; f < frames; f++)
		for (int c = 0; c < channels; c++)
			buf[f * (size_t)channels + (size_t)c] = (int16_t)(c ? -(*next + (int)f) : *next + (int)f);
	preroll_write(pr, buf, frames);
	*next += (int)frames;
}

static void test_last_in_order_across_wrap(void **state)
{
	(void)state;
	int channels = 2;
	struct preroll pr;
	assert_int_equal(preroll_init(&pr, 10, channels), 0);
	int next = 0;
	got_n = pieces = 0;
	/* Empty: nothing to hand. */
	assert_int_equal(preroll_last(&pr, 5, collect, &channels), 0);
	assert_int_equal(pieces, 0);
	write_counting(&pr, channels, &next, 4);
	assert_int_equal(preroll_held(&pr), 4);
	/* Fewer held than asked: what there is. */
	assert_int_equal(preroll_last(&pr, 6, collect, &channels), 4);
	for (size_t f = 0; f < 4; f++) {
		assert_int_equal(got[2 * f], (int)f);
		assert_int_equal(got[2 * f + 1], -(int)f);
	}
	/* Past the capacity, in pieces that wrap: frames 17..23 are the last 7. */
	write_counting(&pr, channels, &next, 7);
	write_counting(&pr, channels, &next, 6);
	write_counting(&pr, channels, &next, 7);
	assert_int_equal(preroll_held(&pr), 10);
	got_n = pieces = 0;
	assert_int_equal(preroll_last(&pr, 7, collect, &channels), 7);
	for (size_t f = 0; f < 7; f++) {
		assert_int_equal(got[2 * f], 17 + (int)f);
		assert_int_equal(got[2 * f + 1], -(17 + (int)f));
	}
	/* All of it: 14..23, handed as two pieces around the end. */
	got_n = pieces = 0;
	assert_int_equal(preroll_last(&pr, 100, collect, &channels), 10);
	assert_int_equal(pieces, 2);
	for (size_t f = 0; f < 10; f++)
		assert_int_equal(got[2 * f], 14 + (int)f);
	preroll_free(&pr);
}

static void test_write_longer_than_capacity(void **state)
{
	(void)state;
	int channels = 1;
	struct preroll pr;
	assert_int_equal(preroll_init(&pr, 8, channels), 0);
	int next = 100;
	write_counting(&pr, channels, &next, 3);
	/* One write of 20: only its last 8 stay. */
	write_counting(&pr, channels, &next, 20);
	got_n = pieces = 0;
	assert_int_equal(preroll_last(&pr, 8, collect, &channels), 8);
	for (size_t f = 0; f < 8; f++)
		assert_int_equal(got[f], 115 + (int)f);
	preroll_reset(&pr);
	assert_int_equal(preroll_held(&pr), 0);
	assert_int_equal(preroll_last(&pr, 8, collect, &channels), 0);
	preroll_free(&pr);
}

static void test_none_and_ms(void **state)
{
	(void)state;
	int channels = 1;
	struct preroll pr;
	assert_int_equal(preroll_init(&pr, 0, channels), 0);
	int next = 0;
	write_counting(&pr, channels, &next, 5);
	assert_int_equal(preroll_held(&pr), 0);
	assert_int_equal(preroll_last(&pr, 5, collect, &channels), 0);
	preroll_free(&pr);
	assert_int_equal(preroll_frames_for_ms(48000, 300), 14400);
	assert_int_equal(preroll_frames_for_ms(44100, 1), 44); /* 44.1 rounds to 44 */
	assert_int_equal(preroll_frames_for_ms(8000, 1000), 8000);
	assert_int_equal(preroll_frames_for_ms(48000, 0), 0);
	assert_int_equal(preroll_frames_for_ms(0, 300), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_in_order_across_wrap),
		cmocka_unit_test(test_write_longer_than_capacity),
		cmocka_unit_test(test_none_and_ms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of the speaker's screen as data: progress bar and times from the
 * frames the device played, the output line, the history rows, equal states
 * giving equal snapshots, and the layout at every size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/net/proto.h"
#include "intercom/speaker/speaker_view.h"

static const struct audio_format mono48 = { .rate = 48000, .channels = 1 };

static struct speaker_view_input input(bool utf8)
{
	return (struct speaker_view_input){ .name = "lobby-1", .zone = "ground", .output = "default",
	                                    .utf8 = utf8 };
}

static void test_progress_times(void **state)
{
	(void)state;
	struct speaker_state st;
	struct speaker_view v;
	struct speaker_view_input in = input(true);
	speaker_state_init(&st, "h:2348", false, NULL, NULL);
	speaker_view_build(&v, &st, &in, 0);
	assert_false(v.progress_on);
	assert_string_equal(v.output, "default");

	speaker_state_received(&st, 3, 1000, &mono48, 240000, 480044);
	speaker_state_playing(&st, 3, 240000, false);
	speaker_view_build(&v, &st, &in, 0);
	assert_true(v.progress_on);
	assert_true(v.active);
	assert_string_equal(v.elapsed, "00:00.0");
	assert_string_equal(v.total, "00:05.0");
	assert_int_equal(v.progress_permille, 0);
	assert_string_equal(v.output, "default · 48000 Hz mono 16-bit");

	speaker_state_progress(&st, 110399); /* 2.29998 s: tenths are cut, never rounded up */
	speaker_view_build(&v, &st, &in, 0);
	assert_string_equal(v.elapsed, "00:02.2");
	assert_int_equal(v.progress_permille, 459);
	speaker_state_progress(&st, 239999);
	speaker_view_build(&v, &st, &in, 0);
	assert_string_equal(v.elapsed, "00:04.9");
	assert_int_equal(v.progress_permille, 999);

	/* The end shows the page's length, and stays after the page. */
	speaker_state_finished(&st, 3, PAGE_PLAYED, NULL);
	speaker_view_build(&v, &st, &in, 0);
	assert_false(v.active);
	assert_string_equal(v.elapsed, "00:05.0");
	assert_string_equal(v.total, "00:05.0");
	assert_int_equal(v.progress_permille, 1000);
}

/* The sync row and the delay trim, as the screen shows them. */
static void test_clock_and_delay(void **state)
{
	(void)state;
	struct speaker_state st;
	struct speaker_view v;
	struct speaker_view_input in = input(true);
	speaker_state_init(&st, "h:2348", false, NULL, NULL);
	speaker_view_build(&v, &st, &in, 0);
	assert_string_equal(v.clock, "no clock (plays on arrival)");
	assert_int_equal(v.clock_tone, SPEAKER_TONE_WARN);
	assert_string_equal(v.delay, "0 ms");
	speaker_state_ready(&st, 1, 0, "lobby-1", "studio", 1, false);
	speaker_state_clock(&st, SYNC_LOCKED, 300);
	speaker_state_set_delay(&st, 12);
	speaker_view_build(&v, &st, &in, 0);
	assert_string_equal(v.clock, "clock ±0.3 ms");
	assert_int_equal(v.clock_tone, SPEAKER_TONE_OK);
	assert_string_equal(v.delay, "12 ms");
	in = input(false);
	speaker_state_device_clock_unreliable(&st, 23);
	speaker_view_build(&v, &st, &in, 0);
	assert_string_equal(v.clock, "clock +/-0.3 ms; device clock unreliable (+/-23 ms)");
	assert_int_equal(v.clock_tone, SPEAKER_TONE_WARN);
}

static void test_odd_lengths(void **state)
{
	(void)state;
	struct speaker_state st;
	struct speaker_view v;
	struct speaker_view_input in = input(false);
	speaker_state_init(&st, "h:2348", false, NULL, NULL);
	const struct audio_format cd = { .rate = 44100, .channels = 2 };
	/* 75 s + 1 frame at 44.1 kHz: total cut to tenths; the end equals it exactly. */
	speaker_state_received(&st, 1, 1000, &cd, 3307501, 13230048);
	speaker_state_playing(&st, 1, 3307501, false);
	speaker_state_progress(&st, 3307501);
	speaker_view_build(&v, &st, &in, 0);
	assert_string_equal(v.total, "01:15.0");
	assert_string_equal(v.elapsed, "01:15.0");
	assert_string_equal(v.output, "default | 44100 Hz stereo 16-bit");
	/* An hour-long page (a long broadcast) still reads. */
	speaker_state_received(&st, 2, 1000, &mono48, 48000u * 3725u, 1);
	speaker_state_playing(&st, 2, 48000u * 3725u, false);
	speaker_view_build(&v, &st, &in, 0);
	assert_string_equal(v.total, "1:02:05.0");
}

static void test_history_rows(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	struct speaker_state st;
	struct speaker_view v;
	struct speaker_view_input in = input(true);
	speaker_state_init(&st, "h:2348", false, NULL, NULL);
	speaker_state_ready(&st, 1, 1, "lobby-1", "studio", 1, false);
	speaker_state_received(&st, 1, 43384000, &mono48, 96000, 192044);
	speaker_state_finished(&st, 1, PAGE_PLAYED, NULL);
	speaker_state_rejected(&st, 2, 43390000, "not a WAV file");
	speaker_view_build(&v, &st, &in, 0);
	assert_int_equal(v.history_len, 2);
	assert_string_equal(v.history[0].time, "12:03:10");
	assert_string_equal(v.history[0].page, "2");
	assert_string_equal(v.history[0].length, "-");
	assert_string_equal(v.history[0].result, "failed: rejected: not a WAV file");
	assert_int_equal(v.history[0].tone, SPEAKER_TONE_BAD);
	assert_string_equal(v.history[1].time, "12:03:04");
	assert_string_equal(v.history[1].from, "studio");
	assert_string_equal(v.history[1].length, "00:02.0");
	assert_string_equal(v.history[1].result, "played");
}

static void test_equal_states_equal_views(void **state)
{
	(void)state;
	struct speaker_state st;
	struct speaker_view a, b;
	struct speaker_view_input in = input(true);
	speaker_state_init(&st, "h:2348", false, NULL, NULL);
	speaker_state_connecting(&st, 0);
	speaker_state_link_down(&st, 0, "Connection refused");
	speaker_view_build(&a, &st, &in, 100);
	memset(&b, 0xa5, sizeof b); /* garbage first: the builder must clear everything */
	speaker_view_build(&b, &st, &in, 200);
	assert_memory_equal(&a, &b, sizeof a);
	/* The countdown moves the text when a second goes by, and only then. */
	speaker_view_build(&b, &st, &in, 600);
	assert_string_not_equal(a.link, b.link);
}

static void test_meter_in_view(void **state)
{
	(void)state;
	struct speaker_state st;
	struct speaker_view v;
	struct meter_ballistics m;
	meter_ballistics_init(&m);
	meter_ballistics_update(&m, (struct level){ .peak = 0.5f, .rms = 0.25f }, 1000);
	struct speaker_view_input in = input(true);
	in.meter = &m;
	in.meter_cells = 30;
	speaker_state_init(&st, "h:2348", false, NULL, NULL);
	speaker_view_build(&v, &st, &in, 1000);
	assert_true(v.meter_on);
	assert_int_equal(v.meter.cells, 30);
	assert_true(v.meter.bar_eighths > 0);
	in.meter = NULL;
	speaker_view_build(&v, &st, &in, 1000);
	assert_false(v.meter_on);
}

/* Every shown part lies inside the screen, below the previous one, and above the footer. */
static void check_layout(int w, int h)
{
	struct speaker_layout l;
	speaker_layout_compute(&l, w, h);
	if (w < SPEAKER_MIN_W || h < SPEAKER_MIN_H) {
		assert_true(l.too_small);
		return;
	}
	assert_false(l.too_small);
	int rows[] = { l.title, l.link, l.security, l.clock, l.activity, l.progress, l.meter, l.scale,
	               l.settings };
	int prev = -1;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (rows[i] < 0)
			continue;
		if (rows[i] <= prev || rows[i] >= l.footer)
			fail_msg("%dx%d: part %zu at row %d (previous %d, footer %d)", w, h, i, rows[i], prev,
			         l.footer);
		prev = rows[i];
	}
	assert_int_equal(l.footer, h - 1);
	assert_true(l.title == 0 && l.link > 0 && l.activity > 0);
	if (l.history >= 0) {
		assert_true(l.history > prev);
		assert_true(l.history_rows >= 1 && l.history_rows <= SPEAKER_HISTORY);
		prev = l.history + l.history_rows;
	}
	if (l.log >= 0) {
		assert_true(l.log > prev);
		assert_true(l.log_rows >= 1);
		prev = l.log + l.log_rows;
	}
	assert_true(prev < l.footer);
	assert_true(l.bar_cells >= 0);
	assert_true(l.bar_cells == 0 || SPEAKER_LABEL_W + l.bar_cells + SPEAKER_PROGRESS_TAIL_W <= w);
}

static void test_layout_every_size(void **state)
{
	(void)state;
	for (int w = 1; w <= 220; w++)
		for (int h = 1; h <= 70; h++)
			check_layout(w, h);
	struct speaker_layout l;
	/* 80x24 shows everything: five history rows and a log. */
	speaker_layout_compute(&l, 80, 24);
	assert_true(l.progress >= 0 && l.meter >= 0 && l.scale >= 0 && l.security >= 0 && l.settings >= 0 &&
	            l.clock >= 0);
	assert_int_equal(l.history_rows, 5);
	assert_true(l.log_rows >= 3);
	assert_int_equal(l.bar_cells, 80 - SPEAKER_LABEL_W - SPEAKER_PROGRESS_TAIL_W);
	/* The sync row only where there is room, after the settings. */
	speaker_layout_compute(&l, 80, 8);
	assert_true(l.settings >= 0);
	assert_int_equal(l.clock, -1);
	/* A tiny terminal keeps the state and the progress first. */
	speaker_layout_compute(&l, 40, 6);
	assert_true(l.progress >= 0);
	assert_int_equal(l.history, -1);
	speaker_layout_compute(&l, 40, 4);
	assert_true(l.too_small);
}

int main(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_times),
		cmocka_unit_test(test_odd_lengths),
		cmocka_unit_test(test_clock_and_delay),
		cmocka_unit_test(test_history_rows),
		cmocka_unit_test(test_equal_states_equal_views),
		cmocka_unit_test(test_meter_in_view),
		cmocka_unit_test(test_layout_every_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

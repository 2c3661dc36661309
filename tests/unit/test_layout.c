/*
 * Unit tests of layout arithmetic: fitting columns, the console screen at
 * every size (with a status of several lines), the title bar's pieces at a
 * width (the target first), and the end of a prompt that fits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "intercom/console/console_layout.h"
#include "intercom/tui/layout.h"
#include "intercom/tui/textfmt.h"

static void test_columns_roomy(void **state)
{
	(void)state;
	const struct layout_col cols[] = {
		{ .min = 4, .want = 10 }, { .min = 3, .want = 5, .drop = 1 }, { .min = 5, .want = 8, .grow = true },
	};
	int w[3];
	/* Everything at its want, the grower takes the rest. */
	assert_int_equal(layout_columns(cols, 3, 40, 2, w), 40);
	assert_int_equal(w[0], 10);
	assert_int_equal(w[1], 5);
	assert_int_equal(w[2], 40 - 10 - 5 - 4);
	/* Exactly the wants. */
	assert_int_equal(layout_columns(cols, 3, 27, 2, w), 27);
	assert_int_equal(w[0], 10);
	assert_int_equal(w[1], 5);
	assert_int_equal(w[2], 8);
	/* Short of the wants: extra room goes left to right. */
	assert_int_equal(layout_columns(cols, 3, 20, 2, w), 20);
	assert_int_equal(w[0], 8);
	assert_int_equal(w[1], 3);
	assert_int_equal(w[2], 5);
}

static void test_columns_drop(void **state)
{
	(void)state;
	const struct layout_col cols[] = {
		{ .min = 8, .want = 8 },           /* never dropped */
		{ .min = 6, .want = 6, .drop = 2 },
		{ .min = 6, .want = 6, .drop = 5 }, /* dropped first */
		{ .min = 6, .want = 6, .drop = 2 }, /* of equals, the rightmost goes first */
		{ .min = 8, .want = 8 },
	};
	int w[5];
	assert_int_equal(layout_columns(cols, 5, 42, 1, w), 38);
	assert_int_equal(w[2], 6);
	assert_int_equal(layout_columns(cols, 5, 37, 1, w), 31);
	assert_int_equal(w[0], 8);
	assert_int_equal(w[1], 6);
	assert_int_equal(w[2], 0);
	assert_int_equal(w[3], 6);
	assert_int_equal(w[4], 8);
	assert_int_equal(layout_columns(cols, 5, 30, 1, w), 24);
	assert_int_equal(w[3], 0);
	assert_int_equal(w[1], 6);
	assert_int_equal(layout_columns(cols, 5, 20, 1, w), 17);
	assert_int_equal(w[1], 0);
	assert_int_equal(w[0] + w[4], 16);
	/* The undroppable do not fit: cut from the right. */
	assert_int_equal(layout_columns(cols, 5, 12, 1, w), 12);
	assert_int_equal(w[0], 8);
	assert_int_equal(w[4], 3);
	assert_int_equal(layout_columns(cols, 5, 9, 1, w), 8);
	assert_int_equal(w[0], 8);
	assert_int_equal(w[4], 0);
	assert_int_equal(layout_columns(cols, 5, 0, 1, w), 0);
	assert_int_equal(w[0], 0);
	assert_int_equal(layout_columns(cols, 5, -3, 1, w), 0);
	assert_int_equal(layout_columns(cols, 0, 10, 1, w), 0);
}

static void test_columns_never_overflow(void **state)
{
	(void)state;
	const struct layout_col cols[] = {
		{ .min = 3, .want = 9, .drop = 1 }, { .min = 1, .want = 1 }, { .min = 7, .want = 20, .drop = 3, .grow = true },
		{ .min = 2, .want = 4, .drop = 2 }, { .min = 5, .want = 5, .grow = true },
	};
	for (int width = 0; width < 120; width++) {
		int w[5];
		int used = layout_columns(cols, 5, width, 2, w);
		int sum = 0, shown = 0;
		for (int i = 0; i < 5; i++) {
			assert_true(w[i] >= 0);
			sum += w[i];
			shown += w[i] > 0;
		}
		assert_int_equal(used, shown > 0 ? sum + 2 * (shown - 1) : 0);
		assert_true(used <= width);
	}
}

/* The parts of a layout cover the screen exactly, top to bottom, with nothing overlapping. */
static void check_tiles(const struct console_layout *l)
{
	const struct console_rect *parts[] = { &l->header, &l->status, &l->meter, &l->table, &l->log, &l->footer };
	int y = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		if (parts[i]->h == 0)
			continue;
		if (parts[i]->y != y)
			fail_msg("%dx%d: part %zu starts at %d, expected %d", l->width, l->height, i, parts[i]->y, y);
		assert_int_equal(parts[i]->w, l->width);
		assert_int_equal(parts[i]->x, 0);
		y += parts[i]->h;
	}
	if (y != l->height)
		fail_msg("%dx%d: parts cover %d lines", l->width, l->height, y);
}

static void test_console_80x24(void **state)
{
	(void)state;
	struct console_layout l;
	console_layout_compute(&l, 80, 24, 2, 1);
	assert_false(l.too_small);
	check_tiles(&l);
	assert_int_equal(l.header.h, 2);
	assert_int_equal(l.status.h, 1);
	assert_int_equal(l.meter.h, 2);
	assert_int_equal(l.footer.h, 1);
	assert_int_equal(l.footer.y, 23);
	assert_int_equal(l.table.h, 3);
	assert_int_equal(l.table_rows, 2);
	assert_int_equal(l.log.h, 24 - 2 - 1 - 2 - 3 - 1);
	/* 80 columns: the address goes, name, zone, sync, state and the last page stay. */
	assert_int_equal(l.col_w[CONSOLE_COL_ADDR], 0);
	assert_int_equal(l.col_w[CONSOLE_COL_SYNC], 8);
	assert_true(l.col_w[CONSOLE_COL_NAME] >= 10);
	assert_true(l.col_w[CONSOLE_COL_ZONE] >= 6);
	assert_true(l.col_w[CONSOLE_COL_STATE] >= 14);
	assert_true(l.col_w[CONSOLE_COL_LAST] >= 10);
	assert_true(l.col_w[CONSOLE_COL_UP] > 0);
	assert_true(l.col_w[CONSOLE_COL_RTT] > 0);
	/* The meter's bar and its tail fit the line. */
	assert_true(l.meter_cells >= 40);
	assert_int_equal(l.meter_x + l.meter_cells + CONSOLE_METER_TAIL_W, 80);
}

static void test_console_wide_and_tall(void **state)
{
	(void)state;
	struct console_layout l;
	console_layout_compute(&l, 160, 50, 5, 1);
	check_tiles(&l);
	for (int c = 0; c < CONSOLE_COLS; c++)
		assert_true(l.col_w[c] > 0);
	assert_int_equal(l.table_rows, 5);
	assert_int_equal(l.log.h, 50 - 2 - 1 - 2 - 6 - 1);
	/* The last column takes the spare width; columns do not overlap and stay inside. */
	int end = 0;
	for (int c = 0; c < CONSOLE_COLS; c++) {
		assert_true(l.col_x[c] >= end);
		end = l.col_x[c] + l.col_w[c];
	}
	assert_int_equal(end, 160);
	/* Many speakers: the table grows, the log keeps a title and two lines. */
	console_layout_compute(&l, 100, 30, 200, 1);
	check_tiles(&l);
	assert_int_equal(l.log.h, 3);
	assert_int_equal(l.table_rows, 30 - 2 - 1 - 2 - 3 - 1 - 1);
	/* No speakers yet: room for two rows' worth of table anyway. */
	console_layout_compute(&l, 100, 30, 0, 1);
	assert_int_equal(l.table_rows, 2);
}

static void test_console_degrades(void **state)
{
	(void)state;
	struct console_layout l;
	/* Short: the log goes before the table shrinks below its speakers. */
	console_layout_compute(&l, 80, 10, 2, 1);
	check_tiles(&l);
	assert_false(l.too_small);
	assert_int_equal(l.header.h, 2);
	assert_int_equal(l.meter.h, 2);
	assert_int_equal(l.log.h, 0);
	assert_int_equal(l.table_rows, 3);
	/* Shorter still: the meter's scale, then the header's second line. */
	console_layout_compute(&l, 80, 8, 2, 1);
	check_tiles(&l);
	assert_int_equal(l.meter.h, 2);
	assert_int_equal(l.table_rows, 1);
	console_layout_compute(&l, 80, 7, 2, 1);
	check_tiles(&l);
	assert_int_equal(l.header.h, 2);
	assert_int_equal(l.meter.h, 1);
	assert_int_equal(l.table_rows, 1);
	/* The sync column is the next to go after the address: all but it fit in 70 columns. */
	console_layout_compute(&l, 70, 24, 2, 1);
	assert_int_equal(l.col_w[CONSOLE_COL_ADDR], 0);
	assert_int_equal(l.col_w[CONSOLE_COL_SYNC], 0);
	assert_true(l.col_w[CONSOLE_COL_UP] > 0);
	assert_true(l.col_w[CONSOLE_COL_ZONE] > 0);
	assert_true(l.col_w[CONSOLE_COL_RTT] > 0);
	console_layout_compute(&l, 71, 24, 2, 1);
	assert_int_equal(l.col_w[CONSOLE_COL_SYNC], 8);
	/* Wide enough, the address too (94 columns: every column at its least). */
	console_layout_compute(&l, 94, 24, 2, 1);
	assert_true(l.col_w[CONSOLE_COL_ADDR] > 0);
	assert_int_equal(l.col_w[CONSOLE_COL_SYNC], 8);
	console_layout_compute(&l, 93, 24, 2, 1);
	assert_int_equal(l.col_w[CONSOLE_COL_ADDR], 0);
	/* Narrow: columns drop in order, name and state stay. */
	console_layout_compute(&l, 40, 24, 2, 1);
	check_tiles(&l);
	assert_true(l.col_w[CONSOLE_COL_NAME] >= 10);
	assert_true(l.col_w[CONSOLE_COL_STATE] >= 14);
	assert_int_equal(l.col_w[CONSOLE_COL_ADDR], 0);
	assert_int_equal(l.col_w[CONSOLE_COL_UP], 0);
	assert_int_equal(l.col_w[CONSOLE_COL_ZONE], 0);
	assert_int_equal(l.col_w[CONSOLE_COL_SYNC], 0);
	assert_true(l.meter_cells >= 10);
	/* Too small: nothing but the notice. */
	console_layout_compute(&l, 39, 24, 2, 1);
	assert_true(l.too_small);
	console_layout_compute(&l, 80, 6, 2, 1);
	assert_true(l.too_small);
	console_layout_compute(&l, 0, 0, 0, 1);
	assert_true(l.too_small);
	console_layout_compute(&l, -1, -1, 0, 1);
	assert_true(l.too_small);
}

static void test_console_every_size(void **state)
{
	(void)state;
	for (int w = CONSOLE_MIN_W; w <= 220; w += 3) {
		for (int h = CONSOLE_MIN_H; h <= 70; h++) {
			for (size_t n = 0; n <= 40; n += 13) {
				struct console_layout l;
				console_layout_compute(&l, w, h, n, 1);
				assert_false(l.too_small);
				check_tiles(&l);
				assert_true(l.table_rows >= 1);
				assert_true(l.meter_cells >= 1);
				int end = 0;
				for (int c = 0; c < CONSOLE_COLS; c++) {
					if (!l.col_w[c])
						continue;
					assert_true(l.col_x[c] >= end);
					end = l.col_x[c] + l.col_w[c];
				}
				assert_true(end <= w);
				assert_true(l.col_w[CONSOLE_COL_NAME] > 0);
				assert_true(l.col_w[CONSOLE_COL_STATE] > 0);
			}
		}
	}
}

static void test_console_status_lines(void **state)
{
	(void)state;
	const char *bad = "bad duration '999': give seconds between 0.5 and 300, e.g. 2.5";
	/* Nothing to answer: the summary's one line; a recording's banner is one. */
	assert_int_equal(console_layout_status_lines(40, "", false, true), 1);
	assert_int_equal(console_layout_status_lines(40, NULL, true, true), 1);
	/* The answer wraps in full at the status's width (all but two columns). */
	assert_int_equal(console_layout_status_lines(80, bad, false, true), 1);
	assert_int_equal(console_layout_status_lines(40, bad, false, true), 2);
	assert_int_equal(console_layout_status_lines(40, bad, true, true), 3);
	assert_int_equal(console_layout_status_lines(20, bad, false, true), 5);

	/* The status gets its lines first: at 40x10 three lines, the rest as before, less the table. */
	struct console_layout l;
	console_layout_compute(&l, 40, 10, 2, 3);
	check_tiles(&l);
	assert_int_equal(l.status.h, 3);
	assert_int_equal(l.header.h, 2);
	assert_int_equal(l.table_rows, 1);
	/* 40x7: room for one more line only, taken from the header's second. */
	console_layout_compute(&l, 40, 7, 2, 3);
	check_tiles(&l);
	assert_int_equal(l.status.h, 2);
	assert_int_equal(l.header.h, 1);
	assert_int_equal(l.table_rows, 1);
	/* 80x24: everything else keeps its place, the log gives the lines. */
	console_layout_compute(&l, 80, 24, 2, 2);
	check_tiles(&l);
	assert_int_equal(l.status.h, 2);
	assert_int_equal(l.table_rows, 2);
	assert_int_equal(l.log.h, 24 - 2 - 2 - 2 - 3 - 1);
	/* Any size, any status: the parts tile the screen, the table keeps a row. */
	for (int w = CONSOLE_MIN_W; w <= 120; w += 7)
		for (int h = CONSOLE_MIN_H; h <= 40; h++)
			for (int lines = 1; lines <= 12; lines += 3) {
				console_layout_compute(&l, w, h, 5, lines);
				check_tiles(&l);
				assert_true(l.status.h >= 1 && l.status.h <= lines);
				assert_true(l.table_rows >= 1);
			}
}

static void test_console_title(void **state)
{
	(void)state;
	struct console_title t;
	/* Room for all of it. */
	console_layout_title(&t, 100, "5.0 s", "all speakers", false, 3, true);
	assert_string_equal(t.name, "intercom console");
	assert_string_equal(t.duration, "duration 5.0 s");
	assert_string_equal(t.target, "next page to all speakers");
	assert_string_equal(t.speakers, "3 speakers");
	assert_int_equal(t.gap, 3);
	/* 60 columns: the count goes, the duration joins the target, whole. */
	console_layout_title(&t, 60, "4.0 s", "all speakers", false, 1, true);
	assert_string_equal(t.name, "intercom console");
	assert_string_equal(t.duration, "");
	assert_string_equal(t.target, "next page: 4.0 s to all speakers");
	assert_string_equal(t.speakers, "");
	/* 40 columns: where the page goes, whole, before the name. */
	console_layout_title(&t, 40, "5.0 s", "hall-1", false, 2, true);
	assert_string_equal(t.name, "intercom");
	assert_string_equal(t.target, "next page: 5.0 s to hall-1");
	assert_true(1 + textfmt_width(t.name, true) + t.gap + textfmt_width(t.target, true) <= 40);
	console_layout_title(&t, 40, "5.0 s", "all speakers", false, 2, true);
	assert_string_equal(t.name, "");
	assert_string_equal(t.target, "next page: 5.0 s to all speakers");
	/* Not connected: said, even if the duration must go for it. */
	console_layout_title(&t, 40, "5.0 s", "hall-1", true, 2, true);
	assert_string_equal(t.target, "page to hall-1 (not connected)");
	assert_string_equal(t.duration, "");
	/* A name too long for anything: the target alone, for the drawer to cut. */
	console_layout_title(&t, 40, "5.0 s", "a-speaker-with-a-very-long-name-indeed-0123456789", false, 2, true);
	assert_string_equal(t.target, "page to a-speaker-with-a-very-long-name-indeed-0123456789");
	assert_string_equal(t.name, "");
	assert_string_equal(t.duration, "");
}

/* The pre-roll beside the duration, where it costs the name nothing the bare duration would not. */
static void test_console_title_preroll(void **state)
{
	(void)state;
	struct console_title t;
	console_layout_title_preroll(&t, 100, "4.0 s", "+0.3 s pre-roll", "all speakers", false, 2, true);
	assert_string_equal(t.name, "intercom console");
	assert_string_equal(t.duration, "duration 4.0 s +0.3 s pre-roll");
	assert_string_equal(t.speakers, "2 speakers");
	/* 80 columns: the count goes first, the pre-roll stays in the target. */
	console_layout_title_preroll(&t, 80, "6.0 s", "+0.3 s pre-roll", "all speakers [EMERGENCY]", false, 3, true);
	assert_string_equal(t.name, "intercom console");
	assert_string_equal(t.target, "next page: 6.0 s +0.3 s pre-roll to all speakers [EMERGENCY]");
	/* 60 columns: with it the name would shorten; without, it need not: the pre-roll goes. */
	console_layout_title_preroll(&t, 60, "4.0 s", "+0.3 s pre-roll", "all speakers", false, 2, true);
	assert_string_equal(t.name, "intercom console");
	assert_string_equal(t.target, "next page: 4.0 s to all speakers");
	/* 40 columns: the duration would go with it; without it, it stays: the pre-roll goes. */
	console_layout_title_preroll(&t, 40, "1.0 s", "+0.3 s pre-roll", "all speakers", false, 2, true);
	assert_string_equal(t.target, "next page: 1.0 s to all speakers");
	/* None: as console_layout_title. */
	console_layout_title_preroll(&t, 100, "4.0 s", "", "all speakers", false, 2, true);
	assert_string_equal(t.duration, "duration 4.0 s");
}

static void test_console_tail(void **state)
{
	(void)state;
	/* It all fits: from the start. */
	assert_int_equal(console_layout_tail("send /a.wav", 20, true), 0);
	assert_int_equal(console_layout_tail("", 5, true), 0);
	/* The end that fits, whole characters. */
	assert_int_equal(console_layout_tail("send /srv/x.wav", 5, true), strlen("send /srv/"));
	assert_int_equal(console_layout_tail("fermé-€", 3, true), strlen("ferm"));
	assert_int_equal(console_layout_tail("fermé-€", 2, true), strlen("fermé"));
	/* Without UTF-8, é prints as one '?'. */
	assert_int_equal(console_layout_tail("xyé", 2, false), 1);
	assert_int_equal(console_layout_tail("abc", 0, true), 3);
}

static void test_scroll(void **state)
{
	(void)state;
	assert_int_equal(console_layout_scroll(0, 0, 10, 4), 0);
	assert_int_equal(console_layout_scroll(0, 3, 10, 4), 0);
	assert_int_equal(console_layout_scroll(0, 4, 10, 4), 1);
	assert_int_equal(console_layout_scroll(0, 9, 10, 4), 6);
	assert_int_equal(console_layout_scroll(6, 5, 10, 4), 5);
	assert_int_equal(console_layout_scroll(6, 7, 10, 4), 6);
	/* Rows went away: pull back so no blank lines show while rows hide above. */
	assert_int_equal(console_layout_scroll(6, 2, 5, 4), 1);
	assert_int_equal(console_layout_scroll(6, 2, 3, 4), 0);
	assert_int_equal(console_layout_scroll(3, -1, 10, 4), 3);
	assert_int_equal(console_layout_scroll(3, 0, 0, 4), 0);
	assert_int_equal(console_layout_scroll(3, 0, 10, 0), 0);
	assert_int_equal(console_layout_scroll(0, 50, 10, 4), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns_roomy),        cmocka_unit_test(test_columns_drop),
		cmocka_unit_test(test_columns_never_overflow), cmocka_unit_test(test_console_80x24),
		cmocka_unit_test(test_console_wide_and_tall), cmocka_unit_test(test_console_degrades),
		cmocka_unit_test(test_console_every_size),   cmocka_unit_test(test_console_status_lines),
		cmocka_unit_test(test_console_title),        cmocka_unit_test(test_console_tail),
		cmocka_unit_test(test_console_title_preroll),
		cmocka_unit_test(test_scroll),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

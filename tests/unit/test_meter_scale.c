/* Unit tests of the level meter's scale (dBFS to cells, bands, labels) and ballistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "intercom/tui/meter_scale.h"

/* A linear level for a dBFS value. */
static float lin(float db)
{
	return powf(10.0f, db / 20.0f);
}

static struct level lv(float rms_db, float peak_db)
{
	return (struct level){ .peak = lin(peak_db), .rms = lin(rms_db) };
}

static const struct level silence = { 0.0f, 0.0f };

static void test_eighths(void **state)
{
	(void)state;
	assert_int_equal(meter_scale_eighths(-60.0f, 60), 0);
	assert_int_equal(meter_scale_eighths(-120.0f, 60), 0);
	assert_int_equal(meter_scale_eighths(NAN, 60), 0);
	assert_int_equal(meter_scale_eighths(-INFINITY, 60), 0);
	assert_int_equal(meter_scale_eighths(0.0f, 60), 480);
	assert_int_equal(meter_scale_eighths(3.0f, 60), 480);
	assert_int_equal(meter_scale_eighths(INFINITY, 60), 480);
	assert_int_equal(meter_scale_eighths(-30.0f, 60), 240);
	/* One dB is one cell on a 60-cell bar: 8 eighths. */
	assert_int_equal(meter_scale_eighths(-59.0f, 60), 8);
	assert_int_equal(meter_scale_eighths(-58.5f, 60), 12);
	assert_int_equal(meter_scale_eighths(-30.0f, 0), 0);
	assert_int_equal(meter_scale_eighths(-30.0f, -5), 0);
	/* Monotonic over the whole range. */
	int prev = -1;
	for (float db = -70.0f; db <= 5.0f; db += 0.05f) {
		int e = meter_scale_eighths(db, 37);
		assert_true(e >= prev);
		assert_true(e >= 0 && e <= 37 * 8);
		prev = e;
	}
}

static void test_cell(void **state)
{
	(void)state;
	assert_int_equal(meter_scale_cell(-60.0f, 60), 0);
	assert_int_equal(meter_scale_cell(-100.0f, 60), 0);
	assert_int_equal(meter_scale_cell(0.0f, 60), 59); /* full scale is the last cell, not past it */
	assert_int_equal(meter_scale_cell(-0.5f, 60), 59);
	assert_int_equal(meter_scale_cell(-1.0f, 60), 59);
	assert_int_equal(meter_scale_cell(-1.01f, 60), 58);
	assert_int_equal(meter_scale_cell(-30.0f, 60), 30);
	assert_int_equal(meter_scale_cell(-30.0f, 1), 0);
	assert_int_equal(meter_scale_cell(0.0f, 1), 0);
	assert_int_equal(meter_scale_cell(0.0f, 0), 0);
}

static void test_bands(void **state)
{
	(void)state;
	/* 60 cells: cell c covers c-60 .. c-59 dB; its middle decides. */
	assert_int_equal(meter_scale_band(0, 60), METER_BAND_OK);
	assert_int_equal(meter_scale_band(41, 60), METER_BAND_OK);   /* -18.5 */
	assert_int_equal(meter_scale_band(42, 60), METER_BAND_WARN); /* -17.5 */
	assert_int_equal(meter_scale_band(53, 60), METER_BAND_WARN); /* -6.5 */
	assert_int_equal(meter_scale_band(54, 60), METER_BAND_HOT);  /* -5.5 */
	assert_int_equal(meter_scale_band(59, 60), METER_BAND_HOT);
	/* Bands only go up along the bar, at any width, and the last cell is hot. */
	for (int cells = 1; cells <= 200; cells++) {
		enum meter_band prev = METER_BAND_OK;
		for (int c = 0; c < cells; c++) {
			enum meter_band b = meter_scale_band(c, cells);
			assert_true(b >= prev);
			prev = b;
		}
		if (cells >= 10)
			assert_int_equal(prev, METER_BAND_HOT);
	}
	assert_int_equal(meter_scale_band(0, 0), METER_BAND_OK);
}

static void test_labels(void **state)
{
	(void)state;
	char buf[256];
	/* 61 cells: a cell per dB and one more; labels every 10 dB, centred, ends kept inside. */
	assert_int_equal(meter_scale_labels(buf, sizeof buf, 61), 7);
	assert_int_equal(strlen(buf), 61);
	assert_string_equal(buf, "-60      -50       -40       -30       -20       -10        0");
	/* The label of -30 sits under the cell that shows -30 dB. */
	assert_int_equal(meter_scale_cell(-30.0f, 61), 30);
	assert_memory_equal(buf + 29, "-30", 3);
	/* Narrow: every 20 dB, then every 30, then only the ends. */
	assert_int_equal(meter_scale_labels(buf, sizeof buf, 20), 4);
	assert_string_equal(buf, "-60  -40    -20    0");
	assert_int_equal(strlen(buf), 20);
	assert_int_equal(meter_scale_labels(buf, sizeof buf, 10), 3);
	assert_int_equal(strlen(buf), 10);
	assert_int_equal(meter_scale_labels(buf, sizeof buf, 6), 2);
	assert_string_equal(buf, "-60  0");
	assert_int_equal(meter_scale_labels(buf, sizeof buf, 3), 0);
	assert_string_equal(buf, "   ");
	assert_int_equal(meter_scale_labels(buf, sizeof buf, 0), 0);
	assert_string_equal(buf, "");
	/* Never more than the buffer, never overlapping, at every width. */
	for (int cells = 0; cells < 250; cells++) {
		meter_scale_labels(buf, sizeof buf, cells);
		assert_int_equal(strlen(buf), (size_t)cells);
		for (int i = 0; i + 1 < cells; i++)
			assert_false(buf[i] == '0' && buf[i + 1] == '-'); /* labels touch: "0-10" */
	}
	char small[8];
	meter_scale_labels(small, sizeof small, 60);
	assert_int_equal(strlen(small), 7);
}

static void test_attack_and_fall(void **state)
{
	(void)state;
	struct meter_ballistics m;
	meter_ballistics_init(&m);
	uint64_t t = 1000;
	meter_ballistics_update(&m, silence, t);
	assert_false(meter_ballistics_active(&m, t));
	/* Attack is instant. */
	meter_ballistics_update(&m, lv(-20.0f, -10.0f), t += 40);
	assert_true(fabsf(m.bar_db - -20.0f) < 0.01f);
	assert_true(fabsf(m.peak_db - -10.0f) < 0.01f);
	assert_true(fabsf(m.hold_db - -10.0f) < 0.01f);
	assert_true(meter_ballistics_active(&m, t));
	/* Then silence: the bar falls METER_FALL_DB_PER_S, the peak marker slower. */
	meter_ballistics_update(&m, silence, t += 500);
	assert_true(fabsf(m.bar_db - (-20.0f - METER_FALL_DB_PER_S / 2)) < 0.01f);
	assert_true(fabsf(m.peak_db - (-10.0f - METER_PEAK_FALL_DB_PER_S / 2)) < 0.01f);
	/* A louder input stops the fall at once. */
	meter_ballistics_update(&m, lv(-25.0f, -25.0f), t += 40);
	assert_true(fabsf(m.bar_db - -25.0f) < 0.01f);
	/* The fall is the same whatever the update rate: 10 x 100 ms = 1 x 1 s. */
	struct meter_ballistics a, b;
	meter_ballistics_init(&a);
	meter_ballistics_init(&b);
	meter_ballistics_update(&a, lv(-6.0f, -3.0f), 0);
	meter_ballistics_update(&b, lv(-6.0f, -3.0f), 0);
	for (int i = 1; i <= 10; i++)
		meter_ballistics_update(&a, silence, (uint64_t)i * 100);
	meter_ballistics_update(&b, silence, 1000);
	assert_true(fabsf(a.bar_db - b.bar_db) < 0.01f);
	assert_true(fabsf(a.peak_db - b.peak_db) < 0.01f);
	/* It settles at the bottom of the scale and stops asking for redraws. */
	for (int i = 0; i < 100; i++)
		meter_ballistics_update(&m, silence, t += 100);
	assert_true(m.bar_db == METER_SCALE_MIN_DB);
	assert_true(m.peak_db == METER_SCALE_MIN_DB);
	assert_true(m.hold_db == METER_SCALE_MIN_DB);
	assert_false(meter_ballistics_active(&m, t));
}

static void test_peak_hold(void **state)
{
	(void)state;
	struct meter_ballistics m;
	meter_ballistics_init(&m);
	uint64_t t = 5000;
	meter_ballistics_update(&m, lv(-30.0f, -6.0f), t);
	/* Quieter peaks do not move the hold while it holds. */
	for (uint64_t dt = 40; dt < METER_HOLD_MS; dt += 40) {
		meter_ballistics_update(&m, lv(-40.0f, -30.0f), t + dt);
		assert_true(fabsf(m.hold_db - -6.0f) < 0.01f);
		assert_true(m.peak_db < -6.0f);
	}
	/* Once the hold ran out it falls like the peak marker, from the moment it ran out. */
	meter_ballistics_update(&m, silence, t + METER_HOLD_MS + 500);
	assert_true(fabsf(m.hold_db - (-6.0f - METER_PEAK_FALL_DB_PER_S / 2)) < 0.3f);
	/* A louder peak takes the hold again and restarts its time. */
	meter_ballistics_update(&m, lv(-12.0f, -2.0f), t + 3000);
	assert_true(fabsf(m.hold_db - -2.0f) < 0.01f);
	assert_int_equal(m.hold_ms, t + 3000);
	/* The hold is never below the peak marker. */
	for (int i = 0; i < 200; i++) {
		meter_ballistics_update(&m, lv(-50.0f, -20.0f - (float)(i % 7)), t + 3000 + (uint64_t)i * 37);
		assert_true(m.hold_db >= m.peak_db);
		assert_true(m.peak_db >= m.bar_db || m.bar_db - m.peak_db < 40.0f);
	}
}

static void test_clip_latch(void **state)
{
	(void)state;
	struct meter_ballistics m;
	meter_ballistics_init(&m);
	uint64_t t = 100;
	meter_ballistics_update(&m, (struct level){ .peak = 0.999f, .rms = 0.5f }, t);
	assert_false(meter_ballistics_view(&m, 50, t).clip); /* close, but no sample at full scale */
	meter_ballistics_update(&m, (struct level){ .peak = 1.0f, .rms = 0.7f }, t += 40);
	assert_true(meter_ballistics_view(&m, 50, t).clip);
	uint64_t clip_at = t;
	/* Stays lit through silence for the latch time, then goes out. */
	while (t + 40 < clip_at + METER_CLIP_LATCH_MS) {
		meter_ballistics_update(&m, silence, t += 40);
		assert_true(meter_ballistics_view(&m, 50, t).clip);
		assert_true(meter_ballistics_active(&m, t));
	}
	meter_ballistics_update(&m, silence, clip_at + METER_CLIP_LATCH_MS);
	assert_false(meter_ballistics_view(&m, 50, clip_at + METER_CLIP_LATCH_MS).clip);
	/* A new clip relatches. */
	meter_ballistics_update(&m, (struct level){ .peak = 1.0f, .rms = 0.1f }, clip_at + 5000);
	assert_true(meter_ballistics_view(&m, 50, clip_at + 5000).clip);
}

static void test_view(void **state)
{
	(void)state;
	struct meter_ballistics m;
	meter_ballistics_init(&m);
	struct meter_view v = meter_ballistics_view(&m, 60, 0);
	assert_int_equal(v.cells, 60);
	assert_int_equal(v.bar_eighths, 0);
	assert_int_equal(v.peak_cell, -1);
	assert_int_equal(v.hold_cell, -1);
	assert_false(v.clip);
	assert_int_equal(v.hold_db, -60);
	meter_ballistics_update(&m, lv(-30.0f, -12.2f), 10);
	v = meter_ballistics_view(&m, 60, 10);
	assert_int_equal(v.bar_eighths, 240);
	assert_int_equal(v.peak_cell, 47);
	assert_int_equal(v.hold_cell, 47);
	assert_int_equal(v.hold_db, -12);
	/* Equal inputs give byte-equal views (the screen compares them with memcmp). */
	struct meter_view w = meter_ballistics_view(&m, 60, 10);
	assert_memory_equal(&v, &w, sizeof v);
	/* A change smaller than an eighth of a cell does not change the view: no redraw. */
	meter_ballistics_update(&m, lv(-29.99f, -12.2f), 20);
	w = meter_ballistics_view(&m, 60, 20);
	assert_memory_equal(&v, &w, sizeof v);
	/* Zero cells: nothing to show but nothing breaks. */
	v = meter_ballistics_view(&m, 0, 20);
	assert_int_equal(v.cells, 0);
	assert_int_equal(v.bar_eighths, 0);
	assert_int_equal(v.peak_cell, -1);
	/* Silence forever from the start never animates. */
	struct meter_ballistics q;
	meter_ballistics_init(&q);
	for (uint64_t t = 0; t < 10000; t += 40) {
		meter_ballistics_update(&q, silence, t);
		assert_false(meter_ballistics_active(&q, t));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eighths),         cmocka_unit_test(test_cell),
		cmocka_unit_test(test_bands),           cmocka_unit_test(test_labels),
		cmocka_unit_test(test_attack_and_fall), cmocka_unit_test(test_peak_hold),
		cmocka_unit_test(test_clip_latch),      cmocka_unit_test(test_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

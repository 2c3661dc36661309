/* Unit tests of timed playout's arithmetic: placement, late join and expiry, clock trust, drift. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "intercom/audio/playout_sched.h"

/* Silence before the first sample: (target - DAC time) x rate, rounded; negative when late. */
static void test_lead_frames(void **state)
{
	(void)state;
	assert_int_equal(playout_lead_frames(10.0, 10.0, 48000), 0);
	assert_int_equal(playout_lead_frames(10.0, 10.01, 48000), 480);
	assert_int_equal(playout_lead_frames(10.0, 10.0000104, 48000), 0);   /* 0.5 frame: rounds to 0 */
	assert_int_equal(playout_lead_frames(10.0, 10.0000105, 48000), 1);
	assert_int_equal(playout_lead_frames(10.0, 9.99, 48000), -480);
	assert_int_equal(playout_lead_frames(1000.5, 1001.5, 44100), 44100);
}

static void test_on_time(void **state)
{
	(void)state;
	size_t join;
	uint64_t late;
	assert_int_equal(playout_decide(1000, 5000, 48000, 48000, &join, &late), PLAYOUT_ON_TIME);
	assert_int_equal(join, 0);
	assert_int_equal(late, 0);
	assert_int_equal(playout_decide(5000, 5000, 48000, 48000, &join, &late), PLAYOUT_ON_TIME);
}

/* The frame a late page joins at is elapsed x rate. */
static void test_late_join_frame(void **state)
{
	(void)state;
	size_t join;
	uint64_t late;
	/* 10 s page, 120 ms late: frame 5760. */
	assert_int_equal(playout_decide(1120000, 1000000, 480000, 48000, &join, &late), PLAYOUT_LATE_JOIN);
	assert_int_equal(join, 5760);
	assert_int_equal(late, 120000);
	/* 44.1 kHz, 2.5 s late: 110250, rounded down for a fraction. */
	assert_int_equal(playout_decide(2500000 + 10, 10, 441000, 44100, &join, &late), PLAYOUT_LATE_JOIN);
	assert_int_equal(join, 110250);
	assert_int_equal(playout_decide(11, 0, 441000, 44100, &join, &late), PLAYOUT_LATE_JOIN);
	assert_int_equal(join, 0); /* 11 µs: not a whole frame yet */
}

/* Expired: less than a second left, or less than a quarter of the page, or past its end. */
static void test_expired(void **state)
{
	(void)state;
	size_t join;
	uint64_t late;
	/* 60 s late for a 5 s page (the stalled speaker). */
	assert_int_equal(playout_decide(61000000, 1000000, 240000, 48000, &join, &late), PLAYOUT_EXPIRED);
	assert_int_equal(late, 60000000);
	assert_int_equal(join, 0);
	/* 5 s page, 3.9 s late: 1.1 s left but less than a quarter (1.25 s). */
	assert_int_equal(playout_decide(3900000, 0, 240000, 48000, &join, &late), PLAYOUT_EXPIRED);
	/* 5 s page, 3.7 s late: 1.3 s left, more than a quarter: joins. */
	assert_int_equal(playout_decide(3700000, 0, 240000, 48000, &join, &late), PLAYOUT_LATE_JOIN);
	assert_int_equal(join, 177600);
	/* 60 s page, 58.5 s late: a quarter is 15 s, 1.5 s left: expired. */
	assert_int_equal(playout_decide(58500000, 0, 2880000, 48000, &join, &late), PLAYOUT_EXPIRED);
	/* 1.5 s page, 0.4 s late: 1.1 s left, more than a second and a quarter: joins. */
	assert_int_equal(playout_decide(400000, 0, 72000, 48000, &join, &late), PLAYOUT_LATE_JOIN);
	/* 0.8 s page, 1 ms late: less than a second is left, but nearly all of it: joins. */
	assert_int_equal(playout_decide(1000, 0, 38400, 48000, &join, &late), PLAYOUT_LATE_JOIN);
	assert_int_equal(late, 1000);
	assert_int_equal(join, 48);
	/* ... 0.2 s late: a quarter gone, three quarters left: still joins; 0.21 s: expired. */
	assert_int_equal(playout_decide(200000, 0, 38400, 48000, &join, &late), PLAYOUT_LATE_JOIN);
	assert_int_equal(playout_decide(210000, 0, 38400, 48000, &join, &late), PLAYOUT_EXPIRED);
}

static void test_clock_judge(void **state)
{
	(void)state;
	/* A paced device: 0.2 s of frames in 0.2 s, DAC 20 ms ahead all along. */
	assert_int_equal(playout_clock_judge(5.0, 5.02, 5.2, 5.22, 9600, 48000, 0.2), PLAYOUT_CLOCK_OK);
	/* The pulse plugin as measured: priming (3 buffers at once, DAC = now first), then 45 ms ahead. */
	assert_int_equal(playout_clock_judge(5.0, 5.0, 5.0, 5.042, 3072, 48000, 0.0), PLAYOUT_CLOCK_UNKNOWN);
	assert_int_equal(playout_clock_judge(5.0, 5.0, 5.11, 5.16, 8192, 48000, 0.11), PLAYOUT_CLOCK_OK);
	/* Too early to tell. */
	assert_int_equal(playout_clock_judge(5.0, 5.02, 5.02, 5.04, 960, 48000, 0.02), PLAYOUT_CLOCK_UNKNOWN);
	/* DAC time zero (hosts that give no timing). */
	assert_int_equal(playout_clock_judge(5.0, 0.0, 5.11, 0.0, 4800, 48000, 0.11), PLAYOUT_CLOCK_UNTRUSTED);
	/* The unpaced ALSA file rig as measured: 85 s of frames in 23 ms, DAC = now. */
	assert_int_equal(playout_clock_judge(5.0, 5.0, 5.023, 5.023, 4096000, 48000, 0.023),
	                 PLAYOUT_CLOCK_UNPACED);
	/* ... found within a few buffers: 0.5 s of frames in 1 ms. */
	assert_int_equal(playout_clock_judge(5.0, 5.0, 5.001, 5.001, 24000, 48000, -1), PLAYOUT_CLOCK_UNPACED);
	/* Unpaced, 0.1 s of frames in no time: not judged good on its frozen times, unknown until found out. */
	assert_int_equal(playout_clock_judge(5.0, 5.0, 5.00002, 5.00002, 4800, 48000, -1), PLAYOUT_CLOCK_UNKNOWN);
	/* Unpaced by the main thread's clock even if the stream's own time keeps up. */
	assert_int_equal(playout_clock_judge(5.0, 5.02, 15.0, 15.02, 480000, 48000, 0.02), PLAYOUT_CLOCK_UNPACED);
	/* Unpaced with no timing at all: unpaced first (it needs no waiting). */
	assert_int_equal(playout_clock_judge(5.0, 0.0, 5.0, 0.0, 480000, 48000, -1), PLAYOUT_CLOCK_UNPACED);
	/* DAC time standing still while frames go. */
	assert_int_equal(playout_clock_judge(5.0, 5.02, 5.5, 5.02, 24000, 48000, 0.5), PLAYOUT_CLOCK_UNTRUSTED);
	/* DAC time running away. */
	assert_int_equal(playout_clock_judge(5.0, 5.02, 5.5, 6.5, 24000, 48000, 0.5), PLAYOUT_CLOCK_UNTRUSTED);
	/* DAC time wandering 15 ms (a sound server's latency moving): still trusted. */
	assert_int_equal(playout_clock_judge(5.0, 5.02, 5.11, 5.145, 4800, 48000, -1), PLAYOUT_CLOCK_OK);
}

static void test_drift_command(void **state)
{
	(void)state;
	/* Deadband 200 µs = 9.6 frames at 48 kHz. */
	assert_int_equal(playout_drift_command(0.0, 48000), 0);
	assert_int_equal(playout_drift_command(9.0, 48000), 0);
	assert_int_equal(playout_drift_command(-9.0, 48000), 0);
	assert_int_equal(playout_drift_command(12.4, 48000), 12);
	assert_int_equal(playout_drift_command(-30.6, 48000), -31);
	/* At 8 kHz the deadband is 2 frames, not 1.6. */
	assert_int_equal(playout_drift_command(1.9, 8000), 0);
	assert_int_equal(playout_drift_command(2.0, 8000), 2);
	/* One correction every 10 ms. */
	assert_int_equal(playout_correct_spacing(48000), 480);
	assert_int_equal(playout_correct_spacing(44100), 441);
	assert_int_equal(playout_correct_spacing(50), 1);
}

/* Corrections need two windows out of the deadband on one side; stalls are left alone. */
static void test_drift_window(void **state)
{
	(void)state;
	int32_t last = 0;
	/* A blip: one window out, then back in. */
	assert_int_equal(playout_drift_window(30.0, 48000, 10, &last), 0);
	assert_int_equal(playout_drift_window(2.0, 48000, 10, &last), 0);
	/* Drift: two windows on the same side, the smaller of them. */
	assert_int_equal(playout_drift_window(-12.0, 48000, 10, &last), 0);
	assert_int_equal(playout_drift_window(-15.0, 48000, 10, &last), -12);
	/* Spent: the next needs two fresh windows. */
	assert_int_equal(playout_drift_window(-14.0, 48000, 10, &last), 0);
	/* Sides that change are noise. */
	assert_int_equal(playout_drift_window(20.0, 48000, 10, &last), 0);
	assert_int_equal(playout_drift_window(25.0, 48000, 10, &last), 20);
	/* Beyond 10 ms (480 frames) a stall: two windows agreeing give a jump, at once. */
	assert_int_equal(playout_drift_window(-700.0, 48000, 10, &last), 0);
	assert_int_equal(playout_drift_window(-690.0, 48000, 10, &last), -690);
	assert_true(playout_drift_is_jump(-690, 48000, 10));
	assert_false(playout_drift_is_jump(-480, 48000, 10));
	/* A stall window beside a drift window is neither. */
	last = 0;
	assert_int_equal(playout_drift_window(2400.0, 48000, 10, &last), 0);
	assert_int_equal(playout_drift_window(30.0, 48000, 10, &last), 0);
	assert_int_equal(playout_drift_window(2400.0, 48000, 10, &last), 0);
	assert_int_equal(playout_drift_window(2352.0, 48000, 10, &last), 2352);
	/* 100 ppm at 48 kHz: 4.8 frames a second, corrected every few seconds by about 10 frames. */
	last = 0;
	double err = 0;
	int32_t total = 0;
	for (int s = 0; s < 300; s++) {
		err += 4.8;
		int32_t c = playout_drift_window(err, 48000, 10, &last);
		err -= c; /* repeating frames brings a device that runs ahead back */
		total += c;
		assert_true(err < 20.0); /* never more than ~0.4 ms off */
	}
	assert_true(total >= 1400 && total <= 1440); /* 5 minutes at 100 ppm: 1440 frames */
}

/* A start a few ms late is in step and not said; from the threshold on it is a late join. */
static void test_late_notice(void **state)
{
	(void)state;
	assert_int_equal(playout_late_ms(0), 0);
	assert_int_equal(playout_late_ms(1000), 0);
	assert_int_equal(playout_late_ms(PLAYOUT_LATE_NOTICE_MS * 1000u - 1), 0);
	assert_int_equal(playout_late_ms(PLAYOUT_LATE_NOTICE_MS * 1000u), PLAYOUT_LATE_NOTICE_MS);
	assert_int_equal(playout_late_ms(1476000), 1476);
	assert_int_equal(playout_late_ms(UINT64_MAX), UINT32_MAX);
}

/* Drift's sums: the mean of the buffers added since an earlier copy, and nothing without new ones. */
static void test_dac_sums_window(void **state)
{
	(void)state;
	struct playout_dac_sums s = { 0 }, none = { 0 }, mark;
	double dac = 0, frame = 0;
	assert_int_equal(playout_dac_sums_mean(&s, &none, &dac, &frame), 0);
	for (int i = 0; i < 10; i++)
		playout_dac_sums_add(&s, 100.0 + i * 0.02, (int64_t)i * 960 - 480);
	assert_int_equal(playout_dac_sums_mean(&s, &none, &dac, &frame), 10);
	assert_true(fabs(dac - 100.09) < 1e-9);
	assert_true(fabs(frame - (4.5 * 960 - 480)) < 1e-9);
	mark = s;
	assert_int_equal(playout_dac_sums_mean(&s, &mark, &dac, &frame), 0);
	for (int i = 10; i < 15; i++)
		playout_dac_sums_add(&s, 100.0 + i * 0.02, (int64_t)i * 960 - 480);
	assert_int_equal(playout_dac_sums_mean(&s, &mark, &dac, &frame), 5);
	assert_true(fabs(dac - 100.24) < 1e-9);
	assert_true(fabs(frame - (12.0 * 960 - 480)) < 1e-9);
	/* A copy of other sums (another stream's) is no mark of these. */
	struct playout_dac_sums other = { 0 };
	for (int i = 0; i < 3; i++)
		playout_dac_sums_add(&other, 7.0 + i, i);
	assert_int_equal(playout_dac_sums_mean(&s, &other, &dac, &frame), 0);
}

/*
 * A long page on a clock ~1.8e9 s from its zero (libfaketime's): the last
 * ten of 200,000 buffers (70 minutes at 1024 frames) still average to the
 * microsecond. Whole stream times summed would be ~3.6e14, whose last digit
 * is tens of milliseconds.
 */
static void test_dac_sums_precision(void **state)
{
	(void)state;
	const double base = 1.8e9, step = 1024.0 / 48000.0;
	struct playout_dac_sums s = { 0 }, mark = { 0 };
	for (int i = 0; i < 200000; i++) {
		if (i == 199990)
			mark = s;
		playout_dac_sums_add(&s, base + i * step, (int64_t)i * 1024);
	}
	double dac, frame;
	assert_int_equal(playout_dac_sums_mean(&s, &mark, &dac, &frame), 10);
	assert_true(fabs(dac - (base + 199994.5 * step)) < 1e-6);
	assert_true(fabs(frame - 199994.5 * 1024) < 1e-3);
}

/*
 * A stream as PortAudio's ALSA path runs one: a priming burst (frames handed
 * over faster than real time), then host buffers of 2048 frames split into
 * two callbacks of 1024 with one stream time, each wake late by a one-sided
 * amount (scheduling). The device takes frames at rate x (1 + ppm / 1e6)
 * from t0, plus any stall.
 */
struct sim {
	struct playout_line line;
	double t0, latency, ppm, stall_at, stall_s;
	double starve_at, starve_s; /* from starve_at, starve_n wakes each starve_s late: no move */
	unsigned starve_n;
	uint64_t frames;
	unsigned seed;
};

/* A deterministic lateness in 0..max_s, ~one in eight wakes on time. */
static double sim_late(struct sim *sm, double max_s)
{
	sm->seed = sm->seed * 1103515245u + 12345u;
	unsigned r = (sm->seed >> 16) & 0x7fff;
	return r % 8 == 0 ? 0.0 : max_s * (double)(r % 1000) / 1000.0;
}

/* When the device has taken `frames`: the time the next host buffer's room is there. */
static double sim_taken_at(const struct sim *sm, uint64_t frames)
{
	double t = sm->t0 + (double)frames / (48000.0 * (1 + sm->ppm / 1e6));
	if (sm->stall_s > 0 && t >= sm->stall_at)
		t += sm->stall_s;
	return t;
}

/* Runs the stream until stream time `until`; returns how many wakes counted. */
static unsigned sim_run(struct sim *sm, double until, double late_max)
{
	unsigned counted = 0;
	if (sm->frames == 0) {
		/* Priming: 2 callbacks at t0, 4 more 11.5 ms later. */
		for (int i = 0; i < 6; i++) {
			assert_false(playout_line_add(&sm->line, sm->t0 + (i < 2 ? 0 : 0.0115), sm->frames, 48000));
			sm->frames += 1024;
		}
	}
	for (;;) {
		/* The host buffer starting at frame F is asked for once the device holds latency of frames before it. */
		uint64_t taken = sm->frames - (uint64_t)llround(sm->latency * 48000);
		double now = sim_taken_at(sm, taken) + sim_late(sm, late_max);
		if (sm->starve_n && now >= sm->starve_at) {
			now += sm->starve_s;
			sm->starve_n--;
		}
		if (now > until)
			return counted;
		counted += playout_line_add(&sm->line, now, sm->frames, 48000);
		sm->frames += 1024;
		assert_false(playout_line_add(&sm->line, now, sm->frames, 48000)); /* same host buffer */
		sm->frames += 1024;
	}
}

/* The true stream time frame f reaches the DAC at: when the device takes it. */
static double sim_truth(const struct sim *sm, uint64_t f)
{
	return sim_taken_at(sm, f);
}

/* The line finds the DAC timeline under one-sided lateness; priming and repeats do not count. */
static void test_line_lateness(void **state)
{
	(void)state;
	struct sim sm = { .t0 = 1000.0, .latency = 4096 / 48000.0, .seed = 1 };
	playout_line_reset(&sm.line, sm.latency);
	double dac;
	assert_false(playout_line_dac(&sm.line, 0, 48000, &dac)); /* nothing yet */
	/* Wakes come late by up to 8 ms: the least of them is the line. */
	unsigned n = sim_run(&sm, 1000.25, 0.008);
	assert_true(n >= 3);
	assert_true(playout_line_dac(&sm.line, sm.frames, 48000, &dac));
	double err = dac - sim_truth(&sm, sm.frames);
	assert_true(fabs(err) < 0.0085); /* a few wakes: within the lateness */
	sim_run(&sm, 1003.0, 0.008);
	assert_true(playout_line_dac(&sm.line, sm.frames, 48000, &dac));
	assert_true(fabs(dac - sim_truth(&sm, sm.frames)) < 0.0002); /* dozens: to the on-time wake */
	/* What the filter removed, for the log. */
	assert_true(sm.line.late_max_s > 0.004 && sm.line.late_max_s <= 0.008 + 1e-9);
	assert_true(sm.line.late_sum_s / (double)sm.line.wakes > 0.001);
	/* Placing: the line's time, however far the host's wandered (measured: -85 ms), or with none. */
	double line, placed;
	assert_true(playout_line_dac(&sm.line, sm.frames, 48000, &line));
	assert_true(playout_line_place(&sm.line, sm.frames, 48000, line + 0.004, &placed));
	assert_true(placed == line);
	assert_true(playout_line_place(&sm.line, sm.frames, 48000, line - 0.085, &placed));
	assert_true(placed == line);
	assert_true(playout_line_place(&sm.line, sm.frames, 48000, 0, &placed));
	assert_true(placed == line);
	/* No time from the host: nothing counts. */
	struct playout_line l;
	playout_line_reset(&l, 0.085);
	for (int i = 0; i < 100; i++)
		assert_false(playout_line_add(&l, 0, (uint64_t)i * 1024, 48000));
	assert_false(playout_line_dac(&l, 0, 48000, &dac));
	assert_false(playout_line_place(&l, 0, 48000, 12.5, &placed));
	assert_true(placed == 12.5); /* no line yet: the host's */
}

/* The line follows a device 100 ppm slow, and a stall, within its window. */
static void test_line_follows(void **state)
{
	(void)state;
	struct sim sm = { .t0 = 50.0, .latency = 4096 / 48000.0, .ppm = -100, .seed = 7 };
	playout_line_reset(&sm.line, sm.latency);
	double dac;
	sim_run(&sm, 80.0, 0.003);
	/* 30 s at 100 ppm is 3 ms: the line lags the drift by at most its window (2.5 s: 0.25 ms). */
	assert_true(playout_line_dac(&sm.line, sm.frames, 48000, &dac));
	double err = dac - sim_truth(&sm, sm.frames);
	assert_true(err < 0.0001 && err > -0.0003);
	/* An underrun puts the timeline 40 ms later: the line restarts after three wakes, not the window. */
	assert_int_equal(sm.line.shifts, 0);
	sm.stall_at = 81.0;
	sm.stall_s = 0.040;
	sim_run(&sm, 81.0 + 0.040 + 2 * 0.043 + 0.01, 0.003);
	assert_int_equal(sm.line.shifts, 0); /* two late wakes: not yet */
	assert_true(playout_line_dac(&sm.line, sm.frames, 48000, &dac));
	assert_true(dac - sim_truth(&sm, sm.frames) < -0.030); /* still the old line */
	sim_run(&sm, 81.3, 0.003);
	assert_int_equal(sm.line.shifts, 1);
	assert_true(playout_line_dac(&sm.line, sm.frames, 48000, &dac));
	err = dac - sim_truth(&sm, sm.frames);
	assert_true(err < 0.0031 && err > -0.0003); /* within the lateness of the few wakes since */
	sim_run(&sm, 81.0 + (PLAYOUT_LINE_BLOCKS + 1) * PLAYOUT_LINE_BLOCK_S + 0.1, 0.003);
	assert_true(playout_line_dac(&sm.line, sm.frames, 48000, &dac));
	err = dac - sim_truth(&sm, sm.frames);
	assert_true(err < 0.0001 && err > -0.0003);
	assert_int_equal(sm.line.shifts, 1);
}

/* Lateness alone, however bunched, never restarts the line; a shift smaller than the threshold does not either. */
static void test_line_no_false_shift(void **state)
{
	(void)state;
	struct sim sm = { .t0 = 10.0, .latency = 4096 / 48000.0, .seed = 3 };
	playout_line_reset(&sm.line, sm.latency);
	sim_run(&sm, 40.0, PLAYOUT_LINE_SHIFT_S * 0.9);
	assert_int_equal(sm.line.shifts, 0);
	double dac;
	assert_true(playout_line_dac(&sm.line, sm.frames, 48000, &dac));
	assert_true(fabs(dac - sim_truth(&sm, sm.frames)) < 0.0002);
}

/*
 * A placed page is mended by how far the timeline moved, measured once the
 * line has settled: the stall's length, once; a starved callback's late
 * wakes restart the line too, but they measure no move.
 */
static void test_line_moved(void **state)
{
	(void)state;
	struct sim sm = { .t0 = 20.0, .latency = 4096 / 48000.0, .seed = 11 };
	playout_line_reset(&sm.line, sm.latency);
	double moved;
	sim_run(&sm, 23.0, 0.003);
	assert_false(playout_line_moved(&sm.line, 23.0, &moved));
	sm.stall_at = 23.1;
	sm.stall_s = 0.300;
	sim_run(&sm, 23.1 + 0.300 + 0.2, 0.003);
	assert_int_equal(sm.line.shifts, 1);
	assert_false(playout_line_moved(&sm.line, 23.1 + 0.300 + 0.2, &moved)); /* not settled yet */
	sim_run(&sm, 24.2, 0.003);
	assert_true(playout_line_moved(&sm.line, 24.2, &moved));
	assert_true(fabs(moved - 0.300) < 0.0005);
	assert_false(playout_line_moved(&sm.line, 24.8, &moved)); /* once per shift */
	/* Starved, not stalled: three wakes 25 ms late, then on time again. */
	sim_run(&sm, 27.0, 0.003);
	sm.starve_at = 27.1;
	sm.starve_s = 0.025;
	sm.starve_n = PLAYOUT_LINE_SHIFT_WAKES;
	sim_run(&sm, 28.0, 0.003);
	assert_int_equal(sm.line.shifts, 2);
	assert_true(playout_line_moved(&sm.line, 28.0, &moved));
	assert_true(fabs(moved) < PLAYOUT_LINE_CATCH_UP_S);
}

/* A settled move is skipped only with the host behind it: its flag, or its own DAC times moved along. */
static void test_move_is_dac(void **state)
{
	(void)state;
	assert_false(playout_move_is_dac(0.001, true, 0.0, 0.0));          /* too small to mend */
	assert_true(playout_move_is_dac(0.292, true, NAN, NAN));           /* flagged */
	assert_true(playout_move_is_dac(0.292, false, 0.0007, -0.0004));   /* the host moved with it */
	assert_true(playout_move_is_dac(0.020, false, 0.003, -0.005));     /* within half the move */
	assert_false(playout_move_is_dac(0.020, false, 0.003, -0.017));    /* the host stayed: late wakes */
	assert_false(playout_move_is_dac(0.292, false, NAN, 0.0));         /* no host time before */
	assert_false(playout_move_is_dac(0.292, false, 0.0, NAN));         /* nor after */
	assert_false(playout_move_is_dac(NAN, true, 0.0, 0.0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lead_frames),
		cmocka_unit_test(test_late_notice),
		cmocka_unit_test(test_on_time),
		cmocka_unit_test(test_late_join_frame),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_clock_judge),
		cmocka_unit_test(test_drift_command),
		cmocka_unit_test(test_drift_window),
		cmocka_unit_test(test_dac_sums_window),
		cmocka_unit_test(test_dac_sums_precision),
		cmocka_unit_test(test_line_lateness),
		cmocka_unit_test(test_line_follows),
		cmocka_unit_test(test_line_no_false_shift),
		cmocka_unit_test(test_line_moved),
		cmocka_unit_test(test_move_is_dac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

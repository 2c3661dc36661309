/* Unit tests of the level meter: peak, RMS and the dBFS scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "intercom/audio/meter.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* |a - b| <= tol, with both values in the failure message. */
static void check_near(double actual, double expected, double tol, const char *what)
{
	if (!(fabs(actual - expected) <= tol))
		fail_msg("%s: got %.9g, expected %.9g +- %.3g", what, actual, expected, tol);
}

static void test_silence(void **state)
{
	(void)state;
	int16_t zeros[4800];
	memset(zeros, 0, sizeof zeros);
	struct level l = meter_measure_s16(zeros, sizeof zeros / sizeof zeros[0]);
	assert_true(l.peak == 0.0f);
	assert_true(l.rms == 0.0f);
	assert_true(meter_dbfs(l.peak) == METER_FLOOR_DB);
	assert_true(meter_dbfs(l.rms) == METER_FLOOR_DB);
	assert_true(meter_dbfs(0.0f) == METER_FLOOR_DB);
	assert_true(meter_dbfs(-0.0f) == METER_FLOOR_DB);
}

static void test_zero_samples(void **state)
{
	(void)state;
	int16_t one = 12345;
	struct level l = meter_measure_s16(&one, 0);
	assert_true(l.peak == 0.0f);
	assert_true(l.rms == 0.0f);
	l = meter_measure_s16(NULL, 0);
	assert_true(l.peak == 0.0f);
	assert_true(l.rms == 0.0f);
}

static void test_full_scale_square(void **state)
{
	(void)state;
	int16_t sq[4096];
	for (size_t i = 0; i < sizeof sq / sizeof sq[0]; i++)
		sq[i] = (i / 8) % 2 ? -32768 : 32767;
	struct level l = meter_measure_s16(sq, sizeof sq / sizeof sq[0]);
	assert_true(l.peak == 1.0f);
	check_near(l.rms, 1.0, 1e-4, "rms of full-scale square");
	assert_true(l.rms <= 1.0f);
	check_near(meter_dbfs(l.peak), 0.0, 1e-6, "dbfs of full-scale peak");
}

static void test_most_negative_alone(void **state)
{
	(void)state;
	int16_t s = -32768;
	struct level l = meter_measure_s16(&s, 1);
	assert_true(l.peak == 1.0f);
	assert_true(l.rms <= 1.0f);
	check_near(l.rms, 1.0, 1e-4, "rms of -32768");
	s = 32767;
	l = meter_measure_s16(&s, 1);
	assert_true(l.peak == 1.0f);
	assert_true(l.rms == 1.0f);
	s = -1;
	l = meter_measure_s16(&s, 1);
	check_near(l.peak, 1.0 / 32767.0, 1e-9, "peak of -1");
}

static void test_sine_rms(void **state)
{
	(void)state;
	static const double amps[] = { 1.0, 0.5, 0.25, 0.1, 0.01 };
	enum { N = 48000 }; /* 1 s at 48 kHz of 1 kHz: whole periods */
	static int16_t buf[N];
	for (size_t a = 0; a < sizeof amps / sizeof amps[0]; a++) {
		double amp = amps[a];
		for (size_t i = 0; i < N; i++)
			buf[i] = (int16_t)lround(amp * 32767.0 * sin(2.0 * M_PI * 1000.0 * (double)i / 48000.0));
		struct level l = meter_measure_s16(buf, N);
		char what[64];
		snprintf(what, sizeof what, "rms of sine amplitude %g", amp);
		double want = amp / sqrt(2.0);
		check_near(l.rms, want, want * 0.005, what);
		snprintf(what, sizeof what, "peak of sine amplitude %g", amp);
		check_near(l.peak, amp, amp * 0.005 + 1.0 / 32767.0, what);
	}
}

static void test_stereo_interleaved(void **state)
{
	(void)state;
	/* Left silent, right at half scale: all samples count together. */
	int16_t lr[2000];
	for (size_t i = 0; i < 2000; i += 2) {
		lr[i] = 0;
		lr[i + 1] = (i / 2) % 2 ? -16384 : 16384;
	}
	struct level l = meter_measure_s16(lr, 2000);
	check_near(l.peak, 16384.0 / 32767.0, 1e-6, "peak");
	check_near(l.rms, 16384.0 / 32767.0 / sqrt(2.0), 1e-5, "rms");
}

static void test_dbfs(void **state)
{
	(void)state;
	assert_true(meter_dbfs(1.0f) == 0.0f);
	check_near(meter_dbfs(0.5f), -6.0206, 1e-3, "dbfs(0.5)");
	check_near(meter_dbfs(0.1f), -20.0, 1e-4, "dbfs(0.1)");
	check_near(meter_dbfs(0.001f), -60.0, 1e-3, "dbfs(0.001)");
	check_near(meter_dbfs((float)(1.0 / 32767.0)), -90.309, 1e-3, "dbfs(1 lsb)");
	assert_true(meter_dbfs(1e-7f) == METER_FLOOR_DB); /* -140 dB floors at -120 */
	assert_true(meter_dbfs(1e-30f) == METER_FLOOR_DB);
	assert_true(meter_dbfs(-0.5f) == METER_FLOOR_DB);
	assert_true(meter_dbfs(NAN) == METER_FLOOR_DB);
	assert_true(meter_dbfs(-INFINITY) == METER_FLOOR_DB);
	check_near(meter_dbfs(1e-6f), -120.0, 1e-3, "dbfs(1e-6)");
	/* Monotonic above the floor. */
	float prev = meter_dbfs(1e-6f);
	for (float x = 2e-6f; x <= 1.0f; x *= 1.5f) {
		float db = meter_dbfs(x);
		assert_true(db > prev);
		assert_true(isfinite(db));
		prev = db;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_zero_samples),
		cmocka_unit_test(test_full_scale_square),
		cmocka_unit_test(test_most_negative_alone),
		cmocka_unit_test(test_sine_rms),
		cmocka_unit_test(test_stereo_interleaved),
		cmocka_unit_test(test_dbfs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

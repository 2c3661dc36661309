/* Unit tests of the page format arithmetic: the frame-count rule above all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "intercom/audio/format.h"
#include "intercom/common/defaults.h"

/* The original Python tool: int(RATE / CHUNK * RECORD_SECONDS) whole chunks. */
static size_t python_frames(int rate, int chunk, double seconds)
{
	double chunks = (double)rate / (double)chunk * seconds;
	return (size_t)(long long)chunks * (size_t)chunk;
}

static void test_frames_exact_defaults(void **state)
{
	(void)state;
	assert_int_equal(format_frames_for_seconds(48000, 5.0), 240000);
	assert_int_equal(format_frames_for_seconds(DEFAULT_RATE, DEFAULT_DURATION_S), 240000);
	assert_int_equal(format_frames_for_seconds(44100, 0.5), 22050);
	assert_int_equal(format_frames_for_seconds(8000, DURATION_MIN_S), 4000);
	assert_int_equal(format_frames_for_seconds(RATE_MAX, DURATION_MAX_S), 57600000);
}

/* 2.7 is not representable; 44100 x 2.7 must still be exactly 119070, not 119069. */
static void test_frames_float_edge(void **state)
{
	(void)state;
	assert_int_equal(format_frames_for_seconds(44100, 2.7), 119070);
	/* Truncation would be wrong for some of these; rounding gets each exactly. */
	assert_int_equal(format_frames_for_seconds(44100, 0.1), 4410);
	assert_int_equal(format_frames_for_seconds(44100, 0.3), 13230);
	assert_int_equal(format_frames_for_seconds(48000, 0.7), 33600);
	assert_int_equal(format_frames_for_seconds(22050, 1.1), 24255);
	/* Every duration the TUI can reach (0.5 s steps) at common rates is exact. */
	static const int rates[] = { 8000, 16000, 22050, 44100, 48000, 96000, 192000 };
	for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		for (int half = 1; half <= 600; half++) {
			double seconds = half * 0.5;
			size_t want = (size_t)rates[r] * (size_t)half / 2;
			if ((size_t)rates[r] * (size_t)half % 2)
				want++; /* .5 frames round away from zero */
			assert_int_equal(format_frames_for_seconds(rates[r], seconds), want);
		}
	}
}

/* Documents why the rule changed: the Python tool dropped up to a chunk. */
static void test_frames_vs_python_rule(void **state)
{
	(void)state;
	size_t original = python_frames(48000, 1024, 5.0);
	assert_int_equal(original, 234 * 1024);
	assert_int_equal(original, 239616);
	size_t ours = format_frames_for_seconds(48000, 5.0);
	assert_int_equal(ours, 240000);
	assert_int_equal(ours - original, 384); /* 8 ms of audio lost per page */
	/* The original never gives more than ours, and loses less than one chunk. */
	static const int chunks[] = { 16, 256, 1000, 1024, 4096, 16384 };
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		size_t py = python_frames(44100, chunks[c], 3.0);
		size_t ok = format_frames_for_seconds(44100, 3.0);
		assert_int_equal(ok, 132300);
		assert_true(py <= ok);
		assert_true(ok - py < (size_t)chunks[c]);
	}
}

static void test_frames_round_half_away(void **state)
{
	(void)state;
	assert_int_equal(format_frames_for_seconds(8001, 0.5), 4001); /* 4000.5 */
	assert_int_equal(format_frames_for_seconds(3, 0.5), 2);       /* 1.5 */
	assert_int_equal(format_frames_for_seconds(5, 0.5), 3);       /* 2.5: not banker's 2 */
	assert_int_equal(format_frames_for_seconds(1, 0.5), 1);       /* 0.5 */
	assert_int_equal(format_frames_for_seconds(1, 0.49), 0);
	assert_int_equal(format_frames_for_seconds(10, 0.26), 3);     /* 2.6 */
	assert_int_equal(format_frames_for_seconds(10, 0.24), 2);     /* 2.4 */
}

static void test_frames_nonpositive(void **state)
{
	(void)state;
	assert_int_equal(format_frames_for_seconds(48000, 0.0), 0);
	assert_int_equal(format_frames_for_seconds(48000, -0.0), 0);
	assert_int_equal(format_frames_for_seconds(48000, -1.0), 0);
	assert_int_equal(format_frames_for_seconds(48000, -300.0), 0);
	assert_int_equal(format_frames_for_seconds(48000, NAN), 0);
	assert_int_equal(format_frames_for_seconds(0, 5.0), 0);
	assert_int_equal(format_frames_for_seconds(-48000, 5.0), 0);
}

static void test_seconds(void **state)
{
	(void)state;
	assert_true(format_seconds(240000, 48000) == 5.0);
	assert_true(format_seconds(22050, 44100) == 0.5);
	assert_true(format_seconds(0, 48000) == 0.0);
	assert_true(fabs(format_seconds(119070, 44100) - 2.7) < 1e-12);
	assert_true(format_seconds(1000, 0) == 0.0);
	assert_true(format_seconds(1000, -1) == 0.0);
	/* frames -> seconds -> frames is the identity for the rule. */
	for (size_t f = 0; f < 100000; f += 337)
		assert_int_equal(format_frames_for_seconds(44100, format_seconds(f, 44100)), f);
}

static void test_bytes(void **state)
{
	(void)state;
	struct audio_format mono = { 48000, 1 }, stereo = { 44100, 2 }, six = { 48000, 6 };
	assert_int_equal(format_bytes(&mono, 240000), 480000);
	assert_int_equal(format_bytes(&stereo, 22050), 88200);
	assert_int_equal(format_bytes(&six, 10), 120);
	assert_int_equal(format_bytes(&mono, 0), 0);
	/* The largest page: 300 s of 192 kHz x 8 channels, no overflow on 64-bit size_t. */
	struct audio_format max = { RATE_MAX, CHANNELS_MAX };
	size_t frames = format_frames_for_seconds(RATE_MAX, DURATION_MAX_S);
	assert_true(format_bytes(&max, frames) == (size_t)RATE_MAX * 300u * CHANNELS_MAX * 2u);
}

static void test_describe(void **state)
{
	(void)state;
	char buf[64];
	struct audio_format f = { 48000, 1 };
	format_describe(&f, buf, sizeof buf);
	assert_string_equal(buf, "48000 Hz mono 16-bit");
	f = (struct audio_format){ 44100, 2 };
	format_describe(&f, buf, sizeof buf);
	assert_string_equal(buf, "44100 Hz stereo 16-bit");
	f = (struct audio_format){ 48000, 6 };
	format_describe(&f, buf, sizeof buf);
	assert_string_equal(buf, "48000 Hz 6 ch 16-bit");
	f = (struct audio_format){ 192000, 8 };
	format_describe(&f, buf, sizeof buf);
	assert_string_equal(buf, "192000 Hz 8 ch 16-bit");
	/* A short buffer is truncated and terminated, never overrun. */
	char small[8];
	memset(small, 'x', sizeof small);
	f = (struct audio_format){ 48000, 1 };
	format_describe(&f, small, sizeof small);
	assert_string_equal(small, "48000 H");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_exact_defaults),
		cmocka_unit_test(test_frames_float_edge),
		cmocka_unit_test(test_frames_vs_python_rule),
		cmocka_unit_test(test_frames_round_half_away),
		cmocka_unit_test(test_frames_nonpositive),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the chime: put before a page exactly, the shipped one loaded at any format, bad files refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/chime.h"
#include "intercom/audio/meter.h"
#include "intercom/audio/wav.h"
#include "intercom/common/defaults.h"
#include "scratch.h"

static void test_prepend(void **state)
{
	(void)state;
	int16_t chime_samples[] = { 1, -1, 2, -2, 3, -3 };
	struct chime ch = { .samples = chime_samples, .frames = 3, .channels = 2 };
	int16_t page[] = { 10, -10, 20, -20 };
	size_t frames = 0;
	int16_t *out = chime_prepend(&ch, page, 2, &frames);
	assert_non_null(out);
	assert_int_equal(frames, 5);
	int16_t want[] = { 1, -1, 2, -2, 3, -3, 10, -10, 20, -20 };
	assert_memory_equal(out, want, sizeof want);
	free(out);
	/* No chime: the page alone (a copy); an empty page: the chime alone. */
	struct chime none = { .channels = 2 };
	out = chime_prepend(&none, page, 2, &frames);
	assert_non_null(out);
	assert_int_equal(frames, 2);
	assert_memory_equal(out, page, sizeof page);
	free(out);
	out = chime_prepend(&ch, NULL, 0, &frames);
	assert_non_null(out);
	assert_int_equal(frames, 3);
	assert_memory_equal(out, chime_samples, sizeof chime_samples);
	free(out);
	/* A length whose bytes overflow is refused, not wrapped. */
	assert_null(chime_prepend(&ch, page, SIZE_MAX / 2, &frames));
}

static void test_shipped(void **state)
{
	(void)state;
	char err[512];
	struct chime ch = { 0 };
	/* The shipped chime, at the page's format: 0.75 s, not silent, not clipped. */
	assert_int_equal(chime_load(&ch, NULL, 48000, 1, err, sizeof err), 0);
	assert_int_equal(ch.frames, 36000);
	assert_int_equal(ch.channels, 1);
	struct level l = meter_measure_s16(ch.samples, ch.frames);
	assert_true(meter_dbfs(l.peak) > -12 && meter_dbfs(l.peak) < -3);
	chime_free(&ch);
	assert_null(ch.samples);
	/* Resampled and upmixed for a 16 kHz stereo console: 0.75 s still. */
	assert_int_equal(chime_load(&ch, "", 16000, 2, err, sizeof err), 0);
	assert_int_equal(ch.frames, 12000);
	assert_int_equal(ch.channels, 2);
	chime_free(&ch);
}

static void test_files(void **state)
{
	char path[PATH_MAX];
	char err[512];
	struct chime ch = { 0 };
	int16_t tone[800];
	for (size_t i = 0; i < 800; i++)
		tone[i] = (int16_t)(i % 2 ? 1000 : -1000);
	uint8_t *wav;
	size_t len;
	assert_int_equal(wav_encode_s16(tone, 800, 8000, 1, &wav, &len), 0);
	scratch_path(path, sizeof path, state, "ding.wav");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(wav, 1, len, f), len);
	fclose(f);
	free(wav);
	assert_int_equal(chime_load(&ch, path, 8000, 1, err, sizeof err), 0);
	assert_int_equal(ch.frames, 800);
	assert_memory_equal(ch.samples, tone, sizeof tone);
	/* A second load replaces the first; a failed one leaves it. */
	char missing[PATH_MAX];
	scratch_path(missing, sizeof missing, state, "missing.wav");
	assert_int_equal(chime_load(&ch, missing, 8000, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "missing.wav"));
	assert_int_equal(ch.frames, 800);
	/* Longer than CHIME_MAX_S: refused. */
	size_t n = (size_t)8000 * (CHIME_MAX_S + 1);
	int16_t *longer = calloc(n, sizeof *longer);
	assert_non_null(longer);
	assert_int_equal(wav_encode_s16(longer, n, 8000, 1, &wav, &len), 0);
	free(longer);
	scratch_path(path, sizeof path, state, "song.wav");
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(wav, 1, len, f), len);
	fclose(f);
	free(wav);
	assert_int_equal(chime_load(&ch, path, 8000, 1, err, sizeof err), -1);
	assert_int_equal(ch.frames, 800);
	chime_free(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepend),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test_setup_teardown(test_files, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

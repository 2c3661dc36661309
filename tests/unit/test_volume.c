/* Unit tests of the volume: dB steps and limits, the Q24 gain, rounding, saturation, the state file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intercom/audio/volume.h"

static void test_steps_and_limits(void **state)
{
	(void)state;
	assert_int_equal(volume_step_db(0, +1), 1);
	assert_int_equal(volume_step_db(0, -1), -1);
	assert_int_equal(volume_step_db(VOLUME_MAX_DB, +1), VOLUME_MAX_DB);
	assert_int_equal(volume_step_db(VOLUME_MIN_DB, -1), VOLUME_MIN_DB);
	assert_int_equal(volume_clamp_db(-1000), VOLUME_MIN_DB);
	assert_int_equal(volume_clamp_db(1000), VOLUME_MAX_DB);
	char text[16];
	volume_describe(text, sizeof text, 0);
	assert_string_equal(text, "0 dB");
	volume_describe(text, sizeof text, -6);
	assert_string_equal(text, "-6 dB");
	volume_describe(text, sizeof text, 3);
	assert_string_equal(text, "+3 dB");
}

static void test_gain_values(void **state)
{
	(void)state;
	assert_int_equal(volume_gain_q24(0), VOLUME_UNITY_Q24);
	assert_int_equal(volume_gain_q24(-6), 8408526);   /* 0.501187 */
	assert_int_equal(volume_gain_q24(-20), 1677722);  /* 0.1 */
	assert_int_equal(volume_gain_q24(6), 33474947);   /* 1.995262 */
	assert_int_equal(volume_gain_q24(-100), volume_gain_q24(VOLUME_MIN_DB));
}

static void test_unity_is_exact(void **state)
{
	(void)state;
	int16_t in[65536], out[65536];
	for (int i = 0; i < 65536; i++)
		in[i] = (int16_t)(i - 32768);
	volume_apply_s16(out, in, 65536, VOLUME_UNITY_Q24);
	assert_memory_equal(in, out, sizeof in);
	/* In place too. */
	volume_apply_s16(in, in, 65536, VOLUME_UNITY_Q24);
	assert_memory_equal(in, out, sizeof in);
}

static void test_minus_6_db_within_rounding(void **state)
{
	(void)state;
	int16_t in[65536], out[65536];
	for (int i = 0; i < 65536; i++)
		in[i] = (int16_t)(i - 32768);
	volume_apply_s16(out, in, 65536, volume_gain_q24(-6));
	double g = pow(10.0, -6.0 / 20.0);
	for (int i = 0; i < 65536; i++) {
		double want = in[i] * g;
		if (fabs(out[i] - want) > 0.5 + 0.002) /* the gain is exact to 2^-24 */
			fail_msg("sample %d: %d x -6 dB gave %d, want %.3f", i, in[i], out[i], want);
	}
	/* Symmetric: rounding is half away from zero, so -x gives -(x). */
	for (int i = 1; i < 32768; i++)
		assert_int_equal(out[32768 + i], -out[32768 - i]);
	assert_int_equal(out[32768], 0);
}

static void test_gain_saturates(void **state)
{
	(void)state;
	int16_t in[] = { 32767, -32768, 20000, -20000, 100, -100 };
	int16_t out[6];
	volume_apply_s16(out, in, 6, volume_gain_q24(VOLUME_MAX_DB));
	assert_int_equal(out[0], 32767);
	assert_int_equal(out[1], -32768);
	assert_int_equal(out[2], 32767);
	assert_int_equal(out[3], -32768);
	assert_int_equal(out[4], 398);   /* 100 x 3.981 */
	assert_int_equal(out[5], -398);
}

static void test_state_parse(void **state)
{
	(void)state;
	int db = 99;
	assert_int_equal(volume_state_parse("volume_db -6\n", &db), 0);
	assert_int_equal(db, -6);
	assert_int_equal(volume_state_parse("# comment volume_db 5\nvolume_db=3", &db), 0);
	assert_int_equal(db, 3);
	assert_int_equal(volume_state_parse("volume_db 500\n", &db), 0);
	assert_int_equal(db, VOLUME_MAX_DB);
	assert_int_equal(volume_state_parse("volume_db -99999999999999999999\n", &db), -1);
	assert_int_equal(volume_state_parse("volume_db\n", &db), -1);
	assert_int_equal(volume_state_parse("volume_db six\n", &db), -1);
	assert_int_equal(volume_state_parse("volume_db 6 dB\n", &db), -1);
	assert_int_equal(volume_state_parse("loudness 6\n", &db), -1);
	assert_int_equal(volume_state_parse("", &db), -1);
}

static void test_state_file_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_volume.XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	char path[4096];
	volume_state_path(path, sizeof path, "lobby/1 ü");
	char want[4200];
	snprintf(want, sizeof want, "%s/intercom/speaker-lobby_1___.state", dir);
	assert_string_equal(path, want);
	int db = 0;
	assert_int_equal(volume_state_load(path, &db), -1); /* none yet */
	char err[256];
	assert_int_equal(volume_state_save(path, -6, err, sizeof err), 0);
	assert_int_equal(volume_state_load(path, &db), 0);
	assert_int_equal(db, -6);
	assert_int_equal(volume_state_save(path, 4, err, sizeof err), 0);
	assert_int_equal(volume_state_load(path, &db), 0);
	assert_int_equal(db, 4);
	/* Names that would climb out of the directory cannot. */
	volume_state_path(path, sizeof path, "..");
	snprintf(want, sizeof want, "%s/intercom/speaker-_..state", dir);
	assert_string_equal(path, want);
	/* Without XDG_STATE_HOME: ~/.local/state. */
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", dir, 1);
	volume_state_path(path, sizeof path, "s1");
	snprintf(want, sizeof want, "%s/.local/state/intercom/speaker-s1.state", dir);
	assert_string_equal(path, want);
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps_and_limits),
		cmocka_unit_test(test_gain_values),
		cmocka_unit_test(test_unity_is_exact),
		cmocka_unit_test(test_minus_6_db_within_rounding),
		cmocka_unit_test(test_gain_saturates),
		cmocka_unit_test(test_state_parse),
		cmocka_unit_test(test_state_file_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

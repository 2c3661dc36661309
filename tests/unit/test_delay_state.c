/* Unit tests of the speaker's delay trim in its state file, kept beside the volume (volume.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/playout_sched.h"
#include "intercom/audio/volume.h"

static void test_delay_parse(void **state)
{
	(void)state;
	int ms = -1;
	assert_int_equal(volume_state_parse_delay("volume_db -6\ndelay_ms 12\n", &ms), 0);
	assert_int_equal(ms, 12);
	assert_int_equal(volume_state_parse_delay("delay_ms=0", &ms), 0);
	assert_int_equal(ms, 0);
	/* Clamped to 0..5000 ms. */
	assert_int_equal(volume_state_parse_delay("delay_ms 99999\n", &ms), 0);
	assert_int_equal(ms, PLAYOUT_DELAY_MAX_MS);
	assert_int_equal(volume_state_parse_delay("delay_ms -3\n", &ms), 0);
	assert_int_equal(ms, 0);
	/* Absent (a file from before the trim) or not a number. */
	assert_int_equal(volume_state_parse_delay("volume_db -6\n", &ms), -1);
	assert_int_equal(volume_state_parse_delay("delay_ms 12 ms\n", &ms), -1);
	/* The volume's parser skips the delay's line. */
	int db = 0;
	assert_int_equal(volume_state_parse("delay_ms 12\nvolume_db -6\n", &db), 0);
	assert_int_equal(db, -6);
}

/* Saved together; a volume-only save (0 ms) leaves no delay line behind. */
static void test_delay_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_delay_state.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[4200], err[256];
	snprintf(path, sizeof path, "%s/a/speaker-s1.state", dir);
	int db = 0, ms = 0;
	assert_int_equal(volume_state_load_delay(path, &ms), -1);
	assert_int_equal(volume_state_save_all(path, -6, 25, err, sizeof err), 0);
	assert_int_equal(volume_state_load(path, &db), 0);
	assert_int_equal(db, -6);
	assert_int_equal(volume_state_load_delay(path, &ms), 0);
	assert_int_equal(ms, 25);
	assert_int_equal(volume_state_save(path, 3, err, sizeof err), 0);
	assert_int_equal(volume_state_load_delay(path, &ms), -1);
	assert_int_equal(volume_state_load(path, &db), 0);
	assert_int_equal(db, 3);
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_parse),
		cmocka_unit_test(test_delay_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

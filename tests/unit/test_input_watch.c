/*
 * Unit tests of the input watch's schedule: a missing input is tried every
 * INPUT_RETRY_MS while a device is listed, the devices are listed afresh
 * after INPUT_RESCAN_FIRST_MS and then at doubling gaps up to the cap, and
 * with no device to try only the next listing can find one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intercom/console/input_watch.h"

static void test_open_input_waits_for_nothing(void **state)
{
	(void)state;
	struct input_schedule s = { 0 };
	assert_int_equal(input_schedule_wait(&s, 5000), INT32_MAX);
}

static void test_retry_while_a_device_is_listed(void **state)
{
	(void)state;
	struct input_schedule s = { 0 };
	input_schedule_missing(&s, 1000);
	assert_int_equal(input_schedule_wait(&s, 1000), INPUT_RETRY_MS);
	assert_int_equal(input_schedule_wait(&s, 2500), 500);
	assert_int_equal(input_schedule_wait(&s, 3000), 0);
	assert_int_equal(input_schedule_wait(&s, 9000), 0);
	bool first = false;
	assert_false(input_schedule_rescan(&s, 3000, &first));
	input_schedule_failed(&s, 3000, true);
	assert_int_equal(input_schedule_wait(&s, 3000), INPUT_RETRY_MS);
}

static void test_rescans_back_off_to_the_cap(void **state)
{
	(void)state;
	struct input_schedule s = { 0 };
	uint64_t now = 0;
	input_schedule_missing(&s, now);
	bool first = false;
	assert_false(input_schedule_rescan(&s, INPUT_RESCAN_FIRST_MS - 1, &first));
	/* Listed afresh at 6 s (said: the first), then 12, 24, 48, 60, 60 s apart. */
	now = INPUT_RESCAN_FIRST_MS;
	assert_true(input_schedule_rescan(&s, now, &first));
	assert_true(first);
	int gaps[] = { 12000, 24000, 48000, 60000, 60000 };
	for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
		assert_int_equal(s.rescan_due_ms - now, gaps[i]);
		assert_false(input_schedule_rescan(&s, s.rescan_due_ms - 1, &first));
		now = s.rescan_due_ms;
		assert_true(input_schedule_rescan(&s, now, &first));
		assert_false(first);
	}
	/* Lost again later: the backoff starts over. */
	input_schedule_missing(&s, now);
	assert_true(input_schedule_rescan(&s, now + INPUT_RESCAN_FIRST_MS, &first));
	assert_true(first);
}

static void test_no_device_waits_for_the_listing(void **state)
{
	(void)state;
	struct input_schedule s = { 0 };
	input_schedule_missing(&s, 0);
	input_schedule_failed(&s, INPUT_RETRY_MS, false);
	assert_int_equal(input_schedule_wait(&s, INPUT_RETRY_MS), INPUT_RESCAN_FIRST_MS - INPUT_RETRY_MS);
	bool first = false;
	assert_true(input_schedule_rescan(&s, INPUT_RESCAN_FIRST_MS, &first));
	input_schedule_failed(&s, INPUT_RESCAN_FIRST_MS, false);
	assert_int_equal(input_schedule_wait(&s, INPUT_RESCAN_FIRST_MS), 2 * INPUT_RESCAN_FIRST_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_input_waits_for_nothing),
		cmocka_unit_test(test_retry_while_a_device_is_listed),
		cmocka_unit_test(test_rescans_back_off_to_the_cap),
		cmocka_unit_test(test_no_device_waits_for_the_listing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of which connection waiting for HELLO makes room for a newer one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intercom/net/admission.h"

static void test_same_host(void **state)
{
	(void)state;
	assert_true(admission_same_host("127.0.0.1:4000", "127.0.0.1:5000"));
	assert_false(admission_same_host("127.0.0.1:4000", "127.0.0.10:4000"));
	assert_false(admission_same_host("10.0.0.1:4000", "10.0.0.2:4000"));
	assert_true(admission_same_host("[fe80::1]:4000", "[fe80::1]:4001"));
	assert_false(admission_same_host("[fe80::1]:4000", "[fe80::12]:4000"));
	assert_true(admission_same_host("?", "?"));
}

/* What a flood is counted against: the host without the port, cut to fit. */
static void test_host(void **state)
{
	(void)state;
	char host[16];
	admission_host("10.0.0.9:4000", host, sizeof host);
	assert_string_equal(host, "10.0.0.9");
	admission_host("[fe80::1]:4000", host, sizeof host);
	assert_string_equal(host, "[fe80::1]");
	admission_host("?", host, sizeof host);
	assert_string_equal(host, "?");
	admission_host("[2001:db8:1:2:3:4:5:6]:4000", host, sizeof host);
	assert_string_equal(host, "[2001:db8:1:2:3");
}

/* One address, as on loopback or behind one NAT: the oldest goes. */
static void test_one_host_loses_its_oldest(void **state)
{
	(void)state;
	const char *waiting[] = { "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3" };
	assert_int_equal(admission_victim(waiting, 3, "127.0.0.1:4"), 0);
	assert_int_equal(admission_victim(waiting, 1, "127.0.0.1:4"), 0);
}

/* A speaker at its own address is never closed for a flood from another. */
static void test_the_busiest_host_pays(void **state)
{
	(void)state;
	const char *speaker_first[] = { "10.0.0.5:1", "10.6.6.6:1", "10.6.6.6:2", "10.6.6.6:3" };
	assert_int_equal(admission_victim(speaker_first, 4, "10.6.6.6:4"), 1);
	/* Its own newcomer tips it: 2 of 10.0.0.5 (with the arriving one) against 1. */
	const char *two[] = { "10.6.6.6:1", "10.0.0.5:1" };
	assert_int_equal(admission_victim(two, 2, "10.0.0.5:2"), 1);
	/* The flood arriving from a new address still costs the flooder, not the speaker. */
	assert_int_equal(admission_victim(speaker_first, 4, "10.7.7.7:1"), 1);
	const char *mixed[] = { "10.0.0.5:1", "10.6.6.6:1", "10.0.0.7:1", "10.6.6.6:2" };
	assert_int_equal(admission_victim(mixed, 4, "10.0.0.8:1"), 1);
}

/* Every host holding as many places: the oldest connection of all goes. */
static void test_ties_close_the_oldest(void **state)
{
	(void)state;
	const char *each_one[] = { "10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1" };
	assert_int_equal(admission_victim(each_one, 3, "10.0.0.4:1"), 0);
	const char *each_two[] = { "10.0.0.2:1", "10.0.0.1:1", "10.0.0.1:2", "10.0.0.2:2" };
	assert_int_equal(admission_victim(each_two, 4, "10.0.0.3:1"), 0);
	assert_int_equal(admission_victim(each_two, 4, "10.0.0.1:3"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_host),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_one_host_loses_its_oldest),
		cmocka_unit_test(test_the_busiest_host_pays),
		cmocka_unit_test(test_ties_close_the_oldest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

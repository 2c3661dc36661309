/*
 * Unit tests of src/common/ratelimit.c: a budget per cause and key in a
 * window, the summary when it closes, the total budget, the bounded table
 * (keys beyond it share a slot per cause), and windows that start afresh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "intercom/common/ratelimit.h"

enum { JOINED, LEFT, CLOSED };

/* The summaries received, as text: "cause key said held window_ms". */
static char got[64][96];
static size_t got_count;

static void record_cb(const struct ratelimit_summary *s, void *ctx)
{
	assert_ptr_equal(ctx, got);
	assert_true(got_count < 64);
	snprintf(got[got_count++], sizeof got[0], "%u %s %lu %lu %llu", s->cause,
	         s->key ? s->key : "(others)", s->said, s->held, (unsigned long long)s->window_ms);
}

static int setup(void **state)
{
	(void)state;
	got_count = 0;
	return 0;
}

static void init(struct ratelimit *rl, unsigned budget, unsigned total)
{
	ratelimit_init(rl, budget, total, 10000, record_cb, got);
}

static void test_budget_then_summary(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 3, 100);
	uint64_t t = 1000;
	for (int i = 0; i < 3; i++)
		assert_true(ratelimit_allow(&rl, CLOSED, "10.0.0.9", t + (uint64_t)i));
	for (int i = 0; i < 4012; i++)
		assert_false(ratelimit_allow(&rl, CLOSED, "10.0.0.9", t + 5 + (uint64_t)i % 9000));
	assert_int_equal(ratelimit_tick(&rl, t + 9000), 1000); /* the window closes at t + 10 s */
	assert_int_equal(got_count, 0);
	assert_int_equal(ratelimit_tick(&rl, t + 10000), -1);
	assert_int_equal(got_count, 1);
	assert_string_equal(got[0], "2 10.0.0.9 3 4012 10000");
	/* A new window: said again, up to the budget. */
	assert_true(ratelimit_allow(&rl, CLOSED, "10.0.0.9", t + 10001));
	assert_int_equal(ratelimit_tick(&rl, t + 10001), 10000);
}

static void test_nothing_held_nothing_said(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 3, 100);
	assert_int_equal(ratelimit_tick(&rl, 5), -1);
	assert_true(ratelimit_allow(&rl, JOINED, "10.0.0.1", 5));
	assert_true(ratelimit_allow(&rl, JOINED, "10.0.0.1", 6));
	ratelimit_tick(&rl, 20000);
	ratelimit_flush(&rl, 30000);
	assert_int_equal(got_count, 0);
}

/* Causes and keys have budgets of their own; the port is the caller's to leave out. */
static void test_per_cause_and_key(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 1, 100);
	assert_true(ratelimit_allow(&rl, CLOSED, "10.0.0.9", 0));
	assert_false(ratelimit_allow(&rl, CLOSED, "10.0.0.9", 1));
	assert_true(ratelimit_allow(&rl, LEFT, "10.0.0.9", 2));
	assert_true(ratelimit_allow(&rl, CLOSED, "10.0.0.5", 3));
	assert_false(ratelimit_allow(&rl, LEFT, "10.0.0.9", 4));
	ratelimit_tick(&rl, 10004);
	assert_int_equal(got_count, 2);
	assert_string_equal(got[0], "2 10.0.0.9 1 1 10000");
	assert_string_equal(got[1], "1 10.0.0.9 1 1 10000");
}

/* Windows run from each key's first event: a later key's closes later. */
static void test_windows_are_per_key(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 1, 100);
	ratelimit_allow(&rl, CLOSED, "a", 0);
	ratelimit_allow(&rl, CLOSED, "a", 1);
	ratelimit_allow(&rl, CLOSED, "b", 4000);
	ratelimit_allow(&rl, CLOSED, "b", 4001);
	assert_int_equal(ratelimit_tick(&rl, 10000), 4000);
	assert_int_equal(got_count, 1);
	assert_string_equal(got[0], "2 a 1 1 10000");
	/* An event after a window closed, with no tick between, still gets its summary first. */
	assert_true(ratelimit_allow(&rl, CLOSED, "b", 14000));
	assert_int_equal(got_count, 2);
	assert_string_equal(got[1], "2 b 1 1 10000");
}

/* A flood from more addresses than the table holds: bounded, the rest shared and summarised. */
static void test_many_keys_share_a_slot(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 2, 1000000);
	unsigned long said = 0;
	char key[32];
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 1000; i++) {
			snprintf(key, sizeof key, "10.1.%d.%d", i / 256, i % 256);
			said += ratelimit_allow(&rl, CLOSED, key, (uint64_t)round);
		}
	/* Each of the first RATELIMIT_SLOTS keys its budget, the others 2 between them. */
	assert_int_equal(said, RATELIMIT_SLOTS * 2 + 2);
	ratelimit_tick(&rl, 10000);
	assert_int_equal(got_count, RATELIMIT_SLOTS + 1);
	assert_string_equal(got[0], "2 10.1.0.0 2 1 10000");
	char want[96];
	snprintf(want, sizeof want, "2 (others) 2 %d 10000", 3 * (1000 - RATELIMIT_SLOTS) - 2);
	assert_string_equal(got[RATELIMIT_SLOTS], want);
	/* Another cause from yet another key has its own shared slot. */
	for (int i = 0; i < RATELIMIT_SLOTS; i++) {
		snprintf(key, sizeof key, "10.2.0.%d", i);
		ratelimit_allow(&rl, CLOSED, key, 20000);
	}
	assert_true(ratelimit_allow(&rl, LEFT, "10.3.0.1", 20000));
	assert_true(ratelimit_allow(&rl, LEFT, "10.3.0.2", 20000));
	assert_false(ratelimit_allow(&rl, LEFT, "10.3.0.3", 20000));
}

/* Many keys each within their own budget still stop at the total. */
static void test_total_budget(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 5, 10);
	char key[32];
	unsigned said = 0;
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof key, "10.0.0.%d", i);
		said += ratelimit_allow(&rl, CLOSED, key, (uint64_t)i);
	}
	assert_int_equal(said, 10);
	ratelimit_tick(&rl, 10019);
	assert_int_equal(got_count, 10); /* each key held once */
	assert_string_equal(got[0], "2 10.0.0.10 0 1 10000");
	/* The total's window has closed too. */
	assert_true(ratelimit_allow(&rl, CLOSED, "10.0.0.30", 10020));
}

/* A join is held while the address's leaves are over budget, and summarised. */
static void test_spent_and_hold(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 2, 100);
	assert_false(ratelimit_spent(&rl, LEFT, "10.0.0.9", 0));
	ratelimit_allow(&rl, LEFT, "10.0.0.9", 0);
	assert_false(ratelimit_spent(&rl, LEFT, "10.0.0.9", 1));
	ratelimit_allow(&rl, LEFT, "10.0.0.9", 1);
	assert_true(ratelimit_spent(&rl, LEFT, "10.0.0.9", 2));
	assert_false(ratelimit_spent(&rl, LEFT, "10.0.0.5", 2));
	assert_false(ratelimit_spent(&rl, JOINED, "10.0.0.9", 2));
	ratelimit_hold(&rl, JOINED, "10.0.0.9", 2);
	ratelimit_hold(&rl, JOINED, "10.0.0.9", 3);
	assert_false(ratelimit_spent(&rl, LEFT, "10.0.0.9", 10000)); /* its window is over */
	ratelimit_tick(&rl, 10002);
	assert_int_equal(got_count, 1);
	assert_string_equal(got[0], "0 10.0.0.9 0 2 10000");
}

/* At the end, windows still open are summarised with the time they ran. */
static void test_flush(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 1, 100);
	ratelimit_allow(&rl, CLOSED, "10.0.0.9", 100);
	ratelimit_allow(&rl, CLOSED, "10.0.0.9", 200);
	ratelimit_allow(&rl, LEFT, "10.0.0.9", 300);
	ratelimit_flush(&rl, 3300);
	assert_int_equal(got_count, 1);
	assert_string_equal(got[0], "2 10.0.0.9 1 1 3200");
	assert_int_equal(ratelimit_tick(&rl, 3300), -1);
	assert_true(ratelimit_allow(&rl, CLOSED, "10.0.0.9", 3400));
}

/* A key too long is cut (on a character boundary) and still matches itself. */
static void test_long_key(void **state)
{
	(void)state;
	struct ratelimit rl;
	init(&rl, 1, 100);
	char key[200];
	memset(key, 'x', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	assert_true(ratelimit_allow(&rl, CLOSED, key, 0));
	assert_false(ratelimit_allow(&rl, CLOSED, key, 1));
	ratelimit_tick(&rl, 10000);
	assert_int_equal(got_count, 1);
	assert_int_equal(strlen(got[0]), strlen("2  1 1 10000") + RATELIMIT_KEY_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_budget_then_summary, setup),
		cmocka_unit_test_setup(test_nothing_held_nothing_said, setup),
		cmocka_unit_test_setup(test_per_cause_and_key, setup),
		cmocka_unit_test_setup(test_windows_are_per_key, setup),
		cmocka_unit_test_setup(test_many_keys_share_a_slot, setup),
		cmocka_unit_test_setup(test_total_budget, setup),
		cmocka_unit_test_setup(test_spent_and_hold, setup),
		cmocka_unit_test_setup(test_flush, setup),
		cmocka_unit_test_setup(test_long_key, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of the play-at arithmetic: which links play at a time, the time
 * a page takes on one link (bytes at its throughput, measured or assumed,
 * the queue before it, round trip, uncertainty), the slowest of them plus the
 * margin, the bound past which a page plays on arrival, and the throughput
 * measured from one transfer and smoothed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intercom/common/defaults.h"
#include "intercom/console/playat.h"
#include "intercom/net/proto.h"

/* A locked link of a speaker that plays at a time, at rate_bps (0: not measured). */
static struct playat_link locked(uint64_t rate_bps)
{
	return (struct playat_link){ .play_at = true, .sync_state = SYNC_LOCKED,
	                              .uncertainty_us = 300, .rtt_us = 400, .rate_bps = rate_bps };
}

/* Only a speaker with the capability, locked, and a bounded uncertainty plays at a time. */
static void test_timed_links(void **state)
{
	(void)state;
	struct playat_link l = locked(0);
	assert_true(playat_link_timed(&l));
	l.play_at = false;
	assert_false(playat_link_timed(&l));
	l = locked(0);
	l.sync_state = SYNC_SETTLING;
	assert_false(playat_link_timed(&l));
	l.sync_state = SYNC_NONE;
	assert_false(playat_link_timed(&l));
	l = locked(0);
	l.uncertainty_us = PLAYAT_MAX_UNCERTAINTY_US;
	assert_true(playat_link_timed(&l));
	l.uncertainty_us = PLAYAT_MAX_UNCERTAINTY_US + 1;
	assert_false(playat_link_timed(&l));
}

/* Bytes at the throughput, the queue before the page, the round trip and the uncertainty. */
static void test_link_time(void **state)
{
	(void)state;
	/* 480044 bytes (5 s, 48 kHz mono) at 100 Mbit/s: 38404 µs (rounded up), + 400 + 300. */
	struct playat_link l = locked(100000000);
	assert_int_equal(playat_link_us(&l, 480044), 38404 + 400 + 300);
	/* Not measured: 20 Mbit/s, five times as long. */
	l.rate_bps = 0;
	assert_int_equal(playat_link_us(&l, 480044), 192018 + 700);
	/* A page already waiting on the link goes first. */
	l.rate_bps = 8000000; /* 1 byte/µs */
	l.queued_bytes = 100000;
	assert_int_equal(playat_link_us(&l, 50000), 150000 + 700);
	/* A 57.6 MB page over a slow link does not overflow. */
	l = locked(1000);
	assert_int_equal(playat_link_us(&l, 57600000), 460800000000ull + 700);
}

/* The slowest timed link plus the margin; the others play on arrival and do not count. */
static void test_plan_slowest(void **state)
{
	(void)state;
	struct playat_link links[4] = { locked(100000000), locked(50000000), locked(100000000) };
	links[3] = (struct playat_link){ .rate_bps = 1000 }; /* legacy: slow, but not waited for */
	struct playat_plan plan;
	playat_plan(&plan, links, 4, 480044, 0, 0);
	assert_int_equal(plan.why, PLAYAT_TIMED);
	assert_int_equal(plan.timed, 3);
	assert_int_equal(plan.on_arrival, 1);
	assert_int_equal(plan.lead_us, 76808 + 700 + PLAYAT_MARGIN_MS * 1000u);
	/* 10 speakers on a 1 Gbit LAN, each link measured at its tenth: ~289 ms (docs/PROTOCOL.md). */
	struct playat_link lan[10];
	for (int i = 0; i < 10; i++)
		lan[i] = locked(100000000);
	playat_plan(&plan, lan, 10, 480044, 0, 0);
	assert_int_equal(plan.lead_us, 38404 + 700 + PLAYAT_MARGIN_MS * 1000u);
}

/*
 * Every copy crosses the console's own link: 100 speakers whose links were
 * measured at 100 Mbit/s (a fan-out to 10) still wait for 48 MB through 1 Gbit/s.
 */
static void test_plan_shared_uplink(void **state)
{
	(void)state;
	static struct playat_link hall[100];
	for (int i = 0; i < 100; i++)
		hall[i] = locked(100000000);
	struct playat_plan plan;
	playat_plan(&plan, hall, 100, 480044, 0, 0);
	assert_int_equal(plan.why, PLAYAT_TIMED);
	assert_int_equal(plan.uplink_us, 384036); /* 48004400 bytes at 1 Gbit/s, rounded up */
	assert_int_equal(plan.lead_us, 384036 + PLAYAT_MARGIN_MS * 1000u);
	/* Measured at 100 Mbit/s, the console's link makes it 3.8 s: past the bound, on arrival. */
	playat_plan(&plan, hall, 100, 480044, 100000000, 0);
	assert_int_equal(plan.why, PLAYAT_TOO_LONG);
	assert_int_equal(plan.uplink_us, 3840352);
	/* Legacy speakers' copies cross it too, though nobody waits for them. */
	hall[0] = (struct playat_link){ .queued_bytes = 1000000 };
	playat_plan(&plan, hall, 2, 0, 8000000, 0);
	assert_int_equal(plan.uplink_us, 1000000);
}

/* No clock anywhere: on arrival, with a zero lead. */
static void test_plan_no_clock(void **state)
{
	(void)state;
	struct playat_link links[2] = { locked(0), { .rate_bps = 0 } };
	links[0].sync_state = SYNC_SETTLING;
	struct playat_plan plan;
	playat_plan(&plan, links, 2, 480044, 0, 0);
	assert_int_equal(plan.why, PLAYAT_NO_CLOCK);
	assert_int_equal(plan.lead_us, 0);
	assert_int_equal(plan.timed, 0);
	assert_int_equal(plan.on_arrival, 2);
	playat_plan(&plan, NULL, 0, 480044, 0, 0);
	assert_int_equal(plan.why, PLAYAT_NO_CLOCK);
}

/* Past the bound the page plays on arrival; the lead it would have had is kept for the log. */
static void test_plan_too_long(void **state)
{
	(void)state;
	/* 60 s of 48 kHz mono (5.76 MB) over a link measured at 1 Mbit/s: 46 s. */
	struct playat_link l = locked(1000000);
	struct playat_plan plan;
	playat_plan(&plan, &l, 1, 5760044, 0, 0);
	assert_int_equal(plan.why, PLAYAT_TOO_LONG);
	assert_true(plan.lead_us > 46000000);
	/* Just under the bound is still timed. */
	l = locked(8000000); /* 1 byte/µs */
	l.rtt_us = l.uncertainty_us = 0;
	playat_plan(&plan, &l, 1, (PLAYAT_MAX_LEAD_MS - PLAYAT_MARGIN_MS) * 1000u, 0, 0);
	assert_int_equal(plan.why, PLAYAT_TIMED);
	assert_int_equal(plan.lead_us, PLAYAT_MAX_LEAD_MS * 1000u);
	playat_plan(&plan, &l, 1, (PLAYAT_MAX_LEAD_MS - PLAYAT_MARGIN_MS) * 1000u + 1, 0, 0);
	assert_int_equal(plan.why, PLAYAT_TOO_LONG);
}

/*
 * A page sent while it is archived plays no sooner than its COMMIT reaches
 * each link (archive, round trip, uncertainty); a fast link's bytes are in
 * long before that, a slow link's transfer still rules.
 */
static void test_plan_archive(void **state)
{
	(void)state;
	struct playat_link fast = locked(1000000000), slow = locked(8000000); /* 1 Gbit/s, 1 byte/µs */
	struct playat_plan plan;
	playat_plan(&plan, &fast, 1, 480044, 0, 0);
	uint64_t transfer = plan.lead_us;
	playat_plan(&plan, &fast, 1, 480044, 0, 30000);
	assert_int_equal(plan.lead_us, 30000 + 400 + 300 + PLAYAT_MARGIN_MS * 1000u);
	assert_true(plan.lead_us > transfer);
	playat_plan(&plan, &slow, 1, 480044, 0, 30000);
	assert_int_equal(plan.lead_us, 480044 + 400 + 300 + PLAYAT_MARGIN_MS * 1000u);
	/* The slowest link's commit sets it for all. */
	struct playat_link two[2] = { fast, fast };
	two[1].rtt_us = 9000;
	playat_plan(&plan, two, 2, 480044, 0, 30000);
	assert_int_equal(plan.lead_us, 30000 + 9000 + 300 + PLAYAT_MARGIN_MS * 1000u);
}

/*
 * A speaker whose output is open (READY) needs only the lead it said once it
 * holds the page; a cold one the whole margin. The slowest of them rules.
 */
static void test_plan_start_lead(void **state)
{
	(void)state;
	struct playat_link two[2] = { locked(1000000000), locked(1000000000) };
	two[0].start_lead_us = two[1].start_lead_us = 95000;
	struct playat_plan plan;
	playat_plan(&plan, two, 2, 480044, 0, 0);
	uint64_t bytes = playat_link_us(&two[0], 480044);
	uint64_t uplink = (2 * 480044ull * 8 * 1000000 + PLAYAT_DEFAULT_UPLINK_BPS - 1) / PLAYAT_DEFAULT_UPLINK_BPS;
	assert_int_equal(plan.lead_us, (bytes > uplink ? bytes : uplink) + 95000);
	assert_int_equal(plan.why, PLAYAT_TIMED);
	/* One cold speaker: it sets the lead for both. */
	two[1].start_lead_us = 0;
	playat_plan(&plan, two, 2, 480044, 0, 0);
	assert_int_equal(plan.lead_us, (bytes > uplink ? bytes : uplink) + PLAYAT_MARGIN_MS * 1000u);
	/* A warm speaker on a slow link can still be the last. */
	two[0] = locked(8000000);
	two[0].start_lead_us = 95000;
	playat_plan(&plan, two, 2, 480044, 0, 0);
	assert_int_equal(plan.lead_us, playat_link_us(&two[0], 480044) + 95000);
}

/* A slower archive is believed at once, a faster one a quarter of the way. */
static void test_archive_smooth(void **state)
{
	(void)state;
	assert_int_equal(playat_archive_smooth(0, 8000), 8000);
	assert_int_equal(playat_archive_smooth(8000, 40000), 40000);
	assert_int_equal(playat_archive_smooth(40000, 8000), 32000);
	assert_int_equal(playat_archive_smooth(32000, 32000), 32000);
}

/* One transfer: bytes over the time less a round trip; small ones say nothing. */
static void test_rate_sample(void **state)
{
	(void)state;
	/* 480044 bytes in 39.4 ms with a 1 ms round trip: 38.4 ms of moving, 100 Mbit/s. */
	assert_int_equal(playat_rate_sample(480044, 39404, 1000), 480044ull * 8 * 1000000 / 38404);
	assert_int_equal(playat_rate_sample(PLAYAT_MEASURE_MIN_BYTES - 1, 1000000, 0), 0);
	/* Faster than a millisecond, or a round trip longer than the whole: as if it took 1 ms. */
	assert_int_equal(playat_rate_sample(1000000, 200, 100), 8000000000ull);
	assert_int_equal(playat_rate_sample(1000000, 5000, 9000), 8000000000ull);
}

/* The first sample is taken whole, the next move it a quarter of the way; 0 changes nothing. */
static void test_rate_smooth(void **state)
{
	(void)state;
	assert_int_equal(playat_rate_smooth(0, 0), 0);
	assert_int_equal(playat_rate_smooth(0, 100000000), 100000000);
	assert_int_equal(playat_rate_smooth(100000000, 0), 100000000);
	assert_int_equal(playat_rate_smooth(100000000, 20000000), 80000000);
	assert_int_equal(playat_rate_smooth(80000000, 160000000), 100000000);
	uint64_t r = 100000000;
	for (int i = 0; i < 40; i++)
		r = playat_rate_smooth(r, 10000000);
	assert_true(r >= 10000000 && r < 10001000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timed_links),
		cmocka_unit_test(test_link_time),
		cmocka_unit_test(test_plan_slowest),
		cmocka_unit_test(test_plan_shared_uplink),
		cmocka_unit_test(test_plan_no_clock),
		cmocka_unit_test(test_plan_too_long),
		cmocka_unit_test(test_plan_archive),
		cmocka_unit_test(test_archive_smooth),
		cmocka_unit_test(test_plan_start_lead),
		cmocka_unit_test(test_rate_sample),
		cmocka_unit_test(test_rate_smooth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

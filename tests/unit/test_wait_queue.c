/*
 * Unit tests of pages that wait for offline speakers (src/console/wait_queue.c)
 * and of the speakers the console knows (src/console/known_speakers.c):
 * bounded in pages and age, expiries told with their cause, a speaker back
 * takes its pages; known speakers by name, offline ones a target names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "intercom/console/known_speakers.h"
#include "intercom/console/page_opts.h"
#include "intercom/console/wait_queue.h"

struct gone {
	int n;
	uint32_t page[16];
	char name[16][NAME_MAX_BYTES + 1];
	enum wait_expiry why[16];
};

static void expired_cb(void *ctx, const struct wait_entry *e, enum wait_expiry why)
{
	struct gone *g = ctx;
	assert_true(g->n < 16);
	g->page[g->n] = e->page_id;
	snprintf(g->name[g->n], sizeof g->name[0], "%s", e->name);
	g->why[g->n++] = why;
}

static void test_waits_and_is_taken(void **state)
{
	(void)state;
	struct wait_queue wq;
	struct gone g = { 0 };
	wait_queue_init(&wq, 4, 10000);
	assert_int_equal(wait_queue_add(&wq, 3, "hall-2", 1000, expired_cb, &g), 0);
	assert_int_equal(wait_queue_add(&wq, 3, "hall-3", 1000, expired_cb, &g), 0);
	assert_int_equal(wait_queue_add(&wq, 3, "hall-2", 1000, expired_cb, &g), 0); /* once */
	assert_int_equal(wait_queue_add(&wq, 4, "hall-2", 2000, expired_cb, &g), 0);
	assert_int_equal(wq.n, 3);
	assert_int_equal(wait_queue_pages(&wq), 2);
	assert_int_equal(wait_queue_speakers(&wq, 3), 2);
	assert_int_equal(wait_queue_speakers(&wq, 4), 1);
	assert_int_equal(wait_queue_speakers(&wq, 0), 2);
	assert_true(wait_queue_has(&wq, 4, "hall-2"));
	assert_false(wait_queue_has(&wq, 4, "hall-3"));
	assert_int_equal(wait_queue_next_expiry(&wq), 11000);
	/* hall-2 is back: both its pages, oldest first; hall-3 still waits. */
	struct wait_entry out[4];
	assert_int_equal(wait_queue_take(&wq, "hall-2", out, 4), 2);
	assert_int_equal(out[0].page_id, 3);
	assert_int_equal(out[1].page_id, 4);
	assert_int_equal(out[1].since_ms, 2000);
	assert_int_equal(wq.n, 1);
	assert_true(wait_queue_remove(&wq, 3, "hall-3"));
	assert_false(wait_queue_remove(&wq, 3, "hall-3"));
	assert_int_equal(wq.n, 0);
	assert_int_equal(wait_queue_next_expiry(&wq), 0);
	assert_int_equal(g.n, 0);
	wait_queue_free(&wq);
}

static void test_expires_by_age(void **state)
{
	(void)state;
	struct wait_queue wq;
	struct gone g = { 0 };
	wait_queue_init(&wq, 4, 10000);
	wait_queue_add(&wq, 1, "a", 1000, expired_cb, &g);
	wait_queue_add(&wq, 2, "a", 5000, expired_cb, &g);
	assert_int_equal(wait_queue_expire(&wq, 10999, expired_cb, &g), 0);
	assert_int_equal(wait_queue_expire(&wq, 11000, expired_cb, &g), 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.page[0], 1);
	assert_int_equal(g.why[0], WAIT_EXPIRED_AGE);
	assert_string_equal(g.name[0], "a");
	assert_int_equal(wait_queue_expire(&wq, 20000, expired_cb, &g), 1);
	assert_int_equal(wq.n, 0);
	/* A clock before the entry (never in practice) expires nothing. */
	wait_queue_add(&wq, 3, "a", 50000, expired_cb, &g);
	assert_int_equal(wait_queue_expire(&wq, 40000, expired_cb, &g), 0);
	wait_queue_free(&wq);
}

static void test_bounded_in_pages(void **state)
{
	(void)state;
	struct wait_queue wq;
	struct gone g = { 0 };
	wait_queue_init(&wq, 2, 600000);
	wait_queue_add(&wq, 1, "a", 0, expired_cb, &g);
	wait_queue_add(&wq, 1, "b", 0, expired_cb, &g);
	wait_queue_add(&wq, 2, "a", 1, expired_cb, &g);
	assert_int_equal(g.n, 0);
	/* A third page: the oldest goes, for everyone it waited for. */
	wait_queue_add(&wq, 3, "c", 2, expired_cb, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.page[0], 1);
	assert_int_equal(g.page[1], 1);
	assert_int_equal(g.why[0], WAIT_EXPIRED_PAGES);
	assert_int_equal(wait_queue_pages(&wq), 2);
	assert_false(wait_queue_has(&wq, 1, "b"));
	assert_true(wait_queue_has(&wq, 3, "c"));
	/* Age 0: nothing waits past its first look. */
	struct wait_queue none;
	wait_queue_init(&none, 0, 0);
	assert_int_equal(none.max_pages, 1);
	wait_queue_add(&none, 9, "a", 100, NULL, NULL);
	assert_int_equal(wait_queue_expire(&none, 100, NULL, NULL), 1);
	wait_queue_free(&none);
	wait_queue_free(&wq);
}

static struct station_speaker speaker(uint32_t id, const char *name, const char *zone)
{
	struct station_speaker sp;
	memset(&sp, 0, sizeof sp);
	sp.id = id;
	snprintf(sp.name, sizeof sp.name, "%s", name);
	snprintf(sp.zone, sizeof sp.zone, "%s", zone);
	snprintf(sp.fingerprint, sizeof sp.fingerprint, "ab12 %04u", id);
	return sp;
}

static void test_known_speakers(void **state)
{
	(void)state;
	struct known_speakers ks;
	known_speakers_init(&ks);
	struct station_speaker sp[4] = { speaker(1, "hall-1", "hall"), speaker(2, "hall-2", "hall"),
	                                 speaker(3, "desk", "office"), speaker(4, "10.0.0.4:5000", "") };
	sp[3].legacy = true;
	const struct station_speaker *all[4] = { &sp[0], &sp[1], &sp[2], &sp[3] };
	assert_int_equal(known_speakers_update(&ks, all, 4, 100), 3); /* not the legacy client */
	assert_int_equal(ks.n, 3);
	struct page_target hall;
	char err[128];
	assert_int_equal(page_opts_parse_target("zone hall", &hall, err, sizeof err), 0);
	assert_int_equal(known_speakers_offline(&ks, &hall, NULL, 0), 0);
	/* hall-2 leaves: it is offline, and the zone target names it. */
	const struct station_speaker *left[2] = { &sp[0], &sp[2] };
	assert_int_equal(known_speakers_update(&ks, left, 2, 200), 0);
	const struct known_speaker *off[4];
	assert_int_equal(known_speakers_offline(&ks, &hall, off, 4), 1);
	assert_string_equal(off[0]->name, "hall-2");
	assert_string_equal(off[0]->fingerprint, "ab12 0002");
	assert_int_equal(off[0]->last_seen_ms, 100);
	assert_int_equal(known_speakers_offline(&ks, NULL, NULL, 0), 1); /* all: the same one */
	assert_int_equal(page_opts_parse_target("speaker desk", &hall, err, sizeof err), 0);
	assert_int_equal(known_speakers_offline(&ks, &hall, NULL, 0), 0);
	/* Back under a new id and another zone: the same speaker, its zone as it says now. */
	struct station_speaker again = speaker(9, "hall-2", "lobby");
	const struct station_speaker *back[3] = { &sp[0], &sp[2], &again };
	assert_int_equal(known_speakers_update(&ks, back, 3, 300), 1); /* its zone changed */
	assert_string_equal(known_speakers_find(&ks, "hall-2")->zone, "lobby");
	/* Nothing new the next time: nothing to save. */
	assert_int_equal(known_speakers_update(&ks, back, 3, 400), 0);
	assert_int_equal(known_speakers_find(&ks, "hall-2")->id, 9);
	assert_null(known_speakers_find(&ks, "attic"));
	known_speakers_free(&ks);
}

static void test_known_speakers_bounded(void **state)
{
	(void)state;
	struct known_speakers ks;
	known_speakers_init(&ks);
	struct station_speaker one;
	const struct station_speaker *list[1] = { &one };
	for (unsigned i = 0; i < KNOWN_SPEAKERS_MAX + 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "s%u", i);
		one = speaker(i + 1, name, "");
		known_speakers_update(&ks, list, 1, i);
	}
	assert_int_equal(ks.n, KNOWN_SPEAKERS_MAX);
	/* The ones offline longest were forgotten; the latest is known. */
	assert_null(known_speakers_find(&ks, "s0"));
	assert_null(known_speakers_find(&ks, "s4"));
	assert_non_null(known_speakers_find(&ks, "s5"));
	char last[32];
	snprintf(last, sizeof last, "s%u", KNOWN_SPEAKERS_MAX + 4);
	assert_non_null(known_speakers_find(&ks, last));
	known_speakers_free(&ks);
}

/* The list kept across restarts: written, read back as offline speakers; bad lines counted. */
static void test_known_speakers_saved(void **state)
{
	(void)state;
	struct known_speakers ks;
	known_speakers_init(&ks);
	struct station_speaker sp[3] = { speaker(1, "hall-1", "hall"), speaker(2, "desk", ""),
	                                 speaker(3, "rtp:224.0.2.60:5000", "yard") };
	sp[2].rtp = true;
	sp[2].fingerprint[0] = '\0';
	const struct station_speaker *all[3] = { &sp[0], &sp[1], &sp[2] };
	known_speakers_update(&ks, all, 3, 100);
	char text[512];
	size_t need = known_speakers_format(&ks, text, sizeof text);
	assert_int_equal(need, strlen(text));
	assert_non_null(strstr(text, "\nhall-1\thall\tab12 0001\ndesk\t\tab12 0002\n"));
	assert_null(strstr(text, "rtp:")); /* RTP targets come from the options */
	char small[16];
	assert_int_equal(known_speakers_format(&ks, small, sizeof small), need);

	struct known_speakers back;
	known_speakers_init(&back);
	size_t bad;
	const char *saved = "# comment\nhall-1\thall\tab12 0001\n\ndesk\t\tab12 0002\nbroken line\n"
	                    "a\tb\tc\td\n\tzone\tfp\nlast\tz\t";
	assert_int_equal(known_speakers_parse(&back, saved, strlen(saved), 5000, &bad), 3);
	assert_int_equal(bad, 3);
	assert_string_equal(known_speakers_find(&back, "hall-1")->zone, "hall");
	assert_string_equal(known_speakers_find(&back, "desk")->fingerprint, "ab12 0002");
	assert_int_equal(known_speakers_find(&back, "last")->last_seen_ms, 5000);
	assert_int_equal(known_speakers_find(&back, "last")->id, 0); /* not connected */
	struct page_target hall;
	char err[128];
	assert_int_equal(page_opts_parse_target("zone hall", &hall, err, sizeof err), 0);
	assert_int_equal(known_speakers_offline(&back, &hall, NULL, 0), 1);
	/* Read twice: nothing added the second time. */
	assert_int_equal(known_speakers_parse(&back, saved, strlen(saved), 6000, &bad), 0);
	/* A name that is not printable text is a bad line. */
	const char *ctl = "bad\x01name\tz\tf\n";
	assert_int_equal(known_speakers_parse(&back, ctl, strlen(ctl), 0, &bad), 0);
	assert_int_equal(bad, 1);
	known_speakers_free(&back);
	known_speakers_free(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waits_and_is_taken),
		cmocka_unit_test(test_expires_by_age),
		cmocka_unit_test(test_bounded_in_pages),
		cmocka_unit_test(test_known_speakers),
		cmocka_unit_test(test_known_speakers_bounded),
		cmocka_unit_test(test_known_speakers_saved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of the page history (src/console/page_history.c): outcomes per
 * speaker from reports (also through copies), a late delivery said once,
 * who missed a page, the words of the list, and the ring's bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "intercom/console/page_history.h"
#include "intercom/net/proto.h"

struct said {
	int n;
	char last[256];
};

static void say_cb(const char *line, void *ctx)
{
	struct said *s = ctx;
	s->n++;
	snprintf(s->last, sizeof s->last, "%s", line);
}

static void test_outcomes_and_missed(void **state)
{
	(void)state;
	struct said said = { 0 };
	static struct page_history h;
	page_history_init(&h, say_cb, &said);
	struct history_page *p = page_history_add(&h, 3, 1000, 1700000000000, "captured: 5.00 s", "zone hall");
	page_history_set(p, "hall-1", HISTORY_SENT, false, NULL);
	page_history_set(p, "hall-2", HISTORY_SENT, false, NULL);
	page_history_set(p, "hall-3", HISTORY_WAITING, false, NULL);
	page_history_set(p, "rtp-hall", HISTORY_SENT, true, NULL);
	page_history_report(&h, 3, "hall-1", PAGE_PLAYED, false, "", 2000);
	page_history_report(&h, 3, "hall-2", PAGE_FAILED, false, "no output device", 2000);
	page_history_report(&h, 3, "rtp-hall", PAGE_RECEIVED, true, "", 2000);
	const char *names[8];
	/* hall-2 failed; hall-3 waits (it will get it); the RTP target's "delivered" is all it says. */
	assert_int_equal(page_history_missed(p, names, 8), 1);
	assert_string_equal(names[0], "hall-2");
	char text[256];
	page_history_outcome_text(&p->sp[1], text, sizeof text);
	assert_string_equal(text, "failed: no output device");
	page_history_outcome_text(&p->sp[2], text, sizeof text);
	assert_string_equal(text, "waiting");
	page_history_line(p, "12:00:00", text, sizeof text);
	assert_string_equal(text, "page 3  12:00:00  captured: 5.00 s  to zone hall: played by 2/4, missed by 1, "
	                          "waiting for 1");
	/* A resend (page 5) to the one that missed: its report lands on page 3. */
	page_history_copy(p, 5, false);
	assert_ptr_equal(page_history_find(&h, 5), p);
	page_history_report(&h, 5, "hall-2", PAGE_PLAYED, false, "", 3000);
	assert_int_equal(page_history_missed(p, NULL, 0), 0);
	assert_int_equal(said.n, 0); /* a resend is not late */
	assert_null(page_history_find(&h, 4));
	assert_null(page_history_find(&h, 0));
}

static void test_late_delivery_said_once(void **state)
{
	(void)state;
	struct said said = { 0 };
	static struct page_history h;
	page_history_init(&h, say_cb, &said);
	struct history_page *p = page_history_add(&h, 7, 10000, 0, "loaded from x.wav: 2.00 s", "hall-2");
	page_history_set(p, "hall-2", HISTORY_WAITING, false, NULL);
	page_history_copy(p, 9, true);
	page_history_copy(p, 9, true); /* once */
	assert_int_equal(p->copy_count, 1);
	page_history_report(&h, 9, "hall-2", PAGE_RECEIVING, false, "", 51000);
	assert_int_equal(said.n, 0);
	page_history_report(&h, 9, "hall-2", PAGE_RECEIVED, false, "", 52400);
	assert_int_equal(said.n, 1);
	assert_string_equal(said.last, "page 7 delivered late (42 s) to hall-2");
	page_history_report(&h, 9, "hall-2", PAGE_PLAYING, false, "", 52500);
	page_history_report(&h, 9, "hall-2", PAGE_PLAYED, false, "", 54000);
	assert_int_equal(said.n, 1);
	char text[128];
	page_history_outcome_text(&p->sp[0], text, sizeof text);
	assert_string_equal(text, "played late (42 s)");
	/* Expired waiting is its own outcome, with why. */
	page_history_set(p, "hall-4", HISTORY_WAIT_EXPIRED, false, "waited 600 s for it (--wait-max-age)");
	page_history_outcome_text(&p->sp[1], text, sizeof text);
	assert_string_equal(text, "expired: waited 600 s for it (--wait-max-age)");
	const char *names[2];
	assert_int_equal(page_history_missed(p, names, 2), 1);
	assert_string_equal(names[0], "hall-4");
}

static void test_ring_and_bounds(void **state)
{
	(void)state;
	static struct page_history h;
	page_history_init(&h, NULL, NULL);
	assert_null(page_history_latest(&h));
	for (uint32_t id = 1; id <= HISTORY_PAGES + 3; id++)
		page_history_add(&h, id, id, id, "p", NULL);
	assert_int_equal(h.count, HISTORY_PAGES);
	assert_int_equal(page_history_latest(&h)->id, HISTORY_PAGES + 3);
	assert_int_equal(page_history_at(&h, HISTORY_PAGES - 1)->id, 4);
	assert_null(page_history_at(&h, HISTORY_PAGES));
	assert_null(page_history_find(&h, 3)); /* gone from the ring */
	assert_string_equal(page_history_latest(&h)->target, "all speakers");
	struct history_page *p = page_history_latest(&h);
	for (int i = 0; i < HISTORY_SPEAKERS + 2; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		page_history_set(p, name, HISTORY_SENT, false, NULL);
	}
	assert_int_equal(p->n, HISTORY_SPEAKERS);
	assert_int_equal(p->more, 2);
	for (uint32_t c = 100; c < 100 + HISTORY_COPIES + 1; c++)
		page_history_copy(p, c, false);
	assert_int_equal(p->copy_count, HISTORY_COPIES);
	assert_null(page_history_find(&h, 100)); /* the oldest copy forgotten */
	assert_ptr_equal(page_history_find(&h, 100 + HISTORY_COPIES), p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes_and_missed),
		cmocka_unit_test(test_late_delivery_said_once),
		cmocka_unit_test(test_ring_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

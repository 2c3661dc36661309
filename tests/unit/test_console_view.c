/* Unit tests of the console screen's snapshot text: speaker rows and the page summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "intercom/console/console_view.h"
#include "intercom/net/proto.h"

static struct station_speaker speaker(uint32_t id, const char *name, uint8_t state, uint64_t done,
                                      uint64_t total, const char *reason)
{
	struct station_speaker sp;
	memset(&sp, 0, sizeof sp);
	sp.id = id;
	snprintf(sp.name, sizeof sp.name, "%s", name);
	snprintf(sp.addr, sizeof sp.addr, "10.0.0.%u:40000", id);
	sp.connected_ms = 1000;
	sp.rtt_ms = 3;
	sp.page_id = state ? 7 : 0;
	sp.page_state = state;
	sp.page_done = done;
	sp.page_total = total;
	snprintf(sp.page_reason, sizeof sp.page_reason, "%s", reason);
	return sp;
}

static void test_row_states(void **state)
{
	(void)state;
	struct console_row row;
	struct station_speaker sp = speaker(1, "lobby-1", 0, 0, 0, "");
	console_view_row(&row, &sp, NULL, 1000 + 125000);
	assert_string_equal(row.name, "lobby-1");
	assert_string_equal(row.zone, "-");
	assert_string_equal(row.addr, "10.0.0.1:40000");
	assert_string_equal(row.up, "2m");
	assert_string_equal(row.rtt, "3ms");
	assert_string_equal(row.state, "idle");
	assert_int_equal(row.progress, -1);
	assert_string_equal(row.last, "-");

	sp = speaker(1, "lobby-1", 0, 0, 0, "");
	sp.page_id = 7; /* sent, nothing heard back yet */
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "sending");
	assert_int_equal(row.state_tone, CONSOLE_TONE_ACCENT);

	sp = speaker(1, "lobby-1", PAGE_RECEIVING, 40, 100, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "receiving 40%");
	assert_int_equal(row.progress, 400);

	sp = speaker(1, "lobby-1", PAGE_RECEIVED, 100, 100, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "received");
	assert_int_equal(row.progress, -1);

	sp = speaker(1, "lobby-1", PAGE_PLAYING, 108000, 240000, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "playing 45%");
	assert_int_equal(row.progress, 450);

	sp = speaker(1, "lobby-1", PAGE_PLAYING, 5, 0, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "playing 0%");
	assert_int_equal(row.progress, 0);

	sp = speaker(1, "lobby-1", PAGE_PLAYED, 240000, 240000, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "played");
	assert_int_equal(row.state_tone, CONSOLE_TONE_OK);

	sp = speaker(1, "lobby-2", PAGE_FAILED, 0, 0, "output device unavailable");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "failed: output device unavailable");
	assert_int_equal(row.state_tone, CONSOLE_TONE_BAD);

	sp = speaker(1, "lobby-2", PAGE_FAILED, 0, 0, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "failed: no reason given");

	sp = speaker(1, "lobby-2", PAGE_INTERRUPTED, 0, 0, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "interrupted");
	assert_int_equal(row.state_tone, CONSOLE_TONE_WARN);

	/* The clock going backwards (it cannot, but) shows 0s, not a huge age. */
	sp = speaker(1, "x", 0, 0, 0, "");
	console_view_row(&row, &sp, NULL, 10);
	assert_string_equal(row.up, "0s");
}

static void test_row_last_and_memcmp(void **state)
{
	(void)state;
	struct console_row a, b;
	struct station_speaker sp = speaker(3, "hall", PAGE_PLAYING, 1, 2, "");
	snprintf(sp.zone, sizeof sp.zone, "ground");
	struct console_result last = { .page_id = 6, .state = PAGE_PLAYED };
	console_view_row(&a, &sp, &last, 5000);
	assert_string_equal(a.zone, "ground");
	assert_string_equal(a.last, "#6 played");
	assert_int_equal(a.last_tone, CONSOLE_TONE_OK);
	last = (struct console_result){ .page_id = 5, .state = PAGE_FAILED };
	snprintf(last.reason, sizeof last.reason, "rejected: truncated");
	console_view_row(&a, &sp, &last, 5000);
	assert_string_equal(a.last, "#5 failed: rejected: truncated");
	assert_int_equal(a.last_tone, CONSOLE_TONE_BAD);
	/* Rows are compared whole to decide redraws: equal input, equal bytes. */
	memset(&b, 0xa5, sizeof b);
	console_view_row(&b, &sp, &last, 5000);
	assert_memory_equal(&a, &b, sizeof a);
	/* A change the eye cannot see (rtt 3 -> 3 ms, same second) changes nothing. */
	console_view_row(&b, &sp, &last, 5400);
	assert_memory_equal(&a, &b, sizeof a);
}

static void test_summary(void **state)
{
	(void)state;
	char buf[256];
	struct station_page pg = { 0 };
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg, NULL, 0), CONSOLE_TONE_DIM);
	assert_string_equal(buf, "");

	pg = (struct station_page){ .id = 3, .targets = 0, .summarised = true };
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg, NULL, 0), CONSOLE_TONE_WARN);
	assert_string_equal(buf, "page 3 reached no speaker (none connected)");

	pg = (struct station_page){ .id = 3, .targets = 2, .delivered = 1 };
	console_view_summary(buf, sizeof buf, &pg, NULL, 0);
	assert_string_equal(buf, "page 3 to 2 speakers: delivered 1/2, played 0/2");

	struct station_speaker s1 = speaker(1, "lobby-1", PAGE_PLAYED, 0, 0, "");
	struct station_speaker s2 = speaker(2, "lobby-2", PAGE_FAILED, 0, 0, "output device unavailable");
	struct station_speaker s3 = speaker(3, "old", PAGE_FAILED, 0, 0, "x");
	s1.page_id = s2.page_id = 3;
	s3.page_id = 2; /* failed an earlier page: not part of this summary */
	const struct station_speaker *list[] = { &s1, &s2, &s3 };
	pg = (struct station_page){ .id = 3, .targets = 2, .delivered = 2, .played = 2, .summarised = true };
	s2.page_state = PAGE_PLAYED;
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg, list, 3), CONSOLE_TONE_OK);
	assert_string_equal(buf, "page 3: delivered to 2/2, played by 2/2");

	s2.page_state = PAGE_FAILED;
	pg = (struct station_page){ .id = 3, .targets = 2, .delivered = 2, .played = 1, .failed = 1, .summarised = true };
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg, list, 3), CONSOLE_TONE_BAD);
	assert_string_equal(buf, "page 3: delivered to 2/2, played by 1/2, failed on lobby-2: output device unavailable");

	/* Two more failed on speakers that left: counted, not named. */
	pg = (struct station_page){ .id = 3, .targets = 4, .delivered = 2, .played = 1, .failed = 3, .summarised = true };
	console_view_summary(buf, sizeof buf, &pg, list, 3);
	assert_string_equal(buf, "page 3: delivered to 2/4, played by 1/4, failed on lobby-2: output device unavailable; 2 that left");
	const struct station_speaker *only1[] = { &s1 };
	console_view_summary(buf, sizeof buf, &pg, only1, 1);
	assert_string_equal(buf, "page 3: delivered to 2/4, played by 1/4, failed on 3 that left");

	/* Cut to the buffer, terminated. */
	char small[20];
	console_view_summary(small, sizeof small, &pg, list, 3);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_memory_equal(small, "page 3: delivered t", 19);
}

static void test_legacy(void **state)
{
	(void)state;
	struct console_row row;
	struct station_speaker sp = speaker(4, "10.0.0.4:5000", PAGE_RECEIVING, 10, 40, "");
	sp.legacy = true;
	sp.rtt_ms = 0;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.zone, "(legacy)");
	assert_string_equal(row.rtt, "-");
	assert_string_equal(row.state, "receiving 25%");
	assert_false(console_view_speaker_final(&sp));
	/* Delivered is as far as an old client gets: an outcome, not "received, playing next". */
	sp.page_state = PAGE_RECEIVED;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "delivered");
	assert_int_equal(row.state_tone, CONSOLE_TONE_OK);
	assert_true(console_view_speaker_final(&sp));
	struct console_result last = { .page_id = 6, .state = PAGE_RECEIVED };
	console_view_row(&row, &sp, &last, 2000);
	assert_string_equal(row.last, "#6 delivered");
	/* Our own speaker at "received" is still on its way to playing. */
	sp.legacy = false;
	assert_false(console_view_speaker_final(&sp));

	/* The summary counts legacy speakers out of "played", as the station's log does. */
	char buf[256];
	struct station_page pg = { .id = 3, .targets = 3, .delivered = 3, .played = 2, .legacy = 1,
	                           .summarised = true };
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg, NULL, 0), CONSOLE_TONE_OK);
	assert_string_equal(buf, "page 3: delivered to 3/3, played by 2/2 (1 legacy: delivered only)");
	pg.summarised = false;
	pg.played = 1;
	console_view_summary(buf, sizeof buf, &pg, NULL, 0);
	assert_string_equal(buf, "page 3 to 3 speakers: delivered 3/3, played 1/2 (1 legacy: delivered only)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_states),
		cmocka_unit_test(test_row_last_and_memcmp),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_legacy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

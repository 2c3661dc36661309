/*
 * Unit tests of the per-page options (src/console/page_opts.c), the target
 * command's words, the priority's names (src/common/priority.c) and the
 * matching of targets (src/console/page_target.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "intercom/console/page_opts.h"

static char err[256];

static void test_priority_names(void **state)
{
	(void)state;
	enum priority p = PRIORITY_NORMAL;
	assert_int_equal(priority_parse("emergency", &p), 0);
	assert_int_equal(p, PRIORITY_EMERGENCY);
	assert_int_equal(priority_parse("high", &p), 0);
	assert_int_equal(p, PRIORITY_HIGH);
	assert_int_equal(priority_parse("loud", &p), -1);
	assert_int_equal(p, PRIORITY_HIGH);
	assert_string_equal(priority_name(PRIORITY_NORMAL), "normal");
	assert_string_equal(priority_name(PRIORITY_EMERGENCY), "emergency");
}

static void test_talk_seconds_and_options(void **state)
{
	(void)state;
	struct page_request req;
	char line[] = "5 --zone hall,office --speaker lobby-2 --priority high --no-chime";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, line, &req, err, sizeof err), 0);
	assert_true(req.has_seconds);
	assert_true(req.seconds > 4.99 && req.seconds < 5.01);
	assert_true(req.has_target);
	assert_int_equal(req.target.zone_count, 2);
	assert_string_equal(req.target.zones[1], "office");
	assert_int_equal(req.target.speaker_count, 1);
	assert_true(req.has_priority);
	assert_int_equal(req.priority, PRIORITY_HIGH);
	assert_int_equal(req.chime, 0);

	char none[] = "";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, none, &req, err, sizeof err), 0);
	assert_false(req.has_seconds);
	assert_false(req.has_target);
	assert_false(req.has_priority);
	assert_int_equal(req.chime, -1);

	char eq[] = "--zone=hall --chime";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, eq, &req, err, sizeof err), 0);
	assert_string_equal(req.target.zones[0], "hall");
	assert_int_equal(req.chime, 1);
}

static void test_bad_options_say_why(void **state)
{
	(void)state;
	struct page_request req;
	char a[] = "--priority loud";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, a, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown priority 'loud'"));
	char b[] = "--zone";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, b, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "--zone needs a value"));
	char c[] = "5 6";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, c, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown word '6' for talk"));
	char d[] = "--all --zone hall";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, d, &req, err, sizeof err), -1);
	char e[] = "--zone hall,,office";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, e, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty zone name"));
	char f[] = "abc";
	assert_int_equal(page_opts_parse(PAGE_OPTS_TALK, f, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "bad duration 'abc'"));
	char g[] = "--loud";
	assert_int_equal(page_opts_parse(PAGE_OPTS_RESEND, g, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown option '--loud' for resend"));
}

static void test_send_file_is_the_rest(void **state)
{
	(void)state;
	struct page_request req;
	char a[] = "--zone hall /srv/my closing.flac  ";
	assert_int_equal(page_opts_parse(PAGE_OPTS_SEND, a, &req, err, sizeof err), 0);
	assert_string_equal(req.file, "/srv/my closing.flac");
	assert_string_equal(req.target.zones[0], "hall");
	char b[] = "/tmp/x.wav";
	assert_int_equal(page_opts_parse(PAGE_OPTS_SEND, b, &req, err, sizeof err), 0);
	assert_string_equal(req.file, "/tmp/x.wav");
	assert_false(req.has_target);
	char c[] = "--priority emergency -- --odd.wav";
	assert_int_equal(page_opts_parse(PAGE_OPTS_SEND, c, &req, err, sizeof err), 0);
	assert_string_equal(req.file, "--odd.wav");
	char d[] = "--zone hall";
	assert_int_equal(page_opts_parse(PAGE_OPTS_SEND, d, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "send needs a file"));
	char e[] = "--bogus x.wav";
	assert_int_equal(page_opts_parse(PAGE_OPTS_SEND, e, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown option '--bogus' for send"));
}

static void test_resend_words(void **state)
{
	(void)state;
	struct page_request req;
	char a[] = "--missed 7 --speaker 3";
	assert_int_equal(page_opts_parse(PAGE_OPTS_RESEND, a, &req, err, sizeof err), 0);
	assert_true(req.missed);
	assert_int_equal(req.page, 7);
	assert_string_equal(req.target.speakers[0], "3");
	char b[] = "";
	assert_int_equal(page_opts_parse(PAGE_OPTS_RESEND, b, &req, err, sizeof err), 0);
	assert_false(req.missed);
	assert_int_equal(req.page, 0);
	char c[] = "0";
	assert_int_equal(page_opts_parse(PAGE_OPTS_RESEND, c, &req, err, sizeof err), -1);
	assert_non_null(strstr(err, "bad page number"));
}

static void test_target_command(void **state)
{
	(void)state;
	struct page_target t;
	assert_int_equal(page_opts_parse_target("zone hall, office", &t, err, sizeof err), 0);
	assert_false(page_target_is_all(&t));
	assert_int_equal(t.zone_count, 2);
	assert_string_equal(t.zones[1], "office");
	assert_int_equal(page_opts_parse_target("all", &t, err, sizeof err), 0);
	assert_true(page_target_is_all(&t));
	assert_int_equal(page_opts_parse_target("speaker hall-1", &t, err, sizeof err), 0);
	assert_int_equal(t.speaker_count, 1);
	/* A mistake leaves the target as it was. */
	assert_int_equal(page_opts_parse_target("room 3", &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "target zone NAME"));
	assert_int_equal(t.speaker_count, 1);
	assert_int_equal(page_opts_parse_target("zone", &t, err, sizeof err), -1);
	assert_int_equal(page_opts_parse_target("all of them", &t, err, sizeof err), -1);
}

static void test_matching(void **state)
{
	(void)state;
	struct page_target t;
	page_target_all(&t);
	assert_true(page_target_matches(&t, "x", ""));
	assert_true(page_target_matches(NULL, "x", NULL));
	assert_int_equal(page_opts_parse_target("zone hall", &t, err, sizeof err), 0);
	assert_true(page_target_matches(&t, "hall-1", "hall"));
	assert_false(page_target_matches(&t, "lobby-1", "lobby"));
	assert_false(page_target_matches(&t, "hall", ""));      /* a name is not a zone */
	assert_int_equal(page_target_add(&t, false, "lobby-1", err, sizeof err), 0);
	assert_true(page_target_matches(&t, "lobby-1", "lobby"));
	assert_false(page_target_matches(&t, "lobby-2", "lobby"));
	char text[128];
	page_target_describe(&t, text, sizeof text);
	assert_string_equal(text, "zone hall + lobby-1");
	page_target_all(&t);
	page_target_describe(&t, text, sizeof text);
	assert_string_equal(text, "all speakers");
	assert_int_equal(page_opts_parse_target("zone a,b", &t, err, sizeof err), 0);
	page_target_describe(&t, text, sizeof text);
	assert_string_equal(text, "zones a, b");
	/* Cut short, and said to be. */
	page_target_describe(&t, text, 8);
	assert_string_equal(text, "zone...");
}

static void test_equal_and_limits(void **state)
{
	(void)state;
	struct page_target a, b;
	assert_int_equal(page_opts_parse_target("zone x,y", &a, err, sizeof err), 0);
	assert_int_equal(page_opts_parse_target("zone y, x", &b, err, sizeof err), 0);
	assert_true(page_target_equal(&a, &b));
	assert_int_equal(page_opts_parse_target("zone x", &b, err, sizeof err), 0);
	assert_false(page_target_equal(&a, &b));
	page_target_all(&b);
	assert_false(page_target_equal(&a, &b));
	/* The same name twice is one. */
	assert_int_equal(page_opts_parse_target("speaker s,s", &a, err, sizeof err), 0);
	assert_int_equal(a.speaker_count, 1);
	char many[PAGE_TARGET_MAX * 4 + 8] = "";
	for (int i = 0; i <= PAGE_TARGET_MAX; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%s%d", i ? "," : "", i);
	page_target_all(&a);
	assert_int_equal(page_target_add(&a, true, many, err, sizeof err), -1);
	assert_non_null(strstr(err, "too many zones"));
	char longname[NAME_MAX_BYTES + 8];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(page_target_add(&a, false, longname, err, sizeof err), -1);
	assert_non_null(strstr(err, "too long"));
}

static void test_resolve_ids(void **state)
{
	(void)state;
	struct page_target_speaker sp[] = { { 3, "hall-1", "hall" }, { 4, "7", "lobby" }, { 0, "attic", "" } };
	struct page_target t;
	assert_int_equal(page_opts_parse_target("speaker 3,7,attic,hall-1", &t, err, sizeof err), 0);
	assert_int_equal(page_target_resolve(&t, sp, 3, err, sizeof err), 0);
	/* 3 is hall-1's id (and hall-1 also named: one), 7 is a name, attic known offline. */
	assert_int_equal(t.speaker_count, 3);
	assert_string_equal(t.speakers[0], "hall-1");
	assert_string_equal(t.speakers[1], "7");
	assert_string_equal(t.speakers[2], "attic");
	assert_int_equal(page_opts_parse_target("speaker 9", &t, err, sizeof err), 0);
	assert_int_equal(page_target_resolve(&t, sp, 3, err, sizeof err), -1);
	assert_non_null(strstr(err, "no speaker has the name or id 9"));
}

/* The target kept across restarts reads back the same, or is not kept at all. */
static void test_kept_target(void **state)
{
	(void)state;
	struct page_target t, back;
	char line[512], why[160];
	page_target_all(&t);
	assert_true(page_target_kept(&t, line, sizeof line));
	assert_string_equal(line, "all");
	assert_int_equal(page_target_from_kept(&back, line, why, sizeof why), 0);
	assert_true(page_target_is_all(&back));

	assert_int_equal(page_target_add(&t, true, "hall,Front desk", why, sizeof why), 0);
	assert_int_equal(page_target_add(&t, false, "lobby-1", why, sizeof why), 0);
	assert_true(page_target_kept(&t, line, sizeof line));
	assert_string_equal(line, "zone hall,Front desk; speaker lobby-1");
	assert_int_equal(page_target_from_kept(&back, line, why, sizeof why), 0);
	assert_true(page_target_equal(&t, &back));

	/* Too long for the line: not kept, rather than cut. */
	assert_false(page_target_kept(&t, line, 20));
	assert_string_equal(line, "");
	/* A name that would not read back: not kept. */
	struct page_target odd;
	page_target_all(&odd);
	odd.all = false;
	odd.speaker_count = 1;
	snprintf(odd.speakers[0], sizeof odd.speakers[0], "a;b");
	assert_false(page_target_kept(&odd, line, sizeof line));

	/* A line from a damaged file: a reason, and all. */
	assert_int_equal(page_target_from_kept(&back, "zones everywhere", why, sizeof why), -1);
	assert_non_null(strstr(why, "not a target"));
	assert_true(page_target_is_all(&back));
	assert_int_equal(page_target_from_kept(&back, "zone ,", why, sizeof why), -1);
	assert_true(page_target_is_all(&back));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_names),
		cmocka_unit_test(test_talk_seconds_and_options),
		cmocka_unit_test(test_bad_options_say_why),
		cmocka_unit_test(test_send_file_is_the_rest),
		cmocka_unit_test(test_resend_words),
		cmocka_unit_test(test_target_command),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_equal_and_limits),
		cmocka_unit_test(test_resolve_ids),
		cmocka_unit_test(test_kept_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

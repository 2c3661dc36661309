/*
 * Unit tests of the status command's facts (src/console/console_status.c):
 * the JSON of a console with speakers (states, sync, their latest page), the
 * latest page's tally, the target, a recording, and speakers asking to join;
 * names that need escaping; and the same facts as readable lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/console/console_status.h"
#include "intercom/net/proto.h"

static struct station_speaker speaker(uint32_t id, const char *name, const char *zone, uint8_t state)
{
	struct station_speaker sp;
	memset(&sp, 0, sizeof sp);
	sp.id = id;
	snprintf(sp.name, sizeof sp.name, "%s", name);
	snprintf(sp.zone, sizeof sp.zone, "%s", zone);
	snprintf(sp.addr, sizeof sp.addr, "10.0.0.%u:40000", id);
	sp.connected_ms = 1000;
	sp.rtt_us = 2500;
	sp.page_id = state ? 3 : 0;
	sp.page_state = state;
	return sp;
}

struct fixture {
	struct console_state cs;
	struct station_speaker sp[3];
	const struct station_speaker *list[3];
	struct station_page page;
	struct station_speaker asking;
	const struct station_speaker *lobby[1];
	struct console_status_input in;
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	struct audio_format fmt = { .rate = 48000, .channels = 1 };
	console_state_init(&f->cs, &fmt, 5.0, NULL, NULL);
	f->sp[0] = speaker(1, "lobby-1", "ground", PAGE_PLAYED);
	f->sp[0].sync_state = SYNC_LOCKED;
	f->sp[0].sync_uncertainty_us = 300;
	f->sp[1] = speaker(2, "stage \"B\"\\", "hall", PAGE_FAILED);
	snprintf(f->sp[1].page_reason, sizeof f->sp[1].page_reason, "no output device");
	f->sp[1].sync_state = SYNC_SETTLING;
	f->sp[2] = speaker(3, "yard", "", 0);
	for (int i = 0; i < 3; i++)
		f->list[i] = &f->sp[i];
	console_state_set_speakers(&f->cs, f->list, 3);
	f->page = (struct station_page){ .id = 3, .targets = 2, .delivered = 2, .played = 1, .failed = 1,
	                                 .summarised = true };
	f->asking = speaker(9, "new-one", "", 0);
	snprintf(f->asking.fingerprint, sizeof f->asking.fingerprint, "ab12 cd34");
	f->lobby[0] = &f->asking;
	f->in = (struct console_status_input){ .name = "desk", .fingerprint = "4f45 553c", .listen = "0.0.0.0:2348",
	                                       .input_ok = true, .input_name = "pulse", .page = &f->page,
	                                       .lobby = f->lobby, .lobby_count = 1, .now_ms = 61000,
	                                       .page_counter = 41 };
}

static void test_json(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	struct json j;
	json_init(&j);
	console_status_json(&j, &f.cs, &f.in);
	const char *doc = json_finish(&j);
	assert_non_null(doc);
	assert_null(strchr(doc, '\n'));
	static const char *const parts[] = {
		"{\"console\":{\"name\":\"desk\",\"version\":\"" INTERCOM_VERSION "\",\"fingerprint\":\"4f45 553c\",\"listen\":\"0.0.0.0:2348\"},",
		"\"mode\":\"page\",\"duration_s\":5.00,",
		"\"target\":{\"kind\":\"all\",\"speakers\":[],\"missing\":false,\"offline\":0},",
		"\"priority\":\"normal\",\"chime\":\"on\",\"preroll_ms\":300,\"page_counter\":41,\"recording\":false,",
		"\"input\":{\"ok\":true,\"device\":\"pulse\"},",
		"\"last_page\":{\"id\":3,\"priority\":\"normal\",\"targets\":2,\"delivered\":2,\"played\":1,\"failed\":1,",
		"\"done\":true,\"summary\":\"page 3: delivered to 2/2, played by 1/2, failed on 1 more\"}",
		/* Table order: lobby-1, stage "B"\, yard. */
		"{\"id\":1,\"name\":\"lobby-1\",\"zone\":\"ground\",\"address\":\"10.0.0.1:40000\",\"legacy\":false,"
		"\"connected_s\":60,\"rtt_us\":2500,\"state\":\"played\",\"sync\":{\"state\":\"locked\","
		"\"uncertainty_us\":300},\"last_page\":{\"id\":3,\"state\":\"played\",\"final\":true,\"reason\":\"\"",
		"\"name\":\"stage \\\"B\\\"\\\\\",\"zone\":\"hall\"",
		"\"state\":\"failed: no output device\",\"sync\":{\"state\":\"settling\",\"uncertainty_us\":null}",
		"\"name\":\"yard\",\"zone\":\"\"",
		"\"state\":\"idle\",\"sync\":{\"state\":\"none\",\"uncertainty_us\":null},\"last_page\":{\"id\":0,"
		"\"state\":\"idle\",\"final\":false",
		"\"pending\":[{\"id\":9,\"name\":\"new-one\",\"address\":\"10.0.0.9:40000\",\"fingerprint\":\"ab12 cd34\"}]}",
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (!strstr(doc, parts[i]))
			fail_msg("status lacks %s\nin %s", parts[i], doc);
	assert_true(strstr(doc, "\"lobby-1\"") < strstr(doc, "\"stage") && strstr(doc, "\"stage") < strstr(doc, "\"yard\""));
	json_free(&j);

	/* One speaker targeted, recording, live, no input. */
	char err[128];
	page_target_all(&f.cs.target);
	assert_int_equal(page_target_add(&f.cs.target, false, "stage \"B\"\\", err, sizeof err), 0);
	f.cs.live = true;
	f.in.recording = true;
	f.in.recorded_s = 1.25;
	f.in.recording_s = 5;
	f.in.input_ok = false;
	f.in.input_name = "no input device";
	f.in.lobby_count = 0;
	json_init(&j);
	console_status_json(&j, &f.cs, &f.in);
	doc = json_finish(&j);
	assert_non_null(doc);
	assert_non_null(strstr(doc, "\"mode\":\"live\""));
	assert_non_null(strstr(doc, "\"target\":{\"kind\":\"speaker\",\"speakers\":[\"stage \\\"B\\\"\\\\\"],\"missing\":false,\"offline\":0}"));
	assert_non_null(strstr(doc, "\"recording\":true,\"recorded_s\":1.25,\"recording_s\":5.00"));
	assert_non_null(strstr(doc, "\"input\":{\"ok\":false,\"missing\":\"no input device\"}"));
	assert_non_null(strstr(doc, "\"pending\":[]}"));
	json_free(&j);

	/* The settings of next pages, and an emergency page. */
	f.cs.page.priority = PRIORITY_EMERGENCY;
	f.cs.page.chime = false;
	f.cs.page.preroll_ms = 0;
	f.page.priority = PRIORITY_EMERGENCY;
	json_init(&j);
	console_status_json(&j, &f.cs, &f.in);
	doc = json_finish(&j);
	assert_non_null(doc);
	assert_non_null(strstr(doc, "\"priority\":\"emergency\",\"chime\":\"off\",\"preroll_ms\":0,"));
	assert_non_null(strstr(doc, "\"last_page\":{\"id\":3,\"priority\":\"emergency\","));
	json_free(&j);
	page_settings_chime_file(&f.cs.page, "/srv/sounds/gong.flac");
	json_init(&j);
	console_status_json(&j, &f.cs, &f.in);
	doc = json_finish(&j);
	assert_non_null(strstr(doc, "\"chime\":\"gong.flac\""));
	json_free(&j);
	console_state_free(&f.cs);
}

static char lines[16][512];
static size_t line_count;

static void line_cb(void *ctx, const char *text)
{
	assert_ptr_equal(ctx, lines);
	assert_true(line_count < 16);
	snprintf(lines[line_count++], sizeof lines[0], "%s", text);
}

static void test_text(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	line_count = 0;
	console_status_text(line_cb, lines, &f.cs, &f.in);
	assert_int_equal(line_count, 10);
	assert_string_equal(lines[0], "console desk (" INTERCOM_VERSION ") on 0.0.0.0:2348, key 4f45 553c");
	assert_string_equal(lines[1], "pages, duration 5.00 s, next page to all speakers, not recording");
	assert_string_equal(lines[2], "priority normal, chime on, pre-roll 300 ms, last page number 41");
	assert_string_equal(lines[3], "input: pulse");
	assert_string_equal(lines[4], "page 3: delivered to 2/2, played by 1/2, failed on 1 more");
	assert_string_equal(lines[5], "3 speakers connected:");
	assert_non_null(strstr(lines[6], "lobby-1"));
	assert_non_null(strstr(lines[6], "zone ground"));
	assert_non_null(strstr(lines[6], "page 3 played"));
	assert_non_null(strstr(lines[7], "page 3 failed: no output device"));
	assert_non_null(strstr(lines[8], "yard             zone -"));
	assert_string_equal(lines[9], "asks to join: new-one (id 9) from 10.0.0.9:40000, fingerprint ab12 cd34: approve 9");
	console_state_free(&f.cs);
}

static void test_form(void **state)
{
	(void)state;
	assert_int_equal(console_status_form("status"), CONSOLE_STATUS_JSON);
	assert_int_equal(console_status_form("  status "), CONSOLE_STATUS_JSON);
	assert_int_equal(console_status_form("status text"), CONSOLE_STATUS_TEXT);
	assert_int_equal(console_status_form("status json"), CONSOLE_STATUS_NONE);
	assert_int_equal(console_status_form("statusx"), CONSOLE_STATUS_NONE);
	assert_int_equal(console_status_form("stat"), CONSOLE_STATUS_NONE);
	assert_int_equal(console_status_form(""), CONSOLE_STATUS_NONE);

	struct fixture f;
	fixture_init(&f);
	line_count = 0;
	assert_int_equal(console_status_say(CONSOLE_STATUS_JSON, line_cb, lines, &f.cs, &f.in), 0);
	assert_int_equal(line_count, 1);
	assert_int_equal(lines[0][0], '{');
	line_count = 0;
	assert_int_equal(console_status_say(CONSOLE_STATUS_TEXT, line_cb, lines, &f.cs, &f.in), 0);
	assert_int_equal(line_count, 10);
	console_state_free(&f.cs);
}

/* Known speakers offline and the pages waiting for them, as JSON and as lines; a zone target. */
static void test_offline_and_waiting(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	struct known_speakers known;
	known_speakers_init(&known);
	struct station_speaker gone = speaker(7, "attic", "roof", 0);
	snprintf(gone.fingerprint, sizeof gone.fingerprint, "cd34 ef56");
	const struct station_speaker *was[1] = { &gone };
	known_speakers_update(&known, was, 1, 1000);
	known_speakers_update(&known, NULL, 0, 1000); /* it left */
	struct wait_queue waiting;
	wait_queue_init(&waiting, 8, 600000);
	assert_int_equal(wait_queue_add(&waiting, 3, "attic", 40000, NULL, NULL), 0);
	f.in.known = &known;
	f.in.waiting = &waiting;
	char err[128];
	assert_int_equal(page_opts_parse_target("zone roof,hall", &f.cs.target, err, sizeof err), 0);
	f.cs.known = &known;
	struct json j;
	json_init(&j);
	console_status_json(&j, &f.cs, &f.in);
	const char *doc = json_finish(&j);
	assert_non_null(doc);
	static const char *const parts[] = {
		"\"target\":{\"kind\":\"zone\",\"zones\":[\"roof\",\"hall\"],\"speakers\":[],\"missing\":false,"
		"\"offline\":1}",
		"\"offline\":[{\"name\":\"attic\",\"zone\":\"roof\",\"fingerprint\":\"cd34 ef56\",\"offline_s\":60}]",
		"\"waiting\":[{\"page\":3,\"speaker\":\"attic\",\"waited_s\":21,\"expires_in_s\":579}]",
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (!strstr(doc, parts[i]))
			fail_msg("status lacks %s\nin %s", parts[i], doc);
	json_free(&j);
	line_count = 0;
	console_status_text(line_cb, lines, &f.cs, &f.in);
	assert_int_equal(line_count, 12);
	assert_string_equal(lines[1], "pages, duration 5.00 s, next page to zones roof, hall, not recording");
	assert_string_equal(lines[9], "  attic            zone roof       offline 60 s, key cd34 ef56");
	assert_string_equal(lines[10], "page 3 waits for attic (21 s)");
	wait_queue_free(&waiting);
	known_speakers_free(&known);
	console_state_free(&f.cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_offline_and_waiting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

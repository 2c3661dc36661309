/*
 * Unit tests of the console screen's snapshot: speaker rows, the page
 * summary (from the tally's own record of reasons, muted apart), and the
 * whole view built from a console_state (header, status line with the
 * recording's target and the answer to the operator, the table's visible
 * rows and selection, PREV PAGE, footer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
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

/* A failure the tally kept: the first speaker that gave reason, and how many did. */
static void keep(struct station_page *pg, const char *name, const char *reason, size_t count)
{
	struct station_page_reason *r = &pg->reasons[pg->reason_count++];
	snprintf(r->name, sizeof r->name, "%s", name);
	snprintf(r->reason, sizeof r->reason, "%s", reason);
	r->count = count;
}

static void test_summary(void **state)
{
	(void)state;
	char buf[512];
	struct station_page pg = { 0 };
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg), CONSOLE_TONE_DIM);
	assert_string_equal(buf, "");

	pg = (struct station_page){ .id = 3, .targets = 0, .summarised = true };
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg), CONSOLE_TONE_WARN);
	assert_string_equal(buf, "page 3 reached no speaker (none connected)");

	pg = (struct station_page){ .id = 3, .targets = 2, .delivered = 1 };
	console_view_summary(buf, sizeof buf, &pg);
	assert_string_equal(buf, "page 3 to 2 speakers: delivered 1/2, played 0/2");

	pg = (struct station_page){ .id = 3, .targets = 2, .delivered = 2, .played = 2, .summarised = true };
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg), CONSOLE_TONE_OK);
	assert_string_equal(buf, "page 3: delivered to 2/2, played by 2/2");

	pg = (struct station_page){ .id = 3, .targets = 2, .delivered = 2, .played = 1, .failed = 1, .summarised = true };
	keep(&pg, "lobby-2", "output device unavailable", 1);
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg), CONSOLE_TONE_BAD);
	assert_string_equal(buf, "page 3: delivered to 2/2, played by 1/2, failed on lobby-2: output device unavailable");

	/* The reasons are the tally's, kept as the speakers gave them: nobody has to be connected. */
	pg = (struct station_page){ .id = 3, .targets = 25, .delivered = 25, .failed = 25, .summarised = true };
	keep(&pg, "room-01", "saved, not played: no output device", 25);
	console_view_summary(buf, sizeof buf, &pg);
	assert_string_equal(buf, "page 3: delivered to 25/25, played by 0/25, failed on room-01 and 24 others: "
	                         "saved, not played: no output device");
	/* Several reasons, and failures beyond the reasons kept: counted. */
	pg = (struct station_page){ .id = 4, .targets = 9, .delivered = 5, .played = 1, .failed = 8, .summarised = true };
	keep(&pg, "lobby-2", "output device unavailable", 1);
	keep(&pg, "stage", "disconnected", 2);
	console_view_summary(buf, sizeof buf, &pg);
	assert_string_equal(buf, "page 4: delivered to 5/9, played by 1/9, failed on lobby-2: output device "
	                         "unavailable; on stage and 1 other: disconnected; and 5 more");
	pg = (struct station_page){ .id = 4, .targets = 2, .delivered = 2, .played = 1, .failed = 1, .summarised = true };
	console_view_summary(buf, sizeof buf, &pg);
	assert_string_equal(buf, "page 4: delivered to 2/2, played by 1/2, failed on 1 more");

	/* Muted is an outcome of its own, not a failure. */
	pg = (struct station_page){ .id = 5, .targets = 2, .delivered = 2, .played = 1, .muted = 1, .summarised = true };
	snprintf(pg.muted_name, sizeof pg.muted_name, "hall");
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg), CONSOLE_TONE_WARN);
	assert_string_equal(buf, "page 5: delivered to 2/2, played by 1/2, muted on hall");
	pg.muted = 3;
	pg.targets = pg.delivered = 4;
	console_view_summary(buf, sizeof buf, &pg);
	assert_string_equal(buf, "page 5: delivered to 4/4, played by 1/4, muted on hall and 2 others");
	pg.summarised = false;
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg), CONSOLE_TONE_ACCENT);
	assert_string_equal(buf, "page 5 to 4 speakers: delivered 4/4, played 1/4, 3 muted");

	/* Cut to the buffer, terminated. */
	pg = (struct station_page){ .id = 3, .targets = 4, .delivered = 2, .played = 1, .failed = 3, .summarised = true };
	keep(&pg, "lobby-2", "output device unavailable", 3);
	char small[20];
	console_view_summary(small, sizeof small, &pg);
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
	assert_false(console_state_speaker_final(&sp));
	/* Delivered is as far as an old client gets: an outcome, not "received, playing next". */
	sp.page_state = PAGE_RECEIVED;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "delivered");
	assert_int_equal(row.state_tone, CONSOLE_TONE_OK);
	assert_true(console_state_speaker_final(&sp));
	struct console_result last = { .page_id = 6, .state = PAGE_RECEIVED };
	console_view_row(&row, &sp, &last, 2000);
	assert_string_equal(row.last, "#6 delivered");
	/* Our own speaker at "received" is still on its way to playing. */
	sp.legacy = false;
	assert_false(console_state_speaker_final(&sp));

	/* The summary counts legacy speakers out of "played", as the station's log does. */
	char buf[256];
	struct station_page pg = { .id = 3, .targets = 3, .delivered = 3, .played = 2, .legacy = 1,
	                           .summarised = true };
	assert_int_equal(console_view_summary(buf, sizeof buf, &pg), CONSOLE_TONE_OK);
	assert_string_equal(buf, "page 3: delivered to 3/3, played by 2/2 (1 legacy: delivered only)");
	pg.summarised = false;
	pg.played = 1;
	console_view_summary(buf, sizeof buf, &pg);
	assert_string_equal(buf, "page 3 to 3 speakers: delivered 3/3, played 1/2 (1 legacy: delivered only)");
	/* RTP targets are named as such among those that cannot say "played". */
	pg.summarised = true;
	pg.played = 2;
	pg.rtp = 1;
	console_view_summary(buf, sizeof buf, &pg);
	assert_string_equal(buf, "page 3: delivered to 3/3, played by 2/2 (1 RTP: delivered only)");
	pg.targets = pg.delivered = 4;
	pg.legacy = 2;
	console_view_summary(buf, sizeof buf, &pg);
	assert_string_equal(buf, "page 3: delivered to 4/4, played by 2/2 (1 legacy, 1 RTP: delivered only)");
}

/* An RTP target: its zone or "(rtp)", no RTT or clock, "delivered" once its last packet left. */
static void test_rtp_target(void **state)
{
	(void)state;
	struct console_row row;
	struct station_speaker sp = speaker(5, "rtp:224.0.2.60:50000", PAGE_PLAYING, 25, 100, "");
	sp.rtp = true;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.zone, "(rtp)");
	assert_string_equal(row.rtt, "-");
	assert_string_equal(row.sync, "-");
	assert_string_equal(row.state, "playing 25%");
	assert_false(console_state_speaker_final(&sp));
	sp.page_state = PAGE_RECEIVED;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "delivered");
	assert_true(console_state_speaker_final(&sp));
	snprintf(sp.zone, sizeof sp.zone, "hall");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.zone, "hall");
}

/* A state with n speakers "s1".."sn" (ids 1..n), at 48 kHz mono, 5 s pages. */
static struct station_speaker many[8];

static void state_with(struct console_state *cs, size_t n)
{
	const struct audio_format fmt = { .rate = 48000, .channels = 1 };
	console_state_init(cs, &fmt, 5.0, NULL, NULL);
	const struct station_speaker *joined[8];
	for (size_t i = 0; i < n; i++) {
		char name[24];
		snprintf(name, sizeof name, "s%zu", i + 1);
		many[i] = speaker((uint32_t)i + 1, name, 0, 0, 0, "");
		joined[i] = &many[i];
	}
	console_state_set_speakers(cs, joined, n);
}

static void test_build_header_and_hint(void **state)
{
	(void)state;
	struct console_state cs;
	state_with(&cs, 2);
	console_state_table_update(&cs, 10);
	struct console_view *v = malloc(sizeof *v);
	assert_non_null(v);
	struct station_page none = { 0 };
	struct meter_ballistics meter = { 0 };
	struct console_view_input in = { .listen = "127.0.0.1:2348", .input_ok = true,
	                                 .input_name = "pulse", .input_format = "48000 Hz mono 16-bit",
	                                 .no_input = "", .page = &none, .meter = &meter };
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.listen, "127.0.0.1:2348");
	assert_string_equal(v->header.input, "pulse");
	assert_string_equal(v->header.input_format, "48000 Hz mono 16-bit");
	/* The pre-roll (300 ms by default) goes beside the duration. */
	assert_string_equal(v->header.duration, "5.0 s");
	assert_string_equal(v->header.preroll, "+0.3 s pre-roll");
	assert_int_equal(v->header.speakers, 2);
	assert_string_equal(v->header.target, "all speakers");
	assert_false(v->header.target_missing);
	assert_false(v->header.emergency);
	assert_string_equal(v->header.link, "encrypted, key ");
	assert_true(v->header.link_secure);
	/* RTP targets are unauthenticated: the header says so. */
	in.rtp_open = true;
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.link, "RTP OUT: unauthenticated");
	assert_false(v->header.link_secure);
	in.rtp_open = false;
	/* A legacy port serves pages unencrypted: the header says so. */
	in.legacy_open = true;
	in.key_short = "ab12cd34";
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.link, "LEGACY PORT OPEN: unencrypted");
	assert_false(v->header.link_secure);
	in.legacy_open = false;
	in.keyed = true;
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.link, "encrypted, key ab12cd34 + psk");
	in.keyed = false;
	in.key_short = NULL;
	assert_true(v->meter_on);
	assert_int_equal(v->now_ms, 2000);
	assert_string_equal(v->status.text, "ready: Space records 5.0 s and sends it to all speakers");
	assert_int_equal(v->status.tone, CONSOLE_TONE_DIM);
	assert_int_equal(v->footer.prompt, CONSOLE_PROMPT_NONE);
	assert_true(v->footer.can_test); /* the table shown selects its first row */

	/* Priorities: beside where the next page goes, an emergency in alert; live has no pre-roll. */
	cs.page.priority = PRIORITY_HIGH;
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.target, "all speakers [HIGH]");
	assert_false(v->header.emergency);
	cs.page.priority = PRIORITY_EMERGENCY;
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.target, "all speakers [EMERGENCY]");
	assert_true(v->header.emergency);
	struct station_page urgent = { .id = 4, .priority = PRIORITY_EMERGENCY, .targets = 2, .delivered = 2,
	                               .played = 2, .summarised = true };
	in.page = &urgent;
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->status.text, "EMERGENCY page 4: delivered to 2/2, played by 2/2");
	in.page = &none;
	in.recording = true;
	in.rec_priority = PRIORITY_EMERGENCY;
	in.rec_want = 48000;
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->status.rec_target, "EMERGENCY to all speakers");
	in.recording = false;
	in.rec_priority = PRIORITY_NORMAL;
	cs.page.priority = PRIORITY_NORMAL;
	cs.page.preroll_ms = 0;
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.preroll, "");
	cs.page.preroll_ms = 250;
	console_state_set_live(&cs, true);
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.duration, "live 5.0 s");
	assert_string_equal(v->header.preroll, "");
	console_state_set_live(&cs, false);

	/* No input, a key, a target that left, a duration typed. */
	console_state_target_toggle(&cs);
	const struct station_speaker *only2[] = { &many[1] };
	console_state_set_speakers(&cs, only2, 1);
	console_state_table_update(&cs, 10);
	console_state_key(&cs, '3', &(struct console_key_input){ 0 });
	in = (struct console_view_input){ .listen = "[::]:2348", .no_input = "no input device",
	                                  .keyed = true, .page = &none };
	console_view_build(v, &cs, &in, 2000);
	assert_string_equal(v->header.input, "none (no input device)");
	assert_string_equal(v->header.input_format, "");
	assert_string_equal(v->header.link, "encrypted, key  + psk");
	assert_true(v->header.link_secure);
	assert_string_equal(v->header.target, "s1");
	assert_true(v->header.target_missing);
	assert_false(v->meter_on);
	assert_string_equal(v->status.text, "no input device: send a file with \":send PATH\"");
	assert_int_equal(v->footer.prompt, CONSOLE_PROMPT_DURATION);
	assert_string_equal(v->footer.text, "3");
	assert_true(v->footer.can_test); /* s2 took over the selection */
	free(v);
	console_state_free(&cs);
}

static void test_build_recording_and_summary(void **state)
{
	(void)state;
	struct console_state cs;
	state_with(&cs, 1);
	console_state_table_update(&cs, 10);
	struct console_view *v = malloc(sizeof *v);
	assert_non_null(v);
	struct station_page pg = { .id = 4, .targets = 1, .delivered = 1, .played = 1, .summarised = true };
	/* 2.35 s of 5 s recorded: the countdown rounds up, the bar counts down. */
	struct console_view_input in = { .listen = "x", .input_ok = true, .input_name = "pulse",
	                                 .input_format = "f", .no_input = "", .recording = true,
	                                 .rec_have = 112800, .rec_want = 240000, .page = &pg };
	console_view_build(v, &cs, &in, 1000);
	assert_true(v->status.recording);
	assert_string_equal(v->status.rec_target, "to all speakers");
	assert_string_equal(v->status.rec_elapsed, "00:02.3");
	assert_string_equal(v->status.rec_total, "00:05.0");
	assert_string_equal(v->status.rec_left, "2.7 s left");
	assert_int_equal(v->status.rec_left_permille, 530);
	assert_string_equal(v->status.text, "");
	assert_true(v->footer.recording);
	in.rec_have = 240000;
	console_view_build(v, &cs, &in, 1000);
	assert_string_equal(v->status.rec_left, "0.0 s left");
	assert_int_equal(v->status.rec_left_permille, 0);

	/* The recording says where it goes: the one speaker, as the header does. */
	console_state_select_move(&cs, 0);
	console_state_target_toggle(&cs);
	console_view_build(v, &cs, &in, 1000);
	assert_string_equal(v->status.rec_target, "to s1");

	/* Not recording: the latest page's summary. */
	in.recording = false;
	console_view_build(v, &cs, &in, 1000);
	assert_false(v->status.recording);
	assert_string_equal(v->status.rec_target, "");
	assert_string_equal(v->status.text, "page 4: delivered to 1/1, played by 1/1");
	assert_int_equal(v->status.tone, CONSOLE_TONE_OK);
	assert_string_equal(v->status.notice, "");

	/* An answer to the operator goes along, with its tone, until the next key. */
	console_state_answer(&cs, true, "cannot send %s: it holds no audio", "rel/dir/empty.wav");
	console_view_build(v, &cs, &in, 1000);
	assert_string_equal(v->status.notice, "cannot send rel/dir/empty.wav: it holds no audio");
	assert_int_equal(v->status.notice_tone, CONSOLE_TONE_BAD);
	console_state_answer(&cs, false, "duration is 5.00 s");
	console_view_build(v, &cs, &in, 1000);
	assert_int_equal(v->status.notice_tone, CONSOLE_TONE_ACCENT);
	console_state_key(&cs, 'x', &(struct console_key_input){ 0 });
	console_view_build(v, &cs, &in, 1000);
	assert_string_equal(v->status.notice, "");
	free(v);
	console_state_free(&cs);
}

/* "waiting for N" after the latest page's summary; the history view's lines (H). */
static void test_waiting_and_history(void **state)
{
	(void)state;
	struct console_state cs;
	state_with(&cs, 1);
	console_state_table_update(&cs, 10);
	struct console_view *v = malloc(sizeof *v);
	assert_non_null(v);
	struct station_page pg = { .id = 4, .targets = 1, .delivered = 1, .played = 1, .summarised = true };
	static struct page_history h;
	page_history_init(&h, NULL, NULL);
	struct console_view_input in = { .listen = "x", .input_ok = true, .input_name = "pulse",
	                                 .input_format = "f", .no_input = "", .page = &pg, .history = &h,
	                                 .waiting = 2, .waiting_all = 2 };
	console_view_build(v, &cs, &in, 1000);
	assert_string_equal(v->status.text, "page 4: delivered to 1/1, played by 1/1, waiting for 2");
	assert_int_equal(v->status.tone, CONSOLE_TONE_WARN);
	in.waiting = 1;
	console_view_build(v, &cs, &in, 1000);
	assert_string_equal(v->status.text, "page 4: delivered to 1/1, played by 1/1, waiting for 1 "
	                                    "(2 for earlier pages)");
	assert_false(v->history.open);

	/* H: the pages, newest first; the picked one's speakers under it. */
	struct history_page *p3 = page_history_add(&h, 3, 0, 0, "captured 5.00 s", "zone hall");
	page_history_set(p3, "hall-1", PAGE_PLAYED, false, NULL);
	page_history_set(p3, "hall-2", PAGE_FAILED, false, "no output device");
	struct history_page *p4 = page_history_add(&h, 4, 61000, 0, "file x.wav 1.00 s", "all speakers");
	page_history_set(p4, "hall-1", HISTORY_WAITING, false, NULL);
	console_state_key(&cs, 'H', &(struct console_key_input){ 0 });
	assert_true(cs.history_view);
	console_view_build(v, &cs, &in, 121000);
	assert_true(v->history.open);
	assert_int_equal(v->history.count, 3);
	assert_int_equal(v->history.picked, 0);
	assert_string_equal(v->history.lines[0], "page 4  1m ago  file x.wav 1.00 s  to all speakers: played by 0/1, "
	                                         "waiting for 1");
	assert_string_equal(v->history.lines[1], "    hall-1: waiting");
	assert_int_equal(v->history.tones[1], CONSOLE_TONE_WARN);
	assert_string_equal(v->history.lines[2], "page 3  2m ago  captured 5.00 s  to zone hall: played by 1/2, "
	                                         "missed by 1");
	assert_int_equal(v->history.tones[2], CONSOLE_TONE_BAD);
	/* Down picks page 3: its speakers show; m asks for a resend to those that missed it. */
	struct console_key_input hin = { .history_pages = 2 };
	console_state_key(&cs, CONSOLE_KEY_DOWN, &hin);
	console_state_key(&cs, CONSOLE_KEY_DOWN, &hin); /* no further than the last */
	assert_int_equal(cs.history_sel, 1);
	console_view_build(v, &cs, &in, 121000);
	assert_int_equal(v->history.picked, 1);
	assert_string_equal(v->history.lines[3], "    hall-2: failed: no output device");
	assert_int_equal(console_state_key(&cs, 'm', &hin), CONSOLE_ACTION_RESEND);
	assert_true(cs.request.missed);
	assert_true(cs.history_view);
	assert_int_equal(console_state_key(&cs, 'r', &hin), CONSOLE_ACTION_RESEND);
	assert_false(cs.request.missed);
	/* Any other key closes it. */
	assert_int_equal(console_state_key(&cs, 'x', &hin), CONSOLE_ACTION_NONE);
	assert_false(cs.history_view);
	console_view_build(v, &cs, &in, 121000);
	assert_false(v->history.open);
	free(v);
	console_state_free(&cs);
}

static void test_build_table_rows(void **state)
{
	(void)state;
	struct console_state cs;
	state_with(&cs, 6);
	struct console_view *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	struct station_page none = { 0 };
	struct console_view_input in = { .listen = "x", .no_input = "", .page = &none };
	/* Page 6 played on s5 and is final: PREV PAGE shows the one before, page 5 failed. */
	many[4].page_id = 5;
	many[4].page_state = PAGE_FAILED;
	snprintf(many[4].page_reason, sizeof many[4].page_reason, "rejected: truncated");
	console_state_table_update(&cs, 3);
	many[4].page_id = 6;
	many[4].page_state = PAGE_PLAYED;
	/* The selection at s5: three rows on screen, scrolled to show it. */
	for (int i = 0; i < 4; i++) /* from s1, selected when the table was first shown */
		console_state_select_move(&cs, 1);
	assert_int_equal(cs.selected_id, 5);
	console_state_table_update(&cs, 3);
	console_view_build(a, &cs, &in, 5000);
	assert_int_equal(a->table.total, 6);
	assert_int_equal(a->table.first, 2);
	assert_int_equal(a->table.row_count, 3);
	assert_string_equal(a->table.rows[0].name, "s3");
	assert_string_equal(a->table.rows[2].name, "s5");
	assert_int_equal(a->table.selected, 2);
	assert_string_equal(a->table.rows[2].state, "played");
	assert_string_equal(a->table.rows[2].last, "#5 failed: rejected: truncated");
	assert_string_equal(a->table.rows[1].last, "-");

	/* Equal inputs, equal bytes: the screen compares snapshots to redraw. */
	memset(b, 0x5a, sizeof *b);
	console_view_build(b, &cs, &in, 5000);
	assert_memory_equal(&a->header, &b->header, sizeof a->header);
	assert_memory_equal(&a->status, &b->status, sizeof a->status);
	assert_memory_equal(&a->footer, &b->footer, sizeof a->footer);
	assert_memory_equal(a->table.rows, b->table.rows, a->table.row_count * sizeof a->table.rows[0]);

	/* No speakers: an empty table, nothing selected. */
	console_state_set_speakers(&cs, NULL, 0);
	console_state_table_update(&cs, 3);
	console_view_build(a, &cs, &in, 5000);
	assert_int_equal(a->table.total, 0);
	assert_int_equal(a->table.row_count, 0);
	assert_int_equal(a->table.selected, -1);
	free(a);
	free(b);
	console_state_free(&cs);
}

/* The SYNC column: locked with its uncertainty, settling, none, and legacy without a clock. */
static void test_row_sync(void **state)
{
	(void)state;
	struct console_row row;
	struct station_speaker sp = speaker(1, "lobby-1", 0, 0, 0, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.sync, "-");
	assert_int_equal(row.sync_tone, CONSOLE_TONE_DIM);
	sp.sync_state = SYNC_SETTLING;
	sp.sync_uncertainty_us = 40000;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.sync, "syncing");
	sp.sync_state = SYNC_LOCKED;
	sp.sync_uncertainty_us = 300;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.sync, "±0.3 ms");
	assert_int_equal(row.sync_tone, CONSOLE_TONE_OK);
	char out[16];
	const struct { uint32_t us; const char *text; enum console_tone tone; } cases[] = {
		{ 0, "±0.0 ms", CONSOLE_TONE_OK },       { 49, "±0.0 ms", CONSOLE_TONE_OK },
		{ 50, "±0.1 ms", CONSOLE_TONE_OK },      { 1250, "±1.3 ms", CONSOLE_TONE_OK },
		{ 9949, "±9.9 ms", CONSOLE_TONE_WARN },  { 9950, "±10 ms", CONSOLE_TONE_WARN },
		{ 999499, "±999 ms", CONSOLE_TONE_WARN }, { 999500, "±1 s", CONSOLE_TONE_WARN },
		{ UINT32_MAX, "±99 s", CONSOLE_TONE_WARN },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sp.sync_uncertainty_us = cases[i].us;
		assert_int_equal(console_view_sync(out, sizeof out, &sp), cases[i].tone);
		assert_string_equal(out, cases[i].text);
	}
	/* Held whole before the page's common start: when it starts; from its first frame, playing. */
	sp = speaker(1, "lobby-1", PAGE_RECEIVED, 100, 100, "");
	sp.page_play_at_ms = 2000 + 210;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "starts in 0.3 s");
	sp.page_state = PAGE_PLAYING;
	sp.page_done = 0;
	sp.page_total = 240000;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "starts in 0.3 s");
	sp.page_done = 480;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "playing 0%");
	sp.page_done = 0;
	console_view_row(&row, &sp, NULL, 2210);
	assert_string_equal(row.state, "playing 0%");
	/* Whatever a legacy speaker's info holds, it has no clock. */
	sp.legacy = true;
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.sync, "-");
}

/* Expired is an outcome of its own, late joins are counted among the played. */
static void test_summary_expired_and_late(void **state)
{
	(void)state;
	char out[512];
	struct station_page pg = { .id = 3, .targets = 3, .delivered = 3, .played = 3, .late = 1,
	                           .late_ms = 120, .summarised = true };
	snprintf(pg.late_name, sizeof pg.late_name, "stage");
	assert_int_equal(console_view_summary(out, sizeof out, &pg), CONSOLE_TONE_WARN);
	assert_string_equal(out, "page 3: delivered to 3/3, played by 3/3, 1 joined late by 120 ms");
	pg.late = 2;
	pg.played = 2;
	pg.expired = 1;
	snprintf(pg.expired_name, sizeof pg.expired_name, "lobby");
	assert_int_equal(console_view_summary(out, sizeof out, &pg), CONSOLE_TONE_WARN);
	assert_string_equal(out, "page 3: delivered to 3/3, played by 2/3, 2 joined late by up to "
	                         "120 ms, expired on lobby");
	pg.expired = 3;
	pg.played = pg.late = 0;
	console_view_summary(out, sizeof out, &pg);
	assert_string_equal(out, "page 3: delivered to 3/3, played by 0/3, expired on lobby and 2 others");
	pg.summarised = false;
	pg.expired = 1;
	assert_int_equal(console_view_summary(out, sizeof out, &pg), CONSOLE_TONE_WARN);
	assert_string_equal(out, "page 3 to 3 speakers: delivered 3/3, played 0/3, 1 expired");
	/* An expired page is a final state of the row, said as such. */
	struct console_row row;
	struct station_speaker sp = speaker(1, "lobby", PAGE_EXPIRED, 10, 10, "");
	console_view_row(&row, &sp, NULL, 2000);
	assert_string_equal(row.state, "expired");
	assert_int_equal(row.state_tone, CONSOLE_TONE_WARN);
	assert_true(console_state_page_final(PAGE_EXPIRED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_states),
		cmocka_unit_test(test_row_sync),
		cmocka_unit_test(test_summary_expired_and_late),
		cmocka_unit_test(test_row_last_and_memcmp),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_rtp_target),
		cmocka_unit_test(test_build_header_and_hint),
		cmocka_unit_test(test_build_recording_and_summary),
		cmocka_unit_test(test_build_table_rows),
		cmocka_unit_test(test_waiting_and_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

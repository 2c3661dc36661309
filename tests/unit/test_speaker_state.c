/*
 * Unit tests of the speaker's state machine: link transitions and capped
 * backoff, the countdown, pages through receiving, playing and their
 * outcomes, the history, volume and mute, and the words the log and the
 * screen use for each state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/net/proto.h"
#include "intercom/speaker/speaker_state.h"

#include "said.h"

static const struct audio_format mono48 = { .rate = 48000, .channels = 1 };

static void test_backoff_doubles_to_cap(void **state)
{
	(void)state;
	unsigned b = 0, seen[8];
	for (int i = 0; i < 8; i++)
		seen[i] = b = speaker_state_backoff_next(b);
	assert_int_equal(seen[0], 500);
	assert_int_equal(seen[1], 1000);
	assert_int_equal(seen[2], 2000);
	assert_int_equal(seen[3], 4000);
	assert_int_equal(seen[4], 8000);
	assert_int_equal(seen[5], BACKOFF_MAX_MS);
	assert_int_equal(seen[7], BACKOFF_MAX_MS);
}

static void test_start_connects_at_once(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "127.0.0.1:2348", false, say_cb, &said);
	assert_int_equal(st.link, SPEAKER_LINK_WAITING);
	assert_int_equal(st.retry_at_ms, 0);
	char text[512];
	speaker_state_link_text(&st, 1000, true, text, sizeof text);
	assert_string_equal(text, "connecting to 127.0.0.1:2348…");
	speaker_state_connecting(&st, 1000);
	assert_int_equal(st.link, SPEAKER_LINK_CONNECTING);
	assert_string_equal(last(&said), "connecting to 127.0.0.1:2348");
	assert_int_equal(speaker_state_link_text(&st, 1000, false, text, sizeof text), SPEAKER_TONE_ACCENT);
	assert_string_equal(text, "connecting to 127.0.0.1:2348...");
}

static void test_failures_back_off_and_are_said_once(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "host:2348", false, say_cb, &said);
	uint64_t now = 10000;
	speaker_state_connecting(&st, now);
	assert_int_equal(speaker_state_link_down(&st, now, "Connection refused"), 500);
	assert_string_equal(last(&said), "cannot reach host:2348: Connection refused; retrying in 0.5 s");
	int n = said.n;
	for (unsigned want = 1000; want <= 8000; want *= 2) {
		speaker_state_connecting(&st, now);
		assert_int_equal(speaker_state_link_down(&st, now, "Connection refused"), want);
	}
	/* The same failure again and again is said once; connecting is said only the first time. */
	assert_int_equal(said.n, n);
	speaker_state_connecting(&st, now);
	assert_int_equal(speaker_state_link_down(&st, now, "No route to host"), BACKOFF_MAX_MS);
	assert_string_equal(last(&said), "cannot reach host:2348: No route to host; retrying in 10.0 s");
	assert_int_equal(st.retry_at_ms, now + BACKOFF_MAX_MS);
}

static void test_countdown(void **state)
{
	(void)state;
	struct speaker_state st;
	speaker_state_init(&st, "h:1", false, NULL, NULL);
	speaker_state_connecting(&st, 0);
	for (int i = 0; i < 3; i++)
		speaker_state_link_down(&st, 0, "Connection refused"); /* 0.5, 1, 2 s */
	assert_int_equal(st.retry_at_ms, 2000);
	char text[512];
	assert_int_equal(speaker_state_link_text(&st, 0, true, text, sizeof text), SPEAKER_TONE_BAD);
	assert_string_equal(text, "disconnected, retrying in 2 s: Connection refused");
	assert_int_equal(speaker_state_retry_in_s(&st, 1), 2);
	assert_int_equal(speaker_state_retry_in_s(&st, 1000), 1);
	assert_int_equal(speaker_state_retry_in_s(&st, 1001), 1);
	speaker_state_link_text(&st, 1999, true, text, sizeof text);
	assert_string_equal(text, "disconnected, retrying in 1 s: Connection refused");
	speaker_state_link_text(&st, 2000, true, text, sizeof text);
	assert_string_equal(text, "disconnected, retrying now: Connection refused");
	/* The text changes when the rounded-up seconds do. */
	assert_int_equal(speaker_state_next_change_ms(&st, 0), 1000);
	assert_int_equal(speaker_state_next_change_ms(&st, 250), 750);
	assert_int_equal(speaker_state_next_change_ms(&st, 1999), 1);
	assert_int_equal(speaker_state_next_change_ms(&st, 2000), -1);
}

static void test_ready_then_lost(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "10.0.0.5:2348", false, say_cb, &said);
	speaker_state_connecting(&st, 100);
	speaker_state_link_down(&st, 100, "Connection refused");
	speaker_state_connecting(&st, 600);
	speaker_state_authenticating(&st, 601);
	assert_int_equal(st.link, SPEAKER_LINK_AUTH);
	char text[512];
	speaker_state_link_text(&st, 601, true, text, sizeof text);
	assert_string_equal(text, "authenticating with 10.0.0.5:2348…");
	speaker_state_hello_sent(&st, 602);
	speaker_state_link_text(&st, 602, true, text, sizeof text);
	assert_string_equal(text, "introducing to 10.0.0.5:2348…");
	/* 12:03:04 UTC */
	speaker_state_ready(&st, 603, 43384000, "lobby-1", "studio", 7, true);
	assert_string_equal(last(&said), "connected to 10.0.0.5:2348 (console studio) as lobby-1, "
	                                 "speaker id 7, link encrypted, console key checked");
	assert_int_equal(st.backoff_ms, 0);
	assert_int_equal(speaker_state_link_text(&st, 700, true, text, sizeof text), SPEAKER_TONE_OK);
	assert_string_equal(text, "connected to 10.0.0.5:2348 (console studio) since 12:03:04, rtt -");
	speaker_state_rtt(&st, 3);
	speaker_state_link_text(&st, 700, true, text, sizeof text);
	assert_string_equal(text, "connected to 10.0.0.5:2348 (console studio) since 12:03:04, rtt 3ms");
	assert_int_equal(speaker_state_security_text(&st, true, text, sizeof text), SPEAKER_TONE_OK);
	assert_string_equal(text, "encrypted");
	assert_int_equal(speaker_state_next_change_ms(&st, 700), -1);

	/* Lost after being ready: said even if the reason is the last one, backoff from the minimum. */
	assert_int_equal(speaker_state_link_down(&st, 5000, "Connection refused"), 500);
	assert_string_equal(last(&said), "disconnected from 10.0.0.5:2348: Connection refused; retrying in 0.5 s");
	assert_false(st.rtt_known);
	speaker_state_link_text(&st, 5000, true, text, sizeof text);
	assert_string_equal(text, "disconnected, retrying in 1 s: Connection refused");
}

/* The shared clock: its words, the lock and its loss said once each, reset with the link. */
static void test_clock(void **state)
{
	(void)state;
	struct said said = { .n = 0 };
	struct speaker_state st;
	speaker_state_init(&st, "10.0.0.5:2348", false, say_cb, &said);
	speaker_state_ready(&st, 1, 43384000, "lobby-1", "studio", 7, false);
	char text[256];
	assert_int_equal(speaker_state_clock_text(&st, true, text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "no clock (plays on arrival)");
	int n = said.n;
	speaker_state_clock(&st, SYNC_SETTLING, 4000);
	assert_int_equal(said.n, n);
	assert_int_equal(speaker_state_clock_text(&st, true, text, sizeof text), SPEAKER_TONE_ACCENT);
	assert_string_equal(text, "clock settling");
	speaker_state_clock(&st, SYNC_LOCKED, 300);
	assert_string_equal(last(&said), "clock locked to the console's (±0.3 ms): pages start at their play-at time");
	assert_int_equal(said.n, n + 1);
	speaker_state_clock(&st, SYNC_LOCKED, 250);
	assert_int_equal(said.n, n + 1);
	assert_int_equal(speaker_state_clock_text(&st, true, text, sizeof text), SPEAKER_TONE_OK);
	assert_string_equal(text, "clock ±0.2 ms");
	speaker_state_clock_text(&st, false, text, sizeof text);
	assert_string_equal(text, "clock +/-0.2 ms");
	speaker_state_clock(&st, SYNC_LOCKED, 12400);
	speaker_state_clock_text(&st, true, text, sizeof text);
	assert_string_equal(text, "clock ±12 ms");
	speaker_state_clock(&st, SYNC_SETTLING, 30000);
	assert_string_equal(last(&said), "clock lost its lock on the console's (±30 ms): settling again");
	speaker_state_clock(&st, SYNC_SETTLING, 20000);
	assert_int_equal(said.n, n + 2);
	/* Locked again on the same link: not said a second time. */
	speaker_state_clock(&st, SYNC_LOCKED, 300);
	assert_int_equal(said.n, n + 2);
	/* A device whose stream clock is not trusted: said once, shown beside the clock. */
	speaker_state_device_clock_unreliable(&st, 12);
	assert_string_equal(last(&said), "device clock unreliable: pages start within ±12 ms");
	speaker_state_device_clock_unreliable(&st, 12);
	assert_int_equal(said.n, n + 3);
	assert_int_equal(speaker_state_clock_text(&st, true, text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "clock ±0.3 ms; device clock unreliable (±12 ms)");
	/* The link goes down: no clock, unsaid beyond the link's own line. */
	speaker_state_link_down(&st, 10, "Connection reset by peer");
	assert_int_equal(st.clock_state, SYNC_NONE);
	assert_int_equal(said.n, n + 4);
	speaker_state_ready(&st, 20, 43384000, "lobby-1", "studio", 7, false);
	speaker_state_clock(&st, SYNC_LOCKED, 300);
	assert_string_equal(last(&said), "clock locked to the console's (±0.3 ms): pages start at their play-at time");
}

/* Late joins, corrections and expiry: their log lines and history words. */
static void test_timed_outcomes(void **state)
{
	(void)state;
	struct said said = { .n = 0 };
	struct speaker_state st;
	speaker_state_init(&st, "10.0.0.5:2348", false, say_cb, &said);
	speaker_state_received(&st, 4, 0, &mono48, 480000, 960044);
	speaker_state_playing(&st, 4, 480000, false);
	speaker_state_joined_late(&st, 4, 120);
	assert_string_equal(last(&said), "page 4 joined late by 120 ms");
	speaker_state_corrected(&st, 27);
	speaker_state_finished(&st, 4, PAGE_PLAYED, NULL);
	assert_string_equal(last(&said), "page 4 played (10.00 s, joined 120 ms late, 27 frames corrected)");
	speaker_state_received(&st, 5, 0, &mono48, 48000, 96044);
	speaker_state_playing(&st, 5, 48000, false);
	speaker_state_corrected(&st, 1);
	speaker_state_finished(&st, 5, PAGE_PLAYED, NULL);
	assert_string_equal(last(&said), "page 5 played (1.00 s, 1 frame corrected)");
	speaker_state_received(&st, 6, 0, &mono48, 48000, 96044);
	speaker_state_finished(&st, 6, PAGE_EXPIRED, "its time passed 60.0 s ago");
	assert_string_equal(last(&said), "page 6 expired: its time passed 60.0 s ago");
	char text[160];
	assert_int_equal(speaker_state_result_text(&st.history[0], text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "expired: its time passed 60.0 s ago");
}

/* The delay trim: clamped, said once it settles. */
static void test_delay_trim(void **state)
{
	(void)state;
	struct said said = { .n = 0 };
	struct speaker_state st;
	speaker_state_init(&st, "10.0.0.5:2348", false, say_cb, &said);
	speaker_state_set_delay(&st, -5);
	assert_int_equal(st.delay_ms, 0);
	speaker_state_delay_settled(&st);
	assert_int_equal(said.n, 0);
	speaker_state_set_delay(&st, 9000);
	assert_int_equal(st.delay_ms, PLAYOUT_DELAY_MAX_MS);
	speaker_state_set_delay(&st, 12);
	speaker_state_delay_settled(&st);
	assert_string_equal(last(&said), "delay 12 ms: pages play that much after their play-at time");
	speaker_state_delay_settled(&st);
	assert_int_equal(said.n, 1);
}

static void test_security_words(void **state)
{
	(void)state;
	struct speaker_state st;
	char text[128];
	speaker_state_init(&st, "h:1", false, NULL, NULL);
	assert_int_equal(speaker_state_security_text(&st, false, text, sizeof text), SPEAKER_TONE_NORMAL);
	assert_string_equal(text, "every link encrypted; console key pinned");
	speaker_state_security_text(&st, true, text, sizeof text);
	assert_string_equal(text, "every link encrypted; console key pinned, pre-shared key set");
	snprintf(st.console_fp, sizeof st.console_fp, "ab12 cd34 ef56");
	speaker_state_ready(&st, 1, 1, "s", "c", 1, true);
	assert_int_equal(speaker_state_security_text(&st, false, text, sizeof text), SPEAKER_TONE_OK);
	assert_string_equal(text, "encrypted, console ab12 cd34");
	speaker_state_init(&st, "h:1", true, NULL, NULL);
	speaker_state_security_text(&st, false, text, sizeof text);
	assert_string_equal(text, "old Python-intercom format: NOT authenticated");
}

/* WAIT: said once, shown with this speaker's fingerprint; WELCOME ends it. */
static void test_waiting_for_approval(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "h:1", false, say_cb, &said);
	snprintf(st.own_fp, sizeof st.own_fp, "1111 2222");
	speaker_state_connecting(&st, 1);
	speaker_state_hello_sent(&st, 2);
	speaker_state_pending(&st, 3, "waiting for the operator of c to approve this speaker (11112222)");
	assert_int_equal(st.link, SPEAKER_LINK_PENDING);
	assert_string_equal(last(&said), "console h:1: waiting for the operator of c to approve this "
	                                 "speaker (11112222); this speaker's fingerprint is 1111 2222");
	size_t n = said.n;
	speaker_state_pending(&st, 4, "waiting for the operator of c to approve this speaker (11112222)");
	assert_int_equal(said.n, n);
	char text[256];
	assert_int_equal(speaker_state_link_text(&st, 5, true, text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "waiting for approval at h:1: this speaker is 1111 2222");
	speaker_state_ready(&st, 6, 1, "s", "c", 1, true);
	assert_int_equal(st.link, SPEAKER_LINK_READY);
}

static void test_page_played(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "h:2348", false, say_cb, &said);
	speaker_state_ready(&st, 1, 1000, "s1", "studio", 1, false);
	char text[256];
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_NORMAL);
	assert_string_equal(text, "waiting for a page");

	speaker_state_receiving(&st, 0, 10, 480044);
	speaker_state_activity_text(&st, text, sizeof text);
	assert_string_equal(text, "receiving a page (0% of 468 KiB)");
	speaker_state_receiving(&st, 3, 200000, 480044);
	assert_string_equal(last(&said), "page 3 arriving: 480044 bytes");
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_ACCENT);
	assert_string_equal(text, "receiving page 3 (41% of 468 KiB)");
	int n = said.n;
	speaker_state_receiving(&st, 3, 400000, 480044);
	assert_int_equal(said.n, n); /* arriving is said once a page */

	speaker_state_received(&st, 3, 43384000, &mono48, 240000, 480044);
	assert_string_equal(last(&said), "page 3 received: 5.00 s 48000 Hz mono 16-bit, 480044 bytes");
	assert_int_equal(st.history_len, 1);
	assert_int_equal(st.history[0].page_id, 3);
	assert_int_equal(st.history[0].duration_ms, 5000);
	assert_string_equal(st.history[0].from, "studio");
	assert_int_equal(st.history[0].result, 0);

	speaker_state_playing(&st, 3, 240000, false);
	assert_string_equal(last(&said), "page 3 playing (5.00 s)");
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_OK);
	assert_string_equal(text, "playing page 3");
	/* A page's priority, as speaker.c sets it: high said, an emergency unmistakable, in the alert tone. */
	st.page_priority = 1;
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_OK);
	assert_string_equal(text, "playing page 3 (high priority)");
	st.page_priority = 2;
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_BAD);
	assert_string_equal(text, "!! EMERGENCY page 3 !!");
	st.priority_raised = true;
	st.muted = true;
	speaker_state_activity_text(&st, text, sizeof text);
	assert_string_equal(text, "!! EMERGENCY page 3 !! (plays through the mute)");
	st.muted = false;
	speaker_state_activity_text(&st, text, sizeof text);
	assert_string_equal(text, "!! EMERGENCY page 3 !! (at its floor volume)");
	st.page_priority = 0;
	st.priority_raised = false;
	speaker_state_progress(&st, 120000);
	assert_int_equal(st.frames_played, 120000);
	speaker_state_progress(&st, 999999);
	assert_int_equal(st.frames_played, 240000); /* never past the end */

	speaker_state_finished(&st, 3, PAGE_PLAYED, NULL);
	assert_string_equal(last(&said), "page 3 played (5.00 s)");
	assert_int_equal(st.activity, SPEAKER_IDLE);
	assert_int_equal(st.history[0].result, PAGE_PLAYED);
	assert_int_equal(st.frames_played, st.frames_total);
	assert_int_equal(speaker_state_result_text(&st.history[0], text, sizeof text), SPEAKER_TONE_OK);
	assert_string_equal(text, "played");
}

/* RTP (--rtp-listen): said as unauthenticated, no page in the history, the idle words name the group. */
static void test_rtp_words(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "", false, say_cb, &said);
	snprintf(st.rtp_listen, sizeof st.rtp_listen, "224.0.2.60:50000 pcmu");
	char text[256];
	assert_int_equal(speaker_state_link_text(&st, 0, false, text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "no console: RTP only, on 224.0.2.60:50000 pcmu (unauthenticated)");
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "listening for RTP on 224.0.2.60:50000 pcmu (unauthenticated)");
	static const struct audio_format mono8 = { .rate = 8000, .channels = 1 };
	speaker_state_rtp(&st, "10.0.0.5", &mono8, 100);
	assert_string_equal(last(&said), "RTP from 10.0.0.5 (unauthenticated) playing, 100 ms behind its packets");
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "RTP from 10.0.0.5 (unauthenticated)");
	assert_int_equal(st.history_len, 0);
	speaker_state_rtp_stopped(&st, "a newer page arrived");
	assert_string_equal(last(&said), "RTP from 10.0.0.5 stopped: a newer page arrived");
	assert_int_equal(st.activity, SPEAKER_IDLE);
	int n = said.n;
	speaker_state_rtp_stopped(&st, "again");
	assert_int_equal(said.n, n); /* stopped once */
	/* With a console ready, waiting names both. */
	speaker_state_ready(&st, 1, 1000, "s1", "studio", 1, false);
	speaker_state_activity_text(&st, text, sizeof text);
	assert_string_equal(text, "waiting for a page, or RTP on 224.0.2.60:50000 pcmu (unauthenticated)");
}

static void test_newer_page_wins(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "h:2348", false, say_cb, &said);
	speaker_state_ready(&st, 1, 1000, "s1", "studio", 1, false);
	speaker_state_received(&st, 1, 2000, &mono48, 48000, 96044);
	speaker_state_playing(&st, 1, 48000, false);
	/* Page 2 arrives while 1 plays: the screen shows it arriving, page 1 goes on. */
	speaker_state_receiving(&st, 2, 100, 96044);
	assert_int_equal(st.activity, SPEAKER_RECEIVING);
	speaker_state_finished(&st, 1, PAGE_INTERRUPTED, "a newer page arrived");
	assert_string_equal(last(&said), "page 1 interrupted: a newer page arrived");
	speaker_state_received(&st, 2, 3000, &mono48, 48000, 96044);
	speaker_state_playing(&st, 2, 48000, false);
	assert_int_equal(st.history_len, 2);
	assert_int_equal(st.history[0].page_id, 2);
	char text[256];
	assert_int_equal(speaker_state_result_text(&st.history[1], text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "interrupted: a newer page arrived");
	assert_int_equal(speaker_state_result_text(&st.history[0], text, sizeof text), SPEAKER_TONE_ACCENT);
	assert_string_equal(text, "playing");
}

static void test_arrival_during_playback(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	char text[256];
	speaker_state_init(&st, "h:2348", false, say_cb, &said);
	speaker_state_ready(&st, 1, 1000, "s1", "studio", 1, false);
	speaker_state_received(&st, 1, 2000, &mono48, 48000, 96044);
	speaker_state_playing(&st, 1, 48000, false);
	/* A bad page arrives while page 1 plays: page 1 goes on, and shows again. */
	speaker_state_receiving(&st, 2, 10, 500);
	speaker_state_activity_text(&st, text, sizeof text);
	assert_string_equal(text, "receiving page 2 (2% of 500 B)");
	speaker_state_rejected(&st, 2, 2500, "not a WAV file");
	assert_int_equal(st.activity, SPEAKER_PLAYING);
	speaker_state_activity_text(&st, text, sizeof text);
	assert_string_equal(text, "playing page 1");
	/* Page 1 ends while page 3 arrives: its outcome is kept, the arrival shows. */
	speaker_state_receiving(&st, 3, 10, 500);
	speaker_state_finished(&st, 1, PAGE_PLAYED, NULL);
	assert_string_equal(last(&said), "page 1 played (1.00 s)");
	assert_int_equal(st.activity, SPEAKER_RECEIVING);
	assert_int_equal(st.history[1].result, PAGE_PLAYED);
	speaker_state_receive_lost(&st);
	assert_int_equal(st.activity, SPEAKER_IDLE);
	/* A replay that ends while a page arrives is still a replay. */
	speaker_state_playing(&st, 1, 48000, true);
	speaker_state_receiving(&st, 4, 10, 500);
	speaker_state_finished(&st, 1, PAGE_PLAYED, NULL);
	assert_string_equal(last(&said), "page 1 replayed (1.00 s)");
}

static void test_rejected_failed_muted(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "h:2348", false, say_cb, &said);
	speaker_state_rejected(&st, 7, 1000, "truncated: data chunk says 96000 bytes, 4000 present");
	assert_string_equal(last(&said), "page 7 rejected: truncated: data chunk says 96000 bytes, 4000 present");
	char text[256];
	assert_int_equal(speaker_state_result_text(&st.history[0], text, sizeof text), SPEAKER_TONE_BAD);
	assert_string_equal(text, "failed: rejected: truncated: data chunk says 96000 bytes, 4000 present");

	speaker_state_received(&st, 8, 2000, &mono48, 4800, 9644);
	speaker_state_finished(&st, 8, PAGE_FAILED, "saved, not played: no output device");
	assert_string_equal(last(&said), "page 8 failed: saved, not played: no output device");

	speaker_state_set_muted(&st, true);
	assert_string_equal(last(&said), "muted: pages are received and reported as muted, not played");
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "muted: pages are received, not played");
	speaker_state_received(&st, 9, 3000, &mono48, 4800, 9644);
	speaker_state_finished(&st, 9, PAGE_MUTED, "muted on the speaker");
	assert_string_equal(last(&said), "page 9 muted: muted on the speaker");
	assert_int_equal(speaker_state_result_text(&st.history[0], text, sizeof text), SPEAKER_TONE_WARN);
	assert_string_equal(text, "muted");
	int n = said.n;
	speaker_state_set_muted(&st, true);
	assert_int_equal(said.n, n); /* no change, nothing said */
	speaker_state_set_muted(&st, false);
	assert_string_equal(last(&said), "unmuted: pages play again");
}

static void test_replay_is_not_history(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "h:2348", false, say_cb, &said);
	speaker_state_received(&st, 4, 1000, &mono48, 96000, 192044);
	speaker_state_playing(&st, 4, 96000, false);
	speaker_state_finished(&st, 4, PAGE_PLAYED, NULL);
	speaker_state_playing(&st, 4, 96000, true);
	assert_string_equal(last(&said), "page 4 replaying here (2.00 s), not reported to the console");
	char text[128];
	speaker_state_activity_text(&st, text, sizeof text);
	assert_string_equal(text, "replaying page 4 (here only)");
	speaker_state_finished(&st, 4, PAGE_PLAYED, NULL);
	assert_string_equal(last(&said), "page 4 replayed (2.00 s)");
	assert_int_equal(st.history_len, 1);
	assert_int_equal(st.history[0].result, PAGE_PLAYED);
}

static void test_history_keeps_the_newest(void **state)
{
	(void)state;
	struct speaker_state st;
	speaker_state_init(&st, "h:2348", false, NULL, NULL);
	for (uint32_t id = 1; id <= SPEAKER_HISTORY + 5; id++) {
		speaker_state_received(&st, id, id * 1000, &mono48, 480, 1004);
		speaker_state_finished(&st, id, PAGE_PLAYED, NULL);
	}
	assert_int_equal(st.history_len, SPEAKER_HISTORY);
	assert_int_equal(st.history[0].page_id, SPEAKER_HISTORY + 5);
	assert_int_equal(st.history[SPEAKER_HISTORY - 1].page_id, 6);
	/* A restarted console numbers from 1 again: the outcome goes to the pending entry. */
	speaker_state_received(&st, 6, 99000, &mono48, 480, 1004);
	speaker_state_finished(&st, 6, PAGE_FAILED, "output device stopped during playback");
	assert_int_equal(st.history[0].result, PAGE_FAILED);
	assert_int_equal(st.history[SPEAKER_HISTORY - 1].page_id, 7);
}

static void test_receive_lost_with_link(void **state)
{
	(void)state;
	struct speaker_state st;
	speaker_state_init(&st, "h:2348", false, NULL, NULL);
	speaker_state_ready(&st, 1, 1, "s", "c", 1, false);
	speaker_state_receiving(&st, 5, 10, 100);
	speaker_state_receive_lost(&st);
	speaker_state_link_down(&st, 10, "no sign of life for 5 s");
	char text[128];
	assert_int_equal(speaker_state_activity_text(&st, text, sizeof text), SPEAKER_TONE_DIM);
	assert_string_equal(text, "not connected");
}

static void test_volume_said_when_settled(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "h:2348", false, say_cb, &said);
	for (int i = 0; i < 6; i++)
		speaker_state_set_volume(&st, st.volume_db - 1);
	assert_int_equal(st.volume_db, -6);
	assert_int_equal(said.n, 0);
	speaker_state_volume_settled(&st);
	assert_string_equal(last(&said), "volume -6 dB");
	speaker_state_volume_settled(&st);
	assert_int_equal(said.n, 1);
	speaker_state_set_volume(&st, 99);
	speaker_state_volume_settled(&st);
	assert_string_equal(last(&said), "volume +12 dB");
}

static void test_legacy_link(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct speaker_state st;
	speaker_state_init(&st, "old:2348", true, say_cb, &said);
	speaker_state_connecting(&st, 0);
	assert_string_equal(last(&said), "connecting to old server old:2348");
	speaker_state_legacy_connected(&st, 1, 1000);
	assert_string_equal(last(&said), "connected to old server old:2348, waiting for pages");
	/* A good page: straight back; announced once until a failure. */
	speaker_state_legacy_page_end(&st, 5, true);
	assert_int_equal(st.retry_at_ms, 5);
	int n = said.n;
	speaker_state_connecting(&st, 5);
	speaker_state_legacy_connected(&st, 6, 2000);
	assert_int_equal(said.n, n);
	/* An old server's accept resets nothing: failures keep doubling. */
	assert_int_equal(speaker_state_link_down(&st, 10, "closed the connection without sending a page"), 500);
	assert_string_equal(last(&said), "old server old:2348: closed the connection without sending a page; "
	                                 "retrying in 0.5 s");
	speaker_state_connecting(&st, 600);
	speaker_state_legacy_connected(&st, 601, 3000);
	assert_int_equal(speaker_state_link_down(&st, 700, "closed the connection without sending a page"), 1000);
	speaker_state_legacy_page_end(&st, 800, false);
	assert_int_equal(st.backoff_ms, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_doubles_to_cap),
		cmocka_unit_test(test_start_connects_at_once),
		cmocka_unit_test(test_failures_back_off_and_are_said_once),
		cmocka_unit_test(test_countdown),
		cmocka_unit_test(test_ready_then_lost),
		cmocka_unit_test(test_security_words),
		cmocka_unit_test(test_waiting_for_approval),
		cmocka_unit_test(test_page_played),
		cmocka_unit_test(test_newer_page_wins),
		cmocka_unit_test(test_rtp_words),
		cmocka_unit_test(test_arrival_during_playback),
		cmocka_unit_test(test_rejected_failed_muted),
		cmocka_unit_test(test_replay_is_not_history),
		cmocka_unit_test(test_history_keeps_the_newest),
		cmocka_unit_test(test_receive_lost_with_link),
		cmocka_unit_test(test_volume_said_when_settled),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_timed_outcomes),
		cmocka_unit_test(test_delay_trim),
		cmocka_unit_test(test_legacy_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The speaker's state machine: link, page in hand, settings, history, and their words. */
#include "intercom/speaker/speaker_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "intercom/audio/volume.h"
#include "intercom/common/log.h"
#include "intercom/common/utf8.h"
#include "intercom/net/proto.h"

/* The state machine words each change through its say callback. */
#define say(st, ...) log_say((st)->say, (st)->say_ctx, __VA_ARGS__)

void speaker_state_init(struct speaker_state *st, const char *console_addr, bool legacy,
                        speaker_say_fn say_fn, void *say_ctx)
{
	memset(st, 0, sizeof *st);
	st->say = say_fn;
	st->say_ctx = say_ctx;
	st->legacy = legacy;
	snprintf(st->console_addr, sizeof st->console_addr, "%s", console_addr);
	st->link = SPEAKER_LINK_WAITING;
}

unsigned speaker_state_backoff_next(unsigned current)
{
	if (current == 0)
		return BACKOFF_MIN_MS;
	return current * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : current * 2;
}

static void link_set(struct speaker_state *st, enum speaker_link link, uint64_t now_ms)
{
	st->link = link;
	st->link_since_ms = now_ms;
}

void speaker_state_connecting(struct speaker_state *st, uint64_t now_ms)
{
	/* Only the first attempt of a streak is said; the failures say the rest. */
	if (!st->ever_tried)
		say(st, "connecting to %s%s", st->legacy ? "old server " : "", st->console_addr);
	st->ever_tried = true;
	link_set(st, SPEAKER_LINK_CONNECTING, now_ms);
}

void speaker_state_authenticating(struct speaker_state *st, uint64_t now_ms)
{
	link_set(st, SPEAKER_LINK_AUTH, now_ms);
}

void speaker_state_hello_sent(struct speaker_state *st, uint64_t now_ms)
{
	link_set(st, SPEAKER_LINK_HELLO_SENT, now_ms);
}

void speaker_state_pending(struct speaker_state *st, uint64_t now_ms, const char *reason)
{
	bool again = strcmp(st->wait_reason, reason) == 0;
	link_set(st, SPEAKER_LINK_PENDING, now_ms);
	utf8_copy(st->wait_reason, sizeof st->wait_reason, reason);
	if (!again)
		say(st, "console %s: %s; this speaker's fingerprint is %s", st->console_addr, reason,
		    st->own_fp[0] ? st->own_fp : "?");
}

void speaker_state_ready(struct speaker_state *st, uint64_t now_ms, uint64_t wall_ms,
                         const char *speaker_name, const char *console_name,
                         uint32_t speaker_id, bool sealed)
{
	link_set(st, SPEAKER_LINK_READY, now_ms);
	st->connected_wall_ms = wall_ms;
	st->backoff_ms = 0;
	st->reason[0] = '\0';
	st->rtt_known = false;
	st->rtt_ms = 0;
	st->clock_state = SYNC_NONE;
	st->clock_uncertainty_us = 0;
	st->clock_was_locked = false;
	st->sealed = sealed;
	st->speaker_id = speaker_id;
	snprintf(st->console_name, sizeof st->console_name, "%s", console_name);
	st->wait_reason[0] = '\0';
	say(st, "connected to %s (console %s) as %s, speaker id %u, %s", st->console_addr,
	    console_name, speaker_name, speaker_id,
	    !sealed ? "link NOT encrypted"
	    : st->psk ? "link encrypted, console key checked, pre-shared key proven"
	              : "link encrypted, console key checked");
}

void speaker_state_legacy_connected(struct speaker_state *st, uint64_t now_ms, uint64_t wall_ms)
{
	link_set(st, SPEAKER_LINK_READY, now_ms);
	st->sealed = false;
	utf8_copy(st->console_name, sizeof st->console_name, st->console_addr);
	/* An old server is connected to again after every page: said once until a failure. */
	if (!st->legacy_announced)
		say(st, "connected to old server %s, waiting for pages", st->console_addr);
	st->legacy_announced = true;
	st->connected_wall_ms = wall_ms;
}

unsigned speaker_state_link_down(struct speaker_state *st, uint64_t now_ms, const char *why)
{
	/* An old server's accept proves little (it may close at once): only a page resets the backoff. */
	bool was_ready = st->link == SPEAKER_LINK_READY && !st->legacy;
	link_set(st, SPEAKER_LINK_WAITING, now_ms);
	st->backoff_ms = speaker_state_backoff_next(was_ready ? 0 : st->backoff_ms);
	st->retry_at_ms = now_ms + st->backoff_ms;
	st->rtt_known = false;
	st->connected_wall_ms = 0;
	st->legacy_announced = false;
	st->clock_state = SYNC_NONE;
	st->clock_uncertainty_us = 0;
	st->clock_was_locked = false;
	if (was_ready || strcmp(why, st->reason) != 0)
		say(st, "%s %s: %s; retrying in %.1f s",
		    was_ready ? "disconnected from" : st->legacy ? "old server" : "cannot reach",
		    st->console_addr, why, st->backoff_ms / 1000.0);
	snprintf(st->reason, sizeof st->reason, "%s", why);
	return st->backoff_ms;
}

void speaker_state_retry_now(struct speaker_state *st, uint64_t now_ms)
{
	st->retry_at_ms = now_ms;
}

void speaker_state_legacy_page_end(struct speaker_state *st, uint64_t now_ms, bool ok)
{
	link_set(st, SPEAKER_LINK_WAITING, now_ms);
	if (ok) {
		st->backoff_ms = 0;
		st->reason[0] = '\0';
		st->retry_at_ms = now_ms;
	} else {
		st->backoff_ms = speaker_state_backoff_next(st->backoff_ms);
		st->retry_at_ms = now_ms + st->backoff_ms;
	}
}

void speaker_state_rtt(struct speaker_state *st, uint32_t rtt_ms)
{
	st->rtt_ms = rtt_ms;
	st->rtt_known = true;
}

/* "0.3 ms" below 10 ms, "12 ms" above. */
static void uncertainty_text(char *out, size_t outlen, uint32_t us)
{
	if (us < 10000)
		snprintf(out, outlen, "%.1f ms", us / 1000.0);
	else
		snprintf(out, outlen, "%u ms", (us + 500) / 1000);
}

void speaker_state_clock(struct speaker_state *st, int sync_state, uint32_t uncertainty_us)
{
	int was = st->clock_state;
	st->clock_state = (uint8_t)sync_state;
	st->clock_uncertainty_us = uncertainty_us;
	char u[24];
	uncertainty_text(u, sizeof u, uncertainty_us);
	if (sync_state == SYNC_LOCKED && was != SYNC_LOCKED && !st->clock_was_locked) {
		st->clock_was_locked = true;
		say(st, "clock locked to the console's (±%s): pages start at their play-at time", u);
	} else if (sync_state != SYNC_LOCKED && was == SYNC_LOCKED) {
		say(st, "clock lost its lock on the console's (±%s)%s", u,
		    sync_state == SYNC_NONE ? ": pages play on arrival" : ": settling again");
	}
}

void speaker_state_device_clock_unreliable(struct speaker_state *st, unsigned within_ms)
{
	if (st->device_clock_unreliable && st->device_clock_within_ms >= within_ms)
		return;
	st->device_clock_unreliable = true;
	st->device_clock_within_ms = within_ms;
	say(st, "device clock unreliable: pages start within ±%u ms", within_ms);
}

unsigned speaker_state_retry_in_s(const struct speaker_state *st, uint64_t now_ms)
{
	if (st->link != SPEAKER_LINK_WAITING || st->retry_at_ms <= now_ms)
		return 0;
	return (unsigned)((st->retry_at_ms - now_ms + 999) / 1000);
}

/* ---- pages ---- */

/* What the screen shows as "now": a page arriving, else the one playing, else nothing. */
static void activity_update(struct speaker_state *st)
{
	if (st->receiving)
		st->activity = SPEAKER_RECEIVING;
	else if (st->playing)
		st->activity = st->replaying ? SPEAKER_REPLAYING : SPEAKER_PLAYING;
	else
		st->activity = SPEAKER_IDLE;
}

void speaker_state_receiving(struct speaker_state *st, uint32_t page_id, uint64_t done,
                             uint64_t total)
{
	bool known_before = st->receiving && st->recv_page_id != 0;
	if (!st->receiving)
		st->recv_page_id = 0;
	/* A page arriving while another plays: the screen shows the arrival, playback goes on. */
	st->receiving = true;
	if (page_id)
		st->recv_page_id = page_id;
	st->recv_done = done;
	st->recv_total = total;
	activity_update(st);
	if (!known_before && page_id)
		say(st, "page %u arriving: %llu bytes", page_id, (unsigned long long)total);
}

/* A new history entry at the front (the oldest falls off). */
static struct speaker_page_entry *history_push(struct speaker_state *st, uint32_t page_id,
                                               uint64_t wall_ms)
{
	size_t keep = st->history_len < SPEAKER_HISTORY ? st->history_len : SPEAKER_HISTORY - 1;
	memmove(&st->history[1], &st->history[0], keep * sizeof st->history[0]);
	st->history_len = keep + 1;
	struct speaker_page_entry *e = &st->history[0];
	memset(e, 0, sizeof *e);
	e->page_id = page_id;
	e->received_wall_ms = wall_ms;
	utf8_copy(e->from, sizeof e->from, st->console_name[0] ? st->console_name : st->console_addr);
	return e;
}

/*
 * The newest entry of page_id still waiting for its outcome, or NULL. (A
 * restarted console numbers from 1 again, so an old entry may share the id.)
 */
static struct speaker_page_entry *history_pending(struct speaker_state *st, uint32_t page_id)
{
	for (size_t i = 0; i < st->history_len; i++)
		if (st->history[i].page_id == page_id && st->history[i].result == 0)
			return &st->history[i];
	return NULL;
}

void speaker_state_received(struct speaker_state *st, uint32_t page_id, uint64_t wall_ms,
                            const struct audio_format *fmt, size_t frames, size_t bytes)
{
	struct speaker_page_entry *e = history_push(st, page_id, wall_ms);
	e->duration_ms = fmt->rate > 0 ? (uint64_t)frames * 1000u / (uint64_t)fmt->rate : 0;
	st->fmt = *fmt;
	st->have_format = true;
	st->receiving = false;
	st->live_ms = 0;
	activity_update(st);
	char name[64];
	format_describe(fmt, name, sizeof name);
	say(st, "page %u received: %.2f s %s, %zu bytes", page_id, format_seconds(frames, fmt->rate),
	    name, bytes);
}

void speaker_state_rejected(struct speaker_state *st, uint32_t page_id, uint64_t wall_ms,
                            const char *reason)
{
	struct speaker_page_entry *e = history_push(st, page_id, wall_ms);
	e->result = PAGE_FAILED;
	snprintf(e->reason, sizeof e->reason, "rejected: %s", reason);
	st->receiving = false;
	activity_update(st);
	say(st, "page %u rejected: %s", page_id, reason);
}

void speaker_state_playing(struct speaker_state *st, uint32_t page_id, size_t frames, bool replay)
{
	st->playing = true;
	st->replaying = replay;
	st->play_page_id = page_id;
	activity_update(st);
	st->frames_total = frames;
	st->frames_played = 0;
	st->late_ms = 0;
	st->corrected = 0;
	if (replay)
		st->live_ms = 0;
	if (replay)
		say(st, "page %u replaying here (%.2f s), not reported to the console", page_id,
		    format_seconds(frames, st->fmt.rate));
	else
		say(st, "page %u playing (%.2f s)", page_id, format_seconds(frames, st->fmt.rate));
}

void speaker_state_progress(struct speaker_state *st, size_t frames_played)
{
	st->frames_played = frames_played > st->frames_total ? st->frames_total : frames_played;
}

void speaker_state_finished(struct speaker_state *st, uint32_t page_id, int result,
                            const char *reason)
{
	bool replay = st->playing && st->replaying && st->play_page_id == page_id;
	if (st->playing && st->play_page_id == page_id) {
		if (result == PAGE_PLAYED)
			st->frames_played = st->frames_total;
		st->playing = st->replaying = false;
		activity_update(st);
	}
	double secs = format_seconds(st->frames_total, st->fmt.rate);
	if (replay) {
		if (result == PAGE_PLAYED)
			say(st, "page %u replayed (%.2f s)", page_id, secs);
		else
			say(st, "page %u replay stopped%s%s", page_id, reason ? ": " : "", reason ? reason : "");
		return;
	}
	struct speaker_page_entry *e = history_pending(st, page_id);
	if (e) {
		e->result = (uint8_t)result;
		snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
	}
	char extra[64] = "";
	if (st->late_ms)
		snprintf(extra, sizeof extra, ", joined %u ms late", st->late_ms);
	if (st->corrected)
		snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ", %llu frame%s corrected",
		         (unsigned long long)st->corrected, st->corrected == 1 ? "" : "s");
	if (result == PAGE_PLAYED)
		say(st, "page %u played (%.2f s%s)", page_id, secs, extra);
	else
		say(st, "page %u %s%s%s", page_id, proto_page_state_name(result), reason ? ": " : "",
		    reason ? reason : "");
}

void speaker_state_live(struct speaker_state *st, uint32_t page_id, uint64_t wall_ms,
                        const struct audio_format *fmt, uint32_t latency_ms)
{
	history_push(st, page_id, wall_ms);
	st->fmt = *fmt;
	st->have_format = true;
	st->receiving = false;
	activity_update(st);
	st->live_ms = latency_ms;
	say(st, "page %u: live from %s, %u ms behind the voice", page_id,
	    st->console_name[0] ? st->console_name : "the console", latency_ms);
}

void speaker_state_rtp(struct speaker_state *st, const char *from, const struct audio_format *fmt,
                       uint32_t latency_ms)
{
	st->fmt = *fmt;
	st->have_format = true;
	st->playing = true;
	st->replaying = false;
	st->play_page_id = 0;
	st->frames_total = st->frames_played = 0;
	st->late_ms = 0;
	st->corrected = 0;
	st->live_ms = latency_ms;
	snprintf(st->rtp_from, sizeof st->rtp_from, "%s", from);
	activity_update(st);
	say(st, "RTP from %s (unauthenticated) playing, %u ms behind its packets", from, latency_ms);
}

void speaker_state_rtp_stopped(struct speaker_state *st, const char *why)
{
	if (!st->rtp_from[0])
		return;
	say(st, "RTP from %s stopped: %s", st->rtp_from, why);
	st->rtp_from[0] = '\0';
	st->playing = false;
	st->live_ms = 0;
	activity_update(st);
}

void speaker_state_joined_late(struct speaker_state *st, uint32_t page_id, uint32_t late_ms)
{
	st->late_ms = late_ms;
	say(st, "page %u joined late by %u ms", page_id, late_ms);
}

void speaker_state_corrected(struct speaker_state *st, uint64_t frames)
{
	st->corrected = frames;
}

void speaker_state_receive_lost(struct speaker_state *st)
{
	st->receiving = false;
	activity_update(st);
}

/* ---- settings ---- */

void speaker_state_set_delay(struct speaker_state *st, int ms)
{
	st->delay_ms = ms < 0 ? 0 : ms > PLAYOUT_DELAY_MAX_MS ? PLAYOUT_DELAY_MAX_MS : ms;
}

void speaker_state_delay_settled(struct speaker_state *st)
{
	if (st->delay_ms == st->delay_said_ms)
		return;
	st->delay_said_ms = st->delay_ms;
	say(st, "delay %d ms: pages play that much after their play-at time", st->delay_ms);
}

void speaker_state_set_volume(struct speaker_state *st, int db)
{
	st->volume_db = volume_clamp_db(db);
}

void speaker_state_volume_settled(struct speaker_state *st)
{
	if (st->volume_db == st->volume_said_db)
		return;
	st->volume_said_db = st->volume_db;
	char text[16];
	volume_describe(text, sizeof text, st->volume_db);
	say(st, "volume %s", text);
}

void speaker_state_set_muted(struct speaker_state *st, bool muted)
{
	if (muted == st->muted)
		return;
	st->muted = muted;
	say(st, muted ? "muted: pages are received and reported as muted, not played"
	              : "unmuted: pages play again");
}

/* ---- words for the screen ---- */

/* "12:03:04" in local time. */
static void wall_hms(char *out, size_t outlen, uint64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	snprintf(out, outlen, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "812 B", "470 KiB", "1.2 MiB". */
static void size_text(char *out, size_t outlen, uint64_t bytes)
{
	if (bytes < 1024)
		snprintf(out, outlen, "%llu B", (unsigned long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(out, outlen, "%llu KiB", (unsigned long long)(bytes / 1024));
	else
		snprintf(out, outlen, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
}

enum speaker_tone speaker_state_link_text(const struct speaker_state *st, uint64_t now_ms,
                                          bool utf8, char *out, size_t outlen)
{
	const char *dots = utf8 ? "…" : "...";
	const char *old = st->legacy ? "old server " : "";
	if (!st->console_addr[0] && st->rtp_listen[0]) {
		snprintf(out, outlen, "no console: RTP only, on %s (unauthenticated)", st->rtp_listen);
		return SPEAKER_TONE_WARN;
	}
	switch (st->link) {
	case SPEAKER_LINK_CONNECTING:
		snprintf(out, outlen, "connecting to %s%s%s", old, st->console_addr, dots);
		return SPEAKER_TONE_ACCENT;
	case SPEAKER_LINK_AUTH:
		snprintf(out, outlen, "authenticating with %s%s", st->console_addr, dots);
		return SPEAKER_TONE_ACCENT;
	case SPEAKER_LINK_HELLO_SENT:
		snprintf(out, outlen, "introducing to %s%s", st->console_addr, dots);
		return SPEAKER_TONE_ACCENT;
	case SPEAKER_LINK_PENDING:
		snprintf(out, outlen, "waiting for approval at %s: this speaker is %s", st->console_addr,
		         st->own_fp);
		return SPEAKER_TONE_WARN;
	case SPEAKER_LINK_READY: {
		char since[16] = "", rtt[16] = "";
		wall_hms(since, sizeof since, st->connected_wall_ms);
		if (st->legacy) {
			snprintf(out, outlen, "connected to old server %s since %s", st->console_addr, since);
			return SPEAKER_TONE_OK;
		}
		if (st->rtt_known)
			snprintf(rtt, sizeof rtt, "%ums", st->rtt_ms);
		else
			snprintf(rtt, sizeof rtt, "-");
		snprintf(out, outlen, "connected to %s (console %s) since %s, rtt %s", st->console_addr,
		         st->console_name, since, rtt);
		return SPEAKER_TONE_OK;
	}
	case SPEAKER_LINK_WAITING:
		break;
	}
	unsigned in = speaker_state_retry_in_s(st, now_ms);
	if (!st->ever_tried)
		snprintf(out, outlen, "connecting to %s%s%s", old, st->console_addr, dots);
	else if (!st->reason[0])
		snprintf(out, outlen, "reconnecting to %s%s in %u s", old, st->console_addr, in);
	/* The countdown before the reason: on a narrow screen the reason is what gets cut. */
	else if (in > 0)
		snprintf(out, outlen, "disconnected, retrying in %u s: %s", in, st->reason);
	else
		snprintf(out, outlen, "disconnected, retrying now: %s", st->reason);
	return st->reason[0] ? SPEAKER_TONE_BAD : SPEAKER_TONE_ACCENT;
}

enum speaker_tone speaker_state_clock_text(const struct speaker_state *st, bool utf8, char *out,
                                           size_t outlen)
{
	const char *pm = utf8 ? "±" : "+/-";
	char u[24];
	enum speaker_tone tone = SPEAKER_TONE_OK;
	if (st->clock_state == SYNC_LOCKED) {
		uncertainty_text(u, sizeof u, st->clock_uncertainty_us);
		snprintf(out, outlen, "clock %s%s", pm, u);
	} else if (st->clock_state == SYNC_SETTLING) {
		snprintf(out, outlen, "clock settling");
		tone = SPEAKER_TONE_ACCENT;
	} else {
		snprintf(out, outlen, "no clock (plays on arrival)");
		tone = SPEAKER_TONE_WARN;
	}
	if (st->device_clock_unreliable && st->clock_state != SYNC_NONE) {
		size_t n = strlen(out);
		snprintf(out + n, outlen - n, "; device clock unreliable (%s%u ms)", pm,
		         st->device_clock_within_ms);
		tone = SPEAKER_TONE_WARN;
	}
	return tone;
}

enum speaker_tone speaker_state_security_text(const struct speaker_state *st, bool keyed,
                                              char *out, size_t outlen)
{
	if (st->legacy) {
		snprintf(out, outlen, "old Python-intercom format: NOT authenticated");
		return SPEAKER_TONE_WARN;
	}
	if (st->link == SPEAKER_LINK_READY && st->sealed) {
		snprintf(out, outlen, "encrypted%s%.9s%s", st->console_fp[0] ? ", console " : "",
		         st->console_fp, st->psk ? ", pre-shared key" : "");
		return SPEAKER_TONE_OK;
	}
	snprintf(out, outlen, "every link encrypted; console key pinned%s",
	         keyed ? ", pre-shared key set" : "");
	return SPEAKER_TONE_NORMAL;
}

enum speaker_tone speaker_state_activity_text(const struct speaker_state *st, char *out,
                                              size_t outlen)
{
	switch (st->activity) {
	case SPEAKER_RECEIVING: {
		char size[24];
		size_text(size, sizeof size, st->recv_total);
		int pct = st->recv_total ? (int)(st->recv_done * 100 / st->recv_total) : 0;
		if (st->recv_page_id)
			snprintf(out, outlen, "receiving page %u (%d%% of %s)", st->recv_page_id, pct, size);
		else
			snprintf(out, outlen, "receiving a page (%d%% of %s)", pct, size);
		return SPEAKER_TONE_ACCENT;
	}
	case SPEAKER_PLAYING:
		if (st->rtp_from[0]) {
			snprintf(out, outlen, "RTP from %s (unauthenticated)", st->rtp_from);
			return SPEAKER_TONE_WARN;
		}
		if (st->live_ms)
			snprintf(out, outlen, "LIVE from %s (page %u, %u ms behind the voice)",
			         st->console_name[0] ? st->console_name : "the console", st->play_page_id, st->live_ms);
		else if (st->page_priority == 2)
			snprintf(out, outlen, "!! EMERGENCY page %u !!%s", st->play_page_id,
			         st->priority_raised ? (st->muted ? " (plays through the mute)" : " (at its floor volume)") : "");
		else
			snprintf(out, outlen, "playing page %u%s", st->play_page_id,
			         st->page_priority == 1 ? " (high priority)" : "");
		if (st->page_priority == 2 && !st->live_ms)
			return SPEAKER_TONE_BAD;
		return SPEAKER_TONE_OK;
	case SPEAKER_REPLAYING:
		snprintf(out, outlen, "replaying page %u (here only)", st->play_page_id);
		return SPEAKER_TONE_ACCENT;
	case SPEAKER_IDLE:
		break;
	}
	if (st->muted) {
		snprintf(out, outlen, "muted: pages are received, not played");
		return SPEAKER_TONE_WARN;
	}
	if (st->link == SPEAKER_LINK_READY && st->rtp_listen[0]) {
		snprintf(out, outlen, "waiting for a page, or RTP on %s (unauthenticated)", st->rtp_listen);
		return SPEAKER_TONE_NORMAL;
	}
	if (st->link == SPEAKER_LINK_READY) {
		snprintf(out, outlen, "waiting for a page");
		return SPEAKER_TONE_NORMAL;
	}
	if (st->rtp_listen[0]) {
		snprintf(out, outlen, "listening for RTP on %s (unauthenticated)", st->rtp_listen);
		return SPEAKER_TONE_WARN;
	}
	snprintf(out, outlen, "not connected");
	return SPEAKER_TONE_DIM;
}

int speaker_state_next_change_ms(const struct speaker_state *st, uint64_t now_ms)
{
	if (st->link != SPEAKER_LINK_WAITING || st->retry_at_ms <= now_ms)
		return -1;
	/* The countdown shows whole seconds rounded up: it changes when the remainder crosses one. */
	uint64_t left = st->retry_at_ms - now_ms;
	uint64_t to_next = left % 1000;
	return (int)(to_next == 0 ? 1000 : to_next);
}

enum speaker_tone speaker_state_result_text(const struct speaker_page_entry *e, char *out,
                                            size_t outlen)
{
	const char *why = e->reason[0] ? e->reason : NULL;
	switch (e->result) {
	case 0:
		snprintf(out, outlen, "playing");
		return SPEAKER_TONE_ACCENT;
	case PAGE_PLAYED:
		snprintf(out, outlen, "played");
		return SPEAKER_TONE_OK;
	case PAGE_MUTED:
		snprintf(out, outlen, "muted");
		return SPEAKER_TONE_WARN;
	case PAGE_INTERRUPTED:
		snprintf(out, outlen, "interrupted%s%s", why ? ": " : "", why ? why : "");
		return SPEAKER_TONE_WARN;
	case PAGE_EXPIRED:
		snprintf(out, outlen, "expired%s%s", why ? ": " : "", why ? why : "");
		return SPEAKER_TONE_WARN;
	case PAGE_CANCELLED:
		snprintf(out, outlen, "cancelled%s%s", why ? ": " : "", why ? why : "");
		return SPEAKER_TONE_WARN;
	default:
		snprintf(out, outlen, "failed%s%s", why ? ": " : "", why ? why : "");
		return SPEAKER_TONE_BAD;
	}
}

/*
 * Speakers of our protocol (docs/PROTOCOL.md): the Noise handshake every link
 * runs (auth.h; the pre-shared key mixed in when the console has one), the
 * admission of the speaker's key at HELLO (WELCOME, the lobby with WAIT until
 * the operator answers, or a refusal), the heartbeat, and STATUS
 * reports that carry a page from delivered to its outcome, SYNC reports of
 * its clock, and the throughput of its link measured from each large page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/console/peer.h"
#include "intercom/console/playat.h"
#include "intercom/net/auth.h"
#include "intercom/net/proto.h"

struct framed_peer {
	struct peer peer;
	uint64_t last_frame_ms;    /* its last whole frame, the sign of life (station_awake_ms) */
	uint64_t bytes_at_frame;   /* conn.bytes_in then: more since is a trickle, not a frame */
	uint64_t last_ping_ms;
	struct auth_session *auth; /* the handshake under way; NULL before or after it */
	bool refused_frame;        /* a frame of its made us drop it: not a link that just ended */
	bool was_locked;           /* its clock has been locked to ours (the log says it once) */
	uint32_t measure_page;     /* the page whose transfer is being timed (0: none) */
	uint64_t measure_bytes;    /* its frame and what was queued before it */
	uint64_t measure_from_us;  /* when they were handed to the connection */
	bool measure_whole;        /* a PAGE frame (the fan-out counts it), not a stream's end */
};

static struct framed_peer *framed_of(struct peer *p)
{
	return (struct framed_peer *)(void *)p;
}

static void framed_send_frame(struct peer *p, const uint8_t *frame, size_t len)
{
	if (len == 0 || conn_send_copy(&p->conn, frame, len) < 0)
		peer_drop(p, p->conn.error[0] ? p->conn.error : "cannot queue a frame");
}

/* Queues a BYE and gives it one chance to leave before the connection closes. */
static void framed_bye(struct peer *p, const char *reason)
{
	struct proto_bye bye;
	uint8_t frame[256];
	snprintf(bye.reason, sizeof bye.reason, "%s", reason);
	size_t len = proto_bye_encode(&bye, frame, sizeof frame);
	if (len > 0 && conn_send_copy(&p->conn, frame, len) == 0)
		conn_flush(&p->conn);
}

/* ---- frames from a speaker ---- */

static void framed_admit(struct peer *p);

static int on_hello(struct peer *p, const uint8_t *payload, size_t len)
{
	struct proto_hello hello;
	if (p->joined) {
		snprintf(p->conn.error, sizeof p->conn.error, "second HELLO");
		return -1;
	}
	if (proto_hello_decode(payload, len, &hello) != PROTO_OK) {
		snprintf(p->conn.error, sizeof p->conn.error, "malformed HELLO (bad name or zone)");
		framed_bye(p, "malformed HELLO: the name (1-64 bytes) and zone (0-64) must be printable "
		              "UTF-8, without control, bidi or invisible characters");
		return -1;
	}
	if (hello.version != PROTO_VERSION) {
		snprintf(p->conn.error, sizeof p->conn.error, "speaks protocol %u, we speak %u",
		         hello.version, PROTO_VERSION);
		framed_bye(p, "protocol version not supported by this console");
		return -1;
	}
	const struct station_speaker *holder = station_speaker_named(p->st, hello.name);
	if (holder) {
		/* Two "honest1" would make "played by honest1" say nothing: the first keeps the name. */
		snprintf(p->conn.error, sizeof p->conn.error, "refused: the name %s is taken (by %s)",
		         hello.name, holder->addr);
		char why[192];
		snprintf(why, sizeof why, "the name %s is taken by another speaker: give this one "
		         "another --name", hello.name);
		framed_bye(p, why);
		return -1;
	}
	if (station_room(p->st) == 0) {
		size_t count = station_speaker_count(p->st);
		snprintf(p->conn.error, sizeof p->conn.error, "refused: %zu speakers connected, the limit",
		         count);
		char why[128];
		snprintf(why, sizeof why, "console full: %zu speakers connected (its --max-speakers)", count);
		framed_bye(p, why);
		return -1;
	}
	memcpy(p->info.name, hello.name, sizeof p->info.name);
	memcpy(p->info.zone, hello.zone, sizeof p->info.zone);
	p->info.play_at = (hello.caps & PROTO_CAP_PLAY_AT) != 0;
	p->info.commit = (hello.caps & PROTO_CAP_COMMIT) != 0;
	p->info.prepare = (hello.caps & PROTO_CAP_PREPARE) != 0;
	/* A stream's page is held until its COMMIT like any other: the one needs the other. */
	p->info.stream = (hello.caps & PROTO_CAP_STREAM) && p->info.commit;
	p->info.priority = (hello.caps & PROTO_CAP_PRIORITY) != 0;
	switch (station_admission(p->st, p)) {
	case ADMISSION_JOIN:
		framed_admit(p);
		return 0;
	case ADMISSION_REFUSE:
		snprintf(p->conn.error, sizeof p->conn.error, "refused: the operator refused key %s",
		         p->info.key_short);
		framed_bye(p, "refused by the console's operator");
		return -1;
	case ADMISSION_WAIT:
		break;
	}
	if (!station_lobby_enter(p)) {
		snprintf(p->conn.error, sizeof p->conn.error, "refused: %d speakers already wait for approval",
		         LOBBY_MAX);
		framed_bye(p, "too many speakers wait for the operator's approval: try again later");
		return -1;
	}
	struct proto_bye wait;
	snprintf(wait.reason, sizeof wait.reason, "waiting for the operator of %s to approve this "
	         "speaker (%s)", station_console_name(p->st), p->info.key_short);
	uint8_t frame[256];
	framed_send_frame(p, frame, proto_wait_encode(&wait, frame, sizeof frame));
	log_event_at(LOG_PRIORITY_NOTICE, "speaker %s (%s) from %s asks to join: approve %u, or refuse %u (fingerprint %s)",
	          p->info.name, p->info.key_short, p->info.addr, p->info.id, p->info.id,
	          p->info.fingerprint);
	return 0;
}

/* A speaker's key is admitted: it is listed, and welcomed. */
static void framed_admit(struct peer *p)
{
	station_join(p);
	struct proto_welcome welcome = {
		.version = PROTO_VERSION,
		.caps = PROTO_CAP_PLAY_AT | PROTO_CAP_COMMIT | PROTO_CAP_PREPARE | PROTO_CAP_STREAM |
		        PROTO_CAP_PRIORITY,
		.speaker_id = p->info.id,
		.heartbeat_ms = HEARTBEAT_INTERVAL_MS,
	};
	snprintf(welcome.console_name, sizeof welcome.console_name, "%s",
	         station_console_name(p->st));
	uint8_t frame[256];
	framed_send_frame(p, frame, proto_welcome_encode(&welcome, frame, sizeof frame));
	if (station_say_join(p))
		log_event("speaker %s%s%s joined from %s (%zu connected%s), key %s", p->info.name,
		          *p->info.zone ? " zone " : "", p->info.zone, p->info.addr,
		          station_speaker_count(p->st), p->info.proved_psk ? ", authenticated" : "",
		          p->info.key_short);
}

/*
 * The speaker holds the whole page being timed: its link's throughput is the
 * bytes handed to the connection over the time until this word came back.
 */
static void framed_measured(struct peer *p, uint32_t page_id)
{
	struct framed_peer *fp = framed_of(p);
	if (fp->measure_page == 0 || fp->measure_page != page_id)
		return;
	fp->measure_page = 0;
	if (fp->measure_whole)
		station_page_moved(p, page_id, fp->measure_bytes);
	uint64_t sample = playat_rate_sample(fp->measure_bytes, clock_mono_us() - fp->measure_from_us,
	                                      p->info.rtt_us);
	p->info.link_bps = playat_rate_smooth(p->info.link_bps, sample);
}

static int on_status(struct peer *p, const uint8_t *payload, size_t len)
{
	struct proto_status s;
	if (proto_status_decode(payload, len, &s) != PROTO_OK) {
		snprintf(p->conn.error, sizeof p->conn.error, "malformed STATUS");
		return -1;
	}
	if (s.state >= PAGE_RECEIVED && s.state != PAGE_FAILED)
		framed_measured(p, s.page_id);
	if (s.page_id != p->info.page_id || p->page_final)
		return 0; /* about an older page, or after the outcome was counted */
	p->info.page_state = s.state;
	p->info.page_done = s.done;
	p->info.page_total = s.total;
	if (s.state == PAGE_PLAYING || s.state == PAGE_PLAYED)
		p->info.page_late_ms = s.late_ms;
	if (s.state >= PAGE_RECEIVED && s.state != PAGE_FAILED && station_page_delivered(p))
		log_event("page %u delivered to %s", s.page_id, p->info.name);
	if (proto_page_state_final(s.state))
		station_page_outcome(p, s.state, s.reason);
	return 0;
}

/* "±0.3 ms" for the log. */
static void sync_words(char *out, size_t outlen, const struct proto_sync *s)
{
	snprintf(out, outlen, "±%.1f ms, drift %+.1f ppm", s->uncertainty_us / 1000.0,
	         s->drift_ppb / 1000.0);
}

/*
 * SYNC: how well the speaker's clock follows ours, kept for the table and the
 * play-at. The log says when it locks the first time, and each time it loses
 * or regains the lock: transitions, never each report.
 */
static int on_sync(struct peer *p, const uint8_t *payload, size_t len)
{
	struct framed_peer *fp = framed_of(p);
	struct proto_sync s;
	if (proto_sync_decode(payload, len, &s) != PROTO_OK) {
		snprintf(p->conn.error, sizeof p->conn.error, "malformed SYNC");
		return -1;
	}
	bool was = p->info.sync_state == SYNC_LOCKED, now = s.state == SYNC_LOCKED;
	p->info.sync_state = s.state;
	p->info.sync_uncertainty_us = s.uncertainty_us;
	p->info.sync_drift_ppb = s.drift_ppb;
	p->info.sync_offset_us = s.offset_us;
	char words[64];
	sync_words(words, sizeof words, &s);
	if (now && !was)
		log_event("speaker %s clock %s: %s", p->info.name,
		          fp->was_locked ? "locked again" : "locked to the console's", words);
	else if (was && !now)
		log_event_at(LOG_PRIORITY_WARNING, "speaker %s lost its clock lock (%s): its pages play on arrival until it "
		          "locks again", p->info.name, s.state == SYNC_SETTLING ? "settling" : "no estimate");
	fp->was_locked |= now;
	return 0;
}

/* READY: the speaker's output is open for the page being recorded; its lead counts until until_us. */
static int on_ready(struct peer *p, const uint8_t *payload, size_t len)
{
	struct proto_ready r;
	if (!p->info.prepare || proto_ready_decode(payload, len, &r) != PROTO_OK) {
		snprintf(p->conn.error, sizeof p->conn.error, "malformed or unasked-for READY");
		return -1;
	}
	/* A lead beyond the cold margin says nothing the margin does not. */
	p->info.ready_lead_us = r.lead_us < PLAYAT_MARGIN_MS * 1000u ? r.lead_us : PLAYAT_MARGIN_MS * 1000u;
	p->info.ready_until_us = r.until_us;
	return 0;
}

/* NOISE_1: the session starts and NOISE_2 goes back. 0, or -1 to drop the peer. */
static int on_noise_1(struct peer *p, const struct auth_key *key, const uint8_t *payload,
                      size_t len)
{
	struct framed_peer *fp = framed_of(p);
	uint8_t frame[AUTH_FRAME_MAX];
	fp->auth = malloc(sizeof *fp->auth);
	if (!fp->auth) {
		snprintf(p->conn.error, sizeof p->conn.error, "out of memory");
		return -1;
	}
	auth_session_init(fp->auth, AUTH_CONSOLE, station_identity(p->st), key);
	size_t n;
	switch (auth_console_reply(fp->auth, payload, len, frame, sizeof frame, &n)) {
	case AUTH_REPLY_OK:
		framed_send_frame(p, frame, n);
		return 0;
	case AUTH_REPLY_PEER_KEYED:
		snprintf(p->conn.error, sizeof p->conn.error, "speaker has a key, this console has none");
		framed_bye(p, "this console has no key: start it with --key-file, or drop the speaker's");
		return -1;
	case AUTH_REPLY_PEER_UNKEYED:
		snprintf(p->conn.error, sizeof p->conn.error, "refused: no key (this console requires one)");
		framed_bye(p, "this console requires a key: start the speaker with --key-file");
		return -1;
	case AUTH_REPLY_BAD:
		break;
	}
	snprintf(p->conn.error, sizeof p->conn.error, "malformed NOISE_1 (or a refused key)");
	return -1;
}

/* NOISE_3: the speaker's key (and the pre-shared key) proven, and the link sealed. 0, or -1. */
static int on_noise_3(struct peer *p, const uint8_t *payload, size_t len)
{
	struct framed_peer *fp = framed_of(p);
	if (auth_console_finish(fp->auth, payload, len) < 0) {
		snprintf(p->conn.error, sizeof p->conn.error, "%s",
		         fp->auth->keyed ? "authentication failed: wrong key, or a tampered or replayed "
		                           "handshake"
		                         : "handshake failed: a tampered or replayed NOISE_3");
		return -1;
	}
	int rc = conn_enable_seal(&p->conn, fp->auth->tx_key, fp->auth->rx_key);
	memcpy(p->info.key, fp->auth->peer, sizeof p->info.key);
	identity_fingerprint(p->info.key, p->info.fingerprint);
	identity_short(p->info.key, p->info.key_short);
	p->info.proved_psk = fp->auth->keyed;
	auth_session_wipe(fp->auth);
	free(fp->auth);
	fp->auth = NULL;
	p->info.sealed = rc == 0;
	return rc;
}

/*
 * The handshake, before anything else: NOISE_1 is answered with NOISE_2,
 * NOISE_3 checked, and the link sealed. Returns 1 if the frame was part of
 * it, 0 if the handshake is done, -1 to drop the peer.
 */
static int framed_authenticate(struct peer *p, const struct proto_header *header,
                               const uint8_t *payload)
{
	const struct auth_key *key = station_key(p->st);
	bool started = framed_of(p)->auth != NULL;
	if (p->conn.seal)
		return 0;
	if (header->type == PROTO_NOISE_1 && !started)
		return on_noise_1(p, key, payload, header->length) < 0 ? -1 : 1;
	if (header->type == PROTO_NOISE_3 && started)
		return on_noise_3(p, payload, header->length) < 0 ? -1 : 1;
	if (header->type == PROTO_HELLO && !started) {
		snprintf(p->conn.error, sizeof p->conn.error,
		         "refused: HELLO without the handshake (a speaker of an older build)");
		framed_bye(p, "this console encrypts every link: run the same intercom release on the "
		              "console and every speaker");
		return -1;
	}
	snprintf(p->conn.error, sizeof p->conn.error, "sent %s during the handshake",
	         proto_type_name(header->type));
	return -1;
}

/* Handles one whole frame from a speaker: 0, or -1 to drop it (conn->error says why). */
static int framed_frame(struct conn *conn, const struct proto_header *header,
                        const uint8_t *payload)
{
	struct peer *p = (struct peer *)(void *)conn;
	int auth = framed_authenticate(p, header, payload);
	if (auth != 0)
		return auth < 0 ? -1 : 0;
	if (!p->joined && !p->lobby && header->type != PROTO_HELLO) {
		snprintf(conn->error, sizeof conn->error, "sent %s before HELLO",
		         proto_type_name(header->type));
		return -1;
	}
	/* A speaker in the lobby answers the heartbeat and waits: nothing else is taken from it. */
	if (p->lobby && header->type != PROTO_PING && header->type != PROTO_PONG &&
	    header->type != PROTO_BYE && header->type != PROTO_SYNC) {
		snprintf(conn->error, sizeof conn->error, "sent %s while waiting for approval",
		         proto_type_name(header->type));
		return -1;
	}
	struct conn_round_trip rt;
	switch (conn_common_frame(conn, header, payload, "", &rt)) {
	case CONN_DROP:
		return -1;
	case CONN_ROUND_TRIP: {
		uint64_t total = rt.t4 - rt.t1, away = rt.t3 - rt.t2;
		uint64_t us = total > away ? total - away : 0;
		p->info.rtt_us = us < UINT32_MAX ? (uint32_t)us : UINT32_MAX;
		p->info.rtt_ms = conn_round_trip_ms(&rt);
		return 0;
	}
	case CONN_HANDLED:
		return 0;
	case CONN_NOT_COMMON:
		break;
	}
	switch (header->type) {
	case PROTO_HELLO:
		return on_hello(p, payload, header->length);
	case PROTO_STATUS:
		return on_status(p, payload, header->length);
	case PROTO_SYNC:
		return p->lobby ? 0 : on_sync(p, payload, header->length);
	case PROTO_READY:
		return p->lobby ? 0 : on_ready(p, payload, header->length);
	case PROTO_WELCOME:
	case PROTO_PAGE:
		snprintf(conn->error, sizeof conn->error, "sent %s, which only a console sends",
		         proto_type_name(header->type));
		return -1;
	default:
		return 0; /* a later version's message: skip it */
	}
}

static int framed_frame_cb(struct conn *conn, const struct proto_header *header,
                           const uint8_t *payload, void *ctx)
{
	(void)ctx;
	int rc = framed_frame(conn, header, payload);
	if (rc < 0)
		framed_of((struct peer *)(void *)conn)->refused_frame = true;
	return rc;
}

/* ---- the operations ---- */

/* A whole frame came: the speaker is alive. Bytes alone are not (a peer may trickle them). */
static void framed_alive(struct peer *p, uint64_t now)
{
	struct framed_peer *fp = framed_of(p);
	fp->last_frame_ms = station_awake_ms(p->st, now);
	fp->bytes_at_frame = p->conn.bytes_in;
}

/*
 * A speaker that refuses our key (pinned to another console's, or another
 * --console-key) hangs up after NOISE_2 without a word (it owes a console it
 * does not trust nothing): say so, since its end of the link is all the
 * console sees of it.
 */
static void framed_say_key_mismatch(struct peer *p)
{
	struct framed_peer *fp = framed_of(p);
	if (!fp->auth || p->conn.seal || fp->refused_frame)
		return;
	char ended[sizeof p->conn.error];
	snprintf(ended, sizeof ended, "%s", p->conn.error);
	snprintf(p->conn.error, sizeof p->conn.error,
	         "hung up on our NOISE_2: the speaker does not trust this console's key, most likely "
	         "(%.100s)", ended);
}

/* Reads what a speaker sent, and drops it if the link broke or a frame was wrong. */
static void framed_read(struct peer *p, uint64_t now)
{
	uint64_t frames = p->conn.frames_in;
	long got = conn_read(&p->conn, framed_frame_cb, NULL);
	if (got < 0) {
		framed_say_key_mismatch(p);
		peer_drop(p, p->conn.error);
	} else if (p->conn.frames_in != frames) {
		framed_alive(p, now);
	}
}

/* A speaker sends HELLO as it connects: often it is here already, and its waiting place freed. */
static void framed_start(struct peer *p, uint64_t now)
{
	struct framed_peer *fp = framed_of(p);
	fp->last_ping_ms = now;
	framed_alive(p, now);
	framed_read(p, now);
}

/*
 * Heartbeat: a ping every interval, and a speaker that sent no whole frame for
 * the timeout (on the station's loop clock: time the console did not run does
 * not count) is gone.
 */
static int framed_tick(struct peer *p, uint64_t now)
{
	struct framed_peer *fp = framed_of(p);
	unsigned timeout_ms = station_heartbeat_timeout(p->st);
	uint64_t awake = station_awake_ms(p->st, now);
	if (awake > fp->last_frame_ms && awake - fp->last_frame_ms >= timeout_ms) {
		uint64_t trickled = p->conn.bytes_in - fp->bytes_at_frame;
		char bytes[64] = "";
		if (trickled > 0)
			snprintf(bytes, sizeof bytes, ": %llu bytes but no whole frame",
			         (unsigned long long)trickled);
		snprintf(p->conn.error, sizeof p->conn.error, "no sign of life for %g s%s",
		         timeout_ms / 1000.0, bytes);
		peer_drop(p, p->conn.error);
		return -1;
	}
	if (now - fp->last_ping_ms >= HEARTBEAT_INTERVAL_MS) {
		struct proto_ping ping = { .sent_us = clock_mono_us() };
		uint8_t frame[64];
		fp->last_ping_ms = now;
		framed_send_frame(p, frame, proto_ping_encode(&ping, frame, sizeof frame));
	}
	uint64_t due = fp->last_ping_ms + HEARTBEAT_INTERVAL_MS;
	return due > now ? (int)(due - now) : 0;
}

/* bytes handed over since from_us, timed until the speaker says it holds page_id (framed_measured). */
static void framed_measure_from(struct peer *p, uint32_t page_id, uint64_t bytes, uint64_t from_us, bool whole)
{
	struct framed_peer *fp = framed_of(p);
	fp->measure_page = page_id;
	fp->measure_whole = whole;
	fp->measure_bytes = bytes;
	fp->measure_from_us = from_us;
}

static void framed_time_transfer(struct peer *p, uint32_t page_id, uint64_t bytes, uint64_t from_us)
{
	framed_measure_from(p, page_id, bytes, from_us, false);
}

/* The whole PAGE frame goes into its bounded queue: a reference, not a copy. */
static void framed_send_page(struct peer *p, const struct peer_page *page, uint64_t now)
{
	(void)now;
	framed_measure_from(p, page->id, peer_queued_bytes(p) + page->frame->len, clock_mono_us(), true);
	if (conn_send(&p->conn, page->frame, true) < 0 || conn_flush(&p->conn) < 0)
		peer_drop(p, p->conn.error);
}

/* COMMIT: the page it holds is archived (play) or cancelled; it leaves right behind the page. */
static void framed_commit(struct peer *p, uint32_t page_id, bool play, uint64_t play_at_us,
                          const char *why)
{
	struct proto_commit commit = { .page_id = page_id, .verdict = play ? COMMIT_PLAY : COMMIT_CANCEL,
	                               .play_at_us = play_at_us };
	snprintf(commit.reason, sizeof commit.reason, "%s", why);
	uint8_t frame[256];
	framed_send_frame(p, frame, proto_commit_encode(&commit, frame, sizeof frame));
	if (!p->dead && conn_flush(&p->conn) < 0)
		peer_drop(p, p->conn.error);
}

/* A streamed page's frame: a reference into its bounded queue, like a PAGE's. */
static void framed_send_stream(struct peer *p, struct sbuf *frame)
{
	if (conn_send(&p->conn, frame, false) < 0 || conn_flush(&p->conn) < 0)
		peer_drop(p, p->conn.error);
}

/* PRIORITY: the page (or stream) that follows has this priority. */
static void framed_priority(struct peer *p, uint32_t page_id, uint8_t priority)
{
	struct proto_priority msg = { .page_id = page_id, .priority = priority };
	uint8_t frame[32];
	framed_send_frame(p, frame, proto_priority_encode(&msg, frame, sizeof frame));
}

/* PREPARE: a page of this format is being recorded for it. */
static void framed_prepare(struct peer *p, int rate, int channels, uint64_t until_us)
{
	struct proto_prepare prepare = { .rate = (uint32_t)rate, .channels = (uint8_t)channels,
	                                 .until_us = until_us };
	uint8_t frame[64];
	framed_send_frame(p, frame, proto_prepare_encode(&prepare, frame, sizeof frame));
	if (!p->dead && conn_flush(&p->conn) < 0)
		peer_drop(p, p->conn.error);
}

static void framed_left(const struct peer *p, const char *why)
{
	if (p->lobby)
		log_event("speaker %s (%s) from %s stopped waiting for approval: %s", p->info.name,
		          p->info.key_short, p->info.addr, why);
	else if (p->joined)
		log_event("speaker %s (%s) left: %s", p->info.name, p->info.addr, why);
	else
		log_event("connection from %s closed before hello: %s", p->info.addr, why);
}

/* A handshake cut short keeps no subkeys. */
static void framed_close(struct peer *p)
{
	struct framed_peer *fp = framed_of(p);
	if (fp->auth)
		auth_session_wipe(fp->auth);
	free(fp->auth);
	fp->auth = NULL;
}

const struct peer_ops peer_framed_ops = {
	.noun = "speakers",
	.size = sizeof(struct framed_peer),
	.queue_pages = SPEAKER_QUEUE_PAGES,
	.max_peers = 0, /* station_set_max_speakers bounds them at HELLO, with a reason */
	.hello_first = true,
	.reports_playing = true,
	.start = framed_start,
	.read = framed_read,
	.tick = framed_tick,
	.busy = NULL,
	.send_page = framed_send_page,
	.commit = framed_commit,
	.send_stream = framed_send_stream,
	.time_transfer = framed_time_transfer,
	.prepare = framed_prepare,
	.priority = framed_priority,
	.wrote = NULL,
	.left = framed_left,
	.bye = framed_bye,
	.admit = framed_admit,
	.close = framed_close,
};

/*
 * The link to a console of our protocol (docs/PROTOCOL.md): the Noise
 * handshake every link runs (auth.h, a pre-shared key mixed in when the
 * speaker has one) and the check of the console's key against its pin
 * (trust.h: first contact pins it; --console-key gives it up front), HELLO
 * until WELCOME (within the welcome deadline, however the bytes trickle;
 * without a deadline while the console says WAIT), the heartbeat and the shared
 * clock (PINGs on clock_sync's schedule, each PONG an exchange, SYNC reports
 * to the console), PAGE frames
 * in with "receiving" reports while they arrive, STATUS reports out.
 */
#include <stdio.h>
#include <string.h>

#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/common/trace.h"
#include "intercom/net/auth.h"
#include "intercom/net/trust.h"
#include "intercom/speaker/link.h"
#include "intercom/speaker/speaker_state.h"

/*
 * SYNC to the console: at once on each change of state, and otherwise at
 * most every SYNC_REPORT_MS while the uncertainty moves by more than a
 * tenth (and 20 µs) from what was last sent: the console's table shows it,
 * and its play-at margin follows it, neither needs every exchange.
 */
#define SYNC_REPORT_MS 3000

struct link_framed {
	struct link link;
	struct auth_session auth;      /* the handshake under way (SPEAKER_LINK_AUTH) */
	bool sent_noise_3;             /* the handshake is done on our side (HELLO sent sealed) */
	uint64_t last_ping_ms;
	/* The last SYNC sent (SYNC_REPORT_MS): its state and uncertainty, and when (0: none yet). */
	bool play_at;                  /* the console's WELCOME set PROTO_CAP_PLAY_AT: it takes SYNC */
	bool commit;                   /* ... and PROTO_CAP_COMMIT: its pages wait for COMMIT */
	bool prepare;                  /* ... and PROTO_CAP_PREPARE: it says PREPARE, takes READY */
	bool stream;                   /* ... and PROTO_CAP_STREAM: pages may come as streams */
	bool priority;                 /* ... and PROTO_CAP_PRIORITY: PRIORITY before pages */
	uint64_t sync_sent_ms;
	uint8_t sync_sent_state;
	uint32_t sync_sent_uncertainty_us;
	uint64_t recv_status_ms;       /* the page being received was last reported then */
	bool recv_reported;            /* ... at all */
	uint64_t bytes_at_frame;       /* conn.bytes_in at the last whole frame: more is a trickle */
	/* The frame arriving, watched for a stall (READY only): */
	uint64_t move_ms;              /* its current span started then (0: none arriving) */
	uint64_t move_frame;           /* conn.frames_in then: which frame it is */
	size_t move_have;              /* its payload bytes then */
};

static struct link_framed *framed_of(struct link *l)
{
	return (struct link_framed *)(void *)l;
}

static void framed_send(struct link *l, const uint8_t *frame, size_t len)
{
	if (l->open && len > 0 && conn_send_copy(&l->conn, frame, len) < 0)
		log_event_at(LOG_PRIORITY_WARNING, "cannot queue a frame to the console: %s", l->conn.error);
}

static void framed_report(struct link *l, const struct proto_status *status)
{
	uint8_t frame[256];
	framed_send(l, frame, proto_status_encode(status, frame, sizeof frame));
}

static void send_hello(struct link *l)
{
	/* This speaker starts pages at their play-at time (when its clock allows), unless --on-arrival. */
	struct proto_hello hello = { .version = PROTO_VERSION,
	                             .caps = PROTO_CAP_COMMIT | PROTO_CAP_PREPARE | PROTO_CAP_STREAM | PROTO_CAP_PRIORITY |
	                                     (l->cfg.on_arrival ? 0 : PROTO_CAP_PLAY_AT) };
	snprintf(hello.name, sizeof hello.name, "%s", l->cfg.name);
	snprintf(hello.zone, sizeof hello.zone, "%s", l->cfg.zone);
	uint8_t frame[256];
	speaker_state_hello_sent(l->cfg.st, clock_mono_ms());
	framed_send(l, frame, proto_hello_encode(&hello, frame, sizeof frame));
}

/* Every link starts with the handshake: NOISE_1 goes out at once. */
static void framed_connected(struct link *l, uint64_t now)
{
	struct link_framed *fl = framed_of(l);
	fl->last_ping_ms = 0; /* the first ping goes right after WELCOME: a round trip to show */
	fl->bytes_at_frame = 0;
	fl->sync_sent_ms = 0;
	fl->sync_sent_state = SYNC_NONE;
	fl->play_at = fl->commit = fl->prepare = fl->stream = false;
	fl->sent_noise_3 = false;
	clock_sync_init(&l->clock);
	speaker_state_clock(l->cfg.st, SYNC_NONE, 0);
	uint8_t frame[AUTH_FRAME_MAX];
	auth_session_init(&fl->auth, AUTH_SPEAKER, l->cfg.identity, l->cfg.key);
	speaker_state_authenticating(l->cfg.st, now);
	framed_send(l, frame, auth_speaker_hello(&fl->auth, frame, sizeof frame));
}

/*
 * The console's static key against what this speaker trusts: --console-key,
 * else the pin of its address (pinned now on first contact). 0, or -1 with
 * why (both fingerprints and the fix) when it must be refused.
 */
static int check_console_key(struct link *l, const uint8_t pk[IDENTITY_KEY_BYTES], char *why,
                             size_t whylen)
{
	char label[TRUST_LABEL_MAX], got[IDENTITY_FP_TEXT];
	if (l->cfg.label)
		snprintf(label, sizeof label, "%s", l->cfg.label);
	else
		link_console_label(l->cfg.host, l->cfg.port, label, sizeof label);
	/* As the shell needs it: a name found over mDNS may hold a space. */
	char forget[TRUST_LABEL_MAX + 2];
	snprintf(forget, sizeof forget, strchr(label, ' ') ? "\"%s\"" : "%s", label);
	identity_fingerprint(pk, got);
	snprintf(l->cfg.st->console_fp, sizeof l->cfg.st->console_fp, "%s", got);
	if (l->cfg.console_fp) {
		if (identity_matches(pk, l->cfg.console_fp))
			return 0;
		char want[IDENTITY_FP_TEXT];
		static const char hex[] = "0123456789abcdef";
		size_t o = 0;
		for (size_t i = 0; i < IDENTITY_FP_BYTES; i++) {
			if (i > 0 && i % 2 == 0)
				want[o++] = ' ';
			want[o++] = hex[l->cfg.console_fp[i] >> 4];
			want[o++] = hex[l->cfg.console_fp[i] & 15];
		}
		want[o] = '\0';
		snprintf(why, whylen, "REFUSED the console at %s: its key is %s, not the --console-key %s; "
		         "someone may be posing as the console (compare with intercom-console "
		         "--show-identity on the console)", label, got, want);
		return -1;
	}
	if (!l->cfg.known)
		return 0;
	const struct trust_entry *pin = trust_find_label(l->cfg.known, label);
	if (pin && memcmp(pin->key, pk, IDENTITY_KEY_BYTES) == 0)
		return 0;
	if (pin) {
		char was[IDENTITY_FP_TEXT];
		identity_fingerprint(pin->key, was);
		snprintf(why, whylen, "REFUSED the console at %s: ITS KEY HAS CHANGED, from %s (pinned in "
		         "%.200s) to %s; someone may be posing as the console. If its key was changed on "
		         "purpose, run: intercom-speaker --forget-console %s", label, was,
		         l->cfg.known->path, got, forget);
		return -1;
	}
	char err[256];
	if (trust_put_label(l->cfg.known, label, pk) < 0 || trust_save(l->cfg.known, err, sizeof err) < 0)
		log_event_at(LOG_PRIORITY_WARNING, "console %s: its key %s is trusted for now, but not remembered: %s", label, got,
		          "cannot save the known consoles");
	else
		log_event_at(LOG_PRIORITY_NOTICE, "console %s: first contact, its key %s is pinned in %s (compare it with the "
		          "console's screen or intercom-console --show-identity)", label, got,
		          l->cfg.known->path);
	return 0;
}

/* The console's NOISE_2: its key, which must be the one trusted before this speaker says who it is. */
static int on_noise_2(struct link *l, const uint8_t *payload, size_t len)
{
	struct link_framed *fl = framed_of(l);
	uint8_t frame[AUTH_FRAME_MAX];
	if (auth_speaker_check(&fl->auth, payload, len) < 0) {
		auth_session_wipe(&fl->auth);
		snprintf(l->conn.error, sizeof l->conn.error,
		         "the console's handshake failed (NOISE_2 tampered, or not an intercom console of "
		         "this release)");
		return -1;
	}
	char why[1400];
	if (check_console_key(l, fl->auth.peer, why, sizeof why) < 0) {
		auth_session_wipe(&fl->auth);
		snprintf(l->conn.error, sizeof l->conn.error, "the console's key is not the one trusted");
		if (l->cfg.owner->untrusted)
			l->cfg.owner->untrusted(l->cfg.ctx, why);
		return -1;
	}
	size_t n = auth_speaker_done(&fl->auth, frame, sizeof frame);
	if (n == 0) {
		auth_session_wipe(&fl->auth);
		snprintf(l->conn.error, sizeof l->conn.error, "the handshake failed");
		return -1;
	}
	framed_send(l, frame, n);
	l->cfg.st->psk = fl->auth.keyed;
	int rc = conn_enable_seal(&l->conn, fl->auth.tx_key, fl->auth.rx_key);
	auth_session_wipe(&fl->auth);
	if (rc < 0)
		return -1;
	fl->sent_noise_3 = true;
	send_hello(l);
	return 0;
}

static int on_welcome(struct link *l, const uint8_t *payload, size_t len)
{
	struct proto_welcome welcome;
	if (l->cfg.st->link == SPEAKER_LINK_READY || !conn_sealed(&l->conn) ||
	    proto_welcome_decode(payload, len, &welcome) != PROTO_OK) {
		snprintf(l->conn.error, sizeof l->conn.error, "malformed or repeated WELCOME");
		return -1;
	}
	speaker_state_ready(l->cfg.st, clock_mono_ms(), clock_wall_ms(), l->cfg.name,
	                    welcome.console_name, welcome.speaker_id, conn_sealed(&l->conn));
	conn_limit_frames(&l->conn, PROTO_MAX_PAYLOAD);
	framed_of(l)->play_at = (welcome.caps & PROTO_CAP_PLAY_AT) != 0;
	framed_of(l)->commit = (welcome.caps & PROTO_CAP_COMMIT) != 0;
	framed_of(l)->prepare = (welcome.caps & PROTO_CAP_PREPARE) != 0;
	framed_of(l)->stream = (welcome.caps & PROTO_CAP_STREAM) != 0;
	framed_of(l)->priority = (welcome.caps & PROTO_CAP_PRIORITY) != 0;
	return 0;
}

/*
 * A whole PAGE goes to the owner, which checks it, reports "received" (the
 * console's "delivered") only if the check passed, and plays it. A console
 * that sends a page no speaker could play is broken or not ours: once it has
 * the reason, the link is dropped and made afresh (backoff).
 */
static void on_page(struct link *l, const uint8_t *payload, size_t len)
{
	struct proto_page meta;
	struct link_page page = { .bytes = len };
	char why[160];
	framed_of(l)->recv_reported = false;
	if (proto_page_decode(payload, len, &meta, &page.wav, &page.wav_len) != PROTO_OK) {
		snprintf(why, sizeof why, "malformed PAGE");
		l->cfg.owner->rejected(l->cfg.ctx, 0, len, why);
	} else {
		trace_event("page_whole", meta.page_id); /* INTERCOM_TRACE (bench) */
		page.id = meta.page_id;
		page.created_ms = meta.created_ms;
		page.play_at_us = meta.play_at_us;
		page.held = framed_of(l)->commit;
		if (l->cfg.owner->page(l->cfg.ctx, &page, why, sizeof why) == 0)
			return;
	}
	char drop[sizeof l->drop_reason];
	snprintf(drop, sizeof drop, "console sent a bad page (%s)", why);
	link_close_when_sent(l, drop);
}

/* COMMIT: the console's word on the page it sent while archiving it. */
static int on_commit(struct link *l, const uint8_t *payload, size_t len)
{
	struct proto_commit commit;
	if (!framed_of(l)->commit || proto_commit_decode(payload, len, &commit) != PROTO_OK) {
		snprintf(l->conn.error, sizeof l->conn.error, "malformed or unasked-for COMMIT");
		return -1;
	}
	l->cfg.owner->commit(l->cfg.ctx, commit.page_id, commit.verdict == COMMIT_PLAY, commit.play_at_us,
	                     commit.reason);
	return 0;
}

/* PREPARE: a page is being recorded; the owner readies its output (and says so: framed_ready). */
static int on_prepare(struct link *l, const uint8_t *payload, size_t len)
{
	struct proto_prepare prepare;
	if (!framed_of(l)->prepare || proto_prepare_decode(payload, len, &prepare) != PROTO_OK) {
		snprintf(l->conn.error, sizeof l->conn.error, "malformed or unasked-for PREPARE");
		return -1;
	}
	l->cfg.owner->prepare(l->cfg.ctx, (int)prepare.rate, prepare.channels, prepare.until_us);
	return 0;
}

/* PRIORITY: the next page's; malformed, or from a console that never offered it, ends the link. */
static int on_priority(struct link *l, const uint8_t *payload, size_t len)
{
	struct proto_priority msg;
	if (!framed_of(l)->priority || proto_priority_decode(payload, len, &msg) != 0) {
		snprintf(l->conn.error, sizeof l->conn.error, "malformed or unasked-for PRIORITY");
		return -1;
	}
	if (l->cfg.owner->priority)
		l->cfg.owner->priority(l->cfg.ctx, msg.page_id, msg.priority);
	return 0;
}

/* A streamed page's frame: malformed, or from a console that never offered streams, ends the link. */
static int on_stream(struct link *l, uint8_t type, const uint8_t *payload, size_t len)
{
	struct proto_stream_begin begin;
	struct proto_stream_data data;
	struct proto_stream_end end;
	int rc = PROTO_ERR_MALFORMED;
	if (framed_of(l)->stream) {
		if (type == PROTO_STREAM_BEGIN && (rc = proto_stream_begin_decode(payload, len, &begin)) == PROTO_OK)
			l->cfg.owner->stream_begin(l->cfg.ctx, &begin);
		else if (type == PROTO_STREAM_DATA && (rc = proto_stream_data_decode(payload, len, &data)) == PROTO_OK)
			l->cfg.owner->stream_data(l->cfg.ctx, &data);
		else if (type == PROTO_STREAM_END && (rc = proto_stream_end_decode(payload, len, &end)) == PROTO_OK)
			l->cfg.owner->stream_end(l->cfg.ctx, &end);
	}
	if (rc == PROTO_OK)
		return 0;
	snprintf(l->conn.error, sizeof l->conn.error, "malformed or unasked-for %s", proto_type_name(type));
	return -1;
}

static void framed_ready(struct link *l, uint32_t lead_us, uint64_t until_us)
{
	if (!framed_of(l)->prepare)
		return;
	struct proto_ready ready = { .lead_us = lead_us, .until_us = until_us };
	uint8_t frame[64];
	framed_send(l, frame, proto_ready_encode(&ready, frame, sizeof frame));
}

/* Tells the console the clock's state (sync, as of now) by the rule of SYNC_REPORT_MS; forced: whatever changed. */
static void report_sync(struct link *l, const struct proto_sync *sync, uint64_t now, bool forced)
{
	struct link_framed *fl = framed_of(l);
	if (!fl->play_at)
		return;
	if (!forced && fl->sync_sent_ms && sync->state == fl->sync_sent_state) {
		uint32_t was = fl->sync_sent_uncertainty_us, is = sync->uncertainty_us;
		uint32_t moved = was > is ? was - is : is - was;
		if (now - fl->sync_sent_ms < SYNC_REPORT_MS || moved <= was / 10 || moved <= 20)
			return;
	}
	uint8_t frame[64];
	fl->sync_sent_ms = now;
	fl->sync_sent_state = sync->state;
	fl->sync_sent_uncertainty_us = sync->uncertainty_us;
	framed_send(l, frame, proto_sync_encode(sync, frame, sizeof frame));
}

/* A PONG: one more exchange for the clock, its state on the screen and, by the rule, to the console. */
static void on_round_trip(struct link *l, const struct conn_round_trip *rt)
{
	struct clock_sync_sample sample = { .t1 = rt->t1, .t2 = rt->t2, .t3 = rt->t3, .t4 = rt->t4 };
	if (!clock_sync_add(&l->clock, &sample))
		return;
	struct proto_sync sync;
	clock_sync_report(&l->clock, clock_mono_us(), &sync);
	speaker_state_clock(l->cfg.st, sync.state, sync.uncertainty_us);
	report_sync(l, &sync, clock_mono_ms(), sync.state != framed_of(l)->sync_sent_state);
}

/* Handles one whole frame from the console. */
static int framed_frame_cb(struct conn *conn, const struct proto_header *header,
                           const uint8_t *payload, void *ctx)
{
	struct link *l = ctx;
	enum speaker_link link = l->cfg.st->link;
	if (link == SPEAKER_LINK_AUTH && header->type == PROTO_NOISE_2)
		return on_noise_2(l, payload, header->length);
	if (link == SPEAKER_LINK_AUTH && header->type != PROTO_BYE) {
		snprintf(conn->error, sizeof conn->error, "console sent %s before its handshake",
		         proto_type_name(header->type));
		return -1;
	}
	if ((link == SPEAKER_LINK_HELLO_SENT || link == SPEAKER_LINK_PENDING) &&
	    header->type == PROTO_WAIT) {
		struct proto_bye wait;
		if (proto_bye_decode(payload, header->length, &wait) != PROTO_OK) {
			snprintf(conn->error, sizeof conn->error, "malformed WAIT");
			return -1;
		}
		speaker_state_pending(l->cfg.st, clock_mono_ms(), wait.reason);
		return 0;
	}
	/* Waiting for approval, the console's heartbeat keeps the link: its PINGs are answered. */
	bool heartbeat = link == SPEAKER_LINK_PENDING &&
	                 (header->type == PROTO_PING || header->type == PROTO_PONG);
	if (link != SPEAKER_LINK_READY && header->type != PROTO_WELCOME && header->type != PROTO_BYE &&
	    !heartbeat) {
		snprintf(conn->error, sizeof conn->error, "console sent %s before WELCOME",
		         proto_type_name(header->type));
		return -1;
	}
	struct conn_round_trip rt;
	/* Before its handshake the peer is anyone: its words are shown as such. */
	switch (conn_common_frame(conn, header, payload,
	                          link == SPEAKER_LINK_AUTH ? "a peer that has not proven its key" : "console",
	                          &rt)) {
	case CONN_DROP:
		return -1;
	case CONN_ROUND_TRIP:
		speaker_state_rtt(l->cfg.st, conn_round_trip_ms(&rt));
		on_round_trip(l, &rt);
		return 0;
	case CONN_HANDLED:
		return 0;
	case CONN_NOT_COMMON:
		break;
	}
	switch (header->type) {
	case PROTO_WELCOME:
		return on_welcome(l, payload, header->length);
	case PROTO_PAGE:
		on_page(l, payload, header->length);
		return 0;
	case PROTO_COMMIT:
		return on_commit(l, payload, header->length);
	case PROTO_PREPARE:
		return on_prepare(l, payload, header->length);
	case PROTO_PRIORITY:
		return on_priority(l, payload, header->length);
	case PROTO_STREAM_BEGIN:
	case PROTO_STREAM_DATA:
	case PROTO_STREAM_END:
		return on_stream(l, header->type, payload, header->length);
	case PROTO_HELLO:
	case PROTO_STATUS:
		snprintf(conn->error, sizeof conn->error, "peer sent %s, which only a speaker sends",
		         proto_type_name(header->type));
		return -1;
	default:
		return 0; /* a later version's message: skip it */
	}
}

/* Follows the page being received: the state at once, the console at most every LINK_STATUS_INTERVAL_MS. */
static void report_receiving(struct link *l, uint64_t now)
{
	struct link_framed *fl = framed_of(l);
	uint8_t type;
	size_t have, total;
	if (l->cfg.st->link != SPEAKER_LINK_READY ||
	    !proto_decoder_progress(&l->conn.decoder, &type, &have, &total) || type != PROTO_PAGE)
		return;
	/* Until the page id is in, it is unknown (0). */
	uint32_t page_id = 0;
	proto_page_peek_id(l->conn.decoder.payload, have, &page_id);
	speaker_state_receiving(l->cfg.st, page_id, have, total);
	if (fl->recv_reported && now - fl->recv_status_ms < LINK_STATUS_INTERVAL_MS)
		return;
	fl->recv_reported = true;
	fl->recv_status_ms = now;
	struct proto_status receiving = { .page_id = page_id, .state = PAGE_RECEIVING, .done = have,
	                                  .total = total };
	framed_report(l, &receiving);
}

/*
 * A frame that stopped arriving: a page is reported failed (once its id is
 * in), and the link is dropped with the reason. The report gets one try to
 * leave: a console that stopped sending may not read either.
 */
static void arrival_stalled(struct link *l, uint8_t type, size_t have, size_t total)
{
	char detail[100], why[192];
	snprintf(detail, sizeof detail, "%zu of %zu bytes, fewer than %d KiB in %g s", have, total,
	         PAGE_STALL_BYTES / 1024, l->cfg.page_stall_ms / 1000.0);
	uint32_t page_id = 0;
	if (type == PROTO_PAGE && proto_page_peek_id(l->conn.decoder.payload, have, &page_id) == PROTO_OK) {
		struct proto_status failed = { .page_id = page_id, .state = PAGE_FAILED, .done = have,
		                               .total = total };
		snprintf(failed.reason, sizeof failed.reason, "stopped arriving: %s", detail);
		framed_report(l, &failed);
		conn_flush(&l->conn);
		snprintf(why, sizeof why, "page %u stopped arriving: %s", page_id, detail);
	} else {
		snprintf(why, sizeof why, "%s frame stopped arriving: %s",
		         type == PROTO_PAGE ? "a PAGE" : "a", detail);
	}
	link_close(l, why);
}

/*
 * Watches the frame arriving, if any (the console's PINGs wait behind a
 * page, so its bytes stand in for them): in every page_stall_ms it must
 * bring PAGE_STALL_BYTES, or the rest of it. Returns ms until its span ends,
 * -1 if no frame is arriving (whole frames are the heartbeat then), or 0 if
 * it stalled and the link is closed.
 */
static int watch_arrival(struct link *l, uint64_t now)
{
	struct link_framed *fl = framed_of(l);
	uint8_t type;
	size_t have, total;
	if (l->cfg.st->link != SPEAKER_LINK_READY ||
	    !proto_decoder_progress(&l->conn.decoder, &type, &have, &total)) {
		fl->move_ms = 0;
		return -1;
	}
	if (fl->move_ms == 0 || fl->move_frame != l->conn.frames_in ||
	    have - fl->move_have >= PAGE_STALL_BYTES) {
		/* A new frame, or this one moved enough: a new span starts. */
		fl->move_ms = now;
		fl->move_frame = l->conn.frames_in;
		fl->move_have = have;
	}
	uint64_t due = fl->move_ms + l->cfg.page_stall_ms;
	if (now < due)
		return (int)(due - now);
	arrival_stalled(l, type, have, total);
	return 0;
}

static void framed_read(struct link *l, uint64_t now)
{
	uint64_t frames = l->conn.frames_in;
	long got = conn_read(&l->conn, framed_frame_cb, l);
	if (got < 0) {
		/* A console that cannot open our NOISE_3 hangs up without a word: with a pre-shared key
		 * that is a different key, most likely. */
		if (framed_of(l)->sent_noise_3 && l->cfg.st->link == SPEAKER_LINK_HELLO_SENT &&
		    l->cfg.key && l->conn.frames_in == frames) {
			char ended[sizeof l->conn.error];
			snprintf(ended, sizeof ended, "%s", l->conn.error);
			snprintf(l->conn.error, sizeof l->conn.error,
			         "wrong key? the console hung up on our key proof (%.100s)", ended);
		}
		link_close(l, l->conn.error);
		return;
	}
	/* A sign of life is a whole frame: bytes alone may be a peer trickling them. */
	if (l->conn.frames_in != frames) {
		l->last_rx_ms = now;
		framed_of(l)->bytes_at_frame = l->conn.bytes_in;
	}
	report_receiving(l, now);
	watch_arrival(l, now);
}

/*
 * Until WELCOME the welcome deadline alone (a console stopped with Ctrl-Z
 * answers the connection waiting in its backlog when it resumes). Then the
 * heartbeat: the clock's pings (a burst, then steady); no whole frame for the
 * timeout is the end, unless a frame is arriving and moving (watch_arrival).
 */
static int framed_tick(struct link *l, uint64_t now)
{
	struct link_framed *fl = framed_of(l);
	enum speaker_link link = l->cfg.st->link;
	if (link == SPEAKER_LINK_PENDING) {
		/* As long as the operator takes: the console's pings say it is there. */
		uint64_t due = l->last_rx_ms + l->cfg.heartbeat_timeout_ms;
		if (now >= due) {
			char why[96];
			snprintf(why, sizeof why, "no sign of life for %g s while waiting for approval",
			         l->cfg.heartbeat_timeout_ms / 1000.0);
			link_close(l, why);
			return 0;
		}
		return due - now < HEARTBEAT_INTERVAL_MS ? (int)(due - now) : HEARTBEAT_INTERVAL_MS;
	}
	if (link != SPEAKER_LINK_READY) {
		uint64_t due = l->opened_ms + l->cfg.welcome_deadline_ms;
		if (now >= due) {
			char why[96];
			snprintf(why, sizeof why, "no WELCOME within %g s of connecting%s",
			         l->cfg.welcome_deadline_ms / 1000.0,
			         link == SPEAKER_LINK_AUTH ? " (the handshake not done)" : "");
			link_close(l, why);
			return 0;
		}
		return due - now < HEARTBEAT_INTERVAL_MS ? (int)(due - now) : HEARTBEAT_INTERVAL_MS;
	}
	int next = watch_arrival(l, now);
	if (!l->open)
		return 0;
	if (next < 0) {
		uint64_t due = l->last_rx_ms + l->cfg.heartbeat_timeout_ms;
		if (now >= due) {
			uint64_t trickled = l->conn.bytes_in - fl->bytes_at_frame;
			char why[128], bytes[64] = "";
			if (trickled > 0)
				snprintf(bytes, sizeof bytes, ": %llu bytes but no whole frame",
				         (unsigned long long)trickled);
			snprintf(why, sizeof why, "no sign of life for %g s%s",
			         l->cfg.heartbeat_timeout_ms / 1000.0, bytes);
			link_close(l, why);
			return 0;
		}
		next = (int)(due - now);
	}
	/* The pings are the clock's exchanges: a burst until it locks, then steady (clock_sync.h). */
	uint64_t interval = clock_sync_ping_interval_ms(&l->clock);
	if (fl->last_ping_ms == 0 || now - fl->last_ping_ms >= interval) {
		struct proto_ping ping = { .sent_us = clock_mono_us() };
		uint8_t frame[64];
		fl->last_ping_ms = now;
		framed_send(l, frame, proto_ping_encode(&ping, frame, sizeof frame));
	}
	uint64_t ping_due = fl->last_ping_ms + interval;
	if (ping_due > now && ping_due - now < (uint64_t)next)
		next = (int)(ping_due - now);
	return next < HEARTBEAT_INTERVAL_MS ? next : HEARTBEAT_INTERVAL_MS;
}

/* An orderly end, said only to a console that welcomed the speaker. */
static void framed_bye(struct link *l, const char *reason)
{
	if (l->cfg.st->link != SPEAKER_LINK_READY)
		return;
	struct proto_bye bye;
	uint8_t frame[256];
	snprintf(bye.reason, sizeof bye.reason, "%s", reason);
	framed_send(l, frame, proto_bye_encode(&bye, frame, sizeof frame));
}

/* A handshake cut short keeps no subkeys until the next try. */
static void framed_reset(struct link *l)
{
	auth_session_wipe(&framed_of(l)->auth);
}

const struct link_ops link_framed_ops = {
	.peer = "console",
	.size = sizeof(struct link_framed),
	.connected = framed_connected,
	.read = framed_read,
	.tick = framed_tick,
	.report = framed_report,
	.ready = framed_ready,
	.bye = framed_bye,
	.reset = framed_reset,
};

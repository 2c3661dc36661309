/*
 * intercom-speaker: the loudspeaker's side. Connects to a console, introduces
 * itself, and plays each page it receives whole, reporting progress back;
 * reconnects with capped exponential backoff whenever the console is away.
 * With --legacy it is a client of an old Python-intercom server instead: each
 * connection brings one bare WAV file, ended by the server closing it.
 * This file is the headless front-end and the event loop.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <sodium.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/archive.h"
#include "intercom/auth.h"
#include "intercom/audio.h"
#include "intercom/clock.h"
#include "intercom/conn.h"
#include "intercom/defaults.h"
#include "intercom/format.h"
#include "intercom/log.h"
#include "intercom/net.h"
#include "intercom/options.h"
#include "intercom/playback.h"
#include "intercom/proto.h"
#include "intercom/signals.h"
#include "intercom/trace.h"
#include "intercom/wav.h"

/* How often progress goes back to the console while receiving or playing. */
#define STATUS_INTERVAL_MS 250
/* How often the loop looks at the playback position while a page plays. */
#define PLAYBACK_POLL_MS 50
/* On exit, how long queued frames (the last STATUS, BYE) may take to leave. */
#define EXIT_FLUSH_MS 1000

enum link_state {
	LINK_WAITING,     /* disconnected, retry at retry_at_ms */
	LINK_CONNECTING,  /* non-blocking connect in progress */
	LINK_AUTH,        /* key handshake: AUTH_HELLO sent, waiting for the console's proof */
	LINK_HELLO_SENT,  /* waiting for WELCOME */
	LINK_READY,       /* introduced; pages may come */
};

struct speaker {
	struct options opts;
	int signal_fd;

	enum link_state link;
	struct conn conn;
	bool conn_open;
	struct addrinfo *addrs;        /* resolved console addresses, tried in order */
	struct addrinfo *addr_next;
	char console_addr[300];
	uint64_t retry_at_ms;
	unsigned backoff_ms;
	char last_failure[192];        /* said once per streak of identical failures */
	uint64_t last_rx_ms, last_ping_ms;
	uint32_t rtt_ms;

	bool keyed;                    /* --key-file given: only a console that proves it is served */
	struct auth_key key;
	struct auth_session auth;      /* the handshake under way (LINK_AUTH) */

	int output_device;             /* -1: none, save only */
	struct playback *playback;

	/* The page being received. */
	uint64_t recv_status_ms;
	bool recv_reported;

	/* --legacy: the file an old server is sending, as it arrives (no framing, EOF ends it). */
	uint8_t *legacy_buf;
	size_t legacy_len, legacy_cap;
	uint64_t legacy_rx_ms;         /* when its last bytes came */
	uint32_t legacy_pages;         /* old pages have no id: they are numbered here */
	bool legacy_announced;         /* "connected" said since the last failure */

	/* The page being played. */
	uint32_t page_id;
	int16_t *samples;
	size_t frames;
	struct audio_format fmt;
	uint64_t play_status_ms;
	bool first_sample_traced;      /* INTERCOM_TRACE (bench) */

	bool once_done;
	bool once_played;
	bool quit;
};

/* Capped exponential backoff: 0.5, 1, 2, 4, 8, 10, 10 ... seconds. */
static unsigned backoff_next(unsigned current)
{
	if (current == 0)
		return BACKOFF_MIN_MS;
	return current * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : current * 2;
}

static void send_frame(struct speaker *spk, const uint8_t *frame, size_t len)
{
	if (spk->opts.legacy)
		return; /* an old server takes nothing back: no status, no heartbeat */
	if (spk->conn_open && len > 0 && conn_send_copy(&spk->conn, frame, len) < 0)
		log_event("cannot queue a frame to the console: %s", spk->conn.error);
}

static void send_status(struct speaker *spk, uint32_t page_id, enum proto_page_state state,
                        uint64_t done, uint64_t total, const char *reason)
{
	struct proto_status st = { .page_id = page_id, .state = (uint8_t)state, .done = done,
	                           .total = total };
	snprintf(st.reason, sizeof st.reason, "%s", reason ? reason : "");
	uint8_t frame[256];
	send_frame(spk, frame, proto_status_encode(&st, frame, sizeof frame));
}

/* INTERCOM_TRACE (bench): reports once when the page's first frames reached the device. */
static void trace_first_sample(struct speaker *spk)
{
	if (!trace_enabled() || spk->first_sample_traced || !spk->playback)
		return;
	uint64_t us = playback_first_sample_us(spk->playback);
	if (us) {
		trace_event_at("first_sample", us, spk->page_id);
		spk->first_sample_traced = true;
	}
}

/* A page reached its end, one way or another: report it and forget it. */
static void page_finish(struct speaker *spk, enum proto_page_state state, const char *reason)
{
	size_t played = 0;
	trace_first_sample(spk);
	if (spk->playback)
		playback_poll(spk->playback, &played);
	if (state == PAGE_PLAYED)
		played = spk->frames;
	send_status(spk, spk->page_id, state, played, spk->frames, reason);
	if (state == PAGE_PLAYED)
		log_event("page %u played (%.2f s)", spk->page_id, format_seconds(spk->frames, spk->fmt.rate));
	else
		log_event("page %u %s%s%s", spk->page_id, proto_page_state_name(state), reason ? ": " : "",
		          reason ? reason : "");
	if (spk->playback)
		playback_stop(spk->playback);
	free(spk->samples);
	spk->samples = NULL;
	spk->page_id = 0;
	if (spk->opts.once && !spk->once_done) {
		spk->once_done = true;
		spk->once_played = state == PAGE_PLAYED;
		spk->quit = true;
	}
}

/* A page that arrived but cannot be played: report and log "rejected: reason", play nothing. */
static void page_reject(struct speaker *spk, uint32_t page_id, size_t bytes, const char *reason)
{
	char why[192];
	snprintf(why, sizeof why, "rejected: %s", reason);
	send_status(spk, page_id, PAGE_FAILED, 0, bytes, why);
	log_event("page %u %s", page_id, why);
	if (spk->opts.once && !spk->once_done) {
		spk->once_done = true;
		spk->quit = true;
	}
}

/*
 * A page's WAV is in, from a console (len is the PAGE payload's size) or an old
 * server: check it, save it, play it. 0 if it plays (or was saved with no
 * output device), -1 if rejected.
 */
static int page_accept(struct speaker *spk, uint32_t page_id, uint64_t created_ms,
                       const uint8_t *wav, size_t wav_len, size_t len)
{
	struct wav_info info;
	int16_t *samples;
	char reason[128];
	if (wav_decode_s16(wav, wav_len, &samples, &info, reason, sizeof reason) < 0) {
		page_reject(spk, page_id, len, reason);
		return -1;
	}
	trace_event("decoded", page_id); /* INTERCOM_TRACE (bench) */
	struct audio_format fmt = { .rate = info.rate, .channels = info.channels };
	char fmtname[64];
	format_describe(&fmt, fmtname, sizeof fmtname);
	log_event("page %u received: %.2f s %s, %zu bytes", page_id,
	          format_seconds(info.frames, info.rate), fmtname, wav_len);
	if (spk->opts.save_dir[0]) {
		char name[64], path[PATH_MAX], err[PATH_MAX + 128];
		archive_page_name(created_ms, page_id, name, sizeof name);
		if (archive_write(spk->opts.save_dir, name, wav, wav_len, path, sizeof path, err, sizeof err) == 0)
			log_event("page %u saved as %s", page_id, path);
		else
			log_event("page %u not saved: %s", page_id, err);
	}
	/* The newer page wins: the one playing is cut off and reported as interrupted. */
	if (spk->samples)
		page_finish(spk, PAGE_INTERRUPTED, "a newer page arrived");
	spk->page_id = page_id;
	spk->first_sample_traced = false;
	spk->samples = samples;
	spk->frames = info.frames;
	spk->fmt = fmt;
	if (!spk->playback) {
		page_finish(spk, PAGE_FAILED, "saved, not played: no output device");
		return 0;
	}
	char err[256];
	if (playback_start(spk->playback, samples, info.frames, &fmt, err, sizeof err) < 0) {
		page_finish(spk, PAGE_FAILED, err);
		return 0;
	}
	trace_event("stream_started", page_id); /* INTERCOM_TRACE (bench) */
	trace_first_sample(spk);
	spk->play_status_ms = clock_mono_ms();
	send_status(spk, page_id, PAGE_PLAYING, 0, info.frames, NULL);
	return 0;
}

static void on_page(struct speaker *spk, const uint8_t *payload, size_t len)
{
	struct proto_page meta;
	const uint8_t *wav;
	size_t wav_len;
	if (proto_page_decode(payload, len, &meta, &wav, &wav_len) != PROTO_OK) {
		page_reject(spk, 0, len, "malformed PAGE");
		return;
	}
	trace_event("page_whole", meta.page_id); /* INTERCOM_TRACE (bench) */
	send_status(spk, meta.page_id, PAGE_RECEIVED, len, len, NULL);
	page_accept(spk, meta.page_id, meta.created_ms, wav, wav_len, len);
}

static void send_hello(struct speaker *spk)
{
	struct proto_hello hello = { .version = PROTO_VERSION, .caps = 0 };
	snprintf(hello.name, sizeof hello.name, "%s", spk->opts.name);
	snprintf(hello.zone, sizeof hello.zone, "%s", spk->opts.zone);
	uint8_t frame[256];
	spk->link = LINK_HELLO_SENT;
	send_frame(spk, frame, proto_hello_encode(&hello, frame, sizeof frame));
}

/* The console's answer to AUTH_HELLO: it must prove the key before anything is believed. */
static int on_auth_proof(struct speaker *spk, const uint8_t *payload, size_t len)
{
	uint8_t frame[AUTH_FRAME_MAX];
	size_t n = auth_speaker_done(&spk->auth, payload, len, frame, sizeof frame);
	if (n == 0) {
		auth_session_wipe(&spk->auth);
		snprintf(spk->conn.error, sizeof spk->conn.error,
		         "the console did not prove the key: wrong key, or not our console");
		return -1;
	}
	send_frame(spk, frame, n);
	int rc = conn_enable_seal(&spk->conn, spk->auth.tx_key, spk->auth.rx_key);
	auth_session_wipe(&spk->auth);
	if (rc < 0)
		return -1;
	send_hello(spk);
	return 0;
}

/* Handles one whole frame from the console. */
static int console_frame_cb(struct conn *conn, const struct proto_header *header,
                            const uint8_t *payload, void *ctx)
{
	struct speaker *spk = ctx;
	if (spk->link == LINK_AUTH && header->type == PROTO_AUTH_PROOF)
		return on_auth_proof(spk, payload, header->length);
	if (spk->link == LINK_AUTH && header->type != PROTO_BYE) {
		snprintf(conn->error, sizeof conn->error, "console sent %s before proving the key",
		         proto_type_name(header->type));
		return -1;
	}
	if (spk->link != LINK_READY && header->type != PROTO_WELCOME && header->type != PROTO_BYE) {
		snprintf(conn->error, sizeof conn->error, "console sent %s before WELCOME",
		         proto_type_name(header->type));
		return -1;
	}
	switch (header->type) {
	case PROTO_WELCOME: {
		struct proto_welcome welcome;
		if (spk->link == LINK_READY || proto_welcome_decode(payload, header->length, &welcome) != PROTO_OK) {
			snprintf(conn->error, sizeof conn->error, "malformed or repeated WELCOME");
			return -1;
		}
		spk->link = LINK_READY;
		spk->backoff_ms = 0;
		spk->last_failure[0] = '\0';
		log_event("connected to %s (console %s) as %s, speaker id %u, %s", spk->console_addr,
		          welcome.console_name, spk->opts.name, welcome.speaker_id,
		          conn_sealed(conn) ? "link authenticated and encrypted"
		                            : "link NOT authenticated (no --key-file)");
		return 0;
	}
	case PROTO_PAGE:
		spk->recv_reported = false;
		on_page(spk, payload, header->length);
		return 0;
	case PROTO_PING: {
		struct proto_ping ping;
		uint8_t frame[64];
		if (proto_ping_decode(payload, header->length, &ping) != PROTO_OK) {
			snprintf(conn->error, sizeof conn->error, "malformed PING");
			return -1;
		}
		send_frame(spk, frame, proto_ping_encode(PROTO_PONG, &ping, frame, sizeof frame));
		return 0;
	}
	case PROTO_PONG: {
		struct proto_ping pong;
		if (proto_ping_decode(payload, header->length, &pong) == PROTO_OK && pong.sent_ms <= clock_mono_ms())
			spk->rtt_ms = (uint32_t)(clock_mono_ms() - pong.sent_ms);
		return 0;
	}
	case PROTO_BYE: {
		struct proto_bye bye;
		if (proto_bye_decode(payload, header->length, &bye) != PROTO_OK)
			snprintf(bye.reason, sizeof bye.reason, "(unreadable reason)");
		snprintf(conn->error, sizeof conn->error, "console said bye: %s", bye.reason);
		return -1;
	}
	case PROTO_HELLO:
	case PROTO_STATUS:
		snprintf(conn->error, sizeof conn->error, "peer sent %s, which only a speaker sends",
		         proto_type_name(header->type));
		return -1;
	default:
		return 0; /* a later version's message: skip it */
	}
}

/* ---- the link to the console ---- */

static void link_close(struct speaker *spk, const char *why)
{
	if (spk->conn_open) {
		conn_close(&spk->conn);
		spk->conn_open = false;
	}
	/* An old server's accept proves little (it may close at once): only a page resets the backoff. */
	bool was_ready = spk->link == LINK_READY && !spk->opts.legacy;
	spk->link = LINK_WAITING;
	spk->legacy_announced = false;
	spk->backoff_ms = backoff_next(was_ready ? 0 : spk->backoff_ms);
	spk->retry_at_ms = clock_mono_ms() + spk->backoff_ms;
	if (was_ready || strcmp(why, spk->last_failure) != 0)
		log_event("%s %s: %s; retrying in %.1f s",
		          was_ready ? "disconnected from" : spk->opts.legacy ? "old server" : "cannot reach",
		          spk->console_addr, why, spk->backoff_ms / 1000.0);
	snprintf(spk->last_failure, sizeof spk->last_failure, "%s", why);
}

/* Tries the next resolved address, resolving afresh when the list is used up. */
static void link_connect(struct speaker *spk)
{
	char err[256];
	if (!spk->addr_next) {
		if (spk->addrs)
			freeaddrinfo(spk->addrs);
		spk->addrs = NULL;
		if (net_resolve(spk->opts.host, spk->opts.port, &spk->addrs, err, sizeof err) < 0) {
			link_close(spk, err);
			return;
		}
		spk->addr_next = spk->addrs;
	}
	const struct addrinfo *ai = spk->addr_next;
	spk->addr_next = ai->ai_next;
	int fd = net_connect_start(ai);
	if (fd < 0) {
		snprintf(err, sizeof err, "%s", strerror(errno));
		link_close(spk, err);
		return;
	}
	/* A page of PROTO_MAX_PAYLOAD is the only large thing a console sends. */
	conn_init(&spk->conn, fd, PROTO_MAX_PAYLOAD, SPEAKER_QUEUE_PAGES);
	spk->conn_open = true;
	spk->link = LINK_CONNECTING;
	spk->last_rx_ms = clock_mono_ms();
	spk->last_ping_ms = 0; /* the first ping goes right after WELCOME: a round trip to show */
}

static void link_connected(struct speaker *spk)
{
	int e = net_connect_result(spk->conn.fd);
	if (e != 0) {
		link_close(spk, strerror(e));
		/* Another address of the same name may work (localhost: ::1, then 127.0.0.1). */
		if (spk->addr_next)
			spk->retry_at_ms = clock_mono_ms();
		return;
	}
	spk->addr_next = NULL;
	if (spk->opts.legacy) {
		/* No hello in the old format: connected means waiting for the next page. */
		spk->link = LINK_READY;
		spk->legacy_rx_ms = clock_mono_ms();
		net_keepalive(spk->conn.fd, LEGACY_KEEPALIVE_IDLE_S, LEGACY_KEEPALIVE_INTERVAL_S,
		              LEGACY_KEEPALIVE_COUNT);
		if (!spk->legacy_announced)
			log_event("connected to old server %s, waiting for pages", spk->console_addr);
		spk->legacy_announced = true;
		return;
	}
	if (!spk->keyed) {
		send_hello(spk);
		return;
	}
	uint8_t frame[AUTH_FRAME_MAX];
	auth_session_init(&spk->auth, AUTH_SPEAKER, &spk->key);
	spk->link = LINK_AUTH;
	send_frame(spk, frame, auth_speaker_hello(&spk->auth, frame, sizeof frame));
}

/* ---- --legacy: pages from an old Python-intercom server ---- */

/*
 * The old server closed the connection (or it broke, or over-ran): whatever
 * came is the page, checked like any other, so a file cut short is rejected
 * ("truncated: ..."), never played. Then the next connection waits for the next page.
 */
static void legacy_page_end(struct speaker *spk, const char *broken)
{
	uint8_t *wav = spk->legacy_buf;
	size_t len = spk->legacy_len;
	spk->legacy_buf = NULL;
	spk->legacy_len = spk->legacy_cap = 0;
	if (len == 0) {
		free(wav);
		link_close(spk, broken ? broken : "closed the connection without sending a page");
		return;
	}
	conn_close(&spk->conn);
	spk->conn_open = false;
	spk->link = LINK_WAITING;
	uint32_t page_id = ++spk->legacy_pages;
	if (broken)
		log_event("page %u: %s after %zu bytes", page_id, broken, len);
	int rc;
	if (len > PROTO_MAX_PAYLOAD) {
		char why[96];
		snprintf(why, sizeof why, "too large: over %u MiB", PROTO_MAX_PAYLOAD >> 20);
		page_reject(spk, page_id, len, why);
		rc = -1;
	} else {
		rc = page_accept(spk, page_id, clock_wall_ms(), wav, len, len);
	}
	free(wav);
	/* A good page: straight back for the next. A bad one: back off, the server may be broken. */
	if (rc == 0) {
		spk->backoff_ms = 0;
		spk->last_failure[0] = '\0';
		spk->retry_at_ms = clock_mono_ms();
	} else {
		spk->backoff_ms = backoff_next(spk->backoff_ms);
		spk->retry_at_ms = clock_mono_ms() + spk->backoff_ms;
	}
}

/* Reads what the old server sent so far, up to EOF; bounded by the largest page plus one byte. */
static void legacy_read(struct speaker *spk, uint64_t now)
{
	size_t budget = CONN_READ_BUDGET;
	const size_t limit = (size_t)PROTO_MAX_PAYLOAD + 1;
	while (budget > 0) {
		if (spk->legacy_len == spk->legacy_cap) {
			if (spk->legacy_cap == limit) {
				legacy_page_end(spk, "still sending at the page size limit");
				return;
			}
			size_t cap = spk->legacy_cap ? spk->legacy_cap * 2 : 64 * 1024;
			if (cap > limit)
				cap = limit;
			uint8_t *grown = realloc(spk->legacy_buf, cap);
			if (!grown) {
				legacy_page_end(spk, "out of memory");
				return;
			}
			spk->legacy_buf = grown;
			spk->legacy_cap = cap;
		}
		size_t room = spk->legacy_cap - spk->legacy_len;
		ssize_t got = recv(spk->conn.fd, spk->legacy_buf + spk->legacy_len,
		                   room < budget ? room : budget, MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (got < 0) {
			char why[128];
			snprintf(why, sizeof why, "receive failed: %s", strerror(errno));
			legacy_page_end(spk, why);
			return;
		}
		if (got == 0) {
			legacy_page_end(spk, NULL);
			return;
		}
		spk->legacy_len += (size_t)got;
		spk->legacy_rx_ms = now;
		budget -= (size_t)got; /* got <= room and room <= budget */
	}
}

/* An old server is silent until it sends; once a file has started, LEGACY_STALL_MS without a byte ends it. */
static int legacy_tick(struct speaker *spk, uint64_t now)
{
	if (spk->legacy_len == 0)
		return HEARTBEAT_INTERVAL_MS;
	if (now - spk->legacy_rx_ms >= LEGACY_STALL_MS) {
		char why[64];
		snprintf(why, sizeof why, "no data for %d s", LEGACY_STALL_MS / 1000);
		legacy_page_end(spk, why);
		return 0;
	}
	return (int)(spk->legacy_rx_ms + LEGACY_STALL_MS - now);
}

/* Reports how far the page being received is, at most every STATUS_INTERVAL_MS. */
static void report_receiving(struct speaker *spk, uint64_t now)
{
	uint8_t type;
	size_t have, total;
	if (!proto_decoder_progress(&spk->conn.decoder, &type, &have, &total) || type != PROTO_PAGE)
		return;
	if (spk->recv_reported && now - spk->recv_status_ms < STATUS_INTERVAL_MS)
		return;
	spk->recv_reported = true;
	spk->recv_status_ms = now;
	/* The page id sits in the first payload bytes; until they are in, it is unknown (0). */
	uint32_t page_id = 0;
	if (have >= 4) {
		const uint8_t *p = spk->conn.decoder.payload;
		page_id = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	}
	send_status(spk, page_id, PAGE_RECEIVING, have, total, NULL);
}

/* Follows playback; returns the ms until it wants to look again (-1: nothing playing). */
static int playback_tick(struct speaker *spk, uint64_t now)
{
	if (!spk->samples || !spk->playback)
		return -1;
	size_t played;
	switch (playback_poll(spk->playback, &played)) {
	case PLAYBACK_DONE:
		page_finish(spk, PAGE_PLAYED, NULL);
		return -1;
	case PLAYBACK_FAILED:
		page_finish(spk, PAGE_FAILED, "output device stopped during playback");
		return -1;
	case PLAYBACK_IDLE:
		return -1;
	case PLAYBACK_PLAYING:
		break;
	}
	trace_first_sample(spk);
	if (now - spk->play_status_ms >= STATUS_INTERVAL_MS) {
		spk->play_status_ms = now;
		send_status(spk, spk->page_id, PAGE_PLAYING, played, spk->frames, NULL);
	}
	return PLAYBACK_POLL_MS;
}

/* Heartbeat: ping every interval; a console silent for the timeout is gone. */
static int link_tick(struct speaker *spk, uint64_t now)
{
	if (spk->link == LINK_WAITING) {
		if (now >= spk->retry_at_ms) {
			link_connect(spk);
			return 0;
		}
		return (int)(spk->retry_at_ms - now);
	}
	if (spk->opts.legacy && spk->link == LINK_READY)
		return legacy_tick(spk, now);
	if (now - spk->last_rx_ms >= HEARTBEAT_TIMEOUT_MS) {
		char why[64];
		snprintf(why, sizeof why, "%s for %d s", spk->link == LINK_READY ? "no sign of life" : "no answer",
		         HEARTBEAT_TIMEOUT_MS / 1000);
		link_close(spk, why);
		return 0;
	}
	if (spk->link == LINK_READY && now - spk->last_ping_ms >= SPEAKER_PING_INTERVAL_MS) {
		struct proto_ping ping = { .sent_ms = now };
		uint8_t frame[64];
		spk->last_ping_ms = now;
		send_frame(spk, frame, proto_ping_encode(PROTO_PING, &ping, frame, sizeof frame));
	}
	return HEARTBEAT_INTERVAL_MS;
}

/* Sends what is queued before exit, for at most EXIT_FLUSH_MS. */
static void link_drain(struct speaker *spk)
{
	uint64_t until = clock_mono_ms() + EXIT_FLUSH_MS;
	while (spk->conn_open && conn_wants_write(&spk->conn) && clock_mono_ms() < until) {
		struct pollfd pfd = { .fd = spk->conn.fd, .events = POLLOUT };
		if (poll(&pfd, 1, 100) < 0 || conn_flush(&spk->conn) < 0)
			break;
	}
}

static int speaker_run(struct speaker *spk)
{
	while (!spk->quit) {
		uint64_t now = clock_mono_ms();
		int timeout = link_tick(spk, now);
		int play = playback_tick(spk, now);
		if (play >= 0 && play < timeout)
			timeout = play;
		if (spk->quit)
			break;
		struct pollfd fds[2] = {
			{ .fd = spk->signal_fd, .events = POLLIN },
			{ .fd = spk->conn_open ? spk->conn.fd : -1, .events = POLLIN },
		};
		if (spk->link == LINK_CONNECTING || (spk->conn_open && conn_wants_write(&spk->conn)))
			fds[1].events |= POLLOUT;
		if (spk->link == LINK_CONNECTING)
			fds[1].events = POLLOUT;
		if (poll(fds, 2, timeout) < 0 && errno != EINTR) {
			log_event("poll failed: %s", strerror(errno));
			return EXIT_FAILURE_RUNTIME;
		}
		if (fds[0].revents) {
			log_event("caught signal %d, shutting down", signals_take());
			break;
		}
		now = clock_mono_ms();
		short rev = spk->conn_open ? fds[1].revents : 0;
		if (spk->link == LINK_CONNECTING) {
			if (rev)
				link_connected(spk);
		} else if (spk->opts.legacy && (rev & (POLLIN | POLLHUP | POLLERR))) {
			legacy_read(spk, now);
		} else if (rev & (POLLIN | POLLHUP | POLLERR)) {
			long got = conn_read(&spk->conn, console_frame_cb, spk);
			if (got < 0) {
				link_close(spk, spk->conn.error);
				continue;
			}
			if (got > 0)
				spk->last_rx_ms = now;
			report_receiving(spk, now);
		}
		if (spk->conn_open && conn_wants_write(&spk->conn) && spk->link != LINK_CONNECTING &&
		    conn_flush(&spk->conn) < 0)
			link_close(spk, spk->conn.error);
	}
	return EXIT_OK;
}

static void speaker_shutdown(struct speaker *spk)
{
	if (spk->samples)
		page_finish(spk, PAGE_INTERRUPTED, "speaker shutting down");
	if (spk->conn_open && spk->link == LINK_READY) {
		struct proto_bye bye;
		uint8_t frame[256];
		snprintf(bye.reason, sizeof bye.reason, "speaker shutting down");
		send_frame(spk, frame, proto_bye_encode(&bye, frame, sizeof frame));
	}
	link_drain(spk);
	if (spk->conn_open)
		conn_close(&spk->conn);
	if (spk->addrs)
		freeaddrinfo(spk->addrs);
	playback_free(spk->playback);
	free(spk->samples);
	auth_session_wipe(&spk->auth);
	sodium_memzero(&spk->key, sizeof spk->key);
	free(spk->legacy_buf);
}

int main(int argc, char **argv)
{
	static struct speaker spk = { .output_device = -1 };
	char err[512];
	trace_init();
	switch (options_parse(&spk.opts, PROGRAM_SPEAKER, argc, argv, err, sizeof err)) {
	case OPTIONS_INVALID:
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	case OPTIONS_EXIT:
		if (spk.opts.help)
			options_usage(PROGRAM_SPEAKER, stdout);
		else
			printf("intercom-speaker %s (protocol %d)\n", INTERCOM_VERSION, PROTO_VERSION);
		return EXIT_OK;
	case OPTIONS_RUN:
		break;
	}
	bool audio_up = audio_init(err, sizeof err) == 0;
	if (spk.opts.list_devices) {
		if (!audio_up) {
			fprintf(stderr, "intercom-speaker: %s\n", err);
			return EXIT_AUDIO;
		}
		audio_list_devices(stdout);
		audio_terminate();
		return EXIT_OK;
	}
	if (!spk.opts.headless) {
		fprintf(stderr, "intercom-speaker: the curses screen is not built yet; run with --headless\n");
		return EXIT_USAGE;
	}
	if (!spk.opts.name[0]) {
		char host[256] = "";
		gethostname(host, sizeof host);
		host[NAME_MAX_BYTES] = '\0';
		const char *name = *host && proto_text_valid(host, strlen(host), NAME_MAX_BYTES) ? host : "speaker";
		memcpy(spk.opts.name, name, strlen(name) + 1);
	}
	if (auth_init() < 0) {
		fprintf(stderr, "intercom-speaker: cannot initialise libsodium\n");
		return EXIT_FAILURE_RUNTIME;
	}
	if (spk.opts.key_file[0]) {
		if (auth_key_load(spk.opts.key_file, &spk.key, err, sizeof err) < 0) {
			fprintf(stderr, "intercom-speaker: %s\n", err);
			return EXIT_FILES;
		}
		spk.keyed = true;
	}
	if (spk.opts.save_dir[0] && archive_prepare_dir(spk.opts.save_dir, err, sizeof err) < 0) {
		fprintf(stderr, "intercom-speaker: --save: %s\n", err);
		return EXIT_FILES;
	}
	if (audio_up)
		spk.output_device = audio_find_device(spk.opts.output_device, false, err, sizeof err);
	if (spk.output_device < 0) {
		if (!spk.opts.save_dir[0] || spk.opts.output_device[0]) {
			fprintf(stderr, "intercom-speaker: %s%s\n", err,
			        spk.opts.output_device[0] ? "" : " (or only keep pages with --save DIR)");
			if (audio_up)
				audio_terminate();
			return EXIT_AUDIO;
		}
		log_event("no output device (%s): pages will be saved to %s, not played", err,
		          spk.opts.save_dir);
	} else {
		spk.playback = playback_new(spk.output_device, spk.opts.chunk);
		log_event("output: %s", audio_device_name(spk.output_device));
	}
	spk.signal_fd = signals_install();
	if (strchr(spk.opts.host, ':'))
		snprintf(spk.console_addr, sizeof spk.console_addr, "[%s]:%d", spk.opts.host, spk.opts.port);
	else
		snprintf(spk.console_addr, sizeof spk.console_addr, "%s:%d", spk.opts.host, spk.opts.port);
	log_event("intercom-speaker %s as %s%s%s, %s %s", INTERCOM_VERSION, spk.opts.name,
	          spk.opts.zone[0] ? " zone " : "", spk.opts.zone,
	          spk.opts.legacy ? "old Python-intercom server" : "console", spk.console_addr);
	int rc = speaker_run(&spk);
	speaker_shutdown(&spk);
	if (audio_up)
		audio_terminate();
	if (spk.opts.once)
		rc = spk.once_played ? EXIT_OK : EXIT_FAILURE_RUNTIME;
	log_event("speaker stopped");
	return rc;
}

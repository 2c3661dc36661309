/*
 * intercom-speaker: the loudspeaker's side. Connects to a console, introduces
 * itself, and plays each page it receives whole, reporting progress back;
 * reconnects with capped exponential backoff whenever the console is away.
 * With --legacy it is a client of an old Python-intercom server instead: each
 * connection brings one bare WAV file, ended by the server closing it.
 *
 * This file is the event loop and its two faces: the curses screen (keys here,
 * drawn by speaker_ui.c on the terminal term.c owns) and --headless (log lines
 * on stdout). Both show the one speaker_state, which also words the log lines.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/audio/audio.h"
#include "intercom/audio/format.h"
#include "intercom/audio/playback.h"
#include "intercom/audio/volume.h"
#include "intercom/audio/wav.h"
#include "intercom/common/app.h"
#include "intercom/common/archive.h"
#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/common/options.h"
#include "intercom/common/pollset.h"
#include "intercom/common/signals.h"
#include "intercom/common/trace.h"
#include "intercom/net/auth.h"
#include "intercom/net/conn.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"
#include "intercom/net/resolver.h"
#include "intercom/speaker/speaker_state.h"
#include "intercom/speaker/speaker_ui.h"
#include "intercom/speaker/speaker_view.h"
#include "intercom/tui/frame.h"
#include "intercom/tui/meter_scale.h"
#include "intercom/tui/term.h"

/* How often progress goes back to the console while receiving or playing. */
#define STATUS_INTERVAL_MS 250
/* How often the loop looks at the playback position while a page plays. */
#define PLAYBACK_POLL_MS 50
/* On exit, how long queued frames (the last STATUS, BYE) may take to leave. */
#define EXIT_FLUSH_MS 1000
/* A link dropped for a bad page waits this long at most for its last report to go. */
#define DROP_FLUSH_MS 1000
/* The screen redraws at most 25 times a second while something moves (as the console's). */
/* A run of volume keys is said and saved once, this long after the last press. */
#define VOLUME_SETTLE_MS 1000
/* Keys handled per loop pass at most: a huge paste cannot starve the network. */
#define KEY_CTRL_L 12

struct speaker {
	struct options opts;
	int signal_fd;
	struct pollset pollset;
	struct speaker_state st;       /* what the log, the screen and the STATUS reports say */

	struct conn conn;
	bool conn_open;
	struct resolver *resolver;     /* a lookup of the console's name in flight */
	struct addrinfo *addrs;        /* resolved console addresses, tried in order */
	struct addrinfo *addr_next;
	char console_addr[300];
	uint64_t last_rx_ms, last_ping_ms;
	uint64_t link_opened_ms;       /* the TCP connection is up since (0: not up) */
	char drop_reason[224];         /* close the link once what is queued has gone (empty: no) */
	uint64_t drop_due_ms;          /* or at this time, whatever is still queued */

	bool keyed;                    /* --key-file given: only a console that proves it is served */
	struct auth_key key;
	struct auth_session auth;      /* the handshake under way (SPEAKER_LINK_AUTH) */

	int output_device;             /* -1: none, save only */
	char output_name[192];         /* the device, or why there is none */
	struct playback *playback;
	char state_path[PATH_MAX];     /* where the volume is kept; "" if nowhere */
	bool state_save_failed;        /* said once */
	uint64_t volume_changed_ms;    /* a volume key was pressed then; 0: settled */

	/* The page being received. */
	uint64_t recv_status_ms;
	bool recv_reported;

	/* --legacy: the file an old server is sending, as it arrives (no framing, EOF ends it). */
	uint8_t *legacy_buf;
	size_t legacy_len, legacy_cap;
	uint64_t legacy_rx_ms;         /* when its last bytes came */
	uint32_t legacy_pages;         /* old pages have no id: they are numbered here */

	/* The last page that decoded: what plays now, and what r plays again. */
	uint32_t page_id;
	int16_t *samples;              /* NULL: no page yet */
	size_t frames;
	struct audio_format fmt;
	bool playing;                  /* the samples are on the output stream */
	bool replay;                   /* ... played again here, not reported */
	uint64_t play_status_ms;
	bool first_sample_traced;      /* INTERCOM_TRACE (bench) */

	/* The screen (not --headless). */
	bool screen;
	struct speaker_ui *ui;
	struct speaker_view *view;
	struct meter_ballistics meter;
	struct frame_clock frame;
	bool help;

	bool once_done;
	bool once_played;
	struct app app;                /* quit, exit code, the fatal message */
};

/* The state machine's words go to the log: stdout headless, the log pane on the screen. */
static void say_cb(const char *line, void *ctx)
{
	(void)ctx;
	log_event("%s", line);
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
	if (!trace_enabled() || spk->first_sample_traced || !spk->playback || spk->replay)
		return;
	uint64_t us = playback_first_sample_us(spk->playback);
	if (us) {
		trace_event_at("first_sample", us, spk->page_id);
		spk->first_sample_traced = true;
	}
}

/* ---- pages ---- */

/*
 * The page in hand reached an outcome: the stream (if any) stops, the console
 * hears it (a local replay is not reported), the state says it. The samples
 * stay for r.
 */
static void page_outcome(struct speaker *spk, enum proto_page_state state, const char *reason)
{
	size_t played = 0;
	if (spk->playing)
		trace_first_sample(spk);
	if (spk->playing && spk->playback)
		played = playback_frames_played_by_device(spk->playback);
	if (state == PAGE_PLAYED)
		played = spk->frames;
	if (spk->playing && spk->playback)
		playback_stop(spk->playback);
	bool replay = spk->playing && spk->replay;
	spk->playing = spk->replay = false;
	speaker_state_progress(&spk->st, played);
	speaker_state_finished(&spk->st, spk->page_id, state, reason);
	if (replay)
		return;
	send_status(spk, spk->page_id, state, played, spk->frames, reason);
	if (spk->opts.once && !spk->once_done) {
		spk->once_done = true;
		spk->once_played = state == PAGE_PLAYED;
		spk->app.quit = true;
	}
}

/* A page that arrived but cannot be played: report "rejected: reason", play nothing. */
static void page_reject(struct speaker *spk, uint32_t page_id, size_t bytes, const char *reason)
{
	char why[192];
	snprintf(why, sizeof why, "rejected: %s", reason);
	send_status(spk, page_id, PAGE_FAILED, 0, bytes, why);
	speaker_state_rejected(&spk->st, page_id, clock_wall_ms(), reason);
	/*
	 * A console that sends a page no speaker could play is broken or not ours:
	 * once it has the reason, the link is dropped and made afresh (backoff).
	 */
	if (!spk->opts.legacy && spk->conn_open) {
		snprintf(spk->drop_reason, sizeof spk->drop_reason, "console sent a bad page (%s)", reason);
		spk->drop_due_ms = clock_mono_ms() + DROP_FLUSH_MS;
	}
	if (spk->opts.once && !spk->once_done) {
		spk->once_done = true;
		spk->app.quit = true;
	}
}

static int playback_tick(struct speaker *spk, uint64_t now);

/*
 * The output would not open: PortAudio lists the devices afresh and the device
 * is found again by its name, since one unplugged and plugged back can come back
 * under another index. 0 if there is a device to try again, else -1.
 */
static int output_rescan(struct speaker *spk)
{
	char err[256];
	playback_free(spk->playback);
	spk->playback = NULL;
	audio_terminate();
	if (audio_init(err, sizeof err) < 0)
		return -1;
	int device = audio_find_device(spk->opts.output_device, false, err, sizeof err);
	if (device < 0)
		return -1;
	spk->output_device = device;
	spk->playback = playback_new(device, spk->opts.chunk);
	return spk->playback ? 0 : -1;
}

/* Starts the last page on the output device; replay: asked for here, not reported. 0 or -1. */
static int page_play(struct speaker *spk, bool replay, char *err, size_t errlen)
{
	if (!spk->playback || playback_start(spk->playback, spk->samples, spk->frames, &spk->fmt, err,
	                                     errlen) < 0) {
		if (output_rescan(spk) < 0 ||
		    playback_start(spk->playback, spk->samples, spk->frames, &spk->fmt, err, errlen) < 0)
			return -1;
		log_event("output device %s opened after listing the audio devices afresh",
		          audio_device_name(spk->output_device));
	}
	spk->playing = true;
	spk->replay = replay;
	spk->play_status_ms = clock_mono_ms();
	speaker_state_playing(&spk->st, spk->page_id, spk->frames, replay);
	return 0;
}

/*
 * A page's WAV is in, from a console (len is the PAGE payload's size) or an old
 * server: check it, save it, play it (unless muted). 0 if it was taken (played,
 * muted, or saved with no output device), -1 if rejected.
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
	/*
	 * The newer page wins: the one playing is cut off and reported as
	 * interrupted, unless it has just ended (the loop looks every 50 ms).
	 */
	if (spk->playing)
		playback_tick(spk, clock_mono_ms());
	if (spk->playing)
		page_outcome(spk, PAGE_INTERRUPTED, "a newer page arrived");
	struct audio_format fmt = { .rate = info.rate, .channels = info.channels };
	speaker_state_received(&spk->st, page_id, clock_wall_ms(), &fmt, info.frames, wav_len);
	if (spk->opts.save_dir[0]) {
		char name[64], path[PATH_MAX], err[PATH_MAX + 128];
		archive_page_name(created_ms, page_id, name, sizeof name);
		if (archive_write(spk->opts.save_dir, name, wav, wav_len, path, sizeof path, err, sizeof err) == 0)
			log_event("page %u saved as %s", page_id, path);
		else
			log_event("page %u not saved: %s", page_id, err);
	}
	free(spk->samples);
	spk->page_id = page_id;
	spk->first_sample_traced = false;
	spk->samples = samples;
	spk->frames = info.frames;
	spk->fmt = fmt;
	if (spk->output_device < 0) {
		page_outcome(spk, PAGE_FAILED, "saved, not played: no output device");
		return 0;
	}
	if (spk->st.muted) {
		page_outcome(spk, PAGE_MUTED, "muted on the speaker");
		return 0;
	}
	char err[256];
	if (page_play(spk, false, err, sizeof err) < 0) {
		page_outcome(spk, PAGE_FAILED, err);
		return 0;
	}
	trace_event("stream_started", page_id); /* INTERCOM_TRACE (bench) */
	trace_first_sample(spk);
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

/* ---- the console's frames ---- */

static void send_hello(struct speaker *spk)
{
	struct proto_hello hello = { .version = PROTO_VERSION, .caps = 0 };
	snprintf(hello.name, sizeof hello.name, "%s", spk->opts.name);
	snprintf(hello.zone, sizeof hello.zone, "%s", spk->opts.zone);
	uint8_t frame[256];
	speaker_state_hello_sent(&spk->st, clock_mono_ms());
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
	enum speaker_link link = spk->st.link;
	if (link == SPEAKER_LINK_AUTH && header->type == PROTO_AUTH_PROOF)
		return on_auth_proof(spk, payload, header->length);
	if (link == SPEAKER_LINK_AUTH && header->type != PROTO_BYE) {
		snprintf(conn->error, sizeof conn->error, "console sent %s before proving the key",
		         proto_type_name(header->type));
		return -1;
	}
	if (link != SPEAKER_LINK_READY && header->type != PROTO_WELCOME && header->type != PROTO_BYE) {
		snprintf(conn->error, sizeof conn->error, "console sent %s before WELCOME",
		         proto_type_name(header->type));
		return -1;
	}
	uint32_t rtt_ms;
	/* Before its proof a keyed speaker's peer is anyone: its words are shown as such. */
	switch (conn_common_frame(conn, header, payload,
	                          link == SPEAKER_LINK_AUTH ? "a peer that has not proven the key" : "console",
	                          &rtt_ms)) {
	case CONN_DROP:
		return -1;
	case CONN_ROUND_TRIP:
		speaker_state_rtt(&spk->st, rtt_ms);
		return 0;
	case CONN_HANDLED:
		return 0;
	case CONN_NOT_COMMON:
		break;
	}
	switch (header->type) {
	case PROTO_WELCOME: {
		struct proto_welcome welcome;
		if (link == SPEAKER_LINK_READY ||
		    proto_welcome_decode(payload, header->length, &welcome) != PROTO_OK) {
			snprintf(conn->error, sizeof conn->error, "malformed or repeated WELCOME");
			return -1;
		}
		speaker_state_ready(&spk->st, clock_mono_ms(), clock_wall_ms(), spk->opts.name,
		                    welcome.console_name, welcome.speaker_id, conn_sealed(conn));
		conn_limit_frames(conn, PROTO_MAX_PAYLOAD);
		return 0;
	}
	case PROTO_PAGE:
		spk->recv_reported = false;
		on_page(spk, payload, header->length);
		return 0;
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
	spk->drop_reason[0] = '\0';
	resolver_abandon(spk->resolver);
	spk->resolver = NULL;
	/* A handshake cut short keeps no subkeys until the next try. */
	auth_session_wipe(&spk->auth);
	if (spk->conn_open) {
		conn_close(&spk->conn);
		spk->conn_open = false;
	}
	speaker_state_receive_lost(&spk->st);
	speaker_state_link_down(&spk->st, clock_mono_ms(), why);
}

/*
 * Tries the next resolved address. When the list is used up it looks the name
 * up afresh, off the loop (resolver): link_resolved carries on from there.
 */
static void link_connect(struct speaker *spk)
{
	char err[400];
	if (!spk->addr_next) {
		if (spk->addrs)
			freeaddrinfo(spk->addrs);
		spk->addrs = NULL;
		if (spk->resolver)
			return;
		spk->resolver = resolver_start(spk->opts.host, spk->opts.port, err, sizeof err);
		if (!spk->resolver) {
			link_close(spk, err);
			return;
		}
		speaker_state_connecting(&spk->st, clock_mono_ms());
		return;
	}
	const struct addrinfo *ai = spk->addr_next;
	spk->addr_next = ai->ai_next;
	int fd = net_connect_start(ai);
	if (fd < 0) {
		snprintf(err, sizeof err, "%s", strerror(errno));
		link_close(spk, err);
		return;
	}
	/*
	 * A page of PROTO_MAX_PAYLOAD is the only large thing a console sends, and
	 * only once it is known: until its WELCOME (after the key's proof, with a
	 * key) frames are capped at control size, so a peer that is not our
	 * console cannot make the speaker allocate for, or show, a page.
	 */
	conn_init(&spk->conn, fd, PROTO_MAX_CONTROL_PAYLOAD, SPEAKER_QUEUE_PAGES);
	spk->link_opened_ms = 0;
	spk->conn_open = true;
	speaker_state_connecting(&spk->st, clock_mono_ms());
	spk->last_rx_ms = clock_mono_ms();
	spk->last_ping_ms = 0; /* the first ping goes right after WELCOME: a round trip to show */
}

static void link_resolved(struct speaker *spk)
{
	char err[400];
	struct resolver *r = spk->resolver;
	spk->resolver = NULL;
	if (resolver_finish(r, &spk->addrs, err, sizeof err) < 0) {
		link_close(spk, err);
		return;
	}
	spk->addr_next = spk->addrs;
	link_connect(spk);
}

static void link_connected(struct speaker *spk)
{
	int e = net_connect_result(spk->conn.fd);
	if (e != 0) {
		link_close(spk, strerror(e));
		/* Another address of the same name may work (localhost: ::1, then 127.0.0.1). */
		if (spk->addr_next)
			speaker_state_retry_now(&spk->st, clock_mono_ms());
		return;
	}
	spk->addr_next = NULL;
	spk->link_opened_ms = clock_mono_ms();
	if (spk->opts.legacy) {
		/* No hello in the old format: connected means waiting for the next page. */
		speaker_state_legacy_connected(&spk->st, clock_mono_ms(), clock_wall_ms());
		spk->legacy_rx_ms = clock_mono_ms();
		net_keepalive(spk->conn.fd, LEGACY_KEEPALIVE_IDLE_S, LEGACY_KEEPALIVE_INTERVAL_S,
		              LEGACY_KEEPALIVE_COUNT);
		return;
	}
	if (!spk->keyed) {
		send_hello(spk);
		return;
	}
	uint8_t frame[AUTH_FRAME_MAX];
	auth_session_init(&spk->auth, AUTH_SPEAKER, &spk->key);
	speaker_state_authenticating(&spk->st, clock_mono_ms());
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
	speaker_state_legacy_page_end(&spk->st, clock_mono_ms(), rc == 0);
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

/* Follows the page being received: the state at once, the console at most every STATUS_INTERVAL_MS. */
static void report_receiving(struct speaker *spk, uint64_t now)
{
	uint8_t type;
	size_t have, total;
	if (spk->st.link != SPEAKER_LINK_READY ||
	    !proto_decoder_progress(&spk->conn.decoder, &type, &have, &total) || type != PROTO_PAGE)
		return;
	/* Until the page id is in, it is unknown (0). */
	uint32_t page_id = 0;
	proto_page_peek_id(spk->conn.decoder.payload, have, &page_id);
	speaker_state_receiving(&spk->st, page_id, have, total);
	if (spk->recv_reported && now - spk->recv_status_ms < STATUS_INTERVAL_MS)
		return;
	spk->recv_reported = true;
	spk->recv_status_ms = now;
	send_status(spk, page_id, PAGE_RECEIVING, have, total, NULL);
}

/* Follows playback; returns the ms until it wants to look again (-1: nothing playing). */
static int playback_tick(struct speaker *spk, uint64_t now)
{
	if (!spk->playing || !spk->playback)
		return -1;
	switch (playback_poll(spk->playback, NULL)) {
	case PLAYBACK_DONE:
		page_outcome(spk, PAGE_PLAYED, NULL);
		return -1;
	case PLAYBACK_FAILED:
		page_outcome(spk, PAGE_FAILED, "output device stopped during playback");
		return -1;
	case PLAYBACK_IDLE:
		return -1;
	case PLAYBACK_PLAYING:
		break;
	}
	trace_first_sample(spk);
	/* What the device has played, not what was handed to it: screen and console agree. */
	size_t played = playback_frames_played_by_device(spk->playback);
	speaker_state_progress(&spk->st, played);
	if (!spk->replay && now - spk->play_status_ms >= STATUS_INTERVAL_MS) {
		spk->play_status_ms = now;
		send_status(spk, spk->page_id, PAGE_PLAYING, played, spk->frames, NULL);
	}
	return PLAYBACK_POLL_MS;
}

/* Heartbeat: ping every interval; a console silent for the timeout is gone. */
static int link_tick(struct speaker *spk, uint64_t now)
{
	enum speaker_link link = spk->st.link;
	if (link == SPEAKER_LINK_WAITING) {
		if (now >= spk->st.retry_at_ms) {
			link_connect(spk);
			return 0;
		}
		return (int)(spk->st.retry_at_ms - now);
	}
	if (spk->resolver)
		return INT32_MAX; /* the lookup's own timeouts bound it; its fd wakes the loop */
	if (spk->opts.legacy && link == SPEAKER_LINK_READY)
		return legacy_tick(spk, now);
	if (link != SPEAKER_LINK_READY && spk->link_opened_ms != 0 && !spk->opts.legacy) {
		uint64_t due = spk->link_opened_ms + WELCOME_DEADLINE_MS;
		if (now >= due) {
			char why[96];
			snprintf(why, sizeof why, "no WELCOME within %d s of connecting%s", WELCOME_DEADLINE_MS / 1000,
			         link == SPEAKER_LINK_AUTH ? " (the key not proven)" : "");
			link_close(spk, why);
			return 0;
		}
		/* On time, not at the next heartbeat tick. */
		if (due - now < HEARTBEAT_INTERVAL_MS)
			return (int)(due - now);
	}
	if (now - spk->last_rx_ms >= HEARTBEAT_TIMEOUT_MS) {
		char why[64];
		snprintf(why, sizeof why, "%s for %d s", link == SPEAKER_LINK_READY ? "no sign of life" : "no answer",
		         HEARTBEAT_TIMEOUT_MS / 1000);
		link_close(spk, why);
		return 0;
	}
	if (link == SPEAKER_LINK_READY && now - spk->last_ping_ms >= SPEAKER_PING_INTERVAL_MS) {
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

/* ---- settings: volume and mute ---- */

/* Sets the volume: the callback applies it from its next buffer; said and kept once it settles. */
static void speaker_set_volume(struct speaker *spk, int db)
{
	speaker_state_set_volume(&spk->st, db);
	if (spk->playback)
		playback_set_gain(spk->playback, volume_gain_q24(spk->st.volume_db));
	spk->volume_changed_ms = clock_mono_ms();
}

/* Says and saves the volume once the keys have rested; returns ms until it wants to look again. */
static int volume_tick(struct speaker *spk, uint64_t now)
{
	if (!spk->volume_changed_ms)
		return -1;
	if (now - spk->volume_changed_ms < VOLUME_SETTLE_MS)
		return (int)(spk->volume_changed_ms + VOLUME_SETTLE_MS - now);
	spk->volume_changed_ms = 0;
	if (spk->st.volume_db == spk->st.volume_said_db)
		return -1;
	speaker_state_volume_settled(&spk->st);
	char err[PATH_MAX + 128];
	if (volume_state_save(spk->state_path, spk->st.volume_db, err, sizeof err) < 0 &&
	    !spk->state_save_failed) {
		spk->state_save_failed = true;
		log_event("volume not kept for the next start: %s", err);
	}
	return -1;
}

/* m: muting cuts off the page playing (reported muted); later pages are received, not played. */
static void speaker_toggle_mute(struct speaker *spk)
{
	bool muted = !spk->st.muted;
	speaker_state_set_muted(&spk->st, muted);
	if (muted && spk->playing)
		page_outcome(spk, spk->replay ? PAGE_INTERRUPTED : PAGE_MUTED, "muted on the speaker");
}

/* r: the last page again, here only; a page from the console is never cut off for it. */
static void speaker_replay(struct speaker *spk)
{
	if (!spk->samples) {
		log_event("nothing to replay yet: no page has arrived");
		return;
	}
	if (spk->output_device < 0) {
		log_event("cannot replay: no output device");
		return;
	}
	if (spk->st.muted) {
		log_event("cannot replay while muted: m unmutes");
		return;
	}
	if (spk->playing && !spk->replay) {
		log_event("page %u is playing: replay it once it ends", spk->page_id);
		return;
	}
	if (spk->playing)
		page_outcome(spk, PAGE_INTERRUPTED, "replayed from the start");
	char err[256];
	if (page_play(spk, true, err, sizeof err) < 0)
		log_event("cannot replay page %u: %s", spk->page_id, err);
}

/* ---- the screen ---- */

/* One key on the screen. */
static void speaker_key_cb(void *ctx, int key)
{
	struct speaker *spk = ctx;
	if (key == KEY_RESIZE || key == KEY_CTRL_L) {
		if (key == KEY_CTRL_L)
			term_repaint();
		speaker_ui_invalidate(spk->ui);
		return;
	}
	if (spk->help) {
		spk->help = false; /* any key closes the help; it does nothing else */
		return;
	}
	switch (key) {
	case '+': case '=': case KEY_UP: case KEY_RIGHT:
		speaker_set_volume(spk, volume_step_db(spk->st.volume_db, +1));
		break;
	case '-': case '_': case KEY_DOWN: case KEY_LEFT:
		speaker_set_volume(spk, volume_step_db(spk->st.volume_db, -1));
		break;
	case '0':
		speaker_set_volume(spk, 0);
		break;
	case 'm': case 'M':
		speaker_toggle_mute(spk);
		break;
	case 'r': case 'R':
		speaker_replay(spk);
		break;
	case '?': case 'h': case KEY_F(1):
		spk->help = true;
		break;
	case 'q': case 'Q':
		spk->app.quit = true;
		break;
	default:
		break;
	}
}

/* True while something on the screen moves by itself (bars, meter, countdown aside). */
static bool speaker_animating(struct speaker *spk, uint64_t now)
{
	return spk->playing || spk->st.activity == SPEAKER_RECEIVING ||
	       meter_ballistics_active(&spk->meter, now);
}

/*
 * Draws the screen if a frame is due (or a key was pressed) and the terminal
 * takes output; otherwise asks for a wake-up.
 */
static void speaker_frame(struct speaker *spk, bool now_please)
{
	uint64_t now = clock_mono_ms();
	if (!frame_due(&spk->frame, now_please, now))
		return;
	if (spk->playing)
		meter_ballistics_update(&spk->meter, playback_levels(spk->playback), now);
	else
		meter_ballistics_update(&spk->meter, (struct level){ 0.0f, 0.0f }, now);
	struct speaker_view_input in = {
		.name = spk->opts.name,
		.zone = spk->opts.zone,
		.output = spk->output_name,
		.keyed = spk->keyed,
		.utf8 = term_utf8(),
		.meter = spk->playback ? &spk->meter : NULL,
		.meter_cells = speaker_ui_bar_cells(spk->ui),
		.help = spk->help,
	};
	speaker_view_build(spk->view, &spk->st, &in, now);
	speaker_ui_draw(spk->ui, spk->view);
	frame_drawn(&spk->frame, now);
}

/* Leaves the screen (if it is up) and sends log lines to stdout again. */
static void speaker_screen_done(struct speaker *spk)
{
	if (!spk->screen)
		return;
	term_done();
	log_set_sink(NULL, NULL);
	speaker_ui_free(spk->ui);
	spk->ui = NULL;
	free(spk->view);
	spk->view = NULL;
	spk->screen = false;
}

/* ---- the loop ---- */

/* Fixed slots of the poll set. */
enum { SLOT_SIGNAL, SLOT_CONN, SLOT_RESOLVER, SLOT_TERM, SLOTS = SLOT_TERM + TERM_POLLFDS };

static int speaker_run(struct speaker *spk)
{
	if (spk->screen)
		speaker_frame(spk, true);
	while (!spk->app.quit) {
		uint64_t now = clock_mono_ms();
		int timeout = link_tick(spk, now);
		int play = playback_tick(spk, now);
		if (play >= 0 && play < timeout)
			timeout = play;
		int vol = volume_tick(spk, now);
		if (vol >= 0 && vol < timeout)
			timeout = vol;
		if (spk->app.quit)
			break;
		if (spk->screen) {
			/* Wake for the next frame while something moves, and when the countdown ticks. */
			if (spk->frame.pending || speaker_animating(spk, now))
				timeout = frame_timeout(&spk->frame, now, timeout);
			int change = speaker_state_next_change_ms(&spk->st, now);
			if (change >= 0 && change < timeout)
				timeout = change;
		}
		struct pollfd fds[SLOTS] = {
			[SLOT_SIGNAL] = { .fd = spk->signal_fd, .events = POLLIN },
			[SLOT_CONN] = { .fd = spk->conn_open ? spk->conn.fd : -1, .events = POLLIN },
			[SLOT_RESOLVER] = { .fd = spk->resolver ? resolver_fd(spk->resolver) : -1, .events = POLLIN },
		};
		if (spk->st.link == SPEAKER_LINK_CONNECTING ||
		    (spk->conn_open && conn_wants_write(&spk->conn)))
			fds[SLOT_CONN].events |= POLLOUT;
		if (spk->st.link == SPEAKER_LINK_CONNECTING)
			fds[SLOT_CONN].events = POLLOUT;
		nfds_t nfds = SLOT_TERM;
		if (spk->screen) {
			term_poll_prepare(fds + SLOT_TERM);
			nfds = SLOTS;
		}
		if (pollset_wait(&spk->pollset, fds, nfds, timeout) < 0 && errno != EINTR) {
			app_fail(&spk->app, "poll failed: %s", strerror(errno));
			break;
		}
		if (fds[SLOT_SIGNAL].revents) {
			log_event("caught signal %d, shutting down", signals_take());
			break;
		}
		now = clock_mono_ms();
		if (spk->resolver && resolver_done(spk->resolver))
			link_resolved(spk);
		short rev = spk->conn_open ? fds[SLOT_CONN].revents : 0;
		if (spk->st.link == SPEAKER_LINK_CONNECTING) {
			if (rev)
				link_connected(spk);
		} else if (spk->opts.legacy && (rev & (POLLIN | POLLHUP | POLLERR))) {
			legacy_read(spk, now);
		} else if (rev & (POLLIN | POLLHUP | POLLERR)) {
			long got = conn_read(&spk->conn, console_frame_cb, spk);
			if (got < 0) {
				link_close(spk, spk->conn.error);
			} else {
				if (got > 0)
					spk->last_rx_ms = now;
				report_receiving(spk, now);
			}
		}
		if (spk->conn_open && conn_wants_write(&spk->conn) &&
		    spk->st.link != SPEAKER_LINK_CONNECTING && conn_flush(&spk->conn) < 0)
			link_close(spk, spk->conn.error);
		if (spk->conn_open && spk->drop_reason[0] &&
		    (!conn_wants_write(&spk->conn) || now >= spk->drop_due_ms)) {
			char why[sizeof spk->drop_reason];
			snprintf(why, sizeof why, "%s", spk->drop_reason);
			link_close(spk, why);
		}
		if (!spk->screen)
			continue;
		bool keys = term_poll_handle(fds + SLOT_TERM) &&
		            frame_read_keys(speaker_key_cb, spk, &spk->app.quit);
		if (term_lost()) {
			log_event("the terminal went away, shutting down");
			break;
		}
		if (!spk->app.quit)
			speaker_frame(spk, keys);
	}
	return spk->app.exit_code;
}

static void speaker_shutdown(struct speaker *spk)
{
	/* A volume key pressed just before quitting is still kept. */
	if (spk->volume_changed_ms)
		volume_tick(spk, spk->volume_changed_ms + VOLUME_SETTLE_MS);
	if (spk->playing)
		page_outcome(spk, PAGE_INTERRUPTED, "speaker shutting down");
	if (spk->conn_open && spk->st.link == SPEAKER_LINK_READY) {
		struct proto_bye bye;
		uint8_t frame[256];
		snprintf(bye.reason, sizeof bye.reason, "speaker shutting down");
		send_frame(spk, frame, proto_bye_encode(&bye, frame, sizeof frame));
	}
	link_drain(spk);
	if (spk->conn_open)
		conn_close(&spk->conn);
	resolver_abandon(spk->resolver);
	if (spk->addrs)
		freeaddrinfo(spk->addrs);
	playback_free(spk->playback);
	free(spk->samples);
	auth_session_wipe(&spk->auth);
	sodium_memzero(&spk->key, sizeof spk->key);
	free(spk->legacy_buf);
	pollset_free(&spk->pollset);
}

int main(int argc, char **argv)
{
	static struct speaker spk = { .app.name = "intercom-speaker", .output_device = -1 };
	char err[512];
	int start = app_start(&spk.app, &spk.opts, PROGRAM_SPEAKER, argc, argv);
	if (start != APP_RUN)
		return start;
	spk.screen = !spk.opts.headless && !spk.opts.list_devices;
	if (spk.screen && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		app_error(&spk.app, "the screen needs a terminal on standard input and "
		                "output (run with --headless under systemd or with a pipe)");
		return EXIT_USAGE;
	}
	bool audio_up = audio_init(err, sizeof err) == 0;
	if (spk.opts.list_devices) {
		if (!audio_up) {
			app_error(&spk.app, "%s", err);
			return EXIT_AUDIO;
		}
		audio_list_devices(stdout);
		audio_terminate();
		return EXIT_OK;
	}
	if (!spk.opts.name[0])
		app_host_name(spk.opts.name, sizeof spk.opts.name, "speaker");
	if (auth_init() < 0) {
		app_error(&spk.app, "cannot initialise libsodium");
		return EXIT_FAILURE_RUNTIME;
	}
	if (spk.opts.key_file[0]) {
		if (auth_key_load(spk.opts.key_file, &spk.key, err, sizeof err) < 0) {
			app_error(&spk.app, "%s", err);
			return EXIT_FILES;
		}
		spk.keyed = true;
	}
	if (spk.opts.save_dir[0] && archive_prepare_dir(spk.opts.save_dir, err, sizeof err) < 0) {
		app_error(&spk.app, "--save: %s", err);
		return EXIT_FILES;
	}
	if (strchr(spk.opts.host, ':'))
		snprintf(spk.console_addr, sizeof spk.console_addr, "[%s]:%d", spk.opts.host, spk.opts.port);
	else
		snprintf(spk.console_addr, sizeof spk.console_addr, "%s:%d", spk.opts.host, spk.opts.port);
	speaker_state_init(&spk.st, spk.console_addr, spk.opts.legacy, say_cb, NULL);
	if (spk.screen) {
		spk.ui = speaker_ui_new();
		spk.view = calloc(1, sizeof *spk.view);
		if (!spk.ui || !spk.view) {
			app_error(&spk.app, "out of memory");
			return EXIT_FAILURE_RUNTIME;
		}
		/* From here on the screen's log pane collects the events, even before it shows. */
		log_set_sink(speaker_ui_log_cb, spk.ui);
	}
	if (audio_up)
		spk.output_device = audio_find_device(spk.opts.output_device, false, err, sizeof err);
	if (spk.output_device < 0) {
		if (!spk.opts.save_dir[0] || spk.opts.output_device[0]) {
			speaker_screen_done(&spk);
			app_error(&spk.app, "%s%s", err,
			        spk.opts.output_device[0] ? "" : " (or only keep pages with --save DIR)");
			if (audio_up)
				audio_terminate();
			return EXIT_AUDIO;
		}
		snprintf(spk.output_name, sizeof spk.output_name, "none: pages are saved, not played");
		log_event("no output device (%s): pages will be saved to %s, not played", err,
		          spk.opts.save_dir);
	} else {
		spk.playback = playback_new(spk.output_device, spk.opts.chunk);
		if (!spk.playback) {
			speaker_screen_done(&spk);
			app_error(&spk.app, "out of memory");
			audio_terminate();
			return EXIT_FAILURE_RUNTIME;
		}
		snprintf(spk.output_name, sizeof spk.output_name, "%s", audio_device_name(spk.output_device));
		log_event("output: %s", spk.output_name);
	}
	/* The volume set on this speaker's screen last time, 0 dB if none. */
	volume_state_path(spk.state_path, sizeof spk.state_path, spk.opts.name);
	int db = 0;
	if (volume_state_load(spk.state_path, &db) == 0 && db != 0) {
		speaker_set_volume(&spk, db);
		spk.volume_changed_ms = 0;
		speaker_state_volume_settled(&spk.st);
		log_event("(the volume set last time, kept in %s)", spk.state_path);
	}
	spk.signal_fd = signals_install();
	meter_ballistics_init(&spk.meter);
	if (spk.screen && term_init(err, sizeof err) < 0) {
		speaker_screen_done(&spk);
		app_error(&spk.app, "%s", err);
		playback_free(spk.playback);
		if (audio_up)
			audio_terminate();
		return EXIT_USAGE;
	}
	log_event("intercom-speaker %s as %s%s%s, %s %s", INTERCOM_VERSION, spk.opts.name,
	          spk.opts.zone[0] ? " zone " : "", spk.opts.zone,
	          spk.opts.legacy ? "old Python-intercom server" : "console", spk.console_addr);
	if (spk.opts.no_effect[0])
		log_event("note: %s %s nothing on a speaker: it plays each page in the format the console "
		          "recorded it in, and records nothing", spk.opts.no_effect,
		          strchr(spk.opts.no_effect, ',') ? "do" : "does");
	if (spk.screen)
		log_event("+/- volume, m mutes, r replays the last page, ? lists the keys, q quits");
	int rc = speaker_run(&spk);
	/* The terminal first: whatever happens next is readable. */
	speaker_screen_done(&spk);
	app_report_fatal(&spk.app);
	speaker_shutdown(&spk);
	if (audio_up)
		audio_terminate();
	if (spk.opts.once && rc == EXIT_OK)
		rc = spk.once_played ? EXIT_OK : EXIT_FAILURE_RUNTIME;
	log_event("speaker stopped");
	return rc;
}

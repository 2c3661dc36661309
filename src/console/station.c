/*
 * The console's network core: speakers, heartbeats, page fan-out and tally.
 * Two kinds of peer share one list: speakers of our protocol, and legacy
 * speakers (old Python-intercom clients on the second listening socket), which
 * only ever receive one page's WAV bytes and are then closed.
 */
#include "intercom/console/station.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "intercom/common/app.h"
#include "intercom/common/clock.h"
#include "intercom/common/log.h"
#include "intercom/common/sbuf.h"
#include "intercom/net/admission.h"
#include "intercom/net/auth.h"
#include "intercom/net/conn.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"

/* After EMFILE, accept() waits this long instead of spinning on a readable socket. */
#define ACCEPT_BACKOFF_MS 1000
/*
 * With every place for connections waiting for HELLO taken, at most this many
 * change hands per pass (the rest wait in the listen backlog): each connection
 * then gets a whole read pass, its HELLO read, before it can lose its place.
 */
#define ACCEPT_BURST_WHEN_FULL (MAX_PENDING_HELLO / 2)

struct peer {
	struct conn conn;         /* first member: frame callbacks get back to the peer */
	struct station_speaker info;
	bool introduced;          /* HELLO received and answered */
	bool dead;                /* removed at the start of the next loop pass */
	uint64_t last_rx_ms;      /* any byte from it counts as a sign of life */
	uint64_t last_ping_ms;
	struct auth_session *auth; /* the key handshake under way; NULL before or after it */
	bool page_delivered;      /* counted in the tally of info.page_id */
	bool page_final;
	/* Legacy speakers only (info.legacy): */
	uint32_t legacy_page;     /* page whose WAV is being written (0: waiting for one) */
	uint64_t last_tx_ms;      /* when the socket last took bytes of it */
};

struct station {
	int listen_fd;
	int legacy_fd;            /* old Python-intercom clients; -1: not served */
	bool legacy_full;         /* LEGACY_MAX_CLIENTS reached: their listener is not polled */
	uint64_t accept_paused_until;
	struct peer **peers;
	size_t peer_count, peer_cap;
	size_t polled;            /* peers that station_poll_prepare put in fds */
	uint32_t next_speaker_id;
	size_t max_speakers;
	struct peer *waiting[MAX_PENDING_HELLO]; /* have not said HELLO yet, oldest first */
	size_t waiting_count;
	uint64_t flood_logged_ms; /* closing for room is logged at most once a second */
	size_t flood_closed;      /* connections closed for room since the last line about it */
	char flood_latest[160];   /* the latest of them, and for whom */
	char console_name[NAME_MAX_BYTES + 1];
	bool keyed;
	struct auth_key key;
	struct station_page page;
	size_t page_legacy_done;  /* legacy targets of the latest page that got every byte */
	struct sbuf *page_frame;  /* the latest PAGE frame, shared by every queue */
};

struct station *station_new(int listen_fd)
{
	struct station *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->listen_fd = listen_fd;
	st->max_speakers = DEFAULT_MAX_SPEAKERS;
	st->legacy_fd = -1;
	app_host_name(st->console_name, sizeof st->console_name, "console");
	return st;
}

void station_set_key(struct station *st, const struct auth_key *key)
{
	st->keyed = key != NULL;
	if (key)
		st->key = *key;
	else
		sodium_memzero(&st->key, sizeof st->key);
}

void station_set_max_speakers(struct station *st, size_t max_speakers)
{
	st->max_speakers = max_speakers;
}

void station_listen_legacy(struct station *st, int listen_fd)
{
	if (st->legacy_fd >= 0)
		close(st->legacy_fd);
	st->legacy_fd = listen_fd;
}

/* ---- one speaker ---- */

static void peer_drop(struct peer *p, const char *why)
{
	if (p->dead)
		return;
	p->dead = true;
	if (p->info.legacy)
		log_event("legacy speaker %s left: %s", p->info.name, why);
	else if (p->introduced)
		log_event("speaker %s (%s) left: %s", p->info.name, p->info.addr, why);
	else
		log_event("connection from %s closed before hello: %s", p->info.addr, why);
}

static void peer_send_frame(struct peer *p, const uint8_t *frame, size_t len)
{
	if (len == 0 || conn_send_copy(&p->conn, frame, len) < 0)
		peer_drop(p, p->conn.error[0] ? p->conn.error : "cannot queue a frame");
}

/* Queues a BYE and gives it one chance to leave before the connection closes. */
static void peer_bye(struct peer *p, const char *reason)
{
	struct proto_bye bye;
	uint8_t frame[256];
	snprintf(bye.reason, sizeof bye.reason, "%s", reason);
	size_t len = proto_bye_encode(&bye, frame, sizeof frame);
	if (len > 0 && conn_send_copy(&p->conn, frame, len) == 0)
		conn_flush(&p->conn);
}

/* ---- connections that have not said HELLO yet ---- */

/* Takes p out of the waiting connections: it said HELLO, or it is gone. */
/* One line a second at most about connections closed to make room, and the last ones too (station_tick). */
static void flood_report(struct station *st, uint64_t now)
{
	if (st->flood_closed == 0 || now - st->flood_logged_ms < 1000)
		return;
	st->flood_logged_ms = now;
	log_event("%d connections have not said hello yet: each newer one takes the place of the "
	          "oldest from the address holding the most (%zu closed since the last such line, "
	          "the latest %s)", MAX_PENDING_HELLO, st->flood_closed, st->flood_latest);
	st->flood_closed = 0;
}

static void waiting_remove(struct station *st, const struct peer *p)
{
	for (size_t i = 0; i < st->waiting_count; i++) {
		if (st->waiting[i] != p)
			continue;
		st->waiting_count--;
		memmove(&st->waiting[i], &st->waiting[i + 1], (st->waiting_count - i) * sizeof *st->waiting);
		return;
	}
}

/*
 * Makes a place for a connection from `arriving`: the gone give theirs up
 * first, else one is closed (admission.h says which), without a line of its
 * own, since a flood would fill the log.
 */
static void waiting_make_room(struct station *st, const char *arriving)
{
	size_t kept = 0;
	for (size_t i = 0; i < st->waiting_count; i++)
		if (!st->waiting[i]->dead)
			st->waiting[kept++] = st->waiting[i];
	st->waiting_count = kept;
	if (kept < MAX_PENDING_HELLO)
		return;
	const char *addrs[MAX_PENDING_HELLO];
	for (size_t i = 0; i < kept; i++)
		addrs[i] = st->waiting[i]->info.addr;
	struct peer *victim = st->waiting[admission_victim(addrs, kept, arriving)];
	snprintf(victim->conn.error, sizeof victim->conn.error, "closed to make room for %s", arriving);
	victim->dead = true;
	waiting_remove(st, victim);
	st->flood_closed++;
	snprintf(st->flood_latest, sizeof st->flood_latest, "%s for %s", victim->info.addr, arriving);
	flood_report(st, clock_mono_ms());
}

/* ---- the page tally ---- */

/* Counts a speaker's final outcome for the latest page exactly once. */
static void page_settle(struct station *st, struct peer *p, uint8_t state, const char *reason)
{
	if (st->page.id == 0 || p->info.page_id != st->page.id || p->page_final)
		return;
	p->page_final = true;
	p->info.page_state = state;
	snprintf(p->info.page_reason, sizeof p->info.page_reason, "%s", reason);
	if (state == PAGE_PLAYED) {
		st->page.played++;
		log_event("page %u played by %s", st->page.id, p->info.name);
	} else {
		st->page.failed++;
		log_event("page %u failed on %s: %s", st->page.id, p->info.name,
		          *reason ? reason : proto_page_state_name(state));
	}
}

/*
 * "page 3: delivered to 3/3, played by 2/2 (1 legacy: delivered only)": legacy
 * speakers count in "delivered" and not in "played", which they cannot report.
 */
static void page_summarise(struct station *st, const char *note)
{
	struct station_page *pg = &st->page;
	if (pg->id == 0 || pg->summarised)
		return;
	pg->summarised = true;
	char legacy[64] = "";
	if (pg->legacy)
		snprintf(legacy, sizeof legacy, " (%zu legacy: delivered only)", pg->legacy);
	log_event("page %u: delivered to %zu/%zu, played by %zu/%zu%s%s%s", pg->id, pg->delivered,
	          pg->targets, pg->played, pg->targets - pg->legacy, legacy, note ? " " : "",
	          note ? note : "");
}

/* Summarises once every target is final: played or failed, or (legacy) delivered. */
static void page_check_done(struct station *st)
{
	if (st->page.played + st->page.failed + st->page_legacy_done >= st->page.targets)
		page_summarise(st, NULL);
}

/* ---- frames from a speaker ---- */

static int on_hello(struct station *st, struct peer *p, const uint8_t *payload, size_t len)
{
	struct proto_hello hello;
	if (p->introduced) {
		snprintf(p->conn.error, sizeof p->conn.error, "second HELLO");
		return -1;
	}
	if (proto_hello_decode(payload, len, &hello) != PROTO_OK) {
		snprintf(p->conn.error, sizeof p->conn.error, "malformed HELLO (bad name or zone)");
		peer_bye(p, "malformed HELLO: name must be 1-64 bytes of printable UTF-8");
		return -1;
	}
	if (hello.version != PROTO_VERSION) {
		snprintf(p->conn.error, sizeof p->conn.error, "speaks protocol %u, we speak %u",
		         hello.version, PROTO_VERSION);
		peer_bye(p, "protocol version not supported by this console");
		return -1;
	}
	size_t count = station_speaker_count(st);
	if (count >= st->max_speakers) {
		snprintf(p->conn.error, sizeof p->conn.error, "refused: %zu speakers connected, the limit",
		         count);
		char why[128];
		snprintf(why, sizeof why, "console full: %zu speakers connected (its --max-speakers)", count);
		peer_bye(p, why);
		return -1;
	}
	memcpy(p->info.name, hello.name, sizeof p->info.name);
	memcpy(p->info.zone, hello.zone, sizeof p->info.zone);
	p->introduced = true;
	waiting_remove(st, p);
	struct proto_welcome welcome = {
		.version = PROTO_VERSION,
		.speaker_id = p->info.id,
		.heartbeat_ms = HEARTBEAT_INTERVAL_MS,
	};
	memcpy(welcome.console_name, st->console_name, sizeof welcome.console_name);
	uint8_t frame[256];
	peer_send_frame(p, frame, proto_welcome_encode(&welcome, frame, sizeof frame));
	log_event("speaker %s%s%s joined from %s (%zu connected%s)", p->info.name,
	          *p->info.zone ? " zone " : "", p->info.zone, p->info.addr, station_speaker_count(st),
	          p->info.sealed ? ", authenticated" : "");
	return 0;
}

static int on_status(struct station *st, struct peer *p, const uint8_t *payload, size_t len)
{
	struct proto_status s;
	if (proto_status_decode(payload, len, &s) != PROTO_OK) {
		snprintf(p->conn.error, sizeof p->conn.error, "malformed STATUS");
		return -1;
	}
	if (s.page_id != p->info.page_id || p->page_final)
		return 0; /* about an older page, or after the outcome was counted */
	p->info.page_state = s.state;
	p->info.page_done = s.done;
	p->info.page_total = s.total;
	if (s.page_id != st->page.id)
		return 0;
	if (!p->page_delivered && s.state >= PAGE_RECEIVED && s.state != PAGE_FAILED) {
		p->page_delivered = true;
		st->page.delivered++;
		log_event("page %u delivered to %s", s.page_id, p->info.name);
	}
	if (s.state == PAGE_PLAYED || s.state == PAGE_FAILED || s.state == PAGE_MUTED ||
	    s.state == PAGE_INTERRUPTED) {
		page_settle(st, p, s.state, s.reason);
		page_check_done(st);
	}
	return 0;
}

/*
 * The key handshake, before anything else: AUTH_HELLO is answered with our
 * proof, AUTH_DONE checked, and the link sealed. Returns 1 if the frame was
 * part of it, 0 if the handshake is done, -1 to drop the peer.
 */
static int peer_authenticate(struct station *st, struct peer *p, const struct proto_header *header,
                             const uint8_t *payload)
{
	bool auth_frame = header->type >= PROTO_AUTH_HELLO && header->type <= PROTO_AUTH_DONE;
	if (!st->keyed) {
		if (!auth_frame)
			return 0;
		snprintf(p->conn.error, sizeof p->conn.error, "speaker has a key, this console has none");
		peer_bye(p, "this console has no key: start it with --key-file, or drop the speaker's");
		return -1;
	}
	if (p->conn.seal)
		return 0;
	uint8_t frame[AUTH_FRAME_MAX];
	if (header->type == PROTO_AUTH_HELLO && !p->auth) {
		p->auth = malloc(sizeof *p->auth);
		if (!p->auth) {
			snprintf(p->conn.error, sizeof p->conn.error, "out of memory");
			return -1;
		}
		auth_session_init(p->auth, AUTH_CONSOLE, &st->key);
		size_t n = auth_console_proof(p->auth, payload, header->length, frame, sizeof frame);
		if (n == 0) {
			snprintf(p->conn.error, sizeof p->conn.error, "malformed AUTH_HELLO");
			return -1;
		}
		peer_send_frame(p, frame, n);
		return 1;
	}
	if (header->type == PROTO_AUTH_DONE && p->auth) {
		if (auth_console_finish(p->auth, payload, header->length) < 0) {
			snprintf(p->conn.error, sizeof p->conn.error,
			         "authentication failed: wrong key, or a replayed session");
			return -1;
		}
		int rc = conn_enable_seal(&p->conn, p->auth->tx_key, p->auth->rx_key);
		auth_session_wipe(p->auth);
		free(p->auth);
		p->auth = NULL;
		p->info.sealed = rc == 0;
		return rc < 0 ? -1 : 1;
	}
	if (header->type == PROTO_HELLO && !p->auth) {
		snprintf(p->conn.error, sizeof p->conn.error, "refused: no key (this console requires one)");
		peer_bye(p, "this console requires a key: start the speaker with --key-file");
		return -1;
	}
	snprintf(p->conn.error, sizeof p->conn.error, "sent %s during the key handshake",
	         proto_type_name(header->type));
	return -1;
}

/* Handles one whole frame from a speaker. */
static int peer_frame_cb(struct conn *conn, const struct proto_header *header,
                         const uint8_t *payload, void *ctx)
{
	struct station *st = ctx;
	struct peer *p = (struct peer *)(void *)conn;
	int auth = peer_authenticate(st, p, header, payload);
	if (auth != 0)
		return auth < 0 ? -1 : 0;
	if (!p->introduced && header->type != PROTO_HELLO) {
		snprintf(conn->error, sizeof conn->error, "sent %s before HELLO",
		         proto_type_name(header->type));
		return -1;
	}
	switch (conn_common_frame(conn, header, payload, "", &p->info.rtt_ms)) {
	case CONN_DROP:
		return -1;
	case CONN_HANDLED:
	case CONN_ROUND_TRIP:
		return 0;
	case CONN_NOT_COMMON:
		break;
	}
	switch (header->type) {
	case PROTO_HELLO:
		return on_hello(st, p, payload, header->length);
	case PROTO_STATUS:
		return on_status(st, p, payload, header->length);
	case PROTO_WELCOME:
	case PROTO_PAGE:
		snprintf(conn->error, sizeof conn->error, "sent %s, which only a console sends",
		         proto_type_name(header->type));
		return -1;
	default:
		return 0; /* a later version's message: skip it */
	}
}

/* Reads what a speaker sent, and drops it if the link broke or a frame was wrong. */
static void peer_read(struct station *st, struct peer *p, uint64_t now)
{
	long got = conn_read(&p->conn, peer_frame_cb, st);
	if (got < 0)
		peer_drop(p, p->conn.error);
	else if (got > 0)
		p->last_rx_ms = now;
}

/* ---- legacy speakers (old Python-intercom clients) ---- */

static size_t legacy_count(const struct station *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++)
		n += st->peers[i]->info.legacy && !st->peers[i]->dead;
	return n;
}

/* An old client never sends: EOF means it left, and bytes mean it is no old client. */
static void legacy_read(struct peer *p)
{
	uint8_t buf[64];
	ssize_t got = recv(p->conn.fd, buf, sizeof buf, MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (got < 0)
		snprintf(p->conn.error, sizeof p->conn.error, "receive failed: %s", strerror(errno));
	else if (got == 0 && p->legacy_page)
		snprintf(p->conn.error, sizeof p->conn.error,
		         "closed the connection after %llu of %llu bytes",
		         (unsigned long long)p->conn.bytes_out, (unsigned long long)p->info.page_total);
	else if (got == 0)
		snprintf(p->conn.error, sizeof p->conn.error, "closed the connection");
	else if (got >= 4 && memcmp(buf, PROTO_MAGIC, 4) == 0)
		snprintf(p->conn.error, sizeof p->conn.error,
		         "an intercom-speaker on the legacy port: point it at the console's -p port");
	else
		snprintf(p->conn.error, sizeof p->conn.error,
		         "sent data, which an old client never does: not an old client");
	peer_drop(p, p->conn.error);
}

/*
 * Follows a legacy speaker's page after a write: progress, and once the socket
 * took every byte, "delivered" and the end of the connection, which is the
 * old format's end-of-file mark.
 */
static void legacy_progress(struct station *st, struct peer *p, uint64_t now)
{
	if (!p->legacy_page || p->dead)
		return;
	if (p->conn.bytes_out > p->info.page_done) {
		p->info.page_done = p->conn.bytes_out;
		p->last_tx_ms = now;
	}
	if (conn_wants_write(&p->conn))
		return;
	uint32_t page_id = p->legacy_page;
	p->legacy_page = 0;
	p->info.page_state = PAGE_RECEIVED;
	log_event("page %u delivered to %s (legacy)", page_id, p->info.name);
	if (page_id == st->page.id && !p->page_final) {
		p->page_delivered = p->page_final = true;
		st->page.delivered++;
		st->page_legacy_done++;
		page_check_done(st);
	}
	/* FIN after the last byte; close() in station_remove_dead lets the kernel finish sending. */
	shutdown(p->conn.fd, SHUT_WR);
	p->dead = true;
}

/* ---- the set of speakers ---- */

/* Accepts what waits on listen_fd: speakers, or (legacy) old clients up to their bound. */
static void station_accept(struct station *st, int listen_fd, bool legacy)
{
	for (size_t accepted = 0;; accepted++) {
		char addr[64];
		if (!legacy && st->waiting_count >= MAX_PENDING_HELLO && accepted >= ACCEPT_BURST_WHEN_FULL)
			return; /* the rest wait in the backlog until the next pass */
		if (legacy && legacy_count(st) >= LEGACY_MAX_CLIENTS) {
			if (!st->legacy_full)
				log_event("%d legacy speakers connected, the most served at once: "
				          "more wait until one leaves", LEGACY_MAX_CLIENTS);
			st->legacy_full = true;
			return;
		}
		int fd = net_accept(listen_fd, addr, sizeof addr);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_event("cannot accept speakers: %s; pausing accepts for 1 s", strerror(errno));
				st->accept_paused_until = clock_mono_ms() + ACCEPT_BACKOFF_MS;
			}
			return; /* EAGAIN: all taken; ECONNABORTED, EINTR: next wake-up */
		}
		if (st->peer_count == st->peer_cap) {
			size_t cap = st->peer_cap * 2 + 16;
			struct peer **grown = realloc(st->peers, cap * sizeof *grown);
			if (!grown) {
				log_event("out of memory accepting %s", addr);
				close(fd);
				return;
			}
			st->peers = grown;
			st->peer_cap = cap;
		}
		struct peer *p = calloc(1, sizeof *p);
		if (!p) {
			log_event("out of memory accepting %s", addr);
			close(fd);
			return;
		}
		/* A speaker never sends anything large: its decoder is capped at control size. */
		conn_init(&p->conn, fd, PROTO_MAX_CONTROL_PAYLOAD, legacy ? 0 : SPEAKER_QUEUE_PAGES);
		p->info.id = ++st->next_speaker_id;
		snprintf(p->info.addr, sizeof p->info.addr, "%s", addr);
		snprintf(p->info.name, sizeof p->info.name, "%s", addr);
		p->info.connected_ms = p->last_rx_ms = p->last_ping_ms = clock_mono_ms();
		st->peers[st->peer_count++] = p;
		if (!legacy) {
			waiting_make_room(st, addr);
			st->waiting[st->waiting_count++] = p;
			/* A speaker sends HELLO as it connects: often it is here already, its place freed. */
			peer_read(st, p, p->info.connected_ms);
		} else {
			/* No hello, no heartbeat: it is a speaker as soon as it connects. */
			p->info.legacy = p->introduced = true;
			net_keepalive(fd, LEGACY_KEEPALIVE_IDLE_S, LEGACY_KEEPALIVE_INTERVAL_S,
			              LEGACY_KEEPALIVE_COUNT);
			log_event("legacy speaker %s waiting for a page (%zu connected)", addr,
			          station_speaker_count(st));
		}
	}
}

/* Closes a peer's connection and frees it, secrets wiped. */
static void peer_free(struct peer *p)
{
	if (p->auth)
		auth_session_wipe(p->auth);
	free(p->auth);
	/* An old client reads to EOF: a reset tells it the page was cut short. */
	if (p->legacy_page)
		net_reset_on_close(p->conn.fd);
	conn_close(&p->conn);
	free(p);
}

static void station_remove_dead(struct station *st)
{
	size_t kept = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->dead) {
			st->peers[kept++] = p;
			continue;
		}
		page_settle(st, p, PAGE_FAILED, p->conn.error[0] ? p->conn.error : "disconnected");
		if (!p->introduced)
			waiting_remove(st, p);
		peer_free(p);
	}
	if (kept != st->peer_count) {
		st->peer_count = kept;
		if (st->legacy_full && legacy_count(st) < LEGACY_MAX_CLIENTS)
			st->legacy_full = false;
		if (st->page.id)
			page_check_done(st);
	}
}

/* Pings, and drops the silent and the unintroduced. Returns ms until the next timer. */
static int station_tick(struct station *st, uint64_t now)
{
	int next = HEARTBEAT_INTERVAL_MS;
	flood_report(st, now);
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->dead)
			continue;
		if (p->info.legacy) {
			if (!p->legacy_page)
				continue; /* waiting: keepalive watches the link */
			if (now - p->last_tx_ms >= LEGACY_STALL_MS) {
				snprintf(p->conn.error, sizeof p->conn.error,
				         "not reading: took no bytes for %d s (%llu of %llu written)",
				         LEGACY_STALL_MS / 1000, (unsigned long long)p->conn.bytes_out,
				         (unsigned long long)p->info.page_total);
				peer_drop(p, p->conn.error);
				continue;
			}
			int until = (int)(p->last_tx_ms + LEGACY_STALL_MS - now);
			if (until < next)
				next = until;
			continue;
		}
		if (!p->introduced && now - p->info.connected_ms >= HELLO_DEADLINE_MS) {
			snprintf(p->conn.error, sizeof p->conn.error, "no HELLO within %d s",
			         HELLO_DEADLINE_MS / 1000);
			peer_drop(p, p->conn.error);
			continue;
		}
		/* Before HELLO only the hello deadline applies: nothing has been asked of it yet. */
		if (p->introduced && now - p->last_rx_ms >= HEARTBEAT_TIMEOUT_MS) {
			snprintf(p->conn.error, sizeof p->conn.error, "no sign of life for %d s",
			         HEARTBEAT_TIMEOUT_MS / 1000);
			peer_drop(p, p->conn.error);
			continue;
		}
		if (p->introduced && now - p->last_ping_ms >= HEARTBEAT_INTERVAL_MS) {
			struct proto_ping ping = { .sent_ms = now };
			uint8_t frame[64];
			p->last_ping_ms = now;
			peer_send_frame(p, frame, proto_ping_encode(PROTO_PING, &ping, frame, sizeof frame));
		}
		uint64_t due = p->introduced ? p->last_ping_ms + HEARTBEAT_INTERVAL_MS
		                             : p->info.connected_ms + HELLO_DEADLINE_MS;
		int until = due > now ? (int)(due - now) : 0;
		if (until < next)
			next = until;
	}
	return next;
}

/* Slots before the peers': the speakers' listener, then the legacy one (or an unused slot). */
enum { POLL_LISTEN, POLL_LEGACY, POLL_PEERS };

size_t station_pollfd_count(const struct station *st)
{
	return st->peer_count + POLL_PEERS;
}

size_t station_poll_prepare(struct station *st, struct pollfd *fds, size_t cap, int *timeout_ms)
{
	uint64_t now = clock_mono_ms();
	int next = station_tick(st, now);
	station_remove_dead(st);
	if (next < *timeout_ms)
		*timeout_ms = next;
	bool paused = st->accept_paused_until > now;
	if (paused && (int)(st->accept_paused_until - now) < *timeout_ms)
		*timeout_ms = (int)(st->accept_paused_until - now);
	size_t n = 0;
	st->polled = 0;
	if (cap < POLL_PEERS)
		return 0;
	fds[n++] = (struct pollfd){ .fd = paused ? -1 : st->listen_fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = paused || st->legacy_full ? -1 : st->legacy_fd,
	                            .events = POLLIN };
	for (size_t i = 0; i < st->peer_count && n < cap; i++, n++, st->polled++) {
		struct peer *p = st->peers[i];
		fds[n] = (struct pollfd){
			.fd = p->conn.fd,
			.events = (short)(POLLIN | (conn_wants_write(&p->conn) ? POLLOUT : 0)),
		};
	}
	return n;
}

void station_poll_handle(struct station *st, const struct pollfd *fds, size_t n)
{
	uint64_t now = clock_mono_ms();
	for (size_t i = 0; i < st->polled && i + POLL_PEERS < n; i++) {
		struct peer *p = st->peers[i];
		short rev = fds[i + POLL_PEERS].revents;
		if (p->dead || !rev)
			continue;
		if (p->info.legacy) {
			if (rev & (POLLIN | POLLHUP | POLLERR))
				legacy_read(p);
			continue;
		}
		if (rev & (POLLIN | POLLHUP | POLLERR))
			peer_read(st, p, now);
	}
	if (n > POLL_LISTEN && (fds[POLL_LISTEN].revents & POLLIN))
		station_accept(st, st->listen_fd, false);
	if (n > POLL_LEGACY && fds[POLL_LEGACY].fd >= 0 && (fds[POLL_LEGACY].revents & POLLIN))
		station_accept(st, st->legacy_fd, true);
	/* Write what this pass produced now rather than a poll() later. */
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->dead && conn_wants_write(&p->conn) && conn_flush(&p->conn) < 0)
			peer_drop(p, p->conn.error);
		legacy_progress(st, p, now);
	}
}

/* ---- pages ---- */

size_t station_send_page(struct station *st, uint32_t page_id, uint64_t created_ms,
                         const uint8_t *wav, size_t wav_len, uint32_t target_id)
{
	struct proto_page meta = { .page_id = page_id, .created_ms = created_ms };
	uint8_t head[PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE];
	size_t head_len = proto_page_encode_head(&meta, wav_len, head, sizeof head);
	struct sbuf *frame = head_len ? sbuf_new(head_len + wav_len) : NULL;
	if (!frame) {
		log_event("page %u not sent: %s", page_id, head_len ? "out of memory" : "too large");
		return 0;
	}
	memcpy(frame->data, head, head_len);
	memcpy(frame->data + head_len, wav, wav_len);

	page_summarise(st, "(superseded by the next page)");
	sbuf_unref(st->page_frame);
	st->page_frame = frame;
	st->page = (struct station_page){ .id = page_id };
	st->page_legacy_done = 0;
	uint64_t now = clock_mono_ms();
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->introduced || p->dead || (target_id && p->info.id != target_id))
			continue;
		if (p->legacy_page) {
			/* One file per connection: it gets the next page once it reconnects. */
			log_event("page %u not sent to %s (legacy): still receiving page %u", page_id,
			          p->info.name, p->legacy_page);
			continue;
		}
		p->info.page_id = page_id;
		p->info.page_state = 0;
		p->info.page_done = p->info.page_total = 0;
		p->info.page_reason[0] = '\0';
		p->page_delivered = p->page_final = false;
		st->page.targets++;
		if (p->info.legacy) {
			/* The old format is the WAV file alone: the shared frame minus its header. */
			st->page.legacy++;
			p->legacy_page = page_id;
			p->last_tx_ms = now;
			p->info.page_state = PAGE_RECEIVING;
			p->info.page_done = p->conn.bytes_out;
			p->info.page_total = wav_len;
			if (conn_send_at(&p->conn, frame, head_len, true) < 0 || conn_flush(&p->conn) < 0)
				peer_drop(p, p->conn.error);
			continue;
		}
		if (conn_send(&p->conn, frame, true) < 0)
			peer_drop(p, p->conn.error);
		else if (conn_flush(&p->conn) < 0)
			peer_drop(p, p->conn.error);
	}
	/* Only now that every target is counted may a legacy speaker's delivery end the tally. */
	for (size_t i = 0; i < st->peer_count; i++)
		legacy_progress(st, st->peers[i], now);
	if (st->page.targets == 0)
		page_summarise(st, "(no speakers connected)");
	return st->page.targets;
}

size_t station_speaker_count(const struct station *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++)
		n += st->peers[i]->introduced && !st->peers[i]->dead;
	return n;
}

const struct station_speaker *station_speaker_at(const struct station *st, size_t index)
{
	for (size_t i = 0; i < st->peer_count; i++) {
		const struct peer *p = st->peers[i];
		if (p->introduced && !p->dead && index-- == 0)
			return &p->info;
	}
	return NULL;
}

size_t station_speakers(const struct station *st, const struct station_speaker **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		const struct peer *p = st->peers[i];
		if (!p->introduced || p->dead)
			continue;
		if (n < cap)
			out[n] = &p->info;
		n++;
	}
	return n;
}

const struct station_page *station_last_page(const struct station *st)
{
	return &st->page;
}

void station_free(struct station *st, const char *bye_reason)
{
	if (!st)
		return;
	page_summarise(st, "(console shutting down)");
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->introduced && !p->dead && !p->info.legacy)
			peer_bye(p, bye_reason);
		peer_free(p);
	}
	free(st->peers);
	sbuf_unref(st->page_frame);
	sodium_memzero(&st->key, sizeof st->key);
	if (st->listen_fd >= 0)
		close(st->listen_fd);
	if (st->legacy_fd >= 0)
		close(st->legacy_fd);
	free(st);
}

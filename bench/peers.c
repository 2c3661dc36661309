/* Light bench speakers and raw baseline receivers, many to a process. */
#include "peers.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/net/auth.h"
#include "intercom/net/clock_sync.h"
#include "intercom/net/conn.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"

/*
 * Connections started and not yet introduced, at most: the console refuses
 * connections beyond MAX_PENDING_HELLO that have not said HELLO, and its
 * listen backlog is 128 (more connects would be retried 1 s later).
 */
#define PEERS_HANDSHAKING_MAX (MAX_PENDING_HELLO / 2)
/* Same shape as conn_read: a scratch buffer, and a budget per peer per loop pass. */
#define PEERS_READ_BUF (64 * 1024)
#define PEERS_READ_BUDGET CONN_READ_BUDGET

enum peer_state {
	PEER_CONNECTING,
	PEER_AUTH,           /* NOISE_1 sent, waiting for the console's NOISE_2 */
	PEER_HELLO_SENT,
	PEER_READY,          /* WELCOME received (raw: connected) */
	PEER_CLOSED,
};

struct bench_peer {
	struct conn conn;         /* first member: conn_read callbacks get back to the peer */
	enum peer_state state;
	size_t index;
	bool slow;
	uint64_t last_ping_ms;

	size_t raw_have;          /* raw: bytes of the current page so far */
	uint32_t stream_page;     /* stream: the page being streamed (0: none), */
	size_t stream_bytes;      /* and the bytes of its DATA frames so far */
	struct auth_session auth; /* the handshake under way */
};

struct peers {
	const struct peers_config *cfg;
	struct bench_peer *peer;
	size_t started, handshaking, ready;
	struct addrinfo *addrs;
	bool announced;
	struct identity identity; /* every bench speaker's key pair (one for all: --admit all) */
	uint8_t buf[PEERS_READ_BUF];
};

/* Queues a small frame and writes it at once (bench peers never have much queued). */
static void peer_send(struct bench_peer *p, const uint8_t *frame, size_t len)
{
	if (len == 0 || conn_send_copy(&p->conn, frame, len) < 0 || conn_flush(&p->conn) < 0)
		bench_warn("peer %zu: cannot send: %s", p->index + 1, p->conn.error);
}

/* Closes one peer after the console dropped it or it broke the protocol. */
static void peer_close(struct peers *ps, struct bench_peer *p, const char *why)
{
	if (p->state == PEER_CLOSED)
		return;
	if (p->state == PEER_READY || (p->slow && p->state == PEER_HELLO_SENT))
		ps->ready--;
	else
		ps->handshaking--;
	bench_warn("peer %zu closed: %s", p->index + 1, why);
	conn_close(&p->conn);
	p->state = PEER_CLOSED;
}

static void peer_hello(struct peers *ps, struct bench_peer *p)
{
	/*
	 * hold: offer COMMIT, so the console sends the page at once, as to a speaker
	 * of today; stream: STREAM_* too, so it streams pages to them as it records.
	 */
	uint32_t caps = ps->cfg->hold || ps->cfg->stream ? PROTO_CAP_COMMIT : 0;
	if (ps->cfg->stream)
		caps |= PROTO_CAP_STREAM;
	struct proto_hello hello = { .version = PROTO_VERSION, .caps = caps };
	snprintf(hello.name, sizeof hello.name, "%s-%zu", ps->cfg->name, p->index + 1);
	uint8_t frame[256];
	p->state = PEER_HELLO_SENT;
	peer_send(p, frame, proto_hello_encode(&hello, frame, sizeof frame));
}

/* One whole frame from the console (a PAGE carries only its page fields here). */
static int peer_frame(struct peers *ps, struct bench_peer *p, const struct proto_header *h,
                      const uint8_t *payload, size_t kept)
{
	uint8_t frame[256];
	switch (h->type) {
	case PROTO_NOISE_2: {
		uint8_t done[AUTH_FRAME_MAX];
		size_t n = p->state == PEER_AUTH && auth_speaker_check(&p->auth, payload, kept) == 0
		                   ? auth_speaker_done(&p->auth, done, sizeof done)
		                   : 0;
		if (n == 0) {
			snprintf(p->conn.error, sizeof p->conn.error, "console's handshake failed");
			return -1;
		}
		memcpy(frame, done, n);
		peer_send(p, frame, n);
		int rc = conn_enable_seal(&p->conn, p->auth.tx_key, p->auth.rx_key);
		auth_session_wipe(&p->auth);
		if (rc < 0)
			return -1;
		peer_hello(ps, p);
		if (p->slow) {
			ps->ready++; /* it will never read its WELCOME */
			ps->handshaking--;
		}
		return 0;
	}
	case PROTO_WELCOME: {
		struct proto_welcome w;
		if (p->state != PEER_HELLO_SENT || proto_welcome_decode(payload, kept, &w) != PROTO_OK) {
			snprintf(p->conn.error, sizeof p->conn.error, "bad WELCOME");
			return -1;
		}
		p->state = PEER_READY;
		p->last_ping_ms = clock_mono_ms();
		ps->ready++;
		ps->handshaking--;
		return 0;
	}
	case PROTO_PING: {
		struct proto_ping ping;
		if (proto_ping_decode(payload, kept, &ping) != PROTO_OK) {
			snprintf(p->conn.error, sizeof p->conn.error, "bad PING");
			return -1;
		}
		uint64_t at = clock_mono_us();
		struct proto_pong pong = { .ping_sent_us = ping.sent_us, .received_us = at, .sent_us = at };
		peer_send(p, frame, proto_pong_encode(&pong, frame, sizeof frame));
		return 0;
	}
	case PROTO_PAGE: {
		struct proto_page page;
		const uint8_t *wav;
		size_t wav_len;
		if (proto_page_decode(payload, kept, &page, &wav, &wav_len) != PROTO_OK) {
			snprintf(p->conn.error, sizeof p->conn.error, "bad PAGE");
			return -1;
		}
		struct proto_status st = { .page_id = page.page_id, .state = PAGE_RECEIVED,
		                           .done = h->length, .total = h->length };
		peer_send(p, frame, proto_status_encode(&st, frame, sizeof frame));
		return 0;
	}
	case PROTO_STREAM_BEGIN: {
		struct proto_stream_begin b;
		if (proto_stream_begin_decode(payload, kept, &b) != PROTO_OK) {
			snprintf(p->conn.error, sizeof p->conn.error, "bad STREAM_BEGIN");
			return -1;
		}
		p->stream_page = b.page_id;
		p->stream_bytes = 0;
		return 0;
	}
	case PROTO_STREAM_DATA:
		/* Counted, not decoded: a peer takes a streamed page's bytes as it takes a PAGE's. */
		p->stream_bytes += h->length;
		return 0;
	case PROTO_STREAM_END: {
		struct proto_stream_end e;
		if (proto_stream_end_decode(payload, kept, &e) != PROTO_OK || e.page_id != p->stream_page) {
			snprintf(p->conn.error, sizeof p->conn.error, "bad STREAM_END");
			return -1;
		}
		p->stream_page = 0;
		if (e.outcome != STREAM_COMPLETE)
			return 0;
		/* Whole: "received", as intercom-speaker says once it has put the page together. */
		struct proto_status st = { .page_id = e.page_id, .state = PAGE_RECEIVED,
		                           .done = p->stream_bytes, .total = p->stream_bytes };
		peer_send(p, frame, proto_status_encode(&st, frame, sizeof frame));
		return 0;
	}
	case PROTO_BYE:
		snprintf(p->conn.error, sizeof p->conn.error, "console said bye");
		return -1;
	default:
		return 0;
	}
}

/* conn_read callback (decode mode): the whole payload, as a speaker gets it. */
static int peer_frame_cb(struct conn *conn, const struct proto_header *h, const uint8_t *payload,
                         void *ctx)
{
	return peer_frame(ctx, (struct bench_peer *)(void *)conn, h, payload, h->length);
}

/* Reads what the socket has (bounded like conn_read). -1 when the peer is done for. */
static int peer_read(struct peers *ps, struct bench_peer *p)
{
	/* Every link is sealed: frames are read (and opened) whole, as a speaker does. */
	if (!ps->cfg->raw)
		return conn_read(&p->conn, peer_frame_cb, ps) < 0 ? -1 : 0;
	size_t total = 0;
	while (total < PEERS_READ_BUDGET) {
		ssize_t got = recv(p->conn.fd, ps->buf, sizeof ps->buf, MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			snprintf(p->conn.error, sizeof p->conn.error, "receive failed: %s", strerror(errno));
			return -1;
		}
		if (got == 0) {
			snprintf(p->conn.error, sizeof p->conn.error, "console closed the connection");
			return -1;
		}
		total += (size_t)got;
		if (ps->cfg->raw) {
			p->raw_have += (size_t)got;
			for (; p->raw_have >= ps->cfg->raw_len; p->raw_have -= ps->cfg->raw_len) {
				if (send(p->conn.fd, "!", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
					snprintf(p->conn.error, sizeof p->conn.error, "reply failed: %s", strerror(errno));
					return -1;
				}
			}
		}
		if ((size_t)got < sizeof ps->buf)
			return 0;
	}
	return 0;
}

/* A slow peer reads its handshake (NOISE_2), then never again: its HELLO said, it stalls. */
static bool peer_reads(const struct bench_peer *p)
{
	return !p->slow || p->state == PEER_AUTH;
}

/* Starts the next connection (non-blocking connect). */
static int peers_start_one(struct peers *ps)
{
	struct bench_peer *p = &ps->peer[ps->started];
	p->index = ps->started;
	p->slow = ps->started < ps->cfg->slow;
	int fd = net_connect_start(ps->addrs);
	if (fd < 0) {
		bench_warn("peer %zu: cannot connect: %s", p->index + 1, strerror(errno));
		return -1;
	}
	conn_init(&p->conn, fd, ps->cfg->raw ? PROTO_MAX_CONTROL_PAYLOAD : PROTO_MAX_PAYLOAD, 0);
	p->state = PEER_CONNECTING;
	ps->started++;
	ps->handshaking++;
	return 0;
}

/* A connect finished: raw receivers are ready; bench speakers say HELLO. */
static int peers_connected(struct peers *ps, struct bench_peer *p)
{
	int e = net_connect_result(p->conn.fd);
	if (e != 0) {
		bench_warn("peer %zu: cannot connect to %s:%d: %s", p->index + 1, ps->cfg->host,
		           ps->cfg->port, strerror(e));
		return -1;
	}
	if (ps->cfg->raw) {
		p->state = PEER_READY;
		ps->ready++;
		ps->handshaking--;
		return 0;
	}
	/* Every link starts with the handshake (a pre-shared key mixed in if there is one). */
	uint8_t frame[AUTH_FRAME_MAX];
	auth_session_init(&p->auth, AUTH_SPEAKER, &ps->identity, ps->cfg->key);
	p->state = PEER_AUTH;
	peer_send(p, frame, auth_speaker_hello(&p->auth, frame, sizeof frame));
	return 0;
}

/* Heartbeat like a locked speaker's: a PING every CLOCK_SYNC_STEADY_MS (its shared clock). Returns ms until the next one. */
static int peers_tick(struct peers *ps, uint64_t now)
{
	int next = HEARTBEAT_INTERVAL_MS;
	if (ps->cfg->raw)
		return -1;
	for (size_t i = 0; i < ps->started; i++) {
		struct bench_peer *p = &ps->peer[i];
		if (p->state != PEER_READY || p->slow)
			continue;
		if (now - p->last_ping_ms >= CLOCK_SYNC_STEADY_MS) {
			struct proto_ping ping = { .sent_us = clock_mono_us() };
			uint8_t frame[64];
			p->last_ping_ms = now;
			peer_send(p, frame, proto_ping_encode(&ping, frame, sizeof frame));
		}
		int until = (int)(p->last_ping_ms + CLOCK_SYNC_STEADY_MS - now);
		if (until < next)
			next = until;
	}
	return next;
}

/* Serves until every peer is closed (0), or an error (1). */
static int peers_loop(struct peers *ps, struct pollfd *fds)
{
	const struct peers_config *cfg = ps->cfg;
	for (;;) {
		size_t closed = 0;
		for (size_t i = 0; i < ps->started; i++)
			closed += ps->peer[i].state == PEER_CLOSED;
		if (ps->started == cfg->count && closed == cfg->count)
			return 0;
		while (ps->started < cfg->count && ps->handshaking < PEERS_HANDSHAKING_MAX)
			if (peers_start_one(ps) < 0)
				return 1;
		if (!ps->announced && ps->ready == cfg->count) {
			ps->announced = true;
			if (cfg->ready_fd >= 0 && write(cfg->ready_fd, "ready\n", 6) != 6)
				return 1;
		}
		int timeout = peers_tick(ps, clock_mono_ms());
		for (size_t i = 0; i < ps->started; i++) {
			struct bench_peer *p = &ps->peer[i];
			short ev = 0;
			if (p->state == PEER_CONNECTING)
				ev = POLLOUT;
			else if (p->state != PEER_CLOSED)
				ev = (short)((peer_reads(p) ? POLLIN : 0) | (conn_wants_write(&p->conn) ? POLLOUT : 0));
			fds[i] = (struct pollfd){ .fd = p->state == PEER_CLOSED ? -1 : p->conn.fd, .events = ev };
		}
		if (poll(fds, ps->started, timeout) < 0 && errno != EINTR) {
			bench_warn("poll: %s", strerror(errno));
			return 1;
		}
		for (size_t i = 0; i < ps->started; i++) {
			struct bench_peer *p = &ps->peer[i];
			short rev = fds[i].revents;
			if (!rev || p->state == PEER_CLOSED)
				continue;
			if (p->state == PEER_CONNECTING) {
				if (peers_connected(ps, p) < 0)
					return 1;
				continue;
			}
			if ((rev & (POLLIN | POLLHUP | POLLERR)) && peer_reads(p) && peer_read(ps, p) < 0) {
				peer_close(ps, p, p->conn.error);
				continue;
			}
			if (conn_wants_write(&p->conn) && conn_flush(&p->conn) < 0)
				peer_close(ps, p, p->conn.error);
		}
	}
}

int peers_run(const struct peers_config *cfg)
{
	char err[256];
	struct peers *ps = calloc(1, sizeof *ps);
	struct bench_peer *peer = calloc(cfg->count ? cfg->count : 1, sizeof *peer);
	struct pollfd *fds = calloc(cfg->count ? cfg->count : 1, sizeof *fds);
	int rc = 1;
	if (!ps || !peer || !fds) {
		bench_warn("out of memory for %zu peers", cfg->count);
		goto out;
	}
	ps->cfg = cfg;
	ps->peer = peer;
	crypto_box_keypair(ps->identity.pk, ps->identity.sk);
	if (bench_raise_nofile(cfg->count + 64) < 0)
		goto out;
	if (net_resolve(cfg->host, cfg->port, &ps->addrs, err, sizeof err) < 0) {
		bench_warn("%s", err);
		goto out;
	}
	rc = peers_loop(ps, fds);
	freeaddrinfo(ps->addrs);
out:
	if (ps && peer)
		for (size_t i = 0; i < ps->started; i++)
			if (peer[i].state != PEER_CLOSED)
				conn_close(&peer[i].conn);
	free(fds);
	free(peer);
	free(ps);
	return rc;
}

/* intercom-bench peers HOST:PORT N [--slow K] [--decode] [--name NAME] */
int bench_peers_main(int argc, char **argv)
{
	char host[256];
	struct peers_config cfg = { .name = "bench", .ready_fd = STDOUT_FILENO };
	int positional = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--slow") == 0 && i + 1 < argc) {
			cfg.slow = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--decode") == 0) {
			cfg.decode = true;
		} else if (strcmp(argv[i], "--hold") == 0) {
			cfg.hold = true;
		} else if (strcmp(argv[i], "--stream") == 0) {
			cfg.stream = true;
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			cfg.name = argv[++i];
		} else if (positional == 0 && bench_parse_hostport(argv[i], host, sizeof host, &cfg.port) == 0) {
			cfg.host = host;
			positional++;
		} else if (positional == 1) {
			cfg.count = strtoul(argv[i], NULL, 10);
			positional++;
		} else {
			positional = -1;
			break;
		}
	}
	if (positional != 2 || cfg.count == 0) {
		fprintf(stderr, "usage: intercom-bench peers HOST:PORT N [--slow K] [--decode] [--hold] [--stream] [--name NAME]\n");
		return 2;
	}
	return peers_run(&cfg);
}

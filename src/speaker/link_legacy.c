/*
 * The link to an old Python-intercom server (--legacy; docs/PROTOCOL.md,
 * "Speaker: --legacy HOST[:PORT]"): nothing is sent, the server's bytes are
 * kept until it closes the connection (at most a page's worth), and what came
 * is the page, checked like any other. Then a new connection waits for the
 * next one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/net/net.h"
#include "intercom/speaker/link.h"
#include "intercom/speaker/speaker_state.h"

/* The first read's buffer; it doubles up to the largest page. */
#define LEGACY_BUF_START (64 * 1024)

struct link_legacy {
	struct link link;
	uint8_t *buf;                  /* the file as it arrives (no framing, EOF ends it) */
	size_t len, cap;
	uint64_t rx_ms;                /* when its last bytes came */
	uint32_t pages;                /* old pages have no id: they are numbered here */
};

static struct link_legacy *legacy_of(struct link *l)
{
	return (struct link_legacy *)(void *)l;
}

/* No hello in the old format: connected means waiting for the next page. */
static void legacy_connected(struct link *l, uint64_t now)
{
	speaker_state_legacy_connected(l->cfg.st, now, clock_wall_ms());
	legacy_of(l)->rx_ms = now;
	net_keepalive(l->conn.fd, LEGACY_KEEPALIVE_IDLE_S, LEGACY_KEEPALIVE_INTERVAL_S,
	              LEGACY_KEEPALIVE_COUNT);
}

/*
 * The old server closed the connection (or it broke, or over-ran): whatever
 * came is the page, checked like any other, so a file cut short is rejected
 * ("truncated: ..."), never played. Then the next connection waits for the next page.
 */
static void legacy_page_end(struct link *l, const char *broken)
{
	struct link_legacy *ll = legacy_of(l);
	uint8_t *wav = ll->buf;
	size_t len = ll->len;
	ll->buf = NULL;
	ll->len = ll->cap = 0;
	if (len == 0) {
		free(wav);
		link_close(l, broken ? broken : "closed the connection without sending a page");
		return;
	}
	link_hang_up(l);
	uint32_t page_id = ++ll->pages;
	if (broken)
		log_event_at(LOG_PRIORITY_WARNING, "page %u: %s after %zu bytes", page_id, broken, len);
	int rc = -1;
	if (len > PROTO_MAX_PAYLOAD) {
		char why[96];
		snprintf(why, sizeof why, "too large: over %u MiB", PROTO_MAX_PAYLOAD >> 20);
		l->cfg.owner->rejected(l->cfg.ctx, page_id, len, why);
	} else {
		struct link_page page = { .id = page_id, .created_ms = clock_wall_ms(), .wav = wav,
		                          .wav_len = len, .bytes = len };
		char why[160];
		rc = l->cfg.owner->page(l->cfg.ctx, &page, why, sizeof why);
	}
	free(wav);
	/* A good page: straight back for the next. A bad one: back off, the server may be broken. */
	speaker_state_legacy_page_end(l->cfg.st, clock_mono_ms(), rc == 0);
}

/* Makes room for more of the file: doubling, up to the largest page plus one byte. 0, or -1 if it ended. */
static int legacy_grow(struct link *l)
{
	struct link_legacy *ll = legacy_of(l);
	const size_t limit = (size_t)PROTO_MAX_PAYLOAD + 1;
	if (ll->len < ll->cap)
		return 0;
	if (ll->cap == limit) {
		legacy_page_end(l, "still sending at the page size limit");
		return -1;
	}
	size_t cap = ll->cap ? ll->cap * 2 : LEGACY_BUF_START;
	if (cap > limit)
		cap = limit;
	uint8_t *grown = realloc(ll->buf, cap);
	if (!grown) {
		legacy_page_end(l, "out of memory");
		return -1;
	}
	ll->buf = grown;
	ll->cap = cap;
	return 0;
}

/* Reads what the old server sent so far, up to EOF, at most CONN_READ_BUDGET bytes a pass. */
static void legacy_read(struct link *l, uint64_t now)
{
	struct link_legacy *ll = legacy_of(l);
	size_t budget = CONN_READ_BUDGET;
	while (budget > 0) {
		if (legacy_grow(l) < 0)
			return;
		size_t room = ll->cap - ll->len;
		ssize_t got = recv(l->conn.fd, ll->buf + ll->len, room < budget ? room : budget,
		                   MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (got < 0) {
			char why[128];
			snprintf(why, sizeof why, "receive failed: %s", strerror(errno));
			legacy_page_end(l, why);
			return;
		}
		if (got == 0) {
			legacy_page_end(l, NULL);
			return;
		}
		ll->len += (size_t)got;
		ll->rx_ms = now;
		budget -= (size_t)got; /* got <= room and room <= budget */
	}
}

/* An old server is silent until it sends; once a file has started, LEGACY_STALL_MS without a byte ends it. */
static int legacy_tick(struct link *l, uint64_t now)
{
	struct link_legacy *ll = legacy_of(l);
	if (ll->len == 0)
		return HEARTBEAT_INTERVAL_MS;
	if (now - ll->rx_ms >= LEGACY_STALL_MS) {
		char why[64];
		snprintf(why, sizeof why, "no data for %d s", LEGACY_STALL_MS / 1000);
		legacy_page_end(l, why);
		return 0;
	}
	return (int)(ll->rx_ms + LEGACY_STALL_MS - now);
}

/* What a connection brought is dropped with it. */
static void legacy_reset(struct link *l)
{
	struct link_legacy *ll = legacy_of(l);
	free(ll->buf);
	ll->buf = NULL;
	ll->len = ll->cap = 0;
}

const struct link_ops link_legacy_ops = {
	.peer = "old Python-intercom server",
	.size = sizeof(struct link_legacy),
	.connected = legacy_connected,
	.read = legacy_read,
	.tick = legacy_tick,
	.report = NULL, /* an old server takes nothing back: no status, no heartbeat */
	.bye = NULL,
	.reset = legacy_reset,
};

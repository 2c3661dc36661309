/*
 * Legacy speakers: old Python-intercom clients on the console's --legacy-port
 * (docs/PROTOCOL.md, "The Python intercom's format"). Each waits on its
 * connection, gets the next page's WAV file alone (the bytes of the shared
 * PAGE frame past its header), and the connection closes: that close is the
 * old format's only end-of-file mark. They send nothing back, so they count
 * as delivered once the socket took every byte, and never as played.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/console/peer.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"

struct legacy_peer {
	struct peer peer;
	uint32_t page;            /* page whose WAV is being written (0: waiting for one) */
	uint64_t last_tx_ms;      /* when the socket last took bytes of it */
};

static struct legacy_peer *legacy_of(struct peer *p)
{
	return (struct legacy_peer *)(void *)p;
}

/* No hello, no heartbeat: it is a speaker as soon as it connects, and keepalive watches it. */
static void legacy_start(struct peer *p, uint64_t now)
{
	(void)now;
	p->info.legacy = true;
	net_keepalive(p->conn.fd, LEGACY_KEEPALIVE_IDLE_S, LEGACY_KEEPALIVE_INTERVAL_S,
	              LEGACY_KEEPALIVE_COUNT);
	if (station_say_join(p))
		log_event("legacy speaker %s waiting for a page (%zu connected)", p->info.addr,
		          station_speaker_count(p->st));
}

/* An old client never sends: EOF means it left, and bytes mean it is no old client. */
static void legacy_read(struct peer *p, uint64_t now)
{
	(void)now;
	uint8_t buf[64];
	ssize_t got = recv(p->conn.fd, buf, sizeof buf, MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (got < 0)
		snprintf(p->conn.error, sizeof p->conn.error, "receive failed: %s", strerror(errno));
	else if (got == 0 && legacy_of(p)->page)
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

/* A page that moves no byte for LEGACY_STALL_MS is given up; waiting for one has no timer. */
static int legacy_tick(struct peer *p, uint64_t now)
{
	struct legacy_peer *lp = legacy_of(p);
	if (!lp->page)
		return -1;
	if (now - lp->last_tx_ms >= LEGACY_STALL_MS) {
		snprintf(p->conn.error, sizeof p->conn.error,
		         "not reading: took no bytes for %d s (%llu of %llu written)", LEGACY_STALL_MS / 1000,
		         (unsigned long long)p->conn.bytes_out, (unsigned long long)p->info.page_total);
		peer_drop(p, p->conn.error);
		return -1;
	}
	return (int)(lp->last_tx_ms + LEGACY_STALL_MS - now);
}

/* One file per connection: one still receiving a page gets the next once it reconnects. */
static bool legacy_busy(struct peer *p, uint32_t page_id)
{
	struct legacy_peer *lp = legacy_of(p);
	if (lp->page)
		log_event_at(LOG_PRIORITY_WARNING, "page %u not sent to %s (legacy): still receiving page %u", page_id,
		          p->info.name, lp->page);
	return lp->page != 0;
}

/* The old format is the WAV file alone: the shared frame from past its header. */
static void legacy_send_page(struct peer *p, const struct peer_page *page, uint64_t now)
{
	struct legacy_peer *lp = legacy_of(p);
	lp->page = page->id;
	lp->last_tx_ms = now;
	p->info.page_state = PAGE_RECEIVING;
	p->info.page_done = p->conn.bytes_out;
	p->info.page_total = page->wav_len;
	if (conn_send_at(&p->conn, page->frame, page->wav_at, true) < 0 || conn_flush(&p->conn) < 0)
		peer_drop(p, p->conn.error);
}

/*
 * Follows its page after a write: progress, and once the socket took every
 * byte, "delivered" and the end of the connection, which is the old format's
 * end-of-file mark.
 */
static void legacy_wrote(struct peer *p, uint64_t now)
{
	struct legacy_peer *lp = legacy_of(p);
	if (!lp->page)
		return;
	if (p->conn.bytes_out > p->info.page_done) {
		p->info.page_done = p->conn.bytes_out;
		lp->last_tx_ms = now;
	}
	if (conn_wants_write(&p->conn))
		return;
	uint32_t page_id = lp->page;
	lp->page = 0;
	p->info.page_state = PAGE_RECEIVED;
	log_event("page %u delivered to %s (legacy)", page_id, p->info.name);
	station_page_delivered(p);
	/* FIN after the last byte; the station's close() lets the kernel finish sending. */
	shutdown(p->conn.fd, SHUT_WR);
	p->dead = true;
}

static void legacy_left(const struct peer *p, const char *why)
{
	log_event("legacy speaker %s left: %s", p->info.name, why);
}

/* A client reads to EOF: closed mid-page, a reset tells it the page was cut short. */
static void legacy_close(struct peer *p)
{
	if (legacy_of(p)->page)
		net_reset_on_close(p->conn.fd);
}

const struct peer_ops peer_legacy_ops = {
	.noun = "legacy speakers",
	.size = sizeof(struct legacy_peer),
	.queue_pages = 0,
	.max_peers = LEGACY_MAX_CLIENTS,
	.hello_first = false,
	.reports_playing = false,
	.start = legacy_start,
	.read = legacy_read,
	.tick = legacy_tick,
	.busy = legacy_busy,
	.send_page = legacy_send_page,
	.wrote = legacy_wrote,
	.left = legacy_left,
	.bye = NULL,
	.close = legacy_close,
};

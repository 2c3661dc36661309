/*
 * The speaker's link, the part every kind shares: name lookups off the loop,
 * connecting to each address in turn with backoff, the connect timeout,
 * writing the queue, closing after a last report, draining at exit.
 */
#include "intercom/speaker/link.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/net/net.h"
#include "intercom/net/resolver.h"
#include "intercom/speaker/speaker_state.h"

/* A link dropped after a last report waits this long at most for it to go. */
#define DROP_FLUSH_MS 1000
/* On exit, how long queued frames (the last STATUS, BYE) may take to leave. */
#define EXIT_FLUSH_MS 1000

struct link *link_new(const struct link_ops *ops, const struct link_config *cfg)
{
	struct link *l = calloc(1, ops->size);
	if (!l)
		return NULL;
	l->ops = ops;
	l->cfg = *cfg;
	if (!l->cfg.heartbeat_timeout_ms)
		l->cfg.heartbeat_timeout_ms = HEARTBEAT_TIMEOUT_MS;
	if (!l->cfg.page_stall_ms)
		l->cfg.page_stall_ms = PAGE_STALL_MS;
	l->conn.fd = -1;
	clock_sync_init(&l->clock);
	return l;
}

void link_hang_up(struct link *l)
{
	l->drop_reason[0] = '\0';
	clock_sync_init(&l->clock); /* the next connection may be another console */
	if (l->open) {
		conn_close(&l->conn);
		l->open = false;
	}
}

void link_close(struct link *l, const char *why)
{
	resolver_abandon(l->resolver);
	l->resolver = NULL;
	if (l->ops->reset)
		l->ops->reset(l);
	link_hang_up(l);
	speaker_state_receive_lost(l->cfg.st);
	speaker_state_link_down(l->cfg.st, clock_mono_ms(), why);
}

void link_close_when_sent(struct link *l, const char *why)
{
	if (!l->open)
		return;
	snprintf(l->drop_reason, sizeof l->drop_reason, "%s", why);
	l->drop_due_ms = clock_mono_ms() + DROP_FLUSH_MS;
}

const struct clock_sync *link_clock(const struct link *l)
{
	return l->open && l->clock.state != SYNC_NONE ? &l->clock : NULL;
}

void link_report(struct link *l, const struct proto_status *status)
{
	if (l->open && l->ops->report)
		l->ops->report(l, status);
}

void link_say_ready(struct link *l, uint32_t lead_us, uint64_t until_us)
{
	if (l->open && l->ops->ready)
		l->ops->ready(l, lead_us, until_us);
}

/*
 * Tries the next resolved address. When the list is used up it looks the name
 * up afresh, off the loop (resolver): link_resolved carries on from there.
 */
static void link_connect(struct link *l)
{
	char err[400];
	if (!l->addr_next) {
		if (l->addrs)
			freeaddrinfo(l->addrs);
		l->addrs = NULL;
		if (l->resolver)
			return;
		l->resolver = resolver_start(l->cfg.host, l->cfg.port, err, sizeof err);
		if (!l->resolver) {
			link_close(l, err);
			return;
		}
		speaker_state_connecting(l->cfg.st, clock_mono_ms());
		return;
	}
	const struct addrinfo *ai = l->addr_next;
	l->addr_next = ai->ai_next;
	int fd = net_connect_start(ai);
	if (fd < 0) {
		snprintf(err, sizeof err, "%s", strerror(errno));
		link_close(l, err);
		return;
	}
	/*
	 * A page of PROTO_MAX_PAYLOAD is the only large thing a console sends, and
	 * only once it is known: until its WELCOME (after the key's proof, with a
	 * key) frames are capped at control size, so a peer that is not our
	 * console cannot make the speaker allocate for, or show, a page.
	 */
	conn_init(&l->conn, fd, PROTO_MAX_CONTROL_PAYLOAD, SPEAKER_QUEUE_PAGES);
	l->opened_ms = 0;
	l->open = true;
	speaker_state_connecting(l->cfg.st, clock_mono_ms());
	l->last_rx_ms = clock_mono_ms();
}

static void link_resolved(struct link *l)
{
	char err[400];
	struct resolver *r = l->resolver;
	l->resolver = NULL;
	if (resolver_finish(r, &l->addrs, err, sizeof err) < 0) {
		link_close(l, err);
		return;
	}
	l->addr_next = l->addrs;
	link_connect(l);
}

static void link_connected(struct link *l)
{
	int e = net_connect_result(l->conn.fd);
	if (e != 0) {
		link_close(l, strerror(e));
		/* Another address of the same name may work (localhost: ::1, then 127.0.0.1). */
		if (l->addr_next)
			speaker_state_retry_now(l->cfg.st, clock_mono_ms());
		return;
	}
	l->addr_next = NULL;
	l->opened_ms = clock_mono_ms();
	l->ops->connected(l, l->opened_ms);
}

void link_retarget(struct link *l, const char *host, int port, const char *label, const char *why)
{
	if (l->open || l->resolver)
		link_close(l, why);
	if (l->addrs)
		freeaddrinfo(l->addrs);
	l->addrs = NULL;
	l->addr_next = NULL;
	snprintf(l->target_host, sizeof l->target_host, "%s", host);
	l->cfg.host = l->target_host;
	l->cfg.port = port;
	if (label) {
		snprintf(l->target_label, sizeof l->target_label, "%s", label);
		l->cfg.label = l->target_label;
	} else {
		l->cfg.label = NULL;
	}
	speaker_state_retry_now(l->cfg.st, clock_mono_ms());
}

int link_tick(struct link *l, uint64_t now)
{
	const struct speaker_state *st = l->cfg.st;
	/* No console to connect to yet: discovery wakes the loop when it finds one. */
	if (!l->cfg.host || !l->cfg.host[0])
		return INT32_MAX;
	if (st->link == SPEAKER_LINK_WAITING) {
		if (now >= st->retry_at_ms) {
			link_connect(l);
			return 0;
		}
		return (int)(st->retry_at_ms - now);
	}
	if (l->resolver)
		return INT32_MAX; /* the lookup's own timeouts bound it; its fd wakes the loop */
	if (st->link != SPEAKER_LINK_CONNECTING)
		return l->ops->tick(l, now);
	if (now - l->last_rx_ms >= l->cfg.heartbeat_timeout_ms) {
		char why[64];
		snprintf(why, sizeof why, "no answer for %g s", l->cfg.heartbeat_timeout_ms / 1000.0);
		link_close(l, why);
		return 0;
	}
	return HEARTBEAT_INTERVAL_MS;
}

void link_poll_prepare(const struct link *l, struct pollfd *fds)
{
	bool connecting = l->cfg.st->link == SPEAKER_LINK_CONNECTING;
	fds[0] = (struct pollfd){ .fd = l->open ? l->conn.fd : -1, .events = POLLIN };
	if (connecting)
		fds[0].events = POLLOUT;
	else if (l->open && conn_wants_write(&l->conn))
		fds[0].events |= POLLOUT;
	fds[1] = (struct pollfd){ .fd = l->resolver ? resolver_fd(l->resolver) : -1, .events = POLLIN };
}

void link_flush(struct link *l)
{
	if (l->open && conn_wants_write(&l->conn) && l->cfg.st->link != SPEAKER_LINK_CONNECTING &&
	    conn_flush(&l->conn) < 0)
		link_close(l, l->conn.error);
}

void link_poll_handle(struct link *l, const struct pollfd *fds, uint64_t now)
{
	if (l->resolver && resolver_done(l->resolver))
		link_resolved(l);
	short rev = l->open ? fds[0].revents : 0;
	bool connecting = l->cfg.st->link == SPEAKER_LINK_CONNECTING;
	if (connecting && rev)
		link_connected(l);
	else if (!connecting && (rev & (POLLIN | POLLHUP | POLLERR)))
		l->ops->read(l, now);
	link_flush(l);
	if (l->open && l->drop_reason[0] && (!conn_wants_write(&l->conn) || now >= l->drop_due_ms)) {
		char why[sizeof l->drop_reason];
		snprintf(why, sizeof why, "%s", l->drop_reason);
		link_close(l, why);
	}
}

/* Sends what is queued before exit, for at most EXIT_FLUSH_MS. */
static void link_drain(struct link *l)
{
	uint64_t until = clock_mono_ms() + EXIT_FLUSH_MS;
	while (l->open && conn_wants_write(&l->conn) && clock_mono_ms() < until) {
		struct pollfd pfd = { .fd = l->conn.fd, .events = POLLOUT };
		if (poll(&pfd, 1, 100) < 0 || conn_flush(&l->conn) < 0)
			break;
	}
}

void link_free(struct link *l, const char *bye_reason)
{
	if (!l)
		return;
	if (l->open && l->ops->bye)
		l->ops->bye(l, bye_reason);
	link_drain(l);
	link_hang_up(l);
	resolver_abandon(l->resolver);
	if (l->addrs)
		freeaddrinfo(l->addrs);
	if (l->ops->reset)
		l->ops->reset(l);
	free(l);
}

void link_console_label(const char *host, int port, char *out, size_t outlen)
{
	snprintf(out, outlen, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
}

/* Framed, non-blocking, bounded connections. */
#include "intercom/net/conn.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "intercom/common/clock.h"
#include "intercom/net/seal.h"

/* The sealed record layer of one connection (see seal.h). */
struct conn_seal {
	struct seal tx, rx;
	size_t plain_left;            /* queued bytes that were due before sealing began */
	struct proto_decoder records; /* SEALED frames in */
	uint8_t plain[SEAL_RECORD_MAX];  /* the record being sealed (flush_sealed) */
	/*
	 * The record just opened, while its frames are handled: apart from plain,
	 * since a frame's handler may queue and flush an answer at once. Grown to
	 * the largest record received (a console's speakers send small ones: it
	 * costs the console next to nothing per speaker).
	 */
	uint8_t *opened;
	size_t opened_cap;
	uint8_t record[SEAL_FRAME_MAX];
	size_t record_len, record_sent; /* the sealed record being written */
};

void conn_init(struct conn *conn, int fd, size_t max_payload, size_t max_pages)
{
	memset(conn, 0, sizeof *conn);
	conn->fd = fd;
	conn->max_pages = max_pages;
	proto_decoder_init(&conn->decoder, max_payload);
}

void conn_limit_frames(struct conn *conn, size_t max_payload)
{
	proto_decoder_set_limit(&conn->decoder, max_payload);
}

void conn_close(struct conn *conn)
{
	while (conn->queue_len > 0) {
		sbuf_unref(conn->queue[conn->queue_head].buf);
		conn->queue_head = (conn->queue_head + 1) % CONN_QUEUE_MAX;
		conn->queue_len--;
	}
	conn->pages_queued = 0;
	proto_decoder_free(&conn->decoder);
	if (conn->seal) {
		proto_decoder_free(&conn->seal->records);
		if (conn->seal->opened)
			sodium_memzero(conn->seal->opened, conn->seal->opened_cap);
		free(conn->seal->opened);
		sodium_memzero(conn->seal, sizeof *conn->seal);
		free(conn->seal);
		conn->seal = NULL;
	}
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
}

int conn_send(struct conn *conn, struct sbuf *buf, bool is_page)
{
	return conn_send_at(conn, buf, 0, is_page);
}

int conn_send_at(struct conn *conn, struct sbuf *buf, size_t from, bool is_page)
{
	assert(from <= buf->len);
	if (conn->queue_len == CONN_QUEUE_MAX || (is_page && conn->pages_queued > conn->max_pages)) {
		snprintf(conn->error, sizeof conn->error,
		         "not reading: %zu frames (%zu pages) queued and unsent", conn->queue_len,
		         conn->pages_queued);
		return -1;
	}
	size_t at = (conn->queue_head + conn->queue_len) % CONN_QUEUE_MAX;
	conn->queue[at] = (struct conn_item){ .buf = sbuf_ref(buf), .offset = from, .is_page = is_page };
	conn->queue_len++;
	if (is_page)
		conn->pages_queued++;
	return 0;
}

int conn_send_copy(struct conn *conn, const uint8_t *frame, size_t len)
{
	struct sbuf *buf = sbuf_copy(frame, len);
	if (!buf) {
		snprintf(conn->error, sizeof conn->error, "out of memory");
		return -1;
	}
	int rc = conn_send(conn, buf, false);
	sbuf_unref(buf);
	return rc;
}

int conn_enable_seal(struct conn *conn, const uint8_t *tx_key, const uint8_t *rx_key)
{
	struct conn_seal *seal = calloc(1, sizeof *seal);
	if (!seal) {
		snprintf(conn->error, sizeof conn->error, "out of memory");
		return -1;
	}
	seal_init(&seal->tx, tx_key);
	seal_init(&seal->rx, rx_key);
	for (size_t i = 0; i < conn->queue_len; i++) {
		const struct conn_item *item = &conn->queue[(conn->queue_head + i) % CONN_QUEUE_MAX];
		seal->plain_left += item->buf->len - item->offset;
	}
	proto_decoder_init(&seal->records, SEAL_FRAME_MAX - PROTO_HEADER_SIZE);
	conn->seal = seal;
	return 0;
}

bool conn_sealed(const struct conn *conn)
{
	return conn->seal != NULL;
}

bool conn_wants_write(const struct conn *conn)
{
	return conn->queue_len > 0 || (conn->seal && conn->seal->record_sent < conn->seal->record_len);
}

uint32_t conn_round_trip_ms(const struct conn_round_trip *rt)
{
	uint64_t total = rt->t4 - rt->t1, away = rt->t3 - rt->t2;
	return total > away ? (uint32_t)((total - away) / 1000u) : 0;
}

enum conn_common conn_common_frame(struct conn *conn, const struct proto_header *header,
                                   const uint8_t *payload, const char *peer,
                                   struct conn_round_trip *rt)
{
	uint8_t frame[64];
	switch (header->type) {
	case PROTO_PING: {
		uint64_t received = clock_mono_us();
		struct proto_ping ping;
		if (proto_ping_decode(payload, header->length, &ping) != PROTO_OK) {
			snprintf(conn->error, sizeof conn->error, "malformed PING");
			return CONN_DROP;
		}
		struct proto_pong pong = { .ping_sent_us = ping.sent_us, .received_us = received,
		                           .sent_us = clock_mono_us() };
		size_t len = proto_pong_encode(&pong, frame, sizeof frame);
		return conn_send_copy(conn, frame, len) < 0 ? CONN_DROP : CONN_HANDLED;
	}
	case PROTO_PONG: {
		uint64_t now = clock_mono_us();
		struct proto_pong pong;
		if (proto_pong_decode(payload, header->length, &pong) != PROTO_OK) {
			snprintf(conn->error, sizeof conn->error, "malformed PONG");
			return CONN_DROP;
		}
		/* A PONG from the future is a confused peer, not a round trip. */
		if (pong.ping_sent_us > now)
			return CONN_HANDLED;
		*rt = (struct conn_round_trip){ pong.ping_sent_us, pong.received_us, pong.sent_us, now };
		return CONN_ROUND_TRIP;
	}
	case PROTO_BYE: {
		struct proto_bye bye;
		if (proto_bye_decode(payload, header->length, &bye) != PROTO_OK)
			snprintf(bye.reason, sizeof bye.reason, "(unreadable reason)");
		snprintf(conn->error, sizeof conn->error, "%s%ssaid bye: %s", peer, *peer ? " " : "",
		         bye.reason);
		return CONN_DROP;
	}
	default:
		return CONN_NOT_COMMON;
	}
}

/* Drops `bytes` written from the front of the queue. */
static void queue_consume(struct conn *conn, size_t bytes)
{
	while (bytes > 0 && conn->queue_len > 0) {
		struct conn_item *item = &conn->queue[conn->queue_head];
		size_t rest = item->buf->len - item->offset;
		if (bytes < rest) {
			item->offset += bytes;
			return;
		}
		bytes -= rest;
		if (item->is_page)
			conn->pages_queued--;
		sbuf_unref(item->buf);
		conn->queue_head = (conn->queue_head + 1) % CONN_QUEUE_MAX;
		conn->queue_len--;
	}
}

/* One sendmsg of up to `limit` queued bytes. Bytes written, 0 if the socket is full, -1 on error. */
static ssize_t send_queued(struct conn *conn, size_t limit)
{
	/* Gather what is queued into one sendmsg: fewer syscalls for status bursts. */
	struct iovec iov[16];
	size_t n = 0;
	for (size_t i = 0; i < conn->queue_len && n < 16 && limit > 0; i++, n++) {
		const struct conn_item *item = &conn->queue[(conn->queue_head + i) % CONN_QUEUE_MAX];
		size_t len = item->buf->len - item->offset;
		iov[n].iov_base = item->buf->data + item->offset;
		iov[n].iov_len = len < limit ? len : limit;
		limit -= iov[n].iov_len;
	}
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n };
	ssize_t wrote = sendmsg(conn->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (wrote < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		snprintf(conn->error, sizeof conn->error, "send failed: %s", strerror(errno));
		return -1;
	}
	conn->bytes_out += (uint64_t)wrote;
	queue_consume(conn, (size_t)wrote);
	return wrote;
}

/* Sealed link: cuts the queue into records just in time and writes them. */
static int flush_sealed(struct conn *conn)
{
	struct conn_seal *seal = conn->seal;
	for (;;) {
		if (seal->record_sent < seal->record_len) {
			ssize_t wrote = send(conn->fd, seal->record + seal->record_sent,
			                     seal->record_len - seal->record_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (wrote < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					return 0;
				snprintf(conn->error, sizeof conn->error, "send failed: %s", strerror(errno));
				return -1;
			}
			conn->bytes_out += (uint64_t)wrote;
			seal->record_sent += (size_t)wrote;
			if (seal->record_sent < seal->record_len)
				return 0;
		}
		size_t n = 0;
		while (n < SEAL_RECORD_MAX && conn->queue_len > 0) {
			struct conn_item *item = &conn->queue[conn->queue_head];
			size_t take = item->buf->len - item->offset;
			if (take > SEAL_RECORD_MAX - n)
				take = SEAL_RECORD_MAX - n;
			memcpy(seal->plain + n, item->buf->data + item->offset, take);
			n += take;
			queue_consume(conn, take);
		}
		if (n == 0)
			return 0;
		seal->record_len = seal_record(&seal->tx, seal->plain, n, seal->record, sizeof seal->record);
		seal->record_sent = 0;
	}
}

int conn_flush(struct conn *conn)
{
	/* Frames queued before the link was sealed leave as they were queued: plain. */
	while (conn->queue_len > 0 && (!conn->seal || conn->seal->plain_left > 0)) {
		size_t limit = conn->seal ? conn->seal->plain_left : SIZE_MAX;
		ssize_t wrote = send_queued(conn, limit);
		if (wrote <= 0)
			return (int)wrote;
		if (conn->seal)
			conn->seal->plain_left -= (size_t)wrote;
	}
	return conn->seal ? flush_sealed(conn) : 0;
}

/* Hands plain stream bytes to the frame decoder; -1 when the connection must drop. */
static int feed_frames(struct conn *conn, const uint8_t *data, size_t len, size_t *used_out,
                       conn_frame_fn on_frame, void *ctx)
{
	bool was_sealed = conn->seal != NULL;
	size_t used = 0;
	while (used < len) {
		long n = proto_decoder_feed(&conn->decoder, data + used, len - used);
		if (n < 0) {
			snprintf(conn->error, sizeof conn->error, "protocol error: %s", proto_error_str((int)n));
			return -1;
		}
		used += (size_t)n;
		if (conn->decoder.frame_ready)
			conn->frames_in++;
		if (conn->decoder.frame_ready &&
		    on_frame(conn, &conn->decoder.header, conn->decoder.payload, ctx) < 0)
			return -1;
		/* The frame just handled sealed the link: the rest of these bytes are records. */
		if (!was_sealed && conn->seal)
			break;
	}
	*used_out = used;
	return 0;
}

/* Opens SEALED records and feeds what they hold to the frame decoder. */
static int feed_records(struct conn *conn, const uint8_t *data, size_t len, conn_frame_fn on_frame,
                        void *ctx)
{
	struct conn_seal *seal = conn->seal;
	size_t used = 0;
	while (used < len) {
		long n = proto_decoder_feed(&seal->records, data + used, len - used);
		if (n < 0) {
			snprintf(conn->error, sizeof conn->error, "sealed link: %s", proto_error_str((int)n));
			return -1;
		}
		used += (size_t)n;
		if (!seal->records.frame_ready)
			continue;
		size_t plain_len, need = seal->records.header.length;
		if (need > seal->opened_cap) {
			uint8_t *grown = realloc(seal->opened, need);
			if (!grown) {
				snprintf(conn->error, sizeof conn->error, "sealed link: out of memory");
				return -1;
			}
			seal->opened = grown;
			seal->opened_cap = need;
		}
		if (seal->records.header.type != PROTO_SEALED ||
		    seal_open(&seal->rx, seal->records.payload, seal->records.header.length, seal->opened,
		              &plain_len) < 0) {
			snprintf(conn->error, sizeof conn->error,
			         "sealed link: a record failed authentication (tampered, replayed or wrong key)");
			return -1;
		}
		size_t fed;
		if (feed_frames(conn, seal->opened, plain_len, &fed, on_frame, ctx) < 0)
			return -1;
	}
	return 0;
}

long conn_read(struct conn *conn, conn_frame_fn on_frame, void *ctx)
{
	uint8_t buf[16384];
	long total = 0;
	while (total < CONN_READ_BUDGET) {
		ssize_t got = recv(conn->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return total;
			snprintf(conn->error, sizeof conn->error, "receive failed: %s", strerror(errno));
			return -1;
		}
		if (got == 0) {
			const struct proto_decoder *records = conn->seal ? &conn->seal->records : NULL;
			if (conn->decoder.header_have > 0 && conn->decoder.header_have < PROTO_HEADER_SIZE)
				snprintf(conn->error, sizeof conn->error, "closed in the middle of a frame header");
			else if (conn->decoder.header_have > 0 && !conn->decoder.frame_ready)
				snprintf(conn->error, sizeof conn->error, "closed in the middle of a %s frame",
				         proto_type_name(conn->decoder.header.type));
			else if (records && records->header_have > 0 && !records->frame_ready)
				snprintf(conn->error, sizeof conn->error, "closed in the middle of a SEALED frame");
			else
				snprintf(conn->error, sizeof conn->error, "peer closed the connection");
			return -1;
		}
		conn->bytes_in += (uint64_t)got;
		total += got;
		size_t used = 0;
		if (!conn->seal && feed_frames(conn, buf, (size_t)got, &used, on_frame, ctx) < 0)
			return -1;
		if (conn->seal && used < (size_t)got &&
		    feed_records(conn, buf + used, (size_t)got - used, on_frame, ctx) < 0)
			return -1;
		if ((size_t)got < sizeof buf)
			return total;
	}
	return total;
}

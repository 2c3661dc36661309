/* Framed, non-blocking, bounded connections. */
#include "intercom/conn.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

void conn_init(struct conn *conn, int fd, size_t max_payload, size_t max_pages)
{
	memset(conn, 0, sizeof *conn);
	conn->fd = fd;
	conn->max_pages = max_pages;
	proto_decoder_init(&conn->decoder, max_payload);
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
		         "not reading: %zu pages queued and unsent", conn->pages_queued);
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

bool conn_wants_write(const struct conn *conn)
{
	return conn->queue_len > 0;
}

int conn_flush(struct conn *conn)
{
	while (conn->queue_len > 0) {
		/* Gather what is queued into one sendmsg: fewer syscalls for status bursts. */
		struct iovec iov[16];
		size_t n = 0;
		for (size_t i = 0; i < conn->queue_len && n < 16; i++, n++) {
			const struct conn_item *item = &conn->queue[(conn->queue_head + i) % CONN_QUEUE_MAX];
			iov[n].iov_base = item->buf->data + item->offset;
			iov[n].iov_len = item->buf->len - item->offset;
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
		size_t left = (size_t)wrote;
		while (conn->queue_len > 0) {
			struct conn_item *item = &conn->queue[conn->queue_head];
			size_t rest = item->buf->len - item->offset;
			if (left < rest) {
				item->offset += left;
				return 0; /* the socket is full */
			}
			left -= rest;
			if (item->is_page)
				conn->pages_queued--;
			sbuf_unref(item->buf);
			conn->queue_head = (conn->queue_head + 1) % CONN_QUEUE_MAX;
			conn->queue_len--;
		}
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
			if (conn->decoder.header_have > 0 && !conn->decoder.frame_ready)
				snprintf(conn->error, sizeof conn->error, "closed in the middle of a %s frame",
				         proto_type_name(conn->decoder.header.type));
			else
				snprintf(conn->error, sizeof conn->error, "peer closed the connection");
			return -1;
		}
		conn->bytes_in += (uint64_t)got;
		total += got;
		for (size_t used = 0; used < (size_t)got;) {
			long n = proto_decoder_feed(&conn->decoder, buf + used, (size_t)got - used);
			if (n < 0) {
				snprintf(conn->error, sizeof conn->error, "protocol error: %s",
				         proto_error_str((int)n));
				return -1;
			}
			used += (size_t)n;
			if (conn->decoder.frame_ready &&
			    on_frame(conn, &conn->decoder.header, conn->decoder.payload, ctx) < 0)
				return -1;
		}
		if ((size_t)got < sizeof buf)
			return total;
	}
	return total;
}

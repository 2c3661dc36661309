/*
 * One framed connection over a non-blocking socket: an incremental frame
 * decoder on the way in, a bounded queue of shared buffers on the way out.
 * Both programs use it for every peer, so flow control and fairness live here once.
 */
#ifndef INTERCOM_CONN_H
#define INTERCOM_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/sbuf.h"
#include "intercom/net/proto.h"

struct conn_seal;

/* Control frames queued at most; with pages, a peer that stops reading overflows it. */
#define CONN_QUEUE_MAX 64

struct conn_item {
	struct sbuf *buf;
	size_t offset;     /* bytes of buf already written */
	bool is_page;
};

struct conn {
	int fd;
	struct proto_decoder decoder;
	struct conn_item queue[CONN_QUEUE_MAX];
	size_t queue_head, queue_len;
	size_t pages_queued;        /* PAGE frames in queue, including a partly written one */
	size_t max_pages;           /* more than this queued: the peer is not keeping up */
	uint64_t bytes_in, bytes_out;
	uint64_t frames_in;         /* whole frames read (inside the seal, if sealed): a peer's
	                               sign of life is a frame, not a byte */
	char error[192];            /* why the connection failed, for the log */
	struct conn_seal *seal;     /* NULL: plain link; else the sealed record layer */
};

/* Called for each whole frame read; return -1 to drop the connection (set conn->error). */
typedef int (*conn_frame_fn)(struct conn *conn, const struct proto_header *header,
                             const uint8_t *payload, void *ctx);

void conn_init(struct conn *conn, int fd, size_t max_payload, size_t max_pages);
/*
 * From the next frame on, refuses frames over max_payload (before anything is
 * allocated for them). A peer not yet trusted gets only control-sized frames.
 */
void conn_limit_frames(struct conn *conn, size_t max_payload);
/* Closes the socket and drops every queued reference. */
void conn_close(struct conn *conn);

/* Queues a reference to buf. -1 (conn->error set) when the queue is over its bound. */
int conn_send(struct conn *conn, struct sbuf *buf, bool is_page);
/* The same for buf's bytes from `from` on (a PAGE frame's WAV without its frame header). */
int conn_send_at(struct conn *conn, struct sbuf *buf, size_t from, bool is_page);
/* Queues a copy of a small control frame. */
int conn_send_copy(struct conn *conn, const uint8_t *frame, size_t len);

/*
 * Seals the link from here on (keys from auth.h): frames already queued still
 * leave plain, everything after is sent and expected as SEALED records. 0 or -1.
 */
int conn_enable_seal(struct conn *conn, const uint8_t *tx_key, const uint8_t *rx_key);
bool conn_sealed(const struct conn *conn);

/* What conn_common_frame did with a frame. */
enum conn_common {
	CONN_NOT_COMMON,   /* not PING, PONG or BYE: the caller's to handle */
	CONN_HANDLED,      /* a PING, answered */
	CONN_ROUND_TRIP,   /* a PONG: *rt holds its four timestamps */
	CONN_DROP,         /* a BYE, or a malformed heartbeat: conn->error says why */
};

/*
 * One PING/PONG exchange, NTP-style, in microseconds: t1 and t4 on this side's
 * monotonic clock (PING sent, PONG arrived), t2 and t3 on the peer's (PING
 * arrived, PONG left). The round trip is (t4 - t1) - (t3 - t2); the peer's
 * clock minus ours is ((t2 - t1) + (t3 - t4)) / 2 if the two ways take as long.
 */
struct conn_round_trip {
	uint64_t t1, t2, t3, t4;
};

/* The round trip of an exchange in ms, the peer's time excluded (at least 0). */
uint32_t conn_round_trip_ms(const struct conn_round_trip *rt);

/*
 * The frames both sides treat alike: answers PING with PONG (stamped with when
 * the PING came and the PONG left), hands a PONG's timestamps to the caller
 * (*rt, against clock_mono_us), and turns BYE into conn->error as
 * "<peer> said bye: <reason>" (peer may be "" for just "said bye: ...").
 */
enum conn_common conn_common_frame(struct conn *conn, const struct proto_header *header,
                                   const uint8_t *payload, const char *peer,
                                   struct conn_round_trip *rt);

/* Writes as much of the queue as the socket takes. 0, or -1 with conn->error. */
int conn_flush(struct conn *conn);
bool conn_wants_write(const struct conn *conn);

/*
 * Reads once (at most CONN_READ_BUDGET bytes, so one busy peer cannot starve
 * the others) and hands each whole frame to on_frame. Returns bytes read (0 if
 * none were ready), or -1 with conn->error on EOF, socket or protocol error.
 */
#define CONN_READ_BUDGET (256 * 1024)
long conn_read(struct conn *conn, conn_frame_fn on_frame, void *ctx);

#endif

/*
 * Unit tests of conn: framed non-blocking connections over socketpairs, the
 * bounded queue of shared buffers, and the sealed record layer under it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "intercom/common/sbuf.h"
#include "intercom/net/auth.h"
#include "intercom/net/conn.h"
#include "intercom/net/proto.h"
#include "intercom/net/seal.h"

#define MARKER "INTERCOM-PLAINTEXT-MARKER-7f3a"
#define PUMP_ROUNDS 200000

/* ---- helpers ---- */

static void make_pair(int fds[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	for (int i = 0; i < 2; i++) {
		int fl = fcntl(fds[i], F_GETFL);
		assert_true(fl >= 0);
		assert_int_equal(fcntl(fds[i], F_SETFL, fl | O_NONBLOCK), 0);
	}
}

/* Frames a callback has seen, copied. */
struct got {
	uint8_t type;
	size_t len;
	uint8_t *payload;
};

struct sink {
	struct got frames[256];
	size_t n;
	/* On a frame of this type (0: never), enable the seal with these keys. */
	uint8_t seal_on;
	const uint8_t *tx_key, *rx_key;
	/* Return -1 from the callback on a frame of this type (0: never). */
	uint8_t fail_on;
};

static int collect(struct conn *conn, const struct proto_header *header, const uint8_t *payload,
                   void *ctx)
{
	struct sink *s = ctx;
	assert_true(s->n < sizeof s->frames / sizeof s->frames[0]);
	struct got *g = &s->frames[s->n++];
	g->type = header->type;
	g->len = header->length;
	g->payload = malloc(header->length ? header->length : 1);
	assert_non_null(g->payload);
	if (header->length)
		memcpy(g->payload, payload, header->length);
	if (s->fail_on && header->type == s->fail_on) {
		snprintf(conn->error, sizeof conn->error, "callback refused %s", proto_type_name(header->type));
		return -1;
	}
	if (s->seal_on && header->type == s->seal_on)
		assert_int_equal(conn_enable_seal(conn, s->tx_key, s->rx_key), 0);
	return 0;
}

static void sink_free(struct sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->frames[i].payload);
	s->n = 0;
}

/* Checks that frame i of the sink is exactly `frame` (header included). */
static void expect_frame(const struct sink *s, size_t i, const uint8_t *frame, size_t len)
{
	assert_true(i < s->n);
	struct proto_header h;
	assert_int_equal(proto_header_decode(frame, &h), PROTO_OK);
	assert_int_equal(s->frames[i].type, h.type);
	assert_int_equal(s->frames[i].len, len - PROTO_HEADER_SIZE);
	assert_int_equal(s->frames[i].len, h.length);
	if (h.length)
		assert_memory_equal(s->frames[i].payload, frame + PROTO_HEADER_SIZE, h.length);
}

/* Flushes tx and reads rx until tx is drained and rx has seen `want` frames. */
static void pump(struct conn *tx, struct conn *rx, struct sink *sink, size_t want)
{
	for (int i = 0; i < PUMP_ROUNDS; i++) {
		if (conn_flush(tx) < 0)
			fail_msg("conn_flush: %s", tx->error);
		if (conn_read(rx, collect, sink) < 0)
			fail_msg("conn_read: %s", rx->error);
		if (!conn_wants_write(tx) && sink->n >= want)
			return;
	}
	fail_msg("pump: no progress (%zu of %zu frames)", sink->n, want);
}

/* Both directions at once. */
static void pump2(struct conn *a, struct sink *sa, size_t want_a, struct conn *b, struct sink *sb,
                  size_t want_b)
{
	for (int i = 0; i < PUMP_ROUNDS; i++) {
		if (conn_flush(a) < 0)
			fail_msg("conn_flush a: %s", a->error);
		if (conn_flush(b) < 0)
			fail_msg("conn_flush b: %s", b->error);
		if (conn_read(a, collect, sa) < 0)
			fail_msg("conn_read a: %s", a->error);
		if (conn_read(b, collect, sb) < 0)
			fail_msg("conn_read b: %s", b->error);
		if (!conn_wants_write(a) && !conn_wants_write(b) && sa->n >= want_a && sb->n >= want_b)
			return;
	}
	fail_msg("pump2: no progress (%zu of %zu, %zu of %zu frames)", sa->n, want_a, sb->n, want_b);
}

/* Reads until conn_read fails; returns its error (callback frames go to sink). */
static const char *read_until_error(struct conn *rx, struct sink *sink)
{
	for (int i = 0; i < PUMP_ROUNDS; i++) {
		if (conn_read(rx, collect, sink) < 0)
			return rx->error;
	}
	fail_msg("conn_read never failed");
	return NULL;
}

/* A PAGE frame in a shared buffer: header, page fields, wav_len bytes of pattern (and markers). */
static struct sbuf *make_page(uint32_t page_id, size_t wav_len, bool markers)
{
	struct sbuf *buf = sbuf_new(PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE + wav_len);
	assert_non_null(buf);
	struct proto_page pg = { .page_id = page_id, .created_ms = 1700000000000ull + page_id };
	assert_int_equal(proto_page_encode_head(&pg, wav_len, buf->data, buf->len),
	                 PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
	uint8_t *wav = buf->data + PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE;
	for (size_t i = 0; i < wav_len; i++)
		wav[i] = (uint8_t)(page_id * 7u + i * 31u + (i >> 10));
	if (markers)
		for (size_t at = 0; at + sizeof MARKER <= wav_len; at += 4096)
			memcpy(wav + at, MARKER, sizeof MARKER - 1);
	return buf;
}

static void expect_page(const struct sink *s, size_t i, const struct sbuf *page, uint32_t page_id)
{
	expect_frame(s, i, page->data, page->len);
	struct proto_page pg;
	const uint8_t *wav;
	size_t wav_len;
	assert_int_equal(proto_page_decode(s->frames[i].payload, s->frames[i].len, &pg, &wav, &wav_len),
	                 PROTO_OK);
	assert_int_equal(pg.page_id, page_id);
	assert_int_equal(wav_len, page->len - PROTO_HEADER_SIZE - PROTO_PAGE_FIELDS_SIZE);
}

struct frame {
	uint8_t bytes[512];
	size_t len;
};

static struct frame ping_frame(enum proto_type type, uint64_t ms)
{
	struct frame f;
	if (type == PROTO_PONG) {
		struct proto_pong p = { .ping_sent_us = ms * 1000, .received_us = 1, .sent_us = 2 };
		f.len = proto_pong_encode(&p, f.bytes, sizeof f.bytes);
	} else {
		struct proto_ping p = { .sent_us = ms * 1000 };
		f.len = proto_ping_encode(&p, f.bytes, sizeof f.bytes);
	}
	assert_true(f.len > 0);
	return f;
}

static struct frame status_frame(uint32_t page_id, const char *reason)
{
	struct frame f;
	struct proto_status st = { .page_id = page_id, .state = PAGE_PLAYED, .done = 1234, .total = 5678 };
	snprintf(st.reason, sizeof st.reason, "%s", reason);
	f.len = proto_status_encode(&st, f.bytes, sizeof f.bytes);
	assert_true(f.len > 0);
	return f;
}

static struct frame bye_frame(const char *reason)
{
	struct frame f;
	struct proto_bye b;
	snprintf(b.reason, sizeof b.reason, "%s", reason);
	f.len = proto_bye_encode(&b, f.bytes, sizeof f.bytes);
	assert_true(f.len > 0);
	return f;
}

static struct frame hello_frame(const char *name)
{
	struct frame f;
	struct proto_hello h = { .version = PROTO_VERSION };
	snprintf(h.name, sizeof h.name, "%s", name);
	snprintf(h.zone, sizeof h.zone, "lobby");
	f.len = proto_hello_encode(&h, f.bytes, sizeof f.bytes);
	assert_true(f.len > 0);
	return f;
}

static void send_frame(struct conn *c, const struct frame *f)
{
	assert_int_equal(conn_send_copy(c, f->bytes, f->len), 0);
}

/* Session keys of one real handshake, for each end. */
struct link_keys {
	uint8_t spk_tx[AUTH_SESSION_KEY_BYTES], spk_rx[AUTH_SESSION_KEY_BYTES];
	uint8_t con_tx[AUTH_SESSION_KEY_BYTES], con_rx[AUTH_SESSION_KEY_BYTES];
};

static void handshake_keys(struct link_keys *k, uint8_t key_seed)
{
	struct auth_key key;
	for (size_t i = 0; i < sizeof key.bytes; i++)
		key.bytes[i] = (uint8_t)(key_seed + i);
	struct auth_session spk, con;
	struct identity spk_id, con_id;
	crypto_box_keypair(spk_id.pk, spk_id.sk);
	crypto_box_keypair(con_id.pk, con_id.sk);
	auth_session_init(&spk, AUTH_SPEAKER, &spk_id, &key);
	auth_session_init(&con, AUTH_CONSOLE, &con_id, &key);
	uint8_t hello[AUTH_FRAME_MAX], proof[AUTH_FRAME_MAX], done[AUTH_FRAME_MAX];
	size_t n = auth_speaker_hello(&spk, hello, sizeof hello);
	assert_true(n > 0);
	assert_int_equal(auth_console_reply(&con, hello + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE,
	                                    proof, sizeof proof, &n), AUTH_REPLY_OK);
	assert_int_equal(auth_speaker_check(&spk, proof + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE), 0);
	n = auth_speaker_done(&spk, done, sizeof done);
	assert_true(n > 0);
	assert_int_equal(auth_console_finish(&con, done + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE), 0);
	memcpy(k->spk_tx, spk.tx_key, sizeof k->spk_tx);
	memcpy(k->spk_rx, spk.rx_key, sizeof k->spk_rx);
	memcpy(k->con_tx, con.tx_key, sizeof k->con_tx);
	memcpy(k->con_rx, con.rx_key, sizeof k->con_rx);
	auth_session_wipe(&spk);
	auth_session_wipe(&con);
}

/* Growable byte buffer. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static bool contains(const uint8_t *hay, size_t hay_len, const void *needle, size_t n)
{
	if (n == 0 || hay_len < n)
		return n == 0;
	for (size_t i = 0; i + n <= hay_len; i++)
		if (hay[i] == *(const uint8_t *)needle && memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

/* Flushes tx completely into raw_fd's peer and collects the raw bytes from raw_fd. */
static void drain_raw(struct conn *tx, int raw_fd, struct bytes *out)
{
	uint8_t buf[65536];
	for (int i = 0; i < PUMP_ROUNDS; i++) {
		if (conn_flush(tx) < 0)
			fail_msg("conn_flush: %s", tx->error);
		ssize_t got;
		while ((got = recv(raw_fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
			bytes_add(out, buf, (size_t)got);
		assert_true(got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
		if (!conn_wants_write(tx))
			return;
	}
	fail_msg("drain_raw: no progress");
}

/* Writes raw bytes into fd while rx reads the other end, until all are written. */
static void feed_raw(int fd, const uint8_t *data, size_t len, struct conn *rx, struct sink *sink)
{
	size_t off = 0;
	for (int i = 0; i < PUMP_ROUNDS && off < len; i++) {
		ssize_t n = send(fd, data + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else
			assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
		if (conn_read(rx, collect, sink) < 0)
			fail_msg("conn_read: %s", rx->error);
	}
	assert_int_equal(off, len);
}

/* ---- the same tests over a plain and a sealed link ---- */

/*
 * Tests that hold for a plain link and a sealed one alike run once for each
 * (the test's state says which): one body, the differences in one place.
 */
enum link_mode { LINK_PLAIN, LINK_SEALED };
static const enum link_mode link_plain = LINK_PLAIN, link_sealed = LINK_SEALED;
#define BOTH_MODES(f)                                                 \
	{ #f " (plain)", f, NULL, NULL, (void *)&link_plain },        \
	{ #f " (sealed)", f, NULL, NULL, (void *)&link_sealed }

static enum link_mode mode_of(void **state)
{
	return *(const enum link_mode *)*state;
}

/* A link over a socketpair, sealed with the keys of one real handshake (seed key_seed) if the mode says so. */
static void open_link(enum link_mode mode, struct conn *con, size_t con_max, struct conn *spk,
                      size_t spk_max, int fds[2], uint8_t key_seed)
{
	make_pair(fds);
	conn_init(con, fds[0], con_max, 2);
	conn_init(spk, fds[1], spk_max, 2);
	if (mode == LINK_SEALED) {
		struct link_keys k;
		handshake_keys(&k, key_seed);
		assert_int_equal(conn_enable_seal(con, k.con_tx, k.con_rx), 0);
		assert_int_equal(conn_enable_seal(spk, k.spk_tx, k.spk_rx), 0);
	}
	assert_int_equal(conn_sealed(con), mode == LINK_SEALED);
	assert_int_equal(conn_sealed(spk), mode == LINK_SEALED);
}

/*
 * The bytes a speaker's end (sealed with k's keys if the mode says so) puts on
 * the wire for frames f[0..n-1]; ends[i] is where frame i's bytes end.
 */
static void wire_of(enum link_mode mode, const struct link_keys *k, const struct frame *f, size_t n,
                    struct bytes *wire, size_t *ends)
{
	int a[2];
	make_pair(a);
	struct conn tx;
	conn_init(&tx, a[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	if (mode == LINK_SEALED)
		assert_int_equal(conn_enable_seal(&tx, k->spk_tx, k->spk_rx), 0);
	for (size_t i = 0; i < n; i++) {
		send_frame(&tx, &f[i]);
		drain_raw(&tx, a[1], wire);
		ends[i] = wire->len;
	}
	conn_close(&tx);
	close(a[1]);
}

/* The console's end of a fresh socketpair, reading what the test writes into fds[0]. */
static void open_receiver(enum link_mode mode, const struct link_keys *k, struct conn *rx, size_t max,
                          int fds[2])
{
	make_pair(fds);
	conn_init(rx, fds[1], max, 2);
	if (mode == LINK_SEALED)
		assert_int_equal(conn_enable_seal(rx, k->con_tx, k->con_rx), 0);
}

/* How a link names bytes that are not frames: the frame layer's words, or the record layer's. */
static const char *garbage_error(enum link_mode mode)
{
	return mode == LINK_SEALED ? "sealed link" : "protocol error";
}

/* ---- frames ---- */

static void test_frames(void **state)
{
	enum link_mode mode = mode_of(state);
	int fds[2];
	struct conn tx, rx;
	open_link(mode, &tx, PROTO_MAX_CONTROL_PAYLOAD, &rx, PROTO_MAX_CONTROL_PAYLOAD, fds, 11);
	assert_false(conn_wants_write(&tx));

	struct frame f[5] = { hello_frame("hall"), ping_frame(PROTO_PING, 42), status_frame(9, "all good"),
	                      ping_frame(PROTO_PONG, 42), bye_frame("see you") };
	size_t total = 0;
	for (size_t i = 0; i < 5; i++) {
		send_frame(&tx, &f[i]);
		total += f[i].len;
	}
	assert_true(conn_wants_write(&tx));
	/* The queue holds copies: scribbling on the caller's frames changes nothing. */
	struct frame orig[5];
	memcpy(orig, f, sizeof f);
	memset(f, 0xaa, sizeof f);

	struct sink sink = { 0 };
	pump(&tx, &rx, &sink, 5);
	assert_int_equal(sink.n, 5);
	for (size_t i = 0; i < 5; i++)
		expect_frame(&sink, i, orig[i].bytes, orig[i].len);
	if (mode == LINK_PLAIN)
		assert_int_equal(tx.bytes_out, total);
	else /* every record adds a header and a tag */
		assert_true(tx.bytes_out > total);
	assert_int_equal(rx.bytes_in, tx.bytes_out);
	assert_false(conn_wants_write(&tx));
	/* Nothing more to read: 0, not an error. */
	assert_int_equal(conn_read(&rx, collect, &sink), 0);
	sink_free(&sink);
	conn_close(&tx);
	conn_close(&rx);
	assert_int_equal(tx.fd, -1);
}

static void test_frames_byte_by_byte(void **state)
{
	/* The decoder copes with any split of the stream: feed one byte at a time. */
	enum link_mode mode = mode_of(state);
	struct link_keys k;
	handshake_keys(&k, 12);
	struct frame f[3] = { ping_frame(PROTO_PING, 1), status_frame(2, "x"), bye_frame("bye") };
	struct bytes wire = { 0 };
	size_t ends[3];
	wire_of(mode, &k, f, 3, &wire, ends);
	if (mode == LINK_PLAIN)
		assert_int_equal(wire.len, f[0].len + f[1].len + f[2].len);
	int fds[2];
	struct conn rx;
	open_receiver(mode, &k, &rx, PROTO_MAX_CONTROL_PAYLOAD, fds);
	struct sink sink = { 0 };
	size_t b = 0;
	for (size_t i = 0; i < 3; i++) {
		for (; b < ends[i]; b++) {
			/* Bytes are no sign of life: only a whole frame counts (sealed: a whole inner frame). */
			assert_int_equal(rx.frames_in, i);
			assert_int_equal(send(fds[0], wire.p + b, 1, 0), 1);
			assert_int_equal(conn_read(&rx, collect, &sink), 1);
		}
		assert_int_equal(rx.frames_in, i + 1);
		assert_int_equal(sink.n, i + 1);
		expect_frame(&sink, i, f[i].bytes, f[i].len);
	}
	free(wire.p);
	sink_free(&sink);
	close(fds[0]);
	conn_close(&rx);
}

static void test_callback_can_drop(void **state)
{
	(void)state;
	int fds[2];
	make_pair(fds);
	struct conn tx, rx;
	conn_init(&tx, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&rx, fds[1], PROTO_MAX_CONTROL_PAYLOAD, 2);
	struct frame a = ping_frame(PROTO_PING, 1), b = bye_frame("go"), c = ping_frame(PROTO_PING, 2);
	send_frame(&tx, &a);
	send_frame(&tx, &b);
	send_frame(&tx, &c);
	assert_int_equal(conn_flush(&tx), 0);
	struct sink sink = { .fail_on = PROTO_BYE };
	assert_int_equal(conn_read(&rx, collect, &sink), -1);
	assert_non_null(strstr(rx.error, "callback refused BYE"));
	/* The frame after the refused one was not handed over. */
	assert_int_equal(sink.n, 2);
	sink_free(&sink);
	conn_close(&tx);
	conn_close(&rx);
}

/* ---- shared pages ---- */

static void test_shared_page_two_conns(void **state)
{
	(void)state;
	int a[2], b[2];
	make_pair(a);
	make_pair(b);
	struct conn tx1, tx2, rx1, rx2;
	conn_init(&tx1, a[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&tx2, b[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&rx1, a[1], PROTO_MAX_PAYLOAD, 2);
	conn_init(&rx2, b[1], PROTO_MAX_PAYLOAD, 2);

	struct sbuf *page = make_page(77, 3u << 20, false);
	assert_int_equal(page->refs, 1);
	assert_int_equal(conn_send(&tx1, page, true), 0);
	assert_int_equal(conn_send(&tx2, page, true), 0);
	assert_int_equal(page->refs, 3);
	assert_int_equal(tx1.pages_queued, 1);

	struct sink s1 = { 0 }, s2 = { 0 };
	bool partly_sent_seen = false;
	for (int i = 0; i < PUMP_ROUNDS; i++) {
		if (conn_flush(&tx1) < 0 || conn_flush(&tx2) < 0)
			fail_msg("flush: %s / %s", tx1.error, tx2.error);
		/* While a page is partly written the queue still holds its reference. */
		if (conn_wants_write(&tx1) && tx1.bytes_out > 0) {
			partly_sent_seen = true;
			assert_true(page->refs >= 2);
			assert_int_equal(tx1.pages_queued, 1);
		}
		if (conn_read(&rx1, collect, &s1) < 0 || conn_read(&rx2, collect, &s2) < 0)
			fail_msg("read: %s / %s", rx1.error, rx2.error);
		if (!conn_wants_write(&tx1) && !conn_wants_write(&tx2) && s1.n == 1 && s2.n == 1)
			break;
	}
	assert_true(partly_sent_seen); /* 3 MB does not fit a socket buffer at once */
	assert_int_equal(s1.n, 1);
	assert_int_equal(s2.n, 1);
	expect_page(&s1, 0, page, 77);
	expect_page(&s2, 0, page, 77);
	/* Both queues drained: their references are gone, no copies were held. */
	assert_int_equal(page->refs, 1);
	assert_int_equal(tx1.pages_queued, 0);
	assert_int_equal(tx2.pages_queued, 0);
	assert_int_equal(tx1.bytes_out, page->len);
	assert_int_equal(rx2.bytes_in, page->len);
	sbuf_unref(page);
	sink_free(&s1);
	sink_free(&s2);
	conn_close(&tx1);
	conn_close(&tx2);
	conn_close(&rx1);
	conn_close(&rx2);
}

static void test_close_drops_references(void **state)
{
	(void)state;
	int fds[2];
	make_pair(fds);
	struct conn tx;
	conn_init(&tx, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	struct sbuf *page = make_page(1, 3u << 20, false);
	assert_int_equal(conn_send(&tx, page, true), 0);
	assert_int_equal(conn_send(&tx, page, true), 0);
	assert_int_equal(conn_flush(&tx), 0); /* partly written */
	assert_true(conn_wants_write(&tx));
	assert_int_equal(page->refs, 3);
	conn_close(&tx);
	assert_int_equal(page->refs, 1);
	assert_int_equal(tx.queue_len, 0);
	sbuf_unref(page);
	close(fds[1]);
}

/* ---- queue bounds ---- */

static void test_queue_page_bound(void **state)
{
	(void)state;
	const size_t max_pages = 2;
	int fds[2];
	make_pair(fds);
	struct conn tx, rx;
	conn_init(&tx, fds[0], PROTO_MAX_CONTROL_PAYLOAD, max_pages);
	conn_init(&rx, fds[1], PROTO_MAX_PAYLOAD, max_pages);
	struct sbuf *page = make_page(5, 1024, false);

	/* The page being written plus max_pages behind it (docs/PROTOCOL.md). */
	for (size_t i = 0; i < max_pages + 1; i++)
		assert_int_equal(conn_send(&tx, page, true), 0);
	assert_int_equal(tx.pages_queued, max_pages + 1);
	unsigned refs = page->refs;
	assert_int_equal(conn_send(&tx, page, true), -1);
	assert_non_null(strstr(tx.error, "not reading"));
	assert_int_equal(page->refs, refs); /* a refused page holds no reference */
	assert_int_equal(tx.pages_queued, max_pages + 1);
	assert_int_equal(conn_send(&tx, page, true), -1);

	/* Control frames still go. */
	struct frame ping = ping_frame(PROTO_PING, 3);
	send_frame(&tx, &ping);

	/* Once the peer reads, the bound frees up. */
	struct sink sink = { 0 };
	pump(&tx, &rx, &sink, max_pages + 2);
	assert_int_equal(tx.pages_queued, 0);
	assert_int_equal(page->refs, 1);
	for (size_t i = 0; i < max_pages + 1; i++)
		expect_page(&sink, i, page, 5);
	expect_frame(&sink, max_pages + 1, ping.bytes, ping.len);
	assert_int_equal(conn_send(&tx, page, true), 0);
	sink_free(&sink);
	conn_close(&tx);
	conn_close(&rx);
	sbuf_unref(page);
}

static void test_queue_bound_peer_not_reading(void **state)
{
	(void)state;
	/* Big pages to a peer that never reads: the sender flushes what it can, then refuses. */
	int fds[2];
	make_pair(fds);
	struct conn tx;
	conn_init(&tx, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	struct sbuf *page = make_page(6, 3u << 20, false);
	int refused_at = -1;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(conn_flush(&tx), 0);
		if (conn_send(&tx, page, true) < 0) {
			refused_at = i;
			break;
		}
	}
	assert_int_equal(refused_at, 3);
	assert_non_null(strstr(tx.error, "not reading"));
	assert_non_null(strstr(tx.error, "3 pages"));
	conn_close(&tx);
	assert_int_equal(page->refs, 1);
	sbuf_unref(page);
	close(fds[1]);
}

static void test_queue_frame_bound(void **state)
{
	(void)state;
	int fds[2];
	make_pair(fds);
	struct conn tx, rx;
	conn_init(&tx, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&rx, fds[1], PROTO_MAX_CONTROL_PAYLOAD, 2);
	struct frame ping = ping_frame(PROTO_PING, 1);
	for (size_t i = 0; i < CONN_QUEUE_MAX; i++)
		assert_int_equal(conn_send_copy(&tx, ping.bytes, ping.len), 0);
	assert_int_equal(conn_send_copy(&tx, ping.bytes, ping.len), -1);
	assert_non_null(strstr(tx.error, "not reading"));
	struct sbuf *page = make_page(1, 100, false);
	assert_int_equal(conn_send(&tx, page, true), -1);
	assert_int_equal(page->refs, 1);
	struct sink sink = { 0 };
	pump(&tx, &rx, &sink, CONN_QUEUE_MAX);
	assert_int_equal(sink.n, CONN_QUEUE_MAX);
	for (size_t i = 0; i < CONN_QUEUE_MAX; i++)
		expect_frame(&sink, i, ping.bytes, ping.len);
	/* The ring wrapped around: queue more and it still works. */
	for (size_t i = 0; i < CONN_QUEUE_MAX / 2 + 3; i++)
		assert_int_equal(conn_send_copy(&tx, ping.bytes, ping.len), 0);
	pump(&tx, &rx, &sink, CONN_QUEUE_MAX + CONN_QUEUE_MAX / 2 + 3);
	sink_free(&sink);
	sbuf_unref(page);
	conn_close(&tx);
	conn_close(&rx);
}

/* ---- sealed links ---- */

static void test_exchange(void **state)
{
	enum link_mode mode = mode_of(state);
	int fds[2];
	struct conn con, spk;
	open_link(mode, &con, PROTO_MAX_CONTROL_PAYLOAD, &spk, PROTO_MAX_PAYLOAD, fds, 1);

	struct frame welcome_like = ping_frame(PROTO_PING, 100);
	struct sbuf *page = make_page(11, 1u << 20, true);
	struct frame after = bye_frame("after the page");
	send_frame(&con, &welcome_like);
	assert_int_equal(conn_send(&con, page, true), 0);
	send_frame(&con, &after);

	struct frame hello = hello_frame("hall speaker");
	struct frame st[3] = { status_frame(11, ""), status_frame(11, "x"), status_frame(11, "failed: y") };
	send_frame(&spk, &hello);
	for (size_t i = 0; i < 3; i++)
		send_frame(&spk, &st[i]);

	struct sink at_con = { 0 }, at_spk = { 0 };
	pump2(&con, &at_con, 4, &spk, &at_spk, 3);
	assert_int_equal(at_spk.n, 3);
	expect_frame(&at_spk, 0, welcome_like.bytes, welcome_like.len);
	expect_page(&at_spk, 1, page, 11);
	expect_frame(&at_spk, 2, after.bytes, after.len);
	assert_int_equal(at_con.n, 4);
	expect_frame(&at_con, 0, hello.bytes, hello.len);
	for (size_t i = 0; i < 3; i++)
		expect_frame(&at_con, i + 1, st[i].bytes, st[i].len);

	/* Sealing costs a little: every record adds a header and a tag. */
	size_t plain = welcome_like.len + page->len + after.len;
	if (mode == LINK_PLAIN) {
		assert_int_equal(con.bytes_out, plain);
	} else {
		assert_true(con.bytes_out > plain);
		assert_true(con.bytes_out < plain + plain / 100);
	}
	assert_int_equal(con.bytes_out, spk.bytes_in);
	assert_int_equal(page->refs, 1);
	sbuf_unref(page);
	sink_free(&at_con);
	sink_free(&at_spk);
	conn_close(&con);
	conn_close(&spk);
}

/* Answers each PING with a PONG flushed at once, and counts the PINGs (their t1 in order). */
static int answer_at_once(struct conn *conn, const struct proto_header *header, const uint8_t *payload,
                          void *ctx)
{
	uint64_t *seen = ctx;
	struct proto_ping ping;
	assert_int_equal(header->type, PROTO_PING);
	assert_int_equal(proto_ping_decode(payload, header->length, &ping), PROTO_OK);
	assert_int_equal(ping.sent_us, *seen + 1);
	(*seen)++;
	struct proto_pong pong = { .ping_sent_us = ping.sent_us, .received_us = 1, .sent_us = 2 };
	uint8_t frame[64];
	assert_int_equal(conn_send_copy(conn, frame, proto_pong_encode(&pong, frame, sizeof frame)), 0);
	assert_int_equal(conn_flush(conn), 0);
	return 0;
}

/*
 * One record holding many frames, whose handler seals and sends an answer
 * before the next frame is read: the answer's record must not overwrite the
 * rest of the record being read (a bench of 100 speakers once saw "bad magic").
 */
static void test_sealed_answer_while_reading_a_record(void **state)
{
	(void)state;
	struct link_keys k;
	handshake_keys(&k, 5);
	int fds[2];
	make_pair(fds);
	struct conn con, spk;
	conn_init(&con, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&spk, fds[1], PROTO_MAX_PAYLOAD, 2);
	assert_int_equal(conn_enable_seal(&con, k.con_tx, k.con_rx), 0);
	assert_int_equal(conn_enable_seal(&spk, k.spk_tx, k.spk_rx), 0);
	/* 40 PINGs queued, then flushed: one record. */
	for (uint64_t i = 1; i <= 40; i++) {
		struct proto_ping ping = { .sent_us = i };
		uint8_t frame[64];
		assert_int_equal(conn_send_copy(&spk, frame, proto_ping_encode(&ping, frame, sizeof frame)), 0);
	}
	assert_int_equal(conn_flush(&spk), 0);
	uint64_t seen = 0;
	for (int i = 0; i < 100 && seen < 40; i++)
		assert_true(conn_read(&con, answer_at_once, &seen) >= 0);
	assert_int_equal(seen, 40);
	conn_close(&con);
	conn_close(&spk);
}

static void test_sealed_never_sends_plaintext(void **state)
{
	(void)state;
	struct link_keys k;
	handshake_keys(&k, 2);
	int a[2], b[2];
	make_pair(a);
	make_pair(b);
	struct conn con, spk;
	conn_init(&con, a[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&spk, b[1], PROTO_MAX_PAYLOAD, 2);
	assert_int_equal(conn_enable_seal(&con, k.con_tx, k.con_rx), 0);
	assert_int_equal(conn_enable_seal(&spk, k.spk_tx, k.spk_rx), 0);

	struct sbuf *page = make_page(12, 1u << 20, true);
	assert_true(contains(page->data, page->len, MARKER, strlen(MARKER)));
	struct frame bye = bye_frame("reason " MARKER);
	assert_int_equal(conn_send(&con, page, true), 0);
	send_frame(&con, &bye);

	/* What goes over the wire, raw. */
	struct bytes wire = { 0 };
	drain_raw(&con, a[1], &wire);
	assert_int_equal(wire.len, con.bytes_out);
	assert_false(contains(wire.p, wire.len, MARKER, strlen(MARKER)));
	assert_false(contains(wire.p, wire.len, "reason", 6));
	/* Nor the PAGE frame's plain header. */
	assert_false(contains(wire.p, wire.len, page->data, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE));

	/* It is nothing but SEALED frames of at most SEAL_FRAME_MAX. */
	struct proto_decoder dec;
	proto_decoder_init(&dec, SEAL_FRAME_MAX - PROTO_HEADER_SIZE);
	size_t used = 0, records = 0;
	while (used < wire.len) {
		long n = proto_decoder_feed(&dec, wire.p + used, wire.len - used);
		assert_true(n > 0);
		used += (size_t)n;
		if (dec.frame_ready) {
			assert_int_equal(dec.header.type, PROTO_SEALED);
			records++;
		}
	}
	assert_true(dec.frame_ready);
	proto_decoder_free(&dec);
	assert_true(records >= (page->len + SEAL_RECORD_MAX - 1) / SEAL_RECORD_MAX);

	/* And those very bytes, relayed to the speaker, are the page. */
	struct sink sink = { 0 };
	feed_raw(b[0], wire.p, wire.len, &spk, &sink);
	for (int i = 0; i < PUMP_ROUNDS && sink.n < 2; i++)
		if (conn_read(&spk, collect, &sink) < 0)
			fail_msg("conn_read: %s", spk.error);
	assert_int_equal(sink.n, 2);
	expect_page(&sink, 0, page, 12);
	expect_frame(&sink, 1, bye.bytes, bye.len);

	free(wire.p);
	sbuf_unref(page);
	sink_free(&sink);
	conn_close(&con);
	conn_close(&spk);
	close(a[1]);
	close(b[0]);
}

/* Frames queued before the seal leave plain; the receiver switches on the last plain one. */
static void test_seal_enabled_with_data_queued(void **state)
{
	(void)state;
	struct link_keys k;
	handshake_keys(&k, 3);
	int fds[2];
	make_pair(fds);
	struct conn tx, rx;
	conn_init(&tx, fds[0], PROTO_MAX_PAYLOAD, 4);
	conn_init(&rx, fds[1], PROTO_MAX_PAYLOAD, 4);

	struct frame p1 = ping_frame(PROTO_PING, 1);
	struct sbuf *page_plain = make_page(21, 1u << 20, true);
	struct frame switch_frame = ping_frame(PROTO_PONG, 2); /* the receiver seals on PONG */
	send_frame(&tx, &p1);
	assert_int_equal(conn_send(&tx, page_plain, true), 0);
	send_frame(&tx, &switch_frame);
	/* Partly written already when the seal comes on. */
	assert_int_equal(conn_flush(&tx), 0);
	assert_true(tx.bytes_out > 0);
	assert_true(conn_wants_write(&tx));
	assert_int_equal(conn_enable_seal(&tx, k.con_tx, k.con_rx), 0);

	struct sbuf *page_sealed = make_page(22, 1u << 20, true);
	struct frame s1 = status_frame(22, "sealed");
	assert_int_equal(conn_send(&tx, page_sealed, true), 0);
	send_frame(&tx, &s1);

	struct sink sink = { .seal_on = PROTO_PONG, .tx_key = k.spk_tx, .rx_key = k.spk_rx };
	pump(&tx, &rx, &sink, 5);
	assert_int_equal(sink.n, 5);
	assert_true(conn_sealed(&rx));
	expect_frame(&sink, 0, p1.bytes, p1.len);
	expect_page(&sink, 1, page_plain, 21);
	expect_frame(&sink, 2, switch_frame.bytes, switch_frame.len);
	expect_page(&sink, 3, page_sealed, 22);
	expect_frame(&sink, 4, s1.bytes, s1.len);
	assert_int_equal(page_plain->refs, 1);
	assert_int_equal(page_sealed->refs, 1);
	sbuf_unref(page_plain);
	sbuf_unref(page_sealed);
	sink_free(&sink);
	conn_close(&tx);
	conn_close(&rx);
}

/* The switch from plain to sealed falls inside one read. */
static void test_seal_switch_inside_one_read(void **state)
{
	(void)state;
	struct link_keys k;
	handshake_keys(&k, 4);
	int a[2];
	make_pair(a);
	struct conn tx, rx;
	conn_init(&tx, a[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&rx, a[1], PROTO_MAX_CONTROL_PAYLOAD, 2);
	struct frame p1 = ping_frame(PROTO_PING, 1), sw = ping_frame(PROTO_PONG, 1);
	struct frame s1 = status_frame(1, MARKER), s2 = bye_frame("done");
	send_frame(&tx, &p1);
	send_frame(&tx, &sw);
	assert_int_equal(conn_enable_seal(&tx, k.con_tx, k.con_rx), 0);
	send_frame(&tx, &s1);
	send_frame(&tx, &s2);
	assert_int_equal(conn_flush(&tx), 0);
	assert_false(conn_wants_write(&tx));

	struct sink sink = { .seal_on = PROTO_PONG, .tx_key = k.spk_tx, .rx_key = k.spk_rx };
	long got = conn_read(&rx, collect, &sink);
	assert_int_equal(got, (long)tx.bytes_out);
	assert_int_equal(sink.n, 4);
	expect_frame(&sink, 0, p1.bytes, p1.len);
	expect_frame(&sink, 1, sw.bytes, sw.len);
	expect_frame(&sink, 2, s1.bytes, s1.len);
	expect_frame(&sink, 3, s2.bytes, s2.len);
	sink_free(&sink);
	conn_close(&tx);
	conn_close(&rx);
}

/* The whole handshake over the link, as speaker and console do it. */
struct peer {
	struct conn conn;
	struct auth_session auth;
	struct sink sink;
	bool console;
	struct sbuf *page; /* the console sends it once sealed */
};

static int peer_frame(struct conn *conn, const struct proto_header *header, const uint8_t *payload,
                      void *ctx)
{
	struct peer *p = ctx;
	uint8_t frame[AUTH_FRAME_MAX];
	if (p->console && header->type == PROTO_NOISE_1) {
		size_t n;
		assert_int_equal(auth_console_reply(&p->auth, payload, header->length, frame, sizeof frame, &n),
		                 AUTH_REPLY_OK);
		assert_int_equal(conn_send_copy(conn, frame, n), 0);
		return 0;
	}
	if (!p->console && header->type == PROTO_NOISE_2) {
		size_t n = auth_speaker_check(&p->auth, payload, header->length) == 0
		           ? auth_speaker_done(&p->auth, frame, sizeof frame) : 0;
		if (n == 0) {
			snprintf(conn->error, sizeof conn->error, "the console did not prove its key");
			return -1;
		}
		/* NOISE_3 is queued, then the seal comes on: NOISE_3 leaves plain. */
		assert_int_equal(conn_send_copy(conn, frame, n), 0);
		assert_int_equal(conn_enable_seal(conn, p->auth.tx_key, p->auth.rx_key), 0);
		struct frame hello = hello_frame("speaker");
		send_frame(conn, &hello);
		return 0;
	}
	if (p->console && header->type == PROTO_NOISE_3) {
		if (auth_console_finish(&p->auth, payload, header->length) < 0) {
			snprintf(conn->error, sizeof conn->error, "authentication failed");
			return -1;
		}
		assert_int_equal(conn_enable_seal(conn, p->auth.tx_key, p->auth.rx_key), 0);
		assert_int_equal(conn_send(conn, p->page, true), 0);
		return 0;
	}
	/* Everything after the handshake must arrive sealed. */
	assert_true(conn_sealed(conn));
	return collect(conn, header, payload, &p->sink);
}

static void test_sealed_handshake_in_band(void **state)
{
	(void)state;
	struct auth_key key;
	for (size_t i = 0; i < sizeof key.bytes; i++)
		key.bytes[i] = (uint8_t)(0x40 + i);
	int fds[2];
	make_pair(fds);
	struct peer con = { .console = true }, spk = { .console = false };
	conn_init(&con.conn, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&spk.conn, fds[1], PROTO_MAX_PAYLOAD, 2);
	struct identity spk_id, con_id;
	crypto_box_keypair(spk_id.pk, spk_id.sk);
	crypto_box_keypair(con_id.pk, con_id.sk);
	auth_session_init(&con.auth, AUTH_CONSOLE, &con_id, &key);
	auth_session_init(&spk.auth, AUTH_SPEAKER, &spk_id, &key);
	con.page = make_page(31, 1u << 20, true);

	uint8_t hello[AUTH_FRAME_MAX];
	size_t n = auth_speaker_hello(&spk.auth, hello, sizeof hello);
	assert_int_equal(conn_send_copy(&spk.conn, hello, n), 0);

	for (int i = 0; i < PUMP_ROUNDS; i++) {
		if (conn_flush(&spk.conn) < 0 || conn_flush(&con.conn) < 0)
			fail_msg("flush: %s / %s", spk.conn.error, con.conn.error);
		if (conn_read(&con.conn, peer_frame, &con) < 0)
			fail_msg("console read: %s", con.conn.error);
		if (conn_read(&spk.conn, peer_frame, &spk) < 0)
			fail_msg("speaker read: %s", spk.conn.error);
		if (con.sink.n == 1 && spk.sink.n == 1 && !conn_wants_write(&con.conn) &&
		    !conn_wants_write(&spk.conn))
			break;
	}
	assert_true(con.auth.done);
	assert_true(spk.auth.done);
	assert_int_equal(con.sink.n, 1);
	struct frame h = hello_frame("speaker");
	expect_frame(&con.sink, 0, h.bytes, h.len);
	assert_int_equal(spk.sink.n, 1);
	expect_page(&spk.sink, 0, con.page, 31);
	assert_int_equal(con.page->refs, 1);

	sbuf_unref(con.page);
	sink_free(&con.sink);
	sink_free(&spk.sink);
	auth_session_wipe(&con.auth);
	auth_session_wipe(&spk.auth);
	conn_close(&con.conn);
	conn_close(&spk.conn);
}

static void test_sealed_mismatched_keys(void **state)
{
	(void)state;
	struct link_keys k1, k2;
	handshake_keys(&k1, 5);
	handshake_keys(&k2, 5); /* same PSK, another session: other keys */
	int fds[2];
	make_pair(fds);
	struct conn con, spk;
	conn_init(&con, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&spk, fds[1], PROTO_MAX_PAYLOAD, 2);
	assert_int_equal(conn_enable_seal(&con, k1.con_tx, k1.con_rx), 0);
	assert_int_equal(conn_enable_seal(&spk, k2.spk_tx, k2.spk_rx), 0);
	struct frame p = ping_frame(PROTO_PING, 1);
	send_frame(&con, &p);
	assert_int_equal(conn_flush(&con), 0);
	struct sink sink = { 0 };
	const char *err = read_until_error(&spk, &sink);
	assert_non_null(strstr(err, "authentication"));
	assert_int_equal(sink.n, 0);
	sink_free(&sink);
	conn_close(&con);
	conn_close(&spk);

	/* The console's keys swapped (tx for rx) fail too: the directions never share a key. */
	make_pair(fds);
	conn_init(&con, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&spk, fds[1], PROTO_MAX_PAYLOAD, 2);
	assert_int_equal(conn_enable_seal(&con, k1.con_rx, k1.con_tx), 0);
	assert_int_equal(conn_enable_seal(&spk, k1.spk_tx, k1.spk_rx), 0);
	send_frame(&con, &p);
	assert_int_equal(conn_flush(&con), 0);
	err = read_until_error(&spk, &sink);
	assert_non_null(strstr(err, "authentication"));
	assert_int_equal(sink.n, 0);
	conn_close(&con);
	conn_close(&spk);
}

static void test_sealed_rejects_plain_frame(void **state)
{
	(void)state;
	/* A plain frame injected into a sealed link is refused, not read. */
	struct link_keys k;
	handshake_keys(&k, 6);
	int fds[2];
	make_pair(fds);
	struct conn spk;
	conn_init(&spk, fds[1], PROTO_MAX_PAYLOAD, 2);
	assert_int_equal(conn_enable_seal(&spk, k.spk_tx, k.spk_rx), 0);
	struct frame p = ping_frame(PROTO_PING, 1);
	assert_int_equal(send(fds[0], p.bytes, p.len, 0), (ssize_t)p.len);
	struct sink sink = { 0 };
	const char *err = read_until_error(&spk, &sink);
	assert_non_null(strstr(err, "authentication"));
	assert_int_equal(sink.n, 0);
	conn_close(&spk);
	close(fds[0]);
}

static void test_sealed_tampered_on_the_wire(void **state)
{
	(void)state;
	struct link_keys k;
	handshake_keys(&k, 7);
	int a[2], b[2];
	make_pair(a);
	make_pair(b);
	struct conn con, spk;
	conn_init(&con, a[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
	conn_init(&spk, b[1], PROTO_MAX_PAYLOAD, 2);
	assert_int_equal(conn_enable_seal(&con, k.con_tx, k.con_rx), 0);
	assert_int_equal(conn_enable_seal(&spk, k.spk_tx, k.spk_rx), 0);
	struct sbuf *page = make_page(41, 200000, false);
	assert_int_equal(conn_send(&con, page, true), 0);
	struct bytes wire = { 0 };
	drain_raw(&con, a[1], &wire);
	/* One bit flipped in the third record's ciphertext. */
	size_t at = 2 * (SEAL_FRAME_MAX) + 100;
	assert_true(at < wire.len);
	wire.p[at] ^= 0x20;
	struct sink sink = { 0 };
	size_t off = 0;
	const char *err = NULL;
	for (int i = 0; i < PUMP_ROUNDS && !err; i++) {
		if (off < wire.len) {
			ssize_t n = send(b[0], wire.p + off, wire.len - off, MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
		}
		if (conn_read(&spk, collect, &sink) < 0)
			err = spk.error;
	}
	assert_non_null(err);
	assert_non_null(strstr(err, "authentication"));
	assert_int_equal(sink.n, 0);
	free(wire.p);
	sbuf_unref(page);
	conn_close(&con);
	conn_close(&spk);
	close(a[1]);
	close(b[0]);
}

/* ---- peers that close or talk nonsense ---- */

/*
 * A peer that closes inside a frame (for a sealed link: inside a record) is
 * reported as such (docs/ROBUSTNESS.md: "truncated frame, then close"); one
 * that closes between frames is an ordinary close.
 */
static void test_closed_mid_frame(void **state)
{
	enum link_mode mode = mode_of(state);
	/* The frame a half record leaves unfinished is the record itself. */
	const char *cut_frame = mode == LINK_SEALED ? "SEALED" : "STATUS";
	struct link_keys k;
	handshake_keys(&k, 9);
	struct frame f[2] = { ping_frame(PROTO_PING, 1), status_frame(1, "half of me") };
	struct bytes wire = { 0 };
	size_t ends[2];
	wire_of(mode, &k, f, 2, &wire, ends);
	int fds[2];
	struct conn rx;
	struct sink sink = { 0 };

	/* A whole frame, then half of the next. */
	open_receiver(mode, &k, &rx, PROTO_MAX_CONTROL_PAYLOAD, fds);
	size_t half = ends[0] + (ends[1] - ends[0]) / 2;
	assert_int_equal(send(fds[0], wire.p, half, 0), (ssize_t)half);
	close(fds[0]);
	const char *err = read_until_error(&rx, &sink);
	assert_non_null(strstr(err, "closed in the middle"));
	assert_non_null(strstr(err, cut_frame));
	assert_int_equal(sink.n, 1);
	sink_free(&sink);
	conn_close(&rx);

	/* Closed between frames: an ordinary close. */
	open_receiver(mode, &k, &rx, PROTO_MAX_CONTROL_PAYLOAD, fds);
	assert_int_equal(send(fds[0], wire.p, ends[0], 0), (ssize_t)ends[0]);
	close(fds[0]);
	err = read_until_error(&rx, &sink);
	assert_null(strstr(err, "in the middle"));
	assert_non_null(strstr(err, "closed"));
	assert_int_equal(sink.n, 1);
	sink_free(&sink);
	conn_close(&rx);

	/* Closed inside a header. */
	open_receiver(mode, &k, &rx, PROTO_MAX_CONTROL_PAYLOAD, fds);
	assert_int_equal(send(fds[0], wire.p, 5, 0), 5);
	close(fds[0]);
	err = read_until_error(&rx, &sink);
	assert_non_null(strstr(err, "closed in the middle"));
	conn_close(&rx);
	free(wire.p);

	/* Half of the very first frame (a sealed link's first record also carries the stream header). */
	struct frame h = hello_frame("truncated speaker");
	struct bytes first = { 0 };
	size_t first_end;
	wire_of(mode, &k, &h, 1, &first, &first_end);
	open_receiver(mode, &k, &rx, PROTO_MAX_CONTROL_PAYLOAD, fds);
	assert_int_equal(send(fds[0], first.p, first.len / 2, 0), (ssize_t)(first.len / 2));
	close(fds[0]);
	char why[sizeof rx.error];
	snprintf(why, sizeof why, "%s", read_until_error(&rx, &sink));
	size_t frames = sink.n;
	sink_free(&sink);
	free(first.p);
	conn_close(&rx);
	assert_int_equal(frames, 0);
	if (!strstr(why, "closed in the middle"))
		fail_msg("link closed inside its first frame (a HELLO) reads as \"%s\"", why);
}

static void test_closed_mid_page(void **state)
{
	enum link_mode mode = mode_of(state);
	int fds[2];
	struct conn tx, rx;
	open_link(mode, &tx, PROTO_MAX_CONTROL_PAYLOAD, &rx, PROTO_MAX_PAYLOAD, fds, 8);
	struct sbuf *page = make_page(51 + (uint32_t)mode, 3u << 20, false);
	assert_int_equal(conn_send(&tx, page, true), 0);
	struct sink sink = { 0 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(conn_flush(&tx), 0);
		assert_true(conn_read(&rx, collect, &sink) >= 0);
	}
	assert_true(conn_wants_write(&tx));
	conn_close(&tx);
	const char *err = read_until_error(&rx, &sink);
	assert_non_null(strstr(err, "closed in the middle of a PAGE frame"));
	assert_int_equal(sink.n, 0);
	sbuf_unref(page);
	conn_close(&rx);
}

static void test_garbage_stream(void **state)
{
	enum link_mode mode = mode_of(state);
	struct link_keys k;
	handshake_keys(&k, 10);
	static const char *const garbage[] = {
		"GET / HTTP/1.1\r\nHost: intercom\r\n\r\n",
		"ICOX",
		"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d",
	};
	static const size_t lens[] = { 0, 4, 14 };
	for (size_t i = 0; i < 3; i++) {
		int fds[2];
		struct conn rx;
		open_receiver(mode, &k, &rx, PROTO_MAX_CONTROL_PAYLOAD, fds);
		size_t len = lens[i] ? lens[i] : strlen(garbage[i]);
		assert_int_equal(send(fds[0], garbage[i], len, 0), (ssize_t)len);
		struct sink sink = { 0 };
		const char *err = read_until_error(&rx, &sink);
		assert_non_null(strstr(err, garbage_error(mode)));
		assert_int_equal(sink.n, 0);
		/* The connection stays failed even if good frames follow. */
		struct frame p = ping_frame(PROTO_PING, 1);
		assert_int_equal(send(fds[0], p.bytes, p.len, 0), (ssize_t)p.len);
		assert_int_equal(conn_read(&rx, collect, &sink), -1);
		assert_int_equal(sink.n, 0);
		close(fds[0]);
		conn_close(&rx);
	}

	/* A good header of another version, an oversized control frame, a flag set. */
	uint8_t hdr[PROTO_HEADER_SIZE];
	proto_header_encode(hdr, PROTO_PING, 8);
	hdr[4] = PROTO_VERSION + 1;
	uint8_t big[PROTO_HEADER_SIZE];
	proto_header_encode(big, PROTO_STATUS, PROTO_MAX_CONTROL_PAYLOAD + 1);
	uint8_t flags[PROTO_HEADER_SIZE];
	proto_header_encode(flags, PROTO_PING, 8);
	flags[7] = 1;
	const uint8_t *bad[] = { hdr, big, flags };
	for (size_t i = 0; i < 3; i++) {
		int fds[2];
		struct conn rx;
		open_receiver(mode, &k, &rx, PROTO_MAX_PAYLOAD, fds);
		assert_int_equal(send(fds[0], bad[i], PROTO_HEADER_SIZE, 0), PROTO_HEADER_SIZE);
		struct sink sink = { 0 };
		const char *err = read_until_error(&rx, &sink);
		assert_non_null(strstr(err, garbage_error(mode)));
		close(fds[0]);
		conn_close(&rx);
	}

	/* A frame larger than this end accepts is refused at its header, before it is buffered. */
	int fds[2];
	struct conn rx;
	struct sink sink = { 0 };
	if (mode == LINK_PLAIN) {
		/* A page over the end's limit. */
		make_pair(fds);
		struct conn tx;
		conn_init(&tx, fds[0], PROTO_MAX_CONTROL_PAYLOAD, 2);
		conn_init(&rx, fds[1], 4096, 2);
		struct sbuf *page = make_page(1, 8192, false);
		assert_int_equal(conn_send(&tx, page, true), 0);
		assert_int_equal(conn_flush(&tx), 0);
		sbuf_unref(page);
		conn_close(&tx);
	} else {
		/* A SEALED frame larger than any record. */
		open_receiver(mode, &k, &rx, PROTO_MAX_PAYLOAD, fds);
		uint8_t sealed_hdr[PROTO_HEADER_SIZE];
		proto_header_encode(sealed_hdr, PROTO_SEALED, SEAL_FRAME_MAX);
		assert_int_equal(send(fds[0], sealed_hdr, sizeof sealed_hdr, 0), (ssize_t)sizeof sealed_hdr);
	}
	const char *err = read_until_error(&rx, &sink);
	assert_non_null(strstr(err, garbage_error(mode)));
	assert_non_null(strstr(err, "larger than the limit"));
	if (mode == LINK_SEALED)
		close(fds[0]);
	conn_close(&rx);
}

static int setup(void **state)
{
	(void)state;
	return auth_init();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH_MODES(test_frames),
		BOTH_MODES(test_frames_byte_by_byte),
		cmocka_unit_test(test_callback_can_drop),
		cmocka_unit_test(test_shared_page_two_conns),
		cmocka_unit_test(test_close_drops_references),
		cmocka_unit_test(test_queue_page_bound),
		cmocka_unit_test(test_queue_bound_peer_not_reading),
		cmocka_unit_test(test_queue_frame_bound),
		BOTH_MODES(test_exchange),
		cmocka_unit_test(test_sealed_never_sends_plaintext),
		cmocka_unit_test(test_sealed_answer_while_reading_a_record),
		cmocka_unit_test(test_seal_enabled_with_data_queued),
		cmocka_unit_test(test_seal_switch_inside_one_read),
		cmocka_unit_test(test_sealed_handshake_in_band),
		cmocka_unit_test(test_sealed_mismatched_keys),
		cmocka_unit_test(test_sealed_rejects_plain_frame),
		cmocka_unit_test(test_sealed_tampered_on_the_wire),
		BOTH_MODES(test_closed_mid_frame),
		BOTH_MODES(test_closed_mid_page),
		BOTH_MODES(test_garbage_stream),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

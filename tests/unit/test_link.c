/*
 * Unit tests of the speaker's link (link.h) against a server played here on
 * loopback: the shared part (lookup, connect, write, close after a last
 * report) under both kinds, an old server's file handed over whole, and a
 * console's bad page or missing WELCOME ending the link with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "intercom/common/clock.h"
#include "intercom/net/auth.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"
#include "intercom/net/seal.h"
#include "intercom/net/trust.h"
#include "intercom/speaker/link.h"
#include "intercom/speaker/speaker_state.h"

/* ---- the owner: what the link handed over ---- */

static struct {
	size_t pages, rejected;
	uint32_t page_id;
	uint8_t wav[256];
	size_t wav_len;
	int answer;               /* what the page callback returns */
	struct link *link;        /* to report through, as speaker.c does */
} owner;

static int page_cb(void *ctx, const struct link_page *page, char *why, size_t whylen)
{
	(void)ctx;
	owner.pages++;
	owner.page_id = page->id;
	owner.wav_len = page->wav_len < sizeof owner.wav ? page->wav_len : sizeof owner.wav;
	memcpy(owner.wav, page->wav, owner.wav_len);
	if (owner.answer < 0) {
		snprintf(why, whylen, "not a WAV");
		struct proto_status failed = { .page_id = page->id, .state = PAGE_FAILED,
		                               .reason = "rejected: not a WAV" };
		link_report(owner.link, &failed);
	}
	return owner.answer;
}

static void rejected_cb(void *ctx, uint32_t page_id, size_t bytes, const char *reason)
{
	(void)ctx;
	(void)page_id;
	(void)bytes;
	(void)reason;
	owner.rejected++;
}

static char untrusted_why[1400];

static void untrusted_cb(void *ctx, const char *why)
{
	(void)ctx;
	snprintf(untrusted_why, sizeof untrusted_why, "%s", why);
}

static const struct link_owner test_owner = { .page = page_cb, .rejected = rejected_cb,
                                              .untrusted = untrusted_cb };
static struct trust_list *test_known;    /* the link's known consoles (NULL: none) */
static const char *test_host;            /* where the link connects ("": nowhere yet, as over mDNS) */
static const uint8_t *test_console_fp;   /* its --console-key (NULL: none) */

/* ---- helpers ---- */

static int listen_fd;
static int port;
static struct speaker_state st;
static struct identity speaker_id, console_id;

/*
 * The console's end of a sealed link, played here: once its handshake is
 * done (welcome_link), send_all seals what it sends and read_any opens what
 * the speaker sent, so the tests below speak plain frames.
 */
static struct {
	bool on;
	struct seal tx, rx;
	struct proto_decoder records;
	uint8_t plain[SEAL_RECORD_MAX];
	size_t plain_len, plain_at;
} sealed;

static int setup(void **state)
{
	(void)state;
	memset(&owner, 0, sizeof owner);
	memset(&sealed, 0, sizeof sealed);
	untrusted_why[0] = '\0';
	test_known = NULL;
	test_console_fp = NULL;
	test_host = "127.0.0.1";
	crypto_box_keypair(speaker_id.pk, speaker_id.sk);
	crypto_box_keypair(console_id.pk, console_id.sk);
	char err[256], addr[80];
	listen_fd = net_listen("127.0.0.1", 0, err, sizeof err);
	assert_true(listen_fd >= 0);
	net_local_addr(listen_fd, addr, sizeof addr);
	port = atoi(strrchr(addr, ':') + 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(listen_fd);
	if (sealed.on)
		proto_decoder_free(&sealed.records);
	sealed.on = false;
	return 0;
}

/* A link with these deadlines (0: the default heartbeat timeout and stall span). */
static struct link *make_link_timed(const struct link_ops *ops, unsigned welcome_ms,
                                    unsigned heartbeat_ms, unsigned stall_ms)
{
	speaker_state_init(&st, "127.0.0.1", ops == &link_legacy_ops, NULL, NULL);
	struct link_config cfg = {
		.host = test_host,
		.port = port,
		.name = "kitchen",
		.zone = "",
		.identity = &speaker_id,
		.known = test_known,
		.console_fp = test_console_fp,
		.welcome_deadline_ms = welcome_ms,
		.heartbeat_timeout_ms = heartbeat_ms,
		.page_stall_ms = stall_ms,
		.st = &st,
		.owner = &test_owner,
	};
	struct link *l = link_new(ops, &cfg);
	assert_non_null(l);
	owner.link = l;
	return l;
}

static struct link *make_link(const struct link_ops *ops, unsigned welcome_ms)
{
	return make_link_timed(ops, welcome_ms, 0, 0);
}

/* One pass of the speaker's loop around the link. */
static void pass(struct link *l, int wait_ms)
{
	int timeout = link_tick(l, clock_mono_ms());
	struct pollfd fds[LINK_POLLFDS];
	link_poll_prepare(l, fds);
	assert_true(poll(fds, LINK_POLLFDS, timeout < wait_ms ? timeout : wait_ms) >= 0);
	link_poll_handle(l, fds, clock_mono_ms());
}

/* Runs the link until the server side has a connection to accept. */
static int accept_one(struct link *l)
{
	for (int i = 0; i < 500; i++) {
		pass(l, 10);
		char addr[80];
		int fd = net_accept(listen_fd, addr, sizeof addr);
		if (fd >= 0)
			return fd;
	}
	fail_msg("the link never connected");
	return -1;
}

/* Runs the link until the link state is `link` (or gives up). */
static bool run_until(struct link *l, enum speaker_link link)
{
	for (int i = 0; i < 500 && st.link != link; i++)
		pass(l, 10);
	return st.link == link;
}

/* Reads frames from the speaker until any one is whole in dec (false: none within ms, or closed). */
static bool read_any(struct link *l, int fd, struct proto_decoder *dec, int ms)
{
	uint64_t until = clock_mono_ms() + (uint64_t)ms;
	while (clock_mono_ms() < until) {
		uint8_t byte;
		if (sealed.on && sealed.plain_at < sealed.plain_len) {
			byte = sealed.plain[sealed.plain_at++];
		} else {
			ssize_t got = recv(fd, &byte, 1, MSG_DONTWAIT);
			if (got == 0)
				return false;
			if (got < 0) {
				pass(l, 1);
				continue;
			}
			if (sealed.on) {
				assert_int_equal(proto_decoder_feed(&sealed.records, &byte, 1), 1);
				if (!sealed.records.frame_ready)
					continue;
				assert_int_equal(seal_open(&sealed.rx, sealed.records.payload,
				                           sealed.records.header.length, sealed.plain,
				                           &sealed.plain_len), 0);
				sealed.plain_at = 0;
				continue;
			}
		}
		assert_int_equal(proto_decoder_feed(dec, &byte, 1), 1);
		if (dec->frame_ready)
			return true;
	}
	return false;
}

/* Reads frames from the speaker until one of this type is whole in dec. */
static bool read_frame(struct link *l, int fd, struct proto_decoder *dec, uint8_t type)
{
	while (read_any(l, fd, dec, 5000))
		if (dec->header.type == type)
			return true;
	return false;
}

static void send_raw(int fd, const void *data, size_t len)
{
	assert_int_equal(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Sends bytes as the console: in SEALED records once the handshake is done. */
static void send_all(int fd, const void *data, size_t len)
{
	if (!sealed.on) {
		send_raw(fd, data, len);
		return;
	}
	const uint8_t *p = data;
	for (size_t at = 0; at < len;) {
		size_t n = len - at < SEAL_RECORD_MAX ? len - at : SEAL_RECORD_MAX;
		static uint8_t record[SEAL_FRAME_MAX];
		size_t rn = seal_record(&sealed.tx, p + at, n, record, sizeof record);
		assert_true(rn > 0);
		send_raw(fd, record, rn);
		at += n;
	}
}

/* The console's side of the handshake on fd: NOISE_1 in, NOISE_2 out, NOISE_3 in, then sealed. */
static void console_handshake(struct link *l, int fd, struct proto_decoder *dec)
{
	struct auth_session a;
	auth_session_init(&a, AUTH_CONSOLE, &console_id, NULL);
	assert_true(read_frame(l, fd, dec, PROTO_NOISE_1));
	uint8_t frame[AUTH_FRAME_MAX];
	size_t n;
	assert_int_equal(auth_console_reply(&a, dec->payload, dec->header.length, frame, sizeof frame, &n),
	                 AUTH_REPLY_OK);
	send_raw(fd, frame, n);
	if (!read_frame(l, fd, dec, PROTO_NOISE_3))
		fail_msg("no NOISE_3: %s / %s", st.reason, untrusted_why);
	assert_int_equal(auth_console_finish(&a, dec->payload, dec->header.length), 0);
	assert_memory_equal(a.peer, speaker_id.pk, IDENTITY_KEY_BYTES);
	seal_init(&sealed.tx, a.tx_key);
	seal_init(&sealed.rx, a.rx_key);
	proto_decoder_init(&sealed.records, SEAL_FRAME_MAX - PROTO_HEADER_SIZE);
	sealed.plain_len = sealed.plain_at = 0;
	sealed.on = true;
	auth_session_wipe(&a);
}

static const uint8_t wav[] = "RIFF-bytes-as-an-old-server-sends-them";

/* Plays a console up to WELCOME: returns the console's end, the link READY. */
static int welcome_link(struct link *l, struct proto_decoder *dec)
{
	int fd = accept_one(l);
	console_handshake(l, fd, dec);
	assert_true(read_frame(l, fd, dec, PROTO_HELLO));
	struct proto_hello hello;
	assert_int_equal(proto_hello_decode(dec->payload, dec->header.length, &hello), PROTO_OK);
	assert_string_equal(hello.name, "kitchen");
	assert_true(hello.caps & PROTO_CAP_PLAY_AT); /* this speaker starts pages at their time */
	uint8_t frame[256];
	struct proto_welcome welcome = { .version = PROTO_VERSION, .caps = PROTO_CAP_PLAY_AT,
	                                 .speaker_id = 9, .heartbeat_ms = 1000, .console_name = "studio" };
	size_t len = proto_welcome_encode(&welcome, frame, sizeof frame);
	send_all(fd, frame, len);
	assert_true(run_until(l, SPEAKER_LINK_READY));
	assert_int_equal(st.speaker_id, 9);
	return fd;
}

/* Runs the link for ms, or until it is down. */
static void run_for(struct link *l, int ms)
{
	uint64_t until = clock_mono_ms() + (uint64_t)ms;
	while (clock_mono_ms() < until && st.link == SPEAKER_LINK_READY)
		pass(l, 10);
}

/* A framed link READY with a console played here, with these timeouts. */
struct console_end {
	struct link *l;
	struct proto_decoder dec;   /* what the speaker sends */
	int fd;                     /* the console's end */
};

static void console_open(struct console_end *c, unsigned heartbeat_ms, unsigned stall_ms)
{
	c->l = make_link_timed(&link_framed_ops, WELCOME_DEADLINE_MS, heartbeat_ms, stall_ms);
	proto_decoder_init(&c->dec, PROTO_MAX_CONTROL_PAYLOAD);
	c->fd = welcome_link(c->l, &c->dec);
}

static void console_close(struct console_end *c)
{
	proto_decoder_free(&c->dec);
	close(c->fd);
	link_free(c->l, "done");
}

/* Sends bytes one at a time, gap_ms apart, while the link is up; returns ms until it went down. */
static uint64_t trickle(struct console_end *c, const uint8_t *bytes, size_t len, int gap_ms)
{
	uint64_t start = clock_mono_ms();
	for (size_t i = 0; i < len && st.link == SPEAKER_LINK_READY; i++) {
		send_all(c->fd, bytes + i, 1);
		run_for(c->l, gap_ms);
	}
	assert_int_equal(st.link, SPEAKER_LINK_WAITING);
	return clock_mono_ms() - start;
}

/* ---- tests ---- */

/* An old server's file, ended by its close, is handed over whole and numbered; then the next. */
static void test_legacy_file_handed_over(void **state)
{
	(void)state;
	struct link *l = make_link(&link_legacy_ops, 0);
	int fd = accept_one(l);
	assert_true(run_until(l, SPEAKER_LINK_READY));
	send_all(fd, wav, sizeof wav);
	close(fd);
	for (int i = 0; i < 500 && owner.pages == 0; i++)
		pass(l, 10);
	assert_int_equal(owner.pages, 1);
	assert_int_equal(owner.page_id, 1);
	assert_int_equal(owner.wav_len, sizeof wav);
	assert_memory_equal(owner.wav, wav, sizeof wav);
	/* A good page: straight back for the next, with no backoff. */
	assert_int_equal(st.link, SPEAKER_LINK_WAITING);
	assert_int_equal(st.backoff_ms, 0);

	/* A server that closes without a byte sent no page: that is a failure, with backoff. */
	fd = accept_one(l);
	assert_true(run_until(l, SPEAKER_LINK_READY));
	close(fd);
	assert_true(run_until(l, SPEAKER_LINK_WAITING));
	assert_int_equal(owner.pages, 1);
	assert_string_equal(st.reason, "closed the connection without sending a page");
	assert_true(st.backoff_ms > 0);
	link_free(l, "done");
}

/* A console: HELLO, WELCOME, a PAGE the owner rejects: its report leaves, then the link closes. */
static void test_framed_bad_page_closes_after_the_report(void **state)
{
	(void)state;
	owner.answer = -1;
	struct console_end c;
	console_open(&c, 0, 0);
	uint8_t frame[256];
	struct proto_page meta = { .page_id = 4, .created_ms = 1 };
	size_t len = proto_page_encode_head(&meta, sizeof wav, frame, sizeof frame);
	memcpy(frame + len, wav, sizeof wav);
	send_all(c.fd, frame, len + sizeof wav);
	/*
	 * The owner's "failed", then the end of the link; never "received", which
	 * means "delivered" to the console: only the owner says it, once its check passed.
	 */
	struct proto_status s;
	assert_true(read_frame(c.l, c.fd, &c.dec, PROTO_STATUS));
	assert_int_equal(proto_status_decode(c.dec.payload, c.dec.header.length, &s), PROTO_OK);
	assert_int_equal(s.state, PAGE_FAILED);
	assert_int_equal(owner.pages, 1);
	assert_int_equal(owner.page_id, 4);
	assert_memory_equal(owner.wav, wav, sizeof wav);
	assert_true(run_until(c.l, SPEAKER_LINK_WAITING));
	assert_string_equal(st.reason, "console sent a bad page (not a WAV)");
	console_close(&c);
}

/*
 * The clock: the speaker pings in a burst after WELCOME; a console whose
 * clock is 5000 s ahead answers; the link's estimate finds the offset, the
 * state shows it, and SYNC goes to the console on each change of state.
 * A new connection starts the clock afresh.
 */
static void test_framed_clock_from_pings(void **state)
{
	(void)state;
	const uint64_t ahead_us = 5000000000ull;
	struct console_end c;
	console_open(&c, 0, 0);
	assert_null(link_clock(c.l));
	int pings = 0, syncs = 0;
	uint8_t last_state = SYNC_NONE;
	uint64_t start = clock_mono_ms(), first_ping = 0, tenth_ping = 0;
	while (clock_mono_ms() - start < 4000 && last_state != SYNC_LOCKED) {
		if (!read_any(c.l, c.fd, &c.dec, 100))
			continue;
		if (c.dec.header.type == PROTO_PING) {
			struct proto_ping ping;
			assert_int_equal(proto_ping_decode(c.dec.payload, c.dec.header.length, &ping), PROTO_OK);
			if (pings == 0)
				first_ping = clock_mono_ms();
			if (++pings == 10)
				tenth_ping = clock_mono_ms();
			uint64_t now = clock_mono_us() + ahead_us;
			struct proto_pong pong = { .ping_sent_us = ping.sent_us, .received_us = now, .sent_us = now };
			uint8_t frame[64];
			send_all(c.fd, frame, proto_pong_encode(&pong, frame, sizeof frame));
		} else if (c.dec.header.type == PROTO_SYNC) {
			struct proto_sync sync;
			assert_int_equal(proto_sync_decode(c.dec.payload, c.dec.header.length, &sync), PROTO_OK);
			assert_int_not_equal(sync.state, last_state); /* a change of state is said at once */
			last_state = sync.state;
			syncs++;
			assert_true(sync.offset_us > (int64_t)ahead_us - 5000 && sync.offset_us < (int64_t)ahead_us + 5000);
		}
	}
	assert_int_equal(last_state, SYNC_LOCKED);
	assert_true(syncs >= 2); /* settling, then locked */
	/* A burst: ten pings well within a second, not the steady one a second. */
	assert_true(tenth_ping > 0 && tenth_ping - first_ping < 1000);
	const struct clock_sync *cs = link_clock(c.l);
	assert_non_null(cs);
	uint64_t local = clock_mono_us();
	int64_t off = (int64_t)(clock_sync_to_remote(cs, local) - local);
	assert_true(off > (int64_t)ahead_us - 5000 && off < (int64_t)ahead_us + 5000);
	assert_int_equal(st.clock_state, SYNC_LOCKED);
	/* The connection ends: no clock until the next one has its own. */
	close(c.fd);
	assert_true(run_until(c.l, SPEAKER_LINK_WAITING));
	assert_null(link_clock(c.l));
	assert_int_equal(st.clock_state, SYNC_NONE);
	proto_decoder_free(&c.dec);
	link_free(c.l, "done");
}

/* The welcome deadline is the link's setting, not a constant. */
static void test_framed_welcome_deadline(void **state)
{
	(void)state;
	struct link *l = make_link(&link_framed_ops, 150);
	int fd = accept_one(l);
	uint64_t start = clock_mono_ms();
	assert_true(run_until(l, SPEAKER_LINK_WAITING));
	assert_true(clock_mono_ms() - start < 2000);
	assert_string_equal(st.reason, "no WELCOME within 0.15 s of connecting (the handshake not done)");
	close(fd);
	link_free(l, "done");
}

/*
 * A sign of life from a console is a whole frame, not a byte: one that
 * trickles bytes and never finishes a frame is given up at the heartbeat
 * timeout, with the reason.
 */
static void test_framed_trickle_is_no_sign_of_life(void **state)
{
	(void)state;
	struct console_end c;
	console_open(&c, 300, 300);
	uint8_t ping[64];
	struct proto_ping pp = { .sent_us = 1 };
	size_t len = proto_ping_encode(&pp, ping, sizeof ping);
	/* A PING a byte every 50 ms: 20 bytes take 1 s. */
	uint64_t took = trickle(&c, ping, len, 50);
	assert_true(took >= 280 && took < 1000);
	assert_non_null(strstr(st.reason, "no sign of life for 0.3 s: "));
	assert_non_null(strstr(st.reason, " bytes but no whole frame"));
	console_close(&c);
}

/*
 * While a page arrives the console's PINGs wait behind it: its bytes are the
 * sign of life while they move, so a page arriving for longer than the
 * heartbeat timeout at a fair pace is taken whole.
 */
static void test_framed_slow_page_is_alive(void **state)
{
	(void)state;
	struct console_end c;
	console_open(&c, 300, 300);
	size_t wav_len = 8 * PAGE_STALL_BYTES;
	uint8_t *frame = calloc(1, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE + wav_len);
	assert_non_null(frame);
	struct proto_page meta = { .page_id = 5, .created_ms = 1 };
	size_t head = proto_page_encode_head(&meta, wav_len, frame, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
	size_t total = head + wav_len;
	/* A stall window's worth a tenth of a second: 0.8 s for the page, the timeout 0.3 s. */
	for (size_t at = 0; at < total; at += PAGE_STALL_BYTES) {
		size_t n = total - at < PAGE_STALL_BYTES ? total - at : PAGE_STALL_BYTES;
		send_all(c.fd, frame + at, n);
		run_for(c.l, 100);
	}
	for (int i = 0; i < 100 && owner.pages == 0 && st.link == SPEAKER_LINK_READY; i++)
		pass(c.l, 10);
	assert_int_equal(st.link, SPEAKER_LINK_READY);
	assert_int_equal(owner.pages, 1);
	assert_int_equal(owner.page_id, 5);
	free(frame);
	console_close(&c);
}

/*
 * A console that trickles a page to hold the speaker in "receiving": a PAGE
 * claiming 64 MiB costs the memory of what arrived, and once it stops moving
 * (fewer than PAGE_STALL_BYTES in a span) the page is reported failed and the
 * link dropped, with the reason.
 */
static void test_framed_trickled_page_is_given_up(void **state)
{
	(void)state;
	struct console_end c;
	console_open(&c, 300, 300);
	uint8_t frame[PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE + 16] = { 0 };
	struct proto_page meta = { .page_id = 7, .created_ms = 1 };
	size_t head = proto_page_encode_head(&meta, PROTO_MAX_PAYLOAD - PROTO_PAGE_FIELDS_SIZE, frame,
	                                     sizeof frame);
	assert_int_equal(head, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
	memcpy(frame + head, "RIFF", 4);
	send_all(c.fd, frame, head + 4);
	run_for(c.l, 20);
	assert_int_equal(st.link, SPEAKER_LINK_READY);
	assert_true(st.receiving);
	assert_true(c.l->conn.decoder.payload_cap <= PROTO_DECODER_FIRST_ALLOC);
	/* Then a byte every 50 ms. */
	uint64_t took = trickle(&c, frame + head + 4, sizeof frame - head - 4, 50);
	assert_true(took >= 250 && took < 1000);
	assert_false(st.receiving);
	assert_non_null(strstr(st.reason, "page 7 stopped arriving: "));
	assert_non_null(strstr(st.reason, "of 67108864 bytes, fewer than 32 KiB in 0.3 s"));
	/* The console heard why: "receiving" reports, then "failed". */
	struct proto_status s = { 0 };
	while (s.state != PAGE_FAILED) {
		assert_true(read_frame(c.l, c.fd, &c.dec, PROTO_STATUS));
		assert_int_equal(proto_status_decode(c.dec.payload, c.dec.header.length, &s), PROTO_OK);
		assert_int_equal(s.page_id, 7);
	}
	assert_non_null(strstr(s.reason, "stopped arriving: "));
	assert_true(s.total == PROTO_MAX_PAYLOAD);
	assert_int_equal(owner.pages, 0);
	console_close(&c);
}

/*
 * Before its WELCOME a console gets the welcome deadline, however silent: a
 * console stopped with Ctrl-Z holds a connection in its backlog that it
 * answers when it resumes, and giving up on it at the heartbeat timeout would
 * only leave a dead connection there and add a backoff.
 */
static void test_framed_silent_console_gets_the_welcome_deadline(void **state)
{
	(void)state;
	struct link *l = make_link_timed(&link_framed_ops, 1500, 200, 0);
	int fd = accept_one(l);
	uint64_t start = clock_mono_ms();
	assert_true(run_until(l, SPEAKER_LINK_WAITING));
	assert_true(clock_mono_ms() - start >= 1400);
	assert_string_equal(st.reason, "no WELCOME within 1.5 s of connecting (the handshake not done)");
	close(fd);
	link_free(l, "done");
}

/*
 * A console whose operator has not approved the speaker yet says WAIT: the
 * speaker waits past the welcome deadline (the console's PINGs answered,
 * the heartbeat keeping the link), then WELCOME makes it ready.
 */
static void test_framed_wait_for_approval(void **state)
{
	(void)state;
	struct link *l = make_link_timed(&link_framed_ops, 300, 400, 0);
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_CONTROL_PAYLOAD);
	int fd = accept_one(l);
	console_handshake(l, fd, &dec);
	assert_true(read_frame(l, fd, &dec, PROTO_HELLO));
	uint8_t frame[256];
	struct proto_bye wait = { .reason = "waiting for the operator" };
	send_all(fd, frame, proto_wait_encode(&wait, frame, sizeof frame));
	assert_true(run_until(l, SPEAKER_LINK_PENDING));
	assert_string_equal(st.wait_reason, "waiting for the operator");
	/* 1 s: past the welcome deadline, the console's pings every 100 ms answered. */
	for (int i = 0; i < 10; i++) {
		struct proto_ping ping = { .sent_us = 1 };
		send_all(fd, frame, proto_ping_encode(&ping, frame, sizeof frame));
		assert_true(read_frame(l, fd, &dec, PROTO_PONG));
		uint64_t until = clock_mono_ms() + 100;
		while (clock_mono_ms() < until)
			pass(l, 10);
		assert_int_equal(st.link, SPEAKER_LINK_PENDING);
	}
	struct proto_welcome welcome = { .version = PROTO_VERSION, .speaker_id = 4, .heartbeat_ms = 1000,
	                                 .console_name = "studio" };
	send_all(fd, frame, proto_welcome_encode(&welcome, frame, sizeof frame));
	assert_true(run_until(l, SPEAKER_LINK_READY));
	/* A console silent while the speaker waits is given up at the heartbeat timeout. */
	proto_decoder_free(&dec);
	close(fd);
	link_free(l, "done");
}

/*
 * The console's side of a handshake up to its reply: the speaker has what
 * it needs to judge the console's key, and stops at WAITING (refusing it).
 */
static void reply_to_noise_1(struct link *l, int fd, struct proto_decoder *dec, struct auth_session *a)
{
	auth_session_init(a, AUTH_CONSOLE, &console_id, NULL);
	assert_true(read_frame(l, fd, dec, PROTO_NOISE_1));
	uint8_t frame[AUTH_FRAME_MAX];
	size_t n;
	assert_int_equal(auth_console_reply(a, dec->payload, dec->header.length, frame, sizeof frame, &n),
	                 AUTH_REPLY_OK);
	send_raw(fd, frame, n);
	assert_true(run_until(l, SPEAKER_LINK_WAITING));
}

/*
 * The console's key is pinned on first contact; another key at the same
 * address is refused with both fingerprints and the command that accepts
 * it, before the speaker says who it is (no NOISE_3, no HELLO).
 */
static void test_framed_pinned_console(void **state)
{
	(void)state;
	struct trust_list known = { 0 };
	test_known = &known;
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_CONTROL_PAYLOAD);
	struct link *l = make_link(&link_framed_ops, WELCOME_DEADLINE_MS);
	int fd = welcome_link(l, &dec);
	assert_int_equal(known.n, 1);
	assert_memory_equal(known.v[0].key, console_id.pk, IDENTITY_KEY_BYTES);
	char label[64];
	snprintf(label, sizeof label, "127.0.0.1:%d", port);
	assert_string_equal(known.v[0].label, label);
	close(fd);
	link_free(l, "done");
	proto_decoder_free(&dec);
	sealed.on = false;
	proto_decoder_free(&sealed.records);

	/* Another console at the same address. */
	char pinned[IDENTITY_FP_TEXT], now[IDENTITY_FP_TEXT];
	identity_fingerprint(console_id.pk, pinned);
	crypto_box_keypair(console_id.pk, console_id.sk);
	identity_fingerprint(console_id.pk, now);
	proto_decoder_init(&dec, PROTO_MAX_CONTROL_PAYLOAD);
	l = make_link(&link_framed_ops, WELCOME_DEADLINE_MS);
	fd = accept_one(l);
	struct auth_session a;
	reply_to_noise_1(l, fd, &dec, &a);
	assert_false(read_any(l, fd, &dec, 200)); /* closed: no NOISE_3 */
	assert_non_null(strstr(untrusted_why, "ITS KEY HAS CHANGED"));
	assert_non_null(strstr(untrusted_why, pinned));
	assert_non_null(strstr(untrusted_why, now));
	char fix[160];
	snprintf(fix, sizeof fix, "intercom-speaker --forget-console %s", label);
	assert_non_null(strstr(untrusted_why, fix));
	assert_memory_not_equal(known.v[0].key, console_id.pk, IDENTITY_KEY_BYTES);
	auth_session_wipe(&a);
	close(fd);
	link_free(l, "done");

	/* --console-key: only that key, whatever is pinned. */
	uint8_t fp[IDENTITY_FP_BYTES];
	assert_int_equal(identity_parse_fingerprint(pinned, fp), 0);
	test_console_fp = fp;
	test_known = NULL;
	untrusted_why[0] = '\0';
	l = make_link(&link_framed_ops, WELCOME_DEADLINE_MS);
	fd = accept_one(l);
	reply_to_noise_1(l, fd, &dec, &a);
	assert_non_null(strstr(untrusted_why, "not the --console-key"));
	assert_non_null(strstr(untrusted_why, pinned));
	auth_session_wipe(&a);
	close(fd);
	link_free(l, "done");
	proto_decoder_free(&dec);
	trust_free(&known);
}

/*
 * A console found over mDNS: no address until discovery gives one (the link
 * waits, connecting nowhere), pinned by its name, followed to a new address
 * (the old connection closed), and an impostor under the name refused.
 */
static void test_framed_found_over_mdns(void **state)
{
	(void)state;
	struct trust_list known = { 0 };
	test_known = &known;
	test_host = "";
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_CONTROL_PAYLOAD);
	struct link *l = make_link(&link_framed_ops, WELCOME_DEADLINE_MS);
	assert_int_equal(link_tick(l, clock_mono_ms()), INT32_MAX);
	for (int i = 0; i < 10; i++)
		pass(l, 10);
	char addr[80];
	assert_true(net_accept(listen_fd, addr, sizeof addr) < 0); /* nothing tried */
	assert_int_equal(st.link, SPEAKER_LINK_WAITING);
	assert_false(st.ever_tried);

	link_retarget(l, "127.0.0.1", port, "mdns:Front desk", "found");
	int fd = welcome_link(l, &dec);
	assert_int_equal(known.n, 1);
	assert_string_equal(known.v[0].label, "mdns:Front desk");
	sealed.on = false;
	proto_decoder_free(&sealed.records);

	/* It moves: the connection to the old address closes, the new one is made and trusted by the pin. */
	char err[256];
	int old_listen = listen_fd, old_port = port;
	listen_fd = net_listen("127.0.0.1", 0, err, sizeof err);
	assert_true(listen_fd >= 0);
	net_local_addr(listen_fd, addr, sizeof addr);
	port = atoi(strrchr(addr, ':') + 1);
	link_retarget(l, "127.0.0.1", port, "mdns:Front desk", "console \"Front desk\" moved");
	assert_non_null(strstr(st.reason, "moved"));
	uint8_t byte;
	assert_int_equal(recv(fd, &byte, 1, 0), 0); /* the old console sees the link closed */
	close(fd);
	fd = welcome_link(l, &dec);
	assert_int_equal(known.n, 1);
	assert_true(port != old_port);
	close(fd);
	link_free(l, "done");
	sealed.on = false;
	proto_decoder_free(&sealed.records);

	/* Another key announced under the name: refused, with the command that accepts it (quoted). */
	crypto_box_keypair(console_id.pk, console_id.sk);
	untrusted_why[0] = '\0';
	test_host = "";
	l = make_link(&link_framed_ops, WELCOME_DEADLINE_MS);
	link_retarget(l, "127.0.0.1", port, "mdns:Front desk", "found");
	fd = accept_one(l);
	struct auth_session a;
	reply_to_noise_1(l, fd, &dec, &a);
	assert_non_null(strstr(untrusted_why, "REFUSED the console at mdns:Front desk: ITS KEY HAS CHANGED"));
	assert_non_null(strstr(untrusted_why, "intercom-speaker --forget-console \"mdns:Front desk\""));
	auth_session_wipe(&a);
	close(fd);
	link_free(l, "done");
	close(old_listen);
	proto_decoder_free(&dec);
	trust_free(&known);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_legacy_file_handed_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_bad_page_closes_after_the_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_welcome_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_clock_from_pings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_trickle_is_no_sign_of_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_slow_page_is_alive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_trickled_page_is_given_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_silent_console_gets_the_welcome_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_wait_for_approval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_pinned_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_found_over_mdns, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of the station's contract with a kind of peer (peer.h), over
 * socketpairs: a kind written here plugs in without station.c knowing it,
 * the hello deadline and the tally work for any kind, and the two real
 * kinds (our speakers, old clients) carry a page to its outcome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/console/page_target.h"
#include "intercom/console/peer.h"
#include "intercom/console/station.h"
#include "intercom/net/auth.h"
#include "intercom/net/proto.h"
#include "intercom/net/seal.h"
#include "intercom/net/trust.h"

/* ---- helpers ---- */

/* The log lines of a test, so it can check what was said. */
static char said[64][LOG_LINE_MAX];
static size_t said_count;

static void capture_cb(const char *line, void *ctx)
{
	(void)ctx;
	if (said_count < 64)
		snprintf(said[said_count++], LOG_LINE_MAX, "%s", line);
}

static bool was_said(const char *part)
{
	for (size_t i = 0; i < said_count; i++)
		if (strstr(said[i], part))
			return true;
	return false;
}

static int setup(void **state)
{
	(void)state;
	said_count = 0;
	log_set_sink(capture_cb, NULL);
	return 0;
}

static void spk_end_free(int fd);

static int teardown(void **state)
{
	(void)state;
	log_set_sink(NULL, NULL);
	for (int fd = 0; fd < 1024; fd++)
		spk_end_free(fd);
	return 0;
}

static void make_pair(int fds[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK), 0);
}

/* One pass of a console's loop around the station, waiting at most wait_ms. */
static void pass(struct station *st, int wait_ms)
{
	size_t cap = station_pollfd_count(st);
	struct pollfd *fds = calloc(cap, sizeof *fds);
	assert_non_null(fds);
	int timeout = wait_ms;
	size_t n = station_poll_prepare(st, fds, cap, &timeout);
	assert_true(poll(fds, n, wait_ms < timeout ? wait_ms : timeout) >= 0);
	station_poll_handle(st, fds, n);
	free(fds);
}

/*
 * The speaker's end of a framed peer, played here: spk_connect runs the
 * handshake (NOISE_1, NOISE_2, NOISE_3) and says HELLO; from then on
 * spk_send seals what the test sends and read_frame opens what the station
 * sent, so the tests speak plain frames.
 */
#define ENDS 1024
static struct spk_end {
	bool on;
	struct seal tx, rx;
	struct proto_decoder records;
	uint8_t plain[SEAL_RECORD_MAX];
	size_t plain_len, plain_at;
} ends[ENDS];
static struct identity console_id, speaker_id;

static void spk_send(int fd, const uint8_t *data, size_t len)
{
	assert_true(fd >= 0 && fd < ENDS);
	if (!ends[fd].on) {
		assert_int_equal(send(fd, data, len, 0), (ssize_t)len);
		return;
	}
	for (size_t at = 0; at < len;) {
		size_t n = len - at < SEAL_RECORD_MAX ? len - at : SEAL_RECORD_MAX;
		static uint8_t record[SEAL_FRAME_MAX];
		size_t rn = seal_record(&ends[fd].tx, data + at, n, record, sizeof record);
		assert_int_equal(send(fd, record, rn, 0), (ssize_t)rn);
		at += n;
	}
}

/* The next byte of the station's frame stream at fd (opened if sealed); false if none is ready. */
static bool spk_byte(int fd, uint8_t *byte)
{
	struct spk_end *e = &ends[fd];
	for (;;) {
		if (e->on && e->plain_at < e->plain_len) {
			*byte = e->plain[e->plain_at++];
			return true;
		}
		uint8_t raw;
		if (recv(fd, &raw, 1, MSG_DONTWAIT) != 1)
			return false;
		if (!e->on) {
			*byte = raw;
			return true;
		}
		assert_int_equal(proto_decoder_feed(&e->records, &raw, 1), 1);
		if (!e->records.frame_ready)
			continue;
		assert_int_equal(seal_open(&e->rx, e->records.payload, e->records.header.length, e->plain,
		                           &e->plain_len), 0);
		e->plain_at = 0;
	}
}

static void spk_end_free(int fd)
{
	if (fd >= 0 && fd < ENDS && ends[fd].on)
		proto_decoder_free(&ends[fd].records);
	if (fd >= 0 && fd < ENDS)
		memset(&ends[fd], 0, sizeof ends[fd]);
}

static bool read_frame(struct station *st, int fd, struct proto_decoder *dec, uint8_t type);

/*
 * A speaker of ours connects on fds (made here): the handshake with the
 * station, then hello (if any) sealed, and passes of the loop until the
 * station has made up its mind about it (joined, waiting, or closed).
 */
static struct peer *spk_connect(struct station *st, int fds[2], const char *addr,
                                const uint8_t *hello, size_t hello_len)
{
	make_pair(fds);
	spk_end_free(fds[1]);
	if (sodium_is_zero(console_id.pk, sizeof console_id.pk)) {
		crypto_box_keypair(console_id.pk, console_id.sk);
		crypto_box_keypair(speaker_id.pk, speaker_id.sk);
	}
	station_set_identity(st, &console_id);
	struct auth_session a;
	auth_session_init(&a, AUTH_SPEAKER, &speaker_id, NULL);
	uint8_t frame[AUTH_FRAME_MAX];
	size_t n = auth_speaker_hello(&a, frame, sizeof frame);
	spk_send(fds[1], frame, n);
	struct peer *p = station_add_peer(st, &peer_framed_ops, fds[0], addr, clock_mono_ms());
	assert_non_null(p);
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_CONTROL_PAYLOAD);
	assert_true(read_frame(st, fds[1], &dec, PROTO_NOISE_2));
	assert_int_equal(auth_speaker_check(&a, dec.payload, dec.header.length), 0);
	proto_decoder_free(&dec);
	n = auth_speaker_done(&a, frame, sizeof frame);
	spk_send(fds[1], frame, n);
	struct spk_end *e = &ends[fds[1]];
	seal_init(&e->tx, a.tx_key);
	seal_init(&e->rx, a.rx_key);
	proto_decoder_init(&e->records, SEAL_FRAME_MAX - PROTO_HEADER_SIZE);
	e->on = true;
	auth_session_wipe(&a);
	if (hello)
		spk_send(fds[1], hello, hello_len);
	for (int i = 0; i < 200 && !p->dead && !p->joined && !p->lobby; i++)
		pass(st, 1);
	return p;
}

/* Reads what the station writes to the other end until it closes the connection (or cap bytes). */
static size_t read_to_eof(struct station *st, int fd, uint8_t *buf, size_t cap)
{
	size_t have = 0;
	for (int rounds = 0; rounds < 2000 && have < cap; rounds++) {
		pass(st, 1);
		ssize_t got = recv(fd, buf + have, cap - have, MSG_DONTWAIT);
		if (got == 0)
			break;
		if (got > 0)
			have += (size_t)got;
	}
	return have;
}

/* Reads the station's frames, a byte at a time, until one of this type is whole in dec. */
static bool read_frame(struct station *st, int fd, struct proto_decoder *dec, uint8_t type)
{
	for (int rounds = 0; rounds < 20000; rounds++) {
		uint8_t byte;
		if (!spk_byte(fd, &byte)) {
			pass(st, 1);
			continue;
		}
		assert_int_equal(proto_decoder_feed(dec, &byte, 1), 1);
		if (dec->frame_ready && dec->header.type == type)
			return true;
	}
	return false;
}

static const uint8_t wav[] = "RIFF-not-really-a-wav";

/* ---- a kind of peer written here: what the station asks of it, and when ---- */

static struct {
	size_t start, read, tick, busy, send_page, wrote, left, bye, close;
	bool busy_answer;
	char left_why[192];
	struct peer_page page;
	bool delivered;
} probe;

static void probe_start(struct peer *p, uint64_t now)
{
	(void)p;
	(void)now;
	probe.start++;
}

static void probe_read(struct peer *p, uint64_t now)
{
	(void)p;
	(void)now;
	probe.read++;
}

static int probe_tick(struct peer *p, uint64_t now)
{
	(void)p;
	(void)now;
	probe.tick++;
	return -1;
}

static bool probe_busy(struct peer *p, uint32_t page_id)
{
	(void)p;
	(void)page_id;
	probe.busy++;
	return probe.busy_answer;
}

/* A kind that reports nothing: delivered as soon as it is handed the page. */
static void probe_send_page(struct peer *p, const struct peer_page *page, uint64_t now)
{
	(void)now;
	probe.send_page++;
	probe.page = *page;
	probe.delivered = station_page_delivered(p);
}

static void probe_wrote(struct peer *p, uint64_t now)
{
	(void)p;
	(void)now;
	probe.wrote++;
}

static void probe_left(const struct peer *p, const char *why)
{
	(void)p;
	probe.left++;
	snprintf(probe.left_why, sizeof probe.left_why, "%s", why);
}

static void probe_bye(struct peer *p, const char *reason)
{
	(void)p;
	(void)reason;
	probe.bye++;
}

static void probe_close(struct peer *p)
{
	(void)p;
	probe.close++;
}

static const struct peer_ops probe_ops = {
	.noun = "probes",
	.size = sizeof(struct peer),
	.max_peers = 0,
	.hello_first = false,
	.reports_playing = false,
	.start = probe_start,
	.read = probe_read,
	.tick = probe_tick,
	.busy = probe_busy,
	.send_page = probe_send_page,
	.wrote = probe_wrote,
	.left = probe_left,
	.bye = probe_bye,
	.close = probe_close,
};

/* ---- tests ---- */

/* Sends a page that is on disk already: sent, then committed at once (every page is committed). */
static size_t send_committed(struct station *st, uint32_t id, const uint8_t *bytes, size_t len)
{
	size_t n = station_send_page(st, id, 1, bytes, len, 0, 0);
	station_commit_page(st, id, true, NULL);
	return n;
}

/* A kind the station has never heard of joins, gets a page, is counted, leaves. */
static void test_a_new_kind_plugs_in(void **state)
{
	(void)state;
	memset(&probe, 0, sizeof probe);
	struct station *st = station_new(-1);
	assert_non_null(st);
	int fds[2];
	make_pair(fds);
	struct peer *p = station_add_peer(st, &probe_ops, fds[0], "probe:1", clock_mono_ms());
	assert_non_null(p);
	assert_int_equal(probe.start, 1);
	assert_int_equal(station_speaker_count(st), 1); /* not hello_first: a speaker at once */
	const struct station_speaker *sp = station_speaker_at(st, 0);
	assert_string_equal(sp->addr, "probe:1");

	assert_int_equal(send_committed(st, 7, wav, sizeof wav), 1);
	assert_int_equal(probe.busy, 1);
	assert_int_equal(probe.send_page, 1);
	assert_int_equal(probe.page.id, 7);
	assert_int_equal(probe.page.wav_len, sizeof wav);
	assert_memory_equal(probe.page.frame->data + probe.page.wav_at, wav, sizeof wav);
	assert_int_equal(probe.page.wav_at, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
	assert_true(probe.delivered);
	assert_true(probe.wrote >= 1);
	const struct station_page *pg = station_last_page(st);
	assert_int_equal(pg->targets, 1);
	assert_int_equal(pg->delivered, 1);
	assert_int_equal(pg->legacy, 1); /* it cannot report playing */
	assert_true(pg->summarised);
	assert_true(was_said("page 7: delivered to 1/1, played by 0/0 (1 legacy: delivered only)"));

	/* Busy: no target of the next page. */
	probe.busy_answer = true;
	assert_int_equal(send_committed(st, 8, wav, sizeof wav), 0);
	assert_int_equal(probe.send_page, 1);
	assert_true(was_said("page 8: delivered to 0/0, played by 0/0 (no speakers connected)"));

	/* Time passes: its own timer runs, since it is joined. */
	pass(st, 0);
	assert_true(probe.tick >= 1);
	/* Readable: the station reads it through the table. */
	assert_int_equal(send(fds[1], "x", 1, 0), 1);
	pass(st, 100);
	assert_true(probe.read >= 1);

	peer_drop(p, "unplugged");
	peer_drop(p, "twice");
	assert_int_equal(probe.left, 1);
	assert_string_equal(probe.left_why, "unplugged");
	pass(st, 0);
	assert_int_equal(probe.close, 1);
	assert_int_equal(station_speaker_count(st), 0);
	station_free(st, "done");
	assert_int_equal(probe.bye, 0); /* it had left */
	close(fds[1]);
}

/* A kind that introduces itself has the hello deadline; once joined, its own timers. */
static void test_hello_deadline_for_any_kind(void **state)
{
	(void)state;
	memset(&probe, 0, sizeof probe);
	struct peer_ops ops = probe_ops;
	ops.hello_first = true;
	struct station *st = station_new(-1);
	station_set_hello_deadline(st, 0);
	int a[2], b[2];
	make_pair(a);
	make_pair(b);
	uint64_t now = clock_mono_ms();
	struct peer *late = station_add_peer(st, &ops, a[0], "late:1", now);
	struct peer *prompt = station_add_peer(st, &ops, b[0], "prompt:1", now);
	assert_non_null(late);
	assert_non_null(prompt);
	assert_int_equal(station_speaker_count(st), 0);
	assert_int_equal(station_room(st), DEFAULT_MAX_SPEAKERS);
	station_join(prompt);
	assert_int_equal(station_speaker_count(st), 1);
	assert_int_equal(station_room(st), DEFAULT_MAX_SPEAKERS - 1);
	pass(st, 0);
	assert_int_equal(probe.left, 1);
	assert_string_equal(probe.left_why, "no HELLO within 0 s");
	assert_int_equal(probe.close, 1);
	assert_int_equal(probe.tick, 1); /* the joined one's */
	station_set_max_speakers(st, 1);
	assert_int_equal(station_room(st), 0);
	station_free(st, "done");
	assert_int_equal(probe.bye, 1);
	assert_int_equal(probe.close, 2);
	close(a[1]);
	close(b[1]);
}

/* An old client gets the WAV alone, then the end of the connection; it is delivered, not played. */
static void test_legacy_kind_gets_the_wav_alone(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	int fds[2];
	make_pair(fds);
	assert_non_null(station_add_peer(st, &peer_legacy_ops, fds[0], "old:1", clock_mono_ms()));
	assert_true(was_said("legacy speaker old:1 waiting for a page (1 connected)"));
	assert_true(station_speaker_at(st, 0)->legacy);
	assert_int_equal(send_committed(st, 3, wav, sizeof wav), 1);
	uint8_t buf[256];
	size_t got = read_to_eof(st, fds[1], buf, sizeof buf);
	assert_int_equal(got, sizeof wav);
	assert_memory_equal(buf, wav, sizeof wav);
	assert_true(was_said("page 3 delivered to old:1 (legacy)"));
	assert_true(was_said("page 3: delivered to 1/1, played by 0/0 (1 legacy: delivered only)"));
	pass(st, 0);
	assert_int_equal(station_speaker_count(st), 0); /* one file per connection */
	station_free(st, "done");
	close(fds[1]);
}

/* Our speaker: HELLO, WELCOME, a PAGE frame, STATUS played: counted as played. */
static void test_framed_kind_to_played(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	station_set_admission(st, ADMIT_ALL, NULL);
	int fds[2];
	uint8_t frame[256];
	struct proto_hello hello = { .version = PROTO_VERSION, .name = "kitchen" };
	size_t len = proto_hello_encode(&hello, frame, sizeof frame);
	assert_non_null(spk_connect(st, fds, "test:1", frame, len));
	assert_true(was_said("speaker kitchen joined from test:1 (1 connected)"));
	assert_int_equal(station_speaker_count(st), 1);

	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	assert_true(read_frame(st, fds[1], &dec, PROTO_WELCOME));
	assert_int_equal(send_committed(st, 5, wav, sizeof wav), 1);
	assert_true(read_frame(st, fds[1], &dec, PROTO_PAGE));
	struct proto_page meta;
	const uint8_t *w;
	size_t wlen;
	assert_int_equal(proto_page_decode(dec.payload, dec.header.length, &meta, &w, &wlen), PROTO_OK);
	assert_int_equal(meta.page_id, 5);
	assert_int_equal(wlen, sizeof wav);
	assert_memory_equal(w, wav, sizeof wav);
	proto_decoder_free(&dec);

	struct proto_status played = { .page_id = 5, .state = PAGE_PLAYED, .done = 10, .total = 10 };
	len = proto_status_encode(&played, frame, sizeof frame);
	spk_send(fds[1], frame, len);
	for (int i = 0; i < 100 && !station_last_page(st)->summarised; i++)
		pass(st, 10);
	const struct station_page *pg = station_last_page(st);
	assert_int_equal(pg->played, 1);
	assert_int_equal(pg->legacy, 0);
	assert_true(was_said("page 5 delivered to kitchen"));
	assert_true(was_said("page 5: delivered to 1/1, played by 1/1"));
	station_free(st, "done");
	close(fds[1]);
}

/* A speaker that says HELLO and joins: the station and the speaker's end of the socket. */
static struct station *joined_speaker(int fds[2], const char *name)
{
	struct station *st = station_new(-1);
	assert_non_null(st);
	station_set_admission(st, ADMIT_ALL, NULL);
	uint8_t frame[256];
	struct proto_hello hello = { .version = PROTO_VERSION };
	snprintf(hello.name, sizeof hello.name, "%s", name);
	size_t len = proto_hello_encode(&hello, frame, sizeof frame);
	assert_non_null(spk_connect(st, fds, "test:1", frame, len));
	assert_int_equal(station_speaker_count(st), 1);
	return st;
}

/* Passes of the loop for ms; stops early once no speaker is left. */
static void run_for(struct station *st, int ms)
{
	uint64_t until = clock_mono_ms() + (uint64_t)ms;
	while (clock_mono_ms() < until && station_speaker_count(st) > 0)
		pass(st, 10);
}

/*
 * A sign of life is a whole frame, not a byte: a speaker that keeps bytes
 * coming but never finishes a frame is dropped at the heartbeat timeout, with
 * the reason; one that sends whole frames stays.
 */
static void test_framed_trickle_is_no_sign_of_life(void **state)
{
	(void)state;
	int fds[2];
	struct station *st = joined_speaker(fds, "trickler");
	station_set_heartbeat_timeout(st, 300);
	/* The header of a 1000-byte frame of a later version's type, a byte every 20 ms. */
	uint8_t frame[PROTO_HEADER_SIZE + 1000] = { 0 };
	proto_header_encode(frame, (enum proto_type)99, 1000);
	uint64_t start = clock_mono_ms();
	for (size_t i = 0; i < sizeof frame && station_speaker_count(st) > 0; i++) {
		spk_send(fds[1], frame + i, 1);
		run_for(st, 20);
		if (clock_mono_ms() - start > 2000)
			break;
	}
	uint64_t took = clock_mono_ms() - start;
	assert_int_equal(station_speaker_count(st), 0);
	assert_true(took >= 280 && took < 1500);
	assert_true(was_said("speaker trickler (test:1) left: no sign of life for 0.3 s: "));
	assert_true(was_said("bytes but no whole frame"));
	station_free(st, "done");
	close(fds[1]);

	/* Whole frames, a PING every 100 ms: alive. */
	st = joined_speaker(fds, "talker");
	station_set_heartbeat_timeout(st, 300);
	uint8_t ping[64];
	struct proto_ping pp = { .sent_us = 1 };
	size_t len = proto_ping_encode(&pp, ping, sizeof ping);
	for (int i = 0; i < 8; i++) {
		spk_send(fds[1], ping, len);
		run_for(st, 100);
	}
	assert_int_equal(station_speaker_count(st), 1);
	station_free(st, "done");
	close(fds[1]);
}

/*
 * The console's loop did not run (Ctrl-Z, a starved machine) for longer than
 * the heartbeat timeout: the speakers it did not ping meanwhile are not
 * dropped for the silence that caused, and silence after it counts again.
 */
static void test_framed_console_stall_is_not_silence(void **state)
{
	(void)state;
	int fds[2];
	struct station *st = joined_speaker(fds, "patient");
	station_set_heartbeat_timeout(st, 300);
	run_for(st, 50);
	/* the test: the loop does not run for longer than LOOP_STALL_MS */
	usleep((LOOP_STALL_MS + 500) * 1000);
	pass(st, 0);
	assert_int_equal(station_speaker_count(st), 1);
	assert_true(was_said("did not run for"));
	/* It never answers: silent from here, it is gone at the timeout. */
	uint64_t start = clock_mono_ms();
	run_for(st, 2000);
	assert_int_equal(station_speaker_count(st), 0);
	assert_true(clock_mono_ms() - start >= 250);
	assert_true(was_said("speaker patient (test:1) left: no sign of life for 0.3 s"));
	station_free(st, "done");
	close(fds[1]);
}

/* Leaving lines are rationed per address: a flood from one does not silence another. */
static void test_leave_lines_rationed_per_address(void **state)
{
	(void)state;
	memset(&probe, 0, sizeof probe);
	struct station *st = station_new(-1);
	enum { FLOOD = LOG_FLOOD_BUDGET + 15 };
	int fds[FLOOD + 2][2];
	struct peer *peers[FLOOD + 2];
	char addr[32];
	for (int i = 0; i < FLOOD + 2; i++) {
		make_pair(fds[i]);
		snprintf(addr, sizeof addr, i < FLOOD + 1 ? "10.0.0.9:%d" : "10.0.0.5:%d", 1000 + i);
		peers[i] = station_add_peer(st, &probe_ops, fds[i][0], addr, clock_mono_ms());
		assert_non_null(peers[i]);
	}
	for (int i = 0; i < FLOOD; i++)
		peer_drop(peers[i], "reset");
	assert_int_equal(probe.left, LOG_FLOOD_BUDGET);
	/* Joins from the address that keeps leaving are held; from another, said. */
	assert_false(station_say_join(peers[FLOOD]));
	assert_true(station_say_join(peers[FLOOD + 1]));
	peer_drop(peers[FLOOD + 1], "unplugged");
	assert_int_equal(probe.left, LOG_FLOOD_BUDGET + 1);
	assert_string_equal(probe.left_why, "unplugged");
	pass(st, 0);
	assert_int_equal(probe.close, FLOOD + 1); /* held or said, every one is closed */
	station_free(st, "done");
	assert_true(was_said("... and 15 more speakers from 10.0.0.9 left in the last "));
	assert_true(was_said("... and 1 more speaker joined from 10.0.0.9 in the last "));
	for (int i = 0; i < FLOOD + 2; i++)
		close(fds[i][1]);
}

/* A second HELLO with a connected speaker's name is refused with the reason; the first keeps it. */
static void test_framed_names_are_unique(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	station_set_admission(st, ADMIT_ALL, NULL);
	int a[2], b[2];
	uint8_t frame[256];
	struct proto_hello hello = { .version = PROTO_VERSION, .name = "kitchen" };
	size_t len = proto_hello_encode(&hello, frame, sizeof frame);
	assert_non_null(spk_connect(st, a, "test:1", frame, len));
	assert_non_null(spk_connect(st, b, "test:2", frame, len));
	assert_int_equal(station_speaker_count(st), 1);
	assert_string_equal(station_speaker_named(st, "kitchen")->addr, "test:1");
	assert_null(station_speaker_named(st, "Kitchen"));
	assert_true(was_said("connection from test:2 closed before hello: refused: the name kitchen "
	                     "is taken (by test:1)"));
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_CONTROL_PAYLOAD);
	assert_true(read_frame(st, b[1], &dec, PROTO_BYE));
	struct proto_bye bye;
	assert_int_equal(proto_bye_decode(dec.payload, dec.header.length, &bye), PROTO_OK);
	assert_string_equal(bye.reason,
	                    "the name kitchen is taken by another speaker: give this one another --name");
	proto_decoder_free(&dec);
	station_free(st, "done");
	close(a[1]);
	close(b[1]);
}

/* Sends a whole frame from the speaker's end. */
static void speaker_says(int fd, const uint8_t *frame, size_t len)
{
	assert_true(len > 0);
	spk_send(fd, frame, len);
}

/* How many log lines hold part. */
static size_t said_times(const char *part)
{
	size_t n = 0;
	for (size_t i = 0; i < said_count; i++)
		n += strstr(said[i], part) != NULL;
	return n;
}

/* A speaker of ours that plays at a time joins on fd (its HELLO sent first). */
static void join_timed(struct station *st, int fds[2], const char *name, const char *addr)
{
	station_set_admission(st, ADMIT_ALL, NULL);
	uint8_t frame[256];
	struct proto_hello hello = { .version = PROTO_VERSION, .caps = PROTO_CAP_PLAY_AT };
	snprintf(hello.name, sizeof hello.name, "%s", name);
	assert_non_null(spk_connect(st, fds, addr, frame, proto_hello_encode(&hello, frame, sizeof frame)));
}

/* Sends a page and reads its fields back from the speaker's end. */
static struct proto_page page_to(struct station *st, int fd, struct proto_decoder *dec, uint32_t id)
{
	assert_int_equal(send_committed(st, id, wav, sizeof wav), 1);
	assert_true(read_frame(st, fd, dec, PROTO_PAGE));
	struct proto_page meta;
	const uint8_t *w;
	size_t wlen;
	assert_int_equal(proto_page_decode(dec->payload, dec->header.length, &meta, &w, &wlen), PROTO_OK);
	assert_int_equal(meta.page_id, id);
	return meta;
}

/*
 * SYNC: kept in the speaker's info, the lock said once (not per report) and
 * its loss once; a page plays on arrival until the speaker is locked, then at
 * a play-at in the console's clock; a malformed SYNC drops the speaker.
 */
static void test_framed_sync_and_play_at(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	int fds[2];
	join_timed(st, fds, "kitchen", "test:1");
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	assert_true(read_frame(st, fds[1], &dec, PROTO_WELCOME));
	struct proto_welcome welcome;
	assert_int_equal(proto_welcome_decode(dec.payload, dec.header.length, &welcome), PROTO_OK);
	assert_true(welcome.caps & PROTO_CAP_PLAY_AT);
	const struct station_speaker *sp = station_speaker_at(st, 0);
	assert_true(sp->play_at);
	assert_int_equal(sp->sync_state, SYNC_NONE);

	/* No clock yet: on arrival, and nothing said about it. */
	assert_int_equal(page_to(st, fds[1], &dec, 5).play_at_us, 0);
	assert_false(was_said("plays at"));

	uint8_t frame[64];
	struct proto_sync sync = { .state = SYNC_SETTLING, .uncertainty_us = 4000, .drift_ppb = 1500 };
	speaker_says(fds[1], frame, proto_sync_encode(&sync, frame, sizeof frame));
	for (int i = 0; i < 50 && sp->sync_state != SYNC_SETTLING; i++)
		pass(st, 1);
	assert_int_equal(sp->sync_state, SYNC_SETTLING);
	assert_int_equal(page_to(st, fds[1], &dec, 6).play_at_us, 0);

	sync = (struct proto_sync){ .state = SYNC_LOCKED, .uncertainty_us = 300, .drift_ppb = -12300,
	                            .offset_us = 42 };
	for (int n = 0; n < 3; n++) {
		speaker_says(fds[1], frame, proto_sync_encode(&sync, frame, sizeof frame));
		pass(st, 1);
	}
	for (int i = 0; i < 50 && sp->sync_offset_us != 42; i++)
		pass(st, 1);
	assert_int_equal(sp->sync_state, SYNC_LOCKED);
	assert_int_equal(sp->sync_uncertainty_us, 300);
	assert_int_equal(sp->sync_drift_ppb, -12300);
	assert_int_equal(said_times("speaker kitchen clock locked to the console's: ±0.3 ms, drift -12.3 ppm"), 1);

	/* Locked: the page plays after its bytes' time at 20 Mbit/s (not measured), its round trip and ±, and the margin. */
	uint64_t before = clock_mono_us();
	struct proto_page meta = page_to(st, fds[1], &dec, 7);
	uint64_t lead_min = PLAYAT_MARGIN_MS * 1000u + 300;
	assert_true(meta.play_at_us >= before + lead_min);
	assert_true(meta.play_at_us <= clock_mono_us() + lead_min + 1000000u);
	assert_true(was_said("page 7 plays at +"));
	assert_true(was_said(" ms on 1 speaker"));
	assert_int_equal(station_last_page(st)->timed, 1);
	assert_int_equal(sp->page_play_at_ms, meta.play_at_us / 1000);

	/* Losing the lock is said once, however many reports say so; then on arrival again. */
	sync.state = SYNC_SETTLING;
	for (int n = 0; n < 3; n++) {
		speaker_says(fds[1], frame, proto_sync_encode(&sync, frame, sizeof frame));
		pass(st, 1);
	}
	for (int i = 0; i < 50 && sp->sync_state != SYNC_SETTLING; i++)
		pass(st, 1);
	assert_int_equal(said_times("speaker kitchen lost its clock lock (settling)"), 1);
	assert_int_equal(page_to(st, fds[1], &dec, 8).play_at_us, 0);
	assert_int_equal(sp->page_play_at_ms, 0);
	sync.state = SYNC_LOCKED;
	speaker_says(fds[1], frame, proto_sync_encode(&sync, frame, sizeof frame));
	for (int i = 0; i < 50 && sp->sync_state != SYNC_LOCKED; i++)
		pass(st, 1);
	assert_int_equal(said_times("speaker kitchen clock locked again"), 1);

	/* A SYNC whose state is no state is malformed: the speaker is dropped. */
	size_t len = proto_sync_encode(&sync, frame, sizeof frame);
	frame[PROTO_HEADER_SIZE] = 9;
	speaker_says(fds[1], frame, len);
	run_for(st, 500);
	assert_int_equal(station_speaker_count(st), 0);
	assert_true(was_said("speaker kitchen (test:1) left: malformed SYNC"));
	proto_decoder_free(&dec);
	station_free(st, "done");
	close(fds[1]);
}

/* Whether a frame of type came on fd after a few passes (nothing waits for it). */
static bool frame_came(struct station *st, int fd, struct proto_decoder *dec, uint8_t type)
{
	for (int i = 0; i < 5; i++)
		pass(st, 1);
	uint8_t byte;
	while (recv(fd, &byte, 1, MSG_DONTWAIT) == 1) {
		assert_int_equal(proto_decoder_feed(dec, &byte, 1), 1);
		if (dec->frame_ready && dec->header.type == type)
			return true;
	}
	return false;
}

/* A speaker of ours that holds pages until their COMMIT joins on fd; its WELCOME is read. */
static void join_holding(struct station *st, int fds[2], struct proto_decoder *dec, const char *name,
                         const char *addr)
{
	station_set_admission(st, ADMIT_ALL, NULL);
	uint8_t frame[256];
	struct proto_hello hello = { .version = PROTO_VERSION,
	                             .caps = PROTO_CAP_PLAY_AT | PROTO_CAP_COMMIT | PROTO_CAP_PREPARE };
	snprintf(hello.name, sizeof hello.name, "%s", name);
	assert_non_null(spk_connect(st, fds, addr, frame, proto_hello_encode(&hello, frame, sizeof frame)));
	assert_true(read_frame(st, fds[1], dec, PROTO_WELCOME));
	struct proto_welcome welcome;
	assert_int_equal(proto_welcome_decode(dec->payload, dec->header.length, &welcome), PROTO_OK);
	assert_true(welcome.caps & PROTO_CAP_COMMIT);
}

/* Locks a joined speaker's clock (SYNC locked) as the station sees it. */
static void lock_clock(struct station *st, int fd, const struct station_speaker *sp)
{
	uint8_t frame[64];
	struct proto_sync sync = { .state = SYNC_LOCKED, .uncertainty_us = 300 };
	for (int i = 0; i < 200 && sp->sync_state != SYNC_LOCKED; i++) {
		if (i % 50 == 0)
			speaker_says(fd, frame, proto_sync_encode(&sync, frame, sizeof frame));
		pass(st, 1);
	}
	assert_int_equal(sp->sync_state, SYNC_LOCKED);
}

/*
 * A page on its way to the archive goes at once to a speaker that holds
 * pages until their COMMIT, and to one that does not (an older build) only
 * once committed; a page that could not be archived is cancelled where it is
 * held, sent nowhere else, and counted on every target.
 */
static void test_framed_held_until_commit(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	int a[2], b[2];
	struct proto_decoder da, db;
	proto_decoder_init(&da, PROTO_MAX_PAYLOAD);
	proto_decoder_init(&db, PROTO_MAX_PAYLOAD);
	join_holding(st, a, &da, "hall", "test:1");
	join_timed(st, b, "lobby", "test:2");
	assert_true(read_frame(st, b[1], &db, PROTO_WELCOME));
	assert_true(station_speaker_at(st, 0)->commit);
	assert_false(station_speaker_at(st, 1)->commit);

	assert_int_equal(station_send_page(st, 5, 1, wav, sizeof wav, 0, 30000), 2);
	assert_true(read_frame(st, a[1], &da, PROTO_PAGE));
	assert_false(frame_came(st, b[1], &db, PROTO_PAGE));
	station_commit_page(st, 5, true, NULL);
	assert_true(read_frame(st, a[1], &da, PROTO_COMMIT));
	struct proto_commit c;
	assert_int_equal(proto_commit_decode(da.payload, da.header.length, &c), PROTO_OK);
	assert_int_equal(c.page_id, 5);
	assert_int_equal(c.verdict, COMMIT_PLAY);
	assert_int_equal(c.play_at_us, 0); /* on arrival: no clock locked, nothing to move */
	assert_true(read_frame(st, b[1], &db, PROTO_PAGE));
	/* Said once: a second word on the same page changes nothing. */
	station_commit_page(st, 5, false, "late");
	assert_false(frame_came(st, a[1], &da, PROTO_COMMIT));

	assert_int_equal(station_send_page(st, 6, 1, wav, sizeof wav, 0, 30000), 2);
	assert_true(read_frame(st, a[1], &da, PROTO_PAGE));
	station_commit_page(st, 6, false, "the console cannot archive it: disk full");
	assert_true(read_frame(st, a[1], &da, PROTO_COMMIT));
	assert_int_equal(proto_commit_decode(da.payload, da.header.length, &c), PROTO_OK);
	assert_int_equal(c.page_id, 6);
	assert_int_equal(c.verdict, COMMIT_CANCEL);
	assert_string_equal(c.reason, "the console cannot archive it: disk full");
	assert_false(frame_came(st, b[1], &db, PROTO_PAGE));
	const struct station_page *pg = station_last_page(st);
	assert_true(pg->summarised);
	assert_int_equal(pg->failed, 2);
	assert_int_equal(pg->played, 0);
	assert_true(was_said("page 6: delivered to 0/2, played by 0/2"));
	assert_true(was_said("page 6 failed on hall: not archived, so not played: the console cannot archive it: disk full"));

	/*
	 * Locked, the page has a play-at; an archive slower than it allowed for
	 * moves it later, for every speaker holding it, in the COMMIT.
	 */
	const struct station_speaker *hall = station_speaker_at(st, 0);
	lock_clock(st, a[1], hall);
	assert_int_equal(station_send_page(st, 7, 1, wav, sizeof wav, 0, 1000), 2);
	assert_true(read_frame(st, a[1], &da, PROTO_PAGE));
	struct proto_page meta;
	const uint8_t *w;
	size_t wlen;
	assert_int_equal(proto_page_decode(da.payload, da.header.length, &meta, &w, &wlen), PROTO_OK);
	assert_true(meta.play_at_us > clock_mono_us());
	while (clock_mono_us() < meta.play_at_us)
		usleep(10000);
	station_commit_page(st, 7, true, NULL);
	assert_true(read_frame(st, a[1], &da, PROTO_COMMIT));
	assert_int_equal(proto_commit_decode(da.payload, da.header.length, &c), PROTO_OK);
	assert_int_equal(c.verdict, COMMIT_PLAY);
	assert_true(c.play_at_us >= clock_mono_us() + PLAYAT_MARGIN_MS * 1000u - 100000u);
	assert_int_equal(hall->page_play_at_ms, c.play_at_us / 1000u);
	assert_true(was_said("page 7 archived "));
	assert_true(was_said("later than its play-at allowed for: it plays at +"));
	proto_decoder_free(&da);
	proto_decoder_free(&db);
	station_free(st, "done");
	close(a[1]);
	close(b[1]);
}

/*
 * PREPARE goes to the speakers that play at a time while a page is being
 * recorded; the lead a speaker then says (READY) replaces the cold margin in
 * the page's play-at, until the time it said; after it, cold again.
 */
static void test_framed_prepare_ready(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	int a[2], b[2];
	struct proto_decoder da, db;
	proto_decoder_init(&da, PROTO_MAX_PAYLOAD);
	proto_decoder_init(&db, PROTO_MAX_PAYLOAD);
	join_holding(st, a, &da, "hall", "test:1");
	join_holding(st, b, &db, "lobby", "test:2");
	const struct station_speaker *hall = station_speaker_at(st, 0);
	assert_true(hall->prepare);
	lock_clock(st, a[1], hall);

	/* Only the speaker that plays at a time is prepared: lobby's clock is not locked. */
	uint64_t until = clock_mono_us() + 2000000;
	station_prepare(st, 0, 48000, 1, until);
	assert_true(read_frame(st, a[1], &da, PROTO_PREPARE));
	struct proto_prepare prep;
	assert_int_equal(proto_prepare_decode(da.payload, da.header.length, &prep), PROTO_OK);
	assert_int_equal(prep.rate, 48000);
	assert_int_equal(prep.channels, 1);
	assert_int_equal(prep.until_us, until);
	assert_false(frame_came(st, b[1], &db, PROTO_PREPARE));

	uint8_t frame[64];
	struct proto_ready ready = { .lead_us = 90000, .until_us = until };
	speaker_says(a[1], frame, proto_ready_encode(&ready, frame, sizeof frame));
	for (int i = 0; i < 200 && hall->ready_until_us != until; i++)
		pass(st, 1);
	assert_int_equal(hall->ready_lead_us, 90000);
	/* Warm: the page waits its lead, not the cold margin (a page for hall alone, by name). */
	struct page_target to_hall;
	char err[128];
	page_target_all(&to_hall);
	assert_int_equal(page_target_add(&to_hall, false, "hall", err, sizeof err), 0);
	uint64_t before = clock_mono_us();
	assert_int_equal(station_send_page(st, 3, 1, wav, sizeof wav, &to_hall, 0), 1);
	station_commit_page(st, 3, true, NULL);
	assert_true(read_frame(st, a[1], &da, PROTO_PAGE));
	struct proto_page meta;
	const uint8_t *w;
	size_t wlen;
	assert_int_equal(proto_page_decode(da.payload, da.header.length, &meta, &w, &wlen), PROTO_OK);
	assert_true(meta.play_at_us >= before + 90000);
	assert_true(meta.play_at_us < before + PLAYAT_MARGIN_MS * 1000u);

	/* Past the time it said: cold again. */
	ready.until_us = clock_mono_us();
	speaker_says(a[1], frame, proto_ready_encode(&ready, frame, sizeof frame));
	for (int i = 0; i < 200 && hall->ready_until_us != ready.until_us; i++)
		pass(st, 1);
	before = clock_mono_us();
	assert_int_equal(station_send_page(st, 4, 1, wav, sizeof wav, &to_hall, 0), 1);
	station_commit_page(st, 4, true, NULL);
	assert_true(read_frame(st, a[1], &da, PROTO_PAGE));
	assert_int_equal(proto_page_decode(da.payload, da.header.length, &meta, &w, &wlen), PROTO_OK);
	assert_true(meta.play_at_us >= before + PLAYAT_MARGIN_MS * 1000u);

	proto_decoder_free(&da);
	proto_decoder_free(&db);
	station_free(st, "done");
	close(a[1]);
	close(b[1]);
}

/*
 * A page whose archive is slow is still committed to the speakers holding
 * it after the next page's stream began (a live talk right after a page).
 */
static void test_commit_after_next_stream(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	int a[2];
	struct proto_decoder da;
	proto_decoder_init(&da, PROTO_MAX_PAYLOAD);
	station_set_admission(st, ADMIT_ALL, NULL);
	uint8_t frame[256];
	struct proto_hello hello = { .version = PROTO_VERSION,
	                             .caps = PROTO_CAP_PLAY_AT | PROTO_CAP_COMMIT | PROTO_CAP_PREPARE |
	                                     PROTO_CAP_STREAM };
	snprintf(hello.name, sizeof hello.name, "hall");
	assert_non_null(spk_connect(st, a, "test:1", frame, proto_hello_encode(&hello, frame, sizeof frame)));
	assert_true(read_frame(st, a[1], &da, PROTO_WELCOME));
	assert_true(station_speaker_at(st, 0)->stream);

	assert_int_equal(station_send_page(st, 5, 1, wav, sizeof wav, 0, 30000), 1);
	assert_true(read_frame(st, a[1], &da, PROTO_PAGE));
	struct proto_stream_begin begin = { .page_id = 6, .created_ms = 1, .codec = 0, .rate = 48000,
	                                    .channels = 1, .max_frames = 48000 };
	assert_int_equal(station_stream_begin(st, &begin, 0), 1);
	assert_true(read_frame(st, a[1], &da, PROTO_STREAM_BEGIN));
	station_commit_page(st, 5, true, NULL);
	assert_true(read_frame(st, a[1], &da, PROTO_COMMIT));
	struct proto_commit c;
	assert_int_equal(proto_commit_decode(da.payload, da.header.length, &c), PROTO_OK);
	assert_int_equal(c.page_id, 5);
	assert_int_equal(c.verdict, COMMIT_PLAY);
	assert_int_equal(station_last_page(st)->id, 6);
	proto_decoder_free(&da);
	station_free(st, "done");
	close(a[1]);
}

/*
 * A page whose time had passed on one speaker is its own outcome, "expired",
 * not a failure; one that joined late is played, and said to be late.
 */
static void test_framed_expired_and_late(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	int a[2], b[2], c[2];
	join_timed(st, a, "hall", "test:1");
	join_timed(st, b, "lobby", "test:2");
	join_timed(st, c, "stage", "test:3");
	assert_int_equal(send_committed(st, 5, wav, sizeof wav), 3);
	uint8_t frame[256];
	struct proto_status st_played = { .page_id = 5, .state = PAGE_PLAYED, .done = 10, .total = 10 };
	speaker_says(a[1], frame, proto_status_encode(&st_played, frame, sizeof frame));
	struct proto_status st_late = st_played;
	st_late.late_ms = 120;
	speaker_says(c[1], frame, proto_status_encode(&st_late, frame, sizeof frame));
	struct proto_status st_expired = { .page_id = 5, .state = PAGE_EXPIRED, .done = 10, .total = 10 };
	speaker_says(b[1], frame, proto_status_encode(&st_expired, frame, sizeof frame));
	for (int i = 0; i < 200 && !station_last_page(st)->summarised; i++)
		pass(st, 5);
	const struct station_page *pg = station_last_page(st);
	assert_true(pg->summarised);
	assert_int_equal(pg->played, 2);
	assert_int_equal(pg->expired, 1);
	assert_int_equal(pg->failed, 0);
	assert_int_equal(pg->late, 1);
	assert_int_equal(pg->late_ms, 120);
	assert_string_equal(pg->late_name, "stage");
	assert_string_equal(pg->expired_name, "lobby");
	assert_true(was_said("page 5 expired on lobby (its time had passed)"));
	assert_true(was_said("page 5 joined late on stage by 120 ms"));
	assert_true(was_said("page 5: delivered to 3/3, played by 2/3, 1 joined late by 120 ms, 1 expired"));
	assert_false(was_said("failed"));
	station_free(st, "done");
	close(a[1]);
	close(b[1]);
	close(c[1]);
}

/* A speaker's link is timed by a large page, from the send to its word that it holds it all. */
static void test_framed_link_measured(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	int fds[2];
	join_timed(st, fds, "kitchen", "test:1");
	const struct station_speaker *sp = station_speaker_at(st, 0);
	static uint8_t big[PLAYAT_MEASURE_MIN_BYTES * 2];
	memset(big, 0x55, sizeof big);
	assert_int_equal(send_committed(st, 9, big, sizeof big), 1);
	/* Every byte of WELCOME and the PAGE frame, as fast as the station writes them. */
	size_t want = sizeof big + PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE, have = 0;
	static uint8_t buf[sizeof big + 1024];
	for (int rounds = 0; rounds < 5000 && have < want + 20; rounds++) {
		pass(st, 1);
		ssize_t got = recv(fds[1], buf, sizeof buf, MSG_DONTWAIT);
		if (got > 0)
			have += (size_t)got;
	}
	assert_true(have >= want);
	assert_int_equal(sp->link_bps, 0);
	uint8_t frame[256];
	struct proto_status received = { .page_id = 9, .state = PAGE_RECEIVED, .done = 1, .total = 1 };
	speaker_says(fds[1], frame, proto_status_encode(&received, frame, sizeof frame));
	for (int i = 0; i < 100 && sp->link_bps == 0; i++)
		pass(st, 1);
	assert_true(sp->link_bps > 0);
	/* A small page says nothing of the link: the measure stays as it was. */
	uint64_t measured = sp->link_bps;
	assert_int_equal(send_committed(st, 10, wav, sizeof wav), 1);
	received.page_id = 10;
	speaker_says(fds[1], frame, proto_status_encode(&received, frame, sizeof frame));
	for (int i = 0; i < 20; i++)
		pass(st, 1);
	assert_int_equal(sp->link_bps, measured);
	station_free(st, "done");
	close(fds[1]);
}

/*
 * --admit ask: a new key waits in the lobby (WAIT, not listed, no page),
 * approve lets it join and remembers it (it joins at once next time),
 * refuse closes it and keeps it out, forget makes it ask again.
 */
static void test_framed_lobby_and_approval(void **state)
{
	(void)state;
	struct station *st = station_new(-1);
	struct trust_list approved = { 0 };
	station_set_admission(st, ADMIT_ASK, &approved);
	int fds[2];
	uint8_t frame[256];
	struct proto_hello hello = { .version = PROTO_VERSION, .name = "lobby-3" };
	size_t len = proto_hello_encode(&hello, frame, sizeof frame);
	struct peer *p = spk_connect(st, fds, "test:1", frame, len);
	assert_true(p->lobby);
	assert_int_equal(station_speaker_count(st), 0);
	const struct station_speaker *waiting[4];
	assert_int_equal(station_lobby(st, waiting, 4), 1);
	assert_string_equal(waiting[0]->name, "lobby-3");
	char line[160];
	snprintf(line, sizeof line, "speaker lobby-3 (%s) from test:1 asks to join: approve %u",
	         waiting[0]->key_short, waiting[0]->id);
	assert_true(was_said(line));
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	assert_true(read_frame(st, fds[1], &dec, PROTO_WAIT));
	/* No page for it: it is not a target. */
	assert_int_equal(send_committed(st, 1, wav, sizeof wav), 0);
	/* It answers the heartbeat and stays, past the hello deadline. */
	station_set_hello_deadline(st, 100);
	for (int i = 0; i < 30; i++)
		pass(st, 10);
	assert_int_equal(station_lobby(st, waiting, 4), 1);
	char msg[256];
	assert_int_equal(station_approve(st, 999, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "pending"));
	uint32_t id = waiting[0]->id;
	assert_int_equal(station_approve(st, id, msg, sizeof msg), 0);
	assert_non_null(strstr(msg, "approved speaker lobby-3"));
	assert_true(read_frame(st, fds[1], &dec, PROTO_WELCOME));
	assert_int_equal(station_speaker_count(st), 1);
	assert_int_equal(approved.n, 1);
	assert_memory_equal(approved.v[0].key, speaker_id.pk, IDENTITY_KEY_BYTES);
	close(fds[1]);
	for (int i = 0; i < 20 && station_speaker_count(st); i++)
		pass(st, 5);

	/* Approved: it joins at once next time. */
	p = spk_connect(st, fds, "test:2", frame, len);
	assert_true(p->joined);
	/* forget: closed, and asks again. */
	char idtext[16];
	snprintf(idtext, sizeof idtext, "%u", p->info.id);
	assert_int_equal(station_forget(st, idtext, msg, sizeof msg), 0);
	assert_int_equal(approved.n, 0);
	assert_true(read_frame(st, fds[1], &dec, PROTO_BYE));
	close(fds[1]);
	pass(st, 1);
	p = spk_connect(st, fds, "test:3", frame, len);
	assert_true(p->lobby);
	/* refuse: BYE, closed, and refused at once next time. */
	assert_int_equal(station_refuse(st, p->info.id, msg, sizeof msg), 0);
	assert_true(read_frame(st, fds[1], &dec, PROTO_BYE));
	struct proto_bye bye;
	assert_int_equal(proto_bye_decode(dec.payload, dec.header.length, &bye), PROTO_OK);
	assert_string_equal(bye.reason, "refused by the console's operator");
	close(fds[1]);
	pass(st, 1);
	p = spk_connect(st, fds, "test:4", frame, len);
	assert_true(p->dead);
	assert_true(was_said("refused: the operator refused key"));
	assert_int_equal(station_lobby(st, waiting, 4), 0);
	assert_int_equal(station_speaker_count(st), 0);
	proto_decoder_free(&dec);
	station_free(st, "done");
	close(fds[1]);
	trust_free(&approved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_new_kind_plugs_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_deadline_for_any_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_kind_gets_the_wav_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_kind_to_played, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_trickle_is_no_sign_of_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_console_stall_is_not_silence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave_lines_rationed_per_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_names_are_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_sync_and_play_at, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_expired_and_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_held_until_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_prepare_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_after_next_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_link_measured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_lobby_and_approval, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the wire protocol: header, incremental decoder, message codecs, text rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/net/proto.h"

/* ---- helpers ---- */

/* A heap copy of exactly len bytes, so ASan catches any read past the end. */
static uint8_t *exact_copy(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	assert_non_null(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

/* Growable byte buffer for building streams and hand-made payloads. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void bytes_u8(struct bytes *b, uint8_t v)
{
	bytes_add(b, &v, 1);
}

static void bytes_u16(struct bytes *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	bytes_add(b, x, 2);
}

static void bytes_u32(struct bytes *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	bytes_add(b, x, 4);
}

static void bytes_u64(struct bytes *b, uint64_t v)
{
	bytes_u32(b, (uint32_t)(v >> 32));
	bytes_u32(b, (uint32_t)v);
}

static void bytes_text(struct bytes *b, const char *s, size_t n)
{
	bytes_u16(b, (uint16_t)n);
	bytes_add(b, s, n);
}

static void bytes_free(struct bytes *b)
{
	free(b->p);
	*b = (struct bytes){ 0 };
}

/* The payload of a HELLO, written by hand so any name bytes can go in. */
static struct bytes hello_payload(const char *name, size_t name_len, const char *zone,
                                  size_t zone_len)
{
	struct bytes b = { 0 };
	bytes_u8(&b, PROTO_VERSION);
	bytes_u32(&b, 0);
	bytes_text(&b, name, name_len);
	bytes_text(&b, zone, zone_len);
	return b;
}

static int decode_hello_name(const char *name, size_t name_len)
{
	struct bytes b = hello_payload(name, name_len, "zone", 4);
	uint8_t *p = exact_copy(b.p, b.len);
	struct proto_hello h;
	int rc = proto_hello_decode(p, b.len, &h);
	if (rc == PROTO_OK) {
		assert_int_equal(strlen(h.name), name_len);
		assert_memory_equal(h.name, name, name_len);
		assert_string_equal(h.zone, "zone");
	}
	free(p);
	bytes_free(&b);
	return rc;
}

static struct bytes status_payload(uint8_t state, uint64_t done, uint64_t total, const char *reason,
                                   size_t reason_len)
{
	struct bytes b = { 0 };
	bytes_u32(&b, 42);
	bytes_u8(&b, state);
	bytes_u64(&b, done);
	bytes_u64(&b, total);
	bytes_text(&b, reason, reason_len);
	bytes_u32(&b, 0); /* late_ms */
	return b;
}

static int decode_status(const struct bytes *b, struct proto_status *st)
{
	uint8_t *p = exact_copy(b->p, b->len);
	int rc = proto_status_decode(p, b->len, st);
	free(p);
	return rc;
}

/* Checks a whole encoded frame's header and returns its payload length. */
static size_t check_frame_header(const uint8_t *frame, size_t frame_len, uint8_t type)
{
	struct proto_header h;
	assert_true(frame_len >= PROTO_HEADER_SIZE);
	assert_int_equal(proto_header_decode(frame, &h), PROTO_OK);
	assert_int_equal(h.version, PROTO_VERSION);
	assert_int_equal(h.type, type);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.length, frame_len - PROTO_HEADER_SIZE);
	return h.length;
}

/* ---- header ---- */

static void test_header_encode_decode(void **state)
{
	(void)state;
	uint8_t out[PROTO_HEADER_SIZE];
	assert_int_equal(proto_header_encode(out, PROTO_STATUS, 0x01020304u), PROTO_HEADER_SIZE);
	static const uint8_t want[PROTO_HEADER_SIZE] = { 'I', 'C', 'O', 'M', PROTO_VERSION, 4, 0, 0,
		                                         1, 2, 3, 4 };
	assert_memory_equal(out, want, PROTO_HEADER_SIZE);

	struct proto_header h;
	assert_int_equal(proto_header_decode(out, &h), PROTO_OK);
	assert_int_equal(h.version, PROTO_VERSION);
	assert_int_equal(h.type, PROTO_STATUS);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.length, 0x01020304u);

	proto_header_encode(out, PROTO_PAGE, 0xffffffffu);
	assert_int_equal(proto_header_decode(out, &h), PROTO_OK);
	assert_int_equal(h.length, 0xffffffffu);
	assert_int_equal(h.type, PROTO_PAGE);

	/* Version 1 sets no flags: any flag bit (e.g. "encrypted") is refused, not read as plain. */
	out[6] = 0x00;
	out[7] = 0x01;
	assert_int_equal(proto_header_decode(out, &h), PROTO_ERR_MALFORMED);
	out[6] = 0x80;
	out[7] = 0x00;
	assert_int_equal(proto_header_decode(out, &h), PROTO_ERR_MALFORMED);
	out[6] = out[7] = 0;

	/* Every type byte decodes as given (unknown types are the caller's business). */
	for (int t = 0; t < 256; t++) {
		proto_header_encode(out, (enum proto_type)t, 7);
		assert_int_equal(proto_header_decode(out, &h), PROTO_OK);
		assert_int_equal(h.type, t);
	}

	proto_header_encode(out, PROTO_PING, 8);
	out[0] = 'X';
	assert_int_equal(proto_header_decode(out, &h), PROTO_ERR_MAGIC);
	proto_header_encode(out, PROTO_PING, 8);
	out[3] = 'm';
	assert_int_equal(proto_header_decode(out, &h), PROTO_ERR_MAGIC);
	proto_header_encode(out, PROTO_PING, 8);
	out[4] = PROTO_VERSION + 1;
	assert_int_equal(proto_header_decode(out, &h), PROTO_ERR_VERSION);
	out[4] = 0;
	assert_int_equal(proto_header_decode(out, &h), PROTO_ERR_VERSION);
}

/* ---- message round trips ---- */

static void test_hello_round_trip(void **state)
{
	(void)state;
	static const char *names[] = { "Lobby", "Réception", "東京", "🔔 Bell tower", "x",
		                       "0123456789012345678901234567890123456789012345678901234567890123" };
	static const char *zones[] = { "", "Ground floor", "Zone ü", "東京駅" };
	for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
		for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
			struct proto_hello in = { .version = PROTO_VERSION, .caps = 0xdeadbeefu };
			snprintf(in.name, sizeof in.name, "%s", names[n]);
			snprintf(in.zone, sizeof in.zone, "%s", zones[z]);
			uint8_t frame[512];
			size_t len = proto_hello_encode(&in, frame, sizeof frame);
			assert_int_equal(len, PROTO_HEADER_SIZE + 1 + 4 + 2 + strlen(in.name) + 2 + strlen(in.zone));
			size_t plen = check_frame_header(frame, len, PROTO_HELLO);
			uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
			struct proto_hello out;
			memset(&out, 0x55, sizeof out);
			assert_int_equal(proto_hello_decode(p, plen, &out), PROTO_OK);
			assert_int_equal(out.version, in.version);
			assert_int_equal(out.caps, in.caps);
			assert_string_equal(out.name, in.name);
			assert_string_equal(out.zone, in.zone);
			free(p);
		}
	}
}

static void test_welcome_round_trip(void **state)
{
	(void)state;
	static const char *names[] = { "", "Front desk", "Réception 東京 🔔" };
	for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
		struct proto_welcome in = { .version = PROTO_VERSION,
			                    .caps = PROTO_CAP_PLAY_AT,
			                    .speaker_id = 0x89abcdefu,
			                    .heartbeat_ms = HEARTBEAT_INTERVAL_MS };
		snprintf(in.console_name, sizeof in.console_name, "%s", names[n]);
		uint8_t frame[512];
		size_t len = proto_welcome_encode(&in, frame, sizeof frame);
		assert_int_equal(len, PROTO_HEADER_SIZE + 1 + 4 + 4 + 4 + 2 + strlen(in.console_name));
		size_t plen = check_frame_header(frame, len, PROTO_WELCOME);
		uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
		struct proto_welcome out;
		memset(&out, 0x55, sizeof out);
		assert_int_equal(proto_welcome_decode(p, plen, &out), PROTO_OK);
		assert_int_equal(out.version, in.version);
		assert_int_equal(out.caps, in.caps);
		assert_int_equal(out.speaker_id, in.speaker_id);
		assert_int_equal(out.heartbeat_ms, in.heartbeat_ms);
		assert_string_equal(out.console_name, in.console_name);
		free(p);
	}
}

static void test_page_round_trip(void **state)
{
	(void)state;
	static const size_t wav_lens[] = { 0, 1, 44, 4096, 100000 };
	for (size_t k = 0; k < sizeof wav_lens / sizeof wav_lens[0]; k++) {
		size_t wav_len = wav_lens[k];
		struct proto_page in = { .page_id = 0xfedcba98u,
			                 .created_ms = 1700000000123ull,
			                 .play_at_us = 0x0102030405060708ull };
		size_t total = PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE + wav_len;
		uint8_t *frame = malloc(total);
		assert_non_null(frame);
		size_t head = proto_page_encode_head(&in, wav_len, frame, total);
		assert_int_equal(head, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
		for (size_t i = 0; i < wav_len; i++)
			frame[head + i] = (uint8_t)(i * 31 + 7);
		size_t plen = check_frame_header(frame, total, PROTO_PAGE);
		assert_int_equal(plen, PROTO_PAGE_FIELDS_SIZE + wav_len);

		const uint8_t *payload = frame + PROTO_HEADER_SIZE;
		struct proto_page out;
		memset(&out, 0x55, sizeof out);
		const uint8_t *wav = NULL;
		size_t got_len = 12345;
		assert_int_equal(proto_page_decode(payload, plen, &out, &wav, &got_len), PROTO_OK);
		assert_int_equal(out.page_id, in.page_id);
		assert_true(out.created_ms == in.created_ms);
		assert_true(out.play_at_us == in.play_at_us);
		/* The WAV is not copied: it points at the same bytes, right after the fields. */
		assert_ptr_equal(wav, payload + PROTO_PAGE_FIELDS_SIZE);
		assert_ptr_equal(wav, frame + head);
		assert_int_equal(got_len, wav_len);
		free(frame);
	}
	/* The head alone fits in exactly 32 bytes, whatever the WAV length. */
	struct proto_page in = { .page_id = 1 };
	uint8_t head[PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE];
	assert_int_equal(proto_page_encode_head(&in, 57600000, head, sizeof head), sizeof head);
	assert_int_equal(check_frame_header(head, sizeof head + 57600000, PROTO_PAGE),
	                 PROTO_PAGE_FIELDS_SIZE + 57600000);
	/* The largest WAV that fits the payload limit, and one byte more. */
	assert_int_equal(proto_page_encode_head(&in, PROTO_MAX_PAYLOAD - PROTO_PAGE_FIELDS_SIZE, head,
	                                        sizeof head),
	                 sizeof head);
	assert_int_equal(proto_page_encode_head(&in, PROTO_MAX_PAYLOAD - PROTO_PAGE_FIELDS_SIZE + 1,
	                                        head, sizeof head),
	                 0);
	assert_int_equal(proto_page_encode_head(&in, (size_t)-1, head, sizeof head), 0);
}

static void test_status_round_trip(void **state)
{
	(void)state;
	char longest[128];
	memset(longest, 'L', 127);
	longest[127] = '\0';
	const char *reasons[] = { "", "no audio device", "Périphérique occupé", longest };
	for (int s = PAGE_RECEIVING; s <= PAGE_EXPIRED; s++) {
		for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++) {
			struct proto_status in = { .page_id = 77,
				                   .state = (uint8_t)s,
				                   .done = 0x100000000ull + (uint64_t)s,
				                   .total = 0xffffffffffffffffull };
			snprintf(in.reason, sizeof in.reason, "%s", reasons[r]);
			uint8_t frame[512];
			size_t len = proto_status_encode(&in, frame, sizeof frame);
			assert_int_equal(len, PROTO_HEADER_SIZE + 4 + 1 + 8 + 8 + 2 + strlen(in.reason) + 4);
			size_t plen = check_frame_header(frame, len, PROTO_STATUS);
			uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
			struct proto_status out;
			memset(&out, 0x55, sizeof out);
			assert_int_equal(proto_status_decode(p, plen, &out), PROTO_OK);
			assert_int_equal(out.page_id, in.page_id);
			assert_int_equal(out.state, in.state);
			assert_true(out.done == in.done);
			assert_true(out.total == in.total);
			assert_string_equal(out.reason, in.reason);
			free(p);
		}
	}
	/* done == total is fine (complete), and 0 of 0. */
	struct proto_status in = { .page_id = 1, .state = PAGE_PLAYED, .done = 5, .total = 5 };
	uint8_t frame[128];
	size_t len = proto_status_encode(&in, frame, sizeof frame);
	struct proto_status out;
	assert_int_equal(proto_status_decode(frame + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE, &out),
	                 PROTO_OK);
	in.done = in.total = 0;
	len = proto_status_encode(&in, frame, sizeof frame);
	assert_int_equal(proto_status_decode(frame + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE, &out),
	                 PROTO_OK);
}

static void test_ping_pong_round_trip(void **state)
{
	(void)state;
	static const uint64_t values[] = { 0, 1, 0x0123456789abcdefull, 0xffffffffffffffffull };
	for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
		struct proto_ping in = { .sent_us = values[v] };
		uint8_t frame[64];
		size_t len = proto_ping_encode(&in, frame, sizeof frame);
		assert_int_equal(len, PROTO_HEADER_SIZE + 8);
		size_t plen = check_frame_header(frame, len, PROTO_PING);
		uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
		struct proto_ping out = { 0x5555 };
		assert_int_equal(proto_ping_decode(p, plen, &out), PROTO_OK);
		assert_true(out.sent_us == in.sent_us);
		free(p);

		struct proto_pong pin = { .ping_sent_us = values[v], .received_us = values[v] / 2,
		                          .sent_us = values[v] / 2 + 1 };
		len = proto_pong_encode(&pin, frame, sizeof frame);
		assert_int_equal(len, PROTO_HEADER_SIZE + 24);
		plen = check_frame_header(frame, len, PROTO_PONG);
		p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
		struct proto_pong pout = { 0 };
		assert_int_equal(proto_pong_decode(p, plen, &pout), PROTO_OK);
		assert_true(pout.ping_sent_us == pin.ping_sent_us && pout.received_us == pin.received_us &&
		            pout.sent_us == pin.sent_us);
		/* An answer that left before its question came is refused. */
		assert_int_equal(proto_pong_decode(p, plen - 1, &pout), PROTO_ERR_MALFORMED);
		free(p);
	}
	struct proto_pong backwards = { .ping_sent_us = 1, .received_us = 10, .sent_us = 9 };
	uint8_t frame[64];
	size_t len = proto_pong_encode(&backwards, frame, sizeof frame);
	struct proto_pong out;
	assert_int_equal(proto_pong_decode(frame + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE, &out),
	                 PROTO_ERR_MALFORMED);
}

static void test_sync_round_trip(void **state)
{
	(void)state;
	struct proto_sync in = { .state = SYNC_LOCKED, .uncertainty_us = 300, .drift_ppb = -50000,
	                         .offset_us = -1234567890123ll };
	uint8_t frame[64];
	size_t len = proto_sync_encode(&in, frame, sizeof frame);
	assert_int_equal(len, PROTO_HEADER_SIZE + 17);
	size_t plen = check_frame_header(frame, len, PROTO_SYNC);
	uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
	struct proto_sync out = { 0 };
	assert_int_equal(proto_sync_decode(p, plen, &out), PROTO_OK);
	assert_int_equal(out.state, in.state);
	assert_int_equal(out.uncertainty_us, in.uncertainty_us);
	assert_int_equal(out.drift_ppb, in.drift_ppb);
	assert_true(out.offset_us == in.offset_us);
	free(p);
	in.state = SYNC_LOCKED + 1;
	len = proto_sync_encode(&in, frame, sizeof frame);
	assert_int_equal(proto_sync_decode(frame + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE, &out),
	                 PROTO_ERR_MALFORMED);
}

static void test_bye_round_trip(void **state)
{
	(void)state;
	static const char *reasons[] = { "", "console shutting down", "Au revoir, Réception 東京 🔔" };
	for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++) {
		struct proto_bye in;
		snprintf(in.reason, sizeof in.reason, "%s", reasons[r]);
		uint8_t frame[256];
		size_t len = proto_bye_encode(&in, frame, sizeof frame);
		assert_int_equal(len, PROTO_HEADER_SIZE + 2 + strlen(in.reason));
		size_t plen = check_frame_header(frame, len, PROTO_BYE);
		uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
		struct proto_bye out;
		memset(&out, 0x55, sizeof out);
		assert_int_equal(proto_bye_decode(p, plen, &out), PROTO_OK);
		assert_string_equal(out.reason, in.reason);
		free(p);
	}
	/* Empty reason: the smallest payload there is, 2 bytes. */
	struct proto_bye empty = { "" };
	uint8_t frame[64];
	assert_int_equal(proto_bye_encode(&empty, frame, sizeof frame), PROTO_HEADER_SIZE + 2);
	assert_int_equal(frame[12], 0);
	assert_int_equal(frame[13], 0);
}

/* COMMIT: both verdicts and a later play-at round-trip; no other verdict, nothing cut short. */
static void test_commit_round_trip(void **state)
{
	(void)state;
	struct proto_commit in[] = {
		{ .page_id = 3, .verdict = COMMIT_PLAY },
		{ .page_id = 4, .verdict = COMMIT_PLAY, .play_at_us = 0x0123456789abcdefull },
		{ .page_id = 0xffffffffu, .verdict = COMMIT_CANCEL, .reason = "the console cannot archive it: disk full" },
	};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		uint8_t frame[256];
		size_t len = proto_commit_encode(&in[i], frame, sizeof frame);
		assert_int_equal(len, PROTO_HEADER_SIZE + 4 + 1 + 8 + 2 + strlen(in[i].reason));
		size_t plen = check_frame_header(frame, len, PROTO_COMMIT);
		uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
		struct proto_commit out;
		memset(&out, 0x55, sizeof out);
		assert_int_equal(proto_commit_decode(p, plen, &out), PROTO_OK);
		assert_int_equal(out.page_id, in[i].page_id);
		assert_int_equal(out.verdict, in[i].verdict);
		assert_int_equal(out.play_at_us, in[i].play_at_us);
		assert_string_equal(out.reason, in[i].reason);
		for (size_t cut = 0; cut < plen; cut++)
			assert_int_equal(proto_commit_decode(p, cut, &out), PROTO_ERR_MALFORMED);
		p[4] = 3; /* neither verdict */
		assert_int_equal(proto_commit_decode(p, plen, &out), PROTO_ERR_MALFORMED);
		free(p);
	}
}

/* PREPARE and READY round-trip; a PREPARE of a format no page can have is malformed. */
static void test_prepare_ready_round_trip(void **state)
{
	(void)state;
	uint8_t frame[64];
	struct proto_prepare in = { .rate = 48000, .channels = 2, .until_us = 0x0102030405060708ull }, out;
	size_t len = proto_prepare_encode(&in, frame, sizeof frame);
	assert_int_equal(len, PROTO_HEADER_SIZE + 13);
	size_t plen = check_frame_header(frame, len, PROTO_PREPARE);
	uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
	assert_int_equal(proto_prepare_decode(p, plen, &out), PROTO_OK);
	assert_int_equal(out.rate, 48000);
	assert_int_equal(out.channels, 2);
	assert_int_equal(out.until_us, in.until_us);
	assert_int_equal(proto_prepare_decode(p, plen - 1, &out), PROTO_ERR_MALFORMED);
	free(p);
	struct proto_prepare bad[] = { { .rate = RATE_MIN - 1, .channels = 1 }, { .rate = RATE_MAX + 1, .channels = 1 },
	                               { .rate = 48000, .channels = 0 }, { .rate = 48000, .channels = CHANNELS_MAX + 1 } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		len = proto_prepare_encode(&bad[i], frame, sizeof frame);
		assert_int_equal(proto_prepare_decode(frame + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE, &out),
		                 PROTO_ERR_MALFORMED);
	}
	struct proto_ready rin = { .lead_us = 95000, .until_us = 77 }, rout;
	len = proto_ready_encode(&rin, frame, sizeof frame);
	assert_int_equal(len, PROTO_HEADER_SIZE + 12);
	plen = check_frame_header(frame, len, PROTO_READY);
	p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
	assert_int_equal(proto_ready_decode(p, plen, &rout), PROTO_OK);
	assert_int_equal(rout.lead_us, 95000);
	assert_int_equal(rout.until_us, 77);
	assert_int_equal(proto_ready_decode(p, plen - 1, &rout), PROTO_ERR_MALFORMED);
	free(p);
}

/* PRIORITY round-trips; a priority beyond emergency, page 0, or a payload not exactly 5 bytes is malformed. */
static void test_priority_round_trip(void **state)
{
	(void)state;
	uint8_t frame[64];
	for (uint8_t prio = 0; prio <= 2; prio++) {
		struct proto_priority in = { .page_id = 0x01020304u, .priority = prio }, out;
		size_t len = proto_priority_encode(&in, frame, sizeof frame);
		assert_int_equal(len, PROTO_HEADER_SIZE + 5);
		size_t plen = check_frame_header(frame, len, PROTO_PRIORITY);
		uint8_t *p = exact_copy(frame + PROTO_HEADER_SIZE, plen);
		assert_int_equal(proto_priority_decode(p, plen, &out), PROTO_OK);
		assert_int_equal(out.page_id, 0x01020304u);
		assert_int_equal(out.priority, prio);
		for (size_t cut = 0; cut < plen; cut++)
			assert_int_equal(proto_priority_decode(p, cut, &out), PROTO_ERR_MALFORMED);
		free(p);
	}
	struct proto_priority out;
	uint8_t three[] = { 0, 0, 0, 7, 3 }, zero[] = { 0, 0, 0, 0, 1 }, longer[] = { 0, 0, 0, 7, 1, 0 };
	assert_int_equal(proto_priority_decode(three, sizeof three, &out), PROTO_ERR_MALFORMED);
	assert_int_equal(proto_priority_decode(zero, sizeof zero, &out), PROTO_ERR_MALFORMED);
	assert_int_equal(proto_priority_decode(longer, sizeof longer, &out), PROTO_ERR_MALFORMED);
	assert_string_equal(proto_type_name(PROTO_PRIORITY), "PRIORITY");
}

/* ---- the incremental decoder over a stream of frames ---- */

struct frame_rec {
	uint8_t type;
	size_t len;
	uint8_t *data;
};

struct frame_list {
	struct frame_rec items[64];
	size_t count;
};

static void frames_add(struct frame_list *l, uint8_t type, const uint8_t *data, size_t len)
{
	assert_true(l->count < sizeof l->items / sizeof l->items[0]);
	struct frame_rec *f = &l->items[l->count++];
	f->type = type;
	f->len = len;
	f->data = exact_copy(data, len);
}

static void frames_clear(struct frame_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i].data);
	l->count = 0;
}

static void frames_check(const struct frame_list *got, const struct frame_list *want,
                         const char *how)
{
	if (got->count != want->count)
		fail_msg("%s: %zu frames decoded, %zu sent", how, got->count, want->count);
	for (size_t i = 0; i < want->count; i++) {
		const struct frame_rec *g = &got->items[i], *w = &want->items[i];
		if (g->type != w->type || g->len != w->len ||
		    (w->len && memcmp(g->data, w->data, w->len) != 0))
			fail_msg("%s: frame %zu differs (type %u len %zu, want type %u len %zu)", how, i,
			         g->type, g->len, w->type, w->len);
	}
}

/* Appends a whole encoded frame to the stream and its (type, payload) to the expectation. */
static void stream_add(struct bytes *stream, struct frame_list *want, const uint8_t *frame,
                       size_t len)
{
	struct proto_header h;
	assert_int_equal(proto_header_decode(frame, &h), PROTO_OK);
	assert_int_equal(h.length, len - PROTO_HEADER_SIZE);
	frames_add(want, h.type, frame + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE);
	bytes_add(stream, frame, len);
}

/* A stream of every message, a PAGE with wav_len bytes, an empty BYE and unknown types. */
static void build_stream(struct bytes *stream, struct frame_list *want, size_t wav_len)
{
	uint8_t frame[1024];
	size_t n;

	struct proto_hello hello = { .version = PROTO_VERSION, .caps = PROTO_CAP_PLAY_AT,
		                     .name = "Réception", .zone = "東京 🔔" };
	n = proto_hello_encode(&hello, frame, sizeof frame);
	assert_true(n > 0);
	stream_add(stream, want, frame, n);

	struct proto_welcome welcome = { .version = PROTO_VERSION, .caps = 0, .speaker_id = 3,
		                         .heartbeat_ms = 1000, .console_name = "Front desk" };
	n = proto_welcome_encode(&welcome, frame, sizeof frame);
	assert_true(n > 0);
	stream_add(stream, want, frame, n);

	struct proto_page page = { .page_id = 9, .created_ms = 1700000000000ull, .play_at_us = 0 };
	uint8_t *pf = malloc(PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE + wav_len);
	assert_non_null(pf);
	n = proto_page_encode_head(&page, wav_len, pf, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
	assert_int_equal(n, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
	for (size_t i = 0; i < wav_len; i++)
		pf[n + i] = (uint8_t)(i ^ (i >> 8) ^ 0x5a);
	stream_add(stream, want, pf, n + wav_len);
	free(pf);

	struct proto_bye bye = { "" }; /* 2-byte payload */
	n = proto_bye_encode(&bye, frame, sizeof frame);
	assert_int_equal(n, PROTO_HEADER_SIZE + 2);
	stream_add(stream, want, frame, n);

	/* Unknown type 99 with a payload: delivered intact so the caller can skip it. */
	uint8_t unknown[PROTO_HEADER_SIZE + 37];
	proto_header_encode(unknown, (enum proto_type)99, 37);
	for (size_t i = 0; i < 37; i++)
		unknown[PROTO_HEADER_SIZE + i] = (uint8_t)(0xf0 - i);
	stream_add(stream, want, unknown, sizeof unknown);

	/* Unknown type with an empty payload: a header-only frame. */
	proto_header_encode(frame, (enum proto_type)200, 0);
	stream_add(stream, want, frame, PROTO_HEADER_SIZE);

	struct proto_status status = { .page_id = 9, .state = PAGE_PLAYING, .done = 10, .total = 20,
		                       .reason = "" };
	n = proto_status_encode(&status, frame, sizeof frame);
	assert_true(n > 0);
	stream_add(stream, want, frame, n);

	struct proto_ping ping = { 123456789 };
	n = proto_ping_encode(&ping, frame, sizeof frame);
	assert_true(n > 0);
	stream_add(stream, want, frame, n);
	struct proto_pong pong = { 123456789, 5, 6 };
	n = proto_pong_encode(&pong, frame, sizeof frame);
	assert_true(n > 0);
	stream_add(stream, want, frame, n);

	/* A PAGE with no WAV bytes at all, then a BYE with a reason last. */
	n = proto_page_encode_head(&page, 0, frame, sizeof frame);
	assert_int_equal(n, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
	stream_add(stream, want, frame, n);

	struct proto_bye bye2 = { "done" };
	n = proto_bye_encode(&bye2, frame, sizeof frame);
	assert_true(n > 0);
	stream_add(stream, want, frame, n);
}

/*
 * Feeds one chunk to the decoder; every frame completed is appended to got. A
 * chunk of 0 bytes is fed once too (must return 0). Fails on any error.
 */
static void feed_chunk(struct proto_decoder *dec, const uint8_t *data, size_t len,
                       struct frame_list *got)
{
	if (len == 0) {
		long rc = proto_decoder_feed(dec, data, 0);
		if (rc != 0)
			fail_msg("feeding 0 bytes returned %ld", rc);
		return;
	}
	size_t off = 0;
	while (off < len) {
		long rc = proto_decoder_feed(dec, data + off, len - off);
		if (rc <= 0)
			fail_msg("feed returned %ld (%s) at chunk offset %zu of %zu", rc, proto_error_str((int)rc),
			         off, len);
		assert_true((size_t)rc <= len - off);
		off += (size_t)rc;
		if (dec->frame_ready) {
			assert_true(dec->header.length == 0 || dec->payload != NULL);
			frames_add(got, dec->header.type, dec->payload, dec->header.length);
		} else {
			/* Without a complete frame the decoder only stops at the end of the data. */
			assert_int_equal(off, len);
		}
	}
}

static void decode_splits(const struct bytes *stream, const size_t *cuts, size_t ncuts,
                          struct frame_list *got)
{
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	size_t from = 0;
	for (size_t c = 0; c <= ncuts; c++) {
		size_t to = c < ncuts ? cuts[c] : stream->len;
		feed_chunk(&dec, stream->p + from, to - from, got);
		from = to;
	}
	assert_int_equal(dec.error, PROTO_OK);
	/* Nothing half-received is left over. */
	assert_true(dec.frame_ready || dec.header_have == 0);
	proto_decoder_free(&dec);
	assert_null(dec.payload);
}

static void test_decoder_whole_stream(void **state)
{
	(void)state;
	struct bytes stream = { 0 };
	struct frame_list want = { .count = 0 }, got = { .count = 0 };
	build_stream(&stream, &want, 3000);
	assert_int_equal(want.count, 11);
	decode_splits(&stream, NULL, 0, &got);
	frames_check(&got, &want, "in one piece");

	/* The frames decode as messages again. */
	struct proto_hello hello;
	assert_int_equal(got.items[0].type, PROTO_HELLO);
	assert_int_equal(proto_hello_decode(got.items[0].data, got.items[0].len, &hello), PROTO_OK);
	assert_string_equal(hello.name, "Réception");
	assert_string_equal(hello.zone, "東京 🔔");
	struct proto_page page;
	const uint8_t *wav;
	size_t wav_len;
	assert_int_equal(got.items[2].type, PROTO_PAGE);
	assert_int_equal(proto_page_decode(got.items[2].data, got.items[2].len, &page, &wav, &wav_len),
	                 PROTO_OK);
	assert_int_equal(wav_len, 3000);
	assert_int_equal(page.page_id, 9);
	struct proto_bye bye;
	assert_int_equal(got.items[3].type, PROTO_BYE);
	assert_int_equal(got.items[3].len, 2);
	assert_int_equal(proto_bye_decode(got.items[3].data, got.items[3].len, &bye), PROTO_OK);
	assert_string_equal(bye.reason, "");
	assert_int_equal(got.items[4].type, 99);
	assert_int_equal(got.items[4].len, 37);
	assert_int_equal(got.items[5].type, 200);
	assert_int_equal(got.items[5].len, 0);

	frames_clear(&got);
	frames_clear(&want);
	bytes_free(&stream);
}

static void test_decoder_every_split(void **state)
{
	(void)state;
	struct bytes stream = { 0 };
	struct frame_list want = { .count = 0 }, got = { .count = 0 };
	build_stream(&stream, &want, 4096);
	char how[64];
	for (size_t i = 0; i <= stream.len; i++) {
		decode_splits(&stream, &i, 1, &got);
		snprintf(how, sizeof how, "split at %zu", i);
		frames_check(&got, &want, how);
		frames_clear(&got);
	}
	frames_clear(&want);
	bytes_free(&stream);
}

static void test_decoder_every_two_splits(void **state)
{
	(void)state;
	struct bytes stream = { 0 };
	struct frame_list want = { .count = 0 }, got = { .count = 0 };
	build_stream(&stream, &want, 40);
	char how[64];
	for (size_t i = 0; i <= stream.len; i++) {
		for (size_t j = i; j <= stream.len; j++) {
			size_t cuts[2] = { i, j };
			decode_splits(&stream, cuts, 2, &got);
			snprintf(how, sizeof how, "splits at %zu, %zu", i, j);
			frames_check(&got, &want, how);
			frames_clear(&got);
		}
	}
	frames_clear(&want);
	bytes_free(&stream);
}

static void test_decoder_byte_at_a_time(void **state)
{
	(void)state;
	struct bytes stream = { 0 };
	struct frame_list want = { .count = 0 }, got = { .count = 0 };
	build_stream(&stream, &want, 4096);
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	for (size_t i = 0; i < stream.len; i++) {
		long rc = proto_decoder_feed(&dec, stream.p + i, 1);
		if (rc != 1)
			fail_msg("byte %zu: feed returned %ld", i, rc);
		if (dec.frame_ready)
			frames_add(&got, dec.header.type, dec.payload, dec.header.length);
	}
	frames_check(&got, &want, "byte at a time");
	proto_decoder_free(&dec);
	frames_clear(&got);
	frames_clear(&want);
	bytes_free(&stream);
}

/* ---- malformed headers ---- */

static void test_decoder_bad_magic(void **state)
{
	(void)state;
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	const uint8_t ix[] = "IX";
	assert_int_equal(proto_decoder_feed(&dec, ix, 2), PROTO_ERR_MAGIC);
	proto_decoder_free(&dec);

	/* One byte at a time: "I" is fine, the "X" after it is not. */
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	assert_int_equal(proto_decoder_feed(&dec, ix, 1), 1);
	assert_int_equal(proto_decoder_feed(&dec, ix + 1, 1), PROTO_ERR_MAGIC);
	proto_decoder_free(&dec);

	/* First byte wrong; last magic byte wrong; lower case. */
	static const char *bad[] = { "X", "GET / HTTP/1.1\r\n", "ICOX", "icom", "ICO\0" };
	static const size_t bad_len[] = { 1, 16, 4, 4, 4 };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
		assert_int_equal(proto_decoder_feed(&dec, (const uint8_t *)bad[k], bad_len[k]),
		                 PROTO_ERR_MAGIC);
		assert_null(dec.payload);
		proto_decoder_free(&dec);
	}

	/* After a good frame, garbage is caught at its first byte. */
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	uint8_t frame[64];
	struct proto_ping ping = { 1 };
	size_t n = proto_ping_encode(&ping, frame, sizeof frame);
	assert_int_equal(proto_decoder_feed(&dec, frame, n), (long)n);
	assert_true(dec.frame_ready);
	const uint8_t junk[] = { 0x00 };
	assert_int_equal(proto_decoder_feed(&dec, junk, 1), PROTO_ERR_MAGIC);
	proto_decoder_free(&dec);
}

static void test_decoder_bad_version(void **state)
{
	(void)state;
	static const uint8_t versions[] = { 0, PROTO_VERSION + 1, 0xff };
	for (size_t v = 0; v < sizeof versions; v++) {
		uint8_t frame[PROTO_HEADER_SIZE + 8];
		struct proto_ping ping = { 1 };
		assert_int_equal(proto_ping_encode(&ping, frame, sizeof frame), sizeof frame);
		frame[4] = versions[v];
		/* Whole frame at once. */
		struct proto_decoder dec;
		proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
		assert_int_equal(proto_decoder_feed(&dec, frame, sizeof frame), PROTO_ERR_VERSION);
		assert_null(dec.payload);
		proto_decoder_free(&dec);
		/* Byte by byte: known once the header is complete. */
		proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
		for (size_t i = 0; i < PROTO_HEADER_SIZE - 1; i++)
			assert_int_equal(proto_decoder_feed(&dec, frame + i, 1), 1);
		assert_int_equal(proto_decoder_feed(&dec, frame + PROTO_HEADER_SIZE - 1, 1),
		                 PROTO_ERR_VERSION);
		proto_decoder_free(&dec);
	}
}

static void test_decoder_control_too_large(void **state)
{
	(void)state;
	static const uint8_t controls[] = { PROTO_HELLO, PROTO_WELCOME, PROTO_STATUS,
		                            PROTO_PING,  PROTO_PONG,    PROTO_BYE };
	for (size_t k = 0; k < sizeof controls; k++) {
		uint8_t header[PROTO_HEADER_SIZE + 4];
		memset(header, 0xab, sizeof header);
		/* One over the limit: rejected from the header alone, nothing allocated. */
		proto_header_encode(header, (enum proto_type)controls[k], PROTO_MAX_CONTROL_PAYLOAD + 1);
		struct proto_decoder dec;
		proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
		assert_int_equal(proto_decoder_feed(&dec, header, PROTO_HEADER_SIZE), PROTO_ERR_TOO_LARGE);
		assert_null(dec.payload);
		assert_false(dec.frame_ready);
		proto_decoder_free(&dec);
		/* Same with payload bytes in the same call. */
		proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
		assert_int_equal(proto_decoder_feed(&dec, header, sizeof header), PROTO_ERR_TOO_LARGE);
		assert_null(dec.payload);
		proto_decoder_free(&dec);
		/* A hostile 4 GB length. */
		proto_header_encode(header, (enum proto_type)controls[k], 0xffffffffu);
		proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
		assert_int_equal(proto_decoder_feed(&dec, header, PROTO_HEADER_SIZE), PROTO_ERR_TOO_LARGE);
		assert_null(dec.payload);
		proto_decoder_free(&dec);
		/* Exactly the limit is accepted and waits for the payload. */
		proto_header_encode(header, (enum proto_type)controls[k], PROTO_MAX_CONTROL_PAYLOAD);
		proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
		assert_int_equal(proto_decoder_feed(&dec, header, PROTO_HEADER_SIZE), PROTO_HEADER_SIZE);
		assert_false(dec.frame_ready);
		assert_int_equal(dec.error, PROTO_OK);
		proto_decoder_free(&dec);
		/* A decoder with a smaller limit applies that to control frames too. */
		proto_header_encode(header, (enum proto_type)controls[k], 101);
		proto_decoder_init(&dec, 100);
		assert_int_equal(proto_decoder_feed(&dec, header, PROTO_HEADER_SIZE), PROTO_ERR_TOO_LARGE);
		assert_null(dec.payload);
		proto_decoder_free(&dec);
	}
}

static void test_decoder_page_too_large(void **state)
{
	(void)state;
	uint8_t header[PROTO_HEADER_SIZE];
	struct proto_decoder dec;
	/* Over the decoder's own limit. */
	proto_header_encode(header, PROTO_PAGE, 4097);
	proto_decoder_init(&dec, 4096);
	assert_int_equal(proto_decoder_feed(&dec, header, sizeof header), PROTO_ERR_TOO_LARGE);
	assert_null(dec.payload);
	proto_decoder_free(&dec);
	/* At it: accepted, and PAGE may exceed the control limit. */
	proto_header_encode(header, PROTO_PAGE, 4096);
	proto_decoder_init(&dec, 4096);
	assert_int_equal(proto_decoder_feed(&dec, header, sizeof header), PROTO_HEADER_SIZE);
	assert_int_equal(dec.error, PROTO_OK);
	proto_decoder_free(&dec);
	/* Unknown types share the PAGE limit. */
	proto_header_encode(header, (enum proto_type)99, 4097);
	proto_decoder_init(&dec, 4096);
	assert_int_equal(proto_decoder_feed(&dec, header, sizeof header), PROTO_ERR_TOO_LARGE);
	assert_null(dec.payload);
	proto_decoder_free(&dec);
	/* A limit over PROTO_MAX_PAYLOAD is clamped to it. */
	proto_header_encode(header, PROTO_PAGE, PROTO_MAX_PAYLOAD + 1);
	proto_decoder_init(&dec, (size_t)-1);
	assert_int_equal(proto_decoder_feed(&dec, header, sizeof header), PROTO_ERR_TOO_LARGE);
	assert_null(dec.payload);
	proto_decoder_free(&dec);
	proto_header_encode(header, PROTO_PAGE, 0xffffffffu);
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	assert_int_equal(proto_decoder_feed(&dec, header, sizeof header), PROTO_ERR_TOO_LARGE);
	assert_null(dec.payload);
	proto_decoder_free(&dec);
}

static void test_decoder_error_sticky(void **state)
{
	(void)state;
	uint8_t good[64];
	struct proto_ping ping = { 5 };
	size_t n = proto_ping_encode(&ping, good, sizeof good);
	uint8_t bad[PROTO_HEADER_SIZE];

	/* One decoder per kind of error; afterwards even a valid frame is refused. */
	for (int kind = 0; kind < 3; kind++) {
		struct proto_decoder dec;
		proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
		int want;
		proto_header_encode(bad, PROTO_PING, 8);
		if (kind == 0) {
			bad[1] = 'X';
			want = PROTO_ERR_MAGIC;
		} else if (kind == 1) {
			bad[4] = 9;
			want = PROTO_ERR_VERSION;
		} else {
			proto_header_encode(bad, PROTO_BYE, 5000);
			want = PROTO_ERR_TOO_LARGE;
		}
		assert_int_equal(proto_decoder_feed(&dec, bad, sizeof bad), want);
		for (int again = 0; again < 3; again++) {
			assert_int_equal(proto_decoder_feed(&dec, good, n), want);
			assert_false(dec.frame_ready);
			assert_int_equal(dec.error, want);
		}
		uint8_t type;
		size_t have, total;
		assert_false(proto_decoder_progress(&dec, &type, &have, &total));
		proto_decoder_free(&dec);
	}
}

static void test_decoder_progress(void **state)
{
	(void)state;
	size_t wav_len = 4000;
	size_t total_len = PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE + wav_len;
	uint8_t *frame = calloc(1, total_len);
	assert_non_null(frame);
	struct proto_page page = { .page_id = 3 };
	assert_int_equal(proto_page_encode_head(&page, wav_len, frame, total_len),
	                 PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);

	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	uint8_t type = 0;
	size_t have = 99, total = 99;
	assert_false(proto_decoder_progress(&dec, &type, &have, &total));
	/* Mid-header: nothing to report yet. */
	assert_int_equal(proto_decoder_feed(&dec, frame, 7), 7);
	assert_false(proto_decoder_progress(&dec, &type, &have, &total));
	assert_int_equal(proto_decoder_feed(&dec, frame + 7, 5), 5);
	assert_true(proto_decoder_progress(&dec, &type, &have, &total));
	assert_int_equal(type, PROTO_PAGE);
	assert_int_equal(have, 0);
	assert_int_equal(total, PROTO_PAGE_FIELDS_SIZE + wav_len);
	assert_int_equal(proto_decoder_feed(&dec, frame + 12, 1000), 1000);
	assert_true(proto_decoder_progress(&dec, &type, &have, &total));
	assert_int_equal(have, 1000);
	assert_int_equal(total, PROTO_PAGE_FIELDS_SIZE + wav_len);
	assert_int_equal(proto_decoder_feed(&dec, frame + 1012, 2000), 2000);
	assert_true(proto_decoder_progress(&dec, &type, &have, &total));
	assert_int_equal(have, 3000);
	/* Last byte: the frame is complete, no longer "receiving". */
	size_t rest = total_len - 3012;
	assert_int_equal(proto_decoder_feed(&dec, frame + 3012, rest), (long)rest);
	assert_true(dec.frame_ready);
	assert_false(proto_decoder_progress(&dec, &type, &have, &total));
	assert_memory_equal(dec.payload, frame + PROTO_HEADER_SIZE, total_len - PROTO_HEADER_SIZE);
	proto_decoder_free(&dec);
	free(frame);
}

/* The id of a page still arriving: known once its first 4 payload bytes are in, not before. */
/*
 * Memory follows the bytes that arrived, not the length a peer claims: a PAGE
 * header saying 64 MiB and 10 bytes of it allocate little, and the buffer grows
 * geometrically as the payload comes, so a trickle costs what it sent.
 */
static void test_decoder_grows_with_the_bytes(void **state)
{
	(void)state;
	uint8_t header[PROTO_HEADER_SIZE];
	proto_header_encode(header, PROTO_PAGE, PROTO_MAX_PAYLOAD);
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	assert_int_equal(proto_decoder_feed(&dec, header, sizeof header), PROTO_HEADER_SIZE);
	assert_null(dec.payload); /* a header alone: nothing allocated */
	uint8_t *chunk = malloc(64 * 1024);
	assert_non_null(chunk);
	for (size_t i = 0; i < 64 * 1024; i++)
		chunk[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(proto_decoder_feed(&dec, chunk, 10), 10);
	assert_non_null(dec.payload);
	assert_int_equal(dec.payload_cap, PROTO_DECODER_FIRST_ALLOC);
	assert_true(malloc_usable_size(dec.payload) <= 2 * PROTO_DECODER_FIRST_ALLOC);
	/* 1 MiB more, in uneven pieces: at most twice what arrived is held. */
	size_t have = 10;
	for (size_t piece = 1; have < (1u << 20); piece = piece * 3 % 65521 + 1) {
		size_t n = piece < (1u << 20) - have ? piece : (1u << 20) - have;
		assert_int_equal(proto_decoder_feed(&dec, chunk, n), (long)n);
		have += n;
		size_t held = malloc_usable_size(dec.payload);
		assert_true(held >= have);
		assert_true(held <= 2 * (have > PROTO_DECODER_FIRST_ALLOC ? have : PROTO_DECODER_FIRST_ALLOC) + 4096);
	}
	assert_int_equal(dec.payload_have, have);
	assert_false(dec.frame_ready);
	proto_decoder_free(&dec);

	/* A frame fed whole in small pieces arrives intact, in a buffer no larger than it. */
	size_t len = 300000;
	uint8_t *frame = malloc(PROTO_HEADER_SIZE + len);
	assert_non_null(frame);
	proto_header_encode(frame, PROTO_PAGE, (uint32_t)len);
	for (size_t i = 0; i < len; i++)
		frame[PROTO_HEADER_SIZE + i] = (uint8_t)(i ^ (i >> 9));
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	for (size_t at = 0; at < PROTO_HEADER_SIZE + len;) {
		size_t n = PROTO_HEADER_SIZE + len - at < 1000 ? PROTO_HEADER_SIZE + len - at : 1000;
		assert_int_equal(proto_decoder_feed(&dec, frame + at, n), (long)n);
		at += n;
	}
	assert_true(dec.frame_ready);
	assert_memory_equal(dec.payload, frame + PROTO_HEADER_SIZE, len);
	assert_int_equal(dec.payload_cap, len);
	assert_true(malloc_usable_size(dec.payload) < len + 4096);
	/* The next frame starts from nothing again. */
	assert_int_equal(proto_decoder_feed(&dec, header, sizeof header), PROTO_HEADER_SIZE);
	assert_null(dec.payload);
	proto_decoder_free(&dec);
	free(frame);
	free(chunk);
}

static void test_page_peek_id(void **state)
{
	(void)state;
	uint8_t head[PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE];
	struct proto_page page = { .page_id = 0x01020304u, .created_ms = 5 };
	assert_int_equal(proto_page_encode_head(&page, 100, head, sizeof head), sizeof head);
	const uint8_t *payload = head + PROTO_HEADER_SIZE;
	for (size_t have = 0; have < 4; have++) {
		uint32_t id = 77;
		assert_int_equal(proto_page_peek_id(payload, have, &id), PROTO_ERR_MALFORMED);
		assert_int_equal(id, 77);
	}
	for (size_t have = 4; have <= PROTO_PAGE_FIELDS_SIZE; have++) {
		uint32_t id = 0;
		assert_int_equal(proto_page_peek_id(payload, have, &id), PROTO_OK);
		assert_int_equal(id, 0x01020304u);
	}

	/* As the speaker uses it: on a decoder part-way through a PAGE. */
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	uint8_t type;
	size_t have, total;
	uint32_t id = 0;
	assert_int_equal(proto_decoder_feed(&dec, head, PROTO_HEADER_SIZE + 3), PROTO_HEADER_SIZE + 3);
	assert_true(proto_decoder_progress(&dec, &type, &have, &total));
	assert_int_equal(proto_page_peek_id(dec.payload, have, &id), PROTO_ERR_MALFORMED);
	assert_int_equal(proto_decoder_feed(&dec, head + PROTO_HEADER_SIZE + 3, 1), 1);
	assert_true(proto_decoder_progress(&dec, &type, &have, &total));
	assert_int_equal(proto_page_peek_id(dec.payload, have, &id), PROTO_OK);
	assert_int_equal(id, 0x01020304u);
	proto_decoder_free(&dec);
}

/* The decoder stops at the end of a frame and hands back the rest. */
static void test_decoder_stops_at_frame_end(void **state)
{
	(void)state;
	uint8_t two[2 * (PROTO_HEADER_SIZE + 8)];
	struct proto_ping a = { 111 }, b = { 222 };
	size_t n = proto_ping_encode(&a, two, sizeof two);
	size_t m = proto_ping_encode(&b, two + n, sizeof two - n);
	assert_int_equal(n + m, sizeof two);
	struct proto_decoder dec;
	proto_decoder_init(&dec, PROTO_MAX_PAYLOAD);
	assert_int_equal(proto_decoder_feed(&dec, two, sizeof two), (long)n);
	assert_true(dec.frame_ready);
	assert_int_equal(dec.header.type, PROTO_PING);
	struct proto_ping out;
	assert_int_equal(proto_ping_decode(dec.payload, dec.header.length, &out), PROTO_OK);
	assert_true(out.sent_us == 111);
	assert_int_equal(proto_decoder_feed(&dec, two + n, m), (long)m);
	assert_true(dec.frame_ready);
	assert_int_equal(dec.header.type, PROTO_PING);
	assert_int_equal(proto_ping_decode(dec.payload, dec.header.length, &out), PROTO_OK);
	assert_true(out.sent_us == 222);
	proto_decoder_free(&dec);
	proto_decoder_free(&dec); /* twice is harmless */
}

/* ---- decode rejections ---- */

/* Every proper prefix of a valid payload is MALFORMED; so is one more byte. */
typedef int (*decode_fn)(const uint8_t *payload, size_t len);

static int dec_hello(const uint8_t *p, size_t n)
{
	struct proto_hello m;
	return proto_hello_decode(p, n, &m);
}

static int dec_welcome(const uint8_t *p, size_t n)
{
	struct proto_welcome m;
	return proto_welcome_decode(p, n, &m);
}

static int dec_status(const uint8_t *p, size_t n)
{
	struct proto_status m;
	return proto_status_decode(p, n, &m);
}

static int dec_ping(const uint8_t *p, size_t n)
{
	struct proto_ping m;
	return proto_ping_decode(p, n, &m);
}

static int dec_pong(const uint8_t *p, size_t n)
{
	struct proto_pong m;
	return proto_pong_decode(p, n, &m);
}

static int dec_sync(const uint8_t *p, size_t n)
{
	struct proto_sync m;
	return proto_sync_decode(p, n, &m);
}

static int dec_bye(const uint8_t *p, size_t n)
{
	struct proto_bye m;
	return proto_bye_decode(p, n, &m);
}

static int dec_page(const uint8_t *p, size_t n)
{
	struct proto_page m;
	const uint8_t *wav;
	size_t wav_len;
	return proto_page_decode(p, n, &m, &wav, &wav_len);
}

static void check_truncations(const char *what, decode_fn fn, const uint8_t *frame, size_t frame_len,
                              bool trailing_rejected)
{
	const uint8_t *payload = frame + PROTO_HEADER_SIZE;
	size_t full = frame_len - PROTO_HEADER_SIZE;
	uint8_t *p = exact_copy(payload, full);
	assert_int_equal(fn(p, full), PROTO_OK);
	free(p);
	for (size_t len = 0; len < full; len++) {
		p = exact_copy(payload, len);
		int rc = fn(p, len);
		free(p);
		if (rc != PROTO_ERR_MALFORMED)
			fail_msg("%s truncated to %zu of %zu bytes: got %d, want MALFORMED", what, len, full, rc);
	}
	if (trailing_rejected) {
		uint8_t *longer = malloc(full + 3);
		assert_non_null(longer);
		memcpy(longer, payload, full);
		memset(longer + full, 0, 3);
		for (size_t extra = 1; extra <= 3; extra++) {
			int rc = fn(longer, full + extra);
			if (rc != PROTO_ERR_MALFORMED)
				fail_msg("%s with %zu trailing bytes: got %d, want MALFORMED", what, extra, rc);
		}
		free(longer);
	}
}

static void test_decode_truncated_and_trailing(void **state)
{
	(void)state;
	uint8_t frame[512];
	size_t n;

	struct proto_hello hello = { .version = 1, .caps = 1, .name = "Lobby", .zone = "East" };
	n = proto_hello_encode(&hello, frame, sizeof frame);
	check_truncations("HELLO", dec_hello, frame, n, true);
	struct proto_hello hello2 = { .version = 1, .caps = 1, .name = "Réception", .zone = "" };
	n = proto_hello_encode(&hello2, frame, sizeof frame);
	check_truncations("HELLO (empty zone)", dec_hello, frame, n, true);

	struct proto_welcome welcome = { .version = 1, .caps = 0, .speaker_id = 4,
		                         .heartbeat_ms = 1000, .console_name = "Desk" };
	n = proto_welcome_encode(&welcome, frame, sizeof frame);
	check_truncations("WELCOME", dec_welcome, frame, n, true);
	welcome.console_name[0] = '\0';
	n = proto_welcome_encode(&welcome, frame, sizeof frame);
	check_truncations("WELCOME (no name)", dec_welcome, frame, n, true);

	struct proto_status status = { .page_id = 1, .state = PAGE_FAILED, .done = 1, .total = 2,
		                       .reason = "disk full" };
	n = proto_status_encode(&status, frame, sizeof frame);
	check_truncations("STATUS", dec_status, frame, n, true);
	status.reason[0] = '\0';
	n = proto_status_encode(&status, frame, sizeof frame);
	check_truncations("STATUS (no reason)", dec_status, frame, n, true);

	struct proto_ping ping = { 77 };
	n = proto_ping_encode(&ping, frame, sizeof frame);
	check_truncations("PING", dec_ping, frame, n, true);
	struct proto_pong pong2 = { 1, 2, 3 };
	n = proto_pong_encode(&pong2, frame, sizeof frame);
	check_truncations("PONG", dec_pong, frame, n, true);
	struct proto_sync sync = { SYNC_SETTLING, 1500, 20000, -5 };
	n = proto_sync_encode(&sync, frame, sizeof frame);
	check_truncations("SYNC", dec_sync, frame, n, true);

	struct proto_bye bye = { "bye now" };
	n = proto_bye_encode(&bye, frame, sizeof frame);
	check_truncations("BYE", dec_bye, frame, n, true);
	struct proto_bye empty = { "" };
	n = proto_bye_encode(&empty, frame, sizeof frame);
	check_truncations("BYE (empty)", dec_bye, frame, n, true);

	/* PAGE: trailing bytes are the WAV, so only the fields can be cut short. */
	struct proto_page page = { .page_id = 5 };
	n = proto_page_encode_head(&page, 0, frame, sizeof frame);
	check_truncations("PAGE", dec_page, frame, n, false);
}

/* A text length pointing past the payload end is MALFORMED, not a read overrun. */
static void test_decode_text_length_overrun(void **state)
{
	(void)state;
	struct bytes b = { 0 };
	bytes_u8(&b, 1);
	bytes_u32(&b, 0);
	bytes_u16(&b, 5);
	bytes_add(&b, "abc", 3); /* says 5, has 3 */
	uint8_t *p = exact_copy(b.p, b.len);
	struct proto_hello h;
	assert_int_equal(proto_hello_decode(p, b.len, &h), PROTO_ERR_MALFORMED);
	free(p);
	bytes_free(&b);

	bytes_u16(&b, 0xffff);
	bytes_add(&b, "x", 1);
	p = exact_copy(b.p, b.len);
	struct proto_bye bye;
	assert_int_equal(proto_bye_decode(p, b.len, &bye), PROTO_ERR_MALFORMED);
	free(p);
	bytes_free(&b);
}

static void test_hello_name_rules(void **state)
{
	(void)state;
	char name[200];

	/* Empty name: a speaker must have one (an empty zone is fine). */
	assert_int_equal(decode_hello_name("", 0), PROTO_ERR_MALFORMED);
	/* 64 bytes fit, 65 do not. */
	memset(name, 'n', sizeof name);
	assert_int_equal(decode_hello_name(name, NAME_MAX_BYTES), PROTO_OK);
	assert_int_equal(decode_hello_name(name, NAME_MAX_BYTES + 1), PROTO_ERR_MALFORMED);
	assert_int_equal(decode_hello_name(name, 200), PROTO_ERR_MALFORMED);
	/* Zone has the same 64-byte limit. */
	struct bytes b = hello_payload("ok", 2, name, NAME_MAX_BYTES + 1);
	struct proto_hello h;
	assert_int_equal(proto_hello_decode(b.p, b.len, &h), PROTO_ERR_MALFORMED);
	bytes_free(&b);
	b = hello_payload("ok", 2, name, NAME_MAX_BYTES);
	assert_int_equal(proto_hello_decode(b.p, b.len, &h), PROTO_OK);
	bytes_free(&b);

	/* Multi-byte text counts in bytes: 21 x 3 + 1 = 64 fits, 22 x 3 = 66 does not. */
	name[0] = '\0';
	for (int i = 0; i < 21; i++)
		strcat(name, "東");
	strcat(name, "a");
	assert_int_equal(strlen(name), 64);
	assert_int_equal(decode_hello_name(name, 64), PROTO_OK);
	name[0] = '\0';
	for (int i = 0; i < 22; i++)
		strcat(name, "東");
	assert_int_equal(decode_hello_name(name, 66), PROTO_ERR_MALFORMED);

	/* Valid UTF-8 is welcome. */
	static const char *good[] = { "Réception", "東京", "🔔", "Hall 🔔 2", "Ünïcødé ✓", "~",
		                      "\xc2\xa0nbsp", "\xef\xbf\xbd",
		                      "\xf4\x8f\xbf\xbd" /* U+10FFFD, the last character */ };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (decode_hello_name(good[i], strlen(good[i])) != PROTO_OK)
			fail_msg("valid name %zu (\"%s\") rejected", i, good[i]);
	}

	/* Control characters, broken or disguised UTF-8. */
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "a\x01" "b", 3 },
		{ "tab\there", 8 },
		{ "new\nline", 8 },
		{ "esc\x1b[2J", 7 },
		{ "del\x7f", 4 },
		{ "nul\0byte", 8 },
		{ "\xc2\x85", 2 },          /* U+0085 NEL, a C1 control */
		{ "\xc2\x9b" "2J", 4 },     /* U+009B CSI */
		{ "\xff", 1 },
		{ "\xfe\xfe", 2 },
		{ "\x80", 1 },              /* lone continuation */
		{ "ab\xbf", 3 },
		{ "R\xc3", 2 },             /* cut multi-byte at the end */
		{ "\xe6\x9d", 2 },
		{ "\xf0\x9f\x94", 3 },
		{ "\xc3" "a", 2 },          /* lead byte then ASCII */
		{ "\xc0\x80", 2 },          /* overlong NUL */
		{ "\xc1\xbf", 2 },          /* overlong '?' */
		{ "\xe0\x80\xaf", 3 },      /* overlong '/' */
		{ "\xf0\x80\x80\xaf", 4 },  /* overlong '/' */
		{ "\xed\xa0\x80", 3 },      /* surrogate U+D800 */
		{ "\xed\xbf\xbf", 3 },      /* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", 4 },  /* U+110000 */
		{ "\xf8\x88\x80\x80\x80", 5 },
		/* Names that lie: bidi overrides and isolates, invisible characters, noncharacters. */
		{ "honest\xe2\x80\xae" "1", 10 }, /* U+202E right-to-left override */
		{ "\xe2\x80\x8f" "x", 4 },        /* U+200F right-to-left mark */
		{ "\xe2\x81\xa7" "x", 4 },        /* U+2067 right-to-left isolate */
		{ "\xd8\x9c" "x", 3 },             /* U+061C Arabic letter mark */
		{ "hon\xe2\x80\x8b" "est", 9 },   /* U+200B zero-width space */
		{ "\xe2\x81\xa0" "x", 4 },        /* U+2060 word joiner */
		{ "\xef\xbb\xbf" "x", 4 },        /* U+FEFF */
		{ "x\xc2\xad", 3 },                /* U+00AD soft hyphen */
		{ "x\xef\xbf\xbe", 4 },            /* U+FFFE, a noncharacter */
		{ "\xf4\x8f\xbf\xbf", 4 },         /* U+10FFFF, one too */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (decode_hello_name(bad[i].s, bad[i].len) != PROTO_ERR_MALFORMED)
			fail_msg("invalid name %zu accepted", i);
		/* And as a zone. */
		b = hello_payload("ok", 2, bad[i].s, bad[i].len);
		if (proto_hello_decode(b.p, b.len, &h) != PROTO_ERR_MALFORMED)
			fail_msg("invalid zone %zu accepted", i);
		bytes_free(&b);
		assert_false(proto_text_valid(bad[i].s, bad[i].len, 64));
	}
}

static void test_text_valid(void **state)
{
	(void)state;
	assert_true(proto_text_valid("", 0, 0));
	assert_true(proto_text_valid("abc", 3, 3));
	assert_false(proto_text_valid("abc", 3, 2));
	/* Only len bytes are looked at. */
	assert_true(proto_text_valid("ab\x01", 2, 64));
	assert_true(proto_text_valid("東京", 6, 6));
	assert_false(proto_text_valid("東京", 5, 6));
	assert_false(proto_text_valid("東京", 4, 6));
}

static void test_status_rules(void **state)
{
	(void)state;
	struct proto_status st;
	struct bytes b;
	for (int s = 0; s < 256; s++) {
		b = status_payload((uint8_t)s, 1, 2, "", 0);
		int want = s >= PAGE_RECEIVING && s <= PAGE_CANCELLED ? PROTO_OK : PROTO_ERR_MALFORMED;
		if (decode_status(&b, &st) != want)
			fail_msg("STATUS state %d: want %d", s, want);
		bytes_free(&b);
	}
	b = status_payload(0, 0, 0, "", 0);
	assert_int_equal(decode_status(&b, &st), PROTO_ERR_MALFORMED);
	bytes_free(&b);
	b = status_payload(PAGE_CANCELLED + 1, 0, 0, "", 0);
	assert_int_equal(decode_status(&b, &st), PROTO_ERR_MALFORMED);
	bytes_free(&b);
	/* done > total. */
	b = status_payload(PAGE_RECEIVING, 11, 10, "", 0);
	assert_int_equal(decode_status(&b, &st), PROTO_ERR_MALFORMED);
	bytes_free(&b);
	b = status_payload(PAGE_RECEIVING, 1, 0, "", 0);
	assert_int_equal(decode_status(&b, &st), PROTO_ERR_MALFORMED);
	bytes_free(&b);
	b = status_payload(PAGE_RECEIVING, 0xffffffffffffffffull, 0xfffffffffffffffeull, "", 0);
	assert_int_equal(decode_status(&b, &st), PROTO_ERR_MALFORMED);
	bytes_free(&b);
	b = status_payload(PAGE_RECEIVING, 10, 10, "", 0);
	assert_int_equal(decode_status(&b, &st), PROTO_OK);
	bytes_free(&b);
	/* Reason: up to 127 bytes of valid text. */
	char reason[200];
	memset(reason, 'r', sizeof reason);
	b = status_payload(PAGE_FAILED, 0, 0, reason, 127);
	assert_int_equal(decode_status(&b, &st), PROTO_OK);
	assert_int_equal(strlen(st.reason), 127);
	bytes_free(&b);
	b = status_payload(PAGE_FAILED, 0, 0, reason, 128);
	assert_int_equal(decode_status(&b, &st), PROTO_ERR_MALFORMED);
	bytes_free(&b);
	b = status_payload(PAGE_FAILED, 0, 0, "bad\x1b", 4);
	assert_int_equal(decode_status(&b, &st), PROTO_ERR_MALFORMED);
	bytes_free(&b);
	b = status_payload(PAGE_FAILED, 0, 0, "\xed\xa0\x80", 3);
	assert_int_equal(decode_status(&b, &st), PROTO_ERR_MALFORMED);
	bytes_free(&b);
}

static void test_welcome_rules(void **state)
{
	(void)state;
	struct proto_welcome in = { .version = 1, .caps = 0, .speaker_id = 1, .heartbeat_ms = 0,
		                    .console_name = "Desk" };
	uint8_t frame[128];
	size_t n = proto_welcome_encode(&in, frame, sizeof frame);
	assert_true(n > 0);
	struct proto_welcome out;
	assert_int_equal(proto_welcome_decode(frame + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE, &out),
	                 PROTO_ERR_MALFORMED);
	in.heartbeat_ms = 1;
	n = proto_welcome_encode(&in, frame, sizeof frame);
	assert_int_equal(proto_welcome_decode(frame + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE, &out),
	                 PROTO_OK);
	/* The console name follows the text rules. */
	snprintf(in.console_name, sizeof in.console_name, "Desk\x01");
	n = proto_welcome_encode(&in, frame, sizeof frame);
	assert_int_equal(proto_welcome_decode(frame + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE, &out),
	                 PROTO_ERR_MALFORMED);
}

/* ---- encoders and a too-small buffer ---- */

typedef size_t (*encode_fn)(uint8_t *out, size_t cap);

static size_t enc_hello(uint8_t *out, size_t cap)
{
	struct proto_hello m = { .version = 1, .caps = 3, .name = "Réception", .zone = "Zone 1" };
	return proto_hello_encode(&m, out, cap);
}

static size_t enc_welcome(uint8_t *out, size_t cap)
{
	struct proto_welcome m = { .version = 1, .speaker_id = 2, .heartbeat_ms = 1000,
		                   .console_name = "Desk" };
	return proto_welcome_encode(&m, out, cap);
}

static size_t enc_page(uint8_t *out, size_t cap)
{
	struct proto_page m = { .page_id = 1, .created_ms = 2, .play_at_us = 3 };
	return proto_page_encode_head(&m, 1000, out, cap);
}

static size_t enc_status(uint8_t *out, size_t cap)
{
	struct proto_status m = { .page_id = 1, .state = PAGE_FAILED, .done = 1, .total = 2,
		                  .reason = "no device" };
	return proto_status_encode(&m, out, cap);
}

static size_t enc_ping(uint8_t *out, size_t cap)
{
	struct proto_ping m = { 42 };
	return proto_ping_encode(&m, out, cap);
}

static size_t enc_pong(uint8_t *out, size_t cap)
{
	struct proto_pong m = { 42, 43, 44 };
	return proto_pong_encode(&m, out, cap);
}

static size_t enc_bye(uint8_t *out, size_t cap)
{
	struct proto_bye m = { "shutting down" };
	return proto_bye_encode(&m, out, cap);
}

static size_t enc_bye_empty(uint8_t *out, size_t cap)
{
	struct proto_bye m = { "" };
	return proto_bye_encode(&m, out, cap);
}

static void test_encode_cap_too_small(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		encode_fn fn;
	} encoders[] = {
		{ "HELLO", enc_hello }, { "WELCOME", enc_welcome }, { "PAGE", enc_page },
		{ "STATUS", enc_status }, { "PING", enc_ping }, { "PONG", enc_pong },
		{ "BYE", enc_bye }, { "BYE empty", enc_bye_empty },
	};
	for (size_t e = 0; e < sizeof encoders / sizeof encoders[0]; e++) {
		uint8_t big[1024];
		size_t need = encoders[e].fn(big, sizeof big);
		assert_true(need >= PROTO_HEADER_SIZE);
		/* Heap buffers of exactly cap bytes: ASan flags any write past the end. */
		for (size_t cap = 0; cap < need; cap++) {
			uint8_t *buf = malloc(cap);
			if (!buf && cap == 0)
				buf = big; /* malloc(0) may return NULL; nothing may be written anyway */
			assert_non_null(buf);
			size_t got = encoders[e].fn(buf, cap);
			if (buf != big)
				free(buf);
			if (got != 0)
				fail_msg("%s: cap %zu of %zu needed returned %zu, want 0", encoders[e].name, cap,
				         need, got);
		}
		uint8_t *buf = malloc(need);
		assert_non_null(buf);
		assert_int_equal(encoders[e].fn(buf, need), need);
		assert_memory_equal(buf, big, need);
		free(buf);
	}
}

/* ---- text sanitizing ---- */

static void check_sanitized(const char *in, const char *want)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", in);
	proto_text_sanitize(buf);
	assert_int_equal(strlen(buf), strlen(in)); /* byte for byte */
	assert_true(proto_text_valid(buf, strlen(buf), sizeof buf));
	if (want)
		assert_string_equal(buf, want);
}

static void test_sanitize(void **state)
{
	(void)state;
	check_sanitized("a\x01" "b", "a?b");
	check_sanitized("", "");
	check_sanitized("plain text", "plain text");
	check_sanitized("Réception 東京 🔔", "Réception 東京 🔔");
	check_sanitized("line\nbreak\ttab\x7f", "line?break?tab?");
	check_sanitized("\x1b[31mred", "?[31mred");
	/* Cut in the middle of a multi-byte sequence (as strncpy into a short buffer would). */
	check_sanitized("ab\xe6\x9d", "ab??");
	check_sanitized("R\xc3", "R?");
	check_sanitized("\xf0\x9f\x94", "???");
	check_sanitized("東\xe6", "東?");
	check_sanitized("x\xf0\x9f", "x??");
	/* Broken sequences elsewhere, and forms that decode would reject. */
	check_sanitized("\xff" "ok", "?ok");
	check_sanitized("\x80\x80" "ok", "??ok");
	check_sanitized("\xc0\x80", "??");
	check_sanitized("\xed\xa0\x80", "???");
	check_sanitized("\xc2\x85", "??");
	check_sanitized("\xc3" "a\xc3\xa9", "?aé");
	/* Bidi and invisible characters and noncharacters: each byte. */
	check_sanitized("ok\xe2\x80\xae" "evil", "ok???evil");
	check_sanitized("\xef\xbb\xbf" "x\xc2\xad", "???x??");
	check_sanitized("\xef\xbf\xbf", "???");
	/* A valid character followed by a stray continuation byte keeps the character. */
	check_sanitized("é\x80", "é?");

	/* Every cut of a multi-byte string is made valid. */
	const char *full = "Périphérique 東京 🔔 occupé";
	for (size_t cut = 0; cut <= strlen(full); cut++) {
		char buf[64];
		memcpy(buf, full, cut);
		buf[cut] = '\0';
		char copy[64];
		memcpy(copy, buf, cut + 1);
		proto_text_sanitize(buf);
		assert_int_equal(strlen(buf), cut);
		assert_true(proto_text_valid(buf, cut, 64));
		/* Whatever was valid already stays as it was. */
		if (proto_text_valid(copy, cut, 64))
			assert_string_equal(buf, copy);
	}
}

/* Any reason, however broken, encodes to a STATUS (and a BYE) that decodes. */
static void test_sanitized_reason_always_decodes(void **state)
{
	(void)state;
	uint32_t rng = 2463534242u;
	for (int iter = 0; iter < 20000; iter++) {
		struct proto_status st = { .page_id = 1, .state = PAGE_FAILED, .done = 0, .total = 0 };
		/* Random length up to the full buffer, random non-NUL bytes biased to UTF-8 leads. */
		rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
		size_t len = rng % sizeof st.reason;
		for (size_t i = 0; i < len; i++) {
			rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
			uint8_t c = (uint8_t)(rng >> 8);
			if (rng & 1)
				c = (uint8_t)(0x80 | (c & 0x7f));
			st.reason[i] = (char)(c ? c : 'z');
		}
		st.reason[len] = '\0';
		uint8_t frame[512];
		size_t n = proto_status_encode(&st, frame, sizeof frame);
		assert_true(n > 0);
		struct proto_status out;
		int rc = proto_status_decode(frame + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE, &out);
		if (rc != PROTO_OK)
			fail_msg("iteration %d: STATUS with sanitized reason of %zu bytes does not decode", iter,
			         len);
		assert_int_equal(strlen(out.reason), len);

		struct proto_bye bye;
		memcpy(bye.reason, st.reason, sizeof bye.reason);
		n = proto_bye_encode(&bye, frame, sizeof frame);
		assert_true(n > 0);
		struct proto_bye bout;
		assert_int_equal(proto_bye_decode(frame + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE, &bout),
		                 PROTO_OK);
		assert_string_equal(bout.reason, out.reason);
	}
	/* The caller's message is not modified by encoding. */
	struct proto_status st = { .page_id = 1, .state = PAGE_FAILED, .reason = "bad\x01" };
	uint8_t frame[256];
	assert_true(proto_status_encode(&st, frame, sizeof frame) > 0);
	assert_string_equal(st.reason, "bad\x01");
}

/* ---- names ---- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(proto_type_name(PROTO_HELLO), "HELLO");
	assert_string_equal(proto_type_name(PROTO_PAGE), "PAGE");
	assert_string_equal(proto_type_name(PROTO_BYE), "BYE");
	assert_string_equal(proto_type_name(99), "unknown");
	assert_string_equal(proto_page_state_name(PAGE_PLAYED), "played");
	assert_string_equal(proto_page_state_name(PAGE_INTERRUPTED), "interrupted");
	assert_string_equal(proto_page_state_name(0), "unknown");
	assert_string_equal(proto_page_state_name(PAGE_EXPIRED), "expired");
	assert_string_equal(proto_page_state_name(PAGE_CANCELLED), "cancelled");
	assert_string_equal(proto_page_state_name(10), "unknown");
	assert_string_equal(proto_type_name(PROTO_COMMIT), "COMMIT");
	/* Final: nothing more happens to the page on that speaker. */
	for (int s = 0; s < 12; s++)
		assert_int_equal(proto_page_state_final(s), s >= PAGE_PLAYED && s <= PAGE_CANCELLED);
	static const int errors[] = { PROTO_OK, PROTO_ERR_MAGIC, PROTO_ERR_VERSION,
		                      PROTO_ERR_TOO_LARGE, PROTO_ERR_MALFORMED };
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		assert_non_null(proto_error_str(errors[i]));
		assert_string_not_equal(proto_error_str(errors[i]), "unknown error");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(proto_error_str(errors[i]), proto_error_str(errors[j]));
	}
	assert_string_equal(proto_error_str(-99), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_encode_decode),
		cmocka_unit_test(test_hello_round_trip),
		cmocka_unit_test(test_welcome_round_trip),
		cmocka_unit_test(test_page_round_trip),
		cmocka_unit_test(test_status_round_trip),
		cmocka_unit_test(test_ping_pong_round_trip),
		cmocka_unit_test(test_sync_round_trip),
		cmocka_unit_test(test_bye_round_trip),
		cmocka_unit_test(test_commit_round_trip),
		cmocka_unit_test(test_prepare_ready_round_trip),
		cmocka_unit_test(test_priority_round_trip),
		cmocka_unit_test(test_decoder_whole_stream),
		cmocka_unit_test(test_decoder_every_split),
		cmocka_unit_test(test_decoder_every_two_splits),
		cmocka_unit_test(test_decoder_byte_at_a_time),
		cmocka_unit_test(test_decoder_bad_magic),
		cmocka_unit_test(test_decoder_bad_version),
		cmocka_unit_test(test_decoder_control_too_large),
		cmocka_unit_test(test_decoder_page_too_large),
		cmocka_unit_test(test_decoder_error_sticky),
		cmocka_unit_test(test_decoder_progress),
		cmocka_unit_test(test_decoder_grows_with_the_bytes),
		cmocka_unit_test(test_page_peek_id),
		cmocka_unit_test(test_decoder_stops_at_frame_end),
		cmocka_unit_test(test_decode_truncated_and_trailing),
		cmocka_unit_test(test_decode_text_length_overrun),
		cmocka_unit_test(test_hello_name_rules),
		cmocka_unit_test(test_text_valid),
		cmocka_unit_test(test_status_rules),
		cmocka_unit_test(test_welcome_rules),
		cmocka_unit_test(test_encode_cap_too_small),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitized_reason_always_decodes),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

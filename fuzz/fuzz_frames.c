/*
 * libFuzzer target: the incremental frame decoder and every message codec.
 *
 * Input layout: see fuzz_common.h (config byte, split sizes, then the stream).
 * Invariants checked (any failure aborts):
 *  - proto_decoder_feed makes progress: takes 1..len bytes of a non-empty
 *    chunk, or returns a negative enum proto_error; an error is sticky;
 *  - each complete frame is exactly the next 12 + length bytes of the stream,
 *    with magic, version 1, no flags, and a length within the limit for its type;
 *  - proto_decoder_progress agrees with the decoder's state;
 *  - memory follows the bytes that arrived: the payload buffer is at most
 *    twice what came (or PROTO_DECODER_FIRST_ALLOC), never over the frame's
 *    length, and exactly that length once the frame is whole;
 *  - every *_decode returns PROTO_OK or PROTO_ERR_MALFORMED; when it succeeds,
 *    the matching encoder writes back the same header and payload, and returns
 *    0 given one byte less room;
 *  - feeding the stream in the chosen splits and in one piece yields the same
 *    frames (type, length, payload hash), the same error and the same number of
 *    bytes pending in an unfinished frame (differential check).
 */
#include "intercom/audio/wav.h"
#include "intercom/net/proto.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct frame_rec {
	uint8_t type;
	uint32_t length;
	uint64_t hash;
};

struct trace {
	struct frame_rec *frames;
	size_t n, cap;
	long error;      /* 0 or the decoder's error */
	size_t pending;  /* bytes of an unfinished frame at the end */
};

static const uint8_t *g_stream; /* the stream of the current input, for the frame-position check */

static void trace_add(struct trace *t, const struct proto_decoder *dec)
{
	FUZZ_CHECK(t->n < t->cap);
	t->frames[t->n++] = (struct frame_rec){
		.type = dec->header.type,
		.length = dec->header.length,
		.hash = dec->header.length ? fuzz_hash(dec->payload, dec->header.length) : 0,
	};
}

/* Encoded frame == header(type, len) + payload; one byte less room must fail. */
static void check_frame(const uint8_t *out, size_t n, uint8_t type, const uint8_t *payload,
                        size_t len)
{
	uint8_t header[PROTO_HEADER_SIZE];
	FUZZ_CHECK(n == PROTO_HEADER_SIZE + len);
	proto_header_encode(header, (enum proto_type)type, (uint32_t)len);
	FUZZ_CHECK(memcmp(out, header, PROTO_HEADER_SIZE) == 0);
	FUZZ_CHECK(len == 0 || memcmp(out + PROTO_HEADER_SIZE, payload, len) == 0);
}

/* Big enough for any control message that decodes (all are well under 1024 bytes). */
#define ENC_CAP (PROTO_HEADER_SIZE + PROTO_MAX_CONTROL_PAYLOAD)

static void roundtrips(uint8_t type, const uint8_t *payload, size_t len)
{
	static uint8_t out[ENC_CAP];
	int rc;

	struct proto_hello hello;
	rc = proto_hello_decode(payload, len, &hello);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len <= PROTO_MAX_CONTROL_PAYLOAD);
		FUZZ_CHECK(hello.name[0] != '\0');
		FUZZ_CHECK(proto_text_valid(hello.name, strlen(hello.name), NAME_MAX_BYTES));
		FUZZ_CHECK(proto_text_valid(hello.zone, strlen(hello.zone), NAME_MAX_BYTES));
		size_t n = proto_hello_encode(&hello, out, sizeof out);
		check_frame(out, n, PROTO_HELLO, payload, len);
		FUZZ_CHECK(proto_hello_encode(&hello, out, n - 1) == 0);
	}

	struct proto_welcome welcome;
	rc = proto_welcome_decode(payload, len, &welcome);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len <= PROTO_MAX_CONTROL_PAYLOAD);
		FUZZ_CHECK(welcome.heartbeat_ms != 0);
		size_t n = proto_welcome_encode(&welcome, out, sizeof out);
		check_frame(out, n, PROTO_WELCOME, payload, len);
		FUZZ_CHECK(proto_welcome_encode(&welcome, out, n - 1) == 0);
	}

	struct proto_page page;
	const uint8_t *wav = NULL;
	size_t wav_len = 0;
	rc = proto_page_decode(payload, len, &page, &wav, &wav_len);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	FUZZ_CHECK((rc == PROTO_OK) == (len >= PROTO_PAGE_FIELDS_SIZE));
	if (rc == PROTO_OK) {
		FUZZ_CHECK(wav == payload + PROTO_PAGE_FIELDS_SIZE);
		FUZZ_CHECK(wav_len == len - PROTO_PAGE_FIELDS_SIZE);
		size_t n = proto_page_encode_head(&page, wav_len, out, sizeof out);
		FUZZ_CHECK(n == PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
		uint8_t header[PROTO_HEADER_SIZE];
		proto_header_encode(header, PROTO_PAGE, (uint32_t)len);
		FUZZ_CHECK(memcmp(out, header, PROTO_HEADER_SIZE) == 0);
		FUZZ_CHECK(memcmp(out + PROTO_HEADER_SIZE, payload, PROTO_PAGE_FIELDS_SIZE) == 0);
		FUZZ_CHECK(proto_page_encode_head(&page, wav_len, out, n - 1) == 0);
		/* What a speaker does next with a page (pure; the page codec's own fuzzing is fuzz_wav's job). */
		if (type == PROTO_PAGE) {
			struct wav_info info;
			char reason[160];
			(void)wav_check(wav, wav_len, &info, reason, sizeof reason);
		}
	}

	struct proto_status status;
	rc = proto_status_decode(payload, len, &status);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len <= PROTO_MAX_CONTROL_PAYLOAD);
		FUZZ_CHECK(status.state >= PAGE_RECEIVING && status.state <= PAGE_CANCELLED);
		FUZZ_CHECK(status.done <= status.total);
		size_t n = proto_status_encode(&status, out, sizeof out);
		check_frame(out, n, PROTO_STATUS, payload, len);
		FUZZ_CHECK(proto_status_encode(&status, out, n - 1) == 0);
	}

	struct proto_ping ping;
	rc = proto_ping_decode(payload, len, &ping);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	FUZZ_CHECK((rc == PROTO_OK) == (len == 8));
	if (rc == PROTO_OK) {
		size_t n = proto_ping_encode(&ping, out, sizeof out);
		check_frame(out, n, PROTO_PING, payload, len);
		FUZZ_CHECK(proto_ping_encode(&ping, out, n - 1) == 0);
	}

	struct proto_pong pong;
	rc = proto_pong_decode(payload, len, &pong);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len == 24 && pong.sent_us >= pong.received_us);
		size_t n = proto_pong_encode(&pong, out, sizeof out);
		check_frame(out, n, PROTO_PONG, payload, len);
		FUZZ_CHECK(proto_pong_encode(&pong, out, n - 1) == 0);
	}

	struct proto_sync sync;
	rc = proto_sync_decode(payload, len, &sync);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len == 17 && sync.state <= SYNC_LOCKED);
		size_t n = proto_sync_encode(&sync, out, sizeof out);
		check_frame(out, n, PROTO_SYNC, payload, len);
		FUZZ_CHECK(proto_sync_encode(&sync, out, n - 1) == 0);
	}

	struct proto_commit commit;
	rc = proto_commit_decode(payload, len, &commit);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(commit.verdict == COMMIT_PLAY || commit.verdict == COMMIT_CANCEL);
		size_t n = proto_commit_encode(&commit, out, sizeof out);
		check_frame(out, n, PROTO_COMMIT, payload, len);
		FUZZ_CHECK(proto_commit_encode(&commit, out, n - 1) == 0);
	}

	struct proto_prepare prepare;
	rc = proto_prepare_decode(payload, len, &prepare);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len == 13 && prepare.rate >= RATE_MIN && prepare.rate <= RATE_MAX);
		FUZZ_CHECK(prepare.channels >= 1 && prepare.channels <= CHANNELS_MAX);
		size_t n = proto_prepare_encode(&prepare, out, sizeof out);
		check_frame(out, n, PROTO_PREPARE, payload, len);
		FUZZ_CHECK(proto_prepare_encode(&prepare, out, n - 1) == 0);
	}

	struct proto_ready ready;
	rc = proto_ready_decode(payload, len, &ready);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len == 12);
		size_t n = proto_ready_encode(&ready, out, sizeof out);
		check_frame(out, n, PROTO_READY, payload, len);
		FUZZ_CHECK(proto_ready_encode(&ready, out, n - 1) == 0);
	}

	struct proto_priority prio;
	rc = proto_priority_decode(payload, len, &prio);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len == 5 && prio.page_id != 0 && prio.priority <= 2);
		size_t n = proto_priority_encode(&prio, out, sizeof out);
		check_frame(out, n, PROTO_PRIORITY, payload, len);
		FUZZ_CHECK(proto_priority_encode(&prio, out, n - 1) == 0);
	}

	struct proto_stream_begin begin;
	rc = proto_stream_begin_decode(payload, len, &begin);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(begin.page_id != 0 && begin.max_frames != 0 && begin.live <= 1);
		size_t n = proto_stream_begin_encode(&begin, out, sizeof out);
		check_frame(out, n, PROTO_STREAM_BEGIN, payload, len);
	}

	struct proto_stream_data sdata;
	rc = proto_stream_data_decode(payload, len, &sdata);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		size_t at = 0, flen;
		const uint8_t *frame;
		uint16_t count = 0;
		while (proto_stream_data_next(&sdata, &at, &frame, &flen)) {
			FUZZ_CHECK(frame >= payload && frame + flen <= payload + len);
			count++;
		}
		FUZZ_CHECK(count == sdata.count && at == sdata.frames_len);
	}

	struct proto_stream_end send;
	rc = proto_stream_end_decode(payload, len, &send);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(send.outcome == STREAM_COMPLETE || send.outcome == STREAM_ABORTED);
		size_t n = proto_stream_end_encode(&send, out, sizeof out);
		check_frame(out, n, PROTO_STREAM_END, payload, len);
	}

	struct proto_bye bye;
	rc = proto_bye_decode(payload, len, &bye);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc == PROTO_OK) {
		FUZZ_CHECK(len <= PROTO_MAX_CONTROL_PAYLOAD);
		size_t n = proto_bye_encode(&bye, out, sizeof out);
		check_frame(out, n, PROTO_BYE, payload, len);
		FUZZ_CHECK(proto_bye_encode(&bye, out, n - 1) == 0);
	}
}

/* The types held to PROTO_MAX_CONTROL_PAYLOAD (docs/PROTOCOL.md); PAGE, SEALED and unknown types are not. */
static bool is_control(uint8_t type)
{
	return type == PROTO_HELLO || type == PROTO_WELCOME || type == PROTO_STATUS ||
	       type == PROTO_PING || type == PROTO_PONG || type == PROTO_BYE ||
	       type == PROTO_WAIT || type == PROTO_NOISE_1 || type == PROTO_NOISE_2 ||
	       type == PROTO_NOISE_3;
}

/* A frame the decoder completed at stream offset end; frames tile the stream. */
static void check_complete(const struct proto_decoder *dec, size_t end, size_t *frame_start,
                           size_t max_payload)
{
	const struct proto_header *h = &dec->header;
	FUZZ_CHECK(dec->header_have == PROTO_HEADER_SIZE);
	FUZZ_CHECK(dec->payload_have == h->length);
	FUZZ_CHECK(h->length == 0 || dec->payload != NULL);
	FUZZ_CHECK(dec->payload_cap == h->length);
	FUZZ_CHECK(h->version == PROTO_VERSION && h->flags == 0);
	size_t limit = max_payload;
	if (is_control(h->type) && limit > PROTO_MAX_CONTROL_PAYLOAD)
		limit = PROTO_MAX_CONTROL_PAYLOAD;
	FUZZ_CHECK(h->length <= limit);
	FUZZ_CHECK(end - *frame_start == PROTO_HEADER_SIZE + (size_t)h->length);
	const uint8_t *f = g_stream + *frame_start;
	FUZZ_CHECK(memcmp(f, PROTO_MAGIC, 4) == 0);
	FUZZ_CHECK(f[5] == h->type);
	FUZZ_CHECK(h->length == 0 || memcmp(f + PROTO_HEADER_SIZE, dec->payload, h->length) == 0);
	uint8_t type = 0;
	size_t have = 0, total = 0;
	FUZZ_CHECK(!proto_decoder_progress(dec, &type, &have, &total));
	*frame_start = end;
}

/* After a feed that left a frame unfinished: progress reports it iff the header is in. */
static void check_progress(const struct proto_decoder *dec)
{
	uint8_t type = 0;
	size_t have = 0, total = 0;
	bool in_payload = dec->header_have == PROTO_HEADER_SIZE;
	FUZZ_CHECK(proto_decoder_progress(dec, &type, &have, &total) == in_payload);
	if (in_payload) {
		FUZZ_CHECK(type == dec->header.type);
		FUZZ_CHECK(have < total && total == dec->header.length);
	}
	/* What a peer claims costs nothing: the buffer follows what it sent. */
	size_t grown_to = 2 * dec->payload_have > PROTO_DECODER_FIRST_ALLOC ? 2 * dec->payload_have
	                                                                   : PROTO_DECODER_FIRST_ALLOC;
	FUZZ_CHECK(dec->payload_cap >= dec->payload_have && dec->payload_cap <= grown_to);
	FUZZ_CHECK(!in_payload || dec->payload_cap <= dec->header.length);
	FUZZ_CHECK((dec->payload_cap == 0) == (dec->payload == NULL));
}

static void finish_trace(struct trace *t, const struct proto_decoder *dec)
{
	t->error = dec->error;
	t->pending = dec->error || dec->frame_ready ? 0 : dec->header_have + dec->payload_have;
}

/* Feeds one chunk, looping over the frames in it; false once the decoder fails. */
static bool feed_chunk(struct proto_decoder *dec, const uint8_t *chunk, size_t len, size_t *pos,
                       size_t *frame_start, size_t max_payload, struct trace *t, bool checks)
{
	do {
		long r = proto_decoder_feed(dec, chunk, len);
		if (r < 0) {
			FUZZ_CHECK(r >= PROTO_ERR_MALFORMED && r == dec->error);
			/* Sticky: a second feed, with or without bytes, returns the same error. */
			FUZZ_CHECK(proto_decoder_feed(dec, chunk, len) == r);
			FUZZ_CHECK(proto_decoder_feed(dec, NULL, 0) == r);
			return false;
		}
		FUZZ_CHECK((size_t)r <= len);
		FUZZ_CHECK(len == 0 || r > 0);
		chunk += r;
		len -= (size_t)r;
		*pos += (size_t)r;
		if (dec->frame_ready) {
			trace_add(t, dec);
			if (checks) {
				check_complete(dec, *pos, frame_start, max_payload);
				roundtrips(dec->header.type, dec->payload, dec->header.length);
			}
		} else {
			FUZZ_CHECK(len == 0);
			if (checks)
				check_progress(dec);
		}
	} while (len > 0);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t max_payloads[] = FRAMES_MAX_PAYLOADS;
	if (size < 2)
		return 0;
	size_t max_payload = max_payloads[data[0] & 3];
	size_t nsplit = data[1] % (FRAMES_MAX_SPLITS + 1);
	if (size < 2 + nsplit)
		return 0;
	const uint8_t *splits = data + 2;
	const uint8_t *stream = data + 2 + nsplit;
	size_t len = size - 2 - nsplit;
	bool all_zero = true;
	for (size_t i = 0; i < nsplit; i++)
		all_zero = all_zero && splits[i] == 0;
	g_stream = stream;

	/* Every frame takes at least its 12 header bytes. */
	size_t cap = len / PROTO_HEADER_SIZE + 1;
	struct trace split = { .frames = calloc(cap, sizeof(struct frame_rec)), .cap = cap };
	struct trace whole = { .frames = calloc(cap, sizeof(struct frame_rec)), .cap = cap };
	FUZZ_CHECK(split.frames && whole.frames);

	/* The stream in the chosen splits, with every check. */
	struct proto_decoder dec;
	proto_decoder_init(&dec, max_payload);
	size_t pos = 0, frame_start = 0;
	for (size_t k = 0; pos < len; k++) {
		size_t want = nsplit == 0 || all_zero ? 1 : splits[k % nsplit];
		if (want > len - pos)
			want = len - pos;
		if (!feed_chunk(&dec, stream + pos, want, &pos, &frame_start, max_payload, &split, true))
			break;
	}
	finish_trace(&split, &dec);
	proto_decoder_free(&dec);

	/* The same stream in one piece. */
	proto_decoder_init(&dec, max_payload);
	pos = 0;
	frame_start = 0;
	if (len > 0)
		feed_chunk(&dec, stream, len, &pos, &frame_start, max_payload, &whole, false);
	finish_trace(&whole, &dec);
	proto_decoder_free(&dec);

	FUZZ_CHECK(split.n == whole.n);
	for (size_t i = 0; i < split.n; i++) {
		FUZZ_CHECK(split.frames[i].type == whole.frames[i].type);
		FUZZ_CHECK(split.frames[i].length == whole.frames[i].length);
		FUZZ_CHECK(split.frames[i].hash == whole.frames[i].hash);
	}
	FUZZ_CHECK(split.error == whole.error);
	FUZZ_CHECK(split.pending == whole.pending);

	free(split.frames);
	free(whole.frames);
	return 0;
}

/* The wire protocol: frame header, incremental decoder, message codecs. */
#include "intercom/net/proto.h"

#include "intercom/common/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- big-endian cursor over a byte buffer; every read is bounds-checked ---- */

struct writer {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

struct reader {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
};

static void put_bytes(struct writer *w, const void *src, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_u8(struct writer *w, uint8_t v)
{
	put_bytes(w, &v, 1);
}

static void put_u16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put_bytes(w, b, sizeof b);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put_bytes(w, b, sizeof b);
}

static void put_u64(struct writer *w, uint64_t v)
{
	put_u32(w, (uint32_t)(v >> 32));
	put_u32(w, (uint32_t)v);
}

/* Strings go as a u16 length and the bytes, no terminator. */
static void put_text(struct writer *w, const char *s)
{
	size_t n = strlen(s);
	put_u16(w, (uint16_t)n);
	put_bytes(w, s, n);
}

static const uint8_t *get_bytes(struct reader *r, size_t n)
{
	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

static uint8_t get_u8(struct reader *r)
{
	const uint8_t *p = get_bytes(r, 1);
	return p ? p[0] : 0;
}

static uint16_t get_u16(struct reader *r)
{
	const uint8_t *p = get_bytes(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static uint32_t get_u32(struct reader *r)
{
	const uint8_t *p = get_bytes(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t hi = get_u32(r);
	return hi << 32 | get_u32(r);
}

/* Reads a string into out (size outsize), rejecting invalid text or overlong strings. */
static void get_text(struct reader *r, char *out, size_t outsize, size_t max, bool allow_empty)
{
	size_t n = get_u16(r);
	const uint8_t *p = get_bytes(r, n);
	if (!p || n >= outsize || (!allow_empty && n == 0) || !proto_text_valid((const char *)p, n, max)) {
		r->bad = true;
		out[0] = '\0';
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

/* A message must use its whole payload: trailing bytes mean a confused peer. */
static int reader_finish(const struct reader *r)
{
	return r->bad || r->pos != r->len ? PROTO_ERR_MALFORMED : PROTO_OK;
}

static struct reader reader_of(const uint8_t *payload, size_t len)
{
	return (struct reader){ .p = payload, .len = len };
}

/* Starts a frame in out; the payload length is patched in by finish_frame. */
static struct writer start_frame(uint8_t *out, size_t cap, enum proto_type type)
{
	struct writer w = { .p = out, .cap = cap };
	if (cap < PROTO_HEADER_SIZE) {
		w.overflow = true;
		return w;
	}
	proto_header_encode(out, type, 0);
	w.len = PROTO_HEADER_SIZE;
	return w;
}

static size_t finish_frame(struct writer *w)
{
	if (w->overflow)
		return 0;
	uint32_t length = (uint32_t)(w->len - PROTO_HEADER_SIZE);
	w->p[8] = (uint8_t)(length >> 24);
	w->p[9] = (uint8_t)(length >> 16);
	w->p[10] = (uint8_t)(length >> 8);
	w->p[11] = (uint8_t)length;
	return w->len;
}

/* ---- text ---- */

bool proto_text_valid(const char *text, size_t len, size_t max)
{
	/*
	 * Controls (C1 included) and malformed UTF-8 would confuse the terminal
	 * showing it; bidi and invisible characters would make a name lie.
	 */
	return len <= max && utf8_check_text(text, len) == UTF8_TEXT_OK;
}

void proto_text_sanitize(char *text)
{
	size_t len = strlen(text);
	for (size_t i = 0; i < len;) {
		/* A whole printable character is kept; else this one byte becomes '?'. */
		uint32_t cp;
		size_t n = utf8_decode(text + i, len - i, &cp);
		if (n == 0 || !utf8_is_printable(cp)) {
			text[i] = '?';
			n = 1;
		}
		i += n;
	}
}

/* ---- header ---- */

size_t proto_header_encode(uint8_t *out, enum proto_type type, uint32_t length)
{
	memcpy(out, PROTO_MAGIC, 4);
	out[4] = PROTO_VERSION;
	out[5] = (uint8_t)type;
	out[6] = 0;
	out[7] = 0;
	out[8] = (uint8_t)(length >> 24);
	out[9] = (uint8_t)(length >> 16);
	out[10] = (uint8_t)(length >> 8);
	out[11] = (uint8_t)length;
	return PROTO_HEADER_SIZE;
}

int proto_header_decode(const uint8_t *in, struct proto_header *header)
{
	struct reader r = reader_of(in, PROTO_HEADER_SIZE);
	if (memcmp(get_bytes(&r, 4), PROTO_MAGIC, 4) != 0)
		return PROTO_ERR_MAGIC;
	header->version = get_u8(&r);
	header->type = get_u8(&r);
	header->flags = get_u16(&r);
	header->length = get_u32(&r);
	if (header->version != PROTO_VERSION)
		return PROTO_ERR_VERSION;
	/* Version 1 sets no flags; an "encrypted" payload must never be read as plain. */
	if (header->flags != 0)
		return PROTO_ERR_MALFORMED;
	return PROTO_OK;
}

/* Control messages are small; only PAGE and types we do not know may be large. */
static size_t max_payload_for(uint8_t type, size_t max_payload)
{
	switch (type) {
	case PROTO_HELLO:
	case PROTO_WELCOME:
	case PROTO_STATUS:
	case PROTO_PING:
	case PROTO_PONG:
	case PROTO_SYNC:
	case PROTO_BYE:
	case PROTO_COMMIT:
	case PROTO_PREPARE:
	case PROTO_READY:
	case PROTO_PRIORITY:
	case PROTO_STREAM_BEGIN:
	case PROTO_STREAM_END:
	case PROTO_WAIT:
	case PROTO_NOISE_1:
	case PROTO_NOISE_2:
	case PROTO_NOISE_3:
		return PROTO_MAX_CONTROL_PAYLOAD < max_payload ? PROTO_MAX_CONTROL_PAYLOAD : max_payload;
	case PROTO_STREAM_DATA:
		return PROTO_STREAM_DATA_MAX_PAYLOAD < max_payload ? PROTO_STREAM_DATA_MAX_PAYLOAD : max_payload;
	default:
		return max_payload;
	}
}

/* ---- decoder ---- */

void proto_decoder_init(struct proto_decoder *dec, size_t max_payload)
{
	memset(dec, 0, sizeof *dec);
	proto_decoder_set_limit(dec, max_payload);
}

void proto_decoder_set_limit(struct proto_decoder *dec, size_t max_payload)
{
	dec->max_payload = max_payload < PROTO_MAX_PAYLOAD ? max_payload : PROTO_MAX_PAYLOAD;
}

void proto_decoder_free(struct proto_decoder *dec)
{
	free(dec->payload);
	dec->payload = NULL;
	dec->payload_cap = 0;
}

/*
 * Room for `need` payload bytes: the buffer doubles from PROTO_DECODER_FIRST_ALLOC
 * (at least to need), never past the frame's length. 0, or -1 out of memory.
 */
static int decoder_reserve(struct proto_decoder *dec, size_t need)
{
	if (need <= dec->payload_cap)
		return 0;
	size_t cap = dec->payload_cap ? dec->payload_cap : PROTO_DECODER_FIRST_ALLOC;
	while (cap < need)
		cap *= 2;
	if (cap > dec->header.length)
		cap = dec->header.length;
	uint8_t *grown = realloc(dec->payload, cap);
	if (!grown)
		return -1;
	dec->payload = grown;
	dec->payload_cap = cap;
	return 0;
}

long proto_decoder_feed(struct proto_decoder *dec, const uint8_t *data, size_t len)
{
	if (dec->error)
		return dec->error;
	if (dec->frame_ready) {
		/* The previous frame has been consumed by the caller: start anew. */
		proto_decoder_free(dec);
		dec->payload_have = 0;
		dec->header_have = 0;
		dec->frame_ready = false;
	}
	size_t used = 0;
	if (dec->header_have < PROTO_HEADER_SIZE) {
		size_t n = PROTO_HEADER_SIZE - dec->header_have;
		if (n > len)
			n = len;
		if (n > 0)
			memcpy(dec->header_bytes + dec->header_have, data, n);
		dec->header_have += n;
		used += n;
		/* Reject a wrong magic as soon as its bytes are in, not after 12. */
		size_t magic_have = dec->header_have < 4 ? dec->header_have : 4;
		if (memcmp(dec->header_bytes, PROTO_MAGIC, magic_have) != 0)
			return dec->error = PROTO_ERR_MAGIC;
		if (dec->header_have < PROTO_HEADER_SIZE)
			return (long)used;
		int rc = proto_header_decode(dec->header_bytes, &dec->header);
		if (rc != PROTO_OK)
			return dec->error = rc;
		if (dec->header.length > max_payload_for(dec->header.type, dec->max_payload))
			return dec->error = PROTO_ERR_TOO_LARGE;
		/* Nothing is allocated for the length claimed: the payload's bytes pay for their room. */
	}
	size_t want = dec->header.length - dec->payload_have;
	size_t n = len - used < want ? len - used : want;
	if (n > 0) {
		if (decoder_reserve(dec, dec->payload_have + n) < 0)
			return dec->error = PROTO_ERR_TOO_LARGE;
		memcpy(dec->payload + dec->payload_have, data + used, n);
		dec->payload_have += n;
		used += n;
	}
	if (dec->payload_have == dec->header.length)
		dec->frame_ready = true;
	return (long)used;
}

bool proto_decoder_progress(const struct proto_decoder *dec, uint8_t *type, size_t *have,
                            size_t *total)
{
	if (dec->error || dec->frame_ready || dec->header_have < PROTO_HEADER_SIZE)
		return false;
	*type = dec->header.type;
	*have = dec->payload_have;
	*total = dec->header.length;
	return true;
}

const char *proto_error_str(int error)
{
	switch (error) {
	case PROTO_OK: return "ok";
	case PROTO_ERR_MAGIC: return "not an intercom peer (bad magic)";
	case PROTO_ERR_VERSION: return "another protocol version (run the same intercom release on the console and every speaker)";
	case PROTO_ERR_TOO_LARGE: return "frame larger than the limit";
	case PROTO_ERR_MALFORMED: return "malformed message";
	default: return "unknown error";
	}
}

const char *proto_type_name(int type)
{
	switch (type) {
	case PROTO_HELLO: return "HELLO";
	case PROTO_WELCOME: return "WELCOME";
	case PROTO_PAGE: return "PAGE";
	case PROTO_STATUS: return "STATUS";
	case PROTO_PING: return "PING";
	case PROTO_PONG: return "PONG";
	case PROTO_BYE: return "BYE";
	case PROTO_SYNC: return "SYNC";
	case PROTO_COMMIT: return "COMMIT";
	case PROTO_PREPARE: return "PREPARE";
	case PROTO_READY: return "READY";
	case PROTO_STREAM_BEGIN: return "STREAM_BEGIN";
	case PROTO_STREAM_DATA: return "STREAM_DATA";
	case PROTO_STREAM_END: return "STREAM_END";
	case PROTO_WAIT: return "WAIT";
	case PROTO_NOISE_1: return "NOISE_1";
	case PROTO_NOISE_2: return "NOISE_2";
	case PROTO_NOISE_3: return "NOISE_3";
	case PROTO_SEALED: return "SEALED";
	case PROTO_PRIORITY: return "PRIORITY";
	default: return "unknown";
	}
}

bool proto_page_state_final(int state)
{
	return state == PAGE_PLAYED || state == PAGE_FAILED || state == PAGE_MUTED ||
	       state == PAGE_INTERRUPTED || state == PAGE_EXPIRED || state == PAGE_CANCELLED;
}

const char *proto_page_state_name(int state)
{
	switch (state) {
	case PAGE_RECEIVING: return "receiving";
	case PAGE_RECEIVED: return "received";
	case PAGE_PLAYING: return "playing";
	case PAGE_PLAYED: return "played";
	case PAGE_FAILED: return "failed";
	case PAGE_MUTED: return "muted";
	case PAGE_INTERRUPTED: return "interrupted";
	case PAGE_EXPIRED: return "expired";
	case PAGE_CANCELLED: return "cancelled";
	default: return "unknown";
	}
}

/* ---- messages ---- */

size_t proto_hello_encode(const struct proto_hello *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_HELLO);
	put_u8(&w, msg->version);
	put_u32(&w, msg->caps);
	put_text(&w, msg->name);
	put_text(&w, msg->zone);
	return finish_frame(&w);
}

int proto_hello_decode(const uint8_t *payload, size_t len, struct proto_hello *msg)
{
	struct reader r = reader_of(payload, len);
	msg->version = get_u8(&r);
	msg->caps = get_u32(&r);
	get_text(&r, msg->name, sizeof msg->name, NAME_MAX_BYTES, false);
	get_text(&r, msg->zone, sizeof msg->zone, NAME_MAX_BYTES, true);
	return reader_finish(&r);
}

size_t proto_welcome_encode(const struct proto_welcome *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_WELCOME);
	put_u8(&w, msg->version);
	put_u32(&w, msg->caps);
	put_u32(&w, msg->speaker_id);
	put_u32(&w, msg->heartbeat_ms);
	put_text(&w, msg->console_name);
	return finish_frame(&w);
}

int proto_welcome_decode(const uint8_t *payload, size_t len, struct proto_welcome *msg)
{
	struct reader r = reader_of(payload, len);
	msg->version = get_u8(&r);
	msg->caps = get_u32(&r);
	msg->speaker_id = get_u32(&r);
	msg->heartbeat_ms = get_u32(&r);
	get_text(&r, msg->console_name, sizeof msg->console_name, NAME_MAX_BYTES, true);
	if (msg->heartbeat_ms == 0)
		r.bad = true;
	return reader_finish(&r);
}

size_t proto_page_encode_head(const struct proto_page *msg, size_t wav_len, uint8_t *out,
                              size_t cap)
{
	if (wav_len > PROTO_MAX_PAYLOAD - PROTO_PAGE_FIELDS_SIZE || cap < PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE)
		return 0;
	struct writer w = start_frame(out, cap, PROTO_PAGE);
	put_u32(&w, msg->page_id);
	put_u64(&w, msg->created_ms);
	put_u64(&w, msg->play_at_us);
	proto_header_encode(out, PROTO_PAGE, (uint32_t)(PROTO_PAGE_FIELDS_SIZE + wav_len));
	return w.overflow ? 0 : w.len;
}

int proto_page_decode(const uint8_t *payload, size_t len, struct proto_page *msg,
                      const uint8_t **wav, size_t *wav_len)
{
	struct reader r = reader_of(payload, len);
	msg->page_id = get_u32(&r);
	msg->created_ms = get_u64(&r);
	msg->play_at_us = get_u64(&r);
	if (r.bad)
		return PROTO_ERR_MALFORMED;
	*wav = payload + r.pos;
	*wav_len = len - r.pos;
	return PROTO_OK;
}

int proto_page_peek_id(const uint8_t *payload, size_t have, uint32_t *page_id)
{
	struct reader r = reader_of(payload, have);
	uint32_t id = get_u32(&r);
	if (r.bad)
		return PROTO_ERR_MALFORMED;
	*page_id = id;
	return PROTO_OK;
}

size_t proto_status_encode(const struct proto_status *msg, uint8_t *out, size_t cap)
{
	char reason[sizeof msg->reason];
	snprintf(reason, sizeof reason, "%s", msg->reason);
	proto_text_sanitize(reason);
	struct writer w = start_frame(out, cap, PROTO_STATUS);
	put_u32(&w, msg->page_id);
	put_u8(&w, msg->state);
	put_u64(&w, msg->done);
	put_u64(&w, msg->total);
	put_text(&w, reason);
	put_u32(&w, msg->late_ms);
	return finish_frame(&w);
}

int proto_status_decode(const uint8_t *payload, size_t len, struct proto_status *msg)
{
	struct reader r = reader_of(payload, len);
	msg->page_id = get_u32(&r);
	msg->state = get_u8(&r);
	msg->done = get_u64(&r);
	msg->total = get_u64(&r);
	get_text(&r, msg->reason, sizeof msg->reason, sizeof msg->reason - 1, true);
	msg->late_ms = get_u32(&r);
	if (msg->state < PAGE_RECEIVING || msg->state > PAGE_CANCELLED || msg->done > msg->total)
		r.bad = true;
	return reader_finish(&r);
}

size_t proto_ping_encode(const struct proto_ping *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_PING);
	put_u64(&w, msg->sent_us);
	return finish_frame(&w);
}

int proto_ping_decode(const uint8_t *payload, size_t len, struct proto_ping *msg)
{
	struct reader r = reader_of(payload, len);
	msg->sent_us = get_u64(&r);
	return reader_finish(&r);
}

size_t proto_pong_encode(const struct proto_pong *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_PONG);
	put_u64(&w, msg->ping_sent_us);
	put_u64(&w, msg->received_us);
	put_u64(&w, msg->sent_us);
	return finish_frame(&w);
}

int proto_pong_decode(const uint8_t *payload, size_t len, struct proto_pong *msg)
{
	struct reader r = reader_of(payload, len);
	msg->ping_sent_us = get_u64(&r);
	msg->received_us = get_u64(&r);
	msg->sent_us = get_u64(&r);
	/* The answerer cannot have sent before it received. */
	if (msg->sent_us < msg->received_us)
		r.bad = true;
	return reader_finish(&r);
}

size_t proto_sync_encode(const struct proto_sync *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_SYNC);
	put_u8(&w, msg->state);
	put_u32(&w, msg->uncertainty_us);
	put_u32(&w, (uint32_t)msg->drift_ppb);
	put_u64(&w, (uint64_t)msg->offset_us);
	return finish_frame(&w);
}

int proto_sync_decode(const uint8_t *payload, size_t len, struct proto_sync *msg)
{
	struct reader r = reader_of(payload, len);
	msg->state = get_u8(&r);
	msg->uncertainty_us = get_u32(&r);
	msg->drift_ppb = (int32_t)get_u32(&r);
	msg->offset_us = (int64_t)get_u64(&r);
	if (msg->state > SYNC_LOCKED)
		r.bad = true;
	return reader_finish(&r);
}

/* A frame of one string, BYE's or WAIT's. */
static size_t reason_encode(enum proto_type type, const struct proto_bye *msg, uint8_t *out,
                            size_t cap)
{
	char reason[sizeof msg->reason];
	snprintf(reason, sizeof reason, "%s", msg->reason);
	proto_text_sanitize(reason);
	struct writer w = start_frame(out, cap, type);
	put_text(&w, reason);
	return finish_frame(&w);
}

size_t proto_bye_encode(const struct proto_bye *msg, uint8_t *out, size_t cap)
{
	return reason_encode(PROTO_BYE, msg, out, cap);
}

size_t proto_wait_encode(const struct proto_bye *msg, uint8_t *out, size_t cap)
{
	return reason_encode(PROTO_WAIT, msg, out, cap);
}

int proto_bye_decode(const uint8_t *payload, size_t len, struct proto_bye *msg)
{
	struct reader r = reader_of(payload, len);
	get_text(&r, msg->reason, sizeof msg->reason, sizeof msg->reason - 1, true);
	return reader_finish(&r);
}

size_t proto_commit_encode(const struct proto_commit *msg, uint8_t *out, size_t cap)
{
	char reason[sizeof msg->reason];
	snprintf(reason, sizeof reason, "%s", msg->reason);
	proto_text_sanitize(reason);
	struct writer w = start_frame(out, cap, PROTO_COMMIT);
	put_u32(&w, msg->page_id);
	put_u8(&w, msg->verdict);
	put_u64(&w, msg->play_at_us);
	put_text(&w, reason);
	return finish_frame(&w);
}

int proto_commit_decode(const uint8_t *payload, size_t len, struct proto_commit *msg)
{
	struct reader r = reader_of(payload, len);
	msg->page_id = get_u32(&r);
	msg->verdict = get_u8(&r);
	msg->play_at_us = get_u64(&r);
	get_text(&r, msg->reason, sizeof msg->reason, sizeof msg->reason - 1, true);
	if (msg->verdict != COMMIT_PLAY && msg->verdict != COMMIT_CANCEL)
		r.bad = true;
	return reader_finish(&r);
}

size_t proto_prepare_encode(const struct proto_prepare *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_PREPARE);
	put_u32(&w, msg->rate);
	put_u8(&w, msg->channels);
	put_u64(&w, msg->until_us);
	return finish_frame(&w);
}

int proto_prepare_decode(const uint8_t *payload, size_t len, struct proto_prepare *msg)
{
	struct reader r = reader_of(payload, len);
	msg->rate = get_u32(&r);
	msg->channels = get_u8(&r);
	msg->until_us = get_u64(&r);
	if (msg->rate < RATE_MIN || msg->rate > RATE_MAX || msg->channels < 1 || msg->channels > CHANNELS_MAX)
		r.bad = true;
	return reader_finish(&r);
}

size_t proto_priority_encode(const struct proto_priority *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_PRIORITY);
	put_u32(&w, msg->page_id);
	put_u8(&w, msg->priority);
	return finish_frame(&w);
}

int proto_priority_decode(const uint8_t *payload, size_t len, struct proto_priority *msg)
{
	struct reader r = reader_of(payload, len);
	msg->page_id = get_u32(&r);
	msg->priority = get_u8(&r);
	if (reader_finish(&r) != PROTO_OK || msg->page_id == 0 || msg->priority > 2)
		return PROTO_ERR_MALFORMED;
	return PROTO_OK;
}

size_t proto_ready_encode(const struct proto_ready *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_READY);
	put_u32(&w, msg->lead_us);
	put_u64(&w, msg->until_us);
	return finish_frame(&w);
}

int proto_ready_decode(const uint8_t *payload, size_t len, struct proto_ready *msg)
{
	struct reader r = reader_of(payload, len);
	msg->lead_us = get_u32(&r);
	msg->until_us = get_u64(&r);
	return reader_finish(&r);
}

size_t proto_stream_begin_encode(const struct proto_stream_begin *msg, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_STREAM_BEGIN);
	put_u32(&w, msg->page_id);
	put_u64(&w, msg->created_ms);
	put_u8(&w, msg->codec);
	put_u32(&w, msg->rate);
	put_u8(&w, msg->channels);
	put_u32(&w, msg->max_frames);
	put_u8(&w, msg->live);
	put_u64(&w, msg->capture_us);
	put_u32(&w, msg->latency_us);
	return finish_frame(&w);
}

int proto_stream_begin_decode(const uint8_t *payload, size_t len, struct proto_stream_begin *msg)
{
	struct reader r = reader_of(payload, len);
	msg->page_id = get_u32(&r);
	msg->created_ms = get_u64(&r);
	msg->codec = get_u8(&r);
	msg->rate = get_u32(&r);
	msg->channels = get_u8(&r);
	msg->max_frames = get_u32(&r);
	msg->live = get_u8(&r);
	msg->capture_us = get_u64(&r);
	msg->latency_us = get_u32(&r);
	if (msg->page_id == 0 || msg->rate < RATE_MIN || msg->rate > RATE_MAX || msg->channels < 1 ||
	    msg->channels > CHANNELS_MAX || msg->max_frames == 0 || msg->live > 1 ||
	    (msg->live && (msg->latency_us < LIVE_LATENCY_MIN_MS * 1000u || msg->latency_us > LIVE_LATENCY_MAX_MS * 1000u)))
		r.bad = true;
	return reader_finish(&r);
}

size_t proto_stream_data_encode(uint32_t page_id, uint32_t first_seq, const uint8_t *const *frames,
                                const size_t *lens, uint16_t count, uint8_t *out, size_t cap)
{
	struct writer w = start_frame(out, cap, PROTO_STREAM_DATA);
	put_u32(&w, page_id);
	put_u32(&w, first_seq);
	put_u16(&w, count);
	for (uint16_t i = 0; i < count; i++) {
		if (lens[i] > UINT16_MAX)
			return 0;
		put_u16(&w, (uint16_t)lens[i]);
		put_bytes(&w, frames[i], lens[i]);
	}
	size_t n = finish_frame(&w);
	return n > PROTO_HEADER_SIZE + PROTO_STREAM_DATA_MAX_PAYLOAD ? 0 : n;
}

int proto_stream_data_decode(const uint8_t *payload, size_t len, struct proto_stream_data *msg)
{
	struct reader r = reader_of(payload, len);
	msg->page_id = get_u32(&r);
	msg->first_seq = get_u32(&r);
	msg->count = get_u16(&r);
	/* A payload cut short has no frames (and may have no bytes at all: never offset a NULL). */
	msg->frames = r.pos < len ? payload + r.pos : NULL;
	msg->frames_len = r.pos < len ? len - r.pos : 0;
	for (uint16_t i = 0; i < msg->count && !r.bad; i++)
		get_bytes(&r, get_u16(&r));
	if (msg->count == 0 || (uint64_t)msg->first_seq + msg->count > UINT32_MAX)
		r.bad = true;
	return reader_finish(&r);
}

bool proto_stream_data_next(const struct proto_stream_data *msg, size_t *at, const uint8_t **frame,
                            size_t *frame_len)
{
	if (*at + 2 > msg->frames_len)
		return false;
	size_t n = (size_t)msg->frames[*at] << 8 | msg->frames[*at + 1];
	if (*at + 2 + n > msg->frames_len)
		return false;
	*frame = msg->frames + *at + 2;
	*frame_len = n;
	*at += 2 + n;
	return true;
}

size_t proto_stream_end_encode(const struct proto_stream_end *msg, uint8_t *out, size_t cap)
{
	char reason[sizeof msg->reason];
	snprintf(reason, sizeof reason, "%s", msg->reason);
	proto_text_sanitize(reason);
	struct writer w = start_frame(out, cap, PROTO_STREAM_END);
	put_u32(&w, msg->page_id);
	put_u8(&w, msg->outcome);
	put_u32(&w, msg->frames);
	put_u32(&w, msg->count);
	put_u64(&w, msg->play_at_us);
	put_text(&w, reason);
	return finish_frame(&w);
}

int proto_stream_end_decode(const uint8_t *payload, size_t len, struct proto_stream_end *msg)
{
	struct reader r = reader_of(payload, len);
	msg->page_id = get_u32(&r);
	msg->outcome = get_u8(&r);
	msg->frames = get_u32(&r);
	msg->count = get_u32(&r);
	msg->play_at_us = get_u64(&r);
	get_text(&r, msg->reason, sizeof msg->reason, sizeof msg->reason - 1, true);
	if (msg->outcome != STREAM_COMPLETE && msg->outcome != STREAM_ABORTED)
		r.bad = true;
	return reader_finish(&r);
}

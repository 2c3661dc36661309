/*
 * The wire protocol between console and speakers: frame header, incremental
 * frame decoder, and the encoding of each message. Pure: no sockets, no
 * clocks, no globals, so units test it and fuzzers drive it. docs/PROTOCOL.md
 * is its prose twin; keep them in step.
 *
 * Don't forget to bump PROTO_VERSION if any of these change!
 */
#ifndef INTERCOM_PROTO_H
#define INTERCOM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/defaults.h"

/*
 * 2: PING/PONG carry microsecond timestamps for the shared clock, PAGE's
 * play-at is in the console's clock, SYNC, STATUS's late_ms and EXPIRED,
 * COMMIT (with PROTO_CAP_COMMIT) and CANCELLED, PREPARE and READY (with
 * PROTO_CAP_PREPARE), STREAM_BEGIN, _DATA and _END (with PROTO_CAP_STREAM),
 * PRIORITY (with PROTO_CAP_PRIORITY: an addition no older peer is sent, so
 * not a new version). A peer of another version is refused at its first frame (docs/PROTOCOL.md).
 */
#define PROTO_VERSION 2
#define PROTO_MAGIC "ICOM"
/* magic(4) version(1) type(1) flags(2) payload length(4), all big-endian. */
#define PROTO_HEADER_SIZE 12
/* Large enough for 300 s of 48 kHz stereo 16-bit (57.6 MB) plus headers. */
#define PROTO_MAX_PAYLOAD (64u << 20)
/* Every message but PAGE is small; a peer announcing more is hostile or broken. */
#define PROTO_MAX_CONTROL_PAYLOAD 1024u

enum proto_type {
	PROTO_HELLO = 1,   /* speaker -> console, first frame */
	PROTO_WELCOME = 2, /* console -> speaker, answer to HELLO */
	PROTO_PAGE = 3,    /* console -> speaker: one WAV */
	PROTO_STATUS = 4,  /* speaker -> console: progress of a page */
	PROTO_PING = 5,    /* either way: heartbeat */
	PROTO_PONG = 6,    /* answer to PING: its timestamp echoed, when it came, when the answer left */
	PROTO_BYE = 7,     /* either way: orderly close, with a reason */
	PROTO_SYNC = 8,    /* speaker -> console: how well its clock follows the console's */
	PROTO_WAIT = 9,    /* console -> speaker, before WELCOME: it waits for the operator's approval */
	PROTO_COMMIT = 10, /* console -> speaker: the page held may play (archived), or is cancelled */
	PROTO_PREPARE = 11, /* console -> speaker: a page is being recorded: have the output ready */
	PROTO_READY = 12,  /* speaker -> console: how soon after it holds a page it can start it */
	PROTO_STREAM_BEGIN = 13, /* console -> speaker: a page streamed while it is recorded starts */
	PROTO_STREAM_DATA = 14,  /* console -> speaker: consecutive encoded frames of it */
	PROTO_STREAM_END = 15,   /* console -> speaker: it is whole (its length, its play-at), or aborted */
	/* The handshake every link runs (auth.h) and the sealed record layer (seal.h); 20..31 reserved. */
	PROTO_NOISE_1 = 16,    /* speaker -> console: Noise XX message 1 (e) */
	PROTO_NOISE_2 = 17,    /* console -> speaker: message 2 (e, ee, s, es) */
	PROTO_NOISE_3 = 18,    /* speaker -> console: message 3 (s, se, and psk with a key) */
	PROTO_SEALED = 19,     /* either way: an encrypted, authenticated record of the frame stream */
	/* After the handshake's reserved range. */
	PROTO_PRIORITY = 32,   /* console -> speaker (with PROTO_CAP_PRIORITY): the next page's priority */
};

/* Capability bits in HELLO and WELCOME; a side uses a feature only if both set it. */
enum proto_caps {
	PROTO_CAP_PLAY_AT = 1u << 0, /* honours PAGE.play_at_us */
	/*
	 * Every PAGE is held, whole and checked, until a COMMIT for it: the
	 * console sends a page while it archives it and commits it once it is
	 * on disk, so no page plays unarchived and the archive costs no time.
	 */
	PROTO_CAP_COMMIT = 1u << 1,
	/*
	 * PREPARE and READY: while the operator talks, a speaker opens its
	 * output and says how little lead it then needs, so the page starts
	 * soon after the capture ends instead of after a cold start.
	 */
	PROTO_CAP_PREPARE = 1u << 2,
	/*
	 * STREAM_*: pages come as encoded frames while they are recorded (or
	 * read), then an END; a speaker that sets it sets COMMIT and PREPARE too.
	 */
	PROTO_CAP_STREAM = 1u << 3,
	/*
	 * PRIORITY: just before a page's PAGE or STREAM_BEGIN the console says
	 * its priority (normal, high, emergency); the speaker lets no page cut
	 * off one of higher priority, and plays an emergency page even muted.
	 * Without it a page is normal, as before.
	 */
	PROTO_CAP_PRIORITY = 1u << 4,
};

/* Header flags: none in version 1; a frame with any flag set is refused. */

enum proto_error {
	PROTO_OK = 0,
	PROTO_ERR_MAGIC = -1,     /* not our protocol */
	PROTO_ERR_VERSION = -2,   /* other protocol version */
	PROTO_ERR_TOO_LARGE = -3, /* payload length over the limit for its type */
	PROTO_ERR_MALFORMED = -4, /* payload does not parse */
};

struct proto_header {
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t length;
};

/*
 * The payload buffer's first size; it doubles as bytes arrive, up to the
 * frame's length. Big enough for any control frame and any sealed record in
 * one allocation; a peer that claims 64 MiB and sends 10 bytes costs this.
 */
#define PROTO_DECODER_FIRST_ALLOC (64u * 1024)

/*
 * Incremental decoder: feed it any split of the byte stream. Checks the header
 * before anything is allocated, then holds the payload in a buffer that grows
 * with the bytes that actually arrived (geometrically, never past the length
 * in the header), so a hostile length costs nothing and a trickle costs what it
 * sent. A decoder in error stays in error.
 */
struct proto_decoder {
	uint8_t header_bytes[PROTO_HEADER_SIZE];
	size_t header_have;
	struct proto_header header;
	uint8_t *payload;     /* owned; NULL until payload bytes arrive; valid from a
	                         complete frame until the next feed */
	size_t payload_have;
	size_t payload_cap;   /* bytes allocated for payload (<= header.length) */
	size_t max_payload;
	int error;            /* enum proto_error, sticky */
	bool frame_ready;
};

void proto_decoder_init(struct proto_decoder *dec, size_t max_payload);
/* From the next frame on, frames over max_payload (at most PROTO_MAX_PAYLOAD) are refused. */
void proto_decoder_set_limit(struct proto_decoder *dec, size_t max_payload);
void proto_decoder_free(struct proto_decoder *dec);

/*
 * Consumes bytes up to the end of at most one frame; returns how many it took
 * (call again with the rest), or a negative enum proto_error. When a frame is
 * complete, dec->frame_ready is set, dec->header and dec->payload hold it until
 * the next call.
 */
long proto_decoder_feed(struct proto_decoder *dec, const uint8_t *data, size_t len);

/* How much of the frame being received has arrived (for "receiving n%"). */
bool proto_decoder_progress(const struct proto_decoder *dec, uint8_t *type,
                            size_t *have, size_t *total);

const char *proto_error_str(int error);
const char *proto_type_name(int type);

/* Writes a frame header; returns PROTO_HEADER_SIZE. */
size_t proto_header_encode(uint8_t *out, enum proto_type type, uint32_t length);
int proto_header_decode(const uint8_t *in, struct proto_header *header);

/* ---- messages: *_encode writes a whole frame (header included) into out and
 * returns its size, or 0 if cap is too small; *_decode parses a payload and
 * returns 0 or PROTO_ERR_MALFORMED. ---- */

struct proto_hello {
	uint8_t version;
	uint32_t caps;
	char name[NAME_MAX_BYTES + 1];
	char zone[NAME_MAX_BYTES + 1];
};

struct proto_welcome {
	uint8_t version;
	uint32_t caps;
	uint32_t speaker_id;
	uint32_t heartbeat_ms;    /* how often the console pings */
	char console_name[NAME_MAX_BYTES + 1];
};

/* PAGE is page fields then the WAV bytes, which are sent from a shared buffer. */
struct proto_page {
	uint32_t page_id;
	uint64_t created_ms;      /* wall clock, ms since the epoch */
	uint64_t play_at_us;      /* 0 = play on arrival; else the console's monotonic clock, µs */
};
#define PROTO_PAGE_FIELDS_SIZE 20

enum proto_page_state {
	PAGE_RECEIVING = 1,
	PAGE_RECEIVED = 2,
	PAGE_PLAYING = 3,
	PAGE_PLAYED = 4,
	PAGE_FAILED = 5,
	PAGE_MUTED = 6,       /* received whole, not played on purpose */
	PAGE_INTERRUPTED = 7, /* a newer page took over */
	PAGE_EXPIRED = 8,     /* its play-at time passed before it could play: never played */
	PAGE_CANCELLED = 9,   /* the console cancelled it before it played (COMMIT_CANCEL) */
};

struct proto_status {
	uint32_t page_id;
	uint8_t state;            /* enum proto_page_state */
	uint64_t done;            /* bytes received or frames played */
	uint64_t total;
	char reason[128];         /* why it failed; empty otherwise */
	uint32_t late_ms;         /* playing/played: how late it joined its play-at time (0: on time) */
};

struct proto_ping {
	uint64_t sent_us;         /* sender's monotonic clock, µs, echoed in PONG */
};

/* The four timestamps of an NTP-style exchange are t1 (ping_sent_us), t2, t3 and the PONG's arrival. */
struct proto_pong {
	uint64_t ping_sent_us;    /* the PING's sent_us, echoed (the pinger's clock) */
	uint64_t received_us;     /* when the PING arrived (the answerer's clock) */
	uint64_t sent_us;         /* when the PONG was queued (the answerer's clock) */
};

enum proto_sync_state {
	SYNC_NONE = 0,     /* no estimate yet */
	SYNC_SETTLING = 1, /* an estimate, not yet good enough to start pages together */
	SYNC_LOCKED = 2,   /* offset known within uncertainty_us */
};

struct proto_sync {
	uint8_t state;            /* enum proto_sync_state */
	uint32_t uncertainty_us;  /* the offset is known to within ± this */
	int32_t drift_ppb;        /* the speaker's clock against the console's, parts per billion */
	int64_t offset_us;        /* console clock − speaker clock, now (for display and logs) */
};

struct proto_bye {
	char reason[128];
};

struct proto_prepare {
	uint32_t rate;            /* the page's format, as recorded */
	uint8_t channels;
	uint64_t until_us;        /* the console's clock: the page will be sent by then, or not at all */
};

/* PRIORITY: the page page_id (its PAGE or STREAM_BEGIN follows) has priority (enum priority, 0..2). */
struct proto_priority {
	uint32_t page_id;
	uint8_t priority;
};

struct proto_ready {
	uint32_t lead_us;         /* from holding a page to its first sample at the DAC, now */
	uint64_t until_us;        /* the console's clock: ready until then (the PREPARE's) */
};

/* A stream's DATA carries at most this (several frames of the largest format fit). */
#define PROTO_STREAM_DATA_MAX_PAYLOAD (256u * 1024)

struct proto_stream_begin {
	uint32_t page_id;
	uint64_t created_ms;      /* wall clock, as PAGE's */
	uint8_t codec;            /* enum stream_codec_id */
	uint32_t rate;
	uint8_t channels;
	uint32_t max_frames;      /* the most frames (per channel) the page can have: its set duration */
	uint8_t live;             /* 1: play each sample at its capture time + latency_us, as it comes */
	uint64_t capture_us;      /* live: the console's clock when the first sample was captured */
	uint32_t latency_us;      /* live: the fixed latency every speaker plays at */
};

/* DATA: frames first_seq, first_seq + 1, ... of the stream, each a u16 length and its bytes. */
struct proto_stream_data {
	uint32_t page_id;
	uint32_t first_seq;
	uint16_t count;
	const uint8_t *frames;    /* into the payload: count x (u16 length, bytes) */
	size_t frames_len;
};

enum proto_stream_outcome {
	STREAM_COMPLETE = 1,      /* every frame sent: the page is whole */
	STREAM_ABORTED = 2,       /* the recording was cancelled (reason): drop it */
};

struct proto_stream_end {
	uint32_t page_id;
	uint8_t outcome;          /* enum proto_stream_outcome */
	uint32_t frames;          /* the page's frames per channel (exactly, as archived) */
	uint32_t count;           /* stream frames sent (seq 0..count-1) */
	uint64_t play_at_us;      /* as PAGE's */
	char reason[128];         /* STREAM_ABORTED: why */
};

enum proto_commit_verdict {
	COMMIT_PLAY = 1,          /* the page is archived: play it at its time */
	COMMIT_CANCEL = 2,        /* it could not be archived: drop it, never play it */
};

struct proto_commit {
	uint32_t page_id;
	uint8_t verdict;          /* enum proto_commit_verdict */
	uint64_t play_at_us;      /* COMMIT_PLAY: 0, the PAGE's own; else a later one for every
	                             speaker (the archive took longer than the PAGE allowed for) */
	char reason[128];         /* COMMIT_CANCEL: why; empty otherwise */
};

size_t proto_hello_encode(const struct proto_hello *msg, uint8_t *out, size_t cap);
int proto_hello_decode(const uint8_t *payload, size_t len, struct proto_hello *msg);
size_t proto_welcome_encode(const struct proto_welcome *msg, uint8_t *out, size_t cap);
int proto_welcome_decode(const uint8_t *payload, size_t len, struct proto_welcome *msg);
/* Writes the frame header and page fields for a WAV of wav_len bytes that follows. */
size_t proto_page_encode_head(const struct proto_page *msg, size_t wav_len, uint8_t *out,
                              size_t cap);
int proto_page_decode(const uint8_t *payload, size_t len, struct proto_page *msg,
                      const uint8_t **wav, size_t *wav_len);
/*
 * The page id of a PAGE still arriving, from the first `have` bytes of its
 * payload (proto_decoder_progress says how many): PROTO_OK once its 4 bytes
 * are in, else PROTO_ERR_MALFORMED and *page_id untouched.
 */
int proto_page_peek_id(const uint8_t *payload, size_t have, uint32_t *page_id);
size_t proto_status_encode(const struct proto_status *msg, uint8_t *out, size_t cap);
int proto_status_decode(const uint8_t *payload, size_t len, struct proto_status *msg);
size_t proto_ping_encode(const struct proto_ping *msg, uint8_t *out, size_t cap);
int proto_ping_decode(const uint8_t *payload, size_t len, struct proto_ping *msg);
size_t proto_pong_encode(const struct proto_pong *msg, uint8_t *out, size_t cap);
int proto_pong_decode(const uint8_t *payload, size_t len, struct proto_pong *msg);
size_t proto_sync_encode(const struct proto_sync *msg, uint8_t *out, size_t cap);
int proto_sync_decode(const uint8_t *payload, size_t len, struct proto_sync *msg);
size_t proto_bye_encode(const struct proto_bye *msg, uint8_t *out, size_t cap);
int proto_bye_decode(const uint8_t *payload, size_t len, struct proto_bye *msg);
size_t proto_prepare_encode(const struct proto_prepare *msg, uint8_t *out, size_t cap);
int proto_prepare_decode(const uint8_t *payload, size_t len, struct proto_prepare *msg);
/* PRIORITY: 5 bytes of payload; PROTO_OK, or PROTO_ERR_MALFORMED (also a priority over 2, or page id 0). */
size_t proto_priority_encode(const struct proto_priority *msg, uint8_t *out, size_t cap);
int proto_priority_decode(const uint8_t *payload, size_t len, struct proto_priority *msg);
size_t proto_ready_encode(const struct proto_ready *msg, uint8_t *out, size_t cap);
int proto_ready_decode(const uint8_t *payload, size_t len, struct proto_ready *msg);
size_t proto_stream_begin_encode(const struct proto_stream_begin *msg, uint8_t *out, size_t cap);
int proto_stream_begin_decode(const uint8_t *payload, size_t len, struct proto_stream_begin *msg);
/*
 * A DATA frame of count frames (frames[i] of lens[i] bytes, each at most
 * 65535) from first_seq; 0 if it does not fit cap or PROTO_STREAM_DATA_MAX_PAYLOAD.
 */
size_t proto_stream_data_encode(uint32_t page_id, uint32_t first_seq, const uint8_t *const *frames,
                                const size_t *lens, uint16_t count, uint8_t *out, size_t cap);
/* Checks every frame's length against the payload: the frames are then walked with _next. */
int proto_stream_data_decode(const uint8_t *payload, size_t len, struct proto_stream_data *msg);
/* The next frame of a decoded DATA (*at starts at 0): true with its bytes, false after the last. */
bool proto_stream_data_next(const struct proto_stream_data *msg, size_t *at, const uint8_t **frame,
                            size_t *frame_len);
size_t proto_stream_end_encode(const struct proto_stream_end *msg, uint8_t *out, size_t cap);
int proto_stream_end_decode(const uint8_t *payload, size_t len, struct proto_stream_end *msg);
size_t proto_commit_encode(const struct proto_commit *msg, uint8_t *out, size_t cap);
int proto_commit_decode(const uint8_t *payload, size_t len, struct proto_commit *msg);
/* WAIT: a reason, as BYE's, but the connection stays open. */
size_t proto_wait_encode(const struct proto_bye *msg, uint8_t *out, size_t cap);

/*
 * A peer-supplied name or zone: valid UTF-8, fits, and printable
 * (utf8_check_text: no control characters, no invisible or bidi format
 * characters such as U+202E, no noncharacters).
 */
bool proto_text_valid(const char *text, size_t len, size_t max);

/* Text (reasons) made valid for the wire: each byte of a bad or unprintable character becomes '?'. */
void proto_text_sanitize(char *text);

const char *proto_page_state_name(int state);
/* A state after which nothing more happens to the page on that speaker (played, failed, ...). */
bool proto_page_state_final(int state);

#endif

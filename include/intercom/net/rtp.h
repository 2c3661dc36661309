/*
 * RTP (RFC 3550) as paging hardware speaks it (RFC 3551's audio profile):
 * the fixed header written and read, a sender's sequence numbers,
 * timestamps and marker bit, a receiver's check of what arrives (one
 * source, in order, no duplicates) with every refusal counted, the pacing
 * schedule of a sender (one packet per slot against the monotonic clock),
 * and the --rtp / --rtp-listen text. Pure: no sockets, no clock, no codec.
 */
#ifndef INTERCOM_RTP_H
#define INTERCOM_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fixed header: version 2, no padding, no extension, no CSRC when we write it. */
#define RTP_HEADER_BYTES 12
#define RTP_VERSION 2
/*
 * The longest packet a receiver takes: a 20 ms Opus frame at most 1276
 * bytes (RFC 6716), G.711 at 60 ms 480 bytes, plus headers; anything
 * longer is no voice packet of ours and is refused before it is read.
 */
#define RTP_MAX_PACKET_BYTES 1500
/* Every sender here: 20 ms per packet, what paging endpoints expect (Algo, Axis, Asterisk's default). */
#define RTP_PACKET_MS 20

struct rtp_header {
	bool marker;
	uint8_t payload_type;   /* 0..127 */
	uint16_t seq;
	uint32_t timestamp;
	uint32_t ssrc;
};

/* Writes the 12-byte header into out; RTP_HEADER_BYTES, or 0 if cap is too small. */
size_t rtp_header_write(const struct rtp_header *h, uint8_t *out, size_t cap);

/* Why a packet was refused by rtp_parse or rtp_receiver_accept. */
enum rtp_refusal {
	RTP_OK = 0,
	RTP_SHORT,          /* shorter than its header (with CSRCs and extension) */
	RTP_HUGE,           /* longer than RTP_MAX_PACKET_BYTES */
	RTP_BAD_VERSION,    /* not version 2 */
	RTP_BAD_PADDING,    /* padding count 0 or past the payload */
	RTP_EMPTY,          /* no payload */
	RTP_WRONG_PT,       /* not the payload type configured */
	RTP_OTHER_SOURCE,   /* another SSRC while one is playing */
	RTP_DUPLICATE,      /* a sequence number seen already */
	RTP_TOO_OLD,        /* behind what was played: reordered too far, or a restarted sender */
	RTP_REFUSAL_COUNT,
};
const char *rtp_refusal_name(enum rtp_refusal r);

/*
 * Reads a packet: its header, and where its payload lies (past CSRCs and a
 * header extension, before padding). RTP_OK or why not; never reads past len.
 */
enum rtp_refusal rtp_parse(const uint8_t *pkt, size_t len, struct rtp_header *h,
                           const uint8_t **payload, size_t *payload_len);

/* ---- a sender ---- */

struct rtp_sender {
	uint8_t payload_type;
	uint32_t ssrc;
	uint16_t seq;          /* of the next packet */
	uint32_t timestamp;    /* of the next packet */
	bool marker_next;      /* the next packet begins a talk */
	uint64_t packets, bytes;
};

/* A sender with a random ssrc, first seq and timestamp (RFC 3550 5.1: all three random). */
void rtp_sender_init(struct rtp_sender *s, uint8_t payload_type, uint32_t ssrc, uint16_t seq,
                     uint32_t timestamp);
/* A talk (a page) begins: its first packet carries the marker bit (RFC 3551 4.1). */
void rtp_sender_talk(struct rtp_sender *s);
/*
 * One packet: header and payload into out. ticks: the payload's duration
 * in RTP clock units (G.722: 8 kHz units for 16 kHz audio, RFC 3551 4.5.2),
 * by which the next timestamp advances. Bytes written, or 0 if cap is short.
 */
size_t rtp_sender_packet(struct rtp_sender *s, const uint8_t *payload, size_t len, uint32_t ticks,
                         uint8_t *out, size_t cap);
/* A stretch of ticks with nothing sent (between talks): the timestamp moves on, seq does not. */
void rtp_sender_skip(struct rtp_sender *s, uint32_t ticks);

/* ---- a receiver ---- */

/*
 * How far back an unplayed packet may be reordered before it counts as too
 * old, and how far a jump counts as a restart of the sender (RFC 3550 A.1's
 * MAX_MISORDER and MAX_DROPOUT, for 20 ms packets: 2 s back, 60 s ahead).
 */
#define RTP_MAX_MISORDER 100
#define RTP_MAX_DROPOUT 3000
/* A source silent this long gives way to another SSRC (a new sender, a restarted one). */
#define RTP_SOURCE_IDLE_MS 1000

struct rtp_receiver {
	uint8_t payload_type;      /* the one taken */
	bool have_source;
	uint32_t ssrc;
	uint64_t last_ms;          /* when the source's last packet was taken */
	uint32_t ext_max;          /* highest extended seq taken (cycles << 16 | seq) */
	uint64_t seen[2];          /* the last 128 seqs below and at ext_max: bit i = ext_max - i taken */
	uint64_t taken;
	uint64_t refused[RTP_REFUSAL_COUNT];
	uint64_t sources;          /* sources taken over the receiver's life */
};

void rtp_receiver_init(struct rtp_receiver *r, uint8_t payload_type);
/*
 * Whether to take a packet with this header, arrived at now_ms; on RTP_OK
 * *ext_seq is its 32-bit extended sequence number and *new_source says it
 * starts a new source (its timeline starts afresh). Refusals are counted.
 */
enum rtp_refusal rtp_receiver_accept(struct rtp_receiver *r, const struct rtp_header *h,
                                     uint64_t now_ms, uint32_t *ext_seq, bool *new_source);
/* Counts a refusal found elsewhere (rtp_parse, the codec). */
void rtp_receiver_refuse(struct rtp_receiver *r, enum rtp_refusal why);
/* Refusals of every kind. */
uint64_t rtp_receiver_refused(const struct rtp_receiver *r);

/* ---- the pacing schedule of a sender ---- */

/*
 * Packet k of a run is due at start_us + k x period_us: sent against the
 * monotonic clock, so the packets keep their slots however late each
 * wake-up was (no drift, no bursts but a catch-up after a stall).
 */
struct rtp_pace {
	uint64_t start_us;
	uint32_t period_us;
	uint64_t sent;          /* packets of the run sent */
};

void rtp_pace_start(struct rtp_pace *p, uint64_t start_us, uint32_t period_us);
/* When packet `sent` is due. */
uint64_t rtp_pace_next_us(const struct rtp_pace *p);
/*
 * Packets due by now_us and not sent. A stall of more than max_behind slots
 * skips the older ones (they would only arrive in a burst, too late to
 * play): *skipped says how many, and they count as sent.
 */
uint64_t rtp_pace_due(struct rtp_pace *p, uint64_t now_us, uint64_t max_behind, uint64_t *skipped);
/* One packet sent. */
void rtp_pace_sent(struct rtp_pace *p);

/* ---- the option's text ---- */

/* The codecs of RTP paging (RFC 3551 payload types 0, 8, 9; Opus dynamic, RFC 7587). */
enum rtp_codec_id {
	RTP_CODEC_PCMU,
	RTP_CODEC_PCMA,
	RTP_CODEC_G722,
	RTP_CODEC_OPUS,
};
/* The payload type we send Opus with (dynamic, 96..127; 111 is what Asterisk and WebRTC use). */
#define RTP_OPUS_PAYLOAD_TYPE 111
/* --rtp-listen's latency= bounds: a 20 ms packet's own time, up to what a page may lag by. */
#define RTP_LATENCY_MIN_MS 20
#define RTP_LATENCY_MAX_MS 2000
/* The TTL of a multicast group when none is given: stays on the local network (and one router). */
#define RTP_DEFAULT_TTL 1

/*
 * --rtp targets one console sends to: each is one stream (a packet every 20
 * ms); a building's hardware is reached through a few groups, and thousands
 * of endpoints share a group: the network does that fan-out.
 */
#define RTP_TARGETS_MAX 16

/* --rtp GROUP:PORT[,codec=C][,ttl=N][,iface=NAME][,zone=Z][,name=N] and --rtp-listen's. */
struct rtp_spec {
	char group[16];            /* a numeric IPv4 address: multicast group or unicast host */
	int port;
	enum rtp_codec_id codec;   /* default pcmu: every endpoint takes it */
	int ttl;                   /* 1..255 */
	char iface[32];            /* "" = the routing table's choice */
	char zone[65];
	char name[65];             /* "" = rtp:GROUP:PORT */
	int latency_ms;            /* --rtp-listen: the jitter buffer's depth; 0 = the speaker's default */
	bool multicast;            /* group is 224.0.0.0/4 */
};

/*
 * Parses the option's value; 0, or -1 with a one-line reason naming the
 * fix. listen: the speaker's --rtp-listen (ttl, zone, name not taken).
 */
int rtp_spec_parse(const char *text, bool listen, struct rtp_spec *spec, char *err, size_t errlen);
/* "pcmu", "pcma", "g722", "opus". */
const char *rtp_codec_name(enum rtp_codec_id codec);

#endif

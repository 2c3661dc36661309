/*
 * An RTP receiver's depacketizer: a datagram in, 20 ms frames of mono
 * samples out, each with its place on the source's timeline (frame index
 * from the RTP timestamp, so a 40 ms packet gives two frames, and a packet
 * lost leaves its frames to be concealed). Owns the checks of what arrives
 * (rtp.h: header, payload type, one source, duplicates, too old), the codec
 * (rtp_codec.h), and the count of everything refused. Pure apart from the
 * codec: no socket, no clock (the caller passes the time), no allocation
 * after rtp_depack_new. Packets must start on a 20 ms frame and carry up to
 * RTP_DEPACK_MAX_FRAMES of them (20, 40, 60 ms: what paging hardware
 * sends; a short one, a sender's last, is padded with silence); a packet
 * placed between two frames is refused and counted.
 */
#ifndef INTERCOM_RTP_DEPACK_H
#define INTERCOM_RTP_DEPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/net/rtp.h"

/* The most 20 ms frames one packet may carry (G.711 in a 1500-byte packet: 9). */
#define RTP_DEPACK_MAX_FRAMES 9

/* Refusals beyond rtp.h's: the payload was not this codec's, or not whole 20 ms frames. */
struct rtp_depack_stats {
	uint64_t packets;            /* datagrams offered */
	uint64_t frames;             /* 20 ms frames given out */
	uint64_t bad_payload;        /* the codec refused it (garbage, not 20 ms of Opus) */
	uint64_t unaligned;          /* not whole 20 ms frames, or placed between two */
	const uint64_t *refused;     /* by enum rtp_refusal (rtp_receiver.refused) */
};

/* What a packet gave: its frames, in order, the first at index first. */
struct rtp_depack_out {
	bool new_source;             /* a new timeline starts: index 0 is its first frame */
	uint32_t ssrc;
	uint32_t first;              /* frame index of frames[0] on the source's timeline */
	size_t count;                /* frames (0 if refused) */
	const int16_t *samples;      /* count x rtp_depack_frame_samples(), valid until the next call */
	enum rtp_refusal refusal;    /* RTP_OK, or why it was refused (RTP_REFUSAL_COUNT: the codec or alignment) */
};

struct rtp_depack;

/* A depacketizer for codec; NULL with a reason (the codec could not be made). */
struct rtp_depack *rtp_depack_new(enum rtp_codec_id codec, char *reason, size_t reasonlen);
void rtp_depack_free(struct rtp_depack *dp);
/* Samples of one frame (20 ms at the codec's sample rate). */
size_t rtp_depack_frame_samples(const struct rtp_depack *dp);
int rtp_depack_rate(const struct rtp_depack *dp);

/* One datagram of len bytes arrived at now_ms. Returns out->count (0: refused, counted). */
size_t rtp_depack_packet(struct rtp_depack *dp, const uint8_t *pkt, size_t len, uint64_t now_ms,
                         struct rtp_depack_out *out);
struct rtp_depack_stats rtp_depack_stats(const struct rtp_depack *dp);
/* Every packet refused, of any kind. */
uint64_t rtp_depack_refused(const struct rtp_depack *dp);

#endif

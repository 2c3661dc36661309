/*
 * The codecs of RTP paging, one 20 ms packet at a time, mono: G.711 µ-law
 * and A-law and G.722 through spandsp, Opus through our stream codec
 * (stream_codec.h, libopus at 48 kHz). Owns each codec's payload type,
 * sample rate and RTP clock rate (G.722 samples at 16 kHz but its RTP clock
 * counts 8 kHz, RFC 3551 4.5.2), and the size of its packets. No I/O; no
 * allocation after *_new.
 */
#ifndef INTERCOM_RTP_CODEC_H
#define INTERCOM_RTP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "intercom/net/rtp.h"

struct rtp_codec_info {
	enum rtp_codec_id id;
	uint8_t payload_type;   /* 0, 8, 9, RTP_OPUS_PAYLOAD_TYPE */
	int sample_rate;        /* of the audio: 8000, 16000, 48000 */
	int clock_rate;         /* of the RTP timestamps: 8000, 8000, 8000, 48000 */
	const char *encoding;   /* its name in SDP's a=rtpmap: PCMU, PCMA, G722, opus */
};

const struct rtp_codec_info *rtp_codec_info(enum rtp_codec_id id);
/* Samples of one 20 ms packet (at sample_rate) and its RTP timestamp step (at clock_rate). */
size_t rtp_codec_packet_samples(enum rtp_codec_id id);
uint32_t rtp_codec_packet_ticks(enum rtp_codec_id id);
/* The most bytes one encoded 20 ms packet's payload takes. */
size_t rtp_codec_max_payload(enum rtp_codec_id id);

struct rtp_encoder;
struct rtp_decoder;

/* A new encoder, or NULL with a reason (the library refused, no memory). */
struct rtp_encoder *rtp_encoder_new(enum rtp_codec_id id, char *reason, size_t reasonlen);
void rtp_encoder_free(struct rtp_encoder *enc);
/*
 * Encodes rtp_codec_packet_samples() mono samples into out (cap bytes,
 * rtp_codec_max_payload() always fits). Bytes written, or -1.
 */
int rtp_encode(struct rtp_encoder *enc, const int16_t *samples, uint8_t *out, size_t cap);

struct rtp_decoder *rtp_decoder_new(enum rtp_codec_id id, char *reason, size_t reasonlen);
void rtp_decoder_free(struct rtp_decoder *dec);
/*
 * Decodes one payload into samples (cap of them, mono, at sample_rate):
 * how many, or -1 with a reason (bytes that are not this codec's: an Opus
 * packet that is not one valid 20 ms frame; G.711 and G.722 take any bytes,
 * more than cap samples' worth refused). Never reads past len.
 */
int rtp_decode(struct rtp_decoder *dec, const uint8_t *bytes, size_t len, int16_t *samples, size_t cap,
               char *reason, size_t reasonlen);

#endif

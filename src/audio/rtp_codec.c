/*
 * RTP paging's codecs (rtp_codec.h): spandsp for G.711 and G.722, our
 * stream codec for Opus, so libopus is set up in one place only.
 */
#include "intercom/audio/rtp_codec.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <spandsp/telephony.h>
#include <spandsp/g711.h>
#include <spandsp/g722.h>

#include "intercom/audio/stream_codec.h"

static const struct rtp_codec_info infos[] = {
	[RTP_CODEC_PCMU] = { RTP_CODEC_PCMU, 0, 8000, 8000, "PCMU" },
	[RTP_CODEC_PCMA] = { RTP_CODEC_PCMA, 8, 8000, 8000, "PCMA" },
	/* RFC 3551 4.5.2: G.722's RTP clock is 8000 Hz, "an error in RFC 1890" kept for compatibility. */
	[RTP_CODEC_G722] = { RTP_CODEC_G722, 9, 16000, 8000, "G722" },
	[RTP_CODEC_OPUS] = { RTP_CODEC_OPUS, RTP_OPUS_PAYLOAD_TYPE, 48000, 48000, "opus" },
};

/* G.722 at 64 kbit/s, the rate every paging endpoint uses: 8 bits per pair of 16 kHz samples. */
#define G722_BIT_RATE 64000

const struct rtp_codec_info *rtp_codec_info(enum rtp_codec_id id)
{
	return (unsigned)id < sizeof infos / sizeof infos[0] ? &infos[id] : &infos[RTP_CODEC_PCMU];
}

size_t rtp_codec_packet_samples(enum rtp_codec_id id)
{
	return (size_t)rtp_codec_info(id)->sample_rate * RTP_PACKET_MS / 1000;
}

uint32_t rtp_codec_packet_ticks(enum rtp_codec_id id)
{
	return (uint32_t)rtp_codec_info(id)->clock_rate * RTP_PACKET_MS / 1000;
}

size_t rtp_codec_max_payload(enum rtp_codec_id id)
{
	switch (id) {
	case RTP_CODEC_PCMU:
	case RTP_CODEC_PCMA:
		return rtp_codec_packet_samples(id);
	case RTP_CODEC_G722:
		return rtp_codec_packet_samples(id) / 2;
	case RTP_CODEC_OPUS:
		return STREAM_OPUS_MAX_FRAME_BYTES;
	}
	return 0;
}

static struct stream_codec_params opus_params(void)
{
	return (struct stream_codec_params){ .codec = STREAM_CODEC_OPUS, .rate = 48000, .channels = 1,
	                                     .bitrate = 0, .complexity = -1 };
}

struct rtp_encoder {
	enum rtp_codec_id id;
	g711_state_t *g711;
	g722_encode_state_t *g722;
	struct stream_encoder *opus;
};

struct rtp_encoder *rtp_encoder_new(enum rtp_codec_id id, char *reason, size_t reasonlen)
{
	struct rtp_encoder *enc = calloc(1, sizeof *enc);
	if (!enc) {
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	enc->id = id;
	bool ok = true;
	switch (id) {
	case RTP_CODEC_PCMU:
	case RTP_CODEC_PCMA:
		ok = (enc->g711 = g711_init(NULL, id == RTP_CODEC_PCMU ? G711_ULAW : G711_ALAW)) != NULL;
		break;
	case RTP_CODEC_G722:
		ok = (enc->g722 = g722_encode_init(NULL, G722_BIT_RATE, 0)) != NULL;
		break;
	case RTP_CODEC_OPUS: {
		struct stream_codec_params params = opus_params();
		enc->opus = stream_codec_encoder_new(&params, reason, reasonlen);
		if (!enc->opus) {
			free(enc);
			return NULL;
		}
		break;
	}
	}
	if (!ok) {
		snprintf(reason, reasonlen, "spandsp could not make a %s encoder", rtp_codec_name(id));
		rtp_encoder_free(enc);
		return NULL;
	}
	return enc;
}

void rtp_encoder_free(struct rtp_encoder *enc)
{
	if (!enc)
		return;
	if (enc->g711)
		g711_free(enc->g711);
	if (enc->g722)
		g722_encode_free(enc->g722);
	stream_codec_encoder_free(enc->opus);
	free(enc);
}

int rtp_encode(struct rtp_encoder *enc, const int16_t *samples, uint8_t *out, size_t cap)
{
	size_t n = rtp_codec_packet_samples(enc->id);
	if (cap < rtp_codec_max_payload(enc->id) && enc->id != RTP_CODEC_OPUS)
		return -1;
	switch (enc->id) {
	case RTP_CODEC_PCMU:
	case RTP_CODEC_PCMA:
		return g711_encode(enc->g711, out, samples, (int)n);
	case RTP_CODEC_G722:
		return g722_encode(enc->g722, out, samples, (int)n);
	case RTP_CODEC_OPUS:
		return stream_codec_encode(enc->opus, samples, out, cap);
	}
	return -1;
}

struct rtp_decoder {
	enum rtp_codec_id id;
	g711_state_t *g711;
	g722_decode_state_t *g722;
	struct stream_decoder *opus;
};

struct rtp_decoder *rtp_decoder_new(enum rtp_codec_id id, char *reason, size_t reasonlen)
{
	struct rtp_decoder *dec = calloc(1, sizeof *dec);
	if (!dec) {
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	dec->id = id;
	bool ok = true;
	switch (id) {
	case RTP_CODEC_PCMU:
	case RTP_CODEC_PCMA:
		ok = (dec->g711 = g711_init(NULL, id == RTP_CODEC_PCMU ? G711_ULAW : G711_ALAW)) != NULL;
		break;
	case RTP_CODEC_G722:
		ok = (dec->g722 = g722_decode_init(NULL, G722_BIT_RATE, 0)) != NULL;
		break;
	case RTP_CODEC_OPUS: {
		struct stream_codec_params params = opus_params();
		dec->opus = stream_codec_decoder_new(&params, reason, reasonlen);
		if (!dec->opus) {
			free(dec);
			return NULL;
		}
		break;
	}
	}
	if (!ok) {
		snprintf(reason, reasonlen, "spandsp could not make a %s decoder", rtp_codec_name(id));
		rtp_decoder_free(dec);
		return NULL;
	}
	return dec;
}

void rtp_decoder_free(struct rtp_decoder *dec)
{
	if (!dec)
		return;
	if (dec->g711)
		g711_free(dec->g711);
	if (dec->g722)
		g722_decode_free(dec->g722);
	stream_codec_decoder_free(dec->opus);
	free(dec);
}

int rtp_decode(struct rtp_decoder *dec, const uint8_t *bytes, size_t len, int16_t *samples, size_t cap,
               char *reason, size_t reasonlen)
{
	switch (dec->id) {
	case RTP_CODEC_PCMU:
	case RTP_CODEC_PCMA:
		if (len > cap) {
			snprintf(reason, reasonlen, "%zu bytes of G.711: longer than %zu samples", len, cap);
			return -1;
		}
		return g711_decode(dec->g711, samples, bytes, (int)len);
	case RTP_CODEC_G722:
		if (len > cap / 2) {
			snprintf(reason, reasonlen, "%zu bytes of G.722: longer than %zu samples", len, cap);
			return -1;
		}
		return g722_decode(dec->g722, samples, bytes, (int)len);
	case RTP_CODEC_OPUS:
		if (cap < rtp_codec_packet_samples(RTP_CODEC_OPUS)) {
			snprintf(reason, reasonlen, "no room for 20 ms of Opus");
			return -1;
		}
		if (stream_codec_decode(dec->opus, bytes, len, samples, reason, reasonlen) < 0)
			return -1;
		return (int)rtp_codec_packet_samples(RTP_CODEC_OPUS);
	}
	return -1;
}

/* An RTP receiver's depacketizer (rtp_depack.h). */
#include "intercom/audio/rtp_depack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/rtp_codec.h"

/* The most samples one packet decodes to: G.722's 16 kHz x 9 frames of 20 ms. */
#define DEPACK_MAX_SAMPLES (RTP_DEPACK_MAX_FRAMES * 320 > 2 * 960 ? RTP_DEPACK_MAX_FRAMES * 320 : 2 * 960)

struct rtp_depack {
	enum rtp_codec_id codec;
	struct rtp_decoder *dec;
	struct rtp_receiver rx;
	size_t frame_samples;
	uint32_t frame_ticks;
	uint32_t ts0;                /* the source's first timestamp: frame 0 */
	struct rtp_depack_stats stats;
	int16_t samples[DEPACK_MAX_SAMPLES];
};

struct rtp_depack *rtp_depack_new(enum rtp_codec_id codec, char *reason, size_t reasonlen)
{
	struct rtp_depack *dp = calloc(1, sizeof *dp);
	if (!dp) {
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	dp->codec = codec;
	dp->dec = rtp_decoder_new(codec, reason, reasonlen);
	if (!dp->dec) {
		free(dp);
		return NULL;
	}
	rtp_receiver_init(&dp->rx, rtp_codec_info(codec)->payload_type);
	dp->frame_samples = rtp_codec_packet_samples(codec);
	dp->frame_ticks = rtp_codec_packet_ticks(codec);
	return dp;
}

void rtp_depack_free(struct rtp_depack *dp)
{
	if (!dp)
		return;
	rtp_decoder_free(dp->dec);
	free(dp);
}

size_t rtp_depack_frame_samples(const struct rtp_depack *dp)
{
	return dp->frame_samples;
}

int rtp_depack_rate(const struct rtp_depack *dp)
{
	return rtp_codec_info(dp->codec)->sample_rate;
}

size_t rtp_depack_packet(struct rtp_depack *dp, const uint8_t *pkt, size_t len, uint64_t now_ms,
                         struct rtp_depack_out *out)
{
	*out = (struct rtp_depack_out){ .samples = dp->samples, .refusal = RTP_OK };
	dp->stats.packets++;
	struct rtp_header h;
	const uint8_t *payload;
	size_t payload_len;
	enum rtp_refusal why = rtp_parse(pkt, len, &h, &payload, &payload_len);
	if (why != RTP_OK) {
		rtp_receiver_refuse(&dp->rx, why);
		out->refusal = why;
		return 0;
	}
	/*
	 * Where it goes on the timeline, checked before the receiver takes its
	 * sequence number: a packet between two frames would take a place that
	 * a good packet then could not. A new source starts at this packet.
	 */
	bool idle_or_new = !dp->rx.have_source || h.ssrc != dp->rx.ssrc ||
	                   now_ms - dp->rx.last_ms >= RTP_SOURCE_IDLE_MS;
	int32_t offset = idle_or_new ? 0 : (int32_t)(h.timestamp - dp->ts0);
	if (offset % (int32_t)dp->frame_ticks != 0) {
		dp->stats.unaligned++;
		out->refusal = RTP_REFUSAL_COUNT;
		return 0;
	}
	uint32_t ext;
	bool fresh;
	why = rtp_receiver_accept(&dp->rx, &h, now_ms, &ext, &fresh);
	if (why != RTP_OK) {
		out->refusal = why;
		return 0;
	}
	if (fresh) {
		dp->ts0 = h.timestamp;
		offset = 0;
	}
	if (offset < 0) {
		/* Reordered before the timeline's first frame: its place was never there to play. */
		rtp_receiver_refuse(&dp->rx, RTP_TOO_OLD);
		out->refusal = RTP_TOO_OLD;
		return 0;
	}
	char reason[96];
	int n = rtp_decode(dp->dec, payload, payload_len, dp->samples, DEPACK_MAX_SAMPLES, reason, sizeof reason);
	if (n <= 0) {
		dp->stats.bad_payload++;
		out->refusal = RTP_REFUSAL_COUNT;
		return 0;
	}
	/* A short last frame (a sender's last packet) is padded with silence to a whole one. */
	size_t frames = ((size_t)n + dp->frame_samples - 1) / dp->frame_samples;
	if (frames > RTP_DEPACK_MAX_FRAMES) {
		dp->stats.unaligned++;
		out->refusal = RTP_REFUSAL_COUNT;
		return 0;
	}
	memset(dp->samples + n, 0, (frames * dp->frame_samples - (size_t)n) * sizeof *dp->samples);
	out->new_source = fresh;
	out->ssrc = h.ssrc;
	out->first = (uint32_t)offset / dp->frame_ticks;
	out->count = frames;
	dp->stats.frames += out->count;
	return out->count;
}

struct rtp_depack_stats rtp_depack_stats(const struct rtp_depack *dp)
{
	struct rtp_depack_stats s = dp->stats;
	s.refused = dp->rx.refused;
	return s;
}

uint64_t rtp_depack_refused(const struct rtp_depack *dp)
{
	return rtp_receiver_refused(&dp->rx) + dp->stats.bad_payload + dp->stats.unaligned;
}

/*
 * The stream codec (stream_codec.h): pcm by hand, opus through libopus. All
 * memory is taken in *_new; encode, decode and conceal use only that state
 * and the caller's buffers.
 */
#include "intercom/audio/stream_codec.h"

#include "intercom/common/defaults.h"

#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stream_encoder {
	struct stream_codec_params params;
	size_t frame_samples;  /* per channel */
	OpusEncoder *opus;     /* NULL for pcm */
};

struct stream_decoder {
	struct stream_codec_params params;
	size_t frame_samples;
	size_t fade_samples;   /* pcm concealment's ramp, per channel */
	OpusDecoder *opus;     /* NULL for pcm */
	int16_t last[CHANNELS_MAX]; /* pcm: the last sample put out per channel, where a fade starts */
};

/* The rates libopus encodes and decodes at (RFC 6716 2: its internal bandwidths). */
static const int opus_rates[] = { 8000, 12000, 16000, 24000, 48000 };

const char *stream_codec_name(enum stream_codec_id codec)
{
	switch (codec) {
	case STREAM_CODEC_PCM: return "pcm";
	case STREAM_CODEC_OPUS: return "opus";
	}
	return NULL;
}

int stream_codec_parse(const char *name, enum stream_codec_id *codec)
{
	if (!name)
		return -1;
	if (strcmp(name, "pcm") == 0) {
		*codec = STREAM_CODEC_PCM;
		return 0;
	}
	if (strcmp(name, "opus") == 0) {
		*codec = STREAM_CODEC_OPUS;
		return 0;
	}
	return -1;
}

static void say(char *reason, size_t reasonlen, const char *text)
{
	if (reason && reasonlen)
		snprintf(reason, reasonlen, "%s", text);
}

static int opus_rate_ok(int rate)
{
	for (size_t i = 0; i < sizeof opus_rates / sizeof opus_rates[0]; i++)
		if (rate == opus_rates[i])
			return 1;
	return 0;
}

int stream_codec_check(const struct stream_codec_params *p, char *reason, size_t reasonlen)
{
	char text[160];
	if (!p || !stream_codec_name(p->codec)) {
		say(reason, reasonlen, "unknown codec");
		return -1;
	}
	if (p->rate < RATE_MIN || p->rate > RATE_MAX) {
		snprintf(text, sizeof text, "rate %d Hz outside %d..%d", p->rate, RATE_MIN, RATE_MAX);
		say(reason, reasonlen, text);
		return -1;
	}
	if (p->channels < 1 || p->channels > CHANNELS_MAX) {
		snprintf(text, sizeof text, "%d channels outside 1..%d", p->channels, CHANNELS_MAX);
		say(reason, reasonlen, text);
		return -1;
	}
	if (p->codec == STREAM_CODEC_PCM)
		return 0;
	if (!opus_rate_ok(p->rate)) {
		snprintf(text, sizeof text,
		         "opus needs a rate of 8000, 12000, 16000, 24000 or 48000 Hz, not %d: "
		         "capture at 48000 Hz or use pcm", p->rate);
		say(reason, reasonlen, text);
		return -1;
	}
	if (p->channels > 2) {
		snprintf(text, sizeof text, "opus carries mono or stereo, not %d channels: use pcm",
		         p->channels);
		say(reason, reasonlen, text);
		return -1;
	}
	if (p->bitrate != 0 &&
	    (p->bitrate < STREAM_OPUS_BITRATE_MIN || p->bitrate > STREAM_OPUS_BITRATE_MAX)) {
		snprintf(text, sizeof text, "opus bitrate %d outside %d..%d bit/s", p->bitrate,
		         STREAM_OPUS_BITRATE_MIN, STREAM_OPUS_BITRATE_MAX);
		say(reason, reasonlen, text);
		return -1;
	}
	if (p->complexity < -1 || p->complexity > 10) {
		snprintf(text, sizeof text, "opus complexity %d outside 0..10", p->complexity);
		say(reason, reasonlen, text);
		return -1;
	}
	return 0;
}

size_t stream_codec_frame_samples(int rate)
{
	if (rate <= 0)
		return 0;
	return (size_t)rate * STREAM_FRAME_MS / 1000;
}

uint32_t stream_codec_frame_us(int rate)
{
	if (rate <= 0)
		return 0;
	uint64_t n = stream_codec_frame_samples(rate);
	return (uint32_t)((n * 1000000u + (uint64_t)rate / 2) / (uint64_t)rate);
}

size_t stream_codec_max_frame_bytes(const struct stream_codec_params *p)
{
	if (stream_codec_check(p, NULL, 0) != 0)
		return 0;
	if (p->codec == STREAM_CODEC_OPUS)
		return STREAM_OPUS_MAX_FRAME_BYTES;
	return stream_codec_frame_samples(p->rate) * (size_t)p->channels * 2;
}

/*
 * libopus's encoder lookahead for OPUS_APPLICATION_VOIP and AUDIO:
 * Fs/400 (2.5 ms of CELT overlap) + Fs/250 (4 ms of delay compensation,
 * which aligns SILK and CELT). Checked against OPUS_GET_LOOKAHEAD in
 * stream_codec_encoder_new, so a library that changes it is caught there.
 */
int stream_codec_delay_samples(const struct stream_codec_params *p)
{
	if (stream_codec_check(p, NULL, 0) != 0)
		return -1;
	if (p->codec == STREAM_CODEC_PCM)
		return 0;
	return p->rate / 400 + p->rate / 250;
}

static void say_opus(char *reason, size_t reasonlen, const char *what, int err)
{
	char text[160];
	snprintf(text, sizeof text, "%s: %s", what, opus_strerror(err));
	say(reason, reasonlen, text);
}

struct stream_encoder *stream_codec_encoder_new(const struct stream_codec_params *params,
                                                char *reason, size_t reasonlen)
{
	if (stream_codec_check(params, reason, reasonlen) != 0)
		return NULL;
	struct stream_encoder *enc = calloc(1, sizeof *enc);
	if (!enc) {
		say(reason, reasonlen, "out of memory");
		return NULL;
	}
	enc->params = *params;
	if (enc->params.codec == STREAM_CODEC_OPUS) {
		if (enc->params.bitrate == 0)
			enc->params.bitrate = STREAM_OPUS_BITRATE_DEFAULT;
		if (enc->params.complexity < 0)
			enc->params.complexity = STREAM_OPUS_COMPLEXITY;
	}
	enc->frame_samples = stream_codec_frame_samples(params->rate);
	if (params->codec == STREAM_CODEC_PCM)
		return enc;

	int err = OPUS_OK;
	enc->opus = opus_encoder_create(params->rate, params->channels, OPUS_APPLICATION_VOIP, &err);
	if (!enc->opus || err != OPUS_OK) {
		say_opus(reason, reasonlen, "opus encoder", err);
		stream_codec_encoder_free(enc);
		return NULL;
	}
	int lookahead = -1;
	if ((err = opus_encoder_ctl(enc->opus, OPUS_SET_BITRATE(enc->params.bitrate))) != OPUS_OK ||
	    (err = opus_encoder_ctl(enc->opus, OPUS_SET_COMPLEXITY(enc->params.complexity))) != OPUS_OK ||
	    /* Tells the mode decision it is speech: SILK or hybrid earlier, at lower rates. */
	    (err = opus_encoder_ctl(enc->opus, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE))) != OPUS_OK ||
	    (err = opus_encoder_ctl(enc->opus, OPUS_GET_LOOKAHEAD(&lookahead))) != OPUS_OK) {
		say_opus(reason, reasonlen, "opus encoder settings", err);
		stream_codec_encoder_free(enc);
		return NULL;
	}
	if (lookahead != stream_codec_delay_samples(params)) {
		char text[160];
		snprintf(text, sizeof text,
		         "this libopus delays %d samples, not the %d a speaker schedules by", lookahead,
		         stream_codec_delay_samples(params));
		say(reason, reasonlen, text);
		stream_codec_encoder_free(enc);
		return NULL;
	}
	return enc;
}

void stream_codec_encoder_free(struct stream_encoder *enc)
{
	if (!enc)
		return;
	if (enc->opus)
		opus_encoder_destroy(enc->opus);
	free(enc);
}

int stream_codec_encode(struct stream_encoder *enc, const int16_t *samples, uint8_t *out,
                        size_t cap)
{
	size_t count = enc->frame_samples * (size_t)enc->params.channels;
	if (!enc->opus) {
		if (cap < count * 2)
			return -1;
		for (size_t i = 0; i < count; i++) {
			uint16_t v = (uint16_t)samples[i];
			out[2 * i] = (uint8_t)v;
			out[2 * i + 1] = (uint8_t)(v >> 8);
		}
		return (int)(count * 2);
	}
	if (cap > STREAM_OPUS_MAX_FRAME_BYTES)
		cap = STREAM_OPUS_MAX_FRAME_BYTES;
	opus_int32 n = opus_encode(enc->opus, samples, (int)enc->frame_samples, out, (opus_int32)cap);
	return n > 0 ? (int)n : -1;
}

struct stream_decoder *stream_codec_decoder_new(const struct stream_codec_params *params,
                                                char *reason, size_t reasonlen)
{
	if (stream_codec_check(params, reason, reasonlen) != 0)
		return NULL;
	struct stream_decoder *dec = calloc(1, sizeof *dec);
	if (!dec) {
		say(reason, reasonlen, "out of memory");
		return NULL;
	}
	dec->params = *params;
	dec->frame_samples = stream_codec_frame_samples(params->rate);
	dec->fade_samples = (size_t)params->rate * STREAM_PCM_FADE_MS / 1000;
	if (params->codec == STREAM_CODEC_PCM)
		return dec;
	int err = OPUS_OK;
	dec->opus = opus_decoder_create(params->rate, params->channels, &err);
	if (!dec->opus || err != OPUS_OK) {
		say_opus(reason, reasonlen, "opus decoder", err);
		stream_codec_decoder_free(dec);
		return NULL;
	}
	return dec;
}

void stream_codec_decoder_free(struct stream_decoder *dec)
{
	if (!dec)
		return;
	if (dec->opus)
		opus_decoder_destroy(dec->opus);
	free(dec);
}

int stream_codec_decode(struct stream_decoder *dec, const uint8_t *bytes, size_t len,
                        int16_t *samples, char *reason, size_t reasonlen)
{
	char text[160];
	int channels = dec->params.channels;
	size_t count = dec->frame_samples * (size_t)channels;
	if (!dec->opus) {
		if (len != count * 2) {
			snprintf(text, sizeof text, "pcm frame of %zu bytes, not %zu", len, count * 2);
			say(reason, reasonlen, text);
			return -1;
		}
		for (size_t i = 0; i < count; i++)
			samples[i] = (int16_t)(uint16_t)(bytes[2 * i] | (unsigned)bytes[2 * i + 1] << 8);
		for (int c = 0; c < channels; c++)
			dec->last[c] = samples[count - (size_t)channels + (size_t)c];
		return 0;
	}
	/* Empty is opus's "lost" signal, not a frame: the caller conceals explicitly. */
	if (len == 0 || len > STREAM_OPUS_MAX_FRAME_BYTES) {
		snprintf(text, sizeof text, "opus frame of %zu bytes, not 1..%d", len,
		         STREAM_OPUS_MAX_FRAME_BYTES);
		say(reason, reasonlen, text);
		return -1;
	}
	/* Checked first, so a 60 ms packet can never write past one frame's samples. */
	int n = opus_packet_get_nb_samples(bytes, (opus_int32)len, dec->params.rate);
	if (n < 0) {
		say_opus(reason, reasonlen, "bad opus frame", n);
		return -1;
	}
	if ((size_t)n != dec->frame_samples) {
		snprintf(text, sizeof text, "opus frame of %d samples, not %zu", n, dec->frame_samples);
		say(reason, reasonlen, text);
		return -1;
	}
	n = opus_decode(dec->opus, bytes, (opus_int32)len, samples, (int)dec->frame_samples, 0);
	if (n < 0) {
		say_opus(reason, reasonlen, "bad opus frame", n);
		return -1;
	}
	if ((size_t)n != dec->frame_samples) {
		snprintf(text, sizeof text, "opus frame decoded to %d samples, not %zu", n,
		         dec->frame_samples);
		say(reason, reasonlen, text);
		return -1;
	}
	return 0;
}

void stream_codec_conceal(struct stream_decoder *dec, int16_t *samples)
{
	int channels = dec->params.channels;
	size_t count = dec->frame_samples * (size_t)channels;
	if (dec->opus) {
		int n = opus_decode(dec->opus, NULL, 0, samples, (int)dec->frame_samples, 0);
		if (n != (int)dec->frame_samples)
			memset(samples, 0, count * sizeof *samples);
		return;
	}
	memset(samples, 0, count * sizeof *samples);
	size_t fade = dec->fade_samples < dec->frame_samples ? dec->fade_samples : dec->frame_samples;
	for (int c = 0; c < channels; c++) {
		int32_t from = dec->last[c];
		for (size_t i = 0; i < fade; i++)
			samples[i * (size_t)channels + (size_t)c] =
			    (int16_t)(from * (int32_t)(fade - 1 - i) / (int32_t)fade);
		dec->last[c] = 0;
	}
}

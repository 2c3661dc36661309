/*
 * The stream codec: how one frame of a stream (STREAM_FRAME_MS of 16-bit
 * interleaved samples) becomes bytes on the wire and back. Owns the codecs
 * and their settings, each frame's size bounds, concealment of a frame that
 * never came, and the codec delay a speaker schedules by. Pure apart from
 * the codec library: no I/O, and no allocation after *_new (the per-frame
 * calls only touch the state made there and the caller's buffers).
 *
 * Codecs:
 *  - pcm:  lossless, the exact samples, 16-bit little-endian as in a page's
 *          WAV; any page rate and 1..CHANNELS_MAX channels; no delay.
 *  - opus: libopus, application VOIP, mono or stereo, at 8, 12, 16, 24 or
 *          48 kHz only. Other rates are refused with a reason that names the
 *          ones that work, rather than resampled here: resampling would add
 *          its filter's delay, make the samples per frame vary by one from
 *          frame to frame on both ends, and change the rate between what is
 *          captured (archived, --save) and what is played, while the audio
 *          stack already converts a device to 48 kHz better and once (ALSA's
 *          plug, PulseAudio). A console set to 44.1 kHz uses pcm or
 *          captures at 48 kHz.
 * Lossless FLAC through libsndfile was left out: its virtual I/O writes a
 * whole stream (header, STREAMINFO) per open and allocates per open, so a
 * 20 ms frame would carry ~50 bytes of header and an allocation, and a
 * library would parse untrusted bytes wav.h keeps from it; pcm is the exact
 * choice, at 96 kB/s per 48 kHz mono stream.
 *
 * Alignment with capture time (codec delay): decoded sample j of a stream
 * is captured sample j - delay, delay = stream_codec_delay_samples() (0 for
 * pcm; for opus VOIP the encoder's lookahead, rate/400 + rate/250 samples:
 * 312 at 48 kHz, 6.5 ms, which Ogg Opus calls the pre-skip). So frame k,
 * captured from t_k, decodes to samples that belong at t_k - delay/rate:
 * play it delay samples earlier than its capture time says (or drop the
 * first delay samples of the stream), and to get the last delay samples of
 * a capture out, encode one more frame (silence) after it. The first frame
 * decodes to delay samples of near-silence before the first captured one.
 */
#ifndef INTERCOM_STREAM_CODEC_H
#define INTERCOM_STREAM_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* The codecs. The numbers are stable: a wire format may carry them. */
enum stream_codec_id {
	STREAM_CODEC_PCM = 0,
	STREAM_CODEC_OPUS = 1,
};

/*
 * What both ends of a stream agree on. bitrate and complexity matter to the
 * opus encoder only (0 picks the default in defaults.h); the decoder needs
 * codec, rate and channels.
 */
struct stream_codec_params {
	enum stream_codec_id codec;
	int rate;        /* frames per second of the page being streamed */
	int channels;
	int bitrate;     /* opus: bits per second, STREAM_OPUS_BITRATE_MIN..MAX; 0: default */
	int complexity;  /* opus: 0..10; -1: STREAM_OPUS_COMPLEXITY */
};

/*
 * Opus's own limit on one frame (RFC 6716 3.2.1: 1275 bytes) plus the table
 * of contents byte: no 20 ms opus frame is ever longer, whatever the bitrate.
 */
#define STREAM_OPUS_MAX_FRAME_BYTES 1276

/* "pcm", "opus"; NULL for an unknown id. */
const char *stream_codec_name(enum stream_codec_id codec);
/* The id named by name ("pcm", "opus"). 0, or -1 for another name. */
int stream_codec_parse(const char *name, enum stream_codec_id *codec);

/*
 * Whether params describe a stream this codec can carry: 0, or -1 with a
 * one-line reason ("opus needs a rate of 8000, 12000, 16000, 24000 or 48000
 * Hz, not 44100: capture at 48000 Hz or use pcm"). For options, before any
 * stream: *_new refuses exactly what this refuses.
 */
int stream_codec_check(const struct stream_codec_params *params, char *reason, size_t reasonlen);

/*
 * Samples per channel in one frame: rate x STREAM_FRAME_MS, rounded down
 * when a rate is not a multiple of 50 Hz (11025 Hz: 220 frames, 19.95 ms),
 * so a frame is always whole samples; its duration is
 * stream_codec_frame_us(). Every frame of a stream has exactly this many.
 */
size_t stream_codec_frame_samples(int rate);
/* One frame's duration in µs, rounded to the nearest (20000 at every rate a multiple of 50 Hz). */
uint32_t stream_codec_frame_us(int rate);
/* The most bytes one encoded frame may take (pcm: exactly this); 0 if params are refused. */
size_t stream_codec_max_frame_bytes(const struct stream_codec_params *params);
/* The codec delay in samples per channel (see above); -1 if params are refused. */
int stream_codec_delay_samples(const struct stream_codec_params *params);

struct stream_encoder;
struct stream_decoder;

/* A new encoder, or NULL with a reason (refused params, no memory, the library's error). */
struct stream_encoder *stream_codec_encoder_new(const struct stream_codec_params *params,
                                                char *reason, size_t reasonlen);
void stream_codec_encoder_free(struct stream_encoder *enc);

/*
 * Encodes one frame: stream_codec_frame_samples() x channels interleaved
 * samples (pad a last, short one with zeros) into out (cap bytes; with
 * stream_codec_max_frame_bytes() it always fits). The number of bytes
 * written (>= 1), or -1 if cap is too small or the library fails.
 */
int stream_codec_encode(struct stream_encoder *enc, const int16_t *samples, uint8_t *out,
                        size_t cap);

/* A new decoder, or NULL with a reason. */
struct stream_decoder *stream_codec_decoder_new(const struct stream_codec_params *params,
                                                char *reason, size_t reasonlen);
void stream_codec_decoder_free(struct stream_decoder *dec);

/*
 * Decodes one received frame into samples (stream_codec_frame_samples() x
 * channels). 0; or -1 with a reason for bytes that are not one frame of
 * this stream (pcm: not exactly the frame's size; opus: over
 * STREAM_OPUS_MAX_FRAME_BYTES, empty, not 20 ms, or invalid): samples is
 * then left alone and the caller conceals the frame instead. Never reads
 * past len.
 */
int stream_codec_decode(struct stream_decoder *dec, const uint8_t *bytes, size_t len,
                        int16_t *samples, char *reason, size_t reasonlen);

/*
 * Fills samples with one frame standing in for a frame that never came (or
 * was rejected): opus's packet loss concealment (it continues the voice,
 * then fades to silence over a few frames of loss); pcm fades the last
 * sample decoded to 0 over STREAM_PCM_FADE_MS, then silence.
 */
void stream_codec_conceal(struct stream_decoder *dec, int16_t *samples);

#endif

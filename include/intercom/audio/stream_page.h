/*
 * Both ends of a streamed page (PROTO_STREAM_*), pure apart from the codec:
 *
 * stream_out (the console): a page's samples as they are captured (or read),
 * cut into STREAM_FRAME_MS frames, encoded (stream_codec.h) and packed into
 * STREAM_DATA frames of consecutive frames; at the end the last, short frame
 * padded with silence, and for a codec with a delay one more frame of
 * silence, so the speaker can decode every sample of the page.
 *
 * stream_page (a speaker): the frames of one stream put back together into
 * the page's samples, checked as they come (in order, within the page's
 * announced length, decodable) and at the end (every frame there, the
 * page's length covered): a streamed page plays only whole, like a PAGE.
 * Its buffer grows with what arrives, never past the announced length.
 */
#ifndef INTERCOM_STREAM_PAGE_H
#define INTERCOM_STREAM_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/audio/stream_codec.h"

/* ---- the console's side ---- */

struct stream_out;

/* A stream of page page_id in params. NULL with a reason (params refused, no memory). */
struct stream_out *stream_out_new(const struct stream_codec_params *params, uint32_t page_id,
                                  char *reason, size_t reasonlen);
void stream_out_free(struct stream_out *so);

/* Called with each whole STREAM_DATA frame (header included) stream_out_feed makes. */
typedef void (*stream_out_emit_fn)(void *ctx, const uint8_t *frame, size_t len);

/*
 * The page's samples so far (have frames, interleaved; the same buffer, or
 * one holding the same samples, each call): every whole frame not sent yet is
 * encoded and emitted (in STREAM_DATA frames of up to
 * PROTO_STREAM_DATA_MAX_PAYLOAD). final: the page ends at have; the rest is
 * padded and flushed. 0, or -1 (the encoder failed: the stream cannot go on).
 */
int stream_out_feed(struct stream_out *so, const int16_t *samples, size_t have, bool final,
                    stream_out_emit_fn emit, void *ctx);
/* Stream frames encoded so far (the END's count once final). */
uint32_t stream_out_count(const struct stream_out *so);
/* Encoded bytes so far (what one speaker receives, without framing). */
uint64_t stream_out_bytes(const struct stream_out *so);

/* ---- a speaker's side ---- */

struct stream_page;

/*
 * A stream of a page of at most max_frames frames per channel in params
 * (the BEGIN). NULL with a reason: params refused, or a page larger than a
 * PAGE may be (PROTO_MAX_PAYLOAD of samples), or no memory.
 */
struct stream_page *stream_page_new(const struct stream_codec_params *params, uint32_t max_frames,
                                    char *reason, size_t reasonlen);
void stream_page_free(struct stream_page *sp);

/*
 * Frame seq of the stream: 0, or -1 with a reason (not the next one, past
 * the page's length, bytes that do not decode as one frame, no memory).
 * After -1 the stream is broken: the page is refused.
 */
int stream_page_add(struct stream_page *sp, uint32_t seq, const uint8_t *bytes, size_t len,
                    char *reason, size_t reasonlen);
/* Frames per channel of the page decoded so far, and the most it can have (for "receiving n%"). */
size_t stream_page_have(const struct stream_page *sp);
size_t stream_page_max(const struct stream_page *sp);

/*
 * The END: count frames were sent for a page of frames frames. The page's
 * samples (malloc'd, taken over by the caller), or NULL with a reason (frames
 * missing, a length beyond what was announced or what the frames hold).
 */
int16_t *stream_page_finish(struct stream_page *sp, uint32_t count, uint32_t frames, char *reason,
                            size_t reasonlen);

/* ---- a live stream on a speaker ---- */

/*
 * A live talk's timeline on a speaker: a buffer the output plays from as it
 * is filled (stream sample j at its own place, zero until filled: silence
 * where nothing came in time), the frames waiting for their slot (jitter.h,
 * in stream-relative µs: frame seq was captured at seq x frame duration),
 * each decoded into its slot when the slot falls due, a missing one
 * concealed, one whose slot has been played dropped and counted: nothing is
 * ever played late.
 */
struct stream_live;

struct stream_live_stats {
	uint64_t played;          /* slots filled with their frame */
	uint64_t concealed;       /* slots filled by concealment (the frame was late or lost) */
	uint64_t late;            /* frames that came after their slot was decided */
	uint64_t refused;         /* frames refused otherwise (bad bytes, too far ahead, ...) */
};

/* A live stream of at most max_frames frames per channel in params. NULL with a reason. */
struct stream_live *stream_live_new(const struct stream_codec_params *params, uint32_t max_frames,
                                    char *reason, size_t reasonlen);
void stream_live_free(struct stream_live *sl);
/* The timeline (stream_live_capacity frames x channels); stays put for the stream's life. */
const int16_t *stream_live_samples(const struct stream_live *sl);
size_t stream_live_capacity(const struct stream_live *sl);
/* The codec delay in frames: stream sample j was captured at (j - delay) / rate. */
size_t stream_live_delay(const struct stream_live *sl);
/* Frame seq came; due_us: the stream time (µs) whose slot is being decided now. */
void stream_live_put(struct stream_live *sl, uint64_t due_us, uint32_t seq, const uint8_t *bytes,
                     size_t len);
/*
 * Decides every slot due by due_us (stream µs): decoded, or concealed; a
 * slot before played (frames the output has taken) is left alone. Returns
 * the frames of timeline decided so far.
 */
size_t stream_live_fill(struct stream_live *sl, uint64_t due_us, size_t played);
struct stream_live_stats stream_live_stats(const struct stream_live *sl);

#endif

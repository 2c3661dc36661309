/*
 * The input side of the core capture-and-send path. One PortAudio input
 * stream, opened at start-up and kept open so live levels and the pre-roll
 * are always there. The main loop reads it (capture_read, when
 * capture_read_due_ms says, and within pump and levels): no thread of
 * PortAudio's wakes for each buffer. Where the host API has no blocking
 * reads, its callback thread reads instead. Each buffer's peak/RMS goes into
 * atomics and, while a capture is armed, its samples into a lock-free ring,
 * which the main thread drains into the page buffer until it holds exactly
 * the frames asked for.
 */
#ifndef INTERCOM_CAPTURE_H
#define INTERCOM_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/audio/format.h"
#include "intercom/audio/meter.h"

struct capture;

/* Opens and starts the input stream on device. NULL with err set on failure. */
struct capture *capture_open(int device, const struct audio_format *fmt, int chunk,
                             char *err, size_t errlen);
void capture_close(struct capture *cap);

/*
 * Main thread: reads what the input holds, without waiting (nothing where
 * the callback reads, or within 1 ms of the last read).
 */
void capture_read(struct capture *cap);
/*
 * Main thread: ms until capture_read is next needed to keep the pre-roll
 * current and the device's buffer from filling (200 ms apart; it holds
 * ~1 s), 0 when due, -1 where the callback reads.
 */
int capture_read_due_ms(const struct capture *cap, uint64_t now_us);
/* True where capture_read reads the stream; false where PortAudio's callback thread does. */
bool capture_read_by_main(const struct capture *cap);
/* Reads since the capture was armed that found the device's buffer had overrun (audio lost). */
uint64_t capture_overflows(const struct capture *cap);

/* The loudest levels seen since the previous call (so no peak is missed between redraws). */
struct level capture_levels(struct capture *cap);

/* Arms a capture of exactly `frames` frames, starting with the next buffer. 0 or -1. */
int capture_start(struct capture *cap, size_t frames);
/*
 * Arms a capture of exactly `frames` frames that begins with prefix_frames
 * of prefix (copied now: the chime), then the last preroll_frames the input
 * heard before this call (as many as it holds, at most PREROLL_MAX_MS), then
 * what comes next. 0 or -1.
 */
int capture_start_with(struct capture *cap, size_t frames, const int16_t *prefix, size_t prefix_frames,
                       size_t preroll_frames);
bool capture_active(const struct capture *cap);
/* Main thread: moves what the callback handed over into the page. True when complete. */
bool capture_pump(struct capture *cap);
/*
 * Main thread: ms until capture_pump is next needed, -1 when no capture runs.
 * Far from the end: when the end is two buffers away, at most 500 ms (the
 * ring holds 2 s); over the last two buffers: 2 ms, so the end is noticed
 * within 2 ms of the callback handing it over. A loop that sends the audio
 * as it comes (live, streamed pages) pumps at its frame's pace instead.
 */
int capture_pump_due_ms(const struct capture *cap);
/*
 * Main thread: ms until the callback's next buffer of the capture is due
 * (a buffer's time after the last it handed over, and 1 ms for its
 * lateness), 0 once it is overdue, -1 when no capture runs or none came
 * yet. A loop that sends the audio as it comes wakes for it instead of
 * polling the ring (a live talk).
 */
int capture_next_buffer_ms(const struct capture *cap, uint64_t now_us);
/*
 * When the buffer holding the capture's last frame reached the callback
 * (trace_now_us clock), 0 until then: where a capture really ends, a little
 * before the main thread's pump notices.
 */
uint64_t capture_completed_us(const struct capture *cap);
/*
 * When the capture's first frame was captured (clock_mono_us), as the
 * callback reckons it (its buffer's arrival less the buffer's duration; the
 * device's own input latency is not known); 0 until its first buffer.
 */
uint64_t capture_started_us(const struct capture *cap);
size_t capture_frames_have(const struct capture *cap);
/* The capture's samples so far (capture_frames_have frames), valid until the next pump, take or cancel. */
const int16_t *capture_samples(const struct capture *cap);
size_t capture_frames_want(const struct capture *cap);
/*
 * Ends the capture and hands the samples (malloc'd, interleaved) to the caller,
 * complete or cut short. Returns NULL if nothing was captured.
 */
int16_t *capture_take(struct capture *cap, size_t *frames);
void capture_cancel(struct capture *cap);

/* Frames lost because the main thread fell behind (the ring was full). */
uint64_t capture_frames_dropped(struct capture *cap);
/* True once the stream stopped on its own (device gone). */
bool capture_stream_failed(struct capture *cap);

#endif

/*
 * The output side: plays one decoded page on an output device. The stream
 * is opened per page (pages may differ in rate and channels), or ahead of a
 * timed page while it is being recorded (armed), and its callback
 * only copies from the page buffer (which stays untouched until the stream is
 * closed) through the volume gain, measures the levels it hands over, and
 * notes in atomics how far it is and when its buffers reach the speaker.
 */
#ifndef INTERCOM_PLAYBACK_H
#define INTERCOM_PLAYBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/audio/format.h"
#include "intercom/audio/meter.h"
#include "intercom/audio/playout_sched.h"

enum playback_state {
	PLAYBACK_IDLE,
	PLAYBACK_PLAYING,
	PLAYBACK_DONE,     /* every frame reached the device and the stream drained */
	PLAYBACK_FAILED,   /* the stream stopped early (device gone) */
};

struct playback;

struct playback *playback_new(int device, int chunk);
void playback_free(struct playback *pb);

/*
 * Starts playing samples (frames x fmt->channels, interleaved); they must
 * stay valid until playback_stop. 0, or -1 with err naming the cause.
 */
int playback_start(struct playback *pb, const int16_t *samples, size_t frames,
                   const struct audio_format *fmt, char *err, size_t errlen);

/* Where a timed page's first sample goes. */
struct playback_when {
	uint64_t target_us;   /* clock_mono_us() at which frame start_frame reaches the DAC; 0: at once */
	size_t start_frame;   /* the frame to start from: 0, or a late join's elapsed x rate */
};

/*
 * As playback_start, placed: the stream starts now (ahead of the target) and
 * plays silence until the buffer in which the DAC reaches target_us; the
 * first sample goes at its place in that buffer. The mapping from
 * clock_mono_us() to the stream's time is read here, next to
 * Pa_GetStreamTime (the tightest of a few reads), and handed to the callback
 * through atomics. A target already passed when the first buffer is placed
 * joins at the frame it has reached. On a device whose clock turns out
 * unpaced the page starts at once; one whose DAC time cannot be trusted
 * plays silence until playback_go (the caller's timer).
 */
int playback_start_at(struct playback *pb, const int16_t *samples, size_t frames,
                      const struct audio_format *fmt, const struct playback_when *when,
                      char *err, size_t errlen);
/*
 * Opens and starts a stream of fmt that plays silence, ready for a timed
 * page (a page is being recorded): playback_start_at with a target and the
 * same format then attaches the page to the running stream, whose clock is
 * judged already, instead of opening one. Armed already in fmt: nothing to
 * do. 0, or -1 with err. playback_stop disarms it.
 */
int playback_arm(struct playback *pb, const struct audio_format *fmt, char *err, size_t errlen);
/* A stream is armed and running, no page attached. */
bool playback_armed(struct playback *pb);
/* µs from attaching a page to the earliest its first sample can reach the DAC (armed). */
uint32_t playback_armed_lead_us(struct playback *pb);
/* The stream's clock as the callback judged it (UNKNOWN until enough has played). */
enum playout_clock playback_clock(struct playback *pb);
/* Timer fallback: the page starts in the next buffer (a stream waiting on an untrusted clock). */
void playback_go(struct playback *pb);
/*
 * The first sample has been placed: true, with *skipped the frames it
 * joined past start_frame because its target had already passed.
 */
bool playback_begun(struct playback *pb, size_t *skipped);
/* A place in the stream's timed buffers; all zero: none yet (the next call only sets it). */
struct playback_dac_mark {
	unsigned gen;                 /* the stream it belongs to */
	struct playout_dac_sums sums; /* its timed buffers up to the mark */
};
/*
 * For drift: the page's frame (negative in the silence before it) that
 * reaches the DAC at *mono_us (clock_mono_us()), averaged over every buffer
 * timed since *mark, which moves to now. Returns how many buffers that was
 * (0: none, or the mark was reset or of another stream). However rarely the
 * main thread looks, no buffer's timing is left out of the average.
 */
size_t playback_dac_mean(struct playback *pb, struct playback_dac_mark *mark, uint64_t *mono_us, double *frame);
/*
 * Frames to repeat (> 0) or drop (< 0), one every PLAYOUT_CORRECT_EVERY_MS,
 * added to what is still pending. The callback does them.
 */
void playback_correct(struct playback *pb, int32_t frames);
/* Frames per buffer of the streams opened (or armed) from now on: small for a live talk. */
void playback_set_chunk(struct playback *pb, int chunk);
/* The page ends at frames (a live page's end, once known; never past what was started). */
void playback_set_end(struct playback *pb, size_t frames);
/* A stall mended at once: frames of silence (> 0) or skipped (< 0) in the next buffer. */
void playback_jump(struct playback *pb, int32_t frames);
/* Corrections not yet done; frames corrected so far in this page. */
int32_t playback_correction_pending(struct playback *pb);
uint64_t playback_corrected(struct playback *pb);
/*
 * The DAC timeline as the callback followed it (playout_line) since the
 * stream opened: wakes counted, their lateness over the line (what the
 * filter removes: mean and most, ms), how far the host's own DAC times fell
 * from the line (min..max, ms), and whether the first sample was placed by
 * the line (else by the host's DAC time: no wake had counted yet, or the
 * two disagreed by more than PLAYOUT_LINE_TRUST_S). False until a wake counted.
 */
struct playback_line_stats {
	uint32_t wakes;
	double late_mean_ms, late_max_ms;
	double report_min_ms, report_max_ms;
	bool placed_by_line;
	uint32_t shifts;  /* times the timeline moved (an underrun) and the line restarted */
	uint32_t underflows; /* buffers the host flagged as following an underrun */
	double skipped_ms; /* of the page, skipped to keep time after it moved (PLAYOUT_LINE_CATCH_UP_S) */
};
bool playback_line_stats(struct playback *pb, struct playback_line_stats *st);
/*
 * Why the latest stream's threads (libpulse's, PortAudio's callback) run at a
 * normal priority, not SCHED_FIFO 10; NULL when they run real-time.
 */
const char *playback_realtime_refused(const struct playback *pb);
/* What opening and starting the latest stream took, plus its output latency, in ms. */
double playback_start_cost_ms(struct playback *pb);
/* Where playback is; *frames_written is how many frames were handed to the device. */
enum playback_state playback_poll(struct playback *pb, size_t *frames_written);
/*
 * Frames the device has actually played (not merely been handed), from the
 * stream clock and the callback's DAC times; never decreases during a page,
 * and is the whole page once it is DONE.
 */
size_t playback_frames_played_by_device(struct playback *pb);
/* INTERCOM_TRACE (bench): trace_now_us() of the page's first frames reaching the device, or 0. */
uint64_t playback_first_sample_us(struct playback *pb);
/* Stops at once (if playing) and closes the stream. */
void playback_stop(struct playback *pb);

/* Gain (volume.h, Q24) applied from the next buffer on; any thread, any time. */
void playback_set_gain(struct playback *pb, int32_t gain_q24);
/* The loudest levels handed to the device since the previous call (after the gain). */
struct level playback_levels(struct playback *pb);

#endif

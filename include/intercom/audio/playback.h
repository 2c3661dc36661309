/*
 * The output side: plays one decoded page on an output device. The stream
 * is opened per page (pages may differ in rate and channels) and its callback
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

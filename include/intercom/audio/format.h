/* The audio format of pages and the arithmetic on it: frames, seconds, names. Pure. */
#ifndef INTERCOM_FORMAT_H
#define INTERCOM_FORMAT_H

#include <stddef.h>

struct audio_format {
	int rate;      /* frames per second */
	int channels;  /* samples per frame; samples are 16-bit */
};

/*
 * Frames a capture of `seconds` takes: rate x seconds rounded to the nearest
 * frame (halves away from zero). The original tool recorded
 * int(rate / chunk x seconds) whole chunks and silently lost up to one chunk;
 * here the last buffer is cut so the page is exactly this long.
 */
size_t format_frames_for_seconds(int rate, double seconds);
double format_seconds(size_t frames, int rate);
size_t format_bytes(const struct audio_format *fmt, size_t frames);

/* "48000 Hz mono 16-bit", "44100 Hz stereo 16-bit", "48000 Hz 6 ch 16-bit". */
void format_describe(const struct audio_format *fmt, char *out, size_t outlen);

#endif

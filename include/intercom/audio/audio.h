/*
 * The audio system at the edge: PortAudio start-up and shutdown, device
 * listing and choosing a device by index or name. Capture and playback
 * streams live in capture.h and playback.h.
 */
#ifndef INTERCOM_AUDIO_H
#define INTERCOM_AUDIO_H

#include <portaudio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Initialises PortAudio, hiding the ALSA probe chatter it prints (INTERCOM_AUDIO_DEBUG=1 shows it). */
int audio_init(char *err, size_t errlen);
void audio_terminate(void);

/* Hides what the audio libraries print on stderr until audio_quiet_end (pass its result). */
int audio_quiet_begin(void);
void audio_quiet_end(int saved);

/*
 * Opens a stream (quietly: the audio libraries' stderr chatter goes to the log
 * sink), sets its finished callback and starts it. On failure the stream is
 * closed and *stream is NULL; the result is PortAudio's.
 */
PaError audio_stream_start(PaStream **stream, const PaStreamParameters *input,
                           const PaStreamParameters *output, int rate, unsigned long chunk,
                           PaStreamFlags flags, PaStreamCallback *cb,
                           PaStreamFinishedCallback *finished_cb, void *ctx);

/*
 * Picks a device: spec empty = the default one, a number = that index, else
 * the first device whose name contains spec (case-insensitive). Returns the
 * device index, or -1 with a message naming the cause and the fix.
 */
int audio_find_device(const char *spec, bool input, char *err, size_t errlen);

/* Prints every device with its index, channels and default rate. */
void audio_list_devices(FILE *out);

const char *audio_device_name(int device);

#endif

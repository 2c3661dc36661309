/* Playback: one output stream per page, fed straight from the decoded page. */
#include "intercom/playback.h"

#include <portaudio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/trace.h"

struct playback {
	int device;
	int chunk;
	PaStream *stream;

	/* Read by the callback; written by the main thread only while no stream runs. */
	const int16_t *samples;
	size_t frames;
	int channels;

	_Atomic size_t position;   /* frames handed to the device; callback-owned */
	_Atomic bool finished;     /* the stream has stopped (complete or failed) */

	/* INTERCOM_TRACE (bench): when the first frames of the page went to the device. */
	bool trace;                /* set once in playback_new */
	_Atomic uint64_t first_us; /* callback-owned; 0 until then */
};

/* Runs on PortAudio's thread: copies, pads the last buffer with silence, and stops. */
static int playback_cb(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags,
                       void *user)
{
	(void)input, (void)time, (void)flags;
	struct playback *pb = user;
	size_t pos = atomic_load_explicit(&pb->position, memory_order_relaxed);
	size_t n = pb->frames - pos < frames ? pb->frames - pos : frames;
	size_t width = (size_t)pb->channels;
	memcpy(output, pb->samples + pos * width, n * width * sizeof(int16_t));
	memset((int16_t *)output + n * width, 0, (frames - n) * width * sizeof(int16_t));
	if (pb->trace && pos == 0 && n > 0)
		atomic_store_explicit(&pb->first_us, trace_now_us(), memory_order_relaxed);
	atomic_store_explicit(&pb->position, pos + n, memory_order_release);
	return pos + n >= pb->frames ? paComplete : paContinue;
}

static void playback_finished_cb(void *user)
{
	struct playback *pb = user;
	atomic_store_explicit(&pb->finished, true, memory_order_release);
}

struct playback *playback_new(int device, int chunk)
{
	struct playback *pb = calloc(1, sizeof *pb);
	if (!pb)
		return NULL;
	pb->device = device;
	pb->chunk = chunk;
	pb->trace = trace_enabled();
	return pb;
}

void playback_free(struct playback *pb)
{
	if (!pb)
		return;
	playback_stop(pb);
	free(pb);
}

int playback_start(struct playback *pb, const int16_t *samples, size_t frames,
                   const struct audio_format *fmt, char *err, size_t errlen)
{
	playback_stop(pb);
	pb->samples = samples;
	pb->frames = frames;
	pb->channels = fmt->channels;
	atomic_store(&pb->position, 0);
	atomic_store(&pb->finished, false);
	atomic_store(&pb->first_us, 0);
	const PaDeviceInfo *info = Pa_GetDeviceInfo(pb->device);
	if (!info) {
		snprintf(err, errlen, "output device unavailable");
		return -1;
	}
	PaStreamParameters params = {
		.device = pb->device,
		.channelCount = fmt->channels,
		.sampleFormat = paInt16,
		.suggestedLatency = info->defaultLowOutputLatency,
	};
	PaError rc = Pa_OpenStream(&pb->stream, NULL, &params, fmt->rate, (unsigned long)pb->chunk,
	                           paClipOff | paPrimeOutputBuffersUsingStreamCallback, playback_cb, pb);
	if (rc == paNoError)
		rc = Pa_SetStreamFinishedCallback(pb->stream, playback_finished_cb);
	if (rc == paNoError)
		rc = Pa_StartStream(pb->stream);
	if (rc != paNoError) {
		snprintf(err, errlen, "output device '%s' cannot play %d Hz, %d channel(s): %s",
		         info->name, fmt->rate, fmt->channels, Pa_GetErrorText(rc));
		if (pb->stream)
			Pa_CloseStream(pb->stream);
		pb->stream = NULL;
		return -1;
	}
	return 0;
}

enum playback_state playback_poll(struct playback *pb, size_t *frames_played)
{
	size_t pos = atomic_load_explicit(&pb->position, memory_order_acquire);
	if (frames_played)
		*frames_played = pos;
	if (!pb->stream)
		return PLAYBACK_IDLE;
	if (!atomic_load_explicit(&pb->finished, memory_order_acquire))
		return PLAYBACK_PLAYING;
	return pos >= pb->frames ? PLAYBACK_DONE : PLAYBACK_FAILED;
}

uint64_t playback_first_sample_us(struct playback *pb)
{
	return atomic_load_explicit(&pb->first_us, memory_order_relaxed);
}

void playback_stop(struct playback *pb)
{
	if (!pb->stream)
		return;
	Pa_AbortStream(pb->stream);
	Pa_CloseStream(pb->stream);
	pb->stream = NULL;
}

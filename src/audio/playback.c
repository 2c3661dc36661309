/* Playback: one output stream per page, fed straight from the decoded page. */
#include "intercom/audio/playback.h"

#include "intercom/audio/audio.h"

#include <portaudio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/volume.h"
#include "intercom/common/trace.h"

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
	_Atomic int32_t gain_q24;  /* main writes, callback reads: volume.h gain */
	struct level_slot levels;         /* callback adds, main takes */

	/*
	 * When the latest buffer reaches the speaker: its first frame's index in
	 * the page and the stream time it is due at the DAC. Written by the
	 * callback under a sequence counter (odd while writing), so the main
	 * thread reads a consistent pair without a lock.
	 */
	_Atomic uint32_t timing_seq;
	_Atomic uint64_t timing_dac_bits;  /* double bits, stream time in seconds */
	_Atomic size_t timing_frame;
	_Atomic bool timing_valid;

	/* INTERCOM_TRACE (bench): when the first frames of the page went to the device. */
	bool trace;                /* set once in playback_new */
	_Atomic uint64_t first_us; /* callback-owned; 0 until then */

	/* Main thread only. */
	int rate;
	size_t heard;              /* the most frames reported played: never goes back */
};

/* Callback side of the timing seqlock. */
static void timing_publish(struct playback *pb, double dac_time, size_t frame)
{
	uint64_t bits;
	memcpy(&bits, &dac_time, sizeof bits);
	uint32_t seq = atomic_load_explicit(&pb->timing_seq, memory_order_relaxed);
	atomic_store_explicit(&pb->timing_seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&pb->timing_dac_bits, bits, memory_order_relaxed);
	atomic_store_explicit(&pb->timing_frame, frame, memory_order_relaxed);
	atomic_store_explicit(&pb->timing_seq, seq + 2, memory_order_release);
	atomic_store_explicit(&pb->timing_valid, true, memory_order_release);
}

/* Main side: a consistent (dac time, frame) pair; false if none yet or the callback kept writing. */
static bool timing_read(struct playback *pb, double *dac_time, size_t *frame)
{
	if (!atomic_load_explicit(&pb->timing_valid, memory_order_acquire))
		return false;
	for (int tries = 0; tries < 100; tries++) {
		uint32_t s1 = atomic_load_explicit(&pb->timing_seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		uint64_t bits = atomic_load_explicit(&pb->timing_dac_bits, memory_order_relaxed);
		size_t f = atomic_load_explicit(&pb->timing_frame, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&pb->timing_seq, memory_order_relaxed) != s1)
			continue;
		memcpy(dac_time, &bits, sizeof *dac_time);
		*frame = f;
		return true;
	}
	return false;
}

/*
 * Runs on PortAudio's thread: copies through the gain, pads the last buffer
 * with silence, measures what it hands over, notes when it will be heard,
 * and stops. No allocation, locks or system calls.
 */
static int playback_cb(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags,
                       void *user)
{
	(void)input, (void)flags;
	struct playback *pb = user;
	size_t pos = atomic_load_explicit(&pb->position, memory_order_relaxed);
	size_t n = pb->frames - pos < frames ? pb->frames - pos : frames;
	size_t width = (size_t)pb->channels;
	int32_t gain = atomic_load_explicit(&pb->gain_q24, memory_order_relaxed);
	volume_apply_s16(output, pb->samples + pos * width, n * width, gain);
	memset((int16_t *)output + n * width, 0, (frames - n) * width * sizeof(int16_t));
	struct level level = meter_measure_s16(output, n * width);
	level_slot_add(&pb->levels, level);
	if (time)
		timing_publish(pb, time->outputBufferDacTime, pos);
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
	atomic_store(&pb->gain_q24, VOLUME_UNITY_Q24);
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
	pb->rate = fmt->rate;
	pb->heard = 0;
	atomic_store(&pb->position, 0);
	atomic_store(&pb->finished, false);
	atomic_store(&pb->timing_valid, false);
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
	PaError rc = audio_stream_start(&pb->stream, NULL, &params, fmt->rate, (unsigned long)pb->chunk,
	                                paClipOff | paPrimeOutputBuffersUsingStreamCallback, playback_cb,
	                                playback_finished_cb, pb);
	if (rc != paNoError) {
		snprintf(err, errlen, "output device '%s' cannot play %d Hz, %d channel(s): %s",
		         info->name, fmt->rate, fmt->channels, Pa_GetErrorText(rc));
		return -1;
	}
	return 0;
}

enum playback_state playback_poll(struct playback *pb, size_t *frames_written)
{
	size_t pos = atomic_load_explicit(&pb->position, memory_order_acquire);
	if (frames_written)
		*frames_written = pos;
	if (!pb->stream)
		return PLAYBACK_IDLE;
	if (!atomic_load_explicit(&pb->finished, memory_order_acquire))
		return PLAYBACK_PLAYING;
	return pos >= pb->frames ? PLAYBACK_DONE : PLAYBACK_FAILED;
}

void playback_stop(struct playback *pb)
{
	if (!pb->stream)
		return;
	Pa_AbortStream(pb->stream);
	Pa_CloseStream(pb->stream);
	pb->stream = NULL;
}

uint64_t playback_first_sample_us(struct playback *pb)
{
	return atomic_load_explicit(&pb->first_us, memory_order_relaxed);
}

size_t playback_frames_played_by_device(struct playback *pb)
{
	size_t written;
	enum playback_state state = playback_poll(pb, &written);
	if (state == PLAYBACK_DONE) {
		pb->heard = pb->frames;
		return pb->heard;
	}
	if (state != PLAYBACK_PLAYING)
		return pb->heard;
	double dac;
	size_t frame;
	if (timing_read(pb, &dac, &frame)) {
		/*
		 * The buffer that starts at `frame` reaches the DAC at stream time
		 * `dac`; the stream clock now says how far past (or before) that we
		 * are. Hosts without timing give 0 for both: then this is the frames
		 * of every buffer before the latest, which is still never ahead.
		 */
		double now = Pa_GetStreamTime(pb->stream);
		double ahead = (now - dac) * pb->rate;
		double heard = (double)frame + ahead;
		size_t h = heard <= 0 ? 0 : heard >= (double)written ? written : (size_t)heard;
		if (h > pb->heard)
			pb->heard = h;
	}
	return pb->heard;
}

void playback_set_gain(struct playback *pb, int32_t gain_q24)
{
	atomic_store_explicit(&pb->gain_q24, gain_q24, memory_order_relaxed);
}

struct level playback_levels(struct playback *pb)
{
	return level_slot_take(&pb->levels);
}

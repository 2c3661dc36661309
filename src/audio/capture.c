/*
 * Capture: the input stream, what each buffer of it goes through (level,
 * pre-roll, the armed page), and the hand-over ring. The stream is read from
 * the main loop (capture_read) where the host API can, else by PortAudio's
 * callback thread.
 */
#include "intercom/audio/capture.h"

#include "intercom/audio/audio.h"

#include <portaudio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/preroll.h"
#include "intercom/audio/ring.h"
#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/trace.h"

/* Two seconds of slack between two drains by the main thread. */
#define CAPTURE_RING_SECONDS 2
/*
 * The longest the main thread may leave the ring undrained while a capture
 * runs (capture_pump_due_ms): a quarter of the ring, so a late pass never
 * loses a sample. Each wake-up of a loop costs ~20-30 us on the test machine
 * (docs/BENCHMARKS.md, section 11): draining every 20 ms was a quarter of the
 * console's CPU while recording.
 */
#define CAPTURE_PUMP_MAX_MS 500
/* How often over the capture's last buffers: its end is noticed within this. */
#define CAPTURE_PUMP_END_MS 2
/* Past a buffer's time, for the callback's own lateness (capture_next_buffer_ms). */
#define CAPTURE_NEXT_SLACK_MS 1
/*
 * A stream read from the main loop: the device's buffer is what holds the
 * audio between two reads, so it is asked for a second (on the pulse rig:
 * 1.02 s), five times the idle reads' interval. A read takes what is there
 * and never waits, so the size adds nothing to the capture's latency.
 */
#define CAPTURE_READ_LATENCY_S 1.0
/*
 * Between two reads while nothing else needs the audio sooner (the pre-roll
 * kept current, the level for the log): a read costs ~50-80 us through the
 * pulse plugin, about what a wake-up of the callback thread it replaces
 * costs, and that thread woke 50 times a second (docs/BENCHMARKS.md,
 * section 11: the bare stream read every 100 ms cost 0.066 % of a core,
 * every 200 ms 0.040 %).
 */
#define CAPTURE_READ_EVERY_MS 200
/* Reads closer together than this take nothing new: a loop's busy passes skip them. */
#define CAPTURE_READ_GAP_US 1000

struct capture {
	PaStream *stream;
	struct audio_format fmt;
	size_t frame_bytes;
	size_t chunk;                    /* frames per callback asked of PortAudio */

	/* Shared with the callback thread: only atomics and the ring. */
	struct ring ring;
	_Atomic bool armed;              /* main sets, callback reads: copy samples into ring */
	struct level_slot levels;         /* callback adds, main takes */
	_Atomic uint64_t dropped;        /* frames the ring had no room for */
	_Atomic bool failed;             /* stream finished on its own */
	_Atomic size_t arm_want;         /* main sets before arming: frames the page takes */
	_Atomic unsigned arm_gen;        /* main bumps on each arming */
	_Atomic uint64_t completed_us;   /* callback: when the buffer with the page's last frame came */
	_Atomic uint64_t started_us;     /* callback: when the page's first frame was captured */
	_Atomic uint64_t handed_us;      /* callback: when it last handed frames over (0: not since arming) */
	_Atomic size_t arm_preroll;      /* main sets before arming: frames from before the arming */

	/* The thread that reads the stream: PortAudio's callback, or main in capture_read. */
	unsigned seen_gen;
	size_t armed_frames;             /* frames handed over since this arming */
	struct preroll preroll;          /* the input's latest PREROLL_MAX_MS, armed or not */

	/* Main thread only. */
	int16_t *page;
	size_t want, have;
	bool read_by_main;               /* no callback: capture_read takes the audio */
	int16_t *scratch;                /* what one Pa_ReadStream fills */
	size_t scratch_frames;
	uint64_t read_us;                /* when capture_read last read the stream */
	uint64_t overflows;              /* reads that found the device's buffer had overrun */
};

/* Callback thread: a piece of the pre-roll into the hand-over ring. */
static void preroll_to_ring(void *ctx, const int16_t *samples, size_t frames)
{
	struct capture *cap = ctx;
	size_t bytes = frames * cap->frame_bytes;
	size_t wrote = ring_write(&cap->ring, samples, bytes);
	if (wrote < bytes)
		atomic_fetch_add_explicit(&cap->dropped, (bytes - wrote) / cap->frame_bytes, memory_order_relaxed);
}

/*
 * One buffer of input, on whichever thread reads the stream: no allocation,
 * no locks, no system calls (on the callback thread they could glitch it).
 */
static void capture_hand_over(struct capture *cap, const int16_t *samples, size_t frames)
{
	struct level level = meter_measure_s16(samples, frames * (size_t)cap->fmt.channels);
	level_slot_add(&cap->levels, level);
	if (atomic_load_explicit(&cap->armed, memory_order_acquire)) {
		/* The end of a capture, timed where it happens (for the key-to-loudspeaker bench). */
		unsigned gen = atomic_load_explicit(&cap->arm_gen, memory_order_acquire);
		if (gen != cap->seen_gen) {
			cap->seen_gen = gen;
			cap->armed_frames = 0;
			/*
			 * The buffer's first frame was captured a buffer's time before it
			 * came. The device's own input latency is left out: through the
			 * pulse plugin PortAudio reports ~30 ms where the recording shows
			 * a few (BENCHMARKS, live mouth-to-ear).
			 */
			/* The pre-roll first: what was said just before the key. */
			size_t before = preroll_last(&cap->preroll, atomic_load_explicit(&cap->arm_preroll,
			                                                                 memory_order_relaxed),
			                             preroll_to_ring, cap);
			cap->armed_frames = before;
			uint64_t span = (uint64_t)(frames + before) * 1000000u / (uint64_t)cap->fmt.rate;
			atomic_store_explicit(&cap->started_us, trace_now_us() - span, memory_order_relaxed);
		}
		size_t want = atomic_load_explicit(&cap->arm_want, memory_order_relaxed);
		if (cap->armed_frames < want && cap->armed_frames + frames >= want)
			atomic_store_explicit(&cap->completed_us, trace_now_us(), memory_order_relaxed);
		cap->armed_frames += frames;
		size_t bytes = frames * cap->frame_bytes;
		size_t wrote = ring_write(&cap->ring, samples, bytes);
		if (wrote < bytes)
			atomic_fetch_add_explicit(&cap->dropped, (bytes - wrote) / cap->frame_bytes,
			                          memory_order_relaxed);
		atomic_store_explicit(&cap->handed_us, trace_now_us(), memory_order_relaxed);
	}
	preroll_write(&cap->preroll, samples, frames);
}

/* Runs on PortAudio's thread, where the stream could not be read from the main loop. */
static int capture_cb(const void *input, void *output, unsigned long frames,
                      const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags,
                      void *user)
{
	(void)output, (void)time, (void)flags;
	if (input)
		capture_hand_over(user, input, frames);
	return paContinue;
}

static void capture_finished_cb(void *user)
{
	struct capture *cap = user;
	atomic_store(&cap->failed, true);
}

struct capture *capture_open(int device, const struct audio_format *fmt, int chunk,
                             char *err, size_t errlen)
{
	struct capture *cap = calloc(1, sizeof *cap);
	if (!cap) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cap->fmt = *fmt;
	cap->chunk = (size_t)chunk;
	cap->frame_bytes = (size_t)fmt->channels * sizeof(int16_t);
	/* The ring also takes a whole pre-roll at the arming, on top of its slack. */
	size_t preroll_max = preroll_frames_for_ms(fmt->rate, PREROLL_MAX_MS);
	if (ring_init(&cap->ring, ((size_t)fmt->rate * CAPTURE_RING_SECONDS + preroll_max) * cap->frame_bytes) < 0) {
		snprintf(err, errlen, "out of memory");
		free(cap);
		return NULL;
	}
	if (preroll_init(&cap->preroll, preroll_max, fmt->channels) < 0) {
		snprintf(err, errlen, "out of memory");
		ring_free(&cap->ring);
		free(cap);
		return NULL;
	}
	const PaDeviceInfo *info = Pa_GetDeviceInfo(device);
	PaStreamParameters params = {
		.device = device,
		.channelCount = fmt->channels,
		.sampleFormat = paInt16,
		.suggestedLatency = CAPTURE_READ_LATENCY_S,
	};
	/*
	 * Read from the main loop: one thread fewer to wake for every buffer
	 * (recording cost 1.8x parec through PortAudio's thread). A host API
	 * without blocking reads gets the callback.
	 */
	cap->scratch_frames = (size_t)(CAPTURE_READ_LATENCY_S * fmt->rate);
	cap->scratch = malloc(cap->scratch_frames * cap->frame_bytes);
	/* INTERCOM_CAPTURE_CALLBACK=1: the callback, as on such a host API (tests, benchmarks). */
	const char *callback = getenv("INTERCOM_CAPTURE_CALLBACK");
	PaError rc = paCanNotReadFromACallbackStream;
	if (cap->scratch && !(callback && strcmp(callback, "1") == 0))
		rc = audio_stream_start(&cap->stream, &params, NULL, fmt->rate, (unsigned long)chunk, paClipOff,
		                        NULL, NULL, NULL);
	cap->read_by_main = rc == paNoError;
	if (rc != paNoError) {
		free(cap->scratch);
		cap->scratch = NULL;
		params.suggestedLatency = info ? info->defaultLowInputLatency : 0.05;
		rc = audio_stream_start(&cap->stream, &params, NULL, fmt->rate, (unsigned long)chunk,
		                        paClipOff, capture_cb, capture_finished_cb, cap);
	}
	if (rc != paNoError) {
		snprintf(err, errlen, "cannot open input device '%s' at %d Hz, %d channel(s): %s",
		         info ? info->name : "?", fmt->rate, fmt->channels, Pa_GetErrorText(rc));
		preroll_free(&cap->preroll);
		ring_free(&cap->ring);
		free(cap);
		return NULL;
	}
	return cap;
}

void capture_close(struct capture *cap)
{
	if (!cap)
		return;
	Pa_AbortStream(cap->stream);
	Pa_CloseStream(cap->stream);
	ring_free(&cap->ring);
	preroll_free(&cap->preroll);
	free(cap->page);
	free(cap->scratch);
	free(cap);
}

void capture_read(struct capture *cap)
{
	if (!cap || !cap->read_by_main || atomic_load_explicit(&cap->failed, memory_order_relaxed))
		return;
	uint64_t now = clock_mono_us();
	if (cap->read_us && now - cap->read_us < CAPTURE_READ_GAP_US)
		return;
	cap->read_us = now;
	/* At most a buffer's worth: a device that is not paced (ALSA's null) always has more. */
	size_t left = cap->scratch_frames;
	while (left > 0) {
		signed long avail = Pa_GetStreamReadAvailable(cap->stream);
		if (avail == paInputOverflowed) {
			cap->overflows++; /* recovery failed this time: the next read tries again */
			return;
		}
		if (avail < 0) {
			atomic_store(&cap->failed, true);
			return;
		}
		size_t n = (size_t)avail < left ? (size_t)avail : left;
		if (n == 0)
			return;
		PaError rc = Pa_ReadStream(cap->stream, cap->scratch, (unsigned long)n);
		if (rc == paInputOverflowed) {
			cap->overflows++;
		} else if (rc != paNoError) {
			atomic_store(&cap->failed, true);
			return;
		}
		capture_hand_over(cap, cap->scratch, n);
		left -= n;
	}
}

int capture_read_due_ms(const struct capture *cap, uint64_t now_us)
{
	if (!cap || !cap->read_by_main)
		return -1;
	uint64_t due = cap->read_us + (uint64_t)CAPTURE_READ_EVERY_MS * 1000u;
	return now_us >= due ? 0 : (int)((due - now_us + 999) / 1000);
}

bool capture_read_by_main(const struct capture *cap)
{
	return cap && cap->read_by_main;
}

uint64_t capture_overflows(const struct capture *cap)
{
	return cap ? cap->overflows : 0;
}

struct level capture_levels(struct capture *cap)
{
	capture_read(cap);
	return level_slot_take(&cap->levels);
}

int capture_start(struct capture *cap, size_t frames)
{
	return capture_start_with(cap, frames, NULL, 0, 0);
}

int capture_start_with(struct capture *cap, size_t frames, const int16_t *prefix, size_t prefix_frames,
                       size_t preroll_frames)
{
	if (cap->page || frames == 0 || prefix_frames >= frames)
		return -1;
	size_t preroll_max = cap->preroll.capacity;
	if (preroll_frames > preroll_max)
		preroll_frames = preroll_max;
	cap->page = malloc(frames * cap->frame_bytes);
	if (!cap->page)
		return -1;
	if (prefix_frames)
		memcpy(cap->page, prefix, prefix_frames * cap->frame_bytes);
	/* What the device holds now was heard before the key: the pre-roll's. */
	cap->read_us = 0;
	capture_read(cap);
	cap->want = frames;
	cap->have = prefix_frames;
	atomic_store(&cap->dropped, 0);
	cap->overflows = 0;
	atomic_store(&cap->completed_us, 0);
	atomic_store(&cap->started_us, 0);
	atomic_store(&cap->handed_us, 0);
	atomic_store(&cap->arm_preroll, preroll_frames);
	atomic_store(&cap->arm_want, frames - prefix_frames);
	atomic_fetch_add(&cap->arm_gen, 1);
	/* Old samples are from before the operator pressed the key. */
	ring_discard(&cap->ring);
	atomic_store_explicit(&cap->armed, true, memory_order_release);
	return 0;
}

bool capture_active(const struct capture *cap)
{
	return cap && cap->page != NULL;
}

bool capture_pump(struct capture *cap)
{
	if (!cap->page)
		return false;
	capture_read(cap);
	size_t bytes = (cap->want - cap->have) * cap->frame_bytes;
	size_t got = ring_read(&cap->ring, (uint8_t *)cap->page + cap->have * cap->frame_bytes, bytes);
	cap->have += got / cap->frame_bytes;
	if (cap->have < cap->want)
		return false;
	/* The last buffer ran past the page's end: exactly want frames are kept. */
	atomic_store_explicit(&cap->armed, false, memory_order_release);
	return true;
}

int capture_pump_due_ms(const struct capture *cap)
{
	if (!cap || !cap->page)
		return -1;
	/* Two buffers: the callback may hand over two at once (the pulse plugin does). */
	size_t left = cap->want - cap->have, end = 2 * cap->chunk;
	if (left <= end)
		return CAPTURE_PUMP_END_MS;
	uint64_t ms = (uint64_t)(left - end) * 1000 / (uint64_t)cap->fmt.rate;
	if (ms < CAPTURE_PUMP_END_MS)
		return CAPTURE_PUMP_END_MS;
	return ms > CAPTURE_PUMP_MAX_MS ? CAPTURE_PUMP_MAX_MS : (int)ms;
}

int capture_next_buffer_ms(const struct capture *cap, uint64_t now_us)
{
	uint64_t handed = cap && cap->page ? atomic_load_explicit(&cap->handed_us, memory_order_relaxed) : 0;
	if (!handed)
		return -1;
	uint64_t due = handed + (uint64_t)cap->chunk * 1000000u / (uint64_t)cap->fmt.rate;
	if (now_us >= due)
		return 0;
	return (int)((due - now_us + 999) / 1000) + CAPTURE_NEXT_SLACK_MS;
}

uint64_t capture_completed_us(const struct capture *cap)
{
	return atomic_load(&cap->completed_us);
}

uint64_t capture_started_us(const struct capture *cap)
{
	return atomic_load_explicit(&cap->started_us, memory_order_relaxed);
}

size_t capture_frames_have(const struct capture *cap)
{
	return cap->have;
}

const int16_t *capture_samples(const struct capture *cap)
{
	return cap->page;
}

size_t capture_frames_want(const struct capture *cap)
{
	return cap->want;
}

int16_t *capture_take(struct capture *cap, size_t *frames)
{
	atomic_store_explicit(&cap->armed, false, memory_order_release);
	int16_t *page = cap->page;
	*frames = cap->have;
	cap->page = NULL;
	cap->want = cap->have = 0;
	ring_discard(&cap->ring);
	if (*frames == 0) {
		free(page);
		return NULL;
	}
	return page;
}

void capture_cancel(struct capture *cap)
{
	size_t frames;
	free(capture_take(cap, &frames));
}

uint64_t capture_frames_dropped(struct capture *cap)
{
	return atomic_load(&cap->dropped);
}

bool capture_stream_failed(struct capture *cap)
{
	return atomic_load(&cap->failed);
}

/*
 * intercom-bench stream: one PortAudio stream on the default device, opened as
 * capture_open (in) or playback.c (out) open theirs but with the frames per
 * buffer and the suggested latency given, so their cost can be measured from
 * outside (intercom-bench idle, perf, strace) one parameter at a time
 * (docs/BENCHMARKS.md, section 11). The callback does what ours do that costs:
 * it measures the level of what passes (and writes silence on output).
 */
#include <portaudio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "intercom/audio/audio.h"
#include "intercom/audio/meter.h"

#define STREAM_RATE 48000

struct stream_stats {
	_Atomic unsigned long callbacks;
	_Atomic unsigned long max_gap_us;  /* callback thread writes, main reads at the end */
	uint64_t last_ns;                   /* callback thread only */
	struct level_slot levels;
};

static int stream_cb(const void *input, void *output, unsigned long frames,
                     const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags, void *user)
{
	(void)time, (void)flags;
	struct stream_stats *st = user;
	if (output)
		memset(output, 0, frames * sizeof(int16_t));
	const int16_t *samples = input ? input : output;
	level_slot_add(&st->levels, meter_measure_s16(samples, frames));
	uint64_t now = bench_now_ns();
	if (st->last_ns) {
		unsigned long gap = (unsigned long)((now - st->last_ns) / 1000);
		if (gap > atomic_load_explicit(&st->max_gap_us, memory_order_relaxed))
			atomic_store_explicit(&st->max_gap_us, gap, memory_order_relaxed);
	}
	st->last_ns = now;
	atomic_fetch_add_explicit(&st->callbacks, 1, memory_order_relaxed);
	return paContinue;
}

/*
 * Input without a callback: the main thread reads what the stream holds every
 * every_ms, as a poll loop would (Pa_ReadStream never waits for what
 * Pa_GetStreamReadAvailable said is there). No PortAudio thread runs.
 */
static int stream_read_polled(PaStream *stream, double seconds, int every_ms, struct stream_stats *st)
{
	static int16_t buf[48000];
	uint64_t end = bench_now_ns() + (uint64_t)(seconds * 1e9);
	unsigned long reads = 0, frames = 0, most = 0;
	while (bench_now_ns() < end) {
		struct timespec ts = { 0, (long)every_ms * 1000000L };
		nanosleep(&ts, NULL);
		for (;;) {
			signed long avail = Pa_GetStreamReadAvailable(stream);
			if (avail <= 0)
				break;
			if ((unsigned long)avail > most)
				most = (unsigned long)avail;
			if (avail > (signed long)(sizeof buf / sizeof buf[0]))
				avail = sizeof buf / sizeof buf[0];
			PaError rc = Pa_ReadStream(stream, buf, (unsigned long)avail);
			if (rc != paNoError && rc != paInputOverflowed) {
				bench_warn("read: %s", Pa_GetErrorText(rc));
				return -1;
			}
			level_slot_add(&st->levels, meter_measure_s16(buf, (size_t)avail));
			reads++;
			frames += (unsigned long)avail;
		}
	}
	printf("polled every %d ms: %lu reads, %lu frames, at most %lu waiting\n", every_ms, reads, frames, most);
	return 0;
}

/* intercom-bench stream in|out SECONDS FRAMES(0: unspecified) LATENCY(low|high|seconds) [prime|poll MS] */
int bench_stream_main(int argc, char **argv)
{
	if (argc < 5 || (strcmp(argv[1], "in") != 0 && strcmp(argv[1], "out") != 0)) {
		fprintf(stderr, "usage: intercom-bench stream in|out SECONDS FRAMES LATENCY [prime]\n");
		return 2;
	}
	bool input = strcmp(argv[1], "in") == 0;
	double seconds = atof(argv[2]);
	unsigned long frames = strtoul(argv[3], NULL, 10);
	char err[256];
	if (audio_init(err, sizeof err) < 0) {
		bench_warn("%s", err);
		return 1;
	}
	int device = audio_find_device(NULL, input, err, sizeof err);
	const PaDeviceInfo *info = device >= 0 ? Pa_GetDeviceInfo(device) : NULL;
	if (!info) {
		bench_warn("%s", err);
		audio_terminate();
		return 1;
	}
	double low = input ? info->defaultLowInputLatency : info->defaultLowOutputLatency;
	double high = input ? info->defaultHighInputLatency : info->defaultHighOutputLatency;
	double latency = strcmp(argv[4], "low") == 0 ? low : strcmp(argv[4], "high") == 0 ? high : atof(argv[4]);
	PaStreamParameters params = {
		.device = device, .channelCount = 1, .sampleFormat = paInt16, .suggestedLatency = latency,
	};
	PaStreamFlags flags = paClipOff;
	if (argc > 5 && strcmp(argv[5], "prime") == 0)
		flags |= paPrimeOutputBuffersUsingStreamCallback;
	int poll_ms = input && argc > 6 && strcmp(argv[5], "poll") == 0 ? atoi(argv[6]) : 0;
	static struct stream_stats st;
	PaStream *stream;
	PaError rc = audio_stream_start(&stream, input ? &params : NULL, input ? NULL : &params, STREAM_RATE,
	                                frames ? frames : paFramesPerBufferUnspecified, flags,
	                                poll_ms ? NULL : stream_cb, NULL, &st);
	if (rc != paNoError) {
		bench_warn("cannot open the stream: %s", Pa_GetErrorText(rc));
		audio_terminate();
		return 1;
	}
	const PaStreamInfo *si = Pa_GetStreamInfo(stream);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	struct timespec ts = { .tv_sec = (time_t)seconds,
	                       .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };
	if (poll_ms) {
		if (stream_read_polled(stream, seconds, poll_ms, &st) < 0)
			poll_ms = -1;
	} else {
		while (nanosleep(&ts, &ts) < 0)
			;
	}
	unsigned long n = atomic_load(&st.callbacks);
	printf("stream %s frames %lu asked latency %.4f s -> %.4f s (low %.4f, high %.4f)\n", argv[1], frames,
	       latency, si ? (input ? si->inputLatency : si->outputLatency) : -1.0, low, high);
	printf("callbacks %lu (%.1f/s), longest gap %.1f ms\n", n, (double)n / seconds,
	       (double)atomic_load(&st.max_gap_us) / 1000.0);
	Pa_AbortStream(stream);
	Pa_CloseStream(stream);
	audio_terminate();
	return 0;
}

/* Playback: one output stream per page, fed straight from the decoded page. */
#include "intercom/audio/playback.h"

#include "intercom/audio/audio.h"

#include <math.h>
#include <portaudio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/volume.h"
#include "intercom/common/clock.h"
#include "intercom/common/realtime.h"
#include "intercom/common/defaults.h"
#include "intercom/common/trace.h"

/*
 * A page's output buffer at least: through the pulse plugin a 3-period
 * buffer (the default low latency, 43 ms) makes the server ask for data
 * twice as often as a 5-period one, and the speaker then costs 2.5x what
 * paplay does, against 1.55x (BENCHMARKS, CPU while playing). Timed playout
 * places the first sample by DAC time, so pages start on time all the same;
 * READY's lead grows by the difference. A stream of small buffers (a live
 * talk's, or --chunk below the default) keeps the low latency: there each
 * millisecond of buffer is a millisecond behind the voice.
 */
#define PLAYBACK_PAGE_LATENCY_S 0.08
/*
 * Drift's reference, the host's DAC time less the line's, is taken where the
 * two agree within this (the host's sat -13..+2 ms from the line on loaded
 * and idle rigs), else PLAYBACK_OFFSET_WAIT_S after the placement as it is.
 */
#define PLAYBACK_HOST_SETTLED_S 0.020
#define PLAYBACK_OFFSET_WAIT_S 2
/*
 * A host's underrun flag counts for a settled move of the line
 * (playout_move_is_dac) this near before it (stream time): the flag comes
 * with the first buffer after the stall, the move is measured
 * PLAYOUT_LINE_SETTLE_S after the three late wakes that follow.
 */
#define PLAYBACK_UNDERFLOW_NEAR_S 1.5

/* Reads of Pa_GetStreamTime beside clock_mono_us for the mapping: the tightest pair wins. */
#define MAPPING_READS 5

/* How a stream starts its page (the callback reads it; set before the stream starts). */
enum start_mode {
	START_NOW,    /* the first buffer: play on arrival, or the timer fallback's start */
	START_TIMED,  /* the buffer the DAC reaches the target in, placed to the frame */
};

struct playback {
	int device;
	int chunk;
	PaStream *stream;

	/* Read by the callback; written by the main thread only while no stream runs. */
	const int16_t *samples;
	size_t frames;
	int channels;

	_Atomic size_t position;   /* frames handed to the device; callback-owned */
	_Atomic size_t end;        /* the page ends here (<= frames; a live page's, once known) */
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
	_Atomic int64_t timing_frame;      /* the page's frame at the buffer's start (< 0: silence first) */
	_Atomic bool timing_valid;
	/*
	 * Under the same seqlock: every timed buffer of the stream summed, so
	 * the main thread averages all buffers between two looks of its
	 * (playback_dac_mean) however rarely it looks. The callback keeps the
	 * sums in cb_sums and publishes them with each buffer.
	 */
	_Atomic uint64_t timing_n;              /* cb_sums, field by field */
	_Atomic uint64_t timing_ref_dac_bits;   /* double bits */
	_Atomic int64_t timing_ref_frame;
	_Atomic uint64_t timing_sum_dac_bits;   /* double bits */
	_Atomic uint64_t timing_sum_frame_bits; /* double bits */

	/*
	 * Timed start. Written by the main thread before the stream starts,
	 * except where said: */
	enum start_mode mode;
	size_t start_frame;               /* the frame the page starts from (a late join's) */
	_Atomic uint64_t target_bits;      /* main, after the start: the target in stream time (double) */
	_Atomic bool target_known;         /* ... once set */
	_Atomic bool go;                   /* main: the timer says start now (untrusted clock) */
	_Atomic bool begun;                /* callback: the first sample is placed */
	_Atomic size_t skipped;            /* callback: frames joined past start_frame, the target passed */
	_Atomic int clock_verdict;         /* callback: enum playout_clock */
	_Atomic int32_t correction;        /* main adds, callback does: > 0 repeat, < 0 drop */
	_Atomic int32_t jump;              /* main adds, callback does at once: > 0 silence, < 0 skip */
	_Atomic uint64_t corrected;        /* callback: frames corrected in this page */
	/*
	 * What the callback saw of the DAC timeline it places first samples by
	 * (playout_line) since the stream opened, for the log: wakes counted,
	 * their lateness over the line (sum and most, µs), and how far the
	 * host's own DAC times (outputBufferDacTime, when it gives them) fell
	 * from it (µs).
	 * Callback writes, main reads (playback_line_stats).
	 */
	_Atomic uint32_t line_wakes;
	_Atomic uint64_t line_late_sum_us;
	_Atomic uint32_t line_late_max_us;
	_Atomic int32_t line_report_min_us, line_report_max_us;
	_Atomic uint32_t line_shifts;      /* the timeline moved (an underrun): the line restarted */
	_Atomic uint64_t line_skipped;     /* callback: frames of the page skipped to keep time after one */
	_Atomic uint32_t underflows;       /* callback: buffers the host flagged paOutputUnderflow */
	char realtime_why[256];            /* main: why the stream's threads run at a normal priority ("": they don't) */
	_Atomic bool placed_by_line;       /* callback: the first sample was placed by the line */
	/* Callback-only bookkeeping. */
	struct playout_line line;
	bool cb_by_line;                    /* this buffer's placement time is the line's */
	uint64_t cb_catch_up;               /* frames the timeline moved by, to skip in a placed page */
	uint64_t cb_underflow_at;           /* cb_frames + 1 at the host's last paOutputUnderflow (0: none) */
	double cb_host_off;                 /* host's DAC time - the line's at the last wake in step (NAN: none) */
	double cb_offset;                   /* host's DAC time - the line's at the placement (s) */
	uint64_t cb_offset_due;             /* != 0: cb_offset not taken yet; at this cb_frames at the latest */
	double cb_first_now, cb_first_dac;  /* the first callback's stream times */
	uint64_t cb_frames;                 /* frames handed over since it, silence too */
	uint32_t cb_since_correction;       /* frames since the last correction */
	uint32_t spacing;                   /* frames between two corrections (set per page) */
	struct playout_dac_sums cb_sums;    /* every timed buffer of this stream */
	unsigned stream_gen;                /* main only: streams opened, for playback_dac_mark */
	/* Main thread only: the mapping stream time - clock_mono, and what starting cost. */
	double stream_minus_mono_s;
	double start_cost_ms;
	double output_latency_s;   /* the open stream's, as PortAudio reports it */
	bool armed;                /* the stream runs silence, no page attached yet (playback_arm) */
	struct audio_format armed_fmt;
	int armed_chunk;

	/* INTERCOM_TRACE (bench): when the first frames of the page went to the device. */
	bool trace;                /* set once in playback_new */
	_Atomic uint64_t first_us; /* callback-owned; 0 until then */

	/* Main thread only. */
	int rate;
	size_t heard;              /* the most frames reported played: never goes back */
};

static uint64_t double_bits(double d)
{
	uint64_t bits;
	memcpy(&bits, &d, sizeof bits);
	return bits;
}

static double bits_double(uint64_t bits)
{
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

/* Callback side of the timing seqlock: the latest buffer, and the sums of all. */
static void timing_publish(struct playback *pb, double dac_time, int64_t frame)
{
	playout_dac_sums_add(&pb->cb_sums, dac_time, frame);
	uint32_t seq = atomic_load_explicit(&pb->timing_seq, memory_order_relaxed);
	atomic_store_explicit(&pb->timing_seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&pb->timing_dac_bits, double_bits(dac_time), memory_order_relaxed);
	atomic_store_explicit(&pb->timing_frame, frame, memory_order_relaxed);
	atomic_store_explicit(&pb->timing_n, pb->cb_sums.n, memory_order_relaxed);
	atomic_store_explicit(&pb->timing_ref_dac_bits, double_bits(pb->cb_sums.ref_dac), memory_order_relaxed);
	atomic_store_explicit(&pb->timing_ref_frame, pb->cb_sums.ref_frame, memory_order_relaxed);
	atomic_store_explicit(&pb->timing_sum_dac_bits, double_bits(pb->cb_sums.sum_dac), memory_order_relaxed);
	atomic_store_explicit(&pb->timing_sum_frame_bits, double_bits(pb->cb_sums.sum_frame), memory_order_relaxed);
	atomic_store_explicit(&pb->timing_seq, seq + 2, memory_order_release);
	atomic_store_explicit(&pb->timing_valid, true, memory_order_release);
}

/* What the timing seqlock holds, read whole. */
struct timing {
	double dac;
	int64_t frame;
	struct playout_dac_sums sums;
};

/* Main side: a consistent copy; false if none yet or the callback kept writing. */
static bool timing_read_all(struct playback *pb, struct timing *t)
{
	if (!atomic_load_explicit(&pb->timing_valid, memory_order_acquire))
		return false;
	for (int tries = 0; tries < 100; tries++) {
		uint32_t s1 = atomic_load_explicit(&pb->timing_seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		uint64_t bits = atomic_load_explicit(&pb->timing_dac_bits, memory_order_relaxed);
		int64_t f = atomic_load_explicit(&pb->timing_frame, memory_order_relaxed);
		uint64_t n = atomic_load_explicit(&pb->timing_n, memory_order_relaxed);
		uint64_t ref_dac = atomic_load_explicit(&pb->timing_ref_dac_bits, memory_order_relaxed);
		int64_t ref_frame = atomic_load_explicit(&pb->timing_ref_frame, memory_order_relaxed);
		uint64_t sum_dac = atomic_load_explicit(&pb->timing_sum_dac_bits, memory_order_relaxed);
		uint64_t sum_frame = atomic_load_explicit(&pb->timing_sum_frame_bits, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&pb->timing_seq, memory_order_relaxed) != s1)
			continue;
		*t = (struct timing){ .dac = bits_double(bits), .frame = f,
		                      .sums = { .n = n, .ref_dac = bits_double(ref_dac), .ref_frame = ref_frame,
		                                .sum_dac = bits_double(sum_dac), .sum_frame = bits_double(sum_frame) } };
		return true;
	}
	return false;
}

/* The latest buffer's (dac time, frame). */
static bool timing_read(struct playback *pb, double *dac_time, int64_t *frame)
{
	struct timing t;
	if (!timing_read_all(pb, &t))
		return false;
	*dac_time = t.dac;
	*frame = t.frame;
	return true;
}

/* Callback: notes a wake's lateness and the host's DAC time (0: none) against the line, for the log. */
static void line_note(struct playback *pb, double reported, double filtered)
{
	uint32_t wakes = atomic_load_explicit(&pb->line_wakes, memory_order_relaxed);
	double late = pb->line.late_max_s * 1e6;
	atomic_store_explicit(&pb->line_late_sum_us, (uint64_t)llround(pb->line.late_sum_s * 1e6),
	                      memory_order_relaxed);
	atomic_store_explicit(&pb->line_late_max_us, late < UINT32_MAX ? (uint32_t)late : UINT32_MAX,
	                      memory_order_relaxed);
	atomic_store_explicit(&pb->line_wakes, wakes + 1, memory_order_relaxed);
	atomic_store_explicit(&pb->line_shifts, pb->line.shifts, memory_order_relaxed);
	if (reported == 0)
		return;
	double off = (reported - filtered) * 1e6;
	int32_t us = off > INT32_MAX ? INT32_MAX : off < -INT32_MAX ? -INT32_MAX : (int32_t)lround(off);
	if (wakes == 0 || us < atomic_load_explicit(&pb->line_report_min_us, memory_order_relaxed))
		atomic_store_explicit(&pb->line_report_min_us, us, memory_order_relaxed);
	if (wakes == 0 || us > atomic_load_explicit(&pb->line_report_max_us, memory_order_relaxed))
		atomic_store_explicit(&pb->line_report_max_us, us, memory_order_relaxed);
}

/*
 * Callback: judges the stream's clock from its callbacks until it is known,
 * and follows its DAC timeline (playout_line). Returns the stream time this
 * buffer's first frame reaches the DAC as the host reports it, and in
 * *placed the one to place a first sample by: the line's, once a wake has
 * counted (playout_line_place).
 * Through the pulse plugin the host's is libpulse's smoothed latency, whose
 * error is the stream's own: placed by it, ten speakers started 1-4 ms
 * apart; averaging the reports over every callback made it worse (5 ms: the
 * error is no noise to average, it wanders for seconds). The line is what
 * the callbacks' wake times say (BENCHMARKS section 9). Drift is still judged
 * by the host's times (less their offset from the line at the placement):
 * across an underrun the line's offset to the DAC moved by tens of ms and
 * stayed (measured), where the host's follows the buffer.
 */
static double clock_follow(struct playback *pb, const PaStreamCallbackTimeInfo *time,
                           unsigned long frames, PaStreamCallbackFlags flags, double *placed)
{
	double now = time ? time->currentTime : 0, dac = time ? time->outputBufferDacTime : 0;
	if (pb->cb_frames == 0) {
		pb->cb_first_now = now;
		pb->cb_first_dac = dac;
		/* Filled in by Pa_OpenStream, before this thread started: no system call. */
		const PaStreamInfo *si = Pa_GetStreamInfo(pb->stream);
		playout_line_reset(&pb->line, si ? si->outputLatency : 0);
	}
	double filtered;
	bool woke = playout_line_add(&pb->line, now, pb->cb_frames, pb->rate);
	if (woke && playout_line_dac(&pb->line, pb->cb_frames, pb->rate, &filtered)) {
		line_note(pb, dac, filtered);
		if (dac != 0 && !pb->line.moving && pb->line.shift_run == 0)
			pb->cb_host_off = dac - filtered;
	}
	pb->cb_by_line = playout_line_place(&pb->line, pb->cb_frames, pb->rate, dac, placed);
	if (flags & paOutputUnderflow) {
		pb->cb_underflow_at = pb->cb_frames + 1;
		atomic_fetch_add_explicit(&pb->underflows, 1, memory_order_relaxed);
	}
	/*
	 * Only a move the host saw too is skipped: wakes late for other reasons
	 * (a starved thread, a loaded server) can restart the line, and a move
	 * measured on them is their lateness, not the DAC's.
	 */
	double moved, line_now;
	if (playout_line_moved(&pb->line, now, &moved)) {
		bool flagged = pb->cb_underflow_at &&
		               pb->cb_frames - (pb->cb_underflow_at - 1) <= (uint64_t)(pb->rate * PLAYBACK_UNDERFLOW_NEAR_S);
		double host_after = dac != 0 && playout_line_dac(&pb->line, pb->cb_frames, pb->rate, &line_now)
		                        ? dac - line_now : NAN;
		if (playout_move_is_dac(moved, flagged, pb->cb_host_off, host_after)) {
			pb->cb_catch_up += (uint64_t)llround(moved * pb->rate);
			pb->cb_underflow_at = 0;
		}
		if (!isnan(host_after))
			pb->cb_host_off = host_after;
	}
	int verdict = atomic_load_explicit(&pb->clock_verdict, memory_order_relaxed);
	if (verdict == PLAYOUT_CLOCK_UNKNOWN && pb->cb_frames > 0) {
		verdict = playout_clock_judge(pb->cb_first_now, pb->cb_first_dac, now, dac, pb->cb_frames,
		                              pb->rate, -1);
		atomic_store_explicit(&pb->clock_verdict, verdict, memory_order_relaxed);
	}
	pb->cb_frames += frames;
	return dac;
}

/*
 * Callback: frames of silence before the page in this buffer (frames: all
 * of it, still waiting), placing the first sample when its time comes.
 */
static size_t place_first(struct playback *pb, double dac, unsigned long frames, size_t *pos)
{
	int verdict = atomic_load_explicit(&pb->clock_verdict, memory_order_relaxed);
	int64_t lead = 0;
	if (pb->mode == START_TIMED && verdict != PLAYOUT_CLOCK_UNPACED) {
		if (verdict == PLAYOUT_CLOCK_UNTRUSTED) {
			/* The main thread's timer says when. */
			if (!atomic_load_explicit(&pb->go, memory_order_acquire))
				return frames;
		} else if (!atomic_load_explicit(&pb->target_known, memory_order_acquire)) {
			return frames;
		} else {
			uint64_t bits = atomic_load_explicit(&pb->target_bits, memory_order_relaxed);
			double target;
			memcpy(&target, &bits, sizeof target);
			lead = playout_lead_frames(dac, target, pb->rate);
			if (lead >= (int64_t)frames)
				return frames;
		}
	}
	size_t skip = lead < 0 ? (size_t)-lead : 0;
	*pos = pb->start_frame + skip < pb->frames ? pb->start_frame + skip : pb->frames;
	atomic_store_explicit(&pb->skipped, skip, memory_order_relaxed);
	atomic_store_explicit(&pb->placed_by_line, pb->cb_by_line, memory_order_relaxed);
	atomic_store_explicit(&pb->begun, true, memory_order_release);
	return lead > 0 ? (size_t)lead : 0;
}

/*
 * Callback: a timed page already placed whose timeline moved later (an
 * underrun) skips what the move cost, back on time at once. Before the
 * placement there is nothing to mend: the first sample is placed by the
 * new line.
 */
static void catch_up(struct playback *pb, size_t *pos)
{
	uint64_t frames = pb->cb_catch_up;
	pb->cb_catch_up = 0;
	if (!frames || pb->mode != START_TIMED || !atomic_load_explicit(&pb->begun, memory_order_relaxed) ||
	    atomic_load_explicit(&pb->clock_verdict, memory_order_relaxed) == PLAYOUT_CLOCK_UNPACED)
		return;
	size_t end = atomic_load_explicit(&pb->end, memory_order_relaxed);
	size_t skip = *pos >= end ? 0 : frames < end - *pos ? (size_t)frames : end - *pos;
	*pos += skip;
	atomic_fetch_add_explicit(&pb->line_skipped, skip, memory_order_relaxed);
}

/*
 * Callback: copies the page from *pos into out[0..n) through the gain,
 * repeating or dropping single frames as commanded, at most one per
 * spacing frames. Returns the frames written (fewer at the page's end).
 */
static size_t copy_corrected(struct playback *pb, int16_t *out, size_t n, size_t *pos, int32_t gain)
{
	size_t width = (size_t)pb->channels, o = 0;
	size_t end = atomic_load_explicit(&pb->end, memory_order_relaxed);
	if (*pos > end)
		*pos = end;
	int32_t jump = atomic_exchange_explicit(&pb->jump, 0, memory_order_relaxed);
	if (jump < 0) {
		size_t skip = (size_t)-(int64_t)jump;
		*pos += skip < end - *pos ? skip : end - *pos;
	} else if (jump > 0) {
		o = (size_t)jump < n ? (size_t)jump : n;
		memset(out, 0, o * width * sizeof *out);
		if ((size_t)jump > o)
			atomic_fetch_add_explicit(&pb->jump, (int32_t)((size_t)jump - o), memory_order_relaxed);
	}
	int32_t pending = atomic_load_explicit(&pb->correction, memory_order_relaxed);
	int32_t done = 0;
	uint64_t corrected = 0;
	while (o < n && *pos < end) {
		if (pending != done && pb->cb_since_correction >= pb->spacing) {
			pb->cb_since_correction = 0;
			corrected++;
			if (pending > done) {
				/* Repeat the frame before (or the first): the device falls back one. */
				size_t from = *pos > 0 ? *pos - 1 : 0;
				volume_apply_s16(out + o * width, pb->samples + from * width, width, gain);
				o++;
				done++;
			} else {
				(*pos)++; /* drop one: the device catches up one */
				done--;
			}
			continue;
		}
		size_t seg = n - o < end - *pos ? n - o : end - *pos;
		if (pending != done && pb->spacing - pb->cb_since_correction < seg)
			seg = pb->spacing - pb->cb_since_correction;
		volume_apply_s16(out + o * width, pb->samples + *pos * width, seg * width, gain);
		o += seg;
		*pos += seg;
		pb->cb_since_correction += (uint32_t)(seg > UINT32_MAX ? UINT32_MAX : seg);
	}
	if (done)
		atomic_fetch_sub_explicit(&pb->correction, done, memory_order_relaxed);
	if (corrected)
		atomic_fetch_add_explicit(&pb->corrected, corrected, memory_order_relaxed);
	return o;
}

/*
 * Runs on PortAudio's thread: silence until the page's place (timed), then
 * copies through the gain with any drift correction, pads the last buffer
 * with silence, measures what it hands over, notes when it will be heard,
 * and stops. No allocation, locks or system calls.
 */
static int playback_cb(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags,
                       void *user)
{
	(void)input;
	struct playback *pb = user;
	size_t width = (size_t)pb->channels;
	int16_t *out = output;
	double placed;
	double dac = clock_follow(pb, time, frames, flags, &placed);
	size_t pos = atomic_load_explicit(&pb->position, memory_order_relaxed);
	catch_up(pb, &pos);
	size_t lead = 0;
	bool first = false;
	if (!atomic_load_explicit(&pb->begun, memory_order_relaxed)) {
		lead = place_first(pb, placed, frames, &pos);
		first = lead < frames;
		/*
		 * Drift is judged by the host's DAC times from here on, less where
		 * they stood from the line at the placement: the drift loop follows
		 * how the host's times move (a device's rate, an underrun), not
		 * their offset from the line, which it would otherwise "mend" by a
		 * jump seconds into the page, undoing the placement.
		 */
		if (first) {
			pb->cb_offset = 0;
			pb->cb_offset_due = 0;
			if (pb->mode == START_TIMED && pb->cb_by_line)
				pb->cb_offset_due = pb->cb_frames + (uint64_t)pb->rate * PLAYBACK_OFFSET_WAIT_S;
		}
	}
	/*
	 * The offset is taken where the host's time sits within
	 * PLAYBACK_HOST_SETTLED_S of the line: a host's time far off at the
	 * placement is a transient of the sound server's estimate (seen at
	 * -85 ms), and drift measured from it would "correct" the page by that
	 * much once it settles. Taken as it is after PLAYBACK_OFFSET_WAIT_S
	 * (before drift's first window), so a lasting offset is followed too.
	 */
	if (pb->cb_offset_due && pb->cb_by_line &&
	    (fabs(dac - placed) <= PLAYBACK_HOST_SETTLED_S || pb->cb_frames >= pb->cb_offset_due)) {
		pb->cb_offset = dac - placed;
		pb->cb_offset_due = 0;
	}
	memset(out, 0, lead * width * sizeof(int16_t));
	/* The page's frame at the buffer's first sample: before it, the silence placed. */
	int64_t at = (int64_t)pos - (int64_t)lead;
	int32_t gain = atomic_load_explicit(&pb->gain_q24, memory_order_relaxed);
	size_t n = lead < frames ? copy_corrected(pb, out + lead * width, frames - lead, &pos, gain) : 0;
	memset(out + (lead + n) * width, 0, (frames - lead - n) * width * sizeof(int16_t));
	struct level level = meter_measure_s16(out + lead * width, n * width);
	level_slot_add(&pb->levels, level);
	if (time && lead < frames && !pb->cb_offset_due)
		timing_publish(pb, dac - pb->cb_offset, at);
	if (pb->trace && first && n > 0)
		atomic_store_explicit(&pb->first_us, trace_now_us(), memory_order_relaxed);
	atomic_store_explicit(&pb->position, pos, memory_order_release);
	/* An armed stream with no page yet plays silence until one is attached. */
	bool begun = atomic_load_explicit(&pb->begun, memory_order_relaxed);
	return begun && pos >= atomic_load_explicit(&pb->end, memory_order_relaxed) ? paComplete : paContinue;
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
	return playback_start_at(pb, samples, frames, fmt, NULL, err, errlen);
}

/* Stream time - clock_mono, from the tightest of a few reads side by side. */
static double stream_minus_mono(PaStream *stream)
{
	double best_gap = INFINITY, offset = 0;
	for (int i = 0; i < MAPPING_READS; i++) {
		uint64_t a = clock_mono_us();
		double t = Pa_GetStreamTime(stream);
		uint64_t b = clock_mono_us();
		double gap = (double)(b - a);
		if (gap < best_gap) {
			best_gap = gap;
			offset = t - (double)(a + b) / 2e6;
		}
	}
	return offset;
}

/* A page's place in the stream: what the callback starts from (the stream is not running, or not begun). */
static void page_reset(struct playback *pb, const int16_t *samples, size_t frames,
                       const struct playback_when *when)
{
	pb->samples = samples;
	pb->frames = frames;
	pb->heard = 0;
	pb->start_frame = when && when->start_frame < frames ? when->start_frame : 0;
	pb->spacing = playout_correct_spacing(pb->rate);
	atomic_store(&pb->position, pb->start_frame);
	atomic_store(&pb->end, frames);
	atomic_store(&pb->first_us, 0);
	atomic_store(&pb->skipped, 0);
	atomic_store(&pb->correction, 0);
	atomic_store(&pb->jump, 0);
	atomic_store(&pb->corrected, 0);
	atomic_store(&pb->line_skipped, 0);
}

/* The target in stream time, for the callback: from here on it places the first sample. */
static void target_publish(struct playback *pb, uint64_t target_us)
{
	double target = (double)target_us / 1e6 + pb->stream_minus_mono_s;
	uint64_t bits;
	memcpy(&bits, &target, sizeof bits);
	atomic_store_explicit(&pb->target_bits, bits, memory_order_relaxed);
	atomic_store_explicit(&pb->target_known, true, memory_order_release);
}

/* Opens and starts a stream of fmt for what pb holds (a page, or none: armed). */
static int stream_open(struct playback *pb, const struct audio_format *fmt, char *err, size_t errlen)
{
	pb->cb_first_now = pb->cb_first_dac = 0;
	pb->cb_frames = 0;
	pb->cb_offset = 0;
	pb->cb_catch_up = 0;
	pb->cb_underflow_at = 0;
	pb->cb_host_off = NAN;
	pb->cb_since_correction = 0;
	pb->cb_sums = (struct playout_dac_sums){ 0 };
	if (++pb->stream_gen == 0)
		pb->stream_gen = 1; /* 0 is a reset mark's */
	atomic_store(&pb->finished, false);
	atomic_store(&pb->timing_valid, false);
	atomic_store(&pb->target_known, false);
	atomic_store(&pb->go, false);
	atomic_store(&pb->begun, false);
	atomic_store(&pb->clock_verdict, PLAYOUT_CLOCK_UNKNOWN);
	atomic_store(&pb->line_wakes, 0);
	atomic_store(&pb->line_shifts, 0);
	atomic_store(&pb->underflows, 0);
	atomic_store(&pb->line_late_sum_us, 0);
	atomic_store(&pb->line_late_max_us, 0);
	atomic_store(&pb->line_report_min_us, 0);
	atomic_store(&pb->line_report_max_us, 0);
	atomic_store(&pb->placed_by_line, false);
	const PaDeviceInfo *info = Pa_GetDeviceInfo(pb->device);
	if (!info) {
		snprintf(err, errlen, "output device unavailable");
		return -1;
	}
	PaStreamParameters params = {
		.device = pb->device,
		.channelCount = fmt->channels,
		.sampleFormat = paInt16,
		.suggestedLatency = pb->chunk >= DEFAULT_CHUNK && PLAYBACK_PAGE_LATENCY_S > info->defaultLowOutputLatency
		                    ? PLAYBACK_PAGE_LATENCY_S : info->defaultLowOutputLatency,
	};
	uint64_t t0 = clock_mono_us();
	/*
	 * The stream's threads, libpulse's (through the pulse plugin) and
	 * PortAudio's callback, are started by this call and inherit this
	 * thread's policy: real-time for them, then normal again for the loop.
	 * Their wake times are the DAC timeline a first sample is placed by;
	 * beside two CPU burners ten speakers started 0.58 ms apart in median
	 * (worst 12.5) at a normal priority, 0.22 (worst 1.8) at SCHED_FIFO
	 * (BENCHMARKS section 9).
	 */
	bool rt = realtime_raise_self(REALTIME_PRIORITY, pb->realtime_why, sizeof pb->realtime_why) == 0;
	if (rt)
		pb->realtime_why[0] = '\0';
	PaError rc = audio_stream_start(&pb->stream, NULL, &params, fmt->rate, (unsigned long)pb->chunk,
	                                paClipOff | paPrimeOutputBuffersUsingStreamCallback, playback_cb,
	                                playback_finished_cb, pb);
	if (rt)
		realtime_lower_self();
	if (rc != paNoError) {
		snprintf(err, errlen, "output device '%s' cannot play %d Hz, %d channel(s): %s",
		         info->name, fmt->rate, fmt->channels, Pa_GetErrorText(rc));
		return -1;
	}
	const PaStreamInfo *si = Pa_GetStreamInfo(pb->stream);
	pb->output_latency_s = si ? si->outputLatency : 0;
	pb->start_cost_ms = (double)(clock_mono_us() - t0) / 1000.0 + pb->output_latency_s * 1000.0;
	pb->stream_minus_mono_s = stream_minus_mono(pb->stream);
	return 0;
}

/*
 * An armed stream takes the page as it runs: the callback sees the target
 * (release/acquire on target_known) only after everything it reads of the
 * page is in place, and has touched none of it before.
 */
static bool attach_armed(struct playback *pb, const int16_t *samples, size_t frames,
                         const struct audio_format *fmt, const struct playback_when *when)
{
	if (!playback_armed(pb) || !when || !when->target_us || fmt->rate != pb->armed_fmt.rate ||
	    fmt->channels != pb->armed_fmt.channels || pb->armed_chunk != pb->chunk)
		return false;
	pb->armed = false;
	page_reset(pb, samples, frames, when);
	pb->stream_minus_mono_s = stream_minus_mono(pb->stream);
	target_publish(pb, when->target_us);
	return true;
}

int playback_start_at(struct playback *pb, const int16_t *samples, size_t frames,
                      const struct audio_format *fmt, const struct playback_when *when,
                      char *err, size_t errlen)
{
	if (attach_armed(pb, samples, frames, fmt, when))
		return 0;
	playback_stop(pb);
	pb->channels = fmt->channels;
	pb->rate = fmt->rate;
	pb->mode = when && when->target_us ? START_TIMED : START_NOW;
	page_reset(pb, samples, frames, when);
	if (stream_open(pb, fmt, err, errlen) < 0)
		return -1;
	if (pb->mode == START_TIMED)
		target_publish(pb, when->target_us);
	return 0;
}

int playback_arm(struct playback *pb, const struct audio_format *fmt, char *err, size_t errlen)
{
	if (playback_armed(pb) && fmt->rate == pb->armed_fmt.rate && fmt->channels == pb->armed_fmt.channels &&
	    pb->armed_chunk == pb->chunk)
		return 0;
	playback_stop(pb);
	pb->channels = fmt->channels;
	pb->rate = fmt->rate;
	pb->mode = START_TIMED;
	page_reset(pb, NULL, 0, NULL);
	if (stream_open(pb, fmt, err, errlen) < 0)
		return -1;
	pb->armed = true;
	pb->armed_fmt = *fmt;
	pb->armed_chunk = pb->chunk;
	return 0;
}

bool playback_armed(struct playback *pb)
{
	return pb->stream && pb->armed && !atomic_load_explicit(&pb->finished, memory_order_acquire);
}

uint32_t playback_armed_lead_us(struct playback *pb)
{
	/* The buffer the callback may be filling, and the device's latency behind it. */
	double s = pb->output_latency_s + (double)pb->chunk / pb->rate;
	return (uint32_t)(s * 1e6);
}

enum playout_clock playback_clock(struct playback *pb)
{
	return (enum playout_clock)atomic_load_explicit(&pb->clock_verdict, memory_order_relaxed);
}

void playback_go(struct playback *pb)
{
	atomic_store_explicit(&pb->go, true, memory_order_release);
}

bool playback_begun(struct playback *pb, size_t *skipped)
{
	if (!atomic_load_explicit(&pb->begun, memory_order_acquire))
		return false;
	if (skipped)
		*skipped = atomic_load_explicit(&pb->skipped, memory_order_relaxed);
	return true;
}

size_t playback_dac_mean(struct playback *pb, struct playback_dac_mark *mark, uint64_t *mono_us, double *frame)
{
	struct timing t;
	if (!pb->stream || !timing_read_all(pb, &t))
		return 0;
	struct playback_dac_mark was = *mark;
	*mark = (struct playback_dac_mark){ .gen = pb->stream_gen, .sums = t.sums };
	/* A reset mark, or one of an earlier stream (its sums started again): from here on. */
	double dac;
	uint64_t n = was.gen == pb->stream_gen ? playout_dac_sums_mean(&t.sums, &was.sums, &dac, frame) : 0;
	if (!n)
		return 0;
	double mono_s = dac - pb->stream_minus_mono_s;
	*mono_us = mono_s <= 0 ? 0 : (uint64_t)llround(mono_s * 1e6);
	return (size_t)n;
}

void playback_set_chunk(struct playback *pb, int chunk)
{
	pb->chunk = chunk;
}

void playback_set_end(struct playback *pb, size_t frames)
{
	atomic_store_explicit(&pb->end, frames < pb->frames ? frames : pb->frames, memory_order_relaxed);
}

void playback_jump(struct playback *pb, int32_t frames)
{
	atomic_fetch_add_explicit(&pb->jump, frames, memory_order_relaxed);
}

void playback_correct(struct playback *pb, int32_t frames)
{
	atomic_fetch_add_explicit(&pb->correction, frames, memory_order_relaxed);
}

int32_t playback_correction_pending(struct playback *pb)
{
	return atomic_load_explicit(&pb->correction, memory_order_relaxed);
}

uint64_t playback_corrected(struct playback *pb)
{
	return atomic_load_explicit(&pb->corrected, memory_order_relaxed);
}

bool playback_line_stats(struct playback *pb, struct playback_line_stats *st)
{
	*st = (struct playback_line_stats){ 0 };
	st->wakes = atomic_load_explicit(&pb->line_wakes, memory_order_relaxed);
	if (!st->wakes)
		return false;
	st->late_mean_ms = (double)atomic_load_explicit(&pb->line_late_sum_us, memory_order_relaxed) / st->wakes / 1000.0;
	st->late_max_ms = atomic_load_explicit(&pb->line_late_max_us, memory_order_relaxed) / 1000.0;
	st->report_min_ms = atomic_load_explicit(&pb->line_report_min_us, memory_order_relaxed) / 1000.0;
	st->report_max_ms = atomic_load_explicit(&pb->line_report_max_us, memory_order_relaxed) / 1000.0;
	st->placed_by_line = atomic_load_explicit(&pb->placed_by_line, memory_order_relaxed);
	st->shifts = atomic_load_explicit(&pb->line_shifts, memory_order_relaxed);
	st->underflows = atomic_load_explicit(&pb->underflows, memory_order_relaxed);
	st->skipped_ms = pb->rate > 0 ? (double)atomic_load_explicit(&pb->line_skipped, memory_order_relaxed) *
	                                    1000.0 / pb->rate : 0;
	return true;
}

const char *playback_realtime_refused(const struct playback *pb)
{
	return pb->realtime_why[0] ? pb->realtime_why : NULL;
}

double playback_start_cost_ms(struct playback *pb)
{
	return pb->start_cost_ms;
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
	return pos >= atomic_load_explicit(&pb->end, memory_order_relaxed) ? PLAYBACK_DONE : PLAYBACK_FAILED;
}

void playback_stop(struct playback *pb)
{
	pb->armed = false;
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
		pb->heard = atomic_load_explicit(&pb->end, memory_order_relaxed);
		return pb->heard;
	}
	if (state != PLAYBACK_PLAYING)
		return pb->heard;
	double dac;
	int64_t frame;
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

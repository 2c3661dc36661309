/*
 * Timed playout's arithmetic, pure: where a page's first sample goes in the
 * device's buffer, whether a page whose time has passed joins late or
 * expires, whether a device's stream clock can be trusted, and the drift
 * correction's schedule (single frames dropped or repeated, spread out).
 * playback.c (the callback) and speaker.c call it; units test every rule.
 * In audio/ because the callback needs it; the speaker decides with it too.
 */
#ifndef INTERCOM_PLAYOUT_SCHED_H
#define INTERCOM_PLAYOUT_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A page whose time has passed joins late only while at least this much of
 * it is left, and at least a quarter of it: a second is enough to carry a
 * word and a quarter keeps what is heard more than a tail; less than that
 * would sound like a cut-off page, which helps no listener.
 */
#define PLAYOUT_JOIN_MIN_MS 1000
#define PLAYOUT_JOIN_MIN_DIVISOR 4
/*
 * Whatever its length, a page still joins while no more than a quarter of
 * it is gone: a 0.3 s chime started a few ms late on a loaded machine still
 * sounds whole, and expiring it would lose it for nothing.
 */
#define PLAYOUT_JOIN_MOST_DIVISOR 4

/*
 * Drift: the error the device may build up before frames are dropped or
 * repeated (below it, the DAC-time noise dominates), and the least spacing
 * between two corrections: one frame per 10 ms is inaudible (Snapcast's
 * method) and still corrects 100 frames a second, ~2000 ppm at 48 kHz.
 */
#define PLAYOUT_DRIFT_DEADBAND_US 200
#define PLAYOUT_CORRECT_EVERY_MS 10

/* --delay-ms and the screen's trim: 0..5 s (a loudspeaker 1.7 km away is 5 s late). */
#define PLAYOUT_DELAY_MAX_MS 5000

/* What to do with a page whose target is known. */
enum playout_decision {
	PLAYOUT_ON_TIME,   /* the target lies ahead: start there */
	PLAYOUT_LATE_JOIN, /* passed, but enough is left: join at the frame it has reached */
	PLAYOUT_EXPIRED,   /* passed and too little left: never played */
};

/*
 * A page of frames at rate whose first sample is due at target_us (this
 * machine's monotonic µs), looked at at now_us: on time, late join (then
 * *join_frame is the frame its timeline has reached: elapsed x rate, and
 * *late_us how late), or expired (*late_us how long ago its time passed).
 */
/*
 * A start later than this is said and reported as a late join; below it, the
 * page still starts at the frame its time has reached (in step), but a few ms
 * is what a loaded machine's scheduling gives anyway, not news for the operator.
 */
#define PLAYOUT_LATE_NOTICE_MS 10

/* How late to report a start that came late_us after its time: 0 below the notice threshold. */
uint32_t playout_late_ms(uint64_t late_us);

enum playout_decision playout_decide(uint64_t now_us, uint64_t target_us, size_t frames, int rate,
                                     size_t *join_frame, uint64_t *late_us);

/*
 * Placement in one callback buffer whose first frame reaches the DAC at
 * stream time dac_s, for a first sample due at stream time target_s:
 * frames of silence before the first sample (>= 0; may exceed the buffer:
 * the whole buffer is silence), or if the target passed, the negative
 * count of frames already due (skip them: the page joins at that frame).
 */
int64_t playout_lead_frames(double dac_s, double target_s, int rate);

/* A stream clock, judged from its callbacks. */
enum playout_clock {
	PLAYOUT_CLOCK_UNKNOWN,    /* not enough seen yet */
	PLAYOUT_CLOCK_OK,
	PLAYOUT_CLOCK_UNTRUSTED,  /* DAC time zero, or not advancing with the frames */
	PLAYOUT_CLOCK_UNPACED,    /* frames go far faster than real time (the unpaced ALSA file rig) */
};

/* How much stream has to pass before a clock is judged good: the priming and a few buffers. */
#define PLAYOUT_CLOCK_JUDGE_S 0.1

/*
 * Judges a stream clock from its first callback and the latest one: their
 * stream times now (currentTime) and DAC times, and the frames handed over
 * between them. Untrusted if a DAC time is 0, if the DAC time does not
 * advance with the frames (less than half as fast or more than half again,
 * beyond 100 ms of priming latency), or if frames go faster than real time (the stream's own clock, or the main thread's: wall_s is
 * the main thread's monotonic seconds between the two, < 0 if unknown).
 */
enum playout_clock playout_clock_judge(double first_now_s, double first_dac_s, double now_s,
                                       double dac_s, uint64_t frames, int rate, double wall_s);

/*
 * A running stream's DAC timeline, filtered from its callbacks' wake times.
 *
 * Why not each callback's outputBufferDacTime: through the ALSA pulse plugin
 * it is libpulse's smoothed latency, and that carries an error of its own per
 * stream: measured on the skew rig (BENCHMARKS section 9), the DAC times of
 * one stream agree with each other to ±0.05-0.3 ms over its first half
 * second, yet ten speakers placed by them started 1-4 ms apart, and over a
 * stream's first 8 s they wandered 1-27 ms while the sound itself did not move.
 *
 * What does hold: a callback runs when the device has taken a buffer's room,
 * never before, so its wake time (currentTime) less the frames handed over
 * before it (in seconds) is the stream's true line plus the callback's
 * lateness (>= 0: scheduling, the server's wake-ups). The least of that over
 * recent wakes is the line; the DAC time of frame F of the stream is the line
 * + F / rate + the stream's output latency (PortAudio's, fixed per stream).
 * Placed by it, ten speakers' starts spread 0.34-0.44 ms, not 2.1-3.4 (median;
 * BENCHMARKS section 9). It places first samples only: drift is judged by
 * the host's DAC times, since across an underrun the offset between wake
 * and DAC moved by tens of ms and stayed (measured), where the host's report
 * follows the buffer.
 *
 * Wakes are the callbacks whose stream time moved on since the previous one
 * (PortAudio splits a host buffer into several callbacks with one time), from
 * one output latency after the first callback on (before that, priming hands
 * over frames faster than real time). The least is kept per block of
 * PLAYOUT_LINE_BLOCK_S of stream time over the last PLAYOUT_LINE_BLOCKS
 * blocks, so the line follows a device clock's drift and a stall within
 * the window: a device slower than the stream clock leaves it behind by up
 * to the window times the drift (100 ppm: 0.25 ms), a faster one not at all.
 * Callback-owned: fixed size, no allocation, pure arithmetic.
 */
#define PLAYOUT_LINE_BLOCK_S 0.5
#define PLAYOUT_LINE_BLOCKS 4
/*
 * The line, not the host's DAC time, places a first sample once a wake has
 * counted. The host's wanders, and not by a little: at a fresh stream's
 * first sample the two sat -6.6..+1.8 ms apart with ten speakers on the
 * idle rig, down to -13 ms beside two CPU burners and -85 ms in a run where
 * the sound server's own latency estimate went astray; every page placed by
 * the host's time in those runs (a bound of 10, then 20 ms on the
 * disagreement) started 11-39 ms from its neighbours, while the line's
 * starts stayed within ~1 ms (BENCHMARKS section 9). What the bound was for,
 * an underrun before the first sample, the line now follows itself (below).
 */
/*
 * A stall (an underrun, the server's hiccup) moves the DAC timeline later
 * for good, and every wake after it then comes that much after the line.
 * Wake lateness from scheduling alone stayed under 6 ms beside two CPU
 * burners; PLAYOUT_LINE_SHIFT_WAKES wakes in a row each later than
 * PLAYOUT_LINE_SHIFT_S are a new timeline: the line restarts from them
 * (not from the old one two seconds later, as the window alone would).
 */
#define PLAYOUT_LINE_SHIFT_S 0.015
#define PLAYOUT_LINE_SHIFT_WAKES 3
/*
 * A page already playing when its timeline moves plays that much late for
 * the rest of it: an echo beside the other speakers, a live talk behind the
 * voice. The move is measured once the line has settled on the new
 * timeline: the wakes that found the shift are the refill after the stall,
 * later than the line by up to a device buffer, and a starved callback's
 * late wakes (no stall at all) look the same until the next ones come on
 * time. PLAYOUT_LINE_SETTLE_S of stream time after the shift takes in both
 * (a loaded machine's wakes are each a few ms late; the least of half a
 * second's is close to the line); a move of at least
 * PLAYOUT_LINE_CATCH_UP_S is then skipped at once, as the drift loop's
 * stall mending does seconds later, if the host saw it too
 * (playout_move_is_dac).
 */
#define PLAYOUT_LINE_SETTLE_S 0.5
#define PLAYOUT_LINE_CATCH_UP_S 0.002

struct playout_line {
	double latency_s;     /* the stream's output latency: wake to DAC */
	double first_now_s;   /* stream time of the first callback */
	double prev_now_s;    /* of the previous callback */
	double block_start_s; /* stream time the current block began at */
	double block_min_s;   /* the current block's least (now - frames / rate) */
	double mins[PLAYOUT_LINE_BLOCKS]; /* the blocks before, least each */
	unsigned nmins, head;
	uint64_t calls;       /* callbacks seen */
	uint64_t wakes;       /* of them, wakes that count */
	unsigned shift_run;   /* wakes in a row later than PLAYOUT_LINE_SHIFT_S */
	double shift_min_s;   /* the least of them */
	unsigned shifts;      /* restarts on a moved timeline */
	bool moving;          /* a shift whose move is not yet measured (playout_line_moved) */
	double move_from_s;   /* the line before it */
	double move_at_s;     /* the stream time it was found at */
	/* What the filter removes, for the log: each wake's lateness over the line. */
	double late_sum_s, late_max_s;
};

/* A fresh line for a stream whose output latency is latency_s. */
void playout_line_reset(struct playout_line *l, double latency_s);
/*
 * One callback: its stream time now_s (currentTime; 0: the host gives none)
 * and the frames handed over before it. Returns true if it was a wake that
 * counted.
 */
bool playout_line_add(struct playout_line *l, double now_s, uint64_t frames_before, int rate);
/* The stream time at which the stream's frame `frame` reaches the DAC; false until a wake counted. */
bool playout_line_dac(const struct playout_line *l, uint64_t frame, int rate, double *dac_s);
/*
 * The DAC time to place frame `frame` by, given the host's for it (host_s;
 * 0: none): the line's once a wake has counted (true), else the host's (false).
 */
bool playout_line_place(const struct playout_line *l, uint64_t frame, int rate, double host_s, double *dac_s);

/*
 * After a shift, once the line has settled on the new timeline (stream time
 * now_s at least PLAYOUT_LINE_SETTLE_S past it): how far it moved in all
 * (*moved_s, positive: later), once per shift (several within the settling
 * count as one). False while there is none to report.
 */
bool playout_line_moved(struct playout_line *l, double now_s, double *moved_s);
/*
 * Whether a settled move of moved_s is the DAC's, to be skipped: at least
 * PLAYOUT_LINE_CATCH_UP_S, and either the host flagged an underrun near it
 * (flagged) or the host's own DAC times moved with it: their offset from
 * the line before the shift (host_before_s) and from the new line after it
 * (host_after_s) agree within half the move (NAN: none). Late wakes with no
 * move behind them leave the host's times where they were, and the two
 * offsets then differ by the whole move. (The pulse plugin flags most
 * underruns, not all: a speaker stopped for 300 ms went unflagged in one
 * run of some fifteen.)
 */
bool playout_move_is_dac(double moved_s, bool flagged, double host_before_s, double host_after_s);

/*
 * Drift: the device's error in frames (positive: ahead of the console's
 * timeline, negative: behind) to what the callback should be told: frames
 * to repeat (> 0) or drop (< 0), 0 inside the deadband. Corrects fully
 * once outside it, so the next command comes only after it drifts again.
 */
int32_t playout_drift_command(double error_frames, int rate);

/*
 * One window's mean error (frames) to a correction, with the previous
 * window's command in *last: frames are corrected only when two windows in
 * a row are out of the deadband on the same side (drift, not a blip), by the
 * smaller of the two. An error beyond max_ms is a stall (an underrun, a
 * stopped process), not drift: two such windows on the same side give a
 * jump (playout_drift_is_jump) that puts the page back in step at once, as
 * a late join would; left alone, a loudspeaker would echo its neighbours for
 * the rest of the page. Returns the command.
 */
int32_t playout_drift_window(double mean_frames, int rate, int max_ms, int32_t *last);
/* A command of playout_drift_window is a jump (a stall mended at once), not a few single frames. */
bool playout_drift_is_jump(int32_t command, int rate, int max_ms);

/* Frames between two corrections at rate (at least 1). */
uint32_t playout_correct_spacing(int rate);

/*
 * Drift's samples: every timed buffer's DAC time (stream seconds) and page
 * frame, summed so that a reader who looks rarely still averages all of
 * them (the difference of two copies). Summed from the first buffer's: a
 * stream time is CLOCK_MONOTONIC seconds, up to ~1e9 under libfaketime, and
 * whole ones summed over a long page would keep no sub-millisecond digit.
 * All zero: none yet.
 */
struct playout_dac_sums {
	uint64_t n;
	double ref_dac;      /* the first buffer's */
	int64_t ref_frame;
	double sum_dac;      /* past ref_dac */
	double sum_frame;    /* past ref_frame */
};
void playout_dac_sums_add(struct playout_dac_sums *s, double dac, int64_t frame);
/*
 * The mean DAC time and frame of the buffers added to now since then (an
 * earlier copy of the same sums, or all zero: since the first). Returns how
 * many (0: none, or then is not an earlier copy of now).
 */
uint64_t playout_dac_sums_mean(const struct playout_dac_sums *now, const struct playout_dac_sums *then,
                               double *dac, double *frame);

#endif

/* Timed playout's arithmetic: placement, late join or expiry, clock trust, drift. */
#include "intercom/audio/playout_sched.h"

#include <math.h>
#include <stdlib.h>

enum playout_decision playout_decide(uint64_t now_us, uint64_t target_us, size_t frames, int rate,
                                     size_t *join_frame, uint64_t *late_us)
{
	*join_frame = 0;
	*late_us = 0;
	if (now_us <= target_us)
		return PLAYOUT_ON_TIME;
	uint64_t late = now_us - target_us;
	*late_us = late;
	/* The frame the page's timeline has reached, rounded down; past the end, all of it. */
	uint64_t reached = late / 1000000u * (uint64_t)rate + late % 1000000u * (uint64_t)rate / 1000000u;
	if (reached >= frames)
		return PLAYOUT_EXPIRED;
	size_t left = frames - (size_t)reached;
	size_t min_left = (size_t)((uint64_t)rate * PLAYOUT_JOIN_MIN_MS / 1000u);
	bool mostly_left = (uint64_t)left * PLAYOUT_JOIN_MOST_DIVISOR >=
	                   (uint64_t)frames * (PLAYOUT_JOIN_MOST_DIVISOR - 1);
	if (!mostly_left && (left < min_left || left < frames / PLAYOUT_JOIN_MIN_DIVISOR))
		return PLAYOUT_EXPIRED;
	*join_frame = (size_t)reached;
	return PLAYOUT_LATE_JOIN;
}

int64_t playout_lead_frames(double dac_s, double target_s, int rate)
{
	return (int64_t)llround((target_s - dac_s) * rate);
}

void playout_line_reset(struct playout_line *l, double latency_s)
{
	*l = (struct playout_line){ .latency_s = latency_s > 0 ? latency_s : 0 };
}

/* The least of the current block and the blocks kept: the line (now - frames / rate). */
static double line_min(const struct playout_line *l)
{
	double m = l->block_min_s;
	for (unsigned i = 0; i < l->nmins; i++)
		if (l->mins[i] < m)
			m = l->mins[i];
	return m;
}

bool playout_line_add(struct playout_line *l, double now_s, uint64_t frames_before, int rate)
{
	bool first = l->calls++ == 0;
	double prev = l->prev_now_s;
	l->prev_now_s = now_s;
	if (first) {
		l->first_now_s = now_s;
		return false;
	}
	/* No time from the host, the same host buffer as before, or still priming. */
	if (now_s == 0 || now_s <= prev || now_s - l->first_now_s < l->latency_s || rate <= 0)
		return false;
	double w = now_s - (double)frames_before / rate;
	if (l->wakes > 0 && w - line_min(l) > PLAYOUT_LINE_SHIFT_S) {
		l->shift_min_s = l->shift_run == 0 || w < l->shift_min_s ? w : l->shift_min_s;
		if (++l->shift_run >= PLAYOUT_LINE_SHIFT_WAKES) {
			/* The timeline moved: its new line is the least of the wakes since. */
			l->shifts++;
			if (!l->moving) {
				l->moving = true;
				l->move_from_s = line_min(l);
				l->move_at_s = now_s;
			}
			l->nmins = l->head = 0;
			l->block_start_s = now_s;
			l->block_min_s = l->shift_min_s;
			l->shift_run = 0;
		}
	} else {
		l->shift_run = 0;
	}
	if (l->wakes == 0) {
		l->block_start_s = now_s;
		l->block_min_s = w;
	} else if (now_s - l->block_start_s >= PLAYOUT_LINE_BLOCK_S) {
		l->mins[l->head] = l->block_min_s;
		l->head = (l->head + 1) % PLAYOUT_LINE_BLOCKS;
		if (l->nmins < PLAYOUT_LINE_BLOCKS)
			l->nmins++;
		l->block_start_s = now_s;
		l->block_min_s = w;
	} else if (w < l->block_min_s) {
		l->block_min_s = w;
	}
	l->wakes++;
	double late = w - line_min(l);
	l->late_sum_s += late;
	if (late > l->late_max_s)
		l->late_max_s = late;
	return true;
}

bool playout_line_moved(struct playout_line *l, double now_s, double *moved_s)
{
	if (!l->moving || now_s - l->move_at_s < PLAYOUT_LINE_SETTLE_S)
		return false;
	l->moving = false;
	*moved_s = line_min(l) - l->move_from_s;
	return true;
}

bool playout_move_is_dac(double moved_s, bool flagged, double host_before_s, double host_after_s)
{
	if (!(moved_s >= PLAYOUT_LINE_CATCH_UP_S))
		return false;
	if (flagged)
		return true;
	return !isnan(host_before_s) && !isnan(host_after_s) && fabs(host_after_s - host_before_s) <= moved_s / 2;
}

bool playout_line_dac(const struct playout_line *l, uint64_t frame, int rate, double *dac_s)
{
	if (!l->wakes || rate <= 0)
		return false;
	*dac_s = line_min(l) + (double)frame / rate + l->latency_s;
	return true;
}

bool playout_line_place(const struct playout_line *l, uint64_t frame, int rate, double host_s, double *dac_s)
{
	if (playout_line_dac(l, frame, rate, dac_s))
		return true;
	*dac_s = host_s;
	return false;
}

enum playout_clock playout_clock_judge(double first_now_s, double first_dac_s, double now_s,
                                       double dac_s, uint64_t frames, int rate, double wall_s)
{
	double played_s = (double)frames / rate;
	/*
	 * Faster than real time, by the stream's clock or the main thread's: a
	 * device that does not pace. The slack covers the priming (a whole device
	 * buffer handed over at once: 64 ms through the pulse plugin).
	 */
	double slack = 0.25 + played_s * 0.25;
	if (played_s > (now_s - first_now_s) + slack)
		return PLAYOUT_CLOCK_UNPACED;
	if (wall_s >= 0 && played_s > wall_s + slack)
		return PLAYOUT_CLOCK_UNPACED;
	/*
	 * Judged only once the stream's own clock has moved on: an unpaced
	 * device hands over seconds of frames before it does, and must be found
	 * unpaced above rather than judged here on its frozen times.
	 */
	if (now_s - first_now_s < PLAYOUT_CLOCK_JUDGE_S || played_s < PLAYOUT_CLOCK_JUDGE_S)
		return PLAYOUT_CLOCK_UNKNOWN;
	if (first_dac_s == 0.0 || dac_s == 0.0)
		return PLAYOUT_CLOCK_UNTRUSTED;
	/* The DAC time must advance with the frames, give or take the priming's latency. */
	double advance = dac_s - first_dac_s;
	if (advance < played_s * 0.5 - 0.1 || advance > played_s * 1.5 + 0.1)
		return PLAYOUT_CLOCK_UNTRUSTED;
	return PLAYOUT_CLOCK_OK;
}

int32_t playout_drift_command(double error_frames, int rate)
{
	double deadband = (double)rate * PLAYOUT_DRIFT_DEADBAND_US / 1e6;
	if (deadband < 2)
		deadband = 2;
	if (fabs(error_frames) < deadband)
		return 0;
	return (int32_t)lround(error_frames);
}

bool playout_drift_is_jump(int32_t command, int rate, int max_ms)
{
	return fabs((double)command) > (double)max_ms * rate / 1000.0;
}

int32_t playout_drift_window(double mean_frames, int rate, int max_ms, int32_t *last)
{
	int32_t cmd = fabs(mean_frames) > (double)max_ms * rate / 1000.0
	                  ? (int32_t)lround(mean_frames) : playout_drift_command(mean_frames, rate);
	int32_t prev = *last;
	*last = cmd;
	if (!cmd || !prev || (cmd > 0) != (prev > 0) ||
	    playout_drift_is_jump(cmd, rate, max_ms) != playout_drift_is_jump(prev, rate, max_ms))
		return 0;
	*last = 0; /* this pair is spent: the next command needs two fresh windows */
	return abs(cmd) < abs(prev) ? cmd : prev;
}

uint32_t playout_correct_spacing(int rate)
{
	uint32_t n = (uint32_t)((uint64_t)rate * PLAYOUT_CORRECT_EVERY_MS / 1000u);
	return n ? n : 1;
}

uint32_t playout_late_ms(uint64_t late_us)
{
	uint64_t ms = late_us / 1000u;
	if (ms < PLAYOUT_LATE_NOTICE_MS)
		return 0;
	return ms < UINT32_MAX ? (uint32_t)ms : UINT32_MAX;
}

void playout_dac_sums_add(struct playout_dac_sums *s, double dac, int64_t frame)
{
	if (s->n++ == 0) {
		s->ref_dac = dac;
		s->ref_frame = frame;
	}
	s->sum_dac += dac - s->ref_dac;
	s->sum_frame += (double)(frame - s->ref_frame);
}

uint64_t playout_dac_sums_mean(const struct playout_dac_sums *now, const struct playout_dac_sums *then,
                               double *dac, double *frame)
{
	if (now->n <= then->n || (then->n && (then->ref_dac != now->ref_dac || then->ref_frame != now->ref_frame)))
		return 0;
	double n = (double)(now->n - then->n);
	*dac = now->ref_dac + (now->sum_dac - then->sum_dac) / n;
	*frame = (double)now->ref_frame + (now->sum_frame - then->sum_frame) / n;
	return now->n - then->n;
}

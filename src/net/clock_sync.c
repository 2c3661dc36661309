/*
 * The shared clock's estimator (clock_sync.h): NTP-style offset and drift of
 * the peer's monotonic clock from PING/PONG exchanges. Pure: no clock is read.
 *
 * An exchange (t1, t4 ours; t2, t3 the peer's) gives the round trip
 * rtt = (t4 - t1) - (t3 - t2) and the offset ((t2 - t1) + (t3 - t4)) / 2, which
 * is off by half the difference of the two one-way delays: at most rtt / 2,
 * whatever the queueing. So the exchanges with the lowest round trip are the
 * ones to believe, and rtt / 2 is an honest bound on each one's error.
 */
#include "intercom/net/clock_sync.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_S 1000000.0
#define PPB 1e9

/*
 * Ping intervals. At connect, one exchange every 30 ms for CLOCK_SYNC_BURST
 * exchanges: a page sent a moment after a speaker joins still starts together,
 * since the state can lock about half a second after connect on a LAN. Not
 * back to back: 30 ms apart, one episode of queueing (a scheduler hiccup, a
 * burst of other traffic) spoils one or two exchanges, not all of them.
 * Then one a second once locked: the ring's 64 exchanges cover a minute for
 * the drift fit, an unknown 100 ppm drift moves the offset 100 µs between two
 * exchanges, and 100 speakers cost the console 200 small frames a second.
 * While settling after the burst (a slow or loaded link), 4 a second: more
 * chances of a quiet round trip without filling the ring in a few seconds.
 */
#define CLOCK_SYNC_BURST 12
#define CLOCK_SYNC_BURST_MS 30
#define CLOCK_SYNC_SETTLING_MS 250
#define CLOCK_SYNC_STEADY_MS 1000

/*
 * LOCKED needs CLOCK_SYNC_BURST exchanges: three windows of four, so the
 * offset is the median of three minimum-round-trip candidates and one bad
 * window is outvoted, and at least three candidates left once outliers are
 * out. And an uncertainty under lock_us, CLOCK_SYNC_LOCK_US (1 ms) by
 * default: speakers locked within ±1 ms start within 2 ms of each other,
 * under the 5 ms or so where two loudspeakers' copies start to be heard as
 * an echo rather than as one sound (the goal is ≤ 1 ms of skew: on a
 * LAN the uncertainty is a few hundred µs at most, see docs/BENCHMARKS.md).
 * A slow link (Wi-Fi with 5 ms round trips) cannot reach it: raise lock_us
 * there. Once locked it stays so up to 1.5 × lock_us, so a link near the
 * threshold does not flap.
 */
#define CLOCK_SYNC_LOCK_SAMPLES CLOCK_SYNC_BURST
#define CLOCK_SYNC_LOCK_MIN_KEPT 3

/*
 * A candidate (the lowest round trip of its window) is kept if its round trip
 * is at most twice the lowest plus 100 µs: one whose PONG waited behind a
 * page transfer, or whose PING met a busy CPU, is left out even when it is
 * the best of its window. The 100 µs keep loopback's 30 µs round trips from
 * rejecting everything over 60 µs.
 */
#define CLOCK_SYNC_RTT_SLACK_US 100.0

/*
 * Outliers: a candidate further from the fitted line than 3 × the scatter
 * (1.4826 × the median absolute residual: a standard deviation that the
 * outliers themselves do not inflate) plus 50 µs. The 50 µs keep a scatter of
 * a few µs on loopback from rejecting honest candidates. At least half the
 * candidates always stay (the median's own definition).
 */
#define CLOCK_SYNC_OUTLIER_SIGMAS 3.0
#define CLOCK_SYNC_OUTLIER_FLOOR_US 50.0

/*
 * Drift: a slope is fitted once the kept candidates span 2 s, and used only
 * once it is known better than the prior of 100 ppm (two ordinary crystals of
 * ±50 ppm each): its error is twice its standard error, and at least the best
 * round trip's half over the span (on loopback or a quiet LAN a few
 * exchanges' scatter looks smaller than it is), so about 10-30 ppm after
 * 5-10 s and 2-3 ppm over the ring's minute. Until then the offset is taken
 * as flat and the drift counted as 100 ppm. A fit beyond ±500 ppm is clamped:
 * no working clock is that far off, it is noise. Extrapolating, the drift is
 * counted as wrong by at least 1 ppm, since slowly varying asymmetry is not
 * seen in the scatter.
 */
#define CLOCK_SYNC_DRIFT_SPAN_US (2 * US_PER_S)
#define CLOCK_SYNC_DRIFT_UNKNOWN_PPB 100000u
#define CLOCK_SYNC_DRIFT_LIMIT_PPB 500000.0
#define CLOCK_SYNC_DRIFT_ERR_MIN_PPB 1000u

/*
 * A step of the peer's clock: an exchange whose offset is further from the
 * estimate than its own rtt / 2, the estimate's uncertainty and 500 µs
 * together cannot explain, CLOCK_SYNC_STEP_CONFIRM times in a row (one could
 * be a peer's glitch; three agreeing ones are a new clock). 500 µs: what an
 * uncertainty may reasonably be too small by.
 */
#define CLOCK_SYNC_STEP_MARGIN_US 500.0

/*
 * Refused as impossible: a round trip or a peer's holding time over 10 s (the
 * heartbeat drops a link long before, it measures nothing), a peer's clock
 * more than 2^61 µs (73,000 years) from ours (twice an offset, and the
 * difference of two, stay in int64), and an
 * exchange ending before the previous one (our clock does not go back).
 */
#define CLOCK_SYNC_MAX_RTT_US 10000000u
#define CLOCK_SYNC_MAX_DIFF_US (UINT64_C(1) << 61)

/*
 * After a gap (a link down, a speaker stopped), exchanges older than 120 s
 * (twice the ring's minute at one a second) are dropped: the estimate settles
 * again from fresh ones (and pings in a burst). A newest exchange older than
 * CLOCK_SYNC_STALE_US (30 s: thirty steady pings missed; the heartbeat drops a
 * link long before) is reported SETTLING.
 */
#define CLOCK_SYNC_MAX_AGE_US (120 * 1000000ull)

/* An exchange as the fit sees it: x = local time from ref (µs), y = offset (µs). */
struct point {
	double x, y, rtt;
};

/* a - b for a, b < 2^63 apart, signed. */
static int64_t diff_us(uint64_t a, uint64_t b)
{
	return a >= b ? (int64_t)(a - b) : -(int64_t)(b - a);
}

/* The local time an exchange's offset belongs to: halfway between PING and PONG. */
static uint64_t sample_mid(const struct clock_sync_sample *s)
{
	return s->t1 + (s->t4 - s->t1) / 2;
}

/* The round trip, the peer's time excluded (at least 0: see sample_possible). */
static double sample_rtt(const struct clock_sync_sample *s)
{
	return fmax(0.0, (double)(s->t4 - s->t1) - (double)(s->t3 - s->t2));
}

/* Twice the offset, exact: (t2 - t1) + (t3 - t4), each under 2^61 (sample_possible). */
static int64_t sample_offset2(const struct clock_sync_sample *s)
{
	return diff_us(s->t2, s->t1) + diff_us(s->t3, s->t4);
}

static double sample_offset(const struct clock_sync_sample *s)
{
	return (double)sample_offset2(s) / 2.0;
}

/* Whether an exchange can have happened (see CLOCK_SYNC_MAX_RTT_US). */
static bool sample_possible(const struct clock_sync_sample *s)
{
	if (s->t4 < s->t1 || s->t3 < s->t2)
		return false;
	if (s->t4 - s->t1 > CLOCK_SYNC_MAX_RTT_US || s->t3 - s->t2 > CLOCK_SYNC_MAX_RTT_US)
		return false;
	/* The peer held the PING longer than the whole exchange (rtt < 0), beyond the 2 µs
	   that rounding four timestamps to µs may cost on a very fast link. */
	if (s->t3 - s->t2 > s->t4 - s->t1 + 2)
		return false;
	uint64_t a = s->t2 > s->t1 ? s->t2 - s->t1 : s->t1 - s->t2;
	uint64_t b = s->t3 > s->t4 ? s->t3 - s->t4 : s->t4 - s->t3;
	return a < CLOCK_SYNC_MAX_DIFF_US && b < CLOCK_SYNC_MAX_DIFF_US;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0); sorts v. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Theil–Sen: the median slope over pairs at least min_dx apart; 0 if there is none. */
static double theil_sen(const struct point *p, size_t n, double min_dx)
{
	double slopes[CLOCK_SYNC_SAMPLES * (CLOCK_SYNC_SAMPLES - 1) / 2];
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			double dx = p[j].x - p[i].x;
			if (fabs(dx) >= min_dx)
				slopes[m++] = (p[j].y - p[i].y) / dx;
		}
	return m ? median(slopes, m) : 0.0;
}

static double span_of(const struct point *p, size_t n)
{
	double lo = p[0].x, hi = p[0].x;
	for (size_t i = 1; i < n; i++) {
		lo = fmin(lo, p[i].x);
		hi = fmax(hi, p[i].x);
	}
	return hi - lo;
}

struct line {
	double slope, intercept; /* y = intercept + slope * x */
	bool drift;              /* slope fitted (enough span) */
};

/* A robust line through p: Theil–Sen's slope if allowed and p spans enough, the median intercept. */
static struct line fit(const struct point *p, size_t n, bool slope)
{
	struct line l = { 0 };
	double span = span_of(p, n);
	if (slope && span >= CLOCK_SYNC_DRIFT_SPAN_US) {
		l.slope = theil_sen(p, n, span / 4);
		l.slope = fmax(-CLOCK_SYNC_DRIFT_LIMIT_PPB / PPB, fmin(CLOCK_SYNC_DRIFT_LIMIT_PPB / PPB, l.slope));
		l.drift = true;
	}
	double v[CLOCK_SYNC_SAMPLES];
	for (size_t i = 0; i < n; i++)
		v[i] = p[i].y - l.slope * p[i].x;
	l.intercept = median(v, n);
	return l;
}

/* 1.4826 × the median absolute residual: a standard deviation outliers do not inflate. */
static double scatter(const struct point *p, size_t n, const struct line *l)
{
	double v[CLOCK_SYNC_SAMPLES];
	for (size_t i = 0; i < n; i++)
		v[i] = fabs(p[i].y - (l->intercept + l->slope * p[i].x));
	return 1.4826 * median(v, n);
}

/* The ring's i-th exchange, oldest first. */
static const struct clock_sync_sample *ring_at(const struct clock_sync *cs, unsigned i)
{
	return &cs->samples[(cs->next + CLOCK_SYNC_SAMPLES - cs->count + i) % CLOCK_SYNC_SAMPLES];
}

static void ring_push(struct clock_sync *cs, const struct clock_sync_sample *s)
{
	cs->samples[cs->next] = *s;
	cs->next = (cs->next + 1) % CLOCK_SYNC_SAMPLES;
	if (cs->count < CLOCK_SYNC_SAMPLES)
		cs->count++;
}

/* The estimate from the ring (count > 0): offset, drift, uncertainty, state. */
static void estimate(struct clock_sync *cs)
{
	/* Times from the newest exchange, offsets from its offset: small doubles, exact enough. */
	uint64_t ref = sample_mid(ring_at(cs, cs->count - 1));
	int64_t base2 = sample_offset2(ring_at(cs, cs->count - 1));
	struct point cand[CLOCK_SYNC_SAMPLES] = { 0 };
	size_t n = 0;
	/* The lowest round trip of each window, windows counted from the newest. */
	for (unsigned end = cs->count; end > 0;) {
		unsigned start = end > CLOCK_SYNC_WINDOW ? end - CLOCK_SYNC_WINDOW : 0;
		const struct clock_sync_sample *best = NULL;
		for (unsigned i = start; i < end; i++) {
			const struct clock_sync_sample *s = ring_at(cs, i);
			if (!best || sample_rtt(s) < sample_rtt(best))
				best = s;
		}
		cand[n++] = (struct point){ (double)diff_us(sample_mid(best), ref),
		                            (double)(sample_offset2(best) - base2) / 2.0, sample_rtt(best) };
		end = start;
	}
	double min_rtt = cand[0].rtt;
	for (size_t i = 1; i < n; i++)
		min_rtt = fmin(min_rtt, cand[i].rtt);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (cand[i].rtt <= 2 * min_rtt + CLOCK_SYNC_RTT_SLACK_US)
			cand[k++] = cand[i];
	n = k;

	/* Outliers out around a first line, then the line again from the rest. */
	struct line l = fit(cand, n, true);
	double sigma = scatter(cand, n, &l);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (fabs(cand[i].y - (l.intercept + l.slope * cand[i].x)) <=
		    CLOCK_SYNC_OUTLIER_SIGMAS * sigma + CLOCK_SYNC_OUTLIER_FLOOR_US)
			cand[k++] = cand[i];
	n = k;

	double kept_rtt = cand[0].rtt, mean = 0, ss = 0;
	for (size_t i = 0; i < n; i++) {
		kept_rtt = fmin(kept_rtt, cand[i].rtt);
		mean += cand[i].x / (double)n;
	}
	for (size_t i = 0; i < n; i++)
		ss += (cand[i].x - mean) * (cand[i].x - mean);
	l = fit(cand, n, true);
	sigma = n > 1 ? scatter(cand, n, &l) : 0.0;
	/*
	 * How wrong the slope may be: twice its standard error (sigma / sqrt(sum
	 * (x - mean)^2)), and never less than the best round trip's half over the
	 * span (the scatter of a few exchanges may look smaller than it is) nor
	 * than 1 ppm. A slope known no better than the 100 ppm prior is not used.
	 */
	double drift_err = CLOCK_SYNC_DRIFT_UNKNOWN_PPB;
	if (l.drift) {
		double span = span_of(cand, n);
		double err = fmax(ss > 0 ? 2 * sigma / sqrt(ss) * PPB : INFINITY, kept_rtt / 2 / span * PPB);
		err = fmax(CLOCK_SYNC_DRIFT_ERR_MIN_PPB, err);
		if (err < CLOCK_SYNC_DRIFT_UNKNOWN_PPB) {
			drift_err = err;
		} else {
			l = fit(cand, n, false);
			sigma = n > 1 ? scatter(cand, n, &l) : 0.0;
		}
	}
	/*
	 * Half the best round trip kept (each exchange's own bound), twice the
	 * scatter around the line, and the slope's error carried from the middle
	 * of the exchanges (where the line is pinned) to the newest.
	 */
	double unc = kept_rtt / 2 + 2 * sigma + drift_err / PPB * fabs(mean);
	cs->drift_err_ppb = (uint32_t)drift_err;

	cs->ref_local_us = ref;
	int64_t half = base2 / 2;
	cs->offset_us = half + (int64_t)llround(l.intercept + (double)(base2 - 2 * half) / 2.0);
	cs->drift_ppb = (int32_t)lround(l.slope * PPB);
	cs->drift_known = l.drift;
	cs->uncertainty_us = (uint32_t)fmin(UINT32_MAX, ceil(unc));
	cs->min_rtt_us = (uint32_t)fmin(UINT32_MAX, kept_rtt);
	cs->kept = (unsigned)n;

	bool enough = cs->count >= CLOCK_SYNC_LOCK_SAMPLES && n >= CLOCK_SYNC_LOCK_MIN_KEPT;
	uint64_t limit = cs->state == SYNC_LOCKED ? (uint64_t)cs->lock_us * 3 / 2 : cs->lock_us;
	cs->state = enough && cs->uncertainty_us <= limit ? SYNC_LOCKED : SYNC_SETTLING;
}

void clock_sync_init(struct clock_sync *cs)
{
	memset(cs, 0, sizeof *cs);
	cs->state = SYNC_NONE;
	cs->lock_us = CLOCK_SYNC_LOCK_US;
	cs->drift_err_ppb = CLOCK_SYNC_DRIFT_UNKNOWN_PPB;
}

/* (remote - local) predicted at local_us, µs. */
static double predicted_offset(const struct clock_sync *cs, uint64_t local_us)
{
	return (double)cs->offset_us +
	       (double)cs->drift_ppb * (double)diff_us(local_us, cs->ref_local_us) / PPB;
}

/* Whether exchange s agrees with the estimate: within what its rtt, our uncertainty and a margin explain. */
static bool agrees(const struct clock_sync *cs, const struct clock_sync_sample *s)
{
	uint64_t mid = sample_mid(s);
	double dev = fabs(sample_offset(s) - predicted_offset(cs, mid));
	return dev <= sample_rtt(s) / 2 + clock_sync_uncertainty_at(cs, mid) + CLOCK_SYNC_STEP_MARGIN_US;
}

/* Whether two exchanges agree with each other (the drift between them is within the margin). */
static bool agree_together(const struct clock_sync_sample *a, const struct clock_sync_sample *b)
{
	double dev = fabs(sample_offset(a) - sample_offset(b));
	return dev <= (sample_rtt(a) + sample_rtt(b)) / 2 + CLOCK_SYNC_STEP_MARGIN_US;
}

bool clock_sync_add(struct clock_sync *cs, const struct clock_sync_sample *sample)
{
	if (!sample_possible(sample) || sample->t4 < cs->last_sample_us)
		return false;
	cs->last_sample_us = sample->t4;

	if (cs->state != SYNC_NONE && !agrees(cs, sample)) {
		/* The peer's clock may have stepped: hold it until CLOCK_SYNC_STEP_CONFIRM agree. */
		if (cs->pending_count > 0 && !agree_together(&cs->pending[0], sample))
			cs->pending_count = 0;
		cs->pending[cs->pending_count++] = *sample;
		if (cs->pending_count < CLOCK_SYNC_STEP_CONFIRM)
			return true;
		cs->count = cs->next = 0;
		for (unsigned i = 0; i < cs->pending_count; i++)
			ring_push(cs, &cs->pending[i]);
		cs->pending_count = 0;
		cs->steps++;
		cs->state = SYNC_SETTLING;
		estimate(cs);
		return true;
	}
	cs->pending_count = 0;

	/* After a gap, exchanges too old to describe the clocks now are dropped. */
	while (cs->count > 0 &&
	       diff_us(sample_mid(sample), sample_mid(ring_at(cs, 0))) > (int64_t)CLOCK_SYNC_MAX_AGE_US)
		cs->count--;
	ring_push(cs, sample);
	if (cs->state == SYNC_NONE)
		cs->state = SYNC_SETTLING;
	estimate(cs);
	return true;
}

/* round(v * drift_ppb / den) for |v| up to 2^62 without overflow (|drift_ppb| < 2^31, den ~1e9). */
static int64_t scale(int64_t v, int64_t drift_ppb, int64_t den)
{
	int64_t q = v / den, r = v % den;
	int64_t num = r * drift_ppb; /* |r| < den ~1e9, |drift| < 2^31: fits */
	int64_t frac = (num + (num >= 0 ? den / 2 : -den / 2)) / den;
	return q * drift_ppb + frac;
}

/* local + delta, never below 0. */
static uint64_t add_clamped(uint64_t base, int64_t delta)
{
	if (delta < 0 && (uint64_t)-delta > base)
		return 0;
	return delta < 0 ? base - (uint64_t)-delta : base + (uint64_t)delta;
}

uint64_t clock_sync_to_remote(const struct clock_sync *cs, uint64_t local_us)
{
	if (cs->state == SYNC_NONE)
		return local_us;
	int64_t dt = diff_us(local_us, cs->ref_local_us);
	return add_clamped(local_us, cs->offset_us + scale(dt, cs->drift_ppb, 1000000000));
}

uint64_t clock_sync_to_local(const struct clock_sync *cs, uint64_t remote_us)
{
	if (cs->state == SYNC_NONE)
		return remote_us;
	/* remote = local + offset + d (local - ref): local - ref = (remote - ref - offset) / (1 + d). */
	int64_t u = diff_us(remote_us, cs->ref_local_us) - cs->offset_us;
	int64_t dt = u - scale(u, cs->drift_ppb, 1000000000 + (int64_t)cs->drift_ppb);
	return add_clamped(cs->ref_local_us, dt);
}

uint32_t clock_sync_uncertainty_at(const struct clock_sync *cs, uint64_t local_us)
{
	double age = fabs((double)diff_us(local_us, cs->ref_local_us));
	return (uint32_t)fmin(UINT32_MAX, cs->uncertainty_us + ceil(age * cs->drift_err_ppb / PPB));
}

enum proto_sync_state clock_sync_state_at(const struct clock_sync *cs, uint64_t local_us)
{
	if (cs->state == SYNC_LOCKED && local_us > cs->last_sample_us &&
	    local_us - cs->last_sample_us > CLOCK_SYNC_STALE_US)
		return SYNC_SETTLING;
	return cs->state;
}

unsigned clock_sync_ping_interval_ms(const struct clock_sync *cs)
{
	if (cs->count < CLOCK_SYNC_BURST || cs->pending_count > 0)
		return CLOCK_SYNC_BURST_MS;
	return cs->state == SYNC_LOCKED ? CLOCK_SYNC_STEADY_MS : CLOCK_SYNC_SETTLING_MS;
}

void clock_sync_report(const struct clock_sync *cs, uint64_t local_us, struct proto_sync *out)
{
	memset(out, 0, sizeof *out);
	out->state = (uint8_t)clock_sync_state_at(cs, local_us);
	if (cs->state == SYNC_NONE)
		return;
	out->uncertainty_us = clock_sync_uncertainty_at(cs, local_us);
	out->drift_ppb = -cs->drift_ppb;
	out->offset_us = (int64_t)(clock_sync_to_remote(cs, local_us) - local_us);
}

/*
 * The shared clock of one link: the speaker's estimate of the console's
 * monotonic clock from its own, NTP-style, from timestamped PING/PONG
 * exchanges (a burst at connect, then continuously). Keeps the exchanges with
 * the lowest round trip, rejects outliers, tracks drift. Pure: every time is
 * passed in, nothing is read from a clock, so units drive it with synthetic
 * jitter, asymmetry, outliers and drift.
 *
 * Monotonic clocks of two machines have nothing in common: only the
 * estimated mapping between them is ever used, never a raw comparison.
 *
 * How (src/net/clock_sync.c has the reasons for each constant): each exchange
 * gives an offset known within ± its round trip / 2. The ring's exchanges are
 * cut into windows of CLOCK_SYNC_WINDOW and the one with the lowest round trip
 * of each window is a candidate; candidates whose round trip is far above the
 * best are dropped (a PONG queued behind a page); a robust line (Theil–Sen) of
 * offset against local time is fitted once they span a few seconds (flat
 * before), candidates far from it are rejected as outliers and the line is
 * fitted again.
 * The uncertainty is half the lowest round trip kept plus twice the scatter
 * around the line plus the slope's error carried to the newest exchange,
 * growing with time since then by what the drift may still be wrong. An exchange that disagrees with the estimate by
 * more than both can explain, CLOCK_SYNC_STEP_CONFIRM times in a row, is the
 * peer's clock stepping (another console, a resumed VM): the history is
 * dropped and the estimate settles again on the new offset.
 */
#ifndef INTERCOM_CLOCK_SYNC_H
#define INTERCOM_CLOCK_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "intercom/net/proto.h"

/* Exchanges kept: at one a second, about a minute of history for the drift. */
#define CLOCK_SYNC_SAMPLES 64
/* Exchanges per window, of which the lowest round trip is kept (see clock_sync.c). */
#define CLOCK_SYNC_WINDOW 4
/* Exchanges in a row that disagree with the estimate before it is a step of the peer's clock. */
#define CLOCK_SYNC_STEP_CONFIRM 3
/* Default uncertainty under which the state is LOCKED, µs (clock_sync.c says why 1 ms). */
#define CLOCK_SYNC_LOCK_US 1000
/* A newest exchange older than this (µs) leaves the state SETTLING (clock_sync.c: why 30 s). */
#define CLOCK_SYNC_STALE_US (30 * 1000000ull)

/* One exchange: t1, t4 on this side's clock; t2, t3 on the peer's (µs). */
struct clock_sync_sample {
	uint64_t t1, t2, t3, t4;
};

struct clock_sync {
	struct clock_sync_sample samples[CLOCK_SYNC_SAMPLES]; /* a ring, the newest at next - 1 */
	unsigned count, next;
	/* The estimate: remote = local + offset_us + drift_ppb * (local - ref_local_us) / 1e9. */
	uint64_t ref_local_us;
	int64_t offset_us;
	int32_t drift_ppb;          /* d(remote - local) / d(local), ppb; 0 until drift_known */
	uint32_t uncertainty_us;    /* ± at ref_local_us */
	enum proto_sync_state state;
	uint64_t last_sample_us;    /* local time of the newest exchange (0: none) */
	/* Settings: set after clock_sync_init. */
	uint32_t lock_us;           /* LOCKED under this uncertainty (CLOCK_SYNC_LOCK_US); raise it for slow links */
	/* Working state. */
	bool drift_known;           /* the history spans enough time for a drift fit */
	uint32_t drift_err_ppb;     /* how wrong the drift may still be: uncertainty grows by it */
	uint32_t min_rtt_us;        /* lowest round trip kept */
	unsigned kept;              /* exchanges the estimate rests on (candidates, outliers out) */
	struct clock_sync_sample pending[CLOCK_SYNC_STEP_CONFIRM]; /* disagreeing exchanges in a row */
	unsigned pending_count;
	unsigned steps;             /* steps of the peer's clock seen (for logs and tests) */
};

void clock_sync_init(struct clock_sync *cs);

/* Adds one exchange and updates the estimate. Returns false if it was refused (impossible times). */
bool clock_sync_add(struct clock_sync *cs, const struct clock_sync_sample *sample);

/* The peer's clock at this side's local_us (state must not be SYNC_NONE: else local_us). */
uint64_t clock_sync_to_remote(const struct clock_sync *cs, uint64_t local_us);

/* This side's clock at the peer's remote_us (state must not be SYNC_NONE: else remote_us). */
uint64_t clock_sync_to_local(const struct clock_sync *cs, uint64_t remote_us);

/* The uncertainty at local_us, µs: uncertainty_us grown by the drift's error since ref_local_us. */
uint32_t clock_sync_uncertainty_at(const struct clock_sync *cs, uint64_t local_us);

/* The state at local_us: SYNC_SETTLING, not LOCKED, once the newest exchange is older than CLOCK_SYNC_STALE_US. */
enum proto_sync_state clock_sync_state_at(const struct clock_sync *cs, uint64_t local_us);

/* When this side should ping next, in ms from the newest exchange: a burst until locked, then steady. */
unsigned clock_sync_ping_interval_ms(const struct clock_sync *cs);

/*
 * The state as a SYNC message carries it at local_us: the state (stale: settling),
 * the uncertainty at local_us, the offset (console − speaker) at local_us, and the
 * drift as the speaker's clock against the console's (ppb, positive: the speaker's
 * runs fast), which is -drift_ppb to within a part in 10^6 of it.
 */
void clock_sync_report(const struct clock_sync *cs, uint64_t local_us, struct proto_sync *out);

#endif

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
 */
#ifndef INTERCOM_CLOCK_SYNC_H
#define INTERCOM_CLOCK_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "intercom/net/proto.h"

/* Exchanges kept: at one a second, about a minute of history for the drift. */
#define CLOCK_SYNC_SAMPLES 64

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
	int32_t drift_ppb;
	uint32_t uncertainty_us;
	enum proto_sync_state state;
	uint64_t last_sample_us; /* local time of the newest exchange (0: none) */
};

void clock_sync_init(struct clock_sync *cs);

/* Adds one exchange and updates the estimate. Returns false if it was refused (impossible times). */
bool clock_sync_add(struct clock_sync *cs, const struct clock_sync_sample *sample);

/* The peer's clock at this side's local_us (state must not be SYNC_NONE). */
uint64_t clock_sync_to_remote(const struct clock_sync *cs, uint64_t local_us);

/* This side's clock at the peer's remote_us (state must not be SYNC_NONE). */
uint64_t clock_sync_to_local(const struct clock_sync *cs, uint64_t remote_us);

/* When this side should ping next, in ms from the newest exchange: a burst until locked, then steady. */
unsigned clock_sync_ping_interval_ms(const struct clock_sync *cs);

/* The state as a SYNC message carries it, with the offset at local_us. */
void clock_sync_report(const struct clock_sync *cs, uint64_t local_us, struct proto_sync *out);

#endif

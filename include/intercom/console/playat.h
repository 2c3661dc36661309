/*
 * When a page plays: the play-at the console puts in a PAGE, from what it has
 * measured of each targeted link (docs/PROTOCOL.md, "When a page plays").
 * Every targeted speaker that can play at a time and whose clock is locked to
 * the console's must hold the whole page by then: for each, the time to move
 * the bytes already queued on its link and the page's at the link's measured
 * throughput, plus its round trip and the uncertainty of its clock; the
 * slowest of them, and no less than every target's bytes take through the
 * console's own link (shared by all copies), plus the time the speaker needs
 * to start once it holds the page: PLAYAT_MARGIN_MS from cold, or what it said
 * with its output open (READY). One play-at for the whole page.
 * Speakers without a clock (legacy, protocol peers without the capability,
 * not locked) play on arrival, as before; if none has a clock, or the lead
 * would exceed PLAYAT_MAX_LEAD_MS, the page plays on arrival everywhere.
 * Also the link's throughput from one transfer, smoothed. Pure arithmetic:
 * units test it (tests/unit/test_playat.c).
 */
#ifndef INTERCOM_PLAYAT_H
#define INTERCOM_PLAYAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the console knows of one targeted link when a page leaves. */
struct playat_link {
	bool play_at;             /* both sides set PROTO_CAP_PLAY_AT */
	uint8_t sync_state;       /* enum proto_sync_state, its latest SYNC */
	uint32_t uncertainty_us;  /* from that SYNC */
	uint32_t rtt_us;          /* its latest round trip */
	uint64_t rate_bps;        /* measured throughput, bits/s; 0: not measured yet */
	uint64_t queued_bytes;    /* bytes still waiting in its queue before this page */
	bool streamed;            /* the page came as a stream: its bytes are queued_bytes, if any */
	uint32_t start_lead_us;   /* from holding the page to its first sample, as the speaker said
	                             (READY: its output is open); 0: a cold start, PLAYAT_MARGIN_MS */
};

enum playat_why {
	PLAYAT_TIMED,            /* lead_us after now, on every speaker with a clock */
	PLAYAT_NO_CLOCK,         /* no target has a clock: on arrival */
	PLAYAT_TOO_LONG,         /* the lead would pass PLAYAT_MAX_LEAD_MS: on arrival */
};

struct playat_plan {
	enum playat_why why;
	uint64_t lead_us;         /* PLAYAT_TIMED: play-at is now + lead_us; else what it would have been */
	uint64_t uplink_us;       /* the time every copy takes through the console's link */
	size_t timed;             /* targets that play at the time (PLAYAT_TIMED), or could have */
	size_t on_arrival;        /* targets without a clock: they play on arrival */
	size_t ready;             /* of the timed, those whose output is open (READY): a short lead */
};

/* True if the link plays a page at a time: the capability, locked, and a bounded uncertainty. */
bool playat_link_timed(const struct playat_link *link);

/*
 * The time, in µs, for the link to hold a page of page_bytes and be ready:
 * queued and page bytes at its throughput (PLAYAT_DEFAULT_LINK_BPS until
 * measured), its round trip and its uncertainty. The margin is not included.
 */
uint64_t playat_link_us(const struct playat_link *link, uint64_t page_bytes);

/*
 * The plan for a page of page_bytes to n targets, through a console link of
 * uplink_bps (0: PLAYAT_DEFAULT_UPLINK_BPS) that every copy shares. A page
 * sent while it is archived (archive_us: the time the archive is expected to
 * take; 0 if it is on disk) plays no sooner than its COMMIT can reach each
 * timed link: the archive, the link's round trip and its uncertainty.
 */
void playat_plan(struct playat_plan *plan, const struct playat_link *links, size_t n,
                  uint64_t page_bytes, uint64_t uplink_bps, uint64_t archive_us);

/*
 * The archive time to expect from the last one measured: a slower archive
 * is believed at once (a page held by its commit joins late), a faster one
 * lowers the estimate a quarter of the way (one fast write is no promise).
 * The first estimate is PLAYAT_ARCHIVE_FIRST_MS.
 */
uint64_t playat_archive_smooth(uint64_t estimate_us, uint64_t sample_us);

/*
 * A link's throughput in bits/s from one transfer of bytes that took
 * elapsed_us from handing them to the connection to the peer's word that it
 * holds them all, less one round trip (the word's way back and the first
 * byte's way there); 0 if the transfer is too small to tell
 * (PLAYAT_MEASURE_MIN_BYTES).
 */
uint64_t playat_rate_sample(uint64_t bytes, uint64_t elapsed_us, uint32_t rtt_us);

/*
 * The smoothed throughput after a new sample (0 samples are ignored): the
 * first is taken as it is, then each moves the estimate a quarter of the way,
 * so one transfer slowed by something else does not halve the next lead.
 */
uint64_t playat_rate_smooth(uint64_t rate_bps, uint64_t sample_bps);

#endif

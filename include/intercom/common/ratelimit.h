/*
 * Lines that a peer can make us write as fast as it can connect (joined, left,
 * closed before hello) are rationed: per cause and per key (an address), a
 * budget of lines in a window, then one summary line when the window closes
 * ("... and 4,012 more from 10.0.0.9 in the last 10 s"). Pure: the time is
 * passed in, summaries go to a callback, nothing is allocated.
 *
 * Memory is bounded whatever the number of addresses: RATELIMIT_SLOTS keys are
 * followed one by one at a time, and a key that finds every slot taken shares
 * one slot per cause with the others in its case ("from other addresses"). A
 * total budget per window over every key bounds the lines said when a flood
 * comes from many addresses: at most total + RATELIMIT_SLOTS + RATELIMIT_CAUSES
 * lines a window (the said ones and the summaries), however many peers.
 *
 * The console's station uses it. The speaker has no need: it accepts no
 * connection, makes one at a time with a backoff, and speaker_state says a
 * failure repeated over and over once.
 */
#ifndef INTERCOM_RATELIMIT_H
#define INTERCOM_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys followed one by one: more addresses at once than this share a slot per cause. */
#define RATELIMIT_SLOTS 32
/* Causes are 0..RATELIMIT_CAUSES-1, the caller's own numbering. */
#define RATELIMIT_CAUSES 4
/* A key's bytes kept, its NUL included: an IPv6 address in brackets fits. */
#define RATELIMIT_KEY_MAX 64

/* A window that closed with lines held, or one still open at ratelimit_flush. */
struct ratelimit_summary {
	unsigned cause;
	const char *key;          /* NULL: the keys that found no slot of their own; valid during the call */
	unsigned long said, held; /* events said and held in the window */
	uint64_t window_ms;       /* how long the window ran: the window, or less at a flush */
};

typedef void (*ratelimit_summary_fn)(const struct ratelimit_summary *summary, void *ctx);

/* Private: one key's count in its window. */
struct ratelimit_slot {
	bool used;
	unsigned cause;
	char key[RATELIMIT_KEY_MAX];
	uint64_t start_ms;        /* its window runs from its first event for window_ms */
	unsigned long said, held;
};

/* Private but for ratelimit_init's arguments; embed it, nothing to free. */
struct ratelimit {
	unsigned budget;          /* events said per key and cause in a window */
	unsigned total_budget;    /* events said over every key in a window */
	uint64_t window_ms;
	ratelimit_summary_fn summary;
	void *ctx;
	/* A key's own, then one per cause for the keys that found no free one. */
	struct ratelimit_slot slots[RATELIMIT_SLOTS + RATELIMIT_CAUSES];
	uint64_t total_start_ms;
	unsigned long total_said;
	bool total_running;
};

/* budget and total_budget per window_ms (> 0); summary is called for every window closed with lines held. */
void ratelimit_init(struct ratelimit *rl, unsigned budget, unsigned total_budget, uint64_t window_ms,
                    ratelimit_summary_fn summary, void *ctx);

/*
 * An event of cause from key at now: true if its line is to be said, false if
 * it is held (counted for the summary). Windows that closed by now are
 * summarised first. A key longer than RATELIMIT_KEY_MAX - 1 bytes is cut.
 */
bool ratelimit_allow(struct ratelimit *rl, unsigned cause, const char *key, uint64_t now);

/*
 * Whether key's budget for cause is spent in a window still running at now:
 * its next event of that cause would be held. For events worth saying only
 * while another cause is not flooding (a join, unless the address keeps leaving).
 */
bool ratelimit_spent(const struct ratelimit *rl, unsigned cause, const char *key, uint64_t now);

/* Counts an event of cause from key as held without asking its budget (see ratelimit_spent). */
void ratelimit_hold(struct ratelimit *rl, unsigned cause, const char *key, uint64_t now);

/* Summarises the windows that closed by now. Returns ms until the next one closes, or -1 if none runs. */
int ratelimit_tick(struct ratelimit *rl, uint64_t now);

/* Summarises every window with lines held, closed or not (at the end), and forgets them all. */
void ratelimit_flush(struct ratelimit *rl, uint64_t now);

#endif

/*
 * Pages that wait for offline speakers: a page for a known speaker that is
 * not connected (known_speakers.h) waits here, and goes to it when it
 * reconnects ("delivered late (N s)"), unless it expires first: older than
 * max_age_ms, or pushed out because more than max_pages different pages
 * wait. Holds only page ids, speaker names and times; the page's bytes stay
 * with the outbox (outbox_resend_page).
 *
 * Pure: no I/O, no clock (times are given), no globals.
 * Units: tests/unit/test_wait_queue.c.
 */
#ifndef INTERCOM_CONSOLE_WAIT_QUEUE_H
#define INTERCOM_CONSOLE_WAIT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/defaults.h"

struct wait_entry {
	uint32_t page_id;
	char name[NAME_MAX_BYTES + 1]; /* the speaker it waits for */
	uint64_t since_ms;        /* monotonic: when the page was sent (its age counts from there) */
};

/* Why an entry left without being delivered. */
enum wait_expiry {
	WAIT_EXPIRED_AGE,         /* older than max_age_ms */
	WAIT_EXPIRED_PAGES,       /* max_pages newer pages wait */
};

typedef void (*wait_expired_fn)(void *ctx, const struct wait_entry *e, enum wait_expiry why);

struct wait_queue {
	struct wait_entry *v;     /* oldest first */
	size_t n, cap;
	size_t max_pages;         /* different pages waiting at once (>= 1) */
	uint64_t max_age_ms;      /* 0: pages never wait (expire at once) */
};

void wait_queue_init(struct wait_queue *wq, size_t max_pages, uint64_t max_age_ms);
void wait_queue_free(struct wait_queue *wq);

/*
 * page_id waits for the speaker name since now_ms. If that makes more than
 * max_pages different pages wait, the oldest page's entries expire (told to
 * expired). 0, or -1 if memory ran out (nothing added).
 */
int wait_queue_add(struct wait_queue *wq, uint32_t page_id, const char *name, uint64_t now_ms,
                   wait_expired_fn expired, void *ctx);
/* Entries older than max_age_ms at now_ms expire (told to expired). Returns how many. */
size_t wait_queue_expire(struct wait_queue *wq, uint64_t now_ms, wait_expired_fn expired, void *ctx);
/*
 * The speaker name is back: its entries leave the queue, oldest first, the
 * first cap into out. Returns how many there were.
 */
size_t wait_queue_take(struct wait_queue *wq, const char *name, struct wait_entry *out, size_t cap);
/* page_id no longer waits for name (it is being delivered); true if it did. */
bool wait_queue_remove(struct wait_queue *wq, uint32_t page_id, const char *name);
/* Speakers page_id waits for (0: any page: every distinct speaker anything waits for). */
size_t wait_queue_speakers(const struct wait_queue *wq, uint32_t page_id);
/* Different pages waiting. */
size_t wait_queue_pages(const struct wait_queue *wq);
/* True if page_id waits for name. */
bool wait_queue_has(const struct wait_queue *wq, uint32_t page_id, const char *name);
/* When the next entry expires by age (monotonic ms), or 0 if none waits. */
uint64_t wait_queue_next_expiry(const struct wait_queue *wq);

#endif

/*
 * The console's recent pages and how each went on each speaker: the
 * `history` command, the screen's history view (H), and what `resend
 * --missed` sends again. A page is recorded as it is sent, with the
 * speakers it went to (sent) and the offline ones it waits for; the
 * station's reports (played, failed, muted, ...) then land on it, also
 * through its copies (a resend, a late delivery: another page id that sends
 * the same page). A late delivery's outcome is said once:
 * "page 3 delivered late to hall-2 (42 s)". Bounded: the latest
 * HISTORY_PAGES pages, HISTORY_SPEAKERS speakers each (more are counted).
 *
 * Pure: no I/O, no clock (times are given), no globals.
 * Units: tests/unit/test_page_history.c.
 */
#ifndef INTERCOM_CONSOLE_PAGE_HISTORY_H
#define INTERCOM_CONSOLE_PAGE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/defaults.h"
#include "intercom/common/log.h"

/* Pages remembered: a shift's worth of announcements to pick from. */
#define HISTORY_PAGES 32
/* Speakers remembered per page; the rest are counted only. */
#define HISTORY_SPEAKERS 64
/* Copies (resends, late deliveries) remembered per page, to map their reports back. */
#define HISTORY_COPIES 16

/* Outcomes beyond enum proto_page_state (1..9), which are used as they are. */
enum history_outcome {
	HISTORY_SENT = 0x40,      /* it went to the speaker; no report yet */
	HISTORY_WAITING,          /* the speaker is offline: the page waits for it */
	HISTORY_WAIT_EXPIRED,     /* it waited too long (or too many waited): never sent */
};

struct history_speaker {
	char name[NAME_MAX_BYTES + 1];
	uint8_t outcome;          /* enum proto_page_state or enum history_outcome */
	bool delivered_only;      /* a legacy speaker or an RTP target: "delivered" is its last word */
	uint32_t late_s;          /* delivered late: seconds after the page was made (0: not late) */
	char reason[96];          /* failed, expired: why */
};

struct history_page {
	uint32_t id;              /* as made */
	uint64_t made_ms;         /* monotonic: when it was sent first */
	uint64_t wall_ms;         /* wall clock, for the list's times */
	char what[96];            /* "captured: 5.00 s", "loaded from x.flac" */
	char target[160];         /* where it went, in words */
	struct history_speaker sp[HISTORY_SPEAKERS];
	size_t n;                 /* speakers kept */
	size_t more;              /* speakers beyond those kept */
	uint32_t copies[HISTORY_COPIES]; /* page ids that sent it again */
	bool copy_late[HISTORY_COPIES];  /* that copy is a late delivery */
	size_t copy_count;
};

struct page_history {
	struct history_page pages[HISTORY_PAGES]; /* a ring: the oldest is overwritten */
	size_t count, next;
	log_sink_fn say;
	void *say_ctx;
};

/* say: where late deliveries are said (may be NULL). */
void page_history_init(struct page_history *h, log_sink_fn say, void *say_ctx);

/* A page sent (made at now_ms, wall_ms): a new entry, replacing the oldest when full. */
struct history_page *page_history_add(struct page_history *h, uint32_t id, uint64_t now_ms, uint64_t wall_ms,
                                      const char *what, const char *target);
/* The page made as id, or the one a copy of that id sends; NULL if not remembered. */
struct history_page *page_history_find(struct page_history *h, uint32_t id);
/* The latest page, or NULL. */
struct history_page *page_history_latest(struct page_history *h);
/* The i-th page, newest first (0: the latest); NULL past the end. */
const struct history_page *page_history_at(const struct page_history *h, size_t i);
/* Speaker name's outcome on page p is now outcome (added if new). */
void page_history_set(struct history_page *p, const char *name, uint8_t outcome, bool delivered_only,
                      const char *reason);
/* copy_id sends page p again (late: a late delivery to a speaker that was offline); once per id. */
void page_history_copy(struct history_page *p, uint32_t copy_id, bool late);
/*
 * A speaker's report: page page_id (a page or one of its copies) is at state
 * on speaker name, at now_ms. A late copy's first delivery is said.
 */
void page_history_report(struct page_history *h, uint32_t page_id, const char *name, uint8_t state,
                         bool delivered_only, const char *reason, uint64_t now_ms);
/* True if the speaker played p (or, delivered_only, got it whole). */
bool page_history_played(const struct history_speaker *s);
/*
 * The speakers of p that did not play it (and do not wait for it), at most
 * cap names into out. Returns how many.
 */
size_t page_history_missed(const struct history_page *p, const char **out, size_t cap);
/* One speaker's outcome in words: "played", "played late (42 s)", "waiting", "failed: why". */
void page_history_outcome_text(const struct history_speaker *s, char *out, size_t outlen);
/* One page's line: "page 3 12:01:02 captured: 5.00 s to zone hall: played 2, waiting 1". */
void page_history_line(const struct history_page *p, const char *clock, char *out, size_t outlen);

#endif

/*
 * Where the console's pages went and who still waits for them: the known
 * speakers (known_speakers.h, kept across restarts in the state directory's
 * known-speakers, saved in a job at most every few seconds and at the end),
 * the pages waiting for offline speakers (wait_queue.h, bounded by
 * --wait-max-age and --wait-max-pages; each expiry said), and the page
 * history (page_history.h: the outcome of each page on each speaker, late
 * deliveries said). The console's loop feeds it the station's speakers once
 * a pass and asks it which waiting page is due for the speakers back; the
 * bytes of a page stay with the outbox.
 *
 * Edge: logs, reads and writes the known-speakers file (the write in a job).
 * The logic is in the pure modules it holds; program tests: test_targets.sh,
 * test_pages_wait.sh.
 */
#ifndef INTERCOM_CONSOLE_PAGE_LEDGER_H
#define INTERCOM_CONSOLE_PAGE_LEDGER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/log.h"
#include "intercom/console/known_speakers.h"
#include "intercom/console/page_history.h"
#include "intercom/console/page_target.h"
#include "intercom/console/station.h"
#include "intercom/console/wait_queue.h"

struct job;

struct page_ledger {
	struct known_speakers known; /* every speaker seen, connected or not */
	struct wait_queue waiting;   /* pages waiting for offline speakers */
	struct page_history history; /* the recent pages and their outcome per speaker */
	int max_age_s, max_pages;    /* the options, for what is said */
	uint64_t speakers_gen;       /* console_state's speakers_gen when known was last updated */
	char state_dir[PATH_MAX];    /* where known-speakers is kept ("": nowhere) */
	bool known_dirty;            /* known has speakers (or zones) the saved list lacks */
	uint64_t known_saved_ms;     /* when the latest save started */
	struct job *known_job;       /* the save under way (NULL: none) */
};

/* Pages wait max_age_s (0: never) and max_pages at most; say: where late deliveries are said. */
void page_ledger_init(struct page_ledger *pl, int max_age_s, int max_pages, log_sink_fn say, void *say_ctx);
/* The known speakers of the last run, from state_dir/known-speakers (a missing file is a first start). */
void page_ledger_load(struct page_ledger *pl, const char *state_dir);
/* Says the pages still waiting, saves the known speakers, lets go of everything. */
void page_ledger_free(struct page_ledger *pl);

/*
 * A page went out to target: page_id, a copy of page first_id (or first_id
 * itself; 0: a page the history does not keep, such as the test tone). The
 * connected speakers sp[0..n) it is for are noted; unless late (a late
 * delivery, for speakers that are back), the known ones it is for that are
 * offline wait for it (or, with --wait-max-age 0, it expires for them).
 */
void page_ledger_sent(struct page_ledger *pl, uint32_t page_id, uint32_t first_id, bool late,
                      const struct page_target *target, const struct station_speaker *const *sp, size_t n,
                      uint64_t now_ms);
/*
 * Once a pass, with the connected speakers (gen: console_state's
 * speakers_gen, so the known list is walked only when someone came or
 * went): the known speakers (saved when they changed), every speaker's
 * report into the history, the waiting pages that expired.
 */
void page_ledger_update(struct page_ledger *pl, const struct station_speaker *const *sp, size_t n,
                        uint64_t gen, uint64_t now_ms);
/*
 * The oldest waiting page some of the connected speakers sp[0..n) are back
 * for: its id, and them in *back (no longer waiting); 0 if none.
 */
uint32_t page_ledger_due(struct page_ledger *pl, const struct station_speaker *const *sp, size_t n,
                         struct page_target *back);
/*
 * The speakers of page first_id that did not play it, as a target in *out
 * (only those narrow names, if narrow is not NULL). 0; -1 with a reason when
 * the page's outcomes are not remembered; 1 when nobody missed it.
 */
int page_ledger_missed(struct page_ledger *pl, uint32_t first_id, const struct page_target *narrow,
                       struct page_target *out, char *err, size_t errlen);
/* The history in the log: the pages, oldest first, each speaker's outcome under its page. */
void page_ledger_log_history(const struct page_ledger *pl);

#endif

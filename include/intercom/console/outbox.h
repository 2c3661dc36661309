/*
 * Pages on their way out of the console, in the order they were made. Each
 * is archived (archive.h: written, fsync'ed, renamed: on a slow or busy disk
 * that takes a while) in a job off the loop (job.h), and handed to the send
 * callback as the job starts, so the transfer and the archive overlap; the
 * commit callback then says whether it is on disk. Speakers hold a page
 * until it is committed (PROTO_CAP_COMMIT): a page that cannot be archived
 * is cancelled and never plays. While one page is being archived the pages
 * after it (new ones, resends) wait their turn, so none overtakes another,
 * and the loop goes on serving heartbeats, keys and the screen. The latest
 * page (not the test tone) is kept to be sent again. Says each step in the log.
 */
#ifndef INTERCOM_OUTBOX_H
#define INTERCOM_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/console/page_target.h"

/* Pages kept to be sent again (resend, pages that wait) unless outbox_set_keep says otherwise. */
#define OUTBOX_KEEP_DEFAULT 8

/*
 * Sends a page (the loop's station_send_page) whose archive is expected to
 * take archive_us more (0: it is on disk); a commit for it always follows.
 */
typedef void (*outbox_send_fn)(void *ctx, uint32_t page_id, uint64_t created_ms, const uint8_t *wav,
                               size_t wav_len, const struct page_target *target, uint64_t archive_us);
/* The page sent last is on disk (archived), or will never be (why): station_commit_page. */
typedef void (*outbox_commit_fn)(void *ctx, uint32_t page_id, bool archived, const char *why);

struct outbox;

/* Pages archived in dir (copied), sent through send and committed through commit. NULL if out of memory. */
struct outbox *outbox_new(const char *dir, outbox_send_fn send, outbox_commit_fn commit, void *ctx);
/*
 * Says which pages are not sent or played ("not played, the console is
 * stopping: page 3 (still being archived)"; that one is cancelled), then lets
 * go of everything; an archive job still running finishes on its own (its
 * file is whole or absent, never half).
 */
void outbox_free(struct outbox *ob);

/* The id the next new page gets (for trace points before it exists). */
uint32_t outbox_next_id(const struct outbox *ob);
/* Page numbers go on from id (the last one used before a restart); never back. */
void outbox_set_last_id(struct outbox *ob, uint32_t id);
/*
 * Takes the next id for a page that exists before it is whole (one streamed
 * as it is recorded): outbox_add it under that id, or give it back with
 * outbox_release (the recording was cancelled: no number is skipped if
 * nothing was numbered since).
 */
uint32_t outbox_reserve(struct outbox *ob);
void outbox_release(struct outbox *ob, uint32_t id);

/*
 * A new page: wav (malloc'd, taken over), made at wall time created_ms,
 * described as what, under id (from outbox_reserve; 0: the next). Said at
 * once ("page 3 captured: ..., 480044 bytes"), then sent to target (copied;
 * NULL: every speaker) as its archive starts, after the pages before it.
 * remember: it becomes the page outbox_resend sends, and is kept (the
 * latest few, outbox_set_keep) for outbox_resend_page.
 */
void outbox_add(struct outbox *ob, uint32_t id, uint8_t *wav, size_t wav_len, uint64_t created_ms,
                const char *what, const struct page_target *target, bool remember);
/* How many remembered pages are kept in memory (at least 1; OUTBOX_KEEP_DEFAULT). */
void outbox_set_keep(struct outbox *ob, size_t keep);
/* True if there is a page to send again. */
bool outbox_can_resend(const struct outbox *ob);
/*
 * The remembered page again, to target (NULL: every speaker), after the
 * pages before it. One that never left (it could not be archived) is tried
 * again under its id; otherwise it goes under a new id ("page 4 is page 3
 * sent again"), so each speaker's reports land on the copy they are about.
 */
void outbox_resend(struct outbox *ob, const struct page_target *target);
/*
 * The same for a kept page: the one made as page_id, or last sent as it
 * (0: the latest). Returns the id it goes under, 0 if it is not kept.
 */
uint32_t outbox_resend_page(struct outbox *ob, uint32_t page_id, const struct page_target *target);
/* The id a kept page was made under, found by it or by its latest copy's id; 0 if not kept. */
uint32_t outbox_kept_first_id(const struct outbox *ob, uint32_t page_id);

/* Readable once the archive job running has ended; -1 while none runs. */
int outbox_fd(const struct outbox *ob);
/* True while pages wait to be archived or sent. */
bool outbox_busy(const struct outbox *ob);
/* True while a page waits to be sent (not the one sent and being archived). */
bool outbox_waiting(const struct outbox *ob);
/* If the archive job ended: its page is sent (or said not to be), and the pages after it follow. */
void outbox_handle(struct outbox *ob);

#endif

/*
 * Pages on their way out of the console, in the order they were made. Each
 * is archived first (archive.h: written, fsync'ed, renamed: on a slow or busy
 * disk that takes a while), in a job off the loop (job.h), and handed to the
 * send callback only once it is on disk: a page that cannot be archived is
 * never sent. While one page is being archived the pages after it (new
 * ones, resends) wait their turn, so none overtakes another, and the loop
 * goes on serving heartbeats, keys and the screen. The latest page (not the
 * test tone) is kept to be sent again. Says each step in the log.
 */
#ifndef INTERCOM_OUTBOX_H
#define INTERCOM_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sends an archived page (the loop's station_send_page). */
typedef void (*outbox_send_fn)(void *ctx, uint32_t page_id, uint64_t created_ms, const uint8_t *wav,
                               size_t wav_len, uint32_t target_id);

struct outbox;

/* Pages archived in dir (copied), then sent through send. NULL if out of memory. */
struct outbox *outbox_new(const char *dir, outbox_send_fn send, void *ctx);
/*
 * Says which pages are not sent ("not sent, the console is stopping: page 3
 * (still being archived)"), then lets go of everything; an archive job still
 * running finishes on its own (its file is whole or absent, never half).
 */
void outbox_free(struct outbox *ob);

/* The id the next new page gets (for trace points before it exists). */
uint32_t outbox_next_id(const struct outbox *ob);

/*
 * A new page: wav (malloc'd, taken over), made at wall time created_ms,
 * described as what. Numbered and said at once ("page 3 captured: ...,
 * 480044 bytes"), archived, then sent to target_id (0: every speaker) after
 * the pages before it. remember: it becomes the page outbox_resend sends.
 */
void outbox_add(struct outbox *ob, uint8_t *wav, size_t wav_len, uint64_t created_ms,
                const char *what, uint32_t target_id, bool remember);
/* True if there is a page to send again. */
bool outbox_can_resend(const struct outbox *ob);
/*
 * The remembered page again, to target_id, after the pages before it. One
 * that never left (it could not be archived) is tried again under its id;
 * otherwise it goes under a new id ("page 4 is page 3 sent again"), so each
 * speaker's reports land on the copy they are about.
 */
void outbox_resend(struct outbox *ob, uint32_t target_id);

/* Readable once the archive job running has ended; -1 while none runs. */
int outbox_fd(const struct outbox *ob);
/* True while pages wait to be archived or sent. */
bool outbox_busy(const struct outbox *ob);
/* If the archive job ended: its page is sent (or said not to be), and the pages after it follow. */
void outbox_handle(struct outbox *ob);

#endif

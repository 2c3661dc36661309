/* Pages sent while they are archived off the loop, committed once on disk, in the order they were made. */
#include "intercom/console/outbox.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/archive.h"
#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/job.h"
#include "intercom/common/log.h"
#include "intercom/console/playat.h"

/*
 * A page's bytes, shared by the remembered page, the queue's entries and an
 * archive job. The job's thread reads only wav and wav_len, which never
 * change; the other fields are the loop's.
 */
struct page {
	atomic_uint refs;         /* released by whichever thread lets go last */
	uint8_t *wav;
	size_t wav_len;
	uint64_t created_ms;      /* wall clock: names the archived file */
	uint32_t id;              /* of its latest copy: what "sent again" refers to */
	uint32_t first_id;        /* the id it was made under: history and resend PAGE name it so */
	bool archived;
	unsigned queued;          /* entries of the queue that send it */
	char path[PATH_MAX];      /* where it was archived */
};

/* One copy of a page to send, in the queue. */
struct entry {
	struct entry *next;
	struct page *page;        /* a reference */
	uint32_t id;              /* the copy's page id */
	uint32_t resend_of;       /* the copy it sends again (said as it goes), 0 if none */
	struct page_target target; /* where it goes */
};

/* An archive job's argument: its own copy of everything it reads, and its result. */
struct archive_task {
	struct page *page;        /* a reference */
	char dir[PATH_MAX];
	char name[64];
	int rc;
	char path[PATH_MAX];
	char err[PATH_MAX + 128];
};

struct outbox {
	char dir[PATH_MAX];
	outbox_send_fn send;
	outbox_commit_fn commit;
	void *ctx;
	uint64_t archive_us;      /* what an archive is expected to take (playat_archive_smooth) */
	uint64_t archive_from_us; /* the running job started then */
	uint32_t last_id;         /* the latest page id given */
	struct page **kept;       /* the latest pages, newest first: resend, pages that wait */
	size_t kept_n, keep;
	struct entry *head, *tail; /* in order; the head's page is the one archiving */
	struct job *job;          /* archiving the head's page (NULL: none) */
};

static struct page *page_ref(struct page *pg)
{
	atomic_fetch_add_explicit(&pg->refs, 1, memory_order_relaxed);
	return pg;
}

static void page_unref(struct page *pg)
{
	if (!pg || atomic_fetch_sub_explicit(&pg->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(pg->wav);
	free(pg);
}

/* The job: the blocking write and fsync, on the task alone (no logging: the log is the loop's). */
static void archive_run(void *arg)
{
	struct archive_task *task = arg;
	task->rc = archive_write(task->dir, task->name, task->page->wav, task->page->wav_len, task->path,
	                         sizeof task->path, task->err, sizeof task->err);
}

static void archive_task_free(void *arg)
{
	struct archive_task *task = arg;
	page_unref(task->page);
	free(task);
}

struct outbox *outbox_new(const char *dir, outbox_send_fn send, outbox_commit_fn commit, void *ctx)
{
	struct outbox *ob = calloc(1, sizeof *ob);
	if (!ob)
		return NULL;
	snprintf(ob->dir, sizeof ob->dir, "%s", dir);
	ob->send = send;
	ob->commit = commit;
	ob->ctx = ctx;
	ob->archive_us = PLAYAT_ARCHIVE_FIRST_MS * 1000u;
	ob->keep = OUTBOX_KEEP_DEFAULT;
	ob->kept = calloc(ob->keep, sizeof *ob->kept);
	if (!ob->kept) {
		free(ob);
		return NULL;
	}
	return ob;
}

/* Drops the head of the queue. */
static void entry_pop(struct outbox *ob)
{
	struct entry *e = ob->head;
	ob->head = e->next;
	if (!ob->head)
		ob->tail = NULL;
	e->page->queued--;
	page_unref(e->page);
	free(e);
}

void outbox_free(struct outbox *ob)
{
	if (!ob)
		return;
	for (struct entry *e = ob->head; e; e = e->next)
		log_event_at(LOG_PRIORITY_WARNING, "not %s, the console is stopping: page %u (%s)", e == ob->head && ob->job ? "played" : "sent",
		          e->id, e == ob->head && ob->job ? "still being archived" : "waiting its turn");
	if (ob->job)
		ob->commit(ob->ctx, ob->head->id, false, "the console is stopping");
	job_abandon(ob->job);
	while (ob->head)
		entry_pop(ob);
	for (size_t i = 0; i < ob->kept_n; i++)
		page_unref(ob->kept[i]);
	free(ob->kept);
	free(ob);
}

uint32_t outbox_next_id(const struct outbox *ob)
{
	return ob->last_id + 1;
}

/* Puts a copy of pg at the end of the queue; false (said) if memory ran out. */
static bool entry_add(struct outbox *ob, struct page *pg, uint32_t id, uint32_t resend_of,
                      const struct page_target *target)
{
	struct entry *e = calloc(1, sizeof *e);
	if (!e) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u not sent: out of memory", id);
		return false;
	}
	*e = (struct entry){ .page = page_ref(pg), .id = id, .resend_of = resend_of };
	if (target)
		e->target = *target;
	else
		page_target_all(&e->target);
	pg->queued++;
	if (ob->tail)
		ob->tail->next = e;
	else
		ob->head = e;
	ob->tail = e;
	return true;
}

/* The head's page goes out; archive_us: the time its archive is expected to take (0: on disk). */
static void entry_send(struct outbox *ob, const struct entry *e, uint64_t archive_us)
{
	if (e->resend_of)
		log_event("page %u is page %u sent again%s%s%s", e->id, e->resend_of,
		          e->page->archived ? " (archived as " : "", e->page->archived ? e->page->path : "",
		          e->page->archived ? ")" : "");
	ob->send(ob->ctx, e->id, e->page->created_ms, e->page->wav, e->page->wav_len, &e->target,
	         archive_us);
}

/* The head's archive ended (task->rc): the page plays, or is cancelled; the queue moves on. */
static void archive_done(struct outbox *ob, struct archive_task *task)
{
	struct entry *e = ob->head;
	ob->archive_us = playat_archive_smooth(ob->archive_us, clock_mono_us() - ob->archive_from_us);
	if (task->rc == 0) {
		e->page->archived = true;
		snprintf(e->page->path, sizeof e->page->path, "%s", task->path);
		log_event("page %u archived as %s", e->id, e->page->path);
		ob->commit(ob->ctx, e->id, true, NULL);
	} else {
		log_event_at(LOG_PRIORITY_WARNING, "page %u NOT played: cannot archive it: %s (fix the archive, then type resend)", e->id,
		          task->err);
		char why[160];
		snprintf(why, sizeof why, "the console cannot archive it: %.120s", task->err);
		ob->commit(ob->ctx, e->id, false, why);
	}
	entry_pop(ob);
	archive_task_free(task);
}

/*
 * Archives the head's page, in a job (or, with no thread to be had, here and
 * now), and sends it meanwhile: it plays once committed (archive_done).
 */
static void archive_start(struct outbox *ob)
{
	struct entry *e = ob->head;
	struct archive_task *task = calloc(1, sizeof *task);
	if (!task) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u NOT sent: cannot archive it: out of memory", e->id);
		entry_pop(ob);
		return;
	}
	task->page = page_ref(e->page);
	snprintf(task->dir, sizeof task->dir, "%s", ob->dir);
	archive_page_name(e->page->created_ms, e->id, task->name, sizeof task->name);
	entry_send(ob, e, ob->archive_us);
	ob->archive_from_us = clock_mono_us();
	char err[160];
	ob->job = job_start(archive_run, task, archive_task_free, err, sizeof err);
	if (ob->job)
		return;
	archive_run(task);
	archive_done(ob, task);
}

/* Sends, in order, what is on disk already, up to the first page that must be archived first. */
static void outbox_pump(struct outbox *ob)
{
	while (ob->head && !ob->job) {
		if (!ob->head->page->archived) {
			archive_start(ob);
			continue;
		}
		entry_send(ob, ob->head, 0);
		ob->commit(ob->ctx, ob->head->id, true, NULL);
		entry_pop(ob);
	}
}

void outbox_set_last_id(struct outbox *ob, uint32_t id)
{
	if (id > ob->last_id)
		ob->last_id = id;
}

uint32_t outbox_reserve(struct outbox *ob)
{
	return ++ob->last_id;
}

void outbox_release(struct outbox *ob, uint32_t id)
{
	if (id == ob->last_id)
		ob->last_id--;
}

void outbox_set_keep(struct outbox *ob, size_t keep)
{
	if (keep < 1)
		keep = 1;
	struct page **kept = calloc(keep, sizeof *kept);
	if (!kept)
		return; /* the old number stays */
	size_t n = ob->kept_n < keep ? ob->kept_n : keep;
	memcpy(kept, ob->kept, n * sizeof *kept);
	for (size_t i = n; i < ob->kept_n; i++)
		page_unref(ob->kept[i]);
	free(ob->kept);
	ob->kept = kept;
	ob->kept_n = n;
	ob->keep = keep;
}

void outbox_add(struct outbox *ob, uint32_t id, uint8_t *wav, size_t wav_len, uint64_t created_ms,
                const char *what, const struct page_target *target, bool remember)
{
	if (id == 0)
		id = ++ob->last_id;
	struct page *pg = calloc(1, sizeof *pg);
	if (!pg) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u not sent: out of memory", id);
		free(wav);
		return;
	}
	atomic_init(&pg->refs, 1);
	pg->wav = wav;
	pg->wav_len = wav_len;
	pg->created_ms = created_ms;
	pg->id = pg->first_id = id;
	log_event("page %u %s, %zu bytes", id, what, wav_len);
	if (remember) {
		/* Newest first; the oldest kept goes when they are all taken. */
		if (ob->kept_n == ob->keep)
			page_unref(ob->kept[--ob->kept_n]);
		memmove(ob->kept + 1, ob->kept, ob->kept_n * sizeof *ob->kept);
		ob->kept[0] = page_ref(pg);
		ob->kept_n++;
	}
	entry_add(ob, pg, id, 0, target);
	page_unref(pg);
	outbox_pump(ob);
}

bool outbox_can_resend(const struct outbox *ob)
{
	return ob->kept_n > 0;
}

/* The kept page made as page_id or last sent as it (0: the latest), or NULL. */
static struct page *kept_page(const struct outbox *ob, uint32_t page_id)
{
	if (page_id == 0)
		return ob->kept_n ? ob->kept[0] : NULL;
	for (size_t i = 0; i < ob->kept_n; i++)
		if (ob->kept[i]->first_id == page_id || ob->kept[i]->id == page_id)
			return ob->kept[i];
	return NULL;
}

uint32_t outbox_kept_first_id(const struct outbox *ob, uint32_t page_id)
{
	struct page *pg = kept_page(ob, page_id);
	return pg ? pg->first_id : 0;
}

uint32_t outbox_resend_page(struct outbox *ob, uint32_t page_id, const struct page_target *target)
{
	struct page *pg = kept_page(ob, page_id);
	if (!pg)
		return 0;
	uint32_t id;
	if (!pg->archived && !pg->queued) {
		/* It never left: the same page, now that the archive may take it. */
		log_event("page %u: trying again", pg->id);
		id = pg->id;
		entry_add(ob, pg, pg->id, 0, target);
	} else {
		/*
		 * A page that went out (or is on its way) goes out again under a new
		 * id, so each speaker's reports (the first copy interrupted, the
		 * second played) land on the delivery they are about.
		 */
		uint32_t first = pg->id;
		pg->id = id = ++ob->last_id;
		entry_add(ob, pg, pg->id, first, target);
	}
	outbox_pump(ob);
	return id;
}

void outbox_resend(struct outbox *ob, const struct page_target *target)
{
	outbox_resend_page(ob, 0, target);
}

int outbox_fd(const struct outbox *ob)
{
	return ob->job ? job_fd(ob->job) : -1;
}

bool outbox_busy(const struct outbox *ob)
{
	return ob->head != NULL;
}

bool outbox_waiting(const struct outbox *ob)
{
	return ob->head && (!ob->job || ob->head->next);
}

void outbox_handle(struct outbox *ob)
{
	if (!ob->job || !job_done(ob->job))
		return;
	struct archive_task *task = job_finish(ob->job);
	ob->job = NULL;
	if (task)
		archive_done(ob, task);
	outbox_pump(ob);
}

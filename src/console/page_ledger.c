/* Where the pages went and who still waits for them: known speakers, waiting pages, the history. */
#include "intercom/console/page_ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "intercom/common/archive.h"
#include "intercom/common/clock.h"
#include "intercom/common/job.h"
#include "intercom/net/proto.h"

/* The known speakers' file, in the state directory (beside the console's key). */
#define KNOWN_SPEAKERS_FILE "known-speakers"
/* A list read at start-up larger than this is not ours: a site's speakers take a few hundred KB. */
#define KNOWN_SPEAKERS_FILE_MAX (1u << 20)
/* Saves at most this often: a console starting with hundreds of speakers joining writes a few times, not hundreds. */
#define KNOWN_SAVE_GAP_MS 5000
/* At the end, a save under way is waited for this long (10 ms at a time). */
#define KNOWN_SAVE_WAIT_TRIES 300

void page_ledger_init(struct page_ledger *pl, int max_age_s, int max_pages, log_sink_fn say, void *say_ctx)
{
	memset(pl, 0, sizeof *pl);
	pl->max_age_s = max_age_s;
	pl->max_pages = max_pages;
	known_speakers_init(&pl->known);
	wait_queue_init(&pl->waiting, (size_t)max_pages, (uint64_t)max_age_s * 1000u);
	page_history_init(&pl->history, say, say_ctx);
}

/* ---- the known speakers' file ---- */

/* A save of the known speakers, in a job: its own copy of what it writes, and the result. */
struct known_save {
	char dir[PATH_MAX];
	char *text;
	size_t len;
	int rc;
	char err[PATH_MAX + 128];
};

static void known_save_run(void *arg)
{
	struct known_save *task = arg;
	char path[PATH_MAX];
	task->rc = archive_write(task->dir, KNOWN_SPEAKERS_FILE, (const uint8_t *)task->text, task->len, path,
	                         sizeof path, task->err, sizeof task->err);
}

static void known_save_free(void *arg)
{
	struct known_save *task = arg;
	if (task)
		free(task->text);
	free(task);
}

/* The list as text, in a new task; NULL if memory ran out. */
static struct known_save *known_save_task(const struct page_ledger *pl)
{
	struct known_save *task = calloc(1, sizeof *task);
	size_t need = known_speakers_format(&pl->known, NULL, 0);
	if (task)
		task->text = malloc(need + 1);
	if (!task || !task->text) {
		known_save_free(task);
		return NULL;
	}
	task->len = known_speakers_format(&pl->known, task->text, need + 1);
	snprintf(task->dir, sizeof task->dir, "%s", pl->state_dir);
	return task;
}

/* The save that ended (if one did): a failure is said. */
static void known_save_done(struct page_ledger *pl)
{
	if (!pl->known_job || !job_done(pl->known_job))
		return;
	struct known_save *task = job_finish(pl->known_job);
	pl->known_job = NULL;
	if (task && task->rc < 0)
		log_event("warning: the known speakers were not saved: %s (after a restart, pages wait only for "
		          "speakers seen since)", task->err);
	known_save_free(task);
}

/* Saves the known speakers in a job when they changed, at most every KNOWN_SAVE_GAP_MS. */
static void known_save(struct page_ledger *pl, uint64_t now)
{
	known_save_done(pl);
	if (!pl->known_dirty || pl->known_job || !pl->state_dir[0] || now - pl->known_saved_ms < KNOWN_SAVE_GAP_MS)
		return;
	struct known_save *task = known_save_task(pl);
	if (!task)
		return; /* the next pass tries again */
	char err[160];
	pl->known_job = job_start(known_save_run, task, known_save_free, err, sizeof err);
	if (!pl->known_job) {
		known_save_run(task); /* no thread to be had: here and now */
		if (task->rc < 0)
			log_event("warning: the known speakers were not saved: %s", task->err);
		known_save_free(task);
	}
	pl->known_dirty = false;
	pl->known_saved_ms = now;
}

void page_ledger_load(struct page_ledger *pl, const char *state_dir)
{
	snprintf(pl->state_dir, sizeof pl->state_dir, "%s", state_dir ? state_dir : "");
	if (!pl->state_dir[0])
		return;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", pl->state_dir, KNOWN_SPEAKERS_FILE);
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			log_event("warning: cannot read %s: %s (pages wait only for speakers seen from now on)", path,
			          strerror(errno));
		return;
	}
	char *text = malloc(KNOWN_SPEAKERS_FILE_MAX);
	size_t len = text ? fread(text, 1, KNOWN_SPEAKERS_FILE_MAX, f) : 0;
	bool whole = text && feof(f) && !ferror(f);
	fclose(f);
	if (!whole) {
		log_event("warning: %s not read: %s (pages wait only for speakers seen from now on)", path,
		          text ? "larger than 1 MiB or unreadable" : "out of memory");
		free(text);
		return;
	}
	size_t bad;
	size_t n = known_speakers_parse(&pl->known, text, len, clock_mono_ms(), &bad);
	free(text);
	log_event("%zu known speaker%s from %s%s", n, n == 1 ? "" : "s", path,
	          bad ? " (some lines were not name, zone, fingerprint: skipped)" : "");
}

void page_ledger_free(struct page_ledger *pl)
{
	for (size_t i = 0; i < pl->waiting.n; i++)
		log_event_at(LOG_PRIORITY_WARNING, "not delivered, the console is stopping: page %u (waiting for %s)", pl->waiting.v[i].page_id,
		          pl->waiting.v[i].name);
	/* The known speakers on disk before going: the save under way first (a few seconds at most). */
	for (int i = 0; pl->known_job && !job_done(pl->known_job) && i < KNOWN_SAVE_WAIT_TRIES; i++)
		usleep(10000);
	known_save_done(pl);
	if (pl->known_job) {
		log_event("warning: the known speakers were not saved: the disk did not answer in 3 s");
		job_abandon(pl->known_job);
		pl->known_job = NULL;
	} else if (pl->known_dirty && pl->state_dir[0]) {
		struct known_save *task = known_save_task(pl);
		if (task) {
			known_save_run(task);
			if (task->rc < 0)
				log_event("warning: the known speakers were not saved: %s", task->err);
		}
		known_save_free(task);
	}
	wait_queue_free(&pl->waiting);
	known_speakers_free(&pl->known);
}

/* ---- pages that wait ---- */

/* A page stopped waiting for a speaker without reaching it: said, and in the history. */
static void wait_expired_cb(void *ctx, const struct wait_entry *e, enum wait_expiry why)
{
	struct page_ledger *pl = ctx;
	char reason[96];
	if (why == WAIT_EXPIRED_AGE)
		snprintf(reason, sizeof reason, "waited %d s for it (--wait-max-age)", pl->max_age_s);
	else
		snprintf(reason, sizeof reason, "%d newer pages wait (--wait-max-pages)", pl->max_pages);
	log_event_at(LOG_PRIORITY_WARNING, "page %u expired for %s: never delivered, it %s", e->page_id, e->name, reason);
	struct history_page *hp = page_history_find(&pl->history, e->page_id);
	if (hp)
		page_history_set(hp, e->name, HISTORY_WAIT_EXPIRED, false, reason);
}

/* The known speakers as the station lists them now; marked to be saved if any is new or changed. */
static void known_update(struct page_ledger *pl, const struct station_speaker *const *sp, size_t n, uint64_t now)
{
	if (known_speakers_update(&pl->known, sp, n, now))
		pl->known_dirty = true;
}

void page_ledger_sent(struct page_ledger *pl, uint32_t page_id, uint32_t first_id, bool late,
                      const struct page_target *target, const struct station_speaker *const *sp, size_t n,
                      uint64_t now_ms)
{
	struct history_page *hp = page_history_find(&pl->history, first_id ? first_id : page_id);
	if (!hp)
		return; /* the test tone: not a page anyone looks back on */
	if (hp->id != page_id)
		page_history_copy(hp, page_id, late);
	for (size_t i = 0; i < n; i++)
		if (page_target_matches(target, sp[i]->name, sp[i]->zone))
			page_history_set(hp, sp[i]->name, HISTORY_SENT, sp[i]->legacy || sp[i]->rtp, NULL);
	if (late)
		return;
	known_update(pl, sp, n, now_ms);
	size_t count = known_speakers_offline(&pl->known, target, NULL, 0);
	const struct known_speaker **off = count ? calloc(count, sizeof *off) : NULL;
	if (!off)
		return;
	known_speakers_offline(&pl->known, target, off, count);
	size_t waiting = 0;
	for (size_t i = 0; i < count; i++) {
		if (pl->max_age_s == 0) {
			log_event_at(LOG_PRIORITY_NOTICE, "page %u expired for %s: it is offline and pages do not wait (--wait-max-age 0)", hp->id,
			          off[i]->name);
			page_history_set(hp, off[i]->name, HISTORY_WAIT_EXPIRED, false, "offline; pages do not wait");
		} else if (wait_queue_add(&pl->waiting, hp->id, off[i]->name, now_ms, wait_expired_cb, pl) == 0) {
			page_history_set(hp, off[i]->name, HISTORY_WAITING, false, NULL);
			waiting++;
		} else {
			log_event_at(LOG_PRIORITY_WARNING, "page %u cannot wait for %s: out of memory", hp->id, off[i]->name);
		}
	}
	if (waiting)
		log_event("page %u waits for %zu offline speaker%s (%s%s), at most %d s", hp->id, waiting,
		          waiting == 1 ? "" : "s", off[0]->name, waiting > 1 ? ", ..." : "", pl->max_age_s);
	free(off);
}

void page_ledger_update(struct page_ledger *pl, const struct station_speaker *const *sp, size_t n,
                        uint64_t gen, uint64_t now_ms)
{
	if (pl->speakers_gen != gen) {
		known_update(pl, sp, n, now_ms);
		pl->speakers_gen = gen;
	}
	known_save(pl, now_ms);
	for (size_t i = 0; i < n; i++)
		if (sp[i]->page_id && sp[i]->page_state)
			page_history_report(&pl->history, sp[i]->page_id, sp[i]->name, sp[i]->page_state,
			                    sp[i]->legacy || sp[i]->rtp, sp[i]->page_reason, now_ms);
	if (pl->waiting.n)
		wait_queue_expire(&pl->waiting, now_ms, wait_expired_cb, pl);
}

uint32_t page_ledger_due(struct page_ledger *pl, const struct station_speaker *const *sp, size_t n,
                         struct page_target *back)
{
	for (size_t w = 0; w < pl->waiting.n; w++) {
		uint32_t page = pl->waiting.v[w].page_id;
		page_target_all(back);
		for (size_t i = 0; i < n; i++) {
			char err[160];
			if (!sp[i]->legacy && wait_queue_has(&pl->waiting, page, sp[i]->name) &&
			    page_target_add(back, false, sp[i]->name, err, sizeof err) == 0)
				wait_queue_remove(&pl->waiting, page, sp[i]->name);
		}
		if (!page_target_is_all(back))
			return page;
	}
	return 0;
}

/* ---- the history ---- */

int page_ledger_missed(struct page_ledger *pl, uint32_t first_id, const struct page_target *narrow,
                       struct page_target *out, char *err, size_t errlen)
{
	struct history_page *hp = page_history_find(&pl->history, first_id);
	if (!hp) {
		snprintf(err, errlen, "resend --missed: page %u's outcomes are not remembered (history lists the "
		         "latest %d pages); resend %u sends it to the target", first_id, HISTORY_PAGES, first_id);
		return -1;
	}
	const char *names[HISTORY_SPEAKERS];
	size_t n = page_history_missed(hp, names, HISTORY_SPEAKERS);
	page_target_all(out);
	size_t taken = 0;
	for (size_t i = 0; i < n && i < HISTORY_SPEAKERS; i++) {
		/* Only those the options' target names, if it names any. */
		const struct known_speaker *k = known_speakers_find(&pl->known, names[i]);
		if (narrow && !page_target_matches(narrow, names[i], k ? k->zone : NULL))
			continue;
		char why[160];
		if (page_target_add(out, false, names[i], why, sizeof why) == 0)
			taken++;
	}
	if (taken < n && taken == PAGE_TARGET_MAX)
		log_event_at(LOG_PRIORITY_NOTICE, "resend --missed: more than %d speakers missed page %u; these get it now, type it again for "
		          "the rest", PAGE_TARGET_MAX, first_id);
	return page_target_is_all(out) ? 1 : 0;
}

void page_ledger_log_history(const struct page_ledger *pl)
{
	size_t n = pl->history.count;
	for (size_t i = n; i-- > 0;) {
		const struct history_page *p = page_history_at(&pl->history, i);
		char clock[16] = "--:--:--", line[768];
		time_t t = (time_t)(p->wall_ms / 1000);
		struct tm tm;
		if (localtime_r(&t, &tm))
			strftime(clock, sizeof clock, "%H:%M:%S", &tm);
		page_history_line(p, clock, line, sizeof line);
		log_event("%s", line);
		for (size_t k = 0; k < p->n; k++) {
			char outcome[160];
			page_history_outcome_text(&p->sp[k], outcome, sizeof outcome);
			log_event("  page %u %s: %s", p->id, p->sp[k].name, outcome);
		}
	}
	log_event("%zu page%s in the history%s", n, n == 1 ? "" : "s",
	          n ? ": resend PAGE, or resend --missed PAGE for those that did not play it" : "");
}

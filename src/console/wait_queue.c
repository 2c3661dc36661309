/* Pages waiting for offline speakers, bounded in number and age. */
#include "intercom/console/wait_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/vec.h"

void wait_queue_init(struct wait_queue *wq, size_t max_pages, uint64_t max_age_ms)
{
	memset(wq, 0, sizeof *wq);
	wq->max_pages = max_pages ? max_pages : 1;
	wq->max_age_ms = max_age_ms;
}

void wait_queue_free(struct wait_queue *wq)
{
	free(wq->v);
	memset(wq, 0, sizeof *wq);
}

/* Removes entry i (order kept). */
static void remove_at(struct wait_queue *wq, size_t i)
{
	memmove(&wq->v[i], &wq->v[i + 1], (wq->n - i - 1) * sizeof wq->v[0]);
	wq->n--;
}

/* True if page_id has an entry before index end. */
static bool page_before(const struct wait_queue *wq, uint32_t page_id, size_t end)
{
	for (size_t i = 0; i < end; i++)
		if (wq->v[i].page_id == page_id)
			return true;
	return false;
}

size_t wait_queue_pages(const struct wait_queue *wq)
{
	size_t n = 0;
	for (size_t i = 0; i < wq->n; i++)
		n += !page_before(wq, wq->v[i].page_id, i);
	return n;
}

bool wait_queue_has(const struct wait_queue *wq, uint32_t page_id, const char *name)
{
	for (size_t i = 0; i < wq->n; i++)
		if (wq->v[i].page_id == page_id && strcmp(wq->v[i].name, name) == 0)
			return true;
	return false;
}

int wait_queue_add(struct wait_queue *wq, uint32_t page_id, const char *name, uint64_t now_ms,
                   wait_expired_fn expired, void *ctx)
{
	if (wait_queue_has(wq, page_id, name))
		return 0;
	if (vec_reserve_one((void **)&wq->v, &wq->cap, wq->n, sizeof *wq->v, 0) < 0)
		return -1;
	struct wait_entry *e = &wq->v[wq->n++];
	memset(e, 0, sizeof *e);
	e->page_id = page_id;
	snprintf(e->name, sizeof e->name, "%s", name);
	e->since_ms = now_ms;
	/* Too many different pages: the oldest one's entries go, whoever they wait for. */
	while (wait_queue_pages(wq) > wq->max_pages) {
		uint32_t oldest = wq->v[0].page_id;
		for (size_t i = 0; i < wq->n;) {
			if (wq->v[i].page_id == oldest) {
				struct wait_entry gone = wq->v[i];
				remove_at(wq, i);
				if (expired)
					expired(ctx, &gone, WAIT_EXPIRED_PAGES);
			} else {
				i++;
			}
		}
	}
	return 0;
}

size_t wait_queue_expire(struct wait_queue *wq, uint64_t now_ms, wait_expired_fn expired, void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; i < wq->n;) {
		if (now_ms - wq->v[i].since_ms >= wq->max_age_ms && now_ms >= wq->v[i].since_ms) {
			struct wait_entry gone = wq->v[i];
			remove_at(wq, i);
			n++;
			if (expired)
				expired(ctx, &gone, WAIT_EXPIRED_AGE);
		} else {
			i++;
		}
	}
	return n;
}

size_t wait_queue_take(struct wait_queue *wq, const char *name, struct wait_entry *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < wq->n;) {
		if (strcmp(wq->v[i].name, name) == 0) {
			if (out && n < cap)
				out[n] = wq->v[i];
			n++;
			remove_at(wq, i);
		} else {
			i++;
		}
	}
	return n;
}

bool wait_queue_remove(struct wait_queue *wq, uint32_t page_id, const char *name)
{
	for (size_t i = 0; i < wq->n; i++) {
		if (wq->v[i].page_id == page_id && strcmp(wq->v[i].name, name) == 0) {
			remove_at(wq, i);
			return true;
		}
	}
	return false;
}

size_t wait_queue_speakers(const struct wait_queue *wq, uint32_t page_id)
{
	size_t n = 0;
	for (size_t i = 0; i < wq->n; i++) {
		if (page_id && wq->v[i].page_id != page_id)
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = (!page_id || wq->v[k].page_id == page_id) && strcmp(wq->v[k].name, wq->v[i].name) == 0;
		n += !seen;
	}
	return n;
}

uint64_t wait_queue_next_expiry(const struct wait_queue *wq)
{
	uint64_t next = 0;
	for (size_t i = 0; i < wq->n; i++) {
		uint64_t at = wq->v[i].since_ms + wq->max_age_ms;
		if (!next || at < next)
			next = at;
	}
	return next;
}

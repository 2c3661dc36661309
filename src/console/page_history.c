/* The recent pages and their outcome on each speaker. */
#include "intercom/console/page_history.h"

#include <stdio.h>
#include <string.h>

#include "intercom/net/proto.h"

void page_history_init(struct page_history *h, log_sink_fn say, void *say_ctx)
{
	memset(h, 0, sizeof *h);
	h->say = say;
	h->say_ctx = say_ctx;
}

struct history_page *page_history_add(struct page_history *h, uint32_t id, uint64_t now_ms, uint64_t wall_ms,
                                      const char *what, const char *target)
{
	struct history_page *p = &h->pages[h->next];
	memset(p, 0, sizeof *p);
	p->id = id;
	p->made_ms = now_ms;
	p->wall_ms = wall_ms;
	snprintf(p->what, sizeof p->what, "%s", what ? what : "");
	snprintf(p->target, sizeof p->target, "%s", target ? target : "all speakers");
	h->next = (h->next + 1) % HISTORY_PAGES;
	if (h->count < HISTORY_PAGES)
		h->count++;
	return p;
}

const struct history_page *page_history_at(const struct page_history *h, size_t i)
{
	if (i >= h->count)
		return NULL;
	return &h->pages[(h->next + HISTORY_PAGES - 1 - i) % HISTORY_PAGES];
}

struct history_page *page_history_latest(struct page_history *h)
{
	return (struct history_page *)page_history_at(h, 0);
}

/* The page id names, and in *late whether through a late copy. */
static struct history_page *find(struct page_history *h, uint32_t id, bool *late)
{
	*late = false;
	for (size_t i = 0; id && i < h->count; i++) {
		struct history_page *p = (struct history_page *)page_history_at(h, i);
		if (p->id == id)
			return p;
		for (size_t c = 0; c < p->copy_count; c++) {
			if (p->copies[c] == id) {
				*late = p->copy_late[c];
				return p;
			}
		}
	}
	return NULL;
}

struct history_page *page_history_find(struct page_history *h, uint32_t id)
{
	bool late;
	return find(h, id, &late);
}

void page_history_set(struct history_page *p, const char *name, uint8_t outcome, bool delivered_only,
                      const char *reason)
{
	struct history_speaker *s = NULL;
	for (size_t i = 0; i < p->n && !s; i++)
		if (strcmp(p->sp[i].name, name) == 0)
			s = &p->sp[i];
	if (!s) {
		if (p->n == HISTORY_SPEAKERS) {
			p->more++;
			return;
		}
		s = &p->sp[p->n++];
		memset(s, 0, sizeof *s);
		snprintf(s->name, sizeof s->name, "%s", name);
	}
	s->outcome = outcome;
	s->delivered_only = delivered_only;
	snprintf(s->reason, sizeof s->reason, "%s", reason ? reason : "");
}

void page_history_copy(struct history_page *p, uint32_t copy_id, bool late)
{
	for (size_t c = 0; c < p->copy_count; c++) {
		if (p->copies[c] == copy_id) {
			p->copy_late[c] = p->copy_late[c] || late;
			return;
		}
	}
	if (p->copy_count == HISTORY_COPIES) {
		/* The oldest copy's reports are long in. */
		memmove(p->copies, p->copies + 1, (HISTORY_COPIES - 1) * sizeof p->copies[0]);
		memmove(p->copy_late, p->copy_late + 1, (HISTORY_COPIES - 1) * sizeof p->copy_late[0]);
		p->copy_count--;
	}
	p->copies[p->copy_count] = copy_id;
	p->copy_late[p->copy_count++] = late;
}

/* The speaker's entry on p, or NULL. */
static struct history_speaker *speaker_of(struct history_page *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->sp[i].name, name) == 0)
			return &p->sp[i];
	return NULL;
}

void page_history_report(struct page_history *h, uint32_t page_id, const char *name, uint8_t state,
                         bool delivered_only, const char *reason, uint64_t now_ms)
{
	bool late;
	struct history_page *p = find(h, page_id, &late);
	if (!p || !state)
		return;
	struct history_speaker *s = speaker_of(p, name);
	/* A copy for other speakers says nothing about this one's earlier outcome, unless it went to it. */
	if (s && s->outcome == state)
		return;
	bool was_late = s && s->late_s;
	page_history_set(p, name, state, delivered_only, reason);
	s = speaker_of(p, name);
	if (!s || !late)
		return;
	if (!was_late && (state == PAGE_RECEIVED || state == PAGE_PLAYING || state == PAGE_PLAYED)) {
		uint64_t waited = now_ms > p->made_ms ? now_ms - p->made_ms : 0;
		s->late_s = (uint32_t)((waited + 500) / 1000);
		if (s->late_s == 0)
			s->late_s = 1; /* late is late: never "(0 s)" */
		log_say(h->say, h->say_ctx, "page %u delivered late (%u s) to %s", p->id, s->late_s, name);
	} else if (was_late) {
		s->late_s = s->late_s ? s->late_s : 1;
	}
}

bool page_history_played(const struct history_speaker *s)
{
	return s->outcome == PAGE_PLAYED || (s->delivered_only && s->outcome == PAGE_RECEIVED);
}

size_t page_history_missed(const struct history_page *p, const char **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct history_speaker *s = &p->sp[i];
		if (page_history_played(s) || s->outcome == HISTORY_WAITING)
			continue;
		if (out && n < cap)
			out[n] = s->name;
		n++;
	}
	return n;
}

void page_history_outcome_text(const struct history_speaker *s, char *out, size_t outlen)
{
	const char *word;
	switch (s->outcome) {
	case HISTORY_SENT: word = "sent"; break;
	case HISTORY_WAITING: word = "waiting"; break;
	case HISTORY_WAIT_EXPIRED: word = "expired"; break;
	case PAGE_RECEIVED: word = "delivered"; break;
	default: word = proto_page_state_name(s->outcome); break;
	}
	if (s->late_s && (s->outcome == PAGE_PLAYED || s->outcome == PAGE_RECEIVED || s->outcome == PAGE_PLAYING))
		snprintf(out, outlen, "%s late (%u s)", word, s->late_s);
	else if (s->reason[0])
		snprintf(out, outlen, "%s: %s", word, s->reason);
	else
		snprintf(out, outlen, "%s", word);
}

void page_history_line(const struct history_page *p, const char *clock, char *out, size_t outlen)
{
	size_t played = 0, waiting = 0, missed = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (page_history_played(&p->sp[i]))
			played++;
		else if (p->sp[i].outcome == HISTORY_WAITING)
			waiting++;
		else if (proto_page_state_final(p->sp[i].outcome) || p->sp[i].outcome == HISTORY_WAIT_EXPIRED)
			missed++;
	}
	char tail[96] = "";
	size_t len = 0;
	if (missed)
		len += (size_t)snprintf(tail + len, sizeof tail - len, ", missed by %zu", missed);
	if (waiting && len < sizeof tail)
		snprintf(tail + len, sizeof tail - len, ", waiting for %zu", waiting);
	snprintf(out, outlen, "page %u  %s  %s  to %s: played by %zu/%zu%s%s", p->id, clock, p->what, p->target,
	         played, p->n + p->more, tail, p->more ? " (more speakers than listed)" : "");
}

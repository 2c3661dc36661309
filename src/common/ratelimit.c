/* Lines rationed per cause and key in windows of time, with a summary of what was held. */
#include "intercom/common/ratelimit.h"

#include <string.h>

#include "intercom/common/utf8.h"

/* Slots past RATELIMIT_SLOTS are shared, one per cause. */
#define ALL_SLOTS (RATELIMIT_SLOTS + RATELIMIT_CAUSES)

void ratelimit_init(struct ratelimit *rl, unsigned budget, unsigned total_budget, uint64_t window_ms,
                    ratelimit_summary_fn summary, void *ctx)
{
	*rl = (struct ratelimit){
		.budget = budget,
		.total_budget = total_budget,
		.window_ms = window_ms,
		.summary = summary,
		.ctx = ctx,
	};
}

/* Tells the owner what slot i held, if anything, over the window_ms it ran. */
static void summarise(const struct ratelimit *rl, size_t i, uint64_t window_ms)
{
	const struct ratelimit_slot *s = &rl->slots[i];
	if (s->held == 0 || !rl->summary)
		return;
	struct ratelimit_summary sum = {
		.cause = s->cause,
		.key = i < RATELIMIT_SLOTS ? s->key : NULL,
		.said = s->said,
		.held = s->held,
		.window_ms = window_ms,
	};
	rl->summary(&sum, rl->ctx);
}

/* Closes the windows over by now, each summarised if it held lines. */
static void expire(struct ratelimit *rl, uint64_t now)
{
	for (size_t i = 0; i < ALL_SLOTS; i++) {
		struct ratelimit_slot *s = &rl->slots[i];
		if (!s->used || now - s->start_ms < rl->window_ms)
			continue;
		summarise(rl, i, rl->window_ms);
		s->used = false;
	}
	if (rl->total_running && now - rl->total_start_ms >= rl->window_ms)
		rl->total_running = false;
}

/*
 * Where key's events of cause are counted: its own slot if it has one, else
 * a free one (*fresh: not running yet), else the shared one of its cause
 * (*fresh if that is not running either).
 */
static size_t slot_index(const struct ratelimit *rl, unsigned cause, const char *cut, bool *fresh)
{
	size_t free_slot = ALL_SLOTS;
	for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
		const struct ratelimit_slot *s = &rl->slots[i];
		if (s->used && s->cause == cause && strcmp(s->key, cut) == 0) {
			*fresh = false;
			return i;
		}
		if (!s->used && free_slot == ALL_SLOTS)
			free_slot = i;
	}
	size_t i = free_slot < ALL_SLOTS ? free_slot : RATELIMIT_SLOTS + cause;
	*fresh = !rl->slots[i].used;
	return i;
}

/* The running slot counting key's events of cause, started at now if there was none. */
static struct ratelimit_slot *slot_for(struct ratelimit *rl, unsigned cause, const char *key,
                                       uint64_t now)
{
	char cut[RATELIMIT_KEY_MAX];
	bool fresh;
	utf8_copy(cut, sizeof cut, key);
	struct ratelimit_slot *s = &rl->slots[slot_index(rl, cause, cut, &fresh)];
	if (fresh) {
		*s = (struct ratelimit_slot){ .used = true, .cause = cause, .start_ms = now };
		memcpy(s->key, cut, sizeof cut);
	}
	return s;
}

bool ratelimit_allow(struct ratelimit *rl, unsigned cause, const char *key, uint64_t now)
{
	expire(rl, now);
	struct ratelimit_slot *s = slot_for(rl, cause % RATELIMIT_CAUSES, key, now);
	if (!rl->total_running) {
		rl->total_running = true;
		rl->total_start_ms = now;
		rl->total_said = 0;
	}
	if (s->said < rl->budget && rl->total_said < rl->total_budget) {
		s->said++;
		rl->total_said++;
		return true;
	}
	s->held++;
	return false;
}

bool ratelimit_spent(const struct ratelimit *rl, unsigned cause, const char *key, uint64_t now)
{
	char cut[RATELIMIT_KEY_MAX];
	bool fresh;
	utf8_copy(cut, sizeof cut, key);
	const struct ratelimit_slot *s = &rl->slots[slot_index(rl, cause % RATELIMIT_CAUSES, cut, &fresh)];
	return !fresh && now - s->start_ms < rl->window_ms && s->said >= rl->budget;
}

void ratelimit_hold(struct ratelimit *rl, unsigned cause, const char *key, uint64_t now)
{
	expire(rl, now);
	slot_for(rl, cause % RATELIMIT_CAUSES, key, now)->held++;
}

int ratelimit_tick(struct ratelimit *rl, uint64_t now)
{
	expire(rl, now);
	int next = -1;
	for (size_t i = 0; i < ALL_SLOTS; i++) {
		const struct ratelimit_slot *s = &rl->slots[i];
		if (!s->used)
			continue;
		int until = (int)(s->start_ms + rl->window_ms - now);
		if (next < 0 || until < next)
			next = until;
	}
	return next;
}

void ratelimit_flush(struct ratelimit *rl, uint64_t now)
{
	for (size_t i = 0; i < ALL_SLOTS; i++) {
		if (rl->slots[i].used)
			summarise(rl, i, now - rl->slots[i].start_ms);
		rl->slots[i].used = false;
	}
	rl->total_running = false;
}

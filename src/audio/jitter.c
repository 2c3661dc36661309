/*
 * The jitter buffer (jitter.h): a ring of slots indexed by sequence number
 * modulo a power-of-two capacity, one frame's bytes per slot, all taken in
 * jitter_new. The window of slots held is [next_seq, next_seq + capacity),
 * so a slot's index is never shared by two frames held at once.
 */
#include "intercom/audio/jitter.h"

#include "intercom/common/defaults.h"

#include <stdlib.h>
#include <string.h>

struct slot {
	bool full;
	uint32_t seq;
	uint64_t capture_us;
	size_t len;
};

struct jitter {
	struct jitter_config config;
	size_t mask;           /* capacity - 1 */
	struct slot *slots;
	uint8_t *bytes;        /* capacity x max_frame_bytes: slot i's frame at i x max_frame_bytes */
	bool started;          /* a frame was taken: next_seq and next_us mean something */
	bool popped;           /* a slot was handed out: the start is fixed */
	bool ended;
	uint32_t next_seq;     /* the next slot to hand out */
	uint64_t next_us;      /* its capture time on the timeline (when it holds no frame) */
	uint32_t highest_seq;  /* the latest sequence number taken */
	uint32_t missing_run;  /* slots in a row handed out with no frame */
	size_t held;
	struct jitter_stats stats;
};

static uint32_t div_up(uint64_t a, uint64_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

struct jitter_config jitter_default_config(uint32_t frame_us, size_t max_frame_bytes)
{
	struct jitter_config c;
	memset(&c, 0, sizeof c);
	c.frame_us = frame_us;
	c.max_frame_bytes = max_frame_bytes;
	if (frame_us == 0)
		return c;
	c.capacity = div_up(JITTER_AHEAD_MS * 1000ull, frame_us);
	c.end_after = div_up(JITTER_END_AFTER_MS * 1000ull, frame_us);
	c.time_tolerance_us = JITTER_TIME_TOLERANCE_US;
	if (c.time_tolerance_us > frame_us / 2)
		c.time_tolerance_us = frame_us / 2;
	return c;
}

/* Capacities above this are refused: 2^20 slots of 20 ms is almost 6 hours ahead. */
#define JITTER_CAPACITY_LIMIT ((size_t)1 << 20)

struct jitter *jitter_new(const struct jitter_config *config)
{
	if (!config || config->frame_us == 0 || config->capacity == 0 || config->end_after == 0 ||
	    config->capacity > JITTER_CAPACITY_LIMIT)
		return NULL;
	size_t capacity = 1;
	while (capacity < config->capacity)
		capacity <<= 1;
	if (config->max_frame_bytes > SIZE_MAX / capacity)
		return NULL;
	struct jitter *jb = calloc(1, sizeof *jb);
	if (!jb)
		return NULL;
	jb->config = *config;
	jb->config.capacity = capacity;
	jb->mask = capacity - 1;
	jb->slots = calloc(capacity, sizeof *jb->slots);
	jb->bytes = malloc(capacity * config->max_frame_bytes + 1);
	if (!jb->slots || !jb->bytes) {
		jitter_free(jb);
		return NULL;
	}
	return jb;
}

void jitter_free(struct jitter *jb)
{
	if (!jb)
		return;
	free(jb->slots);
	free(jb->bytes);
	free(jb);
}

void jitter_reset(struct jitter *jb)
{
	memset(jb->slots, 0, (jb->mask + 1) * sizeof *jb->slots);
	jb->started = jb->popped = jb->ended = false;
	jb->next_seq = jb->highest_seq = jb->missing_run = 0;
	jb->next_us = 0;
	jb->held = 0;
}

/*
 * |capture_us - where the timeline puts next_seq + d| within the tolerance.
 * Modular arithmetic: whatever times a peer sends, nothing overflows.
 */
static bool on_timeline(const struct jitter *jb, int64_t d, uint64_t capture_us)
{
	uint64_t expected = jb->next_us + (uint64_t)d * jb->config.frame_us;
	uint64_t off = capture_us - expected;
	return off <= jb->config.time_tolerance_us || -off <= jb->config.time_tolerance_us;
}

static void store(struct jitter *jb, uint32_t seq, uint64_t capture_us, const uint8_t *bytes,
                  size_t len)
{
	size_t i = seq & jb->mask;
	struct slot *s = &jb->slots[i];
	s->full = true;
	s->seq = seq;
	s->capture_us = capture_us;
	s->len = len;
	if (len)
		memcpy(jb->bytes + i * jb->config.max_frame_bytes, bytes, len);
	jb->held++;
	jb->stats.accepted++;
	if ((int32_t)(seq - jb->highest_seq) < 0)
		jb->stats.reordered++;
	else
		jb->highest_seq = seq;
}

static enum jitter_put_result refuse(struct jitter *jb, enum jitter_put_result r)
{
	switch (r) {
	case JITTER_DUPLICATE: jb->stats.duplicate++; break;
	case JITTER_LATE: jb->stats.late++; break;
	case JITTER_TOO_FAR_AHEAD: jb->stats.too_far_ahead++; break;
	case JITTER_OVERSIZED: jb->stats.oversized++; break;
	case JITTER_BAD_TIME: jb->stats.bad_time++; break;
	case JITTER_ACCEPTED:
	case JITTER_OVER:
		break;
	}
	return r;
}

enum jitter_put_result jitter_put(struct jitter *jb, uint64_t play_us, uint32_t seq,
                                  uint64_t capture_us, const uint8_t *bytes, size_t len)
{
	if (jb->ended)
		return JITTER_OVER;
	if (len > jb->config.max_frame_bytes || (len && !bytes))
		return refuse(jb, JITTER_OVERSIZED);
	uint64_t frame_us = jb->config.frame_us;
	/* Its whole time passed already: it could only play late. */
	if (play_us >= frame_us && capture_us <= play_us - frame_us)
		return refuse(jb, JITTER_LATE);
	uint64_t ahead_us = (uint64_t)(jb->mask + 1) * frame_us;
	if (capture_us > play_us && capture_us - play_us > ahead_us)
		return refuse(jb, JITTER_TOO_FAR_AHEAD);

	if (!jb->started) {
		jb->started = true;
		jb->next_seq = jb->highest_seq = seq;
		jb->next_us = capture_us;
		store(jb, seq, capture_us, bytes, len);
		return JITTER_ACCEPTED;
	}

	int64_t d = (int32_t)(seq - jb->next_seq);
	if (d < 0) {
		/* Before the next slot: late, unless nothing played yet and the window still holds it. */
		if (jb->popped || (uint32_t)(jb->highest_seq - seq) > jb->mask)
			return refuse(jb, JITTER_LATE);
		if (!on_timeline(jb, d, capture_us))
			return refuse(jb, JITTER_BAD_TIME);
		jb->next_seq = seq;
		jb->next_us = capture_us;
		store(jb, seq, capture_us, bytes, len);
		return JITTER_ACCEPTED;
	}
	if ((uint64_t)d > jb->mask)
		return refuse(jb, JITTER_TOO_FAR_AHEAD);
	if (!on_timeline(jb, d, capture_us))
		return refuse(jb, JITTER_BAD_TIME);
	if (jb->slots[seq & jb->mask].full)
		return refuse(jb, JITTER_DUPLICATE);
	store(jb, seq, capture_us, bytes, len);
	return JITTER_ACCEPTED;
}

enum jitter_pop_result jitter_pop(struct jitter *jb, uint64_t play_us, struct jitter_slot *out)
{
	if (jb->ended)
		return JITTER_ENDED;
	if (!jb->started)
		return JITTER_IDLE;
	size_t i = jb->next_seq & jb->mask;
	struct slot *s = &jb->slots[i];
	uint64_t due = s->full ? s->capture_us : jb->next_us;
	if (play_us < due)
		return JITTER_NOT_DUE;
	bool passed = play_us - due >= jb->config.frame_us;

	out->seq = jb->next_seq;
	out->capture_us = due;
	out->bytes = NULL;
	out->len = 0;
	enum jitter_pop_result r;
	if (s->full) {
		s->full = false;
		jb->held--;
		jb->missing_run = 0;
		if (passed) {
			jb->stats.passed++;
			jb->stats.expired++;
			r = JITTER_PASSED;
		} else {
			jb->stats.played++;
			out->bytes = jb->bytes + i * jb->config.max_frame_bytes;
			out->len = s->len;
			r = JITTER_FRAME;
		}
	} else if (++jb->missing_run >= jb->config.end_after) {
		jb->ended = true;
		return JITTER_ENDED;
	} else if (passed) {
		jb->stats.passed++;
		r = JITTER_PASSED;
	} else {
		jb->stats.concealed++;
		r = JITTER_MISSING;
	}
	jb->next_us = due + jb->config.frame_us;
	jb->next_seq++;
	jb->popped = true;
	return r;
}

bool jitter_next_due(const struct jitter *jb, uint64_t *capture_us)
{
	if (!jb->started || jb->ended)
		return false;
	const struct slot *s = &jb->slots[jb->next_seq & jb->mask];
	*capture_us = s->full ? s->capture_us : jb->next_us;
	return true;
}

size_t jitter_held(const struct jitter *jb)
{
	return jb->held;
}

struct jitter_stats jitter_stats(const struct jitter *jb)
{
	return jb->stats;
}

const char *jitter_put_result_name(enum jitter_put_result r)
{
	switch (r) {
	case JITTER_ACCEPTED: return "accepted";
	case JITTER_DUPLICATE: return "duplicate";
	case JITTER_LATE: return "late";
	case JITTER_TOO_FAR_AHEAD: return "too far ahead";
	case JITTER_OVERSIZED: return "oversized";
	case JITTER_BAD_TIME: return "capture time off its sequence number";
	case JITTER_OVER: return "stream over";
	}
	return "?";
}

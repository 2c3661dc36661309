/*
 * A screen's share of the event loop, alike for both programs: when the next
 * frame is due (at most one per FRAME_MS, at once after a key, later while the
 * terminal takes no output) and reading the keys that wait, a bounded number
 * per pass so a pasted flood cannot starve the sockets.
 */
#ifndef INTERCOM_FRAME_H
#define INTERCOM_FRAME_H

#include <stdbool.h>
#include <stdint.h>

/* 25 frames a second: a meter moves smoothly, an idle screen costs a wake-up and a compare. */
#define FRAME_MS 40
/* Keys handled per loop pass; the rest wait for the next pass, after the sockets. */
#define KEYS_PER_PASS 64

struct frame_clock {
	uint64_t next_ms;  /* the earliest time of the next frame */
	bool pending;      /* something changed that the screen does not show yet */
};

/*
 * True if a frame should be drawn now: one is due (or now_please, after a key)
 * and the terminal takes output. Otherwise the frame stays pending.
 */
bool frame_due(struct frame_clock *fc, bool now_please, uint64_t now);

/* Notes a frame drawn at now: the next one is due FRAME_MS later. */
void frame_drawn(struct frame_clock *fc, uint64_t now);

/* timeout_ms shortened to the next frame's time (for poll()). */
int frame_timeout(const struct frame_clock *fc, uint64_t now, int timeout_ms);

/*
 * Hands the keys that wait to key_cb, at most KEYS_PER_PASS, stopping early
 * once *stop is set. Returns true if any key was handled.
 */
bool frame_read_keys(void (*key_cb)(void *ctx, int key), void *ctx, const bool *stop);

#endif

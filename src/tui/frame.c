/* Frame pacing and key reading for a screen's loop (see frame.h). */
#include "intercom/tui/frame.h"

#include <curses.h>

#include "intercom/tui/term.h"

bool frame_due(struct frame_clock *fc, bool now_please, uint64_t now)
{
	if (!now_please && now < fc->next_ms) {
		fc->pending = true;
		return false;
	}
	if (!term_can_draw()) {
		fc->pending = true;
		fc->next_ms = now + TERM_DRAW_RETRY_MS;
		return false;
	}
	return true;
}

void frame_drawn(struct frame_clock *fc, uint64_t now)
{
	fc->next_ms = now + FRAME_MS;
	fc->pending = false;
}

int frame_timeout(const struct frame_clock *fc, uint64_t now, int timeout_ms)
{
	int until = fc->next_ms > now ? (int)(fc->next_ms - now) : 0;
	return until < timeout_ms ? until : timeout_ms;
}

bool frame_read_keys(void (*key_cb)(void *ctx, int key), void *ctx, const bool *stop)
{
	bool any = false;
	int key;
	for (int i = 0; i < KEYS_PER_PASS && !*stop && (key = term_key()) != ERR; i++) {
		key_cb(ctx, key);
		any = true;
	}
	return any;
}

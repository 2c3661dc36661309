/*
 * The pre-roll: the latest moments of the always-open input, kept so a page
 * can begin a little before the key was pressed (the first syllable spoken
 * with the key is not cut). A circular buffer of whole frames that the
 * capture callback overwrites oldest first, and from which, at the arming of
 * a capture, the same callback copies the last N frames in order into the
 * hand-over ring. Memory is given at init (no allocation afterwards: the
 * callback uses it); one thread only (the callback) writes and reads it.
 * Pure arithmetic, unit-tested.
 */
#ifndef INTERCOM_PREROLL_H
#define INTERCOM_PREROLL_H

#include <stddef.h>
#include <stdint.h>

struct preroll {
	int16_t *buf;        /* capacity frames × channels samples */
	size_t capacity;     /* frames */
	int channels;
	size_t head;         /* the frame the next write goes to */
	size_t filled;       /* frames held, up to capacity */
};

/* Allocates room for capacity frames (capacity 0: none, every call a no-op). 0, or -1 out of memory. */
int preroll_init(struct preroll *pr, size_t capacity, int channels);
void preroll_free(struct preroll *pr);
/* Forgets what it held (the stream restarted). */
void preroll_reset(struct preroll *pr);
/* Adds frames (interleaved); only the latest capacity frames are kept. */
void preroll_write(struct preroll *pr, const int16_t *samples, size_t frames);
/* Frames it holds now (at most capacity). */
size_t preroll_held(const struct preroll *pr);
/*
 * The last min(want, held) frames, oldest first, handed to out as at most
 * two contiguous pieces (the buffer wraps); returns the frames handed.
 */
size_t preroll_last(const struct preroll *pr, size_t want,
                    void (*out)(void *ctx, const int16_t *samples, size_t frames), void *ctx);
/* Frames of ms milliseconds at rate (rounded to the nearest frame). */
size_t preroll_frames_for_ms(int rate, int ms);

#endif

/* The pre-roll: a circular buffer of the input's latest frames (preroll.h). */
#include "intercom/audio/preroll.h"

#include <stdlib.h>
#include <string.h>

int preroll_init(struct preroll *pr, size_t capacity, int channels)
{
	memset(pr, 0, sizeof *pr);
	pr->channels = channels > 0 ? channels : 1;
	if (capacity == 0)
		return 0;
	pr->buf = calloc(capacity * (size_t)pr->channels, sizeof *pr->buf);
	if (!pr->buf)
		return -1;
	pr->capacity = capacity;
	return 0;
}

void preroll_free(struct preroll *pr)
{
	free(pr->buf);
	memset(pr, 0, sizeof *pr);
}

void preroll_reset(struct preroll *pr)
{
	pr->head = 0;
	pr->filled = 0;
}

void preroll_write(struct preroll *pr, const int16_t *samples, size_t frames)
{
	if (pr->capacity == 0 || frames == 0)
		return;
	size_t ch = (size_t)pr->channels;
	/* Only the latest capacity frames can stay. */
	if (frames > pr->capacity) {
		samples += (frames - pr->capacity) * ch;
		frames = pr->capacity;
	}
	size_t first = pr->capacity - pr->head;
	if (first > frames)
		first = frames;
	memcpy(pr->buf + pr->head * ch, samples, first * ch * sizeof *samples);
	memcpy(pr->buf, samples + first * ch, (frames - first) * ch * sizeof *samples);
	pr->head = (pr->head + frames) % pr->capacity;
	pr->filled = pr->filled + frames > pr->capacity ? pr->capacity : pr->filled + frames;
}

size_t preroll_held(const struct preroll *pr)
{
	return pr->filled;
}

size_t preroll_last(const struct preroll *pr, size_t want,
                    void (*out)(void *ctx, const int16_t *samples, size_t frames), void *ctx)
{
	size_t n = want < pr->filled ? want : pr->filled;
	if (n == 0)
		return 0;
	size_t ch = (size_t)pr->channels;
	/* The oldest of the n frames is n frames behind head, around the end if need be. */
	size_t start = (pr->head + pr->capacity - n) % pr->capacity;
	size_t first = pr->capacity - start;
	if (first > n)
		first = n;
	out(ctx, pr->buf + start * ch, first);
	if (n > first)
		out(ctx, pr->buf, n - first);
	return n;
}

size_t preroll_frames_for_ms(int rate, int ms)
{
	if (rate <= 0 || ms <= 0)
		return 0;
	return (size_t)(((uint64_t)rate * (uint64_t)ms + 500) / 1000);
}

/* SPSC byte ring: the only path for samples out of the audio callback. */
#include "intercom/audio/ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int ring_init(struct ring *ring, size_t min_capacity)
{
	size_t capacity = 1;
	if (min_capacity > SIZE_MAX / 2)
		return -1;
	while (capacity < min_capacity)
		capacity <<= 1;
	ring->buf = malloc(capacity);
	if (!ring->buf)
		return -1;
	ring->capacity = capacity;
	atomic_init(&ring->head, 0);
	atomic_init(&ring->tail, 0);
	return 0;
}

void ring_free(struct ring *ring)
{
	free(ring->buf);
	ring->buf = NULL;
}

size_t ring_write(struct ring *ring, const void *data, size_t len)
{
	size_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	/* Acquire pairs with the consumer's release: its reads are done before we overwrite. */
	size_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
	size_t space = ring->capacity - (head - tail);
	if (len > space)
		len = space;
	size_t at = head & (ring->capacity - 1);
	size_t first = ring->capacity - at < len ? ring->capacity - at : len;
	if (len == 0)
		return 0;
	memcpy(ring->buf + at, data, first);
	memcpy(ring->buf, (const unsigned char *)data + first, len - first);
	atomic_store_explicit(&ring->head, head + len, memory_order_release);
	return len;
}

size_t ring_read(struct ring *ring, void *data, size_t len)
{
	size_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
	if (len > head - tail)
		len = head - tail;
	size_t at = tail & (ring->capacity - 1);
	size_t first = ring->capacity - at < len ? ring->capacity - at : len;
	if (len == 0)
		return 0;
	memcpy(data, ring->buf + at, first);
	memcpy((unsigned char *)data + first, ring->buf, len - first);
	atomic_store_explicit(&ring->tail, tail + len, memory_order_release);
	return len;
}

size_t ring_readable(struct ring *ring)
{
	return atomic_load_explicit(&ring->head, memory_order_acquire) -
	       atomic_load_explicit(&ring->tail, memory_order_relaxed);
}

void ring_discard(struct ring *ring)
{
	size_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
	atomic_store_explicit(&ring->tail, head, memory_order_release);
}

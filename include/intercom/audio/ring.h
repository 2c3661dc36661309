/*
 * Single-producer single-consumer byte ring with C11 atomics: how the audio
 * callback thread hands samples to the main thread without locks or
 * allocation. The producer only writes `head`, the consumer only `tail`.
 */
#ifndef INTERCOM_RING_H
#define INTERCOM_RING_H

#include <stdatomic.h>
#include <stddef.h>

struct ring {
	unsigned char *buf;
	size_t capacity;         /* a power of two */
	_Atomic size_t head;     /* total bytes written; producer-owned */
	_Atomic size_t tail;     /* total bytes read; consumer-owned */
};

/* Allocates at least min_capacity bytes (rounded up to a power of two). 0 or -1. */
int ring_init(struct ring *ring, size_t min_capacity);
void ring_free(struct ring *ring);

/* Producer side: copies up to len bytes; returns how many fit. Never blocks. */
size_t ring_write(struct ring *ring, const void *data, size_t len);
/* Consumer side: copies up to len bytes out; returns how many there were. */
size_t ring_read(struct ring *ring, void *data, size_t len);
size_t ring_readable(struct ring *ring);
/* Consumer side: drops everything readable now. */
void ring_discard(struct ring *ring);

#endif

/*
 * Reference-counted byte buffers: a page's frame is built once and every
 * speaker's queue holds a reference, never a copy. Single-threaded (the main
 * loop owns all references).
 */
#ifndef INTERCOM_SBUF_H
#define INTERCOM_SBUF_H

#include <stddef.h>
#include <stdint.h>

struct sbuf {
	unsigned refs;
	size_t len;
	uint8_t data[];
};

/* A buffer of len bytes with one reference, or NULL. */
struct sbuf *sbuf_new(size_t len);
struct sbuf *sbuf_copy(const void *data, size_t len);
struct sbuf *sbuf_ref(struct sbuf *buf);
void sbuf_unref(struct sbuf *buf);

#endif

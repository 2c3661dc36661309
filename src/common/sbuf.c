/* Shared buffers: one page, many readers. */
#include "intercom/common/sbuf.h"

#include <stdlib.h>
#include <string.h>

struct sbuf *sbuf_new(size_t len)
{
	struct sbuf *buf = malloc(sizeof *buf + len);
	if (!buf)
		return NULL;
	buf->refs = 1;
	buf->len = len;
	return buf;
}

struct sbuf *sbuf_copy(const void *data, size_t len)
{
	struct sbuf *buf = sbuf_new(len);
	if (buf)
		memcpy(buf->data, data, len);
	return buf;
}

struct sbuf *sbuf_ref(struct sbuf *buf)
{
	buf->refs++;
	return buf;
}

void sbuf_unref(struct sbuf *buf)
{
	if (buf && --buf->refs == 0)
		free(buf);
}

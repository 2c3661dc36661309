/* poll() over a sparse set: packs the live slots, polls them, puts revents back. */
#include "intercom/common/pollset.h"

#include <errno.h>
#include <stdlib.h>

static int pollset_reserve(struct pollset *ps, size_t n)
{
	if (n <= ps->cap)
		return 0;
	size_t cap = ps->cap ? ps->cap : 8;
	while (cap < n)
		cap *= 2;
	struct pollfd *packed = realloc(ps->packed, cap * sizeof *packed);
	if (!packed)
		return -1;
	ps->packed = packed;
	size_t *slot_of = realloc(ps->slot_of, cap * sizeof *slot_of);
	if (!slot_of)
		return -1;
	ps->slot_of = slot_of;
	ps->cap = cap;
	return 0;
}

int pollset_wait(struct pollset *ps, struct pollfd *fds, size_t n, int timeout_ms)
{
	if (pollset_reserve(ps, n) < 0) {
		errno = ENOMEM;
		return -1;
	}
	size_t live = 0;
	for (size_t i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		ps->packed[live] = fds[i];
		ps->slot_of[live++] = i;
	}
	int ready = poll(ps->packed, (nfds_t)live, timeout_ms);
	if (ready > 0) {
		for (size_t k = 0; k < live; k++)
			fds[ps->slot_of[k]].revents = ps->packed[k].revents;
	}
	return ready;
}

void pollset_free(struct pollset *ps)
{
	free(ps->packed);
	free(ps->slot_of);
	*ps = (struct pollset){ 0 };
}

/*
 * poll() over a sparse set of slots. Callers give things that may be absent
 * (no terminal, accepts paused, no legacy port) fixed slots with fd < 0; the
 * kernel counts those against nfds all the same and refuses a call whose nfds
 * exceeds RLIMIT_NOFILE with EINVAL, which is exactly where a console running
 * out of descriptors stands. So only live slots reach the kernel, and their
 * revents are put back in the caller's slots.
 */
#ifndef INTERCOM_POLLSET_H
#define INTERCOM_POLLSET_H

#include <poll.h>
#include <stddef.h>

struct pollset {
	struct pollfd *packed;
	size_t *slot_of;        /* packed index -> caller's slot */
	size_t cap;
};

/* Polls fds[0..n) as poll() would: every revents is set (0 for slots with
 * fd < 0). Returns what poll() returns; -1 with errno ENOMEM when the set
 * cannot grow. */
int pollset_wait(struct pollset *ps, struct pollfd *fds, size_t n, int timeout_ms);

void pollset_free(struct pollset *ps);

#endif

/*
 * Which connection gives up its place when the console already holds
 * MAX_PENDING_HELLO connections that have not said HELLO yet and one more
 * arrives. Closing the newest would let one peer that keeps its silent
 * connections open lock every real speaker out; a real speaker says HELLO
 * within milliseconds of connecting, so the place goes to the newcomer and
 * the one closed is the oldest of the address holding the most places: a
 * speaker at another address than the flood's is never the one closed (unless
 * every address holds a single place), and one sharing it (NAT, loopback)
 * still outlives 63 newer connections.
 */
#ifndef INTERCOM_ADMISSION_H
#define INTERCOM_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>

/* The host part of "host:port" or "[v6]:port" into out, cut to fit: whom a flood is counted against. */
void admission_host(const char *addr, char *out, size_t outlen);

/* Whether two "host:port" (or "[v6]:port") addresses are from the same host. */
bool admission_same_host(const char *a, const char *b);

/*
 * waiting: the addresses of the connections waiting for HELLO, oldest first
 * (count >= 1); arriving: the newcomer's, counted for its host. Returns the
 * index in waiting of the one to close.
 */
size_t admission_victim(const char *const *waiting, size_t count, const char *arriving);

#endif

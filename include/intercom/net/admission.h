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
 *
 * And which speakers join once their key is known (admission_decide).
 */
#ifndef INTERCOM_ADMISSION_H
#define INTERCOM_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>

#include "intercom/common/defaults.h"

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

/* What becomes of a speaker that finished the handshake and said HELLO. */
enum admission {
	ADMISSION_JOIN,    /* listed, sent pages */
	ADMISSION_WAIT,    /* the lobby: the operator approves or refuses it */
	ADMISSION_REFUSE,  /* the operator refused its key: told so, closed */
};

/*
 * The console's rule for a speaker's key: refused keys stay refused, approved
 * ones join, and a new one joins under --admit all, or --admit key when it
 * proved the pre-shared key; else it waits for the operator.
 */
enum admission admission_decide(enum admit_policy policy, bool approved, bool refused,
                                bool proved_psk);

#endif

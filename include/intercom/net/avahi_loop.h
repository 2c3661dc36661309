/*
 * Avahi's client library driven from our one poll() loop: an AvahiPoll (its
 * watches on file descriptors and its timeouts) whose fds go into the
 * program's poll set and whose callbacks run when the loop says so, so
 * mDNS adds no thread. Owns the watches and timeouts Avahi makes through
 * it; a callback may free or make others at any time (freed ones are
 * released after the pass, as avahi's own simple-watch does).
 */
#ifndef INTERCOM_AVAHI_LOOP_H
#define INTERCOM_AVAHI_LOOP_H

#include <poll.h>

#include <avahi-common/watch.h>

/*
 * Slots an avahi_loop takes in a poll set. avahi-client watches one fd (its
 * D-Bus connection); a watch beyond these is refused (watch_new gives NULL,
 * which avahi-client reports as a failure, never silence).
 */
#define AVAHI_LOOP_POLLFDS 2

struct avahi_loop;

/* NULL if out of memory. */
struct avahi_loop *avahi_loop_new(void);
/* The AvahiPoll to give avahi_client_new; valid until avahi_loop_free. */
const AvahiPoll *avahi_loop_api(struct avahi_loop *loop);
/* Fills fds[0..AVAHI_LOOP_POLLFDS) and lowers *timeout_ms to the next timeout's. */
void avahi_loop_prepare(struct avahi_loop *loop, struct pollfd *fds, int *timeout_ms);
/* Runs the timeouts that are due, then the watches poll() reported in fds (as prepared). */
void avahi_loop_dispatch(struct avahi_loop *loop, const struct pollfd *fds);
/* Frees what is left (free the Avahi client first: it frees its own watches through the loop). */
void avahi_loop_free(struct avahi_loop *loop);

#endif

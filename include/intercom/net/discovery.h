/*
 * mDNS/DNS-SD through the Avahi daemon (libavahi-client over D-Bus), driven
 * from the program's one poll() loop (avahi_loop.h): the console advertises
 * its port as _intercom._tcp (an advert), a speaker given no address browses
 * for consoles and resolves them (a browser; the choice is dnssd.h's, pure).
 * Both outlive the daemon: it may start late, stop or restart, and a name
 * taken by another service is given up for Avahi's alternative ("name #2").
 * Everything said goes to the log.
 */
#ifndef INTERCOM_DISCOVERY_H
#define INTERCOM_DISCOVERY_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/net/avahi_loop.h"
#include "intercom/net/dnssd.h"

/* Slots an advert or a browser takes in a poll set. */
#define DISCOVERY_POLLFDS AVAHI_LOOP_POLLFDS
/*
 * With no D-Bus to reach at all, the client is made again this often (a
 * system bus that starts after us); once D-Bus is there, Avahi itself waits
 * for its daemon (AVAHI_CLIENT_NO_FAIL) and no timer runs.
 */
#define DISCOVERY_RETRY_MS 10000

struct discovery_advert;
struct discovery_browser;

/*
 * Advertises name (at most DNSSD_NAME_MAX bytes; longer is cut on a
 * character) on port with txt, on every interface, as soon as avahi-daemon
 * is there; without it, one note in the log and the console serves as
 * before. NULL only if out of memory.
 */
struct discovery_advert *discovery_advert_new(const char *name, int port, const struct dnssd_txt *txt);
/* Fills fds[0..DISCOVERY_POLLFDS) and lowers *timeout_ms (-1: none) to its next timer. */
void discovery_advert_prepare(struct discovery_advert *a, struct pollfd *fds, int *timeout_ms);
/* Runs what poll() reported in those slots, and its timers. */
void discovery_advert_handle(struct discovery_advert *a, const struct pollfd *fds);
/* Withdraws the service (the daemon sends the goodbye) and frees all. NULL is fine. */
void discovery_advert_free(struct discovery_advert *a);

/*
 * Browses for consoles, to connect to the one named want (--console-name)
 * or the only one. NULL with err (a line naming the cause) when there is no
 * avahi-daemon to ask, or no memory.
 */
struct discovery_browser *discovery_browser_new(const char *want, char *err, size_t errlen);
void discovery_browser_prepare(struct discovery_browser *b, struct pollfd *fds, int *timeout_ms);
void discovery_browser_handle(struct discovery_browser *b, const struct pollfd *fds);
/* What the finder says now (dnssd_finder_pick). */
enum dnssd_pick discovery_browser_pick(struct discovery_browser *b, struct dnssd_target *target, char *names,
                                       size_t nameslen);
void discovery_browser_free(struct discovery_browser *b);

#endif

/*
 * Name lookups off the event loop. getaddrinfo() blocks for as long as DNS
 * takes (seconds per unanswering name server), so each lookup is a job
 * (job.h): a slow or dead name server delays only the connection, never the
 * screen, the keys, the heartbeats or a signal, and a lookup may be abandoned
 * at any time.
 */
#ifndef INTERCOM_RESOLVER_H
#define INTERCOM_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>

struct addrinfo;
struct resolver;

/* Starts resolving host:port for connecting. NULL with err set if no thread could start. */
struct resolver *resolver_start(const char *host, int port, char *err, size_t errlen);

/* Readable once the lookup is over. */
int resolver_fd(const struct resolver *r);

/* False until the lookup is over (the fd need not have been polled). */
bool resolver_done(const struct resolver *r);

/*
 * Once done: 0 with *res (freed with freeaddrinfo), or -1 with err naming the
 * cause. Either way the lookup is released.
 */
int resolver_finish(struct resolver *r, struct addrinfo **res, char *err, size_t errlen);

/* Lets go of a lookup whose answer is no longer wanted (NULL is fine). */
void resolver_abandon(struct resolver *r);

#endif

/*
 * TCP plumbing at the edge: listening (IPv4, IPv6, dual-stack), resolving,
 * non-blocking connect and accept, printable addresses. Errors come back as
 * one-line messages that name the cause and the fix.
 */
#ifndef INTERCOM_NET_H
#define INTERCOM_NET_H

#include <stddef.h>
#include <sys/socket.h>

/* Listens on host:port (host "::" is dual-stack). Returns a non-blocking fd or -1. */
int net_listen(const char *host, int port, char *err, size_t errlen);

/* Accepts one connection as a non-blocking fd with TCP_NODELAY; -1 with errno. */
int net_accept(int listen_fd, char *addr, size_t addrlen);

/*
 * TCP keepalive: after idle_s silent seconds, a probe every interval_s; count
 * unanswered probes end the connection. For links with no heartbeat of their own.
 */
void net_keepalive(int fd, int idle_s, int interval_s, int count);

/*
 * The next close() resets the connection (RST) instead of ending it (FIN), so
 * a peer that reads to EOF sees an error, not the end of something cut short.
 */
void net_reset_on_close(int fd);

/* Resolves host:port for connecting; *res is freed with freeaddrinfo. 0 or -1. */
struct addrinfo;
int net_resolve(const char *host, int port, struct addrinfo **res, char *err, size_t errlen);

/* Starts a non-blocking connect to one address; the fd turns writable when done. */
int net_connect_start(const struct addrinfo *ai);
/* After the fd turned writable: 0 if connected, else the errno of the failure. */
int net_connect_result(int fd);

/* "127.0.0.1:2348" or "[::1]:2348". */
void net_format_addr(const struct sockaddr *sa, char *out, size_t outlen);
void net_local_addr(int fd, char *out, size_t outlen);

#endif

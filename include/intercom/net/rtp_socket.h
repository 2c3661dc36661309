/*
 * The UDP sockets of RTP paging: a sender's to a multicast group (TTL,
 * interface, looped back so a receiver on the same host hears it too) or
 * a unicast host, and a receiver's joined to a group (IP_ADD_MEMBERSHIP)
 * or bound to a unicast address. IPv4, non-blocking, close-on-exec.
 */
#ifndef INTERCOM_RTP_SOCKET_H
#define INTERCOM_RTP_SOCKET_H

#include <stddef.h>

#include "intercom/net/rtp.h"

/* A socket connected to spec's group and port; -1 with a one-line reason naming the fix. */
int rtp_socket_sender(const struct rtp_spec *spec, char *err, size_t errlen);
/* A socket receiving what is sent to spec's group (or unicast address) and port; -1 with a reason. */
int rtp_socket_listen(const struct rtp_spec *spec, char *err, size_t errlen);

#endif

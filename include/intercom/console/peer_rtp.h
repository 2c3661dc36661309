/*
 * An RTP target of the console (--rtp): a multicast group (or a unicast
 * host) of paging hardware, listed among the speakers as a peer of its own
 * kind (peer.h, peer_rtp.c) under its name and zone, and paged like any
 * speaker: pages once archived, live talk as it is spoken, sent as RTP at
 * real-time pace. Unauthenticated and unencrypted, as RTP paging is
 * everywhere: every listener on the network hears it.
 */
#ifndef INTERCOM_PEER_RTP_H
#define INTERCOM_PEER_RTP_H

#include <stddef.h>

#include "intercom/console/station.h"
#include "intercom/net/rtp.h"

/* Adds the target to the station's speakers: 0, or -1 with a one-line reason (its socket). */
int station_add_rtp(struct station *st, const struct rtp_spec *spec, char *err, size_t errlen);

#endif

/*
 * A speaker's RTP input (--rtp-listen): the socket joined to a group (or
 * bound to a unicast address), every datagram waiting read and passed
 * through the depacketizer (rtp_depack.h), each packet taken handed to the
 * owner with its sender's address, and what was refused summed up in the
 * log at most every RTP_IN_REPORT_MS. Unauthenticated: anyone who can send
 * to the group is heard, which the owner says wherever it plays.
 */
#ifndef INTERCOM_RTP_IN_H
#define INTERCOM_RTP_IN_H

#include <stddef.h>
#include <stdint.h>

#include "intercom/audio/rtp_depack.h"
#include "intercom/net/rtp.h"

/* Refusals are said in one line per this long at most (a flood costs a line, not a screen). */
#define RTP_IN_REPORT_MS 5000
/* Datagrams read per wake-up at most: a flood cannot hold the loop (the rest wait for the next pass). */
#define RTP_IN_BURST 64

struct rtp_in;

/* A packet taken: from (the sender's address, "10.0.0.5"), its frames. */
typedef void (*rtp_in_packet_fn)(void *ctx, const char *from, const struct rtp_depack_out *out);

/* Joins spec's group; NULL with a one-line reason naming the fix. */
struct rtp_in *rtp_in_new(const struct rtp_spec *spec, char *err, size_t errlen);
void rtp_in_free(struct rtp_in *in);
int rtp_in_fd(const struct rtp_in *in);
int rtp_in_rate(const struct rtp_in *in);
size_t rtp_in_frame_samples(const struct rtp_in *in);
/* Reads what waits (up to RTP_IN_BURST datagrams), calling fn for each packet taken. */
void rtp_in_read(struct rtp_in *in, uint64_t now_ms, rtp_in_packet_fn fn, void *ctx);
/* Says refusals still unsaid once their time comes; ms until it wants to look again, or -1. */
int rtp_in_tick(struct rtp_in *in, uint64_t now_ms);
/* "224.0.2.60:50000 pcmu" */
const char *rtp_in_name(const struct rtp_in *in);

#endif

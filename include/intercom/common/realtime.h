/*
 * Real-time scheduling for the thread that paces RTP packets: a packet late
 * by a few ms on a busy machine is a click on every paging endpoint, and
 * only SCHED_FIFO keeps 20 ms slots within 1 ms under load (docs/BENCHMARKS.md).
 * Allowed by RLIMIT_RTPRIO (the unit's LimitRTPRIO=) or CAP_SYS_NICE; asked
 * for, never required. Threads started for slow work (job.c) stay normal.
 */
#ifndef INTERCOM_REALTIME_H
#define INTERCOM_REALTIME_H

#include <stddef.h>

/* The priority asked for: low among real-time threads (audio servers use more). */
#define REALTIME_PRIORITY 10

/* The calling thread at SCHED_FIFO priority: 0, or -1 with why (not allowed, and how to allow it). */
int realtime_raise_self(int priority, char *why, size_t whylen);
/* The calling thread back at SCHED_OTHER. */
void realtime_lower_self(void);

#endif

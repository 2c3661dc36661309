/*
 * Timing trace for the benchmarks (docs/BENCHMARKS.md, bench/). With
 * INTERCOM_TRACE=1 in the environment, trace_event prints one line
 * "trace EVENT MONOTONIC_US PAGE_ID" on stderr at each point of a page's path,
 * so two programs on one machine can be lined up on CLOCK_MONOTONIC.
 * Off by default; off, each call costs one test of a flag.
 */
#ifndef INTERCOM_TRACE_H
#define INTERCOM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

/* Reads INTERCOM_TRACE once; call at the start of main, before any thread starts. */
void trace_init(void);
bool trace_enabled(void);

/* CLOCK_MONOTONIC in microseconds (a vDSO read: safe in an audio callback). */
uint64_t trace_now_us(void);

/* Prints the event now, or at a time taken earlier (e.g. by an audio callback). */
void trace_event(const char *event, uint32_t page_id);
void trace_event_at(const char *event, uint64_t us, uint32_t page_id);

#endif

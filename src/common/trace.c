/* Benchmark timing trace, off unless INTERCOM_TRACE=1. */
#include "intercom/common/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Written once by trace_init before any other thread exists, then only read. */
static bool trace_on;

void trace_init(void)
{
	const char *v = getenv("INTERCOM_TRACE");
	trace_on = v && *v && strcmp(v, "0") != 0;
}

bool trace_enabled(void)
{
	return trace_on;
}

uint64_t trace_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void trace_event_at(const char *event, uint64_t us, uint32_t page_id)
{
	if (trace_on)
		fprintf(stderr, "trace %s %llu %u\n", event, (unsigned long long)us, page_id);
}

void trace_event(const char *event, uint32_t page_id)
{
	if (trace_on)
		trace_event_at(event, trace_now_us(), page_id);
}

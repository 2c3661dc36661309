/* Event log with a replaceable sink. The only global state: who receives the lines. */
#include "intercom/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static log_sink_fn log_sink;
static void *log_sink_ctx;

void log_set_sink(log_sink_fn sink, void *ctx)
{
	log_sink = sink;
	log_sink_ctx = ctx;
}

void log_event(const char *fmt, ...)
{
	char line[512];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	int n = snprintf(line, sizeof line, "%02d:%02d:%02d.%03d ", tm.tm_hour, tm.tm_min,
	                 tm.tm_sec, (int)(tv.tv_usec / 1000));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (log_sink) {
		log_sink(line, log_sink_ctx);
	} else {
		fputs(line, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
}

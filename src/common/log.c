/* Event log with a replaceable sink (and a tap). The only global state: who receives the lines. */
#include "intercom/common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static log_sink_fn log_sink;
static void *log_sink_ctx;
static log_sink_fn log_tap;
static void *log_tap_ctx;

void log_set_tap(log_sink_fn tap, void *ctx)
{
	log_tap = tap;
	log_tap_ctx = ctx;
}

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
	if (log_tap)
		log_tap(line, log_tap_ctx);
	if (log_sink) {
		log_sink(line, log_sink_ctx);
	} else {
		fputs(line, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
}

size_t log_stamp_len(const char *line)
{
	return strlen(line) > LOG_STAMP_LEN && line[2] == ':' && line[12] == ' ' ? LOG_STAMP_LEN : 0;
}

int log_history_init(struct log_history *history, size_t cap)
{
	*history = (struct log_history){ .lines = calloc(cap, sizeof *history->lines), .cap = cap };
	return history->lines ? 0 : -1;
}

void log_history_free(struct log_history *history)
{
	free(history->lines);
	history->lines = NULL;
}

void log_history_add(struct log_history *history, const char *line)
{
	size_t slot = (history->head + history->count) % history->cap;
	if (history->count == history->cap)
		history->head = (history->head + 1) % history->cap;
	else
		history->count++;
	snprintf(history->lines[slot], LOG_LINE_MAX, "%s", line);
	history->gen++;
}

const char *log_history_recent(const struct log_history *history, size_t n, size_t i)
{
	return history->lines[(history->head + history->count - n + i) % history->cap];
}

void log_say(log_sink_fn say, void *ctx, const char *fmt, ...)
{
	if (!say)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	say(line, ctx);
}

/* Event log with a replaceable sink (and a tap). The only global state: who receives the lines. */
#include "intercom/common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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

bool log_journal_stream_is(const char *journal_stream, unsigned long long dev,
                           unsigned long long ino)
{
	if (journal_stream == NULL || journal_stream[0] < '0' || journal_stream[0] > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long want_dev = strtoull(journal_stream, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	unsigned long long want_ino = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	return want_dev == dev && want_ino == ino;
}

bool log_fd_is_journal(int fd)
{
	struct stat st;
	const char *env = getenv("JOURNAL_STREAM");
	if (env == NULL || fstat(fd, &st) < 0)
		return false;
	return log_journal_stream_is(env, (unsigned long long)st.st_dev,
	                             (unsigned long long)st.st_ino);
}

const char *log_priority_prefix(char out[4], bool journal, enum log_priority priority)
{
	if (journal && priority >= 0 && priority <= 7)
		snprintf(out, 4, "<%d>", (int)priority);
	else
		out[0] = '\0';
	return out;
}

enum log_priority log_priority_of(enum log_priority priority, const char *message)
{
	if (priority != LOG_PRIORITY_INFO)
		return priority;
	if (strncmp(message, "warning: ", 9) == 0)
		return LOG_PRIORITY_WARNING;
	if (strncmp(message, "note: ", 6) == 0)
		return LOG_PRIORITY_NOTICE;
	return priority;
}

/* Whether stdout goes to journald: looked at on the first line (-1 until then). */
static int stdout_journal = -1;

static void log_vevent(enum log_priority priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Formats, stamps and writes one line (see log_event). */
static void log_vevent(enum log_priority priority, const char *fmt, va_list ap)
{
	char line[512];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	int n = snprintf(line, sizeof line, "%02d:%02d:%02d.%03d ", tm.tm_hour, tm.tm_min,
	                 tm.tm_sec, (int)(tv.tv_usec / 1000));
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (log_tap)
		log_tap(line, log_tap_ctx);
	if (log_sink) {
		log_sink(line, log_sink_ctx);
		return;
	}
	if (stdout_journal < 0)
		stdout_journal = log_fd_is_journal(STDOUT_FILENO);
	char prefix[4];
	fputs(log_priority_prefix(prefix, stdout_journal, log_priority_of(priority, line + n)), stdout);
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

void log_event(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vevent(LOG_PRIORITY_INFO, fmt, ap);
	va_end(ap);
}

void log_event_at(enum log_priority priority, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vevent(priority, fmt, ap);
	va_end(ap);
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

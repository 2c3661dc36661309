/*
 * Event log: one timestamped line per event. Headless programs print to
 * stdout (journald-friendly); a curses screen installs a sink and shows the
 * lines in its log pane, since nothing may write to the terminal under curses.
 */
#ifndef INTERCOM_LOG_H
#define INTERCOM_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*log_sink_fn)(const char *line, void *ctx);

/* NULL restores the default: a line on stdout. */
void log_set_sink(log_sink_fn sink, void *ctx);
/*
 * Also hands every line to tap, before the sink (NULL: none): what a command
 * logs while it runs, collected as the answer for whoever sent it (the
 * console's control socket), while the log still gets every line.
 */
void log_set_tap(log_sink_fn tap, void *ctx);

/*
 * Formats a line and hands it to say, if there is one: how the pure state
 * machines word their changes without knowing where the words go.
 */
void log_say(log_sink_fn say, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Formats "HH:MM:SS.mmm message" and hands it to the sink (at LOG_PRIORITY_INFO). */
#define LOG_STAMP_LEN 13
/* The length of the "HH:MM:SS.mmm " a line of log_event starts with (0 if it has none). */
size_t log_stamp_len(const char *line);

void log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Priorities of sd-daemon(3) (syslog's numbers): under journald (stdout is
 * the stream JOURNAL_STREAM names) each line on stdout starts with "<N>", so
 * that journalctl -p filters and colours them; elsewhere nothing changes.
 */
enum log_priority {
	LOG_PRIORITY_ERR = 3,     /* the program cannot go on */
	LOG_PRIORITY_WARNING = 4, /* something failed and was survived */
	LOG_PRIORITY_NOTICE = 5,
	LOG_PRIORITY_INFO = 6,    /* an event */
};

/* log_event at a priority. */
void log_event_at(enum log_priority priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Whether JOURNAL_STREAM's value ("DEVICE:INODE", in decimal) names the file
 * with this device and inode: systemd sets it for a service's stdout and
 * stderr, and a child whose output goes elsewhere inherits it. Pure.
 */
bool log_journal_stream_is(const char *journal_stream, unsigned long long dev,
                           unsigned long long ino);

/* Whether fd is the journal's stream (JOURNAL_STREAM and fstat); asked once per fd by callers. */
bool log_fd_is_journal(int fd);

/* "<N>" for a line at priority to journald, "" otherwise: out holds 4 bytes. Pure. */
const char *log_priority_prefix(char out[4], bool journal, enum log_priority priority);
/*
 * The priority a line logged at LOG_PRIORITY_INFO really has when its text
 * says so: "warning: ..." is a warning, "note: ..." a notice (the words the
 * operator reads are also what the journal files it under).
 */
enum log_priority log_priority_of(enum log_priority priority, const char *message);

/* The latest lines, kept for a screen's log pane: a ring, the oldest dropped first. */
#define LOG_LINE_MAX 512
struct log_history {
	char (*lines)[LOG_LINE_MAX];
	size_t cap, head, count;
	uint64_t gen;            /* bumped by every line: a pane redraws when it changed */
};

int log_history_init(struct log_history *history, size_t cap);
void log_history_free(struct log_history *history);
void log_history_add(struct log_history *history, const char *line);
/* Of the last n lines kept (n <= count), the i-th (0 = the oldest of them). */
const char *log_history_recent(const struct log_history *history, size_t n, size_t i);

#endif

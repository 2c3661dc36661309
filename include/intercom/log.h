/*
 * Event log: one timestamped line per event. Headless programs print to
 * stdout (journald-friendly); a curses screen installs a sink and shows the
 * lines in its log pane, since nothing may write to the terminal under curses.
 */
#ifndef INTERCOM_LOG_H
#define INTERCOM_LOG_H

typedef void (*log_sink_fn)(const char *line, void *ctx);

/* NULL restores the default: a line on stdout. */
void log_set_sink(log_sink_fn sink, void *ctx);

/* Formats "HH:MM:SS.mmm message" and hands it to the sink. */
void log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

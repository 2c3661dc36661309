/*
 * Signals turned into events: SIGINT, SIGTERM, SIGHUP and SIGQUIT (no core
 * dump) make a pipe readable so the poll() loop shuts down cleanly; SIGPIPE is
 * ignored so a vanished peer is an error return, never a dead process.
 */
#ifndef INTERCOM_SIGNALS_H
#define INTERCOM_SIGNALS_H

#include <stddef.h>

/*
 * Creates the pipe (non-blocking, close-on-exec) and installs the handlers;
 * returns the fd to poll for readability. On failure returns -1 with a
 * one-line reason in err, having closed the pipe and put back every
 * disposition it changed. Called again after success, returns the same fd.
 */
int signals_open(char *err, size_t errlen);

/* The last signal caught (0 if none); drains the pipe. */
int signals_take(void);

#endif

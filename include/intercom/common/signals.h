/*
 * Signals turned into events: SIGINT, SIGTERM and SIGHUP make a pipe readable so the
 * poll() loop shuts down cleanly; SIGPIPE is ignored so a vanished peer is an
 * error return, never a dead process.
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

/*
 * signals_open for callers without an error buffer: the fd, or -1 after
 * printing the reason on stderr ("intercom: cannot create the signal pipe:
 * ..."). For start-up, before any screen; a caller must treat -1 as fatal.
 */
int signals_install(void);

/* The last signal caught (0 if none); drains the pipe. */
int signals_take(void);

#endif

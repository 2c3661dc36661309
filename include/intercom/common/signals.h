/*
 * Signals turned into events: SIGINT, SIGTERM and SIGHUP make a pipe readable so the
 * poll() loop shuts down cleanly; SIGPIPE is ignored so a vanished peer is an
 * error return, never a dead process.
 */
#ifndef INTERCOM_SIGNALS_H
#define INTERCOM_SIGNALS_H

/* Installs the handlers; returns the fd to poll for readability, or -1. */
int signals_install(void);
/* The last signal caught (0 if none); drains the pipe. */
int signals_take(void);

#endif

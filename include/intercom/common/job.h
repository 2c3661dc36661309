/*
 * One blocking call run off the event loop: a detached thread runs it and
 * reports through a pipe the loop polls. For work that can take seconds and
 * must not stop heartbeats, keys or signals (a name lookup, decoding and
 * resampling a long audio file). The thread and the owner share the job;
 * whichever lets go last frees it, so an owner may abandon a job at any time.
 * The work function must not touch anything but its argument (no logging:
 * the log belongs to the main thread).
 */
#ifndef INTERCOM_JOB_H
#define INTERCOM_JOB_H

#include <stdbool.h>
#include <stddef.h>

struct job;

/* Runs work(arg) in a new thread. drop(arg) frees arg if nobody takes it. NULL (err set) if no thread. */
struct job *job_start(void (*work)(void *arg), void *arg, void (*drop)(void *arg), char *err,
                      size_t errlen);

/* Readable once the work is over. */
int job_fd(const struct job *job);
/* True once the work is over (the fd need not have been polled). */
bool job_done(const struct job *job);

/* Once done: hands arg back to the caller (who now frees it) and releases the job. */
void *job_finish(struct job *job);

/* Lets go of a job whose result is no longer wanted (NULL is fine); arg is dropped. */
void job_abandon(struct job *job);

#endif

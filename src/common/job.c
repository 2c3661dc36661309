/* Jobs: the thread, the pipe that says it is done, and the shared ownership of one blocking call. */
#include "intercom/common/job.h"

#include "intercom/common/fdutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct job {
	atomic_int refs;          /* the thread's and the owner's */
	atomic_bool done;         /* the work's writes to arg happen before this, reads after */
	int pipe_rd, pipe_wr;
	void (*work)(void *arg);
	void (*drop)(void *arg);
	void *arg;                /* NULL once the owner took it */
};

static void job_unref(struct job *job)
{
	if (atomic_fetch_sub_explicit(&job->refs, 1, memory_order_acq_rel) != 1)
		return;
	close(job->pipe_rd);
	close(job->pipe_wr);
	if (job->arg && job->drop)
		job->drop(job->arg);
	free(job);
}

static void *job_thread(void *p)
{
	struct job *job = p;
	job->work(job->arg);
	atomic_store_explicit(&job->done, true, memory_order_release);
	ssize_t n;
	do
		n = write(job->pipe_wr, "", 1);
	while (n < 0 && errno == EINTR);
	job_unref(job);
	return NULL;
}

struct job *job_start(void (*work)(void *arg), void *arg, void (*drop)(void *arg), char *err,
                      size_t errlen)
{
	struct job *job = calloc(1, sizeof *job);
	int fds[2];
	if (!job || fd_pipe(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "%s", strerror(job ? errno : ENOMEM));
		free(job);
		return NULL;
	}
	job->pipe_rd = fds[0];
	job->pipe_wr = fds[1];
	job->work = work;
	job->drop = drop;
	job->arg = arg;
	atomic_init(&job->refs, 2);
	atomic_init(&job->done, false);

	/* Signals stay with the main thread: the new one starts with all blocked. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Slow work (files, fsync) never runs at a real-time thread's priority (realtime.h). */
	struct sched_param normal = { .sched_priority = 0 };
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &normal);
	pthread_t tid;
	int rc = pthread_create(&tid, &attr, job_thread, job);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "no thread for it: %s", strerror(rc));
		close(job->pipe_rd);
		close(job->pipe_wr);
		free(job);
		return NULL;
	}
	return job;
}

int job_fd(const struct job *job)
{
	return job->pipe_rd;
}

bool job_done(const struct job *job)
{
	return atomic_load_explicit(&job->done, memory_order_acquire);
}

void *job_finish(struct job *job)
{
	if (!job_done(job))
		return NULL;
	void *arg = job->arg;
	job->arg = NULL;
	job_unref(job);
	return arg;
}

void job_abandon(struct job *job)
{
	if (job)
		job_unref(job);
}

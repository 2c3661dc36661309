/* pipe2 */
#define _GNU_SOURCE
#include "intercom/resolver.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/net.h"

struct resolver {
	atomic_int refs;          /* the thread's and the owner's */
	atomic_bool done;         /* res/err are written before this, read after */
	int pipe_rd, pipe_wr;
	int port;
	char host[256];
	struct addrinfo *res;
	char err[320];
};

static void resolver_unref(struct resolver *r)
{
	if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
		return;
	close(r->pipe_rd);
	close(r->pipe_wr);
	if (r->res)
		freeaddrinfo(r->res);
	free(r);
}

static void *resolver_thread(void *arg)
{
	struct resolver *r = arg;
	if (net_resolve(r->host, r->port, &r->res, r->err, sizeof r->err) < 0)
		r->res = NULL;
	atomic_store_explicit(&r->done, true, memory_order_release);
	ssize_t n;
	do
		n = write(r->pipe_wr, "", 1);
	while (n < 0 && errno == EINTR);
	resolver_unref(r);
	return NULL;
}

struct resolver *resolver_start(const char *host, int port, char *err, size_t errlen)
{
	if (strlen(host) >= sizeof ((struct resolver *)0)->host) {
		snprintf(err, errlen, "cannot resolve %.40s...: the name is too long", host);
		return NULL;
	}
	struct resolver *r = calloc(1, sizeof *r);
	int fds[2];
	if (!r || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, strerror(r ? errno : ENOMEM));
		free(r);
		return NULL;
	}
	r->pipe_rd = fds[0];
	r->pipe_wr = fds[1];
	r->port = port;
	snprintf(r->host, sizeof r->host, "%s", host);
	atomic_init(&r->refs, 2);
	atomic_init(&r->done, false);

	/* Signals stay with the main thread: the new one starts with all blocked. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t tid;
	int rc = pthread_create(&tid, &attr, resolver_thread, r);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: no thread for the lookup: %s", host, strerror(rc));
		close(r->pipe_rd);
		close(r->pipe_wr);
		free(r);
		return NULL;
	}
	return r;
}

int resolver_fd(const struct resolver *r)
{
	return r->pipe_rd;
}

bool resolver_done(const struct resolver *r)
{
	return atomic_load_explicit(&r->done, memory_order_acquire);
}

int resolver_finish(struct resolver *r, struct addrinfo **res, char *err, size_t errlen)
{
	*res = NULL;
	if (!resolver_done(r)) {
		snprintf(err, errlen, "cannot resolve %s: the lookup was not over", r->host);
		resolver_unref(r);
		return -1;
	}
	int rc = 0;
	if (r->res) {
		*res = r->res;
		r->res = NULL;
	} else {
		snprintf(err, errlen, "%s", r->err);
		rc = -1;
	}
	resolver_unref(r);
	return rc;
}

void resolver_abandon(struct resolver *r)
{
	if (r)
		resolver_unref(r);
}

/* The speaker's name lookups, run as jobs (job.h) so that DNS never blocks its loop. */
#include "intercom/net/resolver.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/job.h"
#include "intercom/net/net.h"

struct resolver {
	struct job *job;
};

struct lookup {
	int port;
	char host[256];
	struct addrinfo *res;
	char err[320];
};

static void lookup_run(void *arg)
{
	struct lookup *l = arg;
	if (net_resolve(l->host, l->port, &l->res, l->err, sizeof l->err) < 0)
		l->res = NULL;
}

static void lookup_free(void *arg)
{
	struct lookup *l = arg;
	if (l->res)
		freeaddrinfo(l->res);
	free(l);
}

struct resolver *resolver_start(const char *host, int port, char *err, size_t errlen)
{
	struct resolver *r = malloc(sizeof *r);
	struct lookup *l = calloc(1, sizeof *l);
	char why[160] = "out of memory";
	if (r && l && strlen(host) >= sizeof l->host)
		snprintf(why, sizeof why, "the name is too long");
	else if (r && l) {
		snprintf(l->host, sizeof l->host, "%s", host);
		l->port = port;
		r->job = job_start(lookup_run, l, lookup_free, why, sizeof why);
		if (r->job)
			return r;
	}
	snprintf(err, errlen, "cannot resolve %.60s%s: %s", host, strlen(host) > 60 ? "..." : "", why);
	free(r);
	free(l);
	return NULL;
}

int resolver_fd(const struct resolver *r)
{
	return job_fd(r->job);
}

bool resolver_done(const struct resolver *r)
{
	return job_done(r->job);
}

int resolver_finish(struct resolver *r, struct addrinfo **res, char *err, size_t errlen)
{
	*res = NULL;
	struct lookup *l = job_finish(r->job);
	if (!l) {
		resolver_abandon(r);
		snprintf(err, errlen, "cannot resolve: the lookup was not over");
		return -1;
	}
	free(r);
	int rc = 0;
	if (l->res)
		*res = l->res;
	else {
		snprintf(err, errlen, "%s", l->err);
		rc = -1;
	}
	free(l);
	return rc;
}

void resolver_abandon(struct resolver *r)
{
	if (!r)
		return;
	job_abandon(r->job);
	free(r);
}

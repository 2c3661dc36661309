/*
 * An AvahiPoll over the program's poll() loop: watches and timeouts in two
 * lists, fds handed out to the loop's poll set, callbacks run from dispatch.
 */
#include "intercom/net/avahi_loop.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct AvahiWatch {
	struct avahi_loop *loop;
	int fd;
	AvahiWatchEvent events;      /* what it waits for */
	AvahiWatchEvent revents;     /* what the last dispatch reported (watch_get_events) */
	AvahiWatchCallback cb;
	void *userdata;
	bool dead;                   /* freed by Avahi; released after the pass */
	struct AvahiWatch *next;
};

struct AvahiTimeout {
	struct avahi_loop *loop;
	bool armed;
	struct timeval when;         /* wall clock, as Avahi computes it (avahi_elapse_time) */
	AvahiTimeoutCallback cb;
	void *userdata;
	bool dead;
	struct AvahiTimeout *next;
};

struct avahi_loop {
	AvahiPoll api;
	struct AvahiWatch *watches;
	struct AvahiTimeout *timeouts;
	/* The watch behind each slot as last prepared (dispatch reads revents through it). */
	struct AvahiWatch *slot[AVAHI_LOOP_POLLFDS];
	bool dispatching;            /* dead entries wait for the end of the pass */
};

static size_t live_watches(const struct avahi_loop *loop)
{
	size_t n = 0;
	for (const struct AvahiWatch *w = loop->watches; w; w = w->next)
		n += !w->dead;
	return n;
}

static AvahiWatch *watch_new(const AvahiPoll *api, int fd, AvahiWatchEvent event, AvahiWatchCallback cb,
                             void *userdata)
{
	struct avahi_loop *loop = api->userdata;
	if (fd < 0 || live_watches(loop) >= AVAHI_LOOP_POLLFDS)
		return NULL;
	struct AvahiWatch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	*w = (struct AvahiWatch){ .loop = loop, .fd = fd, .events = event, .cb = cb, .userdata = userdata,
	                          .next = loop->watches };
	loop->watches = w;
	return w;
}

static void watch_update(AvahiWatch *w, AvahiWatchEvent event)
{
	w->events = event;
}

static AvahiWatchEvent watch_get_events(AvahiWatch *w)
{
	return w->revents;
}

static void release_dead(struct avahi_loop *loop);

static void watch_free(AvahiWatch *w)
{
	w->dead = true;
	for (size_t i = 0; i < AVAHI_LOOP_POLLFDS; i++)
		if (w->loop->slot[i] == w)
			w->loop->slot[i] = NULL;
	if (!w->loop->dispatching)
		release_dead(w->loop);
}

static void timeout_set(struct AvahiTimeout *t, const struct timeval *tv)
{
	t->armed = tv != NULL;
	if (tv)
		t->when = *tv;
}

static AvahiTimeout *timeout_new(const AvahiPoll *api, const struct timeval *tv, AvahiTimeoutCallback cb,
                                 void *userdata)
{
	struct avahi_loop *loop = api->userdata;
	struct AvahiTimeout *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	*t = (struct AvahiTimeout){ .loop = loop, .cb = cb, .userdata = userdata, .next = loop->timeouts };
	timeout_set(t, tv);
	loop->timeouts = t;
	return t;
}

static void timeout_update(AvahiTimeout *t, const struct timeval *tv)
{
	timeout_set(t, tv);
}

static void timeout_free(AvahiTimeout *t)
{
	t->dead = true;
	t->armed = false;
	if (!t->loop->dispatching)
		release_dead(t->loop);
}

/* Frees what Avahi let go of. */
static void release_dead(struct avahi_loop *loop)
{
	for (struct AvahiWatch **p = &loop->watches; *p;) {
		struct AvahiWatch *w = *p;
		if (w->dead) {
			*p = w->next;
			free(w);
		} else {
			p = &w->next;
		}
	}
	for (struct AvahiTimeout **p = &loop->timeouts; *p;) {
		struct AvahiTimeout *t = *p;
		if (t->dead) {
			*p = t->next;
			free(t);
		} else {
			p = &t->next;
		}
	}
}

struct avahi_loop *avahi_loop_new(void)
{
	struct avahi_loop *loop = calloc(1, sizeof *loop);
	if (!loop)
		return NULL;
	loop->api = (AvahiPoll){ .userdata = loop, .watch_new = watch_new, .watch_update = watch_update,
	                         .watch_get_events = watch_get_events, .watch_free = watch_free,
	                         .timeout_new = timeout_new, .timeout_update = timeout_update,
	                         .timeout_free = timeout_free };
	return loop;
}

const AvahiPoll *avahi_loop_api(struct avahi_loop *loop)
{
	return &loop->api;
}

/* Ms from now to tv, 0 if it has passed, at most INT_MAX. */
static int ms_until(const struct timeval *tv, const struct timeval *now)
{
	long long us = (long long)(tv->tv_sec - now->tv_sec) * 1000000 + (tv->tv_usec - now->tv_usec);
	if (us <= 0)
		return 0;
	long long ms = (us + 999) / 1000; /* rounded up: waking early would only poll again */
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void avahi_loop_prepare(struct avahi_loop *loop, struct pollfd *fds, int *timeout_ms)
{
	size_t i = 0;
	memset(loop->slot, 0, sizeof loop->slot);
	for (struct AvahiWatch *w = loop->watches; w && i < AVAHI_LOOP_POLLFDS; w = w->next) {
		if (w->dead)
			continue;
		loop->slot[i] = w;
		fds[i++] = (struct pollfd){ .fd = w->fd, .events = (short)w->events };
	}
	for (; i < AVAHI_LOOP_POLLFDS; i++)
		fds[i] = (struct pollfd){ .fd = -1 };
	struct timeval now;
	gettimeofday(&now, NULL);
	for (const struct AvahiTimeout *t = loop->timeouts; t; t = t->next) {
		if (!t->armed)
			continue;
		int ms = ms_until(&t->when, &now);
		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = ms;
	}
}

/* Whether a is at or before b. */
static bool at_or_before(const struct timeval *a, const struct timeval *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_usec <= b->tv_usec);
}

void avahi_loop_dispatch(struct avahi_loop *loop, const struct pollfd *fds)
{
	loop->dispatching = true;
	struct timeval now;
	gettimeofday(&now, NULL);
	/*
	 * Timeouts first, each disarmed before its callback (which may arm it
	 * again, or make new ones: those wait for the next pass, as they are
	 * added at the head, before the one being run).
	 */
	for (struct AvahiTimeout *t = loop->timeouts; t; t = t->next) {
		if (t->dead || !t->armed || !at_or_before(&t->when, &now))
			continue;
		t->armed = false;
		t->cb(t, t->userdata);
	}
	for (size_t i = 0; i < AVAHI_LOOP_POLLFDS; i++) {
		struct AvahiWatch *w = loop->slot[i];
		/* A watch freed by an earlier callback of this pass has left its slot. */
		if (!w || w->dead || fds[i].fd != w->fd || !fds[i].revents)
			continue;
		w->revents = (AvahiWatchEvent)fds[i].revents;
		w->cb(w, w->fd, w->revents, w->userdata);
		w->revents = 0;
	}
	loop->dispatching = false;
	release_dead(loop);
}

void avahi_loop_free(struct avahi_loop *loop)
{
	if (!loop)
		return;
	for (struct AvahiWatch *w = loop->watches; w; w = w->next)
		w->dead = true;
	for (struct AvahiTimeout *t = loop->timeouts; t; t = t->next)
		t->dead = true;
	release_dead(loop);
	free(loop);
}

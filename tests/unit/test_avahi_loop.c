/*
 * Unit tests of the AvahiPoll over our poll loop, on pipes and the clock (no
 * daemon): watches reach the poll set and their callbacks, timeouts wake the
 * loop and fire once, and callbacks may free or make watches and timeouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/time.h>
#include <unistd.h>

#include "intercom/common/fdutil.h"
#include "intercom/net/avahi_loop.h"

struct seen {
	int calls;
	AvahiWatchEvent event;           /* the callback's argument */
	AvahiWatchEvent got;             /* watch_get_events inside the callback */
	const AvahiPoll *api;
	bool free_self;                  /* the callback frees its own watch or timeout */
	AvahiWatch *free_other;          /* ... or another watch */
	bool rearm;                      /* a timeout callback arms itself again, 1 s ahead */
};

static void watch_cb(AvahiWatch *w, int fd, AvahiWatchEvent event, void *userdata)
{
	struct seen *s = userdata;
	(void)fd;
	s->calls++;
	s->event = event;
	s->got = s->api->watch_get_events(w);
	if (s->free_other)
		s->api->watch_free(s->free_other);
	if (s->free_self)
		s->api->watch_free(w);
}

static void timeout_cb(AvahiTimeout *t, void *userdata)
{
	struct seen *s = userdata;
	s->calls++;
	if (s->rearm) {
		struct timeval tv;
		gettimeofday(&tv, NULL);
		tv.tv_sec += 1;
		s->api->timeout_update(t, &tv);
	}
	if (s->free_self)
		s->api->timeout_free(t);
}

/* One pass of a loop: prepare, poll for at most max_ms, dispatch. Returns the timeout prepare chose. */
static int pass(struct avahi_loop *loop, int max_ms)
{
	struct pollfd fds[AVAHI_LOOP_POLLFDS];
	int timeout = max_ms;
	avahi_loop_prepare(loop, fds, &timeout);
	int n = 0;
	for (; n < AVAHI_LOOP_POLLFDS && fds[n].fd >= 0; n++)
		;
	assert_true(poll(fds, (nfds_t)n, timeout) >= 0);
	avahi_loop_dispatch(loop, fds);
	return timeout;
}

static void test_watch(void **state)
{
	(void)state;
	struct avahi_loop *loop = avahi_loop_new();
	const AvahiPoll *api = avahi_loop_api(loop);
	int p[2];
	assert_int_equal(fd_pipe(p, O_NONBLOCK | O_CLOEXEC), 0);
	struct seen s = { .api = api };
	AvahiWatch *w = api->watch_new(api, p[0], AVAHI_WATCH_IN, watch_cb, &s);
	assert_non_null(w);
	struct pollfd fds[AVAHI_LOOP_POLLFDS];
	int timeout = -1;
	avahi_loop_prepare(loop, fds, &timeout);
	assert_int_equal(fds[0].fd, p[0]);
	assert_int_equal(fds[0].events, POLLIN);
	assert_int_equal(fds[1].fd, -1);
	assert_int_equal(timeout, -1); /* no timeout: the loop's own stands */
	/* Nothing to read: no call. */
	pass(loop, 0);
	assert_int_equal(s.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	pass(loop, 1000);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.event, AVAHI_WATCH_IN);
	assert_int_equal(s.got, AVAHI_WATCH_IN);
	assert_int_equal(api->watch_get_events(w), 0); /* only inside the callback */
	/* Updated to OUT: the write end would be, the read end is not writable: events follow. */
	api->watch_update(w, AVAHI_WATCH_OUT);
	avahi_loop_prepare(loop, fds, &timeout);
	assert_int_equal(fds[0].events, POLLOUT);
	api->watch_update(w, AVAHI_WATCH_IN);
	/* Freed from inside its own callback (ASan checks nothing is touched after). */
	s.free_self = true;
	pass(loop, 1000);
	assert_int_equal(s.calls, 2);
	avahi_loop_prepare(loop, fds, &timeout);
	assert_int_equal(fds[0].fd, -1);
	avahi_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

/* More watches than slots: refused (NULL), never left out of the poll set silently. */
static void test_watch_bound(void **state)
{
	(void)state;
	struct avahi_loop *loop = avahi_loop_new();
	const AvahiPoll *api = avahi_loop_api(loop);
	struct seen s = { .api = api };
	AvahiWatch *w[AVAHI_LOOP_POLLFDS];
	for (int i = 0; i < AVAHI_LOOP_POLLFDS; i++)
		assert_non_null(w[i] = api->watch_new(api, i, AVAHI_WATCH_IN, watch_cb, &s));
	assert_null(api->watch_new(api, 9, AVAHI_WATCH_IN, watch_cb, &s));
	assert_null(api->watch_new(api, -1, AVAHI_WATCH_IN, watch_cb, &s));
	api->watch_free(w[0]);
	assert_non_null(api->watch_new(api, 9, AVAHI_WATCH_IN, watch_cb, &s));
	avahi_loop_free(loop);
}

/* A callback that frees another watch ready in the same pass: that one is not called. */
static void test_free_other(void **state)
{
	(void)state;
	struct avahi_loop *loop = avahi_loop_new();
	const AvahiPoll *api = avahi_loop_api(loop);
	int a[2], b[2];
	assert_int_equal(fd_pipe(a, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(fd_pipe(b, O_NONBLOCK | O_CLOEXEC), 0);
	struct seen sa = { .api = api }, sb = { .api = api };
	AvahiWatch *wa = api->watch_new(api, a[0], AVAHI_WATCH_IN, watch_cb, &sa);
	AvahiWatch *wb = api->watch_new(api, b[0], AVAHI_WATCH_IN, watch_cb, &sb);
	/* Whichever runs first frees the other. */
	sa.free_other = wb;
	sb.free_other = wa;
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	pass(loop, 1000);
	assert_int_equal(sa.calls + sb.calls, 1);
	avahi_loop_free(loop);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

static void test_timeouts(void **state)
{
	(void)state;
	struct avahi_loop *loop = avahi_loop_new();
	const AvahiPoll *api = avahi_loop_api(loop);
	struct timeval now, soon;
	gettimeofday(&now, NULL);
	soon = now;
	soon.tv_usec += 200000;
	if (soon.tv_usec >= 1000000) {
		soon.tv_sec++;
		soon.tv_usec -= 1000000;
	}
	struct seen disabled = { .api = api }, due = { .api = api }, later = { .api = api };
	AvahiTimeout *off = api->timeout_new(api, NULL, timeout_cb, &disabled);
	assert_non_null(off);
	AvahiTimeout *t = api->timeout_new(api, &soon, timeout_cb, &later);
	assert_non_null(t);
	/* The loop sleeps until the nearest: about 200 ms, never more. */
	struct pollfd fds[AVAHI_LOOP_POLLFDS];
	int timeout = 5000;
	avahi_loop_prepare(loop, fds, &timeout);
	assert_in_range(timeout, 150, 200);
	/* One already due fires on the next dispatch, once. */
	assert_non_null(api->timeout_new(api, &now, timeout_cb, &due));
	avahi_loop_dispatch(loop, fds);
	assert_int_equal(due.calls, 1);
	assert_int_equal(later.calls, 0);
	avahi_loop_dispatch(loop, fds);
	assert_int_equal(due.calls, 1);
	/* The later one fires after its time, having made poll() wait for it; it re-arms itself. */
	later.rearm = true;
	while (later.calls == 0)
		pass(loop, 5000);
	assert_int_equal(later.calls, 1);
	timeout = 5000;
	avahi_loop_prepare(loop, fds, &timeout);
	assert_in_range(timeout, 900, 1000);
	/* Disabled, it no longer wakes the loop; updated into the past, it fires; it may free itself. */
	api->timeout_update(t, NULL);
	timeout = 5000;
	avahi_loop_prepare(loop, fds, &timeout);
	assert_int_equal(timeout, 5000);
	later.rearm = false;
	later.free_self = true;
	api->timeout_update(t, &now);
	avahi_loop_dispatch(loop, fds);
	assert_int_equal(later.calls, 2);
	assert_int_equal(disabled.calls, 0);
	api->timeout_free(off);
	avahi_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_watch_bound),
		cmocka_unit_test(test_free_other),
		cmocka_unit_test(test_timeouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

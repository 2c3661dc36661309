/* Unit tests of the sparse poll set: revents land in the caller's slots, and a
 * set with more unused slots than RLIMIT_NOFILE allows still polls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

#include "intercom/common/pollset.h"

static void close_pipe(int fd[2])
{
	close(fd[0]);
	close(fd[1]);
}

static void test_revents_reach_the_right_slots(void **state)
{
	(void)state;
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(write(b[1], "x", 1), 1);
	struct pollfd fds[5] = {
		{ .fd = -1, .events = POLLIN, .revents = POLLERR },
		{ .fd = a[0], .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
		{ .fd = b[0], .events = POLLIN },
		{ .fd = b[1], .events = POLLOUT },
	};
	struct pollset ps = { 0 };
	assert_int_equal(pollset_wait(&ps, fds, 5, 0), 2);
	assert_int_equal(fds[0].revents, 0);
	assert_int_equal(fds[1].revents, 0);
	assert_int_equal(fds[2].revents, 0);
	assert_int_equal(fds[3].revents, POLLIN);
	assert_int_equal(fds[4].revents, POLLOUT);
	/* Nothing ready: every revents is cleared, including stale ones. */
	fds[3].fd = -1;
	fds[4].revents = POLLHUP;
	fds[4].fd = -1;
	assert_int_equal(pollset_wait(&ps, fds, 5, 0), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(fds[i].revents, 0);
	pollset_free(&ps);
	close_pipe(a);
	close_pipe(b);
}

static void test_grows_with_the_set(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	struct pollset ps = { 0 };
	struct pollfd fds[300];
	for (size_t n = 1; n <= 300; n += 37) {
		for (size_t i = 0; i < n; i++)
			fds[i] = (struct pollfd){ .fd = i % 2 ? p[0] : -1, .events = POLLIN };
		int expect = (int)(n / 2);
		assert_int_equal(pollset_wait(&ps, fds, n, 0), expect);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(fds[i].revents, i % 2 ? POLLIN : 0);
	}
	pollset_free(&ps);
	close_pipe(p);
}

/* The console at its descriptor limit: its fixed slots for absent things push
 * nfds past RLIMIT_NOFILE, which plain poll() refuses with EINVAL. */
static void test_unused_slots_do_not_count_against_the_fd_limit(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	struct rlimit saved;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	struct rlimit low = saved;
	low.rlim_cur = (rlim_t)p[1] + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);

	enum { SLOTS = 64 };
	struct pollfd fds[SLOTS];
	for (size_t i = 0; i < SLOTS; i++)
		fds[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	fds[SLOTS - 1].fd = p[0];
	errno = 0;
	int plain = poll(fds, SLOTS, 0);
	int plain_errno = errno;
	struct pollset ps = { 0 };
	int sparse = pollset_wait(&ps, fds, SLOTS, 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);

	assert_int_equal(plain, -1);
	assert_int_equal(plain_errno, EINVAL);
	assert_int_equal(sparse, 1);
	assert_int_equal(fds[SLOTS - 1].revents, POLLIN);
	pollset_free(&ps);
	close_pipe(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revents_reach_the_right_slots),
		cmocka_unit_test(test_grows_with_the_set),
		cmocka_unit_test(test_unused_slots_do_not_count_against_the_fd_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

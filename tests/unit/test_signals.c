/*
 * Unit tests for src/common/signals.c: a failed start-up says why and changes
 * nothing; a working one turns SIGTERM into a readable pipe and ignores SIGPIPE;
 * SIGINT, SIGHUP and SIGQUIT (Ctrl-\, which must not dump core) end the loop alike.
 * The tests run in order: the failure first, while every disposition is the default.
 */
#include "intercom/common/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static void (*disposition(int sig))(int)
{
	struct sigaction sa;
	assert_int_equal(sigaction(sig, NULL, &sa), 0);
	return sa.sa_handler;
}

/* Out of descriptors: -1 and the reason, no handler left behind. */
static void test_open_fails_without_descriptors(void **state)
{
	(void)state;
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	/* The lowest fd free now is the only room left: a pipe needs two. */
	int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(probe >= 0);
	close(probe);
	low = old;
	low.rlim_cur = (rlim_t)probe + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	char err[128] = "";
	int fd = signals_open(err, sizeof err);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(fd, -1);
	assert_string_equal(err, "cannot create the signal pipe: Too many open files");
	assert_true(disposition(SIGTERM) == SIG_DFL);
	assert_true(disposition(SIGQUIT) == SIG_DFL);
	assert_true(disposition(SIGPIPE) == SIG_DFL);
}

/* SIGTERM wakes the pipe and is remembered; SIGPIPE is ignored; a second call gives the same fd. */
static void test_open_and_catch(void **state)
{
	(void)state;
	char err[128] = "";
	int fd = signals_open(err, sizeof err);
	assert_true(fd >= 0);
	assert_string_equal(err, "");
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(signals_open(err, sizeof err), fd);
	assert_true(disposition(SIGPIPE) == SIG_IGN);

	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(signals_take(), SIGTERM);
	assert_int_equal(poll(&p, 1, 0), 0);
}

/* Every way an operator stops a program is caught the same way, none by its default action. */
static void test_every_stop_signal(void **state)
{
	(void)state;
	char err[128] = "";
	int fd = signals_open(err, sizeof err);
	assert_true(fd >= 0);
	const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		/* Checked before raising: the default action would end this test, not fail it. */
		assert_true(disposition(sigs[i]) != SIG_DFL);
		assert_true(disposition(sigs[i]) != SIG_IGN);
		assert_int_equal(raise(sigs[i]), 0);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, 1000), 1);
		assert_int_equal(signals_take(), sigs[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_fails_without_descriptors),
		cmocka_unit_test(test_open_and_catch),
		cmocka_unit_test(test_every_stop_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

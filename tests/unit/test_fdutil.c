/* Unit tests for src/common/fdutil.c: pipes with the flags asked for, and only those. */
#include "intercom/common/fdutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static bool nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	assert_true(fl >= 0);
	return (fl & O_NONBLOCK) != 0;
}

static bool cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	assert_true(fl >= 0);
	return (fl & FD_CLOEXEC) != 0;
}

/* Each combination of flags lands on both ends, and the pipe carries a byte. */
static void test_pipe_flags(void **state)
{
	(void)state;
	static const int combos[] = {0, O_NONBLOCK, O_CLOEXEC, O_NONBLOCK | O_CLOEXEC};
	for (size_t i = 0; i < sizeof combos / sizeof *combos; i++) {
		int fl = combos[i];
		int p[2] = {-1, -1};
		assert_int_equal(fd_pipe(p, fl), 0);
		for (int end = 0; end < 2; end++) {
			assert_true(p[end] >= 0);
			assert_int_equal(nonblocking(p[end]), (fl & O_NONBLOCK) != 0);
			assert_int_equal(cloexec(p[end]), (fl & O_CLOEXEC) != 0);
		}
		assert_int_equal(write(p[1], "x", 1), 1);
		char c = 0;
		assert_int_equal(read(p[0], &c, 1), 1);
		assert_int_equal(c, 'x');
		if (fl & O_NONBLOCK) {
			errno = 0;
			assert_int_equal(read(p[0], &c, 1), -1);
			assert_int_equal(errno, EAGAIN);
		}
		close(p[0]);
		close(p[1]);
	}
}

/* Any other flag is refused and the caller's array is left alone. */
static void test_pipe_bad_flags(void **state)
{
	(void)state;
	int p[2] = {-7, -7};
	errno = 0;
	assert_int_equal(fd_pipe(p, O_NONBLOCK | O_APPEND), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(p[0], -7);
	assert_int_equal(p[1], -7);
	errno = 0;
	assert_int_equal(fd_pipe(NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_flags),
		cmocka_unit_test(test_pipe_bad_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

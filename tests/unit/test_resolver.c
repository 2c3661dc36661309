/* Unit tests of the off-loop name lookup: answers through the fd, errors named, abandonment safe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <dirent.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "intercom/net/resolver.h"

/* Waits (at most 10 s) for the lookup's fd, as the speaker's loop does. */
static void wait_readable(struct resolver *r)
{
	struct pollfd pfd = { .fd = resolver_fd(r), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_true(pfd.revents & POLLIN);
	assert_true(resolver_done(r));
}

static void test_numeric_address(void **state)
{
	(void)state;
	char err[400] = "";
	struct resolver *r = resolver_start("127.0.0.1", 2348, err, sizeof err);
	assert_non_null(r);
	wait_readable(r);
	struct addrinfo *res = NULL;
	assert_int_equal(resolver_finish(r, &res, err, sizeof err), 0);
	assert_non_null(res);
	assert_int_equal(res->ai_family, AF_INET);
	assert_int_equal(res->ai_socktype, SOCK_STREAM);
	const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
	assert_int_equal(ntohs(sin->sin_port), 2348);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	freeaddrinfo(res);
}

static void test_name_from_hosts_file(void **state)
{
	(void)state;
	char err[400] = "";
	struct resolver *r = resolver_start("localhost", 80, err, sizeof err);
	assert_non_null(r);
	wait_readable(r);
	struct addrinfo *res = NULL;
	assert_int_equal(resolver_finish(r, &res, err, sizeof err), 0);
	int loopbacks = 0;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			loopbacks += ntohl(((const struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) ==
			             INADDR_LOOPBACK;
		else if (ai->ai_family == AF_INET6)
			loopbacks += IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	}
	assert_true(loopbacks > 0);
	freeaddrinfo(res);
}

static void test_too_long_a_name_is_refused_up_front(void **state)
{
	(void)state;
	char name[400], err[400] = "";
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	assert_null(resolver_start(name, 2348, err, sizeof err));
	assert_non_null(strstr(err, "the name is too long"));
}

/*
 * Threads of this process now (/proc/self/task). A lookup's thread frees what
 * is left of an abandoned lookup and then ends, so once the count is back where
 * it was, every abandoned lookup has been freed. (job.h offers no count of live
 * jobs; the kernel's count of threads is the test's own way to see them end.)
 */
static int live_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Threads before any lookup ran (main sets it): what is left once every lookup's thread has ended. */
static int threads_at_start;

/* The owner may let go at any point; the thread frees what is left (LSan checks). */
static void test_abandoned_lookups_free_themselves(void **state)
{
	(void)state;
	char err[400];
	for (int i = 0; i < 200; i++) {
		struct resolver *r = resolver_start(i % 2 ? "localhost" : "::1", 2348, err, sizeof err);
		assert_non_null(r);
		if (i % 3 == 0)
			wait_readable(r);
		resolver_abandon(r);
	}
	resolver_abandon(NULL);
	/*
	 * The last threads finish (10 s at most) before the leak check at exit: every
	 * lookup's, this test's and the earlier tests' (a finished lookup's thread may
	 * still be on its way out).
	 */
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 1000000L };
	for (int ms = 0; live_threads() > threads_at_start && ms < 10000; ms++)
		nanosleep(&tick, NULL);
	assert_int_equal(live_threads(), threads_at_start);
}

int main(void)
{
	threads_at_start = live_threads();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric_address),
		cmocka_unit_test(test_name_from_hosts_file),
		cmocka_unit_test(test_too_long_a_name_is_refused_up_front),
		cmocka_unit_test(test_abandoned_lookups_free_themselves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

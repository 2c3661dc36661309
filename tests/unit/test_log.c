/*
 * Unit tests of src/common/log.c's journald priorities: JOURNAL_STREAM's
 * "DEVICE:INODE" matched against a file, the "<N>" prefix, and lines on a
 * stdout that is (or is not) the stream JOURNAL_STREAM names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "intercom/common/log.h"

static void test_journal_stream_value(void **state)
{
	(void)state;
	assert_true(log_journal_stream_is("8:123456", 8, 123456));
	assert_false(log_journal_stream_is("8:123456", 8, 123457));
	assert_false(log_journal_stream_is("9:123456", 8, 123456));
	assert_false(log_journal_stream_is(NULL, 8, 123456));
	assert_false(log_journal_stream_is("", 0, 0));
	assert_false(log_journal_stream_is("8", 8, 0));
	assert_false(log_journal_stream_is("8:", 8, 0));
	assert_false(log_journal_stream_is("8:12x", 8, 12));
	assert_false(log_journal_stream_is("-8:12", 8, 12));
	assert_false(log_journal_stream_is("8:-12", 8, 12));
	assert_false(log_journal_stream_is("99999999999999999999999:1", 0, 1));
}

static void test_priority_prefix(void **state)
{
	(void)state;
	char prefix[4];
	assert_string_equal(log_priority_prefix(prefix, true, LOG_PRIORITY_ERR), "<3>");
	assert_string_equal(log_priority_prefix(prefix, true, LOG_PRIORITY_WARNING), "<4>");
	assert_string_equal(log_priority_prefix(prefix, true, LOG_PRIORITY_INFO), "<6>");
	assert_string_equal(log_priority_prefix(prefix, false, LOG_PRIORITY_ERR), "");
	/* Lines that say what they are. */
	assert_int_equal(log_priority_of(LOG_PRIORITY_INFO, "warning: no chime"), LOG_PRIORITY_WARNING);
	assert_int_equal(log_priority_of(LOG_PRIORITY_INFO, "note: not advertised"), LOG_PRIORITY_NOTICE);
	assert_int_equal(log_priority_of(LOG_PRIORITY_INFO, "page 3 played, no warning: here"), LOG_PRIORITY_INFO);
	assert_int_equal(log_priority_of(LOG_PRIORITY_ERR, "warning: still an error"), LOG_PRIORITY_ERR);
}

/* Runs two log lines with stdout on a fresh file, JOURNAL_STREAM naming it or not; returns the text. */
static char *logged(bool journal)
{
	char path[] = "/tmp/intercom-log.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	char env[64];
	snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino + (journal ? 0 : 1));
	setenv("JOURNAL_STREAM", env, 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A child: log.c looks at stdout once per process. */
		dup2(fd, STDOUT_FILENO);
		log_event_at(LOG_PRIORITY_WARNING, "speaker %d dropped", 3);
		log_event("page %d sent", 7);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	static char text[256];
	ssize_t n = pread(fd, text, sizeof text - 1, 0);
	assert_true(n > 0);
	text[n] = '\0';
	close(fd);
	unlink(path);
	unsetenv("JOURNAL_STREAM");
	return text;
}

static void test_lines_on_the_journal_carry_priorities(void **state)
{
	(void)state;
	char *text = logged(true);
	assert_int_equal(strncmp(text, "<4>", 3), 0);
	assert_non_null(strstr(text, " speaker 3 dropped\n<6>"));
	assert_non_null(strstr(text, " page 7 sent\n"));
}

static void test_lines_elsewhere_are_unchanged(void **state)
{
	(void)state;
	char *text = logged(false);
	assert_null(strchr(text, '<'));
	assert_non_null(strstr(text, " speaker 3 dropped\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_stream_value),
		cmocka_unit_test(test_priority_prefix),
		cmocka_unit_test(test_lines_on_the_journal_carry_priorities),
		cmocka_unit_test(test_lines_elsewhere_are_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of src/ctl/ctl_command.c: intercom-ctl's words as the
 * console's command line (send's options first and its file last and
 * absolute, "-" for stdin, status and --json, other commands as typed) and
 * the words refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "intercom/ctl/ctl_command.h"

static struct ctl_command cmd;
static char err[256];

/* Builds from a NULL-terminated list of words, in /home/op. */
static int build(const char *first, ...)
{
	char *words[16];
	int n = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *w = first; w; w = va_arg(ap, const char *))
		words[n++] = (char *)w;
	va_end(ap);
	err[0] = '\0';
	return ctl_command_build(&cmd, words, n, "/home/op", err, sizeof err);
}

static void test_send(void **state)
{
	(void)state;
	assert_int_equal(build("send", "closing.flac", "--zone", "hall", "--priority", "high", NULL), 0);
	assert_string_equal(cmd.line, "send --zone hall --priority high /home/op/closing.flac");
	assert_string_equal(cmd.file, "/home/op/closing.flac");
	assert_false(cmd.upload);
	assert_int_equal(build("send", "--all", "/srv/a b.wav", "--no-chime", NULL), 0);
	assert_string_equal(cmd.line, "send --all --no-chime /srv/a b.wav");
	assert_int_equal(build("send", "--speaker", "lobby-1", "--speaker", "3", "sub/x.wav", NULL), 0);
	assert_string_equal(cmd.line, "send --speaker lobby-1 --speaker 3 /home/op/sub/x.wav");
	/* A file starting with a dash after "--". */
	assert_int_equal(build("send", "--chime", "--", "-odd.wav", NULL), 0);
	assert_string_equal(cmd.line, "send --chime /home/op/-odd.wav");
	/* stdin: uploaded; no file to check. */
	assert_int_equal(build("send", "-", "--zone", "hall", NULL), 0);
	assert_string_equal(cmd.line, "send --zone hall -");
	assert_true(cmd.upload);
	assert_string_equal(cmd.file, "");
}

static void test_send_refused(void **state)
{
	(void)state;
	assert_int_equal(build("send", NULL), -1);
	assert_non_null(strstr(err, "send needs a file, or - for audio on stdin"));
	assert_int_equal(build("send", "--zone", "hall", NULL), -1);
	assert_non_null(strstr(err, "send needs a file"));
	assert_int_equal(build("send", "a.wav", "--zone", NULL), -1);
	assert_non_null(strstr(err, "send --zone needs a value"));
	assert_int_equal(build("send", "a.wav", "b.wav", NULL), -1);
	assert_non_null(strstr(err, "send takes one file, not 'a.wav' and 'b.wav'"));
	assert_int_equal(build("send", "a\nquit", NULL), -1);
	assert_non_null(strstr(err, "argument 2 holds a control character"));
	char huge[5000];
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	assert_int_equal(build("send", huge, NULL), -1);
	assert_non_null(strstr(err, "over 4096 bytes"));
}

static void test_status_and_others(void **state)
{
	(void)state;
	assert_int_equal(build("status", NULL), 0);
	assert_string_equal(cmd.line, "status text");
	assert_false(cmd.json);
	assert_int_equal(build("status", "--json", NULL), 0);
	assert_string_equal(cmd.line, "status");
	assert_true(cmd.json);
	assert_int_equal(build("status", "--xml", NULL), -1);
	assert_non_null(strstr(err, "status takes only --json"));
	assert_int_equal(build("talk", "5", "--zone", "hall", NULL), 0);
	assert_string_equal(cmd.line, "talk 5 --zone hall");
	assert_int_equal(build("target", "zone", "hall,stage", NULL), 0);
	assert_string_equal(cmd.line, "target zone hall,stage");
	assert_int_equal(build("approve", "7", NULL), 0);
	assert_string_equal(cmd.line, "approve 7");
	assert_int_equal(ctl_command_build(&cmd, NULL, 0, "/", err, sizeof err), -1);
	assert_non_null(strstr(err, "missing command"));
}

/* In / a relative file is "/x", not "//x". */
static void test_root_cwd(void **state)
{
	(void)state;
	char *words[] = { (char *)"send", (char *)"x.wav" };
	assert_int_equal(ctl_command_build(&cmd, words, 2, "/", err, sizeof err), 0);
	assert_string_equal(cmd.line, "send /x.wav");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send), cmocka_unit_test(test_send_refused),
		cmocka_unit_test(test_status_and_others), cmocka_unit_test(test_root_cwd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

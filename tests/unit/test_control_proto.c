/*
 * Unit tests of src/net/control_proto.c: lines taken from a buffer (whole,
 * split, CRLF, too long), which lines are text, the upload's marker and
 * chunk headers, answer headers both ways, and the default socket path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "intercom/net/control_proto.h"

static void test_line_take(void **state)
{
	(void)state;
	size_t len = 0, used = 0;
	assert_int_equal(control_line_take("status\nlist\n", 12, 16, &len, &used), CONTROL_TAKE_LINE);
	assert_int_equal(len, 6);
	assert_int_equal(used, 7);
	assert_int_equal(control_line_take("status\r\n", 8, 16, &len, &used), CONTROL_TAKE_LINE);
	assert_int_equal(len, 6);
	assert_int_equal(used, 8);
	assert_int_equal(control_line_take("\n", 1, 16, &len, &used), CONTROL_TAKE_LINE);
	assert_int_equal(len, 0);
	/* Split anywhere: more is needed, until the line is over max without a newline. */
	assert_int_equal(control_line_take("stat", 4, 16, &len, &used), CONTROL_TAKE_MORE);
	assert_int_equal(control_line_take("", 0, 16, &len, &used), CONTROL_TAKE_MORE);
	char buf[64];
	memset(buf, 'x', sizeof buf);
	assert_int_equal(control_line_take(buf, 17, 16, &len, &used), CONTROL_TAKE_MORE); /* "\r" may follow */
	assert_int_equal(control_line_take(buf, 18, 16, &len, &used), CONTROL_TAKE_TOO_LONG);
	buf[16] = '\n';
	assert_int_equal(control_line_take(buf, 64, 16, &len, &used), CONTROL_TAKE_LINE);
	assert_int_equal(len, 16);
	buf[16] = 'x';
	buf[17] = '\n';
	assert_int_equal(control_line_take(buf, 64, 16, &len, &used), CONTROL_TAKE_TOO_LONG);
	/* A newline far past max is not looked for. */
	buf[17] = 'x';
	buf[60] = '\n';
	assert_int_equal(control_line_take(buf, 64, 16, &len, &used), CONTROL_TAKE_TOO_LONG);
}

static void test_line_check(void **state)
{
	(void)state;
	assert_null(control_line_check("send --zone hall /srv/a b.flac", 30));
	assert_null(control_line_check("send /srv/annonces/fermé.wav", 29));
	assert_null(control_line_check("", 0));
	assert_string_equal(control_line_check("a\x1b[2Jb", 6), "it holds a control character");
	assert_string_equal(control_line_check("a\0b", 3), "it holds a control character");
	assert_string_equal(control_line_check("a\xff", 2), "it is not UTF-8 text");
	assert_non_null(control_line_check("a\xe2\x80\xae", 4)); /* RIGHT-TO-LEFT OVERRIDE */
}

static void test_uploads(void **state)
{
	(void)state;
	size_t dash = 0;
	assert_true(control_line_uploads("send -", &dash));
	assert_int_equal(dash, 5);
	assert_true(control_line_uploads("send --zone hall --priority high -", &dash));
	assert_int_equal(dash, 33);
	assert_true(control_line_uploads("send -  ", &dash));
	assert_int_equal(dash, 5);
	assert_false(control_line_uploads("send /tmp/-", &dash));
	assert_false(control_line_uploads("send /tmp/a -b", &dash));
	assert_false(control_line_uploads("send", &dash));
	assert_false(control_line_uploads("talk -", &dash));
	assert_false(control_line_uploads("sendx -", &dash));
}

static void test_chunks(void **state)
{
	(void)state;
	size_t n = 0;
	assert_int_equal(control_chunk_parse("data 1", 6, &n), CONTROL_CHUNK_DATA);
	assert_int_equal(n, 1);
	assert_int_equal(control_chunk_parse("data 65536", 10, &n), CONTROL_CHUNK_DATA);
	assert_int_equal(n, 65536);
	assert_int_equal(control_chunk_parse("end", 3, &n), CONTROL_CHUNK_END);
	static const char *const bad[] = { "data 0", "data 65537", "data ", "data 01", "data -1",
	                                   "data 1x", "data 9999999", "DATA 1", "ends", "", "data  1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (control_chunk_parse(bad[i], strlen(bad[i]), &n) != CONTROL_CHUNK_BAD)
			fail_msg("'%s' taken as a chunk header", bad[i]);
}

static void test_reply_headers(void **state)
{
	(void)state;
	char head[CONTROL_HEADER_MAX];
	assert_int_equal(control_reply_header(head, CONTROL_REPLY_OK, 3), 5);
	assert_string_equal(head, "ok 3\n");
	control_reply_header(head, CONTROL_REPLY_ERROR, 1);
	assert_string_equal(head, "error 1\n");
	control_reply_header(head, CONTROL_REPLY_REFUSED, 0);
	assert_string_equal(head, "refused 0\n");
	enum control_reply kind;
	size_t lines = 99;
	assert_int_equal(control_reply_parse("ok 12", 5, &kind, &lines), 0);
	assert_int_equal(kind, CONTROL_REPLY_OK);
	assert_int_equal(lines, 12);
	assert_int_equal(control_reply_parse("refused 1", 9, &kind, &lines), 0);
	assert_int_equal(kind, CONTROL_REPLY_REFUSED);
	assert_int_equal(control_reply_parse("error 0", 7, &kind, &lines), 0);
	assert_int_equal(kind, CONTROL_REPLY_ERROR);
	static const char *const bad[] = { "ok", "ok ", "ok x", "okay 1", "OK 1", "ok 1 2", "ok 12345678901",
	                                   "SSH-2.0-OpenSSH", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (control_reply_parse(bad[i], strlen(bad[i]), &kind, &lines) == 0)
			fail_msg("'%s' taken as an answer", bad[i]);
}

static void test_default_path(void **state)
{
	(void)state;
	char dir[256], path[256];
	assert_int_equal(control_default_dir(dir, sizeof dir, "/run/user/1000", 1000), 0);
	assert_string_equal(dir, "/run/user/1000/intercom");
	assert_int_equal(control_socket_path(path, sizeof path, dir), 0);
	assert_string_equal(path, "/run/user/1000/intercom/console.sock");
	/* None, or a relative one (invalid by XDG): a directory of the user's own in /tmp. */
	assert_int_equal(control_default_dir(dir, sizeof dir, NULL, 1000), 0);
	assert_string_equal(dir, "/tmp/intercom-1000");
	assert_int_equal(control_default_dir(dir, sizeof dir, "run", 7), 0);
	assert_string_equal(dir, "/tmp/intercom-7");
	/* Too long for the directory buffer, or for a socket's 107 bytes. */
	assert_int_equal(control_default_dir(dir, 10, "/run/user/1000", 1000), -1);
	char longdir[200];
	memset(longdir, 'a', sizeof longdir);
	longdir[0] = '/';
	longdir[100] = '\0';
	assert_int_equal(control_socket_path(path, sizeof path, longdir), -1);
	longdir[94] = '\0';
	assert_int_equal(control_socket_path(path, sizeof path, longdir), 0);
	assert_int_equal(strlen(path), 107);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_take), cmocka_unit_test(test_line_check),
		cmocka_unit_test(test_uploads), cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_reply_headers), cmocka_unit_test(test_default_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of src/net/control_proto.c: lines taken from a buffer (whole,
 * split, CRLF, too long), a client's bytes read piece by piece (commands,
 * uploads and their chunks, every refusal, the upload's limit), the upload's marker and
 * chunk headers, answer headers both ways, and the default socket path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* Reads all of buf with a fresh reader, one piece per line of out: "C:line", "U:line@dash", "D:bytes", "E", "R:why", "M". */
static void read_all(const char *buf, size_t len, char *out, size_t outlen)
{
	struct control_reader r = { 0 };
	size_t off = 0;
	out[0] = '\0';
	for (int guard = 0; guard < 100; guard++) {
		struct control_piece p;
		size_t used = 0;
		enum control_read got = control_reader_next(&r, buf + off, len - off, &used, &p);
		assert_true(used <= len - off);
		off += used;
		char one[300];
		switch (got) {
		case CONTROL_READ_MORE: snprintf(one, sizeof one, "M"); break;
		case CONTROL_READ_COMMAND: snprintf(one, sizeof one, "C:%.*s", (int)p.len, p.data); break;
		case CONTROL_READ_UPLOAD: snprintf(one, sizeof one, "U:%.*s@%zu", (int)p.len, p.data, p.dash); break;
		case CONTROL_READ_DATA: snprintf(one, sizeof one, "D:%.*s", (int)p.len, p.data); break;
		case CONTROL_READ_END: snprintf(one, sizeof one, "E"); break;
		case CONTROL_READ_REFUSE: snprintf(one, sizeof one, "R:%.40s", p.why); break;
		}
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s", out[0] ? "|" : "", one);
		if (got == CONTROL_READ_REFUSE || (got == CONTROL_READ_MORE && (used == 0 || off == len)))
			return;
	}
	fail_msg("reader did not stop");
}

static void test_reader(void **state)
{
	(void)state;
	char out[1024];
	read_all("status\nlist\r\n", 13, out, sizeof out);
	assert_string_equal(out, "C:status|C:list|M");
	read_all("send --zone hall -\ndata 3\nabcdata 2\nde", 38, out, sizeof out);
	assert_string_equal(out, "U:send --zone hall -@17|D:abc|D:de|M");
	read_all("send -\ndata 5\nab", 16, out, sizeof out);
	assert_string_equal(out, "U:send -@5|D:ab|M");
	read_all("send -\nend\ntalk\n", 16, out, sizeof out);
	assert_string_equal(out, "U:send -@5|E|C:talk|M");
	/* Only the header so far: taken, nothing to hand over. */
	read_all("send -\ndata 3\n", 14, out, sizeof out);
	assert_string_equal(out, "U:send -@5|M");
	read_all("send -\ndata 0\n", 14, out, sizeof out);
	assert_string_equal(out, "U:send -@5|R:bad upload: expected \"data N\" (N 1..6553");
	read_all("send -\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 52, out, sizeof out);
	assert_string_equal(out, "U:send -@5|R:bad upload: expected \"data N\" or \"end\" (");
	read_all("li\xffst\n", 7, out, sizeof out);
	assert_string_equal(out, "R:not a command line: it is not UTF-8 text");
	read_all("list\x1b[2J\n", 10, out, sizeof out);
	assert_string_equal(out, "R:not a command line: it holds a control c");
	read_all("a\0b\n", 4, out, sizeof out);
	assert_string_equal(out, "R:not a command line: it holds a control c");
	read_all("a\xe2\x80\xae" "b\n", 6, out, sizeof out);
	assert_string_equal(out, "R:not a command line: it holds an invisibl");
	static char big[CONTROL_LINE_MAX + 8];
	memset(big, 'x', sizeof big);
	read_all(big, sizeof big, out, sizeof out);
	assert_string_equal(out, "R:line too long: a command is at most 4096");
}

/* An upload is counted across its chunks: one byte over 64 MiB is refused. */
static void test_reader_upload_limit(void **state)
{
	(void)state;
	struct control_reader r = { 0 };
	static char chunk[CONTROL_CHUNK_MAX + 16];
	struct control_piece p;
	size_t used;
	assert_int_equal(control_reader_next(&r, "send -\n", 7, &used, &p), CONTROL_READ_UPLOAD);
	size_t h = (size_t)snprintf(chunk, sizeof chunk, "data %u\n", CONTROL_CHUNK_MAX);
	for (size_t i = 0; i < CONTROL_UPLOAD_MAX / CONTROL_CHUNK_MAX; i++) {
		assert_int_equal(control_reader_next(&r, chunk, h + CONTROL_CHUNK_MAX, &used, &p), CONTROL_READ_DATA);
		assert_int_equal(used, h + CONTROL_CHUNK_MAX);
		assert_int_equal(p.len, CONTROL_CHUNK_MAX);
	}
	assert_int_equal(control_reader_next(&r, "data 1\nz", 8, &used, &p), CONTROL_READ_REFUSE);
	assert_non_null(strstr(p.why, "upload too large: at most 64 MiB"));
	/* A new connection's reader starts over. */
	struct control_reader fresh = { 0 };
	assert_int_equal(control_reader_next(&fresh, "send -\n", 7, &used, &p), CONTROL_READ_UPLOAD);
	assert_int_equal(control_reader_next(&fresh, "data 1\nz", 8, &used, &p), CONTROL_READ_DATA);
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
		cmocka_unit_test(test_line_take), cmocka_unit_test(test_reader),
		cmocka_unit_test(test_reader_upload_limit),
		cmocka_unit_test(test_uploads), cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_reply_headers), cmocka_unit_test(test_default_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

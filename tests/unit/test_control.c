/*
 * Unit tests of src/console/control.c over real Unix sockets in a scratch
 * directory: the socket made 0600, a live console's socket refused and a
 * stale one replaced, something else at the path left alone, the uploads'
 * directory checked; commands answered in order (ok and error), a command
 * that queued a file answered when its load ends, an upload
 * put in a private file, paged with its path and removed once loads are
 * idle; bad framing, bytes that are not text and a line too long refused
 * with one line; the socket removed at the end.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "intercom/console/control.h"
#include "intercom/net/control_proto.h"
#include "scratch.h"

/* The commands the console ran, and the upload file of the last (read when it ran). */
static char ran[8][512];
static size_t ran_count;
static char uploaded[64];
static mode_t uploaded_mode;

static void run_cb(void *ctx, char *line, struct control_answer *a)
{
	(void)ctx;
	snprintf(ran[ran_count++ % 8], sizeof ran[0], "%s", line);
	char *up = strstr(line, "/ctl-stdin-pid");
	if (up) {
		struct stat st;
		FILE *f = fopen(strchr(line, '/'), "rb");
		size_t n = f ? fread(uploaded, 1, sizeof uploaded - 1, f) : 0;
		uploaded[n] = '\0';
		if (f)
			fclose(f);
		uploaded_mode = stat(strchr(line, '/'), &st) == 0 ? st.st_mode & 0777 : 0;
	}
	if (strncmp(line, "bad", 3) == 0)
		a->error = true;
	if (strncmp(line, "load ", 5) == 0) {
		control_answer_await(a, line + 5);
		return;
	}
	char text[600];
	snprintf(text, sizeof text, "ran: %s", line);
	control_answer_line(a, text);
	if (strcmp(line, "two") == 0)
		control_answer_line(a, "second\x1b line");
}

struct rig {
	char sock[100], run[100];
	struct control *ctl;
};

static void rig_open(struct rig *r, void **state)
{
	scratch_path(r->sock, sizeof r->sock, state, "c.sock");
	scratch_path(r->run, sizeof r->run, state, "run");
	char err[512] = "";
	ran_count = 0;
	assert_int_equal(control_open(&r->ctl, r->sock, r->run, run_cb, NULL, err, sizeof err), CONTROL_OPEN_OK);
}

static void rig_close(struct rig *r)
{
	control_free(r->ctl);
	rmdir(r->run);
}

static int client(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return fd;
}

/* Runs the control's side of the loop until fd has read `until` (NULL: until the peer closed), 10 s at most. */
static size_t serve_until(struct control *ctl, int fd, char *out, size_t cap, const char *until)
{
	size_t got = 0;
	out[0] = '\0';
	/* Something that never comes: a tenth of a second of serving. */
	int rounds = until && strcmp(until, "nothing comes") == 0 ? 10 : 1000;
	for (int i = 0; i < rounds; i++) {
		struct pollfd fds[CONTROL_CLIENTS_MAX + 1];
		int timeout = 10;
		size_t n = control_poll_prepare(ctl, fds, CONTROL_CLIENTS_MAX + 1, &timeout);
		poll(fds, n, timeout);
		control_poll_handle(ctl, fds, n);
		ssize_t k = recv(fd, out + got, cap - 1 - got, MSG_DONTWAIT);
		if (k > 0) {
			got += (size_t)k;
			out[got] = '\0';
		}
		/* What is awaited, and the whole line it is in. */
		if (k == 0 || (until && strstr(out, until) && got > 0 && out[got - 1] == '\n'))
			break;
	}
	return got;
}

static void send_all(int fd, const void *data, size_t len)
{
	assert_int_equal(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void test_answers(void **state)
{
	struct rig r;
	rig_open(&r, state);
	struct stat st;
	assert_int_equal(stat(r.sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(r.run, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	int fd = client(r.sock);
	char out[4096];
	/* Several at once, split anywhere: answered in order, one each. */
	send_all(fd, "list\nbad one\ntw", 15);
	serve_until(r.ctl, fd, out, sizeof out, "error 1\nran: bad one\n");
	assert_string_equal(out, "ok 1\nran: list\nerror 1\nran: bad one\n");
	send_all(fd, "o\r\n", 3);
	serve_until(r.ctl, fd, out, sizeof out, "line\n");
	assert_string_equal(out, "ok 2\nran: two\nsecond? line\n");
	assert_int_equal(ran_count, 3);
	close(fd);
	rig_close(&r);
	assert_int_equal(stat(r.sock, &st), -1); /* removed */
}

static void test_upload(void **state)
{
	struct rig r;
	rig_open(&r, state);
	int fd = client(r.sock);
	char out[4096];
	send_all(fd, "send --zone hall -\ndata 3\nabcdata 2\nde", 38);
	send_all(fd, "end\n", 4);
	serve_until(r.ctl, fd, out, sizeof out, "/ctl-stdin-pid");
	assert_memory_equal(out, "ok 1\nran: send --zone hall ", 27);
	assert_string_equal(uploaded, "abcde");
	assert_int_equal(uploaded_mode, 0600);
	char want[300];
	snprintf(want, sizeof want, "send --zone hall %s/ctl-stdin-pid", r.run);
	assert_memory_equal(ran[0], want, strlen(want));
	const char *path = strchr(ran[0] + 5, '/');
	assert_int_equal(access(path, F_OK), 0); /* kept while a load may read it */
	control_uploads_idle(r.ctl);
	assert_int_equal(access(path, F_OK), -1);

	/* Held until the loads are idle: with 4 held, a fifth is read to its end and refused. */
	static const char one_byte[] = "send -\ndata 1\nxend\n";
	for (int k = 0; k < CONTROL_UPLOADS_MAX; k++) {
		send_all(fd, one_byte, sizeof one_byte - 1);
		serve_until(r.ctl, fd, out, sizeof out, "/ctl-stdin-pid");
	}
	send_all(fd, one_byte, sizeof one_byte - 1);
	serve_until(r.ctl, fd, out, sizeof out, "try again");
	assert_string_equal(out, "error 1\nnot sent: the console already holds 4 uploads waiting to be "
	                         "paged; try again once they are sent\n");
	assert_int_equal(ran_count, 1 + CONTROL_UPLOADS_MAX);
	control_uploads_idle(r.ctl);
	send_all(fd, one_byte, sizeof one_byte - 1);
	serve_until(r.ctl, fd, out, sizeof out, "/ctl-stdin-pid");
	assert_memory_equal(out, "ok 1\nran: send ", 15);
	control_uploads_idle(r.ctl);
	ran_count = 1;

	/* An empty upload: read to its end, answered error, nothing run. */
	send_all(fd, "send -\nend\n", 11);
	serve_until(r.ctl, fd, out, sizeof out, "empty");
	assert_non_null(strstr(out, "error 1\nnot sent: the upload was empty"));
	assert_int_equal(ran_count, 1);
	close(fd);
	rig_close(&r);
}

/* A command that queued a file to load is answered when the load ends; the client waits meanwhile. */
static void test_await_load(void **state)
{
	struct rig r;
	rig_open(&r, state);
	int fd = client(r.sock);
	char out[4096];
	send_all(fd, "load /srv/a.wav\nlist\n", 21);
	serve_until(r.ctl, fd, out, sizeof out, "nothing comes");
	assert_string_equal(out, ""); /* no answer yet, and list not run before it */
	assert_int_equal(ran_count, 1);
	assert_null(control_load_waiter(r.ctl, "/srv/other.wav"));
	struct control_answer *a = control_load_waiter(r.ctl, "/srv/a.wav");
	assert_non_null(a);
	assert_null(control_load_waiter(r.ctl, "/srv/a.wav")); /* taken */
	control_answer_line(a, "page 4 loaded from /srv/a.wav");
	control_load_answered(r.ctl, a);
	serve_until(r.ctl, fd, out, sizeof out, "ran: list\n");
	assert_string_equal(out, "ok 1\npage 4 loaded from /srv/a.wav\nok 1\nran: list\n");

	/* An error said while loading makes the answer an error; nothing said: a line saying it went. */
	send_all(fd, "load /srv/b.wav\nload /srv/c.wav\n", 32);
	serve_until(r.ctl, fd, out, sizeof out, "nothing comes");
	a = control_load_waiter(r.ctl, "/srv/b.wav");
	a->error = true;
	control_answer_line(a, "cannot send /srv/b.wav: not audio");
	control_load_answered(r.ctl, a);
	serve_until(r.ctl, fd, out, sizeof out, "not audio\n");
	assert_string_equal(out, "error 1\ncannot send /srv/b.wav: not audio\n");
	a = control_load_waiter(r.ctl, "/srv/c.wav");
	control_load_answered(r.ctl, a);
	serve_until(r.ctl, fd, out, sizeof out, "page\n");
	assert_string_equal(out, "ok 1\nloaded, and on its way as a page\n");

	/* A client that leaves while it waits: nobody waits for that load any more. */
	send_all(fd, "load /srv/d.wav\n", 16);
	serve_until(r.ctl, fd, out, sizeof out, "nothing comes");
	close(fd);
	int other = client(r.sock);
	serve_until(r.ctl, other, out, sizeof out, "nothing comes");
	assert_null(control_load_waiter(r.ctl, "/srv/d.wav"));
	close(other);
	rig_close(&r);
}

/* Each way a client is refused: one line, then closed; the others go on. */
static void test_refusals(void **state)
{
	struct rig r;
	rig_open(&r, state);
	static const struct {
		const char *bytes;
		size_t len;
		const char *said;
	} cases[] = {
		{ "send -\ndata 0\n", 14, "refused 1\nbad upload: expected \"data N\" (N 1..65536) or \"end\"" },
		{ "send -\nhello world this is not a chunk header at all\n", 53, "refused 1\nbad upload" },
		{ "li\xffst\n", 7, "refused 1\nnot a command line: it is not UTF-8 text" },
		{ "list\x1b[2J\n", 10, "refused 1\nnot a command line: it holds a control character" },
	};
	char out[4096];
	int other = client(r.sock);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int fd = client(r.sock);
		send_all(fd, cases[i].bytes, cases[i].len);
		serve_until(r.ctl, fd, out, sizeof out, NULL);
		if (strncmp(out, cases[i].said, strlen(cases[i].said)) != 0)
			fail_msg("case %zu: '%s'", i, out);
		close(fd);
	}
	int fd = client(r.sock);
	static char longline[CONTROL_LINE_MAX + 64];
	memset(longline, 'x', sizeof longline);
	send_all(fd, longline, sizeof longline);
	serve_until(r.ctl, fd, out, sizeof out, NULL);
	assert_string_equal(out, "refused 1\nline too long: a command is at most 4096 bytes\n");
	close(fd);
	/* The line at the limit is a line. */
	fd = client(r.sock);
	longline[CONTROL_LINE_MAX] = '\n';
	send_all(fd, longline, CONTROL_LINE_MAX + 1);
	serve_until(r.ctl, fd, out, sizeof out, "\n" "ran");
	assert_memory_equal(out, "ok 1\nran: xxx", 13);
	close(fd);
	/* The first client is still served. */
	send_all(other, "list\n", 5);
	serve_until(r.ctl, other, out, sizeof out, "ran: list\n");
	assert_string_equal(out, "ok 1\nran: list\n");
	close(other);
	rig_close(&r);
}

/* A live console's socket is refused, a stale one replaced, anything else left alone. */
static void test_claim(void **state)
{
	struct rig r;
	rig_open(&r, state);
	struct control *second = NULL;
	char err[512] = "";
	assert_int_equal(control_open(&second, r.sock, r.run, run_cb, NULL, err, sizeof err), CONTROL_OPEN_IN_USE);
	assert_null(second);
	assert_non_null(strstr(err, "another intercom-console is running on the control socket"));
	rig_close(&r);

	/* A socket nobody listens on: stale, replaced. */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", r.sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	rig_open(&r, state);
	rig_close(&r);

	/* A regular file at the path is not ours to remove. */
	FILE *f = fopen(r.sock, "w");
	assert_non_null(f);
	fclose(f);
	err[0] = '\0';
	assert_int_equal(control_open(&second, r.sock, r.run, run_cb, NULL, err, sizeof err), CONTROL_OPEN_FAILED);
	assert_non_null(strstr(err, "something else is there (not a socket)"));
	assert_int_equal(access(r.sock, F_OK), 0);
	unlink(r.sock);

	/* An uploads' directory open to others is refused, with the fix. */
	assert_int_equal(chmod(r.run, 0755), 0);
	assert_int_equal(control_open(&second, r.sock, r.run, run_cb, NULL, err, sizeof err), CONTROL_OPEN_FAILED);
	assert_non_null(strstr(err, "is open to others (mode 755): chmod 700"));
	rmdir(r.run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answers, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_upload, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_await_load, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_claim, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * intercom-ctl: the remote control of a running intercom-console, in the
 * cmus-remote mould. It turns its words into one of the console's command
 * lines (ctl_command), sends it to the console's control socket (for
 * `send -`, with the audio from stdin as chunks), prints the answer and
 * exits with a code a script can act on (defaults.h, enum ctl_exit).
 * One connection, one command; every wait bounded by --timeout.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "intercom/common/app.h"
#include "intercom/common/defaults.h"
#include "intercom/common/options.h"
#include "intercom/ctl/ctl_command.h"
#include "intercom/net/control_proto.h"

struct ctl {
	struct app app;
	struct options opts;
	char path[108];
	int fd;
	char *in;                 /* the answer as it comes */
	size_t in_len, in_off, in_cap;
};

/* A one-line message naming cause and fix; returns code. */
static int ctl_fail(const struct ctl *ctl, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ctl_fail(const struct ctl *ctl, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	app_error(&ctl->app, "%s", msg);
	return code;
}

/* Waits until fd is ready for events; false after --timeout of nothing. */
static bool ctl_wait(const struct ctl *ctl, short events)
{
	struct pollfd p = { .fd = ctl->fd, .events = events };
	for (;;) {
		int n = poll(&p, 1, ctl->opts.timeout_ms);
		if (n > 0)
			return true;
		if (n == 0)
			return false;
		if (errno != EINTR)
			return true; /* the read or write that follows says what is wrong */
	}
}

/* The socket: --socket, else the console's default place. */
static int ctl_socket_path(struct ctl *ctl)
{
	if (ctl->opts.socket[0]) {
		snprintf(ctl->path, sizeof ctl->path, "%s", ctl->opts.socket);
		return APP_RUN;
	}
	char dir[PATH_MAX];
	if (control_default_dir(dir, sizeof dir, getenv("XDG_RUNTIME_DIR"), getuid()) < 0 ||
	    control_socket_path(ctl->path, sizeof ctl->path, dir) < 0)
		return ctl_fail(ctl, EXIT_USAGE, "XDG_RUNTIME_DIR is too long for a socket's path: give "
		                "--socket PATH");
	return APP_RUN;
}

static int ctl_connect(struct ctl *ctl)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(ctl->path) >= sizeof sun.sun_path)
		return ctl_fail(ctl, EXIT_USAGE, "socket path too long (at most %zu bytes): %s",
		                sizeof sun.sun_path - 1, ctl->path);
	memcpy(sun.sun_path, ctl->path, strlen(ctl->path) + 1);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		return ctl_fail(ctl, CTL_EXIT_UNREACHABLE, "cannot make a socket: %s", strerror(errno));
	if (connect(ctl->fd, (const struct sockaddr *)&sun, sizeof sun) == 0)
		return APP_RUN;
	int e = errno;
	if (e == ENOENT || e == ENOTDIR)
		return ctl_fail(ctl, CTL_EXIT_UNREACHABLE, "no console at %s: start intercom-console (as "
		                "this user), or give --socket PATH (its --control-socket)", ctl->path);
	if (e == ECONNREFUSED)
		return ctl_fail(ctl, CTL_EXIT_UNREACHABLE, "nobody listens on %s (its console stopped): "
		                "start intercom-console again", ctl->path);
	if (e == EACCES || e == EPERM)
		return ctl_fail(ctl, CTL_EXIT_UNREACHABLE, "%s: permission denied: it is another user's "
		                "console; run intercom-ctl as that user", ctl->path);
	return ctl_fail(ctl, CTL_EXIT_UNREACHABLE, "cannot connect to %s: %s", ctl->path, strerror(e));
}

/* Writes all of data; 0, -1 if the console went (its answer may still say why), -2 on timeout. */
static int ctl_write(struct ctl *ctl, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		if (!ctl_wait(ctl, POLLOUT))
			return -2;
		ssize_t n = send(ctl->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The audio on stdin as chunks, then "end"; the same codes as ctl_write, or EXIT_USAGE-worthy -3. */
static int ctl_upload(struct ctl *ctl)
{
	static char chunk[CONTROL_CHUNK_MAX];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -4;
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > CONTROL_UPLOAD_MAX)
			return -3;
		char head[CONTROL_HEADER_MAX];
		int h = snprintf(head, sizeof head, "data %zd\n", n);
		int rc = ctl_write(ctl, head, (size_t)h);
		if (rc == 0)
			rc = ctl_write(ctl, chunk, (size_t)n);
		if (rc < 0)
			return rc;
	}
	return ctl_write(ctl, "end\n", 4);
}

/* An answer's line, at most: a status of 10000 speakers as JSON is a few MB. */
#define CTL_ANSWER_LINE_MAX (64u << 20)

/* One line of the answer (NUL-terminated, in ctl's buffer); 0, -1 at the end of the stream, -2 on timeout. */
static int ctl_read_line(struct ctl *ctl, char **line)
{
	for (;;) {
		char *nl = ctl->in_len ? memchr(ctl->in + ctl->in_off, '\n', ctl->in_len - ctl->in_off) : NULL;
		if (nl) {
			*nl = '\0';
			*line = ctl->in + ctl->in_off;
			ctl->in_off = (size_t)(nl - ctl->in) + 1;
			return 0;
		}
		/* What is left moves to the front; the buffer grows for a long line. */
		if (ctl->in_off) {
			memmove(ctl->in, ctl->in + ctl->in_off, ctl->in_len - ctl->in_off);
			ctl->in_len -= ctl->in_off;
			ctl->in_off = 0;
		}
		if (ctl->in_len + 4096 > ctl->in_cap) {
			size_t cap = ctl->in_cap ? ctl->in_cap * 2 : 65536;
			char *grown = cap <= CTL_ANSWER_LINE_MAX ? realloc(ctl->in, cap) : NULL;
			if (!grown)
				return -1;
			ctl->in = grown;
			ctl->in_cap = cap;
		}
		if (!ctl_wait(ctl, POLLIN))
			return -2;
		ssize_t n = recv(ctl->fd, ctl->in + ctl->in_len, ctl->in_cap - ctl->in_len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		ctl->in_len += (size_t)n;
	}
}

static int ctl_timeout(const struct ctl *ctl)
{
	return ctl_fail(ctl, CTL_EXIT_TIMEOUT, "the console at %s did not answer within %.1f s: is it "
	                "stopped (Ctrl-Z) or stuck? See its log, or give a longer --timeout", ctl->path,
	                ctl->opts.timeout_ms / 1000.0);
}

/* Reads the answer and prints it: ok on stdout, an error or a refusal on stderr. Returns the exit code. */
static int ctl_answer(struct ctl *ctl)
{
	char *line;
	int rc = ctl_read_line(ctl, &line);
	if (rc == -2)
		return ctl_timeout(ctl);
	enum control_reply kind;
	size_t lines;
	if (rc < 0)
		return ctl_fail(ctl, CTL_EXIT_UNREACHABLE, "the console at %s closed the connection without "
		                "an answer (it is stopping?)", ctl->path);
	if (control_reply_parse(line, strlen(line), &kind, &lines) < 0)
		return ctl_fail(ctl, CTL_EXIT_UNREACHABLE, "%s does not answer as an intercom-console "
		                "(\"%.40s\"): give --socket the console's --control-socket", ctl->path, line);
	for (size_t i = 0; i < lines; i++) {
		rc = ctl_read_line(ctl, &line);
		if (rc == -2)
			return ctl_timeout(ctl);
		if (rc < 0)
			return ctl_fail(ctl, CTL_EXIT_UNREACHABLE, "the console at %s closed the connection "
			                "in the middle of its answer", ctl->path);
		if (kind == CONTROL_REPLY_OK)
			printf("%s\n", line);
		else if (kind == CONTROL_REPLY_ERROR)
			app_error(&ctl->app, "%s", line);
		else
			app_error(&ctl->app, "the console would not serve this client: %s", line);
	}
	fflush(stdout);
	return kind == CONTROL_REPLY_OK ? EXIT_OK : kind == CONTROL_REPLY_ERROR ? CTL_EXIT_REFUSED
	                                                                         : CTL_EXIT_UNREACHABLE;
}

/* Sends the command (and the upload), then takes the answer. */
static int ctl_run(struct ctl *ctl, const struct ctl_command *cmd)
{
	char line[CONTROL_LINE_MAX + 2];
	int n = snprintf(line, sizeof line, "%s\n", cmd->line);
	int rc = ctl_write(ctl, line, (size_t)n);
	if (rc == 0 && cmd->upload)
		rc = ctl_upload(ctl);
	if (rc == -2)
		return ctl_timeout(ctl);
	if (rc == -3)
		return ctl_fail(ctl, EXIT_USAGE, "stdin holds more than %u MiB: a page is at most 300 s; "
		                "send a shorter recording", CONTROL_UPLOAD_MAX >> 20);
	if (rc == -4)
		return ctl_fail(ctl, EXIT_USAGE, "cannot read stdin: %s", strerror(errno));
	/* A console that closed on us (-1) may have said why first: the answer tells. */
	return ctl_answer(ctl);
}

int main(int argc, char **argv)
{
	static struct ctl ctl = { .app.name = "intercom-ctl", .fd = -1 };
	int rc = app_start(&ctl.app, &ctl.opts, PROGRAM_CTL, argc, argv);
	if (rc != APP_RUN)
		return rc;
	char cwd[PATH_MAX], err[512];
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, "/");
	struct ctl_command cmd;
	if (ctl_command_build(&cmd, argv + ctl.opts.command_index, argc - ctl.opts.command_index, cwd, err,
	                      sizeof err) < 0)
		return ctl_fail(&ctl, EXIT_USAGE, "%s", err);
	/* Same machine, same user: a file the console could not read is said here, at once. */
	if (cmd.file[0] && access(cmd.file, R_OK) < 0)
		return ctl_fail(&ctl, CTL_EXIT_REFUSED, "cannot read %s: %s; give an audio file to page",
		                cmd.file, strerror(errno));
	if (cmd.upload && isatty(STDIN_FILENO))
		return ctl_fail(&ctl, EXIT_USAGE, "send - pages the audio on stdin, and stdin is a terminal: "
		                "pipe it in, e.g. espeak-ng --stdout \"Closing in ten minutes\" | intercom-ctl send -");
	rc = ctl_socket_path(&ctl);
	if (rc == APP_RUN)
		rc = ctl_connect(&ctl);
	if (rc == APP_RUN)
		rc = ctl_run(&ctl, &cmd);
	if (ctl.fd >= 0)
		close(ctl.fd);
	free(ctl.in);
	return rc;
}

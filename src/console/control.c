/*
 * The console's control socket (control.h): listener, clients, their
 * commands and answers, and `send -` uploads into private temp files.
 */
#define _GNU_SOURCE /* SO_PEERCRED, struct ucred, accept4 */
#include "intercom/console/control.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "intercom/common/clock.h"
#include "intercom/common/log.h"
#include "intercom/common/ratelimit.h"
#include "intercom/net/control_proto.h"

/* After EMFILE, accept() waits this long instead of spinning on a readable socket. */
#define CONTROL_ACCEPT_BACKOFF_MS 1000
/* A client's input buffer: a whole chunk and its header, or the longest line and its ending. */
#define CONTROL_IN_MAX (CONTROL_CHUNK_MAX + CONTROL_HEADER_MAX)

struct control_client {
	int fd;
	long pid;                 /* the peer's, for the log (SO_PEERCRED) */
	char in[CONTROL_IN_MAX];
	size_t in_len;
	char *out;                /* the answer being written */
	size_t out_len, out_off;
	struct control_reader reader; /* where it is in the grammar */
	uint64_t last_ms;         /* the last byte read or written */
	/* An upload under way: its command (the "-" at dash), file and size, or why it is refused. */
	char upload_line[CONTROL_LINE_MAX + 1];
	size_t upload_dash;
	int upload_fd;
	char upload_path[PATH_MAX];
	size_t upload_bytes;
	const char *upload_refused; /* the upload is read and dropped; its answer says this */
	/* Its command queued a file to load: the answer (kept here) waits for the load's end. */
	bool awaiting;
	struct control_answer await;
};

enum log_cause { LOG_DROPPED };

struct control {
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;                /* the socket file made, to remove it only if it is still ours */
	ino_t ino;
	char upload_dir[PATH_MAX - 64]; /* with "/ctl-stdin-pidN-XXXXXX", a path */
	control_run_fn run;
	void *ctx;
	struct control_client *clients[CONTROL_CLIENTS_MAX];
	size_t client_count;
	uint64_t accept_paused_until;
	/* Uploads whose command ran: removed once the console's loads are idle. */
	char held[CONTROL_UPLOADS_MAX][PATH_MAX];
	size_t held_count;
	size_t receiving;         /* uploads being received */
	struct ratelimit log_limit;
};

/* ---- answers ---- */

void control_answer_line(struct control_answer *a, const char *text)
{
	size_t n = strlen(text);
	if (a->len + n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap : 1024;
		while (cap < a->len + n + 2)
			cap *= 2;
		char *grown = realloc(a->text, cap);
		if (!grown) {
			a->failed = true;
			return;
		}
		a->text = grown;
		a->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		/* One answer line stays one line, whatever a name or a path held. */
		a->text[a->len++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	a->text[a->len++] = '\n';
	a->text[a->len] = '\0';
	a->lines++;
}

void control_answer_await(struct control_answer *a, const char *path)
{
	snprintf(a->await_path, sizeof a->await_path, "%s", path);
}

/* ---- clients ---- */

static void summary_cb(const struct ratelimit_summary *s, void *ctx)
{
	(void)ctx;
	log_event_at(LOG_PRIORITY_NOTICE, "control socket: %lu more clients dropped in %llu s (not logged)", s->held,
	          (unsigned long long)(s->window_ms / 1000));
}

static void upload_discard(struct control *ctl, struct control_client *c)
{
	if (c->upload_fd >= 0) {
		close(c->upload_fd);
		unlink(c->upload_path);
		c->upload_fd = -1;
		ctl->receiving--;
	}
	c->upload_path[0] = '\0';
}

static void client_close(struct control *ctl, size_t i)
{
	struct control_client *c = ctl->clients[i];
	upload_discard(ctl, c);
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	free(c->await.text);
	free(c);
	ctl->clients[i] = ctl->clients[--ctl->client_count];
}

/* Tells fd why it is not served, in one line, without waiting; logs it (ratelimited); closes it. */
static void refuse_fd(struct control *ctl, int fd, long pid, const char *why)
{
	char msg[512];
	size_t h = control_reply_header(msg, CONTROL_REPLY_REFUSED, 1);
	snprintf(msg + h, sizeof msg - h, "%s\n", why);
	ssize_t w = send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w; /* a client that cannot take even this is closed all the same */
	if (ratelimit_allow(&ctl->log_limit, LOG_DROPPED, "control", clock_mono_ms()))
		log_event_at(LOG_PRIORITY_NOTICE, "control socket: client (pid %ld) dropped: %s", pid, why);
	close(fd);
}

/*
 * The client is not served further: one line says why (written once,
 * without waiting: it is short and the client's buffer is empty unless it
 * stopped reading), and it is closed. Logged, ratelimited.
 */
static void client_refuse(struct control *ctl, size_t i, const char *why)
{
	struct control_client *c = ctl->clients[i];
	int fd = c->fd;
	c->fd = -1;
	refuse_fd(ctl, fd, c->pid, why);
	client_close(ctl, i);
}

/* The answer goes out: header, then its lines. */
static void client_answer(struct control_client *c, struct control_answer *a)
{
	if (a->failed) {
		free(a->text);
		*a = (struct control_answer){ .error = true };
		control_answer_line(a, "the console ran out of memory for the answer");
	}
	char head[CONTROL_HEADER_MAX];
	size_t h = control_reply_header(head, a->error ? CONTROL_REPLY_ERROR : CONTROL_REPLY_OK, a->lines);
	char *out = malloc(h + a->len + 1);
	if (out) {
		memcpy(out, head, h);
		if (a->len)
			memcpy(out + h, a->text, a->len);
		free(c->out);
		c->out = out;
		c->out_len = h + a->len;
		c->out_off = 0;
	} else {
		/* No room for the answer: the client is ended rather than left waiting for it. */
		shutdown(c->fd, SHUT_RDWR);
	}
	free(a->text);
}

/* Runs a command line for client c (upload: its file holds that many bytes); its answer is queued. */
static void client_run(struct control *ctl, struct control_client *c, char *line, size_t upload)
{
	struct control_answer a = { 0 };
	/* What was asked, in the console's log (a status, asked every second by a script, is not). */
	if (strncmp(line, "status", 6) != 0)
		log_event("control socket (pid %ld): %s", c->pid, line);
	ctl->run(ctl->ctx, line, &a);
	if (a.await_path[0] && !a.error && !a.failed) {
		/* Answered when the file's load ends: no other command of this client is read meanwhile. */
		c->awaiting = true;
		c->await = a;
		return;
	}
	if (a.lines == 0 && !a.error) {
		/* It said nothing: the answer says what was done. A file loads off the loop, then pages. */
		char done[CONTROL_LINE_MAX + 128];
		if (upload)
			snprintf(done, sizeof done, "queued: the audio from stdin (%zu bytes) loads, then pages; "
			         "status says how it went", upload);
		else if (strncmp(line, "send ", 5) == 0)
			snprintf(done, sizeof done, "queued: %s loads, then pages; status says how it went", line + 5);
		else
			snprintf(done, sizeof done, "%s: done", *line ? line : "talk");
		control_answer_line(&a, done);
	}
	client_answer(c, &a);
}

/* A `send ... -` line: the upload begins (into a temp file, or refused and read to its end). */
static void upload_begin(struct control *ctl, struct control_client *c, const char *line, size_t dash)
{
	snprintf(c->upload_line, sizeof c->upload_line, "%s", line);
	c->upload_dash = dash;
	c->upload_bytes = 0;
	c->upload_refused = NULL;
	if (ctl->receiving + ctl->held_count >= CONTROL_UPLOADS_MAX) {
		c->upload_refused = "not sent: the console already holds 4 uploads waiting to be paged; "
		                    "try again once they are sent";
		return;
	}
	/* Named for the log ("page 3 loaded from …/ctl-stdin-pid1234-Ab12Cd"): whose audio it was. */
	snprintf(c->upload_path, sizeof c->upload_path, "%s/ctl-stdin-pid%ld-XXXXXX", ctl->upload_dir, c->pid);
	mode_t old = umask(077);
	c->upload_fd = mkstemp(c->upload_path);
	umask(old);
	if (c->upload_fd < 0) {
		c->upload_refused = "not sent: the console cannot make a temp file for the upload in its "
		                    "runtime directory (full, or not writable?)";
		c->upload_path[0] = '\0';
		return;
	}
	ctl->receiving++;
}

/* The upload's "end": its file is paged through the command's own send PATH. */
static void upload_end(struct control *ctl, struct control_client *c)
{
	if (!c->upload_refused && c->upload_bytes == 0)
		c->upload_refused = "not sent: the upload was empty (nothing came on stdin)";
	if (!c->upload_refused && close(c->upload_fd) < 0)
		c->upload_refused = "not sent: the upload could not be written (runtime directory full?)";
	else if (!c->upload_refused)
		c->upload_fd = -1;
	if (c->upload_refused) {
		upload_discard(ctl, c);
		struct control_answer a = { .error = true };
		control_answer_line(&a, c->upload_refused);
		client_answer(c, &a);
		return;
	}
	ctl->receiving--;
	/* The file stays until the loads are idle: the page may still be waiting to load. */
	snprintf(ctl->held[ctl->held_count++], PATH_MAX, "%s", c->upload_path);
	char line[CONTROL_LINE_MAX + PATH_MAX + 1];
	snprintf(line, sizeof line, "%.*s%s", (int)c->upload_dash, c->upload_line, c->upload_path);
	c->upload_path[0] = '\0';
	client_run(ctl, c, line, c->upload_bytes);
}

/* Upload bytes into the file (or dropped, if the upload is refused: its answer says why). */
static void upload_write(struct control *ctl, struct control_client *c, const char *data, size_t n)
{
	if (c->upload_refused)
		return;
	while (n > 0) {
		ssize_t w = write(c->upload_fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->upload_refused = "not sent: the upload could not be written (runtime directory full?)";
			upload_discard(ctl, c);
			return;
		}
		data += w;
		n -= (size_t)w;
		c->upload_bytes += (size_t)w;
	}
}

/*
 * Takes what the client's buffer holds, piece by piece (control_reader):
 * one command (then its answer must go before the next is read), or upload
 * chunks. False if the client was dropped.
 */
static bool client_consume(struct control *ctl, size_t i)
{
	struct control_client *c = ctl->clients[i];
	size_t off = 0;
	while (!c->out && !c->awaiting && off < c->in_len) {
		struct control_piece piece;
		size_t used = 0;
		enum control_read got = control_reader_next(&c->reader, c->in + off, c->in_len - off, &used, &piece);
		off += used;
		if (got == CONTROL_READ_MORE)
			break;
		if (got == CONTROL_READ_REFUSE) {
			client_refuse(ctl, i, piece.why);
			return false;
		}
		if (got == CONTROL_READ_DATA) {
			upload_write(ctl, c, piece.data, piece.len);
			continue;
		}
		if (got == CONTROL_READ_END) {
			upload_end(ctl, c);
			continue;
		}
		char line[CONTROL_LINE_MAX + 1];
		memcpy(line, piece.data, piece.len);
		line[piece.len] = '\0';
		if (got == CONTROL_READ_UPLOAD)
			upload_begin(ctl, c, line, piece.dash);
		else
			client_run(ctl, c, line, 0);
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return true;
}

/* Reads what the client sent (once per pass: a flood is served in turns); false if it went. */
static bool client_read(struct control *ctl, size_t i)
{
	struct control_client *c = ctl->clients[i];
	if (c->in_len == sizeof c->in) /* never left full (control_reader), but a recv of 0 would read as gone */
		return client_consume(ctl, i);
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n <= 0) {
		/* Gone: what it sent in full was answered (or its answer is lost with it). */
		client_close(ctl, i);
		return false;
	}
	c->in_len += (size_t)n;
	c->last_ms = clock_mono_ms();
	return client_consume(ctl, i);
}

/* Writes what the answer has left; false if the client went. */
static bool client_write(struct control *ctl, size_t i)
{
	struct control_client *c = ctl->clients[i];
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			client_close(ctl, i);
			return false;
		}
		c->out_off += (size_t)n;
		c->last_ms = clock_mono_ms();
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	/* The next command may already be here. */
	return c->in_len == 0 || client_consume(ctl, i);
}

/* A new client: the console's own user only, and not too many. */
static void control_accept(struct control *ctl)
{
	int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			ctl->accept_paused_until = clock_mono_ms() + CONTROL_ACCEPT_BACKOFF_MS;
		return;
	}
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1 };
	socklen_t len = sizeof cred;
	char msg[256];
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		refuse_fd(ctl, fd, 0, "refused: the console cannot tell who is connecting (SO_PEERCRED failed)");
		return;
	}
	if (cred.uid != geteuid()) {
		snprintf(msg, sizeof msg, "refused: uid %lu is not the console's user (uid %lu); run "
		         "intercom-ctl as that user", (unsigned long)cred.uid, (unsigned long)geteuid());
		refuse_fd(ctl, fd, cred.pid, msg);
		return;
	}
	if (ctl->client_count >= CONTROL_CLIENTS_MAX) {
		refuse_fd(ctl, fd, cred.pid, "refused: 16 control clients are connected already; try "
		          "again when one is done");
		return;
	}
	struct control_client *c = calloc(1, sizeof *c);
	if (!c) {
		refuse_fd(ctl, fd, cred.pid, "refused: the console is out of memory");
		return;
	}
	*c = (struct control_client){ .fd = fd, .pid = cred.pid, .upload_fd = -1, .last_ms = clock_mono_ms() };
	ctl->clients[ctl->client_count++] = c;
}

/* ---- the socket ---- */

/* The uploads' directory: ours and private (made 0700 if it is not there). */
static int private_dir(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make the control socket's directory %s: %s", dir, strerror(errno));
		return -1;
	}
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory: remove it, or set XDG_RUNTIME_DIR", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s belongs to uid %lu, not to this user: remove it, or set "
		         "XDG_RUNTIME_DIR to a directory of your own", dir, (unsigned long)st.st_uid);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s is open to others (mode %03o): chmod 700 %s", dir,
		         (unsigned)(st.st_mode & 0777), dir);
		return -1;
	}
	return 0;
}

/*
 * A socket file already at path: a live console's (connect succeeds: in
 * use) or a stale one left by a console that died (removed). Anything else
 * there is not ours to remove.
 */
static enum control_open_result claim_path(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(sun->sun_path, &st) < 0 && errno == ENOENT)
		return CONTROL_OPEN_OK;
	if (lstat(sun->sun_path, &st) < 0) {
		snprintf(err, errlen, "cannot listen on the control socket %s: %s; give another "
		         "--control-socket PATH (or off)", sun->sun_path, strerror(errno));
		return CONTROL_OPEN_FAILED;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: something else is there (not a socket); remove it "
		         "or give another --control-socket PATH", sun->sun_path);
		return CONTROL_OPEN_FAILED;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return CONTROL_OPEN_FAILED;
	}
	int rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	int e = errno;
	close(fd);
	/* EAGAIN: a live listener whose backlog is full; EACCES/EPERM: not ours to test or take. */
	if (rc == 0 || e == EAGAIN || e == EACCES || e == EPERM) {
		snprintf(err, errlen, "another intercom-console is running on the control socket %s "
		         "(it answers there): stop it first, or give this one --control-socket PATH "
		         "(or --control-socket off)", sun->sun_path);
		return CONTROL_OPEN_IN_USE;
	}
	if (unlink(sun->sun_path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale control socket %s: %s", sun->sun_path,
		         strerror(errno));
		return CONTROL_OPEN_FAILED;
	}
	return CONTROL_OPEN_OK;
}

enum control_open_result control_open(struct control **out, const char *path, const char *upload_dir,
                                      control_run_fn run, void *ctx, char *err, size_t errlen)
{
	*out = NULL;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "control socket path too long (at most %zu bytes): %.60s...; give a "
		         "shorter --control-socket PATH", sizeof sun.sun_path - 1, path);
		return CONTROL_OPEN_FAILED;
	}
	if (strlen(upload_dir) >= sizeof ((struct control *)0)->upload_dir) {
		snprintf(err, errlen, "the runtime directory's path is too long: set a shorter XDG_RUNTIME_DIR");
		return CONTROL_OPEN_FAILED;
	}
	if (private_dir(upload_dir, err, errlen) < 0)
		return CONTROL_OPEN_FAILED;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	enum control_open_result r = claim_path(&sun, err, errlen);
	if (r != CONTROL_OPEN_OK)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return CONTROL_OPEN_FAILED;
	}
	/* 0600 from the start: no moment in which another user could connect. */
	mode_t old = umask(0177);
	int rc = bind(fd, (const struct sockaddr *)&sun, sizeof sun);
	int e = errno;
	umask(old);
	struct stat st;
	if (rc < 0 || listen(fd, CONTROL_CLIENTS_MAX) < 0 || stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot listen on the control socket %s: %s; give another "
		         "--control-socket PATH (or off)", path, strerror(rc < 0 ? e : errno));
		close(fd);
		return CONTROL_OPEN_FAILED;
	}
	struct control *ctl = calloc(1, sizeof *ctl);
	if (!ctl) {
		close(fd);
		unlink(path);
		snprintf(err, errlen, "out of memory");
		return CONTROL_OPEN_FAILED;
	}
	ctl->listen_fd = fd;
	snprintf(ctl->path, sizeof ctl->path, "%s", path);
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	snprintf(ctl->upload_dir, sizeof ctl->upload_dir, "%s", upload_dir);
	ctl->run = run;
	ctl->ctx = ctx;
	ratelimit_init(&ctl->log_limit, 5, 20, 10000, summary_cb, NULL);
	*out = ctl;
	return CONTROL_OPEN_OK;
}

struct control_answer *control_load_waiter(struct control *ctl, const char *path)
{
	for (size_t i = 0; ctl && i < ctl->client_count; i++) {
		struct control_client *c = ctl->clients[i];
		if (c->awaiting && strcmp(c->await.await_path, path) == 0) {
			c->await.await_path[0] = '\0';
			return &c->await;
		}
	}
	return NULL;
}

void control_load_answered(struct control *ctl, struct control_answer *answer)
{
	for (size_t i = 0; ctl && answer && i < ctl->client_count; i++) {
		struct control_client *c = ctl->clients[i];
		if (&c->await != answer)
			continue;
		if (answer->lines == 0 && !answer->error)
			control_answer_line(answer, "loaded, and on its way as a page");
		c->awaiting = false;
		client_answer(c, answer);
		*answer = (struct control_answer){ 0 };
		c->last_ms = clock_mono_ms();
		return;
	}
}

void control_uploads_idle(struct control *ctl)
{
	if (!ctl)
		return;
	for (size_t i = 0; i < ctl->held_count; i++)
		unlink(ctl->held[i]);
	ctl->held_count = 0;
}

void control_free(struct control *ctl)
{
	if (!ctl)
		return;
	/* An answer still queued (quit's own) goes if the client's socket takes it now. */
	for (size_t i = 0; i < ctl->client_count; i++) {
		struct control_client *c = ctl->clients[i];
		if (c->out && c->out_off < c->out_len) {
			ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)n;
		}
	}
	while (ctl->client_count > 0)
		client_close(ctl, ctl->client_count - 1);
	control_uploads_idle(ctl);
	ratelimit_flush(&ctl->log_limit, clock_mono_ms());
	close(ctl->listen_fd);
	struct stat st;
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlink(ctl->path);
	free(ctl);
}

size_t control_pollfd_count(const struct control *ctl)
{
	return ctl ? 1 + ctl->client_count : 0;
}

size_t control_poll_prepare(struct control *ctl, struct pollfd *fds, size_t cap, int *timeout_ms)
{
	if (!ctl || cap < 1 + ctl->client_count)
		return 0;
	uint64_t now = clock_mono_ms();
	bool paused = ctl->accept_paused_until > now;
	if (paused && (int)(ctl->accept_paused_until - now) < *timeout_ms)
		*timeout_ms = (int)(ctl->accept_paused_until - now);
	fds[0] = (struct pollfd){ .fd = paused ? -1 : ctl->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < ctl->client_count; i++) {
		struct control_client *c = ctl->clients[i];
		/* One waiting for its file's load is watched for hanging up only, and has no deadline. */
		fds[1 + i] = (struct pollfd){ .fd = c->fd, .events = c->out ? POLLOUT : c->awaiting ? 0 : POLLIN };
		if (c->awaiting)
			continue;
		uint64_t due = c->last_ms + CONTROL_IDLE_MS;
		int left = due > now ? (int)(due - now) : 0;
		if (left < *timeout_ms)
			*timeout_ms = left;
	}
	int tick = ratelimit_tick(&ctl->log_limit, now);
	if (tick >= 0 && tick < *timeout_ms)
		*timeout_ms = tick;
	return 1 + ctl->client_count;
}

void control_poll_handle(struct control *ctl, const struct pollfd *fds, size_t n)
{
	if (!ctl || n == 0)
		return;
	/* Clients by fd: the list changes as they are served (a closed one takes the last's place). */
	size_t count = n - 1 < ctl->client_count ? n - 1 : ctl->client_count;
	int ready[CONTROL_CLIENTS_MAX];
	short revents[CONTROL_CLIENTS_MAX];
	for (size_t k = 0; k < count; k++) {
		ready[k] = fds[1 + k].fd;
		revents[k] = fds[1 + k].revents;
	}
	uint64_t now = clock_mono_ms();
	for (size_t k = 0; k < count; k++) {
		size_t i = 0;
		while (i < ctl->client_count && ctl->clients[i]->fd != ready[k])
			i++;
		if (i == ctl->client_count)
			continue;
		const struct control_client *c = ctl->clients[i];
		if (c->awaiting && revents[k] & (POLLERR | POLLHUP)) {
			client_close(ctl, i); /* it left before its answer: nobody waits for the load now */
			continue;
		}
		if (revents[k] & POLLOUT || (c->out && revents[k] & (POLLERR | POLLHUP))) {
			if (!client_write(ctl, i))
				continue;
		} else if (revents[k] & (POLLIN | POLLERR | POLLHUP)) {
			if (!client_read(ctl, i))
				continue;
		}
	}
	/* The idle ones poll() did not wake. */
	for (size_t i = 0; i < ctl->client_count;) {
		struct control_client *c = ctl->clients[i];
		if (!c->awaiting && now >= c->last_ms + CONTROL_IDLE_MS)
			client_refuse(ctl, i, c->out ? "closed: it took none of its answer for 10 s"
			                             : "closed: nothing came for 10 s (a command is one line "
			                               "ending in a newline)");
		else
			i++;
	}
	if (fds[0].revents & POLLIN)
		control_accept(ctl);
}

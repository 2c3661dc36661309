/*
 * The console's control socket: a Unix socket in the console's own poll()
 * loop that takes the headless command language from other programs of the
 * same user (intercom-ctl), one command per line, and answers each (the
 * lines the command logged, ok or error; control_proto.h has the wire). It
 * owns the listening socket (refusing to start over a live console's,
 * replacing a stale one), its clients (non-blocking, bounded buffers, one
 * command at a time each, dropped with a one-line reason when they are
 * another user, too many, silent or stalled for CONTROL_IDLE_MS, or send a
 * line too long or that is not text), the answer to a `send`, which waits
 * for the file's load to end and says how it went, and `send -` uploads: the audio into
 * a private temp file (0600, in the runtime directory), paged through the
 * command's own `send PATH`, removed once the console's file loads are idle.
 * The commands themselves are the console's (the run callback).
 */
#ifndef INTERCOM_CONTROL_H
#define INTERCOM_CONTROL_H

#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A client that sends nothing while the console waits for it (a command, the
 * rest of a line or of an upload), or takes none of its answer, for this
 * long is told so and closed: a connection is for commands in a row, not
 * to be held open, and a stuck one must not keep its place.
 */
#define CONTROL_IDLE_MS 10000
/* Clients served at once; one more is told why and closed (a script's loop gone wrong). */
#define CONTROL_CLIENTS_MAX 16
/* Uploads held at once (being received, or waiting for their page to load): 4 x 64 MiB at most. */
#define CONTROL_UPLOADS_MAX 4

struct control;

/* What a command answered: its lines and whether it failed. */
struct control_answer {
	char *text;               /* the lines, each ending in '\n' */
	size_t len, cap, lines;
	bool error;
	bool failed;              /* out of memory: the client is told so */
	/* The command queued a file to load (send): the answer waits for the load, which says how it went. */
	char await_path[PATH_MAX];
};

/* Adds one line of answer (control characters shown as ?: one line stays one line). */
void control_answer_line(struct control_answer *a, const char *text);
/*
 * The command queued path to be loaded as a page: its answer goes once the
 * load has ended (control_load_waiter), with what became of the file.
 */
void control_answer_await(struct control_answer *a, const char *path);

/*
 * Runs one command line (writable, NUL-terminated) for a client and fills
 * its answer. Called from control_poll_handle, on the loop.
 */
typedef void (*control_run_fn)(void *ctx, char *line, struct control_answer *answer);

/* How control_open went. */
enum control_open_result { CONTROL_OPEN_OK, CONTROL_OPEN_FAILED, CONTROL_OPEN_IN_USE };

/*
 * Listens on path (a stale socket there is replaced; a live console's is not:
 * CONTROL_OPEN_IN_USE), socket mode 0600; uploads go to upload_dir, made
 * 0700 if missing and refused if another user owns it or others may enter
 * it. err says why not, with the fix.
 */
enum control_open_result control_open(struct control **out, const char *path, const char *upload_dir,
                                      control_run_fn run, void *ctx, char *err, size_t errlen);
/* Closes every client, removes the uploads and the socket (if it is still ours). NULL: nothing. */
void control_free(struct control *ctl);

/* The poll slots it may fill (the listener and every client). */
size_t control_pollfd_count(const struct control *ctl);
/* Fills fds (at most cap) and lowers *timeout_ms to its next deadline; returns the count. */
size_t control_poll_prepare(struct control *ctl, struct pollfd *fds, size_t cap, int *timeout_ms);
/* Accepts, reads, runs commands, writes answers, drops who must go. */
void control_poll_handle(struct control *ctl, const struct pollfd *fds, size_t n);

/*
 * The load of path has ended: the answer of the client waiting for it (the
 * first, if several sent that file), to be filled while the console says
 * what became of the file, then handed back with control_load_answered; or
 * NULL if nobody waits (a file sent from stdin or the screen, or a client
 * that left).
 */
struct control_answer *control_load_waiter(struct control *ctl, const char *path);
void control_load_answered(struct control *ctl, struct control_answer *answer);

/*
 * The console's file loads are idle: nothing can still be reading an
 * upload whose command ran, so those files are removed.
 */
void control_uploads_idle(struct control *ctl);

#endif

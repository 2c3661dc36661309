/*
 * File descriptor helpers: one way to make a pipe. Every pipe in the programs
 * is polled by a loop or written from a signal handler, so each end must be
 * non-blocking, and none should leak into a child: say which with flags.
 */
#ifndef INTERCOM_FDUTIL_H
#define INTERCOM_FDUTIL_H

/*
 * Creates a pipe (fds[0] to read, fds[1] to write) with flags on both ends:
 * O_NONBLOCK, O_CLOEXEC (from <fcntl.h>), either, both or 0. Both ends are
 * made at once, so no other thread's exec sees them without close-on-exec.
 * 0, or -1 with errno set (EINVAL for any other flag) and fds untouched.
 */
int fd_pipe(int fds[2], int flags);

#endif

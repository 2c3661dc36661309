/* File descriptor helpers. */
#define _GNU_SOURCE /* pipe2: POSIX.1-2024, in glibc and musl under _GNU_SOURCE */
#include "intercom/common/fdutil.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int fd_pipe(int fds[2], int flags)
{
	if (!fds || (flags & ~(O_NONBLOCK | O_CLOEXEC)) != 0) {
		errno = EINVAL;
		return -1;
	}
	int p[2];
	if (pipe2(p, flags) < 0)
		return -1;
	fds[0] = p[0];
	fds[1] = p[1];
	return 0;
}

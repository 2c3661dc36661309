/*
 * A slow disk for tests, preloaded into the console (LD_PRELOAD): fsync() of
 * a page being archived (a file named *.wav.part) waits as long as the file
 * named by INTERCOM_TEST_HOLD_FSYNC exists, then does its work. The test
 * holds the disk with touch and lets it go with rm. Anything else is not held.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* True if fd is a page's temporary file in an archive. */
static int is_page_part(int fd)
{
	char link[64], path[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return n > 9 && strcmp(path + n - 9, ".wav.part") == 0;
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	const char *hold = getenv("INTERCOM_TEST_HOLD_FSYNC");
	if (hold && *hold && is_page_part(fd))
		while (access(hold, F_OK) == 0)
			usleep(10000);
	return real(fd);
}

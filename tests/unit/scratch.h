/*
 * A scratch directory per test, for units that write files: cmocka setup and
 * teardown functions (state is the directory's path) and a path helper.
 * Header-only, for test binaries; the directory is flat, and teardown removes
 * whatever the test left in it.
 */
#ifndef INTERCOM_TESTS_SCRATCH_H
#define INTERCOM_TESTS_SCRATCH_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Makes /tmp/intercom-unit.XXXXXX; its path becomes the test's state. */
static inline int scratch_setup(void **state)
{
	char *dir = strdup("/tmp/intercom-unit.XXXXXX");
	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

/* Removes the directory and the files in it. */
static inline int scratch_teardown(void **state)
{
	char *dir = *state;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[PATH_MAX + 256];
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
	return 0;
}

/* state's directory joined with name. */
static inline void scratch_path(char *out, size_t outlen, void **state, const char *name)
{
	snprintf(out, outlen, "%s/%s", (const char *)*state, name);
}

#endif

/* Shipped files, looked up relative to the executable. */
#include "intercom/common/assets.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Source tree levels searched above the executable's directory: build/bin, build/san/bin. */
#define ASSETS_MAX_UP 3

/* out = dir/rest/name if that is a readable file. */
static int try_path(char *out, size_t outlen, const char *dir, const char *rest, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s/%s", dir, rest, name);
	return n > 0 && (size_t)n < outlen && access(out, R_OK) == 0 ? 0 : -1;
}

int assets_find(const char *name, char *out, size_t outlen)
{
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n <= 0 || strchr(name, '/'))
		return -1;
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0'; /* the executable's directory */
	if (try_path(out, outlen, dir, "../share/intercom", name) == 0)
		return 0;
	for (int up = 0; up < ASSETS_MAX_UP; up++) {
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
		if (try_path(out, outlen, *dir ? dir : "", "assets", name) == 0)
			return 0;
	}
	return -1;
}

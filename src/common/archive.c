/* Durable page files. */
#include "intercom/common/archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

void archive_default_dir(char *out, size_t outlen)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg == '/')
		snprintf(out, outlen, "%s/intercom/pages", xdg);
	else
		snprintf(out, outlen, "%s/.local/share/intercom/pages", home && *home ? home : ".");
}

int archive_prepare_dir(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path || !*dir) {
		snprintf(err, errlen, "bad directory name '%s'", dir);
		return -1;
	}
	/* mkdir -p: create each missing component in turn. */
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST) {
				snprintf(err, errlen, "cannot create directory %s: %s (choose another directory)",
				         path, strerror(errno));
				return -1;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory (choose another directory)", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "cannot write to %s: %s (fix its permissions or choose another directory)",
		         dir, strerror(errno));
		return -1;
	}
	return 0;
}

int archive_check(const char *dir, size_t bytes, char *err, size_t errlen)
{
	if (archive_prepare_dir(dir, err, errlen) < 0)
		return -1;
	struct statvfs fs;
	if (statvfs(dir, &fs) == 0) {
		unsigned long long avail = (unsigned long long)fs.f_bavail * fs.f_frsize;
		/* Room for the page and its header, with a little slack for the file system. */
		if (avail < (unsigned long long)bytes + 65536) {
			snprintf(err, errlen, "%s is full: %llu KiB free, a page needs %zu KiB "
			         "(free some space or choose another directory)",
			         dir, avail / 1024, bytes / 1024 + 1);
			return -1;
		}
	}
	return 0;
}

void archive_page_name(uint64_t wall_ms, uint32_t page_id, char *out, size_t outlen)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(out, outlen, "%s.%03u-page%04u.wav", stamp, (unsigned)(wall_ms % 1000),
	         (unsigned)page_id);
}

static int write_all(int fd, const uint8_t *bytes, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, bytes, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		bytes += n;
		len -= (size_t)n;
	}
	return 0;
}

int archive_write(const char *dir, const char *name, const uint8_t *bytes, size_t len,
                  char *path, size_t pathlen, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	/* A cut-short name would write, and rename onto, some other file. */
	int n = snprintf(path, pathlen, "%s/%s", dir, name);
	int t = snprintf(tmp, sizeof tmp, "%s/.%s.part", dir, name);
	if (n < 0 || (size_t)n >= pathlen || t < 0 || (size_t)t >= sizeof tmp) {
		/* The temporary name is the path and 6 bytes more: "/." and ".part" for "/". */
		size_t most = pathlen ? pathlen - 1 : 0;
		if (most > sizeof tmp - 7)
			most = sizeof tmp - 7;
		if (pathlen > 0)
			path[0] = '\0';
		/* The reason first: the names may be long enough to fill err. */
		snprintf(err, errlen, "path too long to write (%d bytes, at most %zu): %s/%s",
		         n, most, dir, name);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, bytes, len) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* The rename is durable only once the directory entry is on disk too. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int archive_find_page(const char *dir, uint32_t page_id, char *path, size_t pathlen, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "cannot read the archive %s: %s", dir, strerror(errno));
		return -1;
	}
	char tail[32], best[256] = "";
	int tail_len = snprintf(tail, sizeof tail, "-page%04u.wav", (unsigned)page_id);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		/* The names sort by time: the greatest is the newest. */
		if (e->d_name[0] != '.' && len > (size_t)tail_len && len < sizeof best &&
		    strcmp(e->d_name + len - (size_t)tail_len, tail) == 0 && strcmp(e->d_name, best) > 0)
			memcpy(best, e->d_name, len + 1);
	}
	closedir(d);
	if (!best[0]) {
		snprintf(err, errlen, "page %u is not in the archive %s: history and the archive's file names "
		         "(*-page%04u.wav) list the pages there", (unsigned)page_id, dir, (unsigned)page_id);
		return -1;
	}
	int n = snprintf(path, pathlen, "%s/%s", dir, best);
	if (n < 0 || (size_t)n >= pathlen) {
		snprintf(err, errlen, "the path of page %u's file is too long", (unsigned)page_id);
		return -1;
	}
	return 0;
}

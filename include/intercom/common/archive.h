/*
 * Pages on disk: the console's archive and the speaker's --save directory.
 * A page file is written under a temporary name, fsync'ed, renamed into place
 * and the directory fsync'ed, so a crash never leaves half a page behind.
 */
#ifndef INTERCOM_ARCHIVE_H
#define INTERCOM_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

/* $XDG_DATA_HOME/intercom/pages, or ~/.local/share/intercom/pages. */
void archive_default_dir(char *out, size_t outlen);

/* Creates dir (and parents) and checks it is writable. 0, or -1 with a message. */
int archive_prepare_dir(const char *dir, char *err, size_t errlen);

/*
 * Checks, before recording, that a page of `bytes` can be archived: the directory
 * exists (it is created again if it went missing), is writable, and its file system
 * has room for it. 0, or -1 with a message naming the cause and the fix.
 */
int archive_check(const char *dir, size_t bytes, char *err, size_t errlen);

/* "20261125-143102.123-page0007.wav" in local time: sorts by time, names the page. */
void archive_page_name(uint64_t wall_ms, uint32_t page_id, char *out, size_t outlen);

/*
 * The archived file of page page_id in dir (named by archive_page_name; of
 * several, as after restarts that numbered pages afresh, the newest) into
 * path. 0, or -1 with a message naming the fix (none there, dir unreadable).
 */
int archive_find_page(const char *dir, uint32_t page_id, char *path, size_t pathlen, char *err, size_t errlen);

/*
 * Writes bytes durably as dir/name; path gets the full path. 0, or -1 with a
 * message; a path longer than pathlen - 1 bytes (or whose temporary name is
 * longer than PATH_MAX - 1) is refused before any file is made, path left "".
 */
int archive_write(const char *dir, const char *name, const uint8_t *bytes, size_t len,
                  char *path, size_t pathlen, char *err, size_t errlen);

#endif

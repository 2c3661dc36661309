/*
 * What the console keeps across restarts, in $XDG_STATE_HOME/intercom/
 * console.state (a kvstore text, written whole under a temporary name,
 * fsync'ed and renamed: a crash leaves the old file or the new one): the
 * last page number used, so numbers keep increasing; and the settings the
 * operator changed on the screen or by command: duration, live or pages,
 * priority, chime, pre-roll, and the target (page_target_kept's line). The
 * mapping to and from the
 * kvstore is pure; load and save are the edge.
 */
#ifndef INTERCOM_CONSOLE_SAVED_H
#define INTERCOM_CONSOLE_SAVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/kvstore.h"
#include "intercom/console/page_settings.h"

/* The file's name in the state directory. */
#define CONSOLE_SAVED_FILE "console.state"

struct console_saved {
	uint32_t last_page;         /* the highest page number used (0: none yet) */
	double duration_s;          /* 0: not saved */
	bool live;
	struct page_settings page;
	char target[KVSTORE_VALUE_MAX]; /* where pages go, page_target_kept's line ("" = not kept) */
};

/* The store's keys for s (every field). */
void console_saved_to_kv(const struct console_saved *s, struct kvstore *kv);
/*
 * The fields whose keys kv holds with a valid value; the others are left as
 * they were (defaults, or the command line's). Returns how many keys were
 * present but not valid (said by the caller).
 */
size_t console_saved_from_kv(struct console_saved *s, const struct kvstore *kv);

/* $XDG_STATE_HOME/intercom/console.state (or ~/.local/state/...); "" if neither is set. */
void console_saved_path(char *out, size_t outlen);
/* Reads path into kv (a missing file is an empty store). 0, or -1 with why. */
int console_saved_load(const char *path, struct kvstore *kv, char *err, size_t errlen);
/* Writes kv durably as path. 0, or -1 with why. */
int console_saved_save(const char *path, const struct kvstore *kv, char *err, size_t errlen);

#endif

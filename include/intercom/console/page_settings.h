/*
 * How the console's next pages are made, beyond where they go and how long
 * they are: their priority (normal, high, emergency), the chime before them
 * (on, off, or a file instead of the shipped one) and the pre-roll (the
 * moment of input from before the key that each recording begins with).
 * The commands `priority normal|high|emergency`, `chime on|off|FILE` and
 * `preroll MS` change them (a bare word shows the setting); a per-page
 * --priority/--chime/--no-chime overrides the first two for one page only.
 * Pure: the console loads a chime file, this only records what was asked.
 */
#ifndef INTERCOM_PAGE_SETTINGS_H
#define INTERCOM_PAGE_SETTINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "intercom/common/priority.h"

struct page_settings {
	enum priority priority;     /* the default for next pages */
	bool chime;                 /* a chime before each page (not live talk, not the test tone) */
	char chime_file[PATH_MAX];  /* the chime's file; "" = the shipped one */
	int preroll_ms;             /* 0..PREROLL_MAX_MS */
};

/* What a command line was. */
enum page_settings_result {
	PAGE_SETTINGS_OTHER,        /* not one of these commands */
	PAGE_SETTINGS_SHOWN,        /* a bare word: msg says the setting */
	PAGE_SETTINGS_CHANGED,      /* changed: msg says so */
	PAGE_SETTINGS_CHIME_FILE,   /* `chime FILE`: *file points into line; the caller loads it,
	                               then page_settings_chime_file */
	PAGE_SETTINGS_ERROR,        /* msg says the right form */
};

/* The defaults: normal, the shipped chime on, PREROLL_DEFAULT_MS. */
void page_settings_init(struct page_settings *ps);

/* One command line (trimmed): priority, chime, preroll. */
enum page_settings_result page_settings_command(struct page_settings *ps, const char *line,
                                                const char **file, char *msg, size_t msglen);
/* A chime file was loaded: it is the chime from now on (and the chime is on). */
void page_settings_chime_file(struct page_settings *ps, const char *path);
/* "on", "off", or the file's name: for the screen and status. */
const char *page_settings_chime_name(const struct page_settings *ps);

#endif

/*
 * The console's page preferences at run time, around console_state's
 * page_settings: the chime loaded at the page's format (the shipped one or a
 * file), the commands priority, chime and preroll answered, and the state
 * kept across restarts (console_saved): read at start-up (page numbers go on
 * in the outbox, settings not given on the command line come back) and
 * written whenever it changed (the loop calls it between recordings: a
 * write's fsync never holds up a capture). Edge: files and the log.
 */
#ifndef INTERCOM_CONSOLE_PREFS_H
#define INTERCOM_CONSOLE_PREFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "intercom/audio/chime.h"
#include "intercom/audio/format.h"
#include "intercom/common/options.h"
#include "intercom/console/console_saved.h"
#include "intercom/console/console_state.h"
#include "intercom/console/outbox.h"

struct console_prefs {
	struct chime chime;           /* at the page's format; none: off or not loadable */
	struct audio_format fmt;
	char saved_path[PATH_MAX];    /* the state file ("" nowhere) */
	struct console_saved saved;   /* ... as last written (or read) */
	bool saved_failed;            /* its write failed: said once */
};

/*
 * At start-up, after cs and ob are made: the state kept last time, then the
 * chime. 0, or -1 with err (the --chime given cannot be loaded: a usage error).
 */
int console_prefs_setup(struct console_prefs *p, struct console_state *cs, struct outbox *ob,
                        const struct options *opts, const struct audio_format *fmt, char *err, size_t errlen);
/* Writes the state if it changed since (a page number used, a setting changed); cheap when not. */
void console_prefs_update(struct console_prefs *p, const struct console_state *cs, const struct outbox *ob);
/* The commands priority, chime and preroll: true if line was one (done, and answered through cs). */
bool console_prefs_command(struct console_prefs *p, struct console_state *cs, char *line);
void console_prefs_free(struct console_prefs *p);

#endif

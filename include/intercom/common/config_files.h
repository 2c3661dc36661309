/*
 * The config files of a program: which files are read (--config FILE alone,
 * else the system file then the user's) and their text, for options_parse_
 * layers. The one place that reads them; the parsing is options.c's.
 */
#ifndef INTERCOM_CONFIG_FILES_H
#define INTERCOM_CONFIG_FILES_H

#include <limits.h>
#include <stddef.h>

#include "intercom/common/options.h"

/* Where the system files are, unless INTERCOM_SYSCONFDIR says otherwise (tests, the bench). */
#define CONFIG_SYSTEM_DIR "/etc/intercom"

/* A file bigger than this is not a config file someone wrote: refused. */
#define CONFIG_FILE_MAX_BYTES (256 * 1024)

#define CONFIG_FILES_MAX 2

struct config_files {
	char paths[CONFIG_FILES_MAX][PATH_MAX];
	int must_exist[CONFIG_FILES_MAX];          /* --config FILE must; the others may be absent */
	size_t candidates;                         /* paths looked at */
	char *texts[CONFIG_FILES_MAX];             /* owned */
	struct options_layer layers[CONFIG_FILES_MAX];
	size_t count;                              /* layers read, in the order they apply */
};

/*
 * The files a program reads, in order, from its --config (NULL or "" when
 * not given) and the environment's values (each NULL when unset): the
 * system file in sysconfdir (else CONFIG_SYSTEM_DIR), then the user's in
 * $XDG_CONFIG_HOME/intercom (else $HOME/.config/intercom; none without
 * either). Pure: fills paths, must_exist and candidates only.
 */
void config_files_find(struct config_files *files, enum program program, const char *config_file,
                       const char *sysconfdir, const char *xdg_config_home, const char *home);

/*
 * Reads the files found (absent optional ones skipped) into layers. 0, or -1
 * with "cannot read FILE: reason" in err. Frees what it read on failure.
 */
int config_files_read(struct config_files *files, char *err, size_t errlen);

void config_files_free(struct config_files *files);

#endif

/* Finding and reading the config files (see config_files.h). */
#include "intercom/common/config_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "console" or "speaker": the file's name without ".conf". */
static const char *base_name(enum program program)
{
	return program == PROGRAM_SPEAKER ? "speaker" : "console";
}

/* Appends dir + tail; a path that does not fit in PATH_MAX is left out (it could not be opened). */
static void add(struct config_files *files, int must_exist, const char *dir, const char *tail,
                const char *base)
{
	char *path = files->paths[files->candidates];
	int n = snprintf(path, PATH_MAX, "%s%s%s%s", dir, tail, base, base[0] ? ".conf" : "");
	if (n < 0 || n >= PATH_MAX)
		return;
	files->must_exist[files->candidates++] = must_exist;
}

void config_files_find(struct config_files *files, enum program program, const char *config_file,
                       const char *sysconfdir, const char *xdg_config_home, const char *home)
{
	memset(files, 0, sizeof *files);
	/* intercom-ctl has nothing to set: its socket and timeout are per call. */
	if (program == PROGRAM_CTL)
		return;
	if (config_file != NULL && config_file[0] != '\0') {
		add(files, 1, config_file, "", "");
		return;
	}
	const char *base = base_name(program);
	add(files, 0, sysconfdir != NULL && sysconfdir[0] ? sysconfdir : CONFIG_SYSTEM_DIR, "/", base);
	/* The XDG base directory rules: a relative $XDG_CONFIG_HOME is to be ignored. */
	if (xdg_config_home != NULL && xdg_config_home[0] == '/')
		add(files, 0, xdg_config_home, "/intercom/", base);
	else if (home != NULL && home[0] == '/')
		add(files, 0, home, "/.config/intercom/", base);
}

/* Reads one whole file into a new string; NULL with errno (EFBIG: too big, EINVAL: a NUL byte). */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *text = malloc(CONFIG_FILE_MAX_BYTES + 1);
	errno = 0;
	size_t n = text != NULL ? fread(text, 1, CONFIG_FILE_MAX_BYTES + 1, f) : 0;
	/* A directory opens, then fails to read with EISDIR. */
	int failed = text == NULL ? ENOMEM : ferror(f) ? (errno != 0 ? errno : EIO) : 0;
	fclose(f);
	if (failed == 0 && n > CONFIG_FILE_MAX_BYTES)
		failed = EFBIG;
	if (failed == 0 && memchr(text, '\0', n) != NULL)
		failed = EINVAL;
	if (failed != 0) {
		free(text);
		errno = failed;
		return NULL;
	}
	text[n] = '\0';
	return text;
}

int config_files_read(struct config_files *files, char *err, size_t errlen)
{
	for (size_t i = 0; i < files->candidates; i++) {
		const char *path = files->paths[i];
		char *text = read_text(path);
		if (text == NULL && errno == ENOENT && !files->must_exist[i])
			continue;
		if (text == NULL) {
			const char *why = errno == EFBIG   ? "bigger than a config file can be"
			                  : errno == EINVAL ? "not a text file (it has a NUL byte)"
			                                    : strerror(errno);
			snprintf(err, errlen, "cannot read config file %s: %s%s", path, why,
			         files->must_exist[i] ? " (give a readable file to --config)"
			                              : " (fix its permissions, or remove it)");
			config_files_free(files);
			return -1;
		}
		files->texts[files->count] = text;
		files->layers[files->count] = (struct options_layer){ .path = path, .text = text };
		files->count++;
	}
	return 0;
}

void config_files_free(struct config_files *files)
{
	for (size_t i = 0; i < files->count; i++) {
		free(files->texts[i]);
		files->texts[i] = NULL;
	}
	files->count = 0;
}

/* The console's state across restarts: page numbers and the operator's settings (console_saved.h). */
#include "intercom/console/console_saved.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/archive.h"
#include "intercom/common/defaults.h"
#include "intercom/net/identity.h"

/* The most a state file may hold: a handful of short lines. */
#define CONSOLE_SAVED_MAX_BYTES (KVSTORE_MAX * (KVSTORE_KEY_MAX + KVSTORE_VALUE_MAX + 2) + 256)

void console_saved_to_kv(const struct console_saved *s, struct kvstore *kv)
{
	char v[64];
	snprintf(v, sizeof v, "%lu", (unsigned long)s->last_page);
	kvstore_set(kv, "last_page", v);
	if (s->duration_s > 0) {
		snprintf(v, sizeof v, "%.3f", s->duration_s);
		kvstore_set(kv, "duration", v);
	}
	kvstore_set(kv, "mode", s->live ? "live" : "page");
	kvstore_set(kv, "priority", priority_name(s->page.priority));
	kvstore_set(kv, "chime", s->page.chime ? "on" : "off");
	if (kvstore_set(kv, "chime_file", s->page.chime_file) < 0)
		kvstore_unset(kv, "chime_file");
	snprintf(v, sizeof v, "%d", s->page.preroll_ms);
	kvstore_set(kv, "preroll_ms", v);
	if (kvstore_set(kv, "target", s->target) < 0)
		kvstore_unset(kv, "target");
}

size_t console_saved_from_kv(struct console_saved *s, const struct kvstore *kv)
{
	size_t bad = 0;
	long l;
	double d;
	bool b;
	const char *v;
	if (kvstore_get_long(kv, "last_page", 0, (long)UINT32_MAX - 1, &l) == 0)
		s->last_page = (uint32_t)l;
	else
		bad += kvstore_get(kv, "last_page") != NULL;
	if (kvstore_get_double(kv, "duration", DURATION_MIN_S, DURATION_MAX_S, &d) == 0)
		s->duration_s = d;
	else
		bad += kvstore_get(kv, "duration") != NULL;
	if ((v = kvstore_get(kv, "mode"))) {
		if (strcmp(v, "live") == 0 || strcmp(v, "page") == 0)
			s->live = strcmp(v, "live") == 0;
		else
			bad++;
	}
	enum priority p;
	if ((v = kvstore_get(kv, "priority"))) {
		if (priority_parse(v, &p) == 0)
			s->page.priority = p;
		else
			bad++;
	}
	if (kvstore_get_bool(kv, "chime", &b) == 0)
		s->page.chime = b;
	else
		bad += kvstore_get(kv, "chime") != NULL;
	if ((v = kvstore_get(kv, "chime_file")))
		snprintf(s->page.chime_file, sizeof s->page.chime_file, "%s", v);
	if (kvstore_get_long(kv, "preroll_ms", 0, PREROLL_MAX_MS, &l) == 0)
		s->page.preroll_ms = (int)l;
	else
		bad += kvstore_get(kv, "preroll_ms") != NULL;
	if ((v = kvstore_get(kv, "target")))
		snprintf(s->target, sizeof s->target, "%s", v);
	return bad;
}

void console_saved_path(char *out, size_t outlen)
{
	char dir[PATH_MAX];
	identity_state_dir(dir, sizeof dir);
	if (!dir[0]) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	snprintf(out, outlen, "%s/%s", dir, CONSOLE_SAVED_FILE);
}

int console_saved_load(const char *path, struct kvstore *kv, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	char *text = malloc(CONSOLE_SAVED_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n = fread(text, 1, CONSOLE_SAVED_MAX_BYTES + 1, f);
	bool failed = ferror(f);
	fclose(f);
	if (failed || n > CONSOLE_SAVED_MAX_BYTES) {
		free(text);
		snprintf(err, errlen, failed ? "cannot read %s" : "%s is larger than a state file can be", path);
		return -1;
	}
	text[n] = '\0';
	kvstore_parse(kv, text);
	free(text);
	return 0;
}

int console_saved_save(const char *path, const struct kvstore *kv, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || !slash[1]) {
		snprintf(err, errlen, "no state directory: set XDG_STATE_HOME or HOME");
		return -1;
	}
	*slash = '\0';
	if (archive_prepare_dir(dir, err, errlen) < 0)
		return -1;
	char *text = malloc(CONSOLE_SAVED_MAX_BYTES);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t len = kvstore_format(kv, "intercom-console: page numbers and the operator's settings, kept across restarts",
	                            text, CONSOLE_SAVED_MAX_BYTES);
	char written[PATH_MAX];
	int rc = len < CONSOLE_SAVED_MAX_BYTES
	                 ? archive_write(dir, slash + 1, (const uint8_t *)text, len, written, sizeof written, err, errlen)
	                 : (snprintf(err, errlen, "the state is too large to write"), -1);
	free(text);
	return rc;
}

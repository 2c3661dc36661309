/* The console's settings for next pages: priority, chime, pre-roll (page_settings.h). */
#include "intercom/console/page_settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/defaults.h"

void page_settings_init(struct page_settings *ps)
{
	memset(ps, 0, sizeof *ps);
	ps->priority = PRIORITY_NORMAL;
	ps->chime = true;
	ps->preroll_ms = PREROLL_DEFAULT_MS;
}

const char *page_settings_chime_name(const struct page_settings *ps)
{
	if (!ps->chime)
		return "off";
	if (!ps->chime_file[0])
		return "on";
	const char *slash = strrchr(ps->chime_file, '/');
	return slash ? slash + 1 : ps->chime_file;
}

void page_settings_chime_file(struct page_settings *ps, const char *path)
{
	snprintf(ps->chime_file, sizeof ps->chime_file, "%s", path);
	ps->chime = true;
}

/* The word after a command's name (leading blanks skipped), or NULL if the line is just the name. */
static const char *argument(const char *line, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(line, name, n) != 0 || (line[n] && line[n] != ' ' && line[n] != '\t'))
		return (const char *)-1;
	const char *a = line + n;
	while (*a == ' ' || *a == '\t')
		a++;
	return *a ? a : NULL;
}

enum page_settings_result page_settings_command(struct page_settings *ps, const char *line,
                                                const char **file, char *msg, size_t msglen)
{
	const char *none = (const char *)-1;
	const char *a;
	if ((a = argument(line, "priority")) != none) {
		if (!a) {
			snprintf(msg, msglen, "priority of next pages: %s", priority_name(ps->priority));
			return PAGE_SETTINGS_SHOWN;
		}
		enum priority p;
		if (priority_parse(a, &p) < 0) {
			snprintf(msg, msglen, "priority: say normal, high or emergency (not '%s')", a);
			return PAGE_SETTINGS_ERROR;
		}
		ps->priority = p;
		snprintf(msg, msglen, "priority of next pages: %s", priority_name(p));
		return PAGE_SETTINGS_CHANGED;
	}
	if ((a = argument(line, "chime")) != none) {
		if (!a) {
			snprintf(msg, msglen, "chime before pages: %s", page_settings_chime_name(ps));
			return PAGE_SETTINGS_SHOWN;
		}
		if (strcmp(a, "on") == 0 || strcmp(a, "off") == 0) {
			ps->chime = strcmp(a, "on") == 0;
			snprintf(msg, msglen, "chime before pages: %s", page_settings_chime_name(ps));
			return PAGE_SETTINGS_CHANGED;
		}
		*file = a;
		return PAGE_SETTINGS_CHIME_FILE;
	}
	if ((a = argument(line, "preroll")) != none) {
		if (!a) {
			snprintf(msg, msglen, "pre-roll: %d ms", ps->preroll_ms);
			return PAGE_SETTINGS_SHOWN;
		}
		char *end;
		errno = 0;
		long ms = strtol(a, &end, 10);
		if (errno || end == a || *end || ms < 0 || ms > PREROLL_MAX_MS) {
			snprintf(msg, msglen, "preroll: say a number of ms, 0..%d (not '%s')", PREROLL_MAX_MS, a);
			return PAGE_SETTINGS_ERROR;
		}
		ps->preroll_ms = (int)ms;
		snprintf(msg, msglen, "pre-roll: %d ms", ps->preroll_ms);
		return PAGE_SETTINGS_CHANGED;
	}
	return PAGE_SETTINGS_OTHER;
}

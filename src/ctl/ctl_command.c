/* intercom-ctl's words as the console's command line (ctl_command.h). */
#include "intercom/ctl/ctl_command.h"

#include <stdio.h>
#include <string.h>

/* send's options that take a value (the console's TARGET-OPTS): the word after them is theirs. */
static bool takes_value(const char *option)
{
	static const char *const with_value[] = { "--zone", "--speaker", "--priority" };
	for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
		if (strcmp(option, with_value[i]) == 0)
			return true;
	return false;
}

/* Appends " word" (or "word" first) to cmd's line; false if it does not fit. */
static bool append(struct ctl_command *cmd, const char *word)
{
	size_t used = strlen(cmd->line);
	int n = snprintf(cmd->line + used, sizeof cmd->line - used, "%s%s", used ? " " : "", word);
	return n >= 0 && (size_t)n < sizeof cmd->line - used;
}

/* send [OPTS] FILE, with OPTS anywhere in words: options in their order, then the file, absolute. */
static int build_send(struct ctl_command *cmd, char *const words[], int count, const char *cwd,
                      char *err, size_t errlen)
{
	const char *file = NULL;
	bool options_ended = false;
	if (!append(cmd, "send"))
		goto too_long;
	for (int i = 1; i < count; i++) {
		const char *w = words[i];
		if (!options_ended && strcmp(w, "--") == 0) {
			options_ended = true;
			continue;
		}
		if (!options_ended && w[0] == '-' && w[1] != '\0') {
			if (!append(cmd, w))
				goto too_long;
			if (takes_value(w)) {
				if (i + 1 >= count) {
					snprintf(err, errlen, "send %s needs a value, e.g. send %s hall FILE", w, w);
					return -1;
				}
				if (!append(cmd, words[++i]))
					goto too_long;
			}
			continue;
		}
		if (file) {
			snprintf(err, errlen, "send takes one file, not '%.60s' and '%.60s' (options go as "
			         "--zone NAME)", file, w);
			return -1;
		}
		file = w;
	}
	if (!file) {
		snprintf(err, errlen, "send needs a file, or - for audio on stdin: e.g. intercom-ctl send "
		         "closing.flac");
		return -1;
	}
	if (strcmp(file, "-") == 0) {
		cmd->upload = true;
		if (!append(cmd, "-"))
			goto too_long;
		return 0;
	}
	char path[CONTROL_LINE_MAX + 1];
	int n = file[0] == '/' ? snprintf(path, sizeof path, "%s", file)
	                       : snprintf(path, sizeof path, "%s/%s", strcmp(cwd, "/") ? cwd : "", file);
	if (n < 0 || (size_t)n >= sizeof path || !append(cmd, path))
		goto too_long;
	memcpy(cmd->file, path, (size_t)n + 1);
	return 0;
too_long:
	snprintf(err, errlen, "the command is over %d bytes: give a shorter path", CONTROL_LINE_MAX);
	return -1;
}

int ctl_command_build(struct ctl_command *cmd, char *const words[], int count, const char *cwd,
                      char *err, size_t errlen)
{
	memset(cmd, 0, sizeof *cmd);
	if (count < 1) {
		snprintf(err, errlen, "missing command: e.g. intercom-ctl status");
		return -1;
	}
	for (int i = 0; i < count; i++) {
		for (const char *c = words[i]; *c; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				snprintf(err, errlen, "argument %d holds a control character (a newline?): a "
				         "command is one line of text", i + 1);
				return -1;
			}
		}
	}
	if (strcmp(words[0], "send") == 0)
		return build_send(cmd, words, count, cwd, err, errlen);
	if (strcmp(words[0], "status") == 0) {
		for (int i = 1; i < count; i++) {
			if (strcmp(words[i], "--json") != 0) {
				snprintf(err, errlen, "status takes only --json, not '%.60s'", words[i]);
				return -1;
			}
			cmd->json = true;
		}
		snprintf(cmd->line, sizeof cmd->line, "%s", cmd->json ? "status" : "status text");
		return 0;
	}
	for (int i = 0; i < count; i++) {
		if (!append(cmd, words[i])) {
			snprintf(err, errlen, "the command is over %d bytes", CONTROL_LINE_MAX);
			return -1;
		}
	}
	return 0;
}

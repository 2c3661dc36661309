/*
 * intercom-ctl's words turned into the console's command line: the words
 * joined as typed, except that `send` puts its options first and its file
 * last, made absolute (the console's working directory is not the
 * caller's; in the console's language a path is the rest of the line), "-"
 * staying "-" (the audio comes on stdin, uploaded); `status` asks for the
 * readable lines (`status text`) unless --json. Pure: the caller gives the
 * working directory.
 */
#ifndef INTERCOM_CTL_COMMAND_H
#define INTERCOM_CTL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "intercom/net/control_proto.h"

struct ctl_command {
	char line[CONTROL_LINE_MAX + 1]; /* the console's command line, without its newline */
	bool upload;              /* send -: the audio on stdin follows the line */
	bool json;                /* status --json: the answer is one JSON object */
	char file[CONTROL_LINE_MAX + 1]; /* send FILE: the file, absolute ("" for none, or -) */
};

/*
 * words[0..count) (the command and its arguments) into *cmd. 0, or -1 with
 * a one-line reason and its fix in err (a usage error).
 */
int ctl_command_build(struct ctl_command *cmd, char *const words[], int count, const char *cwd,
                      char *err, size_t errlen);

#endif

/*
 * What a state machine said through its say callback, one line after another,
 * for the units of console_state and speaker_state. Header-only, for test
 * binaries.
 */
#ifndef INTERCOM_TESTS_SAID_H
#define INTERCOM_TESTS_SAID_H

#include <stdio.h>

struct said {
	char lines[32][512];
	int n;
};

static inline void say_cb(const char *line, void *ctx)
{
	struct said *s = ctx;
	if (s->n < 32)
		snprintf(s->lines[s->n++], sizeof s->lines[0], "%s", line);
}

/* The last line said, or "" if none. */
static inline const char *last(const struct said *s)
{
	return s->n ? s->lines[s->n - 1] : "";
}

#endif

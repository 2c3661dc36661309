/* A page's priority: its names, both ways. */
#include "intercom/common/priority.h"

#include <string.h>

static const char *const names[] = { "normal", "high", "emergency" };

const char *priority_name(enum priority p)
{
	return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "normal";
}

int priority_parse(const char *s, enum priority *out)
{
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (enum priority)i;
			return 0;
		}
	return -1;
}

/*
 * The per-page options of the console's commands, parsed into one request:
 * talk [SECONDS] [OPTS], send [OPTS] FILE, resend [--missed] [PAGE] [OPTS],
 * where OPTS are --all, --zone NAME[,NAME...], --speaker NAME|ID[,...]
 * (repeatable: the zones and speakers add up), --priority
 * normal|high|emergency, --chime, --no-chime; and the target command's words
 * (target all | zone NAME[,...] | speaker NAME|ID[,...]). What priority and
 * chime do is the pages' business; here they are only read.
 *
 * Pure: no I/O, no globals. Units: tests/unit/test_page_opts.c.
 */
#ifndef INTERCOM_CONSOLE_PAGE_OPTS_H
#define INTERCOM_CONSOLE_PAGE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/priority.h"
#include "intercom/console/page_target.h"

/* Which command's words are read. */
enum page_opts_command {
	PAGE_OPTS_TALK,           /* talk [SECONDS] [OPTS] */
	PAGE_OPTS_SEND,           /* send [OPTS] FILE (the rest of the line, spaces and all) */
	PAGE_OPTS_RESEND,         /* resend [--missed] [PAGE] [OPTS] */
};

/* One page's request: what was given, the rest left to the console's settings. */
struct page_request {
	bool has_target;          /* --all, --zone or --speaker given */
	struct page_target target;
	bool has_priority;
	enum priority priority;
	int chime;                /* -1: as the console says; 0: --no-chime; 1: --chime */
	bool has_seconds;         /* talk SECONDS */
	double seconds;
	bool missed;              /* resend --missed: only the speakers that did not play it */
	uint32_t page;            /* resend PAGE (0: the last page) */
	const char *file;         /* send's FILE, pointing into the line parsed */
};

/*
 * Parses args (what follows the command word; modified in place, file
 * points into it) for cmd. 0, or -1 with a one-line reason naming the fix.
 */
int page_opts_parse(enum page_opts_command cmd, char *args, struct page_request *req, char *err,
                    size_t errlen);

/*
 * The target command's words (after "target"): "all", "zone NAME[,...]",
 * "speaker NAME|ID[,...]". 0, or -1 with a one-line reason.
 */
int page_opts_parse_target(const char *args, struct page_target *t, char *err, size_t errlen);

#endif

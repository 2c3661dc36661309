/*
 * What the two programs' mains share: the opening of main (options, --help,
 * --version), a fatal error noted while the screen is up and printed once the
 * terminal is back, and the name a station goes by when none is given.
 */
#ifndef INTERCOM_APP_H
#define INTERCOM_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "intercom/common/options.h"

struct app {
	const char *name;   /* "intercom-console": prefixes every message on stderr */
	bool quit;          /* the loop ends at the end of this pass */
	int exit_code;
	char fatal[1024];   /* printed on stderr once the terminal is restored */
};

/* app_start's answer when the program should run. */
#define APP_RUN (-1)

/*
 * Parses the command line into opts. Returns APP_RUN, or the exit code after
 * printing --help, --version or the one-line reason the options are wrong.
 */
int app_start(struct app *app, struct options *opts, enum program program, int argc, char **argv);

/*
 * --list-devices is all the program does (lists them and returns EXIT_OK, or
 * EXIT_AUDIO); else *screen says whether the screen is wanted, which needs a
 * terminal on stdin and stdout (else EXIT_USAGE, with headless_hint saying how
 * to run without one). APP_RUN to go on.
 */
int app_front_end(struct app *app, const struct options *opts, bool *screen,
                  const char *headless_hint);

/* Something the loop cannot go on without: logged, kept for after the screen, and the loop ends. */
void app_fail(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A start-up error on stderr, "intercom-console: ...", before any screen is up. */
void app_error(const struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the fatal error noted by app_fail, if any (call once the terminal is restored). */
void app_report_fatal(const struct app *app);

/*
 * The host's name if it is a valid station name (UTF-8, at most NAME_MAX_BYTES),
 * else fallback. out must hold NAME_MAX_BYTES + 1.
 */
void app_host_name(char *out, size_t cap, const char *fallback);

#endif

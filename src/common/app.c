/* The opening and closing of both mains (see app.h). */
#include "intercom/common/app.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/audio/audio.h"
#include "intercom/common/config_files.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/common/trace.h"
#include "intercom/net/proto.h"

/* The settings' --help, --version or the option's mistake: the exit code, or APP_RUN. */
static int start_result(struct app *app, const struct options *opts, enum program program,
                        enum options_result result, const char *err)
{
	switch (result) {
	case OPTIONS_INVALID: {
		char prefix[4];
		fprintf(stderr, "%s%s\n",
		        log_priority_prefix(prefix, log_fd_is_journal(STDERR_FILENO), LOG_PRIORITY_ERR),
		        err);
		return EXIT_USAGE;
	}
	case OPTIONS_EXIT:
		if (opts->help)
			options_usage(program, stdout);
		else
			printf("%s %s (protocol %d)\n", app->name, INTERCOM_VERSION, PROTO_VERSION);
		return EXIT_OK;
	case OPTIONS_RUN:
		break;
	}
	return APP_RUN;
}

/*
 * The command line alone first (--help must work whatever the files say, and
 * --config says which files to read), then the files under it.
 */
int app_start(struct app *app, struct options *opts, enum program program, int argc, char **argv)
{
	char err[PATH_MAX + 512];
	trace_init();
	int code = start_result(app, opts, program,
	                        options_prescan(opts, program, argc, argv, err, sizeof err), err);
	if (code != APP_RUN)
		return code;

	static struct config_files files; /* big (paths): off the stack */
	config_files_find(&files, program, opts->config_file, getenv("INTERCOM_SYSCONFDIR"),
	                  getenv("XDG_CONFIG_HOME"), getenv("HOME"));
	if (config_files_read(&files, err, sizeof err) < 0) {
		app_error(app, "%s", err);
		return EXIT_FILES;
	}
	struct options_origin origins[OPT_COUNT];
	code = start_result(app, opts, program,
	                    options_parse_layers(opts, program, files.layers, files.count, argc, argv,
	                                         origins, err, sizeof err),
	                    err);
	if (code == APP_RUN && opts->print_config) {
		options_print_config(opts, origins, stdout);
		code = EXIT_OK;
	}
	config_files_free(&files);
	return code;
}

int app_front_end(struct app *app, const struct options *opts, bool *screen,
                  const char *headless_hint)
{
	char err[512];
	*screen = false;
	if (opts->list_devices) {
		if (audio_init(err, sizeof err) < 0) {
			app_error(app, "%s", err);
			return EXIT_AUDIO;
		}
		audio_list_devices(stdout);
		audio_terminate();
		return EXIT_OK;
	}
	if (opts->headless)
		return APP_RUN;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		app_error(app, "the screen needs a terminal on standard input and output (%s)",
		          headless_hint);
		return EXIT_USAGE;
	}
	*screen = true;
	return APP_RUN;
}

void app_fail(struct app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->fatal, sizeof app->fatal, fmt, ap);
	va_end(ap);
	log_event_at(LOG_PRIORITY_ERR, "%s", app->fatal);
	app->exit_code = EXIT_FAILURE_RUNTIME;
	app->quit = true;
}

void app_error(const struct app *app, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char prefix[4];
	fprintf(stderr, "%s%s: %s\n",
	        log_priority_prefix(prefix, log_fd_is_journal(STDERR_FILENO), LOG_PRIORITY_ERR),
	        app->name, msg);
}

void app_report_fatal(const struct app *app)
{
	char prefix[4];
	if (app->fatal[0])
		fprintf(stderr, "%s%s: %s\n",
		        log_priority_prefix(prefix, log_fd_is_journal(STDERR_FILENO), LOG_PRIORITY_ERR),
		        app->name, app->fatal);
}

void app_host_name(char *out, size_t cap, const char *fallback)
{
	char host[256] = "";
	if (gethostname(host, sizeof host) < 0)
		host[0] = '\0';
	host[NAME_MAX_BYTES] = '\0';
	const char *name = *host && proto_text_valid(host, strlen(host), NAME_MAX_BYTES) ? host : fallback;
	snprintf(out, cap, "%s", name);
}

/*
 * Unit tests of the config files: options_parse_layers (keys, values, flags,
 * comments, the order of layers and the command line, each kind of bad line
 * with its FILE:LINE), options_print_config, and config_files_find/read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intercom/common/config_files.h"
#include "intercom/common/options.h"
#include "scratch.h"

struct run {
	enum options_result result;
	struct options opts;
	struct options_origin origins[OPT_COUNT];
	char err[512];
};

/* Parses layers (system text, user text; NULL = no such file) and a command line. */
static struct run *parse(enum program program, const char *system, const char *user,
                         const char *const *args)
{
	static struct run run;
	struct options_layer layers[2];
	size_t n = 0;
	char *argv[16] = { (char *)"intercom" };
	int argc = 1;

	if (system != NULL)
		layers[n++] = (struct options_layer){ .path = "/etc/intercom/x.conf", .text = system };
	if (user != NULL)
		layers[n++] = (struct options_layer){ .path = "user.conf", .text = user };
	for (; args != NULL && *args != NULL; args++)
		argv[argc++] = (char *)*args;
	memset(&run, 0x5a, sizeof run);
	run.result = options_parse_layers(&run.opts, program, layers, n, argc, argv, run.origins,
	                                  run.err, sizeof run.err);
	return &run;
}

static const struct options *ok(const struct run *r)
{
	if (r->result != OPTIONS_RUN)
		fail_msg("expected OPTIONS_RUN, got %d: %s", r->result, r->err);
	return &r->opts;
}

/* The parse failed with exactly this message. */
static void refused(const struct run *r, const char *message)
{
	assert_int_equal(r->result, OPTIONS_INVALID);
	assert_string_equal(r->err, message);
}

static void test_keys_are_long_options(void **state)
{
	(void)state;
	const struct run *r = parse(PROGRAM_CONSOLE,
	                            "# the hall\n\n  duration = 7.5\nport=2400\r\n"
	                            "archive = /srv/pages with space # kept\nheadless = yes\n",
	                            NULL, NULL);
	const struct options *o = ok(r);
	assert_true(o->duration == 7.5);
	assert_int_equal(o->port, 2400);
	assert_string_equal(o->archive_dir, "/srv/pages with space # kept");
	assert_true(o->headless);
	assert_int_equal(r->origins[OPT_DURATION].kind, ORIGIN_FILE);
	assert_int_equal(r->origins[OPT_DURATION].line, 3);
	assert_string_equal(r->origins[OPT_DURATION].path, "/etc/intercom/x.conf");
	assert_int_equal(r->origins[OPT_PORT].line, 4);
	assert_int_equal(r->origins[OPT_HEADLESS].line, 6);
	assert_int_equal(r->origins[OPT_RATE].kind, ORIGIN_DEFAULT);
}

static void test_command_line_wins_over_user_over_system(void **state)
{
	(void)state;
	const char *args[] = { "-d", "2", NULL };
	const struct run *r = parse(PROGRAM_CONSOLE, "duration = 9\nport = 2400\nrate = 16000\n",
	                            "duration = 8\nport = 2500\n", args);
	const struct options *o = ok(r);
	assert_true(o->duration == 2.0);
	assert_int_equal(o->port, 2500);
	assert_int_equal(o->rate, 16000);
	assert_int_equal(r->origins[OPT_DURATION].kind, ORIGIN_COMMAND_LINE);
	assert_string_equal(r->origins[OPT_PORT].path, "user.conf");
	assert_string_equal(r->origins[OPT_RATE].path, "/etc/intercom/x.conf");
}

static void test_flag_no_undoes_a_system_yes(void **state)
{
	(void)state;
	const struct run *r = parse(PROGRAM_SPEAKER, "headless = on\nonce = true\nhost = 10.0.0.5\n",
	                            "headless = no\n", NULL);
	const struct options *o = ok(r);
	assert_false(o->headless);
	assert_true(o->once);
	assert_string_equal(o->host, "10.0.0.5");
	assert_string_equal(r->origins[OPT_HEADLESS].path, "user.conf");
}

static void test_speaker_address_argument_wins_over_file_host(void **state)
{
	(void)state;
	const char *args[] = { "10.0.0.9:2999", NULL };
	const struct run *r = parse(PROGRAM_SPEAKER, "host = 10.0.0.5\nport = 2400\n", NULL, args);
	const struct options *o = ok(r);
	assert_string_equal(o->host, "10.0.0.9");
	assert_int_equal(o->port, 2999);
	assert_int_equal(r->origins[OPT_HOST].kind, ORIGIN_COMMAND_LINE);
	assert_int_equal(r->origins[OPT_PORT].kind, ORIGIN_COMMAND_LINE);
}

static void test_legacy_in_a_file(void **state)
{
	(void)state;
	const struct run *r = parse(PROGRAM_SPEAKER, "legacy = 10.0.0.7:2348\n", NULL, NULL);
	const struct options *o = ok(r);
	assert_true(o->legacy);
	assert_string_equal(o->host, "10.0.0.7");
	assert_int_equal(r->origins[OPT_HOST].line, 1);
}

static void test_bad_lines_name_file_and_line(void **state)
{
	(void)state;
	refused(parse(PROGRAM_CONSOLE, "\nduration 7\n", NULL, NULL),
	        "/etc/intercom/x.conf:2: missing '=': write KEY = VALUE, e.g. duration = 7.5");
	refused(parse(PROGRAM_CONSOLE, NULL, "durration = 7\n", NULL),
	        "user.conf:1: unknown key 'durration': keys are the long options of "
	        "intercom-console --help, without the dashes");
	refused(parse(PROGRAM_CONSOLE, "save = /srv/pages\n", NULL, NULL),
	        "/etc/intercom/x.conf:1: unknown key 'save': it is an intercom-speaker option, not "
	        "one of intercom-console");
	refused(parse(PROGRAM_CONSOLE, "port = 0\n", NULL, NULL),
	        "/etc/intercom/x.conf:1: bad port '0': give 1..65535");
	refused(parse(PROGRAM_CONSOLE, "port =\n", NULL, NULL),
	        "/etc/intercom/x.conf:1: 'port' has no value: e.g. port = 2348");
	refused(parse(PROGRAM_CONSOLE, "headless = maybe\n", NULL, NULL),
	        "/etc/intercom/x.conf:1: bad value 'maybe' for headless: give yes or no");
	refused(parse(PROGRAM_CONSOLE, "--port = 2\n", NULL, NULL),
	        "/etc/intercom/x.conf:1: key '--port': write it without the dashes, e.g. "
	        "duration = 7.5");
	refused(parse(PROGRAM_CONSOLE, "= 2\n", NULL, NULL),
	        "/etc/intercom/x.conf:1: missing key before '=': write KEY = VALUE, e.g. "
	        "duration = 7.5");
	refused(parse(PROGRAM_CONSOLE, "gen-key = /tmp/k\n", NULL, NULL),
	        "/etc/intercom/x.conf:1: 'gen-key' cannot be set in a file: give --gen-key on the "
	        "command line");
	refused(parse(PROGRAM_CONSOLE, "config = /tmp/c\n", NULL, NULL),
	        "/etc/intercom/x.conf:1: 'config' cannot be set in a file: give --config on the "
	        "command line");
}

static void test_checks_across_layers_still_apply(void **state)
{
	(void)state;
	const char *args[] = { "--legacy-port", "2400", NULL };
	const struct run *r = parse(PROGRAM_CONSOLE, "port = 2400\n", NULL, args);
	assert_int_equal(r->result, OPTIONS_INVALID);
	assert_non_null(strstr(r->err, "intercom-console: --legacy-port 2400 is also --port"));
}

static void test_prescan_reads_config_and_help_without_files(void **state)
{
	(void)state;
	struct options o;
	char err[256];
	char *argv[] = { (char *)"intercom-speaker", (char *)"--config", (char *)"/tmp/s.conf",
		         (char *)"--print-config", NULL };
	/* No address: the file may hold it, so the prescan does not ask for one. */
	assert_int_equal(options_prescan(&o, PROGRAM_SPEAKER, 4, argv, err, sizeof err), OPTIONS_RUN);
	assert_string_equal(o.config_file, "/tmp/s.conf");
	assert_true(o.print_config);
	char *help[] = { (char *)"intercom-speaker", (char *)"--help", NULL };
	assert_int_equal(options_prescan(&o, PROGRAM_SPEAKER, 2, help, err, sizeof err), OPTIONS_EXIT);
}

static void test_print_config_names_origins(void **state)
{
	(void)state;
	const char *args[] = { "-p", "2600", NULL };
	const struct run *r = parse(PROGRAM_CONSOLE, "duration = 7.5\n", NULL, args);
	ok(r);
	char buf[8192] = "";
	FILE *out = fmemopen(buf, sizeof buf - 1, "w");
	assert_non_null(out);
	options_print_config(&r->opts, r->origins, out);
	fclose(out);
	assert_non_null(strstr(buf, "\nduration = 7.5  # /etc/intercom/x.conf:1\n"));
	assert_non_null(strstr(buf, "\nport = 2600  # command line\n"));
	assert_non_null(strstr(buf, "\nrate = 48000  # default\n"));
	assert_non_null(strstr(buf, "\n# archive (not set)  # default\n"));
	assert_null(strstr(buf, "help"));
	assert_null(strstr(buf, "name ="));
}

static void test_find_paths(void **state)
{
	(void)state;
	static struct config_files f;
	config_files_find(&f, PROGRAM_CONSOLE, NULL, NULL, "/home/a/.cfg", "/home/a");
	assert_int_equal(f.candidates, 2);
	assert_string_equal(f.paths[0], "/etc/intercom/console.conf");
	assert_string_equal(f.paths[1], "/home/a/.cfg/intercom/console.conf");
	config_files_find(&f, PROGRAM_SPEAKER, "", "/opt/etc", "relative", "/home/a");
	assert_int_equal(f.candidates, 2);
	assert_string_equal(f.paths[0], "/opt/etc/speaker.conf");
	assert_string_equal(f.paths[1], "/home/a/.config/intercom/speaker.conf");
	config_files_find(&f, PROGRAM_SPEAKER, NULL, NULL, NULL, NULL);
	assert_int_equal(f.candidates, 1);
	config_files_find(&f, PROGRAM_SPEAKER, "my.conf", "/opt/etc", "/x", "/y");
	assert_int_equal(f.candidates, 1);
	assert_string_equal(f.paths[0], "my.conf");
	assert_int_equal(f.must_exist[0], 1);
}

static void test_read_skips_absent_refuses_missing_config(void **state)
{
	const char *dir = *state;
	static struct config_files f;
	char err[PATH_MAX + 256];
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/console.conf", dir);
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fputs("duration = 3\n", out);
	fclose(out);
	/* The system file exists, the user's does not: one layer. */
	config_files_find(&f, PROGRAM_CONSOLE, NULL, dir, "/nonexistent", NULL);
	assert_int_equal(config_files_read(&f, err, sizeof err), 0);
	assert_int_equal(f.count, 1);
	assert_string_equal(f.layers[0].text, "duration = 3\n");
	assert_string_equal(f.layers[0].path, path);
	config_files_free(&f);

	config_files_find(&f, PROGRAM_CONSOLE, "/nonexistent/c.conf", NULL, NULL, NULL);
	assert_int_equal(config_files_read(&f, err, sizeof err), -1);
	assert_string_equal(err, "cannot read config file /nonexistent/c.conf: No such file or "
	                         "directory (give a readable file to --config)");

	out = fopen(path, "w");
	assert_non_null(out);
	fwrite("a\0b", 1, 3, out);
	fclose(out);
	config_files_find(&f, PROGRAM_CONSOLE, path, NULL, NULL, NULL);
	assert_int_equal(config_files_read(&f, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a text file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_are_long_options),
		cmocka_unit_test(test_command_line_wins_over_user_over_system),
		cmocka_unit_test(test_flag_no_undoes_a_system_yes),
		cmocka_unit_test(test_speaker_address_argument_wins_over_file_host),
		cmocka_unit_test(test_legacy_in_a_file),
		cmocka_unit_test(test_bad_lines_name_file_and_line),
		cmocka_unit_test(test_checks_across_layers_still_apply),
		cmocka_unit_test(test_prescan_reads_config_and_help_without_files),
		cmocka_unit_test(test_print_config_names_origins),
		cmocka_unit_test(test_find_paths),
		cmocka_unit_test_setup_teardown(test_read_skips_absent_refuses_missing_config,
		                                scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

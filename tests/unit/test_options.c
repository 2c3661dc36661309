/*
 * Unit tests of src/common/options.c: defaults, every option in every spelling, every
 * class of bad value with its message, durations and timeouts, HOST[:PORT]
 * splitting, name validation, the page size limit, the option table and the
 * --help text made from it.
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

#include "intercom/common/options.h"

#define MAX_ARGS 16

/* Result of one parse, with the message, so asserts can look at both. */
struct run {
	enum options_result result;
	struct options opts;
	char err[256];
};

/* Parses the NULL-terminated argument list as the program would see it. */
static struct run *parse(enum program program, ...)
{
	static struct run run;
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)(program == PROGRAM_CONSOLE ? "intercom-console"
	                        : program == PROGRAM_CTL ? "intercom-ctl"
	                                                 : "intercom-speaker");
	va_start(ap, program);
	for (const char *arg; (arg = va_arg(ap, const char *)) != NULL;) {
		assert_true(argc <= MAX_ARGS);
		argv[argc++] = (char *)arg;
	}
	va_end(ap);
	argv[argc] = NULL;
	memset(&run, 0x5a, sizeof run); /* catch fields the parser forgets to set */
	run.result = options_parse(&run.opts, program, argc, argv, run.err, sizeof run.err);
	return &run;
}

#define CONSOLE(...) parse(PROGRAM_CONSOLE, __VA_ARGS__, (const char *)NULL)
#define SPEAKER(...) parse(PROGRAM_SPEAKER, __VA_ARGS__, (const char *)NULL)
#define CTL(...) parse(PROGRAM_CTL, __VA_ARGS__, (const char *)NULL)

/* The run succeeded with an empty message. */
static const struct options *ok(const struct run *r)
{
	if (r->result != OPTIONS_RUN)
		fail_msg("expected OPTIONS_RUN, got %d: %s", r->result, r->err);
	assert_string_equal(r->err, "");
	return &r->opts;
}

/* The run was refused with a one-line message from the program holding `part`. */
static void refused(const struct run *r, const char *part)
{
	const char *prog = r->opts.program == PROGRAM_CONSOLE ? "intercom-console: "
	                   : r->opts.program == PROGRAM_CTL   ? "intercom-ctl: "
	                                                       : "intercom-speaker: ";
	if (r->result != OPTIONS_INVALID)
		fail_msg("expected OPTIONS_INVALID, got %d (message '%s', wanted '%s')", r->result,
		         r->err, part);
	if (strncmp(r->err, prog, strlen(prog)) != 0 || strstr(r->err, part) == NULL)
		fail_msg("message '%s' lacks '%s%s'", r->err, prog, part);
	assert_null(strchr(r->err, '\n'));
}

static void test_console_defaults(void **state)
{
	(void)state;
	const struct options *o = ok(CONSOLE((const char *)NULL));
	assert_int_equal(o->program, PROGRAM_CONSOLE);
	assert_string_equal(o->host, DEFAULT_LISTEN_HOST);
	assert_int_equal(o->port, DEFAULT_PORT);
	assert_true(o->duration == DEFAULT_DURATION_S);
	assert_int_equal(o->rate, DEFAULT_RATE);
	assert_int_equal(o->channels, DEFAULT_CHANNELS);
	assert_int_equal(o->chunk, DEFAULT_CHUNK);
	assert_string_equal(o->input_device, "");
	assert_string_equal(o->output_device, "");
	assert_string_equal(o->name, "");
	assert_string_equal(o->zone, "");
	assert_string_equal(o->archive_dir, "");
	assert_string_equal(o->save_dir, "");
	assert_int_equal(o->legacy_port, 0);
	assert_int_equal(o->hello_timeout_ms, HELLO_DEADLINE_MS);
	assert_int_equal(o->welcome_timeout_ms, WELCOME_DEADLINE_MS);
	assert_false(o->legacy);
	assert_false(o->headless);
	assert_false(o->once);
	assert_false(o->list_devices);
	assert_false(o->help);
	assert_false(o->version);
}

static void test_speaker_defaults(void **state)
{
	(void)state;
	const struct options *o = ok(SPEAKER("10.0.0.5"));
	assert_int_equal(o->program, PROGRAM_SPEAKER);
	assert_string_equal(o->host, "10.0.0.5");
	assert_int_equal(o->port, DEFAULT_PORT);
	assert_true(o->duration == DEFAULT_DURATION_S);
	assert_int_equal(o->rate, DEFAULT_RATE);
	assert_int_equal(o->channels, DEFAULT_CHANNELS);
	assert_int_equal(o->chunk, DEFAULT_CHUNK);
	assert_string_equal(o->input_device, "");
	assert_string_equal(o->output_device, "");
	assert_string_equal(o->name, "");
	assert_string_equal(o->zone, "");
	assert_string_equal(o->archive_dir, "");
	assert_string_equal(o->save_dir, "");
	assert_int_equal(o->legacy_port, 0);
	assert_int_equal(o->hello_timeout_ms, HELLO_DEADLINE_MS);
	assert_int_equal(o->welcome_timeout_ms, WELCOME_DEADLINE_MS);
	assert_false(o->legacy);
	assert_false(o->headless);
	assert_false(o->once);
	assert_false(o->list_devices);
	assert_false(o->help);
	assert_false(o->version);
}

/* argc 0 happens with execve(path, {NULL}, ...): defaults, no crash. */
static void test_empty_argv(void **state)
{
	(void)state;
	struct options o;
	char err[64] = "x";
	char *argv[] = { NULL };
	assert_int_equal(options_parse(&o, PROGRAM_CONSOLE, 0, argv, err, sizeof err), OPTIONS_RUN);
	assert_int_equal(o.port, DEFAULT_PORT);
	assert_string_equal(err, "");
}

static void test_host_forms(void **state)
{
	(void)state;
	for (int p = PROGRAM_CONSOLE; p <= PROGRAM_SPEAKER; p++) {
		assert_string_equal(ok(parse(p, "-H", "a.example", NULL))->host, "a.example");
		assert_string_equal(ok(parse(p, "-Hb.example", NULL))->host, "b.example");
		assert_string_equal(ok(parse(p, "--host", "c.example", NULL))->host, "c.example");
		assert_string_equal(ok(parse(p, "--host=d.example", NULL))->host, "d.example");
		assert_string_equal(ok(parse(p, "-H", "::1", NULL))->host, "::1");
		assert_string_equal(ok(parse(p, "-H", "[fd00::5]", NULL))->host, "fd00::5");
	}
}

static void test_port_forms(void **state)
{
	(void)state;
	assert_int_equal(ok(CONSOLE("-p", "1234"))->port, 1234);
	assert_int_equal(ok(CONSOLE("-p1235"))->port, 1235);
	assert_int_equal(ok(CONSOLE("--port", "1"))->port, 1);
	assert_int_equal(ok(CONSOLE("--port=65535"))->port, 65535);
	assert_int_equal(ok(SPEAKER("-p", "1234", "h"))->port, 1234);
	assert_int_equal(ok(SPEAKER("-p1235", "h"))->port, 1235);
	assert_int_equal(ok(SPEAKER("--port", "1", "h"))->port, 1);
	assert_int_equal(ok(SPEAKER("--port=65535", "h"))->port, 65535);
	/* The last of repeated options wins, as everywhere else. */
	assert_int_equal(ok(CONSOLE("-p", "1000", "--port=2000"))->port, 2000);
}

static void test_duration_forms(void **state)
{
	(void)state;
	assert_true(ok(CONSOLE("-d", "2.5"))->duration == 2.5);
	assert_true(ok(CONSOLE("-d7"))->duration == 7.0);
	assert_true(ok(CONSOLE("--duration", "0.5"))->duration == 0.5);
	assert_true(ok(CONSOLE("--duration=300"))->duration == 300.0);
	assert_true(ok(SPEAKER("-d", "2.5", "h"))->duration == 2.5);
	assert_true(ok(SPEAKER("--duration=12.25", "h"))->duration == 12.25);
}

static void test_rate_channels_chunk_forms(void **state)
{
	(void)state;
	for (int p = PROGRAM_CONSOLE; p <= PROGRAM_SPEAKER; p++) {
		assert_int_equal(ok(parse(p, "-r", "8000", "-H", "h", NULL))->rate, 8000);
		assert_int_equal(ok(parse(p, "-r44100", "-H", "h", NULL))->rate, 44100);
		assert_int_equal(ok(parse(p, "--rate", "96000", "-H", "h", NULL))->rate, 96000);
		assert_int_equal(ok(parse(p, "--rate=192000", "-H", "h", NULL))->rate, 192000);
		assert_int_equal(ok(parse(p, "-c", "1", "-H", "h", NULL))->channels, 1);
		assert_int_equal(ok(parse(p, "-c2", "-H", "h", NULL))->channels, 2);
		assert_int_equal(ok(parse(p, "--channels", "8", "-H", "h", NULL))->channels, 8);
		assert_int_equal(ok(parse(p, "--channels=4", "-H", "h", NULL))->channels, 4);
		assert_int_equal(ok(parse(p, "--chunk", "16", "-H", "h", NULL))->chunk, 16);
		assert_int_equal(ok(parse(p, "--chunk=16384", "-H", "h", NULL))->chunk, 16384);
	}
}

static void test_device_forms(void **state)
{
	(void)state;
	for (int p = PROGRAM_CONSOLE; p <= PROGRAM_SPEAKER; p++) {
		assert_string_equal(ok(parse(p, "-i", "3", "-H", "h", NULL))->input_device, "3");
		assert_string_equal(ok(parse(p, "-iUSB Audio", "-H", "h", NULL))->input_device,
		                    "USB Audio");
		assert_string_equal(ok(parse(p, "--input-device", "pulse", "-H", "h", NULL))->input_device,
		                    "pulse");
		assert_string_equal(ok(parse(p, "--input-device=hw:1,0", "-H", "h", NULL))->input_device,
		                    "hw:1,0");
		assert_string_equal(ok(parse(p, "-o", "0", "-H", "h", NULL))->output_device, "0");
		assert_string_equal(ok(parse(p, "-oHDMI", "-H", "h", NULL))->output_device, "HDMI");
		assert_string_equal(ok(parse(p, "--output-device", "default", "-H", "h", NULL))
		                        ->output_device,
		                    "default");
		assert_string_equal(ok(parse(p, "--output-device=Réception", "-H", "h", NULL))
		                        ->output_device,
		                    "Réception");
	}
}

static void test_flags(void **state)
{
	(void)state;
	assert_true(ok(CONSOLE("--headless"))->headless);
	assert_true(ok(CONSOLE("--list-devices"))->list_devices);
	assert_true(ok(SPEAKER("--headless", "h"))->headless);
	assert_true(ok(SPEAKER("--once", "h"))->once);
	/* Listing devices needs no console address. */
	const struct options *o = ok(SPEAKER("--list-devices"));
	assert_true(o->list_devices);
	assert_string_equal(o->host, "");
	refused(CONSOLE("--headless=yes"), "option '--headless' takes no value");
	refused(SPEAKER("--once=1", "h"), "option '--once' takes no value");
}

static void test_console_archive(void **state)
{
	(void)state;
	assert_string_equal(ok(CONSOLE("--archive", "/tmp/pages"))->archive_dir, "/tmp/pages");
	assert_string_equal(ok(CONSOLE("--archive=rel/dir"))->archive_dir, "rel/dir");
	refused(CONSOLE("--archive="), "bad archive directory ''");
	char long_path[PATH_MAX + 10];
	memset(long_path, 'a', sizeof long_path - 1);
	long_path[sizeof long_path - 1] = '\0';
	refused(CONSOLE("--archive", long_path), "bad archive directory 'aaaa");
}

static void test_limits_and_keys(void **state)
{
	(void)state;
	assert_int_equal(ok(CONSOLE("--headless"))->max_speakers, DEFAULT_MAX_SPEAKERS);
	assert_int_equal(ok(CONSOLE("--max-speakers", "3"))->max_speakers, 3);
	assert_int_equal(ok(CONSOLE("--max-speakers=10000"))->max_speakers, MAX_SPEAKERS_LIMIT);
	refused(CONSOLE("--max-speakers", "0"), "bad speaker limit '0': give 1..10000");
	refused(CONSOLE("--max-speakers", "10001"), "bad speaker limit");
	refused(SPEAKER("--max-speakers", "3", "h"), "it is an intercom-console option");
	assert_string_equal(ok(CONSOLE("--key-file", "/etc/k"))->key_file, "/etc/k");
	assert_string_equal(ok(SPEAKER("--key-file=k", "h"))->key_file, "k");
	assert_string_equal(ok(CONSOLE("--gen-key", "new.key"))->gen_key_file, "new.key");
	refused(CONSOLE("--key-file="), "bad file name '' for --key-file");
	refused(SPEAKER("--gen-key", "k", "h"), "it is an intercom-console option");
	refused(CONSOLE("--key-file"), "option '--key-file' needs a value");
	refused(SPEAKER("--key-file", "k", "--legacy", "h"), "--key-file cannot be used with --legacy");
}

static void test_speaker_only_options(void **state)
{
	(void)state;
	const struct options *o = ok(SPEAKER("--name", "Lobby", "--zone=Floor 2", "--save", "/tmp/s",
	                                     "h"));
	assert_string_equal(o->name, "Lobby");
	assert_string_equal(o->zone, "Floor 2");
	assert_string_equal(o->save_dir, "/tmp/s");
	o = ok(SPEAKER("--name=Hall", "--zone", "A", "--save=/x", "h"));
	assert_string_equal(o->name, "Hall");
	assert_string_equal(o->zone, "A");
	assert_string_equal(o->save_dir, "/x");
	refused(SPEAKER("--save", "", "h"), "bad save directory ''");
}

static void test_console_legacy_port(void **state)
{
	(void)state;
	assert_int_equal(ok(CONSOLE("--legacy-port", "2349"))->legacy_port, 2349);
	assert_int_equal(ok(CONSOLE("--legacy-port=1"))->legacy_port, 1);
	/* Old clients keep their hard-wired 2348 when new speakers move to another port. */
	const struct options *o = ok(CONSOLE("-p", "2349", "--legacy-port", "2348"));
	assert_int_equal(o->port, 2349);
	assert_int_equal(o->legacy_port, 2348);
	static const char *const bad[] = { "0", "65536", "-1", "abc", "", "12x", " 12", "1.5" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(CONSOLE("--legacy-port", bad[i]), "bad legacy-port '");
	struct run *r = CONSOLE("--legacy-port", "70000");
	assert_int_equal(r->result, OPTIONS_INVALID);
	assert_string_equal(r->err, "intercom-console: bad legacy-port '70000': give 1..65535, "
	                            "e.g. --legacy-port 2348");
	/* One port cannot serve both kinds, whichever option comes last. */
	refused(CONSOLE("--legacy-port", "2348"), "--legacy-port 2348 is also --port: old clients "
	                                          "need a port of their own, e.g. -p 2349");
	refused(CONSOLE("--legacy-port", "4000", "-p", "4000"), "--legacy-port 4000 is also --port");
	refused(CONSOLE("--legacy-port"), "option '--legacy-port' needs a value, e.g. --legacy-port 2348");
}

static void test_speaker_legacy(void **state)
{
	(void)state;
	const struct options *o = ok(SPEAKER("--legacy", "oldbox.lan"));
	assert_true(o->legacy);
	assert_string_equal(o->host, "oldbox.lan");
	assert_int_equal(o->port, DEFAULT_PORT);
	o = ok(SPEAKER("--legacy=10.0.0.9:2400", "--once", "--save", "/tmp/s"));
	assert_true(o->legacy);
	assert_true(o->once);
	assert_string_equal(o->host, "10.0.0.9");
	assert_int_equal(o->port, 2400);
	o = ok(SPEAKER("-p", "3000", "--legacy", "[fd00::9]"));
	assert_string_equal(o->host, "fd00::9");
	assert_int_equal(o->port, 3000);
	o = ok(SPEAKER("--legacy", "[fd00::9]:2401", "-p", "3000"));
	assert_int_equal(o->port, 2401);
	assert_false(ok(SPEAKER("10.0.0.5"))->legacy);

	refused(SPEAKER("--legacy", "a", "b"), "give a console address or --legacy HOST[:PORT] "
	                                       "(an old Python-intercom server), not both");
	refused(SPEAKER("b", "--legacy=a"), "not both");
	static const char *const bad[] = { "", "host:", ":2348", "host:0", "host:65536", "[::1",
	                                   "a b", "--once" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(SPEAKER("--legacy", bad[i]), "bad legacy server address '");
	refused(SPEAKER("--legacy", "h:x"), "bad legacy server address 'h:x': give HOST[:PORT] with "
	                                    "PORT 1..65535, e.g. --legacy 10.0.0.5:2348");
	refused(SPEAKER("--legacy"), "option '--legacy' needs a value, e.g. --legacy 10.0.0.5:2348");
}

static void test_timeouts(void **state)
{
	(void)state;
	assert_int_equal(ok(CONSOLE("--hello-timeout", "3"))->hello_timeout_ms, 3000);
	assert_int_equal(ok(CONSOLE("--hello-timeout=0.1"))->hello_timeout_ms, 100);
	assert_int_equal(ok(CONSOLE("--hello-timeout", "300"))->hello_timeout_ms, 300000);
	assert_int_equal(ok(CONSOLE("--hello-timeout", "2.5"))->hello_timeout_ms, 2500);
	/* Finer than a millisecond is rounded to one. */
	assert_int_equal(ok(CONSOLE("--hello-timeout", "0.1234"))->hello_timeout_ms, 123);
	assert_int_equal(ok(CONSOLE("--hello-timeout", "1.0005"))->hello_timeout_ms, 1001);
	assert_int_equal(ok(SPEAKER("--welcome-timeout", "4", "h"))->welcome_timeout_ms, 4000);
	assert_int_equal(ok(SPEAKER("h", "--welcome-timeout=0.25"))->welcome_timeout_ms, 250);
	/* Each leaves the other's default alone. */
	assert_int_equal(ok(CONSOLE("--hello-timeout", "3"))->welcome_timeout_ms, WELCOME_DEADLINE_MS);
	assert_int_equal(ok(SPEAKER("--welcome-timeout", "4", "h"))->hello_timeout_ms,
	                 HELLO_DEADLINE_MS);

	static const char *const bad[] = { "0", "0.09", "0.0999999999999999999", "300.5",
		                           "300.0000000000000000001", "-1", "", "abc", "5s", "1e2",
		                           "nan", "inf", " 5", "+5", "0x10", "." };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		refused(CONSOLE("--hello-timeout", bad[i]), "bad hello-timeout '");
		refused(SPEAKER("h", "--welcome-timeout", bad[i]), "bad welcome-timeout '");
	}
	struct run *r = CONSOLE("--hello-timeout", "0.05");
	assert_int_equal(r->result, OPTIONS_INVALID);
	assert_string_equal(r->err, "intercom-console: bad hello-timeout '0.05': give seconds between "
	                            "0.1 and 300, e.g. --hello-timeout 30");
	r = SPEAKER("h", "--welcome-timeout=400");
	assert_string_equal(r->err, "intercom-speaker: bad welcome-timeout '400': give seconds "
	                            "between 0.1 and 300, e.g. --welcome-timeout 30");
	refused(CONSOLE("--hello-timeout"), "option '--hello-timeout' needs a value, e.g. "
	                                    "--hello-timeout 30");
	refused(SPEAKER("h", "--welcome-timeout"), "option '--welcome-timeout' needs a value");
	/* Each is one program's own. */
	refused(SPEAKER("h", "--hello-timeout", "3"),
	        "unknown option '--hello-timeout' (it is an intercom-console option");
	refused(CONSOLE("--welcome-timeout", "3"),
	        "unknown option '--welcome-timeout' (it is an intercom-speaker option");
}

static void test_bad_port(void **state)
{
	(void)state;
	static const char *const bad[] = { "0", "65536", "-1", "abc", "", "12x", " 12", "0x10",
	                                   "+", "-", "99999999999999999999", "1.5" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		refused(CONSOLE("-p", bad[i]), "bad port '");
		refused(SPEAKER("--port", bad[i], "h"), "give 1..65535");
	}
	struct run *r = SPEAKER("-p", "70000", "h");
	assert_int_equal(r->result, OPTIONS_INVALID);
	assert_string_equal(r->err, "intercom-speaker: bad port '70000': give 1..65535");
}

static void test_bad_numbers(void **state)
{
	(void)state;
	refused(CONSOLE("-r", "7999"), "bad rate '7999': give 8000..192000");
	refused(CONSOLE("--rate=192001"), "bad rate");
	refused(CONSOLE("-r", "48k"), "bad rate '48k'");
	refused(SPEAKER("-r", "", "h"), "bad rate ''");
	refused(CONSOLE("-c", "0"), "bad channel count '0': give 1..8");
	refused(CONSOLE("-c9"), "bad channel count '9'");
	refused(SPEAKER("--channels", "two", "h"), "bad channel count 'two'");
	refused(CONSOLE("--chunk", "15"), "bad chunk '15': give 16..16384");
	refused(CONSOLE("--chunk=16385"), "bad chunk");
	refused(SPEAKER("--chunk", "1e3", "h"), "bad chunk '1e3'");
}

static void test_bad_duration_option(void **state)
{
	(void)state;
	struct run *r = CONSOLE("-d", "0.1");
	assert_int_equal(r->result, OPTIONS_INVALID);
	assert_string_equal(r->err, "intercom-console: bad duration '0.1': give seconds between 0.5 "
	                            "and 300, e.g. -d 2.5");
	refused(CONSOLE("--duration=5s"), "bad duration '5s'");
	refused(SPEAKER("-d", "nan", "h"), "bad duration 'nan'");
	refused(SPEAKER("-d", "-1", "h"), "bad duration '-1'");
}

static void test_bad_host_option(void **state)
{
	(void)state;
	refused(CONSOLE("-H", ""), "bad host ''");
	refused(CONSOLE("-H", "a b"), "bad host 'a b'");
	refused(CONSOLE("-H", "10.0.0.5:2348"), "a port goes in -p");
	refused(SPEAKER("-H", "[::1]:2348"), "a port goes in -p");
	refused(SPEAKER("-H", "-x"), "bad host '-x'");
	char long_host[300];
	memset(long_host, 'h', sizeof long_host - 1);
	long_host[sizeof long_host - 1] = '\0';
	refused(CONSOLE("-H", long_host), "longer than 255 bytes");
}

static void test_bad_device_option(void **state)
{
	(void)state;
	refused(CONSOLE("-i", ""), "bad input-device '': it is empty");
	refused(SPEAKER("--output-device=", "h"), "bad output-device ''");
	refused(CONSOLE("-o", "a\tb"), "bad output-device 'a?b': it has a control character");
	char long_dev[200];
	memset(long_dev, 'd', sizeof long_dev - 1);
	long_dev[sizeof long_dev - 1] = '\0';
	refused(CONSOLE("--input-device", long_dev), "it is too long");
}

static void test_missing_value(void **state)
{
	(void)state;
	struct run *r = CONSOLE("--port");
	assert_int_equal(r->result, OPTIONS_INVALID);
	assert_string_equal(r->err, "intercom-console: option '--port' needs a value, e.g. --port 2348");
	refused(CONSOLE("-p"), "option '-p' needs a value, e.g. -p 2348");
	static const char *const common[] = { "-H", "--host", "-p", "--port", "-d", "--duration",
	                                      "-r", "--rate", "-c", "--channels", "--chunk", "-i",
	                                      "--input-device", "-o", "--output-device" };
	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
		char want[64];
		snprintf(want, sizeof want, "option '%s' needs a value", common[i]);
		refused(CONSOLE(common[i]), want);
		refused(SPEAKER("h", common[i]), want);
	}
	refused(CONSOLE("--archive"), "option '--archive' needs a value");
	refused(SPEAKER("h", "--name"), "option '--name' needs a value");
	refused(SPEAKER("h", "--zone"), "option '--zone' needs a value");
	refused(SPEAKER("h", "--save"), "option '--save' needs a value");
}

/* A value may start with '-': it is the next argument, as with getopt. */
static void test_value_may_start_with_dash(void **state)
{
	(void)state;
	refused(CONSOLE("-d", "-1"), "bad duration '-1'");
	assert_string_equal(ok(CONSOLE("-i", "-x-"))->input_device, "-x-");
}

static void test_unknown_options(void **state)
{
	(void)state;
	refused(CONSOLE("--bogus"), "unknown option '--bogus' (see intercom-console --help)");
	refused(CONSOLE("--bogus=3"), "unknown option '--bogus' (");
	refused(CONSOLE("-x"), "unknown option '-x'");
	refused(SPEAKER("h", "-Z"), "unknown option '-Z'");
	refused(CONSOLE("--hel"), "unknown option '--hel'"); /* no abbreviations */
	refused(CONSOLE("--HELP"), "unknown option '--HELP'");
}

static void test_other_programs_options(void **state)
{
	(void)state;
	struct run *r = SPEAKER("h", "--archive", "/tmp");
	assert_int_equal(r->result, OPTIONS_INVALID);
	assert_non_null(strstr(r->err, "intercom-speaker: unknown option '--archive' ("));
	assert_non_null(strstr(r->err, "see intercom-speaker --help)"));
	refused(SPEAKER("h", "--archive=/tmp"), "unknown option '--archive' (it is an intercom-console");
	refused(CONSOLE("--zone=x"), "unknown option '--zone'");
	refused(CONSOLE("--save", "/tmp"), "unknown option '--save'");
	refused(CONSOLE("--once"), "unknown option '--once'");
	refused(CONSOLE("--legacy", "h"), "unknown option '--legacy' (it is an intercom-speaker");
	refused(SPEAKER("h", "--legacy-port", "2348"),
	        "unknown option '--legacy-port' (it is an intercom-console");
}

/* --rtp (console, repeatable) and --rtp-listen (speaker, the address then optional). */
static void test_rtp_options(void **state)
{
	(void)state;
	struct run *r = CONSOLE("--rtp", "224.0.2.60:50000", "--rtp", "224.0.2.61:50002,codec=g722,zone=hall");
	assert_int_equal(r->result, OPTIONS_RUN);
	assert_int_equal(r->opts.rtp_count, 2);
	assert_string_equal(r->opts.rtp[0].name, "rtp:224.0.2.60:50000");
	assert_int_equal(r->opts.rtp[1].codec, RTP_CODEC_G722);
	assert_string_equal(r->opts.rtp[1].zone, "hall");
	refused(CONSOLE("--rtp", "224.0.2.60:50000", "--rtp", "224.0.2.60:50000"),
	        "two --rtp targets named rtp:224.0.2.60:50000");
	refused(CONSOLE("--rtp", "224.0.2.60:50000,codec=gsm"), "bad --rtp '224.0.2.60:50000,codec=gsm': unknown RTP codec");
	refused(CONSOLE("--rtp", "example.com:5000"), "must be a numeric IPv4 address");
	refused(CONSOLE("--rtp-listen", "224.0.2.60:50000"), "unknown option '--rtp-listen'");
	r = SPEAKER("--rtp-listen", "224.0.2.60:50000,codec=pcma");
	assert_int_equal(r->result, OPTIONS_RUN);
	assert_true(r->opts.rtp_listening);
	assert_int_equal(r->opts.rtp_listen.codec, RTP_CODEC_PCMA);
	assert_string_equal(r->opts.host, "");
	r = SPEAKER("--rtp-listen", "224.0.2.60:50000", "10.0.0.5");
	assert_int_equal(r->result, OPTIONS_RUN);
	assert_string_equal(r->opts.host, "10.0.0.5");
	refused(SPEAKER("--rtp-listen", "224.0.2.60:50000,zone=a", "h"), "unknown --rtp-listen setting 'zone'");
	refused(SPEAKER("--rtp", "224.0.2.60:50000", "h"), "unknown option '--rtp'");
}

static void test_speaker_address(void **state)
{
	(void)state;
	/* No address: the console is found over mDNS, its port with it (-p alone makes no sense). */
	const struct options *o = ok(SPEAKER((const char *)NULL));
	assert_string_equal(o->host, "");
	assert_string_equal(o->console_name, "");
	refused(SPEAKER("-p", "2000"), "-p needs the console's address: give HOST[:PORT], e.g. "
	                               "intercom-speaker 10.0.0.5:2000, or neither");
	o = ok(SPEAKER("--headless", "--once", "--console-name", "Réception"));
	assert_string_equal(o->host, "");
	assert_string_equal(o->console_name, "Réception");
	refused(SPEAKER("--console-name", "Hall", "10.0.0.5"), "--console-name finds a console over mDNS: "
	                                                       "give it or a console address");
	refused(SPEAKER("--console-name", "Hall", "--legacy", "10.0.0.5"), "not both");
	refused(SPEAKER("--console-name", "a\x01"), "bad console-name 'a?': it has a control character");
	refused(SPEAKER("--console-name", "0123456789012345678901234567890123456789012345678901234567890123"),
	        "it is too long; give 1..63 bytes");
	refused(CONSOLE("--console-name", "x"), "unknown option '--console-name' (it is an intercom-speaker");
	/* A console found over mDNS is pinned as mdns:NAME, and forgotten so. */
	assert_string_equal(ok(SPEAKER("--forget-console", "mdns:Front desk"))->forget_console, "mdns:Front desk");
	refused(SPEAKER("--forget-console", "mdns:"), "bad console name in 'mdns:'");
	refused(SPEAKER("--forget-console", "mdns:a\x7f"), "bad console name");
	/* The console advertises itself unless told not to, under --name. */
	o = ok(CONSOLE("--no-advertise", "--name", "Front desk"));
	assert_true(o->no_advertise);
	assert_string_equal(o->name, "Front desk");
	assert_false(ok(CONSOLE((const char *)NULL))->no_advertise);
	refused(SPEAKER("--no-advertise"), "unknown option '--no-advertise' (it is an intercom-console");

	o = ok(SPEAKER("-H", "console.lan", "-p", "2000"));
	assert_string_equal(o->host, "console.lan");
	assert_int_equal(o->port, 2000);
	o = ok(SPEAKER("10.0.0.5:2400"));
	assert_string_equal(o->host, "10.0.0.5");
	assert_int_equal(o->port, 2400);
	o = ok(SPEAKER("[fd00::5]:2401"));
	assert_string_equal(o->host, "fd00::5");
	assert_int_equal(o->port, 2401);
	/* The positional address wins over -H and -p, before or after it. */
	o = ok(SPEAKER("-p", "1000", "10.0.0.5:2000"));
	assert_int_equal(o->port, 2000);
	o = ok(SPEAKER("10.0.0.5:2000", "-p", "1000"));
	assert_int_equal(o->port, 2000);
	o = ok(SPEAKER("-p", "1000", "10.0.0.5"));
	assert_int_equal(o->port, 1000);
	o = ok(SPEAKER("-H", "other", "10.0.0.6"));
	assert_string_equal(o->host, "10.0.0.6");
	/* Options may follow the positional; "--" lets it start with anything. */
	o = ok(SPEAKER("10.0.0.7", "--once"));
	assert_true(o->once);
	assert_string_equal(o->host, "10.0.0.7");
	assert_string_equal(ok(SPEAKER("--", "10.0.0.8"))->host, "10.0.0.8");
	refused(SPEAKER("--", "--once"), "bad console address '--once'");
}

static void test_speaker_bad_address(void **state)
{
	(void)state;
	static const char *const bad[] = { "host:", ":2348", "host:abc", "[::1", "host:0",
	                                   "host:65536", "[]:2348", "[::1]x", "-", "a b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(SPEAKER(bad[i]), "bad console address '");
	refused(SPEAKER("host:abc"), "bad console address 'host:abc': give HOST[:PORT]");
}

static void test_extra_positional(void **state)
{
	(void)state;
	refused(SPEAKER("a", "b"), "unexpected argument 'b': give one console address");
	refused(SPEAKER("a", "--", "b"), "unexpected argument 'b'");
	refused(CONSOLE("extra"), "unexpected argument 'extra': the console takes options only");
	refused(CONSOLE("--", "--headless"), "unexpected argument '--headless'");
	refused(CONSOLE("-"), "unexpected argument '-'");
}

static void test_parse_duration(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		double seconds;
	} good[] = { { "5", 5.0 },     { "2.5", 2.5 }, { "0.5", 0.5 },   { "300", 300.0 },
		     { "300.0", 300.0 }, { ".5", 0.5 },  { "5.", 5.0 },    { "0.7", 0.7 },
		     { "007", 7.0 },     { "1.25", 1.25 }, { "299.999", 299.999 },
		     { "300.000000000000000000000", 300.0 } };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		double s = -1.0;
		if (options_parse_duration(good[i].text, &s) != 0)
			fail_msg("'%s' refused", good[i].text);
		if (s != good[i].seconds)
			fail_msg("'%s' gave %.17g", good[i].text, s);
	}
	static const char *const bad[] = { "0.49", "300.5", "abc", "5s", "", "nan", "inf", "-1",
	                                   "1e400", "1e2", "0x10", " 5", "5 ", "+5", ".", "1.2.3",
	                                   "0", "300.0000000000000000001", "0.4999999999999999999",
	                                   "NaN", "INFINITY", "2,5",
	                                   "100000000000000000000000000000" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		double s = 42.0;
		if (options_parse_duration(bad[i], &s) == 0)
			fail_msg("'%s' accepted as %g", bad[i], s);
		assert_true(s == 42.0); /* untouched on failure */
	}
	double s;
	assert_int_equal(options_parse_duration(NULL, &s), -1);
	assert_int_equal(options_parse_duration("5", NULL), -1);
}

/* Splits text and checks the host and port it gave; port starts at 7. */
static void split_ok(const char *text, const char *host, int port)
{
	char got[64] = "";
	int got_port = 7;
	if (options_split_host_port(text, got, sizeof got, &got_port) != 0)
		fail_msg("'%s' refused", text);
	assert_string_equal(got, host);
	assert_int_equal(got_port, port);
}

static void test_split_host_port(void **state)
{
	(void)state;
	split_ok("host", "host", 7);
	split_ok("host:2348", "host", 2348);
	split_ok("10.0.0.5:1", "10.0.0.5", 1);
	split_ok("h:65535", "h", 65535);
	split_ok("[::1]:2348", "::1", 2348);
	split_ok("[::1]", "::1", 7);
	split_ok("::1", "::1", 7);
	split_ok("fe80::1%eth0", "fe80::1%eth0", 7);
	split_ok("[fe80::1%eth0]:9", "fe80::1%eth0", 9);

	static const char *const bad[] = { "", ":2348", "host:", "host:abc", "[::1", "[::1]:",
	                                    "[::1]:x", "[::1]2348", "[]", "[]:1", "host:0",
	                                    "host:65536", "host:-1", "host: 1", "a b", "-host",
	                                    "ho]st", "host:1:", "console.lan:23:48",
	                                    "[host]:1", "\x01" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char host[64] = "unchanged";
		int port = 7;
		if (options_split_host_port(bad[i], host, sizeof host, &port) == 0)
			fail_msg("'%s' accepted as '%s' port %d", bad[i], host, port);
		assert_string_equal(host, "unchanged");
		assert_int_equal(port, 7);
	}
}

static void test_split_host_fits(void **state)
{
	(void)state;
	char host[5] = "";
	int port = 0;
	assert_int_equal(options_split_host_port("abcd:1", host, sizeof host, &port), 0);
	assert_string_equal(host, "abcd");
	assert_int_equal(options_split_host_port("abcde:1", host, sizeof host, &port), -1);
	assert_int_equal(options_split_host_port("[abcde]", host, sizeof host, &port), -1);
	assert_int_equal(options_split_host_port("abcd", host, 0, &port), -1);
	assert_int_equal(options_split_host_port(NULL, host, sizeof host, &port), -1);
	assert_int_equal(options_split_host_port("ab", NULL, 8, &port), -1);
	/* A NULL port checks the port but drops it. */
	assert_int_equal(options_split_host_port("ab:12", host, sizeof host, NULL), 0);
	assert_int_equal(options_split_host_port("ab:x", host, sizeof host, NULL), -1);
}

static void test_name_validation(void **state)
{
	(void)state;
	char name[NAME_MAX_BYTES + 2];
	memset(name, 'n', NAME_MAX_BYTES);
	name[NAME_MAX_BYTES] = '\0';
	assert_string_equal(ok(SPEAKER("--name", name, "h"))->name, name);
	assert_string_equal(ok(SPEAKER("--zone", name, "h"))->zone, name);
	name[NAME_MAX_BYTES] = 'n';
	name[NAME_MAX_BYTES + 1] = '\0';
	refused(SPEAKER("--name", name, "h"), "it is too long; give 1..64 bytes of printable UTF-8");
	refused(SPEAKER("--zone", name, "h"), "bad zone 'nnnn");

	assert_string_equal(ok(SPEAKER("--name", "Réception", "h"))->name, "Réception");
	assert_string_equal(ok(SPEAKER("--zone", "会議室 2", "h"))->zone, "会議室 2");
	assert_string_equal(ok(SPEAKER("--name", "\xF0\x9F\x94\x8A", "h"))->name, "\xF0\x9F\x94\x8A");

	refused(SPEAKER("--name", "", "h"), "bad name '': it is empty");
	refused(SPEAKER("--zone=", "h"), "bad zone '': it is empty");
	refused(SPEAKER("--name", "a\x01z", "h"), "bad name 'a?z': it has a control character");
	refused(SPEAKER("--name", "a\x7f", "h"), "it has a control character");
	refused(SPEAKER("--zone", "line\nbreak", "h"), "bad zone 'line?break'");
	/* C1 CSI: shown as '?' in the message too, where a terminal would act on it. */
	refused(SPEAKER("--name", "\xC2\x9B" "31m", "h"),
	        "bad name '?31m': it has a control character (U+009B)");
	/* Names that lie: the character named, and not printed. */
	refused(SPEAKER("--name", "honest\xE2\x80\xAE" "1", "h"),
	        "bad name 'honest?1': it has U+202E, an invisible or direction-changing character");
	refused(SPEAKER("--zone", "ha\xE2\x80\x8B" "ll", "h"), "bad zone 'ha?ll': it has U+200B");
	refused(SPEAKER("--name", "\xE2\x81\xA6" "x", "h"), "it has U+2066"); /* LRI */
	refused(SPEAKER("--name", "\xEF\xBB\xBF" "x", "h"), "it has U+FEFF");
	refused(SPEAKER("--name", "x\xC2\xAD", "h"), "bad name 'x?': it has U+00AD");
	refused(SPEAKER("--name", "x\xEF\xBF\xBE", "h"), "bad name 'x?': it has U+FFFE, a noncharacter");
	refused(SPEAKER("--name", "\xC3\x28", "h"), "bad name '?(': it is not valid UTF-8");
	refused(SPEAKER("--name", "\xC0\xAF", "h"), "not valid UTF-8");     /* overlong '/' */
	refused(SPEAKER("--name", "\xED\xA0\x80", "h"), "not valid UTF-8"); /* surrogate */
	refused(SPEAKER("--name", "\xF4\x90\x80\x80", "h"), "not valid UTF-8"); /* > U+10FFFF */
	refused(SPEAKER("--name", "ab\xE2\x82", "h"), "not valid UTF-8");       /* cut short */
	refused(SPEAKER("--name", "\xFF", "h"), "not valid UTF-8");
}

static void test_page_limit(void **state)
{
	(void)state;
	refused(CONSOLE("-r", "192000", "-c", "8", "-d", "300"), "MiB limit: give -d 21.8 or less");
	refused(CONSOLE("-r", "192000", "-c", "2", "-d", "100"), "a lower -r or fewer -c");
	/* The recording format is the console's: a speaker notes it does nothing there. */
	assert_string_equal(ok(SPEAKER("-r", "192000", "-c", "8", "-d", "300", "h"))->no_effect,
	                    "-r, -c, -d");
	/* 48 kHz stereo fits for the longest page. */
	ok(CONSOLE("-r", "48000", "-c", "2", "-d", "300"));
	ok(CONSOLE("-r", "192000", "-c", "8", "-d", "21.8"));
	/*
	 * 16384 Hz x 8 channels x 2 bytes x 256 s is exactly 64 MiB of samples: with
	 * the WAV and page headers that no longer fits a PAGE; a few ms less does.
	 */
	refused(CONSOLE("-r", "16384", "-c", "8", "-d", "256"), "give -d 255.9 or less");
	ok(CONSOLE("-r", "16384", "-c", "8", "-d", "255.99"));
	assert_true(options_max_duration(16384, 8) < 256.0);
	assert_true(options_max_duration(16384, 8) > 255.99);
	assert_true(options_max_duration(48000, 1) == DURATION_MAX_S);
}

static void test_options_with_no_effect(void **state)
{
	(void)state;
	assert_string_equal(ok(SPEAKER("-i", "mic", "--duration", "2", "-d", "3", "h"))->no_effect,
	                    "-i, -d");
	assert_string_equal(ok(SPEAKER("-o", "hw:1", "--chunk", "512", "h"))->no_effect, "");
	assert_string_equal(ok(CONSOLE("--output-device", "hw:1"))->no_effect, "-o");
	assert_string_equal(ok(CONSOLE("-i", "mic", "-d", "2", "-r", "44100", "-c", "2"))->no_effect, "");
}

static void test_help_and_version(void **state)
{
	(void)state;
	static const char *const help[] = { "--help", "-h" };
	static const char *const version[] = { "--version", "-V" };
	for (int p = PROGRAM_CONSOLE; p <= PROGRAM_SPEAKER; p++) {
		for (size_t i = 0; i < 2; i++) {
			struct run *r = parse(p, help[i], NULL);
			assert_int_equal(r->result, OPTIONS_EXIT);
			assert_true(r->opts.help);
			assert_false(r->opts.version);
			r = parse(p, version[i], NULL);
			assert_int_equal(r->result, OPTIONS_EXIT);
			assert_true(r->opts.version);
			assert_false(r->opts.help);
		}
		/* --help ends the parse: what follows is not checked. */
		assert_int_equal(parse(p, "-p", "2000", "--help", "--bogus", NULL)->result, OPTIONS_EXIT);
		assert_int_equal(parse(p, "-hV", NULL)->result, OPTIONS_EXIT);
		refused(parse(p, "--bogus", "--help", NULL), "unknown option '--bogus'");
		refused(parse(p, "--help=1", NULL), "option '--help' takes no value");
	}
}

/* Returns what options_usage wrote, in a malloc'd string. */
static char *usage_text(enum program program)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	options_usage(program, out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(text);
	return text;
}

/* Every line of the help is under 80 columns (bytes are an upper bound of columns). */
static void assert_narrow(const char *text)
{
	for (const char *line = text; *line != '\0';) {
		const char *end = strchr(line, '\n');
		assert_non_null(end);
		if (end - line >= 80)
			fail_msg("line of %d bytes: %.*s", (int)(end - line), (int)(end - line), line);
		line = end + 1;
	}
}

static void test_usage(void **state)
{
	(void)state;
	char *console = usage_text(PROGRAM_CONSOLE);
	char *speaker = usage_text(PROGRAM_SPEAKER);
	static const char *const both[] = { "--duration", "--host", "--port", "--rate", "--channels",
	                                    "--chunk", "--input-device", "--output-device",
	                                    "--list-devices", "--headless", "--help", "--version",
	                                    "(default 2348)", "(default 1024)", "Exit status",
	                                    "  2  unknown option or bad value", "  5  " };
	for (size_t i = 0; i < sizeof both / sizeof both[0]; i++) {
		if (strstr(console, both[i]) == NULL)
			fail_msg("console help lacks '%s'", both[i]);
		if (strstr(speaker, both[i]) == NULL)
			fail_msg("speaker help lacks '%s'", both[i]);
	}
	assert_non_null(strstr(console, "Usage: intercom-console"));
	assert_non_null(strstr(console, "--archive DIR"));
	assert_non_null(strstr(console, "--legacy-port N"));
	assert_non_null(strstr(console, "Python-intercom"));
	assert_non_null(strstr(console, "(default 0.0.0.0)"));
	assert_non_null(strstr(console, "0.5..300, fractions allowed"));
	assert_non_null(strstr(console, "(default 5)"));
	assert_non_null(strstr(console, "8000..192000 (default 48000)"));
	assert_non_null(strstr(console, "1..10000 (default 1000)"));
	assert_non_null(strstr(console, "--hello-timeout SECONDS"));
	assert_non_null(strstr(console, "0.1..300 (default 10)"));
	assert_non_null(strstr(console, "a speaker's loudspeaker (accepted, no effect here)"));
	assert_non_null(strstr(console, "talk"));
	assert_non_null(strstr(console, "send PATH"));
	assert_non_null(strstr(console, "duration SECONDS"));
	assert_non_null(strstr(console, "quit"));
	assert_non_null(strstr(console, "--name NAME"));
	assert_non_null(strstr(console, "--no-advertise"));
	assert_non_null(strstr(speaker, "--console-name NAME"));
	assert_null(strstr(console, "--once"));
	assert_non_null(strstr(speaker, "Usage: intercom-speaker [OPTION]... HOST[:PORT]"));
	assert_non_null(strstr(speaker, "--name NAME"));
	assert_non_null(strstr(speaker, "--zone ZONE"));
	assert_non_null(strstr(speaker, "--save DIR"));
	assert_non_null(strstr(speaker, "--once"));
	assert_non_null(strstr(speaker, "intercom-speaker [OPTION]... --legacy HOST[:PORT]"));
	assert_non_null(strstr(speaker, "--legacy ADDRESS"));
	assert_non_null(strstr(speaker, "--welcome-timeout SECONDS"));
	assert_non_null(strstr(speaker, "1..64 bytes of UTF-8"));
	assert_non_null(strstr(speaker, "the console's microphone (accepted, no effect here)"));
	assert_null(strstr(speaker, "--hello-timeout"));
	assert_null(strstr(console, "--welcome-timeout"));
	/* Numbers only: every {placeholder} was filled in. */
	assert_null(strchr(console, '{'));
	assert_null(strchr(speaker, '{'));
	assert_null(strstr(speaker, "--legacy-port"));
	assert_null(strstr(speaker, "--archive"));
	assert_null(strstr(speaker, "send PATH"));
	assert_narrow(console);
	assert_narrow(speaker);
	free(console);
	free(speaker);
}

/* The option's first row in --help as usage_option writes it: "  -p, --port N" or "      --once". */
static void option_column(char *out, size_t outlen, const struct option_spec *spec)
{
	if (spec->short_name)
		snprintf(out, outlen, "\n  -%c, --%s%s%s", spec->short_name, spec->name,
		         spec->arg ? " " : "", spec->arg ? spec->arg : "");
	else
		snprintf(out, outlen, "\n      --%s%s%s", spec->name, spec->arg ? " " : "",
		         spec->arg ? spec->arg : "");
}

/* Where the rows of the option whose first row starts at at end: at the next line not indented as text. */
static const char *rows_end(const char *at)
{
	const char *line = strchr(at + 1, '\n');
	while (line != NULL && strncmp(line + 1, "       ", 7) == 0)
		line = strchr(line + 1, '\n');
	return line != NULL ? line : at + strlen(at);
}

/* True if part is in the rows of the option starting at at. */
static bool in_rows(const char *at, const char *part)
{
	const char *found = strstr(at, part);
	return found != NULL && found < rows_end(at);
}

/* Every table entry has a row in the --help of each program taking it, and only there. */
static void test_usage_lists_the_table(void **state)
{
	(void)state;
	size_t count;
	const struct option_spec *specs = options_table(&count);
	assert_true(count >= 24);
	for (int p = PROGRAM_CONSOLE; p < PROGRAM_COUNT; p++) {
		char *help = usage_text(p);
		for (size_t i = 0; i < count; i++) {
			char column[64];
			option_column(column, sizeof column, &specs[i]);
			const char *at = strstr(help, column);
			if (specs[i].help[p] == NULL) {
				if (at != NULL)
					fail_msg("--%s has a row in the help of a program refusing it", specs[i].name);
				continue;
			}
			if (at == NULL)
				fail_msg("--%s has no row '%s' in its program's help", specs[i].name, column + 1);
			/* The row holds the first words of its text; an option doing nothing says so. */
			const char *text = specs[i].help[p];
			char start[16];
			snprintf(start, sizeof start, "%.*s", (int)strcspn(text, "\n{"), text);
			if (!in_rows(at, start))
				fail_msg("--%s: its rows lack '%s'", specs[i].name, start);
			if ((specs[i].no_effect & OPTIONS_FOR(p)) != 0 &&
			    !in_rows(at, "(accepted, no effect here)"))
				fail_msg("--%s: no note that it does nothing here", specs[i].name);
		}
		free(help);
	}
}

/* Parses "--NAME VALUE" (a speaker's address first) and keeps the result. */
static struct run *parse_one(enum program program, const char *name, const char *value)
{
	char flag[64];
	snprintf(flag, sizeof flag, "--%s", name);
	if (program == PROGRAM_SPEAKER)
		return value ? SPEAKER("h", flag, value) : SPEAKER("h", flag);
	if (program == PROGRAM_CTL)
		return value ? CTL(flag, value, "status") : CTL(flag, "status");
	return value ? CONSOLE(flag, value) : CONSOLE(flag);
}

/* The table holds together: names, short names, flags and values, examples the parser takes. */
static void test_table(void **state)
{
	(void)state;
	size_t count;
	const struct option_spec *specs = options_table(&count);
	for (size_t i = 0; i < count; i++) {
		const struct option_spec *s = &specs[i];
		assert_non_null(s->name);
		assert_true(strlen(s->name) > 1);
		assert_true(s->help[PROGRAM_CONSOLE] != NULL || s->help[PROGRAM_SPEAKER] != NULL ||
		            s->help[PROGRAM_CTL] != NULL);
		for (int p = PROGRAM_CONSOLE; p < PROGRAM_COUNT; p++) {
			if (s->no_effect & OPTIONS_FOR(p))
				assert_non_null(s->help[p]);
		}
		/* A flag has no value to show, an option with a value has both. */
		assert_true((s->arg == NULL) == (s->example == NULL));
		assert_true(s->min <= s->max);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(specs[j].name, s->name) == 0)
				fail_msg("--%s twice", s->name);
			if (s->short_name && specs[j].short_name == s->short_name)
				fail_msg("-%c twice", s->short_name);
		}
		/* Every example is a value its option takes (it may clash with other defaults). */
		for (int p = PROGRAM_CONSOLE; p < PROGRAM_COUNT; p++) {
			if (s->help[p] == NULL || s->arg == NULL)
				continue;
			struct run *r = parse_one(p, s->name, s->example);
			char quoted[64];
			snprintf(quoted, sizeof quoted, "'%s'", s->example);
			if (r->result != OPTIONS_RUN && strstr(r->err, quoted) != NULL)
				fail_msg("--%s %s refused: %s", s->name, s->example, r->err);
		}
	}
}

/*
 * intercom-ctl: its options come before the command; the command's words,
 * options included, are left for it; the console's control socket is a
 * path or off.
 */
static void test_ctl_and_control_socket(void **state)
{
	(void)state;
	const struct options *o = ok(CTL("--socket", "/run/x.sock", "--timeout", "2.5", "send", "--zone",
	                                 "hall", "f.wav"));
	assert_int_equal(o->program, PROGRAM_CTL);
	assert_string_equal(o->socket, "/run/x.sock");
	assert_int_equal(o->timeout_ms, 2500);
	assert_int_equal(o->command_index, 5);
	o = ok(CTL("status"));
	assert_int_equal(o->command_index, 1);
	assert_string_equal(o->socket, "");
	assert_int_equal(o->timeout_ms, 10000);
	/* "--" ends its options: the command may then start with a dash (the console refuses it). */
	assert_int_equal(ok(CTL("--", "-x"))->command_index, 2);
	refused(CTL("--timeout", "2"), "missing command: give one, e.g. intercom-ctl status");
	refused(CTL("--zone", "hall", "send", "f"), "unknown option '--zone' before the command");
	refused(CTL("--port", "3", "status"), "unknown option '--port' before the command");
	refused(CTL("--timeout", "0.01", "status"), "bad timeout '0.01'");
	refused(CTL("--socket", "", "status"), "bad file name '' for --socket");
	refused(CONSOLE("--socket", "/x"), "unknown option '--socket' (it is an intercom-ctl option");
	o = ok(CONSOLE("--control-socket", "/run/c.sock"));
	assert_string_equal(o->control_socket, "/run/c.sock");
	assert_false(o->control_off);
	o = ok(CONSOLE("--control-socket", "off"));
	assert_true(o->control_off);
	assert_string_equal(o->control_socket, "");
	assert_false(ok(CONSOLE("-d", "2"))->control_off);
	refused(SPEAKER("--control-socket", "/x", "h"), "unknown option '--control-socket'");
	char *ctl_help = usage_text(PROGRAM_CTL);
	assert_non_null(strstr(ctl_help, "Usage: intercom-ctl [OPTION]... COMMAND [ARG]..."));
	assert_non_null(strstr(ctl_help, "--socket PATH"));
	assert_non_null(strstr(ctl_help, "  4  the console did not answer within --timeout"));
	assert_null(strstr(ctl_help, "--port"));
	free(ctl_help);
}

/* Messages fit any buffer, and a huge or hostile value stays one short line. */
static void test_messages(void **state)
{
	(void)state;
	char huge[1000];
	memset(huge, '9', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	struct run *r = CONSOLE("-p", huge);
	refused(r, "bad port '9999999999999999999999999999999999999999...': give 1..65535");
	assert_true(strlen(r->err) < 100);
	refused(CONSOLE("--bad\x1b[2J"), "unknown option '--bad?[2J'");

	/* A cut UTF-8 value is cut on a character boundary. */
	char accents[100] = "a";
	for (int i = 0; i < 40; i++)
		strcat(accents, "é");
	refused(SPEAKER("--name", accents, "h"), "bad name 'aééééééééééééééééééé...': it is too long");

	struct options o;
	char small[12];
	char *argv[] = { (char *)"intercom-console", (char *)"-p", (char *)"0", NULL };
	assert_int_equal(options_parse(&o, PROGRAM_CONSOLE, 3, argv, small, sizeof small),
	                 OPTIONS_INVALID);
	assert_string_equal(small, "intercom-co");
	assert_int_equal(options_parse(&o, PROGRAM_CONSOLE, 3, argv, NULL, 0), OPTIONS_INVALID);
	char one[1] = "x";
	assert_int_equal(options_parse(&o, PROGRAM_CONSOLE, 3, argv, one, sizeof one),
	                 OPTIONS_INVALID);
	assert_string_equal(one, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_defaults),
		cmocka_unit_test(test_speaker_defaults),
		cmocka_unit_test(test_empty_argv),
		cmocka_unit_test(test_host_forms),
		cmocka_unit_test(test_port_forms),
		cmocka_unit_test(test_duration_forms),
		cmocka_unit_test(test_rate_channels_chunk_forms),
		cmocka_unit_test(test_device_forms),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_console_archive),
		cmocka_unit_test(test_limits_and_keys),
		cmocka_unit_test(test_speaker_only_options),
		cmocka_unit_test(test_console_legacy_port),
		cmocka_unit_test(test_speaker_legacy),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_duration_option),
		cmocka_unit_test(test_bad_host_option),
		cmocka_unit_test(test_bad_device_option),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_value_may_start_with_dash),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_other_programs_options),
		cmocka_unit_test(test_speaker_address),
		cmocka_unit_test(test_rtp_options),
		cmocka_unit_test(test_speaker_bad_address),
		cmocka_unit_test(test_extra_positional),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_split_host_port),
		cmocka_unit_test(test_split_host_fits),
		cmocka_unit_test(test_name_validation),
		cmocka_unit_test(test_page_limit),
		cmocka_unit_test(test_options_with_no_effect),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_usage_lists_the_table),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_ctl_and_control_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

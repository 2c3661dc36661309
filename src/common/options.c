/*
 * Command-line options of intercom-console and intercom-speaker: the table of
 * options, a hand-written parser (getopt keeps hidden global state, so it can
 * neither be re-entered nor run call after call in unit tests), the check of
 * every value, and the --help text. Never prints except in options_usage.
 */
#include "intercom/common/options.h"
#include "intercom/audio/wav.h"
#include "intercom/common/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Matches the protocol's frame limit (PROTO_MAX_PAYLOAD): a bigger page could never be sent. */
#define PAGE_MAX_BYTES (64u << 20)

double options_max_duration(int rate, int channels)
{
	double max_s = (double)wav_page_max_frames(channels) / rate;
	return max_s < DURATION_MAX_S ? max_s : DURATION_MAX_S;
}

/* Longest part of a user's value echoed in a message: keeps the message one short line. */
#define SHOWN_MAX 40

enum opt_id {
	OPT_HOST,
	OPT_PORT,
	OPT_DURATION,
	OPT_RATE,
	OPT_CHANNELS,
	OPT_CHUNK,
	OPT_INPUT_DEVICE,
	OPT_OUTPUT_DEVICE,
	OPT_LIST_DEVICES,
	OPT_HEADLESS,
	OPT_HELP,
	OPT_VERSION,
	OPT_ARCHIVE,
	OPT_NAME,
	OPT_ZONE,
	OPT_SAVE,
	OPT_ONCE,
	OPT_MAX_SPEAKERS,
	OPT_KEY_FILE,
	OPT_GEN_KEY,
	OPT_LEGACY_PORT,
	OPT_LEGACY,
};

/* Which programs accept an option, as a bit per enum program. */
#define FOR_CONSOLE (1u << PROGRAM_CONSOLE)
#define FOR_SPEAKER (1u << PROGRAM_SPEAKER)
#define FOR_BOTH (FOR_CONSOLE | FOR_SPEAKER)

struct opt_spec {
	const char *name;     /* long name, without the dashes */
	char short_name;      /* 0 = long form only */
	const char *example;  /* a good value, shown when the value is missing; NULL = a flag */
	unsigned programs;
	enum opt_id id;
};

static const struct opt_spec specs[] = {
	{ "host", 'H', "10.0.0.5", FOR_BOTH, OPT_HOST },
	{ "port", 'p', "2348", FOR_BOTH, OPT_PORT },
	{ "duration", 'd', "2.5", FOR_BOTH, OPT_DURATION },
	{ "rate", 'r', "48000", FOR_BOTH, OPT_RATE },
	{ "channels", 'c', "2", FOR_BOTH, OPT_CHANNELS },
	{ "chunk", 0, "1024", FOR_BOTH, OPT_CHUNK },
	{ "input-device", 'i', "0", FOR_BOTH, OPT_INPUT_DEVICE },
	{ "output-device", 'o', "0", FOR_BOTH, OPT_OUTPUT_DEVICE },
	{ "list-devices", 0, NULL, FOR_BOTH, OPT_LIST_DEVICES },
	{ "headless", 0, NULL, FOR_BOTH, OPT_HEADLESS },
	{ "help", 'h', NULL, FOR_BOTH, OPT_HELP },
	{ "version", 'V', NULL, FOR_BOTH, OPT_VERSION },
	{ "archive", 0, "/srv/intercom/pages", FOR_CONSOLE, OPT_ARCHIVE },
	{ "name", 0, "Reception", FOR_SPEAKER, OPT_NAME },
	{ "zone", 0, "Floor-2", FOR_SPEAKER, OPT_ZONE },
	{ "save", 0, "/srv/intercom/received", FOR_SPEAKER, OPT_SAVE },
	{ "once", 0, NULL, FOR_SPEAKER, OPT_ONCE },
	{ "max-speakers", 0, "200", FOR_CONSOLE, OPT_MAX_SPEAKERS },
	{ "key-file", 0, "/etc/intercom/key", FOR_BOTH, OPT_KEY_FILE },
	{ "gen-key", 0, "/etc/intercom/key", FOR_CONSOLE, OPT_GEN_KEY },
	{ "legacy-port", 0, "2348", FOR_CONSOLE, OPT_LEGACY_PORT },
	{ "legacy", 0, "10.0.0.5:2348", FOR_SPEAKER, OPT_LEGACY },
};

#define SPEC_COUNT (sizeof specs / sizeof specs[0])

/*
 * Both programs take the audio options (the "options on both"), but
 * some only do something in one of them: the recording format and the
 * microphone in the console, the loudspeaker in the speaker. Given to the
 * other, they are noted (options.no_effect), not silently dropped.
 */
static unsigned spec_effective(const struct opt_spec *spec)
{
	switch (spec->id) {
	case OPT_DURATION:
	case OPT_RATE:
	case OPT_CHANNELS:
	case OPT_INPUT_DEVICE:
		return FOR_CONSOLE;
	case OPT_OUTPUT_DEVICE:
		return FOR_SPEAKER;
	default:
		return spec->programs;
	}
}

/* Notes an option given to the program it does nothing in. */
static void note_no_effect(struct options *o, const struct opt_spec *spec)
{
	if (spec_effective(spec) & (1u << o->program))
		return;
	char flag[32];
	if (spec->short_name)
		snprintf(flag, sizeof flag, "-%c", spec->short_name);
	else
		snprintf(flag, sizeof flag, "--%s", spec->name);
	if (strstr(o->no_effect, flag))
		return;
	size_t used = strlen(o->no_effect);
	snprintf(o->no_effect + used, sizeof o->no_effect - used, "%s%s", used ? ", " : "", flag);
}

/* State of one options_parse call; lives on its stack, which keeps the parser re-entrant. */
struct parser {
	struct options *opts;
	const char *prog;
	char *err;
	size_t errlen;
	const char *address; /* speaker's positional HOST[:PORT], applied once all options are read */
	const char *legacy;  /* speaker's --legacy HOST[:PORT], applied likewise */
};

/* A user's value made safe to echo in a one-line message. */
struct shown {
	char text[SHOWN_MAX + 4];
};

static const char *program_name(enum program program)
{
	return program == PROGRAM_SPEAKER ? "intercom-speaker" : "intercom-console";
}

/*
 * Copies at most SHOWN_MAX bytes of text for an error message: control bytes
 * would break the one-line message (or drive the terminal), and so would the
 * high bytes of text that is not UTF-8, so they all become '?'.
 */
static struct shown show_n(const char *text, size_t len)
{
	struct shown out;
	bool utf8 = utf8_valid(text, len);
	/* Valid UTF-8 is cut on a character boundary, so it stays valid; other bytes become '?'. */
	size_t n = utf8 ? utf8_cut(text, len, SHOWN_MAX) : len < SHOWN_MAX ? len : SHOWN_MAX;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		out.text[i] = (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) ? '?' : (char)c;
	}
	strcpy(out.text + n, n < len ? "..." : "");
	return out;
}

static struct shown show(const char *text)
{
	return show_n(text, strlen(text));
}

static enum options_result fail(const struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes "program: message" into the caller's err buffer; returns OPTIONS_INVALID. */
static enum options_result fail(const struct parser *p, const char *fmt, ...)
{
	if (p->err == NULL || p->errlen == 0)
		return OPTIONS_INVALID;
	int n = snprintf(p->err, p->errlen, "%s: ", p->prog);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return OPTIONS_INVALID;
}

/*
 * Parses a whole decimal integer in min..max. strtol alone would take " 12",
 * "12abc" and "" (as 0), and clamp overflow silently.
 */
static int parse_int(const char *text, long min, long max, int *out)
{
	if (text == NULL || text[0] == '\0' || strchr("+-0123456789", text[0]) == NULL)
		return -1;
	errno = 0;
	char *end;
	long value = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
		return -1;
	*out = (int)value;
	return 0;
}

/*
 * Parses plain decimal seconds by hand rather than with strtod: strtod follows
 * the locale's decimal point (ncursesw needs a locale set, so "2.5" could
 * stop at the '.') and takes "nan", "inf", "1e400", hex floats and leading blanks.
 */
int options_parse_duration(const char *text, double *seconds)
{
	/* Below 1e14 a mantissa and its next digit are exact in a double. */
	const uint64_t exact_limit = 100000000000000u;
	uint64_t mantissa = 0;
	int frac_digits = 0;
	bool dot = false, digit = false, too_big = false, dropped = false;

	if (text == NULL || seconds == NULL)
		return -1;
	for (const char *c = text; *c != '\0'; c++) {
		if (*c == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*c < '0' || *c > '9')
			return -1;
		digit = true;
		if (mantissa < exact_limit) {
			mantissa = mantissa * 10 + (uint64_t)(*c - '0');
			frac_digits += dot;
		} else if (!dot) {
			too_big = true;
		} else if (*c != '0') {
			dropped = true; /* the value is a hair above what the kept digits say */
		}
	}
	/* Over 22 decimals only fit after "0.00000000" (the mantissa stays below 1e14): far too short. */
	if (!digit || too_big || frac_digits > 22)
		return -1;
	double scale = 1.0;
	for (int i = 0; i < frac_digits; i++)
		scale *= 10.0; /* exact up to 1e22, so the division below rounds once */
	double value = (double)mantissa / scale;
	if (value < DURATION_MIN_S || value > DURATION_MAX_S || (dropped && value >= DURATION_MAX_S))
		return -1;
	*seconds = value;
	return 0;
}

/* A host name or address as the resolver will see it: no blanks, controls or brackets. */
static bool host_ok(const char *host, size_t len)
{
	if (len == 0 || host[0] == '-') /* a leading '-' is a mistyped option, never a host */
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];
		if (c <= 0x20 || c == 0x7f || c == '[' || c == ']')
			return false;
	}
	return true;
}

/*
 * The characters of an IPv6 literal, then an optional %zone: brackets and
 * extra colons only ever mean IPv6, so "console.lan:23:48" is a typo.
 */
static bool ipv6_chars_ok(const char *host, size_t len)
{
	for (size_t i = 0; i < len && host[i] != '%'; i++) {
		char c = host[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		      c == ':' || c == '.'))
			return false;
	}
	return true;
}

/* Writes host and port only when the whole text is valid, so a failure changes nothing. */
int options_split_host_port(const char *text, char *host, size_t hostlen, int *port)
{
	const char *start = text;
	const char *port_text = NULL;
	bool ipv6 = true;
	size_t len;

	if (text == NULL || host == NULL || hostlen == 0)
		return -1;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL)
			return -1;
		start = text + 1;
		len = (size_t)(close - start);
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != '\0')
			return -1;
	} else {
		const char *colon = strchr(text, ':');
		/* Two colons or more is a bare IPv6 literal, which cannot carry a port. */
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			len = (size_t)(colon - text);
			port_text = colon + 1;
			ipv6 = false;
		} else {
			ipv6 = colon != NULL;
			len = strlen(text);
		}
	}
	if (!host_ok(start, len) || len >= hostlen || (ipv6 && !ipv6_chars_ok(start, len)))
		return -1;
	int value = 0;
	if (port_text != NULL && parse_int(port_text, 1, 65535, &value) != 0)
		return -1;
	memcpy(host, start, len);
	host[len] = '\0';
	if (port_text != NULL && port != NULL)
		*port = value;
	return 0;
}

/* -H: a host alone (brackets around IPv6 allowed); a port there must go to -p instead. */
static enum options_result set_host(struct parser *p, const char *value)
{
	struct options *o = p->opts;
	char host[sizeof o->host];
	int port = 0;

	if (options_split_host_port(value, host, sizeof host, &port) == 0 && port == 0) {
		memcpy(o->host, host, sizeof host);
		return OPTIONS_RUN;
	}
	if (strlen(value) >= sizeof o->host)
		return fail(p, "bad host '%s': longer than %zu bytes, give a host name or address",
		            show(value).text, sizeof o->host - 1);
	return fail(p, "bad host '%s': give a host name or address only (a port goes in -p), "
	               "e.g. -H 10.0.0.5",
	            show(value).text);
}

/* -i, -o: a device name substring or index, which the audio code matches later. */
static enum options_result set_device(struct parser *p, const struct opt_spec *spec,
                                      const char *value, char *dst, size_t dstlen)
{
	const char *why = NULL;
	size_t len = strlen(value);

	if (len == 0)
		why = "it is empty (leave the option out for the default device)";
	else if (len >= dstlen)
		why = "it is too long";
	for (size_t i = 0; why == NULL && i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c < 0x20 || c == 0x7f)
			why = "it has a control character";
	}
	if (why != NULL)
		return fail(p, "bad %s '%s': %s; give a name or an index from --list-devices, e.g. -%c 0",
		            spec->name, show(value).text, why, spec->short_name);
	memcpy(dst, value, len + 1);
	return OPTIONS_RUN;
}

/*
 * --name, --zone: shown in the console's table and sent in HELLO, so
 * 1..NAME_MAX_BYTES bytes of UTF-8 without control characters (C1 controls
 * U+0080..U+009F included: some terminals act on them as on ESC).
 */
static enum options_result set_label(struct parser *p, const struct opt_spec *spec,
                                     const char *value, char *dst)
{
	size_t len = strlen(value);
	const char *why = NULL;
	enum utf8_text found;

	if (len == 0)
		why = "it is empty";
	else if (len > NAME_MAX_BYTES)
		why = "it is too long";
	else if ((found = utf8_check_text(value, len)) != UTF8_TEXT_OK)
		why = found == UTF8_TEXT_CONTROL ? "it has a control character" : "it is not valid UTF-8";
	if (why != NULL)
		return fail(p, "bad %s '%s': %s; give 1..%d bytes of printable UTF-8, e.g. --%s %s",
		            spec->name, show(value).text, why, NAME_MAX_BYTES, spec->name,
		            spec->example);
	memcpy(dst, value, len + 1);
	return OPTIONS_RUN;
}

/* --archive, --save: a directory; whether it exists is checked when it is used. */
static enum options_result set_dir(struct parser *p, const struct opt_spec *spec,
                                   const char *value, char *dst, size_t dstlen)
{
	size_t len = strlen(value);

	if (len == 0)
		return fail(p, "bad %s directory '': give a directory path, e.g. --%s %s", spec->name,
		            spec->name, spec->example);
	if (len >= dstlen)
		return fail(p, "bad %s directory '%s': longer than %zu bytes, give a shorter path",
		            spec->name, show(value).text, dstlen - 1);
	memcpy(dst, value, len + 1);
	return OPTIONS_RUN;
}

/* --key-file, --gen-key: a file path; whether it is usable is checked when it is used. */
static enum options_result set_path(struct parser *p, const struct opt_spec *spec,
                                    const char *value, char *dst, size_t dstlen)
{
	size_t len = strlen(value);

	if (len == 0 || len >= dstlen)
		return fail(p, "bad file name '%s' for --%s: give a path, e.g. --%s %s",
		            show(value).text, spec->name, spec->name, spec->example);
	memcpy(dst, value, len + 1);
	return OPTIONS_RUN;
}

/* Checks one option's value and stores it; OPTIONS_EXIT for --help and --version. */
static enum options_result apply(struct parser *p, const struct opt_spec *spec, const char *value)
{
	struct options *o = p->opts;
	note_no_effect(o, spec);

	switch (spec->id) {
	case OPT_HOST:
		return set_host(p, value);
	case OPT_PORT:
		if (parse_int(value, 1, 65535, &o->port) != 0)
			return fail(p, "bad port '%s': give 1..65535", show(value).text);
		return OPTIONS_RUN;
	case OPT_DURATION:
		if (options_parse_duration(value, &o->duration) != 0)
			return fail(p, "bad duration '%s': give seconds between %g and %g, e.g. -d 2.5",
			            show(value).text, DURATION_MIN_S, DURATION_MAX_S);
		return OPTIONS_RUN;
	case OPT_RATE:
		if (parse_int(value, RATE_MIN, RATE_MAX, &o->rate) != 0)
			return fail(p, "bad rate '%s': give %d..%d frames per second, e.g. -r 48000",
			            show(value).text, RATE_MIN, RATE_MAX);
		return OPTIONS_RUN;
	case OPT_CHANNELS:
		if (parse_int(value, 1, CHANNELS_MAX, &o->channels) != 0)
			return fail(p, "bad channel count '%s': give 1..%d, e.g. -c 2", show(value).text,
			            CHANNELS_MAX);
		return OPTIONS_RUN;
	case OPT_CHUNK:
		if (parse_int(value, CHUNK_MIN, CHUNK_MAX, &o->chunk) != 0)
			return fail(p, "bad chunk '%s': give %d..%d frames, e.g. --chunk %d",
			            show(value).text, CHUNK_MIN, CHUNK_MAX, DEFAULT_CHUNK);
		return OPTIONS_RUN;
	case OPT_INPUT_DEVICE:
		return set_device(p, spec, value, o->input_device, sizeof o->input_device);
	case OPT_OUTPUT_DEVICE:
		return set_device(p, spec, value, o->output_device, sizeof o->output_device);
	case OPT_LIST_DEVICES:
		o->list_devices = true;
		return OPTIONS_RUN;
	case OPT_HEADLESS:
		o->headless = true;
		return OPTIONS_RUN;
	case OPT_HELP:
		o->help = true;
		return OPTIONS_EXIT;
	case OPT_VERSION:
		o->version = true;
		return OPTIONS_EXIT;
	case OPT_ARCHIVE:
		return set_dir(p, spec, value, o->archive_dir, sizeof o->archive_dir);
	case OPT_NAME:
		return set_label(p, spec, value, o->name);
	case OPT_ZONE:
		return set_label(p, spec, value, o->zone);
	case OPT_SAVE:
		return set_dir(p, spec, value, o->save_dir, sizeof o->save_dir);
	case OPT_ONCE:
		o->once = true;
		return OPTIONS_RUN;
	case OPT_MAX_SPEAKERS:
		if (parse_int(value, 1, MAX_SPEAKERS_LIMIT, &o->max_speakers) != 0)
			return fail(p, "bad speaker limit '%s': give 1..%d, e.g. --max-speakers 200",
			            show(value).text, MAX_SPEAKERS_LIMIT);
		return OPTIONS_RUN;
	case OPT_KEY_FILE:
		return set_path(p, spec, value, o->key_file, sizeof o->key_file);
	case OPT_GEN_KEY:
		return set_path(p, spec, value, o->gen_key_file, sizeof o->gen_key_file);
	case OPT_LEGACY_PORT:
		if (parse_int(value, 1, 65535, &o->legacy_port) != 0)
			return fail(p, "bad legacy-port '%s': give 1..65535, e.g. --legacy-port 2348",
			            show(value).text);
		return OPTIONS_RUN;
	case OPT_LEGACY:
		/* Checked in finish(), with the positional address it excludes. */
		p->legacy = value;
		return OPTIONS_RUN;
	}
	return fail(p, "internal error: option '--%s' has no handler", spec->name);
}

/* Refuses an option; names the program it belongs to when it is the other one's. */
static enum options_result unknown(const struct parser *p, const char *option, size_t len,
                                   const struct opt_spec *spec)
{
	enum program other = p->opts->program == PROGRAM_CONSOLE ? PROGRAM_SPEAKER : PROGRAM_CONSOLE;

	if (spec != NULL)
		return fail(p, "unknown option '%s' (it is an %s option; see %s --help)",
		            show_n(option, len).text, program_name(other), p->prog);
	return fail(p, "unknown option '%s' (see %s --help)", show_n(option, len).text, p->prog);
}

/* "--name value", "--name=value" or a "--flag". */
static enum options_result long_option(struct parser *p, int argc, char *const argv[], int *i)
{
	const char *arg = argv[*i];
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct opt_spec *spec = NULL;

	for (size_t k = 0; k < SPEC_COUNT && spec == NULL; k++) {
		if (strlen(specs[k].name) == name_len && memcmp(specs[k].name, name, name_len) == 0)
			spec = &specs[k];
	}
	if (spec == NULL || (spec->programs & (1u << p->opts->program)) == 0)
		return unknown(p, arg, name_len + 2, spec);
	if (spec->example == NULL) {
		if (eq != NULL)
			return fail(p, "option '--%s' takes no value: give it alone", spec->name);
		return apply(p, spec, NULL);
	}
	if (eq != NULL)
		return apply(p, spec, eq + 1);
	if (*i + 1 >= argc)
		return fail(p, "option '--%s' needs a value, e.g. --%s %s", spec->name, spec->name,
		            spec->example);
	return apply(p, spec, argv[++*i]);
}

/* "-x value", "-xvalue", or flags bundled as "-hV". */
static enum options_result short_options(struct parser *p, int argc, char *const argv[], int *i)
{
	for (const char *c = argv[*i] + 1; *c != '\0'; c++) {
		const struct opt_spec *spec = NULL;
		for (size_t k = 0; k < SPEC_COUNT && spec == NULL; k++) {
			if (specs[k].short_name == *c)
				spec = &specs[k];
		}
		if (spec == NULL || (spec->programs & (1u << p->opts->program)) == 0) {
			char option[3] = { '-', *c, '\0' };
			return unknown(p, option, 2, spec);
		}
		if (spec->example == NULL) {
			enum options_result r = apply(p, spec, NULL);
			if (r != OPTIONS_RUN)
				return r;
			continue;
		}
		if (c[1] != '\0')
			return apply(p, spec, c + 1);
		if (*i + 1 >= argc)
			return fail(p, "option '-%c' needs a value, e.g. -%c %s", *c, *c, spec->example);
		return apply(p, spec, argv[++*i]);
	}
	return OPTIONS_RUN;
}

/* A non-option argument: the speaker's console address; the console takes none. */
static enum options_result positional(struct parser *p, const char *arg)
{
	if (p->opts->program == PROGRAM_CONSOLE)
		return fail(p, "unexpected argument '%s': the console takes options only (see %s --help)",
		            show(arg).text, p->prog);
	if (p->address != NULL)
		return fail(p, "unexpected argument '%s': give one console address, HOST[:PORT]",
		            show(arg).text);
	p->address = arg;
	return OPTIONS_RUN;
}

/* Checks that need every option: the speaker's address, and the size of a page. */
static enum options_result finish(struct parser *p)
{
	struct options *o = p->opts;

	if (p->legacy != NULL && p->address != NULL)
		return fail(p, "give a console address or --legacy HOST[:PORT] (an old Python-intercom "
		               "server), not both");
	if (p->legacy != NULL && o->key_file[0])
		return fail(p, "--key-file cannot be used with --legacy: old Python-intercom servers have "
		               "no key; drop one of them");
	if (p->legacy != NULL) {
		if (options_split_host_port(p->legacy, o->host, sizeof o->host, &o->port) != 0)
			return fail(p, "bad legacy server address '%s': give HOST[:PORT] with PORT 1..65535, "
			               "e.g. --legacy 10.0.0.5:2348",
			            show(p->legacy).text);
		o->legacy = true;
	}
	/* The positional address wins over -H and -p, whatever their order. */
	if (p->address != NULL &&
	    options_split_host_port(p->address, o->host, sizeof o->host, &o->port) != 0)
		return fail(p, "bad console address '%s': give HOST[:PORT] with PORT 1..65535, "
		               "e.g. 10.0.0.5:2348 or [fd00::5]:2348",
		            show(p->address).text);
	if (o->program == PROGRAM_SPEAKER && o->host[0] == '\0' && !o->list_devices)
		return fail(p, "missing console address: give HOST[:PORT], e.g. %s 10.0.0.5", p->prog);
	if (o->legacy_port != 0 && o->legacy_port == o->port)
		return fail(p, "--legacy-port %d is also --port: old clients need a port of their own, "
		               "e.g. -p 2349 --legacy-port 2348",
		            o->legacy_port);

	double max_s = options_max_duration(o->rate, o->channels);
	if (o->program == PROGRAM_CONSOLE && o->duration > max_s) {
		return fail(p, "a %g s page at %d Hz x %d channels, with its headers, is over the %u MiB "
		               "limit: give -d %g or less, a lower -r or fewer -c",
		            o->duration, o->rate, o->channels, PAGE_MAX_BYTES >> 20,
		            floor(max_s * 10.0) / 10.0);
	}
	return OPTIONS_RUN;
}

static void set_defaults(struct options *o, enum program program)
{
	memset(o, 0, sizeof *o);
	o->program = program;
	if (program == PROGRAM_CONSOLE)
		strcpy(o->host, DEFAULT_LISTEN_HOST);
	o->port = DEFAULT_PORT;
	o->duration = DEFAULT_DURATION_S;
	o->rate = DEFAULT_RATE;
	o->channels = DEFAULT_CHANNELS;
	o->chunk = DEFAULT_CHUNK;
	o->max_speakers = DEFAULT_MAX_SPEAKERS;
}

/*
 * Reads argv left to right; the first bad option ends the parse, and so do
 * --help and --version (as with GNU tools: what follows them is not checked).
 */
enum options_result options_parse(struct options *opts, enum program program, int argc,
                                  char *const argv[], char *err, size_t errlen)
{
	struct parser p = { .opts = opts, .prog = program_name(program), .err = err, .errlen = errlen };
	bool options_ended = false;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	set_defaults(opts, program);
	for (int i = 1; i < argc && argv[i] != NULL; i++) {
		const char *arg = argv[i];
		enum options_result r;

		if (options_ended || arg[0] != '-' || arg[1] == '\0') {
			r = positional(&p, arg);
		} else if (strcmp(arg, "--") == 0) {
			options_ended = true;
			continue;
		} else if (arg[1] == '-') {
			r = long_option(&p, argc, argv, &i);
		} else {
			r = short_options(&p, argc, argv, &i);
		}
		if (r != OPTIONS_RUN)
			return r;
	}
	return finish(&p);
}

/* One line of the option list: the option in a column, then what it does. */
static void row(FILE *out, const char *option, const char *text)
{
	fprintf(out, "  %-23s  %s\n", option, text);
}

/* Options both programs take, with their limits and defaults from defaults.h. */
static void usage_common(FILE *out)
{
	char line[80];

	snprintf(line, sizeof line, "page length in seconds, %g..%g, fractions allowed",
	         DURATION_MIN_S, DURATION_MAX_S);
	row(out, "-d, --duration SECONDS", line);
	snprintf(line, sizeof line, "(default %g)", DEFAULT_DURATION_S);
	row(out, "", line);
	snprintf(line, sizeof line, "sample rate in Hz, %d..%d (default %d)", RATE_MIN, RATE_MAX,
	         DEFAULT_RATE);
	row(out, "-r, --rate N", line);
	snprintf(line, sizeof line, "audio channels, 1..%d (default %d)", CHANNELS_MAX,
	         DEFAULT_CHANNELS);
	row(out, "-c, --channels N", line);
	snprintf(line, sizeof line, "frames per audio buffer, %d..%d (default %d)", CHUNK_MIN,
	         CHUNK_MAX, DEFAULT_CHUNK);
	row(out, "    --chunk N", line);
}

void options_usage(enum program program, FILE *out)
{
	const char *prog = program_name(program);
	char line[80];

	if (program == PROGRAM_CONSOLE) {
		fprintf(out, "Usage: %s [OPTION]...\n", prog);
		fputs("Push-to-talk console: records a page from the microphone and sends it to\n"
		      "every connected intercom-speaker.\n\nOptions:\n",
		      out);
		snprintf(line, sizeof line, "address to listen on (default %s)", DEFAULT_LISTEN_HOST);
		row(out, "-H, --host HOST", line);
		snprintf(line, sizeof line, "TCP port to listen on, 1..65535 (default %d)", DEFAULT_PORT);
		row(out, "-p, --port N", line);
		usage_common(out);
		row(out, "-i, --input-device DEV", "microphone: a name or an index from --list-devices");
		row(out, "", "(default: the system's default input)");
		row(out, "-o, --output-device DEV", "a speaker's loudspeaker (accepted, no effect here)");
		row(out, "    --archive DIR", "keep every page sent in DIR");
		row(out, "", "(default: $XDG_DATA_HOME/intercom/pages)");
		snprintf(line, sizeof line, "refuse speakers beyond N, 1..%d (default %d)",
		         MAX_SPEAKERS_LIMIT, DEFAULT_MAX_SPEAKERS);
		row(out, "    --max-speakers N", line);
		row(out, "    --key-file FILE", "pre-shared key: only speakers with it may join,");
		row(out, "", "and pages are encrypted (default: no key, the");
		row(out, "", "link is unauthenticated; make one with --gen-key)");
		row(out, "    --gen-key FILE", "write a new random key to FILE (mode 0600), exit");
		row(out, "    --legacy-port N", "also send every page to old Python-intercom clients");
		row(out, "", "connecting to port N, as a plain WAV (default: off)");
		row(out, "    --list-devices", "list audio devices with their indexes, then exit");
		row(out, "    --headless", "no screen: read commands from stdin, log to stdout");
		row(out, "", "(without it: the curses screen, needs a terminal)");
	} else {
		fprintf(out, "Usage: %s [OPTION]... HOST[:PORT]\n", prog);
		fprintf(out, "       %s [OPTION]... -H HOST [-p PORT]\n", prog);
		fprintf(out, "       %s [OPTION]... --legacy HOST[:PORT]\n", prog);
		fputs("Connects to the intercom-console at HOST and plays every page it sends.\n"
		      "HOST is a name, an IPv4 or an IPv6 address; with an IPv6 address write a\n"
		      "port as [ADDRESS]:PORT. HOST[:PORT] wins over -H and -p.\n\nOptions:\n",
		      out);
		row(out, "-H, --host HOST", "console to connect to, instead of HOST[:PORT]");
		snprintf(line, sizeof line, "console's TCP port, 1..65535 (default %d)", DEFAULT_PORT);
		row(out, "-p, --port N", line);
		usage_common(out);
		row(out, "", "(-d, -r and -c set the console's recording format:");
		row(out, "", "a speaker plays each page as it comes; no effect)");
		row(out, "-i, --input-device DEV", "the console's microphone (accepted, no effect here)");
		row(out, "-o, --output-device DEV", "loudspeaker: a name or an index from --list-devices");
		row(out, "", "(default: the system's default output)");
		snprintf(line, sizeof line, "name shown on the console, 1..%d bytes of UTF-8",
		         NAME_MAX_BYTES);
		row(out, "    --name NAME", line);
		row(out, "", "(default: this machine's host name)");
		snprintf(line, sizeof line, "zone shown on the console, 1..%d bytes of UTF-8",
		         NAME_MAX_BYTES);
		row(out, "    --zone ZONE", line);
		row(out, "", "(default: none)");
		row(out, "    --save DIR", "also save every page received in DIR");
		row(out, "", "(default: do not save)");
		snprintf(line, sizeof line, "exit after one page: %d if it was played, %d if not",
		         EXIT_OK, EXIT_FAILURE_RUNTIME);
		row(out, "    --once", line);
		row(out, "    --key-file FILE", "pre-shared key of the console (see its --gen-key)");
		row(out, "    --legacy ADDRESS", "play pages from an old Python-intercom server at");
		row(out, "", "ADDRESS, HOST[:PORT], instead of from a console");
		row(out, "    --list-devices", "list audio devices with their indexes, then exit");
		row(out, "    --headless", "no full-screen interface: log lines only");
	}
	row(out, "-h, --help", "show this help, then exit");
	row(out, "-V, --version", "show the version, then exit");

	fprintf(out, "\nA value goes as --port 2348, --port=2348, -p 2348 or -p2348; \"--\" ends\n"
	             "the options. A page holds at most %u MiB (rate x channels x 2 bytes x\n"
	             "duration): high rates with many channels need a shorter duration.\n",
	        PAGE_MAX_BYTES >> 20);

	if (program == PROGRAM_CONSOLE) {
		fputs("\nKeys on the screen (? shows them all):\n", out);
		row(out, "Space", "talk; again while recording: stop, send now");
		row(out, "Esc", "cancel the recording");
		snprintf(line, sizeof line, "duration %g s shorter or longer; or type it, Enter",
		         DURATION_MIN_S);
		row(out, "+ -  (Left Right)", line);
		row(out, "Up Down, Enter or t", "select a speaker; page it alone, or all again");
		row(out, "T   r", "test tone on the selected speaker; resend");
		row(out, ":   q", "type a command (below); quit");
		fputs("\nCommands with --headless, one per line on stdin (on the screen after :):\n", out);
		row(out, "(empty line) or talk", "record a page of the set duration and send it");
		row(out, "stop", "end a recording early and send what was captured");
		row(out, "cancel", "end a recording and discard it");
		row(out, "send PATH", "send an audio file, converted to the page format");
		row(out, "resend", "send the last page again");
		snprintf(line, sizeof line, "set the page duration, %g..%g", DURATION_MIN_S,
		         DURATION_MAX_S);
		row(out, "duration SECONDS", line);
		row(out, "list", "log the connected speakers");
		row(out, "quit", "stop the console");
	}

	fputs("\nExit status:\n", out);
	fprintf(out, "  %d  success (also after --help, --version and --list-devices)\n", EXIT_OK);
	fprintf(out, "  %d  ran, but the job failed%s\n", EXIT_FAILURE_RUNTIME,
	        program == PROGRAM_SPEAKER ? " (e.g. the --once page was not played)" : "");
	fprintf(out, "  %d  unknown option or bad value; no terminal for the screen\n", EXIT_USAGE);
	if (program == PROGRAM_CONSOLE)
		fprintf(out, "  %d  cannot listen: port in use, address not here, name not resolved\n",
		        EXIT_NETWORK);
	else
		fprintf(out, "  %d  (not used: an unreachable or unresolvable console is retried)\n",
		        EXIT_NETWORK);
	fprintf(out, "  %d  no such audio device, or the audio system is unusable\n", EXIT_AUDIO);
	fprintf(out, "  %d  %s directory or key file unusable\n", EXIT_FILES,
	        program == PROGRAM_CONSOLE ? "archive" : "save");
	fprintf(out, "\n%s %s\n", prog, INTERCOM_VERSION);
}

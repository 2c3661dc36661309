/*
 * Command-line options of intercom-console and intercom-speaker: the table of
 * options, the parser, the check of every value, and the --help text made
 * from the table. Never prints except in options_usage.
 *
 * The parser is our own, not getopt_long: glibc's getopt_long takes any
 * unambiguous prefix of a long option and cannot be told not to, so "--leg"
 * would be --legacy-port on the console and --legacy on the speaker, and a
 * new option could change what an existing command line means; and to take
 * options after the speaker's address it reorders the caller's argv, which
 * it declares const. Ours takes whole names only, leaves argv alone, keeps
 * its state on the stack, and words each mistake with what to give instead.
 */
#include "intercom/common/options.h"

#include "intercom/audio/playout_sched.h"
#include "intercom/audio/stream_codec.h"
#include "intercom/audio/volume.h"
#include "intercom/audio/wav.h"
#include "intercom/common/utf8.h"
#include "intercom/net/dnssd.h"
#include "intercom/net/identity.h"

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

/*
 * --hello-timeout and --welcome-timeout, in ms: below 0.1 s a handshake with
 * a key may not finish even on a LAN; above 5 minutes a peer that never
 * finishes it holds its place for longer than anyone would wait.
 */
#define TIMEOUT_MIN_MS 100
#define TIMEOUT_MAX_MS 300000
/*
 * intercom-ctl's --timeout default: the console answers a command at once
 * (it runs on its loop), so 10 s without a byte taken or answered means it is
 * stopped or stuck, and a timer's script should hear so.
 */
#define CTL_TIMEOUT_MS 10000

/* Longest line of a config file: a key and a path of PATH_MAX, with room to spare. */
#define OPTIONS_LINE_MAX (PATH_MAX + 256)

#define FOR_CONSOLE OPTIONS_FOR(PROGRAM_CONSOLE)
#define FOR_SPEAKER OPTIONS_FOR(PROGRAM_SPEAKER)

/*
 * Every option of both programs. Both take the audio options, but some do
 * something in one of them only (the recording format and the microphone in
 * the console, the loudspeaker in the speaker): given to the other, they are
 * noted (options.no_effect), not silently dropped, and --help says so.
 */
static const struct option_spec specs[] = {
	{ OPT_HOST, "host", 'H', "HOST", "10.0.0.5",
	  .help = { [PROGRAM_CONSOLE] = "address to listen on (default " DEFAULT_LISTEN_HOST ")",
	            [PROGRAM_SPEAKER] = "console to connect to, instead of HOST[:PORT]" } },
	{ OPT_PORT, "port", 'p', "N", "2348",
	  .help = { [PROGRAM_CONSOLE] = "TCP port to listen on, {min}..{max} (default {default})",
	            [PROGRAM_SPEAKER] = "console's TCP port, {min}..{max} (default {default})" },
	  .min = 1, .max = 65535, .def = DEFAULT_PORT },
	{ OPT_DURATION, "duration", 'd', "SECONDS", "2.5",
	  .help = { [PROGRAM_CONSOLE] = "page length in seconds, {min}..{max}, fractions allowed\n"
	                                "(default {default})",
	            [PROGRAM_SPEAKER] = "the console's page length" },
	  .no_effect = FOR_SPEAKER, .min = DURATION_MIN_S, .max = DURATION_MAX_S,
	  .def = DEFAULT_DURATION_S },
	{ OPT_RATE, "rate", 'r', "N", "48000",
	  .help = { [PROGRAM_CONSOLE] = "sample rate in Hz, {min}..{max} (default {default})",
	            [PROGRAM_SPEAKER] = "the console's sample rate; a speaker plays each\n"
	                                "page as recorded" },
	  .no_effect = FOR_SPEAKER, .min = RATE_MIN, .max = RATE_MAX, .def = DEFAULT_RATE },
	{ OPT_CHANNELS, "channels", 'c', "N", "2",
	  .help = { [PROGRAM_CONSOLE] = "audio channels, {min}..{max} (default {default})",
	            [PROGRAM_SPEAKER] = "the console's channels" },
	  .no_effect = FOR_SPEAKER, .min = 1, .max = CHANNELS_MAX, .def = DEFAULT_CHANNELS },
	{ OPT_CHUNK, "chunk", 0, "N", "1024",
	  .help = { [PROGRAM_CONSOLE] = "frames per audio buffer, {min}..{max} (default {default})",
	            [PROGRAM_SPEAKER] = "frames per audio buffer, {min}..{max} (default {default})" },
	  .min = CHUNK_MIN, .max = CHUNK_MAX, .def = DEFAULT_CHUNK },
	{ OPT_INPUT_DEVICE, "input-device", 'i', "DEV", "0",
	  .help = { [PROGRAM_CONSOLE] = "microphone: a name or an index from --list-devices\n"
	                                "(default: the system's default input)",
	            [PROGRAM_SPEAKER] = "the console's microphone" },
	  .no_effect = FOR_SPEAKER },
	{ OPT_OUTPUT_DEVICE, "output-device", 'o', "DEV", "0",
	  .help = { [PROGRAM_CONSOLE] = "a speaker's loudspeaker",
	            [PROGRAM_SPEAKER] = "loudspeaker: a name or an index from --list-devices\n"
	                                "(default: the system's default output)" },
	  .no_effect = FOR_CONSOLE },
	{ OPT_ARCHIVE, "archive", 0, "DIR", "/srv/intercom/pages",
	  .help = { [PROGRAM_CONSOLE] = "keep every page sent in DIR\n"
	                                "(default: $XDG_DATA_HOME/intercom/pages)" } },
	{ OPT_NAME, "name", 0, "NAME", "Reception",
	  .help = { [PROGRAM_CONSOLE] = "name advertised over mDNS, {min}..{max} bytes of UTF-8\n"
	                                "(63 are used; default: this machine's host name)",
	            [PROGRAM_SPEAKER] = "name shown on the console, {min}..{max} bytes of UTF-8\n"
	                                "(default: this machine's host name)" },
	  .min = 1, .max = NAME_MAX_BYTES },
	{ OPT_ZONE, "zone", 0, "ZONE", "Floor-2",
	  .help = { [PROGRAM_SPEAKER] = "zone shown on the console, {min}..{max} bytes of UTF-8\n"
	                                "(default: none)" },
	  .min = 1, .max = NAME_MAX_BYTES },
	{ OPT_SAVE, "save", 0, "DIR", "/srv/intercom/received",
	  .help = { [PROGRAM_SPEAKER] = "also save every page received in DIR\n"
	                                "(default: do not save)" } },
	{ OPT_ONCE, "once", 0, NULL, NULL,
	  .help = { [PROGRAM_SPEAKER] = "exit after one page; the exit status (below) says\n"
	                                "whether it was played" } },
	{ OPT_ON_ARRIVAL, "on-arrival", 0, NULL, NULL,
	  .help = { [PROGRAM_SPEAKER] = "play each page as soon as it is whole, not at the\n"
	                                "console's play-at time: no common start with other\n"
	                                "speakers (a loudspeaker alone in its room)" } },
	{ OPT_MAX_SPEAKERS, "max-speakers", 0, "N", "200",
	  .help = { [PROGRAM_CONSOLE] = "refuse speakers beyond N, {min}..{max} (default {default})" },
	  .min = 1, .max = MAX_SPEAKERS_LIMIT, .def = DEFAULT_MAX_SPEAKERS },
	{ OPT_HELLO_TIMEOUT, "hello-timeout", 0, "SECONDS", "30",
	  .help = { [PROGRAM_CONSOLE] = "close a new connection that has not said HELLO\n"
	                                "within SECONDS of connecting (a key's handshake\n"
	                                "included), {min}..{max} (default {default})" },
	  .min = TIMEOUT_MIN_MS / 1000.0, .max = TIMEOUT_MAX_MS / 1000.0,
	  .def = HELLO_DEADLINE_MS / 1000.0 },
	{ OPT_WELCOME_TIMEOUT, "welcome-timeout", 0, "SECONDS", "30",
	  .help = { [PROGRAM_SPEAKER] = "give up a connection, and try again, when the\n"
	                                "console has not sent WELCOME within SECONDS of\n"
	                                "connecting (a key's handshake included),\n"
	                                "{min}..{max} (default {default})" },
	  .min = TIMEOUT_MIN_MS / 1000.0, .max = TIMEOUT_MAX_MS / 1000.0,
	  .def = WELCOME_DEADLINE_MS / 1000.0 },
	{ OPT_DELAY_MS, "delay-ms", 0, "N", "12",
	  .help = { [PROGRAM_SPEAKER] = "play each page N ms after its play-at time, for a\n"
	                                "loudspeaker farther away or behind an amplifier\n"
	                                "with known latency, {min}..{max} (default {default});\n"
	                                "[ and ] trim it on the screen by 1 ms (with Shift by\n"
	                                "10 ms), kept like the volume" },
	  .min = 0, .max = PLAYOUT_DELAY_MAX_MS, .def = 0 },
	{ OPT_CODEC, "codec", 0, "NAME", "pcm",
	  .help = { [PROGRAM_CONSOLE] = "how pages travel: opus (speech, small; streamed as\n"
	                                "you talk), pcm (the exact samples, streamed) or\n"
	                                "wav (the whole page once recorded) (default opus,\n"
	                                "or pcm at a rate opus cannot take)",
	            [PROGRAM_SPEAKER] = "the console's: a speaker plays what comes" },
	  .no_effect = FOR_SPEAKER },
	{ OPT_BITRATE, "bitrate", 0, "BPS", "24000",
	  .help = { [PROGRAM_CONSOLE] = "opus bits per second, {min}..{max} (default {default})",
	            [PROGRAM_SPEAKER] = "the console's opus bitrate" },
	  .no_effect = FOR_SPEAKER, .min = STREAM_OPUS_BITRATE_MIN, .max = STREAM_OPUS_BITRATE_MAX,
	  .def = STREAM_OPUS_BITRATE_DEFAULT },
	{ OPT_LIVE_LATENCY, "live-latency-ms", 0, "N", "120",
	  .help = { [PROGRAM_CONSOLE] = "live talk (L): every speaker plays each sample N ms\n"
	                                "after it was spoken, {min}..{max} (default {default})",
	            [PROGRAM_SPEAKER] = "the console's live latency" },
	  .no_effect = FOR_SPEAKER, .min = LIVE_LATENCY_MIN_MS, .max = LIVE_LATENCY_MAX_MS,
	  .def = LIVE_LATENCY_MS },
	{ OPT_WAIT_MAX_AGE, "wait-max-age", 0, "SECONDS", "1800",
	  .help = { [PROGRAM_CONSOLE] = "a page for a known speaker that is offline waits\n"
	                                "for it this long, then expires; {min}..{max}, 0:\n"
	                                "pages never wait (default {default})" },
	  .min = 0, .max = WAIT_MAX_AGE_S_MAX, .def = WAIT_MAX_AGE_S_DEFAULT },
	{ OPT_WAIT_MAX_PAGES, "wait-max-pages", 0, "N", "16",
	  .help = { [PROGRAM_CONSOLE] = "different pages waiting for offline speakers at\n"
	                                "once; a newer one expires the oldest, {min}..{max}\n"
	                                "(default {default})" },
	  .min = 1, .max = WAIT_MAX_PAGES_MAX, .def = WAIT_MAX_PAGES_DEFAULT },
	{ OPT_CHIME, "chime", 0, "FILE", "/srv/intercom/ding.flac",
	  .help = { [PROGRAM_CONSOLE] = "the chime before each page: any audio file (at most\n"
	                                "{max} s), or off (default: the shipped chime; the\n"
	                                "command chime on|off|FILE changes it)" },
	  .max = CHIME_MAX_S },
	{ OPT_PREROLL, "preroll-ms", 0, "N", "300",
	  .help = { [PROGRAM_CONSOLE] = "a recorded page begins N ms before the key, so the\n"
	                                "first syllable is not cut, {min}..{max} (default\n"
	                                "{default}; the command preroll MS changes it)" },
	  .min = 0, .max = PREROLL_MAX_MS, .def = PREROLL_DEFAULT_MS },
	{ OPT_EMERGENCY_FLOOR, "emergency-floor-db", 0, "DB", "-6",
	  .help = { [PROGRAM_SPEAKER] = "an emergency page plays even when muted, at no less\n"
	                                "than DB (0: as recorded), {min}..{max} (default\n"
	                                "{default})" },
	  .min = VOLUME_MIN_DB, .max = VOLUME_MAX_DB, .def = EMERGENCY_FLOOR_DB },
	{ OPT_KEY_FILE, "key-file", 0, "FILE", "/etc/intercom/key",
	  .help = { [PROGRAM_CONSOLE] = "pre-shared key, mixed into every handshake: only\n"
	                                "speakers with it may connect, and with --admit key\n"
	                                "(its default then) they join without asking\n"
	                                "(default: no key; links are encrypted all the same;\n"
	                                "make one with --gen-key)",
	            [PROGRAM_SPEAKER] = "pre-shared key of the console (see its --gen-key)\n"
	                                "(default: no key)" } },
	{ OPT_GEN_KEY, "gen-key", 0, "FILE", "/etc/intercom/key",
	  .help = { [PROGRAM_CONSOLE] = "write a new random key to FILE (mode 0600), exit" },
	  .command_line_only = true },
	{ OPT_LEGACY_PORT, "legacy-port", 0, "N", "2348",
	  .help = { [PROGRAM_CONSOLE] = "also send every page to old Python-intercom clients\n"
	                                "connecting to port N, as a plain WAV (default: off)" },
	  .min = 1, .max = 65535 },
	{ OPT_LEGACY, "legacy", 0, "ADDRESS", "10.0.0.5:2348",
	  .help = { [PROGRAM_SPEAKER] = "play pages from an old Python-intercom server at\n"
	                                "ADDRESS, HOST[:PORT], instead of from a console" } },
	{ OPT_RTP, "rtp", 0, "GROUP:PORT[,...]", "224.0.2.60:50000,codec=g722,zone=hall",
	  .help = { [PROGRAM_CONSOLE] = "also page RTP paging hardware on multicast GROUP\n"
	                                "(or a unicast host) at PORT: pages and live\n"
	                                "talk in 20 ms RTP packets; settings after\n"
	                                "commas: codec=pcmu|pcma|g722|opus, ttl=N (1),\n"
	                                "iface=NAME, zone=Z, name=N (rtp:GROUP:PORT);\n"
	                                "repeatable. UNAUTHENTICATED: anyone on the\n"
	                                "network hears it (default: off)" } },
	{ OPT_RTP_LISTEN, "rtp-listen", 0, "GROUP:PORT[,...]", "224.0.2.60:50000,codec=pcmu",
	  .help = { [PROGRAM_SPEAKER] = "also play RTP sent to multicast GROUP (or an\n"
	                                "address of this host) at PORT: Asterisk,\n"
	                                "ffmpeg, a console's --rtp; settings:\n"
	                                "codec=pcmu|pcma|g722|opus, iface=NAME,\n"
	                                "latency=MS (100: its jitter buffer).\n"
	                                "UNAUTHENTICATED: anyone on the network can\n"
	                                "send it; a console's page always takes over\n"
	                                "(default: off)" } },
	{ OPT_ADMIT, "admit", 0, "POLICY", "all",
	  .help = { [PROGRAM_CONSOLE] = "new speakers (keys not approved before): ask (the\n"
	                                "operator approves each), key (those proving the\n"
	                                "--key-file join), all (any joins: a lab, a demo)\n"
	                                "(default: ask; key with --key-file)" } },
	{ OPT_CONSOLE_KEY, "console-key", 0, "FINGERPRINT", "\"4f45 553c 5a7c c837 bcce f9cb afc1 a91f\"",
	  .help = { [PROGRAM_SPEAKER] = "serve only a console with this key's fingerprint\n"
	                                "(its --show-identity) (default: trust the console's\n"
	                                "key on first contact, then refuse any other)" } },
	{ OPT_FORGET_CONSOLE, "forget-console", 0, "ADDRESS", "10.0.0.5:2348",
	  .help = { [PROGRAM_SPEAKER] = "forget the key pinned for the console at ADDRESS,\n"
	                                "HOST[:PORT], or found over mDNS as NAME (mdns:NAME),\n"
	                                "then exit: its next key is trusted" },
	  .command_line_only = true },
	{ OPT_CONSOLE_NAME, "console-name", 0, "NAME", "Reception",
	  .help = { [PROGRAM_SPEAKER] = "given no console address: the console to find over\n"
	                                "mDNS by the name it advertises, {min}..{max} bytes\n"
	                                "(default: the only one found)" },
	  .min = 1, .max = DNSSD_NAME_MAX },
	{ OPT_NO_ADVERTISE, "no-advertise", 0, NULL, NULL,
	  .help = { [PROGRAM_CONSOLE] = "do not advertise this console over mDNS (default:\n"
	                                "advertised as _intercom._tcp through avahi-daemon)" } },
	{ OPT_SHOW_IDENTITY, "show-identity", 0, NULL, NULL,
	  .help = { [PROGRAM_CONSOLE] = "print this console's key fingerprint (made on first\n"
	                                "run), then exit",
	            [PROGRAM_SPEAKER] = "print this speaker's key fingerprint (made on first\n"
	                                "run; one per --name), then exit" },
	  .command_line_only = true },
	{ OPT_LIST_DEVICES, "list-devices", 0, NULL, NULL,
	  .help = { [PROGRAM_CONSOLE] = "list audio devices with their indexes, then exit",
	            [PROGRAM_SPEAKER] = "list audio devices with their indexes, then exit" },
	  .command_line_only = true },
	{ OPT_HEADLESS, "headless", 0, NULL, NULL,
	  .help = { [PROGRAM_CONSOLE] = "no screen: read commands from stdin, log to stdout\n"
	                                "(without it: the curses screen, needs a terminal)",
	            [PROGRAM_SPEAKER] = "no screen: log lines to stdout\n"
	                                "(without it: the curses screen, needs a terminal)" } },
	{ OPT_CONTROL_SOCKET, "control-socket", 0, "PATH", "/run/user/1000/intercom/console.sock",
	  .help = { [PROGRAM_CONSOLE] = "take commands from intercom-ctl on this Unix\n"
	                                "socket (mode 0600, this user only), or off\n"
	                                "(default: $XDG_RUNTIME_DIR/intercom/console.sock)" } },
	{ OPT_SOCKET, "socket", 0, "PATH", "/run/user/1000/intercom/console.sock",
	  .help = { [PROGRAM_CTL] = "the console's control socket (its --control-socket)\n"
	                            "(default: $XDG_RUNTIME_DIR/intercom/console.sock)" } },
	{ OPT_TIMEOUT, "timeout", 0, "SECONDS", "30",
	  .help = { [PROGRAM_CTL] = "give up when the console takes nothing and answers\n"
	                            "nothing for SECONDS, {min}..{max} (default {default})" },
	  .min = TIMEOUT_MIN_MS / 1000.0, .max = TIMEOUT_MAX_MS / 1000.0, .def = CTL_TIMEOUT_MS / 1000.0 },
	{ OPT_CONFIG, "config", 0, "FILE", "/etc/intercom/console.conf",
	  .help = { [PROGRAM_CONSOLE] = "read settings from FILE only, instead of\n"
	                                "/etc/intercom/console.conf and then\n"
	                                "$XDG_CONFIG_HOME/intercom/console.conf",
	            [PROGRAM_SPEAKER] = "read settings from FILE only, instead of\n"
	                                "/etc/intercom/speaker.conf and then\n"
	                                "$XDG_CONFIG_HOME/intercom/speaker.conf" },
	  .command_line_only = true },
	{ OPT_PRINT_CONFIG, "print-config", 0, NULL, NULL,
	  .help = { [PROGRAM_CONSOLE] = "print the settings in force and where each comes\n"
	                                "from (default, FILE:LINE, command line), then exit",
	            [PROGRAM_SPEAKER] = "print the settings in force and where each comes\n"
	                                "from (default, FILE:LINE, command line), then exit" },
	  .command_line_only = true },
	{ OPT_HELP, "help", 'h', NULL, NULL,
	  .help = { [PROGRAM_CONSOLE] = "show this help, then exit",
	            [PROGRAM_SPEAKER] = "show this help, then exit",
	            [PROGRAM_CTL] = "show this help, then exit" },
	  .command_line_only = true },
	{ OPT_VERSION, "version", 'V', NULL, NULL,
	  .help = { [PROGRAM_CONSOLE] = "show the version, then exit",
	            [PROGRAM_SPEAKER] = "show the version, then exit",
	            [PROGRAM_CTL] = "show the version, then exit" },
	  .command_line_only = true },
};

#define SPEC_COUNT (sizeof specs / sizeof specs[0])

const struct option_spec *options_table(size_t *count)
{
	*count = SPEC_COUNT;
	return specs;
}

/* True if the program takes the option (even to do nothing with it). */
static bool spec_accepted(const struct option_spec *spec, enum program program)
{
	return spec->help[program] != NULL;
}

/* "-x" or "--name": how a message shows the option, short where it has a short form. */
struct flag {
	char text[32];
};

static struct flag flag_of(const struct option_spec *spec)
{
	struct flag f;
	if (spec->short_name)
		snprintf(f.text, sizeof f.text, "-%c", spec->short_name);
	else
		snprintf(f.text, sizeof f.text, "--%s", spec->name);
	return f;
}

/* Notes an option given to the program it does nothing in. */
static void note_no_effect(struct options *o, const struct option_spec *spec)
{
	if (!(spec->no_effect & OPTIONS_FOR(o->program)))
		return;
	struct flag flag = flag_of(spec);
	if (strstr(o->no_effect, flag.text))
		return;
	size_t used = strlen(o->no_effect);
	snprintf(o->no_effect + used, sizeof o->no_effect - used, "%s%s", used ? ", " : "",
	         flag.text);
}

/* State of one options_parse call; lives on its stack, which keeps the parser re-entrant. */
struct parser {
	struct options *opts;
	const char *prog;
	char *err;
	size_t errlen;
	const char *address; /* speaker's positional HOST[:PORT], applied once all options are read */
	const char *legacy;  /* speaker's --legacy HOST[:PORT], applied likewise */
	struct options_origin *origins; /* NULL, or where each option's value came from */
	struct options_origin now;      /* where the values being applied come from */
	bool port_given;     /* -p: a speaker needs an address with it (mDNS finds the port) */
};

/* A user's value made safe to echo in a one-line message. */
struct shown {
	char text[SHOWN_MAX + 4];
};

static const char *program_name(enum program program)
{
	return program == PROGRAM_SPEAKER ? "intercom-speaker"
	       : program == PROGRAM_CTL   ? "intercom-ctl"
	                                  : "intercom-console";
}

/*
 * Copies at most SHOWN_MAX bytes of text for an error message: control bytes
 * would break the one-line message (or drive the terminal), bidi and
 * invisible characters would garble or hide part of it, and so would the
 * high bytes of text that is not UTF-8, so each of them becomes '?'.
 */
static struct shown show_n(const char *text, size_t len)
{
	struct shown out;
	bool utf8 = utf8_valid(text, len);
	/* Valid UTF-8 is cut on a character boundary, so it stays valid; other bytes become '?'. */
	size_t n = utf8 ? utf8_cut(text, len, SHOWN_MAX) : len < SHOWN_MAX ? len : SHOWN_MAX;
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8 ? utf8_decode(text + i, n - i, &cp) : 1;
		if (utf8 ? utf8_is_printable(cp) : (unsigned char)text[i] >= 0x20 && (unsigned char)text[i] < 0x7f) {
			memcpy(out.text + o, text + i, k);
			o += k;
		} else {
			out.text[o++] = '?';
		}
		i += k;
	}
	strcpy(out.text + o, n < len ? "..." : "");
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
	int n = p->now.kind == ORIGIN_FILE
	        ? snprintf(p->err, p->errlen, "%s:%d: ", p->now.path, p->now.line)
	        : snprintf(p->err, p->errlen, "%s: ", p->prog);
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
 * Parses plain decimal seconds in min..max by hand rather than with strtod:
 * strtod takes "nan", "inf", "1e400", hex floats, signs and leading blanks,
 * each of which would have to be refused after it, and rounds
 * "300.0000000000000000001" to 300, inside a limit the text is over. Here
 * every digit counts at the limits.
 */
static int parse_seconds(const char *text, double min, double max, double *seconds)
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
	/* Over 22 decimals only fit after "0.00000000" (the mantissa stays below 1e14): below any min. */
	if (!digit || too_big || frac_digits > 22)
		return -1;
	double scale = 1.0;
	for (int i = 0; i < frac_digits; i++)
		scale *= 10.0; /* exact up to 1e22, so the division below rounds once */
	double value = (double)mantissa / scale;
	if (value < min || value > max || (dropped && value >= max))
		return -1;
	*seconds = value;
	return 0;
}

int options_parse_duration(const char *text, double *seconds)
{
	return parse_seconds(text, DURATION_MIN_S, DURATION_MAX_S, seconds);
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
static enum options_result set_device(struct parser *p, const struct option_spec *spec,
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

/* Why a name or zone is not printable text, naming the character. */
static const char *label_why(enum utf8_text found, uint32_t cp, char *out, size_t outlen)
{
	switch (found) {
	case UTF8_TEXT_CONTROL:
		snprintf(out, outlen, "it has a control character (U+%04X)", (unsigned)cp);
		break;
	case UTF8_TEXT_FORMAT:
		snprintf(out, outlen, "it has U+%04X, an invisible or direction-changing character "
		         "(a bidi control, zero-width or other format character)", (unsigned)cp);
		break;
	case UTF8_TEXT_NONCHARACTER:
		snprintf(out, outlen, "it has U+%04X, a noncharacter", (unsigned)cp);
		break;
	case UTF8_TEXT_MALFORMED:
	case UTF8_TEXT_OK:
		snprintf(out, outlen, "it is not valid UTF-8");
		break;
	}
	return out;
}

/*
 * --name, --zone: shown in the console's table and sent in HELLO, so the
 * table's min..max bytes of UTF-8 without control characters (C1 controls
 * U+0080..U+009F included: some terminals act on them as on ESC), bidi or
 * invisible format characters (a name that reads backwards or hides a
 * character), nor noncharacters: utf8_check_text.
 */
static enum options_result set_label(struct parser *p, const struct option_spec *spec,
                                     const char *value, char *dst, size_t dstlen)
{
	size_t len = strlen(value);
	const char *why = NULL;
	char found_why[128];
	uint32_t cp = 0;
	enum utf8_text found;

	if (len == 0)
		why = "it is empty";
	else if (len > spec->max || len >= dstlen)
		why = "it is too long";
	else if ((found = utf8_check_text_cp(value, len, &cp)) != UTF8_TEXT_OK)
		why = label_why(found, cp, found_why, sizeof found_why);
	if (why != NULL)
		return fail(p, "bad %s '%s': %s; give %g..%g bytes of printable UTF-8, e.g. --%s %s",
		            spec->name, show(value).text, why, spec->min, spec->max, spec->name,
		            spec->example);
	memcpy(dst, value, len + 1);
	return OPTIONS_RUN;
}

/* --archive, --save: a directory; whether it exists is checked when it is used. */
static enum options_result set_dir(struct parser *p, const struct option_spec *spec,
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
static enum options_result set_path(struct parser *p, const struct option_spec *spec,
                                    const char *value, char *dst, size_t dstlen)
{
	size_t len = strlen(value);

	if (len == 0 || len >= dstlen)
		return fail(p, "bad file name '%s' for --%s: give a path, e.g. --%s %s",
		            show(value).text, spec->name, spec->name, spec->example);
	memcpy(dst, value, len + 1);
	return OPTIONS_RUN;
}

/* A whole number in the table's min..max for the option; 0 or -1. */
static int spec_int(const struct option_spec *spec, const char *value, int *dst)
{
	return parse_int(value, (long)spec->min, (long)spec->max, dst);
}

/* -d and the timeouts: seconds in the table's min..max, fractions allowed. */
static enum options_result set_seconds(struct parser *p, const struct option_spec *spec,
                                       const char *value, double *dst)
{
	if (parse_seconds(value, spec->min, spec->max, dst) == 0)
		return OPTIONS_RUN;
	return fail(p, "bad %s '%s': give seconds between %g and %g, e.g. %s %s", spec->name,
	            show(value).text, spec->min, spec->max, flag_of(spec).text, spec->example);
}

/* --hello-timeout, --welcome-timeout: seconds as -d takes them, kept in milliseconds. */
static enum options_result set_timeout(struct parser *p, const struct option_spec *spec,
                                       const char *value, int *dst_ms)
{
	double seconds;
	enum options_result r = set_seconds(p, spec, value, &seconds);
	if (r == OPTIONS_RUN)
		*dst_ms = (int)lround(seconds * 1000.0);
	return r;
}

/* Checks one option's value and stores it; OPTIONS_EXIT for --help and --version. */
static enum options_result apply(struct parser *p, const struct option_spec *spec, const char *value)
{
	struct options *o = p->opts;
	note_no_effect(o, spec);
	if (p->origins != NULL)
		p->origins[spec->id] = p->now;

	switch (spec->id) {
	case OPT_HOST:
		return set_host(p, value);
	case OPT_PORT:
		if (spec_int(spec, value, &o->port) != 0)
			return fail(p, "bad port '%s': give %g..%g", show(value).text, spec->min, spec->max);
		p->port_given = true;
		return OPTIONS_RUN;
	case OPT_DURATION:
		o->duration_given = true;
		return set_seconds(p, spec, value, &o->duration);
	case OPT_RATE:
		if (spec_int(spec, value, &o->rate) != 0)
			return fail(p, "bad rate '%s': give %g..%g frames per second, e.g. -r %s",
			            show(value).text, spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_CHANNELS:
		if (spec_int(spec, value, &o->channels) != 0)
			return fail(p, "bad channel count '%s': give %g..%g, e.g. -c %s", show(value).text,
			            spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_CHUNK:
		if (spec_int(spec, value, &o->chunk) != 0)
			return fail(p, "bad chunk '%s': give %g..%g frames, e.g. --chunk %s",
			            show(value).text, spec->min, spec->max, spec->example);
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
		return set_label(p, spec, value, o->name, sizeof o->name);
	case OPT_ZONE:
		return set_label(p, spec, value, o->zone, sizeof o->zone);
	case OPT_SAVE:
		return set_dir(p, spec, value, o->save_dir, sizeof o->save_dir);
	case OPT_ONCE:
		o->once = true;
		return OPTIONS_RUN;
	case OPT_ON_ARRIVAL:
		o->on_arrival = true;
		return OPTIONS_RUN;
	case OPT_MAX_SPEAKERS:
		if (spec_int(spec, value, &o->max_speakers) != 0)
			return fail(p, "bad speaker limit '%s': give %g..%g, e.g. --max-speakers %s",
			            show(value).text, spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_HELLO_TIMEOUT:
		return set_timeout(p, spec, value, &o->hello_timeout_ms);
	case OPT_WELCOME_TIMEOUT:
		return set_timeout(p, spec, value, &o->welcome_timeout_ms);
	case OPT_CODEC:
		for (int c = OPTIONS_CODEC_PCM; c <= OPTIONS_CODEC_WAV; c++)
			if (strcmp(value, options_codec_name(c)) == 0) {
				o->codec = c;
				o->codec_given = true;
				return OPTIONS_RUN;
			}
		return fail(p, "unknown codec '%s': give opus, pcm or wav, e.g. --codec %s", show(value).text,
		            spec->example);
	case OPT_BITRATE:
		if (spec_int(spec, value, &o->bitrate) != 0)
			return fail(p, "bad bitrate '%s': give %g..%g bits per second, e.g. --bitrate %s",
			            show(value).text, spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_LIVE_LATENCY:
		if (spec_int(spec, value, &o->live_latency_ms) != 0)
			return fail(p, "bad live latency '%s': give %g..%g ms, e.g. --live-latency-ms %s",
			            show(value).text, spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_WAIT_MAX_AGE:
		if (spec_int(spec, value, &o->wait_max_age_s) != 0)
			return fail(p, "bad wait age '%s': give %g..%g seconds, e.g. --wait-max-age %s",
			            show(value).text, spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_WAIT_MAX_PAGES:
		if (spec_int(spec, value, &o->wait_max_pages) != 0)
			return fail(p, "bad number of waiting pages '%s': give %g..%g, e.g. --wait-max-pages %s",
			            show(value).text, spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_CHIME:
		if (strcmp(value, "off") == 0) {
			o->chime_off = true;
			o->chime_file[0] = '\0';
			o->chime_given = true;
			return OPTIONS_RUN;
		}
		o->chime_off = false;
		o->chime_given = true;
		return set_path(p, spec, value, o->chime_file, sizeof o->chime_file);
	case OPT_PREROLL:
		if (spec_int(spec, value, &o->preroll_ms) != 0)
			return fail(p, "bad pre-roll '%s': give %g..%g ms, e.g. --preroll-ms %s", show(value).text,
			            spec->min, spec->max, spec->example);
		o->preroll_given = true;
		return OPTIONS_RUN;
	case OPT_EMERGENCY_FLOOR:
		if (spec_int(spec, value, &o->emergency_floor_db) != 0)
			return fail(p, "bad emergency floor '%s': give %g..%g dB, e.g. --emergency-floor-db %s",
			            show(value).text, spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_DELAY_MS:
		if (spec_int(spec, value, &o->delay_ms) != 0)
			return fail(p, "bad delay '%s': give %g..%g ms, e.g. --delay-ms %s", show(value).text,
			            spec->min, spec->max, spec->example);
		o->delay_given = true;
		return OPTIONS_RUN;
	case OPT_KEY_FILE:
		return set_path(p, spec, value, o->key_file, sizeof o->key_file);
	case OPT_GEN_KEY:
		return set_path(p, spec, value, o->gen_key_file, sizeof o->gen_key_file);
	case OPT_LEGACY_PORT:
		if (spec_int(spec, value, &o->legacy_port) != 0)
			return fail(p, "bad legacy-port '%s': give %g..%g, e.g. --legacy-port %s",
			            show(value).text, spec->min, spec->max, spec->example);
		return OPTIONS_RUN;
	case OPT_LEGACY:
		/* Checked in finish(), with the positional address it excludes. */
		p->legacy = value;
		return OPTIONS_RUN;
	case OPT_RTP: {
		char why[200];
		if (o->rtp_count >= RTP_TARGETS_MAX)
			return fail(p, "more than %d --rtp targets: send to fewer groups (endpoints share a group)",
			            RTP_TARGETS_MAX);
		if (rtp_spec_parse(value, false, &o->rtp[o->rtp_count], why, sizeof why) < 0)
			return fail(p, "bad --rtp '%s': %s", show(value).text, why);
		for (int i = 0; i < o->rtp_count; i++)
			if (strcmp(o->rtp[i].name, o->rtp[o->rtp_count].name) == 0)
				return fail(p, "two --rtp targets named %s: give each its own name=", o->rtp[i].name);
		o->rtp_count++;
		return OPTIONS_RUN;
	}
	case OPT_RTP_LISTEN: {
		char why[200];
		if (rtp_spec_parse(value, true, &o->rtp_listen, why, sizeof why) < 0)
			return fail(p, "bad --rtp-listen '%s': %s", show(value).text, why);
		o->rtp_listening = true;
		return OPTIONS_RUN;
	}
	case OPT_ADMIT:
		if (strcmp(value, "ask") == 0)
			o->admit = ADMIT_ASK;
		else if (strcmp(value, "key") == 0)
			o->admit = ADMIT_KEY;
		else if (strcmp(value, "all") == 0)
			o->admit = ADMIT_ALL;
		else
			return fail(p, "bad admit policy '%s': give ask, key or all, e.g. --admit ask",
			            show(value).text);
		o->admit_given = true;
		return OPTIONS_RUN;
	case OPT_CONSOLE_KEY: {
		uint8_t fp[IDENTITY_FP_BYTES];
		if (identity_parse_fingerprint(value, fp) != 0)
			return fail(p, "bad console key '%s': give the 32 hex digits the console's "
			               "--show-identity prints, e.g. --console-key \"ab12 cd34 ...\"",
			            show(value).text);
		snprintf(o->console_key, sizeof o->console_key, "%s", value);
		return OPTIONS_RUN;
	}
	case OPT_FORGET_CONSOLE: {
		char host[256];
		int port = DEFAULT_PORT;
		/* A console found over mDNS is pinned by its name (dnssd.h). */
		if (strncmp(value, DNSSD_PIN_PREFIX, strlen(DNSSD_PIN_PREFIX)) == 0) {
			const char *name = value + strlen(DNSSD_PIN_PREFIX);
			size_t len = strlen(name);
			if (len == 0 || len > DNSSD_NAME_MAX || utf8_check_text(name, len) != UTF8_TEXT_OK)
				return fail(p, "bad console name in '%s': give mdns:NAME as the speaker's log "
				               "says it, e.g. --forget-console \"mdns:Reception\"", show(value).text);
			snprintf(o->forget_console, sizeof o->forget_console, "%s", value);
			return OPTIONS_RUN;
		}
		if (options_split_host_port(value, host, sizeof host, &port) != 0)
			return fail(p, "bad console address '%s': give HOST[:PORT], e.g. --forget-console "
			               "10.0.0.5:2348", show(value).text);
		snprintf(o->forget_console, sizeof o->forget_console, strchr(host, ':') ? "[%s]:%d" : "%s:%d",
		         host, port);
		return OPTIONS_RUN;
	}
	case OPT_SHOW_IDENTITY:
		o->show_identity = true;
		return OPTIONS_RUN;
	case OPT_CONFIG:
		return set_path(p, spec, value, o->config_file, sizeof o->config_file);
	case OPT_PRINT_CONFIG:
		o->print_config = true;
		return OPTIONS_RUN;
	case OPT_CONSOLE_NAME:
		return set_label(p, spec, value, o->console_name, sizeof o->console_name);
	case OPT_NO_ADVERTISE:
		o->no_advertise = true;
		return OPTIONS_RUN;
	case OPT_CONTROL_SOCKET:
		o->control_off = strcmp(value, "off") == 0;
		if (o->control_off)
			return OPTIONS_RUN;
		return set_path(p, spec, value, o->control_socket, sizeof o->control_socket);
	case OPT_SOCKET:
		return set_path(p, spec, value, o->socket, sizeof o->socket);
	case OPT_TIMEOUT:
		return set_timeout(p, spec, value, &o->timeout_ms);
	}
	return fail(p, "internal error: option '--%s' has no handler", spec->name);
}

/* Refuses an option; names the program it belongs to when it is the other one's. */
static enum options_result unknown(const struct parser *p, const char *option, size_t len,
                                   const struct option_spec *spec)
{
	enum program other = p->opts->program == PROGRAM_CONSOLE ? PROGRAM_SPEAKER : PROGRAM_CONSOLE;

	if (spec != NULL && p->opts->program == PROGRAM_CTL)
		return fail(p, "unknown option '%s' before the command (see %s --help; a command's own "
		               "options go after it, e.g. intercom-ctl send --zone hall FILE)",
		            show_n(option, len).text, p->prog);
	if (spec != NULL && !spec->help[other])
		other = PROGRAM_CTL;
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
	const struct option_spec *spec = NULL;

	for (size_t k = 0; k < SPEC_COUNT && spec == NULL; k++) {
		if (strlen(specs[k].name) == name_len && memcmp(specs[k].name, name, name_len) == 0)
			spec = &specs[k];
	}
	if (spec == NULL || !spec_accepted(spec, p->opts->program))
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
		const struct option_spec *spec = NULL;
		for (size_t k = 0; k < SPEC_COUNT && spec == NULL; k++) {
			if (specs[k].short_name == *c)
				spec = &specs[k];
		}
		if (spec == NULL || !spec_accepted(spec, p->opts->program)) {
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

	p->now = (struct options_origin){ .kind = ORIGIN_COMMAND_LINE };
	if (o->program == PROGRAM_CTL && o->command_index == 0)
		return fail(p, "missing command: give one, e.g. %s status (see %s --help)", p->prog, p->prog);

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
	if ((p->address != NULL || p->legacy != NULL) && p->origins != NULL) {
		struct options_origin from = p->address != NULL
		                             ? (struct options_origin){ .kind = ORIGIN_COMMAND_LINE }
		                             : p->origins[OPT_LEGACY];
		int port = 0;
		char host[sizeof o->host];
		p->origins[OPT_HOST] = from;
		/* The port too, when the address names one. */
		if (options_split_host_port(p->address != NULL ? p->address : p->legacy, host,
		                            sizeof host, &port) == 0 && port != 0)
			p->origins[OPT_PORT] = from;
	}
	/*
	 * No address: the speaker finds the console over mDNS (discovery.h), port and
	 * all; with --rtp-listen and no --console-name it listens to RTP alone.
	 */
	if (o->program == PROGRAM_SPEAKER && o->host[0] == '\0' && p->port_given)
		return fail(p, "-p needs the console's address: give HOST[:PORT], e.g. %s 10.0.0.5:%d, or "
		               "neither to find the console over mDNS", p->prog, o->port);
	if (o->console_name[0] && o->host[0])
		return fail(p, "--console-name finds a console over mDNS: give it or a console address "
		               "(or --legacy), not both");
	if (o->admit == ADMIT_KEY && o->admit_given && !o->key_file[0])
		return fail(p, "--admit key needs --key-file: speakers are admitted by proving that key; "
		               "give one, or --admit ask");
	if (!o->admit_given)
		o->admit = o->key_file[0] ? ADMIT_KEY : ADMIT_ASK;
	if (p->legacy != NULL && o->console_key[0])
		return fail(p, "--console-key cannot be used with --legacy: old Python-intercom servers "
		               "have no key; drop one of them");
	if (o->legacy_port != 0 && o->legacy_port == o->port)
		return fail(p, "--legacy-port %d is also --port: old clients need a port of their own, "
		               "e.g. -p 2349 --legacy-port 2348",
		            o->legacy_port);

	if (o->program == PROGRAM_CONSOLE && o->codec == OPTIONS_CODEC_OPUS) {
		struct stream_codec_params params = { .codec = STREAM_CODEC_OPUS, .rate = o->rate,
		                                      .channels = o->channels, .bitrate = o->bitrate,
		                                      .complexity = -1 };
		char why[160];
		/* Not asked for: the default gives way to the exact samples at a rate opus cannot take. */
		if (stream_codec_check(&params, why, sizeof why) < 0 && !o->codec_given)
			o->codec = OPTIONS_CODEC_PCM;
		else if (stream_codec_check(&params, why, sizeof why) < 0)
			return fail(p, "--codec opus: %s", why);
	}
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
	o->hello_timeout_ms = HELLO_DEADLINE_MS;
	o->welcome_timeout_ms = WELCOME_DEADLINE_MS;
	o->codec = OPTIONS_CODEC_OPUS;
	o->bitrate = STREAM_OPUS_BITRATE_DEFAULT;
	o->live_latency_ms = LIVE_LATENCY_MS;
	o->wait_max_age_s = WAIT_MAX_AGE_S_DEFAULT;
	o->wait_max_pages = WAIT_MAX_PAGES_DEFAULT;
	o->preroll_ms = PREROLL_DEFAULT_MS;
	o->emergency_floor_db = EMERGENCY_FLOOR_DB;
	o->timeout_ms = CTL_TIMEOUT_MS;
}

const char *options_codec_name(int codec)
{
	switch (codec) {
	case OPTIONS_CODEC_PCM: return "pcm";
	case OPTIONS_CODEC_OPUS: return "opus";
	case OPTIONS_CODEC_WAV: return "wav";
	default: return "unknown";
	}
}

/*
 * Reads argv left to right; the first bad option ends the parse, and so do
 * --help and --version (as with GNU tools: what follows them is not checked).
 */
static enum options_result parse_argv(struct parser *p, int argc, char *const argv[])
{
	bool options_ended = false;

	p->now = (struct options_origin){ .kind = ORIGIN_COMMAND_LINE };
	for (int i = 1; i < argc && argv[i] != NULL; i++) {
		const char *arg = argv[i];
		enum options_result r;

		if (p->opts->program == PROGRAM_CTL &&
		    (options_ended || arg[0] != '-' || arg[1] == '\0')) {
			/* The command: what follows is its own (intercom-ctl send --zone hall FILE). */
			p->opts->command_index = i;
			break;
		}
		if (options_ended || arg[0] != '-' || arg[1] == '\0') {
			r = positional(p, arg);
		} else if (strcmp(arg, "--") == 0) {
			options_ended = true;
			continue;
		} else if (arg[1] == '-') {
			r = long_option(p, argc, argv, &i);
		} else {
			r = short_options(p, argc, argv, &i);
		}
		if (r != OPTIONS_RUN)
			return r;
	}
	return OPTIONS_RUN;
}

/* A flag's value in a file: yes/no and their usual spellings. 1 true, 0 false, -1 neither. */
static int parse_bool(const char *value)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcmp(value, yes[i]) == 0)
			return 1;
		if (strcmp(value, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* A file's "flag = no": puts back the default a system file's "yes" may have changed. */
static void clear_flag(struct options *o, enum option_id id)
{
	switch (id) {
	case OPT_HEADLESS: o->headless = false; break;
	case OPT_ONCE: o->once = false; break;
	case OPT_ON_ARRIVAL: o->on_arrival = false; break;
	default: break; /* the other flags are command-line actions, refused in files */
	}
}

/* Is c blank in a config line? */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * One line of a config file, without its '\n': blank, a comment, or
 * "key = value" with blanks around either allowed; the value is the rest of
 * the line, trimmed, so it may hold blanks and '#'.
 */
static enum options_result parse_line(struct parser *p, char *line)
{
	char *start = line;
	while (is_blank(*start))
		start++;
	size_t len = strlen(start);
	while (len > 0 && is_blank(start[len - 1]))
		start[--len] = '\0';
	if (*start == '\0' || *start == '#')
		return OPTIONS_RUN;

	char *eq = strchr(start, '=');
	if (eq == NULL)
		return fail(p, "missing '=': write KEY = VALUE, e.g. duration = 7.5");
	char *key_end = eq;
	while (key_end > start && is_blank(key_end[-1]))
		key_end--;
	*key_end = '\0';
	char *value = eq + 1;
	while (is_blank(*value))
		value++;
	if (*start == '\0')
		return fail(p, "missing key before '=': write KEY = VALUE, e.g. duration = 7.5");
	if (start[0] == '-')
		return fail(p, "key '%s': write it without the dashes, e.g. duration = 7.5",
		            show(start).text);

	const struct option_spec *spec = NULL;
	for (size_t k = 0; k < SPEC_COUNT && spec == NULL; k++) {
		if (strcmp(specs[k].name, start) == 0)
			spec = &specs[k];
	}
	enum program other = p->opts->program == PROGRAM_CONSOLE ? PROGRAM_SPEAKER : PROGRAM_CONSOLE;
	if (spec == NULL)
		return fail(p, "unknown key '%s': keys are the long options of %s --help, without "
		               "the dashes", show(start).text, p->prog);
	if (!spec_accepted(spec, p->opts->program))
		return fail(p, "unknown key '%s': it is an %s option, not one of %s", show(start).text,
		            program_name(other), p->prog);
	if (spec->command_line_only)
		return fail(p, "'%s' cannot be set in a file: give --%s on the command line",
		            spec->name, spec->name);
	if (spec->example != NULL) {
		if (*value == '\0')
			return fail(p, "'%s' has no value: e.g. %s = %s", spec->name, spec->name,
			            spec->example);
		return apply(p, spec, value);
	}
	int on = parse_bool(value);
	if (on < 0)
		return fail(p, "bad value '%s' for %s: give yes or no", show(value).text, spec->name);
	if (on)
		return apply(p, spec, NULL);
	note_no_effect(p->opts, spec);
	if (p->origins != NULL)
		p->origins[spec->id] = p->now;
	clear_flag(p->opts, spec->id);
	return OPTIONS_RUN;
}

/*
 * Applies one layer's text, line by line, each copied to the stack so that
 * the caller's text stays as it was; the one value kept past its line
 * (--legacy, checked with the address once all is read) goes to legacy_copy.
 */
static enum options_result parse_layer(struct parser *p, const struct options_layer *layer,
                                       char *legacy_copy, size_t legacy_cap)
{
	const char *text = layer->text;
	int line_no = 0;

	while (*text != '\0') {
		const char *end = strchr(text, '\n');
		size_t len = end != NULL ? (size_t)(end - text) : strlen(text);
		char line[OPTIONS_LINE_MAX + 1];

		line_no++;
		p->now = (struct options_origin){ .kind = ORIGIN_FILE, .path = layer->path,
		                                  .line = line_no };
		if (len > OPTIONS_LINE_MAX)
			return fail(p, "line longer than %d bytes: shorten it", OPTIONS_LINE_MAX);
		memcpy(line, text, len);
		line[len] = '\0';
		const char *legacy_before = p->legacy;
		enum options_result r = parse_line(p, line);
		if (r != OPTIONS_RUN)
			return r;
		if (p->legacy != legacy_before) {
			/* --legacy's value is checked once every option is read: keep it past this line. */
			snprintf(legacy_copy, legacy_cap, "%s", p->legacy);
			p->legacy = legacy_copy;
		}
		text += len;
		if (*text == '\n')
			text++;
	}
	return OPTIONS_RUN;
}

enum options_result options_parse_layers(struct options *opts, enum program program,
                                         const struct options_layer *layers, size_t nlayers,
                                         int argc, char *const argv[],
                                         struct options_origin *origins, char *err,
                                         size_t errlen)
{
	struct parser p = { .opts = opts, .prog = program_name(program), .err = err, .errlen = errlen,
	                    .origins = origins };
	char legacy_copy[OPTIONS_LINE_MAX + 1];

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	set_defaults(opts, program);
	if (origins != NULL) {
		for (int i = 0; i < OPT_COUNT; i++)
			origins[i] = (struct options_origin){ .kind = ORIGIN_DEFAULT };
	}
	for (size_t i = 0; i < nlayers; i++) {
		enum options_result r = parse_layer(&p, &layers[i], legacy_copy, sizeof legacy_copy);
		if (r != OPTIONS_RUN)
			return r;
	}
	enum options_result r = parse_argv(&p, argc, argv);
	if (r != OPTIONS_RUN)
		return r;
	return finish(&p);
}

enum options_result options_parse(struct options *opts, enum program program, int argc,
                                  char *const argv[], char *err, size_t errlen)
{
	return options_parse_layers(opts, program, NULL, 0, argc, argv, NULL, err, errlen);
}

enum options_result options_prescan(struct options *opts, enum program program, int argc,
                                    char *const argv[], char *err, size_t errlen)
{
	struct parser p = { .opts = opts, .prog = program_name(program), .err = err, .errlen = errlen };

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	set_defaults(opts, program);
	return parse_argv(&p, argc, argv);
}

/* One setting's value as a config file writes it; false when it is not set. */
static bool value_text(const struct options *o, const struct option_spec *spec, char *out,
                       size_t outlen)
{
	const char *text = NULL;
	switch (spec->id) {
	case OPT_HOST: text = o->host; break;
	case OPT_PORT: snprintf(out, outlen, "%d", o->port); return true;
	case OPT_DURATION: snprintf(out, outlen, "%g", o->duration); return true;
	case OPT_RATE: snprintf(out, outlen, "%d", o->rate); return true;
	case OPT_CHANNELS: snprintf(out, outlen, "%d", o->channels); return true;
	case OPT_CHUNK: snprintf(out, outlen, "%d", o->chunk); return true;
	case OPT_INPUT_DEVICE: text = o->input_device; break;
	case OPT_OUTPUT_DEVICE: text = o->output_device; break;
	case OPT_ARCHIVE: text = o->archive_dir; break;
	case OPT_NAME: text = o->name; break;
	case OPT_ZONE: text = o->zone; break;
	case OPT_SAVE: text = o->save_dir; break;
	case OPT_ON_ARRIVAL: text = o->on_arrival ? "yes" : "no"; break;
	case OPT_ONCE: text = o->once ? "yes" : "no"; break;
	case OPT_HEADLESS: text = o->headless ? "yes" : "no"; break;
	case OPT_MAX_SPEAKERS: snprintf(out, outlen, "%d", o->max_speakers); return true;
	case OPT_HELLO_TIMEOUT: snprintf(out, outlen, "%g", o->hello_timeout_ms / 1000.0); return true;
	case OPT_WELCOME_TIMEOUT:
		snprintf(out, outlen, "%g", o->welcome_timeout_ms / 1000.0);
		return true;
	case OPT_CODEC: text = options_codec_name(o->codec); break;
	case OPT_BITRATE: snprintf(out, outlen, "%d", o->bitrate); return true;
	case OPT_LIVE_LATENCY: snprintf(out, outlen, "%d", o->live_latency_ms); return true;
	case OPT_WAIT_MAX_AGE: snprintf(out, outlen, "%d", o->wait_max_age_s); return true;
	case OPT_WAIT_MAX_PAGES: snprintf(out, outlen, "%d", o->wait_max_pages); return true;
	case OPT_DELAY_MS: snprintf(out, outlen, "%d", o->delay_ms); return true;
	case OPT_CHIME:
		if (!o->chime_off && !o->chime_file[0])
			return false;
		text = o->chime_off ? "off" : o->chime_file;
		break;
	case OPT_PREROLL: snprintf(out, outlen, "%d", o->preroll_ms); return true;
	case OPT_EMERGENCY_FLOOR: snprintf(out, outlen, "%d", o->emergency_floor_db); return true;
	case OPT_KEY_FILE: text = o->key_file; break;
	case OPT_LEGACY_PORT:
		if (o->legacy_port == 0)
			return false;
		snprintf(out, outlen, "%d", o->legacy_port);
		return true;
	case OPT_LEGACY:
		if (!o->legacy)
			return false;
		snprintf(out, outlen, strchr(o->host, ':') ? "[%s]:%d" : "%s:%d", o->host, o->port);
		return true;
	case OPT_ADMIT:
		text = o->admit == ADMIT_ALL ? "all" : o->admit == ADMIT_KEY ? "key" : "ask";
		break;
	case OPT_CONSOLE_KEY: text = o->console_key; break;
	case OPT_CONSOLE_NAME: text = o->console_name; break;
	case OPT_NO_ADVERTISE: text = o->no_advertise ? "yes" : "no"; break;
	default: return false; /* command-line actions: never in a file */
	}
	snprintf(out, outlen, "%s", text);
	return text[0] != '\0';
}

void options_print_config(const struct options *opts, const struct options_origin *origins,
                          FILE *out)
{
	fprintf(out, "# %s: the settings in force, as a config file holds them.\n",
	        program_name(opts->program));
	for (size_t i = 0; i < SPEC_COUNT; i++) {
		const struct option_spec *spec = &specs[i];
		char value[PATH_MAX + 16];
		char from[PATH_MAX + 32];

		if (!spec_accepted(spec, opts->program) || spec->command_line_only)
			continue;
		const struct options_origin *origin = &origins[spec->id];
		if (origin->kind == ORIGIN_FILE)
			snprintf(from, sizeof from, "%s:%d", origin->path, origin->line);
		else
			snprintf(from, sizeof from, "%s",
			         origin->kind == ORIGIN_COMMAND_LINE ? "command line" : "default");
		if (value_text(opts, spec, value, sizeof value))
			fprintf(out, "%s = %s  # %s\n", spec->name, value, from);
		else
			fprintf(out, "# %s (not set)  # %s\n", spec->name, from);
	}
}

/* Width of the option column of --help; a longer option puts its text on the next line. */
#define USAGE_COLUMN 23

/* One line of a two-column list: the option (or key, or command), then what it does. */
static void row(FILE *out, const char *option, const char *text)
{
	fprintf(out, "  %-*s  %s\n", USAGE_COLUMN, option, text);
}

/* Room for the text of a help line: the column after the option's, within 79 columns. */
#define HELP_WIDTH (79 - 2 - USAGE_COLUMN - 2)
#define NO_EFFECT_NOTE "(accepted, no effect here)"

/* Copies text[0..len) into out with {min}, {max} and {default} replaced by the option's numbers. */
static void help_line(char *out, size_t outlen, const struct option_spec *spec, const char *text,
                      size_t len)
{
	static const char *const tokens[] = { "{min}", "{max}", "{default}" };
	const double values[] = { spec->min, spec->max, spec->def };
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && used + 1 < outlen;) {
		size_t k = 0;
		while (k < 3 && strncmp(text + i, tokens[k], strlen(tokens[k])) != 0)
			k++;
		if (k < 3) {
			snprintf(out + used, outlen - used, "%g", values[k]);
			i += strlen(tokens[k]);
		} else {
			snprintf(out + used, outlen - used, "%c", text[i++]);
		}
		used += strlen(out + used);
	}
}

/*
 * An option's rows in the program's --help: "-p, --port N" and its help,
 * line by line (an option wider than its column has a line of its own). An
 * option that does nothing in this program says so after its text.
 */
static void usage_option(FILE *out, const struct option_spec *spec, enum program program)
{
	char option[64];
	snprintf(option, sizeof option, "%c%c%c --%s%s%s", spec->short_name ? '-' : ' ',
	         spec->short_name ? spec->short_name : ' ', spec->short_name ? ',' : ' ', spec->name,
	         spec->arg ? " " : "", spec->arg ? spec->arg : "");
	const char *first = option;
	if (strlen(option) > USAGE_COLUMN) {
		fprintf(out, "  %s\n", option);
		first = "";
	}
	bool note = spec->no_effect & OPTIONS_FOR(program);
	for (const char *text = spec->help[program]; text != NULL;) {
		const char *end = strchr(text, '\n');
		char line[128];
		help_line(line, sizeof line, spec, text, end ? (size_t)(end - text) : strlen(text));
		if (note && end == NULL && strlen(line) + 1 + strlen(NO_EFFECT_NOTE) <= HELP_WIDTH) {
			strcat(line, " " NO_EFFECT_NOTE);
			note = false;
		}
		row(out, first, line);
		first = "";
		text = end ? end + 1 : NULL;
	}
	if (note)
		row(out, "", NO_EFFECT_NOTE);
}

/* intercom-ctl's --help: its options from the table, its commands, its exit codes. */
static void ctl_usage(FILE *out, const char *prog)
{
	fprintf(out, "Usage: %s [OPTION]... COMMAND [ARG]...\n", prog);
	fputs("Remote control of a running intercom-console (same user, same machine):\n"
	      "sends COMMAND to its control socket and prints the answer.\n\nOptions:\n", out);
	for (size_t i = 0; i < SPEC_COUNT; i++) {
		if (spec_accepted(&specs[i], PROGRAM_CTL))
			usage_option(out, &specs[i], PROGRAM_CTL);
	}
	fputs("\nCommands (the console's headless commands; options before FILE):\n", out);
	row(out, "talk [SECONDS] [OPTS]", "record a page from the console's microphone");
	row(out, "send [OPTS] FILE", "page an audio file (made absolute here)");
	row(out, "send [OPTS] -", "page the audio on stdin (espeak-ng --stdout ...)");
	row(out, "status [--json]", "what the console is doing (--json: one JSON object)");
	row(out, "stop, cancel", "end the recording and send it / discard it");
	row(out, "duration SECONDS", "the console's page length");
	row(out, "live, page", "live talk, or recorded pages");
	row(out, "list, pending", "the speakers; those asking to join");
	row(out, "approve ID, refuse ID", "a speaker asking to join");
	row(out, "resend, forget ID, quit", "and any other command the console takes");
	fputs("OPTS, where the console takes them: --all, --zone NAME, --speaker NAME|ID,\n"
	      "--priority normal|high|emergency, --chime, --no-chime.\n", out);
	fputs("\nExit status:\n", out);
	fprintf(out, "  %d  the console did it\n", EXIT_OK);
	fprintf(out, "  %d  the console answered with an error (the message says why)\n", CTL_EXIT_REFUSED);
	fprintf(out, "  %d  unknown option, bad value or missing command\n", EXIT_USAGE);
	fprintf(out, "  %d  no console to talk to: no socket, nobody listening, or not this\n"
	             "     user's console\n", CTL_EXIT_UNREACHABLE);
	fprintf(out, "  %d  the console did not answer within --timeout\n", CTL_EXIT_TIMEOUT);
	fprintf(out, "\n%s %s\n", prog, INTERCOM_VERSION);
}

void options_usage(enum program program, FILE *out)
{
	const char *prog = program_name(program);
	char line[80];

	if (program == PROGRAM_CTL) {
		ctl_usage(out, prog);
		return;
	}
	if (program == PROGRAM_CONSOLE) {
		fprintf(out, "Usage: %s [OPTION]...\n", prog);
		fputs("Push-to-talk console: records a page from the microphone and sends it to\n"
		      "every connected intercom-speaker.\n\nOptions:\n",
		      out);
	} else {
		fprintf(out, "Usage: %s [OPTION]... HOST[:PORT]\n", prog);
		fprintf(out, "       %s [OPTION]... -H HOST [-p PORT]\n", prog);
		fprintf(out, "       %s [OPTION]... --legacy HOST[:PORT]\n", prog);
		fprintf(out, "       %s [OPTION]... [--console-name NAME]\n", prog);
		fputs("Connects to the intercom-console at HOST and plays every page it sends.\n"
		      "HOST is a name, an IPv4 or an IPv6 address; with an IPv6 address write a\n"
		      "port as [ADDRESS]:PORT. HOST[:PORT] wins over -H and -p. Without HOST it\n"
		      "finds the console over mDNS (avahi-daemon) and follows it if it moves.\n\nOptions:\n",
		      out);
	}
	for (size_t i = 0; i < SPEC_COUNT; i++) {
		if (spec_accepted(&specs[i], program))
			usage_option(out, &specs[i], program);
	}

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
		row(out, "a   x", "approve, refuse the speaker that asks to join");
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
		row(out, "list", "log the connected speakers (with their ids)");
		row(out, "pending", "log the speakers asking to join (--admit ask)");
		row(out, "approve ID", "let speaker ID join; its key is remembered");
		row(out, "refuse ID", "close speaker ID; refused until a restart");
		row(out, "forget ID", "forget an approved speaker (or a fingerprint)");
		row(out, "status", "what it is doing, as one JSON line (status text)");
		row(out, "quit", "stop the console");
	}

	fputs("\nExit status:\n", out);
	fprintf(out, "  %d  success (also after --help, --version and --list-devices)\n", EXIT_OK);
	fprintf(out, "  %d  ran, but the job failed%s\n", EXIT_FAILURE_RUNTIME,
	        program == PROGRAM_SPEAKER ? " (e.g. the --once page was not played)" : "");
	fprintf(out, "  %d  unknown option or bad value (also a config file's line); no terminal\n"
	             "     for the screen\n", EXIT_USAGE);
	if (program == PROGRAM_CONSOLE)
		fprintf(out, "  %d  cannot listen: port in use, address not here, name not resolved;\n"
		             "     another console answers on the control socket; or an --rtp\n"
		             "     target cannot be opened (no route, no such iface=)\n",
		        EXIT_NETWORK);
	else
		fprintf(out, "  %d  cannot join --rtp-listen's group (an unreachable or unresolvable\n"
		             "     console is retried, never this)\n",
		        EXIT_NETWORK);
	fprintf(out, "  %d  no such audio device, or the audio system is unusable\n", EXIT_AUDIO);
	fprintf(out, "  %d  config file unreadable; %s directory, key or identity file\n"
	             "     unusable (e.g. open to others)\n",
	        EXIT_FILES, program == PROGRAM_CONSOLE ? "archive" : "save");
	if (program == PROGRAM_SPEAKER)
		fprintf(out, "  %d  the console's key is not the one pinned (or --console-key): refused,\n"
		             "     not retried; the message names the command that accepts a new key\n",
		        EXIT_IDENTITY);
	if (program == PROGRAM_SPEAKER)
		fprintf(out, "  %d  no console address and none found over mDNS: no avahi-daemon, or\n"
		             "     several consoles and no --console-name (not retried)\n",
		        EXIT_DISCOVERY);
	fprintf(out, "\n%s %s\n", prog, INTERCOM_VERSION);
}

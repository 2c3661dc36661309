/*
 * Command-line options of the three programs (console, speaker, and the
 * console's remote control intercom-ctl): one table of options (names, the
 * programs taking each, help text, ranges) from which parsing, validation
 * and --help all work; no I/O besides printing usage. Pure so that units can
 * test every bad value.
 */
#ifndef INTERCOM_OPTIONS_H
#define INTERCOM_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "intercom/common/defaults.h"
#include "intercom/net/rtp.h"

enum program { PROGRAM_CONSOLE, PROGRAM_SPEAKER, PROGRAM_CTL };
/* How many programs the option table serves. */
#define PROGRAM_COUNT 3

struct options {
	enum program program;
	char host[256];          /* console: listen address; speaker: console to connect to */
	int port;
	double duration;         /* seconds, fractional allowed */
	int rate;                /* frames per second */
	int channels;
	int chunk;               /* frames per PortAudio buffer */
	char input_device[128];  /* name substring or index; empty = default device */
	char output_device[128];
	char name[NAME_MAX_BYTES + 1]; /* speaker: name sent in HELLO (empty = hostname) */
	char zone[NAME_MAX_BYTES + 1]; /* speaker: zone sent in HELLO (may be empty) */
	char archive_dir[PATH_MAX];    /* console: empty = $XDG_DATA_HOME/intercom/pages */
	char save_dir[PATH_MAX];       /* speaker: empty = do not save */
	char key_file[PATH_MAX];       /* pre-shared key; empty = unauthenticated link */
	char gen_key_file[PATH_MAX];   /* console: write a new key here and exit */
	int max_speakers;        /* console: refuse speakers beyond this many */
	int legacy_port;         /* console: port for old Python-intercom clients; 0 = off */
	int hello_timeout_ms;    /* console: a new connection must say HELLO within this */
	int welcome_timeout_ms;  /* speaker: the console must send WELCOME within this */
	int delay_ms;            /* speaker: pages play this much after their play-at time */
	int codec;               /* console: OPTIONS_CODEC_* how pages travel */
	bool codec_given;        /* ... --codec was given (else opus, or pcm where opus cannot) */
	int bitrate;             /* console: opus bits per second */
	int live_latency_ms;     /* console: live talk plays this long after it is captured */
	int wait_max_age_s;      /* console: a page waits this long for an offline speaker */
	int wait_max_pages;      /* console: different pages waiting at once */
	bool delay_given;        /* ... --delay-ms was given (else the screen's trim, kept, applies) */
	bool duration_given;     /* console: -d was given (else the duration kept from last time) */
	char chime_file[PATH_MAX]; /* console: --chime FILE; "" = the shipped chime */
	bool chime_off;          /* console: --chime off */
	bool chime_given;        /* ... --chime was given (else the chime kept from last time) */
	int preroll_ms;          /* console: a recording begins this long before the key */
	bool preroll_given;      /* ... --preroll-ms was given */
	int emergency_floor_db;  /* speaker: an emergency page plays at no less than this */
	bool legacy;             /* speaker: host and port are an old Python-intercom server */
	int admit;               /* console: enum admit_policy for new speakers' keys */
	bool admit_given;        /* ... --admit was given (else: ask, or key with --key-file) */
	char console_key[96];    /* speaker: the fingerprint the console must have; "" = pin on
	                            first contact */
	char forget_console[300]; /* speaker: forget this console's pinned key, "host:port", and exit */
	bool show_identity;      /* print this program's fingerprint and exit */
	char console_name[NAME_MAX_BYTES + 1]; /* speaker, no address: the console to find over mDNS
	                            by name; "" = the only one found */
	bool no_advertise;       /* console: not advertised over mDNS */
	struct rtp_spec rtp[RTP_TARGETS_MAX]; /* console: --rtp targets, rtp_count of them */
	int rtp_count;
	struct rtp_spec rtp_listen; /* speaker: --rtp-listen, if rtp_listening */
	bool rtp_listening;
	bool headless;
	bool once;               /* speaker: exit after one page */
	bool on_arrival;         /* speaker: play each page once it is whole, not at its play-at */
	bool list_devices;
	bool help;
	bool version;
	char config_file[PATH_MAX];    /* --config: read this file instead of the system and user ones */
	bool print_config;             /* --print-config: print the settings in force and exit */
	char no_effect[64];      /* options given that do nothing in this program: "-d, -r" */
	/* console: its control socket (--control-socket); "" = the default place */
	char control_socket[108];
	bool control_off;        /* console: --control-socket off: no control socket */
	/* intercom-ctl */
	char socket[108];        /* --socket: the console's control socket; "" = the default place */
	int timeout_ms;          /* --timeout: wait this long for the console's answer */
	int command_index;       /* argv's index of the command (its words follow); 0 = none */
};

/*
 * How the console sends pages (--codec): streamed while recorded, as opus or
 * pcm frames (stream_codec.h's ids), or whole WAV files once recorded, as
 * before streaming (for speakers of older builds it does that anyway).
 */
enum options_codec {
	OPTIONS_CODEC_PCM = 0,    /* STREAM_CODEC_PCM */
	OPTIONS_CODEC_OPUS = 1,   /* STREAM_CODEC_OPUS */
	OPTIONS_CODEC_WAV = 2,
};
const char *options_codec_name(int codec);

/* A set of programs, as a bit per enum program. */
#define OPTIONS_FOR(program) (1u << (program))

/* Every option, for the parser's switch. */
enum option_id {
	OPT_HOST,
	OPT_PORT,
	OPT_DURATION,
	OPT_RATE,
	OPT_CHANNELS,
	OPT_CHUNK,
	OPT_INPUT_DEVICE,
	OPT_OUTPUT_DEVICE,
	OPT_ARCHIVE,
	OPT_NAME,
	OPT_ZONE,
	OPT_SAVE,
	OPT_ON_ARRIVAL,
	OPT_ONCE,
	OPT_MAX_SPEAKERS,
	OPT_HELLO_TIMEOUT,
	OPT_WELCOME_TIMEOUT,
	OPT_CODEC,
	OPT_BITRATE,
	OPT_LIVE_LATENCY,
	OPT_WAIT_MAX_AGE,
	OPT_WAIT_MAX_PAGES,
	OPT_DELAY_MS,
	OPT_CHIME,
	OPT_PREROLL,
	OPT_EMERGENCY_FLOOR,
	OPT_KEY_FILE,
	OPT_GEN_KEY,
	OPT_LEGACY_PORT,
	OPT_LEGACY,
	OPT_RTP,
	OPT_RTP_LISTEN,
	OPT_ADMIT,
	OPT_CONSOLE_KEY,
	OPT_FORGET_CONSOLE,
	OPT_CONSOLE_NAME,
	OPT_NO_ADVERTISE,
	OPT_SHOW_IDENTITY,
	OPT_LIST_DEVICES,
	OPT_HEADLESS,
	OPT_CONTROL_SOCKET,
	OPT_SOCKET,
	OPT_TIMEOUT,
	OPT_CONFIG,
	OPT_PRINT_CONFIG,
	OPT_HELP,
	OPT_VERSION,
};
/* How many options there are: OPT_VERSION stays the last of the enum. */
#define OPT_COUNT (OPT_VERSION + 1)

/*
 * One option of the table. --help prints, for each program, the options
 * whose help[program] is set, in table order; help text is lines split by
 * '\n' in which {min}, {max} and {default} stand for the numbers below.
 */
struct option_spec {
	enum option_id id;
	const char *name;       /* long name, without the dashes */
	char short_name;        /* 0 = long form only */
	const char *arg;        /* the value's name in --help ("N", "SECONDS"); NULL = a flag */
	const char *example;    /* a good value, shown when the value is missing or bad */
	const char *help[PROGRAM_COUNT]; /* by enum program; NULL = that program refuses the option */
	unsigned no_effect;     /* OPTIONS_FOR programs that take it but do nothing with it */
	double min, max;        /* a number's range (a name's length): checked, and shown */
	double def;             /* a number's default, shown */
	bool command_line_only; /* an action or a choice of files: never a key of a config file */
};

/* The table, in --help order: *count entries. */
const struct option_spec *options_table(size_t *count);

enum options_result {
	OPTIONS_RUN,        /* options are valid: run the program */
	OPTIONS_EXIT,       /* --help, --version: print and exit 0 */
	OPTIONS_INVALID,    /* err holds a one-line message naming the cause and the fix */
};

/* Fills *opts with defaults, then applies argv. Never prints, never exits. */
enum options_result options_parse(struct options *opts, enum program program, int argc,
                                  char *const argv[], char *err, size_t errlen);

/*
 * Config files: "key = value" lines whose keys are the long options without
 * their dashes ("duration = 7.5", "headless = yes"); blank lines and lines
 * starting with '#' are skipped; a later line wins over an earlier one.
 * Layers apply in order (the system file, then the user's), the command line
 * last, so it wins. The caller reads the files; the text must outlive opts.
 */
struct options_layer {
	const char *path;   /* shown in messages and by --print-config */
	const char *text;   /* the file's whole text, NUL-terminated */
};

/* Where an option's value came from, for --print-config. */
enum options_origin_kind { ORIGIN_DEFAULT, ORIGIN_FILE, ORIGIN_COMMAND_LINE };
struct options_origin {
	enum options_origin_kind kind;
	const char *path;   /* ORIGIN_FILE: the layer's path (the caller's string) */
	int line;           /* ORIGIN_FILE: 1-based line number */
};

/*
 * A first look at the command line, before any file is read: takes the
 * options as options_parse does but skips the checks that need the files'
 * settings too (a speaker's address may be in a file). OPTIONS_RUN with
 * opts->config_file and opts->print_config set as given; OPTIONS_EXIT for
 * --help and --version; OPTIONS_INVALID with the message in err.
 */
enum options_result options_prescan(struct options *opts, enum program program, int argc,
                                    char *const argv[], char *err, size_t errlen);

/*
 * Defaults, then each layer, then argv, then the checks of options_parse.
 * origins (OPT_COUNT entries, may be NULL) receives where each value came
 * from. A bad line fails the whole parse with "FILE:LINE: reason" in err.
 */
enum options_result options_parse_layers(struct options *opts, enum program program,
                                         const struct options_layer *layers, size_t nlayers,
                                         int argc, char *const argv[],
                                         struct options_origin *origins, char *err,
                                         size_t errlen);

/*
 * Prints the settings in force as a config file would hold them, each with
 * where it came from ("# default", "# /etc/intercom/console.conf:3",
 * "# command line"); options that are not set are shown commented out.
 */
void options_print_config(const struct options *opts, const struct options_origin *origins,
                          FILE *out);

/* Splits "host", "host:port", "[v6addr]:port" or a bare IPv6 literal. 0 or -1. */
int options_split_host_port(const char *text, char *host, size_t hostlen, int *port);

/* Parses seconds in DURATION_MIN_S..DURATION_MAX_S ("5", "2.5"); 0 or -1. */
int options_parse_duration(const char *text, double *seconds);

void options_usage(enum program program, FILE *out);

/*
 * The longest recording, in seconds, at this rate and channel count: the
 * duration limit (DURATION_MAX_S), or less where such a page would not fit in
 * a PAGE frame.
 */
double options_max_duration(int rate, int channels);

#endif

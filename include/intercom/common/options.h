/*
 * Command-line options of both programs: parsing and validation only, no I/O
 * besides printing usage. Pure so that units can test every bad value.
 */
#ifndef INTERCOM_OPTIONS_H
#define INTERCOM_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "intercom/common/defaults.h"

enum program { PROGRAM_CONSOLE, PROGRAM_SPEAKER };

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
	bool legacy;             /* speaker: host and port are an old Python-intercom server */
	bool headless;
	bool once;               /* speaker: exit after one page */
	bool list_devices;
	bool help;
	bool version;
	char no_effect[64];      /* options given that do nothing in this program: "-d, -r" */
};

enum options_result {
	OPTIONS_RUN,        /* options are valid: run the program */
	OPTIONS_EXIT,       /* --help, --version: print and exit 0 */
	OPTIONS_INVALID,    /* err holds a one-line message naming the cause and the fix */
};

/* Fills *opts with defaults, then applies argv. Never prints, never exits. */
enum options_result options_parse(struct options *opts, enum program program, int argc,
                                  char *const argv[], char *err, size_t errlen);

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

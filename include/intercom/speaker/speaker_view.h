/*
 * What the speaker's screen shows, as plain data: one snapshot per loop pass
 * built from the speaker_state (the same state the log lines and STATUS
 * reports come from), the meter and the program's fixed facts, already
 * formatted as text; and where each part goes for a terminal of a given size.
 * The screen draws a snapshot only when it differs from the previous one.
 * Pure: units test the builder and the layout.
 */
#ifndef INTERCOM_SPEAKER_VIEW_H
#define INTERCOM_SPEAKER_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/defaults.h"
#include "intercom/speaker/speaker_state.h"
#include "intercom/tui/meter_scale.h"

/* Below this the screen only says it is too small. */
#define SPEAKER_MIN_W 30
#define SPEAKER_MIN_H 5
/* Labels left of the values ("  link     "). */
#define SPEAKER_LABEL_W 11
/* After the level bar: " CLIP -12 dB". */
#define SPEAKER_METER_TAIL_W 14
/* After the progress bar: " 00:02.4 / 00:05.0". */
#define SPEAKER_PROGRESS_TAIL_W 20

struct speaker_view_row {
	char time[16];                /* "12:03:10" */
	char page[16];                /* "3" */
	char from[NAME_MAX_BYTES + 1];
	char length[16];              /* "00:05.0", "-" */
	char result[160];             /* "played", "failed: why" */
	enum speaker_tone tone;
};

/* Facts that do not come from the state: fixed at start, or the screen's own. */
struct speaker_view_input {
	const char *name, *zone;
	const char *output;           /* output device name, or why there is none */
	bool keyed;                   /* --key-file given */
	bool utf8;
	const struct meter_ballistics *meter; /* NULL: no meter */
	int meter_cells;              /* from the layout */
	bool help;
};

struct speaker_view {
	char name[NAME_MAX_BYTES + 1];
	char zone[NAME_MAX_BYTES + 1];
	char link[400];
	enum speaker_tone link_tone;
	char security[96];
	enum speaker_tone security_tone;
	char clock[160];              /* "clock ±0.3 ms", "clock settling", "no clock (plays on arrival)" */
	enum speaker_tone clock_tone;
	char activity[192];
	enum speaker_tone activity_tone;
	bool active;                  /* receiving, playing or replaying: the state word is lit */

	bool progress_on;             /* a page played (or plays): its bar and times */
	int progress_permille;        /* 0..1000 */
	char elapsed[16], total[16];  /* "00:02.4", "00:05.0" */

	bool meter_on;
	struct meter_view meter;

	char volume[32];              /* "-6 dB" */
	char delay[24];               /* "0 ms", "12 ms": the delay trim */
	bool muted;
	char output[256];             /* "default · 48000 Hz mono 16-bit" */

	size_t history_len;
	struct speaker_view_row history[SPEAKER_HISTORY];
	bool help;
};

/* Fills view from st and in at monotonic time now_ms. */
void speaker_view_build(struct speaker_view *view, const struct speaker_state *st,
                        const struct speaker_view_input *in, uint64_t now_ms);

/* The rows of each part for a width x height terminal; -1: not shown. */
struct speaker_layout {
	int width, height;
	bool too_small;
	int title, link, security, clock, activity, progress, meter, scale, settings;
	int history;                  /* its heading row; the entries follow */
	int history_rows;             /* entries that fit */
	int log;                      /* its heading row; the lines follow */
	int log_rows;
	int footer;
	int bar_cells;                /* progress and level bars, same width */
};

void speaker_layout_compute(struct speaker_layout *l, int width, int height);

#endif

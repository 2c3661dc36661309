/*
 * The level meter's arithmetic, apart from any drawing: the dBFS scale
 * (-60..0) mapped onto terminal cells with colour bands, tick labels, and the
 * ballistics that make a bar readable (instant attack, steady fall, peak
 * hold, a clip indicator that latches). Pure: time comes in as an argument,
 * so units test it and any screen draws from its quantised view.
 */
#ifndef INTERCOM_METER_SCALE_H
#define INTERCOM_METER_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/audio/meter.h"

/* Below -60 dBFS is room noise on any real microphone: the bar starts there. */
#define METER_SCALE_MIN_DB (-60.0f)
#define METER_SCALE_MAX_DB 0.0f
/* Colour bands: speech should sit in green, peaks may touch yellow, red is too hot. */
#define METER_WARN_DB (-18.0f)
#define METER_HOT_DB (-6.0f)
/* How fast the bar falls back: about a VU meter's, slow enough to read. */
#define METER_FALL_DB_PER_S 24.0f
/* The peak marker falls slower than the bar, so the eye can catch where the last peak was. */
#define METER_PEAK_FALL_DB_PER_S 16.0f
/* How long the highest peak stays put before it falls. */
#define METER_HOLD_MS 1500
/* A clip stays lit long enough to be seen after a short burst. */
#define METER_CLIP_LATCH_MS 2000

enum meter_band { METER_BAND_OK, METER_BAND_WARN, METER_BAND_HOT };

/* Position of db on a bar of `cells` cells, in eighths of a cell: 0..cells*8. */
int meter_scale_eighths(float db, int cells);
/* The cell that shows db (0..cells-1), e.g. for a peak marker. */
int meter_scale_cell(float db, int cells);
/* The band a cell belongs to, judged at its middle. */
enum meter_band meter_scale_band(int cell, int cells);
/*
 * Writes exactly `cells` characters (plus a terminator; outlen >= cells + 1)
 * of tick labels ("-60", "-50", ... "0") under the cells they name, dropping
 * labels that would collide. Returns the number of labels written.
 */
int meter_scale_labels(char *out, size_t outlen, int cells);

/* Displayed state of a meter, advanced by meter_ballistics_update. */
struct meter_ballistics {
	float bar_db;          /* RMS bar */
	float peak_db;         /* peak marker, falls steadily */
	float hold_db;         /* highest recent peak */
	uint64_t hold_ms;      /* when hold_db was set */
	uint64_t clip_ms;      /* last full-scale sample */
	bool clipped;          /* clip_ms is valid */
	uint64_t last_ms;      /* previous update */
	bool started;
};

/* What a drawing needs, quantised to cells: two equal views draw the same. */
struct meter_view {
	int cells;
	int bar_eighths;       /* 0..cells*8 */
	int peak_cell;         /* -1: at the floor, not shown */
	int hold_cell;         /* -1: at the floor, not shown */
	bool clip;
	int hold_db;           /* whole dB for a readout; <= -60 means "below the scale" */
};

void meter_ballistics_init(struct meter_ballistics *m);
/* Feeds the loudest levels since the previous update, taken at now_ms. */
void meter_ballistics_update(struct meter_ballistics *m, struct level in, uint64_t now_ms);
/* True while anything is still moving or lit without new sound (needs redraw ticks). */
bool meter_ballistics_active(const struct meter_ballistics *m, uint64_t now_ms);
struct meter_view meter_ballistics_view(const struct meter_ballistics *m, int cells, uint64_t now_ms);

#endif

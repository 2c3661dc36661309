/* The level meter's scale and ballistics: numbers only, no drawing. */
#include "intercom/tui/meter_scale.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SCALE_SPAN (METER_SCALE_MAX_DB - METER_SCALE_MIN_DB)
/* A label is 3 characters ("-60"); one blank between labels keeps them apart. */
#define LABEL_PITCH 4

/* Where db sits on the scale, 0..1. */
static float scale_fraction(float db)
{
	if (!(db > METER_SCALE_MIN_DB)) /* also catches NaN */
		return 0.0f;
	if (db >= METER_SCALE_MAX_DB)
		return 1.0f;
	return (db - METER_SCALE_MIN_DB) / SCALE_SPAN;
}

int meter_scale_eighths(float db, int cells)
{
	if (cells <= 0)
		return 0;
	return (int)lrintf(scale_fraction(db) * (float)cells * 8.0f);
}

int meter_scale_cell(float db, int cells)
{
	if (cells <= 0)
		return 0;
	int cell = (int)(scale_fraction(db) * (float)cells);
	return cell >= cells ? cells - 1 : cell;
}

enum meter_band meter_scale_band(int cell, int cells)
{
	if (cells <= 0)
		return METER_BAND_OK;
	float db = METER_SCALE_MIN_DB + ((float)cell + 0.5f) / (float)cells * SCALE_SPAN;
	if (db >= METER_HOT_DB)
		return METER_BAND_HOT;
	if (db >= METER_WARN_DB)
		return METER_BAND_WARN;
	return METER_BAND_OK;
}

int meter_scale_labels(char *out, size_t outlen, int cells)
{
	if (outlen == 0)
		return 0;
	if (cells < 0)
		cells = 0;
	if ((size_t)cells >= outlen)
		cells = (int)outlen - 1;
	memset(out, ' ', (size_t)cells);
	out[cells] = '\0';
	/* The widest step of 10, 20, 30 or 60 dB whose labels stay apart. */
	static const int steps[] = { 10, 20, 30, 60 };
	int step = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0] && !step; i++)
		if ((float)cells * (float)steps[i] / SCALE_SPAN >= LABEL_PITCH)
			step = steps[i];
	if (!step)
		return 0;
	int count = 0, next_free = 0;
	for (int db = (int)METER_SCALE_MIN_DB; db <= (int)METER_SCALE_MAX_DB; db += step) {
		char text[8];
		int len = snprintf(text, sizeof text, "%d", db);
		int start = meter_scale_cell((float)db, cells) - len / 2;
		if (start + len > cells)
			start = cells - len;
		if (start < 0)
			start = 0;
		if (start < next_free || start + len > cells)
			continue;
		memcpy(out + start, text, (size_t)len);
		next_free = start + len + 1;
		count++;
	}
	return count;
}

void meter_ballistics_init(struct meter_ballistics *m)
{
	memset(m, 0, sizeof *m);
	m->bar_db = m->peak_db = m->hold_db = METER_SCALE_MIN_DB;
}

/* dBFS of a linear level, never below the bottom of the scale. */
static float floor_db(float linear)
{
	float db = meter_dbfs(linear);
	return db > METER_SCALE_MIN_DB ? db : METER_SCALE_MIN_DB;
}

/* value falls by rate dB/s over ms, but not below at_least. */
static float fall(float value, float rate, uint64_t ms, float at_least)
{
	float v = value - rate * (float)ms / 1000.0f;
	return v > at_least ? v : at_least;
}

void meter_ballistics_update(struct meter_ballistics *m, struct level in, uint64_t now_ms)
{
	if (!m->started) {
		meter_ballistics_init(m);
		m->started = true;
		m->last_ms = now_ms;
	}
	uint64_t dt = now_ms > m->last_ms ? now_ms - m->last_ms : 0;
	/* After a long stall (a suspended process), fall as if one second passed. */
	if (dt > 1000)
		dt = 1000;
	float bar_in = floor_db(in.rms), peak_in = floor_db(in.peak);

	m->bar_db = bar_in >= m->bar_db ? bar_in : fall(m->bar_db, METER_FALL_DB_PER_S, dt, bar_in);
	m->peak_db = peak_in >= m->peak_db ? peak_in
	                                   : fall(m->peak_db, METER_PEAK_FALL_DB_PER_S, dt, peak_in);
	if (peak_in >= m->hold_db) {
		m->hold_db = peak_in;
		m->hold_ms = now_ms;
	} else if (now_ms >= m->hold_ms + METER_HOLD_MS) {
		/* Falls only for the part of dt after the hold ran out. */
		uint64_t expired = m->hold_ms + METER_HOLD_MS;
		uint64_t from = m->last_ms > expired ? m->last_ms : expired;
		uint64_t falling = now_ms > from ? now_ms - from : 0;
		if (falling > dt)
			falling = dt;
		m->hold_db = fall(m->hold_db, METER_PEAK_FALL_DB_PER_S, falling, peak_in);
	}
	if (m->hold_db < m->peak_db)
		m->hold_db = m->peak_db;
	/* meter_measure_s16 reports exactly 1.0 only for a sample at full scale. */
	if (in.peak >= 1.0f) {
		m->clipped = true;
		m->clip_ms = now_ms;
	}
	m->last_ms = now_ms;
}

/* The clip indicator is lit. */
static bool clip_lit(const struct meter_ballistics *m, uint64_t now_ms)
{
	return m->clipped && now_ms < m->clip_ms + METER_CLIP_LATCH_MS;
}

bool meter_ballistics_active(const struct meter_ballistics *m, uint64_t now_ms)
{
	return m->bar_db > METER_SCALE_MIN_DB || m->peak_db > METER_SCALE_MIN_DB ||
	       m->hold_db > METER_SCALE_MIN_DB || clip_lit(m, now_ms);
}

struct meter_view meter_ballistics_view(const struct meter_ballistics *m, int cells, uint64_t now_ms)
{
	struct meter_view v;
	memset(&v, 0, sizeof v); /* views are compared with memcmp: no stray padding bytes */
	v.cells = cells > 0 ? cells : 0;
	v.bar_eighths = meter_scale_eighths(m->bar_db, v.cells);
	v.peak_cell = m->peak_db > METER_SCALE_MIN_DB && v.cells ? meter_scale_cell(m->peak_db, v.cells) : -1;
	v.hold_cell = m->hold_db > METER_SCALE_MIN_DB && v.cells ? meter_scale_cell(m->hold_db, v.cells) : -1;
	v.clip = clip_lit(m, now_ms);
	long db = lrintf(m->hold_db);
	v.hold_db = db > (long)METER_SCALE_MIN_DB ? (int)db : (int)METER_SCALE_MIN_DB;
	return v;
}

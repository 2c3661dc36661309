/*
 * Level measurement of 16-bit audio: peak and RMS of a buffer, dBFS scale.
 * Pure and allocation-free, so the audio callback may call it.
 */
#ifndef INTERCOM_METER_H
#define INTERCOM_METER_H

#include <stddef.h>
#include <stdint.h>

/* Linear levels, 0.0 (silence) .. 1.0 (full scale). */
struct level {
	float peak;
	float rms;
};

/* Levels of n interleaved samples (all channels together). Zero samples = silence. */
struct level meter_measure_s16(const int16_t *samples, size_t n);

/* Linear level to dBFS, floored at METER_FLOOR_DB so silence stays finite. */
#define METER_FLOOR_DB (-120.0f)
float meter_dbfs(float linear);

#endif

/*
 * Level measurement of 16-bit audio: peak and RMS of a buffer, dBFS scale.
 * Pure and allocation-free, so the audio callback may call it.
 */
#ifndef INTERCOM_METER_H
#define INTERCOM_METER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Linear levels, 0.0 (silence) .. 1.0 (full scale). */
struct level {
	float peak;
	float rms;
};

/* Levels of n interleaved samples (all channels together). Zero samples = silence. */
struct level meter_measure_s16(const int16_t *samples, size_t n);

/*
 * Levels handed from an audio callback to the main thread without a lock: the
 * callback adds each buffer's levels, the main thread takes the loudest since
 * its previous take (so no peak is missed between redraws).
 */
struct level_slot {
	_Atomic uint32_t peak_bits;   /* float bits: non-negative floats order like their bits */
	_Atomic uint32_t rms_bits;
};

/* Callback side: lock-free, allocation-free. */
void level_slot_add(struct level_slot *slot, struct level level);
/* Main thread: the loudest levels added since the last take, and a fresh start. */
struct level level_slot_take(struct level_slot *slot);

/* Linear level to dBFS, floored at METER_FLOOR_DB so silence stays finite. */
#define METER_FLOOR_DB (-120.0f)
float meter_dbfs(float linear);

#endif

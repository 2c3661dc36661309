/* Level measurement: the numbers behind the console's meter and the speaker's. */
#include "intercom/audio/meter.h"

#include <math.h>
#include <string.h>

struct level meter_measure_s16(const int16_t *samples, size_t n)
{
	struct level level = { 0.0f, 0.0f };
	if (n == 0)
		return level;
	int32_t peak = 0;
	double sum_squares = 0.0;
	for (size_t i = 0; i < n; i++) {
		int32_t s = samples[i];
		int32_t a = s < 0 ? -s : s;
		if (a > peak)
			peak = a;
		sum_squares += (double)s * s;
	}
	/* -32768 reads as full scale, not a hair over it. */
	level.peak = peak >= 32767 ? 1.0f : (float)peak / 32767.0f;
	float rms = (float)(sqrt(sum_squares / (double)n) / 32767.0);
	level.rms = rms > 1.0f ? 1.0f : rms;
	return level;
}

float meter_dbfs(float linear)
{
	if (!(linear > 0.0f))
		return METER_FLOOR_DB;
	float db = 20.0f * log10f(linear);
	return db < METER_FLOOR_DB ? METER_FLOOR_DB : db;
}

static uint32_t float_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float bits_float(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* Non-negative floats order like their bit patterns, so a max needs no float atomics. */
static void atomic_max_bits(_Atomic uint32_t *slot, float value)
{
	uint32_t bits = float_bits(value);
	uint32_t old = atomic_load_explicit(slot, memory_order_relaxed);
	while (bits > old &&
	       !atomic_compare_exchange_weak_explicit(slot, &old, bits, memory_order_relaxed,
	                                              memory_order_relaxed))
		;
}

void level_slot_add(struct level_slot *slot, struct level level)
{
	atomic_max_bits(&slot->peak_bits, level.peak);
	atomic_max_bits(&slot->rms_bits, level.rms);
}

struct level level_slot_take(struct level_slot *slot)
{
	struct level level;
	level.peak = bits_float(atomic_exchange(&slot->peak_bits, 0));
	level.rms = bits_float(atomic_exchange(&slot->rms_bits, 0));
	return level;
}

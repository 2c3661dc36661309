/* Level measurement: the numbers behind the console's meter and the speaker's. */
#include "intercom/meter.h"

#include <math.h>

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

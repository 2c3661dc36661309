/* Page format arithmetic: the frame-count rule lives here and nowhere else. */
#include "intercom/audio/format.h"

#include <math.h>
#include <stdio.h>

size_t format_frames_for_seconds(int rate, double seconds)
{
	if (rate <= 0 || !(seconds > 0.0))
		return 0;
	return (size_t)llround((double)rate * seconds);
}

double format_seconds(size_t frames, int rate)
{
	return rate > 0 ? (double)frames / rate : 0.0;
}

size_t format_bytes(const struct audio_format *fmt, size_t frames)
{
	return frames * (size_t)fmt->channels * 2;
}

void format_describe(const struct audio_format *fmt, char *out, size_t outlen)
{
	if (fmt->channels == 1)
		snprintf(out, outlen, "%d Hz mono 16-bit", fmt->rate);
	else if (fmt->channels == 2)
		snprintf(out, outlen, "%d Hz stereo 16-bit", fmt->rate);
	else
		snprintf(out, outlen, "%d Hz %d ch 16-bit", fmt->rate, fmt->channels);
}

/* The chime before pages (chime.h). */
#include "intercom/audio/chime.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/wav.h"
#include "intercom/common/assets.h"
#include "intercom/common/defaults.h"

int16_t *chime_prepend(const struct chime *ch, const int16_t *page, size_t page_frames, size_t *out_frames)
{
	size_t cf = ch && ch->samples ? ch->frames : 0;
	size_t channels = ch && ch->channels > 0 ? (size_t)ch->channels : 1;
	if (page_frames > SIZE_MAX / 2 / channels / sizeof(int16_t) - cf)
		return NULL;
	size_t total = cf + page_frames;
	int16_t *out = malloc((total ? total : 1) * channels * sizeof *out);
	if (!out)
		return NULL;
	if (cf)
		memcpy(out, ch->samples, cf * channels * sizeof *out);
	if (page_frames)
		memcpy(out + cf * channels, page, page_frames * channels * sizeof *out);
	*out_frames = total;
	return out;
}

int chime_load(struct chime *ch, const char *path, int rate, int channels, char *err, size_t errlen)
{
	char found[PATH_MAX];
	if (!path || !path[0]) {
		if (assets_find(CHIME_ASSET, found, sizeof found) < 0) {
			snprintf(err, errlen, "the shipped chime (%s) is not installed", CHIME_ASSET);
			return -1;
		}
		path = found;
	}
	int16_t *samples;
	size_t frames;
	char why[256];
	size_t max = (size_t)rate * CHIME_MAX_S;
	if (wav_load_file(path, rate, channels, max, &samples, &frames, why, sizeof why) < 0) {
		snprintf(err, errlen, "chime %s: %s", path, why);
		return -1;
	}
	if (frames == 0) {
		free(samples);
		snprintf(err, errlen, "chime %s: no sound in it", path);
		return -1;
	}
	chime_free(ch);
	*ch = (struct chime){ .samples = samples, .frames = frames, .channels = channels };
	return 0;
}

void chime_free(struct chime *ch)
{
	free(ch->samples);
	ch->samples = NULL;
	ch->frames = 0;
}

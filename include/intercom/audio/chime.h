/*
 * The chime before pages: a short sound (assets/chime.wav, or any audio file
 * the operator names) put at the front of a page's samples, so it plays in
 * the same timed playout as the page and the archive holds exactly what was
 * sent. chime_prepend is pure; chime_load reads a file at the page's format
 * (libsndfile and libsamplerate through wav_load_file), at most CHIME_MAX_S.
 */
#ifndef INTERCOM_CHIME_H
#define INTERCOM_CHIME_H

#include <stddef.h>
#include <stdint.h>

/* The shipped chime, an asset (assets/README.md says how it was made). */
#define CHIME_ASSET "chime.wav"

/* A chime at the page's format: frames × channels samples (NULL, 0: none). */
struct chime {
	int16_t *samples;
	size_t frames;
	int channels;
};

/*
 * A new buffer: the chime's frames, then the page's (both at channels per
 * frame), its length in *out_frames; NULL if memory ran out (or the sum
 * overflows). The page is not freed.
 */
int16_t *chime_prepend(const struct chime *ch, const int16_t *page, size_t page_frames, size_t *out_frames);

/*
 * Loads path (NULL or "": the shipped chime, found with assets_find) at rate
 * and channels into ch; one longer than CHIME_MAX_S is refused. 0, or -1 with
 * the reason; ch is untouched on failure.
 */
int chime_load(struct chime *ch, const char *path, int rate, int channels, char *err, size_t errlen);
void chime_free(struct chime *ch);

#endif

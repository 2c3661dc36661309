/*
 * WAV pages in memory. Owns the page's audio format on the wire: 16-bit PCM,
 * little-endian, in a RIFF/WAVE file. The page codec is our own and pure: an
 * encoded page is a 44-byte header and the samples; a received page is checked
 * by wav_check (every chunk walked, each size bounded by what arrived) and its
 * samples are read where the check found them. No audio library parses a page
 * from the network: libsndfile's parsers have had CVEs from crafted files, one
 * hung on a 68-byte page (fuzz/README.md), and it would decode AIFF or ADPCM
 * sent in place of a WAV. libsndfile is used only to read audio files for
 * `send PATH` (any format and rate it reads), converted into the page format.
 */
#ifndef INTERCOM_WAV_H
#define INTERCOM_WAV_H

#include <stddef.h>
#include <stdint.h>

struct wav_info {
	int rate;            /* frames per second */
	int channels;
	int bits;            /* always 16 for a page */
	size_t frames;
	size_t data_offset;  /* where the samples start in the file's bytes */
	size_t data_len;     /* bytes of samples */
};

/*
 * The most frames of `channels` whose WAV, with its header, fits in a PAGE
 * frame (PROTO_MAX_PAYLOAD less the page fields): the limit on a recording's
 * duration and on a file's length at a given format.
 */
size_t wav_page_max_frames(int channels);

/*
 * Encodes interleaved 16-bit samples as a WAV file in a new malloc'd buffer:
 * the canonical 44-byte header (plain PCM tag, RIFF and data sizes filled in)
 * then the samples little-endian, on any host. -1 (and *wav NULL) for a rate
 * or channel count outside the page's limits, NULL samples for frames > 0, a
 * size that does not fit RIFF's 32 bits, or no memory; else 0.
 */
int wav_encode_s16(const int16_t *samples, size_t frames, int rate, int channels,
                   uint8_t **wav, size_t *wav_len);

/*
 * Checks that bytes hold a whole page WAV: RIFF/WAVE, a PCM 16-bit `fmt ` chunk,
 * rate in RATE_MIN..RATE_MAX, 1..CHANNELS_MAX channels, a `data` chunk that fits
 * in len and holds whole frames (other chunks are skipped, the RIFF size and
 * bytes after the data are ignored). Pure. 0, or -1 with a short reason
 * ("truncated: data chunk says 96000 bytes, 4000 present").
 */
int wav_check(const uint8_t *bytes, size_t len, struct wav_info *info,
              char *reason, size_t reasonlen);

/*
 * wav_check, then copies the samples it located (little-endian, on any host)
 * into a new malloc'd interleaved buffer of info->frames * info->channels
 * samples. Rejects exactly what wav_check rejects, with the same reason, and
 * otherwise fails only without memory (or with samples NULL). 0, or -1 with a
 * reason and *samples NULL. On success *samples is never NULL, even for zero
 * frames; the caller frees it. decode(encode(x)) gives x back.
 */
int wav_decode_s16(const uint8_t *bytes, size_t len, int16_t **samples,
                   struct wav_info *info, char *reason, size_t reasonlen);

/*
 * Reads any audio file libsndfile can read, converts it to rate and channels
 * (downmix by averaging, upmix by copying, resampling with libsamplerate) and
 * returns new malloc'd interleaved 16-bit samples. Refuses more than max_frames.
 * 0, or -1 with a one-line reason naming the file. On success *samples is never
 * NULL, even for zero frames; the caller frees it.
 */
int wav_load_file(const char *path, int rate, int channels, size_t max_frames,
                  int16_t **samples, size_t *frames, char *reason, size_t reasonlen);

#endif

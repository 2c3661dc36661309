/*
 * The speaker's volume: a gain in whole dB applied to 16-bit samples
 * (rounded, saturating at full scale), and the small state file that keeps
 * it across restarts. The arithmetic is pure and allocation-free, so the
 * playback callback calls it; only the *_state_* file functions touch disk.
 */
#ifndef INTERCOM_VOLUME_H
#define INTERCOM_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* -40 dB is as good as off on a PA horn; +12 dB lifts a quiet page without much clipping. */
#define VOLUME_MIN_DB (-40)
#define VOLUME_MAX_DB 12
/* One keypress: 1 dB is about the smallest change a listener notices. */
#define VOLUME_STEP_DB 1
/*
 * Unity gain in the fixed point the callback multiplies by: 24 fraction bits
 * keep a full-scale sample within 0.002 of the exact product (16 bits would
 * be off by up to 0.1, enough to round the wrong way), and +12 dB times a
 * 16-bit sample still fits in 64 bits with room to spare.
 */
#define VOLUME_UNITY_Q24 (1 << 24)

/* db clamped to VOLUME_MIN_DB..VOLUME_MAX_DB. */
int volume_clamp_db(int db);
/* One step up (dir > 0) or down (dir < 0) from db, clamped. */
int volume_step_db(int db, int dir);
/* round(2^24 x 10^(db/20)): -6 dB is 8408526 (x 0.501187), 0 dB exactly VOLUME_UNITY_Q24. */
int32_t volume_gain_q24(int db);
/*
 * out[i] = in[i] x gain / 2^24, rounded half away from zero and saturated to
 * -32768..32767. out may equal in. Unity gain copies exactly.
 */
void volume_apply_s16(int16_t *out, const int16_t *in, size_t n, int32_t gain_q24);
/* "0 dB", "-6 dB", "+3 dB". */
void volume_describe(char *out, size_t outlen, int db);

/*
 * The state file of the speaker called name:
 * $XDG_STATE_HOME/intercom/speaker-NAME.state (or ~/.local/state/...), with
 * every byte of name outside [A-Za-z0-9._-] written as '_'. Empty if neither
 * variable is set.
 */
void volume_state_path(char *out, size_t outlen, const char *name);
/* Parses the file's text ("volume_db -6\n"); 0 with *db clamped, or -1. Pure. */
int volume_state_parse(const char *text, int *db);
/* Reads path; 0 with *db, or -1 (missing or unreadable: the caller keeps 0 dB). */
int volume_state_load(const char *path, int *db);
/* Writes path (directories created, temp file renamed into place). 0, or -1 with err. */
int volume_state_save(const char *path, int db, char *err, size_t errlen);
/*
 * The speaker's delay trim lives in the same file ("delay_ms 12\n", written
 * only when not 0): parsed (clamped to 0..PLAYOUT_DELAY_MAX_MS), loaded, and
 * saved together with the volume.
 */
int volume_state_parse_delay(const char *text, int *ms);
int volume_state_load_delay(const char *path, int *ms);
int volume_state_save_all(const char *path, int db, int delay_ms, char *err, size_t errlen);

#endif

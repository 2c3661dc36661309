/* Volume: the gain arithmetic the playback callback uses, and its state file. */
#include "intercom/audio/volume.h"

#include "intercom/audio/playout_sched.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int volume_clamp_db(int db)
{
	return db < VOLUME_MIN_DB ? VOLUME_MIN_DB : db > VOLUME_MAX_DB ? VOLUME_MAX_DB : db;
}

int volume_step_db(int db, int dir)
{
	return volume_clamp_db(db + (dir > 0 ? VOLUME_STEP_DB : dir < 0 ? -VOLUME_STEP_DB : 0));
}

int32_t volume_gain_q24(int db)
{
	return (int32_t)lround(VOLUME_UNITY_Q24 * pow(10.0, volume_clamp_db(db) / 20.0));
}

void volume_apply_s16(int16_t *out, const int16_t *in, size_t n, int32_t gain_q24)
{
	if (gain_q24 == VOLUME_UNITY_Q24) {
		if (out != in)
			memmove(out, in, n * sizeof *out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t p = (int64_t)in[i] * gain_q24;
		/* Division truncates toward zero, so adding half first rounds half away from zero. */
		int64_t v = (p + (p >= 0 ? VOLUME_UNITY_Q24 / 2 : -VOLUME_UNITY_Q24 / 2)) / VOLUME_UNITY_Q24;
		out[i] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
	}
}

void volume_describe(char *out, size_t outlen, int db)
{
	snprintf(out, outlen, db > 0 ? "+%d dB" : "%d dB", db);
}

void volume_state_path(char *out, size_t outlen, const char *name)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[4096];
	if (state && state[0] == '/')
		snprintf(dir, sizeof dir, "%s/intercom", state);
	else if (home && home[0])
		snprintf(dir, sizeof dir, "%s/.local/state/intercom", home);
	else {
		if (outlen)
			out[0] = '\0';
		return;
	}
	char safe[256];
	size_t i = 0;
	for (; name[i] && i + 1 < sizeof safe; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		          c == '.' || c == '_' || c == '-';
		safe[i] = ok ? (char)c : '_';
	}
	safe[i] = '\0';
	/* "." and ".." would name directories: a leading dot is replaced too. */
	if (safe[0] == '.')
		safe[0] = '_';
	snprintf(out, outlen, "%s/speaker-%s.state", dir, safe);
}

/* The integer after "key " or "key=" on a line of text: 0, or -1 if absent or not a number. */
static int state_key_int(const char *text, const char *key, long *out)
{
	/* Line by line: comments (#) and blank lines are skipped, unknown keys too. */
	size_t klen = strlen(key);
	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len > klen && strncmp(line, key, klen) == 0 && (line[klen] == ' ' || line[klen] == '=')) {
			char num[32];
			size_t n = len - klen - 1;
			if (n == 0 || n >= sizeof num)
				return -1;
			memcpy(num, line + klen + 1, n);
			num[n] = '\0';
			char *end;
			errno = 0;
			long v = strtol(num, &end, 10);
			if (errno || end == num || *end)
				return -1;
			*out = v;
			return 0;
		}
		line += len + (eol ? 1 : 0);
	}
	return -1;
}

int volume_state_parse(const char *text, int *db)
{
	long v;
	if (state_key_int(text, "volume_db", &v) < 0)
		return -1;
	*db = volume_clamp_db(v < -1000 ? -1000 : v > 1000 ? 1000 : (int)v);
	return 0;
}

int volume_state_parse_delay(const char *text, int *ms)
{
	long v;
	if (state_key_int(text, "delay_ms", &v) < 0)
		return -1;
	*ms = v < 0 ? 0 : v > PLAYOUT_DELAY_MAX_MS ? PLAYOUT_DELAY_MAX_MS : (int)v;
	return 0;
}

/* The state file's text (at most a few hundred bytes), or -1. */
static int state_read(const char *path, char *text, size_t cap)
{
	if (!path[0])
		return -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(text, 1, cap - 1, f);
	fclose(f);
	text[n] = '\0';
	return 0;
}

int volume_state_load(const char *path, int *db)
{
	char text[256];
	return state_read(path, text, sizeof text) < 0 ? -1 : volume_state_parse(text, db);
}

int volume_state_load_delay(const char *path, int *ms)
{
	char text[256];
	return state_read(path, text, sizeof text) < 0 ? -1 : volume_state_parse_delay(text, ms);
}

/* mkdir -p of path's directory. */
static int make_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

int volume_state_save(const char *path, int db, char *err, size_t errlen)
{
	return volume_state_save_all(path, db, 0, err, errlen);
}

int volume_state_save_all(const char *path, int db, int delay_ms, char *err, size_t errlen)
{
	if (!path[0]) {
		snprintf(err, errlen, "no state directory: set XDG_STATE_HOME or HOME");
		return -1;
	}
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s", path);
	if (make_parents(tmp) < 0) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "# intercom-speaker: volume kept across restarts (+/- on its screen)\nvolume_db %d\n",
	        volume_clamp_db(db));
	if (delay_ms > 0)
		fprintf(f, "# the delay trim ([ ] and { } on its screen, --delay-ms)\ndelay_ms %d\n", delay_ms);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

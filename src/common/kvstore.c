/* Settings as key=value lines (kvstore.h). */
#include "intercom/common/kvstore.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kvstore_init(struct kvstore *kv)
{
	memset(kv, 0, sizeof *kv);
}

/* A key: 1..KVSTORE_KEY_MAX-1 of [A-Za-z0-9_-]. */
static bool key_ok(const char *key, size_t len)
{
	if (len == 0 || len >= KVSTORE_KEY_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* A value: shorter than KVSTORE_VALUE_MAX, no control characters (a line break would split it). */
static bool value_ok(const char *value, size_t len)
{
	if (len >= KVSTORE_VALUE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return false;
	return true;
}

static long find(const struct kvstore *kv, const char *key, size_t len)
{
	for (size_t i = 0; i < kv->count; i++)
		if (strlen(kv->items[i].key) == len && memcmp(kv->items[i].key, key, len) == 0)
			return (long)i;
	return -1;
}

/* Sets key (len bytes) to value (vlen bytes), both already checked. */
static int set_n(struct kvstore *kv, const char *key, size_t len, const char *value, size_t vlen)
{
	long i = find(kv, key, len);
	if (i < 0) {
		if (kv->count == KVSTORE_MAX)
			return -1;
		i = (long)kv->count++;
		memcpy(kv->items[i].key, key, len);
		kv->items[i].key[len] = '\0';
	}
	memcpy(kv->items[i].value, value, vlen);
	kv->items[i].value[vlen] = '\0';
	return 0;
}

int kvstore_set(struct kvstore *kv, const char *key, const char *value)
{
	size_t len = strlen(key), vlen = strlen(value);
	if (!key_ok(key, len) || !value_ok(value, vlen))
		return -1;
	return set_n(kv, key, len, value, vlen);
}

void kvstore_unset(struct kvstore *kv, const char *key)
{
	long i = find(kv, key, strlen(key));
	if (i < 0)
		return;
	memmove(&kv->items[i], &kv->items[i + 1], (kv->count - (size_t)i - 1) * sizeof kv->items[0]);
	kv->count--;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

size_t kvstore_parse(struct kvstore *kv, const char *text)
{
	size_t skipped = 0;
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		const char *s = p, *e = end;
		while (s < e && blank(*s))
			s++;
		while (e > s && blank(e[-1]))
			e--;
		if (s < e && *s != '#') {
			const char *eq = memchr(s, '=', (size_t)(e - s));
			if (!eq) {
				skipped++;
			} else {
				const char *ke = eq, *vs = eq + 1;
				while (ke > s && blank(ke[-1]))
					ke--;
				while (vs < e && blank(*vs))
					vs++;
				if (!key_ok(s, (size_t)(ke - s)) || !value_ok(vs, (size_t)(e - vs)) ||
				    set_n(kv, s, (size_t)(ke - s), vs, (size_t)(e - vs)) < 0)
					skipped++;
			}
		}
		p = *end ? end + 1 : end;
	}
	return skipped;
}

const char *kvstore_get(const struct kvstore *kv, const char *key)
{
	long i = find(kv, key, strlen(key));
	return i < 0 ? NULL : kv->items[i].value;
}

size_t kvstore_format(const struct kvstore *kv, const char *header, char *out, size_t outlen)
{
	size_t n = 0;
	char *w = outlen ? out : NULL;
	if (outlen)
		out[0] = '\0';
#define KV_PUT(...)                                                                          \
	do {                                                                                 \
		int r_ = snprintf(w ? w + n : NULL, w && n < outlen ? outlen - n : 0, __VA_ARGS__); \
		n += (size_t)(r_ > 0 ? r_ : 0);                                              \
		if (n >= outlen)                                                             \
			w = NULL;                                                            \
	} while (0)
	if (header)
		KV_PUT("# %s\n", header);
	for (size_t i = 0; i < kv->count; i++)
		KV_PUT("%s=%s\n", kv->items[i].key, kv->items[i].value);
#undef KV_PUT
	return n;
}

int kvstore_get_long(const struct kvstore *kv, const char *key, long min, long max, long *out)
{
	const char *v = kvstore_get(kv, key);
	if (!v || !*v)
		return -1;
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

int kvstore_get_double(const struct kvstore *kv, const char *key, double min, double max, double *out)
{
	const char *v = kvstore_get(kv, key);
	if (!v || !*v)
		return -1;
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (errno || *end || !isfinite(x) || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

int kvstore_get_bool(const struct kvstore *kv, const char *key, bool *out)
{
	static const char *const yes[] = { "on", "true", "1", "yes" }, *const no[] = { "off", "false", "0", "no" };
	const char *v = kvstore_get(kv, key);
	if (!v)
		return -1;
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

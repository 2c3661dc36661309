/* A JSON writer (json.h): members one call each, strings escaped to valid JSON and UTF-8. */
#include "intercom/common/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/utf8.h"

void json_init(struct json *j)
{
	memset(j, 0, sizeof *j);
}

void json_free(struct json *j)
{
	free(j->buf);
	json_init(j);
}

/* Room for n more bytes and a NUL; false (and failed) if there is none. */
static bool reserve(struct json *j, size_t n)
{
	if (j->failed)
		return false;
	if (j->len + n + 1 <= j->cap)
		return true;
	size_t cap = j->cap ? j->cap : 256;
	while (cap < j->len + n + 1)
		cap *= 2;
	char *grown = realloc(j->buf, cap);
	if (!grown) {
		j->failed = true;
		return false;
	}
	j->buf = grown;
	j->cap = cap;
	return true;
}

static void put(struct json *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* One escaped character of text at *i into esc (at most 7 bytes: \u00XX or up to 4 of UTF-8, or U+FFFD). */
static size_t escape_one(const char *text, size_t len, size_t *i, char esc[8])
{
	unsigned char c = (unsigned char)text[*i];
	static const char short_forms[] = { ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
	                                    ['\t'] = 't' };
	if (c == '"' || c == '\\') {
		esc[0] = '\\';
		esc[1] = (char)c;
		(*i)++;
		return 2;
	}
	if (c < 0x20) {
		(*i)++;
		if (c < sizeof short_forms && short_forms[c]) {
			esc[0] = '\\';
			esc[1] = short_forms[c];
			return 2;
		}
		snprintf(esc, 8, "\\u%04x", c);
		return 6;
	}
	if (c < 0x80) {
		esc[0] = (char)c;
		(*i)++;
		return 1;
	}
	uint32_t cp;
	size_t k = utf8_decode(text + *i, len - *i, &cp);
	if (k == 0) {
		/* Not UTF-8: one byte becomes the replacement character, so the output stays valid. */
		memcpy(esc, "\xef\xbf\xbd", 3);
		(*i)++;
		return 3;
	}
	memcpy(esc, text + *i, k);
	*i += k;
	return k;
}

size_t json_escape(char *out, size_t outlen, const char *text, size_t len)
{
	size_t need = 0, used = 0;
	bool cut = false;
	for (size_t i = 0; i < len;) {
		char esc[8];
		size_t n = escape_one(text, len, &i, esc);
		if (!cut && outlen > 0 && used + n < outlen) {
			memcpy(out + used, esc, n);
			used += n;
		} else {
			cut = true;
		}
		need += n;
	}
	if (outlen > 0)
		out[used] = '\0';
	return need;
}

static void put_string(struct json *j, const char *s)
{
	size_t len = strlen(s);
	put(j, "\"", 1);
	for (size_t i = 0; i < len && !j->failed;) {
		char esc[8];
		size_t n = escape_one(s, len, &i, esc);
		put(j, esc, n);
	}
	put(j, "\"", 1);
}

/* The comma before a member (not the first at its depth) and its key. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0 && j->has_member[j->depth - 1])
		put(j, ",", 1);
	if (j->depth > 0)
		j->has_member[j->depth - 1] = true;
	if (key) {
		put_string(j, key);
		put(j, ":", 1);
	}
}

static void open_nest(struct json *j, const char *key, char bracket)
{
	member(j, key);
	if (j->depth >= JSON_DEPTH_MAX) {
		j->failed = true;
		return;
	}
	put(j, &bracket, 1);
	j->has_member[j->depth++] = false;
}

static void close_nest(struct json *j, char bracket)
{
	if (j->depth <= 0) {
		j->failed = true;
		return;
	}
	j->depth--;
	put(j, &bracket, 1);
}

void json_object_begin(struct json *j, const char *key) { open_nest(j, key, '{'); }
void json_object_end(struct json *j) { close_nest(j, '}'); }
void json_array_begin(struct json *j, const char *key) { open_nest(j, key, '['); }
void json_array_end(struct json *j) { close_nest(j, ']'); }

void json_str(struct json *j, const char *key, const char *value)
{
	member(j, key);
	put_string(j, value ? value : "");
}

void json_int(struct json *j, const char *key, int64_t value)
{
	char text[32];
	member(j, key);
	put(j, text, (size_t)snprintf(text, sizeof text, "%" PRId64, value));
}

void json_num(struct json *j, const char *key, double value, int decimals)
{
	char text[64];
	member(j, key);
	/* JSON has no NaN or infinity: a value that is not a number is null. */
	if (!isfinite(value) || fabs(value) > 1e15)
		put(j, "null", 4);
	else
		put(j, text, (size_t)snprintf(text, sizeof text, "%.*f", decimals < 0 ? 0 : decimals > 9 ? 9 : decimals, value));
}

void json_bool(struct json *j, const char *key, bool value)
{
	member(j, key);
	put(j, value ? "true" : "false", value ? 4 : 5);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	put(j, "null", 4);
}

const char *json_finish(struct json *j)
{
	if (j->failed || j->depth != 0 || !j->buf)
		return NULL;
	return j->buf;
}

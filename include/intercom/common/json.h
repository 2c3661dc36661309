/*
 * A small JSON writer of our own: one object or array built into a growable
 * buffer, members added one call each (so a new field in the console's
 * status is one line), strings escaped so the output is always valid JSON
 * and valid UTF-8 whatever bytes they hold (a control character as \u00XX,
 * a byte that is not UTF-8 as U+FFFD). It never reads JSON. Pure: memory
 * only; out of memory or a nesting too deep makes json_finish fail, never a
 * half-written document.
 */
#ifndef INTERCOM_JSON_H
#define INTERCOM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Objects and arrays inside each other: the console's status needs 4. */
#define JSON_DEPTH_MAX 16

struct json {
	char *buf;
	size_t len, cap;
	bool failed;                   /* out of memory, or misuse (depth, an end without a begin) */
	int depth;
	bool has_member[JSON_DEPTH_MAX]; /* a member was written at this depth: the next needs a comma */
};

void json_init(struct json *j);
void json_free(struct json *j);

/*
 * Each takes the member's key inside an object, NULL inside an array (or for
 * the outermost value).
 */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_str(struct json *j, const char *key, const char *value);
void json_int(struct json *j, const char *key, int64_t value);
/* A number with at most `decimals` digits after the point (trailing zeros kept: 5.00). */
void json_num(struct json *j, const char *key, double value, int decimals);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);

/*
 * The document, NUL-terminated (owned by j), or NULL if it failed or is not
 * closed (every begin ended).
 */
const char *json_finish(struct json *j);

/*
 * Appends text[0..len) as the inside of a JSON string (without the quotes)
 * to out, which has room for outlen bytes with the NUL; returns the length
 * the whole escape needs (as snprintf does: more than outlen-1 means cut,
 * never in the middle of an escape or a character).
 */
size_t json_escape(char *out, size_t outlen, const char *text, size_t len);

#endif

/*
 * A small store of settings as text: one `key=value` a line, `#` comments,
 * blank lines ignored, keys of letters, digits, '_' and '-', values any
 * printable text to the end of the line (kept as written, without the
 * spaces around it). Parsed from a file's text and formatted back whole, in
 * the order the keys were first set; lines it cannot read are skipped and
 * counted, never fatal (a state file half from a newer build still gives
 * what it can). Pure: the caller reads and writes the file.
 */
#ifndef INTERCOM_KVSTORE_H
#define INTERCOM_KVSTORE_H

#include <stdbool.h>
#include <stddef.h>

/* How many keys a store holds, and how long a key and a value can be (with the NUL). */
#define KVSTORE_MAX 32
#define KVSTORE_KEY_MAX 32
#define KVSTORE_VALUE_MAX 512

struct kvstore {
	struct {
		char key[KVSTORE_KEY_MAX];
		char value[KVSTORE_VALUE_MAX];
	} items[KVSTORE_MAX];
	size_t count;
};

void kvstore_init(struct kvstore *kv);
/* Adds the lines of text (a later line wins for the same key); returns how many lines were skipped. */
size_t kvstore_parse(struct kvstore *kv, const char *text);
/* The value of key, or NULL. */
const char *kvstore_get(const struct kvstore *kv, const char *key);
/* Sets key to value: 0, or -1 if the key is not a valid one, the value has a line break or is too long, or the store is full. */
int kvstore_set(struct kvstore *kv, const char *key, const char *value);
/* Drops key (nothing if absent). */
void kvstore_unset(struct kvstore *kv, const char *key);
/*
 * The store as text, after a first comment line (header, may be NULL):
 * the bytes written (without the NUL), or the bytes needed if outlen was too
 * small (as snprintf).
 */
size_t kvstore_format(const struct kvstore *kv, const char *header, char *out, size_t outlen);

/* Typed reads: 0 with *out set, or -1 if the key is absent or not such a number (in [min, max]). */
int kvstore_get_long(const struct kvstore *kv, const char *key, long min, long max, long *out);
int kvstore_get_double(const struct kvstore *kv, const char *key, double min, double max, double *out);
/* "on"/"off" (also true/false, 1/0, yes/no): 0 with *out set, else -1. */
int kvstore_get_bool(const struct kvstore *kv, const char *key, bool *out);

#endif

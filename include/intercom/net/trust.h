/*
 * The keys a side trusts, kept in a file of its state directory (identity.h):
 * a speaker's known consoles (one key per console address, "host:port", as
 * ssh's known_hosts: trust on first use, then pinned) and a console's
 * approved speakers (one line per key, labelled with the name it had when
 * approved). One line per entry, "<64 hex digits of the public key>
 * <label>"; lines starting with # are comments. Owns the list in memory,
 * its lines (trust_parse_line, trust_format_line: pure) and the file
 * (trust_load, trust_save: written whole to a temporary file, then renamed,
 * mode 0600).
 */
#ifndef INTERCOM_TRUST_H
#define INTERCOM_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/net/identity.h"

#define TRUST_LABEL_MAX 300

struct trust_entry {
	uint8_t key[IDENTITY_KEY_BYTES];
	char label[TRUST_LABEL_MAX];
};

struct trust_list {
	struct trust_entry *v;
	size_t n, cap;
	char path[4096];            /* where it is kept ("": in memory only) */
};

/* One line into e: 0, 1 for a comment or blank line, -1 if malformed. Pure. */
int trust_parse_line(const char *line, struct trust_entry *e);
/* e as a line, without the newline. Pure. */
void trust_format_line(const struct trust_entry *e, char *out, size_t outlen);

/* Reads path (a missing file is an empty list). Malformed lines are refused, with their number. 0 or -1. */
int trust_load(struct trust_list *t, const char *path, char *err, size_t errlen);
/* Writes the list back to its path. 0 or -1. */
int trust_save(const struct trust_list *t, char *err, size_t errlen);
void trust_free(struct trust_list *t);

const struct trust_entry *trust_find_label(const struct trust_list *t, const char *label);
const struct trust_entry *trust_find_key(const struct trust_list *t, const uint8_t key[IDENTITY_KEY_BYTES]);
/* Adds key with label, or relabels the entry that has this key. 0, or -1 if out of memory. */
int trust_put_key(struct trust_list *t, const uint8_t key[IDENTITY_KEY_BYTES], const char *label);
/* Sets the key of the entry labelled so, or adds one. 0 or -1. */
int trust_put_label(struct trust_list *t, const char *label, const uint8_t key[IDENTITY_KEY_BYTES]);
/* Removes every entry with this label; how many. */
size_t trust_remove_label(struct trust_list *t, const char *label);
/* Removes the entry with this key; whether there was one. */
bool trust_remove_key(struct trust_list *t, const uint8_t key[IDENTITY_KEY_BYTES]);

#endif

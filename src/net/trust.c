/* Lists of trusted keys and their files (trust.h). */
#include "intercom/net/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intercom/common/vec.h"

int trust_parse_line(const char *line, struct trust_entry *e)
{
	while (*line == ' ' || *line == '\t')
		line++;
	size_t len = strcspn(line, "\r\n");
	if (len == 0 || *line == '#')
		return 1;
	const char *space = memchr(line, ' ', len);
	if (!space || identity_parse_key(line, (size_t)(space - line), e->key) < 0)
		return -1;
	const char *label = space + 1;
	size_t label_len = len - (size_t)(label - line);
	if (label_len == 0 || label_len >= sizeof e->label)
		return -1;
	for (size_t i = 0; i < label_len; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return -1;
	memcpy(e->label, label, label_len);
	e->label[label_len] = '\0';
	return 0;
}

void trust_format_line(const struct trust_entry *e, char *out, size_t outlen)
{
	char hex[IDENTITY_KEY_BYTES * 2 + 1];
	sodium_bin2hex(hex, sizeof hex, e->key, sizeof e->key);
	snprintf(out, outlen, "%s %s", hex, e->label);
}

static int push(struct trust_list *t, const struct trust_entry *e)
{
	if (vec_reserve_one((void **)&t->v, &t->cap, t->n, sizeof *t->v, 0) < 0)
		return -1;
	t->v[t->n++] = *e;
	return 0;
}

int trust_load(struct trust_list *t, const char *path, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "%s", path);
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	char line[512];
	int rc = 0;
	for (unsigned number = 1; fgets(line, sizeof line, f); number++) {
		struct trust_entry e;
		int parsed = trust_parse_line(line, &e);
		if (parsed < 0) {
			snprintf(err, errlen, "%s, line %u: not a key and a label: fix or remove the line",
			         path, number);
			rc = -1;
			break;
		}
		if (parsed == 0 && push(t, &e) < 0) {
			snprintf(err, errlen, "out of memory reading %s", path);
			rc = -1;
			break;
		}
	}
	fclose(f);
	if (rc < 0)
		trust_free(t);
	return rc;
}

int trust_save(const struct trust_list *t, char *err, size_t errlen)
{
	if (!t->path[0])
		return 0;
	char tmp[sizeof t->path + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", t->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fputs("# intercom: trusted keys, one per line: public key (hex), then what it is\n", f);
	for (size_t i = 0; i < t->n; i++) {
		char line[TRUST_LABEL_MAX + 80];
		trust_format_line(&t->v[i], line, sizeof line);
		fprintf(f, "%s\n", line);
	}
	if (fclose(f) != 0 || rename(tmp, t->path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", t->path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void trust_free(struct trust_list *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

const struct trust_entry *trust_find_label(const struct trust_list *t, const char *label)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].label, label) == 0)
			return &t->v[i];
	return NULL;
}

const struct trust_entry *trust_find_key(const struct trust_list *t, const uint8_t key[IDENTITY_KEY_BYTES])
{
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->v[i].key, key, IDENTITY_KEY_BYTES) == 0)
			return &t->v[i];
	return NULL;
}

int trust_put_key(struct trust_list *t, const uint8_t key[IDENTITY_KEY_BYTES], const char *label)
{
	struct trust_entry *e = (struct trust_entry *)trust_find_key(t, key);
	if (e) {
		snprintf(e->label, sizeof e->label, "%s", label);
		return 0;
	}
	struct trust_entry n;
	memcpy(n.key, key, sizeof n.key);
	snprintf(n.label, sizeof n.label, "%s", label);
	return push(t, &n);
}

int trust_put_label(struct trust_list *t, const char *label, const uint8_t key[IDENTITY_KEY_BYTES])
{
	struct trust_entry *e = (struct trust_entry *)trust_find_label(t, label);
	if (e) {
		memcpy(e->key, key, sizeof e->key);
		return 0;
	}
	struct trust_entry n;
	memcpy(n.key, key, sizeof n.key);
	snprintf(n.label, sizeof n.label, "%s", label);
	return push(t, &n);
}

size_t trust_remove_label(struct trust_list *t, const char *label)
{
	size_t kept = 0, removed = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].label, label) == 0)
			removed++;
		else
			t->v[kept++] = t->v[i];
	}
	t->n = kept;
	return removed;
}

bool trust_remove_key(struct trust_list *t, const uint8_t key[IDENTITY_KEY_BYTES])
{
	for (size_t i = 0; i < t->n; i++) {
		if (memcmp(t->v[i].key, key, IDENTITY_KEY_BYTES) != 0)
			continue;
		memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
		t->n--;
		return true;
	}
	return false;
}

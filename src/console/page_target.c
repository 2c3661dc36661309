/* Where a page goes: every speaker, or sets of zones and speakers, matched by name. */
#include "intercom/console/page_target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/utf8.h"

void page_target_all(struct page_target *t)
{
	memset(t, 0, sizeof *t);
	t->all = true;
}

bool page_target_is_all(const struct page_target *t)
{
	return !t || t->all;
}

/* True if name is in the first n entries of set. */
static bool in_set(char (*set)[NAME_MAX_BYTES + 1], size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(set[i], name) == 0)
			return true;
	return false;
}

int page_target_add(struct page_target *t, bool zone, const char *list, char *err, size_t errlen)
{
	const char *what = zone ? "zone" : "speaker";
	char (*set)[NAME_MAX_BYTES + 1] = zone ? t->zones : t->speakers;
	size_t *count = zone ? &t->zone_count : &t->speaker_count;
	const char *p = list ? list : "";
	do {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0) {
			snprintf(err, errlen, "empty %s name in '%.64s': give names separated by commas, e.g. %s",
			         what, list ? list : "", zone ? "hall,office" : "hall-1,lobby-2");
			return -1;
		}
		if (len > NAME_MAX_BYTES) {
			snprintf(err, errlen, "%s name '%.32s...' is too long: names have at most %d bytes", what, p,
			         NAME_MAX_BYTES);
			return -1;
		}
		char name[NAME_MAX_BYTES + 1];
		memcpy(name, p, len);
		name[len] = '\0';
		if (utf8_check_text(name, len) != UTF8_TEXT_OK) {
			snprintf(err, errlen, "%s name is not printable UTF-8: give it as list shows it", what);
			return -1;
		}
		if (!in_set(set, *count, name)) {
			if (*count >= PAGE_TARGET_MAX) {
				snprintf(err, errlen, "too many %ss: a page names at most %d; use a zone for more", what,
				         PAGE_TARGET_MAX);
				return -1;
			}
			memcpy(set[(*count)++], name, len + 1);
		}
		t->all = false;
		p = comma ? comma + 1 : NULL;
	} while (p);
	return 0;
}

bool page_target_matches(const struct page_target *t, const char *name, const char *zone)
{
	if (page_target_is_all(t))
		return true;
	return (zone && *zone && in_set((char (*)[NAME_MAX_BYTES + 1])t->zones, t->zone_count, zone)) ||
	       in_set((char (*)[NAME_MAX_BYTES + 1])t->speakers, t->speaker_count, name);
}

/* Appends the n names of set, comma-separated, at *off of out. */
static void describe_set(char *out, size_t outlen, size_t *off, const char (*set)[NAME_MAX_BYTES + 1],
                         size_t n)
{
	for (size_t i = 0; i < n && *off < outlen; i++) {
		int w = snprintf(out + *off, outlen - *off, "%s%s", i ? ", " : "", set[i]);
		if (w < 0)
			return;
		*off += (size_t)w;
	}
}

void page_target_describe(const struct page_target *t, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	out[0] = '\0';
	if (page_target_is_all(t)) {
		snprintf(out, outlen, "all speakers");
		return;
	}
	size_t off = 0;
	if (t->zone_count) {
		int w = snprintf(out, outlen, "zone%s ", t->zone_count > 1 ? "s" : "");
		off = w > 0 ? (size_t)w : 0;
		describe_set(out, outlen, &off, (const char (*)[NAME_MAX_BYTES + 1])t->zones, t->zone_count);
	}
	if (t->speaker_count && off < outlen) {
		if (off) {
			int w = snprintf(out + off, outlen - off, " + ");
			off += w > 0 ? (size_t)w : 0;
		}
		describe_set(out, outlen, &off, (const char (*)[NAME_MAX_BYTES + 1])t->speakers, t->speaker_count);
	}
	if (off >= outlen && outlen > 4)
		memcpy(out + outlen - 4, "...", 4); /* cut: say so */
}

/* True if every name of a's set is in b's and the counts agree. */
static bool same_set(const char (*a)[NAME_MAX_BYTES + 1], size_t an, const char (*b)[NAME_MAX_BYTES + 1],
                     size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (!in_set((char (*)[NAME_MAX_BYTES + 1])b, bn, a[i]))
			return false;
	return true;
}

bool page_target_equal(const struct page_target *a, const struct page_target *b)
{
	if (page_target_is_all(a) || page_target_is_all(b))
		return page_target_is_all(a) == page_target_is_all(b);
	return same_set((const char (*)[NAME_MAX_BYTES + 1])a->zones, a->zone_count,
	                (const char (*)[NAME_MAX_BYTES + 1])b->zones, b->zone_count) &&
	       same_set((const char (*)[NAME_MAX_BYTES + 1])a->speakers, a->speaker_count,
	                (const char (*)[NAME_MAX_BYTES + 1])b->speakers, b->speaker_count);
}

/* The id a speaker entry names if it is a plain decimal number (0: it is not one). */
static uint32_t entry_id(const char *s)
{
	if (*s < '0' || *s > '9')
		return 0;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	return *end || errno || v > UINT32_MAX ? 0 : (uint32_t)v;
}

int page_target_resolve(struct page_target *t, const struct page_target_speaker *sp, size_t n, char *err,
                        size_t errlen)
{
	for (size_t i = 0; !page_target_is_all(t) && i < t->speaker_count; i++) {
		uint32_t id = entry_id(t->speakers[i]);
		bool named = false;
		for (size_t k = 0; k < n && !named; k++)
			named = sp[k].name && strcmp(sp[k].name, t->speakers[i]) == 0;
		if (named || id == 0)
			continue;
		const char *name = NULL;
		for (size_t k = 0; k < n && !name; k++)
			if (sp[k].id == id)
				name = sp[k].name;
		if (!name) {
			snprintf(err, errlen, "no speaker has the name or id %u: list shows names and ids", id);
			return -1;
		}
		snprintf(t->speakers[i], sizeof t->speakers[i], "%s", name);
	}
	/* Two entries may now name the same speaker: keep one. */
	for (size_t i = 0; !page_target_is_all(t) && i < t->speaker_count; i++) {
		for (size_t k = i + 1; k < t->speaker_count;) {
			if (strcmp(t->speakers[i], t->speakers[k]) == 0) {
				memmove(t->speakers[k], t->speakers[k + 1], (t->speaker_count - k - 1) * sizeof t->speakers[k]);
				t->speaker_count--;
			} else {
				k++;
			}
		}
	}
	return 0;
}

/* Appends "WORD a,b" to out at *off; false if it does not fit or a name would not read back. */
static bool kept_set(char *out, size_t outlen, size_t *off, const char *word,
                     const char (*set)[NAME_MAX_BYTES + 1], size_t n)
{
	int w = snprintf(out + *off, outlen - *off, "%s%s ", *off ? "; " : "", word);
	if (w < 0 || (size_t)w >= outlen - *off)
		return false;
	*off += (size_t)w;
	for (size_t i = 0; i < n; i++) {
		if (strpbrk(set[i], ",;"))
			return false;
		w = snprintf(out + *off, outlen - *off, "%s%s", i ? "," : "", set[i]);
		if (w < 0 || (size_t)w >= outlen - *off)
			return false;
		*off += (size_t)w;
	}
	return true;
}

bool page_target_kept(const struct page_target *t, char *out, size_t outlen)
{
	if (outlen == 0)
		return false;
	out[0] = '\0';
	if (page_target_is_all(t)) {
		snprintf(out, outlen, "all");
		return outlen > 3;
	}
	size_t off = 0;
	if ((t->zone_count && !kept_set(out, outlen, &off, "zone", (const char (*)[NAME_MAX_BYTES + 1])t->zones,
	                                t->zone_count)) ||
	    (t->speaker_count && !kept_set(out, outlen, &off, "speaker",
	                                   (const char (*)[NAME_MAX_BYTES + 1])t->speakers, t->speaker_count))) {
		out[0] = '\0';
		return false;
	}
	return true;
}

int page_target_from_kept(struct page_target *t, const char *kept, char *err, size_t errlen)
{
	page_target_all(t);
	if (strcmp(kept, "all") == 0)
		return 0;
	char line[2 * PAGE_TARGET_MAX * (NAME_MAX_BYTES + 1) + 32];
	snprintf(line, sizeof line, "%s", kept);
	char *save = NULL;
	for (char *part = strtok_r(line, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
		while (*part == ' ')
			part++;
		bool zone = strncmp(part, "zone ", 5) == 0;
		if (!zone && strncmp(part, "speaker ", 8) != 0) {
			snprintf(err, errlen, "'%.64s' is not a target: all, zone NAMES or speaker NAMES", part);
			page_target_all(t);
			return -1;
		}
		if (page_target_add(t, zone, part + (zone ? 5 : 8), err, errlen) < 0) {
			page_target_all(t);
			return -1;
		}
	}
	if (page_target_is_all(t)) {
		snprintf(err, errlen, "an empty target");
		return -1;
	}
	return 0;
}

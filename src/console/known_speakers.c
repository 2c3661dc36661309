/* The speakers the console has seen: name, zone, fingerprint, connected or not. */
#include "intercom/console/known_speakers.h"

#include "intercom/common/utf8.h"
#include "intercom/common/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void known_speakers_init(struct known_speakers *ks)
{
	memset(ks, 0, sizeof *ks);
}

void known_speakers_free(struct known_speakers *ks)
{
	free(ks->v);
	memset(ks, 0, sizeof *ks);
}

const struct known_speaker *known_speakers_find(const struct known_speakers *ks, const char *name)
{
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i].name, name) == 0)
			return &ks->v[i];
	return NULL;
}

/* A place for one more: grown, or the one offline longest forgotten at the bound. NULL: none. */
static struct known_speaker *known_add(struct known_speakers *ks)
{
	if (vec_reserve_one((void **)&ks->v, &ks->cap, ks->n, sizeof *ks->v, KNOWN_SPEAKERS_MAX) == 0)
		return &ks->v[ks->n++];
	if (ks->n < KNOWN_SPEAKERS_MAX)
		return NULL; /* out of memory below the bound */
	size_t oldest = ks->n;
	for (size_t i = 0; i < ks->n; i++)
		if (!ks->v[i].id && (oldest == ks->n || ks->v[i].last_seen_ms < ks->v[oldest].last_seen_ms))
			oldest = i;
	if (oldest == ks->n)
		return NULL; /* every one is connected */
	memmove(&ks->v[oldest], &ks->v[oldest + 1], (ks->n - oldest - 1) * sizeof ks->v[0]);
	return &ks->v[ks->n - 1];
}

size_t known_speakers_update(struct known_speakers *ks, const struct station_speaker *const *sp, size_t n,
                             uint64_t now_ms)
{
	for (size_t i = 0; i < ks->n; i++)
		ks->v[i].id = 0;
	size_t changed = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i]->legacy || !sp[i]->name[0])
			continue;
		struct known_speaker *k = (struct known_speaker *)known_speakers_find(ks, sp[i]->name);
		bool fresh = !k;
		if (!k) {
			k = known_add(ks);
			if (!k)
				continue;
			memset(k, 0, sizeof *k);
			snprintf(k->name, sizeof k->name, "%s", sp[i]->name);
		}
		if (fresh || strcmp(k->zone, sp[i]->zone) != 0 ||
		    (sp[i]->fingerprint[0] && strcmp(k->fingerprint, sp[i]->fingerprint) != 0))
			changed++;
		snprintf(k->zone, sizeof k->zone, "%s", sp[i]->zone);
		if (sp[i]->fingerprint[0])
			snprintf(k->fingerprint, sizeof k->fingerprint, "%s", sp[i]->fingerprint);
		k->id = sp[i]->id ? sp[i]->id : UINT32_MAX;
		k->rtp = sp[i]->rtp;
		k->last_seen_ms = now_ms;
	}
	return changed;
}

size_t known_speakers_offline(const struct known_speakers *ks, const struct page_target *t,
                              const struct known_speaker **out, size_t cap)
{
	size_t count = 0;
	for (size_t i = 0; ks && i < ks->n; i++) {
		const struct known_speaker *k = &ks->v[i];
		if (k->id || !page_target_matches(t, k->name, k->zone))
			continue;
		if (out && count < cap)
			out[count] = k;
		count++;
	}
	return count;
}

/* The header line of the saved list. */
#define KNOWN_HEADER "# intercom-console: the speakers it has seen (name, zone, key fingerprint; tab-separated)\n"

size_t known_speakers_format(const struct known_speakers *ks, char *out, size_t outlen)
{
	size_t need = 0;
	int n = snprintf(out, outlen, "%s", KNOWN_HEADER);
	need += n > 0 ? (size_t)n : 0;
	for (size_t i = 0; i < ks->n; i++) {
		const struct known_speaker *k = &ks->v[i];
		if (k->rtp)
			continue; /* an RTP target is in the options, every time */
		n = snprintf(need < outlen ? out + need : NULL, need < outlen ? outlen - need : 0, "%s\t%s\t%s\n",
		             k->name, k->zone, k->fingerprint);
		need += n > 0 ? (size_t)n : 0;
	}
	return need;
}

/* Copies field [s, e) into out (a name of NAME_MAX_BYTES at most, printable); false if it is not one. */
static bool field(const char *s, const char *e, char *out, size_t outlen, bool may_be_empty)
{
	size_t len = (size_t)(e - s);
	if ((!len && !may_be_empty) || len >= outlen || (len && utf8_check_text(s, len) != UTF8_TEXT_OK))
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

size_t known_speakers_parse(struct known_speakers *ks, const char *text, size_t len, uint64_t now_ms,
                            size_t *bad)
{
	size_t added = 0;
	*bad = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *t1 = memchr(p, '\t', (size_t)(e - p));
		const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(e - t1 - 1)) : NULL;
		struct known_speaker k;
		memset(&k, 0, sizeof k);
		if (e == p || *p == '#') {
			/* a comment or an empty line */
		} else if (!t2 || memchr(t2 + 1, '\t', (size_t)(e - t2 - 1)) || !field(p, t1, k.name, sizeof k.name, false) ||
		           !field(t1 + 1, t2, k.zone, sizeof k.zone, true) ||
		           !field(t2 + 1, e, k.fingerprint, sizeof k.fingerprint, true)) {
			(*bad)++;
		} else if (!known_speakers_find(ks, k.name)) {
			struct known_speaker *slot = known_add(ks);
			if (slot) {
				k.last_seen_ms = now_ms;
				*slot = k;
				added++;
			}
		}
		p = e + 1;
	}
	return added;
}

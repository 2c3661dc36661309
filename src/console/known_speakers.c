/* The speakers the console has seen: name, zone, fingerprint, connected or not. */
#include "intercom/console/known_speakers.h"

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
	if (ks->n == ks->cap && ks->cap < KNOWN_SPEAKERS_MAX) {
		size_t cap = ks->cap ? ks->cap * 2 : 16;
		if (cap > KNOWN_SPEAKERS_MAX)
			cap = KNOWN_SPEAKERS_MAX;
		struct known_speaker *v = realloc(ks->v, cap * sizeof *v);
		if (!v)
			return NULL;
		ks->v = v;
		ks->cap = cap;
	}
	if (ks->n < ks->cap)
		return &ks->v[ks->n++];
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
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i]->legacy || !sp[i]->name[0])
			continue;
		struct known_speaker *k = (struct known_speaker *)known_speakers_find(ks, sp[i]->name);
		if (!k) {
			k = known_add(ks);
			if (!k)
				continue;
			memset(k, 0, sizeof *k);
			snprintf(k->name, sizeof k->name, "%s", sp[i]->name);
			added++;
		}
		snprintf(k->zone, sizeof k->zone, "%s", sp[i]->zone);
		if (sp[i]->fingerprint[0])
			snprintf(k->fingerprint, sizeof k->fingerprint, "%s", sp[i]->fingerprint);
		k->id = sp[i]->id ? sp[i]->id : UINT32_MAX;
		k->rtp = sp[i]->rtp;
		k->last_seen_ms = now_ms;
	}
	return added;
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

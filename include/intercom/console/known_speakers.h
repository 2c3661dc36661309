/*
 * The speakers this console has seen since it started: name, zone, key
 * fingerprint, when last seen, connected or not. "Offline targeted
 * speakers" are the known ones a target names that are not connected now:
 * a page for them waits (wait_queue.h). Keyed by name (a speaker that
 * reconnects under a new id is the same speaker); legacy clients (named by
 * their address) are not remembered. Bounded: past KNOWN_SPEAKERS_MAX the
 * one offline longest is forgotten.
 *
 * Kept across restarts as text (known_speakers_format, _parse; the file is
 * page_ledger's), so a page for all speakers waits for one that has not come
 * back since the console restarted.
 *
 * Pure: no I/O, no clock (times are given), no globals.
 * Units: tests/unit/test_wait_queue.c.
 */
#ifndef INTERCOM_CONSOLE_KNOWN_SPEAKERS_H
#define INTERCOM_CONSOLE_KNOWN_SPEAKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/defaults.h"
#include "intercom/console/page_target.h"
#include "intercom/console/station.h"

/* Speakers remembered at most: a site's worth, and a bounded walk per pass. */
#define KNOWN_SPEAKERS_MAX 1024

struct known_speaker {
	char name[NAME_MAX_BYTES + 1];
	char zone[NAME_MAX_BYTES + 1];
	char fingerprint[IDENTITY_FP_TEXT];
	uint64_t last_seen_ms;    /* monotonic: connected then (now, while it is) */
	uint32_t id;              /* its id while connected, 0 while not */
	bool rtp;                 /* an RTP target (always "connected": it reports nothing) */
};

struct known_speakers {
	struct known_speaker *v;
	size_t n, cap;
};

void known_speakers_init(struct known_speakers *ks);
void known_speakers_free(struct known_speakers *ks);
/*
 * The station's speakers now (n of them): each is known and connected
 * (zone and fingerprint as it says now), every other known one is not.
 * Returns how many were new or changed (zone, fingerprint): what a saved
 * list lacks. Out of memory: the new ones wait for the next call.
 */
size_t known_speakers_update(struct known_speakers *ks, const struct station_speaker *const *sp, size_t n,
                             uint64_t now_ms);
/* The known speaker of this name, or NULL. */
const struct known_speaker *known_speakers_find(const struct known_speakers *ks, const char *name);
/*
 * The known speakers t names that are not connected, in the order first
 * seen: how many (all of them), the first cap into out (out may be NULL).
 */
size_t known_speakers_offline(const struct known_speakers *ks, const struct page_target *t,
                              const struct known_speaker **out, size_t cap);

/*
 * The list as the console keeps it across restarts (its state directory's
 * known-speakers): a comment, then one line per speaker, name, zone and
 * fingerprint separated by tabs (names are printable text: no tab). Returns
 * the bytes written into out (at most outlen - 1, NUL-terminated), or the
 * length needed if it does not fit.
 */
size_t known_speakers_format(const struct known_speakers *ks, char *out, size_t outlen);
/*
 * Adds the speakers of a saved list (text of len bytes) as known and not
 * connected, last seen at now_ms; those known already are left alone. Lines
 * that are not name, zone, fingerprint (or names that are not printable)
 * are skipped and counted in *bad. Returns how many were added.
 */
size_t known_speakers_parse(struct known_speakers *ks, const char *text, size_t len, uint64_t now_ms,
                            size_t *bad);

#endif

/*
 * Where a page goes: every speaker, or a set of zones and a set of speakers
 * (by name; an id is turned into the name of the speaker that has it, so a
 * speaker that reconnects under a new id is still the target, and a page
 * can wait for one that is offline). A speaker is a target if its zone or
 * its name is in the sets. RTP targets (--rtp ...,zone=Z) have zones too.
 *
 * Pure: no I/O, no globals. Units: tests/unit/test_page_target.c.
 */
#ifndef INTERCOM_CONSOLE_PAGE_TARGET_H
#define INTERCOM_CONSOLE_PAGE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/defaults.h"

/* Zones, and speakers, one target names at most: an operator's list, not a directory. */
#define PAGE_TARGET_MAX 16

struct page_target {
	bool all;                 /* every speaker (the sets are empty) */
	size_t zone_count, speaker_count;
	char zones[PAGE_TARGET_MAX][NAME_MAX_BYTES + 1];
	char speakers[PAGE_TARGET_MAX][NAME_MAX_BYTES + 1]; /* names, or ids ("#7") not yet resolved */
};

/* Every speaker. */
void page_target_all(struct page_target *t);
/* True if t is every speaker. */
bool page_target_is_all(const struct page_target *t);
/*
 * Adds the comma-separated names of list as zones (zone true) or speakers;
 * t stops being "all". 0, or -1 with a one-line reason (an empty name, a
 * name too long, too many).
 */
int page_target_add(struct page_target *t, bool zone, const char *list, char *err, size_t errlen);
/* True if a speaker of this name and zone (NULL: none) is a target. */
bool page_target_matches(const struct page_target *t, const char *name, const char *zone);
/* "all speakers", "zone hall", "zones hall, office", "hall-1", "zone hall + hall-1, lobby-2". */
void page_target_describe(const struct page_target *t, char *out, size_t outlen);
/* True if both name the same speakers (the same sets, in any order). */
bool page_target_equal(const struct page_target *a, const struct page_target *b);

/*
 * The target as one line to keep across restarts: "all", "zone A,B",
 * "speaker X,Y" or "zone A,B; speaker X,Y". False (out "") when it cannot
 * be read back the same: it does not fit, or a name holds ',' or ';'.
 * (The console's target holds names: ids become names when it is set.)
 */
bool page_target_kept(const struct page_target *t, char *out, size_t outlen);
/* A kept line back into t: 0, or -1 with a one-line reason (t is then all). */
int page_target_from_kept(struct page_target *t, const char *kept, char *err, size_t errlen);

/* A speaker as page_target_resolve sees it. */
struct page_target_speaker {
	uint32_t id;
	const char *name;
	const char *zone;
};

/*
 * Speakers given by a number that is no speaker's name become the name of
 * the connected speaker with that id (of the n in sp). 0, or -1 with a
 * reason naming the number (no speaker has it).
 */
int page_target_resolve(struct page_target *t, const struct page_target_speaker *sp, size_t n, char *err,
                        size_t errlen);

#endif

/*
 * A speaker's priority rules (docs/PROTOCOL.md, PRIORITY): which page plays
 * when a new one comes while another plays or waits (an equal or higher
 * priority takes over as before; a lower one waits its turn and plays when
 * the one before has ended), and how loud: an emergency page plays even on a
 * muted speaker, at no less than the floor volume. The priorities the
 * console announced are remembered by page id until their pages come.
 * Pure: units test every rule.
 */
#ifndef INTERCOM_PAGE_PRIORITY_H
#define INTERCOM_PAGE_PRIORITY_H

#include <stdbool.h>
#include <stdint.h>

#include "intercom/common/priority.h"

/* What a page arriving does to the one in hand. */
enum priority_decision {
	PRIORITY_TAKE_OVER,       /* it cuts off the page in hand (interrupted), as before priorities */
	PRIORITY_WAIT,            /* it waits until the page in hand has ended, then plays from its start */
};

/* busy: a page plays or waits for its time or its COMMIT, of priority current. */
enum priority_decision page_priority_decide(bool busy, enum priority current, enum priority incoming);

/* How a page of priority p plays at this speaker's volume and mute. */
struct priority_volume {
	bool play;                /* false: muted, not played (reported muted) */
	int db;                   /* the gain it plays at */
	bool raised;              /* above the speaker's own setting (the floor, or unmuted) */
};
struct priority_volume page_priority_volume(int volume_db, bool muted, enum priority p, int floor_db);

/* The priorities announced for pages not yet here: a few, the oldest forgotten first. */
#define PRIORITY_NOTES 8
struct priority_notes {
	uint32_t page_id[PRIORITY_NOTES];
	uint8_t priority[PRIORITY_NOTES];
	unsigned next;
};
void priority_notes_put(struct priority_notes *n, uint32_t page_id, enum priority p);
/* page_id's announced priority, normal if none was (an older console says none). */
enum priority priority_notes_get(const struct priority_notes *n, uint32_t page_id);

#endif

/* A speaker's priority rules (page_priority.h). */
#include "intercom/speaker/page_priority.h"

enum priority_decision page_priority_decide(bool busy, enum priority current, enum priority incoming)
{
	/* A page never cuts off one of higher priority; an equal or higher one takes over. */
	return busy && incoming < current ? PRIORITY_WAIT : PRIORITY_TAKE_OVER;
}

struct priority_volume page_priority_volume(int volume_db, bool muted, enum priority p, int floor_db)
{
	struct priority_volume v = { .play = !muted, .db = volume_db, .raised = false };
	if (p != PRIORITY_EMERGENCY)
		return v;
	if (muted) {
		/* Muted: it plays anyway, at the floor (the volume turned down for quiet does not hide it). */
		v.play = true;
		v.db = volume_db > floor_db ? volume_db : floor_db;
		v.raised = true;
	} else if (volume_db < floor_db) {
		v.db = floor_db;
		v.raised = true;
	}
	return v;
}

void priority_notes_put(struct priority_notes *n, uint32_t page_id, enum priority p)
{
	for (unsigned i = 0; i < PRIORITY_NOTES; i++)
		if (n->page_id[i] == page_id) {
			n->priority[i] = (uint8_t)p;
			return;
		}
	n->page_id[n->next] = page_id;
	n->priority[n->next] = (uint8_t)p;
	n->next = (n->next + 1) % PRIORITY_NOTES;
}

enum priority priority_notes_get(const struct priority_notes *n, uint32_t page_id)
{
	for (unsigned i = 0; i < PRIORITY_NOTES; i++)
		if (n->page_id[i] == page_id && page_id)
			return (enum priority)n->priority[i];
	return PRIORITY_NORMAL;
}

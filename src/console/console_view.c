/* The console screen's snapshot: station data turned into text to show. */
#include "intercom/console/console_view.h"

#include <stdio.h>
#include <string.h>

#include "intercom/net/proto.h"
#include "intercom/tui/textfmt.h"

bool console_view_state_final(uint8_t state)
{
	return state == PAGE_PLAYED || state == PAGE_FAILED || state == PAGE_MUTED ||
	       state == PAGE_INTERRUPTED;
}

bool console_view_speaker_final(const struct station_speaker *sp)
{
	/* A legacy speaker reports nothing after the last byte: delivered is all it ever gets to. */
	return console_view_state_final(sp->page_state) ||
	       (sp->legacy && sp->page_state == PAGE_RECEIVED);
}

/* "played", "failed: reason": an outcome as words, with its tone. */
static enum console_tone outcome(char *out, size_t outlen, uint8_t state, const char *reason)
{
	if (state == PAGE_FAILED) {
		snprintf(out, outlen, "failed: %s", *reason ? reason : "no reason given");
		return CONSOLE_TONE_BAD;
	}
	if (state == PAGE_RECEIVED) { /* only a legacy speaker ends there */
		snprintf(out, outlen, "delivered");
		return CONSOLE_TONE_OK;
	}
	snprintf(out, outlen, "%s", proto_page_state_name(state));
	return state == PAGE_PLAYED ? CONSOLE_TONE_OK : CONSOLE_TONE_WARN;
}

/* Permille of done/total, 0..1000. */
static int permille(uint64_t done, uint64_t total)
{
	if (total == 0)
		return 0;
	if (done >= total)
		return 1000;
	return (int)((double)done * 1000.0 / (double)total);
}

void console_view_row(struct console_row *row, const struct station_speaker *sp,
                      const struct console_result *last, uint64_t now_ms)
{
	memset(row, 0, sizeof *row); /* rows are compared with memcmp */
	row->id = sp->id;
	snprintf(row->name, sizeof row->name, "%s", sp->name);
	snprintf(row->zone, sizeof row->zone, "%s", sp->legacy ? "(legacy)" : *sp->zone ? sp->zone : "-");
	snprintf(row->addr, sizeof row->addr, "%s", sp->addr);
	textfmt_age(row->up, sizeof row->up, now_ms > sp->connected_ms ? now_ms - sp->connected_ms : 0);
	if (sp->legacy)
		snprintf(row->rtt, sizeof row->rtt, "-"); /* the old protocol has no heartbeat */
	else
		textfmt_rtt(row->rtt, sizeof row->rtt, sp->rtt_ms);
	row->progress = -1;
	row->state_tone = CONSOLE_TONE_NORMAL;
	if (sp->page_id == 0) {
		snprintf(row->state, sizeof row->state, "idle");
		row->state_tone = CONSOLE_TONE_DIM;
	} else if (console_view_state_final(sp->page_state)) {
		row->state_tone = outcome(row->state, sizeof row->state, sp->page_state, sp->page_reason);
	} else if (sp->page_state == PAGE_RECEIVING || sp->page_state == PAGE_PLAYING) {
		snprintf(row->state, sizeof row->state, "%s %d%%", proto_page_state_name(sp->page_state),
		         textfmt_percent(sp->page_done, sp->page_total));
		row->progress = permille(sp->page_done, sp->page_total);
		row->state_tone = CONSOLE_TONE_ACCENT;
	} else if (sp->page_state == PAGE_RECEIVED && sp->legacy) {
		snprintf(row->state, sizeof row->state, "delivered");
		row->state_tone = CONSOLE_TONE_OK;
	} else if (sp->page_state == PAGE_RECEIVED) {
		snprintf(row->state, sizeof row->state, "received");
		row->state_tone = CONSOLE_TONE_ACCENT;
	} else {
		snprintf(row->state, sizeof row->state, "sending");
		row->state_tone = CONSOLE_TONE_ACCENT;
	}
	if (last && last->page_id) {
		char what[150];
		row->last_tone = outcome(what, sizeof what, last->state, last->reason);
		snprintf(row->last, sizeof row->last, "#%u %s", last->page_id, what);
	} else {
		snprintf(row->last, sizeof row->last, "-");
		row->last_tone = CONSOLE_TONE_DIM;
	}
}

/* Appends text at *len, keeping out terminated and never overrunning. */
static void append(char *out, size_t outlen, size_t *len, const char *text)
{
	size_t n = strlen(text);
	if (*len + 1 >= outlen)
		return;
	if (n > outlen - 1 - *len)
		n = outlen - 1 - *len;
	memcpy(out + *len, text, n);
	*len += n;
	out[*len] = '\0';
}

enum console_tone console_view_summary(char *out, size_t outlen, const struct station_page *pg,
                                       const struct station_speaker *const *speakers, size_t n)
{
	if (outlen == 0)
		return CONSOLE_TONE_NORMAL;
	out[0] = '\0';
	if (pg->id == 0)
		return CONSOLE_TONE_DIM;
	if (pg->targets == 0) {
		snprintf(out, outlen, "page %u reached no speaker (none connected)", pg->id);
		return CONSOLE_TONE_WARN;
	}
	/* Legacy speakers can be delivered to, never report "played": as the station's log says. */
	size_t players = pg->targets > pg->legacy ? pg->targets - pg->legacy : 0;
	char legacy[48] = "";
	if (pg->legacy)
		snprintf(legacy, sizeof legacy, " (%zu legacy: delivered only)", pg->legacy);
	if (!pg->summarised) {
		snprintf(out, outlen, "page %u to %zu speaker%s: delivered %zu/%zu, played %zu/%zu%s%s",
		         pg->id, pg->targets, pg->targets == 1 ? "" : "s", pg->delivered, pg->targets,
		         pg->played, players, legacy, pg->failed ? ", some failed" : "");
		return pg->failed ? CONSOLE_TONE_WARN : CONSOLE_TONE_ACCENT;
	}
	size_t len = (size_t)snprintf(out, outlen, "page %u: delivered to %zu/%zu, played by %zu/%zu%s",
	                              pg->id, pg->delivered, pg->targets, pg->played, players, legacy);
	if (len >= outlen)
		len = outlen - 1;
	size_t named = 0;
	for (size_t i = 0; i < n; i++) {
		const struct station_speaker *sp = speakers[i];
		if (sp->page_id != pg->id || !console_view_state_final(sp->page_state) ||
		    sp->page_state == PAGE_PLAYED)
			continue;
		const char *what = sp->page_state != PAGE_FAILED ? proto_page_state_name(sp->page_state)
		                   : *sp->page_reason ? sp->page_reason : "no reason given";
		append(out, outlen, &len, named ? "; " : ", failed on ");
		append(out, outlen, &len, sp->name);
		append(out, outlen, &len, ": ");
		append(out, outlen, &len, what);
		named++;
	}
	if (pg->failed > named) {
		char count[32];
		snprintf(count, sizeof count, "%zu", pg->failed - named);
		append(out, outlen, &len, named ? "; " : ", failed on ");
		append(out, outlen, &len, count);
		append(out, outlen, &len, " that left");
	}
	if (pg->failed > 0)
		return CONSOLE_TONE_BAD;
	return pg->played == players && pg->delivered == pg->targets ? CONSOLE_TONE_OK
	                                                              : CONSOLE_TONE_WARN;
}

/* The console screen's snapshot: the console's state and station data turned into text to show. */
#include "intercom/console/console_view.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "intercom/common/defaults.h"
#include "intercom/net/proto.h"
#include "intercom/tui/textfmt.h"

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

enum console_tone console_view_sync(char *out, size_t outlen, const struct station_speaker *sp)
{
	if (sp->legacy || sp->rtp || sp->sync_state == SYNC_NONE) {
		snprintf(out, outlen, "-");
		return CONSOLE_TONE_DIM;
	}
	if (sp->sync_state == SYNC_SETTLING) {
		snprintf(out, outlen, "syncing");
		return CONSOLE_TONE_ACCENT;
	}
	uint32_t us = sp->sync_uncertainty_us;
	if (us < 9950) /* "±0.3 ms" .. "±9.9 ms" */
		snprintf(out, outlen, "±%u.%u ms", (us + 50) / 1000, (us + 50) % 1000 / 100);
	else if (us < 999500)
		snprintf(out, outlen, "±%u ms", (us + 500) / 1000);
	else
		snprintf(out, outlen, "±%u s", us / 1000000 >= 99 ? 99u : (us + 500000) / 1000000);
	/* Beyond the bound a speaker plays on arrival (playat.h): locked, yet not in step. */
	return us <= PLAYAT_MAX_UNCERTAINTY_US ? CONSOLE_TONE_OK : CONSOLE_TONE_WARN;
}

void console_view_row(struct console_row *row, const struct station_speaker *sp,
                      const struct console_result *last, uint64_t now_ms)
{
	memset(row, 0, sizeof *row); /* rows are compared with memcmp */
	row->id = sp->id;
	snprintf(row->name, sizeof row->name, "%s", sp->name);
	snprintf(row->zone, sizeof row->zone, "%s", sp->legacy ? "(legacy)" : *sp->zone ? sp->zone : sp->rtp ? "(rtp)" : "-");
	snprintf(row->addr, sizeof row->addr, "%s", sp->addr);
	textfmt_age(row->up, sizeof row->up, now_ms > sp->connected_ms ? now_ms - sp->connected_ms : 0);
	if (sp->legacy || sp->rtp)
		snprintf(row->rtt, sizeof row->rtt, "-"); /* the old protocol and RTP have no heartbeat */
	else
		textfmt_rtt(row->rtt, sizeof row->rtt, sp->rtt_ms);
	row->sync_tone = console_view_sync(row->sync, sizeof row->sync, sp);
	row->progress = -1;
	row->state_tone = CONSOLE_TONE_NORMAL;
	if (sp->page_id == 0) {
		snprintf(row->state, sizeof row->state, "idle");
		row->state_tone = CONSOLE_TONE_DIM;
	} else if (console_state_page_final(sp->page_state)) {
		row->state_tone = outcome(row->state, sizeof row->state, sp->page_state, sp->page_reason);
	} else if (!sp->legacy && !sp->rtp && sp->page_play_at_ms > now_ms &&
	           (sp->page_state == PAGE_RECEIVED ||
	            (sp->page_state == PAGE_PLAYING && sp->page_done == 0))) {
		/* Held whole, waiting for the page's common start. */
		uint64_t tenths = (sp->page_play_at_ms - now_ms + 99) / 100;
		snprintf(row->state, sizeof row->state, "starts in %llu.%llu s",
		         (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
		row->state_tone = CONSOLE_TONE_ACCENT;
	} else if (sp->page_state == PAGE_RECEIVING || sp->page_state == PAGE_PLAYING) {
		snprintf(row->state, sizeof row->state, "%s %d%%", proto_page_state_name(sp->page_state),
		         textfmt_percent(sp->page_done, sp->page_total));
		row->progress = permille(sp->page_done, sp->page_total);
		row->state_tone = CONSOLE_TONE_ACCENT;
	} else if (sp->page_state == PAGE_RECEIVED && (sp->legacy || sp->rtp)) {
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

/* Appends "NAME" or "NAME and N others" for count speakers, the first of them NAME. */
static void append_who(char *out, size_t outlen, size_t *len, const char *name, size_t count)
{
	append(out, outlen, len, name);
	if (count > 1) {
		char more[48];
		snprintf(more, sizeof more, " and %zu other%s", count - 1, count == 2 ? "" : "s");
		append(out, outlen, len, more);
	}
}

enum console_tone console_view_summary(char *out, size_t outlen, const struct station_page *pg)
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
	/* Still under way: the counts so far; once summarised, who and why come after. */
	char notes[192];
	station_page_notes(pg, !pg->summarised, notes, sizeof notes);
	if (!pg->summarised) {
		snprintf(out, outlen, "page %u to %zu speaker%s: delivered %zu/%zu, played %zu/%zu%s%s",
		         pg->id, pg->targets, pg->targets == 1 ? "" : "s", pg->delivered, pg->targets,
		         pg->played, players, notes, pg->failed ? ", some failed" : "");
		return pg->failed || pg->expired ? CONSOLE_TONE_WARN : CONSOLE_TONE_ACCENT;
	}
	size_t len = (size_t)snprintf(out, outlen, "page %u: delivered to %zu/%zu, played by %zu/%zu%s",
	                              pg->id, pg->delivered, pg->targets, pg->played, players, notes);
	if (len >= outlen)
		len = outlen - 1;
	/* The reasons as the speakers gave them, kept by the tally: who left since changes nothing. */
	size_t named = 0;
	for (size_t i = 0; i < pg->reason_count && i < STATION_PAGE_REASONS; i++) {
		const struct station_page_reason *r = &pg->reasons[i];
		append(out, outlen, &len, i ? "; on " : ", failed on ");
		append_who(out, outlen, &len, r->name, r->count);
		append(out, outlen, &len, ": ");
		append(out, outlen, &len, r->reason);
		named += r->count;
	}
	if (pg->failed > named) {
		char count[48];
		snprintf(count, sizeof count, "%s%zu more", named ? "; and " : ", failed on ", pg->failed - named);
		append(out, outlen, &len, count);
	}
	if (pg->expired) {
		/* Never played there, its time having passed: not a failure of the link. */
		append(out, outlen, &len, ", expired on ");
		append_who(out, outlen, &len, pg->expired_name, pg->expired);
	}
	if (pg->muted) {
		append(out, outlen, &len, ", muted on ");
		append_who(out, outlen, &len, pg->muted_name, pg->muted);
	}
	if (pg->failed > 0)
		return CONSOLE_TONE_BAD;
	return pg->played == players && pg->delivered == pg->targets && pg->late == 0
	       ? CONSOLE_TONE_OK : CONSOLE_TONE_WARN;
}

/* ---- the snapshot ---- */

static void fill_header(struct console_view_header *h, const struct console_state *cs,
                        const struct console_view_input *in)
{
	snprintf(h->listen, sizeof h->listen, "%s", in->listen);
	h->input_ok = in->input_ok;
	if (in->input_ok) {
		snprintf(h->input, sizeof h->input, "%s", in->input_name);
		snprintf(h->input_format, sizeof h->input_format, "%s", in->input_format);
	} else {
		snprintf(h->input, sizeof h->input, "none (%s)", in->no_input);
	}
	char secs[16];
	textfmt_seconds(secs, sizeof secs, cs->duration_s);
	snprintf(h->duration, sizeof h->duration, "%s%s", cs->live ? "live " : "", secs);
	if (!cs->live && cs->page.preroll_ms > 0)
		snprintf(h->preroll, sizeof h->preroll, "+%.1f s pre-roll", cs->page.preroll_ms / 1000.0);
	h->speakers = cs->speaker_count;
	h->link_secure = !in->legacy_open && !in->rtp_open;
	if (in->legacy_open)
		snprintf(h->link, sizeof h->link, "LEGACY PORT OPEN: unencrypted");
	else if (in->rtp_open)
		snprintf(h->link, sizeof h->link, "RTP OUT: unauthenticated");
	else
		snprintf(h->link, sizeof h->link, "encrypted, key %s%s", in->key_short ? in->key_short : "",
		         in->keyed ? " + psk" : "");
	console_state_target_text(cs, h->target, sizeof h->target);
	h->target_missing = console_state_target_missing(cs);
	/* The next page's priority, beside where it goes: an emergency in the alert colour. */
	if (cs->page.priority != PRIORITY_NORMAL) {
		size_t len = strlen(h->target);
		snprintf(h->target + len, sizeof h->target - len, " [%s]",
		         cs->page.priority == PRIORITY_EMERGENCY ? "EMERGENCY" : "HIGH");
		h->emergency = cs->page.priority == PRIORITY_EMERGENCY;
	}
}

/*
 * The recording's countdown, the answer to the operator, and the latest
 * page's summary (or what Space would do).
 */
void console_view_status(struct console_view_status *s, const struct console_state *cs,
                         const struct console_view_input *in)
{
	memset(s, 0, sizeof *s);
	char target[CONSOLE_VIEW_TARGET_MAX];
	console_state_target_text(cs, target, sizeof target);
	if (cs->notice[0]) {
		snprintf(s->notice, sizeof s->notice, "%s", cs->notice);
		s->notice_tone = cs->notice_error ? CONSOLE_TONE_BAD : CONSOLE_TONE_ACCENT;
	} else if (in->asking) {
		/* Until the operator answers: who asks, and the two keys that answer. */
		char more[48] = "";
		if (in->asking_count > 1)
			snprintf(more, sizeof more, " (%zu more ask)", in->asking_count - 1);
		snprintf(s->notice, sizeof s->notice, "%s (%s) asks to join: a approves, x refuses%s",
		         in->asking->name, in->asking->key_short, more);
		s->notice_tone = CONSOLE_TONE_WARN;
	}
	if (in->recording) {
		uint64_t rate = cs->fmt.rate > 0 ? (uint64_t)cs->fmt.rate : 1;
		uint64_t elapsed = (uint64_t)in->rec_have * 1000u / rate;
		uint64_t total = (uint64_t)in->rec_want * 1000u / rate;
		uint64_t left = total > elapsed ? total - elapsed : 0;
		s->recording = true;
		s->held = cs->space_held;
		snprintf(s->rec_target, sizeof s->rec_target, "%sto %s%s",
		         in->rec_priority == PRIORITY_EMERGENCY ? "EMERGENCY " : in->rec_priority == PRIORITY_HIGH ? "HIGH " : "",
		         target,
		         console_state_target_missing(cs) ? " (not connected)" : "");
		textfmt_clock(s->rec_elapsed, sizeof s->rec_elapsed, elapsed);
		textfmt_clock(s->rec_total, sizeof s->rec_total, total);
		/* Rounded up: "0.0 s left" only when nothing is left. */
		uint64_t tenths = (left + 99) / 100;
		snprintf(s->rec_left, sizeof s->rec_left, "%llu.%llu s left",
		         (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
		s->rec_left_permille = in->rec_want > in->rec_have
		                       ? (int)((uint64_t)(in->rec_want - in->rec_have) * 1000u / in->rec_want) : 0;
		return; /* the banner stands for the summary */
	}
	if (in->page && in->page->id) {
		/* Which page this was, first: an emergency's outcome is not read past. */
		int pre = in->page->priority == PRIORITY_NORMAL ? 0
		          : snprintf(s->text, sizeof s->text, "%s ",
		                     in->page->priority == PRIORITY_EMERGENCY ? "EMERGENCY" : "HIGH");
		s->tone = console_view_summary(s->text + pre, sizeof s->text - (size_t)pre, in->page);
		if (in->page->priority == PRIORITY_EMERGENCY && s->tone != CONSOLE_TONE_BAD)
			s->tone = CONSOLE_TONE_WARN;
		size_t len = strlen(s->text);
		if (in->waiting_all && len < sizeof s->text) {
			/* Offline speakers the page is for: it plays when they are back. */
			if (in->waiting == in->waiting_all)
				snprintf(s->text + len, sizeof s->text - len, ", waiting for %zu", in->waiting);
			else
				snprintf(s->text + len, sizeof s->text - len, ", waiting for %zu (%zu for earlier pages)",
				         in->waiting, in->waiting_all);
			if (s->tone == CONSOLE_TONE_OK)
				s->tone = CONSOLE_TONE_WARN;
		}
		return;
	}
	char secs[16];
	textfmt_seconds(secs, sizeof secs, cs->duration_s);
	if (in->input_ok && cs->live)
		snprintf(s->text, sizeof s->text, "ready, LIVE: %s talks to %s as you speak (up to %s)",
		         cs->hold_to_talk ? "holding Space" : "Space", target,
		         secs);
	else if (in->input_ok && cs->hold_to_talk)
		snprintf(s->text, sizeof s->text, "ready: hold Space to talk to %s (up to %s)",
		         target, secs);
	else if (in->input_ok)
		snprintf(s->text, sizeof s->text, "ready: Space records %s and sends it to %s", secs,
		         target);
	else
		snprintf(s->text, sizeof s->text, "no input device: send a file with \":send PATH\"");
	s->tone = CONSOLE_TONE_DIM;
}

/* Only the rows on screen are formatted, however many speakers there are. */
static void fill_table(struct console_view_table *t, const struct console_state *cs, uint64_t now)
{
	size_t n = cs->speaker_count;
	size_t rows = cs->table_rows < CONSOLE_VIEW_ROWS ? cs->table_rows : CONSOLE_VIEW_ROWS;
	t->selected = -1;
	t->total = n;
	t->first = cs->table_top;
	for (size_t i = cs->table_top; i < n && i < cs->table_top + rows; i++) {
		const struct station_speaker *sp = cs->speakers[i];
		size_t row = i - cs->table_top;
		console_view_row(&t->rows[row], sp, console_state_last_result(cs, i), now);
		if (sp->id == cs->selected_id)
			t->selected = (int)row;
		t->row_count = row + 1;
	}
}

void console_view_build(struct console_view *v, const struct console_state *cs,
                        const struct console_view_input *in, uint64_t now_ms)
{
	memset(v, 0, offsetof(struct console_view, table.rows)); /* rows are zeroed as they are filled */
	memset(&v->footer, 0, sizeof v->footer);
	fill_header(&v->header, cs, in);
	console_view_status(&v->status, cs, in);
	v->meter_on = in->meter != NULL;
	if (in->meter)
		v->meter = *in->meter;
	v->now_ms = now_ms;
	fill_table(&v->table, cs, now_ms);
	v->footer.prompt = cs->prompt;
	if (cs->prompt == CONSOLE_PROMPT_DURATION || cs->prompt == CONSOLE_PROMPT_COMMAND)
		snprintf(v->footer.text, sizeof v->footer.text, "%s", cs->prompt_text);
	v->footer.recording = in->recording;
	v->footer.can_test = console_state_selected(cs) != NULL;
	v->footer.hold = cs->hold_to_talk;
	v->footer.held = cs->space_held && in->recording;
	v->help = cs->help;
	v->help_top = cs->help_top;
	v->log_view = cs->log_view;
	v->log_back = cs->log_back;
	memset(&v->history, 0, sizeof v->history);
	if (cs->history_view)
		console_view_history(&v->history, cs->history_sel, in->history, now_ms);
}

/* The tone of one speaker's outcome in the history. */
static enum console_tone history_tone(const struct history_speaker *s)
{
	if (page_history_played(s))
		return s->late_s ? CONSOLE_TONE_WARN : CONSOLE_TONE_OK;
	if (s->outcome == HISTORY_WAITING || s->outcome == HISTORY_SENT)
		return CONSOLE_TONE_WARN;
	if (s->outcome == PAGE_MUTED)
		return CONSOLE_TONE_DIM;
	return proto_page_state_final(s->outcome) || s->outcome == HISTORY_WAIT_EXPIRED ? CONSOLE_TONE_BAD
	                                                                                : CONSOLE_TONE_NORMAL;
}

void console_view_history(struct console_view_history *hv, size_t picked, const struct page_history *h,
                          uint64_t now_ms)
{
	memset(hv, 0, sizeof *hv);
	hv->open = true;
	size_t n = h ? h->count : 0;
	for (size_t i = 0; i < n && hv->count < CONSOLE_VIEW_HISTORY_LINES; i++) {
		const struct history_page *p = page_history_at(h, i);
		char age[32], when[48];
		textfmt_age(age, sizeof age, now_ms > p->made_ms ? now_ms - p->made_ms : 0);
		snprintf(when, sizeof when, "%s ago", age);
		page_history_line(p, when, hv->lines[hv->count], sizeof hv->lines[0]);
		size_t missed = page_history_missed(p, NULL, 0);
		hv->tones[hv->count] = missed ? CONSOLE_TONE_BAD : CONSOLE_TONE_NORMAL;
		if (i != picked) {
			hv->count++;
			continue;
		}
		hv->picked = hv->count++;
		for (size_t k = 0; k < p->n && hv->count < CONSOLE_VIEW_HISTORY_LINES; k++) {
			char outcome[160];
			page_history_outcome_text(&p->sp[k], outcome, sizeof outcome);
			snprintf(hv->lines[hv->count], sizeof hv->lines[0], "    %s: %s", p->sp[k].name, outcome);
			hv->tones[hv->count++] = history_tone(&p->sp[k]);
		}
		if (p->more && hv->count < CONSOLE_VIEW_HISTORY_LINES)
			snprintf(hv->lines[hv->count++], sizeof hv->lines[0], "    and %zu more speakers", p->more);
	}
}

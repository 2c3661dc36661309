/*
 * The console_state's targets (console_state.h, "where pages go"): the
 * target's checks and words, t and z on the table, and the commands that
 * name targets: target, and talk, send and resend with their options
 * (page_opts.h). Pure, as the rest of console_state.
 */
#include "intercom/console/console_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/log.h"

/* The state machine words each change through its say callback. */
#define say(cs, ...) log_say((cs)->say, (cs)->say_ctx, __VA_ARGS__)

/* ---- where pages go ---- */

size_t console_state_target_count(const struct console_state *cs, const struct page_target *t)
{
	if (!t)
		t = &cs->target;
	size_t n = 0;
	for (size_t i = 0; i < cs->speaker_count; i++)
		n += page_target_matches(t, cs->speakers[i]->name, cs->speakers[i]->zone);
	return n;
}

size_t console_state_target_offline(const struct console_state *cs, const struct page_target *t)
{
	return cs->known ? known_speakers_offline(cs->known, t ? t : &cs->target, NULL, 0) : 0;
}

bool console_state_target_check(struct console_state *cs, const struct page_target *t)
{
	if (!t)
		t = &cs->target;
	if (page_target_is_all(t) || console_state_target_count(cs, t) > 0 || console_state_target_offline(cs, t) > 0)
		return true;
	char text[512];
	page_target_describe(t, text, sizeof text);
	console_state_answer(cs, true, "not sent: no speaker is in %s, connected or known "
	                     "(list shows names and zones; target all pages everyone)", text);
	return false;
}

void console_state_target_text(const struct console_state *cs, char *out, size_t outlen)
{
	page_target_describe(&cs->target, out, outlen);
}

/* Says where the next page goes now. */
static void target_said(struct console_state *cs)
{
	char text[512];
	page_target_describe(&cs->target, text, sizeof text);
	if (page_target_is_all(&cs->target))
		say(cs, "next page goes to all speakers");
	else if (cs->target.zone_count + cs->target.speaker_count == 1)
		say(cs, "next page goes to %s only", text);
	else
		say(cs, "next page goes to %s", text);
}

void console_state_set_target(struct console_state *cs, const struct page_target *t)
{
	cs->target = *t;
	target_said(cs);
}

/* Removes name from one of t's sets; true if it was there. */
static bool target_remove(char (*set)[NAME_MAX_BYTES + 1], size_t *count, const char *name)
{
	for (size_t i = 0; i < *count; i++) {
		if (strcmp(set[i], name) == 0) {
			memmove(set[i], set[i + 1], (*count - i - 1) * sizeof set[i]);
			(*count)--;
			return true;
		}
	}
	return false;
}

/* The selected speaker's name (zone false) or zone in or out of the target. */
static void target_toggle(struct console_state *cs, bool zone)
{
	const struct station_speaker *sp = console_state_selected(cs);
	const char *name = sp ? (zone ? sp->zone : sp->name) : NULL;
	if (!sp) {
		console_state_answer(cs, true, zone ? "select a speaker first (Up/Down) to page its zone"
		                                    : "select a speaker first (Up/Down) to page it alone");
		return;
	}
	if (zone && !*name) {
		console_state_answer(cs, true, "%s has no zone: t pages it alone (a speaker's --zone names one)",
		                     sp->name);
		return;
	}
	struct page_target *t = &cs->target;
	char (*set)[NAME_MAX_BYTES + 1] = zone ? t->zones : t->speakers;
	size_t *count = zone ? &t->zone_count : &t->speaker_count;
	if (page_target_is_all(t)) {
		memset(t, 0, sizeof *t);
	} else if (target_remove(set, count, name)) {
		if (t->zone_count + t->speaker_count == 0)
			page_target_all(t);
		target_said(cs);
		return;
	}
	char err[160];
	if (page_target_add(t, zone, name, err, sizeof err) < 0) {
		if (t->zone_count + t->speaker_count == 0)
			page_target_all(t);
		console_state_answer(cs, true, "%s", err);
		return;
	}
	target_said(cs);
}

void console_state_target_toggle(struct console_state *cs)
{
	target_toggle(cs, false);
}

void console_state_target_toggle_zone(struct console_state *cs)
{
	target_toggle(cs, true);
}

bool console_state_target_missing(const struct console_state *cs)
{
	return !page_target_is_all(&cs->target) && console_state_target_count(cs, NULL) == 0;
}

/* Speaker ids in t become names (connected speakers'); false (said) if one is nobody's. */
static bool target_resolve(struct console_state *cs, struct page_target *t)
{
	if (page_target_is_all(t) || t->speaker_count == 0)
		return true;
	size_t n = cs->speaker_count + (cs->known ? cs->known->n : 0);
	struct page_target_speaker *sp = calloc(n ? n : 1, sizeof *sp);
	if (!sp) {
		console_state_answer(cs, true, "the console ran out of memory reading the target; try again");
		return false;
	}
	size_t k = 0;
	for (size_t i = 0; i < cs->speaker_count; i++)
		sp[k++] = (struct page_target_speaker){ cs->speakers[i]->id, cs->speakers[i]->name,
		                                        cs->speakers[i]->zone };
	for (size_t i = 0; cs->known && i < cs->known->n; i++)
		sp[k++] = (struct page_target_speaker){ 0, cs->known->v[i].name, cs->known->v[i].zone };
	char err[CONSOLE_NOTICE_MAX];
	int rc = page_target_resolve(t, sp, k, err, sizeof err);
	free(sp);
	if (rc < 0)
		console_state_answer(cs, true, "%s", err);
	return rc == 0;
}

/* talk, send, resend and their options into cs->request; NONE (said) on a mistake. */
static enum console_action page_command(struct console_state *cs, enum page_opts_command cmd, char *args,
                                        enum console_action action, const char **arg)
{
	char err[CONSOLE_NOTICE_MAX];
	if (page_opts_parse(cmd, args, &cs->request, err, sizeof err) < 0) {
		console_state_answer(cs, true, "%s", err);
		memset(&cs->request, 0, sizeof cs->request);
		return CONSOLE_ACTION_NONE;
	}
	if (cs->request.has_target && !target_resolve(cs, &cs->request.target)) {
		memset(&cs->request, 0, sizeof cs->request);
		return CONSOLE_ACTION_NONE;
	}
	*arg = cs->request.file;
	return action;
}

/* target alone says it; target all | zone NAME[,...] | speaker NAME|ID[,...] sets it. */
static void target_command(struct console_state *cs, const char *args)
{
	if (!*args) {
		char text[512];
		page_target_describe(&cs->target, text, sizeof text);
		char offline[64] = "";
		size_t n = console_state_target_offline(cs, NULL);
		if (n)
			snprintf(offline, sizeof offline, ", %zu offline: it waits for them", n);
		console_state_answer(cs, false, "next page goes to %s (%zu connected%s)", text,
		                     console_state_target_count(cs, NULL), offline);
		return;
	}
	struct page_target t;
	char err[CONSOLE_NOTICE_MAX];
	if (page_opts_parse_target(args, &t, err, sizeof err) < 0) {
		console_state_answer(cs, true, "%s", err);
		return;
	}
	if (!target_resolve(cs, &t))
		return;
	if (!page_target_is_all(&t) && console_state_target_count(cs, &t) == 0 &&
	    console_state_target_offline(cs, &t) == 0) {
		char text[512];
		page_target_describe(&t, text, sizeof text);
		console_state_answer(cs, true, "target not changed: no speaker is in %s, connected or known "
		                     "(list shows names and zones)", text);
		return;
	}
	console_state_set_target(cs, &t);
}

/* The word at the start of line, alone or followed by a space: what follows it (trimmed), or NULL. */
static char *command_word(char *line, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(line, word, n) != 0 || (line[n] != ' ' && line[n] != '\t' && line[n] != '\0'))
		return NULL;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

bool console_state_page_command(struct console_state *cs, char *line, const char **arg,
                                enum console_action *action)
{
	char *rest;
	if ((rest = command_word(line, "talk")) && *rest)
		*action = page_command(cs, PAGE_OPTS_TALK, rest, CONSOLE_ACTION_TALK, arg);
	else if ((rest = command_word(line, "send")))
		*action = page_command(cs, PAGE_OPTS_SEND, rest, CONSOLE_ACTION_SEND, arg);
	else if ((rest = command_word(line, "resend")) && *rest)
		*action = page_command(cs, PAGE_OPTS_RESEND, rest, CONSOLE_ACTION_RESEND, arg);
	else if ((rest = command_word(line, "target"))) {
		target_command(cs, rest);
		*action = CONSOLE_ACTION_NONE;
	} else {
		return false;
	}
	return true;
}

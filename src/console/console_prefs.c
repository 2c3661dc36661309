/* The console's page preferences: chime, commands, the state kept across restarts (console_prefs.h). */
#include "intercom/console/console_prefs.h"

#include <stdio.h>
#include <string.h>

#include "intercom/common/log.h"

/* The chime from path ("": the shipped one) at the page's format: 0, or -1 (said). */
static int chime_reload(struct console_prefs *p, struct console_state *cs, const char *path)
{
	char err[PATH_MAX + 256];
	if (chime_load(&p->chime, path, p->fmt.rate, p->fmt.channels, err, sizeof err) < 0) {
		console_state_answer(cs, true, "%s", err);
		return -1;
	}
	return 0;
}

bool console_prefs_command(struct console_prefs *p, struct console_state *cs, char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	size_t n = strlen(line);
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		line[--n] = '\0';
	const char *file = NULL;
	char msg[PATH_MAX + 128];
	switch (page_settings_command(&cs->page, line, &file, msg, sizeof msg)) {
	case PAGE_SETTINGS_OTHER: return false;
	case PAGE_SETTINGS_CHANGED:
		/* On, from a start without one: the chime is loaded now (off again if it cannot be). */
		if (cs->page.chime && !p->chime.samples && chime_reload(p, cs, cs->page.chime_file) < 0) {
			cs->page.chime = false;
			return true;
		}
		/* fall through */
	case PAGE_SETTINGS_SHOWN: console_state_answer(cs, false, "%s", msg); return true;
	case PAGE_SETTINGS_ERROR: console_state_answer(cs, true, "%s", msg); return true;
	case PAGE_SETTINGS_CHIME_FILE:
		if (chime_reload(p, cs, file) == 0) {
			page_settings_chime_file(&cs->page, file);
			console_state_answer(cs, false, "chime before pages: %s (%.2f s)", file,
			                     format_seconds(p->chime.frames, p->fmt.rate));
		}
		return true;
	}
	return false;
}

/* What is kept now: the page number and the settings. */
static void saved_now(const struct console_prefs *p, const struct console_state *cs, const struct outbox *ob,
                      struct console_saved *s)
{
	*s = p->saved;
	page_target_kept(&cs->target, s->target, sizeof s->target); /* "" (not kept) if it cannot be */
	s->last_page = outbox_next_id(ob) - 1;
	s->duration_s = cs->duration_s;
	s->live = cs->live;
	s->page = cs->page;
}

void console_prefs_update(struct console_prefs *p, const struct console_state *cs, const struct outbox *ob)
{
	if (!p->saved_path[0] || !ob)
		return;
	struct console_saved now;
	saved_now(p, cs, ob, &now);
	if (memcmp(&now, &p->saved, sizeof now) == 0)
		return;
	struct kvstore kv;
	kvstore_init(&kv);
	console_saved_to_kv(&now, &kv);
	char err[PATH_MAX + 256];
	if (console_saved_save(p->saved_path, &kv, err, sizeof err) < 0) {
		if (!p->saved_failed)
			log_event("warning: page numbers and settings not kept: %s", err);
		p->saved_failed = true;
	} else {
		p->saved_failed = false;
	}
	p->saved = now;
}

int console_prefs_setup(struct console_prefs *p, struct console_state *cs, struct outbox *ob,
                        const struct options *opts, const struct audio_format *fmt, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	p->fmt = *fmt;
	struct console_saved *s = &p->saved;
	s->duration_s = cs->duration_s;
	page_settings_init(&s->page);
	console_saved_path(p->saved_path, sizeof p->saved_path);
	char why[PATH_MAX + 256];
	struct kvstore kv;
	kvstore_init(&kv);
	if (p->saved_path[0] && console_saved_load(p->saved_path, &kv, why, sizeof why) < 0)
		log_event("warning: %s: page numbers start at 1, settings are the defaults", why);
	size_t bad = console_saved_from_kv(s, &kv);
	if (bad)
		log_event("warning: %s: %zu settings not understood, left as the defaults", p->saved_path, bad);
	outbox_set_last_id(ob, s->last_page);
	if (s->target[0] && page_target_from_kept(&cs->target, s->target, why, sizeof why) < 0)
		log_event("warning: %s: the target kept (%s) is not understood: %s; pages go to all speakers",
		          p->saved_path, s->target, why);
	/* What the command line (or a config file) gave wins over what was kept. */
	if (!opts->duration_given && kvstore_get(&kv, "duration"))
		console_state_set_duration(cs, s->duration_s, false);
	if (s->live && opts->codec != OPTIONS_CODEC_WAV)
		cs->live = true;
	cs->page.priority = s->page.priority;
	cs->page.preroll_ms = opts->preroll_given ? opts->preroll_ms : s->page.preroll_ms;
	if (opts->chime_given) {
		cs->page.chime = !opts->chime_off;
		snprintf(cs->page.chime_file, sizeof cs->page.chime_file, "%s", opts->chime_file);
	} else {
		cs->page.chime = s->page.chime;
		snprintf(cs->page.chime_file, sizeof cs->page.chime_file, "%s", s->page.chime_file);
	}
	if ((cs->page.chime || cs->page.chime_file[0]) &&
	    chime_load(&p->chime, cs->page.chime_file, fmt->rate, fmt->channels, why, sizeof why) < 0) {
		if (opts->chime_given) {
			snprintf(err, errlen, "--chime: %s", why);
			return -1;
		}
		log_event("warning: no chime before pages: %s", why);
		cs->page.chime = false;
	}
	/* What was read is what is on disk: written again only once something changes. */
	saved_now(p, cs, ob, s);
	return 0;
}

void console_prefs_free(struct console_prefs *p)
{
	chime_free(&p->chime);
}

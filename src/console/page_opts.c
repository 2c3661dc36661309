/* The per-page options of talk, send and resend, and the target command's words. */
#include "intercom/console/page_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/options.h"

#define OPTS_HELP "--all, --zone NAME, --speaker NAME|ID, --priority normal|high|emergency, --chime, --no-chime"

/* The next word of *p (NUL-terminated in place), or NULL at the end; *p moves past it. */
static char *next_word(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	char *w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

/* The value of an option: after '=' in the word, else the next word. NULL (said) if missing. */
static const char *option_value(char *word, char **p, const char *name, const char *example, char *err,
                                size_t errlen)
{
	char *eq = strchr(word, '=');
	if (eq)
		return eq + 1;
	char *v = next_word(p);
	if (!v)
		snprintf(err, errlen, "%s needs a value: %s %s", name, name, example);
	return v;
}

/* True if word is option name, alone or as name=VALUE. */
static bool is_option(const char *word, const char *name)
{
	size_t n = strlen(name);
	return strncmp(word, name, n) == 0 && (word[n] == '\0' || word[n] == '=');
}

/*
 * One option word (with its value from *p if it takes one) into req. 1 if
 * it was one, 0 if word is not a page option, -1 (said) for a bad value.
 */
static int page_option(char *word, char **p, struct page_request *req, char *err, size_t errlen)
{
	if (strcmp(word, "--all") == 0) {
		page_target_all(&req->target);
		req->has_target = true;
		return 1;
	}
	bool zone = is_option(word, "--zone");
	if (zone || is_option(word, "--speaker")) {
		const char *v = option_value(word, p, zone ? "--zone" : "--speaker", zone ? "hall" : "hall-1", err,
		                             errlen);
		if (!v)
			return -1;
		if (req->has_target && page_target_is_all(&req->target)) {
			snprintf(err, errlen, "--all and --%s together: give one or the other", zone ? "zone" : "speaker");
			return -1;
		}
		req->has_target = true;
		return page_target_add(&req->target, zone, v, err, errlen) < 0 ? -1 : 1;
	}
	if (is_option(word, "--priority")) {
		const char *v = option_value(word, p, "--priority", "high", err, errlen);
		if (!v)
			return -1;
		if (priority_parse(v, &req->priority) < 0) {
			snprintf(err, errlen, "unknown priority '%.32s': use normal, high or emergency", v);
			return -1;
		}
		req->has_priority = true;
		return 1;
	}
	if (strcmp(word, "--chime") == 0 || strcmp(word, "--no-chime") == 0) {
		req->chime = word[2] == 'c';
		return 1;
	}
	return 0;
}

/* A page number: 1..UINT32_MAX in decimal; 0 if word is not one. */
static uint32_t page_number(const char *word)
{
	if (*word < '0' || *word > '9')
		return 0;
	char *end;
	errno = 0;
	unsigned long v = strtoul(word, &end, 10);
	return *end || errno || v > UINT32_MAX ? 0 : (uint32_t)v;
}

int page_opts_parse(enum page_opts_command cmd, char *args, struct page_request *req, char *err,
                    size_t errlen)
{
	memset(req, 0, sizeof *req);
	req->chime = -1;
	char *p = args ? args : (char *)"";
	const char *name = cmd == PAGE_OPTS_TALK ? "talk" : cmd == PAGE_OPTS_SEND ? "send" : "resend";
	for (;;) {
		char *word = next_word(&p);
		if (!word)
			break;
		int rc = page_option(word, &p, req, err, errlen);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (cmd == PAGE_OPTS_SEND) {
			if (strcmp(word, "--") == 0) {
				while (*p == ' ' || *p == '\t')
					p++;
				req->file = p;
			} else if (word[0] == '-' && word[1] == '-') {
				snprintf(err, errlen, "unknown option '%.40s' for send: use %s, then the file", word,
				         OPTS_HELP);
				return -1;
			} else {
				/* The file is the rest of the line: put back the space the word took. */
				if (p > word + strlen(word))
					word[strlen(word)] = ' ';
				req->file = word;
			}
			break;
		}
		if (cmd == PAGE_OPTS_RESEND && strcmp(word, "--missed") == 0) {
			req->missed = true;
			continue;
		}
		if (cmd == PAGE_OPTS_TALK && !req->has_seconds && word[0] != '-') {
			if (options_parse_duration(word, &req->seconds) < 0) {
				snprintf(err, errlen, "bad duration '%.32s': give seconds between %g and %g, e.g. talk 5",
				         word, DURATION_MIN_S, DURATION_MAX_S);
				return -1;
			}
			req->has_seconds = true;
			continue;
		}
		if (cmd == PAGE_OPTS_RESEND && !req->page && word[0] != '-') {
			req->page = page_number(word);
			if (!req->page) {
				snprintf(err, errlen, "bad page number '%.32s': give one history shows, e.g. resend 3", word);
				return -1;
			}
			continue;
		}
		snprintf(err, errlen, "unknown %s '%.40s' for %s: use %s%s", word[0] == '-' ? "option" : "word", word,
		         name, cmd == PAGE_OPTS_RESEND ? "--missed, PAGE, " : cmd == PAGE_OPTS_TALK ? "SECONDS, " : "",
		         OPTS_HELP);
		return -1;
	}
	if (cmd == PAGE_OPTS_SEND) {
		if (req->file) {
			size_t len = strlen(req->file);
			while (len > 0 && (req->file[len - 1] == ' ' || req->file[len - 1] == '\t'))
				((char *)req->file)[--len] = '\0';
		}
		if (!req->file || !*req->file) {
			snprintf(err, errlen, "send needs a file: send [OPTS] PATH, e.g. send --zone hall "
			         "/srv/announcements/closing.flac");
			return -1;
		}
	}
	return 0;
}

int page_opts_parse_target(const char *args, struct page_target *t, char *err, size_t errlen)
{
	char buf[1024];
	if (strlen(args) >= sizeof buf) {
		snprintf(err, errlen, "target too long: name at most %d zones and %d speakers", PAGE_TARGET_MAX,
		         PAGE_TARGET_MAX);
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", args);
	char *p = buf;
	char *word = next_word(&p);
	while (*p == ' ' || *p == '\t')
		p++;
	struct page_target next;
	page_target_all(&next);
	if (word && strcmp(word, "all") == 0 && !*p) {
		*t = next;
		return 0;
	}
	bool zone = word && strcmp(word, "zone") == 0;
	if (!word || (!zone && strcmp(word, "speaker") != 0) || !*p) {
		snprintf(err, errlen, "bad target '%.64s': use target all, target zone NAME[,NAME...] or "
		         "target speaker NAME|ID[,...]", args);
		return -1;
	}
	/* Names may hold spaces: the rest of the line is the list. */
	size_t len = strlen(p);
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		p[--len] = '\0';
	if (page_target_add(&next, zone, p, err, errlen) < 0)
		return -1;
	*t = next;
	return 0;
}

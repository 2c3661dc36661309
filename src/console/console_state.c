/* The console's state: target, duration, speakers in table order, selection, prompt, remembered outcomes. */
#include "intercom/console/console_state.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/log.h"
#include "intercom/common/options.h"
#include "intercom/common/utf8.h"
#include "intercom/console/console_layout.h"
#include "intercom/net/proto.h"
#include "intercom/tui/textfmt.h"

/* The duration keys step by this much (the settings' resolution in the header). */
#define DURATION_STEP_S 0.5
#define KEY_ESC 27
#define KEY_CTRL_L 12
#define KEY_DEL 127

/* The state machine words each change through its say callback. */
#define say(cs, ...) log_say((cs)->say, (cs)->say_ctx, __VA_ARGS__)

void console_state_init(struct console_state *cs, const struct audio_format *fmt, double duration_s,
                        console_say_fn say_fn, void *say_ctx)
{
	memset(cs, 0, sizeof *cs);
	cs->say = say_fn;
	cs->say_ctx = say_ctx;
	cs->fmt = *fmt;
	cs->duration_s = duration_s; /* as the options checked it */
	page_target_all(&cs->target);
	page_settings_init(&cs->page);
}

void console_state_free(struct console_state *cs)
{
	free(cs->speakers);
	free(cs->joined_ids);
	free(cs->order);
	free(cs->results);
	free(cs->results_next);
	cs->speakers = NULL;
	cs->joined_ids = NULL;
	cs->order = NULL;
	cs->results = cs->results_next = NULL;
	cs->speaker_count = cs->result_count = cs->cap = 0;
}

/* ---- answers ---- */

void console_state_note(struct console_state *cs, bool error, const char *text)
{
	snprintf(cs->notice, sizeof cs->notice, "%s", text);
	cs->notice_error = error;
}

void console_state_answer(struct console_state *cs, bool error, const char *fmt, ...)
{
	char text[CONSOLE_NOTICE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	console_state_note(cs, error, text);
	if (error && cs->say_refusal)
		cs->say_refusal(text, cs->say_ctx);
	else
		say(cs, "%s", text);
}

void console_state_log_added(struct console_state *cs)
{
	if (cs->log_view && cs->log_back > 0)
		cs->log_back++;
}

/* ---- the speakers ---- */

int console_state_speaker_cmp(const struct station_speaker *a, const struct station_speaker *b)
{
	int c = textfmt_natural_cmp(a->name, b->name);
	if (c == 0)
		c = strcmp(a->name, b->name);
	if (c == 0)
		c = textfmt_natural_cmp(a->zone, b->zone);
	if (c == 0)
		c = a->id < b->id ? -1 : a->id > b->id;
	return c;
}

/* qsort's view of the table order, on entries that remember where each speaker was listed. */
static int order_cmp(const void *pa, const void *pb)
{
	const struct console_state_order *a = pa, *b = pb;
	return console_state_speaker_cmp(a->sp, b->sp);
}

/* Room for need speakers in every per-speaker array; false if memory ran out. */
static bool speakers_grow(struct console_state *cs, size_t need)
{
	size_t cap = need * 2;
	const struct station_speaker **speakers = realloc(cs->speakers, cap * sizeof *speakers);
	if (speakers)
		cs->speakers = speakers;
	uint32_t *ids = speakers ? realloc(cs->joined_ids, cap * sizeof *ids) : NULL;
	if (ids)
		cs->joined_ids = ids;
	struct console_state_order *order = ids ? realloc(cs->order, cap * sizeof *order) : NULL;
	if (order)
		cs->order = order;
	struct console_result_slot *a = order ? realloc(cs->results, cap * sizeof *a) : NULL;
	if (a)
		cs->results = a;
	struct console_result_slot *b = a ? realloc(cs->results_next, cap * sizeof *b) : NULL;
	if (b)
		cs->results_next = b;
	if (!b)
		return false;
	cs->cap = cap;
	return true;
}

void console_state_set_speakers(struct console_state *cs,
                                const struct station_speaker *const *joined, size_t n)
{
	if (n > cs->cap && !speakers_grow(cs, n))
		n = cs->cap; /* show the first ones; the next call tries again */
	bool same = n == cs->speaker_count;
	for (size_t i = 0; same && i < n; i++)
		same = joined[i]->id == cs->joined_ids[i];
	if (!same) {
		for (size_t i = 0; i < n; i++) {
			cs->joined_ids[i] = joined[i]->id;
			cs->order[i] = (struct console_state_order){ .sp = joined[i], .index = i };
		}
		cs->speaker_count = n;
		cs->speakers_gen++;
		if (n > 1)
			qsort(cs->order, n, sizeof *cs->order, order_cmp);
	}
	/* The same speakers as before keep their order; the pointers are taken afresh. */
	for (size_t i = 0; i < n; i++)
		cs->speakers[i] = cs->order[i].sp = joined[cs->order[i].index];
}

const struct station_speaker *console_state_find(const struct console_state *cs, uint32_t id,
                                                 size_t *index)
{
	for (size_t i = 0; id && i < cs->speaker_count; i++) {
		if (cs->speakers[i]->id == id) {
			if (index)
				*index = i;
			return cs->speakers[i];
		}
	}
	return NULL;
}

const struct station_speaker *console_state_selected(const struct console_state *cs)
{
	return console_state_find(cs, cs->selected_id, NULL);
}

/* ---- the duration ---- */

void console_state_set_live(struct console_state *cs, bool live)
{
	cs->live = live;
	say(cs, "%s", live ? "mode: live: speakers play the talk as it is spoken (L or page: back to pages)"
	                   : "mode: pages: a talk is recorded, then played (L or live: talk live)");
}

void console_state_set_duration(struct console_state *cs, double seconds, bool say_it)
{
	/* Longer than a page can hold at this format would be recorded, then not sent. */
	double max_s = options_max_duration(cs->fmt.rate, cs->fmt.channels);
	if (seconds < DURATION_MIN_S)
		seconds = DURATION_MIN_S;
	if (seconds > max_s) {
		seconds = floor(max_s * 100.0) / 100.0;
		if (say_it)
			console_state_answer(cs, true, "a page at %d Hz x %d channels holds at most %.2f s",
			                     cs->fmt.rate, cs->fmt.channels, seconds);
	}
	cs->duration_s = seconds;
	if (say_it)
		say(cs, "duration set to %.2f s", seconds);
}

void console_state_step_duration(struct console_state *cs, int direction)
{
	double steps = cs->duration_s / DURATION_STEP_S;
	double next = direction > 0 ? floor(steps + 1e-9) + 1 : ceil(steps - 1e-9) - 1;
	console_state_set_duration(cs, next * DURATION_STEP_S, false);
}

/* ---- the screen: keys ---- */

void console_state_select_move(struct console_state *cs, long delta)
{
	size_t n = cs->speaker_count;
	if (n == 0)
		return;
	size_t index = 0;
	if (console_state_find(cs, cs->selected_id, &index)) {
		long next = (long)index + delta;
		index = next < 0 ? 0 : (size_t)next >= n ? n - 1 : (size_t)next;
	}
	cs->selected_id = cs->speakers[index]->id;
	cs->selected_index = index;
}

static void prompt_open(struct console_state *cs, enum console_prompt prompt, const char *text)
{
	cs->prompt = prompt;
	snprintf(cs->prompt_text, sizeof cs->prompt_text, "%s", text);
	cs->prompt_len = strlen(cs->prompt_text);
}

static bool key_is_enter(int key)
{
	return key == '\n' || key == '\r' || key == CONSOLE_KEY_ENTER;
}

static bool key_is_backspace(int key)
{
	return key == CONSOLE_KEY_BACKSPACE || key == KEY_DEL || key == 8;
}

/*
 * Enter (or Space) on a duration being typed: set it, or say why not, with
 * `then` after the reason. False if it was not set.
 */
static bool prompt_duration_done(struct console_state *cs, const char *then)
{
	double seconds;
	if (options_parse_duration(cs->prompt_text, &seconds) < 0) {
		console_state_answer(cs, true, "bad duration '%s': give seconds between %g and %g, e.g. 2.5%s",
		                     cs->prompt_text, DURATION_MIN_S, DURATION_MAX_S, then);
		return false;
	}
	console_state_set_duration(cs, seconds, true);
	return true;
}

/*
 * A key that ends a duration being typed without Enter. Space sets it first
 * ("5 Space" records 5 s) and then does what Space does; if it is not a
 * duration, nothing is recorded (a recording running is still sent). Any
 * other key drops it, saying so, then does what it does. False if the key
 * is to do nothing more.
 */
static bool prompt_duration_left(struct console_state *cs, int key, const struct console_key_input *in)
{
	cs->prompt = CONSOLE_PROMPT_NONE;
	if (key == ' ')
		return prompt_duration_done(cs, in->recording ? "" : "; nothing recorded") || in->recording;
	console_state_answer(cs, false, "duration '%s' not set: Enter sets a typed duration", cs->prompt_text);
	return true;
}

/*
 * A key while a prompt is open in the footer. Returns false if the key is not
 * the prompt's: a duration being typed gives way to any other key (Space
 * while recording must still send), which is then handled as usual.
 */
static bool prompt_key(struct console_state *cs, int key, const struct console_key_input *in,
                       enum console_action *action)
{
	*action = CONSOLE_ACTION_NONE;
	if (cs->prompt == CONSOLE_PROMPT_QUIT) {
		if (key == 'y' || key == 'Y')
			*action = CONSOLE_ACTION_QUIT;
		cs->prompt = CONSOLE_PROMPT_NONE;
		return true;
	}
	if (key == KEY_ESC) {
		cs->prompt = CONSOLE_PROMPT_NONE;
		return true;
	}
	if (key_is_enter(key)) {
		enum console_prompt prompt = cs->prompt;
		cs->prompt = CONSOLE_PROMPT_NONE;
		if (prompt == CONSOLE_PROMPT_COMMAND)
			*action = CONSOLE_ACTION_COMMAND;
		else
			prompt_duration_done(cs, "");
		return true;
	}
	if (key_is_backspace(key)) {
		cs->prompt_len = utf8_prev(cs->prompt_text, cs->prompt_len);
		cs->prompt_text[cs->prompt_len] = '\0';
		if (cs->prompt_len == 0 && cs->prompt == CONSOLE_PROMPT_DURATION)
			cs->prompt = CONSOLE_PROMPT_NONE;
		return true;
	}
	bool ok = cs->prompt == CONSOLE_PROMPT_DURATION ? (key >= '0' && key <= '9') || key == '.'
	                                                : key >= ' ' && key <= 0xff && key != KEY_DEL;
	if (!ok && cs->prompt == CONSOLE_PROMPT_DURATION)
		return !prompt_duration_left(cs, key, in);
	if (ok && cs->prompt_len + 1 < sizeof cs->prompt_text) {
		cs->prompt_text[cs->prompt_len++] = (char)key;
		cs->prompt_text[cs->prompt_len] = '\0';
	}
	return true;
}

/* A key with no prompt open: the keys of the footer and the help, and ":" for every headless command. */
static enum console_action plain_key(struct console_state *cs, int key,
                                     const struct console_key_input *in)
{
	long page = in->page_rows < 1 ? 1 : in->page_rows;
	switch (key) {
	case ' ':
		return in->recording ? CONSOLE_ACTION_STOP : CONSOLE_ACTION_TALK;
	case KEY_ESC:
		return CONSOLE_ACTION_CANCEL;
	case '+': case '=': case CONSOLE_KEY_RIGHT:
		console_state_step_duration(cs, +1);
		break;
	case '-': case '_': case CONSOLE_KEY_LEFT:
		console_state_step_duration(cs, -1);
		break;
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9': case '.': {
		char text[2] = { (char)key, '\0' };
		prompt_open(cs, CONSOLE_PROMPT_DURATION, text);
		break;
	}
	case CONSOLE_KEY_UP: case 'k':
		console_state_select_move(cs, -1);
		break;
	case CONSOLE_KEY_DOWN: case 'j':
		console_state_select_move(cs, +1);
		break;
	case CONSOLE_KEY_PAGE_UP:
		console_state_select_move(cs, -page);
		break;
	case CONSOLE_KEY_PAGE_DOWN:
		console_state_select_move(cs, page);
		break;
	case CONSOLE_KEY_HOME:
		console_state_select_move(cs, -(long)cs->speaker_count);
		break;
	case CONSOLE_KEY_END:
		console_state_select_move(cs, (long)cs->speaker_count);
		break;
	case '\n': case '\r': case CONSOLE_KEY_ENTER: case 't':
		console_state_target_toggle(cs);
		break;
	case 'z':
		console_state_target_toggle_zone(cs);
		break;
	case 'T':
		return CONSOLE_ACTION_TEST_TONE;
	case 'L':
		console_state_set_live(cs, !cs->live);
		break;
	case 'a':
		return CONSOLE_ACTION_APPROVE;
	case 'x':
		return CONSOLE_ACTION_REFUSE;
	case 'r':
		return CONSOLE_ACTION_RESEND;
	case ':':
		prompt_open(cs, CONSOLE_PROMPT_COMMAND, "");
		break;
	case 's':
		prompt_open(cs, CONSOLE_PROMPT_COMMAND, "send ");
		break;
	case '?': case 'h': case CONSOLE_KEY_HELP:
		cs->help = true;
		cs->help_top = 0;
		break;
	case 'l':
		cs->log_view = true;
		cs->log_back = 0;
		break;
	case 'H':
		cs->history_view = true;
		cs->history_sel = 0;
		break;
	case 'q': case 'Q':
		if (!in->in_flight)
			return CONSOLE_ACTION_QUIT;
		cs->prompt = CONSOLE_PROMPT_QUIT;
		break;
	default:
		break;
	}
	return CONSOLE_ACTION_NONE;
}

/* Moves *pos by delta within 0..max. */
static void scroll_by(size_t *pos, long delta, size_t max)
{
	if (delta < 0)
		*pos = (size_t)-delta > *pos ? 0 : *pos - (size_t)-delta;
	else
		*pos = *pos + (size_t)delta > max ? max : *pos + (size_t)delta;
	if (*pos > max)
		*pos = max;
}

/*
 * A key while the help or the log view is open: the arrows, PgUp/PgDn,
 * Home/End scroll it; any other key closes it and does nothing else.
 */
static void overlay_key(struct console_state *cs, int key, const struct console_key_input *in)
{
	/* Up goes towards the top: the help's first line, the log's oldest event. */
	long page = in->scroll_page > 2 ? in->scroll_page - 1 : 1, up;
	switch (key) {
	case CONSOLE_KEY_UP: case 'k': up = 1; break;
	case CONSOLE_KEY_DOWN: case 'j': up = -1; break;
	case CONSOLE_KEY_PAGE_UP: up = page; break;
	case CONSOLE_KEY_PAGE_DOWN: up = -page; break;
	case CONSOLE_KEY_HOME: up = LONG_MAX / 2; break;
	case CONSOLE_KEY_END: up = -(LONG_MAX / 2); break;
	default:
		cs->help = cs->log_view = false;
		return;
	}
	if (cs->help)
		scroll_by(&cs->help_top, -up, in->scroll_max);
	else
		scroll_by(&cs->log_back, up, in->scroll_max);
}

/*
 * A key while the history view is open: Up/Down (PgUp PgDn Home End) pick a
 * page, r sends it again to the target, m to the speakers that did not play
 * it (the view stays open to show how it goes); any other key closes it.
 */
static enum console_action history_key(struct console_state *cs, int key, const struct console_key_input *in)
{
	size_t max = in->history_pages ? in->history_pages - 1 : 0;
	switch (key) {
	case CONSOLE_KEY_UP: case 'k': scroll_by(&cs->history_sel, -1, max); break;
	case CONSOLE_KEY_DOWN: case 'j': scroll_by(&cs->history_sel, 1, max); break;
	case CONSOLE_KEY_PAGE_UP: scroll_by(&cs->history_sel, -10, max); break;
	case CONSOLE_KEY_PAGE_DOWN: scroll_by(&cs->history_sel, 10, max); break;
	case CONSOLE_KEY_HOME: cs->history_sel = 0; break;
	case CONSOLE_KEY_END: cs->history_sel = max; break;
	case 'r': case 'm':
		if (in->too_small) {
			console_state_answer(cs, true, "key ignored: the terminal is too small to show what it would "
			                     "do (it needs %dx%d)", CONSOLE_MIN_W, CONSOLE_MIN_H);
			break;
		}
		if (!in->history_pages) {
			console_state_answer(cs, true, "nothing to resend: no page yet");
			break;
		}
		cs->request.missed = key == 'm';
		return CONSOLE_ACTION_RESEND;
	default:
		cs->history_view = false;
		break;
	}
	return CONSOLE_ACTION_NONE;
}

/*
 * On a screen too small to show anything but the notice, only keys whose
 * effect it shows go through: Space and Esc on a recording (it is shown),
 * q (and its question), the help, the log view, a command typed (what it
 * would send is refused where it runs), the selection. Anything that would
 * start a page or change where or how long the next one goes is refused,
 * and the notice says why.
 */
static bool small_screen_allows(int key, const struct console_key_input *in)
{
	switch (key) {
	case ' ': return in->recording;
	case KEY_ESC: case 'q': case 'Q': case '?': case 'h': case CONSOLE_KEY_HELP: case 'l': case 'H': case ':':
	case 's':
	case CONSOLE_KEY_UP: case CONSOLE_KEY_DOWN: case 'k': case 'j': case CONSOLE_KEY_PAGE_UP:
	case CONSOLE_KEY_PAGE_DOWN: case CONSOLE_KEY_HOME: case CONSOLE_KEY_END: case CONSOLE_KEY_OTHER:
		return true;
	default:
		return false;
	}
}

/* A key pressed (or repeating, as legacy terminals repeat): everything but releases. */
static enum console_action key_pressed(struct console_state *cs, int key,
                                       const struct console_key_input *in)
{
	if (key == CONSOLE_KEY_RESIZE)
		return CONSOLE_ACTION_RELAYOUT;
	if (key == KEY_CTRL_L)
		return CONSOLE_ACTION_REPAINT;
	cs->notice[0] = '\0'; /* the operator moved on: the status line's answer has been seen */
	if (cs->history_view)
		return history_key(cs, key, in);
	if (cs->help || cs->log_view) {
		overlay_key(cs, key, in);
		return CONSOLE_ACTION_NONE;
	}
	enum console_action action;
	if (cs->prompt != CONSOLE_PROMPT_NONE && prompt_key(cs, key, in, &action))
		return action;
	if (in->too_small && !small_screen_allows(key, in)) {
		if (key == ' ')
			console_state_answer(cs, true, "not recording: the terminal is too small to show a "
			                     "recording (it needs %dx%d)", CONSOLE_MIN_W, CONSOLE_MIN_H);
		else
			console_state_answer(cs, true, "key ignored: the terminal is too small to show what it "
			                     "would do (it needs %dx%d)", CONSOLE_MIN_W, CONSOLE_MIN_H);
		return CONSOLE_ACTION_NONE;
	}
	return plain_key(cs, key, in);
}

void console_state_set_hold(struct console_state *cs, bool hold)
{
	if (cs->hold_to_talk == hold)
		return;
	cs->hold_to_talk = hold;
	cs->space_held = false;
	if (hold)
		say(cs, "hold Space to talk: the terminal reports key releases (kitty keyboard protocol); "
		        "letting go of Space sends the page");
	else
		say(cs, "Space starts and stops a page: the terminal does not report key releases");
}

enum console_action console_state_key(struct console_state *cs, int key,
                                      const struct console_key_input *in)
{
	memset(&cs->request, 0, sizeof cs->request);
	cs->request.chime = -1;
	if (key & CONSOLE_KEY_RELEASE) {
		/* Only the release of a Space whose press started the recording ends it. */
		if ((key & ~CONSOLE_KEY_RELEASE) != ' ' || !cs->space_held)
			return CONSOLE_ACTION_NONE;
		cs->space_held = false;
		return in->recording ? CONSOLE_ACTION_STOP : CONSOLE_ACTION_NONE;
	}
	if (key & CONSOLE_KEY_REPEAT) {
		key &= ~CONSOLE_KEY_REPEAT;
		if (key == ' ')
			return CONSOLE_ACTION_NONE;
	}
	enum console_action action = key_pressed(cs, key, in);
	if (key == ' ')
		cs->space_held = cs->hold_to_talk && action == CONSOLE_ACTION_TALK;
	return action;
}

/* ---- commands ---- */

enum console_action console_state_command(struct console_state *cs, char *line, const char **arg)
{
	*arg = NULL;
	memset(&cs->request, 0, sizeof cs->request);
	cs->request.chime = -1;
	size_t len = strlen(line);
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	/* talk, send and resend with their options, and target (console_target.c). */
	enum console_action paged;
	if (console_state_page_command(cs, line, arg, &paged))
		return paged;
	if (*line == '\0' || strcmp(line, "talk") == 0)
		return CONSOLE_ACTION_TALK;
	if (strcmp(line, "live") == 0 || strcmp(line, "page") == 0) {
		console_state_set_live(cs, line[0] == 'l');
		return CONSOLE_ACTION_NONE;
	}
	static const struct {
		const char *word;
		enum console_action action;
		bool needs_arg;
	} with_id[] = {
		{ "approve", CONSOLE_ACTION_APPROVE, false }, { "refuse", CONSOLE_ACTION_REFUSE, false },
		{ "forget", CONSOLE_ACTION_FORGET, true },
	};
	for (size_t i = 0; i < sizeof with_id / sizeof with_id[0]; i++) {
		size_t n = strlen(with_id[i].word);
		if (strncmp(line, with_id[i].word, n) != 0 || (line[n] != ' ' && line[n] != '\0'))
			continue;
		const char *rest = line + n;
		while (*rest == ' ')
			rest++;
		if (!*rest && with_id[i].needs_arg) {
			console_state_answer(cs, true, "forget needs a speaker: forget ID (list shows ids) or "
			                     "forget FINGERPRINT");
			return CONSOLE_ACTION_NONE;
		}
		/* approve or refuse alone: the first speaker asking, as a and x do on the screen. */
		*arg = *rest ? rest : NULL;
		return with_id[i].action;
	}
	if (strncmp(line, "duration ", 9) == 0) {
		double seconds;
		if (options_parse_duration(line + 9, &seconds) < 0)
			console_state_answer(cs, true, "bad duration '%s': give seconds between %g and %g, "
			                     "e.g. duration 2.5", line + 9, DURATION_MIN_S, DURATION_MAX_S);
		else
			console_state_set_duration(cs, seconds, true);
		return CONSOLE_ACTION_NONE;
	}
	static const struct {
		const char *word;
		enum console_action action;
	} words[] = {
		{ "cancel", CONSOLE_ACTION_CANCEL }, { "stop", CONSOLE_ACTION_STOP },
		{ "resend", CONSOLE_ACTION_RESEND }, { "list", CONSOLE_ACTION_LIST },
		{ "pending", CONSOLE_ACTION_PENDING }, { "quit", CONSOLE_ACTION_QUIT },
		{ "history", CONSOLE_ACTION_HISTORY },
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(line, words[i].word) == 0)
			return words[i].action;
	if (strcmp(line, "duration") == 0)
		console_state_answer(cs, false, "duration is %.2f s; change it with duration SECONDS, "
		                     "e.g. duration 7.5", cs->duration_s);
	else
		console_state_answer(cs, true, "unknown command '%s': use talk [SECONDS] [OPTS] (or an empty "
		                     "line), stop, cancel, send [OPTS] PATH, resend [--missed] [PAGE] [OPTS], "
		                     "target [all|zone NAME|speaker NAME], history, duration SECONDS, live, page, "
		                     "priority LEVEL, chime on|off|FILE, preroll MS, list, pending, approve ID, "
		                     "refuse ID, forget ID, status, quit", line);
	return CONSOLE_ACTION_NONE;
}

/* ---- the screen: the table ---- */

bool console_state_page_final(uint8_t state)
{
	return proto_page_state_final(state);
}

bool console_state_speaker_final(const struct station_speaker *sp)
{
	/* A legacy speaker reports nothing after the last byte: delivered is all it ever gets to. */
	return console_state_page_final(sp->page_state) ||
	       ((sp->legacy || sp->rtp) && sp->page_state == PAGE_RECEIVED);
}

/*
 * Appends speaker sp's slot to the next update's (*count so far), with what
 * it reported since. *scan walks the previous slots: both lists are in table
 * order (name, zone, id, none of which changes while a speaker stays), so one
 * forward walk finds every speaker that stayed.
 */
static void result_update(struct console_state *cs, size_t *count, size_t *scan,
                          const struct station_speaker *sp)
{
	struct console_result_slot *slot = NULL;
	for (size_t i = *scan; i < cs->result_count && !slot; i++) {
		if (cs->results[i].speaker_id == sp->id) {
			slot = &cs->results[i];
			*scan = i + 1;
		}
	}
	struct console_result_slot *out = &cs->results_next[(*count)++];
	*out = slot ? *slot : (struct console_result_slot){ .speaker_id = sp->id };
	bool final = sp->page_id && console_state_speaker_final(sp);
	if (final && sp->page_id != out->latest.page_id) {
		out->before = out->latest;
		out->latest.page_id = sp->page_id;
		out->latest.state = 0;
	}
	if (final && out->latest.state != sp->page_state) {
		out->latest.state = sp->page_state;
		snprintf(out->latest.reason, sizeof out->latest.reason, "%s", sp->page_reason);
	}
}

void console_state_table_update(struct console_state *cs, size_t rows)
{
	size_t n = cs->speaker_count;
	size_t selected = 0;
	if (!console_state_find(cs, cs->selected_id, &selected) && n > 0) {
		/* The selected speaker left (or none was chosen yet): its neighbour takes over. */
		selected = cs->selected_index < n ? cs->selected_index : n - 1;
		cs->selected_id = cs->speakers[selected]->id;
	}
	cs->selected_index = selected;
	cs->table_rows = rows;
	cs->table_top = (size_t)console_layout_scroll((int)cs->table_top, n ? (int)selected : -1, (int)n,
	                                              (int)rows);
	size_t count = 0, scan = 0;
	for (size_t i = 0; i < n; i++)
		result_update(cs, &count, &scan, cs->speakers[i]);
	struct console_result_slot *swap = cs->results;
	cs->results = cs->results_next;
	cs->results_next = swap;
	cs->result_count = count;
}

const struct console_result *console_state_last_result(const struct console_state *cs, size_t i)
{
	if (i >= cs->result_count || i >= cs->speaker_count)
		return NULL;
	/* STATE already shows the latest outcome when it is final. */
	const struct console_result_slot *slot = &cs->results[i];
	return console_state_speaker_final(cs->speakers[i]) && cs->speakers[i]->page_id ? &slot->before
	                                                                               : &slot->latest;
}

/*
 * Unit tests of the console's state: the table's order, the target following
 * a speaker that reconnects, the selection at the edges and when speakers
 * join or leave, the prompt's editing (UTF-8 input, backspace over a
 * multibyte character, its limit), keys and commands and the actions they
 * ask for, the duration ("5 Space" sets it and talks), the answers kept for
 * the status line until the next key, what a screen too small to show it
 * refuses, the help and the log view scrolling, and the outcomes remembered
 * per speaker for PREV PAGE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "intercom/console/console_state.h"
#include "intercom/net/proto.h"

#include "said.h"

static const struct audio_format mono48 = { .rate = 48000, .channels = 1 };
static const struct console_key_input idle = { .page_rows = 10 };

static struct station_speaker speaker(uint32_t id, const char *name, const char *zone)
{
	struct station_speaker sp;
	memset(&sp, 0, sizeof sp);
	sp.id = id;
	snprintf(sp.name, sizeof sp.name, "%s", name);
	snprintf(sp.zone, sizeof sp.zone, "%s", zone);
	return sp;
}

/* Lists speakers to the state in the order given (the station's joining order). */
static void list(struct console_state *cs, struct station_speaker *sp, size_t n)
{
	const struct station_speaker *joined[16];
	for (size_t i = 0; i < n; i++)
		joined[i] = &sp[i];
	console_state_set_speakers(cs, joined, n);
}

/* The table's names, "a b c". */
static const char *names(const struct console_state *cs)
{
	static char out[256];
	out[0] = '\0';
	for (size_t i = 0; i < cs->speaker_count; i++) {
		strcat(out, i ? " " : "");
		strcat(out, cs->speakers[i]->name);
	}
	return out;
}

static enum console_action key(struct console_state *cs, int k)
{
	return console_state_key(cs, k, &idle);
}

/* Types a string at the prompt, byte by byte as the terminal hands UTF-8 over. */
static void type(struct console_state *cs, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		key(cs, *p);
}

static void test_table_order(void **state)
{
	(void)state;
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, NULL, NULL);
	struct station_speaker sp[5] = {
		speaker(1, "lobby-10", ""), speaker(2, "lobby-2", ""), speaker(3, "hall", "first"),
		speaker(4, "hall", "ground"), speaker(5, "hall", "first"),
	};
	list(&cs, sp, 5);
	/* As people read numbers; the same name by zone, then who came first. */
	assert_string_equal(names(&cs), "hall hall hall lobby-2 lobby-10");
	assert_int_equal(cs.speakers[0]->id, 3);
	assert_int_equal(cs.speakers[1]->id, 5);
	assert_int_equal(cs.speakers[2]->id, 4);
	assert_true(console_state_speaker_cmp(&sp[1], &sp[0]) < 0);

	/* The same speakers at new addresses (the station moved them): same order, fresh pointers. */
	struct station_speaker moved[5];
	memcpy(moved, sp, sizeof sp);
	list(&cs, moved, 5);
	assert_string_equal(names(&cs), "hall hall hall lobby-2 lobby-10");
	assert_ptr_equal(cs.speakers[4], &moved[0]);

	/* One leaves, one joins: sorted again. */
	struct station_speaker after[5] = { sp[0], sp[2], sp[3], sp[4], speaker(6, "lobby-1", "") };
	list(&cs, after, 5);
	assert_string_equal(names(&cs), "hall hall hall lobby-1 lobby-10");
	size_t index = 99;
	assert_ptr_equal(console_state_find(&cs, 6, &index), &after[4]);
	assert_int_equal(index, 3);
	assert_null(console_state_find(&cs, 2, NULL));
	assert_null(console_state_find(&cs, 0, NULL));

	/* Many at once: the arrays grow. */
	struct station_speaker many[16];
	for (uint32_t i = 0; i < 16; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%u", 16 - i);
		many[i] = speaker(100 + i, name, "");
	}
	list(&cs, many, 16);
	assert_int_equal(cs.speaker_count, 16);
	assert_string_equal(cs.speakers[0]->name, "s1");
	assert_string_equal(cs.speakers[15]->name, "s16");
	console_state_free(&cs);
}

static void test_target_follows_reconnect(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, say_cb, &said);
	struct station_speaker sp[2] = { speaker(1, "lobby-1", "lobby"), speaker(2, "lobby-2", "lobby") };
	list(&cs, sp, 2);
	assert_true(console_state_target_check(&cs, NULL));
	assert_int_equal(said.n, 0);

	/* t with nothing selected cannot aim; with a selection it pages that one alone. */
	assert_int_equal(key(&cs, 't'), CONSOLE_ACTION_NONE);
	assert_string_equal(last(&said), "select a speaker first (Up/Down) to page it alone");
	assert_true(page_target_is_all(&cs.target));
	key(&cs, CONSOLE_KEY_DOWN);
	key(&cs, CONSOLE_KEY_DOWN);
	assert_int_equal(cs.selected_id, 2);
	key(&cs, CONSOLE_KEY_ENTER);
	assert_string_equal(last(&said), "next page goes to lobby-2 only");
	assert_int_equal(cs.target.speaker_count, 1);
	assert_string_equal(cs.target.speakers[0], "lobby-2");
	assert_int_equal(console_state_target_count(&cs, NULL), 1);

	/* It leaves: nobody connected or known is the target; pages are refused, not widened. */
	list(&cs, sp, 1);
	assert_true(console_state_target_missing(&cs));
	assert_false(console_state_target_check(&cs, NULL));
	assert_string_equal(last(&said), "not sent: no speaker is in lobby-2, connected or known "
	                                 "(list shows names and zones; target all pages everyone)");
	/* Known (seen before), it is offline: the page may go and wait for it. */
	struct known_speakers known;
	known_speakers_init(&known);
	const struct station_speaker *both[2] = { &sp[0], &sp[1] };
	known_speakers_update(&known, both, 2, 1000);
	const struct station_speaker *one[1] = { &sp[0] };
	known_speakers_update(&known, one, 1, 2000);
	cs.known = &known;
	assert_int_equal(console_state_target_offline(&cs, NULL), 1);
	assert_true(console_state_target_check(&cs, NULL));

	/* It comes back under a new id: still the target, by name. */
	struct station_speaker back[2] = { sp[0], speaker(7, "lobby-2", "lobby") };
	list(&cs, back, 2);
	assert_false(console_state_target_missing(&cs));
	assert_true(console_state_target_check(&cs, NULL));

	/* t on the other speaker adds it; z adds the zone; t again on each takes them out. */
	key(&cs, CONSOLE_KEY_UP);
	key(&cs, 't');
	assert_string_equal(last(&said), "next page goes to lobby-2, lobby-1");
	key(&cs, 'z');
	assert_string_equal(last(&said), "next page goes to zone lobby + lobby-2, lobby-1");
	key(&cs, 'z');
	key(&cs, 't');
	assert_string_equal(last(&said), "next page goes to lobby-2 only");
	key(&cs, CONSOLE_KEY_DOWN);
	key(&cs, 't');
	assert_true(page_target_is_all(&cs.target));
	assert_string_equal(last(&said), "next page goes to all speakers");
	console_state_free(&cs);
	known_speakers_free(&known);
}

/* The target command: all, zones, speakers by name or id; a target of nobody is refused. */
static void test_target_command(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, say_cb, &said);
	struct station_speaker sp[3] = { speaker(1, "hall-1", "hall"), speaker(2, "hall-2", "hall"),
	                                 speaker(3, "desk", "office") };
	list(&cs, sp, 3);
	const char *arg;
	char line[128];
	snprintf(line, sizeof line, "target zone hall");
	assert_int_equal(console_state_command(&cs, line, &arg), CONSOLE_ACTION_NONE);
	assert_string_equal(last(&said), "next page goes to zone hall only");
	assert_int_equal(console_state_target_count(&cs, NULL), 2);
	snprintf(line, sizeof line, "target");
	console_state_command(&cs, line, &arg);
	assert_string_equal(last(&said), "next page goes to zone hall (2 connected)");
	assert_false(cs.notice_error);
	/* Unknown zone: refused, and the target stays. */
	snprintf(line, sizeof line, "target zone attic");
	console_state_command(&cs, line, &arg);
	assert_true(cs.notice_error);
	assert_string_equal(cs.notice, "target not changed: no speaker is in zone attic, connected or known "
	                               "(list shows names and zones)");
	assert_int_equal(cs.target.zone_count, 1);
	/* By id: the name is kept, so it follows the speaker when it reconnects. */
	snprintf(line, sizeof line, "target speaker 3,hall-1");
	console_state_command(&cs, line, &arg);
	assert_string_equal(last(&said), "next page goes to desk, hall-1");
	snprintf(line, sizeof line, "target speaker 99");
	console_state_command(&cs, line, &arg);
	assert_string_equal(cs.notice, "no speaker has the name or id 99: list shows names and ids");
	snprintf(line, sizeof line, "target all");
	console_state_command(&cs, line, &arg);
	assert_true(page_target_is_all(&cs.target));
	snprintf(line, sizeof line, "target room 4");
	console_state_command(&cs, line, &arg);
	assert_non_null(strstr(cs.notice, "bad target 'room 4'"));

	/* A page's options: the request, its target resolved; the console's target unchanged. */
	snprintf(line, sizeof line, "talk 2.5 --speaker 2 --priority emergency");
	assert_int_equal(console_state_command(&cs, line, &arg), CONSOLE_ACTION_TALK);
	assert_true(cs.request.has_seconds);
	assert_string_equal(cs.request.target.speakers[0], "hall-2");
	assert_int_equal(cs.request.priority, PRIORITY_EMERGENCY);
	assert_true(page_target_is_all(&cs.target));
	snprintf(line, sizeof line, "send --zone office /tmp/a b.wav");
	assert_int_equal(console_state_command(&cs, line, &arg), CONSOLE_ACTION_SEND);
	assert_string_equal(arg, "/tmp/a b.wav");
	assert_string_equal(cs.request.target.zones[0], "office");
	snprintf(line, sizeof line, "resend --missed 4");
	assert_int_equal(console_state_command(&cs, line, &arg), CONSOLE_ACTION_RESEND);
	assert_true(cs.request.missed);
	assert_int_equal(cs.request.page, 4);
	snprintf(line, sizeof line, "talk --priority loud");
	assert_int_equal(console_state_command(&cs, line, &arg), CONSOLE_ACTION_NONE);
	assert_string_equal(cs.notice, "unknown priority 'loud': use normal, high or emergency");
	/* A key's page carries no options. */
	snprintf(line, sizeof line, "talk --zone hall");
	console_state_command(&cs, line, &arg);
	assert_true(cs.request.has_target);
	key(&cs, ' ');
	assert_false(cs.request.has_target);
	snprintf(line, sizeof line, "history");
	assert_int_equal(console_state_command(&cs, line, &arg), CONSOLE_ACTION_HISTORY);
	console_state_free(&cs);
}

static void test_selection_edges(void **state)
{
	(void)state;
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, NULL, NULL);
	/* No speakers: moving selects nothing. */
	console_state_select_move(&cs, 1);
	assert_int_equal(cs.selected_id, 0);
	assert_null(console_state_selected(&cs));

	struct station_speaker sp[6];
	for (uint32_t i = 0; i < 6; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%u", i + 1);
		sp[i] = speaker(i + 1, name, "");
	}
	list(&cs, sp, 6);
	/* The first move selects the first row, wherever it points. */
	key(&cs, CONSOLE_KEY_UP);
	assert_int_equal(cs.selected_id, 1);
	key(&cs, 'k');
	assert_int_equal(cs.selected_id, 1); /* top edge */
	key(&cs, 'j');
	assert_int_equal(cs.selected_id, 2);
	key(&cs, CONSOLE_KEY_END);
	assert_int_equal(cs.selected_id, 6);
	key(&cs, CONSOLE_KEY_DOWN);
	assert_int_equal(cs.selected_id, 6); /* bottom edge */
	struct console_key_input paged = { .page_rows = 4 };
	console_state_key(&cs, CONSOLE_KEY_PAGE_UP, &paged);
	assert_int_equal(cs.selected_id, 2);
	console_state_key(&cs, CONSOLE_KEY_PAGE_UP, &paged);
	assert_int_equal(cs.selected_id, 1);
	console_state_key(&cs, CONSOLE_KEY_PAGE_DOWN, &paged);
	assert_int_equal(cs.selected_id, 5);
	key(&cs, CONSOLE_KEY_HOME);
	assert_int_equal(cs.selected_id, 1);
	assert_ptr_equal(console_state_selected(&cs), &sp[0]);

	/* The selected speaker leaves: the one now in its row takes over. */
	key(&cs, CONSOLE_KEY_DOWN);
	key(&cs, CONSOLE_KEY_DOWN);
	assert_int_equal(cs.selected_id, 3);
	struct station_speaker without3[5] = { sp[0], sp[1], sp[3], sp[4], sp[5] };
	list(&cs, without3, 5);
	console_state_table_update(&cs, 3);
	assert_int_equal(cs.selected_id, 4);
	assert_int_equal(cs.selected_index, 2);
	/* The last row leaves: the row above takes over. */
	key(&cs, CONSOLE_KEY_END);
	list(&cs, without3, 4);
	console_state_table_update(&cs, 3);
	assert_int_equal(cs.selected_id, 5);
	/* A speaker joining above keeps the selection on the same speaker, in its new row. */
	struct station_speaker joined[5] = { without3[0], without3[1], without3[2], without3[3],
	                                     speaker(9, "s0", "") };
	list(&cs, joined, 5);
	console_state_table_update(&cs, 3);
	assert_int_equal(cs.selected_id, 5);
	assert_int_equal(cs.selected_index, 4);
	/* The table scrolls to keep it in view: rows 2..4 of 5. */
	assert_int_equal(cs.table_top, 2);
	assert_int_equal(cs.table_rows, 3);
	/* Everyone leaves: nothing is selected, and nothing breaks. */
	list(&cs, joined, 0);
	console_state_table_update(&cs, 3);
	assert_null(console_state_selected(&cs));
	assert_int_equal(cs.table_top, 0);
	console_state_free(&cs);
}

static void test_duration_keys_and_prompt(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct console_state cs;
	console_state_init(&cs, &mono48, 2.25, say_cb, &said);
	/* + and - land on the 0.5 s grid from a typed value, silently. */
	key(&cs, '+');
	assert_true(cs.duration_s == 2.5);
	key(&cs, '-');
	key(&cs, CONSOLE_KEY_LEFT);
	assert_true(cs.duration_s == 1.5);
	for (int i = 0; i < 5; i++)
		key(&cs, '_');
	assert_true(cs.duration_s == DURATION_MIN_S);
	key(&cs, CONSOLE_KEY_RIGHT);
	assert_true(cs.duration_s == 1.0);
	assert_int_equal(said.n, 0);

	/* Digits open the duration prompt; Enter sets it and says so. */
	key(&cs, '7');
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_DURATION);
	type(&cs, ".5x"); /* x is not a digit: it closes the prompt, saying the duration was not set */
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_NONE);
	assert_true(cs.duration_s == 1.0);
	assert_string_equal(last(&said), "duration '7.5' not set: Enter sets a typed duration");
	assert_string_equal(cs.notice, "duration '7.5' not set: Enter sets a typed duration");
	key(&cs, '7');
	type(&cs, ".5");
	assert_string_equal(cs.prompt_text, "7.5");
	assert_int_equal(key(&cs, '\r'), CONSOLE_ACTION_NONE);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_NONE);
	assert_true(cs.duration_s == 7.5);
	assert_string_equal(last(&said), "duration set to 7.50 s");
	/* A bad one is said, and changes nothing. */
	type(&cs, "1.2.3");
	key(&cs, CONSOLE_KEY_ENTER);
	assert_string_equal(last(&said), "bad duration '1.2.3': give seconds between 0.5 and 300, e.g. 2.5");
	assert_true(cs.duration_s == 7.5);
	/* Backspace over the only digit closes the prompt. */
	key(&cs, '4');
	key(&cs, CONSOLE_KEY_BACKSPACE);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_NONE);
	/* "5 Space": the duration typed is set (said), then Space talks with it. */
	key(&cs, '5');
	assert_int_equal(key(&cs, ' '), CONSOLE_ACTION_TALK);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_NONE);
	assert_true(cs.duration_s == 5.0);
	assert_string_equal(last(&said), "duration set to 5.00 s");
	/* Not a duration: nothing is recorded, and the status line says why. */
	type(&cs, "999");
	assert_int_equal(key(&cs, ' '), CONSOLE_ACTION_NONE);
	assert_true(cs.duration_s == 5.0);
	assert_string_equal(cs.notice, "bad duration '999': give seconds between 0.5 and 300, e.g. 2.5; "
	                               "nothing recorded");
	/* While recording Space still sends what was said: the prompt gives way either way. */
	key(&cs, '4');
	struct console_key_input rec = { .recording = true };
	assert_int_equal(console_state_key(&cs, ' ', &rec), CONSOLE_ACTION_STOP);
	assert_true(cs.duration_s == 4.0);
	type(&cs, "999");
	assert_int_equal(console_state_key(&cs, ' ', &rec), CONSOLE_ACTION_STOP);
	assert_true(cs.duration_s == 4.0);

	/* Longer than a page holds at the format: clamped, and said. */
	struct audio_format big = { .rate = 192000, .channels = 8 };
	console_state_init(&cs, &big, 5.0, say_cb, &said);
	console_state_set_duration(&cs, 300, true);
	assert_true(cs.duration_s < 300);
	assert_string_equal(said.lines[said.n - 2], "a page at 192000 Hz x 8 channels holds at most 21.84 s");
	assert_string_equal(last(&said), "duration set to 21.84 s");
	console_state_free(&cs);
}

static void test_command_prompt_utf8(void **state)
{
	(void)state;
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, NULL, NULL);
	key(&cs, 's');
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_COMMAND);
	assert_string_equal(cs.prompt_text, "send ");
	type(&cs, "/srv/annonces/fermé-€-😀");
	assert_string_equal(cs.prompt_text, "send /srv/annonces/fermé-€-😀");
	/* Backspace drops a whole character: 4, 1, then 3 and 2 bytes. */
	size_t len = cs.prompt_len;
	key(&cs, CONSOLE_KEY_BACKSPACE);
	assert_int_equal(cs.prompt_len, len - 4);
	assert_string_equal(cs.prompt_text, "send /srv/annonces/fermé-€-");
	key(&cs, 127);
	key(&cs, 8);
	assert_string_equal(cs.prompt_text, "send /srv/annonces/fermé-");
	key(&cs, CONSOLE_KEY_BACKSPACE);
	key(&cs, CONSOLE_KEY_BACKSPACE);
	assert_string_equal(cs.prompt_text, "send /srv/annonces/ferm");
	/* Keys that are not text are ignored; the prompt stays. */
	key(&cs, CONSOLE_KEY_OTHER);
	key(&cs, CONSOLE_KEY_UP);
	assert_string_equal(cs.prompt_text, "send /srv/annonces/ferm");
	/* Enter: the loop runs the line. */
	assert_int_equal(key(&cs, '\n'), CONSOLE_ACTION_COMMAND);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_NONE);
	assert_string_equal(cs.prompt_text, "send /srv/annonces/ferm");

	/* Esc closes the prompt; nothing runs. */
	key(&cs, ':');
	assert_string_equal(cs.prompt_text, "");
	type(&cs, "list");
	assert_int_equal(key(&cs, 27), CONSOLE_ACTION_NONE);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_NONE);
	/* Backspace on an empty command line keeps the prompt open (only a duration closes). */
	key(&cs, ':');
	key(&cs, CONSOLE_KEY_BACKSPACE);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_COMMAND);
	assert_int_equal(cs.prompt_len, 0);
	/* Stray continuation bytes go with the character before them. */
	type(&cs, "a\x80\x80");
	key(&cs, CONSOLE_KEY_BACKSPACE);
	assert_int_equal(cs.prompt_len, 0);

	/* The limit: the line stops growing, terminated, however much is typed. */
	for (int i = 0; i < 400; i++)
		key(&cs, 'x');
	assert_int_equal(cs.prompt_len, CONSOLE_PROMPT_MAX - 1);
	assert_int_equal(strlen(cs.prompt_text), CONSOLE_PROMPT_MAX - 1);
	key(&cs, CONSOLE_KEY_BACKSPACE);
	type(&cs, "é"); /* one byte of room: the lead fits, the rest is dropped */
	assert_int_equal(cs.prompt_len, CONSOLE_PROMPT_MAX - 1);
	key(&cs, CONSOLE_KEY_BACKSPACE);
	assert_int_equal(cs.prompt_len, CONSOLE_PROMPT_MAX - 2);
	console_state_free(&cs);
}

static void test_keys_and_actions(void **state)
{
	(void)state;
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, NULL, NULL);
	assert_int_equal(key(&cs, CONSOLE_KEY_RESIZE), CONSOLE_ACTION_RELAYOUT);
	assert_int_equal(key(&cs, 12), CONSOLE_ACTION_REPAINT);
	assert_int_equal(key(&cs, ' '), CONSOLE_ACTION_TALK);
	assert_int_equal(key(&cs, 27), CONSOLE_ACTION_CANCEL);
	assert_int_equal(key(&cs, 'T'), CONSOLE_ACTION_TEST_TONE);
	assert_int_equal(key(&cs, 'r'), CONSOLE_ACTION_RESEND);
	assert_int_equal(key(&cs, 'a'), CONSOLE_ACTION_APPROVE);
	assert_int_equal(key(&cs, 'x'), CONSOLE_ACTION_REFUSE);
	assert_int_equal(key(&cs, 'z'), CONSOLE_ACTION_NONE);

	/* The help: any key closes it and does nothing else; resizes still reach the screen. */
	key(&cs, '?');
	assert_true(cs.help);
	assert_int_equal(key(&cs, CONSOLE_KEY_RESIZE), CONSOLE_ACTION_RELAYOUT);
	assert_true(cs.help);
	assert_int_equal(key(&cs, 'q'), CONSOLE_ACTION_NONE);
	assert_false(cs.help);
	key(&cs, CONSOLE_KEY_HELP);
	assert_true(cs.help);
	key(&cs, ' ');
	assert_false(cs.help);

	/* q quits at once when nothing is in flight, else asks; only y answers yes. */
	assert_int_equal(key(&cs, 'q'), CONSOLE_ACTION_QUIT);
	struct console_key_input busy = { .in_flight = true };
	assert_int_equal(console_state_key(&cs, 'Q', &busy), CONSOLE_ACTION_NONE);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_QUIT);
	assert_int_equal(key(&cs, 'n'), CONSOLE_ACTION_NONE);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_NONE);
	console_state_key(&cs, 'q', &busy);
	assert_int_equal(key(&cs, ' '), CONSOLE_ACTION_NONE); /* the answer is not a Space */
	console_state_key(&cs, 'q', &busy);
	assert_int_equal(key(&cs, 'y'), CONSOLE_ACTION_QUIT);
	console_state_free(&cs);
}

/* Runs a command on a copy of text, as stdin's lines are: trimmed in place. */
static enum console_action command(struct console_state *cs, const char *text, char *arg_out)
{
	char line[256];
	snprintf(line, sizeof line, "%s", text);
	const char *arg = NULL;
	enum console_action action = console_state_command(cs, line, &arg);
	snprintf(arg_out, 256, "%s", arg ? arg : "(none)");
	return action;
}

/* Hold-to-talk: Space's press talks, its release sends; repeats and other releases do nothing. */
static void test_hold_to_talk(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, say_cb, &said);
	const struct console_key_input rec = { .page_rows = 10, .recording = true };
	/* toggle: a release (none come from such a terminal) does nothing */
	assert_int_equal(key(&cs, ' '), CONSOLE_ACTION_TALK);
	assert_int_equal(console_state_key(&cs, ' ' | CONSOLE_KEY_RELEASE, &rec), CONSOLE_ACTION_NONE);
	assert_int_equal(console_state_key(&cs, ' ', &rec), CONSOLE_ACTION_STOP);

	console_state_set_hold(&cs, true);
	assert_non_null(strstr(last(&said), "hold Space to talk"));
	assert_int_equal(key(&cs, ' '), CONSOLE_ACTION_TALK);
	/* a held Space repeats: ignored, the recording goes on */
	assert_int_equal(console_state_key(&cs, ' ' | CONSOLE_KEY_REPEAT, &rec), CONSOLE_ACTION_NONE);
	/* another key's release does nothing; a repeat of another key is a press */
	assert_int_equal(console_state_key(&cs, 'T' | CONSOLE_KEY_RELEASE, &rec), CONSOLE_ACTION_NONE);
	assert_int_equal(console_state_key(&cs, 'T' | CONSOLE_KEY_REPEAT, &idle), CONSOLE_ACTION_TEST_TONE);
	assert_int_equal(console_state_key(&cs, ' ' | CONSOLE_KEY_RELEASE, &rec), CONSOLE_ACTION_STOP);
	/* released once: a second release (or one after the duration ended it) does nothing */
	assert_int_equal(console_state_key(&cs, ' ' | CONSOLE_KEY_RELEASE, &rec), CONSOLE_ACTION_NONE);
	assert_int_equal(key(&cs, ' '), CONSOLE_ACTION_TALK);
	assert_int_equal(console_state_key(&cs, ' ' | CONSOLE_KEY_RELEASE, &idle), CONSOLE_ACTION_NONE);
	/* a recording started otherwise (":talk"): a Space press stops it, its release does nothing */
	assert_int_equal(console_state_key(&cs, ' ', &rec), CONSOLE_ACTION_STOP);
	assert_int_equal(console_state_key(&cs, ' ' | CONSOLE_KEY_RELEASE, &rec), CONSOLE_ACTION_NONE);
	/* "3 Space" held: the duration is set, then Space talks while held */
	key(&cs, '3');
	assert_int_equal(key(&cs, ' '), CONSOLE_ACTION_TALK);
	assert_true(cs.duration_s == 3.0);
	assert_int_equal(console_state_key(&cs, ' ' | CONSOLE_KEY_RELEASE, &rec), CONSOLE_ACTION_STOP);
	console_state_set_hold(&cs, false);
	assert_non_null(strstr(last(&said), "Space starts and stops"));
	console_state_free(&cs);
}

static void test_commands(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, say_cb, &said);
	char arg[256];
	assert_int_equal(command(&cs, "", arg), CONSOLE_ACTION_TALK);
	assert_int_equal(command(&cs, "  talk \r", arg), CONSOLE_ACTION_TALK);
	assert_int_equal(command(&cs, "stop", arg), CONSOLE_ACTION_STOP);
	assert_int_equal(command(&cs, "\tcancel", arg), CONSOLE_ACTION_CANCEL);
	assert_int_equal(command(&cs, "resend", arg), CONSOLE_ACTION_RESEND);
	assert_int_equal(command(&cs, "list", arg), CONSOLE_ACTION_LIST);
	assert_int_equal(command(&cs, "quit", arg), CONSOLE_ACTION_QUIT);
	assert_string_equal(arg, "(none)");
	assert_int_equal(said.n, 0);
	/* send takes the rest of the line, spaces inside kept, trailing ones dropped. */
	assert_int_equal(command(&cs, "send /srv/a file.flac  ", arg), CONSOLE_ACTION_SEND);
	assert_string_equal(arg, "/srv/a file.flac");
	assert_int_equal(command(&cs, "send", arg), CONSOLE_ACTION_NONE);
	assert_string_equal(last(&said), "send needs a file: send [OPTS] PATH, e.g. send --zone hall /srv/announcements/closing.flac");
	/* duration: set here, shown, or the right form said. */
	assert_int_equal(command(&cs, "duration 7.5", arg), CONSOLE_ACTION_NONE);
	assert_true(cs.duration_s == 7.5);
	assert_string_equal(last(&said), "duration set to 7.50 s");
	command(&cs, "duration", arg);
	assert_string_equal(last(&said), "duration is 7.50 s; change it with duration SECONDS, e.g. duration 7.5");
	command(&cs, "duration soon", arg);
	assert_string_equal(last(&said), "bad duration 'soon': give seconds between 0.5 and 300, e.g. duration 2.5");
	assert_true(cs.duration_s == 7.5);
	assert_int_equal(command(&cs, "talk louder", arg), CONSOLE_ACTION_NONE);
	assert_string_equal(last(&said), "bad duration 'louder': give seconds between 0.5 and 300, e.g. talk 5");
	assert_int_equal(command(&cs, "talked", arg), CONSOLE_ACTION_NONE);
	assert_string_equal(last(&said), "unknown command 'talked': use talk [SECONDS] [OPTS] (or an empty "
	                                 "line), stop, cancel, send [OPTS] PATH, resend [--missed] [PAGE] [OPTS], "
	                                 "target [all|zone NAME|speaker NAME], history, duration SECONDS, live, "
	                                 "page, priority LEVEL, chime on|off|FILE, preroll MS, list, pending, "
	                                 "approve ID, refuse ID, forget ID, status, quit");
	/* The lobby's commands: an id, or (approve, refuse) none for the first asking. */
	assert_int_equal(command(&cs, "pending", arg), CONSOLE_ACTION_PENDING);
	assert_int_equal(command(&cs, "approve 7", arg), CONSOLE_ACTION_APPROVE);
	assert_string_equal(arg, "7");
	assert_int_equal(command(&cs, "approve", arg), CONSOLE_ACTION_APPROVE);
	assert_string_equal(arg, "(none)");
	assert_int_equal(command(&cs, "refuse  12 ", arg), CONSOLE_ACTION_REFUSE);
	assert_string_equal(arg, "12");
	assert_int_equal(command(&cs, "forget ab12 cd34", arg), CONSOLE_ACTION_FORGET);
	assert_string_equal(arg, "ab12 cd34");
	assert_int_equal(command(&cs, "forget", arg), CONSOLE_ACTION_NONE);
	assert_string_equal(last(&said), "forget needs a speaker: forget ID (list shows ids) or forget "
	                                 "FINGERPRINT");
	assert_int_equal(command(&cs, "approved", arg), CONSOLE_ACTION_NONE);
	console_state_free(&cs);
}

/* A speaker that reported state on page_id (reason for a failure). */
static void report(struct station_speaker *sp, uint32_t page_id, uint8_t state, const char *reason)
{
	sp->page_id = page_id;
	sp->page_state = state;
	snprintf(sp->page_reason, sizeof sp->page_reason, "%s", reason);
}

static void test_answers_on_the_status_line(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, say_cb, &said);
	assert_string_equal(cs.notice, "");
	/* A duration typed wrong: said, and kept for the status line, as an error. */
	type(&cs, "999");
	key(&cs, '\r');
	assert_string_equal(last(&said), "bad duration '999': give seconds between 0.5 and 300, e.g. 2.5");
	assert_string_equal(cs.notice, last(&said));
	assert_true(cs.notice_error);
	/* A resize or a repaint is not the operator moving on; any other key is (and still acts). */
	key(&cs, CONSOLE_KEY_RESIZE);
	key(&cs, 12);
	assert_string_equal(cs.notice, last(&said));
	assert_int_equal(key(&cs, '+'), CONSOLE_ACTION_NONE);
	assert_true(cs.duration_s == 5.5);
	assert_string_equal(cs.notice, "");
	/* Commands: a mistake is an error, a value asked for is an answer too. */
	char arg[256];
	command(&cs, "play it again", arg);
	assert_true(cs.notice_error);
	assert_non_null(strstr(cs.notice, "unknown command 'play it again'"));
	command(&cs, "send", arg);
	assert_string_equal(cs.notice, "send needs a file: send [OPTS] PATH, e.g. send --zone hall /srv/announcements/closing.flac");
	command(&cs, "duration", arg);
	assert_false(cs.notice_error);
	assert_string_equal(cs.notice, "duration is 5.50 s; change it with duration SECONDS, e.g. duration 7.5");
	/* Pages for a speaker that left: refused, on the status line. */
	struct station_speaker sp[1] = { speaker(1, "hall", "") };
	list(&cs, sp, 1);
	key(&cs, CONSOLE_KEY_DOWN);
	key(&cs, 't');
	list(&cs, sp, 0);
	assert_false(console_state_target_check(&cs, NULL));
	assert_string_equal(cs.notice, "not sent: no speaker is in hall, connected or known "
	                               "(list shows names and zones; target all pages everyone)");
	key(&cs, 't');
	key(&cs, 't');
	assert_string_equal(cs.notice, "select a speaker first (Up/Down) to page it alone");
	/* What others say (the loop notes it) shows the same way, not said twice. */
	int n = said.n;
	console_state_note(&cs, true, "cannot send x.wav: 8 files are already waiting to be loaded");
	assert_int_equal(said.n, n);
	assert_string_equal(cs.notice, "cannot send x.wav: 8 files are already waiting to be loaded");
	console_state_free(&cs);
}

static void test_small_screen_acts_on_nothing_unseen(void **state)
{
	(void)state;
	struct said said = { 0 };
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, say_cb, &said);
	struct station_speaker sp[2] = { speaker(1, "hall-1", ""), speaker(2, "hall-2", "") };
	list(&cs, sp, 2);
	key(&cs, CONSOLE_KEY_DOWN);
	struct console_key_input small = { .too_small = true, .page_rows = 1 };
	/* Space would record and send a page nobody sees: refused, and the notice says why. */
	assert_int_equal(console_state_key(&cs, ' ', &small), CONSOLE_ACTION_NONE);
	assert_string_equal(cs.notice, "not recording: the terminal is too small to show a recording "
	                               "(it needs 40x7)");
	assert_string_equal(last(&said), cs.notice);
	/* So is anything that changes where the next page goes, or how long it is, or sends one. */
	const int refused[] = { 't', '\r', CONSOLE_KEY_ENTER, '+', '-', CONSOLE_KEY_LEFT, CONSOLE_KEY_RIGHT,
	                        '5', '.', 'T', 'r' };
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_int_equal(console_state_key(&cs, refused[i], &small), CONSOLE_ACTION_NONE);
		assert_string_equal(cs.notice, "key ignored: the terminal is too small to show what it would "
		                               "do (it needs 40x7)");
	}
	assert_true(page_target_is_all(&cs.target));
	assert_true(cs.duration_s == 5.0);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_NONE);
	/* What it does show goes through: a recording (shown) is sent or cancelled, q, help, a command. */
	struct console_key_input small_rec = { .too_small = true, .recording = true };
	assert_int_equal(console_state_key(&cs, ' ', &small_rec), CONSOLE_ACTION_STOP);
	assert_int_equal(console_state_key(&cs, 27, &small_rec), CONSOLE_ACTION_CANCEL);
	assert_int_equal(console_state_key(&cs, 'q', &small), CONSOLE_ACTION_QUIT);
	console_state_key(&cs, ':', &small);
	assert_int_equal(cs.prompt, CONSOLE_PROMPT_COMMAND);
	console_state_key(&cs, 27, &small);
	console_state_key(&cs, '?', &small);
	assert_true(cs.help);
	console_state_key(&cs, 'x', &small);
	console_state_key(&cs, CONSOLE_KEY_UP, &small);
	assert_int_equal(cs.selected_id, 1);
	console_state_free(&cs);
}

static void test_help_and_log_scroll(void **state)
{
	(void)state;
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, NULL, NULL);
	/* The help scrolls within what the screen says it can, by lines and pages. */
	struct console_key_input in = { .scroll_max = 10, .scroll_page = 6 };
	console_state_key(&cs, '?', &in);
	assert_true(cs.help);
	assert_int_equal(cs.help_top, 0);
	console_state_key(&cs, CONSOLE_KEY_UP, &in);
	assert_int_equal(cs.help_top, 0);
	console_state_key(&cs, CONSOLE_KEY_DOWN, &in);
	console_state_key(&cs, 'j', &in);
	assert_int_equal(cs.help_top, 2);
	console_state_key(&cs, CONSOLE_KEY_PAGE_DOWN, &in);
	assert_int_equal(cs.help_top, 7);
	console_state_key(&cs, CONSOLE_KEY_PAGE_DOWN, &in);
	assert_int_equal(cs.help_top, 10);
	console_state_key(&cs, CONSOLE_KEY_HOME, &in);
	assert_int_equal(cs.help_top, 0);
	console_state_key(&cs, CONSOLE_KEY_END, &in);
	assert_int_equal(cs.help_top, 10);
	assert_int_equal(console_state_key(&cs, CONSOLE_KEY_RESIZE, &in), CONSOLE_ACTION_RELAYOUT);
	assert_true(cs.help);
	/* Any other key closes it and does nothing else. */
	assert_int_equal(console_state_key(&cs, ' ', &in), CONSOLE_ACTION_NONE);
	assert_false(cs.help);
	console_state_key(&cs, 'h', &in);
	assert_int_equal(cs.help_top, 0); /* opened again at the top */
	console_state_key(&cs, 'q', &in);
	assert_false(cs.help);

	/* l: the events full screen, newest at the bottom; Up goes back in time. */
	in = (struct console_key_input){ .scroll_max = 30, .scroll_page = 8 };
	assert_int_equal(console_state_key(&cs, 'l', &in), CONSOLE_ACTION_NONE);
	assert_true(cs.log_view);
	assert_int_equal(cs.log_back, 0);
	console_state_key(&cs, CONSOLE_KEY_UP, &in);
	assert_int_equal(cs.log_back, 1);
	console_state_key(&cs, CONSOLE_KEY_PAGE_UP, &in);
	assert_int_equal(cs.log_back, 8);
	/* A new event while scrolled back: the view keeps showing the same ones. */
	console_state_log_added(&cs);
	assert_int_equal(cs.log_back, 9);
	console_state_key(&cs, CONSOLE_KEY_HOME, &in);
	assert_int_equal(cs.log_back, 30);
	console_state_key(&cs, CONSOLE_KEY_PAGE_DOWN, &in);
	assert_int_equal(cs.log_back, 23);
	console_state_key(&cs, CONSOLE_KEY_END, &in);
	assert_int_equal(cs.log_back, 0);
	/* Following the newest, it goes on following. */
	console_state_log_added(&cs);
	assert_int_equal(cs.log_back, 0);
	assert_int_equal(console_state_key(&cs, 'l', &in), CONSOLE_ACTION_NONE);
	assert_false(cs.log_view);
	console_state_log_added(&cs);
	assert_int_equal(cs.log_back, 0);
	console_state_free(&cs);
}

static void test_results_remembered(void **state)
{
	(void)state;
	struct console_state cs;
	console_state_init(&cs, &mono48, 5.0, NULL, NULL);
	struct station_speaker sp[3] = { speaker(1, "lobby-1", ""), speaker(2, "lobby-2", ""),
	                                 speaker(3, "10.0.0.3:5000", "") };
	sp[2].legacy = true;
	list(&cs, sp, 3);
	console_state_table_update(&cs, 10);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(console_state_last_result(&cs, i)->page_id, 0);
	assert_null(console_state_last_result(&cs, 3));

	/* Page 1: delivered to the legacy one (its outcome), played on one, failed on the other. */
	report(&sp[0], 1, PAGE_PLAYED, "");
	report(&sp[1], 1, PAGE_FAILED, "output device unavailable");
	report(&sp[2], 1, PAGE_RECEIVED, "");
	console_state_table_update(&cs, 10);
	/* Rows: 10.0.0.3:5000, lobby-1, lobby-2. STATE shows page 1; PREV PAGE the one before: none. */
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(console_state_last_result(&cs, i)->page_id, 0);
	assert_int_equal(cs.results[2].latest.page_id, 1);
	assert_int_equal(cs.results[2].latest.state, PAGE_FAILED);
	assert_string_equal(cs.results[2].latest.reason, "output device unavailable");
	assert_int_equal(cs.results[0].latest.state, PAGE_RECEIVED);

	/* Page 2 under way: PREV PAGE shows page 1's outcome, its reason as it was recorded. */
	report(&sp[0], 2, PAGE_PLAYING, "");
	report(&sp[1], 2, PAGE_RECEIVING, "");
	report(&sp[2], 2, PAGE_RECEIVING, "");
	console_state_table_update(&cs, 10);
	const struct console_result *r = console_state_last_result(&cs, 2);
	assert_int_equal(r->page_id, 1);
	assert_int_equal(r->state, PAGE_FAILED);
	assert_string_equal(r->reason, "output device unavailable");
	assert_int_equal(console_state_last_result(&cs, 1)->state, PAGE_PLAYED);
	assert_int_equal(console_state_last_result(&cs, 0)->state, PAGE_RECEIVED);

	/* Page 2 ends: PREV PAGE still shows page 1 (STATE shows page 2's outcome). */
	report(&sp[0], 2, PAGE_INTERRUPTED, "");
	report(&sp[1], 2, PAGE_PLAYED, "");
	report(&sp[2], 2, PAGE_FAILED, "connection reset");
	console_state_table_update(&cs, 10);
	assert_int_equal(console_state_last_result(&cs, 1)->page_id, 1);
	assert_int_equal(console_state_last_result(&cs, 2)->state, PAGE_FAILED);
	assert_int_equal(cs.results[1].latest.state, PAGE_INTERRUPTED);
	/* A reason that changes after the outcome was final is not taken: kept as recorded. */
	snprintf(sp[2].page_reason, sizeof sp[2].page_reason, "something else");
	console_state_table_update(&cs, 10);
	assert_string_equal(cs.results[0].latest.reason, "connection reset");

	/* lobby-1 leaves and comes back under a new id: its outcomes are forgotten. */
	struct station_speaker back[3] = { sp[1], sp[2], speaker(9, "lobby-1", "") };
	list(&cs, back, 3);
	console_state_table_update(&cs, 10);
	assert_int_equal(cs.result_count, 3);
	assert_int_equal(cs.results[1].speaker_id, 9);
	assert_int_equal(console_state_last_result(&cs, 1)->page_id, 0);
	assert_int_equal(console_state_last_result(&cs, 2)->page_id, 1); /* lobby-2 kept its own */
	console_state_free(&cs);
}

static void test_final_states(void **state)
{
	(void)state;
	assert_true(console_state_page_final(PAGE_PLAYED));
	assert_true(console_state_page_final(PAGE_FAILED));
	assert_true(console_state_page_final(PAGE_MUTED));
	assert_true(console_state_page_final(PAGE_INTERRUPTED));
	assert_false(console_state_page_final(PAGE_RECEIVING));
	assert_false(console_state_page_final(PAGE_RECEIVED));
	assert_false(console_state_page_final(PAGE_PLAYING));
	assert_false(console_state_page_final(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_target_follows_reconnect),
		cmocka_unit_test(test_target_command),
		cmocka_unit_test(test_selection_edges),
		cmocka_unit_test(test_duration_keys_and_prompt),
		cmocka_unit_test(test_command_prompt_utf8),
		cmocka_unit_test(test_keys_and_actions),
		cmocka_unit_test(test_hold_to_talk),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_answers_on_the_status_line),
		cmocka_unit_test(test_small_screen_acts_on_nothing_unseen),
		cmocka_unit_test(test_help_and_log_scroll),
		cmocka_unit_test(test_results_remembered),
		cmocka_unit_test(test_final_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * What the console's operator has set and is doing, as one state both of its
 * faces read: where the next page goes (every speaker, or one that the target
 * follows when it reconnects under a new id), the page duration, the speakers
 * in the table's order, the selection and the table's scroll, the prompt in
 * the footer (a duration or a command being typed, "quit anyway?"), the help
 * and the log view and how far each is scrolled, the answer the status line
 * gives the operator until the next key, and the outcomes each speaker
 * reported, remembered for the table's PREV PAGE column. Keys map to changes
 * here, or to an action the loop performs (talk, send, quit...); on a screen
 * too small to show them, those that would start or change a page are
 * refused. Where the terminal reports key releases (the kitty keyboard
 * protocol), Space talks while held: its press starts the page and its
 * release ends it; elsewhere Space starts and stops it (a toggle), and a
 * held Space's repeats are ignored either way they come. Every change worth
 * a log line says it once through the `say`
 * callback (headless: stdout; the screen: its log pane).
 *
 * Pure: no curses, sockets, audio, clocks or globals. The station's speakers
 * are read through the pointers console_state_set_speakers is given, never
 * the station itself. Units test every transition.
 */
#ifndef INTERCOM_CONSOLE_STATE_H
#define INTERCOM_CONSOLE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/audio/format.h"
#include "intercom/common/defaults.h"
#include "intercom/console/known_speakers.h"
#include "intercom/console/page_opts.h"
#include "intercom/console/page_target.h"
#include "intercom/console/page_settings.h"
#include "intercom/console/station.h"

/* What may be typed at the footer's prompt, in bytes with the terminating NUL. */
#define CONSOLE_PROMPT_MAX 256
/* The status line's answer to the operator, in bytes with the NUL: a log line's worth. */
#define CONSOLE_NOTICE_MAX 512

/* The final outcome of a page on a speaker, remembered by the console for the table. */
struct console_result {
	uint32_t page_id;         /* 0: none yet */
	uint8_t state;            /* enum proto_page_state, final */
	char reason[128];
};

/* What the footer asks for. */
enum console_prompt {
	CONSOLE_PROMPT_NONE,      /* the footer shows the keys */
	CONSOLE_PROMPT_DURATION,  /* digits typed: a new duration being entered */
	CONSOLE_PROMPT_COMMAND,   /* ":" a headless command line (send PATH, ...) */
	CONSOLE_PROMPT_QUIT,      /* a page is in flight: quit anyway? */
};

/*
 * Keys that are not bytes, as the loop hands them over (it maps the
 * terminal's key codes to these); bytes (UTF-8 input included) are passed
 * as they are, 0..255.
 */
enum console_key {
	CONSOLE_KEY_RESIZE = 0x1000,  /* the terminal changed size */
	CONSOLE_KEY_ENTER,
	CONSOLE_KEY_BACKSPACE,
	CONSOLE_KEY_UP,
	CONSOLE_KEY_DOWN,
	CONSOLE_KEY_LEFT,
	CONSOLE_KEY_RIGHT,
	CONSOLE_KEY_PAGE_UP,
	CONSOLE_KEY_PAGE_DOWN,
	CONSOLE_KEY_HOME,
	CONSOLE_KEY_END,
	CONSOLE_KEY_HELP,             /* F1 */
	CONSOLE_KEY_OTHER,            /* any other key that is not a byte */
};

/*
 * OR'd onto a key where the terminal reports more than presses (the kitty
 * keyboard protocol): the key was released, or repeats while held.
 */
#define CONSOLE_KEY_REPEAT 0x10000000
#define CONSOLE_KEY_RELEASE 0x20000000

/* What a key asks the loop to do, beyond the changes made here. */
enum console_action {
	CONSOLE_ACTION_NONE,          /* nothing more (the state may have changed) */
	CONSOLE_ACTION_RELAYOUT,      /* the terminal changed size: lay the screen out again */
	CONSOLE_ACTION_REPAINT,       /* Ctrl-L: repaint the whole terminal */
	CONSOLE_ACTION_TALK,          /* start recording a page */
	CONSOLE_ACTION_STOP,          /* end the recording now and send it */
	CONSOLE_ACTION_CANCEL,        /* drop the recording */
	CONSOLE_ACTION_TEST_TONE,     /* the test tone to the selected speaker */
	CONSOLE_ACTION_RESEND,        /* the last page (or the one picked in the history) again, to the
	                                 target (r), or to those that missed it (m in the history) */
	CONSOLE_ACTION_COMMAND,       /* run the command line typed, in prompt_text */
	CONSOLE_ACTION_SEND,          /* send an audio file (a command's argument) */
	CONSOLE_ACTION_LIST,          /* list the speakers in the log */
	CONSOLE_ACTION_PENDING,       /* list the speakers asking to join */
	CONSOLE_ACTION_APPROVE,       /* approve a speaker asking to join (arg: its id; a: the first) */
	CONSOLE_ACTION_REFUSE,        /* refuse one (arg: its id; x: the first) */
	CONSOLE_ACTION_FORGET,        /* forget an approved speaker (arg: its id or fingerprint) */
	CONSOLE_ACTION_HISTORY,       /* list the recent pages and their outcomes */
	CONSOLE_ACTION_QUIT,
};

/* What the loop knows that a key's meaning depends on. */
struct console_key_input {
	bool recording;               /* Space stops a recording, else starts one */
	bool in_flight;               /* a page is under way: q asks first */
	int page_rows;                /* PgUp/PgDn move the selection this many rows */
	bool too_small;               /* the screen only says it is too small: keys that would
	                                 change or send the next page are refused, not done unseen */
	size_t history_pages;         /* pages the history view lists (H: pick one with Up/Down) */
	size_t scroll_max;            /* how far the open help or log view scrolls (help: its first
	                                 line shown; log: events back from the newest) */
	int scroll_page;              /* the lines it shows: PgUp/PgDn scroll by about this much */
};

typedef void (*console_say_fn)(const char *line, void *ctx);

/* A table row's speaker, and where the station listed it. */
struct console_state_order {
	const struct station_speaker *sp;
	size_t index;
};

/* One speaker's remembered outcomes: PREV PAGE shows the one before the latest. */
struct console_result_slot {
	uint32_t speaker_id;
	struct console_result latest, before;
};

struct console_state {
	console_say_fn say;
	void *say_ctx;
	console_say_fn say_refusal; /* a refused command or key's answer (NULL: say): logged as a warning */
	struct audio_format fmt;      /* of pages: bounds the duration */

	/* the speakers as last listed, in the table's order (speaker name, zone, who came first) */
	const struct station_speaker **speakers;
	size_t speaker_count;
	uint32_t *joined_ids;         /* their ids in the station's order: a change is a join or a leave */
	struct console_state_order *order; /* table row -> its place in the station's list */
	size_t cap;                   /* room in the arrays above and the results */
	uint64_t speakers_gen;        /* counts the changes of who is connected (a join or a leave) */

	/* where and how long */
	struct page_target target;    /* where pages go: every speaker, zones, speakers by name */
	const struct known_speakers *known; /* the speakers seen, connected or not (NULL: none) */
	/* The options of the command just read (talk, send, resend): console_state_command sets
	   them, a key clears them (a key's page is the console's settings alone). */
	struct page_request request;
	double duration_s;
	/* live: a talk plays on the speakers as it is spoken; else it is recorded, then played */
	bool live;
	struct page_settings page;    /* priority, chime and pre-roll of next pages (page_settings.h) */
	/* Space talks while held: the terminal reports key releases. Else it is a toggle. */
	bool hold_to_talk;
	bool space_held;              /* the recording under way began with a Space press being held */

	/* the screen */
	uint32_t selected_id;         /* 0: none */
	size_t selected_index;        /* where it was, to select a neighbour when it leaves */
	size_t table_top;             /* first row the table shows */
	size_t table_rows;            /* rows it shows */
	enum console_prompt prompt;
	char prompt_text[CONSOLE_PROMPT_MAX];
	size_t prompt_len;
	bool help;
	size_t help_top;              /* the first help line shown: it scrolls on a small terminal */
	bool log_view;                /* the events, full screen */
	bool history_view;            /* the recent pages and their outcomes, full screen (H) */
	size_t history_sel;           /* the page picked there, 0: the latest */
	size_t log_back;              /* events below the log view's last line: 0 follows the newest */
	/* The status line's answer to what the operator just did (a refusal, an error, a value
	   asked for), until the next key; "" when there is none. It is in the log too. */
	char notice[CONSOLE_NOTICE_MAX];
	bool notice_error;
	struct console_result_slot *results;      /* one per speaker, in table order */
	struct console_result_slot *results_next; /* the next update builds here, then they swap */
	size_t result_count;
};

/* Pages to every speaker, duration_s long (as the options checked it). say may be NULL. */
void console_state_init(struct console_state *cs, const struct audio_format *fmt, double duration_s,
                        console_say_fn say, void *say_ctx);
void console_state_free(struct console_state *cs);

/*
 * The station's speakers, in its (joining) order: the table's order is
 * sorted again only when someone joined or left. If memory runs out, the
 * first ones are kept (the next call tries again).
 */
void console_state_set_speakers(struct console_state *cs,
                                const struct station_speaker *const *joined, size_t n);
/* The table's order: lobby-2 before lobby-10, then zone, then who came first. */
int console_state_speaker_cmp(const struct station_speaker *a, const struct station_speaker *b);
/* A listed speaker by id (0: none), and its table row in *index if index is not NULL. */
const struct station_speaker *console_state_find(const struct console_state *cs, uint32_t id,
                                                 size_t *index);
/* The selected speaker, or NULL. */
const struct station_speaker *console_state_selected(const struct console_state *cs);

/* ---- where pages go ---- */

/*
 * False (said) if a page for t (NULL: the console's target) would reach
 * nobody: no connected speaker is a target, nor a known one that is not
 * connected (cs->known; the page would wait for it). A
 * target that matches nobody is refused, never widened to everyone.
 */
bool console_state_target_check(struct console_state *cs, const struct page_target *t);
/* The known speakers t (NULL: the console's target) names that are not connected. */
size_t console_state_target_offline(const struct console_state *cs, const struct page_target *t);
/* The connected speakers t (NULL: the console's target) reaches. */
size_t console_state_target_count(const struct console_state *cs, const struct page_target *t);
/*
 * Enter / t: the selected speaker joins the target (from every speaker, it
 * becomes the only one), or leaves it (the last one out: every speaker).
 */
void console_state_target_toggle(struct console_state *cs);
/* z: the selected speaker's zone joins the target, or leaves it, likewise. */
void console_state_target_toggle_zone(struct console_state *cs);
/* The target command: the next pages go to t (said). */
void console_state_set_target(struct console_state *cs, const struct page_target *t);
/* True if the target is not every speaker and no connected speaker is in it. */
bool console_state_target_missing(const struct console_state *cs);
/* "all speakers", "zone hall", "hall-1, hall-2": the target in words. */
void console_state_target_text(const struct console_state *cs, char *out, size_t outlen);

/* ---- the duration ---- */

/* Clamped to what a page can hold at the format; say: log the change (and the clamp). */
/* Live talk or pages (L, the commands live and page); said. */
void console_state_set_live(struct console_state *cs, bool live);
void console_state_set_duration(struct console_state *cs, double seconds, bool say);
/* One 0.5 s step up (direction > 0) or down, landing on the step grid from a typed 2.25. */
void console_state_step_duration(struct console_state *cs, int direction);

/*
 * The terminal reports key releases (hold) or not (Space is a toggle):
 * said once when it changes.
 */
void console_state_set_hold(struct console_state *cs, bool hold);

/* ---- answers ---- */

/*
 * Says a line (the log) and shows it on the status line until the next key:
 * the answer to a key or a command the operator is waiting on, where the
 * operator is looking, whether or not the screen has room for the log.
 */
void console_state_answer(struct console_state *cs, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Shows text on the status line until the next key, as console_state_answer, without saying it (it was). */
void console_state_note(struct console_state *cs, bool error, const char *text);
/* A line joined the log: a log view scrolled back keeps showing the same events. */
void console_state_log_added(struct console_state *cs);

/* ---- the screen ---- */

/* Moves the selection by delta rows (clamped); selects the first speaker if none was. */
void console_state_select_move(struct console_state *cs, long delta);
/*
 * Handles one key (enum console_key or a byte, with CONSOLE_KEY_RELEASE or
 * CONSOLE_KEY_REPEAT where the terminal says so); returns what else the loop
 * must do. Releases matter only for Space in hold mode; a repeat is a press,
 * but for Space (a held Space must not stop what it started).
 */
enum console_action console_state_key(struct console_state *cs, int key,
                                      const struct console_key_input *in);

/*
 * One command line, from stdin (--headless) or the screen's ":" prompt:
 * talk (or an empty line), stop, cancel, send PATH, resend, duration
 * [SECONDS], list, quit. Trimmed in place; a duration is set (or shown) here,
 * a mistake is said with the right form. Returns the action, with *arg
 * pointing into line at the file for CONSOLE_ACTION_SEND.
 */
enum console_action console_state_command(struct console_state *cs, char *line, const char **arg);

/*
 * talk [SECONDS] [OPTS], send [OPTS] PATH, resend [--missed] [PAGE] [OPTS]
 * and target ... (console_target.c): true if line (trimmed) is one of them,
 * with *action (the options in cs->request, *arg at send's file), or NONE
 * for a mistake said or a target set; false for any other command.
 */
bool console_state_page_command(struct console_state *cs, char *line, const char **arg,
                                enum console_action *action);

/*
 * Before a snapshot, with `rows` table rows on screen: a selected speaker
 * that left gives the selection to its neighbour, the table scrolls to keep
 * the selection in view, and each speaker's final outcomes are remembered
 * (those of speakers that left are forgotten).
 */
void console_state_table_update(struct console_state *cs, size_t rows);
/* What PREV PAGE shows for table row i (after console_state_table_update): NULL if nothing yet. */
const struct console_result *console_state_last_result(const struct console_state *cs, size_t i);

/* True once state is an outcome (played, failed, muted, interrupted). */
bool console_state_page_final(uint8_t state);
/* True once a speaker's latest page has its outcome (for a legacy speaker: delivered). */
bool console_state_speaker_final(const struct station_speaker *sp);

#endif

/*
 * The terminal, owned by this module alone (after htop's CRT.c): curses
 * set-up and its undoing on every way out (normal end, SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT through the main loop, exit(), a crash, a sanitizer
 * report; without an alternate screen the last screen stays and what follows
 * starts on a new line below it), Ctrl-Z and fg (every mode back before the
 * next key), key releases where the terminal reports them (the kitty
 * keyboard protocol, probed for, pushed and popped on those same paths; keys
 * decoded by keyproto and handed out as curses would), semantic colours with
 * a monochrome fallback, block glyphs or ASCII, keys and resizes as a
 * non-blocking source for a poll() loop, and whatever libraries print on
 * stderr kept off the screen (it goes to the log instead). Generic: it knows
 * nothing of consoles or speakers, so every screen of the project uses it.
 */
#ifndef INTERCOM_TERM_H
#define INTERCOM_TERM_H

#include <curses.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

/* What a piece of the screen means; term_attr gives its attributes here and now. */
enum term_color {
	TERM_NORMAL,
	TERM_DIM,        /* secondary text: headings, placeholders */
	TERM_HEADING,    /* a table heading, a pane title */
	TERM_TITLE,      /* the title bar */
	TERM_OK,         /* good outcome; low meter band */
	TERM_WARN,       /* worth a look; middle meter band */
	TERM_BAD,        /* failure; hot meter band */
	TERM_ACCENT,     /* something in progress */
	TERM_ALERT,      /* a banner that must not be missed (RECORDING, CLIP) */
	TERM_SELECTED,   /* the selected row */
	TERM_COLORS
};

/* Glyphs with an ASCII stand-in, for terminals whose locale is not UTF-8. */
enum term_glyph {
	TERM_GLYPH_FULL,     /* a full cell of a bar: "█" / "#" */
	TERM_GLYPH_TRACK,    /* the empty part of a meter: "·" / "." */
	TERM_GLYPH_PEAK,     /* a meter's peak marker: "│" / "|" */
	TERM_GLYPH_HOLD,     /* a meter's held peak: "▌" / "!" */
	TERM_GLYPH_HLINE,    /* a rule: "─" / "-" */
	TERM_GLYPH_MARK,     /* the selected row's marker: "▸" / ">" */
	TERM_GLYPH_DOT,      /* a separator: "·" / "|" */
	TERM_GLYPH_REC,      /* recording: "●" / "*" */
	TERM_GLYPHS
};

/* Entries term_poll_prepare fills: the keyboard, the resize pipe, captured stderr. */
#define TERM_POLLFDS 3

/*
 * Takes over the terminal: LC_CTYPE from the environment, curses in cbreak,
 * noecho, keypad and non-blocking mode, software flow control off (Ctrl-S
 * must not stop the screen, and the loop with it), a short ESCDELAY so Esc is
 * responsive, colours if the terminal has them and NO_COLOR is unset or
 * empty, UTF-8 glyphs if the locale's charset is UTF-8. Takes SIGWINCH,
 * SIGCONT and (unless ignored) SIGTSTP until term_done: Ctrl-Z leaves the
 * screen and stops, fg brings the modes and the screen back (see
 * term_poll_handle). Call it after the program's own signal handlers are
 * installed. 0, or -1 with a message naming the cause and the fix (no
 * terminal, unknown TERM).
 */
int term_init(char *err, size_t errlen);
/* Gives the terminal back as it was. Safe to call at any time, any number of times. */
void term_done(void);
bool term_active(void);
/* Restores the terminal, prints "prog: message" on stderr and exits with code. */
void term_fatal(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

bool term_utf8(void);
bool term_has_color(void);
/* Attributes (colour pair included) for a role: use with wattrset. */
attr_t term_attr(enum term_color color);
const char *term_glyph(enum term_glyph glyph);

/* Fills fds for poll(). */
void term_poll_prepare(struct pollfd fds[TERM_POLLFDS]);
/*
 * Handles what poll() reported: notes a resize, moves captured stderr lines
 * to the log, and does Ctrl-Z's work: leaves the screen and stops; once
 * continued in the foreground, restores every mode and the picture and
 * hands the program a KEY_RESIZE (the size may have changed meanwhile).
 * Continued in the background (bg), the program runs on without the
 * terminal (no keys, no frames) and a later pass, woken by the pending
 * frame's retry (TERM_DRAW_RETRY_MS), sees fg. Returns true if keys (or a
 * resize) wait for term_key.
 */
bool term_poll_handle(const struct pollfd fds[TERM_POLLFDS]);
/*
 * True if the terminal takes output now. Stopped (a stalled SSH link, output
 * held by tcflow) a redraw would block the loop until it drains: skip the
 * frame, keep it pending and try again after TERM_DRAW_RETRY_MS. False too
 * while the program is off the terminal (Ctrl-Z, then bg).
 */
bool term_can_draw(void);
/* Soon enough for a screen that was stopped to catch up as it comes back, rare enough to cost nothing. */
#define TERM_DRAW_RETRY_MS 100
/* True once the terminal went away (hang-up): nobody can see or type any more. */
bool term_lost(void);
/*
 * The next key (a character byte or a KEY_* code), KEY_RESIZE once after the
 * size changed (curses already resized), or ERR when none waits. Never blocks
 * longer than ESCDELAY (an Esc waiting to see if a sequence follows).
 */
int term_key(void);
/*
 * Key events beyond a press, with the kitty keyboard protocol in force: OR'd
 * onto the key term_key returns (a byte or a KEY_* code, TERM_KEY_CODE).
 * A legacy terminal sends neither: a key held down repeats as presses.
 */
#define TERM_KEY_REPEAT 0x10000000
#define TERM_KEY_RELEASE 0x20000000
#define TERM_KEY_CODE(key) ((key) & ~(TERM_KEY_REPEAT | TERM_KEY_RELEASE))

/*
 * Asks the terminal whether it speaks the kitty keyboard protocol (CSI ? u,
 * then DA1, which every terminal answers). Nothing waits for the answer:
 * until it comes, keys are what they always were (no releases). If the
 * flags' reply comes before DA1's, the protocol's flags are pushed (event
 * types, all keys as escape codes, their text) and popped on every way out
 * and around Ctrl-Z; keys then arrive with TERM_KEY_RELEASE and
 * TERM_KEY_REPEAT events, every other key as curses would give it (Ctrl-C,
 * Ctrl-\ and Ctrl-Z raise their signals as the tty would). A terminal that
 * does not answer within TERM_PROBE_MS (500 ms) has no releases.
 */
void term_keys_probe(void);
/* True while the terminal reports key releases (the protocol is in force). */
bool term_key_releases(void);
/* timeout_ms (-1: none) shortened to when term next needs a look (the probe's deadline). */
int term_timeout(int timeout_ms);

/* Forgets what is on the terminal, so the next doupdate repaints it all (^L). */
void term_repaint(void);

#endif

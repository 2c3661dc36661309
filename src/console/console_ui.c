/* The console's curses screen: draw functions over a snapshot, and what to redraw. */
#include "intercom/console/console_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/console/console_layout.h"
#include "intercom/tui/layout.h"
#include "intercom/tui/term.h"
#include "intercom/tui/textfmt.h"
#include "intercom/tui/widgets.h"

/* Events kept for the log pane: more than any terminal is tall. */
#define LOG_LINES 256
/* Longest text drawn in one go: a line of a very wide terminal, with multibyte characters. */
#define TEXT_MAX 2048
/* A bar after "playing 45%" needs a few cells to mean anything; more than 10 adds nothing. */
#define STATE_BAR_MIN 3
#define STATE_BAR_MAX 10
/* The RECORDING banner's countdown bar: wide enough to read at a glance, no wider. */
#define BANNER_BAR_MIN 6
#define BANNER_BAR_MAX 40
/* The banner repeats the footer's keys only where its bar still gets this many cells. */
#define BANNER_BAR_BEFORE_HINTS 24
/* A device's name cut shorter than this says nothing next to the format: it is left out. */
#define INPUT_DEVICE_MIN_W 6
/* Bytes a glyph of a bar takes at most (UTF-8 blocks are 3). */
#define GLYPH_BYTES 4
/* The help's key column: "0-9 . Enter" and two spaces. */
#define HELP_KEY_W 13
/* Rows of the help wrapped at its narrowest: more than it ever needs. */
#define HELP_ROWS_MAX 160
/* A log line's "HH:MM:SS.mmm " stamp: the log view indents what wraps under it. */
#define LOG_STAMP_W 13
/* Narrower than this, the log view's wrapped lines are not indented under the stamp. */
#define LOG_INDENT_MIN_W 40

enum region { R_HEADER, R_STATUS, R_METER, R_TABLE, R_LOG, R_FOOTER, REGIONS };

struct console_ui {
	struct console_layout layout;
	bool laid_out;
	WINDOW *win[REGIONS];
	WINDOW *help;             /* the ? overlay, on top of everything while shown */
	size_t help_drawn_top;    /* the help's first line as drawn */
	WINDOW *small;            /* the whole screen when it is too small for the layout */
	WINDOW *logview;          /* the events, full screen, while shown */
	WINDOW *historyview;      /* the page history, full screen, while shown (H) */
	bool force;               /* redraw every part: new windows, a resize, ^L */
	bool hold;                /* the help says Space is held (the terminal reports releases) */

	struct console_view *prev; /* what is on the screen now */
	bool prev_valid;
	struct meter_view prev_meter;

	struct log_history log;
	uint64_t drawn_log_gen;
};

struct console_ui *console_ui_new(void)
{
	struct console_ui *ui = calloc(1, sizeof *ui);
	if (!ui)
		return NULL;
	ui->prev = calloc(1, sizeof *ui->prev);
	log_history_init(&ui->log, LOG_LINES);
	if (!ui->prev || !ui->log.lines) {
		console_ui_free(ui);
		return NULL;
	}
	ui->force = true;
	return ui;
}

/* Deletes every window (their cells stay on the terminal until drawn over). */
static void windows_free(struct console_ui *ui)
{
	for (int r = 0; r < REGIONS; r++) {
		if (ui->win[r])
			delwin(ui->win[r]);
		ui->win[r] = NULL;
	}
	if (ui->help)
		delwin(ui->help);
	if (ui->small)
		delwin(ui->small);
	if (ui->logview)
		delwin(ui->logview);
	if (ui->historyview)
		delwin(ui->historyview);
	ui->help = ui->small = ui->logview = ui->historyview = NULL;
}

void console_ui_free(struct console_ui *ui)
{
	if (!ui)
		return;
	if (term_active())
		windows_free(ui);
	free(ui->prev);
	log_history_free(&ui->log);
	free(ui);
}

void console_ui_log_cb(const char *line, void *ctx)
{
	struct console_ui *ui = ctx;
	log_history_add(&ui->log, line);
}

void console_ui_invalidate(struct console_ui *ui)
{
	ui->laid_out = false;
	ui->force = true;
}

/* What the status wraps after the banner: the answer to the operator, else the summary. */
static const char *status_text(const struct console_view_status *s)
{
	return s->notice[0] ? s->notice : s->recording ? "" : s->text;
}

/* The layout at the terminal's size for that many speakers and that status. */
static void layout_now(struct console_layout *l, size_t speakers, const struct console_view_status *s)
{
	console_layout_compute(l, COLS, LINES, speakers,
	                       console_layout_status_lines(COLS, status_text(s), s->recording, term_utf8()));
}

int console_ui_table_rows(const struct console_ui *ui, size_t speakers,
                          const struct console_view_status *status)
{
	(void)ui;
	if (!term_active())
		return 0;
	struct console_layout l;
	layout_now(&l, speakers, status);
	return l.too_small ? 0 : l.table_rows;
}

bool console_ui_too_small(const struct console_ui *ui)
{
	(void)ui;
	return term_active() && (COLS < CONSOLE_MIN_W || LINES < CONSOLE_MIN_H);
}

/* ---- drawing helpers: a place and a text, nothing else ---- */

static attr_t tone_attr(enum console_tone tone)
{
	switch (tone) {
	case CONSOLE_TONE_DIM: return term_attr(TERM_DIM);
	case CONSOLE_TONE_OK: return term_attr(TERM_OK);
	case CONSOLE_TONE_WARN: return term_attr(TERM_WARN);
	case CONSOLE_TONE_BAD: return term_attr(TERM_BAD);
	case CONSOLE_TONE_ACCENT: return term_attr(TERM_ACCENT);
	default: return term_attr(TERM_NORMAL);
	}
}

/* Draws a glyph n times from y, x. */
static void repeat(WINDOW *win, int y, int x, int n, attr_t attr, const char *glyph)
{
	wattrset(win, attr);
	wmove(win, y, x);
	for (int i = 0; i < n; i++)
		waddstr(win, glyph);
	wattrset(win, A_NORMAL);
}

/* Paints a whole line in attr (a bar's background). */
static void fill_line(WINDOW *win, int y, int w, attr_t attr)
{
	mvwhline(win, y, 0, ' ' | attr, w);
}

/* ---- the parts of the screen ---- */

/*
 * Where the console listens and what it records, in w columns from y, x. At
 * 80 columns not all of it fits beside the link: the format stays whole, so
 * the device's name gives way first (cut, then left out), then "listening on"
 * shortens to "on"; only a narrower screen cuts the format.
 */
static void draw_listen_input(WINDOW *win, int y, int x, int w, const struct console_view_header *v)
{
	static const struct { const char *listen, *gap; bool device; } forms[] = {
		{ "listening on ", "   ", true }, { "listening on ", "   ", false },
		{ "on ", "  ", true },             { "on ", "  ", false },
	};
	const size_t n_forms = sizeof forms / sizeof forms[0];
	bool utf8 = term_utf8();
	char head[sizeof v->listen + 32], device[sizeof v->input + 8], text[TEXT_MAX];
	if (!v->input_format[0]) { /* no input: why not, cut at the end if it must be */
		snprintf(text, sizeof text, "listening on %s", v->listen);
		int used = widget_text(win, y, x, w, term_attr(TERM_NORMAL), text);
		snprintf(text, sizeof text, "   input: %s", v->input);
		widget_text(win, y, x + used, w - used, v->input_ok ? term_attr(TERM_NORMAL) : term_attr(TERM_WARN),
		    text);
		return;
	}
	const char *dot = term_glyph(TERM_GLYPH_DOT);
	int device_w = textfmt_width(v->input, utf8);
	int device_min = device_w < INPUT_DEVICE_MIN_W ? device_w : INPUT_DEVICE_MIN_W;
	for (size_t i = 0; i < n_forms; i++) {
		snprintf(head, sizeof head, "%s%s%sinput: ", forms[i].listen, v->listen, forms[i].gap);
		int fixed = textfmt_width(head, utf8) + textfmt_width(v->input_format, utf8);
		/* The device goes between "input: " and the format, a separator after it. */
		int device_room = w - fixed - 2 - textfmt_width(dot, utf8);
		if (forms[i].device) {
			if (device_min == 0 || device_room < device_min)
				continue;
			textfmt_fit(device, sizeof device, v->input, device_room, utf8);
			snprintf(text, sizeof text, "%s%s %s %s", head, device, dot, v->input_format);
		} else {
			if (fixed > w && i < n_forms - 1)
				continue;
			snprintf(text, sizeof text, "%s%s", head, v->input_format);
		}
		widget_text(win, y, x, w, term_attr(TERM_NORMAL), text);
		return;
	}
}

/*
 * Title bar: what the next page will be, where it goes before anything else
 * (console_layout_title); second line: where we listen and what we hear.
 */
static void draw_header(WINDOW *win, int h, int w, const struct console_view_header *v)
{
	werase(win);
	attr_t bar = term_attr(TERM_TITLE);
	fill_line(win, 0, w, bar);
	struct console_title t;
	console_layout_title_preroll(&t, w, v->duration, v->preroll, v->target, v->target_missing, v->speakers,
	                             term_utf8());
	const char *pieces[] = { t.name, t.duration, t.target, t.speakers };
	int x = 1;
	bool first = true;
	for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		if (!*pieces[i])
			continue;
		if (!first)
			x += t.gap;
		first = false;
		attr_t attr = pieces[i] == t.name ? bar | A_BOLD
		              : pieces[i] == t.target && (v->target_missing || v->emergency) ? term_attr(TERM_ALERT) : bar;
		x += widget_text(win, 0, x, w - x, attr, pieces[i]);
	}
	if (h < 2)
		return;
	/* The link's security sits at the right of the second line and is never cut. */
	int link_w = (int)strlen(v->link);
	int room = w - link_w - 3 > 0 ? w - link_w - 3 : w;
	draw_listen_input(win, 1, 1, room - 1, v);
	if (room < w)
		widget_text(win, 1, w - link_w - 1, link_w,
		    v->link_secure ? term_attr(TERM_OK) : term_attr(TERM_WARN) | A_BOLD, v->link);
}

/* The parts of the RECORDING banner, in the order shown. */
enum banner_part { BANNER_WHAT, BANNER_CLOCK, BANNER_BAR, BANNER_LEFT, BANNER_HINTS, BANNER_PARTS };

/*
 * The RECORDING banner on line y: where the page goes is never dropped (cut
 * last of all); the time left, the clock, the countdown bar and the keys
 * (the footer has them too) give way in the reverse of that order.
 */
static void draw_banner(WINDOW *win, int y, int w, const struct console_view_status *v)
{
	attr_t alert = term_attr(TERM_ALERT);
	fill_line(win, y, w, alert);
	char what[sizeof v->rec_target + 32], clock[48], bar[BANNER_BAR_MAX * GLYPH_BYTES + 1];
	snprintf(what, sizeof what, "%s RECORDING %s", term_glyph(TERM_GLYPH_REC), v->rec_target);
	snprintf(clock, sizeof clock, "%s / %s", v->rec_elapsed, v->rec_total);
	const char *hints = v->held ? " let go of Space: send now  Esc: cancel" : " Space: send now  Esc: cancel";
	const char *texts[BANNER_PARTS] = {
		[BANNER_WHAT] = what, [BANNER_CLOCK] = clock, [BANNER_BAR] = "",
		[BANNER_LEFT] = v->rec_left, [BANNER_HINTS] = hints,
	};
	static const int drop[BANNER_PARTS] = {
		[BANNER_WHAT] = 0, [BANNER_CLOCK] = 3, [BANNER_BAR] = 4, [BANNER_LEFT] = 2, [BANNER_HINTS] = 5,
	};
	struct layout_col cols[BANNER_PARTS];
	int widths[BANNER_PARTS];
	for (int i = 0; i < BANNER_PARTS; i++) {
		int tw = textfmt_width(texts[i], term_utf8());
		cols[i] = (struct layout_col){ .min = tw, .want = tw, .drop = drop[i] };
	}
	cols[BANNER_BAR] = (struct layout_col){ .min = BANNER_BAR_MIN, .want = BANNER_BAR_MAX,
	                                        .drop = drop[BANNER_BAR] };
	layout_columns(cols, BANNER_PARTS, w - 2, 2, widths);
	if (widths[BANNER_HINTS] && widths[BANNER_BAR] < BANNER_BAR_BEFORE_HINTS) {
		/* The keys are in the footer too: a bar that can be read comes first. */
		cols[BANNER_HINTS].min = cols[BANNER_HINTS].want = w;
		layout_columns(cols, BANNER_PARTS, w - 2, 2, widths);
	}
	int x = 1;
	for (int i = 0; i < BANNER_PARTS; i++) {
		if (widths[i] <= 0)
			continue;
		if (i == BANNER_BAR) {
			textfmt_bar(bar, sizeof bar, widths[i], v->rec_left_permille / 1000.0, term_utf8());
			widget_text(win, y, x, widths[i], alert, bar);
		} else {
			widget_text(win, y, x, widths[i], alert, texts[i]);
		}
		x += widths[i] + 2;
	}
}

/*
 * The status lines: the RECORDING banner, then the answer to what the
 * operator just did, else (not recording) the latest page's summary, wrapped
 * in full as far as the lines go.
 */
static void draw_status(WINDOW *win, int h, int w, const struct console_view_status *v)
{
	werase(win);
	int y = 0;
	if (v->recording)
		draw_banner(win, y++, w, v);
	if (*status_text(v) && y < h)
		widget_wrap(win, y, 1, w - 2, h - y, tone_attr(v->notice[0] ? v->notice_tone : v->tone),
		    status_text(v));
}

/* The meter line (label, bar, clip light, held peak in dB) and, on a second line, its scale. */
static void draw_meter(WINDOW *win, int h, int w, const struct console_layout *l, bool on,
                       const struct meter_view *mv)
{
	werase(win);
	widget_text(win, 0, 0, CONSOLE_METER_LABEL_W, term_attr(TERM_HEADING), "  input");
	if (!on) {
		widget_text(win, 0, l->meter_x, w - l->meter_x - 1, term_attr(TERM_DIM),
		    "no input: talk is disabled (files still go: \":send PATH\")");
		return;
	}
	widget_meter(win, 0, l->meter_x, mv);
	int x = l->meter_x + mv->cells;
	widget_text(win, 0, x + 1, 4, mv->clip ? term_attr(TERM_ALERT) : term_attr(TERM_DIM),
	    mv->clip ? "CLIP" : "    ");
	char text[32];
	if (mv->hold_db <= (int)METER_SCALE_MIN_DB)
		snprintf(text, sizeof text, "%7s", "<-60 dB");
	else
		snprintf(text, sizeof text, "%4d dB", mv->hold_db);
	widget_text(win, 0, x + 7, CONSOLE_METER_TAIL_W - 7, term_attr(TERM_NORMAL), text);
	if (h < 2)
		return;
	char labels[TEXT_MAX];
	meter_scale_labels(labels, sizeof labels, mv->cells);
	widget_text(win, 1, 0, CONSOLE_METER_LABEL_W, term_attr(TERM_DIM), "   dBFS");
	widget_text(win, 1, l->meter_x, mv->cells, term_attr(TERM_DIM), labels);
}

static const char *const col_titles[CONSOLE_COLS] = {
	[CONSOLE_COL_NAME] = "NAME", [CONSOLE_COL_ZONE] = "ZONE", [CONSOLE_COL_ADDR] = "ADDRESS",
	[CONSOLE_COL_UP] = "UP",     [CONSOLE_COL_RTT] = "RTT",   [CONSOLE_COL_SYNC] = "SYNC",
	[CONSOLE_COL_STATE] = "STATE",
	[CONSOLE_COL_LAST] = "PREV PAGE",
};

/* The state cell: "playing 45%" and, where there is room, a small progress bar. */
static void draw_state_cell(WINDOW *win, int y, int x, int w, attr_t extra,
                            const struct console_row *row)
{
	int used = widget_text(win, y, x, w, tone_attr(row->state_tone) | extra, row->state);
	int cells = w - used - 1;
	if (row->progress < 0 || cells < STATE_BAR_MIN)
		return;
	if (cells > STATE_BAR_MAX)
		cells = STATE_BAR_MAX;
	char bar[STATE_BAR_MAX * GLYPH_BYTES + 1];
	textfmt_bar(bar, sizeof bar, cells, row->progress / 1000.0, term_utf8());
	widget_text(win, y, x + used + 1, cells, term_attr(TERM_ACCENT) | extra, bar);
}

/* One speaker's row; the selected one in reverse video with a marker. */
static void draw_row(WINDOW *win, int y, int w, const struct console_layout *l,
                     const struct console_row *row, bool selected)
{
	attr_t extra = selected ? term_attr(TERM_SELECTED) : A_NORMAL;
	if (selected) {
		fill_line(win, y, w, extra);
		widget_text(win, y, 0, 1, extra, term_glyph(TERM_GLYPH_MARK));
	}
	const char *cells[CONSOLE_COLS] = {
		[CONSOLE_COL_NAME] = row->name, [CONSOLE_COL_ZONE] = row->zone,
		[CONSOLE_COL_ADDR] = row->addr, [CONSOLE_COL_UP] = row->up,
		[CONSOLE_COL_RTT] = row->rtt,   [CONSOLE_COL_LAST] = row->last,
	};
	/* "±0.3 ms" as "+-0.3 ms" where the terminal has no "±". */
	char sync[sizeof row->sync + 1];
	if (!term_utf8() && strncmp(row->sync, "±", strlen("±")) == 0)
		snprintf(sync, sizeof sync, "+-%s", row->sync + strlen("±"));
	else
		snprintf(sync, sizeof sync, "%s", row->sync);
	cells[CONSOLE_COL_SYNC] = sync;
	for (int c = 0; c < CONSOLE_COLS; c++) {
		int cw = l->col_w[c];
		if (cw <= 0)
			continue;
		if (c == CONSOLE_COL_STATE)
			draw_state_cell(win, y, l->col_x[c], cw, extra, row);
		else if (c == CONSOLE_COL_LAST)
			widget_text(win, y, l->col_x[c], cw, tone_attr(row->last_tone) | extra, cells[c]);
		else if (c == CONSOLE_COL_SYNC)
			widget_text(win, y, l->col_x[c], cw, tone_attr(row->sync_tone) | extra, cells[c]);
		else
			widget_text(win, y, l->col_x[c], cw, (c == CONSOLE_COL_NAME ? A_BOLD : A_NORMAL) | extra, cells[c]);
	}
}

/* The column headings, then the rows of the snapshot (the part of the table that fits). */
static void draw_table(WINDOW *win, int w, const struct console_layout *l,
                       const struct console_view_table *v)
{
	werase(win);
	attr_t heading = term_attr(TERM_HEADING);
	for (int c = 0; c < CONSOLE_COLS; c++)
		if (l->col_w[c] > 0)
			widget_text(win, 0, l->col_x[c], l->col_w[c], heading, col_titles[c]);
	int rows = l->table_rows < (int)v->row_count ? l->table_rows : (int)v->row_count;
	if (v->total > (size_t)rows) {
		/* Which rows of how many, next to NAME: "NAME  11-20/26". */
		char text[64];
		snprintf(text, sizeof text, "%zu-%zu/%zu", v->first + 1, v->first + (size_t)rows, v->total);
		int x = l->col_x[CONSOLE_COL_NAME] + 6, room = l->col_w[CONSOLE_COL_NAME] - 6;
		widget_text_whole(win, 0, x, room, term_attr(TERM_DIM), text);
	}
	if (v->total == 0) {
		widget_text(win, 1, CONSOLE_TABLE_MARK_W, w - CONSOLE_TABLE_MARK_W - 1, term_attr(TERM_DIM),
		    "no speakers yet: run intercom-speaker with this console's address on each "
		    "loudspeaker machine, then approve it here (a) when it asks to join");
		return;
	}
	for (int i = 0; i < rows; i++)
		draw_row(win, 1 + i, w, l, &v->rows[i], i == v->selected);
}

/* A log line's colour: failures stand out, library chatter is a warning. */
static attr_t log_attr(const char *line)
{
	if (strstr(line, " failed") || strstr(line, "cannot ") || strstr(line, " NOT "))
		return term_attr(TERM_BAD);
	if (strstr(line, "warning") || strstr(line, "stderr: ") || strstr(line, " left: "))
		return term_attr(TERM_WARN);
	return term_attr(TERM_NORMAL);
}

/* A rule titled "events", then the latest log lines, newest at the bottom, cut to the width. */
static void draw_log(const struct console_ui *ui, WINDOW *win, int h, int w)
{
	werase(win);
	attr_t dim = term_attr(TERM_DIM);
	const char *hline = term_glyph(TERM_GLYPH_HLINE);
	repeat(win, 0, 0, 2, dim, hline);
	int x = 2 + widget_text(win, 0, 2, w - 2, term_attr(TERM_HEADING), " events ");
	/* Lines are cut here: the log view (l) shows every one whole, and older ones. */
	const char *more = " l: all of them ";
	int more_w = (int)strlen(more);
	if (w - x - more_w - 2 >= 4) {
		repeat(win, 0, x, w - x - more_w - 2, dim, hline);
		widget_text(win, 0, w - more_w - 2, more_w, dim, more);
		repeat(win, 0, w - 2, 2, dim, hline);
	} else {
		repeat(win, 0, x, w - x, dim, hline);
	}
	int lines = h - 1;
	size_t shown = ui->log.count < (size_t)lines ? ui->log.count : (size_t)lines;
	for (size_t i = 0; i < shown; i++) {
		const char *line = log_history_recent(&ui->log, shown, i);
		int y = lines - (int)shown + 1 + (int)i;
		/* "HH:MM:SS.mmm " is dim, the event itself is what to read. */
		size_t stamp = strlen(line) > 13 && line[2] == ':' && line[12] == ' ' ? 13 : 0;
		char head[16];
		memcpy(head, line, stamp);
		head[stamp] = '\0';
		int used = widget_text(win, y, 1, w - 2, dim, head);
		widget_text(win, y, 1 + used, w - 2 - used, log_attr(line), line + stamp);
	}
}

struct hint {
	const char *key, *label;
	int drop;
};

/* Key hints in one line, the least needed dropped first when narrow. */
static void draw_hints(WINDOW *win, int w, const struct hint *hints, size_t n)
{
	struct layout_col cols[16] = { { 0 } };
	int widths[16];
	char text[16][64];
	if (n > 16)
		n = 16;
	for (size_t i = 0; i < n; i++) {
		snprintf(text[i], sizeof text[i], "%s %s", hints[i].key, hints[i].label);
		int tw = textfmt_width(text[i], term_utf8());
		cols[i] = (struct layout_col){ .min = tw, .want = tw, .drop = hints[i].drop };
	}
	layout_columns(cols, n, w - 2, 2, widths);
	int x = 1;
	for (size_t i = 0; i < n; i++) {
		if (!widths[i])
			continue;
		int kw = widget_text(win, 0, x, widths[i], term_attr(TERM_HEADING), hints[i].key);
		widget_text(win, 0, x + kw + 1, widths[i] - kw - 1, term_attr(TERM_NORMAL), hints[i].label);
		x += widths[i] + 2;
	}
}

/* Room for a prompt's label. */
#define PROMPT_LABEL_MAX 96

/* An open prompt's parts: a label, what was typed, the hint after it. False when none is open. */
static bool prompt_parts(const struct console_view_footer *v, char *label, const char **typed,
                         const char **hint)
{
	*typed = v->text;
	*hint = "";
	label[0] = '\0';
	switch (v->prompt) {
	case CONSOLE_PROMPT_DURATION:
		snprintf(label, PROMPT_LABEL_MAX, "duration in seconds (%g to %g): ", DURATION_MIN_S,
		         DURATION_MAX_S);
		*hint = "Enter sets, Esc cancels";
		return true;
	case CONSOLE_PROMPT_COMMAND:
		snprintf(label, PROMPT_LABEL_MAX, ":");
		*hint = "send PATH, duration S, list ... Enter runs, Esc cancels";
		return true;
	case CONSOLE_PROMPT_QUIT:
		/* What quitting would drop, where it can be said. */
		snprintf(label, PROMPT_LABEL_MAX, "%s", v->recording
		         ? "Quitting drops the recording, unsent. Quit anyway? (y/n)"
		         : "A page is in flight. Quit anyway? (y/n)");
		*typed = "";
		return true;
	case CONSOLE_PROMPT_NONE:
		break;
	}
	return false;
}

/*
 * What an open prompt shows whole (the quit question, or what is being typed
 * with a cursor) and the hint after it. False when no prompt is open.
 */
static bool prompt_text(char *text, size_t textlen, const char **hint, const struct console_view_footer *v)
{
	char label[PROMPT_LABEL_MAX];
	const char *typed;
	if (!prompt_parts(v, label, &typed, hint))
		return false;
	snprintf(text, textlen, "%s%s%s", label, typed,
	         v->prompt == CONSOLE_PROMPT_QUIT ? "" : term_utf8() ? "█" : "_");
	return true;
}

/*
 * A prompt being typed in w columns: when it is wider, its end (where the
 * cursor is) stays in view after an ellipsis, and a duration's label shortens.
 */
static void prompt_fit(char *text, size_t textlen, const struct console_view_footer *v, int w)
{
	bool utf8 = term_utf8();
	char label[PROMPT_LABEL_MAX];
	const char *typed, *hint;
	prompt_parts(v, label, &typed, &hint);
	const char *cursor = utf8 ? "█" : "_", *dots = utf8 ? "…" : "~";
	snprintf(text, textlen, "%s%s%s", label, typed, cursor);
	if (textfmt_width(text, utf8) <= w)
		return;
	if (v->prompt == CONSOLE_PROMPT_DURATION)
		snprintf(label, sizeof label, "seconds: ");
	int room = w - textfmt_width(label, utf8) - textfmt_width(cursor, utf8);
	if (textfmt_width(typed, utf8) > room)
		snprintf(text, textlen, "%s%s%s%s", label, dots,
		         typed + console_layout_tail(typed, room - textfmt_width(dots, utf8), utf8), cursor);
	else
		snprintf(text, textlen, "%s%s%s", label, typed, cursor);
}

/* The keys that matter now, or the prompt being typed, or the quit question. */
static void draw_footer(WINDOW *win, int w, const struct console_view_footer *v)
{
	werase(win);
	char text[TEXT_MAX];
	const char *hint;
	if (prompt_text(text, sizeof text, &hint, v)) {
		bool question = v->prompt == CONSOLE_PROMPT_QUIT;
		attr_t attr = question ? term_attr(TERM_ALERT) : term_attr(TERM_ACCENT);
		if (question)
			fill_line(win, 0, w - 1, attr);
		else
			prompt_fit(text, sizeof text, v, w - 2);
		int used = widget_text(win, 0, 1, question ? w - 3 : w - 2, attr, text);
		if (*hint) {
			char tail[128];
			snprintf(tail, sizeof tail, "  %s", hint);
			widget_text_whole(win, 0, 2 + used, w - 3 - used, term_attr(TERM_DIM), tail);
		}
		return;
	}
	const char *updown = term_utf8() ? "↑↓" : "Up/Dn";
	if (v->recording) {
		const struct hint hints[] = {
			{ "Space", v->held ? "let go: send now" : "send now", 0 }, { "Esc", "cancel", 0 },
			{ "+/-", "duration", 2 },
			{ "?", "help", 1 },         { "q", "quit", 3 },
		};
		draw_hints(win, w, hints, sizeof hints / sizeof hints[0]);
		return;
	}
	struct hint hints[12];
	size_t n = 0;
	hints[n++] = (struct hint){ "Space", v->hold ? "hold to talk" : "talk", 0 };
	hints[n++] = (struct hint){ "+/-", "duration", 2 };
	if (v->can_test) { /* with no speaker selected these keys do nothing */
		hints[n++] = (struct hint){ updown, "select", 5 };
		hints[n++] = (struct hint){ "t", "target", 4 };
		hints[n++] = (struct hint){ "z", "zone", 11 };
		hints[n++] = (struct hint){ "T", "test tone", 6 };
	}
	hints[n++] = (struct hint){ "r", "resend", 7 };
	hints[n++] = (struct hint){ "H", "history", 10 };
	hints[n++] = (struct hint){ ":", "command", 8 };
	hints[n++] = (struct hint){ "l", "log", 9 };
	hints[n++] = (struct hint){ "?", "help", 1 };
	hints[n++] = (struct hint){ "q", "quit", 0 };
	draw_hints(win, w, hints, n);
}

/* The help: a key and what it does, or (no key) a line of prose. */
static const struct {
	const char *key, *text;
} help_lines[] = {
	/* The first two lines and the Space entry are help_hold's where Space is held. */
	{ NULL, "Space is a toggle, not a hold: this terminal does not report a" },
	{ NULL, "key being released. Press it once to talk, once more to send early." },
	{ NULL, "" },
	{ "Space", "talk: record for the set duration, then send" },
	{ "", "(while recording: stop now and send what you said)" },
	{ "Esc", "cancel the recording and discard it" },
	{ "+ Right", "duration 0.5 s longer (up to 300 s)" },
	{ "- Left", "duration 0.5 s shorter (down to 0.5 s)" },
	{ "0-9 . Enter", "type a duration in seconds (Space sets it and talks)" },
	{ "Up Down", "select a speaker (PgUp PgDn Home End)" },
	{ "Enter  t", "the selected speaker in or out of the next page's target (from all: it alone)" },
	{ "z", "the selected speaker's zone in or out of the target (the header says where pages go)" },
	{ "T", "play the test tone on the selected speaker only" },
	{ "r", "send the last page again" },
	{ "H", "the page history: pick a page, r sends it again, m to those that missed it" },
	{ "a  x", "approve / refuse the speaker that asks to join" },
	{ ":", "a command: send PATH, target zone NAME, resend --missed, history, duration S, list, ..." },
	{ "l", "the events, full screen, whole lines (PgUp PgDn scroll)" },
	{ "Ctrl-L", "redraw the screen" },
	{ "q", "quit (asks first while a page is in flight)" },
};
#define HELP_LINES (sizeof help_lines / sizeof help_lines[0])

/* Where the terminal reports releases (the kitty keyboard protocol): lines 0, 1, 3, 4 read so. */
static const struct {
	const char *key, *text;
} help_hold[] = {
	{ NULL, "Hold Space to talk: this terminal reports a key being released" },
	{ NULL, "(kitty keyboard protocol). Let go to send what you said." },
	{ NULL, "" },
	{ "Space", "hold to talk: record until you let go (at most the duration)" },
	{ "", "(a recording started otherwise: Space stops it and sends it)" },
};

/* Help line i in the mode in force. */
static void help_line(size_t i, bool hold, const char **key, const char **text)
{
	bool swap = hold && i < sizeof help_hold / sizeof help_hold[0];
	*key = swap ? help_hold[i].key : help_lines[i].key;
	*text = swap ? help_hold[i].text : help_lines[i].text;
}

/* One row of the help as laid out at a width: a key (on an entry's first row) and a piece of text. */
struct help_row {
	size_t entry;             /* which of help_lines */
	const char *key;
	const char *text;
	int len;
	int x;                    /* where the text starts */
	bool prose;
};

/* Stores a help row at rows[n] if there is room (rows NULL: counting only). */
static void help_row_put(struct help_row *rows, int n, int cap, struct help_row row)
{
	if (rows && n < cap)
		rows[n] = row;
}

/* The help wrapped at w columns into rows (at most cap; NULL counts only); returns how many. */
static int help_rows(int w, struct help_row *rows, int cap, bool hold)
{
	int n = 0;
	bool utf8 = term_utf8();
	/* Too narrow for a key column beside the text: the text goes under its key. */
	bool beside = w - HELP_KEY_W >= 16;
	for (size_t i = 0; i < HELP_LINES; i++) {
		const char *key, *text;
		help_line(i, hold, &key, &text);
		bool prose = key == NULL;
		int x = prose ? 0 : beside ? HELP_KEY_W : 2;
		if (!prose && !beside && *key)
			help_row_put(rows, n++, cap, (struct help_row){ .entry = i, .key = key,
			                                               .text = "", .x = x });
		bool first = true;
		do {
			size_t len = *text ? textfmt_wrap(text, w - x, utf8) : 0;
			help_row_put(rows, n++, cap, (struct help_row){
				.entry = i, .key = first && beside ? key : NULL, .text = text,
				.len = (int)len, .x = x, .prose = prose });
			first = false;
			text += len;
			while (*text == ' ')
				text++;
		} while (*text);
	}
	return n;
}

/* The help window's size at this terminal's: *content_w columns of text inside its box. */
static void help_size(int *h, int *w, int *content_w, int rows)
{
	*w = COLS - 4 < 70 ? COLS - 4 : 70;
	*content_w = *w - 4;
	*h = LINES - 2 < rows + 2 ? LINES - 2 : rows + 2;
}

/* The ? overlay, centred, from its line top; the box says how to scroll it and close it. */
static void draw_help(WINDOW *win, size_t top, bool hold)
{
	static struct help_row rows[HELP_ROWS_MAX];
	int h, w;
	getmaxyx(win, h, w);
	int n = help_rows(w - 4, rows, HELP_ROWS_MAX, hold), shown = h - 2;
	if (n > HELP_ROWS_MAX)
		n = HELP_ROWS_MAX;
	if (top + (size_t)shown > (size_t)n)
		top = n > shown ? (size_t)(n - shown) : 0;
	werase(win);
	wattrset(win, term_attr(TERM_NORMAL));
	box(win, 0, 0);
	char title[48];
	if (n > shown)
		snprintf(title, sizeof title, " keys %zu-%zu/%d ", top + 1, top + (size_t)shown, n);
	else
		snprintf(title, sizeof title, " keys ");
	widget_text(win, 0, 2, w - 4, term_attr(TERM_HEADING), title);
	char line[TEXT_MAX];
	for (int i = 0; i < shown && top + (size_t)i < (size_t)n; i++) {
		const struct help_row *r = &rows[top + (size_t)i];
		bool lead = r->entry < 2; /* the toggle warning stands out */
		if (r->key)
			widget_text(win, 1 + i, 2, HELP_KEY_W - 1, term_attr(TERM_HEADING), r->key);
		snprintf(line, sizeof line, "%.*s", r->len, r->text);
		widget_text(win, 1 + i, 2 + r->x, w - 4 - r->x,
		    lead ? term_attr(TERM_ACCENT) : term_attr(TERM_NORMAL), line);
	}
	const char *close = n <= shown ? " any key closes this "
	                    : term_utf8() ? " ↑↓ scroll, other keys close " : " Up/Dn scroll, other keys close ";
	int cw = textfmt_width(close, term_utf8());
	widget_text(win, h - 1, w - cw - 2 > 2 ? w - cw - 2 : 2, w - 4, term_attr(TERM_DIM), close);
}

/* One row of a log line wrapped for the log view. */
struct log_row {
	const char *line;         /* the whole log line it is part of */
	const char *text;
	int len;
	int stamp;                /* bytes of the stamp at the start of text (a narrow first row) */
	bool stamp_aside;         /* a first row with the text indented: the stamp goes before it */
	int x;
};

/* Bytes of "HH:MM:SS.mmm " at the start of a log line, or 0. */
static size_t log_stamp(const char *line)
{
	return strlen(line) > LOG_STAMP_W && line[2] == ':' && line[12] == ' ' ? LOG_STAMP_W : 0;
}

/*
 * A log line wrapped at w columns into rows (at most cap; NULL counts only):
 * the stamp first, what wraps indented under the text. Returns the rows.
 */
static int log_rows(const char *line, int w, struct log_row *rows, int cap)
{
	bool utf8 = term_utf8();
	size_t stamp = log_stamp(line);
	/* Narrow, the stamp starts the first row and what wraps is indented a little. */
	int indent = stamp && w >= LOG_INDENT_MIN_W ? LOG_STAMP_W : 0;
	const char *text = line + (indent ? stamp : 0);
	int n = 0;
	do {
		int x = indent ? indent : n > 0 ? 2 : 0;
		size_t len = textfmt_wrap(text, w - x, utf8);
		if (rows && n < cap)
			rows[n] = (struct log_row){ .line = line, .text = text, .len = (int)len, .x = x,
			                            .stamp = n == 0 && !indent ? (int)stamp : 0,
			                            .stamp_aside = n == 0 && indent };
		n++;
		text += len;
		while (*text == ' ')
			text++;
	} while (*text);
	return n;
}

/*
 * How far back the log view goes at this size: the number of newest events
 * that may be hidden below its last line while the oldest still fill it.
 */
static size_t log_back_max(const struct console_ui *ui, int rows, int w)
{
	size_t count = ui->log.count;
	int filled = 0;
	for (size_t i = 0; i < count; i++) {
		filled += log_rows(log_history_recent(&ui->log, count, i), w, NULL, 0);
		if (filled >= rows)
			return count - 1 - i;
	}
	return 0;
}

/*
 * The events, full screen: a title with which of them show, every line whole
 * (wrapped), the newest at the bottom unless scrolled back; the keys last.
 */
static void draw_log_view(const struct console_ui *ui, WINDOW *win, size_t back)
{
	int h, w;
	getmaxyx(win, h, w);
	int rows = h - 2, cw = w - 2;
	werase(win);
	if (rows < 1 || cw < 1)
		return;
	size_t count = ui->log.count, max = log_back_max(ui, rows, cw);
	if (back > max)
		back = max;
	/* From the last event shown upwards, until the screen is full. */
	struct log_row *row = calloc((size_t)rows, sizeof *row), one[64];
	int y = rows;
	size_t first = count - back;
	while (row && first > 0 && y > 0) {
		const char *line = log_history_recent(&ui->log, count, first - 1);
		int n = log_rows(line, cw, one, 64);
		if (n > 64)
			n = 64;
		for (int i = n - 1; i >= 0 && y > 0; i--)
			row[--y] = one[i];
		first--;
	}
	attr_t dim = term_attr(TERM_DIM);
	const char *hline = term_glyph(TERM_GLYPH_HLINE);
	char title[96];
	snprintf(title, sizeof title, " events %zu-%zu of %zu ", count ? first + 1 : 0, count - back, count);
	repeat(win, 0, 0, 2, dim, hline);
	int x = 2 + widget_text(win, 0, 2, w - 2, term_attr(TERM_HEADING), title);
	repeat(win, 0, x, w - x, dim, hline);
	char text[TEXT_MAX];
	for (int i = y; row && i < rows; i++) {
		const struct log_row *r = &row[i];
		int rx = 1 + r->x;
		if (r->stamp_aside) {
			snprintf(text, sizeof text, "%.*s", LOG_STAMP_W, r->line);
			widget_text(win, 1 + i, 1, LOG_STAMP_W, dim, text);
		}
		if (r->stamp) {
			snprintf(text, sizeof text, "%.*s", r->stamp, r->text);
			rx += widget_text(win, 1 + i, rx, cw - r->x, dim, text);
		}
		snprintf(text, sizeof text, "%.*s", r->len - r->stamp, r->text + r->stamp);
		widget_text(win, 1 + i, rx, 1 + cw - rx, log_attr(r->line), text);
	}
	free(row);
	const char *keys = term_utf8() ? "↑↓ PgUp PgDn Home End scroll · any other key closes"
	                               : "Up/Dn PgUp PgDn Home End scroll, any other key closes";
	widget_text(win, h - 1, 1, w - 2, term_attr(TERM_DIM), keys);
}

/*
 * The whole screen when the terminal is too small for the layout. Keys still
 * work, so whatever waits for one (the quit question, a prompt being typed,
 * the help) is shown above the notice: a y/n nobody can see is a trap. So
 * are a recording under way (it is sent when it ends, and Space or Esc end
 * it) and the answer to the latest key: nothing happens unseen.
 */
static void draw_too_small(WINDOW *win, const struct console_view *v)
{
	char text[TEXT_MAX], waiting[TEXT_MAX + 64]; /* the hint after the text */
	const char *hint;
	const struct console_view_status *s = &v->status;
	werase(win);
	if (prompt_text(text, sizeof text, &hint, &v->footer)) {
		snprintf(waiting, sizeof waiting, "%s%s%s", text, *hint ? "  " : "", hint);
	} else if (v->help) {
		snprintf(waiting, sizeof waiting, "help is open: any key closes it");
	} else {
		size_t len = 0;
		waiting[0] = '\0';
		if (s->recording)
			len = (size_t)snprintf(waiting, sizeof waiting, "%s RECORDING %s %s / %s: Space sends it, "
			                       "Esc cancels, q quits.%s", term_glyph(TERM_GLYPH_REC), s->rec_target,
			                       s->rec_elapsed, s->rec_total, s->notice[0] ? " " : "");
		if (len < sizeof waiting)
			snprintf(waiting + len, sizeof waiting - len, "%s", s->notice);
	}
	widget_too_small(win, LINES, COLS, CONSOLE_MIN_W, CONSOLE_MIN_H, waiting);
}

/* ---- what to redraw ---- */

/* Lays the screen out for the terminal's size, the speakers and the status; new windows if it moved. */
static void relayout(struct console_ui *ui, const struct console_view *v)
{
	struct console_layout l;
	layout_now(&l, v->table.total, &v->status);
	if (ui->laid_out && memcmp(&l, &ui->layout, sizeof l) == 0)
		return;
	windows_free(ui);
	ui->layout = l;
	ui->laid_out = true;
	ui->force = true;
	if (l.too_small) {
		if (LINES > 0 && COLS > 0)
			ui->small = newwin(LINES, COLS, 0, 0);
		if (ui->small)
			leaveok(ui->small, TRUE);
		return;
	}
	const struct console_rect *rects[REGIONS] = {
		[R_HEADER] = &l.header, [R_STATUS] = &l.status, [R_METER] = &l.meter,
		[R_TABLE] = &l.table,   [R_LOG] = &l.log,       [R_FOOTER] = &l.footer,
	};
	for (int r = 0; r < REGIONS; r++) {
		/* newwin(0, ...) would mean "to the edge of the screen": absent parts get no window. */
		if (rects[r]->h > 0 && rects[r]->w > 0)
			ui->win[r] = newwin(rects[r]->h, rects[r]->w, rects[r]->y, rects[r]->x);
		if (ui->win[r])
			leaveok(ui->win[r], TRUE);
	}
}

/* What help_window did. */
enum help_change { HELP_SAME, HELP_DRAWN, HELP_CLOSED };

/* Brings the ? overlay up, scrolled to line top, or takes it down. */
static enum help_change help_window(struct console_ui *ui, bool want, size_t top)
{
	if (!want) {
		if (!ui->help)
			return HELP_SAME;
		delwin(ui->help);
		ui->help = NULL;
		return HELP_CLOSED;
	}
	if (ui->layout.too_small || (ui->help && ui->help_drawn_top == top))
		return HELP_SAME;
	if (!ui->help) {
		int h, w, cw;
		help_size(&h, &w, &cw, 0);
		help_size(&h, &w, &cw, help_rows(cw, NULL, 0, ui->hold));
		if (w > 10 && h > 3)
			ui->help = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
		if (ui->help)
			leaveok(ui->help, TRUE);
	}
	if (!ui->help)
		return HELP_SAME;
	draw_help(ui->help, top, ui->hold);
	ui->help_drawn_top = top;
	touchwin(ui->help);
	wnoutrefresh(ui->help);
	return HELP_DRAWN;
}

void console_ui_scroll_range(const struct console_ui *ui, bool help, size_t *max, int *page)
{
	*max = 0;
	*page = 1;
	if (!term_active())
		return;
	if (help) {
		int h, w, cw;
		help_size(&h, &w, &cw, 0);
		int n = help_rows(cw, NULL, 0, ui->hold);
		help_size(&h, &w, &cw, n);
		*page = h - 2 > 1 ? h - 2 : 1;
		*max = n > *page ? (size_t)(n - *page) : 0;
	} else {
		*page = LINES - 2 > 1 ? LINES - 2 : 1;
		*max = log_back_max(ui, *page, COLS - 2);
	}
}

/* The log view over the whole screen while it is open; true if it drew. */
static bool draw_log_window(struct console_ui *ui, const struct console_view *v)
{
	const struct console_view *p = ui->prev;
	bool fresh = false;
	if (!ui->logview) {
		if (LINES > 0 && COLS > 0)
			ui->logview = newwin(LINES, COLS, 0, 0);
		if (!ui->logview)
			return false;
		leaveok(ui->logview, TRUE);
		fresh = true;
	}
	if (!fresh && !ui->force && ui->prev_valid && p->log_view && p->log_back == v->log_back &&
	    ui->drawn_log_gen == ui->log.gen)
		return false;
	draw_log_view(ui, ui->logview, v->log_back);
	ui->drawn_log_gen = ui->log.gen;
	touchwin(ui->logview);
	wnoutrefresh(ui->logview);
	return true;
}

/*
 * The page history, full screen: a title, the pages newest first with the
 * picked one marked and its speakers' outcomes under it (scrolled to keep it
 * in view), the keys last.
 */
static void draw_history_view(WINDOW *win, const struct console_view_history *hv)
{
	int h, w;
	getmaxyx(win, h, w);
	int rows = h - 2;
	werase(win);
	if (rows < 1 || w < 4)
		return;
	attr_t dim = term_attr(TERM_DIM);
	const char *hline = term_glyph(TERM_GLYPH_HLINE);
	repeat(win, 0, 0, 2, dim, hline);
	int x = 2 + widget_text(win, 0, 2, w - 2, term_attr(TERM_HEADING), " page history ");
	repeat(win, 0, x, w - x, dim, hline);
	/* The picked page's line and its speakers in view: from the picked line, or as far down as fits. */
	size_t top = 0, last = hv->picked;
	while (last + 1 < hv->count && strncmp(hv->lines[last + 1], "    ", 4) == 0)
		last++;
	if (last >= (size_t)rows)
		top = last + 1 - (size_t)rows;
	if (top > hv->picked)
		top = hv->picked;
	if (hv->count == 0)
		widget_text(win, 1, 1, w - 2, dim, "no page yet");
	for (size_t i = top; i < hv->count && (int)(i - top) < rows; i++) {
		int y = 1 + (int)(i - top);
		bool picked = i == hv->picked;
		const char *mark = picked ? term_glyph(TERM_GLYPH_MARK) : " ";
		widget_text(win, y, 0, 2, picked ? term_attr(TERM_HEADING) : 0, mark);
		widget_text(win, y, 2, w - 3, tone_attr(hv->tones[i]) | (picked ? A_BOLD : 0), hv->lines[i]);
	}
	const char *keys = term_utf8() ? "↑↓ pick a page · r resend to the target · m resend to those that missed it · "
	                                 "any other key closes"
	                               : "Up/Dn pick a page, r resend to the target, m resend to those that missed it, "
	                                 "any other key closes";
	widget_text(win, h - 1, 1, w - 2, dim, keys);
}

/* The history view over the whole screen while it is open; true if it drew. */
static bool draw_history_window(struct console_ui *ui, const struct console_view *v)
{
	bool fresh = false;
	if (!ui->historyview) {
		if (LINES > 0 && COLS > 0)
			ui->historyview = newwin(LINES, COLS, 0, 0);
		if (!ui->historyview)
			return false;
		leaveok(ui->historyview, TRUE);
		fresh = true;
	}
	if (!fresh && !ui->force && ui->prev_valid && memcmp(&ui->prev->history, &v->history, sizeof v->history) == 0)
		return false;
	draw_history_view(ui->historyview, &v->history);
	touchwin(ui->historyview);
	wnoutrefresh(ui->historyview);
	return true;
}

/* Draws each part of the layout whose snapshot changed; true if any was. */
static bool draw_parts(struct console_ui *ui, const struct console_view *v, bool force)
{
	const struct console_layout *l = &ui->layout;
	const struct console_view *p = ui->prev;
	WINDOW **win = ui->win;
	bool drew = false;
	if (win[R_HEADER] && (force || memcmp(&p->header, &v->header, sizeof v->header))) {
		draw_header(win[R_HEADER], l->header.h, l->header.w, &v->header);
		wnoutrefresh(win[R_HEADER]);
		drew = true;
	}
	if (win[R_STATUS] && (force || memcmp(&p->status, &v->status, sizeof v->status))) {
		draw_status(win[R_STATUS], l->status.h, l->status.w, &v->status);
		wnoutrefresh(win[R_STATUS]);
		drew = true;
	}
	struct meter_view mv = meter_ballistics_view(&v->meter, l->meter_cells, v->now_ms);
	if (win[R_METER] && (force || p->meter_on != v->meter_on ||
	                     memcmp(&ui->prev_meter, &mv, sizeof mv))) {
		draw_meter(win[R_METER], l->meter.h, l->meter.w, l, v->meter_on, &mv);
		wnoutrefresh(win[R_METER]);
		drew = true;
	}
	ui->prev_meter = mv;
	if (win[R_TABLE] &&
	    (force || p->table.total != v->table.total || p->table.first != v->table.first ||
	     p->table.row_count != v->table.row_count || p->table.selected != v->table.selected ||
	     memcmp(p->table.rows, v->table.rows, v->table.row_count * sizeof v->table.rows[0]))) {
		draw_table(win[R_TABLE], l->table.w, l, &v->table);
		wnoutrefresh(win[R_TABLE]);
		drew = true;
	}
	if (win[R_LOG] && (force || ui->drawn_log_gen != ui->log.gen)) {
		draw_log(ui, win[R_LOG], l->log.h, l->log.w);
		wnoutrefresh(win[R_LOG]);
		drew = true;
	}
	ui->drawn_log_gen = ui->log.gen;
	if (win[R_FOOTER] && (force || memcmp(&p->footer, &v->footer, sizeof v->footer))) {
		draw_footer(win[R_FOOTER], l->footer.w, &v->footer);
		wnoutrefresh(win[R_FOOTER]);
		drew = true;
	}
	enum help_change help = help_window(ui, v->help, v->help_top);
	if (help == HELP_CLOSED) {
		/* What the overlay covered is still in each window: show it again. */
		for (int r = 0; r < REGIONS; r++) {
			if (!ui->win[r])
				continue;
			touchwin(ui->win[r]);
			wnoutrefresh(ui->win[r]);
		}
		drew = true;
	} else if (help == HELP_DRAWN) {
		drew = true;
	} else if (ui->help && drew) {
		/* Parts drawn under the overlay: it goes back on top. */
		touchwin(ui->help);
		wnoutrefresh(ui->help);
	}
	return drew;
}

bool console_ui_draw(struct console_ui *ui, const struct console_view *v)
{
	if (!term_active())
		return false;
	relayout(ui, v);
	if (ui->hold != v->footer.hold) {
		/* The help says which Space is in force: an open one is drawn again, at its size. */
		ui->hold = v->footer.hold;
		if (ui->help) {
			delwin(ui->help);
			ui->help = NULL;
			ui->force = true;
		}
	}
	const struct console_layout *l = &ui->layout;
	const struct console_view *p = ui->prev;
	bool drew = false;
	if (!v->history.open && ui->historyview) {
		/* It covered everything: every part is drawn again. */
		delwin(ui->historyview);
		ui->historyview = NULL;
		ui->force = true;
	}
	if (v->log_view) {
		drew = draw_log_window(ui, v);
	} else if (v->history.open) {
		drew = draw_history_window(ui, v);
	} else {
		if (ui->logview) {
			/* It covered everything: every part is drawn again. */
			delwin(ui->logview);
			ui->logview = NULL;
			ui->force = true;
		}
		bool force = ui->force || !ui->prev_valid;
		if (l->too_small) {
			if (ui->small && (force || p->help != v->help ||
			                  memcmp(&p->footer, &v->footer, sizeof v->footer) ||
			                  memcmp(&p->status, &v->status, sizeof v->status))) {
				draw_too_small(ui->small, v);
				wnoutrefresh(ui->small);
				drew = true;
			}
		} else {
			drew = draw_parts(ui, v, force);
		}
	}
	if (drew)
		doupdate();
	/* Copy only what the next comparison reads: the listed rows, not all of them. */
	memcpy(ui->prev, v, offsetof(struct console_view, table.rows));
	memcpy(ui->prev->table.rows, v->table.rows, v->table.row_count * sizeof v->table.rows[0]);
	memcpy(&ui->prev->footer, &v->footer, sizeof v->footer);
	ui->prev->help = v->help;
	ui->prev->help_top = v->help_top;
	ui->prev->log_view = v->log_view;
	ui->prev->log_back = v->log_back;
	ui->prev->history = v->history;
	ui->prev_valid = true;
	ui->force = false; /* the parts under a log view are drawn again when it closes */
	return drew;
}

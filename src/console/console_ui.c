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
/* A device's name cut shorter than this says nothing next to the format: it is left out. */
#define INPUT_DEVICE_MIN_W 6
/* Bytes a glyph of a bar takes at most (UTF-8 blocks are 3). */
#define GLYPH_BYTES 4

enum region { R_HEADER, R_STATUS, R_METER, R_TABLE, R_LOG, R_FOOTER, REGIONS };

struct console_ui {
	struct console_layout layout;
	bool laid_out;
	WINDOW *win[REGIONS];
	WINDOW *help;             /* the ? overlay, on top of everything while shown */
	WINDOW *small;            /* the whole screen when it is too small for the layout */
	bool force;               /* redraw every part: new windows, a resize, ^L */

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
	ui->help = ui->small = NULL;
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

int console_ui_table_rows(const struct console_ui *ui, size_t speakers)
{
	(void)ui;
	if (!term_active())
		return 0;
	struct console_layout l;
	console_layout_compute(&l, COLS, LINES, speakers);
	return l.too_small ? 0 : l.table_rows;
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

/* Title bar: what the next page will be; second line: where we listen and what we hear. */
static void draw_header(WINDOW *win, int h, int w, const struct console_view_header *v)
{
	werase(win);
	attr_t bar = term_attr(TERM_TITLE);
	fill_line(win, 0, w, bar);
	char text[512];
	int x = 1;
	x += widget_text(win, 0, x, w - x, bar | A_BOLD, "intercom console");
	const char *sep = "   ";
	snprintf(text, sizeof text, "%sduration %s", sep, v->duration);
	x += widget_text_whole(win, 0, x, w - x, bar, text);
	snprintf(text, sizeof text, "%snext page to %s%s", sep, v->target,
	         v->target_missing ? " (not connected)" : "");
	int used = widget_text_whole(win, 0, x, w - x, v->target_missing ? term_attr(TERM_ALERT) : bar, text);
	if (!used) /* the target matters more than its decoration */
		used = widget_text(win, 0, x, w - x, v->target_missing ? term_attr(TERM_ALERT) : bar, text);
	x += used;
	snprintf(text, sizeof text, "%s%zu speaker%s", sep, v->speakers, v->speakers == 1 ? "" : "s");
	x += widget_text_whole(win, 0, x, w - x, bar, text);
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

/* RECORDING banner with elapsed / total and a countdown bar; else the page summary. */
static void draw_status(WINDOW *win, int w, const struct console_view_status *v)
{
	werase(win);
	if (!v->recording) {
		widget_text(win, 0, 1, w - 2, tone_attr(v->tone), v->text);
		return;
	}
	attr_t alert = term_attr(TERM_ALERT);
	fill_line(win, 0, w, alert);
	char text[128], bar[BANNER_BAR_MAX * GLYPH_BYTES + 1];
	int x = 1;
	snprintf(text, sizeof text, "%s RECORDING", term_glyph(TERM_GLYPH_REC));
	x += widget_text(win, 0, x, w - x, alert, text);
	snprintf(text, sizeof text, "  %s / %s", v->rec_elapsed, v->rec_total);
	x += widget_text_whole(win, 0, x, w - x, alert, text);
	const char *hints = "   Space: send now  Esc: cancel";
	int tail = (int)strlen(v->rec_left) + 2;
	/* What the bar may take: all but the text around it (and the last column). */
	int room = w - x - tail - 3 - textfmt_width(hints, false);
	if (room < 8)
		room = w - x - tail - 3;
	int cells = room > BANNER_BAR_MAX ? BANNER_BAR_MAX : room;
	if (cells >= BANNER_BAR_MIN) {
		textfmt_bar(bar, sizeof bar, cells, v->rec_left_permille / 1000.0, term_utf8());
		x += 2;
		x += widget_text(win, 0, x, w - x, alert, bar);
	}
	snprintf(text, sizeof text, "  %s", v->rec_left);
	x += widget_text_whole(win, 0, x, w - x, alert, text);
	widget_text_whole(win, 0, x, w - x - 1, alert, hints);
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
	[CONSOLE_COL_UP] = "UP",     [CONSOLE_COL_RTT] = "RTT",   [CONSOLE_COL_STATE] = "STATE",
	[CONSOLE_COL_LAST] = "LAST PAGE",
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
	for (int c = 0; c < CONSOLE_COLS; c++) {
		int cw = l->col_w[c];
		if (cw <= 0)
			continue;
		if (c == CONSOLE_COL_STATE)
			draw_state_cell(win, y, l->col_x[c], cw, extra, row);
		else if (c == CONSOLE_COL_LAST)
			widget_text(win, y, l->col_x[c], cw, tone_attr(row->last_tone) | extra, cells[c]);
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
		    "loudspeaker machine");
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
	repeat(win, 0, x, w - x, dim, hline);
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

/*
 * What an open prompt shows (the quit question, or what is being typed with a
 * cursor) and the hint after it. False when no prompt is open.
 */
static bool prompt_text(char *text, size_t textlen, const char **hint, const struct console_view_footer *v)
{
	const char *cursor = term_utf8() ? "█" : "_";
	*hint = "";
	switch (v->prompt) {
	case CONSOLE_PROMPT_DURATION:
		snprintf(text, textlen, "duration in seconds (%g to %g): %s%s", DURATION_MIN_S, DURATION_MAX_S,
		         v->text, cursor);
		*hint = "Enter sets, Esc cancels";
		return true;
	case CONSOLE_PROMPT_COMMAND:
		snprintf(text, textlen, ":%s%s", v->text, cursor);
		*hint = "send PATH, duration S, list ... Enter runs, Esc cancels";
		return true;
	case CONSOLE_PROMPT_QUIT:
		snprintf(text, textlen, "A page is in flight. Quit anyway? (y/n)");
		return true;
	case CONSOLE_PROMPT_NONE:
		break;
	}
	return false;
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
			{ "Space", "send now", 0 }, { "Esc", "cancel", 0 }, { "+/-", "duration", 2 },
			{ "?", "help", 1 },         { "q", "quit", 3 },
		};
		draw_hints(win, w, hints, sizeof hints / sizeof hints[0]);
		return;
	}
	struct hint hints[9];
	size_t n = 0;
	hints[n++] = (struct hint){ "Space", "talk", 0 };
	hints[n++] = (struct hint){ "+/-", "duration", 2 };
	if (v->can_test) { /* with no speaker selected these keys do nothing */
		hints[n++] = (struct hint){ updown, "select", 5 };
		hints[n++] = (struct hint){ "t", "target", 4 };
		hints[n++] = (struct hint){ "T", "test tone", 6 };
	}
	hints[n++] = (struct hint){ "r", "resend", 7 };
	hints[n++] = (struct hint){ ":", "command", 8 };
	hints[n++] = (struct hint){ "?", "help", 1 };
	hints[n++] = (struct hint){ "q", "quit", 0 };
	draw_hints(win, w, hints, n);
}

static const char *const help_lines[] = {
	"Space is a toggle, not a hold: terminals cannot report a key",
	"being released. Press it once to talk, once more to send early.",
	"",
	"Space        talk: record for the set duration, then send",
	"             (while recording: stop now and send what you said)",
	"Esc          cancel the recording and discard it",
	"+ - Left Rt  duration 0.5 s shorter or longer (0.5 to 300 s)",
	"0-9 . Enter  type a duration in seconds",
	"Up Down      select a speaker",
	"Enter  t     next page to: all speakers / the selected one",
	"T            play the test tone on the selected speaker only",
	"r            send the last page again",
	":            a command: send PATH, duration S, list, talk, ...",
	"Ctrl-L       redraw the screen",
	"q            quit (asks first while a page is in flight)",
};
#define HELP_LINES (int)(sizeof help_lines / sizeof help_lines[0])

/* The ? overlay, centred; its last line says how to close it. */
static void draw_help(WINDOW *win)
{
	int h, w;
	getmaxyx(win, h, w);
	werase(win);
	wattrset(win, term_attr(TERM_NORMAL));
	box(win, 0, 0);
	widget_text(win, 0, 2, w - 4, term_attr(TERM_HEADING), " keys ");
	for (int i = 0; i < HELP_LINES && i < h - 2; i++)
		widget_text(win, 1 + i, 2, w - 4, i < 2 ? term_attr(TERM_ACCENT) : term_attr(TERM_NORMAL),
		    help_lines[i]);
	widget_text(win, h - 1, w - 26 > 2 ? w - 26 : 2, w - 4, term_attr(TERM_DIM), " any key closes this ");
}

/*
 * The whole screen when the terminal is too small for the layout. Keys still
 * work, so whatever waits for one (the quit question, a prompt being typed,
 * the help) is shown above the notice: a y/n nobody can see is a trap.
 */
static void draw_too_small(WINDOW *win, const struct console_view *v)
{
	char text[TEXT_MAX], waiting[TEXT_MAX + 64]; /* the hint after the text */
	const char *hint;
	werase(win);
	if (prompt_text(text, sizeof text, &hint, &v->footer))
		snprintf(waiting, sizeof waiting, "%s%s%s", text, *hint ? "  " : "", hint);
	else if (v->help)
		snprintf(waiting, sizeof waiting, "help is open: any key closes it");
	else
		waiting[0] = '\0';
	widget_too_small(win, LINES, COLS, CONSOLE_MIN_W, CONSOLE_MIN_H, waiting);
}

/* ---- what to redraw ---- */

/* Lays the screen out for the terminal's size and the number of speakers; new windows if it moved. */
static void relayout(struct console_ui *ui, size_t speakers)
{
	struct console_layout l;
	console_layout_compute(&l, COLS, LINES, speakers);
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

/* Brings the ? overlay up or down; returns true if it was just taken down. */
static bool help_window(struct console_ui *ui, bool want)
{
	if (!want) {
		if (!ui->help)
			return false;
		delwin(ui->help);
		ui->help = NULL;
		return true;
	}
	if (ui->help || ui->layout.too_small)
		return false;
	int w = COLS - 4 < 70 ? COLS - 4 : 70;
	int h = LINES - 2 < HELP_LINES + 2 ? LINES - 2 : HELP_LINES + 2;
	if (w > 10 && h > 3)
		ui->help = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
	if (ui->help) {
		leaveok(ui->help, TRUE);
		draw_help(ui->help);
	}
	return false;
}

bool console_ui_draw(struct console_ui *ui, const struct console_view *v)
{
	if (!term_active())
		return false;
	relayout(ui, v->table.total);
	const struct console_layout *l = &ui->layout;
	const struct console_view *p = ui->prev;
	bool force = ui->force || !ui->prev_valid;
	bool drew = false;
	if (l->too_small) {
		if (ui->small && (force || p->help != v->help || memcmp(&p->footer, &v->footer, sizeof v->footer))) {
			draw_too_small(ui->small, v);
			wnoutrefresh(ui->small);
			drew = true;
		}
	} else {
		WINDOW **win = ui->win;
		if (win[R_HEADER] && (force || memcmp(&p->header, &v->header, sizeof v->header))) {
			draw_header(win[R_HEADER], l->header.h, l->header.w, &v->header);
			wnoutrefresh(win[R_HEADER]);
			drew = true;
		}
		if (win[R_STATUS] && (force || memcmp(&p->status, &v->status, sizeof v->status))) {
			draw_status(win[R_STATUS], l->status.w, &v->status);
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
		if (help_window(ui, v->help)) {
			/* What the overlay covered is still in each window: show it again. */
			for (int r = 0; r < REGIONS; r++) {
				if (!ui->win[r])
					continue;
				touchwin(ui->win[r]);
				wnoutrefresh(ui->win[r]);
			}
			drew = true;
		} else if (ui->help && (drew || p->help != v->help)) {
			touchwin(ui->help);
			wnoutrefresh(ui->help);
			drew = true;
		}
	}
	if (drew)
		doupdate();
	/* Copy only what the next comparison reads: the listed rows, not all of them. */
	memcpy(ui->prev, v, offsetof(struct console_view, table.rows));
	memcpy(ui->prev->table.rows, v->table.rows, v->table.row_count * sizeof v->table.rows[0]);
	memcpy(&ui->prev->footer, &v->footer, sizeof v->footer);
	ui->prev->help = v->help;
	ui->prev_valid = true;
	ui->force = false;
	return drew;
}

/* The speaker's curses screen: one window, drawn from a snapshot when it changed. */
#include "intercom/speaker/speaker_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/tui/term.h"
#include "intercom/tui/textfmt.h"
#include "intercom/tui/widgets.h"

/* Events kept for the log pane: more than any terminal is tall. */
#define LOG_LINES 128
/* Longest text drawn in one go: a line of a very wide terminal, with multibyte characters. */
#define TEXT_MAX 2048
/* History table columns: time, page, from, length, then the result takes the rest. */
#define COL_TIME 10
#define COL_PAGE 7
#define COL_FROM 18
#define COL_LENGTH 10

struct speaker_ui {
	struct speaker_layout layout;
	bool laid_out;
	WINDOW *win;
	bool force;                 /* redraw all: a new window, a resize, ^L */

	struct speaker_view prev;   /* what is on the screen now */
	bool prev_valid;

	struct log_history log;
	uint64_t drawn_log_gen;
};

struct speaker_ui *speaker_ui_new(void)
{
	struct speaker_ui *ui = calloc(1, sizeof *ui);
	if (!ui)
		return NULL;
	log_history_init(&ui->log, LOG_LINES);
	if (!ui->log.lines) {
		free(ui);
		return NULL;
	}
	ui->force = true;
	return ui;
}

void speaker_ui_free(struct speaker_ui *ui)
{
	if (!ui)
		return;
	if (ui->win && term_active())
		delwin(ui->win);
	log_history_free(&ui->log);
	free(ui);
}

void speaker_ui_log_cb(const char *line, void *ctx)
{
	struct speaker_ui *ui = ctx;
	log_history_add(&ui->log, line);
}

void speaker_ui_invalidate(struct speaker_ui *ui)
{
	ui->laid_out = false;
	ui->force = true;
}

/* Lays the screen out for the terminal's size; a new window if the size changed. */
static void relayout(struct speaker_ui *ui)
{
	struct speaker_layout l;
	speaker_layout_compute(&l, COLS, LINES);
	if (ui->laid_out && ui->win && memcmp(&l, &ui->layout, sizeof l) == 0)
		return;
	if (ui->win)
		delwin(ui->win);
	ui->win = NULL;
	ui->layout = l;
	ui->laid_out = true;
	ui->force = true;
	if (LINES > 0 && COLS > 0)
		ui->win = newwin(LINES, COLS, 0, 0);
	if (ui->win)
		leaveok(ui->win, TRUE);
}

int speaker_ui_bar_cells(struct speaker_ui *ui)
{
	if (term_active())
		relayout(ui);
	return ui->layout.too_small ? 0 : ui->layout.bar_cells;
}

/* ---- drawing helpers: a place and a text, nothing else ---- */

static attr_t tone_attr(enum speaker_tone tone)
{
	switch (tone) {
	case SPEAKER_TONE_DIM: return term_attr(TERM_DIM);
	case SPEAKER_TONE_OK: return term_attr(TERM_OK);
	case SPEAKER_TONE_WARN: return term_attr(TERM_WARN);
	case SPEAKER_TONE_BAD: return term_attr(TERM_BAD);
	case SPEAKER_TONE_ACCENT: return term_attr(TERM_ACCENT);
	default: return term_attr(TERM_NORMAL);
	}
}

/* A label in the left column. */
static void label(WINDOW *win, int y, const char *text)
{
	widget_text(win, y, 2, SPEAKER_LABEL_W - 3, term_attr(TERM_HEADING), text);
}

/* A rule across the screen with a title in it: "── last pages ─────". */
static void rule(WINDOW *win, int y, int w, const char *title)
{
	wattrset(win, term_attr(TERM_DIM));
	wmove(win, y, 0);
	for (int x = 0; x < w; x++)
		waddstr(win, term_glyph(TERM_GLYPH_HLINE));
	wattrset(win, A_NORMAL);
	char text[64];
	snprintf(text, sizeof text, " %s ", title);
	widget_text(win, y, 2, w - 4, term_attr(TERM_HEADING), text);
}

/* ---- the parts of the screen ---- */

/* Title bar: who this speaker is; MUTED at the right end while muted. */
static void draw_title(WINDOW *win, int y, int w, const struct speaker_view *v)
{
	attr_t bar = term_attr(TERM_TITLE);
	mvwhline(win, y, 0, ' ' | bar, w);
	int x = 1;
	x += widget_text(win, y, x, w - x, bar | A_BOLD, "intercom speaker");
	char text[256];
	snprintf(text, sizeof text, "   %s", v->name);
	x += widget_text(win, y, x, w - x - 8, bar, text);
	if (v->zone[0]) {
		snprintf(text, sizeof text, "%szone %s", term_utf8() ? " · " : " | ", v->zone);
		x += widget_text_whole(win, y, x, w - x - 8, bar, text);
	}
	if (v->muted && w - x > 8)
		widget_text(win, y, w - 7, 6, term_attr(TERM_ALERT), "MUTED");
}

static void draw_progress(WINDOW *win, int y, int w, int cells, const struct speaker_view *v)
{
	label(win, y, "progress");
	if (!v->progress_on) {
		widget_text(win, y, SPEAKER_LABEL_W, w - SPEAKER_LABEL_W - 1, term_attr(TERM_DIM), "no page yet");
		return;
	}
	char bar[SPEAKER_PROGRESS_TAIL_W + 4 * 64], text[64];
	int x = SPEAKER_LABEL_W;
	if (cells > 0) {
		textfmt_bar(bar, sizeof bar, cells, v->progress_permille / 1000.0, term_utf8());
		x += widget_text(win, y, x, cells, v->active ? term_attr(TERM_ACCENT) : term_attr(TERM_DIM), bar);
	}
	snprintf(text, sizeof text, " %s / %s", v->elapsed, v->total);
	widget_text(win, y, x, w - x - 1, term_attr(TERM_NORMAL), text);
}

static void draw_meter(WINDOW *win, int y, int scale_y, int w, const struct speaker_view *v)
{
	label(win, y, "level");
	if (!v->meter_on || v->meter.cells <= 0)
		return;
	const struct meter_view *mv = &v->meter;
	widget_meter(win, y, SPEAKER_LABEL_W, mv);
	int x = SPEAKER_LABEL_W + mv->cells;
	widget_text(win, y, x + 1, 4, mv->clip ? term_attr(TERM_ALERT) : term_attr(TERM_DIM),
	    mv->clip ? "CLIP" : "    ");
	char text[32];
	if (mv->hold_db <= (int)METER_SCALE_MIN_DB)
		snprintf(text, sizeof text, "%7s", "<-60 dB");
	else
		snprintf(text, sizeof text, "%4d dB", mv->hold_db);
	widget_text(win, y, x + 6, w - x - 7, term_attr(TERM_NORMAL), text);
	if (scale_y < 0)
		return;
	char labels[TEXT_MAX];
	meter_scale_labels(labels, sizeof labels, mv->cells);
	widget_text(win, scale_y, 2, SPEAKER_LABEL_W - 3, term_attr(TERM_DIM), "dBFS");
	widget_text(win, scale_y, SPEAKER_LABEL_W, mv->cells, term_attr(TERM_DIM), labels);
}

/* Volume (MUTED lit), then the output device and the last page's format. */
static void draw_settings(WINDOW *win, int y, int w, const struct speaker_view *v)
{
	label(win, y, "volume");
	int x = SPEAKER_LABEL_W;
	x += widget_text(win, y, x, w - x, term_attr(TERM_NORMAL), v->volume);
	if (v->muted)
		x += widget_text(win, y, x + 2, w - x - 2, term_attr(TERM_ALERT), "MUTED") + 2;
	x += 4;
	if (x + 8 >= w)
		return;
	x += widget_text(win, y, x, w - x, term_attr(TERM_HEADING), "delay ");
	x += widget_text(win, y, x, w - x, term_attr(TERM_NORMAL), v->delay);
	x += 4;
	if (x + 8 >= w)
		return;
	x += widget_text(win, y, x, w - x, term_attr(TERM_HEADING), "output ");
	widget_text(win, y, x, w - x - 1, term_attr(TERM_NORMAL), v->output);
}

static void draw_history(WINDOW *win, int y, int rows, int w, const struct speaker_view *v)
{
	rule(win, y, w, "last pages");
	if (v->history_len == 0) {
		if (rows > 0)
			widget_text(win, y + 1, 2, w - 3, term_attr(TERM_DIM), "none yet");
		return;
	}
	for (int i = 0; i < rows && (size_t)i < v->history_len; i++) {
		const struct speaker_view_row *r = &v->history[i];
		int ry = y + 1 + i, x = 2;
		char page[24];
		widget_text(win, ry, x, COL_TIME, term_attr(TERM_NORMAL), r->time);
		x += COL_TIME;
		snprintf(page, sizeof page, "#%s", r->page);
		widget_text(win, ry, x, COL_PAGE - 1, term_attr(TERM_NORMAL), page);
		x += COL_PAGE;
		bool wide = w >= 70;
		if (wide) {
			widget_text(win, ry, x, COL_FROM - 2, term_attr(TERM_DIM), r->from);
			x += COL_FROM;
		}
		widget_text(win, ry, x, COL_LENGTH - 1, term_attr(TERM_NORMAL), r->length);
		x += COL_LENGTH;
		widget_text(win, ry, x, w - x - 1, tone_attr(r->tone), r->result);
	}
}

static void draw_log(struct speaker_ui *ui, int y, int rows, int w)
{
	rule(ui->win, y, w, "log");
	size_t n = ui->log.count < (size_t)rows ? ui->log.count : (size_t)rows;
	for (size_t i = 0; i < n; i++) {
		widget_text(ui->win, y + 1 + (int)i, 1, w - 2, term_attr(TERM_NORMAL),
		            log_history_recent(&ui->log, n, i));
	}
}

static const char *const help_lines[] = {
	"+  =  Up Right   volume 1 dB louder (up to +12 dB)",
	"-  _  Down Left  volume 1 dB softer (down to -40 dB)",
	"0                volume back to 0 dB",
	"[  ]             delay 1 ms less / more (0..5000 ms)",
	"{  }             delay 10 ms less / more",
	"m                mute: pages are still received and reported",
	"                 to the console as muted, not played",
	"r                replay the last page here (not reported)",
	"Ctrl-L           redraw the screen",
	"q                quit",
	"The volume and delay are kept across pages and restarts; mute is not.",
	"A page that arrives while one plays cuts it off (interrupted).",
};
#define HELP_LINES (int)(sizeof help_lines / sizeof help_lines[0])

/* The ? help, in place of the history and the log. */
static void draw_help(WINDOW *win, int y, int rows, int w)
{
	rule(win, y, w, "keys (any key closes this)");
	for (int i = 0; i < HELP_LINES && i < rows; i++)
		widget_text(win, y + 1 + i, 2, w - 3, term_attr(TERM_NORMAL), help_lines[i]);
}

static void draw_footer(WINDOW *win, int y, int w, const struct speaker_view *v)
{
	struct { const char *key, *what; } hints[] = {
		{ "+/-", "volume" }, { "m", v->muted ? "unmute" : "mute" }, { "[ ]", "delay" },
		{ "r", "replay" },
		{ "?", "help" },     { "q", "quit" },
	};
	int x = 1;
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		int need = textfmt_width(hints[i].key, false) + 1 + textfmt_width(hints[i].what, false) + 2;
		if (x + need > w)
			break;
		x += widget_text(win, y, x, w - x, term_attr(TERM_HEADING) | A_BOLD, hints[i].key) + 1;
		x += widget_text(win, y, x, w - x, term_attr(TERM_DIM), hints[i].what) + 2;
	}
}

bool speaker_ui_draw(struct speaker_ui *ui, const struct speaker_view *v)
{
	if (!term_active())
		return false;
	relayout(ui);
	if (!ui->win)
		return false;
	bool same = ui->prev_valid && memcmp(&ui->prev, v, sizeof *v) == 0;
	if (!ui->force && same && ui->drawn_log_gen == ui->log.gen)
		return false;
	const struct speaker_layout *l = &ui->layout;
	WINDOW *win = ui->win;
	int w = l->width;
	werase(win);
	if (l->too_small) {
		/* Keys still work: the help, which takes the next key, must be seen to be open. */
		widget_too_small(win, l->height, l->width, SPEAKER_MIN_W, SPEAKER_MIN_H,
		                 v->help ? "help is open: any key closes it" : NULL);
	} else {
		draw_title(win, l->title, w, v);
		label(win, l->link, "link");
		widget_text(win, l->link, SPEAKER_LABEL_W, w - SPEAKER_LABEL_W - 1, tone_attr(v->link_tone), v->link);
		if (l->clock >= 0) {
			label(win, l->clock, "sync");
			widget_text(win, l->clock, SPEAKER_LABEL_W, w - SPEAKER_LABEL_W - 1,
			            tone_attr(v->clock_tone), v->clock);
		}
		if (l->security >= 0) {
			label(win, l->security, "security");
			widget_text(win, l->security, SPEAKER_LABEL_W, w - SPEAKER_LABEL_W - 1,
			    tone_attr(v->security_tone), v->security);
		}
		label(win, l->activity, "now");
		widget_text(win, l->activity, SPEAKER_LABEL_W, w - SPEAKER_LABEL_W - 1,
		    tone_attr(v->activity_tone) | (v->active ? A_BOLD : 0), v->activity);
		if (l->progress >= 0)
			draw_progress(win, l->progress, w, l->bar_cells, v);
		if (l->meter >= 0)
			draw_meter(win, l->meter, l->scale, w, v);
		if (l->settings >= 0)
			draw_settings(win, l->settings, w, v);
		int help_y = l->history >= 0 ? l->history : l->log;
		int help_rows = l->footer - help_y - 1;
		if (v->help && help_y >= 0) {
			draw_help(win, help_y, help_rows, w);
		} else {
			if (l->history >= 0)
				draw_history(win, l->history, l->history_rows, w, v);
			if (l->log >= 0)
				draw_log(ui, l->log, l->log_rows, w);
		}
		draw_footer(win, l->footer, w, v);
	}
	wnoutrefresh(win);
	doupdate();
	ui->prev = *v;
	ui->prev_valid = true;
	ui->drawn_log_gen = ui->log.gen;
	ui->force = false;
	return true;
}

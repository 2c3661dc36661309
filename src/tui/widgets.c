/* Curses drawing shared by the console's and the speaker's screens. */
#include "intercom/tui/widgets.h"

#include <stdio.h>
#include <string.h>

#include "intercom/tui/term.h"
#include "intercom/tui/textfmt.h"

/* Longest text a widget formats: wider than any terminal line, in bytes. */
#define WIDGET_TEXT_MAX 2048

int widget_text(WINDOW *win, int y, int x, int w, attr_t attr, const char *text)
{
	char buf[WIDGET_TEXT_MAX];
	if (w <= 0)
		return 0;
	int used = textfmt_fit(buf, sizeof buf, text, w, term_utf8());
	wattrset(win, attr);
	mvwaddstr(win, y, x, buf);
	wattrset(win, A_NORMAL);
	return used;
}

int widget_text_whole(WINDOW *win, int y, int x, int w, attr_t attr, const char *text)
{
	if (textfmt_width(text, term_utf8()) > w)
		return 0;
	return widget_text(win, y, x, w, attr, text);
}

static attr_t band_attr(enum meter_band band)
{
	return band == METER_BAND_HOT ? term_attr(TERM_BAD)
	       : band == METER_BAND_WARN ? term_attr(TERM_WARN) : term_attr(TERM_OK);
}

void widget_meter(WINDOW *win, int y, int x, const struct meter_view *mv)
{
	bool utf8 = term_utf8();
	wmove(win, y, x);
	for (int c = 0; c < mv->cells; c++) {
		int fill = mv->bar_eighths - c * 8;
		attr_t attr = band_attr(meter_scale_band(c, mv->cells));
		const char *g;
		if (c == mv->hold_cell)
			g = term_glyph(TERM_GLYPH_HOLD);
		else if (c == mv->peak_cell)
			g = term_glyph(TERM_GLYPH_PEAK);
		else if (fill >= 8 || (!utf8 && fill >= 4))
			g = term_glyph(TERM_GLYPH_FULL);
		else if (fill > 0 && utf8)
			g = textfmt_eighths(fill);
		else
			g = term_glyph(TERM_GLYPH_TRACK), attr = term_attr(TERM_DIM);
		wattrset(win, attr);
		waddstr(win, g);
	}
	wattrset(win, A_NORMAL);
}

int widget_wrap(WINDOW *win, int y, int x, int w, int rows, attr_t attr, const char *text)
{
	char line[WIDGET_TEXT_MAX];
	int row = 0;
	if (w <= 0)
		return 0;
	while (*text && row < rows) {
		size_t n = textfmt_wrap(text, w, term_utf8());
		/* The last row takes the rest, cut with an ellipsis. */
		if (row == rows - 1 || n >= sizeof line)
			n = strlen(text);
		snprintf(line, sizeof line, "%.*s", (int)n, text);
		widget_text(win, y + row, x, w, attr, line);
		row++;
		text += n;
		while (*text == ' ')
			text++;
	}
	return row;
}

void widget_too_small(WINDOW *win, int h, int w, int min_w, int min_h, const char *waiting)
{
	char text[128];
	int y = 0;
	if (waiting && *waiting) /* two rows stay for the notice, where the terminal has them */
		y = widget_wrap(win, 0, 0, w, h > 2 ? h - 2 : 1, term_attr(TERM_ALERT), waiting);
	snprintf(text, sizeof text, "terminal too small: %dx%d", w, h);
	if (y < h)
		widget_text(win, y, 0, w, term_attr(TERM_WARN), text);
	/* With a question open, q is its answer (or a typed letter), not quit. */
	snprintf(text, sizeof text, "needs %dx%d%s", min_w, min_h, waiting && *waiting ? "" : "; q quits");
	if (y + 1 < h)
		widget_text(win, y + 1, 0, w, term_attr(TERM_NORMAL), text);
}

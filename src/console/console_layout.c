/* The console screen's layout: which part gets which lines and columns. */
#include "intercom/console/console_layout.h"

#include <string.h>

#include "intercom/tui/layout.h"

/*
 * Column sizes. Minimums are what keeps a column legible (an address cut
 * short is useless, so it goes whole or not at all); drop order says what an
 * operator misses least: the address first, the result of the last page last.
 */
static const struct layout_col table_cols[CONSOLE_COLS] = {
	[CONSOLE_COL_NAME] = { .min = 10, .want = 16, .drop = 0 },
	[CONSOLE_COL_ZONE] = { .min = 6, .want = 10, .drop = 3 },
	[CONSOLE_COL_ADDR] = { .min = 21, .want = 21, .drop = 5 },
	[CONSOLE_COL_UP] = { .min = 5, .want = 6, .drop = 4 },
	[CONSOLE_COL_RTT] = { .min = 4, .want = 5, .drop = 2 },
	[CONSOLE_COL_STATE] = { .min = 14, .want = 22, .drop = 0, .grow = true },
	[CONSOLE_COL_LAST] = { .min = 10, .want = 12, .drop = 1, .grow = true },
};

static struct console_rect rect(int y, int h, int w)
{
	return (struct console_rect){ .y = y, .x = 0, .h = h, .w = w };
}

void console_layout_compute(struct console_layout *l, int width, int height, size_t speakers)
{
	memset(l, 0, sizeof *l);
	l->width = width;
	l->height = height;
	if (width < CONSOLE_MIN_W || height < CONSOLE_MIN_H) {
		l->too_small = true;
		return;
	}
	/* Every part at its least: header, status, meter bar, table heading + 1 row, footer. */
	int header = 1, status = 1, meter = 1, table = 2, log = 0;
	int rest = height - (header + status + meter + table + 1);
	if (rest > 0)
		header++, rest--;           /* the second header line: input and target */
	if (rest > 0)
		meter++, rest--;            /* the scale under the bar */
	if (rest >= 3)
		log = 3, rest -= 3;         /* a title and two events */
	/* Room for every speaker, and for two rows even before any joined. */
	int table_want = 1 + (speakers > 2 ? (int)(speakers < 10000 ? speakers : 10000) : 2);
	int more = table_want - table;
	if (more > rest)
		more = rest;
	table += more;
	rest -= more;
	if (log > 0)
		log += rest;
	else
		table += rest;

	int y = 0;
	l->header = rect(y, header, width), y += header;
	l->status = rect(y, status, width), y += status;
	l->meter = rect(y, meter, width), y += meter;
	l->table = rect(y, table, width), y += table;
	l->log = rect(y, log, width), y += log;
	l->footer = rect(y, 1, width);
	l->table_rows = table - 1;

	layout_columns(table_cols, CONSOLE_COLS, width - CONSOLE_TABLE_MARK_W, CONSOLE_TABLE_GAP,
	               l->col_w);
	int x = CONSOLE_TABLE_MARK_W;
	for (int i = 0; i < CONSOLE_COLS; i++) {
		if (l->col_w[i] == 0)
			continue;
		l->col_x[i] = x;
		x += l->col_w[i] + CONSOLE_TABLE_GAP;
	}
	l->meter_x = CONSOLE_METER_LABEL_W;
	l->meter_cells = width - CONSOLE_METER_LABEL_W - CONSOLE_METER_TAIL_W;
}

int console_layout_scroll(int top, int selected, int rows, int visible)
{
	if (visible <= 0 || rows <= 0)
		return 0;
	if (selected >= rows)
		selected = rows - 1;
	if (selected >= 0 && selected < top)
		top = selected;
	if (selected >= 0 && selected >= top + visible)
		top = selected - visible + 1;
	/* Never leave blank lines at the bottom while rows are hidden above. */
	if (top > rows - visible)
		top = rows - visible;
	return top < 0 ? 0 : top;
}

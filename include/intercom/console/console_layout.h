/*
 * Where everything goes on the console's screen for a terminal of a given
 * size: header, status line (RECORDING banner or page summary), level meter,
 * speaker table with its columns, log pane, footer. From 80x24 up every part
 * has room and larger terminals give the table and the log more; below that
 * the screen sheds the meter's scale, the log, then table columns, and under
 * CONSOLE_MIN_W x CONSOLE_MIN_H it only says the terminal is too small.
 * Pure arithmetic: units test it.
 */
#ifndef INTERCOM_CONSOLE_LAYOUT_H
#define INTERCOM_CONSOLE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Below this the screen cannot say anything useful but "too small". */
#define CONSOLE_MIN_W 40
#define CONSOLE_MIN_H 7

/* Speaker table columns, in display order. */
enum console_col {
	CONSOLE_COL_NAME,
	CONSOLE_COL_ZONE,
	CONSOLE_COL_ADDR,
	CONSOLE_COL_UP,
	CONSOLE_COL_RTT,
	CONSOLE_COL_STATE,
	CONSOLE_COL_LAST,
	CONSOLE_COLS
};

/* Columns before the table's first column: the selection marker. */
#define CONSOLE_TABLE_MARK_W 2
/* Columns between table columns. */
#define CONSOLE_TABLE_GAP 2
/* The meter line: a label before the bar, clip light and readout after it. */
#define CONSOLE_METER_LABEL_W 8   /* "  input" then a space */
#define CONSOLE_METER_TAIL_W 14   /* " CLIP  -12 dB" */

struct console_rect {
	int y, x, h, w;               /* h == 0: not shown */
};

struct console_layout {
	int width, height;
	bool too_small;
	struct console_rect header;   /* 1 or 2 lines */
	struct console_rect status;   /* 1 line: RECORDING banner, summary, or hint */
	struct console_rect meter;    /* bar line, then the scale line if h == 2 */
	struct console_rect table;    /* a heading line, then one line per speaker */
	struct console_rect log;      /* a title line, then the latest events; may be absent */
	struct console_rect footer;   /* 1 line of keys, or a prompt */
	int table_rows;               /* speaker lines that fit */
	int col_x[CONSOLE_COLS];      /* column start, relative to the table */
	int col_w[CONSOLE_COLS];      /* 0: column dropped */
	int meter_x, meter_cells;     /* the bar, relative to the meter */
};

/* Lays out a width x height terminal for a table of `speakers` rows. */
void console_layout_compute(struct console_layout *layout, int width, int height, size_t speakers);

/*
 * First of `rows` table rows to show in `visible` lines so that row `selected`
 * (-1: none) is visible, scrolling as little as possible from `top`.
 */
int console_layout_scroll(int top, int selected, int rows, int visible);

#endif

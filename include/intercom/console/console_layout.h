/*
 * Where everything goes on the console's screen for a terminal of a given
 * size: header, status lines (RECORDING banner, the answer to the operator
 * or the page summary wrapped in full), level meter, speaker table with
 * its columns, log pane, footer. From 80x24 up every part has room and
 * larger terminals give the table and the log more; below that the screen
 * sheds the meter's scale, the log, then table columns, and under
 * CONSOLE_MIN_W x CONSOLE_MIN_H it only says the terminal is too small.
 * Also what of a line fits a width: the title bar's pieces (where the next
 * page goes first), the end of a prompt being typed. Pure arithmetic (and
 * text widths): units test it.
 */
#ifndef INTERCOM_CONSOLE_LAYOUT_H
#define INTERCOM_CONSOLE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "intercom/common/defaults.h"

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
	CONSOLE_COL_SYNC,
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
	struct console_rect status;   /* RECORDING banner, then the answer to the operator; or the summary */
	struct console_rect meter;    /* bar line, then the scale line if h == 2 */
	struct console_rect table;    /* a heading line, then one line per speaker */
	struct console_rect log;      /* a title line, then the latest events; may be absent */
	struct console_rect footer;   /* 1 line of keys, or a prompt */
	int table_rows;               /* speaker lines that fit */
	int col_x[CONSOLE_COLS];      /* column start, relative to the table */
	int col_w[CONSOLE_COLS];      /* 0: column dropped */
	int meter_x, meter_cells;     /* the bar, relative to the meter */
};

/*
 * Lays out a width x height terminal for a table of `speakers` rows and a
 * status of `status_lines` lines (console_layout_status_lines): the status
 * gets them before the header's second line, the meter's scale, the log and
 * the table grow, as far as the least of every other part leaves room.
 */
void console_layout_compute(struct console_layout *layout, int width, int height, size_t speakers,
                            int status_lines);

/*
 * The status lines wanted at a width: one for a recording's banner, and
 * after it the text (the answer to the operator, else the page's summary)
 * wrapped in full; at least one.
 */
int console_layout_status_lines(int width, const char *text, bool recording, bool utf8);

/* The title bar's pieces as console_layout_title chose them for a width; "" is left out. */
struct console_title {
	char name[24];                /* "intercom console", "intercom" */
	char duration[48];            /* "duration 5.0 s", "duration 5.0 s +0.3 s pre-roll" */
	char target[NAME_MAX_BYTES + 64]; /* "next page to hall-1", "next page: 5.0 s to hall-1",
	                                     "page to hall-1" */
	char speakers[32];            /* "2 speakers" */
	int gap;                      /* columns between two pieces shown */
};

/*
 * Fits the title bar into width columns after its first one. Where the next
 * page goes outranks everything else: the speaker count goes first, then the
 * duration joins the target ("next page: 5.0 s to hall-1"), the program's
 * name shortens and goes, and last the duration ("page to hall-1"); a target
 * that still does not fit is cut by whoever draws it. missing: the target is
 * not connected (said after its name).
 */
void console_layout_title(struct console_title *title, int width, const char *duration,
                          const char *target, bool missing, size_t speakers, bool utf8);

/*
 * The same, with the pre-roll beside the duration ("duration 5.0 s +0.3 s
 * pre-roll"; preroll "" for none) where the bar has room for it without
 * costing the program's name more than the bare duration would; else as
 * console_layout_title with the duration alone.
 */
void console_layout_title_preroll(struct console_title *title, int width, const char *duration,
                                  const char *preroll, const char *target, bool missing, size_t speakers,
                                  bool utf8);

/*
 * Where the end of text starts that fits in cols columns (0 if it all
 * fits): a prompt being typed shows its end, where the cursor is, once it is
 * wider than the footer. A character wider than cols is skipped whole.
 */
size_t console_layout_tail(const char *text, int cols, bool utf8);

/*
 * First of `rows` table rows to show in `visible` lines so that row `selected`
 * (-1: none) is visible, scrolling as little as possible from `top`.
 */
int console_layout_scroll(int top, int selected, int rows, int visible);

#endif

/* The console screen's layout: which part gets which lines and columns. */
#include "intercom/console/console_layout.h"

#include <stdio.h>
#include <string.h>

#include "intercom/common/utf8.h"
#include "intercom/tui/layout.h"
#include "intercom/tui/textfmt.h"

/*
 * Column sizes. Minimums are what keeps a column legible (an address cut
 * short is useless, so it goes whole or not at all); drop order says what an
 * operator misses least: the address first, then the clock's sync (a detail
 * of how pages start together, still shown at 80 columns), the result of the
 * last page last. SYNC is 8 wide for "+-0.3 ms" on an ASCII terminal.
 */
static const struct layout_col table_cols[CONSOLE_COLS] = {
	[CONSOLE_COL_NAME] = { .min = 10, .want = 16, .drop = 0 },
	[CONSOLE_COL_ZONE] = { .min = 6, .want = 10, .drop = 3 },
	[CONSOLE_COL_ADDR] = { .min = 21, .want = 21, .drop = 6 },
	[CONSOLE_COL_UP] = { .min = 5, .want = 6, .drop = 4 },
	[CONSOLE_COL_RTT] = { .min = 4, .want = 5, .drop = 2 },
	[CONSOLE_COL_SYNC] = { .min = 8, .want = 8, .drop = 5 },
	[CONSOLE_COL_STATE] = { .min = 14, .want = 22, .drop = 0, .grow = true },
	[CONSOLE_COL_LAST] = { .min = 10, .want = 12, .drop = 1, .grow = true },
};

static struct console_rect rect(int y, int h, int w)
{
	return (struct console_rect){ .y = y, .x = 0, .h = h, .w = w };
}

void console_layout_compute(struct console_layout *l, int width, int height, size_t speakers,
                            int status_lines)
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
	/* An answer to the operator is read now: it comes before everything that can wait. */
	int more_status = status_lines - status < rest ? status_lines - status : rest;
	if (more_status > 0)
		status += more_status, rest -= more_status;
	if (rest > 0)
		header++, rest--;           /* the second header line: where we listen, the input, the key */
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

int console_layout_status_lines(int width, const char *text, bool recording, bool utf8)
{
	int lines = recording ? 1 : 0;
	int cols = width - 2; /* the status is drawn from column 1, its last column left free */
	if (text && *text && cols > 0) {
		while (*text) {
			size_t n = textfmt_wrap(text, cols, utf8);
			lines++;
			text += n;
			while (*text == ' ')
				text++;
		}
	}
	return lines > 0 ? lines : 1;
}

/* How the title bar says where the next page goes. */
enum title_target {
	TITLE_TARGET_LONG,        /* "next page to hall-1" (the duration on its own) */
	TITLE_TARGET_WITH_DURATION, /* "next page: 5.0 s to hall-1" */
	TITLE_TARGET_SHORT,       /* "page to hall-1" (no duration) */
};

/* One way of writing the title bar, from the fullest to the barest. */
struct title_form {
	int name;                 /* 0: "intercom console", 1: "intercom", 2: none */
	enum title_target target;
	bool speakers;
	int gap;
};

static const struct title_form title_forms[] = {
	{ 0, TITLE_TARGET_LONG, true, 3 },
	{ 0, TITLE_TARGET_LONG, false, 3 },
	{ 0, TITLE_TARGET_WITH_DURATION, false, 3 },
	{ 1, TITLE_TARGET_WITH_DURATION, false, 3 },
	{ 2, TITLE_TARGET_WITH_DURATION, false, 3 },
	{ 2, TITLE_TARGET_SHORT, false, 3 },
};

void console_layout_title(struct console_title *t, int width, const char *duration,
                          const char *target, bool missing, size_t speakers, bool utf8)
{
	static const char *const names[] = { "intercom console", "intercom", "" };
	const char *gone = missing ? " (not connected)" : "";
	const size_t n_forms = sizeof title_forms / sizeof title_forms[0];
	for (size_t i = 0; i < n_forms; i++) {
		const struct title_form *f = &title_forms[i];
		memset(t, 0, sizeof *t);
		snprintf(t->name, sizeof t->name, "%s", names[f->name]);
		if (f->target == TITLE_TARGET_LONG) {
			snprintf(t->duration, sizeof t->duration, "duration %s", duration);
			snprintf(t->target, sizeof t->target, "next page to %s%s", target, gone);
		} else if (f->target == TITLE_TARGET_WITH_DURATION) {
			snprintf(t->target, sizeof t->target, "next page: %s to %s%s", duration, target, gone);
		} else {
			snprintf(t->target, sizeof t->target, "page to %s%s", target, gone);
		}
		if (f->speakers)
			snprintf(t->speakers, sizeof t->speakers, "%zu speaker%s", speakers, speakers == 1 ? "" : "s");
		t->gap = f->gap;
		const char *pieces[] = { t->name, t->duration, t->target, t->speakers };
		int used = 0, shown = 0;
		for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
			if (!*pieces[p])
				continue;
			used += textfmt_width(pieces[p], utf8) + (shown ? t->gap : 0);
			shown++;
		}
		if (used <= width - 1) /* the bar's first column is its margin */
			return;
	}
}

void console_layout_title_preroll(struct console_title *t, int width, const char *duration,
                                  const char *preroll, const char *target, bool missing, size_t speakers,
                                  bool utf8)
{
	console_layout_title(t, width, duration, target, missing, speakers, utf8);
	if (!preroll || !*preroll)
		return;
	char with[sizeof t->duration];
	snprintf(with, sizeof with, "%s %s", duration, preroll);
	struct console_title full;
	console_layout_title(&full, width, with, target, missing, speakers, utf8);
	/*
	 * Shown (not gone with the duration), the name as long as without it and
	 * the count of speakers still there: the pre-roll stays.
	 */
	bool shown = strstr(full.duration, preroll) || strstr(full.target, preroll);
	if (shown && strlen(full.name) >= strlen(t->name) && strcmp(full.speakers, t->speakers) == 0)
		*t = full;
}

size_t console_layout_tail(const char *text, int cols, bool utf8)
{
	size_t pos = strlen(text);
	while (pos > 0) {
		size_t prev = utf8_prev(text, pos);
		if (textfmt_width(text + prev, utf8) > cols)
			break;
		pos = prev;
	}
	return pos;
}

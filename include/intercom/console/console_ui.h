/*
 * The console's curses screen: draws a console_view snapshot into the
 * terminal that term.h set up, one window per part of the layout, redrawing
 * only the parts whose snapshot changed (wnoutrefresh, then one doupdate), so
 * an idle screen sends nothing and a moving meter sends a few cells. It also
 * keeps the log pane's lines (it is the log sink while the screen is up).
 * It never reads keys or touches the network: console.c does.
 */
#ifndef INTERCOM_CONSOLE_UI_H
#define INTERCOM_CONSOLE_UI_H

#include <stdbool.h>

#include "intercom/console/console_view.h"

struct console_ui;

/* A screen with an empty log; draws nothing until console_ui_draw. NULL if out of memory. */
struct console_ui *console_ui_new(void);
void console_ui_free(struct console_ui *ui);

/* The log sink (log_sink_fn) while the screen is up: ctx is the console_ui. */
void console_ui_log_cb(const char *line, void *ctx);

/* The terminal changed size (or needs repainting): lay out again and redraw everything. */
void console_ui_invalidate(struct console_ui *ui);

/* Draws what differs from the previous snapshot. Returns true if anything was sent. */
bool console_ui_draw(struct console_ui *ui, const struct console_view *view);

/*
 * Speaker rows the table shows at the terminal's size with that many
 * speakers and that status (its lines wrapped in full) (0: none).
 */
int console_ui_table_rows(const struct console_ui *ui, size_t speakers,
                          const struct console_view_status *status);

/* True while the terminal is too small for the screen: it shows only a notice (and what waits). */
bool console_ui_too_small(const struct console_ui *ui);

/*
 * How far the help (help) or the log view scrolls at the terminal's size:
 * *max for console_key_input.scroll_max, *page the lines it shows.
 */
void console_ui_scroll_range(const struct console_ui *ui, bool help, size_t *max, int *page);

#endif

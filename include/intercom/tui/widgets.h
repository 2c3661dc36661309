/*
 * Curses drawing both screens share: text clipped to a width (by display
 * columns, UTF-8 aware), the level meter, the "terminal too small" notice.
 * Each only draws at the place it is given; numbers come from pure modules
 * (textfmt, meter_scale) and attributes from term.
 */
#ifndef INTERCOM_WIDGETS_H
#define INTERCOM_WIDGETS_H

#include <curses.h>

#include "intercom/tui/meter_scale.h"

/* Text at y, x cut to w columns (with an ellipsis). Returns the columns used. */
int widget_text(WINDOW *win, int y, int x, int w, attr_t attr, const char *text);
/* Text only if all of it fits in w columns; else nothing (0). */
int widget_text_whole(WINDOW *win, int y, int x, int w, attr_t attr, const char *text);

/* A level meter of mv->cells cells at y, x: RMS bar in band colours, peak marker, held peak. */
void widget_meter(WINDOW *win, int y, int x, const struct meter_view *mv);

/*
 * Text from y, x wrapped at w columns over at most rows rows (the last one
 * cut with an ellipsis if it still does not fit). Returns the rows used.
 */
int widget_wrap(WINDOW *win, int y, int x, int w, int rows, attr_t attr, const char *text);

/*
 * What a screen shows when the terminal is below min_w x min_h. waiting, if
 * not NULL, is what waits for a key (a question, a prompt being typed, the
 * help): keys still go to it, so it comes first, wrapped to the width.
 */
void widget_too_small(WINDOW *win, int h, int w, int min_w, int min_h, const char *waiting);

#endif

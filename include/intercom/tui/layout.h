/*
 * Fitting things side by side into a terminal width: table columns, footer
 * key hints. Columns that cannot all be shown are dropped in a stated order
 * instead of being squeezed into nonsense. Pure arithmetic, shared by both
 * programs' screens.
 */
#ifndef INTERCOM_LAYOUT_H
#define INTERCOM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* A screen has a handful of columns; more than this are never shown. */
#define LAYOUT_MAX_COLS 32

struct layout_col {
	int min;     /* columns it needs to be worth showing */
	int want;    /* columns it would like (>= min) */
	int drop;    /* 0: never dropped; when short of room, the highest drops first */
	bool grow;   /* takes what is left once every shown column has its want */
};

/*
 * Fits n columns, gap columns apart, into width. widths[i] gets each column's
 * width, 0 for a dropped one. Droppable columns go (highest drop first, the
 * rightmost of equals first) until the others' minimums fit; then columns get
 * up to their want, left to right, and growing columns share the rest.
 * Columns that may not be dropped are cut from the right if even they do not
 * fit. Returns the columns used, gaps included (never more than width).
 */
int layout_columns(const struct layout_col *cols, size_t n, int width, int gap, int *widths);

#endif

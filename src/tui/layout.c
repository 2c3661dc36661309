/* Fitting columns into a width, dropping the least important first. */
#include "intercom/tui/layout.h"

/* Minimum width of the shown columns with the gaps between them. */
static int shown_min(const struct layout_col *cols, size_t n, const bool *shown, int gap)
{
	int total = 0, count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!shown[i])
			continue;
		total += cols[i].min;
		count++;
	}
	return count > 0 ? total + gap * (count - 1) : 0;
}

int layout_columns(const struct layout_col *cols, size_t n, int width, int gap, int *widths)
{
	bool shown[LAYOUT_MAX_COLS];
	for (size_t i = 0; i < n; i++)
		widths[i] = 0;
	if (n > LAYOUT_MAX_COLS)
		n = LAYOUT_MAX_COLS;
	for (size_t i = 0; i < n; i++)
		shown[i] = true;
	if (width < 0)
		width = 0;
	while (shown_min(cols, n, shown, gap) > width) {
		size_t victim = n;
		for (size_t i = 0; i < n; i++)
			if (shown[i] && cols[i].drop > 0 && (victim == n || cols[i].drop >= cols[victim].drop))
				victim = i;
		if (victim == n)
			break;
		shown[victim] = false;
	}
	int used = 0, count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!shown[i])
			continue;
		int w = cols[i].min > 0 ? cols[i].min : 0;
		int start = count > 0 ? used + gap : used;
		if (start + w > width) {
			/* Even the columns that stay do not fit: cut from the right. */
			w = width - start;
			if (w <= 0)
				break;
		}
		widths[i] = w;
		used = start + w;
		count++;
	}
	int extra = width - used;
	for (size_t i = 0; i < n && extra > 0; i++) {
		if (widths[i] <= 0 || cols[i].want <= widths[i])
			continue;
		int more = cols[i].want - widths[i];
		if (more > extra)
			more = extra;
		widths[i] += more;
		extra -= more;
		used += more;
	}
	int growers = 0;
	for (size_t i = 0; i < n; i++)
		growers += widths[i] > 0 && cols[i].grow;
	for (size_t i = 0; i < n && extra > 0 && growers > 0; i++) {
		if (widths[i] <= 0 || !cols[i].grow)
			continue;
		int share = (extra + growers - 1) / growers;
		widths[i] += share;
		extra -= share;
		used += share;
		growers--;
	}
	return used;
}

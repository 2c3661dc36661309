/*
 * Text for screens: times (mm:ss.t), ages, round trips, percentages,
 * progress bars in block glyphs or ASCII, and fitting UTF-8 text into a
 * number of terminal columns. Pure (no curses, no clocks, no globals besides
 * the C library's LC_CTYPE, which decides character widths), so both
 * programs' screens share it and units test it.
 */
#ifndef INTERCOM_TEXTFMT_H
#define INTERCOM_TEXTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "mm:ss.t" (tenths cut, never rounded up): 00:04.5, 05:00.0; from an hour on "h:mm:ss.t". */
void textfmt_clock(char *out, size_t outlen, uint64_t ms);

/* A setting in seconds: one decimal ("2.5 s", "300.0 s"), two if it has them ("2.25 s"). */
void textfmt_seconds(char *out, size_t outlen, double seconds);

/* How long something has been up, in at most 7 columns: 45s, 12m, 3h05m, 2d04h. */
void textfmt_age(char *out, size_t outlen, uint64_t ms);

/* A round trip in at most 5 columns: "<1ms", "23ms", "1.2s", "12s". */
void textfmt_rtt(char *out, size_t outlen, uint32_t ms);

/*
 * Orders names as people read them: runs of digits by their value, the rest
 * byte by byte, so lobby-2 comes before lobby-10. <0, 0 or >0 like strcmp.
 */
int textfmt_natural_cmp(const char *a, const char *b);

/* done of total as a whole percentage, cut not rounded (100 only when done), 0..100. */
int textfmt_percent(uint64_t done, uint64_t total);

/*
 * A bar of `cells` columns filled to fraction (clamped to 0..1): full blocks,
 * one partial eighth block and light shade with utf8, '#' and '.' without.
 * Writes a terminated string (truncated if outlen is short: give 3 bytes per
 * cell plus one) and returns its length in bytes.
 */
size_t textfmt_bar(char *out, size_t outlen, int cells, double fraction, bool utf8);

/* A block filling n eighths of a cell from the left ("▏" .. "▉"); "" outside 1..7. */
const char *textfmt_eighths(int n);

/*
 * Copies text into out so that it takes at most cols terminal columns; cut
 * text ends in an ellipsis ("…", or "~" without utf8). Invalid UTF-8, control
 * characters, and (without utf8) anything not ASCII become '?', so the result
 * is always safe to print. Returns the columns the result takes.
 */
int textfmt_fit(char *out, size_t outlen, const char *text, int cols, bool utf8);

/* Columns text would take when printed as textfmt_fit prints it. */
int textfmt_width(const char *text, bool utf8);

/*
 * Where the first line of text ends when it is wrapped at cols columns: at
 * the last space that lets the line fit (the space is left out), else, for a
 * word wider than the line, after the characters that fit (at least one).
 * Returns the line's length in bytes, 0 only for empty text; the next line
 * starts after the spaces that follow.
 */
size_t textfmt_wrap(const char *text, int cols, bool utf8);

#endif

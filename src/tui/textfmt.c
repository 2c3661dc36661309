/* Text for screens: times, bars and fitting UTF-8 into columns. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* wcwidth */
#endif
#include "intercom/tui/textfmt.h"

#include "intercom/common/utf8.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* Partial blocks from one eighth to seven eighths of a cell, left-aligned. */
static const char *const eighths[8] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
#define GLYPH_FULL "█"
#define GLYPH_TRACK "░"
#define GLYPH_ELLIPSIS "…"

void textfmt_clock(char *out, size_t outlen, uint64_t ms)
{
	uint64_t tenths = ms / 100;
	unsigned t = (unsigned)(tenths % 10);
	uint64_t secs = tenths / 10;
	unsigned s = (unsigned)(secs % 60);
	uint64_t mins = secs / 60;
	if (mins < 60)
		snprintf(out, outlen, "%02u:%02u.%u", (unsigned)mins, s, t);
	else
		snprintf(out, outlen, "%llu:%02u:%02u.%u", (unsigned long long)(mins / 60),
		         (unsigned)(mins % 60), s, t);
}

void textfmt_seconds(char *out, size_t outlen, double seconds)
{
	/* One decimal for the 0.5 s steps; two when the operator typed them. */
	double tenths = seconds * 10.0;
	bool whole_tenths = fabs(tenths - round(tenths)) < 1e-6;
	snprintf(out, outlen, whole_tenths ? "%.1f s" : "%.2f s", seconds);
}

void textfmt_age(char *out, size_t outlen, uint64_t ms)
{
	uint64_t s = ms / 1000;
	if (s < 60)
		snprintf(out, outlen, "%us", (unsigned)s);
	else if (s < 3600)
		snprintf(out, outlen, "%um", (unsigned)(s / 60));
	else if (s < 86400)
		snprintf(out, outlen, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s % 3600 / 60));
	else if (s < 1000 * 86400ull)
		snprintf(out, outlen, "%ud%02uh", (unsigned)(s / 86400), (unsigned)(s % 86400 / 3600));
	else
		snprintf(out, outlen, "999d+");
}

void textfmt_rtt(char *out, size_t outlen, uint32_t ms)
{
	if (ms < 1)
		snprintf(out, outlen, "<1ms");
	else if (ms < 1000)
		snprintf(out, outlen, "%ums", ms);
	else if (ms < 10000)
		snprintf(out, outlen, "%u.%us", ms / 1000, ms % 1000 / 100);
	else if (ms < 100000)
		snprintf(out, outlen, "%us", ms / 1000);
	else
		snprintf(out, outlen, ">99s");
}

int textfmt_percent(uint64_t done, uint64_t total)
{
	if (total == 0)
		return 0;
	if (done >= total)
		return 100;
	/* In double: done * 100 could overflow 64 bits for absurd totals. */
	int p = (int)((double)done * 100.0 / (double)total);
	return p > 99 ? 99 : p;
}

const char *textfmt_eighths(int n)
{
	return n >= 1 && n <= 7 ? eighths[n] : "";
}

/* Appends s to out (at *len) if it fits with the terminator; false when full. */
static bool append(char *out, size_t outlen, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > outlen)
		return false;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return true;
}

size_t textfmt_bar(char *out, size_t outlen, int cells, double fraction, bool utf8)
{
	size_t len = 0;
	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (cells <= 0)
		return 0;
	if (!(fraction > 0.0))
		fraction = 0.0;
	if (fraction > 1.0)
		fraction = 1.0;
	int steps = utf8 ? 8 : 1;
	int filled = (int)(fraction * cells * steps + 0.5);
	int full = filled / steps, part = filled % steps;
	for (int i = 0; i < cells; i++) {
		const char *g;
		if (i < full)
			g = utf8 ? GLYPH_FULL : "#";
		else if (i == full && part > 0)
			g = eighths[part];
		else
			g = utf8 ? GLYPH_TRACK : ".";
		if (!append(out, outlen, &len, g))
			break;
	}
	return len;
}

/* Columns a code point takes, or -1 if it must be shown as '?'. */
static int cp_width(uint32_t cp, bool utf8)
{
	if (utf8_is_control(cp))
		return -1;
	if (cp < 0x7f)
		return 1;
	if (!utf8)
		return -1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? -1 : w;
}

/*
 * The character at s, with len bytes left: returns its length in bytes and
 * sets *w to the columns it takes, or to -1 when it is shown as '?'. A byte
 * that starts no valid character is shown so on its own (length 1).
 */
static size_t char_width(const char *s, size_t len, bool utf8, int *w)
{
	uint32_t cp;
	size_t n = utf8_decode(s, len, &cp);
	if (n == 0) {
		*w = -1;
		return 1;
	}
	*w = cp_width(cp, utf8);
	return n;
}

int textfmt_width(const char *text, bool utf8)
{
	size_t len = strlen(text);
	int cols = 0;
	for (size_t i = 0; i < len;) {
		int w;
		i += char_width(text + i, len - i, utf8, &w);
		cols += w < 0 ? 1 : w;
	}
	return cols;
}

int textfmt_fit(char *out, size_t outlen, const char *text, int cols, bool utf8)
{
	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (cols <= 0)
		return 0;
	int total = textfmt_width(text, utf8);
	/* Cut text keeps one column for the ellipsis. */
	int room = total <= cols ? cols : cols - 1;
	size_t text_len = strlen(text);
	size_t len = 0;
	int used = 0;
	for (size_t i = 0; i < text_len;) {
		int w;
		size_t n = char_width(text + i, text_len - i, utf8, &w);
		char buf[UTF8_MAX_BYTES + 1];
		if (w < 0) {
			buf[0] = '?', buf[1] = '\0';
			w = 1;
		} else {
			memcpy(buf, text + i, n);
			buf[n] = '\0';
		}
		if (used + w > room || !append(out, outlen, &len, buf))
			break;
		used += w;
		i += n;
	}
	if (total > cols && append(out, outlen, &len, utf8 ? GLYPH_ELLIPSIS : "~"))
		used++;
	return used;
}

size_t textfmt_wrap(const char *text, int cols, bool utf8)
{
	size_t text_len = strlen(text);
	size_t len = 0, last_break = 0;
	bool after_space = false;
	int used = 0;
	while (len < text_len) {
		int w;
		size_t n = char_width(text + len, text_len - len, utf8, &w);
		if (w < 0)
			w = 1;
		/* A line may end where a run of spaces starts (not before its first word). */
		bool space = text[len] == ' ';
		if (space && !after_space && len > 0)
			last_break = len;
		after_space = space;
		if (used + w > cols && len > 0)
			return last_break > 0 ? last_break : len;
		used += w;
		len += n;
	}
	return len;
}

int textfmt_natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			/* Leading zeros do not make a number bigger; then the longer run is. */
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t la = 0, lb = 0;
			while (isdigit((unsigned char)a[la]))
				la++;
			while (isdigit((unsigned char)b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = memcmp(a, b, la);
			if (c != 0)
				return c;
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

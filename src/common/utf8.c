/* Strict UTF-8: one character, whole strings, cuts on character boundaries. */
#include "intercom/common/utf8.h"

#include <string.h>

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	/* The smallest code point each length may carry: below it the form is overlong. */
	static const uint32_t min_cp[UTF8_MAX_BYTES] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char *u = (const unsigned char *)s;
	size_t extra;
	uint32_t value;

	if (len == 0)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	} else if ((u[0] & 0xe0) == 0xc0) {
		extra = 1, value = u[0] & 0x1fu;
	} else if ((u[0] & 0xf0) == 0xe0) {
		extra = 2, value = u[0] & 0x0fu;
	} else if ((u[0] & 0xf8) == 0xf0) {
		extra = 3, value = u[0] & 0x07u;
	} else {
		return 0; /* a continuation byte, or 0xF8..0xFF */
	}
	if (len <= extra)
		return 0;
	for (size_t k = 1; k <= extra; k++) {
		if ((u[k] & 0xc0) != 0x80)
			return 0;
		value = value << 6 | (u[k] & 0x3fu);
	}
	/* Overlong forms and surrogates are how filters get fooled; past U+10FFFF is not Unicode. */
	if (value < min_cp[extra] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
		return 0;
	*cp = value;
	return extra + 1;
}

bool utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/*
 * Unicode 15.1's format characters (Cf) and separators Zl, Zp, in order: the
 * characters a name could hide behind or turn the line around with.
 */
static const struct {
	uint32_t first, last;
} format_ranges[] = {
	{ 0x00ad, 0x00ad },   /* soft hyphen */
	{ 0x0600, 0x0605 },   /* Arabic number signs */
	{ 0x061c, 0x061c },   /* Arabic letter mark (bidi) */
	{ 0x06dd, 0x06dd },
	{ 0x070f, 0x070f },
	{ 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 },
	{ 0x180e, 0x180e },   /* Mongolian vowel separator */
	{ 0x200b, 0x200f },   /* zero-width space, non-joiner, joiner; LRM, RLM */
	{ 0x2028, 0x202e },   /* line, paragraph separators; LRE, RLE, PDF, LRO, RLO */
	{ 0x2060, 0x2064 },   /* word joiner, invisible operators */
	{ 0x2066, 0x206f },   /* LRI, RLI, FSI, PDI; deprecated format characters */
	{ 0xfeff, 0xfeff },   /* zero-width no-break space (BOM) */
	{ 0xfff9, 0xfffb },   /* interlinear annotation */
	{ 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f }, /* Egyptian hieroglyph format controls */
	{ 0x1bca0, 0x1bca3 }, /* shorthand format controls */
	{ 0x1d173, 0x1d17a }, /* musical symbol format controls */
	{ 0xe0001, 0xe0001 }, /* language tag */
	{ 0xe0020, 0xe007f }, /* tags */
};

bool utf8_is_format(uint32_t cp)
{
	for (size_t i = 0; i < sizeof format_ranges / sizeof format_ranges[0]; i++) {
		if (cp < format_ranges[i].first)
			return false;
		if (cp <= format_ranges[i].last)
			return true;
	}
	return false;
}

bool utf8_is_noncharacter(uint32_t cp)
{
	return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

bool utf8_is_printable(uint32_t cp)
{
	return !utf8_is_control(cp) && !utf8_is_format(cp) && !utf8_is_noncharacter(cp);
}

/* What kind of character cp is, for check: OK if printable. */
static enum utf8_text classify(uint32_t cp)
{
	if (utf8_is_control(cp))
		return UTF8_TEXT_CONTROL;
	if (utf8_is_format(cp))
		return UTF8_TEXT_FORMAT;
	if (utf8_is_noncharacter(cp))
		return UTF8_TEXT_NONCHARACTER;
	return UTF8_TEXT_OK;
}

/* The first problem in s[0..len): a malformed character, or (if printable) one not printable. */
static enum utf8_text check(const char *s, size_t len, bool printable, uint32_t *bad)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			return UTF8_TEXT_MALFORMED;
		enum utf8_text kind = printable ? classify(cp) : UTF8_TEXT_OK;
		if (kind != UTF8_TEXT_OK) {
			*bad = cp;
			return kind;
		}
		i += n;
	}
	return UTF8_TEXT_OK;
}

bool utf8_valid(const char *s, size_t len)
{
	uint32_t bad;
	return check(s, len, false, &bad) == UTF8_TEXT_OK;
}

enum utf8_text utf8_check_text(const char *s, size_t len)
{
	uint32_t bad;
	return check(s, len, true, &bad);
}

enum utf8_text utf8_check_text_cp(const char *s, size_t len, uint32_t *cp)
{
	return check(s, len, true, cp);
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

size_t utf8_prev(const char *s, size_t pos)
{
	return pos == 0 ? 0 : utf8_cut(s, pos, pos - 1);
}

size_t utf8_copy(char *dst, size_t dstlen, const char *src)
{
	size_t n = utf8_cut(src, strlen(src), dstlen - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

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

/* The first problem in s[0..len): a malformed character, or (if printable) a control one. */
static enum utf8_text check(const char *s, size_t len, bool printable)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			return UTF8_TEXT_MALFORMED;
		if (printable && utf8_is_control(cp))
			return UTF8_TEXT_CONTROL;
		i += n;
	}
	return UTF8_TEXT_OK;
}

bool utf8_valid(const char *s, size_t len)
{
	return check(s, len, false) == UTF8_TEXT_OK;
}

enum utf8_text utf8_check_text(const char *s, size_t len)
{
	return check(s, len, true);
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

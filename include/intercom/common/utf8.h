/*
 * UTF-8 as intercom accepts it, in one place: decoding one character
 * strictly (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF, no sequence cut short), checking a whole string (valid;
 * printable: no control, invisible or bidi format character, nor
 * noncharacter), and cutting a string at a byte budget without splitting a
 * character. Pure: no I/O, no
 * locale, no allocation. It validates network input (proto), command-line
 * values (options) and what screens print (textfmt, which keeps the display
 * widths); those decide what to do with what it finds.
 */
#ifndef INTERCOM_UTF8_H
#define INTERCOM_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest encoding of one character, in bytes. */
#define UTF8_MAX_BYTES 4

/*
 * Decodes the character at s, of which len bytes may be read: returns its
 * length (1..UTF8_MAX_BYTES) and sets *cp, or returns 0 and leaves *cp alone
 * if the bytes there are not one whole valid character: len 0, a
 * continuation byte, a byte no character starts with (0xC0, 0xC1,
 * 0xF5..0xFF), a sequence cut short by len or by a byte that does not
 * continue it, an overlong form, a surrogate (U+D800..U+DFFF), a code point
 * past U+10FFFF. A NUL byte is U+0000, of length 1.
 */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* True if s[0..len) is whole characters by utf8_decode's rules (controls allowed). */
bool utf8_valid(const char *s, size_t len);

/*
 * True for the controls a terminal may act on: C0 (below U+0020), DEL and
 * C1 (U+0080..U+009F, which some terminals take as ESC sequences).
 */
bool utf8_is_control(uint32_t cp);

/*
 * True for the characters that are invisible or change how the text around
 * them is shown, so that a name can look like another or make the rest of a
 * line read backwards: Unicode's format characters (general category Cf, as of
 * Unicode 15.1: the bidi controls U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069 and U+061C; zero-width U+200B..U+200D, U+2060..U+2064 and
 * U+FEFF; the soft hyphen U+00AD; tags U+E0001, U+E0020..U+E007F; and the
 * rest) and the line and paragraph separators U+2028, U+2029 (Zl, Zp).
 */
bool utf8_is_format(uint32_t cp);

/*
 * True for Unicode's 66 noncharacters (U+FDD0..U+FDEF, and the last two code
 * points of every plane, U+FFFE, U+FFFF, ... U+10FFFF): never meant to be
 * exchanged, shown by no font.
 */
bool utf8_is_noncharacter(uint32_t cp);

/* Whether a character is printable text: not a control, format or noncharacter. */
bool utf8_is_printable(uint32_t cp);

/* What utf8_check_text found first, reading left to right. */
enum utf8_text {
	UTF8_TEXT_OK,           /* valid, and every character printable */
	UTF8_TEXT_MALFORMED,    /* not valid UTF-8 (utf8_decode refused a character) */
	UTF8_TEXT_CONTROL,      /* a control character (utf8_is_control), NUL included */
	UTF8_TEXT_FORMAT,       /* an invisible or bidi format character (utf8_is_format) */
	UTF8_TEXT_NONCHARACTER, /* a noncharacter (utf8_is_noncharacter) */
};

/* Checks that s[0..len) is printable text: valid UTF-8, every character utf8_is_printable. */
enum utf8_text utf8_check_text(const char *s, size_t len);

/* The same, and sets *cp to the character refused (left alone if OK or MALFORMED). */
enum utf8_text utf8_check_text_cp(const char *s, size_t len, uint32_t *cp);

/*
 * Where to cut s[0..len) to keep at most max bytes without splitting a
 * character: len if it fits, else the largest n <= max with s[n] not a
 * continuation byte (10xxxxxx), or 0. Valid text cut there stays valid.
 */
size_t utf8_cut(const char *s, size_t len, size_t max);

/*
 * Where the character that ends at s[pos] starts: the length of s[0..pos)
 * with its last character dropped (as a backspace does); 0 for pos 0.
 */
size_t utf8_prev(const char *s, size_t pos);

/*
 * Copies the string src into dst (dstlen > 0), cut by utf8_cut if it does
 * not fit, always terminated. Returns the bytes copied, the NUL left out.
 */
size_t utf8_copy(char *dst, size_t dstlen, const char *src);

#endif

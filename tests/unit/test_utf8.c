/*
 * Unit tests of src/common/utf8.c: every boundary of every length, every
 * class of malformed input (against a reference built from the Unicode
 * standard's table of well-formed byte sequences), whole strings, controls,
 * format characters and noncharacters (what a name must not hide behind),
 * and cuts at a byte budget, forwards and backwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "intercom/common/utf8.h"

/* Decodes exactly the bytes of s (a string literal: sizeof - 1) and expects one character. */
#define DECODES(lit, want) decodes(lit, sizeof(lit) - 1, want)
#define REFUSED(lit) refused(lit, sizeof(lit) - 1)

static void decodes(const char *s, size_t len, uint32_t want)
{
	uint32_t cp = 0xdeadbeef;
	size_t n = utf8_decode(s, len, &cp);
	if (n != len)
		fail_msg("U+%04X: decoded %zu bytes of %zu", (unsigned)want, n, len);
	if (cp != want)
		fail_msg("U+%04X: got U+%04X", (unsigned)want, (unsigned)cp);
}

static void refused(const char *s, size_t len)
{
	uint32_t cp = 0xdeadbeef;
	size_t n = utf8_decode(s, len, &cp);
	if (n != 0)
		fail_msg("%zu bytes starting 0x%02x accepted as U+%04X", len, (unsigned char)s[0],
		         (unsigned)cp);
	assert_true(cp == 0xdeadbeef); /* untouched */
}

static void test_decode_boundaries(void **state)
{
	(void)state;
	DECODES("\x00", 0x0);
	DECODES("A", 0x41);
	DECODES("\x7f", 0x7f);
	DECODES("\xc2\x80", 0x80);
	DECODES("\xc2\xa0", 0xa0);
	DECODES("\xdf\xbf", 0x7ff);
	DECODES("\xe0\xa0\x80", 0x800);
	DECODES("\xed\x9f\xbf", 0xd7ff);  /* just below the surrogates */
	DECODES("\xee\x80\x80", 0xe000);  /* just above them */
	DECODES("\xef\xbf\xbd", 0xfffd);
	DECODES("\xef\xbf\xbf", 0xffff);
	DECODES("\xf0\x90\x80\x80", 0x10000);
	DECODES("\xf0\x9f\x94\x8a", 0x1f50a);
	DECODES("\xf4\x8f\xbf\xbf", 0x10ffff);
	DECODES("é", 0xe9);
	DECODES("東", 0x6771);
}

/* Only the first character is decoded; what follows does not matter. */
static void test_decode_first_only(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(utf8_decode("éa", 3, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_decode("a\xff", 2, &cp), 1);
	assert_int_equal(cp, 'a');
	assert_int_equal(utf8_decode("東\x80", 4, &cp), 3);
	assert_int_equal(cp, 0x6771);
}

static void test_decode_malformed(void **state)
{
	(void)state;
	uint32_t cp = 7;
	assert_int_equal(utf8_decode("a", 0, &cp), 0); /* nothing to read */
	assert_int_equal(cp, 7);

	/* Continuation bytes alone. */
	REFUSED("\x80");
	REFUSED("\xbf");
	REFUSED("\x80\x80");
	/* Bytes no character starts with. */
	REFUSED("\xc0\x80");
	REFUSED("\xc1\xbf");
	REFUSED("\xf5\x80\x80\x80");
	REFUSED("\xf7\xbf\xbf\xbf");
	REFUSED("\xf8\x88\x80\x80\x80");
	REFUSED("\xfc\x84\x80\x80\x80\x80");
	REFUSED("\xfe");
	REFUSED("\xff");
	/* Overlong forms of every length, including the classic ones for '/' and NUL. */
	REFUSED("\xc0\xaf");
	REFUSED("\xc0\x80");
	REFUSED("\xc1\xbf");
	REFUSED("\xe0\x80\x80");
	REFUSED("\xe0\x80\xaf");
	REFUSED("\xe0\x9f\xbf");
	REFUSED("\xf0\x80\x80\x80");
	REFUSED("\xf0\x80\x80\xaf");
	REFUSED("\xf0\x8f\xbf\xbf");
	/* Surrogates, alone and paired (CESU-8). */
	REFUSED("\xed\xa0\x80");
	REFUSED("\xed\xad\xbf");
	REFUSED("\xed\xb0\x80");
	REFUSED("\xed\xbf\xbf");
	REFUSED("\xed\xa0\xbd\xed\xb4\x8a");
	/* Past U+10FFFF. */
	REFUSED("\xf4\x90\x80\x80");
	REFUSED("\xf4\xbf\xbf\xbf");
	/* A byte that does not continue the sequence, at each place. */
	REFUSED("\xc3\x28");
	REFUSED("\xc3\x00");
	REFUSED("\xc3\xc3\xa9");
	REFUSED("\xe2\x28\xa1");
	REFUSED("\xe2\x82\x28");
	REFUSED("\xe2\x82\x00");
	REFUSED("\xf0\x28\x8c\xbc");
	REFUSED("\xf0\x9f\x28\x8a");
	REFUSED("\xf0\x9f\x94\x28");
	REFUSED("\xf0\x9f\x94\xc3");
}

/* A sequence cut short by len is refused, even when the bytes after it would complete it. */
static void test_decode_truncated(void **state)
{
	(void)state;
	static const char *const full[] = { "\xc3\xa9", "\xe6\x9d\xb1", "\xf0\x9f\x94\x8a",
		                            "\xf4\x8f\xbf\xbf" };
	for (size_t i = 0; i < sizeof full / sizeof full[0]; i++) {
		size_t len = strlen(full[i]);
		for (size_t cut = 0; cut < len; cut++)
			refused(full[i], cut);
		uint32_t cp;
		assert_int_equal(utf8_decode(full[i], len, &cp), len);
	}
	REFUSED("\xc3");
	REFUSED("\xe2\x82");
	REFUSED("\xf0\x9f\x94");
}

/* Length of the well-formed character at b[0..len), by the Unicode standard's Table 3-7; 0 if none. */
static size_t reference_length(const unsigned char *b, size_t len)
{
	static const struct {
		unsigned char lo[4], hi[4];
		size_t n;
	} rows[] = {
		{ { 0x00 }, { 0x7f }, 1 },
		{ { 0xc2, 0x80 }, { 0xdf, 0xbf }, 2 },
		{ { 0xe0, 0xa0, 0x80 }, { 0xe0, 0xbf, 0xbf }, 3 },
		{ { 0xe1, 0x80, 0x80 }, { 0xec, 0xbf, 0xbf }, 3 },
		{ { 0xed, 0x80, 0x80 }, { 0xed, 0x9f, 0xbf }, 3 },
		{ { 0xee, 0x80, 0x80 }, { 0xef, 0xbf, 0xbf }, 3 },
		{ { 0xf0, 0x90, 0x80, 0x80 }, { 0xf0, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf1, 0x80, 0x80, 0x80 }, { 0xf3, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf4, 0x80, 0x80, 0x80 }, { 0xf4, 0x8f, 0xbf, 0xbf }, 4 },
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		size_t k = 0;
		while (k < rows[r].n && k < len && b[k] >= rows[r].lo[k] && b[k] <= rows[r].hi[k])
			k++;
		if (k == rows[r].n)
			return k;
	}
	return 0;
}

/* The code point of a well-formed character (the reference says it is one). */
static uint32_t reference_value(const unsigned char *b, size_t n)
{
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t v = b[0] & lead_mask[n];
	for (size_t k = 1; k < n; k++)
		v = v << 6 | (b[k] & 0x3f);
	return v;
}

/*
 * Every first and second byte, with third and fourth bytes at the edges of
 * their ranges, at every length: the decoder agrees with the reference.
 */
static void test_decode_matches_reference(void **state)
{
	(void)state;
	static const unsigned char tail[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
		                              0xa0, 0xbf, 0xc0, 0xf4, 0xff };
	const size_t ntail = sizeof tail;
	size_t accepted = 0;
	for (unsigned b0 = 0; b0 < 256; b0++) {
		for (unsigned b1 = 0; b1 < 256; b1++) {
			for (size_t i2 = 0; i2 < ntail; i2++) {
				for (size_t i3 = 0; i3 < ntail; i3++) {
					unsigned char b[4] = { (unsigned char)b0, (unsigned char)b1, tail[i2],
						               tail[i3] };
					for (size_t len = 1; len <= 4; len++) {
						uint32_t cp = 0xdeadbeef;
						size_t want = reference_length(b, len);
						size_t got = utf8_decode((const char *)b, len, &cp);
						if (got != want)
							fail_msg("%02x %02x %02x %02x (len %zu): %zu bytes, want %zu",
							         b[0], b[1], b[2], b[3], len, got, want);
						if (got != 0 && cp != reference_value(b, got))
							fail_msg("%02x %02x %02x %02x: U+%04X", b[0], b[1], b[2], b[3],
							         (unsigned)cp);
						accepted += got != 0;
					}
				}
			}
		}
	}
	assert_true(accepted > 0);
}

/* Every scalar value round-trips from its encoding. */
static void test_decode_every_scalar(void **state)
{
	(void)state;
	for (uint32_t v = 0; v <= 0x10ffff; v++) {
		if (v >= 0xd800 && v <= 0xdfff)
			continue;
		unsigned char b[4];
		size_t n;
		if (v < 0x80) {
			b[0] = (unsigned char)v, n = 1;
		} else if (v < 0x800) {
			b[0] = (unsigned char)(0xc0 | v >> 6), b[1] = (unsigned char)(0x80 | (v & 0x3f)), n = 2;
		} else if (v < 0x10000) {
			b[0] = (unsigned char)(0xe0 | v >> 12), b[1] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
			b[2] = (unsigned char)(0x80 | (v & 0x3f)), n = 3;
		} else {
			b[0] = (unsigned char)(0xf0 | v >> 18), b[1] = (unsigned char)(0x80 | (v >> 12 & 0x3f));
			b[2] = (unsigned char)(0x80 | (v >> 6 & 0x3f)), b[3] = (unsigned char)(0x80 | (v & 0x3f));
			n = 4;
		}
		uint32_t cp = 0xdeadbeef;
		if (utf8_decode((const char *)b, n, &cp) != n || cp != v)
			fail_msg("U+%04X did not round-trip", (unsigned)v);
	}
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("abc", 3));
	assert_true(utf8_valid("Réception 東京 🔔", strlen("Réception 東京 🔔")));
	/* Controls are valid UTF-8; NUL counts when len says so. */
	assert_true(utf8_valid("a\x01\x7f\xc2\x85", 5));
	assert_true(utf8_valid("a\0b", 3));
	/* Only len bytes are looked at. */
	assert_true(utf8_valid("ab\xff", 2));
	assert_false(utf8_valid("ab\xff", 3));
	assert_false(utf8_valid("é", 1));
	assert_false(utf8_valid("東京", 5));
	assert_false(utf8_valid("\xed\xa0\x80", 3));
	/* One bad byte anywhere spoils the string. */
	const char *good = "Périphérique 東京 🔔 occupé";
	size_t len = strlen(good);
	for (size_t i = 0; i < len; i++) {
		char buf[64];
		memcpy(buf, good, len);
		buf[i] = (char)0xff;
		if (utf8_valid(buf, len))
			fail_msg("0xff at %zu accepted", i);
	}
}

static void test_is_control(void **state)
{
	(void)state;
	static const uint32_t controls[] = { 0x00, 0x01, 0x09, 0x0a, 0x1b, 0x1f, 0x7f,
		                             0x80, 0x85, 0x9b, 0x9f };
	static const uint32_t printable[] = { 0x20, 0x41, 0x7e, 0xa0, 0xe9, 0x2028, 0xfffd,
		                              0x10ffff };
	for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++)
		assert_true(utf8_is_control(controls[i]));
	for (size_t i = 0; i < sizeof printable / sizeof printable[0]; i++)
		assert_false(utf8_is_control(printable[i]));
}

/* Bidi controls, zero-width and other invisible characters: a name must not hide behind them. */
static void test_is_format(void **state)
{
	(void)state;
	static const uint32_t format[] = {
		0x00ad,                                   /* soft hyphen */
		0x061c, 0x200e, 0x200f,                   /* ALM, LRM, RLM */
		0x202a, 0x202b, 0x202c, 0x202d, 0x202e,   /* LRE, RLE, PDF, LRO, RLO */
		0x2066, 0x2067, 0x2068, 0x2069,           /* LRI, RLI, FSI, PDI */
		0x200b, 0x200c, 0x200d, 0x2060, 0x2064,   /* zero-width, word joiner, invisible plus */
		0xfeff, 0x2028, 0x2029, 0x180e, 0x0600, 0x06dd, 0xfffb,
		0x1343f, 0x1bca3, 0x1d173, 0xe0001, 0xe0020, 0xe007f,
	};
	static const uint32_t shown[] = {
		0x20, 0x41, 0xa0, 0xac, 0xae, 0x05ff, 0x0606, 0x061b, 0x061d, 0x200a, 0x2010,
		0x2027, 0x202f, 0x205f, 0x2065, 0x2070, 0xfefe, 0xff00, 0xfff8, 0xfffc, 0xfffd,
		0x13440, 0x1bc9f, 0x1d17b, 0xe0000, 0xe0002, 0xe001f, 0xe0080, 0xe0100,
		0x1f50a, 0x6771, 0x10ffff,
	};
	for (size_t i = 0; i < sizeof format / sizeof format[0]; i++)
		if (!utf8_is_format(format[i]) || utf8_is_printable(format[i]))
			fail_msg("U+%04X is a format character", (unsigned)format[i]);
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
		if (utf8_is_format(shown[i]))
			fail_msg("U+%04X is not a format character", (unsigned)shown[i]);
	/* Unicode 15.1: 170 in category Cf, plus U+2028 (Zl) and U+2029 (Zp). */
	unsigned count = 0;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++)
		count += utf8_is_format(cp);
	assert_int_equal(count, 172);
	/* No character is two kinds at once. */
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++)
		if (utf8_is_format(cp) + utf8_is_control(cp) + utf8_is_noncharacter(cp) > 1)
			fail_msg("U+%04X is of two kinds", (unsigned)cp);
}

static void test_is_noncharacter(void **state)
{
	(void)state;
	static const uint32_t non[] = { 0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x1fffe, 0x1ffff,
		                        0x10fffe, 0x10ffff };
	static const uint32_t chars[] = { 0xfdcf, 0xfdf0, 0xfffd, 0x1fffd, 0x20000, 0x10fffd };
	for (size_t i = 0; i < sizeof non / sizeof non[0]; i++)
		if (!utf8_is_noncharacter(non[i]) || utf8_is_printable(non[i]))
			fail_msg("U+%04X is a noncharacter", (unsigned)non[i]);
	for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++)
		if (utf8_is_noncharacter(chars[i]) || !utf8_is_printable(chars[i]))
			fail_msg("U+%04X is a character", (unsigned)chars[i]);
	unsigned count = 0;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++)
		count += utf8_is_noncharacter(cp);
	assert_int_equal(count, 66);
}

#define CHECK(lit) utf8_check_text(lit, sizeof(lit) - 1)

static void test_check_text(void **state)
{
	(void)state;
	assert_int_equal(CHECK(""), UTF8_TEXT_OK);
	assert_int_equal(CHECK("Lobby 2"), UTF8_TEXT_OK);
	assert_int_equal(CHECK("会議室 🔔"), UTF8_TEXT_OK);
	assert_int_equal(CHECK("\xc2\xa0"), UTF8_TEXT_OK); /* no-break space is printable */
	assert_int_equal(CHECK("a\tb"), UTF8_TEXT_CONTROL);
	assert_int_equal(CHECK("a\nb"), UTF8_TEXT_CONTROL);
	assert_int_equal(CHECK("\x1b[2J"), UTF8_TEXT_CONTROL);
	assert_int_equal(CHECK("del\x7f"), UTF8_TEXT_CONTROL);
	assert_int_equal(CHECK("\xc2\x9b" "31m"), UTF8_TEXT_CONTROL); /* C1 CSI */
	assert_int_equal(CHECK("a\0b"), UTF8_TEXT_CONTROL);
	assert_int_equal(CHECK("\xc3\x28"), UTF8_TEXT_MALFORMED);
	assert_int_equal(CHECK("ab\xe2\x82"), UTF8_TEXT_MALFORMED);
	assert_int_equal(CHECK("\xc0\xaf"), UTF8_TEXT_MALFORMED);
	/* Names that lie: reversed, invisible, or hiding in plain sight. */
	assert_int_equal(CHECK("honest\xe2\x80\xae" "1gnp.exe"), UTF8_TEXT_FORMAT); /* U+202E */
	assert_int_equal(CHECK("\xe2\x81\xa6" "lobby" "\xe2\x81\xa9"), UTF8_TEXT_FORMAT); /* LRI, PDI */
	assert_int_equal(CHECK("hon\xe2\x80\x8b" "est1"), UTF8_TEXT_FORMAT); /* zero-width space */
	assert_int_equal(CHECK("\xef\xbb\xbf" "lobby"), UTF8_TEXT_FORMAT);        /* BOM */
	assert_int_equal(CHECK("lob\xc2\xad" "by"), UTF8_TEXT_FORMAT);             /* soft hyphen */
	assert_int_equal(CHECK("a\xe2\x80\xa8" "b"), UTF8_TEXT_FORMAT);           /* line separator */
	assert_int_equal(CHECK("\xd8\x9c" "x"), UTF8_TEXT_FORMAT);                 /* U+061C */
	assert_int_equal(CHECK("flag \xf3\xa0\x80\x81"), UTF8_TEXT_FORMAT);       /* U+E0001 */
	assert_int_equal(CHECK("x\xef\xbf\xbe"), UTF8_TEXT_NONCHARACTER);          /* U+FFFE */
	assert_int_equal(CHECK("x\xef\xb7\x90"), UTF8_TEXT_NONCHARACTER);          /* U+FDD0 */
	assert_int_equal(CHECK("x\xf4\x8f\xbf\xbf"), UTF8_TEXT_NONCHARACTER);      /* U+10FFFF */
	assert_int_equal(CHECK("\xef\xbf\xbd"), UTF8_TEXT_OK);                     /* U+FFFD is shown */
	/* The first problem wins. */
	assert_int_equal(CHECK("\x01\xff"), UTF8_TEXT_CONTROL);
	assert_int_equal(CHECK("\xff\x01"), UTF8_TEXT_MALFORMED);
	assert_int_equal(CHECK("\xe2\x80\xae\x01"), UTF8_TEXT_FORMAT);
}

/* The character refused is named, so a message can say which. */
static void test_check_text_cp(void **state)
{
	(void)state;
	uint32_t cp = 0;
	assert_int_equal(utf8_check_text_cp("ab\xe2\x80\xae" "c", 6, &cp), UTF8_TEXT_FORMAT);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(utf8_check_text_cp("a\x1b", 2, &cp), UTF8_TEXT_CONTROL);
	assert_int_equal(cp, 0x1b);
	assert_int_equal(utf8_check_text_cp("\xef\xbf\xbf", 3, &cp), UTF8_TEXT_NONCHARACTER);
	assert_int_equal(cp, 0xffff);
	cp = 7;
	assert_int_equal(utf8_check_text_cp("ok", 2, &cp), UTF8_TEXT_OK);
	assert_int_equal(utf8_check_text_cp("\xff", 1, &cp), UTF8_TEXT_MALFORMED);
	assert_int_equal(cp, 7);
}

static void test_cut(void **state)
{
	(void)state;
	/* What fits is kept whole. */
	assert_int_equal(utf8_cut("abc", 3, 3), 3);
	assert_int_equal(utf8_cut("abc", 3, 100), 3);
	assert_int_equal(utf8_cut("", 0, 0), 0);
	assert_int_equal(utf8_cut("abc", 3, 2), 2);
	assert_int_equal(utf8_cut("abc", 3, 0), 0);
	/* "aé" is 61 c3 a9: one byte short keeps only "a". */
	assert_int_equal(utf8_cut("aé", 3, 2), 1);
	assert_int_equal(utf8_cut("aé", 3, 1), 1);
	assert_int_equal(utf8_cut("🔔", 4, 3), 0);
	assert_int_equal(utf8_cut("a🔔b", 6, 5), 5);
	assert_int_equal(utf8_cut("a🔔b", 6, 4), 1);
	/* Only the byte at the cut is looked at past max: invalid text steps back over continuations. */
	assert_int_equal(utf8_cut("\x80\x80\x80", 3, 2), 0);
	assert_int_equal(utf8_cut("a\xff\x80", 3, 2), 1);

	/* Every budget of a mixed string: the longest valid prefix that fits. */
	const char *full = "Périphérique 東京 🔔 occupé";
	size_t len = strlen(full);
	for (size_t max = 0; max <= len + 1; max++) {
		size_t n = utf8_cut(full, len, max);
		assert_true(n <= max && n <= len);
		assert_true(utf8_valid(full, n));
		/* Nothing longer within the budget is valid. */
		for (size_t m = n + 1; m <= max && m <= len; m++)
			assert_false(utf8_valid(full, m));
	}
}

/* The backspace of a line editor as written before this module: drop continuations, then one byte. */
static size_t backspace_reference(const char *s, size_t len)
{
	while (len > 0 && ((unsigned char)s[len - 1] & 0xc0) == 0x80)
		len--;
	return len > 0 ? len - 1 : 0;
}

static void test_prev(void **state)
{
	(void)state;
	assert_int_equal(utf8_prev("", 0), 0);
	assert_int_equal(utf8_prev("abc", 3), 2);
	assert_int_equal(utf8_prev("abc", 1), 0);
	assert_int_equal(utf8_prev("aé", 3), 1);
	assert_int_equal(utf8_prev("a🔔", 5), 1);
	assert_int_equal(utf8_prev("🔔", 4), 0);
	assert_int_equal(utf8_prev("東京", 6), 3);

	/* Walking back from the end visits every character start. */
	const char *text = "é東🔔a";
	static const size_t starts[] = { 10, 9, 5, 2, 0 };
	size_t pos = strlen(text);
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		assert_int_equal(pos, starts[i]);
		pos = utf8_prev(text, pos);
	}
	assert_int_equal(pos, 0);

	/* Byte for byte what the old backspace did, also on text that is not UTF-8. */
	uint32_t rng = 2463534242u;
	for (int iter = 0; iter < 20000; iter++) {
		static const unsigned char bytes[] = { 'a', ' ', 0x80, 0xbf, 0xc3, 0xa9, 0xe6, 0xf0, 0xff };
		char buf[8];
		size_t len = (size_t)(iter % (int)sizeof buf);
		for (size_t i = 0; i < len; i++) {
			rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
			buf[i] = (char)bytes[rng % sizeof bytes];
		}
		assert_int_equal(utf8_prev(buf, len), backspace_reference(buf, len));
	}
}

static void test_copy(void **state)
{
	(void)state;
	char dst[6];
	memset(dst, 'x', sizeof dst);
	assert_int_equal(utf8_copy(dst, sizeof dst, "abc"), 3);
	assert_string_equal(dst, "abc");
	assert_int_equal(utf8_copy(dst, sizeof dst, "abcde"), 5); /* exactly fits */
	assert_string_equal(dst, "abcde");
	assert_int_equal(utf8_copy(dst, sizeof dst, "abcdef"), 5);
	assert_string_equal(dst, "abcde");
	/* "abcdé" needs 6 bytes and a terminator: é goes whole. */
	assert_int_equal(utf8_copy(dst, sizeof dst, "abcdé"), 4);
	assert_string_equal(dst, "abcd");
	assert_int_equal(utf8_copy(dst, sizeof dst, "東京"), 3);
	assert_string_equal(dst, "東");
	assert_int_equal(utf8_copy(dst, sizeof dst, "🔔🔔"), 4);
	assert_string_equal(dst, "🔔");
	assert_int_equal(utf8_copy(dst, sizeof dst, ""), 0);
	assert_string_equal(dst, "");
	char one[1] = { 'x' };
	assert_int_equal(utf8_copy(one, sizeof one, "abc"), 0);
	assert_int_equal(one[0], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_boundaries),
		cmocka_unit_test(test_decode_first_only),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_matches_reference),
		cmocka_unit_test(test_decode_every_scalar),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_is_control),
		cmocka_unit_test(test_is_format),
		cmocka_unit_test(test_is_noncharacter),
		cmocka_unit_test(test_check_text),
		cmocka_unit_test(test_check_text_cp),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_prev),
		cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of screen text: times, ages, round trips, percentages, bars, fitting UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "intercom/tui/textfmt.h"

static void test_clock(void **state)
{
	(void)state;
	char buf[32];
	textfmt_clock(buf, sizeof buf, 0);
	assert_string_equal(buf, "00:00.0");
	textfmt_clock(buf, sizeof buf, 4599);
	assert_string_equal(buf, "00:04.5"); /* tenths are cut, never rounded up */
	textfmt_clock(buf, sizeof buf, 4500);
	assert_string_equal(buf, "00:04.5");
	textfmt_clock(buf, sizeof buf, 59999);
	assert_string_equal(buf, "00:59.9");
	textfmt_clock(buf, sizeof buf, 60000);
	assert_string_equal(buf, "01:00.0");
	textfmt_clock(buf, sizeof buf, 300000);
	assert_string_equal(buf, "05:00.0");
	textfmt_clock(buf, sizeof buf, 3599999);
	assert_string_equal(buf, "59:59.9");
	textfmt_clock(buf, sizeof buf, 3600000);
	assert_string_equal(buf, "1:00:00.0");
	textfmt_clock(buf, sizeof buf, 36123456);
	assert_string_equal(buf, "10:02:03.4");
	char small[5];
	textfmt_clock(small, sizeof small, 4500);
	assert_string_equal(small, "00:0");
}

static void test_seconds(void **state)
{
	(void)state;
	char buf[16];
	textfmt_seconds(buf, sizeof buf, 5.0);
	assert_string_equal(buf, "5.0 s");
	textfmt_seconds(buf, sizeof buf, 0.5);
	assert_string_equal(buf, "0.5 s");
	textfmt_seconds(buf, sizeof buf, 300.0);
	assert_string_equal(buf, "300.0 s");
	textfmt_seconds(buf, sizeof buf, 2.25);
	assert_string_equal(buf, "2.25 s");
	textfmt_seconds(buf, sizeof buf, 0.1 + 0.2); /* 0.30000000000000004 */
	assert_string_equal(buf, "0.3 s");
	textfmt_seconds(buf, sizeof buf, 12.345);
	assert_string_equal(buf, "12.35 s");
}

static void test_age(void **state)
{
	(void)state;
	char buf[16];
	static const struct { uint64_t ms; const char *text; } cases[] = {
		{ 0, "0s" },         { 999, "0s" },         { 45000, "45s" },
		{ 59999, "59s" },    { 60000, "1m" },       { 12 * 60000 + 59000, "12m" },
		{ 3599999, "59m" },  { 3600000, "1h00m" },  { 3 * 3600000 + 5 * 60000, "3h05m" },
		{ 86399999, "23h59m" }, { 86400000, "1d00h" }, { 2 * 86400000ull + 4 * 3600000, "2d04h" },
		{ 999 * 86400000ull + 23 * 3600000, "999d23h" }, { 1000 * 86400000ull, "999d+" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		textfmt_age(buf, sizeof buf, cases[i].ms);
		assert_string_equal(buf, cases[i].text);
		assert_true(strlen(buf) <= 7);
	}
}

static void test_rtt(void **state)
{
	(void)state;
	char buf[16];
	static const struct { uint32_t ms; const char *text; } cases[] = {
		{ 0, "<1ms" }, { 1, "1ms" }, { 23, "23ms" }, { 999, "999ms" }, { 1000, "1.0s" },
		{ 1250, "1.2s" }, { 9999, "9.9s" }, { 10000, "10s" }, { 99999, "99s" }, { 100000, ">99s" },
		{ UINT32_MAX, ">99s" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		textfmt_rtt(buf, sizeof buf, cases[i].ms);
		assert_string_equal(buf, cases[i].text);
		assert_true(strlen(buf) <= 5);
	}
}

static void test_percent(void **state)
{
	(void)state;
	assert_int_equal(textfmt_percent(0, 0), 0);
	assert_int_equal(textfmt_percent(5, 0), 0);
	assert_int_equal(textfmt_percent(0, 100), 0);
	assert_int_equal(textfmt_percent(1, 3), 33);
	assert_int_equal(textfmt_percent(2, 3), 66); /* cut, not rounded */
	assert_int_equal(textfmt_percent(999, 1000), 99);
	assert_int_equal(textfmt_percent(99999, 100000), 99); /* 100 only when done */
	assert_int_equal(textfmt_percent(100, 100), 100);
	assert_int_equal(textfmt_percent(150, 100), 100);
	assert_int_equal(textfmt_percent(UINT64_MAX / 2, UINT64_MAX), 50);
	assert_int_equal(textfmt_percent(UINT64_MAX - 1, UINT64_MAX), 99);
}

static void test_bar_ascii(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(textfmt_bar(buf, sizeof buf, 10, 0.0, false), 10);
	assert_string_equal(buf, "..........");
	textfmt_bar(buf, sizeof buf, 10, 0.5, false);
	assert_string_equal(buf, "#####.....");
	textfmt_bar(buf, sizeof buf, 10, 1.0, false);
	assert_string_equal(buf, "##########");
	textfmt_bar(buf, sizeof buf, 10, 7.0, false);
	assert_string_equal(buf, "##########");
	textfmt_bar(buf, sizeof buf, 10, -1.0, false);
	assert_string_equal(buf, "..........");
	textfmt_bar(buf, sizeof buf, 4, 0.3, false); /* 1.2 cells: rounds to 1 */
	assert_string_equal(buf, "#...");
	assert_int_equal(textfmt_bar(buf, sizeof buf, 0, 0.5, false), 0);
	assert_string_equal(buf, "");
	char small[4];
	assert_int_equal(textfmt_bar(small, sizeof small, 10, 1.0, false), 3);
	assert_string_equal(small, "###");
}

static void test_bar_utf8(void **state)
{
	(void)state;
	char buf[64];
	textfmt_bar(buf, sizeof buf, 4, 0.0, true);
	assert_string_equal(buf, "░░░░");
	textfmt_bar(buf, sizeof buf, 4, 1.0, true);
	assert_string_equal(buf, "████");
	textfmt_bar(buf, sizeof buf, 4, 0.5, true);
	assert_string_equal(buf, "██░░");
	/* 4 cells x 8 = 32 steps; 0.3 is 9.6 steps, rounds to 10: one cell and two eighths. */
	textfmt_bar(buf, sizeof buf, 4, 0.3, true);
	assert_string_equal(buf, "█▎░░");
	textfmt_bar(buf, sizeof buf, 1, 1.0 / 8, true);
	assert_string_equal(buf, "▏");
	textfmt_bar(buf, sizeof buf, 1, 7.0 / 8, true);
	assert_string_equal(buf, "▉");
	assert_string_equal(textfmt_eighths(1), "▏");
	assert_string_equal(textfmt_eighths(4), "▌");
	assert_string_equal(textfmt_eighths(7), "▉");
	assert_string_equal(textfmt_eighths(0), "");
	assert_string_equal(textfmt_eighths(8), "");
	/* A glyph that does not fit whole is left out, never cut in the middle. */
	char small[8];
	textfmt_bar(small, sizeof small, 4, 1.0, true);
	assert_string_equal(small, "██");
}

static void test_fit_ascii(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(textfmt_fit(buf, sizeof buf, "lobby-1", 10, false), 7);
	assert_string_equal(buf, "lobby-1");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "lobby-1", 7, false), 7);
	assert_string_equal(buf, "lobby-1");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "lobby-12", 7, false), 7);
	assert_string_equal(buf, "lobby-~");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "abc", 1, false), 1);
	assert_string_equal(buf, "~");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "abc", 0, false), 0);
	assert_string_equal(buf, "");
	/* Control characters and, without UTF-8, anything not ASCII become '?'. */
	assert_int_equal(textfmt_fit(buf, sizeof buf, "a\tb\x1b[2Jc", 20, false), 8);
	assert_string_equal(buf, "a?b?[2Jc");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "caf\xc3\xa9", 20, false), 4);
	assert_string_equal(buf, "caf?");
	assert_int_equal(textfmt_width("caf\xc3\xa9", false), 4);
}

static void test_fit_utf8(void **state)
{
	(void)state;
	if (!setlocale(LC_CTYPE, "C.UTF-8")) {
		skip();
		return;
	}
	char buf[64];
	assert_int_equal(textfmt_fit(buf, sizeof buf, "caf\xc3\xa9", 20, true), 4);
	assert_string_equal(buf, "café");
	assert_int_equal(textfmt_width("café", true), 4);
	/* Wide characters take two columns and are never split. */
	assert_int_equal(textfmt_width("東京", true), 4);
	assert_int_equal(textfmt_fit(buf, sizeof buf, "東京駅", 5, true), 5);
	assert_string_equal(buf, "東京…");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "東京駅", 4, true), 3);
	assert_string_equal(buf, "東…");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "Empfangshalle", 8, true), 8);
	assert_string_equal(buf, "Empfang…");
	/* Invalid UTF-8: stray continuation, overlong, surrogate, truncated sequence. */
	assert_int_equal(textfmt_fit(buf, sizeof buf, "a\x80" "b", 10, true), 3);
	assert_string_equal(buf, "a?b");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "\xc0\xaf", 10, true), 2);
	assert_string_equal(buf, "??");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "\xed\xa0\x80", 10, true), 3);
	assert_string_equal(buf, "???");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "x\xe2\x82", 10, true), 3);
	assert_string_equal(buf, "x??");
	/* Past U+10FFFF, bytes no character starts with, a 4-byte sequence cut short. */
	assert_int_equal(textfmt_fit(buf, sizeof buf, "\xf4\x90\x80\x80", 10, true), 4);
	assert_string_equal(buf, "????");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "\xf5\xff\xc1", 10, true), 3);
	assert_string_equal(buf, "???");
	assert_int_equal(textfmt_fit(buf, sizeof buf, "\xf0\x9f\x94z", 10, true), 4);
	assert_string_equal(buf, "???z");
	/* Each '?' is a column: the cut and the width count them so. */
	assert_int_equal(textfmt_width("\xed\xa0\x80\xe6\x9d\xb1", true), 5);
	assert_int_equal(textfmt_fit(buf, sizeof buf, "\xed\xa0\x80\xe6\x9d\xb1", 4, true), 4);
	assert_string_equal(buf, "???…");
	/* C1 controls are controls too. */
	assert_int_equal(textfmt_fit(buf, sizeof buf, "a\xc2\x9b" "b", 10, true), 3);
	assert_string_equal(buf, "a?b");
	setlocale(LC_CTYPE, "C");
}

/* Wraps text at cols and joins the lines with '|', as a screen would show them. */
static void wrapped(char *out, size_t outlen, const char *text, int cols, bool utf8)
{
	size_t len = 0;
	out[0] = '\0';
	while (*text) {
		size_t n = textfmt_wrap(text, cols, utf8);
		assert_true(n > 0);
		len += (size_t)snprintf(out + len, outlen - len, "%s%.*s", len ? "|" : "", (int)n, text);
		text += n;
		while (*text == ' ')
			text++;
	}
}

static void test_wrap(void **state)
{
	(void)state;
	char buf[256];
	assert_int_equal(textfmt_wrap("", 10, false), 0);
	assert_int_equal(textfmt_wrap("short", 10, false), 5);
	wrapped(buf, sizeof buf, "A page is in flight. Quit anyway? (y/n)", 30, false);
	assert_string_equal(buf, "A page is in flight. Quit|anyway? (y/n)");
	wrapped(buf, sizeof buf, "A page is in flight. Quit anyway? (y/n)", 39, false);
	assert_string_equal(buf, "A page is in flight. Quit anyway? (y/n)");
	/* A word wider than the line is cut where the line ends. */
	wrapped(buf, sizeof buf, ":send /srv/announcements/closing.flac", 12, false);
	assert_string_equal(buf, ":send|/srv/announc|ements/closi|ng.flac");
	/* A line never ends empty: one character at least, even at 0 columns. */
	assert_int_equal(textfmt_wrap("abc", 0, false), 1);
	/* Spaces that open the text stay (the caller's), runs of spaces are dropped at a break. */
	wrapped(buf, sizeof buf, "ab    cd", 4, false);
	assert_string_equal(buf, "ab|cd");
	setlocale(LC_CTYPE, "C.UTF-8");
	/* Columns, not bytes: "█" is 3 bytes and 1 column, "東" 3 bytes and 2 columns. */
	wrapped(buf, sizeof buf, ":send x\xe2\x96\x88  Enter runs", 8, true);
	assert_string_equal(buf, ":send x\xe2\x96\x88|Enter|runs");
	wrapped(buf, sizeof buf, "東京駅", 3, true);
	assert_string_equal(buf, "東|京|駅");
	setlocale(LC_CTYPE, "C");
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_natural_order(void **state)
{
	(void)state;
	assert_int_equal(sign(textfmt_natural_cmp("lobby-2", "lobby-10")), -1);
	assert_int_equal(sign(textfmt_natural_cmp("lobby-10", "lobby-2")), 1);
	assert_int_equal(sign(textfmt_natural_cmp("s02", "s7")), -1);
	assert_int_equal(sign(textfmt_natural_cmp("s007", "s7")), 0);
	assert_int_equal(sign(textfmt_natural_cmp("hall", "hall-1")), -1);
	assert_int_equal(sign(textfmt_natural_cmp("Hall", "hall")), -1);
	assert_int_equal(sign(textfmt_natural_cmp("a99b", "a100a")), -1);
	assert_int_equal(sign(textfmt_natural_cmp("", "")), 0);
	assert_int_equal(sign(textfmt_natural_cmp("x", "")), 1);
	/* Numbers longer than any integer type still compare by value. */
	assert_int_equal(sign(textfmt_natural_cmp("n123456789012345678901234567890",
	                                          "n123456789012345678901234567891")), -1);
	assert_int_equal(sign(textfmt_natural_cmp("n99999999999999999999999999", "n100000000000000000000000000")), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock),     cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_age),       cmocka_unit_test(test_rtt),
		cmocka_unit_test(test_percent),   cmocka_unit_test(test_bar_ascii),
		cmocka_unit_test(test_bar_utf8),  cmocka_unit_test(test_fit_ascii),
		cmocka_unit_test(test_fit_utf8),  cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_natural_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

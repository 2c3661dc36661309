/*
 * libFuzzer target: peer-supplied text. The input is a HELLO payload (what a
 * speaker sends first, before anything authenticates it) and, read as a
 * string, a name, zone or reason.
 *
 * Invariants checked (any failure aborts):
 *  - proto_hello_decode returns PROTO_OK or PROTO_ERR_MALFORMED; on success the
 *    name is 1..64 bytes and the zone 0..64 bytes of valid text, and
 *    proto_hello_encode gives back exactly the input as payload;
 *  - proto_text_valid agrees with an independent validator written from the
 *    Unicode well-formed byte-sequence table (RFC 3629) minus C0, DEL and C1,
 *    the format characters (DerivedGeneralCategory.txt's Cf lines, Unicode
 *    15.1, and Zl, Zp) and the noncharacters, for any max, and so never reads
 *    past len;
 *  - proto_text_sanitize: the result keeps the length, changes bytes only to
 *    '?', always passes proto_text_valid with max = its length, and is a fixed
 *    point (sanitizing again changes nothing); valid text is left unchanged.
 */
#include "intercom/net/proto.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Code points of category Cf, Zl or Zp, as the Unicode Character Database lists them. */
static const uint32_t ref_format[][2] = {
	{ 0x00AD, 0x00AD }, { 0x0600, 0x0605 }, { 0x061C, 0x061C }, { 0x06DD, 0x06DD },
	{ 0x070F, 0x070F }, { 0x0890, 0x0891 }, { 0x08E2, 0x08E2 }, { 0x180E, 0x180E },
	{ 0x200B, 0x200F }, { 0x2028, 0x2028 }, { 0x2029, 0x2029 }, { 0x202A, 0x202E },
	{ 0x2060, 0x2064 }, { 0x2066, 0x206F }, { 0xFEFF, 0xFEFF }, { 0xFFF9, 0xFFFB },
	{ 0x110BD, 0x110BD }, { 0x110CD, 0x110CD }, { 0x13430, 0x1343F }, { 0x1BCA0, 0x1BCA3 },
	{ 0x1D173, 0x1D17A }, { 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F },
};

/* Whether the code point of a well-formed sequence of len bytes is shown as text. */
static bool ref_shown(const uint8_t *s, size_t len)
{
	static const uint8_t lead_bits[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead_bits[len];
	for (size_t k = 1; k < len; k++)
		cp = cp << 6 | (s[k] & 0x3f);
	for (size_t i = 0; i < sizeof ref_format / sizeof ref_format[0]; i++)
		if (cp >= ref_format[i][0] && cp <= ref_format[i][1])
			return false;
	/* Noncharacters: U+FDD0..U+FDEF and the last two of each plane. */
	return !(cp >= 0xFDD0 && cp <= 0xFDEF) && (cp & 0xFFFF) < 0xFFFE;
}

/* Length of the well-formed, allowed character at s (n bytes left), or 0. */
static size_t ref_char(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	if (c < 0x80)
		return c >= 0x20 && c != 0x7f;
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len;
	if (c == 0xc2) {
		/* U+0080..U+009F are the C1 controls. */
		len = 2, lo = 0xa0;
	} else if (c >= 0xc3 && c <= 0xdf) {
		len = 2;
	} else if (c == 0xe0) {
		len = 3, lo = 0xa0;
	} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
		len = 3;
	} else if (c == 0xed) {
		len = 3, hi = 0x9f; /* no surrogates */
	} else if (c == 0xf0) {
		len = 4, lo = 0x90;
	} else if (c >= 0xf1 && c <= 0xf3) {
		len = 4;
	} else if (c == 0xf4) {
		len = 4, hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return ref_shown(s, len) ? len : 0;
}

static bool ref_valid(const uint8_t *s, size_t len, size_t max)
{
	if (len > max)
		return false;
	for (size_t i = 0; i < len;) {
		size_t n = ref_char(s + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static void check_hello(const uint8_t *data, size_t size)
{
	struct proto_hello msg;
	int rc = proto_hello_decode(data, size, &msg);
	FUZZ_CHECK(rc == PROTO_OK || rc == PROTO_ERR_MALFORMED);
	if (rc != PROTO_OK)
		return;
	size_t name_len = strlen(msg.name), zone_len = strlen(msg.zone);
	FUZZ_CHECK(name_len >= 1 && name_len <= NAME_MAX_BYTES && zone_len <= NAME_MAX_BYTES);
	FUZZ_CHECK(ref_valid((const uint8_t *)msg.name, name_len, NAME_MAX_BYTES));
	FUZZ_CHECK(ref_valid((const uint8_t *)msg.zone, zone_len, NAME_MAX_BYTES));
	uint8_t out[PROTO_HEADER_SIZE + PROTO_MAX_CONTROL_PAYLOAD];
	size_t n = proto_hello_encode(&msg, out, sizeof out);
	FUZZ_CHECK(n == PROTO_HEADER_SIZE + size);
	uint8_t header[PROTO_HEADER_SIZE];
	proto_header_encode(header, PROTO_HELLO, (uint32_t)size);
	FUZZ_CHECK(memcmp(out, header, sizeof header) == 0);
	FUZZ_CHECK(memcmp(out + PROTO_HEADER_SIZE, data, size) == 0);
}

static void check_text(const uint8_t *data, size_t size)
{
	/* Exactly size bytes on the heap, so a read past len is an ASan report. */
	char *text = malloc(size ? size : 1);
	FUZZ_CHECK(text != NULL);
	if (size)
		memcpy(text, data, size);
	bool valid = ref_valid(data, size, size);
	FUZZ_CHECK(proto_text_valid(text, size, size) == valid);
	FUZZ_CHECK(proto_text_valid(text, size, SIZE_MAX) == valid);
	if (size > 0)
		FUZZ_CHECK(!proto_text_valid(text, size, size - 1));
	/* Prefixes: a valid prefix may cut a character, so compare with the reference. */
	size_t cut = size ? data[0] % (size + 1) : 0;
	FUZZ_CHECK(proto_text_valid(text, cut, NAME_MAX_BYTES) == ref_valid(data, cut, NAME_MAX_BYTES));
	free(text);

	/* Sanitize works on C strings: the input up to its first NUL. */
	size_t len = strnlen((const char *)data, size);
	char *s = malloc(len + 1);
	FUZZ_CHECK(s != NULL);
	memcpy(s, data, len);
	s[len] = '\0';
	proto_text_sanitize(s);
	FUZZ_CHECK(strlen(s) == len);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(s[i] == (char)data[i] || s[i] == '?');
	FUZZ_CHECK(proto_text_valid(s, len, len));
	if (proto_text_valid((const char *)data, len, len) || ref_valid(data, len, len))
		FUZZ_CHECK(memcmp(s, data, len) == 0);
	char *again = malloc(len + 1);
	FUZZ_CHECK(again != NULL);
	memcpy(again, s, len + 1);
	proto_text_sanitize(again);
	FUZZ_CHECK(memcmp(again, s, len + 1) == 0);
	free(again);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_hello(data, size);
	check_text(data, size);
	return 0;
}

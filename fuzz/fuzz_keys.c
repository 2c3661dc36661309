/*
 * libFuzzer target: the terminal's key input (src/tui/keyproto.c) on
 * arbitrary bytes, as a terminal (or anything writing to it) may send them.
 *
 * Input: byte 0 is a stride: after every stride-th byte the parser is
 * flushed, as the screen does when nothing more comes for a while (0: only
 * at the end); the rest is the stream.
 *
 * Invariants checked (any failure aborts):
 *  - a byte completes at most KEYPROTO_EVENTS_MAX events, a flush at most
 *    one, and nothing is pending after a flush;
 *  - no byte is lost or made up: the events' bytes in order, with the bytes
 *    of sequences dropped as too long, are the stream (exactly the stream
 *    when nothing was dropped);
 *  - a key event has a press, repeat or release type, modifiers within 8
 *    bits, a key that is a code point or one of ours, and text of scalar
 *    values, at most KEYPROTO_TEXT_MAX;
 *  - a CSI u key event written again in the protocol's canonical form
 *    parses back to the same event;
 *  - keyproto_legacy gives at most KEYPROTO_LEGACY_MAX keys, each a byte or
 *    a KEYPROTO_KEY_*.
 */
#include "intercom/tui/keyproto.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The event written again as CSI key:shifted:base ; mods+1:type ; text u. */
static size_t encode_u(const struct keyproto_event *ev, char *out, size_t cap)
{
	int n = snprintf(out, cap, "\033[%u:%u:%u;%u:%u;", (unsigned)ev->key, (unsigned)ev->shifted,
	                 (unsigned)ev->base, ev->mods + 1, (unsigned)ev->type);
	for (size_t i = 0; i < ev->text_len; i++)
		n += snprintf(out + n, cap - (size_t)n, "%s%u", i ? ":" : "", (unsigned)ev->text[i]);
	n += snprintf(out + n, cap - (size_t)n, "u");
	return (size_t)n;
}

static void check_roundtrip(const struct keyproto_event *ev)
{
	char buf[512];
	size_t len = encode_u(ev, buf, sizeof buf);
	/* only what fits the parser's bound can come back: longer ones are dropped by design */
	if (len > KEYPROTO_SEQ_MAX - 1)
		return;
	struct keyproto kp;
	keyproto_init(&kp);
	struct keyproto_event got[KEYPROTO_EVENTS_MAX];
	int n = 0;
	for (size_t i = 0; i < len; i++) {
		n = keyproto_push(&kp, (uint8_t)buf[i], got);
		FUZZ_CHECK(i + 1 == len || n == 0);
	}
	FUZZ_CHECK(n == 1 && got[0].kind == KEYPROTO_KEY);
	FUZZ_CHECK(got[0].key == ev->key && got[0].shifted == ev->shifted && got[0].base == ev->base);
	FUZZ_CHECK(got[0].mods == ev->mods && got[0].type == ev->type);
	FUZZ_CHECK(got[0].text_len == ev->text_len);
	FUZZ_CHECK(memcmp(got[0].text, ev->text, ev->text_len * sizeof ev->text[0]) == 0);
}

static bool scalar(uint32_t cp)
{
	return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

/* Checks one event and appends its bytes to out. */
static void check_event(const struct keyproto_event *ev, uint8_t *out, size_t *out_len, size_t cap)
{
	FUZZ_CHECK(ev->kind >= KEYPROTO_BYTES && ev->kind <= KEYPROTO_OTHER);
	FUZZ_CHECK(ev->raw_len <= KEYPROTO_SEQ_MAX);
	FUZZ_CHECK(ev->raw_len == 0 || ev->raw != NULL);
	FUZZ_CHECK(ev->kind == KEYPROTO_OTHER || ev->raw_len > 0);
	FUZZ_CHECK(*out_len + ev->raw_len <= cap);
	if (ev->raw_len)
		memcpy(out + *out_len, ev->raw, ev->raw_len);
	*out_len += ev->raw_len;
	if (ev->kind != KEYPROTO_KEY)
		return;
	FUZZ_CHECK(ev->type >= KEYPROTO_PRESS && ev->type <= KEYPROTO_RELEASE);
	FUZZ_CHECK(ev->mods <= 0xff);
	FUZZ_CHECK(scalar(ev->key) || (ev->key >= KEYPROTO_KEY_INSERT && ev->key <= KEYPROTO_KEY_LAST));
	FUZZ_CHECK(ev->text_len <= KEYPROTO_TEXT_MAX);
	for (size_t i = 0; i < ev->text_len; i++)
		FUZZ_CHECK(scalar(ev->text[i]));
	uint32_t legacy[KEYPROTO_LEGACY_MAX];
	size_t n = keyproto_legacy(ev, legacy);
	FUZZ_CHECK(n <= KEYPROTO_LEGACY_MAX);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(legacy[i] <= 0xff || (legacy[i] >= KEYPROTO_KEY_INSERT && legacy[i] <= KEYPROTO_KEY_LAST));
	if (ev->raw[ev->raw_len - 1] == 'u' && ev->raw[1] == '[')
		check_roundtrip(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t stride = data[0];
	data++;
	size--;
	uint8_t *out = malloc(size + 1);
	FUZZ_CHECK(out != NULL);
	size_t out_len = 0;
	struct keyproto kp;
	keyproto_init(&kp);
	for (size_t i = 0; i < size; i++) {
		struct keyproto_event ev[KEYPROTO_EVENTS_MAX];
		int n = keyproto_push(&kp, data[i], ev);
		FUZZ_CHECK(n >= 0 && n <= KEYPROTO_EVENTS_MAX);
		for (int k = 0; k < n; k++)
			check_event(&ev[k], out, &out_len, size);
		if (stride && (i + 1) % stride == 0) {
			n = keyproto_flush(&kp, ev);
			FUZZ_CHECK(n == 0 || n == 1);
			if (n)
				check_event(&ev[0], out, &out_len, size);
			FUZZ_CHECK(!keyproto_pending(&kp));
		}
	}
	struct keyproto_event last;
	if (keyproto_flush(&kp, &last) == 1)
		check_event(&last, out, &out_len, size);
	FUZZ_CHECK(!keyproto_pending(&kp));
	FUZZ_CHECK(out_len + kp.dropped == size);
	if (kp.dropped == 0)
		FUZZ_CHECK(memcmp(out, data, size) == 0);
	free(out);
	return 0;
}

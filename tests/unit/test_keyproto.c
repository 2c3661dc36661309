/*
 * Unit tests of src/tui/keyproto.c: the probe's replies, key events with
 * their event types, text and alternates, the legacy forms a terminal still
 * sends with the protocol on, bytes passed through as they came, sequences
 * split across reads, broken off, invalid or too long, and what each key
 * becomes for a screen that knows only legacy keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "intercom/tui/keyproto.h"

/* Events of one feed, with their bytes copied (the parser's are valid until its next call). */
struct got {
	struct keyproto_event ev[64];
	uint8_t raw[64][KEYPROTO_SEQ_MAX];
	int n;
};

static void keep(struct got *g, const struct keyproto_event *ev)
{
	assert_true(g->n < 64);
	g->ev[g->n] = *ev;
	if (ev->raw_len)
		memcpy(g->raw[g->n], ev->raw, ev->raw_len);
	g->ev[g->n].raw = g->raw[g->n];
	g->n++;
}

/* Feeds len bytes of s to kp, adding what comes out to g. */
static void feed_n(struct keyproto *kp, struct got *g, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		struct keyproto_event ev[KEYPROTO_EVENTS_MAX];
		int n = keyproto_push(kp, (uint8_t)s[i], ev);
		assert_true(n >= 0 && n <= KEYPROTO_EVENTS_MAX);
		for (int k = 0; k < n; k++)
			keep(g, &ev[k]);
	}
}

#define FEED(kp, g, lit) feed_n(kp, g, lit, sizeof(lit) - 1)

/* One literal, from a fresh parser, then a flush: its events. */
static struct got parse(const char *s, size_t len)
{
	struct got g = { .n = 0 };
	struct keyproto kp;
	keyproto_init(&kp);
	feed_n(&kp, &g, s, len);
	struct keyproto_event ev;
	if (keyproto_flush(&kp, &ev) == 1)
		keep(&g, &ev);
	assert_false(keyproto_pending(&kp));
	return g;
}

#define PARSE(lit) parse(lit, sizeof(lit) - 1)

/* The single event lit makes must be a key: returns it. */
static struct keyproto_event one_key(const char *s, size_t len)
{
	struct got g = parse(s, len);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].kind, KEYPROTO_KEY);
	assert_int_equal(g.ev[0].raw_len, len);
	return g.ev[0];
}

#define KEY(lit) one_key(lit, sizeof(lit) - 1)

/* The legacy keys of the single event lit makes, compared with want[0..nwant). */
static void legacy_is(const char *s, size_t len, const uint32_t *want, size_t nwant)
{
	struct keyproto_event ev = one_key(s, len);
	uint32_t out[KEYPROTO_LEGACY_MAX];
	size_t n = keyproto_legacy(&ev, out);
	if (n != nwant)
		fail_msg("%zu legacy keys for ESC%s, want %zu", n, s + 1, nwant);
	for (size_t i = 0; i < n; i++)
		if (out[i] != want[i])
			fail_msg("ESC%s: legacy key %zu is %u, want %u", s + 1, i, (unsigned)out[i],
			         (unsigned)want[i]);
}

#define LEGACY(lit, ...) do { \
	const uint32_t want_[] = { __VA_ARGS__ }; \
	legacy_is(lit, sizeof(lit) - 1, want_, sizeof want_ / sizeof want_[0]); \
} while (0)
#define LEGACY_NONE(lit) legacy_is(lit, sizeof(lit) - 1, NULL, 0)

static void test_probe_replies(void **state)
{
	(void)state;
	struct got g = PARSE("\033[?0u\033[?62;22c");
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[0].kind, KEYPROTO_FLAGS);
	assert_int_equal(g.ev[0].flags, 0);
	assert_int_equal(g.ev[1].kind, KEYPROTO_DA1);
	g = PARSE("\033[?27u");
	assert_int_equal(g.ev[0].kind, KEYPROTO_FLAGS);
	assert_int_equal(g.ev[0].flags, 27);
	/* xterm's DA1 names many features: more fields than a key has, still DA1 */
	g = PARSE("\033[?64;1;2;6;9;15;16;17;18;21;22;28c");
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].kind, KEYPROTO_DA1);
	g = PARSE("\033[?1;2c");
	assert_int_equal(g.ev[0].kind, KEYPROTO_DA1);
	/* a flags reply of another shape is no flags reply */
	g = PARSE("\033[?1;2u");
	assert_int_equal(g.ev[0].kind, KEYPROTO_OTHER);
}

static void test_event_types(void **state)
{
	(void)state;
	struct keyproto_event ev = KEY("\033[32u");
	assert_int_equal(ev.key, ' ');
	assert_int_equal(ev.type, KEYPROTO_PRESS);
	assert_int_equal(ev.mods, 0);
	ev = KEY("\033[32;1:2u");
	assert_int_equal(ev.type, KEYPROTO_REPEAT);
	ev = KEY("\033[32;1:3u");
	assert_int_equal(ev.key, ' ');
	assert_int_equal(ev.type, KEYPROTO_RELEASE);
	ev = KEY("\033[32;1:1u");
	assert_int_equal(ev.type, KEYPROTO_PRESS);
	ev = KEY("\033[99;5u");
	assert_int_equal(ev.key, 'c');
	assert_int_equal(ev.mods, KEYPROTO_MOD_CTRL);
	/* locks are modifiers too: Caps Lock on, Ctrl held, released */
	ev = KEY("\033[108;69:3u");
	assert_int_equal(ev.mods, KEYPROTO_MOD_CTRL | KEYPROTO_MOD_CAPS_LOCK);
	assert_int_equal(ev.type, KEYPROTO_RELEASE);
	/* legacy forms carry event types too */
	ev = KEY("\033[1;1:3A");
	assert_int_equal(ev.key, KEYPROTO_KEY_UP);
	assert_int_equal(ev.type, KEYPROTO_RELEASE);
	ev = KEY("\033[5;1:2~");
	assert_int_equal(ev.key, KEYPROTO_KEY_PAGE_UP);
	assert_int_equal(ev.type, KEYPROTO_REPEAT);
}

static void test_text_and_alternates(void **state)
{
	(void)state;
	struct keyproto_event ev = KEY("\033[97;2;65u");
	assert_int_equal(ev.key, 'a');
	assert_int_equal(ev.mods, KEYPROTO_MOD_SHIFT);
	assert_int_equal(ev.text_len, 1);
	assert_int_equal(ev.text[0], 'A');
	ev = KEY("\033[97;;229u"); /* an empty modifiers field: none */
	assert_int_equal(ev.mods, 0);
	assert_int_equal(ev.text[0], 229);
	ev = KEY("\033[47:63:47;2u");
	assert_int_equal(ev.key, '/');
	assert_int_equal(ev.shifted, '?');
	assert_int_equal(ev.base, '/');
	ev = KEY("\033[97::113u"); /* a base layout key with no shifted one */
	assert_int_equal(ev.shifted, 0);
	assert_int_equal(ev.base, 'q');
	ev = KEY("\033[0;1;104:105u"); /* text with no known key */
	assert_int_equal(ev.key, 0);
	assert_int_equal(ev.text_len, 2);
}

static void test_legacy_forms(void **state)
{
	(void)state;
	static const struct { const char *seq; uint32_t key; } forms[] = {
		{ "\033[A", KEYPROTO_KEY_UP }, { "\033[B", KEYPROTO_KEY_DOWN },
		{ "\033[C", KEYPROTO_KEY_RIGHT }, { "\033[D", KEYPROTO_KEY_LEFT },
		{ "\033[H", KEYPROTO_KEY_HOME }, { "\033[F", KEYPROTO_KEY_END },
		{ "\033OA", KEYPROTO_KEY_UP }, { "\033OH", KEYPROTO_KEY_HOME },
		{ "\033OP", KEYPROTO_KEY_F1 }, { "\033[1;5P", KEYPROTO_KEY_F1 },
		{ "\033[11~", KEYPROTO_KEY_F1 }, { "\033[24~", KEYPROTO_KEY_F12 },
		{ "\033[2~", KEYPROTO_KEY_INSERT }, { "\033[3~", KEYPROTO_KEY_DELETE },
		{ "\033[5~", KEYPROTO_KEY_PAGE_UP }, { "\033[6~", KEYPROTO_KEY_PAGE_DOWN },
		{ "\033[7~", KEYPROTO_KEY_HOME }, { "\033[8~", KEYPROTO_KEY_END },
		{ "\033[E", KEYPROTO_KEY_BEGIN }, { "\033[57427~", KEYPROTO_KP_BEGIN },
		{ "\033Op", KEYPROTO_KP_0 }, { "\033OM", KEYPROTO_KP_ENTER },
		{ "\033[Z", KEYPROTO_KEY_TAB },
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		struct keyproto_event ev = one_key(forms[i].seq, strlen(forms[i].seq));
		if (ev.key != forms[i].key)
			fail_msg("ESC%s: key %u, want %u", forms[i].seq + 1, (unsigned)ev.key,
			         (unsigned)forms[i].key);
	}
	struct keyproto_event ev = KEY("\033[1;5B");
	assert_int_equal(ev.key, KEYPROTO_KEY_DOWN);
	assert_int_equal(ev.mods, KEYPROTO_MOD_CTRL);
	ev = KEY("\033[Z");
	assert_int_equal(ev.mods, KEYPROTO_MOD_SHIFT);
}

static void test_passed_through(void **state)
{
	(void)state;
	struct got g = PARSE("ab\r\x7f");
	assert_int_equal(g.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(g.ev[i].kind, KEYPROTO_BYTES);
		assert_int_equal(g.ev[i].raw_len, 1);
	}
	assert_int_equal(g.ev[2].raw[0], '\r');
	/* UTF-8 goes on byte by byte, untouched */
	g = PARSE("\xc3\xa9");
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[1].raw[0], 0xa9);
	/* Alt+x in legacy form: both bytes as they came */
	g = PARSE("\033x");
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].kind, KEYPROTO_BYTES);
	assert_memory_equal(g.ev[0].raw, "\033x", 2);
	/* a lone Esc, once nothing more came */
	g = PARSE("\033");
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].kind, KEYPROTO_BYTES);
	assert_int_equal(g.ev[0].raw_len, 1);
	/* Esc Esc: the first is a key of its own */
	g = PARSE("\033\033[A");
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[0].kind, KEYPROTO_BYTES);
	assert_int_equal(g.ev[0].raw_len, 1);
	assert_int_equal(g.ev[1].key, KEYPROTO_KEY_UP);
}

static void test_split_reads(void **state)
{
	(void)state;
	static const char stream[] = "\033[?0u\033[?62;c\033[32u\033[32;1:3ux\033[1;5A\033OB";
	struct got whole = PARSE(stream);
	/* every way of cutting it in two gives the same events */
	for (size_t cut = 0; cut <= sizeof stream - 1; cut++) {
		struct keyproto kp;
		keyproto_init(&kp);
		struct got g = { .n = 0 };
		feed_n(&kp, &g, stream, cut);
		feed_n(&kp, &g, stream + cut, sizeof stream - 1 - cut);
		assert_false(keyproto_pending(&kp));
		assert_int_equal(g.n, whole.n);
		for (int i = 0; i < g.n; i++) {
			assert_int_equal(g.ev[i].kind, whole.ev[i].kind);
			assert_int_equal(g.ev[i].key, whole.ev[i].key);
			assert_int_equal(g.ev[i].type, whole.ev[i].type);
		}
	}
	assert_int_equal(whole.n, 7);
	/* held while it is under way */
	struct keyproto kp;
	keyproto_init(&kp);
	struct got g = { .n = 0 };
	FEED(&kp, &g, "\033[32;1");
	assert_true(keyproto_pending(&kp));
	assert_int_equal(g.n, 0);
	FEED(&kp, &g, ":3u");
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].type, KEYPROTO_RELEASE);
}

static void test_broken_and_invalid(void **state)
{
	(void)state;
	/* a control byte breaks a sequence off: what was held goes on, then the byte */
	struct got g = PARSE("\033[12\001");
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[0].kind, KEYPROTO_BYTES);
	assert_memory_equal(g.ev[0].raw, "\033[12", 4);
	assert_int_equal(g.ev[1].raw[0], 1);
	/* a new Esc too, and it begins the next sequence */
	g = PARSE("\033[1\033[A");
	assert_int_equal(g.n, 2);
	assert_memory_equal(g.ev[0].raw, "\033[1", 3);
	assert_int_equal(g.ev[1].key, KEYPROTO_KEY_UP);
	/* held at the end, given up by the flush */
	g = PARSE("\033[");
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].kind, KEYPROTO_BYTES);
	assert_int_equal(g.ev[0].raw_len, 2);
	/* whole sequences that are no key */
	static const char *const others[] = {
		"\033[99999999999999u",  /* past every code point */
		"\033[55296u",           /* a surrogate */
		"\033[32;1:7u",          /* no such event type */
		"\033[32;999u",          /* no such modifiers */
		"\033[>1u",              /* a push, not a key */
		"\033[I",                /* focus in */
		"\033[200~",             /* paste start */
		"\033[1;2;3;4u",         /* a field too many */
		"\033[1:2:3:4u",         /* a sub-field too many */
		"\033[0u",               /* no key, no text */
		"\033[32 u",             /* an intermediate byte */
		"\033[1;5X",             /* a letter that is no key */
		"\033[[A",               /* the Linux console's F1: known, but no key here */
		"\033Oz",
	};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		g = parse(others[i], strlen(others[i]));
		if (g.n != 1 || g.ev[0].kind != KEYPROTO_OTHER)
			fail_msg("ESC%s: %d events, the first of kind %d", others[i] + 1, g.n, g.ev[0].kind);
		assert_int_equal(g.ev[0].raw_len, strlen(others[i]));
	}
}

static void test_overlong(void **state)
{
	(void)state;
	char s[400];
	size_t n = 0;
	s[n++] = '\033';
	s[n++] = '[';
	while (n < 300)
		s[n++] = '1';
	s[n++] = 'u';
	s[n++] = 'a';
	struct keyproto kp;
	keyproto_init(&kp);
	struct got g = { .n = 0 };
	feed_n(&kp, &g, s, n);
	/* dropped whole (counted), never handed on in pieces; what follows is read */
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[0].kind, KEYPROTO_OTHER);
	assert_int_equal(g.ev[0].raw_len, 0);
	assert_int_equal(g.ev[1].kind, KEYPROTO_BYTES);
	assert_int_equal(g.ev[1].raw[0], 'a');
	assert_int_equal(kp.dropped, 301);
	/* cut short by a flush: dropped too */
	keyproto_init(&kp);
	g.n = 0;
	feed_n(&kp, &g, s, 299);
	assert_true(keyproto_pending(&kp));
	struct keyproto_event ev;
	assert_int_equal(keyproto_flush(&kp, &ev), 0);
	assert_int_equal(kp.dropped, 299);
	assert_false(keyproto_pending(&kp));
	/* the longest kept is still a key */
	char t[KEYPROTO_SEQ_MAX];
	n = 0;
	t[n++] = '\033';
	t[n++] = '[';
	while (n < KEYPROTO_SEQ_MAX - 5)
		t[n++] = '0';
	memcpy(t + n, "32u", 3);
	n += 3;
	struct keyproto_event k = one_key(t, n);
	assert_int_equal(k.key, ' ');
}

static void test_legacy_keys(void **state)
{
	(void)state;
	LEGACY("\033[32u", ' ');
	LEGACY("\033[32;1:3u", ' ');                 /* a release names its key too */
	LEGACY("\033[113u", 'q');
	LEGACY("\033[97;2;65u", 'A');                /* the text wins */
	LEGACY("\033[97;2u", 'A');                   /* no text: Shift on a US keyboard */
	LEGACY("\033[47;2u", '?');
	LEGACY("\033[59;2u", ':');
	LEGACY("\033[61;2u", '+');
	LEGACY("\033[116;2u", 'T');
	LEGACY("\033[47:63;2u", '?');                /* the shifted key wins over the table */
	LEGACY("\033[97;65;65u", 'A');               /* Caps Lock: the text says it */
	LEGACY("\033[99;5u", 3);                     /* Ctrl-C */
	LEGACY("\033[108;5u", 12);                   /* Ctrl-L */
	LEGACY("\033[122;5u", 26);                   /* Ctrl-Z */
	LEGACY("\033[32;5u", 0);                     /* Ctrl-Space */
	LEGACY("\033[120;3u", 27, 'x');              /* Alt-x */
	LEGACY("\033[27u", 27);
	LEGACY("\033[13u", 13);
	LEGACY("\033[9u", 9);
	LEGACY("\033[9;2u", KEYPROTO_KEY_BACK_TAB);
	LEGACY("\033[Z", KEYPROTO_KEY_BACK_TAB);
	LEGACY("\033[127u", 127);
	LEGACY("\033[127;5u", 8);
	LEGACY("\033[A", KEYPROTO_KEY_UP);
	LEGACY("\033[1;5A", KEYPROTO_KEY_UP);
	LEGACY("\033[6~", KEYPROTO_KEY_PAGE_DOWN);
	LEGACY("\033OP", KEYPROTO_KEY_F1);
	LEGACY("\033[57399u", '0');                  /* the keypad */
	LEGACY("\033[57414u", 13);
	LEGACY("\033[57413u", '+');
	LEGACY("\033[57419u", KEYPROTO_KEY_UP);
	LEGACY("\033Ok", '+');
	LEGACY("\033[233u", 0xc3, 0xa9);             /* é as UTF-8 */
	LEGACY("\033[0;1;104:105u", 'h', 'i');
	LEGACY_NONE("\033[57441u");                  /* Shift alone */
	LEGACY_NONE("\033[57441;2:3u");
	LEGACY_NONE("\033[57358u");                  /* Caps Lock */
	LEGACY_NONE("\033[57376u");                  /* F13 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_replies),
		cmocka_unit_test(test_event_types),
		cmocka_unit_test(test_text_and_alternates),
		cmocka_unit_test(test_legacy_forms),
		cmocka_unit_test(test_passed_through),
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_broken_and_invalid),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_legacy_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The terminal's input stream as the kitty keyboard protocol writes it
 * (https://sw.kovidgoyal.net/kitty/keyboard-protocol/), one byte at a time:
 * the answer to the flags query (CSI ? flags u), the primary device
 * attributes reply (CSI ? ... c, DA1), key events (CSI key[:shifted[:base]]
 * ; mods[:type] ; text u, with press, repeat and release), the legacy forms
 * a terminal still sends with the protocol on (CSI 1;mods A..S, CSI n;mods ~,
 * SS3 A..S and the keypad's SS3 keys), and every other byte passed through
 * as it came. A sequence split over several reads is held until it ends; one
 * that breaks off is passed through; one longer than KEYPROTO_SEQ_MAX is
 * dropped whole. keyproto_legacy turns a key event back into what a legacy
 * terminal would have sent (bytes, or a KEYPROTO_* key), so a screen's key
 * handling needs no change when the protocol is on.
 *
 * Pure: no I/O, no clocks, no globals. The caller reads the terminal and
 * decides when a held sequence has waited long enough (keyproto_flush).
 */
#ifndef INTERCOM_KEYPROTO_H
#define INTERCOM_KEYPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest sequence kept (ESC [ ... final): a key with a few code points of text fits many times. */
#define KEYPROTO_SEQ_MAX 128
/* Code points of text (and sub-fields of any field) taken from one key event. */
#define KEYPROTO_TEXT_MAX 8
/* Events one byte can complete: a sequence it broke off, and the byte itself. */
#define KEYPROTO_EVENTS_MAX 2
/* What keyproto_legacy can make of one event: Esc, then the text's UTF-8 bytes. */
#define KEYPROTO_LEGACY_MAX (1 + 4 * KEYPROTO_TEXT_MAX)

/* The flags asked for (CSI > flags u) and reported (CSI ? flags u). */
enum keyproto_flag {
	KEYPROTO_DISAMBIGUATE = 1,    /* Esc, Ctrl-, Alt- keys as CSI u: no timing guess for Esc */
	KEYPROTO_EVENT_TYPES = 2,     /* repeat and release reported */
	KEYPROTO_ALTERNATES = 4,      /* the shifted and base-layout keys */
	KEYPROTO_ALL_KEYS = 8,        /* text keys as CSI u too: Space has a release */
	KEYPROTO_TEXT = 16,           /* the text a key makes, as code points (with ALL_KEYS) */
};

/* Modifier bits, as the protocol encodes them (the field is 1 + these). */
enum keyproto_mod {
	KEYPROTO_MOD_SHIFT = 1,
	KEYPROTO_MOD_ALT = 2,
	KEYPROTO_MOD_CTRL = 4,
	KEYPROTO_MOD_SUPER = 8,
	KEYPROTO_MOD_HYPER = 16,
	KEYPROTO_MOD_META = 32,
	KEYPROTO_MOD_CAPS_LOCK = 64,
	KEYPROTO_MOD_NUM_LOCK = 128,
};

enum keyproto_type { KEYPROTO_PRESS = 1, KEYPROTO_REPEAT = 2, KEYPROTO_RELEASE = 3 };

/*
 * Keys. A key event's key is a Unicode code point (27 Esc, 13 Enter, 9 Tab,
 * 127 Backspace, 32 Space, the unshifted character otherwise), one of
 * kitty's Private Use Area numbers (57344..63743: keypad, modifiers, F13..),
 * or, for the keys the protocol sends only in legacy forms, one of these,
 * past the last code point so they never collide.
 */
enum keyproto_key {
	KEYPROTO_KEY_ESC = 27,
	KEYPROTO_KEY_ENTER = 13,
	KEYPROTO_KEY_TAB = 9,
	KEYPROTO_KEY_BACKSPACE = 127,
	KEYPROTO_KEY_INSERT = 0x110000,
	KEYPROTO_KEY_DELETE,
	KEYPROTO_KEY_LEFT,
	KEYPROTO_KEY_RIGHT,
	KEYPROTO_KEY_UP,
	KEYPROTO_KEY_DOWN,
	KEYPROTO_KEY_PAGE_UP,
	KEYPROTO_KEY_PAGE_DOWN,
	KEYPROTO_KEY_HOME,
	KEYPROTO_KEY_END,
	KEYPROTO_KEY_BEGIN,           /* the keypad's 5 without Num Lock */
	KEYPROTO_KEY_BACK_TAB,        /* Shift-Tab, as keyproto_legacy gives it (legacy: CSI Z) */
	KEYPROTO_KEY_F1,              /* F1..F12: KEYPROTO_KEY_F1 + n - 1 */
	KEYPROTO_KEY_F12 = KEYPROTO_KEY_F1 + 11,
	KEYPROTO_KEY_LAST = KEYPROTO_KEY_F12,
};

/* kitty's numbers for the keypad (CSI u, and what the keypad's SS3 keys are decoded as). */
enum keyproto_kp {
	KEYPROTO_KP_0 = 57399,        /* .. KP_9 = 57408 */
	KEYPROTO_KP_DECIMAL = 57409,
	KEYPROTO_KP_DIVIDE,
	KEYPROTO_KP_MULTIPLY,
	KEYPROTO_KP_SUBTRACT,
	KEYPROTO_KP_ADD,
	KEYPROTO_KP_ENTER,
	KEYPROTO_KP_EQUAL,
	KEYPROTO_KP_SEPARATOR,
	KEYPROTO_KP_LEFT,
	KEYPROTO_KP_RIGHT,
	KEYPROTO_KP_UP,
	KEYPROTO_KP_DOWN,
	KEYPROTO_KP_PAGE_UP,
	KEYPROTO_KP_PAGE_DOWN,
	KEYPROTO_KP_HOME,
	KEYPROTO_KP_END,
	KEYPROTO_KP_INSERT,
	KEYPROTO_KP_DELETE,
	KEYPROTO_KP_BEGIN,            /* 57427 */
};

enum keyproto_kind {
	KEYPROTO_BYTES,               /* bytes that are no sequence we know: pass them on as they came */
	KEYPROTO_KEY,                 /* a key event */
	KEYPROTO_FLAGS,               /* CSI ? flags u: the terminal speaks the protocol */
	KEYPROTO_DA1,                 /* CSI ? ... c: the reply that comes after every other */
	KEYPROTO_OTHER,               /* a whole sequence that is no key (a report nobody asked for,
	                                 paste marks, focus, one too long: then no bytes) */
};

struct keyproto_event {
	enum keyproto_kind kind;
	/* The bytes of the event as they came; valid until the next call on the parser. */
	const uint8_t *raw;
	size_t raw_len;
	/* KEYPROTO_KEY */
	uint32_t key;                 /* enum keyproto_key, a code point or a kitty number */
	uint32_t shifted, base;       /* alternate keys, 0 if not sent */
	unsigned mods;                /* enum keyproto_mod bits */
	enum keyproto_type type;
	uint32_t text[KEYPROTO_TEXT_MAX];
	size_t text_len;
	/* KEYPROTO_FLAGS */
	unsigned flags;
};

/* The parser's state; all of it is here, so a copy is a snapshot. */
struct keyproto {
	int state;
	uint8_t seq[KEYPROTO_SEQ_MAX];
	size_t len;
	uint8_t one;                  /* a single byte handed on, beside seq */
	uint64_t dropped;             /* bytes of sequences too long to keep, dropped */
};

void keyproto_init(struct keyproto *kp);

/*
 * One byte from the terminal: fills ev with the events it completes (at
 * most KEYPROTO_EVENTS_MAX) and returns how many. Never blocks, never fails.
 */
int keyproto_push(struct keyproto *kp, uint8_t byte, struct keyproto_event ev[KEYPROTO_EVENTS_MAX]);

/* True while a sequence has begun and not ended: the caller waits a little for the rest. */
bool keyproto_pending(const struct keyproto *kp);

/*
 * Nothing more came: what was held is given up, passed on as bytes (a lone
 * Esc is the Esc key), or dropped if it was too long to keep. Returns 0 or 1 event.
 */
int keyproto_flush(struct keyproto *kp, struct keyproto_event *ev);

/*
 * What a legacy terminal would have sent for a key event, in out (at most
 * KEYPROTO_LEGACY_MAX): bytes 0..255 (text as UTF-8, Ctrl+key as its C0
 * byte, Alt+key as Esc then the key) or a KEYPROTO_KEY_* above 255 for
 * keys that are no bytes (arrows, F-keys, Shift-Tab...). Modifier keys
 * alone, lock keys and keys with no legacy form give none. Returns the count.
 */
size_t keyproto_legacy(const struct keyproto_event *ev, uint32_t out[KEYPROTO_LEGACY_MAX]);

/* The query sent to find the protocol: the flags, then DA1, whose reply always comes. */
#define KEYPROTO_PROBE "\033[?u\033[c"

#endif

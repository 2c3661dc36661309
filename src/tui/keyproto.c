/* The kitty keyboard protocol's input stream, parsed byte by byte (see keyproto.h). */
#include "intercom/tui/keyproto.h"

#include <string.h>

#define ESC 0x1b

/* Where the parser is in a sequence. */
enum {
	ST_GROUND,                    /* between sequences */
	ST_ESC,                       /* ESC seen */
	ST_CSI,                       /* ESC [ and parameters */
	ST_CSI_LINUX,                 /* ESC [ [: the Linux console's F1..F5, one more byte */
	ST_SS3,                       /* ESC O */
	ST_SKIP,                      /* a CSI too long to keep: dropped up to its final byte */
};

/* The largest number a field keeps; more digits saturate here (and the sequence is no key). */
#define NUM_CAP 0x7fffffffu
/* Fields of a CSI sequence the protocol uses: key, modifiers, text. */
#define FIELDS_MAX 3

/* One CSI sequence's numbers: fields split by ';', sub-fields by ':'; absent ones are 0 and unset. */
struct csi_params {
	char marker;                  /* '?', '>', '<', '=' before the numbers, or 0 */
	int nfields;
	int nsub[FIELDS_MAX];
	uint32_t v[FIELDS_MAX][KEYPROTO_TEXT_MAX];
	bool set[FIELDS_MAX][KEYPROTO_TEXT_MAX];
	bool overflow;                /* more fields or sub-fields than these: no key (DA1 has many) */
};

void keyproto_init(struct keyproto *kp)
{
	memset(kp, 0, sizeof *kp);
	kp->state = ST_GROUND;
}

bool keyproto_pending(const struct keyproto *kp)
{
	return kp->state != ST_GROUND;
}

/* An event of kind over raw bytes, the rest zero. */
static struct keyproto_event event(enum keyproto_kind kind, const uint8_t *raw, size_t len)
{
	return (struct keyproto_event){ .kind = kind, .raw = raw, .raw_len = len };
}

/*
 * Splits the bytes between "ESC [" and the final byte into fields, noting
 * more than it keeps in overflow. False if they are not the protocol's shape
 * (intermediates, a marker anywhere but first): such a sequence is no key.
 */
static bool csi_split(const uint8_t *p, size_t len, struct csi_params *cp)
{
	memset(cp, 0, sizeof *cp);
	size_t i = 0;
	if (len > 0 && p[0] >= '<' && p[0] <= '?')
		cp->marker = (char)p[i++];
	int f = 0, s = 0;
	cp->nfields = 1;
	cp->nsub[0] = 1;
	for (; i < len; i++) {
		uint8_t c = p[i];
		if (cp->overflow && (c == ';' || c == ':' || (c >= '0' && c <= '9')))
			continue;
		if (c >= '0' && c <= '9') {
			uint32_t v = cp->v[f][s];
			v = v > (NUM_CAP - 9) / 10 ? NUM_CAP : v * 10 + (uint32_t)(c - '0');
			cp->v[f][s] = v;
			cp->set[f][s] = true;
		} else if (c == ';') {
			if (f + 1 >= FIELDS_MAX) {
				cp->overflow = true;
				continue;
			}
			f++;
			s = 0;
			cp->nfields = f + 1;
			cp->nsub[f] = 1;
		} else if (c == ':') {
			if (s + 1 >= KEYPROTO_TEXT_MAX) {
				cp->overflow = true;
				continue;
			}
			s++;
			cp->nsub[f] = s + 1;
		} else {
			return false;
		}
	}
	return true;
}

/* Modifiers and event type from the second field (1 and press when absent); false if out of range. */
static bool csi_mods(const struct csi_params *cp, struct keyproto_event *ev)
{
	uint32_t mods = cp->nfields > 1 && cp->set[1][0] ? cp->v[1][0] : 1;
	uint32_t type = cp->nfields > 1 && cp->set[1][1] ? cp->v[1][1] : KEYPROTO_PRESS;
	if (mods > 256 || type < KEYPROTO_PRESS || type > KEYPROTO_RELEASE)
		return false;
	ev->mods = mods > 0 ? mods - 1 : 0;
	ev->type = (enum keyproto_type)type;
	return true;
}

/* A code point a key or its text may be: Unicode scalar values only. */
static bool scalar(uint32_t cp)
{
	return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

/* CSI key ; mods ; text u */
static bool csi_key_u(const struct csi_params *cp, struct keyproto_event *ev)
{
	if (!scalar(cp->v[0][0]) || !scalar(cp->v[0][1]) || !scalar(cp->v[0][2]) || cp->nsub[0] > 3)
		return false;
	ev->key = cp->v[0][0];
	ev->shifted = cp->v[0][1];
	ev->base = cp->v[0][2];
	if (!csi_mods(cp, ev) || cp->nsub[1] > 2)
		return false;
	if (cp->nfields > 2) {
		for (int s = 0; s < cp->nsub[2]; s++) {
			if (!cp->set[2][s])
				continue;
			if (!scalar(cp->v[2][s]) || cp->v[2][s] < 0x20)
				return false;
			ev->text[ev->text_len++] = cp->v[2][s];
		}
	}
	/* A key event names a key or brings text (key 0: "no known key"). */
	return ev->key != 0 || ev->text_len > 0;
}

/* CSI number ; mods ~ */
static bool csi_key_tilde(const struct csi_params *cp, struct keyproto_event *ev)
{
	static const struct { uint32_t n, key; } tilde[] = {
		{ 2, KEYPROTO_KEY_INSERT }, { 3, KEYPROTO_KEY_DELETE }, { 5, KEYPROTO_KEY_PAGE_UP },
		{ 6, KEYPROTO_KEY_PAGE_DOWN }, { 7, KEYPROTO_KEY_HOME }, { 8, KEYPROTO_KEY_END },
		{ 11, KEYPROTO_KEY_F1 }, { 12, KEYPROTO_KEY_F1 + 1 }, { 13, KEYPROTO_KEY_F1 + 2 },
		{ 14, KEYPROTO_KEY_F1 + 3 }, { 15, KEYPROTO_KEY_F1 + 4 }, { 17, KEYPROTO_KEY_F1 + 5 },
		{ 18, KEYPROTO_KEY_F1 + 6 }, { 19, KEYPROTO_KEY_F1 + 7 }, { 20, KEYPROTO_KEY_F1 + 8 },
		{ 21, KEYPROTO_KEY_F1 + 9 }, { 23, KEYPROTO_KEY_F1 + 10 }, { 24, KEYPROTO_KEY_F1 + 11 },
		{ 57427, KEYPROTO_KP_BEGIN },
	};
	if (cp->nfields > 2 || cp->nsub[0] > 1 || cp->nsub[1] > 2)
		return false;
	for (size_t i = 0; i < sizeof tilde / sizeof tilde[0]; i++) {
		if (tilde[i].n == cp->v[0][0]) {
			ev->key = tilde[i].key;
			return csi_mods(cp, ev);
		}
	}
	return false;
}

/* The key of a legacy final letter (CSI 1;mods X or SS3 X), or 0. */
static uint32_t letter_key(uint8_t final)
{
	switch (final) {
	case 'A': return KEYPROTO_KEY_UP;
	case 'B': return KEYPROTO_KEY_DOWN;
	case 'C': return KEYPROTO_KEY_RIGHT;
	case 'D': return KEYPROTO_KEY_LEFT;
	case 'E': return KEYPROTO_KEY_BEGIN;
	case 'F': return KEYPROTO_KEY_END;
	case 'H': return KEYPROTO_KEY_HOME;
	case 'P': return KEYPROTO_KEY_F1;
	case 'Q': return KEYPROTO_KEY_F1 + 1;
	case 'R': return KEYPROTO_KEY_F1 + 2;
	case 'S': return KEYPROTO_KEY_F1 + 3;
	default: return 0;
	}
}

/* A whole CSI sequence (seq[0..len), final byte last) as an event. */
static struct keyproto_event csi_decode(const uint8_t *seq, size_t len)
{
	struct keyproto_event ev = event(KEYPROTO_KEY, seq, len);
	struct keyproto_event other = event(KEYPROTO_OTHER, seq, len);
	uint8_t final = seq[len - 1];
	struct csi_params cp;
	if (!csi_split(seq + 2, len - 3, &cp))
		return other;
	if (cp.marker == '?') {
		if (final == 'u' && cp.nfields == 1 && cp.nsub[0] == 1 && !cp.overflow) {
			ev.kind = KEYPROTO_FLAGS;
			ev.flags = cp.v[0][0] > 0xff ? 0xff : cp.v[0][0];
			return ev;
		}
		if (final == 'c') {
			ev.kind = KEYPROTO_DA1;
			return ev;
		}
		return other;
	}
	if (cp.marker || cp.overflow)
		return other;
	if (final == 'u')
		return csi_key_u(&cp, &ev) ? ev : other;
	if (final == '~')
		return csi_key_tilde(&cp, &ev) ? ev : other;
	if (final == 'Z' && cp.nfields <= 2 && cp.nsub[0] == 1 && cp.v[0][0] <= 1) {
		/* Shift-Tab's legacy form: Tab with Shift (and whatever else is said). */
		ev.key = KEYPROTO_KEY_TAB;
		if (!csi_mods(&cp, &ev))
			return other;
		ev.mods |= KEYPROTO_MOD_SHIFT;
		return ev;
	}
	uint32_t key = letter_key(final);
	/* CSI 1 ; mods X, or CSI X without modifiers. */
	if (key && cp.nfields <= 2 && cp.nsub[0] == 1 && cp.v[0][0] <= 1 && cp.nsub[1] <= 2) {
		ev.key = key;
		return csi_mods(&cp, &ev) ? ev : other;
	}
	return other;
}

/* SS3 X: the cursor keys and F1..F4 in cursor key mode, the keypad in application mode. */
static struct keyproto_event ss3_decode(const uint8_t *seq, size_t len)
{
	struct keyproto_event ev = event(KEYPROTO_KEY, seq, len);
	ev.type = KEYPROTO_PRESS;
	uint8_t final = seq[len - 1];
	static const char keypad[] = "pqrstuvwxy"; /* KP_0..KP_9 */
	const char *digit = final ? strchr(keypad, final) : NULL;
	if ((ev.key = letter_key(final)) != 0)
		return ev;
	if (digit) {
		ev.key = KEYPROTO_KP_0 + (uint32_t)(digit - keypad);
		return ev;
	}
	switch (final) {
	case 'n': ev.key = KEYPROTO_KP_DECIMAL; break;
	case 'o': ev.key = KEYPROTO_KP_DIVIDE; break;
	case 'j': ev.key = KEYPROTO_KP_MULTIPLY; break;
	case 'm': ev.key = KEYPROTO_KP_SUBTRACT; break;
	case 'k': ev.key = KEYPROTO_KP_ADD; break;
	case 'M': ev.key = KEYPROTO_KP_ENTER; break;
	case 'X': ev.key = KEYPROTO_KP_EQUAL; break;
	case 'l': ev.key = KEYPROTO_KP_SEPARATOR; break;
	default: return event(KEYPROTO_OTHER, seq, len);
	}
	return ev;
}

/* The byte in GROUND: ESC begins a sequence, anything else goes on as it is. */
static int ground(struct keyproto *kp, uint8_t byte, struct keyproto_event *ev)
{
	if (byte == ESC) {
		kp->state = ST_ESC;
		kp->seq[0] = ESC;
		kp->len = 1;
		return 0;
	}
	kp->one = byte;
	*ev = event(KEYPROTO_BYTES, &kp->one, 1);
	return 1;
}

/*
 * A sequence broke off at byte (a control inside it): what was held goes on
 * as bytes (a dropped one stays dropped), then the byte starts afresh.
 */
static int broken(struct keyproto *kp, uint8_t byte, struct keyproto_event ev[KEYPROTO_EVENTS_MAX])
{
	int n = 0;
	if (kp->state == ST_SKIP)
		kp->dropped += kp->len;
	else
		ev[n++] = event(KEYPROTO_BYTES, kp->seq, kp->len);
	/* ground() may reuse seq for a new ESC: keep the old bytes readable in one (ESC alone). */
	if (byte == ESC && n == 1) {
		kp->state = ST_ESC;
		kp->len = 1; /* seq[0] is ESC already: the held bytes began with it */
		/* The event above still reads seq[0..old len): seq[0] is unchanged, the rest untouched. */
		return n;
	}
	kp->state = ST_GROUND;
	kp->len = 0;
	return n + ground(kp, byte, ev + n);
}

int keyproto_push(struct keyproto *kp, uint8_t byte, struct keyproto_event ev[KEYPROTO_EVENTS_MAX])
{
	switch (kp->state) {
	case ST_GROUND:
		return ground(kp, byte, ev);
	case ST_ESC:
		if (byte == '[' || byte == 'O') {
			kp->seq[kp->len++] = byte;
			kp->state = byte == '[' ? ST_CSI : ST_SS3;
			return 0;
		}
		if (byte == ESC)
			return broken(kp, byte, ev);
		/* Alt+key in legacy form (ESC x): on as it came, both bytes. */
		kp->seq[kp->len++] = byte;
		ev[0] = event(KEYPROTO_BYTES, kp->seq, kp->len);
		kp->state = ST_GROUND;
		return 1;
	case ST_CSI:
	case ST_SKIP:
		if (byte >= 0x20 && byte <= 0x3f) {
			if (kp->state == ST_SKIP) {
				kp->len++;
			} else if (kp->len + 1 >= KEYPROTO_SEQ_MAX) {
				/* Too long for any key: dropped whole, counted, never handed on in pieces. */
				kp->state = ST_SKIP;
				kp->len++;
			} else {
				kp->seq[kp->len++] = byte;
			}
			return 0;
		}
		if (byte >= 0x40 && byte <= 0x7e) {
			if (kp->state == ST_SKIP) {
				kp->dropped += kp->len + 1;
				kp->state = ST_GROUND;
				kp->len = 0;
				ev[0] = event(KEYPROTO_OTHER, NULL, 0);
				return 1;
			}
			kp->seq[kp->len++] = byte;
			if (byte == '[' && kp->len == 3) {
				kp->state = ST_CSI_LINUX;
				return 0;
			}
			kp->state = ST_GROUND;
			ev[0] = csi_decode(kp->seq, kp->len);
			return 1;
		}
		return broken(kp, byte, ev);
	case ST_CSI_LINUX:
	case ST_SS3:
		if (byte >= 0x40 && byte <= 0x7e) {
			bool ss3 = kp->state == ST_SS3;
			kp->seq[kp->len++] = byte;
			kp->state = ST_GROUND;
			ev[0] = ss3 ? ss3_decode(kp->seq, kp->len) : event(KEYPROTO_OTHER, kp->seq, kp->len);
			return 1;
		}
		return broken(kp, byte, ev);
	default:
		keyproto_init(kp);
		return ground(kp, byte, ev);
	}
}

int keyproto_flush(struct keyproto *kp, struct keyproto_event *ev)
{
	int n = 0;
	if (kp->state == ST_SKIP)
		kp->dropped += kp->len;
	else if (kp->state != ST_GROUND)
		ev[n++] = event(KEYPROTO_BYTES, kp->seq, kp->len);
	kp->state = ST_GROUND;
	kp->len = 0;
	return n;
}

/* ---- back to legacy keys ---- */

/* Appends cp as UTF-8 (a scalar value) to out. */
static size_t put_utf8(uint32_t *out, size_t n, uint32_t cp)
{
	if (cp < 0x80) {
		out[n++] = cp;
	} else if (cp < 0x800) {
		out[n++] = 0xc0 | cp >> 6;
		out[n++] = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		out[n++] = 0xe0 | cp >> 12;
		out[n++] = 0x80 | (cp >> 6 & 0x3f);
		out[n++] = 0x80 | (cp & 0x3f);
	} else {
		out[n++] = 0xf0 | cp >> 18;
		out[n++] = 0x80 | (cp >> 12 & 0x3f);
		out[n++] = 0x80 | (cp >> 6 & 0x3f);
		out[n++] = 0x80 | (cp & 0x3f);
	}
	return n;
}

/* What Ctrl makes of an ASCII key (the protocol's legacy table); the key itself if nothing. */
static uint32_t ctrl_byte(uint32_t key)
{
	if (key >= 'a' && key <= 'z')
		return key - 'a' + 1;
	switch (key) {
	case ' ': case '2': case '@': return 0;
	case '3': case '[': return 27;
	case '4': case '\\': return 28;
	case '5': case ']': return 29;
	case '6': case '^': case '~': return 30;
	case '7': case '/': case '_': return 31;
	case '8': case '?': return 127;
	default: return key;
	}
}

/*
 * Shift on a US keyboard, for a terminal that sends neither text nor the
 * shifted key: what the console's keys (? + : T Q) need at the least.
 */
static uint32_t us_shift(uint32_t key)
{
	static const char plain[] = "`1234567890-=[]\\;',./";
	static const char shifted[] = "~!@#$%^&*()_+{}|:\"<>?";
	if (key >= 'a' && key <= 'z')
		return key - 'a' + 'A';
	const char *p = key > 0 && key < 0x80 ? strchr(plain, (int)key) : NULL;
	return p ? (uint32_t)(unsigned char)shifted[p - plain] : key;
}

/* The keypad's keys as the keys they stand for; anything else unchanged. */
static uint32_t keypad_key(uint32_t key)
{
	static const uint32_t kp[] = {
		[KEYPROTO_KP_DECIMAL - KEYPROTO_KP_DECIMAL] = '.',
		[KEYPROTO_KP_DIVIDE - KEYPROTO_KP_DECIMAL] = '/',
		[KEYPROTO_KP_MULTIPLY - KEYPROTO_KP_DECIMAL] = '*',
		[KEYPROTO_KP_SUBTRACT - KEYPROTO_KP_DECIMAL] = '-',
		[KEYPROTO_KP_ADD - KEYPROTO_KP_DECIMAL] = '+',
		[KEYPROTO_KP_ENTER - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_ENTER,
		[KEYPROTO_KP_EQUAL - KEYPROTO_KP_DECIMAL] = '=',
		[KEYPROTO_KP_SEPARATOR - KEYPROTO_KP_DECIMAL] = ',',
		[KEYPROTO_KP_LEFT - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_LEFT,
		[KEYPROTO_KP_RIGHT - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_RIGHT,
		[KEYPROTO_KP_UP - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_UP,
		[KEYPROTO_KP_DOWN - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_DOWN,
		[KEYPROTO_KP_PAGE_UP - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_PAGE_UP,
		[KEYPROTO_KP_PAGE_DOWN - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_PAGE_DOWN,
		[KEYPROTO_KP_HOME - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_HOME,
		[KEYPROTO_KP_END - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_END,
		[KEYPROTO_KP_INSERT - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_INSERT,
		[KEYPROTO_KP_DELETE - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_DELETE,
		[KEYPROTO_KP_BEGIN - KEYPROTO_KP_DECIMAL] = KEYPROTO_KEY_BEGIN,
	};
	if (key >= KEYPROTO_KP_0 && key < KEYPROTO_KP_0 + 10)
		return '0' + (key - KEYPROTO_KP_0);
	if (key >= KEYPROTO_KP_DECIMAL && key <= KEYPROTO_KP_BEGIN)
		return kp[key - KEYPROTO_KP_DECIMAL];
	return key;
}

size_t keyproto_legacy(const struct keyproto_event *ev, uint32_t out[KEYPROTO_LEGACY_MAX])
{
	if (ev->kind != KEYPROTO_KEY)
		return 0;
	unsigned mods = ev->mods & (KEYPROTO_MOD_SHIFT | KEYPROTO_MOD_ALT | KEYPROTO_MOD_CTRL);
	uint32_t key = keypad_key(ev->key);
	size_t n = 0;
	/* kitty's other numbers (locks, media, modifier keys alone, F13..) have no legacy form. */
	if (key >= 57344 && key <= 63743)
		return 0;
	if (mods & KEYPROTO_MOD_ALT)
		out[n++] = ESC;
	if (key > 0x10ffff) {
		out[n++] = key;
		return n;
	}
	switch (key) {
	case KEYPROTO_KEY_ESC:
	case KEYPROTO_KEY_ENTER:
		out[n++] = key;
		return n;
	case KEYPROTO_KEY_TAB:
		out[n++] = mods & KEYPROTO_MOD_SHIFT ? KEYPROTO_KEY_BACK_TAB : KEYPROTO_KEY_TAB;
		return n;
	case KEYPROTO_KEY_BACKSPACE:
		out[n++] = mods & KEYPROTO_MOD_CTRL ? 8 : 127;
		return n;
	default:
		break;
	}
	uint32_t cp = key;
	if (mods & KEYPROTO_MOD_CTRL) {
		cp = ctrl_byte(key);
	} else if (ev->text_len > 0 && ev->type != KEYPROTO_RELEASE) {
		for (size_t i = 0; i < ev->text_len; i++)
			n = put_utf8(out, n, ev->text[i]);
		return n;
	} else if (mods & KEYPROTO_MOD_SHIFT) {
		cp = ev->shifted ? ev->shifted : us_shift(key);
	}
	if (cp == 0 && key == 0)
		return 0; /* text-only event on release: nothing to say */
	return put_utf8(out, n, cp);
}

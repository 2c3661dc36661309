/*
 * DNS-SD without I/O: the console's TXT record both ways, and the speaker's
 * finder (which console among those announced, followed by name).
 */
#include "intercom/net/dnssd.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "intercom/common/utf8.h"
#include "intercom/net/proto.h"

size_t dnssd_txt_build(const struct dnssd_txt *txt, char items[DNSSD_TXT_ITEMS][DNSSD_TXT_ITEM_MAX])
{
	size_t n = 0;
	snprintf(items[n++], DNSSD_TXT_ITEM_MAX, "txtvers=%d", txt->txtvers);
	snprintf(items[n++], DNSSD_TXT_ITEM_MAX, "proto=%d", txt->proto);
	snprintf(items[n++], DNSSD_TXT_ITEM_MAX, "psk=%s", txt->psk ? "yes" : "no");
	if (txt->fp[0])
		snprintf(items[n++], DNSSD_TXT_ITEM_MAX, "fp=%s", txt->fp);
	if (txt->version[0])
		snprintf(items[n++], DNSSD_TXT_ITEM_MAX, "vers=%s", txt->version);
	return n;
}

/* A decimal 1..max in value[0..len), no sign, no leading zero: -1 if not. */
static int txt_number(const uint8_t *value, size_t len, int max)
{
	if (len == 0 || len > 6 || (value[0] == '0' && len > 1))
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (value[i] < '0' || value[i] > '9')
			return -1;
		v = v * 10 + (value[i] - '0');
	}
	return v >= 1 && v <= max ? v : -1;
}

/* Whether value[0..len) is made of these characters only. */
static bool txt_chars(const uint8_t *value, size_t len, const char *allowed)
{
	for (size_t i = 0; i < len; i++)
		if (value[i] == '\0' || !strchr(allowed, value[i]))
			return false;
	return true;
}

enum txt_key { KEY_TXTVERS, KEY_PROTO, KEY_PSK, KEY_FP, KEY_VERS, KEY_COUNT };
static const char *const txt_keys[KEY_COUNT] = { "txtvers", "proto", "psk", "fp", "vers" };

int dnssd_txt_parse(const struct dnssd_txt_item *items, size_t n, struct dnssd_txt *out, char *why,
                    size_t whylen)
{
	memset(out, 0, sizeof *out);
	bool seen[KEY_COUNT] = { false };
	for (size_t i = 0; i < n; i++) {
		const uint8_t *s = items[i].data;
		size_t len = items[i].len;
		const uint8_t *eq = s ? memchr(s, '=', len) : NULL;
		if (!eq)
			continue; /* a boolean attribute or an empty string: none of ours */
		size_t klen = (size_t)(eq - s);
		const uint8_t *value = eq + 1;
		size_t vlen = len - klen - 1;
		for (int k = 0; k < KEY_COUNT; k++) {
			if (seen[k] || strlen(txt_keys[k]) != klen ||
			    strncasecmp((const char *)s, txt_keys[k], klen) != 0)
				continue;
			seen[k] = true; /* RFC 6763 6.4: only the first of a key counts */
			switch ((enum txt_key)k) {
			case KEY_TXTVERS:
				out->txtvers = txt_number(value, vlen, 255);
				break;
			case KEY_PROTO:
				out->proto = txt_number(value, vlen, 255);
				if (out->proto < 0) {
					snprintf(why, whylen, "its TXT record has a bad proto");
					return -1;
				}
				break;
			case KEY_PSK:
				if (vlen == 3 && memcmp(value, "yes", 3) == 0)
					out->psk = true;
				else if (!(vlen == 2 && memcmp(value, "no", 2) == 0)) {
					snprintf(why, whylen, "its TXT record has a bad psk (not yes or no)");
					return -1;
				}
				break;
			case KEY_FP:
				if (vlen != IDENTITY_FP_BYTES * 2 || !txt_chars(value, vlen, "0123456789abcdef")) {
					snprintf(why, whylen, "its TXT record has a bad fp (not 32 hex digits)");
					return -1;
				}
				memcpy(out->fp, value, vlen);
				out->fp[vlen] = '\0';
				break;
			case KEY_VERS:
				if (vlen == 0 || vlen >= sizeof out->version ||
				    !txt_chars(value, vlen, "0123456789.abcdefghijklmnopqrstuvwxyz-+~")) {
					snprintf(why, whylen, "its TXT record has a bad vers");
					return -1;
				}
				memcpy(out->version, value, vlen);
				out->version[vlen] = '\0';
				break;
			case KEY_COUNT:
				break;
			}
		}
	}
	if (out->txtvers != DNSSD_TXT_VERSION) {
		snprintf(why, whylen, out->txtvers > 0 ? "its TXT record is of another layout (txtvers %d)"
		                                       : "its TXT record has no txtvers: not an intercom console",
		         out->txtvers);
		return -1;
	}
	if (!seen[KEY_PROTO]) {
		snprintf(why, whylen, "its TXT record has no proto");
		return -1;
	}
	return 0;
}

void dnssd_finder_init(struct dnssd_finder *f, const char *want)
{
	memset(f, 0, sizeof *f);
	if (want)
		snprintf(f->want, sizeof f->want, "%s", want);
}

/* Service names compare as DNS labels do: ASCII letters without case. */
static bool same_name(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static struct dnssd_instance *find(struct dnssd_finder *f, int iface, int family, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].iface == iface && f->v[i].family == family && strcmp(f->v[i].name, name) == 0)
			return &f->v[i];
	return NULL;
}

int dnssd_finder_add(struct dnssd_finder *f, int iface, int family, const char *name, uint64_t now_ms)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > DNSSD_NAME_MAX || utf8_check_text(name, len) != UTF8_TEXT_OK)
		return -1;
	if (find(f, iface, family, name))
		return 0;
	if (f->n == DNSSD_FOUND_MAX)
		return -1;
	struct dnssd_instance *in = &f->v[f->n++];
	memset(in, 0, sizeof *in);
	memcpy(in->name, name, len + 1);
	in->iface = iface;
	in->family = family;
	if (!f->first_seen_ms)
		f->first_seen_ms = now_ms ? now_ms : 1;
	return 1;
}

int dnssd_finder_resolved(struct dnssd_finder *f, int iface, int family, const char *name, const char *host,
                          int port, const struct dnssd_txt_item *txt, size_t ntxt, char *why, size_t whylen)
{
	struct dnssd_instance *in = find(f, iface, family, name);
	if (!in)
		return -1;
	in->resolved = true;
	in->usable = false;
	if (!host || !host[0] || strlen(host) >= sizeof in->host || port < 1 || port > 65535) {
		snprintf(why, whylen, "it resolved to no usable address");
		return 0;
	}
	snprintf(in->host, sizeof in->host, "%s", host);
	in->port = port;
	if (dnssd_txt_parse(txt, ntxt, &in->txt, why, whylen) < 0)
		return 0;
	if (in->txt.proto != PROTO_VERSION) {
		snprintf(why, whylen, "it speaks protocol %d, this speaker %d: run the same intercom release "
		         "on both", in->txt.proto, PROTO_VERSION);
		return 0;
	}
	in->usable = true;
	return 1;
}

void dnssd_finder_remove(struct dnssd_finder *f, int iface, int family, const char *name)
{
	struct dnssd_instance *in = find(f, iface, family, name);
	if (!in)
		return;
	size_t i = (size_t)(in - f->v);
	memmove(&f->v[i], &f->v[i + 1], (f->n - i - 1) * sizeof f->v[0]);
	f->n--;
}

void dnssd_finder_clear(struct dnssd_finder *f)
{
	f->n = 0;
	f->all_for_now = false;
	f->first_seen_ms = 0;
}

void dnssd_finder_all_for_now(struct dnssd_finder *f)
{
	f->all_for_now = true;
}

/*
 * The address to use for the console named name: the one in use if it is
 * still announced (no reconnect for a second announcement of the same
 * console), else IPv4 before IPv6 (no scope to get wrong), then the lowest
 * interface. NULL if none of its instances is usable.
 */
static const struct dnssd_instance *best_of(const struct dnssd_finder *f, const char *name)
{
	const struct dnssd_instance *best = NULL;
	for (size_t i = 0; i < f->n; i++) {
		const struct dnssd_instance *in = &f->v[i];
		if (!in->usable || !same_name(in->name, name))
			continue;
		if (f->chosen && same_name(f->target.name, name) && strcmp(in->host, f->target.host) == 0 &&
		    in->port == f->target.port)
			return in;
		if (!best || in->family < best->family || (in->family == best->family && in->iface < best->iface))
			best = in;
	}
	return best;
}

/* Whether every console there is has been heard: see DNSSD_SETTLE_MS. */
static bool settled(const struct dnssd_finder *f, uint64_t now_ms)
{
	if (f->first_seen_ms && now_ms >= f->first_seen_ms + DNSSD_SETTLE_MS)
		return true;
	if (!f->all_for_now)
		return false;
	for (size_t i = 0; i < f->n; i++)
		if (!f->v[i].resolved)
			return false;
	return true;
}

/* The usable consoles' distinct names, ", " between them; how many. */
static size_t distinct_names(const struct dnssd_finder *f, char *names, size_t nameslen)
{
	size_t count = 0, used = 0;
	if (nameslen)
		names[0] = '\0';
	for (size_t i = 0; i < f->n; i++) {
		if (!f->v[i].usable)
			continue;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = f->v[j].usable && same_name(f->v[j].name, f->v[i].name);
		if (dup)
			continue;
		count++;
		if (used < nameslen) {
			int w = snprintf(names + used, nameslen - used, "%s%s", count > 1 ? ", " : "", f->v[i].name);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	return count;
}

enum dnssd_pick dnssd_finder_pick(struct dnssd_finder *f, uint64_t now_ms, struct dnssd_target *target,
                                  char *names, size_t nameslen)
{
	const char *name = f->chosen ? f->target.name : f->want[0] ? f->want : NULL;
	if (!name) {
		if (!settled(f, now_ms))
			return DNSSD_PICK_WAIT;
		size_t count = distinct_names(f, names, nameslen);
		if (count > 1)
			return DNSSD_PICK_AMBIGUOUS;
		if (count == 0)
			return DNSSD_PICK_WAIT;
		for (size_t i = 0; i < f->n && !name; i++)
			if (f->v[i].usable)
				name = f->v[i].name;
	}
	const struct dnssd_instance *in = best_of(f, name);
	if (!in)
		return DNSSD_PICK_WAIT;
	if (f->chosen && strcmp(in->host, f->target.host) == 0 && in->port == f->target.port)
		return DNSSD_PICK_WAIT;
	/* The name as the console spells it (--console-name matched it without case). */
	snprintf(f->target.name, sizeof f->target.name, "%s", in->name);
	snprintf(f->target.host, sizeof f->target.host, "%s", in->host);
	f->target.port = in->port;
	f->chosen = true;
	*target = f->target;
	return DNSSD_PICK_CONNECT;
}

int dnssd_finder_next_ms(const struct dnssd_finder *f, uint64_t now_ms)
{
	if (f->chosen || f->want[0] || !f->first_seen_ms)
		return -1;
	uint64_t due = f->first_seen_ms + DNSSD_SETTLE_MS;
	/* Once it has passed, pick has answered for good until the next report. */
	return now_ms >= due ? -1 : (int)(due - now_ms);
}

void dnssd_pin_label(const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, DNSSD_PIN_PREFIX "%s", name);
}

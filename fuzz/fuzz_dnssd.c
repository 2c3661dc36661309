/*
 * libFuzzer target: what anyone on the local link can announce over mDNS. The
 * input is a TXT record's rdata as DNS carries it (each string a length byte,
 * then its bytes; the last one cut at the end of the input), read as a
 * console's TXT record (dnssd_txt_parse) and, string by string, as browser
 * reports fed to the speaker's finder (the string's first byte chooses the
 * report, the rest is the instance's name).
 *
 * Invariants checked (any failure aborts):
 *  - a record parsed is ours: txtvers 1, proto 1..255, fp empty or 32
 *    lowercase hex digits, vers of the allowed characters; built again
 *    (dnssd_txt_build) and parsed, it gives the same record; a record refused
 *    says why;
 *  - the finder never follows more than DNSSD_FOUND_MAX instances, only
 *    names of 1..63 bytes of printable UTF-8, and a CONNECT is to a usable
 *    instance's name, host and port 1..65535; the names of an AMBIGUOUS
 *    answer end within their buffer.
 */
#include "intercom/common/utf8.h"
#include "intercom/net/dnssd.h"
#include "intercom/net/proto.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ITEMS 64

static void check_parsed(const struct dnssd_txt *t)
{
	FUZZ_CHECK(t->txtvers == DNSSD_TXT_VERSION);
	FUZZ_CHECK(t->proto >= 1 && t->proto <= 255);
	size_t fl = strlen(t->fp);
	FUZZ_CHECK(fl == 0 || fl == IDENTITY_FP_BYTES * 2);
	for (size_t i = 0; i < fl; i++)
		FUZZ_CHECK((t->fp[i] >= '0' && t->fp[i] <= '9') || (t->fp[i] >= 'a' && t->fp[i] <= 'f'));
	for (const char *c = t->version; *c; c++)
		FUZZ_CHECK(strchr("0123456789.abcdefghijklmnopqrstuvwxyz-+~", *c) != NULL);
	/* Built again and parsed: the same record. */
	char items[DNSSD_TXT_ITEMS][DNSSD_TXT_ITEM_MAX];
	size_t n = dnssd_txt_build(t, items);
	struct dnssd_txt_item back_items[DNSSD_TXT_ITEMS];
	for (size_t i = 0; i < n; i++)
		back_items[i] = (struct dnssd_txt_item){ (const uint8_t *)items[i], strlen(items[i]) };
	struct dnssd_txt back;
	char why[160];
	FUZZ_CHECK(dnssd_txt_parse(back_items, n, &back, why, sizeof why) == 0);
	FUZZ_CHECK(back.txtvers == t->txtvers && back.proto == t->proto && back.psk == t->psk);
	FUZZ_CHECK(strcmp(back.fp, t->fp) == 0 && strcmp(back.version, t->version) == 0);
}

static void check_pick(struct dnssd_finder *f, uint64_t now)
{
	struct dnssd_target t;
	char names[96];
	memset(names, 'x', sizeof names);
	enum dnssd_pick p = dnssd_finder_pick(f, now, &t, names, sizeof names);
	FUZZ_CHECK(f->n <= DNSSD_FOUND_MAX);
	if (p == DNSSD_PICK_AMBIGUOUS)
		FUZZ_CHECK(memchr(names, '\0', sizeof names) != NULL);
	if (p != DNSSD_PICK_CONNECT)
		return;
	FUZZ_CHECK(t.port >= 1 && t.port <= 65535 && t.host[0]);
	FUZZ_CHECK(utf8_check_text(t.name, strlen(t.name)) == UTF8_TEXT_OK);
	bool found = false;
	for (size_t i = 0; i < f->n && !found; i++)
		found = f->v[i].usable && strcmp(f->v[i].name, t.name) == 0 && strcmp(f->v[i].host, t.host) == 0 &&
		        f->v[i].port == t.port;
	FUZZ_CHECK(found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnssd_txt_item items[MAX_ITEMS];
	size_t n = 0;
	for (size_t at = 0; at < size && n < MAX_ITEMS;) {
		size_t len = data[at++];
		if (len > size - at)
			len = size - at;
		items[n++] = (struct dnssd_txt_item){ data + at, len };
		at += len;
	}
	struct dnssd_txt t;
	char why[160] = "";
	if (dnssd_txt_parse(items, n, &t, why, sizeof why) == 0)
		check_parsed(&t);
	else
		FUZZ_CHECK(why[0] != '\0');

	/* The same strings as browser reports; a record of ours makes instances usable. */
	static const char *const ours[] = { "txtvers=1", "proto=2", "psk=no" };
	struct dnssd_txt_item good[3];
	for (size_t i = 0; i < 3; i++)
		good[i] = (struct dnssd_txt_item){ (const uint8_t *)ours[i], strlen(ours[i]) };
	struct dnssd_finder f;
	dnssd_finder_init(&f, n && items[0].len ? "c" : NULL);
	uint64_t now = 1;
	for (size_t i = 0; i < n; i++) {
		if (items[i].len == 0)
			continue;
		uint8_t op = items[i].data[0];
		char name[80];
		size_t nl = items[i].len - 1 < sizeof name - 1 ? items[i].len - 1 : sizeof name - 1;
		memcpy(name, items[i].data + 1, nl);
		name[nl] = '\0';
		int iface = op >> 4 & 3, family = op & 8 ? 6 : 4;
		char host[32];
		snprintf(host, sizeof host, "10.0.%u.%u", op >> 4, op & 15);
		int r;
		switch (op & 7) {
		case 0:
		case 1:
			r = dnssd_finder_add(&f, iface, family, name, now);
			FUZZ_CHECK(r >= -1 && r <= 1);
			if (r == 1)
				FUZZ_CHECK(strlen(name) >= 1 && strlen(name) <= DNSSD_NAME_MAX &&
				           utf8_check_text(name, strlen(name)) == UTF8_TEXT_OK);
			break;
		case 2:
			dnssd_finder_resolved(&f, iface, family, name, host, 2348 + (op >> 6), good, 3, why, sizeof why);
			break;
		case 3:
			dnssd_finder_resolved(&f, iface, family, name, host, op, items, n, why, sizeof why);
			break;
		case 4:
			dnssd_finder_remove(&f, iface, family, name);
			break;
		case 5:
			dnssd_finder_all_for_now(&f);
			break;
		case 6:
			now += DNSSD_SETTLE_MS;
			break;
		case 7:
			dnssd_finder_clear(&f);
			break;
		}
		check_pick(&f, now);
		now += 10;
	}
	return 0;
}

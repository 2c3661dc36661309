/* Unit tests of DNS-SD without I/O: the console's TXT record both ways, and the speaker's finder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "intercom/net/dnssd.h"
#include "intercom/net/proto.h"

/* TXT items from C strings. */
static size_t items_of(const char *const *strs, struct dnssd_txt_item *items)
{
	size_t n = 0;
	for (; strs[n]; n++)
		items[n] = (struct dnssd_txt_item){ (const uint8_t *)strs[n], strlen(strs[n]) };
	return n;
}

static int parse(const char *const *strs, struct dnssd_txt *out, char *why)
{
	struct dnssd_txt_item items[16];
	size_t n = items_of(strs, items);
	return dnssd_txt_parse(items, n, out, why, 160);
}

/* What the console builds, read back, is what it said; no key material beyond the fingerprint. */
static void test_txt_round_trip(void **state)
{
	(void)state;
	struct dnssd_txt txt = { .txtvers = DNSSD_TXT_VERSION, .proto = PROTO_VERSION, .psk = true,
	                         .fp = "4f45553c5a7cc837bccef9cbafc1a91f", .version = "0.1.0" };
	char items[DNSSD_TXT_ITEMS][DNSSD_TXT_ITEM_MAX];
	size_t n = dnssd_txt_build(&txt, items);
	assert_int_equal(n, 5);
	assert_string_equal(items[0], "txtvers=1");
	assert_string_equal(items[1], "proto=2");
	assert_string_equal(items[2], "psk=yes");
	assert_string_equal(items[3], "fp=4f45553c5a7cc837bccef9cbafc1a91f");
	assert_string_equal(items[4], "vers=0.1.0");
	const char *strs[DNSSD_TXT_ITEMS + 1] = { NULL };
	for (size_t i = 0; i < n; i++)
		strs[i] = items[i];
	struct dnssd_txt back;
	char why[160] = "";
	assert_int_equal(parse(strs, &back, why), 0);
	assert_int_equal(back.txtvers, txt.txtvers);
	assert_int_equal(back.proto, txt.proto);
	assert_true(back.psk);
	assert_string_equal(back.fp, txt.fp);
	assert_string_equal(back.version, txt.version);

	txt.psk = false;
	txt.fp[0] = '\0';
	txt.version[0] = '\0';
	n = dnssd_txt_build(&txt, items);
	assert_int_equal(n, 3);
	assert_string_equal(items[2], "psk=no");
}

/* RFC 6763 6.4-6.5: keys without case, the first of a key counts, unknown keys and flags ignored. */
static void test_txt_rules(void **state)
{
	(void)state;
	struct dnssd_txt t;
	char why[160];
	const char *a[] = { "TxtVers=1", "flag", "", "other=x", "PROTO=2", "proto=9", "psk=no", NULL };
	assert_int_equal(parse(a, &t, why), 0);
	assert_int_equal(t.proto, 2);
	assert_false(t.psk);
	assert_string_equal(t.fp, "");
	/* A value may hold '=': only the first one splits. */
	const char *b[] = { "txtvers=1", "proto=2", "vers=1.2.3-rc1", "x==y", NULL };
	assert_int_equal(parse(b, &t, why), 0);
	assert_string_equal(t.version, "1.2.3-rc1");
}

/* Whatever the network sends that is not our record is refused with why, never read past its length. */
static void test_txt_refused(void **state)
{
	(void)state;
	struct dnssd_txt t;
	char why[160];
	const char *none[] = { NULL };
	assert_int_equal(parse(none, &t, why), -1);
	assert_string_equal(why, "its TXT record has no txtvers: not an intercom console");
	const char *other[] = { "txtvers=2", "proto=2", NULL };
	assert_int_equal(parse(other, &t, why), -1);
	assert_string_equal(why, "its TXT record is of another layout (txtvers 2)");
	const char *noproto[] = { "txtvers=1", NULL };
	assert_int_equal(parse(noproto, &t, why), -1);
	assert_string_equal(why, "its TXT record has no proto");
	const char *badproto[][3] = { { "txtvers=1", "proto=", NULL }, { "txtvers=1", "proto=02", NULL },
	                              { "txtvers=1", "proto=-2", NULL }, { "txtvers=1", "proto=256", NULL },
	                              { "txtvers=1", "proto=2x", NULL }, { "txtvers=1", "proto=0", NULL } };
	for (size_t i = 0; i < sizeof badproto / sizeof badproto[0]; i++) {
		assert_int_equal(parse(badproto[i], &t, why), -1);
		assert_string_equal(why, "its TXT record has a bad proto");
	}
	const char *badpsk[] = { "txtvers=1", "proto=2", "psk=YES", NULL };
	assert_int_equal(parse(badpsk, &t, why), -1);
	const char *shortfp[] = { "txtvers=1", "proto=2", "fp=4f45", NULL };
	assert_int_equal(parse(shortfp, &t, why), -1);
	assert_string_equal(why, "its TXT record has a bad fp (not 32 hex digits)");
	const char *upperfp[] = { "txtvers=1", "proto=2", "fp=4F45553C5A7CC837BCCEF9CBAFC1A91F", NULL };
	assert_int_equal(parse(upperfp, &t, why), -1);
	const char *badvers[] = { "txtvers=1", "proto=2", "vers=1.0\x1b[31m", NULL };
	assert_int_equal(parse(badvers, &t, why), -1);
	const char *longvers[] = { "txtvers=1", "proto=2", "vers=1.2.3.4.5.6.7.8.9", NULL };
	assert_int_equal(parse(longvers, &t, why), -1);
	/* A NUL inside a value (TXT strings are lengths, not C strings) is refused, not cut. */
	struct dnssd_txt_item items[3] = { { (const uint8_t *)"txtvers=1", 9 }, { (const uint8_t *)"proto=2", 7 },
	                                   { (const uint8_t *)"vers=1\0x", 8 } };
	assert_int_equal(dnssd_txt_parse(items, 3, &t, why, sizeof why), -1);
	/* A length that stops short of the '=' is a flag, not a key. */
	struct dnssd_txt_item cut[2] = { { (const uint8_t *)"txtvers=1", 7 }, { (const uint8_t *)"proto=2", 7 } };
	assert_int_equal(dnssd_txt_parse(cut, 2, &t, why, sizeof why), -1);
}

static const char *const good_txt[] = { "txtvers=1", "proto=2", "psk=no", NULL };

/* Reports an instance found and resolved (IPv4 unless family says). */
static void found(struct dnssd_finder *f, int iface, int family, const char *name, const char *host, int port,
                  uint64_t now)
{
	struct dnssd_txt_item items[8];
	size_t n = items_of(good_txt, items);
	char why[160];
	assert_int_equal(dnssd_finder_add(f, iface, family, name, now), 1);
	assert_int_equal(dnssd_finder_resolved(f, iface, family, name, host, port, items, n, why, sizeof why), 1);
}

/* One console: taken once the browser's first answers are in, not before. */
static void test_the_only_console(void **state)
{
	(void)state;
	struct dnssd_finder f;
	struct dnssd_target t;
	char names[128];
	dnssd_finder_init(&f, NULL);
	assert_int_equal(dnssd_finder_pick(&f, 1000, &t, names, sizeof names), DNSSD_PICK_WAIT);
	assert_int_equal(dnssd_finder_next_ms(&f, 1000), -1);
	found(&f, 1, 4, "Front desk", "10.0.0.5", 2348, 1000);
	/* Another may still answer: wait for ALL_FOR_NOW (or the settle time). */
	assert_int_equal(dnssd_finder_pick(&f, 1100, &t, names, sizeof names), DNSSD_PICK_WAIT);
	assert_int_equal(dnssd_finder_next_ms(&f, 1100), DNSSD_SETTLE_MS - 100);
	dnssd_finder_all_for_now(&f);
	assert_int_equal(dnssd_finder_pick(&f, 1200, &t, names, sizeof names), DNSSD_PICK_CONNECT);
	assert_string_equal(t.name, "Front desk");
	assert_string_equal(t.host, "10.0.0.5");
	assert_int_equal(t.port, 2348);
	/* Said once: nothing new until it moves. */
	assert_int_equal(dnssd_finder_pick(&f, 1300, &t, names, sizeof names), DNSSD_PICK_WAIT);
	assert_int_equal(dnssd_finder_next_ms(&f, 1300), -1);
}

/* Without ALL_FOR_NOW, the settle time decides; an instance still resolving holds ALL_FOR_NOW back. */
static void test_settle(void **state)
{
	(void)state;
	struct dnssd_finder f;
	struct dnssd_target t;
	char names[128];
	dnssd_finder_init(&f, "");
	found(&f, 1, 4, "A", "10.0.0.5", 2348, 5000);
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "B", 5001), 1); /* not resolved yet */
	dnssd_finder_all_for_now(&f);
	assert_int_equal(dnssd_finder_pick(&f, 5002, &t, names, sizeof names), DNSSD_PICK_WAIT);
	/* B never resolves: at the settle time A alone is usable, and taken. */
	assert_int_equal(dnssd_finder_next_ms(&f, 5002), DNSSD_SETTLE_MS - 2);
	assert_int_equal(dnssd_finder_pick(&f, 5000 + DNSSD_SETTLE_MS, &t, names, sizeof names), DNSSD_PICK_CONNECT);
	assert_string_equal(t.name, "A");
	/* Past the settle time, nothing to wake for. */
	dnssd_finder_init(&f, "");
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "A", 100), 1);
	assert_int_equal(dnssd_finder_next_ms(&f, 100 + DNSSD_SETTLE_MS), -1);
}

/* Several consoles: no choice without a name, and their names said; a name chooses, without case. */
static void test_several(void **state)
{
	(void)state;
	struct dnssd_finder f;
	struct dnssd_target t;
	char names[128];
	dnssd_finder_init(&f, NULL);
	found(&f, 1, 4, "Front desk", "10.0.0.5", 2348, 10);
	found(&f, 1, 4, "Back office", "10.0.0.6", 2400, 10);
	found(&f, 1, 6, "Back office", "fd00::6", 2400, 10); /* the same console, twice: one name */
	dnssd_finder_all_for_now(&f);
	assert_int_equal(dnssd_finder_pick(&f, 20, &t, names, sizeof names), DNSSD_PICK_AMBIGUOUS);
	assert_string_equal(names, "Front desk, Back office");
	/* A short buffer still ends in a NUL. */
	char small[8];
	assert_int_equal(dnssd_finder_pick(&f, 20, &t, small, sizeof small), DNSSD_PICK_AMBIGUOUS);
	assert_string_equal(small, "Front d");

	dnssd_finder_init(&f, "BACK OFFICE");
	found(&f, 2, 6, "Back office", "fe80::6%eth0", 2400, 10);
	/* A name chooses as soon as it is resolved: no settle time. */
	assert_int_equal(dnssd_finder_pick(&f, 11, &t, names, sizeof names), DNSSD_PICK_CONNECT);
	assert_string_equal(t.name, "Back office");
	assert_string_equal(t.host, "fe80::6%eth0");
	/* The IPv4 instance that comes later is no reason to reconnect. */
	found(&f, 2, 4, "Back office", "10.0.0.6", 2400, 12);
	found(&f, 2, 4, "Front desk", "10.0.0.5", 2348, 12);
	assert_int_equal(dnssd_finder_pick(&f, 13, &t, names, sizeof names), DNSSD_PICK_WAIT);

	/* A name that is not there: wait for it. */
	dnssd_finder_init(&f, "Stage");
	found(&f, 1, 4, "Front desk", "10.0.0.5", 2348, 10);
	dnssd_finder_all_for_now(&f);
	assert_int_equal(dnssd_finder_pick(&f, 10 + DNSSD_SETTLE_MS, &t, names, sizeof names), DNSSD_PICK_WAIT);
	assert_int_equal(dnssd_finder_next_ms(&f, 20), -1);
}

/* Among a console's own addresses: IPv4 first, then the lowest interface. */
static void test_best_address(void **state)
{
	(void)state;
	struct dnssd_finder f;
	struct dnssd_target t;
	char names[64];
	dnssd_finder_init(&f, "C");
	struct dnssd_txt_item items[8];
	size_t n = items_of(good_txt, items);
	char why[160];
	assert_int_equal(dnssd_finder_add(&f, 3, 6, "C", 1), 1);
	assert_int_equal(dnssd_finder_add(&f, 3, 4, "C", 1), 1);
	assert_int_equal(dnssd_finder_add(&f, 2, 4, "C", 1), 1);
	assert_int_equal(dnssd_finder_add(&f, 2, 4, "C", 1), 0); /* reported twice: one instance */
	assert_int_equal(dnssd_finder_resolved(&f, 3, 6, "C", "fd00::1", 2348, items, n, why, sizeof why), 1);
	assert_int_equal(dnssd_finder_resolved(&f, 3, 4, "C", "10.0.3.1", 2348, items, n, why, sizeof why), 1);
	assert_int_equal(dnssd_finder_resolved(&f, 2, 4, "C", "10.0.2.1", 2348, items, n, why, sizeof why), 1);
	assert_int_equal(dnssd_finder_pick(&f, 2, &t, names, sizeof names), DNSSD_PICK_CONNECT);
	assert_string_equal(t.host, "10.0.2.1");
}

/* The console followed moves (restarted on another port, another address): connect there. */
static void test_follow(void **state)
{
	(void)state;
	struct dnssd_finder f;
	struct dnssd_target t;
	char names[64];
	struct dnssd_txt_item items[8];
	size_t n = items_of(good_txt, items);
	char why[160];
	dnssd_finder_init(&f, NULL);
	found(&f, 1, 4, "Front desk", "10.0.0.5", 2348, 1);
	dnssd_finder_all_for_now(&f);
	assert_int_equal(dnssd_finder_pick(&f, 2, &t, names, sizeof names), DNSSD_PICK_CONNECT);
	/* It stops: the target stays (the link keeps trying it). */
	dnssd_finder_remove(&f, 1, 4, "Front desk");
	assert_int_equal(f.n, 0);
	assert_int_equal(dnssd_finder_pick(&f, 3, &t, names, sizeof names), DNSSD_PICK_WAIT);
	assert_string_equal(f.target.host, "10.0.0.5");
	/* Another console appears meanwhile: the speaker stays with the one it follows. */
	found(&f, 1, 4, "Back office", "10.0.0.6", 2400, 4);
	assert_int_equal(dnssd_finder_pick(&f, 5 + DNSSD_SETTLE_MS, &t, names, sizeof names), DNSSD_PICK_WAIT);
	/* It comes back on another port: connect there. */
	found(&f, 1, 4, "Front desk", "10.0.0.5", 2350, 6);
	assert_int_equal(dnssd_finder_pick(&f, 7, &t, names, sizeof names), DNSSD_PICK_CONNECT);
	assert_string_equal(t.name, "Front desk");
	assert_int_equal(t.port, 2350);
	/* Its resolver reports a new address (Avahi collapsed REMOVE and NEW): connect there too. */
	assert_int_equal(dnssd_finder_resolved(&f, 1, 4, "Front desk", "10.0.0.9", 2350, items, n, why, sizeof why),
	                 1);
	assert_int_equal(dnssd_finder_pick(&f, 8, &t, names, sizeof names), DNSSD_PICK_CONNECT);
	assert_string_equal(t.host, "10.0.0.9");
	/* The daemon went away: everything found is forgotten, the target is not. */
	dnssd_finder_clear(&f);
	assert_int_equal(f.n, 0);
	assert_true(f.chosen);
	assert_int_equal(dnssd_finder_pick(&f, 9, &t, names, sizeof names), DNSSD_PICK_WAIT);
}

/* What is not a console of ours is never chosen; bad names and a full table are refused. */
static void test_unusable(void **state)
{
	(void)state;
	struct dnssd_finder f;
	struct dnssd_target t;
	char names[64], why[160];
	struct dnssd_txt_item items[8];
	dnssd_finder_init(&f, NULL);
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "Printer", 1), 1);
	const char *printer[] = { "txtvers=1", "pdl=application/pdf", NULL };
	size_t n = items_of(printer, items);
	assert_int_equal(dnssd_finder_resolved(&f, 1, 4, "Printer", "10.0.0.7", 631, items, n, why, sizeof why), 0);
	assert_string_equal(why, "its TXT record has no proto");
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "Old console", 1), 1);
	const char *old[] = { "txtvers=1", "proto=1", NULL };
	n = items_of(old, items);
	assert_int_equal(dnssd_finder_resolved(&f, 1, 4, "Old console", "10.0.0.8", 2348, items, n, why, sizeof why),
	                 0);
	assert_string_equal(why, "it speaks protocol 1, this speaker 2: run the same intercom release on both");
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "No port", 1), 1);
	n = items_of(good_txt, items);
	assert_int_equal(dnssd_finder_resolved(&f, 1, 4, "No port", "10.0.0.9", 0, items, n, why, sizeof why), 0);
	assert_int_equal(dnssd_finder_resolved(&f, 1, 4, "Never added", "10.0.0.9", 1, items, n, why, sizeof why), -1);
	dnssd_finder_all_for_now(&f);
	assert_int_equal(dnssd_finder_pick(&f, 2, &t, names, sizeof names), DNSSD_PICK_WAIT);

	assert_int_equal(dnssd_finder_add(&f, 1, 4, "", 1), -1);
	assert_int_equal(dnssd_finder_add(&f, 1, 4, NULL, 1), -1);
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "bell\a", 1), -1);
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "bad \xC3\x28", 1), -1);
	char longname[DNSSD_NAME_MAX + 2];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(dnssd_finder_add(&f, 1, 4, longname, 1), -1);
	longname[DNSSD_NAME_MAX] = '\0';
	assert_int_equal(dnssd_finder_add(&f, 1, 4, longname, 1), 1);

	dnssd_finder_init(&f, NULL);
	for (int i = 0; i < DNSSD_FOUND_MAX; i++) {
		char name[16];
		snprintf(name, sizeof name, "c%d", i);
		assert_int_equal(dnssd_finder_add(&f, 1, 4, name, 1), 1);
	}
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "one more", 1), -1);
	dnssd_finder_remove(&f, 1, 4, "c3");
	assert_int_equal(dnssd_finder_add(&f, 1, 4, "one more", 1), 1);
}

static void test_pin_label(void **state)
{
	(void)state;
	char label[80];
	dnssd_pin_label("Front desk", label, sizeof label);
	assert_string_equal(label, "mdns:Front desk");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_round_trip), cmocka_unit_test(test_txt_rules),
		cmocka_unit_test(test_txt_refused),    cmocka_unit_test(test_the_only_console),
		cmocka_unit_test(test_settle),         cmocka_unit_test(test_several),
		cmocka_unit_test(test_best_address),   cmocka_unit_test(test_follow),
		cmocka_unit_test(test_unusable),       cmocka_unit_test(test_pin_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

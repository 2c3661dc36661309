/*
 * Finding a console over DNS-SD (mDNS), the part without I/O: the TXT record
 * a console advertises (built from what it is, parsed back from untrusted
 * network bytes), and the speaker's finder: the service instances the browser
 * reported, their resolved addresses, and which console to connect to (by
 * --console-name, or the only one found), followed by its name when it moves.
 * discovery.c feeds it what Avahi reports; units test every transition.
 *
 * Discovery never decides trust: the speaker checks the console it finds
 * against its pin (known-consoles under the label "mdns:NAME", or
 * --console-key) exactly as for an address typed on the command line.
 */
#ifndef INTERCOM_DNSSD_H
#define INTERCOM_DNSSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/net/identity.h"

/* The DNS-SD service type a console advertises and a speaker browses. */
#define DNSSD_SERVICE_TYPE "_intercom._tcp"
/* Our TXT record's layout (its "txtvers" key, RFC 6763 6.7); bump it if keys change meaning. */
#define DNSSD_TXT_VERSION 1
/* A DNS-SD instance name is one DNS label: at most 63 bytes (RFC 6763 4.1.1). */
#define DNSSD_NAME_MAX 63
/* A TXT string is at most 255 bytes (RFC 6763 6.1); ours are far shorter. */
#define DNSSD_TXT_ITEM_MAX 64
#define DNSSD_TXT_ITEMS 5
/* An address as text: IPv6 with a %scope fits. */
#define DNSSD_HOST_MAX 64
/*
 * Service instances (name x interface x address family) a speaker follows at
 * once. A site has one console, a few at most; a network flooded with fake
 * announcements fills the table and the rest are ignored (said once).
 */
#define DNSSD_FOUND_MAX 64
/*
 * Without --console-name a speaker takes the only console there is, so it
 * must have heard every console there is before choosing: until Avahi says
 * its cache has answered (ALL_FOR_NOW) and every instance is resolved, or at
 * most this long after the first console appeared (an mDNS query's answers
 * come within a second; RFC 6762 5.2 spaces the first queries 1 s apart).
 */
#define DNSSD_SETTLE_MS 3000
/* The label under which a console found over mDNS is pinned (known-consoles): "mdns:NAME". */
#define DNSSD_PIN_PREFIX "mdns:"

/* What a console says about itself in its TXT record. Never a secret. */
struct dnssd_txt {
	int txtvers;                      /* DNSSD_TXT_VERSION */
	int proto;                        /* its PROTO_VERSION */
	bool psk;                         /* a pre-shared key (--key-file) is required */
	char fp[IDENTITY_FP_BYTES * 2 + 1]; /* its key's fingerprint, 32 hex digits; "" if not said */
	char version[16];                 /* the program's version, "" if not said */
};

/* One TXT string as it came: bytes and their length (not NUL-terminated). */
struct dnssd_txt_item {
	const uint8_t *data;
	size_t len;
};

/* The TXT strings of txt ("txtvers=1", "proto=2", "psk=no", "fp=...", "vers=..."): how many. */
size_t dnssd_txt_build(const struct dnssd_txt *txt, char items[DNSSD_TXT_ITEMS][DNSSD_TXT_ITEM_MAX]);
/*
 * Reads a console's TXT strings (untrusted): keys case-insensitive, the first
 * of a key counts, unknown keys ignored. 0, or -1 with why: no or another
 * txtvers, no or a bad proto, a malformed psk, fp or vers.
 */
int dnssd_txt_parse(const struct dnssd_txt_item *items, size_t n, struct dnssd_txt *out, char *why,
                    size_t whylen);

/* One service instance the browser reported. */
struct dnssd_instance {
	char name[DNSSD_NAME_MAX + 1];
	int iface;                        /* the browser's interface index */
	int family;                       /* 4 or 6: the address family it was found on */
	bool resolved;                    /* host, port and txt are set */
	bool usable;                      /* ... and its TXT is ours, of our protocol */
	char host[DNSSD_HOST_MAX];
	int port;
	struct dnssd_txt txt;
};

/* Where to connect: a console by its name, at an address. */
struct dnssd_target {
	char name[DNSSD_NAME_MAX + 1];
	char host[DNSSD_HOST_MAX];
	int port;
};

enum dnssd_pick {
	DNSSD_PICK_WAIT,      /* nothing (new) to connect to yet */
	DNSSD_PICK_CONNECT,   /* connect to *target: the first choice, or the console moved */
	DNSSD_PICK_AMBIGUOUS, /* several consoles and no --console-name: names lists them */
};

struct dnssd_finder {
	char want[DNSSD_NAME_MAX + 1];    /* --console-name; "" = the only one */
	struct dnssd_instance v[DNSSD_FOUND_MAX];
	size_t n;
	bool all_for_now;                 /* the browser said its first answers are in */
	uint64_t first_seen_ms;           /* the first instance appeared then (0: none yet) */
	bool chosen;                      /* target holds the console followed */
	struct dnssd_target target;
};

/* Starts with nothing found; want is --console-name ("" or NULL: the only console). */
void dnssd_finder_init(struct dnssd_finder *f, const char *want);
/*
 * The browser found an instance: 1 if it is new (resolve it), 0 if already
 * known, -1 if the table is full (ignored) or the name is not a DNS label.
 */
int dnssd_finder_add(struct dnssd_finder *f, int iface, int family, const char *name, uint64_t now_ms);
/*
 * It resolved to host:port with these TXT strings. Returns 1 if it is usable,
 * 0 if not (why says so: not our TXT, another protocol), -1 if not followed.
 */
int dnssd_finder_resolved(struct dnssd_finder *f, int iface, int family, const char *name, const char *host,
                          int port, const struct dnssd_txt_item *txt, size_t ntxt, char *why, size_t whylen);
/* It went away, or could not be resolved: forgotten (the target stays: the link keeps trying it). */
void dnssd_finder_remove(struct dnssd_finder *f, int iface, int family, const char *name);
/* Every instance is forgotten (the daemon went away); the target stays. */
void dnssd_finder_clear(struct dnssd_finder *f);
/* The browser's first answers are in (Avahi's ALL_FOR_NOW). */
void dnssd_finder_all_for_now(struct dnssd_finder *f);
/*
 * What to do now. CONNECT: *target is new (the first choice, or the followed
 * console's address or port changed) and becomes f->target. AMBIGUOUS (only
 * before a first choice): names holds the usable consoles' names, ", "
 * between them.
 */
enum dnssd_pick dnssd_finder_pick(struct dnssd_finder *f, uint64_t now_ms, struct dnssd_target *target,
                                  char *names, size_t nameslen);
/* Ms until pick may answer differently with no new report (the settle time running out); -1: none. */
int dnssd_finder_next_ms(const struct dnssd_finder *f, uint64_t now_ms);
/* The known-consoles label of a console found by name: "mdns:NAME". */
void dnssd_pin_label(const char *name, char *out, size_t outlen);

#endif

/*
 * The console's advert and the speaker's browser over avahi-client: the
 * client's life (made, waiting for its daemon, lost and made again), the
 * entry group with its collisions, the service browser and one resolver per
 * instance kept open (Avahi reports a changed port or address through it).
 */
#include "intercom/net/discovery.h"

#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/address.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>

#include "intercom/common/clock.h"
#include "intercom/common/log.h"
#include "intercom/common/utf8.h"

/* ---- the client, alike for both ---- */

/* What each side does when the client changes state (its own callback). */
struct client_holder {
	struct avahi_loop *loop;
	AvahiClient *client;
	AvahiClient *lost;            /* gone, freed after the pass that said so (not inside its callback) */
	uint64_t retry_at_ms;         /* no client: make one then (0: not waiting) */
	bool lost_said;               /* "not available" said since the last time it worked */
	AvahiClientCallback cb;
	void *ctx;
};

/* Makes the client, waiting for the daemon if D-Bus is there; else retries later. 0 or the Avahi error. */
static int client_make(struct client_holder *h, AvahiClientFlags flags)
{
	int error = 0;
	h->client = avahi_client_new(avahi_loop_api(h->loop), flags, h->cb, h->ctx, &error);
	if (h->client) {
		h->retry_at_ms = 0;
		return 0;
	}
	h->retry_at_ms = clock_mono_ms() + DISCOVERY_RETRY_MS;
	return error ? error : AVAHI_ERR_FAILURE;
}

/* The client is gone (the daemon or D-Bus went away): let go of it and wait for another. */
static void client_lost(struct client_holder *h)
{
	/*
	 * Its callback runs inside its own D-Bus dispatch: freed once that has
	 * returned, and a new one made then (client_tick).
	 */
	h->lost = h->client;
	h->client = NULL;
	h->retry_at_ms = clock_mono_ms();
}

/* Makes a client when it is due; lowers *timeout_ms to when that is. */
static void client_tick(struct client_holder *h, int *timeout_ms)
{
	if (h->lost) {
		avahi_client_free(h->lost);
		h->lost = NULL;
	}
	if (h->client || !h->retry_at_ms)
		return;
	uint64_t now = clock_mono_ms();
	if (now >= h->retry_at_ms) {
		int error = client_make(h, AVAHI_CLIENT_NO_FAIL);
		if (error && !h->lost_said) {
			log_event_at(LOG_PRIORITY_WARNING, "mDNS: cannot reach avahi-daemon (%s); trying again every %d s", avahi_strerror(error),
			          DISCOVERY_RETRY_MS / 1000);
			h->lost_said = true;
		}
		if (!h->client)
			now = clock_mono_ms();
		else
			return;
	}
	int ms = (int)(h->retry_at_ms - now);
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = ms;
}

static void client_prepare(struct client_holder *h, struct pollfd *fds, int *timeout_ms)
{
	client_tick(h, timeout_ms);
	avahi_loop_prepare(h->loop, fds, timeout_ms);
}

static void client_handle(struct client_holder *h, const struct pollfd *fds)
{
	avahi_loop_dispatch(h->loop, fds);
	int ignored = -1;
	client_tick(h, &ignored);
}

static void client_free(struct client_holder *h)
{
	if (h->lost)
		avahi_client_free(h->lost);
	h->lost = NULL;
	if (h->client)
		avahi_client_free(h->client);
	h->client = NULL;
	avahi_loop_free(h->loop);
	h->loop = NULL;
}

/* ---- the console's advert ---- */

struct discovery_advert {
	struct client_holder h;
	AvahiEntryGroup *group;
	char *name;                   /* avahi_malloc'd: Avahi's alternative replaces it on a collision */
	int port;
	AvahiStringList *txt;
	bool established_said;        /* the name in force was said */
};

static void advert_register(struct discovery_advert *a, AvahiClient *c);

/* Another service holds the name: take Avahi's next one ("name #2") and register again. */
static void advert_collision(struct discovery_advert *a, AvahiClient *c)
{
	char *alt = avahi_alternative_service_name(a->name);
	if (!alt) {
		log_event_at(LOG_PRIORITY_WARNING, "mDNS: out of memory: not advertised");
		return;
	}
	log_event_at(LOG_PRIORITY_NOTICE, "mDNS: the name \"%s\" is taken on this network; advertising as \"%s\"", a->name, alt);
	avahi_free(a->name);
	a->name = alt;
	a->established_said = false;
	if (a->group)
		avahi_entry_group_reset(a->group);
	advert_register(a, c);
}

static void advert_group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *ctx)
{
	struct discovery_advert *a = ctx;
	AvahiClient *c = avahi_entry_group_get_client(g);
	switch (state) {
	case AVAHI_ENTRY_GROUP_ESTABLISHED:
		if (!a->established_said)
			log_event("mDNS: advertised as \"%s\" (" DNSSD_SERVICE_TYPE " port %d): speakers given no "
			          "address find this console", a->name, a->port);
		a->established_said = true;
		break;
	case AVAHI_ENTRY_GROUP_COLLISION:
		advert_collision(a, c);
		break;
	case AVAHI_ENTRY_GROUP_FAILURE:
		log_event_at(LOG_PRIORITY_WARNING, "mDNS: advertising failed: %s", avahi_strerror(avahi_client_errno(c)));
		break;
	case AVAHI_ENTRY_GROUP_UNCOMMITED:
	case AVAHI_ENTRY_GROUP_REGISTERING:
		break;
	}
}

/* Adds the service to the (new or reset) group and commits it. */
static void advert_register(struct discovery_advert *a, AvahiClient *c)
{
	if (!a->group) {
		a->group = avahi_entry_group_new(c, advert_group_cb, a);
		if (!a->group) {
			log_event_at(LOG_PRIORITY_WARNING, "mDNS: cannot advertise: %s", avahi_strerror(avahi_client_errno(c)));
			return;
		}
	}
	if (!avahi_entry_group_is_empty(a->group))
		return;
	int r = avahi_entry_group_add_service_strlst(a->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, a->name,
	                                             DNSSD_SERVICE_TYPE, NULL, NULL, (uint16_t)a->port, a->txt);
	if (r == AVAHI_ERR_COLLISION) {
		advert_collision(a, c);
		return;
	}
	if (r < 0 || (r = avahi_entry_group_commit(a->group)) < 0)
		log_event_at(LOG_PRIORITY_WARNING, "mDNS: cannot advertise \"%s\": %s", a->name, avahi_strerror(r));
}

static void advert_client_cb(AvahiClient *c, AvahiClientState state, void *ctx)
{
	struct discovery_advert *a = ctx;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		if (a->h.lost_said)
			log_event("mDNS: avahi-daemon is back");
		a->h.lost_said = false;
		advert_register(a, c);
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* The host's own name is being (re)registered: the service goes again once it is RUNNING. */
		if (a->group)
			avahi_entry_group_reset(a->group);
		a->established_said = false;
		break;
	case AVAHI_CLIENT_CONNECTING:
		if (!a->h.lost_said)
			log_event_at(LOG_PRIORITY_NOTICE, "note: avahi-daemon is not running: this console is not advertised over mDNS "
			          "until it starts (speakers need its address meanwhile; --no-advertise silences this)");
		a->h.lost_said = true;
		break;
	case AVAHI_CLIENT_FAILURE:
		/* The group went with the client. */
		a->group = NULL;
		a->established_said = false;
		if (!a->h.lost_said)
			log_event_at(LOG_PRIORITY_WARNING, "mDNS: lost avahi-daemon (%s): advertising again when it is back",
			          avahi_strerror(avahi_client_errno(c)));
		a->h.lost_said = true;
		if (c == a->h.client)
			client_lost(&a->h);
		else
			a->h.retry_at_ms = clock_mono_ms(); /* still inside avahi_client_new */
		break;
	}
}

struct discovery_advert *discovery_advert_new(const char *name, int port, const struct dnssd_txt *txt)
{
	struct discovery_advert *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	char items[DNSSD_TXT_ITEMS][DNSSD_TXT_ITEM_MAX];
	size_t n = dnssd_txt_build(txt, items);
	for (size_t i = n; i-- > 0;)
		a->txt = avahi_string_list_add(a->txt, items[i]);
	char cut[DNSSD_NAME_MAX + 1];
	size_t len = utf8_cut(name, strlen(name), DNSSD_NAME_MAX);
	memcpy(cut, name, len);
	cut[len] = '\0';
	a->name = avahi_strdup(cut);
	a->port = port;
	a->h.loop = avahi_loop_new();
	a->h.cb = advert_client_cb;
	a->h.ctx = a;
	if (!a->txt || !a->name || !a->h.loop) {
		discovery_advert_free(a);
		return NULL;
	}
	int error = client_make(&a->h, AVAHI_CLIENT_NO_FAIL);
	if (error) {
		log_event_at(LOG_PRIORITY_NOTICE, "note: not advertised over mDNS: cannot reach avahi-daemon (%s); speakers need this "
		          "console's address (--no-advertise silences this)", avahi_strerror(error));
		a->h.lost_said = true;
	}
	return a;
}

void discovery_advert_prepare(struct discovery_advert *a, struct pollfd *fds, int *timeout_ms)
{
	client_prepare(&a->h, fds, timeout_ms);
}

void discovery_advert_handle(struct discovery_advert *a, const struct pollfd *fds)
{
	client_handle(&a->h, fds);
}

void discovery_advert_free(struct discovery_advert *a)
{
	if (!a)
		return;
	/* Freeing the client frees its group, which withdraws the service (a goodbye on the network). */
	client_free(&a->h);
	avahi_string_list_free(a->txt);
	avahi_free(a->name);
	free(a);
}

/* ---- the speaker's browser ---- */

struct discovery_browser {
	struct client_holder h;
	struct dnssd_finder finder;
	AvahiServiceBrowser *browser;
	/* One resolver per instance the finder follows, kept open until the instance goes. */
	struct {
		AvahiServiceResolver *r;
		AvahiIfIndex iface;
		AvahiProtocol proto;
		char name[DNSSD_NAME_MAX + 1];
	} res[DNSSD_FOUND_MAX];
	bool full_said;               /* "too many services" said once */
};

static int family_of(AvahiProtocol proto)
{
	return proto == AVAHI_PROTO_INET6 ? 6 : 4;
}

static void resolver_drop(struct discovery_browser *b, AvahiIfIndex iface, AvahiProtocol proto, const char *name)
{
	for (size_t i = 0; i < DNSSD_FOUND_MAX; i++) {
		if (b->res[i].r && b->res[i].iface == iface && b->res[i].proto == proto &&
		    strcmp(b->res[i].name, name) == 0) {
			avahi_service_resolver_free(b->res[i].r);
			b->res[i].r = NULL;
		}
	}
}

/* An address as text; an IPv6 link-local one with its %interface, which connect() needs. */
static void address_text(const AvahiAddress *addr, AvahiIfIndex iface, char *out, size_t outlen)
{
	char a[AVAHI_ADDRESS_STR_MAX];
	avahi_address_snprint(a, sizeof a, addr);
	char ifname[IF_NAMESIZE] = "";
	if (addr->proto == AVAHI_PROTO_INET6 && addr->data.ipv6.address[0] == 0xfe &&
	    (addr->data.ipv6.address[1] & 0xc0) == 0x80 && iface >= 0 && if_indextoname((unsigned)iface, ifname))
		snprintf(out, outlen, "%s%%%s", a, ifname);
	else
		snprintf(out, outlen, "%s", a);
}

static void resolve_cb(AvahiServiceResolver *r, AvahiIfIndex iface, AvahiProtocol proto,
                       AvahiResolverEvent event, const char *name, const char *type, const char *domain,
                       const char *host_name, const AvahiAddress *addr, uint16_t port, AvahiStringList *txt,
                       AvahiLookupResultFlags flags, void *ctx)
{
	struct discovery_browser *b = ctx;
	(void)r, (void)type, (void)domain, (void)flags, (void)host_name;
	if (event != AVAHI_RESOLVER_FOUND || !addr) {
		log_event_at(LOG_PRIORITY_WARNING, "mDNS: console \"%s\" could not be resolved: %s", name,
		          avahi_strerror(avahi_client_errno(b->h.client)));
		dnssd_finder_remove(&b->finder, iface, family_of(proto), name);
		resolver_drop(b, iface, proto, name);
		return;
	}
	struct dnssd_txt_item items[16];
	size_t n = 0;
	for (AvahiStringList *s = txt; s && n < sizeof items / sizeof items[0]; s = avahi_string_list_get_next(s))
		items[n++] = (struct dnssd_txt_item){ avahi_string_list_get_text(s), avahi_string_list_get_size(s) };
	char host[DNSSD_HOST_MAX], why[160];
	address_text(addr, iface, host, sizeof host);
	int ok = dnssd_finder_resolved(&b->finder, iface, family_of(proto), name, host, port, items, n, why,
	                               sizeof why);
	if (ok < 0)
		return;
	if (ok == 0) {
		/* name was checked printable when it was added; the host's name is not shown (unchecked). */
		log_event_at(LOG_PRIORITY_NOTICE, "mDNS: ignored \"%s\" at %s port %u: %s", name, host, port, why);
		return;
	}
	/* What it says of itself, for the log only: the handshake checks the key. */
	struct dnssd_txt said;
	dnssd_txt_parse(items, n, &said, why, sizeof why);
	log_event("mDNS: found console \"%s\" at %s port %u (says key %.8s%s)", name, host, port,
	          said.fp[0] ? said.fp : "?", said.psk ? ", pre-shared key required" : "");
}

static void browse_cb(AvahiServiceBrowser *sb, AvahiIfIndex iface, AvahiProtocol proto, AvahiBrowserEvent event,
                      const char *name, const char *type, const char *domain, AvahiLookupResultFlags flags,
                      void *ctx)
{
	struct discovery_browser *b = ctx;
	(void)flags;
	AvahiClient *c = avahi_service_browser_get_client(sb);
	switch (event) {
	case AVAHI_BROWSER_NEW: {
		int added = dnssd_finder_add(&b->finder, iface, family_of(proto), name, clock_mono_ms());
		if (added < 0) {
			if (!b->full_said)
				log_event_at(LOG_PRIORITY_NOTICE, "mDNS: too many " DNSSD_SERVICE_TYPE " services, or one with a bad name: "
				          "some are ignored");
			b->full_said = true;
			return;
		}
		if (added == 0)
			return;
		size_t i = 0;
		while (i < DNSSD_FOUND_MAX && b->res[i].r)
			i++;
		AvahiServiceResolver *r = i < DNSSD_FOUND_MAX
			? avahi_service_resolver_new(c, iface, proto, name, type, domain, proto, 0, resolve_cb, b)
			: NULL;
		if (!r) {
			dnssd_finder_remove(&b->finder, iface, family_of(proto), name);
			log_event_at(LOG_PRIORITY_WARNING, "mDNS: cannot resolve \"%s\": %s", name, avahi_strerror(avahi_client_errno(c)));
			return;
		}
		b->res[i].r = r;
		b->res[i].iface = iface;
		b->res[i].proto = proto;
		snprintf(b->res[i].name, sizeof b->res[i].name, "%s", name);
		break;
	}
	case AVAHI_BROWSER_REMOVE:
		dnssd_finder_remove(&b->finder, iface, family_of(proto), name);
		resolver_drop(b, iface, proto, name);
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW:
		dnssd_finder_all_for_now(&b->finder);
		break;
	case AVAHI_BROWSER_FAILURE:
		log_event_at(LOG_PRIORITY_WARNING, "mDNS: browsing failed: %s", avahi_strerror(avahi_client_errno(c)));
		break;
	case AVAHI_BROWSER_CACHE_EXHAUSTED:
		break;
	}
}

/* Every resolver and the browser go (the client went, or is going). */
static void browser_reset(struct discovery_browser *b, bool free_objects)
{
	for (size_t i = 0; i < DNSSD_FOUND_MAX; i++) {
		if (b->res[i].r && free_objects)
			avahi_service_resolver_free(b->res[i].r);
		b->res[i].r = NULL;
	}
	if (b->browser && free_objects)
		avahi_service_browser_free(b->browser);
	b->browser = NULL;
	dnssd_finder_clear(&b->finder);
}

static void browser_client_cb(AvahiClient *c, AvahiClientState state, void *ctx)
{
	struct discovery_browser *b = ctx;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		if (b->h.lost_said)
			log_event("mDNS: avahi-daemon is back: looking for consoles again");
		b->h.lost_said = false;
		if (!b->browser) {
			b->browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, DNSSD_SERVICE_TYPE,
			                                       NULL, 0, browse_cb, b);
			if (!b->browser)
				log_event_at(LOG_PRIORITY_WARNING, "mDNS: cannot browse: %s", avahi_strerror(avahi_client_errno(c)));
		}
		break;
	case AVAHI_CLIENT_FAILURE:
		/* The browser and the resolvers went with the client. */
		browser_reset(b, false);
		if (!b->h.lost_said)
			log_event_at(LOG_PRIORITY_WARNING, "mDNS: lost avahi-daemon (%s): the console found stays in use; looking again "
			          "when it is back", avahi_strerror(avahi_client_errno(c)));
		b->h.lost_said = true;
		if (c == b->h.client)
			client_lost(&b->h);
		else
			b->h.retry_at_ms = clock_mono_ms();
		break;
	case AVAHI_CLIENT_CONNECTING:
		b->h.lost_said = true;
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		break;
	}
}

struct discovery_browser *discovery_browser_new(const char *want, char *err, size_t errlen)
{
	struct discovery_browser *b = calloc(1, sizeof *b);
	if (!b || !(b->h.loop = avahi_loop_new())) {
		snprintf(err, errlen, "out of memory");
		free(b);
		return NULL;
	}
	dnssd_finder_init(&b->finder, want);
	b->h.cb = browser_client_cb;
	b->h.ctx = b;
	/* At start the daemon must be there: without it the speaker has nothing to find a console with. */
	int error = client_make(&b->h, 0);
	if (error || !b->h.client) {
		snprintf(err, errlen, "%s", avahi_strerror(error ? error : AVAHI_ERR_NO_DAEMON));
		discovery_browser_free(b);
		return NULL;
	}
	return b;
}

void discovery_browser_prepare(struct discovery_browser *b, struct pollfd *fds, int *timeout_ms)
{
	client_prepare(&b->h, fds, timeout_ms);
	int ms = dnssd_finder_next_ms(&b->finder, clock_mono_ms());
	if (ms >= 0 && (*timeout_ms < 0 || ms < *timeout_ms))
		*timeout_ms = ms;
}

void discovery_browser_handle(struct discovery_browser *b, const struct pollfd *fds)
{
	client_handle(&b->h, fds);
}

enum dnssd_pick discovery_browser_pick(struct discovery_browser *b, struct dnssd_target *target, char *names,
                                       size_t nameslen)
{
	return dnssd_finder_pick(&b->finder, clock_mono_ms(), target, names, nameslen);
}

void discovery_browser_free(struct discovery_browser *b)
{
	if (!b)
		return;
	if (b->h.client)
		browser_reset(b, true);
	client_free(&b->h);
	free(b);
}

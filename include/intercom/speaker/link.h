/*
 * The speaker's link to what sends it pages, as a table of operations (the
 * console's counterpart is console/peer.h). link.c holds what every kind
 * shares: looking the name up off the loop (resolver.h), connecting to each
 * address in turn with the state's backoff, the socket and its queue (a
 * conn), the connect timeout, writing what is queued, closing once a last
 * report has left, draining at exit. A kind says what happens on the
 * connection once it is up:
 *
 *   link_framed_ops  link_framed.c  a console of our protocol (docs/PROTOCOL.md):
 *                                   Noise handshake and the console's pinned key,
 *                                   HELLO, WAIT (for approval) and WELCOME, heartbeat,
 *                                   the shared clock (PINGs on clock_sync's schedule,
 *                                   SYNC reports), PAGE frames in, STATUS reports out
 *   link_legacy_ops  link_legacy.c  an old Python-intercom server (--legacy): one
 *                                   bare WAV per connection, ended by the server
 *                                   closing it; nothing goes back
 *
 * speaker.c picks the kind at set-up and from then on uses the functions
 * below; it never asks which kind it has. Every change of the link goes
 * through speaker_state (which words the log); pages go to the owner's
 * callbacks. A new kind (an RTP multicast group to join, a live stream) is a
 * link_NAME.c with a struct starting with struct link and one exported table,
 * declared at the end of this file.
 */
#ifndef INTERCOM_LINK_H
#define INTERCOM_LINK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/net/clock_sync.h"
#include "intercom/net/conn.h"
#include "intercom/net/proto.h"

struct addrinfo;
struct auth_key;
struct identity;
struct resolver;
struct trust_list;
struct speaker_state;

/* How often a page's progress goes back to the other end while it arrives or plays. */
#define LINK_STATUS_INTERVAL_MS 250

/* A page that arrived whole. */
struct link_page {
	uint32_t id;
	uint64_t created_ms;       /* wall clock, ms since the epoch */
	uint64_t play_at_us;       /* the console's monotonic µs to start at (link_clock); 0: on arrival */
	const uint8_t *wav;        /* the WAV file's bytes, valid during the call only */
	size_t wav_len;
	size_t bytes;              /* what the page took on the wire (a PAGE's payload) */
	bool held;                 /* plays only once committed (PROTO_CAP_COMMIT): owner->commit */
};

/* What the link hands to its owner (speaker.c). */
struct link_owner {
	/*
	 * A page arrived: check it, play it. Once the check passed, the owner
	 * reports PAGE_RECEIVED (link_report) before anything else about it: the
	 * console counts "delivered" on it, so a page the speaker rejects is never
	 * delivered. 0 if it was taken (played, muted, saved), -1 if rejected: it
	 * has been reported (PAGE_FAILED), and why says why.
	 */
	int (*page)(void *ctx, const struct link_page *page, char *why, size_t whylen);
	/* Bytes arrived that are no page at all (malformed, too large): report it failed. */
	void (*rejected)(void *ctx, uint32_t page_id, size_t bytes, const char *reason);
	/*
	 * The console's word on a held page: play it (archived; at play_at_us if
	 * not 0, instead of the PAGE's) or drop it (why says why).
	 */
	void (*commit)(void *ctx, uint32_t page_id, bool play, uint64_t play_at_us, const char *why);
	/*
	 * A page of rate and channels is being recorded and will be sent by
	 * until_us (the console's clock): have the output ready for it, and say
	 * how soon a page can then start (link_say_ready).
	 */
	void (*prepare)(void *ctx, int rate, int channels, uint64_t until_us);
	/* optional: the page page_id, whose PAGE or STREAM_BEGIN follows, has priority (enum priority). */
	void (*priority)(void *ctx, uint32_t page_id, uint8_t priority);
	/*
	 * A streamed page (docs/PROTOCOL.md): it begins, its frames come, it
	 * ends (whole: check it, take it like a page, held for its COMMIT; or
	 * aborted). Each is well-formed; whether it fits the stream is the
	 * owner's to judge.
	 */
	void (*stream_begin)(void *ctx, const struct proto_stream_begin *begin);
	void (*stream_data)(void *ctx, const struct proto_stream_data *data);
	void (*stream_end)(void *ctx, const struct proto_stream_end *end);
	/*
	 * The console's key is not the one pinned for its address (or given with
	 * --console-key): the link is closed and not tried again; why says both
	 * fingerprints and the command that accepts the new key.
	 */
	void (*untrusted)(void *ctx, const char *why);
};

/* Everything a link needs to know, from the speaker's options. Strings are not copied. */
struct link_config {
	const char *host;                /* "": none yet (found over mDNS later: link_retarget) */
	int port;
	const char *label;               /* the console's label among the known consoles; NULL:
	                                    host:port (link_console_label) */
	const char *name, *zone;         /* how the speaker introduces itself */
	const struct auth_key *key;      /* the pre-shared key to mix in (not copied), or NULL */
	const struct identity *identity; /* the speaker's key pair (not copied) */
	struct trust_list *known;        /* known consoles: pinned on first contact, then checked */
	const uint8_t *console_fp;       /* --console-key: the fingerprint the console must have
	                                    (IDENTITY_FP_BYTES), or NULL: the known consoles decide */
	unsigned welcome_deadline_ms;    /* from connecting to WELCOME (WELCOME_DEADLINE_MS) */
	bool on_arrival;                 /* plays pages once whole: offers no PROTO_CAP_PLAY_AT */
	unsigned heartbeat_timeout_ms;   /* no whole frame for this long ends a link (0: HEARTBEAT_TIMEOUT_MS) */
	unsigned page_stall_ms;          /* a frame arriving must bring PAGE_STALL_BYTES (or its
	                                    rest) in every such span (0: PAGE_STALL_MS) */
	struct speaker_state *st;        /* the link's changes go through it */
	const struct link_owner *owner;
	void *ctx;                       /* the owner's, for its callbacks */
};

/* The part of a link every kind shares. A kind's own struct starts with it. */
struct link {
	const struct link_ops *ops;
	struct link_config cfg;
	struct conn conn;
	bool open;                       /* conn holds a socket */
	struct resolver *resolver;       /* a lookup of cfg.host in flight */
	struct addrinfo *addrs;          /* the resolved addresses, tried in order */
	struct addrinfo *addr_next;
	uint64_t opened_ms;              /* the TCP connection is up since (0: not up) */
	uint64_t last_rx_ms;             /* a whole frame came then (or bytes, on a link that has no
	                                    frames; or the attempt started) */
	char drop_reason[224];           /* close once what is queued has gone (empty: no) */
	uint64_t drop_due_ms;            /* or at this time, whatever is still queued */
	/*
	 * The console's clock as estimated from this connection's PING/PONG
	 * exchanges (a kind that has none stays SYNC_NONE: pages play on
	 * arrival). Afresh on every connection: another connection may be
	 * another console, or the same one restarted.
	 */
	struct clock_sync clock;
	/* Where link_retarget pointed cfg.host and cfg.label (a console found over mDNS). */
	char target_host[256];
	char target_label[300];
};

/*
 * A kind of link. The operations are called only while l->open, except
 * reset; those marked "optional" may be NULL.
 */
struct link_ops {
	const char *peer;          /* what is at the other end, for the log: "console" */
	size_t size;               /* of the kind's struct, which starts with struct link */
	/* The TCP connection is up: introduce the speaker, or just wait for a page. */
	void (*connected)(struct link *l, uint64_t now);
	/* The socket is readable, hung up or in error: read it. link_close if the link is over. */
	void (*read)(struct link *l, uint64_t now);
	/*
	 * The kind's timers once connected (deadlines, heartbeat, a stalled
	 * page): link_close if the link is over. Returns ms until the next.
	 */
	int (*tick)(struct link *l, uint64_t now);
	/* optional: a page's progress for the other end (an old server takes nothing back). */
	void (*report)(struct link *l, const struct proto_status *status);
	/* optional: how soon after holding a page the speaker can start it, until until_us (READY). */
	void (*ready)(struct link *l, uint32_t lead_us, uint64_t until_us);
	/* optional: the speaker shuts down while connected: its last words, sent before link_free returns. */
	void (*bye)(struct link *l, const char *reason);
	/* optional: the connection ended or the link is freed: forget (and wipe) what was under way. */
	void (*reset)(struct link *l);
};

/* Slots a link takes in the speaker's poll set: its connection, its name lookup. */
#define LINK_POLLFDS 2

/* A link of this kind, waiting to connect at once. NULL if out of memory. */
struct link *link_new(const struct link_ops *ops, const struct link_config *cfg);
/* Says bye_reason (if connected and the kind says anything), lets the queue go for a while, closes. */
void link_free(struct link *l, const char *bye_reason);

/* Connects when the backoff is over, and runs the timers. Returns ms until it wants to look again. */
int link_tick(struct link *l, uint64_t now);
/* Fills fds[0..LINK_POLLFDS) with what the link waits on. */
void link_poll_prepare(const struct link *l, struct pollfd *fds);
/* Handles what poll() reported in those slots: lookups, the connect, reading, writing. */
void link_poll_handle(struct link *l, const struct pollfd *fds, uint64_t now);
/*
 * Writes what is queued, as far as the socket takes it now (what is left
 * waits for POLLOUT). The loop calls it after its timers queued their
 * frames, so a status or heartbeat leaves without a wake-up of its own.
 */
void link_flush(struct link *l);
/*
 * Connects to host:port from now on (a console found over mDNS, or moved),
 * known among the pinned consoles as label (NULL: host:port): a connection
 * to the old address is closed with why, and the new one tried at once.
 */
void link_retarget(struct link *l, const char *host, int port, const char *label, const char *why);
/* The console's clock, or NULL while there is no estimate (SYNC_NONE): play on arrival. */
const struct clock_sync *link_clock(const struct link *l);
/* Tells the other end a page's progress or outcome (if the kind reports, and it is connected). */
void link_report(struct link *l, const struct proto_status *status);
/* Tells the other end how soon a page can start, until until_us (if the kind takes it). */
void link_say_ready(struct link *l, uint32_t lead_us, uint64_t until_us);

/* ---- for the kinds ---- */

/* The link is over (why says why): the socket closes and the state waits out its backoff. */
void link_close(struct link *l, const char *why);
/* "host:port" (or "[v6]:port") of the console as given: its label among the known consoles. */
void link_console_label(const char *host, int port, char *out, size_t outlen);
/* Closes the socket and nothing else: the kind tells the state what comes next. */
void link_hang_up(struct link *l);
/* Closes with why once what is queued has left (a last report), or after a second at most. */
void link_close_when_sent(struct link *l, const char *why);

/* ---- the kinds ---- */

extern const struct link_ops link_framed_ops;
extern const struct link_ops link_legacy_ops;

#endif

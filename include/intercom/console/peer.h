/*
 * A kind of peer of the console's station, as a table of operations (cmus
 * gives each output plugin such a table in op.h). The station (station.c)
 * keeps every peer in one list and owns the loop's part: accepting, timers,
 * polling, writing queues, the fan-out of a page and its tally, removal.
 * What differs between kinds — how a connection is read, what its timers
 * are, how a page reaches it, how it leaves — sits behind these operations;
 * station.c never asks which kind a peer is.
 *
 * The kinds today:
 *   peer_framed_ops  peer_framed.c  speakers of our protocol (docs/PROTOCOL.md):
 *                                   key handshake, HELLO, heartbeat, STATUS reports
 *   peer_legacy_ops  peer_legacy.c  old Python-intercom clients (--legacy-port):
 *                                   one bare WAV per connection, nothing back
 *   peer_rtp_ops     peer_rtp.c     RTP targets (--rtp): a multicast group of paging
 *                                   hardware, made at set-up, paced by a timerfd
 *
 * Adding a kind (an RTP multicast group, listeners of a live stream):
 *   1. peer_NAME.c: a struct that starts with struct peer and holds the kind's
 *      own state, static operations, and one exported table
 *      `const struct peer_ops peer_NAME_ops`, declared at the end of this file;
 *   2. its peers come from a listening socket (station_listen: every
 *      connection accepted there is one), or are made once at set-up
 *      (station_add_peer: say an RTP group's one UDP socket, which joins at once);
 *   3. it reports through the station_* calls below (joined, delivered,
 *      outcome) and leaves through peer_drop. Nothing in station.c changes.
 *
 * Only station.c and the peer_*.c files include this header; front-ends see
 * station.h.
 */
#ifndef INTERCOM_PEER_H
#define INTERCOM_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/sbuf.h"
#include "intercom/console/station.h"
#include "intercom/net/admission.h"
#include "intercom/net/conn.h"

struct auth_key;

/* One peer: the part every kind has. A kind's own struct starts with it. */
struct peer {
	struct conn conn;            /* first member: a frame callback gets back to its peer */
	const struct peer_ops *ops;  /* its kind */
	struct station *st;
	struct station_speaker info; /* what front-ends read; the kind keeps it up to date */
	bool joined;                 /* a speaker: listed and a target of pages */
	bool lobby;                  /* said HELLO, waits for the operator's approval (not listed) */
	bool dead;                   /* removed at the start of the next loop pass */
	bool page_delivered;         /* counted as delivered in the tally of info.page_id */
	bool page_final;             /* its outcome for info.page_id is counted */
	bool streamed;               /* info.page_id comes to it as a stream (station_stream_begin) */
	/*
	 * The page it holds until its COMMIT, and the page it is to be sent once
	 * committed (a kind that does not hold): 0 for none. A page's commit can
	 * come after the next page's stream began (its archive was slow).
	 */
	uint32_t held_page, deferred_page;
};

/* A page on its way: the PAGE frame, built once and shared by every queue. */
struct peer_page {
	uint32_t id;
	struct sbuf *frame;          /* frame header, page fields, then the WAV file's bytes */
	size_t wav_at, wav_len;      /* where the WAV file starts in frame, and its length */
};

/*
 * A kind of peer. The station calls these from its loop on peers that are
 * not dead; each is called with p->ops == this table. Operations marked
 * "optional" may be NULL.
 */
struct peer_ops {
	/* What the station needs to know of the kind. */
	const char *noun;         /* plural, for the log: "legacy speakers" */
	size_t size;              /* of the kind's struct, which starts with struct peer */
	size_t queue_pages;       /* pages its conn queues beyond the one being written (conn_init) */
	size_t max_peers;         /* served at once (0: no bound of its own); at the bound its
	                             listener is no longer polled, and more wait in the backlog */
	bool hello_first;         /* says who it is before it is a speaker: until station_join it
	                             holds one of MAX_PENDING_HELLO places (admission.h) and must
	                             join within the hello deadline */
	bool reports_playing;     /* reports its outcome (played, failed, ...); if not, it is final
	                             once delivered, and the tally counts it in station_page.legacy */
	bool live_streams_only;   /* takes a live talk as a stream, but a page whole (send_page),
	                             even one streamed to others: it needs the exact samples, not
	                             the stream codec's (an RTP target re-encodes them) */

	/*
	 * A new peer is in the list (p->joined is !hello_first, p->info has its
	 * id and address): say so in the log, set what the kind needs, and read
	 * what may already be waiting.
	 */
	void (*start)(struct peer *p, uint64_t now);
	/* Its socket is readable, hung up or in error: read it. peer_drop if the link is over. */
	void (*read)(struct peer *p, uint64_t now);
	/*
	 * The kind's timers, for a joined peer (heartbeat, stall): peer_drop one
	 * that is gone. Returns the ms until it wants to be called again, or -1.
	 */
	int (*tick)(struct peer *p, uint64_t now);
	/* optional: true if it cannot take this page now; it is then no target, and says why in the log. */
	bool (*busy)(struct peer *p, uint32_t page_id);
	/*
	 * Sends the page. The station has made p a target (info.page_id set, its
	 * progress cleared). If it cannot be queued, peer_drop: the tally counts it failed.
	 */
	void (*send_page)(struct peer *p, const struct peer_page *page, uint64_t now);
	/*
	 * optional: the word on a page it holds (info.commit): play it (at
	 * play_at_us, if not 0, instead of the PAGE's), or drop it for why. A kind without it gets each page only once it is committed.
	 */
	void (*commit)(struct peer *p, uint32_t page_id, bool play, uint64_t play_at_us, const char *why);
	/*
	 * optional: frames of a streamed page (BEGIN, DATA, END; info.stream),
	 * one or several whole frames back to back (one feed's DATA go
	 * together), shared by every target: queue a reference. If it cannot
	 * be queued, peer_drop (a target that cannot keep up with the stream).
	 */
	void (*send_stream)(struct peer *p, struct sbuf *frames);
	/*
	 * optional: bytes of page_id handed to it since from_us, timed until it
	 * says it holds the page whole, for its link's throughput
	 * (info.link_bps): a streamed page fed faster than real time (a file's),
	 * at its END.
	 */
	void (*time_transfer)(struct peer *p, uint32_t page_id, uint64_t bytes, uint64_t from_us);
	/* optional: page_id's priority (enum priority), just before its page or stream (info.priority). */
	void (*priority)(struct peer *p, uint32_t page_id, uint8_t priority);
	/* optional: a page of rate and channels is being recorded for it, sent by until_us (info.prepare). */
	void (*prepare)(struct peer *p, int rate, int channels, uint64_t until_us);
	/* optional: the station wrote what it could of its queue (every pass, and after a page). */
	void (*wrote)(struct peer *p, uint64_t now);
	/*
	 * Says in the log that it left and why (peer_drop calls it once, or not at
	 * all while its address is over its budget of such lines: a flood, which
	 * a summary line counts instead).
	 */
	void (*left)(const struct peer *p, const char *why);
	/* optional: the console shuts down while it is joined: its last words, flushed once. */
	void (*bye)(struct peer *p, const char *reason);
	/* optional: a speaker of the lobby was approved: it joins now (station_join, WELCOME). */
	void (*admit)(struct peer *p);
	/* optional: releases what the kind holds; the station then closes p->conn and frees p. */
	void (*close)(struct peer *p);
};

/* ---- what the station does for a kind ---- */

/* Every connection accepted on listen_fd is a peer of this kind (the fd is the station's). */
void station_listen(struct station *st, int listen_fd, const struct peer_ops *ops);
/* Adds a peer of this kind on fd (taken over), addressed as addr; NULL if out of memory. */
struct peer *station_add_peer(struct station *st, const struct peer_ops *ops, int fd,
                              const char *addr, uint64_t now);

/* Marks p dead with a reason (said through ops->left once); it is removed next pass. */
void peer_drop(struct peer *p, const char *why);
/* p said who it is (a hello_first kind): it becomes a speaker and gives up its waiting place. */
void station_join(struct peer *p);
/*
 * Whether to say in the log that p joined: false while speakers from its
 * address keep leaving faster than their lines are said (a flood of joins
 * and resets), the join then counted in a summary line instead.
 */
bool station_say_join(struct peer *p);
/* How many more speakers may join now (station_set_max_speakers); 0: the console is full. */
size_t station_room(const struct station *st);
/* The speaker listed under this name (names are unique: peer_framed refuses a second), or NULL. */
const struct station_speaker *station_speaker_named(const struct station *st, const char *name);
/* The name the console gives itself to its speakers. */
const char *station_console_name(const struct station *st);
/* The pre-shared key speakers must prove, or NULL (station_set_key). */
const struct auth_key *station_key(const struct station *st);
/* The console's key pair (station_set_identity). */
const struct identity *station_identity(const struct station *st);
/* What becomes of p, whose key (p->info.key) and name are known (admission.h). */
enum admission station_admission(const struct station *st, const struct peer *p);
/*
 * p waits in the lobby for the operator: it gives up its waiting place, and
 * an older connection of the same key leaves the lobby. False if the lobby
 * is full (LOBBY_MAX).
 */
bool station_lobby_enter(struct peer *p);
/* How long a peer may be silent before it is gone (station_set_heartbeat_timeout). */
unsigned station_heartbeat_timeout(const struct station *st);
/*
 * The station's loop clock: now (monotonic ms) less every stretch in which
 * the loop did not run (LOOP_STALL_MS). Measure a peer's silence on it, so a
 * console that was stopped does not blame its peers for what it did not read.
 */
uint64_t station_awake_ms(const struct station *st, uint64_t now);

/*
 * p holds the whole of page page_id, which was `bytes` on its link (the
 * frame and what was queued before it): once every target of the latest
 * page does, the station has timed its own link by them.
 */
void station_page_moved(struct peer *p, uint32_t page_id, uint64_t bytes);

/* Bytes waiting in p's queue, not yet written to its socket (a page's frame counts whole). */
uint64_t peer_queued_bytes(const struct peer *p);

/*
 * p has the whole of its page. Counted once, and only for the latest page;
 * a kind that does not report playing is then final. True if it counted.
 */
bool station_page_delivered(struct peer *p);
/* p's outcome for the latest page (PAGE_PLAYED, PAGE_FAILED, ...), counted once. */
void station_page_outcome(struct peer *p, uint8_t state, const char *reason);

/* ---- the kinds ---- */

extern const struct peer_ops peer_framed_ops;
extern const struct peer_ops peer_legacy_ops;
extern const struct peer_ops peer_rtp_ops;

#endif

/*
 * The console's network core: the list of peers, accepting, timers, the
 * fan-out of pages and their tally. Every peer has a kind (peer.h): our
 * speakers (peer_framed.c) and old Python-intercom clients (peer_legacy.c)
 * share one list, and what differs between them is behind their kind's
 * table of operations.
 */
#include "intercom/console/station.h"

#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/common/app.h"
#include "intercom/common/clock.h"
#include "intercom/common/log.h"
#include "intercom/common/ratelimit.h"
#include "intercom/common/sbuf.h"
#include "intercom/console/page_target.h"
#include "intercom/console/peer.h"
#include "intercom/console/playat.h"
#include "intercom/net/admission.h"
#include "intercom/net/auth.h"
#include "intercom/net/conn.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"
#include "intercom/net/trust.h"

/* After EMFILE, accept() waits this long instead of spinning on a readable socket. */
#define ACCEPT_BACKOFF_MS 1000
/*
 * With every place for connections waiting for HELLO taken, at most this many
 * change hands per pass (the rest wait in the listen backlog): each connection
 * then gets a whole read pass, its HELLO read, before it can lose its place.
 */
#define ACCEPT_BURST_WHEN_FULL (MAX_PENDING_HELLO / 2)
/* Listening sockets: our speakers', old clients', and room for the next kinds. */
#define STATION_LISTENERS 4

/* Lines a peer can make us write as fast as it connects, rationed per address (log_limit). */
enum log_cause {
	LOG_JOINED, /* held only while the address's leaves are over budget */
	LOG_LEFT,
	LOG_CLOSED, /* before hello */
};

/* A listening socket whose connections are peers of one kind. */
struct listener {
	int fd;
	const struct peer_ops *ops;
	bool full;                /* ops->max_peers reached: not polled until one leaves */
};

/* The priorities of the latest pages remembered (station_set_page_priority): a few are in flight at once. */
#define STATION_PRIORITIES 8

struct station {
	struct listener listeners[STATION_LISTENERS];
	struct {
		uint32_t page_id;
		uint8_t priority;
	} priorities[STATION_PRIORITIES];
	size_t priority_next;     /* the slot the next one takes */
	size_t listener_count;
	uint64_t accept_paused_until;
	struct peer **peers;
	size_t peer_count, peer_cap;
	size_t polled;            /* peers that station_poll_prepare put in fds */
	uint32_t next_speaker_id;
	size_t max_speakers;
	unsigned hello_deadline_ms;
	unsigned heartbeat_timeout_ms;
	uint64_t last_pass_ms;    /* the loop last came into the station then */
	uint64_t stalled_ms;      /* the loop's stalls so far: time in which it did not run */
	struct peer *waiting[MAX_PENDING_HELLO]; /* have not said HELLO yet, oldest first */
	size_t waiting_count;
	uint64_t flood_logged_ms; /* closing for room is logged at most once a second */
	size_t flood_closed;      /* connections closed for room since the last line about it */
	char flood_latest[160];   /* the latest of them, and for whom */
	struct ratelimit log_limit; /* joined, left, closed before hello: per address and cause */
	char console_name[NAME_MAX_BYTES + 1];
	bool keyed;
	struct auth_key key;
	struct identity identity;  /* the console's key pair */
	enum admit_policy admit;
	struct trust_list *approved; /* the caller's: keys the operator approved (NULL: none) */
	struct trust_list refused;   /* keys the operator refused, until the console restarts */
	struct station_page page;
	size_t page_final_delivered; /* targets of the latest page final once delivered (the
	                                kinds that do not report playing) that got every byte */
	struct sbuf *page_frame;  /* the latest PAGE frame, shared by every queue */
	uint32_t page_frame_id;   /* ... of this page */
	size_t page_wav_at, page_wav_len; /* where its WAV is in it */
	bool page_committed;      /* station_commit_page has been said for it */
	uint64_t page_play_at_us; /* its play-at (0: on arrival) */
	/* The page being streamed (station_stream_begin), 0 if none; once complete, its length. */
	uint32_t stream_page_id;
	bool stream_complete;
	bool stream_live;         /* ... a live talk: played as it came, no play-at at its end */
	uint32_t stream_frames, stream_count;
	uint64_t stream_begin_us;  /* when the stream's BEGIN went out */
	uint64_t stream_bytes;     /* its DATA's bytes so far, per target */
	uint32_t stream_rate;
	uint64_t uplink_bps;      /* the console's own link, measured from fan-outs (0: not yet) */
	uint64_t fan_from_us;     /* the latest page's fan-out: when it was handed to the queues, */
	size_t fan_waiting;       /* the targets yet to say they hold it (0: not timing), */
	size_t fan_targets;       /* of how many, */
	uint64_t fan_done_bytes;  /* the bytes of those that did, */
	uint64_t fan_best_bps;    /* and the best rate so far (bytes in over the time) */
};

/* "4012" as "4,012": a summary's count is read at a glance. */
static const char *digits_grouped(unsigned long n, char *out, size_t outlen)
{
	char plain[32];
	int len = snprintf(plain, sizeof plain, "%lu", n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < outlen; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = plain[i];
	}
	out[o] = '\0';
	return out;
}

/* The line for what log_limit held from one address (or from the others) in a window. */
static void log_summary_cb(const struct ratelimit_summary *sum, void *ctx)
{
	(void)ctx;
	char held[40];
	const char *from = sum->key ? sum->key : "other addresses";
	/* Tenths, rounded up: a window cut short at shutdown ran "0.1 s", never "0 s". */
	double secs = (double)((sum->window_ms + 99) / 100) / 10.0;
	if (secs < 0.1)
		secs = 0.1;
	digits_grouped(sum->held, held, sizeof held);
	const char *plural = sum->held == 1 ? "" : "s";
	switch ((enum log_cause)sum->cause) {
	case LOG_JOINED:
		log_event("... and %s more speaker%s joined from %s in the last %g s", held, plural, from,
		          secs);
		break;
	case LOG_LEFT:
		log_event("... and %s more speaker%s from %s left in the last %g s", held, plural, from,
		          secs);
		break;
	case LOG_CLOSED:
		log_event("... and %s more connection%s from %s closed before hello in the last %g s",
		          held, plural, from, secs);
		break;
	}
}

struct station *station_new(int listen_fd)
{
	struct station *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	ratelimit_init(&st->log_limit, LOG_FLOOD_BUDGET, LOG_FLOOD_TOTAL, LOG_FLOOD_WINDOW_MS,
	               log_summary_cb, NULL);
	st->max_speakers = DEFAULT_MAX_SPEAKERS;
	st->hello_deadline_ms = HELLO_DEADLINE_MS;
	st->heartbeat_timeout_ms = HEARTBEAT_TIMEOUT_MS;
	app_host_name(st->console_name, sizeof st->console_name, "console");
	station_listen(st, listen_fd, &peer_framed_ops);
	return st;
}

void station_set_key(struct station *st, const struct auth_key *key)
{
	st->keyed = key != NULL;
	if (key)
		st->key = *key;
	else
		sodium_memzero(&st->key, sizeof st->key);
}

void station_set_identity(struct station *st, const struct identity *id)
{
	st->identity = *id;
}

const struct identity *station_identity(const struct station *st)
{
	return &st->identity;
}

void station_set_admission(struct station *st, enum admit_policy policy, struct trust_list *approved)
{
	st->admit = policy;
	st->approved = approved;
}

enum admission station_admission(const struct station *st, const struct peer *p)
{
	bool approved = st->approved && trust_find_key(st->approved, p->info.key);
	bool refused = trust_find_key(&st->refused, p->info.key) != NULL;
	return admission_decide(st->admit, approved, refused, p->info.proved_psk);
}

static void waiting_remove(struct station *st, const struct peer *p);

static size_t lobby_count(const struct station *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++)
		n += st->peers[i]->lobby && !st->peers[i]->dead;
	return n;
}

bool station_lobby_enter(struct peer *p)
{
	struct station *st = p->st;
	/* A speaker that reconnects while its older connection still waits: the newer one waits. */
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *q = st->peers[i];
		if (q != p && q->lobby && !q->dead &&
		    memcmp(q->info.key, p->info.key, sizeof q->info.key) == 0) {
			peer_drop(q, "replaced by a newer connection of the same speaker");
		}
	}
	if (lobby_count(st) >= LOBBY_MAX)
		return false;
	p->lobby = true;
	waiting_remove(st, p);
	return true;
}

size_t station_lobby(const struct station *st, const struct station_speaker **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		const struct peer *p = st->peers[i];
		if (!p->lobby || p->dead)
			continue;
		if (n < cap)
			out[n] = &p->info;
		n++;
	}
	return n;
}

static struct peer *lobby_peer(struct station *st, uint32_t id)
{
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->lobby && !p->dead && p->info.id == id)
			return p;
	}
	return NULL;
}

int station_approve(struct station *st, uint32_t id, char *msg, size_t msglen)
{
	struct peer *p = lobby_peer(st, id);
	if (!p) {
		snprintf(msg, msglen, "no speaker %u asks to join: the command pending lists those that do", id);
		return -1;
	}
	if (station_speaker_named(st, p->info.name)) {
		snprintf(msg, msglen, "not approved: the name %s is taken by a connected speaker; give this "
		         "one another --name, or forget the other", p->info.name);
		return -1;
	}
	if (station_room(st) == 0) {
		snprintf(msg, msglen, "not approved: %zu speakers connected, the limit (--max-speakers)",
		         station_speaker_count(st));
		return -1;
	}
	char err[256] = "";
	if (st->approved && (trust_put_key(st->approved, p->info.key, p->info.name) < 0 ||
	                     trust_save(st->approved, err, sizeof err) < 0))
		log_event_at(LOG_PRIORITY_WARNING, "approved speaker %s is not remembered: %s", p->info.name,
		          err[0] ? err : "out of memory");
	snprintf(msg, msglen, "approved speaker %s (%s)%s", p->info.name, p->info.fingerprint,
	         st->approved ? ": its key is remembered" : "");
	p->lobby = false;
	if (p->ops->admit)
		p->ops->admit(p);
	return 0;
}

int station_refuse(struct station *st, uint32_t id, char *msg, size_t msglen)
{
	struct peer *p = lobby_peer(st, id);
	if (!p) {
		snprintf(msg, msglen, "no speaker %u asks to join: the command pending lists those that do", id);
		return -1;
	}
	trust_put_key(&st->refused, p->info.key, p->info.name);
	snprintf(msg, msglen, "refused speaker %s (%s) until the console restarts", p->info.name,
	         p->info.fingerprint);
	if (p->ops->bye)
		p->ops->bye(p, "refused by the console's operator");
	peer_drop(p, "refused by the operator");
	return 0;
}

int station_forget(struct station *st, const char *what, char *msg, size_t msglen)
{
	uint8_t key[IDENTITY_KEY_BYTES];
	char name[TRUST_LABEL_MAX] = "";
	bool found = false;
	char *end;
	unsigned long id = strtoul(what, &end, 10);
	if (*what && *end == '\0') {
		for (size_t i = 0; i < st->peer_count && !found; i++) {
			const struct peer *p = st->peers[i];
			if (p->joined && !p->dead && p->info.id == id && p->info.fingerprint[0]) {
				memcpy(key, p->info.key, sizeof key);
				snprintf(name, sizeof name, "%s", p->info.name);
				found = true;
			}
		}
	}
	uint8_t fp[IDENTITY_FP_BYTES];
	if (!found && st->approved && identity_parse_fingerprint(what, fp) == 0) {
		for (size_t i = 0; i < st->approved->n && !found; i++) {
			if (!identity_matches(st->approved->v[i].key, fp))
				continue;
			memcpy(key, st->approved->v[i].key, sizeof key);
			snprintf(name, sizeof name, "%s", st->approved->v[i].label);
			found = true;
		}
	}
	if (!found) {
		snprintf(msg, msglen, "nothing to forget as '%.64s': give a connected speaker's id (list) or "
		         "a whole fingerprint of an approved one", what);
		return -1;
	}
	bool was = st->approved && trust_remove_key(st->approved, key);
	char err[256] = "";
	if (was && trust_save(st->approved, err, sizeof err) < 0)
		log_event_at(LOG_PRIORITY_WARNING, "cannot save the approved speakers: %s", err);
	size_t closed = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->dead || !p->joined || memcmp(p->info.key, key, sizeof key) != 0)
			continue;
		if (p->ops->bye)
			p->ops->bye(p, "forgotten by the console's operator: it asks to join again");
		peer_drop(p, "forgotten by the operator");
		closed++;
	}
	snprintf(msg, msglen, "forgot speaker %s%s%s", name, was ? "" : " (it was not approved, only admitted)",
	         closed ? ", and closed its link: it asks to join again" : "");
	return 0;
}

void station_set_max_speakers(struct station *st, size_t max_speakers)
{
	st->max_speakers = max_speakers;
}

void station_set_hello_deadline(struct station *st, unsigned ms)
{
	st->hello_deadline_ms = ms;
}

void station_set_heartbeat_timeout(struct station *st, unsigned ms)
{
	st->heartbeat_timeout_ms = ms;
}

void station_listen(struct station *st, int listen_fd, const struct peer_ops *ops)
{
	for (size_t i = 0; i < st->listener_count; i++) {
		if (st->listeners[i].ops != ops)
			continue;
		close(st->listeners[i].fd); /* a kind listens on one socket: the new one replaces it */
		st->listeners[i].fd = listen_fd;
		return;
	}
	assert(st->listener_count < STATION_LISTENERS);
	st->listeners[st->listener_count++] = (struct listener){ .fd = listen_fd, .ops = ops };
}

void station_listen_legacy(struct station *st, int listen_fd)
{
	station_listen(st, listen_fd, &peer_legacy_ops);
}

/* ---- what the station does for a kind (peer.h) ---- */

/* Whether the line about p leaving (or closing before hello) is said: per address, a budget. */
static bool log_leave_allowed(struct station *st, const struct peer *p)
{
	char host[RATELIMIT_KEY_MAX];
	admission_host(p->info.addr, host, sizeof host);
	return ratelimit_allow(&st->log_limit, p->joined ? LOG_LEFT : LOG_CLOSED, host, clock_mono_ms());
}

void peer_drop(struct peer *p, const char *why)
{
	if (p->dead)
		return;
	p->dead = true;
	if (log_leave_allowed(p->st, p))
		p->ops->left(p, why);
}

bool station_say_join(struct peer *p)
{
	char host[RATELIMIT_KEY_MAX];
	uint64_t now = clock_mono_ms();
	admission_host(p->info.addr, host, sizeof host);
	if (!ratelimit_spent(&p->st->log_limit, LOG_LEFT, host, now))
		return true;
	ratelimit_hold(&p->st->log_limit, LOG_JOINED, host, now);
	return false;
}

size_t station_room(const struct station *st)
{
	size_t count = station_speaker_count(st);
	return count < st->max_speakers ? st->max_speakers - count : 0;
}

const char *station_console_name(const struct station *st)
{
	return st->console_name;
}

const struct auth_key *station_key(const struct station *st)
{
	return st->keyed ? &st->key : NULL;
}

unsigned station_heartbeat_timeout(const struct station *st)
{
	return st->heartbeat_timeout_ms;
}

uint64_t station_awake_ms(const struct station *st, uint64_t now)
{
	return now - st->stalled_ms;
}

/*
 * The time, at each entry of the loop into the station. A gap over
 * LOOP_STALL_MS since the last one is a stretch in which the console did not
 * run: it goes into stalled_ms, off every peer's silence (station_awake_ms).
 */
static uint64_t station_clock(struct station *st)
{
	uint64_t now = clock_mono_ms();
	if (st->last_pass_ms && now - st->last_pass_ms > LOOP_STALL_MS) {
		uint64_t gap = now - st->last_pass_ms;
		st->stalled_ms += gap;
		log_event_at(LOG_PRIORITY_WARNING, "the console did not run for %.1f s (stopped or starved): its speakers' "
		          "silence meanwhile is not held against them", gap / 1000.0);
	}
	st->last_pass_ms = now;
	return now;
}

/* ---- connections that have not said HELLO yet ---- */

/* One line a second at most about connections closed to make room, and the last ones too (station_tick). */
static void flood_report(struct station *st, uint64_t now)
{
	if (st->flood_closed == 0 || now - st->flood_logged_ms < 1000)
		return;
	st->flood_logged_ms = now;
	log_event_at(LOG_PRIORITY_WARNING, "%d connections have not said hello yet: each newer one takes the place of the "
	          "oldest from the address holding the most (%zu closed since the last such line, "
	          "the latest %s)", MAX_PENDING_HELLO, st->flood_closed, st->flood_latest);
	st->flood_closed = 0;
}

/* Takes p out of the waiting connections: it said HELLO, or it is gone. */
static void waiting_remove(struct station *st, const struct peer *p)
{
	for (size_t i = 0; i < st->waiting_count; i++) {
		if (st->waiting[i] != p)
			continue;
		st->waiting_count--;
		memmove(&st->waiting[i], &st->waiting[i + 1], (st->waiting_count - i) * sizeof *st->waiting);
		return;
	}
}

/*
 * Makes a place for a connection from `arriving`: the gone give theirs up
 * first, else one is closed (admission.h says which), without a line of its
 * own, since a flood would fill the log.
 */
static void waiting_make_room(struct station *st, const char *arriving)
{
	size_t kept = 0;
	for (size_t i = 0; i < st->waiting_count; i++)
		if (!st->waiting[i]->dead)
			st->waiting[kept++] = st->waiting[i];
	st->waiting_count = kept;
	if (kept < MAX_PENDING_HELLO)
		return;
	const char *addrs[MAX_PENDING_HELLO];
	for (size_t i = 0; i < kept; i++)
		addrs[i] = st->waiting[i]->info.addr;
	struct peer *victim = st->waiting[admission_victim(addrs, kept, arriving)];
	snprintf(victim->conn.error, sizeof victim->conn.error, "closed to make room for %s", arriving);
	victim->dead = true;
	waiting_remove(st, victim);
	st->flood_closed++;
	snprintf(st->flood_latest, sizeof st->flood_latest, "%s for %s", victim->info.addr, arriving);
	flood_report(st, clock_mono_ms());
}

void station_join(struct peer *p)
{
	p->joined = true;
	waiting_remove(p->st, p);
}

/* ---- the page tally ---- */

/* Keeps why the page failed on a speaker, with its name, grouped by reason (the first few reasons). */
static void page_keep_reason(struct station_page *pg, const char *name, const char *why)
{
	for (size_t i = 0; i < pg->reason_count; i++) {
		if (strcmp(pg->reasons[i].reason, why) == 0) {
			pg->reasons[i].count++;
			return;
		}
	}
	if (pg->reason_count == STATION_PAGE_REASONS)
		return;
	struct station_page_reason *r = &pg->reasons[pg->reason_count++];
	snprintf(r->name, sizeof r->name, "%s", name);
	snprintf(r->reason, sizeof r->reason, "%s", why);
	r->count = 1;
}

/* Counts a speaker's final outcome for the latest page exactly once. */
static void page_settle(struct station *st, struct peer *p, uint8_t state, const char *reason)
{
	if (st->page.id == 0 || p->info.page_id != st->page.id || p->page_final)
		return;
	p->page_final = true;
	p->info.page_state = state;
	snprintf(p->info.page_reason, sizeof p->info.page_reason, "%s", reason);
	if (state == PAGE_PLAYED) {
		st->page.played++;
		if (p->info.page_late_ms > 0) {
			/* Its copy came after the play-at: it joined in step, the start unheard. */
			if (st->page.late++ == 0 || p->info.page_late_ms > st->page.late_ms) {
				st->page.late_ms = p->info.page_late_ms;
				snprintf(st->page.late_name, sizeof st->page.late_name, "%s", p->info.name);
			}
			log_event("page %u joined late on %s by %u ms", st->page.id, p->info.name,
			          p->info.page_late_ms);
		}
		log_event("page %u played by %s", st->page.id, p->info.name);
	} else if (state == PAGE_EXPIRED) {
		/* Its time had passed before it could play: never played, and not the link's fault. */
		if (st->page.expired++ == 0)
			snprintf(st->page.expired_name, sizeof st->page.expired_name, "%s", p->info.name);
		log_event_at(LOG_PRIORITY_WARNING, "page %u expired on %s (its time had passed)", st->page.id, p->info.name);
	} else if (state == PAGE_MUTED) {
		/* The speaker's operator chose silence: an outcome of its own, not a failure. */
		if (st->page.muted++ == 0)
			snprintf(st->page.muted_name, sizeof st->page.muted_name, "%s", p->info.name);
		log_event("page %u muted on %s", st->page.id, p->info.name);
	} else {
		const char *why = *reason ? reason : proto_page_state_name(state);
		st->page.failed++;
		page_keep_reason(&st->page, p->info.name, why);
		log_event_at(LOG_PRIORITY_WARNING, "page %u failed on %s: %s", st->page.id, p->info.name, why);
	}
}

/*
 * "page 3: delivered to 3/3, played by 2/2 (1 legacy: delivered only)": the
 * targets that cannot report playing count in "delivered", not in "played".
 */
static void page_summarise(struct station *st, const char *note)
{
	struct station_page *pg = &st->page;
	if (pg->id == 0 || pg->summarised)
		return;
	pg->summarised = true;
	char notes[192];
	station_page_notes(pg, true, notes, sizeof notes);
	log_event("page %u: delivered to %zu/%zu, played by %zu/%zu%s%s%s", pg->id, pg->delivered,
	          pg->targets, pg->played, pg->targets - pg->legacy, notes, note ? " " : "",
	          note ? note : "");
}

void station_page_notes(const struct station_page *pg, bool outcomes, char *out, size_t outlen)
{
	char late[64] = "", expired[48] = "", muted[48] = "", legacy[80] = "";
	if (pg->late)
		snprintf(late, sizeof late, ", %zu joined late by %s%u ms", pg->late,
		         pg->late > 1 ? "up to " : "", pg->late_ms);
	if (outcomes && pg->expired)
		snprintf(expired, sizeof expired, ", %zu expired", pg->expired);
	if (outcomes && pg->muted)
		snprintf(muted, sizeof muted, ", %zu muted", pg->muted);
	size_t rtp = pg->rtp < pg->legacy ? pg->rtp : pg->legacy;
	if (pg->legacy && rtp == 0)
		snprintf(legacy, sizeof legacy, " (%zu legacy: delivered only)", pg->legacy);
	else if (pg->legacy && pg->legacy == rtp)
		snprintf(legacy, sizeof legacy, " (%zu RTP: delivered only)", rtp);
	else if (pg->legacy)
		snprintf(legacy, sizeof legacy, " (%zu legacy, %zu RTP: delivered only)", pg->legacy - rtp, rtp);
	snprintf(out, outlen, "%s%s%s%s", late, expired, muted, legacy);
}

/*
 * Summarises once every target is final: played, muted, expired or failed, or
 * delivered if that is all it reports.
 */
static void page_check_done(struct station *st)
{
	const struct station_page *pg = &st->page;
	if (pg->played + pg->muted + pg->expired + pg->failed + st->page_final_delivered >= pg->targets)
		page_summarise(st, NULL);
}

uint64_t peer_queued_bytes(const struct peer *p)
{
	uint64_t bytes = 0;
	for (size_t i = 0; i < p->conn.queue_len; i++) {
		const struct conn_item *item = &p->conn.queue[(p->conn.queue_head + i) % CONN_QUEUE_MAX];
		bytes += item->buf->len - item->offset;
	}
	return bytes;
}

/*
 * The console's own link, timed by a fan-out: at each copy that is in, the
 * bytes of all copies in so far over the time since the send; the best of
 * these (a straggler on a slow link of its own does not make the console's
 * link look slow), once all are in. A fan-out to one speaker times its link,
 * not the console's, and is not counted.
 */
void station_page_moved(struct peer *p, uint32_t page_id, uint64_t bytes)
{
	struct station *st = p->st;
	if (page_id != st->page.id || st->fan_waiting == 0)
		return;
	st->fan_done_bytes += bytes;
	uint64_t rate = playat_rate_sample(st->fan_done_bytes, clock_mono_us() - st->fan_from_us,
	                                    p->info.rtt_us);
	if (rate > st->fan_best_bps)
		st->fan_best_bps = rate;
	if (--st->fan_waiting == 0 && st->fan_targets >= 2)
		st->uplink_bps = playat_rate_smooth(st->uplink_bps, st->fan_best_bps);
}

bool station_page_delivered(struct peer *p)
{
	struct station *st = p->st;
	if (st->page.id == 0 || p->info.page_id != st->page.id || p->page_delivered || p->page_final)
		return false;
	p->page_delivered = true;
	st->page.delivered++;
	if (!p->ops->reports_playing) {
		p->page_final = true;
		st->page_final_delivered++;
		page_check_done(st);
	}
	return true;
}

void station_page_outcome(struct peer *p, uint8_t state, const char *reason)
{
	page_settle(p->st, p, state, reason);
	page_check_done(p->st);
}

/* ---- the set of peers ---- */

/* Peers of this kind still connected. */
static size_t kind_count(const struct station *st, const struct peer_ops *ops)
{
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++)
		n += st->peers[i]->ops == ops && !st->peers[i]->dead;
	return n;
}

struct peer *station_add_peer(struct station *st, const struct peer_ops *ops, int fd,
                              const char *addr, uint64_t now)
{
	if (st->peer_count == st->peer_cap) {
		size_t cap = st->peer_cap * 2 + 16;
		struct peer **grown = realloc(st->peers, cap * sizeof *grown);
		if (!grown) {
			close(fd);
			return NULL;
		}
		st->peers = grown;
		st->peer_cap = cap;
	}
	struct peer *p = calloc(1, ops->size);
	if (!p) {
		close(fd);
		return NULL;
	}
	/* No peer of a console sends anything large: every decoder is capped at control size. */
	conn_init(&p->conn, fd, PROTO_MAX_CONTROL_PAYLOAD, ops->queue_pages);
	p->ops = ops;
	p->st = st;
	p->info.id = ++st->next_speaker_id;
	snprintf(p->info.addr, sizeof p->info.addr, "%s", addr);
	snprintf(p->info.name, sizeof p->info.name, "%s", addr);
	p->info.connected_ms = now;
	p->joined = !ops->hello_first;
	st->peers[st->peer_count++] = p;
	if (ops->hello_first) {
		waiting_make_room(st, addr);
		st->waiting[st->waiting_count++] = p;
	}
	ops->start(p, now);
	return p;
}

/* Accepts what waits on a listener, within its kind's bounds. */
static void station_accept(struct station *st, struct listener *l)
{
	const struct peer_ops *ops = l->ops;
	for (size_t accepted = 0;; accepted++) {
		char addr[64];
		if (ops->hello_first && st->waiting_count >= MAX_PENDING_HELLO &&
		    accepted >= ACCEPT_BURST_WHEN_FULL)
			return; /* the rest wait in the backlog until the next pass */
		if (ops->max_peers && kind_count(st, ops) >= ops->max_peers) {
			if (!l->full)
				log_event_at(LOG_PRIORITY_NOTICE, "%zu %s connected, the most served at once: more wait until one leaves",
				          ops->max_peers, ops->noun);
			l->full = true;
			return;
		}
		int fd = net_accept(l->fd, addr, sizeof addr);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_event_at(LOG_PRIORITY_WARNING, "cannot accept speakers: %s; pausing accepts for 1 s", strerror(errno));
				st->accept_paused_until = clock_mono_ms() + ACCEPT_BACKOFF_MS;
			}
			return; /* EAGAIN: all taken; ECONNABORTED, EINTR: next wake-up */
		}
		if (!station_add_peer(st, ops, fd, addr, clock_mono_ms())) {
			log_event_at(LOG_PRIORITY_WARNING, "out of memory accepting %s", addr);
			return;
		}
	}
}

/* Closes a peer's connection and frees it, the kind's part first. */
static void peer_free(struct peer *p)
{
	if (p->ops->close)
		p->ops->close(p);
	conn_close(&p->conn);
	free(p);
}

static void station_remove_dead(struct station *st)
{
	size_t kept = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->dead) {
			st->peers[kept++] = p;
			continue;
		}
		page_settle(st, p, PAGE_FAILED, p->conn.error[0] ? p->conn.error : "disconnected");
		if (!p->joined && !p->lobby)
			waiting_remove(st, p);
		peer_free(p);
	}
	if (kept == st->peer_count)
		return;
	st->peer_count = kept;
	for (size_t i = 0; i < st->listener_count; i++) {
		struct listener *l = &st->listeners[i];
		if (l->full && kind_count(st, l->ops) < l->ops->max_peers)
			l->full = false;
	}
	if (st->page.id)
		page_check_done(st);
}

/*
 * Drops a connection that did not join within the hello deadline, and runs
 * the kinds' own timers for the rest. Returns ms until the next timer.
 */
static int station_tick(struct station *st, uint64_t now)
{
	int next = HEARTBEAT_INTERVAL_MS;
	flood_report(st, now);
	int summary_due = ratelimit_tick(&st->log_limit, now);
	if (summary_due >= 0 && summary_due < next)
		next = summary_due;
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->dead)
			continue;
		int until;
		if (p->joined || p->lobby) {
			until = p->ops->tick(p, now);
		} else if (now - p->info.connected_ms >= st->hello_deadline_ms) {
			snprintf(p->conn.error, sizeof p->conn.error, "no HELLO within %g s",
			         st->hello_deadline_ms / 1000.0);
			peer_drop(p, p->conn.error);
			continue;
		} else {
			until = (int)(p->info.connected_ms + st->hello_deadline_ms - now);
		}
		if (until >= 0 && until < next)
			next = until;
	}
	return next;
}

size_t station_pollfd_count(const struct station *st)
{
	return st->listener_count + st->peer_count;
}

/* The listeners' slots come first, then one per peer. */
size_t station_poll_prepare(struct station *st, struct pollfd *fds, size_t cap, int *timeout_ms)
{
	uint64_t now = station_clock(st);
	int next = station_tick(st, now);
	station_remove_dead(st);
	if (next < *timeout_ms)
		*timeout_ms = next;
	bool paused = st->accept_paused_until > now;
	if (paused && (int)(st->accept_paused_until - now) < *timeout_ms)
		*timeout_ms = (int)(st->accept_paused_until - now);
	size_t n = 0;
	st->polled = 0;
	if (cap < st->listener_count)
		return 0;
	for (size_t i = 0; i < st->listener_count; i++) {
		const struct listener *l = &st->listeners[i];
		fds[n++] = (struct pollfd){ .fd = paused || l->full ? -1 : l->fd, .events = POLLIN };
	}
	for (size_t i = 0; i < st->peer_count && n < cap; i++, n++, st->polled++) {
		struct peer *p = st->peers[i];
		fds[n] = (struct pollfd){
			.fd = p->conn.fd,
			.events = (short)(POLLIN | (conn_wants_write(&p->conn) ? POLLOUT : 0)),
		};
	}
	return n;
}

void station_poll_handle(struct station *st, const struct pollfd *fds, size_t n)
{
	uint64_t now = station_clock(st);
	size_t first_peer = st->listener_count;
	for (size_t i = 0; i < st->polled && i + first_peer < n; i++) {
		struct peer *p = st->peers[i];
		short rev = fds[i + first_peer].revents;
		if (!p->dead && (rev & (POLLIN | POLLHUP | POLLERR)))
			p->ops->read(p, now);
	}
	for (size_t i = 0; i < st->listener_count && i < n; i++)
		if (fds[i].fd >= 0 && (fds[i].revents & POLLIN))
			station_accept(st, &st->listeners[i]);
	/* Write what this pass produced now rather than a poll() later. */
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->dead && conn_wants_write(&p->conn) && conn_flush(&p->conn) < 0)
			peer_drop(p, p->conn.error);
		if (!p->dead && p->ops->wrote)
			p->ops->wrote(p, now);
	}
}

/* ---- pages ---- */

/* p becomes a target of the latest page: its progress starts afresh. */
static void page_target(struct station *st, struct peer *p)
{
	p->info.page_id = st->page.id;
	p->info.page_state = 0;
	p->info.page_done = p->info.page_total = 0;
	p->info.page_reason[0] = '\0';
	p->info.page_late_ms = 0;
	p->info.page_play_at_ms = 0;
	p->page_delivered = p->page_final = p->streamed = false;
	st->page.targets++;
	if (!p->ops->reports_playing)
		st->page.legacy++;
	if (p->info.rtp)
		st->page.rtp++;
}

/* What the station knows of p's link, for the play-at (playat.h). */
static struct playat_link page_link(const struct peer *p)
{
	bool ready = p->info.ready_until_us > clock_mono_us();
	return (struct playat_link){
		.start_lead_us = ready ? p->info.ready_lead_us : 0,
		.play_at = p->info.play_at,
		.sync_state = p->info.sync_state,
		.uncertainty_us = p->info.sync_uncertainty_us,
		.rtt_us = p->info.rtt_us,
		.rate_bps = p->info.link_bps,
		.streamed = p->streamed,
		.queued_bytes = peer_queued_bytes(p),
	};
}

/*
 * The page's play-at from its targets' links (targets[0..n)), written into
 * its frame's fields, and said once: "page 3 plays at +290 ms on 4 speakers
 * (2 without a clock play on arrival)". 0 when it plays on arrival.
 */
static uint64_t page_play_at(struct station *st, struct peer *const *targets, size_t n,
                             size_t page_bytes, uint64_t archive_us)
{
	struct playat_link *links = n ? malloc(n * sizeof *links) : NULL;
	struct playat_plan plan = { .why = PLAYAT_NO_CLOCK, .on_arrival = n };
	if (links) {
		for (size_t i = 0; i < n; i++)
			links[i] = page_link(targets[i]);
		playat_plan(&plan, links, n, page_bytes, st->uplink_bps, archive_us);
		free(links);
	}
	if (plan.why == PLAYAT_NO_CLOCK)
		return 0;
	uint64_t lead_ms = (plan.lead_us + 999) / 1000;
	if (plan.why == PLAYAT_TOO_LONG) {
		log_event_at(LOG_PRIORITY_NOTICE, "page %u plays on arrival: its copies would take %.1f s to reach every speaker "
		          "(a page waits %g s at most)", st->page.id, lead_ms / 1000.0,
		          PLAYAT_MAX_LEAD_MS / 1000.0);
		return 0;
	}
	char others[80] = "";
	if (plan.on_arrival)
		snprintf(others, sizeof others, " (%zu without a clock play%s on arrival)", plan.on_arrival,
		         plan.on_arrival == 1 ? "s" : "");
	char ready[32] = "";
	if (plan.ready)
		snprintf(ready, sizeof ready, " (%zu ready)", plan.ready);
	log_event("page %u plays at +%llu ms on %zu speaker%s%s%s", st->page.id,
	          (unsigned long long)lead_ms, plan.timed, plan.timed == 1 ? "" : "s", ready, others);
	st->page.lead_ms = lead_ms;
	st->page.timed = plan.timed;
	uint64_t play_at_us = clock_mono_us() + plan.lead_us;
	for (size_t i = 0; i < n; i++) {
		struct playat_link link = page_link(targets[i]);
		if (playat_link_timed(&link))
			targets[i]->info.page_play_at_ms = play_at_us / 1000u;
	}
	return play_at_us;
}

/* The END of the page being streamed, shared by its targets; NULL if out of memory. */
static struct sbuf *stream_end_frame(struct station *st, uint32_t page_id, uint8_t outcome,
                                     uint64_t play_at_us, const char *why)
{
	struct proto_stream_end end = { .page_id = page_id, .outcome = outcome, .frames = st->stream_frames,
	                                .count = st->stream_count, .play_at_us = play_at_us };
	snprintf(end.reason, sizeof end.reason, "%s", why);
	uint8_t frame[256];
	size_t len = proto_stream_end_encode(&end, frame, sizeof frame);
	struct sbuf *buf = len ? sbuf_new(len) : NULL;
	if (buf)
		memcpy(buf->data, frame, len);
	return buf;
}

void station_set_page_priority(struct station *st, uint32_t page_id, int priority)
{
	for (size_t i = 0; i < STATION_PRIORITIES; i++)
		if (st->priorities[i].page_id == page_id) {
			st->priorities[i].priority = (uint8_t)priority;
			return;
		}
	st->priorities[st->priority_next].page_id = page_id;
	st->priorities[st->priority_next].priority = (uint8_t)priority;
	st->priority_next = (st->priority_next + 1) % STATION_PRIORITIES;
}

/* Page page_id's priority: normal unless set. */
static uint8_t page_priority(const struct station *st, uint32_t page_id)
{
	for (size_t i = 0; i < STATION_PRIORITIES; i++)
		if (st->priorities[i].page_id == page_id && page_id)
			return st->priorities[i].priority;
	return 0;
}

/* How the tally of the page before page_id ends: a page of lower priority does not cut it off. */
static const char *superseded_note(const struct station *st, uint32_t page_id)
{
	return page_priority(st, page_id) < st->page.priority
	       ? "(the next page, of lower priority, waits for it on each speaker: its outcome is theirs to say)"
	       : "(superseded by the next page)";
}

/* Tells p page_id's priority, just before its page or stream, if p takes it. */
static void page_announce(struct station *st, struct peer *p, uint32_t page_id)
{
	if (p->info.priority && p->ops->priority && !p->dead)
		p->ops->priority(p, page_id, page_priority(st, page_id));
}

/* p holds pages until their COMMIT, so it may have one before it is archived. */
static bool peer_holds(const struct peer *p)
{
	return p->info.commit && p->ops->commit;
}

size_t station_send_page(struct station *st, uint32_t page_id, uint64_t created_ms,
                         const uint8_t *wav, size_t wav_len, const struct page_target *target,
                         uint64_t archive_us)
{
	struct proto_page meta = { .page_id = page_id, .created_ms = created_ms };
	uint8_t head[PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE];
	size_t head_len = proto_page_encode_head(&meta, wav_len, head, sizeof head);
	struct sbuf *frame = head_len ? sbuf_new(head_len + wav_len) : NULL;
	struct peer **targets = frame ? malloc((st->peer_count + 1) * sizeof *targets) : NULL;
	if (!targets) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u not sent: %s", page_id, head_len ? "out of memory" : "too large");
		sbuf_unref(frame);
		return 0;
	}
	memcpy(frame->data + head_len, wav, wav_len);

	/* A page streamed as it was recorded goes on: its stream targets have it but for the END. */
	bool streamed = st->stream_page_id == page_id && st->stream_complete;
	st->stream_page_id = 0;
	if (!streamed) {
		page_summarise(st, superseded_note(st, page_id));
		st->page = (struct station_page){ .id = page_id, .priority = page_priority(st, page_id) };
		st->page_final_delivered = 0;
	}
	sbuf_unref(st->page_frame);
	st->page_frame = frame;
	st->page_frame_id = page_id;
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (streamed && p->streamed && p->info.page_id == page_id) {
			if (!p->dead)
				targets[n++] = p;
			continue;
		}
		if (!p->joined || p->dead || !page_target_matches(target, p->info.name, p->info.zone))
			continue;
		if (p->ops->busy && p->ops->busy(p, page_id))
			continue;
		page_target(st, p);
		targets[n++] = p;
	}
	/*
	 * One play-at for every target, in the one frame they share: set before
	 * any byte leaves. A live talk has played already where it was streamed;
	 * the others (older builds) play it on arrival.
	 */
	meta.play_at_us = streamed && st->stream_live ? 0 : page_play_at(st, targets, n, head_len + wav_len, archive_us);
	proto_page_encode_head(&meta, wav_len, frame->data, head_len);
	st->page_wav_at = head_len;
	st->page_wav_len = wav_len;
	st->page_committed = false;
	st->page_play_at_us = meta.play_at_us;
	struct peer_page page = { .id = page_id, .frame = frame, .wav_at = head_len, .wav_len = wav_len };
	uint64_t now = clock_mono_ms();
	st->fan_from_us = clock_mono_us();
	st->fan_waiting = st->fan_done_bytes = st->fan_best_bps = 0;
	struct sbuf *end = streamed ? stream_end_frame(st, page_id, STREAM_COMPLETE, meta.play_at_us, "") : NULL;
	/*
	 * A stream fed four times faster than real time or more (a file's, all
	 * at once) went as fast as the link took it: its transfer times the
	 * link, as a PAGE's does, or a long file streamed as pcm would always be
	 * judged at the 20 Mbit/s assumed for a link never timed. A recording's
	 * stream went at the speed of speech, which says nothing of the link.
	 */
	uint64_t fed_us = clock_mono_us() - st->stream_begin_us;
	bool fed_whole = streamed && st->stream_rate &&
	                 (uint64_t)st->stream_frames * 1000000u / st->stream_rate >= 4 * fed_us;
	for (size_t i = 0; i < n; i++) {
		struct peer *t = targets[i];
		if (t->streamed) {
			t->held_page = page_id;
			if (end)
				t->ops->send_stream(t, end);
			if (fed_whole && !t->dead && t->ops->time_transfer)
				t->ops->time_transfer(t, page_id, st->stream_bytes + (end ? end->len : 0), st->stream_begin_us);
			continue;
		}
		st->fan_waiting += t->ops->reports_playing;
		if (peer_holds(t)) {
			t->held_page = page_id;
			page_announce(st, t, page_id);
			t->ops->send_page(t, &page, now);
		} else {
			t->deferred_page = page_id;
		}
	}
	sbuf_unref(end);
	st->fan_targets = st->fan_waiting;
	free(targets);
	/* Only now that every target is counted may a delivery end the tally. */
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->dead && p->ops->wrote)
			p->ops->wrote(p, now);
	}
	if (st->page.targets == 0)
		page_summarise(st, "(no speakers connected)");
	return st->page.targets;
}

/*
 * A commit too late for the page's play-at (a slow archive) moves it, for
 * every speaker holding it, to when the commit and the rest of each copy can
 * be there (playat.h, the page's bytes already queued): they still start
 * together, later. Returns the new play-at, or 0 to keep the PAGE's.
 */
static uint64_t page_retime(struct station *st, uint32_t page_id)
{
	if (st->page_play_at_us == 0)
		return 0;
	struct playat_link *links = malloc((st->peer_count + 1) * sizeof *links);
	if (!links)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->dead && p->joined && p->held_page == page_id)
			links[n++] = page_link(p);
	}
	struct playat_plan plan;
	playat_plan(&plan, links, n, 0, st->uplink_bps, 0);
	free(links);
	uint64_t now_us = clock_mono_us();
	if (plan.why != PLAYAT_TIMED || now_us + plan.lead_us <= st->page_play_at_us)
		return 0;
	log_event_at(LOG_PRIORITY_NOTICE, "page %u archived %.0f ms later than its play-at allowed for: it plays at +%llu ms",
	          page_id, (now_us + plan.lead_us - st->page_play_at_us) / 1000.0,
	          (unsigned long long)(plan.lead_us / 1000u));
	st->page_play_at_us = now_us + plan.lead_us;
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->held_page == page_id && p->info.page_id == page_id && p->info.page_play_at_ms)
			p->info.page_play_at_ms = st->page_play_at_us / 1000u;
	}
	return st->page_play_at_us;
}

/* ---- streamed pages ---- */

/* frame to every target the page being streamed goes to as a stream. */
static void stream_fan(struct station *st, uint32_t page_id, struct sbuf *frame)
{
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->dead && p->streamed && p->info.page_id == page_id)
			p->ops->send_stream(p, frame);
	}
}

size_t station_stream_begin(struct station *st, const struct proto_stream_begin *begin,
                            const struct page_target *target)
{
	uint8_t bytes[128];
	size_t len = proto_stream_begin_encode(begin, bytes, sizeof bytes);
	struct sbuf *frame = len ? sbuf_new(len) : NULL;
	if (!frame) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u cannot be streamed: out of memory; it goes whole once recorded", begin->page_id);
		return 0;
	}
	memcpy(frame->data, bytes, len);
	page_summarise(st, superseded_note(st, begin->page_id));
	st->page = (struct station_page){ .id = begin->page_id, .priority = page_priority(st, begin->page_id) };
	st->page_final_delivered = 0;
	st->stream_page_id = begin->page_id;
	st->stream_complete = false;
	st->stream_live = begin->live;
	st->stream_frames = st->stream_count = 0;
	st->stream_begin_us = clock_mono_us();
	st->stream_bytes = 0;
	st->stream_rate = begin->rate;
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (!p->joined || p->dead || !page_target_matches(target, p->info.name, p->info.zone) || !p->info.stream ||
		    !p->ops->send_stream || (p->ops->live_streams_only && !begin->live))
			continue;
		page_target(st, p);
		p->streamed = true;
		page_announce(st, p, begin->page_id);
		p->ops->send_stream(p, frame);
		n++;
	}
	sbuf_unref(frame);
	return n;
}

void station_stream_data(struct station *st, uint32_t page_id, const uint8_t *frame, size_t len)
{
	if (page_id != st->stream_page_id || st->stream_complete)
		return;
	struct sbuf *buf = sbuf_new(len);
	if (!buf) {
		station_stream_abort(st, page_id, "the console ran out of memory");
		return;
	}
	memcpy(buf->data, frame, len);
	st->stream_bytes += len;
	stream_fan(st, page_id, buf);
	sbuf_unref(buf);
}

void station_stream_complete(struct station *st, uint32_t page_id, uint32_t frames, uint32_t count)
{
	if (page_id != st->stream_page_id)
		return;
	st->stream_complete = true;
	st->stream_frames = frames;
	st->stream_count = count;
}

void station_stream_abort(struct station *st, uint32_t page_id, const char *why)
{
	if (page_id != st->stream_page_id)
		return;
	st->stream_page_id = 0;
	struct sbuf *end = stream_end_frame(st, page_id, STREAM_ABORTED, 0, why);
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->dead || !p->streamed || p->info.page_id != page_id)
			continue;
		if (end)
			p->ops->send_stream(p, end);
		page_settle(st, p, PAGE_CANCELLED, why);
	}
	sbuf_unref(end);
	page_check_done(st);
}

void station_prepare(struct station *st, const struct page_target *target, int rate, int channels,
                     uint64_t until_us)
{
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->dead || !p->joined || !page_target_matches(target, p->info.name, p->info.zone) || !p->info.prepare ||
		    !p->ops->prepare || (p->streamed && p->info.page_id == st->stream_page_id))
			continue;
		struct playat_link link = page_link(p);
		if (playat_link_timed(&link))
			p->ops->prepare(p, rate, channels, until_us);
	}
}

void station_commit_page(struct station *st, uint32_t page_id, bool archived, const char *why)
{
	/* The page may no longer be the one tallied: a live talk's stream can begin before it is on disk. */
	bool current = page_id == st->page.id;
	if ((current && st->page_committed) || !st->page_frame || st->page_frame_id != page_id)
		return;
	if (current)
		st->page_committed = true;
	struct peer_page page = { .id = page_id, .frame = st->page_frame, .wav_at = st->page_wav_at,
	                          .wav_len = st->page_wav_len };
	char reason[160];
	snprintf(reason, sizeof reason, "not archived, so not played: %s", why ? why : "");
	uint64_t play_at_us = archived ? page_retime(st, page_id) : 0;
	uint64_t now = clock_mono_ms();
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->dead || !p->joined || (p->held_page != page_id && p->deferred_page != page_id))
			continue;
		if (p->held_page == page_id)
			p->ops->commit(p, page_id, archived, play_at_us, why ? why : "");
		else if (archived) {
			page_announce(st, p, page_id);
			p->ops->send_page(p, &page, now);
		}
		p->held_page = p->deferred_page = 0;
		if (!archived)
			page_settle(st, p, PAGE_CANCELLED, reason);
		if (!p->dead && p->ops->wrote)
			p->ops->wrote(p, now);
	}
	page_check_done(st);
}

size_t station_speaker_count(const struct station *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++)
		n += st->peers[i]->joined && !st->peers[i]->dead;
	return n;
}

const struct station_speaker *station_speaker_at(const struct station *st, size_t index)
{
	for (size_t i = 0; i < st->peer_count; i++) {
		const struct peer *p = st->peers[i];
		if (p->joined && !p->dead && index-- == 0)
			return &p->info;
	}
	return NULL;
}

const struct station_speaker *station_speaker_named(const struct station *st, const char *name)
{
	for (size_t i = 0; i < st->peer_count; i++) {
		const struct peer *p = st->peers[i];
		if (p->joined && !p->dead && strcmp(p->info.name, name) == 0)
			return &p->info;
	}
	return NULL;
}

size_t station_speakers(const struct station *st, const struct station_speaker **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < st->peer_count; i++) {
		const struct peer *p = st->peers[i];
		if (!p->joined || p->dead)
			continue;
		if (n < cap)
			out[n] = &p->info;
		n++;
	}
	return n;
}

const struct station_page *station_last_page(const struct station *st)
{
	return &st->page;
}

void station_free(struct station *st, const char *bye_reason)
{
	if (!st)
		return;
	page_summarise(st, "(console shutting down)");
	ratelimit_flush(&st->log_limit, clock_mono_ms());
	for (size_t i = 0; i < st->peer_count; i++) {
		struct peer *p = st->peers[i];
		if (p->joined && !p->dead && p->ops->bye)
			p->ops->bye(p, bye_reason);
		peer_free(p);
	}
	free(st->peers);
	sbuf_unref(st->page_frame);
	sodium_memzero(&st->key, sizeof st->key);
	identity_wipe(&st->identity);
	trust_free(&st->refused);
	for (size_t i = 0; i < st->listener_count; i++)
		if (st->listeners[i].fd >= 0)
			close(st->listeners[i].fd);
	free(st);
}

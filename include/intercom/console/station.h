/*
 * The console's network core: the listening socket, every connected speaker
 * (handshake, heartbeat, bounded queue), and the fan-out of pages with their
 * per-speaker tally. Front-ends (headless, curses, benchmarks) drive it from
 * their own poll() loop and read its state to show it; it logs one line per
 * event through log.h.
 *
 * Optionally a second listening socket serves old Python-intercom clients
 * ("legacy" speakers): each waits on its connection, gets the next page as a
 * plain WAV file, and the connection closes. They report nothing back, so the
 * tally counts them as delivered once every byte was written, and leaves them
 * out of "played" (docs/PROTOCOL.md, "The Python intercom's format").
 *
 * Each kind of peer is a table of operations (peer.h); the station's loop,
 * accepting, timers and fan-out are the same for all of them.
 */
#ifndef INTERCOM_STATION_H
#define INTERCOM_STATION_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/defaults.h"
#include "intercom/net/identity.h"

struct station;
struct proto_stream_begin;
struct page_target;

/* What a front-end may read about one speaker. */
struct station_speaker {
	uint32_t id;
	char name[NAME_MAX_BYTES + 1];
	char zone[NAME_MAX_BYTES + 1];
	char addr[64];
	uint64_t connected_ms;    /* monotonic */
	uint32_t rtt_ms;          /* last heartbeat round trip */
	uint32_t page_id;         /* last page sent to it (0: none) */
	uint8_t page_state;       /* enum proto_page_state, 0 until it reports */
	uint64_t page_done, page_total; /* progress of that state */
	char page_reason[128];    /* why it failed */
	uint32_t page_late_ms;    /* playing/played: how late it joined the page's play-at (0: on time) */
	uint64_t page_play_at_ms; /* monotonic: when its latest page starts (0: on arrival) */
	bool sealed;              /* its link is encrypted (every link of our protocol, once the
	                             handshake is done) */
	bool proved_psk;          /* ... and it proved the pre-shared key in it */
	uint8_t key[IDENTITY_KEY_BYTES]; /* its long-term public key (the handshake proved it) */
	char fingerprint[IDENTITY_FP_TEXT]; /* of key, "ab12 cd34 ..." ("" before the handshake) */
	char key_short[IDENTITY_SHORT_TEXT]; /* its first 8 digits, for lists */
	bool play_at;             /* plays a page at its play-at (PROTO_CAP_PLAY_AT both ways) */
	bool commit;              /* holds a page until its COMMIT (PROTO_CAP_COMMIT both ways) */
	bool prepare;             /* takes PREPARE, says READY (PROTO_CAP_PREPARE both ways) */
	bool stream;              /* takes streamed pages (PROTO_CAP_STREAM both ways) */
	bool priority;            /* is told each page's priority (PROTO_CAP_PRIORITY both ways) */
	uint32_t ready_lead_us;   /* READY: its output is open, a page starts this soon once held, */
	uint64_t ready_until_us;  /* until then (the console's clock; 0: cold) */
	uint8_t sync_state;       /* enum proto_sync_state, from its latest SYNC (SYNC_NONE until one) */
	uint32_t sync_uncertainty_us; /* its clock follows the console's within ± this */
	int32_t sync_drift_ppb;   /* its clock against the console's */
	int64_t sync_offset_us;   /* the console's clock minus its own, as it last said */
	uint32_t rtt_us;          /* last heartbeat round trip, µs (rtt_ms for display) */
	uint64_t link_bps;        /* its link's throughput, measured from pages (playat.h),
	                             smoothed; 0 until a page of PLAYAT_MEASURE_MIN_BYTES */
	bool legacy;              /* an old Python-intercom client: name is its address, no zone
	                             or rtt; page_state goes receiving (done/total = bytes written),
	                             then received ("delivered") or failed, never further */
	bool rtp;                 /* an RTP target (--rtp, peer_rtp.c): a multicast group or host of
	                             paging hardware; unauthenticated, reports nothing back, so
	                             its page_state goes playing (done/total = samples sent), then
	                             received ("delivered") once the last packet left */
};

/* Distinct reasons a page's tally keeps with their speakers; further ones are only counted. */
#define STATION_PAGE_REASONS 4

/*
 * Why a page did not play on some speakers, as they said it when it happened:
 * the first speaker that gave the reason, and how many gave it. A speaker that
 * leaves afterwards changes nothing here.
 */
struct station_page_reason {
	char name[NAME_MAX_BYTES + 1];
	char reason[128];
	size_t count;
};

/* The tally of the latest page. */
struct station_page {
	uint32_t id;
	uint8_t priority;         /* enum priority of the page */
	size_t targets, delivered, played, failed;
	size_t muted;             /* muted on the speaker: received, deliberately not played
	                             (an outcome of its own, not a failure) */
	char muted_name[NAME_MAX_BYTES + 1]; /* the first speaker that reported muted */
	size_t expired;           /* its play-at had passed on the speaker: never played (not a
	                             failure of the link; a stalled speaker, a long outage) */
	char expired_name[NAME_MAX_BYTES + 1]; /* the first speaker that reported expired */
	size_t late;              /* played, but joined after its play-at (counted in played) */
	uint32_t late_ms;         /* the latest of those joins, ms after the play-at */
	char late_name[NAME_MAX_BYTES + 1]; /* the speaker that joined latest */
	uint64_t lead_ms;         /* play-at after the send, ms; 0: on arrival everywhere */
	size_t timed;             /* targets that play at the play-at; the others on arrival */
	struct station_page_reason reasons[STATION_PAGE_REASONS]; /* the failures, by reason */
	size_t reason_count;      /* reasons kept; failures beyond them are in `failed` only */
	bool summarised;          /* every target reached a final state (or gave up) */
	size_t legacy;            /* targets that cannot report playing (included in targets;
	                             the legacy speakers and the RTP targets): they can be
	                             delivered to or fail, never report "played" */
	size_t rtp;               /* of those, RTP targets (--rtp) */
};

/* Takes over listen_fd (closed by station_free). */
struct station *station_new(int listen_fd);
/* Speakers served at once (default DEFAULT_MAX_SPEAKERS); the one over it is told why and closed. */
void station_set_max_speakers(struct station *st, size_t max_speakers);
/*
 * How long a new connection has to say HELLO (the key handshake included)
 * before it is closed; default HELLO_DEADLINE_MS.
 */
void station_set_hello_deadline(struct station *st, unsigned ms);
/*
 * How long a speaker may send no whole frame before it is dropped as gone
 * (the heartbeat timeout); default HEARTBEAT_TIMEOUT_MS.
 */
void station_set_heartbeat_timeout(struct station *st, unsigned ms);
/*
 * With a key, only speakers that prove it in the handshake (auth.h) are served,
 * and their links are sealed; the key is copied. NULL: no key, links are plain.
 */
struct auth_key;
void station_set_key(struct station *st, const struct auth_key *key);
/* The console's own key pair, proven to every speaker in the handshake (copied). */
void station_set_identity(struct station *st, const struct identity *id);
/*
 * Which new speakers join (admission.h), and the approved keys: read and
 * added to (and saved) by the station, owned by the caller. NULL: none
 * remembered. Default: ADMIT_ASK, no list.
 */
struct trust_list;
void station_set_admission(struct station *st, enum admit_policy policy, struct trust_list *approved);
/* Also serves old Python-intercom clients on listen_fd (taken over likewise). */
void station_listen_legacy(struct station *st, int listen_fd);
/* Says BYE to every speaker, then closes everything. */
void station_free(struct station *st, const char *bye_reason);

/*
 * Fills fds with what the station waits on (at most cap entries; see
 * station_pollfd_count) and lowers *timeout_ms to its next timer.
 */
size_t station_pollfd_count(const struct station *st);
size_t station_poll_prepare(struct station *st, struct pollfd *fds, size_t cap, int *timeout_ms);
/* Handles what poll() reported for the fds station_poll_prepare filled. */
void station_poll_handle(struct station *st, const struct pollfd *fds, size_t n);

/*
 * Sends a WAV as page page_id to the introduced speakers target names (page_target.h:
 * by zone or name; NULL: every one).
 * One copy of the bytes is shared by all queues, with one play-at for all
 * (playat.h): late enough for every targeted speaker with a locked clock to
 * hold the whole page, or 0 (on arrival) if none has one; said in the log. Legacy speakers get the WAV
 * bytes alone, from the same copy; one still receiving an earlier page misses
 * this one (logged). Returns how many it went to.
 *
 * The page may still be on its way to the archive (archive_us: how long that
 * is expected to take): it goes at once to the speakers that hold a page
 * until its COMMIT, and the play-at leaves time for the commit. The others
 * (legacy speakers, older builds) get it from station_commit_page, once it
 * is on disk: every page is committed, archived or not.
 */
size_t station_send_page(struct station *st, uint32_t page_id, uint64_t created_ms,
                         const uint8_t *wav, size_t wav_len, const struct page_target *target,
                         uint64_t archive_us);
/*
 * Streamed pages (docs/PROTOCOL.md, "Streamed pages"). A page begins as it
 * is recorded (or read): BEGIN to every target that takes streams
 * (target NULL: every speaker), whose tally starts now; the others get the
 * whole page from station_send_page once it is complete, under the same id
 * and the same tally. Returns the stream targets.
 */
size_t station_stream_begin(struct station *st, const struct proto_stream_begin *begin,
                            const struct page_target *target);
/* One STREAM_DATA frame (whole, header included) for the page's stream targets. */
void station_stream_data(struct station *st, uint32_t page_id, const uint8_t *frame, size_t len);
/*
 * Every frame is out: the page has frames frames (per channel) in count
 * stream frames. Its END goes out from station_send_page, with the one
 * play-at of all its targets.
 */
void station_stream_complete(struct station *st, uint32_t page_id, uint32_t frames, uint32_t count);
/* The recording was cancelled (why): END aborted to its targets, the tally says so. */
void station_stream_abort(struct station *st, uint32_t page_id, const char *why);

/*
 * A page of rate and channels is being recorded for every speaker
 * (target NULL) or those target names, and will be sent by until_us (clock_mono_us): each
 * that plays at a time and takes PREPARE opens its output now, and says how
 * soon it can then start a page (READY), which the page's play-at uses.
 */
void station_prepare(struct station *st, const struct page_target *target, int rate, int channels,
                     uint64_t until_us);

/*
 * The page just sent is on disk (archived) and may play: COMMIT to the
 * speakers holding it, the page itself to the targets that waited for this.
 * Or it could not be archived (why): it is cancelled where it is held, sent
 * nowhere else, and counted cancelled on every target.
 */
void station_commit_page(struct station *st, uint32_t page_id, bool archived, const char *why);

/*
 * Page page_id has this priority (enum priority; a page never set is
 * normal): told to each speaker that takes it (PRIORITY) just before the
 * page or its stream. Set before the page is sent or streamed; the latest
 * few pages are remembered.
 */
void station_set_page_priority(struct station *st, uint32_t page_id, int priority);

/* Speakers that completed their HELLO, and legacy speakers, in joining order. */
size_t station_speaker_count(const struct station *st);
const struct station_speaker *station_speaker_at(const struct station *st, size_t i);
/*
 * All of them at once (station_speaker_at is a walk per call): fills out with
 * up to cap, in the same order, and returns how many there are. The pointers
 * stay valid until the next station_poll_prepare.
 */
size_t station_speakers(const struct station *st, const struct station_speaker **out, size_t cap);
const struct station_page *station_last_page(const struct station *st);

/*
 * The lobby: speakers that finished the handshake and said HELLO, and wait
 * for the operator (ADMIT_ASK). Not listed, sent no page, told nothing of
 * the others. Fills out like station_speakers; their name, address, id and
 * fingerprint are set.
 */
size_t station_lobby(const struct station *st, const struct station_speaker **out, size_t cap);
/*
 * The operator's answers, by the id the lobby shows (approve, refuse) or,
 * for forget, a listed speaker's id or a fingerprint of the approved list:
 * approve remembers the key and lets the speaker join; refuse closes it and
 * refuses its key until the console restarts; forget removes an approved
 * key (and closes that speaker, which then asks again). 0 with what was done
 * in msg, or -1 with why not (one line, the fix included).
 */
int station_approve(struct station *st, uint32_t id, char *msg, size_t msglen);
int station_refuse(struct station *st, uint32_t id, char *msg, size_t msglen);
int station_forget(struct station *st, const char *what, char *msg, size_t msglen);

/*
 * The tally's counts after "played by m/N", alike in the log and on the screen:
 * ", 1 joined late by 120 ms", with outcomes also ", 2 expired, 1 muted", then
 * " (1 legacy: delivered only)". Pure.
 */
void station_page_notes(const struct station_page *pg, bool outcomes, char *out, size_t outlen);

#endif

/*
 * What a speaker is doing, as one state machine that both its faces read:
 * the link to the console (waiting with capped backoff, connecting,
 * authenticating, introducing, ready), the page in hand (receiving n%,
 * playing, replaying), the volume and mute settings, and a history of the
 * last pages with their outcome. Every change goes through a function here,
 * which says the matching log line once (headless: journald-friendly lines on
 * stdout; the screen: its log pane) through the `say` callback; the screen and
 * the STATUS reports read the same fields, so what is logged, shown and
 * reported to the console never disagree.
 *
 * Pure: no sockets, audio or curses; time comes in as arguments (monotonic ms
 * for timers, wall ms for what a person reads). Units test every transition.
 */
#ifndef INTERCOM_SPEAKER_STATE_H
#define INTERCOM_SPEAKER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/audio/format.h"
#include "intercom/audio/playout_sched.h"
#include "intercom/common/defaults.h"

/* Pages remembered in the history (the screen shows as many as fit). */
#define SPEAKER_HISTORY 16

enum speaker_link {
	SPEAKER_LINK_WAITING,     /* disconnected; the next attempt is at retry_at_ms */
	SPEAKER_LINK_CONNECTING,  /* non-blocking connect in progress */
	SPEAKER_LINK_AUTH,        /* the handshake: waiting for the console's NOISE_2 */
	SPEAKER_LINK_HELLO_SENT,  /* waiting for WELCOME */
	SPEAKER_LINK_PENDING,     /* the console's operator has not approved this speaker yet (WAIT) */
	SPEAKER_LINK_READY,       /* introduced (or, --legacy, connected); pages may come */
};

enum speaker_activity {
	SPEAKER_IDLE,             /* no page in hand */
	SPEAKER_RECEIVING,        /* a page's bytes are arriving */
	SPEAKER_PLAYING,          /* a page from the console plays */
	SPEAKER_REPLAYING,        /* the last page plays again, asked for here (not reported) */
};

/* One page of the history. */
struct speaker_page_entry {
	uint32_t page_id;
	uint64_t received_wall_ms;
	char from[NAME_MAX_BYTES + 1];  /* console name (address for an old server) */
	uint64_t duration_ms;           /* 0 if it never decoded */
	uint8_t result;                 /* enum proto_page_state: 0 while not final */
	char reason[128];               /* why it failed or was cut off */
};

typedef void (*speaker_say_fn)(const char *line, void *ctx);

struct speaker_state {
	speaker_say_fn say;
	void *say_ctx;
	bool legacy;                    /* an old Python-intercom server, not a console */
	char console_addr[300];         /* host:port as given */

	/* the link */
	enum speaker_link link;
	uint64_t link_since_ms;         /* monotonic: when link last changed */
	uint64_t connected_wall_ms;     /* wall: when READY was reached */
	uint64_t retry_at_ms;           /* WAITING: monotonic time of the next attempt */
	unsigned backoff_ms;            /* the current backoff (0 after a good connection) */
	bool ever_tried;                /* a connection was attempted */
	char reason[192];               /* why the link is down (also: last failure, said once) */
	char console_name[NAME_MAX_BYTES + 1];
	uint32_t speaker_id;
	bool sealed;                    /* the link is encrypted (and the console's key checked) */
	bool psk;                       /* ... and a pre-shared key mixed in */
	char console_fp[40];            /* the console's fingerprint, once the handshake showed it */
	char own_fp[40];                /* this speaker's, for the console's operator to compare */
	char wait_reason[160];          /* PENDING: what the console said */
	uint32_t rtt_ms;
	bool rtt_known;
	bool legacy_announced;          /* "connected to old server" said since the last failure */
	uint8_t clock_state;            /* enum proto_sync_state of the shared clock (clock_sync.h) */
	uint32_t clock_uncertainty_us;
	bool clock_was_locked;          /* locked since the link came up: its loss is said once */
	bool device_clock_unreliable;   /* the output's stream clock failed its check: timer starts */
	unsigned device_clock_within_ms; /* ... which start pages within ± this */

	/* the pages in hand: one may arrive while another plays */
	enum speaker_activity activity; /* what shows: receiving, else playing/replaying, else idle */
	bool receiving;
	uint32_t recv_page_id;          /* 0 while its id is not in yet */
	uint64_t recv_done, recv_total; /* bytes */
	bool playing, replaying;
	uint32_t play_page_id;
	size_t frames_total, frames_played;
	uint32_t late_ms;               /* the page playing joined its play-at this late (0: on time) */
	uint32_t live_ms;               /* the page playing is a live talk at this latency (0: a page) */
	char rtp_from[64];              /* RTP plays (--rtp-listen), from this sender ("" if none) */
	char rtp_listen[64];            /* --rtp-listen's group and codec ("" without it) */
	uint64_t corrected;             /* frames dropped or repeated to keep it on the console's timeline */
	struct audio_format fmt;        /* of the last page that decoded */
	bool have_format;

	/* settings */
	int volume_db;
	int volume_said_db;             /* the volume the log last said */
	bool muted;
	int page_priority;            /* enum priority of the page in hand (speaker.c sets it) */
	bool priority_raised;         /* ... an emergency plays above the volume or mute set here */
	int delay_ms;                   /* --delay-ms and the screen's trim: pages play this much later */
	int delay_said_ms;              /* the trim the log last said */

	/* history, newest first */
	struct speaker_page_entry history[SPEAKER_HISTORY];
	size_t history_len;
};

/* Starts WAITING with no backoff (the first attempt is immediate). say may be NULL. */
void speaker_state_init(struct speaker_state *st, const char *console_addr, bool legacy,
                        speaker_say_fn say, void *say_ctx);

/* Capped exponential backoff: 0 -> 0.5 s, then doubling up to BACKOFF_MAX_MS. */
unsigned speaker_state_backoff_next(unsigned current);

/* ---- the link ---- */

/* A connection attempt starts. Said once per streak of failures (not every retry). */
void speaker_state_connecting(struct speaker_state *st, uint64_t now_ms);
void speaker_state_authenticating(struct speaker_state *st, uint64_t now_ms);
void speaker_state_hello_sent(struct speaker_state *st, uint64_t now_ms);
/* The console said WAIT: its operator has to approve this speaker. Said once per streak. */
void speaker_state_pending(struct speaker_state *st, uint64_t now_ms, const char *reason);
/* WELCOME came: ready. The backoff is reset. */
void speaker_state_ready(struct speaker_state *st, uint64_t now_ms, uint64_t wall_ms,
                         const char *speaker_name, const char *console_name,
                         uint32_t speaker_id, bool sealed);
/* --legacy: connected to the old server, which sends nothing until a page. */
void speaker_state_legacy_connected(struct speaker_state *st, uint64_t now_ms, uint64_t wall_ms);
/*
 * The link went down or an attempt failed (why says which): WAITING, with the
 * next attempt after the backoff (from the minimum after a ready link, else
 * doubled). Said when the link was ready or the reason changed; the same
 * failure again and again is said once. Returns the backoff in ms.
 */
unsigned speaker_state_link_down(struct speaker_state *st, uint64_t now_ms, const char *why);
/* Retry now (another resolved address may work), without changing the backoff. */
void speaker_state_retry_now(struct speaker_state *st, uint64_t now_ms);
/*
 * --legacy: the old server closed after a page (the connection's normal end).
 * ok: the page was good, connect again at once; else back off like a failure.
 */
void speaker_state_legacy_page_end(struct speaker_state *st, uint64_t now_ms, bool ok);
void speaker_state_rtt(struct speaker_state *st, uint32_t rtt_ms);
/*
 * The shared clock's state (enum proto_sync_state) and uncertainty. Says
 * "clock locked to the console's (±0.3 ms)" when it locks and "clock lost
 * its lock ..." when a locked clock stops being locked while the link is up,
 * once each per link. The link going down resets it to none, unsaid.
 */
void speaker_state_clock(struct speaker_state *st, int sync_state, uint32_t uncertainty_us);
/*
 * The output's stream clock cannot be trusted (playback.h): pages start by
 * the main thread's timer, within ±within_ms. Said once.
 */
void speaker_state_device_clock_unreliable(struct speaker_state *st, unsigned within_ms);
/* Whole seconds until the next attempt, rounded up (the countdown); 0 if not waiting. */
unsigned speaker_state_retry_in_s(const struct speaker_state *st, uint64_t now_ms);

/* ---- pages ---- */

/* Bytes of a page are arriving (page_id 0 until its id is in). Said once per page, with its id. */
void speaker_state_receiving(struct speaker_state *st, uint32_t page_id, uint64_t done,
                             uint64_t total);
/*
 * A page arrived whole and decoded: it enters the history (result pending),
 * "page 3 received: 5.00 s 48000 Hz mono 16-bit, 480044 bytes".
 */
void speaker_state_received(struct speaker_state *st, uint32_t page_id, uint64_t wall_ms,
                            const struct audio_format *fmt, size_t frames, size_t bytes);
/* A page arrived but cannot be played: history "failed: rejected: reason", said. */
void speaker_state_rejected(struct speaker_state *st, uint32_t page_id, uint64_t wall_ms,
                            const char *reason);
/* The page (the latest received) starts playing; replay: played again, asked for here. */
void speaker_state_playing(struct speaker_state *st, uint32_t page_id, size_t frames, bool replay);
/* The page playing joined its play-at time late_ms late: "page 4 joined late by 120 ms". */
/* A live talk from the console begins (page_id, fmt), to play latency_ms behind the voice. */
void speaker_state_live(struct speaker_state *st, uint32_t page_id, uint64_t wall_ms,
                        const struct audio_format *fmt, uint32_t latency_ms);
/*
 * RTP from the network (--rtp-listen) begins to play (from: the sender's
 * address, unauthenticated), latency_ms behind its packets; it is no page
 * of the console and enters no history.
 */
void speaker_state_rtp(struct speaker_state *st, const char *from, const struct audio_format *fmt,
                       uint32_t latency_ms);
/* ... and stops (why). */
void speaker_state_rtp_stopped(struct speaker_state *st, const char *why);
void speaker_state_joined_late(struct speaker_state *st, uint32_t page_id, uint32_t late_ms);
/* Frames dropped or repeated so far in the page playing (its played line says them). */
void speaker_state_corrected(struct speaker_state *st, uint64_t frames);
/* How many frames the output device has played so far. */
void speaker_state_progress(struct speaker_state *st, size_t frames_played);
/*
 * The page reached an outcome (PAGE_PLAYED, PAGE_FAILED, PAGE_MUTED,
 * PAGE_INTERRUPTED; reason may be NULL): history updated, said
 * ("page 3 played (5.00 s)", "page 3 played (5:00.0, 27 frames corrected)",
 * "page 3 interrupted: a newer page arrived", "page 4 expired: its time
 * passed 60.0 s ago"),
 * back to idle. A replay's end changes no history and is said as a replay.
 */
void speaker_state_finished(struct speaker_state *st, uint32_t page_id, int result,
                            const char *reason);
/* The page being received was lost with the link: back to idle (the console saw it fail too). */
void speaker_state_receive_lost(struct speaker_state *st);

/* ---- settings ---- */

/*
 * Volume in dB (clamped as volume.h does). Not said at once: a run of key
 * presses is said once, by speaker_state_volume_settled, when it ends.
 */
void speaker_state_set_volume(struct speaker_state *st, int db);
/* Says the volume ("volume -6 dB") if it changed since it was last said. */
void speaker_state_volume_settled(struct speaker_state *st);
void speaker_state_set_muted(struct speaker_state *st, bool muted);
/* The delay trim in ms (clamped to 0..PLAYOUT_DELAY_MAX_MS); like the volume, said when it settles. */
void speaker_state_set_delay(struct speaker_state *st, int ms);
/* Says the trim ("delay 12 ms") if it changed since it was last said. */
void speaker_state_delay_settled(struct speaker_state *st);

/* ---- what the screen shows ---- */

enum speaker_tone {
	SPEAKER_TONE_NORMAL,
	SPEAKER_TONE_DIM,
	SPEAKER_TONE_OK,
	SPEAKER_TONE_WARN,
	SPEAKER_TONE_BAD,
	SPEAKER_TONE_ACCENT,
};

/*
 * The link in one line, as the screen's status shows it:
 *   "connecting to host:port…" (or "..." without utf8)
 *   "authenticating with host:port…", "introducing to host:port…"
 *   "connected to host:port (console studio) since 12:03:04, rtt 2ms"
 *   "disconnected: connection refused; retrying in 3 s"
 *   "waiting for a page from the old server host:port" (--legacy)
 * Returns its tone.
 */
enum speaker_tone speaker_state_link_text(const struct speaker_state *st, uint64_t now_ms,
                                          bool utf8, char *out, size_t outlen);
/*
 * The shared clock as the screen shows it: "clock ±0.3 ms" ("+/-" without
 * utf8), "clock settling", "no clock (plays on arrival)"; with an output
 * whose stream clock is not trusted, "; device clock unreliable (±N ms)".
 */
enum speaker_tone speaker_state_clock_text(const struct speaker_state *st, bool utf8, char *out,
                                           size_t outlen);
/* The link's security: "authenticated and encrypted" / "NOT authenticated (no --key-file)". */
enum speaker_tone speaker_state_security_text(const struct speaker_state *st, bool keyed,
                                              char *out, size_t outlen);
/*
 * What the speaker does: "waiting for a page", "receiving page 3 (42%)",
 * "playing page 3", "replaying page 3 (here only)", "muted: pages are not
 * played" when idle and muted. Returns its tone.
 */
enum speaker_tone speaker_state_activity_text(const struct speaker_state *st, char *out,
                                              size_t outlen);
/* Ms until the link text changes by itself (the countdown), or -1 if it does not. */
int speaker_state_next_change_ms(const struct speaker_state *st, uint64_t now_ms);

/* A history entry's result: "played", "muted", "failed: why", "interrupted: why", "playing" (pending). */
enum speaker_tone speaker_state_result_text(const struct speaker_page_entry *e, char *out,
                                            size_t outlen);

#endif

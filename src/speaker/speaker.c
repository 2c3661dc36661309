/*
 * intercom-speaker: the loudspeaker's side. Connects to a console, introduces
 * itself, and plays each page it receives whole, reporting progress back;
 * reconnects with capped exponential backoff whenever the console is away.
 * With --legacy it is a client of an old Python-intercom server instead: each
 * connection brings one bare WAV file, ended by the server closing it. Either
 * is a kind of link (link.h); this file only sees pages come in.
 *
 * This file is the event loop and its two faces: the curses screen (keys here,
 * drawn by speaker_ui.c on the terminal term.c owns) and --headless (log lines
 * on stdout). Both show the one speaker_state, which also words the log lines.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/audio/audio.h"
#include "intercom/audio/format.h"
#include "intercom/audio/playback.h"
#include "intercom/audio/playout_sched.h"
#include "intercom/audio/stream_page.h"
#include "intercom/audio/volume.h"
#include "intercom/audio/wav.h"
#include "intercom/common/app.h"
#include "intercom/common/archive.h"
#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/job.h"
#include "intercom/common/log.h"
#include "intercom/common/options.h"
#include "intercom/common/pollset.h"
#include "intercom/common/signals.h"
#include "intercom/common/trace.h"
#include "intercom/net/auth.h"
#include "intercom/net/identity.h"
#include "intercom/net/trust.h"
#include "intercom/net/clock_sync.h"
#include "intercom/net/discovery.h"
#include "intercom/net/proto.h"
#include "intercom/speaker/link.h"
#include "intercom/speaker/rtp_in.h"
#include "intercom/speaker/speaker_state.h"
#include "intercom/speaker/page_priority.h"
#include "intercom/speaker/speaker_ui.h"
#include "intercom/speaker/speaker_view.h"
#include "intercom/tui/frame.h"
#include "intercom/tui/meter_scale.h"
#include "intercom/tui/term.h"

/*
 * How often the loop looks at playback while a page plays, headless: as
 * often as it tells the console (LINK_STATUS_INTERVAL_MS), so both go in
 * one wake-up. Each wake-up costs ~20-30 us here, and at 50 ms the looks
 * were half the speaker's own CPU while playing (docs/BENCHMARKS.md,
 * section 11); drift loses nothing (it averages every buffer between two
 * looks: playback_dac_mean), and the page's end is waited for by its time
 * (PLAYBACK_END_SLACK_MS). A screen looks on every frame it draws.
 */
#define PLAYBACK_POLL_MS LINK_STATUS_INTERVAL_MS
/* Past the time the page's last frame is heard, how often to look for the stream's end. */
#define PLAYBACK_END_SLACK_MS 10
/* Pages written to --save's directory at once; past them a page is not saved (said). */
#define SAVE_JOBS 4
/*
 * At exit, how long the speaker waits for pages still being saved: less than
 * the console's heartbeat timeout, so the console still hears their outcomes
 * and the speaker's bye rather than giving it up as silent.
 */
#define SAVE_EXIT_WAIT_MS 3000
/* A run of volume keys is said and saved once, this long after the last press. */
#define VOLUME_SETTLE_MS 1000
/* Drift: the device's error is averaged over every buffer of this long a window before a correction. */
#define DRIFT_WINDOW_MS 1000
/*
 * An error this large is no drift but a stall (the process stopped, the
 * device underran): drift at 100 ppm takes 100 s to build it and is mended
 * long before, and single frames would take seconds to mend it. Two windows
 * in a row agreeing on it (two seconds: not a blip of the DAC times) put the
 * page back in step at once, by silence or a skip (playout_drift_window).
 */
#define DRIFT_MAX_MS 10
/*
 * Drift builds slowly (100 ppm: 0.5 ms in 5 s) while the DAC times it is
 * judged by jitter from the first buffer: in a page's first seconds a
 * correction would follow the noise, not the drift, and spoil a short page's
 * samples for nothing. Looks begin this far into a page.
 */
#define DRIFT_GRACE_MS 5000
/*
 * An armed output (PREPARE) stays open this long past the time the console
 * said the page would come by, then closes: the recording was cancelled.
 */
#define PREPARE_GRACE_MS 1000
/*
 * What READY adds to the device's latency and one buffer: the page's check
 * (a few ms for 5 s of audio), the loop's pass, and a late callback on a
 * busy machine.
 */
#define READY_SLACK_MS 30
/*
 * A stream that brings no frame for this long has stopped (a console
 * stuck, a link cut without a word): it is refused, and the speaker is free
 * for the next page. A recording sends a frame every 20 ms; 3 s is well
 * before the heartbeat's 5 s would end the link.
 */
#define STREAM_IDLE_MS 3000
/*
 * A live talk's slots are decided this often, and this far ahead of the
 * device's own buffer: a frame has until then to come (else it is
 * concealed), and the loop's wake-ups, 10 ms apart, never leave the output
 * to reach a slot not yet decided.
 */
#define LIVE_FILL_EVERY_MS 10
#define LIVE_FILL_AHEAD_MS 20
/* A live talk's device buffer at most (5 ms: 240 frames at 48 kHz, a quarter of the default chunk). */
#define LIVE_BUFFER_MS 5
/*
 * RTP (--rtp-listen) plays this long behind the arrival of its first
 * packet, unless its latency= says otherwise: the depth of its jitter buffer. A LAN's jitter is a few ms, a
 * sender's own pacing some ms more (ffmpeg -re sends 256 ms bursts), and a
 * loaded host delays a packet by tens of ms; 100 ms rides that out and is
 * below what a listener notices on a page. The output's own latency comes
 * on top (the output is opened first, so it is known).
 */
#define RTP_LATENCY_MS 100
/* An RTP session's timeline at most (its samples are held): a longer one goes on in a new one. */
#define RTP_SESSION_MAX_S 120
/* A sender silent this long has stopped: its session ends (a page from a PBX has no end mark). */
#define RTP_SESSION_IDLE_MS 1000
/* Ctrl-L redraws the whole screen, as in most terminal programs. */
#define KEY_CTRL_L 12

struct speaker {
	struct options opts;
	int signal_fd;
	struct pollset pollset;
	struct speaker_state st;       /* what the log, the screen and the STATUS reports say */

	struct link *link;             /* to the console, or (--legacy) an old server */
	bool realtime_said;            /* the note that the output's threads run at a normal priority */
	char console_addr[300];
	/* No address given: the console is found over mDNS, and followed by name (NULL: an address). */
	struct discovery_browser *browser;

	bool keyed;                    /* --key-file given: only a console that proves it is served */
	struct auth_key key;
	struct identity identity;      /* this speaker's key pair (one per --name) */
	struct trust_list known;       /* known consoles: their keys, pinned on first contact */
	uint8_t console_fp[IDENTITY_FP_BYTES]; /* --console-key, if given */

	int output_device;             /* -1: none, save only */
	char output_name[192];         /* the device, or why there is none */
	struct playback *playback;
	char state_path[PATH_MAX];     /* where the volume is kept; "" if nowhere */
	bool state_save_failed;        /* said once */
	uint64_t volume_changed_ms;    /* a volume or delay key was pressed then; 0: settled */

	/* Priorities (page_priority.h): those announced, and a lower page waiting for the one in hand. */
	struct priority_notes prio_notes;
	enum priority priority;        /* the page in hand's */
	struct {
		bool has;
		uint32_t page_id;
		int16_t *samples;
		size_t frames, bytes;
		struct audio_format fmt;
		enum priority priority;
		bool held;                 /* its COMMIT has not come yet */
	} next;

	/* The last page that decoded: what plays now, and what r plays again. */
	uint32_t page_id;
	int16_t *samples;              /* NULL: no page yet */
	size_t frames;
	struct audio_format fmt;
	bool playing;                  /* the samples are on the output stream */
	bool replay;                   /* ... played again here, not reported */
	/* Timed playout (the page's play-at, mapped through the link's clock). */
	bool timed;                    /* the page in hand has a local target */
	uint64_t play_at_us;           /* its play-at, the console's clock */
	uint64_t target_us;            /* ... here: clock_sync_to_local + the delay trim */
	bool waiting;                  /* received, its stream not started yet (start_due_us) */
	bool held;                     /* ... nor may it start: the console has not committed it */
	uint64_t armed_until_us;       /* an armed output (PREPARE) closes then if no page came */
	/* A page arriving as a stream (link.h stream_*): its frames put back together. */
	struct stream_page *rx;        /* NULL: none arriving */
	uint32_t rx_page;
	uint64_t rx_created_ms;
	struct audio_format rx_fmt;
	uint64_t rx_bytes;             /* what its frames took on the wire */
	uint64_t rx_last_ms;           /* a frame came then (STREAM_IDLE_MS without one ends it) */
	uint64_t rx_status_ms;         /* "receiving" last reported then */
	/* A live talk playing: its timeline is the samples in hand (borrowed from it, not freed). */
	struct stream_live *live;
	bool live_open;                /* its frames still come (no END yet) */
	uint32_t live_latency_ms;
	/*
	 * --rtp-listen: RTP from the network, unauthenticated, played only while
	 * no page of the console has the output (page 0, reported to no one).
	 */
	struct rtp_in *rtp;
	bool rtp_playing;              /* the samples in hand are an RTP session's timeline */
	uint32_t rtp_base;             /* its source's frame index at the timeline's first sample */
	uint32_t rtp_ssrc;
	uint64_t rtp_last_ms;          /* its last packet was taken then */
	uint64_t rtp_held_back;        /* packets that came while a page had the output */
	uint32_t rtp_latency_ms;       /* its first frame plays this long after it came */
	bool rtp_unpaced_said;
	uint64_t held_play_at_us;      /* its play-at, for when it is committed */
	uint64_t start_due_us;         /* the stream starts then */
	bool begun_seen;               /* the callback placed its first sample, and it was looked at */
	bool announced;                /* "playing" said and reported (a timed page: once it is heard) */
	uint64_t late_us;              /* how late it joined (reported through playout_late_ms) */
	double drift_sum;              /* the device's error in frames, summed over drift_n buffers */
	uint64_t drift_n;
	uint64_t drift_since_us;       /* when the window's first buffer came after */
	struct playback_dac_mark drift_mark; /* the buffers averaged so far */
	double skip_said_ms;           /* of the page's stalls the callback skipped (catch-up), said so far */
	int32_t drift_last;            /* the previous window's command (0: inside the deadband) */
	/* The output's stream clock: judged on a timed page, then kept for the device. */
	enum playout_clock device_clock;
	uint64_t play_status_ms;
	bool first_sample_traced;      /* INTERCOM_TRACE (bench) */

	/* The screen (not --headless). */
	bool screen;
	struct speaker_ui *ui;
	struct speaker_view *view;
	struct meter_ballistics meter;
	struct frame_clock frame;
	bool help;

	struct {
		struct job *job;           /* a page being written to --save's directory */
		uint32_t page_id;          /* copies of what the job's page_save says, */
		size_t frames;             /* for when it is abandoned */
		bool outcome;
	} saves[SAVE_JOBS];

	bool once_done;
	bool once_played;
	bool audio_up;                 /* PortAudio is initialised: audio_terminate at the end */
	struct app app;                /* quit, exit code, the fatal message */
};

/* The state machine's words go to the log: stdout headless, the log pane on the screen. */
static void say_cb(const char *line, void *ctx)
{
	(void)ctx;
	log_event("%s", line);
}

/* The console's clock through the link, or NULL (not locked; no console: --rtp-listen alone). */
static const struct clock_sync *speaker_clock(const struct speaker *spk)
{
	return spk->link ? link_clock(spk->link) : NULL;
}

/* A page's progress or outcome, for whatever is at the other end of the link. */
static void send_status(struct speaker *spk, uint32_t page_id, enum proto_page_state state,
                        uint64_t done, uint64_t total, const char *reason)
{
	if (page_id == 0 || !spk->link)
		return; /* RTP (page 0) is no page of the console's; without a console, no one to tell */
	struct proto_status st = { .page_id = page_id, .state = (uint8_t)state, .done = done,
	                           .total = total };
	if ((state == PAGE_PLAYING || state == PAGE_PLAYED) && page_id == spk->page_id)
		st.late_ms = playout_late_ms(spk->late_us);
	snprintf(st.reason, sizeof st.reason, "%s", reason ? reason : "");
	link_report(spk->link, &st);
}

/* INTERCOM_TRACE (bench): reports once when the page's first frames reached the device. */
static void trace_first_sample(struct speaker *spk)
{
	if (!trace_enabled() || spk->first_sample_traced || !spk->playback || spk->replay)
		return;
	uint64_t us = playback_first_sample_us(spk->playback);
	if (us) {
		trace_event_at("first_sample", us, spk->page_id);
		spk->first_sample_traced = true;
	}
}

/* ---- pages ---- */

/* A page's outcome: the state says it, the console hears it, and --once is over. */
static void page_report(struct speaker *spk, uint32_t page_id, enum proto_page_state state,
                        size_t played, size_t frames, const char *reason)
{
	speaker_state_finished(&spk->st, page_id, state, reason);
	send_status(spk, page_id, state, played, frames, reason);
	if (spk->opts.once && !spk->once_done) {
		spk->once_done = true;
		spk->once_played = state == PAGE_PLAYED;
		spk->app.quit = true;
	}
}

/*
 * The page in hand reached an outcome: the stream (if any) stops, the console
 * hears it (a local replay is not reported), the state says it. The samples
 * stay for r.
 */
static void rtp_stop(struct speaker *spk, const char *why);

/* The gain the output plays at now: the volume, or an emergency page's floor above it. */
static void priority_gain(struct speaker *spk)
{
	struct priority_volume v = page_priority_volume(spk->st.volume_db, spk->st.muted, spk->priority,
	                                                spk->opts.emergency_floor_db);
	spk->st.page_priority = (int)spk->priority;
	spk->st.priority_raised = v.raised;
	if (spk->playback)
		playback_set_gain(spk->playback, volume_gain_q24(v.db));
}

/* A timed page's DAC timeline, in the log: what the callbacks' lateness and the host's DAC times were. */
static void log_dac_line(struct speaker *spk)
{
	struct playback_line_stats ls;
	if (!playback_line_stats(spk->playback, &ls))
		return;
	const char *normal = playback_realtime_refused(spk->playback);
	if (normal && !spk->realtime_said) {
		spk->realtime_said = true;
		log_event("note: the output's audio threads run at a normal priority (%s); on a busy machine "
		          "pages start up to a few ms apart from other speakers'", normal);
	}
	char moved[96] = "";
	if (ls.shifts && ls.skipped_ms > 0)
		snprintf(moved, sizeof moved, "; it moved %u time(s), %u underrun(s), skipped %.1f ms to keep time",
		         ls.shifts, ls.underflows, ls.skipped_ms);
	else if (ls.shifts || ls.underflows)
		snprintf(moved, sizeof moved, "; it moved %u time(s), %u underrun(s)", ls.shifts, ls.underflows);
	log_event("page %u: DAC timeline from %u callbacks, late by %.2f ms on average (%.2f at most); "
	          "the host's DAC times %+.2f..%+.2f ms off it%s%s", spk->page_id, ls.wakes, ls.late_mean_ms,
	          ls.late_max_ms, ls.report_min_ms, ls.report_max_ms, moved,
	          ls.placed_by_line ? "" : "; placed by the host's DAC time (no wake had counted yet)");
}

static void page_outcome(struct speaker *spk, enum proto_page_state state, const char *reason)
{
	if (spk->rtp_playing) {
		/* RTP is no page: it stops, said on the screen, reported to no one. */
		rtp_stop(spk, state == PAGE_PLAYED ? "its timeline is full; it goes on in a new one"
		              : reason ? reason : proto_page_state_name(state));
		return;
	}
	size_t played = 0;
	char live_note[128];
	if (spk->live && !spk->replay && (spk->playing || spk->waiting)) {
		/* A live talk's frames that did not make their time: concealed, counted, said. */
		struct stream_live_stats ls = stream_live_stats(spk->live);
		if (state == PAGE_PLAYED && (ls.concealed || ls.late)) {
			snprintf(live_note, sizeof live_note, "live: %llu of %llu frames concealed (%llu came late)",
			         (unsigned long long)ls.concealed, (unsigned long long)(ls.played + ls.concealed),
			         (unsigned long long)ls.late);
			reason = live_note;
			log_event("page %u %s", spk->page_id, live_note);
		}
		spk->live_open = false;
	}
	spk->waiting = spk->held = false;
	if (spk->playing)
		trace_first_sample(spk);
	if (spk->playing && spk->playback) {
		played = playback_frames_played_by_device(spk->playback);
		speaker_state_corrected(&spk->st, spk->replay ? 0 : playback_corrected(spk->playback));
		if (spk->timed && !spk->replay)
			log_dac_line(spk);
	}
	if (state == PAGE_PLAYED)
		played = spk->frames;
	if (spk->playing && spk->playback)
		playback_stop(spk->playback);
	bool replay = spk->playing && spk->replay;
	spk->playing = spk->replay = false;
	speaker_state_progress(&spk->st, played);
	if (replay)
		speaker_state_finished(&spk->st, spk->page_id, state, reason);
	else
		page_report(spk, spk->page_id, state, played, spk->frames, reason);
	/* The page is over: the output goes back to this speaker's own volume. */
	spk->priority = PRIORITY_NORMAL;
	priority_gain(spk);
}

/* A page that arrived but cannot be played: report "rejected: reason", play nothing. */
static void page_reject(struct speaker *spk, uint32_t page_id, size_t bytes, const char *reason)
{
	char why[sizeof ((struct proto_status *)0)->reason];
	snprintf(why, sizeof why, "rejected: %s", reason);
	send_status(spk, page_id, PAGE_FAILED, 0, bytes, why);
	speaker_state_rejected(&spk->st, page_id, clock_wall_ms(), reason);
	if (spk->opts.once && !spk->once_done) {
		spk->once_done = true;
		spk->app.quit = true;
	}
}

static int playback_tick(struct speaker *spk, uint64_t now);

/*
 * The output would not open: PortAudio lists the devices afresh and the device
 * is found again by its name, since one unplugged and plugged back can come back
 * under another index. 0 if there is a device to try again, else -1.
 */
static int output_rescan(struct speaker *spk)
{
	char err[256];
	playback_free(spk->playback);
	spk->playback = NULL;
	audio_terminate();
	if (audio_init(err, sizeof err) < 0)
		return -1;
	int device = audio_find_device(spk->opts.output_device, false, err, sizeof err);
	if (device < 0)
		return -1;
	spk->output_device = device;
	spk->playback = playback_new(device, spk->opts.chunk);
	return spk->playback ? 0 : -1;
}

/*
 * Starts the last page on the output device; replay: asked for here, not
 * reported; when: where its first sample goes (NULL: at once, from the
 * start). 0 or -1.
 */
/*
 * The device buffer a page plays through: --chunk, or for a live talk one
 * of LIVE_BUFFER_MS at most, since each sample waits a buffer at the output
 * on top of the talk's latency.
 */
static int play_chunk(const struct speaker *spk, int rate)
{
	int live = rate * LIVE_BUFFER_MS / 1000;
	return spk->live && live >= CHUNK_MIN && live < spk->opts.chunk ? live : spk->opts.chunk;
}

static int page_play(struct speaker *spk, bool replay, const struct playback_when *when, char *err,
                     size_t errlen)
{
	if (spk->playback)
		playback_set_chunk(spk->playback, play_chunk(spk, spk->fmt.rate));
	if (!spk->playback || playback_start_at(spk->playback, spk->samples, spk->frames, &spk->fmt,
	                                        when, err, errlen) < 0) {
		if (output_rescan(spk) < 0 ||
		    playback_start_at(spk->playback, spk->samples, spk->frames, &spk->fmt, when, err,
		                      errlen) < 0)
			return -1;
		log_event("output device %s opened after listing the audio devices afresh",
		          audio_device_name(spk->output_device));
	}
	spk->playing = true;
	spk->replay = replay;
	spk->play_status_ms = clock_mono_ms();
	/* A timed page is said to play when it is heard (timed_begun); until then it waits. */
	spk->announced = replay || !spk->timed;
	if (spk->announced)
		speaker_state_playing(&spk->st, spk->page_id, spk->frames, replay);
	return 0;
}

/* ---- --save: pages written off the loop ---- */

/* One page to write, owned by its job: the thread touches this and nothing else. */
struct page_save {
	uint32_t page_id;
	size_t frames;            /* the page's, for an outcome said once it is saved */
	bool outcome;             /* no output device: the page's outcome waits for the save */
	char dir[PATH_MAX];
	char name[64];
	uint8_t *wav;             /* a copy: the link's bytes are gone once the page is handed over */
	size_t len;
	int rc;                   /* archive_write's */
	char path[PATH_MAX];
	char err[PATH_MAX + 128];
};

static void page_save_run(void *arg)
{
	struct page_save *s = arg;
	s->rc = archive_write(s->dir, s->name, s->wav, s->len, s->path, sizeof s->path, s->err,
	                      sizeof s->err);
}

static void page_save_free(void *arg)
{
	struct page_save *s = arg;
	free(s->wav);
	free(s);
}

/* A save is over: said, and for a page that could not play, its outcome. */
static void page_save_done(struct speaker *spk, struct page_save *s)
{
	if (s->rc == 0)
		log_event("page %u saved as %s", s->page_id, s->path);
	else
		log_event_at(LOG_PRIORITY_WARNING, "page %u not saved: %s", s->page_id, s->err);
	if (s->outcome)
		page_report(spk, s->page_id, PAGE_FAILED, 0, s->frames,
		            s->rc == 0 ? "saved, not played: no output device"
		                       : "not saved, not played: no output device");
	page_save_free(s);
}

/*
 * Writes a page into the --save directory in a job (job.h), so the write and
 * its fsync never hold up playback, heartbeats or keys. outcome: the page's
 * outcome is said once the file is written (it is not played).
 */
static void page_save(struct speaker *spk, const struct link_page *page, size_t frames, bool outcome)
{
	size_t slot = 0;
	while (slot < SAVE_JOBS && spk->saves[slot].job)
		slot++;
	struct page_save *s = calloc(1, sizeof *s);
	if (!s) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u not saved: out of memory", page->id);
		if (outcome)
			page_report(spk, page->id, PAGE_FAILED, 0, frames, "not saved, not played: no output device");
		return;
	}
	*s = (struct page_save){ .page_id = page->id, .frames = frames, .outcome = outcome, .rc = -1 };
	snprintf(s->dir, sizeof s->dir, "%s", spk->opts.save_dir);
	archive_page_name(page->created_ms, page->id, s->name, sizeof s->name);
	if (slot == SAVE_JOBS) {
		snprintf(s->err, sizeof s->err, "%d saves still under way: the disk is too slow", SAVE_JOBS);
	} else if (!(s->wav = malloc(page->wav_len ? page->wav_len : 1))) {
		snprintf(s->err, sizeof s->err, "out of memory");
	} else {
		memcpy(s->wav, page->wav, page->wav_len);
		s->len = page->wav_len;
		char err[256];
		struct job *job = job_start(page_save_run, s, page_save_free, err, sizeof err);
		if (job) {
			spk->saves[slot].job = job;
			spk->saves[slot].page_id = page->id;
			spk->saves[slot].frames = frames;
			spk->saves[slot].outcome = outcome;
			return;
		}
		page_save_run(s); /* no thread for it: written here, holding the loop this once */
	}
	page_save_done(spk, s);
}

/* The saves that are over, said. */
static void page_saves_poll(struct speaker *spk)
{
	for (size_t i = 0; i < SAVE_JOBS; i++) {
		struct job *job = spk->saves[i].job;
		if (job && job_done(job)) {
			spk->saves[i].job = NULL;
			page_save_done(spk, job_finish(job));
		}
	}
}

/*
 * At exit: saves under way get SAVE_EXIT_WAIT_MS to end. A page still being
 * written after that is said to be perhaps not saved: its job is let go, and
 * the process ends before the file is in place, or just after.
 */
static void page_saves_wait(struct speaker *spk)
{
	uint64_t until = clock_mono_ms() + SAVE_EXIT_WAIT_MS;
	for (;;) {
		page_saves_poll(spk);
		struct pollfd fds[SAVE_JOBS];
		nfds_t n = 0;
		for (size_t i = 0; i < SAVE_JOBS; i++)
			if (spk->saves[i].job)
				fds[n++] = (struct pollfd){ .fd = job_fd(spk->saves[i].job), .events = POLLIN };
		uint64_t now = clock_mono_ms();
		if (n == 0 || now >= until)
			break;
		if (poll(fds, n, (int)(until - now)) < 0 && errno != EINTR)
			break;
	}
	for (size_t i = 0; i < SAVE_JOBS; i++) {
		if (!spk->saves[i].job)
			continue;
		log_event_at(LOG_PRIORITY_WARNING, "page %u may not be saved: its file was still being written %d s after the "
		          "speaker was asked to stop", spk->saves[i].page_id, SAVE_EXIT_WAIT_MS / 1000);
		if (spk->saves[i].outcome)
			page_report(spk, spk->saves[i].page_id, PAGE_FAILED, 0, spk->saves[i].frames,
			            "not played: no output device; the speaker stopped while saving it");
		job_abandon(spk->saves[i].job);
		spk->saves[i].job = NULL;
	}
}

/* The page in hand starts on the device (when: placed, or NULL at once); its outcome if it cannot. */
static void page_begin(struct speaker *spk, const struct playback_when *when)
{
	char err[256];
	if (page_play(spk, false, when, err, sizeof err) < 0) {
		page_outcome(spk, PAGE_FAILED, err);
		return;
	}
	trace_event("stream_started", spk->page_id); /* INTERCOM_TRACE (bench) */
	trace_first_sample(spk);
	if (spk->announced)
		send_status(spk, spk->page_id, PAGE_PLAYING, 0, spk->frames, NULL);
}

/* True if the device's stream clock failed its check: pages start by the loop's timer. */
static bool device_clock_untrusted(const struct speaker *spk)
{
	return spk->device_clock == PLAYOUT_CLOCK_UNTRUSTED || spk->device_clock == PLAYOUT_CLOCK_UNPACED;
}

/*
 * A timed page whose stream is due: on time, it starts placed (or, on a
 * device whose clock is not trusted, at once: this is its target); late, it
 * joins at the frame its timeline has reached while enough is left; else it
 * expired and never plays. A speaker stopped (SIGSTOP) past its page's time
 * comes here late and finds it expired.
 */
static void timed_start(struct speaker *spk, uint64_t now_us)
{
	spk->waiting = false;
	size_t join;
	uint64_t late_us;
	enum playout_decision d = playout_decide(now_us, spk->target_us, spk->frames, spk->fmt.rate,
	                                         &join, &late_us);
	if (d == PLAYOUT_EXPIRED) {
		char why[96];
		snprintf(why, sizeof why, "its time passed %.1f s ago", late_us / 1e6);
		page_outcome(spk, PAGE_EXPIRED, why);
		return;
	}
	struct playback_when when = { .start_frame = join };
	if (!device_clock_untrusted(spk)) {
		/* The moment the join frame is due: the callback places it there. */
		when.target_us = spk->target_us + (uint64_t)join * 1000000u / (uint64_t)spk->fmt.rate;
	}
	spk->late_us = d == PLAYOUT_LATE_JOIN ? late_us : 0;
	page_begin(spk, &when);
}

/* A page waiting for its time: starts it when due. Returns ms until then (-1: none waiting). */
static int timed_tick(struct speaker *spk, uint64_t now_us)
{
	if (!spk->waiting || spk->held)
		return -1;
	if (now_us >= spk->start_due_us) {
		timed_start(spk, now_us);
		return -1;
	}
	return (int)((spk->start_due_us - now_us + 999) / 1000);
}

/*
 * The page just received: muted, it is reported so; with a play-at and a
 * clock, it waits for its time (its stream starts PLAYOUT_LEAD_MS ahead, or at
 * the time itself on a device whose clock is not trusted); else it plays at
 * once.
 */
static void page_start_local(struct speaker *spk, uint64_t target_us);

static void page_start(struct speaker *spk, uint64_t play_at_us)
{
	spk->timed = spk->waiting = spk->begun_seen = false;
	spk->late_us = 0;
	spk->drift_sum = 0;
	spk->drift_n = 0;
	spk->drift_last = 0;
	spk->drift_since_us = 0;
	spk->drift_mark = (struct playback_dac_mark){ 0 };
	spk->skip_said_ms = 0;
	if (!page_priority_volume(spk->st.volume_db, spk->st.muted, spk->priority, spk->opts.emergency_floor_db).play) {
		page_outcome(spk, PAGE_MUTED, "muted on the speaker");
		return;
	}
	priority_gain(spk);
	if (spk->st.priority_raised)
		log_event_at(LOG_PRIORITY_NOTICE, "page %u is an EMERGENCY: it plays at %d dB at least%s", spk->page_id, spk->opts.emergency_floor_db,
		          spk->st.muted ? ", muted as this speaker is" : "");
	const struct clock_sync *cs = speaker_clock(spk);
	if (!play_at_us || !cs) {
		page_begin(spk, NULL);
		return;
	}
	spk->play_at_us = play_at_us;
	page_start_local(spk, clock_sync_to_local(cs, play_at_us) + (uint64_t)spk->st.delay_ms * 1000u);
}

/* The samples in hand wait for target_us (this host's clock), then play from there. */
static void page_start_local(struct speaker *spk, uint64_t target_us)
{
	spk->timed = true;
	spk->target_us = target_us;
	uint64_t lead = device_clock_untrusted(spk) ? 0 : PLAYOUT_LEAD_MS * 1000u;
	spk->start_due_us = spk->target_us > lead ? spk->target_us - lead : 0;
	/* An armed stream takes the page as it runs: attached at once, placed by the callback. */
	if (spk->playback && playback_armed(spk->playback) && !device_clock_untrusted(spk))
		spk->start_due_us = 0;
	spk->waiting = true;
	timed_tick(spk, clock_mono_us());
}

/*
 * A page's WAV is in, from a console or an old server (link.h): check it, play
 * it (unless muted), save it. 0 if it was taken (played, muted, or saved with
 * no output device), -1 if rejected (why says why).
 */
static void samples_drop(struct speaker *spk);

/* The page waiting its turn, forgotten (reported state, why) if there is one. */
static void next_drop(struct speaker *spk, enum proto_page_state state, const char *why)
{
	if (!spk->next.has)
		return;
	page_report(spk, spk->next.page_id, state, 0, spk->next.frames, why);
	free(spk->next.samples);
	spk->next.samples = NULL;
	spk->next.has = false;
}

/* A page of lower priority than the one in hand: it waits its turn (a newer one takes its place). */
static void next_keep(struct speaker *spk, const struct link_page *page, int16_t *samples, size_t frames,
                      const struct audio_format *fmt, enum priority p)
{
	next_drop(spk, PAGE_INTERRUPTED, "a newer page took its place in the wait");
	spk->next.has = true;
	spk->next.page_id = page->id;
	spk->next.samples = samples;
	spk->next.frames = frames;
	spk->next.bytes = page->bytes;
	spk->next.fmt = *fmt;
	spk->next.priority = p;
	spk->next.held = page->held;
	log_event("page %u (%s) waits: page %u (%s) plays first", page->id, priority_name(p), spk->page_id,
	          priority_name(spk->priority));
	if (spk->opts.save_dir[0] && spk->output_device >= 0)
		page_save(spk, page, frames, false);
}

/* The page in hand has ended: the one waiting its turn (committed) plays now, from its start. */
static int next_tick(struct speaker *spk)
{
	if (!spk->next.has)
		return -1;
	if (spk->next.held && spk->st.link != SPEAKER_LINK_READY) {
		next_drop(spk, PAGE_FAILED, "the link dropped before the console confirmed the page");
		return -1;
	}
	if (spk->playing || spk->waiting)
		return 50;
	if (spk->next.held)
		return -1;
	samples_drop(spk);
	spk->next.has = false;
	spk->page_id = spk->next.page_id;
	spk->samples = spk->next.samples;
	spk->next.samples = NULL;
	spk->frames = spk->next.frames;
	spk->fmt = spk->next.fmt;
	spk->priority = spk->next.priority;
	spk->first_sample_traced = false;
	speaker_state_received(&spk->st, spk->page_id, clock_wall_ms(), &spk->fmt, spk->frames, spk->next.bytes);
	log_event("page %u plays now, after the page before it", spk->page_id);
	page_start(spk, 0);
	return -1;
}

/*
 * A page checked whole, its samples taken over: "received", then it plays
 * (or waits for its time, or its COMMIT) and is saved alongside.
 */
static void page_take(struct speaker *spk, const struct link_page *page, int16_t *samples, size_t frames,
                      const struct audio_format *fmt)
{
	uint32_t page_id = page->id;
	/* Checked and taken: now, and only now, "received" (the console's "delivered"). */
	send_status(spk, page_id, PAGE_RECEIVED, page->bytes, page->bytes, NULL);
	/*
	 * The newer page wins: the one playing is cut off and reported as
	 * interrupted, unless it has just ended (the loop may not have looked since).
	 */
	if (spk->playing)
		playback_tick(spk, clock_mono_ms());
	enum priority incoming = priority_notes_get(&spk->prio_notes, page_id);
	bool busy = (spk->playing && !spk->replay) || spk->waiting;
	if (page_priority_decide(busy, spk->priority, incoming) == PRIORITY_WAIT) {
		next_keep(spk, page, samples, frames, fmt, incoming);
		return;
	}
	if (spk->playing || spk->waiting)
		page_outcome(spk, PAGE_INTERRUPTED, "a newer page arrived");
	spk->priority = incoming;
	speaker_state_received(&spk->st, page_id, clock_wall_ms(), fmt, frames, page->bytes);
	samples_drop(spk);
	spk->page_id = page_id;
	spk->first_sample_traced = false;
	spk->samples = samples;
	spk->frames = frames;
	spk->fmt = *fmt;
	if (spk->output_device < 0) {
		/* Saving is all it does: its outcome is said once the file is written. */
		page_save(spk, page, frames, true);
		return;
	}
	if (page->held) {
		/* Whole and checked; it waits for the console's word that it is archived. */
		spk->waiting = spk->held = true;
		spk->held_play_at_us = page->play_at_us;
	} else {
		page_start(spk, page->play_at_us);
	}
	/* Playback first; the file is written alongside. */
	if (spk->opts.save_dir[0])
		page_save(spk, page, frames, false);
}

static int page_accept(struct speaker *spk, const struct link_page *page, char *why, size_t whylen)
{
	struct wav_info info;
	int16_t *samples;
	if (wav_decode_s16(page->wav, page->wav_len, &samples, &info, why, whylen) < 0) {
		page_reject(spk, page->id, page->bytes, why);
		return -1;
	}
	trace_event("decoded", page->id); /* INTERCOM_TRACE (bench) */
	struct audio_format fmt = { .rate = info.rate, .channels = info.channels };
	page_take(spk, page, samples, info.frames, &fmt);
	return 0;
}

/* The samples in hand go: freed, or, a live talk's timeline, with its stream. */
static void samples_drop(struct speaker *spk)
{
	if (spk->live)
		stream_live_free(spk->live);
	else
		free(spk->samples);
	spk->live = NULL;
	spk->live_open = false;
	spk->samples = NULL;
}

/* ---- streamed pages ---- */

/* The stream arriving is over: forgotten (its outcome, if any, was said by the caller). */
static void rx_free(struct speaker *spk)
{
	stream_page_free(spk->rx);
	spk->rx = NULL;
}

/* The stream arriving cannot become a page (why): refused like a bad PAGE. */
static void rx_reject(struct speaker *spk, const char *why)
{
	page_reject(spk, spk->rx_page, (size_t)spk->rx_bytes, why);
	rx_free(spk);
}

/* "receiving n%": on the screen at once, to the console at most every LINK_STATUS_INTERVAL_MS. */
static void rx_progress(struct speaker *spk, bool force)
{
	size_t have = stream_page_have(spk->rx), max = stream_page_max(spk->rx);
	speaker_state_receiving(&spk->st, spk->rx_page, have, max);
	uint64_t now = clock_mono_ms();
	if (!force && now - spk->rx_status_ms < LINK_STATUS_INTERVAL_MS)
		return;
	spk->rx_status_ms = now;
	send_status(spk, spk->rx_page, PAGE_RECEIVING, have, max, NULL);
}

static void arm_output(struct speaker *spk, int rate, int channels, uint64_t until_local_us);

/* ---- live talk ---- */

/*
 * The stream time (µs since the talk's first sample, as its frames count
 * it) whose slot must be decided now: what the output will take next, a
 * device buffer and a margin ahead of the sample playing.
 */
static uint64_t live_due_us(struct speaker *spk)
{
	/*
	 * RTP decides its slots half its latency ahead: its frames are held that
	 * long anyway, and a loop held up (a busy host) for less than that loses
	 * none of them to the output passing the slots not yet decided.
	 */
	uint64_t ahead_us = spk->rtp_playing ? spk->rtp_latency_ms * 500u : LIVE_FILL_AHEAD_MS * 1000u;
	uint64_t lead = playback_armed_lead_us(spk->playback) + ahead_us;
	uint64_t now = clock_mono_us() + lead;
	return now > spk->target_us ? now - spk->target_us : 0;
}

/*
 * A live talk begins: its timeline becomes the samples in hand, placed so
 * that each sample plays at its capture time plus the latency (through the
 * shared clock), and filled as its frames come; a frame late for its slot
 * is concealed, never played late.
 */
static void live_begin(struct speaker *spk, const struct proto_stream_begin *b)
{
	const struct clock_sync *cs = speaker_clock(spk);
	char why[160];
	if (!cs || !spk->playback || spk->device_clock == PLAYOUT_CLOCK_UNPACED) {
		page_reject(spk, b->page_id, 0,
		            !cs ? "a live talk needs the console's clock, not locked yet"
		            : !spk->playback ? "a live talk needs an output device"
		                             : "the output device takes audio faster than real time (a file?): a live "
		                               "talk cannot play on it");
		return;
	}
	if (spk->playing)
		playback_tick(spk, clock_mono_ms());
	enum priority incoming = priority_notes_get(&spk->prio_notes, b->page_id);
	bool busy = (spk->playing && !spk->replay) || spk->waiting;
	if (page_priority_decide(busy, spk->priority, incoming) == PRIORITY_WAIT) {
		/* A live talk cannot wait its turn: it is not played here. */
		char busy_why[96];
		snprintf(busy_why, sizeof busy_why, "not played: a %s page was playing", priority_name(spk->priority));
		send_status(spk, b->page_id, PAGE_FAILED, 0, 0, busy_why);
		log_event("live talk %u %s", b->page_id, busy_why);
		return;
	}
	if (spk->playing || spk->waiting)
		page_outcome(spk, PAGE_INTERRUPTED, "a live talk began");
	spk->priority = incoming;
	struct stream_codec_params params = { .codec = (enum stream_codec_id)b->codec, .rate = (int)b->rate,
	                                      .channels = b->channels };
	struct stream_live *sl = stream_codec_name(params.codec) ? stream_live_new(&params, b->max_frames, why, sizeof why)
	                                                         : NULL;
	if (!sl) {
		if (!stream_codec_name(params.codec))
			snprintf(why, sizeof why, "unknown codec %u", b->codec);
		page_reject(spk, b->page_id, 0, why);
		return;
	}
	struct audio_format fmt = { .rate = (int)b->rate, .channels = b->channels };
	samples_drop(spk);
	spk->live = sl;
	spk->live_open = true;
	spk->live_latency_ms = b->latency_us / 1000u;
	spk->samples = (int16_t *)(uintptr_t)stream_live_samples(sl);
	spk->page_id = b->page_id;
	spk->first_sample_traced = false;
	spk->frames = stream_live_capacity(sl);
	spk->fmt = fmt;
	spk->rx_last_ms = clock_mono_ms();
	speaker_state_live(&spk->st, b->page_id, clock_wall_ms(), &fmt, spk->live_latency_ms);
	if (!page_priority_volume(spk->st.volume_db, spk->st.muted, spk->priority, spk->opts.emergency_floor_db).play) {
		page_outcome(spk, PAGE_MUTED, "muted on the speaker");
		return;
	}
	uint64_t delay_us = (uint64_t)stream_live_delay(sl) * 1000000u / (uint64_t)fmt.rate;
	page_start(spk, b->capture_us + b->latency_us - delay_us);
}

static void live_data(struct speaker *spk, const struct proto_stream_data *d)
{
	uint64_t due = live_due_us(spk);
	size_t at = 0;
	const uint8_t *bytes;
	size_t len;
	for (uint32_t seq = d->first_seq; proto_stream_data_next(d, &at, &bytes, &len); seq++)
		stream_live_put(spk->live, due, seq, bytes, len);
	spk->rx_last_ms = clock_mono_ms();
}

/* The talk ends: it plays to its last sample (aborted: it stops now). */
static void live_end(struct speaker *spk, const struct proto_stream_end *e)
{
	spk->live_open = false;
	if (e->outcome == STREAM_ABORTED) {
		page_outcome(spk, PAGE_CANCELLED, *e->reason ? e->reason : "by the console");
		return;
	}
	size_t end = stream_live_delay(spk->live) + e->frames;
	if (end < spk->frames) {
		spk->frames = end;
		if (spk->playing && !spk->replay)
			playback_set_end(spk->playback, end);
	}
	send_status(spk, spk->page_id, PAGE_RECEIVED, 0, 0, NULL);
}

/* While a live talk plays: its slots are decided as they fall due. Returns ms until the next look. */
static int live_tick(struct speaker *spk)
{
	if (!spk->live || spk->replay || (!spk->playing && !spk->waiting))
		return -1;
	if (spk->live_open && clock_mono_ms() - spk->rx_last_ms > STREAM_IDLE_MS) {
		page_outcome(spk, PAGE_FAILED, "the live talk stopped arriving");
		spk->live_open = false;
		return -1;
	}
	size_t played = 0;
	if (spk->playing)
		playback_poll(spk->playback, &played);
	stream_live_fill(spk->live, live_due_us(spk), played);
	return LIVE_FILL_EVERY_MS;
}

/* ---- RTP (--rtp-listen) ---- */

/* The RTP session stops (why): its stream and timeline go; said on the screen, reported to no one. */
static void rtp_stop(struct speaker *spk, const char *why)
{
	if (!spk->rtp_playing)
		return;
	if (spk->playing && spk->playback)
		playback_stop(spk->playback);
	spk->playing = spk->waiting = spk->replay = spk->timed = false;
	spk->rtp_playing = false;
	/* Its frames that did not make their time (lost, late), said with why it stopped. */
	struct stream_live_stats ls = stream_live_stats(spk->live);
	char line[256];
	snprintf(line, sizeof line, "%s (%llu frames played, %llu concealed: %llu came late, %llu refused)", why,
	         (unsigned long long)ls.played, (unsigned long long)ls.concealed, (unsigned long long)ls.late,
	         (unsigned long long)ls.refused);
	samples_drop(spk);
	speaker_state_rtp_stopped(&spk->st, line);
}

/*
 * A page of the console has the output, or is on its way (a stream
 * arriving, the output armed for a recording): RTP waits. An authenticated
 * page is never cut by RTP; RTP is cut by any page.
 */
static bool page_has_output(const struct speaker *spk)
{
	return spk->playing || spk->waiting || spk->rx != NULL ||
	       (spk->playback && playback_armed(spk->playback));
}

/* A session begins with this packet: a timeline at the codec's rate, played RTP_LATENCY_MS behind. */
static bool rtp_begin(struct speaker *spk, const char *from, const struct rtp_depack_out *out)
{
	int rate = rtp_in_rate(spk->rtp);
	struct stream_codec_params params = { .codec = STREAM_CODEC_PCM, .rate = rate, .channels = 1 };
	char why[160];
	struct stream_live *sl = stream_live_new(&params, (uint32_t)rate * RTP_SESSION_MAX_S, why, sizeof why);
	if (!sl) {
		log_event_at(LOG_PRIORITY_NOTICE, "RTP from %s not played: %s", from, why);
		return false;
	}
	samples_drop(spk);
	spk->live = sl;
	spk->live_open = false; /* its end is the sender's silence (rtp_tick), not an END */
	spk->samples = (int16_t *)(uintptr_t)stream_live_samples(sl);
	spk->frames = stream_live_capacity(sl);
	spk->fmt = (struct audio_format){ .rate = rate, .channels = 1 };
	spk->page_id = 0;
	spk->rtp_playing = true;
	spk->rtp_base = out->first;
	spk->rtp_ssrc = out->ssrc;
	spk->begun_seen = false;
	spk->late_us = 0;
	spk->drift_sum = 0;
	spk->drift_n = 0;
	spk->drift_last = 0;
	spk->drift_since_us = 0;
	spk->drift_mark = (struct playback_dac_mark){ 0 };
	/*
	 * Its output opened first (armed), so the device's own latency is known:
	 * the first frame plays RTP_LATENCY_MS after it came plus that latency,
	 * and the jitter buffer keeps its whole depth for the network.
	 */
	playback_set_chunk(spk->playback, play_chunk(spk, rate));
	uint64_t lead_us = 0;
	if (playback_arm(spk->playback, &spk->fmt, why, sizeof why) == 0)
		lead_us = playback_armed_lead_us(spk->playback);
	else
		log_event_at(LOG_PRIORITY_WARNING, "RTP: the output did not open ahead (%s): it starts cold", why);
	uint32_t latency_ms = spk->opts.rtp_listen.latency_ms ? (uint32_t)spk->opts.rtp_listen.latency_ms
	                                                       : RTP_LATENCY_MS;
	spk->rtp_latency_ms = latency_ms;
	speaker_state_rtp(&spk->st, from, &spk->fmt, latency_ms);
	page_start_local(spk, clock_mono_us() + lead_us + (latency_ms + (uint64_t)spk->st.delay_ms) * 1000u);
	return spk->rtp_playing;
}

/* A packet of RTP was taken (rtp_in): its frames go into the session's jitter buffer. */
static void rtp_packet_cb(void *ctx, const char *from, const struct rtp_depack_out *out)
{
	struct speaker *spk = ctx;
	if (spk->rtp_playing && (out->new_source || out->ssrc != spk->rtp_ssrc))
		rtp_stop(spk, "another stream began");
	if (!spk->rtp_playing) {
		if (spk->device_clock == PLAYOUT_CLOCK_UNPACED) {
			if (!spk->rtp_unpaced_said)
				log_event_at(LOG_PRIORITY_WARNING, "RTP cannot play here: the output device takes audio faster than real time (a file?)");
			spk->rtp_unpaced_said = true;
			return;
		}
		if (page_has_output(spk) || spk->st.muted || !spk->playback) {
			spk->rtp_held_back++;
			return;
		}
		if (!rtp_begin(spk, from, out))
			return;
	}
	spk->rtp_last_ms = clock_mono_ms();
	size_t fs = rtp_in_frame_samples(spk->rtp);
	uint64_t due = live_due_us(spk);
	uint8_t bytes[2 * 960]; /* one frame, 16-bit little-endian as the pcm stream codec takes it */
	if (fs > sizeof bytes / 2)
		return;
	for (size_t k = 0; k < out->count; k++) {
		uint32_t seq = out->first + (uint32_t)k - spk->rtp_base;
		if ((int32_t)seq < 0)
			continue; /* before the session's first frame: its time was never on this timeline */
		for (size_t i = 0; i < fs; i++) {
			uint16_t v = (uint16_t)out->samples[k * fs + i];
			bytes[2 * i] = (uint8_t)v;
			bytes[2 * i + 1] = (uint8_t)(v >> 8);
		}
		stream_live_put(spk->live, due, seq, bytes, 2 * fs);
	}
}

/* An RTP session whose sender fell silent ends. Returns ms until it looks again (-1: none). */
static int rtp_tick(struct speaker *spk, uint64_t now)
{
	if (!spk->rtp_playing)
		return -1;
	if (now - spk->rtp_last_ms >= RTP_SESSION_IDLE_MS) {
		rtp_stop(spk, "its packets stopped");
		return -1;
	}
	return (int)(spk->rtp_last_ms + RTP_SESSION_IDLE_MS - now);
}

/*
 * link.h: a page begins as a stream. Its frames are put back together as
 * they come; the output opens meanwhile, as for PREPARE (the stream is its
 * own notice), for as long as the page can last.
 */
static void speaker_stream_begin_cb(void *ctx, const struct proto_stream_begin *b)
{
	struct speaker *spk = ctx;
	if (spk->rx)
		rx_reject(spk, "a newer stream began before it ended");
	if (b->live) {
		live_begin(spk, b);
		return;
	}
	struct stream_codec_params params = { .codec = (enum stream_codec_id)b->codec, .rate = (int)b->rate,
	                                      .channels = b->channels };
	char why[160];
	spk->rx_page = b->page_id;
	spk->rx_bytes = 0;
	if (!stream_codec_name(params.codec)) {
		snprintf(why, sizeof why, "unknown codec %u", b->codec);
		page_reject(spk, b->page_id, 0, why);
		return;
	}
	spk->rx = stream_page_new(&params, b->max_frames, why, sizeof why);
	if (!spk->rx) {
		page_reject(spk, b->page_id, 0, why);
		return;
	}
	spk->rx_created_ms = b->created_ms;
	spk->rx_fmt = (struct audio_format){ .rate = (int)b->rate, .channels = b->channels };
	spk->rx_last_ms = clock_mono_ms();
	rx_progress(spk, true);
	uint64_t lasts_us = (uint64_t)b->max_frames * 1000000u / b->rate;
	arm_output(spk, (int)b->rate, b->channels, clock_mono_us() + lasts_us + PREPARE_SEND_BY_MS * 1000u);
}

/* link.h: frames of the stream arriving; one that does not fit it refuses the page. */
static void speaker_stream_data_cb(void *ctx, const struct proto_stream_data *d)
{
	struct speaker *spk = ctx;
	if (spk->live_open && d->page_id == spk->page_id) {
		live_data(spk, d);
		return;
	}
	if (!spk->rx || d->page_id != spk->rx_page)
		return; /* a stream already refused or ended: the rest of its frames */
	size_t at = 0;
	const uint8_t *bytes;
	size_t len;
	char why[160];
	for (uint32_t seq = d->first_seq; proto_stream_data_next(d, &at, &bytes, &len); seq++) {
		if (stream_page_add(spk->rx, seq, bytes, len, why, sizeof why) < 0) {
			rx_reject(spk, why);
			return;
		}
		spk->rx_bytes += len;
	}
	spk->rx_last_ms = clock_mono_ms();
	rx_progress(spk, false);
}

/* link.h: the stream ends: a whole page, taken like a PAGE (held for its COMMIT), or dropped. */
static void speaker_stream_end_cb(void *ctx, const struct proto_stream_end *e)
{
	struct speaker *spk = ctx;
	if (spk->live_open && e->page_id == spk->page_id) {
		live_end(spk, e);
		return;
	}
	if (!spk->rx || e->page_id != spk->rx_page)
		return;
	if (e->outcome == STREAM_ABORTED) {
		page_report(spk, spk->rx_page, PAGE_CANCELLED, 0, 0, *e->reason ? e->reason : "by the console");
		rx_free(spk);
		return;
	}
	char why[160];
	int16_t *samples = stream_page_finish(spk->rx, e->count, e->frames, why, sizeof why);
	if (!samples) {
		rx_reject(spk, why);
		return;
	}
	trace_event("page_whole", e->page_id); /* INTERCOM_TRACE (bench) */
	struct link_page page = { .id = e->page_id, .created_ms = spk->rx_created_ms,
	                          .play_at_us = e->play_at_us, .bytes = (size_t)spk->rx_bytes, .held = true };
	uint8_t *wav = NULL;
	/* --save, and a speaker without an output, keep the page as a WAV file. */
	if ((spk->opts.save_dir[0] || spk->output_device < 0) &&
	    wav_encode_s16(samples, e->frames, spk->rx_fmt.rate, spk->rx_fmt.channels, &wav, &page.wav_len) == 0)
		page.wav = wav;
	rx_free(spk);
	struct audio_format fmt = spk->rx_fmt;
	page_take(spk, &page, samples, e->frames, &fmt);
	free(wav);
}

/*
 * A stream that stopped arriving (STREAM_IDLE_MS without a frame: a console
 * stuck, a link cut without a word), or whose link dropped, ends: refused.
 */
static void rx_check(struct speaker *spk, uint64_t now)
{
	if (!spk->rx)
		return;
	if (spk->st.link != SPEAKER_LINK_READY) {
		rx_reject(spk, "the link dropped before the stream ended");
	} else if (now - spk->rx_last_ms > STREAM_IDLE_MS) {
		char why[96];
		snprintf(why, sizeof why, "the stream stopped arriving: no frame for %g s", STREAM_IDLE_MS / 1000.0);
		rx_reject(spk, why);
	}
}

/* link.h: the console's word on the page held: it starts at its time, or never. */
static void speaker_commit_cb(void *ctx, uint32_t page_id, bool play, uint64_t play_at_us,
                              const char *why)
{
	struct speaker *spk = ctx;
	if (spk->next.has && spk->next.held && page_id == spk->next.page_id) {
		/* The page waiting its turn: it may play once it comes, or never. */
		if (!play)
			next_drop(spk, PAGE_CANCELLED, *why ? why : "by the console, which gave no reason");
		else
			spk->next.held = false;
		return;
	}
	if (!spk->held || page_id != spk->page_id)
		return; /* an older page's, cut off by a newer one */
	if (!play) {
		page_outcome(spk, PAGE_CANCELLED, *why ? why : "by the console, which gave no reason");
		return;
	}
	spk->held = spk->waiting = false;
	page_start(spk, play_at_us && spk->held_play_at_us ? play_at_us : spk->held_play_at_us);
}

/*
 * link.h: a page is being recorded. The output opens now and plays silence,
 * so the page's first sample only waits for the device's latency once it is
 * here, not for a cold start; the console is told how soon that is (READY).
 * Only on a device whose clock has been judged good on a page before (an
 * unpaced or untrusted one gains nothing from running early), and not while
 * a page plays or waits (the new one cuts it off when it comes).
 */
static void arm_output(struct speaker *spk, int rate, int channels, uint64_t until_local_us)
{
	const struct clock_sync *cs = speaker_clock(spk);
	if (!cs || !spk->playback || spk->st.muted || spk->playing || spk->waiting ||
	    spk->device_clock != PLAYOUT_CLOCK_OK)
		return;
	struct audio_format fmt = { .rate = rate, .channels = channels };
	char err[256];
	playback_set_chunk(spk->playback, spk->opts.chunk); /* a page's (a live talk is never armed) */
	if (playback_arm(spk->playback, &fmt, err, sizeof err) < 0) {
		log_event_at(LOG_PRIORITY_WARNING, "cannot ready the output for the page being recorded: %s", err);
		return;
	}
	spk->armed_until_us = until_local_us + PREPARE_GRACE_MS * 1000u;
	link_say_ready(spk->link, playback_armed_lead_us(spk->playback) + READY_SLACK_MS * 1000u,
	               clock_sync_to_remote(cs, until_local_us));
}

static void speaker_prepare_cb(void *ctx, int rate, int channels, uint64_t until_us)
{
	struct speaker *spk = ctx;
	const struct clock_sync *cs = speaker_clock(spk);
	rtp_stop(spk, "a page of the console is coming");
	if (cs)
		arm_output(spk, rate, channels, clock_sync_to_local(cs, until_us));
}

/* An armed output no page came for (the recording was cancelled, or went elsewhere) closes. */
static void armed_check(struct speaker *spk, uint64_t now_us)
{
	if (spk->playback && !spk->playing && !spk->waiting && playback_armed(spk->playback) &&
	    now_us > spk->armed_until_us)
		playback_stop(spk->playback);
}

/*
 * A held page whose link dropped: its word will never come (the console
 * forgets a page's link when it goes), so it is dropped, never played.
 */
static void held_check(struct speaker *spk)
{
	if (spk->held && spk->st.link != SPEAKER_LINK_READY)
		page_outcome(spk, PAGE_FAILED, "the link dropped before the console confirmed the page");
}

/* link.h: a page arrived. */
static int speaker_page_cb(void *ctx, const struct link_page *page, char *why, size_t whylen)
{
	return page_accept(ctx, page, why, whylen);
}

/* link.h: bytes arrived that are no page at all. */
static void speaker_rejected_cb(void *ctx, uint32_t page_id, size_t bytes, const char *reason)
{
	page_reject(ctx, page_id, bytes, reason);
}

/* The console's key is not the one trusted: said, kept for after the screen, and no retry. */
static void speaker_untrusted_cb(void *ctx, const char *why)
{
	struct speaker *spk = ctx;
	app_fail(&spk->app, "%s", why);
	spk->app.exit_code = EXIT_IDENTITY;
}

/* link.h: the priority of a page about to come. */
static void speaker_priority_cb(void *ctx, uint32_t page_id, uint8_t priority)
{
	struct speaker *spk = ctx;
	priority_notes_put(&spk->prio_notes, page_id, (enum priority)priority);
}

static const struct link_owner speaker_link_owner = {
	.page = speaker_page_cb,
	.priority = speaker_priority_cb,
	.rejected = speaker_rejected_cb,
	.commit = speaker_commit_cb,
	.prepare = speaker_prepare_cb,
	.stream_begin = speaker_stream_begin_cb,
	.stream_data = speaker_stream_data_cb,
	.stream_end = speaker_stream_end_cb,
	.untrusted = speaker_untrusted_cb,
};

/* A timed page is heard: "playing" said and reported, with how late it joined. Once. */
static void timed_announce(struct speaker *spk)
{
	if (spk->announced)
		return;
	spk->announced = true;
	if (spk->rtp_playing)
		return; /* said when it began (speaker_state_rtp) */
	speaker_state_playing(&spk->st, spk->page_id, spk->frames, false);
	uint32_t late_ms = playout_late_ms(spk->late_us);
	if (late_ms > 0)
		speaker_state_joined_late(&spk->st, spk->page_id, late_ms);
	spk->play_status_ms = clock_mono_ms();
	send_status(spk, spk->page_id, PAGE_PLAYING, 0, spk->frames, NULL);
}

/*
 * A timed page's stream, once the callback placed its first sample: how late
 * it joined, or expired after all when the stream found its time long past
 * (a speaker stopped in the last PLAYOUT_LEAD_MS). Once its first sample is
 * heard (the target reached) it is said and reported playing, with how late
 * it joined (STATUS late_ms). Returns false if the page ended here.
 */
static bool timed_begun(struct speaker *spk, uint64_t now_us)
{
	size_t skipped;
	if (!spk->begun_seen) {
		if (!playback_begun(spk->playback, &skipped))
			return true;
		spk->begun_seen = true;
		uint64_t late_us = spk->late_us + (uint64_t)skipped * 1000000u / (uint64_t)spk->fmt.rate;
		size_t frame;
		uint64_t late;
		if (late_us && playout_decide(spk->target_us + late_us, spk->target_us, spk->frames,
		                              spk->fmt.rate, &frame, &late) == PLAYOUT_EXPIRED) {
			char why[96];
			snprintf(why, sizeof why, "its time passed %.1f s ago", late_us / 1e6);
			page_outcome(spk, PAGE_EXPIRED, why);
			return false;
		}
		spk->late_us = late_us;
	}
	/* An unpaced device has no time to wait for: it plays as it starts. */
	if (now_us >= spk->target_us || playback_clock(spk->playback) == PLAYOUT_CLOCK_UNPACED)
		timed_announce(spk);
	return true;
}

/*
 * The output's stream clock, as the callback judged it: kept for the device
 * (said once when it cannot be trusted, with what the timer's starts cost).
 * A stream waiting on an untrusted clock is started by this timer at the
 * target. Returns ms until the target while it waits that way, else -1.
 */
static int timed_clock(struct speaker *spk, uint64_t now_us)
{
	enum playout_clock v = playback_clock(spk->playback);
	if (v != PLAYOUT_CLOCK_UNKNOWN && v != spk->device_clock) {
		spk->device_clock = v;
		if (device_clock_untrusted(spk))
			speaker_state_device_clock_unreliable(
			    &spk->st, (unsigned)(playback_start_cost_ms(spk->playback) + 1.0));
	}
	if (v != PLAYOUT_CLOCK_UNTRUSTED || playback_begun(spk->playback, NULL))
		return -1;
	if (now_us >= spk->target_us) {
		playback_go(spk->playback);
		return -1;
	}
	return (int)((spk->target_us - now_us + 999) / 1000);
}

/*
 * Drift: where the console's timeline says the device should be against
 * the frame its DAC reaches. The error (positive: ahead) is averaged over
 * every buffer of a window (DRIFT_WINDOW_MS: the mean frame and DAC time of
 * the buffers since the last look are one point of the timeline, which is
 * linear, so their mean error is its error); when two windows in a row are
 * out of the deadband on the same side, single frames are repeated or
 * dropped, one per PLAYOUT_CORRECT_EVERY_MS, by the callback, for the
 * smaller of the two.
 */
static void timed_drift(struct speaker *spk, uint64_t now_us)
{
	const struct clock_sync *cs = spk->rtp_playing ? NULL : speaker_clock(spk); /* RTP: no console timeline */
	uint64_t mono_us;
	double frame;
	int rate = spk->fmt.rate;
	if (!cs || spk->device_clock != PLAYOUT_CLOCK_OK)
		return;
	size_t n = playback_dac_mean(spk->playback, &spk->drift_mark, &mono_us, &frame);
	if (!n || frame < (double)rate * DRIFT_GRACE_MS / 1000.0) {
		/* Nothing (new) to count, or too early in the page: a window starts after it. */
		if (!spk->drift_n)
			spk->drift_since_us = now_us;
		return;
	}
	uint64_t remote = spk->play_at_us + (uint64_t)(frame * 1e6 / rate);
	uint64_t expected = clock_sync_to_local(cs, remote) + (uint64_t)spk->st.delay_ms * 1000u;
	spk->drift_sum += ((double)expected - (double)mono_us) * rate / 1e6 * (double)n;
	spk->drift_n += n;
	if (now_us - spk->drift_since_us < (uint64_t)DRIFT_WINDOW_MS * 1000u)
		return;
	double mean = spk->drift_sum / (double)spk->drift_n;
	spk->drift_sum = 0;
	spk->drift_n = 0;
	spk->drift_since_us = now_us;
	int32_t cmd = playout_drift_window(mean, rate, DRIFT_MAX_MS, &spk->drift_last);
	if (cmd && playout_drift_is_jump(cmd, rate, DRIFT_MAX_MS)) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u was %.1f ms %s its time (the output stalled): back in step", spk->page_id,
		          fabs(cmd * 1000.0 / rate), cmd < 0 ? "behind" : "ahead of");
		playback_jump(spk->playback, cmd);
	} else if (cmd && playback_correction_pending(spk->playback) == 0) {
		playback_correct(spk->playback, cmd);
	}
}

/* A stall the callback mended by a skip (catch-up): said as it happens, not only at the page's end. */
static void timed_caught_up(struct speaker *spk)
{
	struct playback_line_stats ls;
	if (!playback_line_stats(spk->playback, &ls) || ls.skipped_ms <= spk->skip_said_ms)
		return;
	char what[32] = "RTP";
	if (!spk->rtp_playing)
		snprintf(what, sizeof what, "page %u", spk->page_id);
	log_event_at(LOG_PRIORITY_WARNING, "%s: the output stalled (%u underrun(s) flagged): skipped %.1f ms to keep time",
	             what, ls.underflows, ls.skipped_ms - spk->skip_said_ms);
	spk->skip_said_ms = ls.skipped_ms;
}

/* Follows playback; returns the ms until it wants to look again (-1: nothing playing). */
static int playback_tick(struct speaker *spk, uint64_t now)
{
	if (!spk->playing || !spk->playback)
		return -1;
	int timeout = PLAYBACK_POLL_MS;
	if (spk->timed && !spk->replay) {
		uint64_t now_us = clock_mono_us();
		int until = timed_clock(spk, now_us);
		if (until >= 0 && until < timeout)
			timeout = until;
		if (!timed_begun(spk, now_us))
			return -1;
		if (!spk->announced && spk->target_us > now_us) {
			/* Wake when it is heard, to say so then. */
			int to_start = (int)((spk->target_us - now_us + 999) / 1000);
			if (to_start < timeout)
				timeout = to_start;
		}
	}
	switch (playback_poll(spk->playback, NULL)) {
	case PLAYBACK_DONE:
		timed_announce(spk); /* a page is never played without having been playing */
		page_outcome(spk, PAGE_PLAYED, NULL);
		return -1;
	case PLAYBACK_FAILED:
		page_outcome(spk, PAGE_FAILED, "output device stopped during playback");
		return -1;
	case PLAYBACK_IDLE:
		return -1;
	case PLAYBACK_PLAYING:
		break;
	}
	trace_first_sample(spk);
	if (spk->timed && !spk->replay) {
		timed_drift(spk, clock_mono_us());
		timed_caught_up(spk);
	}
	if (!spk->announced)
		return timeout;
	/* What the device has played, not what was handed to it: screen and console agree. */
	size_t played = playback_frames_played_by_device(spk->playback);
	speaker_state_progress(&spk->st, played);
	if (!spk->replay && now - spk->play_status_ms >= LINK_STATUS_INTERVAL_MS) {
		spk->play_status_ms = now;
		send_status(spk, spk->page_id, PAGE_PLAYING, played, spk->frames, NULL);
	}
	/* The page's end is noticed when its last frame is heard, not up to a look later. */
	size_t left = played < spk->frames ? spk->frames - played : 0;
	uint64_t end_ms = (uint64_t)left * 1000u / (uint64_t)spk->fmt.rate + PLAYBACK_END_SLACK_MS;
	return end_ms < (uint64_t)timeout ? (int)end_ms : timeout;
}

/* ---- settings: volume and mute ---- */

/* Sets the volume: the callback applies it from its next buffer; said and kept once it settles. */
static void speaker_set_volume(struct speaker *spk, int db)
{
	speaker_state_set_volume(&spk->st, db);
	priority_gain(spk);
	spk->volume_changed_ms = clock_mono_ms();
}

/*
 * [ ] and { }: the delay trim by 1 or 10 ms. It applies to pages that start
 * from now on; said and kept with the volume once the keys rest.
 */
static void speaker_set_delay(struct speaker *spk, int ms)
{
	speaker_state_set_delay(&spk->st, ms);
	spk->volume_changed_ms = clock_mono_ms();
}

/* Says and saves the volume and the delay once the keys have rested; returns ms until it wants to look again. */
static int volume_tick(struct speaker *spk, uint64_t now)
{
	if (!spk->volume_changed_ms)
		return -1;
	if (now - spk->volume_changed_ms < VOLUME_SETTLE_MS)
		return (int)(spk->volume_changed_ms + VOLUME_SETTLE_MS - now);
	spk->volume_changed_ms = 0;
	if (spk->st.volume_db == spk->st.volume_said_db && spk->st.delay_ms == spk->st.delay_said_ms)
		return -1;
	speaker_state_volume_settled(&spk->st);
	speaker_state_delay_settled(&spk->st);
	char err[PATH_MAX + 128];
	if (volume_state_save_all(spk->state_path, spk->st.volume_db, spk->st.delay_ms, err,
	                          sizeof err) < 0 &&
	    !spk->state_save_failed) {
		spk->state_save_failed = true;
		log_event_at(LOG_PRIORITY_WARNING, "volume and delay not kept for the next start: %s", err);
	}
	return -1;
}

/* m: muting cuts off the page playing (reported muted); later pages are received, not played. */
static void speaker_toggle_mute(struct speaker *spk)
{
	bool muted = !spk->st.muted;
	speaker_state_set_muted(&spk->st, muted);
	/* An emergency plays on, muted or not (at its floor). */
	if (muted && (spk->playing || spk->waiting) && (spk->replay || spk->priority != PRIORITY_EMERGENCY))
		page_outcome(spk, spk->replay ? PAGE_INTERRUPTED : PAGE_MUTED, "muted on the speaker");
	else
		priority_gain(spk);
}

/* r: the last page again, here only; a page from the console is never cut off for it. */
static void speaker_replay(struct speaker *spk)
{
	if (!spk->samples) {
		log_event("nothing to replay yet: no page has arrived");
		return;
	}
	if (spk->output_device < 0) {
		log_event_at(LOG_PRIORITY_WARNING, "cannot replay: no output device");
		return;
	}
	if (spk->st.muted) {
		log_event("cannot replay while muted: m unmutes");
		return;
	}
	if ((spk->playing && !spk->replay) || spk->waiting) {
		log_event("page %u is %s: replay it once it ends", spk->page_id,
		          spk->waiting ? "waiting for its time" : "playing");
		return;
	}
	if (spk->playing)
		page_outcome(spk, PAGE_INTERRUPTED, "replayed from the start");
	char err[256];
	if (page_play(spk, true, NULL, err, sizeof err) < 0)
		log_event_at(LOG_PRIORITY_WARNING, "cannot replay page %u: %s", spk->page_id, err);
}

/* ---- the screen ---- */

/* One key on the screen. */
static void speaker_key_cb(void *ctx, int key)
{
	struct speaker *spk = ctx;
	if (key == KEY_RESIZE || key == KEY_CTRL_L) {
		if (key == KEY_CTRL_L)
			term_repaint();
		speaker_ui_invalidate(spk->ui);
		return;
	}
	if (spk->help) {
		spk->help = false; /* any key closes the help; it does nothing else */
		return;
	}
	switch (key) {
	case '+': case '=': case KEY_UP: case KEY_RIGHT:
		speaker_set_volume(spk, volume_step_db(spk->st.volume_db, +1));
		break;
	case '-': case '_': case KEY_DOWN: case KEY_LEFT:
		speaker_set_volume(spk, volume_step_db(spk->st.volume_db, -1));
		break;
	case '0':
		speaker_set_volume(spk, 0);
		break;
	case '[':
		speaker_set_delay(spk, spk->st.delay_ms - 1);
		break;
	case ']':
		speaker_set_delay(spk, spk->st.delay_ms + 1);
		break;
	case '{':
		speaker_set_delay(spk, spk->st.delay_ms - 10);
		break;
	case '}':
		speaker_set_delay(spk, spk->st.delay_ms + 10);
		break;
	case 'm': case 'M':
		speaker_toggle_mute(spk);
		break;
	case 'r': case 'R':
		speaker_replay(spk);
		break;
	case '?': case 'h': case KEY_F(1):
		spk->help = true;
		break;
	case 'q': case 'Q':
		spk->app.quit = true;
		break;
	default:
		break;
	}
}

/* True while something on the screen moves by itself (bars, meter, countdown aside). */
static bool speaker_animating(struct speaker *spk, uint64_t now)
{
	return spk->playing || spk->st.activity == SPEAKER_RECEIVING ||
	       meter_ballistics_active(&spk->meter, now);
}

/*
 * Draws the screen if a frame is due (or a key was pressed) and the terminal
 * takes output; otherwise asks for a wake-up.
 */
static void speaker_frame(struct speaker *spk, bool now_please)
{
	uint64_t now = clock_mono_ms();
	if (!frame_due(&spk->frame, now_please, now))
		return;
	if (spk->playing)
		meter_ballistics_update(&spk->meter, playback_levels(spk->playback), now);
	else
		meter_ballistics_update(&spk->meter, (struct level){ 0.0f, 0.0f }, now);
	struct speaker_view_input in = {
		.name = spk->opts.name,
		.zone = spk->opts.zone,
		.output = spk->output_name,
		.keyed = spk->keyed,
		.utf8 = term_utf8(),
		.meter = spk->playback ? &spk->meter : NULL,
		.meter_cells = speaker_ui_bar_cells(spk->ui),
		.help = spk->help,
	};
	speaker_view_build(spk->view, &spk->st, &in, now);
	speaker_ui_draw(spk->ui, spk->view);
	frame_drawn(&spk->frame, now);
}

/* Leaves the screen (if it is up) and sends log lines to stdout again. */
static void speaker_screen_done(struct speaker *spk)
{
	if (!spk->screen)
		return;
	term_done();
	log_set_sink(NULL, NULL);
	speaker_ui_free(spk->ui);
	spk->ui = NULL;
	free(spk->view);
	spk->view = NULL;
	spk->screen = false;
}

/* ---- set-up, each step returning APP_RUN or the exit code ---- */

/* --list-devices is all the program does; else the screen needs a terminal. */
static int setup_front_end(struct speaker *spk)
{
	return app_front_end(&spk->app, &spk->opts, &spk->screen,
	                     "run with --headless under systemd or with a pipe");
}

/* libsodium, and the key a console must prove (--key-file). */
static int setup_key(struct speaker *spk)
{
	char err[512];
	if (auth_init() < 0) {
		app_error(&spk->app, "cannot initialise libsodium");
		return EXIT_FAILURE_RUNTIME;
	}
	if (!spk->opts.key_file[0])
		return APP_RUN;
	if (auth_key_load(spk->opts.key_file, &spk->key, err, sizeof err) < 0) {
		app_error(&spk->app, "%s", err);
		return EXIT_FILES;
	}
	spk->keyed = true;
	return APP_RUN;
}

/*
 * This speaker's key pair (made on first run, one per --name) and the
 * consoles it knows, in its state directory; --show-identity and
 * --forget-console are all the program does then.
 */
static int setup_identity(struct speaker *spk)
{
	char dir[4096], path[4400], err[1024];
	bool created;
	if (!spk->opts.name[0])
		app_host_name(spk->opts.name, sizeof spk->opts.name, "speaker");
	identity_state_dir(dir, sizeof dir);
	if (!dir[0]) {
		app_error(&spk->app, "no state directory for the speaker's key: set XDG_STATE_HOME or HOME");
		return EXIT_FILES;
	}
	snprintf(path, sizeof path, "%s/known-consoles", dir);
	if (trust_load(&spk->known, path, err, sizeof err) < 0) {
		app_error(&spk->app, "%s", err);
		return EXIT_FILES;
	}
	if (spk->opts.forget_console[0]) {
		size_t n = trust_remove_label(&spk->known, spk->opts.forget_console);
		if (n && trust_save(&spk->known, err, sizeof err) < 0) {
			app_error(&spk->app, "%s", err);
			return EXIT_FILES;
		}
		printf(n ? "forgot the key of console %s: the key it shows next is trusted and pinned\n"
		         : "no key pinned for console %s: nothing to forget\n", spk->opts.forget_console);
		return EXIT_OK;
	}
	/* Beside the volume's file, speaker-NAME.state: speaker-NAME.key (the name made safe alike). */
	volume_state_path(path, sizeof path, spk->opts.name);
	size_t len = strlen(path);
	if (len > 6 && strcmp(path + len - 6, ".state") == 0)
		snprintf(path + len - 6, sizeof path - (len - 6), ".key");
	if (identity_load_or_create(path, &spk->identity, &created, err, sizeof err) < 0) {
		app_error(&spk->app, "%s", err);
		return EXIT_FILES;
	}
	char fp[IDENTITY_FP_TEXT];
	identity_fingerprint(spk->identity.pk, fp);
	if (spk->opts.show_identity) {
		printf("intercom-speaker %s key fingerprint: %s\n(key file %s%s; the console's operator "
		       "sees its first 8 digits when it asks to join)\n", spk->opts.name, fp, path,
		       created ? ", made now" : "");
		return EXIT_OK;
	}
	if (created)
		log_event("made this speaker's key pair in %s", path);
	if (spk->opts.console_key[0])
		identity_parse_fingerprint(spk->opts.console_key, spk->console_fp);
	return APP_RUN;
}

/*
 * --rtp-listen with neither a console address nor --console-name: a speaker of
 * the paging group alone, which neither connects nor looks for a console.
 */
static bool speaker_rtp_only(const struct options *opts)
{
	return opts->rtp_listening && !opts->host[0] && !opts->console_name[0];
}

/* Who the speaker is, where it saves pages (--save), where it connects: its state starts there. */
static int setup_state(struct speaker *spk)
{
	char err[512];
	if (!spk->opts.name[0])
		app_host_name(spk->opts.name, sizeof spk->opts.name, "speaker");
	if (spk->opts.save_dir[0] && archive_prepare_dir(spk->opts.save_dir, err, sizeof err) < 0) {
		app_error(&spk->app, "--save: %s", err);
		return EXIT_FILES;
	}
	const char *host = spk->opts.host;
	if (speaker_rtp_only(&spk->opts))
		snprintf(spk->console_addr, sizeof spk->console_addr, "no console (RTP only)");
	else if (!host[0] && spk->opts.console_name[0])
		snprintf(spk->console_addr, sizeof spk->console_addr, "console \"%s\" (mDNS)",
		         spk->opts.console_name);
	else if (!host[0])
		snprintf(spk->console_addr, sizeof spk->console_addr, "a console found over mDNS");
	else
		snprintf(spk->console_addr, sizeof spk->console_addr, strchr(host, ':') ? "[%s]:%d" : "%s:%d",
		         host, spk->opts.port);
	speaker_state_init(&spk->st, spk->console_addr, spk->opts.legacy, say_cb, NULL);
	identity_fingerprint(spk->identity.pk, spk->st.own_fp);
	return APP_RUN;
}

/*
 * No console address: the console is found over mDNS (speaker_follow), which
 * needs avahi-daemon now; said before anything else can fail, as a usage
 * error is.
 */
static int setup_discovery(struct speaker *spk)
{
	char err[256];
	if (spk->opts.host[0] || speaker_rtp_only(&spk->opts))
		return APP_RUN;
	spk->browser = discovery_browser_new(spk->opts.console_name, err, sizeof err);
	if (!spk->browser) {
		app_error(&spk->app, "no console address given, and no avahi-daemon to find one over mDNS "
		          "(%s): give the console's address, e.g. intercom-speaker 10.0.0.5", err);
		return EXIT_DISCOVERY;
	}
	return APP_RUN;
}

/* The screen's objects; from here on its log pane collects the events, even before it shows. */
static int setup_screen(struct speaker *spk)
{
	if (!spk->screen)
		return APP_RUN;
	spk->ui = speaker_ui_new();
	spk->view = calloc(1, sizeof *spk->view);
	if (!spk->ui || !spk->view) {
		app_error(&spk->app, "out of memory");
		return EXIT_FAILURE_RUNTIME;
	}
	log_set_sink(speaker_ui_log_cb, spk->ui);
	return APP_RUN;
}

/* The output device, or with --save and none to be had, pages saved and not played. */
static int setup_output(struct speaker *spk)
{
	char err[512] = "";
	spk->audio_up = audio_init(err, sizeof err) == 0;
	if (spk->audio_up)
		spk->output_device = audio_find_device(spk->opts.output_device, false, err, sizeof err);
	if (spk->output_device < 0) {
		if (!spk->opts.save_dir[0] || spk->opts.output_device[0]) {
			speaker_screen_done(spk);
			app_error(&spk->app, "%s%s", err,
			          spk->opts.output_device[0] ? "" : " (or only keep pages with --save DIR)");
			return EXIT_AUDIO;
		}
		snprintf(spk->output_name, sizeof spk->output_name, "none: pages are saved, not played");
		/* What it means first (a screen's log pane cuts the rest), then err, which says why. */
		log_event_at(LOG_PRIORITY_WARNING, "pages will be saved to %s, not played: %s", spk->opts.save_dir, err);
		return APP_RUN;
	}
	spk->playback = playback_new(spk->output_device, spk->opts.chunk);
	if (!spk->playback) {
		app_error(&spk->app, "out of memory");
		return EXIT_FAILURE_RUNTIME;
	}
	snprintf(spk->output_name, sizeof spk->output_name, "%s", audio_device_name(spk->output_device));
	log_event("output: %s", spk->output_name);
	return APP_RUN;
}

/*
 * The volume set on this speaker's screen last time, 0 dB if none; the
 * delay trim from --delay-ms, else the one kept last time, else 0.
 */
static int setup_volume(struct speaker *spk)
{
	volume_state_path(spk->state_path, sizeof spk->state_path, spk->opts.name);
	int db = 0, ms = 0;
	if (volume_state_load(spk->state_path, &db) == 0 && db != 0) {
		speaker_set_volume(spk, db);
		spk->volume_changed_ms = 0;
		speaker_state_volume_settled(&spk->st);
		log_event("(the volume set last time, kept in %s)", spk->state_path);
	}
	bool kept = !spk->opts.delay_given && volume_state_load_delay(spk->state_path, &ms) == 0 && ms;
	if (spk->opts.delay_given)
		ms = spk->opts.delay_ms;
	if (ms) {
		speaker_state_set_delay(&spk->st, ms);
		speaker_state_delay_settled(&spk->st);
		if (kept)
			log_event("(the delay set last time, kept in %s)", spk->state_path);
	}
	return APP_RUN;
}

/* Signals as a pipe, and the link: to a console, or (--legacy) to an old server. */
static int setup_link(struct speaker *spk)
{
	char err[512];
	spk->signal_fd = signals_open(err, sizeof err);
	if (spk->signal_fd < 0) {
		app_error(&spk->app, "%s", err);
		return EXIT_FAILURE_RUNTIME;
	}
	struct link_config cfg = {
		.host = spk->opts.host,
		.port = spk->opts.port,
		.name = spk->opts.name,
		.zone = spk->opts.zone,
		.key = spk->keyed ? &spk->key : NULL,
		.identity = &spk->identity,
		.known = &spk->known,
		.console_fp = spk->opts.console_key[0] ? spk->console_fp : NULL,
		.welcome_deadline_ms = (unsigned)spk->opts.welcome_timeout_ms,
		.on_arrival = spk->opts.on_arrival,
		.heartbeat_timeout_ms = HEARTBEAT_TIMEOUT_MS,
		.page_stall_ms = PAGE_STALL_MS,
		.st = &spk->st,
		.owner = &speaker_link_owner,
		.ctx = spk,
	};
	if (speaker_rtp_only(&spk->opts))
		return APP_RUN;
	spk->link = link_new(spk->opts.legacy ? &link_legacy_ops : &link_framed_ops, &cfg);
	if (!spk->link) {
		app_error(&spk->app, "out of memory");
		return EXIT_FAILURE_RUNTIME;
	}
	return APP_RUN;
}

/* --rtp-listen: the group joined now, so a mistake in it is said at once (exit 3). */
static int setup_rtp(struct speaker *spk)
{
	if (!spk->opts.rtp_listening)
		return APP_RUN;
	char err[256];
	spk->rtp = rtp_in_new(&spk->opts.rtp_listen, err, sizeof err);
	if (!spk->rtp) {
		speaker_screen_done(spk);
		app_error(&spk->app, "--rtp-listen: %s", err);
		return EXIT_NETWORK;
	}
	snprintf(spk->st.rtp_listen, sizeof spk->st.rtp_listen, "%s", rtp_in_name(spk->rtp));
	return APP_RUN;
}

/* The terminal, last: an error before this point is printed on a terminal left as it was. */
static int setup_terminal(struct speaker *spk)
{
	char err[512];
	meter_ballistics_init(&spk->meter);
	if (spk->screen && term_init(err, sizeof err) < 0) {
		speaker_screen_done(spk);
		app_error(&spk->app, "%s", err);
		return EXIT_USAGE;
	}
	return APP_RUN;
}

static void speaker_shutdown(struct speaker *spk);

/*
 * Everything before the loop, in order: APP_RUN, or the exit code of the step
 * that ended it, with what the steps before it set up undone.
 */
static int speaker_setup(struct speaker *spk)
{
	static int (*const steps[])(struct speaker *) = {
		setup_key,    setup_identity, setup_front_end, setup_state, setup_discovery,
		setup_screen, setup_output,   setup_volume,    setup_link,  setup_rtp,
		setup_terminal,
	};
	int rc = APP_RUN;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0] && rc == APP_RUN; i++)
		rc = steps[i](spk);
	if (rc != APP_RUN) {
		speaker_screen_done(spk);
		speaker_shutdown(spk);
	}
	return rc;
}

/* The first lines of the log: who, where, and what the options do not do here. */
static void speaker_greet(const struct speaker *spk)
{
	if (spk->link)
		log_event("intercom-speaker %s as %s%s%s, %s %s", INTERCOM_VERSION, spk->opts.name,
		          spk->opts.zone[0] ? " zone " : "", spk->opts.zone,
		          spk->browser ? "looking for" : spk->link->ops->peer, spk->console_addr);
	else
		log_event("intercom-speaker %s as %s, no console: RTP only", INTERCOM_VERSION, spk->opts.name);
	if (spk->rtp)
		log_event_at(LOG_PRIORITY_NOTICE, "listening for RTP on %s: UNAUTHENTICATED, anyone who can send to it is heard; "
		          "a page of the console always takes over", rtp_in_name(spk->rtp));
	if (spk->opts.no_effect[0])
		log_event("note: %s %s nothing on a speaker: it plays each page in the format the console "
		          "recorded it in, and records nothing", spk->opts.no_effect,
		          strchr(spk->opts.no_effect, ',') ? "do" : "does");
	if (spk->screen)
		log_event("+/- volume, m mutes, [ ] delay, r replays the last page, ? lists the keys, q quits");
}

/* ---- the loop ---- */

/* Fixed slots of the poll set. */
enum {
	SLOT_SIGNAL,
	SLOT_LINK,
	SLOT_BROWSE = SLOT_LINK + LINK_POLLFDS,
	SLOT_RTP = SLOT_BROWSE + DISCOVERY_POLLFDS,
	SLOT_SAVE,
	SLOT_TERM = SLOT_SAVE + SAVE_JOBS,
	SLOTS = SLOT_TERM + TERM_POLLFDS,
};

/* The sooner of a timeout and a timer's ms (-1: no timer). */
static int sooner(int timeout, int ms)
{
	return ms >= 0 && ms < timeout ? ms : timeout;
}

/* Runs the timers (link, playback, volume, screen); returns how long poll() may sleep. */
static int speaker_tick(struct speaker *spk, uint64_t now)
{
	int timeout = spk->link ? link_tick(spk->link, now) : -1;
	if (timeout < 0)
		timeout = 1000; /* no console: the loop still wakes for its own timers */
	held_check(spk);
	rx_check(spk, now);
	if (spk->live_open && spk->st.link != SPEAKER_LINK_READY) {
		spk->live_open = false;
		if (spk->playing || spk->waiting)
			page_outcome(spk, PAGE_FAILED, "the link dropped during the live talk");
	}
	timeout = sooner(timeout, live_tick(spk));
	timeout = sooner(timeout, rtp_tick(spk, now));
	if (spk->rtp)
		timeout = sooner(timeout, rtp_in_tick(spk->rtp, now));
	armed_check(spk, clock_mono_us());
	timeout = sooner(timeout, timed_tick(spk, clock_mono_us()));
	timeout = sooner(timeout, playback_tick(spk, now));
	timeout = sooner(timeout, next_tick(spk));
	timeout = sooner(timeout, volume_tick(spk, now));
	if (spk->screen) {
		/* Wake for the next frame while something moves, and when the countdown ticks. */
		if (spk->frame.pending || speaker_animating(spk, now))
			timeout = frame_timeout(&spk->frame, now, timeout);
		timeout = sooner(timeout, speaker_state_next_change_ms(&spk->st, now));
	}
	return timeout;
}

/* Fills the poll set's slots (discovery may lower *timeout); returns how many are in use. */
static nfds_t speaker_poll_prepare(struct speaker *spk, struct pollfd *fds, int *timeout)
{
	fds[SLOT_SIGNAL] = (struct pollfd){ .fd = spk->signal_fd, .events = POLLIN };
	if (spk->link)
		link_poll_prepare(spk->link, fds + SLOT_LINK);
	else
		for (size_t i = 0; i < LINK_POLLFDS; i++)
			fds[SLOT_LINK + i] = (struct pollfd){ .fd = -1 };
	for (size_t i = 0; i < DISCOVERY_POLLFDS; i++)
		fds[SLOT_BROWSE + i] = (struct pollfd){ .fd = -1 };
	if (spk->browser)
		discovery_browser_prepare(spk->browser, fds + SLOT_BROWSE, timeout);
	fds[SLOT_RTP] = (struct pollfd){ .fd = spk->rtp ? rtp_in_fd(spk->rtp) : -1, .events = POLLIN };
	for (size_t i = 0; i < SAVE_JOBS; i++)
		fds[SLOT_SAVE + i] = (struct pollfd){
			.fd = spk->saves[i].job ? job_fd(spk->saves[i].job) : -1, .events = POLLIN };
	if (!spk->screen)
		return SLOT_TERM;
	term_poll_prepare(fds + SLOT_TERM);
	return SLOTS;
}

/*
 * What discovery says: connect to the console found (pinned by its name,
 * mdns:NAME, so the key decides whom to trust, not the announcement), follow
 * it to a new address or port, or, with several consoles and no
 * --console-name to choose, say which there are and stop.
 */
static void speaker_follow(struct speaker *spk)
{
	struct dnssd_target t;
	char names[512], label[DNSSD_NAME_MAX + 8], why[400];
	switch (discovery_browser_pick(spk->browser, &t, names, sizeof names)) {
	case DNSSD_PICK_WAIT:
		return;
	case DNSSD_PICK_AMBIGUOUS:
		app_fail(&spk->app, "several consoles found over mDNS (%s): choose one with --console-name NAME, "
		         "or give its address", names);
		spk->app.exit_code = EXIT_DISCOVERY;
		return;
	case DNSSD_PICK_CONNECT:
		break;
	}
	bool moved = spk->link->cfg.host && spk->link->cfg.host[0];
	snprintf(why, sizeof why, "console \"%s\" moved to %s%s%s:%d", t.name, strchr(t.host, ':') ? "[" : "",
	         t.host, strchr(t.host, ':') ? "]" : "", t.port);
	log_event("mDNS: %s console \"%s\" at %s%s%s:%d", moved ? "following" : "using", t.name,
	          strchr(t.host, ':') ? "[" : "", t.host, strchr(t.host, ':') ? "]" : "", t.port);
	dnssd_pin_label(t.name, label, sizeof label);
	link_retarget(spk->link, t.host, t.port, label, why);
	link_console_label(t.host, t.port, spk->st.console_addr, sizeof spk->st.console_addr);
}

/* Handles what poll() reported: the link, the saves, the keys. False when the loop must end. */
static bool speaker_poll_handle(struct speaker *spk, const struct pollfd *fds)
{
	if (fds[SLOT_SIGNAL].revents) {
		log_event("caught signal %d, shutting down", signals_take());
		return false;
	}
	if (spk->link)
		link_poll_handle(spk->link, fds + SLOT_LINK, clock_mono_ms());
	if (spk->browser) {
		discovery_browser_handle(spk->browser, fds + SLOT_BROWSE);
		speaker_follow(spk);
	}
	if (fds[SLOT_RTP].revents)
		rtp_in_read(spk->rtp, clock_mono_ms(), rtp_packet_cb, spk);
	page_saves_poll(spk);
	if (!spk->screen)
		return true;
	bool keys = term_poll_handle(fds + SLOT_TERM) &&
	            frame_read_keys(speaker_key_cb, spk, &spk->app.quit);
	if (term_lost()) {
		log_event("the terminal went away, shutting down");
		return false;
	}
	if (!spk->app.quit)
		speaker_frame(spk, keys);
	return true;
}

/* The loop: until q, a signal, --once's page, a lost terminal or a failed poll(). */
static int speaker_run(struct speaker *spk)
{
	if (spk->screen)
		speaker_frame(spk, true);
	while (!spk->app.quit) {
		int timeout = speaker_tick(spk, clock_mono_ms());
		if (spk->app.quit)
			break;
		if (spk->link)
			link_flush(spk->link); /* what the timers queued leaves now, not after a wake-up for POLLOUT */
		struct pollfd fds[SLOTS];
		nfds_t nfds = speaker_poll_prepare(spk, fds, &timeout);
		if (pollset_wait(&spk->pollset, fds, nfds, timeout) < 0 && errno != EINTR) {
			app_fail(&spk->app, "poll failed: %s", strerror(errno));
			break;
		}
		if (!speaker_poll_handle(spk, fds))
			break;
	}
	return spk->app.exit_code;
}

/* ---- teardown ---- */

/* In reverse order of set-up; a page playing is cut off, saves under way are waited for. */
static void speaker_shutdown(struct speaker *spk)
{
	/* A volume key pressed just before quitting is still kept. */
	if (spk->volume_changed_ms)
		volume_tick(spk, spk->volume_changed_ms + VOLUME_SETTLE_MS);
	if (spk->playing || spk->waiting)
		page_outcome(spk, PAGE_INTERRUPTED, "speaker shutting down");
	next_drop(spk, PAGE_INTERRUPTED, "speaker shutting down");
	rx_free(spk);
	samples_drop(spk);
	page_saves_wait(spk);
	link_free(spk->link, "speaker shutting down");
	spk->link = NULL;
	discovery_browser_free(spk->browser);
	spk->browser = NULL;
	rtp_in_free(spk->rtp);
	spk->rtp = NULL;
	playback_free(spk->playback);
	spk->playback = NULL;
	sodium_memzero(&spk->key, sizeof spk->key);
	identity_wipe(&spk->identity);
	trust_free(&spk->known);
	pollset_free(&spk->pollset);
	if (spk->audio_up)
		audio_terminate();
}

int main(int argc, char **argv)
{
	static struct speaker spk = { .app.name = "intercom-speaker", .output_device = -1 };
	int rc = app_start(&spk.app, &spk.opts, PROGRAM_SPEAKER, argc, argv);
	if (rc == APP_RUN)
		rc = speaker_setup(&spk);
	if (rc != APP_RUN)
		return rc;
	speaker_greet(&spk);
	rc = speaker_run(&spk);
	/* The terminal first: whatever happens next is readable. */
	speaker_screen_done(&spk);
	app_report_fatal(&spk.app);
	speaker_shutdown(&spk);
	if (spk.opts.once && rc == EXIT_OK)
		rc = spk.once_played ? EXIT_OK : EXIT_FAILURE_RUNTIME;
	log_event("speaker stopped");
	return rc;
}

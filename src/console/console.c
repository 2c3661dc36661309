/*
 * intercom-console: the operator's side. Listens for speakers, records a page
 * from the input device (or loads one from a file), archives it and sends one
 * shared copy to every connected speaker (or to one), then follows each
 * speaker's STATUS. This file is options, set-up, the event loop and
 * teardown, and the actions its two front-ends share: the curses screen
 * (keys mapped by console_state, a snapshot built by console_view, drawn by
 * console_ui on the terminal term owns) and --headless (commands on stdin,
 * events on stdout), and the control socket (the same commands from
 * intercom-ctl, each answered to its sender). What it drives: the station
 * (speakers), input_watch (the microphone), file_load (send PATH), the
 * outbox (archive, then send), control (the socket).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/audio/audio.h"
#include "intercom/audio/capture.h"
#include "intercom/audio/chime.h"
#include "intercom/audio/preroll.h"
#include "intercom/audio/format.h"
#include "intercom/audio/meter.h"
#include "intercom/audio/stream_page.h"
#include "intercom/audio/wav.h"
#include "intercom/common/app.h"
#include "intercom/common/archive.h"
#include "intercom/common/assets.h"
#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/common/options.h"
#include "intercom/common/pollset.h"
#include "intercom/common/realtime.h"
#include "intercom/common/signals.h"
#include "intercom/common/trace.h"
#include "intercom/console/console_layout.h"
#include "intercom/console/console_prefs.h"
#include "intercom/console/console_status.h"
#include "intercom/console/console_state.h"
#include "intercom/console/console_ui.h"
#include "intercom/console/console_view.h"
#include "intercom/console/control.h"
#include "intercom/console/file_load.h"
#include "intercom/console/input_watch.h"
#include "intercom/console/outbox.h"
#include "intercom/console/page_ledger.h"
#include "intercom/console/page_target.h"
#include "intercom/console/peer.h"
#include "intercom/console/peer_rtp.h"
#include "intercom/console/station.h"
#include "intercom/net/auth.h"
#include "intercom/net/discovery.h"
#include "intercom/net/control_proto.h"
#include "intercom/net/identity.h"
#include "intercom/net/trust.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"
#include "intercom/tui/frame.h"
#include "intercom/tui/meter_scale.h"
#include "intercom/tui/term.h"

/* A streamed page's ring is drained this often: its frames leave 100 ms at a time. */
#define CAPTURE_PUMP_STREAM_MS 100
/*
 * And a live talk's when the callback's next buffer is due, then this often
 * until it comes: a frame leaves within 5 ms of being whole, as when the
 * ring was looked at every 5 ms (200 wake-ups a second; now 47 with evenly
 * spaced buffers, ~135 through the pulse plugin's pairs of buffers).
 */
#define CAPTURE_PUMP_LIVE_MS 5
/* The shipped file the T key plays on the selected speaker. */
#define TEST_TONE_ASSET "test-tone.wav"

struct console {
	struct options opts;
	struct audio_format fmt;
	int signal_fd;
	bool stdin_open;
	char line[4096];
	size_t line_len;

	struct station *station;
	struct discovery_advert *advert; /* mDNS: this console as _intercom._tcp (NULL: --no-advertise) */
	struct auth_key key;      /* --key-file, until the station has its copy */
	struct identity identity; /* the console's key pair, until the station has its copy */
	struct trust_list approved; /* speakers' keys the operator approved (the station adds to it) */
	char fingerprint[IDENTITY_FP_TEXT]; /* of the console's key: the log, the screen */
	char key_short[IDENTITY_SHORT_TEXT];
	char listen_addr[80];
	char legacy_addr[80];     /* --legacy-port's address; "" without one */
	struct pollfd *fds;       /* the poll set: fixed slots, then the station's */
	size_t fds_cap;
	struct pollset pollset;
	/* The station's speakers as last read (speakers_refresh), valid until its next poll_prepare. */
	const struct station_speaker **joined;
	size_t joined_cap;
	struct console_state cs;  /* target, duration, table order, selection, prompt, outcomes */
	struct page_ledger ledger; /* known speakers, pages waiting for them, the page history */
	bool resend_late;         /* the resend under way delivers a waiting page late */
	struct console_prefs prefs; /* the chime, the state kept across restarts */

	struct input_watch *input; /* the input device (or why there is none), watched until it is back */
	struct file_loads *loads; /* audio files being loaded as pages (send PATH, the test tone) */

	char archive_dir[PATH_MAX];
	struct outbox *outbox;    /* pages being archived, then sent, in order; the one to resend */
	/* The recording under way: its page's id (reserved) and when it began, and its stream. */
	uint32_t rec_page;
	uint64_t rec_created_ms;
	struct page_target rec_target; /* where it goes */
	enum priority rec_priority;
	size_t rec_lead_frames;    /* its chime and pre-roll, before the key */
	struct stream_out *stream; /* the page streamed as it is recorded or sent (NULL: none) */
	/*
	 * The frames one feed of the stream made, sent as one buffer: a file's
	 * page is fed whole, and thousands of frames queued one by one would
	 * overrun a link's queue (CONN_QUEUE_MAX) before the socket took them.
	 */
	uint8_t *stream_batch;
	size_t stream_batch_len, stream_batch_cap;
	bool stream_batch_failed;  /* out of memory for the batch: the stream is aborted */
	uint32_t stream_page;
	/* A live talk's BEGIN waits for its first frame's capture time (capture_started_us). */
	bool stream_live_pending;
	struct proto_stream_begin live_begin;
	struct page_target live_target;
	uint32_t streamed_page;    /* the latest page streamed whole: the outbox sends it END only */
	struct app app;          /* quit, exit code, the fatal message */

	/* The control socket (NULL: --control-socket off), and the answer a command of its fills. */
	struct control *control;
	char control_path[108];
	struct control_answer *answer;
	size_t control_slots;     /* its slots in the poll set, after the station's */
	char control_off_why[PATH_MAX + 256]; /* the default socket could not be made: why ("" if it was) */
	bool realtime;            /* the loop (pacing RTP targets) runs at real-time priority */
	char realtime_why[256];   /* why not, when there are RTP targets */

	/* The screen (not --headless). */
	bool screen;
	struct console_ui *ui;
	struct console_view *view;
	bool answering;           /* what is logged now answers the operator (screen_log_cb) */
	struct meter_ballistics meter;
	struct frame_clock frame;
};

/* ---- the station's speakers ---- */

/* The console_state's words go to the log: stdout headless, the log pane on the screen. */
static void say_cb(const char *line, void *ctx)
{
	(void)ctx;
	log_event("%s", line);
}

/* What the operator asked for and could not have: a warning in the journal. */
static void say_refusal_cb(const char *line, void *ctx)
{
	(void)ctx;
	log_event_at(LOG_PRIORITY_WARNING, "%s", line);
}

/*
 * The screen's log sink: the log pane (and a log view scrolled back keeps
 * its place). While the console waits on a module that says its own
 * failures (answering set), what it says also answers on the status line.
 */
static void screen_log_cb(const char *line, void *ctx)
{
	struct console *con = ctx;
	console_ui_log_cb(line, con->ui);
	console_state_log_added(&con->cs);
	if (con->answering) {
		/* "HH:MM:SS.mmm " is the log's; the status line says the event. */
		console_state_note(&con->cs, true, line + log_stamp_len(line));
	}
}

/* An operator's request refused or failed: said in the log, and on the status line until the next key. */
#define refuse(con, ...) console_state_answer(&(con)->cs, true, __VA_ARGS__)

/*
 * Hands the station's list of speakers to the console_state (once per key,
 * command or frame: it can change in between), which sorts it into the
 * table's order again only when someone joined or left.
 */
static void speakers_refresh(struct console *con)
{
	size_t n = station_speakers(con->station, con->joined, con->joined_cap);
	if (n > con->joined_cap) {
		const struct station_speaker **grown = realloc(con->joined, n * 2 * sizeof *grown);
		if (grown) {
			con->joined = grown;
			con->joined_cap = n * 2;
		}
		n = station_speakers(con->station, con->joined, con->joined_cap);
		if (n > con->joined_cap)
			n = con->joined_cap; /* show the first ones; the next pass tries again */
	}
	console_state_set_speakers(&con->cs, con->joined, n);
}

/* ---- pages ---- */

/* The input's stream, NULL if there is no input device. */
static struct capture *capture(const struct console *con)
{
	return input_watch_capture(con->input);
}

/* ---- streamed pages (docs/PROTOCOL.md) ---- */

static void stream_emit_cb(void *ctx, const uint8_t *frame, size_t len)
{
	struct console *con = ctx;
	if (con->stream_batch_failed)
		return;
	if (con->stream_batch_len + len > con->stream_batch_cap) {
		size_t cap = con->stream_batch_cap ? con->stream_batch_cap : 64 * 1024;
		while (cap < con->stream_batch_len + len)
			cap *= 2;
		uint8_t *grown = realloc(con->stream_batch, cap);
		if (!grown) {
			con->stream_batch_failed = true;
			return;
		}
		con->stream_batch = grown;
		con->stream_batch_cap = cap;
	}
	memcpy(con->stream_batch + con->stream_batch_len, frame, len);
	con->stream_batch_len += len;
}

/* The frames of one feed go to the speakers together. -1: the batch found no memory. */
static int stream_batch_send(struct console *con)
{
	bool failed = con->stream_batch_failed;
	if (!failed && con->stream_batch_len)
		station_stream_data(con->station, con->stream_page, con->stream_batch, con->stream_batch_len);
	con->stream_batch_len = 0;
	con->stream_batch_failed = false;
	/* A whole file's batch is not kept for the next page. */
	if (con->stream_batch_cap > 1024 * 1024) {
		free(con->stream_batch);
		con->stream_batch = NULL;
		con->stream_batch_cap = 0;
	}
	return failed ? -1 : 0;
}

/*
 * Page page_id (of at most max_frames) starts as a stream to the speakers
 * that take one (--codec opus or pcm); the others get it whole once it is.
 */
static void stream_begin(struct console *con, uint32_t page_id, uint64_t created_ms,
                         const struct page_target *target, size_t max_frames, bool live)
{
	if (con->opts.codec == OPTIONS_CODEC_WAV)
		return;
	struct stream_codec_params params = { .codec = (enum stream_codec_id)con->opts.codec,
	                                      .rate = con->fmt.rate, .channels = con->fmt.channels,
	                                      .bitrate = con->opts.bitrate, .complexity = -1 };
	char why[160];
	struct stream_out *so = stream_out_new(&params, page_id, why, sizeof why);
	if (!so) {
		log_event("page %u goes whole, not streamed: %s", page_id, why);
		return;
	}
	struct proto_stream_begin begin = { .page_id = page_id, .created_ms = created_ms,
	                                    .codec = (uint8_t)params.codec, .rate = (uint32_t)params.rate,
	                                    .channels = (uint8_t)params.channels,
	                                    .max_frames = (uint32_t)max_frames, .live = live,
	                                    .latency_us = live ? (uint32_t)con->opts.live_latency_ms * 1000u : 0 };
	con->stream = so;
	con->stream_page = page_id;
	if (live) {
		/* Its speakers need the first frame's capture time: BEGIN goes with it. */
		con->stream_live_pending = true;
		con->live_begin = begin;
		con->live_target = *target;
		return;
	}
	if (station_stream_begin(con->station, &begin, target) == 0) {
		stream_out_free(so);
		con->stream = NULL;
	}
}

/* A live talk's BEGIN, once its first frame's capture time is known; false while it is not. */
static bool stream_live_begun(struct console *con)
{
	if (!con->stream_live_pending)
		return true;
	uint64_t started = capture(con) ? capture_started_us(capture(con)) : 0;
	if (!started)
		return false;
	con->stream_live_pending = false;
	con->live_begin.capture_us = started;
	size_t n = station_stream_begin(con->station, &con->live_begin, &con->live_target);
	log_event("talking live to %zu speaker%s, %d ms behind", n, n == 1 ? "" : "s", con->opts.live_latency_ms);
	return true;
}

/* The stream's samples so far; final: the page ends at frames (END follows with station_send_page). */
static void stream_feed(struct console *con, const int16_t *samples, size_t frames, bool final)
{
	if (!con->stream || (!stream_live_begun(con) && !final))
		return;
	int fed = stream_out_feed(con->stream, samples, frames, final, stream_emit_cb, con);
	if (stream_batch_send(con) < 0) {
		station_stream_abort(con->station, con->stream_page, "the console ran out of memory");
		final = true;
	} else if (fed < 0) {
		station_stream_abort(con->station, con->stream_page, "the console could not encode it");
		final = true;
	} else if (final) {
		station_stream_complete(con->station, con->stream_page, (uint32_t)frames,
		                        stream_out_count(con->stream));
		con->streamed_page = con->stream_page;
		log_event("page %u streamed as %s: %u frames, %llu bytes", con->stream_page,
		          options_codec_name(con->opts.codec), stream_out_count(con->stream),
		          (unsigned long long)stream_out_bytes(con->stream));
	}
	if (final) {
		stream_out_free(con->stream);
		con->stream = NULL;
	}
}

/* The recording's stream ends without a page (why): the speakers drop it. */
static void stream_abort(struct console *con, const char *why)
{
	if (!con->stream)
		return;
	con->stream_live_pending = false;
	station_stream_abort(con->station, con->stream_page, why);
	stream_out_free(con->stream);
	con->stream = NULL;
}

/* ---- pages that wait, and the history (page_ledger) ---- */

static bool page_in_flight(const struct console *con);

/* Pages the outbox keeps to send again: every page that may wait, and the latest. */
static size_t pages_kept(const struct console *con)
{
	size_t keep = (size_t)con->opts.wait_max_pages + 1;
	return keep > OUTBOX_KEEP_DEFAULT ? keep : OUTBOX_KEEP_DEFAULT;
}

/* A page goes out (page_send_cb): whom it went to, and who it waits for. */
static void pages_sent(struct console *con, uint32_t page_id, const struct page_target *target)
{
	speakers_refresh(con);
	page_ledger_sent(&con->ledger, page_id, outbox_kept_first_id(con->outbox, page_id), con->resend_late, target,
	                 con->cs.speakers, con->cs.speaker_count, clock_mono_ms());
}

/*
 * Once a pass: the ledger takes the speakers' reports; when no page is in
 * flight, the oldest waiting page goes to the speakers back for it (one
 * page at a time: the next would cut it off).
 */
static void pages_tick(struct console *con)
{
	speakers_refresh(con);
	page_ledger_update(&con->ledger, con->cs.speakers, con->cs.speaker_count, con->cs.speakers_gen,
	                   clock_mono_ms());
	if (con->ledger.waiting.n == 0 || page_in_flight(con))
		return;
	struct page_target back;
	uint32_t page = page_ledger_due(&con->ledger, con->cs.speakers, con->cs.speaker_count, &back);
	if (!page)
		return;
	char who[512];
	page_target_describe(&back, who, sizeof who);
	if (!outbox_kept_first_id(con->outbox, page)) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u expired for %s: the console no longer holds it", page, who);
		struct history_page *hp = page_history_find(&con->ledger.history, page);
		for (size_t i = 0; hp && i < back.speaker_count; i++)
			page_history_set(hp, back.speakers[i], HISTORY_WAIT_EXPIRED, false, "no longer held");
		return;
	}
	log_event("page %u goes late to %s: back online", page, who);
	con->resend_late = true;
	outbox_resend_page(con->outbox, page, &back);
	con->resend_late = false;
}

/* The outbox's send: a page (on its way to the archive) goes to every speaker's queue (or to one). */
static void page_send_cb(void *ctx, uint32_t page_id, uint64_t created_ms, const uint8_t *wav,
                         size_t wav_len, const struct page_target *target, uint64_t archive_us)
{
	struct console *con = ctx;
	pages_sent(con, page_id, target);
	trace_event("sending", page_id); /* INTERCOM_TRACE (bench): page ready to send */
	/* A file's page (or a resend) streams here, in the outbox's order; a recording's already has. */
	struct wav_info info;
	char why[128];
	if (page_id != con->streamed_page && con->opts.codec != OPTIONS_CODEC_WAV &&
	    wav_check(wav, wav_len, &info, why, sizeof why) == 0 && info.rate == con->fmt.rate &&
	    info.channels == con->fmt.channels) {
		stream_begin(con, page_id, created_ms, target, info.frames, false);
		stream_feed(con, (const int16_t *)(const void *)(wav + info.data_offset), info.frames, true);
	}
	station_send_page(con->station, page_id, created_ms, wav, wav_len, target, archive_us);
	trace_event("queued", page_id); /* INTERCOM_TRACE (bench): in every queue, first writes done */
}

/* The outbox's commit: the page is on disk and may play, or never will. */
static void page_commit_cb(void *ctx, uint32_t page_id, bool archived, const char *why)
{
	struct console *con = ctx;
	trace_event("committed", page_id); /* INTERCOM_TRACE (bench) */
	station_commit_page(con->station, page_id, archived, why);
}

/*
 * Encodes samples and hands them to the outbox as a page for target (it
 * is sent as it is archived), under page_id (reserved; 0: the next) made at
 * created_ms (0: now); remember keeps it for resending (the test tone is
 * not a page anybody wants again). Frees samples.
 */
static void page_from_samples(struct console *con, int16_t *samples, size_t frames, const char *what,
                              const struct page_target *target, bool remember, uint32_t page_id,
                              uint64_t created_ms)
{
	uint8_t *wav;
	size_t wav_len;
	trace_event("samples_ready", page_id ? page_id : outbox_next_id(con->outbox)); /* INTERCOM_TRACE (bench): capture ended */
	struct level level = meter_measure_s16(samples, frames * (size_t)con->fmt.channels);
	if (wav_encode_s16(samples, frames, con->fmt.rate, con->fmt.channels, &wav, &wav_len) < 0) {
		refuse(con, "page not sent: cannot encode %zu frames as WAV", frames);
		free(samples);
		if (page_id)
			outbox_release(con->outbox, page_id);
		return;
	}
	trace_event("encoded", page_id ? page_id : outbox_next_id(con->outbox)); /* INTERCOM_TRACE (bench) */
	free(samples);
	char desc[PATH_MAX + 192], fmtname[64];
	format_describe(&con->fmt, fmtname, sizeof fmtname);
	snprintf(desc, sizeof desc, "%s: %.2f s %s, peak %.1f dBFS", what,
	         format_seconds(frames, con->fmt.rate), fmtname, meter_dbfs(level.peak));
	if (remember) {
		/* The history has it before it goes: the send says whom it went to, and who it waits for. */
		char where[160];
		page_target_describe(target, where, sizeof where);
		char brief[96];
		const char *file = strncmp(what, "loaded from ", 12) == 0 ? strrchr(what, '/') : NULL;
		snprintf(brief, sizeof brief, "%s%s %.2f s", file ? "file " : "", file ? file + 1 : what,
		         format_seconds(frames, con->fmt.rate));
		page_history_add(&con->ledger.history, page_id ? page_id : outbox_next_id(con->outbox), clock_mono_ms(),
		                 clock_wall_ms(), brief, where);
	}
	outbox_add(con->outbox, page_id, wav, wav_len, created_ms ? created_ms : clock_wall_ms(), desc, target,
	           remember);
}

/*
 * True while a recording runs, a page is on its way (loading, being archived)
 * or the latest page has not reached every speaker's verdict.
 */
static bool page_in_flight(const struct console *con)
{
	const struct station_page *pg = station_last_page(con->station);
	return capture_active(capture(con)) || file_loads_busy(con->loads) || outbox_busy(con->outbox) ||
	       (pg->id != 0 && !pg->summarised);
}

/*
 * A recording's frames counted from the key (the chime and pre-roll before
 * it left out): what the banner and status count against the set duration.
 */
static size_t rec_since_key(const struct console *con, size_t frames)
{
	return frames > con->rec_lead_frames ? frames - con->rec_lead_frames : 0;
}

/* ---- actions, shared by keys and commands ---- */

/*
 * A recording for the console's target: of priority prio, with the chime
 * before it if chime (and the console has one; never live), beginning with
 * the pre-roll (not live either: a live talk would play that much later).
 */
static void console_talk_as(struct console *con, enum priority prio, bool chime)
{
	if (!capture(con)) {
		refuse(con, "cannot talk: %s (send PATH still works)", input_watch_missing(con->input));
		return;
	}
	if (capture_active(capture(con))) {
		refuse(con, "already recording");
		return;
	}
	if (con->cs.live && con->opts.codec == OPTIONS_CODEC_WAV) {
		refuse(con, "cannot talk live with --codec wav: pages go whole; use opus or pcm (L: back to pages)");
		return;
	}
	/*
	 * The recording's page streams at once (the page before may still be
	 * archiving: its commit still reaches its speakers); a file being loaded
	 * would start a page of its own meanwhile.
	 */
	if (file_loads_busy(con->loads) || outbox_waiting(con->outbox)) {
		refuse(con, "cannot talk yet: a page before it is still to be sent (a slow disk?); try again");
		return;
	}
	const struct page_request *req = &con->cs.request;
	const struct page_target *target = req->has_target ? &req->target : &con->cs.target;
	if (!console_state_target_check(&con->cs, target))
		return;
	double seconds = req->has_seconds ? req->seconds : con->cs.duration_s;
	double max_s = options_max_duration(con->fmt.rate, con->fmt.channels);
	if (seconds > max_s) {
		refuse(con, "cannot talk %.2f s: a page at %d Hz x %d channels holds at most %.2f s", seconds,
		       con->fmt.rate, con->fmt.channels, max_s);
		return;
	}
	con->rec_target = *target;
	size_t frames = format_frames_for_seconds(con->fmt.rate, seconds);
	size_t chime_frames = chime && !con->cs.live && con->prefs.chime.samples ? con->prefs.chime.frames : 0;
	size_t preroll = con->cs.live ? 0 : preroll_frames_for_ms(con->fmt.rate, con->cs.page.preroll_ms);
	/* A page at the longest a PAGE frame holds has no room for them: it goes without. */
	if (frames + chime_frames + preroll > wav_page_max_frames(con->fmt.channels))
		chime_frames = preroll = 0;
	frames += chime_frames + preroll;
	char err[PATH_MAX + 256];
	/* A page that could not be archived would not be sent: say so before recording, not after. */
	if (archive_check(con->archive_dir, format_bytes(&con->fmt, frames) + 1024, err, sizeof err) < 0) {
		refuse(con, "cannot talk: archive: %s", err);
		return;
	}
	if (capture_start_with(capture(con), frames, con->prefs.chime.samples, chime_frames, preroll) < 0) {
		refuse(con, "cannot record: out of memory for %zu frames", frames);
		return;
	}
	if (chime_frames || preroll)
		log_event("recording %.2f s (%zu frames: %.2f s of chime, %.2f s of pre-roll, then %.2f s)%s%s",
		          format_seconds(frames, con->fmt.rate), frames, format_seconds(chime_frames, con->fmt.rate),
		          format_seconds(preroll, con->fmt.rate), seconds,
		          prio ? ", priority " : "", prio ? priority_name(prio) : "");
	else
		log_event("recording %.2f s (%zu frames)%s%s", seconds, frames, prio ? ", priority " : "",
		          prio ? priority_name(prio) : "");
	con->rec_page = outbox_reserve(con->outbox);
	con->rec_priority = prio;
	con->rec_lead_frames = chime_frames + preroll;
	station_set_page_priority(con->station, con->rec_page, prio);
	con->rec_created_ms = clock_wall_ms();
	stream_begin(con, con->rec_page, con->rec_created_ms, &con->rec_target, frames, con->cs.live);
	/* The speakers open their outputs meanwhile: the page then starts soon after the capture. */
	station_prepare(con->station, &con->rec_target, con->fmt.rate, con->fmt.channels,
	                clock_mono_us() + (uint64_t)(seconds * 1e6) + PREPARE_SEND_BY_MS * 1000u);
}

/* A page's priority and chime: the command's options (--priority, --chime, --no-chime), else the console's. */
static void page_choices(const struct console *con, enum priority *prio, bool *chime)
{
	const struct page_request *req = &con->cs.request;
	*prio = req->has_priority ? req->priority : con->cs.page.priority;
	*chime = req->chime >= 0 ? req->chime == 1 : con->cs.page.chime;
}

/* talk [SECONDS] [OPTS], the key. */
static void console_talk(struct console *con)
{
	enum priority prio;
	bool chime;
	page_choices(con, &prio, &chime);
	console_talk_as(con, prio, chime);
}

/*
 * A recording's samples (NULL: none came): its stream ends, and the page
 * goes to the outbox under the id reserved for it; or the id is given back.
 */
static void recording_done(struct console *con, int16_t *samples, size_t frames, const char *what)
{
	uint32_t page_id = con->rec_page;
	con->rec_page = 0;
	if (!samples) {
		stream_abort(con, "nothing was recorded");
		outbox_release(con->outbox, page_id);
		return;
	}
	stream_feed(con, samples, frames, true);
	page_from_samples(con, samples, frames, what, &con->rec_target, true, page_id, con->rec_created_ms);
}

/* Ends a recording now and sends what was captured. */
static void console_stop(struct console *con)
{
	if (!capture_active(capture(con)))
		return;
	size_t frames;
	int16_t *samples = capture_take(capture(con), &frames);
	recording_done(con, samples, frames, "captured (stopped early)");
	if (!samples)
		refuse(con, "recording stopped before any sound arrived: nothing sent");
}

static void console_cancel(struct console *con)
{
	if (!capture_active(capture(con)))
		return;
	capture_cancel(capture(con));
	stream_abort(con, "the operator cancelled the recording");
	outbox_release(con->outbox, con->rec_page);
	con->rec_page = 0;
	log_event("recording cancelled");
}

static void console_capture_pump(struct console *con)
{
	if (!capture_active(capture(con)))
		return;
	if (!capture_pump(capture(con))) {
		/* What the pump moved goes out as it comes: the speakers hold all but the last frames. */
		stream_feed(con, capture_samples(capture(con)), capture_frames_have(capture(con)), false);
		return;
	}
	uint64_t dropped = capture_frames_dropped(capture(con));
	uint64_t overflows = capture_overflows(capture(con));
	size_t frames;
	/* INTERCOM_TRACE (bench): the capture's true end, as the callback saw it */
	trace_event_at("captured", capture_completed_us(capture(con)), con->rec_page);
	int16_t *samples = capture_take(capture(con), &frames);
	if (dropped > 0)
		log_event("warning: %llu frames were lost while recording (the console fell behind)",
		          (unsigned long long)dropped);
	if (overflows > 0)
		log_event("warning: the input device's buffer overran %llu time(s) while recording: audio was lost "
		          "(the console was not run for a second: lighten the machine's load)",
		          (unsigned long long)overflows);
	recording_done(con, samples, frames, "captured");
}

static void control_answer_begin(struct console *con, struct control_answer *answer, char *kept,
                                 bool *kept_error);
static void control_answer_end(struct console *con, struct control_answer *answer, const char *kept,
                               bool kept_error);

static void load_done(struct console *con, struct file_load *load);

/*
 * The load is over: the file becomes a page, or the reason it cannot is
 * logged; a control client that sent it is answered with what was said.
 */
static void console_load_done(struct console *con)
{
	struct file_load *load = file_loads_take(con->loads);
	if (!load)
		return;
	struct control_answer *waiter = control_load_waiter(con->control, load->path);
	char kept[CONSOLE_NOTICE_MAX];
	bool kept_error = false;
	if (waiter)
		control_answer_begin(con, waiter, kept, &kept_error);
	load_done(con, load);
	if (waiter) {
		control_answer_end(con, waiter, kept, kept_error);
		control_load_answered(con->control, waiter);
	}
}

static void load_done(struct console *con, struct file_load *load)
{
	/* Where to, decided now: a speaker can leave, or come back under a new id, while a file loads. */
	const struct page_target *target = load->has_target ? &load->target : &con->cs.target;
	speakers_refresh(con);
	if (load->rc < 0) {
		refuse(con, "cannot send %s: %s", load->path, load->err);
	} else if (load->frames == 0) {
		refuse(con, "cannot send %s: it holds no audio", load->path);
	} else if (!load->remember && console_state_target_count(&con->cs, target) == 0) {
		refuse(con, "%s not sent: that speaker left while the file loaded", load->what);
	} else if (console_state_target_check(&con->cs, target)) {
		int16_t *samples = load->samples;
		size_t frames = load->frames;
		if (load->chime && con->prefs.chime.samples) {
			size_t with;
			int16_t *chimed = chime_prepend(&con->prefs.chime, samples, frames, &with);
			if (chimed) {
				free(samples);
				samples = chimed;
				frames = with;
			} else {
				log_event_at(LOG_PRIORITY_WARNING, "%s goes without its chime: out of memory", load->what);
			}
		}
		load->samples = NULL;
		uint32_t id = outbox_reserve(con->outbox);
		station_set_page_priority(con->station, id, load->priority);
		page_from_samples(con, samples, frames, load->what, target, load->remember, id, 0);
	}
	file_load_free(load);
}

/* While a recording streams, no other page may start: it would take over its speakers' tally. */
static bool refuse_while_recording(struct console *con, const char *what)
{
	if (!capture_active(capture(con)))
		return false;
	refuse(con, "%s not sent: a recording is under way (stop or cancel it first)", what);
	return true;
}

/* send PATH: the file as a page of priority prio, the chime before it if chime. */
static void console_send_file_as(struct console *con, const char *path, enum priority prio, bool chime)
{
	const struct page_request *req = &con->cs.request;
	const struct page_target *target = req->has_target ? &req->target : NULL;
	if (refuse_while_recording(con, path) || !console_state_target_check(&con->cs, target))
		return;
	char what[PATH_MAX + 16];
	snprintf(what, sizeof what, "loaded from %s", path);
	con->answering = true; /* it says why it cannot take the file */
	bool queued = file_loads_add_as(con->loads, path, what, target, true, prio, chime);
	con->answering = false;
	/* From the control socket: the answer waits for the load, which says how it went. */
	if (queued && con->answer)
		control_answer_await(con->answer, path);
}

/* send [OPTS] PATH: the options' priority and chime, else the console's. */
static void console_send_file(struct console *con, const char *path)
{
	enum priority prio;
	bool chime;
	page_choices(con, &prio, &chime);
	console_send_file_as(con, path, prio, chime);
}

/*
 * resend [--missed] [PAGE] [OPTS]: the last page (or PAGE, while it is
 * kept) again, to the target (the options' or the console's), or with
 * --missed only to those of its speakers that did not play it.
 */
static void console_resend(struct console *con)
{
	const struct page_request *req = &con->cs.request;
	if (!outbox_can_resend(con->outbox)) {
		refuse(con, "nothing to resend: no page yet");
		return;
	}
	if (refuse_while_recording(con, "the page again"))
		return;
	uint32_t page = req->page;
	if (!page && con->cs.history_view) {
		/* The page picked in the history view. */
		const struct history_page *picked = page_history_at(&con->ledger.history, con->cs.history_sel);
		page = picked ? picked->id : 0;
	}
	uint32_t first = outbox_kept_first_id(con->outbox, page);
	char archived[PATH_MAX] = "";
	if (!first) {
		/* Older than the pages kept: its file in the archive is loaded as a page again. */
		char err[PATH_MAX + 256];
		if (archive_find_page(con->archive_dir, page, archived, sizeof archived, err, sizeof err) < 0) {
			refuse(con, "cannot resend page %u: it is not among the %zu pages kept, and %s", page,
			       pages_kept(con), err);
			return;
		}
		first = page;
	}
	struct page_target target = req->has_target ? req->target : con->cs.target;
	if (req->missed) {
		char err[CONSOLE_NOTICE_MAX];
		int rc = page_ledger_missed(&con->ledger, first, req->has_target ? &req->target : NULL, &target, err,
		                            sizeof err);
		if (rc < 0) {
			refuse(con, "%s", err);
			return;
		}
		if (rc > 0) {
			console_state_answer(&con->cs, false, "nobody missed page %u: every speaker it went to played it "
			                     "(or waits for it)", first);
			return;
		}
	}
	if (!console_state_target_check(&con->cs, &target))
		return;
	/* Its chime is in it already; its priority is the request's, or the console's now. */
	enum priority prio = req->has_priority ? req->priority : con->cs.page.priority;
	if (!archived[0]) {
		station_set_page_priority(con->station, outbox_next_id(con->outbox), prio);
		outbox_resend_page(con->outbox, first, &target);
		return;
	}
	char what[PATH_MAX + 16];
	snprintf(what, sizeof what, "loaded from %s", archived);
	con->answering = true; /* it says why it cannot take the file */
	bool queued = file_loads_add_as(con->loads, archived, what, &target, true, prio, false);
	con->answering = false;
	if (queued && con->answer)
		control_answer_await(con->answer, archived);
}

/* Plays the shipped test tone on the selected speaker only. */
static void console_test_tone(struct console *con)
{
	const struct station_speaker *sp = console_state_selected(&con->cs);
	if (!sp) {
		refuse(con, "test tone: select a speaker first (Up/Down)");
		return;
	}
	if (page_in_flight(con)) {
		refuse(con, "test tone not sent: a page is in flight and the tone would cut it off");
		return;
	}
	char path[PATH_MAX];
	if (assets_find(TEST_TONE_ASSET, path, sizeof path) < 0) {
		refuse(con, "test tone not found: looked in <bindir>/../share/intercom/ (make install) "
		       "and the source tree's assets/");
		return;
	}
	char what[NAME_MAX_BYTES + 32];
	snprintf(what, sizeof what, "test tone for %s", sp->name);
	con->answering = true;
	struct page_target to_it;
	page_target_all(&to_it);
	char err[160];
	if (page_target_add(&to_it, false, sp->name, err, sizeof err) < 0) {
		refuse(con, "test tone: %s", err);
		return;
	}
	file_loads_add(con->loads, path, what, &to_it, false);
	con->answering = false;
}

static void console_list(struct console *con)
{
	size_t n = con->cs.speaker_count;
	uint64_t now = clock_mono_ms();
	for (size_t i = 0; i < n; i++) {
		const struct station_speaker *sp = con->cs.speakers[i];
		if (sp->legacy) {
			log_event("legacy speaker %s, connected %llu s, last page %s", sp->name,
			          (unsigned long long)((now - sp->connected_ms) / 1000),
			          sp->page_id ? proto_page_state_name(sp->page_state) : "none");
			continue;
		}
		if (sp->rtp) {
			log_event("RTP target %s zone '%s' at %s (unauthenticated), last page %s", sp->name, sp->zone,
			          sp->addr, sp->page_id ? proto_page_state_name(sp->page_state) : "none");
			continue;
		}
		char sync[16];
		console_view_sync(sync, sizeof sync, sp);
		log_event("speaker %s zone '%s' at %s (id %u, key %s), connected %llu s, rtt %u ms, sync %s, "
		          "last page %s", sp->name, sp->zone, sp->addr, sp->id, sp->key_short, (unsigned long long)((now - sp->connected_ms) / 1000),
		          sp->rtt_ms, strcmp(sync, "-") ? sync : "none",
		          sp->page_id ? proto_page_state_name(sp->page_state) : "none");
	}
	log_event("%zu speaker(s) connected", n);
}

static void console_command(struct console *con, char *line);

/* The speakers asking to join, in the log (the command pending). */
static void console_pending(struct console *con)
{
	const struct station_speaker *lobby[LOBBY_MAX];
	size_t n = station_lobby(con->station, lobby, LOBBY_MAX);
	for (size_t i = 0; i < n && i < LOBBY_MAX; i++)
		log_event("speaker %u: %s (%s) from %s asks to join, fingerprint %s", lobby[i]->id,
		          lobby[i]->name, lobby[i]->key_short, lobby[i]->addr, lobby[i]->fingerprint);
	log_event("%zu speaker(s) ask to join%s", n, n ? ": approve ID or refuse ID" : "");
}

/*
 * approve, refuse (arg: the id the lobby shows; NULL: the first asking, the
 * screen's a and x) and forget (arg: a speaker's id or a fingerprint).
 */
static void console_admission(struct console *con, enum console_action action, const char *arg)
{
	char msg[512];
	int rc;
	if (action == CONSOLE_ACTION_FORGET) {
		rc = station_forget(con->station, arg, msg, sizeof msg);
	} else {
		uint32_t id = 0;
		if (arg) {
			char *end;
			unsigned long v = strtoul(arg, &end, 10);
			if (*end || v == 0 || v > UINT32_MAX) {
				refuse(con, "bad speaker id '%.64s': give the number pending shows, e.g. approve 7",
				       arg);
				return;
			}
			id = (uint32_t)v;
		} else {
			const struct station_speaker *first[1];
			if (station_lobby(con->station, first, 1) == 0) {
				refuse(con, "no speaker asks to join");
				return;
			}
			id = first[0]->id;
		}
		rc = action == CONSOLE_ACTION_APPROVE ? station_approve(con->station, id, msg, sizeof msg)
		                                      : station_refuse(con->station, id, msg, sizeof msg);
	}
	if (rc < 0)
		refuse(con, "%s", msg);
	else
		console_state_answer(&con->cs, false, "%s", msg);
}

/* True if action would send a page. */
static bool action_sends(enum console_action action)
{
	return action == CONSOLE_ACTION_TALK || action == CONSOLE_ACTION_TEST_TONE ||
	       action == CONSOLE_ACTION_RESEND || action == CONSOLE_ACTION_SEND;
}

/* What a key or a command asks for, beyond console_state's own changes (arg: send's file). */
static void console_act(struct console *con, enum console_action action, const char *arg)
{
	/*
	 * A command typed on a screen too small to show a page: refused, as the
	 * keys are. One from the control socket (a timer's announcement) was not
	 * typed here: the operator's terminal size does not stop it.
	 */
	if (con->screen && !con->answer && action_sends(action) && console_ui_too_small(con->ui)) {
		refuse(con, "not sent: the terminal is too small to show a page (it needs %dx%d)",
		       CONSOLE_MIN_W, CONSOLE_MIN_H);
		return;
	}
	switch (action) {
	case CONSOLE_ACTION_NONE: break;
	case CONSOLE_ACTION_REPAINT: term_repaint(); /* fall through */
	case CONSOLE_ACTION_RELAYOUT: console_ui_invalidate(con->ui); break;
	case CONSOLE_ACTION_TALK: console_talk(con); break;
	case CONSOLE_ACTION_STOP: console_stop(con); break;
	case CONSOLE_ACTION_CANCEL: console_cancel(con); break;
	case CONSOLE_ACTION_TEST_TONE: console_test_tone(con); break;
	case CONSOLE_ACTION_RESEND: console_resend(con); break;
	case CONSOLE_ACTION_SEND: console_send_file(con, arg); break;
	case CONSOLE_ACTION_LIST: console_list(con); break;
	case CONSOLE_ACTION_HISTORY: page_ledger_log_history(&con->ledger); break;
	case CONSOLE_ACTION_PENDING: console_pending(con); break;
	case CONSOLE_ACTION_APPROVE:
	case CONSOLE_ACTION_REFUSE:
	case CONSOLE_ACTION_FORGET: console_admission(con, action, arg); break;
	case CONSOLE_ACTION_QUIT: con->app.quit = true; break;
	case CONSOLE_ACTION_COMMAND: {
		char line[CONSOLE_PROMPT_MAX];
		snprintf(line, sizeof line, "%s", con->cs.prompt_text);
		console_command(con, line);
		break;
	}
	}
}

/* ---- status, and the control socket's commands ---- */

/* What the status says beyond console_state, as the loop knows it now. */
static void status_input(struct console *con, struct console_status_input *in,
                         const struct station_speaker **lobby)
{
	struct capture *cap = capture(con);
	double rate = con->fmt.rate > 0 ? con->fmt.rate : 1;
	*in = (struct console_status_input){
		.name = station_console_name(con->station),
		.fingerprint = con->fingerprint,
		.listen = con->listen_addr,
		.input_ok = cap != NULL,
		.input_name = cap ? input_watch_name(con->input) : input_watch_missing(con->input),
		.recording = capture_active(cap),
		.recorded_s = capture_active(cap) ? (double)rec_since_key(con, capture_frames_have(cap)) / rate : 0,
		.recording_s = capture_active(cap) ? (double)rec_since_key(con, capture_frames_want(cap)) / rate : 0,
		.page = station_last_page(con->station),
		.lobby = lobby,
		.lobby_count = station_lobby(con->station, lobby, LOBBY_MAX),
		.now_ms = clock_mono_ms(),
		.known = &con->ledger.known,
		.waiting = &con->ledger.waiting,
		.page_counter = outbox_next_id(con->outbox) - 1,
	};
	if (in->lobby_count > LOBBY_MAX)
		in->lobby_count = LOBBY_MAX;
}

static void status_log_line(void *ctx, const char *text)
{
	(void)ctx;
	log_event("%s", text);
}

static void status_answer_line(void *ctx, const char *text)
{
	control_answer_line(ctx, text);
}

/*
 * The command status (one JSON object on one line) or status text
 * (readable lines): true if line is one. To a control client it is its
 * answer only (a script asking every second does not fill the log); typed
 * (stdin, the screen's ":") it goes to the log.
 */
static bool console_status(struct console *con, const char *line, struct control_answer *answer)
{
	enum console_status_form form = console_status_form(line);
	if (form == CONSOLE_STATUS_NONE)
		return false;
	speakers_refresh(con);
	const struct station_speaker *lobby[LOBBY_MAX];
	struct console_status_input in;
	status_input(con, &in, lobby);
	if (console_status_say(form, answer ? status_answer_line : status_log_line, answer, &con->cs, &in) < 0 &&
	    answer)
		answer->error = true;
	return true;
}

/* While a control client's command runs: what it logs is its answer; what is said as a refusal, an error. */
static void control_tap_cb(const char *line, void *ctx)
{
	struct console *con = ctx;
	if (!con->answer)
		return;
	/* "HH:MM:SS.mmm " is the log's; the answer is the event. */
	control_answer_line(con->answer, line + log_stamp_len(line));
	if (con->answering)
		con->answer->error = true;
}

static void console_command(struct console *con, char *line);

/*
 * A command from the control socket: run as if typed, its answer the lines
 * it logged meanwhile, an error if it was refused (console_state's notice,
 * or a module's failure said while answering).
 */
/*
 * From here until control_answer_end, what the console logs is answer's; a
 * refusal it says to the operator makes it an error. kept: the status
 * line's notice meanwhile.
 */
static void control_answer_begin(struct console *con, struct control_answer *answer, char *kept,
                                 bool *kept_error)
{
	*kept_error = con->cs.notice_error;
	memcpy(kept, con->cs.notice, CONSOLE_NOTICE_MAX);
	con->cs.notice[0] = '\0';
	con->cs.notice_error = false;
	con->answer = answer;
	log_set_tap(control_tap_cb, con);
}

static void control_answer_end(struct console *con, struct control_answer *answer, const char *kept,
                               bool kept_error)
{
	log_set_tap(NULL, NULL);
	con->answer = NULL;
	if (con->cs.notice[0] && con->cs.notice_error)
		answer->error = true;
	if (!con->cs.notice[0]) {
		/* It said nothing to the operator: the status line keeps what it showed. */
		memcpy(con->cs.notice, kept, CONSOLE_NOTICE_MAX);
		con->cs.notice_error = kept_error;
	}
}

static void control_run_cb(void *ctx, char *line, struct control_answer *answer)
{
	struct console *con = ctx;
	if (console_status(con, line, answer))
		return;
	char kept[CONSOLE_NOTICE_MAX];
	bool kept_error;
	control_answer_begin(con, answer, kept, &kept_error);
	console_command(con, line);
	control_answer_end(con, answer, kept, kept_error);
}

/* ---- priority, chime, pre-roll; the state kept across restarts (console_prefs) ---- */

static void console_screen_done(struct console *con);
static void console_shutdown(struct console *con);

/* At start-up: the state kept last time (page numbers go on, settings come back), then the chime. */
static int setup_prefs(struct console *con)
{
	char err[PATH_MAX + 300];
	if (console_prefs_setup(&con->prefs, &con->cs, con->outbox, &con->opts, &con->fmt, err, sizeof err) < 0) {
		app_error(&con->app, "%s", err);
		console_screen_done(con);
		console_shutdown(con);
		return EXIT_USAGE;
	}
	return APP_RUN;
}

/* One command line: from stdin (--headless), the screen's ":" prompt or the control socket. */
static void console_command(struct console *con, char *line)
{
	if (console_status(con, line, NULL))
		return;
	speakers_refresh(con);
	if (console_prefs_command(&con->prefs, &con->cs, line))
		return;
	const char *arg;
	enum console_action action = console_state_command(&con->cs, line, &arg);
	console_act(con, action, arg);
}

static void console_read_stdin(struct console *con)
{
	ssize_t n = read(STDIN_FILENO, con->line + con->line_len, sizeof con->line - 1 - con->line_len);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* Under systemd stdin is /dev/null: keep serving, just stop reading it. */
		con->stdin_open = false;
		return;
	}
	con->line_len += (size_t)n;
	con->line[con->line_len] = '\0';
	char *start = con->line, *nl;
	while ((nl = memchr(start, '\n', con->line_len - (size_t)(start - con->line)))) {
		*nl = '\0';
		console_command(con, start);
		start = nl + 1;
	}
	con->line_len -= (size_t)(start - con->line);
	memmove(con->line, start, con->line_len);
	if (con->line_len == sizeof con->line - 1) {
		log_event_at(LOG_PRIORITY_WARNING, "command line too long; ignored");
		con->line_len = 0;
	}
}

/* ---- the screen ---- */

/* The terminal's key codes as console_state knows them; bytes stay as they are. */
static int key_from_curses(int key)
{
	switch (key) {
	case KEY_RESIZE: return CONSOLE_KEY_RESIZE;
	case KEY_ENTER: return CONSOLE_KEY_ENTER;
	case KEY_BACKSPACE: return CONSOLE_KEY_BACKSPACE;
	case KEY_UP: return CONSOLE_KEY_UP;
	case KEY_DOWN: return CONSOLE_KEY_DOWN;
	case KEY_LEFT: return CONSOLE_KEY_LEFT;
	case KEY_RIGHT: return CONSOLE_KEY_RIGHT;
	case KEY_PPAGE: return CONSOLE_KEY_PAGE_UP;
	case KEY_NPAGE: return CONSOLE_KEY_PAGE_DOWN;
	case KEY_HOME: return CONSOLE_KEY_HOME;
	case KEY_END: return CONSOLE_KEY_END;
	case KEY_F(1): return CONSOLE_KEY_HELP;
	default: return key >= 0 && key <= 0xff ? key : CONSOLE_KEY_OTHER;
	}
}

/* A key from term (with its release or repeat, where the terminal reports them) as console_state takes it. */
static int key_from_term(int key)
{
	int events = (key & TERM_KEY_RELEASE ? CONSOLE_KEY_RELEASE : 0) |
	             (key & TERM_KEY_REPEAT ? CONSOLE_KEY_REPEAT : 0);
	return key_from_curses(TERM_KEY_CODE(key)) | events;
}

/* One key on the screen: console_state changes, and says what else to do. */
static void console_key_cb(void *ctx, int key)
{
	struct console *con = ctx;
	speakers_refresh(con);
	struct console_key_input in = {
		.recording = capture_active(capture(con)),
		.in_flight = page_in_flight(con),
		/* As the screen is now: the status's lines are the last frame's. */
		.page_rows = console_ui_table_rows(con->ui, con->cs.speaker_count, &con->view->status),
		.too_small = console_ui_too_small(con->ui),
		.history_pages = con->ledger.history.count,
	};
	if (con->cs.help || con->cs.log_view)
		console_ui_scroll_range(con->ui, con->cs.help, &in.scroll_max, &in.scroll_page);
	console_act(con, console_state_key(&con->cs, key_from_term(key), &in), NULL);
}

/*
 * The snapshot of this pass: the status first (its lines decide how many
 * table rows fit), the table's state brought up to date, then the view.
 */
static void console_snapshot(struct console *con, struct console_view *v, uint64_t now)
{
	speakers_refresh(con);
	if (capture(con))
		meter_ballistics_update(&con->meter, capture_levels(capture(con)), now);
	struct console_view_input in = {
		.listen = con->listen_addr,
		.input_ok = capture(con) != NULL,
		.input_name = input_watch_name(con->input),
		.input_format = input_watch_format(con->input),
		.no_input = input_watch_missing(con->input),
		.keyed = con->opts.key_file[0] != '\0',
		.key_short = con->key_short,
		.legacy_open = con->opts.legacy_port != 0,
		.rtp_open = con->opts.rtp_count > 0,
		.recording = capture_active(capture(con)),
		.page = station_last_page(con->station),
		.meter = capture(con) ? &con->meter : NULL,
		.history = &con->ledger.history,
	};
	/* The latest page's speakers it still waits for ("waiting for 2"). */
	const struct history_page *latest = page_history_latest(&con->ledger.history);
	in.waiting = latest ? wait_queue_speakers(&con->ledger.waiting, latest->id) : 0;
	in.waiting_all = wait_queue_speakers(&con->ledger.waiting, 0);
	const struct station_speaker *asking[1];
	in.asking_count = station_lobby(con->station, asking, 1);
	in.asking = in.asking_count ? asking[0] : NULL;
	if (in.recording) {
		in.rec_priority = con->rec_priority;
		in.rec_have = rec_since_key(con, capture_frames_have(capture(con)));
		in.rec_want = rec_since_key(con, capture_frames_want(capture(con)));
	}
	console_view_status(&v->status, &con->cs, &in);
	/* Only the rows on screen are formatted; outcomes are remembered for all. */
	int rows = console_ui_table_rows(con->ui, con->cs.speaker_count, &v->status);
	console_state_table_update(&con->cs, rows > CONSOLE_VIEW_ROWS ? CONSOLE_VIEW_ROWS : (size_t)rows);
	console_view_build(v, &con->cs, &in, now);
}

/*
 * Draws the screen if a frame is due (or keys were pressed) and the terminal
 * takes output; otherwise asks for a wake-up.
 */
static void console_frame(struct console *con, bool now_please)
{
	uint64_t now = clock_mono_ms();
	if (!frame_due(&con->frame, now_please, now))
		return;
	console_snapshot(con, con->view, now);
	console_ui_draw(con->ui, con->view);
	frame_drawn(&con->frame, now);
}

/* ---- the loop ---- */

/*
 * Watches the input (input_watch.h): a stream that stopped on its own while
 * recording still sends what it recorded. Returns ms until it wants to look again.
 */
static int console_watch_input(struct console *con, uint64_t now)
{
	struct capture *cap = capture(con);
	if (cap && capture_stream_failed(cap) && capture_active(cap)) {
		size_t frames;
		int16_t *samples = capture_take(cap, &frames);
		recording_done(con, samples, frames, "captured (cut short: input device failed)");
	}
	return input_watch_tick(con->input, now);
}

/* The timers of a pass (the input's watch), and how long poll() may sleep after them. */
static int console_tick(struct console *con)
{
	pages_tick(con);
	int timeout = console_watch_input(con, clock_mono_ms());
	if (timeout > HEARTBEAT_INTERVAL_MS)
		timeout = HEARTBEAT_INTERVAL_MS;
	struct capture *cap = capture(con);
	/*
	 * The ring is drained when the end nears (2 ms apart over the last two
	 * buffers: the page leaves as soon as its last buffer is in), and
	 * meanwhile at the pace its audio travels: a live talk's frames as they
	 * come (from when the next buffer is due), a streamed page's every
	 * 100 ms (its speakers need them by the end), a whole page's only to
	 * keep the ring from filling.
	 */
	int pump = capture_pump_due_ms(cap);
	int next = con->stream && con->cs.live ? capture_next_buffer_ms(cap, clock_mono_us()) : -1;
	int pace = !con->stream ? pump : !con->cs.live ? CAPTURE_PUMP_STREAM_MS : next > 0 ? next : CAPTURE_PUMP_LIVE_MS;
	if (pump >= 0 && pace < pump)
		pump = pace;
	if (pump >= 0 && pump < timeout)
		timeout = pump;
	int read = capture_read_due_ms(cap, clock_mono_us());
	if (read >= 0 && read < timeout)
		timeout = read;
	/* The meter is always on: wake for the next frame. */
	if (con->screen && (cap || con->frame.pending))
		timeout = frame_timeout(&con->frame, clock_mono_ms(), timeout);
	if (con->screen)
		timeout = term_timeout(timeout); /* the key protocol's probe running out */
	return timeout;
}

/* Fixed slots before the station's in the poll set. */
enum { SLOT_SIGNAL, SLOT_STDIN, SLOT_LOAD, SLOT_ARCHIVE, SLOT_TERM,
       SLOT_ADVERT = SLOT_TERM + TERM_POLLFDS, SLOT_STATION = SLOT_ADVERT + DISCOVERY_POLLFDS };

/*
 * Fills the poll set: the fixed slots, then the station's (which may lower
 * *timeout to its next heartbeat). Returns the station's count, or -1 if
 * the set could not grow.
 */
static long console_poll_prepare(struct console *con, int *timeout)
{
	size_t need = SLOT_STATION + station_pollfd_count(con->station) + control_pollfd_count(con->control);
	if (need > con->fds_cap) {
		struct pollfd *grown = realloc(con->fds, need * 2 * sizeof *grown);
		if (!grown)
			return -1;
		con->fds = grown;
		con->fds_cap = need * 2;
	}
	struct pollfd *fds = con->fds;
	bool read_stdin = !con->screen && con->stdin_open;
	fds[SLOT_SIGNAL] = (struct pollfd){ .fd = con->signal_fd, .events = POLLIN };
	fds[SLOT_STDIN] = (struct pollfd){ .fd = read_stdin ? STDIN_FILENO : -1, .events = POLLIN };
	fds[SLOT_LOAD] = (struct pollfd){ .fd = file_loads_fd(con->loads), .events = POLLIN };
	fds[SLOT_ARCHIVE] = (struct pollfd){ .fd = outbox_fd(con->outbox), .events = POLLIN };
	term_poll_prepare(fds + SLOT_TERM);
	for (size_t i = 0; i < DISCOVERY_POLLFDS; i++)
		fds[SLOT_ADVERT + i] = (struct pollfd){ .fd = -1 };
	if (con->advert)
		discovery_advert_prepare(con->advert, fds + SLOT_ADVERT, timeout);
	size_t nst = station_poll_prepare(con->station, fds + SLOT_STATION, con->fds_cap - SLOT_STATION, timeout);
	/* The control socket's slots follow the station's. */
	con->control_slots = control_poll_prepare(con->control, fds + SLOT_STATION + nst,
	                                          con->fds_cap - SLOT_STATION - nst, timeout);
	return (long)nst;
}

/* Handles what poll() reported (nst: the station's slots). False if the loop must end. */
static bool console_poll_handle(struct console *con, size_t nst)
{
	struct pollfd *fds = con->fds;
	if (fds[SLOT_SIGNAL].revents) {
		log_event("caught signal %d, shutting down", signals_take());
		return false;
	}
	station_poll_handle(con->station, fds + SLOT_STATION, nst);
	if (con->advert)
		discovery_advert_handle(con->advert, fds + SLOT_ADVERT);
	outbox_handle(con->outbox);
	console_load_done(con);
	if (fds[SLOT_STDIN].revents)
		console_read_stdin(con);
	control_poll_handle(con->control, fds + SLOT_STATION + nst, con->control_slots);
	/* Nothing loads: the uploads whose commands ran are read (or were never queued). */
	if (!file_loads_busy(con->loads))
		control_uploads_idle(con->control);
	bool keys = con->screen && term_poll_handle(fds + SLOT_TERM) &&
	            frame_read_keys(console_key_cb, con, &con->app.quit);
	/* The terminal's answer to the probe: Space held or Space a toggle (said once). */
	if (con->screen && term_key_releases() != con->cs.hold_to_talk) {
		console_state_set_hold(&con->cs, term_key_releases());
		keys = true; /* the footer and the help say which: show it now */
	}
	if (con->screen && term_lost()) {
		log_event("the terminal went away, shutting down");
		return false;
	}
	if (capture(con)) {
		if (capture_read_due_ms(capture(con), clock_mono_us()) == 0)
			capture_read(capture(con));
		console_capture_pump(con);
	}
	if (con->screen && !con->app.quit)
		console_frame(con, keys);
	return true;
}

/* One poll() loop until quit, a signal or a lost terminal; returns the exit code. */
static int console_run(struct console *con)
{
	if (con->screen)
		console_frame(con, true);
	while (!con->app.quit) {
		int timeout = console_tick(con);
		long nst = console_poll_prepare(con, &timeout);
		if (nst < 0) {
			app_fail(&con->app, "out of memory");
			break;
		}
		if (pollset_wait(&con->pollset, con->fds, SLOT_STATION + (size_t)nst + con->control_slots, timeout) < 0 &&
		    errno != EINTR) {
			app_fail(&con->app, "poll failed: %s", strerror(errno));
			break;
		}
		if (!console_poll_handle(con, (size_t)nst))
			break;
		/* Not while recording: its fsync would hold up the capture's pump (a live talk's frames). */
		if (!capture_active(capture(con)))
			console_prefs_update(&con->prefs, &con->cs, con->outbox);
	}
	console_prefs_update(&con->prefs, &con->cs, con->outbox);
	return con->app.exit_code;
}

/* ---- set-up, each step returning APP_RUN or the exit code, and teardown ---- */

/* Leaves the screen (if it is up) and sends log lines to stdout again. */
static void console_screen_done(struct console *con)
{
	if (!con->screen)
		return;
	term_done();
	log_set_sink(NULL, NULL);
	console_ui_free(con->ui);
	con->ui = NULL;
	free(con->view);
	con->view = NULL;
	con->screen = false;
}

/* In reverse order of set-up; what was not sent is said first. */
static void console_shutdown(struct console *con)
{
	struct capture *cap = con->input ? capture(con) : NULL;
	if (capture_active(cap)) {
		/* Quitting mid-recording drops it: say what, as the other pages not sent are. */
		double rate = con->fmt.rate > 0 ? con->fmt.rate : 1;
		log_event("not sent, the console is stopping: the recording under way (%.2f s of %.2f s)",
		          (double)capture_frames_have(cap) / rate, (double)capture_frames_want(cap) / rate);
	}
	stream_abort(con, "the console is stopping");
	control_free(con->control);
	con->control = NULL;
	page_ledger_free(&con->ledger);
	outbox_free(con->outbox);
	con->outbox = NULL;
	file_loads_free(con->loads);
	con->loads = NULL;
	discovery_advert_free(con->advert);
	con->advert = NULL;
	station_free(con->station, "console shutting down");
	con->station = NULL;
	trust_free(&con->approved);
	input_watch_free(con->input);
	con->input = NULL;
	console_state_free(&con->cs);
	console_prefs_free(&con->prefs);
	free(con->joined);
	free(con->stream_batch);
	con->joined = NULL;
	con->joined_cap = 0;
	free(con->fds);
	con->fds = NULL;
	con->fds_cap = 0;
	pollset_free(&con->pollset);
}

/*
 * The console's key pair (made on first run) and the speakers it approved,
 * in its state directory; --show-identity is all the program does then.
 */
static int setup_identity(struct console *con)
{
	char dir[4096], path[4200], err[1024];
	bool created;
	identity_state_dir(dir, sizeof dir);
	if (!dir[0]) {
		app_error(&con->app, "no state directory for the console's key: set XDG_STATE_HOME or HOME");
		return EXIT_FILES;
	}
	snprintf(path, sizeof path, "%s/console.key", dir);
	if (identity_load_or_create(path, &con->identity, &created, err, sizeof err) < 0) {
		app_error(&con->app, "%s", err);
		return EXIT_FILES;
	}
	char *fp = con->fingerprint;
	identity_fingerprint(con->identity.pk, fp);
	identity_short(con->identity.pk, con->key_short);
	if (con->opts.show_identity) {
		printf("intercom-console key fingerprint: %s\n(key file %s%s; speakers pin it on first "
		       "contact, or are given it with --console-key \"%s\")\n", fp, path,
		       created ? ", made now" : "", fp);
		return EXIT_OK;
	}
	if (created)
		log_event("made this console's key pair in %s", path);
	snprintf(path, sizeof path, "%s/approved-speakers", dir);
	if (trust_load(&con->approved, path, err, sizeof err) < 0) {
		app_error(&con->app, "%s", err);
		return EXIT_FILES;
	}
	return APP_RUN;
}

/* libsodium, then --gen-key (which is all the program does then), --key-file, the identity. */
static int setup_key(struct console *con)
{
	char err[512];
	if (auth_init() < 0) {
		app_error(&con->app, "cannot initialise libsodium");
		return EXIT_FAILURE_RUNTIME;
	}
	if (con->opts.gen_key_file[0]) {
		if (auth_key_generate(con->opts.gen_key_file, err, sizeof err) < 0) {
			app_error(&con->app, "%s", err);
			return EXIT_FILES;
		}
		printf("wrote a new key to %s (mode 0600); copy it to every speaker and start the console "
		       "and the speakers with --key-file %s\n", con->opts.gen_key_file, con->opts.gen_key_file);
		return EXIT_OK;
	}
	if (con->opts.key_file[0] && auth_key_load(con->opts.key_file, &con->key, err, sizeof err) < 0) {
		app_error(&con->app, "%s", err);
		return EXIT_FILES;
	}
	return setup_identity(con);
}

/* --list-devices is all the program does; else the screen needs a terminal. */
static int setup_front_end(struct console *con)
{
	return app_front_end(&con->app, &con->opts, &con->screen,
	                     "run with --headless to read commands from a pipe");
}

/* The archive directory: --archive, else the XDG default, created and checked writable. */
static int setup_archive(struct console *con)
{
	char err[512];
	if (con->opts.archive_dir[0])
		snprintf(con->archive_dir, sizeof con->archive_dir, "%s", con->opts.archive_dir);
	else
		archive_default_dir(con->archive_dir, sizeof con->archive_dir);
	if (archive_prepare_dir(con->archive_dir, err, sizeof err) < 0) {
		app_error(&con->app, "archive: %s, e.g. --archive /var/lib/intercom", err);
		return EXIT_FILES;
	}
	return APP_RUN;
}

/*
 * The control socket (--control-socket, else the runtime directory's), before
 * the port: a second console on the same socket stops here, taking nothing.
 */
static int setup_control(struct console *con)
{
	if (con->opts.control_off)
		return APP_RUN;
	char dir[PATH_MAX], err[PATH_MAX + 256] = "";
	if (control_default_dir(dir, sizeof dir, getenv("XDG_RUNTIME_DIR"), geteuid()) < 0) {
		app_error(&con->app, "XDG_RUNTIME_DIR is too long for the control socket: give "
		          "--control-socket PATH, or --control-socket off");
		return EXIT_USAGE;
	}
	if (con->opts.control_socket[0])
		snprintf(con->control_path, sizeof con->control_path, "%s", con->opts.control_socket);
	else if (control_socket_path(con->control_path, sizeof con->control_path, dir) < 0) {
		app_error(&con->app, "%s/console.sock is too long for a socket: give --control-socket PATH, "
		          "or --control-socket off", dir);
		return EXIT_USAGE;
	}
	enum control_open_result r = control_open(&con->control, con->control_path, dir, control_run_cb, con,
	                                          err, sizeof err);
	if (r == CONTROL_OPEN_OK)
		return APP_RUN;
	/*
	 * A live console there: this one must not start (which would intercom-ctl
	 * reach?). The default place unusable (a runtime directory that is not
	 * there): the console runs without remote control and says why, as it
	 * runs without an input; a socket asked for by name must be had.
	 */
	if (r == CONTROL_OPEN_IN_USE || con->opts.control_socket[0]) {
		app_error(&con->app, "%s", err);
		return EXIT_NETWORK;
	}
	snprintf(con->control_off_why, sizeof con->control_off_why, "%s", err);
	return APP_RUN;
}

/* Signals as a pipe, the listening sockets, and the station serving them. */
static int setup_station(struct console *con)
{
	char err[512];
	con->signal_fd = signals_open(err, sizeof err);
	if (con->signal_fd < 0) {
		app_error(&con->app, "%s", err);
		return EXIT_FAILURE_RUNTIME;
	}
	int listen_fd = net_listen(con->opts.host, con->opts.port, err, sizeof err);
	if (listen_fd < 0) {
		app_error(&con->app, "%s", err);
		return EXIT_NETWORK;
	}
	int legacy_fd = -1;
	if (con->opts.legacy_port) {
		legacy_fd = net_listen(con->opts.host, con->opts.legacy_port, err, sizeof err);
		if (legacy_fd < 0) {
			app_error(&con->app, "--legacy-port: %s", err);
			close(listen_fd);
			return EXIT_NETWORK;
		}
	}
	net_local_addr(listen_fd, con->listen_addr, sizeof con->listen_addr);
	if (legacy_fd >= 0)
		net_local_addr(legacy_fd, con->legacy_addr, sizeof con->legacy_addr);
	con->station = station_new(listen_fd);
	if (!con->station) {
		app_error(&con->app, "out of memory");
		return EXIT_FAILURE_RUNTIME;
	}
	station_set_max_speakers(con->station, (size_t)con->opts.max_speakers);
	station_set_hello_deadline(con->station, (unsigned)con->opts.hello_timeout_ms);
	if (con->opts.key_file[0])
		station_set_key(con->station, &con->key);
	station_set_identity(con->station, &con->identity);
	station_set_admission(con->station, (enum admit_policy)con->opts.admit, &con->approved);
	if (legacy_fd >= 0)
		station_listen_legacy(con->station, legacy_fd);
	for (int i = 0; i < con->opts.rtp_count; i++) {
		if (station_add_rtp(con->station, &con->opts.rtp[i], err, sizeof err) < 0) {
			app_error(&con->app, "--rtp %s: %s", con->opts.rtp[i].name, err);
			return EXIT_NETWORK;
		}
	}
	/* The loop paces the RTP packets: asked to run first, where the system allows it. */
	if (con->opts.rtp_count > 0)
		con->realtime = realtime_raise_self(REALTIME_PRIORITY, con->realtime_why, sizeof con->realtime_why) == 0;
	return APP_RUN;
}

/*
 * The console advertised over mDNS (unless --no-advertise): its name, its
 * port, and in the TXT record what a speaker may want to know before it
 * connects (protocol, whether a key is required, the key's fingerprint:
 * public, and only shown, never trusted: the handshake checks the key).
 * Without avahi-daemon the advert says so once and the console serves as before.
 */
static int setup_advert(struct console *con)
{
	if (con->opts.no_advertise)
		return APP_RUN;
	char name[sizeof con->opts.name];
	if (con->opts.name[0])
		snprintf(name, sizeof name, "%s", con->opts.name);
	else
		app_host_name(name, sizeof name, "intercom console");
	struct dnssd_txt txt = { .txtvers = DNSSD_TXT_VERSION, .proto = PROTO_VERSION,
	                         .psk = con->opts.key_file[0] != '\0' };
	size_t n = 0;
	for (const char *c = con->fingerprint; *c && n + 1 < sizeof txt.fp; c++)
		if (*c != ' ')
			txt.fp[n++] = *c;
	snprintf(txt.version, sizeof txt.version, "%s", INTERCOM_VERSION);
	con->advert = discovery_advert_new(name, con->opts.port, &txt);
	if (!con->advert) {
		app_error(&con->app, "out of memory");
		return EXIT_FAILURE_RUNTIME;
	}
	return APP_RUN;
}

/* The console's own parts: its state, the file loads, the outbox, and the screen's objects. */
static int setup_parts(struct console *con)
{
	con->fmt = (struct audio_format){ .rate = con->opts.rate, .channels = con->opts.channels };
	console_state_init(&con->cs, &con->fmt, con->opts.duration, say_cb, NULL);
	con->cs.say_refusal = say_refusal_cb;
	page_ledger_init(&con->ledger, con->opts.wait_max_age_s, con->opts.wait_max_pages, say_cb, NULL);
	con->cs.known = &con->ledger.known;
	con->loads = file_loads_new(con->fmt.rate, con->fmt.channels, format_frames_for_seconds(
		con->fmt.rate, options_max_duration(con->fmt.rate, con->fmt.channels)));
	con->outbox = outbox_new(con->archive_dir, page_send_cb, page_commit_cb, con);
	if (con->screen) {
		con->ui = console_ui_new();
		con->view = calloc(1, sizeof *con->view);
	}
	if (con->outbox)
		outbox_set_keep(con->outbox, pages_kept(con));
	if (!con->loads || !con->outbox || (con->screen && (!con->ui || !con->view))) {
		app_error(&con->app, "out of memory");
		return EXIT_FAILURE_RUNTIME;
	}
	/* From here on the screen's log pane collects the events, even before it shows. */
	if (con->screen)
		log_set_sink(screen_log_cb, con);
	char state_dir[PATH_MAX];
	identity_state_dir(state_dir, sizeof state_dir);
	page_ledger_load(&con->ledger, state_dir);
	return APP_RUN;
}

/*
 * The input at start-up. A device named with -i must be there (the operator
 * asked for it); the default one may come later (a sound server that starts
 * after the console, a microphone plugged in), so its absence only disables
 * talk until the watch finds it.
 */
static int setup_input(struct console *con)
{
	char err[256] = "out of memory";
	con->input = input_watch_new(con->opts.input_device, &con->fmt, con->opts.chunk);
	if (!con->input || input_watch_open(con->input, clock_mono_ms(), err, sizeof err) < 0) {
		app_error(&con->app, "%s", err);
		console_screen_done(con);
		console_shutdown(con);
		return EXIT_AUDIO;
	}
	return APP_RUN;
}

/* The terminal, last: an error before this point is printed on a terminal left as it was. */
static int setup_terminal(struct console *con)
{
	char err[512];
	if (con->screen && term_init(err, sizeof err) < 0) {
		console_screen_done(con);
		app_error(&con->app, "%s", err);
		console_shutdown(con);
		return EXIT_USAGE;
	}
	/* Hold-to-talk where the terminal reports releases; nothing waits for the answer. */
	if (con->screen)
		term_keys_probe();
	return APP_RUN;
}

/* Everything before the loop, in order: APP_RUN, or the exit code of the step that ended it. */
static int console_setup(struct console *con)
{
	static int (*const steps[])(struct console *) = {
		setup_key,   setup_front_end, setup_archive, setup_control, setup_station,
		setup_parts, setup_prefs,     setup_input,   setup_advert,  setup_terminal,
	};
	int rc = APP_RUN;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0] && rc == APP_RUN; i++)
		rc = steps[i](con);
	/* The station keeps its own copy. */
	sodium_memzero(&con->key, sizeof con->key);
	identity_wipe(&con->identity);
	return rc;
}

/* What the operator should know before the first page: where, how, what is missing, what is unsafe. */
static void console_greet(const struct console *con)
{
	log_event("intercom-console %s listening on %s, archive %s, duration %.2f s", INTERCOM_VERSION,
	          con->listen_addr, con->archive_dir, con->opts.duration);
	if (con->legacy_addr[0])
		log_event("old Python-intercom clients served on %s: each page goes to them as a plain WAV",
		          con->legacy_addr);
	if (!capture(con))
		log_event_at(LOG_PRIORITY_WARNING, "no input: %s; talk is disabled until an input device appears, send PATH still works",
		          input_watch_missing(con->input));
	if (con->opts.no_effect[0])
		log_event("note: %s does nothing on the console: it plays nothing itself (the test tone "
		          "plays on a speaker)", con->opts.no_effect);
	const char *fp = con->fingerprint;
	log_event("this console's key: %s (speakers pin it on first contact; compare it there)", fp);
	if (con->opts.key_file[0])
		log_event("pre-shared key %s: only speakers with it can connect; every link is encrypted",
		          con->opts.key_file);
	else
		log_event("every link is encrypted (Noise XX); no pre-shared key");
	switch ((enum admit_policy)con->opts.admit) {
	case ADMIT_ASK:
		log_event("a new speaker waits for your approval: it shows as NAME (ab12cd34) asks to join; "
		          "%s", con->screen ? "press a to approve it (x refuses), or :approve ID"
		                            : "type approve ID (or refuse ID; pending lists them)");
		break;
	case ADMIT_KEY:
		log_event("new speakers that prove the pre-shared key join without asking (--admit key)");
		break;
	case ADMIT_ALL:
		log_event("warning: any speaker that connects joins and hears every page (--admit all)");
		break;
	}
	if (con->control)
		log_event("remote control on %s (intercom-ctl; this user only)", con->control_path);
	else if (con->control_off_why[0])
		log_event("warning: no remote control (intercom-ctl): %s", con->control_off_why);
	if (con->opts.legacy_port)
		log_event("warning: the legacy port %d is OPEN: it serves every page UNENCRYPTED to anyone "
		          "who connects", con->opts.legacy_port);
	for (int i = 0; i < con->opts.rtp_count; i++)
		log_event("warning: RTP target %s (%s:%d) gets every page UNAUTHENTICATED and unencrypted: "
		          "anyone on its network hears it, and can page its endpoints too", con->opts.rtp[i].name,
		          con->opts.rtp[i].group, con->opts.rtp[i].port);
	if (con->opts.rtp_count > 0 && con->realtime)
		log_event("RTP packets paced at real-time priority (SCHED_FIFO %d)", REALTIME_PRIORITY);
	else if (con->opts.rtp_count > 0)
		log_event("note: RTP packets paced at normal priority, so a busy machine may send some a few ms "
		          "late: %s", con->realtime_why);
	if (con->screen)
		log_event("Space talks, ? lists the keys, q quits");
	else
		log_event("commands: talk [SECONDS] [OPTS] (or an empty line), stop, cancel, send [OPTS] PATH, "
		          "resend [--missed] [PAGE] [OPTS], target [all|zone NAME|speaker NAME], history, "
		          "duration SECONDS, live, page, priority LEVEL, chime on|off|FILE, preroll MS, list, pending, "
		          "approve ID, refuse ID, forget ID, status, quit; OPTS: --all, --zone NAME, --speaker NAME|ID, "
		          "--priority LEVEL, --chime, --no-chime");
}

int main(int argc, char **argv)
{
	static struct console con = { .app.name = "intercom-console", .stdin_open = true };
	int rc = app_start(&con.app, &con.opts, PROGRAM_CONSOLE, argc, argv);
	if (rc == APP_RUN)
		rc = console_setup(&con);
	if (rc != APP_RUN) {
		control_free(con.control); /* a later step failed: the socket is not left behind */
		return rc;
	}
	console_greet(&con);
	rc = console_run(&con);
	/* The terminal first: whatever happens next is readable. */
	console_screen_done(&con);
	app_report_fatal(&con.app);
	console_shutdown(&con);
	log_event("console stopped");
	return rc;
}

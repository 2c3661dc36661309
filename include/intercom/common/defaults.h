/* Every tunable default and limit, in one place, with why it has that value. */
#ifndef INTERCOM_DEFAULTS_H
#define INTERCOM_DEFAULTS_H

#define INTERCOM_VERSION "0.1.0"

/* The original Python intercom used 2348; keeping it lets sites migrate box by box. */
#define DEFAULT_PORT 2348
#define DEFAULT_LISTEN_HOST "0.0.0.0"

#define DEFAULT_DURATION_S 5.0
/* The console TUI steps the duration by 0.5 s; a page longer than 5 min is a broadcast, not a page. */
#define DURATION_MIN_S 0.5
#define DURATION_MAX_S 300.0

#define DEFAULT_RATE 48000
#define RATE_MIN 8000
#define RATE_MAX 192000
#define DEFAULT_CHANNELS 1
#define CHANNELS_MAX 8
#define DEFAULT_CHUNK 1024
#define CHUNK_MIN 16
#define CHUNK_MAX 16384

/* Peer-supplied names and zones are shown in a table: short, printable UTF-8. */
#define NAME_MAX_BYTES 64

/* Reconnect backoff of a speaker: doubles from the minimum, never above the cap. */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 10000

/* Heartbeat: a ping a second, a peer silent for 5 s is dead (TCP keepalive would take hours). */
#define HEARTBEAT_INTERVAL_MS 1000
#define HEARTBEAT_TIMEOUT_MS 5000
/*
 * A console's loop wakes at least every HEARTBEAT_INTERVAL_MS. A pass later
 * than this after the one before means it did not run (stopped with Ctrl-Z,
 * suspended, starved of CPU): that time is no speaker's silence, since nobody
 * was pinged and what they sent waits unread, so it is not counted against
 * them. Twice the interval: a busy pass is no stop.
 */
#define LOOP_STALL_MS (2 * HEARTBEAT_INTERVAL_MS)
/*
 * While a frame arrives (a page: the console's PINGs wait behind it), its
 * bytes are a speaker's sign of life as long as they move: at least
 * PAGE_STALL_BYTES, or the rest of the frame, in every PAGE_STALL_MS. The time
 * is the heartbeat timeout's, since the page stands in for the heartbeat.
 * 32 KiB in 5 s is 52 kbit/s, slower than any link a page is of use over (a
 * 5 s page would take 75 s), while a peer trickling bytes to hold a speaker in
 * "receiving" is given up within 5 s, like a silent one: the speaker reports
 * the page failed and drops the link.
 */
#define PAGE_STALL_MS 5000
#define PAGE_STALL_BYTES (32 * 1024)
/* A connection must introduce itself within this time or it is closed. */
#define HELLO_DEADLINE_MS 10000
/*
 * And a speaker gives a console as long from the connection to its WELCOME
 * (the key proven, when there is one), however the bytes trickle in: a peer
 * that keeps it talking without ever getting there cannot hold it.
 */
#define WELCOME_DEADLINE_MS 10000

/* Speakers a console serves at once (--max-speakers), and the most it may be set to. */
#define DEFAULT_MAX_SPEAKERS 1000
#define MAX_SPEAKERS_LIMIT 10000
/*
 * Connections that have not said HELLO yet; each newer one takes the place of
 * the oldest of the address holding the most (admission.h), so a flood costs
 * nothing and a peer holding them all cannot lock speakers out.
 */
#define MAX_PENDING_HELLO 64
/*
 * Lines a peer can make the console write as fast as it connects (joined,
 * left, closed before hello) are rationed per address and cause (ratelimit.h):
 * 10 in 10 s, then one summary line as the window closes. Before, a
 * connect-and-reset flood wrote 11 MB in 15 s. 10 is more than a person
 * testing from one host makes (test_bad_input.sh: 7 in a row); a join is held
 * only while its address's leaves are over budget, so a building of speakers
 * behind one NAT still shows every join. At most 100 lines in 10 s over every
 * address, plus a summary for each (32 addresses followed one by one, the
 * rest together): a flood from many addresses is bounded too.
 */
#define LOG_FLOOD_WINDOW_MS 10000
#define LOG_FLOOD_BUDGET 10
#define LOG_FLOOD_TOTAL 100

/* Pages queued for one speaker beyond the one being written; more means it stopped reading. */
#define SPEAKER_QUEUE_PAGES 2

/*
 * Old Python-intercom clients (--legacy-port) served at once; more wait in the
 * listen backlog until one leaves. Each holds a socket and, during a page, a
 * reference to the page: bounded so a crowd of them cannot exhaust the console.
 */
#define LEGACY_MAX_CLIENTS 64
/* An old-protocol page that moves no byte for this long is given up (it has no heartbeat). */
#define LEGACY_STALL_MS 5000
/*
 * Old-protocol links are silent while they wait for a page, so only TCP keepalive
 * finds a peer that vanished: here after 30 s + 3 x 10 s instead of two hours.
 */
#define LEGACY_KEEPALIVE_IDLE_S 30
#define LEGACY_KEEPALIVE_INTERVAL_S 10
#define LEGACY_KEEPALIVE_COUNT 3

/*
 * A timed page's stream starts this long before its target: opening it
 * (5 ms through the pulse plugin), its priming (64 ms) and a few buffers to
 * judge its clock by (PLAYOUT_CLOCK_JUDGE_S) fit, with room for a busy loop.
 * The console's margin is the same time (a shorter one makes pages join late).
 */
#define PLAYOUT_LEAD_MS 250
/*
 * Timed playout (docs/PROTOCOL.md, "When a page plays"). A page's play-at is
 * the time its bytes take to reach the slowest targeted speaker that plays at
 * a time, plus this margin: the speaker checks the WAV (a few ms for 5 s of
 * audio), then starts its output stream PLAYOUT_LEAD_MS before the instant
 * and places the first sample. With less, a page arriving at once (loopback,
 * a fast LAN) joins late by the difference: 120 ms gave "joined late by 7 ms"
 * through PulseAudio. A quarter of a second after
 * the copies are in still feels immediate for a page that was recorded first.
 */
#define PLAYAT_MARGIN_MS PLAYOUT_LEAD_MS
/*
 * A page goes out while it is archived, and plays once its COMMIT says it
 * is on disk (PROTO_CAP_COMMIT). Until an archive has been timed, one is
 * expected to take 50 ms: a write and fsync of a 5 s page on an SSD take a
 * few ms, on a spinning disk tens. A slower one only holds the page's start.
 */
#define PLAYAT_ARCHIVE_FIRST_MS 50
/*
 * PREPARE tells speakers a recording's page will be sent by its end plus
 * this: the capture's end is noticed within a few ms, encoding takes ~1 ms.
 */
#define PREPARE_SEND_BY_MS 500
/*
 * Live talk: every speaker plays each sample at its capture time plus this
 * latency (--live-latency-ms), all in step through the shared clock. Its
 * parts on a LAN: the capture's buffer and the pump (up to 40 ms at the
 * default chunk), the codec's look-ahead (6.5 ms), the link and a frame of
 * margin (20 ms), the speaker's device buffer (through PulseAudio ~60 ms).
 * 150 ms keeps all of it with room; below 100 ms a conversation no longer
 * hears itself late (ITU-T G.114 puts one-way delay up to 150 ms as fine).
 * A frame not there in time is concealed, never played late.
 */
#define LIVE_LATENCY_MS 150
#define LIVE_LATENCY_MIN_MS 20
#define LIVE_LATENCY_MAX_MS 2000
/*
 * The pre-roll: a page begins this long before the key (--preroll-ms,
 * `preroll MS`), so the first syllable spoken with the key press is not cut.
 * 300 ms covers the key's travel and a speaker who starts as they press;
 * more brings in what was said before it (a neighbour's last words). At most
 * 1 s: the input keeps that much at all times (capture's preroll buffer).
 */
#define PREROLL_DEFAULT_MS 300
#define PREROLL_MAX_MS 1000
/*
 * The chime before pages: a replacement file (--chime FILE, `chime FILE`)
 * longer than this is refused, so a whole song given by mistake does not
 * precede every announcement (the shipped one is 0.75 s).
 */
#define CHIME_MAX_S 5
/*
 * An emergency page plays on a speaker at no less than this volume
 * (--emergency-floor-db), muted or turned down: 0 dB is the page as
 * recorded. A speaker set louder keeps its volume.
 */
#define EMERGENCY_FLOOR_DB 0
/*
 * The throughput assumed for a link not measured yet (its first large page):
 * 20 Mbit/s, what a crowded 100 Mbit segment or a Wi-Fi link gives; a wired
 * LAN is faster, so a first page waits a little longer than it needs to.
 */
#define PLAYAT_DEFAULT_LINK_BPS 20000000ull
/*
 * The console's own link, shared by every copy of a page, until measured
 * (the time from a page's send to the last speaker holding it): 1 Gbit/s, a
 * wired LAN. It matters once a page goes to many speakers: 100 copies of a
 * 5 s page are 48 MB, 384 ms at 1 Gbit/s, however fast each speaker's own
 * link. A slower console link is measured on the first page to all.
 */
#define PLAYAT_DEFAULT_UPLINK_BPS 1000000000ull
/*
 * A page smaller than this says little about a link's throughput (its time is
 * the round trip, not the bytes): it is not measured.
 */
#define PLAYAT_MEASURE_MIN_BYTES (64u * 1024)
/*
 * The latest a page may start after it is sent. Past it (a 60 s page, 5.8 MB,
 * to 100 speakers behind a 100 Mbit link: 46 s of transfer) a common start
 * would keep everyone waiting longer than a page is worth: the page plays on
 * arrival, as with protocol 1, and the log says why.
 */
#define PLAYAT_MAX_LEAD_MS 3000
/*
 * A speaker that reports SYNC_SETTLING has an estimate, not yet one it would
 * start pages by: only SYNC_LOCKED speakers play at a time (the others play
 * on arrival). One whose uncertainty is still above this is treated as
 * settling, whatever it says: beyond 5 ms two speakers are an audible echo.
 */
#define PLAYAT_MAX_UNCERTAINTY_US 5000u

/*
 * Streams (live talk, streamed pages) travel in frames of 20 ms: Opus's
 * default and what Mumble and WebRTC send. Shorter frames cost more header
 * and CPU per second (10 ms doubles the frames and Opus loses ~10 % of its
 * efficiency); longer ones add their length to mouth-to-ear latency (a frame
 * is only sent once it is whole) and make a lost frame a longer gap.
 */
#define STREAM_FRAME_MS 20
/*
 * Opus bitrate (--bitrate, bits per second of the encoded stream). 32 kbit/s:
 * RFC 7587 3.1.1 and Xiph's recommended settings give 28-40 kbit/s for
 * fullband speech (16-20 for wideband), Mumble's default is 40 kbit/s, and
 * libopus 1.3.1 codes mono voice fullband (hybrid) from 16 kbit/s up
 * (measured with OPUS_GET_BANDWIDTH), so 32 k sits
 * past the knee of speech quality with headroom for a noisy hall's
 * microphone, at 4 kB/s: 1/24 of 48 kHz PCM, 3.2 Mbit/s to 100 speakers.
 * Below 24 k speech starts to sound processed; above 40 k nothing a
 * loudspeaker in a hall reproduces gets better. The range is Opus's own.
 */
#define STREAM_OPUS_BITRATE_DEFAULT 32000
#define STREAM_OPUS_BITRATE_MIN 6000
#define STREAM_OPUS_BITRATE_MAX 510000
/*
 * Opus encoder complexity 0..10 (libopus's default is 10). Measured by
 * `intercom-bench codec` on 13 s of espeak-ng speech at 48 kHz mono, 32 kbit/s
 * (docs/BENCHMARKS.md, section 10): encoding a 20 ms frame costs ~200 µs at
 * 10 (1 % of a core), ~105 µs at 5, ~50 µs at 0; decoding ~23 µs whatever
 * the complexity. 5 halves the console's cost of talking live against 10,
 * while the decoded waveform is as close to the input at 5 as at 10 (SNR and
 * correlation equal to 0.1 dB / 0.001) and sizes differ by 1-2 %. The
 * console encodes a stream once, whatever the number of speakers. Against
 * the CPU goal for recording (1.5x parec, which costs 0.39 % of a
 * core here) the encoder at 5 is 1.3x parec on its own: 0 (0.6x) is the
 * setting to try if that figure binds.
 */
#define STREAM_OPUS_COMPLEXITY 5
/*
 * PCM concealment: the last sample before a gap is ramped to silence over
 * this long instead of stepping to 0, which would click. 5 ms is below what
 * an ear hears as a fade and long enough to remove the step's high frequencies.
 */
#define STREAM_PCM_FADE_MS 5

/*
 * Jitter buffer of a live stream (jitter.h). A frame may arrive at most
 * this far ahead of the one being played; further ones are dropped (the
 * buffer's memory is fixed: capacity = this / STREAM_FRAME_MS slots). Two
 * seconds hold any live latency a person can talk through (beyond ~500 ms
 * conversation breaks down) with room for a burst after a stall.
 */
#define JITTER_AHEAD_MS 2000
/*
 * A live stream from which no frame came for this long (counted in slots
 * handed out missing, so at the speaker's own pace) is over: the speaker
 * ends it, its last frame's play time + this at the latest. 1 s outlasts
 * TCP's first retransmission (200 ms minimum RTO) and a second one on a LAN,
 * yet a cut console is noticed well before the heartbeat's 5 s.
 */
#define JITTER_END_AFTER_MS 1000
/*
 * How far a frame's capture time may lie from where its sequence number
 * puts it (the previous slot's time + a frame per sequence step) and still
 * be taken: half a frame. A console stamps frames from its capture clock,
 * which drifts ~100 ppm from ours (0.2 ms over the 2 s window); a frame off
 * by more is not the frame its number says and would play at the wrong time.
 */
#define JITTER_TIME_TOLERANCE_US (STREAM_FRAME_MS * 1000 / 2)

/* Exit codes, documented in README.md. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_RUNTIME = 1, /* ran, but the job failed (e.g. --once page not played) */
	EXIT_USAGE = 2,           /* unknown option or bad value; no terminal for the screen */
	/*
	 * The console cannot listen: port in use, address not on this machine, name
	 * not resolved; or cannot open an --rtp target. A speaker exits 3 only when
	 * it cannot join --rtp-listen's group: it retries a console it cannot
	 * resolve or reach.
	 */
	EXIT_NETWORK = 3,
	EXIT_AUDIO = 4,           /* no such device, audio system unusable */
	EXIT_FILES = 5,           /* config file unreadable; archive or save directory, key or identity file unusable */
	/*
	 * Speaker: the console's key is not the one pinned for its address (or
	 * given with --console-key): someone else may be posing as the console.
	 * Not retried: the message names the command that accepts a new key.
	 */
	EXIT_IDENTITY = 6,
	/*
	 * Speaker given no console address: there is no avahi-daemon to find one
	 * over mDNS (give HOST), or several consoles were found and no
	 * --console-name says which (give it, or HOST). Not retried: either
	 * needs a person's word.
	 */
	EXIT_DISCOVERY = 7,
};

/*
 * intercom-ctl's exit codes besides EXIT_OK and EXIT_USAGE (a table of its
 * own, in its --help and README's "Remote control"): a script calling it
 * from a timer tells "the console said no" from "no console" from "stuck".
 */
enum ctl_exit {
	CTL_EXIT_REFUSED = 1,     /* the console answered the command with an error */
	CTL_EXIT_UNREACHABLE = 3, /* no socket, nobody listening, or the console refused this user */
	CTL_EXIT_TIMEOUT = 4,     /* the console took or answered nothing within --timeout */
};

/*
 * Which new speakers (keys the console has not approved) join at once
 * (--admit): the operator decides (ask), those that prove the pre-shared key
 * do (key), or every one (all: a lab, a demo, the tests).
 */
enum admit_policy { ADMIT_ASK, ADMIT_KEY, ADMIT_ALL };
/*
 * Speakers waiting for the operator's approval at once (connected, not
 * listed, sent nothing but WAIT and PINGs); one more is told to come back
 * later. More than a screen shows: approving them is one key each.
 */
#define LOBBY_MAX 64

/*
 * Pages that wait for offline speakers (console/wait_queue.h): how long by
 * default (--wait-max-age; an announcement older than 10 minutes is stale
 * news), and how many different pages at once (--wait-max-pages; each is
 * held in memory until it is delivered or expires). The options' ranges:
 * 0 (pages never wait) to a day; 1 to 64 pages (64 ten-second pages at
 * 48 kHz are ~60 MB).
 */
#define WAIT_MAX_AGE_S_DEFAULT 600
#define WAIT_MAX_AGE_S_MAX 86400
#define WAIT_MAX_PAGES_DEFAULT 8
#define WAIT_MAX_PAGES_MAX 64

#endif

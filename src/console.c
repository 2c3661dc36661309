/*
 * intercom-console: the operator's side. Listens for speakers, records a page
 * from the input device (or loads one from a file), archives it and sends one
 * shared copy to every connected speaker, then follows each speaker's STATUS.
 * This file is the headless front-end and the event loop; the curses screen
 * sits on the same loop.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/archive.h"
#include "intercom/auth.h"
#include "intercom/audio.h"
#include "intercom/capture.h"
#include "intercom/clock.h"
#include "intercom/defaults.h"
#include "intercom/format.h"
#include "intercom/log.h"
#include "intercom/meter.h"
#include "intercom/net.h"
#include "intercom/options.h"
#include "intercom/proto.h"
#include "intercom/signals.h"
#include "intercom/station.h"
#include "intercom/trace.h"
#include "intercom/wav.h"

/* While recording, the ring is drained this often (it holds 2 s, so there is slack). */
#define CAPTURE_PUMP_MS 20
/* A lost input device is reopened this often until it is back. */
#define INPUT_RETRY_MS 2000
/* The latest page: its WAV is kept to send again. */
struct last_page {
	uint32_t id;
	uint64_t created_ms;
	uint8_t *wav;
	size_t wav_len;
	bool archived;
	char path[PATH_MAX];
};

struct console {
	struct options opts;
	struct audio_format fmt;
	int signal_fd;
	bool stdin_open;
	char line[4096];
	size_t line_len;

	struct station *station;

	bool audio_up;
	struct capture *capture;  /* NULL: no input device */
	char no_input[320];       /* why there is no input */
	int input_device;         /* -1: none found at start-up */
	uint64_t input_retry_ms;  /* when to reopen a lost input device (0: not lost) */

	char archive_dir[PATH_MAX];
	uint32_t next_page_id;
	struct last_page last;    /* kept for resend, and until it could be archived */
	bool quit;
};

/* Archives the last page if it is not yet, then sends it; a page never leaves unarchived. */
static void page_deliver(struct console *con)
{
	struct last_page *pg = &con->last;
	if (!pg->archived) {
		char name[64], err[PATH_MAX + 128];
		archive_page_name(pg->created_ms, pg->id, name, sizeof name);
		if (archive_write(con->archive_dir, name, pg->wav, pg->wav_len, pg->path, sizeof pg->path,
		                  err, sizeof err) < 0) {
			log_event("page %u NOT sent: cannot archive it: %s (fix the archive, then type resend)",
			          pg->id, err);
			return;
		}
		pg->archived = true;
		log_event("page %u archived as %s", pg->id, pg->path);
	}
	trace_event("archived", pg->id); /* INTERCOM_TRACE (bench): page ready to send */
	station_send_page(con->station, pg->id, pg->created_ms, pg->wav, pg->wav_len, 0);
	trace_event("queued", pg->id); /* INTERCOM_TRACE (bench): in every queue, first writes done */
}

/* Takes a new page's WAV (malloc'd), archives it and sends it. */
static void page_send(struct console *con, uint8_t *wav, size_t wav_len, const char *what)
{
	free(con->last.wav);
	con->last = (struct last_page){ .id = ++con->next_page_id, .created_ms = clock_wall_ms(),
	                                .wav = wav, .wav_len = wav_len };
	log_event("page %u %s, %zu bytes", con->last.id, what, wav_len);
	page_deliver(con);
}

static void page_resend(struct console *con)
{
	if (!con->last.wav) {
		log_event("nothing to resend: no page yet");
		return;
	}
	log_event("page %u sent again", con->last.id);
	page_deliver(con);
}

/* Encodes captured samples and sends them as a page. Frees samples. */
static void page_from_samples(struct console *con, int16_t *samples, size_t frames, const char *what)
{
	uint8_t *wav;
	size_t wav_len;
	trace_event("samples_ready", con->next_page_id + 1); /* INTERCOM_TRACE (bench): capture ended */
	struct level level = meter_measure_s16(samples, frames * (size_t)con->fmt.channels);
	if (wav_encode_s16(samples, frames, con->fmt.rate, con->fmt.channels, &wav, &wav_len) < 0) {
		log_event("page not sent: cannot encode %zu frames as WAV", frames);
		free(samples);
		return;
	}
	trace_event("encoded", con->next_page_id + 1); /* INTERCOM_TRACE (bench) */
	free(samples);
	char desc[192], fmtname[64];
	format_describe(&con->fmt, fmtname, sizeof fmtname);
	snprintf(desc, sizeof desc, "%s: %.2f s %s, peak %.1f dBFS", what,
	         format_seconds(frames, con->fmt.rate), fmtname, meter_dbfs(level.peak));
	page_send(con, wav, wav_len, desc);
}

static void console_talk(struct console *con)
{
	if (!con->capture) {
		log_event("cannot talk: %s (send PATH still works)", con->no_input);
		return;
	}
	if (capture_active(con->capture)) {
		log_event("already recording");
		return;
	}
	size_t frames = format_frames_for_seconds(con->fmt.rate, con->opts.duration);
	char err[PATH_MAX + 256];
	/* A page that could not be archived would not be sent: say so before recording, not after. */
	if (archive_check(con->archive_dir, format_bytes(&con->fmt, frames) + 1024, err, sizeof err) < 0) {
		log_event("cannot talk: archive: %s", err);
		return;
	}
	if (capture_start(con->capture, frames) < 0) {
		log_event("cannot record: out of memory for %zu frames", frames);
		return;
	}
	log_event("recording %.2f s (%zu frames)", con->opts.duration, frames);
}

static void console_capture_pump(struct console *con)
{
	if (!capture_active(con->capture) || !capture_pump(con->capture))
		return;
	uint64_t dropped = capture_frames_dropped(con->capture);
	size_t frames;
	int16_t *samples = capture_take(con->capture, &frames);
	if (dropped > 0)
		log_event("warning: %llu frames were lost while recording (the console fell behind)",
		          (unsigned long long)dropped);
	if (samples)
		page_from_samples(con, samples, frames, "captured");
}

static void console_send_file(struct console *con, const char *path)
{
	int16_t *samples;
	size_t frames;
	char err[PATH_MAX + 256];
	size_t max_frames = format_frames_for_seconds(con->fmt.rate, DURATION_MAX_S);
	if (wav_load_file(path, con->fmt.rate, con->fmt.channels, max_frames, &samples, &frames, err,
	                  sizeof err) < 0) {
		log_event("cannot send %s: %s", path, err);
		return;
	}
	char what[PATH_MAX + 16];
	snprintf(what, sizeof what, "loaded from %s", path);
	if (frames == 0) {
		log_event("cannot send %s: it holds no audio", path);
		free(samples);
		return;
	}
	page_from_samples(con, samples, frames, what);
}

static void console_list(struct console *con)
{
	size_t n = station_speaker_count(con->station);
	uint64_t now = clock_mono_ms();
	for (size_t i = 0; i < n; i++) {
		const struct station_speaker *sp = station_speaker_at(con->station, i);
		if (sp->legacy) {
			log_event("legacy speaker %s, connected %llu s, last page %s", sp->name,
			          (unsigned long long)((now - sp->connected_ms) / 1000),
			          sp->page_id ? proto_page_state_name(sp->page_state) : "none");
			continue;
		}
		log_event("speaker %s zone '%s' at %s, connected %llu s, rtt %u ms, last page %s", sp->name,
		          sp->zone, sp->addr, (unsigned long long)((now - sp->connected_ms) / 1000),
		          sp->rtt_ms, sp->page_id ? proto_page_state_name(sp->page_state) : "none");
	}
	log_event("%zu speaker(s) connected", n);
}

/* One command line from stdin. */
static void console_command(struct console *con, char *line)
{
	size_t len = strlen(line);
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || strcmp(line, "talk") == 0) {
		console_talk(con);
	} else if (strncmp(line, "send ", 5) == 0) {
		console_send_file(con, line + 5);
	} else if (strncmp(line, "duration ", 9) == 0) {
		double seconds;
		if (options_parse_duration(line + 9, &seconds) < 0) {
			log_event("bad duration '%s': give seconds between %g and %g, e.g. duration 2.5",
			          line + 9, DURATION_MIN_S, DURATION_MAX_S);
			return;
		}
		con->opts.duration = seconds;
		log_event("duration set to %.2f s", seconds);
	} else if (strcmp(line, "cancel") == 0) {
		if (capture_active(con->capture)) {
			capture_cancel(con->capture);
			log_event("recording cancelled");
		}
	} else if (strcmp(line, "stop") == 0) {
		if (capture_active(con->capture)) {
			size_t frames;
			int16_t *samples = capture_take(con->capture, &frames);
			if (samples)
				page_from_samples(con, samples, frames, "captured (stopped early)");
		}
	} else if (strcmp(line, "resend") == 0) {
		page_resend(con);
	} else if (strcmp(line, "list") == 0) {
		console_list(con);
	} else if (strcmp(line, "quit") == 0) {
		con->quit = true;
	} else {
		log_event("unknown command '%s': use talk (or an empty line), stop, cancel, send PATH, "
		          "resend, duration SECONDS, list, quit", line);
	}
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
		log_event("command line too long; ignored");
		con->line_len = 0;
	}
}

/* ---- set-up and loop ---- */

static int console_setup_audio(struct console *con)
{
	char err[256];
	if (audio_init(err, sizeof err) < 0) {
		snprintf(con->no_input, sizeof con->no_input, "%s", err);
		return 0;
	}
	con->audio_up = true;
	int device = audio_find_device(con->opts.input_device, true, err, sizeof err);
	if (device < 0) {
		if (con->opts.input_device[0]) {
			fprintf(stderr, "intercom-console: %s\n", err);
			return -1;
		}
		snprintf(con->no_input, sizeof con->no_input, "no input device");
		return 0;
	}
	con->input_device = device;
	con->capture = capture_open(device, &con->fmt, con->opts.chunk, err, sizeof err);
	if (!con->capture) {
		if (con->opts.input_device[0]) {
			fprintf(stderr, "intercom-console: %s\n", err);
			return -1;
		}
		snprintf(con->no_input, sizeof con->no_input, "%s", err);
		return 0;
	}
	char fmtname[64];
	format_describe(&con->fmt, fmtname, sizeof fmtname);
	log_event("input: %s, %s", audio_device_name(device), fmtname);
	return 0;
}

/*
 * Notices an input stream that stopped on its own (device unplugged, sound
 * server gone), keeps what it recorded, and reopens the device every
 * INPUT_RETRY_MS until it is back. Returns ms until it wants to look again.
 */
static int console_watch_input(struct console *con, uint64_t now)
{
	if (con->capture && capture_stream_failed(con->capture)) {
		if (capture_active(con->capture)) {
			size_t frames;
			int16_t *samples = capture_take(con->capture, &frames);
			if (samples)
				page_from_samples(con, samples, frames, "captured (cut short: input device failed)");
		}
		capture_close(con->capture);
		con->capture = NULL;
		snprintf(con->no_input, sizeof con->no_input, "input device lost");
		log_event("input device %s stopped working; talk is disabled, retrying every %d s",
		          audio_device_name(con->input_device), INPUT_RETRY_MS / 1000);
		con->input_retry_ms = now + INPUT_RETRY_MS;
	}
	if (con->capture || con->input_retry_ms == 0)
		return INT32_MAX;
	if (now < con->input_retry_ms)
		return (int)(con->input_retry_ms - now);
	char err[256];
	con->capture = capture_open(con->input_device, &con->fmt, con->opts.chunk, err, sizeof err);
	if (!con->capture) {
		snprintf(con->no_input, sizeof con->no_input, "input device lost: %s", err);
		con->input_retry_ms = now + INPUT_RETRY_MS;
		return INPUT_RETRY_MS;
	}
	con->input_retry_ms = 0;
	log_event("input device %s is back; talk is enabled", audio_device_name(con->input_device));
	return INT32_MAX;
}

static void console_shutdown(struct console *con)
{
	station_free(con->station, "console shutting down");
	free(con->last.wav);
	con->station = NULL;
	capture_close(con->capture);
	con->capture = NULL;
	if (con->audio_up)
		audio_terminate();
	con->audio_up = false;
}

/* Fixed slots before the station's in the poll set. */
enum { SLOT_SIGNAL, SLOT_STDIN, SLOT_STATION };

static int console_run(struct console *con)
{
	struct pollfd *fds = NULL;
	size_t fds_cap = 0;
	while (!con->quit) {
		size_t need = SLOT_STATION + station_pollfd_count(con->station);
		if (need > fds_cap) {
			struct pollfd *grown = realloc(fds, need * 2 * sizeof *fds);
			if (!grown) {
				log_event("out of memory");
				break;
			}
			fds = grown;
			fds_cap = need * 2;
		}
		int timeout = console_watch_input(con, clock_mono_ms());
		if (timeout > HEARTBEAT_INTERVAL_MS)
			timeout = HEARTBEAT_INTERVAL_MS;
		if (capture_active(con->capture))
			timeout = CAPTURE_PUMP_MS;
		fds[SLOT_SIGNAL] = (struct pollfd){ .fd = con->signal_fd, .events = POLLIN };
		fds[SLOT_STDIN] = (struct pollfd){ .fd = con->stdin_open ? STDIN_FILENO : -1, .events = POLLIN };
		size_t nst = station_poll_prepare(con->station, fds + SLOT_STATION, fds_cap - SLOT_STATION,
		                                  &timeout);
		if (poll(fds, SLOT_STATION + nst, timeout) < 0 && errno != EINTR) {
			log_event("poll failed: %s", strerror(errno));
			break;
		}
		if (fds[SLOT_SIGNAL].revents) {
			log_event("caught signal %d, shutting down", signals_take());
			break;
		}
		station_poll_handle(con->station, fds + SLOT_STATION, nst);
		if (fds[SLOT_STDIN].revents)
			console_read_stdin(con);
		if (con->capture)
			console_capture_pump(con);
	}
	free(fds);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static struct console con = { .stdin_open = true, .input_device = -1 };
	char err[512];
	trace_init();
	switch (options_parse(&con.opts, PROGRAM_CONSOLE, argc, argv, err, sizeof err)) {
	case OPTIONS_INVALID:
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	case OPTIONS_EXIT:
		if (con.opts.help)
			options_usage(PROGRAM_CONSOLE, stdout);
		else
			printf("intercom-console %s (protocol %d)\n", INTERCOM_VERSION, PROTO_VERSION);
		return EXIT_OK;
	case OPTIONS_RUN:
		break;
	}
	if (auth_init() < 0) {
		fprintf(stderr, "intercom-console: cannot initialise libsodium\n");
		return EXIT_FAILURE_RUNTIME;
	}
	if (con.opts.gen_key_file[0]) {
		if (auth_key_generate(con.opts.gen_key_file, err, sizeof err) < 0) {
			fprintf(stderr, "intercom-console: %s\n", err);
			return EXIT_FILES;
		}
		printf("wrote a new key to %s (mode 0600); copy it to every speaker and start the console "
		       "and the speakers with --key-file %s\n", con.opts.gen_key_file, con.opts.gen_key_file);
		return EXIT_OK;
	}
	struct auth_key key;
	if (con.opts.key_file[0] && auth_key_load(con.opts.key_file, &key, err, sizeof err) < 0) {
		fprintf(stderr, "intercom-console: %s\n", err);
		return EXIT_FILES;
	}
	if (con.opts.list_devices) {
		if (audio_init(err, sizeof err) < 0) {
			fprintf(stderr, "intercom-console: %s\n", err);
			return EXIT_AUDIO;
		}
		audio_list_devices(stdout);
		audio_terminate();
		return EXIT_OK;
	}
	if (!con.opts.headless) {
		fprintf(stderr, "intercom-console: the curses screen is not built yet; run with --headless\n");
		return EXIT_USAGE;
	}
	con.fmt = (struct audio_format){ .rate = con.opts.rate, .channels = con.opts.channels };

	if (con.opts.archive_dir[0])
		snprintf(con.archive_dir, sizeof con.archive_dir, "%s", con.opts.archive_dir);
	else
		archive_default_dir(con.archive_dir, sizeof con.archive_dir);
	if (archive_prepare_dir(con.archive_dir, err, sizeof err) < 0) {
		fprintf(stderr, "intercom-console: archive: %s, e.g. --archive /var/lib/intercom\n", err);
		return EXIT_FILES;
	}
	con.signal_fd = signals_install();
	int listen_fd = net_listen(con.opts.host, con.opts.port, err, sizeof err);
	if (listen_fd < 0) {
		fprintf(stderr, "intercom-console: %s\n", err);
		return EXIT_NETWORK;
	}
	int legacy_fd = -1;
	if (con.opts.legacy_port) {
		legacy_fd = net_listen(con.opts.host, con.opts.legacy_port, err, sizeof err);
		if (legacy_fd < 0) {
			fprintf(stderr, "intercom-console: --legacy-port: %s\n", err);
			close(listen_fd);
			return EXIT_NETWORK;
		}
	}
	char addr[80], legacy_addr[80] = "";
	net_local_addr(listen_fd, addr, sizeof addr);
	if (legacy_fd >= 0)
		net_local_addr(legacy_fd, legacy_addr, sizeof legacy_addr);
	con.station = station_new(listen_fd);
	if (!con.station) {
		fprintf(stderr, "intercom-console: out of memory\n");
		return EXIT_FAILURE_RUNTIME;
	}
	station_set_max_speakers(con.station, (size_t)con.opts.max_speakers);
	if (con.opts.key_file[0]) {
		station_set_key(con.station, &key);
		sodium_memzero(&key, sizeof key);
	}
	if (legacy_fd >= 0)
		station_listen_legacy(con.station, legacy_fd);
	if (console_setup_audio(&con) < 0) {
		console_shutdown(&con);
		return EXIT_AUDIO;
	}
	log_event("intercom-console %s listening on %s, archive %s, duration %.2f s", INTERCOM_VERSION,
	          addr, con.archive_dir, con.opts.duration);
	if (legacy_fd >= 0)
		log_event("old Python-intercom clients served on %s: each page goes to them as a plain WAV",
		          legacy_addr);
	if (!con.capture)
		log_event("no input: %s; talk is disabled, send PATH still works", con.no_input);
	if (con.opts.key_file[0])
		log_event("key %s: only speakers with it are served; links are authenticated and encrypted",
		          con.opts.key_file);
	if (con.opts.key_file[0] && con.opts.legacy_port)
		log_event("warning: the legacy port %d serves every page unencrypted to anyone who connects",
		          con.opts.legacy_port);
	else
		log_event("no key: links are NOT authenticated or encrypted (make a key with --gen-key, "
		          "then use --key-file on the console and every speaker)");
	log_event("commands: talk (or an empty line), stop, cancel, send PATH, resend, duration SECONDS, list, quit");
	int rc = console_run(&con);
	console_shutdown(&con);
	log_event("console stopped");
	return rc;
}

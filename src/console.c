/*
 * intercom-console: the operator's side. Listens for speakers, records a page
 * from the input device (or loads one from a file), archives it and sends one
 * shared copy to every connected speaker, then follows each speaker's STATUS.
 * This file is the headless front-end and the event loop; the curses screen
 * sits on the same loop.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercom/archive.h"
#include "intercom/audio.h"
#include "intercom/capture.h"
#include "intercom/clock.h"
#include "intercom/conn.h"
#include "intercom/defaults.h"
#include "intercom/format.h"
#include "intercom/log.h"
#include "intercom/meter.h"
#include "intercom/net.h"
#include "intercom/options.h"
#include "intercom/proto.h"
#include "intercom/sbuf.h"
#include "intercom/signals.h"
#include "intercom/wav.h"

/* While recording, the ring is drained this often (it holds 2 s, so there is slack). */
#define CAPTURE_PUMP_MS 20
/* After EMFILE, accept() waits this long instead of spinning on a readable socket. */
#define ACCEPT_BACKOFF_MS 1000

struct speaker {
	struct conn conn;
	uint32_t id;
	char name[NAME_MAX_BYTES + 1];
	char zone[NAME_MAX_BYTES + 1];
	char addr[64];
	bool introduced;          /* HELLO received and answered */
	bool dead;                /* to be removed at the end of this loop pass */
	uint64_t connected_ms;
	uint64_t last_rx_ms;      /* any byte from it counts as a sign of life */
	uint64_t last_ping_ms;
	uint32_t rtt_ms;
	uint64_t seen_bytes_in;

	/* The speaker's view of the current page. */
	uint32_t page_id;         /* 0: not a target of the current page */
	uint8_t page_state;
	bool page_delivered;
	bool page_final;
};

/* The page being delivered, and its tally. */
struct page {
	uint32_t id;
	struct sbuf *frame;       /* PAGE frame: header, page fields, WAV; shared by all queues */
	size_t targets, delivered, played, failed;
	bool summarised;
};

struct console {
	struct options opts;
	struct audio_format fmt;
	int listen_fd;
	uint64_t accept_paused_until;
	int signal_fd;
	bool stdin_open;
	char line[4096];
	size_t line_len;

	struct speaker **speakers;
	size_t speaker_count, speaker_cap;
	uint32_t next_speaker_id;

	bool audio_up;
	struct capture *capture;  /* NULL: no input device */
	char no_input[256];       /* why there is no input */

	char archive_dir[PATH_MAX];
	uint32_t next_page_id;
	struct page page;
	bool quit;
};

/* ---- speakers ---- */

static void speaker_drop(struct speaker *sp, const char *why)
{
	if (sp->dead)
		return;
	sp->dead = true;
	if (sp->introduced)
		log_event("speaker %s (%s) left: %s", sp->name, sp->addr, why);
	else
		log_event("connection from %s closed before hello: %s", sp->addr, why);
}

/* Counts a speaker's final outcome for the current page exactly once. */
static void page_settle(struct console *con, struct speaker *sp, uint8_t state, const char *reason)
{
	if (sp->page_id != con->page.id || sp->page_final || con->page.id == 0)
		return;
	sp->page_final = true;
	sp->page_state = state;
	if (state == PAGE_PLAYED) {
		con->page.played++;
		log_event("page %u played by %s", con->page.id, sp->name);
	} else {
		con->page.failed++;
		log_event("page %u failed on %s: %s", con->page.id, sp->name,
		          *reason ? reason : proto_page_state_name(state));
	}
}

static void page_summarise(struct console *con, const char *note)
{
	struct page *pg = &con->page;
	if (pg->id == 0 || pg->summarised)
		return;
	pg->summarised = true;
	log_event("page %u: delivered to %zu/%zu, played by %zu/%zu%s%s", pg->id, pg->delivered,
	          pg->targets, pg->played, pg->targets, note ? " " : "", note ? note : "");
}

static void page_check_done(struct console *con)
{
	struct page *pg = &con->page;
	if (pg->id != 0 && !pg->summarised && pg->played + pg->failed >= pg->targets)
		page_summarise(con, NULL);
}

static void speaker_remove_dead(struct console *con)
{
	size_t kept = 0;
	for (size_t i = 0; i < con->speaker_count; i++) {
		struct speaker *sp = con->speakers[i];
		if (!sp->dead) {
			con->speakers[kept++] = sp;
			continue;
		}
		page_settle(con, sp, PAGE_FAILED, sp->conn.error[0] ? sp->conn.error : "disconnected");
		conn_close(&sp->conn);
		free(sp);
	}
	con->speaker_count = kept;
	page_check_done(con);
}

static void speaker_send_frame(struct speaker *sp, const uint8_t *frame, size_t len)
{
	if (len == 0 || conn_send_copy(&sp->conn, frame, len) < 0)
		speaker_drop(sp, sp->conn.error[0] ? sp->conn.error : "cannot queue a frame");
}

static void speaker_bye(struct speaker *sp, const char *reason)
{
	struct proto_bye bye;
	uint8_t frame[256];
	snprintf(bye.reason, sizeof bye.reason, "%s", reason);
	size_t len = proto_bye_encode(&bye, frame, sizeof frame);
	if (len > 0 && conn_send_copy(&sp->conn, frame, len) == 0)
		conn_flush(&sp->conn);
}

static int on_hello(struct console *con, struct speaker *sp, const uint8_t *payload, size_t len)
{
	struct proto_hello hello;
	if (sp->introduced) {
		snprintf(sp->conn.error, sizeof sp->conn.error, "second HELLO");
		return -1;
	}
	if (proto_hello_decode(payload, len, &hello) != PROTO_OK) {
		snprintf(sp->conn.error, sizeof sp->conn.error, "malformed HELLO (bad name or zone)");
		speaker_bye(sp, "malformed HELLO: name must be 1-64 bytes of printable UTF-8");
		return -1;
	}
	if (hello.version != PROTO_VERSION) {
		snprintf(sp->conn.error, sizeof sp->conn.error, "speaks protocol %u, we speak %u",
		         hello.version, PROTO_VERSION);
		speaker_bye(sp, "protocol version not supported by this console");
		return -1;
	}
	memcpy(sp->name, hello.name, sizeof sp->name);
	memcpy(sp->zone, hello.zone, sizeof sp->zone);
	sp->introduced = true;
	struct proto_welcome welcome = {
		.version = PROTO_VERSION,
		.caps = 0,
		.speaker_id = sp->id,
		.heartbeat_ms = HEARTBEAT_INTERVAL_MS,
	};
	if (gethostname(welcome.console_name, sizeof welcome.console_name) < 0 ||
	    !proto_text_valid(welcome.console_name, strlen(welcome.console_name), NAME_MAX_BYTES))
		snprintf(welcome.console_name, sizeof welcome.console_name, "console");
	welcome.console_name[NAME_MAX_BYTES] = '\0';
	uint8_t frame[256];
	speaker_send_frame(sp, frame, proto_welcome_encode(&welcome, frame, sizeof frame));
	log_event("speaker %s%s%s joined from %s (%zu connected)", sp->name, *sp->zone ? " zone " : "",
	          sp->zone, sp->addr, con->speaker_count);
	return 0;
}

static int on_status(struct console *con, struct speaker *sp, const uint8_t *payload, size_t len)
{
	struct proto_status st;
	if (proto_status_decode(payload, len, &st) != PROTO_OK) {
		snprintf(sp->conn.error, sizeof sp->conn.error, "malformed STATUS");
		return -1;
	}
	if (st.page_id != sp->page_id || st.page_id != con->page.id)
		return 0; /* about an older page: already settled */
	sp->page_state = st.state;
	if (!sp->page_delivered && st.state >= PAGE_RECEIVED && st.state != PAGE_FAILED) {
		sp->page_delivered = true;
		con->page.delivered++;
		log_event("page %u delivered to %s", st.page_id, sp->name);
	}
	if (st.state == PAGE_PLAYED || st.state == PAGE_FAILED || st.state == PAGE_MUTED ||
	    st.state == PAGE_INTERRUPTED) {
		page_settle(con, sp, st.state, st.reason);
		page_check_done(con);
	}
	return 0;
}

/* Handles one whole frame from a speaker. */
static int speaker_frame_cb(struct conn *conn, const struct proto_header *header,
                            const uint8_t *payload, void *ctx)
{
	struct console *con = ctx;
	struct speaker *sp = (struct speaker *)(void *)conn; /* conn is the first member */
	if (!sp->introduced && header->type != PROTO_HELLO) {
		snprintf(conn->error, sizeof conn->error, "sent %s before HELLO",
		         proto_type_name(header->type));
		return -1;
	}
	switch (header->type) {
	case PROTO_HELLO:
		return on_hello(con, sp, payload, header->length);
	case PROTO_STATUS:
		return on_status(con, sp, payload, header->length);
	case PROTO_PING: {
		struct proto_ping ping;
		uint8_t frame[64];
		if (proto_ping_decode(payload, header->length, &ping) != PROTO_OK) {
			snprintf(conn->error, sizeof conn->error, "malformed PING");
			return -1;
		}
		speaker_send_frame(sp, frame, proto_ping_encode(PROTO_PONG, &ping, frame, sizeof frame));
		return 0;
	}
	case PROTO_PONG: {
		struct proto_ping pong;
		if (proto_ping_decode(payload, header->length, &pong) != PROTO_OK) {
			snprintf(conn->error, sizeof conn->error, "malformed PONG");
			return -1;
		}
		uint64_t now = clock_mono_ms();
		if (pong.sent_ms <= now)
			sp->rtt_ms = (uint32_t)(now - pong.sent_ms);
		return 0;
	}
	case PROTO_BYE: {
		struct proto_bye bye;
		if (proto_bye_decode(payload, header->length, &bye) != PROTO_OK)
			snprintf(bye.reason, sizeof bye.reason, "(unreadable reason)");
		snprintf(conn->error, sizeof conn->error, "said bye: %s", bye.reason);
		return -1;
	}
	case PROTO_WELCOME:
	case PROTO_PAGE:
		snprintf(conn->error, sizeof conn->error, "sent %s, which only a console sends",
		         proto_type_name(header->type));
		return -1;
	default:
		return 0; /* a later version's message: skip it */
	}
}

static void console_accept(struct console *con)
{
	for (;;) {
		char addr[64];
		int fd = net_accept(con->listen_fd, addr, sizeof addr);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_event("cannot accept speakers: %s; pausing accepts for 1 s", strerror(errno));
				con->accept_paused_until = clock_mono_ms() + ACCEPT_BACKOFF_MS;
			}
			return; /* EAGAIN: all taken; ECONNABORTED, EINTR: try at the next wake-up */
		}
		struct speaker *sp = calloc(1, sizeof *sp);
		if (!sp || (con->speaker_count == con->speaker_cap &&
		            !(con->speakers = realloc(con->speakers,
		                                      (con->speaker_cap = con->speaker_cap * 2 + 8) *
		                                          sizeof *con->speakers)))) {
			log_event("out of memory accepting %s", addr);
			free(sp);
			close(fd);
			return;
		}
		/* A speaker never sends anything large: its decoder is capped at control size. */
		conn_init(&sp->conn, fd, PROTO_MAX_CONTROL_PAYLOAD, SPEAKER_QUEUE_PAGES);
		sp->id = ++con->next_speaker_id;
		snprintf(sp->addr, sizeof sp->addr, "%s", addr);
		snprintf(sp->name, sizeof sp->name, "%s", addr);
		sp->connected_ms = sp->last_rx_ms = sp->last_ping_ms = clock_mono_ms();
		con->speakers[con->speaker_count++] = sp;
	}
}

/* Pings, and drops the silent and the unintroduced. Returns ms until the next timer. */
static int speakers_tick(struct console *con, uint64_t now)
{
	int next = HEARTBEAT_INTERVAL_MS;
	for (size_t i = 0; i < con->speaker_count; i++) {
		struct speaker *sp = con->speakers[i];
		if (sp->dead)
			continue;
		if (!sp->introduced && now - sp->connected_ms >= HELLO_DEADLINE_MS) {
			snprintf(sp->conn.error, sizeof sp->conn.error, "no HELLO within %d s", HELLO_DEADLINE_MS / 1000);
			speaker_drop(sp, sp->conn.error);
			continue;
		}
		if (now - sp->last_rx_ms >= HEARTBEAT_TIMEOUT_MS) {
			snprintf(sp->conn.error, sizeof sp->conn.error, "no sign of life for %d s",
			         HEARTBEAT_TIMEOUT_MS / 1000);
			speaker_drop(sp, sp->conn.error);
			continue;
		}
		if (sp->introduced && now - sp->last_ping_ms >= HEARTBEAT_INTERVAL_MS) {
			struct proto_ping ping = { .sent_ms = now };
			uint8_t frame[64];
			sp->last_ping_ms = now;
			speaker_send_frame(sp, frame, proto_ping_encode(PROTO_PING, &ping, frame, sizeof frame));
		}
		int until_ping = (int)(sp->last_ping_ms + HEARTBEAT_INTERVAL_MS - now);
		if (until_ping < next)
			next = until_ping < 0 ? 0 : until_ping;
	}
	return next;
}

/* ---- pages ---- */

/* Builds the shared PAGE frame, archives the WAV, and queues it for every speaker. */
static void page_send(struct console *con, const uint8_t *wav, size_t wav_len, const char *what)
{
	struct proto_page meta = { .page_id = ++con->next_page_id, .created_ms = clock_wall_ms() };
	uint8_t head[PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE];
	size_t head_len = proto_page_encode_head(&meta, wav_len, head, sizeof head);
	struct sbuf *frame = head_len ? sbuf_new(head_len + wav_len) : NULL;
	if (!frame) {
		log_event("page %u not sent: %s", meta.page_id, head_len ? "out of memory" : "too large");
		return;
	}
	memcpy(frame->data, head, head_len);
	memcpy(frame->data + head_len, wav, wav_len);

	char name[64], path[PATH_MAX], err[PATH_MAX + 128];
	archive_page_name(meta.created_ms, meta.page_id, name, sizeof name);
	if (archive_write(con->archive_dir, name, wav, wav_len, path, sizeof path, err, sizeof err) == 0)
		log_event("page %u %s, %zu bytes, archived as %s", meta.page_id, what, wav_len, path);
	else
		log_event("page %u %s, %zu bytes; NOT archived: %s", meta.page_id, what, wav_len, err);

	page_summarise(con, "(superseded by the next page)");
	sbuf_unref(con->page.frame);
	con->page = (struct page){ .id = meta.page_id, .frame = frame };
	for (size_t i = 0; i < con->speaker_count; i++) {
		struct speaker *sp = con->speakers[i];
		if (!sp->introduced || sp->dead)
			continue;
		sp->page_id = meta.page_id;
		sp->page_state = 0;
		sp->page_delivered = sp->page_final = false;
		con->page.targets++;
		if (conn_send(&sp->conn, frame, true) < 0)
			speaker_drop(sp, sp->conn.error);
	}
	if (con->page.targets == 0)
		page_summarise(con, "(no speakers connected)");
}

/* Encodes captured samples and sends them as a page. Frees samples. */
static void page_from_samples(struct console *con, int16_t *samples, size_t frames, const char *what)
{
	uint8_t *wav;
	size_t wav_len;
	struct level level = meter_measure_s16(samples, frames * (size_t)con->fmt.channels);
	if (wav_encode_s16(samples, frames, con->fmt.rate, con->fmt.channels, &wav, &wav_len) < 0) {
		log_event("page not sent: cannot encode %zu frames as WAV", frames);
		free(samples);
		return;
	}
	free(samples);
	char desc[192], fmtname[64];
	format_describe(&con->fmt, fmtname, sizeof fmtname);
	snprintf(desc, sizeof desc, "%s: %.2f s %s, peak %.1f dBFS", what,
	         format_seconds(frames, con->fmt.rate), fmtname, meter_dbfs(level.peak));
	page_send(con, wav, wav_len, desc);
	free(wav);
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
	size_t n = 0;
	uint64_t now = clock_mono_ms();
	for (size_t i = 0; i < con->speaker_count; i++) {
		struct speaker *sp = con->speakers[i];
		if (!sp->introduced || sp->dead)
			continue;
		n++;
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
	} else if (strcmp(line, "list") == 0) {
		console_list(con);
	} else if (strcmp(line, "quit") == 0) {
		con->quit = true;
	} else {
		log_event("unknown command '%s': use talk (or an empty line), stop, cancel, send PATH, "
		          "duration SECONDS, list, quit", line);
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

static void console_shutdown(struct console *con)
{
	page_summarise(con, "(console shutting down)");
	for (size_t i = 0; i < con->speaker_count; i++) {
		struct speaker *sp = con->speakers[i];
		speaker_bye(sp, "console shutting down");
		conn_close(&sp->conn);
		free(sp);
	}
	free(con->speakers);
	sbuf_unref(con->page.frame);
	capture_close(con->capture);
	if (con->audio_up)
		audio_terminate();
	if (con->listen_fd >= 0)
		close(con->listen_fd);
}

static int console_run(struct console *con)
{
	struct pollfd *fds = NULL;
	size_t fds_cap = 0;
	while (!con->quit) {
		uint64_t now = clock_mono_ms();
		int timeout = speakers_tick(con, now);
		speaker_remove_dead(con);
		if (capture_active(con->capture) && timeout > CAPTURE_PUMP_MS)
			timeout = CAPTURE_PUMP_MS;
		if (con->accept_paused_until > now && timeout > (int)(con->accept_paused_until - now))
			timeout = (int)(con->accept_paused_until - now);

		size_t need = con->speaker_count + 3;
		if (need > fds_cap) {
			struct pollfd *grown = realloc(fds, need * 2 * sizeof *fds);
			if (!grown) {
				log_event("out of memory");
				break;
			}
			fds = grown;
			fds_cap = need * 2;
		}
		size_t nfds = 0;
		fds[nfds++] = (struct pollfd){ .fd = con->signal_fd, .events = POLLIN };
		fds[nfds++] = (struct pollfd){ .fd = con->accept_paused_until > now ? -1 : con->listen_fd,
		                               .events = POLLIN };
		fds[nfds++] = (struct pollfd){ .fd = con->stdin_open ? STDIN_FILENO : -1, .events = POLLIN };
		for (size_t i = 0; i < con->speaker_count; i++) {
			struct speaker *sp = con->speakers[i];
			fds[nfds++] = (struct pollfd){
				.fd = sp->conn.fd,
				.events = (short)(POLLIN | (conn_wants_write(&sp->conn) ? POLLOUT : 0)),
			};
		}
		int ready = poll(fds, nfds, timeout);
		if (ready < 0 && errno != EINTR) {
			log_event("poll failed: %s", strerror(errno));
			break;
		}
		if (fds[0].revents) {
			int sig = signals_take();
			log_event("caught signal %d, shutting down", sig);
			break;
		}
		now = clock_mono_ms();
		size_t polled = con->speaker_count; /* accept below may add more */
		for (size_t i = 0; i < polled; i++) {
			struct speaker *sp = con->speakers[i];
			short rev = fds[3 + i].revents;
			if (sp->dead || !rev)
				continue;
			if (rev & (POLLIN | POLLHUP | POLLERR)) {
				long got = conn_read(&sp->conn, speaker_frame_cb, con);
				if (got < 0) {
					speaker_drop(sp, sp->conn.error);
					continue;
				}
				if (got > 0)
					sp->last_rx_ms = now;
			}
			if (!sp->dead && (rev & POLLOUT) && conn_flush(&sp->conn) < 0)
				speaker_drop(sp, sp->conn.error);
		}
		if (fds[1].revents & POLLIN)
			console_accept(con);
		if (fds[2].revents)
			console_read_stdin(con);
		if (con->capture)
			console_capture_pump(con);
		/* Queue what this pass produced right away rather than waiting for POLLOUT. */
		for (size_t i = 0; i < con->speaker_count; i++) {
			struct speaker *sp = con->speakers[i];
			if (!sp->dead && conn_wants_write(&sp->conn) && conn_flush(&sp->conn) < 0)
				speaker_drop(sp, sp->conn.error);
		}
	}
	free(fds);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static struct console con = { .listen_fd = -1, .stdin_open = true };
	char err[512];
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
	con.listen_fd = net_listen(con.opts.host, con.opts.port, err, sizeof err);
	if (con.listen_fd < 0) {
		fprintf(stderr, "intercom-console: %s\n", err);
		return EXIT_NETWORK;
	}
	if (console_setup_audio(&con) < 0) {
		console_shutdown(&con);
		return EXIT_AUDIO;
	}
	char addr[80];
	net_local_addr(con.listen_fd, addr, sizeof addr);
	log_event("intercom-console %s listening on %s, archive %s, duration %.2f s", INTERCOM_VERSION,
	          addr, con.archive_dir, con.opts.duration);
	if (!con.capture)
		log_event("no input: %s; talk is disabled, send PATH still works", con.no_input);
	log_event("commands: talk (or an empty line), stop, cancel, send PATH, duration SECONDS, list, quit");
	int rc = console_run(&con);
	console_shutdown(&con);
	log_event("console stopped");
	return rc;
}

/* The terminal: curses modes in, curses modes out, on every path. */
#include "intercom/tui/term.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "intercom/common/clock.h"
#include "intercom/common/fdutil.h"
#include "intercom/common/log.h"
#include "intercom/tui/keyproto.h"

#if defined(__SANITIZE_ADDRESS__)
#define TERM_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define TERM_SANITIZER 1
#endif
#endif
#ifdef TERM_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

/* The terminal curses writes to and sets the modes of (newterm's output): its modes are saved and restored. */
#define TERM_TTY_FD STDOUT_FILENO

/* Esc alone must feel instant; 25 ms still tells it from an arrow key's sequence over SSH. */
#define TERM_ESCDELAY_MS 25

/*
 * How long the kitty keyboard protocol's probe is waited for. A terminal
 * answers a local query within microseconds and one over SSH within a
 * round trip; nothing waits on it (the screen starts in toggle mode), this
 * only bounds how long the keys are read here rather than by curses, so a
 * reply that comes late is still swallowed, not typed.
 */
#define TERM_PROBE_MS 500
/* At the end, a reply still owed is waited for this long, so it does not land in the shell. */
#define TERM_PROBE_DRAIN_MS 100
/*
 * The flags pushed: disambiguate (1), event types (2), all keys as escape
 * codes (8: Space has a release), and the text a key makes (16), since
 * without alternate keys Shift+/ would arrive as "/ with Shift" on any layout.
 */
#define TERM_KITTY_FLAGS 27
#define TERM_KITTY_PUSH "\033[>27u"
#define TERM_KITTY_POP "\033[<u"
/* Keys decoded here and not yet handed out: one event's worth (Esc and its text) and more. */
#define TERM_KEYQ 64

/* Signals that end the process abnormally: the terminal is restored before they do. */
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define CRASH_SIGNALS (sizeof crash_signals / sizeof crash_signals[0])

/* One terminal per process: signal handlers need to find it, so it is static. */
static struct {
	volatile sig_atomic_t active;
	SCREEN *screen;
	WINDOW *keys;                 /* 1x1, never drawn: keys are read through it */
	bool utf8, color, lost, just_resized;
	attr_t attrs[TERM_COLORS];

	int wake[2];                  /* SIGWINCH, SIGTSTP and SIGCONT write here */
	volatile sig_atomic_t resized;
	struct sigaction old_winch;

	/*
	 * Ctrl-Z: the handlers only note it; the loop leaves curses mode, stops,
	 * and once the terminal is its own again puts every mode back and repaints.
	 */
	volatile sig_atomic_t stop_asked;  /* SIGTSTP came: leave the screen and stop */
	volatile sig_atomic_t continued;   /* SIGCONT came: the terminal may be ours again */
	volatile sig_atomic_t stopped;     /* off the terminal (stopped, or running in the background) */
	bool take_tstp;                    /* SIGTSTP was at its default: ours while the screen is up */
	struct sigaction old_tstp, old_cont;
	bool alt_screen;              /* the terminal has an alternate screen (smcup/rmcup) */

	int err_pipe;                 /* read end: what was written to fd 2 */
	int saved_stderr;             /* the real stderr, back on restore */
	char err_line[512];
	size_t err_len;

	struct termios saved_tios;    /* for the crash path, which cannot call curses */
	bool have_tios;
	char reset[256];              /* escape sequences leaving curses mode, for the crash path */
	size_t reset_len;
	struct sigaction old_crash[CRASH_SIGNALS];
	bool atexit_done;

	/*
	 * The kitty keyboard protocol (keyproto.h). While its probe is out or it
	 * is in force, the keys are read and decoded here (own_keys); otherwise
	 * curses reads them as before.
	 */
	bool own_keys;
	bool probe_out;               /* the probe was sent and DA1's reply is not in yet */
	bool flags_seen;              /* the flags reply came first: the terminal speaks it */
	uint64_t probe_deadline_ms;
	bool kitty_on;                /* in force: pushed whenever the screen is up */
	volatile sig_atomic_t kitty_pushed; /* pushed on the terminal now: pop on every way out */
	struct keyproto kp;
	uint8_t in[256];              /* bytes read, not yet parsed */
	size_t in_pos, in_len;
	int keyq[TERM_KEYQ];          /* keys decoded, not yet handed out */
	size_t keyq_head, keyq_len;
} term = { .wake = { -1, -1 }, .err_pipe = -1, .saved_stderr = -1 };

static const char *const glyphs_utf8[TERM_GLYPHS] = {
	[TERM_GLYPH_FULL] = "█", [TERM_GLYPH_TRACK] = "·", [TERM_GLYPH_PEAK] = "│",
	[TERM_GLYPH_HOLD] = "▌", [TERM_GLYPH_HLINE] = "─", [TERM_GLYPH_MARK] = "▸",
	[TERM_GLYPH_DOT] = "·",  [TERM_GLYPH_REC] = "●",
};
static const char *const glyphs_ascii[TERM_GLYPHS] = {
	[TERM_GLYPH_FULL] = "#", [TERM_GLYPH_TRACK] = ".", [TERM_GLYPH_PEAK] = "|",
	[TERM_GLYPH_HOLD] = "!", [TERM_GLYPH_HLINE] = "-", [TERM_GLYPH_MARK] = ">",
	[TERM_GLYPH_DOT] = "|",  [TERM_GLYPH_REC] = "*",
};

/* Writes all of buf to fd, retrying short writes; async-signal-safe. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Puts the real stderr back and copies what the pipe still holds to it; async-signal-safe. */
static void stderr_restore(void)
{
	if (term.saved_stderr < 0)
		return;
	dup2(term.saved_stderr, STDERR_FILENO);
	close(term.saved_stderr);
	term.saved_stderr = -1;
	if (term.err_len > 0)
		write_all(STDERR_FILENO, term.err_line, term.err_len);
	term.err_len = 0;
	char buf[512];
	ssize_t n;
	while ((n = read(term.err_pipe, buf, sizeof buf)) > 0)
		write_all(STDERR_FILENO, buf, (size_t)n);
	close(term.err_pipe);
	term.err_pipe = -1;
}

/*
 * The way out when curses cannot be trusted (a crash, a sanitizer report):
 * the precomputed "leave curses" sequences, the saved tty modes, the real
 * stderr. Async-signal-safe.
 */
static void term_emergency_restore(void)
{
	if (!term.active)
		return;
	term.active = 0;
	/* Stopped or in the background, the terminal is the shell's already: leave it be. */
	if (!term.stopped) {
		write_all(STDOUT_FILENO, term.reset, term.reset_len);
		if (term.have_tios)
			tcsetattr(TERM_TTY_FD, TCSANOW, &term.saved_tios);
	}
	stderr_restore();
}

/* A crash: restore the terminal, then let the previous handler (or the default) act. */
static void crash_cb(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	term_emergency_restore();
	for (size_t i = 0; i < CRASH_SIGNALS; i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &term.old_crash[i], NULL);
	/*
	 * A fault re-runs its instruction when this returns, and the old action
	 * handles it where it happened. A signal sent by kill() or abort() would
	 * not come back: send it again.
	 */
	if (info->si_code <= 0)
		raise(sig);
}

#ifdef TERM_SANITIZER
static void sanitizer_death_cb(void)
{
	term_emergency_restore();
}
#endif

/* SIGWINCH, SIGTSTP, SIGCONT: note which, wake the loop; async-signal-safe. */
static void wake_cb(int sig)
{
	int saved = errno;
	if (sig == SIGWINCH)
		term.resized = 1;
	else if (sig == SIGTSTP)
		term.stop_asked = 1;
	else if (sig == SIGCONT)
		term.continued = 1;
	if (write(term.wake[1], "", 1) < 0) {
		/* Full: a wake-up is pending already. */
	}
	errno = saved;
}

static void atexit_cb(void)
{
	term_done();
}

/* A terminfo string capability, or NULL if the terminal has none. */
static const char *cap_str(const char *cap)
{
	char *s = tigetstr(cap);
	return s && s != (char *)-1 && *s ? s : NULL;
}

/* Appends s to the crash-path reset sequence being built in buf (len: its length so far). */
static void reset_add(char *buf, size_t *len, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (*len + n > sizeof term.reset)
		return;
	memcpy(buf + *len, s, n);
	*len += n;
}

/*
 * The crash path's way out of curses mode, precomputed: attributes, cursor,
 * keypad, alternate screen; without one, the cursor to the last line and a
 * new line below it (see leave_screen). Again after a resize: the last line moved.
 */
static void reset_build(void)
{
	char buf[sizeof term.reset];
	size_t len = 0;
	/* Before leaving the alternate screen: each screen has its own stack of flags. */
	if (term.kitty_pushed)
		reset_add(buf, &len, TERM_KITTY_POP);
	reset_add(buf, &len, cap_str("sgr0"));
	reset_add(buf, &len, cap_str("cnorm"));
	reset_add(buf, &len, cap_str("rmkx"));
	if (term.alt_screen) {
		reset_add(buf, &len, cap_str("rmcup"));
	} else {
		const char *cup = cap_str("cup");
		if (cup)
			reset_add(buf, &len, tiparm(cup, LINES - 1, 0));
		reset_add(buf, &len, "\r\n");
	}
	/* A crash in between writes a shorter sequence, never a torn one. */
	term.reset_len = 0;
	memcpy(term.reset, buf, len);
	term.reset_len = len;
}

/*
 * The protocol's flags pushed on the screen curses is on (the alternate one
 * if it has it: each screen keeps its own stack), and the crash path's
 * sequence rebuilt to pop them.
 */
static void kitty_push(void)
{
	if (!term.kitty_on || term.kitty_pushed)
		return;
	write_all(TERM_TTY_FD, TERM_KITTY_PUSH, sizeof TERM_KITTY_PUSH - 1);
	term.kitty_pushed = 1;
	reset_build();
}

/* The flags popped, before the screen is left (Ctrl-Z, the end). */
static void kitty_pop(void)
{
	if (!term.kitty_pushed)
		return;
	write_all(TERM_TTY_FD, TERM_KITTY_POP, sizeof TERM_KITTY_POP - 1);
	term.kitty_pushed = 0;
	reset_build();
}

/*
 * Out of curses mode (endwin: the tty's own modes, keypad off, cursor shown,
 * at the start of the last line). Without an alternate screen the last
 * screen stays where it is, so a new line below it: what comes next (the
 * exit's log lines, the shell's prompt, "Stopped") starts on a line of its
 * own instead of over the keys.
 */
static void leave_screen(void)
{
	endwin();
	if (!term.alt_screen)
		write_all(TERM_TTY_FD, "\r\n", 2);
}

/*
 * cbreak leaves software flow control on: Ctrl-S (or Scroll Lock on a Linux
 * console) would stop the terminal's output, and the next redraw would block
 * the whole loop (speakers time out, pages stall). Off, Ctrl-S and Ctrl-Q are
 * plain keys. Set on the descriptor curses sets its modes on, then made part
 * of curses's "program mode", so its own restores (after Ctrl-Z) keep it off;
 * endwin and the crash path give back the modes saved before any of this.
 */
static void flow_control_off(void)
{
	struct termios tios;
	if (tcgetattr(TERM_TTY_FD, &tios) < 0)
		return;
	tios.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
	if (tcsetattr(TERM_TTY_FD, TCSANOW, &tios) == 0)
		def_prog_mode();
}

/* Colours if the terminal has them and the user did not say NO_COLOR (https://no-color.org). */
static void setup_colors(void)
{
	const char *no_color = getenv("NO_COLOR");
	term.color = has_colors() && !(no_color && *no_color) && start_color() == OK;
	if (!term.color) {
		term.attrs[TERM_NORMAL] = A_NORMAL;
		term.attrs[TERM_DIM] = A_DIM;
		term.attrs[TERM_HEADING] = A_BOLD;
		term.attrs[TERM_TITLE] = A_REVERSE | A_BOLD;
		term.attrs[TERM_OK] = A_NORMAL;
		term.attrs[TERM_WARN] = A_BOLD;
		term.attrs[TERM_BAD] = A_BOLD | A_UNDERLINE;
		term.attrs[TERM_ACCENT] = A_BOLD;
		term.attrs[TERM_ALERT] = A_REVERSE | A_BOLD;
		term.attrs[TERM_SELECTED] = A_REVERSE;
		return;
	}
	/* The terminal's own background where it allows it (transparent terminals stay so). */
	short bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
	init_pair(1, COLOR_GREEN, bg);
	init_pair(2, COLOR_YELLOW, bg);
	init_pair(3, COLOR_RED, bg);
	init_pair(4, COLOR_CYAN, bg);
	init_pair(5, COLOR_BLACK, COLOR_CYAN);
	init_pair(6, COLOR_WHITE, COLOR_RED);
	term.attrs[TERM_NORMAL] = A_NORMAL;
	term.attrs[TERM_DIM] = A_DIM;
	term.attrs[TERM_HEADING] = A_BOLD;
	term.attrs[TERM_TITLE] = COLOR_PAIR(5);
	term.attrs[TERM_OK] = COLOR_PAIR(1);
	term.attrs[TERM_WARN] = COLOR_PAIR(2) | A_BOLD;
	term.attrs[TERM_BAD] = COLOR_PAIR(3) | A_BOLD;
	term.attrs[TERM_ACCENT] = COLOR_PAIR(4);
	term.attrs[TERM_ALERT] = COLOR_PAIR(6) | A_BOLD;
	term.attrs[TERM_SELECTED] = A_REVERSE;
}

/* Puts back the SIGWINCH, SIGTSTP and SIGCONT dispositions found at term_init. */
static void handlers_give_back(void)
{
	sigaction(SIGWINCH, &term.old_winch, NULL);
	if (term.take_tstp)
		sigaction(SIGTSTP, &term.old_tstp, NULL);
	sigaction(SIGCONT, &term.old_cont, NULL);
}

/* Sends fd 2 into a pipe the loop reads: a library's message must not land on the screen. */
static int capture_stderr(void)
{
	int p[2];
	/* Non-blocking both ways: a chatty library must never stall the audio thread. */
	if (fd_pipe(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	fflush(stderr);
	term.saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (term.saved_stderr < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		if (term.saved_stderr >= 0)
			close(term.saved_stderr);
		term.saved_stderr = -1;
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	term.err_pipe = p[0];
	return 0;
}

/* ---- keys read here, with the kitty keyboard protocol ---- */

static void keyq_put(int key)
{
	/* Input is parsed only into an empty queue, and one byte makes fewer keys than this. */
	if (term.keyq_len < TERM_KEYQ)
		term.keyq[(term.keyq_head + term.keyq_len++) % TERM_KEYQ] = key;
}

static int keyq_take(void)
{
	int key = term.keyq[term.keyq_head];
	term.keyq_head = (term.keyq_head + 1) % TERM_KEYQ;
	term.keyq_len--;
	return key;
}

/* A keyproto key as curses names it (bytes stay bytes); ERR for none. */
static int curses_key(uint32_t key)
{
	switch (key) {
	case KEYPROTO_KEY_UP: return KEY_UP;
	case KEYPROTO_KEY_DOWN: return KEY_DOWN;
	case KEYPROTO_KEY_LEFT: return KEY_LEFT;
	case KEYPROTO_KEY_RIGHT: return KEY_RIGHT;
	case KEYPROTO_KEY_HOME: return KEY_HOME;
	case KEYPROTO_KEY_END: return KEY_END;
	case KEYPROTO_KEY_PAGE_UP: return KEY_PPAGE;
	case KEYPROTO_KEY_PAGE_DOWN: return KEY_NPAGE;
	case KEYPROTO_KEY_INSERT: return KEY_IC;
	case KEYPROTO_KEY_DELETE: return KEY_DC;
	case KEYPROTO_KEY_BEGIN: return KEY_B2;
	case KEYPROTO_KEY_BACK_TAB: return KEY_BTAB;
	default:
		if (key >= KEYPROTO_KEY_F1 && key <= KEYPROTO_KEY_F12)
			return KEY_F((int)(key - KEYPROTO_KEY_F1) + 1);
		return key <= 0xff ? (int)key : ERR;
	}
}

/*
 * With the protocol on, Ctrl-C, Ctrl-\ and Ctrl-Z arrive as keys and the tty
 * sends no signal: the signal it would have sent (by the tty's own
 * settings), or 0.
 */
static int tty_signal(uint32_t byte)
{
	if (!term.have_tios || !(term.saved_tios.c_lflag & ISIG) || byte == _POSIX_VDISABLE)
		return 0;
	if (byte == term.saved_tios.c_cc[VINTR])
		return SIGINT;
	if (byte == term.saved_tios.c_cc[VQUIT])
		return SIGQUIT;
	if (byte == term.saved_tios.c_cc[VSUSP])
		return SIGTSTP;
	return 0;
}

/* The probe's answer is in (or its time is up): the protocol is pushed if the terminal has it. */
static void probe_end(bool supported)
{
	term.probe_out = false;
	/* Not once the screen is being given back (term_done drains a late reply). */
	if (supported && term.active) {
		term.kitty_on = true;
		kitty_push();
	}
	term.own_keys = term.kitty_on;
}

/* One event of the parser: keys into the queue, the probe's replies noted, the rest dropped. */
static void key_event(const struct keyproto_event *ev)
{
	switch (ev->kind) {
	case KEYPROTO_BYTES:
		for (size_t i = 0; i < ev->raw_len; i++)
			keyq_put(ev->raw[i]);
		break;
	case KEYPROTO_FLAGS:
		if (term.probe_out)
			term.flags_seen = true;
		break;
	case KEYPROTO_DA1:
		/* DA1's reply comes after the flags' (if any): the answer is complete. */
		if (term.probe_out)
			probe_end(term.flags_seen);
		break;
	case KEYPROTO_OTHER:
		/* A report nobody asked for must not arrive as Esc (which cancels a recording) and letters. */
		break;
	case KEYPROTO_KEY: {
		uint32_t out[KEYPROTO_LEGACY_MAX];
		size_t n = keyproto_legacy(ev, out);
		int flag = ev->type == KEYPROTO_RELEASE ? TERM_KEY_RELEASE
		           : ev->type == KEYPROTO_REPEAT ? TERM_KEY_REPEAT : 0;
		int sig = n == 1 && (ev->mods & KEYPROTO_MOD_CTRL) ? tty_signal(out[0]) : 0;
		if (sig) {
			if (ev->type == KEYPROTO_PRESS)
				raise(sig);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			int key = curses_key(out[i]);
			if (key != ERR)
				keyq_put(key | flag);
		}
		break;
	}
	}
}

/* Reads what the terminal sent, waiting up to wait_ms for it; false if nothing came. */
static bool input_read(int wait_ms)
{
	struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&in, 1, wait_ms) != 1)
		return false;
	ssize_t n = (in.revents & POLLIN) ? read(STDIN_FILENO, term.in, sizeof term.in) : 0;
	if (n <= 0) {
		/* End of file, or hung up: nobody can type any more. */
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			term.lost = true;
		return false;
	}
	term.in_pos = 0;
	term.in_len = (size_t)n;
	return true;
}

/* Feeds what was read to the parser until a key is decoded or nothing is left. */
static void input_parse(void)
{
	while (term.keyq_len == 0 && term.in_pos < term.in_len) {
		struct keyproto_event ev[KEYPROTO_EVENTS_MAX];
		int n = keyproto_push(&term.kp, term.in[term.in_pos++], ev);
		for (int i = 0; i < n; i++)
			key_event(&ev[i]);
	}
}

/* Reads the terminal this many times at most per key asked for: a flood of replies cannot hold the loop. */
#define TERM_READS_PER_KEY 16

/*
 * The next key read and decoded here, or ERR. Waits ESCDELAY at most, for
 * the rest of a sequence that has begun (a lone Esc is then the Esc key).
 */
static int own_key(void)
{
	for (int reads = 0; reads < TERM_READS_PER_KEY;) {
		if (term.keyq_len)
			return keyq_take();
		if (term.in_pos < term.in_len) {
			input_parse();
			continue;
		}
		if (term.lost)
			return ERR;
		reads++;
		if (input_read(0))
			continue;
		if (!keyproto_pending(&term.kp))
			return ERR;
		if (input_read(TERM_ESCDELAY_MS))
			continue;
		struct keyproto_event ev;
		if (keyproto_flush(&term.kp, &ev) == 1)
			key_event(&ev);
	}
	return term.keyq_len ? keyq_take() : ERR;
}

/* True while keys come from here rather than from curses. */
static bool own_keys_now(void)
{
	return term.own_keys || term.keyq_len || term.in_pos < term.in_len || keyproto_pending(&term.kp);
}

/* At the end, a reply the probe still waits for is read and dropped, so the shell never shows it. */
static void probe_drain(void)
{
	uint64_t end = clock_mono_ms() + TERM_PROBE_DRAIN_MS;
	while (term.probe_out && !term.lost) {
		if (term.in_pos >= term.in_len) {
			uint64_t now = clock_mono_ms();
			if (now >= end || !input_read((int)(end - now)))
				break;
		}
		struct keyproto_event ev[KEYPROTO_EVENTS_MAX];
		int n = keyproto_push(&term.kp, term.in[term.in_pos++], ev);
		for (int i = 0; i < n; i++)
			key_event(&ev[i]);
	}
	term.probe_out = false;
}

void term_keys_probe(void)
{
	if (!term.active || term.probe_out || term.kitty_on)
		return;
	write_all(TERM_TTY_FD, KEYPROTO_PROBE, sizeof KEYPROTO_PROBE - 1);
	term.probe_out = term.own_keys = true;
	term.flags_seen = false;
	term.probe_deadline_ms = clock_mono_ms() + TERM_PROBE_MS;
}

bool term_key_releases(void)
{
	return term.active && term.kitty_on;
}

int term_timeout(int timeout_ms)
{
	if (!term.active || !term.probe_out)
		return timeout_ms;
	uint64_t now = clock_mono_ms();
	int until = term.probe_deadline_ms > now ? (int)(term.probe_deadline_ms - now) : 0;
	return timeout_ms < 0 || until < timeout_ms ? until : timeout_ms;
}

int term_init(char *err, size_t errlen)
{
	if (term.active)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the screen needs a terminal on standard input and output "
		                      "(run with --headless to read commands from a pipe)");
		return -1;
	}
	/*
	 * Only the character type: numbers keep a '.' decimal point whatever the
	 * locale, so "2.5" typed at the screen parses like "-d 2.5" on the command line.
	 */
	setlocale(LC_CTYPE, "");
	const char *codeset = nl_langinfo(CODESET);
	term.utf8 = codeset && strcmp(codeset, "UTF-8") == 0;
	term.have_tios = tcgetattr(TERM_TTY_FD, &term.saved_tios) == 0;

	/* Our SIGWINCH handler first: curses then leaves it alone and we learn of resizes by a pipe. */
	if (fd_pipe(term.wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = wake_cb;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, &term.old_winch);
	/*
	 * Ctrl-Z too, unless it is ignored (then it stays so): curses's own
	 * handler redraws from inside the signal and leaves keypad mode off
	 * until a key is read, so the first arrow after fg arrived as Esc [ B.
	 */
	sigaction(SIGTSTP, NULL, &term.old_tstp);
	term.take_tstp = term.old_tstp.sa_handler == SIG_DFL;
	if (term.take_tstp)
		sigaction(SIGTSTP, &sa, NULL);
	sigaction(SIGCONT, &sa, &term.old_cont);
	term.stop_asked = term.continued = term.stopped = 0;

	const char *name = getenv("TERM");
	term.screen = newterm(NULL, stdout, stdin);
	if (term.screen) {
		set_term(term.screen);
		/* A terminal that cannot place the cursor (TERM=dumb) would get a garbled screen. */
		char *cup = tigetstr("cup");
		if (!cup || cup == (char *)-1) {
			endwin();
			delscreen(term.screen);
			term.screen = NULL;
		}
	}
	if (!term.screen) {
		snprintf(err, errlen, "cannot drive terminal type '%s' (set TERM, e.g. TERM=xterm, "
		                      "or run with --headless)", name && *name ? name : "(unset)");
		handlers_give_back();
		close(term.wake[0]);
		close(term.wake[1]);
		term.wake[0] = term.wake[1] = -1;
		return -1;
	}
	cbreak();
	noecho();
	flow_control_off();
	intrflush(stdscr, FALSE);
	curs_set(0);
	set_escdelay(TERM_ESCDELAY_MS);
	term.keys = newwin(1, 1, 0, 0);
	keypad(term.keys, TRUE);
	nodelay(term.keys, TRUE);
	setup_colors();

	term.alt_screen = cap_str("smcup") && cap_str("rmcup");
	reset_build();
	capture_stderr();
	term.lost = false;
	term.resized = 0;
	term.own_keys = term.probe_out = term.flags_seen = term.kitty_on = false;
	term.kitty_pushed = 0;
	keyproto_init(&term.kp);
	term.in_pos = term.in_len = term.keyq_head = term.keyq_len = 0;
	term.active = 1;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = crash_cb;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	for (size_t i = 0; i < CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &sa, &term.old_crash[i]);
#ifdef TERM_SANITIZER
	__sanitizer_set_death_callback(sanitizer_death_cb);
#endif
	if (!term.atexit_done)
		term.atexit_done = atexit(atexit_cb) == 0;
	return 0;
}

void term_done(void)
{
	if (!term.active)
		return;
	term.active = 0;
	for (size_t i = 0; i < CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &term.old_crash[i], NULL);
#ifdef TERM_SANITIZER
	__sanitizer_set_death_callback(NULL);
#endif
	/* Stopped or in the background, curses mode was left already. */
	if (!term.stopped) {
		probe_drain();
		kitty_pop();
		leave_screen();
	}
	term.stopped = 0;
	term.own_keys = term.probe_out = term.kitty_on = false;
	delwin(term.keys);
	term.keys = NULL;
	delscreen(term.screen);
	term.screen = NULL;
	stderr_restore();
	handlers_give_back();
	close(term.wake[0]);
	close(term.wake[1]);
	term.wake[0] = term.wake[1] = -1;
}

bool term_active(void)
{
	return term.active;
}

void term_fatal(int code, const char *fmt, ...)
{
	term_done();
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

bool term_utf8(void)
{
	return term.utf8;
}

bool term_has_color(void)
{
	return term.color;
}

attr_t term_attr(enum term_color color)
{
	return color >= 0 && color < TERM_COLORS ? term.attrs[color] : A_NORMAL;
}

const char *term_glyph(enum term_glyph glyph)
{
	if (glyph < 0 || glyph >= TERM_GLYPHS)
		return "?";
	return term.utf8 ? glyphs_utf8[glyph] : glyphs_ascii[glyph];
}

void term_poll_prepare(struct pollfd fds[TERM_POLLFDS])
{
	bool on = term.active && !term.lost;
	/* Stopped or in the background, reading the terminal would stop the process (SIGTTIN). */
	fds[0] = (struct pollfd){ .fd = on && !term.stopped ? STDIN_FILENO : -1, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = on ? term.wake[0] : -1, .events = POLLIN };
	fds[2] = (struct pollfd){ .fd = on ? term.err_pipe : -1, .events = POLLIN };
	/* Keys decoded or read here and not handed out yet: poll must not sleep on them. */
	if (on && !term.stopped && (term.keyq_len || term.in_pos < term.in_len) &&
	    write(term.wake[1], "", 1) < 0) {
		/* Full: a wake-up is pending already. */
	}
}

/* Hands each whole line that arrived on the stderr pipe to the log. */
static void stderr_drain(void)
{
	char buf[512];
	ssize_t n;
	while ((n = read(term.err_pipe, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];
			bool full = term.err_len == sizeof term.err_line - 1;
			if (c != '\n' && !full) {
				term.err_line[term.err_len++] = c;
				continue;
			}
			term.err_line[term.err_len] = '\0';
			if (term.err_len > 0)
				log_event("stderr: %s", term.err_line);
			term.err_len = 0;
			if (c != '\n')
				term.err_line[term.err_len++] = c;
		}
	}
}

/*
 * Ctrl-Z: out of curses mode as on exit (unless in the background already),
 * then stopped as SIGTSTP's default would, until fg or bg (SIGCONT). Curses
 * calls stay in the loop, never in a handler.
 */
static void term_stop(void)
{
	if (!term.stopped) {
		kitty_pop();
		leave_screen();
	}
	term.stopped = 1;
	struct sigaction dfl, ours;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &ours);
	/* To this thread: it stops (the whole process with it) before raise returns. */
	raise(SIGTSTP);
	sigaction(SIGTSTP, &ours, NULL);
	/* Continued (or never stopped: an orphaned process group discards SIGTSTP). */
	term.continued = 1;
}

/*
 * After SIGCONT, or while off the terminal: if it is ours again (fg, not
 * bg), every mode back before the next key is read: the tty's (cbreak,
 * noecho, flow control off: curses's program mode), keypad mode (arrows send
 * what curses decodes), the alternate screen and cursor with the whole last
 * picture (doupdate after endwin). The size may have changed meanwhile
 * (SIGWINCH went to the shell): the program gets KEY_RESIZE. False while in
 * the background.
 */
static bool term_come_back(void)
{
	if (tcgetpgrp(TERM_TTY_FD) != getpgrp()) {
		/* bg, or kill -CONT after a SIGSTOP: hands off the terminal until fg. */
		term.stopped = 1;
		return false;
	}
	/* A SIGSTOP, which no handler sees, left curses mode on: leave, so the way back is one. */
	if (!isendwin())
		endwin();
	term.stopped = 0;
	reset_prog_mode();
	/* Before the screen shows: whoever sees it may press an arrow at once. */
	keypad(term.keys, TRUE);
	clearok(curscr, TRUE);
	if (term_can_draw())
		doupdate();
	/* After doupdate: back on the alternate screen, whose stack the flags go on. */
	kitty_push();
	term.resized = 1;
	return true;
}

bool term_poll_handle(const struct pollfd fds[TERM_POLLFDS])
{
	if (!term.active)
		return false;
	bool keys = false;
	if (term.probe_out && clock_mono_ms() >= term.probe_deadline_ms)
		probe_end(false); /* no answer: the keys go back to curses once what was read is handed out */
	if (fds[2].revents)
		stderr_drain();
	if (fds[1].revents) {
		char buf[64];
		while (read(term.wake[0], buf, sizeof buf) > 0)
			;
		keys = keys || term.resized;
	}
	if (term.stop_asked) {
		term.stop_asked = 0;
		term_stop();
	}
	/*
	 * fg after bg sends no SIGCONT (the job runs already): while off the
	 * terminal, every pass looks (the pending frame's retry wakes the loop).
	 */
	if (term.continued || term.stopped) {
		term.continued = 0;
		keys = term_come_back() || keys;
	}
	if (term.stopped)
		return false;
	if (term.keyq_len || term.in_pos < term.in_len)
		keys = true;
	if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
		term.lost = true;
	} else if (fds[0].revents & POLLIN) {
		/* Readable with nothing to read is end of file: the terminal hung up. */
		int pending = 0;
		if (ioctl(STDIN_FILENO, FIONREAD, &pending) == 0 && pending == 0)
			term.lost = true;
		else
			keys = true;
	}
	return keys;
}

bool term_can_draw(void)
{
	if (!term.active || term.lost || term.stopped)
		return false;
	struct pollfd out = { .fd = TERM_TTY_FD, .events = POLLOUT };
	return poll(&out, 1, 0) == 1 && (out.revents & POLLOUT);
}

bool term_lost(void)
{
	return term.lost;
}

int term_key(void)
{
	if (!term.active || term.lost || term.stopped)
		return ERR;
	if (term.resized) {
		term.resized = 0;
		struct winsize ws;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
			resizeterm(ws.ws_row, ws.ws_col);
		if (!term.alt_screen)
			reset_build();
		term.just_resized = true;
		return KEY_RESIZE;
	}
	if (own_keys_now())
		return own_key();
	/* wgetch refreshes a touched window first; this one must never be painted over the screen. */
	if (is_wintouched(term.keys))
		untouchwin(term.keys);
	int key = wgetch(term.keys);
	/* resizeterm queues a KEY_RESIZE of its own: one per resize is enough. */
	if (key == KEY_RESIZE && term.just_resized)
		key = wgetch(term.keys);
	term.just_resized = false;
	return key;
}

void term_repaint(void)
{
	if (term.active)
		clearok(curscr, TRUE);
}

/* The self-pipe: the only work a signal handler does is write one byte. */
#include "intercom/common/signals.h"

#include "intercom/common/fdutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t last_signal;

/*
 * Signals that end the loop cleanly. SIGHUP: a dropped SSH session tells
 * speakers BYE, not mid-write. SIGQUIT (Ctrl-\) too, without its core dump:
 * an operator who presses it wants the program gone with the speakers told
 * and the terminal given back; a core is still one SIGABRT away.
 */
static const struct {
	int sig;
	const char *name;
} stop_signals[] = {
	{ SIGINT, "SIGINT" }, { SIGTERM, "SIGTERM" }, { SIGHUP, "SIGHUP" }, { SIGQUIT, "SIGQUIT" },
};
#define STOP_SIGNALS (sizeof stop_signals / sizeof stop_signals[0])

static void on_signal(int sig)
{
	int saved = errno;
	last_signal = sig;
	if (write(signal_pipe[1], "", 1) < 0) {
		/* Pipe full: a wake-up is already pending. */
	}
	errno = saved;
}

/* Puts back the dispositions saved in old[0..n). */
static void restore(const struct sigaction *old, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sigaction(stop_signals[i].sig, &old[i], NULL);
}

int signals_open(char *err, size_t errlen)
{
	if (signal_pipe[0] >= 0)
		return signal_pipe[0];
	int p[2];
	/* Non-blocking: a handler must never block on a full pipe, nor the loop on an empty one. */
	if (fd_pipe(p, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot create the signal pipe: %s", strerror(errno));
		return -1;
	}
	signal_pipe[0] = p[0];
	signal_pipe[1] = p[1];

	struct sigaction sa, old[STOP_SIGNALS + 1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	const char *failed = NULL;
	size_t done = 0;
	for (; done < STOP_SIGNALS; done++) {
		if (sigaction(stop_signals[done].sig, &sa, &old[done]) < 0) {
			failed = stop_signals[done].name;
			break;
		}
	}
	/* A vanished peer must be an error return from write, never a dead process. */
	if (!failed) {
		sa.sa_handler = SIG_IGN;
		if (sigaction(SIGPIPE, &sa, &old[done]) < 0)
			failed = "SIGPIPE";
	}
	if (failed) {
		snprintf(err, errlen, "cannot set up %s: %s", failed, strerror(errno));
		restore(old, done);
		close(signal_pipe[0]);
		close(signal_pipe[1]);
		signal_pipe[0] = signal_pipe[1] = -1;
		return -1;
	}
	return signal_pipe[0];
}

int signals_take(void)
{
	char buf[64];
	while (read(signal_pipe[0], buf, sizeof buf) > 0)
		;
	return last_signal;
}

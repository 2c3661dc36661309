/* The self-pipe: the only work a signal handler does is write one byte. */
#include "intercom/common/signals.h"


#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t last_signal;

static void on_signal(int sig)
{
	int saved = errno;
	last_signal = sig;
	if (write(signal_pipe[1], "", 1) < 0) {
		/* Pipe full: a wake-up is already pending. */
	}
	errno = saved;
}

int signals_install(void)
{
	if (pipe(signal_pipe) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A dropped SSH session: shut down cleanly (speakers told BYE), not mid-write. */
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return signal_pipe[0];
}

int signals_take(void)
{
	char buf[64];
	while (read(signal_pipe[0], buf, sizeof buf) > 0)
		;
	return last_signal;
}

/*
 * intercom-bench clocksync: the shared clock's error against the truth on one
 * machine, idle and under competing CPU load.
 *
 *   intercom-bench clocksync [--seconds S] [--sessions R] [--load N]
 *
 * A console-like answerer (a child process: accepts one loopback TCP
 * connection, answers each PING through conn_common_frame as both programs
 * do) and a pinger (this process: PINGs on clock_sync_ping_interval_ms's
 * schedule, one at a time, each PONG's four timestamps into clock_sync, as a
 * speaker does). Both sides read the same CLOCK_MONOTONIC, so the true offset
 * is 0 and the drift 0: the estimate's error is the estimate itself.
 *
 * Two phases, "idle" and "load" (N processes spinning, default two per core,
 * so the pinger and the answerer wait behind them for the CPU), each of R
 * sessions of S seconds (clock_sync started afresh: the burst, locking,
 * steady pings). At each exchange once locked, before that exchange is added
 * (the estimate as it is used, extrapolated since the previous one):
 *   clock.PHASE.err_us   |estimated offset - 0|, µs
 *   clock.PHASE.unc_us   the uncertainty claimed at that moment, µs
 *   clock.PHASE.raw_us   |that one exchange's own offset - 0|: the baseline,
 *                        what a single exchange (no filtering) would say
 * and per session clock.PHASE.lock_ms (connect burst to LOCKED) and
 * clock.PHASE.over (exchanges where the error exceeded the claimed
 * uncertainty; 0 for an honest estimate).
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "intercom/common/clock.h"
#include "intercom/net/clock_sync.h"
#include "intercom/net/conn.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"

#define MAX_LOAD 64

/* conn_read callback of the answerer: PINGs answered, anything else ignored. */
static int answer_frame_cb(struct conn *conn, const struct proto_header *header,
                           const uint8_t *payload, void *ctx)
{
	(void)ctx;
	struct conn_round_trip rt;
	return conn_common_frame(conn, header, payload, "pinger", &rt) == CONN_DROP ? -1 : 0;
}

/* The answerer (child): one connection, PINGs answered until it closes. Never returns. */
static void answerer(int listen_fd)
{
	struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
	char addr[64];
	int fd = -1;
	while (fd < 0) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		fd = net_accept(listen_fd, addr, sizeof addr);
	}
	close(listen_fd);
	struct conn conn;
	conn_init(&conn, fd, PROTO_MAX_CONTROL_PAYLOAD, 0);
	for (;;) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN | (conn_wants_write(&conn) ? POLLOUT : 0) };
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) && conn_read(&conn, answer_frame_cb, NULL) < 0)
			_exit(0); /* the pinger closed: done */
		if (conn_wants_write(&conn) && conn_flush(&conn) < 0)
			_exit(1);
	}
}

/* Spinning processes: the competing CPU load. */
static int load_start(pid_t *pids, int n)
{
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a killed bench */
			volatile unsigned long spin = 0;
			for (;;)
				spin++;
		}
	}
	return 0;
}

static void load_stop(pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
}

struct session {
	struct clock_sync cs;
	const char *phase;
	uint64_t start_us;
	bool locked_once;
	bool got;      /* a PONG came in this read */
	unsigned over; /* exchanges with the error over the claimed uncertainty */
	unsigned measured;
};

/* conn_read callback of the pinger: each PONG measured against the truth (0), then added. */
static int ping_frame_cb(struct conn *conn, const struct proto_header *header,
                         const uint8_t *payload, void *ctx)
{
	struct session *s = ctx;
	struct conn_round_trip rt;
	enum conn_common what = conn_common_frame(conn, header, payload, "answerer", &rt);
	if (what == CONN_DROP)
		return -1;
	if (what != CONN_ROUND_TRIP)
		return 0;
	s->got = true;
	struct clock_sync_sample x = { rt.t1, rt.t2, rt.t3, rt.t4 };
	if (s->cs.state == SYNC_LOCKED) {
		char key[64];
		double err = fabs((double)(int64_t)(clock_sync_to_remote(&s->cs, x.t4) - x.t4));
		double unc = clock_sync_uncertainty_at(&s->cs, x.t4);
		double raw = fabs(((double)x.t2 - (double)x.t1 + (double)x.t3 - (double)x.t4) / 2);
		snprintf(key, sizeof key, "clock.%s.err_us", s->phase);
		bench_sample(key, err);
		snprintf(key, sizeof key, "clock.%s.unc_us", s->phase);
		bench_sample(key, unc);
		snprintf(key, sizeof key, "clock.%s.raw_us", s->phase);
		bench_sample(key, raw);
		s->over += err > unc;
		s->measured++;
	}
	if (!clock_sync_add(&s->cs, &x))
		bench_warn("clocksync: an exchange was refused (%llu %llu %llu %llu)",
		           (unsigned long long)x.t1, (unsigned long long)x.t2,
		           (unsigned long long)x.t3, (unsigned long long)x.t4);
	if (s->cs.state == SYNC_LOCKED && !s->locked_once) {
		char key[64];
		s->locked_once = true;
		snprintf(key, sizeof key, "clock.%s.lock_ms", s->phase);
		bench_sample(key, (double)(x.t4 - s->start_us) / 1000.0);
	}
	return 0;
}

/* One session of `seconds`: a fresh estimate, pings on its schedule. 0 or -1. */
static int session_run(struct conn *conn, const char *phase, double seconds)
{
	struct session s = { .phase = phase, .start_us = clock_mono_us() };
	clock_sync_init(&s.cs);
	uint64_t end = s.start_us + (uint64_t)(seconds * 1e6), next_ping = s.start_us;
	bool in_flight = false;
	for (;;) {
		uint64_t now = clock_mono_us();
		if (now >= end)
			break;
		if (!in_flight && now >= next_ping) {
			uint8_t frame[64];
			struct proto_ping ping = { .sent_us = clock_mono_us() };
			size_t len = proto_ping_encode(&ping, frame, sizeof frame);
			if (conn_send_copy(conn, frame, len) < 0)
				return -1;
			in_flight = true;
		}
		if (conn_wants_write(conn) && conn_flush(conn) < 0)
			return -1;
		uint64_t until = in_flight ? end : (next_ping < end ? next_ping : end);
		int timeout = until > now ? (int)((until - now + 999) / 1000) : 0;
		struct pollfd pfd = { .fd = conn->fd,
		                      .events = POLLIN | (conn_wants_write(conn) ? POLLOUT : 0) };
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
			return -1;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			s.got = false;
			if (conn_read(conn, ping_frame_cb, &s) < 0) {
				bench_warn("clocksync: %s", conn->error);
				return -1;
			}
			if (s.got) {
				in_flight = false;
				next_ping = s.cs.last_sample_us + 1000ull * clock_sync_ping_interval_ms(&s.cs);
			}
		}
	}
	char key[64];
	snprintf(key, sizeof key, "clock.%s.over", phase);
	bench_sample(key, s.over);
	fprintf(stderr, "clocksync %s: %u exchanges measured once locked, %u over the claimed uncertainty, "
	        "final offset %lld us +- %u us, drift %d ppb, best round trip %u us\n", phase, s.measured,
	        s.over, (long long)s.cs.offset_us, s.cs.uncertainty_us, s.cs.drift_ppb, s.cs.min_rtt_us);
	if (!s.locked_once)
		bench_warn("clocksync %s: never locked in %.1f s", phase, seconds);
	return 0;
}

/* A loopback connection to a forked answerer; *child its pid. The pinger's fd, or -1. */
static int connect_answerer(pid_t *child)
{
	char err[256];
	int lfd = net_listen("127.0.0.1", 0, err, sizeof err);
	if (lfd < 0) {
		bench_warn("clocksync: %s", err);
		return -1;
	}
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	if (getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
		close(lfd);
		return -1;
	}
	fflush(stdout);
	*child = fork();
	if (*child < 0) {
		close(lfd);
		return -1;
	}
	if (*child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		answerer(lfd);
	}
	close(lfd);
	struct addrinfo *ai;
	if (net_resolve("127.0.0.1", ntohs(sa.sin_port), &ai, err, sizeof err) < 0) {
		bench_warn("clocksync: %s", err);
		return -1;
	}
	int fd = net_connect_start(ai);
	freeaddrinfo(ai);
	if (fd < 0)
		return -1;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	if (poll(&pfd, 1, 5000) != 1 || net_connect_result(fd) != 0) {
		bench_warn("clocksync: cannot connect to the answerer");
		close(fd);
		return -1;
	}
	return fd;
}

int bench_clocksync_main(int argc, char **argv)
{
	double seconds = 20;
	int sessions = 2;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int load = ncpu > 0 ? (int)(2 * ncpu) : 4;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--sessions") == 0 && i + 1 < argc)
			sessions = atoi(argv[++i]);
		else if (strcmp(argv[i], "--load") == 0 && i + 1 < argc)
			load = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: intercom-bench clocksync [--seconds S] [--sessions R] [--load N]\n");
			return 2;
		}
	}
	if (seconds <= 0 || sessions < 1 || load < 0 || load > MAX_LOAD) {
		bench_warn("clocksync: --seconds > 0, --sessions >= 1, 0 <= --load <= %d", MAX_LOAD);
		return 2;
	}
	pid_t child = 0, pids[MAX_LOAD] = { 0 };
	int fd = connect_answerer(&child);
	if (fd < 0)
		return 1;
	struct conn conn;
	conn_init(&conn, fd, PROTO_MAX_CONTROL_PAYLOAD, 0);
	int rc = 0;
	for (int r = 0; r < sessions && rc == 0; r++)
		rc = session_run(&conn, "idle", seconds);
	fflush(stdout);
	if (rc == 0 && load_start(pids, load) < 0) {
		bench_warn("clocksync: cannot start the load: %s", strerror(errno));
		rc = -1;
	}
	for (int r = 0; r < sessions && rc == 0; r++)
		rc = session_run(&conn, "load", seconds);
	load_stop(pids, load);
	conn_close(&conn);
	int status = 0;
	waitpid(child, &status, 0);
	return rc == 0 ? 0 : 1;
}

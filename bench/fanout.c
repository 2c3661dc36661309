/*
 * intercom-bench fanout: one page to N speakers over loopback, through the
 * real station module in this process (its own poll loop), to light bench
 * peers in a child process; beside it, in the same run, the raw baseline:
 * the same bytes to N plain sockets with non-blocking writes and poll(), to
 * receivers that count bytes and reply one byte. Also the page's memory (is
 * there a copy per speaker?) and the slow-speaker case.
 *
 * Samples (ms unless named otherwise):
 *   fanout.PAGE.nN.station   page ready (station_send_page) -> last STATUS received
 *   fanout.PAGE.nN.raw       first write -> last one-byte reply
 *   fanout.PAGE.nN.heap_kib  heap in use for the page once every queue holds it (KiB)
 *   fanout.PAGE.nN.rss_kib   peak RSS growth over that round (KiB; 0 when freed memory is reused)
 *   fanout.PAGE.frame_kib    the PAGE frame's size (KiB)
 *   slow.without, slow.with  N speakers, or N with the first one never reading
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "peers.h"
#include "intercom/common/clock.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/common/pollset.h"
#include "intercom/console/station.h"
#include "intercom/net/auth.h"
#include "intercom/net/net.h"
#include "intercom/net/proto.h"

/* Nothing in a round should take this long; if it does, the bench is broken, not slow. */
#define ROUND_DEADLINE_MS 60000
#define MAX_SIZES 8

struct page_spec {
	const char *key;
	int rate, channels;
	double seconds;
};

/* Two pages: 10 s 48 kHz mono (a typical announcement), and the original tool's 5 s 44.1 kHz stereo. */
static const struct page_spec page_specs[] = {
	{ "mono10", 48000, 1, 10.0 },
	{ "stereo5", 44100, 2, 5.0 },
};

struct fanout_opts {
	size_t sizes[MAX_SIZES];
	size_t nsizes;
	int reps;
	size_t slow_n;
	int slow_reps;
	size_t sealed_n;     /* measurement 6: the cost of a pre-shared key, at this N */
	int sealed_reps;
	size_t reconnect_n;  /* measurement 7: N speakers (re)connecting at once: handshakes */
	int reconnect_reps;
	double scale;        /* page length factor (smoke runs use tiny pages) */
	bool log;
};

/* The console side of one configuration: a station with N peers. */
struct console_side {
	struct station *st;
	struct pollfd *fds;
	size_t cap;
	struct pollset pollset;
	pid_t child;
	uint32_t next_page;
};

/* The raw side: N accepted plain sockets. */
struct raw_side {
	int *fd;
	size_t n;
	pid_t child;
	size_t *sent;
	bool *done;
	struct pollfd *pfd;
	size_t *idx;
};

static void log_discard(const char *line, void *ctx)
{
	(void)line, (void)ctx;
}

static void log_stderr(const char *line, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "station: %s\n", line);
}

/* Forks a peer process; the child closes every inherited descriptor but its own. */
static pid_t spawn_peers(const struct peers_config *cfg)
{
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	struct rlimit rl;
	int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1u << 20 ? (int)rl.rlim_cur : 4096;
	for (int fd = 3; fd < top; fd++)
		close(fd);
	_exit(peers_run(cfg));
}

/* Stops a peer process we forked and waits for it. */
static void reap(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

/* A listening socket on 127.0.0.1 and a free port, through net_listen like the console. */
static int listen_loopback(int *port)
{
	char err[256], addr[80];
	int fd = net_listen("127.0.0.1", 0, err, sizeof err);
	if (fd < 0) {
		bench_warn("%s", err);
		return -1;
	}
	net_local_addr(fd, addr, sizeof addr);
	*port = atoi(strrchr(addr, ':') + 1);
	return fd;
}

/* Prints sample A.B.nN.C. */
static void sample_key(const char *a, const char *b, size_t n, const char *c, double v)
{
	char key[128];
	snprintf(key, sizeof key, "%s.%s.n%zu.%s", a, b, n, c);
	bench_sample(key, v);
}

/* ---- the station side ---- */

/* One pass of the console's loop: prepare, poll (at most max_wait ms), handle. */
static int station_pass(struct console_side *cs, int max_wait)
{
	size_t need = station_pollfd_count(cs->st);
	if (need > cs->cap) {
		struct pollfd *grown = realloc(cs->fds, need * 2 * sizeof *grown);
		if (!grown)
			return -1;
		cs->fds = grown;
		cs->cap = need * 2;
	}
	int timeout = max_wait;
	size_t n = station_poll_prepare(cs->st, cs->fds, cs->cap, &timeout);
	if (pollset_wait(&cs->pollset, cs->fds, n, timeout) < 0 && errno != EINTR)
		return -1;
	station_poll_handle(cs->st, cs->fds, n);
	return 0;
}

/* Runs the loop until `speakers` are introduced, or (delivered > 0) the page reached that many. */
static int station_wait(struct console_side *cs, size_t speakers, size_t delivered)
{
	uint64_t start = bench_now_ns();
	for (;;) {
		if (delivered ? station_last_page(cs->st)->delivered >= delivered
		              : station_speaker_count(cs->st) >= speakers)
			return 0;
		double spent = bench_ms_since(start);
		if (spent > ROUND_DEADLINE_MS) {
			bench_warn("station: %zu speakers, page delivered to %zu, after %.0f ms (wanted %zu / %zu)",
			           station_speaker_count(cs->st), station_last_page(cs->st)->delivered, spent,
			           speakers, delivered);
			return -1;
		}
		if (station_pass(cs, 100) < 0)
			return -1;
	}
}

/*
 * A station on a fresh port, and a peer process with n speakers (the first `slow`
 * stalled). With a key, both sides prove it and every link is sealed; decode makes the
 * peers read whole pages through conn_read, as intercom-speaker does.
 */
static int console_open_with(struct console_side *cs, size_t n, size_t slow,
                             const struct auth_key *key, bool decode)
{
	static char host[] = "127.0.0.1";
	int port;
	int fd = listen_loopback(&port);
	if (fd < 0)
		return -1;
	*cs = (struct console_side){ .st = station_new(fd), .next_page = 1 };
	if (!cs->st)
		return -1;
	if (key)
		station_set_key(cs->st, key);
	struct identity id;
	crypto_box_keypair(id.pk, id.sk);
	station_set_identity(cs->st, &id);
	identity_wipe(&id);
	station_set_admission(cs->st, ADMIT_ALL, NULL);
	struct peers_config cfg = { .host = host, .port = port, .count = n, .slow = slow,
	                            .name = "bench", .ready_fd = -1, .key = key, .decode = decode };
	cs->child = spawn_peers(&cfg);
	if (cs->child < 0)
		return -1;
	return station_wait(cs, n, 0);
}

static int console_open(struct console_side *cs, size_t n, size_t slow)
{
	return console_open_with(cs, n, slow, NULL, false);
}

/* Stops the peers, then the station (which says BYE to sockets already gone). */
static void console_close(struct console_side *cs)
{
	reap(&cs->child);
	station_free(cs->st, "bench done");
	free(cs->fds);
	pollset_free(&cs->pollset);
	*cs = (struct console_side){ 0 };
}

/* One page to every speaker: ms until `want` of them reported it received. */
static double station_round(struct console_side *cs, const uint8_t *wav, size_t len, size_t want)
{
	/* Settle first: pending heartbeats are not part of the page. */
	if (station_pass(cs, 0) < 0)
		return -1;
	uint64_t t0 = bench_now_ns();
	uint32_t id = cs->next_page++;
	/* On disk already, as a resend is: committed at once. */
	if (station_send_page(cs->st, id, clock_wall_ms(), wav, len, 0, 0) == 0)
		return -1;
	station_commit_page(cs->st, id, true, NULL);
	if (station_wait(cs, 0, want) < 0)
		return -1;
	return bench_ms_since(t0);
}

/* Bytes the allocator has handed out and not had back (heap and mmap'd chunks). */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/*
 * An untimed round for memory, on a station that never held a page: the heap
 * in use just after station_send_page (every speaker's queue holds the page
 * then; a copy per speaker would show as N pages), and the peak RSS growth
 * until all have it.
 */
static int station_memory_round(struct console_side *cs, const char *key, size_t n,
                                const uint8_t *wav, size_t len)
{
	if (station_pass(cs, 0) < 0)
		return -1;
	long rss = bench_status_kib(0, "VmRSS");
	bool hwm = bench_reset_hwm(0) == 0;
	size_t before = heap_in_use();
	uint32_t id = cs->next_page++;
	if (station_send_page(cs->st, id, clock_wall_ms(), wav, len, 0, 0) == 0)
		return -1;
	station_commit_page(cs->st, id, true, NULL);
	size_t after = heap_in_use();
	if (station_wait(cs, 0, n) < 0)
		return -1;
	sample_key("fanout", key, n, "heap_kib", ((double)after - (double)before) / 1024.0);
	if (hwm)
		sample_key("fanout", key, n, "rss_kib", (double)(bench_status_kib(0, "VmHWM") - rss));
	return 0;
}

/* ---- the raw side ---- */

static int raw_open(struct raw_side *rs, size_t n, size_t len)
{
	static char host[] = "127.0.0.1";
	int port;
	*rs = (struct raw_side){ .n = n };
	int lfd = listen_loopback(&port);
	if (lfd < 0)
		return -1;
	rs->fd = calloc(n, sizeof *rs->fd);
	rs->sent = calloc(n, sizeof *rs->sent);
	rs->done = calloc(n, sizeof *rs->done);
	rs->pfd = calloc(n, sizeof *rs->pfd);
	rs->idx = calloc(n, sizeof *rs->idx);
	if (!rs->fd || !rs->sent || !rs->done || !rs->pfd || !rs->idx) {
		close(lfd);
		return -1;
	}
	struct peers_config cfg = { .host = host, .port = port, .count = n, .raw = true,
	                            .raw_len = len, .ready_fd = -1 };
	rs->child = spawn_peers(&cfg);
	size_t have = 0;
	uint64_t start = bench_now_ns();
	while (have < n && bench_ms_since(start) < ROUND_DEADLINE_MS) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		char addr[80];
		int fd;
		while (have < n && (fd = net_accept(lfd, addr, sizeof addr)) >= 0)
			rs->fd[have++] = fd;
	}
	close(lfd);
	if (have < n) {
		bench_warn("raw: %zu of %zu receivers connected", have, n);
		rs->n = have;
		return -1;
	}
	return 0;
}

/* Stops the receivers and closes our ends. */
static void raw_close(struct raw_side *rs)
{
	reap(&rs->child);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->fd && rs->fd[i] > 0)
			close(rs->fd[i]);
	free(rs->fd);
	free(rs->sent);
	free(rs->done);
	free(rs->pfd);
	free(rs->idx);
	*rs = (struct raw_side){ 0 };
}

/* Writes as much of the page as socket i takes. -1 on a socket error. */
static int raw_push(struct raw_side *rs, size_t i, const uint8_t *bytes, size_t len)
{
	while (rs->sent[i] < len) {
		ssize_t w = send(rs->fd[i], bytes + rs->sent[i], len - rs->sent[i], MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		rs->sent[i] += (size_t)w;
	}
	return 0;
}

/* The same bytes to every socket, then each receiver's one-byte reply: ms. */
static double raw_round(struct raw_side *rs, const uint8_t *bytes, size_t len)
{
	memset(rs->sent, 0, rs->n * sizeof *rs->sent);
	memset(rs->done, 0, rs->n * sizeof *rs->done);
	size_t replied = 0;
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < rs->n; i++)
		if (raw_push(rs, i, bytes, len) < 0)
			return -1;
	while (replied < rs->n) {
		size_t k = 0;
		for (size_t i = 0; i < rs->n; i++) {
			if (rs->done[i])
				continue;
			rs->pfd[k] = (struct pollfd){ .fd = rs->fd[i],
			                              .events = (short)(POLLIN | (rs->sent[i] < len ? POLLOUT : 0)) };
			rs->idx[k++] = i;
		}
		int rc = poll(rs->pfd, k, ROUND_DEADLINE_MS);
		if (rc <= 0) {
			if (rc < 0 && errno == EINTR)
				continue;
			bench_warn("raw: %zu of %zu replied", replied, rs->n);
			return -1;
		}
		for (size_t j = 0; j < k; j++) {
			size_t i = rs->idx[j];
			short rev = rs->pfd[j].revents;
			if ((rev & POLLOUT) && raw_push(rs, i, bytes, len) < 0)
				return -1;
			if (rev & (POLLIN | POLLHUP | POLLERR)) {
				char b[16];
				ssize_t got = recv(rs->fd[i], b, sizeof b, MSG_DONTWAIT);
				if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
					bench_warn("raw: receiver %zu went away", i + 1);
					return -1;
				}
				if (got > 0) {
					rs->done[i] = true;
					replied++;
				}
			}
		}
	}
	return bench_ms_since(t0);
}

/* ---- the measurements ---- */

/* Measurement 1 (and the memory proof): one page spec at one N, station and raw alternating. */
static int fanout_one(const struct fanout_opts *o, const struct page_spec *ps, const uint8_t *wav,
                      size_t wav_len, size_t n)
{
	size_t frame_len = PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE + wav_len;
	uint8_t *frame = malloc(frame_len);
	if (!frame)
		return -1;
	/* The raw baseline writes as many bytes as the PAGE frame has (content does not matter). */
	memset(frame, 0, PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE);
	memcpy(frame + PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE, wav, wav_len);
	struct console_side cs = { 0 };
	struct raw_side rs = { 0 };
	int rc = -1;
	if (console_open(&cs, n, 0) < 0 || raw_open(&rs, n, frame_len) < 0)
		goto out;
	/*
	 * Warm-up, so connections get their windows and buffers before anything
	 * counts: the station's is the memory round, on the first page it ever holds.
	 */
	if (station_memory_round(&cs, ps->key, n, wav, wav_len) < 0 || raw_round(&rs, frame, frame_len) < 0)
		goto out;
	/* Small N is quick and noisier: more runs. */
	int reps = n >= 500 ? o->reps : 3 * o->reps;
	double st_sum = 0, raw_sum = 0;
	for (int r = 0; r < reps; r++) {
		/* Alternate which goes first, so drift on a noisy machine hits both alike. */
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == (r % 2 == 0)) {
				double ms = station_round(&cs, wav, wav_len, n);
				if (ms < 0)
					goto out;
				sample_key("fanout", ps->key, n, "station", ms);
				st_sum += ms;
			} else {
				double ms = raw_round(&rs, frame, frame_len);
				if (ms < 0)
					goto out;
				sample_key("fanout", ps->key, n, "raw", ms);
				raw_sum += ms;
			}
		}
		/* Keep the station's heartbeats answered between rounds. */
		if (station_pass(&cs, 0) < 0)
			goto out;
	}
	fprintf(stderr, "# fan-out %s N=%zu: station %.2f ms, raw %.2f ms (means of %d)\n", ps->key, n,
	        st_sum / reps, raw_sum / reps, reps);
	rc = 0;
out:
	raw_close(&rs);
	if (cs.st)
		console_close(&cs);
	free(frame);
	return rc;
}

/* Measurement 5: N speakers, one of which never reads, against N that all read. */
static int slow_speaker(const struct fanout_opts *o, const uint8_t *wav, size_t wav_len)
{
	size_t n = o->slow_n;
	double sums[2] = { 0, 0 };
	for (int r = 0; r < o->slow_reps; r++) {
		for (int k = 0; k < 2; k++) {
			size_t slow = (size_t)((k + r) % 2);
			struct console_side cs = { 0 };
			if (console_open(&cs, n, slow) < 0) {
				console_close(&cs);
				return -1;
			}
			/* A warm-up page first, as in the fan-out (the stalled speaker holds it). */
			double ms = station_round(&cs, wav, wav_len, n - slow);
			if (ms >= 0)
				ms = station_round(&cs, wav, wav_len, n - slow);
			console_close(&cs);
			if (ms < 0)
				return -1;
			bench_sample(slow ? "slow.with" : "slow.without", ms);
			sums[slow] += ms;
		}
	}
	fprintf(stderr, "# slow speaker N=%zu: %.2f ms with one not reading, %.2f ms without (means of %d)\n",
	        n, sums[1] / o->slow_reps, sums[0] / o->slow_reps, o->slow_reps);
	return 0;
}

/*
 * Measurement 6: the cost of a pre-shared key on page delivery. Two stations with
 * N whole-page readers each, one plain, one keyed (every link sealed: the page is
 * encrypted once per speaker, record by record, as it leaves), rounds alternating.
 */
static int sealed_cost(const struct fanout_opts *o, const uint8_t *wav, size_t wav_len)
{
	struct auth_key key;
	randombytes_buf(key.bytes, sizeof key.bytes);
	struct console_side plain = { 0 }, sealed = { 0 };
	int rc = -1;
	size_t n = o->sealed_n;
	if (console_open_with(&plain, n, 0, NULL, true) < 0 ||
	    console_open_with(&sealed, n, 0, &key, true) < 0)
		goto out;
	/* Warm-up rounds, as in the fan-out. */
	if (station_round(&plain, wav, wav_len, n) < 0 || station_round(&sealed, wav, wav_len, n) < 0)
		goto out;
	double sums[2] = { 0, 0 };
	for (int r = 0; r < o->sealed_reps; r++) {
		for (int k = 0; k < 2; k++) {
			bool keyed = (k == 0) == (r % 2 == 0);
			double ms = station_round(keyed ? &sealed : &plain, wav, wav_len, n);
			if (ms < 0)
				goto out;
			bench_sample(keyed ? "sealed.key" : "sealed.plain", ms);
			sums[keyed] += ms;
		}
		if (station_pass(&plain, 0) < 0 || station_pass(&sealed, 0) < 0)
			goto out;
	}
	fprintf(stderr, "# key: N=%zu, %.2f ms sealed, %.2f ms plain (means of %d)\n", n,
	        sums[1] / o->sealed_reps, sums[0] / o->sealed_reps, o->sealed_reps);
	rc = 0;
out:
	if (plain.st)
		console_close(&plain);
	if (sealed.st)
		console_close(&sealed);
	sodium_memzero(&key, sizeof key);
	return rc;
}

/* This process's CPU time (user and system), in ms. */
static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/*
 * Measurement 7: N speakers connecting at once to a fresh station, as after
 * a console restart: every one runs the Noise handshake (auth.h) and says
 * HELLO. The wall time until all are listed and the station's CPU time (this
 * process; the speakers are another), per connection; beside it, in the same
 * run, N plain TCP connections accepted (the raw side: no protocol at all),
 * and the console's side of one handshake alone, computed in a loop.
 */
static int reconnect_cost(const struct fanout_opts *o)
{
	size_t n = o->reconnect_n;
	double sum_ms[2] = { 0, 0 }, sum_cpu[2] = { 0, 0 };
	for (int r = 0; r < o->reconnect_reps; r++) {
		struct console_side cs = { 0 };
		double c0 = cpu_ms();
		uint64_t t0 = bench_now_ns();
		int rc = console_open(&cs, n, 0);
		double ms = bench_ms_since(t0), cpu = cpu_ms() - c0;
		if (cs.st)
			console_close(&cs);
		if (rc < 0)
			return -1;
		struct raw_side rs = { 0 };
		c0 = cpu_ms();
		t0 = bench_now_ns();
		rc = raw_open(&rs, n, 1);
		double raw_ms = bench_ms_since(t0), raw_cpu = cpu_ms() - c0;
		raw_close(&rs);
		if (rc < 0)
			return -1;
		bench_sample("reconnect.noise.ms", ms);
		bench_sample("reconnect.noise.cpu_us_per_conn", cpu * 1e3 / (double)n);
		bench_sample("reconnect.tcp.ms", raw_ms);
		bench_sample("reconnect.tcp.cpu_us_per_conn", raw_cpu * 1e3 / (double)n);
		sum_ms[0] += ms, sum_cpu[0] += cpu, sum_ms[1] += raw_ms, sum_cpu[1] += raw_cpu;
	}
	/* The console's computation for one handshake: NOISE_2 made, NOISE_3 checked. */
	enum { HS = 200 };
	struct identity spk, con;
	crypto_box_keypair(spk.pk, spk.sk);
	crypto_box_keypair(con.pk, con.sk);
	uint64_t spent = 0;
	for (int i = 0; i < HS; i++) {
		struct auth_session a, b;
		uint8_t m1[AUTH_FRAME_MAX], m2[AUTH_FRAME_MAX], m3[AUTH_FRAME_MAX];
		size_t n1, n2, n3;
		auth_session_init(&a, AUTH_SPEAKER, &spk, NULL);
		n1 = auth_speaker_hello(&a, m1, sizeof m1);
		uint64_t h0 = bench_now_ns();
		auth_session_init(&b, AUTH_CONSOLE, &con, NULL);
		if (auth_console_reply(&b, m1 + PROTO_HEADER_SIZE, n1 - PROTO_HEADER_SIZE, m2, sizeof m2, &n2) !=
		    AUTH_REPLY_OK)
			return -1;
		spent += bench_now_ns() - h0;
		if (auth_speaker_check(&a, m2 + PROTO_HEADER_SIZE, n2 - PROTO_HEADER_SIZE) < 0 ||
		    (n3 = auth_speaker_done(&a, m3, sizeof m3)) == 0)
			return -1;
		h0 = bench_now_ns();
		if (auth_console_finish(&b, m3 + PROTO_HEADER_SIZE, n3 - PROTO_HEADER_SIZE) < 0)
			return -1;
		spent += bench_now_ns() - h0;
		auth_session_wipe(&a);
		auth_session_wipe(&b);
	}
	bench_sample("reconnect.console_handshake_us", (double)spent / 1e3 / HS);
	int reps = o->reconnect_reps;
	fprintf(stderr, "# reconnect N=%zu: Noise %.0f ms, %.0f us CPU per connection; plain TCP %.0f ms, "
	        "%.0f us CPU per connection; the console's side of a handshake %.0f us (means of %d)\n",
	        n, sum_ms[0] / reps, sum_cpu[0] * 1e3 / (double)n / reps, sum_ms[1] / reps,
	        sum_cpu[1] * 1e3 / (double)n / reps, (double)spent / 1e3 / HS, reps);
	identity_wipe(&spk);
	identity_wipe(&con);
	return 0;
}

/* "1,10,100" into o->sizes. */
static int parse_sizes(const char *arg, struct fanout_opts *o)
{
	o->nsizes = 0;
	for (const char *p = arg; *p && o->nsizes < MAX_SIZES;) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || v == 0)
			return -1;
		o->sizes[o->nsizes++] = v;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return o->nsizes ? 0 : -1;
}

/*
 * intercom-bench fanout [--sizes 1,10,100,500] [--reps R] [--slow-n N] [--slow-reps R]
 *                       [--sealed-n N] [--sealed-reps R] [--scale X]
 *                       [--reconnect-n N] [--reconnect-reps R] [--log]
 */
int bench_fanout_main(int argc, char **argv)
{
	struct fanout_opts o = { .sizes = { 1, 10, 100, 500 }, .nsizes = 4, .reps = 5, .slow_n = 100,
	                         .slow_reps = 5, .sealed_n = 100, .sealed_reps = 5, .scale = 1.0,
	                         .reconnect_n = 1000, .reconnect_reps = 3 };
	for (int i = 1; i < argc; i++) {
		bool more = i + 1 < argc;
		if (strcmp(argv[i], "--sizes") == 0 && more && parse_sizes(argv[i + 1], &o) == 0)
			i++;
		else if (strcmp(argv[i], "--reps") == 0 && more && (o.reps = atoi(argv[++i])) > 0)
			;
		else if (strcmp(argv[i], "--slow-n") == 0 && more && (o.slow_n = strtoul(argv[++i], NULL, 10)) > 1)
			;
		else if (strcmp(argv[i], "--slow-reps") == 0 && more && (o.slow_reps = atoi(argv[++i])) >= 0)
			;
		else if (strcmp(argv[i], "--sealed-n") == 0 && more && (o.sealed_n = strtoul(argv[++i], NULL, 10)) > 0)
			;
		else if (strcmp(argv[i], "--sealed-reps") == 0 && more && (o.sealed_reps = atoi(argv[++i])) >= 0)
			;
		else if (strcmp(argv[i], "--scale") == 0 && more && (o.scale = atof(argv[++i])) > 0)
			;
		else if (strcmp(argv[i], "--reconnect-n") == 0 && more &&
		         (o.reconnect_n = strtoul(argv[++i], NULL, 10)) > 0)
			;
		else if (strcmp(argv[i], "--reconnect-reps") == 0 && more &&
		         (o.reconnect_reps = atoi(argv[++i])) >= 0)
			;
		else if (strcmp(argv[i], "--log") == 0)
			o.log = true;
		else {
			fprintf(stderr, "usage: intercom-bench fanout [--sizes 1,10,100,500] [--reps R] "
			                "[--slow-n N] [--slow-reps R] [--sealed-n N] [--sealed-reps R] [--scale X] "
			                "[--reconnect-n N] [--reconnect-reps R] [--log]\n");
			return 2;
		}
	}
	size_t most = o.slow_n > 2 * o.sealed_n ? o.slow_n : 2 * o.sealed_n;
	most = o.reconnect_n > most ? o.reconnect_n : most;
	for (size_t i = 0; i < o.nsizes; i++)
		most = o.sizes[i] > most ? o.sizes[i] : most;
	/* The station's N sockets and the raw side's N, plus slack. */
	if (bench_raise_nofile(2 * most + 64) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	log_set_sink(o.log ? log_stderr : log_discard, NULL);
	if (auth_init() < 0)
		return 1;

	int rc = 0;
	for (size_t p = 0; p < sizeof page_specs / sizeof page_specs[0] && rc == 0; p++) {
		const struct page_spec *ps = &page_specs[p];
		uint8_t *wav;
		size_t wav_len;
		if (bench_make_page(ps->rate, ps->channels, ps->seconds * o.scale, &wav, &wav_len) < 0) {
			bench_warn("cannot make the %s page", ps->key);
			return 1;
		}
		char key[64];
		snprintf(key, sizeof key, "fanout.%s.frame_kib", ps->key);
		bench_sample(key, (double)(wav_len + PROTO_HEADER_SIZE + PROTO_PAGE_FIELDS_SIZE) / 1024.0);
		for (size_t i = 0; i < o.nsizes && rc == 0; i++)
			if (fanout_one(&o, ps, wav, wav_len, o.sizes[i]) < 0)
				rc = 1;
		if (p == 0 && rc == 0 && o.slow_reps > 0 && slow_speaker(&o, wav, wav_len) < 0)
			rc = 1;
		if (p == 0 && rc == 0 && o.sealed_reps > 0 && sealed_cost(&o, wav, wav_len) < 0)
			rc = 1;
		free(wav);
	}
	if (rc == 0 && o.reconnect_reps > 0 && reconnect_cost(&o) < 0)
		rc = 1;
	return rc;
}

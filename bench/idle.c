/*
 * intercom-bench idle: CPU time and wake-ups of running processes over a
 * window cut into slices. CPU is the sum of every thread's run time from
 * /proc/PID/task/TID/schedstat (nanoseconds, so a 5 s slice resolves 0.001 %);
 * wake-ups are the threads' voluntary context switches (each is a sleep that
 * ended), from /proc/PID/task/TID/status.
 *
 * Samples per slice: idle.NAME.cpu (% of one core), idle.NAME.wakeups (per s),
 * and the same for the main thread alone (idle.NAME.main_cpu, .main_wakeups):
 * the poll() loop, apart from audio and library threads. Also
 * idle.NAME.pulse_cpu, libpulse's own thread ("threaded-ml": the pulse ALSA
 * plugin's connection to the server), and idle.NAME.other_cpu, every other
 * thread (in our programs, PortAudio's callback thread): section 11.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define IDLE_MAX_PROCS 8

struct proc_use {
	unsigned long long cpu_ns;
	unsigned long long voluntary;
	unsigned long long main_cpu_ns;  /* the thread whose id is the process id */
	unsigned long long main_voluntary;
	unsigned long long pulse_cpu_ns;  /* threads named "threaded-ml" (libpulse) */
};

/* Adds one thread's run time and voluntary switches to use. */
static int read_task(int pid, const char *tid, struct proc_use *use)
{
	char path[320], line[256];
	snprintf(path, sizeof path, "/proc/%d/task/%s/schedstat", pid, tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	unsigned long long ns = 0;
	int ok = fscanf(f, "%llu", &ns) == 1;
	fclose(f);
	if (!ok)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/task/%s/status", pid, tid);
	if (!(f = fopen(path, "r")))
		return -1;
	unsigned long long vol = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &vol) == 1)
			break;
	fclose(f);
	use->cpu_ns += ns;
	use->voluntary += vol;
	if (atoi(tid) == pid) {
		use->main_cpu_ns = ns;
		use->main_voluntary = vol;
		return 0;
	}
	snprintf(path, sizeof path, "/proc/%d/task/%s/comm", pid, tid);
	if ((f = fopen(path, "r"))) {
		if (fgets(line, sizeof line, f) && strcmp(line, "threaded-ml\n") == 0)
			use->pulse_cpu_ns += ns;
		fclose(f);
	}
	return 0;
}

/* Sums over the process's threads; -1 if it is gone. */
static int read_proc(int pid, struct proc_use *use)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	*use = (struct proc_use){ 0 };
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			read_task(pid, e->d_name, use); /* a thread may end meanwhile */
	closedir(d);
	return 0;
}

/* intercom-bench idle SECONDS SLICES NAME=PID... */
int bench_idle_main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: intercom-bench idle SECONDS SLICES NAME=PID...\n");
		return 2;
	}
	double seconds = atof(argv[1]);
	int slices = atoi(argv[2]);
	int nproc = argc - 3;
	if (seconds <= 0 || slices <= 0 || nproc > IDLE_MAX_PROCS) {
		fprintf(stderr, "intercom-bench idle: bad window, slice count or too many processes\n");
		return 2;
	}
	char names[IDLE_MAX_PROCS][32];
	int pids[IDLE_MAX_PROCS];
	for (int i = 0; i < nproc; i++) {
		const char *eq = strchr(argv[3 + i], '=');
		if (!eq || eq == argv[3 + i] || (size_t)(eq - argv[3 + i]) >= sizeof names[i] ||
		    (pids[i] = atoi(eq + 1)) <= 0) {
			fprintf(stderr, "intercom-bench idle: '%s' is not NAME=PID\n", argv[3 + i]);
			return 2;
		}
		memcpy(names[i], argv[3 + i], (size_t)(eq - argv[3 + i]));
		names[i][eq - argv[3 + i]] = '\0';
	}
	double slice = seconds / slices;
	struct proc_use before[IDLE_MAX_PROCS], after[IDLE_MAX_PROCS];
	for (int s = 0; s < slices; s++) {
		uint64_t t0 = bench_now_ns();
		for (int i = 0; i < nproc; i++)
			if (read_proc(pids[i], &before[i]) < 0) {
				bench_warn("process %s (%d) is gone", names[i], pids[i]);
				return 1;
			}
		struct timespec ts = { .tv_sec = (time_t)slice,
		                       .tv_nsec = (long)((slice - (double)(time_t)slice) * 1e9) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		double secs = bench_ms_since(t0) / 1000.0;
		for (int i = 0; i < nproc; i++) {
			if (read_proc(pids[i], &after[i]) < 0) {
				bench_warn("process %s (%d) is gone", names[i], pids[i]);
				return 1;
			}
			char key[64];
			const struct proc_use *a = &after[i], *b = &before[i];
			snprintf(key, sizeof key, "idle.%s.cpu", names[i]);
			bench_sample(key, (double)(long long)(a->cpu_ns - b->cpu_ns) / 1e9 / secs * 100.0);
			snprintf(key, sizeof key, "idle.%s.wakeups", names[i]);
			bench_sample(key, (double)(long long)(a->voluntary - b->voluntary) / secs);
			snprintf(key, sizeof key, "idle.%s.main_cpu", names[i]);
			bench_sample(key, (double)(long long)(a->main_cpu_ns - b->main_cpu_ns) / 1e9 / secs * 100.0);
			snprintf(key, sizeof key, "idle.%s.main_wakeups", names[i]);
			bench_sample(key, (double)(long long)(a->main_voluntary - b->main_voluntary) / secs);
			double pulse_ns = (double)(long long)(a->pulse_cpu_ns - b->pulse_cpu_ns);
			snprintf(key, sizeof key, "idle.%s.pulse_cpu", names[i]);
			bench_sample(key, pulse_ns / 1e9 / secs * 100.0);
			double other_ns = (double)(long long)(a->cpu_ns - b->cpu_ns) -
			                  (double)(long long)(a->main_cpu_ns - b->main_cpu_ns) - pulse_ns;
			snprintf(key, sizeof key, "idle.%s.other_cpu", names[i]);
			bench_sample(key, other_ns / 1e9 / secs * 100.0);
		}
	}
	return 0;
}

/*
 * intercom-bench relist: what a console with no input device does at each
 * re-listing of the audio devices (input_watch.c's input_rescan: PortAudio
 * terminated and started again, the input device looked for), N times in a
 * row, with the process's memory read every K re-listings.
 *
 *   intercom-bench relist [--plain] [--label L] [--every K] [--warmup W] N
 *
 * Ours: audio_terminate, audio_init, audio_find_device("", input), as the
 * console does. --plain, the baseline: the same through PortAudio's own calls
 * (Pa_Terminate, Pa_Initialize, every device's info, the default input), no
 * intercom code in the loop; stderr is silenced around Pa_Initialize as
 * audio_init does, so the two print the same.
 *
 * Each checkpoint (PortAudio running, as the console sits between listings)
 * goes to stderr: "relist L I rss=KiB anon=KiB heap=B cpu=S". Samples on
 * stdout, growth measured from re-listing W (the warm-up: one-time
 * allocations, kept modules; 0: from the first start) to N:
 *   relist.L.rss_per    VmRSS growth per re-listing, KiB
 *   relist.L.anon_per   RssAnon growth per re-listing, KiB
 *   relist.L.heap_per   heap in use (mallinfo2: arena + mmap'ed chunks) per re-listing, KiB
 *   relist.L.cpu_ms     process CPU time per re-listing, ms (all of them)
 *   relist.L.rss_kib    VmRSS after the last one
 * PortAudio is terminated before exit, so a LeakSanitizer build reports
 * what is left (scripts/relist-leak.sh runs it so).
 */
#include <fcntl.h>
#include <malloc.h>
#include <portaudio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "intercom/audio/audio.h"

struct reading {
	long rss_kib, anon_kib;
	double heap_b, cpu_s;
};

static void read_now(struct reading *r)
{
	struct mallinfo2 m = mallinfo2();
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	r->rss_kib = bench_status_kib(0, "VmRSS");
	r->anon_kib = bench_status_kib(0, "RssAnon");
	r->heap_b = (double)m.uordblks + (double)m.hblkhd;
	r->cpu_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The baseline's start: Pa_Initialize with stderr silenced, as audio_init does. */
static int plain_start(void)
{
	fflush(stderr);
	int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);
	if (saved >= 0 && devnull >= 0)
		dup2(devnull, STDERR_FILENO);
	PaError rc = Pa_Initialize();
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (devnull >= 0)
		close(devnull);
	return rc == paNoError ? 0 : -1;
}

/* The baseline's listing: every device's info and the default input, as PortAudio gives them. */
static void plain_list(void)
{
	int count = Pa_GetDeviceCount();
	for (int d = 0; d < count; d++)
		(void)Pa_GetDeviceInfo(d);
	(void)Pa_GetDefaultInputDevice();
}

static int start(bool plain)
{
	char err[256];
	if (plain) {
		if (plain_start() < 0)
			return -1;
		plain_list();
		return 0;
	}
	if (audio_init(err, sizeof err) < 0) {
		bench_warn("%s", err);
		return -1;
	}
	(void)audio_find_device("", true, err, sizeof err); /* no input device: -1, as expected */
	return 0;
}

static void stop(bool plain)
{
	if (plain)
		Pa_Terminate();
	else
		audio_terminate();
}

int bench_relist_main(int argc, char **argv)
{
	bool plain = false;
	const char *label = NULL;
	long every = 100, warmup = -1, n = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--plain") == 0)
			plain = true;
		else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
			label = argv[++i];
		else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc)
			every = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
			warmup = strtol(argv[++i], NULL, 10);
		else if (n < 0 && argv[i][0] != '-')
			n = strtol(argv[i], NULL, 10);
		else
			n = -2;
	}
	if (warmup < 0)
		warmup = every;
	if (n < 1 || every < 1 || warmup >= n) {
		fprintf(stderr, "usage: intercom-bench relist [--plain] [--label L] [--every K] "
		                "[--warmup W] N   (W < N; W defaults to K)\n");
		return 2;
	}
	if (!label)
		label = plain ? "plain" : "ours";

	struct reading first, at_warmup = { 0 }, now;
	read_now(&first);
	if (start(plain) < 0) {
		bench_warn("relist %s: PortAudio did not start", label);
		return 1;
	}
	read_now(&now);
	fprintf(stderr, "relist %s 0 rss=%ld anon=%ld heap=%.0f cpu=%.3f\n", label, now.rss_kib,
	        now.anon_kib, now.heap_b, now.cpu_s);
	if (warmup == 0)
		at_warmup = now;
	for (long i = 1; i <= n; i++) {
		stop(plain);
		if (start(plain) < 0) {
			bench_warn("relist %s: PortAudio did not start again at re-listing %ld", label, i);
			return 1;
		}
		if (i % every == 0 || i == warmup || i == n) {
			read_now(&now);
			fprintf(stderr, "relist %s %ld rss=%ld anon=%ld heap=%.0f cpu=%.3f\n", label, i,
			        now.rss_kib, now.anon_kib, now.heap_b, now.cpu_s);
			if (i == warmup)
				at_warmup = now;
		}
	}
	double span = (double)(n - warmup);
	char key[160];
	snprintf(key, sizeof key, "relist.%s.rss_per", label);
	bench_sample(key, (double)(now.rss_kib - at_warmup.rss_kib) / span);
	snprintf(key, sizeof key, "relist.%s.anon_per", label);
	bench_sample(key, (double)(now.anon_kib - at_warmup.anon_kib) / span);
	snprintf(key, sizeof key, "relist.%s.heap_per", label);
	bench_sample(key, (now.heap_b - at_warmup.heap_b) / 1024.0 / span);
	snprintf(key, sizeof key, "relist.%s.cpu_ms", label);
	bench_sample(key, (now.cpu_s - first.cpu_s) * 1000.0 / (double)(n + 1));
	snprintf(key, sizeof key, "relist.%s.rss_kib", label);
	bench_sample(key, (double)now.rss_kib);
	stop(plain);
	return 0;
}

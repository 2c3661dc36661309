/* Helpers shared by the benchmark subcommands. */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "intercom/audio/wav.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double bench_ms_since(uint64_t start_ns)
{
	return (double)(bench_now_ns() - start_ns) / 1e6;
}

void bench_sample(const char *key, double value)
{
	printf("sample %s %.6g\n", key, value);
	fflush(stdout);
}

void bench_warn(const char *fmt, ...)
{
	va_list ap;
	fputs("intercom-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int bench_raise_nofile(size_t need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		bench_warn("need %zu open files, the hard limit is %llu (raise it with ulimit -Hn)", need,
		           (unsigned long long)rl.rlim_max);
		return -1;
	}
	return 0;
}

long bench_status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/status");
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t flen = strlen(field);
	long kib = -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kib = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

int bench_reset_hwm(pid_t pid)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/clear_refs");
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int rc = fputs("5", f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int bench_make_page(int rate, int channels, double seconds, uint8_t **wav, size_t *wav_len)
{
	size_t frames = (size_t)(rate * seconds + 0.5);
	size_t n = frames * (size_t)channels;
	int16_t *samples = malloc((n ? n : 1) * sizeof *samples);
	if (!samples)
		return -1;
	/* A 440 Hz tone at -12 dBFS with a little noise: not silence, not compressible. */
	uint32_t lcg = 12345;
	for (size_t i = 0; i < n; i++) {
		lcg = lcg * 1664525u + 1013904223u;
		double t = (double)(i / (size_t)channels) / rate;
		double v = 0.25 * sin(2 * M_PI * 440 * t) + ((double)(lcg >> 16) / 65536.0 - 0.5) * 0.02;
		samples[i] = (int16_t)lrint(v * 32767);
	}
	int rc = wav_encode_s16(samples, frames, rate, channels, wav, wav_len);
	free(samples);
	return rc;
}

int bench_parse_hostport(const char *arg, char *host, size_t cap, int *port)
{
	const char *colon = strrchr(arg, ':');
	if (!colon || colon == arg)
		return -1;
	const char *h = arg;
	size_t hlen = (size_t)(colon - arg);
	if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']')
		h++, hlen -= 2;
	if (hlen >= cap)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (errno || *end || p <= 0 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

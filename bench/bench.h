/*
 * The benchmark programs (docs/BENCHMARKS.md): one binary,
 * intercom-bench, with a subcommand per measurement. Every measurement prints
 * "sample KEY VALUE" lines on stdout; bench/run.sh gathers them from several
 * runs and prints the table (median, spread, baseline, ratio, target).
 * They reuse the project's modules (station, conn, proto, net, wav): nothing
 * here speaks the protocol on its own.
 */
#ifndef INTERCOM_BENCH_H
#define INTERCOM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- subcommands ---- */

/* Page fan-out (station vs raw sockets), page memory, slow speaker: measurements 1, 4, 5. */
int bench_fanout_main(int argc, char **argv);
/* N light bench speakers for a real console (measurements 3 and 4). */
int bench_peers_main(int argc, char **argv);
/* CPU and wake-ups of running processes over a window (measurement 3). */
int bench_idle_main(int argc, char **argv);
/* What the machine does without our code: write+fsync, copy (baselines of measurement 2). */
int bench_floor_main(int argc, char **argv);
/* Writes a test page WAV (a tone with noise) of a given length and format. */
int bench_wav_main(int argc, char **argv);
/* N re-listings of the audio devices (PortAudio restarted), ours or plain PortAudio: memory, CPU. */
int bench_relist_main(int argc, char **argv);
/* The shared clock's offset error against the truth (0) on loopback, idle and under CPU load. */
int bench_clocksync_main(int argc, char **argv);
/* The stream codec: CPU per frame and bytes per second of audio, pcm and opus (section 10). */
int bench_codec_main(int argc, char **argv);
/* One PortAudio stream on the default device with given frames and latency (section 11). */
int bench_stream_main(int argc, char **argv);

/* ---- shared helpers (util.c) ---- */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);
double bench_ms_since(uint64_t start_ns);

/* Prints "sample KEY VALUE" and flushes, so a killed run keeps what it measured. */
void bench_sample(const char *key, double value);

/* Raises the soft RLIMIT_NOFILE to at least need (up to the hard limit). 0, or -1 if short. */
int bench_raise_nofile(size_t need);

/* A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"), or -1. pid 0: this process. */
long bench_status_kib(pid_t pid, const char *field);
/* Resets VmHWM to the current RSS (Linux >= 4.0). 0 or -1. */
int bench_reset_hwm(pid_t pid);

/* A test page of `seconds`: a tone with noise, as a WAV in a new malloc'd buffer. 0 or -1. */
int bench_make_page(int rate, int channels, double seconds, uint8_t **wav, size_t *wav_len);

/* Parses "HOST:PORT" (or "[V6]:PORT"); host is written to host (cap bytes). 0 or -1. */
int bench_parse_hostport(const char *arg, char *host, size_t cap, int *port);

/* Prints "intercom-bench: ..." on stderr. */
void bench_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/* intercom-bench: the benchmark subcommands behind `make bench` (see bench/bench.h). */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "fanout", bench_fanout_main, "page fan-out vs raw sockets, page memory, slow speaker" },
	{ "peers", bench_peers_main, "N light bench speakers for a running console" },
	{ "idle", bench_idle_main, "CPU and wake-ups of processes over a window" },
	{ "floor", bench_floor_main, "durable write and copy of a file's bytes (baselines)" },
	{ "wav", bench_wav_main, "write a test page WAV" },
	{ "relist", bench_relist_main, "memory and CPU of N re-listings of the audio devices" },
	{ "clocksync", bench_clocksync_main, "the shared clock's error on one machine, idle and under CPU load" },
	{ "codec", bench_codec_main, "stream codec CPU per frame and bytes per second, pcm and opus" },
	{ "stream", bench_stream_main, "one PortAudio stream with given buffer and latency, to measure from outside" },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "usage: intercom-bench COMMAND ARGS (bench/run.sh runs them all)\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(stderr, "  %-9s %s\n", commands[i].name, commands[i].what);
	return 2;
}

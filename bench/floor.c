/*
 * What the machine does without our code, for the key-to-loudspeaker
 * baselines: a durable write of the page's bytes (write, fsync, rename, fsync
 * the directory: the least an archive that survives a crash can do) and a copy
 * into mapped memory (the least a decoder can do). Also
 * writes the test pages the other benchmarks send.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

/* The whole file in a new buffer. */
static int read_file(const char *path, uint8_t **bytes, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		bench_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) < 0 || !(*bytes = malloc((size_t)sb.st_size + 1))) {
		fclose(f);
		return -1;
	}
	*len = fread(*bytes, 1, (size_t)sb.st_size, f);
	fclose(f);
	return *len == (size_t)sb.st_size ? 0 : -1;
}

/* write + fsync + rename + fsync(dir): ms, or -1. */
static double durable_write(const char *dir, const uint8_t *bytes, size_t len)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/.floor.tmp", dir);
	snprintf(final, sizeof final, "%s/floor.wav", dir);
	uint64_t t0 = bench_now_ns();
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, bytes + off, len - off);
		if (w < 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, final) < 0)
		return -1;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		return -1;
	close(dfd);
	double ms = bench_ms_since(t0);
	unlink(final);
	return ms;
}

/*
 * memcpy of the bytes into memory already mapped (as a decoder's output buffer
 * is once the allocator has seen a page of that size): ms.
 */
static double warm_copy(const uint8_t *bytes, size_t len)
{
	uint8_t *copy = malloc(len);
	if (!copy)
		return -1;
	/* Fault every page in first; the barrier keeps the compiler from dropping either copy. */
	memcpy(copy, bytes, len);
	__asm__ volatile("" : : "r"(copy) : "memory");
	uint64_t t0 = bench_now_ns();
	memcpy(copy, bytes, len);
	__asm__ volatile("" : : "r"(copy) : "memory");
	double ms = bench_ms_since(t0);
	free(copy);
	return ms;
}

/* intercom-bench floor FILE DIR [REPS] */
int bench_floor_main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: intercom-bench floor FILE DIR [REPS]\n");
		return 2;
	}
	int reps = argc == 4 ? atoi(argv[3]) : 7;
	uint8_t *bytes;
	size_t len;
	if (read_file(argv[1], &bytes, &len) < 0)
		return 1;
	int rc = 0;
	for (int r = 0; r < reps && rc == 0; r++) {
		double w = durable_write(argv[2], bytes, len);
		double c = warm_copy(bytes, len);
		if (w < 0 || c < 0) {
			bench_warn("floor in %s: %s", argv[2], strerror(errno));
			rc = 1;
			break;
		}
		bench_sample("floor.archive", w);
		bench_sample("floor.copy", c);
	}
	free(bytes);
	return rc;
}

/* intercom-bench wav OUT RATE CHANNELS SECONDS */
int bench_wav_main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: intercom-bench wav OUT RATE CHANNELS SECONDS\n");
		return 2;
	}
	uint8_t *wav;
	size_t len;
	if (bench_make_page(atoi(argv[2]), atoi(argv[3]), atof(argv[4]), &wav, &len) < 0) {
		bench_warn("cannot make a page of %s Hz, %s channel(s), %s s", argv[2], argv[3], argv[4]);
		return 1;
	}
	FILE *f = fopen(argv[1], "wb");
	int rc = f && fwrite(wav, 1, len, f) == len ? 0 : 1;
	if (f && fclose(f) != 0)
		rc = 1;
	if (rc)
		bench_warn("cannot write %s", argv[1]);
	free(wav);
	return rc;
}

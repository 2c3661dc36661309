/* Unit tests of the SPSC byte ring, single-threaded and with a real producer thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/ring.h"

/* Byte n of an endless test stream; its period is far longer than any ring. */
static unsigned char pattern(size_t n)
{
	return (unsigned char)(n ^ (n >> 8) ^ (n >> 16) ^ (n >> 24));
}

static void fill_pattern(unsigned char *buf, size_t from, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(from + i);
}

/* Small deterministic PRNG (xorshift32), one state per thread. */
static uint32_t next_rand(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void test_capacity_power_of_two(void **state)
{
	(void)state;
	static const struct {
		size_t min, want;
	} cases[] = {
		{ 0, 1 }, { 1, 1 }, { 2, 2 }, { 3, 4 }, { 5, 8 }, { 1000, 1024 },
		{ 1024, 1024 }, { 1025, 2048 }, { 48000 * 2, 131072 }, { 65537, 131072 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ring r;
		assert_int_equal(ring_init(&r, cases[i].min), 0);
		assert_non_null(r.buf);
		assert_int_equal(r.capacity, cases[i].want);
		assert_int_equal(ring_readable(&r), 0);
		/* The whole capacity is usable: exactly that many bytes fit. */
		unsigned char *data = malloc(cases[i].want + 1);
		assert_non_null(data);
		fill_pattern(data, 0, cases[i].want + 1);
		assert_int_equal(ring_write(&r, data, cases[i].want + 1), cases[i].want);
		assert_int_equal(ring_readable(&r), cases[i].want);
		free(data);
		ring_free(&r);
		assert_null(r.buf);
	}
}

static void test_empty_read(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 64), 0);
	unsigned char out[16];
	memset(out, 0xaa, sizeof out);
	assert_int_equal(ring_read(&r, out, sizeof out), 0);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 0xaa); /* nothing written to the caller's buffer */
	/* Empty again after a round trip. */
	unsigned char in[10];
	fill_pattern(in, 0, sizeof in);
	assert_int_equal(ring_write(&r, in, sizeof in), 10);
	assert_int_equal(ring_read(&r, out, sizeof out), 10);
	assert_memory_equal(out, in, 10);
	assert_int_equal(ring_read(&r, out, sizeof out), 0);
	assert_int_equal(ring_readable(&r), 0);
	/* Zero-length calls are no-ops. */
	assert_int_equal(ring_write(&r, in, 0), 0);
	assert_int_equal(ring_read(&r, out, 0), 0);
	assert_int_equal(ring_readable(&r), 0);
	ring_free(&r);
}

static void test_round_trip_across_wrap(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 16), 0);
	assert_int_equal(r.capacity, 16);
	unsigned char in[16], out[16];
	size_t written = 0, read = 0;
	/* Every offset of the wrap point and every length up to capacity. */
	for (size_t lead = 0; lead < 16; lead++) {
		for (size_t len = 1; len <= 16; len++) {
			ring_discard(&r);
			read = written;
			/* Move head and tail to `lead` past a multiple of the capacity. */
			while (written % 16 != lead) {
				fill_pattern(in, written, 1);
				assert_int_equal(ring_write(&r, in, 1), 1);
				written++;
				assert_int_equal(ring_read(&r, out, 1), 1);
				assert_int_equal(out[0], pattern(read));
				read++;
			}
			fill_pattern(in, written, len);
			assert_int_equal(ring_write(&r, in, len), len);
			written += len;
			assert_int_equal(ring_readable(&r), len);
			memset(out, 0, sizeof out);
			assert_int_equal(ring_read(&r, out, sizeof out), len);
			assert_memory_equal(out, in, len);
			read += len;
			assert_int_equal(ring_readable(&r), 0);
		}
	}
	ring_free(&r);
}

static void test_partial_write_when_full(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 100), 0);
	assert_int_equal(r.capacity, 128);
	unsigned char in[300], out[300];
	fill_pattern(in, 0, sizeof in);
	assert_int_equal(ring_write(&r, in, 100), 100);
	assert_int_equal(ring_write(&r, in + 100, 100), 28); /* only what fits */
	assert_int_equal(ring_readable(&r), 128);
	assert_int_equal(ring_write(&r, in + 128, 1), 0); /* full */
	assert_int_equal(ring_write(&r, in + 128, 100), 0);
	/* Free 50, write 100 across the wrap: 50 fit. */
	assert_int_equal(ring_read(&r, out, 50), 50);
	assert_memory_equal(out, in, 50);
	assert_int_equal(ring_write(&r, in + 128, 100), 50);
	assert_int_equal(ring_readable(&r), 128);
	assert_int_equal(ring_read(&r, out, sizeof out), 128);
	assert_memory_equal(out, in + 50, 128); /* bytes 50..177 in order, nothing lost between */
	assert_int_equal(ring_read(&r, out, sizeof out), 0);
	ring_free(&r);
}

static void test_partial_read(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 32), 0);
	unsigned char in[20], out[20];
	fill_pattern(in, 0, sizeof in);
	assert_int_equal(ring_write(&r, in, 20), 20);
	assert_int_equal(ring_read(&r, out, 7), 7);
	assert_memory_equal(out, in, 7);
	assert_int_equal(ring_readable(&r), 13);
	assert_int_equal(ring_read(&r, out, 20), 13);
	assert_memory_equal(out, in + 7, 13);
	ring_free(&r);
}

static void test_discard(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 64), 0);
	unsigned char in[200], out[200];
	fill_pattern(in, 0, sizeof in);
	ring_discard(&r); /* on empty: harmless */
	assert_int_equal(ring_readable(&r), 0);
	assert_int_equal(ring_write(&r, in, 40), 40);
	ring_discard(&r);
	assert_int_equal(ring_readable(&r), 0);
	assert_int_equal(ring_read(&r, out, sizeof out), 0);
	/* The freed space is writable again, all of it, and the data after is intact. */
	assert_int_equal(ring_write(&r, in + 40, 64), 64);
	assert_int_equal(ring_read(&r, out, sizeof out), 64);
	assert_memory_equal(out, in + 40, 64);
	/* Discard when full. */
	assert_int_equal(ring_write(&r, in, 100), 64);
	ring_discard(&r);
	assert_int_equal(ring_readable(&r), 0);
	assert_int_equal(ring_write(&r, in + 100, 64), 64);
	assert_int_equal(ring_read(&r, out, 10), 10);
	assert_memory_equal(out, in + 100, 10);
	ring_free(&r);
}

/* Long single-threaded run with random sizes against a model. */
static void test_random_single_thread(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 1000), 0);
	unsigned char buf[3000];
	uint32_t rng = 12345;
	size_t written = 0, read = 0;
	for (int step = 0; step < 200000; step++) {
		size_t n = next_rand(&rng) % 1500;
		if (next_rand(&rng) & 1) {
			fill_pattern(buf, written, n);
			size_t space = r.capacity - (written - read);
			size_t w = ring_write(&r, buf, n);
			assert_int_equal(w, n < space ? n : space);
			written += w;
		} else {
			size_t got = ring_read(&r, buf, n);
			size_t avail = written - read;
			assert_int_equal(got, n < avail ? n : avail);
			for (size_t i = 0; i < got; i++)
				if (buf[i] != pattern(read + i))
					fail_msg("byte %zu: got %u, want %u", read + i, buf[i], pattern(read + i));
			read += got;
		}
		assert_int_equal(ring_readable(&r), written - read);
	}
	ring_free(&r);
}

/* ---- two threads ---- */

#define STREAM_BYTES ((size_t)10 << 20)

struct producer_args {
	struct ring *ring;
	uint32_t seed;
};

static void *producer_main(void *arg)
{
	struct producer_args *a = arg;
	unsigned char chunk[4096];
	uint32_t rng = a->seed;
	size_t sent = 0;
	while (sent < STREAM_BYTES) {
		size_t n = 1 + next_rand(&rng) % sizeof chunk;
		if (n > STREAM_BYTES - sent)
			n = STREAM_BYTES - sent;
		fill_pattern(chunk, sent, n);
		size_t off = 0;
		while (off < n) {
			size_t w = ring_write(a->ring, chunk + off, n - off);
			if (w == 0)
				sched_yield();
			off += w;
		}
		sent += n;
	}
	return NULL;
}

static void run_two_threads(size_t capacity, uint32_t seed)
{
	struct ring r;
	assert_int_equal(ring_init(&r, capacity), 0);
	struct producer_args args = { &r, seed };
	pthread_t thread;
	assert_int_equal(pthread_create(&thread, NULL, producer_main, &args), 0);
	unsigned char buf[5000];
	uint32_t rng = seed * 2654435761u + 1;
	size_t received = 0;
	size_t bad_at = (size_t)-1;
	/* On a mismatch keep draining (unchecked) so the producer finishes and joins. */
	while (received < STREAM_BYTES) {
		size_t want = 1 + next_rand(&rng) % sizeof buf;
		size_t got = ring_read(&r, buf, want);
		if (got == 0) {
			sched_yield();
			continue;
		}
		if ((got > want || received + got > STREAM_BYTES) && bad_at == (size_t)-1)
			bad_at = received;
		for (size_t i = 0; i < got && bad_at == (size_t)-1; i++)
			if (buf[i] != pattern(received + i))
				bad_at = received + i;
		received += got;
	}
	assert_int_equal(pthread_join(thread, NULL), 0);
	size_t left = ring_readable(&r);
	ring_free(&r);
	if (bad_at != (size_t)-1)
		fail_msg("capacity %zu: stream wrong at byte %zu", capacity, bad_at);
	assert_int_equal(received, STREAM_BYTES);
	assert_int_equal(left, 0);
}

static void test_two_threads_small_ring(void **state)
{
	(void)state;
	run_two_threads(1000, 1); /* 1024: chunks often exceed it, many partial writes */
}

static void test_two_threads_large_ring(void **state)
{
	(void)state;
	run_two_threads(65536, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_power_of_two),
		cmocka_unit_test(test_empty_read),
		cmocka_unit_test(test_round_trip_across_wrap),
		cmocka_unit_test(test_partial_write_when_full),
		cmocka_unit_test(test_partial_read),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_random_single_thread),
		cmocka_unit_test(test_two_threads_small_ring),
		cmocka_unit_test(test_two_threads_large_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

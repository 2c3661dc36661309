/*
 * Growing an array of fixed-size items by doubling (from 16), bounded: the
 * one growth rule of the lists that hold what arrives over time (trusted
 * keys, known speakers, waiting pages). No I/O.
 */
#ifndef INTERCOM_VEC_H
#define INTERCOM_VEC_H

#include <stddef.h>

/*
 * Makes *items (of *cap items of size bytes) hold one more than n: grown to
 * twice (at most max; 0: no bound) when full. 0, or -1 when it is full at
 * max or memory ran out (items and cap unchanged).
 */
int vec_reserve_one(void **items, size_t *cap, size_t n, size_t size, size_t max);

#endif

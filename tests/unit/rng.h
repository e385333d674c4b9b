/*
 * rng.h: the unit tests' random numbers, the same on every run
 * (xorshift64, Marsaglia 2003), so that a failure can be replayed.
 */
#ifndef TM_TEST_RNG_H
#define TM_TEST_RNG_H

#include <stdint.h>

static uint64_t rng = 88172645463325252ull;

static inline uint32_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

#endif

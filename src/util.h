/*
 * util.h: allocation that dies with a message, and small helpers.
 */
#ifndef TM_UTIL_H
#define TM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "tcpmortem/detector.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

/* Seconds as a double from capture time, and back. */
static inline double ts_seconds(tm_time_t t) { return (double)t / 1e9; }
static inline tm_time_t ts_from_seconds(double s) { return (tm_time_t)(s * 1e9); }

/* Ask for the cache line at P to be loaded, for reading, without waiting
 * for it (a hint: GCC and Clang; elsewhere nothing). */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* Seconds on the monotonic clock: for deadlines and durations. */
double monotonic_seconds(void);

/* Grow *arr (of *cap elements of SIZE) to hold at least N. */
void grow_array(void **arr, size_t *cap, size_t n, size_t size);

#endif

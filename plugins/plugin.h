/*
 * plugin.h: small helpers the bundled detectors share.
 *
 * Header-only (static inline), so each plugin stays one self-contained
 * shared object that needs nothing but tcpmortem/detector.h at run time.
 * A third-party detector does not need this file.
 */
#ifndef TM_PLUGIN_H
#define TM_PLUGIN_H

#include <stdio.h>
#include <string.h>
#include "tcpmortem/detector.h"

/* The per-capture basics every bundled detector keeps. */
struct plugin_base {
	struct tm_context *ctx;
	const struct tm_host *host;
	struct tm_profile profile;
};

static inline void
plugin_base_init(struct plugin_base *b, struct tm_context *ctx, const struct tm_host *host,
    const struct tm_profile *profile)
{
	b->ctx = ctx;
	b->host = host;
	b->profile = *profile;
}

static inline double
plugin_seconds(tm_time_t t)
{
	return (double)t / (double)TM_NSEC_PER_SEC;
}

static inline tm_time_t
plugin_ns(double seconds)
{
	return (tm_time_t)(seconds * (double)TM_NSEC_PER_SEC);
}

static inline const char *
plugin_side(enum tm_side s)
{
	return s == TM_CLIENT ? "client" : s == TM_SERVER ? "server" : "host";
}

/* "10.0.0.2:80" (IPv6 as "[::1]:80") into BUF of at least 64 bytes. */
static inline const char *
plugin_endpoint(const struct plugin_base *b, const struct tm_addr *a, uint16_t port,
    char *buf, size_t len)
{
	char text[64];

	b->host->addr_str(a, text, sizeof(text));
	snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u", text, (unsigned)port);
	return buf;
}

/* Add FRAME to F's evidence unless full, zero or already there. */
static inline void
plugin_evidence(struct tm_finding *f, uint64_t frame)
{
	if (frame == 0 || f->nframes >= TM_MAX_EVIDENCE)
		return;
	for (size_t i = 0; i < f->nframes; i++)
		if (f->frames[i] == frame)
			return;
	f->frames[f->nframes++] = frame;
}

/* A finding about one side of flow FL, with DETAIL; evidence added later. */
static inline void
plugin_flow_finding(struct tm_finding *out, const char *kind, const struct tm_flow *fl,
    enum tm_side side, tm_time_t ts, const char *detail)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->flow_id = fl->id;
	out->side = side;
	out->ts = ts;
	out->host = fl->addr[side == TM_NO_SIDE ? TM_SERVER : side];
	out->port = fl->port[side == TM_NO_SIDE ? TM_SERVER : side];
	out->detail = detail;
}

/* "0.21 s, 0.42 s": the gaps between the N times in TS, into BUF. */
static inline const char *
plugin_gaps(const tm_time_t *ts, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 1; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%.2f s", i > 1 ? ", " : "",
		    plugin_seconds(ts[i] - ts[i - 1]));
	return buf;
}

/* "once", "twice", "3 times". */
static inline const char *
plugin_times(unsigned n, char *buf, size_t len)
{
	if (n == 1)
		return "once";
	if (n == 2)
		return "twice";
	snprintf(buf, len, "%u times", n);
	return buf;
}

/* 64-bit mix (splitmix64 finaliser) for hashing addresses and ports. */
static inline uint64_t
plugin_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static inline uint64_t
plugin_hash_addr(const struct tm_addr *a, uint16_t port)
{
	uint64_t h = plugin_mix((uint64_t)a->family << 16 | port);

	for (int i = 0; i < (a->family == 6 ? 16 : 4); i++)
		h = plugin_mix(h ^ a->bytes[i]);
	return h;
}

static inline int
plugin_addr_eq(const struct tm_addr *a, const struct tm_addr *b)
{
	return tm_addr_eq(a, b);
}

#endif

/*
 * flowtab.h: the table of live connections, and when they leave it.
 *
 * A chained hash on the 4-tuple (either direction) finds a packet's flow.
 * Every flow also sits on one of two lists, each ordered by last activity,
 * so expiry is O(1) per flow and never scans:
 *
 *   active  --(quiet longer than the profile's horizon; not done)-->  idle
 *   active  --(quiet longer than the horizon and done)-->  out (written)
 *   idle    --(quiet longer than the inactivity timeout)-->  out
 *   any     --(a packet)-->  tail of active
 *
 * The table never writes anything itself: flows that leave are handed to
 * the caller's callback, which stores and frees them.  A memory cap on the
 * number of flows evicts the least recently active first.
 */
#ifndef TM_FLOWTAB_H
#define TM_FLOWTAB_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"

struct flowtab;

typedef void (*flowtab_out_fn)(void *ctx, struct flow *f, enum tm_end_reason why);

struct flowtab_limits {
	double horizon;         /* seconds: longest timer (profile_horizon) */
	double idle_timeout;    /* seconds of silence before an open flow is written out */
	size_t max_flows;       /* cap; 0 = unlimited */
};

struct flowtab *flowtab_new(const struct flowtab_limits *lim, flowtab_out_fn out, void *ctx);
void flowtab_free(struct flowtab *t);   /* frees remaining flows without output */

/* The flow P belongs to, or NULL. */
struct flow *flowtab_lookup(struct flowtab *t, const struct packet *p);

/* Insert a new flow (made by flow_new). */
void flowtab_insert(struct flowtab *t, struct flow *f);

/* Remove F from the table without output (the caller takes it). */
void flowtab_remove(struct flowtab *t, struct flow *f);

/* F just saw a packet at its v.last_ts: move it to the active tail. */
void flowtab_touch(struct flowtab *t, struct flow *f);

/* Hand out every flow whose time has come at capture time NOW. */
void flowtab_expire(struct flowtab *t, tm_time_t now);

/* Hand out every flow (capture end), oldest first. */
void flowtab_drain(struct flowtab *t, enum tm_end_reason why);

/* Call FN on every flow still in the table (live checkpoints). */
void flowtab_foreach(struct flowtab *t, void (*fn)(void *ctx, struct flow *f), void *ctx);

size_t flowtab_count(const struct flowtab *t);
uint64_t flowtab_evicted(const struct flowtab *t);
size_t flowtab_peak(const struct flowtab *t);

#endif

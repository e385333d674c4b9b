/*
 * flowtab.h: the table of live connections, and when they leave it.
 *
 * A chained hash on the 4-tuple (either direction) finds a packet's flow.
 * Every flow also sits on one of four lists, each ordered by last
 * activity, so expiry is O(1) per flow and never scans:
 *
 *          quiet > pack_after    quiet > grace        quiet > horizon      quiet > idle timeout
 *   recent ───────────> settling ─────────> waiting ─────────> idle ─────────────> out
 *                                   │ done           │ done                   (must go)
 *                                   └──> out         └──> out
 *   any list ──(a packet)──> tail of recent
 *
 * "done" is the caller's verdict (timers applied, both endpoints CLOSED):
 * a reset or refused connection leaves after the grace period, one in
 * TIME-WAIT once every timer has run (the profile's horizon), an idle open
 * one after the inactivity timeout.  The table never writes anything
 * itself: flows that leave are handed to the caller's callback, which
 * stores and frees them.  A cap on the number of flows evicts the least
 * recently active of the idlest list first.
 *
 * Embryonic flows (flow_is_embryonic: SYN floods, scans, one-packet
 * connections) are also on a list of their own, by last activity, with a
 * cap of their own: over it, the least recently active is handed out
 * marked aggregated, for the caller to count instead of storing.  Memory
 * under a flood then stays bounded by the cap, not by the flood.
 *
 * With packing on (flowtab_set_packing), a flow that has closed
 * (flow_has_closed) is packed (flowpack.h) in its place on the recent
 * list once it has been quiet for pack_closed_after (flowtab_pack_closed);
 * a closing one (flow_is_closing) when it leaves the recent list, an open
 * one when
 * it leaves the settling list: the waiting and idle lists hold packed
 * flows, most of a busy capture's, at a fifth of the memory.  With more
 * whole flows than max_whole, the least recently active of the recent
 * list are packed at once onto the settling list (busy or not: the price
 * is an unpack at their next packet), so a storm of connections that are
 * all active still fits.  The table unpacks one
 * whenever it hands it out (lookup, expiry, drain, foreach), so callers
 * only ever see whole flows.
 */
#ifndef TM_FLOWTAB_H
#define TM_FLOWTAB_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"

struct flowtab;
struct flowpack;

/* F leaves the table (already unlinked) at capture time NOW.  With WHY =
 * TM_END_OPEN the table asks whether F may go: the callback applies timers
 * and returns 1 if it took F (stored and freed), 0 to keep it.  With any
 * other reason the callback must take F. */
typedef int (*flowtab_out_fn)(void *ctx, struct flow *f, enum tm_end_reason why, tm_time_t now);

struct flowtab_limits {
	double pack_after;      /* seconds of quiet before a flow is packed (0, or over grace: grace) */
	double pack_closed_after; /* the same for a flow that has closed (at most pack_after) */
	double grace;           /* seconds a done flow waits for stray segments */
	double horizon;         /* seconds: longest timer (profile_horizon) */
	double idle_timeout;    /* seconds of silence before an open flow is written out */
	size_t max_flows;       /* cap; 0 = unlimited */
	size_t max_embryonic;   /* cap on embryonic flows; 0 = unlimited */
	size_t max_whole;       /* with packing: whole flows beyond which the least
	                         * recently active are packed early; 0 = no limit */
};

struct flowtab *flowtab_new(const struct flowtab_limits *lim, flowtab_out_fn out, void *ctx);
void flowtab_free(struct flowtab *t);   /* frees remaining flows without output */

/* Pack flows that go quiet with PK (which must outlive the table), or
 * never (NULL, the default). */
void flowtab_set_packing(struct flowtab *t, struct flowpack *pk);

/* Until when F, about to be packed, needs nothing from the out callback:
 * asked with TM_END_OPEN at any time before it, the callback would
 * neither take F nor change it (no timer of F falls due, and F is not
 * done, or done but lingering).  The table then moves F on from list to
 * list packed, without unpacking it to ask (a connection in TIME-WAIT is
 * packed once, not once per list).  0: always ask. */
typedef tm_time_t (*flowtab_quiet_until_fn)(void *ctx, const struct flow *f);
void flowtab_set_quiet_until(struct flowtab *t, flowtab_quiet_until_fn fn);

/* The flow P belongs to, or NULL. */
struct flow *flowtab_lookup(struct flowtab *t, const struct packet *p);

/* Looking a packet up costs two cache misses (its bucket, then its flow)
 * in a table of a few hundred thousand flows.  A caller that knows the
 * next packets can start those loads early: the bucket of HASH (P's
 * flowtab_hash) a few packets ahead, its flow (flowtab_prefetch_flow) one
 * or two ahead, then flowtab_lookup_hashed() finds both in the cache.
 * Hints only: nothing changes. */
uint64_t flowtab_hash(const struct packet *p);
void flowtab_prefetch_bucket(const struct flowtab *t, uint64_t hash);
void flowtab_prefetch_flow(const struct flowtab *t, uint64_t hash);
struct flow *flowtab_lookup_hashed(struct flowtab *t, const struct packet *p, uint64_t hash);

/* Insert a new flow (made by flow_new). */
void flowtab_insert(struct flowtab *t, struct flow *f);
/* The same, HASH being flowtab_hash() of one of F's packets. */
void flowtab_insert_hashed(struct flowtab *t, struct flow *f, uint64_t hash);

/* Remove F from the table without output (the caller takes it). */
void flowtab_remove(struct flowtab *t, struct flow *f);

/* F just saw a packet at its v.last_ts: move it to the active tail (and,
 * while it is embryonic, to the embryonic list's; once it has closed, to
 * the closed list's). */
void flowtab_touch(struct flowtab *t, struct flow *f);

/* Pack, in their places, the flows that have closed and been quiet for
 * pack_closed_after at capture time NOW.  Cheap when none is due: called
 * as the clock moves, between packets. */
void flowtab_pack_closed(struct flowtab *t, tm_time_t now);

/* Hand out every flow whose time has come at capture time NOW. */
void flowtab_expire(struct flowtab *t, tm_time_t now);

/* Hand out every flow, in the order of their ids, as ending for WHY at NOW
 * (capture end). */
void flowtab_drain(struct flowtab *t, enum tm_end_reason why, tm_time_t now);

/* Call FN on every flow still in the table (live checkpoints), except
 * packed flows that were stored and quiet since SINCE (0: none excepted):
 * those are unchanged since the checkpoint at SINCE. */
void flowtab_foreach(struct flowtab *t, tm_time_t since,
    void (*fn)(void *ctx, struct flow *f), void *ctx);

size_t flowtab_count(const struct flowtab *t);
uint64_t flowtab_evicted(const struct flowtab *t);
/* Embryonic flows handed out under their cap. */
uint64_t flowtab_aggregated(const struct flowtab *t);
size_t flowtab_peak(const struct flowtab *t);
/* Flows packed so far. */
uint64_t flowtab_packs(const struct flowtab *t);

#endif

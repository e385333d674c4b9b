/*
 * flowtab.c: the table of live connections (see flowtab.h for the lists).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "flowpack.h"
#include "flowtab.h"
#include "util.h"

enum { RECENT, SETTLING, WAITING, IDLE, STAGES };

struct list {
	struct flow_node *head, *tail;
};

struct flowtab {
	struct flow_node **buckets;
	size_t nbuckets;        /* a power of two */
	size_t count, peak;
	uint64_t evicted, aggregated, packs;
	size_t npacked, max_whole;
	struct list stage[STAGES];
	struct list embryo;     /* embryonic flows, least recently active first */
	size_t nembryo, max_embryonic;
	struct flow *closed_head, *closed_tail; /* closed, whole: least recently active first */
	tm_time_t pack_closed_after;
	const struct flow *warming; /* the closed flow to pack next, being fetched */
	int warmed;             /* and its contents asked for too */
	tm_time_t timeout[STAGES];
	size_t max_flows;
	flowtab_out_fn out;
	flowtab_quiet_until_fn quiet_until;
	void *ctx;
	struct flowpack *pk;    /* packs flows leaving the recent list; NULL: never */
};

static struct flow *
flow_of(struct flow_node *n)
{
	return (struct flow *)((char *)n - offsetof(struct flow, node));
}

/* --- hashing: the same value for both directions ----------------------- */

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

static uint64_t
endpoint_hash(const struct tm_addr *a, uint16_t port)
{
	uint64_t w[2];

	memcpy(w, a->bytes, sizeof(w));
	return mix64(w[0] ^ mix64(w[1] ^ ((uint64_t)port << 8 | a->family)));
}

/* A build for the tests (test-flowtab-collide) keeps a few bits only, so
 * that every chain is full of flows whose hashes are equal. */
#ifndef TUPLE_HASH_MASK
#define TUPLE_HASH_MASK UINT64_MAX
#endif

static uint64_t
tuple_hash(const struct tm_addr *a, uint16_t pa, const struct tm_addr *b, uint16_t pb)
{
	uint64_t x = endpoint_hash(a, pa), y = endpoint_hash(b, pb);

	return mix64((x < y ? x : y) * 31 + (x < y ? y : x)) & TUPLE_HASH_MASK;
}

/* --- lists -------------------------------------------------------------- */

static void
list_unlink(struct list *l, struct flow_node *n)
{
	if (n->lprev)
		n->lprev->lnext = n->lnext;
	else
		l->head = n->lnext;
	if (n->lnext)
		n->lnext->lprev = n->lprev;
	else
		l->tail = n->lprev;
	n->lprev = n->lnext = NULL;
}

static void
list_append(struct list *l, struct flow_node *n)
{
	n->lnext = NULL;
	n->lprev = l->tail;
	if (l->tail)
		l->tail->lnext = n;
	else
		l->head = n;
	l->tail = n;
}

/* Insert N into L after AFTER (NULL: at the head). */
static void
list_insert_after(struct list *l, struct flow_node *after, struct flow_node *n)
{
	n->lprev = after;
	n->lnext = after != NULL ? after->lnext : l->head;
	if (n->lnext)
		n->lnext->lprev = n;
	else
		l->tail = n;
	if (after)
		after->lnext = n;
	else
		l->head = n;
}

/* The embryonic list links flows through their eprev/enext (embryonic
 * flows are never packed). */
static void
embryo_unlink(struct flowtab *t, struct flow_node *n)
{
	struct flow *f;

	if (!n->embryonic)
		return;
	f = flow_of(n);
	if (f->eprev)
		flow_of(f->eprev)->enext = f->enext;
	else
		t->embryo.head = f->enext;
	if (f->enext)
		flow_of(f->enext)->eprev = f->eprev;
	else
		t->embryo.tail = f->eprev;
	f->eprev = f->enext = NULL;
	n->embryonic = 0;
	t->nembryo--;
}

static void
embryo_append(struct flowtab *t, struct flow_node *n)
{
	struct flow *f = flow_of(n);

	f->enext = NULL;
	f->eprev = t->embryo.tail;
	if (t->embryo.tail)
		flow_of(t->embryo.tail)->enext = n;
	else
		t->embryo.head = n;
	t->embryo.tail = n;
	n->embryonic = 1;
	t->nembryo++;
}

/* The closed list links whole flows through their cprev/cnext, for
 * flowtab_pack_closed. */
static void
closed_unlink(struct flowtab *t, struct flow *f)
{
	if (!f->on_closed)
		return;
	if (f->cprev)
		f->cprev->cnext = f->cnext;
	else
		t->closed_head = f->cnext;
	if (f->cnext)
		f->cnext->cprev = f->cprev;
	else
		t->closed_tail = f->cprev;
	f->cprev = f->cnext = NULL;
	f->on_closed = 0;
}

static void
closed_append(struct flowtab *t, struct flow *f)
{
	f->cnext = NULL;
	f->cprev = t->closed_tail;
	if (t->closed_tail)
		t->closed_tail->cnext = f;
	else
		t->closed_head = f;
	t->closed_tail = f;
	f->on_closed = 1;
}

/* --- the hash ------------------------------------------------------------ */

static void
hash_link(struct flowtab *t, struct flow_node *n)
{
	size_t b = n->hash & (t->nbuckets - 1);

	n->hnext = t->buckets[b];
	t->buckets[b] = n;
}

static void
hash_unlink(struct flowtab *t, struct flow_node *n)
{
	struct flow_node **pp = &t->buckets[n->hash & (t->nbuckets - 1)];

	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
	n->hnext = NULL;
}

static void
rehash(struct flowtab *t)
{
	struct flow_node **old = t->buckets;
	size_t had = t->nbuckets;

	t->nbuckets *= 2;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	for (size_t i = 0; i < had; i++)
		for (struct flow_node *n = old[i], *next; n != NULL; n = next) {
			next = n->hnext;
			hash_link(t, n);
		}
	free(old);
}

struct flowtab *
flowtab_new(const struct flowtab_limits *lim, flowtab_out_fn out, void *ctx)
{
	struct flowtab *t = xcalloc(1, sizeof(*t));

	t->nbuckets = 1024;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	t->timeout[RECENT] = ts_from_seconds(lim->pack_after > 0 && lim->pack_after < lim->grace ?
	    lim->pack_after : lim->grace);
	t->timeout[SETTLING] = ts_from_seconds(lim->grace);
	t->pack_closed_after = lim->pack_closed_after < lim->pack_after ?
	    ts_from_seconds(lim->pack_closed_after) : t->timeout[RECENT];
	t->timeout[WAITING] = ts_from_seconds(lim->horizon);
	t->timeout[IDLE] = ts_from_seconds(lim->idle_timeout > lim->horizon ?
	    lim->idle_timeout : lim->horizon);
	t->max_flows = lim->max_flows;
	t->max_embryonic = lim->max_embryonic;
	t->max_whole = lim->max_whole;
	t->out = out;
	t->ctx = ctx;
	return t;
}

void
flowtab_set_packing(struct flowtab *t, struct flowpack *pk)
{
	t->pk = pk;
}

void
flowtab_set_quiet_until(struct flowtab *t, flowtab_quiet_until_fn fn)
{
	t->quiet_until = fn;
}

void
flowtab_free(struct flowtab *t)
{
	if (t == NULL)
		return;
	for (int s = 0; s < STAGES; s++)
		for (struct flow_node *n = t->stage[s].head, *next; n != NULL; n = next) {
			next = n->lnext;
			if (n->packed)
				flowpack_free(n);
			else
				flow_free(flow_of(n));
		}
	free(t->buckets);
	free(t);
}

/* --- packed and live flows ------------------------------------------------ */

/* N's flow, unpacked if it was packed (N is then gone). */
static struct flow *
unpacked(struct flowtab *t, struct flow_node *n)
{
	if (!n->packed)
		return flow_of(n);
	t->npacked--;
	return flowpack_unpack(n, t->pk);
}

/* F's node as the table keeps it quiet: packed, when packing is on. */
static struct flow_node *
quiet_node(struct flowtab *t, struct flow *f)
{
	f->node.last_ts = f->v.last_ts;
	if (t->pk == NULL)
		return &f->node;
	f->node.quiet_until = t->quiet_until != NULL ? t->quiet_until(t->ctx, f) : 0;
	t->packs++;
	t->npacked++;
	return flowpack_pack(f, t->pk);
}

/* More whole flows than the budget allows. */
static int
over_budget(const struct flowtab *t)
{
	return t->pk != NULL && t->max_whole > 0 && t->count - t->npacked > t->max_whole;
}

/* F's node on the settling list: packed if F is closing (or the whole
 * flows are over their budget).  An open flow
 * quiet for a second may well speak again within the grace, and packing
 * it for that while would cost more than it saves (a pack and an unpack
 * per packet of a connection that pauses between one and five seconds). */
static struct flow_node *
settling_node(struct flowtab *t, struct flow *f)
{
	return flow_is_closing(f) || over_budget(t) ? quiet_node(t, f) : &f->node;
}

/* Whether P is of F's 4-tuple, in either direction. */
static int
flow_matches(const struct flow *f, const struct packet *p)
{
	for (int s = 0; s < 2; s++)
		if (p->sport == f->v.port[s] && p->dport == f->v.port[!s] &&
		    tm_addr_eq(&p->src, &f->v.addr[s]) && tm_addr_eq(&p->dst, &f->v.addr[!s]))
			return 1;
	return 0;
}

/* Take N out of the hash and its list. */
static void
detach(struct flowtab *t, struct flow_node *n)
{
	hash_unlink(t, n);
	list_unlink(&t->stage[n->list], n);
	embryo_unlink(t, n);
	if (!n->packed)
		closed_unlink(t, flow_of(n));
	t->count--;
}

static void
attach(struct flowtab *t, struct flow_node *n, int stage)
{
	hash_link(t, n);
	n->list = (uint8_t)stage;
	list_append(&t->stage[stage], n);
	t->count++;
	if (t->count > t->peak)
		t->peak = t->count;
}

uint64_t
flowtab_hash(const struct packet *p)
{
	return tuple_hash(&p->src, p->sport, &p->dst, p->dport);
}

void
flowtab_prefetch_bucket(const struct flowtab *t, uint64_t hash)
{
	PREFETCH(&t->buckets[hash & (t->nbuckets - 1)]);
}

/* The first node of the chain (most often the flow itself) and what a
 * packet's work reads: a packed flow's bytes, which follow its node and
 * are unpacked at once (c1m, where most packets find their flow packed,
 * took 19.0 s instead of 20.9 with them prefetched), or the whole struct
 * flow around the node, every line of which a segment touches (the view,
 * the last segments, the FIN watches, the counters).  Four lines of it
 * were fetched until 2026-12-05; all fourteen took c10k from 4.89 to
 * 4.77 s with -j 1 and c1m from 12.06 to 11.62 s (alternated runs). */
#define PREFETCH_PACKED_LINES 4

void
flowtab_prefetch_flow(const struct flowtab *t, uint64_t hash)
{
	const struct flow_node *n = t->buckets[hash & (t->nbuckets - 1)];

	if (n == NULL)
		return;
	/* Whether N is packed is not read here: the node is not in the cache
	 * yet, and waiting for it was most of this function's time under a
	 * flood.  Both are asked for; a prefetch never faults. */
	for (int line = 0; line < PREFETCH_PACKED_LINES; line++)
		PREFETCH((const char *)n + 64 * line);
	flow_prefetch(flow_of((struct flow_node *)n));
}

struct flow *
flowtab_lookup(struct flowtab *t, const struct packet *p)
{
	return flowtab_lookup_hashed(t, p, flowtab_hash(p));
}

/* F, just taken out of the table from after AFTER on STAGE's list: packed,
 * back in that place. */
static void
put_back(struct flowtab *t, struct flow *f, int stage, struct flow_node *after)
{
	struct flow_node *n = quiet_node(t, f);

	hash_link(t, n);
	n->list = (uint8_t)stage;
	list_insert_after(&t->stage[stage], after, n);
	t->count++;
}

struct flow *
flowtab_lookup_hashed(struct flowtab *t, const struct packet *p, uint64_t h)
{
	struct flow *f;

	for (struct flow_node *n = t->buckets[h & (t->nbuckets - 1)], *next; n != NULL; n = next) {
		struct flow_node *after;
		int stage;

		next = n->hnext;
		if (n->hash != h)
			continue;
		if (!n->packed) {
			if (flow_matches(flow_of(n), p))
				return flow_of(n);
			continue;
		}
		/* The hash is all a packed node has of its 4-tuple.  Back to
		 * life if it is P's: the caller touches or removes it next. */
		after = n->lprev;
		stage = n->list;
		detach(t, n);
		f = unpacked(t, n);
		if (!flow_matches(f, p)) {     /* equal hashes: not P's after all */
			put_back(t, f, stage, after);
			t->packs--;     /* the same bytes again: no new pack */
			continue;
		}
		attach(t, &f->node, RECENT);
		return f;
	}
	return NULL;
}

/* Over the cap: the least recently active flow of the idlest list goes. */
static void
evict_one(struct flowtab *t, tm_time_t now)
{
	for (int s = STAGES - 1; s >= 0; s--) {
		struct flow_node *n = t->stage[s].head;

		if (n == NULL)
			continue;
		detach(t, n);
		t->evicted++;
		t->out(t->ctx, unpacked(t, n), TM_END_EVICTED, now);
		return;
	}
}

void
flowtab_insert(struct flowtab *t, struct flow *f)
{
	flowtab_insert_hashed(t, f, tuple_hash(&f->v.addr[0], f->v.port[0], &f->v.addr[1],
	    f->v.port[1]));
}

void
flowtab_insert_hashed(struct flowtab *t, struct flow *f, uint64_t hash)
{
	struct flow_node *n = &f->node;

	n->id = f->v.id;
	n->last_ts = f->v.last_ts;
	n->hash = hash;
	if (t->count + 1 > t->nbuckets)
		rehash(t);
	attach(t, n, RECENT);
	while (t->max_flows > 0 && t->count > t->max_flows)
		evict_one(t, f->v.last_ts);
}

void
flowtab_remove(struct flowtab *t, struct flow *f)
{
	detach(t, &f->node);
}

/* Under a flood every new SYN pushes out the oldest embryonic flow, long
 * gone from the cache: its bucket, its lines and its detectors' slots were
 * a fifth of the flood's time in misses.  So the next three are fetched
 * a step apart:
 *
 *   third:  the line of its list links and hash (from its address);
 *   second: its flow and slot pointers, and its bucket (from its hash);
 *   next:   its contents (slots, timelines, ladder), and the node its
 *           bucket starts with, whose link hash_unlink follows when it
 *           is not that node.
 *
 * Embryonic flows are whole: leaving the recent list takes a flow off the
 * embryonic one (detach) before it can be packed. */
static void
prefetch_victims(const struct flowtab *t)
{
	struct flow_node *v1 = t->embryo.head, *v2, *v3, *first;

	if (v1 == NULL)
		return;
	first = t->buckets[v1->hash & (t->nbuckets - 1)];
	if (first != v1)
		PREFETCH(first);
	if (t->pk != NULL)
		flow_prefetch_contents(flow_of(v1), t->pk->nslots);
	if ((v2 = flow_of(v1)->enext) == NULL)
		return;
	flow_prefetch(flow_of(v2));
	PREFETCH(&t->buckets[v2->hash & (t->nbuckets - 1)]);
	if ((v3 = flow_of(v2)->enext) != NULL)
		PREFETCH(&flow_of(v3)->enext);
}

/* Over the embryonic cap: the least recently active embryonic flow goes,
 * to be counted, not stored. */
static void
aggregate_one(struct flowtab *t, tm_time_t now)
{
	struct flow_node *n = t->embryo.head;
	struct flow *f = flow_of(n);

	detach(t, n);
	prefetch_victims(t);
	f->aggregated = 1;
	t->aggregated++;
	t->out(t->ctx, f, TM_END_EVICTED, now);
}

/* Over the budget of whole flows, the least recently active of the recent
 * list go to the settling list early, packed (never KEEP, being handled;
 * never an embryonic one, which its own cap bounds: the walk stops there). */
static void
relieve(struct flowtab *t, const struct flow *keep)
{
	struct flow_node *n;

	while (over_budget(t) && (n = t->stage[RECENT].head) != NULL &&
	    n != &keep->node && !n->embryonic) {
		detach(t, n);
		attach(t, n->packed ? n : quiet_node(t, flow_of(n)), SETTLING);
	}
}

void
flowtab_touch(struct flowtab *t, struct flow *f)
{
	struct flow_node *n = &f->node;

	list_unlink(&t->stage[n->list], n);
	n->list = RECENT;
	n->last_ts = f->v.last_ts;
	list_append(&t->stage[RECENT], n);
	if (f->packets <= EMBRYO_PACKETS || n->embryonic) {
		embryo_unlink(t, n);
		if (flow_is_embryonic(f)) {
			embryo_append(t, n);
			while (t->max_embryonic > 0 && t->nembryo > t->max_embryonic)
				aggregate_one(t, f->v.last_ts);
		}
	}
	closed_unlink(t, f);
	if (t->pk != NULL && !n->embryonic && flow_has_closed(f))
		closed_append(t, f);
	relieve(t, f);
}

/* The closed flow to pack next is known well before it is due, and by
 * then long gone from the cache: packing reads all of it, and its misses
 * were a third of packing's time.  So it is fetched while packets pass, in
 * two steps a packet apart: its own lines, then what they point to. */
static void
warm_next_closed(struct flowtab *t)
{
	const struct flow *f = t->closed_head;

	if (f == NULL || t->pk == NULL)
		return;
	if (f != t->warming) {
		flow_prefetch(f);
		t->warming = f;
		t->warmed = 0;
	} else if (!t->warmed) {
		flow_prefetch_contents(f, t->pk->nslots);
		t->warmed = 1;
	}
}

/* A closed connection rarely hears more than a straggler, but its 4-tuple
 * may be used again at once (a client reusing its port in TIME-WAIT): a
 * short wait spares that one a pack and an unpack, and costs the memory of
 * a fraction of a second of closes. */
void
flowtab_pack_closed(struct flowtab *t, tm_time_t now)
{
	struct flow *f;

	while ((f = t->closed_head) != NULL && f->node.last_ts + t->pack_closed_after <= now) {
		struct flow_node *after = f->node.lprev;
		int stage = f->node.list;

		detach(t, &f->node);
		put_back(t, f, stage, after);
	}
	warm_next_closed(t);
}

void
flowtab_expire(struct flowtab *t, tm_time_t now)
{
	for (int s = 0; s < STAGES; s++) {
		struct flow_node *n;

		while ((n = t->stage[s].head) != NULL && n->last_ts + t->timeout[s] <= now) {
			int last = s == STAGES - 1;
			struct flow *f;

			detach(t, n);
			if (s == RECENT) {      /* its fate is decided at the grace */
				attach(t, n->packed ? n : settling_node(t, flow_of(n)), SETTLING);
				continue;
			}
			if (n->packed && now < n->quiet_until && !last) {
				attach(t, n, s + 1);    /* nothing to ask: on, unread */
				continue;
			}
			f = unpacked(t, n);
			if (t->out(t->ctx, f, last ? TM_END_IDLE : TM_END_OPEN, now) || last)
				continue;
			attach(t, quiet_node(t, f), s + 1);
		}
	}
}

static int
by_id(const void *a, const void *b)
{
	uint64_t x = (*(struct flow_node *const *)a)->id, y = (*(struct flow_node *const *)b)->id;

	return (x > y) - (x < y);
}

/* The table empty at once, its flows unlinked from nothing: every one is
 * about to leave.  Detached one by one in the order of their ids, each
 * followed its hash chain and wrote its list neighbours, cold memory all
 * (a twentieth of the drain of c10k with -j 1). */
static void
forget_all(struct flowtab *t)
{
	memset(t->buckets, 0, t->nbuckets * sizeof(*t->buckets));
	for (int s = 0; s < STAGES; s++)
		t->stage[s] = (struct list){ NULL, NULL };
	t->embryo = (struct list){ NULL, NULL };
	t->nembryo = 0;
	t->closed_head = t->closed_tail = NULL;
	t->warming = NULL;
	t->warmed = 0;
	t->count = 0;
}

/* Whole flow F, once forget_all() emptied the table, as detach() leaves
 * it.  (A packed one's node is unlinked by unpacking it.) */
static void
forget_links(struct flow *f)
{
	f->node.hnext = f->node.lprev = f->node.lnext = NULL;
	f->node.embryonic = 0;
	f->eprev = f->enext = NULL;
	f->cprev = f->cnext = NULL;
	f->on_closed = 0;
}

/* In the order of their ids, which is the order they began in: the store
 * then appends to the flows table instead of splitting its pages all over
 * (the drain of a capture's end took twice as long in the order of
 * idleness). */
void
flowtab_drain(struct flowtab *t, enum tm_end_reason why, tm_time_t now)
{
	struct flow_node **all = xreallocarray(NULL, t->count ? t->count : 1, sizeof(*all));
	size_t k = 0;

	for (int s = 0; s < STAGES; s++)
		for (struct flow_node *n = t->stage[s].head; n != NULL; n = n->lnext)
			all[k++] = n;
	qsort(all, k, sizeof(*all), by_id);
	forget_all(t);
	for (size_t i = 0; i < k; i++) {
		struct flow_node *n = all[i];
		struct flow *f;

		if (n->packed) {
			t->npacked--;
			f = flowpack_unpack_held(n, t->pk);     /* N freed below */
		} else {
			f = flow_of(n);
			forget_links(f);
			all[i] = NULL;                          /* N is part of F */
		}
		t->out(t->ctx, f, why, now);
	}
	/* The packed nodes go together once their flows are out.  Freed one
	 * by one between the store's writes, each was sorted into malloc's
	 * bins again at SQLite's next large allocation (a page split's):
	 * c1m's drain spent a seventh of its time in malloc and free. */
	for (size_t i = 0; i < k; i++)
		flowpack_free(all[i]);
	free(all);
}

/* FN on the flow packed in N, which keeps its place in its list. */
static void
visit_packed(struct flowtab *t, struct flow_node *n, void (*fn)(void *ctx, struct flow *f),
    void *ctx)
{
	struct flow_node *after = n->lprev;
	int stage = n->list;
	struct flow *f;

	detach(t, n);
	f = unpacked(t, n);
	fn(ctx, f);
	put_back(t, f, stage, after);
}

void
flowtab_foreach(struct flowtab *t, tm_time_t since, void (*fn)(void *ctx, struct flow *f),
    void *ctx)
{
	for (int s = 0; s < STAGES; s++)
		for (struct flow_node *n = t->stage[s].head, *next; n != NULL; n = next) {
			next = n->lnext;
			if (!n->packed)
				fn(ctx, flow_of(n));
			else if (!n->stored || n->last_ts >= since)
				visit_packed(t, n, fn, ctx);
		}
}

size_t flowtab_count(const struct flowtab *t) { return t->count; }
uint64_t flowtab_evicted(const struct flowtab *t) { return t->evicted; }
uint64_t flowtab_aggregated(const struct flowtab *t) { return t->aggregated; }
uint64_t flowtab_packs(const struct flowtab *t) { return t->packs; }
size_t flowtab_peak(const struct flowtab *t) { return t->peak; }

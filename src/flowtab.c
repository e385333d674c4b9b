/*
 * flowtab.c: the table of live connections (see flowtab.h for the lists).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flowtab.h"
#include "util.h"

#define STAGES 3                /* recent, waiting, idle */

struct list {
	struct flow *head, *tail;
};

struct flowtab {
	struct flow **buckets;
	size_t nbuckets;        /* a power of two */
	size_t count, peak;
	uint64_t evicted, aggregated;
	struct list stage[STAGES];
	struct list embryo;     /* embryonic flows, least recently active first */
	size_t nembryo, max_embryonic;
	tm_time_t timeout[STAGES];
	size_t max_flows;
	flowtab_out_fn out;
	void *ctx;
};

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

static uint32_t
tuple_hash(const struct tm_addr *a, uint16_t pa, const struct tm_addr *b, uint16_t pb)
{
	uint64_t x = endpoint_hash(a, pa), y = endpoint_hash(b, pb);

	return (uint32_t)mix64((x < y ? x : y) * 31 + (x < y ? y : x));
}

/* --- lists -------------------------------------------------------------- */

static void
list_unlink(struct list *l, struct flow *f)
{
	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void
list_append(struct list *l, struct flow *f)
{
	f->lnext = NULL;
	f->lprev = l->tail;
	if (l->tail)
		l->tail->lnext = f;
	else
		l->head = f;
	l->tail = f;
}

/* The embryonic list links through eprev/enext. */
static void
embryo_unlink(struct flowtab *t, struct flow *f)
{
	if (!f->embryonic)
		return;
	if (f->eprev)
		f->eprev->enext = f->enext;
	else
		t->embryo.head = f->enext;
	if (f->enext)
		f->enext->eprev = f->eprev;
	else
		t->embryo.tail = f->eprev;
	f->eprev = f->enext = NULL;
	f->embryonic = 0;
	t->nembryo--;
}

static void
embryo_append(struct flowtab *t, struct flow *f)
{
	f->enext = NULL;
	f->eprev = t->embryo.tail;
	if (t->embryo.tail)
		t->embryo.tail->enext = f;
	else
		t->embryo.head = f;
	t->embryo.tail = f;
	f->embryonic = 1;
	t->nembryo++;
}

/* --- the hash ------------------------------------------------------------ */

static void
hash_link(struct flowtab *t, struct flow *f)
{
	size_t b = f->hash & (t->nbuckets - 1);

	f->hnext = t->buckets[b];
	t->buckets[b] = f;
}

static void
hash_unlink(struct flowtab *t, struct flow *f)
{
	struct flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	f->hnext = NULL;
}

static void
rehash(struct flowtab *t)
{
	struct flow **old = t->buckets;
	size_t n = t->nbuckets;

	t->nbuckets *= 2;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	for (size_t i = 0; i < n; i++)
		for (struct flow *f = old[i], *next; f != NULL; f = next) {
			next = f->hnext;
			hash_link(t, f);
		}
	free(old);
}

struct flowtab *
flowtab_new(const struct flowtab_limits *lim, flowtab_out_fn out, void *ctx)
{
	struct flowtab *t = xcalloc(1, sizeof(*t));

	t->nbuckets = 1024;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	t->timeout[0] = ts_from_seconds(lim->grace);
	t->timeout[1] = ts_from_seconds(lim->horizon);
	t->timeout[2] = ts_from_seconds(lim->idle_timeout > lim->horizon ?
	    lim->idle_timeout : lim->horizon);
	t->max_flows = lim->max_flows;
	t->max_embryonic = lim->max_embryonic;
	t->out = out;
	t->ctx = ctx;
	return t;
}

void
flowtab_free(struct flowtab *t)
{
	if (t == NULL)
		return;
	for (int s = 0; s < STAGES; s++)
		for (struct flow *f = t->stage[s].head, *next; f != NULL; f = next) {
			next = f->lnext;
			flow_free(f);
		}
	free(t->buckets);
	free(t);
}

struct flow *
flowtab_lookup(struct flowtab *t, const struct packet *p)
{
	uint32_t h = tuple_hash(&p->src, p->sport, &p->dst, p->dport);

	for (struct flow *f = t->buckets[h & (t->nbuckets - 1)]; f != NULL; f = f->hnext)
		if (f->hash == h && flow_side_of(f, p) != TM_NO_SIDE)
			return f;
	return NULL;
}

/* Take F out of the hash and its list. */
static void
detach(struct flowtab *t, struct flow *f)
{
	hash_unlink(t, f);
	list_unlink(&t->stage[f->list], f);
	embryo_unlink(t, f);
	t->count--;
}

static void
attach(struct flowtab *t, struct flow *f, int stage)
{
	hash_link(t, f);
	f->list = (uint8_t)stage;
	list_append(&t->stage[stage], f);
	t->count++;
	if (t->count > t->peak)
		t->peak = t->count;
}

/* Over the cap: the least recently active flow of the idlest list goes. */
static void
evict_one(struct flowtab *t, tm_time_t now)
{
	for (int s = STAGES - 1; s >= 0; s--) {
		struct flow *f = t->stage[s].head;

		if (f == NULL)
			continue;
		detach(t, f);
		t->evicted++;
		t->out(t->ctx, f, TM_END_EVICTED, now);
		return;
	}
}

void
flowtab_insert(struct flowtab *t, struct flow *f)
{
	f->hash = tuple_hash(&f->v.addr[0], f->v.port[0], &f->v.addr[1], f->v.port[1]);
	if (t->count + 1 > t->nbuckets)
		rehash(t);
	attach(t, f, 0);
	while (t->max_flows > 0 && t->count > t->max_flows)
		evict_one(t, f->v.last_ts);
}

void
flowtab_remove(struct flowtab *t, struct flow *f)
{
	detach(t, f);
}

/* Over the embryonic cap: the least recently active embryonic flow goes,
 * to be counted, not stored. */
static void
aggregate_one(struct flowtab *t, tm_time_t now)
{
	struct flow *f = t->embryo.head;

	detach(t, f);
	f->aggregated = 1;
	t->aggregated++;
	t->out(t->ctx, f, TM_END_EVICTED, now);
}

void
flowtab_touch(struct flowtab *t, struct flow *f)
{
	list_unlink(&t->stage[f->list], f);
	f->list = 0;
	list_append(&t->stage[0], f);
	if (f->packets > EMBRYO_PACKETS && !f->embryonic)
		return;         /* the common case, decided cheaply */
	embryo_unlink(t, f);
	if (!flow_is_embryonic(f))
		return;
	embryo_append(t, f);
	while (t->max_embryonic > 0 && t->nembryo > t->max_embryonic)
		aggregate_one(t, f->v.last_ts);
}

void
flowtab_expire(struct flowtab *t, tm_time_t now)
{
	for (int s = 0; s < STAGES; s++) {
		struct flow *f;

		while ((f = t->stage[s].head) != NULL && f->v.last_ts + t->timeout[s] <= now) {
			int last = s == STAGES - 1;

			detach(t, f);
			if (t->out(t->ctx, f, last ? TM_END_IDLE : TM_END_OPEN, now) || last)
				continue;
			attach(t, f, s + 1);
		}
	}
}

static int
by_id(const void *a, const void *b)
{
	uint64_t x = (*(struct flow *const *)a)->v.id, y = (*(struct flow *const *)b)->v.id;

	return (x > y) - (x < y);
}

/* In the order of their ids, which is the order they began in: the store
 * then appends to the flows table instead of splitting its pages all over
 * (the drain of a capture's end took twice as long in the order of
 * idleness). */
void
flowtab_drain(struct flowtab *t, enum tm_end_reason why, tm_time_t now)
{
	struct flow **all = xreallocarray(NULL, t->count ? t->count : 1, sizeof(*all));
	size_t n = 0;

	for (int s = 0; s < STAGES; s++)
		for (struct flow *f = t->stage[s].head; f != NULL; f = f->lnext)
			all[n++] = f;
	qsort(all, n, sizeof(*all), by_id);
	for (size_t i = 0; i < n; i++) {
		detach(t, all[i]);
		t->out(t->ctx, all[i], why, now);
	}
	free(all);
}

void
flowtab_foreach(struct flowtab *t, void (*fn)(void *ctx, struct flow *f), void *ctx)
{
	for (int s = 0; s < STAGES; s++)
		for (struct flow *f = t->stage[s].head; f != NULL; f = f->lnext)
			fn(ctx, f);
}

size_t flowtab_count(const struct flowtab *t) { return t->count; }
uint64_t flowtab_evicted(const struct flowtab *t) { return t->evicted; }
uint64_t flowtab_aggregated(const struct flowtab *t) { return t->aggregated; }
size_t flowtab_peak(const struct flowtab *t) { return t->peak; }

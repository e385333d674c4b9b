/*
 * hostlevel.c: TIME-WAIT piling up on one address, and on one client's
 * route to one service, where it eats the ephemeral ports.
 *
 * Concurrency without waiting for timers: a TIME-WAIT entered at t ends at
 * t + 2·MSL (the profile's time_wait), so each address keeps a FIFO of
 * expiry times; dropping the expired head gives the count in TIME-WAIT
 * right now.  Transitions arrive in capture order, so the FIFO stays
 * sorted.  A TIME-WAIT ended early (RST, reuse) still counts until its
 * expiry: a slight overcount, on the safe side for a warning.
 *
 *   t ──▶  [t1+60][t2+60][t3+60] ... ◀── push at each TIME-WAIT entry
 *            ▲ pop while <= now             count = length = concurrent
 *
 * Tables are fixed-size (MAX_KEYS each).  When one is full, an address
 * that ended one connection and never held a TIME-WAIT gives its place to
 * the next (a SYN flood's spoofed sources would otherwise fill it for
 * good); an address beyond a table full of others is not watched.
 */
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

/* A build may shrink the table (the fuzzing build does, to reach its full
 * table often): -DMAX_KEYS=N. */
#ifndef MAX_KEYS
#define MAX_KEYS 4096
#endif

static const char *const kinds[] = { "time-wait-storm", "port-exhaustion-risk", NULL };

static const struct tm_option options[] = {
	{ "time-wait-storm.count", 1000, "concurrent TIME-WAIT on one address that is a storm" },
	{ "time-wait-storm.share", 0.5,
	  "or this share of the address's connections in TIME-WAIT at once..." },
	{ "time-wait-storm.min-count", 50, "...when at least this many" },
	{ "port-exhaustion-risk.fraction", 0.5,
	  "a client's TIME-WAITs to one service reaching this share of the ephemeral range" },
	{ NULL, 0, NULL }
};

/* One address (or client -> service pair) and its TIME-WAIT expiries. */
struct tw_key {
	int used;
	struct tm_addr addr, peer;
	uint16_t peer_port;
	uint64_t flows, closes, initiated; /* in the first cache line, with the
	                                    * names: all a flow's end touches */
	tm_time_t *fifo;
	size_t head, len, cap;
	size_t peak;
	tm_time_t peak_ts;
	uint64_t recent[TM_MAX_EVIDENCE]; /* last frames that entered TIME-WAIT */
	unsigned nrecent;
	uint64_t peak_frames[TM_MAX_EVIDENCE];
};

struct hl_state {
	struct plugin_base b;
	double storm_count, storm_share, storm_min, fraction;
	struct tw_key *addrs, *pairs;   /* MAX_KEYS each */
	/* Per slot of each: its fingerprint (key_get).  A miss in a full
	 * table (a flood's spoofed addresses) reads these 32 in two cache
	 * lines instead of 32 keys of 376 bytes, and so does finding a key
	 * that may give its place. */
	uint32_t addrs_fp[MAX_KEYS], pairs_fp[MAX_KEYS];
};

/* The fingerprint of a slot: 0 if unused, else bit 0 set, bit 1 set while
 * the key may give its place to another, bits 2-31 from the key's hash. */
#define FP_MAY_GO 2u

/* The key of A (with PEER and PEER_PORT for a pair), made if new: then
 * MAY_GO says whether it may give its place to another key until it is
 * looked up again (a flow's end: one connection seen, no TIME-WAIT; a
 * flood's spoofed sources, each seen once, take each other's places, and
 * an address seen twice keeps its own).  When the neighbourhood is full,
 * A takes the place of the first key there that may go; NULL if none may:
 * A is not watched. */
static struct tw_key *
key_get(struct tw_key *tab, uint32_t *fps, const struct tm_addr *a, const struct tm_addr *peer,
    uint16_t peer_port, int may_go)
{
	uint64_t h = plugin_hash_addr(a, 0) ^ (peer ? plugin_mix(plugin_hash_addr(peer, peer_port)) : 0);
	size_t home = (size_t)(h % MAX_KEYS), i = home, n;
	uint32_t fp = ((uint32_t)(h >> 32) & ~FP_MAY_GO) | 1;
	struct tw_key *k;

	for (n = 0; n < 32; n++, i = (i + 1) % MAX_KEYS) {
		k = &tab[i];
		if (fps[i] == 0)
			break;
		if ((fps[i] & ~FP_MAY_GO) == fp && plugin_addr_eq(&k->addr, a) &&
		    k->peer_port == peer_port && (peer == NULL || plugin_addr_eq(&k->peer, peer))) {
			fps[i] &= ~FP_MAY_GO;   /* seen again: it stays */
			return k;
		}
	}
	if (n == 32) {                  /* not there, and no free slot */
		for (n = 0, i = home; n < 32 && !(fps[i] & FP_MAY_GO); n++)
			i = (i + 1) % MAX_KEYS;
		if (n == 32)
			return NULL;
	}
	/* A new key, or one that may go: it never held a TIME-WAIT (its
	 * FIFO, peak and evidence are empty), so only its counts and names
	 * are reset. */
	k = &tab[i];
	fps[i] = fp | (may_go ? FP_MAY_GO : 0);
	k->used = 1;
	k->addr = *a;
	k->peer = peer != NULL ? *peer : (struct tm_addr){ 0 };
	k->peer_port = peer_port;
	k->flows = k->closes = k->initiated = 0;
	return k;
}

static void
fifo_expire(struct tw_key *k, tm_time_t now)
{
	while (k->len > 0 && k->fifo[k->head] <= now) {
		k->head = (k->head + 1) % k->cap;
		k->len--;
	}
}

static int
fifo_push(struct tw_key *k, tm_time_t expiry)
{
	if (k->len == k->cap) {
		size_t ncap = k->cap ? 2 * k->cap : 64;
		tm_time_t *n = malloc(ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		for (size_t i = 0; i < k->len; i++)
			n[i] = k->fifo[(k->head + i) % k->cap];
		free(k->fifo);
		k->fifo = n;
		k->head = 0;
		k->cap = ncap;
	}
	k->fifo[(k->head + k->len++) % k->cap] = expiry;
	return 0;
}

/* Count a TIME-WAIT entered at TS (frame FRAME) on K. */
static void
key_enter(struct hl_state *st, struct tw_key *k, tm_time_t ts, uint64_t frame)
{
	fifo_expire(k, ts);
	if (fifo_push(k, ts + plugin_ns(st->b.profile.time_wait)) != 0)
		return;
	k->recent[k->nrecent++ % TM_MAX_EVIDENCE] = frame;
	if (k->len > k->peak) {
		k->peak = k->len;
		k->peak_ts = ts;
		memcpy(k->peak_frames, k->recent, sizeof(k->recent));
	}
}

static void
hl_transition(void *state, const struct tm_flow *fl, const struct tm_transition *t, void **slot)
{
	struct hl_state *st = state;
	struct tw_key *k;

	if (t->to != TM_TIME_WAIT || t->from == TM_TIME_WAIT)
		return;
	if ((k = key_get(st->addrs, st->addrs_fp, &fl->addr[t->side], NULL, 0, 0)) != NULL)
		key_enter(st, k, t->ts, t->frame);
	if (t->side == TM_CLIENT &&
	    (k = key_get(st->pairs, st->pairs_fp, &fl->addr[TM_CLIENT], &fl->addr[TM_SERVER],
	    fl->port[TM_SERVER], 0)) != NULL)
		key_enter(st, k, t->ts, t->frame);
}

/* Closes and who began them, per address, for the share in the detail. */
static void
hl_flow_end(void *state, const struct tm_flow *fl, void **slot)
{
	struct hl_state *st = state;
	const struct tm_endpoint *c = &fl->ep[TM_CLIENT];

	/* A client that sent only SYNs (and resets) never had a connection:
	 * a flood's spoofed sources, a scan, a refused attempt.  Counted, they
	 * would make a flooded server's TIME-WAITs a small share of its
	 * "connections", and cost a cold lookup for each spoofed source. */
	if (c->syn_count > 0 && c->packets == (uint64_t)c->syn_count + c->rst_count)
		return;
	for (int s = 0; s < 2; s++) {
		const struct tm_endpoint *me = &fl->ep[s], *peer = &fl->ep[!s];
		struct tw_key *k = key_get(st->addrs, st->addrs_fp, &fl->addr[s], NULL, 0, 1);

		if (k == NULL)
			continue;
		k->flows++;
		k->closes += me->fin_sent || peer->fin_sent;
		k->initiated += me->fin_sent &&
		    (!peer->fin_sent || me->fin_frame <= peer->fin_frame);
	}
}

static void
emit(struct hl_state *st, const struct tw_key *k, const char *kind, const char *detail)
{
	struct tm_finding f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.side = TM_NO_SIDE;
	f.ts = k->peak_ts;
	f.host = k->addr;
	for (unsigned i = 0; i < TM_MAX_EVIDENCE && i < k->peak; i++)
		plugin_evidence(&f, k->peak_frames[i]);
	f.detail = detail;
	st->b.host->report(st->b.ctx, &f);
}

static void
check_storm(struct hl_state *st, const struct tw_key *k)
{
	char detail[512], addr[64];

	if (!((double)k->peak > st->storm_count ||
	    ((double)k->peak >= st->storm_min && (double)k->peak > st->storm_share * (double)k->flows)))
		return;
	st->b.host->addr_str(&k->addr, addr, sizeof(addr));
	snprintf(detail, sizeof(detail), "%s held %zu connections in TIME-WAIT at once (of %llu "
	    "connections); it began %.0f%% of its %llu closes: as the active closer it pays "
	    "2MSL for each (for a server: HTTP keep-alive off or a per-connection request "
	    "limit; clients: connection pooling, tcp_tw_reuse)", addr, k->peak,
	    (unsigned long long)k->flows, k->closes ? 100.0 * k->initiated / k->closes : 0.0,
	    (unsigned long long)k->closes);
	emit(st, k, kinds[0], detail);
}

static void
check_ports(struct hl_state *st, const struct tw_key *k)
{
	double range = (double)st->b.profile.ephemeral_high - st->b.profile.ephemeral_low + 1;
	char detail[512], addr[64], svc[80];

	if (range <= 1 || (double)k->peak < st->fraction * range)
		return;
	st->b.host->addr_str(&k->addr, addr, sizeof(addr));
	plugin_endpoint(&st->b, &k->peer, k->peer_port, svc, sizeof(svc));
	snprintf(detail, sizeof(detail), "client %s held %zu connections to %s in TIME-WAIT at "
	    "once, %.0f%% of its %.0f ephemeral ports (ip_local_port_range): new connections "
	    "will fail with EADDRNOTAVAIL (reuse connections, tcp_tw_reuse, widen the range)",
	    addr, k->peak, svc, 100.0 * (double)k->peak / range, range);
	emit(st, k, kinds[1], detail);
}

static void
hl_capture_end(void *state, tm_time_t end)
{
	struct hl_state *st = state;

	for (size_t i = 0; i < MAX_KEYS; i++) {
		if (st->addrs[i].used)
			check_storm(st, &st->addrs[i]);
		if (st->pairs[i].used)
			check_ports(st, &st->pairs[i]);
	}
}

static int
hl_init(struct tm_context *ctx, const struct tm_host *host, const struct tm_profile *profile,
    void **state)
{
	struct hl_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	st->addrs = calloc(MAX_KEYS, sizeof(*st->addrs));
	st->pairs = calloc(MAX_KEYS, sizeof(*st->pairs));
	if (st->addrs == NULL || st->pairs == NULL) {
		free(st->addrs);
		free(st->pairs);
		free(st);
		return -1;
	}
	plugin_base_init(&st->b, ctx, host, profile);
	st->storm_count = host->option(ctx, "time-wait-storm.count", 1000);
	st->storm_share = host->option(ctx, "time-wait-storm.share", 0.5);
	st->storm_min = host->option(ctx, "time-wait-storm.min-count", 50);
	st->fraction = host->option(ctx, "port-exhaustion-risk.fraction", 0.5);
	*state = st;
	return 0;
}

static void
hl_fini(void *state)
{
	struct hl_state *st = state;

	for (size_t i = 0; i < MAX_KEYS; i++) {
		free(st->addrs[i].fifo);
		free(st->pairs[i].fifo);
	}
	free(st->addrs);
	free(st->pairs);
	free(st);
}

static const struct tm_detector hostlevel_detector = {
	.abi_version = TM_DETECTOR_ABI_VERSION,
	.struct_size = sizeof(struct tm_detector),
	.name = "hostlevel",
	.version = "1.0",
	.summary = "TIME-WAIT storms per address; ephemeral port exhaustion per client and service",
	.kinds = kinds,
	.options = options,
	.init = hl_init,
	.fini = hl_fini,
	.on_transition = hl_transition,
	.on_flow_end = hl_flow_end,
	.on_capture_end = hl_capture_end,
};

static const struct tm_detector *const detectors[] = { &hostlevel_detector, NULL };

const struct tm_detector *const *tm_detector_entry(void);

const struct tm_detector *const *
tm_detector_entry(void)
{
	return detectors;
}

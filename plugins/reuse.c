/*
 * reuse.c: a 4-tuple reused while TIME-WAIT still guards it, and sequence
 * numbers that do not move on.
 *
 *   previous incarnation          new incarnation (same 4-tuple)
 *   ... FIN/ACK ─▶ TIME-WAIT ─┬─▶ SYN seq=ISN'        TIME-WAIT accepts it if
 *       last seq L, TSval T   │                        ISN' > L (RFC 1122) or
 *                             │                        TSval' > T (RFC 6191)
 *                             └─ 2·MSL ─▶ CLOSED
 *
 * The host hands the previous incarnation's facts in tm_flow.previous.
 * For isn-reuse (b) the detector remembers, per host, its last few ISNs in
 * a fixed-size table (MAX_HOSTS hosts of HISTORY entries: bounded memory).
 * When the table is full, a host seen once gives its place to the next
 * one (a SYN flood's spoofed sources would otherwise fill it for good); a
 * host beyond a table full of hosts seen more than once is not watched.
 */
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

/* A build may shrink the table (the fuzzing build does, to reach its full
 * table often): -DMAX_HOSTS=N. */
#ifndef MAX_HOSTS
#define MAX_HOSTS 4096
#endif
#define HISTORY 8
#define STEP_RUN 3              /* equal consecutive steps that make a pattern */

static const char *const kinds[] = { "port-reuse-in-time-wait", "isn-reuse", NULL };

struct isn_seen {
	uint32_t isn;
	uint64_t tuple;         /* hash of the 4-tuple */
	uint64_t frame;
};

struct isn_host {
	struct tm_addr addr;
	uint8_t used, reported;
	unsigned n;             /* ISNs recorded (ring position = n % HISTORY) */
	struct isn_seen seen[HISTORY];
};

struct reuse_state {
	struct plugin_base b;
	struct isn_host *hosts; /* MAX_HOSTS, allocated once */
	size_t nhosts;
	/* Per slot: its fingerprint (host_get).  A miss (a flood's spoofed
	 * sources) reads these, not the hosts, and so does finding a host
	 * that may give its place. */
	uint32_t host_fp[MAX_HOSTS];
};

static void
emit(struct reuse_state *st, const struct tm_flow *fl, const char *kind, enum tm_side side,
    const struct tm_segment *seg, uint64_t other_frame, const char *detail)
{
	struct tm_finding f;

	plugin_flow_finding(&f, kind, fl, side, seg->ts, detail);
	plugin_evidence(&f, other_frame);
	plugin_evidence(&f, seg->frame);
	st->b.host->report(st->b.ctx, &f);
}

/* --- port-reuse-in-time-wait, isn-reuse (a) --------------------------------- */

/* Which rule lets SEG's sender (side S) reuse the 4-tuple: into BUF. */
static const char *
reuse_rule(const struct tm_previous *pv, enum tm_side s, const struct tm_segment *seg,
    char *buf, size_t len)
{
	int isn_ok = tm_seq_gt(seg->seq, pv->last_seq[s]);
	int ts_ok = seg->has_ts && pv->has_ts[s] && tm_seq_gt(seg->tsval, pv->last_tsval[s]);

	if (isn_ok && ts_ok)
		snprintf(buf, len, "acceptable by RFC 1122 (new ISN %u above the last sequence "
		    "%u) and by RFC 6191 (TSval %u above %u)", seg->seq, pv->last_seq[s],
		    seg->tsval, pv->last_tsval[s]);
	else if (isn_ok)
		snprintf(buf, len, "acceptable by RFC 1122: new ISN %u above the last sequence %u",
		    seg->seq, pv->last_seq[s]);
	else if (ts_ok)
		snprintf(buf, len, "acceptable by RFC 6191: TSval %u above the last %u (the ISN "
		    "%u is not above %u)", seg->tsval, pv->last_tsval[s], seg->seq, pv->last_seq[s]);
	else
		snprintf(buf, len, "no rule makes it acceptable: ISN %u not above %u%s", seg->seq,
		    pv->last_seq[s], seg->has_ts ? " and TSval not larger" : ", no timestamps");
	return buf;
}

static void
check_time_wait(struct reuse_state *st, const struct tm_flow *fl, const struct tm_segment *seg)
{
	const struct tm_previous *pv = fl->previous;
	char detail[512], rule[256];

	for (int s = 0; s < 2; s++) {
		if (pv->final_state[s] != TM_TIME_WAIT || pv->time_wait_since[s] == 0)
			continue;
		snprintf(detail, sizeof(detail), "new SYN %.2f s into the %s's TIME-WAIT of "
		    "the previous connection on the same 4-tuple; %s (client port reuse: "
		    "tcp_tw_reuse, ip_local_port_range)", plugin_seconds(seg->ts -
		    pv->time_wait_since[s]), plugin_side((enum tm_side)s),
		    reuse_rule(pv, TM_CLIENT, seg, rule, sizeof(rule)));
		emit(st, fl, kinds[0], (enum tm_side)s, seg, 0, detail);
	}
}

static void
check_isn_above_previous(struct reuse_state *st, const struct tm_flow *fl,
    const struct tm_segment *seg)
{
	const struct tm_previous *pv = fl->previous;
	enum tm_side s = seg->from;
	char detail[400];

	if (pv->last_seq[s] == 0 && !pv->isn_known[s])
		return;
	if (tm_seq_gt(seg->seq, pv->last_seq[s]))
		return;
	snprintf(detail, sizeof(detail), "(a) the %s's ISN %u in incarnation %u is not above "
	    "the last sequence number %u of incarnation %u on the same 4-tuple: old duplicates "
	    "could be accepted into the new connection (RFC 6528 ISN generation, RFC 1122 "
	    "4.2.2.13)", plugin_side(s), seg->seq, fl->incarnation, pv->last_seq[s],
	    fl->incarnation - 1);
	emit(st, fl, kinds[1], s, seg, 0, detail);
}

/* --- isn-reuse (b): per host ----------------------------------------------- */

/* The fingerprint of a slot: 0 if unused, else bit 0 set, bit 1 set while
 * the host may give its place to another, bits 2-31 from its address's
 * hash. */
#define FP_MAY_GO 2u

/* The entry of A, made if new.  A new host may give its place to another
 * until it is looked up again (it sent one SYN: a flood's spoofed
 * sources, each seen once, take each other's places, and a host seen
 * twice keeps its own).  When A's neighbourhood is full, or the table
 * three quarters full, A takes the place of the first host there that
 * may go; NULL if none may: A is not watched. */
static struct isn_host *
host_get(struct reuse_state *st, const struct tm_addr *a)
{
	uint64_t hash = plugin_hash_addr(a, 0);
	size_t home = (size_t)(hash % MAX_HOSTS), i = home, n, probed;
	uint32_t fp = ((uint32_t)(hash >> 32) & ~FP_MAY_GO) | 1;
	struct isn_host *h;

	for (n = 0; n < 16; n++, i = (i + 1) % MAX_HOSTS) {
		h = &st->hosts[i];
		if (st->host_fp[i] == 0)
			break;
		if ((st->host_fp[i] & ~FP_MAY_GO) == fp && plugin_addr_eq(&h->addr, a)) {
			st->host_fp[i] &= ~FP_MAY_GO;   /* seen again: it stays */
			return h;
		}
	}
	if (n < 16 && st->nhosts < MAX_HOSTS * 3 / 4) {
		st->nhosts++;           /* slot I is free */
	} else {
		/* A is not in the table (probing stopped at a free slot or at
		 * the window's end); an occupied slot before that may go. */
		for (probed = n, n = 0, i = home; n < probed && !(st->host_fp[i] & FP_MAY_GO); n++)
			i = (i + 1) % MAX_HOSTS;
		if (n == probed)
			return NULL;
	}
	/* A free slot, or a host that sent one SYN (its one ISN forgotten). */
	h = &st->hosts[i];
	st->host_fp[i] = fp | FP_MAY_GO;
	h->used = 1;
	h->reported = 0;
	h->n = 0;
	h->addr = *a;
	return h;
}

static uint64_t
tuple_hash(const struct tm_flow *fl)
{
	return plugin_hash_addr(&fl->addr[0], fl->port[0]) ^
	    plugin_mix(plugin_hash_addr(&fl->addr[1], fl->port[1]));
}

static const struct isn_seen *
same_isn_elsewhere(const struct isn_host *h, uint32_t isn, uint64_t tuple)
{
	for (unsigned i = 0; i < HISTORY && i < h->n; i++)
		if (h->seen[i].isn == isn && h->seen[i].tuple != tuple)
			return &h->seen[i];
	return NULL;
}

/* The last STEP_RUN steps between consecutive ISNs are equal: that step. */
static uint32_t
constant_step(const struct isn_host *h)
{
	uint32_t step = 0;

	if (h->n < STEP_RUN + 1)
		return 0;
	for (unsigned k = 0; k < STEP_RUN; k++) {
		uint32_t a = h->seen[(h->n - 1 - k) % HISTORY].isn;
		uint32_t b = h->seen[(h->n - 2 - k) % HISTORY].isn;

		if (k > 0 && a - b != step)
			return 0;
		step = a - b;
	}
	return step;
}

static void
check_host_isns(struct reuse_state *st, const struct tm_flow *fl, const struct tm_segment *seg)
{
	struct isn_host *h = host_get(st, &fl->addr[seg->from]);
	uint64_t tuple = tuple_hash(fl);
	const struct isn_seen *dup;
	char detail[400], who[80];
	uint32_t step;

	if (h == NULL)
		return;
	dup = same_isn_elsewhere(h, seg->seq, tuple);
	h->seen[h->n % HISTORY] = (struct isn_seen){ seg->seq, tuple, seg->frame };
	h->n++;
	step = constant_step(h);
	if (h->reported || (dup == NULL && step == 0))
		return;
	h->reported = 1;
	plugin_endpoint(&st->b, &fl->addr[seg->from], fl->port[seg->from], who, sizeof(who));
	if (dup != NULL)
		snprintf(detail, sizeof(detail), "(b) %s used ISN %u again for a different "
		    "connection: a weak or fixed ISN generator (RFC 6528)", who, seg->seq);
	else
		snprintf(detail, sizeof(detail), "(b) %s's last %d ISNs step by a constant %u: a "
		    "predictable ISN generator, open to blind spoofing (RFC 6528)", who,
		    STEP_RUN + 1, step);
	emit(st, fl, kinds[1], seg->from, seg, dup ? dup->frame : 0, detail);
}

static void
reuse_segment(void *state, const struct tm_flow *fl, const struct tm_segment *seg, void **slot)
{
	struct reuse_state *st = state;
	int first;

	if (!(seg->flags & TM_TH_SYN) || (seg->flags & TM_TH_RST) || seg->is_retransmission)
		return;
	first = fl->ep[seg->from].syn_count == 0;
	if (!first)
		return;
	if (fl->previous != NULL && seg->from == TM_CLIENT && !(seg->flags & TM_TH_ACK))
		check_time_wait(st, fl, seg);
	if (fl->previous != NULL)
		check_isn_above_previous(st, fl, seg);
	check_host_isns(st, fl, seg);
}

static int
reuse_init(struct tm_context *ctx, const struct tm_host *host, const struct tm_profile *profile,
    void **state)
{
	struct reuse_state *st = calloc(1, sizeof(*st));

	if (st == NULL || (st->hosts = calloc(MAX_HOSTS, sizeof(*st->hosts))) == NULL) {
		free(st);
		return -1;
	}
	plugin_base_init(&st->b, ctx, host, profile);
	*state = st;
	return 0;
}

static void
reuse_fini(void *state)
{
	struct reuse_state *st = state;

	free(st->hosts);
	free(st);
}

static const struct tm_detector reuse_detector = {
	.abi_version = TM_DETECTOR_ABI_VERSION,
	.struct_size = sizeof(struct tm_detector),
	.name = "reuse",
	.version = "1.0",
	.summary = "4-tuples reused inside TIME-WAIT; reused or predictable ISNs",
	.kinds = kinds,
	.init = reuse_init,
	.fini = reuse_fini,
	.on_segment = reuse_segment,
};

static const struct tm_detector *const detectors[] = { &reuse_detector, NULL };

const struct tm_detector *const *tm_detector_entry(void);

const struct tm_detector *const *
tm_detector_entry(void)
{
	return detectors;
}

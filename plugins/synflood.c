/*
 * synflood.c: SYN floods, per server address:port, one finding per episode.
 *
 * Each target (server address:port) keeps one-second buckets of SYNs,
 * SYN-ACKs and completed handshakes over a sliding window, the number of
 * connections half-open right now (server in SYN-RECEIVED), and a
 * HyperLogLog sketch of the SYNs' source addresses:
 *
 *   window ──────────────────────────────▶ now
 *   [ syns | synacks | completed ] x window-seconds    half-open: n
 *
 * An episode starts when the window holds at least min-syns SYNs of which
 * at most max-completion completed, and ends when either falls back by
 * half for a whole window (hysteresis, so one episode with lulls is not
 * reported as ten).  Memory is
 * bounded whatever the attacker does: at most MAX_TARGETS targets, a fixed
 * ring and a fixed 256-byte sketch each, and no per-flow allocation (the
 * flow's slot only marks "counted as half-open").  The detector keeps its
 * own byte count, which the tests read.
 *
 * SYN cookies (tcp_syncookies): a server whose half-open queue is full
 * drops new SYNs unless it answers with cookies, which need no queue.  So
 * if it kept answering nearly every SYN while at least `backlog` were
 * half-open, cookies were likely in use; if it stopped answering, the
 * backlog overflowed.  The detail says which figures it used.
 */
#include <math.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

/* A build may shrink the table (the fuzzing build does, to reach its full
 * table often): -DMAX_TARGETS=N. */
#ifndef MAX_TARGETS
#define MAX_TARGETS 1024
#endif
#define MAX_WINDOW 60
#define HLL_BITS 8
#define HLL_M (1u << HLL_BITS)
#define HALF_OPEN ((void *)1)   /* slot marker: this flow is counted half-open */
#define NO_SUMS INT64_MIN       /* target.sums_sec: no sums kept */

static const char *const kinds[] = { "syn-flood", NULL };

static const struct tm_option options[] = {
	{ "syn-flood.window", 10, "sliding window in seconds (at most 60)" },
	{ "syn-flood.min-syns", 100, "SYNs to one service within the window to suspect a flood" },
	{ "syn-flood.max-completion", 0.2, "at most this share of those SYNs completed the handshake" },
	{ "syn-flood.backlog", 256, "half-open count taken as a full SYN queue (tcp_max_syn_backlog)" },
	{ NULL, 0, NULL }
};

struct bucket {
	int64_t sec;
	uint32_t syns, synacks, completed;
};

struct episode {
	int active;
	tm_time_t start, end;
	uint64_t syns, synacks, completed;
	uint64_t peak_half_open;
	uint64_t full_syns, full_synacks; /* while half-open >= backlog */
	tm_time_t quiet_since;  /* below the end thresholds since; 0 if not */
	uint64_t frames[TM_MAX_EVIDENCE];
	size_t nframes;
};

struct target {
	struct tm_addr addr;
	uint16_t port;
	uint64_t half_open;
	struct bucket ring[MAX_WINDOW];
	/* The window's sums for second sums_sec (NO_SUMS: none), kept as the
	 * buckets count: a flood's every SYN asks for them, and adding up
	 * the ring each time was a tenth of the detector's time. */
	int64_t sums_sec;
	uint64_t sum_syns, sum_completed;
	uint8_t hll[HLL_M];
	struct episode ep;
};

struct sf_state {
	struct plugin_base b;
	int window;
	double min_syns, max_completion, backlog;
	struct target *targets[MAX_TARGETS];
	size_t ntargets;
	uint64_t untracked;     /* SYNs to targets beyond MAX_TARGETS */
	size_t bytes;           /* everything this detector allocated */
};

/* --- the source sketch ----------------------------------------------------- */

static void
hll_add(uint8_t *reg, uint64_t h)
{
	unsigned idx = (unsigned)(h >> (64 - HLL_BITS));
	uint64_t w = h << HLL_BITS;
	uint8_t rho = 1;

	while (rho <= 64 - HLL_BITS && !(w & UINT64_C(0x8000000000000000))) {
		rho++;
		w <<= 1;
	}
	if (rho > reg[idx])
		reg[idx] = rho;
}

static double
hll_estimate(const uint8_t *reg)
{
	double sum = 0, alpha = 0.7213 / (1 + 1.079 / HLL_M), e;
	unsigned zeros = 0;

	for (unsigned i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -reg[i]);
		zeros += reg[i] == 0;
	}
	e = alpha * HLL_M * HLL_M / sum;
	if (e <= 2.5 * HLL_M && zeros > 0)      /* small range: linear counting */
		e = HLL_M * log((double)HLL_M / zeros);
	return e;
}

/* --- targets ------------------------------------------------------------------ */

static struct target *
target_get(struct sf_state *st, const struct tm_flow *fl, int create)
{
	const struct tm_addr *a = &fl->addr[TM_SERVER];
	uint16_t port = fl->port[TM_SERVER];
	size_t i = (size_t)(plugin_hash_addr(a, port) % MAX_TARGETS);

	for (size_t n = 0; n < MAX_TARGETS; n++, i = (i + 1) % MAX_TARGETS) {
		struct target *t = st->targets[i];

		if (t == NULL) {
			if (!create || st->ntargets >= MAX_TARGETS / 2)
				return NULL;    /* keep probes short: half full at most */
			if ((t = calloc(1, sizeof(*t))) == NULL)
				return NULL;
			t->addr = *a;
			t->port = port;
			t->sums_sec = NO_SUMS;
			st->targets[i] = t;
			st->ntargets++;
			st->bytes += sizeof(*t);
			return t;
		}
		if (t->port == port && plugin_addr_eq(&t->addr, a))
			return t;
	}
	return NULL;
}

static struct bucket *
bucket_at(struct target *t, tm_time_t ts)
{
	int64_t sec = ts / TM_NSEC_PER_SEC;
	struct bucket *b = &t->ring[sec % MAX_WINDOW];

	if (b->sec != sec) {
		*b = (struct bucket){ .sec = sec };
		t->sums_sec = NO_SUMS;  /* the second it held may have been in them */
	}
	return b;
}

static int
in_window(const struct sf_state *st, int64_t bucket_sec, int64_t sec)
{
	return bucket_sec > sec - st->window && bucket_sec <= sec;
}

/* Count SYNS and COMPLETED in T's bucket for TS, and in the kept sums
 * when the bucket is among theirs. */
static void
count(const struct sf_state *st, struct target *t, tm_time_t ts, uint32_t syns,
    uint32_t completed)
{
	struct bucket *b = bucket_at(t, ts);

	b->syns += syns;
	b->completed += completed;
	if (t->sums_sec != NO_SUMS && in_window(st, b->sec, t->sums_sec)) {
		t->sum_syns += syns;
		t->sum_completed += completed;
	}
}

/* Sums over the window ending at NOW: the kept ones when they are for
 * NOW's second, else added up from the ring and kept. */
static void
window_sums(const struct sf_state *st, struct target *t, tm_time_t now,
    uint64_t *syns, uint64_t *completed)
{
	int64_t sec = now / TM_NSEC_PER_SEC;

	if (t->sums_sec != sec) {
		t->sum_syns = t->sum_completed = 0;
		for (int i = 0; i < MAX_WINDOW; i++) {
			const struct bucket *b = &t->ring[i];

			if (in_window(st, b->sec, sec)) {
				t->sum_syns += b->syns;
				t->sum_completed += b->completed;
			}
		}
		t->sums_sec = sec;
	}
	*syns = t->sum_syns;
	*completed = t->sum_completed;
}

/* --- episodes ------------------------------------------------------------------ */

static void
describe_cookies(const struct sf_state *st, const struct episode *e, char *buf, size_t len)
{
	if (e->synacks == 0)
		snprintf(buf, len, "SYN cookies cannot be judged: no SYN-ACK from the server in "
		    "the capture (down, filtered, or its replies not captured)");
	else if (e->full_syns == 0)
		snprintf(buf, len, "SYN cookies unknown: half-open never reached %.0f "
		    "(syn-flood.backlog)", st->backlog);
	else if (e->full_synacks * 10 >= e->full_syns * 9)
		snprintf(buf, len, "SYN cookies likely: the server still answered %.0f%% of SYNs "
		    "while %.0f or more were half-open", 100.0 * e->full_synacks / e->full_syns,
		    st->backlog);
	else
		snprintf(buf, len, "no SYN cookies seen: the server answered only %.0f%% of SYNs "
		    "while %.0f or more were half-open (backlog overflow; tcp_syncookies)",
		    100.0 * e->full_synacks / e->full_syns, st->backlog);
}

/* "14:03:07.2" (UTC) for capture time T. */
static const char *
clock_text(tm_time_t t, char *buf, size_t len)
{
	time_t secs = (time_t)(t / TM_NSEC_PER_SEC);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%d", tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (int)(t % TM_NSEC_PER_SEC / 100000000));
	return buf;
}

static void
episode_report(struct sf_state *st, struct target *t)
{
	struct episode *e = &t->ep;
	char detail[640], ep[80], cookies[200], from[32], to[32];
	struct tm_finding f;

	describe_cookies(st, e, cookies, sizeof(cookies));
	snprintf(detail, sizeof(detail), "SYN flood on %s from %s to %s UTC (%.1f s): %llu SYNs "
	    "from about %.0f sources, %.1f%% completed, peak %llu half-open; %s; mitigate with "
	    "tcp_syncookies, tcp_max_syn_backlog, tcp_synack_retries",
	    plugin_endpoint(&st->b, &t->addr, t->port, ep, sizeof(ep)),
	    clock_text(e->start, from, sizeof(from)), clock_text(e->end, to, sizeof(to)),
	    plugin_seconds(e->end - e->start), (unsigned long long)e->syns,
	    hll_estimate(t->hll), e->syns ? 100.0 * e->completed / e->syns : 0.0,
	    (unsigned long long)e->peak_half_open, cookies);
	memset(&f, 0, sizeof(f));
	f.kind = kinds[0];
	f.side = TM_NO_SIDE;
	f.ts = e->start;
	f.host = t->addr;
	f.port = t->port;
	f.nframes = e->nframes;
	memcpy(f.frames, e->frames, sizeof(f.frames));
	f.detail = detail;
	st->b.host->report(st->b.ctx, &f);
	memset(e, 0, sizeof(*e));
	memset(t->hll, 0, sizeof(t->hll));
}

static void
episode_start(struct sf_state *st, struct target *t, tm_time_t now, uint64_t syns,
    uint64_t completed)
{
	struct episode *e = &t->ep;
	int64_t sec = now / TM_NSEC_PER_SEC, first = sec;

	for (int i = 0; i < MAX_WINDOW; i++)
		if (t->ring[i].syns && in_window(st, t->ring[i].sec, sec) && t->ring[i].sec < first)
			first = t->ring[i].sec;
	e->active = 1;
	e->start = first * TM_NSEC_PER_SEC;
	e->end = now;
	e->syns = syns;
	e->completed = completed;
	e->peak_half_open = t->half_open;
}

/* Start or end T's episode from the window ending at NOW. */
static void
episode_update(struct sf_state *st, struct target *t, tm_time_t now)
{
	uint64_t syns, completed;

	window_sums(st, t, now, &syns, &completed);
	if (!t->ep.active && syns >= st->min_syns && completed <= st->max_completion * syns)
		episode_start(st, t, now, syns, completed);
	else if (t->ep.active && (2 * syns < st->min_syns ||
	    completed > 2 * st->max_completion * syns)) {
		/* A lull shorter than the window does not end the episode. */
		if (t->ep.quiet_since == 0)
			t->ep.quiet_since = now;
		else if (now - t->ep.quiet_since >= (tm_time_t)st->window * TM_NSEC_PER_SEC)
			episode_report(st, t);
	} else if (t->ep.active)
		t->ep.quiet_since = 0;
	else if (syns == 0)
		memset(t->hll, 0, sizeof(t->hll)); /* quiet: forget old sources */
}

/* --- events ---------------------------------------------------------------------- */

static void
on_syn(struct sf_state *st, struct target *t, const struct tm_flow *fl,
    const struct tm_segment *seg)
{
	struct episode *e = &t->ep;

	count(st, t, seg->ts, 1, 0);
	hll_add(t->hll, plugin_hash_addr(&fl->addr[TM_CLIENT], 0));
	if (e->active) {
		e->syns++;
		e->end = seg->ts;
		if (t->half_open >= st->backlog)
			e->full_syns++;
		if (e->nframes < TM_MAX_EVIDENCE)
			e->frames[e->nframes++] = seg->frame;
	}
	episode_update(st, t, seg->ts);
}

static void
sf_segment(void *state, const struct tm_flow *fl, const struct tm_segment *seg, void **slot)
{
	struct sf_state *st = state;
	struct target *t;

	if (!(seg->flags & TM_TH_SYN) || (seg->flags & TM_TH_RST) || seg->is_retransmission)
		return;
	if ((t = target_get(st, fl, seg->from == TM_CLIENT)) == NULL) {
		st->untracked += seg->from == TM_CLIENT;
		return;
	}
	if (seg->from == TM_CLIENT && !(seg->flags & TM_TH_ACK))
		on_syn(st, t, fl, seg);
	else if (seg->from == TM_SERVER && (seg->flags & TM_TH_ACK)) {
		bucket_at(t, seg->ts)->synacks++;
		t->ep.synacks += t->ep.active;
		if (t->ep.active && t->half_open >= st->backlog)
			t->ep.full_synacks++;
	}
}

static void
half_open_end(struct target *t, void **slot)
{
	if (*slot == HALF_OPEN && t != NULL && t->half_open > 0)
		t->half_open--;
	*slot = NULL;
}

static void
sf_transition(void *state, const struct tm_flow *fl, const struct tm_transition *t, void **slot)
{
	struct sf_state *st = state;
	struct target *tg;

	if (t->side != TM_SERVER || (t->to != TM_SYN_RECEIVED && t->from != TM_SYN_RECEIVED))
		return;
	if ((tg = target_get(st, fl, 0)) == NULL)
		return;
	if (t->to == TM_SYN_RECEIVED && *slot == NULL) {
		*slot = HALF_OPEN;
		tg->half_open++;
		if (tg->ep.active && tg->half_open > tg->ep.peak_half_open)
			tg->ep.peak_half_open = tg->half_open;
	} else if (t->from == TM_SYN_RECEIVED) {
		if (t->to == TM_ESTABLISHED) {
			count(st, tg, t->ts, 0, 1);
			tg->ep.completed += tg->ep.active;
		}
		half_open_end(tg, slot);
	}
}

static void
sf_flow_end(void *state, const struct tm_flow *fl, void **slot)
{
	if (*slot != NULL)
		half_open_end(target_get(state, fl, 0), slot);
}

static void
sf_tick(void *state, tm_time_t now)
{
	struct sf_state *st = state;

	for (size_t i = 0; i < MAX_TARGETS; i++)
		if (st->targets[i] != NULL)
			episode_update(st, st->targets[i], now);
}

static void
sf_capture_end(void *state, tm_time_t end)
{
	struct sf_state *st = state;

	for (size_t i = 0; i < MAX_TARGETS; i++)
		if (st->targets[i] != NULL && st->targets[i]->ep.active)
			episode_report(st, st->targets[i]);
}

static int
sf_init(struct tm_context *ctx, const struct tm_host *host, const struct tm_profile *profile,
    void **state)
{
	struct sf_state *st = calloc(1, sizeof(*st));
	double w;

	if (st == NULL)
		return -1;
	plugin_base_init(&st->b, ctx, host, profile);
	w = host->option(ctx, "syn-flood.window", 10);
	st->window = w < 1 ? 1 : w > MAX_WINDOW ? MAX_WINDOW : (int)w;
	st->min_syns = host->option(ctx, "syn-flood.min-syns", 100);
	st->max_completion = host->option(ctx, "syn-flood.max-completion", 0.2);
	st->backlog = host->option(ctx, "syn-flood.backlog", 256);
	st->bytes = sizeof(*st);
	*state = st;
	return 0;
}

static void
sf_fini(void *state)
{
	struct sf_state *st = state;

	for (size_t i = 0; i < MAX_TARGETS; i++)
		free(st->targets[i]);
	free(st);
}

static const struct tm_detector synflood_detector = {
	.abi_version = TM_DETECTOR_ABI_VERSION,
	.struct_size = sizeof(struct tm_detector),
	.name = "synflood",
	.version = "1.0",
	.summary = "SYN floods per service, one finding per episode, in bounded memory",
	.kinds = kinds,
	.options = options,
	.init = sf_init,
	.fini = sf_fini,
	.on_segment = sf_segment,
	.on_transition = sf_transition,
	.on_flow_end = sf_flow_end,
	.on_tick = sf_tick,
	.on_capture_end = sf_capture_end,
};

static const struct tm_detector *const detectors[] = { &synflood_detector, NULL };

const struct tm_detector *const *tm_detector_entry(void);

const struct tm_detector *const *
tm_detector_entry(void)
{
	return detectors;
}

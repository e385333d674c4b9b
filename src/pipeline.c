/*
 * pipeline.c: packets to connections to detectors (see pipeline.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "flowpack.h"
#include "pipeline.h"
#include "profile.h"
#include "spill.h"
#include "util.h"

/* A done flow (reset, refused) waits this long for stray segments. */
#define GRACE_SECONDS 5.0
/* A second of quiet is long on a busy server (most connections that pause
 * that long pause for longer) and short against TIME-WAIT. */
#define PACK_AFTER_SECONDS 1.0
/* A closed connection, sooner: only a straggler, or its 4-tuple used again
 * (bench's reuse: within 0.16 s), is still to come.  A quarter of a second
 * of closes held whole is 3 MiB of c10k; packing at the last packet cost
 * reuse a sixth of its time in packs and unpacks. */
#define PACK_CLOSED_AFTER_SECONDS 0.25
/* Whole flows beyond which the least recently active are packed at once:
 * about 60 MiB of them.  With a million connections all busy (bench's
 * c1m) a packet finds its flow packed whether 25,000 or 100,000 are kept
 * whole; 25,000 peaked at 529 MiB instead of 646, and was no slower. */
#define MAX_WHOLE_FLOWS 25000
#define CLOCK_LEAP (3600 * TM_NSEC_PER_SEC)
/* Packets held back so that their flows' memory is on its way to the
 * cache when their turn comes: the bucket is asked for LOOKAHEAD packets
 * ahead, the flow LOOKAHEAD / 2. */
#define LOOKAHEAD 4

struct pipeline {
	struct detect *detect;
	const struct tm_profile *profile;
	struct flowtab *tab;
	struct flowpack pack;
	struct flow_events ev;
	uint64_t next_id;
	tm_time_t now, next_tick;
	tm_time_t leap;         /* an unconfirmed jump of the clock */
	uint64_t leaps;
	void (*flow_ended)(void *ctx, struct flow *f);
	void *ctx;
	int lookahead;                  /* hold packets back (pipeline_options) */
	struct waiting_packet {
		struct packet p;
		uint64_t hash;
	} ahead[LOOKAHEAD];             /* a ring: the oldest at next_out */
	unsigned next_out, nahead;
};

/* --- events from flows to detectors ------------------------------------- */

static void
on_segment(void *ctx, struct flow *f, const struct tm_segment *g)
{
	detect_segment(((struct pipeline *)ctx)->detect, f, g);
}

static void
on_transition(void *ctx, struct flow *f, const struct tm_transition *t)
{
	detect_transition(((struct pipeline *)ctx)->detect, f, t);
}

static void
on_handshake(void *ctx, struct flow *f, tm_time_t syn, tm_time_t synack, tm_time_t ack)
{
	(void)f;
	detect_observe_handshake(((struct pipeline *)ctx)->detect, syn, synack, ack);
}

/* --- flows leaving the table ---------------------------------------------- */

/* A connection closed with FINs stays for the profile's horizon even when
 * both sides look CLOSED: a FIN retransmitted that late (its ACK lost after
 * the tap) must find it, to revise LAST-ACK and catch the RST after
 * TIME-WAIT.  A reset connection has no such stragglers.  Until when F
 * stays so, or 0 if it need not. */
static tm_time_t
linger_until(const struct pipeline *pl, const struct flow *f)
{
	if (!f->v.ep[TM_CLIENT].fin_sent && !f->v.ep[TM_SERVER].fin_sent)
		return 0;
	return f->v.last_ts + ts_from_seconds(profile_horizon(pl->profile));
}

/* flowtab_quiet_until_fn: flow_out() keeps F, unchanged, while no timer
 * falls due and F is either not done or done but lingering. */
static tm_time_t
quiet_until(void *ctx, const struct flow *f)
{
	struct pipeline *pl = ctx;
	tm_time_t timer = flow_next_timer(f, pl->profile);
	tm_time_t linger = linger_until(pl, f);

	if (!flow_is_done(f))
		return timer != 0 ? timer : INT64_MAX;
	if (linger == 0)
		return 0;
	return timer != 0 && timer < linger ? timer : linger;
}

static int
flow_out(void *ctx, struct flow *f, enum tm_end_reason why, tm_time_t now)
{
	struct pipeline *pl = ctx;

	if (why == TM_END_OPEN) {
		flow_advance(f, now, pl->profile, &pl->ev);
		if (!flow_is_done(f) || now < linger_until(pl, f))
			return 0;
		why = TM_END_CLOSED;
	}
	flow_finish(f, now, pl->profile, &pl->ev);
	/* Pushed out under the embryonic cap after it had ended (refused,
	 * reset): it closed. */
	if (why == TM_END_EVICTED && f->aggregated && flow_is_done(f))
		why = TM_END_CLOSED;
	f->v.end_reason = why;
	f->v.end_ts = now;
	detect_flow_end(pl->detect, f);
	pl->flow_ended(pl->ctx, f);
	return 1;
}

/* --- packets and the clock ------------------------------------------------ */

static struct flow *
flow_create(struct pipeline *pl, const struct packet *p)
{
	return flow_start(flowpack_blank(&pl->pack), p, pl->next_id++);
}

static void
process(struct pipeline *pl, const struct packet *p, uint64_t hash)
{
	struct flow *f = flowtab_lookup_hashed(pl->tab, p, hash);

	if (f != NULL && flow_is_new_incarnation(f, p)) {
		struct flow *old = f;

		flowtab_remove(pl->tab, old);
		flow_advance(old, p->ts, pl->profile, &pl->ev);
		f = flow_create(pl, p);
		flow_link_previous(f, old);
		flow_out(pl, old, TM_END_REPLACED, p->ts);
		flowtab_insert_hashed(pl->tab, f, hash);
	} else if (f == NULL) {
		f = flow_create(pl, p);
		flowtab_insert_hashed(pl->tab, f, hash);
	} else {
		/* The detectors' blocks, all asked for at once rather than
		 * each missed in turn by its detector. */
		flow_prefetch_slots(f, pl->pack.nslots);
	}
	flow_segment(f, p, pl->profile, &pl->ev);
	flowtab_touch(pl->tab, f);
}

/* Whether TS may move the capture clock.  A leap of more than CLOCK_LEAP
 * (a broken timestamp, a record from 2106) would expire every live
 * connection at once, so it moves the clock only when the next packet
 * confirms it. */
static int
clock_trusts(struct pipeline *pl, tm_time_t ts)
{
	if (pl->now == 0 || ts - pl->now <= CLOCK_LEAP) {
		pl->leap = 0;
		return 1;
	}
	if (pl->leap != 0 && ts >= pl->leap - CLOCK_LEAP) {
		pl->leap = 0;
		return 1;
	}
	pl->leap = ts;
	pl->leaps++;
	return 0;
}

/* Capture time moved on: let out what ended, tick the detectors. */
static void
clock_advance(struct pipeline *pl, tm_time_t ts)
{
	if (ts <= pl->now || !clock_trusts(pl, ts))
		return;
	pl->now = ts;
	flowtab_pack_closed(pl->tab, ts);
	if (pl->next_tick == 0)
		pl->next_tick = ts + TM_NSEC_PER_SEC;
	if (ts < pl->next_tick)
		return;
	pl->next_tick = ts + TM_NSEC_PER_SEC;
	flowtab_expire(pl->tab, ts);
	detect_tick(pl->detect, ts);
}

static void
handle(struct pipeline *pl, const struct packet *p, uint64_t hash)
{
	clock_advance(pl, p->ts);
	process(pl, p, hash);
}

/* The oldest packet held back, handled. */
static void
handle_oldest(struct pipeline *pl)
{
	struct waiting_packet *w = &pl->ahead[pl->next_out];

	pl->next_out = (pl->next_out + 1) % LOOKAHEAD;
	pl->nahead--;
	handle(pl, &w->p, w->hash);
}

void
pipeline_packet(struct pipeline *pl, const struct packet *p)
{
	struct waiting_packet *w;
	uint64_t hash = flowtab_hash(p);

	if (!pl->lookahead) {
		handle(pl, p, hash);
		return;
	}
	if (pl->nahead == LOOKAHEAD)
		handle_oldest(pl);
	flowtab_prefetch_bucket(pl->tab, hash);
	w = &pl->ahead[(pl->next_out + pl->nahead) % LOOKAHEAD];
	w->p = *p;
	w->hash = hash;
	pl->nahead++;
	if (pl->nahead > LOOKAHEAD / 2)
		flowtab_prefetch_flow(pl->tab,
		    pl->ahead[(pl->next_out + pl->nahead - 1 - LOOKAHEAD / 2) % LOOKAHEAD].hash);
}

void
pipeline_flush(struct pipeline *pl)
{
	while (pl->nahead > 0)
		handle_oldest(pl);
}

/* --- the rest ------------------------------------------------------------- */

struct pipeline *
pipeline_new(struct detect *d, const struct pipeline_options *o)
{
	struct pipeline *pl = xcalloc(1, sizeof(*pl));
	char err[512];          /* no spill file: a larger memory, not an error */
	struct flowtab_limits lim = { .pack_after = PACK_AFTER_SECONDS,
	    .pack_closed_after = PACK_CLOSED_AFTER_SECONDS,
	    .grace = GRACE_SECONDS, .horizon = profile_horizon(o->profile) + 1,
	    .idle_timeout = o->idle_timeout, .max_flows = o->max_flows,
	    .max_embryonic = o->max_embryonic, .max_whole = MAX_WHOLE_FLOWS };

	pl->detect = d;
	pl->profile = o->profile;
	pl->next_id = o->first_id;
	pl->flow_ended = o->flow_ended;
	pl->lookahead = o->lookahead;
	pl->ctx = o->ctx;
	pl->ev = (struct flow_events){ .ctx = pl, .segment = on_segment,
	    .transition = on_transition, .handshake = on_handshake };
	pl->tab = flowtab_new(&lim, flow_out, pl);
	pl->pack = (struct flowpack){ .nslots = detect_slots(d),
	    .slot_size = detect_slot_sizes(d) };
	if (o->pack_quiet) {
		flowtab_set_packing(pl->tab, &pl->pack);
		flowtab_set_quiet_until(pl->tab, quiet_until);
	}
	if (o->pack_quiet && o->spill_dir != NULL)
		pl->pack.spill = spill_open(o->spill_dir, err, sizeof(err));
	return pl;
}

void
pipeline_free(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	flowtab_free(pl->tab);
	flowpack_release(&pl->pack);
	free(pl);
}

void
pipeline_drain(struct pipeline *pl, enum tm_end_reason why, tm_time_t end)
{
	pipeline_flush(pl);
	flowtab_drain(pl->tab, why, end);
}

void
pipeline_recycle(struct pipeline *pl, struct flow *f)
{
	flowpack_keep(&pl->pack, f);
}

struct flowtab *pipeline_flows(struct pipeline *pl) { return pl->tab; }
tm_time_t pipeline_now(const struct pipeline *pl) { return pl->now; }
uint64_t pipeline_clock_leaps(const struct pipeline *pl) { return pl->leaps; }

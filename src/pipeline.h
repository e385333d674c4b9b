/*
 * pipeline.h: packets to connections to detectors, in capture time.
 *
 * The part of an analysis that knows nothing of files, databases or the
 * wall clock.  Each TCP packet finds its flow (or starts one, or a new
 * incarnation of its 4-tuple), moves both endpoints' state machines and
 * feeds the detectors; capture time moving on lets out of the flow table
 * what has ended and ticks the detectors once a second:
 *
 *   packet ──> clock ──(a second passed)──> flowtab_expire, detect_tick
 *     │
 *     └──> lookup / new flow ──> flow_segment ──> detectors
 *                                    (events)
 *   a flow that ends ──> timers to its end, detect_flow_end ──> the sink
 *
 * The sink takes each ended flow (to store it, then free it or give it
 * back with pipeline_recycle).  analysis.c
 * drives the pipeline from a reader into the store; the analysis fuzzer
 * (tests/fuzz/fuzz-analysis.c) drives the same code from fuzzed bytes.
 */
#ifndef TM_PIPELINE_H
#define TM_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "detect.h"
#include "flow.h"
#include "flowtab.h"

struct pipeline;

struct pipeline_options {
	const struct tm_profile *profile;
	double idle_timeout;    /* seconds of silence before an open flow ends */
	size_t max_flows;       /* flow table cap; 0 = unlimited */
	size_t max_embryonic;   /* cap on embryonic flows; 0 = unlimited */
	int pack_quiet;         /* pack quiet flows (flowpack.h) */
	const char *spill_dir;  /* packed closed flows to a file there (spill.h);
	                         * NULL, or no file can be made: in memory */
	uint64_t first_id;      /* the id of the first flow */
	int lookahead;          /* hold a few packets back, to prefetch their
	                         * flows (see pipeline_packet) */
	/* Takes F, which has ended: finished, seen by every detector. */
	void (*flow_ended)(void *ctx, struct flow *f);
	void *ctx;
};

/* A pipeline feeding D (begun by the caller: detect_begin). */
struct pipeline *pipeline_new(struct detect *d, const struct pipeline_options *o);

/* Frees the flows still in the table without handing them out. */
void pipeline_free(struct pipeline *pl);

/* One decoded TCP packet, in capture order (p->frame and p->ts set). */
/* Hand P to its flow (made if new), after moving the capture clock to
 * its time.  With lookahead, P may wait until a few more packets came
 * (their flows are fetched into the cache meanwhile): pipeline_flush()
 * handles those still waiting, and pipeline_drain() does first. */
void pipeline_packet(struct pipeline *pl, const struct packet *p);
void pipeline_flush(struct pipeline *pl);

/* Every flow still in the table ends for WHY at END (capture end). */
void pipeline_drain(struct pipeline *pl, enum tm_end_reason why, tm_time_t end);

/* Take back F, which the sink took and is done with (stored; its
 * detectors' slots were released at its end): its memory makes later
 * flows.  The sink may flow_free it instead. */
void pipeline_recycle(struct pipeline *pl, struct flow *f);

/* The flow table, for counts and checkpoints (flowtab_foreach). */
struct flowtab *pipeline_flows(struct pipeline *pl);

/* Capture time: the latest trusted timestamp. */
tm_time_t pipeline_now(const struct pipeline *pl);

/* Timestamps that leapt more than an hour ahead without the next packet
 * confirming the leap: not trusted to move the clock. */
uint64_t pipeline_clock_leaps(const struct pipeline *pl);

#endif

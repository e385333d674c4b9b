/*
 * analysis.c: one capture, from packets to the database (see analysis.h).
 *
 * The reader's frames are decoded (on a thread of their own when a file
 * is read with a core to spare: readahead.h) and handed to the pipeline
 * (pipeline.h: flows, state machines, detectors, in capture time); the
 * flows and findings it lets out go to the writer, so memory follows the
 * connections open at once, not the length of the file.  The wall clock
 * drives the progress line and live checkpoints.  Everything of one
 * capture is one store transaction: a failure rolls it all back.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "decode.h"
#include "flowtab.h"
#include "names.h"
#include "output.h"
#include "pipeline.h"
#include "profile.h"
#include "readahead.h"
#include "util.h"
#include "writer.h"


struct analysis {
	struct store *store;
	struct writer *writer;          /* the store's, from begin to finish */
	struct detect *detect;
	const struct analysis_options *o;
	struct pipeline *pl;            /* packets to flows to detectors */
	struct analysis_result *res;
	int64_t capture;
	uint64_t first_id;              /* of the capture's flows */
	double next_checkpoint, next_progress;
	tm_time_t checkpoint_ts;        /* capture time of the last checkpoint */
	uint64_t kept;                  /* left under the cap, but stored (flow_ended) */
	int failed;
	char err[512];
};

static void
fail(struct analysis *a, const char *why)
{
	if (!a->failed)
		snprintf(a->err, sizeof(a->err), "%s", why);
	a->failed = 1;
}

/* --- findings and flows, to the store ------------------------------------ */

static void
on_finding(void *ctx, const struct tm_finding *fd, const char *detector)
{
	struct analysis *a = ctx;

	if (!a->failed && writer_finding(a->writer, fd, detector) == 0)
		a->res->findings++;
}

/* --- flows leaving the table ------------------------------------------ */

/* A flow still open (live checkpoints): written as it is now. */
static void
write_open(struct analysis *a, struct flow *f)
{
	if (!a->failed)
		writer_flow_copy(a->writer, f);
	f->stored = 1;
}

/* A flow that ended (pipeline.h): counted and written, unless it was left
 * under the embryonic cap (counted in flows_aggregated, not stored).  One
 * a finding names is stored all the same (the finding points at it), and
 * so is one a live checkpoint wrote already, or its row would stay open. */
static void
flow_ended(void *ctx, struct flow *f)
{
	struct analysis *a = ctx;

	if (f->aggregated && f->findings == 0 && !f->stored) {  /* its memory makes the next one */
		pipeline_recycle(a->pl, f);
		return;
	}
	if (f->aggregated) {
		f->aggregated = 0;
		a->kept++;
	}
	a->res->info.flows++;
	a->res->handshakes[f->handshake]++;
	a->res->closes[f->close]++;
	if (a->failed) {
		flow_free(f);
		return;
	}
	writer_flow(a->writer, f);
	for (f = writer_take_written(a->writer); f != NULL; ) {
		struct flow *next = (struct flow *)f->node.hnext;

		pipeline_recycle(a->pl, f);
		f = next;
	}
}

/* --- progress and checkpoints (wall clock) ------------------------------ */

/* The path is escaped: a file name is anyone's bytes (output.h).  FRAMES
 * and BYTES: how far the reader is. */
static void
show_progress(struct analysis *a, uint64_t frames, uint64_t bytes)
{
	const struct capture_info *ci = &a->res->info;
	char *path = output_escape(ci->path);

	if (ci->size > 0)
		fprintf(stderr, "\r%s: %3.0f%%  %llu packets  %zu open connections\033[K",
		    path, 100.0 * (double)bytes / (double)ci->size,
		    (unsigned long long)frames, flowtab_count(pipeline_flows(a->pl)));
	else
		fprintf(stderr, "\r%s: %llu packets  %zu open connections\033[K", path,
		    (unsigned long long)frames, flowtab_count(pipeline_flows(a->pl)));
	free(path);
}

static void
progress(struct analysis *a, uint64_t frames, uint64_t bytes)
{
	double now;

	if (!a->o->progress || (now = monotonic_seconds()) < a->next_progress)
		return;
	show_progress(a, frames, bytes);
	a->next_progress = now + 0.5;
}

static void
write_open_flow(void *ctx, struct flow *f)
{
	struct analysis *a = ctx;

	/* Rewriting every open flow each time would cost O(open flows) a
	 * second: a busy server keeps a minute of TIME-WAITs in the table. */
	if (f->stored && f->v.last_ts < a->checkpoint_ts)
		return;
	/* One that has not come to life is stored or counted when it ends
	 * (the embryonic cap decides): written now, a flood's would all be.
	 * Unless a finding names it: the finding is committed now, its
	 * connection must be too. */
	if (f->node.embryonic && f->findings == 0)
		return;
	/* Not flow_finish(): its timers (reported to no detector) and its
	 * verdict on a server yet to answer would change a flow that goes
	 * on, and the live result would differ from the same packets read
	 * from a file.  The checkpoint shows the flow as of its last packet. */
	flow_classify(f);
	f->v.end_reason = TM_END_OPEN;
	write_open(a, f);
}

static void
checkpoint(struct analysis *a, struct reader *r)
{
	char err[512];

	a->res->info.drops = reader_kernel_drops(r);
	detect_set_drops(a->detect, a->res->info.drops);
	pipeline_flush(a->pl);
	flowtab_foreach(pipeline_flows(a->pl), a->checkpoint_ts, write_open_flow, a);
	a->checkpoint_ts = pipeline_now(a->pl);
	a->res->info.last_ts = pipeline_now(a->pl);
	a->res->info.clock_leaps = pipeline_clock_leaps(a->pl);
	if (a->failed || writer_sync(a->writer, err, sizeof(err)) != 0)
		return;
	if (store_checkpoint(a->store, a->capture, &a->res->info, err, sizeof(err)) != 0)
		fail(a, err);
}

static void
periodic(struct analysis *a, struct reader *r)
{
	double now = monotonic_seconds();

	if (a->o->checkpoint_interval > 0 && now >= a->next_checkpoint) {
		checkpoint(a, r);
		a->next_checkpoint = now + a->o->checkpoint_interval;
	}
	progress(a, reader_frames(r), reader_bytes(r));
	if (a->o->status != NULL)
		a->o->status(a->o->status_ctx, a->res, flowtab_count(pipeline_flows(a->pl)));
}

/* --- the loop ------------------------------------------------------------ */

static void
count_frame(struct analysis *a, const struct frame *fr, enum decode_verdict v)
{
	struct capture_info *ci = &a->res->info;

	ci->packets++;
	ci->bytes += fr->wirelen;
	ci->verdicts[v]++;
	if (ci->first_ts == 0 || fr->ts < ci->first_ts)
		ci->first_ts = fr->ts;
	if (fr->ts > ci->last_ts)
		ci->last_ts = fr->ts;
}

/* Damage inside frames is data: count it, remember the first. */
static void
note_bad_frame(struct analysis *a, const struct frame *fr, const char *why)
{
	if (a->res->bad_frames++ == 0)
		snprintf(a->res->first_bad, sizeof(a->res->first_bad), "frame %llu: %s",
		    (unsigned long long)fr->number, why);
}

/* Count frame FR and decode it into *P; whether *P is a TCP packet for the
 * pipeline.  With a readahead, on its thread: the counts and the first bad
 * frame are the thread's until it ends. */
static int
take_frame(void *ctx, const struct frame *fr, struct packet *p)
{
	struct analysis *a = ctx;
	char why[256];
	enum decode_verdict v = decode_frame(fr->dlt, fr->data, fr->caplen, fr->wirelen,
	    p, why, sizeof(why));

	count_frame(a, fr, v);
	if (v == DECODE_MALFORMED || v == DECODE_UNSUPPORTED)
		note_bad_frame(a, fr, why);
	if (v != DECODE_TCP)
		return 0;
	a->res->info.tcp_packets++;
	p->frame = fr->number;
	p->ts = fr->ts;
	return 1;
}

/* Read until the end, damage, a stop request or a database failure. */
static void
read_loop(struct analysis *a, struct reader *r)
{
	struct frame fr;
	struct packet p;
	enum reader_status st;

	for (;;) {
		if (a->o->stop != NULL && atomic_load_explicit(a->o->stop, memory_order_relaxed))
			break;
		if (a->o->max_packets != 0 && a->res->info.packets >= a->o->max_packets)
			break;
		st = reader_next(r, &fr, a->res->damage, sizeof(a->res->damage));
		if (st == READER_END)
			break;
		if (st == READER_DAMAGED || st == READER_ERROR) {
			a->res->damaged = 1;
			break;
		}
		if (st == READER_OK && take_frame(a, &fr, &p))
			pipeline_packet(a->pl, &p);
		if (a->failed || writer_failed(a->writer))
			break;
		/* Live traffic may never be idle long enough for a timeout:
		 * check the wall clock on every frame then. */
		if ((fr.number & 0xfff) == 0 || st == READER_TIMEOUT || a->o->checkpoint_interval > 0)
			periodic(a, r);
	}
}

/* Whether R is read on a thread of its own: a file, with a core to spare
 * (the writer's threads), and nothing on this thread that needs the counts
 * while it reads (checkpoints, the live status line, a frame limit). */
static int
reads_ahead(const struct analysis *a, struct reader *r)
{
	return a->o->read_ahead && a->o->threads > 1 && reader_fileno(r) < 0 &&
	    a->o->checkpoint_interval <= 0 && a->o->status == NULL && a->o->max_packets == 0;
}

/* read_loop, with the reading and decoding on a thread of their own.
 * Returns -1 if that thread cannot be started (nothing was read). */
static int
read_ahead_loop(struct analysis *a, struct reader *r)
{
	struct readahead_options o = { .stop = a->o->stop, .take = take_frame, .ctx = a };
	struct readahead *ra = readahead_start(r, &o);
	const struct packet *p;
	uint64_t frames, bytes;
	size_t n;

	if (ra == NULL)
		return -1;
	while ((n = readahead_next(ra, &p)) > 0) {
		for (size_t i = 0; i < n; i++)
			pipeline_packet(a->pl, &p[i]);
		if (a->failed || writer_failed(a->writer))
			break;
		readahead_position(ra, &frames, &bytes);
		progress(a, frames, bytes);
	}
	switch (readahead_finish(ra, a->res->damage, sizeof(a->res->damage))) {
	case READER_DAMAGED:
	case READER_ERROR:
		a->res->damaged = 1;
		break;
	default:
		break;
	}
	return 0;
}

static void
info_start(struct capture_info *ci, struct reader *r, const struct analysis_options *o)
{
	struct stat sb;

	memset(ci, 0, sizeof(*ci));
	ci->path = reader_path(r);
	ci->size = reader_file_size(r);
	ci->mtime = (ci->size >= 0 && stat(ci->path, &sb) == 0) ? (int64_t)sb.st_mtime : 0;
	ci->source = reader_fileno(r) >= 0 ? "live" : "file";
	ci->interface = reader_fileno(r) >= 0 ? reader_path(r) : NULL;
	ci->profile = o->profile.name;
	ci->vantage = vantage_name(o->vantage);
	ci->link_types = reader_link_types(r);
	ci->status = "running";
	ci->bulk = o->checkpoint_interval <= 0;
}

static void
info_end(struct analysis *a, struct reader *r)
{
	struct capture_info *ci = &a->res->info;

	ci->digest = reader_digest(r);
	ci->link_types = reader_link_types(r);
	ci->drops = reader_kernel_drops(r);
	ci->flows_evicted = flowtab_evicted(pipeline_flows(a->pl));
	ci->flows_aggregated = flowtab_aggregated(pipeline_flows(a->pl)) - a->kept;
	ci->peak_flows = flowtab_peak(pipeline_flows(a->pl));
	ci->clock_leaps = pipeline_clock_leaps(a->pl);
	ci->findings_elsewhere = detect_findings_elsewhere(a->detect);
	ci->vantage = vantage_name(detect_vantage(a->detect));
	ci->status = a->res->damaged ? "damaged" : "complete";
	ci->damage = a->res->damaged ? a->res->damage : NULL;
}

/* Open the capture's transaction, unless it is already stored. */
static int
begin(struct analysis *a, struct reader *r, char *err, size_t errlen)
{
	struct capture_info *ci = &a->res->info;
	uint64_t base;

	info_start(ci, r, a->o);
	if (!a->o->force && ci->size >= 0 &&
	    (a->res->duplicate_of = store_find_capture(a->store, ci->path, ci->size, ci->mtime, 0)) != 0)
		return 1;
	if (store_begin_capture(a->store, ci, &a->capture, &base, err, errlen) != 0)
		return -1;
	a->res->capture_id = a->capture;
	a->first_id = base + 1;
	if (detect_begin(a->detect, &a->o->profile, on_finding, a, err, errlen) != 0) {
		store_abort_capture(a->store);
		return -1;
	}
	/* Live checkpoints write flows that go on: no second thread then. */
	a->writer = writer_new(a->store, a->capture,
	    a->o->threads > 1 && a->o->checkpoint_interval <= 0);
	return 0;
}

/* --force: the copies of this capture stored before give way to it, in
 * the same transaction, so the database never holds it twice. */
static int
replace_older(struct store *st, int64_t capture, int force, struct analysis_result *res,
    char *err, size_t errlen)
{
	int64_t old;

	if (!force)
		return 0;
	while ((old = store_find_capture(st, NULL, -1, 0, res->info.digest)) != 0 &&
	    old != capture) {
		if (store_delete_capture(st, old, err, errlen) != 0)
			return -1;
		res->replaced = old;
	}
	return 0;
}

/* The capture's rows are written: commit them, unless the same bytes are
 * stored already (then roll back and say which), replacing older copies
 * under --force. */
static enum analysis_status
commit_capture(struct store *st, int64_t capture, int force, struct analysis_result *res,
    char *err, size_t errlen)
{
	struct capture_info *ci = &res->info;
	int64_t dup = store_find_capture(st, NULL, -1, 0, ci->digest);

	if (dup != 0 && dup != capture && !force) {
		store_abort_capture(st);
		res->duplicate_of = dup;
		res->capture_id = 0;
		return ANALYSIS_OK;
	}
	if (replace_older(st, capture, force, res, err, errlen) != 0 ||
	    store_end_capture(st, capture, ci, err, errlen) != 0) {
		store_abort_capture(st);
		return ANALYSIS_FAILED;
	}
	return res->damaged || res->bad_frames ? ANALYSIS_DAMAGED : ANALYSIS_OK;
}

/* Drain, end the detectors, and commit (or roll back a duplicate). */
static enum analysis_status
finish(struct analysis *a, struct reader *r, char *err, size_t errlen)
{
	struct capture_info *ci = &a->res->info;

	detect_set_drops(a->detect, reader_kernel_drops(r)); /* for the last findings */
	pipeline_drain(a->pl, TM_END_CAPTURE_END, ci->last_ts);
	detect_end(a->detect, ci->last_ts);
	info_end(a, r);
	if (writer_finish(a->writer, a->err, sizeof(a->err)) != 0)
		a->failed = 1;
	a->writer = NULL;
	if (a->failed) {
		store_abort_capture(a->store);
		snprintf(err, errlen, "%s", a->err);
		return ANALYSIS_FAILED;
	}
	return commit_capture(a->store, a->capture, a->o->force, a->res, err, errlen);
}

enum analysis_status
analysis_run(struct store *store, struct detect *detect, struct reader *reader,
    const struct analysis_options *o, struct analysis_result *res,
    char *err, size_t errlen)
{
	struct analysis a = { .store = store, .detect = detect, .o = o, .res = res };
	struct pipeline_options po = { .profile = &o->profile,
	    .idle_timeout = o->idle_timeout, .max_flows = o->max_flows,
	    .max_embryonic = o->max_embryonic, .pack_quiet = o->pack_quiet,
	    .spill_dir = o->spill_dir, .flow_ended = flow_ended, .ctx = &a,
	    .lookahead = o->checkpoint_interval <= 0 };
	enum analysis_status st;
	int b;

	memset(res, 0, sizeof(*res));
	if ((b = begin(&a, reader, err, errlen)) != 0)
		return b > 0 ? ANALYSIS_OK : ANALYSIS_FAILED;
	po.first_id = a.first_id;
	a.pl = pipeline_new(detect, &po);
	a.next_checkpoint = monotonic_seconds() + o->checkpoint_interval;
	a.next_progress = monotonic_seconds() + 1.0;
	if (!reads_ahead(&a, reader) || read_ahead_loop(&a, reader) != 0)
		read_loop(&a, reader);
	if (o->progress)
		fputs("\r\033[K", stderr);    /* the progress line, cleared */
	st = finish(&a, reader, err, errlen);
	pipeline_free(a.pl);
	return st;
}

enum analysis_status
analysis_merge(struct store *store, const char *part, const struct analysis_options *o,
    struct analysis_result *res, char *err, size_t errlen)
{
	struct capture_info ci = res->info;
	enum analysis_status st = ANALYSIS_FAILED;
	uint64_t base;
	int64_t id;

	if (store_attach_part(store, part, err, errlen) != 0)
		return ANALYSIS_FAILED;
	ci.expected_flows = ci.flows;
	if (store_begin_capture(store, &ci, &id, &base, err, errlen) == 0) {
		res->capture_id = id;
		if (store_copy_part(store, id, base, err, errlen) == 0)
			st = commit_capture(store, id, o->force, res, err, errlen);
		else
			store_abort_capture(store);
	}
	store_detach_part(store);
	return st;
}

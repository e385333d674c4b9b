/*
 * example.c: a complete detector in one page, for tcpmortem-detector(7).
 *
 * Kind "zero-window": a receiver advertised a zero window (it could not
 * take more data: the application stopped reading) and kept it closed for
 * longer than a threshold.  It shows every part a detector needs: the
 * kinds and options tables, per-capture state from init, a per-flow slot
 * allocated on demand and freed in on_flow_end, and a finding with
 * evidence frames and a detail sentence naming the cause and the knob.
 *
 * Build it alone:
 *   cc -shared -fPIC -I/usr/local/include -o example.so example.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpmortem/detector.h"

/* The kinds this detector may report; the host refuses any other. */
static const char *const kinds[] = { "zero-window", NULL };

/* Thresholds, listed by `tcpmortem plugins`, set with --set NAME=VALUE. */
static const struct tm_option options[] = {
	{ "zero-window.seconds", 1.0, "a window closed at least this long is reported" },
	{ NULL, 0, NULL }
};

/* Per capture: how to talk to the host, and the threshold. */
struct state {
	struct tm_context *ctx;
	const struct tm_host *host;
	tm_time_t min_ns;
};

/* Per flow (the slot): when each side's window closed, and where. */
struct zw {
	tm_time_t since[2];
	uint64_t frame[2];
	int reported[2];
};

static int
zw_init(struct tm_context *ctx, const struct tm_host *host, const struct tm_profile *profile,
    void **state)
{
	struct state *st = calloc(1, sizeof(*st));

	(void)profile;                  /* no timer matters to this detector */
	if (st == NULL)
		return -1;
	st->ctx = ctx;
	st->host = host;
	st->min_ns = (tm_time_t)(host->option(ctx, "zero-window.seconds", 1.0) * TM_NSEC_PER_SEC);
	*state = st;
	return 0;
}

static void
zw_fini(void *state)
{
	free(state);
}

/* The window of SIDE reopened (or the flow ended) at NOW: report if long. */
static void
zw_closed_until(struct state *st, const struct tm_flow *f, struct zw *z, enum tm_side side,
    tm_time_t now, uint64_t reopen_frame)
{
	char detail[200];
	struct tm_finding fd;
	double secs = (double)(now - z->since[side]) / TM_NSEC_PER_SEC;

	if (z->since[side] == 0 || z->reported[side] || now - z->since[side] < st->min_ns)
		return;
	snprintf(detail, sizeof(detail), "the %s advertised a zero window for %.1f s: its "
	    "application stopped reading (check the reader; SO_RCVBUF, tcp_rmem)",
	    side == TM_CLIENT ? "client" : "server", secs);
	memset(&fd, 0, sizeof(fd));
	fd.kind = kinds[0];
	fd.flow_id = f->id;
	fd.side = side;
	fd.ts = z->since[side];
	fd.host = f->addr[side];
	fd.port = f->port[side];
	fd.frames[fd.nframes++] = z->frame[side];
	if (reopen_frame != 0)
		fd.frames[fd.nframes++] = reopen_frame;
	fd.detail = detail;             /* the host copies it before returning */
	st->host->report(st->ctx, &fd);
	z->reported[side] = 1;
}

static void
zw_segment(void *state, const struct tm_flow *f, const struct tm_segment *seg, void **slot)
{
	struct state *st = state;
	struct zw *z = *slot;
	enum tm_side s = seg->from;

	/* A SYN's window is never scaled and RST's window means nothing. */
	if (seg->flags & (TM_TH_SYN | TM_TH_RST | TM_TH_FIN))
		return;
	if (z == NULL && seg->window != 0)
		return;                 /* allocate only for flows that need it */
	if (z == NULL && (z = *slot = calloc(1, sizeof(*z))) == NULL)
		return;
	if (seg->window == 0 && z->since[s] == 0) {
		z->since[s] = seg->ts;
		z->frame[s] = seg->frame;
	} else if (seg->window != 0 && z->since[s] != 0) {
		zw_closed_until(st, f, z, s, seg->ts, seg->frame);
		z->since[s] = 0;
	}
}

static void
zw_flow_end(void *state, const struct tm_flow *f, void **slot)
{
	struct zw *z = *slot;

	if (z == NULL)
		return;
	for (int s = 0; s < 2; s++)
		zw_closed_until(state, f, z, (enum tm_side)s, f->end_ts, 0);
	free(z);
	*slot = NULL;                   /* the host requires it */
}

static const struct tm_detector example_detector = {
	.abi_version = TM_DETECTOR_ABI_VERSION,
	.struct_size = sizeof(struct tm_detector),
	.name = "example",
	.version = "1.0",
	.summary = "zero windows held open too long (the example of tcpmortem-detector(7))",
	.kinds = kinds,
	.options = options,
	.init = zw_init,
	.fini = zw_fini,
	.on_segment = zw_segment,
	.on_flow_end = zw_flow_end,
	.slot_size = sizeof(struct zw), /* malloc(3)ed, no pointers: may be packed */
};

static const struct tm_detector *const detectors[] = { &example_detector, NULL };

/* The one symbol the host looks up (TM_DETECTOR_ENTRY). */
const struct tm_detector *const *tm_detector_entry(void);

const struct tm_detector *const *
tm_detector_entry(void)
{
	return detectors;
}

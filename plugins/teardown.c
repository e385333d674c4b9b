/*
 * teardown.c: what goes wrong in the four-way close, per connection.
 *
 *   active closer                  passive closer
 *     |  FIN          wave 1           |  ESTABLISHED -> CLOSE-WAIT
 *     |------------------------------->|
 *     |  ACK          wave 2           |  close-wait-stuck: no wave 3 for long
 *     |<-------------------------------|
 *     |  FIN          wave 3           |  FIN-WAIT-2 past tcp_fin_timeout:
 *     |<-------------------------------|  fin-wait-2-timeout
 *     |  ACK          wave 4           |
 *     |------------------------------->|  TIME-WAIT: RST ends it early =
 *                                         time-wait-assassination
 *
 * A repeated FIN with no ACK of it seen before is fin-lost (wave 1 or 3);
 * with an ACK seen, fin-ack-lost (wave 2 or 4 lost after the tap).  FIN
 * series are reported once, when the flow ends, with every transmission.
 * The per-flow slot holds the evidence; the detector's own state only the
 * per-service count of stuck CLOSE-WAITs (bounded table).
 */
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

#define MAX_FINS 12
/* A build may shrink the table (the fuzzing build does, to reach its full
 * table often): -DMAX_SERVICES=N. */
#ifndef MAX_SERVICES
#define MAX_SERVICES 1024
#endif

enum td_kind { K_FIN_LOST, K_FIN_ACK_LOST, K_RST_AFTER_TW, K_TW_ASSASSIN, K_CW_STUCK,
	K_FW2_TIMEOUT, K_ABORTIVE, K_SIM_CLOSE, K_DATA_AFTER_FIN, K_RST_INJECT, K_COUNT };

static const char *const kinds[] = {
	[K_FIN_LOST] = "fin-lost", [K_FIN_ACK_LOST] = "fin-ack-lost",
	[K_RST_AFTER_TW] = "rst-after-time-wait", [K_TW_ASSASSIN] = "time-wait-assassination",
	[K_CW_STUCK] = "close-wait-stuck", [K_FW2_TIMEOUT] = "fin-wait-2-timeout",
	[K_ABORTIVE] = "abortive-close", [K_SIM_CLOSE] = "simultaneous-close",
	[K_DATA_AFTER_FIN] = "data-after-fin", [K_RST_INJECT] = "rst-injection-suspect",
	[K_COUNT] = NULL,
};

static const struct tm_option options[] = {
	{ "close-wait-stuck.seconds", 5, "CLOSE-WAIT longer than this without a FIN is stuck" },
	{ "close-wait-stuck.at-end-seconds", 0,
	  "still in CLOSE-WAIT at capture end for at least this long is stuck (0: always)" },
	{ "close-wait-stuck.per-service", 3,
	  "this many stuck connections on one server address:port add a per-service finding" },
	{ NULL, 0, NULL }
};

/* One side's FIN transmissions. */
struct fin_series {
	unsigned n;
	uint64_t frame[MAX_FINS];
	tm_time_t ts[MAX_FINS];
	int wave;               /* 1 or 3 */
	int acked_before_retx;  /* an ACK covering it was seen before the first repeat */
	uint64_t ack_frame;
	/* The peer's segment that first acknowledged it, when that segment
	 * took sequence space (data or the peer's FIN): acknowledging it in
	 * turn proves it, and the ACK it carried, delivered. */
	uint32_t ack_seg_end;
	uint8_t ack_seg_spans;
	uint8_t ack_delivered;  /* the FIN's sender acknowledged that segment */
	int gave_up;            /* the orphan timer closed the sender */
	uint32_t ack;           /* the acknowledgement the last copy carried */
};

struct td_side {
	struct fin_series fin;
	tm_time_t cw_since;     /* entered CLOSE-WAIT, or its last data after that */
	uint64_t cw_frame;      /* the peer's FIN that put it there */
	int in_cw;
	tm_time_t tw_since;     /* entered TIME-WAIT */
	tm_time_t tw_expired;   /* TIME-WAIT ended by its timer */
	uint64_t rst_frame;     /* a RST it sent */
	uint64_t fw2_peer_data; /* the peer sent data after our FIN: half-close */
	tm_time_t fw2_since;    /* entered FIN-WAIT-2 */
	tm_time_t fw2_left;     /* left it on the peer's FIN */
	tm_time_t fw2_expired;  /* FIN-WAIT-2 ended by tcp_fin_timeout */
	uint8_t fw2_inferred;   /* known from the RST, not from the profile's timer */
	uint64_t fw2_rst;       /* its RST to the peer's late FIN */
};

struct td_flow {
	struct td_side side[2];
	uint8_t done[K_COUNT][2];
	uint8_t closing[2];     /* passed CLOSING */
};

struct service {
	struct tm_addr addr;
	uint16_t port;
	uint32_t stuck;
	tm_time_t first_ts;
	uint64_t frames[TM_MAX_EVIDENCE];
	size_t nframes;
};

struct td_state {
	struct plugin_base b;
	double cw_seconds, cw_at_end, cw_per_service;
	struct service *svc;    /* MAX_SERVICES, open addressing */
};

/* Records are made only for connections that close or reset: a SYN
 * flood's connections cost this detector nothing. */
static struct td_flow *
slot_get(void **slot)
{
	if (*slot == NULL)
		*slot = calloc(1, sizeof(struct td_flow));
	return *slot;
}

/* Report F once per kind and side. */
static void
report(struct td_state *st, struct td_flow *t, enum td_kind k, struct tm_finding *f)
{
	int s = f->side == TM_SERVER;

	if (t->done[k][s])
		return;
	t->done[k][s] = 1;
	f->kind = kinds[k];
	st->b.host->report(st->b.ctx, f);
}

static void
quick(struct td_state *st, const struct tm_flow *fl, struct td_flow *t, enum td_kind k,
    enum tm_side s, tm_time_t ts, uint64_t f1, uint64_t f2, const char *detail)
{
	struct tm_finding f;

	plugin_flow_finding(&f, kinds[k], fl, s, ts, detail);
	plugin_evidence(&f, f1);
	plugin_evidence(&f, f2);
	report(st, t, k, &f);
}

/* --- FIN series: fin-lost, fin-ack-lost ------------------------------------- */

static void
note_fin(const struct tm_flow *fl, struct td_side *sd, const struct tm_segment *seg)
{
	const struct tm_endpoint *me = &fl->ep[seg->from], *peer = &fl->ep[!seg->from];
	struct fin_series *fs = &sd->fin;

	/* Some stacks (BSD, macOS) acknowledge the peer's FIN with FIN,ACK
	 * again: a repeat that newly acknowledges the peer's FIN answers it. */
	if (fs->n > 0 && peer->fin_sent && (seg->flags & TM_TH_ACK) &&
	    seg->ack == peer->fin_seq + 1 && fs->ack != seg->ack) {
		fs->ack = seg->ack;
		return;
	}
	fs->ack = seg->ack;
	if (fs->n == 0)
		fs->wave = peer->fin_sent ? 3 : 1;
	else if (fs->n == 1) {
		fs->acked_before_retx = me->fin_acked;
		fs->ack_frame = me->fin_ack_frame;
	}
	if (fs->n < MAX_FINS) {
		fs->frame[fs->n] = seg->frame;
		fs->ts[fs->n] = seg->ts;
	}
	fs->n++;
}

/* SEG, from the peer of a FIN's sender, acknowledges that FIN for the first
 * time (the host applies SEG after the detectors see it); or SEG, from
 * the FIN's sender, acknowledges the segment that did. */
static void
note_fin_ack(const struct tm_flow *fl, struct td_flow *t, const struct tm_segment *seg)
{
	const struct tm_endpoint *closer = &fl->ep[!seg->from];
	struct fin_series *peer = &t->side[!seg->from].fin, *mine = &t->side[seg->from].fin;

	if (!(seg->flags & TM_TH_ACK))
		return;
	if (closer->fin_sent && !closer->fin_acked && peer->ack_seg_end == 0 &&
	    !peer->ack_seg_spans && tm_seq_gt(seg->ack, closer->fin_seq)) {
		peer->ack_seg_spans = seg->len > 0 || (seg->flags & TM_TH_FIN);
		peer->ack_seg_end = seg->seq + seg->len + ((seg->flags & TM_TH_FIN) ? 1u : 0u);
	}
	if (mine->ack_seg_spans && tm_seq_geq(seg->ack, mine->ack_seg_end))
		mine->ack_delivered = 1;
}

static void
report_fins(struct td_state *st, const struct tm_flow *fl, struct td_flow *t, enum tm_side s)
{
	const struct fin_series *fs = &t->side[s].fin;
	enum tm_vantage v = st->b.host->vantage(st->b.ctx);
	int near_rcv = (s == TM_CLIENT && v == TM_VANTAGE_SERVER) ||
	    (s == TM_SERVER && v == TM_VANTAGE_CLIENT);
	char detail[512], gaps[200], times[16];
	struct tm_finding f;

	if (fs->n < 2 || fl->ep[!s].packets == 0)
		return;                 /* the receiver's direction is not in the capture */
	/* The ACK reached the closer after all, only later than its repeat
	 * (a retransmission timer shorter than that round trip): no loss. */
	if (fs->acked_before_retx && fs->ack_delivered)
		return;
	plugin_gaps(fs->ts, fs->n < MAX_FINS ? fs->n : MAX_FINS, gaps, sizeof(gaps));
	if (fs->acked_before_retx)
		snprintf(detail, sizeof(detail), "wave %d FIN retransmitted %s (gaps %s) although "
		    "its ACK was seen: the wave %d ACK was lost after the tap%s",
		    fs->wave, plugin_times(fs->n - 1, times, sizeof(times)), gaps, fs->wave + 1,
		    fs->wave == 3 ? "; the TIME-WAIT side answers again and restarts 2MSL" : "");
	else
		snprintf(detail, sizeof(detail), "wave %d FIN retransmitted %s (gaps %s); no ACK "
		    "seen%s%s", fs->wave, plugin_times(fs->n - 1, times, sizeof(times)), gaps,
		    near_rcv ? ": seen next to the receiver, so its ACK may have been lost before "
		    "the tap" : ": the FIN was lost", fs->gave_up ? "; the closer gave up "
		    "(tcp_orphan_retries)" : "");
	plugin_flow_finding(&f, kinds[0], fl, s, fs->ts[1], detail);
	f.vantage = fs->acked_before_retx ? TM_VANTAGE_UNKNOWN : v;
	for (unsigned i = 0; i < fs->n && i < MAX_FINS; i++)
		plugin_evidence(&f, fs->frame[i]);
	plugin_evidence(&f, fs->ack_frame);
	report(st, t, fs->acked_before_retx ? K_FIN_ACK_LOST : K_FIN_LOST, &f);
}

/* --- resets ------------------------------------------------------------------- */

static int
synchronised(enum tm_state s)
{
	return s >= TM_ESTABLISHED && s <= TM_LAST_ACK;
}

/* RFC 9293 3.10.7: a segment with an unacceptable ACK is answered with
 * <SEQ=SEG.ACK><CTL=RST>; such a reset is out of window by design. */
static int
answers_bad_ack(const struct tm_flow *fl, const struct tm_segment *seg)
{
	return fl->ep[seg->from].snd_una != 0 && seg->seq == fl->ep[seg->from].snd_una;
}

/* A FIN-WAIT-2 socket that still existed would ACK the peer's FIN and go
 * to TIME-WAIT; answering it with RST means the socket was gone: its
 * orphan timeout (tcp_fin_timeout) was shorter than the profile's. */
static int
fw2_gone(const struct tm_flow *fl, struct td_flow *t, const struct tm_segment *seg)
{
	struct td_side *sd = &t->side[seg->from];

	if (fl->ep[seg->from].state != TM_TIME_WAIT || sd->fw2_left == 0 ||
	    fl->last_frame != fl->ep[!seg->from].fin_frame)
		return 0;
	sd->fw2_expired = sd->fw2_left;
	sd->fw2_inferred = 1;
	sd->fw2_rst = seg->frame;
	return 1;
}

/* Why side S, in state MINE, reset: after its own FIN the application has
 * already closed, and a reset there answers data that kept coming (the
 * kernel refuses data for a socket closed with close(), not shutdown()),
 * or comes from a socket gone or aborted since. */
static void
abortive_detail(const struct td_state *st, const struct td_flow *t, enum tm_side s,
    enum tm_state mine, char *buf, size_t len)
{
	const char *who = plugin_side(s), *state = st->b.host->state_name(mine);

	if (mine != TM_FIN_WAIT_1 && mine != TM_FIN_WAIT_2 && mine != TM_CLOSING)
		snprintf(buf, len, "the %s reset the connection in %s instead of closing it "
		    "(SO_LINGER with l_linger 0, an application abort, or close() with unread "
		    "data)", who, state);
	else if (t->side[s].fw2_peer_data != 0)
		snprintf(buf, len, "the %s reset the connection in %s, after its own FIN, when "
		    "the peer's data kept arriving: its application had closed the socket with "
		    "close(), not shutdown(SHUT_WR), and the kernel answers data for a closed "
		    "socket with RST (the peer loses what it sent)", who, state);
	else
		snprintf(buf, len, "the %s reset the connection in %s, after its own FIN: its "
		    "socket was gone (an orphan given up: tcp_fin_timeout, tcp_orphan_retries) "
		    "or its application aborted it (SO_LINGER with l_linger 0)", who, state);
}

static void
on_rst(struct td_state *st, const struct tm_flow *fl, struct td_flow *t,
    const struct tm_segment *seg)
{
	enum tm_side s = seg->from;
	enum tm_state mine = fl->ep[s].state, peer = fl->ep[!s].state;
	char detail[320];

	/* An endpoint still opening answers an unacceptable ACK (one from an
	 * old connection on the 4-tuple) with <SEQ=SEG.ACK><CTL=RST> and stays
	 * where it is (RFC 9293 3.10.7.3, 3.10.7.4): its reset ends nothing of
	 * its own, and what it sends next is no sign of an injected one. */
	if ((mine == TM_SYN_SENT || mine == TM_SYN_RECEIVED) && answers_bad_ack(fl, seg))
		return;
	t->side[s].rst_frame = seg->frame;
	if (t->side[s].fw2_expired != 0 && mine == TM_CLOSED && t->side[s].fw2_rst == 0)
		t->side[s].fw2_rst = seg->frame;
	if (fw2_gone(fl, t, seg))
		return;
	if (t->side[s].tw_expired != 0 && mine == TM_CLOSED) {
		snprintf(detail, sizeof(detail), "the %s's TIME-WAIT had expired %.2f s earlier; it "
		    "answered the old connection's segment with RST, so the peer ends with "
		    "'connection reset' (lost final ACK; TIME-WAIT shorter than the peer's "
		    "retransmissions)", plugin_side(s), plugin_seconds(seg->ts - t->side[s].tw_expired));
		quick(st, fl, t, K_RST_AFTER_TW, s, seg->ts, fl->last_frame, seg->frame, detail);
	} else if (!seg->in_window && peer != TM_TIME_WAIT && !answers_bad_ack(fl, seg)) {
		snprintf(detail, sizeof(detail), "RST 'from' the %s with sequence %u outside the "
		    "receiver's window: forged by a middlebox or an attacker, or a stale reset",
		    plugin_side(s), seg->seq);
		quick(st, fl, t, K_RST_INJECT, s, seg->ts, seg->frame, 0, detail);
	} else if (synchronised(mine) && peer != TM_TIME_WAIT && mine != TM_TIME_WAIT &&
	    fl->ep[0].packets + fl->ep[1].packets > 0) {    /* a lone RST is backscatter */
		uint64_t data = t->side[s].fw2_peer_data;

		abortive_detail(st, t, s, mine, detail, sizeof(detail));
		quick(st, fl, t, K_ABORTIVE, s, seg->ts, data ? data : seg->frame,
		    data ? seg->frame : 0, detail);
	}
}

/* A side that sent a RST and then goes on sending new data was not reset. */
static void
after_rst(struct td_state *st, const struct tm_flow *fl, struct td_flow *t,
    const struct tm_segment *seg)
{
	enum tm_side s = seg->from;
	char detail[320];

	if (t->side[s].rst_frame == 0 || seg->len == 0 || seg->is_retransmission ||
	    seg->is_keepalive)
		return;
	snprintf(detail, sizeof(detail), "the %s kept sending data after a RST that carried its "
	    "addresses: that RST was probably injected by a middlebox or an attacker",
	    plugin_side(s));
	quick(st, fl, t, K_RST_INJECT, s, seg->ts, t->side[s].rst_frame, seg->frame, detail);
}

/* --- segments ------------------------------------------------------------------ */

static void
td_segment(void *state, const struct tm_flow *fl, const struct tm_segment *seg, void **slot)
{
	struct td_state *st = state;
	struct td_flow *t = *slot;
	enum tm_side s = seg->from;
	const struct tm_endpoint *me = &fl->ep[s];
	char detail[256];

	if (t == NULL && (seg->flags & (TM_TH_FIN | TM_TH_RST)) == 0)
		return;
	if ((t = slot_get(slot)) == NULL)
		return;
	if (seg->flags & TM_TH_RST)
		on_rst(st, fl, t, seg);
	else {
		after_rst(st, fl, t, seg);
		note_fin_ack(fl, t, seg);
		if (seg->flags & TM_TH_FIN)
			note_fin(fl, &t->side[s], seg);
		if (seg->len > 0 && t->side[s].in_cw)
			t->side[s].cw_since = seg->ts;  /* still answering: not stuck */
		if (seg->len > 0 && fl->ep[!s].fin_sent)
			t->side[!s].fw2_peer_data = seg->frame;
		if (seg->len > 0 && me->fin_sent && !seg->is_retransmission &&
		    tm_seq_gt(seg->seq + seg->len, me->fin_seq + 1)) {
			snprintf(detail, sizeof(detail), "the %s sent %u bytes of new data after its "
			    "own FIN (a broken stack or middlebox; the peer must discard them)",
			    plugin_side(s), seg->len);
			quick(st, fl, t, K_DATA_AFTER_FIN, s, seg->ts, me->fin_frame, seg->frame, detail);
		}
	}
}

/* --- close-wait-stuck ------------------------------------------------------------- */

static struct service *
service_get(struct td_state *st, const struct tm_flow *fl, enum tm_side s)
{
	size_t i = (size_t)(plugin_hash_addr(&fl->addr[s], fl->port[s]) % MAX_SERVICES);

	for (size_t n = 0; n < 16; n++, i = (i + 1) % MAX_SERVICES) {
		struct service *v = &st->svc[i];

		if (v->stuck == 0 && v->port == 0) {
			v->addr = fl->addr[s];
			v->port = fl->port[s];
			return v;
		}
		if (v->port == fl->port[s] && plugin_addr_eq(&v->addr, &fl->addr[s]))
			return v;
	}
	return NULL;
}

static void
report_cw(struct td_state *st, const struct tm_flow *fl, struct td_flow *t, enum tm_side s,
    tm_time_t until, int at_end)
{
	const struct td_side *sd = &t->side[s];
	double secs = plugin_seconds(until - sd->cw_since);
	char detail[400], ep[80];
	struct service *v;

	if (secs < (at_end ? st->cw_at_end : st->cw_seconds))
		return;
	plugin_endpoint(&st->b, &fl->addr[s], fl->port[s], ep, sizeof(ep));
	if (!at_end)
		snprintf(detail, sizeof(detail), "%s %s called close() late: CLOSE-WAIT for "
		    "%.1f s (the application left the socket open after the peer's FIN)",
		    plugin_side(s), ep, secs);
	else if (secs >= st->cw_seconds)
		snprintf(detail, sizeof(detail), "%s %s had not called close() by the end: "
		    "still in CLOSE-WAIT when the capture (or the connection) ended, %.1f s "
		    "after the peer's FIN (an application that never closes leaks sockets; "
		    "check its connection handling)", plugin_side(s), ep, secs);
	else    /* the capture stopped first: say how little it shows */
		snprintf(detail, sizeof(detail), "%s %s had not called close() by the end: "
		    "still in CLOSE-WAIT when the capture (or the connection) ended, only "
		    "%.1f s after the peer's FIN, sooner than a close is called late (%g s): "
		    "a longer capture would tell a slow close from one that never comes",
		    plugin_side(s), ep, secs, st->cw_seconds);
	quick(st, fl, t, K_CW_STUCK, s, sd->cw_since, sd->cw_frame, 0, detail);
	if ((v = service_get(st, fl, s)) != NULL && v->stuck++ == 0)
		v->first_ts = sd->cw_since;
	if (v != NULL && v->nframes < TM_MAX_EVIDENCE)
		v->frames[v->nframes++] = sd->cw_frame;
}

static void
report_services(struct td_state *st)
{
	char detail[320], ep[80];
	struct tm_finding f;

	for (size_t i = 0; i < MAX_SERVICES; i++) {
		struct service *v = &st->svc[i];

		if (v->stuck == 0 || v->stuck < st->cw_per_service)
			continue;
		plugin_endpoint(&st->b, &v->addr, v->port, ep, sizeof(ep));
		snprintf(detail, sizeof(detail), "%u connections of service %s sat in CLOSE-WAIT: "
		    "the service does not close sockets its peers closed (a code bug in it)",
		    v->stuck, ep);
		memset(&f, 0, sizeof(f));
		f.kind = kinds[K_CW_STUCK];
		f.side = TM_NO_SIDE;
		f.ts = v->first_ts;
		f.host = v->addr;
		f.port = v->port;
		f.nframes = v->nframes;
		memcpy(f.frames, v->frames, sizeof(f.frames));
		f.detail = detail;
		st->b.host->report(st->b.ctx, &f);
	}
}

/* --- transitions ------------------------------------------------------------------ */

static void
tw_ended(struct td_state *st, const struct tm_flow *fl, struct td_flow *t,
    const struct tm_transition *tr)
{
	char detail[320];

	if (strcmp(tr->cause, "timer 2MSL") == 0) {
		t->side[tr->side].tw_expired = tr->ts;
		return;
	}
	if (strcmp(tr->cause, "recv RST") != 0)
		return;
	snprintf(detail, sizeof(detail), "a RST from the %s ended the %s's TIME-WAIT after "
	    "%.2f s of %.0f s: TIME-WAIT assassination (RFC 1337; Linux: net.ipv4.tcp_rfc1337=1 "
	    "ignores such RSTs)", plugin_side(!tr->side), plugin_side(tr->side),
	    plugin_seconds(tr->ts - t->side[tr->side].tw_since), st->b.profile.time_wait);
	quick(st, fl, t, K_TW_ASSASSIN, tr->side, tr->ts, tr->frame, 0, detail);
}

/* Reported when the flow ends, so the peer's late FIN and the RST that
 * answered it can be part of the evidence. */
static void
report_fw2(struct td_state *st, const struct tm_flow *fl, struct td_flow *t, enum tm_side s)
{
	const struct tm_endpoint *ep = &fl->ep[s];
	const struct td_side *sd = &t->side[s];
	char detail[320];
	struct tm_finding f;

	if (sd->fw2_expired == 0 || sd->fw2_peer_data)
		return;
	if (sd->fw2_inferred)
		snprintf(detail, sizeof(detail), "the %s answered the peer's FIN, %.1f s into "
		    "FIN-WAIT-2, with RST: its socket was already gone (orphaned FIN-WAIT-2 "
		    "closed by tcp_fin_timeout, shorter there than the profile's %.0f s)",
		    plugin_side(s), plugin_seconds(sd->fw2_left - sd->fw2_since),
		    st->b.profile.fin_wait_2);
	else
		snprintf(detail, sizeof(detail), "the %s sat in FIN-WAIT-2 for %.0f s without the "
		    "peer's FIN and dropped the socket (tcp_fin_timeout); %s", plugin_side(s),
		    st->b.profile.fin_wait_2, sd->fw2_rst ? "the peer's late FIN got a RST" :
		    "a late FIN will get a RST");
	plugin_flow_finding(&f, kinds[K_FW2_TIMEOUT], fl, s, sd->fw2_expired, detail);
	plugin_evidence(&f, ep->fin_frame);
	plugin_evidence(&f, ep->fin_ack_frame);
	if (sd->fw2_rst != 0) {
		plugin_evidence(&f, fl->ep[!s].fin_frame);
		plugin_evidence(&f, sd->fw2_rst);
	}
	report(st, t, K_FW2_TIMEOUT, &f);
}

static void
td_transition(void *state, const struct tm_flow *fl, const struct tm_transition *tr, void **slot)
{
	struct td_state *st = state;
	struct td_flow *t = *slot;
	struct td_side *sd;

	if (t == NULL && tr->to < TM_FIN_WAIT_1 && tr->from < TM_FIN_WAIT_1)
		return;                 /* nothing of the close yet */
	if ((t = slot_get(slot)) == NULL)
		return;
	sd = &t->side[tr->side];
	if (tr->to == TM_CLOSE_WAIT) {
		sd->in_cw = 1;
		sd->cw_since = tr->ts;
		sd->cw_frame = tr->frame;
	} else if (tr->from == TM_CLOSE_WAIT && sd->in_cw) {
		sd->in_cw = 0;
		report_cw(st, fl, t, tr->side, tr->ts, 0);
	}
	if (tr->to == TM_TIME_WAIT)
		sd->tw_since = tr->ts;
	if (tr->to == TM_FIN_WAIT_2)
		sd->fw2_since = tr->ts;
	if (tr->from == TM_FIN_WAIT_2 && tr->to == TM_TIME_WAIT)
		sd->fw2_left = tr->ts;
	if (tr->to == TM_CLOSING && !t->closing[tr->side]++ && t->closing[!tr->side])
		quick(st, fl, t, K_SIM_CLOSE, TM_NO_SIDE, tr->ts, fl->ep[0].fin_frame,
		    fl->ep[1].fin_frame, "both FINs crossed on the wire: simultaneous close, "
		    "both sides pass CLOSING and end in TIME-WAIT (harmless; both pay 2MSL)");
	if (tr->from == TM_TIME_WAIT)
		tw_ended(st, fl, t, tr);
	if (tr->from == TM_FIN_WAIT_2 && strcmp(tr->cause, "timer FIN-WAIT-2") == 0)
		sd->fw2_expired = tr->ts;
	if (strcmp(tr->cause, "timer orphan") == 0)
		sd->fin.gave_up = 1;
}

static void
td_flow_end(void *state, const struct tm_flow *fl, void **slot)
{
	struct td_state *st = state;
	struct td_flow *t = *slot;

	if (t == NULL)
		return;
	for (int s = 0; s < 2; s++) {
		report_fins(st, fl, t, (enum tm_side)s);
		report_fw2(st, fl, t, (enum tm_side)s);
		if (t->side[s].in_cw && fl->ep[s].state == TM_CLOSE_WAIT && fl->ep[s].packets > 0)
			report_cw(st, fl, t, (enum tm_side)s, fl->end_reason == TM_END_CAPTURE_END ?
			    fl->end_ts : fl->last_ts, 1);
	}
	free(t);
	*slot = NULL;
}

static void
td_capture_end(void *state, tm_time_t end)
{
	report_services(state);
}

static int
td_init(struct tm_context *ctx, const struct tm_host *host, const struct tm_profile *profile,
    void **state)
{
	struct td_state *st = calloc(1, sizeof(*st));

	if (st == NULL || (st->svc = calloc(MAX_SERVICES, sizeof(*st->svc))) == NULL) {
		free(st);
		return -1;
	}
	plugin_base_init(&st->b, ctx, host, profile);
	st->cw_seconds = host->option(ctx, "close-wait-stuck.seconds", 5);
	st->cw_at_end = host->option(ctx, "close-wait-stuck.at-end-seconds", 0);
	st->cw_per_service = host->option(ctx, "close-wait-stuck.per-service", 3);
	*state = st;
	return 0;
}

static void
td_fini(void *state)
{
	struct td_state *st = state;

	free(st->svc);
	free(st);
}

static const struct tm_detector teardown_detector = {
	.abi_version = TM_DETECTOR_ABI_VERSION,
	.struct_size = sizeof(struct tm_detector),
	.name = "teardown",
	.version = "1.0",
	.summary = "lost FINs and ACKs, stuck CLOSE-WAIT and FIN-WAIT-2, resets, crossed FINs",
	.kinds = kinds,
	.options = options,
	.init = td_init,
	.fini = td_fini,
	.on_segment = td_segment,
	.on_transition = td_transition,
	.on_flow_end = td_flow_end,
	.on_capture_end = td_capture_end,
	.slot_size = sizeof(struct td_flow), /* malloc(3)ed, no pointers: may be packed */
};

static const struct tm_detector *const detectors[] = { &teardown_detector, NULL };

const struct tm_detector *const *tm_detector_entry(void);

const struct tm_detector *const *
tm_detector_entry(void)
{
	return detectors;
}

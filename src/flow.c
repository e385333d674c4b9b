/*
 * flow.c: one connection, both endpoints, seen from the capture point.
 *
 * A segment seen at the tap is taken as sent by one endpoint and delivered
 * to the other.  Each segment becomes events for the sender (what it sent)
 * and then for the receiver (what it got); the endpoint table (endpoint.c)
 * turns events into states.  Two things the tap cannot see are inferred
 * from later packets, and the history is revised:
 *
 *  - crossing FINs: B's FIN does not acknowledge A's FIN, although A's FIN
 *    was seen first, so B sent it before A's arrived: B was ESTABLISHED,
 *    not CLOSE-WAIT, and both pass CLOSING (simultaneous close);
 *  - crossing SYNs: the "server" sends a SYN without ACK after the client's
 *    SYN: it was never listening, it opened too (simultaneous open).
 *
 * A server that answers a SYN with RST never had a socket: its history is
 * cleared and it is CLOSED from the start (connection refused).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "flow.h"
#include "util.h"

#define DEFAULT_WINDOW 65535u


/* Which side of a new flow sent P: the sender of a SYN is the client, the
 * sender of a SYN-ACK the server, otherwise the higher port is the client. */
static enum tm_side
first_sender_role(const struct packet *p)
{
	if ((p->flags & TM_TH_SYN) && !(p->flags & TM_TH_ACK))
		return TM_CLIENT;
	if (p->flags & TM_TH_SYN)
		return TM_SERVER;
	return p->sport >= p->dport ? TM_CLIENT : TM_SERVER;
}

/* A flow comes in one allocation with room for a typical connection's
 * ladder, both timelines and the detectors' slots after it; arrays move
 * to memory of their own only when they outgrow it.  Five allocations a
 * connection were a quarter of the analysis' time. */
#define INLINE_LADDER 8
#define INLINE_TIMELINE 6

struct flow_block {
	struct flow f;
	struct ladder_entry ladder[INLINE_LADDER];
	struct tm_transition tl[2][INLINE_TIMELINE];
	void *slots[];
};

static int
is_inline(const struct flow *f, const void *arr)
{
	const struct flow_block *b = (const struct flow_block *)f;

	return arr == b->ladder || arr == b->tl[0] || arr == b->tl[1];
}

/* Grow *ARR (of *CAP elements of SIZE) of F to hold N. */
static void
flow_grow(struct flow *f, void **arr, size_t *cap, size_t n, size_t size)
{
	void *old = *arr;
	size_t had = *cap;

	if (n <= had)
		return;
	if (!is_inline(f, old)) {
		grow_array(arr, cap, n, size);
		return;
	}
	*arr = NULL;
	*cap = 0;
	grow_array(arr, cap, n, size);
	memcpy(*arr, old, had * size);
}

/* B's flow pointing at B's own arrays and slots (B zeroed). */
static struct flow *
use_block(struct flow_block *b, size_t nslots)
{
	struct flow *f = &b->f;

	f->ladder = b->ladder;
	f->ladder_cap = INLINE_LADDER;
	for (int side = 0; side < 2; side++) {
		f->tl[side].items = b->tl[side];
		f->tl[side].cap = INLINE_TIMELINE;
	}
	f->slots = nslots > 0 ? b->slots : NULL;
	return f;
}

struct flow *
flow_alloc(size_t nslots)
{
	return use_block(xcalloc(1, sizeof(struct flow_block) + nslots * sizeof(void *)), nslots);
}

void
flow_prefetch(const struct flow *f)
{
	const struct flow_block *b = (const struct flow_block *)f;

	for (size_t at = 0; at < sizeof(b->f); at += 64)
		PREFETCH((const char *)f + at);
	PREFETCH(b->slots);
}

void
flow_prefetch_slots(const struct flow *f, size_t nslots)
{
	for (size_t i = 0; f->slots != NULL && i < nslots; i++)
		PREFETCH(f->slots[i]);
}

/* The lines from P for N bytes, at most MAX of them (none from NULL: an
 * absent slot; an offset from it is undefined even when nothing is read). */
static void
prefetch_span(const void *p, size_t n, size_t max)
{
	for (size_t at = 0; p != NULL && at < n && at < 64 * max; at += 64)
		PREFETCH((const char *)p + at);
}

void
flow_prefetch_contents(const struct flow *f, size_t nslots)
{
	prefetch_span(f->ladder, f->nladder * sizeof(*f->ladder), 16);
	for (int side = 0; side < 2; side++)
		prefetch_span(f->tl[side].items, f->tl[side].n * sizeof(*f->tl[side].items), 8);
	for (size_t i = 0; f->slots != NULL && i < nslots; i++)
		prefetch_span(f->slots[i], 128, 2);
}

void
flow_recycle(struct flow *f, size_t nslots)
{
	struct flow_block *b = (struct flow_block *)f;

	for (int side = 0; side < 2; side++)
		if (!is_inline(f, f->tl[side].items))
			free(f->tl[side].items);
	if (!is_inline(f, f->ladder))
		free(f->ladder);
	memset(b, 0, sizeof(*b) + nslots * sizeof(void *));
	use_block(b, nslots);
}

void
flow_reserve(struct flow *f, size_t nladder, size_t ntimeline[2])
{
	flow_grow(f, (void **)&f->ladder, &f->ladder_cap, nladder, sizeof(*f->ladder));
	for (int side = 0; side < 2; side++)
		flow_grow(f, (void **)&f->tl[side].items, &f->tl[side].cap, ntimeline[side],
		    sizeof(*f->tl[side].items));
}

struct flow *
flow_new(const struct packet *p, uint64_t id, size_t nslots)
{
	return flow_start(flow_alloc(nslots), p, id);
}

struct flow *
flow_start(struct flow *f, const struct packet *p, uint64_t id)
{
	enum tm_side s = first_sender_role(p);

	f->v.id = id;
	f->v.addr[s] = p->src;
	f->v.port[s] = p->sport;
	f->v.addr[!s] = p->dst;
	f->v.port[!s] = p->dport;
	f->v.first_ts = f->v.last_ts = p->ts;
	f->v.first_frame = f->v.last_frame = p->frame;
	f->v.incarnation = 1;
	f->first_fin = f->first_rst = f->last_from = TM_NO_SIDE;
	if ((p->flags & TM_TH_SYN) && !(p->flags & TM_TH_ACK)) {
		f->v.ep[TM_CLIENT].state = TM_CLOSED;
		f->v.ep[TM_SERVER].state = TM_LISTEN;
	} else if (p->flags & TM_TH_SYN) {
		f->v.ep[TM_CLIENT].state = TM_UNKNOWN;   /* its SYN was not seen */
		f->v.ep[TM_SERVER].state = TM_LISTEN;
	} else {
		f->v.midstream = 1;                      /* UNKNOWN until inferred */
	}
	f->v.ep[TM_CLIENT].state_since = f->v.ep[TM_SERVER].state_since = p->ts;
	return f;
}

int
flow_is_embryonic(const struct flow *f)
{
	if (f->bytes != 0 || f->packets > EMBRYO_PACKETS ||
	    f->v.ep[TM_CLIENT].fin_sent || f->v.ep[TM_SERVER].fin_sent)
		return 0;
	if (!f->saw_syn[TM_CLIENT] && !f->saw_syn[TM_SERVER] &&
	    !f->saw_synack[TM_CLIENT] && !f->saw_synack[TM_SERVER])
		return f->packets <= 2;
	/* The client is ESTABLISHED once the SYN-ACK is seen; the server
	 * only when the third ACK came: the handshake was completed. */
	for (size_t i = 0; i < f->tl[TM_SERVER].n; i++)
		if (f->tl[TM_SERVER].items[i].to == TM_ESTABLISHED)
			return 0;
	return 1;
}

int
flow_is_closing(const struct flow *f)
{
	return f->v.ep[TM_CLIENT].fin_sent || f->v.ep[TM_SERVER].fin_sent ||
	    f->rst_from[TM_CLIENT] || f->rst_from[TM_SERVER];
}

int
flow_has_closed(const struct flow *f)
{
	for (int s = 0; s < 2; s++)
		if (f->v.ep[s].state != TM_CLOSED && f->v.ep[s].state != TM_TIME_WAIT)
			return 0;
	return 1;
}

void
flow_free(struct flow *f)
{
	if (f == NULL)
		return;
	for (int side = 0; side < 2; side++)
		if (!is_inline(f, f->tl[side].items))
			free(f->tl[side].items);
	if (!is_inline(f, f->ladder))
		free(f->ladder);
	free(f);                /* the slots are part of it */
}

enum tm_side
flow_side_of(const struct flow *f, const struct packet *p)
{
	if (p->sport == f->v.port[TM_CLIENT] && p->dport == f->v.port[TM_SERVER] &&
	    tm_addr_eq(&p->src, &f->v.addr[TM_CLIENT]) && tm_addr_eq(&p->dst, &f->v.addr[TM_SERVER]))
		return TM_CLIENT;
	if (p->sport == f->v.port[TM_SERVER] && p->dport == f->v.port[TM_CLIENT] &&
	    tm_addr_eq(&p->src, &f->v.addr[TM_SERVER]) && tm_addr_eq(&p->dst, &f->v.addr[TM_CLIENT]))
		return TM_SERVER;
	return TM_NO_SIDE;
}

/* --- timeline ------------------------------------------------------------ */

static void
record(struct flow *f, const struct tm_transition *t, const struct flow_events *ev)
{
	struct timeline *tl = &f->tl[t->side];

	flow_grow(f, (void **)&tl->items, &tl->cap, tl->n + 1, sizeof(*tl->items));
	tl->items[tl->n++] = *t;
	f->timer_base[t->side] = t->ts;
	if (ev != NULL && ev->transition != NULL)
		ev->transition(ev->ctx, f, t);
}

/* Apply EVENT to side S; record and report the change if there is one. */
static void
apply(struct flow *f, enum tm_side s, enum ep_event event, tm_time_t ts, uint64_t frame,
    const struct flow_events *ev)
{
	struct tm_transition t;

	if (endpoint_apply(&f->v.ep[s], s, event, ts, frame, &t))
		record(f, &t, ev);
}

/* Forget side S's history back to its first state, and put it in STATE
 * (the capture showed that what was assumed never happened). */
static void
revise(struct flow *f, enum tm_side s, enum tm_state state)
{
	struct tm_endpoint *ep = &f->v.ep[s];

	if (f->tl[s].n > 0)
		ep->state_since = f->tl[s].items[0].ts;
	f->tl[s].n = 0;
	ep->state = state;
}

/* Undo side S's last transition (it was an assumption). */
static void
undo_last(struct flow *f, enum tm_side s)
{
	struct timeline *tl = &f->tl[s];

	if (tl->n == 0)
		return;
	tl->n--;
	f->v.ep[s].state = tl->items[tl->n].from;
	f->v.ep[s].state_since = tl->n > 0 ? tl->items[tl->n - 1].ts : f->v.first_ts;
	f->timer_base[s] = f->v.ep[s].state_since;
}

/* Undo side S's transitions back to the last time it entered STATE. */
static void
undo_to(struct flow *f, enum tm_side s, enum tm_state state)
{
	while (f->tl[s].n > 0 && f->v.ep[s].state != state)
		undo_last(f, s);
}

/* Side S entered ESTABLISHED from a SYN-ACK and has sent nothing but SYNs
 * since: it acts as if that SYN-ACK never reached it. */
static int
synack_never_arrived(const struct flow *f, enum tm_side s)
{
	const struct timeline *tl = &f->tl[s];

	return f->v.ep[s].state == TM_ESTABLISHED && tl->n > 0 &&
	    tl->items[tl->n - 1].from == TM_SYN_SENT &&
	    (f->last[s].flags & (TM_TH_SYN | TM_TH_ACK)) == TM_TH_SYN;
}

/* A RST without ACK carrying the sequence number the SYN-ACK acknowledged,
 * from a client that has sent nothing but SYNs since: what a host sends
 * when a SYN-ACK reaches no socket (RFC 9293 3.10.7.1).  A client in
 * SYN-SENT would have acknowledged it, one in ESTABLISHED would reset with
 * ACK: its connect() had been given up or closed before the answer, or
 * the SYN was never its own (a spoofed source, a half-open port scan).
 * It never entered ESTABLISHED, and its reset aborts no connection. */
static int
synack_reset(const struct flow *f, enum tm_side s, const struct packet *p)
{
	const struct tm_endpoint *ep = &f->v.ep[s];
	const struct timeline *tl = &f->tl[s];

	return s == TM_CLIENT && (p->flags & (TM_TH_RST | TM_TH_ACK)) == TM_TH_RST &&
	    ep->state == TM_ESTABLISHED && tl->n > 0 && tl->items[tl->n - 1].from == TM_SYN_SENT &&
	    ep->packets == ep->syn_count && ep->isn_known && p->seq == ep->isn + 1;
}

/* --- timers -------------------------------------------------------------- */

struct timer_rule {
	enum tm_state state;
	enum ep_event event;
	size_t offset;          /* seconds field of struct tm_profile */
};

static const struct timer_rule timer_rules[] = {
	{ TM_TIME_WAIT, EV_TIMER_TIME_WAIT, offsetof(struct tm_profile, time_wait) },
	{ TM_FIN_WAIT_2, EV_TIMER_FIN_WAIT_2, offsetof(struct tm_profile, fin_wait_2) },
	{ TM_SYN_SENT, EV_TIMER_SYN_SENT, offsetof(struct tm_profile, syn_give_up) },
	{ TM_SYN_RECEIVED, EV_TIMER_SYN_RECEIVED, offsetof(struct tm_profile, synack_give_up) },
	{ TM_FIN_WAIT_1, EV_TIMER_ORPHAN, offsetof(struct tm_profile, orphan_give_up) },
	{ TM_CLOSING, EV_TIMER_ORPHAN, offsetof(struct tm_profile, orphan_give_up) },
	{ TM_LAST_ACK, EV_TIMER_ORPHAN, offsetof(struct tm_profile, orphan_give_up) },
};

/* A half-closed socket (shutdown) is not orphaned: while data still flows
 * to the FIN-WAIT-2 side, tcp_fin_timeout does not apply to it. */
static int
timer_applies(const struct flow *f, enum tm_side s, const struct timer_rule *r)
{
	if (r->state == TM_FIN_WAIT_2 && f->data_after_fin[!s])
		return 0;
	return 1;
}

/* The time at which side S's running timer fires, or 0 if none runs. */
static tm_time_t
timer_deadline(const struct flow *f, enum tm_side s, const struct tm_profile *prof,
    enum ep_event *event)
{
	for (size_t i = 0; i < sizeof(timer_rules) / sizeof(timer_rules[0]); i++) {
		const struct timer_rule *r = &timer_rules[i];
		double secs;

		if (r->state != f->v.ep[s].state)
			continue;
		secs = *(const double *)(const void *)((const char *)prof + r->offset);
		if (secs <= 0 || !timer_applies(f, s, r))
			return 0;
		*event = r->event;
		return f->timer_base[s] + ts_from_seconds(secs);
	}
	return 0;
}

/* A FIN sender that has not resent by now (its backoff doubles the
 * interval) got the ACK held back. */
#define FIN_SILENCE(gap) ((gap) * 5 / 2)

static void ack_fin(struct flow *f, enum tm_side r, tm_time_t ts, uint64_t frame,
    const struct flow_events *ev);

void
flow_advance(struct flow *f, tm_time_t now, const struct tm_profile *prof,
    const struct flow_events *ev)
{
	for (int s = 0; s < 2; s++) {
		const struct fin_watch *w = &f->finw[s];

		if (w->deferred && now >= w->deferred_ts + FIN_SILENCE(w->gap))
			ack_fin(f, (enum tm_side)s, w->deferred_ts, w->deferred_frame, ev);
	}
	for (int s = 0; s < 2; s++) {
		enum ep_event event;
		tm_time_t at;

		/* A timer can lead to a state with another timer: loop. */
		while ((at = timer_deadline(f, (enum tm_side)s, prof, &event)) != 0 && at <= now)
			apply(f, (enum tm_side)s, event, at, 0, ev);
	}
}

static tm_time_t
earliest(tm_time_t a, tm_time_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

tm_time_t
flow_next_timer(const struct flow *f, const struct tm_profile *prof)
{
	tm_time_t next = 0;

	for (int s = 0; s < 2; s++) {
		const struct fin_watch *w = &f->finw[s];
		enum ep_event event;

		if (w->deferred)
			next = earliest(next, w->deferred_ts + FIN_SILENCE(w->gap));
		next = earliest(next, timer_deadline(f, (enum tm_side)s, prof, &event));
	}
	return next;
}

/* --- reading a segment --------------------------------------------------- */

static uint32_t
seg_end(const struct packet *p)
{
	return p->seq + p->len + !!(p->flags & TM_TH_SYN) + !!(p->flags & TM_TH_FIN);
}

/* Whether a RST from SENDER is one the receiver would accept: in SYN-SENT
 * only if it acknowledges the SYN; otherwise near what the sender has sent,
 * within the receiver's window (RFC 9293 3.10.7.x, leniently: the tap
 * cannot know exactly what was delivered). */
static int
rst_acceptable(const struct flow *f, enum tm_side sender, const struct packet *p)
{
	const struct tm_endpoint *snd = &f->v.ep[sender], *rcv = &f->v.ep[!sender];
	uint32_t win = rcv->max_window ? rcv->max_window : DEFAULT_WINDOW;
	int32_t off;

	if (rcv->state == TM_SYN_SENT)
		return (p->flags & TM_TH_ACK) && rcv->isn_known && p->ack == rcv->isn + 1;
	if (snd->packets == 0 || (snd->snd_nxt == 0 && !snd->isn_known))
		return 1;
	off = (int32_t)(p->seq - snd->snd_nxt);
	return off >= -(int64_t)win && off <= (int64_t)win;
}

static void
fill_segment(const struct flow *f, enum tm_side s, const struct packet *p, struct tm_segment *g)
{
	const struct tm_endpoint *snd = &f->v.ep[s], *rcv = &f->v.ep[!s];

	memset(g, 0, sizeof(*g));
	g->frame = p->frame;
	g->ts = p->ts;
	g->from = s;
	g->flags = p->flags;
	g->seq = p->seq;
	g->ack = p->ack;
	g->rel_seq = p->seq - (snd->isn_known ? snd->isn : f->rel_base[s]);
	if ((p->flags & TM_TH_SYN) && (!snd->isn_known || snd->syn_count == 0))
		g->rel_seq = 0;                  /* this SYN sets the ISN */
	g->rel_ack = p->ack - (rcv->isn_known ? rcv->isn : f->rel_base[!s]);
	g->len = p->len;
	g->window = p->window;
	g->mss = p->mss;
	g->has_wscale = p->has_wscale;
	g->wscale = p->wscale;
	g->has_sack_perm = p->has_sack_perm;
	g->has_ts = p->has_ts;
	g->tsval = p->tsval;
	g->tsecr = p->tsecr;
	g->has_tfo = p->has_tfo;
	g->tfo_cookie_len = p->tfo_cookie_len;
	g->in_window = (p->flags & TM_TH_RST) ? (uint8_t)rst_acceptable(f, s, p) : 1;
}

/* Retransmission and keep-alive, judged against what the sender sent. */
static void
judge_segment(const struct flow *f, enum tm_side s, const struct packet *p, struct tm_segment *g)
{
	const struct tm_endpoint *snd = &f->v.ep[s];
	int seen = snd->packets > 0 && (snd->isn_known || snd->snd_nxt != 0);

	if (p->flags & TM_TH_RST)
		return;
	if (p->flags & TM_TH_SYN) {
		g->is_retransmission = snd->syn_count > 0 && snd->isn_known && p->seq == snd->isn;
		return;
	}
	if (!seen)
		return;
	if (p->len <= 1 && !(p->flags & TM_TH_FIN) && p->seq == snd->snd_nxt - 1) {
		g->is_keepalive = 1;
		return;
	}
	if ((p->len > 0 || (p->flags & TM_TH_FIN)) && tm_seq_leq(seg_end(p), snd->snd_nxt))
		g->is_retransmission = 1;
}

/* The sender's bookkeeping: ISN, highest sequence sent, FIN, counters. */
static void
track_sender(struct flow *f, enum tm_side s, const struct packet *p)
{
	struct tm_endpoint *ep = &f->v.ep[s];
	uint32_t end = seg_end(p);

	if ((p->flags & TM_TH_SYN) && (!ep->isn_known || ep->syn_count == 0)) {
		ep->isn = p->seq;
		ep->isn_known = 1;
		ep->snd_nxt = end;
	}
	if (ep->packets == 0)
		f->rel_base[s] = p->seq;
	if ((p->flags & TM_TH_SYN))
		ep->syn_count++;
	if ((p->flags & TM_TH_SYN) && ep->isn_known && p->seq != ep->isn)
		end = ep->snd_nxt;              /* a SYN not of this connection */
	/* A RST's numbers may be anything (forged, stale): they move nothing. */
	if (!(p->flags & TM_TH_RST)) {
		if ((ep->packets == 0 && !ep->isn_known) || tm_seq_gt(end, ep->snd_nxt))
			ep->snd_nxt = end;
		if ((p->flags & TM_TH_ACK) &&
		    (f->v.ep[!s].snd_una == 0 || tm_seq_gt(p->ack, f->v.ep[!s].snd_una)))
			f->v.ep[!s].snd_una = p->ack;
	}
	if (p->has_ts) {
		ep->has_ts = 1;
		ep->last_tsval = p->tsval;
	}
	if ((p->flags & TM_TH_SYN) && p->has_wscale)
		ep->wscale = p->wscale > 14 ? 14 : p->wscale;
	if (!(p->flags & TM_TH_SYN)) {
		uint32_t w = (uint32_t)p->window << ep->wscale;

		if (w > ep->max_window)
			ep->max_window = w;
	}
	ep->packets++;
	ep->bytes += p->len;
	if (p->flags & TM_TH_FIN)
		ep->fin_count++;
	if (p->flags & TM_TH_RST)
		ep->rst_count++;
}

/* --- events of one segment ---------------------------------------------- */

/* SYN from the server while the client waits in SYN-SENT: both opened. */
static void
simultaneous_open(struct flow *f, const struct packet *p, const struct flow_events *ev)
{
	revise(f, TM_SERVER, TM_CLOSED);
	apply(f, TM_SERVER, EV_SEND_SYN, p->ts, p->frame, ev);
	apply(f, TM_SERVER, EV_RECV_SYN, p->ts, p->frame, ev);
	apply(f, TM_CLIENT, EV_RECV_SYN, p->ts, p->frame, ev);
	f->handshake = HS_SIMULTANEOUS;
}

static void
sender_syn(struct flow *f, enum tm_side s, const struct packet *p, const struct flow_events *ev)
{
	if (!(p->flags & TM_TH_ACK)) {
		if (s == TM_SERVER && f->v.ep[TM_CLIENT].state == TM_SYN_SENT &&
		    f->v.ep[TM_SERVER].syn_count == 1 && !f->saw_synack[TM_SERVER]) {
			simultaneous_open(f, p, ev);
			return;
		}
		f->saw_syn[s] = 1;
		if (f->syn_ts == 0)
			f->syn_ts = p->ts;
		if (synack_never_arrived(f, s))      /* the same SYN again */
			undo_to(f, s, TM_SYN_SENT);
		apply(f, s, EV_SEND_SYN, p->ts, p->frame, ev);
		return;
	}
	f->saw_synack[s] = 1;
	f->synack_ts = p->ts;
	if (!f->v.ep[!s].isn_known && (p->flags & TM_TH_ACK)) {
		f->v.ep[!s].isn = p->ack - 1;           /* what the SYN-ACK acknowledges */
		f->v.ep[!s].isn_known = 1;
		f->v.ep[!s].snd_nxt = p->ack;
	}
	if (f->v.ep[!s].state == TM_UNKNOWN) {       /* the client's SYN was not seen */
		struct tm_transition t = { .side = !s, .from = TM_UNKNOWN, .to = TM_SYN_SENT,
		    .ts = p->ts, .frame = p->frame, .cause = endpoint_event_name(EV_INFER_ESTABLISHED) };

		f->v.ep[!s].state = TM_SYN_SENT;
		record(f, &t, ev);
	}
	apply(f, s, EV_SEND_SYNACK, p->ts, p->frame, ev);
}

/* B's FIN does not cover A's earlier FIN: B had not received it, so B was
 * not in CLOSE-WAIT but sending its own FIN from ESTABLISHED. */
static int
fins_crossed(struct flow *f, enum tm_side s, const struct packet *p)
{
	const struct tm_endpoint *peer = &f->v.ep[!s];

	return peer->fin_sent && f->v.ep[s].state == TM_CLOSE_WAIT &&
	    !((p->flags & TM_TH_ACK) && tm_seq_gt(p->ack, peer->fin_seq));
}

/* Undo side S's transitions caused at FRAME or after (what it was assumed
 * to receive there never reached it). */
static void
undo_from(struct flow *f, enum tm_side s, uint64_t frame)
{
	while (f->tl[s].n > 0 && f->tl[s].items[f->tl[s].n - 1].frame >= frame)
		undo_last(f, s);
}

/* S sends its FIN again.  Had the tap seen an ACK of it, that ACK was lost
 * after the tap: S's history since is revised.  Once that has happened
 * twice, repeats of the ACK are believed only when S then stays quiet
 * past its next retransmission (flow_advance). */
static void
fin_resent(struct flow *f, enum tm_side s, const struct packet *p)
{
	struct fin_watch *w = &f->finw[s];
	struct tm_endpoint *ep = &f->v.ep[s];

	w->gap = p->ts - w->last_ts;
	w->last_ts = p->ts;
	w->deferred = 0;                /* the ACK held back did not arrive either */
	if (!ep->fin_acked)
		return;
	undo_from(f, s, ep->fin_ack_frame);
	ep->fin_acked = 0;
	if (w->ack_lost < 255)
		w->ack_lost++;
}

static void
sender_fin(struct flow *f, enum tm_side s, const struct packet *p, const struct flow_events *ev)
{
	struct tm_endpoint *ep = &f->v.ep[s];
	int crossed;

	if (ep->fin_sent) {
		fin_resent(f, s, p);
		return;
	}
	f->finw[s].last_ts = p->ts;
	ep->fin_sent = 1;
	ep->fin_seq = p->seq + p->len + !!(p->flags & TM_TH_SYN);
	ep->fin_frame = p->frame;
	if (f->first_fin == TM_NO_SIDE)
		f->first_fin = s;
	crossed = fins_crossed(f, s, p);
	if (crossed) {
		undo_last(f, s);
		f->crossed_fins = 1;
	}
	apply(f, s, EV_SEND_FIN, p->ts, p->frame, ev);
	if (crossed)                             /* the peer's FIN arrives now */
		apply(f, s, EV_RECV_FIN, p->ts, p->frame, ev);
}

/* A SYN-SENT endpoint acknowledging the peer's SYN has received its
 * SYN-ACK, whatever the tap saw of it. */
static int
acks_peer_syn(const struct flow *f, enum tm_side s, const struct packet *p)
{
	const struct tm_endpoint *peer = &f->v.ep[!s];

	return f->v.ep[s].state == TM_SYN_SENT && (p->flags & TM_TH_ACK) &&
	    peer->isn_known && p->ack == peer->isn + 1 && f->saw_synack[!s];
}

/* An endpoint that has not (by the reconstruction) received the peer's
 * FIN, acknowledging it: it did receive it, later than the tap saw it (a
 * repeat of its own FIN had made the FIN and the ACK it carried look lost). */
static int
acks_peer_fin(const struct flow *f, enum tm_side s, const struct packet *p)
{
	const struct tm_endpoint *peer = &f->v.ep[!s];
	enum tm_state st = f->v.ep[s].state;

	return (p->flags & TM_TH_ACK) && peer->fin_sent && tm_seq_gt(p->ack, peer->fin_seq) &&
	    (st == TM_ESTABLISHED || st == TM_FIN_WAIT_1 || st == TM_FIN_WAIT_2);
}

static void
sender_events(struct flow *f, enum tm_side s, const struct packet *p,
    const struct tm_segment *g, const struct flow_events *ev)
{
	if (p->flags & TM_TH_RST) {
		/* One the receiver would drop (out of window: forged or stale)
		 * moves nobody; the detectors judge it. */
		if (!g->in_window)
			return;
		if (f->first_rst == TM_NO_SIDE)
			f->first_rst = s;
		if (!(f->v.ep[0].fin_sent && f->v.ep[1].fin_sent))
			f->rst_before_fins = 1;
		f->rst_from[s] = 1;
		/* RST in reply to a SYN, never having answered it: no socket. */
		if (s == TM_SERVER && !f->saw_synack[s] && f->v.ep[s].state == TM_SYN_RECEIVED)
			revise(f, s, TM_CLOSED);
		apply(f, s, EV_SEND_RST, p->ts, p->frame, ev);
		return;
	}
	if (p->flags & TM_TH_SYN)
		sender_syn(f, s, p, ev);
	else if (acks_peer_syn(f, s, p))      /* it did get the SYN-ACK */
		apply(f, s, EV_RECV_SYNACK, p->ts, p->frame, ev);
	else if (acks_peer_fin(f, s, p)) {    /* it did get the peer's FIN */
		if (f->finw[s].deferred)         /* and the ACK of its own held back */
			ack_fin(f, s, f->finw[s].deferred_ts, f->finw[s].deferred_frame, ev);
		apply(f, s, EV_RECV_FIN, p->ts, p->frame, ev);
	}
	if (p->flags & TM_TH_FIN)
		sender_fin(f, s, p, ev);
}

/* R's FIN is acknowledged, at TS by FRAME. */
static void
ack_fin(struct flow *f, enum tm_side r, tm_time_t ts, uint64_t frame, const struct flow_events *ev)
{
	f->v.ep[r].fin_acked = 1;
	f->v.ep[r].fin_ack_frame = frame;
	f->finw[r].deferred = 0;
	apply(f, r, EV_RECV_ACK_OF_FIN, ts, frame, ev);
}

static void
receiver_acks(struct flow *f, enum tm_side r, const struct packet *p,
    const struct tm_segment *g, const struct flow_events *ev)
{
	struct tm_endpoint *ep = &f->v.ep[r];

	if (!(p->flags & TM_TH_ACK))
		return;
	if (ep->isn_known && tm_seq_gt(p->ack, ep->isn) && tm_seq_leq(p->ack, ep->snd_nxt)) {
		if (p->flags & TM_TH_SYN)
			apply(f, r, EV_RECV_SYNACK, p->ts, p->frame, ev);
		else if (ep->state == TM_SYN_RECEIVED) {
			apply(f, r, EV_RECV_ACK_OF_SYN, p->ts, p->frame, ev);
			if (r == TM_SERVER && f->saw_syn[TM_CLIENT] && f->saw_synack[TM_SERVER] &&
			    ev != NULL && ev->handshake != NULL)
				ev->handshake(ev->ctx, f, f->syn_ts, f->synack_ts, p->ts);
		}
	}
	if (ep->fin_sent && !ep->fin_acked && tm_seq_gt(p->ack, ep->fin_seq)) {
		struct fin_watch *w = &f->finw[r];

		/* Lost once is chance; lost twice, the path keeps losing it. */
		if (w->ack_lost >= 2 && (p->len == 0 || g->is_retransmission) &&
		    !(p->flags & TM_TH_FIN && f->v.ep[!r].fin_frame == p->frame)) {
			w->deferred = 1;        /* a repeat: wait for the sender's verdict */
			w->deferred_ts = p->ts;
			w->deferred_frame = p->frame;
			return;
		}
		ack_fin(f, r, p->ts, p->frame, ev);
	}
}

/* S resends its FIN with no ACK of it seen, and the receiver did nothing
 * since the first one: that first FIN never arrived. */
static int
first_fin_lost(const struct flow *f, enum tm_side s)
{
	const struct timeline *tl = &f->tl[!s];

	return !f->v.ep[s].fin_acked && tl->n > 0 &&
	    tl->items[tl->n - 1].frame == f->v.ep[s].fin_frame &&
	    tl->items[tl->n - 1].from != TM_FIN_WAIT_1;  /* not a crossing close */
}

/* The receiver R gets the FIN now, not when the tap first saw it. */
static void
redeliver_fin(struct flow *f, enum tm_side r, const struct packet *p, const struct flow_events *ev)
{
	undo_last(f, r);
	apply(f, r, EV_RECV_FIN, p->ts, p->frame, ev);
}

static void
receiver_events(struct flow *f, enum tm_side s, const struct packet *p,
    const struct tm_segment *g, const struct flow_events *ev)
{
	enum tm_side r = !s;

	if (p->flags & TM_TH_RST) {
		if (g->in_window)
			apply(f, r, EV_RECV_RST, p->ts, p->frame, ev);
		return;
	}
	if ((p->flags & TM_TH_SYN) && !(p->flags & TM_TH_ACK) && f->handshake != HS_SIMULTANEOUS)
		apply(f, r, EV_RECV_SYN, p->ts, p->frame, ev);
	receiver_acks(f, r, p, g, ev);
	if (!(p->flags & TM_TH_FIN))
		return;
	if (f->v.ep[s].fin_frame == p->frame)
		apply(f, r, EV_RECV_FIN, p->ts, p->frame, ev);
	else if (f->v.ep[r].state == TM_TIME_WAIT)
		f->timer_base[r] = p->ts;            /* a repeated FIN restarts 2MSL */
	else if (first_fin_lost(f, s))
		redeliver_fin(f, r, p, ev);
}

/* --- the ladder ---------------------------------------------------------- */

static int
foldable(const struct flow *f, const struct tm_segment *g, size_t transitions_before)
{
	size_t now = f->tl[0].n + f->tl[1].n;

	if (g->flags & (TM_TH_SYN | TM_TH_FIN | TM_TH_RST))
		return 0;
	if (now != transitions_before || g->is_retransmission)
		return 0;
	/* Once the close has begun, every segment counts. */
	return !f->v.ep[0].fin_sent && !f->v.ep[1].fin_sent;
}

/* The run of data from side S to extend: the last entry, or the one before
 * it when the two directions interleave. */
static struct ladder_entry *
open_run(struct flow *f, enum tm_side s)
{
	for (size_t back = 1; back <= 2 && back <= f->nladder; back++) {
		struct ladder_entry *e = &f->ladder[f->nladder - back];

		if (!e->folded)
			return NULL;
		if (e->from == s)
			return e;
	}
	return NULL;
}

static void
ladder_add(struct flow *f, const struct tm_segment *g, int fold)
{
	struct ladder_entry *e = fold ? open_run(f, g->from) : NULL;

	if (e != NULL) {
		e->last_frame = g->frame;
		e->last_ts = g->ts;
		e->flags |= g->flags;
		e->len += g->len;
		e->count++;
		return;
	}
	if (f->nladder >= FLOW_LADDER_MAX) {
		f->ladder_dropped++;
		return;
	}
	flow_grow(f, (void **)&f->ladder, &f->ladder_cap, f->nladder + 1, sizeof(*f->ladder));
	e = &f->ladder[f->nladder++];
	*e = (struct ladder_entry){ .frame = g->frame, .last_frame = g->frame, .ts = g->ts,
	    .last_ts = g->ts, .from = g->from, .flags = g->flags, .rel_seq = g->rel_seq,
	    .rel_ack = g->rel_ack, .len = g->len, .window = g->window, .count = 1,
	    .retransmission = g->is_retransmission, .folded = (uint8_t)fold };
}

/* --- the segment --------------------------------------------------------- */

static void
infer_midstream(struct flow *f, const struct packet *p, const struct flow_events *ev)
{
	for (int s = 0; s < 2; s++)
		if (f->v.ep[s].state == TM_UNKNOWN)
			apply(f, (enum tm_side)s, EV_INFER_ESTABLISHED, p->ts, p->frame, ev);
}

static void
note_data(struct flow *f, enum tm_side s, const struct packet *p)
{
	if (p->len == 0)
		return;
	if (f->v.ep[!s].fin_sent)
		f->data_after_fin[s] = 1;
	if (f->v.ep[s].fin_sent && tm_seq_geq(p->seq, f->v.ep[s].fin_seq + 1))
		f->data_after_own_fin[s] = 1;
}

/* The same packet seen twice by the tap: identical to the side's last
 * segment and far sooner than any retransmission timer could fire. */
static int
is_capture_duplicate(struct flow *f, enum tm_side s, const struct packet *p)
{
	int dup = f->v.ep[s].packets > 0 && f->last_from == s &&
	    p->ts - f->last[s].ts < DUPLICATE_WINDOW &&
	    p->ts >= f->last[s].ts && p->seq == f->last[s].seq && p->ack == f->last[s].ack &&
	    p->len == f->last[s].len && p->flags == f->last[s].flags &&
	    p->tsval == f->last[s].tsval;

	f->last[s].ts = p->ts;
	f->last[s].seq = p->seq;
	f->last[s].ack = p->ack;
	f->last[s].len = p->len;
	f->last[s].flags = p->flags;
	f->last[s].tsval = p->tsval;
	f->last_from = s;
	return dup;
}

void
flow_segment(struct flow *f, const struct packet *p, const struct tm_profile *prof,
    const struct flow_events *ev)
{
	enum tm_side s = flow_side_of(f, p);
	struct tm_segment g;
	size_t before;

	if (s == TM_NO_SIDE)
		return;
	if (is_capture_duplicate(f, s, p)) {
		f->duplicates++;
		f->packets++;
		f->v.last_frame = p->frame;
		return;
	}
	flow_advance(f, p->ts, prof, ev);
	if (f->v.midstream && !(p->flags & TM_TH_SYN))
		infer_midstream(f, p, ev);
	if (synack_reset(f, s, p))
		undo_to(f, s, TM_SYN_SENT);
	fill_segment(f, s, p, &g);
	judge_segment(f, s, p, &g);
	if (ev != NULL && ev->segment != NULL)
		ev->segment(ev->ctx, f, &g);
	before = f->tl[0].n + f->tl[1].n;
	note_data(f, s, p);
	track_sender(f, s, p);
	sender_events(f, s, p, &g, ev);
	receiver_events(f, s, p, &g, ev);
	ladder_add(f, &g, foldable(f, &g, before));
	if (p->ts > f->v.last_ts)
		f->v.last_ts = p->ts;
	f->v.last_frame = p->frame;
	f->packets++;
	f->bytes += p->len;
}

/* --- incarnations and the end ------------------------------------------- */

int
flow_is_new_incarnation(const struct flow *f, const struct packet *p)
{
	enum tm_side s = flow_side_of(f, p);
	const struct tm_endpoint *c = &f->v.ep[TM_CLIENT];

	if (!(p->flags & TM_TH_SYN) || (p->flags & (TM_TH_ACK | TM_TH_RST)) || s == TM_NO_SIDE)
		return 0;
	if (s == TM_CLIENT && c->isn_known && p->seq == c->isn && !f->v.midstream)
		return 0;                       /* the same SYN again */
	if (s == TM_SERVER && c->state == TM_SYN_SENT && f->v.ep[TM_SERVER].syn_count == 0)
		return 0;                       /* simultaneous open */
	/* A client waiting in SYN-SENT never sends a second ISN: a SYN with
	 * another one then is an old duplicate or a forgery on this tuple. */
	if (s == TM_CLIENT && c->state == TM_SYN_SENT && !f->saw_synack[TM_SERVER] &&
	    !f->v.midstream)
		return 0;
	return 1;
}

/* The side of OLD that has NEWF's side S's address and port. */
static enum tm_side
old_side(const struct flow *old, const struct flow *newf, enum tm_side s)
{
	return (newf->v.port[s] == old->v.port[TM_CLIENT] &&
	    tm_addr_eq(&newf->v.addr[s], &old->v.addr[TM_CLIENT])) ? TM_CLIENT : TM_SERVER;
}

static tm_time_t
time_wait_since(const struct flow *f, enum tm_side s)
{
	for (size_t i = f->tl[s].n; i > 0; i--)
		if (f->tl[s].items[i - 1].to == TM_TIME_WAIT)
			return f->tl[s].items[i - 1].ts;
	return 0;
}

void
flow_link_previous(struct flow *newf, const struct flow *old)
{
	struct tm_previous *pv = &newf->prev;

	memset(pv, 0, sizeof(*pv));
	pv->flow_id = old->v.id;
	pv->end_ts = old->v.last_ts;
	for (int s = 0; s < 2; s++) {
		enum tm_side o = old_side(old, newf, (enum tm_side)s);
		const struct tm_endpoint *ep = &old->v.ep[o];

		pv->final_state[s] = ep->state;
		pv->time_wait_since[s] = time_wait_since(old, o);
		pv->last_seq[s] = ep->snd_nxt;
		pv->isn[s] = ep->isn;
		pv->isn_known[s] = ep->isn_known;
		pv->has_ts[s] = ep->has_ts;
		pv->last_tsval[s] = ep->last_tsval;
	}
	newf->v.previous = pv;
	newf->v.incarnation = old->v.incarnation + 1;
}

int
flow_is_done(const struct flow *f)
{
	for (int s = 0; s < 2; s++)
		if (f->v.ep[s].state != TM_CLOSED && f->v.ep[s].state != TM_LISTEN)
			return 0;
	return 1;
}

static int
entered(const struct flow *f, enum tm_side s, enum tm_state st)
{
	for (size_t i = 0; i < f->tl[s].n; i++)
		if (f->tl[s].items[i].to == st)
			return 1;
	return 0;
}

static enum handshake
classify_handshake(const struct flow *f)
{
	if (f->handshake == HS_SIMULTANEOUS)
		return HS_SIMULTANEOUS;
	if (!f->saw_syn[TM_CLIENT])         /* the start was not captured */
		return entered(f, TM_SERVER, TM_ESTABLISHED) && f->saw_synack[TM_SERVER] ?
		    HS_COMPLETE : HS_MIDSTREAM;
	if (!f->saw_synack[TM_SERVER])
		return f->rst_from[TM_SERVER] ? HS_REFUSED : HS_NO_ANSWER;
	if (entered(f, TM_SERVER, TM_ESTABLISHED))
		return HS_COMPLETE;
	return HS_INCOMPLETE;
}

static void
classify_close(struct flow *f)
{
	const struct tm_endpoint *c = &f->v.ep[TM_CLIENT], *s = &f->v.ep[TM_SERVER];
	enum tm_side first;

	f->close = CLOSE_NONE;
	f->closer = CLOSER_NULL;
	if (f->crossed_fins) {
		f->close = CLOSE_SIMULTANEOUS;
		f->closer = CLOSER_BOTH;
		return;
	}
	if (f->rst_before_fins) {
		f->close = CLOSE_RST;
		first = f->first_rst;
	} else if (f->first_fin != TM_NO_SIDE) {
		first = f->first_fin;
		f->close = (c->fin_sent && s->fin_sent && !f->data_after_fin[!first]) ?
		    CLOSE_FIN : CLOSE_HALF;
	} else {
		return;
	}
	f->closer = first == TM_CLIENT ? CLOSER_CLIENT : CLOSER_SERVER;
}

void
flow_classify(struct flow *f)
{
	f->handshake = classify_handshake(f);
	classify_close(f);
}

void
flow_finish(struct flow *f, tm_time_t now, const struct tm_profile *prof,
    const struct flow_events *ev)
{
	/* A server that never answered acts as if it never got the SYN; a
	 * client that never acknowledged the SYN-ACK, as if it never got it. */
	if (f->v.ep[TM_SERVER].packets == 0 && f->v.ep[TM_SERVER].state == TM_SYN_RECEIVED)
		revise(f, TM_SERVER, TM_CLOSED);
	if (synack_never_arrived(f, TM_CLIENT))
		undo_to(f, TM_CLIENT, TM_SYN_SENT);
	flow_advance(f, now, prof, ev);
	flow_classify(f);
}

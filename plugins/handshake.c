/*
 * handshake.c: what goes wrong in the three-way handshake, per connection.
 *
 *   client                         server
 *     |  SYN            (1)            |   lost or unanswered: syn-retransmit,
 *     |------------------------------->|   handshake-timeout (SYN-SENT gives up)
 *     |  SYN,ACK        (2)            |   repeated: synack-retransmit
 *     |<-------------------------------|   RST,ACK instead: connection-refused
 *     |  ACK            (3)            |   lost: the server repeats (2) after
 *     |------------------------------->|   it, handshake-ack-lost
 *
 * Retransmissions are counted while they happen and reported once, when
 * the sender leaves its opening state (or the flow ends), so the finding
 * carries the whole series: count, gaps, evidence frames.  Everything is
 * per flow, in the slot; the detector keeps no global state.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

/* Transmissions of a SYN or SYN-ACK kept as evidence: Linux sends at most
 * 7 SYNs (tcp_syn_retries 6), macOS 11. */
#define MAX_SENDS 12

enum hs_kind { K_SYN_RETX, K_SYNACK_RETX, K_ACK_LOST, K_TIMEOUT, K_REFUSED, K_SYN_DATA,
	K_SIM_OPEN, K_OLD_DUP, K_COUNT };

static const char *const kinds[] = {
	[K_SYN_RETX] = "syn-retransmit", [K_SYNACK_RETX] = "synack-retransmit",
	[K_ACK_LOST] = "handshake-ack-lost", [K_TIMEOUT] = "handshake-timeout",
	[K_REFUSED] = "connection-refused", [K_SYN_DATA] = "syn-with-data",
	[K_SIM_OPEN] = "simultaneous-open", [K_OLD_DUP] = "old-duplicate-syn",
	[K_COUNT] = NULL,
};

/* Per side (the client's SYN, the server's SYN-ACK) the transmissions of
 * the opening segment.  Everything a handshake touches is in the first 64
 * bytes, and retransmissions in three more lines: a flood writes one of
 * these per SYN-ACK and reads it back when the connection is pushed out,
 * in memory long gone from the cache, and each line cost a miss (the
 * bench's flood took 4.36 s with the 448 bytes of the first layout, 4.13
 * with 240).  The times of the third transmission on, which only make the
 * gaps (printed to the hundredth), are kept to the microsecond. */
struct hs_flow {
	uint16_t n[2];          /* transmissions seen (saturating) */
	uint8_t kept[2];        /* of which recorded: at most MAX_SENDS */
	uint8_t done;           /* bit k: kind k reported already */
	uint8_t marks;          /* RETX_REPORTED(side), SIM_OPEN(side) */
	uint64_t first_frame[2];
	tm_time_t first_ts[2];
	uint64_t third_ack;     /* the client's ACK of the SYN-ACK */
	uint64_t bad_synack;    /* a SYN-ACK acknowledging a seq never sent */
	uint64_t server_syn;    /* the server's own SYN (simultaneous open) */
	/* -- 64 bytes -- */
	uint32_t bad_ack;
	uint32_t later_frame[2][MAX_SENDS - 1]; /* 2nd..: frames after the first's */
	tm_time_t second_ts[2];
	uint32_t later_us[2][MAX_SENDS - 2];    /* 3rd..: microseconds after the first */
};
_Static_assert(offsetof(struct hs_flow, bad_ack) == 64, "a handshake's fields fill one line");
_Static_assert(sizeof(struct hs_flow) == 256, "a connection's record fills four lines");

#define RETX_REPORTED(side) (1u << (side))      /* its retransmissions reported */
#define SIM_OPEN(side) (4u << (side))           /* went SYN-SENT -> SYN-RECEIVED */

/* A build may shrink the table (the fuzzing build does, to reach its full
 * table often): -DMAX_SERVERS=N. */
#ifndef MAX_SERVERS
#define MAX_SERVERS 1024
#endif

/* Per server address and kind: findings listed so far, and how many more
 * were folded into one summary (a scan or a flood would otherwise give one
 * finding per SYN).  Only the kinds a scan or flood repeats are folded. */
struct fold {
	uint64_t listed, folded;
	tm_time_t first;
	uint64_t frames[TM_MAX_EVIDENCE];
	size_t nframes;
};

struct hs_server {
	struct tm_addr addr;
	uint8_t used;
	struct fold fold[K_COUNT];
};

static const uint8_t foldable[K_COUNT] = {
	[K_SYN_RETX] = 1, [K_SYNACK_RETX] = 1, [K_TIMEOUT] = 1, [K_REFUSED] = 1,
};

/* Records of ended connections, kept for the next ones.  Under a flood
 * one record is made and one freed per spoofed SYN, the freed one written
 * long before: free(3) reads its header, a cache miss, and malloc(3) the
 * link inside the block it hands out, another.  Here only the pointers
 * are touched.  Each is still a malloc(3)ed block of the slot's size,
 * which the host may free when it packs a slot. */
#define SPARE_RECORDS 256

struct hs_state {
	struct plugin_base b;
	double max_per_host;
	size_t nspare;
	struct hs_flow *spare[SPARE_RECORDS];
	struct hs_server servers[MAX_SERVERS];
};

static const struct tm_option options[] = {
	{ "handshake.max-per-host", 20, "findings of one kind listed one by one per server "
	  "address (retransmits, timeouts, refusals); the rest are summed up" },
	{ NULL, 0, NULL }
};

/* A connection that is one SYN so far (most of a SYN flood) gets no
 * record: the SYN is the flow's first frame.  This view stands in. */
static struct hs_flow *
lone_syn(const struct tm_flow *fl, struct hs_flow *tmp)
{
	memset(tmp, 0, sizeof(*tmp));
	if (fl->ep[TM_CLIENT].syn_count == 0)
		return NULL;
	tmp->n[TM_CLIENT] = tmp->kept[TM_CLIENT] = 1;
	tmp->first_frame[TM_CLIENT] = fl->first_frame;
	tmp->first_ts[TM_CLIENT] = fl->first_ts;
	return tmp;
}

static struct hs_flow *
slot_view(void **slot, const struct tm_flow *fl, struct hs_flow *tmp)
{
	return *slot != NULL ? *slot : lone_syn(fl, tmp);
}

/* The record of this flow, made on its second handshake segment. */
static struct hs_flow *
slot_get(struct hs_state *st, void **slot, const struct tm_flow *fl)
{
	struct hs_flow tmp, *seed;

	if (*slot != NULL)
		return *slot;
	if (st->nspare > 0)
		*slot = st->spare[--st->nspare];
	else if ((*slot = malloc(sizeof(struct hs_flow))) == NULL)
		return NULL;
	seed = lone_syn(fl, &tmp);
	memcpy(*slot, seed != NULL ? seed : &tmp, sizeof(tmp));
	return *slot;
}

static int listed(struct hs_state *, const struct tm_flow *, enum hs_kind,
    const struct tm_finding *);

static void
report(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h, enum hs_kind k,
    struct tm_finding *f)
{
	if (h->done & (1u << k))
		return;
	h->done |= (uint8_t)(1u << k);
	if (!foldable[k] || listed(st, fl, k, f))
		st->b.host->report(st->b.ctx, f);
}

static uint64_t
send_frame(const struct hs_flow *h, enum tm_side s, unsigned i)
{
	return i == 0 ? h->first_frame[s] : h->first_frame[s] + h->later_frame[s][i - 1];
}

static tm_time_t
send_ts(const struct hs_flow *h, enum tm_side s, unsigned i)
{
	if (i < 2)
		return i == 0 ? h->first_ts[s] : h->second_ts[s];
	return h->first_ts[s] + (tm_time_t)h->later_us[s][i - 2] * 1000;
}

/* Whether the K-th transmission (K > 0), at FRAME and TS, can be recorded. */
static int
recordable(const struct hs_flow *h, enum tm_side s, unsigned k, uint64_t frame, tm_time_t ts)
{
	return k < MAX_SENDS && frame - h->first_frame[s] <= UINT32_MAX &&
	    (k < 2 || (ts >= h->first_ts[s] && (ts - h->first_ts[s]) / 1000 <= UINT32_MAX));
}

static void
evidence_sends(struct tm_finding *f, const struct hs_flow *h, enum tm_side s)
{
	for (unsigned i = 0; i < h->kept[s]; i++)
		plugin_evidence(f, send_frame(h, s, i));
}

/* A transmission by side S; one too far from the first to be recorded
 * (four billion frames, or 71 minutes) is counted only. */
static void
note_send(struct hs_flow *h, enum tm_side s, const struct tm_segment *seg)
{
	unsigned k = h->kept[s];

	if (k == 0) {
		h->first_frame[s] = seg->frame;
		h->first_ts[s] = seg->ts;
		h->kept[s] = 1;
	} else if (k == h->n[s] && recordable(h, s, k, seg->frame, seg->ts)) {
		h->later_frame[s][k - 1] = (uint32_t)(seg->frame - h->first_frame[s]);
		if (k == 1)
			h->second_ts[s] = seg->ts;
		else
			h->later_us[s][k - 2] = (uint32_t)((seg->ts - h->first_ts[s]) / 1000);
		h->kept[s]++;
	}
	if (h->n[s] < UINT16_MAX)
		h->n[s]++;
}

/* --- syn-retransmit, synack-retransmit ----------------------------------- */

static void
report_retx(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h, enum tm_side s)
{
	char detail[256], gaps[160], times[16];
	tm_time_t ts[MAX_SENDS];
	struct tm_finding f;

	if (h->n[s] < 2 || h->kept[s] < 2 || (h->marks & RETX_REPORTED(s)))
		return;
	h->marks |= (uint8_t)RETX_REPORTED(s);
	for (unsigned i = 0; i < h->kept[s]; i++)
		ts[i] = send_ts(h, s, i);
	plugin_gaps(ts, h->kept[s], gaps, sizeof(gaps));
	snprintf(detail, sizeof(detail), s == TM_CLIENT ?
	    "SYN retransmitted %s (gaps %s): the SYN or its SYN-ACK was lost, or the server's "
	    "accept queue was full (tcp_syn_retries, tcp_max_syn_backlog)" :
	    "SYN-ACK retransmitted %s (gaps %s): the SYN-ACK or the client's ACK was lost "
	    "(tcp_synack_retries)", plugin_times(h->n[s] - 1u, times, sizeof(times)), gaps);
	plugin_flow_finding(&f, kinds[s == TM_CLIENT ? K_SYN_RETX : K_SYNACK_RETX], fl, s,
	    ts[1], detail);
	evidence_sends(&f, h, s);
	report(st, fl, h, s == TM_CLIENT ? K_SYN_RETX : K_SYNACK_RETX, &f);
}

/* --- syn-with-data --------------------------------------------------------- */

static void
check_syn_data(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h,
    const struct tm_segment *seg)
{
	char detail[256];
	struct tm_finding f;

	if (seg->len == 0 || seg->is_retransmission)
		return;
	if (seg->has_tfo)
		snprintf(detail, sizeof(detail), "%s with %u bytes of data and a TCP Fast Open "
		    "option (cookie of %u bytes): TFO (RFC 7413, net.ipv4.tcp_fastopen)",
		    (seg->flags & TM_TH_ACK) ? "SYN-ACK" : "SYN", seg->len, seg->tfo_cookie_len);
	else
		snprintf(detail, sizeof(detail), "%s with %u bytes of data and no Fast Open "
		    "option: not TFO; a crafted or unusual stack (the data must be held until "
		    "the handshake completes)", (seg->flags & TM_TH_ACK) ? "SYN-ACK" : "SYN",
		    seg->len);
	plugin_flow_finding(&f, kinds[K_SYN_DATA], fl, seg->from, seg->ts, detail);
	plugin_evidence(&f, seg->frame);
	report(st, fl, h, K_SYN_DATA, &f);
}

/* --- connection-refused, old-duplicate-syn, handshake-ack-lost ------------ */

/* The flow put the client back in SYN-SENT (flow.c, synack_reset): it
 * answered the SYN-ACK with the RST of a host with no socket for it, so
 * it had given up before the SYN-ACK came, or never sent the SYN.  Folded
 * per server with the other timeouts: a flood's backscatter or a scan
 * repeats it once per SYN. */
static void
report_reset_synack(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h,
    const struct tm_segment *seg)
{
	char detail[512], ep[80];
	struct tm_finding f;
	tm_time_t sent = h->kept[TM_CLIENT] > 0 ? h->first_ts[TM_CLIENT] : fl->first_ts;

	snprintf(detail, sizeof(detail), "the client answered the SYN-ACK from %s, %.6g s "
	    "after its SYN, with RST instead of ACK: nothing waited for it any more, so "
	    "connect() had timed out or been closed before the answer (the application's "
	    "connect timeout, tcp_syn_retries), or the SYN was not the client's (a spoofed "
	    "source: SYN-flood backscatter; a half-open port scan)",
	    plugin_endpoint(&st->b, &fl->addr[TM_SERVER], fl->port[TM_SERVER], ep, sizeof(ep)),
	    plugin_seconds(h->first_ts[TM_SERVER] - sent));
	plugin_flow_finding(&f, kinds[K_TIMEOUT], fl, TM_CLIENT, seg->ts, detail);
	evidence_sends(&f, h, TM_CLIENT);
	plugin_evidence(&f, h->first_frame[TM_SERVER]);
	plugin_evidence(&f, seg->frame);
	report(st, fl, h, K_TIMEOUT, &f);
}

static void
check_rst(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h,
    const struct tm_segment *seg)
{
	char detail[256], ep[80];
	struct tm_finding f;
	enum tm_side s = seg->from;

	if (s == TM_SERVER && fl->ep[TM_CLIENT].state == TM_SYN_SENT &&
	    fl->ep[TM_SERVER].syn_count == 0 && (seg->flags & TM_TH_ACK)) {
		snprintf(detail, sizeof(detail), "%s refused the connection (RST,ACK in reply "
		    "to SYN): nothing listens on the port, or a firewall rejects with tcp-reset",
		    plugin_endpoint(&st->b, &fl->addr[TM_SERVER], fl->port[TM_SERVER], ep, sizeof(ep)));
		plugin_flow_finding(&f, kinds[K_REFUSED], fl, TM_SERVER, seg->ts, detail);
		evidence_sends(&f, h, TM_CLIENT);
		plugin_evidence(&f, seg->frame);
		report(st, fl, h, K_REFUSED, &f);
	} else if (s == TM_CLIENT && h->bad_synack != 0 && seg->seq == h->bad_ack) {
		snprintf(detail, sizeof(detail), "SYN-ACK acknowledged %u, a sequence number the "
		    "client never sent (an old duplicate SYN reached the server); the client "
		    "reset it as the third handshake step is meant to (RFC 9293 3.5)", h->bad_ack);
		plugin_flow_finding(&f, kinds[K_OLD_DUP], fl, TM_CLIENT, seg->ts, detail);
		evidence_sends(&f, h, TM_CLIENT);
		plugin_evidence(&f, h->bad_synack);
		plugin_evidence(&f, seg->frame);
		report(st, fl, h, K_OLD_DUP, &f);
	} else if (s == TM_CLIENT && !(seg->flags & TM_TH_ACK) &&
	    fl->ep[TM_CLIENT].state == TM_SYN_SENT && h->kept[TM_SERVER] > 0) {
		report_reset_synack(st, fl, h, seg);
	}
}

static void
report_ack_lost(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h,
    const struct tm_segment *seg, const char *how)
{
	char detail[320];
	struct tm_finding f;
	enum tm_vantage v = st->b.host->vantage(st->b.ctx);

	snprintf(detail, sizeof(detail), "the client's handshake ACK never reached the server: "
	    "%s%s (packet loss on the client-to-server path)", how,
	    v == TM_VANTAGE_SERVER ? "; seen next to the server, so it was lost before the tap" : "");
	plugin_flow_finding(&f, kinds[K_ACK_LOST], fl, TM_CLIENT, seg->ts, detail);
	f.vantage = v;
	plugin_evidence(&f, h->first_frame[TM_SERVER]);
	plugin_evidence(&f, h->third_ack);
	plugin_evidence(&f, seg->frame);
	report(st, fl, h, K_ACK_LOST, &f);
}

static void
on_synack(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h,
    const struct tm_segment *seg)
{
	const struct tm_endpoint *c = &fl->ep[TM_CLIENT];

	note_send(h, TM_SERVER, seg);
	if (h->third_ack != 0)
		report_ack_lost(st, fl, h, seg, "the server repeated its SYN-ACK after the ACK");
	if (c->isn_known && c->syn_count > 0 && seg->ack != c->isn + 1 && h->bad_synack == 0) {
		h->bad_synack = seg->frame;
		h->bad_ack = seg->ack;
	}
}

static void
on_client_ack(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h,
    const struct tm_segment *seg)
{
	const struct tm_endpoint *c = &fl->ep[TM_CLIENT], *s = &fl->ep[TM_SERVER];

	if (!(seg->flags & TM_TH_ACK) || !s->isn_known || seg->ack != s->isn + 1)
		return;
	if (c->state == TM_ESTABLISHED && h->third_ack == 0 && seg->len == 0)
		h->third_ack = seg->frame;
	/* Data while the server still waits, after it had to repeat its SYN-ACK. */
	if (seg->len > 0 && s->state == TM_SYN_RECEIVED && h->n[TM_SERVER] >= 2)
		report_ack_lost(st, fl, h, seg, "the client's first data arrived while the server, "
		    "having repeated its SYN-ACK, was still in SYN-RECEIVED");
}

static void
hs_segment(void *state, const struct tm_flow *fl, const struct tm_segment *seg, void **slot)
{
	struct hs_state *st = state;
	struct hs_flow *h;

	if (fl->midstream && !(seg->flags & TM_TH_SYN))
		return;
	if (*slot == NULL && seg->frame == fl->first_frame && seg->from == TM_CLIENT &&
	    (seg->flags & (TM_TH_SYN | TM_TH_ACK | TM_TH_RST)) == TM_TH_SYN && seg->len == 0)
		return;                 /* a lone SYN so far: see lone_syn() */
	if ((h = slot_get(st, slot, fl)) == NULL)
		return;
	if (seg->flags & TM_TH_RST) {
		check_rst(st, fl, h, seg);
		return;
	}
	if (seg->flags & TM_TH_SYN) {
		check_syn_data(st, fl, h, seg);
		/* In a simultaneous open each side's SYN-ACK repeats its own SYN:
		 * part of the protocol, not a retransmission. */
		if (seg->from == TM_CLIENT && !(seg->flags & TM_TH_ACK))
			note_send(h, TM_CLIENT, seg);
		else if (seg->from == TM_SERVER && (seg->flags & TM_TH_ACK))
			on_synack(st, fl, h, seg);
		else if (seg->from == TM_SERVER && h->server_syn == 0)
			h->server_syn = seg->frame;
		return;
	}
	if (seg->from == TM_CLIENT)
		on_client_ack(st, fl, h, seg);
}

/* --- transitions: simultaneous open, give-ups ------------------------------- */

static struct hs_server *
server_get(struct hs_state *st, const struct tm_addr *a)
{
	size_t i = (size_t)(plugin_hash_addr(a, 0) % MAX_SERVERS);

	for (size_t n = 0; n < 16; n++, i = (i + 1) % MAX_SERVERS) {
		struct hs_server *v = &st->servers[i];

		if (!v->used) {
			v->used = 1;
			v->addr = *a;
			return v;
		}
		if (plugin_addr_eq(&v->addr, a))
			return v;
	}
	return NULL;
}

/* Whether finding F of kind K is listed on its own; if not it is counted
 * in its server's summary. */
static int
listed(struct hs_state *st, const struct tm_flow *fl, enum hs_kind k,
    const struct tm_finding *f)
{
	struct hs_server *v = server_get(st, &fl->addr[TM_SERVER]);
	struct fold *fo;

	if (v == NULL)
		return 1;
	fo = &v->fold[k];
	if ((double)fo->listed < st->max_per_host) {
		fo->listed++;
		return 1;
	}
	if (fo->folded++ == 0)
		fo->first = f->ts;
	if (fo->nframes < TM_MAX_EVIDENCE && f->nframes > 0)
		fo->frames[fo->nframes++] = f->frames[0];
	return 0;
}

static void
report_fold(struct hs_state *st, const struct hs_server *v, enum hs_kind k)
{
	const struct fold *fo = &v->fold[k];
	char detail[320], addr[64];
	struct tm_finding f;

	st->b.host->addr_str(&v->addr, addr, sizeof(addr));
	snprintf(detail, sizeof(detail), "%llu more %s findings for server %s, summed up here "
	    "(a scan or a flood?); the first %llu are listed one by one "
	    "(handshake.max-per-host)", (unsigned long long)fo->folded, kinds[k], addr,
	    (unsigned long long)fo->listed);
	memset(&f, 0, sizeof(f));
	f.kind = kinds[k];
	f.side = TM_NO_SIDE;
	f.ts = fo->first;
	f.host = v->addr;
	f.nframes = fo->nframes;
	memcpy(f.frames, fo->frames, sizeof(f.frames));
	f.detail = detail;
	st->b.host->report(st->b.ctx, &f);
}

static void
hs_capture_end(void *state, tm_time_t end)
{
	struct hs_state *st = state;

	for (size_t i = 0; i < MAX_SERVERS; i++)
		for (int k = 0; k < K_COUNT && st->servers[i].used; k++)
			if (st->servers[i].fold[k].folded > 0)
				report_fold(st, &st->servers[i], (enum hs_kind)k);
}

static void
report_timeout(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h,
    enum tm_side s, tm_time_t ts, int unfinished)
{
	char detail[320], ep[80];
	struct tm_finding f;
	unsigned n = h->n[s];

	if (h->done & (1u << K_TIMEOUT))
		return;
	/* A client that went on sending more than SYNs had its SYN-ACK: the
	 * capture missed it (a one-way tap), the handshake did not fail. */
	if (s == TM_CLIENT && fl->ep[TM_CLIENT].packets >
	    fl->ep[TM_CLIENT].syn_count + fl->ep[TM_CLIENT].rst_count)
		return;
	plugin_endpoint(&st->b, &fl->addr[TM_SERVER], fl->port[TM_SERVER], ep, sizeof(ep));
	if (s == TM_CLIENT && unfinished)
		snprintf(detail, sizeof(detail), "no SYN-ACK from %s by the end of the capture "
		    "after %u SYN(s): unfinished (server down, filtered, or its backlog full)",
		    ep, n);
	else if (s == TM_CLIENT)
		snprintf(detail, sizeof(detail), "client gave up after %u SYN(s) without a "
		    "SYN-ACK from %s: server down, filtered, or its backlog full "
		    "(tcp_syn_retries)", n, ep);
	else
		snprintf(detail, sizeof(detail), "%s sent %u SYN-ACK(s) and %s the handshake "
		    "ACK: a spoofed SYN, or the ACK was lost (tcp_synack_retries)", ep, n,
		    unfinished ? "had not got, by the end of the capture," : "gave up without");
	plugin_flow_finding(&f, kinds[K_TIMEOUT], fl, s, ts, detail);
	evidence_sends(&f, h, s);
	report(st, fl, h, K_TIMEOUT, &f);
}

static void
report_sim_open(struct hs_state *st, const struct tm_flow *fl, struct hs_flow *h, tm_time_t ts)
{
	struct tm_finding f;

	plugin_flow_finding(&f, kinds[K_SIM_OPEN], fl, TM_NO_SIDE, ts,
	    "both sides sent a SYN without ACK and both passed SYN-RECEIVED: simultaneous "
	    "open (peer-to-peer NAT traversal, or a self-connect on one host)");
	evidence_sends(&f, h, TM_CLIENT);
	plugin_evidence(&f, h->server_syn);
	evidence_sends(&f, h, TM_SERVER);
	report(st, fl, h, K_SIM_OPEN, &f);
}

static void
hs_transition(void *state, const struct tm_flow *fl, const struct tm_transition *t, void **slot)
{
	struct hs_state *st = state;
	struct hs_flow tmp, *h = slot_view(slot, fl, &tmp);

	if (h == NULL)
		return;
	if (t->from == TM_SYN_SENT && t->to == TM_SYN_RECEIVED) {
		h->marks |= (uint8_t)SIM_OPEN(t->side);
		if (h->marks & SIM_OPEN(!t->side))
			report_sim_open(st, fl, h, t->ts);
	}
	if (t->from == TM_SYN_SENT || t->from == TM_SYN_RECEIVED)
		report_retx(st, fl, h, t->side);
	if (t->frame != 0)
		return;                 /* a segment's, not a timer's */
	if (strcmp(t->cause, "timer SYN-SENT") == 0)
		report_timeout(st, fl, h, TM_CLIENT, t->ts, 0);
	else if (strcmp(t->cause, "timer SYN-RECEIVED") == 0 && h->n[TM_SERVER] > 0 &&
	    h->n[TM_CLIENT] > 0)
		report_timeout(st, fl, h, TM_SERVER, t->ts, 0);
}

static void
hs_flow_end(void *state, const struct tm_flow *fl, void **slot)
{
	struct hs_state *st = state;
	struct hs_flow tmp, *h = slot_view(slot, fl, &tmp);

	if (h == NULL)
		return;
	report_retx(st, fl, h, TM_CLIENT);
	report_retx(st, fl, h, TM_SERVER);
	if (fl->end_reason == TM_END_CAPTURE_END) {
		if (fl->ep[TM_CLIENT].state == TM_SYN_SENT && h->n[TM_CLIENT] > 0)
			report_timeout(st, fl, h, TM_CLIENT, fl->end_ts, 1);
		else if (fl->ep[TM_SERVER].state == TM_SYN_RECEIVED && h->n[TM_SERVER] > 0 &&
		    h->n[TM_CLIENT] > 0)     /* unsolicited SYN-ACKs are backscatter */
			report_timeout(st, fl, h, TM_SERVER, fl->end_ts, 1);
	}
	if (*slot != NULL && st->nspare < SPARE_RECORDS)
		st->spare[st->nspare++] = *slot;
	else
		free(*slot);
	*slot = NULL;
}

static int
hs_init(struct tm_context *ctx, const struct tm_host *host, const struct tm_profile *profile,
    void **state)
{
	struct hs_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	plugin_base_init(&st->b, ctx, host, profile);
	st->max_per_host = host->option(ctx, "handshake.max-per-host", 20);
	*state = st;
	return 0;
}

static void
hs_fini(void *state)
{
	struct hs_state *st = state;

	while (st->nspare > 0)
		free(st->spare[--st->nspare]);
	free(st);
}

static const struct tm_detector handshake_detector = {
	.abi_version = TM_DETECTOR_ABI_VERSION,
	.struct_size = sizeof(struct tm_detector),
	.name = "handshake",
	.version = "1.0",
	.summary = "lost, repeated, refused, crossed and timed-out handshakes",
	.kinds = kinds,
	.options = options,
	.init = hs_init,
	.fini = hs_fini,
	.on_segment = hs_segment,
	.on_transition = hs_transition,
	.on_flow_end = hs_flow_end,
	.on_capture_end = hs_capture_end,
	.slot_size = sizeof(struct hs_flow), /* malloc(3)ed, no pointers: may be packed */
};

static const struct tm_detector *const detectors[] = { &handshake_detector, NULL };

const struct tm_detector *const *tm_detector_entry(void);

const struct tm_detector *const *
tm_detector_entry(void)
{
	return detectors;
}

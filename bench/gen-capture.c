/*
 * gen-capture: synthetic pcap captures for the tcpmortem benchmark.
 *
 * The capture is the output of a small discrete-event simulation, taken as
 * if by tcpdump on a busy server (the tap sits next to the servers, so a
 * server answers within microseconds and a client after one round trip):
 *
 *     slot 0   SYN  SYN-ACK ACK  req  rsp rsp ACK ...  FIN ACK FIN ACK | SYN ...
 *     slot 1      SYN SYN-ACK  ACK req rsp ACK ...  RST | SYN SYN SYN ...
 *     ...                                                                 time ->
 *     slot C-1  ...
 *
 * There are C ordinary "slots"; each runs one connection at a time and starts
 * the next one when it ends, so about C connections are open at every moment.
 * A binary heap keyed by the time of each slot's next segment interleaves
 * them.  A connection is a script: a phase and a few counters, advanced by
 * one step per segment (a table of step functions, one per phase); its kind
 * (clean close, reset, refused, lost SYN, lost FIN, half-open, ...) is drawn
 * from a weighted table when it starts.  Every retransmission goes through
 * one mechanism: a step may ask for the segment it just sent to be repeated
 * k times with a doubling timer.
 *
 * The capture ends like "tcpdump -c N": after exactly --packets ordinary
 * segments, whatever is still open stays open.  A run with --packets 2N is
 * therefore the same capture as with --packets N, continued.
 *
 * --syn-flood adds a Poisson stream of spoofed SYNs from random sources to
 * one server, each answered by a cookie SYN-ACK (or dropped), sometimes
 * followed by a RST from the spoofed host.  Hostile traffic for the
 * robustness tests comes the same way, each kind from its own Poisson
 * source at --hostile-rate: --one-packet (a lone segment from a random
 * host: connections of one packet), --port-scan (SYNs from one scanner to
 * consecutive ports, answered by RST or SYN-ACK), and, injected into the
 * ordinary connections without disturbing their scripts, --rst-storm
 * (blind resets: random, in-window and exact sequence numbers) and
 * --bad-retx (retransmissions overlapping data already sent, and segments
 * far out of the window).  --reuse gives every slot one
 * fixed 4-tuple (thousands of incarnations of each, new SYNs landing in the
 * old connection's TIME-WAIT) and turns retransmission up, with a share of
 * long bulk transfers: the input that exposes quadratic work per tuple or
 * per flow.
 *
 * Everything comes from one seeded PRNG and the simulation is sequential,
 * so the output is a function of the options alone.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPOCH_SEC    1763780000u        /* 2025-11-22: the capture's first second */
#define OUTBUF       (4u << 20)
#define CLIENT_SIDE  0
#define SERVER_SIDE  1

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

/* What a step asks the engine to wait before the connection's next segment. */
enum delay {
	D_END,          /* the connection is over */
	D_SERVER,       /* the server reacts (tap is next to it: microseconds) */
	D_CLIENT,       /* the client reacts: one round trip seen from the tap */
	D_BURST,        /* the same sender goes on back to back */
	D_THINK,        /* an application pause */
	D_RETX          /* a retransmission timer (doubling) runs out */
};

enum kind {
	K_CLOSE, K_FIN_RETX, K_SIM_CLOSE, K_HALF_CLOSE, K_ABORT,
	K_REFUSED, K_SYN_RETX, K_NO_ANSWER, K_SYNACK_ONLY, NKINDS, K_FLOOD = NKINDS,
	K_LONE, K_SCAN
};

enum phase {
	PH_SYN, PH_SYNACK, PH_ACK3, PH_REQ, PH_RESP, PH_CACK,
	PH_FIN1, PH_FIN2, PH_FIN3, PH_FIN4, PH_SIM2, PH_SIM3, PH_SIM4,
	PH_ABORT, PH_REFUSE, PH_FSYN, PH_FSYNACK, PH_FRST,
	PH_LONE, PH_PROBE, PH_PROBE_ANSWER, PH_PROBE_RST, NPHASES
};

/* The Poisson sources of traffic beside the ordinary slots.  In the event
 * heap a source is the slot number SOURCE_EV + source. */
enum source { SRC_FLOOD, SRC_LONE, SRC_SCAN, SRC_RST, SRC_RETX, NSOURCES };
#define SOURCE_EV (UINT32_MAX - NSOURCES + 1)

/* One segment as the tap sees it. */
struct seg {
	uint8_t dir;            /* CLIENT_SIDE or SERVER_SIDE: who sent it */
	uint8_t flags;
	uint8_t synopts;        /* carries the SYN options block */
	uint16_t len;           /* payload bytes */
	uint32_t seq, ack;
};

struct conn {
	uint32_t addr[2];       /* [CLIENT_SIDE], [SERVER_SIDE] */
	uint16_t port[2];
	uint32_t nxt[2];        /* next sequence number each side sends */
	uint32_t rtt_us;
	uint32_t rto_us;        /* first retransmission gap */
	uint16_t exchanges;     /* request/response rounds left */
	uint16_t burst;         /* response segments left in this round */
	uint8_t phase, kind, closer, threeway;
	uint8_t retx_left, retx_n, after;       /* pending repeats; delay after them */
	uint8_t seen, active;
	struct seg last;        /* what a retransmission repeats */
};

struct ev {
	uint64_t t;             /* microseconds since EPOCH_SEC */
	uint32_t slot;
};

/* The mix of connection kinds and how lossy the network is. */
struct profile {
	unsigned weight[NKINDS];        /* relative share of each kind */
	double data_retx;               /* chance a data segment is repeated */
	double bulk;                    /* chance a round is a bulk transfer */
	unsigned bulk_min, bulk_max;    /* segments in a bulk response */
};

static const struct profile normal_profile = {
	.weight = { [K_CLOSE] = 700, [K_FIN_RETX] = 40, [K_SIM_CLOSE] = 10,
	    [K_HALF_CLOSE] = 30, [K_ABORT] = 80, [K_REFUSED] = 40,
	    [K_SYN_RETX] = 50, [K_NO_ANSWER] = 30, [K_SYNACK_ONLY] = 20 },
	.data_retx = 0.01, .bulk = 0.005, .bulk_min = 50, .bulk_max = 400,
};

static const struct profile reuse_profile = {
	.weight = { [K_CLOSE] = 500, [K_FIN_RETX] = 150, [K_SIM_CLOSE] = 20,
	    [K_HALF_CLOSE] = 30, [K_ABORT] = 100, [K_REFUSED] = 50,
	    [K_SYN_RETX] = 100, [K_NO_ANSWER] = 30, [K_SYNACK_ONLY] = 20 },
	.data_retx = 0.30, .bulk = 0.03, .bulk_min = 200, .bulk_max = 2000,
};

struct opts {
	uint64_t packets;       /* ordinary segments to write */
	uint32_t concurrent;    /* ordinary slots */
	uint64_t seed;
	uint64_t count[NSOURCES]; /* what each source fires: spoofed SYNs, ... */
	double rate;            /* target ordinary packets per second */
	double flood_rate;      /* spoofed SYNs per second */
	double hostile_rate;    /* firings per second of each other source */
	double ramp;            /* seconds over which the slots start; <0: default */
	uint32_t snaplen;
	int reuse, steady, quiet;
	const char *output;
};

struct out {
	FILE *f;
	const char *name;
	unsigned char *buf;
	size_t len;
	uint64_t bytes;
	int failed;
};

struct gen {
	struct opts o;
	const struct profile *prof;
	unsigned weight_sum;
	struct conn *slot;
	uint32_t nslot, slotcap;
	uint32_t *freeflood, nfree;
	struct ev *heap;
	uint32_t nheap, heapcap;
	uint16_t *next_port;            /* per client host */
	uint32_t nhosts;
	uint64_t rng;
	uint64_t now, first_t, last_t;
	double think_us;
	uint64_t written, flood_written, hostile_written;
	uint64_t fired[NSOURCES];       /* firings that wrote something */
	uint16_t scan_port;
	uint64_t conns_started, conns_finished, open, max_open;
	uint64_t retired;               /* ordinary connections ended (warm-up) */
	int writing, sources_on;
	uint16_t ipid;
	struct out out;
};

typedef enum delay (*step_fn)(struct gen *g, struct conn *c, struct seg *s);

/* ---- randomness ------------------------------------------------------- */

/* splitmix64: small, fast, and good enough for traffic shapes. */
static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rnd_range(struct gen *g, uint32_t lo, uint32_t hi)
{
	return lo + rnd_below(g, hi - lo + 1);
}

static double rnd_unit(struct gen *g)
{
	return (double)(rnd(g) >> 11) * (1.0 / 9007199254740992.0);
}

static int rnd_chance(struct gen *g, double p)
{
	return rnd_unit(g) < p;
}

static double rnd_exp(struct gen *g, double mean)
{
	return -mean * log(1.0 - rnd_unit(g));
}

/* ---- segments ---------------------------------------------------------- */

/* A segment from side DIR with the given flags and payload, acking the peer. */
static void seg_make(struct conn *c, struct seg *s, int dir, uint8_t flags, uint16_t len)
{
	s->dir = (uint8_t)dir;
	s->flags = flags;
	s->len = len;
	s->synopts = (flags & F_SYN) != 0;
	s->seq = c->nxt[dir];
	s->ack = (flags & F_ACK) ? c->nxt[!dir] : 0;
	c->nxt[dir] += len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
}

/* Ask for the segment just sent to be repeated N times, RTO apart (doubling),
 * then continue with delay AFTER. */
static enum delay seg_repeat(struct conn *c, unsigned n, uint32_t rto_us, enum delay after)
{
	c->retx_left = (uint8_t)n;
	c->retx_n = 0;
	c->rto_us = rto_us;
	c->after = (uint8_t)after;
	return n ? D_RETX : after;
}

static enum delay react(int side)
{
	return side == SERVER_SIDE ? D_SERVER : D_CLIENT;
}

static uint32_t data_rto(const struct conn *c)
{
	return c->rtt_us * 2 > 200000 ? c->rtt_us * 2 : 200000;
}

/* ---- connection scripts: one step per segment --------------------------- */

static enum delay step_syn(struct gen *g, struct conn *c, struct seg *s)
{
	seg_make(c, s, CLIENT_SIDE, F_SYN, 0);
	switch (c->kind) {
	case K_REFUSED:
		c->phase = PH_REFUSE;
		return D_SERVER;
	case K_NO_ANSWER:       /* the client gives up early: its app timed out */
		c->phase = PH_SYN;
		return seg_repeat(c, rnd_range(g, 1, 4), 1000000, D_END);
	case K_SYN_RETX:
		c->phase = PH_SYNACK;
		return seg_repeat(c, rnd_range(g, 1, 2), 1000000, D_SERVER);
	default:
		c->phase = PH_SYNACK;
		return D_SERVER;
	}
}

static enum delay step_synack(struct gen *g, struct conn *c, struct seg *s)
{
	seg_make(c, s, SERVER_SIDE, F_SYN | F_ACK, 0);
	c->phase = PH_ACK3;
	if (c->kind == K_SYNACK_ONLY)
		return seg_repeat(c, rnd_range(g, 1, 5), 1000000, D_END);
	return D_CLIENT;
}

static enum delay step_ack3(struct gen *g, struct conn *c, struct seg *s)
{
	seg_make(c, s, CLIENT_SIDE, F_ACK, 0);
	c->exchanges = (uint16_t)rnd_range(g, 1, 4);
	c->phase = PH_REQ;
	/* Half the clients open the connection ahead of use (pools, push). */
	return rnd_chance(g, 0.5) ? D_THINK : D_BURST;
}

static void start_response(struct gen *g, struct conn *c)
{
	const struct profile *p = g->prof;

	if (rnd_chance(g, p->bulk))
		c->burst = (uint16_t)rnd_range(g, p->bulk_min, p->bulk_max);
	else
		c->burst = (uint16_t)rnd_range(g, 1, 6);
}

static enum delay step_req(struct gen *g, struct conn *c, struct seg *s)
{
	seg_make(c, s, CLIENT_SIDE, F_PSH | F_ACK, (uint16_t)rnd_range(g, 60, 700));
	start_response(g, c);
	c->phase = PH_RESP;
	if (rnd_chance(g, g->prof->data_retx))
		return seg_repeat(c, rnd_range(g, 1, 3), data_rto(c), D_SERVER);
	return D_SERVER;
}

/* The server sends its response two segments per client ACK (slow start). */
static enum delay step_resp(struct gen *g, struct conn *c, struct seg *s)
{
	uint16_t len = c->burst > 1 ? 1448 : (uint16_t)rnd_range(g, 1, 1448);

	c->burst--;
	seg_make(c, s, SERVER_SIDE, c->burst ? F_ACK : F_PSH | F_ACK, len);
	c->phase = (c->burst & 1) && c->burst ? PH_RESP : PH_CACK;
	if (rnd_chance(g, g->prof->data_retx))
		return seg_repeat(c, rnd_range(g, 1, 3), data_rto(c),
		    c->phase == PH_RESP ? D_BURST : D_CLIENT);
	return c->phase == PH_RESP ? D_BURST : D_CLIENT;
}

static enum delay step_cack(struct gen *g, struct conn *c, struct seg *s)
{
	seg_make(c, s, CLIENT_SIDE, F_ACK, 0);
	if (c->burst) {
		c->phase = PH_RESP;
		return D_SERVER;
	}
	if (--c->exchanges) {
		c->phase = PH_REQ;
		return D_THINK;
	}
	c->closer = rnd_chance(g, 0.6) ? CLIENT_SIDE : SERVER_SIDE;
	c->threeway = rnd_chance(g, 0.3);
	c->phase = c->kind == K_ABORT ? PH_ABORT : PH_FIN1;
	return D_THINK;
}

/* Wave 1: the active closer's FIN. */
static enum delay step_fin1(struct gen *g, struct conn *c, struct seg *s)
{
	int passive = !c->closer;

	seg_make(c, s, c->closer, F_FIN | F_ACK, 0);
	if (c->kind == K_SIM_CLOSE) {
		c->phase = PH_SIM2;
		return D_BURST;
	}
	c->phase = c->threeway && c->kind != K_HALF_CLOSE ? PH_FIN3 : PH_FIN2;
	if (c->kind == K_FIN_RETX)
		return seg_repeat(c, rnd_range(g, 1, 2), data_rto(c), react(passive));
	return react(passive);
}

/* Wave 2: the passive closer acknowledges; a half-close stops here
 * (the application never calls close(): CLOSE-WAIT for good). */
static enum delay step_fin2(struct gen *g, struct conn *c, struct seg *s)
{
	int passive = !c->closer;

	seg_make(c, s, passive, F_ACK, 0);
	c->phase = PH_FIN3;
	if (c->kind == K_HALF_CLOSE)
		return D_END;
	return rnd_chance(g, 0.5) ? D_BURST : D_THINK;
}

/* Wave 3: the passive closer's FIN (with wave 2 folded in on a three-way close). */
static enum delay step_fin3(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	seg_make(c, s, !c->closer, F_FIN | F_ACK, 0);
	c->phase = PH_FIN4;
	return react(c->closer);
}

/* Wave 4: the active closer's last ACK; it now sits in TIME-WAIT. */
static enum delay step_fin4(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	seg_make(c, s, c->closer, F_ACK, 0);
	return D_END;
}

/* Simultaneous close: the passive side's FIN crosses the closer's in flight,
 * so it does not acknowledge it. */
static enum delay step_sim2(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	seg_make(c, s, !c->closer, F_FIN | F_ACK, 0);
	s->ack--;
	c->phase = PH_SIM3;
	return D_BURST;
}

static enum delay step_sim3(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	seg_make(c, s, c->closer, F_ACK, 0);
	c->phase = PH_SIM4;
	return D_BURST;
}

static enum delay step_sim4(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	seg_make(c, s, !c->closer, F_ACK, 0);
	return D_END;
}

static enum delay step_abort(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	seg_make(c, s, c->closer, F_RST | F_ACK, 0);
	return D_END;
}

/* Nobody listens on the port: RST/ACK with sequence 0 acknowledging the SYN. */
static enum delay step_refuse(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	c->nxt[SERVER_SIDE] = 0;
	seg_make(c, s, SERVER_SIDE, F_RST | F_ACK, 0);
	return D_END;
}

static enum delay step_fsyn(struct gen *g, struct conn *c, struct seg *s)
{
	seg_make(c, s, CLIENT_SIDE, F_SYN, 0);
	c->phase = PH_FSYNACK;
	return rnd_chance(g, 0.8) ? D_SERVER : D_END;       /* else: backlog drop */
}

/* A cookie SYN-ACK: no state on the server, so never retransmitted. */
static enum delay step_fsynack(struct gen *g, struct conn *c, struct seg *s)
{
	seg_make(c, s, SERVER_SIDE, F_SYN | F_ACK, 0);
	c->phase = PH_FRST;
	return rnd_chance(g, 0.05) ? D_CLIENT : D_END;      /* the spoofed host exists */
}

static enum delay step_frst(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	seg_make(c, s, CLIENT_SIDE, F_RST, 0);
	return D_END;
}

/* A connection of one segment: a random host sends something midstream. */
static enum delay step_lone(struct gen *g, struct conn *c, struct seg *s)
{
	static const uint8_t flags[] = { F_ACK, F_PSH | F_ACK, F_FIN | F_ACK, F_RST | F_ACK,
	    F_RST, F_SYN, F_SYN | F_ACK };
	uint8_t f = flags[rnd_below(g, sizeof flags)];

	seg_make(c, s, CLIENT_SIDE, f, f & F_PSH ? (uint16_t)rnd_range(g, 1, 1200) : 0);
	return D_END;
}

/* A half-open scan: the scanner's SYN; a closed port (most) resets it, an
 * open one answers and gets the scanner's RST. */
static enum delay step_probe(struct gen *g, struct conn *c, struct seg *s)
{
	seg_make(c, s, CLIENT_SIDE, F_SYN, 0);
	c->phase = PH_PROBE_ANSWER;
	return rnd_chance(g, 0.02) ? D_END : D_SERVER;      /* filtered: no answer */
}

static enum delay step_probe_answer(struct gen *g, struct conn *c, struct seg *s)
{
	if (rnd_chance(g, 0.9)) {
		c->nxt[SERVER_SIDE] = 0;
		seg_make(c, s, SERVER_SIDE, F_RST | F_ACK, 0);
		return D_END;
	}
	seg_make(c, s, SERVER_SIDE, F_SYN | F_ACK, 0);
	c->phase = PH_PROBE_RST;
	return D_CLIENT;
}

static enum delay step_probe_rst(struct gen *g, struct conn *c, struct seg *s)
{
	(void)g;
	seg_make(c, s, CLIENT_SIDE, F_RST, 0);
	return D_END;
}

static const step_fn steps[NPHASES] = {
	[PH_SYN] = step_syn, [PH_SYNACK] = step_synack, [PH_ACK3] = step_ack3,
	[PH_REQ] = step_req, [PH_RESP] = step_resp, [PH_CACK] = step_cack,
	[PH_FIN1] = step_fin1, [PH_FIN2] = step_fin2, [PH_FIN3] = step_fin3,
	[PH_FIN4] = step_fin4, [PH_SIM2] = step_sim2, [PH_SIM3] = step_sim3,
	[PH_SIM4] = step_sim4, [PH_ABORT] = step_abort, [PH_REFUSE] = step_refuse,
	[PH_FSYN] = step_fsyn, [PH_FSYNACK] = step_fsynack, [PH_FRST] = step_frst,
	[PH_LONE] = step_lone, [PH_PROBE] = step_probe,
	[PH_PROBE_ANSWER] = step_probe_answer, [PH_PROBE_RST] = step_probe_rst,
};

/* The next segment of C: a pending repeat of the last one, or the script's. */
static enum delay conn_step(struct gen *g, struct conn *c, struct seg *s)
{
	if (c->retx_left) {
		*s = c->last;
		c->retx_left--;
		c->retx_n++;
		return c->retx_left ? D_RETX : (enum delay)c->after;
	}
	enum delay d = steps[c->phase](g, c, s);
	c->last = *s;
	return d;
}

/* ---- pcap output -------------------------------------------------------- */

static void out_put(struct out *o, const void *p, size_t n)
{
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->failed = errno ? errno : EIO;
	o->bytes += o->len;
	o->len = 0;
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void out_header(struct out *o, uint32_t snaplen)
{
	uint32_t h[6] = { 0xa1b2c3d4u, 2 | (4u << 16), 0, 0, snaplen, 1 /* Ethernet */ };

	out_put(o, h, sizeof h);
}

static uint16_t ip_checksum(const unsigned char *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* MSS 1460, NOP, window scale 7, NOP, NOP, SACK permitted. */
static const unsigned char syn_options[12] = {
	2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2
};

/* Ethernet + IPv4 + TCP headers of S into P; returns the header bytes. */
static size_t frame_headers(struct gen *g, const struct conn *c, const struct seg *s,
    unsigned char *p)
{
	static const unsigned char mac[2][6] = {
		{ 0x02, 0, 0, 0, 0, 0x01 }, { 0x02, 0, 0, 0, 0, 0x02 }
	};
	size_t tcplen = 20 + (s->synopts ? sizeof syn_options : 0);
	unsigned char *ip = p + 14, *tcp = ip + 20;

	memcpy(p, mac[!s->dir], 6);
	memcpy(p + 6, mac[s->dir], 6);
	put16(p + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + tcplen + s->len));
	put16(ip + 4, g->ipid++);
	put16(ip + 6, 0x4000);                          /* don't fragment */
	ip[8] = s->dir == SERVER_SIDE ? 64 : 52;
	ip[9] = 6;
	put32(ip + 12, c->addr[s->dir]);
	put32(ip + 16, c->addr[!s->dir]);
	put16(ip + 10, ip_checksum(ip, 20));
	memset(tcp, 0, tcplen);
	put16(tcp, c->port[s->dir]);
	put16(tcp + 2, c->port[!s->dir]);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	tcp[12] = (unsigned char)((tcplen / 4) << 4);
	tcp[13] = s->flags;
	put16(tcp + 14, s->synopts ? 64240 : 502);
	if (s->synopts)
		memcpy(tcp + 20, syn_options, sizeof syn_options);
	return 14 + 20 + tcplen;
}

/* Append one record: headers, then zero payload up to the snap length. */
static void out_segment(struct gen *g, const struct conn *c, const struct seg *s)
{
	struct out *o = &g->out;
	unsigned char *rec = o->buf + o->len, *frame = rec + 16;
	size_t hdr = frame_headers(g, c, s, frame);
	uint32_t wire = (uint32_t)(hdr + s->len);
	uint32_t cap = wire < g->o.snaplen ? wire : g->o.snaplen;
	uint64_t t = g->now;
	uint32_t rh[4] = { EPOCH_SEC + (uint32_t)(t / 1000000), (uint32_t)(t % 1000000), cap, wire };

	if (cap > hdr)
		memset(frame + hdr, 0, cap - hdr);
	memcpy(rec, rh, sizeof rh);
	o->len += 16 + cap;
	if (o->len > OUTBUF - 65536)
		out_flush(o);
}

/* ---- the event heap ------------------------------------------------------ */

static void heap_push(struct gen *g, uint64_t t, uint32_t slot)
{
	if (g->nheap == g->heapcap) {
		g->heapcap = g->heapcap ? g->heapcap * 2 : 1024;
		g->heap = realloc(g->heap, g->heapcap * sizeof *g->heap);
		if (!g->heap) {
			perror("gen-capture");
			exit(1);
		}
	}
	uint32_t i = g->nheap++;
	while (i && g->heap[(i - 1) / 2].t > t) {
		g->heap[i] = g->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->heap[i] = (struct ev){ t, slot };
}

static struct ev heap_pop(struct gen *g)
{
	struct ev top = g->heap[0], last = g->heap[--g->nheap];
	uint32_t i = 0, n = g->nheap;

	for (;;) {
		uint32_t k = 2 * i + 1;
		if (k >= n)
			break;
		if (k + 1 < n && g->heap[k + 1].t < g->heap[k].t)
			k++;
		if (g->heap[k].t >= last.t)
			break;
		g->heap[i] = g->heap[k];
		i = k;
	}
	if (n)
		g->heap[i] = last;
	return top;
}

/* ---- connections -------------------------------------------------------- */

static enum kind pick_kind(struct gen *g)
{
	uint32_t r = rnd_below(g, g->weight_sum);
	unsigned k;

	for (k = 0; k < NKINDS - 1 && r >= g->prof->weight[k]; k++)
		r -= g->prof->weight[k];
	return (enum kind)k;
}

/* Round trips between 1 ms and 150 ms, spread evenly on a log scale. */
static uint32_t pick_rtt(struct gen *g)
{
	return (uint32_t)(1000.0 * exp(rnd_unit(g) * log(150.0)));
}

static void pick_server(struct gen *g, struct conn *c)
{
	static const uint16_t ports[4] = { 80, 443, 8080, 5432 };
	uint32_t s = g->o.reuse ? 0 : rnd_below(g, 8);

	c->addr[SERVER_SIDE] = 0xc0a8010au + s;         /* 192.168.1.10 + s */
	c->port[SERVER_SIDE] = ports[s % 4];
}

/* An ephemeral port from a random client host, each host cycling through
 * Linux's range (32768-60999) as the kernel does. */
static void pick_client(struct gen *g, struct conn *c, uint32_t slot)
{
	if (g->o.reuse) {
		c->addr[CLIENT_SIDE] = 0x0a010000u + slot / 16;
		c->port[CLIENT_SIDE] = (uint16_t)(40000 + slot % 16);
		return;
	}
	uint32_t h = rnd_below(g, g->nhosts);
	uint16_t *p = &g->next_port[h];

	c->addr[CLIENT_SIDE] = 0x0a000000u | ((h * 2654435761u + 1) & 0xffffffu);
	c->port[CLIENT_SIDE] = (uint16_t)(32768 + *p);
	*p = (uint16_t)((*p + 1) % 28232);
}

/* A new incarnation's ISN: above the old one's last sequence number, as
 * RFC 1122 asks of a TIME-WAIT reuse, except now and then. */
static uint32_t pick_isn(struct gen *g, const struct conn *old)
{
	if (g->o.reuse && old->active && rnd_chance(g, 0.9))
		return old->nxt[CLIENT_SIDE] + rnd_range(g, 64000, 1u << 20);
	return (uint32_t)rnd(g);
}

static void conn_start(struct gen *g, struct conn *c, uint32_t slot)
{
	uint32_t isn = pick_isn(g, c);

	memset(c, 0, sizeof *c);
	c->active = 1;
	c->kind = (uint8_t)pick_kind(g);
	c->phase = PH_SYN;
	c->rtt_us = pick_rtt(g);
	pick_client(g, c, slot);
	pick_server(g, c);
	c->nxt[CLIENT_SIDE] = isn;
	c->nxt[SERVER_SIDE] = (uint32_t)rnd(g);
	g->conns_started += g->writing;
}

/* A spoofed SYN: any unicast-looking source, any port. */
static void flood_start(struct gen *g, struct conn *c)
{
	memset(c, 0, sizeof *c);
	c->active = 1;
	c->kind = K_FLOOD;
	c->phase = PH_FSYN;
	c->rtt_us = pick_rtt(g);
	c->addr[CLIENT_SIDE] = rnd_range(g, 0x01000000u, 0xdfffffffu);
	c->port[CLIENT_SIDE] = (uint16_t)rnd_range(g, 1024, 65535);
	c->addr[SERVER_SIDE] = 0xc0a8010au;
	c->port[SERVER_SIDE] = 80;
	c->nxt[CLIENT_SIDE] = (uint32_t)rnd(g);
	c->nxt[SERVER_SIDE] = (uint32_t)rnd(g);
}

static uint64_t delay_us(struct gen *g, const struct conn *c, enum delay d)
{
	switch (d) {
	case D_SERVER: return rnd_range(g, 20, 250);
	case D_CLIENT: return c->rtt_us + rnd_below(g, c->rtt_us / 8 + 1);
	case D_BURST:  return rnd_range(g, 5, 60);
	case D_THINK:  return 1 + (uint64_t)rnd_exp(g, g->think_us);
	case D_RETX:   return (uint64_t)c->rto_us << (c->retx_n < 16 ? c->retx_n : 16);
	default:       return 0;
	}
}

/* A lone segment from any unicast-looking host to one of the servers. */
static void lone_start(struct gen *g, struct conn *c)
{
	memset(c, 0, sizeof *c);
	c->active = 1;
	c->kind = K_LONE;
	c->phase = PH_LONE;
	c->rtt_us = pick_rtt(g);
	c->addr[CLIENT_SIDE] = rnd_range(g, 0x01000000u, 0xdfffffffu);
	c->port[CLIENT_SIDE] = (uint16_t)rnd_range(g, 1024, 65535);
	pick_server(g, c);
	c->nxt[CLIENT_SIDE] = (uint32_t)rnd(g);
	c->nxt[SERVER_SIDE] = (uint32_t)rnd(g);
}

/* The scanner 10.66.0.1:61000 tries the next port of 192.168.1.20 (after
 * 65535 probes, the first port again: the 4-tuples are reused). */
static void probe_start(struct gen *g, struct conn *c)
{
	memset(c, 0, sizeof *c);
	c->active = 1;
	c->kind = K_SCAN;
	c->phase = PH_PROBE;
	c->rtt_us = 200;
	c->addr[CLIENT_SIDE] = 0x0a420001u;
	c->port[CLIENT_SIDE] = 61000;
	c->addr[SERVER_SIDE] = 0xc0a80114u;
	g->scan_port = (uint16_t)(g->scan_port % 65535 + 1);
	c->port[SERVER_SIDE] = g->scan_port;
	c->nxt[CLIENT_SIDE] = (uint32_t)rnd(g);
	c->nxt[SERVER_SIDE] = (uint32_t)rnd(g);
}

/* An ordinary connection past its handshake, at random; NULL when a few
 * tries find none. */
static struct conn *live_conn(struct gen *g)
{
	for (int tries = 0; tries < 8 && g->o.concurrent; tries++) {
		struct conn *c = &g->slot[rnd_below(g, g->o.concurrent)];

		if (c->active && c->seen && c->phase >= PH_REQ && c->phase <= PH_SIM4)
			return c;
	}
	return NULL;
}

/* One segment into a live ordinary connection, from either side, without
 * advancing its script: a reset (SRC_RST: blind, in the window, or exact)
 * or a bad retransmission (SRC_RETX: overlapping what was sent, or a
 * gigabyte out of the window).  1 if it was written. */
static int inject(struct gen *g, enum source src)
{
	struct conn *c = live_conn(g);
	struct seg s;
	uint32_t r, far;

	if (c == NULL)
		return 0;
	memset(&s, 0, sizeof s);
	s.dir = (uint8_t)rnd_below(g, 2);
	s.ack = c->nxt[!s.dir];
	r = rnd_below(g, 10);
	if (src == SRC_RST) {
		s.flags = rnd_chance(g, 0.5) ? F_RST : F_RST | F_ACK;
		s.seq = r < 6 ? (uint32_t)rnd(g) : r < 9 ?
		    c->nxt[s.dir] + rnd_range(g, 1, 65535) : c->nxt[s.dir];
		if (!(s.flags & F_ACK))
			s.ack = 0;
	} else {
		s.flags = F_PSH | F_ACK;
		s.len = (uint16_t)rnd_range(g, 1, 1448);
		far = 0x40000000u + rnd_below(g, 1u << 20);
		s.seq = r < 7 ? c->nxt[s.dir] - rnd_range(g, 1, 1448) :
		    r < 9 ? c->nxt[s.dir] + far : c->nxt[s.dir] - far;
	}
	out_segment(g, c, &s);
	g->last_t = g->now;
	g->hostile_written++;
	return 1;
}

static uint32_t flood_slot(struct gen *g)
{
	if (g->nfree)
		return g->freeflood[--g->nfree];
	if (g->nslot == g->slotcap) {
		g->slotcap *= 2;
		g->slot = realloc(g->slot, g->slotcap * sizeof *g->slot);
		g->freeflood = realloc(g->freeflood, g->slotcap * sizeof *g->freeflood);
		if (!g->slot || !g->freeflood) {
			perror("gen-capture");
			exit(1);
		}
	}
	return g->nslot++;
}

/* Source SRC fires: a new short connection in an extra slot (a spoofed
 * SYN, a lone segment, a scan probe) or a segment injected into an
 * ordinary one; then its next arrival, until its count is reached.
 * Injections also end with the ordinary traffic they ride on. */
static void source_fire(struct gen *g, enum source src)
{
	double rate = src == SRC_FLOOD ? g->o.flood_rate : g->o.hostile_rate;

	if (src == SRC_RST || src == SRC_RETX) {
		if (g->written >= g->o.packets)
			return;
		g->fired[src] += (uint64_t)inject(g, src);
	} else {
		uint32_t i = flood_slot(g);

		if (src == SRC_FLOOD)
			flood_start(g, &g->slot[i]);
		else if (src == SRC_LONE)
			lone_start(g, &g->slot[i]);
		else
			probe_start(g, &g->slot[i]);
		g->fired[src]++;
		heap_push(g, g->now, i);
	}
	if (g->fired[src] < g->o.count[src])
		heap_push(g, g->now + (uint64_t)(rnd_exp(g, 1e6 / rate) + 0.5), SOURCE_EV + src);
}

/* Slots past the ordinary ones hold the sources' short connections. */
static int is_extra(const struct gen *g, uint32_t i)
{
	return i >= g->o.concurrent;
}

/* The capture starts (at once, or after the warm-up of --steady). */
static void capture_begin(struct gen *g)
{
	g->writing = 1;
	g->first_t = g->now;
	if (!g->sources_on) {
		g->sources_on = 1;
		for (unsigned src = 0; src < NSOURCES; src++)
			if (g->o.count[src])
				heap_push(g, g->now, SOURCE_EV + src);
	}
}

static void record(struct gen *g, struct conn *c, const struct seg *s, int extra)
{
	if (!g->writing)
		return;
	if (!c->seen) {
		c->seen = 1;
		if (++g->open > g->max_open)
			g->max_open = g->open;
	}
	out_segment(g, c, s);
	g->last_t = g->now;
	if (!extra)
		g->written++;
	else if (c->kind == K_FLOOD)
		g->flood_written++;
	else
		g->hostile_written++;
}

static void conn_over(struct gen *g, struct conn *c, uint32_t i)
{
	if (c->seen) {
		g->open--;
		g->conns_finished++;
	}
	if (is_extra(g, i)) {
		c->active = 0;
		g->freeflood[g->nfree++] = i;
		return;
	}
	g->retired++;
	if (!g->writing && g->retired >= g->o.concurrent)
		capture_begin(g);
	conn_start(g, c, i);
	heap_push(g, g->now + delay_us(g, c, D_THINK), i);
}

/* Advance slot I by one segment. */
static void slot_fire(struct gen *g, uint32_t i)
{
	struct conn *c = &g->slot[i];
	int extra = is_extra(g, i);
	struct seg s;

	if (!extra && g->written >= g->o.packets)
		return;                 /* the ordinary traffic is all written */
	enum delay d = conn_step(g, c, &s);
	record(g, c, &s, extra);
	if (d == D_END)
		conn_over(g, c, i);
	else
		heap_push(g, g->now + delay_us(g, c, d), i);
}

static void gen_run(struct gen *g)
{
	while (g->nheap) {
		struct ev e = heap_pop(g);

		g->now = e.t;
		if (e.slot >= SOURCE_EV)
			source_fire(g, (enum source)(e.slot - SOURCE_EV));
		else
			slot_fire(g, e.slot);
	}
	out_flush(&g->out);
}

/* Slots start spread over the ramp (by default a quarter of a think time):
 * a busy start, but not all in the same microsecond. */
static void gen_init(struct gen *g)
{
	uint32_t n = g->o.concurrent;

	g->rng = g->o.seed * 0x2545f4914f6cdd1dULL + 1;
	g->prof = g->o.reuse ? &reuse_profile : &normal_profile;
	for (unsigned k = 0; k < NKINDS; k++)
		g->weight_sum += g->prof->weight[k];
	/* Little's law: C slots at RATE packets/s give each connection C*L/RATE
	 * seconds.  Measured on this generator, a connection averages L = 20
	 * segments, 0.4 s of round trips and timers, and 3.2 think pauses; the
	 * think time fills the rest (the rate is out of reach when C is small). */
	g->think_us = (20.0 * n / g->o.rate - 0.4) / 3.2 * 1e6;
	if (g->think_us < 10000)
		g->think_us = 10000;
	g->nhosts = n / 4 > 1024 ? n / 4 : 1024;
	g->next_port = calloc(g->nhosts, sizeof *g->next_port);
	g->slotcap = n + 1024;
	g->nslot = n;
	g->slot = calloc(g->slotcap, sizeof *g->slot);
	g->freeflood = calloc(g->slotcap, sizeof *g->freeflood);
	g->out.buf = malloc(OUTBUF);
	if (!g->next_port || !g->slot || !g->freeflood || !g->out.buf) {
		perror("gen-capture");
		exit(1);
	}
	if (!g->o.steady || !n || !g->o.packets)
		capture_begin(g);
	double ramp_us = g->o.ramp >= 0 ? g->o.ramp * 1e6 : g->think_us / 4;
	for (uint32_t i = 0; i < n && g->o.packets; i++) {
		conn_start(g, &g->slot[i], i);
		heap_push(g, (uint64_t)(rnd_unit(g) * ramp_us), i);
	}
}

/* ---- command line --------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: gen-capture [OPTIONS] -o FILE\n"
	    "  -o, --output FILE      pcap file to write (- for standard output)\n"
	    "  -n, --packets N        ordinary TCP segments to write (default 1000000)\n"
	    "  -c, --concurrent C     connections open at once (default 10000)\n"
	    "  -s, --seed S           PRNG seed (default 1); same options, same bytes\n"
	    "      --rate PPS         ordinary packets per second of capture time (100000)\n"
	    "      --syn-flood N      add N spoofed SYNs to 192.168.1.10:80\n"
	    "      --flood-rate PPS   spoofed SYNs per second (default 200000)\n"
	    "      --one-packet N     add N connections of one segment from random hosts\n"
	    "      --port-scan N      add N SYN probes of 192.168.1.20's ports from 10.66.0.1\n"
	    "      --rst-storm N      inject N resets into the ordinary connections\n"
	    "      --bad-retx N       inject N overlapping or out-of-window retransmissions\n"
	    "      --hostile-rate PPS each of the four above, per second (default 100000)\n"
	    "      --reuse            one fixed 4-tuple per slot, heavy retransmission\n"
	    "      --ramp SECS        start the slots over SECS (default: a quarter of the\n"
	    "                         mean think time, which follows from C and --rate)\n"
	    "      --steady           skip the warm-up: start on C connections in flight\n"
	    "      --snaplen N        bytes kept per frame (default 128)\n"
	    "  -q, --quiet            no summary on standard error\n", f);
}

static int parse_num(const char *arg, const char *name, double lo, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end || *v < lo) {
		fprintf(stderr, "gen-capture: bad value '%s' for --%s\n", arg, name);
		return -1;
	}
	return 0;
}

enum { O_RATE = 256, O_FLOOD, O_FLOOD_RATE, O_REUSE, O_STEADY, O_SNAPLEN, O_RAMP,
	O_LONE, O_SCAN, O_RST, O_RETX, O_HOSTILE_RATE };

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "packets", required_argument, NULL, 'n' },
	{ "concurrent", required_argument, NULL, 'c' },
	{ "seed", required_argument, NULL, 's' },
	{ "rate", required_argument, NULL, O_RATE },
	{ "syn-flood", required_argument, NULL, O_FLOOD },
	{ "flood-rate", required_argument, NULL, O_FLOOD_RATE },
	{ "one-packet", required_argument, NULL, O_LONE },
	{ "port-scan", required_argument, NULL, O_SCAN },
	{ "rst-storm", required_argument, NULL, O_RST },
	{ "bad-retx", required_argument, NULL, O_RETX },
	{ "hostile-rate", required_argument, NULL, O_HOSTILE_RATE },
	{ "reuse", no_argument, NULL, O_REUSE },
	{ "steady", no_argument, NULL, O_STEADY },
	{ "snaplen", required_argument, NULL, O_SNAPLEN },
	{ "ramp", required_argument, NULL, O_RAMP },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char *opt_name(int ch)
{
	for (const struct option *lo = longopts; lo->name; lo++)
		if (lo->val == ch)
			return lo->name;
	return "?";
}

static int set_opt(struct opts *o, int ch, const char *arg)
{
	double v = 0, lo = ch == O_RATE || ch == O_FLOOD_RATE || ch == O_HOSTILE_RATE ? 1 :
	    ch == O_SNAPLEN ? 54 : 0;

	switch (ch) {
	case 'o': o->output = arg; return 0;
	case 'q': o->quiet = 1; return 0;
	case O_REUSE: o->reuse = 1; return 0;
	case O_STEADY: o->steady = 1; return 0;
	}
	if (parse_num(arg, opt_name(ch), lo, &v))
		return -1;
	switch (ch) {
	case 'n': o->packets = (uint64_t)v; break;
	case 'c': o->concurrent = (uint32_t)v; break;
	case 's': o->seed = (uint64_t)v; break;
	case O_RATE: o->rate = v; break;
	case O_FLOOD: o->count[SRC_FLOOD] = (uint64_t)v; break;
	case O_LONE: o->count[SRC_LONE] = (uint64_t)v; break;
	case O_SCAN: o->count[SRC_SCAN] = (uint64_t)v; break;
	case O_RST: o->count[SRC_RST] = (uint64_t)v; break;
	case O_RETX: o->count[SRC_RETX] = (uint64_t)v; break;
	case O_FLOOD_RATE: o->flood_rate = v; break;
	case O_HOSTILE_RATE: o->hostile_rate = v; break;
	case O_RAMP: o->ramp = v; break;
	default: o->snaplen = v > 262144 ? 262144 : (uint32_t)v; break;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int ch;

	*o = (struct opts){ .packets = 1000000, .concurrent = 10000, .seed = 1,
	    .rate = 100000, .flood_rate = 200000, .hostile_rate = 100000, .ramp = -1,
	    .snaplen = 128 };
	while ((ch = getopt_long(argc, argv, "o:n:c:s:qh", longopts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			exit(0);
		}
		if (ch == '?' || set_opt(o, ch, optarg))
			return -1;
	}
	if (!o->output || optind != argc) {
		usage(stderr);
		return -1;
	}
	if (!o->concurrent)
		o->packets = 0;
	if (o->concurrent > 50000000) {
		fputs("gen-capture: --concurrent at most 50000000\n", stderr);
		return -1;
	}
	return 0;
}

static void summary(const struct gen *g)
{
	double secs = (double)(g->last_t - g->first_t) / 1e6;
	uint64_t pk = g->written + g->flood_written + g->hostile_written;

	fprintf(stderr, "%s: %llu packets (%llu ordinary, %llu flood: %llu SYNs, %llu hostile),"
	    " %.1f MB\n"
	    "  %.2f s of capture time, %.0f packets/s; %llu connections started,"
	    " %llu ended, %llu open at the end, at most %llu open at once\n",
	    g->o.output, (unsigned long long)pk, (unsigned long long)g->written,
	    (unsigned long long)g->flood_written, (unsigned long long)g->fired[SRC_FLOOD],
	    (unsigned long long)g->hostile_written,
	    (double)g->out.bytes / 1e6, secs, secs > 0 ? (double)pk / secs : 0.0,
	    (unsigned long long)g->conns_started, (unsigned long long)g->conns_finished,
	    (unsigned long long)g->open, (unsigned long long)g->max_open);
}

int main(int argc, char **argv)
{
	static struct gen g;

	if (parse_args(argc, argv, &g.o))
		return 2;
	g.out.name = g.o.output;
	g.out.f = strcmp(g.o.output, "-") ? fopen(g.o.output, "wb") : stdout;
	if (!g.out.f) {
		fprintf(stderr, "gen-capture: %s: %s\n", g.o.output, strerror(errno));
		return 3;
	}
	gen_init(&g);
	out_header(&g.out, g.o.snaplen);
	gen_run(&g);
	if (g.out.failed || fclose(g.out.f)) {
		fprintf(stderr, "gen-capture: %s: %s\n", g.o.output,
		    strerror(g.out.failed ? g.out.failed : errno));
		return 3;
	}
	if (!g.o.quiet)
		summary(&g);
	return 0;
}

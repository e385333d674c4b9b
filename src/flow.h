/*
 * flow.h: one TCP connection, both endpoints, seen from the capture point.
 *
 * A flow turns each segment into endpoint events (what the sender sent,
 * what the receiver got), keeps both endpoints' timelines and the control
 * segments of the ladder diagram, and at the end decides how the connection
 * began (handshake) and ended (close, closer).  It knows nothing of tables,
 * plugins or SQL: what happens is reported through struct flow_events.
 *
 *   client                         server
 *     |  SYN          seq=0            |      CLOSED -> SYN-SENT
 *     |------------------------------->|      LISTEN -> SYN-RECEIVED
 *     |  SYN,ACK  seq=0 ack=1          |
 *     |<-------------------------------|      SYN-SENT -> ESTABLISHED
 *     |  ACK          ack=1            |
 *     |------------------------------->|      SYN-RECEIVED -> ESTABLISHED
 *     |          ... data ...          |
 *     |  FIN,ACK                       |      ESTABLISHED -> FIN-WAIT-1 (c)
 *     |------------------------------->|      ESTABLISHED -> CLOSE-WAIT (s)
 *     |  ACK                           |
 *     |<-------------------------------|      FIN-WAIT-1 -> FIN-WAIT-2
 *     |  FIN,ACK                       |      CLOSE-WAIT -> LAST-ACK (s)
 *     |<-------------------------------|      FIN-WAIT-2 -> TIME-WAIT (c)
 *     |  ACK                           |
 *     |------------------------------->|      LAST-ACK -> CLOSED (s)
 *
 * Memory: a flow holds its timelines and ladder (bounded: data segments are
 * folded into runs, and at most FLOW_LADDER_MAX entries are kept).
 */
#ifndef TM_FLOW_H
#define TM_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include "tcpmortem/detector.h"
#include "decode.h"
#include "names.h"

struct flow;

#define FLOW_LADDER_MAX 256
#define EMBRYO_PACKETS 8
#define DUPLICATE_WINDOW (10 * 1000 * 1000) /* ns: far below any RTO */

/* One line of the ladder: a control segment, or a run of data segments
 * (count > 1) from one side. */
struct ladder_entry {
	uint64_t frame, last_frame;
	tm_time_t ts, last_ts;
	enum tm_side from;
	uint8_t flags;          /* OR of the run's flags */
	uint32_t rel_seq, rel_ack;
	uint32_t len;           /* payload bytes (sum for a run) */
	uint16_t window;
	uint32_t count;         /* segments folded into this line */
	uint8_t retransmission;
	uint8_t folded;         /* a run of data/ACKs, not a control segment */
};

struct timeline {
	struct tm_transition *items;
	size_t n, cap;
};

/* How the flow reports what happens; any member may be NULL. */
struct flow_events {
	void *ctx;
	void (*segment)(void *ctx, struct flow *f, const struct tm_segment *seg);
	void (*transition)(void *ctx, struct flow *f, const struct tm_transition *t);
	/* A handshake completed: first SYN, SYN-ACK and third ACK times. */
	void (*handshake)(void *ctx, struct flow *f, tm_time_t syn, tm_time_t synack,
	    tm_time_t ack);
};

/* A connection's place in the flow table (flowtab.c).  A flow that has
 * gone quiet may be packed (flowpack.h): the node is then all that is left
 * of it in plain form, with what the table needs to find, order and
 * expire it without unpacking.  A busy capture holds a hundred thousand
 * such nodes (connections in TIME-WAIT), so the node is kept to a cache
 * line: of the 4-tuple it keeps only the 64-bit hash, and the table
 * checks the tuple itself once the flow is unpacked. */
struct flow_node {
	struct flow_node *hnext;
	struct flow_node *lprev, *lnext;
	tm_time_t last_ts;      /* the flow's v.last_ts, as of its last touch */
	tm_time_t quiet_until;  /* packed: flowtab_quiet_until_fn's answer */
	uint64_t id;            /* the flow's v.id */
	uint64_t hash;          /* of the 4-tuple, either direction */
	uint8_t list;
	uint8_t embryonic;      /* on the embryonic list */
	uint8_t packed;         /* a packed flow (flowpack.h), not a struct flow */
	uint8_t stored;         /* packed: the flow's stored */
	uint32_t packed_len;    /* packed: the length of its bytes (flowpack.c) */
};

struct flow {
	struct tm_flow v;       /* the view handed to detectors */
	struct tm_previous prev; /* v.previous points here when known */
	struct timeline tl[2];
	struct ladder_entry *ladder;
	size_t nladder, ladder_cap;
	uint64_t ladder_dropped; /* entries not kept past FLOW_LADDER_MAX */
	enum handshake handshake;
	enum close_type close;
	enum closer closer;
		tm_time_t timer_base[2]; /* when the side's running timer started */
	uint8_t data_after_fin[2]; /* side sent payload after the peer's FIN */
	uint8_t data_after_own_fin[2];
	uint8_t saw_syn[2], saw_synack[2];
	uint8_t rst_from[2];
	uint8_t crossed_fins;   /* each FIN sent before the other was received */
	uint8_t rst_before_fins; /* a RST came before both FINs: close is rst */
	tm_time_t syn_ts, synack_ts; /* handshake timing, for the vantage */
	uint32_t rel_base[2];   /* first sequence number seen, when no ISN */
	struct {                /* each side's last segment, to spot duplicates */
		tm_time_t ts;
		uint32_t seq, ack, len, tsval;
		uint8_t flags;
	} last[2];
	enum tm_side last_from; /* the sender of the last segment */
	struct fin_watch {      /* each side's FIN, against ACKs lost after the tap */
		tm_time_t last_ts;  /* its latest transmission */
		tm_time_t gap;      /* the interval before it */
		uint8_t ack_lost;   /* ACKs of it proven lost (resent after them) */
		uint8_t deferred;   /* a repeat of that ACK waits for the sender's silence */
		tm_time_t deferred_ts;
		uint64_t deferred_frame;
	} finw[2];
	uint64_t duplicates;    /* the same packet captured twice (not resent) */
	enum tm_side first_fin; /* TM_NO_SIDE until a FIN */
	enum tm_side first_rst;
	uint64_t packets, bytes;
	void **slots;           /* one per detector, owned by the detector host */
	struct flow_node node;  /* its place in the flow table */
	struct flow_node *eprev, *enext; /* the table's embryonic list, when on it */
	struct flow *cprev, *cnext; /* the table's list of closed flows, when on it */
	uint8_t on_closed;      /* on that list */
	uint8_t aggregated;     /* left under the embryonic cap: counted, not stored */
	uint8_t stored;         /* written at least once (live checkpoints) */
	uint32_t findings;      /* findings naming it, reported while it was
	                         * handed to the detectors (detect.h): stored,
	                         * never aggregated; its row's findings count */
};

/* Create a flow for packet P (its first).  Decides client and server: the
 * sender of a SYN without ACK is the client; the receiver of a SYN-ACK is;
 * otherwise the side with the higher port (ephemeral) is the client. */
struct flow *flow_new(const struct packet *p, uint64_t id, size_t nslots);
/* The same in BLANK (from flow_alloc or flow_recycle); returns it. */
struct flow *flow_start(struct flow *blank, const struct packet *p, uint64_t id);

/* A blank flow with room for NSLOTS detector slots (flowpack.c fills
 * it); flow_reserve() makes its arrays hold NLADDER ladder lines and
 * NTIMELINE[side] transitions. */
struct flow *flow_alloc(size_t nslots);
/* F (made by flow_alloc or flow_new with NSLOTS) blank again, as from
 * flow_alloc: its arrays freed, its slots' values dropped. */
void flow_recycle(struct flow *f, size_t nslots);
void flow_reserve(struct flow *f, size_t nladder, size_t ntimeline[2]);

/* For a flow about to be let out while others are handled (flowtab.c,
 * the embryonic cap), or a packet's flow two packets ahead, in two steps:
 * flow_prefetch() asks for F's own lines and its slot pointers, from its
 * address alone (nothing of F is read: F may be any address);
 * flow_prefetch_slots(), once those have come, for the NSLOTS detectors'
 * blocks they point to. */
void flow_prefetch(const struct flow *f);
void flow_prefetch_slots(const struct flow *f, size_t nslots);

/* For a flow about to be packed (flowtab.c): once F's own lines have come
 * (flow_prefetch), the lines of its ladder, timelines and NSLOTS
 * detectors' blocks, which packing reads from end to end. */
void flow_prefetch_contents(const struct flow *f, size_t nslots);

/* Whether F never came to life: no payload, no FIN, at most EMBRYO_PACKETS
 * packets, and either a server never ESTABLISHED (the SYNs, SYN-ACKs and
 * RSTs of an attempt whose third ACK was not seen) or, without any SYN seen, at most two packets.  What a SYN flood, a scan or a storm of
 * one-packet connections leaves behind, and the least worth keeping. */
int flow_is_embryonic(const struct flow *f);

/* Whether F is ending: a FIN or a RST came from either side.  Such a flow
 * rarely sees more than a straggler; an open one may speak again any
 * time (the flow table packs the first sooner). */
int flow_is_closing(const struct flow *f);

/* Whether F has closed: each endpoint CLOSED or in TIME-WAIT.  Nothing
 * but a straggler (a FIN sent again because its ACK was lost) is still to
 * come, so the flow table packs it at once instead of after a second. */
int flow_has_closed(const struct flow *f);

/* Free F and everything it owns (not the detectors' slots: the detector
 * host empties those at flow end). */
void flow_free(struct flow *f);

/* The side that sent P, or TM_NO_SIDE if P does not belong to F. */
enum tm_side flow_side_of(const struct flow *f, const struct packet *p);

/* Apply timers up to NOW, then process P: events, timeline, ladder.  A
 * copy of the side's previous segment seen within DUPLICATE_WINDOW (the
 * tap saw the same packet twice) is counted and otherwise ignored. */
void flow_segment(struct flow *f, const struct packet *p, const struct tm_profile *prof,
    const struct flow_events *ev);

/* Fire the timers that expire up to NOW (TIME-WAIT, FIN-WAIT-2, ...). */
void flow_advance(struct flow *f, tm_time_t now, const struct tm_profile *prof,
    const struct flow_events *ev);

/* The earliest time at which flow_advance() would change F (a timer fires,
 * a held-back ACK of a FIN is given up on), or 0 if nothing is pending:
 * until then F, without packets, stays as it is. */
tm_time_t flow_next_timer(const struct flow *f, const struct tm_profile *prof);

/* Whether P (a SYN without ACK) starts a new connection on F's 4-tuple
 * rather than retransmitting F's SYN. */
int flow_is_new_incarnation(const struct flow *f, const struct packet *p);

/* Record what is known of OLD in NEW's prev, for reuse detectors. */
void flow_link_previous(struct flow *newf, const struct flow *old);

/* Both endpoints are CLOSED (or never left LISTEN): nothing more can happen. */
int flow_is_done(const struct flow *f);

/* The flow leaves: fire timers up to NOW, settle what the capture proved
 * (a server that never answered never had the connection), and decide
 * handshake, close and closer.  Idempotent. */
void flow_finish(struct flow *f, tm_time_t now, const struct tm_profile *prof,
    const struct flow_events *ev);

/* Decide handshake, close and closer from what was seen so far, changing
 * nothing else: a live checkpoint's view of a flow that goes on. */
void flow_classify(struct flow *f);

#endif

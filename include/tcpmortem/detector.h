/*
 * tcpmortem/detector.h: the detector plugin ABI.
 *
 * A detector is a shared object that watches the analysis of a capture and
 * reports findings ("anomalies").  The host (tcpmortem) decodes packets,
 * tracks both endpoints of every connection and calls the detector at the
 * events it subscribed to:
 *
 *     packet ──> segment ──> endpoint transitions ──> ... ──> flow end
 *                  │                 │                           │
 *            on_segment       on_transition                on_flow_end
 *
 *     plus on_tick (every tick_interval of capture time, for aggregates)
 *     and on_capture_end (the last word: flush what is pending).
 *
 * A plugin exports one symbol, TM_DETECTOR_ENTRY ("tm_detector_entry"):
 *
 *     const struct tm_detector *const *tm_detector_entry(void);
 *
 * returning a NULL-terminated array of detectors.  The host refuses a
 * detector whose abi_version differs from TM_DETECTOR_ABI_VERSION or whose
 * struct_size does not reach on_capture_end (TM_DETECTOR_SIZE_V1); members
 * added after it are read only when struct_size covers them, so a plugin
 * built against an older header of the same ABI version still loads.
 *
 * Order of events for one packet: timers that expired before it fire first
 * (on_transition with frame 0); then on_segment, with f->ep[] still showing
 * both endpoints as they were when the segment arrived; then on_transition
 * for each state change the segment caused (sender's first, then the
 * receiver's).  Timer transitions may be delivered after later packets of
 * other flows: trust their ts, not the order of calls across flows.
 *
 * Everything the host passes is read-only and valid only for the duration
 * of the call.  Detectors report through the tm_host function table, never
 * by linking against host symbols, so a plugin needs nothing but this
 * header.  See tcpmortem-detector(7).
 *
 * Copyright (c) 2026, the tcpmortem authors.  BSD-2-Clause.
 */
#ifndef TCPMORTEM_DETECTOR_H
#define TCPMORTEM_DETECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct below changes layout or meaning. */
#define TM_DETECTOR_ABI_VERSION 1
#define TM_DETECTOR_ENTRY "tm_detector_entry"

/* Time: nanoseconds since the Unix epoch, capture clock. */
typedef int64_t tm_time_t;
#define TM_NSEC_PER_SEC INT64_C(1000000000)

/* The eleven RFC 9293 states, plus UNKNOWN where the capture never showed
 * enough.  Order is part of the ABI. */
enum tm_state {
	TM_UNKNOWN = 0,
	TM_CLOSED,
	TM_LISTEN,
	TM_SYN_SENT,
	TM_SYN_RECEIVED,
	TM_ESTABLISHED,
	TM_FIN_WAIT_1,
	TM_FIN_WAIT_2,
	TM_CLOSE_WAIT,
	TM_CLOSING,
	TM_LAST_ACK,
	TM_TIME_WAIT,
	TM_STATE_COUNT
};

/* The two endpoints.  The client sent the first SYN (or, for a connection
 * seen midstream, is the side with the higher, ephemeral-looking port). */
enum tm_side { TM_CLIENT = 0, TM_SERVER = 1, TM_NO_SIDE = -1 };

/* TCP header flags, as on the wire. */
#define TM_TH_FIN 0x01
#define TM_TH_SYN 0x02
#define TM_TH_RST 0x04
#define TM_TH_PSH 0x08
#define TM_TH_ACK 0x10
#define TM_TH_URG 0x20
#define TM_TH_ECE 0x40
#define TM_TH_CWR 0x80

/* Where the capture point sits; findings that depend on it say which one
 * they assumed. */
enum tm_vantage {
	TM_VANTAGE_UNKNOWN = 0,
	TM_VANTAGE_CLIENT,
	TM_VANTAGE_SERVER,
	TM_VANTAGE_MIDDLE
};

struct tm_addr {
	uint8_t family;         /* 4 or 6 */
	uint8_t bytes[16];      /* IPv4 in the first four bytes */
};

/* One TCP segment as seen at the capture point. */
struct tm_segment {
	uint64_t frame;         /* 1-based frame number within the capture */
	tm_time_t ts;
	enum tm_side from;      /* the endpoint that sent it */
	uint8_t flags;          /* TM_TH_* */
	uint32_t seq, ack;      /* absolute, as on the wire */
	uint32_t rel_seq;       /* seq - sender's ISN (raw seq if ISN unknown) */
	uint32_t rel_ack;       /* ack - receiver's ISN (raw if unknown) */
	uint32_t len;           /* payload length from the IP header */
	uint16_t window;        /* raw window field */
	uint16_t mss;           /* MSS option, 0 if absent */
	uint8_t has_wscale, wscale;
	uint8_t has_sack_perm;
	uint8_t has_ts;         /* TCP timestamps option present */
	uint32_t tsval, tsecr;
	uint8_t has_tfo;        /* TCP Fast Open option (kind 34 or 254/0xF989) */
	uint8_t tfo_cookie_len;
	/* The host's reading of the segment against what it saw before. */
	uint8_t is_retransmission; /* its sequence range was already sent */
	uint8_t is_keepalive;   /* seq = snd_nxt - 1 with 0 or 1 byte */
	uint8_t in_window;      /* seq within the receiver's window (1 if unknown) */
};

/* One endpoint's view, as tracked by the host. */
struct tm_endpoint {
	enum tm_state state;
	tm_time_t state_since;  /* when it entered state */
	uint8_t isn_known;
	uint32_t isn;           /* initial sequence number */
	uint32_t snd_nxt;       /* highest seq + len (+SYN/FIN) sent */
	uint32_t snd_una;       /* highest ack the peer sent for our data */
	uint8_t fin_sent;
	uint32_t fin_seq;       /* sequence number of our FIN */
	uint64_t fin_frame;     /* first frame carrying our FIN */
	uint8_t fin_acked;      /* the peer acknowledged our FIN */
	uint64_t fin_ack_frame; /* frame of that acknowledgement */
	uint32_t syn_count;     /* SYN or SYN-ACK segments sent */
	uint32_t fin_count;     /* FIN segments sent (retransmissions included) */
	uint32_t rst_count;
	uint64_t packets, bytes; /* sent by this endpoint */
	uint8_t has_ts;         /* sent TCP timestamps */
	uint32_t last_tsval;
	uint8_t wscale;         /* window scale, 0 if none */
	uint32_t max_window;    /* largest scaled window advertised */
};

/* What is known of the previous connection on the same 4-tuple, when a new
 * SYN starts a new incarnation. */
struct tm_previous {
	uint64_t flow_id;
	tm_time_t end_ts;       /* its last packet */
	enum tm_state final_state[2];
	tm_time_t time_wait_since[2]; /* 0 if that side never reached TIME-WAIT */
	uint32_t last_seq[2];   /* each side's snd_nxt at the end */
	uint32_t isn[2];
	uint8_t isn_known[2];
	uint8_t has_ts[2];
	uint32_t last_tsval[2];
};

/* Why a flow left the host's table (tm_flow.end_reason). */
enum tm_end_reason {
	TM_END_OPEN = 0,        /* it has not ended (yet) */
	TM_END_CLOSED,          /* both endpoints CLOSED, timers included */
	TM_END_CAPTURE_END,     /* the capture ended with it in the table */
	TM_END_IDLE,            /* silent past the inactivity timeout */
	TM_END_EVICTED,         /* dropped under the memory cap */
	TM_END_REPLACED         /* a new SYN started a new incarnation */
};

/* A connection: 4-tuple, both endpoints, and what the host derived. */
struct tm_flow {
	uint64_t id;            /* the flow's id in the database.  Pass it in
	                         * tm_finding.flow_id, never in the detail text:
	                         * files analysed in parallel (-j) are numbered
	                         * when they are stored, and the host moves the
	                         * ids it knows, not the ones in a sentence. */
	struct tm_addr addr[2]; /* indexed by enum tm_side */
	uint16_t port[2];
	tm_time_t first_ts, last_ts;
	uint64_t first_frame, last_frame;
	uint8_t midstream;      /* no SYN seen: the start was inferred */
	uint32_t incarnation;   /* 1 for the first connection on this 4-tuple */
	const struct tm_previous *previous; /* NULL if incarnation == 1 */
	struct tm_endpoint ep[2];
	/* Set before on_flow_end: why and at what capture time it ended
	 * (timers have been applied up to end_ts). */
	enum tm_end_reason end_reason;
	tm_time_t end_ts;
};

/* A change of one endpoint's state. */
struct tm_transition {
	enum tm_side side;
	enum tm_state from, to;
	tm_time_t ts;
	uint64_t frame;         /* 0 when a timer caused it */
	const char *cause;      /* "recv FIN", "timer 2MSL", ... (static) */
};

/* The timer profile in force (seconds, as doubles, for readability). */
struct tm_profile {
	const char *name;
	double time_wait;       /* 2*MSL */
	double fin_wait_2;      /* orphaned FIN-WAIT-2; 0 = never */
	int syn_retries;        /* client SYN retransmissions; -1 = unlimited */
	double syn_give_up;     /* seconds after the first SYN; 0 = never */
	int synack_retries;
	double synack_give_up;  /* seconds after the first SYN-ACK; 0 = never */
	int orphan_retries;
	double orphan_give_up;  /* FIN-WAIT-1/CLOSING/LAST-ACK give-up; 0 = never */
	uint32_t ephemeral_low, ephemeral_high; /* ip_local_port_range */
};

#define TM_MAX_EVIDENCE 16

/* What a detector reports.  The host copies everything. */
struct tm_finding {
	const char *kind;       /* one of the detector's kinds */
	uint64_t flow_id;       /* 0 for host-level findings */
	enum tm_side side;      /* TM_NO_SIDE for host-level findings */
	tm_time_t ts;
	struct tm_addr host;    /* the endpoint concerned, or the target */
	uint16_t port;
	size_t nframes;
	uint64_t frames[TM_MAX_EVIDENCE];
	enum tm_vantage vantage; /* the vantage the reading assumed, or UNKNOWN */
	const char *detail;     /* one sentence: what, likely cause, the knob */
};

struct tm_context;

/* The host's services, handed to each detector at init. */
struct tm_host {
	uint32_t struct_size;
	/* Report a finding.  Returns 0, or -1 if the kind is not one of the
	 * detector's own. */
	int (*report)(struct tm_context *ctx, const struct tm_finding *f);
	/* The value of option NAME (e.g. "syn-flood.min-syns") as given on the
	 * command line, or DFLT. */
	double (*option)(struct tm_context *ctx, const char *name, double dflt);
	/* Format an address as text (dotted IPv4, RFC 5952 IPv6). */
	const char *(*addr_str)(const struct tm_addr *a, char *buf, size_t len);
	/* The vantage in force: stated by the user or inferred so far. */
	enum tm_vantage (*vantage)(struct tm_context *ctx);
	/* The spelling of a state, as in RFC 9293 ("TIME-WAIT"). */
	const char *(*state_name)(enum tm_state s);
	/* The capture has known kernel drops so far (live capture). */
	uint64_t (*drops)(struct tm_context *ctx);
};

/* A tunable threshold, listed by `tcpmortem plugins` and settable with
 * --set NAME=VALUE. */
struct tm_option {
	const char *name;       /* "syn-flood.min-syns" */
	double dflt;
	const char *help;
};

struct tm_detector {
	uint32_t abi_version;   /* TM_DETECTOR_ABI_VERSION */
	uint32_t struct_size;   /* sizeof(struct tm_detector) */
	const char *name;       /* "handshake" */
	const char *version;    /* "1.0" */
	const char *summary;    /* one line */
	const char *const *kinds;          /* NULL-terminated */
	const struct tm_option *options;   /* terminated by a NULL name; may be NULL */

	/* Per capture.  *state is the detector's own; return 0 or -1. */
	int (*init)(struct tm_context *ctx, const struct tm_host *host,
	    const struct tm_profile *profile, void **state);
	void (*fini)(void *state);

	/* Any of these may be NULL.  *slot is the detector's per-flow pointer,
	 * NULL at first; the detector must free it and set it to NULL in
	 * on_flow_end, which is called exactly once per flow. */
	void (*on_segment)(void *state, const struct tm_flow *f,
	    const struct tm_segment *seg, void **slot);
	void (*on_transition)(void *state, const struct tm_flow *f,
	    const struct tm_transition *t, void **slot);
	void (*on_flow_end)(void *state, const struct tm_flow *f, void **slot);
	void (*on_tick)(void *state, tm_time_t now);
	void (*on_capture_end)(void *state, tm_time_t end);

	/* Added in 1.1 (read when struct_size covers it). */

	/* The per-flow slot's size in bytes, when *slot is always NULL or a
	 * malloc(3)ed block of exactly that size with no pointers in it.  The
	 * host may then keep a quiet connection's slot packed, free the
	 * block, and give it back before the next call as a new malloc(3)ed
	 * block with the same bytes.  0: the slot's value is kept as it is. */
	uint32_t slot_size;
};

/* The first version of struct tm_detector ends with on_capture_end. */
#define TM_DETECTOR_SIZE_V1 \
	(offsetof(struct tm_detector, on_capture_end) + sizeof(void (*)(void *, tm_time_t)))

typedef const struct tm_detector *const *(*tm_detector_entry_fn)(void);

/* Wrap-safe sequence-number comparisons (RFC 1982 serial arithmetic). */
static inline int tm_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int tm_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline int tm_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline int tm_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* Whether A and B are the same address (of an IPv4 one, its four bytes).
 * Fixed-size loads, not memcmp(3) of a variable length: detectors compare
 * addresses in their tables on every packet of a flood. */
static inline int
tm_addr_eq(const struct tm_addr *a, const struct tm_addr *b)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	if (a->family != b->family)
		return 0;
	if (a->family == 6) {
		memcpy(x, a->bytes, sizeof(x));
		memcpy(y, b->bytes, sizeof(y));
		return x[0] == y[0] && x[1] == y[1];
	}
	memcpy(&u, a->bytes, sizeof(u));
	memcpy(&v, b->bytes, sizeof(v));
	return u == v;
}

#ifdef __cplusplus
}
#endif
#endif /* TCPMORTEM_DETECTOR_H */

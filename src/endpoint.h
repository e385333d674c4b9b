/*
 * endpoint.h: one endpoint's RFC 9293 state machine, as a table.
 *
 * The same machine runs for the client and for the server.  Events are
 * what the endpoint sent, what it received (assumed delivered when seen at
 * the capture point), or a timer that fired:
 *
 *                              +---------+
 *                              | CLOSED  |<-------------------------------+
 *                              +---------+                                |
 *            passive open        |     | send SYN                         |
 *     +---------+ <--------------+     +-------------> +----------+       |
 *     | LISTEN  |                                      | SYN-SENT |       |
 *     +---------+  recv SYN                recv SYN    +----------+       |
 *          +-----------> +--------------+ <--------------+   | recv SYN,ACK
 *                        | SYN-RECEIVED |                    |            |
 *                        +--------------+  recv ACK of SYN   v            |
 *                               +---------------------> +-------------+   |
 *                                                       | ESTABLISHED |   |
 *                                     send FIN          +-------------+   |
 *                       +---------------------------------+    | recv FIN |
 *                       v                                      v          |
 *               +------------+  recv FIN  +---------+   +------------+    |
 *               | FIN-WAIT-1 |----------->| CLOSING |   | CLOSE-WAIT |    |
 *               +------------+            +---------+   +------------+    |
 *      recv ACK of FIN |                        | recv ACK    | send FIN  |
 *                      v                        v  of FIN     v           |
 *               +------------+  recv FIN  +-----------+  +----------+     |
 *               | FIN-WAIT-2 |----------->| TIME-WAIT |  | LAST-ACK |-----+
 *               +------------+            +-----------+  +----------+ recv ACK
 *                                  2MSL timer |                        of FIN
 *                                             +---> CLOSED
 *
 * RST sent or accepted moves any state to CLOSED.  A FIN that also
 * acknowledges our FIN is two events in a row (ACK of FIN, then FIN), so
 * FIN-WAIT-1 passes FIN-WAIT-2 on its way to TIME-WAIT, as Linux does.
 */
#ifndef TM_ENDPOINT_H
#define TM_ENDPOINT_H

#include "tcpmortem/detector.h"

enum ep_event {
	EV_SEND_SYN = 0,        /* SYN without ACK */
	EV_SEND_SYNACK,
	EV_SEND_FIN,            /* first FIN only; retransmissions are no event */
	EV_SEND_RST,
	EV_RECV_SYN,
	EV_RECV_SYNACK,         /* a SYN-ACK acknowledging our SYN */
	EV_RECV_ACK_OF_SYN,     /* an ACK (no SYN) covering our SYN */
	EV_RECV_FIN,
	EV_RECV_ACK_OF_FIN,
	EV_RECV_RST,            /* an acceptable RST */
	EV_TIMER_TIME_WAIT,     /* 2*MSL elapsed */
	EV_TIMER_FIN_WAIT_2,    /* orphaned FIN-WAIT-2 timed out */
	EV_TIMER_SYN_SENT,      /* SYN retries spent */
	EV_TIMER_SYN_RECEIVED,  /* SYN-ACK retries spent */
	EV_TIMER_ORPHAN,        /* FIN retries spent (FIN-WAIT-1, CLOSING, LAST-ACK) */
	EV_INFER_ESTABLISHED,   /* midstream: the capture starts inside a connection */
	EV_COUNT
};

/* The state EVENT leads to from state S; S itself when EVENT does not
 * change it (a retransmission, an ACK in ESTABLISHED, ...). */
enum tm_state endpoint_next(enum tm_state s, enum ep_event event);

/* The event's name, used as the cause in timelines ("recv FIN"). */
const char *endpoint_event_name(enum ep_event event);

/* Apply EVENT to *EP at TS, caused by FRAME (0 for timers).  When the
 * state changes, fills *OUT (side SIDE) and returns 1; returns 0 otherwise. */
int endpoint_apply(struct tm_endpoint *ep, enum tm_side side, enum ep_event event,
    tm_time_t ts, uint64_t frame, struct tm_transition *out);

#endif

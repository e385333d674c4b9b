/*
 * endpoint.c: the RFC 9293 state machine as a [state][event] table.
 *
 * The table is built once from the list of transitions below; every cell
 * not listed keeps its state (a retransmission, an ACK in ESTABLISHED...).
 * RST, sent or accepted, closes any synchronised or half-open state.
 */
#include "config.h"

#include <pthread.h>

#include "endpoint.h"

struct edge {
	enum tm_state from;
	enum ep_event event;
	enum tm_state to;
};

static const struct edge edges[] = {
	/* opening */
	{ TM_CLOSED, EV_SEND_SYN, TM_SYN_SENT },
	{ TM_LISTEN, EV_RECV_SYN, TM_SYN_RECEIVED },
	{ TM_LISTEN, EV_SEND_SYNACK, TM_SYN_RECEIVED },   /* the SYN was not captured */
	{ TM_SYN_SENT, EV_RECV_SYN, TM_SYN_RECEIVED },    /* simultaneous open */
	{ TM_SYN_SENT, EV_RECV_SYNACK, TM_ESTABLISHED },
	{ TM_SYN_RECEIVED, EV_RECV_ACK_OF_SYN, TM_ESTABLISHED },
	{ TM_SYN_RECEIVED, EV_RECV_SYNACK, TM_ESTABLISHED }, /* simultaneous open */
	{ TM_UNKNOWN, EV_INFER_ESTABLISHED, TM_ESTABLISHED },
	/* closing */
	{ TM_SYN_RECEIVED, EV_SEND_FIN, TM_FIN_WAIT_1 },
	{ TM_SYN_RECEIVED, EV_RECV_FIN, TM_CLOSE_WAIT },
	{ TM_ESTABLISHED, EV_SEND_FIN, TM_FIN_WAIT_1 },
	{ TM_ESTABLISHED, EV_RECV_FIN, TM_CLOSE_WAIT },
	{ TM_FIN_WAIT_1, EV_RECV_ACK_OF_FIN, TM_FIN_WAIT_2 },
	{ TM_FIN_WAIT_1, EV_RECV_FIN, TM_CLOSING },
	{ TM_FIN_WAIT_2, EV_RECV_FIN, TM_TIME_WAIT },
	{ TM_CLOSING, EV_RECV_ACK_OF_FIN, TM_TIME_WAIT },
	{ TM_CLOSE_WAIT, EV_SEND_FIN, TM_LAST_ACK },
	{ TM_LAST_ACK, EV_RECV_ACK_OF_FIN, TM_CLOSED },
	/* timers */
	{ TM_TIME_WAIT, EV_TIMER_TIME_WAIT, TM_CLOSED },
	{ TM_FIN_WAIT_2, EV_TIMER_FIN_WAIT_2, TM_CLOSED },
	{ TM_SYN_SENT, EV_TIMER_SYN_SENT, TM_CLOSED },
	{ TM_SYN_RECEIVED, EV_TIMER_SYN_RECEIVED, TM_CLOSED },
	{ TM_FIN_WAIT_1, EV_TIMER_ORPHAN, TM_CLOSED },
	{ TM_CLOSING, EV_TIMER_ORPHAN, TM_CLOSED },
	{ TM_LAST_ACK, EV_TIMER_ORPHAN, TM_CLOSED },
};

/* The states a RST (sent or accepted) takes to CLOSED. */
static const enum tm_state resettable[] = {
	TM_UNKNOWN, TM_SYN_SENT, TM_SYN_RECEIVED, TM_ESTABLISHED, TM_FIN_WAIT_1,
	TM_FIN_WAIT_2, TM_CLOSE_WAIT, TM_CLOSING, TM_LAST_ACK, TM_TIME_WAIT,
};

static const char *const event_names[EV_COUNT] = {
	[EV_SEND_SYN] = "send SYN",
	[EV_SEND_SYNACK] = "send SYN-ACK",
	[EV_SEND_FIN] = "send FIN",
	[EV_SEND_RST] = "send RST",
	[EV_RECV_SYN] = "recv SYN",
	[EV_RECV_SYNACK] = "recv SYN-ACK",
	[EV_RECV_ACK_OF_SYN] = "recv ACK of SYN",
	[EV_RECV_FIN] = "recv FIN",
	[EV_RECV_ACK_OF_FIN] = "recv ACK of FIN",
	[EV_RECV_RST] = "recv RST",
	[EV_TIMER_TIME_WAIT] = "timer 2MSL",
	[EV_TIMER_FIN_WAIT_2] = "timer FIN-WAIT-2",
	[EV_TIMER_SYN_SENT] = "timer SYN-SENT",
	[EV_TIMER_SYN_RECEIVED] = "timer SYN-RECEIVED",
	[EV_TIMER_ORPHAN] = "timer orphan",
	[EV_INFER_ESTABLISHED] = "inferred",
};

static enum tm_state table[TM_STATE_COUNT][EV_COUNT];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void
table_build(void)
{
	for (int s = 0; s < TM_STATE_COUNT; s++)
		for (int e = 0; e < EV_COUNT; e++)
			table[s][e] = (enum tm_state)s;
	for (size_t i = 0; i < sizeof(resettable) / sizeof(resettable[0]); i++) {
		table[resettable[i]][EV_SEND_RST] = TM_CLOSED;
		table[resettable[i]][EV_RECV_RST] = TM_CLOSED;
	}
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		table[edges[i].from][edges[i].event] = edges[i].to;
}

enum tm_state
endpoint_next(enum tm_state s, enum ep_event event)
{
	pthread_once(&table_once, table_build);
	if ((unsigned)s >= TM_STATE_COUNT || (unsigned)event >= EV_COUNT)
		return s;
	return table[s][event];
}

const char *
endpoint_event_name(enum ep_event event)
{
	return (unsigned)event < EV_COUNT ? event_names[event] : "?";
}

int
endpoint_apply(struct tm_endpoint *ep, enum tm_side side, enum ep_event event,
    tm_time_t ts, uint64_t frame, struct tm_transition *out)
{
	enum tm_state to = endpoint_next(ep->state, event);

	if (to == ep->state)
		return 0;
	out->side = side;
	out->from = ep->state;
	out->to = to;
	out->ts = ts;
	out->frame = frame;
	out->cause = endpoint_event_name(event);
	ep->state = to;
	ep->state_since = ts;
	return 1;
}

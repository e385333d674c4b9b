/* test-flow.c: one connection's reconstruction, scenario by scenario. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "flow.h"
#include "profile.h"
#include "pkt.h"
#include "check-main.h"

static struct tm_profile prof;
static struct flow *f;
static int ntransitions, nhandshakes;

static void
count_transition(void *ctx, struct flow *fl, const struct tm_transition *t)
{
	ntransitions++;
}

static void
count_handshake(void *ctx, struct flow *fl, tm_time_t a, tm_time_t b, tm_time_t c)
{
	nhandshakes++;
}

static const struct flow_events events = { .transition = count_transition,
    .handshake = count_handshake };

static void
setup(void)
{
	profile_get("linux", &prof);
	f = NULL;
	pkt_frame = 0;
	ntransitions = nhandshakes = 0;
}

static void
teardown(void)
{
	flow_free(f);
}

static void
feed(struct packet p)
{
	if (f == NULL)
		f = flow_new(&p, 1, 0);
	flow_segment(f, &p, &prof, &events);
}

static void
finish_at(double t)
{
	flow_finish(f, (tm_time_t)(t * 1e9), &prof, &events);
}

#define CSTATE f->v.ep[TM_CLIENT].state
#define SSTATE f->v.ep[TM_SERVER].state

/* client ISN 1000, server ISN 5000 */
static void
handshake(void)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.000));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.010));
	feed(pkt_at(C, ACK, 1001, 5001, 0, 0.011));
}

START_TEST(normal_open_reaches_established_on_both_sides)
{
	handshake();
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);
	ck_assert_int_eq(SSTATE, TM_ESTABLISHED);
	ck_assert_int_eq(nhandshakes, 1);
	finish_at(1);
	ck_assert_int_eq(f->handshake, HS_COMPLETE);
	ck_assert_int_eq(f->close, CLOSE_NONE);
	ck_assert_int_eq(f->closer, CLOSER_NULL);
}
END_TEST

START_TEST(four_way_close_client_first_leaves_client_in_time_wait)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_1);
	ck_assert_int_eq(SSTATE, TM_CLOSE_WAIT);
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.01));
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_2);
	feed(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.02));
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	ck_assert_int_eq(SSTATE, TM_LAST_ACK);
	feed(pkt_at(C, ACK, 1002, 5002, 0, 1.03));
	ck_assert_int_eq(SSTATE, TM_CLOSED);
	finish_at(2.0);
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	ck_assert_int_eq(f->close, CLOSE_FIN);
	ck_assert_int_eq(f->closer, CLOSER_CLIENT);
}
END_TEST

START_TEST(time_wait_expires_after_two_msl)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.02));
	feed(pkt_at(C, ACK, 1002, 5002, 0, 1.03));
	finish_at(60.9);
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	finish_at(61.1);
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	ck_assert_int_eq(f->tl[TM_CLIENT].items[f->tl[TM_CLIENT].n - 1].frame, 0);
	ck_assert_str_eq(f->tl[TM_CLIENT].items[f->tl[TM_CLIENT].n - 1].cause, "timer 2MSL");
}
END_TEST

/* flow_next_timer() is the first moment flow_advance() changes the flow:
 * a nanosecond before, nothing; at it, the TIME-WAIT expiry. */
START_TEST(next_timer_is_when_time_wait_ends)
{
	tm_time_t next;

	handshake();
	ck_assert_int_eq(flow_next_timer(f, &prof), 0);         /* ESTABLISHED: none */
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.02));
	feed(pkt_at(C, ACK, 1002, 5002, 0, 1.03));
	next = flow_next_timer(f, &prof);
	ck_assert_int_gt(next, (tm_time_t)60e9);
	ck_assert_int_lt(next, (tm_time_t)62e9);
	flow_advance(f, next - 1, &prof, &events);
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	flow_advance(f, next, &prof, &events);
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	ck_assert_int_eq(flow_next_timer(f, &prof), 0);         /* both CLOSED */
}
END_TEST

/* An ACK of a FIN held back (the sender resent its FIN after earlier
 * ones) is given up on at a time of its own, before any state's timer. */
START_TEST(next_timer_includes_a_held_back_fin_ack)
{
	tm_time_t next;

	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.01));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.21));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.6));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.61));
	next = flow_next_timer(f, &prof);
	ck_assert_int_gt(next, (tm_time_t)1.61e9);
	ck_assert_int_lt(next, (tm_time_t)3e9);
	flow_advance(f, next - 1, &prof, &events);
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_1);
	flow_advance(f, next, &prof, &events);
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_2);
}
END_TEST

START_TEST(three_way_close_fin_ack_combined_passes_fin_wait_2)
{
	handshake();
	feed(pkt_at(S, FIN | ACK, 5001, 1001, 0, 1.0));
	feed(pkt_at(C, FIN | ACK, 1001, 5002, 0, 1.01));
	ck_assert_int_eq(SSTATE, TM_TIME_WAIT);
	ck_assert_int_eq(CSTATE, TM_LAST_ACK);
	feed(pkt_at(S, ACK, 5002, 1002, 0, 1.02));
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	finish_at(2);
	ck_assert_int_eq(f->close, CLOSE_FIN);
	ck_assert_int_eq(f->closer, CLOSER_SERVER);
	/* FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT, both at the client's FIN+ACK */
	ck_assert_int_eq(f->tl[TM_SERVER].items[f->tl[TM_SERVER].n - 2].to, TM_FIN_WAIT_2);
}
END_TEST

START_TEST(simultaneous_close_goes_through_closing_on_both_sides)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, FIN | ACK, 5001, 1001, 0, 1.0001)); /* does not ack the client's FIN */
	ck_assert_int_eq(CSTATE, TM_CLOSING);
	ck_assert_int_eq(SSTATE, TM_CLOSING);
	feed(pkt_at(C, ACK, 1002, 5002, 0, 1.02));
	feed(pkt_at(S, ACK, 5002, 1002, 0, 1.02));
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	ck_assert_int_eq(SSTATE, TM_TIME_WAIT);
	finish_at(2);
	ck_assert_int_eq(f->close, CLOSE_SIMULTANEOUS);
	ck_assert_int_eq(f->closer, CLOSER_BOTH);
}
END_TEST

START_TEST(simultaneous_open_passes_syn_received_on_both_sides)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(S, SYN, 5000, 0, 0, 0.0001));
	ck_assert_int_eq(CSTATE, TM_SYN_RECEIVED);
	ck_assert_int_eq(SSTATE, TM_SYN_RECEIVED);
	feed(pkt_at(C, SYN | ACK, 1000, 5001, 0, 0.01));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01));
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);
	ck_assert_int_eq(SSTATE, TM_ESTABLISHED);
	finish_at(1);
	ck_assert_int_eq(f->handshake, HS_SIMULTANEOUS);
}
END_TEST

START_TEST(half_close_with_data_after_fin_is_half_and_keeps_fin_wait_2)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.01));
	feed(pkt_at(S, PSH | ACK, 5001, 1002, 100, 1.02));
	feed(pkt_at(C, ACK, 1002, 5101, 0, 1.03));
	finish_at(200);              /* well past tcp_fin_timeout */
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_2);
	ck_assert_int_eq(SSTATE, TM_CLOSE_WAIT);
	ck_assert_int_eq(f->close, CLOSE_HALF);
}
END_TEST

START_TEST(orphaned_fin_wait_2_times_out)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.01));
	finish_at(61.0);
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_2);
	finish_at(61.02);
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	ck_assert_int_eq(SSTATE, TM_CLOSE_WAIT);
}
END_TEST

START_TEST(refused_connection_never_had_a_server_socket)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(S, RST | ACK, 0, 1001, 0, 0.001));
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	ck_assert_int_eq(SSTATE, TM_CLOSED);
	ck_assert_int_eq(f->tl[TM_SERVER].n, 0);
	finish_at(1);
	ck_assert_int_eq(f->handshake, HS_REFUSED);
	ck_assert_int_eq(f->close, CLOSE_RST);
	ck_assert_int_eq(f->closer, CLOSER_SERVER);
}
END_TEST

START_TEST(abortive_close_resets_both_from_established)
{
	handshake();
	feed(pkt_at(C, RST | ACK, 1001, 5001, 0, 1.0));
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	ck_assert_int_eq(SSTATE, TM_CLOSED);
	finish_at(2);
	ck_assert_int_eq(f->close, CLOSE_RST);
	ck_assert_int_eq(f->closer, CLOSER_CLIENT);
}
END_TEST

/* The RST of a host with no socket for the SYN-ACK (no ACK flag, sequence
 * number = what the SYN-ACK acknowledged): the client never entered
 * ESTABLISHED.  With ACK, or after its own ACK, it did. */
START_TEST(rst_answering_the_syn_ack_means_no_socket_waited)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.3));
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);   /* assumed delivered */
	feed(pkt_at(C, RST, 1001, 0, 0, 0.6));
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	ck_assert_int_eq(SSTATE, TM_CLOSED);
	ck_assert_int_eq(f->tl[TM_CLIENT].n, 2);    /* CLOSED, SYN-SENT, CLOSED */
	ck_assert_int_eq(f->tl[TM_CLIENT].items[1].from, TM_SYN_SENT);
	ck_assert_int_eq(f->tl[TM_CLIENT].items[1].to, TM_CLOSED);
	finish_at(1);
	ck_assert_int_eq(f->handshake, HS_INCOMPLETE);
	ck_assert_int_eq(f->close, CLOSE_RST);
	ck_assert_int_eq(f->closer, CLOSER_CLIENT);
}
END_TEST

START_TEST(rst_with_ack_after_the_syn_ack_leaves_established)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.3));
	feed(pkt_at(C, RST | ACK, 1001, 5001, 0, 0.6));
	ck_assert_int_eq(f->tl[TM_CLIENT].n, 3);
	ck_assert_int_eq(f->tl[TM_CLIENT].items[1].to, TM_ESTABLISHED);
	ck_assert_int_eq(f->tl[TM_CLIENT].items[2].from, TM_ESTABLISHED);
}
END_TEST

START_TEST(rst_after_the_third_ack_leaves_established)
{
	handshake();
	feed(pkt_at(C, RST, 1001, 0, 0, 0.6));
	ck_assert_int_eq(f->tl[TM_CLIENT].n, 3);
	ck_assert_int_eq(f->tl[TM_CLIENT].items[2].from, TM_ESTABLISHED);
}
END_TEST

/* The client repeats its FIN twice after the server's FIN,ACK left the tap
 * (the repeats acknowledge nothing new: it had not got it yet), then
 * acknowledges that FIN: it got the FIN and the ACK of its own, late. */
START_TEST(acking_the_peer_fin_proves_it_delivered_after_repeats)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.0002));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.001));
	feed(pkt_at(S, ACK, 5002, 1002, 0, 1.0011));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0014));
	feed(pkt_at(S, ACK, 5002, 1002, 0, 1.0015));
	feed(pkt_at(C, ACK, 1002, 5002, 0, 1.00151));
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	ck_assert_int_eq(SSTATE, TM_CLOSED);
	for (size_t i = 1; i < f->tl[TM_CLIENT].n; i++)
		ck_assert(f->tl[TM_CLIENT].items[i].ts >= f->tl[TM_CLIENT].items[i - 1].ts);
	finish_at(30);
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	finish_at(62);
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	ck_assert_int_eq(f->close, CLOSE_FIN);
}
END_TEST

START_TEST(rst_of_half_closed_connection_is_rst_close)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.01));
	feed(pkt_at(S, RST | ACK, 5001, 1002, 0, 1.5));
	ck_assert_int_eq(CSTATE, TM_CLOSED);
	ck_assert_int_eq(SSTATE, TM_CLOSED);
	finish_at(2);
	ck_assert_int_eq(f->close, CLOSE_RST);
}
END_TEST

START_TEST(syn_resent_after_a_syn_ack_proves_the_syn_ack_lost)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.001));
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);   /* assumed delivered */
	feed(pkt_at(C, SYN, 1000, 0, 0, 1.0));
	ck_assert_int_eq(CSTATE, TM_SYN_SENT);      /* it was not */
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 1.001));
	finish_at(3.0);                              /* never acknowledged */
	ck_assert_int_eq(CSTATE, TM_SYN_SENT);
	ck_assert_int_eq(SSTATE, TM_SYN_RECEIVED);
	ck_assert_int_eq(f->handshake, HS_INCOMPLETE);
	finish_at(127.5);
	ck_assert_int_eq(CSTATE, TM_CLOSED);
}
END_TEST

START_TEST(syn_resent_while_the_syn_ack_is_in_flight_is_no_loss)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 1.02));
	feed(pkt_at(C, SYN, 1000, 0, 0, 1.020056));        /* crossed it */
	feed(pkt_at(C, ACK, 1001, 5001, 0, 1.02009));
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 1.0201));   /* answers the SYN */
	ck_assert_int_eq(f->duplicates, 0);
	ck_assert_int_eq(f->v.ep[TM_SERVER].syn_count, 2);
	finish_at(2);
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);
	ck_assert_int_eq(SSTATE, TM_ESTABLISHED);
	ck_assert_int_eq(f->handshake, HS_COMPLETE);
}
END_TEST

START_TEST(out_of_window_rst_moves_neither_side)
{
	handshake();
	feed(pkt_at(C, RST, 1001 + 1000000000u, 0, 0, 1.0));
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);
	ck_assert_int_eq(SSTATE, TM_ESTABLISHED);
	feed(pkt_at(C, PSH | ACK, 1001, 5001, 10, 1.1));
	finish_at(2);
	ck_assert_int_eq(f->close, CLOSE_NONE);
}
END_TEST

START_TEST(retransmitted_syn_and_fin_do_not_advance_twice)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(C, SYN, 1000, 0, 0, 1.0));
	ck_assert_int_eq(f->tl[TM_CLIENT].n, 1);
	ck_assert_int_eq(f->v.ep[TM_CLIENT].syn_count, 2);
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 1.01));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 2.01));
	feed(pkt_at(C, ACK, 1001, 5001, 0, 2.02));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 3.0));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 3.2));
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_1);
	ck_assert_int_eq(f->v.ep[TM_CLIENT].fin_count, 2);
	ck_assert_int_eq(f->tl[TM_SERVER].n, 3); /* SYN-RECEIVED, ESTABLISHED, CLOSE-WAIT */
}
END_TEST

START_TEST(the_same_packet_captured_twice_is_not_a_retransmission)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.000016));
	ck_assert_int_eq(f->v.ep[TM_CLIENT].syn_count, 1);
	ck_assert_int_eq(f->duplicates, 1);
	ck_assert_int_eq(f->packets, 2);
	feed(pkt_at(C, SYN, 1000, 0, 0, 1.0));    /* a real retransmission */
	ck_assert_int_eq(f->v.ep[TM_CLIENT].syn_count, 2);
	ck_assert_int_eq(f->duplicates, 1);
}
END_TEST

START_TEST(fin_resent_without_ack_is_received_at_the_resend)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));   /* lost after the tap */
	ck_assert_int_eq(SSTATE, TM_CLOSE_WAIT);
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));
	ck_assert_int_eq(SSTATE, TM_CLOSE_WAIT);
	ck_assert_int_eq(f->tl[TM_SERVER].items[f->tl[TM_SERVER].n - 1].frame, 5);
	ck_assert_int_eq(f->tl[TM_SERVER].n, 3);
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.21));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.6));   /* acked: no revision */
	ck_assert_int_eq(f->tl[TM_SERVER].items[f->tl[TM_SERVER].n - 1].frame, 5);
}
END_TEST

START_TEST(ack_of_fin_lost_once_then_delivered)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.01));       /* lost after the tap */
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_2);
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));   /* so: resent */
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_1);
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.21));       /* arrives */
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_2);
}
END_TEST

START_TEST(ack_of_fin_lost_every_time_keeps_fin_wait_1)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.01));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.21));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.6));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.61));       /* lost like the others? */
	finish_at(2.0);                                  /* next resend due at ~2.4 s */
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_1);
	ck_assert_int_eq(SSTATE, TM_CLOSE_WAIT);
	finish_at(3.0);                                  /* it never came: delivered */
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_2);
}
END_TEST

START_TEST(repeated_fin_restarts_time_wait)
{
	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, ACK, 5001, 1002, 0, 1.01));
	feed(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.02));
	feed(pkt_at(S, FIN | ACK, 5001, 1002, 0, 31.0)); /* wave 4 was lost */
	finish_at(62.0);
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	finish_at(91.1);
	ck_assert_int_eq(CSTATE, TM_CLOSED);
}
END_TEST

START_TEST(midstream_connection_is_inferred_established)
{
	feed(pkt_at(C, PSH | ACK, 7000, 9000, 50, 0.0));
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);
	ck_assert_int_eq(SSTATE, TM_ESTABLISHED);
	feed(pkt_at(S, FIN | ACK, 9000, 7050, 0, 0.5));
	ck_assert_int_eq(SSTATE, TM_FIN_WAIT_1);
	ck_assert_int_eq(CSTATE, TM_CLOSE_WAIT);
	finish_at(1);
	ck_assert_int_eq(f->handshake, HS_MIDSTREAM);
	ck_assert_int_eq(f->v.midstream, 1);
}
END_TEST

START_TEST(midstream_client_is_the_higher_port)
{
	struct packet p = pkt_at(S, ACK, 9000, 7000, 0, 0.0);

	f = flow_new(&p, 1, 0);
	ck_assert_int_eq(f->v.port[TM_CLIENT], 40000);
	ck_assert_int_eq(f->v.port[TM_SERVER], 80);
}
END_TEST

START_TEST(syn_ack_first_infers_the_client_syn)
{
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.0));
	ck_assert_int_eq(f->tl[TM_CLIENT].items[0].from, TM_UNKNOWN);
	ck_assert_int_eq(f->tl[TM_CLIENT].items[0].to, TM_SYN_SENT);
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);
	feed(pkt_at(C, ACK, 1001, 5001, 0, 0.01));
	ck_assert_int_eq(CSTATE, TM_ESTABLISHED);
	ck_assert_int_eq(SSTATE, TM_ESTABLISHED);
	finish_at(1);
	ck_assert_int_eq(f->handshake, HS_COMPLETE);
}
END_TEST

START_TEST(lone_syn_ack_is_midstream)
{
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.0));
	finish_at(1);
	ck_assert_int_eq(f->handshake, HS_MIDSTREAM);
}
END_TEST

START_TEST(rst_with_a_wild_sequence_does_not_move_snd_nxt)
{
	handshake();
	feed(pkt_at(C, RST, 0x90000000u, 0, 0, 1.0));
	ck_assert_int_eq(f->v.ep[TM_CLIENT].snd_nxt, 1001);
}
END_TEST

START_TEST(unanswered_syn_is_no_answer_and_gives_up_at_127s)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(C, SYN, 1000, 0, 0, 1.0));
	finish_at(126);
	ck_assert_int_eq(CSTATE, TM_SYN_SENT);
	ck_assert_int_eq(SSTATE, TM_CLOSED);
	ck_assert_int_eq(f->handshake, HS_NO_ANSWER);
	finish_at(128);
	ck_assert_int_eq(CSTATE, TM_CLOSED);
}
END_TEST

START_TEST(syn_received_gives_up_after_synack_retries)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.0));
	finish_at(62);
	ck_assert_int_eq(SSTATE, TM_SYN_RECEIVED);
	ck_assert_int_eq(f->handshake, HS_INCOMPLETE);
	finish_at(64);
	ck_assert_int_eq(SSTATE, TM_CLOSED);
}
END_TEST

START_TEST(sequence_numbers_wrap_around)
{
	feed(pkt_at(C, SYN, 0xfffffff0u, 0, 0, 0.0));
	feed(pkt_at(S, SYN | ACK, 0xfffffffeu, 0xfffffff1u, 0, 0.01));
	feed(pkt_at(C, ACK, 0xfffffff1u, 0xffffffffu, 0, 0.02));
	feed(pkt_at(C, PSH | ACK, 0xfffffff1u, 0xffffffffu, 100, 0.03)); /* wraps */
	feed(pkt_at(C, FIN | ACK, 0x55u, 0xffffffffu, 0, 0.04));
	feed(pkt_at(S, ACK, 0xffffffffu, 0x56u, 0, 0.05));
	ck_assert_int_eq(CSTATE, TM_FIN_WAIT_2);
	ck_assert_int_eq(f->v.ep[TM_CLIENT].fin_acked, 1);
	feed(pkt_at(S, FIN | ACK, 0xffffffffu, 0x56u, 0, 0.06));
	feed(pkt_at(C, ACK, 0x56u, 0x0u, 0, 0.07));
	ck_assert_int_eq(CSTATE, TM_TIME_WAIT);
	ck_assert_int_eq(SSTATE, TM_CLOSED);
}
END_TEST

START_TEST(new_syn_with_new_isn_is_a_new_incarnation)
{
	struct packet same, fresh, synack;

	handshake();
	same = pkt_at(C, SYN, 1000, 0, 0, 1.0);
	fresh = pkt_at(C, SYN, 90000, 0, 0, 2.0);
	synack = pkt_at(S, SYN | ACK, 5000, 1001, 0, 2.0);
	ck_assert_int_eq(flow_is_new_incarnation(f, &same), 0);
	ck_assert_int_eq(flow_is_new_incarnation(f, &fresh), 1);
	ck_assert_int_eq(flow_is_new_incarnation(f, &synack), 0);
}
END_TEST

START_TEST(foreign_isn_while_syn_sent_is_no_new_connection)
{
	struct packet old;

	feed(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	old = pkt_at(C, SYN, 123456789, 0, 0, 0.5);
	ck_assert_int_eq(flow_is_new_incarnation(f, &old), 0);
	feed(old);
	ck_assert_int_eq(f->v.ep[TM_CLIENT].isn, 1000);
	ck_assert_int_eq(f->v.ep[TM_CLIENT].snd_nxt, 1001);
}
END_TEST

START_TEST(previous_incarnation_is_linked_with_its_time_wait)
{
	struct flow *old;
	struct packet p;

	handshake();
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	feed(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.01));
	feed(pkt_at(C, ACK, 1002, 5002, 0, 1.02));
	old = f;
	p = pkt_at(C, SYN, 90000, 0, 0, 5.0);
	f = flow_new(&p, 2, 0);
	flow_link_previous(f, old);
	ck_assert_int_eq(f->v.incarnation, 2);
	ck_assert_ptr_nonnull(f->v.previous);
	ck_assert_int_eq(f->prev.flow_id, 1);
	ck_assert_int_eq(f->prev.final_state[TM_CLIENT], TM_TIME_WAIT);
	ck_assert_int_eq(f->prev.last_seq[TM_CLIENT], 1002);
	ck_assert(f->prev.time_wait_since[TM_CLIENT] > 0);
	flow_free(old);
}
END_TEST

/* The ladder outgrows the room a flow is born with, keeps every line in
 * order, and stops at FLOW_LADDER_MAX, counting what it dropped.  (Under
 * AddressSanitizer this also checks the move out of the inline room.) */
START_TEST(ladder_outgrows_its_first_room_then_caps)
{
	handshake();
	for (int i = 0; i < FLOW_LADDER_MAX + 40; i++)  /* keepalives: not folded */
		feed(pkt_at(i % 2 ? S : C, RST, i % 2 ? 5001 : 1001, 0, 0, 1.0 + i));
	ck_assert_int_eq(f->nladder, FLOW_LADDER_MAX);
	ck_assert_uint_gt(f->ladder_dropped, 0);
	ck_assert_int_eq(f->ladder[0].flags, SYN);
	ck_assert_int_eq(f->ladder[1].flags, SYN | ACK);
	for (size_t i = 4; i < f->nladder; i++)
		ck_assert_uint_gt(f->ladder[i].frame, f->ladder[i - 1].frame);
}
END_TEST

START_TEST(data_segments_fold_into_runs_on_the_ladder)
{
	handshake();
	for (int i = 0; i < 10; i++) {
		feed(pkt_at(C, PSH | ACK, 1001 + 100 * i, 5001, 100, 1.0 + i * 0.01));
		feed(pkt_at(S, ACK, 5001, 1101 + 100 * i, 0, 1.0 + i * 0.01 + 0.001));
	}
	feed(pkt_at(C, FIN | ACK, 2001, 5001, 0, 2.0));
	/* SYN, SYN-ACK, ACK, a client run, a server run, FIN */
	ck_assert_int_eq(f->nladder, 6);
	ck_assert_int_eq(f->ladder[3].count, 10);
	ck_assert_int_eq(f->ladder[3].len, 1000);
	ck_assert_int_eq(f->ladder[4].count, 10);
	ck_assert_int_eq(f->ladder[5].flags, FIN | ACK);
	ck_assert_int_eq(f->ladder[5].rel_seq, 1001);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("scenarios");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, normal_open_reaches_established_on_both_sides);
	tcase_add_test(tc, four_way_close_client_first_leaves_client_in_time_wait);
	tcase_add_test(tc, time_wait_expires_after_two_msl);
	tcase_add_test(tc, next_timer_is_when_time_wait_ends);
	tcase_add_test(tc, next_timer_includes_a_held_back_fin_ack);
	tcase_add_test(tc, three_way_close_fin_ack_combined_passes_fin_wait_2);
	tcase_add_test(tc, simultaneous_close_goes_through_closing_on_both_sides);
	tcase_add_test(tc, simultaneous_open_passes_syn_received_on_both_sides);
	tcase_add_test(tc, half_close_with_data_after_fin_is_half_and_keeps_fin_wait_2);
	tcase_add_test(tc, orphaned_fin_wait_2_times_out);
	tcase_add_test(tc, refused_connection_never_had_a_server_socket);
	tcase_add_test(tc, abortive_close_resets_both_from_established);
	tcase_add_test(tc, rst_answering_the_syn_ack_means_no_socket_waited);
	tcase_add_test(tc, rst_with_ack_after_the_syn_ack_leaves_established);
	tcase_add_test(tc, rst_after_the_third_ack_leaves_established);
	tcase_add_test(tc, acking_the_peer_fin_proves_it_delivered_after_repeats);
	tcase_add_test(tc, rst_of_half_closed_connection_is_rst_close);
	tcase_add_test(tc, out_of_window_rst_moves_neither_side);
	tcase_add_test(tc, syn_resent_while_the_syn_ack_is_in_flight_is_no_loss);
	tcase_add_test(tc, syn_resent_after_a_syn_ack_proves_the_syn_ack_lost);
	tcase_add_test(tc, retransmitted_syn_and_fin_do_not_advance_twice);
	tcase_add_test(tc, the_same_packet_captured_twice_is_not_a_retransmission);
	tcase_add_test(tc, repeated_fin_restarts_time_wait);
	tcase_add_test(tc, ack_of_fin_lost_once_then_delivered);
	tcase_add_test(tc, ack_of_fin_lost_every_time_keeps_fin_wait_1);
	tcase_add_test(tc, fin_resent_without_ack_is_received_at_the_resend);
	tcase_add_test(tc, midstream_connection_is_inferred_established);
	tcase_add_test(tc, midstream_client_is_the_higher_port);
	tcase_add_test(tc, syn_ack_first_infers_the_client_syn);
	tcase_add_test(tc, unanswered_syn_is_no_answer_and_gives_up_at_127s);
	tcase_add_test(tc, lone_syn_ack_is_midstream);
	tcase_add_test(tc, rst_with_a_wild_sequence_does_not_move_snd_nxt);
	tcase_add_test(tc, syn_received_gives_up_after_synack_retries);
	tcase_add_test(tc, sequence_numbers_wrap_around);
	tcase_add_test(tc, new_syn_with_new_isn_is_a_new_incarnation);
	tcase_add_test(tc, previous_incarnation_is_linked_with_its_time_wait);
	tcase_add_test(tc, foreign_isn_while_syn_sent_is_no_new_connection);
	tcase_add_test(tc, data_segments_fold_into_runs_on_the_ladder);
	tcase_add_test(tc, ladder_outgrows_its_first_room_then_caps);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

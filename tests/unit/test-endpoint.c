/* test-endpoint.c: the endpoint state machine, cell by cell. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "endpoint.h"
#include "check-main.h"

/* The transitions of RFC 9293's diagram, written out again here from the
 * RFC (not from endpoint.c) so that the table is checked against them. */
static const struct { enum tm_state from; enum ep_event ev; enum tm_state to; } rfc[] = {
	{ TM_CLOSED, EV_SEND_SYN, TM_SYN_SENT },
	{ TM_LISTEN, EV_RECV_SYN, TM_SYN_RECEIVED },
	{ TM_SYN_SENT, EV_RECV_SYNACK, TM_ESTABLISHED },
	{ TM_SYN_SENT, EV_RECV_SYN, TM_SYN_RECEIVED },
	{ TM_SYN_RECEIVED, EV_RECV_ACK_OF_SYN, TM_ESTABLISHED },
	{ TM_SYN_RECEIVED, EV_SEND_FIN, TM_FIN_WAIT_1 },
	{ TM_ESTABLISHED, EV_SEND_FIN, TM_FIN_WAIT_1 },
	{ TM_ESTABLISHED, EV_RECV_FIN, TM_CLOSE_WAIT },
	{ TM_FIN_WAIT_1, EV_RECV_ACK_OF_FIN, TM_FIN_WAIT_2 },
	{ TM_FIN_WAIT_1, EV_RECV_FIN, TM_CLOSING },
	{ TM_FIN_WAIT_2, EV_RECV_FIN, TM_TIME_WAIT },
	{ TM_CLOSING, EV_RECV_ACK_OF_FIN, TM_TIME_WAIT },
	{ TM_CLOSE_WAIT, EV_SEND_FIN, TM_LAST_ACK },
	{ TM_LAST_ACK, EV_RECV_ACK_OF_FIN, TM_CLOSED },
	{ TM_TIME_WAIT, EV_TIMER_TIME_WAIT, TM_CLOSED },
};

START_TEST(rfc9293_diagram_transitions_hold)
{
	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++)
		ck_assert_msg(endpoint_next(rfc[i].from, rfc[i].ev) == rfc[i].to,
		    "row %zu: %s", i, endpoint_event_name(rfc[i].ev));
}
END_TEST

START_TEST(rst_closes_every_synchronised_state)
{
	enum tm_state st[] = { TM_SYN_SENT, TM_SYN_RECEIVED, TM_ESTABLISHED, TM_FIN_WAIT_1,
	    TM_FIN_WAIT_2, TM_CLOSE_WAIT, TM_CLOSING, TM_LAST_ACK, TM_TIME_WAIT };

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		ck_assert_int_eq(endpoint_next(st[i], EV_RECV_RST), TM_CLOSED);
		ck_assert_int_eq(endpoint_next(st[i], EV_SEND_RST), TM_CLOSED);
	}
}
END_TEST

START_TEST(rst_leaves_listen_and_closed_alone)
{
	ck_assert_int_eq(endpoint_next(TM_LISTEN, EV_RECV_RST), TM_LISTEN);
	ck_assert_int_eq(endpoint_next(TM_CLOSED, EV_RECV_RST), TM_CLOSED);
	ck_assert_int_eq(endpoint_next(TM_CLOSED, EV_SEND_RST), TM_CLOSED);
}
END_TEST

START_TEST(retransmissions_do_not_advance)
{
	ck_assert_int_eq(endpoint_next(TM_SYN_SENT, EV_SEND_SYN), TM_SYN_SENT);
	ck_assert_int_eq(endpoint_next(TM_SYN_RECEIVED, EV_SEND_SYNACK), TM_SYN_RECEIVED);
	ck_assert_int_eq(endpoint_next(TM_FIN_WAIT_1, EV_SEND_FIN), TM_FIN_WAIT_1);
	ck_assert_int_eq(endpoint_next(TM_LAST_ACK, EV_SEND_FIN), TM_LAST_ACK);
	ck_assert_int_eq(endpoint_next(TM_TIME_WAIT, EV_RECV_FIN), TM_TIME_WAIT);
	ck_assert_int_eq(endpoint_next(TM_CLOSE_WAIT, EV_RECV_FIN), TM_CLOSE_WAIT);
}
END_TEST

START_TEST(timers_only_fire_in_their_state)
{
	enum ep_event timers[] = { EV_TIMER_TIME_WAIT, EV_TIMER_FIN_WAIT_2, EV_TIMER_SYN_SENT,
	    EV_TIMER_SYN_RECEIVED, EV_TIMER_ORPHAN };
	enum tm_state home[] = { TM_TIME_WAIT, TM_FIN_WAIT_2, TM_SYN_SENT, TM_SYN_RECEIVED,
	    TM_LAST_ACK };

	for (size_t i = 0; i < 5; i++) {
		ck_assert_int_eq(endpoint_next(home[i], timers[i]), TM_CLOSED);
		ck_assert_int_eq(endpoint_next(TM_ESTABLISHED, timers[i]), TM_ESTABLISHED);
		ck_assert_int_eq(endpoint_next(TM_CLOSE_WAIT, timers[i]), TM_CLOSE_WAIT);
	}
	ck_assert_int_eq(endpoint_next(TM_FIN_WAIT_1, EV_TIMER_ORPHAN), TM_CLOSED);
	ck_assert_int_eq(endpoint_next(TM_CLOSING, EV_TIMER_ORPHAN), TM_CLOSED);
}
END_TEST

/* From every state some sequence of events reaches CLOSED: no trap states. */
START_TEST(every_state_can_reach_closed)
{
	for (int s = 0; s < TM_STATE_COUNT; s++) {
		int reach[TM_STATE_COUNT] = { 0 }, changed = 1;

		reach[s] = 1;
		while (changed) {
			changed = 0;
			for (int a = 0; a < TM_STATE_COUNT; a++)
				for (int e = 0; reach[a] && e < EV_COUNT; e++) {
					enum tm_state b = endpoint_next((enum tm_state)a, (enum ep_event)e);

					if (!reach[b])
						reach[b] = changed = 1;
				}
		}
		if (s != TM_LISTEN)
			ck_assert_msg(reach[TM_CLOSED], "state %d cannot reach CLOSED", s);
	}
}
END_TEST

START_TEST(apply_reports_the_change_with_its_cause)
{
	struct tm_endpoint ep = { .state = TM_FIN_WAIT_2 };
	struct tm_transition t;

	ck_assert_int_eq(endpoint_apply(&ep, TM_CLIENT, EV_RECV_FIN, 7, 42, &t), 1);
	ck_assert_int_eq(ep.state, TM_TIME_WAIT);
	ck_assert_int_eq(t.from, TM_FIN_WAIT_2);
	ck_assert_int_eq(t.to, TM_TIME_WAIT);
	ck_assert_int_eq(t.frame, 42);
	ck_assert_int_eq(ep.state_since, 7);
	ck_assert_str_eq(t.cause, "recv FIN");
	ck_assert_int_eq(endpoint_apply(&ep, TM_CLIENT, EV_RECV_FIN, 8, 43, &t), 0);
	ck_assert_int_eq(ep.state_since, 7);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, rfc9293_diagram_transitions_hold);
	tcase_add_test(tc, rst_closes_every_synchronised_state);
	tcase_add_test(tc, rst_leaves_listen_and_closed_alone);
	tcase_add_test(tc, retransmissions_do_not_advance);
	tcase_add_test(tc, timers_only_fire_in_their_state);
	tcase_add_test(tc, every_state_can_reach_closed);
	tcase_add_test(tc, apply_reports_the_change_with_its_cause);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

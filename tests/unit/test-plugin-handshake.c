/* test-plugin-handshake.c: the handshake's anomalies, ladder by ladder.
 * Client 10.0.0.1:40000 (ISN 1000), server 10.0.0.2:80 (ISN 5000). */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "play.h"
#include "check-main.h"

START_TEST(normal_open_reports_nothing)
{
	play_start();
	play_open(0);
	play(pkt_at(C, ACK | PSH, 1001, 5001, 10, 0.02));
	play_end(1);
	dump_findings();
	ck_assert_uint_eq(nfindings, 0);
}
END_TEST

/* Frames 1-3: the client's SYN, sent three times; 4-5: the rest of the
 * handshake, at 3.02 s. */
static void
play_open_after_two_syn_retransmits(void)
{
	play(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	play(pkt_at(C, SYN, 1000, 0, 0, 1.0));
	play(pkt_at(C, SYN, 1000, 0, 0, 3.0));
	play(pkt_at(S, SYN | ACK, 5000, 1001, 0, 3.01));
	play(pkt_at(C, ACK, 1001, 5001, 0, 3.02));
}

START_TEST(syn_retransmitted_twice_with_doubling_gaps)
{
	const struct found *f;

	play_start();
	play_open_after_two_syn_retransmits();
	play_end(5);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("syn-retransmit"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert_ptr_nonnull(strstr(f->detail, "twice (gaps 1.00 s, 2.00 s)"));
	ck_assert(has_frame(f, 1) && has_frame(f, 2) && has_frame(f, 3));
	ck_assert_ptr_null(found("handshake-timeout"));
}
END_TEST

/* macOS's series (five 1 s gaps, then doubling) and three SYNs more: the
 * first 12 are kept as evidence and make the gaps, all are counted. */
START_TEST(long_syn_series_keeps_twelve_and_counts_all)
{
	static const double at[] = { 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67, 68.5, 70, 71.25 };
	const struct found *f;

	play_start();
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		play(pkt_at(C, SYN, 1000, 0, 0, at[i] + 0.000123));
	play_end(80);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("syn-retransmit"));
	ck_assert_ptr_nonnull(strstr(f->detail, "13 times (gaps 1.00 s, 1.00 s, 1.00 s, 1.00 s, "
	    "1.00 s, 2.00 s, 4.00 s, 8.00 s, 16.00 s, 32.00 s, 1.50 s)"));
	ck_assert_uint_eq(f->nframes, 12);
	ck_assert(has_frame(f, 1) && has_frame(f, 12) && !has_frame(f, 13));
	ck_assert_ptr_nonnull(f = found("handshake-timeout"));
	ck_assert_ptr_nonnull(strstr(f->detail, "after 14 SYN(s)"));
}
END_TEST

START_TEST(synack_retransmitted_before_the_ack)
{
	const struct found *f;

	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0.0));
	play(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01));       /* 2 */
	play(pkt_at(S, SYN | ACK, 5000, 1001, 0, 1.01));       /* 3 */
	play(pkt_at(C, ACK, 1001, 5001, 0, 1.02));
	play_end(5);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("synack-retransmit"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert(has_frame(f, 2) && has_frame(f, 3));
	ck_assert_ptr_null(found("handshake-ack-lost"));
}
END_TEST

START_TEST(handshake_ack_lost_when_synack_repeats_after_it)
{
	const struct found *f;

	play_start();
	play_open(0);                                           /* 1-3 */
	play(pkt_at(S, SYN | ACK, 5000, 1001, 0, 1.01));       /* 4 */
	play(pkt_at(C, ACK, 1001, 5001, 0, 1.02));
	play_end(5);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("handshake-ack-lost"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 3) && has_frame(f, 4));
}
END_TEST

START_TEST(handshake_timeout_when_client_gives_up)
{
	const struct found *f;
	double t[] = { 0, 1, 3, 7, 15, 31, 63 };

	play_start();
	for (size_t i = 0; i < 7; i++)
		play(pkt_at(C, SYN, 1000, 0, 0, t[i]));
	play_end(200);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("handshake-timeout"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert_ptr_nonnull(strstr(f->detail, "gave up after 7 SYN"));
	ck_assert(has_frame(f, 1) && has_frame(f, 7));
	ck_assert_ptr_nonnull(found("syn-retransmit"));
}
END_TEST

START_TEST(handshake_unfinished_at_capture_end)
{
	const struct found *f;

	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));
	play_end(2);
	ck_assert_ptr_nonnull(f = found("handshake-timeout"));
	ck_assert_ptr_nonnull(strstr(f->detail, "unfinished"));
}
END_TEST

START_TEST(connection_refused_by_rst_ack)
{
	const struct found *f;

	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));                   /* 1 */
	play(pkt_at(S, RST | ACK, 0, 1001, 0, 0.001));         /* 2 */
	play_end(2);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("connection-refused"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert(has_frame(f, 1) && has_frame(f, 2));
	ck_assert_ptr_null(found("abortive-close"));
	ck_assert_ptr_null(found("handshake-timeout"));
}
END_TEST

START_TEST(syn_with_data_and_tfo_option_says_tfo)
{
	struct packet p = pkt_at(C, SYN, 1000, 0, 100, 0);
	const struct found *f;

	p.has_tfo = 1;
	p.tfo_cookie_len = 8;
	play_start();
	play(p);
	play(pkt_at(S, SYN | ACK, 5000, 1101, 0, 0.01));
	play(pkt_at(C, ACK, 1101, 5001, 0, 0.02));
	play_end(1);
	ck_assert_ptr_nonnull(f = found("syn-with-data"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert_ptr_nonnull(strstr(f->detail, "TFO (RFC 7413"));
	ck_assert(has_frame(f, 1));
}
END_TEST

START_TEST(syn_with_data_without_tfo_says_not_tfo)
{
	const struct found *f;

	play_start();
	play(pkt_at(C, SYN, 1000, 0, 20, 0));
	play_end(1);
	ck_assert_ptr_nonnull(f = found("syn-with-data"));
	ck_assert_ptr_nonnull(strstr(f->detail, "not TFO"));
}
END_TEST

START_TEST(simultaneous_open_when_both_send_syn)
{
	const struct found *f;

	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));                   /* 1 */
	play(pkt_at(S, SYN, 5000, 0, 0, 0.001));               /* 2 */
	play(pkt_at(C, SYN | ACK, 1000, 5001, 0, 0.002));
	play(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.003));
	play_end(1);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("simultaneous-open"));
	ck_assert(has_frame(f, 1) && has_frame(f, 2));
	ck_assert_int_eq(found_count("simultaneous-open"), 1);
	ck_assert_ptr_null(found("synack-retransmit"));    /* SYN-ACKs repeat the SYNs */
	ck_assert_ptr_null(found("syn-retransmit"));
}
END_TEST

START_TEST(old_duplicate_syn_reset_by_client)
{
	const struct found *f;

	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));                   /* 1 */
	play(pkt_at(S, SYN | ACK, 5000, 777, 0, 0.01));        /* 2: acks an old SYN */
	play(pkt_at(C, RST, 777, 0, 0, 0.011));                /* 3 */
	play_end(1);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("old-duplicate-syn"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 1) && has_frame(f, 2) && has_frame(f, 3));
}
END_TEST

/* A RST without ACK answering the SYN-ACK: no socket waited for it (the
 * client gave up, or never sent the SYN).  Not an abortive close. */
START_TEST(client_reset_of_the_synack_is_a_timeout_not_an_abort)
{
	const struct found *f;

	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));                   /* 1 */
	play(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.3));        /* 2 */
	play(pkt_at(C, RST, 1001, 0, 0, 0.6));                 /* 3 */
	play_end(1);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("handshake-timeout"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 1) && has_frame(f, 2) && has_frame(f, 3));
	ck_assert_ptr_nonnull(strstr(f->detail, "with RST instead of ACK"));
	ck_assert_ptr_null(found("abortive-close"));
	ck_assert_uint_eq(nfindings, 1);
}
END_TEST

START_TEST(client_abort_after_its_ack_is_no_handshake_timeout)
{
	play_start();
	play_open(0);
	play(pkt_at(C, RST | ACK, 1001, 5001, 0, 0.5));
	play_end(1);
	dump_findings();
	ck_assert_ptr_null(found("handshake-timeout"));
	ck_assert_ptr_nonnull(found("abortive-close"));
}
END_TEST

/* A flood's backscatter: 25 spoofed sources answer the server's SYN-ACKs
 * with RST.  20 listed, the rest summed up; no abortive-close. */
START_TEST(backscatter_resets_are_folded_per_server)
{
	int listed = 0, summary = 0;

	play_start();
	for (int i = 0; i < 25; i++) {
		uint16_t port = (uint16_t)(42000 + i);
		double t = 0.01 * i;

		play(play_pkt(1, port, C, SYN, 1000u + 13u * (uint32_t)i, 0, 0, t));
		play(play_pkt(1, port, S, SYN | ACK, 5000, 1001u + 13u * (uint32_t)i, 0, t + 0.001));
		play(play_pkt(1, port, C, RST, 1001u + 13u * (uint32_t)i, 0, 0, t + 0.002));
	}
	play_end(2);
	for (size_t i = 0; i < nfindings; i++)
		if (strcmp(findings[i].kind, "handshake-timeout") == 0)
			findings[i].side == TM_NO_SIDE ? summary++ : listed++;
	ck_assert_int_eq(listed, 20);
	ck_assert_int_eq(summary, 1);
	ck_assert_ptr_null(found("abortive-close"));
}
END_TEST

START_TEST(timeouts_beyond_the_per_host_limit_are_summed_up)
{
	int listed = 0, summary = 0;

	play_start();
	for (int i = 0; i < 30; i++)            /* a scan: 30 unanswered SYNs */
		play(play_pkt(1, (uint16_t)(41000 + i), C, SYN, 1000u + 7u * (uint32_t)i * (uint32_t)i,
		    0, 0, 0.01 * i));
	play_end(2);
	for (size_t i = 0; i < nfindings; i++) {
		if (strcmp(findings[i].kind, "handshake-timeout") != 0)
			continue;
		if (findings[i].side == TM_NO_SIDE) {
			summary++;
			ck_assert_ptr_nonnull(strstr(findings[i].detail, "10 more handshake-timeout findings for server 10.0.0.2"));
			ck_assert_uint_eq(findings[i].nframes, 10);
		} else
			listed++;
	}
	ck_assert_int_eq(listed, 20);
	ck_assert_int_eq(summary, 1);
}
END_TEST

/* A connection's record is kept for the next when it ends: the next one
 * on the 4-tuple, with a clean handshake, starts from nothing. */
START_TEST(the_next_incarnation_does_not_inherit_the_retransmissions)
{
	int retransmits = 0;

	play_start();
	play_open_after_two_syn_retransmits();
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 3.03));
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 3.04));
	play(pkt_at(C, ACK, 1002, 5002, 0, 3.05));
	play(pkt_at(C, SYN, 900000, 0, 0, 5.0));               /* 9: a new incarnation */
	play(pkt_at(S, SYN | ACK, 70000, 900001, 0, 5.01));
	play(pkt_at(C, ACK, 900001, 70001, 0, 5.02));
	play_end(6);
	dump_findings();
	for (size_t i = 0; i < nfindings; i++)
		if (strcmp(findings[i].kind, "syn-retransmit") == 0) {
			retransmits++;
			ck_assert(has_frame(&findings[i], 1) && !has_frame(&findings[i], 9));
		}
	ck_assert_int_eq(retransmits, 1);
	ck_assert_ptr_null(found("handshake-timeout"));
	ck_assert_ptr_null(found("synack-retransmit"));
	ck_assert_ptr_nonnull(found("port-reuse-in-time-wait"));     /* the reuse detector's */
}
END_TEST

START_TEST(one_way_capture_missing_the_synack_is_no_timeout)
{
	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));
	play(pkt_at(C, ACK, 1001, 5001, 0, 0.02));             /* it got the SYN-ACK */
	play(pkt_at(C, ACK | PSH, 1001, 5001, 50, 0.03));
	play_end(2);
	dump_findings();
	ck_assert_ptr_null(found("handshake-timeout"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plugin-handshake");
	TCase *tc = tcase_create("open");

	tcase_add_test(tc, normal_open_reports_nothing);
	tcase_add_test(tc, syn_retransmitted_twice_with_doubling_gaps);
	tcase_add_test(tc, long_syn_series_keeps_twelve_and_counts_all);
	tcase_add_test(tc, synack_retransmitted_before_the_ack);
	tcase_add_test(tc, handshake_ack_lost_when_synack_repeats_after_it);
	tcase_add_test(tc, handshake_timeout_when_client_gives_up);
	tcase_add_test(tc, handshake_unfinished_at_capture_end);
	tcase_add_test(tc, connection_refused_by_rst_ack);
	tcase_add_test(tc, syn_with_data_and_tfo_option_says_tfo);
	tcase_add_test(tc, syn_with_data_without_tfo_says_not_tfo);
	tcase_add_test(tc, simultaneous_open_when_both_send_syn);
	tcase_add_test(tc, old_duplicate_syn_reset_by_client);
	tcase_add_test(tc, client_reset_of_the_synack_is_a_timeout_not_an_abort);
	tcase_add_test(tc, client_abort_after_its_ack_is_no_handshake_timeout);
	tcase_add_test(tc, backscatter_resets_are_folded_per_server);
	tcase_add_test(tc, timeouts_beyond_the_per_host_limit_are_summed_up);
	tcase_add_test(tc, one_way_capture_missing_the_synack_is_no_timeout);
	tcase_add_test(tc, the_next_incarnation_does_not_inherit_the_retransmissions);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

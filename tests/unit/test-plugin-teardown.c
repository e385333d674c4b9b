/* test-plugin-teardown.c: the four-way close's anomalies, ladder by ladder.
 * Client 10.0.0.1:40000 (ISN 1000), server 10.0.0.2:80 (ISN 5000); frames
 * 1-3 are the handshake. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "play.h"
#include "check-main.h"

static void
normal_close_from_client(double t)
{
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, t));          /* 4: wave 1 */
	play(pkt_at(S, ACK, 5001, 1002, 0, t + 0.001));        /* 5: wave 2 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, t + 0.002));  /* 6: wave 3 */
	play(pkt_at(C, ACK, 1002, 5002, 0, t + 0.003));        /* 7: wave 4 */
}

START_TEST(normal_close_reports_nothing)
{
	play_start();
	play_open(0);
	normal_close_from_client(1.0);
	play_end(100);
	dump_findings();
	ck_assert_uint_eq(nfindings, 0);
}
END_TEST

START_TEST(fin_lost_wave1_retransmitted_twice)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));        /* 5 */
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.6));        /* 6 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.61));             /* 7 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.7));        /* 8 */
	play(pkt_at(C, ACK, 1002, 5002, 0, 1.71));             /* 9 */
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("fin-lost"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert_ptr_nonnull(strstr(f->detail, "wave 1"));
	ck_assert_ptr_nonnull(strstr(f->detail, "twice"));
	ck_assert_ptr_nonnull(strstr(f->detail, "0.20 s, 0.40 s"));
	ck_assert(has_frame(f, 4) && has_frame(f, 5) && has_frame(f, 6));
	ck_assert_ptr_null(found("fin-ack-lost"));
}
END_TEST

START_TEST(fin_lost_wave3_retransmitted_twice)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));            /* 5 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.1));        /* 6 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.3));        /* 7 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.7));        /* 8 */
	play(pkt_at(C, ACK, 1002, 5002, 0, 1.701));            /* 9 */
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("fin-lost"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert_ptr_nonnull(strstr(f->detail, "wave 3"));
	ck_assert_ptr_nonnull(strstr(f->detail, "twice"));
	ck_assert(has_frame(f, 6) && has_frame(f, 7) && has_frame(f, 8));
	ck_assert_int_eq(found_count("fin-lost"), 1);
}
END_TEST

START_TEST(fin_lost_next_to_receiver_says_ack_may_be_lost)
{
	const struct found *f;

	play_start_with(NULL, NULL, TM_VANTAGE_SERVER);
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));
	play_end(5);
	ck_assert_ptr_nonnull(f = found("fin-lost"));
	ck_assert_ptr_nonnull(strstr(f->detail, "ACK may have been lost before the tap"));
	ck_assert_int_eq(f->vantage, TM_VANTAGE_SERVER);
}
END_TEST

START_TEST(fin_ack_lost_wave4_after_the_tap)
{
	const struct found *f;

	play_start();
	play_open(0);
	normal_close_from_client(1.0);                          /* 4-7 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.3));        /* 8: repeated */
	play(pkt_at(C, ACK, 1002, 5002, 0, 1.301));            /* 9 */
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("fin-ack-lost"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert_ptr_nonnull(strstr(f->detail, "wave 4"));
	ck_assert(has_frame(f, 6) && has_frame(f, 8) && has_frame(f, 7));
	ck_assert_ptr_null(found("fin-lost"));
}
END_TEST

/* The same repeats, the server's FIN,ACK then acknowledged by the client:
 * that ACK was delivered, late; not lost (zeek's ssh.pcap, port 8118). */
START_TEST(fin_repeated_before_its_ack_arrived_is_no_ack_loss)
{
	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.0002));     /* 5 */
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.001));      /* 6 */
	play(pkt_at(S, ACK, 5002, 1002, 0, 1.0011));           /* 7 */
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0014));     /* 8 */
	play(pkt_at(S, ACK, 5002, 1002, 0, 1.0015));           /* 9 */
	play(pkt_at(C, ACK, 1002, 5002, 0, 1.00151));          /* 10 */
	play_end(100);
	dump_findings();
	ck_assert_ptr_null(found("fin-ack-lost"));
	ck_assert_ptr_null(found("fin-lost"));
	ck_assert_ptr_null(found("fin-wait-2-timeout"));
	ck_assert_uint_eq(nfindings, 0);
}
END_TEST

/* A pure ACK proves nothing by being acknowledged: the repeat after it
 * still says it was lost. */
START_TEST(fin_repeated_after_a_pure_ack_is_ack_loss)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));            /* 5 */
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));        /* 6 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.201));            /* 7 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.5));        /* 8 */
	play(pkt_at(C, ACK, 1002, 5002, 0, 1.501));            /* 9 */
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("fin-ack-lost"));
	ck_assert_ptr_nonnull(strstr(f->detail, "wave 2"));
}
END_TEST

START_TEST(close_wait_stuck_41_seconds)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));            /* 5 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 42.0));       /* 6 */
	play(pkt_at(C, ACK, 1002, 5002, 0, 42.001));
	play_end(200);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("close-wait-stuck"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert_ptr_nonnull(strstr(f->detail, "41.0 s"));
	ck_assert(has_frame(f, 4));
}
END_TEST

START_TEST(close_wait_never_closed_by_capture_end)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));
	play_end(60.0);
	ck_assert_ptr_nonnull(f = found("close-wait-stuck"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert_ptr_nonnull(strstr(f->detail, "had not called close() by the end"));
	ck_assert_ptr_nonnull(strstr(f->detail, "59.0 s after the peer's FIN (an application"));
}
END_TEST

/* The capture stops 3 s after the FIN, under the 5 s of a late close:
 * still reported (the catalogue's "never by capture end"), but the detail
 * says the capture is too short to call it a leak. */
START_TEST(close_wait_at_a_capture_end_too_soon_says_so)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));
	play_end(4.0);
	ck_assert_ptr_nonnull(f = found("close-wait-stuck"));
	ck_assert_ptr_nonnull(strstr(f->detail, "only 3.0 s after the peer's FIN, sooner than "
	    "a close is called late (5 s)"));
	ck_assert_ptr_null(strstr(f->detail, "leaks"));
}
END_TEST

START_TEST(close_wait_threshold_is_settable)
{
	const char *set[] = { "close-wait-stuck.seconds=60", NULL };

	play_start_with(set, NULL, TM_VANTAGE_UNKNOWN);
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 42.0));
	play(pkt_at(C, ACK, 1002, 5002, 0, 42.001));
	play_end(200);
	ck_assert_ptr_null(found("close-wait-stuck"));
}
END_TEST

/* The client shuts down its sending side; the server keeps answering for
 * 80 s, then closes: neither CLOSE-WAIT nor FIN-WAIT-2 is stuck. */
START_TEST(half_close_is_neither_close_wait_stuck_nor_fin_wait_2_timeout)
{
	uint32_t seq = 5001;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));
	for (double t = 2; t <= 80; t += 3) {
		play(pkt_at(S, ACK | PSH, seq, 1002, 100, t));
		seq += 100;
		play(pkt_at(C, ACK, 1002, seq, 0, t + 0.01));
	}
	play(pkt_at(S, FIN | ACK, seq, 1002, 0, 81.0));
	play(pkt_at(C, ACK, 1002, seq + 1, 0, 81.01));
	play_end(300);
	dump_findings();
	ck_assert_ptr_null(found("close-wait-stuck"));
	ck_assert_ptr_null(found("fin-wait-2-timeout"));
}
END_TEST

START_TEST(fin_wait_2_timeout_when_the_peer_never_closes)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));            /* 5 */
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("fin-wait-2-timeout"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 4) && has_frame(f, 5));
	ck_assert_ptr_nonnull(strstr(f->detail, "tcp_fin_timeout"));
}
END_TEST

START_TEST(time_wait_assassination_by_rst)
{
	const struct found *f;

	play_start();
	play_open(0);
	normal_close_from_client(1.0);                          /* client TIME-WAIT */
	play(pkt_at(S, RST, 5002, 0, 0, 5.0));                 /* 8 */
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("time-wait-assassination"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 8));
	ck_assert_ptr_null(found("abortive-close"));
}
END_TEST

START_TEST(rst_after_time_wait_expired)
{
	const struct found *f;

	play_start();
	play_open(0);
	normal_close_from_client(1.0);                          /* client TW until ~61 s */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 70.0));       /* 8: late repeat */
	play(pkt_at(C, RST, 1002, 0, 0, 70.001));              /* 9 */
	play_end(200);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("rst-after-time-wait"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 8) && has_frame(f, 9));
	ck_assert_ptr_null(found("abortive-close"));
}
END_TEST

START_TEST(abortive_close_names_side_and_state)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, ACK | PSH, 1001, 5001, 10, 1.0));
	play(pkt_at(S, RST | ACK, 5001, 1011, 0, 1.1));        /* 5 */
	play_end(10);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("abortive-close"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert_ptr_nonnull(strstr(f->detail, "ESTABLISHED"));
	ck_assert(has_frame(f, 5));
	ck_assert_ptr_null(found("rst-injection-suspect"));
}
END_TEST

/* A reset after the side's own FIN: data kept coming to a closed socket
 * (zeek's irc-starttls.pcap), or nothing new came (the socket was gone). */
START_TEST(abortive_close_after_own_fin_says_why)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, ACK | PSH, 5001, 1002, 31, 1.3));       /* 5 */
	play(pkt_at(C, RST, 1002, 0, 0, 1.30003));             /* 6 */
	play_end(3);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("abortive-close"));
	ck_assert_ptr_nonnull(strstr(f->detail, "in FIN-WAIT-2, after its own FIN, when the "
	    "peer's data kept arriving"));
	ck_assert(has_frame(f, 5) && has_frame(f, 6));

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));            /* 5 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 20.0));             /* 6: a keep-alive */
	play(pkt_at(C, RST, 1002, 0, 0, 20.01));               /* 7 */
	play_end(30);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("abortive-close"));
	ck_assert_ptr_nonnull(strstr(f->detail, "after its own FIN: its socket was gone"));
	ck_assert(has_frame(f, 7) && !has_frame(f, 6));
}
END_TEST

START_TEST(simultaneous_close_when_fins_cross)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, FIN | ACK, 5001, 1001, 0, 1.0005));     /* 5: does not ack 4 */
	play(pkt_at(C, ACK, 1002, 5002, 0, 1.001));
	play(pkt_at(S, ACK, 5002, 1002, 0, 1.0015));
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("simultaneous-close"));
	ck_assert(has_frame(f, 4) && has_frame(f, 5));
	ck_assert_int_eq(found_count("simultaneous-close"), 1);
	ck_assert_ptr_null(found("fin-lost"));
}
END_TEST

START_TEST(data_after_own_fin)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(C, ACK | PSH, 1002, 5001, 10, 1.1));       /* 5 */
	play_end(3);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("data-after-fin"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 4) && has_frame(f, 5));
}
END_TEST

START_TEST(rst_out_of_window_is_injection_suspect)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(S, RST, 5001 + 50000000, 0, 0, 1.0));      /* 4 */
	play(pkt_at(C, ACK | PSH, 1001, 5001, 10, 1.1));
	play_end(3);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("rst-injection-suspect"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert(has_frame(f, 4));
	ck_assert_ptr_null(found("abortive-close"));
}
END_TEST

START_TEST(reset_side_that_keeps_sending_is_injection_suspect)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(S, RST, 5001, 0, 0, 1.0));                 /* 4 */
	play(pkt_at(S, ACK | PSH, 5001, 1001, 100, 1.1));      /* 5 */
	play_end(3);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("rst-injection-suspect"));
	ck_assert(has_frame(f, 4) && has_frame(f, 5));
}
END_TEST

START_TEST(close_wait_stuck_aggregates_per_service)
{
	int host_level = 0;

	play_start();
	for (int i = 0; i < 4; i++) {
		uint16_t port = (uint16_t)(41000 + i);

		play(play_pkt(1, port, C, SYN, 1000, 0, 0, i));
		play(play_pkt(1, port, S, SYN | ACK, 5000, 1001, 0, i + 0.01));
		play(play_pkt(1, port, C, ACK, 1001, 5001, 0, i + 0.02));
		play(play_pkt(1, port, C, FIN | ACK, 1001, 5001, 0, i + 0.5));
		play(play_pkt(1, port, S, ACK, 5001, 1002, 0, i + 0.51));
	}
	play_end(30);
	dump_findings();
	for (size_t i = 0; i < nfindings; i++)
		if (strcmp(findings[i].kind, "close-wait-stuck") == 0 && findings[i].side == TM_NO_SIDE) {
			host_level++;
			ck_assert_int_eq(findings[i].port, 80);
			ck_assert_ptr_nonnull(strstr(findings[i].detail, "4 connections"));
		}
	ck_assert_int_eq(host_level, 1);
	ck_assert_int_eq(found_count("close-wait-stuck"), 5);
}
END_TEST

/* RFC 9293: an unacceptable ACK in SYN-SENT is answered <SEQ=SEG.ACK><CTL=RST>. */
START_TEST(reset_answering_an_unacceptable_ack_is_not_injection)
{
	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));
	play(pkt_at(S, ACK, 777777, 3058576675u, 0, 0.01));
	play(pkt_at(C, RST, 3058576675u, 0, 0, 0.011));
	play_end(1);
	dump_findings();
	ck_assert_ptr_null(found("rst-injection-suspect"));
	ck_assert_ptr_null(found("abortive-close"));
}
END_TEST

/* ... and the client, still in SYN-SENT, connects with its next SYN and
 * sends data: its reset ended nothing (suricata-verify tls-subjectaltname:
 * a server's ACK from an old connection, a Windows client's RST, then its
 * SYN again 3 s later). */
START_TEST(data_after_the_reset_of_an_unacceptable_ack_is_not_injection)
{
	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));                   /* 1 */
	play(pkt_at(S, ACK, 777777, 3058576675u, 0, 0.01));    /* 2 */
	play(pkt_at(C, RST, 3058576675u, 0, 0, 0.011));        /* 3 */
	play(pkt_at(C, SYN, 1000, 0, 0, 3.0));                 /* 4 */
	play(pkt_at(S, SYN | ACK, 5000, 1001, 0, 3.01));
	play(pkt_at(C, ACK, 1001, 5001, 0, 3.02));
	play(pkt_at(C, ACK | PSH, 1001, 5001, 100, 3.03));
	play(pkt_at(S, ACK | PSH, 5001, 1101, 200, 3.05));
	play_end(5);
	dump_findings();
	ck_assert_ptr_null(found("rst-injection-suspect"));
	ck_assert_ptr_null(found("abortive-close"));
}
END_TEST

START_TEST(lone_rst_of_an_unseen_connection_is_not_abortive_close)
{
	play_start();
	play(pkt_at(S, RST | ACK, 5001, 1001, 0, 0));
	play_end(1);
	dump_findings();
	ck_assert_ptr_null(found("abortive-close"));
}
END_TEST

/* The host drops an identical copy seen within DUPLICATE_WINDOW; the
 * detectors never take it for a retransmission. */
START_TEST(fin_seen_twice_within_a_millisecond_is_a_capture_duplicate)
{
	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0002));
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.01));
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.02));
	play(pkt_at(C, ACK, 1002, 5002, 0, 1.03));
	play_end(100);
	dump_findings();
	ck_assert_ptr_null(found("fin-lost"));
	ck_assert_ptr_null(found("fin-ack-lost"));
}
END_TEST

START_TEST(fin_lost_closer_gave_up_after_orphan_retries)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.6));
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 2.4));
	play_end(300);                  /* past the orphan give-up (102.2 s) */
	dump_findings();
	ck_assert_ptr_nonnull(f = found("fin-lost"));
	ck_assert_ptr_nonnull(strstr(f->detail, "3 times"));
	ck_assert_ptr_nonnull(strstr(f->detail, "gave up (tcp_orphan_retries)"));
}
END_TEST

START_TEST(fin_wait_2_timeout_then_late_fin_gets_rst)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.001));            /* 5 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 70.0));       /* 6: late */
	play(pkt_at(C, RST, 1002, 0, 0, 70.001));              /* 7 */
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("fin-wait-2-timeout"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 4) && has_frame(f, 5) && has_frame(f, 6) && has_frame(f, 7));
	ck_assert_ptr_nonnull(strstr(f->detail, "the peer's late FIN got a RST"));
	ck_assert_ptr_null(found("abortive-close"));
	ck_assert_ptr_null(found("rst-after-time-wait"));
}
END_TEST

/* The client's FIN-WAIT-2 timeout was 3 s (not the profile's 60): the
 * server's FIN 6 s later is answered with RST. */
START_TEST(fin_wait_2_timeout_inferred_from_rst_to_late_fin)
{
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));        /* 4 */
	play(pkt_at(S, ACK, 5001, 1002, 0, 1.1));              /* 5 */
	play(pkt_at(S, FIN | ACK, 5001, 1002, 0, 7.0));        /* 6 */
	play(pkt_at(C, RST, 1002, 0, 0, 7.0001));              /* 7 */
	play_end(8);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("fin-wait-2-timeout"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert(has_frame(f, 4) && has_frame(f, 6) && has_frame(f, 7));
	ck_assert_ptr_nonnull(strstr(f->detail, "5.9 s into FIN-WAIT-2, with RST"));
	ck_assert_ptr_null(found("abortive-close"));
	ck_assert_ptr_null(found("rst-after-time-wait"));
}
END_TEST

/* BSD and macOS answer a crossing FIN with FIN,ACK again. */
START_TEST(fin_repeated_to_acknowledge_the_peers_fin_is_no_loss)
{
	play_start();
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(S, FIN | ACK, 5001, 1001, 0, 1.00001));    /* crosses */
	play(pkt_at(C, FIN | ACK, 1001, 5002, 0, 1.00002));    /* acks it */
	play(pkt_at(S, ACK, 5002, 1002, 0, 1.00003));
	play_end(100);
	dump_findings();
	ck_assert_ptr_null(found("fin-lost"));
	ck_assert_ptr_null(found("fin-ack-lost"));
	ck_assert_ptr_nonnull(found("simultaneous-close"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plugin-teardown");
	TCase *tc = tcase_create("close");

	tcase_add_test(tc, normal_close_reports_nothing);
	tcase_add_test(tc, fin_lost_wave1_retransmitted_twice);
	tcase_add_test(tc, fin_lost_wave3_retransmitted_twice);
	tcase_add_test(tc, fin_lost_next_to_receiver_says_ack_may_be_lost);
	tcase_add_test(tc, fin_ack_lost_wave4_after_the_tap);
	tcase_add_test(tc, fin_repeated_before_its_ack_arrived_is_no_ack_loss);
	tcase_add_test(tc, fin_repeated_after_a_pure_ack_is_ack_loss);
	tcase_add_test(tc, close_wait_stuck_41_seconds);
	tcase_add_test(tc, close_wait_never_closed_by_capture_end);
	tcase_add_test(tc, close_wait_at_a_capture_end_too_soon_says_so);
	tcase_add_test(tc, close_wait_threshold_is_settable);
	tcase_add_test(tc, half_close_is_neither_close_wait_stuck_nor_fin_wait_2_timeout);
	tcase_add_test(tc, fin_wait_2_timeout_when_the_peer_never_closes);
	tcase_add_test(tc, time_wait_assassination_by_rst);
	tcase_add_test(tc, rst_after_time_wait_expired);
	tcase_add_test(tc, abortive_close_names_side_and_state);
	tcase_add_test(tc, abortive_close_after_own_fin_says_why);
	tcase_add_test(tc, simultaneous_close_when_fins_cross);
	tcase_add_test(tc, data_after_own_fin);
	tcase_add_test(tc, rst_out_of_window_is_injection_suspect);
	tcase_add_test(tc, reset_side_that_keeps_sending_is_injection_suspect);
	tcase_add_test(tc, close_wait_stuck_aggregates_per_service);
	tcase_add_test(tc, reset_answering_an_unacceptable_ack_is_not_injection);
	tcase_add_test(tc, data_after_the_reset_of_an_unacceptable_ack_is_not_injection);
	tcase_add_test(tc, lone_rst_of_an_unseen_connection_is_not_abortive_close);
	tcase_add_test(tc, fin_seen_twice_within_a_millisecond_is_a_capture_duplicate);
	tcase_add_test(tc, fin_lost_closer_gave_up_after_orphan_retries);
	tcase_add_test(tc, fin_wait_2_timeout_then_late_fin_gets_rst);
	tcase_add_test(tc, fin_wait_2_timeout_inferred_from_rst_to_late_fin);
	tcase_add_test(tc, fin_repeated_to_acknowledge_the_peers_fin_is_no_loss);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

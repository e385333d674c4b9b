/* test-plugin-reuse.c: 4-tuples reused in TIME-WAIT, and ISNs. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "play.h"
#include "check-main.h"

static struct packet
ts_pkt(struct packet p, uint32_t tsval)
{
	p.has_ts = 1;
	p.tsval = tsval;
	return p;
}

/* First connection; the server closes first and so holds TIME-WAIT.
 * The client's last sequence number is 1002. */
static void
server_closes_first(int with_ts)
{
	play(ts_pkt(pkt_at(C, SYN, 1000, 0, 0, 0.0), 100));
	play(ts_pkt(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01), 900));
	play(ts_pkt(pkt_at(C, ACK, 1001, 5001, 0, 0.02), 101));
	play(ts_pkt(pkt_at(S, FIN | ACK, 5001, 1001, 0, 1.0), 901));
	play(ts_pkt(pkt_at(C, ACK, 1001, 5002, 0, 1.001), 102));
	play(ts_pkt(pkt_at(C, FIN | ACK, 1001, 5002, 0, 1.002), 103));
	play(ts_pkt(pkt_at(S, ACK, 5002, 1002, 0, 1.003), 902));
	if (!with_ts)
		for (size_t i = 0; i < play_nflows; i++)
			play_flows[i]->v.ep[TM_CLIENT].has_ts = 0;
}

START_TEST(reuse_in_time_wait_acceptable_by_rfc1122)
{
	const struct found *f;

	play_start();
	server_closes_first(0);
	play(pkt_at(C, SYN, 900000, 0, 0, 10.0));              /* 8 */
	play_end(12);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("port-reuse-in-time-wait"));
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert_ptr_nonnull(strstr(f->detail, "acceptable by RFC 1122"));
	ck_assert(has_frame(f, 8));
	ck_assert_ptr_null(found("isn-reuse"));
}
END_TEST

START_TEST(reuse_in_time_wait_acceptable_by_rfc6191_timestamps)
{
	const struct found *f;

	play_start();
	server_closes_first(1);
	play(ts_pkt(pkt_at(C, SYN, 500, 0, 0, 10.0), 5000));
	play_end(12);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("port-reuse-in-time-wait"));
	ck_assert_ptr_nonnull(strstr(f->detail, "acceptable by RFC 6191"));
	ck_assert_ptr_nonnull(f = found("isn-reuse"));
	ck_assert_ptr_nonnull(strstr(f->detail, "(a)"));
}
END_TEST

START_TEST(reuse_in_time_wait_with_no_rule)
{
	const struct found *f;

	play_start();
	server_closes_first(0);
	play(pkt_at(C, SYN, 500, 0, 0, 10.0));
	play_end(12);
	ck_assert_ptr_nonnull(f = found("port-reuse-in-time-wait"));
	ck_assert_ptr_nonnull(strstr(f->detail, "no rule makes it acceptable"));
	ck_assert_ptr_nonnull(f = found("isn-reuse"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert_ptr_nonnull(strstr(f->detail, "(a)"));
}
END_TEST

START_TEST(reuse_after_time_wait_expired_is_not_reported)
{
	play_start();
	server_closes_first(0);
	play(pkt_at(C, SYN, 900000, 0, 0, 70.0));
	play_end(72);
	dump_findings();
	ck_assert_ptr_null(found("port-reuse-in-time-wait"));
	ck_assert_ptr_null(found("isn-reuse"));
}
END_TEST

static void
connect_with_isn(uint16_t port, uint32_t isn, double t)
{
	play(play_pkt(1, port, C, SYN, isn, 0, 0, t));
	uint32_t p = port, server_isn = (p * 2654435761u) ^ (p * p * 40503u) ^ (p << 19);

	play(play_pkt(1, port, S, SYN | ACK, server_isn, isn + 1, 0, t + 0.01));
}

START_TEST(isn_reused_by_one_host_for_another_connection)
{
	const struct found *f;

	play_start();
	connect_with_isn(41000, 123456, 0);
	connect_with_isn(41001, 123456, 1);
	play_end(3);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("isn-reuse"));
	ck_assert_int_eq(f->side, TM_CLIENT);
	ck_assert_ptr_nonnull(strstr(f->detail, "(b)"));
	ck_assert_ptr_nonnull(strstr(f->detail, "again"));
	ck_assert(has_frame(f, 1) && has_frame(f, 3));
}
END_TEST

START_TEST(isns_stepping_by_a_constant_are_predictable)
{
	const struct found *f;

	play_start();
	for (int i = 0; i < 4; i++)
		connect_with_isn((uint16_t)(41000 + i), 1000 + 64000u * (uint32_t)i, i);
	play_end(5);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("isn-reuse"));
	ck_assert_ptr_nonnull(strstr(f->detail, "constant 64000"));
	ck_assert_int_eq(found_count("isn-reuse"), 1);
}
END_TEST

START_TEST(random_isns_are_not_reported)
{
	static const uint32_t isns[] = { 3141592653u, 2718281828u, 1414213562u, 1732050807u,
	    2236067977u, 1618033988u };

	play_start();
	for (int i = 0; i < 6; i++)
		connect_with_isn((uint16_t)(41000 + i), isns[i], i);
	play_end(7);
	dump_findings();
	ck_assert_ptr_null(found("isn-reuse"));
}
END_TEST

/* 20,000 spoofed sources, one SYN each, are more than the table holds:
 * they must not keep out a host first seen after them... */
START_TEST(a_flood_leaves_room_for_hosts_seen_after_it)
{
	const struct found *f;

	play_start();
	play_flood(0, 20000);
	connect_with_isn(41000, 123456, 2);
	connect_with_isn(41001, 123456, 3);
	play_end(5);
	ck_assert_ptr_nonnull(f = found("isn-reuse"));
	ck_assert_ptr_nonnull(strstr(f->detail, "(b) 10.0.0.1:41001 used ISN 123456 again"));
	ck_assert_int_eq(found_count("isn-reuse"), 1);
}
END_TEST

/* ...nor take the place of one seen twice before them. */
START_TEST(a_flood_leaves_hosts_seen_twice_in_place)
{
	const struct found *f;

	play_start();
	connect_with_isn(41000, 123456, 0);
	connect_with_isn(41001, 3141592653u, 0.5);
	play_flood(1, 20000);
	connect_with_isn(41002, 123456, 3);
	play_end(5);
	ck_assert_ptr_nonnull(f = found("isn-reuse"));
	ck_assert_ptr_nonnull(strstr(f->detail, "(b) 10.0.0.1:41002 used ISN 123456 again"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plugin-reuse");
	TCase *tc = tcase_create("reuse");

	tcase_add_test(tc, reuse_in_time_wait_acceptable_by_rfc1122);
	tcase_add_test(tc, reuse_in_time_wait_acceptable_by_rfc6191_timestamps);
	tcase_add_test(tc, reuse_in_time_wait_with_no_rule);
	tcase_add_test(tc, reuse_after_time_wait_expired_is_not_reported);
	tcase_add_test(tc, isn_reused_by_one_host_for_another_connection);
	tcase_add_test(tc, isns_stepping_by_a_constant_are_predictable);
	tcase_add_test(tc, random_isns_are_not_reported);
	tcase_add_test(tc, a_flood_leaves_room_for_hosts_seen_after_it);
	tcase_add_test(tc, a_flood_leaves_hosts_seen_twice_in_place);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

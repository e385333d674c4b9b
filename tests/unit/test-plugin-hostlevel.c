/* test-plugin-hostlevel.c: TIME-WAIT storms and ephemeral port exhaustion. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "play.h"
#include "check-main.h"

/* N connections from 10.0.0.1 to 10.0.0.2:80, one every 0.1 s from T0;
 * the server closes first (SERVER_CLOSES) or the client does. */
static void
connections_from(double t0, int n, int server_closes)
{
	for (int i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(41000 + i);
		double t = t0 + 0.1 * i;
		int a = server_closes ? S : C, b = !a;
		uint32_t sa = a == C ? 1001 : 5001, sb = a == C ? 5001 : 1001;

		play(play_pkt(1, port, C, SYN, 1000, 0, 0, t));
		play(play_pkt(1, port, S, SYN | ACK, 5000, 1001, 0, t + 0.001));
		play(play_pkt(1, port, C, ACK, 1001, 5001, 0, t + 0.002));
		play(play_pkt(1, port, a, FIN | ACK, sa, sb, 0, t + 0.01));
		play(play_pkt(1, port, b, ACK, sb, sa + 1, 0, t + 0.011));
		play(play_pkt(1, port, b, FIN | ACK, sb, sa + 1, 0, t + 0.012));
		play(play_pkt(1, port, a, ACK, sa + 1, sb + 1, 0, t + 0.013));
	}
}

static void
connections(int n, int server_closes)
{
	connections_from(0, n, server_closes);
}

START_TEST(time_wait_storm_on_a_server_that_closes)
{
	const char *set[] = { "time-wait-storm.min-count=20", NULL };
	const struct found *f;

	play_start_with(set, NULL, TM_VANTAGE_UNKNOWN);
	connections(30, 1);
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("time-wait-storm"));
	ck_assert_int_eq(f->side, TM_NO_SIDE);
	ck_assert_uint_eq(f->flow, 0);
	ck_assert_ptr_nonnull(strstr(f->detail, "10.0.0.2 held 30 connections in TIME-WAIT"));
	ck_assert_ptr_nonnull(strstr(f->detail, "began 100% of its 30 closes"));
	ck_assert_uint_gt(f->nframes, 0);
	ck_assert_int_eq(found_count("time-wait-storm"), 1);
}
END_TEST

START_TEST(few_time_waits_are_no_storm)
{
	play_start();
	connections(30, 1);
	play_end(100);
	ck_assert_ptr_null(found("time-wait-storm"));
}
END_TEST

static void
narrow_range(struct tm_profile *p)
{
	p->ephemeral_low = 41000;
	p->ephemeral_high = 41039;      /* 40 ports */
}

START_TEST(port_exhaustion_risk_when_time_waits_fill_the_range)
{
	const struct found *f;

	play_tweak = narrow_range;
	play_start();
	play_tweak = NULL;
	connections(30, 0);
	play_end(100);
	dump_findings();
	ck_assert_ptr_nonnull(f = found("port-exhaustion-risk"));
	ck_assert_ptr_nonnull(strstr(f->detail, "client 10.0.0.1 held 30 connections to "
	    "10.0.0.2:80 in TIME-WAIT"));
	ck_assert_ptr_nonnull(strstr(f->detail, "75% of its 40 ephemeral ports"));
}
END_TEST

START_TEST(no_port_exhaustion_with_the_default_range)
{
	play_start();
	connections(30, 0);
	play_end(100);
	ck_assert_ptr_null(found("port-exhaustion-risk"));
}
END_TEST

START_TEST(time_waits_that_expired_do_not_add_up)
{
	const char *set[] = { "time-wait-storm.min-count=20", NULL };

	play_start_with(set, NULL, TM_VANTAGE_UNKNOWN);
	for (int i = 0; i < 30; i++) {      /* one every 70 s: never two at once */
		uint16_t port = (uint16_t)(41000 + i);
		double t = 70.0 * i;

		play(play_pkt(1, port, C, SYN, 1000, 0, 0, t));
		play(play_pkt(1, port, S, SYN | ACK, 5000, 1001, 0, t + 0.001));
		play(play_pkt(1, port, C, ACK, 1001, 5001, 0, t + 0.002));
		play(play_pkt(1, port, S, FIN | ACK, 5001, 1001, 0, t + 0.01));
		play(play_pkt(1, port, C, ACK, 1001, 5002, 0, t + 0.011));
		play(play_pkt(1, port, C, FIN | ACK, 1001, 5002, 0, t + 0.012));
		play(play_pkt(1, port, S, ACK, 5002, 1002, 0, t + 0.013));
	}
	play_end(3000);
	ck_assert_ptr_null(found("time-wait-storm"));
}
END_TEST

/* 20,000 spoofed sources, each ending one connection, are more than the
 * table holds: they must not keep out an address first seen after them. */
START_TEST(a_flood_leaves_room_for_addresses_seen_after_it)
{
	const char *set[] = { "time-wait-storm.min-count=20", NULL };
	const struct found *f;

	play_start_with(set, NULL, TM_VANTAGE_UNKNOWN);
	play_flood(0, 20000);
	connections_from(2, 30, 1);
	play_end(100);
	ck_assert_ptr_nonnull(f = found("time-wait-storm"));
	ck_assert_ptr_nonnull(strstr(f->detail, "10.0.0.2 held 30 connections in TIME-WAIT "
	    "at once (of 30 connections)"));
	ck_assert_int_eq(found_count("time-wait-storm"), 1);
}
END_TEST

/* Nor take the place of an address seen before it. */
START_TEST(a_flood_leaves_addresses_seen_before_it_in_place)
{
	const char *set[] = { "time-wait-storm.min-count=20", NULL };
	const struct found *f;

	play_start_with(set, NULL, TM_VANTAGE_UNKNOWN);
	connections_from(0, 30, 1);
	play_flood(4, 20000);
	play_end(100);
	ck_assert_ptr_nonnull(f = found("time-wait-storm"));
	ck_assert_ptr_nonnull(strstr(f->detail, "10.0.0.2 held 30 connections in TIME-WAIT "
	    "at once (of 30 connections); it began 100% of its 30 closes"));
}
END_TEST

/* The N packets at P, one connection's, ended at once after the last
 * (its end, not a TIME-WAIT, makes the addresses' keys). */
static void
ended_at_once(const struct packet *p, size_t n)
{
	struct flow *f = flow_new(&p[0], play_next_id++, detect_slots(play_det));

	for (size_t i = 0; i < n; i++)
		flow_segment(f, &p[i], &play_prof, &play_events);
	play_flow_out(f, TM_END_CLOSED, p[n - 1].ts);
}

/* A connection from 10.0.0.1:PORT to 10.0.0.2:80 opened at T and reset by
 * the client (a refused one would make no key: it never came to life). */
static void
reset_now(uint16_t port, double t)
{
	const struct packet p[] = {
		play_pkt(1, port, C, SYN, 1000, 0, 0, t),
		play_pkt(1, port, S, SYN | ACK, 5000, 1001, 0, t + 0.001),
		play_pkt(1, port, C, ACK, 1001, 5001, 0, t + 0.002),
		play_pkt(1, port, C, RST | ACK, 1001, 5001, 0, t + 0.003),
	};

	ended_at_once(p, sizeof(p) / sizeof(p[0]));
}

/* An attempt from 10.0.0.1:PORT refused by 10.0.0.2:80 at T. */
static void
refused_now(uint16_t port, double t)
{
	const struct packet p[] = {
		play_pkt(1, port, C, SYN, 1000, 0, 0, t),
		play_pkt(1, port, S, RST | ACK, 0, 1001, 0, t + 0.0005),
	};

	ended_at_once(p, sizeof(p) / sizeof(p[0]));
}

/* Refused attempts and a flood's SYNs are not connections of the share:
 * 30 TIME-WAITs of 30 connections, not of 530. */
START_TEST(attempts_that_never_came_to_life_are_not_counted)
{
	const char *set[] = { "time-wait-storm.min-count=20", NULL };
	const struct found *f;

	play_start_with(set, NULL, TM_VANTAGE_UNKNOWN);
	for (uint16_t i = 0; i < 500; i++)
		refused_now((uint16_t)(30000 + i), 0.001 * i);
	play_flood(1, 2000);
	connections_from(3, 30, 1);
	play_end(100);
	ck_assert_ptr_nonnull(f = found("time-wait-storm"));
	ck_assert_ptr_nonnull(strstr(f->detail, "held 30 connections in TIME-WAIT at once "
	    "(of 30 connections)"));
}
END_TEST

/* An address whose first two connections ended without a TIME-WAIT keeps
 * its place and its count through a flood. */
START_TEST(a_flood_leaves_addresses_seen_twice_in_place)
{
	const char *set[] = { "time-wait-storm.min-count=20", NULL };
	const struct found *f;

	play_start_with(set, NULL, TM_VANTAGE_UNKNOWN);
	reset_now(40990, 0);
	reset_now(40991, 0.01);
	play_flood(1, 20000);
	connections_from(3, 30, 1);
	play_end(100);
	ck_assert_ptr_nonnull(f = found("time-wait-storm"));
	ck_assert_ptr_nonnull(strstr(f->detail, "10.0.0.2 held 30 connections in TIME-WAIT "
	    "at once (of 32 connections)"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plugin-hostlevel");
	TCase *tc = tcase_create("hostlevel");

	tcase_add_test(tc, time_wait_storm_on_a_server_that_closes);
	tcase_add_test(tc, few_time_waits_are_no_storm);
	tcase_add_test(tc, port_exhaustion_risk_when_time_waits_fill_the_range);
	tcase_add_test(tc, no_port_exhaustion_with_the_default_range);
	tcase_add_test(tc, time_waits_that_expired_do_not_add_up);
	tcase_add_test(tc, a_flood_leaves_room_for_addresses_seen_after_it);
	tcase_add_test(tc, a_flood_leaves_addresses_seen_before_it_in_place);
	tcase_add_test(tc, a_flood_leaves_addresses_seen_twice_in_place);
	tcase_add_test(tc, attempts_that_never_came_to_life_are_not_counted);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

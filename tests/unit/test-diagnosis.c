/*
 * test-diagnosis.c: summary's rules fire on the patterns they name, and
 * stay quiet on a handful of flows or on healthy counts.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"
#include "check-main.h"

#define MAXD 8

static size_t
run(const struct diag_group *g, char out[MAXD][256])
{
	return diagnosis_run(g, out[0], sizeof(out[0]), MAXD);
}

static struct diag_group
server(const char *name, long flows)
{
	struct diag_group g;

	memset(&g, 0, sizeof(g));
	g.scope = DIAG_SERVER;
	g.flows = flows;
	snprintf(g.name, sizeof(g.name), "%s", name);
	return g;
}

/* Counts added row by row, in any order, come out from the largest,
 * ties by name, each name once. */
START_TEST(counts_sorted_largest_first_ties_by_name)
{
	struct diag_group g = server("10.0.0.2:80", 100);

	diag_add(&g, DIM_CLOSE, "rst", 5);
	diag_add(&g, DIM_CLOSE, "fin", 40);
	diag_add(&g, DIM_CLOSE, "half", 5);
	diag_add(&g, DIM_CLOSE, "fin", 10);
	diag_add(&g, DIM_CLOSE, "none", 40);
	diag_sort(&g);
	ck_assert_uint_eq(g.ncounts[DIM_CLOSE], 4);
	ck_assert_str_eq(g.counts[DIM_CLOSE][0].name, "fin");
	ck_assert_int_eq(g.counts[DIM_CLOSE][0].n, 50);
	ck_assert_str_eq(g.counts[DIM_CLOSE][1].name, "none");
	ck_assert_str_eq(g.counts[DIM_CLOSE][2].name, "half");
	ck_assert_str_eq(g.counts[DIM_CLOSE][3].name, "rst");
	diag_free(&g);
}
END_TEST

START_TEST(server_closing_most_connections_means_time_wait_piles_up)
{
	struct diag_group g = server("10.0.0.2:80", 100);
	char d[MAXD][256];

	diag_add(&g, DIM_CLOSER, "server", 97);
	diag_add(&g, DIM_CLOSER, "client", 3);
	ck_assert_uint_eq(run(&g, d), 1);
	ck_assert_str_eq(d[0], "server closes 97% of connections: TIME-WAIT piles up on "
	    "10.0.0.2:80 (HTTP keep-alive off?)");
	diag_free(&g);
}
END_TEST

START_TEST(close_wait_on_the_server_blames_the_application)
{
	struct diag_group g = server("10.0.0.2:8080", 40);
	char d[MAXD][256];

	diag_add(&g, DIM_SERVER_STATE, "CLOSE-WAIT", 12);
	diag_add(&g, DIM_SERVER_STATE, "CLOSED", 28);
	ck_assert_uint_eq(run(&g, d), 1);
	ck_assert_str_eq(d[0], "12 connections to 10.0.0.2:8080 stuck in CLOSE-WAIT: "
	    "the application never calls close()");
	diag_free(&g);
	g = server("10.0.0.2:8080", 1);
	diag_add(&g, DIM_SERVER_STATE, "CLOSE-WAIT", 1);
	ck_assert_uint_eq(run(&g, d), 1);
	ck_assert_ptr_nonnull(strstr(d[0], "1 connection to"));
	diag_free(&g);
}
END_TEST

START_TEST(unanswered_syns_name_the_backlog_knobs)
{
	struct diag_group g = server("10.0.0.2:443", 50);
	char d[MAXD][256];

	diag_add(&g, DIM_HANDSHAKE, "no-answer", 19);
	diag_add(&g, DIM_HANDSHAKE, "complete", 31);
	ck_assert_uint_eq(run(&g, d), 1);
	ck_assert_str_eq(d[0], "SYNs to 10.0.0.2:443 unanswered (38%): listener down, firewall,"
	    " or a full backlog (tcp_max_syn_backlog, tcp_syncookies)");
	diag_free(&g);
}
END_TEST

START_TEST(healthy_or_tiny_groups_get_no_diagnosis)
{
	struct diag_group g = server("10.0.0.2:80", 100);
	char d[MAXD][256];

	diag_add(&g, DIM_CLOSER, "client", 95);
	diag_add(&g, DIM_CLOSER, "server", 5);
	diag_add(&g, DIM_HANDSHAKE, "complete", 99);
	diag_add(&g, DIM_HANDSHAKE, "no-answer", 1);
	ck_assert_uint_eq(run(&g, d), 0);
	diag_free(&g);
	g = server("10.0.0.2:80", 2);   /* two flows are not a pattern */
	diag_add(&g, DIM_CLOSER, "server", 2);
	ck_assert_uint_eq(run(&g, d), 0);
	diag_free(&g);
}
END_TEST

START_TEST(capture_damage_is_reported_only_when_present)
{
	struct diag_group g;
	char d[MAXD][256];

	memset(&g, 0, sizeof(g));
	g.scope = DIAG_CAPTURE;
	g.flows = 10;
	ck_assert_uint_eq(run(&g, d), 0);
	g.damage[DMG_DROPS] = 250;
	g.damage[DMG_TRUNCATED] = 1;
	ck_assert_uint_eq(run(&g, d), 2);
	ck_assert_ptr_nonnull(strstr(d[0], "dropped 250 packets"));
	ck_assert_str_eq(d[1], "1 packet cut by the snaplen: capture with -s 0");
}
END_TEST

START_TEST(counts_accumulate_per_name)
{
	struct diag_group g = server("x", 5);

	diag_add(&g, DIM_CLOSE, "fin", 2);
	diag_add(&g, DIM_CLOSE, "rst", 1);
	diag_add(&g, DIM_CLOSE, "fin", 3);
	ck_assert_int_eq(diag_count(&g, DIM_CLOSE, "fin"), 5);
	ck_assert_int_eq(diag_count(&g, DIM_CLOSE, "rst"), 1);
	ck_assert_int_eq(diag_count(&g, DIM_CLOSE, "none"), 0);
	diag_free(&g);
}
END_TEST

static Suite *
diagnosis_suite(void)
{
	Suite *s = suite_create("diagnosis");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, counts_sorted_largest_first_ties_by_name);
	tcase_add_test(tc, server_closing_most_connections_means_time_wait_piles_up);
	tcase_add_test(tc, close_wait_on_the_server_blames_the_application);
	tcase_add_test(tc, unanswered_syns_name_the_backlog_knobs);
	tcase_add_test(tc, healthy_or_tiny_groups_get_no_diagnosis);
	tcase_add_test(tc, capture_damage_is_reported_only_when_present);
	tcase_add_test(tc, counts_accumulate_per_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(diagnosis_suite());
}

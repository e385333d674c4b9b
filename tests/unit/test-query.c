/*
 * test-query.c: the filter builder returns exactly the rows it should.
 *
 * Each test builds a database from schema_sql in memory, inserts a handful
 * of flows and findings by hand, sets filters the way the command line
 * does (query_set with the long option's name) and compares the ids that
 * come back with the ids worked out by hand from the rows below.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmatch.h"
#include "query.h"
#include "schema.h"
#include "check-main.h"

/*
 * The flows:
 *   id cap client     cport server     sport first_ts  dur handshake close closer cstate     sstate
 *   1  1   10.0.0.1   40001 10.0.0.2   80    1000      1   complete  fin   client TIME-WAIT  CLOSED
 *   2  1   10.0.0.3   40002 10.0.0.1   22    1010      30  complete  rst   server CLOSED     CLOSED
 *   3  1   10.0.0.4   40003 10.0.0.2   443   1020      0   no-answer none  NULL   SYN-SENT   UNKNOWN
 *   4  2   ::1        40004 ::1        8080  1030      5   complete  half  server CLOSE-WAIT FIN-WAIT-2
 *   5  2   10.0.0.5   80    10.0.0.6   9000  1763786000 2 complete  fin   server CLOSED     TIME-WAIT
 * The findings:
 *   1 cap1 fin-lost flow 1 client ts 1000.5 host 10.0.0.1:40001
 *   2 cap1 connection-refused flow 2 server ts 1010 host 10.0.0.1:22
 *   3 cap1 syn-flood (host-level) ts 1020 host 10.0.0.2:443
 *   4 cap2 close-wait-stuck flow 4 client ts 1040 host ::1:40004
 */
static const char rows_sql[] =
"INSERT INTO captures (id, path, profile, status, analysed_at, tool_version) VALUES"
" (1, 'a.pcap', 'linux', 'complete', 0, 't'), (2, 'b.pcap', 'linux', 'complete', 0, 't');"
"INSERT INTO flows (id, capture, family, client, client_port, server, server_port,"
" first_ts, last_ts, duration, first_frame, last_frame, packets, bytes, client_packets,"
" client_bytes, server_packets, server_bytes, handshake, close, closer, client_state,"
" server_state, incarnation, end_reason) VALUES"
" (1, 1, 4, '10.0.0.1', 40001, '10.0.0.2', 80, 1000, 1001, 1, 1, 9, 9, 6, 5, 6, 4, 0,"
"  'complete', 'fin', 'client', 'TIME-WAIT', 'CLOSED', 1, 'closed'),"
" (2, 1, 4, '10.0.0.3', 40002, '10.0.0.1', 22, 1010, 1040, 30, 10, 20, 4, 0, 2, 0, 2, 0,"
"  'complete', 'rst', 'server', 'CLOSED', 'CLOSED', 1, 'closed'),"
" (3, 1, 4, '10.0.0.4', 40003, '10.0.0.2', 443, 1020, 1020, 0, 21, 21, 1, 0, 1, 0, 0, 0,"
"  'no-answer', 'none', NULL, 'SYN-SENT', 'UNKNOWN', 1, 'capture-end'),"
" (4, 2, 6, '::1', 40004, '::1', 8080, 1030, 1035, 5, 1, 7, 7, 0, 4, 0, 3, 0,"
"  'complete', 'half', 'server', 'CLOSE-WAIT', 'FIN-WAIT-2', 1, 'capture-end'),"
" (5, 2, 4, '10.0.0.5', 80, '10.0.0.6', 9000, 1763786000, 1763786002, 2, 8, 12, 5, 0, 2,"
"  0, 3, 0, 'complete', 'fin', 'server', 'CLOSED', 'TIME-WAIT', 1, 'closed');"
"INSERT INTO findings (id, capture, kind, flow, side, ts, host, port, frames, detail,"
" detector) VALUES"
" (1, 1, 'fin-lost', 1, 'client', 1000.5, '10.0.0.1', 40001, '[8,9]', 'd', 't'),"
" (2, 1, 'connection-refused', 2, 'server', 1010, '10.0.0.1', 22, '[10,11]', 'd', 't'),"
" (3, 1, 'syn-flood', NULL, NULL, 1020, '10.0.0.2', 443, '[21]', 'd', 't'),"
" (4, 2, 'close-wait-stuck', 4, 'client', 1040, '::1', 40004, '[5]', 'd', 't');";

static sqlite3 *
make_db(void)
{
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(netmatch_register(db), SQLITE_OK);     /* as store_open does */
	ck_assert_msg(sqlite3_exec(db, schema_sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	ck_assert_msg(sqlite3_exec(db, rows_sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	return db;
}

/* The ids FILTER selects from TARGET, comma-separated, in query order,
 * the query shaped for DB's rows as the commands shape it (PLAN_DB), or
 * for any (NULL). */
static char *
ids_planned(sqlite3 *db, sqlite3 *plan_db, const struct query_filter *f, enum query_target t)
{
	static char out[262144];        /* 30,000 ids */
	struct query_sql q;
	sqlite3_stmt *st;
	char *sql;

	query_build(plan_db, f, t, &q);
	sql = sqlite3_mprintf(t == QUERY_FLOWS ? "SELECT f.id FROM flows AS f%s%s" :
	    "SELECT a.id FROM findings AS a%s%s", q.where, q.tail);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
	    sqlite3_errmsg(db));
	ck_assert_int_eq(query_bind(st, &q), SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%lld", out[0] ? "," : "",
		    (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	sqlite3_free(sql);
	query_sql_free(&q);
	return out;
}

static char *
ids(sqlite3 *db, const struct query_filter *f, enum query_target t)
{
	return ids_planned(db, db, f, t);
}

/* The ids with the single filter NAME=VALUE. */
static char *
ids_with(sqlite3 *db, enum query_target t, const char *name, const char *value)
{
	static struct query_filter f;
	char err[200];

	query_init(&f);
	ck_assert_msg(query_set(&f, name, value, err, sizeof(err)) == 0, "%s", err);
	return ids(db, &f, t);
}

START_TEST(host_matches_either_end_of_a_flow)
{
	sqlite3 *db = make_db();

	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "10.0.0.1"), "1,2");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "10.0.0.2"), "1,3");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "192.0.2.1"), "");
	sqlite3_close(db);
}
END_TEST

START_TEST(host_ipv6_is_normalised_before_matching)
{
	sqlite3 *db = make_db();

	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "0:0::1"), "4");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "0000:0000:0000:0000:0000:0000:0000:0001"), "4");
	sqlite3_close(db);
}
END_TEST

START_TEST(host_takes_a_network)
{
	sqlite3 *db = make_db();
	struct query_filter f;
	char err[200];

	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "10.0.0.0/29"), "1,2,3,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "10.0.0.2/31"), "1,2,3");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "10.0.0.6/31"), "5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "10.0.0.1/32"), "1,2");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "0.0.0.0/0"), "1,2,3,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "::/0"), "4");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "::/127"), "4");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "host", "192.0.2.0/24"), "");
	/* Findings: about a host in it, or on a flow with an end in it. */
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "host", "10.0.0.2/31"), "1,2,3");
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "host", "10.0.0.0/8"), "1,2,3");
	query_init(&f);
	ck_assert_int_eq(query_set(&f, "host", "10.0.0.0/33", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--host: '10.0.0.0/33' is not an IPv4 or IPv6 address or a "
	    "network ADDR/LEN");
	ck_assert_int_eq(query_set(&f, "host", "10.1.2.3/16", err, sizeof(err)), 0);
	ck_assert_str_eq(f.v[QF_HOST].text, "10.1.0.0/16");
	sqlite3_close(db);
}
END_TEST

START_TEST(port_matches_either_end)
{
	sqlite3 *db = make_db();

	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "port", "80"), "1,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "port", "40002"), "2");
	sqlite3_close(db);
}
END_TEST

START_TEST(state_matches_either_endpoint_in_any_spelling)
{
	sqlite3 *db = make_db();

	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "state", "TIME-WAIT"), "1,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "state", "time_wait"), "1,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "state", "close-wait"), "4");
	sqlite3_close(db);
}
END_TEST

START_TEST(kind_selects_flows_that_have_such_a_finding)
{
	sqlite3 *db = make_db();

	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "kind", "fin-lost"), "1");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "kind", "syn-flood"), "");
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "kind", "syn-flood"), "3");
	sqlite3_close(db);
}
END_TEST

START_TEST(capture_flow_and_outcome_filters)
{
	sqlite3 *db = make_db();

	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "capture", "2"), "4,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "flow", "3"), "3");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "handshake", "no-answer"), "3");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "close", "fin"), "1,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "closer", "server"), "2,4,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "min-duration", "5"), "2,4");
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "capture", "1"), "1,2,3");
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "flow", "4"), "4");
	sqlite3_close(db);
}
END_TEST

START_TEST(since_and_until_take_seconds_and_utc_dates)
{
	sqlite3 *db = make_db();
	struct query_filter f;
	char err[200];

	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "since", "1020"), "3,4,5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "until", "1010.5"), "1,2");
	/* 1763786000 is 2025-11-22 04:33:20 UTC */
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "since", "2025-11-22 04:33:20"), "5");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "since", "2025-11-22T04:33:21"), "");
	ck_assert_str_eq(ids_with(db, QUERY_FLOWS, "since", "2025-11-22"), "5");
	query_init(&f);
	ck_assert_int_eq(query_set(&f, "since", "1005", err, sizeof(err)), 0);
	ck_assert_int_eq(query_set(&f, "until", "1030", err, sizeof(err)), 0);
	ck_assert_str_eq(ids(db, &f, QUERY_FLOWS), "2,3,4");
	ck_assert_str_eq(ids(db, &f, QUERY_FINDINGS), "2,3");
	sqlite3_close(db);
}
END_TEST

START_TEST(parse_time_reads_dates_as_utc)
{
	double t;

	ck_assert_int_eq(query_parse_time("1970-01-02", &t), 0);
	ck_assert(t == 86400.0);
	ck_assert_int_eq(query_parse_time("1970-01-01 01:02", &t), 0);
	ck_assert(t == 3720.0);
	ck_assert_int_eq(query_parse_time("1970-01-01 00:00:07", &t), 0);
	ck_assert(t == 7.0);
	ck_assert_int_eq(query_parse_time("12.25", &t), 0);
	ck_assert(t == 12.25);
	ck_assert_int_eq(query_parse_time("2025-13-01", &t), -1);
	ck_assert_int_eq(query_parse_time("2025-11-22 4:33", &t), -1);
	ck_assert_int_eq(query_parse_time("yesterday", &t), -1);
	ck_assert_int_eq(query_parse_time("-5", &t), -1);
}
END_TEST

START_TEST(findings_host_covers_host_level_and_flow_ends)
{
	sqlite3 *db = make_db();

	/* 10.0.0.1 is the host of 1 and 2; 10.0.0.2 the target of 3 and the
	 * server of flow 1 (finding 1) */
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "host", "10.0.0.1"), "1,2");
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "host", "10.0.0.2"), "1,3");
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "port", "443"), "3");
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "side", "client"), "1,4");
	ck_assert_str_eq(ids_with(db, QUERY_FINDINGS, "state", "CLOSE_WAIT"), "4");
	sqlite3_close(db);
}
END_TEST

START_TEST(limit_sort_and_reverse)
{
	sqlite3 *db = make_db();
	struct query_filter f;
	char err[200];

	query_init(&f);
	ck_assert_int_eq(query_set(&f, "sort", "duration", err, sizeof(err)), 0);
	ck_assert_str_eq(ids(db, &f, QUERY_FLOWS), "3,1,5,4,2");
	ck_assert_int_eq(query_set(&f, "reverse", NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(query_set(&f, "limit", "2", err, sizeof(err)), 0);
	ck_assert_str_eq(ids(db, &f, QUERY_FLOWS), "2,4");
	ck_assert_int_eq(query_set(&f, "sort", "rowid; DROP TABLE flows", err, sizeof(err)), -1);
	sqlite3_close(db);
}
END_TEST

START_TEST(bad_values_are_refused_with_the_option_named)
{
	struct query_filter f;
	char err[200];

	query_init(&f);
	ck_assert_int_eq(query_set(&f, "port", "70000", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--port"));
	ck_assert_int_eq(query_set(&f, "port", "80x", err, sizeof(err)), -1);
	ck_assert_int_eq(query_set(&f, "state", "HALF-OPEN", err, sizeof(err)), -1);
	ck_assert_int_eq(query_set(&f, "capture", "0", err, sizeof(err)), -1);
	ck_assert_int_eq(query_set(&f, "limit", "-1", err, sizeof(err)), -1);
	ck_assert_int_eq(query_set(&f, "handshake", "done", err, sizeof(err)), -1);
	ck_assert_int_eq(query_set(&f, "kind", "Fin Lost", err, sizeof(err)), -1);
	ck_assert_int_eq(query_set(&f, "min-duration", "-3", err, sizeof(err)), -1);
	for (int k = 0; k < QF_COUNT; k++)
		ck_assert_int_eq(f.v[k].set, 0);
}
END_TEST

START_TEST(sql_injection_in_host_is_inert)
{
	sqlite3 *db = make_db();
	struct query_filter f;
	char err[200];

	query_init(&f);
	ck_assert_int_eq(query_set(&f, "host", "10.0.0.1' OR '1'='1", err, sizeof(err)), -1);
	ck_assert_int_eq(query_set(&f, "host", "10.0.0.1; DROP TABLE flows", err, sizeof(err)), -1);
	ck_assert_int_eq(query_set(&f, "kind", "x' OR 1=1 --", err, sizeof(err)), -1);
	/* even a value that skipped validation is bound, never spliced */
	f.v[QF_HOST].set = 1;
	f.v[QF_HOST].is_text = 1;
	snprintf(f.v[QF_HOST].text, sizeof(f.v[QF_HOST].text), "x' OR 1=1 OR client='");
	ck_assert_str_eq(ids(db, &f, QUERY_FLOWS), "");
	ck_assert_str_eq(ids(db, &f, QUERY_FINDINGS), "");
	query_init(&f);
	ck_assert_str_eq(ids(db, &f, QUERY_FLOWS), "1,2,3,4,5");
	sqlite3_close(db);
}
END_TEST

/* Whether the plan of FILTER over flows scans the whole flows table. */
static int
scans_flows(sqlite3 *db, const char *name, const char *value)
{
	struct query_filter f;
	struct query_sql q;
	sqlite3_stmt *st;
	char err[200], *sql;
	int scan = 0;

	query_init(&f);
	ck_assert_int_eq(query_set(&f, name, value, err, sizeof(err)), 0);
	query_build(NULL, &f, QUERY_FLOWS, &q);
	sql = sqlite3_mprintf("EXPLAIN QUERY PLAN SELECT f.id FROM flows AS f%s%s", q.where, q.tail);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);

		if (strncmp(d, "SCAN f", 6) == 0 || strncmp(d, "SCAN flows", 10) == 0)
			scan = 1;
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
	query_sql_free(&q);
	return scan;
}

START_TEST(documented_filters_are_served_by_indices)
{
	sqlite3 *db = make_db();

	ck_assert(!scans_flows(db, "host", "10.0.0.1"));
	ck_assert(!scans_flows(db, "state", "TIME-WAIT"));
	ck_assert(!scans_flows(db, "kind", "fin-lost"));
	ck_assert(!scans_flows(db, "capture", "1"));
	ck_assert(!scans_flows(db, "since", "1000"));
	ck_assert(!scans_flows(db, "flow", "2"));
	sqlite3_close(db);
}
END_TEST

/* --- plans that follow the data ---------------------------------------- */

/* 30,000 flows to one server, each from a client of its own; all
 * ESTABLISHED but three CLOSING; a finding on every other flow. */
static sqlite3 *
make_big_db(void)
{
	sqlite3 *db = make_db();
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db, "BEGIN;"
	    "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 30009)"
	    " INSERT INTO flows (id, capture, family, client, client_port, server, server_port,"
	    " first_ts, last_ts, duration, first_frame, last_frame, packets, bytes,"
	    " client_packets, client_bytes, server_packets, server_bytes, handshake, close,"
	    " closer, client_state, server_state, incarnation, end_reason)"
	    " SELECT i, 1, 4, '10.8.' || (i / 250) || '.' || (i % 250), 40000 + i % 20000,"
	    " '10.9.0.1', 80, 2000 + i, 2001 + i, 1, i, i, 3, 0, 2, 0, 1, 0, 'complete', 'none',"
	    " NULL, CASE WHEN i % 10000 = 7 THEN 'CLOSING' ELSE 'ESTABLISHED' END,"
	    " 'ESTABLISHED', 1, 'capture-end' FROM n;"
	    "INSERT INTO findings (capture, kind, flow, side, ts, host, port, frames, detail,"
	    " detector) SELECT 1, 'fin-lost', id, 'client', first_ts, client, client_port, '[1]',"
	    " 'd', 't' FROM flows WHERE id >= 10 AND id % 2 = 1;"
	    "ANALYZE; COMMIT", NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	return db;
}

/* The plan of F over TARGET, shaped for DB, its steps joined by "; ". */
static char *
plan_of(sqlite3 *db, const struct query_filter *f, enum query_target t)
{
	static char out[1024];
	struct query_sql q;
	sqlite3_stmt *st;
	char *sql;

	query_build(db, f, t, &q);
	sql = sqlite3_mprintf(t == QUERY_FLOWS ? "EXPLAIN QUERY PLAN SELECT f.id FROM flows AS f%s%s"
	    : "EXPLAIN QUERY PLAN SELECT a.id FROM findings AS a%s%s", q.where, q.tail);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(query_bind(st, &q), SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s; ",
		    (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_free(sql);
	query_sql_free(&q);
	return out;
}

static struct query_filter
filter_of(const char *name, const char *value, const char *limit)
{
	struct query_filter f;
	char err[200];

	query_init(&f);
	ck_assert_int_eq(query_set(&f, name, value, err, sizeof(err)), 0);
	if (limit != NULL)
		ck_assert_int_eq(query_set(&f, "limit", limit, err, sizeof(err)), 0);
	return f;
}

/* A rare value is found through its own index and sorted; a common one
 * by walking the order until the limit (SQLite alone walked the order for
 * both: a scan of the whole table for the rare one). */
START_TEST(rare_value_takes_its_index_common_one_the_order)
{
	sqlite3 *db = make_big_db();
	struct query_filter rare = filter_of("host", "10.8.40.17", "50");
	struct query_filter common = filter_of("host", "10.9.0.1", "50");
	struct query_filter closing = filter_of("state", "CLOSING", "50");
	const char *p;

	p = plan_of(db, &rare, QUERY_FLOWS);
	ck_assert_msg(strstr(p, "SCAN") == NULL && strstr(p, "flows_client") != NULL, "%s", p);
	p = plan_of(db, &closing, QUERY_FLOWS);
	ck_assert_msg(strstr(p, "SCAN") == NULL && strstr(p, "flows_client_state") != NULL, "%s", p);
	p = plan_of(db, &common, QUERY_FLOWS);
	ck_assert_msg(strstr(p, "SCAN f USING INDEX flows_first_ts") != NULL, "%s", p);
	ck_assert_str_eq(ids(db, &rare, QUERY_FLOWS), "10017");
	ck_assert_str_eq(ids(db, &closing, QUERY_FLOWS), "10007,20007,30007");
	sqlite3_close(db);
}
END_TEST

/* A small network is found through the address indices; one that holds
 * many flows walks the order (SQLite read, tested and sorted them all). */
START_TEST(a_network_takes_the_address_index_when_small)
{
	sqlite3 *db = make_big_db();
	struct query_filter small = filter_of("host", "10.8.40.0/28", "50");
	struct query_filter big = filter_of("host", "10.0.0.0/8", "50");
	const char *p;

	p = plan_of(db, &small, QUERY_FLOWS);
	ck_assert_msg(strstr(p, "flows_client") != NULL && strstr(p, "flows_first_ts") == NULL,
	    "%s", p);
	p = plan_of(db, &big, QUERY_FLOWS);
	ck_assert_msg(strstr(p, "SCAN f USING INDEX flows_first_ts") != NULL, "%s", p);
	sqlite3_close(db);
}
END_TEST

/* Two filters, one rare: its index finds the rows, the common one's is
 * not used (it read all 30,000 of the server's flows to find three);
 * two common ones are left to SQLite, as one is. */
START_TEST(a_rare_filter_among_common_ones_leads)
{
	sqlite3 *db = make_big_db();
	struct query_filter both = filter_of("host", "10.9.0.1", "50");
	struct query_filter common = filter_of("host", "10.9.0.1", "50");
	struct query_sql q;
	char err[200];
	const char *p;

	ck_assert_int_eq(query_set(&both, "state", "CLOSING", err, sizeof(err)), 0);
	p = plan_of(db, &both, QUERY_FLOWS);
	ck_assert_msg(strstr(p, "flows_client_state") != NULL && strstr(p, "flows_server ") == NULL &&
	    strstr(p, "flows_first_ts") == NULL, "%s", p);
	ck_assert_str_eq(ids(db, &both, QUERY_FLOWS), "10007,20007,30007");
	ck_assert_int_eq(query_set(&common, "kind", "fin-lost", err, sizeof(err)), 0);
	query_build(db, &common, QUERY_FLOWS, &q);
	ck_assert_msg(strstr(q.where, "+") == NULL && strstr(q.tail, "+") == NULL, "%s%s",
	    q.where, q.tail);
	query_sql_free(&q);
	sqlite3_close(db);
}
END_TEST

/* However filters are combined, the rows and their order are the same. */
START_TEST(every_combination_gives_the_same_rows)
{
	static const char *const cases[][5] = {
		{ "host", "10.9.0.1", "state", "CLOSING", "50" },
		{ "host", "10.9.0.1", "port", "40017", NULL },
		{ "port", "80", "state", "ESTABLISHED", "9" },
		{ "state", "CLOSING", "kind", "fin-lost", NULL },
		{ "host", "10.8.40.17", "kind", "fin-lost", "5" },
		{ "since", "31000", "state", "CLOSING", NULL },
		{ "until", "2100", "host", "10.9.0.1", "4" },
		{ "host", "10.8.40.0/24", "state", "ESTABLISHED", "50" },
		{ "host", "10.0.0.0/8", "port", "40017", NULL },
		{ "host", "10.8.0.0/16", "since", "31000", "9" },
	};
	sqlite3 *db = make_big_db();
	char err[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int t = QUERY_FLOWS; t <= QUERY_FINDINGS; t++) {
			struct query_filter f = filter_of(cases[i][0], cases[i][1], cases[i][4]);
			char *any;

			ck_assert_int_eq(query_set(&f, cases[i][2], cases[i][3], err, sizeof(err)), 0);
			f.reverse = (int)i % 2;
			any = strdup(ids_planned(db, NULL, &f, (enum query_target)t));
			ck_assert_msg(strcmp(any, ids_planned(db, db, &f, (enum query_target)t)) == 0,
			    "--%s %s --%s %s, target %d", cases[i][0], cases[i][1], cases[i][2],
			    cases[i][3], t);
			ck_assert_msg(t == QUERY_FINDINGS || i != 0 || strcmp(any, "30007,20007,10007") == 0
			    || strcmp(any, "10007,20007,30007") == 0, "%s", any);
			free(any);
		}
	sqlite3_close(db);
}
END_TEST

/* A finding filtered on its flow: through the few flows that match, or,
 * when many match, by looking up each finding's flow. */
START_TEST(findings_on_many_flows_look_each_flow_up)
{
	sqlite3 *db = make_big_db();
	struct query_filter est = filter_of("state", "ESTABLISHED", "3");
	struct query_filter closing = filter_of("state", "CLOSING", NULL);
	struct query_sql q;

	query_build(db, &est, QUERY_FINDINGS, &q);
	ck_assert_msg(strstr(q.where, "EXISTS") != NULL, "%s", q.where);
	query_sql_free(&q);
	query_build(db, &closing, QUERY_FINDINGS, &q);
	ck_assert_msg(strstr(q.where, "a.flow IN") != NULL, "%s", q.where);
	query_sql_free(&q);
	/* The findings of make_db() come first in time, but none is on an
	 * ESTABLISHED flow; the flow of finding N >= 5 is 2N + 1. */
	ck_assert_str_eq(ids(db, &est, QUERY_FINDINGS), "5,6,7");
	ck_assert_str_eq(ids(db, &closing, QUERY_FINDINGS), "5003,10003,15003");
	sqlite3_close(db);
}
END_TEST

/* However the query is shaped, the rows and their order are the same. */
START_TEST(every_shape_gives_the_same_rows)
{
	static const char *const cases[][3] = {
		{ "host", "10.8.40.17", "50" }, { "host", "10.9.0.1", "50" },
		{ "host", "10.9.0.1", NULL }, { "state", "CLOSING", NULL },
		{ "state", "ESTABLISHED", "20" }, { "port", "80", "7" },
		{ "port", "40017", NULL }, { "since", "31000", NULL },
		{ "host", "10.8.40.0/28", "50" }, { "host", "10.0.0.0/8", "50" },
		{ "host", "10.8.0.0/20", NULL }, { "host", "10.9.0.0/16", "7" },
	};
	sqlite3 *db = make_big_db();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int t = QUERY_FLOWS; t <= QUERY_FINDINGS; t++) {
			struct query_filter f = filter_of(cases[i][0], cases[i][1], cases[i][2]);
			char *any;

			f.reverse = (int)i % 2;
			any = strdup(ids_planned(db, NULL, &f, (enum query_target)t));
			ck_assert_msg(strcmp(any, ids_planned(db, db, &f, (enum query_target)t)) == 0,
			    "--%s %s, target %d", cases[i][0], cases[i][1], t);
			free(any);
		}
	sqlite3_close(db);
}
END_TEST

static Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("filters");

	tcase_add_test(tc, host_matches_either_end_of_a_flow);
	tcase_add_test(tc, host_ipv6_is_normalised_before_matching);
	tcase_add_test(tc, host_takes_a_network);
	tcase_add_test(tc, port_matches_either_end);
	tcase_add_test(tc, state_matches_either_endpoint_in_any_spelling);
	tcase_add_test(tc, kind_selects_flows_that_have_such_a_finding);
	tcase_add_test(tc, capture_flow_and_outcome_filters);
	tcase_add_test(tc, since_and_until_take_seconds_and_utc_dates);
	tcase_add_test(tc, parse_time_reads_dates_as_utc);
	tcase_add_test(tc, findings_host_covers_host_level_and_flow_ends);
	tcase_add_test(tc, limit_sort_and_reverse);
	tcase_add_test(tc, bad_values_are_refused_with_the_option_named);
	tcase_add_test(tc, sql_injection_in_host_is_inert);
	tcase_add_test(tc, documented_filters_are_served_by_indices);
	tcase_add_test(tc, rare_value_takes_its_index_common_one_the_order);
	tcase_add_test(tc, findings_on_many_flows_look_each_flow_up);
	tcase_add_test(tc, every_shape_gives_the_same_rows);
	tcase_add_test(tc, a_rare_filter_among_common_ones_leads);
	tcase_add_test(tc, a_network_takes_the_address_index_when_small);
	tcase_add_test(tc, every_combination_gives_the_same_rows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(query_suite());
}

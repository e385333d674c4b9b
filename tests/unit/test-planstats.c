/* test-planstats.c: the sampled statistics are exact where plans depend
 * on them, and the planner follows them. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planstats.h"
#include "check-main.h"

#define ROWS 20000

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
}

/*
 * ROWS rows where the first entries of each index mislead a sample: the
 * port that sorts first (22) and the state that sorts first (CLOSED) are
 * rare, 443 and ESTABLISHED are nearly everything, and a few rows have no
 * port; 5,000 addresses of 4 rows each; a time per row.
 */
static sqlite3 *
make_db(void)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec_ok(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, port INTEGER, state TEXT,"
	    " addr TEXT, ts REAL);"
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)"
	    " INSERT INTO t SELECT i,"
	    "  CASE WHEN i % 200 = 0 THEN NULL WHEN i % 10 = 1 THEN 22 ELSE 443 END,"
	    "  CASE WHEN i % 50 = 3 THEN 'CLOSED' WHEN i % 50 = 4 THEN 'LAST-ACK'"
	    "   ELSE 'ESTABLISHED' END,"
	    "  '10.0.' || (i % 5000 / 256) || '.' || (i % 5000 % 256), 1e9 + i FROM n;"
	    "CREATE INDEX t_port ON t(port);"
	    "CREATE INDEX t_state_port ON t(state, port);"
	    "CREATE INDEX t_addr ON t(addr);"
	    "CREATE INDEX t_ts ON t(ts);");
	return db;
}

/* The line of INDEX in sqlite_stat1, into BUF. */
static const char *
stat_of(sqlite3 *db, const char *index, char *buf, size_t len)
{
	sqlite3_stmt *st;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT stat FROM sqlite_stat1 WHERE idx = ?",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, index, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static long long
number(const char *stat, int k)
{
	char *end;
	long long v = strtoll(stat, &end, 10);

	while (k-- > 0)
		v = strtoll(end, &end, 10);
	return v;
}

START_TEST(exact_where_a_column_has_few_values)
{
	sqlite3 *db = make_db();
	char port[64], state_port[64], addr[64], ts[64], full[64];

	ck_assert_int_eq(planstats_gather(db), SQLITE_OK);
	stat_of(db, "t_port", port, sizeof(port));
	stat_of(db, "t_state_port", state_port, sizeof(state_port));
	stat_of(db, "t_addr", addr, sizeof(addr));
	stat_of(db, "t_ts", ts, sizeof(ts));
	exec_ok(db, "PRAGMA analysis_limit = 0; ANALYZE");
	/* Few values: what a full ANALYZE says, NULL counted as a value. */
	ck_assert_str_eq(port, stat_of(db, "t_port", full, sizeof(full)));
	ck_assert_str_eq(state_port, stat_of(db, "t_state_port", full, sizeof(full)));
	ck_assert_str_eq(port, "20000 6667");
	/* Many values: the exact row count, and a bound that holds. */
	stat_of(db, "t_addr", full, sizeof(full));
	ck_assert_int_eq(number(addr, 0), ROWS);
	ck_assert_int_le(number(addr, 1), ROWS / PLANSTATS_DISTINCT_MAX);
	ck_assert_int_eq(number(full, 1), 4);
	ck_assert_int_eq(number(ts, 0), ROWS);
	ck_assert_int_eq(number(ts, 1), 1);
	sqlite3_close(db);
}
END_TEST

/* The index EXPLAIN QUERY PLAN names for SQL, into BUF. */
static const char *
plan_of(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;
	char *explain = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	size_t used = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db, explain, -1, &st, NULL), SQLITE_OK);
	buf[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s;", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_free(explain);
	return buf;
}

START_TEST(the_planner_follows_the_counts)
{
	sqlite3 *db = make_db();
	char plan[512];

	ck_assert_int_eq(planstats_gather(db), SQLITE_OK);
	/* A common value: a screen in time order is found by walking the
	 * time index, not by sorting nine tenths of the table. */
	plan_of(db, "SELECT id FROM t WHERE port = 443 ORDER BY ts LIMIT 50", plan, sizeof(plan));
	ck_assert_msg(strstr(plan, "t_ts") != NULL, "%s", plan);
	plan_of(db, "SELECT id FROM t WHERE state = 'ESTABLISHED' AND port = 443"
	    " ORDER BY ts LIMIT 50", plan, sizeof(plan));
	ck_assert_msg(strstr(plan, "t_ts") != NULL, "%s", plan);
	/* An address: its own index. */
	plan_of(db, "SELECT id FROM t WHERE addr = '10.0.1.1' ORDER BY ts LIMIT 50",
	    plan, sizeof(plan));
	ck_assert_msg(strstr(plan, "t_addr") != NULL, "%s", plan);
	sqlite3_close(db);
}
END_TEST

START_TEST(empty_tables_odd_names_and_the_limit_restored)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char line[64];

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec_ok(db, "PRAGMA analysis_limit = 77;"
	    "CREATE TABLE \"we\"\"ird t\" (\"a b\" INTEGER, c);"
	    "CREATE INDEX \"i\"\"x\" ON \"we\"\"ird t\"(\"a b\", c);"
	    "CREATE TABLE empty (a); CREATE INDEX empty_a ON empty(a);"
	    "CREATE INDEX expr ON \"we\"\"ird t\"(c + 1);"
	    "CREATE INDEX part ON \"we\"\"ird t\"(\"a b\") WHERE c < 30;"
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999)"
	    " INSERT INTO \"we\"\"ird t\" SELECT i % 3, i FROM n;");
	ck_assert_int_eq(planstats_gather(db), SQLITE_OK);
	ck_assert_str_eq(stat_of(db, "i\"x", line, sizeof(line)), "3000 1000 1");
	ck_assert_int_eq(number(stat_of(db, "expr", line, sizeof(line)), 0), 3000);
	/* A partial index holds 30 rows, not the table's 3000. */
	ck_assert_str_eq(stat_of(db, "part", line, sizeof(line)), "30 10");
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA analysis_limit", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 77);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("planstats");
	TCase *tc = tcase_create("gather");

	tcase_add_test(tc, exact_where_a_column_has_few_values);
	tcase_add_test(tc, the_planner_follows_the_counts);
	tcase_add_test(tc, empty_tables_odd_names_and_the_limit_restored);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

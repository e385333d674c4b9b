/*
 * test-tui.c: the browser's pure parts: the key table, escaping of database
 * text, keyset query building and the flow filter line.  Queries are run
 * against an in-memory database and compared with SQLite's own plain
 * ORDER BY, so the expected rows never come from the code under test.
 */
#include "config.h"

#include <check.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmatch.h"
#include "schema.h"
#include "tui.h"
#include "check-main.h"

/* ---- key table ------------------------------------------------------- */

START_TEST(j_and_down_move_down_on_every_scrolling_screen)
{
	static const enum tui_screen_id scr[] = { SCR_FLOWS, SCR_FINDINGS, SCR_DETAIL,
		SCR_SUMMARY, SCR_HELP };
	size_t i;

	for (i = 0; i < sizeof scr / sizeof scr[0]; i++) {
		ck_assert_ptr_nonnull(tui_key_lookup('j', scr[i]));
		ck_assert_int_eq(tui_key_lookup('j', scr[i])->action, ACT_DOWN);
		ck_assert_int_eq(tui_key_lookup(KEY_DOWN, scr[i])->action, ACT_DOWN);
	}
}
END_TEST

START_TEST(sort_and_filter_keys_belong_to_the_flow_list_only)
{
	ck_assert_int_eq(tui_key_lookup('s', SCR_FLOWS)->action, ACT_SORT);
	ck_assert_int_eq(tui_key_lookup('f', SCR_FLOWS)->action, ACT_FILTER);
	ck_assert_ptr_null(tui_key_lookup('s', SCR_DETAIL));
	ck_assert_ptr_null(tui_key_lookup('f', SCR_SUMMARY));
	ck_assert_ptr_null(tui_key_lookup('x', SCR_FLOWS));
}
END_TEST

START_TEST(no_key_is_bound_twice_on_one_screen)
{
	size_t i, j;
	int s;

	for (i = 0; i < tui_nkeys; i++)
		for (j = i + 1; j < tui_nkeys; j++)
			for (s = 0; s < SCR_COUNT; s++)
				ck_assert_msg(!(tui_keys[i].key == tui_keys[j].key &&
				    (tui_keys[i].screens & tui_keys[j].screens & SCR_BIT(s))),
				    "key %s bound twice on screen %d", tui_keys[i].name, s);
}
END_TEST

START_TEST(quit_back_help_work_everywhere)
{
	int s;

	for (s = 0; s < SCR_COUNT; s++) {
		ck_assert_int_eq(tui_key_lookup('Q', s)->action, ACT_QUIT);
		ck_assert_int_eq(tui_key_lookup('q', s)->action, ACT_BACK);
		ck_assert_int_eq(tui_key_lookup(27, s)->action, ACT_BACK);
		ck_assert_int_eq(tui_key_lookup('?', s)->action, ACT_HELP);
		ck_assert_int_eq(tui_key_lookup('\t', s)->action, ACT_NEXT_SCREEN);
	}
}
END_TEST

START_TEST(keys_mdoc_has_one_item_per_documented_binding)
{
	char *buf = NULL;
	size_t len = 0, i, documented = 0, items = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *p;

	tui_keys_mdoc(f);
	fclose(f);
	for (i = 0; i < tui_nkeys; i++)
		documented += tui_keys[i].help != NULL;
	for (p = buf; (p = strstr(p, "\n.It Ic ")); p++)
		items++;
	ck_assert_uint_eq(items, documented);
	ck_assert_ptr_nonnull(strstr(buf, ".It Ic Down , j\nnext line.\n"));
	ck_assert_ptr_nonnull(strstr(buf, ".It Ic Esc , q\n"));
	ck_assert(strncmp(buf, ".Sh KEYS\n.Bl -tag", 17) == 0);
	free(buf);
}
END_TEST

START_TEST(help_lines_name_aliases_once)
{
	char line[160];
	size_t i = 0;
	int found = 0;

	while (i < tui_nkeys) {
		i = tui_keys_line(i, line, sizeof line);
		if (strstr(line, "Enter") && strstr(line, "open")) {
			found = 1;
			ck_assert_ptr_null(strstr(strstr(line, "Enter") + 1, "Enter"));
		}
	}
	ck_assert(found);
}
END_TEST

/* ---- escaping -------------------------------------------------------- */

static const char *
esc(const char *in)
{
	static char out[256];

	tui_escape(in, out, sizeof out);
	return out;
}

START_TEST(escape_writes_control_bytes_as_hex)
{
	ck_assert_str_eq(esc("a\x1b[2Jb\x07\n\x7f"), "a\\x1b[2Jb\\x07\\x0a\\x7f");
	ck_assert_str_eq(esc("10.0.0.1"), "10.0.0.1");
	ck_assert_str_eq(esc(NULL), "");
}
END_TEST

START_TEST(escape_keeps_utf8_but_not_c1_controls)
{
	ck_assert_str_eq(esc("caf\xc3\xa9 \xe2\x94\x82"), "caf\xc3\xa9 \xe2\x94\x82");
	ck_assert_str_eq(esc("x\xc2\x9b" "31m"), "x\\xc2\\x9b31m");      /* CSI as C1 */
	ck_assert_str_eq(esc("\xff\xc3"), "\\xff\\xc3");                 /* invalid */
	ck_assert_str_eq(esc("\xe0\x80\x80"), "\\xe0\\x80\\x80");       /* overlong */
}
END_TEST

START_TEST(escape_truncates_without_splitting_an_escape)
{
	char out[7];

	tui_escape("ab\x1b\x1b", out, sizeof out);
	ck_assert_str_eq(out, "ab\\x1b");
	tui_escape("abcdefgh", out, sizeof out);
	ck_assert_str_eq(out, "abcdef");
	tui_escape("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof out);
	ck_assert_str_eq(out, "\xc3\xa9\xc3\xa9\xc3\xa9");
}
END_TEST

/* ---- keyset queries -------------------------------------------------- */

START_TEST(query_after_uses_a_row_value_comparison)
{
	struct tui_qspec q;
	char sql[512];

	memset(&q, 0, sizeof q);
	q.select = "id";
	q.from = "flows";
	q.keys[0] = "client";
	q.keys[1] = "client_port";
	q.keys[2] = "id";
	q.nkeys = 3;
	ck_assert_int_eq(tui_query_build(&q, DIR_AFTER, NULL, sql, sizeof sql), 0);
	ck_assert_str_eq(sql, "SELECT id, client, client_port, id FROM flows WHERE "
	    "(client, client_port, id) > (?, ?, ?) ORDER BY client, client_port, id LIMIT ?");
	q.desc = 1;
	strcpy(q.where, "close = ?");
	ck_assert_int_eq(tui_query_build(&q, DIR_BEFORE, NULL, sql, sizeof sql), 0);
	ck_assert_str_eq(sql, "SELECT id, client, client_port, id FROM flows WHERE "
	    "(close = ?) AND (client, client_port, id) > (?, ?, ?) ORDER BY client, "
	    "client_port, id LIMIT ?");
	ck_assert_int_eq(tui_query_build(&q, DIR_FIRST, NULL, sql, 20), -1);
}
END_TEST

static sqlite3 *
test_db(int n)
{
	sqlite3 *db;
	char q[320];
	int i;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(netmatch_register(db), SQLITE_OK);     /* as store_open does */
	ck_assert_int_eq(sqlite3_exec(db, schema_sql, NULL, NULL, NULL), SQLITE_OK);
	for (i = 1; i <= n; i++) {
		/* few distinct durations, so the id tie-break matters */
		snprintf(q, sizeof q, "INSERT INTO flows VALUES (%d, 1, 4, '10.0.%d.1', %d, "
		    "'10.200.0.%d', %d, %d, %d, %d, 1, 2, 3, 4, 1, 2, 2, 2, 'complete', '%s', "
		    "'client', '%s', 'CLOSED', NULL, NULL, 1, NULL, 'closed', 0)", i, i % 7,
		    40000 + i, i % 3, i % 2 ? 80 : 443, i, i, i % 5, i % 4 ? "fin" : "rst",
		    i % 3 ? "TIME-WAIT" : "CLOSED");
		ck_assert_int_eq(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	}
	return db;
}

/* Run Q in direction DIR from key row (KD, KID) and collect ids. */
static int
run_page(sqlite3 *db, const struct tui_qspec *q, enum tui_dir dir, double kd,
    long long kid, long long *ids, int max)
{
	char sql[1024];
	sqlite3_stmt *st;
	int k = 1, i, n = 0;

	ck_assert_int_eq(tui_query_build(q, dir, NULL, sql, sizeof sql), 0);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < q->nbinds; i++, k++)
		if (q->binds[i].is_int)
			sqlite3_bind_int64(st, k, q->binds[i].i);
		else
			sqlite3_bind_text(st, k, q->binds[i].s, -1, SQLITE_STATIC);
	if (dir == DIR_AFTER || dir == DIR_BEFORE) {
		sqlite3_bind_double(st, k++, kd);
		sqlite3_bind_int64(st, k++, kid);
	}
	sqlite3_bind_int(st, k, max);
	while (sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Paging forward 7 at a time visits exactly SQLite's own full order. */
static void
check_paging(sqlite3 *db, struct tui_qspec *q, const char *full)
{
	long long want[200], got[200], page[7];
	double key;
	sqlite3_stmt *st;
	int nw = 0, ng = 0, n, i;

	ck_assert_int_eq(sqlite3_prepare_v2(db, full, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		want[nw++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	n = run_page(db, q, DIR_FIRST, 0, 0, page, 7);
	while (n > 0) {
		for (i = 0; i < n; i++)
			got[ng++] = page[i];
		key = (double)(got[ng - 1] % 5);        /* duration of the last row */
		n = run_page(db, q, DIR_AFTER, key, got[ng - 1], page, 7);
	}
	ck_assert_int_eq(ng, nw);
	for (i = 0; i < nw; i++)
		ck_assert_int_eq(got[i], want[i]);
	/* and one page backwards from the end lands on the rows before it */
	n = run_page(db, q, DIR_BEFORE, (double)(want[nw - 1] % 5), want[nw - 1], page, 7);
	ck_assert_int_eq(n, nw >= 8 ? 7 : nw - 1);
	ck_assert_int_eq(page[0], want[nw - 2]);
}

START_TEST(keyset_pages_walk_the_whole_order_both_ways)
{
	sqlite3 *db = test_db(100);
	struct tui_qspec q;

	memset(&q, 0, sizeof q);
	q.select = "id";
	q.from = "flows";
	q.keys[0] = "duration";
	q.keys[1] = "id";
	q.nkeys = 2;
	check_paging(db, &q, "SELECT id FROM flows ORDER BY duration, id");
	q.desc = 1;
	check_paging(db, &q, "SELECT id FROM flows ORDER BY duration DESC, id DESC");
	ck_assert_int_eq(tui_filter_flows("rst", 1, &q, NULL, 0), 0);
	check_paging(db, &q, "SELECT id FROM flows WHERE close = 'rst' "
	    "ORDER BY duration DESC, id DESC");
	sqlite3_close(db);
}
END_TEST

/* ---- filter line ----------------------------------------------------- */

static int
count_where(sqlite3 *db, const struct tui_qspec *q)
{
	long long ids[200];

	return run_page(db, q, DIR_FIRST, 0, 0, ids, 200);
}

static int
count_sql(sqlite3 *db, const char *cond)
{
	char sql[512];
	sqlite3_stmt *st;
	int n;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM flows WHERE %s", cond);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

START_TEST(filter_words_are_guessed_and_anded)
{
	sqlite3 *db = test_db(100);
	struct tui_qspec q;
	char err[128];

	memset(&q, 0, sizeof q);
	q.select = "id";
	q.from = "flows";
	q.keys[0] = "id";
	q.nkeys = 1;
	ck_assert_int_eq(tui_filter_flows("10.200.0.1 443 time_wait", 0, &q, err, sizeof err), 0);
	ck_assert_int_eq(q.nbinds, 5);
	ck_assert_str_eq(q.binds[0].s, "10.200.0.1*");
	ck_assert(q.binds[2].is_int && q.binds[2].i == 443);
	ck_assert_str_eq(q.binds[3].s, "TIME-WAIT");
	ck_assert_int_eq(count_where(db, &q), count_sql(db, "(server = '10.200.0.1' OR "
	    "client LIKE '10.200.0.1%') AND server_port = 443 AND "
	    "(client_state = 'TIME-WAIT' OR server_state = 'TIME-WAIT')"));
	ck_assert_int_gt(count_where(db, &q), 0);
	/* the walking form selects the same rows */
	ck_assert_int_eq(tui_filter_flows("10.200.0.1 443 time_wait", 1, &q, err, sizeof err), 0);
	ck_assert_int_eq(count_where(db, &q), count_sql(db, "server = '10.200.0.1' AND "
	    "server_port = 443 AND "
	    "(client_state = 'TIME-WAIT' OR server_state = 'TIME-WAIT')"));
	ck_assert_int_eq(tui_filter_flows("host:10.0.3 close:rst", 1, &q, err, sizeof err), 0);
	ck_assert_int_eq(count_where(db, &q), count_sql(db, "client LIKE '10.0.3.%' AND close = 'rst'"));
	ck_assert_int_eq(tui_filter_flows("", 1, &q, err, sizeof err), 0);
	ck_assert_int_eq(count_where(db, &q), 100);
	ck_assert_int_eq(tui_filter_flows("port:40007", 0, &q, err, sizeof err), 0);
	ck_assert_int_eq(count_where(db, &q), 1);       /* the client's port */
	/* A network, bare or after host:, in either form. */
	for (int walk = 0; walk <= 1; walk++) {
		ck_assert_int_eq(tui_filter_flows("10.0.2.0/23 rst", walk, &q, err, sizeof err), 0);
		ck_assert_str_eq(q.binds[0].s, "10.0.2.0/23");
		ck_assert_int_eq(count_where(db, &q), count_sql(db, "(client LIKE '10.0.2.%' OR "
		    "client LIKE '10.0.3.%') AND close = 'rst'"));
		ck_assert_int_gt(count_where(db, &q), 0);
		ck_assert_int_eq(tui_filter_flows("host:10.200.0.2/31", walk, &q, err, sizeof err), 0);
		ck_assert_int_eq(count_where(db, &q), count_sql(db, "server IN ('10.200.0.2', "
		    "'10.200.0.3')"));
	}
	sqlite3_close(db);
}
END_TEST

START_TEST(filter_rejects_bad_words_and_keeps_nothing)
{
	struct tui_qspec q;
	char err[128];

	memset(&q, 0, sizeof q);
	ck_assert_int_eq(tui_filter_flows("80 port:99999", 0, &q, err, sizeof err), -1);
	ck_assert_str_eq(err, "99999: not a port");
	ck_assert_str_eq(q.where, "");
	ck_assert_int_eq(q.nbinds, 0);
	ck_assert_int_eq(tui_filter_flows("state:SLEEPING", 0, &q, err, sizeof err), -1);
	ck_assert_int_eq(tui_filter_flows("10.*", 0, &q, err, sizeof err), -1);
	ck_assert_int_eq(tui_filter_flows("10.0.0.0/33", 0, &q, err, sizeof err), -1);
	ck_assert_str_eq(err, "10.0.0.0/33: not a net");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui");
	TCase *keys = tcase_create("keys"), *text = tcase_create("escape"),
	    *query = tcase_create("query");

	tcase_add_test(keys, j_and_down_move_down_on_every_scrolling_screen);
	tcase_add_test(keys, sort_and_filter_keys_belong_to_the_flow_list_only);
	tcase_add_test(keys, no_key_is_bound_twice_on_one_screen);
	tcase_add_test(keys, quit_back_help_work_everywhere);
	tcase_add_test(keys, keys_mdoc_has_one_item_per_documented_binding);
	tcase_add_test(keys, help_lines_name_aliases_once);
	tcase_add_test(text, escape_writes_control_bytes_as_hex);
	tcase_add_test(text, escape_keeps_utf8_but_not_c1_controls);
	tcase_add_test(text, escape_truncates_without_splitting_an_escape);
	tcase_add_test(query, query_after_uses_a_row_value_comparison);
	tcase_add_test(query, keyset_pages_walk_the_whole_order_both_ways);
	tcase_add_test(query, filter_words_are_guessed_and_anded);
	tcase_add_test(query, filter_rejects_bad_words_and_keeps_nothing);
	suite_add_tcase(s, keys);
	suite_add_tcase(s, text);
	suite_add_tcase(s, query);
	return run_suite(s);
}

/*
 * test-output.c: the writers survive hostile strings.
 *
 * CSV quoting per RFC 4180, JSON escaping of quotes, control bytes and
 * invalid UTF-8 (through SQLite's json_object and our guard), terminal
 * escaping, and tables that fit the width they are given.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "check-main.h"

/* Capture what FN writes to a FILE. */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void
mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	ck_assert_ptr_nonnull(m->f);
}

static char *
mem_close(struct mem *m)
{
	fclose(m->f);
	return m->buf;
}

static char *
csv(const char *s)
{
	struct mem m;

	mem_open(&m);
	output_csv_field(m.f, s);
	return mem_close(&m);
}

START_TEST(csv_quotes_only_fields_that_need_it)
{
	char *s;

	ck_assert_str_eq(s = csv("plain"), "plain");
	free(s);
	ck_assert_str_eq(s = csv("a,b"), "\"a,b\"");
	free(s);
	ck_assert_str_eq(s = csv("say \"hi\""), "\"say \"\"hi\"\"\"");
	free(s);
	ck_assert_str_eq(s = csv("two\r\nlines"), "\"two\r\nlines\"");
	free(s);
	ck_assert_str_eq(s = csv("lf\nonly"), "\"lf\nonly\"");
	free(s);
	ck_assert_str_eq(s = csv(NULL), "");
	free(s);
}
END_TEST

static void
escape_is(const char *in, const char *want)
{
	char *got = output_escape(in);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(terminal_escape_shows_control_bytes_and_bad_utf8_as_hex)
{
	escape_is("a\x1b[31mb", "a\\x1b[31mb");
	escape_is("bell\a tab\t", "bell\\x07 tab\\x09");
	escape_is("del\x7f", "del\\x7f");
	escape_is("\xff\xfe", "\\xff\\xfe");
	escape_is("csi\xc2\x9b" "2J", "csi\\xc2\\x9b2J");          /* C1 control */
	escape_is("overlong \xc0\xaf", "overlong \\xc0\\xaf");
	escape_is("surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80");
	escape_is("cut \xe2\x94", "cut \\xe2\\x94");
	escape_is("back\\slash", "back\\\\slash");
	escape_is("caf\xc3\xa9 \xe2\x94\x82", "caf\xc3\xa9 \xe2\x94\x82");  /* valid UTF-8 stays */
	escape_is(NULL, "");
}
END_TEST

/* A table of hostile strings and the columns that print it. */
static sqlite3 *
hostile_db(void)
{
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db,
	    "CREATE TABLE t (id INTEGER, s TEXT, ts REAL, arr TEXT);"
	    "INSERT INTO t VALUES (1, 'q\"b\\' || char(10) || char(27) || '[2J' ||"
	    "  CAST(x'ff' AS TEXT) || 'caf' || char(233), 1763786000.1234564, '[8,11]');"
	    "INSERT INTO t VALUES (2, 'a,b', 0.5, '[]');",
	    NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	return db;
}

static const struct output_column hostile_cols[] = {
	{ "id", "ID", "id", OT_INT, OUT_ALL, 0 },
	{ "s", "TEXT", "s", OT_TEXT, OUT_ALL, 1 },
	{ "ts", "TIME", "ts", OT_TS, OUT_MACHINE, 0 },
	{ "frames", "FRAMES", "arr", OT_JSON, OUT_MACHINE, 0 },
};

static char *
render(sqlite3 *db, enum output_format fmt, int width, long *rows)
{
	char *list = output_select(hostile_cols, 4, fmt), *sql, err[128];
	sqlite3_stmt *st;
	struct mem m;

	sql = sqlite3_mprintf("SELECT %s FROM t ORDER BY id", list);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s", sql);
	mem_open(&m);
	*rows = output_rows(st, hostile_cols, 4, fmt, width, m.f, err, sizeof(err));
	sqlite3_finalize(st);
	sqlite3_free(sql);
	free(list);
	return mem_close(&m);
}

START_TEST(json_lines_escape_everything_and_keep_six_decimals)
{
	sqlite3 *db = hostile_db();
	long rows;
	char *out = render(db, OUTPUT_JSON, 0, &rows);

	ck_assert_int_eq(rows, 2);
	ck_assert_str_eq(out,
	    "{\"id\":1,\"s\":\"q\\\"b\\\\\\n\\u001b[2J\\ufffdcaf\xc3\xa9\","
	    "\"ts\":1763786000.123456,\"frames\":[8,11]}\n"
	    "{\"id\":2,\"s\":\"a,b\",\"ts\":0.500000,\"frames\":[]}\n");
	free(out);
	sqlite3_close(db);
}
END_TEST

START_TEST(json_line_guard_replaces_invalid_utf8_only)
{
	struct mem m;

	mem_open(&m);
	output_json_line(m.f, "{\"a\":\"\xc3\xa9\xff\xc3\"}");
	mem_close(&m);
	ck_assert_str_eq(m.buf, "{\"a\":\"\xc3\xa9\\ufffd\\ufffd\"}\n");
	free(m.buf);
	mem_open(&m);
	output_json_string(m.f, "t\"ab\t\x01\xfe");
	mem_close(&m);
	ck_assert_str_eq(m.buf, "\"t\\\"ab\\u0009\\u0001\\ufffd\"");
	free(m.buf);
}
END_TEST

/* JSON allows DEL and the C1 controls raw, but printed on a terminal
 * U+009B is a CSI: "-o json" on a terminal must not obey a capture. */
START_TEST(json_escapes_del_and_c1_controls_that_terminals_obey)
{
	struct mem m;

	mem_open(&m);
	output_json_line(m.f, "{\"a\":\"x\x7f\xc2\x9b" "2J\xc2\x85\xc2\xa0\"}");
	mem_close(&m);
	ck_assert_str_eq(m.buf, "{\"a\":\"x\\u007f\\u009b2J\\u0085\xc2\xa0\"}\n");
	free(m.buf);
	mem_open(&m);
	output_json_string(m.f, "\x7f\xc2\x9b\xc2\xa0");
	mem_close(&m);
	ck_assert_str_eq(m.buf, "\"\\u007f\\u009b\xc2\xa0\"");
	free(m.buf);
}
END_TEST

START_TEST(csv_rows_have_a_header_and_quote_hostile_fields)
{
	sqlite3 *db = hostile_db();
	long rows;
	char *out = render(db, OUTPUT_CSV, 0, &rows);

	ck_assert_int_eq(rows, 2);
	ck_assert_str_eq(out,
	    "id,s,ts,frames\n"
	    "1,\"q\"\"b\\\n\x1b[2J\xff" "caf\xc3\xa9\",1763786000.123456,\"[8,11]\"\n"
	    "2,\"a,b\",0.500000,[]\n");
	free(out);
	sqlite3_close(db);
}
END_TEST

/* The widest line of TEXT, in terminal columns. */
static size_t
widest(char *text)
{
	size_t w = 0;

	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		size_t lw = output_strwidth(line);

		w = lw > w ? lw : w;
	}
	return w;
}

START_TEST(table_fits_the_width_and_escapes_cells)
{
	sqlite3 *db = hostile_db();
	long rows;
	char *out;

	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO t VALUES (3, "
	    "'a very long detail sentence that cannot fit in a narrow terminal at all', 1, '[]')",
	    NULL, NULL, NULL), SQLITE_OK);
	out = render(db, OUTPUT_TABLE, 0, &rows);
	ck_assert_int_eq(rows, 3);
	ck_assert_ptr_nonnull(strstr(out, "ID  TEXT\n"));
	ck_assert_ptr_nonnull(strstr(out, " 1  q\"b\\\\\\x0a\\x1b[2J\\xffcaf\xc3\xa9\n"));
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_ptr_nonnull(strstr(out, "cannot fit in a narrow terminal at all"));
	free(out);
	out = render(db, OUTPUT_TABLE, 30, &rows);
	/* the last column (26 wide) wraps at spaces, indented under itself */
	ck_assert_ptr_nonnull(strstr(out, " 3  a very long detail\n"
	    "    sentence that cannot fit\n"
	    "    in a narrow terminal at\n"
	    "    all\n"));
	ck_assert_uint_le(widest(out), 30);
	free(out);
	sqlite3_close(db);
}
END_TEST

START_TEST(format_names_parse)
{
	ck_assert_int_eq(output_format_parse("table"), OUTPUT_TABLE);
	ck_assert_int_eq(output_format_parse("csv"), OUTPUT_CSV);
	ck_assert_int_eq(output_format_parse("json"), OUTPUT_JSON);
	ck_assert_int_eq(output_format_parse("xml"), -1);
}
END_TEST

START_TEST(counts_in_words_are_singular_for_one_only)
{
	ck_assert_str_eq(output_plural(0), "s");
	ck_assert_str_eq(output_plural(1), "");
	ck_assert_str_eq(output_plural(2), "s");
	ck_assert_str_eq(output_plural(1000001), "s");
}
END_TEST

static Suite *
output_suite(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("writers");

	tcase_add_test(tc, csv_quotes_only_fields_that_need_it);
	tcase_add_test(tc, terminal_escape_shows_control_bytes_and_bad_utf8_as_hex);
	tcase_add_test(tc, json_lines_escape_everything_and_keep_six_decimals);
	tcase_add_test(tc, json_line_guard_replaces_invalid_utf8_only);
	tcase_add_test(tc, json_escapes_del_and_c1_controls_that_terminals_obey);
	tcase_add_test(tc, csv_rows_have_a_header_and_quote_hostile_fields);
	tcase_add_test(tc, table_fits_the_width_and_escapes_cells);
	tcase_add_test(tc, format_names_parse);
	tcase_add_test(tc, counts_in_words_are_singular_for_one_only);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(output_suite());
}

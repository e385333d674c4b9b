/*
 * planstats.c: a sampled ANALYZE, made exact where the plans depend on it.
 * See planstats.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "planstats.h"

/* The most columns of an index whose averages are kept. */
#define STAT_COLUMNS 16

/* One row of sqlite_stat1 as read: its numbers, then what follows them
 * (keywords such as "unordered", kept as they are). */
struct stat_line {
	int64_t num[1 + STAT_COLUMNS];
	int n;
	const char *rest;
};

static void
parse_stat(const char *text, struct stat_line *line)
{
	char *end;

	line->n = 0;
	while (line->n < 1 + STAT_COLUMNS) {
		long long v = strtoll(text, &end, 10);

		if (end == text || (*end != ' ' && *end != '\0'))
			break;
		line->num[line->n++] = v;
		text = end;
		while (*text == ' ')
			text++;
	}
	line->rest = text;
}

/* The integer answer of the SQL FMT makes (sqlite3_mprintf), or 0 when it
 * has no row; an SQLite result code. */
static int
int_of(sqlite3 *db, int64_t *num, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	char *sql;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	*num = 0;
	if (sql == NULL)
		return SQLITE_NOMEM;
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) == SQLITE_OK &&
	    (rc = sqlite3_step(st)) == SQLITE_ROW)
		*num = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* The first column of an index, or NULL for an expression. */
static char *
leading_column(sqlite3 *db, const char *index)
{
	sqlite3_stmt *st;
	char *name = NULL;

	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_index_info(?) WHERE seqno = 0",
	    -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, index, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		name = sqlite3_mprintf("%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return name;
}

/* Whether INDEX covers only the rows of TABLE its WHERE clause admits: its
 * counts are not the table's, and keep the sample's figures. */
static int
partial_index(sqlite3 *db, const char *table, const char *index)
{
	int64_t partial = 1;

	int_of(db, &partial, "SELECT partial FROM pragma_index_list(%Q) WHERE name = %Q",
	    table, index);
	return partial != 0;
}

/*
 * How many values the column holds, NULL counting as one value as it does
 * for ANALYZE, or 0 when it holds more than PLANSTATS_DISTINCT_MAX.  Each
 * next value is one seek into the index (min() of what is above the last),
 * so this reads a few pages per value, not the table.
 */
static int
count_values(sqlite3 *db, const char *table, const char *column, int64_t *values)
{
	return int_of(db, values,
	    "WITH RECURSIVE v(x, n) AS ("
	    " SELECT (SELECT min(\"%w\") FROM main.\"%w\"), 0"
	    " UNION ALL"
	    " SELECT (SELECT min(\"%w\") FROM main.\"%w\" WHERE \"%w\" > v.x), n + 1"
	    " FROM v WHERE v.x IS NOT NULL AND n <= %d)"
	    " SELECT CASE WHEN x IS NULL THEN n + EXISTS (SELECT 1 FROM main.\"%w\""
	    " WHERE \"%w\" IS NULL) ELSE 0 END FROM v ORDER BY n DESC LIMIT 1",
	    column, table, column, table, column, PLANSTATS_DISTINCT_MAX, table, column);
}

/* The line of INDEX in sqlite_stat1, parsed; its text is kept in *TEXT
 * (sqlite3_free), which line->rest points into. */
static int
read_line(sqlite3 *db, const char *index, char **text, struct stat_line *line)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT stat FROM main.sqlite_stat1 WHERE idx = ?",
	    -1, &st, NULL);

	*text = NULL;
	line->n = 0;
	line->rest = "";
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, index, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL &&
	    (*text = sqlite3_mprintf("%s", sqlite3_column_text(st, 0))) == NULL)
		rc = SQLITE_NOMEM;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	if (*text != NULL)
		parse_stat(*text, line);
	return SQLITE_OK;
}

/* Replaces the line of INDEX with LINE. */
static int
write_line(sqlite3 *db, const char *index, const struct stat_line *line)
{
	char text[24 * (1 + STAT_COLUMNS) + 64];
	size_t used = 0;
	char *sql;
	int rc;

	text[0] = '\0';
	for (int i = 0; i < line->n && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%" PRId64,
		    i > 0 ? " " : "", line->num[i]);
	if (*line->rest != '\0' && used < sizeof(text))
		snprintf(text + used, sizeof(text) - used, " %s", line->rest);
	sql = sqlite3_mprintf("UPDATE main.sqlite_stat1 SET stat = %Q WHERE idx = %Q",
	    text, index);
	if (sql == NULL)
		return SQLITE_NOMEM;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	return rc;
}

/* An index of two columns or more whose first has few values: the rows
 * per value of its longer prefixes are not found in a sample of its first
 * entries (a server's 130,000 flows to one port were read as 1,000), so
 * this index is read whole. */
static int
analyze_whole(sqlite3 *db, const char *index, char **text, struct stat_line *line)
{
	char *sql = sqlite3_mprintf("PRAGMA analysis_limit = 0; ANALYZE main.\"%w\"", index);
	int rc;

	if (sql == NULL)
		return SQLITE_NOMEM;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	sqlite3_free(*text);
	*text = NULL;
	return rc == SQLITE_OK ? read_line(db, index, text, line) : rc;
}

/* The line of one index, made exact as planstats.h says, and stored. */
static int
correct_index(sqlite3 *db, const char *table, const char *index, int64_t rows)
{
	char *column = NULL, *text = NULL;
	struct stat_line line;
	int64_t values = 0;
	int rc = read_line(db, index, &text, &line);

	if (rc != SQLITE_OK || line.n < 2 || rows <= 0 || partial_index(db, table, index))
		goto out;
	if ((column = leading_column(db, index)) != NULL &&
	    (rc = count_values(db, table, column, &values)) != SQLITE_OK)
		goto out;
	if (values > 0 && line.n > 2 &&
	    ((rc = analyze_whole(db, index, &text, &line)) != SQLITE_OK || line.n < 2))
		goto out;
	line.num[0] = rows;
	if (column != NULL && values > 0)
		line.num[1] = (rows + values - 1) / values;
	else if (column != NULL)        /* an expression keeps the sample's */
		line.num[1] = min64(line.num[1],
		    (rows + PLANSTATS_DISTINCT_MAX - 1) / PLANSTATS_DISTINCT_MAX);
	if (line.num[1] < 1)
		line.num[1] = 1;
	for (int i = 2; i < line.n; i++)
		line.num[i] = min64(line.num[i], line.num[i - 1]);
	rc = write_line(db, index, &line);
out:
	sqlite3_free(column);
	sqlite3_free(text);
	return rc;
}

/* Every index in sqlite_stat1, as "table\0index\0" pairs one after the
 * other in *LIST (sqlite3_free), read before any is analysed again. */
static int
list_indices(sqlite3 *db, char **list, int *count)
{
	sqlite3_stmt *st = NULL;
	size_t used = 0, size = 0;
	int rc = sqlite3_prepare_v2(db, "SELECT tbl, idx FROM main.sqlite_stat1"
	    " WHERE tbl IS NOT NULL AND idx IS NOT NULL ORDER BY tbl, idx", -1, &st, NULL);

	*list = NULL;
	*count = 0;
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *i = (const char *)sqlite3_column_text(st, 1);
		size_t need = strlen(t) + strlen(i) + 2;
		char *grown;

		rc = SQLITE_OK;
		if (used + need > size) {
			size = 2 * size + need + 256;
			if ((grown = sqlite3_realloc64(*list, size)) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			*list = grown;
		}
		memcpy(*list + used, t, strlen(t) + 1);
		used += strlen(t) + 1;
		memcpy(*list + used, i, strlen(i) + 1);
		used += strlen(i) + 1;
		++*count;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The row count of TABLE (SQLite counts through its smallest index). */
static int
table_rows(sqlite3 *db, const char *table, int64_t *rows)
{
	return int_of(db, rows, "SELECT count(*) FROM main.\"%w\"", table);
}

/* Every index's line, corrected; each table counted once. */
static int
correct_all(sqlite3 *db)
{
	char *list = NULL;
	const char *table, *index, *counted = NULL;
	int count = 0, rc = list_indices(db, &list, &count);
	int64_t rows = 0;

	table = list;
	for (int k = 0; rc == SQLITE_OK && k < count; k++) {
		index = table + strlen(table) + 1;
		if (counted == NULL || strcmp(counted, table) != 0) {
			rc = table_rows(db, table, &rows);
			counted = table;
		}
		if (rc == SQLITE_OK)
			rc = correct_index(db, table, index, rows);
		table = index + strlen(index) + 1;
	}
	sqlite3_free(list);
	return rc;
}

int
planstats_gather(sqlite3 *db)
{
	int64_t limit = 0;
	char sql[96];
	int rc;

	if (int_of(db, &limit, "PRAGMA analysis_limit") != SQLITE_OK)
		limit = 0;
	snprintf(sql, sizeof(sql), "PRAGMA analysis_limit = %d; ANALYZE main",
	    PLANSTATS_SAMPLE);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = correct_all(db);
	/* The planner reads sqlite_stat1 with the schema; this has it read
	 * the corrected lines now. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "ANALYZE sqlite_master", NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA analysis_limit = %" PRId64, limit);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc;
}

/*
 * tmpdb.h: a database file in a directory of its own, for the unit tests
 * that run whole analyses or open stores (test-analysis, test-parallel,
 * test-recover), and one number read back from it.
 *
 *   setup:    tmpdb_make("parallel", "t.db")  ->  /tmp/test-parallel-XXXXXX/t.db
 *   test:     tmpdb_count("SELECT count(*) FROM flows")
 *   teardown: tmpdb_remove()
 */
#ifndef TEST_TMPDB_H
#define TEST_TMPDB_H

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

static char tmpdb_dir[64], tmpdb_path[128];

/* A fresh directory /tmp/test-NAME-XXXXXX; tmpdb_path names FILE in it. */
static inline void
tmpdb_make(const char *name, const char *file)
{
	snprintf(tmpdb_dir, sizeof(tmpdb_dir), "/tmp/test-%s-XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(tmpdb_dir));
	snprintf(tmpdb_path, sizeof(tmpdb_path), "%s/%s", tmpdb_dir, file);
}

/* The directory and everything in it (the database, its journals). */
static inline void
tmpdb_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdb_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdb_dir);
}

/* The integer SQL's first row holds, read through a connection of its own. */
static inline long long
tmpdb_count(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v;

	ck_assert_int_eq(sqlite3_open_v2(tmpdb_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
	    sqlite3_errmsg(db));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

#endif

/*
 * planstats.h: the query planner's statistics, gathered in a fraction of
 * ANALYZE's time.
 *
 * SQLite plans a query from sqlite_stat1: for each index, the rows of its
 * table and the average number of rows that share a value of its first
 * column, of its first two, and so on.  What the reading commands need
 * from it is one distinction: a filter on a column with few values (a
 * port, a state, a kind) matches a large share of the table, so a screen
 * of 50 rows is found faster by walking the index of the sort order; a
 * filter on a column with many values (an address, a time) matches few
 * rows, so its own index is the way.
 *
 * A full ANALYZE reads every entry of every index (0.8 s at a million
 * flows, on one core after the last row is written).  planstats_gather()
 * lets ANALYZE read a sample of each index instead (SQLite's
 * analysis_limit), then makes the part the distinction rests on exact:
 *
 *   - each table's row count, where an index makes it cheap to count;
 *   - for each index whose first column holds at most
 *     PLANSTATS_DISTINCT_MAX values, the rows per value of that column,
 *     counted by one index seek per value (for which ANALYZE itself gives
 *     the same number);
 *   - for one with more values, at most rows / PLANSTATS_DISTINCT_MAX,
 *     which it is.
 *
 * The averages over two or more columns stay the sample's, bounded by the
 * first column's.  An index on an expression keeps the sample's averages,
 * and a partial index (CREATE INDEX ... WHERE) all its figures.
 */
#ifndef TM_PLANSTATS_H
#define TM_PLANSTATS_H

#include <sqlite3.h>

/* Entries ANALYZE reads of each index. */
#define PLANSTATS_SAMPLE 1000

/* Values of a first column counted one by one before it is called many. */
#define PLANSTATS_DISTINCT_MAX 1000

/* Gathers the statistics of every index of schema "main" and has the
 * connection's planner use them.  Runs in the caller's transaction, if
 * any.  Returns SQLITE_OK or an SQLite error code; the connection's
 * analysis_limit is restored either way. */
int planstats_gather(sqlite3 *db);

#endif

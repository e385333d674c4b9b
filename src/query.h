/*
 * query.h: command-line filters, turned into a WHERE clause.
 *
 * The commands hand each filter option to query_set() by its long name
 * ("host", "port", "state", ...); it checks and normalises the value (an
 * address through addr_parse/addr_str, so "0:0::1" finds "::1"; a state
 * through state_parse, so "time_wait" finds "TIME-WAIT"; a time as Unix
 * seconds or a UTC date).  query_where() then writes the conditions for
 * one table from a template table, and query_bind() binds the values:
 * nothing the user typed is ever pasted into SQL.
 *
 * Conditions are written for the flows table under the alias "f" or the
 * findings table under the alias "a", and are shaped so that SQLite can
 * use the schema's indices ("either end" is an OR over two indexed
 * columns, which SQLite serves with two index lookups).
 */
#ifndef TM_QUERY_H
#define TM_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

enum query_key {
	QF_HOST, QF_PORT, QF_STATE, QF_KIND, QF_CAPTURE, QF_FLOW, QF_SINCE,
	QF_UNTIL, QF_HANDSHAKE, QF_CLOSE, QF_CLOSER, QF_MIN_DURATION, QF_SIDE,
	QF_COUNT
};

enum query_target { QUERY_FLOWS, QUERY_FINDINGS };

struct query_value {
	int set;
	int is_text, is_real;
	int is_net;             /* text is a network, "10.1.0.0/16" (netmatch.h) */
	int64_t i;
	double d;
	char text[64];
};

struct query_filter {
	struct query_value v[QF_COUNT];
	long limit;             /* 0: no limit */
	int sort;               /* index into the sort table, -1: by time */
	int reverse;
};

/* SQL under construction: the text and the values its ?N stand for. */
struct query_sql {
	char *where;            /* "" or " WHERE ... " */
	char *tail;             /* " ORDER BY ... LIMIT ?N" */
	int nparams;
	const struct query_value *params[QF_COUNT + 1];
	struct query_value limit;
};

/* An empty filter: nothing set, no limit, default order. */
void query_init(struct query_filter *f);

/* Set filter NAME (a long option name: "host", "port", "state", "kind",
 * "capture", "flow", "since", "until", "handshake", "close", "closer",
 * "min-duration", "side", "limit", "sort") from the user's VALUE.
 * 0, or -1 with "--NAME: why" in ERR. */
int query_set(struct query_filter *f, const char *name, const char *value,
    char *err, size_t errlen);

/* Parse TIME (Unix seconds, or "YYYY-MM-DD[ HH:MM[:SS]]" / with 'T', UTC)
 * into *OUT; 0 or -1. */
int query_parse_time(const char *s, double *out);

/* Build the WHERE clause of F for TARGET and the ORDER BY/LIMIT tail
 * (flows: F's sort column, else first_ts; findings: ts) into Q, shaped
 * for the rows DB holds (NULL: for any).
 *
 * SQLite plans before the values are bound and knows only each column's
 * average number of rows per value, which cannot tell a common value
 * (port 80) from a rare one (one client's five connections, a state no
 * connection is in).  So the data is asked, with counts that stop at
 * QUERY_FEW_ROWS (a millisecond at 1,000,000 flows), or at QUERY_PROBE_MS:
 *
 * - flows: a WHERE that matches fewer rows is given an ORDER BY that no
 *   index serves ("+col"), so that its own indices find the rows and a
 *   sort orders them; else SQLite walks the index of the order until the
 *   LIMIT is reached, which for a rare value was the whole table (200 ms);
 * - flows, two filters or more: each is also counted alone (a kind by its
 *   findings); one that matches few rows makes them all few, and the
 *   others are written so that no index serves them ("+f.col"), since
 *   SQLite could take a common one's (a busy server's 130,000 flows read
 *   to find its 20 in LAST-ACK: 250 ms, now 8);
 * - findings, filtered on their flow (host, port, state, ...): when few
 *   flows match, the finding's flow must be among them ("a.flow IN"),
 *   else each finding's flow is looked up ("EXISTS"), so as not to list
 *   the 780,000 ESTABLISHED flows to find 50 findings (350 ms). */
#define QUERY_FEW_ROWS 2000
#define QUERY_PROBE_MS 15
void query_build(sqlite3 *db, const struct query_filter *f, enum query_target target,
    struct query_sql *q);

/* Bind Q's values to ST (those of them ST has: the WHERE's alone for a
 * statement without the LIMIT); SQLITE_OK or an SQLite code. */
int query_bind(sqlite3_stmt *st, const struct query_sql *q);

/* sqlite3_step(ST) of DB, interrupted (SQLITE_INTERRUPT) after MS
 * milliseconds: for the counts that choose a plan, whose answer when
 * they take long is "many". */
int query_step_within(sqlite3 *db, sqlite3_stmt *st, int ms);

void query_sql_free(struct query_sql *q);

/*
 * The command line shared by flows, anomalies, show and summary.  Each
 * command lists its options; filters use val QUERY_OPT_FILTER and are
 * passed to query_set by their long name.
 */
#define QUERY_OPT_FILTER 0x100

struct option;

struct query_cli {
	const char *db;         /* -d, --db; NULL: cmd_db_path's default */
	int format;             /* enum output_format */
	int help;               /* --help was given */
	int first_arg;          /* index in argv of the first operand */
	struct query_filter filter;
};

/* Parse ARGV with OPTS (short options SHORTOPTS, starting with ':') into CLI: -d, -o, -h and
 * the filters.  0, or -1 with "why" in ERR (an unknown option, a bad
 * value). */
int query_cli_parse(struct query_cli *cli, int argc, char **argv,
    const char *shortopts, const struct option *opts, char *err, size_t errlen);

/* The sort column names that --sort accepts, comma-separated. */
const char *query_sort_names(void);

#endif

/*
 * cmd-anomalies.c: `tcpmortem anomalies`, the findings that match the
 * filters, oldest first.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "output.h"
#include "query.h"
#include "store.h"

static const struct output_column finding_columns[] = {
	{ "id", "ID", "a.id", OT_INT, OUT_ALL, 0 },
	{ "ts", "TIME (UTC)", "a.ts", OT_TS, OUT_TABLE, 0 },
	{ "kind", "KIND", "a.kind", OT_TEXT, OUT_ALL, 0 },
	{ "flow", "FLOW", "a.flow", OT_INT, OUT_ALL, 0 },
	{ "side", "SIDE", "a.side", OT_TEXT, OUT_ALL, 0 },
	{ "ts", "TIME", "a.ts", OT_TS, OUT_MACHINE, 0 },
	{ "host", "HOST", "a.host", OT_TEXT, OUT_MACHINE, 0 },
	{ "port", "PORT", "a.port", OT_INT, OUT_MACHINE, 0 },
	{ "host", "HOST",
	  "CASE WHEN a.host IS NULL THEN NULL WHEN instr(a.host, ':') > 0"
	  " THEN '[' || a.host || ']:' || coalesce(a.port, '*')"
	  " ELSE a.host || ':' || coalesce(a.port, '*') END", OT_TEXT, OUT_TABLE, 0 },
	{ "frames", "FRAMES", "a.frames", OT_JSON, OUT_MACHINE, 0 },
	{ "frames", "FRAMES",
	  "(SELECT group_concat(value, ',') FROM json_each(a.frames))", OT_TEXT, OUT_TABLE, 1 },
	{ "detail", "DETAIL", "a.detail", OT_TEXT, OUT_ALL, 2 },
	{ "capture", "CAP", "a.capture", OT_INT, OUT_MACHINE, 0 },
	{ "vantage", "VANTAGE", "a.vantage", OT_TEXT, OUT_MACHINE, 0 },
	{ "detector", "DETECTOR", "a.detector", OT_TEXT, OUT_MACHINE, 0 },
};

static const struct option anomaly_options[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "host", required_argument, NULL, QUERY_OPT_FILTER },
	{ "port", required_argument, NULL, QUERY_OPT_FILTER },
	{ "state", required_argument, NULL, QUERY_OPT_FILTER },
	{ "kind", required_argument, NULL, QUERY_OPT_FILTER },
	{ "side", required_argument, NULL, QUERY_OPT_FILTER },
	{ "capture", required_argument, NULL, QUERY_OPT_FILTER },
	{ "flow", required_argument, NULL, QUERY_OPT_FILTER },
	{ "since", required_argument, NULL, QUERY_OPT_FILTER },
	{ "until", required_argument, NULL, QUERY_OPT_FILTER },
	{ "limit", required_argument, NULL, QUERY_OPT_FILTER },
	{ NULL, 0, NULL, 0 }
};

static const char anomaly_help[] =
"  -d, --db PATH          the database (default $TCPMORTEM_DB, ./tcpmortem.db)\n"
"  -o, --format FORMAT    table, csv or json (JSON Lines)\n"
"      --kind KIND        only findings of KIND (fin-lost, syn-flood, ...)\n"
"      --host ADDR        about ADDR, or on a flow with ADDR at either end\n"
"      --port N           about port N, or on a flow using port N\n"
"      --state STATE      on a flow whose client or server ended in STATE\n"
"      --side client|server   the endpoint concerned\n"
"      --capture ID, --flow ID\n"
"      --since TIME, --until TIME   Unix seconds or YYYY-MM-DD[ HH:MM[:SS]], UTC\n"
"      --limit N          at most N findings\n";

static int
anomalies_print(sqlite3 *db, const struct query_cli *cli)
{
	size_t n = sizeof(finding_columns) / sizeof(finding_columns[0]);
	char *list = output_select(finding_columns, n, cli->format);
	struct query_sql q;
	sqlite3_stmt *st = NULL;
	char *sql, err[256];
	long rows = -1;

	query_build(&cli->filter, QUERY_FINDINGS, &q);
	sql = sqlite3_mprintf("SELECT %s FROM findings AS a%s%s", list, q.where, q.tail);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    query_bind(st, &q) != SQLITE_OK)
		snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db));
	else
		rows = output_rows(st, finding_columns, n, cli->format,
		    output_width(stdout), stdout, err, sizeof(err));
	if (rows < 0)
		cmd_error("%s: %s", cli->db, err);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	free(list);
	query_sql_free(&q);
	return rows < 0 ? EXIT_IO : EXIT_OK;
}

static int
cmd_anomalies_exec(int argc, char **argv)
{
	struct query_cli cli;
	struct store *s;
	char err[512];
	int rc;

	if (query_cli_parse(&cli, argc, argv, ":d:o:h", anomaly_options, err, sizeof(err)) != 0) {
		cmd_error("anomalies: %s", err);
		return EXIT_USAGE;
	}
	if (cli.help) {
		cmd_usage(&cmd_anomalies_entry, stdout);
		fputs(anomaly_help, stdout);
		return EXIT_OK;
	}
	if (cli.first_arg < argc) {
		cmd_error("anomalies: unexpected argument '%s'; see --help", argv[cli.first_arg]);
		return EXIT_USAGE;
	}
	cli.db = cmd_db_path(cli.db);
	if ((s = store_open(cli.db, STORE_READ, 5000, err, sizeof(err))) == NULL) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	rc = anomalies_print(store_db(s), &cli);
	store_close(s);
	return rc;
}

const struct cmd_entry cmd_anomalies_entry = {
	.name = "anomalies",
	.usage = "[-d DB] [-o table|csv|json] [FILTERS]",
	.summary = "list findings",
	.exec = cmd_anomalies_exec,
};

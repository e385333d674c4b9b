/*
 * cmd-anomalies.c: `tcpmortem anomalies`, the findings that match the
 * filters, oldest first.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd-list.h"
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
"      --host ADDR[/LEN]  about ADDR (or a network), or on a flow with it at\n"
"                         either end\n"
"      --port N           about port N, or on a flow using port N\n"
"      --state STATE      on a flow whose client or server ended in STATE\n"
"      --side client|server   the endpoint concerned\n"
"      --capture ID, --flow ID\n"
"      --since TIME, --until TIME   Unix seconds or YYYY-MM-DD[ HH:MM[:SS]], UTC\n"
"      --limit N          at most N findings\n";

static const struct list_command anomaly_list;

static int
cmd_anomalies_exec(int argc, char **argv)
{
	return list_command_run(&anomaly_list, argc, argv);
}

const struct cmd_entry cmd_anomalies_entry = {
	.name = "anomalies",
	.usage = "[-d DB] [-o table|csv|json] [FILTERS]",
	.summary = "list findings",
	.exec = cmd_anomalies_exec,
};

static const struct list_command anomaly_list = {
	.entry = &cmd_anomalies_entry,
	.options = anomaly_options,
	.help = anomaly_help,
	.columns = finding_columns,
	.ncolumns = sizeof(finding_columns) / sizeof(finding_columns[0]),
	.target = QUERY_FINDINGS,
	.from = "findings AS a",
};

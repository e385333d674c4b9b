/*
 * cmd-flows.c: `tcpmortem flows`, the connections that match the filters.
 *
 * The result is described once, as a column table; output.c turns it into
 * the SELECT list and prints it as a table, CSV or JSON Lines.
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
#include "util.h"

#define ENDPOINT(a, p) \
	"CASE WHEN instr(" a ", ':') > 0 THEN '[' || " a " || ']:' " \
	"ELSE " a " || ':' END || " p

static const struct output_column flow_columns[] = {
	{ "id", "ID", "f.id", OT_INT, OUT_ALL, 0 },
	{ "capture", "CAP", "f.capture", OT_INT, OUT_MACHINE, 0 },
	{ "first_ts", "START (UTC)", "f.first_ts", OT_TS, OUT_TABLE, 0 },
	{ "duration", "DURATION", "f.duration", OT_SECONDS, OUT_TABLE, 0 },
	{ "client", "CLIENT", ENDPOINT("f.client", "f.client_port"), OT_TEXT, OUT_TABLE, 0 },
	{ "server", "SERVER", ENDPOINT("f.server", "f.server_port"), OT_TEXT, OUT_TABLE, 0 },
	{ "client", "CLIENT", "f.client", OT_TEXT, OUT_MACHINE, 0 },
	{ "client_port", "CPORT", "f.client_port", OT_INT, OUT_MACHINE, 0 },
	{ "server", "SERVER", "f.server", OT_TEXT, OUT_MACHINE, 0 },
	{ "server_port", "SPORT", "f.server_port", OT_INT, OUT_MACHINE, 0 },
	{ "first_ts", "START", "f.first_ts", OT_TS, OUT_MACHINE, 0 },
	{ "last_ts", "END", "f.last_ts", OT_TS, OUT_MACHINE, 0 },
	{ "duration", "DURATION", "f.duration", OT_SECONDS, OUT_MACHINE, 0 },
	{ "packets", "PKTS", "f.packets", OT_INT, OUT_ALL, 0 },
	{ "bytes", "BYTES", "f.bytes", OT_INT, OUT_ALL, 0 },
	{ "handshake", "HANDSHAKE", "f.handshake", OT_TEXT, OUT_ALL, 0 },
	{ "close", "CLOSE", "f.close", OT_TEXT, OUT_ALL, 0 },
	{ "closer", "CLOSER", "f.closer", OT_TEXT, OUT_ALL, 0 },
	{ "client_state", "CLIENT-STATE", "f.client_state", OT_TEXT, OUT_ALL, 0 },
	{ "server_state", "SERVER-STATE", "f.server_state", OT_TEXT, OUT_ALL, 0 },
	{ "end_reason", "ENDED", "f.end_reason", OT_TEXT, OUT_MACHINE, 0 },
	{ "first_frame", "FIRST", "f.first_frame", OT_INT, OUT_MACHINE, 0 },
	{ "last_frame", "LAST", "f.last_frame", OT_INT, OUT_MACHINE, 0 },
	{ "incarnation", "INC", "f.incarnation", OT_INT, OUT_MACHINE, 0 },
	{ "anomalies", "ANOMALIES",
	  "(SELECT json_group_array(kind) FROM (SELECT kind FROM findings"
	  " WHERE flow = f.id GROUP BY kind ORDER BY min(ts), kind))",
	  OT_JSON, OUT_MACHINE, 0 },
	{ "anomalies", "ANOMALIES",
	  "(SELECT group_concat(kind, ',') FROM (SELECT kind FROM findings"
	  " WHERE flow = f.id GROUP BY kind ORDER BY min(ts), kind))",
	  OT_TEXT, OUT_TABLE, 1 },
};

static const struct option flow_options[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "host", required_argument, NULL, QUERY_OPT_FILTER },
	{ "port", required_argument, NULL, QUERY_OPT_FILTER },
	{ "state", required_argument, NULL, QUERY_OPT_FILTER },
	{ "kind", required_argument, NULL, QUERY_OPT_FILTER },
	{ "capture", required_argument, NULL, QUERY_OPT_FILTER },
	{ "flow", required_argument, NULL, QUERY_OPT_FILTER },
	{ "since", required_argument, NULL, QUERY_OPT_FILTER },
	{ "until", required_argument, NULL, QUERY_OPT_FILTER },
	{ "limit", required_argument, NULL, QUERY_OPT_FILTER },
	{ "handshake", required_argument, NULL, QUERY_OPT_FILTER },
	{ "close", required_argument, NULL, QUERY_OPT_FILTER },
	{ "closer", required_argument, NULL, QUERY_OPT_FILTER },
	{ "min-duration", required_argument, NULL, QUERY_OPT_FILTER },
	{ "sort", required_argument, NULL, QUERY_OPT_FILTER },
	{ "reverse", no_argument, NULL, QUERY_OPT_FILTER },
	{ NULL, 0, NULL, 0 }
};

static const char flow_help[] =
"  -d, --db PATH          the database (default $TCPMORTEM_DB, ./tcpmortem.db)\n"
"  -o, --format FORMAT    table, csv or json (JSON Lines)\n"
"      --host ADDR[/LEN]  either end is ADDR, or in that network (10.1.0.0/16)\n"
"      --port N           either end uses port N\n"
"      --state STATE      either end's final state (TIME-WAIT or time_wait)\n"
"      --kind KIND        has a finding of KIND   --capture ID, --flow ID\n"
"      --since TIME, --until TIME   started in that span (Unix seconds or\n"
"                         YYYY-MM-DD[ HH:MM[:SS]], UTC)\n"
"      --handshake OUTCOME, --close TYPE, --closer client|server|both\n"
"      --min-duration S   lasted at least S seconds\n"
"      --sort COLUMN      start end id duration packets bytes client server\n"
"                         port capture findings; --reverse for descending\n"
"      --limit N          at most N flows\n";

static const struct list_command flow_list;

static int
cmd_flows_exec(int argc, char **argv)
{
	return list_command_run(&flow_list, argc, argv);
}

const struct cmd_entry cmd_flows_entry = {
	.name = "flows",
	.usage = "[-d DB] [-o table|csv|json] [FILTERS]",
	.summary = "list connections",
	.exec = cmd_flows_exec,
};

static const struct list_command flow_list = {
	.entry = &cmd_flows_entry,
	.options = flow_options,
	.help = flow_help,
	.columns = flow_columns,
	.ncolumns = sizeof(flow_columns) / sizeof(flow_columns[0]),
	.target = QUERY_FLOWS,
	.from = "flows AS f",
};

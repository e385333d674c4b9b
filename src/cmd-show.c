/*
 * cmd-show.c: `tcpmortem show FLOW`, one connection in full: its header,
 * the ladder diagram, both endpoints' state timelines side by side, and
 * its findings with their evidence (the frames are marked on the ladder).
 * With -o json: one object, the flow's keys plus "transitions",
 * "segments" and "findings" arrays.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ladder.h"
#include "output.h"
#include "query.h"
#include "store.h"

static const struct option show_options[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char show_help[] =
"  -d, --db PATH          the database (default $TCPMORTEM_DB, ./tcpmortem.db)\n"
"  -o, --format FORMAT    table (the ladder) or json (one object)\n"
"FLOW is a flow id, as `tcpmortem flows` lists them.\n";

static const char show_json_sql[] =
"SELECT json_object('id', f.id, 'capture', f.capture, 'client', f.client,"
" 'client_port', f.client_port, 'server', f.server, 'server_port', f.server_port,"
" 'first_ts', json(printf('%.6f', f.first_ts)), 'last_ts', json(printf('%.6f', f.last_ts)),"
" 'duration', json(printf('%.6f', f.duration)),"
" 'packets', f.packets, 'bytes', f.bytes, 'handshake', f.handshake, 'close', f.close,"
" 'closer', f.closer, 'client_state', f.client_state, 'server_state', f.server_state,"
" 'end_reason', f.end_reason, 'incarnation', f.incarnation, 'previous', f.previous,"
" 'anomalies', json((SELECT json_group_array(kind) FROM (SELECT kind FROM findings"
"   WHERE flow = f.id GROUP BY kind ORDER BY min(ts), kind))),"
" 'transitions', json((SELECT json_group_array(json_object('side', side,"
"   'ts', json(printf('%.6f', ts)), 'old_state', old_state, 'new_state', new_state,"
"   'frame', frame, 'cause', cause)) FROM (SELECT * FROM transitions"
"   WHERE flow = f.id ORDER BY seq))),"
" 'segments', json((SELECT json_group_array(json_object('frame', frame,"
"   'last_frame', last_frame, 'ts', json(printf('%.6f', ts)),"
"   'last_ts', json(printf('%.6f', last_ts)), 'sender', sender, 'flags', flags,"
"   'rel_seq', rel_seq, 'rel_ack', rel_ack, 'len', len, 'win', win, 'count', count,"
"   'retransmission', json(CASE WHEN retransmission THEN 'true' ELSE 'false' END)))"
"   FROM (SELECT * FROM segments WHERE flow = f.id ORDER BY seq))),"
" 'findings', json((SELECT json_group_array(json_object('id', id, 'kind', kind,"
"   'side', side, 'ts', json(printf('%.6f', ts)), 'host', host, 'port', port,"
"   'frames', json(frames), 'detail', detail, 'vantage', vantage))"
"   FROM (SELECT * FROM findings WHERE flow = f.id ORDER BY ts, id))))"
" FROM flows AS f WHERE f.id = ?1";

static const char show_head_sql[] =
"SELECT f.client, f.client_port, f.server, f.server_port, f.capture, c.path,"
" f.first_ts, f.last_ts, f.duration, f.packets, f.bytes, f.handshake, f.close,"
" f.closer, f.client_state, f.server_state, f.end_reason, f.incarnation, f.previous,"
" f.client_packets, f.client_bytes, f.server_packets, f.server_bytes"
" FROM flows AS f LEFT JOIN captures AS c ON c.id = f.capture WHERE f.id = ?1";

static const char show_findings_sql[] =
"SELECT kind, side, (SELECT group_concat(value, ', ') FROM json_each(frames)),"
" detail, vantage FROM findings WHERE flow = ?1"
" ORDER BY ts, id";

/* Column I of ST escaped for the terminal; the caller frees. */
static char *
col(sqlite3_stmt *st, int i)
{
	return output_escape((const char *)sqlite3_column_text(st, i));
}

static void
endpoint(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	char *a = col(st, i);

	snprintf(buf, len, strchr(a, ':') ? "[%s]:%d" : "%s:%d", a, sqlite3_column_int(st, i + 1));
	free(a);
}

static void
print_head(sqlite3_stmt *st, int64_t id, FILE *out)
{
	char c[96], s[96], t0[40], t1[40];
	char *v[24];

	for (int i = 0; i < 24; i++)
		v[i] = i < sqlite3_column_count(st) ? col(st, i) : NULL;
	endpoint(st, 0, c, sizeof(c));
	endpoint(st, 2, s, sizeof(s));
	fprintf(out, "flow %" PRId64 "  %s -> %s  (capture %s: %s)\n", id, c, s, v[4], v[5]);
	fprintf(out, "  time       %s .. %s UTC, %.6f s\n",
	    output_time(sqlite3_column_double(st, 6), t0, sizeof(t0)),
	    output_time(sqlite3_column_double(st, 7), t1, sizeof(t1)),
	    sqlite3_column_double(st, 8));
	fprintf(out, "  packets    %s (client %s, server %s), payload %s bytes"
	    " (client %s, server %s)\n", v[9], v[19], v[21], v[10], v[20], v[22]);
	fprintf(out, "  handshake  %s\n  close      %s, closer %s, ended: %s\n",
	    v[11], v[12], sqlite3_column_type(st, 13) == SQLITE_NULL ? "none" : v[13], v[16]);
	fprintf(out, "  final      client %s, server %s\n", v[14], v[15]);
	if (sqlite3_column_int(st, 17) > 1)
		fprintf(out, "  reuse      incarnation %s of this 4-tuple, after flow %s\n",
		    v[17], sqlite3_column_type(st, 18) == SQLITE_NULL ? "?" : v[18]);
	for (int i = 0; i < 24; i++)
		free(v[i]);
}

static void
print_findings(sqlite3 *db, int64_t id, FILE *out)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db, show_findings_sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *v[5];

		for (int i = 0; i < 5; i++)
			v[i] = col(st, i);
		fprintf(out, "%s  [%d] %s  side %s, frames %s%s%s%s\n      %s\n",
		    n ? "" : "\nfindings:\n", n + 1, v[0], *v[1] ? v[1] : "-", v[2],
		    *v[4] ? " (vantage " : "", v[4], *v[4] ? ")" : "", v[3]);
		for (int i = 0; i < 5; i++)
			free(v[i]);
		n++;
	}
	if (n == 0)
		fputs("\nfindings: none\n", out);
	sqlite3_finalize(st);
}

/* Run SQL (?1 = ID) and print its single row: the JSON line, or the
 * header of the flow.  0, 1 if there is no such flow, -1 with ERR. */
static int
show_row(sqlite3 *db, const char *sql, int64_t id, int json, FILE *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && json)
		output_json_line(out, (const char *)sqlite3_column_text(st, 0));
	else if (rc == SQLITE_ROW)
		print_head(st, id, out);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

static int
show_flow(sqlite3 *db, const struct query_cli *cli, int64_t id)
{
	struct ladder_style style;
	const char *cs;
	char err[256];
	int rc;

	rc = show_row(db, cli->format == OUTPUT_JSON ? show_json_sql : show_head_sql, id,
	    cli->format == OUTPUT_JSON, stdout, err, sizeof(err));
	if (rc == 1)
		cmd_error("%s: flow %" PRId64 ": no such flow", cli->db, id);
	if (rc != 0 || cli->format == OUTPUT_JSON) {
		if (rc < 0)
			cmd_error("%s: %s", cli->db, err);
		return rc == 0 ? EXIT_OK : rc == 1 ? EXIT_USAGE : EXIT_IO;
	}
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	style.utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	style.color = output_color(stdout);
	fputc('\n', stdout);
	if (ladder_print(db, id, &style, stdout, err, sizeof(err)) != 0 ||
	    (fputs("\nstate timelines (seconds from the first packet):\n", stdout),
	     ladder_timelines(db, id, stdout, err, sizeof(err))) != 0) {
		cmd_error("%s: %s", cli->db, err);
		return EXIT_IO;
	}
	print_findings(db, id, stdout);
	return EXIT_OK;
}

static int
cmd_show_exec(int argc, char **argv)
{
	struct query_cli cli;
	struct store *s;
	char err[512], *end;
	long long id;
	int rc;

	if (query_cli_parse(&cli, argc, argv, ":d:o:h", show_options, err, sizeof(err)) != 0) {
		cmd_error("show: %s", err);
		return EXIT_USAGE;
	}
	if (cli.help) {
		cmd_usage(&cmd_show_entry, stdout);
		fputs(show_help, stdout);
		return EXIT_OK;
	}
	if (cli.format == OUTPUT_CSV) {
		cmd_error("show: -o csv does not fit one flow's ladder; use table or json");
		return EXIT_USAGE;
	}
	if (cli.first_arg != argc - 1) {
		cmd_error("show: needs exactly one FLOW id; see --help");
		return EXIT_USAGE;
	}
	id = strtoll(argv[cli.first_arg], &end, 10);
	if (*end != '\0' || id <= 0 || end == argv[cli.first_arg]) {
		cmd_error("show: '%s' is not a flow id", argv[cli.first_arg]);
		return EXIT_USAGE;
	}
	cli.db = cmd_db_path(cli.db);
	if ((s = store_open(cli.db, STORE_READ, 5000, err, sizeof(err))) == NULL) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	rc = show_flow(store_db(s), &cli, (int64_t)id);
	store_close(s);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.usage = "[-d DB] [-o table|json] FLOW",
	.summary = "one connection: ladder, state timelines, findings",
	.exec = cmd_show_exec,
};

/* cmd-list.c: the listing commands' shared run (see cmd-list.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd-list.h"
#include "store.h"

#define BUSY_MS 5000

/* Nothing matched, and --kind was given: if no finding of that kind is
 * stored at all, the kind may be misspelt (kinds are open-ended, so it was
 * not refused), and an empty answer would read as "none happened".  Say
 * so on standard error, with the kinds the database holds. */
static void
hint_unknown_kind(sqlite3 *db, const struct query_cli *cli, const char *name)
{
	const char *kind = cli->filter.v[QF_KIND].text;
	sqlite3_stmt *st = NULL;
	const unsigned char *kinds;

	/* The kinds held, one index seek each (a DISTINCT would read every
	 * finding: seconds on a big database, for a hint). */
	if (sqlite3_prepare_v2(db, "WITH RECURSIVE k(kind) AS (SELECT min(kind) FROM findings "
	    "UNION ALL SELECT (SELECT min(kind) FROM findings WHERE kind > k.kind) FROM k "
	    "WHERE k.kind IS NOT NULL) "
	    "SELECT NOT EXISTS (SELECT 1 FROM findings WHERE kind = ?1), "
	    "(SELECT group_concat(kind, ', ') FROM k WHERE kind IS NOT NULL)",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) == 0) {
		sqlite3_finalize(st);
		return;
	}
	kinds = sqlite3_column_text(st, 1);     /* cmd_error escapes them */
	if (kinds == NULL)
		cmd_error("%s: no finding of kind '%s' in %s: it holds no findings", name, kind,
		    cli->db);
	else
		cmd_error("%s: no finding of kind '%s' in %s; the kinds it holds: %s", name, kind,
		    cli->db, (const char *)kinds);
	sqlite3_finalize(st);
}

/* Run LC's query with CLI's filters against DB and print it. */
static int
list_print(const struct list_command *lc, sqlite3 *db, const struct query_cli *cli)
{
	char *list = output_select(lc->columns, lc->ncolumns, cli->format);
	struct query_sql q;
	sqlite3_stmt *st = NULL;
	char *sql, err[256];
	long rows = -1;

	query_build(db, &cli->filter, lc->target, &q);
	sql = sqlite3_mprintf("SELECT %s FROM %s%s%s", list, lc->from, q.where, q.tail);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    query_bind(st, &q) != SQLITE_OK)
		snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db));
	else
		rows = output_rows(st, lc->columns, lc->ncolumns, cli->format,
		    output_width(stdout), stdout, err, sizeof(err));
	if (rows < 0)
		cmd_error("%s: %s", cli->db, err);
	else if (rows == 0 && cli->filter.v[QF_KIND].set)
		hint_unknown_kind(db, cli, lc->entry->name);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	free(list);
	query_sql_free(&q);
	return rows < 0 ? EXIT_IO : EXIT_OK;
}

int
list_command_run(const struct list_command *lc, int argc, char **argv)
{
	const char *name = lc->entry->name;
	struct query_cli cli;
	struct store *s;
	char err[512];
	int rc;

	if (query_cli_parse(&cli, argc, argv, ":d:o:h", lc->options, err, sizeof(err)) != 0) {
		cmd_error("%s: %s", name, err);
		return EXIT_USAGE;
	}
	if (cli.help) {
		cmd_usage(lc->entry, stdout);
		fputs(lc->help, stdout);
		return EXIT_OK;
	}
	if (cli.first_arg < argc) {
		cmd_error("%s: unexpected argument '%s'; see --help", name, argv[cli.first_arg]);
		return EXIT_USAGE;
	}
	cli.db = cmd_db_path(cli.db);
	if ((s = store_open(cli.db, STORE_READ, BUSY_MS, err, sizeof(err))) == NULL) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	rc = list_print(lc, store_db(s), &cli);
	store_close(s);
	return rc;
}

/*
 * cmd-summary.c: `tcpmortem summary`, counts per capture, per server
 * (address:port) and per client host, and the diagnosis in plain words.
 *
 * Each scope's groups come from one GROUP BY of the filtered flows by the
 * scope's key; then one pass over those flows adds each flow's five
 * dimensions to its group, found through a hash of the keys, and one
 * GROUP BY adds the findings.  The counts then go through the rule table
 * of diagnosis.c.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diagnosis.h"
#include "output.h"
#include "query.h"
#include "store.h"
#include "util.h"

#define ENDPOINT(a, p) \
	"CASE WHEN instr(" a ", ':') > 0 THEN '[' || " a " || ']:' " \
	"ELSE " a " || ':' END || " p

#define MAX_DIAG 8

struct sgroup {
	char key[128];          /* as SQL returned it, for lookup */
	char *path, *status;    /* capture scope: as stored (NULL: not known);
	                         * apart, for the 210,000 groups of other scopes */
	struct diag_group g;
};

struct scope {
	struct sgroup *groups;
	size_t n, cap;
	long total;             /* groups in all, when only the busiest are kept */
	long flows;             /* flows in all the groups */
	size_t *slots;          /* group_find's hash table: a group's index + 1, or 0 */
	size_t nslots;          /* a power of two, at least twice n */
};

/* Per scope: the key of a flow, and of a finding. */
static const struct {
	const char *flow_key;
	const char *finding_key;
} keys[DIAG_SCOPE_COUNT] = {
	[DIAG_CAPTURE] = { "CAST(f.capture AS TEXT)", "CAST(a.capture AS TEXT)" },
	[DIAG_SERVER] = { ENDPOINT("f.server", "f.server_port"),
	    "CASE WHEN a.flow IS NULL THEN " ENDPOINT("a.host", "a.port")
	    " ELSE " ENDPOINT("f.server", "f.server_port") " END" },
	[DIAG_CLIENT] = { "+f.client", "+f.client" },
};

static const char *const dim_columns[DIM_FINDINGS] = {
	"f.handshake", "f.close", "coalesce(f.closer, 'none')", "f.client_state", "f.server_state"
};

static const struct option summary_options[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "host", required_argument, NULL, QUERY_OPT_FILTER },
	{ "port", required_argument, NULL, QUERY_OPT_FILTER },
	{ "capture", required_argument, NULL, QUERY_OPT_FILTER },
	{ "limit", required_argument, NULL, QUERY_OPT_FILTER },
	{ NULL, 0, NULL, 0 }
};

static const char summary_help[] =
"  -d, --db PATH          the database (default $TCPMORTEM_DB, ./tcpmortem.db)\n"
"  -o, --format FORMAT    table (a report), csv (scope,group,dimension,name,count)\n"
"                         or json (one object per group)\n"
"      --capture ID, --host ADDR[/LEN], --port N   only those flows\n"
"      --limit N          the N busiest servers and clients (table default 20)\n";

/* FNV-1a of a group's key. */
static size_t
key_hash(const char *key)
{
	uint64_t h = 14695981039346656037ull;

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)h;
}

/* The groups of SC hashed by key (open addressing): a flow's group is
 * looked up once per row, among 210,000 clients' groups on a database of
 * a million flows, where a binary search made 18 comparisons a row. */
static void
index_groups(struct scope *sc)
{
	sc->nslots = 16;
	while (sc->nslots < 2 * sc->n)
		sc->nslots *= 2;
	sc->slots = xcalloc(sc->nslots, sizeof(*sc->slots));
	for (size_t i = 0; i < sc->n; i++) {
		size_t h = key_hash(sc->groups[i].key) & (sc->nslots - 1);

		while (sc->slots[h] != 0)
			h = (h + 1) & (sc->nslots - 1);
		sc->slots[h] = i + 1;
	}
}

static struct sgroup *
group_find(struct scope *sc, const char *key)
{
	char k[sizeof(sc->groups->key)];
	size_t h, len = strlen(key);

	if (sc->nslots == 0)
		return NULL;
	if (len >= sizeof(k)) {                /* cut, as the group's key was kept */
		memcpy(k, key, sizeof(k) - 1);
		k[sizeof(k) - 1] = '\0';
		key = k;
	}
	for (h = key_hash(key) & (sc->nslots - 1); sc->slots[h] != 0; h = (h + 1) & (sc->nslots - 1))
		if (strcmp(sc->groups[sc->slots[h] - 1].key, key) == 0)
			return &sc->groups[sc->slots[h] - 1];
	return NULL;
}

/* Prepare "SELECT KEY, WHAT, count(*) FROM FROM WHERE GROUP BY ..." of
 * WHAT's NWHAT columns, or without the count and the GROUP BY if not
 * GROUPED, and bind the filter; NULL with ERR. */
static sqlite3_stmt *
prepare_counts(sqlite3 *db, const char *key, const char *what, int nwhat, int grouped,
    const char *from, const struct query_sql *q, const char *only, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char by[64] = " GROUP BY 1";
	char *sql;

	for (int i = 2; i <= nwhat + 1; i++)
		snprintf(by + strlen(by), sizeof(by) - strlen(by), ", %d", i);
	sql = sqlite3_mprintf("SELECT %s AS k, %s%s FROM %s%s%s%s%s",
	    key, what, grouped ? ", count(*)" : "", from, q->where,
	    only == NULL ? "" : q->where[0] ? " AND " : " WHERE ",
	    only == NULL ? "" : only, grouped ? by : "");

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    query_bind(st, q) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		st = NULL;
	}
	sqlite3_free(sql);
	return st;
}

/* Make one group per key of scope S: all of them, or the TOP busiest
 * (TOP > 0), counting the others; then hash them, so that group_find
 * finds them. */
static int
load_groups(sqlite3 *db, enum diag_scope s, long top, struct scope *sc,
    const struct query_sql *q, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_mprintf("SELECT %s AS k, count(*) FROM flows AS f%s GROUP BY 1"
	    " ORDER BY 2 DESC, 1", keys[s].flow_key, q->where);
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	sqlite3_free(sql);
	if (rc == SQLITE_OK)
		rc = query_bind(st, q);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sgroup *g;
		char *name;

		rc = SQLITE_OK;
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			continue;
		sc->flows += sqlite3_column_int64(st, 1);
		if (++sc->total > top && top > 0)
			continue;       /* past the busiest: only counted */
		grow_array((void **)&sc->groups, &sc->cap, sc->n + 1, sizeof(*sc->groups));
		g = memset(&sc->groups[sc->n++], 0, sizeof(*g));
		snprintf(g->key, sizeof(g->key), "%s", (const char *)sqlite3_column_text(st, 0));
		name = output_escape(g->key);
		snprintf(g->g.name, sizeof(g->g.name), "%s", name);
		free(name);
		g->g.scope = s;
		g->g.flows = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	index_groups(sc);
	return 0;
}

/* A value of a dimension as the summary shows it (escaped), kept from
 * one row to the next: the values repeat, and escaping each costs an
 * allocation. */
struct shown {
	char raw[64];
	char *name;
};

static const char *
shown_name(struct shown *sh, const char *raw)
{
	if (raw == NULL)
		raw = "";
	if (sh->name != NULL && strncmp(sh->raw, raw, sizeof(sh->raw)) == 0 &&
	    strlen(raw) < sizeof(sh->raw))
		return sh->name;
	free(sh->name);
	snprintf(sh->raw, sizeof(sh->raw), "%s", raw);
	return sh->name = output_escape(raw);
}

/* Add the rows of ST (key, then a value of dimension FIRST, FIRST + 1,
 * ... in the next NDIMS columns, then the count, or 1 for a row without
 * one) to the groups of SC; 0, or -1 with ERR. */
static int
add_counts(sqlite3 *db, sqlite3_stmt *st, int first, int ndims, struct scope *sc,
    char *err, size_t errlen)
{
	struct shown shown[DIM_COUNT] = { { "", NULL } };
	int counted = sqlite3_column_count(st) > 1 + ndims;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long n = counted ? (long)sqlite3_column_int64(st, 1 + ndims) : 1;
		struct sgroup *g;

		if (sqlite3_column_type(st, 0) == SQLITE_NULL ||
		    (g = group_find(sc, (const char *)sqlite3_column_text(st, 0))) == NULL)
			continue;
		for (int i = 0; i < ndims; i++)
			diag_add(&g->g, (enum diag_dim)(first + i), shown_name(&shown[i],
			    (const char *)sqlite3_column_text(st, 1 + i)), n);
	}
	for (int i = 0; i < ndims; i++)
		free(shown[i].name);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The busiest clients kept (sc->total > sc->n) hold a tenth of the flows
 * or less: "f.client IN (...)", for their flows to be found through the
 * index instead of all being read (the twenty busiest clients of a million
 * flows: 20 ms instead of 1.5 s).  Through the index, a row costs a
 * lookup, so for more it is NULL.  Free with sqlite3_free. */
static char *
only_kept_clients(enum diag_scope s, const struct scope *sc)
{
	sqlite3_str *in;
	long kept = 0;

	if (s != DIAG_CLIENT || sc->total <= (long)sc->n)
		return NULL;
	for (size_t i = 0; i < sc->n; i++)
		kept += sc->groups[i].g.flows;
	if (kept * 10 > sc->flows)
		return NULL;
	in = sqlite3_str_new(NULL);
	sqlite3_str_appendall(in, "f.client IN (");
	for (size_t i = 0; i < sc->n; i++)
		sqlite3_str_appendf(in, "%s%Q", i ? ", " : "", sc->groups[i].key);
	sqlite3_str_appendall(in, ")");
	return sqlite3_str_finish(in);
}

/* Every dimension of the flows in one pass (a pass over a million flows
 * costs half a second), then the findings.  The flows are counted here,
 * row by row, not by a GROUP BY of the key and the five dimensions: that
 * sorts every flow on six text columns (1.6 s of a million flows, against
 * 0.5 s). */
static int
load_dims(sqlite3 *db, enum diag_scope s, struct scope *sc, const struct query_sql *q,
    char *err, size_t errlen)
{
	char what[256] = "", *only = only_kept_clients(s, sc);
	sqlite3_stmt *st;

	for (int d = 0; d < DIM_FINDINGS; d++)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s",
		    d ? ", " : "", dim_columns[d]);
	st = prepare_counts(db, keys[s].flow_key, what, DIM_FINDINGS, 0, "flows AS f", q, only,
	    err, errlen);
	sqlite3_free(only);
	if (st == NULL || add_counts(db, st, 0, DIM_FINDINGS, sc, err, errlen) != 0)
		return -1;
	st = prepare_counts(db, keys[s].finding_key, "a.kind", 1, 1,
	    "findings AS a LEFT JOIN flows AS f ON f.id = a.flow", q, NULL, err, errlen);
	if (st == NULL || add_counts(db, st, DIM_FINDINGS, 1, sc, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < sc->n; i++)
		diag_sort(&sc->groups[i].g);
	return 0;
}

/* Damage counters and file names of the capture groups. */
static int
load_captures(sqlite3 *db, struct scope *sc, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT CAST(id AS TEXT), fragments, truncated, malformed, drops, flows_evicted,"
	    " flows_aggregated, path, status FROM captures";
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct sgroup *g = group_find(sc, (const char *)sqlite3_column_text(st, 0));
		const char *p = (const char *)sqlite3_column_text(st, DMG_COUNT + 1);
		const char *s = (const char *)sqlite3_column_text(st, DMG_COUNT + 2);

		if (g == NULL)
			continue;
		for (int i = 0; i < DMG_COUNT; i++)
			g->g.damage[i] = sqlite3_column_int64(st, i + 1);
		free(g->path);
		free(g->status);
		g->path = xstrdup(p != NULL ? p : "");
		g->status = xstrdup(s != NULL ? s : "");
	}
	sqlite3_finalize(st);
	return 0;
}

static int
by_flows(const void *a, const void *b)
{
	const struct sgroup *x = *(const struct sgroup *const *)a;
	const struct sgroup *y = *(const struct sgroup *const *)b;

	return x->g.flows != y->g.flows ? (x->g.flows < y->g.flows ? 1 : -1) :
	    strcmp(x->key, y->key);
}

static void
print_counts_table(const struct diag_group *g, enum diag_dim d, FILE *out)
{
	static const char *const labels[DIM_COUNT] = {
		"handshake", "close", "closer", "client end", "server end", "findings"
	};

	if (g->ncounts[d] == 0)
		return;
	fprintf(out, "  %-11s", labels[d]);
	for (size_t i = 0; i < g->ncounts[d]; i++)
		fprintf(out, "%s%s %ld", i ? ", " : "", g->counts[d][i].name, g->counts[d][i].n);
	fputc('\n', out);
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static void
print_group_table(const struct sgroup *sg, FILE *out)
{
	char diag[MAX_DIAG][256];
	size_t nd = diagnosis_run(&sg->g, diag[0], sizeof(diag[0]), MAX_DIAG);

	if (sg->g.scope == DIAG_CAPTURE) {
		char *p = output_escape(or_empty(sg->path));
		char *s = output_escape(or_empty(sg->status));

		fprintf(out, "capture %s  %s (%s)\n", sg->g.name, p, s);
		free(p);
		free(s);
	} else
		fprintf(out, "%s %s\n", diag_scope_names[sg->g.scope], sg->g.name);
	fprintf(out, "  %-11s%ld\n", "flows", sg->g.flows);
	for (int d = 0; d < DIM_COUNT; d++)
		print_counts_table(&sg->g, (enum diag_dim)d, out);
	if (sg->g.scope == DIAG_CAPTURE) {
		fprintf(out, "  %-11s", "damage");
		for (int i = 0; i < DMG_COUNT; i++)
			fprintf(out, "%s%s %ld", i ? ", " : "", diag_damage_names[i], sg->g.damage[i]);
		fputc('\n', out);
	}
	for (size_t i = 0; i < nd; i++)
		fprintf(out, "  %-11s%s\n", i ? "" : "diagnosis", diag[i]);
	fputc('\n', out);
}

static void
print_group_json(const struct sgroup *sg, FILE *out)
{
	char diag[MAX_DIAG][256];
	size_t nd = diagnosis_run(&sg->g, diag[0], sizeof(diag[0]), MAX_DIAG);

	fputs("{\"scope\":", out);
	output_json_string(out, diag_scope_names[sg->g.scope]);
	fputs(",\"group\":", out);
	output_json_string(out, sg->key);
	if (sg->g.scope == DIAG_CAPTURE) {
		fputs(",\"path\":", out);
		output_json_string(out, or_empty(sg->path));
	}
	fprintf(out, ",\"flows\":%ld", sg->g.flows);
	for (int d = 0; d < DIM_COUNT; d++) {
		fprintf(out, ",\"%s\":{", diag_dim_names[d]);
		for (size_t i = 0; i < sg->g.ncounts[d]; i++) {
			fputs(i ? "," : "", out);
			output_json_string(out, sg->g.counts[d][i].name);
			fprintf(out, ":%ld", sg->g.counts[d][i].n);
		}
		fputc('}', out);
	}
	if (sg->g.scope == DIAG_CAPTURE) {
		fputs(",\"damage\":{", out);
		for (int i = 0; i < DMG_COUNT; i++)
			fprintf(out, "%s\"%s\":%ld", i ? "," : "", diag_damage_names[i], sg->g.damage[i]);
		fputc('}', out);
	}
	fputs(",\"diagnosis\":[", out);
	for (size_t i = 0; i < nd; i++) {
		fputs(i ? "," : "", out);
		output_json_string(out, diag[i]);
	}
	fputs("]}\n", out);
}

/* A group's key as a CSV field; on a terminal escaped first, as
 * output_rows() does with every field. */
static void
csv_key(const struct sgroup *sg, int tty, FILE *out)
{
	char *e = tty ? output_escape(sg->key) : NULL;

	output_csv_field(out, e != NULL ? e : sg->key);
	free(e);
}

static void
print_group_csv(const struct sgroup *sg, int tty, FILE *out)
{
	const char *scope = diag_scope_names[sg->g.scope];

	fprintf(out, "%s,", scope);
	csv_key(sg, tty, out);
	fprintf(out, ",flows,,%ld\n", sg->g.flows);
	for (int d = 0; d < DIM_COUNT; d++)
		for (size_t i = 0; i < sg->g.ncounts[d]; i++) {
			fprintf(out, "%s,", scope);
			csv_key(sg, tty, out);
			fprintf(out, ",%s,", diag_dim_names[d]);
			output_csv_field(out, sg->g.counts[d][i].name);
			fprintf(out, ",%ld\n", sg->g.counts[d][i].n);
		}
}

/* Print the groups of SC, busiest first; TOTAL groups exist in all. */
static void
print_scope(struct scope *sc, const struct query_cli *cli, int s, long total)
{
	const struct sgroup **order = xcalloc(sc->n + 1, sizeof(*order));

	for (size_t i = 0; i < sc->n; i++)
		order[i] = &sc->groups[i];
	qsort(order, sc->n, sizeof(*order), by_flows);
	for (size_t i = 0; i < sc->n; i++)
		if (cli->format == OUTPUT_JSON)
			print_group_json(order[i], stdout);
		else if (cli->format == OUTPUT_CSV)
			print_group_csv(order[i], output_width(stdout) > 0, stdout);
		else
			print_group_table(order[i], stdout);
	if (cli->format == OUTPUT_TABLE && total > (long)sc->n)
		printf("(the %zu busiest of %ld %ss; --limit N for more)\n\n", sc->n, total,
		    diag_scope_names[s]);
	free(order);
}

/* Per-host groups are many on a big capture: the table shows the busiest
 * TABLE_TOP unless --limit says otherwise; csv and json show all. */
#define TABLE_TOP 20

/* Summarise scope S: its groups printed, added to *SHOWN. */
static int
summary_scope(sqlite3 *db, const struct query_cli *cli, enum diag_scope s,
    const struct query_sql *q, long *shown, char *err, size_t errlen)
{
	struct scope sc = { 0 };
	long top = s == DIAG_CAPTURE ? 0 : cli->filter.limit > 0 ? cli->filter.limit :
	    cli->format == OUTPUT_TABLE ? TABLE_TOP : 0;
	int rc = load_groups(db, s, top, &sc, q, err, errlen);

	if (rc == 0)
		rc = load_dims(db, s, &sc, q, err, errlen);
	if (rc == 0 && s == DIAG_CAPTURE)
		rc = load_captures(db, &sc, err, errlen);
	if (rc == 0)
		print_scope(&sc, cli, s, top > 0 ? sc.total : 0);
	*shown += (long)sc.n;
	for (size_t i = 0; i < sc.n; i++) {
		diag_free(&sc.groups[i].g);
		free(sc.groups[i].path);
		free(sc.groups[i].status);
	}
	free(sc.groups);
	free(sc.slots);
	return rc;
}

/* Whether F filters anything. */
static int
filtered(const struct query_filter *f)
{
	for (int i = 0; i < QF_COUNT; i++)
		if (f->v[i].set)
			return 1;
	return 0;
}

/* The report of nothing, in one line (the database's name escaped:
 * anyone's bytes, output.h). */
static void
say_none(const struct query_cli *cli)
{
	char *db = output_escape(cli->db);

	if (filtered(&cli->filter))
		printf("no connection in %s matches the filters\n", db);
	else
		printf("%s holds no connection\n", db);
	free(db);
}

static int
summary_print(sqlite3 *db, const struct query_cli *cli)
{
	struct query_filter f = cli->filter;
	struct query_sql q;
	char err[256];
	long shown = 0;
	int rc = 0;

	f.limit = 0;            /* --limit is applied per scope, not in SQL */
	query_build(db, &f, QUERY_FLOWS, &q);     /* db: shaped for its rows (query.h) */
	if (cli->format == OUTPUT_CSV)
		fputs("scope,group,dimension,name,count\n", stdout);
	for (int s = 0; rc == 0 && s < DIAG_SCOPE_COUNT; s++)
		rc = summary_scope(db, cli, (enum diag_scope)s, &q, &shown, err, sizeof(err));
	if (rc != 0)
		cmd_error("%s: %s", cli->db, err);
	else if (shown == 0 && cli->format == OUTPUT_TABLE)   /* not silence: a typo'd --host */
		say_none(cli);
	query_sql_free(&q);
	return rc == 0 ? EXIT_OK : EXIT_IO;
}

static int
cmd_summary_exec(int argc, char **argv)
{
	struct query_cli cli;
	struct store *s;
	char err[512];
	int rc;

	if (query_cli_parse(&cli, argc, argv, ":d:o:h", summary_options, err, sizeof(err)) != 0) {
		cmd_error("summary: %s", err);
		return EXIT_USAGE;
	}
	if (cli.help) {
		cmd_usage(&cmd_summary_entry, stdout);
		fputs(summary_help, stdout);
		return EXIT_OK;
	}
	if (cli.first_arg < argc) {
		cmd_error("summary: unexpected argument '%s'; see --help", argv[cli.first_arg]);
		return EXIT_USAGE;
	}
	cli.db = cmd_db_path(cli.db);
	if ((s = store_open(cli.db, STORE_READ, 5000, err, sizeof(err))) == NULL) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	rc = summary_print(store_db(s), &cli);
	store_close(s);
	return rc;
}

const struct cmd_entry cmd_summary_entry = {
	.name = "summary",
	.usage = "[-d DB] [-o table|csv|json] [--capture ID] [--host ADDR[/LEN]] [--port N]",
	.summary = "counts per capture, server and client, and a diagnosis",
	.exec = cmd_summary_exec,
};

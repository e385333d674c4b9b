/*
 * tui-summary.c: per capture and per host, in counts.
 *
 * The counts are GROUP BYs over the whole flows table, so unlike the lists
 * they cost time proportional to the database (about a second per million
 * flows each).  So they never block: the screen counts one block per turn
 * of the main loop, drawing what it has, and a key press interrupts the
 * query running (SQLite's progress handler); a block's rows are kept only
 * once it is complete, and an interrupted block is counted again on the
 * next turn.  Every block is a (heading, SQL) row so
 * adding a count is one line.
 *
 * The counts also fill diagnosis.c's groups (the whole database, and each
 * of the ten busiest servers); once all are counted, its sentences are
 * put under the captures, where `tcpmortem summary` prints them too.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"
#include "tui.h"
#include "util.h"

#define MAX_SERVERS 10

struct summary {
	struct tui_pane p;
	int next;               /* the next block to count; -1 before captures */
	size_t after_captures;  /* the pane line where the diagnosis goes */
	struct diag_group all;  /* the whole database, for the diagnosis */
	struct diag_group server[MAX_SERVERS];
	int nservers;
};

/* Each block: a heading, a query whose rows are (label, count[, ...]),
 * and what the rows feed to the diagnosis: a dimension of the whole
 * database's group, or (SERVERS) one group per server row. */
#define NO_DIM (-1)
#define SERVERS (-2)
static const struct {
	const char *heading;
	const char *sql;
	int feed;
} blocks[] = {
	{ "handshake outcomes", "SELECT handshake, count(*) FROM flows GROUP BY 1 "
	  "ORDER BY 2 DESC", DIM_HANDSHAKE },
	{ "close types", "SELECT close, count(*) FROM flows GROUP BY 1 ORDER BY 2 DESC", DIM_CLOSE },
	{ "closer", "SELECT ifnull(closer, 'none'), count(*) FROM flows GROUP BY 1 "
	  "ORDER BY 2 DESC", DIM_CLOSER },
	{ "client final states", "SELECT client_state, count(*) FROM flows GROUP BY 1 "
	  "ORDER BY 2 DESC", DIM_CLIENT_STATE },
	{ "server final states", "SELECT server_state, count(*) FROM flows GROUP BY 1 "
	  "ORDER BY 2 DESC", DIM_SERVER_STATE },
	{ "findings", "SELECT kind, count(*) FROM findings GROUP BY 1 ORDER BY 2 DESC",
	  DIM_FINDINGS },
	{ "servers (top 10): connections, closed by client / server / both, reset",
	  "SELECT server || ':' || server_port, count(*), sum(closer = 'client'), "
	  "sum(closer = 'server'), sum(closer = 'both'), sum(close = 'rst'), "
	  "sum(server_state = 'CLOSE-WAIT'), sum(handshake = 'no-answer'), "
	  "sum(handshake = 'refused') FROM flows GROUP BY server, server_port "
	  "ORDER BY 2 DESC LIMIT 10", SERVERS },
	{ "TIME-WAIT by host (top 10)", "SELECT host, connections FROM time_wait_by_host "
	  "LIMIT 10", NO_DIM },
};
#define NBLOCKS ((int)(sizeof blocks / sizeof blocks[0]))
#define SHOWN_COLUMNS 6         /* of the server rows; the rest feed rules */

/* One counted row, kept until its block is complete. */
struct brow {
	char label[128];
	long long v[9];         /* the counts, connections first */
	int n;
};
#define MAX_BROWS 64

/* A server row's counts, as diagnosis.c's dimensions. */
static void
feed_server(struct summary *s, const struct brow *r)
{
	/* col: index into the row's counts (connections is 0) */
	static const struct { int col, dim; const char *value; } cols[] = {
		{ 2, DIM_CLOSER, "client" }, { 3, DIM_CLOSER, "server" },
		{ 4, DIM_CLOSER, "both" }, { 5, DIM_CLOSE, "rst" },
		{ 6, DIM_SERVER_STATE, "CLOSE-WAIT" }, { 7, DIM_HANDSHAKE, "no-answer" },
		{ 8, DIM_HANDSHAKE, "refused" },
	};
	struct diag_group *g;
	size_t i;

	if (s->nservers == MAX_SERVERS)
		return;
	g = &s->server[s->nservers++];
	g->scope = DIAG_SERVER;
	snprintf(g->name, sizeof g->name, "%.95s", r->label);
	g->flows = (long)r->v[0];
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (cols[i].col - 1 < r->n)
			diag_add(g, (enum diag_dim)cols[i].dim, cols[i].value,
			    (long)r->v[cols[i].col - 1]);
}

static void
feed_row(struct summary *s, int b, const struct brow *r)
{
	if (blocks[b].feed == SERVERS)
		feed_server(s, r);
	else if (blocks[b].feed >= 0) {
		diag_add(&s->all, (enum diag_dim)blocks[b].feed, r->label, (long)r->v[0]);
		if (blocks[b].feed == DIM_HANDSHAKE)
			s->all.flows += (long)r->v[0];
	}
}

/* The diagnosis, once every block is counted, under the captures. */
static void
summary_diagnose(struct summary *s)
{
	char say[8][256];
	size_t n, i, k, at = s->after_captures;
	int j;

	tui_pane_insert(&s->p, at++, COL_NORMAL, "%s", "");
	tui_pane_insert(&s->p, at++, COL_HEADER, " diagnosis");
	for (j = -1, k = 0; j < s->nservers; j++) {
		n = diagnosis_run(j < 0 ? &s->all : &s->server[j], say[0], sizeof say[0], 8);
		for (i = 0; i < n; i++, k++)
			tui_pane_insert(&s->p, at++, COL_WARN, "   %s", say[i]);
	}
	if (k == 0)
		tui_pane_insert(&s->p, at, COL_GOOD, "   nothing stands out");
}

static void
summary_forget(struct summary *s)
{
	int i;

	diag_free(&s->all);
	memset(&s->all, 0, sizeof s->all);
	for (i = 0; i < s->nservers; i++)
		diag_free(&s->server[i]);
	memset(s->server, 0, sizeof s->server);
	s->nservers = 0;
}

static void
summary_captures(struct tui *t, struct summary *s)
{
	sqlite3_stmt *st;
	char path[256], status[64], t0[40], t1[40];

	tui_pane_add(&s->p, COL_HEADER, " captures");
	if (sqlite3_prepare_v2(tui_db(t), "SELECT id, path, status, packets, flows, "
	    "ifnull(first_ts, 0), ifnull(last_ts, 0) FROM captures ORDER BY id DESC LIMIT 20",
	    -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		tui_escape((const char *)sqlite3_column_text(st, 1), path, sizeof path);
		tui_escape((const char *)sqlite3_column_text(st, 2), status, sizeof status);
		tui_pane_add(&s->p, COL_NORMAL, "   #%lld %s  %s, %lld packets, %lld flows, %s .. %s",
		    sqlite3_column_int64(st, 0), path, status, sqlite3_column_int64(st, 3),
		    sqlite3_column_int64(st, 4),
		    tui_time(sqlite3_column_double(st, 5), t0, sizeof t0),
		    tui_time(sqlite3_column_double(st, 6), t1, sizeof t1) + 11);
	}
	sqlite3_finalize(st);
}

/* Add block B's rows to the pane and to the diagnosis. */
static void
summary_add(struct summary *s, int b, const struct brow *r, int n)
{
	char line[400];
	size_t len;
	int i, j;

	tui_pane_add(&s->p, COL_NORMAL, "%s", "");
	tui_pane_add(&s->p, COL_HEADER, " %s", blocks[b].heading);
	for (i = 0; i < n; i++) {
		feed_row(s, b, &r[i]);
		len = (size_t)snprintf(line, sizeof line, "   %-24s", r[i].label);
		for (j = 0; j < r[i].n && j < SHOWN_COLUMNS - 1; j++)
			len += (size_t)snprintf(line + len, sizeof line - len, " %9lld", r[i].v[j]);
		tui_pane_add(&s->p, COL_NORMAL, "%s", line);
	}
}

/* Count block B; -1 if a key interrupted it (nothing is kept then, and
 * the block is counted again on the next turn). */
static int
summary_block(struct tui *t, struct summary *s, int b)
{
	struct brow *r = xcalloc(MAX_BROWS, sizeof *r);
	sqlite3_stmt *st;
	int i, n = 0, rc;

	if (sqlite3_prepare_v2(tui_db(t), blocks[b].sql, -1, &st, NULL) != SQLITE_OK) {
		tui_pane_add(&s->p, COL_BAD, "   %s", sqlite3_errmsg(tui_db(t)));
		free(r);
		return 0;
	}
	tui_interruptible(t, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < MAX_BROWS) {
		tui_escape((const char *)sqlite3_column_text(st, 0), r[n].label,
		    sizeof r[n].label);
		for (i = 1; i < sqlite3_column_count(st) && i <= 9; i++)
			r[n].v[r[n].n++] = sqlite3_column_int64(st, i);
		n++;
	}
	tui_interruptible(t, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_INTERRUPT)
		summary_add(s, b, r, n);
	free(r);
	return rc == SQLITE_INTERRUPT ? -1 : 0;
}

static void *
summary_open(struct tui *t, long long arg)
{
	struct summary *s = xcalloc(1, sizeof *s);

	s->next = -1;
	return s;
}

static void
summary_close(void *st)
{
	struct summary *s = st;

	summary_forget(s);
	free(s->p.line);
	free(s);
}

static void
summary_draw(struct tui *t, void *st)
{
	struct summary *s = st;
	size_t nblocks = sizeof blocks / sizeof blocks[0];

	if (s->next < 0) {
		tui_pane_clear(&s->p);
		summary_forget(s);
		summary_captures(t, s);
		s->after_captures = s->p.nlines;
		s->next = 0;
	} else if (s->next < (int)nblocks && summary_block(t, s, s->next) == 0 &&
	    ++s->next == (int)nblocks)
		summary_diagnose(s);
	tui_pane_draw(t, &s->p);
	if (s->next < (int)nblocks) {
		tui_put(t, tui_height(t), 0, " counting ...", tui_attr(t, COL_DIM));
		tui_more(t);
	}
}

static int
summary_act(struct tui *t, void *st, enum tui_action a)
{
	return tui_pane_act(t, &((struct summary *)st)->p, a);
}

static void
summary_reload(struct tui *t, void *st)
{
	((struct summary *)st)->next = -1;
}

const struct tui_screen_ops tui_summary_screen = {
	.id = SCR_SUMMARY,
	.title = "Summary",
	.open = summary_open,
	.close = summary_close,
	.draw = summary_draw,
	.act = summary_act,
	.reload = summary_reload,
};

/*
 * tui-summary.c: per capture and per host, in counts.
 *
 * The counts are GROUP BYs over the whole flows table, so unlike the lists
 * they cost time proportional to the database (about a second per million
 * flows each).  So they never block: the screen counts one block per turn
 * of the main loop, drawing what it has, and a key press interrupts the
 * query running (SQLite's progress handler); the block is counted again
 * when the screen is next shown.  Every block is a (heading, SQL) row so
 * adding a count is one line.
 *
 * TODO: the diagnosis in words comes from diagnosis.c once it is merged;
 * until then the screen shows the counts it would be drawn from.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "util.h"

struct summary {
	struct tui_pane p;
	int next;               /* the next block to count; -1 before captures */
};

/* Each block: a heading and a query whose rows are (label, count[, ...]). */
static const struct {
	const char *heading;
	const char *sql;
} blocks[] = {
	{ "handshake outcomes", "SELECT handshake, count(*) FROM flows GROUP BY 1 ORDER BY 2 DESC" },
	{ "close types", "SELECT close, count(*) FROM flows GROUP BY 1 ORDER BY 2 DESC" },
	{ "closer", "SELECT ifnull(closer, '-'), count(*) FROM flows GROUP BY 1 ORDER BY 2 DESC" },
	{ "client final states", "SELECT client_state, count(*) FROM flows GROUP BY 1 ORDER BY 2 DESC" },
	{ "server final states", "SELECT server_state, count(*) FROM flows GROUP BY 1 ORDER BY 2 DESC" },
	{ "findings", "SELECT kind, count(*) FROM findings GROUP BY 1 ORDER BY 2 DESC" },
	{ "servers (top 10): connections, closed by client / server / both, reset",
	  "SELECT server || ':' || server_port, connections, client_closed, server_closed, "
	  "both_closed, reset FROM closers_by_server LIMIT 10" },
	{ "TIME-WAIT by host (top 10)", "SELECT host, connections FROM time_wait_by_host LIMIT 10" },
};

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

/* Count block B; -1 if a key interrupted it (nothing added then). */
static int
summary_block(struct tui *t, struct summary *s, int b)
{
	sqlite3_stmt *st;
	char line[400], cell[128];
	size_t n, mark = s->p.nlines;
	int i, rc;

	tui_pane_add(&s->p, COL_NORMAL, "%s", "");
	tui_pane_add(&s->p, COL_HEADER, " %s", blocks[b].heading);
	if (sqlite3_prepare_v2(tui_db(t), blocks[b].sql, -1, &st, NULL) != SQLITE_OK) {
		tui_pane_add(&s->p, COL_BAD, "   %s", sqlite3_errmsg(tui_db(t)));
		return 0;
	}
	tui_interruptible(t, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tui_escape((const char *)sqlite3_column_text(st, 0), cell, sizeof cell);
		n = (size_t)snprintf(line, sizeof line, "   %-24s", cell);
		for (i = 1; i < sqlite3_column_count(st) && n < sizeof line - 24; i++)
			n += (size_t)snprintf(line + n, sizeof line - n, " %9lld",
			    sqlite3_column_int64(st, i));
		tui_pane_add(&s->p, COL_NORMAL, "%s", line);
	}
	tui_interruptible(t, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_INTERRUPT) {
		s->p.nlines = mark;
		return -1;
	}
	return 0;
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
		summary_captures(t, s);
		s->next = 0;
	} else if (s->next < (int)nblocks && summary_block(t, s, s->next) == 0)
		s->next++;
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

/*
 * tui-findings.c: the findings, grouped by kind.
 *
 * The list is ordered by (kind, ts, id), the findings_kind index, so each
 * kind's findings are contiguous and paged like the flows.  The first line
 * of each group carries the kind and its count; the counts come from one
 * GROUP BY over the same index when the screen opens or reloads, which
 * reads the index but never the table.  Enter opens the finding's flow;
 * host-level findings (syn-flood, time-wait-storm) have none.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "util.h"

enum { G_ID, G_KIND, G_FLOW, G_SIDE, G_TS, G_HOST, G_PORT, G_DETAIL };

#define MAX_KINDS 64

struct findings {
	struct tui_list l;
	int nkinds;
	char kind[MAX_KINDS][40];
	long long count[MAX_KINDS];
};

static void
findings_count(struct tui *t, struct findings *g)
{
	sqlite3_stmt *st;

	g->nkinds = 0;
	if (sqlite3_prepare_v2(tui_db(t), "SELECT kind, count(*) FROM findings "
	    "GROUP BY kind ORDER BY kind", -1, &st, NULL) != SQLITE_OK) {
		tui_message(t, "findings: %s", sqlite3_errmsg(tui_db(t)));
		return;
	}
	while (g->nkinds < MAX_KINDS && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(g->kind[g->nkinds], sizeof g->kind[0], "%s",
		    (const char *)sqlite3_column_text(st, 0));
		g->count[g->nkinds++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

static long long
findings_of(const struct findings *g, const char *kind)
{
	int i;

	for (i = 0; i < g->nkinds; i++)
		if (strcmp(g->kind[i], kind) == 0)
			return g->count[i];
	return 0;
}

static void *
findings_open(struct tui *t, long long arg)
{
	struct findings *g = xcalloc(1, sizeof *g);

	g->l.q.select = "id, kind, flow, side, ts, host, port, detail";
	g->l.q.from = "findings";
	g->l.q.keys[0] = "kind";
	g->l.q.keys[1] = "ts";
	g->l.q.keys[2] = "id";
	g->l.q.nkeys = 3;
	g->l.search_sql = "kind LIKE ? OR detail LIKE ? OR host LIKE ?";
	g->l.search_nbind = 3;
	findings_count(t, g);
	tui_list_reset(t, &g->l, tui_height(t) - 2);
	return g;
}

static void
findings_close(void *st)
{
	struct findings *g = st;

	tui_list_free(&g->l);
	free(g);
}

static void
findings_draw_row(struct tui *t, struct findings *g, int y, int i)
{
	const struct tui_row *r = &g->l.rows[i];
	int cur = i == g->l.cursor, attr = cur ? tui_attr(t, COL_CURSOR) : 0;
	char buf[160];

	if (cur) {
		attron(attr);
		mvhline(y, 0, ' ', COLS);
		attroff(attr);
	}
	if (i == g->l.top || strcmp(tui_row_text(r, G_KIND), tui_row_text(&g->l.rows[i - 1], G_KIND))) {
		snprintf(buf, sizeof buf, "%s (%lld)", tui_row_text(r, G_KIND),
		    findings_of(g, tui_row_text(r, G_KIND)));
		tui_put_db(t, y, 0, buf, 26, attr | (cur ? 0 : tui_attr(t, COL_BAD)));
	}
	if (tui_row_null(r, G_FLOW))
		snprintf(buf, sizeof buf, "host");
	else
		snprintf(buf, sizeof buf, "%lld", tui_row_int(r, G_FLOW));
	tui_put_db(t, y, 27, buf, 7, attr);
	tui_put_db(t, y, 35, tui_row_null(r, G_SIDE) ? "-" : tui_row_text(r, G_SIDE), 6, attr);
	snprintf(buf, sizeof buf, tui_row_null(r, G_PORT) ? "%s" : "%s:%lld",
	    tui_row_text(r, G_HOST), tui_row_int(r, G_PORT));
	tui_put_db(t, y, 42, buf, COLS > 100 ? 24 : 18, attr);
	tui_put_db(t, y, COLS > 100 ? 67 : 61, tui_row_text(r, G_DETAIL), COLS, attr);
}

static void
findings_draw(struct tui *t, void *st)
{
	struct findings *g = st;
	char buf[512];
	size_t n = 0;
	int i;

	if (g->l.height != tui_height(t) - 2)
		tui_list_reload(t, &g->l, tui_height(t) - 2);
	for (i = 0; i < g->nkinds && n < sizeof buf - 64; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %lld", i ? ", " : "",
		    g->kind[i], g->count[i]);
	buf[n] = '\0';
	tui_put_db(t, 1, 0, g->nkinds ? buf : "no findings", COLS, tui_attr(t, COL_DIM));
	tui_put(t, 2, 0, "KIND (COUNT)", tui_attr(t, COL_HEADER));
	tui_put(t, 2, 27, "FLOW", tui_attr(t, COL_HEADER));
	tui_put(t, 2, 35, "SIDE", tui_attr(t, COL_HEADER));
	tui_put(t, 2, 42, "HOST", tui_attr(t, COL_HEADER));
	tui_put(t, 2, COLS > 100 ? 67 : 61, "DETAIL", tui_attr(t, COL_HEADER));
	for (i = 0; i < g->l.height && g->l.top + i < g->l.nrows; i++)
		findings_draw_row(t, g, 3 + i, g->l.top + i);
}

static int
findings_act(struct tui *t, void *st, enum tui_action a)
{
	struct findings *g = st;
	const struct tui_row *r = tui_list_current(&g->l);

	if (a != ACT_OPEN)
		return tui_list_act(t, &g->l, a);
	if (r && !tui_row_null(r, G_FLOW))
		tui_push(t, &tui_detail_screen, tui_row_int(r, G_FLOW));
	else if (r)
		tui_message(t, "a host-level finding: no single flow to open");
	return 1;
}

static void
findings_reload(struct tui *t, void *st)
{
	struct findings *g = st;

	findings_count(t, g);
	tui_list_reload(t, &g->l, tui_height(t) - 2);
}

const struct tui_screen_ops tui_findings_screen = {
	.id = SCR_FINDINGS,
	.title = "Findings",
	.open = findings_open,
	.close = findings_close,
	.draw = findings_draw,
	.act = findings_act,
	.reload = findings_reload,
};

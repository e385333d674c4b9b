/*
 * tui-flows.c: the flow list, the browser's first screen.
 *
 * One line per connection.  The columns are a table: each names its
 * heading, its width, how it is drawn and the key columns it sorts by.
 * The sort keys follow the schema's indexes (flows_client is (client,
 * client_port), so "client" sorts by both) so that a page of a sorted list
 * is an index range scan; handshake, close and closer have no index and
 * sort by scanning (see the report of `browse --bench`).  On a narrow
 * terminal whole priority levels of columns are left out, most useful
 * last, so 80 columns still show who talked to whom and how each side
 * ended.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "tui.h"
#include "util.h"

/* The selected columns, in this order. */
enum { F_ID, F_CLIENT, F_CPORT, F_SERVER, F_SPORT, F_START, F_DUR, F_HS, F_CLOSE,
	F_CLOSER, F_CSTATE, F_SSTATE, F_NFIND, F_KINDS };

static const char flows_select[] =
	"id, client, client_port, server, server_port, first_ts, duration, "
	"handshake, close, closer, client_state, server_state, findings, "
	"(SELECT group_concat(kind, ' ') FROM findings WHERE flow = flows.id)";

static const char flows_search[] =
	"client LIKE ? OR server LIKE ? OR client_state LIKE ? OR "
	"server_state LIKE ? OR handshake LIKE ? OR close LIKE ?";

enum colfmt { CF_INT, CF_ENDPOINT, CF_TIME, CF_DUR, CF_TEXT, CF_STATE, CF_KINDS };

struct column {
	const char *title;
	int width, level;       /* level: 1 always shown .. 4 wide terminals only */
	int field;
	enum colfmt fmt;
	const char *keys[TUI_MAX_KEYS];
};

static const struct column columns[] = {
	{ "ID", 7, 1, F_ID, CF_INT, { "id" } },
	{ "CLIENT", 21, 1, F_CLIENT, CF_ENDPOINT, { "client", "client_port", "id" } },
	{ "SERVER", 19, 1, F_SERVER, CF_ENDPOINT, { "server", "server_port", "id" } },
	{ "START", 12, 3, F_START, CF_TIME, { "first_ts", "id" } },
	{ "DURATION", 8, 3, F_DUR, CF_DUR, { "duration", "id" } },
	{ "HANDSHAKE", 10, 4, F_HS, CF_TEXT, { "handshake", "id" } },
	{ "CLOSE", 6, 4, F_CLOSE, CF_TEXT, { "close", "id" } },
	{ "CLOSER", 6, 4, F_CLOSER, CF_TEXT, { "closer", "id" } },
	{ "CLIENT-ST", 12, 2, F_CSTATE, CF_STATE, { "client_state", "id" } },
	{ "SERVER-ST", 12, 2, F_SSTATE, CF_STATE, { "server_state", "id" } },
	{ "FINDINGS", 0, 2, F_KINDS, CF_KINDS, { "findings", "id" } },
};
#define NCOLUMNS ((int)(sizeof columns / sizeof columns[0]))

struct flows {
	struct tui_list l;
	int sort;
	char filter[256];
};

/* The widest level of columns that fits in WIDTH (FINDINGS gets the rest). */
static int
flows_level(int width)
{
	int level, i, w;

	for (level = 4; level > 1; level--) {
		for (w = 0, i = 0; i < NCOLUMNS; i++)
			if (columns[i].level <= level)
				w += columns[i].width + 1;
		if (w + 3 <= width)
			break;
	}
	return level;
}

static void
flows_set_sort(struct flows *f, int sort)
{
	int i;

	f->sort = sort;
	for (i = 0; i < TUI_MAX_KEYS && columns[sort].keys[i]; i++)
		f->l.q.keys[i] = columns[sort].keys[i];
	f->l.q.nkeys = i;
}

static void *
flows_open(struct tui *t, long long arg)
{
	struct flows *f = xcalloc(1, sizeof *f);

	f->l.q.select = flows_select;
	f->l.q.from = "flows";
	f->l.search_sql = flows_search;
	f->l.search_nbind = 6;
	flows_set_sort(f, 0);
	tui_list_reset(t, &f->l, tui_height(t) - 2);
	return f;
}

static void
flows_close(void *st)
{
	struct flows *f = st;

	tui_list_free(&f->l);
	free(f);
}

static int
state_color(const char *s)
{
	if (strcmp(s, "CLOSE-WAIT") == 0 || strcmp(s, "FIN-WAIT-1") == 0 ||
	    strcmp(s, "SYN-SENT") == 0 || strcmp(s, "SYN-RECEIVED") == 0)
		return COL_BAD;
	if (strcmp(s, "TIME-WAIT") == 0 || strcmp(s, "FIN-WAIT-2") == 0 ||
	    strcmp(s, "LAST-ACK") == 0 || strcmp(s, "CLOSING") == 0)
		return COL_WARN;
	if (strcmp(s, "UNKNOWN") == 0)
		return COL_DIM;
	return COL_NORMAL;
}

/* Cell C of row R as text into BUF; its colour in *COLOR. */
static const char *
flows_cell(const struct column *c, const struct tui_row *r, int width, char *buf,
    size_t len, int *color)
{
	const char *s = tui_row_text(r, c->field);

	*color = COL_NORMAL;
	switch (c->fmt) {
	case CF_INT: snprintf(buf, len, "%lld", tui_row_int(r, c->field)); break;
	case CF_ENDPOINT:
		snprintf(buf, len, strchr(s, ':') ? "[%s]:%lld" : "%s:%lld", s,
		    tui_row_int(r, c->field + 1));
		break;
	case CF_TIME: tui_time(tui_row_real(r, c->field), buf, len); memmove(buf, buf + 11, 13); break;
	case CF_DUR: tui_duration(tui_row_real(r, c->field), buf, len); break;
	case CF_STATE: *color = state_color(s); /* fall through */
	case CF_TEXT: snprintf(buf, len, "%s", tui_row_null(r, c->field) ? "-" : s); break;
	case CF_KINDS:          /* too narrow for the kinds: their number */
		*color = COL_BAD;
		if (tui_row_int(r, F_NFIND) > 0 && width < 12)
			snprintf(buf, len, "!%lld", tui_row_int(r, F_NFIND));
		else
			snprintf(buf, len, "%s", s);
		break;
	}
	return buf;
}

static void
flows_draw_row(struct tui *t, int y, const struct tui_row *r, int level, int cursor)
{
	char buf[256];
	int i, x = 0, color, w;

	if (cursor) {
		attron(tui_attr(t, COL_CURSOR));
		mvhline(y, 0, ' ', COLS);
		attroff(tui_attr(t, COL_CURSOR));
	}
	for (i = 0; i < NCOLUMNS; i++) {
		if (columns[i].level > level)
			continue;
		w = columns[i].width ? columns[i].width : COLS - x;
		flows_cell(&columns[i], r, w, buf, sizeof buf, &color);
		tui_put_db(t, y, x, buf, w, cursor ? tui_attr(t, COL_CURSOR) : tui_attr(t, color));
		x += w + 1;
	}
}

static void
flows_draw_head(struct tui *t, struct flows *f, int level)
{
	char buf[300];
	int i, x = 0, w;

	snprintf(buf, sizeof buf, "sort: %s %s   filter: %s", columns[f->sort].title,
	    f->l.q.desc ? "descending" : "ascending", f->filter[0] ? f->filter : "(none, f to set)");
	tui_put_db(t, 1, 0, buf, COLS, tui_attr(t, COL_DIM));
	for (i = 0; i < NCOLUMNS; i++) {
		if (columns[i].level > level)
			continue;
		w = columns[i].width ? columns[i].width : COLS - x;
		snprintf(buf, sizeof buf, "%s%s", columns[i].title, i != f->sort ? "" :
		    f->l.q.desc ? (tui_utf8(t) ? "\xe2\x96\xbc" : "v") : (tui_utf8(t) ? "\xe2\x96\xb2" : "^"));
		tui_put(t, 2, x, buf, tui_attr(t, COL_HEADER) | (i == f->sort ? A_UNDERLINE : 0));
		x += w + 1;
	}
}

static void
flows_draw(struct tui *t, void *st)
{
	struct flows *f = st;
	int level = flows_level(COLS), i;

	if (f->l.height != tui_height(t) - 2)
		tui_list_reload(t, &f->l, tui_height(t) - 2);
	flows_draw_head(t, f, level);
	for (i = 0; i < f->l.height && f->l.top + i < f->l.nrows; i++)
		flows_draw_row(t, 3 + i, &f->l.rows[f->l.top + i], level,
		    f->l.top + i == f->l.cursor);
	if (f->l.nrows == 0)
		tui_put(t, 3, 1, f->filter[0] ? "no flow matches the filter" :
		    "no flows in this database", tui_attr(t, COL_DIM));
}

/* Whether Q's filter matches fewer than TUI_PROBE_ROWS flows.  Reading at
 * most that many matches through the filter's indexes is cheap, except for
 * two common words whose rows rarely meet (TIME-WAIT and port 443 where
 * most of port 443 is ESTABLISHED: 180 ms at 1,000,000 flows); past
 * QUERY_PROBE_MS the answer is "many", and the walk finds a page. */
#define PROBE_ROWS TUI_PROBE_ROWS
static int
flows_filter_rare(struct tui *t, const struct tui_qspec *q)
{
	char sql[800];
	sqlite3_stmt *st;
	int i, n = PROBE_ROWS;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM flows WHERE %s "
	    "LIMIT %d)", q->where, PROBE_ROWS);
	if (sqlite3_prepare_v2(tui_db(t), sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	for (i = 0; i < q->nbinds; i++)
		if (q->binds[i].is_int)
			sqlite3_bind_int64(st, i + 1, q->binds[i].i);
		else
			sqlite3_bind_text(st, i + 1, q->binds[i].s, -1, SQLITE_STATIC);
	if (query_step_within(tui_db(t), st, QUERY_PROBE_MS) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n < PROBE_ROWS;
}

static void
flows_filter_changed(struct tui *t, void *st, const char *text)
{
	struct flows *f = st;
	struct tui_qspec q = f->l.q;
	char err[160];

	/* Few matches: let the filter's indexes find them and sort those.
	 * Many: walk the sort order, a page of matches comes quickly. */
	if (tui_filter_flows(text, 0, &q, err, sizeof err) == 0 && q.where[0] &&
	    !flows_filter_rare(t, &q))
		tui_filter_flows(text, 1, &q, err, sizeof err);
	if (q.where[0] == '\0' && text[strspn(text, " ")] != '\0') {
		tui_message(t, "filter: %s", err);
		return;
	}
	tui_message(t, "%s", "");
	f->l.q = q;
	tui_list_reset(t, &f->l, tui_height(t) - 2);
}

static int
flows_act(struct tui *t, void *st, enum tui_action a)
{
	struct flows *f = st;
	const struct tui_row *r = tui_list_current(&f->l);

	switch (a) {
	case ACT_OPEN:
		if (r)
			tui_push(t, &tui_detail_screen, tui_row_int(r, F_ID));
		return 1;
	case ACT_SORT:
		flows_set_sort(f, (f->sort + 1) % NCOLUMNS);
		tui_list_reset(t, &f->l, tui_height(t) - 2);
		return 1;
	case ACT_SORT_REVERSE:
		f->l.q.desc = !f->l.q.desc;
		tui_list_reset(t, &f->l, tui_height(t) - 2);
		return 1;
	case ACT_FILTER:
		tui_prompt(t, "filter: ", f->filter, sizeof f->filter, flows_filter_changed, f);
		flows_filter_changed(t, f, f->filter);
		return 1;
	default:
		return tui_list_act(t, &f->l, a);
	}
}

static void
flows_reload(struct tui *t, void *st)
{
	struct flows *f = st;

	tui_list_reload(t, &f->l, tui_height(t) - 2);
}

const struct tui_screen_ops tui_flows_screen = {
	.id = SCR_FLOWS,
	.title = "Flows",
	.open = flows_open,
	.close = flows_close,
	.draw = flows_draw,
	.act = flows_act,
	.reload = flows_reload,
};

/*
 * tui-list.c: a scrolling window over a query too large to hold.
 *
 * The list keeps a few pages of rows around the cursor.  Moving past the
 * last row fetches the page after it, moving above the first fetches the
 * page before it, and the far end is dropped, so memory and the cost of a
 * keystroke stay the same for a hundred rows or ten million.  at_start and
 * at_end record whether the window touches the ends of the result; nothing
 * ever counts the whole result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "util.h"

#define PAGES 4                 /* pages kept in memory */

static void
row_free(struct tui_row *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		sqlite3_value_free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static void
bind_all(sqlite3_stmt *st, int *k, const struct tui_bind *b, int n)
{
	int i;

	for (i = 0; i < n; i++, (*k)++)
		if (b[i].is_int)
			sqlite3_bind_int64(st, *k, b[i].i);
		else
			sqlite3_bind_text(st, *k, b[i].s, -1, SQLITE_TRANSIENT);
}

/* Bind the key columns of AT, the last nkeys values of the row. */
static void
bind_key(sqlite3_stmt *st, int *k, const struct tui_list *l, const struct tui_row *at)
{
	int i;

	for (i = 0; i < l->q.nkeys; i++, (*k)++)
		sqlite3_bind_value(st, *k, at->v[at->n - l->q.nkeys + i]);
}

/* Up to MAX rows in direction DIR from AT into OUT, in display order; with
 * PATTERN, only the rows matching the search.  The count, or -1. */
static int
list_fetch(struct tui *t, struct tui_list *l, enum tui_dir dir,
    const struct tui_row *at, const char *pattern, struct tui_row *out, int max)
{
	char sql[2048];
	sqlite3_stmt *st = NULL;
	struct tui_bind sb[TUI_MAX_BINDS];
	int k = 1, n = 0, i, ncol, rc = SQLITE_DONE;

	if (tui_query_build(&l->q, dir, pattern ? l->search_sql : NULL, sql, sizeof sql) < 0 ||
	    sqlite3_prepare_v2(tui_db(t), sql, -1, &st, NULL) != SQLITE_OK) {
		tui_message(t, "query: %s", sqlite3_errmsg(tui_db(t)));
		return -1;
	}
	bind_all(st, &k, l->q.binds, l->q.nbinds);
	if (at)
		bind_key(st, &k, l, at);
	for (i = 0; pattern && i < l->search_nbind && i < TUI_MAX_BINDS; i++) {
		memset(&sb[i], 0, sizeof sb[i]);
		snprintf(sb[i].s, sizeof sb[i].s, "%%%s%%", pattern);
	}
	bind_all(st, &k, sb, pattern ? l->search_nbind : 0);
	sqlite3_bind_int(st, k, max);
	ncol = sqlite3_column_count(st);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out[n].n = ncol;
		out[n].v = xcalloc((size_t)ncol, sizeof *out[n].v);
		for (i = 0; i < ncol; i++)
			out[n].v[i] = sqlite3_value_dup(sqlite3_column_value(st, i));
		n++;
	}
	/* Finalizing ends the read transaction: the writer is never held. */
	sqlite3_finalize(st);
	if (rc == SQLITE_INTERRUPT)
		tui_message(t, "interrupted by a key: press r to read this list again");
	if (dir == DIR_BEFORE || dir == DIR_LAST)
		for (i = 0; i < n / 2; i++) {
			struct tui_row tmp = out[i];
			out[i] = out[n - 1 - i];
			out[n - 1 - i] = tmp;
		}
	return n;
}

static int
page_size(const struct tui_list *l)
{
	return l->height > 4 ? l->height : 4;
}

static void
list_clear(struct tui_list *l)
{
	int i;

	for (i = 0; i < l->nrows; i++)
		row_free(&l->rows[i]);
	l->nrows = l->cursor = l->top = 0;
	if (!l->rows)
		l->rows = xcalloc((size_t)PAGES * 2 * 256, sizeof *l->rows);
}

/* Replace the window by the rows of DIR from AT. */
static void
list_load(struct tui *t, struct tui_list *l, enum tui_dir dir, const struct tui_row *at,
    int height, int limit)
{
	struct tui_row key = { NULL, 0 };
	int i, n;

	if (at) {               /* AT lives in the window about to be cleared */
		key.n = at->n;
		key.v = xcalloc((size_t)at->n, sizeof *key.v);
		for (i = 0; i < at->n; i++)
			key.v[i] = sqlite3_value_dup(at->v[i]);
	}
	l->height = height > 256 ? 256 : height;
	list_clear(l);
	if (limit < page_size(l) * 2)
		limit = page_size(l) * 2;
	if (limit > page_size(l) * PAGES)
		limit = page_size(l) * PAGES;
	n = list_fetch(t, l, dir, at ? &key : NULL, NULL, l->rows, limit);
	l->nrows = n > 0 ? n : 0;
	l->at_start = dir == DIR_FIRST || (dir == DIR_LAST && n < limit);
	l->at_end = dir == DIR_LAST || n < limit;
	row_free(&key);
}

void
tui_list_reset(struct tui *t, struct tui_list *l, int height)
{
	/* A new order or filter may need a scan (no index for it): a key
	 * pressed meanwhile (the next s, the next character) wins. */
	tui_interruptible(t, 1);
	list_load(t, l, DIR_FIRST, NULL, height, 0);
	tui_interruptible(t, 0);
}

/* Put the cursor on line CURSOR, showing line TOP first where possible. */
static void
list_place(struct tui_list *l, int top, int cursor)
{
	if (cursor >= l->nrows)
		cursor = l->nrows - 1;
	l->cursor = cursor < 0 ? 0 : cursor;
	if (top > l->cursor)
		top = l->cursor;
	if (top < l->cursor - l->height + 1)
		top = l->cursor - l->height + 1;
	if (top > l->nrows - l->height)
		top = l->nrows - l->height;
	l->top = top < 0 ? 0 : top;
}

void
tui_list_reload(struct tui *t, struct tui_list *l, int height)
{
	int top = l->top, cursor = l->cursor;
	/* on the last row: follow the end, as new flows arrive live */
	int follow = l->at_end && l->nrows > 0 && cursor == l->nrows - 1;

	if (l->nrows == 0 || l->at_start) {
		list_load(t, l, DIR_FIRST, NULL, height, top + height * 2);
	} else {
		list_load(t, l, DIR_FROM, &l->rows[top], height, 0);
		cursor -= top;
		top = 0;
	}
	if (follow && l->at_end && l->nrows > 0) {
		cursor = l->nrows - 1;
		top = cursor - l->height + 1;
	}
	list_place(l, top, cursor);
}

/* Fetch the page after the window's last row, dropping rows from the
 * front once the window is full.  Rows added, 0 at the end. */
static int
list_grow_down(struct tui *t, struct tui_list *l)
{
	int page = page_size(l), n, drop, i;

	if (l->at_end || l->nrows == 0)
		return 0;
	drop = l->nrows + page - page * PAGES;
	if (drop > 0) {
		for (i = 0; i < drop; i++)
			row_free(&l->rows[i]);
		memmove(l->rows, l->rows + drop, (size_t)(l->nrows - drop) * sizeof *l->rows);
		l->nrows -= drop;
		l->cursor -= drop;
		l->top -= drop;
		l->at_start = 0;
	}
	n = list_fetch(t, l, DIR_AFTER, &l->rows[l->nrows - 1], NULL,
	    l->rows + l->nrows, page);
	if (n < page)
		l->at_end = 1;
	if (n < 0)
		return 0;
	l->nrows += n;
	return n;
}

/* The same, upwards: the page before the first row, dropping from the end. */
static int
list_grow_up(struct tui *t, struct tui_list *l)
{
	int page = page_size(l), n, drop, i;
	struct tui_row *fresh = l->rows + page * PAGES;  /* the spare half */

	if (l->at_start || l->nrows == 0)
		return 0;
	n = list_fetch(t, l, DIR_BEFORE, &l->rows[0], NULL, fresh, page);
	if (n < page)
		l->at_start = 1;
	if (n <= 0)
		return 0;
	drop = l->nrows + n - page * PAGES;
	for (i = 0; i < drop; i++)
		row_free(&l->rows[l->nrows - 1 - i]);
	if (drop > 0) {
		l->nrows -= drop;
		l->at_end = 0;
	}
	memmove(l->rows + n, l->rows, (size_t)l->nrows * sizeof *l->rows);
	memmove(l->rows, fresh, (size_t)n * sizeof *l->rows);
	l->nrows += n;
	l->cursor += n;
	l->top += n;
	return n;
}

/* Move the cursor by DELTA lines; KEEP keeps its line on the screen (a page
 * move), else the view scrolls only as needed. */
static void
list_move(struct tui *t, struct tui_list *l, int delta, int keep)
{
	int target, off;

	while (l->cursor + delta >= l->nrows && list_grow_down(t, l) > 0)
		;
	while (l->cursor + delta < 0 && list_grow_up(t, l) > 0)
		;
	off = l->cursor - l->top;
	target = l->cursor + delta;
	if (keep)
		list_place(l, target - off, target);
	else
		list_place(l, l->top, target);
}

/* Jump to the next (FORWARD) or previous row matching the search. */
static void
list_search(struct tui *t, struct tui_list *l, int forward)
{
	const char *pat = tui_search(t);
	const struct tui_row *cur = tui_list_current(l);
	struct tui_row hit = { NULL, 0 };

	if (!pat[0] || !l->search_sql) {
		tui_message(t, "no search pattern: press / first");
		return;
	}
	if (list_fetch(t, l, cur ? (forward ? DIR_AFTER : DIR_BEFORE) : DIR_FIRST,
	    cur, pat, &hit, 1) != 1) {
		tui_message(t, "pattern not found: %s", pat);
		return;
	}
	list_load(t, l, DIR_FROM, &hit, l->height, 0);
	l->at_start = 0;
	row_free(&hit);
	list_place(l, 0, 0);
	list_grow_up(t, l);
	list_place(l, l->cursor - l->height / 3, l->cursor);
}

int
tui_list_act(struct tui *t, struct tui_list *l, enum tui_action a)
{
	switch (a) {
	case ACT_DOWN: list_move(t, l, 1, 0); return 1;
	case ACT_UP: list_move(t, l, -1, 0); return 1;
	case ACT_PGDN: list_move(t, l, l->height, 1); return 1;
	case ACT_PGUP: list_move(t, l, -l->height, 1); return 1;
	case ACT_TOP: list_load(t, l, DIR_FIRST, NULL, l->height, 0); return 1;
	case ACT_BOTTOM:
		list_load(t, l, DIR_LAST, NULL, l->height, 0);
		list_place(l, l->nrows, l->nrows - 1);
		return 1;
	case ACT_SEARCH_NEXT: list_search(t, l, 1); return 1;
	case ACT_SEARCH_PREV: list_search(t, l, 0); return 1;
	default: return 0;
	}
}

const struct tui_row *
tui_list_current(const struct tui_list *l)
{
	return l->nrows > 0 ? &l->rows[l->cursor] : NULL;
}

void
tui_list_free(struct tui_list *l)
{
	list_clear(l);
	free(l->rows);
	l->rows = NULL;
}

static sqlite3_value *
row_value(const struct tui_row *r, int i)
{
	return r && i < r->n ? r->v[i] : NULL;
}

const char *
tui_row_text(const struct tui_row *r, int i)
{
	const unsigned char *s = row_value(r, i) ? sqlite3_value_text(r->v[i]) : NULL;

	return s ? (const char *)s : "";
}

long long
tui_row_int(const struct tui_row *r, int i)
{
	return row_value(r, i) ? sqlite3_value_int64(r->v[i]) : 0;
}

double
tui_row_real(const struct tui_row *r, int i)
{
	return row_value(r, i) ? sqlite3_value_double(r->v[i]) : 0;
}

int
tui_row_null(const struct tui_row *r, int i)
{
	return !row_value(r, i) || sqlite3_value_type(r->v[i]) == SQLITE_NULL;
}

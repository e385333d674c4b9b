/*
 * tui.h: the ncurses browser behind `tcpmortem browse`.
 *
 * The browser is a stack of screens over one read-only database handle:
 *
 *   flows ──Enter──> detail          Tab cycles the top-level screens
 *   findings ──Enter──> detail       (flows, findings, summary); Esc or q
 *   summary                          pops back; ? pushes help.
 *
 * Every key binding is one row of tui_keys[] (tui-keys.c): the dispatch, the
 * help screen and the man page's KEYS section all read that table.  The
 * list screens never hold more than a few pages of rows: tui-list.c fetches
 * them with keyset pagination, (k1, k2, id) > (?, ?, ?) ORDER BY k1, k2, id
 * LIMIT n on indexed columns, so the cost of a keystroke does not grow with
 * the database.  Each fetch is one statement run to its end and reset, a
 * read transaction of milliseconds, so a live `tcpmortem capture` writing
 * the same WAL database is never held up.
 *
 * Text that came from a capture is hostile: everything from the database is
 * passed through tui_escape() before it reaches the terminal.
 */
#ifndef TM_TUI_H
#define TM_TUI_H

#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

/* ---- key table (tui-keys.c) ------------------------------------------ */

enum tui_action {
	ACT_NONE = 0,
	ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_TOP, ACT_BOTTOM,
	ACT_SEARCH, ACT_SEARCH_NEXT, ACT_SEARCH_PREV,
	ACT_OPEN, ACT_BACK, ACT_QUIT, ACT_HELP, ACT_NEXT_SCREEN,
	ACT_SORT, ACT_SORT_REVERSE, ACT_FILTER, ACT_REFRESH, ACT_RESIZE,
	ACT_COUNT
};

enum tui_screen_id { SCR_FLOWS, SCR_FINDINGS, SCR_DETAIL, SCR_SUMMARY, SCR_HELP,
	SCR_COUNT };

#define SCR_BIT(s) (1u << (s))
#define SCR_ANY ((1u << SCR_COUNT) - 1)
#define SCR_LISTS (SCR_BIT(SCR_FLOWS) | SCR_BIT(SCR_FINDINGS))

struct tui_key {
	int key;                /* a character or a KEY_* code */
	const char *name;       /* as the help and the man page spell it */
	unsigned screens;       /* SCR_BIT()s where it applies */
	enum tui_action action;
	const char *help;       /* NULL: an alias, listed with the key above */
};

extern const struct tui_key tui_keys[];
extern const size_t tui_nkeys;

/* The binding of KEY on screen SCREEN, or NULL. */
const struct tui_key *tui_key_lookup(int key, enum tui_screen_id screen);

/* The help line of the binding at index I (with its aliases) into BUF, ""
 * for an alias row; the index of the next binding. */
size_t tui_keys_line(size_t i, char *buf, size_t len);

/* Write the KEYS section of tcpmortem-browse(1), in mdoc, to OUT. */
void tui_keys_mdoc(FILE *out);

/* ---- text (tui-text.c) ------------------------------------------------ */

/* Copy IN to OUT (of OUTLEN bytes, NUL-terminated, truncated to fit) with
 * control bytes, C1 controls and invalid UTF-8 written as \xNN; the length
 * written. */
size_t tui_escape(const char *in, char *out, size_t outlen);

/* Seconds as "1.234 s", "12 ms", "850 us" into BUF. */
const char *tui_duration(double s, char *buf, size_t len);

/* Unix seconds as UTC "2025-11-22 04:33:20.123" into BUF. */
const char *tui_time(double ts, char *buf, size_t len);

/* ---- keyset queries (tui-query.c) ------------------------------------ */

#define TUI_MAX_KEYS 4          /* sort columns, id last */
/* A filter matching fewer flows than this is "rare": found through its own
 * indexes, not by walking the sort order (tui-flows.c). */
#define TUI_PROBE_ROWS 2000
#define TUI_PROBE_STR "2000"
#define TUI_MAX_BINDS 12

enum tui_dir {
	DIR_FIRST,              /* from the start of the order */
	DIR_FROM,               /* rows at or after a key */
	DIR_AFTER,              /* rows after a key */
	DIR_BEFORE,             /* rows before a key, nearest first */
	DIR_LAST                /* from the end of the order, last first */
};

struct tui_bind {
	int is_int;
	long long i;
	char s[128];
};

/* A query over one table, paged in the order of KEYS. */
struct tui_qspec {
	const char *select;     /* "id, client, ..." : the displayed columns */
	const char *from;       /* "flows" */
	const char *keys[TUI_MAX_KEYS]; /* the order; the last is unique (id) */
	int nkeys;
	int desc;               /* the order is descending */
	char where[512];        /* a filter, "" for none; ? bound from BINDS */
	struct tui_bind binds[TUI_MAX_BINDS];
	int nbinds;
};

/* Write into BUF the SELECT of Q paged in direction DIR (the key columns are
 * appended to the selected ones; KEYSET true adds the keyset condition whose
 * placeholders follow the filter's, EXTRA, when not NULL, is one more
 * condition).  0, or -1 when BUF is too small. */
int tui_query_build(const struct tui_qspec *q, enum tui_dir dir, const char *extra,
    char *buf, size_t len);

/* Parse the flow filter line ("10.0.0.2 80 TIME-WAIT kind:fin-lost close:rst",
 * words ANDed; host:, port:, state:, kind:, close: prefixes optional, a
 * bare number is the server's port, port:N either side's) into
 * Q's where and binds, in the form that walks the sort order (WALK) or the
 * one that searches the filter's own indexes.  0, or -1 with the offending
 * word in ERR. */
int tui_filter_flows(const char *text, int walk, struct tui_qspec *q, char *err,
    size_t errlen);

/* ---- paged lists (tui-list.c) --------------------------------------- */

struct tui;

/* One fetched row: the selected columns, then the key columns. */
struct tui_row {
	sqlite3_value **v;
	int n;
};

/* A window of at most a few pages of a query's rows, and a cursor in it. */
struct tui_list {
	struct tui_qspec q;
	const char *search_sql; /* a condition with SEARCH_NBIND ? for "%pattern%" */
	int search_nbind;
	struct tui_row *rows;
	int nrows;
	int cursor, top;        /* indexes into rows */
	int at_start, at_end;   /* the window holds the first / last row */
	int height;             /* lines the screen shows */
};

/* Fetch the first page of L's query, showing HEIGHT lines; a key press
 * interrupts a slow fetch (the list is then empty, with a message). */
void tui_list_reset(struct tui *t, struct tui_list *l, int height);
/* Fetch again from the top row shown, keeping the cursor's line. */
void tui_list_reload(struct tui *t, struct tui_list *l, int height);
/* Apply a movement or search action; 1 if A was one. */
int tui_list_act(struct tui *t, struct tui_list *l, enum tui_action a);
/* The row under the cursor, or NULL when the list is empty. */
const struct tui_row *tui_list_current(const struct tui_list *l);
void tui_list_free(struct tui_list *l);

/* Column I of R as text ("" for NULL), integer, real. */
const char *tui_row_text(const struct tui_row *r, int i);
long long tui_row_int(const struct tui_row *r, int i);
double tui_row_real(const struct tui_row *r, int i);
int tui_row_null(const struct tui_row *r, int i);

/* ---- text panes (tui-pane.c) ----------------------------------------- */

/* A scrollable buffer of already-safe lines, each with a colour. */
struct tui_pane {
	struct tui_pane_line { char text[512]; int color; } *line;
	size_t nlines, cap;
	int top;
};

/* Append a line (printf FMT); the caller escapes database text in it. */
void tui_pane_add(struct tui_pane *p, int color, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, inserted before line AT. */
void tui_pane_insert(struct tui_pane *p, size_t at, int color, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void tui_pane_clear(struct tui_pane *p);
void tui_pane_draw(struct tui *t, struct tui_pane *p);
/* Apply a movement action; 1 if A was one. */
int tui_pane_act(struct tui *t, struct tui_pane *p, enum tui_action a);

/* ---- the frame (tui.c) ------------------------------------------------ */

/* A screen: its callbacks, registered in tui_screens[]. */
struct tui_screen_ops {
	enum tui_screen_id id;
	const char *title;
	void *(*open)(struct tui *t, long long arg);    /* NULL on failure, with tui_message */
	void (*close)(void *st);
	void (*draw)(struct tui *t, void *st);
	/* 1 when handled; unhandled actions fall to the frame. */
	int (*act)(struct tui *t, void *st, enum tui_action a);
	void (*reload)(struct tui *t, void *st);        /* data may have changed */
};

extern const struct tui_screen_ops tui_flows_screen, tui_findings_screen,
    tui_detail_screen, tui_summary_screen, tui_help_screen;

struct tui_options {
	int no_color;           /* NO_COLOR or --no-color */
	int ascii;              /* ASCII line drawing */
	int bench;              /* render this many screens offscreen, then report */
	int refresh_ms;         /* live refresh poll (default 2000) */
};

/* Run the browser over DB until the user quits; 0, or -1 with ERR. */
int tui_run(sqlite3 *db, const struct tui_options *o, char *err, size_t errlen);

/* Benchmark: open DB's screens offscreen and time the first paint and each
 * kind of keystroke, writing one line per measure to OUT.  0 or -1. */
int tui_bench(sqlite3 *db, const struct tui_options *o, FILE *out, char *err,
    size_t errlen);

/* ---- services the frame gives screens -------------------------------- */

enum tui_color { COL_NORMAL = 0, COL_TITLE, COL_HEADER, COL_CURSOR, COL_BAD,
	COL_WARN, COL_GOOD, COL_DIM, COL_MARK, COL_COUNT };

sqlite3 *tui_db(struct tui *t);
int tui_utf8(struct tui *t);
/* Content area: lines 1 .. tui_height() (line 0 is the title bar, the last
 * the status line). */
int tui_height(struct tui *t);
int tui_width(struct tui *t);
/* curses attributes of colour C (nothing when colours are off). */
int tui_attr(struct tui *t, enum tui_color c);
/* Say something on the status line until the next key. */
void tui_message(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Push screen OPS opened with ARG; 0, or -1 (message set). */
int tui_push(struct tui *t, const struct tui_screen_ops *ops, long long arg);
/* Draw the already escaped STR at (Y, X) clipped to the width. */
void tui_put(struct tui *t, int y, int x, const char *str, int attr);
/* Draw database text at (Y, X), escaped, at most W columns. */
void tui_put_db(struct tui *t, int y, int x, const char *str, int w, int attr);
/* Read a line on the status line after LABEL into BUF (holding its current
 * value); ON_CHANGE, if not NULL, runs after each edit.  1 on Enter, 0 on Esc. */
int tui_prompt(struct tui *t, const char *label, char *buf, size_t len,
    void (*on_change)(struct tui *t, void *st, const char *text), void *st);
/* The screen has more to draw: call its draw again as soon as no key waits. */
void tui_more(struct tui *t);
/* Let a key press interrupt the long queries that follow (1) or stop (0):
 * an interrupted statement fails with SQLITE_INTERRUPT. */
void tui_interruptible(struct tui *t, int on);
/* The last search pattern ("" if none). */
const char *tui_search(struct tui *t);

#endif

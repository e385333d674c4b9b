/*
 * tui-detail.c: one flow: its outcome, its findings, its ladder and both
 * endpoints' state timelines, in one scrollable pane.
 *
 * The ladder and the timelines are drawn by ladder.c, exactly as
 * `tcpmortem show` prints them, into a memory stream that the pane takes
 * line by line (escaped again: cheap, and the pane must not trust any
 * text).  Findings are numbered [1], [2] ... in (ts, id) order, the numbers
 * ladder.c writes beside their evidence frames; those ladder lines are lit
 * and get a '*' in the first column, visible even when 80 columns cut off
 * the numbers at the right.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder.h"
#include "tui.h"
#include "util.h"

struct detail {
	long long flow;
	struct tui_pane p;
	int width;
};

/* The flow's own line: endpoints, outcome, final states.  -1 if missing. */
static int
detail_header(struct tui *t, struct detail *d)
{
	sqlite3_stmt *st;
	char v[10][128], dur[32];
	int i, rc = -1;

	if (sqlite3_prepare_v2(tui_db(t), "SELECT client, client_port, server, server_port, "
	    "handshake, close, ifnull(closer, '-'), client_state, server_state, end_reason, "
	    "first_ts, duration, packets, bytes FROM flows WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, d->flow);
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < 10; i++)
			tui_escape((const char *)sqlite3_column_text(st, i), v[i], sizeof v[i]);
		tui_pane_add(&d->p, COL_HEADER, " flow %lld   client %s:%s   server %s:%s", d->flow,
		    v[0], v[1], v[2], v[3]);
		tui_pane_add(&d->p, COL_NORMAL, " handshake %s, close %s by %s; %lld packets, %lld bytes "
		    "in %s (%s)", v[4], v[5], v[6], sqlite3_column_int64(st, 12),
		    sqlite3_column_int64(st, 13),
		    tui_duration(sqlite3_column_double(st, 11), dur, sizeof dur), v[9]);
		tui_pane_add(&d->p, COL_NORMAL, " at capture end: client %s, server %s", v[7], v[8]);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Append what WRITE prints (ladder.c) to the pane, one line each; lines
 * carrying an evidence mark ("[1]" after the server's lifeline) are lit. */
static void
detail_capture(struct tui *t, struct detail *d,
    int (*write)(struct tui *, struct detail *, FILE *))
{
	char *buf = NULL, *line, *save = NULL, esc[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (write(t, d, f) < 0) {
		fclose(f);
		free(buf);
		return;
	}
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int mark;

		tui_escape(line, esc, sizeof esc);
		/* the mark may fall beyond the right edge: repeat it on the left */
		mark = strstr(esc, "\xe2\x97\x86 [") || strstr(esc, "  * [");
		tui_pane_add(&d->p, mark ? COL_MARK : COL_NORMAL, "%c%s", mark ? '*' : ' ', esc);
	}
	free(buf);
}

static int
write_ladder(struct tui *t, struct detail *d, FILE *f)
{
	struct ladder_style style = { tui_utf8(t), 0 };
	char err[256];

	if (ladder_print(tui_db(t), d->flow, &style, f, err, sizeof err) == 0)
		return 0;
	tui_message(t, "%s", err);
	return -1;
}

static int
write_timelines(struct tui *t, struct detail *d, FILE *f)
{
	char err[256];

	if (ladder_timelines(tui_db(t), d->flow, f, err, sizeof err) == 0)
		return 0;
	tui_message(t, "%s", err);
	return -1;
}

/* The flow's findings, numbered as ladder.c numbers them. */
static void
detail_findings(struct tui *t, struct detail *d)
{
	sqlite3_stmt *st;
	char v[4][512];
	int i, n = 0;

	if (sqlite3_prepare_v2(tui_db(t), "SELECT kind, ifnull(side, '-'), frames, detail "
	    "FROM findings WHERE flow = ? ORDER BY ts, id", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, d->flow);
	tui_pane_add(&d->p, COL_HEADER, " findings");
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < 4; i++)
			tui_escape((const char *)sqlite3_column_text(st, i), v[i], sizeof v[i]);
		tui_pane_add(&d->p, COL_BAD, " [%d] %s (%s) frames %s: %s", ++n, v[0], v[1],
		    v[2], v[3]);
	}
	if (n == 0)
		tui_pane_add(&d->p, COL_DIM, "   none");
	sqlite3_finalize(st);
}

static void
detail_build(struct tui *t, struct detail *d)
{
	tui_pane_clear(&d->p);
	d->width = COLS;
	if (detail_header(t, d) < 0) {
		tui_pane_add(&d->p, COL_BAD, " flow %lld is not in the database", d->flow);
		return;
	}
	/* findings first: they are why one opens a flow */
	detail_findings(t, d);
	tui_pane_add(&d->p, COL_NORMAL, "%s", "");
	detail_capture(t, d, write_ladder);
	tui_pane_add(&d->p, COL_NORMAL, "%s", "");
	detail_capture(t, d, write_timelines);
}

static void *
detail_open(struct tui *t, long long flow)
{
	struct detail *d = xcalloc(1, sizeof *d);

	d->flow = flow;
	detail_build(t, d);
	return d;
}

static void
detail_close(void *st)
{
	struct detail *d = st;

	free(d->p.line);
	free(d);
}

static void
detail_draw(struct tui *t, void *st)
{
	struct detail *d = st;

	if (d->width != COLS)
		detail_build(t, d);
	tui_pane_draw(t, &d->p);
}

static int
detail_act(struct tui *t, void *st, enum tui_action a)
{
	struct detail *d = st;

	return tui_pane_act(t, &d->p, a);
}

static void
detail_reload(struct tui *t, void *st)
{
	detail_build(t, st);
}

const struct tui_screen_ops tui_detail_screen = {
	.id = SCR_DETAIL,
	.title = "Flow",
	.open = detail_open,
	.close = detail_close,
	.draw = detail_draw,
	.act = detail_act,
	.reload = detail_reload,
};

/*
 * tui-detail.c: one flow: its ladder, both timelines, its findings.
 *
 * The screen is a scrollable buffer of lines built once when it opens:
 *
 *   frame  time       client state │                          │ server state
 *     812  +0.000000  SYN-SENT     │──────── S 0:0 ─────────▶│ SYN-RECEIVED
 *     813  +0.000140  ESTABLISHED  │◀─── S. 0:0 ack 1 ────────│
 *
 * A row of segments.seq is one arrow (runs of data arrive folded, "x9");
 * the state each side enters on that segment is written beside its
 * lifeline, and timer transitions (no frame) get a line of their own.
 * Lines holding a finding's evidence frames are marked with '*' and lit.
 * The findings come first, under the flow's outcome; the two endpoints'
 * state timelines, side by side, come last.
 *
 * TODO: draw the ladder with ladder.c once it is merged, as `show` does.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "util.h"

#define MAX_EVIDENCE 256

struct detail {
	long long flow;
	struct tui_pane p;
	int width;
	double t0;
	long long evidence[MAX_EVIDENCE];
	int nevidence;
};

struct glyphs { const char *v, *h, *r, *l; };
static const struct glyphs utf8_glyphs = { "\xe2\x94\x82", "\xe2\x94\x80",
	"\xe2\x96\xb6", "\xe2\x97\x80" };
static const struct glyphs ascii_glyphs = { "|", "-", ">", "<" };

/* Append N copies of G to BUF. */
static void
repeat(char *buf, size_t len, const char *g, int n)
{
	while (n-- > 0)
		strncat(buf, g, len - strlen(buf) - 1);
}

/* The arrow of SPAN columns, labelled LABEL, pointing right or left. */
static void
arrow(char *buf, size_t len, const struct glyphs *gl, int span, const char *label,
    int right)
{
	int l = (int)strlen(label), a, b;

	if (l > span - 5)
		l = span - 5 > 0 ? span - 5 : 0;
	a = (span - l - 3) / 2;
	b = span - l - 3 - a;
	buf[0] = '\0';
	if (!right)
		repeat(buf, len, gl->l, 1);
	repeat(buf, len, gl->h, a);
	strncat(buf, " ", len - strlen(buf) - 1);
	strncat(buf, label, (size_t)l);
	strncat(buf, " ", len - strlen(buf) - 1);
	repeat(buf, len, gl->h, b);
	if (right)
		repeat(buf, len, gl->r, 1);
}

static int
is_evidence(const struct detail *d, long long first, long long last)
{
	int i;

	for (i = 0; i < d->nevidence; i++)
		if (d->evidence[i] >= first && d->evidence[i] <= last)
			return 1;
	return 0;
}

/* A state column: STATE escaped and padded to 13 columns. */
static void
state_cell(char *buf, size_t len, const char *state)
{
	char esc[64];

	tui_escape(state ? state : "", esc, sizeof esc);
	snprintf(buf, len, "%-13.13s", esc);
}

/* The states each side enters on frames FIRST..LAST (timer ones when
 * FIRST is -1 and the transition's ts is before BEFORE), into cst / sst. */
static void
states_at(struct tui *t, long long flow, long long first, long long last,
    char *cst, char *sst, size_t len)
{
	sqlite3_stmt *st;

	cst[0] = sst[0] = '\0';
	if (sqlite3_prepare_v2(tui_db(t), "SELECT side, new_state FROM transitions "
	    "WHERE flow = ? AND frame BETWEEN ? AND ? ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, flow);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int64(st, 3, last);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *side = (const char *)sqlite3_column_text(st, 0);
		snprintf(side && strcmp(side, "server") == 0 ? sst : cst, len, "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
}

/* The ladder's geometry for the current width. */
struct geom {
	int left, right;        /* lifeline columns */
	const struct glyphs *gl;
};

static void
ladder_segment(struct tui *t, struct detail *d, const struct geom *g, sqlite3_stmt *st)
{
	long long frame = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1);
	const char *sender = (const char *)sqlite3_column_text(st, 3);
	long long rseq = sqlite3_column_int64(st, 5), rack = sqlite3_column_int64(st, 6);
	long long len = sqlite3_column_int64(st, 7), count = sqlite3_column_int64(st, 8);
	char flags[16], label[96], arr[1024], cst[32], sst[32], cc[64], sc[64];
	int mark = is_evidence(d, frame, last);

	tui_escape((const char *)sqlite3_column_text(st, 4), flags, sizeof flags);
	if (len > 0)
		snprintf(label, sizeof label, "%s %lld:%lld", flags, rseq, rseq + len);
	else
		snprintf(label, sizeof label, "%s %lld", flags, rseq);
	if (strchr(flags, '.'))
		snprintf(label + strlen(label), sizeof label - strlen(label), " ack %lld", rack);
	if (count > 1)
		snprintf(label + strlen(label), sizeof label - strlen(label), " x%lld", count);
	if (sqlite3_column_int(st, 9))
		strncat(label, " retx", sizeof label - strlen(label) - 1);
	arrow(arr, sizeof arr, g->gl, g->right - g->left - 1, label,
	    !(sender && strcmp(sender, "server") == 0));
	states_at(t, d->flow, frame, last, cst, sst, sizeof cst);
	state_cell(cc, sizeof cc, cst);
	state_cell(sc, sizeof sc, sst);
	tui_pane_add(&d->p, mark ? COL_MARK : COL_NORMAL, "%c%6lld %+10.6f %s%s%s%s %s", mark ? '*' : ' ',
	    frame, sqlite3_column_double(st, 2) - d->t0, cc, g->gl->v, arr, g->gl->v, sc);
}

/* Timer transitions up to time UNTIL (all when UNTIL < 0), from *ST. */
static void
ladder_timers(struct detail *d, const struct geom *g, sqlite3_stmt *st, int *have,
    double until)
{
	char cause[64], state[64], line[600];
	int server;

	while (*have && (until < 0 || sqlite3_column_double(st, 1) <= until)) {
		server = strcmp((const char *)sqlite3_column_text(st, 0), "server") == 0;
		tui_escape((const char *)sqlite3_column_text(st, 3), cause, sizeof cause);
		tui_escape((const char *)sqlite3_column_text(st, 2), state, sizeof state);
		snprintf(line, sizeof line, " %6s %+10.6f %-13.13s%s%*s%s %s", "",
		    sqlite3_column_double(st, 1) - d->t0, server ? "" : state, g->gl->v,
		    g->right - g->left - 1, "", g->gl->v, server ? state : "");
		tui_pane_add(&d->p, COL_DIM, "%s   (%s)", line, cause);
		*have = sqlite3_step(st) == SQLITE_ROW;
	}
}

static void
detail_ladder(struct tui *t, struct detail *d)
{
	sqlite3_stmt *seg = NULL, *tim = NULL;
	struct geom g;
	int have;

	g.gl = tui_utf8(t) ? &utf8_glyphs : &ascii_glyphs;
	g.left = 32;
	g.right = d->width - 15 > g.left + 20 ? d->width - 15 : g.left + 20;
	tui_pane_add(&d->p, COL_HEADER, " %6s %10s %-13s%s%*s%s %s", "frame", "time", "client",
	    g.gl->v, g.right - g.left - 1, "", g.gl->v, "server");
	if (sqlite3_prepare_v2(tui_db(t), "SELECT frame, last_frame, ts, sender, flags, "
	    "rel_seq, rel_ack, len, count, retransmission FROM segments WHERE flow = ? "
	    "ORDER BY seq", -1, &seg, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(tui_db(t), "SELECT side, ts, new_state, cause FROM "
	    "transitions WHERE flow = ? AND frame IS NULL ORDER BY seq", -1, &tim, NULL) != SQLITE_OK) {
		tui_message(t, "flow %lld: %s", d->flow, sqlite3_errmsg(tui_db(t)));
		sqlite3_finalize(seg);
		return;
	}
	sqlite3_bind_int64(seg, 1, d->flow);
	sqlite3_bind_int64(tim, 1, d->flow);
	have = sqlite3_step(tim) == SQLITE_ROW;
	while (sqlite3_step(seg) == SQLITE_ROW) {
		ladder_timers(d, &g, tim, &have, sqlite3_column_double(seg, 2));
		ladder_segment(t, d, &g, seg);
	}
	ladder_timers(d, &g, tim, &have, -1);
	sqlite3_finalize(seg);
	sqlite3_finalize(tim);
}

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
		d->t0 = sqlite3_column_double(st, 10);
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

/* Both endpoints' timelines, client left, server right. */
static void
detail_timelines(struct tui *t, struct detail *d)
{
	sqlite3_stmt *st[2];
	static const char *const side[2] = { "client", "server" };
	char cell[2][256], esc[3][64];	/* esc[0] (old state) unused in the cell */
	int have[2], i, w = (d->width - 2) / 2;

	tui_pane_add(&d->p, COL_NORMAL, "%s", "");
	tui_pane_add(&d->p, COL_HEADER, " %-*s %s", w, "client enters", "server enters");
	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(tui_db(t), "SELECT ts, old_state, new_state, cause "
		    "FROM transitions WHERE flow = ? AND side = ? ORDER BY seq", -1, &st[i],
		    NULL) != SQLITE_OK)
			return;
		sqlite3_bind_int64(st[i], 1, d->flow);
		sqlite3_bind_text(st[i], 2, side[i], -1, SQLITE_STATIC);
		have[i] = sqlite3_step(st[i]) == SQLITE_ROW;
	}
	while (have[0] || have[1]) {
		for (i = 0; i < 2; i++) {
			cell[i][0] = '\0';
			if (!have[i])
				continue;
			tui_escape((const char *)sqlite3_column_text(st[i], 1), esc[0], sizeof esc[0]);
			tui_escape((const char *)sqlite3_column_text(st[i], 2), esc[1], sizeof esc[1]);
			tui_escape((const char *)sqlite3_column_text(st[i], 3), esc[2], sizeof esc[2]);
			snprintf(cell[i], sizeof cell[i], "%+.6f %-12s %s",
			    sqlite3_column_double(st[i], 0) - d->t0, esc[1], esc[2]);
			have[i] = sqlite3_step(st[i]) == SQLITE_ROW;
		}
		tui_pane_add(&d->p, COL_NORMAL, " %-*.*s %s", w, w, cell[0], cell[1]);
	}
	sqlite3_finalize(st[0]);
	sqlite3_finalize(st[1]);
}

/* The flow's findings; their evidence frames go into d->evidence. */
static void
detail_findings(struct tui *t, struct detail *d, int record)
{
	sqlite3_stmt *st;
	char v[4][512];
	const char *p;
	int i, n = 0;

	if (sqlite3_prepare_v2(tui_db(t), "SELECT kind, ifnull(side, '-'), frames, detail "
	    "FROM findings WHERE flow = ? ORDER BY ts, id", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, d->flow);
	if (!record)
		tui_pane_add(&d->p, COL_NORMAL, "%s", "");
	if (!record)
		tui_pane_add(&d->p, COL_HEADER, " findings");
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < 4; i++)
			tui_escape((const char *)sqlite3_column_text(st, i), v[i], sizeof v[i]);
		for (p = v[2]; record && *p; p++)
			if (*p >= '0' && *p <= '9' && (p == v[2] || p[-1] < '0' || p[-1] > '9') &&
			    d->nevidence < MAX_EVIDENCE)
				d->evidence[d->nevidence++] = atoll(p);
		n++;
		if (!record)
			tui_pane_add(&d->p, COL_BAD, " * %s (%s) frames %s: %s", v[0], v[1], v[2], v[3]);
	}
	if (!record && n == 0)
		tui_pane_add(&d->p, COL_DIM, "   none");
	sqlite3_finalize(st);
}

static void
detail_build(struct tui *t, struct detail *d)
{
	tui_pane_clear(&d->p);
	d->nevidence = 0;
	d->width = COLS;
	if (detail_header(t, d) < 0) {
		tui_pane_add(&d->p, COL_BAD, " flow %lld is not in the database", d->flow);
		return;
	}
	/* findings first: they are why one opens a flow */
	detail_findings(t, d, 1);
	detail_findings(t, d, 0);
	tui_pane_add(&d->p, COL_NORMAL, "%s", "");
	detail_ladder(t, d);
	detail_timelines(t, d);
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

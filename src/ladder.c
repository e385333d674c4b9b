/*
 * ladder.c: drawing one flow as a ladder diagram.
 *
 * Three reads (the flow, its segments, its transitions, plus the frames of
 * its findings) fill small arrays; then one pass walks the segments in
 * order and, before each, emits the transitions that belong to no segment
 * (timers, or a frame the ladder folded away) and are older than it.  A
 * transition with a frame is drawn beside the segment that holds that
 * frame, on its side's lifeline.  All text from the database is escaped
 * on load, so the drawing code only pads and prints.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ladder.h"
#include "output.h"
#include "util.h"

#define STATE_W 13              /* "SYN-RECEIVED" and a space */
#define MIN_ARROW 30

struct seg {
	int64_t frame, last_frame, rel_seq, rel_ack, len, count;
	double ts;
	int from_server, retx;
	char flags[16];
	uint32_t marks;         /* bit k: evidence of finding k+1 */
	struct trans *shown[2]; /* the transition drawn beside each lifeline */
};

struct trans {
	int server;
	double ts;
	int64_t frame;          /* -1 for a timer */
	int seg;                /* the segment it is drawn at, -1: own line */
	char old_state[24], new_state[24], cause[64];
};

struct ladder {
	char ends[2][80];       /* "10.0.0.1:35660" */
	double t0;
	struct seg *segs;
	size_t nsegs, segcap;
	struct trans *trs;
	size_t ntrs, trcap;
	const struct ladder_style *style;
	int frame_w, time_w, arrow_w;
};

/* Copy escaped text of column I into BUF. */
static void
col_copy(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	char *e = output_escape((const char *)sqlite3_column_text(st, i));

	snprintf(buf, len, "%s", e);
	free(e);
}

static int
load_flow(sqlite3 *db, int64_t flow, struct ladder *l, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT client, client_port, server, server_port, first_ts FROM flows WHERE id = ?1";
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, flow);
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (int s = 0; s < 2; s++) {
			char a[64];

			col_copy(st, 2 * s, a, sizeof(a));
			snprintf(l->ends[s], sizeof(l->ends[s]), strchr(a, ':') ? "[%s]:%d" : "%s:%d",
			    a, sqlite3_column_int(st, 2 * s + 1));
		}
		l->t0 = sqlite3_column_double(st, 4);
		rc = 0;
	} else {
		snprintf(err, errlen, "flow %lld: no such flow", (long long)flow);
	}
	sqlite3_finalize(st);
	return rc;
}

static void
seg_read(sqlite3_stmt *st, struct seg *g)
{
	memset(g, 0, sizeof(*g));
	g->frame = sqlite3_column_int64(st, 0);
	g->last_frame = sqlite3_column_int64(st, 1);
	g->ts = sqlite3_column_double(st, 2);
	g->from_server = strcmp((const char *)sqlite3_column_text(st, 3), "server") == 0;
	col_copy(st, 4, g->flags, sizeof(g->flags));
	g->rel_seq = sqlite3_column_int64(st, 5);
	g->rel_ack = sqlite3_column_int64(st, 6);
	g->len = sqlite3_column_int64(st, 7);
	g->count = sqlite3_column_int64(st, 8);
	g->retx = sqlite3_column_int(st, 9);
}

static void
trans_read(sqlite3_stmt *st, struct trans *t)
{
	memset(t, 0, sizeof(*t));
	t->server = strcmp((const char *)sqlite3_column_text(st, 0), "server") == 0;
	t->ts = sqlite3_column_double(st, 1);
	col_copy(st, 2, t->old_state, sizeof(t->old_state));
	col_copy(st, 3, t->new_state, sizeof(t->new_state));
	t->frame = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
	col_copy(st, 5, t->cause, sizeof(t->cause));
	t->seg = -1;
}

/* Run SQL (one ?1 = FLOW) and hand each row to READ into a grown array. */
static int
load_rows(sqlite3 *db, const char *sql, int64_t flow, void **arr, size_t *n, size_t *cap,
    size_t size, void (*read)(sqlite3_stmt *, void *), char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, flow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		grow_array(arr, cap, *n + 1, size);
		read(st, (char *)*arr + *n * size);
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void seg_read_v(sqlite3_stmt *st, void *p) { seg_read(st, p); }
static void trans_read_v(sqlite3_stmt *st, void *p) { trans_read(st, p); }

static struct seg *
seg_at(struct ladder *l, int64_t frame, size_t *idx)
{
	for (size_t i = 0; i < l->nsegs; i++)
		if (frame >= l->segs[i].frame && frame <= l->segs[i].last_frame) {
			*idx = i;
			return &l->segs[i];
		}
	return NULL;
}

/* Mark the segments that hold evidence frames of the flow's findings,
 * numbered as `show` lists them (by time, then id). */
static int
load_marks(sqlite3 *db, int64_t flow, struct ladder *l, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT n.rn, j.value FROM (SELECT row_number() OVER (ORDER BY ts, id) AS rn,"
	    " frames FROM findings WHERE flow = ?1) AS n, json_each(n.frames) AS j";
	sqlite3_stmt *st;
	size_t idx;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, flow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = sqlite3_column_int(st, 0);
		struct seg *g = seg_at(l, sqlite3_column_int64(st, 1), &idx);

		if (g != NULL && k >= 1 && k <= 32)
			g->marks |= 1u << (k - 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
ladder_load(sqlite3 *db, int64_t flow, struct ladder *l, char *err, size_t errlen)
{
	static const char segs_sql[] =
	    "SELECT frame, last_frame, ts, sender, flags, rel_seq, rel_ack, len, count,"
	    " retransmission FROM segments WHERE flow = ?1 ORDER BY seq";
	static const char trs_sql[] =
	    "SELECT side, ts, old_state, new_state, frame, cause FROM transitions"
	    " WHERE flow = ?1 ORDER BY seq";

	if (load_flow(db, flow, l, err, errlen) != 0 ||
	    load_rows(db, segs_sql, flow, (void **)&l->segs, &l->nsegs, &l->segcap,
		sizeof(struct seg), seg_read_v, err, errlen) != 0 ||
	    load_rows(db, trs_sql, flow, (void **)&l->trs, &l->ntrs, &l->trcap,
		sizeof(struct trans), trans_read_v, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < l->ntrs; i++) {
		struct trans *t = &l->trs[i];
		size_t idx;
		struct seg *g = t->frame < 0 ? NULL : seg_at(l, t->frame, &idx);

		if (g == NULL)
			continue;
		/* Two changes of one side at one frame (a FIN sent while the
		 * peer's crosses it): the earlier gets a line of its own. */
		if (g->shown[t->server] != NULL)
			g->shown[t->server]->seg = -1;
		t->seg = (int)idx;
		g->shown[t->server] = t;
	}
	return load_marks(db, flow, l, err, errlen);
}

/* What the arrow of G says. */
static void
seg_label(const struct seg *g, char *buf, size_t len)
{
	int control = strpbrk(g->flags, "SFR") != NULL;
	int n;

	if (!control && g->count > 1 && g->len > 0)
		n = snprintf(buf, len, "%lld data segments, %lld bytes",
		    (long long)g->count, (long long)g->len);
	else if (!control && g->count > 1)
		n = snprintf(buf, len, "%lld ACKs, ack=%lld", (long long)g->count,
		    (long long)g->rel_ack);
	else
		n = snprintf(buf, len, "%s seq=%lld", g->flags, (long long)g->rel_seq);
	if (control || g->count <= 1) {
		if (strchr(g->flags, '.') != NULL && n > 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " ack=%lld", (long long)g->rel_ack);
		if (g->len > 0 && n > 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " len=%lld", (long long)g->len);
	}
	if (g->retx && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (retx)");
}

static void
repeat(FILE *out, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		fputs(s, out);
}

/* The arrow for G, exactly l->arrow_w columns between the lifelines. */
static void
draw_arrow(const struct ladder *l, const struct seg *g, FILE *out)
{
	const char *dash = l->style->utf8 ? "\u2500" : "-";
	const char *head = g->from_server ? (l->style->utf8 ? "\u25c0" : "<") :
	    (l->style->utf8 ? "\u25b6" : ">");
	char label[96];
	int room, lw, pre;

	seg_label(g, label, sizeof(label));
	lw = (int)output_strwidth(label);
	room = l->arrow_w - 1 - lw - 2;
	pre = room / 2;
	if (g->from_server)
		fputs(head, out);
	repeat(out, dash, pre);
	fprintf(out, " %s ", label);
	repeat(out, dash, room - pre);
	if (!g->from_server)
		fputs(head, out);
}

static void
draw_marks(const struct ladder *l, uint32_t marks, FILE *out)
{
	const char *sep = "";

	if (marks == 0)
		return;
	fputs(l->style->utf8 ? "  \u25c6 [" : "  * [", out);
	for (int k = 0; k < 32; k++)
		if (marks & (1u << k)) {
			fprintf(out, "%s%d", sep, k + 1);
			sep = ",";
		}
	fputc(']', out);
}

/* The frame and time columns, and the client's state column. */
static void
draw_left(const struct ladder *l, const char *frame, double ts, const char *state, FILE *out)
{
	char t[32] = "";

	if (ts >= 0)
		snprintf(t, sizeof(t), "%.6f", ts - l->t0);
	fprintf(out, "%*s  %*s  %-*s", l->frame_w, frame, l->time_w, t, STATE_W,
	    state != NULL ? state : "");
}

static void
draw_segment(const struct ladder *l, const struct seg *g, FILE *out)
{
	const char *life = l->style->utf8 ? "\u2502" : "|";
	char frame[48];
	int lit = l->style->color && g->marks != 0;

	if (g->last_frame > g->frame)
		snprintf(frame, sizeof(frame), "%lld-%lld", (long long)g->frame,
		    (long long)g->last_frame);
	else
		snprintf(frame, sizeof(frame), "%lld", (long long)g->frame);
	draw_left(l, frame, g->ts, g->shown[0] ? g->shown[0]->new_state : NULL, out);
	fputs(life, out);
	fputs(lit ? "\033[1;31m" : "", out);
	draw_arrow(l, g, out);
	fputs(lit ? "\033[0m" : "", out);
	fputs(life, out);
	if (g->marks != 0)
		fprintf(out, "  %-*s", STATE_W, g->shown[1] ? g->shown[1]->new_state : "");
	else if (g->shown[1] != NULL)
		fprintf(out, "  %s", g->shown[1]->new_state);
	draw_marks(l, g->marks, out);
	fputc('\n', out);
}

/* A transition on a line of its own: "TIME-WAIT -> CLOSED (2MSL)" beside
 * its side's lifeline. */
static void
draw_transition(const struct ladder *l, const struct trans *t, FILE *out)
{
	const char *life = l->style->utf8 ? "\u2502" : "|";
	const char *cause = strncmp(t->cause, "timer ", 6) == 0 ? t->cause + 6 : t->cause;
	char text[128], frame[24] = "";
	int w;

	if (t->frame >= 0)
		snprintf(frame, sizeof(frame), "%lld", (long long)t->frame);
	snprintf(text, sizeof(text), "%s -> %s (%s)", t->old_state, t->new_state, cause);
	w = (int)output_strwidth(text);
	draw_left(l, frame, t->ts, t->server ? NULL : t->new_state, out);
	fputs(life, out);
	if (t->server)
		fprintf(out, "%*s%s ", l->arrow_w > w ? l->arrow_w - w - 1 : 0, "", text);
	else
		fprintf(out, " %s%*s", text, l->arrow_w > w ? l->arrow_w - w - 1 : 0, "");
	fputs(life, out);
	if (t->server)
		fprintf(out, "  %s", t->new_state);
	fputc('\n', out);
}

static void
measure(struct ladder *l)
{
	char buf[96];

	l->frame_w = 5;
	l->time_w = 8;
	l->arrow_w = MIN_ARROW;
	for (size_t i = 0; i < l->nsegs; i++) {
		int w;

		snprintf(buf, sizeof(buf), "%lld-%lld", (long long)l->segs[i].frame,
		    (long long)l->segs[i].last_frame);
		w = (int)strlen(buf);
		l->frame_w = w > l->frame_w ? w : l->frame_w;
		snprintf(buf, sizeof(buf), "%.6f", l->segs[i].ts - l->t0);
		l->time_w = (int)strlen(buf) > l->time_w ? (int)strlen(buf) : l->time_w;
		seg_label(&l->segs[i], buf, sizeof(buf));
		w = (int)output_strwidth(buf) + 6;
		l->arrow_w = w > l->arrow_w ? w : l->arrow_w;
	}
	for (size_t i = 0; i < l->ntrs; i++) {
		int w = (int)(strlen(l->trs[i].old_state) + strlen(l->trs[i].new_state) +
		    strlen(l->trs[i].cause)) + 10;

		snprintf(buf, sizeof(buf), "%.6f", l->trs[i].ts - l->t0);
		l->time_w = (int)strlen(buf) > l->time_w ? (int)strlen(buf) : l->time_w;
		if (l->trs[i].seg >= 0)
			continue;       /* drawn beside its segment, not across */

		l->arrow_w = w > l->arrow_w ? w : l->arrow_w;
	}
}

static void
draw_header(const struct ladder *l, FILE *out)
{
	const char *life = l->style->utf8 ? "\u2502" : "|";
	const char *init[2] = { "", "" };

	for (size_t i = 0; i < l->ntrs; i++)
		if (*init[l->trs[i].server] == '\0')
			init[l->trs[i].server] = l->trs[i].old_state;
	fprintf(out, "%*s  %*s  %-*s%*s  server\n", l->frame_w, "frame", l->time_w, "time",
	    STATE_W, "client", l->arrow_w + 2, "");
	fprintf(out, "%*s  %*s  %-*s  %s\n", l->frame_w, "", l->time_w, "",
	    STATE_W + l->arrow_w + 2, l->ends[0], l->ends[1]);
	draw_left(l, "", -1, init[0], out);
	fprintf(out, "%s%*s%s  %s\n", life, l->arrow_w, "", life, init[1]);
}

/* Whether transition T is drawn before segment G: it is older, it is drawn
 * beside some segment anyway, or its frame is G's or an earlier one. */
static int
trans_before(const struct trans *t, const struct seg *g)
{
	return t->ts < g->ts || t->seg >= 0 || (t->frame >= 0 && t->frame <= g->last_frame);
}

static void
ladder_free(struct ladder *l)
{
	free(l->segs);
	free(l->trs);
}

int
ladder_print(sqlite3 *db, int64_t flow, const struct ladder_style *style,
    FILE *out, char *err, size_t errlen)
{
	struct ladder l = { .style = style };
	size_t t = 0;

	if (ladder_load(db, flow, &l, err, errlen) != 0) {
		ladder_free(&l);
		return -1;
	}
	measure(&l);
	draw_header(&l, out);
	for (size_t i = 0; i <= l.nsegs; i++) {
		for (; t < l.ntrs && (i == l.nsegs || trans_before(&l.trs[t], &l.segs[i])); t++)
			if (l.trs[t].seg < 0)
				draw_transition(&l, &l.trs[t], out);
		if (i < l.nsegs)
			draw_segment(&l, &l.segs[i], out);
	}
	ladder_free(&l);
	return 0;
}

/* One timeline entry: "0.000120  SYN-RECEIVED  recv SYN". */
static void
timeline_entry(const struct ladder *l, const struct trans *t, char *buf, size_t len)
{
	snprintf(buf, len, "%10.6f  %-12s  %s", t->ts - l->t0, t->new_state, t->cause);
}

/* The I-th transition of side SERVER, or NULL. */
static const struct trans *
nth_of_side(const struct ladder *l, int server, size_t i)
{
	for (size_t k = 0; k < l->ntrs; k++)
		if (l->trs[k].server == server && i-- == 0)
			return &l->trs[k];
	return NULL;
}

int
ladder_timelines(sqlite3 *db, int64_t flow, FILE *out, char *err, size_t errlen)
{
	struct ladder_style plain = { 0, 0 };
	struct ladder l = { .style = &plain };
	char buf[160];
	int w = 6;

	if (ladder_load(db, flow, &l, err, errlen) != 0) {
		ladder_free(&l);
		return -1;
	}
	for (size_t k = 0; k < l.ntrs; k++) {
		timeline_entry(&l, &l.trs[k], buf, sizeof(buf));
		w = (int)output_strwidth(buf) > w ? (int)output_strwidth(buf) : w;
	}
	fprintf(out, "%-*s    %s\n", w, "client", "server");
	for (size_t i = 0;; i++) {
		const struct trans *c = nth_of_side(&l, 0, i), *s = nth_of_side(&l, 1, i);

		if (c == NULL && s == NULL)
			break;
		buf[0] = '\0';
		if (c != NULL)
			timeline_entry(&l, c, buf, sizeof(buf));
		fprintf(out, "%-*s", s != NULL ? w : 0, buf);
		if (s != NULL) {
			timeline_entry(&l, s, buf, sizeof(buf));
			fprintf(out, "    %s", buf);
		}
		fputc('\n', out);
	}
	ladder_free(&l);
	return 0;
}

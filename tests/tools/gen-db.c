/*
 * gen-db: write a synthetic but plausible tcpmortem database.
 *
 * The browser and the queries must stay instant at a million flows, and no
 * capture of that size ships with the sources, so this tool makes one.  It
 * creates the schema of src/schema.h and fills it with N flows drawn from a
 * weighted table of scenarios (clean closes by either side, refused, no
 * answer, lost FIN, stuck CLOSE-WAIT, reset, simultaneous close).  Each
 * scenario is a short script of segments; the script yields the ladder
 * (segments), both endpoints' timelines (transitions), the flow's outcome
 * columns and, for the faulty ones, a finding whose evidence frames point
 * into the ladder.  A fixed seed makes every run identical, so tests can
 * assert what the browser shows.
 *
 *   gen-db [-n FLOWS] [-s SEED] [--hostile] PATH
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "names.h"
#include "schema.h"
#include "store.h"

/* One line of a scenario: who sends what, and which state each side enters
 * on that segment (-1: none). */
struct gseg {
	char who;               /* 'c' or 's' */
	const char *flags;
	int len, count, retrans;
	int cst, sst;
};

struct scenario {
	int weight;
	const char *handshake, *close, *closer;
	int client_state, server_state;
	const char *kind;       /* finding on this flow, or NULL */
	int evidence[2];        /* script lines (1-based) cited by the finding */
	const char *detail;
	struct gseg seg[12];    /* ends with who == 0 */
};

#define C(s) TM_##s
#define HS_C(who, fl, l, n, cs, ss) { who, fl, l, n, 0, cs, ss }
#define OPEN3 \
	HS_C('c', "S", 0, 1, C(SYN_SENT), C(SYN_RECEIVED)), \
	HS_C('s', "S.", 0, 1, C(ESTABLISHED), -1), \
	HS_C('c', ".", 0, 1, -1, C(ESTABLISHED)), \
	HS_C('c', "P.", 312, 1, -1, -1), \
	HS_C('s', "P.", 1448, 9, -1, -1)

static const struct scenario scenarios[] = {
	{ 40, "complete", "fin", "client", C(TIME_WAIT), C(CLOSED), NULL, {0, 0}, NULL, {
		OPEN3,
		HS_C('c', "F.", 0, 1, C(FIN_WAIT_1), C(CLOSE_WAIT)),
		HS_C('s', ".", 0, 1, C(FIN_WAIT_2), -1),
		HS_C('s', "F.", 0, 1, C(TIME_WAIT), C(LAST_ACK)),
		HS_C('c', ".", 0, 1, -1, C(CLOSED)) } },
	{ 25, "complete", "fin", "server", C(CLOSED), C(TIME_WAIT), NULL, {0, 0}, NULL, {
		OPEN3,
		HS_C('s', "F.", 0, 1, C(CLOSE_WAIT), C(FIN_WAIT_1)),
		HS_C('c', "F.", 0, 1, C(LAST_ACK), C(CLOSING)),
		HS_C('s', ".", 0, 1, C(CLOSED), C(TIME_WAIT)) } },
	{ 8, "refused", "rst", NULL, C(CLOSED), C(CLOSED), "connection-refused", {1, 2},
	  "RST.ACK in reply to SYN", {
		HS_C('c', "S", 0, 1, C(SYN_SENT), -1),
		HS_C('s', "R.", 0, 1, C(CLOSED), -1) } },
	{ 6, "no-answer", "none", NULL, C(SYN_SENT), C(UNKNOWN), "handshake-timeout", {1, 3},
	  "SYN sent 3 times (gaps 1.0 s, 2.0 s); no SYN-ACK", {
		HS_C('c', "S", 0, 1, C(SYN_SENT), -1),
		{ 'c', "S", 0, 1, 1, -1, -1 },
		{ 'c', "S", 0, 1, 1, -1, -1 } } },
	{ 6, "complete", "half", "client", C(FIN_WAIT_1), C(ESTABLISHED), "fin-lost", {6, 7},
	  "wave 1 FIN retransmitted twice (gaps 0.21 s, 0.42 s); no ACK seen", {
		OPEN3,
		HS_C('c', "F.", 0, 1, C(FIN_WAIT_1), -1),
		{ 'c', "F.", 0, 2, 1, -1, -1 } } },
	{ 6, "complete", "half", "client", C(FIN_WAIT_2), C(CLOSE_WAIT), "close-wait-stuck", {6, 7},
	  "server acknowledged the FIN and sent no FIN for 31.2 s", {
		OPEN3,
		HS_C('c', "F.", 0, 1, C(FIN_WAIT_1), C(CLOSE_WAIT)),
		HS_C('s', ".", 0, 1, C(FIN_WAIT_2), -1) } },
	{ 6, "complete", "rst", "client", C(CLOSED), C(CLOSED), "abortive-close", {6, 6},
	  "client reset the connection in ESTABLISHED", {
		OPEN3,
		HS_C('c', "R.", 0, 1, C(CLOSED), C(CLOSED)) } },
	{ 3, "complete", "simultaneous", "both", C(TIME_WAIT), C(TIME_WAIT), "simultaneous-close",
	  {6, 7}, "both FINs crossed; both sides went through CLOSING", {
		OPEN3,
		HS_C('c', "F.", 0, 1, C(FIN_WAIT_1), -1),
		HS_C('s', "F.", 0, 1, C(CLOSING), C(FIN_WAIT_1)),
		HS_C('c', ".", 0, 1, C(TIME_WAIT), C(CLOSING)),
		HS_C('s', ".", 0, 1, -1, C(TIME_WAIT)) } },
};
#define NSCEN (sizeof scenarios / sizeof scenarios[0])

static const char *const servers[] = {
	"10.200.0.1", "10.200.0.2", "10.200.0.3", "192.168.7.20", "2001:db8::80",
};
static const int ports[] = { 80, 443, 8080, 5432, 6379 };

enum { ST_FLOW, ST_TRANS, ST_SEG, ST_FIND, ST_COUNT };
static const char *const sql[ST_COUNT] = {
	"INSERT INTO flows VALUES (?1,1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
	"?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,1,NULL,?25,?26)",
	"INSERT INTO transitions VALUES (?,?,?,?,?,?,?,?)",
	"INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO findings VALUES (NULL,1,?,?,?,?,?,?,?,?,'client','synthetic')",
};

struct gen {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	unsigned long long rng;
	int hostile;
	long long frame;        /* next frame number */
};

static unsigned
gen_rand(struct gen *g)
{
	g->rng = g->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(g->rng >> 33);
}

static const struct scenario *
gen_pick(struct gen *g)
{
	int total = 0, r;
	size_t i;

	for (i = 0; i < NSCEN; i++)
		total += scenarios[i].weight;
	r = (int)(gen_rand(g) % (unsigned)total);
	for (i = 0; r >= scenarios[i].weight; i++)
		r -= scenarios[i].weight;
	return &scenarios[i];
}

static int
gen_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The word a transition's cause uses for the segment's flags. */
static const char *
gen_flagword(const char *flags)
{
	static const struct { const char *flags, *word; } words[] = {
		{ "S", "SYN" }, { "S.", "SYN-ACK" }, { "F.", "FIN" },
		{ "R.", "RST" }, { ".", "ACK" }, { "P.", "data" },
	};
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i].flags, flags) == 0)
			return words[i].word;
	return flags;
}

static int
gen_transition(struct gen *g, long long flow, int *tseq, int side, int *cur,
    int to, double ts, long long frame, const struct gseg *s)
{
	sqlite3_stmt *st = g->st[ST_TRANS];
	char cause[32];
	int sent = (s->who == 'c') == (side == 0);

	snprintf(cause, sizeof cause, "%s %s", sent ? "send" : "recv",
	    gen_flagword(s->flags));
	sqlite3_bind_int64(st, 1, flow);
	sqlite3_bind_text(st, 2, side == 0 ? "client" : "server", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (*tseq)++);
	sqlite3_bind_double(st, 4, ts);
	sqlite3_bind_text(st, 5, state_name((enum tm_state)*cur), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, state_name((enum tm_state)to), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, frame);
	sqlite3_bind_text(st, 8, cause, -1, SQLITE_TRANSIENT);
	*cur = to;
	return gen_step(st);
}

static int
gen_segment(struct gen *g, long long flow, int n, const struct gseg *s,
    double ts, long long frame, long long *relseq)
{
	sqlite3_stmt *st = g->st[ST_SEG];
	int c = s->who == 'c';
	int len = s->len * s->count;

	sqlite3_bind_int64(st, 1, flow);
	sqlite3_bind_int(st, 2, n);
	sqlite3_bind_int64(st, 3, frame);
	sqlite3_bind_int64(st, 4, frame + s->count - 1);
	sqlite3_bind_double(st, 5, ts);
	sqlite3_bind_double(st, 6, ts + 0.0001 * (s->count - 1));
	sqlite3_bind_text(st, 7, c ? "client" : "server", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, s->flags, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, relseq[!c]);
	sqlite3_bind_int64(st, 10, strchr(s->flags, '.') ? relseq[c] : 0);
	sqlite3_bind_int(st, 11, len);
	sqlite3_bind_int(st, 12, 64240);
	sqlite3_bind_int(st, 13, s->count);
	sqlite3_bind_int(st, 14, s->retrans);
	if (!s->retrans)
		relseq[!c] += len + (strchr(s->flags, 'S') || strchr(s->flags, 'F'));
	return gen_step(st);
}

/* Totals of a flow's ladder, filled while its segments are written. */
struct tally {
	long long pk[2], by[2];
	long long first_frame, last_frame;
	double last_ts;
	long long ev[2];        /* evidence frames */
};

static int
gen_ladder(struct gen *g, long long flow, const struct scenario *sc,
    double t0, struct tally *t)
{
	long long relseq[2] = { 0, 0 };
	int cur[2] = { TM_CLOSED, TM_LISTEN }, tseq = 0, n, side;
	double ts = t0;

	t->first_frame = g->frame;
	for (n = 0; sc->seg[n].who; n++) {
		const struct gseg *s = &sc->seg[n];
		int to[2] = { s->cst, s->sst }, c = s->who == 'c';

		if (gen_segment(g, flow, n, s, ts, g->frame, relseq) < 0)
			return -1;
		for (side = 0; side < 2; side++)
			if (to[side] >= 0 && gen_transition(g, flow, &tseq, side,
			    &cur[side], to[side], ts, g->frame, s) < 0)
				return -1;
		if (n + 1 == sc->evidence[0])
			t->ev[0] = g->frame;
		if (n + 1 == sc->evidence[1])
			t->ev[1] = g->frame + s->count - 1;
		t->pk[!c] += s->count;
		t->by[!c] += (long long)s->len * s->count;
		g->frame += s->count;
		t->last_ts = ts;
		ts += s->retrans ? 0.2 * (1 << n % 4) : 0.0005 + (gen_rand(g) % 900) / 1e4;
	}
	t->last_frame = g->frame - 1;
	return 0;
}

static int
gen_finding(struct gen *g, long long flow, const struct scenario *sc,
    const char *host, int port, double ts, const struct tally *t)
{
	sqlite3_stmt *st = g->st[ST_FIND];
	char frames[64];

	snprintf(frames, sizeof frames, "[%lld,%lld]", t->ev[0], t->ev[1]);
	sqlite3_bind_text(st, 1, sc->kind, -1, SQLITE_STATIC);
	if (flow > 0)
		sqlite3_bind_int64(st, 2, flow);
	sqlite3_bind_text(st, 3, flow > 0 ? "client" : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, ts);
	sqlite3_bind_text(st, 5, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, port);
	sqlite3_bind_text(st, 7, frames, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, sc->detail, -1, SQLITE_STATIC);
	return gen_step(st);
}

static void
gen_bind_texts(sqlite3_stmt *st, int first, const char *const *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sqlite3_bind_text(st, first + i, v[i], -1, SQLITE_TRANSIENT);
}

static int
gen_flow(struct gen *g, long long id, double t0)
{
	const struct scenario *sc = gen_pick(g);
	sqlite3_stmt *st = g->st[ST_FLOW];
	struct tally t = { { 0, 0 }, { 0, 0 }, 0, 0, 0, { 0, 0 } };
	unsigned si = gen_rand(g) % 5;
	char client[48];
	const char *outcome[5];
	int cport = 32768 + (int)(id % 28000);

	if (si == 4)
		snprintf(client, sizeof client, "2001:db8:1::%llx", id % 4000 + 1);
	else
		snprintf(client, sizeof client, "10.%lld.%lld.%lld", id / 65536 % 100,
		    id / 256 % 256, id % 254 + 1);
	if (gen_ladder(g, id, sc, t0, &t) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, si == 4 ? 6 : 4);
	sqlite3_bind_text(st, 3, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, cport);
	sqlite3_bind_text(st, 5, servers[si], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, ports[si]);
	sqlite3_bind_double(st, 7, t0);
	sqlite3_bind_double(st, 8, t.last_ts);
	sqlite3_bind_double(st, 9, t.last_ts - t0);
	sqlite3_bind_int64(st, 10, t.first_frame);
	sqlite3_bind_int64(st, 11, t.last_frame);
	sqlite3_bind_int64(st, 12, t.pk[0] + t.pk[1]);
	sqlite3_bind_int64(st, 13, t.by[0] + t.by[1]);
	sqlite3_bind_int64(st, 14, t.pk[0]);
	sqlite3_bind_int64(st, 15, t.by[0]);
	sqlite3_bind_int64(st, 16, t.pk[1]);
	sqlite3_bind_int64(st, 17, t.by[1]);
	outcome[0] = sc->handshake;
	outcome[1] = sc->close;
	outcome[2] = sc->closer;
	outcome[3] = state_name((enum tm_state)sc->client_state);
	outcome[4] = state_name((enum tm_state)sc->server_state);
	gen_bind_texts(st, 18, outcome, 5);
	sqlite3_bind_int64(st, 23, gen_rand(g));
	if (sc->seg[1].who == 's' && sc->seg[1].flags[0] == 'S')
		sqlite3_bind_int64(st, 24, gen_rand(g));
	sqlite3_bind_text(st, 25, strcmp(sc->close, "none") ? "closed" : "capture-end",
	    -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 26, sc->kind != NULL);
	if (gen_step(st) < 0)
		return -1;
	return sc->kind ? gen_finding(g, id, sc, client, cport, t.last_ts, &t) : 0;
}

static int
gen_exec(struct gen *g, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(g->db, q, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "gen-db: %s\n", msg ? msg : sqlite3_errmsg(g->db));
	sqlite3_free(msg);
	return -1;
}

/* The capture row, host-level findings, and (--hostile) text that tries to
 * drive the terminal, so that the browser's escaping can be checked. */
static int
gen_extras(struct gen *g, long long nflows, double t0, double t1)
{
	char q[1024];
	const char *path = g->hostile ? "synthetic\x1b[2J\x07.pcap" : "synthetic.pcap";

	snprintf(q, sizeof q, "INSERT INTO captures (id, path, source, profile, "
	    "status, packets, first_ts, last_ts, flows, analysed_at, tool_version) "
	    "VALUES (1, '%s', 'file', 'linux', 'complete', %lld, %.6f, %.6f, %lld, "
	    "%.6f, 'gen-db');", path, nflows * 9, t0, t1, nflows, t1);
	if (gen_exec(g, q) < 0)
		return -1;
	snprintf(q, sizeof q, "INSERT INTO findings VALUES (NULL, 1, 'time-wait-storm', "
	    "NULL, NULL, %.6f, '10.200.0.2', NULL, '[]', 'peak %lld concurrent "
	    "TIME-WAIT; the host closed 100%% of its connections', 'server', "
	    "'synthetic');", t1, nflows / 4 + 1);
	if (gen_exec(g, q) < 0)
		return -1;
	if (!g->hostile)
		return 0;
	snprintf(q, sizeof q, "INSERT INTO findings VALUES (NULL, 1, 'rst-injection-suspect', "
	    "1, 'server', %.6f, '10.200.0.1', 80, '[1]', "
	    "'evil' || char(27) || '[31mred' || char(7) || char(10) || 'x', 'server', 'synthetic');"
	    "UPDATE flows SET findings = findings + 1 WHERE id = 1;", t0);
	return gen_exec(g, q);
}

/* Timelines and ladders are written as rows of version 3's tables (in the
 * temp schema, where their names shadow the views), then folded into
 * flow_details by the upgrade's own SQL: the generator stays readable. */
static const char v3_tables[] =
"CREATE TEMP TABLE transitions (flow INTEGER, side TEXT, seq INTEGER, ts REAL,"
" old_state TEXT, new_state TEXT, frame INTEGER, cause TEXT,"
" PRIMARY KEY (flow, seq)) WITHOUT ROWID;"
"CREATE TEMP TABLE segments (flow INTEGER, seq INTEGER, frame INTEGER,"
" last_frame INTEGER, ts REAL, last_ts REAL, sender TEXT, flags TEXT,"
" rel_seq INTEGER, rel_ack INTEGER, len INTEGER, win INTEGER, count INTEGER,"
" retransmission INTEGER, PRIMARY KEY (flow, seq)) WITHOUT ROWID;";

static int
gen_prepare(struct gen *g)
{
	char q[64];
	int i;

	snprintf(q, sizeof q, "PRAGMA user_version = %d;", STORE_SCHEMA_VERSION);
	if (gen_exec(g, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;") < 0 ||
	    gen_exec(g, schema_sql) < 0 || gen_exec(g, q) < 0 ||
	    gen_exec(g, v3_tables) < 0)
		return -1;
	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v2(g->db, sql[i], -1, &g->st[i], NULL) != SQLITE_OK) {
			fprintf(stderr, "gen-db: %s\n", sqlite3_errmsg(g->db));
			return -1;
		}
	return 0;
}

static int
gen_run(struct gen *g, long long nflows)
{
	const double t0 = 1763786000.0;
	double ts = t0;
	long long id;

	if (gen_prepare(g) < 0 || gen_exec(g, "BEGIN") < 0)
		return -1;
	for (id = 1; id <= nflows; id++) {
		if (gen_flow(g, id, ts) < 0) {
			fprintf(stderr, "gen-db: flow %lld: %s\n", id, sqlite3_errmsg(g->db));
			return -1;
		}
		ts += (gen_rand(g) % 2000) / 1e5;
	}
	if (gen_extras(g, nflows, t0, ts) < 0)
		return -1;
	if (gen_exec(g, VIEWS_SQL_V3_TO_V4) < 0)
		return -1;
	return gen_exec(g, "COMMIT; PRAGMA optimize;");
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: gen-db [-n FLOWS] [-s SEED] [--hostile] PATH\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flows", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "hostile", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen g;
	long long nflows = 1000;
	int c, rc, i;

	memset(&g, 0, sizeof g);
	g.rng = 42;
	g.frame = 1;
	while ((c = getopt_long(argc, argv, "n:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': nflows = atoll(optarg); break;
		case 's': g.rng = strtoull(optarg, NULL, 0); break;
		case 'H': g.hostile = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc || nflows < 1) {
		usage(stderr);
		return 2;
	}
	remove(argv[optind]);
	if (sqlite3_open(argv[optind], &g.db) != SQLITE_OK) {
		fprintf(stderr, "gen-db: %s: %s\n", argv[optind], sqlite3_errmsg(g.db));
		return 3;
	}
	rc = gen_run(&g, nflows);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(g.st[i]);
	sqlite3_close(g.db);
	return rc < 0 ? 3 : 0;
}

/*
 * query.c: filters from the command line to a WHERE clause.
 *
 * Two tables do the work.  The option table says how each filter's value
 * is checked and normalised; the condition table says, per target table,
 * which SQL condition a filter adds.  A template's '?' marks all stand for
 * the same value and become one numbered parameter "?N", so "either end"
 * binds the address once.  Values are always bound, never pasted.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "names.h"
#include "netmatch.h"
#include "output.h"
#include "query.h"
#include "util.h"

typedef int (*value_parser)(const char *s, struct query_value *v);

static void
value_text(struct query_value *v, const char *s)
{
	v->is_text = 1;
	snprintf(v->text, sizeof(v->text), "%s", s);
}

/* A decimal integer in [MIN, MAX], all of S. */
static int
parse_range(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* An address, or a network "ADDR/LEN"; a network of one address is that
 * address. */
static int
parse_host(const char *s, struct query_value *v)
{
	struct tm_addr a;
	struct net n;
	char buf[64];

	if (strchr(s, '/') != NULL) {
		if (net_parse(s, &n) != 0)
			return -1;
		if (n.prefix < (n.addr.family == 6 ? 128 : 32)) {
			value_text(v, net_str(&n, buf, sizeof(buf)));
			v->is_net = 1;
			return 0;
		}
		a = n.addr;
	} else if (addr_parse(s, &a) != 0) {
		return -1;
	}
	value_text(v, addr_str(&a, buf, sizeof(buf)));
	return 0;
}

static int
parse_port(const char *s, struct query_value *v)
{
	return parse_range(s, 0, 65535, &v->i);
}

static int
parse_id(const char *s, struct query_value *v)
{
	return parse_range(s, 1, INT64_MAX, &v->i);
}

static int
parse_state(const char *s, struct query_value *v)
{
	int st = state_parse(s);

	if (st < 0)
		return -1;
	value_text(v, state_name((enum tm_state)st));
	return 0;
}

/* Kinds are open-ended (plugins add them), so only their shape is checked:
 * lower-case letters, digits and hyphens, as ANOMALIES.md spells them. */
static int
parse_kind(const char *s, struct query_value *v)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(v->text) || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return -1;
	value_text(v, s);
	return 0;
}

static int
parse_handshake(const char *s, struct query_value *v)
{
	int h = handshake_parse(s);

	if (h < 0)
		return -1;
	value_text(v, handshake_name((enum handshake)h));
	return 0;
}

static int
parse_close(const char *s, struct query_value *v)
{
	int c = close_parse(s);

	if (c < 0)
		return -1;
	value_text(v, close_name((enum close_type)c));
	return 0;
}

static int
parse_closer(const char *s, struct query_value *v)
{
	int c = closer_parse(s);

	if (c < 0)
		return -1;
	value_text(v, closer_name((enum closer)c));
	return 0;
}

static int
parse_side(const char *s, struct query_value *v)
{
	static const enum tm_side sides[] = { TM_CLIENT, TM_SERVER };

	for (size_t i = 0; i < 2; i++)
		if (strcmp(s, side_name(sides[i])) == 0) {
			value_text(v, side_name(sides[i]));
			return 0;
		}
	return -1;
}

static int
parse_when(const char *s, struct query_value *v)
{
	v->is_real = 1;
	return query_parse_time(s, &v->d);
}

static int
parse_seconds(const char *s, struct query_value *v)
{
	char *end;

	errno = 0;
	v->is_real = 1;
	v->d = strtod(s, &end);
	return (errno != 0 || end == s || *end != '\0' || !(v->d >= 0)) ? -1 : 0;
}

static const struct {
	const char *name;
	enum query_key key;
	value_parser parse;
	const char *expect;     /* for the error message */
} options[] = {
	{ "host", QF_HOST, parse_host, "an IPv4 or IPv6 address or a network ADDR/LEN" },
	{ "port", QF_PORT, parse_port, "a port number 0-65535" },
	{ "state", QF_STATE, parse_state, "a TCP state such as TIME-WAIT" },
	{ "kind", QF_KIND, parse_kind, "an anomaly kind such as fin-lost" },
	{ "capture", QF_CAPTURE, parse_id, "a capture id" },
	{ "flow", QF_FLOW, parse_id, "a flow id" },
	{ "since", QF_SINCE, parse_when, "Unix seconds or YYYY-MM-DD[ HH:MM[:SS]]" },
	{ "until", QF_UNTIL, parse_when, "Unix seconds or YYYY-MM-DD[ HH:MM[:SS]]" },
	{ "handshake", QF_HANDSHAKE, parse_handshake,
	  "complete, refused, no-answer, incomplete, simultaneous or midstream" },
	{ "close", QF_CLOSE, parse_close, "fin, half, simultaneous, rst or none" },
	{ "closer", QF_CLOSER, parse_closer, "client, server or both" },
	{ "min-duration", QF_MIN_DURATION, parse_seconds, "seconds" },
	{ "side", QF_SIDE, parse_side, "client or server" },
};

/* --sort COLUMN: what each name orders flows by. */
static const struct {
	const char *name;
	const char *expr;
} sorts[] = {
	{ "start", "f.first_ts" }, { "end", "f.last_ts" }, { "id", "f.id" },
	{ "duration", "f.duration" }, { "packets", "f.packets" },
	{ "bytes", "f.bytes" }, { "client", "f.client" }, { "server", "f.server" },
	{ "port", "f.server_port" }, { "capture", "f.capture" },
	{ "findings", "f.findings" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
query_sort_names(void)
{
	return "start, end, id, duration, packets, bytes, client, server, port, capture, findings";
}

void
query_init(struct query_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->sort = -1;
}

static int
set_special(struct query_filter *f, const char *name, const char *value,
    char *err, size_t errlen)
{
	int64_t n;

	if (strcmp(name, "limit") == 0) {
		if (parse_range(value, 1, INT32_MAX, &n) != 0) {
			snprintf(err, errlen, "--limit: '%s' is not a positive number", value);
			return -1;
		}
		f->limit = (long)n;
		return 0;
	}
	for (size_t i = 0; i < NELEM(sorts); i++)
		if (strcmp(value, sorts[i].name) == 0) {
			f->sort = (int)i;
			return 0;
		}
	snprintf(err, errlen, "--sort: '%s' is not one of %s", value, query_sort_names());
	return -1;
}

int
query_set(struct query_filter *f, const char *name, const char *value,
    char *err, size_t errlen)
{
	if (strcmp(name, "reverse") == 0) {
		f->reverse = 1;
		return 0;
	}
	if (strcmp(name, "limit") == 0 || strcmp(name, "sort") == 0)
		return set_special(f, name, value, err, errlen);
	for (size_t i = 0; i < NELEM(options); i++) {
		struct query_value v = { 0 };

		if (strcmp(name, options[i].name) != 0)
			continue;
		if (options[i].parse(value, &v) != 0) {
			snprintf(err, errlen, "--%s: '%.60s' is not %s", name, value,
			    options[i].expect);
			return -1;
		}
		v.set = 1;
		f->v[options[i].key] = v;
		return 0;
	}
	snprintf(err, errlen, "--%s: not a filter", name);
	return -1;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS]]", UTC. */
static int
parse_date(const char *s, double *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, m = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == ' ' || *s == 'T') {
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
			return -1;
		s += 1 + m;
		if (*s == ':' && (sscanf(s + 1, "%2d%n", &sec, &m) != 1 || m != 2))
			return -1;
		s += *s == ':' ? 3 : 0;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (double)timegm(&tm);
	return 0;
}

int
query_parse_time(const char *s, double *out)
{
	char *end;

	if (strchr(s, '-') != NULL)
		return parse_date(s, out);
	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(*out >= 0) || !isdigit((unsigned char)*s))
		return -1;
	return 0;
}

/* What each filter adds, per target; NULL where a filter does not apply.
 * A finding's filter on its flow is written from on_flow[] instead. */
static const char *const conditions[QF_COUNT][2] = {
	[QF_HOST] = { "(f.client = ? OR f.server = ?)", NULL },
	[QF_PORT] = { "(f.client_port = ? OR f.server_port = ?)", NULL },
	[QF_STATE] = { "(f.client_state = ? OR f.server_state = ?)", NULL },
	[QF_KIND] = { "f.id IN (SELECT flow FROM findings WHERE kind = ?)", "a.kind = ?" },
	[QF_CAPTURE] = { "f.capture = ?", "a.capture = ?" },
	[QF_FLOW] = { "f.id = ?", "a.flow = ?" },
	[QF_SINCE] = { "f.first_ts >= ?", "a.ts >= ?" },
	[QF_UNTIL] = { "f.first_ts <= ?", "a.ts <= ?" },
	[QF_HANDSHAKE] = { "f.handshake = ?", NULL },
	[QF_CLOSE] = { "f.close = ?", NULL },
	[QF_CLOSER] = { "f.closer = ?", NULL },
	[QF_MIN_DURATION] = { "f.duration >= ?", NULL },
	[QF_SIDE] = { NULL, "a.side = ?" },
};

/* The longest condition a filter writes, with room to spare. */
#define TEMPLATE_MAX 1024

/* --host NET: column C in the network, by a range of its index
 * (tm_net_first, tm_net_end) and then exactly (netmatch.h). */
#define IN_NET(c) "(" c " >= tm_net_first(?) AND " c " < tm_net_end(?) AND tm_net_has(?, " c "))"

static const char *const host_in_net[2] = { "(" IN_NET("f.client") " OR " IN_NET("f.server") ")",
	NULL };

/* A finding's filters on its flow: the condition on the flow's columns,
 * and what the finding itself may match instead (a host-level finding
 * names its host and port only). */
struct on_flow {
	const char *flow, *own;
};

static const struct on_flow on_flow[QF_COUNT] = {
	[QF_HOST] = { "client = ? OR server = ?", "a.host = ?" },
	[QF_PORT] = { "client_port = ? OR server_port = ?", "a.port = ?" },
	[QF_STATE] = { "client_state = ? OR server_state = ?", NULL },
	[QF_HANDSHAKE] = { "handshake = ?", NULL },
	[QF_CLOSE] = { "close = ?", NULL },
	[QF_CLOSER] = { "closer = ?", NULL },
	[QF_MIN_DURATION] = { "duration >= ?", NULL },
};

static const struct on_flow host_on_flow_in_net = {
	IN_NET("client") " OR " IN_NET("server"), IN_NET("a.host")
};

/* The condition filter K with value V adds for target T (NULL: none). */
static const char *
condition(int k, enum query_target t, const struct query_value *v)
{
	return k == QF_HOST && v->is_net ? host_in_net[t] : conditions[k][t];
}

/* Append TEMPLATE to *SQL with every '?' written as "?N". */
static void
append_condition(char **sql, size_t *cap, const char *template, int n)
{
	char num[16];
	size_t len = strlen(*sql);

	snprintf(num, sizeof(num), "?%d", n);
	for (const char *p = template; *p; p++) {
		const char *piece = *p == '?' ? num : (char[2]){ *p, '\0' };
		size_t k = strlen(piece);

		grow_array((void **)sql, cap, len + k + 1, 1);
		memcpy(*sql + len, piece, k + 1);
		len += k;
	}
}

/* sqlite3_progress_handler: interrupt once past the deadline. */
static int
past_deadline(void *deadline)
{
	return monotonic_seconds() > *(const double *)deadline;
}

int
query_step_within(sqlite3 *db, sqlite3_stmt *st, int ms)
{
	double deadline = monotonic_seconds() + ms / 1000.0;
	int rc;

	sqlite3_progress_handler(db, 1000, past_deadline, &deadline);
	rc = sqlite3_step(st);
	sqlite3_progress_handler(db, 0, NULL, NULL);
	return rc;
}

/* Whether fewer than QUERY_FEW_ROWS rows of FROM match WHERE, whose
 * parameters Q binds.  Without an ORDER BY, SQLite takes the filters'
 * indices, and the LIMIT stops a common value's count early.  Two common
 * filters whose rows rarely meet (a busy server's few TIME-WAITs) could
 * still read one's whole index, and the query would read it again: past
 * QUERY_PROBE_MS the count stops and the answer is "many", the plan SQLite
 * itself would have chosen. */
static int
few_rows(sqlite3 *db, const char *from, const char *where, const struct query_sql *q)
{
	char *sql = sqlite3_mprintf("SELECT count(*) FROM (SELECT 1 FROM %s%s LIMIT %d)",
	    from, where, QUERY_FEW_ROWS);
	sqlite3_stmt *st = NULL;
	int few = 0;

	if (sql != NULL && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    query_bind(st, q) == SQLITE_OK &&
	    query_step_within(db, st, QUERY_PROBE_MS) == SQLITE_ROW)
		few = sqlite3_column_int64(st, 0) < QUERY_FEW_ROWS;
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return few;
}

/* Filter K of a finding on its flow, in the form its flows call for
 * (query_build); BUF gets the template. */
static const char *
finding_on_flow(sqlite3 *db, int k, const struct query_value *v, char *buf, size_t len)
{
	const struct on_flow *of = k == QF_HOST && v->is_net ? &host_on_flow_in_net : &on_flow[k];
	struct query_sql one = { .nparams = 1, .params = { v } };
	char where[TEMPLATE_MAX / 2];
	int few = 1;

	if (db != NULL) {       /* counted with its value as ?1 */
		size_t cap = 1;
		char *w = xcalloc(cap, 1);

		snprintf(where, sizeof(where), " WHERE %s", of->flow);
		append_condition(&w, &cap, where, 1);
		few = few_rows(db, "flows", w, &one);
		free(w);
	}
	snprintf(where, sizeof(where), few ? "a.flow IN (SELECT id FROM flows WHERE %s)" :
	    "EXISTS (SELECT 1 FROM flows AS s WHERE s.id = a.flow AND (%s))", of->flow);
	if (of->own != NULL)
		snprintf(buf, len, "(%s OR %s)", of->own, where);
	else
		snprintf(buf, len, "%s", where);
	return buf;
}

/* TEMPLATE with a unary '+' before each of its flow columns ("f.x"),
 * which keeps SQLite from finding the rows through their indices. */
static const char *
without_index(const char *template, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *p = template; *p != '\0' && n + 2 < len; p++) {
		if (p[0] == 'f' && p[1] == '.' &&
		    (p == template || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			buf[n++] = '+';
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return buf;
}

_Static_assert(QF_COUNT <= 32, "a bit per filter");

/* Whether filter K of F alone matches few flows. */
static int
rare_filter(sqlite3 *db, const struct query_filter *f, int k)
{
	struct query_sql one = { .nparams = 1, .params = { &f->v[k] } };
	size_t cap = 1;
	char *w = xcalloc(cap, 1);
	int few;

	append_condition(&w, &cap, " WHERE ", 0);
	/* A kind's findings, fewer, are as many as its flows at least:
	 * counted in their index, where the IN list is made whole. */
	append_condition(&w, &cap, k == QF_KIND ? "kind = ?" :
	    condition(k, QUERY_FLOWS, &f->v[k]), 1);
	few = few_rows(db, k == QF_KIND ? "findings" : "flows AS f", w, &one);
	free(w);
	return few;
}

/*
 * The filters of F on flows that match few rows each (a bit per filter),
 * when two or more are set.  The count of them all together takes the
 * index of one, maybe a common one (a busy server's 130,000 flows, to
 * find its 20 in LAST-ACK); one filter that is rare alone makes them rare
 * together, and its own index is the way to them.  *PROBED gets the bits
 * of the filters counted.
 */
static unsigned
rare_filters(sqlite3 *db, const struct query_filter *f, unsigned *probed)
{
	unsigned rare = 0;
	int set = 0;

	*probed = 0;
	for (int k = 0; k < QF_COUNT; k++)
		set += f->v[k].set && condition(k, QUERY_FLOWS, &f->v[k]) != NULL;
	for (int k = 0; k < QF_COUNT && set >= 2 && db != NULL; k++) {
		if (!f->v[k].set || condition(k, QUERY_FLOWS, &f->v[k]) == NULL)
			continue;
		*probed |= 1u << k;
		if (rare_filter(db, f, k))
			rare |= 1u << k;
	}
	return rare;
}

/* A network that holds many flows: SQLite cannot tell how many rows an
 * index range holds, and took the network's (10.0.0.0/8: all million
 * flows read, tested and sorted for a screen, 4.7 s) where walking the
 * order finds a screen at once.  RARE and PROBED: from rare_filters. */
static int
common_net(sqlite3 *db, const struct query_filter *f, unsigned rare, unsigned probed)
{
	const unsigned host = 1u << QF_HOST;

	if (db == NULL || !f->v[QF_HOST].set || !f->v[QF_HOST].is_net || (rare & host))
		return 0;
	return (probed & host) || !rare_filter(db, f, QF_HOST);
}

/* RARE: filters whose indices are the way to the rows (rare_filters);
 * when it names any, the others are written without theirs, and so are
 * the filters of COMMON. */
static void
build_where(sqlite3 *db, const struct query_filter *f, enum query_target t,
    unsigned rare, unsigned common, struct query_sql *q)
{
	size_t cap = 16;
	char buf[TEMPLATE_MAX], plain[TEMPLATE_MAX];

	q->where = xcalloc(cap, 1);
	for (int k = 0; k < QF_COUNT; k++) {
		const char *c = condition(k, t, &f->v[k]);

		if (t == QUERY_FINDINGS && on_flow[k].flow != NULL && f->v[k].set)
			c = finding_on_flow(db, k, &f->v[k], buf, sizeof(buf));
		if (!f->v[k].set || c == NULL)
			continue;
		if ((rare != 0 && !(rare & 1u << k)) || (common & 1u << k))
			c = without_index(c, plain, sizeof(plain));
		append_condition(&q->where, &cap, q->nparams ? " AND " : " WHERE ", 0);
		q->params[q->nparams] = &f->v[k];
		q->nparams++;
		append_condition(&q->where, &cap, c, q->nparams);
	}
}

void
query_build(sqlite3 *db, const struct query_filter *f, enum query_target t,
    struct query_sql *q)
{
	char tail[160], sorted[160];
	const char *dir = f->reverse ? " DESC" : "";
	const char *col = t == QUERY_FINDINGS ? "a.ts" :
	    f->sort >= 0 ? sorts[f->sort].expr : "f.first_ts";
	const char *tie = t == QUERY_FINDINGS ? "a.id" : "f.id";
	unsigned probed = 0, rare = t == QUERY_FLOWS ? rare_filters(db, f, &probed) : 0;
	unsigned common = t == QUERY_FLOWS && common_net(db, f, rare, probed) ? 1u << QF_HOST : 0;
	int n, m;

	memset(q, 0, sizeof(*q));
	build_where(db, f, t, rare, common, q);
	n = snprintf(tail, sizeof(tail), " ORDER BY %s%s, %s%s", col, dir, tie, dir);
	m = snprintf(sorted, sizeof(sorted), " ORDER BY +%s%s, +%s%s", col, dir, tie, dir);
	if (f->limit > 0) {
		q->limit.set = 1;
		q->limit.i = f->limit;
		q->params[q->nparams++] = &q->limit;
		snprintf(tail + n, sizeof(tail) - (size_t)n, " LIMIT ?%d", q->nparams);
		snprintf(sorted + m, sizeof(sorted) - (size_t)m, " LIMIT ?%d", q->nparams);
	}
	/* An ORDER BY of "+col" is one no index can serve (query.h). */
	q->tail = xstrdup(db != NULL && t == QUERY_FLOWS && q->where[0] != '\0' &&
	    (rare != 0 || few_rows(db, "flows AS f", q->where, q)) ? sorted : tail);
}

int
query_bind(sqlite3_stmt *st, const struct query_sql *q)
{
	int n = sqlite3_bind_parameter_count(st);

	for (int i = 0; i < q->nparams && i < n; i++) {
		const struct query_value *v = q->params[i];
		int rc;

		if (v->is_text)
			rc = sqlite3_bind_text(st, i + 1, v->text, -1, SQLITE_TRANSIENT);
		else if (v->is_real)
			rc = sqlite3_bind_double(st, i + 1, v->d);
		else
			rc = sqlite3_bind_int64(st, i + 1, v->i);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

void
query_sql_free(struct query_sql *q)
{
	free(q->where);
	free(q->tail);
	q->where = q->tail = NULL;
}

/* One option of query_cli_parse; 0 or -1. */
static int
cli_option(struct query_cli *cli, int c, const char *name, const char *arg,
    char *err, size_t errlen)
{
	switch (c) {
	case 'd':
		cli->db = arg;
		return 0;
	case 'o':
		cli->format = output_format_parse(arg);
		if (cli->format < 0) {
			snprintf(err, errlen, "--format: '%.60s' is not table, csv or json", arg);
			return -1;
		}
		return 0;
	case 'h':
		cli->help = 1;
		return 0;
	case QUERY_OPT_FILTER:
		return query_set(&cli->filter, name, arg, err, errlen);
	}
	return -1;
}

int
query_cli_parse(struct query_cli *cli, int argc, char **argv,
    const char *shortopts, const struct option *opts, char *err, size_t errlen)
{
	int c, li;

	memset(cli, 0, sizeof(*cli));
	query_init(&cli->filter);
	cli->format = OUTPUT_TABLE;
	opterr = 0;
	optind = 1;
	while (li = -1, (c = getopt_long(argc, argv, shortopts, opts, &li)) != -1) {
		if (c == '?' || c == ':') {
			const char *what = argv[optind - 1];

			if (c == ':')
				snprintf(err, errlen, "%.60s: needs a value", what);
			else
				snprintf(err, errlen, "%.60s: unknown option; see --help", what);
			return -1;
		}
		if (cli_option(cli, c, li >= 0 ? opts[li].name : "", optarg, err, errlen) != 0)
			return -1;
	}
	cli->first_arg = optind;
	return 0;
}

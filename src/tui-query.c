/*
 * tui-query.c: the SQL behind the list screens, built from data.
 *
 * Keyset pagination: a page is "the next N rows after the last one shown",
 * written as a row-value comparison on the sort columns with the unique id
 * last, so SQLite walks an index from that point and reads N rows whatever
 * the table's size.  OFFSET would read and throw away every row before the
 * page.  Going backwards flips the comparison and the order; the caller
 * reverses what it gets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "netmatch.h"
#include "tui.h"

/* Append to BUF at *N; -1 once it no longer fits. */
static int
qcat(char *buf, size_t len, size_t *n, const char *s)
{
	size_t l = strlen(s);

	if (*n + l + 1 > len)
		return -1;
	memcpy(buf + *n, s, l + 1);
	*n += l;
	return 0;
}

/* "k1, k2, id" with SUFFIX (" DESC") after each, or "?, ?, ?". */
static int
qlist(const struct tui_qspec *q, int marks, const char *suffix, char *buf,
    size_t len, size_t *n)
{
	int i, rc = 0;

	for (i = 0; i < q->nkeys; i++) {
		rc |= qcat(buf, len, n, i ? ", " : "");
		rc |= qcat(buf, len, n, marks ? "?" : q->keys[i]);
		rc |= qcat(buf, len, n, suffix);
	}
	return rc;
}

int
tui_query_build(const struct tui_qspec *q, enum tui_dir dir, const char *extra,
    char *buf, size_t len)
{
	/* ascending walk?  BEFORE and LAST walk the order backwards. */
	int back = dir == DIR_BEFORE || dir == DIR_LAST;
	int asc = (!q->desc) != back;
	static const char *const cmp[2][3] = {
		/* [asc][dir]: FROM, AFTER, BEFORE */
		{ " <= ", " < ", " > " }, { " >= ", " > ", " < " },
	};
	size_t n = 0;
	int rc = 0, conds = 0;

	rc |= qcat(buf, len, &n, "SELECT ");
	rc |= qcat(buf, len, &n, q->select);
	rc |= qcat(buf, len, &n, ", ");
	rc |= qlist(q, 0, "", buf, len, &n);
	rc |= qcat(buf, len, &n, " FROM ");
	rc |= qcat(buf, len, &n, q->from);
	if (q->where[0]) {
		rc |= qcat(buf, len, &n, " WHERE (");
		rc |= qcat(buf, len, &n, q->where);
		rc |= qcat(buf, len, &n, ")");
		conds++;
	}
	if (dir == DIR_FROM || dir == DIR_AFTER || dir == DIR_BEFORE) {
		rc |= qcat(buf, len, &n, conds++ ? " AND (" : " WHERE (");
		rc |= qlist(q, 0, "", buf, len, &n);
		rc |= qcat(buf, len, &n, ")");
		rc |= qcat(buf, len, &n, cmp[q->desc ? 0 : 1][dir - DIR_FROM]);
		rc |= qcat(buf, len, &n, "(");
		rc |= qlist(q, 1, "", buf, len, &n);
		rc |= qcat(buf, len, &n, ")");
	}
	if (extra) {
		rc |= qcat(buf, len, &n, conds++ ? " AND (" : " WHERE (");
		rc |= qcat(buf, len, &n, extra);
		rc |= qcat(buf, len, &n, ")");
	}
	rc |= qcat(buf, len, &n, " ORDER BY ");
	rc |= qlist(q, 0, asc ? "" : " DESC", buf, len, &n);
	rc |= qcat(buf, len, &n, " LIMIT ?");
	return rc ? -1 : 0;
}

/* ---- the flow filter line -------------------------------------------- */

enum fword { FW_HOST, FW_PORT, FW_STATE, FW_KIND, FW_CLOSE, FW_SPORT, FW_NET, FW_COUNT };

/* Either end in a network: through the address indices by the text range
 * the network's addresses share, then exactly (netmatch.h). */
#define NET_END(walk, c) "(" walk c " >= tm_net_first(?) AND " walk c \
	" < tm_net_end(?) AND tm_net_has(?, " walk c "))"
#define NET_EITHER(walk) "(" NET_END(walk, "client") " OR " NET_END(walk, "server") ")"

/*
 * Each kind of word: its prefix and the condition it adds (one ? per bind),
 * in two forms.  The index form lets SQLite find the few matching rows
 * through an index and sort them; the walk form hides the columns from the
 * planner (unary +) so that it walks the sort order's index and tests each
 * row, which stops after one page when matches are common.  The caller
 * picks one by probing how many rows match (tui-flows.c).
 */
static const struct {
	const char *prefix;
	const char *sql[2];     /* [walk] */
	int nbind;
} fwords[FW_COUNT] = {
	[FW_HOST] = { "host:", { "(client GLOB ? OR server GLOB ?)",
		"(+client GLOB ? OR +server GLOB ?)" }, 2 },
	[FW_PORT] = { "port:", { "(server_port = ? OR client_port = ?)",
		"(+server_port = ? OR +client_port = ?)" }, 2 },
	[FW_STATE] = { "state:", { "(client_state = ? OR server_state = ?)",
		"(+client_state = ? OR +server_state = ?)" }, 2 },
	/* The index form is only used when fewer than TUI_PROBE_ROWS flows
	 * match, so its list is complete; the LIMIT keeps the probe short. */
	[FW_KIND] = { "kind:", { "id IN (SELECT DISTINCT flow FROM findings WHERE kind = ? "
		"LIMIT " TUI_PROBE_STR ")",
		"EXISTS (SELECT 1 FROM findings WHERE flow = flows.id AND kind = ?)" }, 1 },
	[FW_CLOSE] = { "close:", { "close = ?", "+close = ?" }, 1 },
	/* A bare number is the service's port: flows_server_port finds it
	 * at once, where either side's port would need a scan. */
	[FW_SPORT] = { "sport:", { "server_port = ?", "+server_port = ?" }, 1 },
	[FW_NET] = { "net:", { NET_EITHER(""), NET_EITHER("+") }, 6 },
};

/* What a bare word is: a server port number, a state, a close type, a kind
 * (lower case with a hyphen), a network (ADDR/LEN), else the start of an
 * address. */
static enum fword
filter_guess(const char *w)
{
	char *end;
	long v = strtol(w, &end, 10);

	if (strchr(w, '/'))
		return FW_NET;
	if (*w && *end == '\0' && v >= 0 && v <= 65535)
		return FW_SPORT;
	if (state_parse(w) >= 0)
		return FW_STATE;
	if (close_parse(w) >= 0 && strcmp(w, "none") != 0)
		return FW_CLOSE;
	if (strchr(w, '-') && !strchr(w, ':') && !strchr(w, '.'))
		return FW_KIND;
	return FW_HOST;
}

/* Bind value of word W of kind K into B; -1 if it is not valid. */
static int
filter_value(enum fword k, const char *w, struct tui_bind *b)
{
	struct net net;
	char *end;
	int st;

	memset(b, 0, sizeof *b);
	switch (k) {
	case FW_PORT:
	case FW_SPORT:
		b->is_int = 1;
		b->i = strtol(w, &end, 10);
		return *w && *end == '\0' && b->i >= 0 && b->i <= 65535 ? 0 : -1;
	case FW_STATE:
		if ((st = state_parse(w)) < 0)
			return -1;
		snprintf(b->s, sizeof b->s, "%s", state_name((enum tm_state)st));
		return 0;
	case FW_NET:
		if (net_parse(w, &net) != 0)
			return -1;
		net_str(&net, b->s, sizeof b->s);
		return 0;
	case FW_HOST:
		/* GLOB, not LIKE: case-sensitive, so SQLite can range-scan the
		 * address indexes for the prefix; the word's own wildcards are
		 * dropped rather than trusted. */
		if (strpbrk(w, "*?[]"))
			return -1;
		snprintf(b->s, sizeof b->s, "%s*", w);
		return 0;
	default:
		snprintf(b->s, sizeof b->s, "%s", w);
		return 0;
	}
}

static int
filter_word(const char *w, int walk, struct tui_qspec *q, char *err, size_t errlen)
{
	enum fword k = FW_COUNT;
	struct tui_bind b;
	int i;

	for (i = 0; i < FW_COUNT; i++)
		if (strncmp(w, fwords[i].prefix, strlen(fwords[i].prefix)) == 0)
			k = (enum fword)i, w += strlen(fwords[i].prefix);
	if (k == FW_COUNT || (k == FW_HOST && strchr(w, '/')))
		k = filter_guess(w);
	if (filter_value(k, w, &b) < 0 || q->nbinds + fwords[k].nbind > TUI_MAX_BINDS ||
	    strlen(q->where) + strlen(fwords[k].sql[walk]) + 8 > sizeof q->where) {
		if (err && errlen > 0) {        /* "99999: not a port" */
			snprintf(err, errlen, "%s: not a %.*s", w,
			    (int)strlen(fwords[k].prefix) - 1, fwords[k].prefix);
		}
		return -1;
	}
	if (q->where[0])
		strcat(q->where, " AND ");
	strcat(q->where, fwords[k].sql[walk]);
	for (i = 0; i < fwords[k].nbind; i++)
		q->binds[q->nbinds++] = b;
	return 0;
}

int
tui_filter_flows(const char *text, int walk, struct tui_qspec *q, char *err,
    size_t errlen)
{
	char copy[256], *w, *save = NULL;

	q->where[0] = '\0';
	q->nbinds = 0;
	snprintf(copy, sizeof copy, "%s", text);
	for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (filter_word(w, walk != 0, q, err, errlen) < 0) {
			q->where[0] = '\0';
			q->nbinds = 0;
			return -1;
		}
	return 0;
}

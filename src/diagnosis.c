/*
 * diagnosis.c: the rule table behind summary's plain-words diagnosis.
 *
 * Each rule applies to one scope, fires when its share or count passes a
 * threshold, and writes one sentence.  Shares need a minimum number of
 * flows (MIN_FLOWS) so that a single connection does not make a pattern.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"
#include "util.h"

#define MIN_FLOWS 3

const char *const diag_scope_names[DIAG_SCOPE_COUNT] = { "capture", "server", "client" };
const char *const diag_dim_names[DIM_COUNT] = {
	"handshake", "close", "closer", "client_state", "server_state", "findings"
};
const char *const diag_damage_names[DMG_COUNT] = {
	"fragments", "truncated", "malformed", "drops", "evicted_flows", "aggregated_flows"
};

long
diag_count(const struct diag_group *g, enum diag_dim dim, const char *name)
{
	for (size_t i = 0; i < g->ncounts[dim]; i++)
		if (strcmp(g->counts[dim][i].name, name) == 0)
			return g->counts[dim][i].n;
	return 0;
}

void
diag_add(struct diag_group *g, enum diag_dim dim, const char *name, long n)
{
	struct diag_count *c;
	size_t last = g->last[dim];

	/* A group's flows mostly repeat the value before: try it first. */
	if (last < g->ncounts[dim] && strcmp(g->counts[dim][last].name, name) == 0) {
		g->counts[dim][last].n += n;
		return;
	}
	for (size_t i = 0; i < g->ncounts[dim]; i++)
		if (strcmp(g->counts[dim][i].name, name) == 0) {
			g->counts[dim][i].n += n;
			g->last[dim] = i;
			return;
		}
	grow_array((void **)&g->counts[dim], &g->cap[dim], g->ncounts[dim] + 1, sizeof(*c));
	g->last[dim] = g->ncounts[dim];
	c = &g->counts[dim][g->ncounts[dim]++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->n = n;
}

static int
by_count(const void *a, const void *b)
{
	const struct diag_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
diag_sort(struct diag_group *g)
{
	for (int d = 0; d < DIM_COUNT; d++)
		if (g->ncounts[d] > 1)
			qsort(g->counts[d], g->ncounts[d], sizeof(*g->counts[d]), by_count);
}

void
diag_free(struct diag_group *g)
{
	for (int d = 0; d < DIM_COUNT; d++) {
		free(g->counts[d]);
		g->counts[d] = NULL;
		g->ncounts[d] = g->cap[d] = g->last[d] = 0;
	}
}

/* A rule: its scope, what it counts, and the share (percent) or count at
 * which it fires; the sentence gets the group's name, the count and the
 * percentage. */
struct rule {
	enum diag_scope scope;
	enum diag_dim dim;
	const char *value;
	int min_percent;        /* share of the group's flows, or 0 */
	long min_count;
	const char *text;       /* {name}, {n} (the count), {s} (plural), {pct} */
};

static const struct rule rules[] = {
	{ DIAG_SERVER, DIM_CLOSER, "server", 80, MIN_FLOWS,
	  "server closes {pct}% of connections: TIME-WAIT piles up on {name} (HTTP keep-alive off?)" },
	{ DIAG_SERVER, DIM_SERVER_STATE, "CLOSE-WAIT", 0, 1,
	  "{n} connection{s} to {name} stuck in CLOSE-WAIT: the application never calls close()" },
	{ DIAG_SERVER, DIM_HANDSHAKE, "no-answer", 10, 1,
	  "SYNs to {name} unanswered ({pct}%): listener down, firewall, or a full backlog"
	  " (tcp_max_syn_backlog, tcp_syncookies)" },
	{ DIAG_SERVER, DIM_HANDSHAKE, "refused", 10, 1,
	  "{n} connection{s} to {name} refused ({pct}%): nothing listens on that port (RST to SYN)" },
	{ DIAG_SERVER, DIM_CLOSE, "rst", 30, MIN_FLOWS,
	  "{pct}% of connections to {name} end with RST: an application abort or SO_LINGER 0" },
	{ DIAG_SERVER, DIM_FINDINGS, "syn-flood", 0, 1,
	  "SYN flood against {name} ({n} episode{s}): see `tcpmortem anomalies --kind syn-flood`;"
	  " tcp_syncookies, tcp_max_syn_backlog" },
	{ DIAG_CLIENT, DIM_CLIENT_STATE, "TIME-WAIT", 80, 50,
	  "client {name} holds {n} connections in TIME-WAIT ({pct}%): it closes first;"
	  " reuse connections, or tcp_tw_reuse, ip_local_port_range" },
	{ DIAG_CLIENT, DIM_CLIENT_STATE, "CLOSE-WAIT", 0, 1,
	  "client {name} left {n} connection{s} in CLOSE-WAIT: the application never calls close()" },
	{ DIAG_CLIENT, DIM_FINDINGS, "port-exhaustion-risk", 0, 1,
	  "client {name} is running out of ephemeral ports (ip_local_port_range, tcp_tw_reuse)" },
	{ DIAG_CAPTURE, DIM_FINDINGS, "fin-wait-2-timeout", 0, 1,
	  "{n} connection{s} sat in FIN-WAIT-2 past tcp_fin_timeout: the peer never sent its FIN" },
	{ DIAG_CAPTURE, DIM_FINDINGS, "fin-lost", 0, 1,
	  "{n} connection{s} lost a FIN and sent it again: packet loss on the path"
	  " (tcp_orphan_retries)" },
	{ DIAG_CAPTURE, DIM_FINDINGS, "syn-retransmit", 0, 1,
	  "{n} connection{s} had to retransmit the SYN: the SYN or its SYN-ACK was lost"
	  " (tcp_syn_retries)" },
	{ DIAG_CAPTURE, DIM_FINDINGS, "syn-flood", 0, 1,
	  "{n} SYN flood episode{s}: see `tcpmortem anomalies --kind syn-flood`"
	  " (tcp_syncookies, tcp_max_syn_backlog)" },
	{ DIAG_CAPTURE, DIM_FINDINGS, "time-wait-storm", 0, 1,
	  "{n} TIME-WAIT storm{s}: one host closes first on very many connections"
	  " (keep-alive off? tcp_tw_reuse, ip_local_port_range)" },
	{ DIAG_CAPTURE, DIM_FINDINGS, "time-wait-assassination", 0, 1,
	  "{n} TIME-WAIT socket{s} ended early by a RST (RFC 1337; net.ipv4.tcp_rfc1337)" },
	{ DIAG_CAPTURE, DIM_FINDINGS, "port-reuse-in-time-wait", 0, 1,
	  "{n} connection{s} reused a 4-tuple still in TIME-WAIT (tcp_tw_reuse, RFC 6191)" },
	{ DIAG_CAPTURE, DIM_FINDINGS, "rst-injection-suspect", 0, 1,
	  "{n} RST{s} out of window or ignored by the peer: a middlebox may be injecting them" },
};

/* Capture damage that makes the other conclusions less certain. */
static const struct {
	enum diag_damage what;
	const char *text;
} damage_rules[] = {
	{ DMG_DROPS, "the kernel dropped {n} packet{s}: some findings may be artefacts"
	  " (capture with a larger buffer, -B)" },
	{ DMG_TRUNCATED, "{n} packet{s} cut by the snaplen: capture with -s 0" },
	{ DMG_EVICTED, "{n} flow{s} evicted under the memory limit: their ends are unknown" },
	{ DMG_AGGREGATED, "{n} connection{s} that never came to life (SYN floods, scans,"
	  " lone packets) counted, not stored, over the cap of --max-embryonic" },
	{ DMG_FRAGMENTS, "{n} IP fragment{s} skipped: TCP inside them was not analysed" },
};

/* Write TEXT into OUT with {name}, {n}, {s} and {pct} replaced. */
static void
rule_write(const char *text, const struct diag_group *g, long n, int pct,
    char *out, size_t len)
{
	size_t k = 0;

	while (*text != '\0' && k + 1 < len) {
		char num[24];
		const char *sub = NULL;

		if (strncmp(text, "{name}", 6) == 0)
			sub = g->name, text += 6;
		else if (strncmp(text, "{n}", 3) == 0)
			snprintf(num, sizeof(num), "%ld", n), sub = num, text += 3;
		else if (strncmp(text, "{s}", 3) == 0)
			sub = n == 1 ? "" : "s", text += 3;
		else if (strncmp(text, "{pct}", 5) == 0)
			snprintf(num, sizeof(num), "%d", pct), sub = num, text += 5;
		if (sub == NULL) {
			out[k++] = *text++;
			continue;
		}
		k += (size_t)snprintf(out + k, len - k, "%s", sub);
		if (k >= len)
			k = len - 1;
	}
	out[k] = '\0';
}

size_t
diagnosis_run(const struct diag_group *g, char *out, size_t len, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && k < max; i++) {
		const struct rule *r = &rules[i];
		long n = r->scope == g->scope ? diag_count(g, r->dim, r->value) : 0;
		int pct = g->flows > 0 ? (int)(100.0 * (double)n / (double)g->flows + 0.5) : 0;

		if (n < r->min_count || n == 0 || pct < r->min_percent ||
		    (r->min_percent > 0 && g->flows < MIN_FLOWS))
			continue;
		rule_write(r->text, g, n, pct, out + k * len, len);
		k++;
	}
	for (size_t i = 0; i < sizeof(damage_rules) / sizeof(damage_rules[0]) && k < max; i++) {
		long n = g->damage[damage_rules[i].what];

		if (g->scope != DIAG_CAPTURE || n <= 0)
			continue;
		rule_write(damage_rules[i].text, g, n, 0, out + k * len, len);
		k++;
	}
	return k;
}

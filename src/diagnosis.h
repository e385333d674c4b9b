/*
 * diagnosis.h: what `tcpmortem summary` concludes, in plain words.
 *
 * The summary counts each group of flows (one capture, one server
 * address:port, one client host) along a few dimensions; the diagnosis is
 * a table of rules over those counts, each a test and a sentence that
 * names the likely cause and the knob involved:
 *
 *   "server closes 97% of connections: TIME-WAIT piles up on 10.0.0.2:80
 *    (HTTP keep-alive off?)"
 */
#ifndef TM_DIAGNOSIS_H
#define TM_DIAGNOSIS_H

#include <stddef.h>

enum diag_scope { DIAG_CAPTURE, DIAG_SERVER, DIAG_CLIENT, DIAG_SCOPE_COUNT };

/* What is counted per group: flows by each column, findings by kind. */
enum diag_dim {
	DIM_HANDSHAKE, DIM_CLOSE, DIM_CLOSER, DIM_CLIENT_STATE, DIM_SERVER_STATE,
	DIM_FINDINGS, DIM_COUNT
};

/* A capture's damage counters (captures table). */
enum diag_damage {
	DMG_FRAGMENTS, DMG_TRUNCATED, DMG_MALFORMED, DMG_DROPS, DMG_EVICTED, DMG_AGGREGATED,
	DMG_COUNT
};

struct diag_count {
	char name[32];
	long n;
};

/* One group's counts; zero it to start, diag_free it when done. */
struct diag_group {
	enum diag_scope scope;
	char name[96];          /* "1", "10.0.0.2:80", "10.0.0.1" (escaped) */
	long flows;
	struct diag_count *counts[DIM_COUNT];
	size_t ncounts[DIM_COUNT], cap[DIM_COUNT];
	size_t last[DIM_COUNT]; /* the value diag_add met last (a hint) */
	long damage[DMG_COUNT]; /* capture scope only */
};

/* The JSON key / table label of each scope, dimension and damage counter. */
extern const char *const diag_scope_names[DIAG_SCOPE_COUNT];
extern const char *const diag_dim_names[DIM_COUNT];
extern const char *const diag_damage_names[DMG_COUNT];

/* How many flows of G have NAME in dimension DIM (0 if none). */
long diag_count(const struct diag_group *g, enum diag_dim dim, const char *name);

/* Add N to NAME's count in dimension DIM of G. */
void diag_add(struct diag_group *g, enum diag_dim dim, const char *name, long n);

/* Order each dimension's counts of G from the largest, ties by name. */
void diag_sort(struct diag_group *g);

/* Free G's counts (not G). */
void diag_free(struct diag_group *g);

/* Write up to MAX sentences about G into OUT (each LEN bytes); how many. */
size_t diagnosis_run(const struct diag_group *g, char *out, size_t len, size_t max);

#endif

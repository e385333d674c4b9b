/*
 * store.h: the SQLite database.
 *
 * One file holds captures, flows, both endpoints' state timelines, the
 * ladder segments and the findings; the schema is tcpmortem.db(5), versioned
 * with PRAGMA user_version.  The store refuses a file that is not a
 * tcpmortem database or that has a newer schema, and never touches it.
 *
 * Writing a capture is one transaction:
 *
 *   store_begin_capture ──> store_write_flow / store_write_finding ... ──>
 *       store_end_capture (COMMIT)   or   store_abort_capture (ROLLBACK)
 *
 * so an interrupted run leaves the database as it was.  Live capture calls
 * store_checkpoint, which commits what was written so far and opens the next
 * transaction; flows are written with their id, so a flow checkpointed while
 * open is replaced, not duplicated, when it is written again.  WAL mode
 * keeps readers (queries, the browser) from blocking the writer, except
 * during a bulk capture into a database that holds none, which is written
 * with a rollback journal (each page once; store.c, leave_wal).
 */
#ifndef TM_STORE_H
#define TM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "tcpmortem/detector.h"
#include "decode.h"
#include "flow.h"

#define STORE_SCHEMA_VERSION 4

enum store_mode { STORE_READ = 0, STORE_WRITE = 1 };

struct store;

/* What is known of a capture; written at begin and updated at end. */
struct capture_info {
	const char *path;
	int64_t size;           /* -1 for a pipe or live */
	int64_t mtime;          /* seconds; 0 if unknown */
	uint64_t digest;        /* reader_digest(); 0 until the end */
	const char *link_types;
	const char *source;     /* "file" or "live" */
	const char *interface;  /* live only */
	const char *profile;
	const char *vantage;    /* assumed or inferred */
	uint64_t packets, tcp_packets, bytes;
	tm_time_t first_ts, last_ts;
	uint64_t verdicts[DECODE_VERDICT_COUNT]; /* per decode verdict */
	uint64_t drops;         /* kernel drops (live) */
	uint64_t flows;
	uint64_t flows_evicted; /* written early under the cap on flows */
	uint64_t flows_aggregated; /* embryonic, counted not stored, under their cap */
	uint64_t peak_flows;
	uint64_t clock_leaps;   /* timestamps that leapt ahead, not trusted */
	uint64_t findings_elsewhere; /* detect_findings_elsewhere(): the flows'
	                         * findings counts need a pass over the findings */
	const char *status;     /* "running", "complete", "damaged", "interrupted" */
	int bulk;               /* no checkpoint: into an empty database, the
	                         * indices of flows and findings are built at
	                         * the end instead of row by row */
	uint64_t expected_flows; /* bulk, when known beforehand (a merge): at
	                         * least as many as are stored also builds
	                         * the indices at the end; 0 = unknown */
	const char *damage;     /* the reader's message when damaged, else NULL */
};

/* Open (and in STORE_WRITE mode create or migrate) the database at PATH.
 * Waits up to BUSY_MS for a lock.  NULL and "PATH: reason" in ERR on failure. */
struct store *store_open(const char *path, enum store_mode mode, int busy_ms,
    char *err, size_t errlen);
/* A new database at PATH (which must not exist) for one capture that
 * store_copy_part() moves into the real one: it is never read by anyone
 * else, so it keeps its rollback journal in memory and skips the fsyncs,
 * and the indices of flows and findings are dropped and not built again.
 * The caller unlinks PATH when done. */
struct store *store_open_scratch(const char *path, char *err, size_t errlen);

/* Roll back what is not committed and close S; S may be NULL. */
void store_close(struct store *s);
/* The connection, for the query modules to run their own SQL on. */
sqlite3 *store_db(struct store *s);

/* Whether S may be written now: takes the write lock (waiting as long as
 * any write would) and gives it back.  0, or -1 with ERR as the capture's
 * first write would have said it.  For a capture analysed apart, which
 * writes only at the end: a locked or read-only database is said at once,
 * not after the whole file was read. */
int store_try_write(struct store *s, char *err, size_t errlen);

/* Whether S holds any flow or finding (if it cannot tell, yes).  A bulk
 * capture into an empty file builds its indices once at the end; into one
 * that holds rows, analyze writes it apart first (parallel.h). */
int store_holds_rows(struct store *s);

/* A capture with the same path, size and mtime (or, when DIGEST is not 0,
 * the same digest) already stored: its id, else 0. */
int64_t store_find_capture(struct store *s, const char *path, int64_t size,
    int64_t mtime, uint64_t digest);

/* BEGIN IMMEDIATE and insert the capture row.  *ID gets its id and
 * *FLOW_ID_BASE the first flow id free (flow ids are base + ordinal).
 * With CI->bulk and no flow stored yet, the indices of flows and findings
 * are dropped, in the transaction, and store_end_capture builds them again:
 * about a third of the cost of writing a flow. */
int store_begin_capture(struct store *s, const struct capture_info *ci,
    int64_t *id, uint64_t *flow_id_base, char *err, size_t errlen);

/* Several captures in one run into a database that holds none (analyze
 * FILE FILE...): their flows and findings are appended to tables without
 * indices, and the indices built once, after the last, instead of after
 * each capture (four quarters of c10k: 5.7 s instead of 6.7).  Each
 * capture is still committed on its own; in between, readers see them
 * without indices (right, only slower), and the file keeps the rollback
 * journal of a first capture (leave_wal).  Returns 1 if the indices are
 * now held, 0 if the file holds rows already (nothing changes).  A run
 * killed before releasing leaves the indices to build to the next writer
 * that opens the file (meta's 'pending_indices'). */
int store_hold_indices(struct store *s);
/* Build the held indices and the planner's statistics in a transaction
 * of their own, and go back to WAL.  0; -1 with ERR (the captures stay
 * committed, the indices pending for the next writer). */
int store_release_indices(struct store *s, char *err, size_t errlen);

/* Write (insert or replace) flow F of capture CAPTURE with its timelines
 * and ladder. */
int store_write_flow(struct store *s, int64_t capture, const struct flow *f,
    char *err, size_t errlen);

/* Write a finding of detector DETECTOR. */
int store_write_finding(struct store *s, int64_t capture, const struct tm_finding *fd,
    const char *detector, char *err, size_t errlen);

/* Live: update the capture row with CI, COMMIT, BEGIN again. */
int store_checkpoint(struct store *s, int64_t capture, const struct capture_info *ci,
    char *err, size_t errlen);

/* Update the capture row with CI and COMMIT. */
int store_end_capture(struct store *s, int64_t capture, const struct capture_info *ci,
    char *err, size_t errlen);

/* Moving a capture analysed into a scratch store (PART, its path) into S:
 *
 *   store_attach_part ──> store_begin_capture ──> store_copy_part ──>
 *       store_end_capture or store_abort_capture ──> store_detach_part
 *
 * The copy, inside the capture's transaction, gives PART's flows,
 * timelines, ladders and findings to capture CAPTURE, each flow id (and
 * each reference to one) moved up by BASE, the first id free as
 * store_begin_capture returned it: the rows come out as those an analysis
 * straight into S would have written.  Attaching is not possible inside
 * a transaction, hence the separate steps. */
int store_attach_part(struct store *s, const char *part, char *err, size_t errlen);
int store_copy_part(struct store *s, int64_t capture, uint64_t base, char *err, size_t errlen);
void store_detach_part(struct store *s);

/* Inside the capture's transaction: delete capture ID with its flows,
 * timelines, segments and findings (analyze --force replacing it). */
int store_delete_capture(struct store *s, int64_t id, char *err, size_t errlen);

/* ROLLBACK everything since store_begin_capture (or the last checkpoint). */
void store_abort_capture(struct store *s);

#endif

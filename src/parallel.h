/*
 * parallel.h: several capture files analysed at once, stored in order.
 *
 * `tcpmortem analyze -j N FILE...` with two files or more.  Up to N files
 * are read at the same time, each by a worker thread with detectors of
 * its own, into a scratch database of its own beside the real one
 * (DB.part-PID-K, store_open_scratch).  The calling thread moves each
 * finished one into the database (analysis_merge), in the order the files
 * were given, as soon as it and every file before it are done:
 *
 *   worker 1:  file 1 ──> part 1 ┐      ┌ file 3 ──> part 3 ┐
 *   worker 2:  file 2 ──> part 2 ┼──┐   │                   │
 *   caller:               merge 1 ┘  merge 2 ──────── merge 3
 *
 * With -j 1 there is no thread: each file is analysed into its scratch
 * database and copied in, then the next.  analyze takes this path for a
 * file that goes into a database already holding captures, whatever -j
 * says: building its rows apart, without indices, and copying them in
 * with one INSERT ... SELECT per table took half the time of writing them
 * row by row into a dozen indices (c10k into a database holding
 * c10k-half: 11.3 s instead of 21.3, the system time 1.7 s instead of
 * 12.6, most of it the index pages going round the page cache).  Into a
 * database that held no rows when the run began, analyze holds the
 * indices over all the files (store_hold_indices): every merge appends to
 * tables without them, and they are built once after the last.
 *
 * Each capture is still one transaction of the database, numbered as if
 * the files had been analysed one after the other (-j 1): the same
 * capture, flow and finding ids, the same duplicates skipped, the same
 * copies replaced under --force, byte for byte the same rows apart from
 * analysed_at (tests/e2e/parallel.sh compares).  A worker runs at most
 * 2N files ahead of the merges, so scratch files on disk stay few.
 *
 * SIGINT, SIGTERM and SIGHUP stop the readers; what is merged stays, the
 * rest is thrown away with its scratch files.  Only SIGKILL leaves
 * DB.part-PID-K files behind (plain SQLite files, safe to delete).
 */
#ifndef TM_PARALLEL_H
#define TM_PARALLEL_H

#include <stddef.h>
#include "analysis.h"
#include "detect.h"
#include "store.h"

/* One file's outcome, in the order given.  RES is valid for ST other than
 * ANALYSIS_FAILED; ERR says why when the file could not be opened or
 * analysed (ST is then ANALYSIS_FAILED) or the database failed. */
typedef void (*parallel_done_fn)(void *ctx, const char *path, enum analysis_status st,
    const struct analysis_result *res, const char *err);

struct parallel_options {
	int jobs;                       /* files read at once; 1: one after another, here */
	const char *db_path;            /* the database: scratch files go beside it */
	const struct detect_options *detect; /* each worker loads its own */
	const struct analysis_options *analysis; /* progress: one line for all */
	parallel_done_fn done;
	void *ctx;
};

/* Analyse FILES (standard input, "-", at most once) into STORE, calling
 * O->done for each in order.  0; -1 with ERR if STORE cannot be written
 * (locked, read-only) or the workers could not start, before any file is
 * read; or the number of the signal that stopped it. */
int parallel_analyze(struct store *store, char *const *files, size_t nfiles,
    const struct parallel_options *o, char *err, size_t errlen);

#endif

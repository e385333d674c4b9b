/*
 * writer.h: the store's writes, on a thread of their own.
 *
 * Analysing a capture and writing it to SQLite cost about the same; on two
 * cores they can overlap.  The analysis hands each finished flow and each
 * finding to the writer, which writes them in the order given, in the
 * capture's one transaction, and hands the flows' memory back for reuse:
 *
 *   analysis thread ──> writer_flow / writer_finding ──> [queue] ──> writer
 *         ^                                                       thread ──> store
 *         └───────────── writer_take_written <── written flows ──┘
 *
 * The queue is bounded (WRITER_QUEUE items): when the database is slower
 * than the packets, the analysis waits, so memory stays bounded too.
 * A writer made with threads = 0 writes at once on the caller's thread
 * (one core, and live capture, whose checkpoints write flows that go on).
 *
 * The store is the writer's from writer_new until writer_finish returns:
 * the caller must not touch it in between.  The first failure stops the
 * writer; writer_failed then says so (cheaply, for every packet), and
 * writer_finish returns -1 with the store's message in ERR.
 */
#ifndef TM_WRITER_H
#define TM_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"
#include "store.h"

/* Each flow queued is held whole until written: 4096 kept up to 12 MiB of
 * them waiting while the writer caught up (c10k's peak: 6 MiB more than
 * with 1024), for no speed (bench/: c10k, c1m and flood). */
#define WRITER_QUEUE 1024
/* Items queued before an idle writer thread is woken. */
#define WRITER_BATCH 256

struct writer;

/* A writer of capture CAPTURE into S; threaded when THREADED is not 0 and
 * a thread can be started.  Never NULL. */
struct writer *writer_new(struct store *s, int64_t capture, int threaded);

/* Write flow F; the writer owns F from now on, until it hands it back
 * (writer_take_written).  0, or -1 once the writer has failed (F is handed
 * back all the same). */
int writer_flow(struct writer *w, struct flow *f);

/* The flows written since the last call, linked through node.hnext, the
 * caller's to reuse or flow_free: finished, stored, and no longer of any
 * use (their detectors' slots released).  NULL if none. */
struct flow *writer_take_written(struct writer *w);

/* Write flow F, which stays the caller's: on a threaded writer, waits until
 * everything queued before it is written (live checkpoints only). */
int writer_flow_copy(struct writer *w, const struct flow *f);

/* Write finding FD of detector DETECTOR (both copied). */
int writer_finding(struct writer *w, const struct tm_finding *fd, const char *detector);

/* Whether a write has failed. */
int writer_failed(const struct writer *w);

/* Wait until everything queued is written (the store is the caller's
 * again until the next write).  0, or -1 with the first failure in ERR. */
int writer_sync(struct writer *w, char *err, size_t errlen);

/* Write what is queued, stop the thread, free W.  0, or -1 with the first
 * failure in ERR. */
int writer_finish(struct writer *w, char *err, size_t errlen);

#endif

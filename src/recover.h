/*
 * recover.h: live captures whose writer is gone.
 *
 * A live capture commits its row with status 'running' at every checkpoint
 * and sets 'complete' when it stops.  A writer killed in between (kill -9,
 * a crash, the machine's OOM killer) leaves 'running' behind for good, and
 * the row would claim a capture that nobody is making.  So every writer
 * that opens the database looks for such rows and marks them
 * 'interrupted': they keep what their last checkpoint committed.
 *
 * Whether a writer is alive is asked of the kernel, not guessed from a pid
 * or a clock: each live writer holds an open file description lock
 * (F_OFD_SETLK) on one byte of the database file, at RECOVER_LOCK_BASE +
 * the capture id, and the kernel drops it when the process dies however it
 * dies.  WAL mode already requires every process of a database to share
 * one host, which is exactly the scope of these locks.  The bytes are far
 * past the ones SQLite locks (0x40000000 + 0..511) and past any real file;
 * locking beyond the end of a file is allowed and changes nothing in it.
 *
 * Between inserting its row and knowing its capture id a writer cannot
 * hold the id's byte yet, so it holds the STARTING byte (RECOVER_LOCK_BASE)
 * from before its row can be committed until it has taken the id's.  A
 * recoverer that finds STARTING held by another process leaves every row
 * alone this time: a later writer will look again.
 *
 *   writer:    recover_open ─> recover_starting ─> (row committed) ─>
 *              recover_claim(id) [drops STARTING] ─> ... ─> store_close ─>
 *              recover_close
 *   recoverer: recover_open ─> recover_orphans ─> ... ─> store_close ─>
 *              recover_close
 *
 * POSIX record locks of a process all vanish when it closes any descriptor
 * of the file, SQLite's included; OFD locks do not, which is why they are
 * used here, and why the descriptor opened here must stay open until the
 * store is closed (closing it earlier would drop SQLite's own locks).
 */
#ifndef TM_RECOVER_H
#define TM_RECOVER_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define RECOVER_LOCK_BASE ((int64_t)1 << 40)

struct recover;

/* A handle on the database file PATH, which must exist (call after
 * store_open).  Never NULL; when the file cannot be opened or the kernel
 * has no OFD locks, every call below does nothing and recovers nothing. */
struct recover *recover_open(const char *path);

/* Writer: hold the STARTING byte until recover_claim.  0, or -1. */
int recover_starting(struct recover *r);

/* Writer: hold capture ID's byte for as long as R is open, then let go
 * of STARTING.  Idempotent.  0, or -1 (and STARTING stays held). */
int recover_claim(struct recover *r, int64_t id);

/* Recoverer: in one write transaction on DB, mark 'interrupted' every
 * 'running' capture whose writer is gone.  Their ids go into IDS (up to
 * MAX).  Returns how many were marked (0 when another writer is starting
 * or the database is busy), or -1 with the reason in ERR. */
int recover_orphans(struct recover *r, sqlite3 *db, int64_t *ids, size_t max,
    char *err, size_t errlen);

/* Let go of every lock and close; only after store_close.  R may be NULL. */
void recover_close(struct recover *r);

#endif

/*
 * spill.h: packed records out of memory, in a file of their own.
 *
 * A connection closed with FINs stays in the flow table for the profile's
 * horizon (a minute of TIME-WAIT) in case a late FIN or a RST after
 * TIME-WAIT comes, and a busy capture closes thousands a second: packed,
 * they were most of the memory of an analysis, for connections that were
 * no longer open.  The flow packer (flowpack.h) writes those here and
 * keeps in memory only where they are; the few that a straggler brings
 * back are read again.
 *
 * The file is a temporary one, unlinked from the start (nothing is left
 * behind by a crash), in the directory given (the database's: a capture
 * worth spilling is a large one, and /tmp is often a small tmpfs).  It is
 * cut in segments of SPILL_SEGMENT bytes, filled one at a time in memory
 * and written whole; a segment whose every record has been taken back is
 * used again, so the file grows with the records held, not with the
 * capture.
 *
 *   spill_put ──> [segment being filled, in memory] ──full──> pwrite
 *   spill_take <── pread (or the segment in memory) <── where
 *
 * Nothing is lost to the disk: spill_put refuses a record it cannot keep
 * (the caller keeps it in memory), and a segment that cannot be written
 * stays in memory for good, its records readable.  Reading back a segment
 * written in this run fails only on an I/O error of the disk itself,
 * reported as such.
 */
#ifndef TM_SPILL_H
#define TM_SPILL_H

#include <stddef.h>
#include <stdint.h>

/* The segment being filled is all the file costs in memory: 1 MiB wrote
 * c10k as fast as 4 MiB, in 3 MiB less. */
#define SPILL_SEGMENT (1u << 20)
/* Larger records are refused: the caller keeps them. */
#define SPILL_MAX_RECORD (SPILL_SEGMENT / 8)

struct spill;

/* A spill file in DIR; NULL and the reason in ERR if none can be made. */
struct spill *spill_open(const char *dir, char *err, size_t errlen);

/* Close S (its file goes with it); S may be NULL. */
void spill_close(struct spill *s);

/* Keep LEN bytes at BYTES; 0 and *WHERE set, or -1 if refused (too large,
 * or writing has failed before). */
int spill_put(struct spill *s, const void *bytes, uint32_t len, uint64_t *where);

/* Copy the LEN bytes kept at WHERE into BUF and release them.  0, or -1
 * with the reason in ERR (a read error of the disk). */
int spill_take(struct spill *s, uint64_t where, uint32_t len, void *buf,
    char *err, size_t errlen);

/* Release the record at WHERE without reading it. */
void spill_drop(struct spill *s, uint64_t where);

/* Records held, and bytes the file holds on disk (for the statistics). */
uint64_t spill_records(const struct spill *s);
uint64_t spill_file_bytes(const struct spill *s);

#endif

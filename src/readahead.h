/*
 * readahead.h: a capture file read and decoded on a thread of its own.
 *
 * Reading a file (the kernel's copies into libpcap's buffer, libpcap's
 * into its records) and decoding its frames is a tenth of an analysis of
 * busy traffic and more where connections are short; on a second core it
 * overlaps with the connections' work.  The thread reads the reader to its
 * end, hands each frame to a take function (which counts and decodes it)
 * and queues the TCP packets in batches, in capture order:
 *
 *   reader ──> take(frame) ──> [batch][batch]... ──> readahead_next ──> caller
 *   └───────── the readahead's thread ─────────┘                  (its thread)
 *
 * At most READAHEAD_BATCHES batches wait: an analysis slower than the
 * reading stops it, so memory stays bounded.  The reader, and whatever the
 * take function writes, belong to the thread from readahead_start until
 * readahead_finish returns; the caller must not touch them in between.
 *
 * For files only: a live interface is read on the analysis thread, which
 * must see the wall clock between packets (checkpoints, idle polls).
 */
#ifndef TM_READAHEAD_H
#define TM_READAHEAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "decode.h"
#include "reader.h"

/* Batches of READAHEAD_BATCH packets (about 50 KiB each, so that one
 * being filled and one being read stay in the two cores' caches). */
#define READAHEAD_BATCHES 8
#define READAHEAD_BATCH 512
/* Free batches a full ring waits for before the reading goes on. */
#define READAHEAD_REFILL 4

struct readahead;

struct readahead_options {
	atomic_int *stop;       /* reading stops when it is set; may be NULL */
	/* Counts frame FR and decodes it into *P; returns non-zero when *P is
	 * a packet to queue.  Called on the readahead's thread. */
	int (*take)(void *ctx, const struct frame *fr, struct packet *p);
	void *ctx;
};

/* Start reading R ahead.  NULL when no thread can be started: the caller
 * reads R itself then. */
struct readahead *readahead_start(struct reader *r, const struct readahead_options *o);

/* The next packets in capture order: returns how many (at *PACKETS, valid
 * until the next call), 0 when the reading has ended and all were taken. */
size_t readahead_next(struct readahead *ra, const struct packet **packets);

/* The reader's frames and bytes up to the packets last returned, for a
 * progress line. */
void readahead_position(const struct readahead *ra, uint64_t *frames, uint64_t *bytes);

/* Stop the reading if it goes on, wait for the thread and free RA.
 * Returns how the reading ended: READER_END (also when stopped), or
 * READER_DAMAGED or READER_ERROR with the reader's message in ERR. */
enum reader_status readahead_finish(struct readahead *ra, char *err, size_t errlen);

#endif

/*
 * flowpack.h: a quiet connection, packed.
 *
 * Most connections a busy capture holds are quiet: closed and waiting out
 * TIME-WAIT in case a late FIN comes, or open and idle.  Whole, one costs
 * about 4 KiB (the flow, its ladder and timelines, the detectors' slots);
 * packed (pack.h) about a fifth of that.  The flow table packs a flow once
 * it has been quiet for the grace period and unpacks it when a packet or a
 * timer needs it again:
 *
 *   struct flow (live) ──quiet──> struct flow_packed ──packet/timer──> struct flow
 *        node: hash, links             node + bytes                    the same bytes
 *
 * Unpacking gives back the same flow, byte for byte where it matters (the
 * unit tests compare; tests/e2e/jobs.sh compares whole databases with
 * packing off), so whether a flow was packed never changes a result.
 *
 * Detector slots are packed when the detector says what they are
 * (tm_detector.slot_size: a malloc(3)ed block of that many bytes without
 * pointers); other slots keep their pointer as it is.
 */
#ifndef TM_FLOWPACK_H
#define TM_FLOWPACK_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"

#include "pack.h"
#include "spill.h"

/* What packing needs: the detectors' slots, a buffer to reuse, and the
 * reference records (flowpack.c), set by the first flows packed and kept
 * until flowpack_release: every flow packed with them needs them back. */
struct flowpack {
	size_t nslots;          /* slots per flow (detect_slots) */
	const uint32_t *slot_size; /* per slot: bytes to pack, or 0 to keep the pointer */
	struct pack_buf scratch;
	struct flow *ref_flow;
	struct ladder_entry *ref_ladder;
	struct tm_transition *ref_transition;
	void **ref_slot;        /* per slot */
	struct flow *spare;     /* flows packed or given back, for the next ones */
	size_t nspare;
	void **slot_spare;      /* per slot: blocks packed, kept for the next unpack */
	size_t *nslot_spare;
	struct spill *spill;    /* closing flows' bytes go there; NULL: memory.
	                         * flowpack_release closes it */
};

/* F packed (F is freed, its slots' blocks too where packed).  The node
 * keeps the hash of F's 4-tuple, its id, last activity and table state;
 * its links are cleared for the table to set.  A closing flow's bytes go
 * to PK's spill file when it has one (and takes them): the node is then
 * all F costs in memory, 72 bytes. */
struct flow_node *flowpack_pack(struct flow *f, struct flowpack *pk);

/* The flow packed in N (N is freed), with a fresh node.  A spill file
 * that cannot be read back (the disk failed) ends the program with
 * status 3: the capture's transaction is not committed. */
struct flow *flowpack_unpack(struct flow_node *n, struct flowpack *pk);
/* The same, N left for the caller to flowpack_free(), later. */
struct flow *flowpack_unpack_held(struct flow_node *n, struct flowpack *pk);

/* A blank flow (as from flow_alloc with PK's slots): a spare if there is
 * one.  Flows packed, and flows ended and given back, go round as spares
 * instead of through malloc(3). */
struct flow *flowpack_blank(struct flowpack *pk);

/* Keep F, of no further use (ended and stored, its detectors' slots
 * released; or packed), as a spare; freed if PK has enough. */
void flowpack_keep(struct flowpack *pk, struct flow *f);

/* Bytes N holds, node included (for the statistics). */
size_t flowpack_size(const struct flow_node *n);

/* Release PK's buffer and references (no flow it packed unpacks after). */
void flowpack_release(struct flowpack *pk);

/* Free a packed flow without unpacking it: its slots' packed bytes go,
 * kept pointers are not freed (flowtab_free's contract: no output); its
 * spilled bytes stay in the spill file until flowpack_release. */
void flowpack_free(struct flow_node *n);

#endif

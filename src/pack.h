/*
 * pack.h: fixed-size records, packed losslessly into a few bytes.
 *
 * The memory of a connection that has gone quiet (flowpack.h) is mostly
 * zeros and numbers close to their neighbours': frame numbers and times
 * that differ from the previous ladder line's by a little, addresses with
 * twelve zero bytes, retransmission arrays never filled.  Packing exploits
 * just that.  A record is read as 4-byte lanes; each lane becomes its
 * difference from the same lane of the previous record (the first record
 * against a reference record, or zeros), zigzagged so that small negative
 * differences are small too, and is written in 0, 1, 2 or 4 bytes; a head
 * byte before every four lanes says which (2 bits a lane):
 *
 *   previous   e8 03 00 00 | 10 27 00 00 | 05 00 00 00 | 00 00 00 00
 *   record     eb 03 00 00 | 10 27 00 00 | 04 00 00 00 | 00 00 00 00
 *   zigzag     06          | 0           | 01          | 0
 *   out        [head 0b00010001] 06 01          (3 bytes for 16)
 *
 * A head of 0 (four unchanged lanes) is followed by a count of the
 * unchanged groups after it, so the long zero stretches of a record cost
 * two bytes.
 *
 * Bytes are restored exactly (padding included), so whatever the record
 * held, pointers too, comes back as it was.  A record's size need not be
 * a multiple of 4: the last bytes are copied as they are.
 */
#ifndef TM_PACK_H
#define TM_PACK_H

#include <stddef.h>
#include <stdint.h>

/* A growing output buffer. */
struct pack_buf {
	uint8_t *bytes;
	size_t len, cap;
};

/* Append N records of SIZE bytes at RECS, the first against REF (a record
 * of SIZE bytes; NULL: zeros), each other against the one before it.  A
 * REF like the records (a connection packed earlier) saves what they have
 * in common: the epoch of every timestamp, the server's address. */
void pack_records(struct pack_buf *b, const void *recs, size_t n, size_t size,
    const void *ref);

/* Append one unsigned number (LEB128). */
void pack_uint(struct pack_buf *b, uint64_t v);

/* Reading back: a cursor over packed bytes. */
struct pack_reader {
	const uint8_t *p, *end;
	int bad;                /* ran past the end, or a count did not fit */
};

/* Read N records of SIZE bytes into RECS (which must hold them), packed
 * against REF (the same as given to pack_records); returns -1 (and sets
 * bad) if the bytes do not hold them. */
int unpack_records(struct pack_reader *r, void *recs, size_t n, size_t size,
    const void *ref);

/* Read one number; 0 and bad set on damage. */
uint64_t unpack_uint(struct pack_reader *r);

#endif

/*
 * flowpack.c: packing quiet flows (see flowpack.h).
 *
 * The bytes, in order: which references were used and whether v.previous
 * was set; the struct flow with its pointers cleared; the ladder; each
 * side's timeline; each slot, packed (absent, against zeros or against
 * the reference, then its bytes) or as the pointer it was.
 *
 * The references: the first records of each kind the packer met (the
 * first flow, its first ladder line and transition, the first block of
 * each slot), kept for the packer's life.  The first record of a flow is
 * packed against them instead of zeros: a flow shares with any other of
 * the same capture the high half of every timestamp, and often the
 * server's address and most of its state, which saves a fifth of it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowpack.h"
#include "util.h"

/* node.packed: where the bytes are (node.packed_len of them). */
enum { PACKED_HERE = 1, PACKED_SPILLED = 2 };

/* 72 bytes spilled: malloc(3) gives 80, where 128 and more was a fifth
 * of c10k's memory (a node for each of 160,000 connections in TIME-WAIT). */
struct flow_packed {
	struct flow_node node;  /* first: the table sees only this */
	uint64_t where;         /* PACKED_SPILLED: in the spill file */
	uint8_t bytes[];        /* PACKED_HERE */
};
_Static_assert(sizeof(struct flow_node) <= 64, "a flow node outgrew its cache line");
_Static_assert(sizeof(struct flow_packed) <= 72, "a spilled flow outgrew malloc's 80 bytes");

enum {                          /* the first number of the bytes */
	HAD_PREVIOUS = 1, REF_FLOW = 2, REF_LADDER = 4, REF_TRANSITION = 8
};

enum { SLOT_ABSENT, SLOT_FROM_ZEROS, SLOT_FROM_REF };

/* Spares of each kind kept at most: two of the writer's batches
 * (writer.h), which is what flows ending and beginning at the same rate
 * need.  4096 held some 3,000 blank flows and 7,600 detector slots at
 * c10k's peak, 4 MiB more than this, for no speed. */
#define MAX_SPARES 512

/* F's fields with nothing that points into memory of its own. */
static void
plain_image(struct flow *img, const struct flow *f)
{
	memcpy(img, f, sizeof(*img));   /* padding too: unpacked, it is the same */
	img->v.previous = NULL;
	img->ladder = NULL;
	img->ladder_cap = 0;
	for (int side = 0; side < 2; side++) {
		img->tl[side].items = NULL;
		img->tl[side].cap = 0;
	}
	img->slots = NULL;
	memset(&img->node, 0, sizeof(img->node));
}

/* Take what references PK lacks from F (IMG: F's plain image). */
static void
take_references(struct flowpack *pk, const struct flow *f, const struct flow *img)
{
	if (pk->ref_flow == NULL)
		pk->ref_flow = memcpy(xmalloc(sizeof(*img)), img, sizeof(*img));
	if (pk->ref_ladder == NULL && f->nladder > 0)
		pk->ref_ladder = memcpy(xmalloc(sizeof(*f->ladder)), f->ladder, sizeof(*f->ladder));
	for (int side = 0; side < 2 && pk->ref_transition == NULL; side++)
		if (f->tl[side].n > 0)
			pk->ref_transition = memcpy(xmalloc(sizeof(*f->tl[side].items)),
			    f->tl[side].items, sizeof(*f->tl[side].items));
	if (pk->ref_slot == NULL && pk->nslots > 0) {
		pk->ref_slot = xcalloc(pk->nslots, sizeof(*pk->ref_slot));
		pk->slot_spare = xcalloc(pk->nslots, sizeof(*pk->slot_spare));
		pk->nslot_spare = xcalloc(pk->nslots, sizeof(*pk->nslot_spare));
	}
	for (size_t i = 0; i < pk->nslots && f->slots != NULL; i++)
		if (pk->ref_slot[i] == NULL && pk->slot_size[i] > 0 && f->slots[i] != NULL)
			pk->ref_slot[i] = memcpy(xmalloc(pk->slot_size[i]), f->slots[i],
			    pk->slot_size[i]);
}

/* A slot's block, packed: kept for the next unpack (linked through its
 * first bytes), or freed. */
static void
keep_slot_block(struct flowpack *pk, size_t i, void *block)
{
	if (pk->slot_size[i] < sizeof(void *) || pk->nslot_spare[i] >= MAX_SPARES) {
		free(block);
		return;
	}
	memcpy(block, &pk->slot_spare[i], sizeof(void *));
	pk->slot_spare[i] = block;
	pk->nslot_spare[i]++;
}

/* A block for slot I: a spare one, or a new one.  Either is a malloc(3)ed
 * block of the slot's size, as tm_detector.slot_size promises. */
static void *
slot_block(struct flowpack *pk, size_t i)
{
	void *block = pk->slot_spare[i];

	if (block == NULL)
		return xmalloc(pk->slot_size[i]);
	memcpy(&pk->slot_spare[i], block, sizeof(void *));
	pk->nslot_spare[i]--;
	return block;
}

static void
pack_slots(struct pack_buf *b, struct flow *f, struct flowpack *pk)
{
	for (size_t i = 0; i < pk->nslots && f->slots != NULL; i++) {
		uint32_t size = pk->slot_size[i];
		const void *ref = pk->ref_slot[i];

		if (size == 0) {
			pack_uint(b, (uint64_t)(uintptr_t)f->slots[i]);
			continue;
		}
		if (f->slots[i] == NULL) {
			pack_uint(b, SLOT_ABSENT);
			continue;
		}
		pack_uint(b, ref != NULL ? SLOT_FROM_REF : SLOT_FROM_ZEROS);
		pack_records(b, f->slots[i], 1, size, ref);
		keep_slot_block(pk, i, f->slots[i]);
	}
}

/* A busy table packs and unpacks flows by the million, and makes as many
 * as the writer gives back: their memory goes round a few spares instead
 * of through malloc(3) each time. */
void
flowpack_keep(struct flowpack *pk, struct flow *f)
{
	if (pk->nspare >= MAX_SPARES) {
		flow_free(f);
		return;
	}
	f->node.hnext = (struct flow_node *)pk->spare; /* the spares' link */
	pk->spare = f;
	pk->nspare++;
}

struct flow *
flowpack_blank(struct flowpack *pk)
{
	struct flow *f = pk->spare;

	if (f == NULL)
		return flow_alloc(pk->nslots);
	pk->spare = (struct flow *)f->node.hnext;
	pk->nspare--;
	flow_recycle(f, pk->nslots);
	return f;
}

struct flow_node *
flowpack_pack(struct flow *f, struct flowpack *pk)
{
	struct pack_buf *b = &pk->scratch;
	struct flow_packed *fp;
	struct flow img;
	uint64_t where;

	plain_image(&img, f);
	take_references(pk, f, &img);
	b->len = 0;
	pack_uint(b, (f->v.previous != NULL ? HAD_PREVIOUS : 0) | REF_FLOW |
	    (pk->ref_ladder != NULL ? REF_LADDER : 0) |
	    (pk->ref_transition != NULL ? REF_TRANSITION : 0));
	pack_records(b, &img, 1, sizeof(img), pk->ref_flow);
	pack_records(b, f->ladder, f->nladder, sizeof(*f->ladder), pk->ref_ladder);
	for (int side = 0; side < 2; side++)
		pack_records(b, f->tl[side].items, f->tl[side].n, sizeof(*f->tl[side].items),
		    pk->ref_transition);
	pack_slots(b, f, pk);

	if (pk->spill != NULL && flow_is_closing(f) &&
	    spill_put(pk->spill, b->bytes, (uint32_t)b->len, &where) == 0) {
		fp = xmalloc(sizeof(*fp));
		fp->where = where;
		fp->node = f->node;
		fp->node.packed = PACKED_SPILLED;
	} else {
		fp = xmalloc(sizeof(*fp) + b->len);
		memcpy(fp->bytes, b->bytes, b->len);
		fp->node = f->node;
		fp->node.packed = PACKED_HERE;
	}
	fp->node.hnext = fp->node.lprev = fp->node.lnext = NULL;
	fp->node.embryonic = 0;
	fp->node.stored = f->stored;
	fp->node.packed_len = (uint32_t)b->len;
	f->slots = NULL;        /* packed or kept in the bytes: not flow_free's */
	flowpack_keep(pk, f);
	return &fp->node;
}

static void
unpack_slots(struct pack_reader *r, struct flow *f, struct flowpack *pk)
{
	for (size_t i = 0; i < pk->nslots && f->slots != NULL; i++) {
		uint32_t size = pk->slot_size[i];
		uint64_t how;

		if (size == 0) {
			f->slots[i] = (void *)(uintptr_t)unpack_uint(r);
			continue;
		}
		if ((how = unpack_uint(r)) == SLOT_ABSENT) {
			f->slots[i] = NULL;
			continue;
		}
		f->slots[i] = slot_block(pk, i);
		unpack_records(r, f->slots[i], 1, size,
		    how == SLOT_FROM_REF ? pk->ref_slot[i] : NULL);
	}
}

/* The bytes of FP, wherever they are. */
static const uint8_t *
packed_bytes(struct flow_packed *fp, struct flowpack *pk)
{
	struct pack_buf *b = &pk->scratch;
	char err[512];

	if (fp->node.packed != PACKED_SPILLED)
		return fp->bytes;
	if (b->cap < fp->node.packed_len) {
		b->bytes = xrealloc(b->bytes, fp->node.packed_len);
		b->cap = fp->node.packed_len;
	}
	if (spill_take(pk->spill, fp->where, fp->node.packed_len, b->bytes, err, sizeof(err)) != 0) {
		fprintf(stderr, "tcpmortem: %s\n", err);
		exit(3);
	}
	return b->bytes;
}

struct flow *
flowpack_unpack(struct flow_node *n, struct flowpack *pk)
{
	struct flow *f = flowpack_unpack_held(n, pk);

	free(n);
	return f;
}

struct flow *
flowpack_unpack_held(struct flow_node *n, struct flowpack *pk)
{
	struct flow_packed *fp = (struct flow_packed *)n;
	const uint8_t *bytes = packed_bytes(fp, pk);
	struct pack_reader r = { bytes, bytes + fp->node.packed_len, 0 };
	struct flow *f = flowpack_blank(pk);
	struct flow saved = *f;         /* its own arrays and slots */
	uint64_t how = unpack_uint(&r);
	size_t ntl[2];

	unpack_records(&r, f, 1, sizeof(*f), how & REF_FLOW ? pk->ref_flow : NULL);
	f->ladder = saved.ladder;
	f->ladder_cap = saved.ladder_cap;
	for (int side = 0; side < 2; side++) {
		f->tl[side].items = saved.tl[side].items;
		f->tl[side].cap = saved.tl[side].cap;
		ntl[side] = f->tl[side].n;
	}
	f->slots = saved.slots;
	f->v.previous = how & HAD_PREVIOUS ? &f->prev : NULL;
	flow_reserve(f, f->nladder, ntl);
	unpack_records(&r, f->ladder, f->nladder, sizeof(*f->ladder),
	    how & REF_LADDER ? pk->ref_ladder : NULL);
	for (int side = 0; side < 2; side++)
		unpack_records(&r, f->tl[side].items, f->tl[side].n, sizeof(*f->tl[side].items),
		    how & REF_TRANSITION ? pk->ref_transition : NULL);
	unpack_slots(&r, f, pk);
	/* The bytes were made by flowpack_pack in this process: damage here
	 * is a bug, and going on would turn it into wrong results. */
	if (r.bad || r.p != r.end) {
		fprintf(stderr, "tcpmortem: internal error: packed flow %llu does not unpack\n",
		    (unsigned long long)n->id);
		abort();
	}
	f->node = *n;
	f->node.hnext = f->node.lprev = f->node.lnext = NULL;
	f->eprev = f->enext = NULL;
	f->cprev = f->cnext = NULL;
	f->on_closed = 0;
	f->node.embryonic = 0;
	f->node.packed = 0;
	f->node.packed_len = 0;
	return f;
}

size_t
flowpack_size(const struct flow_node *n)
{
	const struct flow_packed *fp = (const struct flow_packed *)n;

	return sizeof(*fp) + (fp->node.packed == PACKED_SPILLED ? 0 : fp->node.packed_len);
}

void
flowpack_free(struct flow_node *n)
{
	free(n);
}

void
flowpack_release(struct flowpack *pk)
{
	while (pk->spare != NULL) {
		struct flow *f = pk->spare;

		pk->spare = (struct flow *)f->node.hnext;
		flow_free(f);
	}
	pk->nspare = 0;
	free(pk->scratch.bytes);
	free(pk->ref_flow);
	free(pk->ref_ladder);
	free(pk->ref_transition);
	for (size_t i = 0; pk->ref_slot != NULL && i < pk->nslots; i++) {
		free(pk->ref_slot[i]);
		while (pk->slot_spare[i] != NULL)
			free(slot_block(pk, i));
	}
	free(pk->ref_slot);
	free(pk->slot_spare);
	free(pk->nslot_spare);
	pk->slot_spare = NULL;
	pk->nslot_spare = NULL;
	pk->scratch = (struct pack_buf){ 0 };
	pk->ref_flow = NULL;
	pk->ref_ladder = NULL;
	pk->ref_transition = NULL;
	pk->ref_slot = NULL;
	spill_close(pk->spill);
	pk->spill = NULL;
}

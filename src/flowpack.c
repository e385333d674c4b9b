/*
 * flowpack.c: packing quiet flows (see flowpack.h).
 *
 * The bytes, in order: whether v.previous was set; the struct flow with
 * its pointers cleared; the ladder; each side's timeline; each slot,
 * packed (presence, then its bytes) or as the pointer it was.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowpack.h"
#include "util.h"

struct flow_packed {
	struct flow_node node;  /* first: the table sees only this */
	size_t len;
	uint8_t bytes[];
};

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

static void
pack_slots(struct pack_buf *b, struct flow *f, const struct flowpack *pk)
{
	for (size_t i = 0; i < pk->nslots && f->slots != NULL; i++) {
		uint32_t size = pk->slot_size[i];

		if (size == 0) {
			pack_uint(b, (uint64_t)(uintptr_t)f->slots[i]);
			continue;
		}
		pack_uint(b, f->slots[i] != NULL);
		if (f->slots[i] != NULL) {
			pack_records(b, f->slots[i], 1, size);
			free(f->slots[i]);
		}
	}
}

struct flow_node *
flowpack_pack(struct flow *f, struct flowpack *pk)
{
	struct pack_buf *b = &pk->scratch;
	struct flow_packed *fp;
	struct flow img;

	b->len = 0;
	pack_uint(b, f->v.previous != NULL);
	plain_image(&img, f);
	pack_records(b, &img, 1, sizeof(img));
	pack_records(b, f->ladder, f->nladder, sizeof(*f->ladder));
	for (int side = 0; side < 2; side++)
		pack_records(b, f->tl[side].items, f->tl[side].n, sizeof(*f->tl[side].items));
	pack_slots(b, f, pk);

	fp = xmalloc(sizeof(*fp) + b->len);
	fp->node = f->node;
	fp->node.hnext = fp->node.lprev = fp->node.lnext = NULL;
	fp->node.eprev = fp->node.enext = NULL;
	fp->node.embryonic = 0;
	fp->node.packed = 1;
	fp->node.stored = f->stored;
	fp->len = b->len;
	memcpy(fp->bytes, b->bytes, b->len);
	f->slots = NULL;        /* packed or kept in the bytes: not flow_free's */
	flow_free(f);
	return &fp->node;
}

static void
unpack_slots(struct pack_reader *r, struct flow *f, const struct flowpack *pk)
{
	for (size_t i = 0; i < pk->nslots && f->slots != NULL; i++) {
		uint32_t size = pk->slot_size[i];

		if (size == 0) {
			f->slots[i] = (void *)(uintptr_t)unpack_uint(r);
			continue;
		}
		if (unpack_uint(r) == 0) {
			f->slots[i] = NULL;
			continue;
		}
		f->slots[i] = xmalloc(size);
		unpack_records(r, f->slots[i], 1, size);
	}
}

struct flow *
flowpack_unpack(struct flow_node *n, struct flowpack *pk)
{
	struct flow_packed *fp = (struct flow_packed *)n;
	struct pack_reader r = { fp->bytes, fp->bytes + fp->len, 0 };
	struct flow *f = flow_alloc(pk->nslots);
	struct flow saved = *f;         /* its own arrays and slots */
	int had_previous = unpack_uint(&r) != 0;
	size_t ntl[2];

	unpack_records(&r, f, 1, sizeof(*f));
	f->ladder = saved.ladder;
	f->ladder_cap = saved.ladder_cap;
	for (int side = 0; side < 2; side++) {
		f->tl[side].items = saved.tl[side].items;
		f->tl[side].cap = saved.tl[side].cap;
		ntl[side] = f->tl[side].n;
	}
	f->slots = saved.slots;
	f->v.previous = had_previous ? &f->prev : NULL;
	flow_reserve(f, f->nladder, ntl);
	unpack_records(&r, f->ladder, f->nladder, sizeof(*f->ladder));
	for (int side = 0; side < 2; side++)
		unpack_records(&r, f->tl[side].items, f->tl[side].n, sizeof(*f->tl[side].items));
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
	f->node.eprev = f->node.enext = NULL;
	f->node.embryonic = 0;
	f->node.packed = 0;
	free(fp);
	return f;
}

size_t
flowpack_size(const struct flow_node *n)
{
	return sizeof(struct flow_packed) + ((const struct flow_packed *)n)->len;
}

void
flowpack_free(struct flow_node *n)
{
	free(n);
}

void
flowpack_release(struct flowpack *pk)
{
	free(pk->scratch.bytes);
	pk->scratch = (struct pack_buf){ 0 };
}

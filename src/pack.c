/*
 * pack.c: delta and zero-run packing of fixed-size records (see pack.h).
 */
#include "config.h"

#include <string.h>

#include "pack.h"
#include "util.h"

static void
put_bytes(struct pack_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap)
		grow_array((void **)&b->bytes, &b->cap, b->len + n, 1);
	memcpy(b->bytes + b->len, p, n);
	b->len += n;
}

void
pack_uint(struct pack_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	put_bytes(b, tmp, n);
}

static uint32_t
zigzag(uint32_t d)
{
	return (d << 1) ^ (uint32_t)-(int32_t)(d >> 31);
}

static uint32_t
unzigzag(uint32_t z)
{
	return (z >> 1) ^ (uint32_t)-(int32_t)(z & 1);
}

/* Bytes a lane class stands for. */
static const uint8_t class_bytes[4] = { 0, 1, 2, 4 };

static unsigned
lane_class(uint32_t z)
{
	return z == 0 ? 0 : z <= 0xff ? 1 : z <= 0xffff ? 2 : 3;
}

/* Whether the four lanes at G of CUR equal PREV's (zeros if NULL).  Two
 * word loads, not memcmp(): this runs for every group of every record. */
static inline int
group_same(const uint8_t *cur, const uint8_t *prev, size_t g, size_t lanes)
{
	uint64_t c0 = 0, c1 = 0, p0 = 0, p1 = 0;

	if (lanes - g >= 4) {           /* the common case, in fixed-size loads */
		memcpy(&c0, cur + 4 * g, 8);
		memcpy(&c1, cur + 4 * g + 8, 8);
		if (prev != NULL) {
			memcpy(&p0, prev + 4 * g, 8);
			memcpy(&p1, prev + 4 * g + 8, 8);
		}
		return c0 == p0 && c1 == p1;
	}
	for (size_t i = g; i < lanes; i++) {
		uint32_t c, p = 0;

		memcpy(&c, cur + 4 * i, 4);
		if (prev != NULL)
			memcpy(&p, prev + 4 * i, 4);
		if (c != p)
			return 0;
	}
	return 1;
}

/* One record's lanes, against PREV (NULL: zeros), at OUT; returns the end.
 * A head byte of 0 (four unchanged lanes) is followed by the number of
 * unchanged groups after it (at most 255). */
static uint8_t *
pack_lanes(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t lanes)
{
	for (size_t g = 0; g < lanes; g += 4) {
		uint8_t *head = out++;
		unsigned h = 0;

		if (group_same(cur, prev, g, lanes)) {
			unsigned more = 0;

			while (more < 255 && g + 4 < lanes && group_same(cur, prev, g + 4, lanes)) {
				g += 4;
				more++;
			}
			*head = 0;
			*out++ = (uint8_t)more;
			continue;
		}
		for (size_t i = g; i < g + 4 && i < lanes; i++) {
			uint32_t c, p = 0, z;
			unsigned k;

			memcpy(&c, cur + 4 * i, 4);
			if (prev != NULL)
				memcpy(&p, prev + 4 * i, 4);
			z = zigzag(c - p);
			k = lane_class(z);
			h |= k << (2 * (i - g));
			for (unsigned j = 0; j < class_bytes[k]; j++)
				*out++ = (uint8_t)(z >> (8 * j));
		}
		*head = (uint8_t)h;
	}
	return out;
}

void
pack_records(struct pack_buf *b, const void *recs, size_t n, size_t size, const void *ref)
{
	const uint8_t *r = recs;
	size_t lanes = size / 4, tail = size % 4;
	/* The most a record can take: a head byte per 4 lanes (and a count
	 * after a zero one), 4 bytes a lane, the tail as it is. */
	size_t most = 2 * ((lanes + 3) / 4) + 4 * lanes + tail;

	for (size_t k = 0; k < n; k++) {
		const uint8_t *cur = r + k * size;

		if (b->len + most > b->cap)
			grow_array((void **)&b->bytes, &b->cap, b->len + most, 1);
		b->len = (size_t)(pack_lanes(b->bytes + b->len, cur,
		    k > 0 ? cur - size : ref, lanes) - b->bytes);
		memcpy(b->bytes + b->len, cur + 4 * lanes, tail);
		b->len += tail;
	}
}

uint64_t
unpack_uint(struct pack_reader *r)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end) {
			r->bad = 1;
			return 0;
		}
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

/* Copy the lanes of N groups from G of PREV (zeros if NULL) to CUR. */
static void
copy_groups(uint8_t *cur, const uint8_t *prev, size_t g, size_t n, size_t lanes)
{
	size_t end = g + 4 * n < lanes ? g + 4 * n : lanes;

	if (prev != NULL)
		memcpy(cur + 4 * g, prev + 4 * g, 4 * (end - g));
	else
		memset(cur + 4 * g, 0, 4 * (end - g));
}

/* Read one record's lanes against PREV (NULL: zeros) into CUR. */
static int
unpack_lanes(struct pack_reader *r, uint8_t *cur, const uint8_t *prev, size_t lanes)
{
	for (size_t g = 0; g < lanes; g += 4) {
		unsigned h;

		if (r->p >= r->end)
			return -1;
		if ((h = *r->p++) == 0) {
			size_t more;

			if (r->p >= r->end)
				return -1;
			more = *r->p++;
			if (g + 4 * more >= lanes)
				return -1;
			copy_groups(cur, prev, g, more + 1, lanes);
			g += 4 * more;
			continue;
		}
		for (size_t i = g; i < g + 4 && i < lanes; i++) {
			unsigned k = h >> (2 * (i - g)) & 3;
			uint32_t z = 0, p = 0, c;

			if ((size_t)(r->end - r->p) < class_bytes[k])
				return -1;
			for (unsigned j = 0; j < class_bytes[k]; j++)
				z |= (uint32_t)*r->p++ << (8 * j);
			if (prev != NULL)
				memcpy(&p, prev + 4 * i, 4);
			c = unzigzag(z) + p;
			memcpy(cur + 4 * i, &c, 4);
		}
	}
	return 0;
}

int
unpack_records(struct pack_reader *r, void *recs, size_t n, size_t size, const void *ref)
{
	uint8_t *out = recs;
	size_t lanes = size / 4, tail = size % 4;

	for (size_t k = 0; k < n && !r->bad; k++) {
		uint8_t *cur = out + k * size;

		if (unpack_lanes(r, cur, k > 0 ? cur - size : ref, lanes) != 0 ||
		    (size_t)(r->end - r->p) < tail) {
			r->bad = 1;
			break;
		}
		memcpy(cur + 4 * lanes, r->p, tail);
		r->p += tail;
	}
	return r->bad ? -1 : 0;
}

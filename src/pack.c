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

/* Bytes a lane class stands for, and the bits of a lane it keeps. */
static const uint8_t class_bytes[4] = { 0, 1, 2, 4 };
static const uint32_t class_mask[4] = { 0, 0xff, 0xffff, 0xffffffff };

/* A lane's class without a branch: which of 0, 1, 2 or 4 bytes hold Z.
 * The classes of neighbouring lanes follow no pattern a branch predictor
 * could learn, and this runs for every lane of every record packed. */
static inline unsigned
lane_class(uint32_t z)
{
	return (unsigned)(z != 0) + (unsigned)(z > 0xff) + (unsigned)(z > 0xffff);
}

/* Little-endian 4-byte store and load; compilers make each one move. */
static inline void
put_le32(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)v;
	o[1] = (uint8_t)(v >> 8);
	o[2] = (uint8_t)(v >> 16);
	o[3] = (uint8_t)(v >> 24);
}

static inline uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint32_t
lane_at(const uint8_t *rec, size_t i)
{
	uint32_t v = 0;

	if (rec != NULL)
		memcpy(&v, rec + 4 * i, 4);
	return v;
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
	for (size_t i = g; i < lanes; i++)
		if (lane_at(cur, i) != lane_at(prev, i))
			return 0;
	return 1;
}

/* One record's lanes, against PREV (NULL: zeros), at OUT; returns the end.
 * A head byte of 0 (four unchanged lanes) is followed by the number of
 * unchanged groups after it (at most 255).  Each lane is stored as 4
 * bytes and OUT moves on by its class's: pack_records leaves room for 4
 * bytes a lane. */
static uint8_t *
pack_lanes(uint8_t *out, const uint8_t *cur, const uint8_t *prev, size_t lanes)
{
	for (size_t g = 0; g < lanes; g += 4) {
		uint8_t *head = out++;
		size_t end = lanes - g >= 4 ? g + 4 : lanes;
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
		for (size_t i = g; i < end; i++) {
			uint32_t z = zigzag(lane_at(cur, i) - lane_at(prev, i));
			unsigned k = lane_class(z);

			h |= k << (2 * (i - g));
			put_le32(out, z);
			out += class_bytes[k];
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

/* One group's lanes, head H (not 0), from P (which has at least 16
 * bytes after it) against PREV into CUR; returns the end. */
static inline const uint8_t *
unpack_group(const uint8_t *p, unsigned h, uint8_t *cur, const uint8_t *prev,
    size_t g, size_t end)
{
	for (size_t i = g; i < end; i++) {
		unsigned k = h >> (2 * (i - g)) & 3;
		uint32_t c = unzigzag(get_le32(p) & class_mask[k]) + lane_at(prev, i);

		memcpy(cur + 4 * i, &c, 4);
		p += class_bytes[k];
	}
	return p;
}

/* The same near the end of the bytes, each lane checked; NULL if short. */
static const uint8_t *
unpack_group_checked(const uint8_t *p, const uint8_t *stop, unsigned h, uint8_t *cur,
    const uint8_t *prev, size_t g, size_t end)
{
	for (size_t i = g; i < end; i++) {
		unsigned k = h >> (2 * (i - g)) & 3;
		uint32_t z = 0, c;

		if ((size_t)(stop - p) < class_bytes[k])
			return NULL;
		for (unsigned j = 0; j < class_bytes[k]; j++)
			z |= (uint32_t)*p++ << (8 * j);
		c = unzigzag(z) + lane_at(prev, i);
		memcpy(cur + 4 * i, &c, 4);
	}
	return p;
}

/* Read one record's lanes against PREV (NULL: zeros) into CUR. */
static int
unpack_lanes(struct pack_reader *r, uint8_t *cur, const uint8_t *prev, size_t lanes)
{
	for (size_t g = 0; g < lanes; g += 4) {
		size_t end = lanes - g >= 4 ? g + 4 : lanes;
		const uint8_t *next;
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
		next = r->end - r->p >= 16 ? unpack_group(r->p, h, cur, prev, g, end) :
		    unpack_group_checked(r->p, r->end, h, cur, prev, g, end);
		if (next == NULL)
			return -1;
		r->p = next;
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

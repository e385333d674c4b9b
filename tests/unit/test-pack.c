/* test-pack.c: records packed and read back, exactly; damage refused. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"
#include "rng.h"
#include "check-main.h"

/* N records of SIZE in the style of KIND: 0 random, 1 mostly zero,
 * 2 counting up slowly, 3 counting down. */
static uint8_t *
records(size_t n, size_t size, int kind)
{
	uint8_t *r = calloc(n ? n : 1, size ? size : 1);

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < size; i++) {
			uint8_t *b = &r[k * size + i];

			switch (kind) {
			case 0: *b = (uint8_t)next_random(); break;
			case 1: *b = next_random() % 13 == 0 ? (uint8_t)next_random() : 0; break;
			case 2: *b = i % 8 == 0 ? (uint8_t)(k * 3 + i) : (uint8_t)(i / 8); break;
			default: *b = i % 4 == 0 ? (uint8_t)(200 - k) : 0xff; break;
			}
		}
	return r;
}

static void
roundtrip(size_t n, size_t size, int kind, const void *ref)
{
	uint8_t *in = records(n, size, kind), *out = malloc(n * size + 1);
	struct pack_buf b = { 0 };
	struct pack_reader r;

	pack_uint(&b, 42);
	pack_records(&b, in, n, size, ref);
	pack_uint(&b, 7);
	r = (struct pack_reader){ b.bytes, b.bytes + b.len, 0 };
	ck_assert_uint_eq(unpack_uint(&r), 42);
	ck_assert_int_eq(unpack_records(&r, out, n, size, ref), 0);
	ck_assert_uint_eq(unpack_uint(&r), 7);
	ck_assert(r.p == r.end && !r.bad);
	ck_assert(n * size == 0 || memcmp(in, out, n * size) == 0);
	free(b.bytes);
	free(in);
	free(out);
}

START_TEST(records_come_back_exactly)
{
	static const size_t sizes[] = { 1, 4, 6, 40, 64, 808, 1030, 5000 };
	static const size_t counts[] = { 0, 1, 2, 17 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(*counts); c++)
			for (int kind = 0; kind < 4; kind++) {
				uint8_t *ref = records(1, sizes[s], (kind + 1) % 4);

				roundtrip(counts[c], sizes[s], kind, NULL);
				roundtrip(counts[c], sizes[s], kind, ref);
				free(ref);
			}
}
END_TEST

/* The first record against a reference: what they share costs nothing,
 * and the same bytes read against another reference are not the record. */
START_TEST(a_reference_saves_what_is_shared)
{
	uint8_t *rec = records(1, 808, 0), *other = records(1, 808, 0), out[808];
	struct pack_buf b = { 0 };
	struct pack_reader r;

	pack_records(&b, rec, 1, 808, rec);
	ck_assert_uint_eq(b.len, 2);            /* one zero head and its count */
	r = (struct pack_reader){ b.bytes, b.bytes + b.len, 0 };
	ck_assert_int_eq(unpack_records(&r, out, 1, 808, rec), 0);
	ck_assert_mem_eq(out, rec, 808);
	r = (struct pack_reader){ b.bytes, b.bytes + b.len, 0 };
	ck_assert_int_eq(unpack_records(&r, out, 1, 808, other), 0);
	ck_assert(memcmp(out, rec, 808) != 0);
	free(b.bytes);
	free(rec);
	free(other);
}
END_TEST

/* The example of pack.h, byte for byte: the format is what it says. */
START_TEST(the_documented_example)
{
	static const uint8_t recs[32] = {
		0xe8, 0x03, 0, 0, 0x10, 0x27, 0, 0, 0x05, 0, 0, 0, 0, 0, 0, 0,
		0xeb, 0x03, 0, 0, 0x10, 0x27, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t want[] = { 0x1a, 0xd0, 0x07, 0x20, 0x4e, 0x0a,
		0x11, 0x06, 0x01 };
	struct pack_buf b = { 0 };

	pack_records(&b, recs, 2, 16, NULL);
	ck_assert_uint_eq(b.len, sizeof(want));
	ck_assert_mem_eq(b.bytes, want, sizeof(want));
	free(b.bytes);
}
END_TEST

/* Every lane class byte for byte, a difference of -1 and a record whose
 * size is not a multiple of 4 among them; and back, from bytes that end
 * with the record (the careful path) and from bytes with more after it. */
START_TEST(every_lane_class)
{
	static const uint8_t rec[18] = {
		0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff,
		0x00, 0x80, 0x00, 0x00, 0, 0, 0, 0, 0xaa, 0xbb };
	static const uint8_t want[] = { 0x37, 0xf0, 0xac, 0x68, 0x24, 0x01,
		0x00, 0x00, 0x01, 0x00, 0xaa, 0xbb };
	uint8_t back[18];
	struct pack_buf b = { 0 };
	struct pack_reader r;

	pack_records(&b, rec, 1, sizeof(rec), NULL);
	ck_assert_uint_eq(b.len, sizeof(want));
	ck_assert_mem_eq(b.bytes, want, sizeof(want));
	for (int more = 0; more < 2; more++) {
		if (more)                       /* 24 bytes after the first */
			for (int i = 0; i < 2; i++)
				pack_records(&b, rec, 1, sizeof(rec), NULL);
		r = (struct pack_reader){ b.bytes, b.bytes + b.len, 0 };
		ck_assert_int_eq(unpack_records(&r, back, 1, sizeof(back), NULL), 0);
		ck_assert_mem_eq(back, rec, sizeof(rec));
		ck_assert_uint_eq((size_t)(r.p - b.bytes), sizeof(want));
	}
	free(b.bytes);
}
END_TEST

START_TEST(zero_stretches_cost_two_bytes)
{
	uint8_t *zeros = calloc(1, 4800);
	struct pack_buf b = { 0 };

	pack_records(&b, zeros, 1, 808, NULL);        /* 51 groups: 0, 50 */
	ck_assert_uint_eq(b.len, 2);
	b.len = 0;
	pack_records(&b, zeros, 1, 4800, NULL);       /* 300 groups: 0, 255, 0, 43 */
	ck_assert_uint_eq(b.len, 4);
	b.len = 0;
	pack_records(&b, zeros, 10, 480, NULL);       /* ten unchanged records */
	ck_assert_uint_eq(b.len, 20);
	free(b.bytes);
	free(zeros);
}
END_TEST

START_TEST(numbers_come_back)
{
	static const uint64_t v[] = { 0, 1, 127, 128, 300, UINT32_MAX, UINT64_C(1) << 63,
		UINT64_MAX };
	struct pack_buf b = { 0 };
	struct pack_reader r;

	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		pack_uint(&b, v[i]);
	ck_assert_uint_eq(b.len, 1 + 1 + 1 + 2 + 2 + 5 + 10 + 10);
	r = (struct pack_reader){ b.bytes, b.bytes + b.len, 0 };
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		ck_assert_uint_eq(unpack_uint(&r), v[i]);
	ck_assert(!r.bad && r.p == r.end);
	free(b.bytes);
}
END_TEST

/* Every cut of a packed stream is refused, never read past its end (the
 * sanitizer build would say), and so is a count past the record. */
START_TEST(damage_is_refused)
{
	uint8_t *in = records(5, 64, 0), out[5 * 64];
	static const uint8_t long_number[11] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t too_many_zeros[2] = { 0, 4 };      /* 5 groups of 4 */
	struct pack_buf b = { 0 };
	struct pack_reader r;

	pack_records(&b, in, 5, 64, NULL);
	for (size_t cut = 0; cut < b.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, b.bytes, cut);
		r = (struct pack_reader){ copy, copy + cut, 0 };
		ck_assert_int_eq(unpack_records(&r, out, 5, 64, NULL), -1);
		ck_assert(r.bad);
		free(copy);
	}
	r = (struct pack_reader){ long_number, long_number + sizeof(long_number), 0 };
	unpack_uint(&r);
	ck_assert(r.bad);
	r = (struct pack_reader){ too_many_zeros, too_many_zeros + 2, 0 };
	ck_assert_int_eq(unpack_records(&r, out, 1, 64, NULL), -1);   /* 4 groups only */
	free(b.bytes);
	free(in);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pack");
	TCase *tc = tcase_create("records");

	tcase_add_test(tc, records_come_back_exactly);
	tcase_add_test(tc, the_documented_example);
	tcase_add_test(tc, every_lane_class);
	tcase_add_test(tc, a_reference_saves_what_is_shared);
	tcase_add_test(tc, zero_stretches_cost_two_bytes);
	tcase_add_test(tc, numbers_come_back);
	tcase_add_test(tc, damage_is_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

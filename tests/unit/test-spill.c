/*
 * test-spill.c: packed records in a temporary file (spill.h).
 *
 * Records of many sizes across many segments come back byte for byte, in
 * any order; the file grows with the records held, not with all records
 * ever spilled; and a disk that fills up loses nothing: the test mounts a
 * tmpfs of one segment's size (as root) and writes past it.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "spill.h"
#include "check-main.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-spill-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	if (geteuid() == 0)
		umount2(dir, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Record I: its length and bytes, both from I, so a mix-up shows. */
static uint32_t
record_len(size_t i)
{
	return 1 + (uint32_t)((i * 2654435761u) % 3000);
}

static void
record_fill(size_t i, uint8_t *buf)
{
	for (uint32_t k = 0; k < record_len(i); k++)
		buf[k] = (uint8_t)(i * 31 + k * 7);
}

static void
check_record(struct spill *s, size_t i, uint64_t where)
{
	static uint8_t want[4096], got[4096];
	char err[256];

	record_fill(i, want);
	ck_assert_int_eq(spill_take(s, where, record_len(i), got, err, sizeof(err)), 0);
	ck_assert_mem_eq(got, want, record_len(i));
}

/* 12 MiB or so of records, three segments and more, taken back in an
 * order unlike the one they were put in. */
START_TEST(records_come_back_exactly_in_any_order)
{
	enum { N = 8000 };
	static uint64_t where[N];
	static uint8_t buf[4096];
	char err[256];
	struct spill *s = spill_open(dir, err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	for (size_t i = 0; i < N; i++) {
		record_fill(i, buf);
		ck_assert_int_eq(spill_put(s, buf, record_len(i), &where[i]), 0);
	}
	ck_assert_uint_eq(spill_records(s), N);
	ck_assert_uint_ge(spill_file_bytes(s), 2 * (uint64_t)SPILL_SEGMENT);
	for (size_t i = 1; i < N; i += 2)       /* the odd ones, then the even */
		check_record(s, i, where[i]);
	for (size_t i = 0; i < N; i += 2)
		check_record(s, i, where[i]);
	ck_assert_uint_eq(spill_records(s), 0);
	spill_close(s);
}
END_TEST

/* A window of 2,000 records held while 200,000 go through (300 MiB): the
 * emptied segments are filled again and the file stays a few segments. */
START_TEST(the_file_grows_with_records_held_not_spilled)
{
	enum { N = 200000, HELD = 2000 };
	static uint64_t where[HELD];
	static uint8_t buf[4096];
	char err[256];
	struct spill *s = spill_open(dir, err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	for (size_t i = 0; i < N; i++) {
		if (i >= HELD)
			check_record(s, i - HELD, where[(i - HELD) % HELD]);
		record_fill(i, buf);
		ck_assert_int_eq(spill_put(s, buf, record_len(i), &where[i % HELD]), 0);
	}
	ck_assert_uint_eq(spill_records(s), HELD);
	ck_assert_uint_le(spill_file_bytes(s), 4 * (uint64_t)SPILL_SEGMENT);
	spill_close(s);
}
END_TEST

START_TEST(dropped_records_free_their_segment)
{
	static uint64_t where[3000];
	static uint8_t buf[4096];
	char err[256];
	struct spill *s = spill_open(dir, err, sizeof(err));
	uint64_t size;

	ck_assert_msg(s != NULL, "%s", err);
	for (size_t i = 0; i < 3000; i++) {
		record_fill(i, buf);
		ck_assert_int_eq(spill_put(s, buf, record_len(i), &where[i]), 0);
	}
	size = spill_file_bytes(s);
	for (size_t i = 0; i < 3000; i++)
		spill_drop(s, where[i]);
	ck_assert_uint_eq(spill_records(s), 0);
	for (size_t i = 0; i < 3000; i++) {     /* the same again: no segment more */
		record_fill(i, buf);
		ck_assert_int_eq(spill_put(s, buf, record_len(i), &where[i]), 0);
	}
	ck_assert_uint_le(spill_file_bytes(s), size);
	check_record(s, 2999, where[2999]);
	check_record(s, 0, where[0]);
	spill_close(s);
}
END_TEST

START_TEST(too_large_and_empty_records_are_refused)
{
	static uint8_t big[SPILL_MAX_RECORD + 1];
	char err[256];
	struct spill *s = spill_open(dir, err, sizeof(err));
	uint64_t where;

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(spill_put(s, big, sizeof(big), &where), -1);
	ck_assert_int_eq(spill_put(s, big, 0, &where), -1);
	ck_assert_int_eq(spill_put(s, big, SPILL_MAX_RECORD, &where), 0);
	ck_assert_uint_eq(spill_records(s), 1);
	spill_close(s);
}
END_TEST

START_TEST(no_directory_is_named_in_the_error)
{
	char err[256];

	ck_assert_ptr_null(spill_open("/nonexistent/spill", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/spill"));
}
END_TEST

/* A tmpfs of one segment: the second segment cannot be written.  Every
 * record put so far still comes back; new ones are refused (the caller
 * keeps those in memory). */
START_TEST(a_full_disk_loses_nothing)
{
	enum { N = 6000 };
	static uint64_t where[N];
	static uint8_t buf[4096];
	char err[256];
	struct spill *s;
	size_t put = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "a_full_disk_loses_nothing: needs root for a tmpfs; not run\n");
		return;
	}
	ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", 0, "size=4m"), 0);
	s = spill_open(dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	for (size_t i = 0; i < N; i++) {
		record_fill(i, buf);
		if (spill_put(s, buf, record_len(i), &where[i]) != 0)
			break;
		put++;
	}
	ck_assert_uint_lt(put, N);              /* refused once the disk was full */
	ck_assert_uint_gt(put, 2000);           /* after more than a segment */
	for (size_t i = 0; i < put; i++)
		check_record(s, i, where[i]);
	spill_close(s);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("spill");
	TCase *tc = tcase_create("spill");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, records_come_back_exactly_in_any_order);
	tcase_add_test(tc, the_file_grows_with_records_held_not_spilled);
	tcase_add_test(tc, dropped_records_free_their_segment);
	tcase_add_test(tc, too_large_and_empty_records_are_refused);
	tcase_add_test(tc, no_directory_is_named_in_the_error);
	tcase_add_test(tc, a_full_disk_loses_nothing);
	suite_add_tcase(su, tc);
	return run_suite(su);
}

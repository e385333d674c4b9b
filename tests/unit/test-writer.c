/*
 * test-writer.c: the store's writer thread (writer.h).
 *
 * What the analysis relies on: every flow and finding queued is in the
 * database after writer_sync or writer_finish, however few (the thread is
 * woken only by batches) or many (more than the queue holds); and every
 * flow written comes back exactly once through writer_take_written, on a
 * threaded writer and on one that writes at once.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow.h"
#include "names.h"
#include "store.h"
#include "writer.h"
#include "check-main.h"

#define T0 1763786000.0

static char dir[64];
static char dbpath[128];
static struct store *store;
static int64_t capture;

static void
setup(void)
{
	char err[512];
	struct capture_info ci = { .path = "test.pcap", .size = 1, .link_types = "EN10MB",
	    .source = "file", .profile = "linux", .vantage = "middle",
	    .status = "complete", .bulk = 1 };
	uint64_t base;

	snprintf(dir, sizeof(dir), "/tmp/test-writer-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/tcpmortem.db", dir);
	store = store_open(dbpath, STORE_WRITE, 1000, err, sizeof(err));
	ck_assert_msg(store != NULL, "%s", err);
	ck_assert_int_eq(store_begin_capture(store, &ci, &capture, &base, err, sizeof(err)), 0);
}

static void
teardown(void)
{
	char cmd[128];

	store_close(store);
	store = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Flow ID, one of many: a client port of its own. */
static struct flow *
numbered_flow(uint64_t id)
{
	struct flow *f = flow_alloc(0);

	f->v.id = id;
	ck_assert_int_eq(addr_parse("10.0.0.1", &f->v.addr[TM_CLIENT]), 0);
	ck_assert_int_eq(addr_parse("10.0.0.2", &f->v.addr[TM_SERVER]), 0);
	f->v.port[TM_CLIENT] = (uint16_t)(1024 + id % 60000);
	f->v.port[TM_SERVER] = 80;
	f->v.first_ts = f->v.last_ts = (tm_time_t)(T0 * 1e9) + (tm_time_t)id;
	f->v.incarnation = 1;
	f->v.end_reason = TM_END_CLOSED;
	return f;
}

static int64_t
count(const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(store), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Take what the writer handed back: each flow once, ids 1..N seen[]. */
static size_t
take_back(struct writer *w, unsigned char *seen, size_t n)
{
	size_t got = 0;

	for (struct flow *f = writer_take_written(w); f != NULL; ) {
		struct flow *next = (struct flow *)f->node.hnext;

		ck_assert_uint_ge(f->v.id, 1);
		ck_assert_uint_le(f->v.id, n);
		ck_assert_msg(!seen[f->v.id], "flow %llu handed back twice",
		    (unsigned long long)f->v.id);
		seen[f->v.id] = 1;
		got++;
		flow_free(f);
		f = next;
	}
	return got;
}

/* N flows and N/10 findings through a writer; all stored, all back. */
static void
write_many(int threaded, size_t n)
{
	unsigned char *seen = calloc(n + 1, 1);
	struct writer *w = writer_new(store, capture, threaded);
	size_t back = 0;
	char err[512];

	for (size_t id = 1; id <= n; id++) {
		ck_assert_int_eq(writer_flow(w, numbered_flow(id)), 0);
		if (id % 10 == 0) {
			struct tm_finding fd = { .kind = "fin-lost", .flow_id = id,
			    .side = TM_CLIENT, .ts = (tm_time_t)(T0 * 1e9), .detail = "lost" };

			ck_assert_int_eq(writer_finding(w, &fd, "teardown"), 0);
		}
		back += take_back(w, seen, n);
	}
	ck_assert_int_eq(writer_sync(w, err, sizeof(err)), 0);
	back += take_back(w, seen, n);
	ck_assert_uint_eq(back, n);
	ck_assert_int_eq(count("SELECT count(*) FROM flows"), (int64_t)n);
	ck_assert_int_eq(count("SELECT count(*) FROM findings"), (int64_t)(n / 10));
	ck_assert_int_eq(writer_finish(w, err, sizeof(err)), 0);
	free(seen);
}

/* Fewer than a batch: the thread is never woken by the queue, only by
 * the sync, and nothing may stay behind. */
START_TEST(fewer_than_a_batch_all_written_on_sync)
{
	write_many(1, WRITER_BATCH / 4);
}
END_TEST

/* Three times the queue: the analysis waits for room and wakes the writer. */
START_TEST(more_than_the_queue_all_written_and_back)
{
	write_many(1, 3 * WRITER_QUEUE + 7);
}
END_TEST

START_TEST(unthreaded_writer_hands_back_at_once)
{
	struct writer *w = writer_new(store, capture, 0);
	unsigned char seen[3] = { 0 };
	char err[512];

	ck_assert_int_eq(writer_flow(w, numbered_flow(1)), 0);
	ck_assert_uint_eq(take_back(w, seen, 2), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM flows"), 1);
	ck_assert_int_eq(writer_flow(w, numbered_flow(2)), 0);
	ck_assert_int_eq(writer_finish(w, err, sizeof(err)), 0); /* frees flow 2 */
	ck_assert_int_eq(count("SELECT count(*) FROM flows"), 2);
}
END_TEST

START_TEST(unthreaded_writer_many)
{
	write_many(0, 1000);
}
END_TEST

/* Finishing with flows written and not taken back frees them (ASan's
 * leak check is the assertion that matters here). */
START_TEST(finish_frees_flows_not_taken_back)
{
	struct writer *w = writer_new(store, capture, 1);
	char err[512];

	for (uint64_t id = 1; id <= 100; id++)
		ck_assert_int_eq(writer_flow(w, numbered_flow(id)), 0);
	ck_assert_int_eq(writer_finish(w, err, sizeof(err)), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM flows"), 100);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("writer");
	TCase *tc = tcase_create("writer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fewer_than_a_batch_all_written_on_sync);
	tcase_add_test(tc, more_than_the_queue_all_written_and_back);
	tcase_add_test(tc, unthreaded_writer_hands_back_at_once);
	tcase_add_test(tc, unthreaded_writer_many);
	tcase_add_test(tc, finish_frees_flows_not_taken_back);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

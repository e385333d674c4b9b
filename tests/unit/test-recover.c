/*
 * test-recover.c: captures left 'running' by a writer that is gone.
 *
 * Each writer is a real child process that opens the database through
 * store.h, commits a live capture's checkpoint and holds its locks as
 * cmd-capture.c does; the test then kills it, or keeps it alive, and asks
 * recover_orphans from the parent, as the next writer would.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recover.h"
#include "store.h"
#include "tmpdb.h"
#include "check-main.h"

static void
setup(void)
{
	tmpdb_make("recover", "tcpmortem.db");
}

static void
teardown(void)
{
	tmpdb_remove();
}

static struct store *
open_write(void)
{
	char err[512] = "";
	struct store *s = store_open(tmpdb_path, STORE_WRITE, 2000, err, sizeof(err));

	ck_assert_msg(s != NULL, "store_open: %s", err);
	return s;
}

static const char *
status_of(struct store *s, int64_t id)
{
	static char buf[32];
	sqlite3_stmt *st;

	buf[0] = '\0';
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(s), "SELECT status FROM captures WHERE id = ?",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* How a child writer ends. */
enum fate { KILLED, WAITS, STARTS_ONLY };

struct writer {
	pid_t pid;
	int release;            /* write end: closing it lets a waiting child exit */
	int64_t id;
};

/* Child: what cmd-capture.c does up to its first checkpoint and claim;
 * then die, or wait for the parent.  Reports the capture id on FD. */
static void
writer_child(enum fate fate, int report, int release)
{
	struct capture_info ci = { .path = "veth0", .size = -1, .source = "live",
	    .interface = "veth0", .profile = "linux", .status = "running" };
	char err[512], c;
	struct store *s = store_open(tmpdb_path, STORE_WRITE, 2000, err, sizeof(err));
	struct recover *r;
	uint64_t base;
	int64_t id = 0;

	if (s == NULL)
		_exit(10);
	r = recover_open(tmpdb_path);
	if (recover_starting(r) != 0)
		_exit(11);
	if (fate != STARTS_ONLY) {
		if (store_begin_capture(s, &ci, &id, &base, err, sizeof(err)) != 0 ||
		    store_checkpoint(s, id, &ci, err, sizeof(err)) != 0)
			_exit(12);
		if (recover_claim(r, id) != 0)
			_exit(13);
	}
	if (write(report, &id, sizeof(id)) != sizeof(id))
		_exit(14);
	if (fate == KILLED)
		raise(SIGKILL);
	while (read(release, &c, 1) > 0)
		;
	_exit(0);       /* no store_close: the locks go with the process */
}

static struct writer
writer_start(enum fate fate)
{
	struct writer w = { 0 };
	int rep[2], rel[2];

	ck_assert_int_eq(pipe(rep), 0);
	ck_assert_int_eq(pipe(rel), 0);
	if ((w.pid = fork()) == 0) {
		close(rep[0]);
		close(rel[1]);
		writer_child(fate, rep[1], rel[0]);
	}
	close(rep[1]);
	close(rel[0]);
	ck_assert_int_eq(read(rep[0], &w.id, sizeof(w.id)), sizeof(w.id));
	close(rep[0]);
	w.release = rel[1];
	if (fate == KILLED) {
		int st;

		ck_assert_int_eq(waitpid(w.pid, &st, 0), w.pid);
		ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		close(w.release);
	}
	return w;
}

static void
writer_end(struct writer *w)
{
	int st;

	close(w->release);
	ck_assert_int_eq(waitpid(w->pid, &st, 0), w->pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child writer status %d", st);
}

/* recover_orphans as the next writer runs it; its count. */
static int
recover_now(struct store *s, int64_t *ids)
{
	char err[512] = "";
	struct recover *r = recover_open(tmpdb_path);
	int n = recover_orphans(r, store_db(s), ids, 8, err, sizeof(err));

	ck_assert_msg(n >= 0, "recover_orphans: %s", err);
	recover_close(r);
	return n;
}

START_TEST(killed_writer_capture_marked_interrupted)
{
	struct writer w = writer_start(KILLED);
	struct store *s = open_write();
	int64_t ids[8];

	ck_assert_str_eq(status_of(s, w.id), "running");
	ck_assert_int_eq(recover_now(s, ids), 1);
	ck_assert_int_eq(ids[0], w.id);
	ck_assert_str_eq(status_of(s, w.id), "interrupted");
	ck_assert_int_eq(recover_now(s, ids), 0);
	store_close(s);
}
END_TEST

START_TEST(live_writer_capture_left_running_until_it_dies)
{
	struct writer w = writer_start(WAITS);
	struct store *s = open_write();
	int64_t ids[8];

	ck_assert_int_eq(recover_now(s, ids), 0);
	ck_assert_str_eq(status_of(s, w.id), "running");
	writer_end(&w);
	ck_assert_int_eq(recover_now(s, ids), 1);
	ck_assert_str_eq(status_of(s, w.id), "interrupted");
	store_close(s);
}
END_TEST

START_TEST(writer_starting_elsewhere_defers_every_recovery)
{
	struct writer dead = writer_start(KILLED);
	struct writer starting = writer_start(STARTS_ONLY);
	struct store *s = open_write();
	int64_t ids[8];

	ck_assert_int_eq(recover_now(s, ids), 0);
	ck_assert_str_eq(status_of(s, dead.id), "running");
	writer_end(&starting);
	ck_assert_int_eq(recover_now(s, ids), 1);
	ck_assert_str_eq(status_of(s, dead.id), "interrupted");
	store_close(s);
}
END_TEST

START_TEST(own_starting_lock_does_not_defer_recovery)
{
	struct writer w = writer_start(KILLED);
	struct store *s = open_write();
	struct recover *r = recover_open(tmpdb_path);
	int64_t ids[8];
	char err[512] = "";

	ck_assert_int_eq(recover_starting(r), 0);
	ck_assert_int_eq(recover_orphans(r, store_db(s), ids, 8, err, sizeof(err)), 1);
	ck_assert_str_eq(status_of(s, w.id), "interrupted");
	store_close(s);
	recover_close(r);
}
END_TEST

START_TEST(finished_captures_untouched)
{
	struct store *s = open_write();
	struct capture_info ci = { .path = "a.pcap", .size = 10, .mtime = 1, .profile = "linux",
	    .status = "complete" };
	int64_t id, ids[8];
	uint64_t base;
	char err[512] = "";

	ck_assert_int_eq(store_begin_capture(s, &ci, &id, &base, err, sizeof(err)), 0);
	ck_assert_int_eq(store_end_capture(s, id, &ci, err, sizeof(err)), 0);
	ck_assert_int_eq(recover_now(s, ids), 0);
	ck_assert_str_eq(status_of(s, id), "complete");
	store_close(s);
}
END_TEST

static Suite *
recover_suite(void)
{
	Suite *s = suite_create("recover");
	TCase *tc = tcase_create("recover");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, killed_writer_capture_marked_interrupted);
	tcase_add_test(tc, live_writer_capture_left_running_until_it_dies);
	tcase_add_test(tc, writer_starting_elsewhere_defers_every_recovery);
	tcase_add_test(tc, own_starting_lock_does_not_defer_recovery);
	tcase_add_test(tc, finished_captures_untouched);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(recover_suite());
}

/*
 * test-parallel.c: several files analysed at once, stored in order.
 *
 * Whatever finishes first, the files are reported and numbered in the
 * order given; a file that cannot be read is reported in its turn; a
 * file already stored is skipped unread, and one given twice is stored
 * once; the built-in detectors run in every worker; no scratch database
 * is left.  (tests/e2e/parallel.sh compares whole databases with -j 1.)
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parallel.h"
#include "profile.h"
#include "tmpdb.h"
#include "check-main.h"

#define MAX_FILES 8

struct seen {
	size_t n;
	char path[MAX_FILES][PATH_MAX];
	enum analysis_status st[MAX_FILES];
	int64_t capture[MAX_FILES], duplicate_of[MAX_FILES];
	uint64_t findings[MAX_FILES];
	char err[MAX_FILES][512];
};

static char sample[4][PATH_MAX];

static void
done(void *ctx, const char *path, enum analysis_status st, const struct analysis_result *res,
    const char *err)
{
	struct seen *s = ctx;

	ck_assert_uint_lt(s->n, MAX_FILES);
	snprintf(s->path[s->n], sizeof(s->path[0]), "%s", path);
	s->st[s->n] = st;
	s->capture[s->n] = res != NULL ? res->capture_id : -1;
	s->duplicate_of[s->n] = res != NULL ? res->duplicate_of : -1;
	s->findings[s->n] = res != NULL ? res->findings : 0;
	snprintf(s->err[s->n], sizeof(s->err[0]), "%s", err != NULL ? err : "");
	s->n++;
}

static void
setup(void)
{
	const char *top = getenv("top_srcdir");
	static const char *const names[] = { "anomaly-time-wait-storm.pcap", "refused.pcap",
		"client-closes.pcap", "anomaly-syn-flood.pcap" };

	tmpdb_make("parallel", "t.db");
	for (int i = 0; i < 4; i++)
		snprintf(sample[i], sizeof(sample[i]), "%s/samples/%s", top != NULL ? top : "..",
		    names[i]);
}

static void
teardown(void)
{
	tmpdb_remove();
}

/* Analyse FILES into the test database with JOBS, every built-in detector
 * on; what was reported goes into S. */
static void
analyse(char *const *files, size_t n, int jobs, struct seen *s)
{
	const char *top = getenv("top_builddir");
	char plugins[PATH_MAX], err[512] = "";
	const char *dirs[] = { plugins, NULL };
	struct detect_options dopt = { .plugin_dirs = dirs, .no_default_path = 1 };
	struct analysis_options ao = { .idle_timeout = 7200, .max_flows = 100000,
	    .max_embryonic = 20000, .pack_quiet = 1, .threads = 1 };
	struct parallel_options po = { .jobs = jobs, .db_path = tmpdb_path, .detect = &dopt,
	    .analysis = &ao, .done = done, .ctx = s };
	struct store *st = store_open(tmpdb_path, STORE_WRITE, 1000, err, sizeof(err));

	snprintf(plugins, sizeof(plugins), "%s/plugins/.libs", top != NULL ? top : "..");
	ck_assert_int_eq(profile_get("linux", &ao.profile), 0);
	ck_assert_msg(st != NULL, "%s", err);
	memset(s, 0, sizeof(*s));
	ck_assert_msg(parallel_analyze(st, files, n, &po, err, sizeof(err)) == 0, "%s", err);
	store_close(st);
}

/* Files in the test directory other than the database's own. */
static int
strays(void)
{
	DIR *d = opendir(tmpdb_dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".part-") != NULL;
	closedir(d);
	return n;
}

START_TEST(files_reported_and_numbered_in_the_order_given)
{
	char missing[PATH_MAX];
	char *files[] = { sample[0], sample[1], missing, sample[2], sample[3] };
	struct seen s;

	snprintf(missing, sizeof(missing), "%s/missing.pcap", tmpdb_dir);
	analyse(files, 5, _i == 0 ? 2 : _i == 1 ? 3 : 1, &s);
	ck_assert_uint_eq(s.n, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_str_eq(s.path[i], files[i]);
	ck_assert_int_eq(s.st[2], ANALYSIS_FAILED);
	ck_assert_ptr_nonnull(strstr(s.err[2], "missing.pcap"));
	ck_assert_int_eq(s.capture[0], 1);
	ck_assert_int_eq(s.capture[1], 2);
	ck_assert_int_eq(s.capture[3], 3);
	ck_assert_int_eq(s.capture[4], 4);
	ck_assert_uint_gt(s.findings[0], 0);       /* time-wait-storm */
	ck_assert_uint_gt(s.findings[4], 0);       /* syn-flood */
	/* Flow ids follow the captures, without gaps between them. */
	ck_assert_int_eq(tmpdb_count("SELECT count(*) FROM (SELECT capture, min(id) AS lo, "
	    "max(id) AS hi FROM flows GROUP BY capture) AS a JOIN (SELECT capture, min(id) AS "
	    "lo FROM flows GROUP BY capture) AS b ON b.capture = a.capture + 1 "
	    "WHERE b.lo <= a.hi"), 0);
	ck_assert_int_eq(tmpdb_count("SELECT count(*) FROM findings WHERE flow IS NOT NULL AND "
	    "(SELECT capture FROM flows WHERE id = flow) != findings.capture"), 0);
	ck_assert_int_eq(strays(), 0);
}
END_TEST

START_TEST(stored_file_skipped_and_file_given_twice_stored_once)
{
	char *first[] = { sample[1] };
	char *files[] = { sample[1], sample[2], sample[2] };
	struct seen s;

	analyse(first, 1, 1, &s);
	ck_assert_int_eq(s.capture[0], 1);
	analyse(files, 3, 2, &s);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(s.capture[0], 0);
	ck_assert_int_eq(s.duplicate_of[0], 1);
	ck_assert_int_eq(s.capture[1], 2);
	ck_assert_int_eq(s.capture[2], 0);
	ck_assert_int_eq(s.duplicate_of[2], 2);
	ck_assert_int_eq(tmpdb_count("SELECT count(*) FROM captures"), 2);
	ck_assert_int_eq(strays(), 0);
}
END_TEST

static Suite *
parallel_suite(void)
{
	Suite *s = suite_create("parallel");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, files_reported_and_numbered_in_the_order_given, 0, 3);
	tcase_add_test(tc, stored_file_skipped_and_file_given_twice_stored_once);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(parallel_suite());
}

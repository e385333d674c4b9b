/*
 * test-analysis.c: one capture through analysis_run(), as the commands do,
 * under the cap on connections that never came to life.
 *
 * samples/anomaly-syn-flood.pcap holds 3,000 spoofed SYNs and 5 real
 * connections.  With a cap of 50, almost all of the flood is counted
 * instead of stored; whatever is stored must be whole: a row for every
 * connection counted in captures.flows and no other, none left 'open',
 * and every finding's connection among them.  Live checkpoints (here one
 * every few frames) write connections that may later go under the cap.
 *
 * Each flow's row counts its findings, whichever flow was being handled
 * when they were reported (a fixture detector names the one before).
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "detect.h"
#include "profile.h"
#include "reader.h"
#include "store.h"
#include "tmpdb.h"
#include "check-main.h"

#define FLOOD_CONNECTIONS 3005  /* 3,000 spoofed SYNs, 5 real connections */

static void
setup(void)
{
	tmpdb_make("analysis", "t.db");
}

static void
teardown(void)
{
	tmpdb_remove();
}

/* Analyse samples/NAME into the test database, every detector on (and
 * the fixture detector FIXTURE's, if not NULL), with CHECKPOINT seconds
 * between live checkpoints (0: a file's run). */
static void
analyse(const char *name, const char *fixture, double checkpoint)
{
	const char *top = getenv("top_srcdir"), *build = getenv("top_builddir");
	char plugins[PATH_MAX], extra[PATH_MAX], sample[PATH_MAX], err[512] = "";
	const char *dirs[] = { plugins, fixture != NULL ? extra : NULL, NULL };
	struct detect_options dopt = { .plugin_dirs = dirs, .no_default_path = 1 };
	struct analysis_options ao = { .idle_timeout = 7200, .max_embryonic = 50,
	    .checkpoint_interval = checkpoint, .threads = 1 };
	struct reader_options ro = { 0 };
	struct analysis_result res;
	struct detect *d;
	struct reader *r;
	struct store *st;

	snprintf(plugins, sizeof(plugins), "%s/plugins/.libs", build != NULL ? build : "..");
	snprintf(extra, sizeof(extra), "%s/tests/data/plugins/%s/.libs",
	    build != NULL ? build : "..", fixture != NULL ? fixture : "");
	snprintf(sample, sizeof(sample), "%s/samples/%s", top != NULL ? top : "..", name);
	ck_assert_int_eq(profile_get("linux", &ao.profile), 0);
	ck_assert_msg((d = detect_load(&dopt, err, sizeof(err))) != NULL, "%s", err);
	ck_assert_msg((r = reader_open_file(sample, &ro, err, sizeof(err))) != NULL, "%s", err);
	ck_assert_msg((st = store_open(tmpdb_path, STORE_WRITE, 1000, err, sizeof(err))) != NULL,
	    "%s", err);
	memset(&res, 0, sizeof(res));
	ck_assert_msg(analysis_run(st, d, r, &ao, &res, err, sizeof(err)) == ANALYSIS_OK,
	    "%s", err);
	store_close(st);
	reader_close(r);
	detect_free(d);
}

static void
assert_whole(void)
{
	long long rows = tmpdb_count("SELECT count(*) FROM flows");

	ck_assert_int_eq(tmpdb_count("SELECT flows FROM captures"), rows);
	/* At least: a SYN-ACK repeated after its connection went under the cap
	 * makes a flow of its own, counted too (tcpmortem-analyze(1)). */
	ck_assert_int_ge(tmpdb_count("SELECT flows + flows_aggregated FROM captures"), FLOOD_CONNECTIONS);
	ck_assert_int_gt(tmpdb_count("SELECT flows_aggregated FROM captures"), 2000);
	ck_assert_int_eq(tmpdb_count("SELECT count(*) FROM flows WHERE end_reason = 'open'"), 0);
	ck_assert_int_eq(tmpdb_count("SELECT count(*) FROM findings WHERE flow IS NOT NULL "
	    "AND flow NOT IN (SELECT id FROM flows)"), 0);
	ck_assert_int_ge(tmpdb_count("SELECT count(*) FROM findings WHERE kind = 'syn-flood'"), 1);
}

/* Every flow's findings column says how many findings name it. */
static void
assert_counted(void)
{
	ck_assert_int_gt(tmpdb_count("SELECT count(*) FROM findings WHERE flow IS NOT NULL"), 0);
	ck_assert_int_eq(tmpdb_count("SELECT count(*) FROM flows AS f WHERE findings != "
	    "(SELECT count(*) FROM findings WHERE flow = f.id)"), 0);
}

START_TEST(flood_under_the_cap_stores_whole_rows)
{
	analyse("anomaly-syn-flood.pcap", NULL, 0);
	assert_whole();
	assert_counted();
}
END_TEST

/* A connection a checkpoint wrote keeps its row to the end: it is stored
 * when it goes under the cap, not left 'open' and counted twice. */
START_TEST(flood_under_the_cap_with_live_checkpoints_stores_whole_rows)
{
	analyse("anomaly-syn-flood.pcap", NULL, 1e-6);
	assert_whole();
	assert_counted();
}
END_TEST

/* Findings that name a flow already written: its row is counted again. */
START_TEST(findings_on_a_flow_written_before_are_counted_in_its_row)
{
	analyse("anomaly-time-wait-storm.pcap", "elsewhere", 0);
	ck_assert_int_gt(tmpdb_count("SELECT count(*) FROM findings WHERE kind = 'fixture-kind' "
	    "AND detail = 'on the flow that ended before it'"), 2);
	assert_counted();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("analysis");
	TCase *tc = tcase_create("cap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, flood_under_the_cap_stores_whole_rows);
	tcase_add_test(tc, flood_under_the_cap_with_live_checkpoints_stores_whole_rows);
	tcase_add_test(tc, findings_on_a_flow_written_before_are_counted_in_its_row);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

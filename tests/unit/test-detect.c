/* test-detect.c: the detector host: loading, refusals, --disable, --set,
 * the plugin path, the vantage. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "play.h"
#include "check-main.h"

static char err[1024];

static struct detect *
load_dirs(const char *a, const char *b, const char *const *dis, const char *const *set)
{
	const char *dirs[] = { a, b, NULL };
	struct detect_options o = { .plugin_dirs = dirs, .disabled = dis, .settings = set,
	    .no_default_path = 1 };

	err[0] = '\0';
	return detect_load(&o, err, sizeof(err));
}

static const char *
fixture_dir(const char *name)
{
	static char dir[4][4096];
	static int n;
	const char *top = getenv("top_builddir");
	char *d = dir[n++ % 4];

	snprintf(d, sizeof(dir[0]), "%s/tests/data/plugins/%s/.libs", top ? top : ".", name);
	return d;
}

START_TEST(build_tree_plugins_load_with_every_catalogue_kind)
{
	static const char *const catalogue[] = { "syn-retransmit", "synack-retransmit",
	    "handshake-ack-lost", "handshake-timeout", "connection-refused", "syn-with-data",
	    "simultaneous-open", "old-duplicate-syn", "syn-flood", "port-reuse-in-time-wait",
	    "isn-reuse", "fin-lost", "fin-ack-lost", "rst-after-time-wait",
	    "time-wait-assassination", "close-wait-stuck", "fin-wait-2-timeout",
	    "abortive-close", "simultaneous-close", "data-after-fin", "rst-injection-suspect",
	    "time-wait-storm", "port-exhaustion-risk", NULL };
	struct detect *d = load_dirs(play_plugin_dir(), NULL, NULL, NULL);

	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_uint_ge(detect_count(d), 6);
	ck_assert_uint_eq(detect_slots(d), detect_count(d));
	for (const char *const *k = catalogue; *k != NULL; k++) {
		int owners = 0;

		for (size_t i = 0; i < detect_count(d); i++)
			for (const char *const *dk = detect_get(d, i, NULL)->kinds; *dk; dk++)
				owners += strcmp(*dk, *k) == 0;
		ck_assert_msg(owners == 1, "kind %s has %d detectors", *k, owners);
	}
	detect_free(d);
}
END_TEST

START_TEST(wrong_abi_plugin_is_refused_naming_the_file)
{
	const char *dir = fixture_dir("badabi");
	char want[4200];

	ck_assert_ptr_null(load_dirs(dir, NULL, NULL, NULL));
	snprintf(want, sizeof(want), "%s/badabi.so: detector ABI version 99, this tcpmortem "
	    "needs 1", dir);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(short_struct_plugin_is_refused)
{
	ck_assert_ptr_null(load_dirs(fixture_dir("short"), NULL, NULL, NULL));
	ck_assert_ptr_nonnull(strstr(err, "short.so: detector struct of"));
}
END_TEST

/* A plugin built against the 1.0 header loads; what it cannot have
 * declared (slot_size) is taken as 0, whatever lies past its struct. */
START_TEST(v1_struct_plugin_loads_without_packed_slots)
{
	struct detect *d = load_dirs(fixture_dir("v1"), NULL, NULL, NULL);

	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_uint_eq(detect_count(d), 1);
	ck_assert_uint_eq(detect_slot_sizes(d)[0], 0);
	detect_free(d);
}
END_TEST

/* The build tree's detectors with per-flow records let them be packed. */
START_TEST(slot_sizes_come_from_the_detectors)
{
	struct detect *d = load_dirs(play_plugin_dir(), NULL, NULL, NULL);
	int sized = 0;

	ck_assert_msg(d != NULL, "%s", err);
	for (size_t i = 0; i < detect_count(d); i++) {
		const char *name = detect_get(d, i, NULL)->name;
		uint32_t size = detect_slot_sizes(d)[i];

		if (strcmp(name, "handshake") == 0 || strcmp(name, "teardown") == 0) {
			ck_assert_uint_gt(size, 64);
			sized++;
		} else if (strcmp(name, "synflood") == 0) {
			ck_assert_uint_eq(size, 0);     /* a marker, not a block */
		}
	}
	ck_assert_int_eq(sized, 2);
	detect_free(d);
}
END_TEST

START_TEST(kind_claimed_by_two_detectors_is_refused)
{
	ck_assert_ptr_null(load_dirs(play_plugin_dir(), fixture_dir("dupkind"), NULL, NULL));
	ck_assert_ptr_nonnull(strstr(err, "dupkind.so: kind 'fin-lost' of detector 'fixture' "
	    "is already reported by 'teardown'"));
}
END_TEST

START_TEST(first_detector_of_a_name_wins)
{
	struct detect *d = load_dirs(play_plugin_dir(), play_plugin_dir(), NULL, NULL);
	size_t n = 0;

	ck_assert_msg(d != NULL, "%s", err);
	for (size_t i = 0; i < detect_count(d); i++)
		n += strcmp(detect_get(d, i, NULL)->name, "teardown") == 0;
	ck_assert_uint_eq(n, 1);
	detect_free(d);
}
END_TEST

START_TEST(missing_plugin_dir_named_by_user_is_an_error)
{
	ck_assert_ptr_null(load_dirs("/nonexistent/plugins", NULL, NULL, NULL));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/plugins"));
}
END_TEST

START_TEST(disable_unknown_kind_is_an_error)
{
	const char *dis[] = { "no-such-kind", NULL };

	ck_assert_ptr_null(load_dirs(play_plugin_dir(), NULL, dis, NULL));
	ck_assert_str_eq(err, "--disable no-such-kind: no loaded detector reports that kind "
	    "(see tcpmortem plugins)");
}
END_TEST

START_TEST(set_unknown_option_or_bad_value_is_an_error)
{
	const char *bad_name[] = { "no.such=1", NULL };
	const char *bad_value[] = { "syn-flood.min-syns=many", NULL };
	const char *no_eq[] = { "syn-flood.min-syns", NULL };

	ck_assert_ptr_null(load_dirs(play_plugin_dir(), NULL, NULL, bad_name));
	ck_assert_ptr_nonnull(strstr(err, "--set no.such: no loaded detector has that option"));
	ck_assert_ptr_null(load_dirs(play_plugin_dir(), NULL, NULL, bad_value));
	ck_assert_ptr_nonnull(strstr(err, "'many' is not a number"));
	ck_assert_ptr_null(load_dirs(play_plugin_dir(), NULL, NULL, no_eq));
	ck_assert_ptr_nonnull(strstr(err, "expected NAME=VALUE"));
}
END_TEST

/* A fin-lost ladder: the wave 1 FIN sent three times. */
static void
fin_lost_ladder(void)
{
	play_open(0);
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.0));
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.2));
	play(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1.6));
	play_end(5);
}

START_TEST(disable_kind_suppresses_only_that_kind)
{
	const char *dis[] = { "fin-lost", NULL };

	play_start();
	fin_lost_ladder();
	ck_assert_ptr_nonnull(found("fin-lost"));
	ck_assert_ptr_nonnull(found("close-wait-stuck"));
	play_start_with(NULL, dis, TM_VANTAGE_UNKNOWN);
	fin_lost_ladder();
	ck_assert_ptr_null(found("fin-lost"));
	ck_assert_ptr_nonnull(found("close-wait-stuck"));
}
END_TEST

START_TEST(disable_detector_by_name_turns_it_off)
{
	const char *dis[] = { "teardown", NULL };
	struct detect *d;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	play_start_with(NULL, dis, TM_VANTAGE_UNKNOWN);
	fin_lost_ladder();
	ck_assert_ptr_null(found("fin-lost"));
	ck_assert_ptr_null(found("close-wait-stuck"));
	d = load_dirs(play_plugin_dir(), NULL, dis, NULL);
	ck_assert_ptr_nonnull(d);
	out = open_memstream(&buf, &len);
	detect_list(d, out, DETECT_LIST_JSON);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "\"name\":\"teardown\""));
	ck_assert_ptr_nonnull(strstr(strstr(buf, "\"name\":\"teardown\""), "\"enabled\":false"));
	free(buf);
	detect_free(d);
}
END_TEST

START_TEST(set_reaches_the_detector)
{
	const char *set[] = { "close-wait-stuck.at-end-seconds=1000", NULL };

	play_start_with(set, NULL, TM_VANTAGE_UNKNOWN);
	fin_lost_ladder();
	ck_assert_ptr_nonnull(found("fin-lost"));
	ck_assert_ptr_null(found("close-wait-stuck"));
}
END_TEST

START_TEST(list_json_has_file_version_kinds_and_option_defaults)
{
	struct detect *d = load_dirs(play_plugin_dir(), NULL, NULL, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(d);
	detect_list(d, out, DETECT_LIST_JSON);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "\"name\":\"synflood\""));
	ck_assert_ptr_nonnull(strstr(buf, "synflood.so\",\"version\":\"1.0\""));
	ck_assert_ptr_nonnull(strstr(buf, "{\"name\":\"syn-flood.min-syns\",\"default\":100,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"kinds\":[\"syn-flood\"]"));
	free(buf);
	detect_free(d);
}
END_TEST

static struct detect *
vantage_after(double g1, double g2, int n, enum tm_vantage stated)
{
	const char *dirs[] = { NULL };
	struct detect_options o = { .plugin_dirs = dirs, .vantage = stated, .no_default_path = 1 };
	struct detect *d = detect_load(&o, err, sizeof(err));

	for (int i = 0; i < n; i++) {
		tm_time_t t = (tm_time_t)i * TM_NSEC_PER_SEC;

		detect_observe_handshake(d, t, t + (tm_time_t)(g1 * 1e9),
		    t + (tm_time_t)((g1 + g2) * 1e9));
	}
	return d;
}

START_TEST(vantage_is_inferred_from_handshake_gaps)
{
	struct detect *d;

	d = vantage_after(0.050, 0.0001, 9, TM_VANTAGE_UNKNOWN);
	ck_assert_int_eq(detect_vantage(d), TM_VANTAGE_CLIENT);
	detect_free(d);
	d = vantage_after(0.0001, 0.050, 9, TM_VANTAGE_UNKNOWN);
	ck_assert_int_eq(detect_vantage(d), TM_VANTAGE_SERVER);
	detect_free(d);
	d = vantage_after(0.020, 0.025, 9, TM_VANTAGE_UNKNOWN);
	ck_assert_int_eq(detect_vantage(d), TM_VANTAGE_MIDDLE);
	detect_free(d);
	d = vantage_after(0.050, 0.0001, 9, TM_VANTAGE_SERVER);
	ck_assert_int_eq(detect_vantage(d), TM_VANTAGE_SERVER);   /* stated wins */
	detect_free(d);
	d = vantage_after(0, 0, 0, TM_VANTAGE_UNKNOWN);
	ck_assert_int_eq(detect_vantage(d), TM_VANTAGE_UNKNOWN);  /* nothing seen */
	detect_free(d);
}
END_TEST

START_TEST(vantage_majority_survives_a_few_outliers)
{
	struct detect *d = vantage_after(0.050, 0.0001, 8, TM_VANTAGE_UNKNOWN);

	detect_observe_handshake(d, 100, 200, 100000000);       /* one odd handshake */
	detect_observe_handshake(d, 100, 200, 100000000);
	ck_assert_int_eq(detect_vantage(d), TM_VANTAGE_CLIENT);
	detect_free(d);
}
END_TEST

/* Under a SYN flood most connections are one SYN: no detector may allocate
 * for them (the synflood detector only marks its slot). */
START_TEST(lone_syn_costs_no_detector_memory)
{
	struct flow *f;

	play_start();
	play(pkt_at(C, SYN, 1000, 0, 0, 0));
	f = play_flows[0];
	for (size_t i = 0; i < detect_slots(play_det); i++)
		ck_assert_msg(f->slots[i] == NULL || f->slots[i] == (void *)1,
		    "detector %s allocated for a lone SYN", detect_get(play_det, i, NULL)->name);
	play_end(1);
}
END_TEST

START_TEST(example_detector_reports_a_zero_window_held_two_seconds)
{
	struct packet zero;
	const struct found *f;

	play_start();
	play_open(0);
	play(pkt_at(C, ACK | PSH, 1001, 5001, 100, 0.5));
	zero = pkt_at(S, ACK, 5001, 1101, 0, 1.0);
	zero.window = 0;
	play(zero);                                             /* 5 */
	play(pkt_at(S, ACK, 5001, 1101, 0, 3.0));              /* 6: open again */
	play_end(4);
	ck_assert_ptr_nonnull(f = found("zero-window"));
	ck_assert_str_eq(f->detector, "example");
	ck_assert_int_eq(f->side, TM_SERVER);
	ck_assert(has_frame(f, 5) && has_frame(f, 6));
	ck_assert_ptr_nonnull(strstr(f->detail, "for 2.0 s"));
}
END_TEST

/* Live capture: detect_set_drops() at a checkpoint; what is found after it
 * may rest on missing packets, and says so.  Without drops it does not. */
START_TEST(finding_after_kernel_drops_says_evidence_may_be_missing)
{
	struct packet zero;
	const struct found *f;

	play_start();
	play_open(0);
	zero = pkt_at(S, ACK, 5001, 1001, 0, 1.0);
	zero.window = 0;
	play(zero);
	detect_set_drops(play_det, 7);
	play(pkt_at(S, ACK, 5001, 1001, 0, 3.0));
	play_end(4);
	ck_assert_ptr_nonnull(f = found("zero-window"));
	ck_assert_ptr_nonnull(strstr(f->detail, "dropped 7 packets"));

	play_start();
	play_open(0);
	play(zero);
	play(pkt_at(S, ACK, 5001, 1001, 0, 3.0));
	play_end(4);
	ck_assert_ptr_nonnull(f = found("zero-window"));
	ck_assert_ptr_null(strstr(f->detail, "dropped"));
}
END_TEST

/* tm_addr_eq, the header's helper for detectors' tables: the family and
 * the address's own bytes, nothing past an IPv4 address's four. */
START_TEST(addresses_compare_by_family_and_their_own_bytes)
{
	struct tm_addr a = { .family = 4, .bytes = { 10, 0, 0, 1 } }, b = a, c;

	ck_assert(tm_addr_eq(&a, &b));
	b.bytes[9] = 7;                         /* past the four: not compared */
	ck_assert(tm_addr_eq(&a, &b));
	b.bytes[3] = 2;
	ck_assert(!tm_addr_eq(&a, &b));
	c = a;
	c.family = 6;                           /* the same bytes, another family */
	ck_assert(!tm_addr_eq(&a, &c));
	a.family = 6;
	ck_assert(tm_addr_eq(&a, &c));
	c.bytes[15] = 1;                        /* an IPv6 address's last byte */
	ck_assert(!tm_addr_eq(&a, &c));
	c.bytes[15] = 0;
	c.bytes[8] = 1;
	ck_assert(!tm_addr_eq(&a, &c));
}
END_TEST

START_TEST(report_of_a_kind_not_the_detectors_own_is_refused)
{
	const char *dirs[] = { play_plugin_dir(), fixture_dir("liar"), NULL };
	struct detect_options o = { .plugin_dirs = dirs, .no_default_path = 1 };
	const struct found *f;

	profile_get("linux", &play_prof);
	pkt_frame = 0;
	nfindings = play_nflows = 0;
	play_det = detect_load(&o, err, sizeof(err));
	ck_assert_msg(play_det != NULL, "%s", err);
	ck_assert_int_eq(detect_begin(play_det, &play_prof, play_sink, NULL, err, sizeof(err)), 0);
	play(pkt_at(C, SYN, 1000, 0, 0, 0));
	play_end(1);
	ck_assert_ptr_nonnull(f = found("fixture-kind"));
	ck_assert_str_eq(f->detail, "report of a foreign kind returned -1");
	ck_assert_ptr_null(found("fin-lost"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("detect");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, build_tree_plugins_load_with_every_catalogue_kind);
	tcase_add_test(tc, addresses_compare_by_family_and_their_own_bytes);
	tcase_add_test(tc, wrong_abi_plugin_is_refused_naming_the_file);
	tcase_add_test(tc, short_struct_plugin_is_refused);
	tcase_add_test(tc, v1_struct_plugin_loads_without_packed_slots);
	tcase_add_test(tc, slot_sizes_come_from_the_detectors);
	tcase_add_test(tc, kind_claimed_by_two_detectors_is_refused);
	tcase_add_test(tc, first_detector_of_a_name_wins);
	tcase_add_test(tc, missing_plugin_dir_named_by_user_is_an_error);
	tcase_add_test(tc, disable_unknown_kind_is_an_error);
	tcase_add_test(tc, set_unknown_option_or_bad_value_is_an_error);
	tcase_add_test(tc, disable_kind_suppresses_only_that_kind);
	tcase_add_test(tc, disable_detector_by_name_turns_it_off);
	tcase_add_test(tc, set_reaches_the_detector);
	tcase_add_test(tc, list_json_has_file_version_kinds_and_option_defaults);
	tcase_add_test(tc, vantage_is_inferred_from_handshake_gaps);
	tcase_add_test(tc, vantage_majority_survives_a_few_outliers);
	tcase_add_test(tc, lone_syn_costs_no_detector_memory);
	tcase_add_test(tc, example_detector_reports_a_zero_window_held_two_seconds);
	tcase_add_test(tc, report_of_a_kind_not_the_detectors_own_is_refused);
	tcase_add_test(tc, finding_after_kernel_drops_says_evidence_may_be_missing);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

/*
 * test-flowjson.c: a flow's timelines and ladder as JSON, exactly.
 *
 * The expected strings are written out in full, so a digit, a sign, an
 * escape or a separator out of place fails; every result is also handed
 * to SQLite's json_valid(), the parser the views read it with.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowjson.h"
#include "check-main.h"

static struct flow *
blank_flow(tm_time_t first_ts, uint64_t first_frame)
{
	struct flow *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	f->v.first_ts = first_ts;
	f->v.first_frame = first_frame;
	return f;
}

static void
add_transition(struct flow *f, enum tm_side side, tm_time_t ts, uint64_t frame,
    enum tm_state from, enum tm_state to, const char *cause)
{
	struct timeline *tl = &f->tl[side];

	tl->items = realloc(tl->items, (tl->n + 1) * sizeof(*tl->items));
	tl->items[tl->n++] = (struct tm_transition){ .side = side, .from = from, .to = to,
	    .ts = ts, .frame = frame, .cause = cause };
}

static void
add_line(struct flow *f, struct ladder_entry e)
{
	f->ladder = realloc(f->ladder, (f->nladder + 1) * sizeof(*f->ladder));
	f->ladder[f->nladder++] = e;
}

static void
free_flow(struct flow *f)
{
	free(f->tl[0].items);
	free(f->tl[1].items);
	free(f->ladder);
	free(f);
}

/* Whether SQLite parses TEXT as JSON with N elements at the top. */
static void
assert_sqlite_reads(const char *text, int n)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT json_valid(?1), json_array_length(?1)",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
	ck_assert_int_eq(sqlite3_column_int(st, 1), n);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

START_TEST(empty_flow_gives_empty_arrays)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(0, 1);

	ck_assert_str_eq(flowjson_timeline(&j, f), "[]");
	ck_assert_str_eq(flowjson_ladder(&j, f), "[]");
	flowjson_free(&j);
	ck_assert_ptr_null(j.p);
	free_flow(f);
}
END_TEST

/* Both sides merged by time; in one frame the sender's change first; a
 * timer's transition (no frame) as null; times and frames relative. */
START_TEST(timeline_merged_in_time_order)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(1000000000, 100);
	const char *s;

	add_transition(f, TM_CLIENT, 1000000000, 100, TM_CLOSED, TM_SYN_SENT, "send SYN");
	add_transition(f, TM_SERVER, 1000000000, 100, TM_LISTEN, TM_SYN_RECEIVED, "recv SYN");
	add_transition(f, TM_CLIENT, 1000000010, 101, TM_SYN_SENT, TM_ESTABLISHED,
	    "recv SYN-ACK");
	add_transition(f, TM_SERVER, 1000000009, 101, TM_SYN_RECEIVED, TM_ESTABLISHED,
	    "send SYN-ACK");
	add_transition(f, TM_CLIENT, 61000000010, 0, TM_TIME_WAIT, TM_CLOSED, "2MSL");
	s = flowjson_timeline(&j, f);
	ck_assert_str_eq(s, "[[0,0,1,3,0,\"send SYN\"],[1,0,2,4,0,\"recv SYN\"],"
	    "[1,9,4,5,1,\"send SYN-ACK\"],[0,10,3,5,1,\"recv SYN-ACK\"],"
	    "[0,60000000010,11,1,null,\"2MSL\"]]");
	assert_sqlite_reads(s, 5);
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

/* Within one frame the sender's change comes first whichever side sent. */
START_TEST(timeline_sender_first_within_a_frame)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(0, 1);

	add_transition(f, TM_CLIENT, 5, 7, TM_ESTABLISHED, TM_CLOSE_WAIT, "recv FIN");
	add_transition(f, TM_SERVER, 5, 7, TM_ESTABLISHED, TM_FIN_WAIT_1, "send FIN");
	ck_assert_str_eq(flowjson_timeline(&j, f),
	    "[[1,5,5,6,6,\"send FIN\"],[0,5,5,8,6,\"recv FIN\"]]");
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

/* Transitions before the flow's first packet (a clock that went back)
 * are negative; states out of range are written as UNKNOWN. */
START_TEST(timeline_negative_times_and_bad_states)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(INT64_C(2000000000000000000), 10);

	add_transition(f, TM_CLIENT, INT64_C(1999999999999999999), 9, TM_CLOSED,
	    (enum tm_state)200, "x");
	ck_assert_str_eq(flowjson_timeline(&j, f), "[[0,-1,1,0,-1,\"x\"]]");
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

/* Causes are ours, but escaped all the same: quotes, backslashes and
 * control characters. */
START_TEST(causes_escaped)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(0, 1);
	const char *s;

	add_transition(f, TM_SERVER, 0, 0, TM_LISTEN, TM_CLOSED, "a\"b\\c\n\x01\x1f~");
	s = flowjson_timeline(&j, f);
	ck_assert_str_eq(s, "[[1,0,2,1,null,\"a\\\"b\\\\c\\u000a\\u0001\\u001f~\"]]");
	assert_sqlite_reads(s, 1);
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

/* Every digit count, both extremes of the numbers a line holds. */
START_TEST(ladder_numbers_at_every_width)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(0, 1);
	static const uint32_t widths[] = { 0, 9, 10, 99, 100, 999, 1000, 65535, 4294967295u };
	char want[256];

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		uint32_t v = widths[i];

		free(f->ladder);
		f->ladder = NULL;
		f->nladder = 0;
		add_line(f, (struct ladder_entry){ .frame = 1 + (uint64_t)v, .last_frame = 1 + (uint64_t)v,
		    .ts = v, .last_ts = v, .from = TM_SERVER, .flags = TM_TH_ACK,
		    .rel_seq = v, .rel_ack = v, .len = v, .window = (uint16_t)v,
		    .count = v, .retransmission = (uint8_t)v });
		snprintf(want, sizeof(want), "[[%" PRIu32 ",0,%" PRIu32 ",0,1,\".\",%" PRIu32 ",%"
		    PRIu32 ",%" PRIu32 ",%u,%" PRIu32 ",%u]]", v, v, v, v, v, (unsigned)(uint16_t)v,
		    v ? v : 1, (unsigned)(uint8_t)v);
		ck_assert_str_eq(flowjson_ladder(&j, f), want);
	}
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

START_TEST(ladder_64_bit_extremes)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(INT64_MAX, 0);
	const char *s;

	/* A frame 2^64-1 after the first, a time INT64_MIN+... before it. */
	add_line(f, (struct ladder_entry){ .frame = UINT64_MAX, .last_frame = 0,
	    .ts = -1, .last_ts = 0, .from = TM_CLIENT, .flags = 0 });
	s = flowjson_ladder(&j, f);
	ck_assert_str_eq(s, "[[-1,0,-9223372036854775808,0,0,\"none\",0,0,0,0,1,0]]");
	assert_sqlite_reads(s, 1);
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

/* Every count of digits a time takes, each at its edges (10^k - 1, 10^k,
 * 10^k + 1) and negated, against printf. */
START_TEST(ladder_times_at_every_power_of_ten)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(0, 1);
	char want[128];
	int64_t p = 1;

	for (int k = 0; k <= 18; k++) {         /* p = 10^k */
		for (int64_t d = -1; d <= 1; d++)
			for (int sign = 1; sign >= -1; sign -= 2) {
				int64_t v = sign * (p + d);

				f->nladder = 0;
				add_line(f, (struct ladder_entry){ .frame = 1, .ts = v,
				    .from = TM_CLIENT, .flags = TM_TH_ACK });
				snprintf(want, sizeof(want), "[[0,0,%" PRId64 ",0,0,\".\",0,0,0,0,1,0]]",
				    v);
				ck_assert_str_eq(flowjson_ladder(&j, f), want);
			}
		if (k < 18)
			p *= 10;
	}
	f->nladder = 0;
	add_line(f, (struct ladder_entry){ .frame = 1, .ts = INT64_MAX, .from = TM_CLIENT });
	ck_assert_str_eq(flowjson_ladder(&j, f),
	    "[[0,0,9223372036854775807,0,0,\"none\",0,0,0,0,1,0]]");
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

/* Runs: the frame and time spans to the run's last segment; flags in
 * tcpdump's order. */
START_TEST(ladder_runs_and_flag_spelling)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(1000, 50);
	const char *s;

	add_line(f, (struct ladder_entry){ .frame = 50, .ts = 1000, .from = TM_CLIENT,
	    .flags = TM_TH_SYN | TM_TH_ECE | TM_TH_CWR, .window = 64240, .count = 1 });
	add_line(f, (struct ladder_entry){ .frame = 53, .last_frame = 60, .ts = 2000,
	    .last_ts = 9000, .from = TM_SERVER, .flags = TM_TH_PSH | TM_TH_ACK, .rel_seq = 1,
	    .rel_ack = 1, .len = 14480, .window = 502, .count = 8, .retransmission = 1 });
	add_line(f, (struct ladder_entry){ .frame = 61, .ts = 9500, .from = TM_CLIENT,
	    .flags = 0xff, .count = 1 });
	s = flowjson_ladder(&j, f);
	ck_assert_str_eq(s, "[[0,0,0,0,0,\"SEW\",0,0,0,64240,1,0],"
	    "[3,7,1000,7000,1,\"P.\",1,1,14480,502,8,1],"
	    "[11,0,8500,0,0,\"FSRP.UEW\",0,0,0,0,1,0]]");
	assert_sqlite_reads(s, 3);
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

/* Past the first buffer (4096 bytes): the text grows, nothing is cut, and
 * the buffer is reused for the next flow. */
START_TEST(long_ladder_grows_the_buffer)
{
	struct flowjson j = { 0 };
	struct flow *f = blank_flow(0, 1);
	const char *s;
	size_t len;

	for (int i = 0; i < FLOW_LADDER_MAX; i++)
		add_line(f, (struct ladder_entry){ .frame = 1 + (uint64_t)i * 1000000007u,
		    .ts = (tm_time_t)i * 999999937, .from = i & 1, .flags = TM_TH_ACK,
		    .rel_seq = 4000000000u, .rel_ack = 4000000000u, .len = 1448,
		    .window = 65535, .count = 1 });
	s = flowjson_ladder(&j, f);
	len = strlen(s);
	ck_assert_uint_eq(j.n, len + 1);        /* what the store binds */
	ck_assert_uint_gt(len, 4096);
	ck_assert_int_eq(s[0], '[');
	ck_assert_int_eq(s[len - 1], ']');
	assert_sqlite_reads(s, FLOW_LADDER_MAX);
	f->nladder = 1;
	ck_assert_str_eq(flowjson_ladder(&j, f),
	    "[[0,0,0,0,0,\".\",4000000000,4000000000,1448,65535,1,0]]");
	ck_assert_uint_eq(j.n, strlen(j.p) + 1);
	ck_assert_uint_eq(strlen(flowjson_timeline(&j, f)) + 1, j.n);
	flowjson_free(&j);
	free_flow(f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flowjson");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, empty_flow_gives_empty_arrays);
	tcase_add_test(tc, timeline_merged_in_time_order);
	tcase_add_test(tc, timeline_sender_first_within_a_frame);
	tcase_add_test(tc, timeline_negative_times_and_bad_states);
	tcase_add_test(tc, causes_escaped);
	tcase_add_test(tc, ladder_numbers_at_every_width);
	tcase_add_test(tc, ladder_64_bit_extremes);
	tcase_add_test(tc, ladder_times_at_every_power_of_ten);
	tcase_add_test(tc, ladder_runs_and_flag_spelling);
	tcase_add_test(tc, long_ladder_grows_the_buffer);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

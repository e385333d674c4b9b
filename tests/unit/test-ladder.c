/*
 * test-ladder.c: a hand-built flow gives the expected ladder lines.
 *
 * Flow 7: 10.0.0.1:40000 -> 10.0.0.2:80 at t=100; handshake, a run of 12
 * data segments, the client closes, its final ACK (frame 19) is lost after
 * the tap so the server retransmits its FIN (frame 20), and the client's
 * TIME-WAIT (entered at frame 18) ends by the 2MSL timer.  The expected
 * lines below were laid out by hand from the format documented in
 * ladder.h: frame (5), time (9), client state (13), lifeline, arrow (35:
 * the widest label plus room), lifeline, server state, evidence marks.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder.h"
#include "schema.h"
#include "check-main.h"

static const char flow_sql[] =
"INSERT INTO captures (id, path, profile, status, analysed_at, tool_version) VALUES"
" (1, 'x.pcap', 'linux', 'complete', 0, 't');"
"INSERT INTO flows (id, capture, family, client, client_port, server, server_port,"
" first_ts, last_ts, duration, first_frame, last_frame, packets, bytes, client_packets,"
" client_bytes, server_packets, server_bytes, handshake, close, closer, client_state,"
" server_state, incarnation, end_reason) VALUES (7, 1, 4, '10.0.0.1', 40000, '10.0.0.2',"
" 80, 100, 100.301, 0.301, 1, 21, 21, 3400, 16, 3400, 5, 0, 'complete', 'fin', 'client',"
" 'CLOSED', 'CLOSED', 1, 'closed');"
"INSERT INTO flow_details (flow, ladder, timeline) VALUES (7, '["
" [0,0,0,0,0,\"S\",0,0,0,64240,1,0],"
" [1,0,1000000,0,1,\"S.\",0,1,0,65160,1,0],"
" [2,0,2000000,0,0,\".\",1,1,0,502,1,0],"
" [3,11,3000000,47000000,0,\"P.\",1,1,3400,502,12,0],"
" [15,0,60000000,0,0,\"F.\",3401,1,0,502,1,0],"
" [16,0,61000000,0,1,\".\",1,3402,0,509,1,0],"
" [17,0,70000000,0,1,\"F.\",1,3402,0,509,1,0],"
" [18,0,71000000,0,0,\".\",3402,2,0,502,1,0],"
" [19,0,300000000,0,1,\"F.\",1,3402,0,509,1,1],"
" [20,0,301000000,0,0,\".\",3402,2,0,502,1,0]"
"]', '["
" [0,0,1,3,0,\"send SYN\"],[1,0,2,4,0,\"recv SYN\"],"
" [0,1000000,3,5,1,\"recv SYN-ACK\"],"
" [1,2000000,4,5,2,\"recv ACK of SYN\"],"
" [0,60000000,5,6,15,\"send FIN\"],[1,60000000,5,8,15,\"recv FIN\"],"
" [0,61000000,6,7,16,\"recv ACK of FIN\"],"
" [1,70000000,8,10,17,\"send FIN\"],[0,70000000,7,11,17,\"recv FIN\"],"
" [1,301000000,10,1,20,\"recv ACK of FIN\"],"
" [0,60071000000,11,1,null,\"timer 2MSL\"]"
"]');"
"INSERT INTO findings (id, capture, kind, flow, side, ts, host, port, frames, detail,"
" detector) VALUES (1, 1, 'fin-ack-lost', 7, 'client', 100.3, '10.0.0.1', 40000,"
" '[19,20]', 'wave 4 lost', 't');";

static sqlite3 *
make_db(void)
{
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, schema_sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	ck_assert_msg(sqlite3_exec(db, flow_sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	return db;
}

#define MAX_LINES 40

/* Draw flow 7 with STYLE and split it into lines; returns the count. */
static int
draw(int utf8, int color, char **buf, char *lines[MAX_LINES])
{
	struct ladder_style style = { utf8, color };
	sqlite3 *db = make_db();
	size_t len;
	FILE *f = open_memstream(buf, &len);
	char err[128];
	int n = 0;

	ck_assert_msg(ladder_print(db, 7, &style, f, err, sizeof(err)) == 0, "%s", err);
	fclose(f);
	sqlite3_close(db);
	for (char *p = strtok(*buf, "\n"); p != NULL && n < MAX_LINES; p = strtok(NULL, "\n"))
		lines[n++] = p;
	return n;
}

START_TEST(header_names_both_ends_and_their_first_states)
{
	char *buf, *l[MAX_LINES];

	draw(0, 0, &buf, l);
	ck_assert_str_eq(l[0], "frame       time  client                                              server");
	ck_assert_str_eq(l[1], "                  10.0.0.1:40000"
	    "                                      10.0.0.2:80");
	ck_assert_str_eq(l[2], "                  CLOSED       |                                   |  LISTEN");
	free(buf);
}
END_TEST

START_TEST(one_arrow_per_segment_with_states_beside_the_lifelines)
{
	char *buf, *l[MAX_LINES];
	int n = draw(0, 0, &buf, l);

	ck_assert_int_eq(n, 3 + 10 + 1);
	ck_assert_str_eq(l[3],
	    "    1   0.000000  SYN-SENT     |------------ S seq=0 ------------->|  SYN-RECEIVED");
	ck_assert_str_eq(l[4],
	    "    2   0.001000  ESTABLISHED  |<--------- S. seq=0 ack=1 ---------|");
	ck_assert_str_eq(l[7],
	    "   16   0.060000  FIN-WAIT-1   |------- F. seq=3401 ack=1 -------->|  CLOSE-WAIT");
	free(buf);
}
END_TEST

START_TEST(data_run_is_one_summary_line)
{
	char *buf, *l[MAX_LINES];

	draw(0, 0, &buf, l);
	ck_assert_str_eq(l[6],
	    " 4-15   0.003000               |-- 12 data segments, 3400 bytes -->|");
	free(buf);
}
END_TEST

START_TEST(evidence_frames_carry_the_finding_number)
{
	char *buf, *l[MAX_LINES];

	draw(0, 0, &buf, l);
	ck_assert_str_eq(l[10],
	    "   19   0.071000               |-------- . seq=3402 ack=2 -------->|"
	    "                 * [1]");
	ck_assert_str_eq(l[11],
	    "   20   0.300000               |<---- F. seq=1 ack=3402 (retx) ----|"
	    "                 * [1]");
	ck_assert_ptr_null(strstr(l[12], "[1]"));
	free(buf);
}
END_TEST

START_TEST(timer_transition_gets_a_line_of_its_own)
{
	char *buf, *l[MAX_LINES];
	int n = draw(0, 0, &buf, l);

	ck_assert_str_eq(l[n - 1],
	    "       60.071000  CLOSED       | TIME-WAIT -> CLOSED (2MSL)        |");
	free(buf);
}
END_TEST

START_TEST(colour_only_on_evidence_and_utf8_draws_boxes)
{
	char *buf, *l[MAX_LINES];

	draw(0, 1, &buf, l);
	ck_assert_ptr_null(strchr(l[3], '\033'));
	ck_assert_ptr_nonnull(strstr(l[11], "|\033[1;31m<---- F. seq=1"));
	ck_assert_ptr_nonnull(strstr(l[11], "----\033[0m|"));
	free(buf);
	draw(1, 0, &buf, l);
	ck_assert_ptr_nonnull(strstr(l[3], "\u2502\u2500\u2500"));
	ck_assert_ptr_nonnull(strstr(l[3], "\u2500\u25b6\u2502  SYN-RECEIVED"));
	ck_assert_ptr_nonnull(strstr(l[4], "\u2502\u25c0\u2500"));
	ck_assert_ptr_nonnull(strstr(l[11], "\u25c6 [1]"));
	free(buf);
}
END_TEST

START_TEST(timelines_side_by_side)
{
	sqlite3 *db = make_db();
	char *buf, err[128], *first, *last;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(ladder_timelines(db, 7, f, err, sizeof(err)), 0);
	fclose(f);
	first = strchr(buf, '\n') + 1;
	ck_assert(strncmp(first, "  0.000000  SYN-SENT      send SYN", 34) == 0);
	ck_assert_ptr_nonnull(strstr(first, "    0.000000  SYN-RECEIVED  recv SYN\n"));
	last = strstr(buf, " 60.071000  CLOSED        timer 2MSL\n");
	ck_assert_ptr_nonnull(last);
	free(buf);
	sqlite3_close(db);
}
END_TEST

START_TEST(missing_flow_is_an_error_naming_it)
{
	sqlite3 *db = make_db();
	struct ladder_style style = { 0, 0 };
	char err[128] = "";

	ck_assert_int_eq(ladder_print(db, 8, &style, stdout, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "flow 8: no such flow");
	sqlite3_close(db);
}
END_TEST

static Suite *
ladder_suite(void)
{
	Suite *s = suite_create("ladder");
	TCase *tc = tcase_create("drawing");

	tcase_add_test(tc, header_names_both_ends_and_their_first_states);
	tcase_add_test(tc, one_arrow_per_segment_with_states_beside_the_lifelines);
	tcase_add_test(tc, data_run_is_one_summary_line);
	tcase_add_test(tc, evidence_frames_carry_the_finding_number);
	tcase_add_test(tc, timer_transition_gets_a_line_of_its_own);
	tcase_add_test(tc, colour_only_on_evidence_and_utf8_draws_boxes);
	tcase_add_test(tc, timelines_side_by_side);
	tcase_add_test(tc, missing_flow_is_an_error_naming_it);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(ladder_suite());
}

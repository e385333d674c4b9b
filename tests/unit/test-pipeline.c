/*
 * test-pipeline.c: packets to flows in capture time, with and without
 * the lookahead (packets held back while their flows are prefetched).
 *
 * The lookahead must never change a result: the same packets give the
 * same flows, ending in the same order with the same states, whether
 * they were held back or not; pipeline_flush() hands on what is held.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "pipeline.h"
#include "profile.h"

#include "pkt.h"
#include "check-main.h"

#define MAX_ENDED 64

/* What a flow leaving the pipeline looked like. */
struct ended {
	uint64_t id, packets, first_frame, last_frame;
	enum tm_state state[2];
	enum tm_end_reason why;
};

struct run {
	struct pipeline *pl;
	struct detect *detect;
	struct tm_profile prof;
	struct ended out[MAX_ENDED];
	size_t nout;
};

static void
flow_ended(void *ctx, struct flow *f)
{
	struct run *r = ctx;

	ck_assert_uint_lt(r->nout, MAX_ENDED);
	r->out[r->nout++] = (struct ended){ .id = f->v.id, .packets = f->packets,
	    .first_frame = f->v.first_frame, .last_frame = f->v.last_frame,
	    .state = { f->v.ep[TM_CLIENT].state, f->v.ep[TM_SERVER].state },
	    .why = f->v.end_reason };
	pipeline_recycle(r->pl, f);
}

static void
start(struct run *r, int lookahead)
{
	const char *none[] = { NULL };
	struct detect_options d = { .plugin_dirs = none, .no_default_path = 1 };
	struct pipeline_options o = { .profile = &r->prof, .idle_timeout = 7200,
	    .pack_quiet = 1, .first_id = 1, .flow_ended = flow_ended, .ctx = r,
	    .lookahead = lookahead };
	char err[256];

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(profile_get("linux", &r->prof), 0);
	r->detect = detect_load(&d, err, sizeof(err));
	ck_assert_msg(r->detect != NULL, "%s", err);
	ck_assert_int_eq(detect_begin(r->detect, &r->prof, NULL, NULL, err, sizeof(err)), 0);
	r->pl = pipeline_new(r->detect, &o);
}

static void
stop(struct run *r)
{
	pipeline_free(r->pl);
	detect_free(r->detect);
}

static void
send(struct run *r, struct packet p)
{
	pipeline_packet(r->pl, &p);
}

/* P with the client's port changed to PORT (one connection per port). */
static struct packet
on_port(struct packet p, uint16_t port)
{
	if (p.sport == 40000)
		p.sport = port;
	else
		p.dport = port;
	return p;
}

/* Connections interleaved packet by packet: closed with FINs, reset,
 * left open, and one that reuses a 4-tuple; then a minute and more of
 * nothing, and one packet that lets time-wait and grace run out. */
static void
feed(struct run *r)
{
	pkt_frame = 0;
	for (uint16_t k = 0; k < 8; k++) {
		uint16_t port = (uint16_t)(41000 + k);
		double t = k * 0.001;

		send(r, on_port(pkt_at(C, SYN, 1000, 0, 0, t), port));
		send(r, on_port(pkt_at(S, SYN | ACK, 5000, 1001, 0, t + 0.01), port));
		send(r, on_port(pkt_at(C, ACK, 1001, 5001, 0, t + 0.02), port));
		if (k % 3 == 0) {
			send(r, on_port(pkt_at(C, FIN | ACK, 1001, 5001, 0, t + 0.5), port));
			send(r, on_port(pkt_at(S, FIN | ACK, 5001, 1002, 0, t + 0.51), port));
			send(r, on_port(pkt_at(C, ACK, 1002, 5002, 0, t + 0.52), port));
		} else if (k % 3 == 1) {
			send(r, on_port(pkt_at(C, RST, 1001, 0, 0, t + 0.3), port));
		}
	}
	/* A new connection on the first one's 4-tuple, in its TIME-WAIT. */
	send(r, on_port(pkt_at(C, SYN, 90000, 0, 0, 2.0), 41000));
	send(r, on_port(pkt_at(C, ACK, 1, 1, 0, 200.0), 42000));
}

START_TEST(held_packets_wait_for_flush)
{
	struct run r;

	start(&r, 1);
	send(&r, pkt_at(C, SYN, 1000, 0, 0, 0));
	send(&r, pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01));
	ck_assert_uint_eq(flowtab_count(pipeline_flows(r.pl)), 0);     /* both held */
	pipeline_flush(r.pl);
	ck_assert_uint_eq(flowtab_count(pipeline_flows(r.pl)), 1);
	pipeline_drain(r.pl, TM_END_CAPTURE_END, pipeline_now(r.pl));
	ck_assert_uint_eq(r.nout, 1);
	ck_assert_uint_eq(r.out[0].packets, 2);
	ck_assert_uint_eq(r.out[0].last_frame, 2);
	stop(&r);
}
END_TEST

START_TEST(drain_hands_on_held_packets_first)
{
	struct run r;

	start(&r, 1);
	send(&r, pkt_at(C, SYN, 1000, 0, 0, 0));
	pipeline_drain(r.pl, TM_END_CAPTURE_END, 0);
	ck_assert_uint_eq(r.nout, 1);
	ck_assert_uint_eq(r.out[0].packets, 1);
	stop(&r);
}
END_TEST

START_TEST(lookahead_changes_no_result)
{
	struct run with, without;

	start(&with, 1);
	start(&without, 0);
	feed(&with);
	feed(&without);
	pipeline_drain(with.pl, TM_END_CAPTURE_END, pipeline_now(with.pl));
	pipeline_drain(without.pl, TM_END_CAPTURE_END, pipeline_now(without.pl));
	ck_assert_uint_eq(with.nout, 10);
	ck_assert_uint_eq(with.nout, without.nout);
	for (size_t i = 0; i < with.nout; i++) {
		const struct ended *a = &with.out[i], *b = &without.out[i];

		ck_assert_uint_eq(a->id, b->id);
		ck_assert_uint_eq(a->packets, b->packets);
		ck_assert_uint_eq(a->first_frame, b->first_frame);
		ck_assert_uint_eq(a->last_frame, b->last_frame);
		ck_assert_int_eq(a->state[0], b->state[0]);
		ck_assert_int_eq(a->state[1], b->state[1]);
		ck_assert_int_eq(a->why, b->why);
	}
	/* Not all at the end: the replaced one and those whose time ran out
	 * left while packets came, in the same order both ways. */
	ck_assert_int_eq(with.out[0].why, TM_END_REPLACED);
	ck_assert_int_ne(with.out[1].why, TM_END_CAPTURE_END);
	stop(&with);
	stop(&without);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("lookahead");

	tcase_add_test(tc, held_packets_wait_for_flush);
	tcase_add_test(tc, drain_hands_on_held_packets_first);
	tcase_add_test(tc, lookahead_changes_no_result);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

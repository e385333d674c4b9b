/* test-flowtab.c: finding flows, and when they leave the table. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "flowpack.h"
#include "flowtab.h"
#include "profile.h"
#include "pkt.h"
#include "check-main.h"

#define SEC(x) ((tm_time_t)((x) * 1e9))

static struct flowtab *tab;
static struct tm_profile prof;
static int out_count, aggregated_out;
static enum tm_end_reason last_why;
static uint64_t out_ids[16];            /* the ids handed out, in order */
static size_t out_ladder[16];           /* and their ladders' lengths */
static size_t nslots;                   /* slots of the flows feed() makes */

/* The analysis' policy in small: timers, then out if done. */
static int
take(void *ctx, struct flow *f, enum tm_end_reason why, tm_time_t now)
{
	if (why == TM_END_OPEN) {
		flow_advance(f, now, &prof, NULL);
		if (!flow_is_done(f))
			return 0;
		why = TM_END_CLOSED;
	}
	last_why = why;
	if (out_count < 16) {
		out_ids[out_count] = f->v.id;
		out_ladder[out_count] = f->nladder;
	}
	out_count++;
	aggregated_out += f->aggregated;
	if (f->slots != NULL && nslots > 0)
		free(f->slots[0]);
	flow_free(f);
	return 1;
}

static void
setup(void)
{
	struct flowtab_limits lim = { .grace = 5, .horizon = 128, .idle_timeout = 300 };

	profile_get("linux", &prof);
	tab = flowtab_new(&lim, take, NULL);
	out_count = aggregated_out = 0;
	pkt_frame = 0;
	nslots = 0;
}

static void
teardown(void)
{
	flowtab_free(tab);
}

/* Feed P to its flow, making the flow if it is new. */
static struct flow *
feed(struct packet p)
{
	struct flow *f = flowtab_lookup(tab, &p);

	if (f == NULL) {
		f = flow_new(&p, pkt_frame, nslots);
		flowtab_insert(tab, f);
	}
	flow_segment(f, &p, &prof, NULL);
	flowtab_touch(tab, f);
	return f;
}

START_TEST(both_directions_find_the_same_flow)
{
	struct flow *a = feed(pkt_at(C, SYN, 1, 0, 0, 0));
	struct flow *b = feed(pkt_at(S, SYN | ACK, 9, 2, 0, 0.1));

	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(flowtab_count(tab), 1);
}
END_TEST

START_TEST(many_flows_survive_rehashing)
{
	struct packet p;

	for (int i = 0; i < 5000; i++) {
		p = pkt_at(C, SYN, 1, 0, 0, 0);
		p.sport = (uint16_t)(1024 + i);
		flowtab_insert(tab, flow_new(&p, (uint64_t)i, 0));
	}
	ck_assert_int_eq(flowtab_count(tab), 5000);
	for (int i = 0; i < 5000; i++) {
		p = pkt_at(S, SYN | ACK, 1, 0, 0, 0);
		p.dport = (uint16_t)(1024 + i);
		ck_assert_ptr_nonnull(flowtab_lookup(tab, &p));
		ck_assert_int_eq(flowtab_lookup(tab, &p)->v.id, (uint64_t)i);
	}
}
END_TEST

START_TEST(reset_connection_leaves_after_the_grace_period)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0));
	feed(pkt_at(S, RST | ACK, 0, 1001, 0, 0.001));
	flowtab_expire(tab, SEC(4));
	ck_assert_int_eq(out_count, 0);
	flowtab_expire(tab, SEC(5.1));
	ck_assert_int_eq(out_count, 1);
	ck_assert_int_eq(last_why, TM_END_CLOSED);
	ck_assert_int_eq(flowtab_count(tab), 0);
}
END_TEST

START_TEST(time_wait_connection_stays_until_every_timer_ran)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01));
	feed(pkt_at(C, ACK, 1001, 5001, 0, 0.02));
	feed(pkt_at(C, FIN | ACK, 1001, 5001, 0, 1));
	feed(pkt_at(S, FIN | ACK, 5001, 1002, 0, 1.01));
	feed(pkt_at(C, ACK, 1002, 5002, 0, 1.02));
	flowtab_expire(tab, SEC(10));
	ck_assert_int_eq(out_count, 0);       /* TIME-WAIT: not done yet */
	flowtab_expire(tab, SEC(130));
	ck_assert_int_eq(out_count, 1);
	ck_assert_int_eq(last_why, TM_END_CLOSED);
}
END_TEST

START_TEST(idle_open_connection_leaves_after_the_idle_timeout)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01));
	feed(pkt_at(C, ACK, 1001, 5001, 0, 0.02));
	flowtab_expire(tab, SEC(10));
	flowtab_expire(tab, SEC(200));
	ck_assert_int_eq(out_count, 0);
	flowtab_expire(tab, SEC(301));
	ck_assert_int_eq(out_count, 1);
	ck_assert_int_eq(last_why, TM_END_IDLE);
}
END_TEST

START_TEST(a_packet_brings_an_idle_flow_back)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01));
	feed(pkt_at(C, ACK, 1001, 5001, 0, 0.02));
	flowtab_expire(tab, SEC(200));        /* now on the idle list */
	feed(pkt_at(C, PSH | ACK, 1001, 5001, 10, 250));
	flowtab_expire(tab, SEC(400));
	ck_assert_int_eq(out_count, 0);
	ck_assert_int_eq(flowtab_count(tab), 1);
}
END_TEST

START_TEST(cap_evicts_the_least_recently_active)
{
	struct flowtab_limits lim = { .grace = 5, .horizon = 128, .idle_timeout = 300, .max_flows = 3 };
	struct packet p;

	flowtab_free(tab);
	tab = flowtab_new(&lim, take, NULL);
	for (int i = 0; i < 5; i++) {
		p = pkt_at(C, SYN, 1, 0, 0, i);
		p.sport = (uint16_t)(2000 + i);
		flowtab_insert(tab, flow_new(&p, (uint64_t)i, 0));
	}
	ck_assert_int_eq(flowtab_count(tab), 3);
	ck_assert_int_eq(flowtab_evicted(tab), 2);
	ck_assert_int_eq(last_why, TM_END_EVICTED);
	p = pkt_at(S, SYN | ACK, 1, 0, 0, 0);
	p.dport = 2000;
	ck_assert_ptr_null(flowtab_lookup(tab, &p));
	p.dport = 2004;
	ck_assert_ptr_nonnull(flowtab_lookup(tab, &p));
}
END_TEST

/* Feed P with its client port set to PORT. */
static struct flow *
feed_port(struct packet p, int port)
{
	if (p.sport == 40000)   /* pkt_at's client port */
		p.sport = (uint16_t)port;
	else
		p.dport = (uint16_t)port;
	return feed(p);
}

/* SYN floods and scans fill the embryonic list; over its cap the least
 * recently active embryonic flow goes, marked aggregated, while a
 * connection that completed its handshake, or carried data, is never
 * taken for one. */
START_TEST(embryonic_cap_aggregates_the_stalest_attempts_only)
{
	struct flowtab_limits lim = { .grace = 5, .horizon = 128, .idle_timeout = 300,
	    .max_embryonic = 4 };
	struct flow *live, *data;

	flowtab_free(tab);
	tab = flowtab_new(&lim, take, NULL);
	live = feed_port(pkt_at(C, SYN, 1000, 0, 0, 0), 1);
	feed_port(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.001), 1);
	ck_assert(flow_is_embryonic(live));         /* SYN-ACK: still an attempt */
	feed_port(pkt_at(C, ACK, 1001, 5001, 0, 0.002), 1);
	ck_assert(!flow_is_embryonic(live));        /* the third ACK */
	data = feed_port(pkt_at(C, PSH | ACK, 1, 1, 10, 0.003), 2);  /* midstream, data */
	ck_assert(!flow_is_embryonic(data));
	for (int i = 0; i < 10; i++)
		ck_assert(flow_is_embryonic(feed_port(pkt_at(C, SYN, 7, 0, 0, 0.01 + i * 0.001),
		    100 + i)));
	ck_assert_int_eq(flowtab_aggregated(tab), 6);
	ck_assert_int_eq(aggregated_out, 6);
	ck_assert_int_eq(flowtab_evicted(tab), 0);
	ck_assert_int_eq(flowtab_count(tab), 2 + 4);
	/* the four most recent attempts stay, and so do both live flows */
	for (int port = 100; port < 110; port++) {
		struct packet p = pkt_at(S, SYN | ACK, 9, 8, 0, 1);

		p.dport = (uint16_t)port;
		ck_assert_int_eq(flowtab_lookup(tab, &p) != NULL, port >= 106);
	}
	/* a repeated SYN makes an attempt the most recent again */
	feed_port(pkt_at(C, SYN, 7, 0, 0, 0.05), 106);
	feed_port(pkt_at(C, SYN, 7, 0, 0, 0.06), 200);
	ck_assert_int_eq(flowtab_aggregated(tab), 7);
	{
		struct packet p = pkt_at(S, SYN | ACK, 9, 8, 0, 1);

		p.dport = 107;
		ck_assert_ptr_null(flowtab_lookup(tab, &p));
		p.dport = 106;
		ck_assert_ptr_nonnull(flowtab_lookup(tab, &p));
	}
}
END_TEST

/* A lone midstream packet is embryonic; the third packet makes it a flow
 * worth keeping. */
START_TEST(lone_packets_are_embryonic_until_a_third)
{
	struct flow *f = feed_port(pkt_at(C, ACK, 1, 1, 0, 0), 5);

	ck_assert(flow_is_embryonic(f));
	feed_port(pkt_at(S, ACK, 1, 1, 0, 0.1), 5);
	ck_assert(flow_is_embryonic(f));
	feed_port(pkt_at(C, ACK, 1, 1, 0, 0.2), 5);
	ck_assert(!flow_is_embryonic(f));
}
END_TEST

START_TEST(drain_hands_out_everything)
{
	feed(pkt_at(C, SYN, 1000, 0, 0, 0));
	feed(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01));
	flowtab_drain(tab, TM_END_CAPTURE_END, SEC(1));
	ck_assert_int_eq(out_count, 1);
	ck_assert_int_eq(last_why, TM_END_CAPTURE_END);
	ck_assert_int_eq(flowtab_count(tab), 0);
	ck_assert_int_eq(flowtab_peak(tab), 1);
}
END_TEST

/* --- packing quiet flows ------------------------------------------------- */

static const uint32_t slot_size[2] = { 24, 0 };  /* a packed slot, a kept one */
static struct flowpack pack = { .nslots = 2, .slot_size = slot_size };

static void
setup_packing(void)
{
	struct flowtab_limits lim = { .pack_after = 1, .pack_closed_after = 0.1, .grace = 5,
	    .horizon = 128, .idle_timeout = 300 };

	setup();
	flowtab_free(tab);
	tab = flowtab_new(&lim, take, NULL);
	flowtab_set_packing(tab, &pack);
	nslots = 2;
}

static void
teardown_packing(void)
{
	flowtab_drain(tab, TM_END_CAPTURE_END, 0);      /* take() frees the slots */
	teardown();
	flowpack_release(&pack);
}

/* A connection on client port PORT from T, closed with FINs, its slots
 * set before its last ACK; packed a tenth of a second after it (the
 * setup's pack_closed_after). */
static void
closed_connection(int port, double t)
{
	struct flow *f = feed_port(pkt_at(C, SYN, 1000, 0, 0, t), port);

	feed_port(pkt_at(S, SYN | ACK, 5000, 1001, 0, t + 0.01), port);
	feed_port(pkt_at(C, ACK, 1001, 5001, 0, t + 0.02), port);
	feed_port(pkt_at(C, PSH | ACK, 1001, 5001, 100, t + 0.03), port);
	feed_port(pkt_at(S, ACK, 5001, 1101, 0, t + 0.04), port);
	feed_port(pkt_at(C, FIN | ACK, 1101, 5001, 0, t + 0.5), port);
	feed_port(pkt_at(S, FIN | ACK, 5001, 1102, 0, t + 0.51), port);
	ck_assert(!flow_has_closed(f));         /* the server in LAST-ACK */
	f->slots[0] = malloc(slot_size[0]);
	for (uint32_t i = 0; i < slot_size[0]; i++)
		((uint8_t *)f->slots[0])[i] = (uint8_t)(i * 7 + port);
	f->slots[1] = (void *)(uintptr_t)0x51;  /* a marker, as synflood's */
	feed_port(pkt_at(C, ACK, 1102, 5002, 0, t + 0.52), port);
	flowtab_pack_closed(tab, SEC(t + 0.62));
}

/* The flow on client port PORT, looked up (unpacked, if it was packed). */
static struct flow *
flow_on(int port)
{
	struct packet p = pkt_at(S, ACK, 5002, 1102, 0, 3);

	p.dport = (uint16_t)port;
	return flowtab_lookup(tab, &p);
}

/* Everything of F that a result is made of, to compare. */
struct image {
	struct tm_flow v;
	size_t nladder, ntl[2];
	struct ladder_entry ladder[32];
	struct tm_transition tl[2][16];
	uint8_t slot[24];
	void *marker;
};

static void
take_image(struct image *im, const struct flow *f)
{
	memset(im, 0, sizeof(*im));
	memcpy(&im->v, &f->v, sizeof(im->v));
	im->nladder = f->nladder;
	ck_assert_uint_le(f->nladder, 32);
	memcpy(im->ladder, f->ladder, f->nladder * sizeof(*f->ladder));
	for (int s = 0; s < 2; s++) {
		im->ntl[s] = f->tl[s].n;
		ck_assert_uint_le(f->tl[s].n, 16);
		memcpy(im->tl[s], f->tl[s].items, f->tl[s].n * sizeof(*f->tl[s].items));
	}
	memcpy(im->slot, f->slots[0], sizeof(im->slot));
	im->marker = f->slots[1];
}

/* A packed flow comes back the same: state, ladder, timelines, slots. */
START_TEST(a_packed_flow_comes_back_whole)
{
	struct image before, after;
	struct flow *f;

	closed_connection(40001, 0);
	ck_assert_uint_eq(flowtab_packs(tab), 1);       /* once closed and quiet */
	f = flow_on(40001);
	ck_assert_ptr_nonnull(f);
	take_image(&before, f);
	flowtab_expire(tab, SEC(1.6));                  /* closing: packed again */
	ck_assert_uint_eq(flowtab_packs(tab), 2);
	ck_assert_int_eq(flowtab_count(tab), 1);
	f = flow_on(40001);
	ck_assert_ptr_nonnull(f);
	take_image(&after, f);
	ck_assert_mem_eq(&before, &after, sizeof(before));
	ck_assert_ptr_eq(f->slots[1], (void *)(uintptr_t)0x51);
	ck_assert_int_eq(flowtab_count(tab), 1);
	ck_assert_int_eq(out_count, 0);
}
END_TEST

/* A flow given back is the next blank one: the same memory, as flow_alloc
 * makes it (its grown arrays freed, nothing of the old connection left). */
START_TEST(a_flow_given_back_makes_the_next_blank)
{
	struct flow *used = flow_alloc(pack.nslots), *fresh = flow_alloc(pack.nslots), *other;
	size_t nt[2] = { 3, 3 };

	flow_reserve(used, 40, nt);             /* the ladder outgrew its room */
	used->nladder = 40;
	used->v.id = 77;
	used->packets = 12;
	used->slots[1] = (void *)(uintptr_t)0x51;
	flowpack_keep(&pack, used);
	ck_assert_ptr_eq(flowpack_blank(&pack), used);
	ck_assert_uint_eq(used->v.id, 0);
	ck_assert_uint_eq(used->packets, 0);
	ck_assert_uint_eq(used->nladder, 0);
	ck_assert_ptr_null(used->slots[1]);
	ck_assert_uint_eq(used->ladder_cap, fresh->ladder_cap);
	ck_assert_uint_eq(used->tl[TM_SERVER].cap, fresh->tl[TM_SERVER].cap);
	other = flowpack_blank(&pack);          /* no spare left: a new one */
	ck_assert_ptr_ne(other, used);
	flow_free(other);
	flow_free(used);
	flow_free(fresh);
}
END_TEST

/* With a spill file, a closed connection packed costs its node in memory
 * and still comes back the same; an open one stays in memory. */
START_TEST(a_spilled_flow_comes_back_whole)
{
	struct image before, after;
	char err[256];
	struct flow *f;
	struct flow_node *n;

	pack.spill = spill_open("/tmp", err, sizeof(err));
	ck_assert_msg(pack.spill != NULL, "%s", err);
	closed_connection(40001, 0);
	ck_assert_uint_eq(spill_records(pack.spill), 1);
	f = flow_on(40001);
	ck_assert_uint_eq(spill_records(pack.spill), 0);
	take_image(&before, f);
	flowtab_expire(tab, SEC(1.6));
	ck_assert_uint_eq(spill_records(pack.spill), 1);
	f = flow_on(40001);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(spill_records(pack.spill), 0);
	flowtab_remove(tab, f);                 /* packed by hand from here */
	take_image(&after, f);
	ck_assert_mem_eq(&before, &after, sizeof(before));
	f->v.ep[TM_CLIENT].fin_sent = f->v.ep[TM_SERVER].fin_sent = 0;  /* open again */
	n = flowpack_pack(f, &pack);
	ck_assert_uint_eq(spill_records(pack.spill), 0);
	ck_assert_uint_gt(flowpack_size(n), 200);
	f = flowpack_unpack(n, &pack);
	f->v.ep[TM_CLIENT].fin_sent = f->v.ep[TM_SERVER].fin_sent = 1;
	n = flowpack_pack(f, &pack);
	ck_assert_uint_eq(spill_records(pack.spill), 1);
	ck_assert_uint_lt(flowpack_size(n), 200);
	f = flowpack_unpack(n, &pack);
	take_image(&after, f);
	ck_assert_mem_eq(&before, &after, sizeof(before));
	free(f->slots[0]);
	flow_free(f);
}
END_TEST

/* Packed, a connection in TIME-WAIT still leaves when its timers ran,
 * whole, and packed flows drain in the order of their ids. */
START_TEST(packed_flows_leave_on_time_and_whole)
{
	closed_connection(40003, 0);
	closed_connection(40002, 0.1);
	flowtab_expire(tab, SEC(2));
	ck_assert_uint_eq(flowtab_packs(tab), 2);
	flowtab_expire(tab, SEC(10));
	ck_assert_int_eq(out_count, 0);         /* TIME-WAIT: not done yet */
	ck_assert_uint_eq(flowtab_packs(tab), 4); /* looked at, packed again */
	flowtab_expire(tab, SEC(130));
	ck_assert_int_eq(out_count, 2);
	ck_assert_int_eq(last_why, TM_END_CLOSED);
	ck_assert_uint_eq(out_ladder[0], 8);
	ck_assert_uint_eq(out_ladder[1], 8);
	closed_connection(40005, 200);
	closed_connection(40004, 200.1);
	flowtab_expire(tab, SEC(202));
	flowtab_drain(tab, TM_END_CAPTURE_END, SEC(203));
	ck_assert_int_eq(out_count, 4);
	ck_assert_uint_lt(out_ids[2], out_ids[3]);
	ck_assert_uint_eq(out_ladder[2], 8);
}
END_TEST

/* The drain empties the table at once (flowtab_drain): afterwards no
 * lookup finds a flow it handed out, packed or whole, on a list of its
 * own or not, and the table takes new connections as before. */
START_TEST(a_drained_table_is_empty_and_goes_on)
{
	closed_connection(40001, 0);                    /* packed */
	closed_connection(40002, 10);                   /* packed */
	feed_port(pkt_at(C, SYN, 1000, 0, 0, 10.7), 40003);     /* embryonic, whole */
	/* closed, and too lately to be packed: whole, on the closed list */
	feed_port(pkt_at(C, SYN, 1000, 0, 0, 10.8), 40004);
	feed_port(pkt_at(S, SYN | ACK, 5000, 1001, 0, 10.81), 40004);
	feed_port(pkt_at(C, FIN | ACK, 1001, 5001, 0, 10.82), 40004);
	feed_port(pkt_at(S, FIN | ACK, 5001, 1002, 0, 10.83), 40004);
	ck_assert(flow_has_closed(feed_port(pkt_at(C, ACK, 1002, 5002, 0, 10.84), 40004)));
	flowtab_drain(tab, TM_END_CAPTURE_END, SEC(10.85));
	ck_assert_int_eq(out_count, 4);
	ck_assert_int_eq(flowtab_count(tab), 0);
	for (int port = 40001; port <= 40004; port++)
		ck_assert_ptr_null(flow_on(port));
	closed_connection(40001, 20);                   /* packed on the closed list */
	feed_port(pkt_at(C, SYN, 1000, 0, 0, 20.7), 40003);
	ck_assert_int_eq(flowtab_count(tab), 2);
	ck_assert_ptr_nonnull(flow_on(40001));
	flowtab_expire(tab, SEC(300));
	ck_assert_int_eq(out_count, 6);
	ck_assert_int_eq(flowtab_count(tab), 0);
}
END_TEST

/* take()'s policy told in advance: a flow not done is kept until its
 * next timer. */
static tm_time_t
keeps_until_next_timer(void *ctx, const struct flow *f)
{
	tm_time_t next = flow_next_timer(f, &prof);

	(void)ctx;
	if (flow_is_done(f))
		return 0;
	return next != 0 ? next : INT64_MAX;
}

static tm_time_t
keeps_until_3s(void *ctx, const struct flow *f)
{
	(void)ctx;
	(void)f;
	return SEC(3);
}

/* Told when a packed flow needs nothing, the table moves it on packed,
 * unread (no second pack), and it still leaves on time and whole. */
START_TEST(packed_flows_move_on_unread_until_their_timer)
{
	flowtab_set_quiet_until(tab, keeps_until_next_timer);
	closed_connection(40003, 0);
	closed_connection(40002, 0.1);
	flowtab_expire(tab, SEC(2));
	ck_assert_uint_eq(flowtab_packs(tab), 2);
	flowtab_expire(tab, SEC(10));
	ck_assert_int_eq(out_count, 0);
	ck_assert_uint_eq(flowtab_packs(tab), 2); /* not looked at, not packed again */
	flowtab_expire(tab, SEC(130));
	ck_assert_int_eq(out_count, 2);
	ck_assert_int_eq(last_why, TM_END_CLOSED);
	ck_assert_uint_eq(out_ladder[0], 8);
	ck_assert_uint_eq(out_ladder[1], 8);
}
END_TEST

/* A time already passed at the next list: the table asks, as without. */
START_TEST(packed_flows_past_their_quiet_time_are_asked)
{
	flowtab_set_quiet_until(tab, keeps_until_3s);
	closed_connection(40003, 0);
	flowtab_expire(tab, SEC(2));
	ck_assert_uint_eq(flowtab_packs(tab), 1);
	flowtab_expire(tab, SEC(10));
	ck_assert_int_eq(out_count, 0);
	ck_assert_uint_eq(flowtab_packs(tab), 2);     /* unpacked, asked, packed */
}
END_TEST

/* A connection that has closed is packed once quiet for a moment
 * (nothing but a straggler, or its 4-tuple used again, is still to
 * come); one half closed is not, nor one refused while embryonic (its own
 * cap bounds it).  A packet within the moment keeps it whole; a FIN sent
 * again brings it back, whole, until it has closed and been quiet again. */
START_TEST(a_closed_flow_is_packed_once_quiet_a_moment)
{
	struct flow *f;

	feed_port(pkt_at(C, SYN, 1000, 0, 0, 0), 40040);
	feed_port(pkt_at(S, RST | ACK, 0, 1001, 0, 0.01), 40040);
	feed_port(pkt_at(C, SYN, 1000, 0, 0, 0), 40041);
	feed_port(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01), 40041);
	feed_port(pkt_at(C, ACK, 1001, 5001, 0, 0.02), 40041);
	f = feed_port(pkt_at(C, FIN | ACK, 1001, 5001, 0, 0.03), 40041);
	ck_assert(flow_is_closing(f) && !flow_has_closed(f));
	flowtab_pack_closed(tab, SEC(0.5));
	ck_assert_uint_eq(flowtab_packs(tab), 0);       /* refused; half closed */
	feed_port(pkt_at(C, SYN, 1000, 0, 0, 0), 40042);
	feed_port(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01), 40042);
	feed_port(pkt_at(C, ACK, 1001, 5001, 0, 0.02), 40042);
	feed_port(pkt_at(C, FIN | ACK, 1001, 5001, 0, 0.5), 40042);
	feed_port(pkt_at(S, FIN | ACK, 5001, 1002, 0, 0.51), 40042);
	f = feed_port(pkt_at(C, ACK, 1002, 5002, 0, 0.52), 40042);
	ck_assert(flow_has_closed(f));
	flowtab_pack_closed(tab, SEC(0.6));
	ck_assert_uint_eq(flowtab_packs(tab), 0);       /* not quiet long enough */
	feed_port(pkt_at(C, ACK, 1002, 5002, 0, 0.6), 40042);  /* the ACK again */
	flowtab_pack_closed(tab, SEC(0.65));
	ck_assert_uint_eq(flowtab_packs(tab), 0);       /* quiet again from 0.6 */
	flowtab_pack_closed(tab, SEC(0.7));
	ck_assert_uint_eq(flowtab_packs(tab), 1);
	ck_assert_int_eq(flowtab_count(tab), 3);
	/* The server's FIN again: the ACK of it was lost, LAST-ACK again. */
	f = feed_port(pkt_at(S, FIN | ACK, 5001, 1002, 0, 0.9), 40042);
	ck_assert_int_eq(f->v.ep[TM_SERVER].state, TM_LAST_ACK);
	flowtab_pack_closed(tab, SEC(1.5));
	ck_assert_uint_eq(flowtab_packs(tab), 1);       /* not closed: whole */
	feed_port(pkt_at(C, ACK, 1002, 5002, 0, 1.6), 40042);
	flowtab_pack_closed(tab, SEC(1.7));
	ck_assert_uint_eq(flowtab_packs(tab), 2);
	f = flow_on(40042);
	ck_assert_uint_eq(f->packets, 9);
	ck_assert_int_eq(f->v.ep[TM_CLIENT].state, TM_TIME_WAIT);
	ck_assert_int_eq(f->v.ep[TM_SERVER].state, TM_CLOSED);
	ck_assert_int_eq(out_count, 0);
}
END_TEST

/* An open connection that pauses is left whole through the grace (it
 * may well speak again); a closing one is packed after a second. */
START_TEST(open_flows_are_packed_later_than_closing_ones)
{
	feed_port(pkt_at(C, SYN, 1000, 0, 0, 0), 40020);
	feed_port(pkt_at(S, SYN | ACK, 5000, 1001, 0, 0.01), 40020);
	feed_port(pkt_at(C, ACK, 1001, 5001, 0, 0.02), 40020);
	closed_connection(40021, 0);
	flowtab_expire(tab, SEC(3));
	ck_assert_uint_eq(flowtab_packs(tab), 1);       /* the closed one */
	flowtab_expire(tab, SEC(6));
	ck_assert_uint_eq(flowtab_packs(tab), 3);       /* both, after the grace */
	ck_assert_int_eq(flowtab_count(tab), 2);
	ck_assert_int_eq(out_count, 0);
}
END_TEST

/* Over the budget of whole flows the least recently active are packed
 * at once, busy or not; they come back whole, and the budget holds. */
START_TEST(the_budget_of_whole_flows_packs_the_stalest_early)
{
	struct flowtab_limits lim = { .pack_after = 1, .grace = 5, .horizon = 128,
	    .idle_timeout = 300, .max_whole = 2 };
	struct packet p;

	flowtab_free(tab);
	tab = flowtab_new(&lim, take, NULL);
	flowtab_set_packing(tab, &pack);
	for (int i = 0; i < 5; i++) {
		feed_port(pkt_at(C, SYN, 1000, 0, 0, i * 0.01), 40030 + i);
		feed_port(pkt_at(S, SYN | ACK, 5000, 1001, 0, i * 0.01 + 0.001), 40030 + i);
		feed_port(pkt_at(C, ACK, 1001, 5001, 0, i * 0.01 + 0.002), 40030 + i);
	}
	ck_assert_int_eq(flowtab_count(tab), 5);
	ck_assert_uint_eq(flowtab_packs(tab), 3);       /* the first three */
	p = pkt_at(S, ACK, 5001, 1001, 0, 0.2);
	p.dport = 40030;
	ck_assert_ptr_nonnull(flowtab_lookup(tab, &p));
	ck_assert_uint_eq(flowtab_lookup(tab, &p)->nladder, 3);
	ck_assert_int_eq(flowtab_count(tab), 5);
	ck_assert_int_eq(out_count, 0);
}
END_TEST

/* Packed flows keep only the hash of their 4-tuple; flows whose hashes
 * are equal (every few, in test-flowtab-collide, which keeps two bits of
 * it) are told apart once unpacked, and a lookup finds its own. */
START_TEST(packed_flows_with_equal_hashes_are_told_apart)
{
	for (int i = 0; i < 12; i++)
		closed_connection(40100 + i, i * 0.01);
	ck_assert_uint_eq(flowtab_packs(tab), 12);
	for (int i = 0; i < 12; i += 3) {
		struct flow *f = flow_on(40100 + i);

		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(f->v.port[TM_CLIENT], 40100 + i);
		ck_assert_uint_eq(f->nladder, 8);
		ck_assert_int_eq(((uint8_t *)f->slots[0])[1], (uint8_t)(7 + 40100 + i));
	}
	ck_assert_int_eq(flowtab_count(tab), 12);
	ck_assert_uint_eq(flowtab_packs(tab), 12);
}
END_TEST

/* A lookup that finds no flow puts every flow it unpacked on the way
 * back, packed, in its place: they still leave in the order they went
 * quiet, and whole. */
START_TEST(a_lookup_that_finds_none_puts_them_back_in_place)
{
	for (int i = 0; i < 12; i++)
		closed_connection(40100 + i, i * 0.01);
	ck_assert_ptr_null(flow_on(40099));
	ck_assert_ptr_null(flow_on(40200));
	ck_assert_int_eq(flowtab_count(tab), 12);
	ck_assert_uint_eq(flowtab_packs(tab), 12);
	flowtab_expire(tab, SEC(130));
	ck_assert_int_eq(out_count, 12);
	for (int i = 0; i < 12; i++)
		ck_assert_uint_eq(out_ladder[i], 8);
	for (int i = 1; i < 12; i++)
		ck_assert_uint_lt(out_ids[i - 1], out_ids[i]);
}
END_TEST

static int visits, visited_whole;

static void
visit(void *ctx, struct flow *f)
{
	(void)ctx;
	visits++;
	visited_whole += f->nladder == 8 && ((uint8_t *)f->slots[0])[1] == (uint8_t)(7 + f->v.port[TM_CLIENT]);
	f->stored = 1;
}

/* foreach unpacks what changed since SINCE, and the flows keep their
 * places: they still leave in the order they went quiet. */
START_TEST(foreach_visits_packed_flows_in_place)
{
	for (int i = 0; i < 3; i++)
		closed_connection(40010 + i, i * 0.2);
	flowtab_expire(tab, SEC(3));
	flowtab_foreach(tab, 0, visit, NULL);
	ck_assert_int_eq(visits, 3);
	ck_assert_int_eq(visited_whole, 3);
	flowtab_foreach(tab, SEC(3), visit, NULL);      /* stored, quiet since */
	ck_assert_int_eq(visits, 3);
	ck_assert_int_eq(flowtab_count(tab), 3);
	flowtab_expire(tab, SEC(130));
	ck_assert_int_eq(out_count, 3);
	ck_assert_uint_lt(out_ids[0], out_ids[1]);
	ck_assert_uint_lt(out_ids[1], out_ids[2]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flowtab");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, both_directions_find_the_same_flow);
	tcase_add_test(tc, many_flows_survive_rehashing);
	tcase_add_test(tc, reset_connection_leaves_after_the_grace_period);
	tcase_add_test(tc, time_wait_connection_stays_until_every_timer_ran);
	tcase_add_test(tc, idle_open_connection_leaves_after_the_idle_timeout);
	tcase_add_test(tc, a_packet_brings_an_idle_flow_back);
	tcase_add_test(tc, cap_evicts_the_least_recently_active);
	tcase_add_test(tc, embryonic_cap_aggregates_the_stalest_attempts_only);
	tcase_add_test(tc, lone_packets_are_embryonic_until_a_third);
	tcase_add_test(tc, drain_hands_out_everything);
	suite_add_tcase(s, tc);
	tc = tcase_create("packing");
	tcase_add_checked_fixture(tc, setup_packing, teardown_packing);
	tcase_add_test(tc, a_packed_flow_comes_back_whole);
	tcase_add_test(tc, a_flow_given_back_makes_the_next_blank);
	tcase_add_test(tc, a_spilled_flow_comes_back_whole);
	tcase_add_test(tc, packed_flows_leave_on_time_and_whole);
	tcase_add_test(tc, packed_flows_move_on_unread_until_their_timer);
	tcase_add_test(tc, packed_flows_past_their_quiet_time_are_asked);
	tcase_add_test(tc, a_closed_flow_is_packed_once_quiet_a_moment);
	tcase_add_test(tc, open_flows_are_packed_later_than_closing_ones);
	tcase_add_test(tc, the_budget_of_whole_flows_packs_the_stalest_early);
	tcase_add_test(tc, foreach_visits_packed_flows_in_place);
	tcase_add_test(tc, packed_flows_with_equal_hashes_are_told_apart);
	tcase_add_test(tc, a_lookup_that_finds_none_puts_them_back_in_place);
	tcase_add_test(tc, a_drained_table_is_empty_and_goes_on);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

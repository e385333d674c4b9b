/* test-plugin-synflood.c: SYN flood episodes, and bounded memory under a
 * million spoofed SYNs.  The detector's source is included so the test
 * can read its own accounting (st->bytes, the sketch). */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "play.h"
#include "../../plugins/synflood.c"
#include "check-main.h"

/* A SYN from spoofed source number I (10.x.y.z:port) to 10.0.0.2:80. */
static struct packet
spoofed(uint32_t i, uint8_t flags, int from_client, double t)
{
	struct packet p = pkt_at(from_client, flags, 1000 + i * 7919u, 0, 0, t);
	struct tm_addr *a = from_client ? &p.src : &p.dst;

	a->bytes[1] = (uint8_t)(i >> 16);
	a->bytes[2] = (uint8_t)(i >> 8);
	a->bytes[3] = (uint8_t)i;
	a->bytes[0] = 11;
	if (from_client)
		p.sport = (uint16_t)(1024 + i % 60000);
	else {
		p.dport = (uint16_t)(1024 + i % 60000);
		p.seq = 5000 + i;
		p.ack = 1000 + i * 7919u + 1;
	}
	return p;
}

START_TEST(syn_flood_one_episode_with_sources_and_cookies)
{
	const struct found *f;

	play_start();
	for (uint32_t i = 0; i < 600; i++) {
		double t = 0.01 * i;

		play(spoofed(i, SYN, 1, t));
		play(spoofed(i, SYN | ACK, 0, t + 0.0001));   /* answered, never completed */
	}
	play_end(20);
	ck_assert_int_eq(found_count("syn-flood"), 1);
	f = found("syn-flood");
	fprintf(stderr, "%s\n", f->detail);
	ck_assert_int_eq(f->side, TM_NO_SIDE);
	ck_assert_uint_eq(f->flow, 0);
	ck_assert_int_eq(f->port, 80);
	ck_assert_uint_eq(f->nframes, TM_MAX_EVIDENCE);
	ck_assert_ptr_nonnull(strstr(f->detail, "SYN flood on 10.0.0.2:80"));
	ck_assert_ptr_nonnull(strstr(f->detail, "600 SYNs"));
	ck_assert_ptr_nonnull(strstr(f->detail, "0.0% completed"));
	ck_assert_ptr_nonnull(strstr(f->detail, "SYN cookies likely"));
	/* about 600 sources: the sketch is within 10% */
	{
		const char *p = strstr(f->detail, "from about ");
		double n = p ? atof(p + 11) : 0;

		ck_assert_msg(n > 540 && n < 660, "sources %f", n);
	}
}
END_TEST

START_TEST(busy_service_whose_handshakes_complete_is_no_flood)
{
	play_start();
	for (uint32_t i = 0; i < 600; i++) {
		double t = 0.01 * i;
		struct packet a = spoofed(i, ACK, 1, t + 0.0002);

		play(spoofed(i, SYN, 1, t));
		play(spoofed(i, SYN | ACK, 0, t + 0.0001));
		a.seq = 1000 + i * 7919u + 1;
		a.ack = 5000 + i + 1;
		play(a);
	}
	play_end(20);
	dump_findings();
	ck_assert_ptr_null(found("syn-flood"));
}
END_TEST

START_TEST(unanswered_flood_says_no_cookies)
{
	const struct found *f;

	play_start();
	for (uint32_t i = 0; i < 600; i++) {
		play(spoofed(i, SYN, 1, 0.01 * i));
		if (i < 200)
			play(spoofed(i, SYN | ACK, 0, 0.01 * i + 0.0001));
	}
	play_end(20);
	ck_assert_ptr_nonnull(f = found("syn-flood"));
	ck_assert_ptr_nonnull(strstr(f->detail, "no SYN cookies seen"));
}
END_TEST

START_TEST(flood_without_any_synack_cannot_judge_cookies)
{
	const struct found *f;

	play_start();
	for (uint32_t i = 0; i < 600; i++)
		play(spoofed(i, SYN, 1, 0.01 * i));
	play_end(20);
	ck_assert_ptr_nonnull(f = found("syn-flood"));
	ck_assert_ptr_nonnull(strstr(f->detail, "SYN cookies cannot be judged"));
}
END_TEST

/* The window's sums the detector keeps equal the ring added up, whatever
 * the order of the counts: timestamps a second either way, the ring
 * going round three times, windows of 10 s and of the whole ring. */
START_TEST(kept_window_sums_equal_the_ring)
{
	static const int windows[] = { 10, MAX_WINDOW };
	uint64_t x = 1;

	for (size_t w = 0; w < sizeof(windows) / sizeof(*windows); w++) {
		struct sf_state st = { .window = windows[w] };
		struct target *t = calloc(1, sizeof(*t));

		t->sums_sec = NO_SUMS;
		for (int i = 0; i < 200000; i++) {
			int64_t sec, now_sec;
			uint64_t syns, completed, want_syns = 0, want_completed = 0;
			tm_time_t ts;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			sec = 1000 + i / 1000 + (int64_t)(x >> 61) % 3 - 1;
			ts = sec * TM_NSEC_PER_SEC + (tm_time_t)((x >> 20) % TM_NSEC_PER_SEC);
			count(&st, t, ts, (x >> 40) & 1, (x >> 41) & 1);
			if (!((x >> 42) & 1))
				continue;
			now_sec = sec + (int64_t)((x >> 43) % 3) - 1;
			window_sums(&st, t, now_sec * TM_NSEC_PER_SEC, &syns, &completed);
			for (int k = 0; k < MAX_WINDOW; k++)
				if (t->ring[k].sec > now_sec - st.window && t->ring[k].sec <= now_sec) {
					want_syns += t->ring[k].syns;
					want_completed += t->ring[k].completed;
				}
			ck_assert_uint_eq(syns, want_syns);
			ck_assert_uint_eq(completed, want_completed);
		}
		free(t);
	}
}
END_TEST

/* --- a million spoofed SYNs, straight into the detector ---------------- */

static uint64_t reports;

static int fake_report(struct tm_context *c, const struct tm_finding *f) { reports++; return 0; }
static double fake_option(struct tm_context *c, const char *n, double d) { return d; }
static const char *fake_addr(const struct tm_addr *a, char *b, size_t l) { snprintf(b, l, "x"); return b; }

static const struct tm_host fake_host = { .struct_size = sizeof(struct tm_host),
    .report = fake_report, .option = fake_option, .addr_str = fake_addr };

/* Drive N spoofed SYNs (each its own flow: SYN, server half-open, flow
 * end) at 10,000 per second, to TARGETS distinct services. */
static struct sf_state *
flood(uint32_t n, uint32_t targets, size_t *bytes_at_1000)
{
	struct tm_profile prof;
	void *state = NULL;
	struct tm_flow fl;
	struct tm_segment seg;
	struct tm_transition tr = { .side = TM_SERVER, .from = TM_LISTEN, .to = TM_SYN_RECEIVED,
	    .cause = "recv SYN" };

	profile_get("linux", &prof);
	ck_assert_int_eq(sf_init(NULL, &fake_host, &prof, &state), 0);
	memset(&fl, 0, sizeof(fl));
	memset(&seg, 0, sizeof(seg));
	fl.addr[0].family = fl.addr[1].family = 4;
	fl.addr[1].bytes[0] = 10;
	seg.flags = TM_TH_SYN;
	seg.from = TM_CLIENT;
	for (uint32_t i = 0; i < n; i++) {
		void *slot = NULL;
		uint32_t src = (uint32_t)plugin_mix(i);

		memcpy(fl.addr[0].bytes, &src, 4);
		fl.port[0] = (uint16_t)src;
		fl.port[1] = (uint16_t)(80 + i % targets);
		fl.id = i + 1;
		seg.frame = i + 1;
		seg.ts = tr.ts = (tm_time_t)i * 100000;      /* 10k SYNs per second */
		sf_segment(state, &fl, &seg, &slot);
		sf_transition(state, &fl, &tr, &slot);
		if (i % 4 == 0)         /* some flows leave the host's table */
			sf_flow_end(state, &fl, &slot);
		if (i % 10000 == 0)
			sf_tick(state, seg.ts);
		if (i == 1000)
			*bytes_at_1000 = ((struct sf_state *)state)->bytes;
	}
	return state;
}

START_TEST(million_spoofed_syns_keep_memory_bounded)
{
	size_t at1000 = 0;
	struct sf_state *st = flood(1000000, 1, &at1000);
	struct target *t = NULL;
	double est;

	for (size_t i = 0; i < MAX_TARGETS; i++)
		if (st->targets[i] != NULL)
			t = st->targets[i];
	ck_assert_ptr_nonnull(t);
	est = hll_estimate(t->hll);
	fprintf(stderr, "1e6 SYNs, 1 target: %zu bytes (at 1000 SYNs: %zu), sources ~%.0f\n",
	    st->bytes, at1000, est);
	ck_assert_uint_eq(st->bytes, at1000);           /* no growth with the SYNs */
	ck_assert_uint_le(st->bytes, sizeof(*st) + sizeof(struct target));
	ck_assert_msg(est > 850000 && est < 1150000, "estimate %f", est);
	ck_assert_uint_eq(t->half_open, 750000);        /* a quarter left the table */
	reports = 0;
	sf_capture_end(st, (tm_time_t)1000000 * 100000);
	ck_assert_uint_eq(reports, 1);                  /* one episode, not a million */
	sf_fini(st);
}
END_TEST

START_TEST(million_syns_to_many_services_keep_the_table_bounded)
{
	size_t at1000 = 0;
	struct sf_state *st = flood(1000000, 60000, &at1000);

	fprintf(stderr, "1e6 SYNs, 60000 targets: %zu targets, %zu bytes, %llu untracked\n",
	    st->ntargets, st->bytes, (unsigned long long)st->untracked);
	ck_assert_uint_le(st->ntargets, MAX_TARGETS / 2);
	ck_assert_uint_le(st->bytes, sizeof(*st) + MAX_TARGETS / 2 * sizeof(struct target));
	ck_assert_uint_gt(st->untracked, 0);
	sf_fini(st);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plugin-synflood");
	TCase *tc = tcase_create("synflood");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, syn_flood_one_episode_with_sources_and_cookies);
	tcase_add_test(tc, busy_service_whose_handshakes_complete_is_no_flood);
	tcase_add_test(tc, unanswered_flood_says_no_cookies);
	tcase_add_test(tc, flood_without_any_synack_cannot_judge_cookies);
	tcase_add_test(tc, kept_window_sums_equal_the_ring);
	tcase_add_test(tc, million_spoofed_syns_keep_memory_bounded);
	tcase_add_test(tc, million_syns_to_many_services_keep_the_table_bounded);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

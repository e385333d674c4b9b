/*
 * test-readahead.c: a capture read and decoded on a thread of its own
 * gives the same packets, in the same order, as reading it directly; the
 * ring wraps, waits for a slow reader of it, skips batches without TCP;
 * damage, a stop request and an early finish end it cleanly.
 *
 * The captures are written here with libpcap (raw IPv4): TCP segments
 * whose sequence number is their frame number, UDP datagrams between.
 */
#include "config.h"

#include <check.h>
#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "readahead.h"
#include "reader.h"
#include "check-main.h"

static char path[64];
static char err[1024];

/* Frame I: UDP when UDP_FROM <= I < UDP_TO or I is a multiple of 3, else
 * TCP with sequence number I. */
static int
is_tcp(unsigned i, unsigned udp_from, unsigned udp_to)
{
	return !(i % 3 == 0 || (i >= udp_from && i < udp_to));
}

static unsigned
tcp_frames(unsigned n, unsigned udp_from, unsigned udp_to)
{
	unsigned k = 0;

	for (unsigned i = 1; i <= n; i++)
		k += is_tcp(i, udp_from, udp_to);
	return k;
}

static void
write_capture(unsigned n, unsigned udp_from, unsigned udp_to)
{
	pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *d;
	uint8_t b[40];

	strcpy(path, "/tmp/test-readahead-XXXXXX");
	ck_assert_int_ge(mkstemp(path), 0);
	ck_assert_ptr_nonnull(d = pcap_dump_open(dead, path));
	for (unsigned i = 1; i <= n; i++) {
		int tcp = is_tcp(i, udp_from, udp_to);
		unsigned len = tcp ? 40 : 28;
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1700000000 + i / 1000,
		    .tv_usec = (int)(i % 1000) * 1000 }, .caplen = len, .len = len };

		memset(b, 0, sizeof(b));
		b[0] = 0x45;
		b[3] = (uint8_t)len;
		b[8] = 64;
		b[9] = tcp ? 6 : 17;
		memcpy(b + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		b[20] = 0x9c, b[21] = 0x40, b[23] = 80;
		if (tcp) {
			b[24] = (uint8_t)(i >> 24), b[25] = (uint8_t)(i >> 16);
			b[26] = (uint8_t)(i >> 8), b[27] = (uint8_t)i;
			b[32] = 0x50, b[33] = TM_TH_ACK, b[34] = 0xff;
		} else {
			b[25] = 8;
		}
		pcap_dump((u_char *)d, &h, b);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

struct taker {
	uint64_t frames, tcp;
	uint64_t stop_after;    /* frames; 0 = never */
	atomic_int stop;
};

static int
take(void *ctx, const struct frame *fr, struct packet *p)
{
	struct taker *t = ctx;
	enum decode_verdict v = decode_frame(fr->dlt, fr->data, fr->caplen, fr->wirelen,
	    p, NULL, 0);

	ck_assert_uint_eq(fr->number, ++t->frames);
	if (t->stop_after != 0 && t->frames == t->stop_after)
		atomic_store(&t->stop, 1);
	if (v != DECODE_TCP)
		return 0;
	p->frame = fr->number;
	t->tcp++;
	return 1;
}

static struct readahead *
start(struct reader **r, struct taker *t)
{
	struct readahead_options o = { .stop = &t->stop, .take = take, .ctx = t };
	struct readahead *ra;

	ck_assert_msg((*r = reader_open_file(path, NULL, err, sizeof(err))) != NULL, "%s", err);
	ck_assert_ptr_nonnull(ra = readahead_start(*r, &o));
	return ra;
}

/* Every packet, checked against the frames written; returns how many.
 * SLOW: sleep a little on every batch, so that the ring fills. */
static uint64_t
take_all(struct readahead *ra, unsigned udp_from, unsigned udp_to, int slow)
{
	const struct packet *p;
	uint64_t want = 1, got = 0;
	size_t n;

	while ((n = readahead_next(ra, &p)) > 0) {
		ck_assert_uint_le(n, READAHEAD_BATCH);
		for (size_t i = 0; i < n; i++, want++) {
			while (!is_tcp((unsigned)want, udp_from, udp_to))
				want++;
			ck_assert_uint_eq(p[i].frame, want);
			ck_assert_uint_eq(p[i].seq, (uint32_t)want);
			ck_assert_uint_eq(p[i].sport, 40000);
			got++;
		}
		if (slow)
			usleep(200);
	}
	return got;
}

START_TEST(every_packet_in_order_across_many_batches)
{
	/* 2000 UDP frames in a row: four batches with nothing to hand out. */
	unsigned n = 30000, udp_from = 5001, udp_to = 7001;
	struct taker t = { 0 };
	struct reader *r;
	struct readahead *ra;
	uint64_t frames, bytes, got;

	write_capture(n, udp_from, udp_to);
	ra = start(&r, &t);
	got = take_all(ra, udp_from, udp_to, _i);
	readahead_position(ra, &frames, &bytes);
	ck_assert_uint_eq(frames, n);
	ck_assert_int_eq(readahead_finish(ra, err, sizeof(err)), READER_END);
	ck_assert_uint_eq(bytes, reader_bytes(r));
	ck_assert_uint_eq(t.frames, n);
	ck_assert_uint_eq(got, t.tcp);
	ck_assert_uint_eq(got, tcp_frames(n, udp_from, udp_to));
	reader_close(r);
	unlink(path);
}
END_TEST

START_TEST(damage_ends_it_with_the_readers_message)
{
	struct taker t = { 0 };
	struct reader *r;
	struct readahead *ra;
	FILE *f;
	long size;

	write_capture(3000, 0, 0);
	ck_assert_ptr_nonnull(f = fopen(path, "r+"));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	ck_assert_int_eq(truncate(path, size - 30), 0);  /* the last record cut */
	ra = start(&r, &t);
	ck_assert_uint_eq(take_all(ra, 0, 0, 0), tcp_frames(2999, 0, 0));
	ck_assert_int_eq(readahead_finish(ra, err, sizeof(err)), READER_DAMAGED);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_uint_eq(t.frames, 2999);
	reader_close(r);
	unlink(path);
}
END_TEST

START_TEST(a_stop_request_ends_the_reading_there)
{
	struct taker t = { .stop_after = 1000 };
	struct reader *r;
	struct readahead *ra;

	write_capture(10000, 0, 0);
	ra = start(&r, &t);
	ck_assert_uint_eq(take_all(ra, 0, 0, 0), tcp_frames(1000, 0, 0));
	ck_assert_int_eq(readahead_finish(ra, err, sizeof(err)), READER_END);
	ck_assert_uint_eq(t.frames, 1000);
	reader_close(r);
	unlink(path);
}
END_TEST

START_TEST(finishing_early_stops_a_thread_waiting_for_room)
{
	struct taker t = { 0 };
	struct reader *r;
	struct readahead *ra;
	const struct packet *p;

	write_capture(60000, 0, 0);
	ra = start(&r, &t);
	ck_assert_uint_eq(readahead_next(ra, &p), READAHEAD_BATCH);
	usleep(100000);         /* the ring fills; the thread waits */
	ck_assert_int_eq(readahead_finish(ra, err, sizeof(err)), READER_END);
	/* At most the ring and the batch the thread was filling. */
	ck_assert_uint_le(t.tcp, (READAHEAD_BATCHES + 1) * READAHEAD_BATCH);
	ck_assert_uint_lt(t.frames, 60000);
	reader_close(r);
	unlink(path);
}
END_TEST

static Suite *
readahead_suite(void)
{
	Suite *s = suite_create("readahead");
	TCase *tc = tcase_create("readahead");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, every_packet_in_order_across_many_batches, 0, 2);
	tcase_add_test(tc, damage_ends_it_with_the_readers_message);
	tcase_add_test(tc, a_stop_request_ends_the_reading_there);
	tcase_add_test(tc, finishing_early_stops_a_thread_waiting_for_room);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(readahead_suite());
}

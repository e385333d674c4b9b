/*
 * test-decode.c: decode_frame() against frames built byte by byte here.
 *
 * The builder below writes headers the way RFC 791/8200/9293 lay them out;
 * each test then bends one field and checks the verdict or the segment.
 * Frames handed to the decoder are copied into a buffer of exactly caplen
 * bytes so that AddressSanitizer (the --enable-sanitizers build) catches
 * any read past the captured end.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "check-main.h"

#define DLT_ETH 1
#define ETH 14                  /* IPv4/IPv6 header offset in an Ethernet frame */
#define TCP4 (ETH + 20)         /* TCP offset after a plain IPv4 header */
#define TCP6 (ETH + 40)

struct fb {
	uint8_t b[4096];
	uint32_t n;
};

static void put(struct fb *f, const void *p, size_t n) { if (n > 0) memcpy(f->b + f->n, p, n); f->n += (uint32_t)n; }
static void put8(struct fb *f, unsigned v) { f->b[f->n++] = (uint8_t)v; }
static void put16(struct fb *f, unsigned v) { put8(f, v >> 8); put8(f, v & 0xff); }
static void put32(struct fb *f, uint32_t v) { put16(f, v >> 16); put16(f, v & 0xffff); }
static void set16(struct fb *f, uint32_t off, unsigned v) { f->b[off] = (uint8_t)(v >> 8); f->b[off + 1] = (uint8_t)v; }

static void eth(struct fb *f, unsigned type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	put(f, macs, 12);
	put16(f, type);
}

/* IPv4 header for L4LEN bytes of TCP; total length filled in. */
static void ipv4(struct fb *f, unsigned proto, uint32_t l4len)
{
	put8(f, 0x45); put8(f, 0); put16(f, 20 + l4len);
	put16(f, 0x1234); put16(f, 0x4000);     /* DF */
	put8(f, 64); put8(f, proto); put16(f, 0);
	put32(f, 0x0ac80001); put32(f, 0x0ac80002);
}

static void ipv6(struct fb *f, unsigned nh, uint32_t plen)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	put32(f, 0x60000000); put16(f, plen); put8(f, nh); put8(f, 64);
	put(f, a, 16); put(f, b, 16);
}

/* TCP header with options OPT (a multiple of 4 bytes) and PAYLOAD bytes. */
static void tcp(struct fb *f, const uint8_t *opt, uint32_t optlen, uint32_t payload)
{
	uint32_t i;

	put16(f, 35660); put16(f, 8080); put32(f, 1000); put32(f, 5001);
	put8(f, (uint8_t)((20 + optlen) / 4) << 4); put8(f, 0x12); put16(f, 64240);
	put16(f, 0); put16(f, 0);
	put(f, opt, optlen);
	for (i = 0; i < payload; i++)
		put8(f, 'x');
}

static void eth_ipv4_tcp(struct fb *f, const uint8_t *opt, uint32_t optlen, uint32_t payload)
{
	f->n = 0;
	eth(f, 0x0800);
	ipv4(f, 6, 20 + optlen + payload);
	tcp(f, opt, optlen, payload);
}

static struct packet pk;
static char why[256];

/* Decode the first CAPLEN bytes of F from an exact-size copy. */
static enum decode_verdict run_cut(int dlt, const struct fb *f, uint32_t caplen, uint32_t wirelen)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	enum decode_verdict v;

	memcpy(copy, f->b, caplen);
	v = decode_frame(dlt, copy, caplen, wirelen, &pk, why, sizeof why);
	free(copy);
	return v;
}

static enum decode_verdict run(int dlt, const struct fb *f)
{
	return run_cut(dlt, f, f->n, f->n);
}

/* The same IPv4 SYN under every supported link header. */
static void ip_only(struct fb *f)
{
	ipv4(f, 6, 20);
	tcp(f, NULL, 0, 0);
}

static void expect_tcp4(int dlt, const struct fb *f)
{
	ck_assert_msg(run(dlt, f) == DECODE_TCP, "dlt %d: %s", dlt, why);
	ck_assert_int_eq(pk.src.family, 4);
	ck_assert_uint_eq(pk.sport, 35660);
}

static const uint8_t linux_syn_opts[] = {
	2, 4, 0x05, 0xb4,                       /* MSS 1460 */
	4, 2,                                   /* SACK permitted */
	8, 10, 0, 0, 0x03, 0xe8, 0, 0, 0, 7,    /* TS 1000, 7 */
	1, 3, 3, 7,                             /* NOP, WS 7 */
};

START_TEST(ipv4_syn_options_all_parsed)
{
	struct fb f;

	eth_ipv4_tcp(&f, linux_syn_opts, sizeof linux_syn_opts, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_int_eq(pk.src.family, 4);
	ck_assert_int_eq(pk.src.bytes[0], 10);
	ck_assert_int_eq(pk.dst.bytes[3], 2);
	ck_assert_uint_eq(pk.sport, 35660);
	ck_assert_uint_eq(pk.dport, 8080);
	ck_assert_uint_eq(pk.seq, 1000);
	ck_assert_uint_eq(pk.ack, 5001);
	ck_assert_uint_eq(pk.flags, TM_TH_SYN | TM_TH_ACK);
	ck_assert_uint_eq(pk.window, 64240);
	ck_assert_uint_eq(pk.len, 0);
	ck_assert_uint_eq(pk.mss, 1460);
	ck_assert_uint_eq(pk.has_sack_perm, 1);
	ck_assert_uint_eq(pk.has_ts, 1);
	ck_assert_uint_eq(pk.tsval, 1000);
	ck_assert_uint_eq(pk.tsecr, 7);
	ck_assert_uint_eq(pk.has_wscale, 1);
	ck_assert_uint_eq(pk.wscale, 7);
	ck_assert_uint_eq(pk.has_tfo, 0);
	ck_assert_uint_eq(pk.wire_len, f.n);
}
END_TEST

START_TEST(tfo_kind_34_cookie_length_kept)
{
	static const uint8_t o[] = { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1 };
	struct fb f;

	eth_ipv4_tcp(&f, o, sizeof o, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_uint_eq(pk.has_tfo, 1);
	ck_assert_uint_eq(pk.tfo_cookie_len, 8);
}
END_TEST

START_TEST(tfo_kind_254_only_with_magic_f989)
{
	static const uint8_t tfo[] = { 254, 8, 0xf9, 0x89, 1, 2, 3, 4 };
	static const uint8_t other[] = { 254, 8, 0x12, 0x34, 1, 2, 3, 4 };
	struct fb f;

	eth_ipv4_tcp(&f, tfo, sizeof tfo, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_uint_eq(pk.has_tfo, 1);
	ck_assert_uint_eq(pk.tfo_cookie_len, 4);
	eth_ipv4_tcp(&f, other, sizeof other, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_uint_eq(pk.has_tfo, 0);
}
END_TEST

START_TEST(bad_option_length_stops_options_not_the_segment)
{
	/* MSS, then an option claiming length 1, then timestamps. */
	static const uint8_t o[] = { 2, 4, 0x05, 0xb4, 30, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0 };
	static const uint8_t wrong_mss[] = { 2, 3, 5, 1, 3, 3, 7, 0 };
	struct fb f;

	eth_ipv4_tcp(&f, o, sizeof o, 3);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_uint_eq(pk.mss, 1460);
	ck_assert_uint_eq(pk.has_ts, 0);
	ck_assert_uint_eq(pk.len, 3);
	eth_ipv4_tcp(&f, wrong_mss, sizeof wrong_mss, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_uint_eq(pk.mss, 0);
	ck_assert_uint_eq(pk.has_wscale, 0);
}
END_TEST

START_TEST(options_parsed_only_as_far_as_captured)
{
	struct fb f;

	eth_ipv4_tcp(&f, linux_syn_opts, sizeof linux_syn_opts, 0);
	/* MSS and SACK-permitted captured, timestamps cut in the middle. */
	ck_assert_int_eq(run_cut(DLT_ETH, &f, TCP4 + 20 + 10, f.n), DECODE_TCP);
	ck_assert_uint_eq(pk.mss, 1460);
	ck_assert_uint_eq(pk.has_sack_perm, 1);
	ck_assert_uint_eq(pk.has_ts, 0);
	ck_assert_uint_eq(pk.has_wscale, 0);
}
END_TEST

START_TEST(payload_length_from_ip_header_when_cut_by_snaplen)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 1000);
	ck_assert_int_eq(run_cut(DLT_ETH, &f, 64, f.n), DECODE_TCP);
	ck_assert_uint_eq(pk.len, 1000);
	ck_assert_uint_eq(pk.wire_len, f.n);
}
END_TEST

START_TEST(ethernet_padding_is_not_payload)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 1);
	while (f.n < 60)
		put8(&f, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_uint_eq(pk.len, 1);
}
END_TEST

START_TEST(ipv4_total_length_zero_falls_back_to_frame_tso)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 3000);
	set16(&f, ETH + 2, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_uint_eq(pk.len, 3000);
}
END_TEST

START_TEST(vlan_tags_8021q_8021ad_9100_outermost_id_kept)
{
	static const unsigned outer[] = { 0x8100, 0x88a8, 0x9100 };
	struct fb f;
	size_t i;

	for (i = 0; i < 3; i++) {
		f.n = 0;
		eth(&f, outer[i]);
		put16(&f, 0x2000 | 200);        /* PCP 1, VLAN 200 */
		put16(&f, 0x8100);
		put16(&f, 300);
		put16(&f, 0x0800);
		ipv4(&f, 6, 20);
		tcp(&f, NULL, 0, 0);
		ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
		ck_assert_uint_eq(pk.vlan, 200);
		ck_assert_uint_eq(pk.dport, 8080);
	}
}
END_TEST

START_TEST(endless_vlan_tags_are_malformed)
{
	struct fb f;
	int i;

	f.n = 0;
	eth(&f, 0x8100);
	for (i = 0; i < 20; i++) {
		put16(&f, 5);
		put16(&f, 0x8100);
	}
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
	ck_assert_ptr_nonnull(strstr(why, "VLAN"));
}
END_TEST

START_TEST(ipv4_header_length_below_20_malformed)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 0);
	f.b[ETH] = 0x44;
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
	ck_assert_str_eq(why, "IPv4 header length 16 below 20");
}
END_TEST

START_TEST(ipv4_total_length_below_header_malformed)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 0);
	set16(&f, ETH + 2, 12);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
	ck_assert_str_eq(why, "IPv4 total length 12 below header length 20");
}
END_TEST

START_TEST(ipv4_options_past_snaplen_truncated_past_whole_frame_malformed)
{
	struct fb f;

	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 6, 60);
	f.b[ETH] = 0x4f;                /* 60-byte header: 40 bytes of options */
	set16(&f, ETH + 2, 100);
	while (f.n < ETH + 100)
		put8(&f, 1);
	/* Snaplen cut the options: the frame is longer on the wire. */
	ck_assert_int_eq(run_cut(DLT_ETH, &f, 54, f.n), DECODE_TRUNCATED);
	ck_assert_str_eq(why, "IPv4 header length 60 exceeds captured 40");
	/* The whole frame is 54 bytes: the header lies. */
	set16(&f, ETH + 2, 40);
	ck_assert_int_eq(run_cut(DLT_ETH, &f, 54, 54), DECODE_MALFORMED);
}
END_TEST

START_TEST(tcp_data_offset_below_5_malformed)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 8);
	f.b[TCP4 + 12] = 0x40;
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
	ck_assert_str_eq(why, "TCP data offset 4 (16 bytes) below 5");
}
END_TEST

START_TEST(tcp_data_offset_past_ip_payload_malformed)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 4);
	f.b[TCP4 + 12] = 0xf0;
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
	ck_assert_str_eq(why, "TCP data offset 15 (60 bytes) exceeds IP payload 24");
}
END_TEST

START_TEST(tcp_header_not_captured_truncated)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 500);
	ck_assert_int_eq(run_cut(DLT_ETH, &f, TCP4 + 19, f.n), DECODE_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(why, "TCP header"));
}
END_TEST

START_TEST(ipv4_fragments_counted_first_and_later)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 100);
	set16(&f, ETH + 6, 0x2000);             /* MF, offset 0 */
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_FRAGMENT);
	set16(&f, ETH + 6, 0x0010);             /* offset 128 bytes */
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_FRAGMENT);
	ck_assert_ptr_nonnull(strstr(why, "offset 128"));
}
END_TEST

START_TEST(mpls_pppoe_and_snap_inside_ethernet)
{
	struct fb f;

	f.n = 0;
	eth(&f, 0x8847);
	put32(&f, 0x00010040);                  /* label 16, not bottom */
	put32(&f, 0x00011140);                  /* label 17, bottom of stack */
	ip_only(&f);
	expect_tcp4(DLT_ETH, &f);
	f.n = 0;
	eth(&f, 0x8864);
	put16(&f, 0x1100); put16(&f, 0x0001); put16(&f, 42); put16(&f, 0x0021);
	ip_only(&f);
	expect_tcp4(DLT_ETH, &f);
	f.n = 0;
	eth(&f, 60);                            /* 802.3 length, then LLC/SNAP */
	put8(&f, 0xaa); put8(&f, 0xaa); put8(&f, 3); put8(&f, 0); put16(&f, 0); put16(&f, 0x0800);
	ip_only(&f);
	expect_tcp4(DLT_ETH, &f);
	f.n = 0;
	eth(&f, 0x8847);                        /* labels that never end */
	while (f.n < 14 + 4 * 12)
		put32(&f, 0x00010040);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
}
END_TEST

/* IPv4-in-IPv4, then GRE carrying IPv4, then ERSPAN II carrying Ethernet. */
START_TEST(tunnels_entered_inner_addresses_kept)
{
	struct fb f;

	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 4, 40);
	f.b[ETH + 12] = 192;                    /* outer source 192.200.0.1 */
	ipv4(&f, 6, 20);
	tcp(&f, NULL, 0, 0);
	expect_tcp4(DLT_ETH, &f);
	ck_assert_uint_eq(pk.src.bytes[0], 10);
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 47, 8 + 40);
	put16(&f, 0x2000); put16(&f, 0x0800); put32(&f, 77);   /* key present */
	ipv4(&f, 6, 20);
	tcp(&f, NULL, 0, 0);
	expect_tcp4(DLT_ETH, &f);
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 47, 4 + 8 + 14 + 40);
	put16(&f, 0); put16(&f, 0x88be); put32(&f, 0x10010000); put32(&f, 0);
	eth(&f, 0x0800);
	ipv4(&f, 6, 20);
	tcp(&f, NULL, 0, 0);
	expect_tcp4(DLT_ETH, &f);
}
END_TEST

START_TEST(gre_version_1_unsupported_and_nesting_bounded)
{
	struct fb f;
	int i;

	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 47, 8 + 40);
	put16(&f, 0x3001); put16(&f, 0x880b); put32(&f, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_UNSUPPORTED);
	f.n = 0;
	eth(&f, 0x0800);
	for (i = 0; i < 6; i++)
		ipv4(&f, 4, 20 * (6 - i) + 20);
	ipv4(&f, 6, 20);
	tcp(&f, NULL, 0, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
	ck_assert_ptr_nonnull(strstr(why, "nested tunnels"));
}
END_TEST

START_TEST(not_ip_and_not_tcp)
{
	struct fb f;

	f.n = 0;
	eth(&f, 0x0806);
	put32(&f, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_NOT_IP);
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 17, 8);
	put32(&f, 0); put32(&f, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_NOT_TCP);

	f.n = 0;
	eth(&f, 0x8847);                        /* MPLS over an Ethernet pseudowire */
	put32(&f, 0x00001140);
	put32(&f, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_UNSUPPORTED);
}
END_TEST

/* IPv6 with hop-by-hop, routing, destination options and AH before TCP. */
START_TEST(ipv6_extension_chain_walked_to_tcp)
{
	struct fb f;

	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 0, 8 + 8 + 16 + 24 + 20 + 7);
	put8(&f, 43); put8(&f, 0); put16(&f, 0x0104); put32(&f, 0);     /* HBH, 8 */
	put8(&f, 60); put8(&f, 0); put8(&f, 0); put8(&f, 0); put32(&f, 0); /* routing, 8 */
	put8(&f, 51); put8(&f, 1); put16(&f, 0); put32(&f, 0); put32(&f, 0); put32(&f, 0); /* dstopt, 16 */
	put8(&f, 6); put8(&f, 4); put16(&f, 0); put32(&f, 1); put32(&f, 2);                 /* AH, 24 */
	put32(&f, 0); put32(&f, 0); put32(&f, 0);
	tcp(&f, NULL, 0, 7);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_int_eq(pk.src.family, 6);
	ck_assert_uint_eq(pk.src.bytes[15], 1);
	ck_assert_uint_eq(pk.dst.bytes[15], 2);
	ck_assert_uint_eq(pk.len, 7);
	ck_assert_uint_eq(pk.dport, 8080);
}
END_TEST

START_TEST(ipv6_atomic_fragment_is_a_whole_packet)
{
	struct fb f;

	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 44, 8 + 20 + 5);
	put8(&f, 6); put8(&f, 0); put16(&f, 0); put32(&f, 99);  /* offset 0, M 0 */
	tcp(&f, NULL, 0, 5);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_TCP);
	ck_assert_uint_eq(pk.len, 5);
	set16(&f, TCP6 + 2, 0x0001);            /* M 1: a first fragment */
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_FRAGMENT);
	set16(&f, TCP6 + 2, 0x0100);            /* offset 32 bytes, M 0: a last fragment */
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_FRAGMENT);
}
END_TEST

START_TEST(ipv6_endless_extension_chain_malformed)
{
	struct fb f;
	int i;

	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 60, 8 * 40 + 20);
	for (i = 0; i < 40; i++) {
		put8(&f, 60); put8(&f, 0); put16(&f, 0); put32(&f, 0);
	}
	tcp(&f, NULL, 0, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
	ck_assert_ptr_nonnull(strstr(why, "chain longer than"));
}
END_TEST

START_TEST(ipv6_extension_header_past_payload_malformed)
{
	struct fb f;

	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 60, 8 + 20);
	put8(&f, 6); put8(&f, 9); put16(&f, 0); put32(&f, 0);   /* claims 80 bytes */
	tcp(&f, NULL, 0, 0);
	ck_assert_int_eq(run(DLT_ETH, &f), DECODE_MALFORMED);
	ck_assert_ptr_nonnull(strstr(why, "runs past the payload length"));
}
END_TEST

START_TEST(every_link_type_reaches_tcp)
{
	static const int raw_dlts[] = { 12, 14, 101, 228 };
	static const uint32_t afs[] = { 2 };
	struct fb f;
	size_t i;

	for (i = 0; i < 4; i++) {
		f.n = 0;
		ip_only(&f);
		expect_tcp4(raw_dlts[i], &f);
	}
	f.n = 0;                                /* SLL: 16 bytes, protocol last */
	put16(&f, 0); put16(&f, 1); put16(&f, 6); put32(&f, 0); put32(&f, 0); put16(&f, 0x0800);
	ip_only(&f);
	expect_tcp4(113, &f);
	f.n = 0;                                /* SLL2: 20 bytes, protocol first */
	put16(&f, 0x0800); put16(&f, 0); put32(&f, 2); put16(&f, 1); put8(&f, 0); put8(&f, 6);
	put32(&f, 0); put32(&f, 0);
	ip_only(&f);
	expect_tcp4(276, &f);
	f.n = 0;                                /* NULL, little-endian writer */
	put8(&f, afs[0]); put8(&f, 0); put16(&f, 0);
	ip_only(&f);
	expect_tcp4(0, &f);
	f.n = 0;                                /* LOOP, network order */
	put32(&f, 2);
	ip_only(&f);
	expect_tcp4(108, &f);
}
END_TEST

START_TEST(ppp_hdlc_and_ipoib_reach_tcp)
{
	struct fb f;

	f.n = 0;                                /* PPP in HDLC framing */
	put8(&f, 0xff); put8(&f, 0x03); put16(&f, 0x0021);
	ip_only(&f);
	expect_tcp4(9, &f);
	f.n = 0;                                /* PPP, address and control compressed */
	put16(&f, 0x0021);
	ip_only(&f);
	expect_tcp4(50, &f);
	f.n = 0;
	put8(&f, 0x0f); put8(&f, 0); put16(&f, 0x0800);
	ip_only(&f);
	expect_tcp4(104, &f);
	f.n = 0;                                /* IPoIB: 40 address bytes, type, reserved */
	while (f.n < 40)
		put8(&f, 0);
	put16(&f, 0x0800); put16(&f, 0);
	ip_only(&f);
	expect_tcp4(242, &f);
	f.n = 0;                                /* FDDI, LLC/SNAP */
	put8(&f, 0x50); put32(&f, 0); put32(&f, 0); put32(&f, 0);
	put8(&f, 0xaa); put8(&f, 0xaa); put8(&f, 3); put8(&f, 0); put16(&f, 0); put16(&f, 0x0800);
	ip_only(&f);
	expect_tcp4(10, &f);
	f.n = 0;
	put16(&f, 0xc021);                      /* LCP */
	put32(&f, 0);
	ck_assert_int_eq(run(9, &f), DECODE_NOT_IP);
}
END_TEST

/* NFLOG: a prefix TLV, then the payload TLV (type 9), lengths little-endian. */
START_TEST(nflog_payload_tlv_found)
{
	struct fb f;

	f.n = 0;
	put8(&f, 2); put8(&f, 0); put16(&f, 0);
	put8(&f, 9); put8(&f, 0); put8(&f, 10); put8(&f, 0);    /* prefix "abcde", padded */
	put(&f, "abcde\0\0\0", 8);
	put8(&f, 44); put8(&f, 0); put8(&f, 9); put8(&f, 0);
	ip_only(&f);
	expect_tcp4(239, &f);
	f.b[4] = 0;                             /* a TLV shorter than its header */
	f.b[5] = 0;
	ck_assert_int_eq(run(239, &f), DECODE_MALFORMED);
}
END_TEST

START_TEST(loopback_ipv6_family_values_in_both_byte_orders)
{
	static const uint32_t af6[] = { 24, 28, 30 };
	struct fb f;
	size_t i, order;

	for (i = 0; i < 3; i++) {
		for (order = 0; order < 2; order++) {
			f.n = 0;
			if (order == 0) {
				put8(&f, af6[i]); put8(&f, 0); put16(&f, 0);
			} else {
				put32(&f, af6[i]);
			}
			ipv6(&f, 6, 20);
			tcp(&f, NULL, 0, 0);
			ck_assert_int_eq(run(0, &f), DECODE_TCP);
			ck_assert_int_eq(pk.src.family, 6);
		}
	}
	f.n = 0;
	put32(&f, 17);                          /* not an IP family */
	put32(&f, 0);
	ck_assert_int_eq(run(0, &f), DECODE_NOT_IP);
}
END_TEST

START_TEST(raw_ipv6_link_types)
{
	struct fb f;

	f.n = 0;
	ipv6(&f, 6, 20);
	tcp(&f, NULL, 0, 0);
	ck_assert_int_eq(run(229, &f), DECODE_TCP);
	ck_assert_int_eq(run(101, &f), DECODE_TCP);
	ck_assert_int_eq(pk.src.family, 6);
	/* LINKTYPE_IPV4 carrying IPv6 is a lie. */
	ck_assert_int_eq(run(228, &f), DECODE_MALFORMED);
}
END_TEST

START_TEST(unsupported_link_type_named)
{
	struct fb f;

	eth_ipv4_tcp(&f, NULL, 0, 0);
	ck_assert_int_eq(run(147, &f), DECODE_UNSUPPORTED);
	ck_assert_str_eq(why, "link type 147 not supported");
	ck_assert_int_eq(decode_supports_dlt(147), 0);
	ck_assert_int_eq(decode_supports_dlt(276), 1);
}
END_TEST

START_TEST(verdict_names_for_counters)
{
	ck_assert_str_eq(decode_verdict_name(DECODE_TCP), "tcp");
	ck_assert_str_eq(decode_verdict_name(DECODE_FRAGMENT), "fragment");
	ck_assert_str_eq(decode_verdict_name(DECODE_UNSUPPORTED), "unsupported");
	ck_assert_str_eq(decode_verdict_name(DECODE_VERDICT_COUNT), "unknown");
}
END_TEST

/* Every prefix of a rich frame, as a whole frame and as a snaplen cut:
 * never TCP with a wrong family, never a read past the copy (ASan). */
START_TEST(every_prefix_of_a_frame_is_safe)
{
	struct fb f;
	uint32_t n;
	enum decode_verdict v;

	eth_ipv4_tcp(&f, linux_syn_opts, sizeof linux_syn_opts, 30);
	for (n = 0; n < f.n; n++) {
		v = run_cut(DLT_ETH, &f, n, f.n);
		ck_assert_msg(n < TCP4 + 20 ? v == DECODE_TRUNCATED : v == DECODE_TCP,
		    "cut at %u: %s", n, why);
		v = run_cut(DLT_ETH, &f, n, n);
		ck_assert_msg(n < TCP4 + 20 + sizeof linux_syn_opts ? v != DECODE_TCP : v == DECODE_TCP,
		    "whole %u: %s", n, why);
	}
}
END_TEST

/* Inputs the fuzzer once crashed on (layout of tests/fuzz/fuzz-decode.c). */
START_TEST(fuzz_regressions_replay)
{
	static const int dlts[] = { 1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 9, 50, 104, 239, 242, 10 };
	DIR *d = opendir(REGRESS_DIR);
	struct dirent *e;
	char path[1024];
	uint8_t buf[70000], *copy;
	size_t n;
	FILE *fp;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "decode-", 7) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", REGRESS_DIR, e->d_name);
		fp = fopen(path, "rb");
		ck_assert_ptr_nonnull(fp);
		n = fread(buf, 1, sizeof buf, fp);
		fclose(fp);
		if (n < 2)
			continue;
		copy = malloc(n - 2 ? n - 2 : 1);
		memcpy(copy, buf + 2, n - 2);
		ck_assert_int_lt(decode_frame(dlts[buf[0] % (sizeof dlts / sizeof dlts[0])], copy, (uint32_t)(n - 2),
		    (uint32_t)(n - 2) + (buf[1] & 0x80 ? (buf[1] & 0x7fu) * 16 : 0), &pk, why,
		    sizeof why), DECODE_VERDICT_COUNT);
		free(copy);
	}
	closedir(d);
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, ipv4_syn_options_all_parsed);
	tcase_add_test(tc, tfo_kind_34_cookie_length_kept);
	tcase_add_test(tc, tfo_kind_254_only_with_magic_f989);
	tcase_add_test(tc, bad_option_length_stops_options_not_the_segment);
	tcase_add_test(tc, options_parsed_only_as_far_as_captured);
	tcase_add_test(tc, payload_length_from_ip_header_when_cut_by_snaplen);
	tcase_add_test(tc, ethernet_padding_is_not_payload);
	tcase_add_test(tc, ipv4_total_length_zero_falls_back_to_frame_tso);
	tcase_add_test(tc, vlan_tags_8021q_8021ad_9100_outermost_id_kept);
	tcase_add_test(tc, endless_vlan_tags_are_malformed);
	tcase_add_test(tc, ipv4_header_length_below_20_malformed);
	tcase_add_test(tc, ipv4_total_length_below_header_malformed);
	tcase_add_test(tc, ipv4_options_past_snaplen_truncated_past_whole_frame_malformed);
	tcase_add_test(tc, tcp_data_offset_below_5_malformed);
	tcase_add_test(tc, tcp_data_offset_past_ip_payload_malformed);
	tcase_add_test(tc, tcp_header_not_captured_truncated);
	tcase_add_test(tc, ipv4_fragments_counted_first_and_later);
	tcase_add_test(tc, mpls_pppoe_and_snap_inside_ethernet);
	tcase_add_test(tc, not_ip_and_not_tcp);
	tcase_add_test(tc, tunnels_entered_inner_addresses_kept);
	tcase_add_test(tc, gre_version_1_unsupported_and_nesting_bounded);
	tcase_add_test(tc, ipv6_extension_chain_walked_to_tcp);
	tcase_add_test(tc, ipv6_atomic_fragment_is_a_whole_packet);
	tcase_add_test(tc, ipv6_endless_extension_chain_malformed);
	tcase_add_test(tc, ipv6_extension_header_past_payload_malformed);
	tcase_add_test(tc, every_link_type_reaches_tcp);
	tcase_add_test(tc, ppp_hdlc_and_ipoib_reach_tcp);
	tcase_add_test(tc, nflog_payload_tlv_found);
	tcase_add_test(tc, loopback_ipv6_family_values_in_both_byte_orders);
	tcase_add_test(tc, raw_ipv6_link_types);
	tcase_add_test(tc, unsupported_link_type_named);
	tcase_add_test(tc, verdict_names_for_counters);
	tcase_add_test(tc, every_prefix_of_a_frame_is_safe);
	tcase_add_test(tc, fuzz_regressions_replay);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(decode_suite());
}

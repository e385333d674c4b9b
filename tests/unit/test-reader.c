/*
 * test-reader.c: the reader over the captures in tests/data (made by
 * make-decode-data.py with scapy, whose comments give the expectations),
 * and over a live loopback interface when this process may capture.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "decode.h"
#include "reader.h"
#include "check-main.h"

#define T0_NS (INT64_C(1763786000) * TM_NSEC_PER_SEC)
#define MS (INT64_C(1000000))

static char path[1024], err[1024], why[256];
static struct frame f;
static struct packet pk;

static const char *data(const char *name)
{
	snprintf(path, sizeof path, "%s/%s", TESTDATA_DIR, name);
	return path;
}

static struct reader *open_ok(const char *name)
{
	struct reader *r = reader_open_file(data(name), NULL, err, sizeof err);

	ck_assert_msg(r != NULL, "%s: %s", name, err);
	return r;
}

/* Read R to its end; returns the frames read and the final status in *ST. */
static uint64_t read_through(struct reader *r, enum reader_status *st)
{
	uint64_t before = reader_frames(r), n = before;

	while ((*st = reader_next(r, &f, err, sizeof err)) == READER_OK) {
		ck_assert_uint_eq(f.number, ++n);
	}
	return n - before;
}

static void expect_open_error(const char *name, const char *tail)
{
	char want[1200];

	ck_assert_ptr_null(reader_open_file(data(name), NULL, err, sizeof err));
	snprintf(want, sizeof want, "%s: %s", path, tail);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got \"%s\", want \"%s...\"", err, want);
}

static void expect_damage_at(const char *name, uint64_t good_frames, const char *what)
{
	struct reader *r = open_ok(name);
	enum reader_status st;
	char want[1200];

	ck_assert_uint_eq(read_through(r, &st), good_frames);
	ck_assert_int_eq(st, READER_DAMAGED);
	snprintf(want, sizeof want, "%s: frame %llu: ", path, (unsigned long long)good_frames + 1);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got \"%s\"", err);
	ck_assert_msg(strstr(err, what) != NULL, "\"%s\" lacks \"%s\"", err, what);
	ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_END);
	ck_assert_uint_eq(reader_frames(r), good_frames);
	reader_close(r);
}

/* Each file: link type name and frames, all of them TCP from port 35660. */
static const struct {
	const char *file, *link;
	uint64_t frames;
} link_files[] = {
	{ "eth-vlan.pcap", "EN10MB", 5 },
	{ "sll.pcap", "LINUX_SLL", 2 },
	{ "sll2.pcap", "LINUX_SLL2", 2 },
	{ "raw101.pcap", "RAW", 2 },
	{ "raw12.pcap", "RAW", 2 },
	{ "raw14.pcap", NULL, 2 },      /* OpenBSD's DLT_RAW: no name on Linux */
	{ "ipv4.pcap", "IPV4", 1 },
	{ "ipv6.pcap", "IPV6", 1 },
	{ "null.pcap", "NULL", 4 },
	{ "loop.pcap", "LOOP", 2 },
};

START_TEST(every_link_type_file_decodes_to_tcp)
{
	struct reader *r = open_ok(link_files[_i].file);
	enum reader_status st;
	uint64_t n = 0;

	if (link_files[_i].link != NULL)
		ck_assert_str_eq(reader_link_types(r), link_files[_i].link);
	while ((st = reader_next(r, &f, err, sizeof err)) == READER_OK) {
		n++;
		ck_assert_msg(decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why) ==
		    DECODE_TCP, "%s frame %llu: %s", link_files[_i].file, (unsigned long long)n, why);
		ck_assert_uint_eq(pk.sport, 35660);
		ck_assert_uint_eq(pk.mss, 1460);
	}
	ck_assert_int_eq(st, READER_END);
	ck_assert_uint_eq(n, link_files[_i].frames);
	reader_close(r);
}
END_TEST

START_TEST(vlan_ids_of_tagged_frames)
{
	static const uint16_t want[] = { 0, 100, 200, 400, 0 };
	struct reader *r = open_ok("eth-vlan.pcap");
	int i;

	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_OK);
		ck_assert_int_eq(decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why), DECODE_TCP);
		ck_assert_uint_eq(pk.vlan, want[i]);
	}
	reader_close(r);
}
END_TEST

START_TEST(ip_details_verdicts_in_order)
{
	static const enum decode_verdict want[] = {
		DECODE_TCP, DECODE_TCP, DECODE_TCP, DECODE_FRAGMENT, DECODE_FRAGMENT,
		DECODE_NOT_TCP, DECODE_NOT_IP, DECODE_TCP,
	};
	static const uint32_t len[] = { 100, 10, 5, 0, 0, 0, 0, 1 };
	struct reader *r = open_ok("ip-details.pcap");
	int i;

	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_OK);
		ck_assert_msg(decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why) ==
		    want[i], "frame %d: %s", i + 1, why);
		if (want[i] == DECODE_TCP)
			ck_assert_uint_eq(pk.len, len[i]);
	}
	ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_END);
	reader_close(r);
}
END_TEST

START_TEST(header_lies_are_malformed_with_reasons)
{
	static const char *const reason[] = {
		"IPv4 total length 40 below header length 60",
		"TCP data offset 15 (60 bytes) exceeds IP payload 20",
		"IPv4 header length 12 below 20",
		"IPv6 extension header chain longer than 16 headers",
		"IPv6 extension header 60 of 1608 bytes at offset 54 runs past the payload length",
	};
	struct reader *r = open_ok("header-lies.pcap");
	int i;

	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_OK);
		ck_assert_int_eq(decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why),
		    DECODE_MALFORMED);
		ck_assert_str_eq(why, reason[i]);
	}
	reader_close(r);
}
END_TEST

START_TEST(snaplen_cut_frames_keep_ip_payload_length)
{
	struct reader *r = open_ok("snaplen.pcap");

	ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_OK);
	ck_assert_uint_eq(f.caplen, 64);
	ck_assert_uint_eq(f.wirelen, 1054);
	ck_assert_int_eq(decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why), DECODE_TCP);
	ck_assert_uint_eq(pk.len, 1000);
	ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_OK);
	ck_assert_int_eq(decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why), DECODE_TRUNCATED);
	reader_close(r);
}
END_TEST

START_TEST(timestamps_in_nanoseconds_from_every_format)
{
	static const struct {
		const char *file;
		int64_t ts[2];
	} cases[] = {
		{ "nsec.pcap", { T0_NS + 123456789, T0_NS + TM_NSEC_PER_SEC + 999999999 } },
		{ "ip-details.pcap", { T0_NS, T0_NS + MS } },
		{ "big-endian.pcap", { T0_NS, T0_NS + MS } },
		{ "good.pcapng", { T0_NS, T0_NS + 250000 } },
		{ "nsec.pcapng", { T0_NS + 5, 0 } },
		{ "y2038.pcap", { (INT64_C(0x80000010)) * TM_NSEC_PER_SEC, 0 } },
	};
	struct reader *r;
	size_t i, k;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = open_ok(cases[i].file);
		for (k = 0; k < 2 && cases[i].ts[k] != 0; k++) {
			ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_OK);
			ck_assert_msg(f.ts == cases[i].ts[k], "%s frame %zu: %lld", cases[i].file, k + 1,
			    (long long)f.ts);
		}
		reader_close(r);
	}
}
END_TEST

START_TEST(frames_and_bytes_counted)
{
	struct reader *r = open_ok("ip-details.pcap");
	enum reader_status st;

	ck_assert_uint_eq(read_through(r, &st), 8);
	ck_assert_uint_eq(reader_frames(r), 8);
	ck_assert_uint_eq(reader_bytes(r), 810 - 24 - 8 * 16);
	ck_assert_int_eq(reader_file_size(r), 810);
	ck_assert_str_eq(reader_path(r), path);
	ck_assert_int_eq(reader_fileno(r), -1);
	ck_assert_uint_eq(reader_kernel_drops(r), 0);
	reader_close(r);
}
END_TEST

START_TEST(file_cut_inside_a_record_is_damage_at_that_frame)
{
	expect_damage_at("cut-record.pcap", 2, "the file ends inside this record");
}
END_TEST

START_TEST(file_cut_inside_a_record_header_is_damage_at_that_frame)
{
	expect_damage_at("cut-header.pcap", 2, "the file ends inside this record");
}
END_TEST

START_TEST(record_longer_than_any_snaplen_is_damage)
{
	expect_damage_at("huge-record.pcap", 1, "300000");
}
END_TEST

START_TEST(pcapng_corrupt_block_is_damage)
{
	expect_damage_at("corrupt-block.pcapng", 1, "length");
}
END_TEST

START_TEST(pcapng_block_shorter_than_its_packet_is_damage)
{
	expect_damage_at("epb-caplen-lie.pcapng", 1, "too short");
}
END_TEST

START_TEST(pcapng_unknown_block_is_skipped)
{
	struct reader *r = open_ok("unknown-block.pcapng");
	enum reader_status st;

	ck_assert_uint_eq(read_through(r, &st), 2);
	ck_assert_int_eq(st, READER_END);
	reader_close(r);
}
END_TEST

START_TEST(empty_file_refused)
{
	expect_open_error("empty.pcap", "empty file");
}
END_TEST

START_TEST(text_file_is_not_a_capture)
{
	expect_open_error("not-a-capture.txt", "not a pcap or pcapng file");
}
END_TEST

START_TEST(file_cut_inside_the_capture_header_refused)
{
	expect_open_error("short-file-header.pcap", "the file ends inside the capture header");
}
END_TEST

START_TEST(missing_file_and_directory_refused)
{
	expect_open_error("no-such-file.pcap", "No such file or directory");
	ck_assert_ptr_null(reader_open_file(TESTDATA_DIR, NULL, err, sizeof err));
	ck_assert_str_eq(err, TESTDATA_DIR ": is a directory");
}
END_TEST

START_TEST(absurd_snaplen_in_file_header_still_reads)
{
	struct reader *r = open_ok("absurd-snaplen.pcap");
	enum reader_status st;

	ck_assert_uint_eq(read_through(r, &st), 3);
	ck_assert_int_eq(st, READER_END);
	reader_close(r);
}
END_TEST

START_TEST(record_over_file_snaplen_is_cut_to_it)
{
	struct reader *r = open_ok("record-over-snaplen.pcap");
	enum reader_status st;

	ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_OK);
	ck_assert_uint_eq(f.caplen, 64);
	ck_assert_uint_eq(f.wirelen, 74);
	ck_assert_int_eq(decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why), DECODE_TCP);
	ck_assert_uint_eq(pk.mss, 1460);
	ck_assert_uint_eq(pk.has_ts, 0);        /* cut by the snaplen */
	ck_assert_uint_eq(read_through(r, &st), 2);
	ck_assert_int_eq(st, READER_END);
	reader_close(r);
}
END_TEST

START_TEST(timestamps_going_backwards_counted)
{
	struct reader *r = open_ok("ts-backwards.pcap");
	enum reader_status st;

	ck_assert_uint_eq(read_through(r, &st), 4);
	ck_assert_uint_eq(reader_ts_backwards(r), 2);
	reader_close(r);
	r = open_ok("ip-details.pcap");
	read_through(r, &st);
	ck_assert_uint_eq(reader_ts_backwards(r), 0);
	reader_close(r);
}
END_TEST

START_TEST(unsupported_link_type_opens_and_decode_says_so)
{
	struct reader *r = open_ok("unsupported-dlt.pcap");

	ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_OK);
	ck_assert_int_eq(f.dlt, 147);
	ck_assert_int_eq(decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why),
	    DECODE_UNSUPPORTED);
	reader_close(r);
}
END_TEST

static uint64_t digest_of(const char *name, size_t bufsize)
{
	struct reader_options o = { .stdio_buffer = bufsize };
	struct reader *r = reader_open_file(data(name), &o, err, sizeof err);
	enum reader_status st;
	uint64_t d;

	ck_assert_ptr_nonnull(r);
	read_through(r, &st);
	d = reader_digest(r);
	reader_close(r);
	return d;
}

START_TEST(digest_identifies_a_capture)
{
	uint64_t a = digest_of("eth-vlan.pcap", 0);

	ck_assert_uint_eq(digest_of("eth-vlan.pcap", 0), a);
	ck_assert_uint_eq(digest_of("eth-vlan.pcap", 17), a);  /* any stdio buffer */
	ck_assert_uint_ne(digest_of("ip-details.pcap", 0), a);
	ck_assert_uint_ne(digest_of("ts-backwards.pcap", 0), digest_of("absurd-snaplen.pcap", 0));
}
END_TEST

START_TEST(standard_input_as_dash)
{
	struct reader *r;
	enum reader_status st;

	ck_assert_ptr_nonnull(freopen(data("good.pcapng"), "rb", stdin));
	r = reader_open_file("-", NULL, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_str_eq(reader_path(r), "-");
	ck_assert_int_eq(reader_file_size(r), 264);
	ck_assert_uint_eq(read_through(r, &st), 2);
	ck_assert_int_eq(st, READER_END);
	reader_close(r);
}
END_TEST

START_TEST(filter_on_a_file_keeps_matching_tcp)
{
	struct reader_options o = { .filter = "dst port 8080 and src port 40001" };
	struct reader *r = reader_open_file(data("absurd-snaplen.pcap"), &o, err, sizeof err);
	enum reader_status st;

	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_uint_eq(read_through(r, &st), 1);
	reader_close(r);
	o.filter = "port banana";
	ck_assert_ptr_null(reader_open_file(data("absurd-snaplen.pcap"), &o, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "filter \"port banana\""));
}
END_TEST

START_TEST(write_path_copies_what_was_read)
{
	char out[] = "/tmp/test-reader-XXXXXX";
	struct reader_options o = { .write_path = out };
	struct reader *r;
	enum reader_status st;
	uint64_t d;
	int fd = mkstemp(out);

	ck_assert_int_ge(fd, 0);
	close(fd);
	r = reader_open_file(data("ip-details.pcap"), &o, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	read_through(r, &st);
	d = reader_digest(r);
	reader_close(r);
	r = reader_open_file(out, NULL, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_uint_eq(read_through(r, &st), 8);
	ck_assert_uint_eq(reader_digest(r), d);
	reader_close(r);
	unlink(out);
}
END_TEST

START_TEST(live_open_of_missing_interface_names_it)
{
	ck_assert_ptr_null(reader_open_live("nosuchif0", NULL, err, sizeof err));
	ck_assert_msg(strncmp(err, "nosuchif0: ", 11) == 0, "%s", err);
}
END_TEST

/* Connect to a listening socket on 127.0.0.1 while capturing on lo. */
static void make_handshake(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&a, sizeof a), 0);
	close(c);
	close(l);
}

START_TEST(live_loopback_sees_a_syn_and_times_out_when_idle)
{
	struct reader_options o = { .snaplen = 128 };
	struct reader *r = reader_open_live("lo", &o, err, sizeof err);
	enum reader_status st;
	uint16_t port;
	int seen = 0, i;

	if (r == NULL) {
		fprintf(stderr, "live test skipped: %s\n", err);
		return;
	}
	ck_assert_int_ge(reader_fileno(r), 0);
	make_handshake(&port);
	for (i = 0; i < 50 && !seen; i++) {
		st = reader_next(r, &f, err, sizeof err);
		ck_assert_msg(st == READER_OK || st == READER_TIMEOUT, "%d %s", st, err);
		if (st == READER_OK && decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why,
		    sizeof why) == DECODE_TCP && pk.dport == port && pk.flags == TM_TH_SYN)
			seen = 1;
	}
	ck_assert_msg(seen, "no SYN to port %u seen on lo", port);
	while ((st = reader_next(r, &f, err, sizeof err)) == READER_OK)
		;
	ck_assert_int_eq(st, READER_TIMEOUT);
	(void)reader_kernel_drops(r);
	reader_break(r);
	ck_assert_int_eq(reader_next(r, &f, err, sizeof err), READER_END);
	reader_close(r);
}
END_TEST

START_TEST(interfaces_listed_numbered_like_tcpdump)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (reader_list_interfaces(out, err, sizeof err) < 0) {
		fclose(out);
		free(buf);
		fprintf(stderr, "interface list skipped: %s\n", err);
		return;
	}
	fclose(out);
	ck_assert_msg(strncmp(buf, "1.", 2) == 0, "%s", buf);
	free(buf);
}
END_TEST

/* Whole files the fuzzer once crashed on: read and decode to the end. */
START_TEST(fuzz_regressions_replay)
{
	DIR *d = opendir(REGRESS_DIR);
	struct dirent *e;
	struct reader *r;
	enum reader_status st;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "reader-", 7) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", REGRESS_DIR, e->d_name);
		r = reader_open_file(path, NULL, err, sizeof err);
		if (r == NULL)
			continue;
		while ((st = reader_next(r, &f, err, sizeof err)) == READER_OK)
			decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why);
		ck_assert(st == READER_END || st == READER_DAMAGED);
		reader_close(r);
	}
	closedir(d);
}
END_TEST

static Suite *reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("files");
	TCase *live = tcase_create("live");

	tcase_add_loop_test(tc, every_link_type_file_decodes_to_tcp, 0,
	    (int)(sizeof link_files / sizeof link_files[0]));
	tcase_add_test(tc, vlan_ids_of_tagged_frames);
	tcase_add_test(tc, ip_details_verdicts_in_order);
	tcase_add_test(tc, header_lies_are_malformed_with_reasons);
	tcase_add_test(tc, snaplen_cut_frames_keep_ip_payload_length);
	tcase_add_test(tc, timestamps_in_nanoseconds_from_every_format);
	tcase_add_test(tc, frames_and_bytes_counted);
	tcase_add_test(tc, file_cut_inside_a_record_is_damage_at_that_frame);
	tcase_add_test(tc, file_cut_inside_a_record_header_is_damage_at_that_frame);
	tcase_add_test(tc, record_longer_than_any_snaplen_is_damage);
	tcase_add_test(tc, pcapng_corrupt_block_is_damage);
	tcase_add_test(tc, pcapng_block_shorter_than_its_packet_is_damage);
	tcase_add_test(tc, pcapng_unknown_block_is_skipped);
	tcase_add_test(tc, empty_file_refused);
	tcase_add_test(tc, text_file_is_not_a_capture);
	tcase_add_test(tc, file_cut_inside_the_capture_header_refused);
	tcase_add_test(tc, missing_file_and_directory_refused);
	tcase_add_test(tc, absurd_snaplen_in_file_header_still_reads);
	tcase_add_test(tc, record_over_file_snaplen_is_cut_to_it);
	tcase_add_test(tc, timestamps_going_backwards_counted);
	tcase_add_test(tc, unsupported_link_type_opens_and_decode_says_so);
	tcase_add_test(tc, digest_identifies_a_capture);
	tcase_add_test(tc, standard_input_as_dash);
	tcase_add_test(tc, filter_on_a_file_keeps_matching_tcp);
	tcase_add_test(tc, write_path_copies_what_was_read);
	tcase_add_test(tc, fuzz_regressions_replay);
	tcase_add_test(live, live_open_of_missing_interface_names_it);
	tcase_add_test(live, live_loopback_sees_a_syn_and_times_out_when_idle);
	tcase_add_test(live, interfaces_listed_numbered_like_tcpdump);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, live);
	return s;
}

int main(void)
{
	return run_suite(reader_suite());
}

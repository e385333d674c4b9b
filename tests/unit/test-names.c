/* test-names.c: addresses written as inet_ntop writes them; spellings
 * parsed back. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "rng.h"
#include "check-main.h"

static struct tm_addr
v4(uint32_t host_order)
{
	struct tm_addr a = { .family = 4 };

	a.bytes[0] = (uint8_t)(host_order >> 24);
	a.bytes[1] = (uint8_t)(host_order >> 16);
	a.bytes[2] = (uint8_t)(host_order >> 8);
	a.bytes[3] = (uint8_t)host_order;
	return a;
}

static void
same_as_inet_ntop(struct tm_addr a_)
{
	const struct tm_addr *a = &a_;
	char ours[64], theirs[64];

	ck_assert_ptr_nonnull(inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->bytes,
	    theirs, sizeof(theirs)));
	ck_assert_str_eq(addr_str(a, ours, sizeof(ours)), theirs);
}

START_TEST(ipv4_is_dotted_decimal_without_leading_zeros)
{
	static const uint32_t edges[] = {
		0, 0xffffffff, 0x0a000001, 0x0a006409, 0x09630a64, 0xc0a80100, 0x01020304,
		0x64646464, 0x63636363, 0x0a0a0a0a,
	};
	char buf[16];

	struct tm_addr longest = v4(0xffffffff);

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		same_as_inet_ntop(v4(edges[i]));
	for (int i = 0; i < 200000; i++)
		same_as_inet_ntop(v4(next_random()));
	/* Every byte value in every place. */
	for (uint32_t b = 0; b < 256; b++)
		same_as_inet_ntop(v4(b << 24 | b << 16 | (255 - b) << 8 | b));
	/* The longest fits in 16 bytes. */
	ck_assert_str_eq(addr_str(&longest, buf, sizeof(buf)), "255.255.255.255");
}
END_TEST

START_TEST(ipv6_follows_rfc_5952)
{
	static const char *const texts[] = {
		"::", "::1", "2001:db8::1", "2001:db8:0:1:1:1:1:1", "fe80::1:0:0:1",
		"2001:db8::ff00:42:8329", "::ffff:10.0.0.1",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct tm_addr a;
		char buf[64];

		ck_assert_int_eq(addr_parse(texts[i], &a), 0);
		ck_assert_int_eq(a.family, 6);
		ck_assert_str_eq(addr_str(&a, buf, sizeof(buf)), texts[i]);
		same_as_inet_ntop(a);
	}
}
END_TEST

START_TEST(a_short_buffer_still_gets_a_string)
{
	char buf[9];
	struct tm_addr a = v4(0x0a000001);

	/* What does not fit is "?", never a cut address. */
	ck_assert_str_eq(addr_str(&a, buf, sizeof(buf)), "10.0.0.1");
	a = v4(0xc0a80101);
	ck_assert_str_eq(addr_str(&a, buf, sizeof(buf)), "?");
}
END_TEST

START_TEST(spellings_parse_back)
{
	for (int s = TM_CLOSED; s < TM_STATE_COUNT; s++)
		ck_assert_int_eq(state_parse(state_name((enum tm_state)s)), s);
	ck_assert_int_eq(state_parse("time_wait"), TM_TIME_WAIT);
	ck_assert_int_eq(state_parse("TIME_WAITING"), -1);
	for (int h = HS_COMPLETE; h < HS_COUNT; h++)
		ck_assert_int_eq(handshake_parse(handshake_name((enum handshake)h)), h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, ipv4_is_dotted_decimal_without_leading_zeros);
	tcase_add_test(tc, ipv6_follows_rfc_5952);
	tcase_add_test(tc, a_short_buffer_still_gets_a_string);
	tcase_add_test(tc, spellings_parse_back);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

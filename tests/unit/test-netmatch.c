/* test-netmatch.c: networks parsed and matched; the text range of a
 * network holds every address in it, which is what lets an index find
 * them (a range too narrow would lose rows without a word). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "netmatch.h"
#include "rng.h"
#include "check-main.h"

static struct net
net_of(const char *s)
{
	struct net n;

	ck_assert_msg(net_parse(s, &n) == 0, "%s", s);
	return n;
}

static int
has(const char *net, const char *addr)
{
	struct net n = net_of(net);
	struct tm_addr a;

	ck_assert_int_eq(addr_parse(addr, &a), 0);
	return net_has(&n, &a);
}

START_TEST(networks_are_parsed_and_their_host_bits_cleared)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "10.0.0.0/", "/8", "10.0.0.0/8x", "10.0.0.0/-1", "::/129",
		"foo/8", "10.0.0.0/ 8", "10.0.0/8", "10.0.0.0/99999999999999999999",
	};
	char buf[64];
	struct net n;

	ck_assert_str_eq(net_str(&(struct net){ net_of("10.1.2.3/16").addr, 16 }, buf,
	    sizeof(buf)), "10.1.0.0/16");
	n = net_of("10.1.255.255/20");
	ck_assert_str_eq(net_str(&n, buf, sizeof(buf)), "10.1.240.0/20");
	n = net_of("2001:DB8:0:0:1::5/33");
	ck_assert_str_eq(net_str(&n, buf, sizeof(buf)), "2001:db8::/33");
	n = net_of("0.0.0.0/0");
	ck_assert_int_eq(n.prefix, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(net_parse(bad[i], &n) != 0, "%s", bad[i]);
}
END_TEST

START_TEST(addresses_inside_and_outside)
{
	ck_assert(has("10.1.16.0/20", "10.1.16.0"));
	ck_assert(has("10.1.16.0/20", "10.1.31.255"));
	ck_assert(!has("10.1.16.0/20", "10.1.32.0"));
	ck_assert(!has("10.1.16.0/20", "10.1.15.255"));
	ck_assert(has("0.0.0.0/0", "255.255.255.255"));
	ck_assert(!has("0.0.0.0/0", "::1"));            /* IPv4 networks hold IPv4 */
	ck_assert(!has("10.0.0.0/8", "::ffff:10.0.0.1"));
	ck_assert(has("128.0.0.0/1", "200.1.1.1"));
	ck_assert(!has("128.0.0.0/1", "127.255.255.255"));
	ck_assert(has("192.168.1.2/31", "192.168.1.3"));
	ck_assert(!has("192.168.1.2/31", "192.168.1.4"));
	ck_assert(has("2001:db8::/32", "2001:db8:ffff::1"));
	ck_assert(!has("2001:db8::/32", "2001:db9::1"));
	ck_assert(has("fe80::/10", "febf::1"));
	ck_assert(!has("fe80::/10", "fec0::1"));
}
END_TEST

/* A random address; IPv6 groups are zero half the time, so that RFC
 * 5952's compression shows up everywhere in the text. */
static struct tm_addr
random_addr(int family)
{
	struct tm_addr a = { .family = (uint8_t)family };

	for (int i = 0; i < (family == 6 ? 16 : 4); i += 2) {
		uint32_t r = next_random();

		if (family == 6 && r % 2 == 0)
			continue;
		a.bytes[i] = (uint8_t)(r >> 8);
		a.bytes[i + 1] = (uint8_t)(r >> 16);
	}
	return a;
}

/* ADDR with its first PREFIX bits from NET's. */
static struct tm_addr
inside(const struct tm_addr *net, const struct tm_addr *addr, int prefix)
{
	struct tm_addr a = *addr;

	for (int bit = 0; bit < prefix; bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));

		a.bytes[bit / 8] = (uint8_t)((a.bytes[bit / 8] & ~m) | (net->bytes[bit / 8] & m));
	}
	return a;
}

static void
check_range(sqlite3 *db, const struct net *n, const struct tm_addr *a, int in)
{
	sqlite3_stmt *st;
	char net[64], addr[64];

	net_str(n, net, sizeof(net));
	addr_str(a, addr, sizeof(addr));
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT ?2 >= tm_net_first(?1) AND"
	    " ?2 < tm_net_end(?1), tm_net_has(?1, ?2)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, net, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 1), in);
	if (in)
		ck_assert_msg(sqlite3_column_int(st, 0) == 1, "%s outside the range of %s", addr, net);
	sqlite3_finalize(st);
}

START_TEST(the_text_range_holds_every_address_of_the_network)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(netmatch_register(db), SQLITE_OK);
	for (int i = 0; i < 100000; i++) {
		int family = i % 2 ? 6 : 4;
		struct net n = { .addr = random_addr(family) };
		struct tm_addr a = random_addr(family), in;

		n.prefix = (int)(next_random() % (family == 6 ? 129 : 33));
		for (int bit = n.prefix; bit < (family == 6 ? 128 : 32); bit++)
			n.addr.bytes[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
		in = inside(&n.addr, &a, n.prefix);
		check_range(db, &n, &in, 1);
		check_range(db, &n, &a, net_has(&n, &a));
	}
	sqlite3_close(db);
}
END_TEST

START_TEST(bad_networks_in_sql_are_errors_and_null_is_null)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(netmatch_register(db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT tm_net_has('10.0.0.0/99', '10.0.0.1')",
	    -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ERROR);
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT tm_net_has('10.0.0.0/8', NULL) IS NULL,"
	    " tm_net_has('10.0.0.0/8', 'not an address'), tm_net_first('10.1.0.0/16'),"
	    " tm_net_end('10.1.0.0/16'), tm_net_end('0.0.0.0/0') > 'ffff::'", -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
	ck_assert_int_eq(sqlite3_column_int(st, 1), 0);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 2), "10.1.");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 3), "10.1/");
	ck_assert_int_eq(sqlite3_column_int(st, 4), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("netmatch");
	TCase *tc = tcase_create("netmatch");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, networks_are_parsed_and_their_host_bits_cleared);
	tcase_add_test(tc, addresses_inside_and_outside);
	tcase_add_test(tc, the_text_range_holds_every_address_of_the_network);
	tcase_add_test(tc, bad_networks_in_sql_are_errors_and_null_is_null);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

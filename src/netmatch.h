/*
 * netmatch.h: an address filter that names a network ("10.1.0.0/16",
 * "2001:db8::/32"), as tcpdump's "net" and Wireshark's ip.addr take one.
 *
 * Addresses are stored as text (dotted IPv4, RFC 5952 IPv6), so a network
 * is matched by three SQL functions, registered on a connection by
 * netmatch_register():
 *
 *   tm_net_has(NET, ADDR)   1 if ADDR lies in NET, 0 if not, NULL for NULL
 *   tm_net_first(NET)       the text every address of NET starts with, as
 *   tm_net_end(NET)         far as text can tell: ADDR >= first AND ADDR <
 *                           end holds for all of NET's addresses
 *
 * The last two let an index on the address column find the rows: in
 * 10.1.16.0/20 every address's text starts with "10.1.", so the range is
 * ["10.1.", "10.1/") and tm_net_has() keeps the 4,096 of its rows that
 * are in the /20.  An IPv6 network's text is a prefix only while its
 * leading 16-bit groups are non-zero (RFC 5952 may compress a zero one);
 * past that, and below 8 or 16 bits, the range is every text.
 */
#ifndef TM_NETMATCH_H
#define TM_NETMATCH_H

#include <sqlite3.h>
#include "names.h"

struct net {
	struct tm_addr addr;    /* the host bits cleared */
	int prefix;             /* 0..32 or 0..128 */
};

/* Parse "ADDR/LEN" (host bits are cleared, as routers read "10.1.2.3/16");
 * 0, or -1 if S is not one. */
int net_parse(const char *s, struct net *n);

/* The network's text, "10.1.0.0/16", into BUF of at least 52 bytes. */
const char *net_str(const struct net *n, char *buf, size_t len);

/* Whether A is in N. */
int net_has(const struct net *n, const struct tm_addr *a);

/* Registers the three functions on DB; an SQLite result code. */
int netmatch_register(sqlite3 *db);

#endif

/*
 * decode.c: link layer, IP and TCP headers, without trusting any of them.
 *
 * A frame is peeled in three steps, each a function that moves a cursor:
 *
 *     link (table by DLT) ──> IPv4 | IPv6 (+ extension chain) ──> TCP (+ options)
 *          offset, ethertype        offset, L4 length               segment
 *
 * The cursor (struct cut) carries the captured bytes and the frame's wire
 * length; every read is checked against caplen first.  Two limits matter:
 *
 *   captured   what libpcap gave us (caplen): nothing past it is ever read;
 *   on wire    what the IP header says was sent: the TCP payload length.
 *              An IP length of 0 (TSO/GRO captures) or one longer than the
 *              frame falls back to the frame's length on the wire.
 *
 * A header that runs past the captured bytes is TRUNCATED when the snaplen
 * cut the frame (caplen < wirelen) and MALFORMED when the whole frame was
 * captured: then the header simply lies.  Fields that no sender can produce
 * (IHL < 5, data offset < 5, total length below the header) are MALFORMED
 * whatever was captured.
 *
 * Nothing here allocates; the only per-packet clearing is of struct packet.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

/* Link types by number; libpcap's DLT_RAW is 12 on most systems, 14 on
 * OpenBSD, and files may also carry the LINKTYPE_ values. */
enum {
	LT_NULL = 0, LT_EN10MB = 1, LT_RAW12 = 12, LT_RAW14 = 14, LT_RAW101 = 101,
	LT_LOOP = 108, LT_SLL = 113, LT_IPV4 = 228, LT_IPV6 = 229, LT_SLL2 = 276,
	LT_PPP = 9, LT_PPP_HDLC = 50, LT_C_HDLC = 104, LT_NFLOG = 239, LT_IPOIB = 242,
	LT_FDDI = 10
};

#define ETH_IPV4        0x0800
#define ETH_IPV6        0x86dd
#define IPPROTO_TCP_    6
#define MAX_VLAN_TAGS   8       /* more than QinQinQ... is an attack, not a network */
#define MAX_EXT_HEADERS 16      /* IPv6: RFC 8200's recommended order has 8 */
#define MAX_MPLS_LABELS 8
#define MAX_TUNNELS     4

/* The frame as it is being decoded. */
struct cut {
	const uint8_t *p;
	uint32_t caplen;
	uint32_t wirelen;       /* max(caplen, wirelen): a lying wirelen can't shrink what we hold */
	struct packet *out;
	char *why;
	size_t whylen;
	int depth;              /* tunnels entered so far */
};

static const char *const verdict_names[DECODE_VERDICT_COUNT] = {
	[DECODE_TCP] = "tcp",
	[DECODE_NOT_IP] = "not-ip",
	[DECODE_NOT_TCP] = "not-tcp",
	[DECODE_FRAGMENT] = "fragment",
	[DECODE_TRUNCATED] = "truncated",
	[DECODE_MALFORMED] = "malformed",
	[DECODE_UNSUPPORTED] = "unsupported",
};

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t
rd32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Record why the frame is not a segment and return verdict V. */
static enum decode_verdict say(struct cut *c, enum decode_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum decode_verdict
say(struct cut *c, enum decode_verdict v, const char *fmt, ...)
{
	va_list ap;

	if (c->why == NULL || c->whylen == 0)
		return v;
	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	return v;
}

/* A header of NEED bytes at OFF that is not all captured: cut by the
 * snaplen, or a lie when the frame was captured whole. */
static enum decode_verdict
short_header(struct cut *c, const char *what, uint32_t off, uint32_t need)
{
	uint32_t have = off < c->caplen ? c->caplen - off : 0;

	return say(c, c->caplen < c->wirelen ? DECODE_TRUNCATED : DECODE_MALFORMED,
	    "%s needs %u bytes at offset %u, captured %u", what, need, off, have);
}

static inline int
have(const struct cut *c, uint32_t off, uint32_t n)
{
	return off <= c->caplen && n <= c->caplen - off;
}

/* ---- network layer ---------------------------------------------------- */

static enum decode_verdict decode_ipv4(struct cut *c, uint32_t off);
static enum decode_verdict decode_ipv6(struct cut *c, uint32_t off);
static enum decode_verdict decode_tcp(struct cut *c, uint32_t off, uint32_t l4len);

/* A PPP protocol number at OFF (PPP links, PPPoE sessions). */
static enum decode_verdict
decode_ppp_proto(struct cut *c, uint32_t off)
{
	uint16_t proto;

	if (!have(c, off, 2))
		return short_header(c, "PPP protocol", off, 2);
	proto = rd16(c->p + off);
	if (proto == 0x0021)
		return decode_ipv4(c, off + 2);
	if (proto == 0x0057)
		return decode_ipv6(c, off + 2);
	return say(c, DECODE_NOT_IP, "PPP protocol 0x%04x", proto);
}

/* An MPLS label stack, bounded, then IP told apart by its version nibble;
 * anything else under the labels (a pseudowire) is not ours to read. */
static enum decode_verdict
decode_mpls(struct cut *c, uint32_t off)
{
	int n;

	for (n = 0;; n++) {
		if (n == MAX_MPLS_LABELS)
			return say(c, DECODE_MALFORMED, "more than %d MPLS labels", n);
		if (!have(c, off, 4))
			return short_header(c, "MPLS label", off, 4);
		off += 4;
		if (c->p[off - 2] & 1)          /* bottom of stack */
			break;
	}
	if (!have(c, off, 1))
		return short_header(c, "IP header", off, 1);
	if (c->p[off] >> 4 == 4)
		return decode_ipv4(c, off);
	if (c->p[off] >> 4 == 6)
		return decode_ipv6(c, off);
	return say(c, DECODE_UNSUPPORTED, "MPLS payload is not IP (first byte 0x%02x)", c->p[off]);
}

/* Dispatch on an ethertype found at the end of the link header. */
static enum decode_verdict
decode_ethertype(struct cut *c, uint32_t off, uint16_t type)
{
	switch (type) {
	case ETH_IPV4:
		return decode_ipv4(c, off);
	case ETH_IPV6:
		return decode_ipv6(c, off);
	case 0x8847: case 0x8848:       /* MPLS unicast, multicast */
		return decode_mpls(c, off);
	case 0x8864:                    /* PPPoE session: 6 bytes, then PPP */
		if (!have(c, off, 6))
			return short_header(c, "PPPoE header", off, 6);
		return decode_ppp_proto(c, off + 6);
	case 0x88e7:                    /* 802.1ah MAC-in-MAC */
		return say(c, DECODE_UNSUPPORTED, "encapsulation ethertype 0x%04x not supported", type);
	default:
		return say(c, DECODE_NOT_IP, "ethertype 0x%04x", type);
	}
}

static enum decode_verdict decode_tags(struct cut *c, uint16_t type, uint32_t off);

/* 802.2 LLC at OFF: only SNAP with an ethertype (OUI 0) can carry IP. */
static enum decode_verdict
decode_llc(struct cut *c, uint32_t off)
{
	static const uint8_t snap[6] = { 0xaa, 0xaa, 0x03, 0, 0, 0 };

	if (have(c, off, 8) && memcmp(c->p + off, snap, 6) == 0)
		return decode_tags(c, rd16(c->p + off + 6), off + 8);
	return say(c, DECODE_NOT_IP, "802.2 LLC frame");
}

/* The version nibble chooses: raw IP links carry both families. */
static enum decode_verdict
decode_ip_any(struct cut *c, uint32_t off)
{
	if (!have(c, off, 1))
		return short_header(c, "IP header", off, 1);
	switch (c->p[off] >> 4) {
	case 4:
		return decode_ipv4(c, off);
	case 6:
		return decode_ipv6(c, off);
	default:
		return say(c, DECODE_MALFORMED, "IP version field %u at offset %u", c->p[off] >> 4, off);
	}
}

static enum decode_verdict link_ether_at(struct cut *c, uint32_t off);

/*
 * GRE (RFC 2784/2890): optional checksum, key and sequence words, then an
 * ethertype: IP, Ethernet bridged over GRE, or ERSPAN type II mirroring
 * (an 8-byte header, then the mirrored Ethernet frame).  Version 1 (PPTP)
 * and source routing are not read.
 */
static enum decode_verdict
decode_gre(struct cut *c, uint32_t off)
{
	uint16_t flags, type;
	uint32_t len = 4;

	if (!have(c, off, 4))
		return short_header(c, "GRE header", off, 4);
	flags = rd16(c->p + off);
	type = rd16(c->p + off + 2);
	if ((flags & 0x4007) != 0)
		return say(c, DECODE_UNSUPPORTED, "GRE version %u or routing not supported", flags & 7);
	len += (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);
	if (type == 0x6558)
		return link_ether_at(c, off + len);
	if (type == 0x88be) {
		if (!have(c, off + len, 8))
			return short_header(c, "ERSPAN header", off + len, 8);
		return link_ether_at(c, off + len + 8);
	}
	return decode_ethertype(c, off + len, type);
}

/*
 * IP protocols other than TCP.  Tunnels (IP in IP, IPv6 in IPv4, GRE) are
 * entered, a bounded number of times: the inner packet is the connection
 * the endpoints see, so its addresses replace the outer ones.
 */
static enum decode_verdict
decode_l4_other(struct cut *c, unsigned proto, uint32_t off, const char *family)
{
	if (proto != 4 && proto != 41 && proto != 47)
		return say(c, DECODE_NOT_TCP, "%s protocol %u", family, proto);
	if (++c->depth > MAX_TUNNELS)
		return say(c, DECODE_MALFORMED, "more than %d nested tunnels", MAX_TUNNELS);
	if (proto == 4)
		return decode_ipv4(c, off);
	if (proto == 41)
		return decode_ipv6(c, off);
	return decode_gre(c, off);
}

/* Bytes of the frame from OFF to its end on the wire: where an IP length of
 * zero (TSO/GRO captures) or a length longer than the frame falls back to. */
static inline uint32_t
wire_rest(const struct cut *c, uint32_t off)
{
	return off < c->wirelen ? c->wirelen - off : 0;
}

static enum decode_verdict
decode_ipv4(struct cut *c, uint32_t off)
{
	const uint8_t *ip;
	uint32_t hlen, tot;
	uint16_t frag;

	if (!have(c, off, 20))
		return short_header(c, "IPv4 header", off, 20);
	ip = c->p + off;
	if (ip[0] >> 4 != 4)
		return say(c, DECODE_MALFORMED, "IPv4 version field %u", ip[0] >> 4);
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (hlen < 20)
		return say(c, DECODE_MALFORMED, "IPv4 header length %u below 20", hlen);
	tot = rd16(ip + 2);
	if (tot == 0 || tot > wire_rest(c, off))
		tot = wire_rest(c, off);
	else if (tot < hlen)
		return say(c, DECODE_MALFORMED, "IPv4 total length %u below header length %u", tot, hlen);
	if (hlen > tot)
		return say(c, DECODE_MALFORMED, "IPv4 header length %u exceeds the %u bytes on the wire", hlen, tot);
	if (!have(c, off, hlen))
		return say(c, c->caplen < c->wirelen ? DECODE_TRUNCATED : DECODE_MALFORMED,
		    "IPv4 header length %u exceeds captured %u", hlen, c->caplen - off);
	frag = rd16(ip + 6);
	if (frag & 0x3fff)
		return say(c, DECODE_FRAGMENT, "IPv4 fragment id %u offset %u%s", rd16(ip + 4),
		    (frag & 0x1fff) * 8u, frag & 0x2000 ? " MF" : "");
	if (ip[9] != IPPROTO_TCP_)
		return decode_l4_other(c, ip[9], off + hlen, "IPv4");
	c->out->src.family = c->out->dst.family = 4;
	memcpy(c->out->src.bytes, ip + 12, 4);
	memcpy(c->out->dst.bytes, ip + 16, 4);
	return decode_tcp(c, off + hlen, tot - hlen);
}

/* IPv6 extension headers we walk through, and how each gives its length. */
enum ext_len { EXT_8OCTETS, EXT_FRAGMENT, EXT_AH };

static int
ext_kind(unsigned nh, enum ext_len *how)
{
	switch (nh) {
	case 0: case 43: case 60:       /* hop-by-hop, routing, destination options */
	case 135: case 139: case 140:   /* mobility, HIP, shim6: same layout */
		*how = EXT_8OCTETS;
		return 1;
	case 44:
		*how = EXT_FRAGMENT;
		return 1;
	case 51:
		*how = EXT_AH;
		return 1;
	default:
		return 0;
	}
}

/* A fragment header: returns -1 for a real fragment (verdict already
 * given in *V), 0 for an atomic fragment (offset 0, no M flag: RFC 6946
 * says it is a whole packet). */
static int
ipv6_fragment(struct cut *c, const uint8_t *h, enum decode_verdict *v)
{
	uint16_t offm = rd16(h + 2);

	if ((offm & 0xfff9) == 0)
		return 0;
	*v = say(c, DECODE_FRAGMENT, "IPv6 fragment id %u offset %u%s", rd32(h + 4),
	    (unsigned)(offm & 0xfff8), offm & 1 ? " M" : "");
	return -1;
}

/* Walk the extension chain from NH at OFF within END (end of the IPv6
 * payload on the wire); on success *OFF and *NH point at the upper layer. */
static enum decode_verdict
ipv6_walk(struct cut *c, uint32_t *off, unsigned *nh, uint32_t end)
{
	enum decode_verdict v = DECODE_TCP;
	enum ext_len how;
	uint32_t len;
	int n;

	for (n = 0; ext_kind(*nh, &how); n++) {
		if (n == MAX_EXT_HEADERS)
			return say(c, DECODE_MALFORMED, "IPv6 extension header chain longer than %d headers", n);
		if (end - *off < 8)
			return say(c, DECODE_MALFORMED, "IPv6 extension header %u at offset %u runs past the payload length", *nh, *off);
		if (!have(c, *off, 8))
			return short_header(c, "IPv6 extension header", *off, 8);
		len = how == EXT_AH ? ((uint32_t)c->p[*off + 1] + 2) * 4 :
		    how == EXT_FRAGMENT ? 8 : ((uint32_t)c->p[*off + 1] + 1) * 8;
		if (len > end - *off)
			return say(c, DECODE_MALFORMED, "IPv6 extension header %u of %u bytes at offset %u runs past the payload length", *nh, len, *off);
		if (how == EXT_FRAGMENT && ipv6_fragment(c, c->p + *off, &v) < 0)
			return v;
		*nh = c->p[*off];
		*off += len;
	}
	return DECODE_TCP;
}

static enum decode_verdict
decode_ipv6(struct cut *c, uint32_t off)
{
	const uint8_t *ip;
	uint32_t plen, l4, end;
	unsigned nh;
	enum decode_verdict v;

	if (!have(c, off, 40))
		return short_header(c, "IPv6 header", off, 40);
	ip = c->p + off;
	if (ip[0] >> 4 != 6)
		return say(c, DECODE_MALFORMED, "IPv6 version field %u", ip[0] >> 4);
	plen = rd16(ip + 4);
	if (plen == 0 || plen > wire_rest(c, off + 40))
		plen = wire_rest(c, off + 40);  /* jumbogram, TSO, or a lie */
	l4 = off + 40;
	end = l4 + plen;
	nh = ip[6];
	v = ipv6_walk(c, &l4, &nh, end);
	if (v != DECODE_TCP)
		return v;
	if (nh != IPPROTO_TCP_)
		return decode_l4_other(c, nh, l4, "IPv6");
	c->out->src.family = c->out->dst.family = 6;
	memcpy(c->out->src.bytes, ip + 8, 16);
	memcpy(c->out->dst.bytes, ip + 24, 16);
	return decode_tcp(c, l4, end - l4);
}

/* ---- TCP --------------------------------------------------------------- */

/* One option handler per kind; LEN is the option's whole length, already
 * checked against the kind's allowed range and the captured bytes. */
typedef void opt_fn(struct packet *pk, const uint8_t *o, uint32_t len);

static void opt_mss(struct packet *pk, const uint8_t *o, uint32_t len) { pk->mss = rd16(o + 2); }
static void
opt_wscale(struct packet *pk, const uint8_t *o, uint32_t len)
{
	pk->has_wscale = 1;
	pk->wscale = o[2];
}
static void opt_sackperm(struct packet *pk, const uint8_t *o, uint32_t len) { pk->has_sack_perm = 1; }
static void
opt_ts(struct packet *pk, const uint8_t *o, uint32_t len)
{
	pk->has_ts = 1;
	pk->tsval = rd32(o + 2);
	pk->tsecr = rd32(o + 6);
}
static void
opt_tfo(struct packet *pk, const uint8_t *o, uint32_t len)
{
	pk->has_tfo = 1;
	pk->tfo_cookie_len = (uint8_t)(len - 2);
}
/* Kind 254 is shared experimental space (RFC 6994): TFO only with its magic. */
static void
opt_exp(struct packet *pk, const uint8_t *o, uint32_t len)
{
	if (rd16(o + 2) != 0xf989)
		return;
	pk->has_tfo = 1;
	pk->tfo_cookie_len = (uint8_t)(len - 4);
}

static const struct tcp_option {
	uint8_t kind, min, max;
	opt_fn *fn;
} tcp_options[] = {
	{ 2, 4, 4, opt_mss },
	{ 3, 3, 3, opt_wscale },
	{ 4, 2, 2, opt_sackperm },
	{ 5, 10, 34, NULL },            /* SACK blocks: nothing to keep */
	{ 8, 10, 10, opt_ts },
	{ 34, 2, 18, opt_tfo },         /* cookie of 0 (request) or 4..16 bytes */
	{ 254, 4, 40, opt_exp },
};

static const struct tcp_option *
option_find(uint8_t kind)
{
	size_t i;

	for (i = 0; i < sizeof tcp_options / sizeof tcp_options[0]; i++)
		if (tcp_options[i].kind == kind)
			return &tcp_options[i];
	return NULL;
}

/* Options from OFF to END (already bounded by caplen).  A length that
 * cannot be right stops the walk: what follows cannot be trusted. */
static void
tcp_parse_options(struct packet *pk, const uint8_t *p, uint32_t off, uint32_t end)
{
	const struct tcp_option *t;
	uint32_t len;

	while (off < end) {
		if (p[off] == 0)
			return;
		if (p[off] == 1) {
			off++;
			continue;
		}
		if (end - off < 2)
			return;
		len = p[off + 1];
		if (len < 2 || len > end - off)
			return;
		t = option_find(p[off]);
		if (t != NULL && (len < t->min || len > t->max))
			return;
		if (t != NULL && t->fn != NULL)
			t->fn(pk, p + off, len);
		off += len;
	}
}

/* The TCP header at OFF, with L4LEN bytes of IP payload on the wire. */
static enum decode_verdict
decode_tcp(struct cut *c, uint32_t off, uint32_t l4len)
{
	const uint8_t *th;
	struct packet *pk = c->out;
	uint32_t hlen, optend;

	if (l4len < 20)
		return say(c, DECODE_MALFORMED, "TCP header needs 20 bytes, IP payload is %u", l4len);
	if (!have(c, off, 20))
		return say(c, DECODE_TRUNCATED, "TCP header needs 20 bytes at offset %u, captured %u",
		    off, off < c->caplen ? c->caplen - off : 0);
	th = c->p + off;
	hlen = (uint32_t)(th[12] >> 4) * 4;
	if (hlen < 20)
		return say(c, DECODE_MALFORMED, "TCP data offset %u (%u bytes) below 5", hlen / 4, hlen);
	if (hlen > l4len)
		return say(c, DECODE_MALFORMED, "TCP data offset %u (%u bytes) exceeds IP payload %u",
		    hlen / 4, hlen, l4len);
	pk->sport = rd16(th);
	pk->dport = rd16(th + 2);
	pk->seq = rd32(th + 4);
	pk->ack = rd32(th + 8);
	pk->flags = th[13];
	pk->window = rd16(th + 14);
	pk->len = l4len - hlen;
	optend = off + hlen < c->caplen ? off + hlen : c->caplen;
	tcp_parse_options(pk, c->p, off + 20, optend);
	return DECODE_TCP;
}

/* ---- link layers ------------------------------------------------------- */

/* TYPE was read just before OFF; any 802.1Q/802.1ad/QinQ tags follow.  The
 * outermost VLAN id is kept; tags are bounded in number. */
static enum decode_verdict
decode_tags(struct cut *c, uint16_t type, uint32_t off)
{
	int n;

	for (n = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; n++) {
		if (n == MAX_VLAN_TAGS)
			return say(c, DECODE_MALFORMED, "more than %d VLAN tags", n);
		if (!have(c, off, 4))
			return short_header(c, "VLAN tag", off, 4);
		if (n == 0)
			c->out->vlan = rd16(c->p + off) & 0x0fff;
		type = rd16(c->p + off + 2);
		off += 4;
	}
	if (type < 0x0600)              /* an 802.3 length: LLC follows */
		return decode_llc(c, off);
	return decode_ethertype(c, off, type);
}

/* An Ethernet header at OFF: the link itself, or a frame inside a tunnel. */
static enum decode_verdict
link_ether_at(struct cut *c, uint32_t off)
{
	if (!have(c, off, 14))
		return short_header(c, "Ethernet header", off, 14);
	return decode_tags(c, rd16(c->p + off + 12), off + 14);
}

static enum decode_verdict
link_ether(struct cut *c)
{
	return link_ether_at(c, 0);
}

static enum decode_verdict
link_sll(struct cut *c)
{
	if (!have(c, 0, 16))
		return short_header(c, "Linux cooked header", 0, 16);
	return decode_tags(c, rd16(c->p + 14), 16);
}

static enum decode_verdict
link_sll2(struct cut *c)
{
	if (!have(c, 0, 20))
		return short_header(c, "Linux cooked v2 header", 0, 20);
	return decode_tags(c, rd16(c->p), 20);
}

static enum decode_verdict link_raw(struct cut *c) { return decode_ip_any(c, 0); }
static enum decode_verdict link_ipv4(struct cut *c) { return decode_ipv4(c, 0); }
static enum decode_verdict link_ipv6(struct cut *c) { return decode_ipv6(c, 0); }

/* BSD loopback: the address family in the writer's byte order (DLT_NULL)
 * or in network order (DLT_LOOP).  Families are below 256, so whichever
 * end holds the nonzero byte tells the order. */
static enum decode_verdict
link_null(struct cut *c)
{
	uint32_t af;

	if (!have(c, 0, 4))
		return short_header(c, "loopback header", 0, 4);
	af = rd32le(c->p);
	if (af > 0xffff)
		af = rd32(c->p);
	switch (af) {
	case 2:
		return decode_ipv4(c, 4);
	case 24: case 28: case 30:      /* AF_INET6: NetBSD/OpenBSD, FreeBSD, Darwin */
		return decode_ipv6(c, 4);
	default:
		return say(c, DECODE_NOT_IP, "loopback address family %u", af);
	}
}

/* PPP in HDLC-like framing (address 0xff, control 0x03) or with both
 * compressed away; protocol numbers of RFC 1332 and 5072. */
static enum decode_verdict
link_ppp(struct cut *c)
{
	return decode_ppp_proto(c, have(c, 0, 2) && c->p[0] == 0xff && c->p[1] == 0x03 ? 2 : 0);
}

/* Cisco HDLC: address, control, then an ethertype. */
static enum decode_verdict
link_c_hdlc(struct cut *c)
{
	if (!have(c, 0, 4))
		return short_header(c, "Cisco HDLC header", 0, 4);
	return decode_ethertype(c, 4, rd16(c->p + 2));
}

/* IP over InfiniBand as libpcap writes it: 40 bytes of source and
 * destination hardware addresses, then RFC 4391's ethertype and reserved. */
static enum decode_verdict
link_ipoib(struct cut *c)
{
	if (!have(c, 0, 44))
		return short_header(c, "IPoIB header", 0, 44);
	return decode_tags(c, rd16(c->p + 40), 44);
}

/* FDDI: frame control and two addresses, then 802.2 LLC. */
static enum decode_verdict
link_fddi(struct cut *c)
{
	if (!have(c, 0, 13))
		return short_header(c, "FDDI header", 0, 13);
	return decode_llc(c, 13);
}

/*
 * Linux NFLOG: family, version, resource id, then TLVs whose 16-bit length
 * and type are in the capturing host's byte order (little-endian unless the
 * length read that way cannot be right).  Type 9 holds the IP packet.
 */
static enum decode_verdict
link_nflog(struct cut *c)
{
	uint32_t off = 4, len;
	uint16_t type;

	if (!have(c, 0, 4))
		return short_header(c, "NFLOG header", 0, 4);
	while (have(c, off, 4)) {
		len = c->p[off] | (uint32_t)c->p[off + 1] << 8;
		type = (uint16_t)(c->p[off + 2] | c->p[off + 3] << 8);
		if (len < 4 || !have(c, off, len)) {
			len = rd16(c->p + off);
			type = rd16(c->p + off + 2);
		}
		if (len < 4)
			return say(c, DECODE_MALFORMED, "NFLOG TLV length %u at offset %u", len, off);
		if (type == 9)
			return c->p[0] == 10 ? decode_ipv6(c, off + 4) :
			    c->p[0] == 2 ? decode_ipv4(c, off + 4) :
			    say(c, DECODE_NOT_IP, "NFLOG family %u", c->p[0]);
		off += (len + 3) & ~3u;
	}
	return say(c, c->caplen < c->wirelen ? DECODE_TRUNCATED : DECODE_NOT_IP,
	    "NFLOG record without a captured payload");
}

static const struct link {
	int dlt;
	enum decode_verdict (*fn)(struct cut *c);
} links[] = {
	{ LT_EN10MB, link_ether },
	{ LT_SLL, link_sll },
	{ LT_SLL2, link_sll2 },
	{ LT_RAW12, link_raw },
	{ LT_RAW14, link_raw },
	{ LT_RAW101, link_raw },
	{ LT_IPV4, link_ipv4 },
	{ LT_IPV6, link_ipv6 },
	{ LT_NULL, link_null },
	{ LT_LOOP, link_null },
	{ LT_PPP, link_ppp },
	{ LT_PPP_HDLC, link_ppp },
	{ LT_C_HDLC, link_c_hdlc },
	{ LT_NFLOG, link_nflog },
	{ LT_IPOIB, link_ipoib },
	{ LT_FDDI, link_fddi },
};

static const struct link *
link_find(int dlt)
{
	size_t i;

	for (i = 0; i < sizeof links / sizeof links[0]; i++)
		if (links[i].dlt == dlt)
			return &links[i];
	return NULL;
}

/* ---- public ------------------------------------------------------------ */

enum decode_verdict
decode_frame(int dlt, const uint8_t *data, uint32_t caplen,
    uint32_t wirelen, struct packet *out, char *why, size_t whylen)
{
	const struct link *l = link_find(dlt);
	struct cut c = {
		.p = data, .caplen = caplen, .wirelen = wirelen > caplen ? wirelen : caplen,
		.out = out, .why = why, .whylen = whylen,
	};

	memset(out, 0, sizeof *out);
	out->wire_len = wirelen;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (l == NULL)
		return say(&c, DECODE_UNSUPPORTED, "link type %d not supported", dlt);
	return l->fn(&c);
}

int
decode_supports_dlt(int dlt)
{
	return link_find(dlt) != NULL;
}

const char *
decode_verdict_name(enum decode_verdict v)
{
	if ((unsigned)v >= DECODE_VERDICT_COUNT)
		return "unknown";
	return verdict_names[v];
}

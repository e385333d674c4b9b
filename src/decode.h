/*
 * decode.h: from a captured frame to a TCP segment.
 *
 * decode_frame() peels the link layer (Ethernet with 802.1Q/802.1ad/QinQ
 * tags, LLC/SNAP, MPLS and PPPoE inside; Linux cooked SLL and SLL2, raw
 * IPv4/IPv6, BSD loopback/null, PPP, Cisco HDLC, Linux NFLOG, IP over
 * InfiniBand, FDDI), then IPv4 (options) or IPv6 (extension-header chain),
 * through IP-in-IP, 6in4 and GRE tunnels, then TCP (options).
 * It never reads past caplen.  A frame is data, not an error: the result is
 * a verdict that the caller counts; only DECODE_TCP fills the segment.
 *
 * A frame cut by the snaplen is still used for what its headers show: the
 * payload length comes from the IP header, not from caplen, so a segment
 * whose payload was not captured is still a segment of the right length.
 */
#ifndef TM_DECODE_H
#define TM_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "tcpmortem/detector.h"

enum decode_verdict {
	DECODE_TCP = 0,         /* a TCP segment: *out is filled */
	DECODE_NOT_IP,          /* ARP, LLDP, ...: skipped silently */
	DECODE_NOT_TCP,         /* IP, but UDP/ICMP/...: skipped silently */
	DECODE_FRAGMENT,        /* an IP fragment: counted and skipped */
	DECODE_TRUNCATED,       /* headers cut by the snaplen: counted */
	DECODE_MALFORMED,       /* impossible header fields: damage */
	DECODE_UNSUPPORTED,     /* a link type or encapsulation we don't read */
	DECODE_VERDICT_COUNT
};

/* A decoded TCP segment, before it is attached to a flow. */
struct packet {
	uint64_t frame;
	tm_time_t ts;
	struct tm_addr src, dst;
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t window;
	uint32_t len;           /* TCP payload length per the IP header */
	uint32_t wire_len;      /* the frame's original length */
	uint16_t vlan;          /* outermost VLAN id, 0 if none */
	/* options */
	uint16_t mss;
	uint8_t has_wscale, wscale;
	uint8_t has_sack_perm;
	uint8_t has_ts;
	uint32_t tsval, tsecr;
	uint8_t has_tfo, tfo_cookie_len;
};

/* Decode one frame of link type DLT (a DLT_* value from pcap) into *out.
 * On a verdict other than DECODE_TCP, writes a short reason into WHY
 * (e.g. "IPv4 header length 68 exceeds captured 54") when WHY is not NULL. */
enum decode_verdict decode_frame(int dlt, const uint8_t *data, uint32_t caplen,
    uint32_t wirelen, struct packet *out, char *why, size_t whylen);

/* Whether decode_frame() reads link type DLT. */
int decode_supports_dlt(int dlt);

/* The verdict's name for counters and messages ("fragment", ...). */
const char *decode_verdict_name(enum decode_verdict v);

#endif

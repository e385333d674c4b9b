/*
 * pkt.h: build the segments of a connection for tests, as a ladder.
 *
 * The client is 10.0.0.1:40000, the server 10.0.0.2:80; frames are
 * numbered in the order they are made; times are seconds.
 */
#ifndef TEST_PKT_H
#define TEST_PKT_H

#include <string.h>
#include "decode.h"

#define C 1     /* sent by the client */
#define S 0     /* sent by the server */

static uint64_t pkt_frame;

static struct packet
pkt_at(int from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len, double t)
{
	struct packet p;
	struct tm_addr a = { .family = 4, .bytes = { 10, 0, 0, 1 } };
	struct tm_addr b = { .family = 4, .bytes = { 10, 0, 0, 2 } };

	memset(&p, 0, sizeof(p));
	p.frame = ++pkt_frame;
	p.ts = (tm_time_t)(t * 1e9);
	p.src = from_client ? a : b;
	p.dst = from_client ? b : a;
	p.sport = from_client ? 40000 : 80;
	p.dport = from_client ? 80 : 40000;
	p.flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.len = len;
	p.window = 65535;
	return p;
}

#define SYN TM_TH_SYN
#define ACK TM_TH_ACK
#define FIN TM_TH_FIN
#define RST TM_TH_RST
#define PSH TM_TH_PSH

#endif

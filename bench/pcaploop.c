/*
 * pcaploop: the floor under every capture reader, for the benchmark.
 *
 * It does what any TCP analyser must do at the least: hand every record of
 * the file to libpcap's pcap_next_ex(), find the TCP header behind Ethernet
 * (an 802.1Q tag allowed) and IPv4, and read its flags.  Nothing is kept.
 * The flag counts are printed so the compiler cannot drop the parsing, and
 * so two readers of the same file can be compared.
 *
 * Two ways to open the file, since libpcap's own reads are what we measure
 * against: pcap_open_offline() (libpcap's default buffering), or with
 * --stdio, fopen() with a 1 MiB setvbuf() buffer handed to
 * pcap_fopen_offline().
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STDIO_BUFFER (1u << 20)

struct counts {
	uint64_t packets, tcp, syn, fin, rst;
};

/* The TCP flags byte of an Ethernet frame, or -1 if it is not IPv4/TCP
 * or is cut short before the flags. */
static int tcp_flags(const unsigned char *p, uint32_t caplen)
{
	uint32_t off = 14;
	uint16_t type;

	if (caplen < off)
		return -1;
	type = (uint16_t)(p[12] << 8 | p[13]);
	if (type == 0x8100 && caplen >= 18) {
		type = (uint16_t)(p[16] << 8 | p[17]);
		off = 18;
	}
	if (type != 0x0800 || caplen < off + 20 || p[off + 9] != 6)
		return -1;
	off += (uint32_t)(p[off] & 0x0f) * 4;
	if (caplen < off + 14)
		return -1;
	return p[off + 13];
}

static void count(struct counts *c, const struct pcap_pkthdr *h, const unsigned char *p)
{
	int f = tcp_flags(p, h->caplen);

	c->packets++;
	if (f < 0)
		return;
	c->tcp++;
	c->syn += (f & 0x02) != 0;
	c->fin += (f & 0x01) != 0;
	c->rst += (f & 0x04) != 0;
}

/* Open PATH; with USE_STDIO through a stream whose buffer *BUF (to be freed
 * after pcap_close) is 1 MiB.  On failure the reason is in ERR. */
static pcap_t *open_capture(const char *path, int use_stdio, char **buf, char *err)
{
	FILE *f;
	pcap_t *pc;

	if (!use_stdio)
		return pcap_open_offline(path, err);
	f = fopen(path, "rb");
	*buf = malloc(STDIO_BUFFER);
	if (!f || !*buf || setvbuf(f, *buf, _IOFBF, STDIO_BUFFER) != 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", f ? "no 1 MiB buffer" : strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	pc = pcap_fopen_offline(f, err);
	if (!pc)
		fclose(f);
	return pc;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE] = "", *buf = NULL;
	struct counts c = { 0 };
	struct pcap_pkthdr *h;
	const unsigned char *p;
	int use_stdio = argc == 3 && strcmp(argv[1], "--stdio") == 0;
	int rc;

	if (argc != 2 + use_stdio || argv[argc - 1][0] == '-') {
		fputs("usage: pcaploop [--stdio] FILE\n", stderr);
		return 2;
	}
	pcap_t *pc = open_capture(argv[argc - 1], use_stdio, &buf, err);
	if (!pc) {
		/* libpcap names the file in some of its messages, not in all */
		if (strncmp(err, argv[argc - 1], strlen(argv[argc - 1])) == 0)
			fprintf(stderr, "pcaploop: %s\n", err);
		else
			fprintf(stderr, "pcaploop: %s: %s\n", argv[argc - 1], err);
		free(buf);
		return 3;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "pcaploop: %s: link type %d is not Ethernet\n", argv[argc - 1],
		    pcap_datalink(pc));
		pcap_close(pc);
		free(buf);
		return 3;
	}
	while ((rc = pcap_next_ex(pc, &h, &p)) == 1)
		count(&c, h, p);
	if (rc == PCAP_ERROR)
		fprintf(stderr, "pcaploop: %s: %s\n", argv[argc - 1], pcap_geterr(pc));
	printf("%llu packets, %llu TCP: %llu SYN, %llu FIN, %llu RST\n",
	    (unsigned long long)c.packets, (unsigned long long)c.tcp,
	    (unsigned long long)c.syn, (unsigned long long)c.fin, (unsigned long long)c.rst);
	pcap_close(pc);
	free(buf);
	return rc == PCAP_ERROR ? 1 : 0;
}

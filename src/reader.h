/*
 * reader.h: where packets come from.
 *
 * A reader wraps one libpcap handle: a pcap or pcapng file (or "-" for
 * standard input), opened with nanosecond timestamps, or a live interface.
 * It numbers frames from 1, as Wireshark does, and remembers what it met:
 * link types, bytes, the first and last timestamp, and whether the file
 * ended in damage.  It also computes the capture's identity (a digest over
 * what it read) so that a capture analysed twice is recognised.
 */
#ifndef TM_READER_H
#define TM_READER_H

#include <stdint.h>
#include <stdio.h>
#include "tcpmortem/detector.h"

struct reader;

struct frame {
	uint64_t number;        /* 1-based */
	tm_time_t ts;
	int dlt;
	uint32_t caplen, wirelen;
	const uint8_t *data;    /* valid until the next reader_next() */
};

enum reader_status {
	READER_OK = 0,          /* *f is a frame */
	READER_END,             /* no more frames */
	READER_DAMAGED,         /* the file is damaged here; nothing more can be read */
	READER_TIMEOUT,         /* live: no packet within the poll interval */
	READER_ERROR            /* live: the interface failed */
};

struct reader_options {
	int snaplen;            /* live: bytes per packet (0 = 262144) */
	int buffer_kib;         /* live: kernel buffer, KiB (0 = libpcap's) */
	const char *filter;     /* BPF expression, ANDed with "tcp"; may be NULL.
	                         * Live always filters "tcp".  Frames are numbered
	                         * as delivered, so a file read through a filter
	                         * is not numbered as Wireshark numbers it. */
	const char *write_path; /* live: also write raw packets here; may be NULL */
	size_t stdio_buffer;    /* offline: stdio buffer size (0 = 256 KiB) */
};

/* Open a capture file (PATH "-" = standard input).  Returns NULL and
 * writes "PATH: reason" into ERR on failure. */
struct reader *reader_open_file(const char *path, const struct reader_options *o,
    char *err, size_t errlen);

/* Open interface IFACE for live capture in immediate mode. */
struct reader *reader_open_live(const char *iface, const struct reader_options *o,
    char *err, size_t errlen);

/* Next frame.  On READER_DAMAGED/READER_ERROR, ERR says where and why,
 * naming the file and frame. */
enum reader_status reader_next(struct reader *r, struct frame *f, char *err, size_t errlen);
/* After READER_DAMAGED, further calls return READER_END. */

/* Statistics and identity. */
uint64_t reader_frames(const struct reader *r);
uint64_t reader_bytes(const struct reader *r);       /* captured bytes read */
int64_t reader_file_size(const struct reader *r);    /* -1 if not a regular file */
const char *reader_path(const struct reader *r);
const char *reader_link_types(const struct reader *r); /* "EN10MB,LINUX_SLL2" */
uint64_t reader_digest(const struct reader *r);      /* identity of what was read */
uint64_t reader_ts_backwards(const struct reader *r); /* frames older than the one before */
uint64_t reader_kernel_drops(struct reader *r);      /* live: pcap_stats */
int reader_fileno(struct reader *r);                 /* live: for poll(); -1 offline */
void reader_break(struct reader *r);                 /* live: stop from a signal handler */

void reader_close(struct reader *r);

/* For -D: print the interfaces libpcap sees, one per line. */
int reader_list_interfaces(FILE *out, char *err, size_t errlen);

#endif

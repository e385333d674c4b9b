/*
 * reader.c: frames from libpcap, numbered, timed and fingerprinted.
 *
 * Files are opened by us, not by libpcap: fopen() plus a large setvbuf()
 * buffer (libpcap's own reads are small enough to halve throughput on big
 * captures), then pcap_fopen_offline_with_tstamp_precision() asking for
 * nanoseconds, so pcap (usec or nsec) and pcapng all come out in one unit.
 * Standard input is a dup() of fd 0 so that the buffer and the FILE are
 * ours to free, like any other file.
 *
 * libpcap stops at the first damaged record and says why in its own words;
 * we turn that into "PATH: frame N: why", N being the frame that could not
 * be read, and remember it: after damage the reader only says END.
 *
 * Live capture is non-blocking: reader_next() first asks libpcap, and only
 * when nothing is queued waits on the selectable fd for POLL_MS, so that
 * an idle interface returns READER_TIMEOUT and the caller can look at its
 * stop flag.  A busy interface never enters poll().
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "reader.h"
#include "util.h"

/* libpcap reads a record at a time through the FILE: with its own 4 KiB
 * buffer that is a read(2) every few packets.  256 KiB read c10k as fast
 * as 1 MiB did. */
#define DEFAULT_STDIO_BUFFER    (1u << 18)
#define DEFAULT_SNAPLEN         262144
#define POLL_MS                 200
#define DIGEST_BYTES            64      /* of each frame, for the identity */
#define FNV_OFFSET              UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME               UINT64_C(0x100000001b3)

struct reader {
	pcap_t *pcap;
	pcap_dumper_t *dump;    /* -w, or NULL */
	char *iobuf;            /* the FILE's buffer (offline) */
	char *path;             /* file path or interface name */
	int live;
	int nano;               /* timestamps come in nanoseconds */
	int done;               /* END or damage seen: nothing more */
	volatile sig_atomic_t stop; /* reader_break() was called */
	int dlt;
	int fd;                 /* live: selectable fd, or -1 */
	int64_t file_size;
	uint64_t frames, bytes, ts_backwards, digest;
	tm_time_t last_ts;
	char link_types[64];
};

/* ---- timestamps and identity ------------------------------------------ */

/* Seconds beyond this would overflow nanoseconds in 64 bits (year 2255). */
#define TS_SEC_LIMIT    INT64_C(9000000000)
#define TS_FRAC_LIMIT   INT64_C(4294967295000)

/*
 * libpcap stores a pcap record's 32-bit seconds in a signed field, so times
 * after January 2038 come out negative; pcap files know no times before
 * 1970, so such a value is read as unsigned.  Damaged files can hold any
 * number: clamp before multiplying rather than overflow.
 */
static tm_time_t
reader_ts(const struct reader *r, const struct timeval *tv)
{
	int64_t sec = (int64_t)tv->tv_sec, frac = (int64_t)tv->tv_usec;

	if (!r->live && sec < 0 && sec >= INT32_MIN)
		sec += INT64_C(1) << 32;
	if (sec > TS_SEC_LIMIT)
		sec = TS_SEC_LIMIT;
	else if (sec < -TS_SEC_LIMIT)
		sec = -TS_SEC_LIMIT;
	if (frac < 0)
		frac = 0;
	else if (frac > TS_FRAC_LIMIT)
		frac = TS_FRAC_LIMIT;
	return sec * TM_NSEC_PER_SEC + (r->nano ? frac : frac * 1000);
}

static inline uint64_t
fnv_word(uint64_t h, uint64_t w)
{
	return (h ^ w) * FNV_PRIME;
}

/* Little-endian load of N <= 8 bytes; one mov on the usual hosts. */
static inline uint64_t
load_le(const uint8_t *p, uint32_t n)
{
	uint64_t w = 0;
	uint32_t k;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8) {
		memcpy(&w, p, 8);
		return w;
	}
#endif
	for (k = 0; k < n; k++)
		w |= (uint64_t)p[k] << (8 * k);
	return w;
}

/*
 * FNV-1a over 64-bit little-endian words rather than bytes: an eighth of
 * the multiplications, and the same value on every host.  It identifies a
 * capture (timestamps, lengths, first bytes of every frame); it is not a
 * cryptographic hash.
 */
static uint64_t
digest_frame(uint64_t h, int dlt, tm_time_t ts, const struct pcap_pkthdr *hdr,
    const uint8_t *data)
{
	uint32_t n = hdr->caplen < DIGEST_BYTES ? hdr->caplen : DIGEST_BYTES, i;

	h = fnv_word(h, (uint64_t)ts);
	h = fnv_word(h, (uint64_t)hdr->caplen << 32 | hdr->len);
	h = fnv_word(h, (uint64_t)(uint32_t)dlt);
	for (i = 0; i < n; i += 8)
		h = fnv_word(h, load_le(data + i, n - i < 8 ? n - i : 8));
	return h;
}

/* ---- opening ---------------------------------------------------------- */

static struct reader *
reader_new(const char *path, int live)
{
	struct reader *r = xcalloc(1, sizeof *r);

	r->path = xstrdup(path);
	r->live = live;
	r->fd = -1;
	r->file_size = -1;
	r->digest = FNV_OFFSET;
	return r;
}

/* After pcap_t exists: link type, precision, name. */
static void
reader_adopt(struct reader *r, pcap_t *p)
{
	const char *name;

	r->pcap = p;
	r->dlt = pcap_datalink(p);
	r->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	name = pcap_datalink_val_to_name(r->dlt);
	if (name != NULL)
		snprintf(r->link_types, sizeof r->link_types, "%s", name);
	else
		snprintf(r->link_types, sizeof r->link_types, "LINKTYPE_%d", r->dlt);
}

/* "tcp", or "tcp and (FILTER)", compiled and set. */
static int
reader_set_filter(struct reader *r, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;
	char expr[4096];
	int rc;

	if (filter != NULL && *filter != '\0')
		snprintf(expr, sizeof expr, "tcp and (%s)", filter);
	else
		snprintf(expr, sizeof expr, "tcp");
	if (pcap_compile(r->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s: filter \"%s\": %s", r->path, filter ? filter : "",
		    pcap_geterr(r->pcap));
		return -1;
	}
	rc = pcap_setfilter(r->pcap, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot set filter: %s", r->path, pcap_geterr(r->pcap));
		return -1;
	}
	return 0;
}

static int
reader_open_dump(struct reader *r, const char *path, char *err, size_t errlen)
{
	r->dump = pcap_dump_open(r->pcap, path);
	if (r->dump == NULL) {
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(r->pcap));
		return -1;
	}
	return 0;
}

/* The stream for PATH, "-" being a private dup of standard input. */
static FILE *
reader_fopen(const char *path, char *err, size_t errlen)
{
	FILE *fp;
	int fd;

	if (strcmp(path, "-") != 0) {
		fp = fopen(path, "rb");
		if (fp == NULL)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return fp;
	}
	fd = dup(STDIN_FILENO);
	fp = fd < 0 ? NULL : fdopen(fd, "rb");
	if (fp == NULL) {
		snprintf(err, errlen, "-: standard input: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return fp;
}

/* Refuse what libpcap would misreport: directories, empty input.  Peeks
 * one byte (ungetc() guarantees one) and leaves the stream unchanged. */
static int
reader_precheck(struct reader *r, FILE *fp, int *first, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fileno(fp), &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory", r->path);
			return -1;
		}
		if (S_ISREG(st.st_mode))
			r->file_size = (int64_t)st.st_size;
	}
	*first = getc(fp);
	if (*first == EOF) {
		if (ferror(fp))
			snprintf(err, errlen, "%s: %s", r->path, strerror(errno));
		else
			snprintf(err, errlen, "%s: empty file", r->path);
		return -1;
	}
	ungetc(*first, fp);
	return 0;
}

/* libpcap's open errors, in the words a user of this tool expects. */
static void
reader_open_error(const char *path, int first, const char *why, char *err, size_t errlen)
{
	if (strstr(why, "unknown file format") != NULL)
		snprintf(err, errlen, "%s: not a pcap or pcapng file%s", path,
		    first == 0x1f ? " (it looks gzip-compressed: try zcat FILE | tcpmortem analyze -)" : "");
	else if (strstr(why, "truncated dump file") != NULL)
		snprintf(err, errlen, "%s: the file ends inside the capture header (%s)", path, why);
	else
		snprintf(err, errlen, "%s: %s", path, why);
}

struct reader *
reader_open_file(const char *path, const struct reader_options *o, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	size_t bufsize = o != NULL && o->stdio_buffer ? o->stdio_buffer : DEFAULT_STDIO_BUFFER;
	struct reader *r;
	FILE *fp;
	pcap_t *p;
	int first = EOF;

	fp = reader_fopen(path, err, errlen);
	if (fp == NULL)
		return NULL;
	r = reader_new(path, 0);
	r->iobuf = xmalloc(bufsize);
	setvbuf(fp, r->iobuf, _IOFBF, bufsize);
	if (reader_precheck(r, fp, &first, err, errlen) < 0)
		goto fail;
	p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (p == NULL) {
		reader_open_error(path, first, pcap_err, err, errlen);
		goto fail;
	}
	fp = NULL;              /* pcap_close() closes it now */
	reader_adopt(r, p);
	if (o != NULL && o->filter != NULL && reader_set_filter(r, o->filter, err, errlen) < 0)
		goto fail;
	if (o != NULL && o->write_path != NULL && reader_open_dump(r, o->write_path, err, errlen) < 0)
		goto fail;
	return r;
fail:
	if (fp != NULL)
		fclose(fp);
	reader_close(r);
	return NULL;
}

/* ---- live ------------------------------------------------------------- */

static const struct {
	int code;
	const char *what;
} activate_errors[] = {
	{ PCAP_ERROR_PERM_DENIED,
	  "you don't have permission to capture on that device (needs root or CAP_NET_RAW)" },
	{ PCAP_ERROR_PROMISC_PERM_DENIED,
	  "you don't have permission to put that device in promiscuous mode (needs root or CAP_NET_ADMIN)" },
	{ PCAP_ERROR_NO_SUCH_DEVICE, "no such device (see tcpmortem capture -D)" },
	{ PCAP_ERROR_IFACE_NOT_UP, "the interface is not up" },
	{ PCAP_ERROR_RFMON_NOTSUP, "monitor mode is not supported on that device" },
};

/* pcap_activate()'s failure RC as one line naming the interface: ours for
 * the failures a user can act on, libpcap's words for the rest. */
static void
reader_activate_error(struct reader *r, int rc, char *err, size_t errlen)
{
	const char *detail = pcap_geterr(r->pcap);
	size_t i;

	for (i = 0; i < sizeof activate_errors / sizeof activate_errors[0]; i++)
		if (activate_errors[i].code == rc)
			break;
	if (i < sizeof activate_errors / sizeof activate_errors[0])
		snprintf(err, errlen, "%s: %s", r->path, activate_errors[i].what);
	else
		snprintf(err, errlen, "%s: %s", r->path,
		    detail != NULL && *detail ? detail : pcap_statustostr(rc));
}

/* Settings that must precede pcap_activate(). */
static void
reader_configure_live(pcap_t *p, const struct reader_options *o)
{
	pcap_set_snaplen(p, o != NULL && o->snaplen > 0 ? o->snaplen : DEFAULT_SNAPLEN);
	pcap_set_promisc(p, 1);
	pcap_set_immediate_mode(p, 1);
	pcap_set_timeout(p, POLL_MS);
	if (o != NULL && o->buffer_kib > 0)
		pcap_set_buffer_size(p, o->buffer_kib * 1024);
	/* Not every platform has nanosecond stamps: then microseconds. */
	if (pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) != 0)
		pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
}

struct reader *
reader_open_live(const char *iface, const struct reader_options *o, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct reader *r;
	pcap_t *p;
	int rc;

	p = pcap_create(iface, pcap_err);
	if (p == NULL) {
		snprintf(err, errlen, "%s: %s", iface, pcap_err);
		return NULL;
	}
	r = reader_new(iface, 1);
	r->pcap = p;
	reader_configure_live(p, o);
	rc = pcap_activate(p);
	if (rc < 0) {
		reader_activate_error(r, rc, err, errlen);
		goto fail;
	}
	/* "any" defaults to cooked v1; v2 also names each packet's interface.
	 * Where the kernel or libpcap lacks it, v1 stays. */
#ifdef DLT_LINUX_SLL2
	if (strcmp(iface, "any") == 0)
		(void)pcap_set_datalink(p, DLT_LINUX_SLL2);
#endif
	reader_adopt(r, p);
	if (reader_set_filter(r, o != NULL ? o->filter : NULL, err, errlen) < 0)
		goto fail;
	if (pcap_setnonblock(p, 1, pcap_err) < 0) {
		snprintf(err, errlen, "%s: %s", iface, pcap_err);
		goto fail;
	}
	r->fd = pcap_get_selectable_fd(p);
	if (r->fd < 0)          /* nothing to poll: let libpcap's timeout block */
		pcap_setnonblock(p, 0, pcap_err);
	if (o != NULL && o->write_path != NULL && reader_open_dump(r, o->write_path, err, errlen) < 0)
		goto fail;
	return r;
fail:
	reader_close(r);
	return NULL;
}

/* ---- reading ---------------------------------------------------------- */

static void
reader_take(struct reader *r, const struct pcap_pkthdr *hdr, const uint8_t *data,
    struct frame *f)
{
	tm_time_t ts = reader_ts(r, &hdr->ts);

	if (r->frames > 0 && ts < r->last_ts)
		r->ts_backwards++;
	r->last_ts = ts;
	f->number = ++r->frames;
	f->ts = ts;
	f->dlt = r->dlt;
	f->caplen = hdr->caplen;
	f->wirelen = hdr->len;
	f->data = data;
	r->bytes += hdr->caplen;
	r->digest = digest_frame(r->digest, r->dlt, ts, hdr, data);
	if (r->dump != NULL)
		pcap_dump((u_char *)r->dump, hdr, data);
}

/* Wait for the live handle to become readable; 0 when it did not. */
static int
reader_wait(struct reader *r)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	if (r->fd < 0)
		return 1;       /* no selectable fd: libpcap's own timeout applies */
	return poll(&pfd, 1, POLL_MS) > 0;
}

/* libpcap's reading error as "PATH: frame N: why". */
static enum reader_status
reader_failed(struct reader *r, char *err, size_t errlen)
{
	const char *why = pcap_geterr(r->pcap);

	r->done = 1;
	if (r->live) {
		snprintf(err, errlen, "%s: %s", r->path, why);
		return READER_ERROR;
	}
	if (strstr(why, "truncated dump file") != NULL)
		snprintf(err, errlen, "%s: frame %llu: the file ends inside this record (%s)",
		    r->path, (unsigned long long)r->frames + 1, why);
	else if (strstr(why, "different from the") != NULL)
		snprintf(err, errlen, "%s: frame %llu: libpcap reads only pcapng files whose "
		    "interfaces share one link type and snaplen (%s)",
		    r->path, (unsigned long long)r->frames + 1, why);
	else
		snprintf(err, errlen, "%s: frame %llu: %s", r->path,
		    (unsigned long long)r->frames + 1, why);
	return READER_DAMAGED;
}

enum reader_status
reader_next(struct reader *r, struct frame *f, char *err, size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc;

	if (r->done || r->stop)
		return READER_END;
	rc = pcap_next_ex(r->pcap, &hdr, &data);
	if (rc == 0 && r->live) {
		if (!reader_wait(r))
			return READER_TIMEOUT;
		rc = pcap_next_ex(r->pcap, &hdr, &data);
		if (rc == 0)
			return READER_TIMEOUT;
	}
	if (rc == 1) {
		reader_take(r, hdr, data, f);
		return READER_OK;
	}
	if (rc == PCAP_ERROR_BREAK) {
		r->done = 1;
		return READER_END;
	}
	return reader_failed(r, err, errlen);
}

/* ---- statistics ------------------------------------------------------- */

uint64_t reader_frames(const struct reader *r) { return r->frames; }
uint64_t reader_bytes(const struct reader *r) { return r->bytes; }
int64_t reader_file_size(const struct reader *r) { return r->file_size; }
const char *reader_path(const struct reader *r) { return r->path; }
const char *reader_link_types(const struct reader *r) { return r->link_types; }
uint64_t reader_digest(const struct reader *r) { return r->digest; }
uint64_t reader_ts_backwards(const struct reader *r) { return r->ts_backwards; }
int reader_fileno(struct reader *r) { return r->live ? r->fd : -1; }

uint64_t
reader_kernel_drops(struct reader *r)
{
	struct pcap_stat st;

	if (!r->live || pcap_stats(r->pcap, &st) < 0)
		return 0;
	return (uint64_t)st.ps_drop + st.ps_ifdrop;
}

/* Async-signal-safe: a flag we check, and libpcap's own (which also wakes
 * a blocked read on platforms where it can). */
void
reader_break(struct reader *r)
{
	if (r == NULL)
		return;
	r->stop = 1;
	if (r->pcap != NULL)
		pcap_breakloop(r->pcap);
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	if (r->dump != NULL) {
		pcap_dump_flush(r->dump);
		pcap_dump_close(r->dump);
	}
	if (r->pcap != NULL)
		pcap_close(r->pcap);
	free(r->iobuf);         /* after pcap_close(): the FILE used it */
	free(r->path);
	free(r);
}

/* ---- interfaces ------------------------------------------------------- */

static const struct {
	bpf_u_int32 flag;
	const char *name;
} if_flags[] = {
	{ PCAP_IF_UP, "Up" },
	{ PCAP_IF_RUNNING, "Running" },
	{ PCAP_IF_WIRELESS, "Wireless" },
	{ PCAP_IF_LOOPBACK, "Loopback" },
};

static void
reader_print_interface(FILE *out, int n, const pcap_if_t *d)
{
	const char *sep = " [";
	size_t i;

	fprintf(out, "%d.%s", n, d->name);
	if (d->description != NULL)
		fprintf(out, " (%s)", d->description);
	for (i = 0; i < sizeof if_flags / sizeof if_flags[0]; i++) {
		if (d->flags & if_flags[i].flag) {
			fprintf(out, "%s%s", sep, if_flags[i].name);
			sep = ", ";
		}
	}
	fprintf(out, "%s\n", *sep == ',' ? "]" : "");
}

int
reader_list_interfaces(FILE *out, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *devs, *d;
	int n = 0;

	if (pcap_findalldevs(&devs, pcap_err) < 0) {
		snprintf(err, errlen, "cannot list interfaces: %s", pcap_err);
		return -1;
	}
	if (devs == NULL) {
		snprintf(err, errlen, "no interfaces found (capturing needs root or CAP_NET_RAW)");
		return -1;
	}
	for (d = devs; d != NULL; d = d->next)
		reader_print_interface(out, ++n, d);
	pcap_freealldevs(devs);
	return 0;
}

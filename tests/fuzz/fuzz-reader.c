/*
 * fuzz-reader.c: libFuzzer harness for whole capture files.
 *
 * Each input is written to a memfd and opened by path (/proc/self/fd/N),
 * so the reader goes through exactly what a file goes through: fopen,
 * setvbuf, libpcap's pcap/pcapng parsers; every frame is then decoded.
 *
 * Built with -DFUZZ_STANDALONE it is instead a checker for real files:
 * fuzz-reader-run CAPTURE... reads each, prints one line per file and the
 * totals of decode verdicts (used on the public capture corpus under the
 * sanitizers).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode.h"
#include "reader.h"

struct tally {
	uint64_t files, opened, damaged, frames;
	uint64_t verdicts[DECODE_VERDICT_COUNT];
};

/* Read PATH to its end, decoding every frame; checks the reader's contract
 * and returns the last status (or -1 when it did not open). */
static int
read_all(const char *path, struct tally *t, char *err, size_t errlen)
{
	struct reader_options o = { .stdio_buffer = 65536 };
	struct reader *r;
	struct frame f;
	struct packet pk;
	enum reader_status st;
	char why[160];
	uint64_t expect = 1;

	t->files++;
	err[0] = '\0';
	r = reader_open_file(path, &o, err, errlen);
	if (r == NULL) {
		if (err[0] == '\0')
			abort();
		return -1;
	}
	t->opened++;
	while ((st = reader_next(r, &f, err, errlen)) == READER_OK) {
		if (f.number != expect++)
			abort();
		t->frames++;
		t->verdicts[decode_frame(f.dlt, f.data, f.caplen, f.wirelen, &pk, why, sizeof why)]++;
	}
	if (st == READER_DAMAGED && (err[0] == '\0' || strstr(err, "frame ") == NULL))
		abort();
	if (st == READER_DAMAGED)
		t->damaged++;
	if (reader_frames(r) != expect - 1 || reader_next(r, &f, err, errlen) != READER_END)
		abort();
	reader_close(r);
	return (int)st;
}

#ifndef FUZZ_STANDALONE
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct tally t;
	char err[512];

	if (fd < 0) {
		fd = memfd_create("fuzz-reader", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	memset(&t, 0, sizeof t);
	read_all(path, &t, err, sizeof err);
	return 0;
}
#else
int
main(int argc, char **argv)
{
	struct tally t;
	char err[512];
	int i, st, v;

	memset(&t, 0, sizeof t);
	for (i = 1; i < argc; i++) {
		st = read_all(argv[i], &t, err, sizeof err);
		if (st < 0)
			printf("open-failed %s\n", err);
		else if (st == READER_DAMAGED)
			printf("damaged %s\n", err);
		else
			printf("ok %s\n", argv[i]);
	}
	printf("files %llu opened %llu damaged %llu frames %llu\n",
	    (unsigned long long)t.files, (unsigned long long)t.opened,
	    (unsigned long long)t.damaged, (unsigned long long)t.frames);
	for (v = 0; v < DECODE_VERDICT_COUNT; v++)
		printf("verdict %s %llu\n", decode_verdict_name(v), (unsigned long long)t.verdicts[v]);
	return 0;
}
#endif

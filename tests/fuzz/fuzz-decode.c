/*
 * fuzz-decode.c: libFuzzer harness for decode_frame().
 *
 * Input layout: byte 0 picks the link type among the supported ones, byte 1
 * says whether the frame was cut by the snaplen (high bit) and by how much,
 * the rest is the frame, ending exactly where the input ends so that
 * AddressSanitizer sees any read past caplen.
 *
 * Built with -DFUZZ_SEED_MAIN instead, it is a tool that turns capture
 * files into seeds of this layout: fuzz-decode-seed OUTDIR CAPTURE...
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const int fuzz_dlts[] = { 1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 9, 50, 104, 239, 242, 10 };
#define N_DLTS (sizeof fuzz_dlts / sizeof fuzz_dlts[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet pk;
	enum decode_verdict v;
	uint32_t caplen, wirelen;
	char why[160];

	if (size < 2 || size > UINT32_MAX / 2)
		return 0;
	caplen = (uint32_t)size - 2;
	wirelen = caplen + (data[1] & 0x80 ? (uint32_t)(data[1] & 0x7f) * 16 : 0);
	v = decode_frame(fuzz_dlts[data[0] % N_DLTS], data + 2, caplen, wirelen, &pk, why, sizeof why);
	/* The contract, checked on every input. */
	if ((unsigned)v >= DECODE_VERDICT_COUNT)
		abort();
	if (v != DECODE_TCP && why[0] == '\0')
		abort();
	if (v == DECODE_TCP && ((pk.src.family != 4 && pk.src.family != 6) ||
	    pk.src.family != pk.dst.family))
		abort();
	if (v == DECODE_TCP && pk.len > wirelen)
		abort();
	return 0;
}

#ifdef FUZZ_SEED_MAIN
#include "reader.h"

/* Up to PER_FILE frames of each capture become seeds. */
#define PER_FILE 64

static int
seed_index(int dlt)
{
	size_t i;

	for (i = 0; i < N_DLTS; i++)
		if (fuzz_dlts[i] == dlt)
			return (int)i;
	return -1;
}

static void
seed_file(const char *outdir, const char *path, int *n)
{
	struct reader_options o = { .stdio_buffer = 65536 };
	struct reader *r;
	struct frame f;
	char err[512], out[4096];
	FILE *fp;
	uint8_t head[2];
	int k = 0;

	r = reader_open_file(path, &o, err, sizeof err);
	if (r == NULL)
		return;
	while (k < PER_FILE && reader_next(r, &f, err, sizeof err) == READER_OK) {
		if (seed_index(f.dlt) < 0)
			break;
		head[0] = (uint8_t)seed_index(f.dlt);
		head[1] = f.caplen < f.wirelen ? 0x81 : 0;
		snprintf(out, sizeof out, "%s/seed-%06d", outdir, (*n)++);
		fp = fopen(out, "wb");
		if (fp == NULL)
			break;
		fwrite(head, 1, 2, fp);
		fwrite(f.data, 1, f.caplen, fp);
		fclose(fp);
		k++;
	}
	reader_close(r);
}

int
main(int argc, char **argv)
{
	int i, n = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: fuzz-decode-seed OUTDIR CAPTURE...\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		seed_file(argv[1], argv[i], &n);
	printf("%d seeds\n", n);
	return 0;
}
#endif

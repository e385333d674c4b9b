/*
 * fuzz-analysis.c: libFuzzer harness for the analysis pipeline, store
 * left out:
 *
 *   frames ──> decode_frame ──> flowtab ──> flow (both endpoints, timers)
 *                                               │
 *                 detect.c (the real plugins) <─┘──> findings (checked)
 *
 * The glue is the analysis' own (src/pipeline.c): the capture clock that
 * ticks every second (leaps of more than an hour wait for confirmation),
 * new incarnations on a reused 4-tuple, flows let out when done and every
 * timer has run, quiet flows packed, the caps on the table; here with
 * optional live checkpoints (flow_classify on every open flow, packed ones
 * unpacked for it) and at the end the drain.
 *
 * Input layout:
 *
 *   byte 0    link type: index into fuzz_dlts (the table of fuzz-decode.c)
 *   byte 1    bits 0-1 vantage (auto, client, server, middle);
 *             bits 2-3 profile (linux, freebsd, rfc9293, linux);
 *             bits 4-6 flow cap: 0 none, else 1 << (k - 1) flows;
 *             bit 7 live: a checkpoint every 8 frames
 *   then frames, each:
 *     byte    time since the previous frame: 0 none, 255 one second back,
 *             else ((d & 7) + 1) << (d >> 3) microseconds (2 us .. 4.7 h)
 *     2 bytes big endian: bit 15 the frame was cut by the snaplen (its
 *             wire length is 1000 bytes more), bits 0-14 its length
 *     the frame (shorter if the input ends first), copied to a buffer of
 *     exactly its size so that AddressSanitizer sees a read past it
 *
 * The detectors are the plugins of $FUZZ_PLUGIN_DIR, else of the first
 * directory of $TCPMORTEM_PLUGIN_PATH, loaded once per vantage.
 *
 * Built with -DFUZZ_TOOL_MAIN instead it is a command-line tool:
 *
 *   fuzz-analysis-tool seed OUTDIR CAPTURE...   captures into seeds
 *   fuzz-analysis-tool [PATH...]                replay inputs
 *
 * A PATH is an input of the layout above, a capture file (converted to
 * one first) or a directory of either (only its analysis-* files when it
 * is the regressions' directory).  Without PATHs it replays REGRESS_DIR
 * and every capture of SAMPLES_DIR: what make check runs.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "detect.h"
#include "flow.h"
#include "flowtab.h"
#include "pipeline.h"
#include "names.h"
#include "profile.h"

static const int fuzz_dlts[] = { 1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 9, 50, 104, 239, 242, 10 };
#define N_DLTS (sizeof fuzz_dlts / sizeof fuzz_dlts[0])

#define IDLE_TIMEOUT 7200.0
#define CHECKPOINT_FRAMES 8
#define CUT_EXTRA 1000
#define MIN_DETECTORS 5

static const char *const profile_names[] = { "linux", "freebsd", "rfc9293", "linux" };

/* Totals over every input, for the tool's summary. */
static uint64_t total_flows, total_findings;

/* One run: one capture. */
struct run {
	struct detect *detect;
	struct tm_profile prof;
	struct pipeline *pl;
	uint64_t frames;
	tm_time_t last_ts;
};

/* --- the checks ------------------------------------------------------- */

#define REQUIRE(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz-analysis: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static void
check_finding(const struct run *r, const struct tm_finding *fd, const char *detector)
{
	REQUIRE(fd->kind != NULL && *fd->kind != '\0' && detector != NULL);
	REQUIRE(fd->detail == NULL || strlen(fd->detail) < 4096);
	REQUIRE(fd->nframes <= TM_MAX_EVIDENCE);
	for (size_t i = 0; i < fd->nframes; i++)
		REQUIRE(fd->frames[i] >= 1 && fd->frames[i] <= r->frames);
	REQUIRE(fd->flow_id <= r->frames);      /* a flow starts on a frame, ids from 1 */
	REQUIRE(fd->side == TM_CLIENT || fd->side == TM_SERVER || fd->side == TM_NO_SIDE);
	REQUIRE(fd->flow_id != 0 || fd->side == TM_NO_SIDE);
}

/* What a flow leaving the table must look like: what the store would
 * write and the queries would print. */
static void
check_flow(const struct flow *f)
{
	REQUIRE((unsigned)f->handshake < HS_COUNT && (unsigned)f->close < CLOSE_COUNT);
	REQUIRE((unsigned)f->closer < CLOSER_COUNT);
	for (int s = TM_CLIENT; s <= TM_SERVER; s++) {
		REQUIRE((unsigned)f->v.ep[s].state < TM_STATE_COUNT);
		for (size_t i = 0; i < f->tl[s].n; i++)
			REQUIRE((unsigned)f->tl[s].items[i].from < TM_STATE_COUNT &&
			    (unsigned)f->tl[s].items[i].to < TM_STATE_COUNT);
	}
	REQUIRE(f->v.first_ts <= f->v.last_ts && f->v.first_frame <= f->v.last_frame);
	REQUIRE(f->nladder <= FLOW_LADDER_MAX);
	for (size_t i = 0; i < f->nladder; i++)
		REQUIRE(f->ladder[i].frame >= f->v.first_frame &&
		    f->ladder[i].frame <= f->v.last_frame);
}

/* --- the sinks --------------------------------------------------------- */

static void
on_finding(void *ctx, const struct tm_finding *fd, const char *detector)
{
	check_finding(ctx, fd, detector);
	total_findings++;
}

static void
flow_ended(void *ctx, struct flow *f)
{
	(void)ctx;
	check_flow(f);
	flow_free(f);
	total_flows++;
}

static void
classify_open(void *ctx, struct flow *f)
{
	(void)ctx;
	flow_classify(f);
	f->v.end_reason = TM_END_OPEN;
	check_flow(f);
}

/* --- the input --------------------------------------------------------- */

/* The detectors for vantage V, loaded on first use and kept. */
static struct detect *
detectors(enum tm_vantage v)
{
	static struct detect *loaded[4];
	const char *env = getenv("FUZZ_PLUGIN_DIR");
	char dir[4096], err[512];
	const char *dirs[] = { dir, NULL };
	struct detect_options o = { .plugin_dirs = dirs, .vantage = v, .no_default_path = 1 };

	if (loaded[v] != NULL)
		return loaded[v];
	if (env == NULL)
		env = getenv("TCPMORTEM_PLUGIN_PATH");
	snprintf(dir, sizeof dir, "%s", env != NULL ? env : "plugins/.libs");
	dir[strcspn(dir, ":")] = '\0';
	if ((loaded[v] = detect_load(&o, err, sizeof err)) == NULL ||
	    detect_count(loaded[v]) < MIN_DETECTORS) {
		fprintf(stderr, "fuzz-analysis: plugins of %s: %s (set FUZZ_PLUGIN_DIR)\n", dir,
		    loaded[v] == NULL ? err : "too few detectors");
		exit(2);
	}
	return loaded[v];
}

/* Microseconds of time code D (see the layout). */
static tm_time_t
time_step(uint8_t d)
{
	if (d == 0)
		return 0;
	if (d == 255)
		return -TM_NSEC_PER_SEC;
	return (tm_time_t)(((uint64_t)(d & 7) + 1) << (d >> 3)) * 1000;
}

/* Decode one frame and hand it to the pipeline. */
static void
frame(struct run *r, int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen, tm_time_t ts)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	struct packet p;
	char why[160];
	enum decode_verdict v;

	memcpy(copy, data, caplen);
	r->frames++;
	if (ts > r->last_ts)
		r->last_ts = ts;
	v = decode_frame(dlt, copy, caplen, wirelen, &p, why, sizeof why);
	if (v == DECODE_TCP) {
		p.frame = r->frames;
		p.ts = ts;
		pipeline_packet(r->pl, &p);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = { 0 };
	struct pipeline_options po = { .profile = &r.prof, .idle_timeout = IDLE_TIMEOUT,
	    .pack_quiet = 1, .first_id = 1, .flow_ended = flow_ended, .ctx = &r,
	    .lookahead = (int)(size & 1) };   /* both ways: files have it, live not */
	tm_time_t ts = (tm_time_t)1700000000 * TM_NSEC_PER_SEC;
	char err[512];
	size_t at = 2;
	int dlt, live;

	if (size < 2)
		return 0;
	dlt = fuzz_dlts[data[0] % N_DLTS];
	live = data[1] >> 7;
	po.max_flows = (data[1] >> 4 & 7) ? (size_t)1 << ((data[1] >> 4 & 7) - 1) : 0;
	r.detect = detectors((enum tm_vantage)(data[1] & 3));
	REQUIRE(profile_get(profile_names[data[1] >> 2 & 3], &r.prof) == 0);
	REQUIRE(detect_begin(r.detect, &r.prof, on_finding, &r, err, sizeof err) == 0);
	r.pl = pipeline_new(r.detect, &po);
	while (at + 3 <= size) {
		uint32_t len = (uint32_t)(data[at + 1] << 8 | data[at + 2]);
		uint32_t caplen = len & 0x7fff;

		ts += time_step(data[at]);
		at += 3;
		if (caplen > size - at)
			caplen = (uint32_t)(size - at);
		frame(&r, dlt, data + at, caplen, caplen + (len & 0x8000 ? CUT_EXTRA : 0), ts);
		at += caplen;
		if (live && r.frames % CHECKPOINT_FRAMES == 0)
			flowtab_foreach(pipeline_flows(r.pl), 0, classify_open, &r);
	}
	pipeline_drain(r.pl, TM_END_CAPTURE_END, r.last_ts);
	detect_end(r.detect, r.last_ts);
	REQUIRE(flowtab_count(pipeline_flows(r.pl)) == 0);
	pipeline_free(r.pl);
	return 0;
}

#ifdef FUZZ_TOOL_MAIN
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include "reader.h"

/* Seeds keep at most this many frames of a capture. */
#define SEED_FRAMES 400
#define SEED_MAX (64 * 1024)

static int
dlt_index(int dlt)
{
	for (size_t i = 0; i < N_DLTS; i++)
		if (fuzz_dlts[i] == dlt)
			return (int)i;
	return -1;
}

/* The time code closest to DELTA nanoseconds. */
static uint8_t
time_code(tm_time_t delta)
{
	uint8_t best = 0;
	tm_time_t bestd = delta < 0 ? -delta : delta;

	for (int d = 1; d < 256; d++) {
		tm_time_t diff = time_step((uint8_t)d) - delta;

		if (diff < 0)
			diff = -diff;
		if (diff < bestd)
			best = (uint8_t)d, bestd = diff;
	}
	return best;
}

/* The first frames of capture PATH in the input layout, into BUF (of
 * SEED_MAX bytes); the length, or 0 if it cannot be read or its link
 * type is not fuzzed. */
static size_t
seed_from_capture(const char *path, uint8_t *buf)
{
	struct reader_options o = { .stdio_buffer = 65536 };
	struct reader *rd;
	struct frame f;
	char err[512];
	size_t n = 2;
	tm_time_t prev = 0;
	int k = 0;

	if ((rd = reader_open_file(path, &o, err, sizeof err)) == NULL)
		return 0;
	while (k++ < SEED_FRAMES && reader_next(rd, &f, err, sizeof err) == READER_OK) {
		uint32_t len = f.caplen > 0x7fff ? 0x7fff : f.caplen;

		if (n == 2 && dlt_index(f.dlt) < 0)
			break;
		if (n + 3 + len > SEED_MAX)
			break;
		buf[0] = (uint8_t)dlt_index(f.dlt);
		buf[1] = 0;
		buf[n] = n == 2 ? 0 : time_code(f.ts - prev);
		buf[n + 1] = (uint8_t)((len >> 8) | (f.caplen < f.wirelen ? 0x80 : 0));
		buf[n + 2] = (uint8_t)len;
		memcpy(buf + n + 3, f.data, len);
		n += 3 + len;
		prev = f.ts;
	}
	reader_close(rd);
	return n > 2 ? n : 0;
}

static int
is_capture(const uint8_t *b, size_t n)
{
	static const uint8_t magics[][4] = { { 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
	    { 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d }, { 0x0a, 0x0d, 0x0d, 0x0a } };

	for (size_t i = 0; n >= 4 && i < sizeof magics / sizeof magics[0]; i++)
		if (memcmp(b, magics[i], 4) == 0)
			return 1;
	return 0;
}

/* Replay PATH (a regular file; only a capture when CAPTURES_ONLY); 1 when
 * it was run. */
static int
replay_file(const char *path, int captures_only, uint8_t *buf, uint8_t *seed)
{
	struct stat sb;
	FILE *fp;
	size_t n;
	uint8_t *exact;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || (fp = fopen(path, "rb")) == NULL)
		return 0;
	n = fread(buf, 1, SEED_MAX, fp);
	fclose(fp);
	if (captures_only && !is_capture(buf, n))
		return 0;
	if (is_capture(buf, n)) {
		if ((n = seed_from_capture(path, seed)) == 0)
			return 0;
		memcpy(buf, seed, n);
	}
	exact = malloc(n ? n : 1);
	memcpy(exact, buf, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 1;
}

/* Replay PATH, a file or a directory (of its files named ONLY_PREFIX*
 * when not NULL, of its captures when CAPTURES_ONLY); the inputs run. */
static int
replay(const char *path, const char *only_prefix, int captures_only, uint8_t *buf,
    uint8_t *seed)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[4096];
	int n = 0;

	if (d == NULL)
		return replay_file(path, 0, buf, seed);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (only_prefix != NULL &&
		    strncmp(e->d_name, only_prefix, strlen(only_prefix)) != 0))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		n += replay_file(sub, captures_only, buf, seed);
	}
	closedir(d);
	return n;
}

static int
seed_main(int argc, char **argv)
{
	static uint8_t buf[SEED_MAX];
	char out[4096];
	int made = 0;

	for (int i = 3; i < argc; i++) {
		size_t n = seed_from_capture(argv[i], buf);
		FILE *fp;

		if (n == 0)
			continue;
		snprintf(out, sizeof out, "%s/seed-%ld-%05d", argv[2], (long)getpid(), made++);
		if ((fp = fopen(out, "wb")) == NULL) {
			perror(out);
			return 1;
		}
		fwrite(buf, 1, n, fp);
		fclose(fp);
	}
	printf("%d seeds\n", made);
	return 0;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[SEED_MAX], seed[SEED_MAX];
	int n = 0;

	if (argc >= 3 && strcmp(argv[1], "seed") == 0)
		return seed_main(argc, argv);
	for (int i = 1; i < argc; i++)
		n += replay(argv[i], NULL, 0, buf, seed);
#if defined(REGRESS_DIR) && defined(SAMPLES_DIR)
	if (argc == 1) {
		int regress = replay(REGRESS_DIR, "analysis-", 0, buf, seed);

		n = replay(SAMPLES_DIR, NULL, 1, buf, seed);
		printf("fuzz-analysis: %d regression inputs, %d sample captures replayed: "
		    "%llu connections, %llu findings\n", regress, n,
		    (unsigned long long)total_flows, (unsigned long long)total_findings);
		return n > 0 ? 0 : 1;
	}
#endif
	printf("fuzz-analysis: %d inputs replayed: %llu connections, %llu findings\n", n,
	    (unsigned long long)total_flows, (unsigned long long)total_findings);
	return 0;
}
#endif

/*
 * analysis.h: the pipeline from packets to the database.
 *
 *   reader ──> decode ──> flow table ──> flows (both endpoints) ──> detectors
 *                                             │                        │
 *                                             └──────> store <─────────┘
 *
 * One analysis reads one capture (a file, standard input, or a live
 * interface) inside one store transaction.  `analyze` and `capture` are
 * both this pipeline; capture adds periodic checkpoints and a stop flag.
 */
#ifndef TM_ANALYSIS_H
#define TM_ANALYSIS_H

#include <stdatomic.h>
#include <stddef.h>
#include "tcpmortem/detector.h"
#include "detect.h"
#include "names.h"
#include "reader.h"
#include "store.h"

struct analysis_result;

struct analysis_options {
	struct tm_profile profile;
	enum tm_vantage vantage;        /* stated, or TM_VANTAGE_UNKNOWN = auto */
	double idle_timeout;            /* seconds of silence before an open flow is written */
	size_t max_flows;               /* memory cap in flows; 0 = unlimited */
	size_t max_embryonic;           /* cap on embryonic flows (flowtab.h); 0 = unlimited */
	double checkpoint_interval;     /* live: seconds between commits; 0 = none */
	int progress;                   /* a progress line on standard error */
	int force;                      /* analyse even if already stored */
	int threads;                    /* 2 or more: the store's writes on a thread of their
	                                 * own, and a file's reading (readahead.h) */
	int read_ahead;                 /* with threads: read a file on a thread of its own */
	int pack_quiet;                 /* pack flows quiet past the grace period (flowpack.h) */
	const char *spill_dir;          /* where closed ones packed go (spill.h); NULL: memory */
	atomic_int *stop;               /* set by a signal handler or another thread */
	uint64_t max_packets;           /* live: stop after this many frames; 0 = no limit */
	/* live: called from the periodic path (checkpoints, idle polls) with
	 * the counts so far and the connections open; may print. */
	void (*status)(void *ctx, const struct analysis_result *res, size_t open_flows);
	void *status_ctx;
};

/* What one run produced, for the command's summary line. */
struct analysis_result {
	int64_t capture_id;             /* 0 when skipped as a duplicate */
	int64_t duplicate_of;           /* the stored capture it duplicates */
	int64_t replaced;               /* --force: the stored copy it replaced */
	struct capture_info info;
	uint64_t findings;
	uint64_t handshakes[HS_COUNT];  /* flows by handshake outcome */
	uint64_t closes[CLOSE_COUNT];   /* flows by close type */
	int damaged;                    /* the input ended in damage */
	char damage[512];
	uint64_t bad_frames;            /* malformed or of an unsupported link type */
	char first_bad[320];            /* "frame N: why" of the first of them */
};

enum analysis_status {
	ANALYSIS_OK = 0,        /* stored (or skipped as a duplicate) */
	ANALYSIS_DAMAGED,       /* the input ended in damage; stored up to it */
	ANALYSIS_FAILED         /* the database failed: nothing of it is stored */
};

/* Analyse everything READER yields into STORE, with DETECT's detectors.
 * CI_PATH names the capture.  On ANALYSIS_FAILED, ERR says why. */
enum analysis_status analysis_run(struct store *store, struct detect *detect,
    struct reader *reader, const struct analysis_options *o,
    struct analysis_result *res, char *err, size_t errlen);

/* Parallel analyses (parallel.h): a capture that analysis_run() wrote
 * into the scratch store at PART (store_open_scratch) becomes one of
 * STORE, in one transaction, as if it had been analysed into STORE now:
 * the same ids, and the same duplicate check and --force replacement
 * (RES is analysis_run's, and gets the capture's id in STORE).  PART is
 * left for the caller to unlink. */
enum analysis_status analysis_merge(struct store *store, const char *part,
    const struct analysis_options *o, struct analysis_result *res,
    char *err, size_t errlen);

#endif

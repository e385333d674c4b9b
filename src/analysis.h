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

#include <signal.h>
#include <stddef.h>
#include "tcpmortem/detector.h"
#include "detect.h"
#include "reader.h"
#include "store.h"

struct analysis_options {
	struct tm_profile profile;
	enum tm_vantage vantage;        /* stated, or TM_VANTAGE_UNKNOWN = auto */
	double idle_timeout;            /* seconds of silence before an open flow is written */
	size_t max_flows;               /* memory cap in flows; 0 = unlimited */
	double checkpoint_interval;     /* live: seconds between commits; 0 = none */
	int progress;                   /* a progress line on standard error */
	int force;                      /* analyse even if already stored */
	volatile sig_atomic_t *stop;    /* live: set by a signal handler */
};

/* What one run produced, for the command's summary line. */
struct analysis_result {
	int64_t capture_id;             /* 0 when skipped as a duplicate */
	int64_t duplicate_of;           /* the stored capture it duplicates */
	struct capture_info info;
	uint64_t findings;
	int damaged;                    /* the input ended in damage */
	char damage[512];
};

/* Analyse everything READER yields into STORE, with DETECT's detectors.
 * Returns EXIT_OK, EXIT_DAMAGED (stored up to the damage) or EXIT_IO (the
 * database failed: nothing of this capture is stored; ERR says why). */
int analysis_run(struct store *store, struct detect *detect, struct reader *reader,
    const struct analysis_options *o, struct analysis_result *res,
    char *err, size_t errlen);

#endif

/*
 * detect.h: the detector host.
 *
 * Loads detector plugins (shared objects exporting tm_detector_entry, see
 * tcpmortem/detector.h) from the plugin path, checks their ABI, and fans the
 * analysis events out to every enabled detector.  Findings come back through
 * the tm_host table and are handed to the caller's sink.
 *
 * Plugin path, first match wins per detector name: --plugin-dir DIR (may be
 * repeated), $TCPMORTEM_PLUGIN_PATH (colon-separated), the build tree's
 * plugins/.libs next to the running binary, then the installed PLUGINDIR.
 */
#ifndef TM_DETECT_H
#define TM_DETECT_H

#include <stddef.h>
#include <stdio.h>
#include "tcpmortem/detector.h"
#include "flow.h"

struct detect;

/* Called for every finding; the sink copies what it keeps. */
typedef void (*detect_sink_fn)(void *ctx, const struct tm_finding *f, const char *detector);

struct detect_options {
	const char *const *plugin_dirs; /* from --plugin-dir; NULL-terminated or NULL */
	const char *const *disabled;    /* kinds or detector names; NULL-terminated or NULL */
	const char *const *settings;    /* "name=value"; NULL-terminated or NULL */
	enum tm_vantage vantage;        /* stated, or UNKNOWN for auto */
	int no_default_path;            /* only the given dirs (tests) */
};

/* Load plugins.  Returns NULL with ERR set if a plugin is refused or the
 * options name an unknown kind or setting. */
struct detect *detect_load(const struct detect_options *o, char *err, size_t errlen);
void detect_free(struct detect *d);

/* Number of per-flow slots each flow needs (one per enabled detector). */
size_t detect_slots(const struct detect *d);
/* Per slot, the detector's tm_detector.slot_size (0 if it has none). */
const uint32_t *detect_slot_sizes(const struct detect *d);

/* Start a capture: init every enabled detector with PROFILE. */
int detect_begin(struct detect *d, const struct tm_profile *profile,
    detect_sink_fn sink, void *sink_ctx, char *err, size_t errlen);

/* Events, forwarded to the detectors that subscribed. */
void detect_segment(struct detect *d, struct flow *f, const struct tm_segment *s);
void detect_transition(struct detect *d, struct flow *f, const struct tm_transition *t);
void detect_flow_end(struct detect *d, struct flow *f);
void detect_tick(struct detect *d, tm_time_t now);
void detect_set_drops(struct detect *d, uint64_t drops);
/* Learn the vantage from a completed handshake's timing (auto mode). */
void detect_observe_handshake(struct detect *d, tm_time_t syn, tm_time_t synack, tm_time_t ack);
enum tm_vantage detect_vantage(const struct detect *d);
/* Findings reported so far that named a flow other than the one being
 * handed to the detectors (none of the built-in detectors reports one).
 * The others are counted in their flow's `findings` as they come. */
uint64_t detect_findings_elsewhere(const struct detect *d);

/* End the capture: on_capture_end, then fini. */
void detect_end(struct detect *d, tm_time_t end);

/* For `tcpmortem plugins`: each loaded detector, its file, kinds, options,
 * as a table or as one JSON object per line. */
enum { DETECT_LIST_TABLE = 0, DETECT_LIST_JSON = 1 };
void detect_list(const struct detect *d, FILE *out, int format);
size_t detect_count(const struct detect *d);
const struct tm_detector *detect_get(const struct detect *d, size_t i, const char **path);

#endif

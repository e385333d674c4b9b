/*
 * flowjson.h: a flow's timelines and ladder as the JSON of flow_details.
 *
 * Both are compact arrays of arrays (schema.h says what each position
 * holds; the views transitions and segments read them back with
 * json_each):
 *
 *   timeline  [[side, dt, from, to, dframe|null, "cause"], ...]
 *             both sides merged in time order, the sender's change first
 *             within one frame
 *   ladder    [[dframe, dlast, dt, dlast_ts, side, "flags", rel_seq,
 *               rel_ack, len, win, count, retransmission], ...]
 *
 * Times are nanoseconds and frames are numbers relative to the flow's
 * first.  This runs for every connection on the writer's path, so it
 * writes digits by hand into a buffer grown once per element, not per
 * character (snprintf alone was a third of the store's own time).
 */
#ifndef TM_FLOWJSON_H
#define TM_FLOWJSON_H

#include <stddef.h>

#include "flow.h"

/* A growing text buffer, reused from flow to flow. */
struct flowjson {
	char *p;
	size_t n, cap;
};

/* F's timeline, or its ladder, as a NUL-terminated string in J (valid
 * until J is used again); J's n is then its length with the NUL. */
const char *flowjson_timeline(struct flowjson *j, const struct flow *f);
const char *flowjson_ladder(struct flowjson *j, const struct flow *f);

/* Give J's memory back; J is empty again. */
void flowjson_free(struct flowjson *j);

#endif

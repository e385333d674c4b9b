/*
 * ladder.h: the ladder diagram of one flow, as `tcpmortem show` draws it.
 *
 *    frame       time  client                           server
 *                      10.0.0.1:35660                   10.0.0.2:80
 *                      CLOSED        |                |  LISTEN
 *        1   0.000000  SYN-SENT      |--S seq=0------>|  SYN-RECEIVED
 *        2   0.000100  ESTABLISHED   |<-S. seq=0 ack=1|
 *      ...
 *            60.40000  CLOSED        |TIME-WAIT -> CLOSED (2MSL)
 *
 * Client on the left, server on the right; one arrow per control segment
 * (SYN, FIN, RST, lone ACKs), one line per folded run of data; beside each
 * lifeline the state that side entered at that frame, from the
 * transitions table; transitions a timer caused get lines of their own.
 * Frames that are evidence of a finding carry its number ("* [1]"), in
 * colour on a terminal.  UTF-8 line drawing when asked, ASCII otherwise.
 */
#ifndef TM_LADDER_H
#define TM_LADDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

struct ladder_style {
	int utf8;               /* box-drawing lifelines and arrow heads */
	int color;              /* ANSI colour for evidence */
};

/* Draw the ladder of flow FLOW from DB's segments, transitions and
 * findings to OUT.  0, or -1 with the reason in ERR (no such flow, a
 * database error). */
int ladder_print(sqlite3 *db, int64_t flow, const struct ladder_style *style,
    FILE *out, char *err, size_t errlen);

/* Print both endpoints' state timelines side by side (client left, server
 * right), times relative to the flow's start.  0, or -1 with ERR. */
int ladder_timelines(sqlite3 *db, int64_t flow, FILE *out, char *err, size_t errlen);

#endif

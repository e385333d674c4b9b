/*
 * profile.h: timer profiles.
 *
 * The timers that move an endpoint with no packet (TIME-WAIT expiry,
 * orphaned FIN-WAIT-2, SYN and SYN-ACK retries, orphan FIN retries), per
 * operating system, with every value overridable from the command line
 * (--timer NAME=SECONDS).  Values and their sources: tcpmortem-analyze(1).
 */
#ifndef TM_PROFILE_H
#define TM_PROFILE_H

#include <stdio.h>
#include "tcpmortem/detector.h"

/* Look up profile NAME ("linux", "rfc9293", ...) into *out; -1 if unknown. */
int profile_get(const char *name, struct tm_profile *out);

/* Apply one override "time-wait=30" to *p; -1 and ERR on a bad one. */
int profile_override(struct tm_profile *p, const char *assignment, char *err, size_t errlen);

/* List the profiles and their values (for --help and the man page test). */
void profile_list(FILE *out);

/* The longest any timer can keep a connection alive with no packet. */
double profile_horizon(const struct tm_profile *p);

#endif

/*
 * profile.c: timer profiles, one table row per operating system.
 *
 * linux: TCP_TIMEWAIT_LEN (60 s, fixed at compile time), tcp_fin_timeout
 * (60 s), tcp_syn_retries (6: gaps 1, 2, 4, 8, 16, 32 s and a last wait of
 * 64 s, so connect() gives up at 127 s), tcp_synack_retries (5: 1+2+4+8+16+32
 * = 63 s), tcp_orphan_retries (0 means 8; with the 200 ms minimum RTO the
 * retransmissions span 0.2 * (2^9 - 1) = 102.2 s), ip_local_port_range
 * 32768-60999.  Sources: Documentation/networking/ip-sysctl.rst and
 * include/net/tcp.h in the Linux tree.
 *
 * freebsd: net.inet.tcp.msl 30 s (TCPTV_MSL, sys/netinet/tcp_timer.h), so
 * 2*MSL = 60 s; net.inet.tcp.finwait2_timeout 60 s (TCPTV_FINWAIT2_TIMEOUT);
 * net.inet.ip.portrange.first/last 10000-65535 (sys/netinet/in.h).
 *
 * rfc9293: MSL of 2 minutes (RFC 9293 section 3.4.2), no other timers.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static const struct tm_profile profiles[] = {
	{ .name = "linux", .time_wait = 60, .fin_wait_2 = 60,
	  .syn_retries = 6, .syn_give_up = 127,
	  .synack_retries = 5, .synack_give_up = 63,
	  .orphan_retries = 8, .orphan_give_up = 102.2,
	  .ephemeral_low = 32768, .ephemeral_high = 60999 },
	{ .name = "freebsd", .time_wait = 60, .fin_wait_2 = 60,
	  .syn_retries = -1, .syn_give_up = 0,
	  .synack_retries = -1, .synack_give_up = 0,
	  .orphan_retries = -1, .orphan_give_up = 0,
	  .ephemeral_low = 10000, .ephemeral_high = 65535 },
	{ .name = "rfc9293", .time_wait = 240, .fin_wait_2 = 0,
	  .syn_retries = -1, .syn_give_up = 0,
	  .synack_retries = -1, .synack_give_up = 0,
	  .orphan_retries = -1, .orphan_give_up = 0,
	  .ephemeral_low = 49152, .ephemeral_high = 65535 },
};

/* What --timer NAME=VALUE may set. */
enum knob_type { KNOB_SECONDS, KNOB_INT, KNOB_PORT };

static const struct knob {
	const char *name;
	size_t offset;
	enum knob_type type;
} knobs[] = {
	{ "time-wait", offsetof(struct tm_profile, time_wait), KNOB_SECONDS },
	{ "fin-wait-2", offsetof(struct tm_profile, fin_wait_2), KNOB_SECONDS },
	{ "syn-give-up", offsetof(struct tm_profile, syn_give_up), KNOB_SECONDS },
	{ "synack-give-up", offsetof(struct tm_profile, synack_give_up), KNOB_SECONDS },
	{ "orphan-give-up", offsetof(struct tm_profile, orphan_give_up), KNOB_SECONDS },
	{ "syn-retries", offsetof(struct tm_profile, syn_retries), KNOB_INT },
	{ "synack-retries", offsetof(struct tm_profile, synack_retries), KNOB_INT },
	{ "orphan-retries", offsetof(struct tm_profile, orphan_retries), KNOB_INT },
	{ "ephemeral-low", offsetof(struct tm_profile, ephemeral_low), KNOB_PORT },
	{ "ephemeral-high", offsetof(struct tm_profile, ephemeral_high), KNOB_PORT },
};

int
profile_get(const char *name, struct tm_profile *out)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0) {
			*out = profiles[i];
			return 0;
		}
	return -1;
}

static int
knob_set(struct tm_profile *p, const struct knob *k, double v)
{
	char *field = (char *)p + k->offset;

	switch (k->type) {
	case KNOB_SECONDS:
		if (v < 0 || v > 86400 * 365)
			return -1;
		*(double *)(void *)field = v;
		return 0;
	case KNOB_INT:
		if (v < -1 || v > 1000 || v != (int)v)
			return -1;
		*(int *)(void *)field = (int)v;
		return 0;
	case KNOB_PORT:
		if (v < 1 || v > 65535 || v != (int)v)
			return -1;
		*(uint32_t *)(void *)field = (uint32_t)v;
		return 0;
	}
	return -1;
}

int
profile_override(struct tm_profile *p, const char *assignment, char *err, size_t errlen)
{
	const char *eq = strchr(assignment, '=');
	char *end;
	double v;

	if (eq == NULL) {
		snprintf(err, errlen, "--timer %s: expected NAME=VALUE", assignment);
		return -1;
	}
	errno = 0;
	v = strtod(eq + 1, &end);
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if (strlen(knobs[i].name) != (size_t)(eq - assignment) ||
		    strncmp(knobs[i].name, assignment, (size_t)(eq - assignment)) != 0)
			continue;
		if (errno != 0 || end == eq + 1 || *end != '\0' || knob_set(p, &knobs[i], v) != 0) {
			snprintf(err, errlen, "--timer %s: bad value", assignment);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "--timer %s: unknown timer (one of time-wait, fin-wait-2, "
	    "syn-give-up, synack-give-up, orphan-give-up, syn-retries, synack-retries, "
	    "orphan-retries, ephemeral-low, ephemeral-high)", assignment);
	return -1;
}

void
profile_list(FILE *out)
{
	fprintf(out, "%-8s %9s %10s %11s %14s %14s %s\n", "profile", "time-wait",
	    "fin-wait-2", "syn-give-up", "synack-give-up", "orphan-give-up", "ephemeral");
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		const struct tm_profile *p = &profiles[i];

		fprintf(out, "%-8s %9g %10g %11g %14g %14g %u-%u\n", p->name, p->time_wait,
		    p->fin_wait_2, p->syn_give_up, p->synack_give_up, p->orphan_give_up,
		    p->ephemeral_low, p->ephemeral_high);
	}
}

double
profile_horizon(const struct tm_profile *p)
{
	double h = p->time_wait;

	if (p->fin_wait_2 > h)
		h = p->fin_wait_2;
	if (p->syn_give_up > h)
		h = p->syn_give_up;
	if (p->synack_give_up > h)
		h = p->synack_give_up;
	if (p->orphan_give_up > h)
		h = p->orphan_give_up;
	return h;
}

/* runopts.c: the options `analyze` and `capture` share (see runopts.h). */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "names.h"
#include "profile.h"
#include "runopts.h"

#define DEFAULT_IDLE_TIMEOUT 7200.0 /* Linux tcp_keepalive_time */
#define DEFAULT_MAX_FLOWS 2000000
#define DEFAULT_MAX_EMBRYONIC 20000 /* about 30 MiB; Linux's SYN backlog is far less */

/* The processors this process may run on, as nproc(1) counts them: under
 * taskset(1) or a container's CPU set, fewer than the machine has. */
static long
usable_processors(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set);
	return sysconf(_SC_NPROCESSORS_ONLN);
}

void
runopts_init(struct runopts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->profile_name = "linux";
	ro->analysis.idle_timeout = DEFAULT_IDLE_TIMEOUT;
	ro->analysis.max_flows = DEFAULT_MAX_FLOWS;
	ro->analysis.max_embryonic = DEFAULT_MAX_EMBRYONIC;
	ro->analysis.progress = 1;
	ro->analysis.threads = usable_processors() > 1 ? 2 : 1;
	/* Packing never changes a result; switching it off is for proving
	 * that (tests/e2e/jobs.sh) and for measuring what it saves. */
	ro->analysis.pack_quiet = getenv("TCPMORTEM_NO_PACK") == NULL ||
	    *getenv("TCPMORTEM_NO_PACK") == '\0';
	/* Nor does reading ahead (tests/e2e/jobs.sh compares). */
	ro->analysis.read_ahead = getenv("TCPMORTEM_NO_READAHEAD") == NULL ||
	    *getenv("TCPMORTEM_NO_READAHEAD") == '\0';
}

static int
push(const char **list, size_t *n, const char *arg, const char *what, char *err, size_t errlen)
{
	if (*n >= RUNOPTS_MAX_LIST) {
		snprintf(err, errlen, "too many %s options", what);
		return -1;
	}
	list[(*n)++] = arg;
	list[*n] = NULL;
	return 1;
}

static int
parse_number(const char *arg, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	return (errno == 0 && end != arg && *end == '\0' && *out >= lo && *out <= hi) ? 0 : -1;
}

int
runopts_parse(struct runopts *ro, int opt, const char *arg, char *err, size_t errlen)
{
	double v;
	int vt;

	switch (opt) {
	case 'd': ro->db = arg; return 1;
	case 'p': ro->profile_name = arg; return 1;
	case 'q': ro->quiet = 1; ro->analysis.progress = 0; return 1;
	case 'n': return 1;     /* tcpdump's habit; addresses are always numeric */
	case 't': return push(ro->timers, &ro->ntimers, arg, "--timer", err, errlen);
	case OPT_PLUGIN_DIR: return push(ro->plugin_dirs, &ro->nplugin_dirs, arg, "--plugin-dir", err, errlen);
	case OPT_DISABLE: return push(ro->disabled, &ro->ndisabled, arg, "--disable", err, errlen);
	case OPT_SET: return push(ro->settings, &ro->nsettings, arg, "--set", err, errlen);
	case OPT_NO_PROGRESS: ro->analysis.progress = 0; return 1;
	case OPT_FORCE: ro->analysis.force = 1; return 1;
	case OPT_PROFILES: ro->list_profiles = 1; return 1;
	case OPT_VANTAGE:
		if ((vt = vantage_parse(arg)) < 0)
			break;
		ro->analysis.vantage = (enum tm_vantage)vt;
		return 1;
	case OPT_IDLE_TIMEOUT:
		if (parse_number(arg, 1, 86400 * 365, &v) != 0)
			break;
		ro->analysis.idle_timeout = v;
		return 1;
	case OPT_MAX_FLOWS:
		if (parse_number(arg, 0, 1e9, &v) != 0 || v != (size_t)v)
			break;
		ro->analysis.max_flows = (size_t)v;
		return 1;
	case OPT_MAX_EMBRYONIC:
		if (parse_number(arg, 0, 1e9, &v) != 0 || v != (size_t)v)
			break;
		ro->analysis.max_embryonic = (size_t)v;
		return 1;
	case 'j':
		if (parse_number(arg, 1, 1024, &v) != 0 || v != (int)v)
			break;
		ro->analysis.threads = (int)v;
		return 1;
	default:
		return 0;
	}
	snprintf(err, errlen, "bad value '%s' for --%s", arg,
	    opt == OPT_VANTAGE ? "vantage (auto, client, server or middle)" :
	    opt == OPT_IDLE_TIMEOUT ? "idle-timeout (seconds)" :
	    opt == 'j' ? "jobs (threads, 1 or more)" :
	    opt == OPT_MAX_EMBRYONIC ? "max-embryonic" : "max-flows");
	return -1;
}

/* Closed connections waiting out TIME-WAIT are spilled beside the
 * database (spill.h), not in /tmp, often a small tmpfs.  Spilling never
 * changes a result; TCPMORTEM_NO_SPILL keeps them in memory, to prove
 * that (tests/e2e/jobs.sh) and to measure what it saves. */
static void
set_spill_dir(struct runopts *ro)
{
	const char *db = cmd_db_path(ro->db), *slash = strrchr(db, '/');
	const char *off = getenv("TCPMORTEM_NO_SPILL");

	if (slash == NULL)
		snprintf(ro->spill_dir, sizeof(ro->spill_dir), ".");
	else if (slash == db)
		snprintf(ro->spill_dir, sizeof(ro->spill_dir), "/");
	else
		snprintf(ro->spill_dir, sizeof(ro->spill_dir), "%.*s", (int)(slash - db), db);
	ro->analysis.spill_dir = off != NULL && *off != '\0' ? NULL : ro->spill_dir;
}

int
runopts_finish(struct runopts *ro, struct detect_options *dopt, char *err, size_t errlen)
{
	if (profile_get(ro->profile_name, &ro->analysis.profile) != 0) {
		snprintf(err, errlen, "unknown profile '%s' (see --profiles)", ro->profile_name);
		return -1;
	}
	for (size_t i = 0; i < ro->ntimers; i++)
		if (profile_override(&ro->analysis.profile, ro->timers[i], err, errlen) != 0)
			return -1;
	memset(dopt, 0, sizeof(*dopt));
	dopt->plugin_dirs = ro->nplugin_dirs ? ro->plugin_dirs : NULL;
	dopt->disabled = ro->ndisabled ? ro->disabled : NULL;
	dopt->settings = ro->nsettings ? ro->settings : NULL;
	dopt->vantage = ro->analysis.vantage;
	set_spill_dir(ro);
	return 0;
}

void
runopts_help(FILE *out)
{
	fputs("  -d, --db PATH          database (default $TCPMORTEM_DB or ./tcpmortem.db)\n"
	    "  -p, --profile NAME     timer profile: linux (default), freebsd, rfc9293\n"
	    "  -t, --timer NAME=SECS  override one timer (time-wait, fin-wait-2, syn-give-up,\n"
	    "                         synack-give-up, orphan-give-up, ...); repeatable\n"
	    "      --profiles         list the profiles and their timers\n"
	    "      --vantage WHERE    auto (default), client, server or middle\n"
	    "      --plugin-dir DIR   load detectors from DIR too; repeatable\n"
	    "      --disable KIND     turn a detector or an anomaly kind off; repeatable\n"
	    "      --set NAME=VALUE   set a detector threshold (see tcpmortem plugins)\n"
	    "      --idle-timeout S   write out a silent open connection after S s (7200)\n"
	    "      --max-flows N      memory cap in connections held at once (2000000)\n"
	    "      --max-embryonic N  cap on connections that never came to life (SYN\n"
	    "                         floods, scans), counted beyond it (20000)\n"
	    "      --force            analyse a capture even if it is already stored\n"
	    "  -j, --jobs N           threads (2 when it may use 2 processors): several files\n"
	    "                         are read N at a time, stored in order; one file\n"
	    "                         is read, and the database written, on threads\n"
	    "                         of their own\n"
	    "  -n                     accepted as in tcpdump: addresses are always numeric\n"
	    "  -q, --quiet            no summary, no progress line\n"
	    "      --no-progress      no progress line\n", out);
}

static const char *hs_name(int i) { return handshake_name((enum handshake)i); }
static const char *cl_name(int i) { return close_name((enum close_type)i); }

/* "  LABEL 3 complete, 1 refused" from a count per outcome. */
static void
print_counts(const char *label, const uint64_t *counts, int n, const char *(*name)(int))
{
	int first = 1;

	printf("  %-11s", label);
	for (int i = 0; i < n; i++) {
		if (counts[i] == 0)
			continue;
		printf("%s%llu %s", first ? "" : ", ", (unsigned long long)counts[i], name(i));
		first = 0;
	}
	printf("%s\n", first ? "-" : "");
}

void
runopts_print_outcomes(const struct analysis_result *res)
{
	print_counts("handshake:", res->handshakes, HS_COUNT, hs_name);
	print_counts("close:", res->closes, CLOSE_COUNT, cl_name);
}

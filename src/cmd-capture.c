/*
 * cmd-capture.c: tcpmortem capture -i IFACE [OPTIONS] [FILTER...]
 *
 * The live form of `analyze`: the same pipeline (analysis.h), fed by a
 * libpcap handle in immediate mode instead of a file.  The order of the
 * steps is the point of this file:
 *
 *   parse ──> open the interface ──> drop privileges (-Z) ──> load the
 *   detectors, open the database ──> mark captures left running by dead
 *   writers interrupted, hold the STARTING lock ──> analysis_run
 *   (checkpoint every --checkpoint seconds; the first status call holds
 *   this capture's lock) ──> final commit ──> summary
 *
 * Only opening the interface needs privileges, so with -Z nothing after it
 * (plugins, SQLite, the queries' database file) runs as root.
 *
 * The capture's row says 'running' from its first checkpoint on.  So that
 * a later writer can tell a capture that is still running from one whose
 * process was killed, this process holds a lock the kernel drops when it
 * dies (recover.h) for as long as the row can say 'running'.
 *
 * Signals never do work themselves.  SIGINT, SIGTERM and the --duration
 * alarm set the stop flag and break the reader's poll, so analysis_run
 * leaves its loop and commits everything; SIGUSR1 sets a flag that the
 * status callback, called from the analysis loop, turns into one line on
 * standard error.  The handlers are installed without SA_RESTART so that a
 * signal interrupts a blocking poll at once.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "analysis.h"
#include "cmd.h"
#include "names.h"
#include "output.h"
#include "profile.h"
#include "reader.h"
#include "recover.h"
#include "runopts.h"

#define BUSY_MS 10000
#define FILTER_MAX 4096
#define DEFAULT_CHECKPOINT 1.0
/* Without -w only headers are needed (payload lengths come from the IP
 * header).  In immediate mode libpcap gives every packet a ring slot of
 * the snaplen: 262144-byte slots leave a 2 MiB buffer 8 of them, and a
 * veth at 10,000 packets/s lost 44% of them; with 512 none. */
#define HEADER_SNAPLEN 512
/* libpcap's 2 MiB ring absorbs a few hundred milliseconds of 10,000
 * packets/s; a busy machine deschedules us longer than that.  32 MiB kept
 * 50,000 packets/s without a drop on a veth (tests/e2e/capture/rate.sh). */
#define DEFAULT_BUFFER_KIB 32768

/* Linux capability numbers (linux/capability.h), for the error message. */
#define CAP_BIT_NET_ADMIN 12
#define CAP_BIT_NET_RAW 13

enum { OPT_DURATION = OPT_RUN_LAST + 1, OPT_CHECKPOINT };

struct capopts {
	const char *iface;
	const char *write_path;
	const char *user;
	int list;
	double count, duration, snaplen, buffer_kib, checkpoint;
	char filter[FILTER_MAX];
};

static const struct option longopts[] = {
	RUNOPTS_LONG,
	{ "interface", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "snapshot-length", required_argument, NULL, 's' },
	{ "buffer-size", required_argument, NULL, 'B' },
	{ "write", required_argument, NULL, 'w' },
	{ "relinquish-privileges", required_argument, NULL, 'Z' },
	{ "list-interfaces", no_argument, NULL, 'D' },
	{ "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* The numeric options: their spelling for errors, bounds and field. */
static const struct numopt {
	int opt;
	const char *name;
	double lo, hi;
	int integer;
	size_t off;
} numopts[] = {
	{ 'c', "-c", 1, 1e15, 1, offsetof(struct capopts, count) },
	{ OPT_DURATION, "--duration", 0.001, 1e8, 0, offsetof(struct capopts, duration) },
	{ 's', "-s", 1, 262144, 1, offsetof(struct capopts, snaplen) },
	{ 'B', "-B", 1, 4194304, 1, offsetof(struct capopts, buffer_kib) },
	{ OPT_CHECKPOINT, "--checkpoint", 0.01, 86400, 0, offsetof(struct capopts, checkpoint) },
};

/* What the analysis loop's periodic hook needs. */
struct live {
	struct reader *reader;
	struct recover *recover;
	int claimed;            /* this capture's lock is held */
};

static atomic_int stop_requested; /* lock-free: safe in a signal handler */
static volatile sig_atomic_t status_requested;
static struct reader *live_reader;      /* set before the handlers are installed */

static void
help(FILE *out)
{
	cmd_usage(&cmd_capture_entry, out);
	fputs("\nFILTER is a BPF expression (as in tcpdump), ANDed with \"tcp\".\n"
	    "\nOptions:\n"
	    "  -i, --interface IFACE  capture on IFACE (\"any\": all interfaces)\n"
	    "  -D, --list-interfaces  list the interfaces and exit\n"
	    "  -c, --count N          stop after N packets\n"
	    "      --duration S       stop after S seconds\n"
	    "  -s, --snapshot-length N  bytes kept per packet (default 512, the headers;\n"
	    "                         262144 with -w)\n"
	    "  -B, --buffer-size KIB  kernel capture buffer, KiB (default 32768)\n"
	    "  -w, --write FILE       also write the raw packets to FILE (pcap)\n"
	    "  -Z, --relinquish-privileges USER\n"
	    "                         run as USER once the interface is open\n"
	    "      --checkpoint S     commit open connections every S seconds (default 1)\n", out);
	runopts_help(out);
	fputs("  -h, --help             this help; man tcpmortem-capture for more\n"
	    "\nSIGINT or SIGTERM stops and stores everything; SIGUSR1 prints a status line.\n", out);
}

/* --- signals -------------------------------------------------------------- */

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (live_reader != NULL)
		reader_break(live_reader);
}

static void
on_status(int sig)
{
	(void)sig;
	status_requested = 1;
}

static const struct {
	int sig;
	void (*handler)(int);
} handlers[] = {
	{ SIGINT, on_stop }, { SIGTERM, on_stop }, { SIGALRM, on_stop }, { SIGUSR1, on_status },
};

/* No SA_RESTART: a signal must cut the reader's poll short. */
static void
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		sa.sa_handler = handlers[i].handler;
		sigaction(handlers[i].sig, &sa, NULL);
	}
}

/* --duration: SIGALRM after S seconds of wall time. */
static void
duration_arm(double s)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	if (s <= 0)
		return;
	it.it_value.tv_sec = (time_t)s;
	it.it_value.tv_usec = (suseconds_t)((s - (double)(time_t)s) * 1e6);
	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* The analysis loop's periodic hook: hold this capture's lock once its id
 * is known; answer SIGUSR1 here, not in the handler. */
static void
live_status(void *ctx, const struct analysis_result *res, size_t open_flows)
{
	struct live *l = ctx;
	struct reader *r = l->reader;
	char *iface;

	if (!l->claimed && res->capture_id != 0)
		l->claimed = recover_claim(l->recover, res->capture_id) == 0;
	if (!status_requested)
		return;
	status_requested = 0;
	iface = output_escape(reader_path(r));
	fprintf(stderr, "%s: %llu packets, %llu connections (%zu open), %llu findings, "
	    "%llu dropped by kernel\n", iface,
	    (unsigned long long)res->info.packets,
	    (unsigned long long)(res->info.flows + open_flows), open_flows,
	    (unsigned long long)res->findings, (unsigned long long)reader_kernel_drops(r));
	free(iface);
}

/* --- privileges ------------------------------------------------------------ */

/* Effective capability set of this process, from /proc; 0 if unknown. */
static unsigned long long
effective_caps(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

/* Why an unprivileged open failed, in words; "" when privileges are not
 * it or when the reader's message (WHY) already says so. */
static const char *
missing_rights(const char *why)
{
	if (geteuid() == 0 || (effective_caps() >> CAP_BIT_NET_RAW & 1) ||
	    strstr(why, "CAP_NET_RAW") != NULL)
		return "";
	return " (capturing needs root or the CAP_NET_RAW capability, "
	    "e.g. setcap cap_net_raw,cap_net_admin=eip on the tcpmortem binary)";
}

/* Become USER for good: supplementary groups, group, then user, as
 * tcpdump -Z does; the -w file is handed over first so USER owns it. */
static int
drop_privileges(const char *user, const char *write_path, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);
	uid_t uid;
	gid_t gid;

	if (pw == NULL) {
		snprintf(err, errlen, "-Z %s: the user has gone", user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (write_path != NULL && strcmp(write_path, "-") != 0 && chown(write_path, uid, gid) != 0) {
		snprintf(err, errlen, "%s: cannot hand it to %s: %s", write_path, user, strerror(errno));
		return -1;
	}
	if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "-Z %s: cannot drop privileges: %s", user, strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "-Z %s: root could be regained after dropping it; refusing", user);
		return -1;
	}
	return 0;
}

/* --- the run --------------------------------------------------------------- */



/* The interface and database names are escaped: anyone's bytes. */
static void
report(const char *db, const struct analysis_result *res)
{
	const struct capture_info *ci = &res->info;
	char *iface = output_escape(ci->path), *dbname = output_escape(db);

	printf("%s: capture %lld in %s: %llu packet%s (%llu TCP), %llu connection%s, "
	    "%llu finding%s, %llu dropped by kernel\n",
	    iface, (long long)res->capture_id, dbname, (unsigned long long)ci->packets,
	    output_plural(ci->packets), (unsigned long long)ci->tcp_packets,
	    (unsigned long long)ci->flows, output_plural(ci->flows),
	    (unsigned long long)res->findings, output_plural(res->findings),
	    (unsigned long long)ci->drops);
	free(iface);
	free(dbname);
	runopts_print_outcomes(res);
}

/* Everything after the interface is open (and privileges are dropped). */
static int
run_analysis(struct reader *r, struct capopts *co, struct runopts *ro,
    struct detect_options *dopt)
{
	struct analysis_result res;
	struct live *l = ro->analysis.status_ctx;
	struct detect *d;
	struct store *st;
	char err[512];
	enum analysis_status s;

	if ((d = detect_load(dopt, err, sizeof(err))) == NULL) {
		cmd_error("%s", err);
		return EXIT_USAGE;
	}
	if ((st = store_open(cmd_db_path(ro->db), STORE_WRITE, BUSY_MS, err, sizeof(err))) == NULL) {
		detect_free(d);
		cmd_error("%s", err);
		return EXIT_IO;
	}
	l->recover = recover_open(cmd_db_path(ro->db));
	cmd_recover(l->recover, st, cmd_db_path(ro->db), ro->quiet);
	recover_starting(l->recover);
	duration_arm(co->duration);
	s = analysis_run(st, d, r, &ro->analysis, &res, err, sizeof(err));
	duration_arm(0);
	store_close(st);
	recover_close(l->recover);      /* only now: see recover.h */
	l->recover = NULL;
	detect_free(d);
	if (s == ANALYSIS_FAILED) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	if (res.damaged)
		cmd_error("%s", res.damage);
	if (!ro->quiet)
		report(cmd_db_path(ro->db), &res);
	return s == ANALYSIS_DAMAGED ? EXIT_DAMAGED : EXIT_OK;
}

/* Whether NAME needs no escaping: the progress line prints it as it is. */
static int
name_is_plain(const char *name)
{
	char *safe = output_escape(name);
	int plain = strcmp(safe, name) == 0;

	free(safe);
	return plain;
}

/* A live capture is always new: no duplicate check, periodic commits. */
static void
live_options(struct runopts *ro, struct capopts *co, struct live *l)
{
	ro->analysis.force = 1;
	ro->analysis.checkpoint_interval = co->checkpoint;
	ro->analysis.stop = &stop_requested;
	ro->analysis.max_packets = (uint64_t)co->count;
	ro->analysis.progress = ro->analysis.progress && isatty(STDERR_FILENO) &&
	    name_is_plain(co->iface);
	ro->analysis.status = live_status;
	ro->analysis.status_ctx = l;
	if (co->write_path != NULL && strcmp(co->write_path, "-") == 0)
		ro->quiet = 1;  /* standard output carries the packets */
}

static int
run(struct capopts *co, struct runopts *ro)
{
	struct reader_options rdo = {
	    .snaplen = co->snaplen > 0 ? (int)co->snaplen : co->write_path ? 0 : HEADER_SNAPLEN,
	    .buffer_kib = co->buffer_kib > 0 ? (int)co->buffer_kib : DEFAULT_BUFFER_KIB,
	    .write_path = co->write_path,
	    .filter = co->filter[0] != '\0' ? co->filter : NULL };
	struct detect_options dopt;
	struct reader *r;
	struct live l = { NULL, NULL, 0 };
	char err[512];
	int status;

	if (runopts_finish(ro, &dopt, err, sizeof(err)) != 0) {
		cmd_error("capture: %s", err);
		return EXIT_USAGE;
	}
	if ((r = reader_open_live(co->iface, &rdo, err, sizeof(err))) == NULL) {
		cmd_error("%s%s", err, missing_rights(err));
		return EXIT_IO;
	}
	if (co->user != NULL && drop_privileges(co->user, co->write_path, err, sizeof(err)) != 0) {
		reader_close(r);
		cmd_error("%s", err);
		return EXIT_IO;
	}
	live_reader = r;
	l.reader = r;
	live_options(ro, co, &l);
	signals_install();
	status = run_analysis(r, co, ro, &dopt);
	live_reader = NULL;
	reader_close(r);
	return status;
}

/* --- the command line ------------------------------------------------------ */

/* Parse a numeric option of the table into CO: 1 taken, 0 not numeric, -1 bad. */
static int
parse_numeric(struct capopts *co, int opt, const char *arg)
{
	for (size_t i = 0; i < sizeof(numopts) / sizeof(numopts[0]); i++) {
		const struct numopt *n = &numopts[i];
		char *end;
		double v;

		if (n->opt != opt)
			continue;
		errno = 0;
		v = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' || v < n->lo || v > n->hi ||
		    (n->integer && v != (double)(long long)v)) {
			cmd_error("capture: %s %s: expected %s from %g to %g", n->name, arg,
			    n->integer ? "a whole number" : "a number", n->lo, n->hi);
			return -1;
		}
		*(double *)(void *)((char *)co + n->off) = v;
		return 1;
	}
	return 0;
}

/* The trailing words, joined with spaces, as tcpdump does. */
static int
join_filter(struct capopts *co, char **words, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		int w = snprintf(co->filter + len, sizeof(co->filter) - len, "%s%s",
		    i > 0 ? " " : "", words[i]);

		if (w < 0 || (size_t)w >= sizeof(co->filter) - len) {
			cmd_error("capture: the filter is longer than %d characters", FILTER_MAX - 1);
			return -1;
		}
		len += (size_t)w;
	}
	return 0;
}

/* The options that are capture's own: 1 taken, -1 bad or help, 0 unknown. */
static int
parse_own(struct capopts *co, int opt, const char *arg)
{
	switch (opt) {
	case 'i': co->iface = arg; return 1;
	case 'w': co->write_path = arg; return 1;
	case 'Z': co->user = arg; return 1;
	case 'D': co->list = 1; return 1;
	default: return parse_numeric(co, opt, arg);
	}
}

static int
list_interfaces(void)
{
	char err[512];

	if (reader_list_interfaces(stdout, err, sizeof(err)) != 0) {
		cmd_error("capture: %s%s", err, missing_rights(err));
		return EXIT_IO;
	}
	return EXIT_OK;
}

/* What the options cannot say alone: an interface, a real -Z user, the
 * filter words.  0, or -1 after saying what is wrong. */
static int
check_args(struct capopts *co, char **words, int nwords)
{
	if (co->user != NULL && getpwnam(co->user) == NULL) {
		cmd_error("capture: -Z %s: no such user", co->user);
		return -1;
	}
	if (co->iface == NULL) {
		cmd_error("capture: no interface given (tcpmortem capture -i IFACE; -D lists them)");
		return -1;
	}
	return join_filter(co, words, nwords);
}

static int
cmd_capture_exec(int argc, char **argv)
{
	struct capopts co = { .checkpoint = DEFAULT_CHECKPOINT };
	struct runopts ro;
	char err[256];
	int opt, r;

	runopts_init(&ro);
	optind = 1;
	while ((opt = getopt_long(argc, argv, RUNOPTS_SHORT "i:c:s:B:w:Z:Dh", longopts, NULL)) != -1) {
		if ((r = runopts_parse(&ro, opt, optarg, err, sizeof(err))) < 0) {
			cmd_error("capture: %s", err);
			return EXIT_USAGE;
		}
		if (r == 0 && opt == 'h') {
			help(stdout);
			return EXIT_OK;
		}
		if (r == 0 && (r = parse_own(&co, opt, optarg)) <= 0) {
			if (r == 0)
				help(stderr);
			return EXIT_USAGE;
		}
	}
	if (ro.list_profiles) {
		profile_list(stdout);
		return EXIT_OK;
	}
	if (co.list)
		return list_interfaces();
	if (check_args(&co, argv + optind, argc - optind) != 0)
		return EXIT_USAGE;
	return run(&co, &ro);
}

const struct cmd_entry cmd_capture_entry = {
	.name = "capture",
	.usage = "-i IFACE [OPTIONS] [FILTER...]",
	.summary = "the same, live, from an interface",
	.exec = cmd_capture_exec,
};

/*
 * cmd-analyze.c: tcpmortem analyze [OPTIONS] FILE...
 *
 * Each file (or "-", standard input) is one capture, analysed in its own
 * transaction; a file already stored is skipped.  With -j 2 or more and
 * several files, they are read at once (parallel.h) and stored in the
 * order given, with the same result; into a database that holds rows, a
 * file is written apart first and copied in (parallel.h too).  The exit
 * status is the worst of the files': damage is 1, a file or database that
 * cannot be opened or written is 3; a signal that stopped a run of
 * several files is 128 + its number.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "cmd.h"
#include "names.h"
#include "output.h"
#include "parallel.h"
#include "profile.h"
#include "reader.h"
#include "recover.h"
#include "runopts.h"

#define BUSY_MS 10000

static const struct option longopts[] = {
	RUNOPTS_LONG,
	{ "read", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
help(FILE *out)
{
	cmd_usage(&cmd_analyze_entry, out);
	fputs("\nOptions:\n  -r, --read FILE        a capture to read (as tcpdump -r); repeatable\n", out);
	runopts_help(out);
	fputs("  -h, --help             this help; man tcpmortem-analyze for more\n", out);
}



/* The file and database names are escaped: anyone's bytes. */
static void
report(const char *db, const struct analysis_result *res)
{
	const struct capture_info *ci = &res->info;
	char *path = output_escape(ci->path), *dbname = output_escape(db);

	if (res->capture_id == 0)
		printf("%s: already analysed as capture %lld in %s (--force to analyse it again)\n",
		    path, (long long)res->duplicate_of, dbname);
	else
		printf("%s: capture %lld in %s: %llu packet%s (%llu TCP), %llu connection%s, "
		    "%llu finding%s\n", path, (long long)res->capture_id, dbname,
		    (unsigned long long)ci->packets, output_plural(ci->packets),
		    (unsigned long long)ci->tcp_packets,
		    (unsigned long long)ci->flows, output_plural(ci->flows),
		    (unsigned long long)res->findings, output_plural(res->findings));
	free(path);
	free(dbname);
	if (res->capture_id == 0)
		return;
	if (res->replaced != 0)
		printf("  replaces capture %lld\n", (long long)res->replaced);
	runopts_print_outcomes(res);
}

/* What was wrong with the input, as one line naming the file: the damage
 * that ended the reading, the frames skipped before it, or both. */
static void
report_damage(const struct analysis_result *res)
{
	char skipped[512] = "";

	if (res->bad_frames > 0)
		snprintf(skipped, sizeof(skipped), "%s (%llu such frames skipped)",
		    res->first_bad, (unsigned long long)res->bad_frames);
	if (res->damaged && res->bad_frames > 0)
		cmd_error("%s; before it, %s", res->damage, skipped);
	else if (res->damaged)
		cmd_error("%s", res->damage);
	else if (res->bad_frames > 0)
		cmd_error("%s: %s", res->info.path, skipped);
}

static int
worst(int a, int b)
{
	return a > b ? a : b;
}

/* One file's outcome, reported; returns its exit status. */
static int
conclude(struct runopts *ro, enum analysis_status s, const struct analysis_result *res,
    const char *err)
{
	if (s == ANALYSIS_FAILED) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	report_damage(res);
	if (!ro->quiet)
		report(cmd_db_path(ro->db), res);
	return s == ANALYSIS_DAMAGED ? EXIT_DAMAGED : EXIT_OK;
}

/* Analyse one file; returns its exit status. */
static int
analyze_one(const char *path, struct store *st, struct detect *d, struct runopts *ro)
{
	struct reader_options rdo = { 0 };
	struct analysis_options opts;
	struct analysis_result res;
	struct reader *r;
	char err[512], *safe;
	enum analysis_status s;
	int status;

	if ((r = reader_open_file(path, &rdo, err, sizeof(err))) == NULL) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	opts = ro->analysis;
	/* The progress line prints the path as it is: not one that needs
	 * escaping, which could drive the terminal. */
	safe = output_escape(path);
	opts.progress = opts.progress && strcmp(safe, path) == 0;
	free(safe);
	s = analysis_run(st, d, r, &opts, &res, err, sizeof(err));
	status = conclude(ro, s, &res, err);
	reader_close(r);                /* res.info.path points into it */
	return status;
}

/* parallel_done_fn: a file written apart, in order. */
struct parallel_status {
	struct runopts *ro;
	int status;
};

static void
parallel_done(void *ctx, const char *path, enum analysis_status s,
    const struct analysis_result *res, const char *err)
{
	struct parallel_status *ps = ctx;

	(void)path;
	ps->status = worst(ps->status, conclude(ps->ro, s, res, err));
}

/* TCPMORTEM_NO_APART: every capture straight into the database, row by
 * row, as before parallel.h; the results are the same (tests/e2e/
 * parallel.sh compares), so this is for proving that and measuring. */
static int
write_direct(void)
{
	const char *v = getenv("TCPMORTEM_NO_APART");

	return v != NULL && *v != '\0';
}

/* Files to read at once: -j's, or 1 if standard input is among them
 * twice (it can be read only once, by one). */
static int
jobs_for(char **files, int nfiles, const struct runopts *ro)
{
	int stdin_seen = 0;

	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i], "-") == 0 && stdin_seen++)
			return 1;
	return ro->analysis.threads;
}

static int
analyze_apart(char **files, int nfiles, struct store *st,
    const struct detect_options *dopt, struct runopts *ro)
{
	struct parallel_status ps = { .ro = ro, .status = EXIT_OK };
	struct parallel_options po = { .jobs = jobs_for(files, nfiles, ro),
	    .db_path = cmd_db_path(ro->db), .detect = dopt, .analysis = &ro->analysis,
	    .done = parallel_done, .ctx = &ps };
	char err[512];
	int rc = parallel_analyze(st, files, (size_t)nfiles, &po, err, sizeof(err));

	if (rc < 0) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	if (rc > 0) {
		cmd_error("analyze: interrupted (%s); the files stored before it stay stored",
		    strsignal(rc));
		return 128 + rc;
	}
	return ps.status;
}

/* Whether FILE may hold a capture: standard input or anything but a
 * regular file (a named pipe, /dev/fd/N) may, and is not read here, which
 * would take its bytes; a regular file must open as one.  If not, ERR says
 * why, as reading it would. */
static int
may_be_capture(const char *file, char *err, size_t errlen)
{
	struct stat sb;
	struct reader *r;

	if (strcmp(file, "-") == 0)
		return 1;
	if (stat(file, &sb) != 0 || access(file, R_OK) != 0)
		return snprintf(err, errlen, "%s: %s", file, strerror(errno)), 0;
	if (!S_ISREG(sb.st_mode))
		return 1;
	if ((r = reader_open_file(file, NULL, err, errlen)) == NULL)
		return 0;
	reader_close(r);
	return 1;
}

/* Whether any of FILES may hold a capture.  When none can (a mistyped
 * name, a text file), each one's error is printed as reading it would
 * print it, and the caller stops before opening the database: a run that
 * can store nothing must not leave a new, empty database behind. */
static int
any_capture(char **files, int nfiles)
{
	char err[512];

	for (int i = 0; i < nfiles; i++)
		if (may_be_capture(files[i], err, sizeof(err)))
			return 1;
	for (int i = 0; i < nfiles; i++)
		if (!may_be_capture(files[i], err, sizeof(err)))
			cmd_error("%s", err);
	return 0;
}

static int
run(char **files, int nfiles, struct runopts *ro)
{
	struct detect_options dopt;
	struct detect *d;
	struct store *st;
	struct recover *rec;
	char err[512];
	int status = EXIT_OK, held;

	if (runopts_finish(ro, &dopt, err, sizeof(err)) != 0) {
		cmd_error("analyze: %s", err);
		return EXIT_USAGE;
	}
	if ((d = detect_load(&dopt, err, sizeof(err))) == NULL) {
		cmd_error("%s", err);
		return EXIT_USAGE;
	}
	if (!any_capture(files, nfiles)) {
		detect_free(d);
		return EXIT_IO;
	}
	if ((st = store_open(cmd_db_path(ro->db), STORE_WRITE, BUSY_MS, err, sizeof(err))) == NULL) {
		detect_free(d);
		cmd_error("%s", err);
		return EXIT_IO;
	}
	rec = recover_open(cmd_db_path(ro->db));
	cmd_recover(rec, st, cmd_db_path(ro->db), ro->quiet);
	ro->analysis.progress = ro->analysis.progress && isatty(STDERR_FILENO);
	/* Several files into an empty database: indices once, at the end. */
	held = nfiles > 1 && store_hold_indices(st);
	if (nfiles > 1 && jobs_for(files, nfiles, ro) > 1 && !write_direct())
		status = analyze_apart(files, nfiles, st, &dopt, ro);
	else
		for (int i = 0; i < nfiles; i++) {
			/* Into a database that holds rows, the captures are
			 * written apart and then copied in (parallel.h): the
			 * indices are kept up to date in one pass, not row by
			 * row.  A first one into an empty file goes straight in. */
			if (store_holds_rows(st) && !write_direct()) {
				status = worst(status, analyze_apart(&files[i], nfiles - i, st,
				    &dopt, ro));
				break;
			}
			status = worst(status, analyze_one(files[i], st, d, ro));
		}
	if (held && store_release_indices(st, err, sizeof(err)) != 0) {
		cmd_error("%s (the captures are stored; the next write builds the indices)", err);
		status = worst(status, EXIT_IO);
	}
	store_close(st);
	recover_close(rec);     /* only now: see recover.h */
	detect_free(d);
	return status;
}

static int
cmd_analyze_exec(int argc, char **argv)
{
	struct runopts ro;
	char *files[256];
	int nfiles = 0, opt, r;
	char err[256];

	runopts_init(&ro);
	optind = 1;
	while ((opt = getopt_long(argc, argv, RUNOPTS_SHORT "r:h", longopts, NULL)) != -1) {
		if ((r = runopts_parse(&ro, opt, optarg, err, sizeof(err))) < 0) {
			cmd_error("analyze: %s", err);
			return EXIT_USAGE;
		}
		if (r > 0)
			continue;
		if (opt == 'h') {
			help(stdout);
			return EXIT_OK;
		}
		if (opt != 'r' || nfiles >= 256) {
			help(stderr);
			return EXIT_USAGE;
		}
		files[nfiles++] = optarg;
	}
	if (ro.list_profiles) {
		profile_list(stdout);
		return EXIT_OK;
	}
	for (; optind < argc && nfiles < 256; optind++)
		files[nfiles++] = argv[optind];
	if (nfiles == 0) {
		cmd_error("analyze: no capture given (tcpmortem analyze FILE..., or - for standard input)");
		return EXIT_USAGE;
	}
	return run(files, nfiles, &ro);
}

const struct cmd_entry cmd_analyze_entry = {
	.name = "analyze",
	.usage = "[OPTIONS] FILE...",
	.summary = "read captures, reconstruct every TCP connection, store it",
	.exec = cmd_analyze_exec,
};

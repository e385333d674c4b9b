/*
 * runopts.h: the options `analyze` and `capture` share.
 *
 * Both run the same analysis (analysis.h), so both take the database, the
 * timer profile and its overrides, the vantage, and the detector options
 * with the same spellings.  A command includes RUNOPTS_LONG in its
 * getopt_long table and RUNOPTS_SHORT in its short string, and hands every
 * option to runopts_parse first.
 */
#ifndef TM_RUNOPTS_H
#define TM_RUNOPTS_H

#include <getopt.h>
#include <stdio.h>
#include "analysis.h"
#include "detect.h"

enum {
	OPT_VANTAGE = 1000, OPT_PLUGIN_DIR, OPT_DISABLE, OPT_SET, OPT_IDLE_TIMEOUT,
	OPT_MAX_FLOWS, OPT_MAX_EMBRYONIC, OPT_NO_PROGRESS, OPT_FORCE, OPT_PROFILES, OPT_RUN_LAST
};

#define RUNOPTS_SHORT "d:p:t:qnj:"
#define RUNOPTS_LONG \
	{ "db", required_argument, NULL, 'd' }, \
	{ "profile", required_argument, NULL, 'p' }, \
	{ "timer", required_argument, NULL, 't' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "jobs", required_argument, NULL, 'j' }, \
	{ "vantage", required_argument, NULL, OPT_VANTAGE }, \
	{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR }, \
	{ "disable", required_argument, NULL, OPT_DISABLE }, \
	{ "set", required_argument, NULL, OPT_SET }, \
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT }, \
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS }, \
	{ "max-embryonic", required_argument, NULL, OPT_MAX_EMBRYONIC }, \
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS }, \
	{ "force", no_argument, NULL, OPT_FORCE }, \
	{ "profiles", no_argument, NULL, OPT_PROFILES }

#define RUNOPTS_MAX_LIST 64

struct runopts {
	const char *db;
	const char *profile_name;
	const char *timers[RUNOPTS_MAX_LIST];
	size_t ntimers;
	const char *plugin_dirs[RUNOPTS_MAX_LIST + 1];
	size_t nplugin_dirs;
	const char *disabled[RUNOPTS_MAX_LIST + 1];
	size_t ndisabled;
	const char *settings[RUNOPTS_MAX_LIST + 1];
	size_t nsettings;
	int quiet;
	int list_profiles;
	struct analysis_options analysis;
	char spill_dir[4096];   /* the database's directory */
};

/* Defaults: profile linux, vantage auto, idle timeout 7200 s, 2,000,000
 * flows, 20,000 embryonic flows, two threads when the machine has two processors. */
void runopts_init(struct runopts *ro);

/* Take option OPT with ARG if it is a shared one: 1 taken, 0 not ours,
 * -1 bad value (ERR says why). */
int runopts_parse(struct runopts *ro, int opt, const char *arg, char *err, size_t errlen);

/* Resolve the profile and its overrides; fill the detector options. */
int runopts_finish(struct runopts *ro, struct detect_options *dopt, char *err, size_t errlen);

/* Print the lines "  handshake: 3 complete, 1 refused" and "  close: ..."
 * of a run's summary. */
void runopts_print_outcomes(const struct analysis_result *res);

/* The shared options' help lines. */
void runopts_help(FILE *out);

#endif

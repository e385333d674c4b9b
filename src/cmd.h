/*
 * cmd.h: the subcommands, as a table.
 *
 * Each subcommand lives in its own cmd-NAME.c and exports one
 * const struct cmd_entry; main.c dispatches by looping over cmd_table.
 * Commands return an exit status (enum exit_status); they print their own
 * results, and their errors as one line "tcpmortem: WHAT: why" via
 * cmd_error().
 */
#ifndef TM_CMD_H
#define TM_CMD_H

#include <stdio.h>
#include "tcpmortem/detector.h"

enum exit_status {
	EXIT_OK = 0,            /* success */
	EXIT_DAMAGED = 1,       /* done, but the input was damaged */
	EXIT_USAGE = 2,         /* bad command line */
	EXIT_IO = 3             /* input or database could not be opened or written */
};

struct cmd_entry {
	const char *name;
	const char *usage;      /* "[OPTIONS] FILE..." */
	const char *summary;    /* one line, for `tcpmortem help` */
	int (*exec)(int argc, char **argv); /* argv[0] is the command name */
};

extern const struct cmd_entry cmd_analyze_entry;
extern const struct cmd_entry cmd_capture_entry;
extern const struct cmd_entry cmd_flows_entry;
extern const struct cmd_entry cmd_anomalies_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_summary_entry;
extern const struct cmd_entry cmd_browse_entry;
extern const struct cmd_entry cmd_plugins_entry;
extern const struct cmd_entry cmd_help_entry;

/* NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/* Print "tcpmortem: " FMT to standard error, once, as one line. */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The database path: --db, else $TCPMORTEM_DB, else ./tcpmortem.db. */
const char *cmd_db_path(const char *opt);

struct store;
struct recover;

/* Mark the captures of ST (database DB) left 'running' by a writer that is
 * gone as 'interrupted' (recover.h), saying so on standard error unless
 * QUIET.  A failure is only reported: the command's work goes on. */
void cmd_recover(struct recover *r, struct store *st, const char *db, int quiet);

/* Print a command's usage (its --help) to OUT. */
void cmd_usage(const struct cmd_entry *e, FILE *out);

#endif

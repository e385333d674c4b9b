/*
 * cmd-list.h: what `flows` and `anomalies` share: a listing command.
 *
 * Both parse the same kind of command line (query_cli_parse), open the
 * database for reading, run one SELECT over one table with the filters as
 * bound parameters, and print the rows in the chosen format.  A command
 * is then just its table of columns, options and help.
 */
#ifndef TM_CMD_LIST_H
#define TM_CMD_LIST_H

#include <getopt.h>
#include <stddef.h>
#include "cmd.h"
#include "output.h"
#include "query.h"

struct list_command {
	const struct cmd_entry *entry;
	const struct option *options;   /* getopt_long table */
	const char *help;               /* option lines for --help */
	const struct output_column *columns;
	size_t ncolumns;
	enum query_target target;
	const char *from;               /* "flows AS f", with the alias the columns use */
};

/* Run the listing command LC with ARGC/ARGV; returns an exit status. */
int list_command_run(const struct list_command *lc, int argc, char **argv);

#endif

/*
 * main.c: tcpmortem, how every TCP connection was born and how it died.
 *
 * git-style: `tcpmortem CMD [OPTIONS] [ARGS]`.  The commands are the table
 * in cmd.h; this file only finds the one asked for.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_analyze_entry,
	&cmd_capture_entry,
	&cmd_flows_entry,
	&cmd_anomalies_entry,
	&cmd_show_entry,
	&cmd_summary_entry,
	&cmd_browse_entry,
	&cmd_plugins_entry,
	&cmd_help_entry,
	NULL
};

int
main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_usage(NULL, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("tcpmortem %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cmd_usage(NULL, stdout);
		return EXIT_OK;
	}
	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
		if (strcmp((*e)->name, argv[1]) == 0)
			return (*e)->exec(argc - 1, argv + 1);
	cmd_error("'%s' is not a command; see 'tcpmortem help'", argv[1]);
	return EXIT_USAGE;
}

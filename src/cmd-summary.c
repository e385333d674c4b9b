/* cmd-summary.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_summary_exec(int argc, char **argv)
{
	cmd_error("summary: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_summary_entry = {
	.name = "summary",
	.usage = "[FILTERS]",
	.summary = "counts and the diagnosis, per capture and per host",
	.exec = cmd_summary_exec,
};

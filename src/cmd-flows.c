/* cmd-flows.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_flows_exec(int argc, char **argv)
{
	cmd_error("flows: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_flows_entry = {
	.name = "flows",
	.usage = "[FILTERS]",
	.summary = "list connections",
	.exec = cmd_flows_exec,
};

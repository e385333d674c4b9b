/* cmd-analyze.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_analyze_exec(int argc, char **argv)
{
	cmd_error("analyze: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_analyze_entry = {
	.name = "analyze",
	.usage = "[OPTIONS] FILE...",
	.summary = "read captures, reconstruct every TCP connection, store it",
	.exec = cmd_analyze_exec,
};

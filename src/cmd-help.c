/* cmd-help.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_help_exec(int argc, char **argv)
{
	cmd_error("help: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show help for a command",
	.exec = cmd_help_exec,
};

/* cmd-show.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_show_exec(int argc, char **argv)
{
	cmd_error("show: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.usage = "FLOW",
	.summary = "one connection: timelines, ladder diagram, findings",
	.exec = cmd_show_exec,
};

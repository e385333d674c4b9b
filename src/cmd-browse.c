/* cmd-browse.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_browse_exec(int argc, char **argv)
{
	cmd_error("browse: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_browse_entry = {
	.name = "browse",
	.usage = "[OPTIONS]",
	.summary = "the ncurses browser over the database",
	.exec = cmd_browse_exec,
};

/* cmd-plugins.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_plugins_exec(int argc, char **argv)
{
	cmd_error("plugins: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_plugins_entry = {
	.name = "plugins",
	.usage = "[OPTIONS]",
	.summary = "the loaded detectors and the kinds each reports",
	.exec = cmd_plugins_exec,
};

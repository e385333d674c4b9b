/* cmd-capture.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_capture_exec(int argc, char **argv)
{
	cmd_error("capture: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_capture_entry = {
	.name = "capture",
	.usage = "-i IFACE [OPTIONS] [FILTER...]",
	.summary = "the same, live, from an interface",
	.exec = cmd_capture_exec,
};

/* cmd-anomalies.c: placeholder until the command is written. */
#include "config.h"

#include "cmd.h"

static int
cmd_anomalies_exec(int argc, char **argv)
{
	cmd_error("anomalies: not implemented yet");
	return EXIT_USAGE;
}

const struct cmd_entry cmd_anomalies_entry = {
	.name = "anomalies",
	.usage = "[FILTERS]",
	.summary = "list findings",
	.exec = cmd_anomalies_exec,
};

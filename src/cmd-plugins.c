/*
 * cmd-plugins.c: tcpmortem plugins [-o table|json] [--plugin-dir DIR]...
 *
 * Loads the detectors exactly as analyze would (same path, same refusals,
 * same --disable and --set checks) and lists each one: its name, the file
 * it came from, its version, the kinds it reports and its options with
 * their defaults.  A refused plugin is the command's error.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "detect.h"

#define MAX_LIST 64

enum { OPT_PLUGIN_DIR = 1000, OPT_DISABLE, OPT_SET, OPT_NO_DEFAULT };

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'o' },
	{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
	{ "disable", required_argument, NULL, OPT_DISABLE },
	{ "set", required_argument, NULL, OPT_SET },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
help(FILE *out)
{
	cmd_usage(&cmd_plugins_entry, out);
	fputs("\n  -o, --format FMT      table (default) or json (one object per line)\n"
	    "      --plugin-dir DIR  load detectors from DIR first; repeatable\n"
	    "      --disable KIND    show KIND's detector as disabled; repeatable\n"
	    "      --set NAME=VALUE  check a detector option as analyze would\n"
	    "\nWriting a detector: tcpmortem-detector(7).\n", out);
}

/* Append ARG to the NULL-terminated LIST; -1 when full. */
static int
push(const char **list, size_t *n, const char *arg)
{
	if (*n >= MAX_LIST)
		return -1;
	list[(*n)++] = arg;
	list[*n] = NULL;
	return 0;
}

struct args {
	const char *dirs[MAX_LIST + 1], *dis[MAX_LIST + 1], *set[MAX_LIST + 1];
	size_t ndirs, ndis, nset;
	int format;
};

/* Parse the command line into A: EXIT_OK to go on, -1 after --help, or a
 * usage error. */
static int
parse(int argc, char **argv, struct args *a)
{
	int c, full = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (strcmp(optarg, "json") == 0)
				a->format = DETECT_LIST_JSON;
			else if (strcmp(optarg, "table") != 0) {
				cmd_error("plugins: unknown format '%s' (table or json)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_PLUGIN_DIR: full |= push(a->dirs, &a->ndirs, optarg); break;
		case OPT_DISABLE: full |= push(a->dis, &a->ndis, optarg); break;
		case OPT_SET: full |= push(a->set, &a->nset, optarg); break;
		case 'h': help(stdout); return -1;
		default: help(stderr); return EXIT_USAGE;
		}
	}
	if (full) {
		cmd_error("plugins: more than %d --plugin-dir, --disable or --set", MAX_LIST);
		return EXIT_USAGE;
	}
	if (optind < argc) {
		cmd_error("plugins: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int
cmd_plugins_exec(int argc, char **argv)
{
	struct args a = { .format = DETECT_LIST_TABLE };
	struct detect_options o = { .plugin_dirs = a.dirs, .disabled = a.dis,
	    .settings = a.set };
	struct detect *d;
	char err[1024];
	int rc = parse(argc, argv, &a);

	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if ((d = detect_load(&o, err, sizeof(err))) == NULL) {
		cmd_error("%s", err);
		return EXIT_USAGE;
	}
	if (detect_count(d) == 0 && a.format == DETECT_LIST_TABLE)
		fputs("no detectors found (see --plugin-dir, $TCPMORTEM_PLUGIN_PATH)\n", stdout);
	detect_list(d, stdout, a.format);
	detect_free(d);
	return EXIT_OK;
}

const struct cmd_entry cmd_plugins_entry = {
	.name = "plugins",
	.usage = "[-o table|json] [--plugin-dir DIR]...",
	.summary = "the loaded detectors and the kinds each reports",
	.exec = cmd_plugins_exec,
};

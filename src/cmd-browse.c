/*
 * cmd-browse.c: `tcpmortem browse`, the ncurses browser (tui.h).
 *
 * The command opens the database read-only and hands it to the browser.
 * Two hidden options serve the tests and the measurements: --keys-mdoc
 * prints the man page's KEYS section from the key table, and --bench N
 * renders N screens offscreen and prints timings.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "store.h"
#include "tui.h"

enum { OPT_KEYS_MDOC = 256, OPT_BENCH, OPT_NO_COLOR, OPT_ASCII, OPT_REFRESH };

static const struct option browse_options[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "refresh", required_argument, NULL, OPT_REFRESH },
	{ "keys-mdoc", no_argument, NULL, OPT_KEYS_MDOC },
	{ "bench", required_argument, NULL, OPT_BENCH },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
browse_open_and_run(const char *path, const struct tui_options *o)
{
	char err[512];
	struct store *s = store_open(path, STORE_READ, 2000, err, sizeof err);
	int rc;

	if (!s) {
		cmd_error("%s", err);
		return EXIT_IO;
	}
	if (o->bench > 0)
		rc = tui_bench(store_db(s), o, stdout, err, sizeof err);
	else
		rc = tui_run(store_db(s), o, err, sizeof err);
	store_close(s);
	if (rc < 0) {
		cmd_error("%s: %s", path, err);
		return EXIT_IO;
	}
	return EXIT_OK;
}

static int
cmd_browse_exec(int argc, char **argv)
{
	struct tui_options o = { 0, 0, 0, 2000 };
	const char *db = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", browse_options, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case OPT_NO_COLOR: o.no_color = 1; break;
		case OPT_ASCII: o.ascii = 1; break;
		case OPT_REFRESH: o.refresh_ms = atoi(optarg); break;
		case OPT_KEYS_MDOC: tui_keys_mdoc(stdout); return EXIT_OK;
		case OPT_BENCH: o.bench = atoi(optarg); break;
		case 'h': cmd_usage(&cmd_browse_entry, stdout); return EXIT_OK;
		default: cmd_usage(&cmd_browse_entry, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cmd_error("browse: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return browse_open_and_run(cmd_db_path(db), &o);
}

const struct cmd_entry cmd_browse_entry = {
	.name = "browse",
	.usage = "[-d DB] [--no-color] [--ascii] [--refresh MS]",
	.summary = "the ncurses browser over the database",
	.exec = cmd_browse_exec,
};

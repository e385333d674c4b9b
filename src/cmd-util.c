/* cmd-util.c: what every command shares: errors, the database path, usage. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "output.h"
#include "recover.h"
#include "store.h"
#include "util.h"

/* The message is escaped as a whole: file names, interface names and the
 * words of the command line are anyone's bytes, and a newline or an escape
 * sequence in them must neither split the one line nor reach the terminal. */
void
cmd_error(const char *fmt, ...)
{
	va_list ap;
	char *msg, *safe;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	va_start(ap, fmt);
	vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
	va_end(ap);
	safe = output_escape(msg);
	fflush(stdout);
	fprintf(stderr, "tcpmortem: %s\n", safe);
	free(safe);
	free(msg);
}

const char *
cmd_db_path(const char *opt)
{
	const char *env;

	if (opt != NULL && *opt != '\0')
		return opt;
	env = getenv("TCPMORTEM_DB");
	if (env != NULL && *env != '\0')
		return env;
	return "tcpmortem.db";
}

void
cmd_recover(struct recover *r, struct store *st, const char *db, int quiet)
{
	int64_t ids[16];
	char err[512];
	int n = recover_orphans(r, store_db(st), ids, sizeof(ids) / sizeof(ids[0]),
	    err, sizeof(err));

	if (n < 0)
		cmd_error("%s: %s", db, err);
	for (int i = 0; !quiet && i < n && i < 16; i++)
		cmd_error("%s: capture %lld was left running by a process that is gone; "
		    "marked interrupted", db, (long long)ids[i]);
}

void
cmd_usage(const struct cmd_entry *e, FILE *out)
{
	if (e != NULL) {
		fprintf(out, "usage: tcpmortem %s %s\n%s\n", e->name, e->usage, e->summary);
		return;
	}
	fputs("usage: tcpmortem [--version] [--help] COMMAND [ARGS]\n\n", out);
	for (const struct cmd_entry *const *c = cmd_table; *c != NULL; c++)
		fprintf(out, "   %-10s %s\n", (*c)->name, (*c)->summary);
	fputs("\nSee 'tcpmortem help COMMAND' or man tcpmortem.\n", out);
}

/*
 * cmd-help.c: tcpmortem help [COMMAND]
 *
 * Without a command, the list of commands.  With one, its man page, as git
 * does: the page beside the binary when run from the build tree (man -l),
 * else the installed one; if man cannot show it, the command's --help.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"

static const struct cmd_entry *
find(const char *name)
{
	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
		if (strcmp((*e)->name, name) == 0)
			return *e;
	return NULL;
}

/* The page in the build tree (BINDIR/../man/PAGE), if there is one. */
static int
build_tree_page(const char *page, char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return -1;
	*slash = '\0';
	snprintf(out, outlen, "%s/../man/%s", exe, page);
	return access(out, R_OK);
}

/* Run man on PAGE; 0 if it showed it. */
static int
run_man(const char *page)
{
	char local[PATH_MAX + 32];
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (build_tree_page(page, local, sizeof(local)) == 0)
			execlp("man", "man", "-l", local, (char *)NULL);
		else
			execlp("man", "man", page, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int
cmd_help_exec(int argc, char **argv)
{
	const struct cmd_entry *e;
	char page[128];
	char *args[] = { NULL, "--help", NULL };

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cmd_usage(NULL, stdout);
		return EXIT_OK;
	}
	if ((e = find(argv[1])) == NULL) {
		cmd_error("help: '%s' is not a command; see 'tcpmortem help'", argv[1]);
		return EXIT_USAGE;
	}
	snprintf(page, sizeof(page), "tcpmortem-%s.1", e->name);
	if (isatty(STDOUT_FILENO) && run_man(page) == 0)
		return EXIT_OK;
	args[0] = (char *)e->name;
	return e->exec(2, args);
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show the manual page of a command",
	.exec = cmd_help_exec,
};

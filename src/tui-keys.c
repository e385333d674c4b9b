/*
 * tui-keys.c: every key binding of the browser, in one table.
 *
 * The keys are the ones less, tig and htop users already have in their
 * fingers.  The dispatch (tui.c), the help screen (tui-help.c) and the KEYS
 * section of tcpmortem-browse(1) (browse --keys-mdoc) all read this table,
 * so the three cannot disagree.  A row whose help is NULL is an alias of the
 * row above it and is listed on the same line.
 */
#include "config.h"

#include <curses.h>
#include <string.h>

#include "tui.h"

#define LISTS SCR_LISTS
#define MOVE (SCR_LISTS | SCR_BIT(SCR_DETAIL) | SCR_BIT(SCR_SUMMARY) | SCR_BIT(SCR_HELP))
#define FLOWS SCR_BIT(SCR_FLOWS)

const struct tui_key tui_keys[] = {
	{ KEY_DOWN, "Down", MOVE, ACT_DOWN, "next line" },
	{ 'j', "j", MOVE, ACT_DOWN, NULL },
	{ KEY_UP, "Up", MOVE, ACT_UP, "previous line" },
	{ 'k', "k", MOVE, ACT_UP, NULL },
	{ KEY_NPAGE, "PgDn", MOVE, ACT_PGDN, "next page" },
	{ ' ', "Space", MOVE, ACT_PGDN, NULL },
	{ KEY_PPAGE, "PgUp", MOVE, ACT_PGUP, "previous page" },
	{ 'b', "b", MOVE, ACT_PGUP, NULL },
	{ 'g', "g", MOVE, ACT_TOP, "first line" },
	{ KEY_HOME, "Home", MOVE, ACT_TOP, NULL },
	{ 'G', "G", MOVE, ACT_BOTTOM, "last line" },
	{ KEY_END, "End", MOVE, ACT_BOTTOM, NULL },
	{ '/', "/", LISTS, ACT_SEARCH, "search forward for a pattern" },
	{ 'n', "n", LISTS, ACT_SEARCH_NEXT, "next match" },
	{ 'N', "N", LISTS, ACT_SEARCH_PREV, "previous match" },
	{ '\n', "Enter", LISTS, ACT_OPEN, "open the flow under the cursor" },
	{ KEY_ENTER, "Enter", LISTS, ACT_OPEN, NULL },
	{ '\r', "Enter", LISTS, ACT_OPEN, NULL },
	{ 's', "s", FLOWS, ACT_SORT, "sort by the next column" },
	{ 'S', "S", FLOWS, ACT_SORT_REVERSE, "reverse the sort order" },
	{ 'f', "f", FLOWS, ACT_FILTER, "filter: host, network, port, state, kind:K, close:C" },
	{ '\t', "Tab", SCR_ANY, ACT_NEXT_SCREEN, "next screen: flows, findings, summary" },
	{ 'r', "r", SCR_ANY, ACT_REFRESH, "reread the database now" },
	{ '?', "?", SCR_ANY, ACT_HELP, "this help" },
	{ KEY_F(1), "F1", SCR_ANY, ACT_HELP, NULL },
	{ 27, "Esc", SCR_ANY, ACT_BACK, "back to the previous screen" },
	{ 'q', "q", SCR_ANY, ACT_BACK, NULL },
	{ 'Q', "Q", SCR_ANY, ACT_QUIT, "quit" },
	{ KEY_RESIZE, NULL, SCR_ANY, ACT_RESIZE, NULL },
};
const size_t tui_nkeys = sizeof tui_keys / sizeof tui_keys[0];

const struct tui_key *
tui_key_lookup(int key, enum tui_screen_id screen)
{
	size_t i;

	for (i = 0; i < tui_nkeys; i++)
		if (tui_keys[i].key == key && (tui_keys[i].screens & SCR_BIT(screen)))
			return &tui_keys[i];
	return NULL;
}

/* The names of row I and of its aliases, "j, Down" style, into BUF;
 * the index of the next row that starts a new binding. */
static size_t
keys_names(size_t i, char *buf, size_t len, const char *sep)
{
	size_t n = 0, j = i;

	buf[0] = '\0';
	do {
		if (tui_keys[j].name && !strstr(buf, tui_keys[j].name))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
			    j == i ? "" : sep, tui_keys[j].name);
		j++;
	} while (j < tui_nkeys && tui_keys[j].help == NULL);
	return j;
}

void
tui_keys_mdoc(FILE *out)
{
	char names[128];
	size_t i = 0, next;

	fprintf(out, ".Sh KEYS\n.Bl -tag -width Ds\n");
	while (i < tui_nkeys) {
		next = keys_names(i, names, sizeof names, " , ");
		if (tui_keys[i].help)
			fprintf(out, ".It Ic %s\n%s.\n", names, tui_keys[i].help);
		i = next;
	}
	fprintf(out, ".El\n");
}

size_t
tui_keys_line(size_t i, char *buf, size_t len)
{
	char names[64];
	size_t next = keys_names(i, names, sizeof names, ", ");

	if (tui_keys[i].help)
		snprintf(buf, len, "  %-16s %s", names, tui_keys[i].help);
	else
		buf[0] = '\0';
	return next;
}

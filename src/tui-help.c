/*
 * tui-help.c: the help screen, generated from the key table.
 *
 * Nothing here names a key: the lines come from tui_keys[], so a binding
 * added to the table shows up in the help (and in the man page) by itself.
 * Bindings that do not apply to the screen help was opened from are dimmed.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>

#include "tui.h"
#include "util.h"

struct help {
	enum tui_screen_id from;        /* the screen help was opened from */
	int top;
};

static void *
help_open(struct tui *t, long long from)
{
	struct help *h = xcalloc(1, sizeof *h);

	h->from = (enum tui_screen_id)from;
	return h;
}

static void
help_close(void *st)
{
	free(st);
}

/* The filter line's words (tui-query.c), under the keys. */
static const char *const filter_words[] = {
	"  Filter words: 10.0.0.2 (address prefix), 10.0.0.0/16 (a network),",
	"  80 (server port), port:N (either), TIME-WAIT (either state),",
	"  kind:fin-lost, close:rst; words combine with AND.",
};

static void
help_draw(struct tui *t, void *st)
{
	struct help *h = st;
	char line[160];
	size_t i = 0;
	int y = 1, n = 0;

	while (i < tui_nkeys) {
		size_t at = i;
		i = tui_keys_line(i, line, sizeof line);
		if (!line[0] || n++ < h->top)
			continue;
		if (y <= tui_height(t))
			tui_put(t, y++, 0, line, (tui_keys[at].screens & SCR_BIT(h->from)) ?
			    0 : tui_attr(t, COL_DIM));
	}
	for (size_t k = 0; k < sizeof(filter_words) / sizeof(filter_words[0]); k++)
		if (y + 1 + (int)k <= tui_height(t))
			tui_put(t, y + 1 + (int)k, 0, filter_words[k], tui_attr(t, COL_DIM));
}

static int
help_act(struct tui *t, void *st, enum tui_action a)
{
	struct help *h = st;

	switch (a) {
	case ACT_DOWN: case ACT_PGDN: h->top++; return 1;
	case ACT_UP: case ACT_PGUP: if (h->top > 0) h->top--; return 1;
	case ACT_TOP: h->top = 0; return 1;
	case ACT_HELP: return 1;
	default: return 0;
	}
}

const struct tui_screen_ops tui_help_screen = {
	.id = SCR_HELP,
	.title = "Help",
	.open = help_open,
	.close = help_close,
	.draw = help_draw,
	.act = help_act,
	.reload = NULL,
};

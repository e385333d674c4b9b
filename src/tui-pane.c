/*
 * tui-pane.c: a scrollable buffer of lines, for the screens that are built
 * once (flow detail, summary) rather than paged from SQL.
 */
#include "config.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "util.h"

void
tui_pane_add(struct tui_pane *p, int color, const char *fmt, ...)
{
	va_list ap;

	grow_array((void **)&p->line, &p->cap, p->nlines + 1, sizeof *p->line);
	va_start(ap, fmt);
	vsnprintf(p->line[p->nlines].text, sizeof p->line[0].text, fmt, ap);
	va_end(ap);
	p->line[p->nlines++].color = color;
}

void
tui_pane_insert(struct tui_pane *p, size_t at, int color, const char *fmt, ...)
{
	va_list ap;

	grow_array((void **)&p->line, &p->cap, p->nlines + 1, sizeof *p->line);
	if (at > p->nlines)
		at = p->nlines;
	memmove(&p->line[at + 1], &p->line[at], (p->nlines - at) * sizeof *p->line);
	va_start(ap, fmt);
	vsnprintf(p->line[at].text, sizeof p->line[0].text, fmt, ap);
	va_end(ap);
	p->line[at].color = color;
	p->nlines++;
}

void
tui_pane_clear(struct tui_pane *p)
{
	p->nlines = 0;
}

void
tui_pane_draw(struct tui *t, struct tui_pane *p)
{
	int i, h = tui_height(t), n = (int)p->nlines;

	if (p->top > n - h)
		p->top = n - h > 0 ? n - h : 0;
	for (i = 0; i < h && p->top + i < n; i++)
		tui_put(t, 1 + i, 0, p->line[p->top + i].text,
		    tui_attr(t, (enum tui_color)p->line[p->top + i].color));
}

int
tui_pane_act(struct tui *t, struct tui_pane *p, enum tui_action a)
{
	int h = tui_height(t);

	switch (a) {
	case ACT_DOWN: p->top++; break;
	case ACT_UP: p->top--; break;
	case ACT_PGDN: p->top += h; break;
	case ACT_PGUP: p->top -= h; break;
	case ACT_TOP: p->top = 0; break;
	case ACT_BOTTOM: p->top = (int)p->nlines; break;
	default: return 0;
	}
	if (p->top > (int)p->nlines - h)
		p->top = (int)p->nlines - h;
	if (p->top < 0)
		p->top = 0;
	return 1;
}

/*
 * tui.c: the browser's frame: terminal setup and restore, the screen stack,
 * the key dispatch and the live refresh.
 *
 * The terminal must come back sane however the browser ends: a normal quit,
 * an error, SIGINT/SIGTERM/SIGHUP, or exit() from anywhere (atexit).  Each
 * path goes through term_restore(), which is idempotent.
 *
 * Layout, at any size from 80x24 up:
 *
 *   line 0          title bar: the top-level screens, the current one lit
 *   lines 1..H      the screen's content (tui_height() lines)
 *   last line       status: a message, a prompt, or the key hints
 *
 * Live refresh: every refresh_ms without a key the frame asks SQLite for
 * PRAGMA data_version, which changes when another connection (a running
 * `tcpmortem capture`) commits; only then are the screens reloaded.
 */
#include "config.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "tui.h"
#include "util.h"

#define STACK_MAX 8
#define NTOP 3

struct frame {
	const struct tui_screen_ops *ops;
	void *st;
};

struct tui {
	sqlite3 *db;
	struct tui_options opt;
	int colors, utf8;
	struct frame top[NTOP];         /* flows, findings, summary; opened lazily */
	int cur_top;
	struct frame stack[STACK_MAX];  /* stack[0] is one of top[] */
	int depth;
	char msg[256];
	char search[128];
	long long data_version;
	int quit;
	int more;                       /* a screen asked to be drawn again */
};

static const struct tui_screen_ops *const top_screens[NTOP] = {
	&tui_flows_screen, &tui_findings_screen, &tui_summary_screen,
};

/* ---- terminal setup and restore -------------------------------------- */

static volatile sig_atomic_t term_active;
static SCREEN *term_screen;

static void
term_restore(void)
{
	if (term_active) {
		term_active = 0;
		endwin();
	}
}

static void
term_signal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
term_colors(struct tui *t)
{
	static const short pairs[COL_COUNT][2] = {
		[COL_TITLE] = { COLOR_BLACK, COLOR_CYAN },
		[COL_HEADER] = { COLOR_CYAN, -1 },
		[COL_CURSOR] = { COLOR_BLACK, COLOR_CYAN },
		[COL_BAD] = { COLOR_RED, -1 },
		[COL_WARN] = { COLOR_YELLOW, -1 },
		[COL_GOOD] = { COLOR_GREEN, -1 },
		[COL_DIM] = { COLOR_BLUE, -1 },
		[COL_MARK] = { COLOR_BLACK, COLOR_YELLOW },
	};
	short i;

	t->colors = !t->opt.no_color && has_colors() && start_color() == OK;
	if (!t->colors)
		return;
	use_default_colors();   /* keep the terminal's own background */
	for (i = 1; i < COL_COUNT; i++)
		init_pair(i, pairs[i][0], pairs[i][1]);
}

/* Start curses on the terminal, or (OUT not NULL) on OUT for a benchmark. */
static int
term_start(struct tui *t, FILE *out, char *err, size_t errlen)
{
	const char *term = getenv("TERM");

	setlocale(LC_ALL, "");
	t->utf8 = !t->opt.ascii && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	term_screen = newterm(term && *term ? term : (out ? "xterm" : NULL),
	    out ? out : stdout, stdin);
	if (!term_screen) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)", term ? term : "");
		return -1;
	}
	term_active = 1;
	atexit(term_restore);
	signal(SIGINT, term_signal);
	signal(SIGTERM, term_signal);
	signal(SIGHUP, term_signal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	term_colors(t);
	return 0;
}

/* ---- services to screens --------------------------------------------- */

sqlite3 *tui_db(struct tui *t) { return t->db; }
int tui_utf8(struct tui *t) { return t->utf8; }
int tui_height(struct tui *t) { return LINES > 2 ? LINES - 2 : 1; }
int tui_width(struct tui *t) { return COLS; }
const char *tui_search(struct tui *t) { return t->search; }
void tui_more(struct tui *t) { t->more = 1; }

int
tui_attr(struct tui *t, enum tui_color c)
{
	static const int mono[COL_COUNT] = {
		[COL_TITLE] = A_REVERSE, [COL_HEADER] = A_BOLD, [COL_CURSOR] = A_REVERSE,
		[COL_BAD] = A_BOLD, [COL_MARK] = A_REVERSE | A_BOLD,
	};

	if (!t->colors || c == COL_NORMAL)
		return mono[c];
	return COLOR_PAIR(c) | (c == COL_HEADER || c == COL_BAD ? A_BOLD : 0);
}

void
tui_message(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
}

/* Draw STR (already safe) at (Y, X) in at most W columns. */
static void
put_clipped(int y, int x, const char *str, int w, int attr)
{
	wchar_t wc[512];
	size_t n = mbstowcs(wc, str, 511);
	int used = 0, i, cw;

	if (n == (size_t)-1 || y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return;
	if (x + w > COLS)
		w = COLS - x;
	for (i = 0; i < (int)n; i++) {
		cw = wcwidth(wc[i]);
		if (used + (cw > 0 ? cw : 1) > w)
			break;
		used += cw > 0 ? cw : 1;
	}
	attron(attr);
	mvaddnwstr(y, x, wc, i);
	attroff(attr);
}

void
tui_put(struct tui *t, int y, int x, const char *str, int attr)
{
	put_clipped(y, x, str, COLS - x, attr);
}

void
tui_put_db(struct tui *t, int y, int x, const char *str, int w, int attr)
{
	char esc[1024];

	tui_escape(str, esc, sizeof esc);
	put_clipped(y, x, esc, w, attr);
}

/* ---- the screen stack ------------------------------------------------ */

static struct frame *
frame_cur(struct tui *t)
{
	return &t->stack[t->depth - 1];
}

int
tui_push(struct tui *t, const struct tui_screen_ops *ops, long long arg)
{
	void *st;

	if (t->depth >= STACK_MAX)
		return -1;
	if (!(st = ops->open(t, arg)))
		return -1;
	t->stack[t->depth].ops = ops;
	t->stack[t->depth].st = st;
	t->depth++;
	return 0;
}

static void
frame_pop(struct tui *t)
{
	struct frame *f;

	if (t->depth <= 1)
		return;
	f = frame_cur(t);
	f->ops->close(f->st);
	t->depth--;
}

/* Make top-level screen I the root, opening it the first time. */
static void
frame_switch(struct tui *t, int i)
{
	while (t->depth > 1)
		frame_pop(t);
	if (!t->top[i].st) {
		t->top[i].ops = top_screens[i];
		t->top[i].st = top_screens[i]->open(t, 0);
		if (!t->top[i].st)
			return;
	}
	t->cur_top = i;
	t->stack[0] = t->top[i];
	t->depth = 1;
}

static void
frame_close_all(struct tui *t)
{
	int i;

	while (t->depth > 1)
		frame_pop(t);
	for (i = 0; i < NTOP; i++)
		if (t->top[i].st)
			t->top[i].ops->close(t->top[i].st);
	t->depth = 0;
}

static void
frame_reload(struct tui *t)
{
	int i;

	for (i = 0; i < NTOP; i++)
		if (t->top[i].st && t->top[i].ops->reload)
			t->top[i].ops->reload(t, t->top[i].st);
	for (i = 1; i < t->depth; i++)
		if (t->stack[i].ops->reload)
			t->stack[i].ops->reload(t, t->stack[i].st);
}

/* ---- drawing --------------------------------------------------------- */

static void
draw_bars(struct tui *t)
{
	int i, x = 1, attr = tui_attr(t, COL_TITLE);
	char hint[128];

	attron(attr);
	mvhline(0, 0, ' ', COLS);
	attroff(attr);
	tui_put(t, 0, x, "tcpmortem", attr | A_BOLD);
	x += 11;
	for (i = 0; i < NTOP; i++) {
		int on = i == t->cur_top;
		snprintf(hint, sizeof hint, on ? "[%s]" : " %s ", top_screens[i]->title);
		tui_put(t, 0, x, hint, attr | (on ? A_BOLD : 0));
		x += (int)strlen(hint) + 1;
	}
	if (t->depth > 1)
		tui_put(t, 0, x + 1, frame_cur(t)->ops->title, attr | A_BOLD);
	move(LINES - 1, 0);
	clrtoeol();
	if (t->msg[0])
		tui_put_db(t, LINES - 1, 0, t->msg, COLS, tui_attr(t, COL_WARN));
	else
		tui_put(t, LINES - 1, 0, "?:help  Tab:screens  Enter:open  q:back  "
		    "Q:quit  /:search  s:sort  f:filter", tui_attr(t, COL_DIM));
}

static void
draw_all(struct tui *t)
{
	struct frame *f = frame_cur(t);

	erase();
	f->ops->draw(t, f->st);
	draw_bars(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- input ----------------------------------------------------------- */

/* A key already waiting?  Then skip the work of the one before it.  This
 * looks at the terminal itself: getch() would also refresh the screen,
 * showing a half-drawn frame in the middle of a query. */
static int
typeahead_pending(void)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

	return isatty(STDIN_FILENO) && poll(&p, 1, 0) > 0;
}

static int
interrupt_on_key(void *unused)
{
	return typeahead_pending();
}

void
tui_interruptible(struct tui *t, int on)
{
	/* every ~20000 VM steps, about a millisecond; a benchmark has no
	 * keyboard to listen to */
	if (t->opt.bench)
		return;
	sqlite3_progress_handler(t->db, on ? 20000 : 0, on ? interrupt_on_key : NULL, NULL);
}

int
tui_prompt(struct tui *t, const char *label, char *buf, size_t len,
    void (*on_change)(struct tui *t, void *st, const char *text), void *st)
{
	char saved[256];
	size_t n = strlen(buf);
	int c;

	snprintf(saved, sizeof saved, "%s", buf);
	curs_set(1);
	timeout(-1);
	for (;;) {
		move(LINES - 1, 0);
		clrtoeol();
		tui_put(t, LINES - 1, 0, label, A_BOLD);
		tui_put_db(t, LINES - 1, (int)strlen(label), buf, COLS - (int)strlen(label) - 1, 0);
		refresh();
		c = getch();
		if (c == '\n' || c == '\r' || c == KEY_ENTER || c == 27)
			break;
		if ((c == KEY_BACKSPACE || c == 127 || c == 8) && n > 0)
			buf[--n] = '\0';
		else if (c == 21)       /* ^U, as in a shell */
			buf[n = 0] = '\0';
		else if (c >= 0x20 && c < 0x7f && n + 1 < len) {
			buf[n++] = (char)c;
			buf[n] = '\0';
		} else
			continue;
		if (typeahead_pending())        /* the user is still typing */
			continue;
		if (on_change) {
			on_change(t, st, buf);
			draw_all(t);
		}
	}
	curs_set(0);
	timeout(t->opt.refresh_ms > 0 ? t->opt.refresh_ms : 2000);
	if (c == 27) {
		snprintf(buf, len, "%s", saved);
		if (on_change)
			on_change(t, st, buf);
		return 0;
	}
	return 1;
}

/* The frame's own actions: those no screen handled. */
static void
frame_act(struct tui *t, enum tui_action a)
{
	struct frame *f = frame_cur(t);

	switch (a) {
	case ACT_QUIT: t->quit = 1; break;
	case ACT_BACK:
		if (t->depth > 1)
			frame_pop(t);
		else if (f->ops->id != SCR_FLOWS)
			frame_switch(t, 0);
		else
			t->quit = 1;
		break;
	case ACT_HELP:
		if (f->ops->id != SCR_HELP)
			tui_push(t, &tui_help_screen, f->ops->id);
		break;
	case ACT_NEXT_SCREEN: frame_switch(t, (t->cur_top + 1) % NTOP); break;
	case ACT_REFRESH: frame_reload(t); tui_message(t, "reread"); break;
	case ACT_SEARCH: {       /* a fresh pattern, as in less; Esc keeps the old */
		char pat[sizeof t->search] = "";
		if (tui_prompt(t, "/", pat, sizeof pat, NULL, NULL) && pat[0]) {
			memcpy(t->search, pat, sizeof pat);
			f->ops->act(t, f->st, ACT_SEARCH_NEXT);
		}
		break;
	}
	case ACT_RESIZE: clearok(curscr, TRUE); break;
	default: break;
	}
}

/* Dispatch key C through the key table. */
static void
frame_key(struct tui *t, int c)
{
	struct frame *f = frame_cur(t);
	const struct tui_key *k = tui_key_lookup(c, f->ops->id);

	t->msg[0] = '\0';
	if (!k)
		return;
	if (!f->ops->act(t, f->st, k->action))
		frame_act(t, k->action);
}

/* Reload when another connection committed since the last look. */
static void
frame_poll(struct tui *t)
{
	sqlite3_stmt *st;
	long long v = t->data_version;

	if (sqlite3_prepare_v2(t->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (v != t->data_version && t->data_version != 0)
		frame_reload(t);
	t->data_version = v;
}

static void
frame_loop(struct tui *t)
{
	int c;

	frame_poll(t);
	while (!t->quit && t->depth > 0) {
		t->more = 0;
		draw_all(t);
		timeout(t->more ? 0 : t->opt.refresh_ms > 0 ? t->opt.refresh_ms : 2000);
		c = getch();
		if (c != ERR)
			frame_key(t, c);
		else if (!t->more)
			frame_poll(t);
	}
}

static void
tui_init(struct tui *t, sqlite3 *db, const struct tui_options *o)
{
	memset(t, 0, sizeof *t);
	t->db = db;
	t->opt = *o;
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		t->opt.no_color = 1;
}

int
tui_run(sqlite3 *db, const struct tui_options *o, char *err, size_t errlen)
{
	struct tui t;

	tui_init(&t, db, o);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the browser needs a terminal");
		return -1;
	}
	if (term_start(&t, NULL, err, errlen) < 0)
		return -1;
	frame_switch(&t, 0);
	if (t.depth == 0) {
		term_restore();
		snprintf(err, errlen, "%s", t.msg);
		return -1;
	}
	frame_loop(&t);
	frame_close_all(&t);
	term_restore();
	delscreen(term_screen);
	return 0;
}

/* ---- benchmark ------------------------------------------------------- */

static double
now_ms(void)
{
	return monotonic_seconds() * 1e3;
}

/* Feed KEYS to the dispatch as if typed, and draw. */
static void
bench_feed(struct tui *t, const char *keys)
{
	const char *k;

	for (k = keys + strlen(keys); k > keys; k--)
		ungetch((unsigned char)k[-1]);
	frame_key(t, getch());
	draw_all(t);
}

/* Feed the keys of KEYS (a string, or one KEY_* code when KEYS is NULL)
 * N times, drawing after each, and report the mean and worst time. */
static void
bench_keys(struct tui *t, FILE *out, const char *what, const char *keys, int code, int n)
{
	double worst = 0, total = 0, t0, dt;
	const char *k;
	int i;

	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if (keys)
			for (k = keys + strlen(keys); k > keys; k--)
				ungetch((unsigned char)k[-1]);
		else
			ungetch(code);
		frame_key(t, getch());
		draw_all(t);
		dt = now_ms() - t0;
		total += dt;
		worst = dt > worst ? dt : worst;
	}
	fprintf(out, "%-28s %8.2f ms mean %8.2f ms worst (%d times)\n", what,
	    total / n, worst, n);
	fflush(out);
}

/* Type WORD into the filter one character at a time, as a person does
 * (each prefix applied), and report the worst character. */
static void
bench_typing(struct tui *t, FILE *out, const char *what, const char *word)
{
	char keys[160];
	double worst = 0, t0, dt;
	size_t i;

	for (i = 1; i <= strlen(word); i++) {
		snprintf(keys, sizeof keys, "f\025%.*s\n", (int)i, word);
		t0 = now_ms();
		bench_feed(t, keys);
		dt = now_ms() - t0;
		worst = dt > worst ? dt : worst;
	}
	bench_feed(t, "f\025\n");
	fprintf(out, "%-28s %8.2f ms worst character\n", what, worst);
}

static void
bench_script(struct tui *t, FILE *out, int n)
{
	double t0;
	int i;

	bench_keys(t, out, "j (next line)", "j", 0, n);
	bench_keys(t, out, "PgDn", NULL, KEY_NPAGE, n);
	bench_keys(t, out, "PgUp", NULL, KEY_PPAGE, n);
	bench_keys(t, out, "G (last line)", "G", 0, 3);
	bench_keys(t, out, "k at the end", "k", 0, n);
	bench_keys(t, out, "g (first line)", "g", 0, 3);
	for (i = 0; i < 11; i++)        /* each column of the flow list */
		bench_keys(t, out, "s (sort by next column)", "s", 0, 1);
	bench_keys(t, out, "S (reverse)", "S", 0, 2);
	bench_typing(t, out, "f 10.200.0.2 typed", "10.200.0.2");
	bench_typing(t, out, "f 10.5.3.9 typed (rare)", "10.5.3.9");
	bench_keys(t, out, "f 10.200.0.2 (whole)", "f\02510.200.0.2\n", 0, 1);
	bench_keys(t, out, "j filtered", "j", 0, n);
	bench_keys(t, out, "f TIME-WAIT 443 (whole)", "f\025TIME-WAIT 443\n", 0, 1);
	bench_keys(t, out, "PgDn filtered", NULL, KEY_NPAGE, n);
	bench_keys(t, out, "f kind:fin-lost (whole)", "f\025kind:fin-lost\n", 0, 1);
	bench_keys(t, out, "PgDn kind-filtered", NULL, KEY_NPAGE, n);
	bench_keys(t, out, "f clear", "f\025\n", 0, 1);
	bench_keys(t, out, "/ CLOSE-WAIT", "/CLOSE-WAIT\n", 0, 1);
	bench_keys(t, out, "n (next match)", "n", 0, n);
	bench_keys(t, out, "Enter (open flow)", "\n", 0, 1);
	bench_keys(t, out, "q (back)", "q", 0, 1);
	bench_keys(t, out, "Tab (findings, first)", "\t", 0, 1);
	bench_keys(t, out, "PgDn findings", NULL, KEY_NPAGE, n);
	bench_keys(t, out, "G findings", "G", 0, 2);
	bench_keys(t, out, "Tab (summary, first)", "\t", 0, 1);
	t0 = now_ms();
	while (t->more) {               /* the counts, drawn block by block */
		t->more = 0;
		draw_all(t);
	}
	fprintf(out, "%-28s %8.2f ms (keys stay live meanwhile)\n", "summary counted", now_ms() - t0);
	bench_keys(t, out, "Tab (flows again)", "\t", 0, 1);
	bench_keys(t, out, "r (reread)", "r", 0, 3);
}

int
tui_bench(sqlite3 *db, const struct tui_options *o, FILE *out, char *err, size_t errlen)
{
	struct tui t;
	FILE *null = fopen("/dev/null", "w");
	double t0;

	tui_init(&t, db, o);
	if (!null || term_start(&t, null, err, errlen) < 0) {
		if (null)
			fclose(null);
		else
			snprintf(err, errlen, "/dev/null: cannot open");
		return -1;
	}
	resizeterm(24, 80);
	t0 = now_ms();
	frame_switch(&t, 0);
	if (t.depth > 0)
		draw_all(&t);
	fprintf(out, "%-28s %8.2f ms\n", "first screen (80x24)", now_ms() - t0);
	if (t.depth > 0)
		bench_script(&t, out, o->bench);
	frame_close_all(&t);
	term_restore();
	delscreen(term_screen);
	fclose(null);
	return 0;
}

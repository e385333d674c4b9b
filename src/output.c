/*
 * output.c: json, csv and table writers for the query commands.
 *
 * JSON is composed by SQLite (json_object), so this file only guards the
 * one thing SQLite lets through: bytes that are not UTF-8.  CSV and table
 * values are read with sqlite3_column_text and formatted by column type.
 * The table is buffered (widths need every row) and escaped cell by cell.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "util.h"

static const char *const format_names[] = { "table", "csv", "json" };

int
output_format_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (s != NULL && strcmp(s, format_names[i]) == 0)
			return (int)i;
	return -1;
}

/* A growing string. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	grow_array((void **)&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at P (1..4), or 0 if P does not
 * start one: overlong forms, surrogates and code points past U+10FFFF
 * are invalid (RFC 3629). */
static size_t
utf8_seq(const unsigned char *p)
{
	unsigned c = p[0], n, min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Whether the valid sequence at P (of N bytes) must not reach a terminal:
 * C0 controls, DEL, and the C1 controls U+0080..U+009F (0xc2 0x80..0x9f),
 * which some terminals obey as escape sequences. */
static int
utf8_dangerous(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	return n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

char *
output_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	struct sbuf b = { 0 };
	char hex[8];

	sbuf_add(&b, "", 0);
	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 1 && *p == '\\') {
			sbuf_puts(&b, "\\\\");
		} else if (n == 0 || utf8_dangerous(p, n)) {
			size_t k = n == 0 ? 1 : n;

			for (size_t i = 0; i < k; i++) {
				snprintf(hex, sizeof(hex), "\\x%02x", p[i]);
				sbuf_puts(&b, hex);
			}
			p += k;
			continue;
		} else {
			sbuf_add(&b, (const char *)p, n);
		}
		p += n;
	}
	return b.s;
}

size_t
output_strwidth(const char *s)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w++;
	return w;
}

/* Whether the valid sequence at P (of N bytes) is DEL or a C1 control,
 * which JSON allows raw but a terminal may obey: written as \u00XX. */
static int
json_needs_escape(const unsigned char *p, size_t n)
{
	return (n == 1 && p[0] == 0x7f) || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0);
}

/* The code point of DEL or a C1 control at P (see json_needs_escape). */
static unsigned
json_control(const unsigned char *p)
{
	return p[0] == 0x7f ? 0x7f : p[1];
}

void
output_json_line(FILE *out, const char *json)
{
	const unsigned char *p = (const unsigned char *)json;

	/* Outside strings JSON is ASCII without DEL, so every byte
	 * handled here is inside a string. */
	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		if (json_needs_escape(p, n))
			fprintf(out, "\\u%04x", json_control(p));
		else
			fwrite(p, 1, n, out);
		p += n;
	}
	fputc('\n', out);
}

void
output_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 0)
			fputs("\\ufffd", out);
		else if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else if (json_needs_escape(p, n))
			fprintf(out, "\\u%04x", json_control(p));
		else
			fwrite(p, 1, n, out);
		p += n ? n : 1;
	}
	fputc('"', out);
}

void
output_csv_field(FILE *out, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

const char *
output_plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

const char *
output_time(double t, char *buf, size_t len)
{
	time_t sec = (time_t)t;
	struct tm tm;
	int ms = (int)((t - (double)sec) * 1000.0);

	if (ms < 0)
		ms = 0;
	if (ms > 999)
		ms = 999;
	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(buf, len, "%.3f", t);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return buf;
}

int
output_width(FILE *out)
{
	struct winsize ws;
	const char *env;

	if (!isatty(fileno(out)))
		return 0;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	env = getenv("COLUMNS");
	if (env != NULL && atoi(env) > 0)
		return atoi(env);
	return 80;
}

int
output_color(FILE *out)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fileno(out)) && (nc == NULL || *nc == '\0');
}

/* The SQL for one column in a machine format: timestamps as six-decimal
 * JSON numbers (json() keeps the literal), arrays as JSON. */
static void
select_json_value(struct sbuf *b, const struct output_column *c)
{
	if (c->type == OT_TS || c->type == OT_SECONDS) {
		sbuf_puts(b, "json(printf('%.6f', ");
		sbuf_puts(b, c->expr);
		sbuf_puts(b, "))");
	} else if (c->type == OT_JSON) {
		sbuf_puts(b, "json(");
		sbuf_puts(b, c->expr);
		sbuf_puts(b, ")");
	} else {
		sbuf_puts(b, c->expr);
	}
}

char *
output_select(const struct output_column *cols, size_t n, enum output_format fmt)
{
	unsigned want = fmt == OUTPUT_TABLE ? OUT_TABLE : OUT_MACHINE;
	struct sbuf b = { 0 };
	int first = 1;

	sbuf_puts(&b, fmt == OUTPUT_JSON ? "json_object(" : "");
	for (size_t i = 0; i < n; i++) {
		if (!(cols[i].where & want))
			continue;
		sbuf_puts(&b, first ? "" : ", ");
		first = 0;
		if (fmt == OUTPUT_JSON) {
			sbuf_puts(&b, "'");
			sbuf_puts(&b, cols[i].key);
			sbuf_puts(&b, "', ");
			select_json_value(&b, &cols[i]);
		} else {
			sbuf_puts(&b, cols[i].expr);
		}
	}
	sbuf_puts(&b, fmt == OUTPUT_JSON ? ")" : "");
	return b.s;
}

/* The columns of COLS shown in format FMT, in order, into IDX; their count. */
static size_t
shown_columns(const struct output_column *cols, size_t n, enum output_format fmt,
    size_t *idx)
{
	unsigned want = fmt == OUTPUT_TABLE ? OUT_TABLE : OUT_MACHINE;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (cols[i].where & want)
			idx[k++] = i;
	return k;
}

/* Column I of the current row as text, formatted for FMT, escaped when it
 * goes to a table or a terminal (TTY); the caller frees. */
static char *
cell_text(sqlite3_stmt *st, int i, const struct output_column *c, enum output_format fmt,
    int tty)
{
	char buf[64];
	double v;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return xstrdup(fmt == OUTPUT_TABLE ? "-" : "");
	v = sqlite3_column_double(st, i);
	if (c->type == OT_TS && fmt == OUTPUT_TABLE)
		return xstrdup(output_time(v, buf, sizeof(buf)));
	if (c->type == OT_SECONDS && fmt == OUTPUT_TABLE) {
		snprintf(buf, sizeof(buf), "%.3f", v);
		return xstrdup(buf);
	}
	if (c->type == OT_TS || c->type == OT_SECONDS) {
		snprintf(buf, sizeof(buf), "%.6f", v);
		return xstrdup(buf);
	}
	if (fmt == OUTPUT_TABLE || tty)
		return output_escape((const char *)sqlite3_column_text(st, i));
	return xstrdup((const char *)sqlite3_column_text(st, i));
}

static long
write_json(sqlite3_stmt *st, FILE *out, char *err, size_t errlen)
{
	long rows = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		output_json_line(out, (const char *)sqlite3_column_text(st, 0));
		rows++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
		return -1;
	}
	return rows;
}

static long
write_csv(sqlite3_stmt *st, const struct output_column *cols, const size_t *idx,
    size_t k, int tty, FILE *out, char *err, size_t errlen)
{
	long rows = 0;
	int rc;

	for (size_t j = 0; j < k; j++) {
		fputs(j ? "," : "", out);
		output_csv_field(out, cols[idx[j]].key);
	}
	fputc('\n', out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t j = 0; j < k; j++) {
			char *s = cell_text(st, (int)j, &cols[idx[j]], OUTPUT_CSV, tty);

			fputs(j ? "," : "", out);
			output_csv_field(out, s);
			free(s);
		}
		fputc('\n', out);
		rows++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
		return -1;
	}
	return rows;
}

/* A buffered table: cells row-major, row 0 the titles. */
struct table {
	size_t ncols, nrows, cap;
	char **cells;
	size_t *width;
	int *right, *shrink;
};

/* Shorten shrinkable columns until the table fits WIDTH: those with the
 * highest shrink priority first, the widest of them first, none below 6
 * columns or its title.  What cannot give stays whole and the line runs
 * long: a cut address is worse than a wrapped line. */
static void
table_fit(struct table *t, int width)
{
	size_t total = 0;

	for (size_t j = 0; j < t->ncols; j++)
		total += t->width[j] + (j ? 2 : 0);
	while (width > 0 && total > (size_t)width) {
		size_t best = t->ncols, bw = 0;
		int bp = 0;

		for (size_t j = 0; j < t->ncols; j++) {
			size_t floor = output_strwidth(t->cells[j]);

			floor = floor > 6 ? floor : 6;
			if (t->shrink[j] == 0 || t->width[j] <= floor || t->shrink[j] < bp ||
			    (t->shrink[j] == bp && t->width[j] <= bw))
				continue;
			best = j, bw = t->width[j], bp = t->shrink[j];
		}
		if (best == t->ncols)
			return;
		t->width[best]--;
		total--;
	}
}

/* Bytes of S that fill at most W terminal columns. */
static size_t
prefix_bytes(const char *s, size_t w)
{
	const char *p = s;

	for (size_t cols = 0; *p && cols < w; cols++) {
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
	}
	return (size_t)(p - s);
}

/* Narrower than this, a wrapped last column is a ribbon of single words. */
#define WRAP_MIN 24

/* Print the last column's S in W columns, wrapping at spaces onto lines
 * indented by INDENT, so that long details stay whole on a terminal. */
static void
table_wrap(FILE *out, const char *s, size_t w, size_t indent)
{
	while (output_strwidth(s) > w) {
		size_t n = prefix_bytes(s, w), cut = n;

		while (cut > 0 && s[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = n;
		fwrite(s, 1, cut, out);
		fprintf(out, "\n%*s", (int)indent, "");
		s += cut;
		while (*s == ' ')
			s++;
	}
	fputs(s, out);
}

/* Print S in W columns; cut with '~' when longer. */
static void
table_cell(FILE *out, const char *s, size_t w, int right, int last)
{
	size_t sw = output_strwidth(s);

	if (sw > w) {
		fwrite(s, 1, prefix_bytes(s, w - 1), out);
		fputc('~', out);
		return;
	}
	if (right)
		fprintf(out, "%*s", (int)(w - sw), "");
	fputs(s, out);
	if (!right && !last)
		fprintf(out, "%*s", (int)(w - sw), "");
}

static void
table_print(struct table *t, int width, FILE *out)
{
	size_t indent = 0;

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t j = 0; j < t->ncols; j++) {
			size_t w = output_strwidth(t->cells[r * t->ncols + j]);

			if (w > t->width[j])
				t->width[j] = w;
		}
	table_fit(t, width);
	for (size_t j = 0; j + 1 < t->ncols; j++)
		indent += t->width[j] + 2;
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t j = 0; j < t->ncols; j++) {
			const char *c = t->cells[r * t->ncols + j];

			fputs(j ? "  " : "", out);
			if (j + 1 == t->ncols && !t->right[j] && t->shrink[j] &&
			    t->width[j] >= WRAP_MIN)
				table_wrap(out, c, t->width[j], indent);
			else if (j + 1 == t->ncols && t->shrink[j])
				fputs(c, out);  /* too narrow to wrap: let it run */
			else
				table_cell(out, c, t->width[j], t->right[j], j + 1 == t->ncols);
		}
		fputc('\n', out);
	}
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t->right);
	free(t->shrink);
}

static long
write_table(sqlite3_stmt *st, const struct output_column *cols, const size_t *idx,
    size_t k, int width, FILE *out, char *err, size_t errlen)
{
	struct table t = { .ncols = k };
	int rc;

	t.width = xcalloc(k, sizeof(*t.width));
	t.right = xcalloc(k, sizeof(*t.right));
	t.shrink = xcalloc(k, sizeof(*t.shrink));
	t.cells = xcalloc(k, sizeof(char *));
	t.cap = k;
	for (size_t j = 0; j < k; j++) {
		t.cells[j] = xstrdup(cols[idx[j]].title);
		t.right[j] = cols[idx[j]].type == OT_INT || cols[idx[j]].type == OT_SECONDS;
		t.shrink[j] = (int)cols[idx[j]].shrink;
	}
	t.nrows = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t j = 0; j < k; j++) {
			grow_array((void **)&t.cells, &t.cap, t.nrows * k + j + 1, sizeof(char *));
			t.cells[t.nrows * k + j] = cell_text(st, (int)j, &cols[idx[j]], OUTPUT_TABLE, 1);
		}
		t.nrows++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
		table_free(&t);
		return -1;
	}
	table_print(&t, width, out);
	table_free(&t);
	return (long)t.nrows - 1;
}

long
output_rows(sqlite3_stmt *st, const struct output_column *cols, size_t n,
    enum output_format fmt, int width, FILE *out, char *err, size_t errlen)
{
	size_t *idx = xcalloc(n ? n : 1, sizeof(*idx));
	size_t k = shown_columns(cols, n, fmt, idx);
	long rows;

	if (fmt == OUTPUT_JSON)
		rows = write_json(st, out, err, errlen);
	else if (fmt == OUTPUT_CSV)
		rows = write_csv(st, cols, idx, k, width > 0, out, err, errlen);
	else
		rows = write_table(st, cols, idx, k, width, out, err, errlen);
	free(idx);
	return rows;
}

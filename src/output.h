/*
 * output.h: the three result formats of the query commands.
 *
 * A command describes its result as a table of columns (struct
 * output_column): the JSON key / CSV header, the table title, the SQL
 * expression that produces the value, and its type.  From that one table
 * output_select() writes the SELECT list for the chosen format, and
 * output_rows() prints what the statement returns:
 *
 *   json   one object per line (JSON Lines), built by SQLite's json_object()
 *          so every string is valid JSON; timestamps are JSON numbers with
 *          exactly six decimals; bytes that are not UTF-8 become U+FFFD,
 *          DEL and the C1 controls are escaped like the C0 ones.
 *   csv    RFC 4180: a header row, fields with comma, quote, CR or LF
 *          quoted, quotes doubled; lines end with LF (what Unix tools and
 *          spreadsheets both read; RFC 4180 allows it as a local convention).
 *   table  aligned columns under a header line.  On a terminal the table is
 *          fitted to its width (TIOCGWINSZ, else $COLUMNS) by shortening the
 *          free-text columns (details, kinds), never addresses or numbers;
 *          the last column wraps at spaces instead, indented under itself;
 *          into a pipe or file nothing is cut, as ss and tcpdump do, so
 *          that grep and awk see whole values.
 *
 * Every string from the database passes output_escape() before it reaches
 * the terminal: control bytes and invalid UTF-8 are shown as \xNN.
 */
#ifndef TM_OUTPUT_H
#define TM_OUTPUT_H

#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

enum output_format { OUTPUT_TABLE = 0, OUTPUT_CSV, OUTPUT_JSON };

enum output_type {
	OT_INT,                 /* integer, right-aligned */
	OT_TEXT,                /* string (or NULL) */
	OT_TS,                  /* Unix seconds: %.6f in csv/json, UTC date in table */
	OT_SECONDS,             /* a duration: %.6f in csv/json, %.3f s in table */
	OT_JSON                 /* a JSON array or object built in SQL */
};

/* Where a column appears. */
#define OUT_MACHINE 1           /* csv and json */
#define OUT_TABLE 2
#define OUT_ALL (OUT_MACHINE | OUT_TABLE)

struct output_column {
	const char *key;        /* JSON key and CSV header */
	const char *title;      /* table header */
	const char *expr;       /* SQL expression */
	enum output_type type;
	unsigned where;         /* OUT_* */
	unsigned shrink;        /* table: 0 never cut; else cut to fit the
	                         * width, higher numbers first */
};

/* Parse "table", "csv" or "json"; -1 if unknown. */
int output_format_parse(const char *s);

/* The SELECT list for format FMT over COLS (N of them); the caller frees.
 * For json it is a single json_object(...) column. */
char *output_select(const struct output_column *cols, size_t n, enum output_format fmt);

/* Print every row of ST (prepared from output_select's list) to OUT in
 * format FMT.  WIDTH is output_width(OUT): the table is fitted to it, and
 * when it is not 0 (a terminal) CSV fields are escaped too; JSON escapes
 * itself.  Returns the number of rows, or -1 with the reason in ERR. */
long output_rows(sqlite3_stmt *st, const struct output_column *cols, size_t n,
    enum output_format fmt, int width, FILE *out, char *err, size_t errlen);

/* The width to fit tables to on OUT: the terminal's, $COLUMNS when the
 * terminal does not say, 0 (no limit) when OUT is not a terminal. */
int output_width(FILE *out);

/* Whether OUT should get colour: a terminal, and NO_COLOR unset. */
int output_color(FILE *out);

/* S made safe for a terminal: control bytes, DEL, C1 controls, backslash
 * and invalid UTF-8 as \xNN (backslash as \\); the caller frees. */
char *output_escape(const char *s);

/* Write one JSON line to OUT, replacing bytes that are not UTF-8 with
 * \ufffd (SQLite passes them through unchanged) and writing DEL and the
 * C1 controls as \u007f and \u0080..\u009f, so that no string can drive
 * the terminal it is printed on. */
void output_json_line(FILE *out, const char *json);

/* Write S as a JSON string (quoted; control bytes, DEL and C1 controls
 * as \u00XX, invalid UTF-8 as \ufffd; NULL as null), for output composed
 * in C. */
void output_json_string(FILE *out, const char *s);

/* Write S as one CSV field (quoted when needed; NULL is empty). */
void output_csv_field(FILE *out, const char *s);

/* Terminal columns taken by the UTF-8 string S (one per code point). */
size_t output_strwidth(const char *s);

/* Format Unix seconds T as "YYYY-MM-DD HH:MM:SS.mmm" UTC into BUF. */
const char *output_time(double t, char *buf, size_t len);

/* "s" unless N is 1, for a count in words, as tcpdump's "1 packet
 * captured": printf("%llu connection%s", n, output_plural(n)). */
const char *output_plural(unsigned long long n);

#endif

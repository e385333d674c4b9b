/*
 * store.c: the SQLite writer behind store.h.
 *
 * Opening is careful before it is fast.  A file we did not create may be
 * someone else's SQLite database or not SQLite at all, and the pragmas we
 * want (WAL above all) rewrite the file header, so an existing file is first
 * only read: is it SQLite, does meta say 'tcpmortem', is user_version one we
 * know.  Only then do the writing pragmas run.
 *
 *   store_open ──> check the path (stat, access)
 *              ──> sqlite3_open_v2
 *              ──> classify: empty | tcpmortem vN | refused (file untouched)
 *              ──> WAL, synchronous=NORMAL, foreign_keys off when writing
 *              ──> create the schema if empty, or upgrade an older
 *                  version (one transaction, under the write lock)
 *              ──> prepare every write statement once
 *
 * Writing is then nothing but binding values to the prepared statements
 * inside the capture's one transaction: no SELECT, no per-flow transaction;
 * a flow is two rows (flows, and its timelines and ladder as JSON in
 * flow_details).  The only reads on the write path are, at
 * store_begin_capture, the flow id base and whether the file holds any
 * flow (a first capture leaves WAL for its transaction: leave_wal), and,
 * at commit, the findings count (one UPDATE, when a detector named a flow
 * it was not handed), the indices to build again and whether the
 * planner's statistics are due.
 *
 * Every SQLite failure goes through store_error(), which turns the result
 * code into the one line the user sees, naming the database path.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "flowjson.h"
#include "names.h"
#include "netmatch.h"
#include "planstats.h"
#include "schema.h"
#include "store.h"
#include "util.h"
#include "writeback.h"

enum stmt {
	ST_INSERT_CAPTURE,
	ST_UPDATE_CAPTURE,
	ST_INSERT_FLOW,
	ST_UPSERT_FLOW,
	ST_INSERT_DETAILS,
	ST_UPSERT_DETAILS,
	ST_INSERT_FINDING,
	ST_COUNT_FINDINGS,
	ST_COUNT
};

/* The capture row's columns, in the order capture_bind() binds them; both
 * the INSERT and the UPDATE are built from this list. */
static const char *const capture_columns[] = {
	"path", "source", "interface", "size", "mtime", "digest", "link_types",
	"profile", "vantage", "status", "damage", "packets", "tcp_packets",
	"bytes", "first_ts", "last_ts", "fragments", "truncated", "malformed",
	"unsupported", "non_tcp", "drops", "flows", "flows_evicted", "flows_aggregated",
	"peak_flows", "clock_leaps", "analysed_at", "tool_version", NULL
};

/* The flow row's columns, in the order store_write_flow() binds them. */
static const char *const flow_columns[] = {
	"id", "capture", "family", "client", "client_port", "server",
	"server_port", "first_ts", "last_ts", "duration", "first_frame",
	"last_frame", "packets", "bytes", "client_packets", "client_bytes",
	"server_packets", "server_bytes", "handshake", "close", "closer",
	"client_state", "server_state", "client_isn", "server_isn",
	"incarnation", "previous", "end_reason", "findings", NULL
};

enum sql_form { SQL_INSERT, SQL_UPDATE, SQL_UPSERT };

/* Statements generated from a column list, so that the SQL and the
 * binding order cannot drift apart. */
static const struct {
	enum stmt stmt;
	const char *table;
	const char *const *columns;
	enum sql_form form;
} built_stmts[] = {
	{ ST_INSERT_CAPTURE, "captures", capture_columns, SQL_INSERT },
	{ ST_UPDATE_CAPTURE, "captures", capture_columns, SQL_UPDATE },
	{ ST_INSERT_FLOW, "flows", flow_columns, SQL_INSERT },
	{ ST_UPSERT_FLOW, "flows", flow_columns, SQL_UPSERT },
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_INSERT_DETAILS] =
	    "INSERT INTO flow_details (flow, timeline, ladder) VALUES (?, ?, ?)",
	[ST_UPSERT_DETAILS] =
	    "INSERT INTO flow_details (flow, timeline, ladder) VALUES (?, ?, ?)"
	    " ON CONFLICT (flow) DO UPDATE SET timeline = excluded.timeline,"
	    " ladder = excluded.ladder",
	[ST_INSERT_FINDING] =
	    "INSERT INTO findings (capture, kind, flow, side, ts, host, port,"
	    " frames, detail, vantage, detector) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	/* Only flows that have findings: the others keep their 0. */
	[ST_COUNT_FINDINGS] =
	    "UPDATE flows SET findings = c.n FROM (SELECT flow, count(*) AS n"
	    " FROM findings WHERE capture = ?1 AND flow IS NOT NULL GROUP BY flow)"
	    " AS c WHERE flows.id = c.flow",
};


/* The meta key of indices dropped by a hold and not yet built again. */
#define PENDING_KEY "pending_indices"

struct store {
	sqlite3 *db;
	char *path;
	enum store_mode mode;
	int busy_ms;
	sqlite3_stmt *st[ST_COUNT];
	struct flowjson json[2]; /* a flow's timeline and ladder, being written */
	char *deferred;         /* CREATE INDEX statements to run at the end */
	char *pending;          /* those whose DROP is committed (store_hold_indices) */
	int hold;               /* store_hold_indices: captures end without them */
	int rollback_journal;   /* this capture's transaction is not in WAL mode */
	int scratch;            /* store_open_scratch: no indices, no journal on disk */
};

/* --- errors ------------------------------------------------------------ */

/* Turn SQLite result RC, met while doing WHAT, into the user's line. */
static int
store_error(struct store *s, int rc, const char *what, char *err, size_t errlen)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(err, errlen, "%s: database is locked by another writer (waited %g s)",
		    s->path, s->busy_ms / 1000.0);
		break;
	case SQLITE_FULL:
		/* SQLite may or may not have rolled back already; make it
		 * certain, so that the message is true whatever the caller does. */
		snprintf(err, errlen, "%s: disk full while %s; the transaction was rolled back",
		    s->path, what);
		store_abort_capture(s);
		break;
	case SQLITE_READONLY:
		if (rc == SQLITE_READONLY_ROLLBACK) {
			snprintf(err, errlen, "%s: an interrupted write left %s-journal to be "
			    "rolled back, which needs write access to the file and its directory",
			    s->path, s->path);
			break;
		}
		snprintf(err, errlen, "%s: database is read-only (%s)", s->path,
		    sqlite3_errmsg(s->db));
		break;
	default:
		snprintf(err, errlen, "%s: %s: %s", s->path, what,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		break;
	}
	return -1;
}

/* --- binding ----------------------------------------------------------- */

/* Binds the columns of one statement in order, remembering the first
 * failure so that callers bind a whole row and check once.  Text is bound
 * without a copy (SQLITE_STATIC): it must live until the statement is
 * stepped, so values formatted on the way go into SCRATCH, which lives as
 * long as the binder. */
struct binder {
	sqlite3_stmt *st;
	int i, rc;
	char scratch[2][64];
};

static struct binder
bind_start(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	return (struct binder){ .st = st, .i = 1, .rc = SQLITE_OK, .scratch = { "", "" } };
}

static void
bind_rc(struct binder *b, int rc)
{
	if (b->rc == SQLITE_OK)
		b->rc = rc;
	b->i++;
}

static void bind_int(struct binder *b, int64_t v)
{ bind_rc(b, sqlite3_bind_int64(b->st, b->i, v)); }
static void bind_real(struct binder *b, double v)
{ bind_rc(b, sqlite3_bind_double(b->st, b->i, v)); }
static void bind_null(struct binder *b)
{ bind_rc(b, sqlite3_bind_null(b->st, b->i)); }
static void bind_ts(struct binder *b, tm_time_t t) { bind_real(b, ts_seconds(t)); }

static void
bind_text(struct binder *b, const char *v)
{
	if (v == NULL)
		bind_null(b);
	else
		bind_rc(b, sqlite3_bind_text(b->st, b->i, v, -1, SQLITE_STATIC));
}

/* J's JSON (flowjson.h), its length known: it counts the NUL. */
static void
bind_json(struct binder *b, const struct flowjson *j)
{
	bind_rc(b, sqlite3_bind_text(b->st, b->i, j->p, (int)j->n - 1, SQLITE_STATIC));
}

/* An integer where 0 means "unknown": NULL. */
static void
bind_known(struct binder *b, int64_t v)
{
	if (v == 0)
		bind_null(b);
	else
		bind_int(b, v);
}

/* Step a bound statement that returns no row. */
static int
bind_step(struct binder *b)
{
	int rc = b->rc;

	if (rc == SQLITE_OK && (rc = sqlite3_step(b->st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_reset(b->st);
	return rc;
}

/* --- opening ----------------------------------------------------------- */

/* The directory part of PATH, in BUF. */
static const char *
dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
	return buf;
}

/* What the file system says before SQLite does: SQLite's own messages
 * ("unable to open database file") do not say which of these it was. */
static int
check_path(const char *path, enum store_mode mode, char *err, size_t errlen)
{
	struct stat sb;
	char dir[4096];

	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return snprintf(err, errlen, "%s: is a directory", path), -1;
		if (access(path, mode == STORE_WRITE ? R_OK | W_OK : R_OK) != 0)
			return snprintf(err, errlen, "%s: cannot %s: %s", path,
			    mode == STORE_WRITE ? "write" : "read", strerror(errno)), -1;
	} else if (errno != ENOENT) {
		return snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1;
	} else if (mode == STORE_READ) {
		return snprintf(err, errlen, "no database at %s; run 'tcpmortem analyze' first",
		    path), -1;
	}
	if (mode == STORE_READ)
		return 0;
	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &sb) != 0)
		return snprintf(err, errlen, "%s: directory %s does not exist", path, dir), -1;
	if (access(dir, W_OK | X_OK) != 0)
		return snprintf(err, errlen, "%s: directory %s is not writable (%s); "
		    "the database needs it for its -wal and -shm files", path, dir,
		    strerror(errno)), -1;
	return 0;
}

/* The single integer (or text) answer of SQL, or an SQLite error code. */
static int
query_one(sqlite3 *db, const char *sql, int64_t *num, char *text, size_t textlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (num != NULL)
			*num = sqlite3_column_int64(st, 0);
		if (text != NULL)
			snprintf(text, textlen, "%s", sqlite3_column_text(st, 0) ?
			    (const char *)sqlite3_column_text(st, 0) : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_NOTFOUND;
	}
	sqlite3_finalize(st);
	return rc;
}

enum kind { DB_EMPTY, DB_OURS, DB_REFUSED };

/* Read only: is this an empty file, a tcpmortem database we can use, or
 * something to refuse (and leave alone)? */
static enum kind
classify(struct store *s, int64_t *versionp, char *err, size_t errlen)
{
	int64_t version = 0, objects = 0;
	char app[64] = "";
	int rc = query_one(s->db, "PRAGMA user_version", &version, NULL, 0);

	if (rc == SQLITE_OK)
		rc = query_one(s->db, "SELECT count(*) FROM sqlite_master", &objects, NULL, 0);
	if ((rc & 0xff) == SQLITE_NOTADB)
		return snprintf(err, errlen, "%s: not a tcpmortem database (not an SQLite file); "
		    "left untouched", s->path), DB_REFUSED;
	if (rc != SQLITE_OK)
		return store_error(s, rc, "reading the schema", err, errlen), DB_REFUSED;
	if (objects == 0 && version == 0)
		return DB_EMPTY;
	if (query_one(s->db, "SELECT value FROM meta WHERE key = 'application'",
	    NULL, app, sizeof(app)) != SQLITE_OK || strcmp(app, "tcpmortem") != 0 || version < 1)
		return snprintf(err, errlen, "%s: not a tcpmortem database (an SQLite database "
		    "of another application); left untouched", s->path), DB_REFUSED;
	if (version > STORE_SCHEMA_VERSION)
		return snprintf(err, errlen, "%s: database schema version %" PRId64 " is newer "
		    "than this tcpmortem's (version %d); use a newer tcpmortem", s->path,
		    version, STORE_SCHEMA_VERSION), DB_REFUSED;
	*versionp = version;
	return DB_OURS;
}

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
    "schema.h: one migration per version below STORE_SCHEMA_VERSION");

/* Under the write lock: create the schema in an empty file, or bring an
 * older one up to STORE_SCHEMA_VERSION.  Another process may have done
 * either since classify(), hence the second look. */
static int
schema_update(struct store *s)
{
	int64_t objects = 0, version = 0;
	char sql[64];
	int rc = query_one(s->db, "SELECT count(*) FROM sqlite_master", &objects, NULL, 0);

	if (rc == SQLITE_OK)
		rc = query_one(s->db, "PRAGMA user_version", &version, NULL, 0);
	if (rc != SQLITE_OK || version >= STORE_SCHEMA_VERSION)
		return rc;
	if (objects == 0) {
		rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL);
		version = STORE_SCHEMA_VERSION;
	}
	for (; rc == SQLITE_OK && version >= 1 && version < STORE_SCHEMA_VERSION; version++)
		rc = sqlite3_exec(s->db, migrations[version], NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	return rc == SQLITE_OK ? sqlite3_exec(s->db, sql, NULL, NULL, NULL) : rc;
}

/* The writing pragmas, then the schema if the file is new or older. */

/* A cache of 8 MiB wrote c10k and c1m (bench/) as fast as 32 MiB did, and
 * serves the indices when rows go into an indexed table.  Rows appended
 * to tables without indices (a scratch store; a first capture, its
 * indices built at the end) need only the pages being filled: 1 MiB was
 * as fast there, and the analysis, at its peak meanwhile, has the rest. */
#define CACHE_KIB 8192
#define APPEND_CACHE_KIB 1024

static int
set_cache(struct store *s, int kib)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA main.cache_size = -%d", kib);
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

static int
prepare_file(struct store *s, enum kind kind, int64_t version, char *err, size_t errlen)
{
	int rc;

	if (s->mode == STORE_READ)
		return 0;
	/* Every reference the writer stores it made itself: a flow's capture,
	 * a detail's flow, a finding's capture.  Checking each against its
	 * parent is a B-tree seek per row, most of the time the writer spends
	 * past SQLite's own per row (c1m 11.39 -> 10.86 s, four files 3.53 ->
	 * 3.44 s).  The tests check them all with PRAGMA foreign_key_check
	 * instead, and store_delete_capture deletes a capture's rows itself,
	 * not by the schema's cascades. */
	sqlite3_exec(s->db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
	/* Pages of 16 KiB hold a dozen flows each: writing a capture took a
	 * fifth less time than with 4 KiB.  Only a new file can take it. */
	if (kind == DB_EMPTY)
		sqlite3_exec(s->db, "PRAGMA page_size = 16384", NULL, NULL, NULL);
	/* Temporary
	 * files (the sorter's, building the indices) stay files: SQLite's
	 * in-memory ones made building c1m's indices take 6.1 s, not 4.3, and
	 * held their runs in our memory instead of the page cache. */
	/* A scratch store is thrown away on any failure: its rollback
	 * journal can stay in memory and nothing needs to reach the disk
	 * before it is copied (never WAL: no -wal and -shm files). */
	rc = sqlite3_exec(s->db, s->scratch ?
	    "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF" :
	    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = set_cache(s, s->scratch ? APPEND_CACHE_KIB : CACHE_KIB);
	if (rc != SQLITE_OK)
		return store_error(s, rc, s->scratch ? "setting up a scratch database" :
		    "setting WAL mode", err, errlen);
	if (kind == DB_OURS && version == STORE_SCHEMA_VERSION)
		return 0;
	if ((rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) == SQLITE_OK &&
	    (rc = schema_update(s)) == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_error(s, rc, kind == DB_EMPTY ? "creating the schema" : "upgrading the schema",
		    err, errlen);
		store_abort_capture(s);
		return -1;
	}
	return 0;
}

/* Append the formatted text to the SQL being built in BUF. */
static void __attribute__((format(printf, 3, 4)))
sql_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* INSERT:  INSERT INTO t (a, b) VALUES (?, ?)
 * UPDATE:  UPDATE t SET a = ?, b = ? WHERE id = ?
 * UPSERT:  the INSERT, and on a taken id an update of the row, but only
 *          if it belongs to the same capture (COLUMNS[0] must be id). */
static void
sql_build(char *buf, size_t len, const char *table, const char *const *cols,
    enum sql_form form)
{
	buf[0] = '\0';
	if (form == SQL_UPDATE) {
		sql_add(buf, len, "UPDATE %s SET ", table);
		for (int i = 0; cols[i] != NULL; i++)
			sql_add(buf, len, "%s%s = ?", i ? ", " : "", cols[i]);
		sql_add(buf, len, " WHERE id = ?");
		return;
	}
	sql_add(buf, len, "INSERT INTO %s (", table);
	for (int i = 0; cols[i] != NULL; i++)
		sql_add(buf, len, "%s%s", i ? ", " : "", cols[i]);
	sql_add(buf, len, ") VALUES (");
	for (int i = 0; cols[i] != NULL; i++)
		sql_add(buf, len, "%s?", i ? ", " : "");
	sql_add(buf, len, ")");
	if (form != SQL_UPSERT)
		return;
	sql_add(buf, len, " ON CONFLICT (id) DO UPDATE SET ");
	for (int i = 1; cols[i] != NULL; i++)
		sql_add(buf, len, "%s%s = excluded.%s", i > 1 ? ", " : "", cols[i], cols[i]);
	sql_add(buf, len, " WHERE %s.capture = excluded.capture", table);
}

static int
prepare_statements(struct store *s, char *err, size_t errlen)
{
	char sql[4096];

	for (int i = 0; i < ST_COUNT; i++) {
		snprintf(sql, sizeof(sql), "%s", stmt_sql[i] != NULL ? stmt_sql[i] : "");
		for (size_t j = 0; j < sizeof(built_stmts) / sizeof(built_stmts[0]); j++)
			if (built_stmts[j].stmt == (enum stmt)i)
				sql_build(sql, sizeof(sql), built_stmts[j].table,
				    built_stmts[j].columns, built_stmts[j].form);
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
		    NULL) != SQLITE_OK)
			return store_error(s, sqlite3_errcode(s->db), "preparing statements",
			    err, errlen);
	}
	return 0;
}

/* Whether PATH's companion file PATH-SUFFIX holds bytes. */
static int
companion_holds_bytes(const char *path, const char *suffix)
{
	char name[4096];
	struct stat st;

	snprintf(name, sizeof(name), "%s-%s", path, suffix);
	return stat(name, &st) == 0 && st.st_size > 0;
}

/* A run killed while writing with a rollback journal (leave_wal) leaves
 * PATH-journal, which the next connection must play back before reading;
 * a read-only one cannot.  So a reader that finds one lets a read-write
 * connection do it, as sqlite3 itself would, when it may write there.  A
 * journal of a writer still at work is not hot, and this only reads. */
static void
roll_back_interrupted(const char *path, int busy_ms)
{
	sqlite3 *db;
	int64_t n;

	if (!companion_holds_bytes(path, "journal") || access(path, W_OK) != 0)
		return;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, busy_ms);
		query_one(db, "SELECT count(*) FROM sqlite_master", &n, NULL, 0);
	}
	sqlite3_close(db);
}

/* Whether a reader of PATH cannot make or write the -shm file a database
 * in WAL mode needs to be read: a directory or medium it may not write, a
 * -shm file of another user (sudo tcpmortem capture, then tcpmortem
 * flows as oneself). */
static int
shm_out_of_reach(const char *path)
{
	char shm[4096], dir[4096];

	snprintf(shm, sizeof(shm), "%s-shm", path);
	if (access(shm, F_OK) == 0)
		return access(shm, R_OK | W_OK) != 0;
	return access(dir_of(path, dir, sizeof(dir)), W_OK | X_OK) != 0;
}

/* PATH as an SQLite URI that opens it immutable: file:PATH?immutable=1,
 * with the characters a URI gives meaning to escaped. */
static char *
immutable_uri(const char *path)
{
	sqlite3_str *u = sqlite3_str_new(NULL);

	sqlite3_str_appendall(u, "file:");
	for (const char *c = path; *c != '\0'; c++)
		if (*c == '%' || *c == '?' || *c == '#')
			sqlite3_str_appendf(u, "%%%02x", (unsigned char)*c);
		else
			sqlite3_str_appendchar(u, 1, *c);
	sqlite3_str_appendall(u, "?immutable=1");
	return sqlite3_str_finish(u);
}

/* Open PATH for reading.  SQLite reads a database in WAL mode through its
 * -shm file, which it makes, or opens read-only when another user's
 * writer holds it.  Where it can do neither (a directory or medium the
 * reader may not write), a database its writer finished and closed (the
 * WAL checkpointed into the file, no -wal or -journal left with pages) is
 * read as immutable, which needs no -shm and takes no lock; one still
 * being written, or left by a killed writer, cannot be read there, and
 * the message says why. */
static int
open_for_reading(struct store *s, char *err, size_t errlen)
{
	int64_t n;
	char *uri;
	int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);

	sqlite3_busy_timeout(s->db, s->busy_ms);
	if (rc == SQLITE_OK)
		rc = query_one(s->db, "SELECT count(*) FROM sqlite_master", &n, NULL, 0);
	if (rc == SQLITE_OK)
		return 0;
	if (((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN) ||
	    !shm_out_of_reach(s->path))
		return store_error(s, rc, "opening", err, errlen);
	if (companion_holds_bytes(s->path, "wal") || companion_holds_bytes(s->path, "journal"))
		return snprintf(err, errlen, "%s: cannot read: it is being written, or its writer "
		    "was stopped, and its -shm file cannot be made here (%s); read it where you "
		    "may write, or once its writer has finished", s->path, strerror(EACCES)), -1;
	sqlite3_close(s->db);
	uri = immutable_uri(s->path);
	rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOMUTEX, NULL);
	sqlite3_free(uri);
	return rc == SQLITE_OK ? 0 : store_error(s, rc, "opening", err, errlen);
}

static int build_pending(struct store *s, char *err, size_t errlen);

/* A run killed between the captures of a hold (store_hold_indices) left
 * the SQL of the indices it dropped in meta: the first writer after it
 * builds them, before writing anything else. */
static int
build_left_pending(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = '"
	    PENDING_KEY "'", -1, &st, NULL);

	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		s->pending = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return store_error(s, rc, "reading meta", err, errlen);
	return s->pending != NULL ? build_pending(s, err, errlen) : 0;
}

static struct store *
open_store(const char *path, enum store_mode mode, int busy_ms, int scratch,
    char *err, size_t errlen)
{
	struct store *s;
	int flags = mode == STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
	    : SQLITE_OPEN_READONLY;
	int64_t version = 0;
	enum kind kind;
	int rc;

	if (check_path(path, mode, err, errlen) != 0)
		return NULL;
	/* Memory statistics cost a global mutex on every allocation; nothing
	 * reads them.  Refused (harmlessly) once SQLite is initialised. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (mode == STORE_READ)
		roll_back_interrupted(path, busy_ms);
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->mode = mode;
	s->scratch = scratch;
	s->busy_ms = busy_ms;
	if (mode == STORE_READ) {
		if (open_for_reading(s, err, errlen) != 0)
			goto fail;
	} else if ((rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL)) !=
	    SQLITE_OK) {
		store_error(s, rc, "opening", err, errlen);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, busy_ms);
	sqlite3_extended_result_codes(s->db, 1);
	if ((rc = netmatch_register(s->db)) != SQLITE_OK) {      /* --host NET */
		store_error(s, rc, "opening", err, errlen);
		goto fail;
	}
	if ((kind = classify(s, &version, err, errlen)) == DB_REFUSED)
		goto fail;
	if (kind == DB_EMPTY && mode == STORE_READ) {
		snprintf(err, errlen, "no database at %s; run 'tcpmortem analyze' first", path);
		goto fail;
	}
	if (prepare_file(s, kind, version, err, errlen) != 0 ||
	    (mode == STORE_WRITE && prepare_statements(s, err, errlen) != 0) ||
	    (mode == STORE_WRITE && !scratch && build_left_pending(s, err, errlen) != 0))
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

struct store *
store_open(const char *path, enum store_mode mode, int busy_ms, char *err, size_t errlen)
{
	return open_store(path, mode, busy_ms, 0, err, errlen);
}

struct store *
store_open_scratch(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (lstat(path, &sb) == 0) {
		snprintf(err, errlen, "%s: exists already", path);
		return NULL;
	}
	return open_store(path, STORE_WRITE, 0, 1, err, errlen);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	store_abort_capture(s);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->deferred);
	free(s->pending);
	flowjson_free(&s->json[0]);
	flowjson_free(&s->json[1]);
	free(s->path);
	free(s);
}

sqlite3 *store_db(struct store *s) { return s->db; }

/* --- captures ---------------------------------------------------------- */

static void
digest_text(uint64_t digest, char *buf, size_t len)
{
	snprintf(buf, len, "%016" PRIx64, digest);
}

int64_t
store_find_capture(struct store *s, const char *path, int64_t size, int64_t mtime,
    uint64_t digest)
{
	const char *sql = digest != 0 ? "SELECT id FROM captures WHERE digest = ?1 ORDER BY id"
	    : "SELECT id FROM captures WHERE path = ?1 AND size = ?2 AND mtime = ?3 ORDER BY id";
	sqlite3_stmt *st;
	char hex[17];
	int64_t id = 0;

	if (digest == 0 && (path == NULL || size < 0 || mtime == 0))
		return 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	digest_text(digest, hex, sizeof(hex));
	if (digest != 0) {
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, size);
		sqlite3_bind_int64(st, 3, mtime);
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* Bind CI in capture_columns order. */
static void
capture_bind(struct binder *b, const struct capture_info *ci)
{
	/* fragments, truncated, malformed, unsupported */
	static const enum decode_verdict counted[] = { DECODE_FRAGMENT, DECODE_TRUNCATED,
	    DECODE_MALFORMED, DECODE_UNSUPPORTED };
	const uint64_t *v = ci->verdicts;
	char *hex = b->scratch[0];

	digest_text(ci->digest, hex, sizeof(b->scratch[0]));
	bind_text(b, ci->path);
	bind_text(b, ci->source != NULL ? ci->source : "file");
	bind_text(b, ci->interface);
	if (ci->size < 0)
		bind_null(b);
	else
		bind_int(b, ci->size);
	bind_known(b, ci->mtime);
	bind_text(b, ci->digest != 0 ? hex : NULL);
	bind_text(b, ci->link_types);
	bind_text(b, ci->profile != NULL ? ci->profile : "linux");
	bind_text(b, ci->vantage);
	bind_text(b, ci->status != NULL ? ci->status : "running");
	bind_text(b, ci->damage);
	bind_int(b, (int64_t)ci->packets);
	bind_int(b, (int64_t)ci->tcp_packets);
	bind_int(b, (int64_t)ci->bytes);
	if (ci->packets == 0) {
		bind_null(b);
		bind_null(b);
	} else {
		bind_ts(b, ci->first_ts);
		bind_ts(b, ci->last_ts);
	}
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		bind_int(b, (int64_t)v[counted[i]]);
	bind_int(b, (int64_t)(v[DECODE_NOT_TCP] + v[DECODE_NOT_IP]));
	bind_int(b, (int64_t)ci->drops);
	bind_int(b, (int64_t)ci->flows);
	bind_int(b, (int64_t)ci->flows_evicted);
	bind_int(b, (int64_t)ci->flows_aggregated);
	bind_int(b, (int64_t)ci->peak_flows);
	bind_int(b, (int64_t)ci->clock_leaps);
	bind_real(b, (double)time(NULL));
	bind_text(b, PACKAGE_VERSION);
}

/* Indices held over several captures (store_hold_indices) are dropped in
 * the first one's transaction and built after the last; between the two
 * commits the file says so in meta (PENDING_KEY), so that a run killed in
 * between leaves work for the next writer (build_left_pending) instead
 * of a database without indices for good. */
static int
remember_pending(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES ('"
	    PENDING_KEY "', ?)", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, sql, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Into an empty database: drop the indices of the tables written most,
 * keeping their SQL to build them again in store_end_capture. */
static int
defer_indices(struct store *s)
{
	/* IF NOT EXISTS: indices held over several captures may have been
	 * built meanwhile by another writer (build_pending). */
	static const char sql[] = "SELECT group_concat(replace(sql, 'CREATE INDEX ',"
	    " 'CREATE INDEX IF NOT EXISTS '), ';'), group_concat('DROP INDEX main.'"
	    " || name, ';') FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
	    " AND tbl_name IN ('flows', 'findings')";
	sqlite3_stmt *st;
	char *drop = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL) {
		s->deferred = xstrdup((const char *)sqlite3_column_text(st, 0));
		drop = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = SQLITE_OK;
	/* No statement may be running while an index is dropped. */
	sqlite3_finalize(st);
	if (rc == SQLITE_OK && drop != NULL)
		rc = sqlite3_exec(s->db, drop, NULL, NULL, NULL);
	if (rc == SQLITE_OK && drop != NULL)
		rc = set_cache(s, APPEND_CACHE_KIB);
	if (rc == SQLITE_OK && drop != NULL && s->hold)
		rc = remember_pending(s, s->deferred);
	free(drop);
	return rc;
}

/* The query planner needs statistics to choose between an index on the
 * filter and the index on the sort order: with a common port and LIMIT 50,
 * the wrong one read 200,000 rows of a 1M-flow database (440 ms) where the
 * right one reads a few hundred (25 ms).  They are gathered from a sample
 * made exact where the choice depends on it (planstats.h), and again when
 * the flows have doubled since, and not below ANALYZE_MIN_FLOWS, where any
 * plan is fast. */
#define ANALYZE_MIN_FLOWS 10000

static int
refresh_statistics(struct store *s)
{
	int64_t flows = 0, last = 0;
	char sql[128];
	int rc = query_one(s->db, "SELECT coalesce(max(id), 0) FROM flows", &flows, NULL, 0);

	if (rc != SQLITE_OK)
		return rc;
	if (query_one(s->db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'analyzed_flows'",
	    &last, NULL, 0) != SQLITE_OK)
		last = 0;
	if (flows < ANALYZE_MIN_FLOWS || flows < 2 * last)
		return SQLITE_OK;
	if ((rc = planstats_gather(s->db)) != SQLITE_OK)
		return rc;
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta VALUES "
	    "('analyzed_flows', %" PRId64 ")", flows);
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

int
store_try_write(struct store *s, char *err, size_t errlen)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_error(s, rc, "starting a transaction", err, errlen);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return 0;
}

int
store_holds_rows(struct store *s)
{
	int64_t any = 1;

	query_one(s->db, "SELECT EXISTS (SELECT 1 FROM main.flows) OR "
	    "EXISTS (SELECT 1 FROM main.findings)", &any, NULL, 0);
	return any != 0;
}

/* A first capture into a database that holds none is written with a
 * rollback journal instead of the WAL.  In WAL mode every page is written
 * twice, to the log and then by the checkpoint into the file, each with
 * its fsync; a rollback journal saves only pages that held something
 * before the transaction, which here are a few schema pages, so the rest
 * is written once, in place (c10k: the commit took 1.1 s, now 0.1 s).
 * Atomicity is the same: an interrupted run leaves a journal that puts
 * the file back as it was.  The cost is that a reader of this file waits
 * for the commit instead of seeing it empty, and the switch needs the file
 * to ourselves: if anyone else has it open, the capture stays in WAL. */
static void
leave_wal(struct store *s)
{
	char mode[16] = "";

	if (s->scratch || s->rollback_journal || store_holds_rows(s))
		return;             /* (already left, by a capture of a hold) */
	if (query_one(s->db, "PRAGMA main.journal_mode = DELETE", NULL, mode, sizeof(mode)) ==
	    SQLITE_OK && strcmp(mode, "delete") == 0)
		s->rollback_journal = 1;
}

/* Back to WAL after leave_wal(), once the transaction is over.  If a
 * reader holds the file, it stays as it is until the next writer opens
 * it (prepare_file). */
static void
back_to_wal(struct store *s)
{
	if (!s->rollback_journal)
		return;
	s->rollback_journal = 0;
	sqlite3_exec(s->db, "PRAGMA main.journal_mode = WAL", NULL, NULL, NULL);
}

/* Build the indices dropped by defer_indices(). */
static int
build_indices(struct store *s, char *err, size_t errlen)
{
	int rc;

	if (s->deferred == NULL)
		return 0;
	rc = set_cache(s, CACHE_KIB);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, s->deferred, NULL, NULL, NULL);
	free(s->deferred);
	s->deferred = NULL;
	return rc == SQLITE_OK ? 0 : store_error(s, rc, "building the indices", err, errlen);
}

int
store_begin_capture(struct store *s, const struct capture_info *ci, int64_t *id,
    uint64_t *flow_id_base, char *err, size_t errlen)
{
	struct binder b;
	int64_t base = 0, findings = 0;
	int rc;

	if (ci->bulk)
		leave_wal(s);
	if ((rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK) {
		back_to_wal(s);
		return store_error(s, rc, "starting the capture's transaction", err, errlen);
	}
	b = bind_start(s->st[ST_INSERT_CAPTURE]);
	capture_bind(&b, ci);
	rc = bind_step(&b);
	*id = sqlite3_last_insert_rowid(s->db);
	if (rc == SQLITE_OK)
		rc = query_one(s->db, "SELECT coalesce(max(id), 0) FROM flows", &base, NULL, 0);
	if (rc == SQLITE_OK && ci->bulk && base == 0)
		rc = query_one(s->db, "SELECT EXISTS (SELECT 1 FROM findings)", &findings, NULL, 0);
	if (rc == SQLITE_OK && ci->bulk && s->pending == NULL && (base == 0 ? findings == 0 :
	    ci->expected_flows >= (uint64_t)base))
		rc = defer_indices(s);
	if (rc != SQLITE_OK) {
		store_error(s, rc, "storing the capture", err, errlen);
		store_abort_capture(s);
		return -1;
	}
	*flow_id_base = (uint64_t)base;
	return 0;
}

/* Update the capture row and, unless each flow was written with them
 * (FINAL: every flow's last row is written, and no finding named a flow
 * other than the one being handled), the flows' findings counts.  That
 * count is one grouped pass over the findings: it runs before the indices
 * are built again, where a correlated count per flow would scan them per
 * flow.  (c10k: 65 ms of the serial end, for nothing.) */
static int
capture_update(struct store *s, int64_t capture, const struct capture_info *ci, int final,
    char *err, size_t errlen)
{
	struct binder b = bind_start(s->st[ST_UPDATE_CAPTURE]);
	int rc;

	capture_bind(&b, ci);
	bind_int(&b, capture);
	if ((rc = bind_step(&b)) != SQLITE_OK)
		return store_error(s, rc, "updating the capture", err, errlen);
	if (final && ci->findings_elsewhere == 0)
		return 0;
	b = bind_start(s->st[ST_COUNT_FINDINGS]);
	bind_int(&b, capture);
	if ((rc = bind_step(&b)) != SQLITE_OK)
		return store_error(s, rc, "counting findings", err, errlen);
	return 0;
}

int
store_checkpoint(struct store *s, int64_t capture, const struct capture_info *ci,
    char *err, size_t errlen)
{
	int rc;

	if (capture_update(s, capture, ci, 0, err, errlen) != 0 ||
	    build_indices(s, err, errlen) != 0)
		return -1;
	if ((rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		return store_error(s, rc, "committing a checkpoint", err, errlen);
	if ((rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return store_error(s, rc, "starting the next checkpoint", err, errlen);
	return 0;
}

/* The end of a capture while the indices are held: COMMIT without them,
 * staying in the journal mode the first capture chose (leave_wal); the
 * ones the first capture dropped are now pending, in the file too
 * (remember_pending). */
static int
end_held_capture(struct store *s, int64_t capture, const struct capture_info *ci,
    char *err, size_t errlen)
{
	int rc;

	if (capture_update(s, capture, ci, 1, err, errlen) != 0)
		return -1;
	if ((rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		return store_error(s, rc, "committing the capture", err, errlen);
	if (s->deferred != NULL) {
		s->pending = s->deferred;
		s->deferred = NULL;
	}
	return 0;
}

/* Build the pending indices and the statistics, in a transaction of
 * their own, and forget them in meta. */
static int
build_pending(struct store *s, char *err, size_t errlen)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_error(s, rc, "starting to build the indices", err, errlen);
	if ((rc = set_cache(s, CACHE_KIB)) == SQLITE_OK)
		rc = sqlite3_exec(s->db, s->pending, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "DELETE FROM meta WHERE key = '" PENDING_KEY "'",
		    NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = refresh_statistics(s);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_error(s, rc, "building the indices", err, errlen);
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	free(s->pending);
	s->pending = NULL;
	return 0;
}

int
store_hold_indices(struct store *s)
{
	if (s->scratch || s->mode != STORE_WRITE || s->hold || store_holds_rows(s))
		return 0;
	s->hold = 1;
	return 1;
}

int
store_release_indices(struct store *s, char *err, size_t errlen)
{
	int rc = 0;

	if (!s->hold)
		return 0;
	s->hold = 0;
	if (s->pending != NULL)
		rc = build_pending(s, err, errlen);
	back_to_wal(s);
	return rc;
}

int
store_end_capture(struct store *s, int64_t capture, const struct capture_info *ci,
    char *err, size_t errlen)
{
	struct writeback *wb;
	int rc;

	if (s->scratch) {       /* read once, by store_copy_part: no index */
		free(s->deferred);
		s->deferred = NULL;
	}
	if (s->hold)
		return end_held_capture(s, capture, ci, err, errlen);
	/* The rows are in the file: on to the disk while the indices build. */
	wb = s->rollback_journal && s->deferred != NULL ? writeback_start(s->path) : NULL;
	rc = capture_update(s, capture, ci, 1, err, errlen) != 0 ||
	    build_indices(s, err, errlen) != 0 ? -1 : 0;
	writeback_wait(wb);
	if (rc != 0)
		return -1;
	if (!s->scratch && (rc = refresh_statistics(s)) != SQLITE_OK)
		return store_error(s, rc, "updating the query planner's statistics", err, errlen);
	if ((rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		return store_error(s, rc, "committing the capture", err, errlen);
	back_to_wal(s);
	return 0;
}

void
store_abort_capture(struct store *s)
{
	/* SQLite may already have rolled back by itself (SQLITE_FULL, ...). */
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (s->db != NULL && !s->hold)
		back_to_wal(s);
	if (s->db != NULL && s->deferred != NULL && !s->scratch)
		set_cache(s, CACHE_KIB);
	free(s->deferred);      /* the rollback brought the indices back */
	s->deferred = NULL;
}

/* --- flows ------------------------------------------------------------- */

/* Rows written outside the capture's transaction would each commit on
 * their own, breaking all-or-nothing; refuse them (say, after a failed
 * checkpoint could not begin the next transaction). */
static int
no_transaction(struct store *s, char *err, size_t errlen)
{
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	snprintf(err, errlen, "%s: no capture is being written (no open transaction)", s->path);
	return 1;
}

static void
flow_bind_endpoints(struct binder *b, const struct flow *f)
{
	bind_int(b, f->v.addr[TM_CLIENT].family);
	for (int side = TM_CLIENT; side <= TM_SERVER; side++) {
		bind_text(b, addr_str(&f->v.addr[side], b->scratch[side], sizeof(b->scratch[side])));
		bind_int(b, f->v.port[side]);
	}
	bind_ts(b, f->v.first_ts);
	bind_ts(b, f->v.last_ts);
	bind_real(b, ts_seconds(f->v.last_ts - f->v.first_ts));
	bind_int(b, (int64_t)f->v.first_frame);
	bind_int(b, (int64_t)f->v.last_frame);
	bind_int(b, (int64_t)f->packets);
	bind_int(b, (int64_t)f->bytes);
	for (int side = TM_CLIENT; side <= TM_SERVER; side++) {
		bind_int(b, (int64_t)f->v.ep[side].packets);
		bind_int(b, (int64_t)f->v.ep[side].bytes);
	}
}

static void
flow_bind_outcome(struct binder *b, const struct flow *f)
{
	bind_text(b, handshake_name(f->handshake));
	bind_text(b, close_name(f->close));
	bind_text(b, closer_name(f->closer));
	bind_text(b, state_name(f->v.ep[TM_CLIENT].state));
	bind_text(b, state_name(f->v.ep[TM_SERVER].state));
	for (int side = TM_CLIENT; side <= TM_SERVER; side++) {
		if (f->v.ep[side].isn_known)
			bind_int(b, f->v.ep[side].isn);
		else
			bind_null(b);
	}
	bind_int(b, f->v.incarnation);
	bind_known(b, f->v.previous != NULL ? (int64_t)f->v.previous->flow_id : 0);
	bind_text(b, end_reason_name(f->v.end_reason));
	bind_int(b, f->findings);
}

int
store_write_flow(struct store *s, int64_t capture, const struct flow *f,
    char *err, size_t errlen)
{
	/* A flow written before (a live checkpoint) is written again over its
	 * rows; any other is new, and plain INSERTs keep SQLite from opening a
	 * statement journal for each row: an upsert needs one, which spills to
	 * a temporary file once a row splits a few pages, and then every row of
	 * the capture wrote its pages there (c10k: 277,000 writes, 4.5 GB, a
	 * third of the writer thread's time). */
	int again = f->stored;
	struct binder b = bind_start(s->st[again ? ST_UPSERT_FLOW : ST_INSERT_FLOW]);
	int64_t id = (int64_t)f->v.id;
	char what[64];
	int rc;

	if (no_transaction(s, err, errlen))
		return -1;
	bind_int(&b, id);
	bind_int(&b, capture);
	flow_bind_endpoints(&b, f);
	flow_bind_outcome(&b, f);
	/* An id that is another capture's is not touched (the upsert's WHERE,
	 * or the INSERT's primary key), and then neither are its details. */
	rc = bind_step(&b);
	if ((rc == SQLITE_OK && sqlite3_changes(s->db) == 0) ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return snprintf(err, errlen, "%s: flow id %" PRId64 " already belongs to another "
		    "capture", s->path, id), -1;
	if (rc == SQLITE_OK) {
		b = bind_start(s->st[again ? ST_UPSERT_DETAILS : ST_INSERT_DETAILS]);
		bind_int(&b, id);
		flowjson_timeline(&s->json[0], f);
		flowjson_ladder(&s->json[1], f);
		bind_json(&b, &s->json[0]);
		bind_json(&b, &s->json[1]);
		rc = bind_step(&b);
	}
	if (rc == SQLITE_OK)
		return 0;
	snprintf(what, sizeof(what), "writing flow %" PRId64, id);
	return store_error(s, rc, what, err, errlen);
}

/* --- findings ---------------------------------------------------------- */

/* "[8,11]" */
static const char *
frames_json(const struct tm_finding *fd, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "[");

	for (size_t i = 0; i < fd->nframes && i < TM_MAX_EVIDENCE && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64, i ? "," : "", fd->frames[i]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
	return buf;
}

int
store_write_finding(struct store *s, int64_t capture, const struct tm_finding *fd,
    const char *detector, char *err, size_t errlen)
{
	struct binder b = bind_start(s->st[ST_INSERT_FINDING]);
	char host[64], frames[TM_MAX_EVIDENCE * 21 + 3];
	int known = fd->host.family == 4 || fd->host.family == 6;
	int rc;

	if (no_transaction(s, err, errlen))
		return -1;
	bind_int(&b, capture);
	bind_text(&b, fd->kind);
	bind_known(&b, (int64_t)fd->flow_id);
	bind_text(&b, side_name(fd->side));
	bind_ts(&b, fd->ts);
	bind_text(&b, known ? addr_str(&fd->host, host, sizeof(host)) : NULL);
	bind_known(&b, known ? fd->port : 0);
	bind_text(&b, frames_json(fd, frames, sizeof(frames)));
	bind_text(&b, fd->detail != NULL ? fd->detail : "");
	bind_text(&b, fd->vantage != TM_VANTAGE_UNKNOWN ? vantage_name(fd->vantage) : NULL);
	bind_text(&b, detector != NULL ? detector : "?");
	if ((rc = bind_step(&b)) != SQLITE_OK)
		return store_error(s, rc, "writing a finding", err, errlen);
	return 0;
}

/* --- moving a capture from a scratch store ------------------------------ */

int
store_attach_part(struct store *s, const char *part, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "ATTACH ?1 AS part", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, part, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
		sqlite3_finalize(st);
	}
	return rc == SQLITE_OK ? 0 : store_error(s, rc, "attaching a capture analysed apart",
	    err, errlen);
}

void
store_detach_part(struct store *s)
{
	sqlite3_exec(s->db, "DETACH part", NULL, NULL, NULL);
}

/* INSERT INTO main.flows (id, capture, ...) SELECT id + ?1, ?2, ...: the
 * flow columns, with the ids moved up by ?1 and the capture set to ?2. */
static void
flow_copy_sql(char *buf, size_t len)
{
	buf[0] = '\0';
	sql_add(buf, len, "INSERT INTO main.flows (");
	for (int i = 0; flow_columns[i] != NULL; i++)
		sql_add(buf, len, "%s%s", i ? ", " : "", flow_columns[i]);
	sql_add(buf, len, ") SELECT ");
	for (int i = 0; flow_columns[i] != NULL; i++) {
		const char *c = flow_columns[i];

		if (strcmp(c, "capture") == 0)
			sql_add(buf, len, "%s?2", i ? ", " : "");
		else if (strcmp(c, "id") == 0 || strcmp(c, "previous") == 0)
			sql_add(buf, len, "%s%s + ?1", i ? ", " : "", c);
		else
			sql_add(buf, len, "%s%s", i ? ", " : "", c);
	}
	sql_add(buf, len, " FROM part.flows ORDER BY id");
}

int
store_copy_part(struct store *s, int64_t capture, uint64_t base, char *err, size_t errlen)
{
	static const char *const rest[] = {
		"INSERT INTO main.flow_details (flow, timeline, ladder)"
		" SELECT flow + ?1, timeline, ladder FROM part.flow_details ORDER BY flow",
		"INSERT INTO main.findings (capture, kind, flow, side, ts, host, port, frames,"
		" detail, vantage, detector) SELECT ?2, kind, flow + ?1, side, ts, host, port,"
		" frames, detail, vantage, detector FROM part.findings ORDER BY id",
	};
	char flows[2048];
	int rc = SQLITE_OK;

	if (no_transaction(s, err, errlen))
		return -1;
	flow_copy_sql(flows, sizeof(flows));
	for (size_t i = 0; i < 3 && rc == SQLITE_OK; i++) {
		sqlite3_stmt *st;

		rc = sqlite3_prepare_v2(s->db, i == 0 ? flows : rest[i - 1], -1, &st, NULL);
		if (rc != SQLITE_OK)
			break;
		sqlite3_bind_int64(st, 1, (int64_t)base);
		sqlite3_bind_int64(st, 2, capture);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
		sqlite3_finalize(st);
	}
	return rc == SQLITE_OK ? 0 : store_error(s, rc, "storing a capture analysed apart",
	    err, errlen);
}

/* Children first, as the schema's ON DELETE CASCADE would (the writer
 * runs without foreign keys: prepare_file). */
int
store_delete_capture(struct store *s, int64_t id, char *err, size_t errlen)
{
	static const char *const sql[] = {
		"DELETE FROM flow_details WHERE flow IN (SELECT id FROM flows WHERE capture = ?1)",
		"DELETE FROM findings WHERE capture = ?1",
		"DELETE FROM flows WHERE capture = ?1",
		"DELETE FROM captures WHERE id = ?1",
	};
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (no_transaction(s, err, errlen))
		return -1;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]) && rc == SQLITE_OK; i++) {
		if ((rc = sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL)) != SQLITE_OK)
			break;
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK)
		return store_error(s, rc, "replacing a capture", err, errlen);
	return 0;
}

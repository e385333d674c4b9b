/*
 * recover.c: live captures whose writer is gone (see recover.h).
 *
 * The look is done twice: once without a lock, which is all a database
 * without orphans ever costs (one indexed SELECT, a few fcntl calls), and
 * again inside BEGIN IMMEDIATE when something looks orphaned, so that the
 * rows, the locks and the UPDATE are one consistent decision.  Inside the
 * transaction no writer can commit, so a row read there was committed
 * before; its writer, if alive, holds STARTING or the row's byte at every
 * moment since; STARTING free and then the row's byte free means that
 * writer is gone.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recover.h"
#include "util.h"

/* Capture ids past this cannot be given a byte (RECOVER_LOCK_BASE + id
 * would overflow); their rows are never touched. */
#define RECOVER_ID_MAX ((int64_t)1 << 61)
#define RUNNING_MAX 256

struct recover {
	int fd;
	int usable;             /* the kernel has OFD locks */
	int starting;           /* STARTING held */
	int64_t claimed;        /* the capture whose byte is held, or 0 */
};

/* F_OFD_SETLK of TYPE (F_RDLCK or F_UNLCK) on the byte at OFF. */
static int
lock_byte(const struct recover *r, int64_t off, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)off;
	fl.l_len = 1;
	return fcntl(r->fd, F_OFD_SETLK, &fl);
}

/* Whether another process (or open file description) holds the byte at
 * OFF: 1 yes, 0 no, -1 cannot tell. */
static int
held_elsewhere(const struct recover *r, int64_t off)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)off;
	fl.l_len = 1;
	if (fcntl(r->fd, F_OFD_GETLK, &fl) != 0)
		return -1;
	return fl.l_type != F_UNLCK;
}

struct recover *
recover_open(const char *path)
{
	struct recover *r = xcalloc(1, sizeof(*r));

	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	r->usable = r->fd >= 0 && held_elsewhere(r, RECOVER_LOCK_BASE) >= 0;
	return r;
}

int
recover_starting(struct recover *r)
{
	if (r->starting)
		return 0;
	if (!r->usable || lock_byte(r, RECOVER_LOCK_BASE, F_RDLCK) != 0)
		return -1;
	r->starting = 1;
	return 0;
}

int
recover_claim(struct recover *r, int64_t id)
{
	if (!r->usable || id <= 0 || id > RECOVER_ID_MAX)
		return -1;
	if (r->claimed == id)
		return 0;
	if (lock_byte(r, RECOVER_LOCK_BASE + id, F_RDLCK) != 0)
		return -1;
	if (r->claimed != 0)
		lock_byte(r, RECOVER_LOCK_BASE + r->claimed, F_UNLCK);
	r->claimed = id;
	if (r->starting && lock_byte(r, RECOVER_LOCK_BASE, F_UNLCK) == 0)
		r->starting = 0;
	return 0;
}

/* The 'running' captures of DB, up to MAX, into IDS; their number or -1. */
static int
running_ids(sqlite3 *db, int64_t *ids, size_t max)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT id FROM captures WHERE status = 'running' ORDER BY id",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? (int)n : -1;
}

/* Keep in IDS (N of them) the captures whose writer is gone; their number. */
static size_t
gone_writers(const struct recover *r, int64_t *ids, size_t n)
{
	size_t k = 0;

	if (held_elsewhere(r, RECOVER_LOCK_BASE) != 0)
		return 0;       /* someone is starting, or we cannot tell */
	for (size_t i = 0; i < n; i++)
		if (ids[i] > 0 && ids[i] <= RECOVER_ID_MAX &&
		    held_elsewhere(r, RECOVER_LOCK_BASE + ids[i]) == 0)
			ids[k++] = ids[i];
	return k;
}

/* Inside the transaction: mark IDS (N) interrupted. */
static int
mark_interrupted(sqlite3 *db, const int64_t *ids, size_t n)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "UPDATE captures SET status = 'interrupted'"
	    " WHERE id = ?1 AND status = 'running'", -1, &st, NULL);

	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	}
	sqlite3_finalize(st);
	return rc;
}

int
recover_orphans(struct recover *r, sqlite3 *db, int64_t *ids, size_t max,
    char *err, size_t errlen)
{
	int64_t run[RUNNING_MAX];
	int n;
	size_t k;
	int rc;

	if (!r->usable || (n = running_ids(db, run, RUNNING_MAX)) <= 0 ||
	    gone_writers(r, run, (size_t)n) == 0)
		return 0;
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if ((rc & 0xff) == SQLITE_BUSY)
		return 0;       /* a writer is at work: the next one will look */
	if (rc == SQLITE_OK && (n = running_ids(db, run, RUNNING_MAX)) < 0)
		rc = sqlite3_errcode(db);
	k = rc == SQLITE_OK ? gone_writers(r, run, (size_t)n) : 0;
	if (rc == SQLITE_OK)
		rc = mark_interrupted(db, run, k);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "marking captures left running as interrupted: %s",
		    sqlite3_errmsg(db));
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (size_t i = 0; i < k && i < max; i++)
		ids[i] = run[i];
	return (int)k;
}

void
recover_close(struct recover *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);   /* the kernel lets go of every lock of it */
	free(r);
}

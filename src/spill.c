/*
 * spill.c: packed records in a temporary file (see spill.h).
 *
 * A record's place is its offset in the file: the segment is the offset
 * divided by SPILL_SEGMENT.  Per segment, the records still held; the
 * segment being filled lives in memory (fill), as does any segment whose
 * write failed (kept).  Segments emptied go on a free list and are filled
 * again before the file grows.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"
#include "util.h"

struct segment {
	uint32_t live;          /* records held */
	int32_t next_free;      /* the free list's link, -1 at its end */
	uint8_t *kept;          /* its bytes, when they could not be written */
};

struct spill {
	int fd;
	struct segment *seg;
	size_t nseg;
	int32_t free_head;      /* emptied segments, -1 if none */
	size_t cur;             /* the segment being filled */
	uint8_t *fill;          /* its bytes */
	uint32_t used;          /* of them */
	int write_failed;       /* refuse new records from then on */
	uint64_t records;
	size_t nkept;
};

/* An unlinked file in DIR: O_TMPFILE where the file system has it. */
static int
temp_file(const char *dir)
{
	char path[4096];
	int fd;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	if (snprintf(path, sizeof(path), "%s/.tcpmortem-spill-XXXXXX", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* A segment to fill: an emptied one, or a new one at the end. */
static size_t
next_segment(struct spill *s)
{
	size_t i;

	if (s->free_head >= 0) {
		i = (size_t)s->free_head;
		s->free_head = s->seg[i].next_free;
	} else {
		i = s->nseg++;
		s->seg = xreallocarray(s->seg, s->nseg, sizeof(*s->seg));
	}
	s->seg[i] = (struct segment){ .next_free = -1 };
	return i;
}

struct spill *
spill_open(const char *dir, char *err, size_t errlen)
{
	struct spill *s;
	int fd = temp_file(dir);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot make a spill file: %s", dir, strerror(errno));
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	s->free_head = -1;
	s->fill = xmalloc(SPILL_SEGMENT);
	s->cur = next_segment(s);
	return s;
}

void
spill_close(struct spill *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nseg; i++)
		free(s->seg[i].kept);
	free(s->seg);
	free(s->fill);
	close(s->fd);
	free(s);
}

static int
write_all(int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* The segment being filled is full: to the file, or kept in memory if
 * the file cannot take it (then nothing more is spilled). */
static void
seal(struct spill *s)
{
	struct segment *g = &s->seg[s->cur];

	if (g->live == 0) {             /* every record already taken back */
		g->next_free = s->free_head;
		s->free_head = (int32_t)s->cur;
	} else if (write_all(s->fd, s->fill, s->used, (off_t)s->cur * SPILL_SEGMENT) != 0) {
		g->kept = s->fill;
		s->fill = xmalloc(SPILL_SEGMENT);
		s->nkept++;
		s->write_failed = 1;
	}
	s->used = 0;
	s->cur = next_segment(s);
}

int
spill_put(struct spill *s, const void *bytes, uint32_t len, uint64_t *where)
{
	if (s->write_failed || len > SPILL_MAX_RECORD || len == 0)
		return -1;
	if (s->used + len > SPILL_SEGMENT)
		seal(s);
	memcpy(s->fill + s->used, bytes, len);
	*where = (uint64_t)s->cur * SPILL_SEGMENT + s->used;
	s->used += len;
	s->seg[s->cur].live++;
	s->records++;
	return 0;
}

static int
read_all(int fd, uint8_t *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t r = pread(fd, p, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;    /* shorter than written: the disk lied */
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

void
spill_drop(struct spill *s, uint64_t where)
{
	size_t i = (size_t)(where / SPILL_SEGMENT);
	struct segment *g = &s->seg[i];

	s->records--;
	if (--g->live > 0 || i == s->cur)
		return;
	if (g->kept != NULL) {
		free(g->kept);
		g->kept = NULL;
		s->nkept--;
	}
	g->next_free = s->free_head;
	s->free_head = (int32_t)i;
}

int
spill_take(struct spill *s, uint64_t where, uint32_t len, void *buf, char *err, size_t errlen)
{
	size_t i = (size_t)(where / SPILL_SEGMENT);
	uint32_t at = (uint32_t)(where % SPILL_SEGMENT);

	if (i == s->cur)
		memcpy(buf, s->fill + at, len);
	else if (s->seg[i].kept != NULL)
		memcpy(buf, s->seg[i].kept + at, len);
	else if (read_all(s->fd, buf, len, (off_t)where) != 0) {
		snprintf(err, errlen, "reading back the spill file: %s", strerror(errno));
		return -1;
	}
	spill_drop(s, where);
	return 0;
}

uint64_t spill_records(const struct spill *s) { return s->records; }

uint64_t
spill_file_bytes(const struct spill *s)
{
	return (uint64_t)(s->nseg - s->nkept) * SPILL_SEGMENT;
}

/*
 * readahead.c: a capture file read and decoded on a thread of its own
 * (see readahead.h).
 *
 * A ring of READAHEAD_BATCHES batches.  The thread fills batch FILLED %
 * READAHEAD_BATCHES while fewer than READAHEAD_BATCHES are filled and not
 * yet given back; the caller holds batch TAKEN % READAHEAD_BATCHES between
 * two calls of readahead_next, so the thread never writes the batch being
 * read.  One lock and two condition variables, taken once a batch: a few
 * thousand times for millions of packets.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "readahead.h"
#include "util.h"

struct batch {
	struct packet packets[READAHEAD_BATCH];
	size_t n;
	uint64_t frames, bytes;         /* the reader's counts at its end */
};

struct readahead {
	struct reader *reader;
	struct readahead_options o;
	struct batch ring[READAHEAD_BATCHES];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled_cond;     /* a batch filled, or the end */
	pthread_cond_t room_cond;       /* a batch given back, or cancelled */
	uint64_t filled, taken;         /* batches filled; given back */
	int holding;                    /* the caller holds batch TAKEN */
	int done, cancelled;
	enum reader_status status;      /* how the reading ended, once done */
	char err[512];
	uint64_t frames, bytes;         /* readahead_position */
};

/* --- the thread ---------------------------------------------------------- */

static int
stop_requested(const struct readahead *ra)
{
	return ra->o.stop != NULL && atomic_load_explicit(ra->o.stop, memory_order_relaxed);
}

/* Fill B from the reader; returns READER_OK while there is more to read. */
static enum reader_status
fill(struct readahead *ra, struct batch *b)
{
	enum reader_status st = READER_OK;
	struct frame fr;

	b->n = 0;
	while (b->n < READAHEAD_BATCH) {
		if (stop_requested(ra)) {
			st = READER_END;
			break;
		}
		st = reader_next(ra->reader, &fr, ra->err, sizeof(ra->err));
		if (st == READER_TIMEOUT)       /* a file has none; nothing came */
			continue;
		if (st != READER_OK)
			break;
		if (ra->o.take(ra->o.ctx, &fr, &b->packets[b->n]))
			b->n++;
	}
	b->frames = reader_frames(ra->reader);
	b->bytes = reader_bytes(ra->reader);
	return st;
}

/* The next batch to fill, once there is room; NULL when cancelled.  A
 * full ring is left to drain to READAHEAD_REFILL free batches before the
 * reading goes on (give_back wakes it then): woken for every batch given
 * back, this thread cost the analysis a wake-up, a system call, per 512
 * packets (a twentieth of its time in the kernel, c10k). */
static struct batch *
wait_for_room(struct readahead *ra)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&ra->lock);
	if (ra->filled - ra->taken == READAHEAD_BATCHES)
		while (ra->filled - ra->taken > READAHEAD_BATCHES - READAHEAD_REFILL &&
		    !ra->cancelled)
			pthread_cond_wait(&ra->room_cond, &ra->lock);
	if (!ra->cancelled)
		b = &ra->ring[ra->filled % READAHEAD_BATCHES];
	pthread_mutex_unlock(&ra->lock);
	return b;
}

static void *
readahead_main(void *arg)
{
	struct readahead *ra = arg;
	enum reader_status st = READER_OK;
	struct batch *b;

	while (st == READER_OK && (b = wait_for_room(ra)) != NULL) {
		st = fill(ra, b);
		pthread_mutex_lock(&ra->lock);
		ra->filled++;
		pthread_cond_signal(&ra->filled_cond);
		pthread_mutex_unlock(&ra->lock);
	}
	pthread_mutex_lock(&ra->lock);
	ra->status = st == READER_OK ? READER_END : st;
	ra->done = 1;
	pthread_cond_signal(&ra->filled_cond);
	pthread_mutex_unlock(&ra->lock);
	return NULL;
}

/* --- the caller ---------------------------------------------------------- */

struct readahead *
readahead_start(struct reader *r, const struct readahead_options *o)
{
	struct readahead *ra = xcalloc(1, sizeof(*ra));

	ra->reader = r;
	ra->o = *o;
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->filled_cond, NULL);
	pthread_cond_init(&ra->room_cond, NULL);
	if (pthread_create(&ra->thread, NULL, readahead_main, ra) != 0) {
		pthread_cond_destroy(&ra->room_cond);
		pthread_cond_destroy(&ra->filled_cond);
		pthread_mutex_destroy(&ra->lock);
		free(ra);
		return NULL;
	}
	return ra;
}

/* Give back the batch the caller holds (the lock held). */
static void
give_back(struct readahead *ra)
{
	if (!ra->holding)
		return;
	ra->holding = 0;
	ra->taken++;
	if (ra->filled - ra->taken == READAHEAD_BATCHES - READAHEAD_REFILL)
		pthread_cond_signal(&ra->room_cond);
}

size_t
readahead_next(struct readahead *ra, const struct packet **packets)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&ra->lock);
	give_back(ra);
	for (;;) {
		while (ra->taken == ra->filled && !ra->done)
			pthread_cond_wait(&ra->filled_cond, &ra->lock);
		if (ra->taken == ra->filled)
			break;                  /* done, and every batch taken */
		b = &ra->ring[ra->taken % READAHEAD_BATCHES];
		ra->frames = b->frames;
		ra->bytes = b->bytes;
		ra->holding = 1;
		if (b->n > 0)
			break;
		give_back(ra);          /* frames, but none of them TCP */
		b = NULL;
	}
	pthread_mutex_unlock(&ra->lock);
	if (b == NULL)
		return 0;
	*packets = b->packets;
	return b->n;
}

void
readahead_position(const struct readahead *ra, uint64_t *frames, uint64_t *bytes)
{
	*frames = ra->frames;
	*bytes = ra->bytes;
}

enum reader_status
readahead_finish(struct readahead *ra, char *err, size_t errlen)
{
	enum reader_status st;

	pthread_mutex_lock(&ra->lock);
	ra->cancelled = 1;
	pthread_cond_signal(&ra->room_cond);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->thread, NULL);
	st = ra->status;
	if (st == READER_DAMAGED || st == READER_ERROR)
		snprintf(err, errlen, "%s", ra->err);
	pthread_cond_destroy(&ra->room_cond);
	pthread_cond_destroy(&ra->filled_cond);
	pthread_mutex_destroy(&ra->lock);
	free(ra);
	return st;
}

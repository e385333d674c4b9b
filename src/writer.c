/*
 * writer.c: the store's writes on a second thread (see writer.h).
 *
 * A ring of WRITER_QUEUE items under one mutex.  The writer takes every
 * item queued at once, writes them without the lock, and only then frees
 * their slots.  The analysis wakes it only when WRITER_BATCH items wait (or
 * the ring is full, or it syncs): the writer is the faster of the two, and
 * woken for every flow it cost the analysis a system call per flow.
 *
 * Written flows are not freed here but handed back (writer_take_written):
 * the analysis reuses their memory for the next flows, so no flow is
 * freed by one thread and allocated by the other, and none page-faults in.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "writer.h"

enum item_kind { ITEM_FLOW, ITEM_FINDING };

struct item {
	enum item_kind kind;
	struct flow *flow;              /* ITEM_FLOW: owned */
	struct tm_finding finding;      /* ITEM_FINDING: detail owned */
	const char *detector;
};

struct writer {
	struct store *store;
	int64_t capture;
	int threaded;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work, room;      /* items to write; slots free */
	struct item ring[WRITER_QUEUE];
	size_t head, count;             /* first queued item; items queued */
	size_t busy;                    /* taken by the writer, not yet done */
	int stopping;
	struct flow *written;           /* written, for the analysis to reuse */
	atomic_int failed;
	char err[512];
};

/* Put F on LIST (flows linked through node.hnext, unused once out of
 * the table). */
static void
push_flow(struct flow **list, struct flow *f)
{
	f->node.hnext = (struct flow_node *)*list;
	*list = f;
}

static void
free_flows(struct flow *list)
{
	while (list != NULL) {
		struct flow *next = (struct flow *)list->node.hnext;

		flow_free(list);
		list = next;
	}
}

/* Write one item; the first failure is kept and later items are dropped.
 * A flow goes on DONE. */
static void
item_write(struct writer *w, struct item *it, struct flow **done)
{
	char err[512];
	int rc = 0;

	if (!atomic_load_explicit(&w->failed, memory_order_relaxed)) {
		if (it->kind == ITEM_FLOW)
			rc = store_write_flow(w->store, w->capture, it->flow, err, sizeof(err));
		else
			rc = store_write_finding(w->store, w->capture, &it->finding,
			    it->detector, err, sizeof(err));
		if (rc != 0) {
			snprintf(w->err, sizeof(w->err), "%s", err);
			atomic_store(&w->failed, 1);
		}
	}
	if (it->kind == ITEM_FLOW)
		push_flow(done, it->flow);
	else
		free((char *)it->finding.detail);
}

/* Hand the flows of DONE back, under the lock. */
static void
give_back(struct writer *w, struct flow *done)
{
	while (done != NULL) {
		struct flow *next = (struct flow *)done->node.hnext;

		push_flow(&w->written, done);
		done = next;
	}
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct flow *done = NULL;
		size_t first, n;

		while (w->count == 0 && !w->stopping)
			pthread_cond_wait(&w->work, &w->lock);
		if (w->count == 0)
			break;
		first = w->head;
		n = w->count;
		w->busy = n;
		pthread_mutex_unlock(&w->lock);
		for (size_t i = 0; i < n; i++)
			item_write(w, &w->ring[(first + i) % WRITER_QUEUE], &done);
		pthread_mutex_lock(&w->lock);
		give_back(w, done);
		w->head = (first + n) % WRITER_QUEUE;
		w->count -= n;
		w->busy = 0;
		pthread_cond_broadcast(&w->room);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct writer *
writer_new(struct store *s, int64_t capture, int threaded)
{
	struct writer *w = xcalloc(1, sizeof(*w));

	w->store = s;
	w->capture = capture;
	if (threaded) {
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->work, NULL);
		pthread_cond_init(&w->room, NULL);
		w->threaded = pthread_create(&w->thread, NULL, writer_main, w) == 0;
		if (!w->threaded) {
			pthread_cond_destroy(&w->room);
			pthread_cond_destroy(&w->work);
			pthread_mutex_destroy(&w->lock);
		}
	}
	return w;
}

/* Queue IT (or write it now on an unthreaded writer). */
static int
enqueue(struct writer *w, const struct item *it)
{
	if (!w->threaded) {
		struct item now = *it;

		item_write(w, &now, &w->written);
		return writer_failed(w) ? -1 : 0;
	}
	pthread_mutex_lock(&w->lock);
	while (w->count == WRITER_QUEUE) {
		pthread_cond_signal(&w->work);
		pthread_cond_wait(&w->room, &w->lock);
	}
	w->ring[(w->head + w->count) % WRITER_QUEUE] = *it;
	if (++w->count - w->busy == WRITER_BATCH)
		pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	return writer_failed(w) ? -1 : 0;
}

int
writer_flow(struct writer *w, struct flow *f)
{
	return enqueue(w, &(struct item){ .kind = ITEM_FLOW, .flow = f });
}

struct flow *
writer_take_written(struct writer *w)
{
	struct flow *list;

	if (w->threaded)
		pthread_mutex_lock(&w->lock);
	list = w->written;
	w->written = NULL;
	if (w->threaded)
		pthread_mutex_unlock(&w->lock);
	return list;
}

int
writer_finding(struct writer *w, const struct tm_finding *fd, const char *detector)
{
	struct item it = { .kind = ITEM_FINDING, .finding = *fd, .detector = detector };

	it.finding.detail = xstrdup(fd->detail != NULL ? fd->detail : "");
	return enqueue(w, &it);
}

int
writer_failed(const struct writer *w)
{
	return atomic_load_explicit(&((struct writer *)w)->failed, memory_order_relaxed);
}

int
writer_sync(struct writer *w, char *err, size_t errlen)
{
	if (w->threaded) {
		pthread_mutex_lock(&w->lock);
		if (w->count > w->busy)
			pthread_cond_signal(&w->work);
		while (w->count > 0)
			pthread_cond_wait(&w->room, &w->lock);
		pthread_mutex_unlock(&w->lock);
	}
	if (!writer_failed(w))
		return 0;
	snprintf(err, errlen, "%s", w->err);
	return -1;
}

int
writer_flow_copy(struct writer *w, const struct flow *f)
{
	char err[512];

	if (writer_sync(w, err, sizeof(err)) != 0)
		return -1;
	if (store_write_flow(w->store, w->capture, f, err, sizeof(err)) != 0) {
		snprintf(w->err, sizeof(w->err), "%s", err);
		atomic_store(&w->failed, 1);
		return -1;
	}
	return 0;
}

int
writer_finish(struct writer *w, char *err, size_t errlen)
{
	int rc;

	if (w->threaded) {
		pthread_mutex_lock(&w->lock);
		w->stopping = 1;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		pthread_cond_destroy(&w->room);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->lock);
		w->threaded = 0;        /* the lock is gone: writer_sync must not take it */
	}
	rc = writer_sync(w, err, errlen);
	free_flows(w->written);
	free(w);
	return rc;
}

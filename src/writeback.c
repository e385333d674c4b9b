/*
 * writeback.c: see writeback.h.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writeback.h"

struct writeback {
	pthread_t thread;
	char *path;
};

#ifdef HAVE_SYNC_FILE_RANGE
/* sync_file_range(2) may block while the device's queue is full, so it
 * runs here, not on the thread building the indices.  A descriptor of
 * our own reaches the same page cache as SQLite's. */
static void *
writeback_main(void *arg)
{
	struct writeback *w = arg;
	int fd = open(w->path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		close(fd);
	}
	return NULL;
}
#endif

struct writeback *
writeback_start(const char *path)
{
#ifdef HAVE_SYNC_FILE_RANGE
	struct writeback *w = malloc(sizeof(*w));

	if (w == NULL)
		return NULL;
	if ((w->path = strdup(path)) != NULL &&
	    pthread_create(&w->thread, NULL, writeback_main, w) == 0)
		return w;
	free(w->path);
	free(w);
#else
	(void)path;
#endif
	return NULL;
}

void
writeback_wait(struct writeback *w)
{
	if (w == NULL)
		return;
	pthread_join(w->thread, NULL);
	free(w->path);
	free(w);
}

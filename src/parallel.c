/*
 * parallel.c: several capture files analysed at once (see parallel.h).
 *
 * The jobs array has one entry per file.  Workers take the next file
 * under the lock, analyse it without the lock into its scratch file, and
 * mark it done; the caller waits for each file in turn, merges it, reports
 * it and lets the workers run further ahead.  A file's reader stays open
 * until its report: the result's path points into it.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "parallel.h"
#include "reader.h"
#include "util.h"

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE };

struct job {
	const char *path;
	char part[4096];                /* its scratch database */
	int64_t stored_as;              /* already stored (path, size, mtime) */
	enum job_state state;
	enum analysis_status status;
	struct reader *reader;          /* NULL if it could not be opened */
	struct analysis_result res;
	char err[512];
};

struct run {
	struct job *jobs;
	size_t njobs, next, merged, ahead; /* next to take; merged so far; how far
	                                 * past the merges a worker may start */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	const struct parallel_options *o;
	struct analysis_options worker_opts;
};

static atomic_int stop_signal;  /* lock-free: safe in a signal handler */

static void
on_signal(int sig)
{
	stop_signal = sig;
}

/* --- a worker --------------------------------------------------------- */

/* Analyse J into its scratch database with detectors D. */
static void
analyse_job(struct run *run, struct job *j, struct detect *d)
{
	struct reader_options rdo = { 0 };
	struct analysis_options opts;
	struct store *part;
	char *safe;

	j->status = ANALYSIS_FAILED;
	if ((j->reader = reader_open_file(j->path, &rdo, j->err, sizeof(j->err))) == NULL)
		return;
	if (j->stored_as != 0) {
		memset(&j->res, 0, sizeof(j->res));
		j->res.info.path = reader_path(j->reader);
		j->res.duplicate_of = j->stored_as;
		j->status = ANALYSIS_OK;
		return;
	}
	if ((part = store_open_scratch(j->part, j->err, sizeof(j->err))) == NULL)
		return;
	opts = run->worker_opts;
	/* As analyze prints it: not a path that needs escaping, which
	 * could drive the terminal. */
	safe = output_escape(j->path);
	opts.progress = opts.progress && strcmp(safe, j->path) == 0;
	free(safe);
	j->status = analysis_run(part, d, j->reader, &opts, &j->res, j->err, sizeof(j->err));
	store_close(part);
}

struct worker {
	struct run *run;
	struct detect *detect;
	pthread_t thread;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;

	pthread_mutex_lock(&run->lock);
	for (;;) {
		struct job *j;

		while (run->next < run->njobs && run->next >= run->merged + run->ahead &&
		    !stop_signal)
			pthread_cond_wait(&run->changed, &run->lock);
		if (run->next >= run->njobs || stop_signal)
			break;
		j = &run->jobs[run->next++];
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&run->lock);
		analyse_job(run, j, w->detect);
		pthread_mutex_lock(&run->lock);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&run->changed);
	}
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

/* --- the caller: in order --------------------------------------------- */

static void
show_progress(struct run *run, int final)
{
	size_t reading = 0;

	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	for (size_t i = run->merged; i < run->next; i++)
		reading += run->jobs[i].state == JOB_RUNNING;
	fprintf(stderr, "\r%zu of %zu files stored, %zu being read\033[K", run->merged,
	    run->njobs, reading);
}

/* Wait (under the lock) until job I is done or a signal came. */
static void
wait_for(struct run *run, size_t i)
{
	while (run->jobs[i].state != JOB_DONE && !stop_signal) {
		struct timespec until;

		if (run->o->analysis->progress && !run->worker_opts.progress)
			show_progress(run, 0);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 500 * 1000 * 1000;
		if (until.tv_nsec >= 1000 * 1000 * 1000) {
			until.tv_sec++;
			until.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&run->changed, &run->lock, &until);
	}
}

/* Job J, done: into the database, then reported and closed. */
static void
store_job(struct run *run, struct store *store, struct job *j)
{
	const struct parallel_options *o = run->o;
	int busy = j->status != ANALYSIS_FAILED && j->res.capture_id != 0;
	char *path;

	if (busy && o->analysis->progress) {
		/* The copy takes seconds for a large capture: say so. */
		path = output_escape(j->path);
		fprintf(stderr, "\r%s: %llu connections read, storing them\033[K", path,
		    (unsigned long long)j->res.info.flows);
		free(path);
	}
	if (busy)
		j->status = analysis_merge(store, j->part, o->analysis, &j->res,
		    j->err, sizeof(j->err));
	if (busy && o->analysis->progress)
		fputs("\r\033[K", stderr);
	o->done(o->ctx, j->path, j->status, j->status != ANALYSIS_FAILED ? &j->res : NULL,
	    j->err);
}

/* Remove job J's scratch database and close its file. */
static void
discard_job(struct job *j)
{
	static const char *const companions[] = { "-journal", "-wal", "-shm" };
	char name[4200];

	unlink(j->part);
	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", j->part, companions[i]);
		unlink(name);
	}
	reader_close(j->reader);
	j->reader = NULL;
}

/* Merge every job in order; returns when all are, or on a signal. */
static void
merge_in_order(struct run *run, struct store *store)
{
	for (size_t i = 0; i < run->njobs; i++) {
		struct job *j = &run->jobs[i];

		pthread_mutex_lock(&run->lock);
		wait_for(run, i);
		pthread_mutex_unlock(&run->lock);
		if (stop_signal)
			return;
		if (run->o->analysis->progress && !run->worker_opts.progress)
			show_progress(run, 1);
		store_job(run, store, j);
		discard_job(j);
		pthread_mutex_lock(&run->lock);
		run->merged = i + 1;
		pthread_cond_broadcast(&run->changed);
		pthread_mutex_unlock(&run->lock);
	}
}

/* -j 1: each file analysed, then stored, on this thread alone. */
static void
one_after_another(struct run *run, struct store *store, struct detect *d)
{
	for (size_t i = 0; i < run->njobs && !stop_signal; i++) {
		analyse_job(run, &run->jobs[i], d);
		if (stop_signal)
			return;
		store_job(run, store, &run->jobs[i]);
		discard_job(&run->jobs[i]);
		run->merged = i + 1;
	}
}

/* --- setting up --------------------------------------------------------- */

/* The jobs, with their scratch names and what the database already has. */
static struct job *
make_jobs(struct store *store, char *const *files, size_t n, const struct parallel_options *o)
{
	struct job *jobs = xcalloc(n, sizeof(*jobs));
	struct stat sb;

	for (size_t i = 0; i < n; i++) {
		jobs[i].path = files[i];
		snprintf(jobs[i].part, sizeof(jobs[i].part), "%s.part-%ld-%zu", o->db_path,
		    (long)getpid(), i + 1);
		/* As analysis_run asks before reading: the same path, size
		 * and mtime stored already is skipped unread. */
		if (!o->analysis->force && stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
			jobs[i].stored_as = store_find_capture(store, files[i],
			    (int64_t)sb.st_size, (int64_t)sb.st_mtime, 0);
	}
	return jobs;
}

static void
catch_signals(int on, struct sigaction *saved)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;     /* the readers and SQLite carry on until they look */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (on)
			sigaction(sigs[i], &sa, &saved[i]);
		else
			sigaction(sigs[i], &saved[i], NULL);
	}
}

int
parallel_analyze(struct store *store, char *const *files, size_t nfiles,
    const struct parallel_options *o, char *err, size_t errlen)
{
	size_t nworkers = (size_t)o->jobs < nfiles ? (size_t)o->jobs : nfiles;
	struct worker *w = xcalloc(nworkers, sizeof(*w));
	struct run run = { .njobs = nfiles, .ahead = 2 * nworkers, .o = o };
	struct sigaction saved[3];
	size_t started = 0;
	int rc = 0;

	if (store_try_write(store, err, errlen) != 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < nworkers; i++)
		if ((w[i].detect = detect_load(o->detect, err, errlen)) == NULL) {
			rc = -1;
			goto out;
		}
	run.jobs = make_jobs(store, files, nfiles, o);
	run.worker_opts = *o->analysis;
	/* One analysis at a time shows its own progress line. */
	run.worker_opts.progress = o->analysis->progress && nworkers == 1;
	run.worker_opts.stop = &stop_signal;
	/* Cores left over go to the workers' database writers. */
	run.worker_opts.threads = (size_t)o->jobs >= 2 * nworkers ? 2 : 1;
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.changed, NULL);
	stop_signal = 0;
	catch_signals(1, saved);
	for (; o->jobs > 1 && started < nworkers; started++) {
		w[started].run = &run;
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0)
			break;
	}
	if (started == 0)
		one_after_another(&run, store, w[0].detect);
	else
		merge_in_order(&run, store);
	pthread_mutex_lock(&run.lock);
	pthread_cond_broadcast(&run.changed);
	pthread_mutex_unlock(&run.lock);
	for (size_t i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	catch_signals(0, saved);
	for (size_t i = run.merged; i < nfiles; i++)
		discard_job(&run.jobs[i]);
	rc = stop_signal;
	pthread_cond_destroy(&run.changed);
	pthread_mutex_destroy(&run.lock);
out:
	for (size_t i = 0; i < nworkers; i++)
		detect_free(w[i].detect);
	free(w);
	free(run.jobs);
	return rc;
}

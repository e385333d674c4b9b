/*
 * writeback.h: a database file's dirty pages sent to the disk early.
 *
 * A first capture is written with a rollback journal (store.h): SQLite
 * spills its rows into the file as its small cache fills, and they wait,
 * dirty, in the kernel's page cache until the COMMIT's fdatasync(2)
 * writes them all, while every core but one is idle.  Before that commit
 * the indices take a second or more to build on that one core.  Started
 * then, the write-back of what the file already holds overlaps with the
 * build, and the commit waits only for the rest (fdatasync, strace -T:
 * c10k 90 -> 22 ms, c1m 187 -> 50 ms).
 *
 *   rows ──> file, dirty ──writeback_start──> disk, on a thread of its own
 *   indices built ──> writeback_wait ──> COMMIT (fdatasync: what is left)
 *
 * Nothing depends on it for durability: the fdatasync of the commit is
 * what makes the capture safe, as before.  Where the system has no
 * sync_file_range(2), both calls do nothing.
 */
#ifndef TM_WRITEBACK_H
#define TM_WRITEBACK_H

struct writeback;

/* Ask the kernel, from a thread of its own, to start writing the dirty
 * pages of the file at PATH.  NULL if it could not be started (nothing is
 * lost: the commit writes them). */
struct writeback *writeback_start(const char *path);

/* Wait until the request is handed to the kernel, and free W (NULL: no-op).
 * It does not wait for the disk. */
void writeback_wait(struct writeback *w);

#endif

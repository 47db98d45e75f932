/* The store's public lifecycle: open, start, stop, submit, take the
 * completed jobs, close, and the command line's backup. Each function runs
 * on its caller's thread, as store.h says; the writer (writer.c), the
 * checkpointer (checkpoint.c) and the read connection (read.c) each have
 * their own file. */
#include "store_int.h"
#include "wal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Page size of new databases. Every commit writes each page it changed to
 * the WAL and syncs it, and a message changes about three scattered pages
 * (the leaves of events_channel, messages_channel and messages_client for
 * its channel and author): smaller pages mean fewer bytes per message to
 * write, sync and checkpoint (W6: 4096 -> 2048 cut the writer's CPU per
 * message by about a fifth and the sync wait with it). Existing databases
 * keep theirs (a WAL database cannot change it). */
#define NEW_DB_PAGE_SIZE 2048

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_configure(void)
{
	/* Before anything initializes SQLite: no memory statistics (nothing
	 * reads them), so an allocation takes no global mutex. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

const char *store_vfs(void)
{
	pthread_once(&sqlite_once, sqlite_configure);
	return wal_vfs_name();
}

int weft_store_open(const char *path, struct weft_store **out)
{
	int rc = WEFT_ENOMEM;
	struct weft_store *st = calloc(1, sizeof *st);
	if (!st)
		return WEFT_ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->wake, NULL);
	pthread_cond_init(&st->ckpt_wake, NULL);
	pthread_mutex_init(&st->ckpt_run, NULL);
	st->queue_tail = &st->queue;
	st->done_tail = &st->done;
	if (!(st->path = strdup(path)))
		goto out;
	rc = WEFT_EIO;
	if (sqlite3_open_v2(path, &st->wdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    store_vfs()) != SQLITE_OK) {
		weft_err("store.open_failed path=%s error=%s", path, st->wdb ? sqlite3_errmsg(st->wdb) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(st->wdb, 10000);
	/* Takes effect only on a database without tables yet (a new one). */
	char pragma[48];
	snprintf(pragma, sizeof pragma, "PRAGMA page_size=%d", NEW_DB_PAGE_SIZE);
	if ((rc = exec_sql(st->wdb, pragma)))
		goto out;
	/* synchronous=FULL: an acked message survives power loss.
	 * secure_delete: a deleted body is overwritten, not left in free pages. */
	if ((rc = exec_sql(st->wdb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				    " PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;")))
		goto out;
	/* 16 MiB of page cache for the writer (the default is 2 MiB): with
	 * 2 KiB pages its working set (the index leaves of every active
	 * channel and author) no longer fit, and it re-read ~0.2 pages per
	 * message (30,000 preads in 8 s of W6-like load; 150 with this). */
	if ((rc = exec_sql(st->wdb, "PRAGMA cache_size=-16384")))
		goto out;
	if ((rc = schema_migrate(st->wdb)))
		goto out;
	rc = WEFT_EIO;
	if (sqlite3_open_v2(path, &st->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, store_vfs()) != SQLITE_OK) {
		weft_err("store.open_failed path=%s for=reading", path);
		goto out;
	}
	sqlite3_busy_timeout(st->rdb, 2000);
	/* No mmap on this connection (tried: PRAGMA mmap_size=1GiB). It made
	 * history on a quiet database faster (no disk reads: mapped pages
	 * survive the VM's page-cache reclaim), but SQLite unmaps the whole
	 * region whenever a read transaction finds the WAL changed, so with
	 * writes going on every read pays a munmap (~120 us) and page faults
	 * to map its pages again: W4 connects went from 598 to 252 per second
	 * (418 munmap/mmap pairs for 3,000 connections, from session touches). */
	if ((rc = stmt_prepare(st)))
		goto out;
	*out = st;
	return WEFT_OK;
out:
	weft_store_close(st);
	return rc;
}

void weft_store_close(struct weft_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < W_COUNT; i++)
		sqlite3_finalize(st->w[i]);
	for (int i = 0; i < R_COUNT; i++)
		sqlite3_finalize(st->r[i]);
	coord_stmt_finalize(st);
	stage_stmt_finalize(st);
	weave_stmt_finalize(st);
	free(st->users);
	sqlite3_close(st->cdb);
	ckpt_close(st);
	sqlite3_close(st->rdb);
	sqlite3_close(st->wdb);
	struct weft_job *j = st->done;
	while (j) {
		struct weft_job *next = j->next;
		weft_job_free(j);
		j = next;
	}
	j = st->queue;
	while (j) {
		struct weft_job *next = j->next;
		weft_job_free(j);
		j = next;
	}
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->wake);
	pthread_cond_destroy(&st->ckpt_wake);
	pthread_mutex_destroy(&st->ckpt_run);
	free(st->path);
	free(st);
}

int weft_store_start(struct weft_store *st, void (*notify)(void *), void *arg)
{
	st->notify = notify;
	st->notify_arg = arg;
	int rc = step_int64(st->w[W_MAX_SEQ], 0, &st->seen_seq);
	if (rc)
		return rc;
	rc = ckpt_start(st, store_vfs());
	if (rc) {
		ckpt_stop(st);
		return rc;
	}
	if (pthread_create(&st->thread, NULL, writer_main, st)) {
		ckpt_stop(st);
		return WEFT_EIO;
	}
	st->started = true;
	return WEFT_OK;
}

void weft_store_stop(struct weft_store *st)
{
	if (store_stop_thread(st, &st->started, &st->stopping, &st->wake, st->thread))
		ckpt_stop(st);
}

int weft_store_submit(struct weft_store *st, struct weft_job *job)
{
	pthread_mutex_lock(&st->lock);
	if (st->stopping || !st->started) {
		pthread_mutex_unlock(&st->lock);
		return WEFT_EBUSY;
	}
	job->next = NULL;
	*st->queue_tail = job;
	st->queue_tail = &job->next;
	st->queued++;
	pthread_cond_signal(&st->wake);
	pthread_mutex_unlock(&st->lock);
	return WEFT_OK;
}

struct weft_job *weft_store_take_completed(struct weft_store *st)
{
	pthread_mutex_lock(&st->lock);
	struct weft_job *list = st->done;
	st->done = NULL;
	st->done_tail = &st->done;
	pthread_mutex_unlock(&st->lock);
	return list;
}

void weft_store_stats(struct weft_store *st, uint64_t *jobs, uint64_t *commits)
{
	pthread_mutex_lock(&st->lock);
	*jobs = st->jobs_committed;
	*commits = st->commits;
	pthread_mutex_unlock(&st->lock);
}

void weft_store_writer_stats(struct weft_store *st, uint64_t *queued, struct weft_histo *commit_ns)
{
	pthread_mutex_lock(&st->lock);
	*queued = st->queued;
	*commit_ns = st->commit_ns;
	pthread_mutex_unlock(&st->lock);
}

/* ---- Command-line operations. */

int weft_store_user_create(struct weft_store *st, const char *name, const char *display,
			   const char *pw_hash, bool admin, int64_t *id_out)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_USER_CREATE);
	if (!j)
		return WEFT_ENOMEM;
	snprintf(j->profile.user.name, sizeof j->profile.user.name, "%s", name);
	snprintf(j->profile.user.display, sizeof j->profile.user.display, "%s", display ? display : "");
	j->profile.admin = admin;
	int rc = WEFT_ENOMEM;
	if ((j->text = strdup(pw_hash)))
		rc = weft_store_run_sync(st, j);
	if (!rc)
		*id_out = j->id;
	weft_job_free(j);
	return rc;
}

int weft_store_backup(const char *db_path, const char *dest, char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	int rc = WEFT_EIO;
	if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", db_path, src ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(src, 10000);
	if (sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot create %s: %s", dest, dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
		goto out;
	}
	int step;
	/* All pages in one step: the copy is one consistent snapshot even while
	 * the server keeps writing (WAL readers see a fixed state). */
	while ((step = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || step == SQLITE_LOCKED)
		sqlite3_sleep(50);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		snprintf(err, errlen, "copying failed: %s", sqlite3_errstr(step));
		goto out;
	}
	rc = WEFT_OK;
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	return rc;
}

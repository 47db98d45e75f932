#define _GNU_SOURCE /* pthread_setname_np */
/* The checkpointer: its own thread and connection copy the WAL into the
 * database beside the writer, so that the writer never pays for it in a
 * commit (ckpt_main). on_wal_commit runs on the writer thread (SQLite's
 * WAL hook); ckpt_start, ckpt_stop and ckpt_close on the lifecycle's
 * caller (store.c); everything else on the checkpointer thread. */
#include "store_int.h"
#include "wal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The WAL is checkpointed (copied into the database) once it holds this
 * much, by the checkpointer thread, so that the writer never pays for it
 * in a commit. The larger, the less each message costs: a hot page (an
 * index leaf of a busy channel) is copied once per checkpoint however
 * often it was written in between (measured: 4000 frames of 2 KiB, 6
 * us of checkpointer CPU per message; 16000 frames, 2.7 us). Past four
 * times as much (the checkpointer cannot keep up, or readers hold it back)
 * the writer checkpoints itself, as SQLite's autocheckpoint would: the WAL
 * stays bounded either way. */
#define WAL_CKPT_BYTES (32 << 20)
#define WAL_HARD_FRAMES(st) (4 * (st)->ckpt_frames)
/* Passes beside the writer go on (at most WAL_PASSES) until one leaves at
 * most this many frames behind (512 KiB): the writer waits while the last
 * pass copies those (ckpt_main). */
#define WAL_GATE_FRAMES(st) ((st)->ckpt_frames / 64)
/* Past twice the threshold of WAL, no more passes beside the writer: the
 * pass at the gate copies the rest. A writer that commits faster than the
 * passes copy would otherwise grow the WAL by a pass's worth each time
 * (test_checkpointer_bounds_wal beside two more copies of itself: WALs of
 * up to 131 MB without this, 57-90 MB with it). */
#define WAL_GATE_NOW_FRAMES(st) (2 * (st)->ckpt_frames)
#define WAL_PASSES 6
/* The checkpointer reads WAL frames from a read-only mapping of the file
 * (a pread per frame cost it as much as its writes), up to here. */
#define WAL_MAP_BYTES ((size_t)5 * WAL_CKPT_BYTES)

/* Called by SQLite on the writer thread after each commit, with the WAL's
 * size in frames. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct weft_store *st = arg;
	pthread_mutex_lock(&st->lock);
	if (frames < st->wal_frames)
		st->ckpt_next = st->ckpt_frames; /* the WAL started over */
	st->wal_frames = frames;
	if (frames >= st->ckpt_next && !st->ckpt_requested) {
		st->ckpt_requested = true;
		pthread_cond_signal(&st->ckpt_wake);
	}
	pthread_mutex_unlock(&st->lock);
	/* The checkpointer is behind: do what autocheckpoint would (it fails
	 * at once, harmlessly, while the checkpointer holds the lock). */
	if (frames >= WAL_HARD_FRAMES(st))
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

/* Maps the WAL file for the checkpointer's reads (again if it is another
 * file than the one mapped) and lends the mapping to its WAL handle. On
 * any failure the reads just go to the file. */
static void ckpt_map_wal(struct weft_store *st)
{
	sqlite3_file *pf = NULL;
	if (sqlite3_file_control(st->cdb, "main", SQLITE_FCNTL_JOURNAL_POINTER, &pf) != SQLITE_OK ||
	    !wal_file_owned(pf))
		return;
	const char *path = sqlite3_filename_wal(sqlite3_db_filename(st->cdb, "main"));
	struct stat sb;
	if (!path || stat(path, &sb) != 0)
		return;
	if (st->wal_map && (sb.st_dev != st->wal_dev || sb.st_ino != st->wal_ino)) {
		wal_file_lend_map(pf, NULL, 0);
		munmap((void *)st->wal_map, WAL_MAP_BYTES);
		st->wal_map = NULL;
	}
	if (!st->wal_map) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		/* Longer than the file for now: it grows into the mapping. */
		void *m = mmap(NULL, WAL_MAP_BYTES, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (m == MAP_FAILED)
			return;
		st->wal_map = m;
		st->wal_dev = sb.st_dev;
		st->wal_ino = sb.st_ino;
	}
	/* Only what the file holds now: reading a mapping past the end of the
	 * file is a SIGBUS. Frames appended meanwhile are read from the file;
	 * it cannot shrink during the pass (truncation needs the checkpoint
	 * lock, and the writer's is excluded by ckpt_run). */
	size_t len = (size_t)sb.st_size < WAL_MAP_BYTES ? (size_t)sb.st_size : WAL_MAP_BYTES;
	wal_file_lend_map(pf, st->wal_map, len);
}

/* One PASSIVE checkpoint on the checkpointer's connection. Returns the
 * frames it left behind (committed while it ran, or held back by a
 * reader), or -1 when it failed; *done is the WAL frame it copied up to. */
static int ckpt_pass(struct weft_store *st, int *done)
{
	int log = 0;
	ckpt_map_wal(st);
	pthread_mutex_lock(&st->ckpt_run);
	int rc = sqlite3_wal_checkpoint_v2(st->cdb, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, done);
	pthread_mutex_unlock(&st->ckpt_run);
	if (rc != SQLITE_OK)
		return -1;
	pthread_mutex_lock(&st->lock);
	int left = st->wal_frames - *done;
	pthread_mutex_unlock(&st->lock);
	return left > 0 ? left : 0;
}

static void sync_db(struct weft_store *st)
{
	int fd = open(st->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (fdatasync(fd))
			weft_err("store.fdatasync_failed path=%s error=%s", st->path, strerror(errno));
		close(fd);
	}
}

/* More passes beside the writer while what they leave behind shrinks, down
 * to target frames (at most WAL_PASSES). When the writer commits faster
 * than they copy (what is left grows, or the WAL passes twice the
 * threshold), they stop: the pass at the gate finishes instead, so the WAL
 * stays bounded however slow the checkpointer is. */
static int ckpt_converge(struct weft_store *st, int *done, int left, int target)
{
	for (int pass = 0; pass < WAL_PASSES && left > target && *done + left < WAL_GATE_NOW_FRAMES(st); pass++) {
		int prev = left;
		left = ckpt_pass(st, done);
		if (left < 0 || left >= prev)
			break;
	}
	return left;
}

/* The checkpointer. A PASSIVE checkpoint copies WAL frames into the
 * database beside the writer without stopping it, but SQLite starts the
 * WAL over (instead of growing it) only when a write transaction begins
 * with every frame copied, which seldom happens while commits keep coming.
 * So once passes beside the writer have nearly caught up, the frames
 * committed meanwhile are copied while the writer waits at the gate
 * (between transactions); its next transaction then restarts the WAL from
 * the top. */
static void *ckpt_main(void *arg)
{
	struct weft_store *st = arg;
	pthread_setname_np(pthread_self(), "weft-ckpt");
	pthread_mutex_lock(&st->lock);
	for (;;) {
		while (!st->ckpt_requested && !st->ckpt_stopping)
			pthread_cond_wait(&st->ckpt_wake, &st->lock);
		if (st->ckpt_stopping)
			break;
		pthread_mutex_unlock(&st->lock);

		int done = 0;
		/* Each pass copies what was committed during the one before,
		 * so a few converge on what commits while one pass runs. A pass
		 * that does not catch up leaves its database writes unsynced
		 * (SQLite syncs the database only when a pass catches up): they
		 * are synced here, beside the writer, and the passes go on, so
		 * that the pass at the gate has little to copy and to sync. */
		int left = ckpt_pass(st, &done);
		left = ckpt_converge(st, &done, left, WAL_GATE_FRAMES(st));
		if (left > 0 && done + left < WAL_GATE_NOW_FRAMES(st)) {
			sync_db(st);
			left = ckpt_converge(st, &done, left, WAL_GATE_FRAMES(st) / 4);
		}
		if (left >= 0) {
			pthread_mutex_lock(&st->lock);
			st->gate = true;
			while (st->in_txn && !st->ckpt_stopping)
				pthread_cond_wait(&st->ckpt_wake, &st->lock);
			left = st->wal_frames > done;
			pthread_mutex_unlock(&st->lock);
			if (left)
				left = ckpt_pass(st, &done);
			pthread_mutex_lock(&st->lock);
			st->gate = false;
			pthread_cond_signal(&st->wake);
			pthread_mutex_unlock(&st->lock);
		}
		pthread_mutex_lock(&st->lock);
		st->ckpt_requested = false;
		/* Held back (by a reader, or a failure): try again a little later
		 * rather than on every commit. */
		st->ckpt_next = left != 0 ? st->wal_frames + st->ckpt_frames / 4 : st->ckpt_frames;
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

int ckpt_start(struct weft_store *st, const char *vfs)
{
	if (sqlite3_open_v2(st->path, &st->cdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
		weft_err("store.open_failed path=%s for=checkpoints", st->path);
		return WEFT_EIO;
	}
	/* FULL: a checkpoint syncs the WAL before and the database after. */
	int rc = exec_sql(st->cdb, "PRAGMA synchronous=FULL");
	if (rc)
		return rc;
	sqlite3_stmt *s;
	int page = 0;
	if (sqlite3_prepare_v2(st->wdb, "PRAGMA page_size", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			page = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	st->ckpt_frames = WAL_CKPT_BYTES / (page >= 512 ? page : 4096);
	st->ckpt_next = st->ckpt_frames;
	if (pthread_create(&st->ckpt_thread, NULL, ckpt_main, st))
		return WEFT_EIO;
	st->ckpt_started = true;
	sqlite3_wal_hook(st->wdb, on_wal_commit, st); /* replaces autocheckpoint */
	return WEFT_OK;
}

void ckpt_stop(struct weft_store *st)
{
	if (store_stop_thread(st, &st->ckpt_started, &st->ckpt_stopping, &st->ckpt_wake, st->ckpt_thread))
		sqlite3_wal_autocheckpoint(st->wdb, 1000);
}

void ckpt_close(struct weft_store *st)
{
	if (st->wal_map)
		munmap((void *)st->wal_map, WAL_MAP_BYTES);
	st->wal_map = NULL;
}

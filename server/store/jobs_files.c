/* File jobs: an upload's row (with the daily quota), a send's
 * attachments, a deleted message's files, and the expiry of uploads never
 * attached. Rows only: the bytes are the blob store's (server/blobs.c),
 * which the service thread tells, after the commit, which hashes a job
 * stopped naming (j->gone). Writer thread only, inside the batch's
 * transaction. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define DAY_MS (24 * 3600 * 1000LL)
/* Unattached files dropped by one expiry job: a bounded transaction; the
 * next run (flag says one is due at once) takes the rest. */
#define EXPIRE_BATCH 500

int run_file_create(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_UPLOAD_USED];
	sqlite3_bind_int64(s, 1, j->user);
	sqlite3_bind_int64(s, 2, now - DAY_MS);
	int64_t used;
	int rc = step_int64(s, 0, &used);
	if (rc)
		return rc;
	if (j->file_quota && used + j->size > j->file_quota) {
		j->used = used;
		return WEFT_ETOOLARGE;
	}
	s = st->w[W_FILE_INSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->user);
	sqlite3_bind_text(s, 3, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, j->file_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, j->size);
	sqlite3_bind_text(s, 6, j->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, now);
	if ((rc = exec_stmt(s)))
		return rc;
	j->id = sqlite3_last_insert_rowid(st->wdb);
	s = st->w[W_UPLOAD_INSERT];
	sqlite3_bind_int64(s, 1, j->user);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->size);
	return exec_stmt(s);
}

/* Collects the sha256 column of every row s returns into j->gone. */
static int collect_gone(struct weft_store *st, sqlite3_stmt *s, struct weft_job *j)
{
	(void)st;
	int rc, step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		char(*g)[WEFT_SHA256_HEX] = realloc(j->gone, (size_t)(j->ngone + 1) * sizeof *g);
		if (!g) {
			done_stmt(s);
			return WEFT_ENOMEM;
		}
		j->gone = g;
		copy_text(j->gone[j->ngone++], WEFT_SHA256_HEX, s, 0);
	}
	rc = step_rc(s, step);
	done_stmt(s);
	return rc;
}

int run_files_expire(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_FILES_EXPIRE];
	sqlite3_bind_int64(s, 1, j->expires_ms);
	sqlite3_bind_int(s, 2, EXPIRE_BATCH);
	int rc = collect_gone(st, s, j);
	if (rc)
		return rc;
	j->flag = j->ngone == EXPIRE_BATCH;
	s = st->w[W_UPLOADS_PRUNE];
	sqlite3_bind_int64(s, 1, weft_now_ms() - DAY_MS);
	return exec_stmt(s);
}

int files_check(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_FILE_FREE];
	for (int i = 0; i < j->nfiles; i++) {
		sqlite3_bind_int64(s, 1, j->files[i]);
		sqlite3_bind_int64(s, 2, j->channel);
		sqlite3_bind_int64(s, 3, j->user);
		int rc = step_row(s);
		done_stmt(s);
		if (rc)
			return rc == WEFT_ENOTFOUND ? WEFT_EINVAL : rc;
	}
	return WEFT_OK;
}

int files_attach(struct weft_store *st, struct weft_job *j, int64_t id, char **json)
{
	sqlite3_stmt *s = st->w[W_FILE_ATTACH];
	for (int i = 0; i < j->nfiles; i++) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, j->files[i]);
		int rc = exec_changed(st, s);
		if (rc)
			return rc == WEFT_ENOTFOUND ? WEFT_EIO : rc; /* files_check saw it free */
	}
	s = st->w[W_FILES_JSON];
	sqlite3_bind_int64(s, 1, id);
	int rc = step_row(s);
	if (!rc)
		rc = dup_text(json, s, 0);
	done_stmt(s);
	return rc;
}

int files_drop(struct weft_store *st, struct weft_job *j, int64_t id)
{
	sqlite3_stmt *s = st->w[W_FILES_DROP];
	sqlite3_bind_int64(s, 1, id);
	return collect_gone(st, s, j);
}

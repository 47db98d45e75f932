/* The blob store's questions to the database, on a read-only connection
 * of their own: does any file still name this blob, and which blobs are
 * named at all (the backup's list). The caller's thread: a file worker
 * (which holds the blob store's lock around each question) or the command
 * line. In autocommit every question reads the newest commit. */
#include "store_int.h"
#include "wal.h"

#include <stdlib.h>

struct weft_store_blobs {
	sqlite3 *db;
	sqlite3_stmt *used, *each;
};

int weft_store_blobs_open(const char *db_path, struct weft_store_blobs **out)
{
	struct weft_store_blobs *b = calloc(1, sizeof *b);
	if (!b)
		return WEFT_ENOMEM;
	/* The server's own VFS when it runs in this process (its locks are
	 * the same file's); the default one for the command line. */
	if (sqlite3_open_v2(db_path, &b->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, wal_vfs_name()) !=
		    SQLITE_OK ||
	    sqlite3_busy_timeout(b->db, 5000) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", -1, &b->used, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "SELECT DISTINCT sha256 FROM files", -1, &b->each, NULL) != SQLITE_OK) {
		weft_err("store.blobs_open_failed db=%s error=%s", db_path,
			 b->db ? sqlite3_errmsg(b->db) : "out of memory");
		weft_store_blobs_close(b);
		return WEFT_EIO;
	}
	*out = b;
	return WEFT_OK;
}

int weft_store_blob_used(struct weft_store_blobs *b, const char *sha256, bool *out)
{
	sqlite3_bind_text(b->used, 1, sha256, -1, SQLITE_STATIC);
	int rc = step_row(b->used);
	done_stmt(b->used);
	if (rc && rc != WEFT_ENOTFOUND)
		return rc;
	*out = rc == WEFT_OK;
	return WEFT_OK;
}

int weft_store_blob_each(struct weft_store_blobs *b, int (*cb)(void *arg, const char *sha256), void *arg)
{
	int rc = WEFT_OK, step;
	while ((step = sqlite3_step(b->each)) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(b->each, 0);
		if (sha && (rc = cb(arg, sha)))
			break;
	}
	if (!rc)
		rc = step_rc(b->each, step);
	done_stmt(b->each);
	return rc;
}

void weft_store_blobs_close(struct weft_store_blobs *b)
{
	if (!b)
		return;
	sqlite3_finalize(b->used);
	sqlite3_finalize(b->each);
	sqlite3_close(b->db);
	free(b);
}

/* The blob store: the bytes of uploaded files under DATA/files, each named
 * by its SHA-256 (files/ab/cdef…: the same bytes stored once however often
 * they are uploaded). Rows in the database (the files table) name blobs;
 * a blob no row names is removed.
 *
 * Races it settles. An upload links its blob into place before the
 * writer commits the row that names it, and a deletion's commit may have
 * just left a blob unnamed: so an upload pins its hash from before the
 * link until its row's commit came back (weft_blobs_unpin), and a blob is
 * removed only when, under the store's lock, it is not pinned and the
 * newest commit names it nowhere. A backup (another process) holds
 * DATA/files/lock exclusively while it copies; removals wait for it (they
 * are kept and tried again by weft_blobs_retry), so a backup's database
 * never names a blob the copy lacks.
 *
 * Threads: the functions that touch file bytes or the disk run on a file
 * worker (never the service thread); weft_blobs_unpin and weft_blobs_path
 * on any thread. */
#ifndef WEFT_BLOBS_H
#define WEFT_BLOBS_H

#include "weft/model.h"

#define WEFT_BLOB_PATH_MAX 4096

struct weft_blobs;

/* An upload on its way to the store: a temporary file under files/tmp and
 * the hash of what was written so far. One worker at a time. */
struct weft_blob_writer {
	int fd;                          /* -1: not open */
	char tmp[WEFT_BLOB_PATH_MAX];
	void *md;                        /* EVP_MD_CTX */
	int64_t size;
};

/* Opens DATA/files (creating it, files/tmp and the lock file), empties
 * files/tmp (uploads a previous run left half-written) and opens a
 * read-only connection to db_path. Main thread, at start. */
int weft_blobs_open(const char *data_dir, const char *db_path, struct weft_blobs **out);
/* Closes; after every worker stopped. NULL is fine. */
void weft_blobs_close(struct weft_blobs *b);

/* The path of a blob (sha256 in hex) into out. Any thread. */
int weft_blobs_path(const struct weft_blobs *b, const char *sha256, char *out, size_t cap);

/* Creates w's temporary file and hash. Worker. */
int weft_blobs_writer_open(struct weft_blobs *b, struct weft_blob_writer *w);
/* Writes and hashes n bytes. WEFT_EBUSY when the disk is full. Worker. */
int weft_blobs_writer_write(struct weft_blob_writer *w, const void *p, size_t n);
/* Syncs the file, finishes the hash into sha256, pins it and moves the
 * file into place (or drops it when the blob is there already), durably.
 * The hash stays pinned until weft_blobs_unpin, even on failure after the
 * pin (then sha256 is set). w is closed either way. Worker. */
int weft_blobs_writer_commit(struct weft_blobs *b, struct weft_blob_writer *w, char sha256[WEFT_SHA256_HEX]);
/* Closes w and removes its temporary file (an upload cut off or refused).
 * Worker (or any thread once no worker can touch w). */
void weft_blobs_writer_abort(struct weft_blob_writer *w);

/* An upload's row committed (or failed): the hash may be collected again. */
void weft_blobs_unpin(struct weft_blobs *b, const char *sha256);

/* Removes those of the n blobs that no file names and no upload pins.
 * Those it cannot decide now (a backup holds the store, a read failed)
 * are kept for weft_blobs_retry. Worker. */
void weft_blobs_collect(struct weft_blobs *b, const char (*sha256)[WEFT_SHA256_HEX], int n);
/* Collects the blobs kept by earlier calls. Worker. */
void weft_blobs_retry(struct weft_blobs *b);
/* Collects every blob in the store no file names (a crash between a
 * blob's link and its row's commit leaves one). Worker, at start. */
void weft_blobs_sweep(struct weft_blobs *b);

/* ---- `weftd backup` (another process than the server's). */

/* Holds DATA/files/lock exclusively (waiting for removals under way):
 * *fd (-1 when the data directory has no blob store). */
int weft_blobs_backup_lock(const char *data_dir, int *fd, char *err, size_t errlen);
/* Copies every blob the database at dest_db names from DATA/files into
 * dest_db + ".files/" (same layout); *copied counts them. */
int weft_blobs_backup_copy(const char *data_dir, const char *dest_db, int *copied, char *err, size_t errlen);
void weft_blobs_backup_unlock(int fd);

#endif

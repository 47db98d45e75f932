/* WAL write coalescing (wal.c): a SQLite VFS that wraps the default one
 * and sends each WAL file's contiguous writes out in one write, before
 * anything could observe them. It knows nothing of Weft.
 *
 * Correct only when every connection that writes through it runs with
 * synchronous=FULL (so that every WAL commit syncs, and no other
 * connection can see a frame still in a buffer). Any thread. */
#ifndef WEFT_STORE_WAL_H
#define WEFT_STORE_WAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* Registers the VFS (once, whichever thread comes first) and returns its
 * name for sqlite3_open_v2, or NULL when it could not be registered (then
 * the default VFS serves, without coalescing). */
const char *wal_vfs_name(void);

/* Is pf a file of this VFS (e.g. from SQLITE_FCNTL_JOURNAL_POINTER)? */
bool wal_file_owned(sqlite3_file *pf);

/* Lends pf, a file of this VFS, a read-only mapping of its first len
 * bytes: its reads within them are copied from map, the rest go to the
 * file. NULL, 0 takes the loan back. The caller keeps map alive and
 * unchanged until then, and owns it. Only on the thread of pf's
 * connection, between its reads. */
void wal_file_lend_map(sqlite3_file *pf, const unsigned char *map, size_t len);

#endif

/* WAL write coalescing: a SQLite VFS that wraps the default one. It knows
 * nothing of Weft; the store opens every connection through it (wal.h).
 * Any thread: SQLite calls it on the thread of the connection at work.
 *
 * SQLite writes a WAL frame as two pwrite calls (the 24-byte header, then
 * the page), so a commit of 150 pages costs 300 system calls, and on a
 * virtual machine a system call is expensive: they were a third of the
 * writer's time. This VFS wraps the default one and, for WAL files
 * only, collects contiguous writes in a buffer that goes out in one write
 * before anything that could observe the file: a sync, a read, a size
 * query, a truncation, a file control, a write elsewhere, or close.
 *
 * Other connections (a read-only one, a checkpointer) read only frames
 * of committed transactions, which SQLite publishes in the wal-index only
 * after the commit's xSync; with synchronous=FULL (required: see wal.h)
 * every WAL commit syncs, so they never see a frame still in a buffer. */
#include "wal.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#define WALBUF_MAX (4u << 20)
/* The unix VFS writes at most 128 KiB - 1 per call (seekAndWriteFd masks
 * the length with 0x1ffff), so a flush goes out in pieces below that. */
#define WALBUF_PIECE (124u << 10)

struct wal_file {
	sqlite3_file base;
	sqlite3_file *real;     /* the default VFS's file, allocated right after */
	bool is_wal;
	unsigned char *buf;     /* pending bytes of [off, off + len) */
	size_t len, cap;
	sqlite3_int64 off;
	const unsigned char *map; /* lent by wal_file_lend_map: the file mapped, map_len bytes */
	size_t map_len;
};

static sqlite3_vfs *wal_vfs_real;

static int wal_flush(struct wal_file *f)
{
	int rc = SQLITE_OK;
	for (size_t done = 0; done < f->len && rc == SQLITE_OK; done += WALBUF_PIECE) {
		size_t n = f->len - done < WALBUF_PIECE ? f->len - done : WALBUF_PIECE;
		rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n, f->off + (sqlite3_int64)done);
	}
	f->len = 0;
	return rc;
}

static int wal_close(sqlite3_file *pf)
{
	struct wal_file *f = (struct wal_file *)pf;
	int rc = wal_flush(f);
	int rc2 = f->real->pMethods->xClose(f->real);
	sqlite3_free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int wal_read(sqlite3_file *pf, void *p, int n, sqlite3_int64 off)
{
	struct wal_file *f = (struct wal_file *)pf;
	int rc = wal_flush(f);
	if (rc != SQLITE_OK)
		return rc;
	/* Reads within the part of the file mapped by its owner (the
	 * checkpointer's, for its pass: wal_file_lend_map). */
	if (f->map && off >= 0 && n >= 0 && (size_t)off + (size_t)n <= f->map_len) {
		memcpy(p, f->map + off, (size_t)n);
		return SQLITE_OK;
	}
	return f->real->pMethods->xRead(f->real, p, n, off);
}

static int wal_write(sqlite3_file *pf, const void *p, int n, sqlite3_int64 off)
{
	struct wal_file *f = (struct wal_file *)pf;
	if (!f->is_wal)
		return f->real->pMethods->xWrite(f->real, p, n, off);
	size_t amt = (size_t)n;
	int rc;
	/* Anything but an append to what is pending sends the pending first,
	 * so writes reach the file in SQLite's order. */
	if (f->len && (off != f->off + (sqlite3_int64)f->len || f->len + amt > WALBUF_MAX) &&
	    (rc = wal_flush(f)) != SQLITE_OK)
		return rc;
	if (f->len + amt > f->cap && amt < WALBUF_PIECE) {
		size_t cap = f->cap ? f->cap * 2 : 256u << 10;
		while (cap < f->len + amt)
			cap *= 2;
		unsigned char *b = sqlite3_realloc64(f->buf, cap);
		if (b) {
			f->buf = b;
			f->cap = cap;
		}
	}
	if (f->len + amt > f->cap) {
		/* Too large to hold, or no memory for it: write through. */
		if ((rc = wal_flush(f)) != SQLITE_OK)
			return rc;
		return f->real->pMethods->xWrite(f->real, p, n, off);
	}
	if (!f->len)
		f->off = off;
	memcpy(f->buf + f->len, p, amt);
	f->len += amt;
	return SQLITE_OK;
}

static int wal_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
	struct wal_file *f = (struct wal_file *)pf;
	int rc = wal_flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wal_sync(sqlite3_file *pf, int flags)
{
	struct wal_file *f = (struct wal_file *)pf;
	int rc = wal_flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int wal_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
	struct wal_file *f = (struct wal_file *)pf;
	int rc = wal_flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int wal_file_control(sqlite3_file *pf, int op, void *arg)
{
	struct wal_file *f = (struct wal_file *)pf;
	int rc = wal_flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

#define WAL_PASS(f) (((struct wal_file *)(f))->real)
static int wal_lock(sqlite3_file *pf, int l) { return WAL_PASS(pf)->pMethods->xLock(WAL_PASS(pf), l); }
static int wal_unlock(sqlite3_file *pf, int l) { return WAL_PASS(pf)->pMethods->xUnlock(WAL_PASS(pf), l); }
static int wal_check_reserved(sqlite3_file *pf, int *out)
{
	return WAL_PASS(pf)->pMethods->xCheckReservedLock(WAL_PASS(pf), out);
}
static int wal_sector_size(sqlite3_file *pf) { return WAL_PASS(pf)->pMethods->xSectorSize(WAL_PASS(pf)); }
static int wal_device_chars(sqlite3_file *pf)
{
	return WAL_PASS(pf)->pMethods->xDeviceCharacteristics(WAL_PASS(pf));
}
static int wal_shm_map(sqlite3_file *pf, int pg, int sz, int extend, void volatile **pp)
{
	return WAL_PASS(pf)->pMethods->xShmMap(WAL_PASS(pf), pg, sz, extend, pp);
}
static int wal_shm_lock(sqlite3_file *pf, int off, int n, int flags)
{
	return WAL_PASS(pf)->pMethods->xShmLock(WAL_PASS(pf), off, n, flags);
}
static void wal_shm_barrier(sqlite3_file *pf) { WAL_PASS(pf)->pMethods->xShmBarrier(WAL_PASS(pf)); }
static int wal_shm_unmap(sqlite3_file *pf, int del) { return WAL_PASS(pf)->pMethods->xShmUnmap(WAL_PASS(pf), del); }
static int wal_fetch(sqlite3_file *pf, sqlite3_int64 off, int n, void **pp)
{
	return WAL_PASS(pf)->pMethods->xFetch(WAL_PASS(pf), off, n, pp);
}
static int wal_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p)
{
	return WAL_PASS(pf)->pMethods->xUnfetch(WAL_PASS(pf), off, p);
}

static const sqlite3_io_methods wal_methods = {
	3, wal_close, wal_read, wal_write, wal_truncate, wal_sync, wal_file_size, wal_lock, wal_unlock,
	wal_check_reserved, wal_file_control, wal_sector_size, wal_device_chars,
	wal_shm_map, wal_shm_lock, wal_shm_barrier, wal_shm_unmap, wal_fetch, wal_unfetch,
};

static int wal_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *pf, int flags, int *out_flags)
{
	(void)vfs;
	struct wal_file *f = (struct wal_file *)pf;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)&f[1];
	int rc = wal_vfs_real->xOpen(wal_vfs_real, name, f->real, flags, out_flags);
	/* SQLite calls xClose only when pMethods is set, so set it only when
	 * the real file is open (and then it is closed through ours). */
	if (f->real->pMethods) {
		/* The wrapper passes version-3 methods through unchecked. */
		assert(f->real->pMethods->iVersion >= 3);
		f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
		pf->pMethods = &wal_methods;
	}
	return rc;
}

#define VFS_REAL wal_vfs_real
static int vfs_delete(sqlite3_vfs *v, const char *n, int sync) { (void)v; return VFS_REAL->xDelete(VFS_REAL, n, sync); }
static int vfs_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
	(void)v;
	return VFS_REAL->xAccess(VFS_REAL, n, flags, out);
}
static int vfs_full_pathname(sqlite3_vfs *v, const char *n, int len, char *out)
{
	(void)v;
	return VFS_REAL->xFullPathname(VFS_REAL, n, len, out);
}
static void *vfs_dl_open(sqlite3_vfs *v, const char *n) { (void)v; return VFS_REAL->xDlOpen(VFS_REAL, n); }
static void vfs_dl_error(sqlite3_vfs *v, int n, char *msg) { (void)v; VFS_REAL->xDlError(VFS_REAL, n, msg); }
static void (*vfs_dl_sym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return VFS_REAL->xDlSym(VFS_REAL, h, sym);
}
static void vfs_dl_close(sqlite3_vfs *v, void *h) { (void)v; VFS_REAL->xDlClose(VFS_REAL, h); }
static int vfs_randomness(sqlite3_vfs *v, int n, char *out) { (void)v; return VFS_REAL->xRandomness(VFS_REAL, n, out); }
static int vfs_sleep(sqlite3_vfs *v, int us) { (void)v; return VFS_REAL->xSleep(VFS_REAL, us); }
static int vfs_current_time(sqlite3_vfs *v, double *out) { (void)v; return VFS_REAL->xCurrentTime(VFS_REAL, out); }
static int vfs_last_error(sqlite3_vfs *v, int n, char *out) { (void)v; return VFS_REAL->xGetLastError(VFS_REAL, n, out); }
static int vfs_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return VFS_REAL->xCurrentTimeInt64(VFS_REAL, out);
}

static sqlite3_vfs wal_vfs = {
	.iVersion = 2,
	.zName = "walbuf",
	.xOpen = wal_open,
	.xDelete = vfs_delete,
	.xAccess = vfs_access,
	.xFullPathname = vfs_full_pathname,
	.xDlOpen = vfs_dl_open,
	.xDlError = vfs_dl_error,
	.xDlSym = vfs_dl_sym,
	.xDlClose = vfs_dl_close,
	.xRandomness = vfs_randomness,
	.xSleep = vfs_sleep,
	.xCurrentTime = vfs_current_time,
	.xGetLastError = vfs_last_error,
	.xCurrentTimeInt64 = vfs_current_time64,
};

static pthread_once_t wal_vfs_once = PTHREAD_ONCE_INIT;

static void wal_vfs_register(void)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	if (!real || real->iVersion < 2)
		return;
	wal_vfs_real = real;
	wal_vfs.szOsFile = (int)sizeof(struct wal_file) + real->szOsFile;
	wal_vfs.mxPathname = real->mxPathname;
	if (sqlite3_vfs_register(&wal_vfs, 0) != SQLITE_OK)
		wal_vfs_real = NULL;
}

const char *wal_vfs_name(void)
{
	pthread_once(&wal_vfs_once, wal_vfs_register);
	return wal_vfs_real ? wal_vfs.zName : NULL;
}

bool wal_file_owned(sqlite3_file *pf)
{
	return pf && pf->pMethods == &wal_methods;
}

void wal_file_lend_map(sqlite3_file *pf, const unsigned char *map, size_t len)
{
	struct wal_file *f = (struct wal_file *)pf;
	f->map = map;
	f->map_len = len;
}

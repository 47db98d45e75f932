/* The blob store (weft/blobs.h): files/ab/cdef… under the data
 * directory, temporary uploads in files/tmp, the pins of uploads on their
 * way to a commit, and removals that wait for a backup. The disk is only
 * touched from file workers and the command line; the lock `lock` guards
 * the pins, the deferred removals and the database reader. */
#define _GNU_SOURCE /* O_CLOEXEC, mkostemp */
#include "weft/blobs.h"

#include "weft/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Room left in a path after the store's directory: a blob's name, a
 * temporary file's. */
#define BLOB_DIR_MAX (WEFT_BLOB_PATH_MAX - 128)

struct pin {
	char sha[WEFT_SHA256_HEX];
	int count;
};

struct weft_blobs {
	char dir[BLOB_DIR_MAX];           /* DATA/files */
	int lock_fd;                      /* DATA/files/lock: shared while removing */
	pthread_mutex_t lock;
	struct weft_store_blobs *db;      /* under lock */
	struct pin *pins;                 /* under lock */
	int npins, cappins;
	char (*deferred)[WEFT_SHA256_HEX]; /* under lock: removals to try again */
	int ndeferred, capdeferred;
};

static bool hex64(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

int weft_blobs_path(const struct weft_blobs *b, const char *sha256, char *out, size_t cap)
{
	if (!hex64(sha256))
		return WEFT_EINVAL;
	int n = snprintf(out, cap, "%s/%.2s/%s", b->dir, sha256, sha256 + 2);
	return n > 0 && (size_t)n < cap ? WEFT_OK : WEFT_EINVAL;
}

static int mkdir_ok(const char *path)
{
	return mkdir(path, 0700) && errno != EEXIST ? WEFT_EIO : WEFT_OK;
}

/* Syncs a directory, so that a name made or removed in it lasts. */
static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return WEFT_EIO;
	int rc = fsync(fd) ? WEFT_EIO : WEFT_OK;
	close(fd);
	return rc;
}

/* Removes what a previous run left in files/tmp: no upload survives a restart. */
static void empty_tmp(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[WEFT_BLOB_PATH_MAX];
		if (e->d_name[0] != '.' && snprintf(p, sizeof p, "%s/%s", tmp, e->d_name) < (int)sizeof p)
			unlink(p);
	}
	if (d)
		closedir(d);
}

int weft_blobs_open(const char *data_dir, const char *db_path, struct weft_blobs **out)
{
	struct weft_blobs *b = calloc(1, sizeof *b);
	if (!b)
		return WEFT_ENOMEM;
	pthread_mutex_init(&b->lock, NULL);
	b->lock_fd = -1;
	char tmp[WEFT_BLOB_PATH_MAX], lockp[WEFT_BLOB_PATH_MAX];
	int rc = WEFT_EIO;
	if (snprintf(b->dir, sizeof b->dir, "%s/files", data_dir) >= (int)sizeof b->dir)
		goto out;
	snprintf(tmp, sizeof tmp, "%s/tmp", b->dir);
	snprintf(lockp, sizeof lockp, "%s/lock", b->dir);
	if (mkdir_ok(b->dir) || mkdir_ok(tmp)) {
		weft_err("blobs.mkdir_failed path=%s error=%s", tmp, strerror(errno));
		goto out;
	}
	empty_tmp(tmp);
	if ((b->lock_fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		weft_err("blobs.lock_failed path=%s error=%s", lockp, strerror(errno));
		goto out;
	}
	if ((rc = weft_store_blobs_open(db_path, &b->db)))
		goto out;
	*out = b;
	return WEFT_OK;
out:
	weft_blobs_close(b);
	return rc;
}

void weft_blobs_close(struct weft_blobs *b)
{
	if (!b)
		return;
	weft_store_blobs_close(b->db);
	if (b->lock_fd >= 0)
		close(b->lock_fd);
	pthread_mutex_destroy(&b->lock);
	free(b->pins);
	free(b->deferred);
	free(b);
}

/* ---- Uploads. */

int weft_blobs_writer_open(struct weft_blobs *b, struct weft_blob_writer *w)
{
	snprintf(w->tmp, sizeof w->tmp, "%s/tmp/upload-XXXXXX", b->dir);
	w->size = 0;
	if (!(w->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(w->md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(w->md);
		w->md = NULL;
		w->fd = -1;
		return WEFT_ENOMEM;
	}
	if ((w->fd = mkostemp(w->tmp, O_CLOEXEC)) < 0) {
		weft_err("blobs.tmp_failed dir=%s/tmp error=%s", b->dir, strerror(errno));
		EVP_MD_CTX_free(w->md);
		w->md = NULL;
		return errno == ENOSPC || errno == EDQUOT ? WEFT_EBUSY : WEFT_EIO;
	}
	return WEFT_OK;
}

int weft_blobs_writer_write(struct weft_blob_writer *w, const void *p, size_t n)
{
	const char *c = p;
	if (!EVP_DigestUpdate(w->md, p, n))
		return WEFT_EIO;
	while (n) {
		ssize_t k = write(w->fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return errno == ENOSPC || errno == EDQUOT || errno == EFBIG ? WEFT_EBUSY : WEFT_EIO;
		c += k;
		n -= (size_t)k;
		w->size += k;
	}
	return WEFT_OK;
}

void weft_blobs_writer_abort(struct weft_blob_writer *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->tmp);
	}
	w->fd = -1;
	EVP_MD_CTX_free(w->md);
	w->md = NULL;
}

static void pin(struct weft_blobs *b, const char *sha)
{
	for (int i = 0; i < b->npins; i++)
		if (!strcmp(b->pins[i].sha, sha)) {
			b->pins[i].count++;
			return;
		}
	if (b->npins == b->cappins) {
		int cap = b->cappins ? 2 * b->cappins : 16;
		struct pin *p = realloc(b->pins, (size_t)cap * sizeof *p);
		if (!p)
			abort(); /* a few dozen bytes: a pin must never be lost */
		b->pins = p;
		b->cappins = cap;
	}
	snprintf(b->pins[b->npins].sha, WEFT_SHA256_HEX, "%s", sha);
	b->pins[b->npins++].count = 1;
}

static bool pinned(struct weft_blobs *b, const char *sha)
{
	for (int i = 0; i < b->npins; i++)
		if (!strcmp(b->pins[i].sha, sha))
			return true;
	return false;
}

void weft_blobs_unpin(struct weft_blobs *b, const char *sha256)
{
	pthread_mutex_lock(&b->lock);
	for (int i = 0; i < b->npins; i++)
		if (!strcmp(b->pins[i].sha, sha256)) {
			if (--b->pins[i].count == 0)
				b->pins[i] = b->pins[--b->npins];
			break;
		}
	pthread_mutex_unlock(&b->lock);
}

int weft_blobs_writer_commit(struct weft_blobs *b, struct weft_blob_writer *w, char sha256[WEFT_SHA256_HEX])
{
	unsigned char md[32];
	unsigned len = 0;
	int rc = WEFT_EIO;
	if (fsync(w->fd)) {
		rc = errno == ENOSPC || errno == EDQUOT ? WEFT_EBUSY : WEFT_EIO;
		goto fail;
	}
	if (!EVP_DigestFinal_ex(w->md, md, &len) || len != 32)
		goto fail;
	for (int i = 0; i < 32; i++)
		snprintf(sha256 + 2 * i, 3, "%02x", md[i]);
	char dir[WEFT_BLOB_PATH_MAX], path[WEFT_BLOB_PATH_MAX];
	snprintf(dir, sizeof dir, "%s/%.2s", b->dir, sha256);
	weft_blobs_path(b, sha256, path, sizeof path);
	pthread_mutex_lock(&b->lock);
	pin(b, sha256);
	bool there = !access(path, F_OK);
	int moved = there ? 0 : mkdir_ok(dir) ? -1 : rename(w->tmp, path);
	pthread_mutex_unlock(&b->lock);
	if (moved) {
		weft_err("blobs.move_failed dir=%s error=%s", dir, strerror(errno));
		goto fail;
	}
	close(w->fd);
	w->fd = -1;
	if (there)
		unlink(w->tmp);
	EVP_MD_CTX_free(w->md);
	w->md = NULL;
	/* The name must last before the row that names it commits. */
	return there || !sync_dir(dir) ? WEFT_OK : WEFT_EIO;
fail:
	weft_blobs_writer_abort(w);
	return rc;
}

/* ---- Removal. */

static void defer(struct weft_blobs *b, const char *sha)
{
	for (int i = 0; i < b->ndeferred; i++)
		if (!strcmp(b->deferred[i], sha))
			return;
	if (b->ndeferred == b->capdeferred) {
		int cap = b->capdeferred ? 2 * b->capdeferred : 16;
		char(*d)[WEFT_SHA256_HEX] = realloc(b->deferred, (size_t)cap * sizeof *d);
		if (!d) {
			weft_warn("blobs.remove_deferred reason=%s", "out of memory; the blob stays until the next start");
			return;
		}
		b->deferred = d;
		b->capdeferred = cap;
	}
	snprintf(b->deferred[b->ndeferred++], WEFT_SHA256_HEX, "%s", sha);
}

/* Under b->lock, holding the shared file lock: removes sha's blob unless
 * pinned or named; a failed read defers it. */
static void collect_one(struct weft_blobs *b, const char *sha)
{
	char path[WEFT_BLOB_PATH_MAX];
	bool used;
	if (weft_blobs_path(b, sha, path, sizeof path) || pinned(b, sha))
		return;
	if (weft_store_blob_used(b->db, sha, &used)) {
		defer(b, sha);
		return;
	}
	if (!used && unlink(path) && errno != ENOENT)
		weft_warn("blobs.remove_failed path=%s error=%s", path, strerror(errno));
}

void weft_blobs_collect(struct weft_blobs *b, const char (*sha256)[WEFT_SHA256_HEX], int n)
{
	pthread_mutex_lock(&b->lock);
	/* A backup holds the lock exclusively: keep these for later rather than
	 * wait for it on a worker. */
	bool held = !flock(b->lock_fd, LOCK_SH | LOCK_NB);
	for (int i = 0; i < n; i++) {
		if (held)
			collect_one(b, sha256[i]);
		else
			defer(b, sha256[i]);
	}
	if (held)
		flock(b->lock_fd, LOCK_UN);
	pthread_mutex_unlock(&b->lock);
}

void weft_blobs_retry(struct weft_blobs *b)
{
	pthread_mutex_lock(&b->lock);
	int n = b->ndeferred;
	char(*list)[WEFT_SHA256_HEX] = b->deferred;
	b->deferred = NULL;
	b->ndeferred = b->capdeferred = 0;
	pthread_mutex_unlock(&b->lock);
	if (n)
		weft_blobs_collect(b, (const char(*)[WEFT_SHA256_HEX])list, n);
	free(list);
}

void weft_blobs_sweep(struct weft_blobs *b)
{
	DIR *top = opendir(b->dir);
	struct dirent *e;
	int n = 0;
	while (top && (e = readdir(top))) {
		char sub[WEFT_BLOB_PATH_MAX];
		if (strlen(e->d_name) != 2 || !strchr("0123456789abcdef", e->d_name[0]) ||
		    !strchr("0123456789abcdef", e->d_name[1]))
			continue;
		snprintf(sub, sizeof sub, "%s/%.2s", b->dir, e->d_name);
		DIR *d = opendir(sub);
		struct dirent *f;
		while (d && (f = readdir(d))) {
			char sha[WEFT_SHA256_HEX];
			if (strlen(f->d_name) != 62)
				continue;
			memcpy(sha, e->d_name, 2);
			memcpy(sha + 2, f->d_name, 63);
			if (!hex64(sha))
				continue;
			weft_blobs_collect(b, (const char(*)[WEFT_SHA256_HEX])sha, 1);
			n++;
		}
		if (d)
			closedir(d);
	}
	if (top)
		closedir(top);
	weft_debug("blobs.swept count=%d", n);
}

/* ---- Backup (the command line). */

int weft_blobs_backup_lock(const char *data_dir, int *fd, char *err, size_t errlen)
{
	char path[WEFT_BLOB_PATH_MAX];
	snprintf(path, sizeof path, "%s/files/lock", data_dir);
	*fd = open(path, O_RDWR | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOENT)
			return WEFT_OK; /* no blob store: nothing to hold */
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return WEFT_EIO;
	}
	while (flock(*fd, LOCK_EX)) {
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
			close(*fd);
			*fd = -1;
			return WEFT_EIO;
		}
	}
	return WEFT_OK;
}

void weft_blobs_backup_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the lock */
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = WEFT_EIO;
	if (in < 0 || (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		goto out;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t k = write(out, buf + off, (size_t)(n - off));
			if (k <= 0)
				goto out;
			off += k;
		}
	if (n == 0 && !fsync(out))
		rc = WEFT_OK;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out))
		rc = WEFT_EIO;
	return rc;
}

struct backup_ctx {
	char src[BLOB_DIR_MAX], dst[BLOB_DIR_MAX];
	int copied;
	char *err;
	size_t errlen;
};

static int backup_one(void *arg, const char *sha)
{
	struct backup_ctx *c = arg;
	char from[WEFT_BLOB_PATH_MAX], dir[BLOB_DIR_MAX + 8], to[WEFT_BLOB_PATH_MAX];
	if (!hex64(sha))
		return WEFT_OK;
	snprintf(from, sizeof from, "%s/%.2s/%.62s", c->src, sha, sha + 2);
	snprintf(dir, sizeof dir, "%s/%.2s", c->dst, sha);
	snprintf(to, sizeof to, "%s/%.62s", dir, sha + 2);
	if (mkdir_ok(dir) || copy_file(from, to)) {
		snprintf(c->err, c->errlen, "cannot copy %s to %s: %s", from, to, strerror(errno));
		return WEFT_EIO;
	}
	c->copied++;
	return WEFT_OK;
}

int weft_blobs_backup_copy(const char *data_dir, const char *dest_db, int *copied, char *err, size_t errlen)
{
	struct backup_ctx c = { .err = err, .errlen = errlen };
	if (snprintf(c.src, sizeof c.src, "%s/files", data_dir) >= (int)sizeof c.src ||
	    snprintf(c.dst, sizeof c.dst, "%s.files", dest_db) >= (int)sizeof c.dst) {
		snprintf(err, errlen, "the path is too long");
		return WEFT_EINVAL;
	}
	struct weft_store_blobs *db;
	if (weft_store_blobs_open(dest_db, &db)) {
		snprintf(err, errlen, "cannot read the files the copy names");
		return WEFT_EIO;
	}
	int rc = mkdir_ok(c.dst);
	if (rc)
		snprintf(err, errlen, "cannot create %s: %s", c.dst, strerror(errno));
	else
		rc = weft_store_blob_each(db, backup_one, &c);
	weft_store_blobs_close(db);
	if (!rc)
		*copied = c.copied;
	else if (!err[0])
		snprintf(err, errlen, "cannot read the files the copy names");
	return rc;
}

/* `weftd restore FILE` and `weftd check`. Restore installs a backup as the
 * data directory's database: only while no server runs there (it takes
 * the directory's lock, datadir.h, which `weftd serve` holds), and only a
 * file that passes PRAGMA integrity_check with a schema this weftd knows;
 * the database it replaces is kept beside it. Check reports what is wrong
 * with a database, live or not. Main thread. */
#include "weft/cli.h"

#include "weft/datadir.h"
#include "weft/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Moves DIR/weft.db and its WAL aside as weft.db.pre-restore-STAMP (the
 * WAL keeps its pair's name, so the two still open as one database); the
 * shared-memory index is rebuilt from the WAL and goes. *kept: the new
 * name, "" when there was no database. */
static int move_aside(const char *db, char *kept, size_t cap)
{
	char stamp[32], from[4200], to[4200];
	kept[0] = '\0';
	if (access(db, F_OK))
		return 0;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(kept, cap, "%s.pre-restore-%s", db, stamp);
	snprintf(from, sizeof from, "%s-wal", db);
	snprintf(to, sizeof to, "%s-wal", kept);
	if (!access(from, F_OK) && rename(from, to))
		return -1;
	snprintf(from, sizeof from, "%s-shm", db);
	unlink(from);
	return rename(db, kept);
}

/* The verified file copied next to the database, then renamed over it:
 * the directory holds the old database or the new one, never half of
 * one. */
static int install(const char *file, const char *dir, char *kept, size_t cap)
{
	char db[4096], staged[4200], err[512];
	snprintf(db, sizeof db, "%s/weft.db", dir);
	snprintf(staged, sizeof staged, "%s.restoring", db);
	unlink(staged);
	/* The online backup API reads file as one snapshot, WAL and all. */
	if (weft_store_backup(file, staged, err, sizeof err)) {
		fprintf(stderr, "weftd: cannot copy %s: %s\n", file, err);
		unlink(staged);
		return 1;
	}
	if (fsync_path(staged, false) || move_aside(db, kept, cap) || rename(staged, db) || fsync_path(dir, true)) {
		fprintf(stderr, "weftd: cannot install %s as %s: %s\n", file, db, strerror(errno));
		unlink(staged);
		return 1;
	}
	return 0;
}

int weft_cli_restore(struct weft_config *cfg, const char *file)
{
	char err[512], kept[4300];
	int version, lock = -1, rc;
	if (weft_store_verify(file, &version, err, sizeof err)) {
		fprintf(stderr, "weftd: not restored: %s\n", err);
		return 1;
	}
	if ((rc = weft_datadir_lock(cfg->data, &lock))) {
		fprintf(stderr, "weftd: not restored: %s\n",
			rc == WEFT_EBUSY ? "a server is running on this data directory (or another restore is): stop it "
					   "first"
					 : "cannot create or lock the data directory");
		return 1;
	}
	rc = install(file, cfg->data, kept, sizeof kept);
	if (!rc) {
		/* Opened once as the server would: the migrations a backup from
		 * an older weftd needs are applied now, under the lock. */
		struct weft_store *st;
		char db[4096];
		snprintf(db, sizeof db, "%s/weft.db", cfg->data);
		if (weft_store_open(db, &st)) {
			fprintf(stderr, "weftd: restored %s, but it does not open (see above)\n", db);
			rc = 1;
		} else {
			weft_store_close(st);
			if (kept[0])
				printf("the database that was there is kept as %s\n", kept);
			printf("restored %s into %s (schema %d%s)\n", file, db, version,
			       version < weft_store_schema_version() ? ", upgraded" : "");
		}
	}
	weft_datadir_unlock(lock);
	return rc;
}

static void print_problem(void *arg, const char *line)
{
	(void)arg;
	printf("problem: %s\n", line);
}

int weft_cli_check(struct weft_config *cfg)
{
	char db[4096];
	snprintf(db, sizeof db, "%s/weft.db", cfg->data);
	int n = 0;
	if (weft_store_check(db, print_problem, NULL, &n)) {
		fprintf(stderr, "weftd: cannot check %s\n", db);
		return 1;
	}
	if (n) {
		printf("%d problem%s found in %s\n", n, n == 1 ? "" : "s", db);
		fprintf(stderr, "weftd: check found %d problem%s in %s\n", n, n == 1 ? "" : "s", db);
		return 1;
	}
	printf("%s: no problems found (integrity, foreign keys, event log, messages, members, files)\n", db);
	return 0;
}

/* Tools that read a database through a connection of their own, opened
 * read-only (never creating anything) and closed again: the roster
 * import's look-up of taken names, restore's verification of a backup, and
 * `weftd check`. Any thread but the writer's: the command line, or a
 * worker of a running server (WAL lets them read beside the writer). Each
 * statement is prepared once per call and bound. */
#include "store_int.h"

#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

/* Opens path read-only with the default VFS. WEFT_ENOTFOUND when there is
 * no such file. */
static int open_ro(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	if (access(path, F_OK)) {
		snprintf(err, errlen, "%s does not exist", path);
		return WEFT_ENOTFOUND;
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return WEFT_EIO;
	}
	sqlite3_busy_timeout(db, 10000);
	*out = db;
	return WEFT_OK;
}

int weft_store_names_taken(const char *db_path, const char *const *names, int n, bool *taken)
{
	char err[512];
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	memset(taken, 0, (size_t)n * sizeof *taken);
	int rc = open_ro(db_path, &db, err, sizeof err);
	if (rc)
		return rc == WEFT_ENOTFOUND ? WEFT_OK : rc;
	/* One read transaction: one state of the table for every name. */
	rc = WEFT_EIO;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT 1 FROM users WHERE name = ?", -1, &s, NULL) != SQLITE_OK)
		goto out;
	for (int i = 0; i < n; i++) {
		sqlite3_bind_text(s, 1, names[i], -1, SQLITE_STATIC);
		int step = sqlite3_step(s);
		sqlite3_reset(s);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			goto out;
		taken[i] = step == SQLITE_ROW;
	}
	rc = WEFT_OK;
out:
	if (rc)
		weft_err("store.names_failed db=%s error=%s", db_path, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc;
}

/* Runs a statement of one text column; each row that is not "ok" goes to
 * row(arg, text). Returns the rows that did, or -1 when it failed. */
static int each_row(sqlite3 *db, const char *sql, void (*row)(void *arg, const char *text), void *arg)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	int n = 0, step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		if (t && strcmp(t, "ok")) {
			row(arg, t);
			n++;
		}
	}
	sqlite3_finalize(s);
	return step == SQLITE_DONE ? n : -1;
}

static void first_line(void *arg, const char *text)
{
	char *err = arg;
	if (!err[0])
		snprintf(err, 256, "%s", text);
}

static int schema_of(sqlite3 *db, int *version)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return WEFT_EIO;
	int step = sqlite3_step(s);
	*version = step == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	return step == SQLITE_ROW ? WEFT_OK : WEFT_EIO;
}

int weft_store_verify(const char *file, int *version, char *err, size_t errlen)
{
	sqlite3 *db;
	char first[256] = "";
	int rc = open_ro(file, &db, err, errlen);
	if (rc)
		return rc;
	/* A file that is not a database fails here ("file is not a database"). */
	if ((rc = schema_of(db, version))) {
		snprintf(err, errlen, "%s is not a SQLite database: %s", file, sqlite3_errmsg(db));
		goto out;
	}
	rc = WEFT_EINVAL;
	int bad = each_row(db, "PRAGMA integrity_check", first_line, first);
	if (bad < 0) {
		snprintf(err, errlen, "%s cannot be checked: %s", file, sqlite3_errmsg(db));
	} else if (bad > 0) {
		snprintf(err, errlen, "%s fails PRAGMA integrity_check: %s", file, first);
	} else if (*version > weft_store_schema_version()) {
		snprintf(err, errlen, "%s has schema version %d, newer than this weftd knows (%d): restore it "
			 "with the weftd that made it", file, *version, weft_store_schema_version());
	} else if (*version < 1 || each_row(db, "SELECT 'no events table' WHERE NOT EXISTS"
						" (SELECT 1 FROM sqlite_schema WHERE name = 'events')",
					    first_line, first) != 0) {
		snprintf(err, errlen, "%s is not a Weft database (schema version %d, no event log)", file, *version);
	} else {
		rc = WEFT_OK;
	}
out:
	sqlite3_close(db);
	return rc;
}

/* ---- `weftd check`. */

struct report {
	void (*problem)(void *arg, const char *line);
	void *arg;
	int n;
	const char *prefix;
};

static void report_row(void *arg, const char *text)
{
	struct report *r = arg;
	char line[600];
	snprintf(line, sizeof line, "%s: %s", r->prefix, text);
	r->problem(r->arg, line);
	r->n++;
}

/* Each check: a label and a query whose rows (one text column) are the
 * problems it finds ("ok" rows are not). The event log's seq is assigned
 * by AUTOINCREMENT in the writer, one transaction at a time, and a send
 * refused after its event was inserted takes the event and the counter
 * back (run_send): nothing deletes events. So the log holds every seq
 * from its first to its last, and a missing one is a gap. A counter
 * behind the log would hand out a seq again. */
static const struct {
	const char *label, *sql;
} checks[] = {
	{ "integrity", "PRAGMA integrity_check(100)" },
	{ "foreign key", "SELECT format('%s row %d refers to a missing %s row', \"table\", rowid, parent)"
			 " FROM pragma_foreign_key_check LIMIT 100" },
	{ "event log",
	  "SELECT CASE WHEN seq = prev + 2 THEN format('gap: seq %d is missing', prev + 1)"
	  " ELSE format('gap: seqs %d to %d are missing', prev + 1, seq - 1) END"
	  " FROM (SELECT seq, lag(seq, 1, 0) OVER (ORDER BY seq) AS prev FROM events)"
	  " WHERE seq > prev + 1 LIMIT 100" },
	{ "event log", "SELECT format('duplicate: seq %d appears %d times', seq, count(*))"
		       " FROM events GROUP BY seq HAVING count(*) > 1 LIMIT 100" },
	{ "event log", "SELECT format('the seq counter (%d) is behind the newest event (%d): seqs would be reused',"
		       " q.seq, (SELECT max(seq) FROM events)) FROM sqlite_sequence q"
		       " WHERE q.name = 'events' AND q.seq < (SELECT max(seq) FROM events)" },
	{ "messages", "SELECT format('message %d has no message event in its channel', m.id) FROM messages m"
		      " LEFT JOIN events e ON e.seq = m.id"
		      " WHERE e.seq IS NULL OR e.kind != 0 OR e.channel_id != m.channel_id LIMIT 100" },
	{ "members", "SELECT format('channel %d lists user %d, who does not exist', m.channel_id, m.user_id)"
		     " FROM members m WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id) LIMIT 100" },
	{ "members", "SELECT format('user %d is a member of channel %d, which does not exist', m.user_id, m.channel_id)"
		     " FROM members m WHERE NOT EXISTS (SELECT 1 FROM channels c WHERE c.id = m.channel_id) LIMIT 100" },
};

/* Every file row's bytes exist in the data directory's blob store
 * (files/ab/cdef…, named by SHA-256: blobs.c) and have the row's size. A
 * database from before files (no files table) refers to none. */
static int check_referenced_files(sqlite3 *db, const char *db_path, struct report *r)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "SELECT sha256, size, count(*) FROM files GROUP BY sha256, size ORDER BY sha256",
			       -1, &s, NULL) != SQLITE_OK)
		return WEFT_OK;
	const char *slash = strrchr(db_path, '/');
	int dirlen = slash ? (int)(slash - db_path) : 1;
	const char *dir = slash ? db_path : ".";
	char path[4096], line[512];
	int rc, shown = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && shown < 100) {
		const char *sha = (const char *)sqlite3_column_text(s, 0);
		int64_t size = sqlite3_column_int64(s, 1);
		int rows = sqlite3_column_int(s, 2);
		if (!sha || strlen(sha) != 64)
			continue;
		snprintf(path, sizeof path, "%.*s/files/%.2s/%s", dirlen, dir, sha, sha + 2);
		struct stat st;
		if (stat(path, &st) != 0)
			snprintf(line, sizeof line, "the bytes of %d file(s) with SHA-256 %s are missing", rows, sha);
		else if (st.st_size != size)
			snprintf(line, sizeof line, "the bytes of SHA-256 %s are %lld bytes, not %lld", sha,
				 (long long)st.st_size, (long long)size);
		else
			continue;
		report_row(r, line);
		shown++;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? WEFT_OK : WEFT_EIO;
	sqlite3_finalize(s);
	return rc;
}

int weft_store_check(const char *db_path, void (*problem)(void *arg, const char *line), void *arg,
		     int *nproblems)
{
	char err[512];
	sqlite3 *db;
	int rc = open_ro(db_path, &db, err, sizeof err), version;
	if (rc) {
		weft_err("check.failed error=%s", err);
		return rc;
	}
	struct report r = { problem, arg, 0, "schema" };
	/* One read transaction: every check sees the same state, also while a
	 * server writes. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK || (rc = schema_of(db, &version))) {
		weft_err("check.unreadable db=%s error=%s", db_path, sqlite3_errmsg(db));
		rc = WEFT_EIO;
		goto out;
	}
	if (version > weft_store_schema_version()) {
		snprintf(err, sizeof err, "version %d is newer than this weftd knows (%d)", version,
			 weft_store_schema_version());
		report_row(&r, err);
	}
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		r.prefix = checks[i].label;
		if (each_row(db, checks[i].sql, report_row, &r) < 0) {
			snprintf(err, sizeof err, "cannot run: %s", sqlite3_errmsg(db));
			report_row(&r, err);
		}
	}
	r.prefix = "files";
	rc = check_referenced_files(db, db_path, &r);
	*nproblems = r.n;
out:
	sqlite3_close(db);
	return rc;
}

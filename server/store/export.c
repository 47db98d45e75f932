/* Exports (store.h, weft_export_*): a channel's record or one person's
 * messages, read through a connection of the export's own, opened
 * read-only, inside one read transaction. The thread that opened it (the
 * command line). Its statements are prepared once per export and bound. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What an export may show: every query below takes its messages through
 * this one condition. Deleted messages have no body; confidential ones
 * (issue 15: live only, erased when their session ends) are never exported. */
#define EXPORTABLE "m.deleted = 0 AND m.confidential = 0"

#define ROW_SELECT \
	"SELECT m.id, m.channel_id, c.name, coalesce(m.thread, 0), m.ts_ms, coalesce(m.edited_ms, 0)," \
	" u.id, u.name, u.display, m.body, m.reply_count" \
	" FROM messages m JOIN users u ON u.id = m.author_id JOIN channels c ON c.id = m.channel_id"

enum { X_CHANNEL, X_USER, X_BY_CHANNEL, X_BY_CHANNEL_THREADED, X_BY_AUTHOR, X_MEMBERSHIPS, X_COUNT };

static const char *const xsql[X_COUNT] = {
	[X_CHANNEL] = "SELECT id, name, kind, access, topic, archived, coalesce(created_by, 0), created_ms"
		      " FROM channels WHERE name = ?",
	[X_USER] = "SELECT id, name, display, jurisdiction, region, title, email, admin, active, created_ms"
		   " FROM users WHERE name = ?",
	/* Through the partial index messages_channel (deleted = 0). */
	[X_BY_CHANNEL] = ROW_SELECT " WHERE m.channel_id = ?1 AND " EXPORTABLE " ORDER BY m.id",
	/* A thread's replies come right after their root (a reply's root id
	 * is below its own). */
	[X_BY_CHANNEL_THREADED] = ROW_SELECT " WHERE m.channel_id = ?1 AND " EXPORTABLE
				  " ORDER BY coalesce(m.thread, m.id), m.id",
	/* A data-subject request: a scan of every message (no index by
	 * author); an operator's tool, not the server's. */
	[X_BY_AUTHOR] = ROW_SELECT " WHERE m.author_id = ?1 AND " EXPORTABLE " ORDER BY m.id",
	[X_MEMBERSHIPS] = "SELECT c.name, c.kind, mb.role FROM members mb JOIN channels c ON c.id = mb.channel_id"
			  " WHERE mb.user_id = ? ORDER BY c.name",
};

struct weft_export {
	sqlite3 *db;
	sqlite3_stmt *s[X_COUNT];
};

void weft_export_close(struct weft_export *x)
{
	if (!x)
		return;
	for (int i = 0; i < X_COUNT; i++)
		sqlite3_finalize(x->s[i]);
	sqlite3_close(x->db); /* ends the read transaction */
	free(x);
}

int weft_export_open(const char *db_path, struct weft_export **out, char *err, size_t errlen)
{
	if (access(db_path, F_OK)) {
		snprintf(err, errlen, "no database at %s", db_path);
		return WEFT_ENOTFOUND;
	}
	struct weft_export *x = calloc(1, sizeof *x);
	if (!x)
		return WEFT_ENOMEM;
	int rc = WEFT_EIO;
	if (sqlite3_open_v2(db_path, &x->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", db_path, x->db ? sqlite3_errmsg(x->db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(x->db, 10000);
	for (int i = 0; i < X_COUNT; i++)
		if (sqlite3_prepare_v2(x->db, xsql[i], -1, &x->s[i], NULL) != SQLITE_OK) {
			/* An older schema (not migrated yet): the server opens it first. */
			snprintf(err, errlen, "cannot read %s: %s (run weftd serve on it once to upgrade it)", db_path,
				 sqlite3_errmsg(x->db));
			goto out;
		}
	if (sqlite3_exec(x->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read %s: %s", db_path, sqlite3_errmsg(x->db));
		goto out;
	}
	*out = x;
	return WEFT_OK;
out:
	weft_export_close(x);
	return rc;
}

int weft_export_channel(struct weft_export *x, const char *name, struct weft_channel_info *out)
{
	sqlite3_stmt *s = x->s[X_CHANNEL];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = step_row(s);
	if (!rc)
		read_channel(s, 0, out);
	done_stmt(s);
	return rc;
}

int weft_export_user(struct weft_export *x, const char *name, struct weft_profile *out, int64_t *created_ms)
{
	sqlite3_stmt *s = x->s[X_USER];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = step_row(s);
	if (!rc) {
		memset(out, 0, sizeof *out);
		read_user_ref(s, 0, &out->user);
		copy_text(out->jurisdiction, sizeof out->jurisdiction, s, 3);
		copy_text(out->region, sizeof out->region, s, 4);
		copy_text(out->title, sizeof out->title, s, 5);
		copy_text(out->email, sizeof out->email, s, 6);
		out->admin = sqlite3_column_int(s, 7);
		out->active = sqlite3_column_int(s, 8);
		*created_ms = sqlite3_column_int64(s, 9);
	}
	done_stmt(s);
	return rc;
}

int weft_export_messages(struct weft_export *x, int64_t channel, int64_t author, enum weft_export_order order,
			 int (*on_row)(void *arg, const struct weft_export_row *row), void *arg)
{
	sqlite3_stmt *s = x->s[channel ? (order == WEFT_EXPORT_BY_THREAD ? X_BY_CHANNEL_THREADED : X_BY_CHANNEL)
				       : X_BY_AUTHOR];
	sqlite3_bind_int64(s, 1, channel ? channel : author);
	int rc, step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct weft_export_row row = {
			.id = sqlite3_column_int64(s, 0),
			.channel = sqlite3_column_int64(s, 1),
			.channel_name = (const char *)sqlite3_column_text(s, 2),
			.thread = sqlite3_column_int64(s, 3),
			.ts_ms = sqlite3_column_int64(s, 4),
			.edited_ms = sqlite3_column_int64(s, 5),
			.body = (const char *)sqlite3_column_text(s, 9),
			.reply_count = sqlite3_column_int(s, 10),
		};
		read_user_ref(s, 6, &row.author);
		if (!row.body)
			row.body = "";
		if ((rc = on_row(arg, &row))) {
			done_stmt(s);
			return rc;
		}
	}
	rc = step_rc(s, step);
	done_stmt(s);
	return rc;
}

int weft_export_memberships(struct weft_export *x, int64_t user,
			    int (*on_member)(void *arg, const char *channel, int kind, int role), void *arg)
{
	sqlite3_stmt *s = x->s[X_MEMBERSHIPS];
	sqlite3_bind_int64(s, 1, user);
	int rc, step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = on_member(arg, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1),
				    sqlite3_column_int(s, 2)))) {
			done_stmt(s);
			return rc;
		}
	rc = step_rc(s, step);
	done_stmt(s);
	return rc;
}

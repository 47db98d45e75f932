/* The SQL of live sessions and moderation (issue 15), prepared once per
 * connection like stmt.c's: the writer's statements (SW_*) on the writer
 * thread, the read connection's (SR_*) on the service thread, and the
 * reads the service thread makes of them. Objects go out as JSON SQLite
 * builds, so that an event, a list and a replay show one shape. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* A live session, s. */
#define SESSION_JSON \
	"json_object('id', s.id, 'title', s.title, 'confidential', " BOOL("s.confidential") "," \
	" 'mode', CASE s.mode WHEN 1 THEN 'floor' ELSE 'open' END," \
	" 'state', CASE WHEN s.ended_ms IS NULL THEN 'live' ELSE 'ended' END," \
	" 'facilitator', " USER_OF("s.facilitator") ", 'started', " ISO("s.started_ms") "," \
	" 'ended', " ISO_OR_NULL("s.ended_ms") ", 'erased', s.erased)"

/* A report, r (its message m, which may be deleted). */
#define REPORT_JSON \
	"json_object('id', r.id, 'channel', r.channel_id, 'message', json_object('id', r.message_id," \
	" 'author', " USER_OF("m.author_id") ", 'body', CASE WHEN m.deleted = 0 THEN m.body END)," \
	" 'reporter', " USER_OF("r.reporter") ", 'reason', r.reason, 'ts', " ISO("r.ts_ms") "," \
	" 'state', CASE r.state WHEN 0 THEN 'open' ELSE 'resolved' END, 'action', r.action," \
	" 'resolved_by', " USER_OF("r.resolved_by") ")" \
	" FROM reports r LEFT JOIN messages m ON m.id = r.message_id"

static const char *const swsql[SW_COUNT] = {
	[SW_SESSION_INSERT] = "INSERT INTO stage_sessions(channel_id, title, confidential, mode, facilitator, started_ms)"
			      " VALUES(?,?,?,?,?,?)",
	[SW_SESSION_SEQ] = "UPDATE stage_sessions SET start_seq = ?2 WHERE id = ?1",
	[SW_SESSION_LIVE] = "SELECT id, confidential FROM stage_sessions WHERE channel_id = ? AND ended_ms IS NULL",
	[SW_SESSION_END] = "UPDATE stage_sessions SET ended_ms = ?2, erased = ?3 WHERE id = ?1",
	[SW_SESSION_JSON] = "SELECT json_object('session', json(" SESSION_JSON ")) FROM stage_sessions s WHERE s.id = ?",
	[SW_CONFIDENTIAL_IDS] = "SELECT id FROM messages WHERE confidential = ? AND deleted = 0 ORDER BY id",
	[SW_MSG_CONFIDENTIAL] = "UPDATE messages SET confidential = ?2 WHERE id = ?1",
	[SW_MUTE_SET] = "INSERT INTO mutes(channel_id, user_id, until_ms, by_user, reason) VALUES(?,?,?,?,?)"
			" ON CONFLICT(channel_id, user_id) DO UPDATE SET until_ms = excluded.until_ms,"
			" by_user = excluded.by_user, reason = excluded.reason",
	[SW_MUTE_DROP] = "DELETE FROM mutes WHERE channel_id = ? AND user_id = ?",
	/* ?1 by, ?2 user, ?3 until (0: unmuted), ?4 reason */
	[SW_MUTE_JSON] = "SELECT json_object('user', " USER_OF("?2") ", 'until', CASE WHEN ?3 = 0 THEN NULL ELSE "
			 ISO("?3") " END, 'by', " USER_OF("?1") ", 'reason', ?4)",
	[SW_BAN_SET] = "INSERT OR REPLACE INTO bans(channel_id, user_id, by_user, ts_ms) VALUES(?,?,?,?)",
	[SW_BAN_DROP] = "DELETE FROM bans WHERE channel_id = ? AND user_id = ?",
	[SW_BANNED] = "SELECT 1 FROM bans WHERE channel_id = ? AND user_id = ?",
	[SW_MODLOG_ADD] = "INSERT INTO modlog(channel_id, action, actor, target, reason, ts_ms) VALUES(?,?,?,?,?,?)",
	/* A moderator's deletion of someone else's message ?4. */
	[SW_MODLOG_DELETE] = "INSERT INTO modlog(channel_id, action, actor, target, reason, ts_ms)"
			     " SELECT ?1, 'delete', ?2, author_id, '', ?3 FROM messages"
			     " WHERE id = ?4 AND channel_id = ?1 AND author_id != ?2 AND deleted = 0",
	[SW_REPORT_INSERT] = "INSERT INTO reports(channel_id, message_id, reporter, reason, ts_ms) VALUES(?,?,?,?,?)",
	[SW_REPORT_JSON] = "SELECT " REPORT_JSON " WHERE r.id = ?",
	[SW_REPORT_GET] = "SELECT r.message_id, r.state, coalesce(m.author_id, 0) FROM reports r"
			  " LEFT JOIN messages m ON m.id = r.message_id WHERE r.id = ?1 AND r.channel_id = ?2",
	[SW_REPORT_RESOLVE] = "UPDATE reports SET state = 1, action = ?2, resolved_by = ?3, resolved_ms = ?4 WHERE id = ?1",
	[SW_SLOW_SET] = "UPDATE channels SET slow = ?2 WHERE id = ?1",
	[SW_SLOW_JSON] = "SELECT json_object('slow', slow) FROM channels WHERE id = ?",
	[SW_MSG_IN] = "SELECT 1 FROM messages WHERE id = ? AND channel_id = ? AND deleted = 0",
	[SW_MSG_CONF] = "SELECT confidential FROM messages WHERE id = ?",
};

static const char *const srsql[SR_COUNT] = {
	[SR_MODLOG] = "SELECT json_object('id', l.id, 'action', l.action, 'actor', " USER_OF("l.actor") ","
		      " 'target', " USER_OF("l.target") ", 'reason', l.reason, 'ts', " ISO("l.ts_ms") ")"
		      " FROM modlog l WHERE l.channel_id = ?1 AND (?2 = 0 OR l.id < ?2) ORDER BY l.id DESC LIMIT ?3",
	[SR_REPORTS] = "SELECT " REPORT_JSON " WHERE r.channel_id = ? ORDER BY r.state, r.id DESC LIMIT 200",
	[SR_LIVE] = "SELECT s.channel_id, s.id, s.confidential, s.mode, s.start_seq, " SESSION_JSON
		    " FROM stage_sessions s WHERE s.ended_ms IS NULL",
	[SR_MUTES] = "SELECT channel_id, user_id, until_ms FROM mutes WHERE until_ms > ?",
	[SR_SLOW] = "SELECT id, slow FROM channels WHERE slow > 0",
};

static int prepare(sqlite3 *db, const char *const *sql, sqlite3_stmt **out, int n)
{
	for (int i = 0; i < n; i++) {
		if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &out[i], NULL) != SQLITE_OK) {
			weft_err("store: prepare \"%s\": %s", sql[i], sqlite3_errmsg(db));
			return WEFT_EIO;
		}
	}
	return WEFT_OK;
}

int stage_stmt_prepare(struct weft_store *st)
{
	int rc = prepare(st->wdb, swsql, st->sw, SW_COUNT);
	return rc ? rc : prepare(st->rdb, srsql, st->sr, SR_COUNT);
}

void stage_stmt_finalize(struct weft_store *st)
{
	for (int i = 0; i < SW_COUNT; i++)
		sqlite3_finalize(st->sw[i]);
	for (int i = 0; i < SR_COUNT; i++)
		sqlite3_finalize(st->sr[i]);
}

int weft_store_modlog(struct weft_store *st, int64_t channel, int64_t before, int limit, char **json, bool *more)
{
	sqlite3_stmt *s = st->sr[SR_MODLOG];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, before);
	sqlite3_bind_int(s, 3, limit + 1);
	return json_rows(s, limit, json, more);
}

int weft_store_reports(struct weft_store *st, int64_t channel, char **json)
{
	sqlite3_stmt *s = st->sr[SR_REPORTS];
	sqlite3_bind_int64(s, 1, channel);
	bool more;
	return json_rows(s, 200, json, &more);
}

int weft_store_stage_load(struct weft_store *st, int64_t now_ms, const struct weft_stage_loader *l)
{
	sqlite3_stmt *s = st->sr[SR_LIVE];
	int step, rc;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		l->session(l->arg, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2) != 0,
			   sqlite3_column_int(s, 3), sqlite3_column_int64(s, 4), (const char *)sqlite3_column_text(s, 5));
	rc = step_rc(s, step);
	done_stmt(s);
	if (rc)
		return rc;
	s = st->sr[SR_MUTES];
	sqlite3_bind_int64(s, 1, now_ms);
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		l->mute(l->arg, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2));
	rc = step_rc(s, step);
	done_stmt(s);
	if (rc)
		return rc;
	s = st->sr[SR_SLOW];
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		l->slow(l->arg, sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1));
	rc = step_rc(s, step);
	done_stmt(s);
	return rc;
}

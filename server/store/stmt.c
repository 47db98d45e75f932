/* The SQL text of every statement, preparing it, and the row readers that
 * turn its result columns into model structs (the reads that know no
 * statement's columns are in rows.c). No thread of its own: a helper runs
 * on the thread that owns the statement's connection (the writer's
 * statements on the writer thread, the read connection's on the service
 * thread). */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- Statements, prepared once per connection. */

/* The files of message `msg` as a JSON array in upload order, or NULL when
 * it has none (no allocation for the many messages without files). */
#define FILES_JSON(msg) \
	"(SELECT CASE WHEN count(*) THEN json_group_array(json_object('id', f.id, 'name', f.name," \
	" 'size', f.size, 'type', f.type)) END FROM (SELECT id, name, size, type FROM files" \
	" WHERE message_id = " msg " ORDER BY id) f)"

/* A message (m, its author au) as read_message reads it: MSG_NCOLS columns.
 * Reactions and mentions come as JSON arrays built by SQLite, in the order
 * of their primary keys (user ids ascending), reactions by first use. */
#define MESSAGE_COLS \
	"m.id, m.channel_id, m.thread, m.ts_ms, m.edited_ms, m.author_id, au.name, au.display," \
	" m.body, m.client_id, m.deleted, m.pinned, m.reply_count, m.last_reply," \
	" (SELECT json_group_array(json_object('emoji', emoji, 'count', n, 'users', json(us))) FROM" \
	"   (SELECT emoji, count(*) AS n, json_group_array(user_id) AS us FROM reactions" \
	"    WHERE message_id = m.id GROUP BY emoji ORDER BY min(seq)))," \
	" (SELECT json_group_array(user_id) FROM mentions WHERE message_id = m.id)," \
	" (SELECT ts_ms FROM messages lr WHERE lr.id = m.last_reply)," \
	" " FILES_JSON("m.id") ", m.confidential"
#define MSG_NCOLS 19

/* Columns of EVENT_SELECT, for read_event. */
enum { E_SEQ, E_CHANNEL, E_KIND, E_TS, E_ROLE, E_REF, E_DATA, E_FLAG, E_MSG,
       E_USER = E_MSG + MSG_NCOLS, E_CHAN = E_USER + 3, E_ACTOR = E_CHAN + 8, E_ROOT = E_ACTOR + 3 };

#define EVENT_SELECT \
	"SELECT e.seq, e.channel_id, e.kind, e.ts_ms, e.role, e.ref, e.data, e.flag, " MESSAGE_COLS "," \
	" ru.id, ru.name, ru.display," \
	" c.id, c.name, c.kind, c.access, c.topic, c.archived, c.created_by, c.created_ms," \
	" ac.id, ac.name, ac.display," \
	" rt.id, rt.reply_count, rt.last_reply, (SELECT ts_ms FROM messages lr WHERE lr.id = rt.last_reply)" \
	" FROM events e" \
	" LEFT JOIN messages m ON e.kind IN (0, 1, 2) AND m.id = coalesce(e.ref, e.seq)" \
	" LEFT JOIN users au ON au.id = m.author_id" \
	" LEFT JOIN users ru ON e.kind IN (3, 4, 6) AND ru.id = e.ref" \
	" LEFT JOIN channels c ON e.kind = 5 AND c.id = e.channel_id" \
	" LEFT JOIN users ac ON e.kind IN (3, 4, 5, 6, 7, 8) AND ac.id = e.actor" \
	" LEFT JOIN messages rt ON rt.id = m.thread"

#define MESSAGE_SELECT "SELECT " MESSAGE_COLS " FROM messages m JOIN users au ON au.id = m.author_id"

/* A thread's replies: the history statements' shapes, keyed by the root. */
#define THREAD_WHERE " WHERE m.thread = ?1 AND m.deleted = 0"
#define THREAD_WHERE_R " WHERE r.thread = ?1 AND r.deleted = 0"


#define REQUEST_SELECT \
	"SELECT u.id, u.name, u.display, r.note, r.ts_ms, r.state, r.decided_ms" \
	" FROM requests r JOIN users u ON u.id = r.user_id"

/* A file, and its uploader (f, u), as read_file reads it: 11 columns. */
#define FILE_COLS \
	"f.id, f.channel_id, coalesce(f.message_id, 0), f.size, f.created_ms, u.id, u.name, u.display," \
	" f.name, f.type, f.sha256"

#define CHANNEL_SELECT \
	"SELECT c.id, c.name, c.kind, c.access, c.topic, c.archived, c.created_by, c.created_ms FROM channels c"

static const char *const wsql[W_COUNT] = {
	[W_BEGIN] = "BEGIN IMMEDIATE",
	[W_COMMIT] = "COMMIT",
	[W_ROLLBACK] = "ROLLBACK",
	[W_SAVEPOINT] = "SAVEPOINT job",
	[W_RELEASE] = "RELEASE job",
	[W_ROLLBACK_TO] = "ROLLBACK TO job",
	[W_EVENT_INSERT] = "INSERT INTO events(channel_id, kind, ts_ms, actor, ref, role, data, flag)"
			   " VALUES(?,?,?,?,?,?,?,?)",
	[W_EVENT_BY_SEQ] = EVENT_SELECT " WHERE e.seq = ?",
	[W_MAX_SEQ] = "SELECT coalesce(max(seq), 0) FROM events",
	[W_EVENTS_AFTER] = EVENT_SELECT " WHERE e.seq > ? ORDER BY e.seq LIMIT ?",
	[W_MEMBER_ROLE] = "SELECT role FROM members WHERE channel_id = ? AND user_id = ?",
	[W_MSG_BY_CLIENT] = "SELECT id FROM messages WHERE author_id = ? AND client_id = ?",
	/* A live message of the channel, and the root of its thread. */
	[W_MSG_ROOT] = "SELECT coalesce(thread, id) FROM messages WHERE id = ? AND channel_id = ? AND deleted = 0",
	[W_MSG_INSERT] = "INSERT OR FAIL INTO messages(id, channel_id, author_id, body, thread, client_id, ts_ms)"
			 " VALUES(?,?,?,?,?,?,?)",
	[W_MSG_EDIT] = "UPDATE messages SET body = ?, edited_ms = ? WHERE id = ? AND channel_id = ? AND deleted = 0",
	[W_MSG_DELETE] = "UPDATE messages SET body = NULL, deleted = 1, edited_ms = ?"
			 " WHERE id = ? AND channel_id = ? AND deleted = 0 RETURNING coalesce(thread, 0)",
	[W_THREAD_ADD] = "UPDATE messages SET reply_count = reply_count + 1, last_reply = ?2 WHERE id = ?1"
			 " RETURNING reply_count",
	[W_THREAD_RECOUNT] = "UPDATE messages SET"
			     " reply_count = (SELECT count(*) FROM messages r" THREAD_WHERE_R "),"
			     " last_reply = (SELECT max(id) FROM messages r" THREAD_WHERE_R ")"
			     " WHERE id = ?1 RETURNING reply_count, coalesce(last_reply, 0)",
	[W_REACTION_HAS] = "SELECT 1 FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?",
	[W_REACTION_KINDS] = "SELECT count(DISTINCT emoji), max(emoji = ?2) FROM reactions WHERE message_id = ?1",
	[W_REACTION_ADD] = "INSERT INTO reactions(message_id, emoji, user_id, seq) VALUES(?,?,?,?)",
	[W_REACTION_DEL] = "DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?",
	[W_REACTIONS_DROP] = "DELETE FROM reactions WHERE message_id = ?",
	[W_PIN_SET] = "UPDATE messages SET pinned = ?1 WHERE id = ?2 AND channel_id = ?3 AND deleted = 0"
		      " AND pinned != ?1",
	/* Who @name names: an active user who can read the channel. */
	[W_MENTION_WHO] = "SELECT u.id FROM users u WHERE u.name = ?2 AND u.active = 1 AND (?3 OR EXISTS"
			  " (SELECT 1 FROM members m WHERE m.channel_id = ?1 AND m.user_id = u.id))",
	[W_MENTION_ADD] = "INSERT OR IGNORE INTO mentions(message_id, user_id, channel_id) VALUES(?,?,?)",
	[W_MENTION_MEMBERS] = "INSERT OR IGNORE INTO mentions(message_id, user_id, channel_id)"
			      " SELECT ?1, user_id, ?2 FROM members WHERE channel_id = ?2 AND user_id != ?3",
	[W_MENTIONS_OF] = "SELECT user_id FROM mentions WHERE message_id = ?",
	[W_MENTIONS_DROP] = "DELETE FROM mentions WHERE message_id = ?",
	[W_CHANNEL_BY_NAME] = "SELECT id FROM channels WHERE name = ? AND archived = 0 AND dm_key IS NULL",
	[W_USER_PROFILE] = "UPDATE users SET display = CASE WHEN ?2 & 1 THEN ?3 ELSE display END,"
			   " jurisdiction = CASE WHEN ?2 & 2 THEN ?4 ELSE jurisdiction END,"
			   " region = CASE WHEN ?2 & 4 THEN ?5 ELSE region END,"
			   " title = CASE WHEN ?2 & 8 THEN ?6 ELSE title END,"
			   " bio = CASE WHEN ?2 & 16 THEN ?7 ELSE bio END,"        /* weaving (issue 17) */
			   " pronouns = CASE WHEN ?2 & 32 THEN ?8 ELSE pronouns END"
			   " WHERE id = ?1 AND active = 1 AND system = 0",
	[W_CHANNEL_INSERT] = "INSERT INTO channels(name, kind, access, topic, created_by, created_ms, dm_key)"
			     " VALUES(?,?,?,?,?,?,?)",
	[W_CHANNEL_BY_ID] = CHANNEL_SELECT " WHERE c.id = ?",
	/* A new member starts with nothing unread. */
	[W_MEMBER_INSERT] = "INSERT INTO members(channel_id, user_id, role, read_seq) VALUES(?1, ?2, ?3,"
			    " (SELECT coalesce(max(seq), 0) FROM events WHERE channel_id = ?1))"
			    " ON CONFLICT DO NOTHING",
	[W_MEMBER_DELETE] = "DELETE FROM members WHERE channel_id = ? AND user_id = ?",
	[W_SESSION_INSERT] = "INSERT INTO sessions(user_id, token_hash, created_ms, last_used_ms, expires_ms, name)"
			     " VALUES(?,?,?,?,?,?)",
	[W_SESSION_TOUCH] = "UPDATE sessions SET last_used_ms = ? WHERE id = ?",
	[W_SESSION_REVOKE] = "UPDATE sessions SET revoked = 1, revoked_ms = ?2 WHERE id = ?1",
	[W_READ_MARK] = "UPDATE members SET read_seq = max(read_seq, ?) WHERE channel_id = ? AND user_id = ?",
	[W_READ_SET] = "UPDATE members SET read_seq = min(read_seq, ?) WHERE channel_id = ? AND user_id = ?",
	[W_USER_INSERT] = "INSERT INTO users(name, display, pw_hash, admin, created_ms, jurisdiction, region, title, email)"
			  " VALUES(?,?,?,?,?,?,?,?,?)",
	[W_REQ_GET] = "SELECT state, decided_ms FROM requests WHERE channel_id = ? AND user_id = ?",
	[W_REQ_UPSERT] = "INSERT INTO requests(channel_id, user_id, note, ts_ms, state) VALUES(?,?,?,?,0)"
			 " ON CONFLICT(channel_id, user_id) DO UPDATE SET note = excluded.note,"
			 " ts_ms = excluded.ts_ms, state = 0, decided_ms = NULL, decided_by = NULL",
	[W_REQ_DECIDE] = "UPDATE requests SET state = ?, decided_ms = ?, decided_by = ?"
			 " WHERE channel_id = ? AND user_id = ? AND state = 0",
	[W_REQ_CLOSE] = "UPDATE requests SET state = 1, decided_ms = ? WHERE channel_id = ? AND user_id = ? AND state = 0",
	[W_INVITE_INSERT] = "INSERT INTO invites(channel_id, user_id, by_user, ts_ms) VALUES(?,?,?,?) ON CONFLICT DO NOTHING",
	[W_INVITE_DELETE] = "DELETE FROM invites WHERE channel_id = ? AND user_id = ?",
	[W_INVITED] = "SELECT 1 FROM invites WHERE channel_id = ? AND user_id = ?",
	[W_ROLE_SET] = "UPDATE members SET role = ? WHERE channel_id = ? AND user_id = ?",
	[W_CHANNEL_UPDATE] = "UPDATE channels SET name = coalesce(?1, name), topic = coalesce(?2, topic),"
			     " access = coalesce(?3, access), archived = coalesce(?4, archived) WHERE id = ?5",
	[W_DM_FIND] = "SELECT id FROM channels WHERE dm_key = ?",
	/* "dm:<id>": ':' is outside the names users can pick, so no one can take it. */
	[W_DM_RENAME] = "UPDATE channels SET name = 'dm:' || id WHERE id = ?",
	[W_USER_ACTIVE_OK] = "SELECT 1 FROM users WHERE id = ? AND active = 1",
	[W_USER_ACTIVE] = "UPDATE users SET active = ?1, deactivated_ms = CASE WHEN ?1 THEN NULL ELSE ?2 END"
			  " WHERE id = ?3",
	[W_USER_SESSIONS_REVOKE] = "UPDATE sessions SET revoked = 1, revoked_ms = ?2 WHERE user_id = ?1 AND revoked = 0"
				   " AND id != ?3",
	[W_MEMBER_JOINED] = "UPDATE members SET joined_seq = ?1 WHERE channel_id = ?2 AND user_id = ?3",
	[W_USER_PASSWORD] = "UPDATE users SET pw_hash = ? WHERE id = ?",
	/* A send's event, only when the author is a member: the membership
	 * check and the insert in one statement. */
	[W_SEND_EVENT] = "INSERT OR FAIL INTO events(channel_id, kind, ts_ms, actor) SELECT ?1, 0, ?2, ?3"
			 " WHERE EXISTS (SELECT 1 FROM members WHERE channel_id = ?1 AND user_id = ?3)",
	[W_SEND_UNDO] = "DELETE FROM events WHERE seq = ?",
	[W_SEQ_UNDO] = "UPDATE sqlite_sequence SET seq = ?1 - 1 WHERE name = 'events' AND seq = ?1",
	[W_USER_REF] = "SELECT name, display FROM users WHERE id = ?",
	[W_HEALTH] = "REPLACE INTO health(id, ts_ms) VALUES(1, ?)",
	[W_SIGNUP_INSERT] = "INSERT INTO signups(token_hash, user_id, created_ms, expires_ms) VALUES(?,?,?,?)",
	[W_SIGNUP_TAKE] = "UPDATE signups SET used_ms = ?1 WHERE token_hash = ?2 AND used_ms IS NULL"
			  " AND expires_ms > ?1 RETURNING user_id",
	[W_SIGNUP_DROP] = "DELETE FROM signups WHERE user_id = ? AND used_ms IS NULL",
	[W_USER_HAS_PASSWORD] = "SELECT pw_hash IS NOT NULL FROM users WHERE id = ?",
	[W_CHANNELS_CREATED] = "SELECT count(*), min(created_ms) FROM channels"
			       " WHERE created_by = ? AND created_ms > ? AND dm_key IS NULL",
	/* A deactivation withdraws the account's pending requests (a scan of
	 * requests, whose key starts with the channel: deactivations are rare)
	 * and its invitations (indexed by user). */
	[W_REQ_WITHDRAW] = "DELETE FROM requests WHERE user_id = ? AND state = 0",
	[W_INVITE_WITHDRAW] = "DELETE FROM invites WHERE user_id = ?",
	/* The search index (migration 10) follows the bodies: a new body is
	 * added, and a body is taken out (FTS5's 'delete' with the exact text
	 * it indexed, read from the row) before an edit or a delete changes
	 * it; a deleted message goes back in without words (NULL). */
	[W_INDEX_ADD] = "INSERT INTO message_index(rowid, body) VALUES(?, ?)",
	[W_INDEX_DROP] = "INSERT INTO message_index(message_index, rowid, body)"
			 /* a confidential message (issue 15) was indexed empty */
			 " SELECT 'delete', id, CASE WHEN confidential = 0 THEN body END FROM messages"
			 " WHERE id = ? AND channel_id = ? AND deleted = 0"
			 " AND body IS NOT NULL",
	/* Files (jobs_files.c). */
	[W_FILE_FREE] = "SELECT 1 FROM files WHERE id = ? AND channel_id = ? AND uploader = ? AND message_id IS NULL",
	[W_FILE_ATTACH] = "UPDATE files SET message_id = ?1 WHERE id = ?2 AND message_id IS NULL",
	[W_FILES_JSON] = "SELECT " FILES_JSON("?1"),
	[W_FILES_DROP] = "DELETE FROM files WHERE message_id = ? RETURNING sha256",
	[W_FILE_INSERT] = "INSERT INTO files(channel_id, uploader, name, type, size, sha256, created_ms)"
			  " VALUES(?,?,?,?,?,?,?)",
	[W_UPLOAD_USED] = "SELECT coalesce(sum(size), 0) FROM uploads WHERE user_id = ? AND ts_ms > ?",
	[W_UPLOAD_INSERT] = "INSERT INTO uploads(user_id, ts_ms, size) VALUES(?,?,?)",
	[W_FILES_EXPIRE] = "DELETE FROM files WHERE id IN (SELECT id FROM files WHERE message_id IS NULL"
			   " AND created_ms < ?1 LIMIT ?2) RETURNING sha256",
	[W_UPLOADS_PRUNE] = "DELETE FROM uploads WHERE ts_ms < ?",
};

static const char *const rsql[R_COUNT] = {
	[R_SESSION] = "SELECT s.id, s.user_id, s.expires_ms, s.last_used_ms, u.admin, u.name, u.display"
		      " FROM sessions s JOIN users u ON u.id = s.user_id"
		      " WHERE s.token_hash = ? AND s.revoked = 0 AND u.active = 1 AND u.system = 0",
	/* The system account (`weft`, the digest's sender) never signs in. */
	[R_USER_BY_NAME] = "SELECT id, name, display, admin, active, pw_hash FROM users WHERE name = ? AND system = 0",
	[R_MESSAGE] = MESSAGE_SELECT " WHERE m.id = ?",
	[R_HIST_LATEST] = MESSAGE_SELECT " WHERE m.channel_id = ?1 AND m.deleted = 0 ORDER BY m.id DESC LIMIT ?2",
	[R_HIST_BEFORE] = MESSAGE_SELECT " WHERE m.channel_id = ?1 AND m.deleted = 0 AND m.id < ?2"
			  " ORDER BY m.id DESC LIMIT ?3",
	[R_HIST_AFTER] = MESSAGE_SELECT " WHERE m.channel_id = ?1 AND m.deleted = 0 AND m.id > ?2"
			 " AND (?3 = 0 OR m.id < ?3) ORDER BY m.id ASC LIMIT ?4",
	[R_HIST_MORE_BEFORE] = "SELECT 1 FROM messages WHERE channel_id = ? AND deleted = 0 AND id < ? LIMIT 1",
	[R_HIST_MORE_AFTER] = "SELECT 1 FROM messages WHERE channel_id = ? AND deleted = 0 AND id > ? LIMIT 1",
	[R_THREAD_LATEST] = MESSAGE_SELECT THREAD_WHERE " ORDER BY m.id DESC LIMIT ?2",
	[R_THREAD_BEFORE] = MESSAGE_SELECT THREAD_WHERE " AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3",
	[R_THREAD_AFTER] = MESSAGE_SELECT THREAD_WHERE " AND m.id > ?2 AND (?3 = 0 OR m.id < ?3)"
			   " ORDER BY m.id ASC LIMIT ?4",
	[R_THREAD_MORE_BEFORE] = "SELECT 1 FROM messages m" THREAD_WHERE " AND m.id < ?2 LIMIT 1",
	[R_THREAD_MORE_AFTER] = "SELECT 1 FROM messages m" THREAD_WHERE " AND m.id > ?2 LIMIT 1",
	[R_PINS] = MESSAGE_SELECT " WHERE m.channel_id = ?1 AND m.pinned = 1 AND m.deleted = 0"
		   " ORDER BY m.id DESC LIMIT ?2",
	[R_CHANNEL_GET] = "SELECT c.id, c.name, c.kind, c.access, c.topic, c.archived, c.created_by, c.created_ms,"
			  " (SELECT coalesce(max(seq), 0) FROM events e WHERE e.channel_id = c.id) FROM channels c"
			  " WHERE c.id = ?",
	[R_MENTIONS_UNREAD] = "SELECT count(*) FROM (SELECT 1 FROM mentions WHERE user_id = ?1 AND channel_id = ?2"
			      " AND message_id > ?3 AND message_id <= ?5 LIMIT ?4)",
	[R_CHANNEL_EVENTS] = EVENT_SELECT " WHERE e.channel_id = ?1 AND e.seq > ?2 AND e.seq <= ?3"
			     " ORDER BY e.seq LIMIT ?4",
	[R_FLOOR] = "SELECT seq FROM events WHERE channel_id = ? AND seq > ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
	[R_UNREAD] = "SELECT count(*) FROM (SELECT 1 FROM messages WHERE channel_id = ?1 AND deleted = 0"
		     " AND id > ?2 AND id <= ?5 AND author_id != ?4 LIMIT ?3)",
	[R_MEMBERS] = "SELECT u.id, u.name, u.display, m.role FROM members m JOIN users u ON u.id = m.user_id"
		      " WHERE m.channel_id = ? ORDER BY m.role DESC, u.name LIMIT ?",
	[R_LAST_SEQ] = "SELECT coalesce(max(seq), 0) FROM events",
	[R_LOAD_CHANNELS] = "SELECT c.id, c.name, c.kind, c.access, c.topic, c.archived, c.created_by, c.created_ms,"
			    " (SELECT coalesce(max(seq), 0) FROM events e WHERE e.channel_id = c.id) FROM channels c",
	[R_LOAD_MEMBERS] = "SELECT channel_id, user_id, role, read_seq, joined_seq FROM members",
	[R_USER_GET] = PROFILE_SELECT " WHERE id = ?",
	[R_USER_FIND] = PROFILE_SELECT " WHERE system = 0 AND (active = 1 OR ?3) AND (name LIKE ?1 ESCAPE '\\' OR display LIKE ?1 ESCAPE '\\')"
			" ORDER BY name LIMIT ?2",
	[R_DEACTIVATED] = "SELECT id FROM users WHERE active = 0 AND deactivated_ms >= ?",
	[R_REVOKED] = "SELECT id FROM sessions WHERE revoked = 1 AND revoked_ms >= ?",
	[R_REQ_GET] = REQUEST_SELECT " WHERE r.channel_id = ? AND r.user_id = ?",
	/* Requests of accounts deactivated before deactivations withdrew them
	 * stay out of sight, here and in R_LOAD_REQUESTS. */
	[R_REQS] = REQUEST_SELECT " WHERE r.channel_id = ? AND r.state = 0 AND u.active = 1 ORDER BY r.ts_ms LIMIT ?",
	[R_REQ_COUNT] = "SELECT count(*) FROM requests WHERE channel_id = ? AND state = 0",
	[R_INVITED] = "SELECT 1 FROM invites WHERE channel_id = ? AND user_id = ?",
	[R_INVITES_OF] = "SELECT channel_id FROM invites WHERE user_id = ? ORDER BY ts_ms LIMIT ?",
	[R_SIGNUP] = "SELECT user_id FROM signups WHERE token_hash = ? AND used_ms IS NULL AND expires_ms > ?",
	[R_LOAD_REQUESTS] = "SELECT r.channel_id, r.user_id FROM requests r JOIN users u ON u.id = r.user_id"
			    " WHERE r.state = 0 AND u.active = 1 ORDER BY r.channel_id, r.user_id",
	[R_LOAD_INVITES] = "SELECT i.channel_id, i.user_id FROM invites i JOIN users u ON u.id = i.user_id"
			   " WHERE u.active = 1 ORDER BY i.channel_id, i.user_id",
	[R_FILE] = "SELECT " FILE_COLS " FROM files f JOIN users u ON u.id = f.uploader WHERE f.id = ?",
	[R_UPLOAD_USED] = "SELECT coalesce(sum(size), 0) FROM uploads WHERE user_id = ? AND ts_ms > ?",
	/* The library: attached files, the newest message first; the one who
	 * shared a file is the message's author, its time the message's. */
	[R_CHANNEL_FILES] = "SELECT f.id, f.channel_id, f.message_id, f.size, m.ts_ms, u.id, u.name, u.display,"
			    " f.name, f.type, f.sha256 FROM files f JOIN messages m ON m.id = f.message_id"
			    " JOIN users u ON u.id = m.author_id"
			    /* a confidential session's files are not the library's (issue 15) */
			    " WHERE f.channel_id = ?1 AND f.message_id IS NOT NULL AND m.confidential = 0 AND (?2 = 0 OR"
			    " (f.message_id, f.id) < (SELECT message_id, id FROM files WHERE id = ?2))"
			    " ORDER BY f.message_id DESC, f.id DESC LIMIT ?3",
};

/* Full-text search (search.c), on a search connection of its own. The
 * index is walked newest first (FTS5 serves rowid DESC and the rowid
 * bound itself) and each match is kept only if the searcher may read it
 * now, the rule of policy.c's WEFT_ACT_READ: an open channel (not a DM)
 * wholly; any other channel only while a member, and only the messages
 * after the membership's join event (joined_seq), so leaving a channel
 * takes its messages out of one's results, and joining one does not open
 * what was said before. Deleted messages have left the index already;
 * m.deleted is checked again so that a message is never returned as
 * deleted. Edits replaced the indexed words, and the snippet is of the
 * current body.
 * Messages of a confidential live session (issue 15) are never found:
 * "AND m.confidential = 0".
 * Bodies up to 300 bytes come whole with the matches marked (X'FF' and
 * X'FE': WEFT_SNIPPET_OPEN and _CLOSE); longer ones as an excerpt of about
 * 40 words around the matches.
 *   ?1 MATCH expression  ?2 user  ?3 before (exclusive)  ?4 channel or 0
 *   ?5 author id or 0  ?6 author name or NULL  ?7 channel name or NULL
 *   ?8 rows */
static const char search_sql[] =
	"SELECT " MESSAGE_COLS ", c.name, c.kind,"
	" CASE WHEN length(CAST(m.body AS BLOB)) <= 300"
	"  THEN highlight(message_index, 0, CAST(X'FF' AS TEXT), CAST(X'FE' AS TEXT))"
	"  ELSE snippet(message_index, 0, CAST(X'FF' AS TEXT), CAST(X'FE' AS TEXT), '…', 40) END"
	" FROM message_index"
	" JOIN messages m ON m.id = message_index.rowid"
	" JOIN users au ON au.id = m.author_id"
	" JOIN channels c ON c.id = m.channel_id"
	" LEFT JOIN members mb ON mb.channel_id = m.channel_id AND mb.user_id = ?2"
	" WHERE message_index MATCH ?1 AND message_index.rowid < ?3 AND m.deleted = 0 AND m.confidential = 0"
	" AND (?4 = 0 OR m.channel_id = ?4) AND (?5 = 0 OR m.author_id = ?5)"
	" AND (?6 IS NULL OR au.name = ?6) AND (?7 IS NULL OR c.name = ?7)"
	" AND CASE WHEN c.access = 0 AND c.kind != 3 THEN 1"  /* open, not a DM */
	"  WHEN mb.user_id IS NULL THEN 0 ELSE m.id > mb.joined_seq END"
	" ORDER BY message_index.rowid DESC LIMIT ?8";
_Static_assert(WEFT_ACCESS_OPEN == 0 && WEFT_KIND_DM == 3, "search_sql spells them as numbers");
_Static_assert(MSG_NCOLS == SEARCH_COL_CHANNEL, "search_sql's columns after the message's");

int stmt_prepare_search(sqlite3 *db, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v3(db, search_sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK) {
		weft_err("store.prepare_failed sql=search error=%s", sqlite3_errmsg(db));
		return WEFT_EIO;
	}
	return WEFT_OK;
}

void read_user_ref(sqlite3_stmt *s, int c, struct weft_user_ref *u)
{
	u->id = sqlite3_column_int64(s, c);
	copy_text(u->name, sizeof u->name, s, c + 1);
	copy_text(u->display, sizeof u->display, s, c + 2);
}

/* Columns c..c+MSG_NCOLS-1 of MESSAGE_COLS into m. */
int read_message(sqlite3_stmt *s, int c, struct weft_message *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(s, c + 0);
	m->channel = sqlite3_column_int64(s, c + 1);
	m->thread = sqlite3_column_int64(s, c + 2);
	m->ts_ms = sqlite3_column_int64(s, c + 3);
	m->edited_ms = sqlite3_column_int64(s, c + 4);
	read_user_ref(s, c + 5, &m->author);
	copy_text(m->client_id, sizeof m->client_id, s, c + 9);
	m->deleted = sqlite3_column_int(s, c + 10) != 0;
	m->pinned = sqlite3_column_int(s, c + 11) != 0;
	m->reply_count = sqlite3_column_int(s, c + 12);
	m->last_reply = sqlite3_column_int64(s, c + 13);
	m->last_reply_ms = sqlite3_column_int64(s, c + 16);
	m->confidential = sqlite3_column_int64(s, c + 18);
	int rc;
	if ((!m->deleted && (rc = dup_text(&m->body, s, c + 8))) || (rc = dup_text(&m->reactions, s, c + 14)) ||
	    (rc = dup_text(&m->mentions, s, c + 15)) || (rc = dup_text(&m->files, s, c + 17))) {
		weft_message_clear(m);
		return rc;
	}
	return WEFT_OK;
}

int read_file(sqlite3_stmt *s, struct weft_file_info *f)
{
	memset(f, 0, sizeof *f);
	f->id = sqlite3_column_int64(s, 0);
	f->channel = sqlite3_column_int64(s, 1);
	f->message = sqlite3_column_int64(s, 2);
	f->size = sqlite3_column_int64(s, 3);
	f->ts_ms = sqlite3_column_int64(s, 4);
	read_user_ref(s, 5, &f->uploader);
	copy_text(f->name, sizeof f->name, s, 8);
	copy_text(f->type, sizeof f->type, s, 9);
	copy_text(f->sha256, sizeof f->sha256, s, 10);
	return WEFT_OK;
}

void read_channel(sqlite3_stmt *s, int c, struct weft_channel_info *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->id = sqlite3_column_int64(s, c + 0);
	copy_text(ch->name, sizeof ch->name, s, c + 1);
	ch->kind = sqlite3_column_int(s, c + 2);
	ch->access = sqlite3_column_int(s, c + 3);
	copy_text(ch->topic, sizeof ch->topic, s, c + 4);
	ch->archived = sqlite3_column_int(s, c + 5) != 0;
	ch->created_by = sqlite3_column_int64(s, c + 6);
	ch->created_ms = sqlite3_column_int64(s, c + 7);
}

/* One row of EVENT_SELECT into ev. */
int read_event(sqlite3_stmt *s, struct weft_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->seq = sqlite3_column_int64(s, 0);
	ev->channel = sqlite3_column_int64(s, 1);
	ev->kind = sqlite3_column_int(s, 2);
	ev->ts_ms = sqlite3_column_int64(s, 3);
	ev->role = sqlite3_column_int(s, E_ROLE);
	read_user_ref(s, E_ACTOR, &ev->actor);
	switch (ev->kind) {
	case WEFT_EV_MESSAGE:
	case WEFT_EV_EDIT:
	case WEFT_EV_DELETE:
		if (sqlite3_column_type(s, E_ROOT) != SQLITE_NULL) {
			ev->root.id = sqlite3_column_int64(s, E_ROOT);
			ev->root.reply_count = sqlite3_column_int(s, E_ROOT + 1);
			ev->root.last_reply = sqlite3_column_int64(s, E_ROOT + 2);
			ev->root.last_reply_ms = sqlite3_column_int64(s, E_ROOT + 3);
		}
		return read_message(s, E_MSG, &ev->msg);
	case WEFT_EV_JOIN:
	case WEFT_EV_LEAVE:
	case WEFT_EV_ROLE:
		read_user_ref(s, E_USER, &ev->user);
		break;
	case WEFT_EV_CHANNEL:
		read_channel(s, E_CHAN, &ev->chan);
		return dup_text(&ev->data, s, E_DATA); /* {"slow":N} since issue 15; NULL before */
	case WEFT_EV_STANDUP_CONFIG:
	case WEFT_EV_STANDUP:
	case WEFT_EV_STANDUP_ANSWER:
	case WEFT_EV_ITEM:
	case WEFT_EV_SESSION:
	case WEFT_EV_MUTE:
		return dup_text(&ev->data, s, E_DATA);
	case WEFT_EV_REACTION:
	case WEFT_EV_PIN:
		ev->msg.id = sqlite3_column_int64(s, E_REF);
		ev->msg.channel = ev->channel;
		copy_text(ev->emoji, sizeof ev->emoji, s, E_DATA);
		ev->on = sqlite3_column_int(s, E_FLAG) != 0;
		break;
	}
	return WEFT_OK;
}

static int prepare_all(sqlite3 *db, const char *const *sql, sqlite3_stmt **out, int n)
{
	for (int i = 0; i < n; i++) {
		if (!sql[i])
			continue;
		int rc = sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &out[i], NULL);
		if (rc != SQLITE_OK) {
			weft_err("store.prepare_failed sql=%s error=%s", sql[i], sqlite3_errmsg(db));
			return WEFT_EIO;
		}
	}
	return WEFT_OK;
}

int exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		weft_err("store.exec_failed error=%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return map_sqlite(rc);
	}
	return WEFT_OK;
}

int stmt_prepare(struct weft_store *st)
{
	int rc = prepare_all(st->wdb, wsql, st->w, W_COUNT);
	if (!rc)
		rc = prepare_all(st->rdb, rsql, st->r, R_COUNT);
	if (!rc)
		rc = coord_stmt_prepare(st);
	if (!rc)
		rc = stage_stmt_prepare(st);
	return rc ? rc : weave_stmt_prepare(st);
}

/* The SQL of standups, action items and the digest, prepared once per
 * connection like stmt.c's: the writer's statements (CW_*) run on the
 * writer thread, the read connection's (CR_*) on the service thread.
 * Objects go out as JSON that SQLite builds in the query that reads them
 * (as message reactions do), so that an event, a list and a replay show
 * one and the same shape. */
#include "store_int.h"

/* A standup, s. */
#define STANDUP_JSON \
	"json_object('id', s.id, 'channel', s.channel_id, 'date', s.date, 'questions', json(s.questions)," \
	" 'state', CASE s.state WHEN 0 THEN 'open' ELSE 'closed' END, 'scheduled', " BOOL("s.scheduled") "," \
	" 'opened', " ISO("s.opened_ms") ", 'closes', " ISO("s.closes_ms") "," \
	" 'closed', " ISO_OR_NULL("s.closed_ms") ", 'by', " USER_OF("s.by_user") ", 'summary', json(s.summary))"

/* One member's answer, a. */
#define ANSWER_JSON \
	"json_object('user', " USER_OF("a.user_id") ", 'answers', json(a.answers), 'blocker', a.blocker," \
	" 'ts', " ISO("a.ts_ms") ")"

/* An action item, i. */
#define ITEM_JSON \
	"json_object('id', i.id, 'channel', i.channel_id, 'title', i.title, 'owner', " USER_OF("i.owner") "," \
	" 'due', i.due, 'status', CASE i.status WHEN 1 THEN 'done' ELSE 'open' END, 'by', " USER_OF("i.by_user") "," \
	" 'message', i.message_id, 'created', " ISO("i.created_ms") ", 'updated', " ISO("i.updated_ms") "," \
	" 'done', " ISO_OR_NULL("i.done_ms") ")"

/* Missed standups in a row, up to standup ?1 of channel ?2, of roll row r's
 * user: those missed since the last one answered. */
#define STREAK \
	"(SELECT count(*) FROM standup_roll r2 JOIN standups s2 ON s2.id = r2.standup_id" \
	" WHERE r2.user_id = r.user_id AND s2.channel_id = ?2 AND r2.standup_id <= ?1 AND r2.answered = 0" \
	" AND r2.standup_id > coalesce((SELECT max(r3.standup_id) FROM standup_roll r3" \
	"   JOIN standups s3 ON s3.id = r3.standup_id WHERE r3.user_id = r.user_id AND s3.channel_id = ?2" \
	"   AND r3.answered = 1 AND r3.standup_id <= ?1), 0))"

#define ROLL_USERS(answered) \
	"json((SELECT json_group_array(json(" USER_JSON("u") ")) FROM standup_roll r JOIN users u ON u.id = r.user_id" \
	" WHERE r.standup_id = ?1 AND r.answered = " answered "))"

static const char *const cwsql[CW_COUNT] = {
	[CW_CONFIG_SET] = "INSERT INTO standup_configs(channel_id, config, by_user, updated_ms) VALUES(?1, ?2, ?3, ?4)"
			  " ON CONFLICT(channel_id) DO UPDATE SET config = excluded.config,"
			  " by_user = excluded.by_user, updated_ms = excluded.updated_ms",
	[CW_CONFIG_DROP] = "DELETE FROM standup_configs WHERE channel_id = ?",
	[CW_OPEN_ANY] = "SELECT id FROM standups WHERE channel_id = ? AND state = 0 LIMIT 1",
	[CW_STANDUP_INSERT] = "INSERT INTO standups(channel_id, date, questions, opened_ms, closes_ms, scheduled, by_user)"
			      " VALUES(?,?,?,?,?,?,?)",
	[CW_STANDUP_SEQ] = "UPDATE standups SET open_seq = ?2 WHERE id = ?1",
	[CW_STANDUP_JSON] = "SELECT json_object('standup', json(" STANDUP_JSON ")) FROM standups s WHERE s.id = ?",
	[CW_STANDUP_OPEN_IN] = "SELECT state, json_array_length(questions) FROM standups WHERE id = ?1 AND channel_id = ?2",
	[CW_ANSWER_UPSERT] = "INSERT INTO standup_answers(standup_id, user_id, answers, blocker, ts_ms) VALUES(?,?,?,?,?)"
			     " ON CONFLICT(standup_id, user_id) DO UPDATE SET answers = excluded.answers,"
			     " blocker = excluded.blocker, ts_ms = excluded.ts_ms",
	[CW_ANSWER_JSON] = "SELECT json_object('standup', a.standup_id, 'answer', json(" ANSWER_JSON "))"
			   " FROM standup_answers a WHERE a.standup_id = ?1 AND a.user_id = ?2",
	[CW_CLOSE] = "UPDATE standups SET state = 1, closed_ms = ?2 WHERE id = ?1 AND channel_id = ?3 AND state = 0"
		     " RETURNING open_seq",
	[CW_ROLL_ANSWERED] = "INSERT OR IGNORE INTO standup_roll(standup_id, user_id, answered)"
			     " SELECT standup_id, user_id, 1 FROM standup_answers WHERE standup_id = ?1",
	/* Expected: the active members who were members when it opened. */
	[CW_ROLL_EXPECTED] = "INSERT OR IGNORE INTO standup_roll(standup_id, user_id, answered)"
			     " SELECT ?1, m.user_id, 0 FROM members m JOIN users u ON u.id = m.user_id"
			     " WHERE m.channel_id = ?2 AND m.joined_seq < ?3 AND u.active = 1 AND u.system = 0",
	[CW_SUMMARY] = "UPDATE standups SET summary = json_object("
		       " 'answered', " ROLL_USERS("1") ", 'missed', " ROLL_USERS("0") ","
		       " 'blockers', json((SELECT json_group_array(json_object('user', json(" USER_JSON("u") "),"
		       "   'text', a.blocker)) FROM standup_answers a JOIN users u ON u.id = a.user_id"
		       "   WHERE a.standup_id = ?1 AND trim(a.blocker) != ''))," /* answers of any member */
		       " 'streaks', json((SELECT json_group_array(json_object('user', json(" USER_JSON("u") "),"
		       "   'missed', " STREAK ")) FROM standup_roll r JOIN users u ON u.id = r.user_id"
		       "   WHERE r.standup_id = ?1 AND r.answered = 0)))"
		       " WHERE id = ?1",
	[CW_ITEM_INSERT] = "INSERT INTO items(channel_id, title, owner, due, by_user, message_id, created_ms, updated_ms)"
			   " VALUES(?,?,?,?,?,?,?,?)",
	[CW_ITEM_GET] = "SELECT by_user, coalesce(owner, 0) FROM items WHERE id = ?1 AND channel_id = ?2",
	/* ?2: which fields (1 title, 2 owner, 4 due, 8 status); only a real
	 * change is written (and makes an event). */
	[CW_ITEM_UPDATE] = "UPDATE items SET title = CASE WHEN ?2 & 1 THEN ?3 ELSE title END,"
			   " owner = CASE WHEN ?2 & 2 THEN ?4 ELSE owner END,"
			   " due = CASE WHEN ?2 & 4 THEN ?5 ELSE due END,"
			   " status = CASE WHEN ?2 & 8 THEN ?6 ELSE status END,"
			   " done_ms = CASE WHEN NOT ?2 & 8 THEN done_ms WHEN ?6 = 1 THEN coalesce(done_ms, ?7) END,"
			   " updated_ms = ?7"
			   " WHERE id = ?1 AND ((?2 & 1 AND title IS NOT ?3) OR (?2 & 2 AND owner IS NOT ?4)"
			   " OR (?2 & 4 AND due IS NOT ?5) OR (?2 & 8 AND status IS NOT ?6))",
	[CW_ITEM_JSON] = "SELECT json_object('item', json(" ITEM_JSON ")) FROM items i WHERE i.id = ?",
	[CW_MEMBER_OK] = "SELECT 1 FROM members m JOIN users u ON u.id = m.user_id"
			 " WHERE m.channel_id = ?1 AND m.user_id = ?2 AND u.active = 1",
	[CW_MESSAGE_OK] = "SELECT 1 FROM messages WHERE id = ?1 AND channel_id = ?2 AND deleted = 0",
	[CW_DIGEST_SET] = "UPDATE users SET digest = ?2 WHERE id = ?1 AND system = 0",
	/* Open items due by today (?1) of owners who still are members of the
	 * item's channel, take the digest and got none today: the digest's
	 * message is a send from the system account ?2 with client_id
	 * digest:<user>:<date>, which makes it once a day. */
	[CW_DIGEST_DUE] = "SELECT i.owner, i.id, i.channel_id, c.name, i.title, i.due, coalesce(i.message_id, 0)"
			  " FROM items i JOIN users u ON u.id = i.owner"
			  " JOIN members m ON m.channel_id = i.channel_id AND m.user_id = i.owner"
			  " JOIN channels c ON c.id = i.channel_id"
			  " WHERE i.status = 0 AND i.due IS NOT NULL AND i.due <= ?1 AND u.active = 1 AND u.digest = 1"
			  " AND u.system = 0 AND NOT EXISTS (SELECT 1 FROM messages g WHERE g.author_id = ?2"
			  "   AND g.client_id = 'digest:' || i.owner || ':' || ?1)"
			  " ORDER BY i.owner, i.due, i.id",
	[CW_SYSTEM_USER] = "SELECT id FROM users WHERE system = 1 AND active = 1 ORDER BY id LIMIT 1",
};

#define ITEM_ROW "SELECT json_set(" ITEM_JSON ", '$.overdue', " BOOL("i.status = 0 AND i.due < ?7") ") FROM items i"
#define ITEM_FILTER " AND (?3 = 0 OR i.owner = ?3) AND (?4 < 0 OR i.status = ?4) AND (?5 = 0 OR i.id < ?5)"

static const char *const crsql[CR_COUNT] = {
	[CR_CONFIGS] = "SELECT c.channel_id, c.config, coalesce((SELECT max(s.date) FROM standups s"
		       " WHERE s.channel_id = c.channel_id AND s.scheduled = 1), '') FROM standup_configs c",
	[CR_OPEN] = "SELECT id, channel_id, closes_ms FROM standups WHERE state = 0",
	[CR_STANDUPS] = "SELECT json_set(" STANDUP_JSON ", '$.answers', json((SELECT json_group_array(json(" ANSWER_JSON "))"
			" FROM standup_answers a WHERE a.standup_id = s.id))) FROM standups s"
			" WHERE s.channel_id = ?1 AND (?2 = 0 OR s.id < ?2) ORDER BY s.id DESC LIMIT ?3",
	[CR_CONFIG] = "SELECT config FROM standup_configs WHERE channel_id = ?",
	/* ?1 the reader, ?2 a channel (0: every channel of the reader's). */
	[CR_ITEMS] = ITEM_ROW " WHERE ((?2 != 0 AND i.channel_id = ?2) OR (?2 = 0 AND i.channel_id IN"
		     " (SELECT channel_id FROM members WHERE user_id = ?1)))" ITEM_FILTER
		     " ORDER BY i.id DESC LIMIT ?6",
	[CR_DIGEST_GET] = "SELECT digest FROM users WHERE id = ?",
};

static int prepare(sqlite3 *db, const char *const *sql, sqlite3_stmt **out, int n)
{
	for (int i = 0; i < n; i++) {
		int rc = sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &out[i], NULL);
		if (rc != SQLITE_OK) {
			weft_err("store: prepare \"%s\": %s", sql[i], sqlite3_errmsg(db));
			return WEFT_EIO;
		}
	}
	return WEFT_OK;
}

int coord_stmt_prepare(struct weft_store *st)
{
	int rc = prepare(st->wdb, cwsql, st->cw, CW_COUNT);
	return rc ? rc : prepare(st->rdb, crsql, st->cr, CR_COUNT);
}

void coord_stmt_finalize(struct weft_store *st)
{
	for (int i = 0; i < CW_COUNT; i++)
		sqlite3_finalize(st->cw[i]);
	for (int i = 0; i < CR_COUNT; i++)
		sqlite3_finalize(st->cr[i]);
}

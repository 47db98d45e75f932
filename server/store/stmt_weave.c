/* The SQL of weaving (issue 17), prepared once per connection like
 * stmt.c's: the writer's statements (VW_*) on the writer thread, the read
 * connection's (VR_*) on the service thread. Introductions go out as JSON
 * that SQLite builds (as stmt_coord.c's objects do), one shape for the
 * live frame and the list. */
#include "store_int.h"

/* An answer: null (none yet), true, false. */
#define ANSWER(x) "json(CASE " x " WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'null' END)"

/* An introduction, i, as its proposer sees it (the live frame's source). */
#define INTRO_JSON \
	"json_object('id', i.id, 'by', " USER_OF("i.by_user") ", 'a', " USER_OF("i.a") ", 'b', " USER_OF("i.b") "," \
	" 'note', i.note, 'created', " ISO("i.created_ms") "," \
	" 'state', CASE i.state WHEN 1 THEN 'accepted' WHEN 2 THEN 'declined' ELSE 'pending' END," \
	" 'channel', i.channel_id)"

static const char *const vwsql[VW_COUNT] = {
	[VW_FOCUS_CLEAR] = "DELETE FROM user_focus WHERE user_id = ?",
	/* The vocabulary grows by the tags no one used before (case aside). */
	[VW_TAGS_ADD] = "INSERT INTO focus_tags(name, created_ms) SELECT value, ?2 FROM json_each(?1) WHERE true"
			" ON CONFLICT(name) DO NOTHING",
	[VW_FOCUS_ADD] = "INSERT OR IGNORE INTO user_focus(user_id, tag_id)"
			 " SELECT ?1, t.id FROM json_each(?2) j JOIN focus_tags t ON t.name = j.value",
	[VW_WEAVER_SET] = "UPDATE users SET weaver = ?2 WHERE id = ?1 AND system = 0",
	[VW_USER_OK] = "SELECT 1 FROM users WHERE id = ? AND active = 1 AND system = 0",
	[VW_INTRO_COUNT] = "SELECT count(*) FROM intros WHERE by_user = ?1 AND created_ms > ?2",
	/* A waiting (not expired) introduction of the two, either way round. */
	[VW_INTRO_PAIR] = "SELECT 1 FROM intros WHERE state = 0 AND created_ms > ?3"
			  " AND ((a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1))",
	[VW_INTRO_INSERT] = "INSERT INTO intros(by_user, a, b, note, created_ms) VALUES(?,?,?,?,?)",
	[VW_INTRO_GET] = "SELECT by_user, a, b, a_answer, b_answer, state, created_ms, note FROM intros WHERE id = ?",
	[VW_INTRO_ANSWER] = "UPDATE intros SET a_answer = CASE WHEN a = ?2 THEN ?3 ELSE a_answer END,"
			    " b_answer = CASE WHEN b = ?2 THEN ?3 ELSE b_answer END, state = ?4,"
			    " decided_ms = CASE WHEN ?4 != 0 THEN ?5 END, channel_id = ?6 WHERE id = ?1",
	/* The note's message event: from the proposer, who is no member of the DM. */
	[VW_MSG_EVENT] = "INSERT INTO events(channel_id, kind, ts_ms, actor) VALUES(?1, 0, ?2, ?3)",
	[VW_INTRO_JSON] = "SELECT " INTRO_JSON " FROM intros i WHERE i.id = ?",
};

static const char *const vrsql[VR_COUNT] = {
	/* As ?1 sees them: the proposer every answer as the state (declined,
	 * never by whom); a or b only their own answer, and the other one
	 * only once both accepted. Waiting past ?2: expired; since ?3 listed. */
	[VR_INTROS] = "SELECT json_group_array(json(x)) FROM (SELECT json_object('id', i.id, 'by', " USER_OF("i.by_user") ","
		      " 'note', i.note, 'created', " ISO("i.created_ms") ","
		      " 'other', CASE WHEN i.a = ?1 THEN " USER_OF("i.b") " WHEN i.b = ?1 THEN " USER_OF("i.a") " END,"
		      " 'a', CASE WHEN i.by_user = ?1 THEN " USER_OF("i.a") " END,"
		      " 'b', CASE WHEN i.by_user = ?1 THEN " USER_OF("i.b") " END,"
		      " 'answer', CASE WHEN i.a = ?1 THEN " ANSWER("i.a_answer") " WHEN i.b = ?1 THEN " ANSWER("i.b_answer") " END,"
		      " 'state', CASE WHEN i.state = 1 THEN 'accepted' WHEN i.state = 2 AND i.by_user = ?1 THEN 'declined'"
		      "   WHEN i.created_ms <= ?2 THEN 'expired' ELSE 'pending' END,"
		      " 'channel', CASE WHEN i.state = 1 AND i.by_user != ?1 THEN i.channel_id END) AS x"
		      " FROM intros i WHERE (i.a = ?1 OR i.b = ?1 OR i.by_user = ?1) AND i.created_ms > ?3"
		      " ORDER BY i.id DESC LIMIT 100)",
};

static int prepare(sqlite3 *db, const char *const *sql, sqlite3_stmt **out, int n)
{
	for (int i = 0; i < n; i++) {
		int rc = sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &out[i], NULL);
		if (rc != SQLITE_OK) {
			weft_err("store.prepare_failed sql=%s error=%s", sql[i], sqlite3_errmsg(db));
			return WEFT_EIO;
		}
	}
	return WEFT_OK;
}

int weave_stmt_prepare(struct weft_store *st)
{
	int rc = prepare(st->wdb, vwsql, st->vw, VW_COUNT);
	return rc ? rc : prepare(st->rdb, vrsql, st->vr, VR_COUNT);
}

void weave_stmt_finalize(struct weft_store *st)
{
	for (int i = 0; i < VW_COUNT; i++)
		sqlite3_finalize(st->vw[i]);
	for (int i = 0; i < VR_COUNT; i++)
		sqlite3_finalize(st->vr[i]);
}

/* Schema and migrations. Runs on weft_store_open's caller, on the write
 * connection, before the writer or the checkpointer starts. */
#include "store_int.h"

#include <stdio.h>

/* ---- Schema. Each entry is one migration; user_version counts them. */

static const char *const migrations[] = {
	/* 1: the event log and the state tables. */
	"CREATE TABLE users("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  display TEXT NOT NULL DEFAULT '',"
	"  pw_hash TEXT,"
	"  admin INTEGER NOT NULL DEFAULT 0,"
	"  active INTEGER NOT NULL DEFAULT 1,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE sessions("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  token_hash BLOB NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL,"
	"  last_used_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  name TEXT);"  /* set for named bearer tokens (bots, CLI) */
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE TABLE channels("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  kind INTEGER NOT NULL,"
	"  access INTEGER NOT NULL,"
	"  topic TEXT NOT NULL DEFAULT '',"
	"  archived INTEGER NOT NULL DEFAULT 0,"
	"  created_by INTEGER,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE members("
	"  channel_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  role INTEGER NOT NULL,"
	"  read_seq INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(channel_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX members_user ON members(user_id);"
	/* AUTOINCREMENT: the contract promises a seq is never reused. */
	"CREATE TABLE events("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  channel_id INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  ts_ms INTEGER NOT NULL,"
	"  actor INTEGER,"
	"  ref INTEGER,"   /* message id (edit, delete), user id (join, leave); NULL: itself */
	"  role INTEGER);"
	"CREATE INDEX events_channel ON events(channel_id, seq);"
	"CREATE TABLE messages("
	"  id INTEGER PRIMARY KEY,"  /* the seq of the event that created it */
	"  channel_id INTEGER NOT NULL,"
	"  author_id INTEGER NOT NULL,"
	"  body TEXT,"
	"  thread INTEGER,"
	"  client_id TEXT,"
	"  ts_ms INTEGER NOT NULL,"
	"  edited_ms INTEGER,"
	"  deleted INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX messages_channel ON messages(channel_id, id) WHERE deleted = 0;"
	"CREATE UNIQUE INDEX messages_client ON messages(author_id, client_id) WHERE client_id IS NOT NULL;",
	/* 2: profiles, join requests, invitations, direct messages, sign-up links. */
	"ALTER TABLE users ADD COLUMN jurisdiction TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN region TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN title TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN deactivated_ms INTEGER;"
	"CREATE INDEX users_deactivated ON users(deactivated_ms) WHERE active = 0;"
	"ALTER TABLE channels ADD COLUMN dm_key TEXT;"  /* sorted member ids of a DM */
	"CREATE UNIQUE INDEX channels_dm ON channels(dm_key) WHERE dm_key IS NOT NULL;"
	"CREATE TABLE requests("
	"  channel_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  note TEXT NOT NULL DEFAULT '',"
	"  ts_ms INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"  /* 0 pending, 1 approved, 2 declined */
	"  decided_ms INTEGER,"
	"  decided_by INTEGER,"
	"  PRIMARY KEY(channel_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX requests_pending ON requests(channel_id, ts_ms) WHERE state = 0;"
	"CREATE TABLE invites("
	"  channel_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  by_user INTEGER,"
	"  ts_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(channel_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX invites_user ON invites(user_id);"
	"CREATE TABLE signups("
	"  token_hash BLOB PRIMARY KEY,"
	"  user_id INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL,"
	"  used_ms INTEGER) WITHOUT ROWID;",
	/* 3: where each membership starts (replay begins there), and when a
	 * session was revoked (so that a running server closes its sockets
	 * even when another process revoked it). */
	"ALTER TABLE members ADD COLUMN joined_seq INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN revoked_ms INTEGER;"
	"CREATE INDEX sessions_revoked ON sessions(revoked_ms) WHERE revoked = 1;",
	/* 4: a user's unused sign-up links, which every new link, use of a
	 * link, reset, password change and deactivation deletes. */
	"CREATE INDEX signups_unused ON signups(user_id) WHERE used_ms IS NULL;",
	/* 5: the channels each user created lately (the daily creation limit). */
	"CREATE INDEX channels_created ON channels(created_by, created_ms) WHERE dm_key IS NULL;",
	/* 6: conversation. A thread's root keeps its summary (reply_count,
	 * last_reply) so that history need not count; reactions and mentions
	 * are rows of their own; events name an emoji (data) and an on/off
	 * (flag: a reaction added, a message pinned). */
	"ALTER TABLE messages ADD COLUMN reply_count INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE messages ADD COLUMN last_reply INTEGER;"
	"ALTER TABLE messages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX messages_thread ON messages(thread, id) WHERE thread IS NOT NULL AND deleted = 0;"
	"CREATE INDEX messages_pinned ON messages(channel_id, id) WHERE pinned = 1 AND deleted = 0;"
	"UPDATE messages SET"
	"  reply_count = (SELECT count(*) FROM messages r WHERE r.thread = messages.id AND r.deleted = 0),"
	"  last_reply = (SELECT max(id) FROM messages r WHERE r.thread = messages.id AND r.deleted = 0)"
	"  WHERE id IN (SELECT thread FROM messages WHERE thread IS NOT NULL);"
	"ALTER TABLE events ADD COLUMN data TEXT;"
	"ALTER TABLE events ADD COLUMN flag INTEGER;"
	"CREATE TABLE reactions("
	"  message_id INTEGER NOT NULL,"
	"  emoji TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"  /* the event that added it: reactions list in that order */
	"  PRIMARY KEY(message_id, emoji, user_id)) WITHOUT ROWID;"
	"CREATE TABLE mentions("
	"  message_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  channel_id INTEGER NOT NULL,"
	"  PRIMARY KEY(message_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX mentions_user ON mentions(user_id, channel_id, message_id);",
	/* 7: the one row the health check rewrites: an empty transaction
	 * commits even on a full disk, a write does not. */
	"CREATE TABLE health(id INTEGER PRIMARY KEY CHECK (id = 1), ts_ms INTEGER NOT NULL);",
	/* 8 (issue 18):
	 * the e-mail address a roster import names, so that the people who
	 * onboard can be reached and a data-subject export is complete. Read
	 * by exports only. */
	"ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';",
	/* 9 (issue 14): uploaded
	 * files. The bytes live in the blob store (files/ab/cdef…, named by
	 * their SHA-256: the same bytes once however often they are shared);
	 * a row per upload names them. message_id is NULL until a send
	 * attaches the file; a delete of the message deletes its rows, and
	 * a blob no row names any more is removed after the commit. uploads
	 * records every upload's size for the daily quota, whatever became of
	 * the file since. */
	"CREATE TABLE files("
	"  id INTEGER PRIMARY KEY,"
	"  channel_id INTEGER NOT NULL,"
	"  uploader INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  message_id INTEGER);"
	"CREATE INDEX files_message ON files(message_id) WHERE message_id IS NOT NULL;"
	"CREATE INDEX files_library ON files(channel_id, message_id, id) WHERE message_id IS NOT NULL;"
	"CREATE INDEX files_unattached ON files(created_ms) WHERE message_id IS NULL;"
	"CREATE INDEX files_sha ON files(sha256);"
	"CREATE TABLE uploads("
	"  user_id INTEGER NOT NULL,"
	"  ts_ms INTEGER NOT NULL,"
	"  size INTEGER NOT NULL);"
	"CREATE INDEX uploads_user ON uploads(user_id, ts_ms);"
	"CREATE INDEX uploads_ts ON uploads(ts_ms);",
	/* 10 (issue 14): the full-text index of message bodies (search). External
	 * content: the words are indexed, the bodies stay only in messages
	 * (snippets read them from there). The writer keeps it in step inside
	 * the transaction of each send, edit and delete (jobs_message.c); a
	 * deleted message (body NULL) stays in it as an empty document, as
	 * FTS5 expects of every content row. unicode61 with remove_diacritics 2 folds
	 * case and accents ("Équité" is found by "equit"). Every word of a
	 * query is matched as a prefix (search.h); without a prefix index
	 * FTS5 merges the doclists of every term a prefix covers, in full,
	 * before the first result (a 4-letter prefix over a million messages:
	 * up to 40 ms). With indexes of the prefixes of 1 to 4 characters
	 * those are one lookup, read lazily newest first, and longer prefixes
	 * cover few terms: p99 17 -> 5 ms in tests/bench/bench_search.c, for
	 * a quarter more index (and of its writing). */
	"CREATE VIRTUAL TABLE message_index USING fts5(body, content='messages', content_rowid='id',"
	"  tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4');"
	"INSERT INTO message_index(rowid, body) SELECT id, body FROM messages;",
	/* 11 (issue 16): standups and action items. A standup schedule per channel;
	 * standups, each member's answer and, once closed, who was expected
	 * and answered (the roll, for runs of missed standups); a scheduled
	 * standup opens once per local date (standups_date). Items. The
	 * digest's opt-out per user, and its sender: the system account
	 * `weft`, which never signs in (users.system; made here unless a
	 * person already holds the name). */
	"ALTER TABLE users ADD COLUMN system INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN digest INTEGER NOT NULL DEFAULT 1;"
	"INSERT INTO users(name, display, pw_hash, admin, created_ms)"
	"  SELECT 'weft', 'Weft', NULL, 0, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
	"  WHERE NOT EXISTS (SELECT 1 FROM users WHERE name = 'weft');"
	"UPDATE users SET system = 1, digest = 0 WHERE name = 'weft' AND pw_hash IS NULL;"
	"CREATE TABLE standup_configs("
	"  channel_id INTEGER PRIMARY KEY,"
	"  config TEXT NOT NULL,"  /* {"questions","days","time","tz","window"} */
	"  by_user INTEGER,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE TABLE standups("
	"  id INTEGER PRIMARY KEY,"
	"  channel_id INTEGER NOT NULL,"
	"  date TEXT NOT NULL,"  /* the local date (YYYY-MM-DD) it belongs to */
	"  questions TEXT NOT NULL,"
	"  opened_ms INTEGER NOT NULL,"
	"  closes_ms INTEGER NOT NULL,"
	"  closed_ms INTEGER,"
	"  state INTEGER NOT NULL DEFAULT 0,"  /* 0 open, 1 closed */
	"  scheduled INTEGER NOT NULL DEFAULT 0,"
	"  by_user INTEGER,"  /* NULL: opened by the schedule */
	"  open_seq INTEGER NOT NULL DEFAULT 0,"  /* its opening event: members who joined later are not expected */
	"  summary TEXT);"
	"CREATE INDEX standups_channel ON standups(channel_id, id);"
	"CREATE INDEX standups_open ON standups(channel_id) WHERE state = 0;"
	"CREATE UNIQUE INDEX standups_date ON standups(channel_id, date) WHERE scheduled = 1;"
	"CREATE TABLE standup_answers("
	"  standup_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  answers TEXT NOT NULL,"
	"  blocker TEXT NOT NULL DEFAULT '',"
	"  ts_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(standup_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE standup_roll("
	"  standup_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  answered INTEGER NOT NULL,"
	"  PRIMARY KEY(standup_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX standup_roll_user ON standup_roll(user_id, standup_id);"
	"CREATE TABLE items("
	"  id INTEGER PRIMARY KEY,"
	"  channel_id INTEGER NOT NULL,"
	"  title TEXT NOT NULL,"
	"  owner INTEGER,"
	"  due TEXT,"  /* YYYY-MM-DD */
	"  status INTEGER NOT NULL DEFAULT 0,"  /* 0 open, 1 done */
	"  by_user INTEGER NOT NULL,"
	"  message_id INTEGER,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  done_ms INTEGER);"
	"CREATE INDEX items_channel ON items(channel_id, id);"
	"CREATE INDEX items_owner ON items(owner, id);"
	"CREATE INDEX items_due ON items(due, owner) WHERE status = 0 AND due IS NOT NULL;",
	/* 12 (issue 15): live sessions and moderation. messages.confidential
	 * names the confidential live session a message was sent in (0: none);
	 * its end erases them. stage_sessions (login sessions own the name
	 * `sessions`); mutes, bans, reports; the moderation log, one row per
	 * moderator action, written in the action's transaction. channels.slow:
	 * seconds between two sends of a member (0: off). */
	"ALTER TABLE messages ADD COLUMN confidential INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX messages_confidential ON messages(confidential) WHERE confidential != 0 AND deleted = 0;"
	"ALTER TABLE channels ADD COLUMN slow INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE stage_sessions("
	"  id INTEGER PRIMARY KEY,"
	"  channel_id INTEGER NOT NULL,"
	"  title TEXT NOT NULL,"
	"  confidential INTEGER NOT NULL DEFAULT 0,"
	"  mode INTEGER NOT NULL DEFAULT 0,"  /* 0 open, 1 floor */
	"  facilitator INTEGER,"
	"  started_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER,"
	"  start_seq INTEGER NOT NULL DEFAULT 0,"
	"  erased INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX stage_live ON stage_sessions(channel_id) WHERE ended_ms IS NULL;"
	"CREATE TABLE mutes("
	"  channel_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  until_ms INTEGER NOT NULL,"
	"  by_user INTEGER,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY(channel_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE bans("
	"  channel_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  by_user INTEGER,"
	"  ts_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(channel_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE reports("
	"  id INTEGER PRIMARY KEY,"
	"  channel_id INTEGER NOT NULL,"
	"  message_id INTEGER NOT NULL,"
	"  reporter INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  ts_ms INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"  /* 0 open, 1 resolved */
	"  action TEXT,"
	"  resolved_by INTEGER,"
	"  resolved_ms INTEGER);"
	"CREATE INDEX reports_channel ON reports(channel_id, id);"
	"CREATE TABLE modlog("
	"  id INTEGER PRIMARY KEY,"
	"  channel_id INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"
	"  actor INTEGER,"
	"  target INTEGER,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  ts_ms INTEGER NOT NULL);"
	"CREATE INDEX modlog_channel ON modlog(channel_id, id);",
	/* 13 (issue 17): weaving. Profiles gain a bio, pronouns and focus
	 * tags from a shared vocabulary that grows as people use it (a tag is
	 * one row however many hold it; case-insensitive, first spelling
	 * kept); the network role weaver; introductions, double opt-in (an
	 * answer: NULL waiting, 1 accepted, 0 declined; state: 0 waiting, 1
	 * accepted, 2 declined; a waiting one expires 14 days after created,
	 * read as such). Indexes for the directory's filters (jurisdiction,
	 * region, focus; each then by name) and its facets at 13,000 accounts. */
	"ALTER TABLE users ADD COLUMN bio TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN pronouns TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN weaver INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX users_jurisdiction ON users(jurisdiction, name) WHERE system = 0;"
	"CREATE INDEX users_region ON users(region, name) WHERE system = 0;"
	"CREATE TABLE focus_tags("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE user_focus("
	"  user_id INTEGER NOT NULL,"
	"  tag_id INTEGER NOT NULL,"
	"  PRIMARY KEY(user_id, tag_id)) WITHOUT ROWID;"
	"CREATE INDEX user_focus_tag ON user_focus(tag_id, user_id);"
	"CREATE TABLE intros("
	"  id INTEGER PRIMARY KEY,"
	"  by_user INTEGER NOT NULL,"
	"  a INTEGER NOT NULL,"
	"  b INTEGER NOT NULL,"
	"  note TEXT NOT NULL,"
	"  a_answer INTEGER,"
	"  b_answer INTEGER,"
	"  created_ms INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  decided_ms INTEGER,"
	"  channel_id INTEGER);"  /* the DM it opened */
	"CREATE INDEX intros_a ON intros(a, created_ms);"
	"CREATE INDEX intros_b ON intros(b, created_ms);"
	"CREATE INDEX intros_by ON intros(by_user, created_ms);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int weft_store_schema_version(void)
{
	return NMIGRATIONS;
}

static int read_version(sqlite3 *db)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	int version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	return version;
}

/* FTS5's secure-delete (SQLite 3.44 and later): a deleted message's words
 * are then removed from the index's segments at once, instead of staying
 * in an older segment, unreachable by any search, until FTS5 merges it.
 * A setting stored in the index; older SQLite (Debian 12 has 3.40) lacks
 * it, and the index works the same without. Not fatal either way. */
static void fts_secure_delete(sqlite3 *db)
{
	if (sqlite3_libversion_number() < 3044000)
		return;
	if (exec_sql(db, "INSERT INTO message_index(message_index, rank) VALUES('secure-delete', 1)"))
		weft_warn("store.search_secure_delete_failed");
}

/* Applies the missing migrations, each in its own write transaction. The
 * version is read inside the transaction, so two processes opening a new
 * database at once (two `weftd user add`) cannot both apply one. */
int schema_migrate(sqlite3 *db)
{
	for (;;) {
		int rc = exec_sql(db, "BEGIN IMMEDIATE");
		if (rc)
			return rc;
		int version = read_version(db);
		if (version < 0 || version > NMIGRATIONS) {
			exec_sql(db, "ROLLBACK");
			if (version > NMIGRATIONS)
				weft_err("store.schema_too_new version=%d supported=%d", version, NMIGRATIONS);
			return WEFT_EIO;
		}
		if (version == NMIGRATIONS) {
			if ((rc = exec_sql(db, "COMMIT")))
				return rc;
			fts_secure_delete(db);
			return WEFT_OK;
		}
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
		if (!(rc = exec_sql(db, migrations[version])) && !(rc = exec_sql(db, bump)))
			rc = exec_sql(db, "COMMIT");
		if (rc) {
			exec_sql(db, "ROLLBACK");
			weft_err("store.migration_failed version=%d", version + 1);
			return rc;
		}
		weft_info("store.migration_applied version=%d", version + 1);
	}
}

#define _GNU_SOURCE /* pthread_setname_np */
/* SQLite store: migrations, the writer thread with group commit, and the
 * read-only connection's queries. */
#include "weft/store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- Statements, prepared once per connection. */

#define EVENT_SELECT \
	"SELECT e.seq, e.channel_id, e.kind, e.ts_ms, e.role," \
	" m.id, m.channel_id, m.thread, m.ts_ms, m.edited_ms, m.author_id, au.name, au.display," \
	" m.body, m.client_id, m.deleted," \
	" ru.id, ru.name, ru.display," \
	" c.id, c.name, c.kind, c.access, c.topic, c.archived, c.created_by, c.created_ms," \
	" ac.id, ac.name, ac.display" \
	" FROM events e" \
	" LEFT JOIN messages m ON e.kind IN (0, 1, 2) AND m.id = coalesce(e.ref, e.seq)" \
	" LEFT JOIN users au ON au.id = m.author_id" \
	" LEFT JOIN users ru ON e.kind IN (3, 4, 6) AND ru.id = e.ref" \
	" LEFT JOIN channels c ON e.kind = 5 AND c.id = e.channel_id" \
	" LEFT JOIN users ac ON e.kind IN (3, 4, 5, 6) AND ac.id = e.actor"

#define MESSAGE_SELECT \
	"SELECT m.id, m.channel_id, m.thread, m.ts_ms, m.edited_ms, m.author_id, u.name, u.display," \
	" m.body, m.client_id, m.deleted FROM messages m JOIN users u ON u.id = m.author_id"

#define PROFILE_SELECT \
	"SELECT id, name, display, jurisdiction, region, title, admin, active, pw_hash IS NOT NULL FROM users"

#define REQUEST_SELECT \
	"SELECT u.id, u.name, u.display, r.note, r.ts_ms, r.state, r.decided_ms" \
	" FROM requests r JOIN users u ON u.id = r.user_id"

#define CHANNEL_SELECT \
	"SELECT c.id, c.name, c.kind, c.access, c.topic, c.archived, c.created_by, c.created_ms FROM channels c"

enum wstmt {
	W_BEGIN, W_COMMIT, W_ROLLBACK, W_SAVEPOINT, W_RELEASE, W_ROLLBACK_TO,
	W_EVENT_INSERT, W_EVENT_BY_SEQ,
	W_MEMBER_ROLE, W_MSG_BY_CLIENT, W_MSG_THREAD_OK, W_MSG_INSERT, W_MSG_EDIT, W_MSG_DELETE,
	W_CHANNEL_INSERT, W_CHANNEL_BY_ID, W_MEMBER_INSERT, W_MEMBER_DELETE,
	W_SESSION_INSERT, W_SESSION_TOUCH, W_SESSION_REVOKE, W_READ_MARK, W_USER_INSERT,
	W_REQ_GET, W_REQ_UPSERT, W_REQ_DECIDE, W_REQ_CLOSE, W_INVITE_INSERT, W_INVITE_DELETE, W_INVITED,
	W_ROLE_SET, W_CHANNEL_UPDATE, W_DM_FIND, W_USER_ACTIVE_OK, W_USER_ACTIVE, W_USER_SESSIONS_REVOKE,
	W_USER_PASSWORD, W_SIGNUP_INSERT, W_SIGNUP_TAKE, W_DM_RENAME, W_MEMBER_JOINED,
	W_SEND_EVENT, W_SEND_UNDO, W_SEQ_UNDO, W_USER_REF,
	W_COUNT
};

static const char *const wsql[W_COUNT] = {
	[W_BEGIN] = "BEGIN IMMEDIATE",
	[W_COMMIT] = "COMMIT",
	[W_ROLLBACK] = "ROLLBACK",
	[W_SAVEPOINT] = "SAVEPOINT job",
	[W_RELEASE] = "RELEASE job",
	[W_ROLLBACK_TO] = "ROLLBACK TO job",
	[W_EVENT_INSERT] = "INSERT INTO events(channel_id, kind, ts_ms, actor, ref, role) VALUES(?,?,?,?,?,?)",
	[W_EVENT_BY_SEQ] = EVENT_SELECT " WHERE e.seq = ?",
	[W_MEMBER_ROLE] = "SELECT role FROM members WHERE channel_id = ? AND user_id = ?",
	[W_MSG_BY_CLIENT] = "SELECT id FROM messages WHERE author_id = ? AND client_id = ?",
	[W_MSG_THREAD_OK] = "SELECT 1 FROM messages WHERE id = ? AND channel_id = ?",
	[W_MSG_INSERT] = "INSERT OR FAIL INTO messages(id, channel_id, author_id, body, thread, client_id, ts_ms)"
			 " VALUES(?,?,?,?,?,?,?)",
	[W_MSG_EDIT] = "UPDATE messages SET body = ?, edited_ms = ? WHERE id = ? AND channel_id = ? AND deleted = 0",
	[W_MSG_DELETE] = "UPDATE messages SET body = NULL, deleted = 1, edited_ms = ?"
			 " WHERE id = ? AND channel_id = ? AND deleted = 0",
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
	[W_USER_INSERT] = "INSERT INTO users(name, display, pw_hash, admin, created_ms, jurisdiction, region, title)"
			  " VALUES(?,?,?,?,?,?,?,?)",
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
	[W_USER_SESSIONS_REVOKE] = "UPDATE sessions SET revoked = 1, revoked_ms = ?2 WHERE user_id = ?1 AND revoked = 0",
	[W_MEMBER_JOINED] = "UPDATE members SET joined_seq = ?1 WHERE channel_id = ?2 AND user_id = ?3",
	[W_USER_PASSWORD] = "UPDATE users SET pw_hash = ? WHERE id = ?",
	/* A send's event, only when the author is a member: the membership
	 * check and the insert in one statement. */
	[W_SEND_EVENT] = "INSERT OR FAIL INTO events(channel_id, kind, ts_ms, actor) SELECT ?1, 0, ?2, ?3"
			 " WHERE EXISTS (SELECT 1 FROM members WHERE channel_id = ?1 AND user_id = ?3)",
	[W_SEND_UNDO] = "DELETE FROM events WHERE seq = ?",
	[W_SEQ_UNDO] = "UPDATE sqlite_sequence SET seq = ?1 - 1 WHERE name = 'events' AND seq = ?1",
	[W_USER_REF] = "SELECT name, display FROM users WHERE id = ?",
	[W_SIGNUP_INSERT] = "INSERT INTO signups(token_hash, user_id, created_ms, expires_ms) VALUES(?,?,?,?)",
	[W_SIGNUP_TAKE] = "UPDATE signups SET used_ms = ?1 WHERE token_hash = ?2 AND used_ms IS NULL"
			  " AND expires_ms > ?1 RETURNING user_id",
};

enum rstmt {
	R_SESSION, R_USER_BY_NAME, R_MESSAGE, R_HIST_LATEST, R_HIST_BEFORE, R_HIST_AFTER,
	R_HIST_MORE_BEFORE, R_HIST_MORE_AFTER, R_CHANNEL_EVENTS, R_FLOOR, R_UNREAD, R_MEMBERS,
	R_LAST_SEQ, R_LOAD_CHANNELS, R_LOAD_MEMBERS,
	R_USER_GET, R_USER_FIND, R_DEACTIVATED, R_REQ_GET, R_REQS, R_REQ_COUNT, R_INVITED, R_INVITES_OF,
	R_SIGNUP, R_REVOKED,
	R_COUNT
};

static const char *const rsql[R_COUNT] = {
	[R_SESSION] = "SELECT s.id, s.user_id, s.expires_ms, s.last_used_ms, u.admin, u.name, u.display"
		      " FROM sessions s JOIN users u ON u.id = s.user_id"
		      " WHERE s.token_hash = ? AND s.revoked = 0 AND u.active = 1",
	[R_USER_BY_NAME] = "SELECT id, name, display, admin, active, pw_hash FROM users WHERE name = ?",
	[R_MESSAGE] = MESSAGE_SELECT " WHERE m.id = ?",
	[R_HIST_LATEST] = MESSAGE_SELECT " WHERE m.channel_id = ?1 AND m.deleted = 0 ORDER BY m.id DESC LIMIT ?2",
	[R_HIST_BEFORE] = MESSAGE_SELECT " WHERE m.channel_id = ?1 AND m.deleted = 0 AND m.id < ?2"
			  " ORDER BY m.id DESC LIMIT ?3",
	[R_HIST_AFTER] = MESSAGE_SELECT " WHERE m.channel_id = ?1 AND m.deleted = 0 AND m.id > ?2"
			 " AND (?3 = 0 OR m.id < ?3) ORDER BY m.id ASC LIMIT ?4",
	[R_HIST_MORE_BEFORE] = "SELECT 1 FROM messages WHERE channel_id = ? AND deleted = 0 AND id < ? LIMIT 1",
	[R_HIST_MORE_AFTER] = "SELECT 1 FROM messages WHERE channel_id = ? AND deleted = 0 AND id > ? LIMIT 1",
	[R_CHANNEL_EVENTS] = EVENT_SELECT " WHERE e.channel_id = ?1 AND e.seq > ?2 AND e.seq <= ?3"
			     " ORDER BY e.seq LIMIT ?4",
	[R_FLOOR] = "SELECT seq FROM events WHERE channel_id = ? AND seq > ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
	[R_UNREAD] = "SELECT count(*) FROM (SELECT 1 FROM messages WHERE channel_id = ?1 AND deleted = 0"
		     " AND id > ?2 AND author_id != ?4 LIMIT ?3)",
	[R_MEMBERS] = "SELECT u.id, u.name, u.display, m.role FROM members m JOIN users u ON u.id = m.user_id"
		      " WHERE m.channel_id = ? ORDER BY m.role DESC, u.name LIMIT ?",
	[R_LAST_SEQ] = "SELECT coalesce(max(seq), 0) FROM events",
	[R_LOAD_CHANNELS] = "SELECT c.id, c.name, c.kind, c.access, c.topic, c.archived, c.created_by, c.created_ms,"
			    " (SELECT coalesce(max(seq), 0) FROM events e WHERE e.channel_id = c.id) FROM channels c",
	[R_LOAD_MEMBERS] = "SELECT channel_id, user_id, role, read_seq, joined_seq FROM members",
	[R_USER_GET] = PROFILE_SELECT " WHERE id = ?",
	[R_USER_FIND] = PROFILE_SELECT " WHERE (active = 1 OR ?3) AND (name LIKE ?1 ESCAPE '\\' OR display LIKE ?1 ESCAPE '\\')"
			" ORDER BY name LIMIT ?2",
	[R_DEACTIVATED] = "SELECT id FROM users WHERE active = 0 AND deactivated_ms >= ?",
	[R_REVOKED] = "SELECT id FROM sessions WHERE revoked = 1 AND revoked_ms >= ?",
	[R_REQ_GET] = REQUEST_SELECT " WHERE r.channel_id = ? AND r.user_id = ?",
	[R_REQS] = REQUEST_SELECT " WHERE r.channel_id = ? AND r.state = 0 ORDER BY r.ts_ms LIMIT ?",
	[R_REQ_COUNT] = "SELECT count(*) FROM requests WHERE channel_id = ? AND state = 0",
	[R_INVITED] = "SELECT 1 FROM invites WHERE channel_id = ? AND user_id = ?",
	[R_INVITES_OF] = "SELECT channel_id FROM invites WHERE user_id = ? ORDER BY ts_ms LIMIT ?",
	[R_SIGNUP] = "SELECT user_id FROM signups WHERE token_hash = ? AND used_ms IS NULL AND expires_ms > ?",
};

struct weft_store {
	char *path;
	sqlite3 *wdb, *rdb;
	sqlite3_stmt *w[W_COUNT];
	sqlite3_stmt *r[R_COUNT];

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct weft_job *queue, **queue_tail;   /* guarded by lock */
	struct weft_job *done, **done_tail;     /* guarded by lock */
	bool stopping;                          /* guarded by lock */
	void (*notify)(void *);
	void *notify_arg;
	uint64_t jobs_committed, commits;       /* guarded by lock */
	bool scrub_pending;                     /* writer thread only */
	bool txn_broken;                        /* writer thread only: the batch must roll back */
	struct user_slot *users;                /* writer thread only: see user_ref */

	/* The checkpointer: its own thread and connection (see ckpt_main). */
	sqlite3 *cdb;
	pthread_t ckpt_thread;
	bool ckpt_started;
	pthread_cond_t ckpt_wake;               /* requests; the writer left a transaction */
	pthread_mutex_t ckpt_run;               /* held while a checkpoint runs */
	int wal_frames;                         /* guarded by lock: the WAL after the last commit */
	int ckpt_next;                          /* guarded by lock: frames that trigger a request */
	bool ckpt_requested, ckpt_stopping;     /* guarded by lock */
	bool gate;                              /* guarded by lock: no new transaction while set */
	bool in_txn;                            /* guarded by lock: the writer is in a transaction */
	int ckpt_frames;                        /* WAL_CKPT_BYTES in frames of this database */
	const unsigned char *wal_map;           /* checkpointer: the WAL file mapped (WAL_MAP_BYTES) */
	dev_t wal_dev;
	ino_t wal_ino;
};

/* The WAL is checkpointed (copied into the database) once it holds this
 * much, by the checkpointer thread, so that the writer never pays for it
 * in a commit. The larger, the less each message costs: a hot page (an
 * index leaf of a busy channel) is copied once per checkpoint however
 * often it was written in between (measured: 4000 frames of 2 KiB, 6
 * us of checkpointer CPU per message; 16000 frames, 2.7 us). Past four
 * times as much (the checkpointer cannot keep up, or readers hold it back)
 * the writer checkpoints itself, as SQLite's autocheckpoint would: the WAL
 * stays bounded either way. */
#define WAL_CKPT_BYTES (32 << 20)
#define WAL_HARD_FRAMES(st) (4 * (st)->ckpt_frames)
/* Passes beside the writer go on (at most WAL_PASSES) until one leaves at
 * most this many frames behind (512 KiB): the writer waits while the last
 * pass copies those (ckpt_main). */
#define WAL_GATE_FRAMES(st) ((st)->ckpt_frames / 64)
/* Past twice the threshold of WAL, no more passes beside the writer: the
 * pass at the gate copies the rest. A writer that commits faster than the
 * passes copy would otherwise grow the WAL by a pass's worth each time
 * (test_checkpointer_bounds_wal beside two more copies of itself: WALs of
 * up to 131 MB without this, 57-90 MB with it). */
#define WAL_GATE_NOW_FRAMES(st) (2 * (st)->ckpt_frames)
#define WAL_PASSES 6
/* The checkpointer reads WAL frames from a read-only mapping of the file
 * (a pread per frame cost it as much as its writes), up to here. */
#define WAL_MAP_BYTES ((size_t)5 * WAL_CKPT_BYTES)

/* Page size of new databases. Every commit writes each page it changed to
 * the WAL and syncs it, and a message changes about three scattered pages
 * (the leaves of events_channel, messages_channel and messages_client for
 * its channel and author): smaller pages mean fewer bytes per message to
 * write, sync and checkpoint (W6: 4096 -> 2048 cut the writer's CPU per
 * message by about a fifth and the sync wait with it). Existing databases
 * keep theirs (a WAL database cannot change it). */
#define NEW_DB_PAGE_SIZE 2048

/* Names of message authors, cached by the writer (direct-mapped by id).
 * Safe because a user's name and display name never change once created
 * (no job or command updates them) and users are never deleted; a job
 * that starts changing either must clear the slot. */
#define USER_SLOTS 1024

struct user_slot {
	struct weft_user_ref ref;       /* ref.id 0: empty */
};

/* ---- Helpers. */

static int map_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return WEFT_OK;
	case SQLITE_CONSTRAINT:
		return WEFT_ECONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return WEFT_EBUSY;
	case SQLITE_NOMEM:
		return WEFT_ENOMEM;
	default:
		return WEFT_EIO;
	}
}

/* Runs a statement to completion (no rows expected) and resets it. */
static int exec_stmt(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		/* A constraint is an answer (a taken name), not a failure. */
		if ((rc & 0xff) != SQLITE_CONSTRAINT)
			weft_err("store: %s: %s", sqlite3_sql(s), sqlite3_errstr(rc));
		return map_sqlite(rc);
	}
	return WEFT_OK;
}

static void done_stmt(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	if (!t) {
		dst[0] = '\0';
		return;
	}
	size_t n = (size_t)sqlite3_column_bytes(s, col);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, t, n);
	dst[n] = '\0';
}

static int dup_text(char **dst, sqlite3_stmt *s, int col)
{
	*dst = NULL;
	const unsigned char *t = sqlite3_column_text(s, col);
	if (!t)
		return WEFT_OK;
	size_t n = (size_t)sqlite3_column_bytes(s, col);
	char *p = malloc(n + 1);
	if (!p)
		return WEFT_ENOMEM;
	memcpy(p, t, n);
	p[n] = '\0';
	*dst = p;
	return WEFT_OK;
}

/* Columns c..c+10 of MESSAGE_SELECT into m. */
static int read_message(sqlite3_stmt *s, int c, struct weft_message *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(s, c + 0);
	m->channel = sqlite3_column_int64(s, c + 1);
	m->thread = sqlite3_column_int64(s, c + 2);
	m->ts_ms = sqlite3_column_int64(s, c + 3);
	m->edited_ms = sqlite3_column_int64(s, c + 4);
	m->author.id = sqlite3_column_int64(s, c + 5);
	copy_text(m->author.name, sizeof m->author.name, s, c + 6);
	copy_text(m->author.display, sizeof m->author.display, s, c + 7);
	m->deleted = sqlite3_column_int(s, c + 10) != 0;
	copy_text(m->client_id, sizeof m->client_id, s, c + 9);
	return m->deleted ? WEFT_OK : dup_text(&m->body, s, c + 8);
}

static void read_channel(sqlite3_stmt *s, int c, struct weft_channel_info *ch)
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
static int read_event(sqlite3_stmt *s, struct weft_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->seq = sqlite3_column_int64(s, 0);
	ev->channel = sqlite3_column_int64(s, 1);
	ev->kind = sqlite3_column_int(s, 2);
	ev->ts_ms = sqlite3_column_int64(s, 3);
	ev->role = sqlite3_column_int(s, 4);
	ev->actor.id = sqlite3_column_int64(s, 27);
	copy_text(ev->actor.name, sizeof ev->actor.name, s, 28);
	copy_text(ev->actor.display, sizeof ev->actor.display, s, 29);
	switch (ev->kind) {
	case WEFT_EV_MESSAGE:
	case WEFT_EV_EDIT:
	case WEFT_EV_DELETE:
		return read_message(s, 5, &ev->msg);
	case WEFT_EV_JOIN:
	case WEFT_EV_LEAVE:
	case WEFT_EV_ROLE:
		ev->user.id = sqlite3_column_int64(s, 16);
		copy_text(ev->user.name, sizeof ev->user.name, s, 17);
		copy_text(ev->user.display, sizeof ev->user.display, s, 18);
		break;
	case WEFT_EV_CHANNEL:
		read_channel(s, 19, &ev->chan);
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
			weft_err("store: prepare \"%s\": %s", sql[i], sqlite3_errmsg(db));
			return WEFT_EIO;
		}
	}
	return WEFT_OK;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		weft_err("store: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return map_sqlite(rc);
	}
	return WEFT_OK;
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

/* Applies the missing migrations, each in its own write transaction. The
 * version is read inside the transaction, so two processes opening a new
 * database at once (two `weftd user add`) cannot both apply one. */
static int migrate(sqlite3 *db)
{
	for (;;) {
		int rc = exec_sql(db, "BEGIN IMMEDIATE");
		if (rc)
			return rc;
		int version = read_version(db);
		if (version < 0 || version > NMIGRATIONS) {
			exec_sql(db, "ROLLBACK");
			if (version > NMIGRATIONS)
				weft_err("store: database schema %d is newer than this weftd (%d)", version,
					 NMIGRATIONS);
			return WEFT_EIO;
		}
		if (version == NMIGRATIONS)
			return exec_sql(db, "COMMIT");
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
		if (!(rc = exec_sql(db, migrations[version])) && !(rc = exec_sql(db, bump)))
			rc = exec_sql(db, "COMMIT");
		if (rc) {
			exec_sql(db, "ROLLBACK");
			weft_err("store: migration %d failed", version + 1);
			return rc;
		}
		weft_info("store: applied migration %d", version + 1);
	}
}

/* ---- WAL write coalescing.
 *
 * SQLite writes a WAL frame as two pwrite calls (the 24-byte header, then
 * the page), so a commit of 150 pages costs 300 system calls, and on a
 * virtual machine a system call is expensive: they were a third of the
 * writer's time. The "weft" VFS wraps the default one and, for WAL files
 * only, collects contiguous writes in a buffer that goes out in one write
 * before anything that could observe the file: a sync, a read, a size
 * query, a truncation, a file control, a write elsewhere, or close.
 *
 * Other connections (the read-only one, the checkpointer) read only frames
 * of committed transactions, which SQLite publishes in the wal-index only
 * after the commit's xSync; with synchronous=FULL (always set here) every
 * WAL commit syncs, so they never see a frame still in a buffer. */

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
	const unsigned char *map; /* the checkpointer's: the file mapped, map_len bytes */
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
	/* The checkpointer's reads, within the part of the file mapped for
	 * its pass (ckpt_map_wal). */
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
	.zName = "weft",
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
	/* Before anything initializes SQLite: no memory statistics (nothing
	 * reads them), so an allocation takes no global mutex. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	if (!real || real->iVersion < 2)
		return;
	wal_vfs_real = real;
	wal_vfs.szOsFile = (int)sizeof(struct wal_file) + real->szOsFile;
	wal_vfs.mxPathname = real->mxPathname;
	if (sqlite3_vfs_register(&wal_vfs, 0) != SQLITE_OK)
		wal_vfs_real = NULL;
}

/* The VFS name for sqlite3_open_v2: "weft" when registered, else NULL
 * (the default one). */
static const char *store_vfs(void)
{
	pthread_once(&wal_vfs_once, wal_vfs_register);
	return wal_vfs_real ? wal_vfs.zName : NULL;
}

/* ---- Open and close. */

int weft_store_open(const char *path, struct weft_store **out)
{
	int rc = WEFT_ENOMEM;
	struct weft_store *st = calloc(1, sizeof *st);
	if (!st)
		return WEFT_ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->wake, NULL);
	pthread_cond_init(&st->ckpt_wake, NULL);
	pthread_mutex_init(&st->ckpt_run, NULL);
	st->queue_tail = &st->queue;
	st->done_tail = &st->done;
	if (!(st->path = strdup(path)))
		goto out;
	rc = WEFT_EIO;
	if (sqlite3_open_v2(path, &st->wdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    store_vfs()) != SQLITE_OK) {
		weft_err("store: cannot open %s: %s", path, st->wdb ? sqlite3_errmsg(st->wdb) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(st->wdb, 10000);
	/* Takes effect only on a database without tables yet (a new one). */
	char pragma[48];
	snprintf(pragma, sizeof pragma, "PRAGMA page_size=%d", NEW_DB_PAGE_SIZE);
	if ((rc = exec_sql(st->wdb, pragma)))
		goto out;
	/* synchronous=FULL: an acked message survives power loss.
	 * secure_delete: a deleted body is overwritten, not left in free pages. */
	if ((rc = exec_sql(st->wdb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				    " PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;")))
		goto out;
	/* 16 MiB of page cache for the writer (the default is 2 MiB): with
	 * 2 KiB pages its working set (the index leaves of every active
	 * channel and author) no longer fit, and it re-read ~0.2 pages per
	 * message (30,000 preads in 8 s of W6-like load; 150 with this). */
	if ((rc = exec_sql(st->wdb, "PRAGMA cache_size=-16384")))
		goto out;
	if ((rc = migrate(st->wdb)))
		goto out;
	rc = WEFT_EIO;
	if (sqlite3_open_v2(path, &st->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, store_vfs()) != SQLITE_OK) {
		weft_err("store: cannot open %s read-only", path);
		goto out;
	}
	sqlite3_busy_timeout(st->rdb, 2000);
	/* No mmap on this connection (tried: PRAGMA mmap_size=1GiB). It made
	 * history on a quiet database faster (no disk reads: mapped pages
	 * survive the VM's page-cache reclaim), but SQLite unmaps the whole
	 * region whenever a read transaction finds the WAL changed, so with
	 * writes going on every read pays a munmap (~120 us) and page faults
	 * to map its pages again: W4 connects went from 598 to 252 per second
	 * (418 munmap/mmap pairs for 3,000 connections, from session touches). */
	if ((rc = prepare_all(st->wdb, wsql, st->w, W_COUNT)) ||
	    (rc = prepare_all(st->rdb, rsql, st->r, R_COUNT)))
		goto out;
	*out = st;
	return WEFT_OK;
out:
	weft_store_close(st);
	return rc;
}

void weft_store_close(struct weft_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < W_COUNT; i++)
		sqlite3_finalize(st->w[i]);
	for (int i = 0; i < R_COUNT; i++)
		sqlite3_finalize(st->r[i]);
	free(st->users);
	sqlite3_close(st->cdb);
	if (st->wal_map)
		munmap((void *)st->wal_map, WAL_MAP_BYTES);
	sqlite3_close(st->rdb);
	sqlite3_close(st->wdb);
	struct weft_job *j = st->done;
	while (j) {
		struct weft_job *next = j->next;
		weft_job_free(j);
		j = next;
	}
	j = st->queue;
	while (j) {
		struct weft_job *next = j->next;
		weft_job_free(j);
		j = next;
	}
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->wake);
	pthread_cond_destroy(&st->ckpt_wake);
	pthread_mutex_destroy(&st->ckpt_run);
	free(st->path);
	free(st);
}

struct weft_job *weft_job_new(enum weft_job_kind kind)
{
	struct weft_job *j = calloc(1, sizeof *j);
	if (j)
		j->kind = kind;
	return j;
}

static void clear_events(struct weft_job *job)
{
	weft_event_clear(&job->ev);
	memset(&job->ev, 0, sizeof job->ev);
	for (int i = 0; i < job->nmore; i++)
		weft_event_clear(&job->more[i]);
	free(job->more);
	job->more = NULL;
	job->nmore = 0;
	job->seq = 0;
}

void weft_job_free(struct weft_job *job)
{
	if (!job)
		return;
	free(job->text);
	clear_events(job);
	free(job);
}

/* ---- The writer. */

static int insert_event(struct weft_store *st, int64_t channel, int kind, int64_t ts,
			int64_t actor, int64_t ref, int role, int64_t *seq)
{
	sqlite3_stmt *s = st->w[W_EVENT_INSERT];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int(s, 2, kind);
	sqlite3_bind_int64(s, 3, ts);
	sqlite3_bind_int64(s, 4, actor);
	if (ref)
		sqlite3_bind_int64(s, 5, ref);
	if (role)
		sqlite3_bind_int(s, 6, role);
	int rc = exec_stmt(s);
	if (!rc)
		*seq = sqlite3_last_insert_rowid(st->wdb);
	return rc;
}

static int load_event(struct weft_store *st, int64_t seq, struct weft_event *ev)
{
	sqlite3_stmt *s = st->w[W_EVENT_BY_SEQ];
	sqlite3_bind_int64(s, 1, seq);
	int rc = sqlite3_step(s) == SQLITE_ROW ? read_event(s, ev) : WEFT_EIO;
	done_stmt(s);
	return rc;
}

/* Records a committed event of the job: the first in ev, later ones in more. */
static int push_event(struct weft_store *st, struct weft_job *j, int64_t seq)
{
	if (!j->seq) {
		j->seq = seq;
		return load_event(st, seq, &j->ev);
	}
	struct weft_event *p = realloc(j->more, (size_t)(j->nmore + 1) * sizeof *p);
	if (!p)
		return WEFT_ENOMEM;
	j->more = p;
	int rc = load_event(st, seq, &j->more[j->nmore]);
	if (!rc)
		j->nmore++;
	return rc;
}

static int member_role(struct weft_store *st, int64_t channel, int64_t user)
{
	sqlite3_stmt *s = st->w[W_MEMBER_ROLE];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, user);
	int role = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : WEFT_ROLE_NONE;
	done_stmt(s);
	return role;
}

/* The author's name and display name, from the cache or the database. */
static int user_ref(struct weft_store *st, int64_t id, struct weft_user_ref *out)
{
	if (!st->users && !(st->users = calloc(USER_SLOTS, sizeof *st->users)))
		return WEFT_ENOMEM;
	struct user_slot *slot = &st->users[(uint64_t)id % USER_SLOTS];
	if (slot->ref.id != id) {
		sqlite3_stmt *s = st->w[W_USER_REF];
		sqlite3_bind_int64(s, 1, id);
		int rc = sqlite3_step(s) == SQLITE_ROW ? WEFT_OK : WEFT_EIO;
		if (!rc) {
			slot->ref.id = id;
			copy_text(slot->ref.name, sizeof slot->ref.name, s, 0);
			copy_text(slot->ref.display, sizeof slot->ref.display, s, 1);
		}
		done_stmt(s);
		if (rc)
			return rc;
	}
	*out = slot->ref;
	return WEFT_OK;
}

/* The original message of a repeated (author, client_id): the job's
 * answer. Its seq, not a new one. */
static int send_duplicate(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_MSG_BY_CLIENT];
	sqlite3_bind_int64(s, 1, j->user);
	sqlite3_bind_text(s, 2, j->client_id, -1, SQLITE_STATIC);
	int64_t prior = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	done_stmt(s);
	if (!prior)
		return WEFT_ENOTFOUND;
	j->duplicate = true;
	j->id = prior;
	return load_event(st, prior, &j->ev);
}

/* A send is two statements: the event (with the membership check) and the
 * message. A repeated client_id is found by the UNIQUE index on (author,
 * client_id) refusing the message, not by a lookup before every send.
 * Sends run without a savepoint of their own (see commit_batch), so when
 * the message is refused the event inserted just before is deleted here
 * and AUTOINCREMENT's counter handed back (the event was the newest: one
 * writer), as the savepoint's rollback would have. If that fails, the
 * transaction is marked broken and the whole batch rolls back. Nothing can
 * fail after the message row is in. The committed event is built from what
 * the job holds, not read back. */
/* Takes back a send's event (seq, the newest) and AUTOINCREMENT's counter;
 * false if either did not change exactly one row. */
static bool undo_send_event(struct weft_store *st, int64_t seq)
{
	sqlite3_stmt *s = st->w[W_SEND_UNDO];
	sqlite3_bind_int64(s, 1, seq);
	if (exec_stmt(s) || sqlite3_changes(st->wdb) != 1)
		return false;
	s = st->w[W_SEQ_UNDO];
	sqlite3_bind_int64(s, 1, seq);
	return !exec_stmt(s) && sqlite3_changes(st->wdb) == 1;
}

static int run_send(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s;
	int rc;
	if (j->thread) {
		s = st->w[W_MSG_THREAD_OK];
		sqlite3_bind_int64(s, 1, j->thread);
		sqlite3_bind_int64(s, 2, j->channel);
		bool ok = sqlite3_step(s) == SQLITE_ROW;
		done_stmt(s);
		if (!ok)
			return j->client_id[0] && send_duplicate(st, j) == WEFT_OK ? WEFT_OK : WEFT_EINVAL;
	}
	struct weft_user_ref author;
	if ((rc = user_ref(st, j->user, &author)))
		return rc;
	s = st->w[W_SEND_EVENT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->user);
	if ((rc = exec_stmt(s)))
		return rc;
	if (sqlite3_changes(st->wdb) == 0) {
		/* Not a member (any more): a repeat of a send made while one
		 * still gets its original. */
		return j->client_id[0] && send_duplicate(st, j) == WEFT_OK ? WEFT_OK : WEFT_EFORBIDDEN;
	}
	int64_t seq = sqlite3_last_insert_rowid(st->wdb);
	s = st->w[W_MSG_INSERT];
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, j->user);
	sqlite3_bind_text(s, 4, j->text, -1, SQLITE_STATIC);
	if (j->thread)
		sqlite3_bind_int64(s, 5, j->thread);
	if (j->client_id[0])
		sqlite3_bind_text(s, 6, j->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, now);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		rc = sqlite3_extended_errcode(st->wdb);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		if (!undo_send_event(st, seq)) {
			st->txn_broken = true;
			return WEFT_EIO;
		}
		if (rc == SQLITE_CONSTRAINT_UNIQUE && j->client_id[0])
			return send_duplicate(st, j);
		weft_err("store: %s: %s", sqlite3_sql(s), sqlite3_errstr(rc));
		return map_sqlite(rc);
	}
	j->id = j->seq = seq;
	struct weft_event *ev = &j->ev;
	ev->seq = seq;
	ev->channel = j->channel;
	ev->ts_ms = now;
	ev->kind = WEFT_EV_MESSAGE;
	struct weft_message *m = &ev->msg;
	m->id = seq;
	m->channel = j->channel;
	m->thread = j->thread;
	m->ts_ms = now;
	m->author = author;
	memcpy(m->client_id, j->client_id, sizeof m->client_id);
	m->body = j->text;   /* the event takes the body over */
	j->text = NULL;
	return WEFT_OK;
}

static int run_edit_delete(struct weft_store *st, struct weft_job *j, int64_t now)
{
	bool del = j->kind == WEFT_JOB_DELETE;
	sqlite3_stmt *s = st->w[del ? W_MSG_DELETE : W_MSG_EDIT];
	int i = 1;
	if (!del)
		sqlite3_bind_text(s, i++, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, i++, now);
	sqlite3_bind_int64(s, i++, j->target);
	sqlite3_bind_int64(s, i++, j->channel);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_ENOTFOUND;
	int64_t seq;
	if ((rc = insert_event(st, j->channel, del ? WEFT_EV_DELETE : WEFT_EV_EDIT, now, j->user,
			       j->target, 0, &seq)))
		return rc;
	if (del)
		st->scrub_pending = true;
	return push_event(st, j, seq);
}

static int add_member(struct weft_store *st, struct weft_job *j, int64_t channel, int64_t user,
		      int role, int64_t now)
{
	sqlite3_stmt *s = st->w[W_MEMBER_INSERT];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_int(s, 3, role);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_ECONFLICT;
	int64_t seq;
	if ((rc = insert_event(st, channel, WEFT_EV_JOIN, now, j->user, user, role, &seq)))
		return rc;
	s = st->w[W_MEMBER_JOINED];
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, channel);
	sqlite3_bind_int64(s, 3, user);
	if ((rc = exec_stmt(s)))
		return rc;
	return push_event(st, j, seq);
}

static int load_channel(struct weft_store *st, int64_t id, struct weft_channel_info *out);

static int run_channel_create(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_CHANNEL_INSERT];
	sqlite3_bind_text(s, 1, j->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, j->ckind);
	sqlite3_bind_int(s, 3, j->access);
	sqlite3_bind_text(s, 4, j->text ? j->text : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, j->user);
	sqlite3_bind_int64(s, 6, now);
	/* dm_key (7) stays NULL: only DMs have one. */
	int rc = exec_stmt(s);
	if (rc)
		return rc; /* WEFT_ECONFLICT: the name is taken */
	j->id = j->channel = sqlite3_last_insert_rowid(st->wdb);
	if ((rc = load_channel(st, j->id, &j->chan)))
		return rc;
	return add_member(st, j, j->id, j->user, WEFT_ROLE_OWNER, now);
}

static int load_channel(struct weft_store *st, int64_t id, struct weft_channel_info *out)
{
	sqlite3_stmt *s = st->w[W_CHANNEL_BY_ID];
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s) == SQLITE_ROW ? WEFT_OK : WEFT_ENOTFOUND;
	if (!rc)
		read_channel(s, 0, out);
	done_stmt(s);
	return rc;
}

static bool row_exists2(sqlite3_stmt *s, int64_t a, int64_t b)
{
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	bool yes = sqlite3_step(s) == SQLITE_ROW;
	done_stmt(s);
	return yes;
}

static bool user_active(struct weft_store *st, int64_t user)
{
	sqlite3_stmt *s = st->w[W_USER_ACTIVE_OK];
	sqlite3_bind_int64(s, 1, user);
	bool yes = sqlite3_step(s) == SQLITE_ROW;
	done_stmt(s);
	return yes;
}

/* A member joining by themselves: open channels, or an invitation. */
static int run_join(struct weft_store *st, struct weft_job *j, int64_t now)
{
	struct weft_channel_info ch;
	int rc = load_channel(st, j->channel, &ch);
	if (rc)
		return rc;
	if (ch.archived)
		return WEFT_EFORBIDDEN;
	bool invited = row_exists2(st->w[W_INVITED], j->channel, j->target);
	if (ch.access != WEFT_ACCESS_OPEN && !invited)
		return WEFT_EFORBIDDEN;
	if ((rc = add_member(st, j, j->channel, j->target, j->role ? j->role : WEFT_ROLE_MEMBER, now)))
		return rc;
	sqlite3_stmt *s = st->w[W_INVITE_DELETE];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	if ((rc = exec_stmt(s)))
		return rc;
	s = st->w[W_REQ_CLOSE];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, j->target);
	return exec_stmt(s);
}

static int run_request_file(struct weft_store *st, struct weft_job *j, int64_t now)
{
	struct weft_channel_info ch;
	int rc = load_channel(st, j->channel, &ch);
	if (rc)
		return rc;
	if (ch.access != WEFT_ACCESS_REQUEST || ch.archived || ch.kind == WEFT_KIND_DM)
		return WEFT_EFORBIDDEN;
	if (member_role(st, j->channel, j->user) != WEFT_ROLE_NONE)
		return WEFT_ECONFLICT;
	sqlite3_stmt *s = st->w[W_REQ_GET];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->user);
	int state = WEFT_REQ_NONE;
	int64_t decided = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		state = sqlite3_column_int(s, 0);
		decided = sqlite3_column_int64(s, 1);
	}
	done_stmt(s);
	if (state == WEFT_REQ_DECLINED && now - decided < j->cooldown_ms) {
		j->retry_ms = j->cooldown_ms - (now - decided);
		return WEFT_ERATE;
	}
	s = st->w[W_REQ_UPSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->user);
	sqlite3_bind_text(s, 3, j->text ? j->text : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	j->ts_ms = now;
	return exec_stmt(s);
}

static int run_request_decide(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_REQ_DECIDE];
	sqlite3_bind_int(s, 1, j->flag ? WEFT_REQ_APPROVED : WEFT_REQ_DECLINED);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->user);
	sqlite3_bind_int64(s, 4, j->channel);
	sqlite3_bind_int64(s, 5, j->target);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_ENOTFOUND;
	if (!j->flag)
		return WEFT_OK;
	rc = add_member(st, j, j->channel, j->target, WEFT_ROLE_MEMBER, now);
	return rc == WEFT_ECONFLICT ? WEFT_OK : rc;
}

static int run_invite(struct weft_store *st, struct weft_job *j, int64_t now)
{
	if (!user_active(st, j->target))
		return WEFT_ENOTFOUND;
	if (member_role(st, j->channel, j->target) != WEFT_ROLE_NONE)
		return WEFT_ECONFLICT;
	sqlite3_stmt *s = st->w[W_INVITE_INSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	sqlite3_bind_int64(s, 3, j->user);
	sqlite3_bind_int64(s, 4, now);
	return exec_stmt(s);
}

static int run_uninvite(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_INVITE_DELETE];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	int rc = exec_stmt(s);
	if (!rc && sqlite3_changes(st->wdb) == 0)
		rc = WEFT_ENOTFOUND;
	return rc;
}

static int run_role(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_ROLE_SET];
	sqlite3_bind_int(s, 1, j->role);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, j->target);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_ENOTFOUND;
	int64_t seq;
	if ((rc = insert_event(st, j->channel, WEFT_EV_ROLE, now, j->user, j->target, j->role, &seq)))
		return rc;
	return push_event(st, j, seq);
}

static int run_channel_update(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_CHANNEL_UPDATE];
	if (j->name[0])
		sqlite3_bind_text(s, 1, j->name, -1, SQLITE_STATIC);
	if (j->text)
		sqlite3_bind_text(s, 2, j->text, -1, SQLITE_STATIC);
	if (j->access >= 0)
		sqlite3_bind_int(s, 3, j->access);
	if (j->archived >= 0)
		sqlite3_bind_int(s, 4, j->archived);
	sqlite3_bind_int64(s, 5, j->channel);
	int rc = exec_stmt(s);
	if (rc)
		return rc; /* WEFT_ECONFLICT: the new name is taken */
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_ENOTFOUND;
	if ((rc = load_channel(st, j->channel, &j->chan)))
		return rc;
	int64_t seq;
	if ((rc = insert_event(st, j->channel, WEFT_EV_CHANNEL, now, j->user, 0, 0, &seq)))
		return rc;
	return push_event(st, j, seq);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The DM of exactly {user} + users: found again, or created; every one of
 * them is (again) a member. */
static int run_dm_open(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int64_t ids[WEFT_DM_MAX_OTHERS + 1];
	int n = 0;
	ids[n++] = j->user;
	for (int i = 0; i < j->nusers && i < WEFT_DM_MAX_OTHERS; i++)
		ids[n++] = j->users[i];
	qsort(ids, (size_t)n, sizeof *ids, cmp_id);
	int u = 0;
	for (int i = 0; i < n; i++)
		if (!u || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	n = u;
	if (n < 2)
		return WEFT_EINVAL;
	char key[(WEFT_DM_MAX_OTHERS + 1) * 21], name[sizeof key + 3];
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		if (ids[i] != j->user && !user_active(st, ids[i]))
			return WEFT_ENOTFOUND;
		off += (size_t)snprintf(key + off, sizeof key - off, "%s%lld", i ? "," : "", (long long)ids[i]);
	}
	sqlite3_stmt *s = st->w[W_DM_FIND];
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	j->id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	done_stmt(s);
	int rc;
	j->flag = j->id == 0;
	if (!j->id) {
		/* Unique through dm_key until renamed to dm:<id> below. */
		snprintf(name, sizeof name, "dm:%s", key);
		s = st->w[W_CHANNEL_INSERT];
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, WEFT_KIND_DM);
		sqlite3_bind_int(s, 3, WEFT_ACCESS_INVITE);
		sqlite3_bind_text(s, 4, "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, j->user);
		sqlite3_bind_int64(s, 6, now);
		sqlite3_bind_text(s, 7, key, -1, SQLITE_STATIC);
		if ((rc = exec_stmt(s)))
			return rc;
		j->id = sqlite3_last_insert_rowid(st->wdb);
		s = st->w[W_DM_RENAME];
		sqlite3_bind_int64(s, 1, j->id);
		if ((rc = exec_stmt(s)))
			return rc;
	}
	j->channel = j->id;
	if ((rc = load_channel(st, j->id, &j->chan)))
		return rc;
	for (int i = 0; i < n; i++) {
		rc = add_member(st, j, j->id, ids[i], WEFT_ROLE_MEMBER, now);
		if (rc && rc != WEFT_ECONFLICT)
			return rc;
	}
	return WEFT_OK;
}

static int revoke_user_sessions(struct weft_store *st, int64_t user)
{
	sqlite3_stmt *s = st->w[W_USER_SESSIONS_REVOKE];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, weft_now_ms());
	return exec_stmt(s);
}

static int run_signup_create(struct weft_store *st, struct weft_job *j, int64_t now);

static int run_user_create(struct weft_store *st, struct weft_job *j, int64_t now)
{
	const struct weft_profile *p = &j->profile;
	sqlite3_stmt *s = st->w[W_USER_INSERT];
	sqlite3_bind_text(s, 1, p->user.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->user.display, -1, SQLITE_STATIC);
	if (j->text)
		sqlite3_bind_text(s, 3, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, p->admin);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_text(s, 6, p->jurisdiction, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, p->region, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, p->title, -1, SQLITE_STATIC);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	j->id = j->profile.user.id = j->target = sqlite3_last_insert_rowid(st->wdb);
	/* With a link: the person sets their own password through it. */
	return j->expires_ms ? run_signup_create(st, j, now) : WEFT_OK;
}

static int run_user_active(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_USER_ACTIVE];
	sqlite3_bind_int(s, 1, j->flag);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->target);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_ENOTFOUND;
	return j->flag ? WEFT_OK : revoke_user_sessions(st, j->target);
}

static int run_user_password(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_USER_PASSWORD];
	sqlite3_bind_text(s, 1, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, j->target);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_ENOTFOUND;
	return revoke_user_sessions(st, j->target);
}

static int run_signup_create(struct weft_store *st, struct weft_job *j, int64_t now)
{
	if (!user_active(st, j->target))
		return WEFT_ENOTFOUND;
	sqlite3_stmt *s = st->w[W_SIGNUP_INSERT];
	sqlite3_bind_blob(s, 1, j->token_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, j->target);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, j->expires_ms);
	int rc = exec_stmt(s);
	if (rc || !j->flag)
		return rc;
	/* A reset: the old password and every session stop working now. */
	s = st->w[W_USER_PASSWORD];
	sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, j->target);
	if ((rc = exec_stmt(s)))
		return rc;
	return revoke_user_sessions(st, j->target);
}

static int run_signup_accept(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_SIGNUP_TAKE];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_blob(s, 2, j->token_hash, 32, SQLITE_STATIC);
	int step = sqlite3_step(s);
	j->target = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	if (step == SQLITE_ROW)
		step = sqlite3_step(s); /* finish the statement so the update applies */
	done_stmt(s);
	if (!j->target)
		return WEFT_EAUTH;
	if (!user_active(st, j->target))
		return WEFT_EAUTH;
	s = st->w[W_USER_PASSWORD];
	sqlite3_bind_text(s, 1, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, j->target);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	s = st->w[W_SESSION_INSERT];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_blob(s, 2, j->token_hash2, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, j->expires_ms);
	if ((rc = exec_stmt(s)))
		return rc;
	j->id = sqlite3_last_insert_rowid(st->wdb);
	return WEFT_OK;
}

static int run_leave(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_MEMBER_DELETE];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_ENOTFOUND;
	int64_t seq;
	if ((rc = insert_event(st, j->channel, WEFT_EV_LEAVE, now, j->user, j->target, 0, &seq)))
		return rc;
	return push_event(st, j, seq);
}

static int run_job(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s;
	switch (j->kind) {
	case WEFT_JOB_NOP:
		return WEFT_OK;
	case WEFT_JOB_SEND:
		return run_send(st, j, now);
	case WEFT_JOB_EDIT:
	case WEFT_JOB_DELETE:
		return run_edit_delete(st, j, now);
	case WEFT_JOB_CHANNEL_CREATE:
		return run_channel_create(st, j, now);
	case WEFT_JOB_JOIN:
		return run_join(st, j, now);
	case WEFT_JOB_LEAVE:
	case WEFT_JOB_REMOVE:
		return run_leave(st, j, now);
	case WEFT_JOB_REQUEST_FILE:
		return run_request_file(st, j, now);
	case WEFT_JOB_REQUEST_DECIDE:
		return run_request_decide(st, j, now);
	case WEFT_JOB_INVITE:
		return run_invite(st, j, now);
	case WEFT_JOB_UNINVITE:
		return run_uninvite(st, j);
	case WEFT_JOB_ROLE:
		return run_role(st, j, now);
	case WEFT_JOB_CHANNEL_UPDATE:
		return run_channel_update(st, j, now);
	case WEFT_JOB_DM_OPEN:
		return run_dm_open(st, j, now);
	case WEFT_JOB_USER_CREATE:
		return run_user_create(st, j, now);
	case WEFT_JOB_USER_ACTIVE:
		return run_user_active(st, j, now);
	case WEFT_JOB_USER_PASSWORD:
		return run_user_password(st, j);
	case WEFT_JOB_SIGNUP_CREATE:
		return run_signup_create(st, j, now);
	case WEFT_JOB_SIGNUP_ACCEPT:
		return run_signup_accept(st, j, now);
	case WEFT_JOB_SESSION_CREATE:
		s = st->w[W_SESSION_INSERT];
		sqlite3_bind_int64(s, 1, j->target);
		sqlite3_bind_blob(s, 2, j->token_hash, 32, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_int64(s, 4, now);
		sqlite3_bind_int64(s, 5, j->expires_ms);
		if (j->text)
			sqlite3_bind_text(s, 6, j->text, -1, SQLITE_STATIC);
		if (exec_stmt(s))
			return WEFT_EIO;
		j->id = sqlite3_last_insert_rowid(st->wdb);
		return WEFT_OK;
	case WEFT_JOB_SESSION_TOUCH:
		s = st->w[W_SESSION_TOUCH];
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, j->target);
		return exec_stmt(s);
	case WEFT_JOB_SESSION_REVOKE:
		s = st->w[W_SESSION_REVOKE];
		sqlite3_bind_int64(s, 1, j->target);
		sqlite3_bind_int64(s, 2, now);
		return exec_stmt(s);
	case WEFT_JOB_READ_MARK:
		s = st->w[W_READ_MARK];
		sqlite3_bind_int64(s, 1, j->target);
		sqlite3_bind_int64(s, 2, j->channel);
		sqlite3_bind_int64(s, 3, j->user);
		return exec_stmt(s);
	}
	return WEFT_EINVAL;
}

/* Commits one batch: every job gets its own savepoint so that one failing
 * job (a name conflict, say) does not undo the others. Sends, the bulk of
 * the traffic, take back their own partial work instead (run_send): a
 * savepoint costs each of them a sub-journal copy of every page an earlier
 * job of the batch already changed (the tails of events and messages). If
 * a failure took the whole transaction with it (SQLite rolls back on some
 * I/O and memory errors), the batch fails as a whole. */
static void commit_batch(struct weft_store *st, struct weft_job *batch)
{
	int rc = exec_stmt(st->w[W_BEGIN]);
	st->txn_broken = false;
	for (struct weft_job *j = batch; j; j = j->next) {
		if (rc) {
			j->result = rc;
			continue;
		}
		int64_t now = weft_now_ms();
		bool savepoint = j->kind != WEFT_JOB_SEND;
		if (savepoint && exec_stmt(st->w[W_SAVEPOINT])) {
			j->result = WEFT_EIO;
			continue;
		}
		j->result = run_job(st, j, now);
		if (j->result) {
			if (savepoint)
				exec_stmt(st->w[W_ROLLBACK_TO]);
			clear_events(j);
		}
		if (savepoint)
			exec_stmt(st->w[W_RELEASE]);
		if (st->txn_broken || sqlite3_get_autocommit(st->wdb)) {
			weft_err("store: a job failed and took its batch with it; %s", sqlite3_errmsg(st->wdb));
			rc = WEFT_EIO;
		}
	}
	if (!rc && (rc = exec_stmt(st->w[W_COMMIT])))
		weft_err("store: commit failed; %s", sqlite3_errmsg(st->wdb));
	if (rc && !sqlite3_get_autocommit(st->wdb))
		exec_stmt(st->w[W_ROLLBACK]);
	if (rc) {
		/* Nothing of this batch is durable: no job may report success. */
		for (struct weft_job *j = batch; j; j = j->next) {
			j->result = rc;
			j->duplicate = false;
			clear_events(j);
		}
	}
}

/* Idle after deletions: checkpoint and truncate the WAL so that deleted
 * bodies do not linger in old WAL frames. Not while the checkpointer runs
 * a pass (it would fail at once on the checkpoint lock); readers it waits
 * for, up to the busy timeout, as before. */
static void scrub_wal(struct weft_store *st)
{
	pthread_mutex_lock(&st->ckpt_run);
	sqlite3_wal_checkpoint_v2(st->wdb, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	pthread_mutex_unlock(&st->ckpt_run);
}

static void *writer_main(void *arg)
{
	struct weft_store *st = arg;
	pthread_setname_np(pthread_self(), "weft-store");
	for (;;) {
		pthread_mutex_lock(&st->lock);
		while ((!st->queue || st->gate) && !st->stopping) {
			if (st->scrub_pending && !st->queue) {
				pthread_mutex_unlock(&st->lock);
				st->scrub_pending = false;
				scrub_wal(st);
				pthread_mutex_lock(&st->lock);
				continue;
			}
			pthread_cond_wait(&st->wake, &st->lock);
		}
		struct weft_job *batch = st->queue;
		st->queue = NULL;
		st->queue_tail = &st->queue;
		bool stopping = st->stopping;
		st->in_txn = batch != NULL;
		pthread_mutex_unlock(&st->lock);

		if (!batch && stopping)
			break;
		/* Group commit: everything that queued up while the previous
		 * transaction was syncing goes into this one. */
		commit_batch(st, batch);

		uint64_t n = 0;
		struct weft_job *last = batch;
		for (struct weft_job *j = batch; j; j = j->next) {
			n++;
			last = j;
		}
		pthread_mutex_lock(&st->lock);
		*st->done_tail = batch;
		st->done_tail = &last->next;
		st->jobs_committed += n;
		st->commits++;
		st->in_txn = false;
		if (st->gate)
			pthread_cond_signal(&st->ckpt_wake);
		pthread_mutex_unlock(&st->lock);
		if (st->notify)
			st->notify(st->notify_arg);
	}
	if (st->scrub_pending)
		scrub_wal(st);
	return NULL;
}

/* Called by SQLite on the writer thread after each commit, with the WAL's
 * size in frames. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct weft_store *st = arg;
	pthread_mutex_lock(&st->lock);
	if (frames < st->wal_frames)
		st->ckpt_next = st->ckpt_frames; /* the WAL started over */
	st->wal_frames = frames;
	if (frames >= st->ckpt_next && !st->ckpt_requested) {
		st->ckpt_requested = true;
		pthread_cond_signal(&st->ckpt_wake);
	}
	pthread_mutex_unlock(&st->lock);
	/* The checkpointer is behind: do what autocheckpoint would (it fails
	 * at once, harmlessly, while the checkpointer holds the lock). */
	if (frames >= WAL_HARD_FRAMES(st))
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

/* One PASSIVE checkpoint on the checkpointer's connection. Returns the
 * frames it left behind (committed while it ran, or held back by a
 * reader), or -1 when it failed; *done is the WAL frame it copied up to. */
/* Maps the WAL file for the checkpointer's reads (again if it is another
 * file than the one mapped) and lends the mapping to its WAL handle. On
 * any failure the reads just go to the file. */
static void ckpt_map_wal(struct weft_store *st)
{
	sqlite3_file *pf = NULL;
	if (sqlite3_file_control(st->cdb, "main", SQLITE_FCNTL_JOURNAL_POINTER, &pf) != SQLITE_OK || !pf ||
	    pf->pMethods != &wal_methods)
		return;
	struct wal_file *f = (struct wal_file *)pf;
	const char *path = sqlite3_filename_wal(sqlite3_db_filename(st->cdb, "main"));
	struct stat sb;
	if (!path || stat(path, &sb) != 0)
		return;
	if (st->wal_map && (sb.st_dev != st->wal_dev || sb.st_ino != st->wal_ino)) {
		f->map = NULL;
		munmap((void *)st->wal_map, WAL_MAP_BYTES);
		st->wal_map = NULL;
	}
	if (!st->wal_map) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		/* Longer than the file for now: it grows into the mapping. */
		void *m = mmap(NULL, WAL_MAP_BYTES, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (m == MAP_FAILED)
			return;
		st->wal_map = m;
		st->wal_dev = sb.st_dev;
		st->wal_ino = sb.st_ino;
	}
	/* Only what the file holds now: reading a mapping past the end of the
	 * file is a SIGBUS. Frames appended meanwhile are read from the file;
	 * it cannot shrink during the pass (truncation needs the checkpoint
	 * lock, and the writer's is excluded by ckpt_run). */
	f->map = st->wal_map;
	f->map_len = (size_t)sb.st_size < WAL_MAP_BYTES ? (size_t)sb.st_size : WAL_MAP_BYTES;
}

static int ckpt_pass(struct weft_store *st, int *done)
{
	int log = 0;
	ckpt_map_wal(st);
	pthread_mutex_lock(&st->ckpt_run);
	int rc = sqlite3_wal_checkpoint_v2(st->cdb, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, done);
	pthread_mutex_unlock(&st->ckpt_run);
	if (rc != SQLITE_OK)
		return -1;
	pthread_mutex_lock(&st->lock);
	int left = st->wal_frames - *done;
	pthread_mutex_unlock(&st->lock);
	return left > 0 ? left : 0;
}

static void sync_db(struct weft_store *st)
{
	int fd = open(st->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (fdatasync(fd))
			weft_err("store: fdatasync %s: %s", st->path, strerror(errno));
		close(fd);
	}
}

/* More passes beside the writer while what they leave behind shrinks, down
 * to target frames (at most WAL_PASSES). When the writer commits faster
 * than they copy (what is left grows, or the WAL passes twice the
 * threshold), they stop: the pass at the gate finishes instead, so the WAL
 * stays bounded however slow the checkpointer is. */
static int ckpt_converge(struct weft_store *st, int *done, int left, int target)
{
	for (int pass = 0; pass < WAL_PASSES && left > target && *done + left < WAL_GATE_NOW_FRAMES(st); pass++) {
		int prev = left;
		left = ckpt_pass(st, done);
		if (left < 0 || left >= prev)
			break;
	}
	return left;
}

/* The checkpointer. A PASSIVE checkpoint copies WAL frames into the
 * database beside the writer without stopping it, but SQLite starts the
 * WAL over (instead of growing it) only when a write transaction begins
 * with every frame copied, which seldom happens while commits keep coming.
 * So once passes beside the writer have nearly caught up, the frames
 * committed meanwhile are copied while the writer waits at the gate
 * (between transactions); its next transaction then restarts the WAL from
 * the top. */
static void *ckpt_main(void *arg)
{
	struct weft_store *st = arg;
	pthread_setname_np(pthread_self(), "weft-ckpt");
	pthread_mutex_lock(&st->lock);
	for (;;) {
		while (!st->ckpt_requested && !st->ckpt_stopping)
			pthread_cond_wait(&st->ckpt_wake, &st->lock);
		if (st->ckpt_stopping)
			break;
		pthread_mutex_unlock(&st->lock);

		int done = 0;
		/* Each pass copies what was committed during the one before,
		 * so a few converge on what commits while one pass runs. A pass
		 * that does not catch up leaves its database writes unsynced
		 * (SQLite syncs the database only when a pass catches up): they
		 * are synced here, beside the writer, and the passes go on, so
		 * that the pass at the gate has little to copy and to sync. */
		int left = ckpt_pass(st, &done);
		left = ckpt_converge(st, &done, left, WAL_GATE_FRAMES(st));
		if (left > 0 && done + left < WAL_GATE_NOW_FRAMES(st)) {
			sync_db(st);
			left = ckpt_converge(st, &done, left, WAL_GATE_FRAMES(st) / 4);
		}
		if (left >= 0) {
			pthread_mutex_lock(&st->lock);
			st->gate = true;
			while (st->in_txn && !st->ckpt_stopping)
				pthread_cond_wait(&st->ckpt_wake, &st->lock);
			left = st->wal_frames > done;
			pthread_mutex_unlock(&st->lock);
			if (left)
				left = ckpt_pass(st, &done);
			pthread_mutex_lock(&st->lock);
			st->gate = false;
			pthread_cond_signal(&st->wake);
			pthread_mutex_unlock(&st->lock);
		}
		pthread_mutex_lock(&st->lock);
		st->ckpt_requested = false;
		/* Held back (by a reader, or a failure): try again a little later
		 * rather than on every commit. */
		st->ckpt_next = left != 0 ? st->wal_frames + st->ckpt_frames / 4 : st->ckpt_frames;
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

static int ckpt_start(struct weft_store *st)
{
	if (sqlite3_open_v2(st->path, &st->cdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, store_vfs()) !=
	    SQLITE_OK) {
		weft_err("store: cannot open %s for checkpoints", st->path);
		return WEFT_EIO;
	}
	/* FULL: a checkpoint syncs the WAL before and the database after. */
	int rc = exec_sql(st->cdb, "PRAGMA synchronous=FULL");
	if (rc)
		return rc;
	sqlite3_stmt *s;
	int page = 0;
	if (sqlite3_prepare_v2(st->wdb, "PRAGMA page_size", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			page = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	st->ckpt_frames = WAL_CKPT_BYTES / (page >= 512 ? page : 4096);
	st->ckpt_next = st->ckpt_frames;
	if (pthread_create(&st->ckpt_thread, NULL, ckpt_main, st))
		return WEFT_EIO;
	st->ckpt_started = true;
	sqlite3_wal_hook(st->wdb, on_wal_commit, st); /* replaces autocheckpoint */
	return WEFT_OK;
}

/* Tells a store thread to stop (its flag, under the lock, and its
 * condition) and waits for it to finish. */
static void stop_thread(struct weft_store *st, bool *stopping, pthread_cond_t *wake, pthread_t thread)
{
	pthread_mutex_lock(&st->lock);
	*stopping = true;
	pthread_cond_signal(wake);
	pthread_mutex_unlock(&st->lock);
	pthread_join(thread, NULL);
}

static void ckpt_stop(struct weft_store *st)
{
	if (!st->ckpt_started)
		return;
	stop_thread(st, &st->ckpt_stopping, &st->ckpt_wake, st->ckpt_thread);
	st->ckpt_started = false;
	sqlite3_wal_autocheckpoint(st->wdb, 1000);
}

int weft_store_start(struct weft_store *st, void (*notify)(void *), void *arg)
{
	st->notify = notify;
	st->notify_arg = arg;
	int rc = ckpt_start(st);
	if (rc) {
		ckpt_stop(st);
		return rc;
	}
	if (pthread_create(&st->thread, NULL, writer_main, st)) {
		ckpt_stop(st);
		return WEFT_EIO;
	}
	st->started = true;
	return WEFT_OK;
}

void weft_store_stop(struct weft_store *st)
{
	if (!st->started)
		return;
	stop_thread(st, &st->stopping, &st->wake, st->thread);
	st->started = false;
	ckpt_stop(st);
}

int weft_store_submit(struct weft_store *st, struct weft_job *job)
{
	pthread_mutex_lock(&st->lock);
	if (st->stopping || !st->started) {
		pthread_mutex_unlock(&st->lock);
		return WEFT_EBUSY;
	}
	job->next = NULL;
	*st->queue_tail = job;
	st->queue_tail = &job->next;
	pthread_cond_signal(&st->wake);
	pthread_mutex_unlock(&st->lock);
	return WEFT_OK;
}

struct weft_job *weft_store_take_completed(struct weft_store *st)
{
	pthread_mutex_lock(&st->lock);
	struct weft_job *list = st->done;
	st->done = NULL;
	st->done_tail = &st->done;
	pthread_mutex_unlock(&st->lock);
	return list;
}

void weft_store_stats(struct weft_store *st, uint64_t *jobs, uint64_t *commits)
{
	pthread_mutex_lock(&st->lock);
	*jobs = st->jobs_committed;
	*commits = st->commits;
	pthread_mutex_unlock(&st->lock);
}

/* ---- Command-line operations. */

int weft_store_run_sync(struct weft_store *st, struct weft_job *job)
{
	assert(!st->started);
	job->next = NULL;
	commit_batch(st, job);
	return job->result;
}

int weft_store_user_create(struct weft_store *st, const char *name, const char *display,
			   const char *pw_hash, bool admin, int64_t *id_out)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_USER_CREATE);
	if (!j)
		return WEFT_ENOMEM;
	snprintf(j->profile.user.name, sizeof j->profile.user.name, "%s", name);
	snprintf(j->profile.user.display, sizeof j->profile.user.display, "%s", display ? display : "");
	j->profile.admin = admin;
	int rc = WEFT_ENOMEM;
	if ((j->text = strdup(pw_hash)))
		rc = weft_store_run_sync(st, j);
	if (!rc)
		*id_out = j->id;
	weft_job_free(j);
	return rc;
}

int weft_store_backup(const char *db_path, const char *dest, char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	int rc = WEFT_EIO;
	if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", db_path, src ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(src, 10000);
	if (sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot create %s: %s", dest, dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
		goto out;
	}
	int step;
	/* All pages in one step: the copy is one consistent snapshot even while
	 * the server keeps writing (WAL readers see a fixed state). */
	while ((step = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || step == SQLITE_LOCKED)
		sqlite3_sleep(50);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		snprintf(err, errlen, "copying failed: %s", sqlite3_errstr(step));
		goto out;
	}
	rc = WEFT_OK;
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	return rc;
}

/* ---- Reads. */

int weft_store_session_get(struct weft_store *st, const unsigned char hash[32],
			   int64_t now_ms, int64_t idle_ms, struct weft_session *out)
{
	sqlite3_stmt *s = st->r[R_SESSION];
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	int rc = WEFT_EAUTH;
	if (sqlite3_step(s) == SQLITE_ROW) {
		struct weft_session ses = { 0 };
		ses.id = sqlite3_column_int64(s, 0);
		ses.user_id = ses.user.id = sqlite3_column_int64(s, 1);
		ses.expires_ms = sqlite3_column_int64(s, 2);
		ses.last_used_ms = sqlite3_column_int64(s, 3);
		ses.admin = sqlite3_column_int(s, 4) != 0;
		copy_text(ses.user.name, sizeof ses.user.name, s, 5);
		copy_text(ses.user.display, sizeof ses.user.display, s, 6);
		if (now_ms < ses.expires_ms && now_ms - ses.last_used_ms < idle_ms) {
			*out = ses;
			rc = WEFT_OK;
		}
	}
	done_stmt(s);
	return rc;
}

int weft_store_user_by_name(struct weft_store *st, const char *name, struct weft_user_auth *out)
{
	sqlite3_stmt *s = st->r[R_USER_BY_NAME];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = WEFT_ENOTFOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->user.id = sqlite3_column_int64(s, 0);
		copy_text(out->user.name, sizeof out->user.name, s, 1);
		copy_text(out->user.display, sizeof out->user.display, s, 2);
		out->admin = sqlite3_column_int(s, 3) != 0;
		out->active = sqlite3_column_int(s, 4) != 0;
		copy_text(out->pw_hash, sizeof out->pw_hash, s, 5);
		rc = WEFT_OK;
	}
	done_stmt(s);
	return rc;
}

int weft_store_message_get(struct weft_store *st, int64_t id, struct weft_message *out)
{
	sqlite3_stmt *s = st->r[R_MESSAGE];
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s) == SQLITE_ROW ? read_message(s, 0, out) : WEFT_ENOTFOUND;
	done_stmt(s);
	return rc;
}

static bool exists(sqlite3_stmt *s, int64_t channel, int64_t bound)
{
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, bound);
	bool yes = sqlite3_step(s) == SQLITE_ROW;
	done_stmt(s);
	return yes;
}

int weft_store_history(struct weft_store *st, int64_t channel, int64_t before, int64_t after,
		       int limit, struct weft_message *out, int *n, bool *more)
{
	sqlite3_stmt *s;
	bool ascending = after >= 0;
	if (ascending) {
		s = st->r[R_HIST_AFTER];
		sqlite3_bind_int64(s, 1, channel);
		sqlite3_bind_int64(s, 2, after);
		sqlite3_bind_int64(s, 3, before);
		sqlite3_bind_int(s, 4, limit);
	} else if (before > 0) {
		s = st->r[R_HIST_BEFORE];
		sqlite3_bind_int64(s, 1, channel);
		sqlite3_bind_int64(s, 2, before);
		sqlite3_bind_int(s, 3, limit);
	} else {
		s = st->r[R_HIST_LATEST];
		sqlite3_bind_int64(s, 1, channel);
		sqlite3_bind_int(s, 2, limit);
	}
	int count = 0, rc = WEFT_OK, step;
	while (count < limit && (step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = read_message(s, 0, &out[count])))
			break;
		count++;
	}
	done_stmt(s);
	if (rc) {
		for (int i = 0; i < count; i++)
			weft_message_clear(&out[i]);
		return rc;
	}
	if (!ascending) {
		/* Fetched newest first; the page goes out oldest first. */
		for (int i = 0, k = count - 1; i < k; i++, k--) {
			struct weft_message t = out[i];
			out[i] = out[k];
			out[k] = t;
		}
	}
	/* `more` looks past the far end of the page in the direction of travel. */
	if (count == 0)
		*more = false;
	else if (ascending)
		*more = exists(st->r[R_HIST_MORE_AFTER], channel, out[count - 1].id) &&
			(before == 0 || out[count - 1].id < before - 1);
	else
		*more = exists(st->r[R_HIST_MORE_BEFORE], channel, out[0].id);
	if (ascending && *more && before) {
		/* Still more within the window only if a message lies between. */
		sqlite3_stmt *q = st->r[R_HIST_AFTER];
		sqlite3_bind_int64(q, 1, channel);
		sqlite3_bind_int64(q, 2, out[count - 1].id);
		sqlite3_bind_int64(q, 3, before);
		sqlite3_bind_int(q, 4, 1);
		*more = sqlite3_step(q) == SQLITE_ROW;
		done_stmt(q);
	}
	*n = count;
	return WEFT_OK;
}

int weft_store_channel_events(struct weft_store *st, int64_t channel, int64_t after,
			      int64_t upto, int limit, struct weft_event *out, int *n)
{
	sqlite3_stmt *s = st->r[R_CHANNEL_EVENTS];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int64(s, 3, upto);
	sqlite3_bind_int(s, 4, limit);
	int count = 0, rc = WEFT_OK;
	while (count < limit && sqlite3_step(s) == SQLITE_ROW) {
		if ((rc = read_event(s, &out[count])))
			break;
		count++;
	}
	done_stmt(s);
	if (rc) {
		for (int i = 0; i < count; i++)
			weft_event_clear(&out[i]);
		return rc;
	}
	*n = count;
	return WEFT_OK;
}

int weft_store_replay_floor(struct weft_store *st, int64_t channel, int64_t since, int max,
			    int64_t *floor_out)
{
	sqlite3_stmt *s = st->r[R_FLOOR];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int(s, 3, max);
	/* The row at offset max (newest first) is the newest one that will not
	 * be replayed: it is the floor. */
	*floor_out = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	done_stmt(s);
	return WEFT_OK;
}

int weft_store_unread(struct weft_store *st, int64_t channel, int64_t reader, int64_t after, int cap,
		      int *out)
{
	sqlite3_stmt *s = st->r[R_UNREAD];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int(s, 3, cap);
	sqlite3_bind_int64(s, 4, reader);
	*out = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	done_stmt(s);
	return WEFT_OK;
}

int weft_store_members(struct weft_store *st, int64_t channel, struct weft_member_row *out,
		       int max, int *n)
{
	sqlite3_stmt *s = st->r[R_MEMBERS];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int(s, 2, max);
	int count = 0;
	while (count < max && sqlite3_step(s) == SQLITE_ROW) {
		struct weft_member_row *m = &out[count++];
		memset(m, 0, sizeof *m);
		m->user.id = sqlite3_column_int64(s, 0);
		copy_text(m->user.name, sizeof m->user.name, s, 1);
		copy_text(m->user.display, sizeof m->user.display, s, 2);
		m->role = sqlite3_column_int(s, 3);
	}
	done_stmt(s);
	*n = count;
	return WEFT_OK;
}

int64_t weft_store_last_seq(struct weft_store *st)
{
	sqlite3_stmt *s = st->r[R_LAST_SEQ];
	int64_t seq = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	done_stmt(s);
	return seq;
}

int weft_store_load(struct weft_store *st,
		    void (*on_channel)(void *arg, const struct weft_channel_info *c, int64_t last_seq),
		    void (*on_member)(void *arg, int64_t channel, int64_t user, int role, int64_t read_seq,
				      int64_t joined_seq),
		    void *arg)
{
	sqlite3_stmt *s = st->r[R_LOAD_CHANNELS];
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct weft_channel_info c;
		read_channel(s, 0, &c);
		on_channel(arg, &c, sqlite3_column_int64(s, 8));
	}
	done_stmt(s);
	s = st->r[R_LOAD_MEMBERS];
	while (sqlite3_step(s) == SQLITE_ROW)
		on_member(arg, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			  sqlite3_column_int(s, 2), sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4));
	done_stmt(s);
	return WEFT_OK;
}

static void read_profile(sqlite3_stmt *s, struct weft_profile *p)
{
	memset(p, 0, sizeof *p);
	p->user.id = sqlite3_column_int64(s, 0);
	copy_text(p->user.name, sizeof p->user.name, s, 1);
	copy_text(p->user.display, sizeof p->user.display, s, 2);
	copy_text(p->jurisdiction, sizeof p->jurisdiction, s, 3);
	copy_text(p->region, sizeof p->region, s, 4);
	copy_text(p->title, sizeof p->title, s, 5);
	p->admin = sqlite3_column_int(s, 6) != 0;
	p->active = sqlite3_column_int(s, 7) != 0;
	p->has_password = sqlite3_column_int(s, 8) != 0;
}

int weft_store_user_get(struct weft_store *st, int64_t id, struct weft_profile *out)
{
	sqlite3_stmt *s = st->r[R_USER_GET];
	sqlite3_bind_int64(s, 1, id);
	int rc = WEFT_ENOTFOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		read_profile(s, out);
		rc = WEFT_OK;
	}
	done_stmt(s);
	return rc;
}

int weft_store_user_find(struct weft_store *st, const char *q, bool include_inactive,
			 struct weft_profile *out, int max, int *n)
{
	/* %q% with LIKE's wildcards in q escaped, so they match themselves. */
	char pattern[256];
	size_t o = 0;
	pattern[o++] = '%';
	for (const char *p = q; *p && o < sizeof pattern - 3; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			pattern[o++] = '\\';
		pattern[o++] = *p;
	}
	pattern[o++] = '%';
	pattern[o] = '\0';
	sqlite3_stmt *s = st->r[R_USER_FIND];
	sqlite3_bind_text(s, 1, pattern, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, max);
	sqlite3_bind_int(s, 3, include_inactive);
	int count = 0;
	while (count < max && sqlite3_step(s) == SQLITE_ROW)
		read_profile(s, &out[count++]);
	done_stmt(s);
	*n = count;
	return WEFT_OK;
}

/* Calls cb with the first column of every row of s bound to since_ms. */
static int each_id_since(sqlite3_stmt *s, int64_t since_ms, void (*cb)(void *arg, int64_t id), void *arg)
{
	sqlite3_bind_int64(s, 1, since_ms);
	while (sqlite3_step(s) == SQLITE_ROW)
		cb(arg, sqlite3_column_int64(s, 0));
	done_stmt(s);
	return WEFT_OK;
}

int weft_store_deactivated_since(struct weft_store *st, int64_t since_ms,
				 void (*cb)(void *arg, int64_t user), void *arg)
{
	return each_id_since(st->r[R_DEACTIVATED], since_ms, cb, arg);
}

static void read_request(sqlite3_stmt *s, struct weft_request_row *r)
{
	memset(r, 0, sizeof *r);
	r->user.id = sqlite3_column_int64(s, 0);
	copy_text(r->user.name, sizeof r->user.name, s, 1);
	copy_text(r->user.display, sizeof r->user.display, s, 2);
	copy_text(r->note, sizeof r->note, s, 3);
	r->ts_ms = sqlite3_column_int64(s, 4);
	r->state = sqlite3_column_int(s, 5);
	r->decided_ms = sqlite3_column_int64(s, 6);
}

int weft_store_request_get(struct weft_store *st, int64_t channel, int64_t user,
			   struct weft_request_row *out)
{
	sqlite3_stmt *s = st->r[R_REQ_GET];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, user);
	if (sqlite3_step(s) == SQLITE_ROW) {
		read_request(s, out);
	} else {
		memset(out, 0, sizeof *out);
		out->state = WEFT_REQ_NONE;
	}
	done_stmt(s);
	return WEFT_OK;
}

int weft_store_requests(struct weft_store *st, int64_t channel, struct weft_request_row *out,
			int max, int *n)
{
	sqlite3_stmt *s = st->r[R_REQS];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int(s, 2, max);
	int count = 0;
	while (count < max && sqlite3_step(s) == SQLITE_ROW)
		read_request(s, &out[count++]);
	done_stmt(s);
	*n = count;
	return WEFT_OK;
}

int weft_store_request_count(struct weft_store *st, int64_t channel, int *n)
{
	sqlite3_stmt *s = st->r[R_REQ_COUNT];
	sqlite3_bind_int64(s, 1, channel);
	*n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	done_stmt(s);
	return WEFT_OK;
}

bool weft_store_invited(struct weft_store *st, int64_t channel, int64_t user)
{
	return row_exists2(st->r[R_INVITED], channel, user);
}

int weft_store_invites_of(struct weft_store *st, int64_t user, int64_t *channels, int max, int *n)
{
	sqlite3_stmt *s = st->r[R_INVITES_OF];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, max);
	int count = 0;
	while (count < max && sqlite3_step(s) == SQLITE_ROW)
		channels[count++] = sqlite3_column_int64(s, 0);
	done_stmt(s);
	*n = count;
	return WEFT_OK;
}

int weft_store_signup_get(struct weft_store *st, const unsigned char hash[32], int64_t now_ms,
			  int64_t *user_out)
{
	sqlite3_stmt *s = st->r[R_SIGNUP];
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	int rc = WEFT_ENOTFOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*user_out = sqlite3_column_int64(s, 0);
		rc = WEFT_OK;
	}
	done_stmt(s);
	return rc;
}

int weft_store_revoked_since(struct weft_store *st, int64_t since_ms,
			     void (*cb)(void *arg, int64_t session), void *arg)
{
	return each_id_since(st->r[R_REVOKED], since_ms, cb, arg);
}

/* Private to server/store/: the store's state, its statements, and what
 * its files share. Nothing outside server/store/ includes it.
 *
 * The files, and the thread each belongs to:
 *   store.c         the public lifecycle (open, start, stop, submit, close,
 *                   backup): the calling thread, as each function says
 *   stmt.c          SQL text, preparing, row readers: the thread that owns
 *                   the statement's connection
 *   schema.c        migrations: weft_store_open's caller, before any thread
 *   wal.c, wal.h    the WAL write-coalescing VFS: any thread; knows nothing
 *                   of Weft
 *   writer.c        the writer thread: batches, group commit, job dispatch,
 *                   the helpers its jobs share
 *   jobs_message.c  jobs_channel.c  jobs_account.c  jobs_files.c
 *                   job bodies by family: the writer thread
 *   checkpoint.c    the checkpointer thread
 *   read.c          the read-only connection's queries: the service thread
 *   search.c        full-text search on connections of its own: worker threads
 *   blobs.c         a read-only connection of its own for the blob store's
 *                   questions: its caller's thread (a file worker, the
 *                   command line's backup)
 */
#ifndef WEFT_STORE_INT_H
#define WEFT_STORE_INT_H

#include "weft/histo.h"
#include "weft/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Statements of the write connection (the writer's); SQL in stmt.c. */
enum wstmt {
	W_BEGIN, W_COMMIT, W_ROLLBACK, W_SAVEPOINT, W_RELEASE, W_ROLLBACK_TO,
	W_EVENT_INSERT, W_EVENT_BY_SEQ,
	W_MEMBER_ROLE, W_MSG_BY_CLIENT, W_MSG_ROOT, W_MSG_INSERT, W_MSG_EDIT, W_MSG_DELETE,
	W_THREAD_ADD, W_THREAD_RECOUNT, W_REACTION_HAS, W_REACTION_KINDS, W_REACTION_ADD, W_REACTION_DEL,
	W_REACTIONS_DROP, W_PIN_SET, W_MENTION_WHO, W_MENTION_ADD, W_MENTION_MEMBERS, W_MENTIONS_OF,
	W_MENTIONS_DROP, W_USER_PROFILE, W_CHANNEL_BY_NAME, W_MAX_SEQ, W_EVENTS_AFTER,
	W_CHANNEL_INSERT, W_CHANNEL_BY_ID, W_MEMBER_INSERT, W_MEMBER_DELETE,
	W_SESSION_INSERT, W_SESSION_TOUCH, W_SESSION_REVOKE, W_READ_MARK, W_READ_SET, W_USER_INSERT,
	W_REQ_GET, W_REQ_UPSERT, W_REQ_DECIDE, W_REQ_CLOSE, W_INVITE_INSERT, W_INVITE_DELETE, W_INVITED,
	W_ROLE_SET, W_CHANNEL_UPDATE, W_DM_FIND, W_USER_ACTIVE_OK, W_USER_ACTIVE, W_USER_SESSIONS_REVOKE,
	W_USER_PASSWORD, W_SIGNUP_INSERT, W_SIGNUP_TAKE, W_SIGNUP_DROP, W_USER_HAS_PASSWORD, W_CHANNELS_CREATED, W_DM_RENAME, W_MEMBER_JOINED,
	W_SEND_EVENT, W_SEND_UNDO, W_SEQ_UNDO, W_USER_REF, W_HEALTH, W_REQ_WITHDRAW, W_INVITE_WITHDRAW,
	W_INDEX_ADD, W_INDEX_DROP,
	W_FILE_FREE, W_FILE_ATTACH, W_FILES_JSON, W_FILES_DROP, W_FILE_INSERT, W_UPLOAD_USED, W_UPLOAD_INSERT,
	W_FILES_EXPIRE, W_UPLOADS_PRUNE,
	W_COUNT
};

/* Statements of the read-only connection (the service thread's); SQL in stmt.c. */
enum rstmt {
	R_SESSION, R_USER_BY_NAME, R_MESSAGE, R_HIST_LATEST, R_HIST_BEFORE, R_HIST_AFTER,
	R_HIST_MORE_BEFORE, R_HIST_MORE_AFTER, R_THREAD_LATEST, R_THREAD_BEFORE, R_THREAD_AFTER,
	R_THREAD_MORE_BEFORE, R_THREAD_MORE_AFTER, R_PINS, R_MENTIONS_UNREAD, R_CHANNEL_GET, R_CHANNEL_EVENTS, R_FLOOR, R_UNREAD, R_MEMBERS,
	R_LAST_SEQ, R_LOAD_CHANNELS, R_LOAD_MEMBERS,
	R_USER_GET, R_USER_FIND, R_DEACTIVATED, R_REQ_GET, R_REQS, R_REQ_COUNT, R_INVITED, R_INVITES_OF,
	R_SIGNUP, R_REVOKED, R_LOAD_REQUESTS, R_LOAD_INVITES,
	R_FILE, R_UPLOAD_USED, R_CHANNEL_FILES,
	R_COUNT
};

/* Statements of standups, action items and the digest (stmt_coord.c): the
 * write connection's (CW_*) and the read connection's (CR_*). */
enum cwstmt {
	CW_CONFIG_SET, CW_CONFIG_DROP, CW_OPEN_ANY, CW_STANDUP_INSERT, CW_STANDUP_SEQ, CW_STANDUP_JSON,
	CW_STANDUP_OPEN_IN, CW_ANSWER_UPSERT, CW_ANSWER_JSON, CW_CLOSE, CW_ROLL_ANSWERED, CW_ROLL_EXPECTED,
	CW_SUMMARY, CW_ITEM_INSERT, CW_ITEM_GET, CW_ITEM_UPDATE, CW_ITEM_JSON, CW_MEMBER_OK, CW_MESSAGE_OK,
	CW_DIGEST_SET, CW_DIGEST_DUE, CW_SYSTEM_USER,
	CW_COUNT
};
enum crstmt {
	CR_CONFIGS, CR_OPEN, CR_STANDUPS, CR_CONFIG, CR_ITEMS, CR_DIGEST_GET,
	CR_COUNT
};

/* Statements of live sessions and moderation (stage_stmt.c, issue 15). */
enum swstmt {
	SW_SESSION_INSERT, SW_SESSION_SEQ, SW_SESSION_LIVE, SW_SESSION_END, SW_SESSION_JSON, SW_CONFIDENTIAL_IDS,
	SW_MSG_CONFIDENTIAL, SW_MUTE_SET, SW_MUTE_DROP, SW_MUTE_JSON, SW_BAN_SET, SW_BAN_DROP, SW_BANNED,
	SW_MODLOG_ADD, SW_MODLOG_DELETE, SW_REPORT_INSERT, SW_REPORT_JSON, SW_REPORT_GET, SW_REPORT_RESOLVE,
	SW_SLOW_SET, SW_SLOW_JSON, SW_MSG_IN, SW_MSG_CONF,
	SW_COUNT
};
enum srstmt {
	SR_MODLOG, SR_REPORTS, SR_LIVE, SR_MUTES, SR_SLOW,
	SR_COUNT
};

/* Statements of weaving (stmt_weave.c, issue 17): the write connection's
 * (VW_*) and the read connection's (VR_*). */
enum vwstmt {
	VW_FOCUS_CLEAR, VW_TAGS_ADD, VW_FOCUS_ADD, VW_WEAVER_SET, VW_USER_OK, VW_INTRO_COUNT, VW_INTRO_PAIR,
	VW_INTRO_INSERT, VW_INTRO_GET, VW_INTRO_ANSWER, VW_MSG_EVENT, VW_INTRO_JSON,
	VW_COUNT
};
enum vrstmt {
	VR_INTROS,
	VR_COUNT
};

/* JSON in SQL, shared by stmt_coord.c, stage_stmt.c and stmt_weave.c. */
/* A user object {"id","name","display"} of users row a. */
#define USER_JSON(a) \
	"json_object('id', " a ".id, 'name', " a ".name, 'display'," \
	" CASE WHEN " a ".display = '' THEN " a ".name ELSE " a ".display END)"
/* The user with id x as JSON (null when none): a subquery, whose result
 * json() makes JSON again. */
#define USER_OF(x) "json((SELECT " USER_JSON("uu") " FROM users uu WHERE uu.id = " x "))"
/* ms since the epoch as the wire's ISO 8601 time. */
#define ISO(x) "strftime('%Y-%m-%dT%H:%M:%fZ', (" x ") / 1000.0, 'unixepoch')"
#define ISO_OR_NULL(x) "CASE WHEN " x " IS NULL THEN NULL ELSE " ISO(x) " END"
#define BOOL(x) "json(CASE WHEN " x " THEN 'true' ELSE 'false' END)"

/* An account as read_profile reads it (R_USER_GET, R_USER_FIND, VR_DIRECTORY):
 * its focus tags as a JSON array, by name. */
#define PROFILE_SELECT \
	"SELECT id, name, display, jurisdiction, region, title, admin, active, pw_hash IS NOT NULL," \
	" pronouns, bio, weaver, (SELECT json_group_array(tn) FROM (SELECT t.name AS tn FROM user_focus uf" \
	" JOIN focus_tags t ON t.id = uf.tag_id WHERE uf.user_id = users.id ORDER BY t.name)), system FROM users"

struct user_slot;

struct weft_store {
	char *path;
	sqlite3 *wdb, *rdb;
	sqlite3_stmt *w[W_COUNT];
	sqlite3_stmt *r[R_COUNT];
	sqlite3_stmt *cw[CW_COUNT];             /* standups, items, digest (stmt_coord.c) */
	sqlite3_stmt *cr[CR_COUNT];
	sqlite3_stmt *sw[SW_COUNT];             /* live sessions and moderation (stage_stmt.c) */
	sqlite3_stmt *sr[SR_COUNT];
	sqlite3_stmt *vw[VW_COUNT];             /* weaving (stmt_weave.c) */
	sqlite3_stmt *vr[VR_COUNT];

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
	uint64_t queued;                        /* guarded by lock: jobs in queue, not yet taken */
	struct weft_histo commit_ns;            /* guarded by lock: BEGIN to COMMIT of each batch */
	bool scrub_pending;                     /* writer thread only */
	bool scrub_retry;                       /* writer thread only: the last scrub failed */
	bool txn_broken;                        /* writer thread only: the batch must roll back */
	struct user_slot *users;                /* writer thread only: see user_ref */
	int64_t seen_seq;                       /* writer thread only: the newest event it knows */
	bool foreign_more;                      /* writer thread only: the last look for another
						   process's events stopped at FOREIGN_MAX */

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
	bool commit_failed;                     /* guarded by lock: the writer's last commit failed */
	int ckpt_frames;                        /* WAL_CKPT_BYTES in frames of this database */
	const unsigned char *wal_map;           /* checkpointer: the WAL file mapped (WAL_MAP_BYTES) */
	dev_t wal_dev;
	ino_t wal_ino;
};

/* ---- Statements (stmt.c). Each helper runs on the thread that owns the
 * statement's connection. */

static inline int map_sqlite(int rc)
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
	case SQLITE_FULL:
		return WEFT_EBUSY; /* the disk is full: unavailable, try later */
	default:
		return WEFT_EIO;
	}
}

/* Runs a statement to completion (no rows expected) and resets it. */
static inline int exec_stmt(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		/* A constraint is an answer (a taken name), not a failure. */
		if ((rc & 0xff) != SQLITE_CONSTRAINT)
			weft_err("store.step_failed sql=%s error=%s", sqlite3_sql(s), sqlite3_errstr(rc));
		return map_sqlite(rc);
	}
	return WEFT_OK;
}

static inline void done_stmt(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Prepares every statement of both connections (st->w on st->wdb, st->r on
 * st->rdb). Open only. */
int stmt_prepare(struct weft_store *st);
/* stmt_coord.c: prepares st->cw and st->cr (open only), and finalizes them. */
int coord_stmt_prepare(struct weft_store *st);
void coord_stmt_finalize(struct weft_store *st);
/* stage_stmt.c: prepares st->sw and st->sr (open only), and finalizes them. */
int stage_stmt_prepare(struct weft_store *st);
void stage_stmt_finalize(struct weft_store *st);
/* stmt_weave.c: prepares st->vw and st->vr (open only), and finalizes them. */
int weave_stmt_prepare(struct weft_store *st);
void weave_stmt_finalize(struct weft_store *st);
/* read.c: one row of PROFILE_SELECT into row (a struct weft_profile). */
int read_profile(sqlite3_stmt *s, void *row);
/* Runs SQL text without results (pragmas, migrations); logs a failure. */
int exec_sql(sqlite3 *db, const char *sql);
/* Column col of s's current row into dst (cap bytes, always terminated;
 * "" for NULL). */
void copy_text(char *dst, size_t cap, sqlite3_stmt *s, int col);
/* Columns c (id), c+1 (name), c+2 (display) of s's current row into u. */
void read_user_ref(sqlite3_stmt *s, int c, struct weft_user_ref *u);
/* Column col of s's current row as a new string in *dst (NULL for NULL). */
int dup_text(char **dst, sqlite3_stmt *s, int col);
/* Columns c..c+16 of MESSAGE_SELECT into m (the body allocated). */
int read_message(sqlite3_stmt *s, int c, struct weft_message *m);
/* The columns of FILE_COLS (or R_CHANNEL_FILES) into f. */
int read_file(sqlite3_stmt *s, struct weft_file_info *f);
/* Columns c..c+7 of CHANNEL_SELECT into ch. */
void read_channel(sqlite3_stmt *s, int c, struct weft_channel_info *ch);
/* One row of EVENT_SELECT into ev (a message's body allocated). */
int read_event(sqlite3_stmt *s, struct weft_event *ev);

/* Reads: a failed step is an error (logged), never "no row"; out-
 * parameters are written only on success. step_rc and step_row leave s to
 * the caller (done_stmt); the others reset it. */

/* The outcome of a read whose last sqlite3_step returned step (SQLITE_ROW
 * when it stopped at its bound): WEFT_OK, or the mapped error. */
int step_rc(sqlite3_stmt *s, int step);
/* The rows of s (bound; column 0 JSON objects, NULL as null),
 * at most limit of them, as one JSON array in *out (owned by the caller);
 * *more when a further row follows. s is reset. Any connection's thread. */
int json_rows(sqlite3_stmt *s, int limit, char **out, bool *more);
/* Steps s once: WEFT_OK on a row (to read), WEFT_ENOTFOUND at the end,
 * or the mapped error. */
int step_row(sqlite3_stmt *s);
/* Column 0 of s's first row as an integer into *out, dflt when there is
 * no row. */
int step_int64(sqlite3_stmt *s, int64_t dflt, int64_t *out);
/* *out: does s, bound to (a, b), return a row? */
int row_exists(sqlite3_stmt *s, int64_t a, int64_t b, bool *out);

/* An array of rows to read: elements of size bytes at out, each read by
 * read (0 or WEFT_E*); clear (NULL: nothing to free) undoes a read one. */
struct rows {
	void *out;
	size_t size;
	int (*read)(sqlite3_stmt *s, void *row);
	void (*clear)(void *row);
};
/* Reads at most max rows of s (bound) into r->out[0..*n). On failure the
 * rows read are cleared and *n is not written. */
int read_rows(sqlite3_stmt *s, const struct rows *r, int max, int *n);

/* The search connection's statement (stmt.c): prepared on db into *out. */
int stmt_prepare_search(sqlite3 *db, sqlite3_stmt **out);
/* Columns of the search statement after MESSAGE_COLS's: the channel's
 * name and kind, and the snippet. */
#define SEARCH_COL_CHANNEL 19

/* ---- Schema (schema.c). */

/* Applies the missing migrations on db (the write connection). Open only. */
int schema_migrate(sqlite3 *db);

/* ---- Lifecycle (store.c). */

/* The name of the VFS every connection of the store opens with. Any thread. */
const char *store_vfs(void);

/* When *started, tells a store thread to stop (its flag, under st->lock,
 * and its condition), waits for it to finish, clears *started and returns
 * true; else false. The caller's thread (the lifecycle's). */
static inline bool store_stop_thread(struct weft_store *st, bool *started, bool *stopping, pthread_cond_t *wake,
		       pthread_t thread)
{
	if (!*started)
		return false;
	pthread_mutex_lock(&st->lock);
	*stopping = true;
	pthread_cond_signal(wake);
	pthread_mutex_unlock(&st->lock);
	pthread_join(thread, NULL);
	*started = false;
	return true;
}

/* ---- Jobs (job.c). */

/* Frees the events a job recorded and forgets its seq. */
void clear_events(struct weft_job *job);

/* ---- The writer (writer.c). */

/* The writer thread's body; arg is the store. Started by weft_store_start. */
void *writer_main(void *arg);

/* ---- Helpers of the job bodies (jobs_common.c), writer thread only,
 * inside the batch's transaction. */

/* Logs an event of kind in channel by the job's user (ref, role: 0 for
 * none) and records it in the job (ev, then more), as fan-out will send
 * it; *seq_out (may be NULL) is its seq. */
int add_event(struct weft_store *st, struct weft_job *j, int64_t channel, int kind, int64_t now,
	      int64_t ref, int role, int64_t *seq_out);
/* The same for a reaction or pin of message ref in the job's channel: data
 * (the emoji; NULL: none) and flag (on) are kept with the event. */
int add_flag_event(struct weft_store *st, struct weft_job *j, int kind, int64_t now, int64_t ref,
		   const char *data, bool flag, int64_t *seq_out);
/* Events committed by another process (`weftd user add` on a live data
 * directory) since this writer last looked: up to max of them, after
 * after, into j (ev, then more). */
int load_foreign(struct weft_store *st, struct weft_job *j, int64_t after, int max);
/* The event of seq, as EVENT_SELECT reads it, into ev. */
int load_event(struct weft_store *st, int64_t seq, struct weft_event *ev);
/* Runs s (a write of the write connection, no rows expected):
 * WEFT_ENOTFOUND when it changed no row (what it updates or deletes is
 * not there). */
int exec_changed(struct weft_store *st, sqlite3_stmt *s);
/* WEFT_OK when user is an active account, WEFT_ENOTFOUND when not, or the
 * read's error. */
int check_active_user(struct weft_store *st, int64_t user);

/* ---- Job bodies (jobs_*.c), writer thread only. Each runs inside the
 * batch's transaction and returns 0 or WEFT_E*; commit_batch rolls a
 * failed one back (to its savepoint; a send takes back its own work) and
 * clears its events. */

/* jobs_message.c */
int run_send(struct weft_store *st, struct weft_job *j, int64_t now);
int run_edit_delete(struct weft_store *st, struct weft_job *j, int64_t now);
int run_read_mark(struct weft_store *st, struct weft_job *j);
/* jobs_conversation.c */
int run_react(struct weft_store *st, struct weft_job *j, int64_t now);
int run_pin(struct weft_store *st, struct weft_job *j, int64_t now);
/* Records who message id (of the job's channel, by the job's user, with
 * body) mentions, replacing what it mentioned before: @name of an active
 * user who can read the channel, everyone in j->here, every member when
 * j->mention_all. Sets *json (owned: the ids, a JSON array) and the job's
 * mentioned (those not mentioned before). */
int mentions_record(struct weft_store *st, struct weft_job *j, int64_t id, const char *body, char **json);
/* jobs_files.c */
int run_file_create(struct weft_store *st, struct weft_job *j, int64_t now);
int run_files_expire(struct weft_store *st, struct weft_job *j);
/* A send's files: checks that each of j->files is the user's upload to
 * the channel, not attached (WEFT_EINVAL when one is not). Before the
 * message is written, so a refusal leaves nothing to take back. */
int files_check(struct weft_store *st, struct weft_job *j);
/* Attaches j->files to message id and sets *json (owned) to the files as
 * message objects carry them. */
int files_attach(struct weft_store *st, struct weft_job *j, int64_t id, char **json);
/* A deleted message's files: their rows go, their hashes into j->gone. */
int files_drop(struct weft_store *st, struct weft_job *j, int64_t id);
/* jobs_channel.c */
int run_channel_create(struct weft_store *st, struct weft_job *j, int64_t now);
int run_join(struct weft_store *st, struct weft_job *j, int64_t now);
int run_leave(struct weft_store *st, struct weft_job *j, int64_t now);
int run_request_file(struct weft_store *st, struct weft_job *j, int64_t now);
int run_request_decide(struct weft_store *st, struct weft_job *j, int64_t now);
int run_invite(struct weft_store *st, struct weft_job *j, int64_t now);
int run_uninvite(struct weft_store *st, struct weft_job *j);
int run_role(struct weft_store *st, struct weft_job *j, int64_t now);
int run_channel_update(struct weft_store *st, struct weft_job *j, int64_t now);
int run_dm_open(struct weft_store *st, struct weft_job *j, int64_t now);
/* jobs_account.c */
int run_user_create(struct weft_store *st, struct weft_job *j, int64_t now);
int run_user_active(struct weft_store *st, struct weft_job *j, int64_t now);
int run_user_password(struct weft_store *st, struct weft_job *j);
int run_signup_create(struct weft_store *st, struct weft_job *j, int64_t now);
int run_signup_accept(struct weft_store *st, struct weft_job *j, int64_t now);
int run_session(struct weft_store *st, struct weft_job *j, int64_t now);
int run_profile_update(struct weft_store *st, struct weft_job *j);
/* jobs_standup.c, jobs_items.c: standups, action items, the digest. */
int run_standup(struct weft_store *st, struct weft_job *j, int64_t now);
int run_item(struct weft_store *st, struct weft_job *j, int64_t now);
/* jobs_weave.c: weaving (issue 17). */
int run_weave(struct weft_store *st, struct weft_job *j, int64_t now);
/* The focus tags of user become those of json (a JSON array of tags),
 * the vocabulary growing by the new ones. */
int weave_focus_set(struct weft_store *st, int64_t user, const char *json, int64_t now);
/* user's network role weaver (a user of the system: WEFT_ENOTFOUND). */
int weave_weaver_set(struct weft_store *st, int64_t user, bool weaver);
/* jobs_common.c: records the committed event of seq in the job, as
 * add_event does once it wrote one. */
int push_event(struct weft_store *st, struct weft_job *j, int64_t seq);
/* jobs_channel.c: the new account j->target joins each channel named in
 * j->defaults that exists, is not archived and is no DM (others are
 * skipped: a default channel may be renamed or archived later). */
int join_defaults(struct weft_store *st, struct weft_job *j, int64_t now);
/* stage_jobs.c (issue 15): live sessions, mutes, unbans, reports. */
int run_stage(struct weft_store *st, struct weft_job *j, int64_t now);
/* A moderator action into the moderation log: action (static text),
 * actor and target (0: none), reason (NULL: ""). */
int modlog_add(struct weft_store *st, int64_t channel, const char *action, int64_t actor, int64_t target,
	       const char *reason, int64_t now);
/* WEFT_EFORBIDDEN when user is banned from channel, else 0 or the read's error. */
int ban_check(struct weft_store *st, int64_t channel, int64_t user);
/* jobs_message.c: erases message id of the job's channel exactly as a
 * delete does (body, index, reactions, mentions, files; a delete event by
 * the job's user). WEFT_ENOTFOUND when it is deleted already. */
int erase_message(struct weft_store *st, struct weft_job *j, int64_t id, int64_t now);
/* jobs_message.c: forgets the cached name of user (it changed). */
void user_ref_forget(struct weft_store *st, int64_t user);

/* ---- The checkpointer (checkpoint.c). */

/* Opens the checkpointer's connection through vfs, starts its thread and
 * hooks the writer's commits. weft_store_start's caller, before the writer
 * starts. */
int ckpt_start(struct weft_store *st, const char *vfs);
/* Stops and joins the checkpointer (if started); autocheckpoint again. */
void ckpt_stop(struct weft_store *st);
/* Releases the checkpointer's mapping of the WAL. Close only. */
void ckpt_close(struct weft_store *st);

#endif

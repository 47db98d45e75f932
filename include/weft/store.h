/* The durable store: the SQLite adapter. One writer thread owns the write
 * connection and commits batches of jobs in one transaction each (group
 * commit); a read-only connection serves the service thread's bounded,
 * indexed reads. */
#ifndef WEFT_STORE_H
#define WEFT_STORE_H

#include "weft/model.h"
#include "weft/search.h"

struct weft_store;

enum weft_job_kind {
	WEFT_JOB_NOP,            /* health check: rewrites one row, so it fails when commits fail */
	WEFT_JOB_SEND,           /* user, channel, text=body, thread, client_id */
	WEFT_JOB_EDIT,           /* user, channel, target=message id, text=body */
	WEFT_JOB_DELETE,         /* user, channel, target=message id */
	WEFT_JOB_CHANNEL_CREATE, /* user, name, ckind, access, text=topic (may be NULL) */
	WEFT_JOB_JOIN,           /* user=actor, target=joining user, channel, role */
	WEFT_JOB_LEAVE,          /* user=actor, target=leaving user, channel */
	WEFT_JOB_SESSION_CREATE, /* target=user id, token_hash, expires_ms, text=token name or NULL */
	WEFT_JOB_SESSION_TOUCH,  /* target=session id */
	WEFT_JOB_SESSION_REVOKE, /* target=session id */
	WEFT_JOB_READ_MARK,      /* user, channel, target=seq */
	WEFT_JOB_REQUEST_FILE,   /* user, channel, text=note; cooldown_ms; ERATE sets retry_ms */
	WEFT_JOB_REQUEST_DECIDE, /* user=moderator, channel, target=requester, flag=approve */
	WEFT_JOB_INVITE,         /* user=moderator, channel, target=invitee */
	WEFT_JOB_UNINVITE,       /* user=moderator, channel, target=invitee */
	WEFT_JOB_REMOVE,         /* user=moderator, channel, target=member: a leave event */
	WEFT_JOB_ROLE,           /* user=owner, channel, target, role: a role event */
	WEFT_JOB_CHANNEL_UPDATE, /* user, channel; name ("" keeps), text=topic (NULL keeps),
				    access (-1 keeps), archived (-1 keeps): a channel event */
	WEFT_JOB_DM_OPEN,        /* user, users[0..nusers) (others): id=channel, flag=created */
	WEFT_JOB_USER_CREATE,    /* profile (name, display, jurisdiction, region, title, admin),
				    text=password hash or NULL, defaults: id=user id; with
				    expires_ms also a sign-up link of token_hash */
	WEFT_JOB_USER_ACTIVE,    /* target=user, flag=active; deactivation revokes sessions and
				    withdraws pending join requests and invitations */
	WEFT_JOB_USER_PASSWORD,  /* target=user, text=password hash; revokes sessions but
				    keep_session (0: none) */
	WEFT_JOB_SIGNUP_CREATE,  /* target=user, token_hash, expires_ms; flag=reset: clear the
				    password and revoke every session */
	WEFT_JOB_SIGNUP_ACCEPT,  /* token_hash=link, text=password hash, token_hash2=session,
				    expires_ms=session expiry: id=session id, target=user id */
	WEFT_JOB_REACT,          /* user, channel, target=message, text=emoji, flag=on: a reaction
				    event, or none when nothing changes */
	WEFT_JOB_PIN,            /* user, channel, target=message, flag=pinned: a pin event, or
				    none when nothing changes */
	WEFT_JOB_PROFILE_UPDATE, /* target=user, profile: the fields of profile_set */
	WEFT_JOB_FILE_CREATE,    /* user, channel, text=name, file_type, sha256, size; file_quota (bytes
				    a day, 0: any): id=file id; ETOOLARGE past the quota */
	WEFT_JOB_FILES_EXPIRE,   /* expires_ms: files never attached and uploaded before it are
				    dropped (at most a few hundred a run; flag: more are left),
				    and upload records older than a day */
	/* Standups, action items, the digest (jobs_standup.c, jobs_items.c). */
	WEFT_JOB_STANDUP_SET,    /* user, channel, text=config JSON (NULL: off): a standup.config event */
	WEFT_JOB_STANDUP_OPEN,   /* user (0: the schedule), channel, text=questions JSON, name=local
				    date, target=opened (ms), expires_ms=closes, flag=scheduled: id=standup;
				    ECONFLICT when one is open or the date was opened by the schedule */
	WEFT_JOB_STANDUP_ANSWER, /* user, channel, target=standup, text=answers JSON, text2=blocker */
	WEFT_JOB_STANDUP_CLOSE,  /* channel, target=standup: a standup event with the summary;
				    ENOTFOUND when it is not open */
	WEFT_JOB_ITEM_CREATE,    /* user, channel, text=title, item_owner (0: none), due, thread=message */
	WEFT_JOB_ITEM_UPDATE,    /* user, channel, target=item, item_set (WEFT_ITEM_SET_*), text=title, item_owner, due,
				    status; flag=the user moderates the channel */
	WEFT_JOB_DIGEST_SET,     /* user, flag=on */
	WEFT_JOB_DIGEST_SCAN,    /* name=today, text=base URL: out={"weft":id,"digests":[{"user","body"}]} */
	/* Live sessions and moderation (issue 15; stage_jobs.c). */
	WEFT_JOB_STAGE_START,    /* user, channel, text=title, flag=confidential, role=mode (0 open, 1 floor):
				    id=session, a session event; ECONFLICT when one is live */
	WEFT_JOB_STAGE_END,      /* user (0: the server at start), channel: a confidential session's
				    messages erased as deletes (delete events), then a session event
				    (state ended, erased); id=session; ENOTFOUND when none is live */
	WEFT_JOB_MUTE,           /* user, channel, target, expires_ms=until (0: unmute), text=reason: a mute event */
	WEFT_JOB_UNBAN,          /* user, channel, target; ENOTFOUND when not banned */
	WEFT_JOB_REPORT,         /* user, channel, target=message, text=reason: id=report, out=report JSON;
				    ENOTFOUND when the message is not in the channel */
	WEFT_JOB_REPORT_RESOLVE, /* user, channel, target=report, role=action (WEFT_RESOLVE_*), expires_ms=the
				    mute's end: out=report JSON; ENOTFOUND, ECONFLICT when resolved */
	/* Weaving (jobs_weave.c, issue 17). */
	WEFT_JOB_WEAVER_SET,     /* target=user, flag=weaver */
	WEFT_JOB_INTRO_PROPOSE,  /* user=by, target=a, users[0]=b, text=note, quota=proposals a day (0: any):
				    id=intro, out=its JSON; ERATE past the quota, ECONFLICT when the two have one
				    waiting, ENOTFOUND when a or b is no active person */
	WEFT_JOB_INTRO_ANSWER,   /* user, target=intro, flag=accept: out=its JSON; when both accepted,
				    channel=the DM of a and b (chan; flag=whether it was created) with
				    their joins and the note as its first message, from by. ENOTFOUND:
				    no such intro; EFORBIDDEN: not the user's; ECONFLICT: answered or
				    expired */
};

/* report.resolve's actions (WEFT_JOB_REPORT_RESOLVE role). */
enum { WEFT_RESOLVE_DISMISS, WEFT_RESOLVE_DELETE, WEFT_RESOLVE_MUTE, WEFT_RESOLVE_REMOVE };


/* The fields an ITEM_UPDATE changes. */
enum { WEFT_ITEM_SET_TITLE = 1, WEFT_ITEM_SET_OWNER = 2, WEFT_ITEM_SET_DUE = 4, WEFT_ITEM_SET_STATUS = 8 };

struct weft_server;

/* What waits on the service thread for a job's answer (a WebSocket
 * connection, an HTTP request) embeds one. The owner holds one reference
 * while it is open and every job or task in flight that names it holds
 * another; weft_job_owner_unref calls release when the last one goes, and
 * release frees the owner. Service thread only; the store never touches it. */
struct weft_job_owner {
	int refs;
	void (*release)(struct weft_job_owner *o);
};

static inline void weft_job_owner_ref(struct weft_job_owner *o)
{
	o->refs++;
}

static inline void weft_job_owner_unref(struct weft_job_owner *o)
{
	if (--o->refs == 0)
		o->release(o);
}

struct weft_job {
	struct weft_job *next;          /* queue link; the store's while queued */
	enum weft_job_kind kind;

	/* Caller context, never touched by the store. on_done runs on the
	 * service thread once the job completed; then the owner's reference
	 * (NULL: none) is dropped and the job freed. */
	void (*on_done)(struct weft_server *s, struct weft_job *job);
	struct weft_job_owner *owner;
	char req[WEFT_REQ_BYTES];

	/* Inputs. */
	int64_t user;
	int64_t channel;
	int64_t target;
	int64_t thread;
	int role;
	int ckind;
	int access;
	char *text;                     /* owned by the job (freed by weft_job_free) */
	char name[WEFT_CHANNEL_NAME_MAX + 1];
	char client_id[WEFT_CLIENT_ID_BYTES];
	unsigned char token_hash[32];
	unsigned char token_hash2[32];
	int64_t expires_ms;
	int64_t cooldown_ms;
	int quota;                      /* CHANNEL_CREATE: channels the user may create a day; 0: any */
	int archived;
	bool flag;
	int64_t users[WEFT_DM_MAX_OTHERS];
	int nusers;
	struct weft_profile profile;
	unsigned profile_set;           /* PROFILE_UPDATE: WEFT_PROFILE_* */
	int64_t keep_session;           /* USER_PASSWORD: the session that changed it stays */
	const char *defaults;           /* USER_CREATE: comma-separated channels the account joins
					   (borrowed: the config's, which outlives the job) */
	/* SEND, EDIT: who besides @names is mentioned (set by the service
	 * thread, which knows who is online and who may use @here/@channel). */
	bool open;                      /* the channel is open: anyone may be mentioned */
	bool mention_all;               /* @channel: every member */
	int64_t *here;                  /* @here: owned; the members online */
	int nhere;
	/* SEND: files to attach (uploaded to this channel by the user, not yet
	 * attached); FILE_CREATE: the upload. */
	int64_t files[WEFT_FILES_PER_MESSAGE];
	int nfiles;
	char file_type[WEFT_FILE_TYPE_MAX + 1];
	char sha256[WEFT_SHA256_HEX];
	int64_t size;
	int64_t file_quota;             /* FILE_CREATE: bytes the user may upload a day; 0: any */

	/* Standups, action items, the digest (the kinds above). */
	char *text2;                    /* owned */
	unsigned item_set;              /* ITEM_UPDATE: WEFT_ITEM_SET_* fields given */
	int64_t item_owner;             /* ITEM_CREATE, ITEM_UPDATE: 0 none */
	char due[11];                   /* "YYYY-MM-DD"; "": none */
	int status;
	char *out;                      /* owned: JSON the job hands back (STANDUP_OPEN, DIGEST_SCAN) */

	/* Live sessions and moderation (issue 15). REMOVE: flag=ban. */
	int64_t confidential;           /* SEND: the confidential live session (0: none) */
	bool slow_set;                  /* CHANNEL_UPDATE: slow is given */
	int slow;                       /* CHANNEL_UPDATE: seconds (0: off) */

	/* Outputs, valid once the job comes back from weft_store_take_completed. */
	int result;                     /* 0 or WEFT_E* */
	bool duplicate;                 /* SEND: client_id was seen; ev is the original */
	int64_t id;                     /* new row: channel id, session id, message id */
	int64_t seq;                    /* committed event, 0 if none */
	struct weft_event ev;           /* the committed (or, if duplicate, original) event */
	struct weft_event *more;        /* further events of the same job, in seq order */
	int nmore;
	struct weft_channel_info chan;  /* CHANNEL_CREATE, DM_OPEN, CHANNEL_UPDATE: the channel now */
	int64_t retry_ms;               /* REQUEST_FILE refused by the cool-down, CHANNEL_CREATE by the quota */
	int64_t ts_ms;                  /* REQUEST_FILE: when filed */
	int64_t *mentioned;             /* SEND, EDIT: owned; users mentioned now and not before */
	int nmentioned;
	/* DELETE, FILES_EXPIRE, FILE_CREATE refused: owned; the SHA-256s of
	 * blobs the job stopped referring to. Once it committed, the service
	 * thread hands them to the blob store (weft_blobs_collect), which
	 * removes those no file refers to any more. */
	char (*gone)[WEFT_SHA256_HEX];
	int ngone;
	int64_t used;                   /* FILE_CREATE refused by the quota: bytes uploaded in the day */
};

/* Allocates a zeroed job of the kind. Returns NULL on allocation failure. */
struct weft_job *weft_job_new(enum weft_job_kind kind);
/* Frees the job and everything it owns. NULL is fine. */
void weft_job_free(struct weft_job *job);

/* Opens (creating when missing) the database at path, applies migrations,
 * and prepares both connections. Any thread, once; *out written on success. */
int weft_store_open(const char *path, struct weft_store **out);

/* Starts the writer thread. notify(arg) is called from the writer thread
 * each time completed jobs are ready (e.g. lws_cancel_service). */
int weft_store_start(struct weft_store *st, void (*notify)(void *), void *arg);

/* Stops accepting jobs, commits everything queued, joins the writer. Jobs
 * it completed stay available to weft_store_take_completed. */
void weft_store_stop(struct weft_store *st);

/* Closes connections and frees. Call after weft_store_stop (or when the
 * writer never started). Pending completed jobs are freed. */
void weft_store_close(struct weft_store *st);

/* Queues a job for the writer; takes ownership until it comes back from
 * weft_store_take_completed. Returns WEFT_EBUSY when the store is stopping
 * (the caller keeps the job). Any thread. */
int weft_store_submit(struct weft_store *st, struct weft_job *job);

/* Returns every completed job as a list in commit order (NULL when none);
 * the caller takes ownership. Any thread, usually the service thread. */
struct weft_job *weft_store_take_completed(struct weft_store *st);

/* Jobs committed since open, transactions committed (for metrics). */
void weft_store_stats(struct weft_store *st, uint64_t *jobs, uint64_t *commits);
/* The writer's queue depth now (jobs submitted, not yet taken into a
 * transaction) and a copy of its commit-time histogram (BEGIN to COMMIT
 * returned, in ns: the jobs' work and the sync). Any thread; takes the
 * lock the writer and weft_store_submit already take, nothing more. */
struct weft_histo;
void weft_store_writer_stats(struct weft_store *st, uint64_t *queued, struct weft_histo *commit_ns);

/* ---- Live sessions and moderation (issue 15; store/stage_stmt.c): reads
 * on the read-only connection, service thread only, as below. */

/* The moderation log of channel, newest first: a JSON array of at most
 * limit entries {"id","action","actor","target","reason","ts"} with id <
 * before (0: from the newest) into *json (caller frees), *more. */
int weft_store_modlog(struct weft_store *st, int64_t channel, int64_t before, int limit, char **json, bool *more);
/* The reports of channel (open first, then newest first; at most 200) as a JSON array. */
int weft_store_reports(struct weft_store *st, int64_t channel, char **json);

struct weft_stage_loader {
	void *arg;
	/* A live session: json is its {"id",…} object (borrowed). */
	void (*session)(void *arg, int64_t channel, int64_t id, bool confidential, int mode, int64_t start_seq,
			const char *json);
	void (*mute)(void *arg, int64_t channel, int64_t user, int64_t until_ms);
	void (*slow)(void *arg, int64_t channel, int seconds);
};
/* Live sessions, mutes that end after now_ms, and channels in slow mode. */
int weft_store_stage_load(struct weft_store *st, int64_t now_ms, const struct weft_stage_loader *l);

/* ---- Synchronous operations for the command line (writer not running). */

/* Runs one job in its own transaction on the calling thread; the results
 * are in the job as if it came back from the writer. Only while the writer
 * thread is not running (the command line). */
int weft_store_run_sync(struct weft_store *st, struct weft_job *job);

/* Runs the jobs linked by next in one transaction on the calling thread,
 * each under its own savepoint as the writer batches them: one that fails
 * (a taken name: WEFT_ECONFLICT in its result) leaves the others. Returns
 * 0 when the transaction committed, else its error, which every job then
 * carries. The jobs stay the caller's. Command line only, as above. */
int weft_store_run_sync_list(struct weft_store *st, struct weft_job *jobs);

/* The number of migrations this weftd knows: the newest schema version
 * it opens. Any thread. */
int weft_store_schema_version(void);

/* Creates a user. WEFT_ECONFLICT when the name is taken. */
int weft_store_user_create(struct weft_store *st, const char *name, const char *display,
			   const char *pw_hash, bool admin, int64_t *id_out);

/* Consistent copy of the live database at db_path into dest through the
 * online backup API. Any thread; independent of an open store. On failure
 * a one-line reason is written to err. */
int weft_store_backup(const char *db_path, const char *dest, char *err, size_t errlen);

/* ---- Tools with a connection of their own (store/tools.c): any thread
 * that is not the writer; the command line, or a worker. Each opens the
 * database at db_path read-only (never creating it) and closes it again. */

/* taken[i]: is names[i] an account? A database that does not exist holds
 * none. */
int weft_store_names_taken(const char *db_path, const char *const *names, int n, bool *taken);

/* Checks that file is a Weft database this weftd can open before it is
 * restored: PRAGMA integrity_check, the schema version (*version; newer
 * than weft_store_schema_version refused), the event log's table. A
 * one-line reason into err. */
int weft_store_verify(const char *file, int *version, char *err, size_t errlen);

/* `weftd check`: integrity, foreign keys, the event log (no gap, no
 * duplicate seq, the AUTOINCREMENT counter not behind the log, every
 * message with its event) and the files referenced. Each problem found
 * is one line to problem(arg, line); *nproblems counts them. Returns 0
 * when the checks ran (whatever they found), else why they could not. */
int weft_store_check(const char *db_path, void (*problem)(void *arg, const char *line), void *arg,
		     int *nproblems);

/* ---- Exports (store/export.c): `weftd export`, through a read-only
 * connection of the export's own holding one read transaction, so that
 * the whole export is one state of the database even while a server
 * writes. The thread that opened it; never the writer. */

struct weft_export;

/* One exported message: its current body. Every pointer is borrowed for
 * the callback's length only. */
struct weft_export_row {
	int64_t id, channel, thread;    /* thread: the root replied to, 0 for none */
	int64_t ts_ms, edited_ms;       /* edited_ms: 0 when never edited */
	const char *channel_name;
	struct weft_user_ref author;
	const char *body;
	int reply_count;
};

enum weft_export_order {
	WEFT_EXPORT_BY_ID,              /* in seq order */
	WEFT_EXPORT_BY_THREAD,          /* each root followed by its replies, roots in seq order */
};

/* Opens db_path read-only (WEFT_ENOTFOUND when it does not exist) and
 * begins the read transaction; a reason into err on failure. */
int weft_export_open(const char *db_path, struct weft_export **out, char *err, size_t errlen);
void weft_export_close(struct weft_export *x);
/* A channel by name. WEFT_ENOTFOUND. */
int weft_export_channel(struct weft_export *x, const char *name, struct weft_channel_info *out);
/* An account by name with its e-mail and creation time. WEFT_ENOTFOUND. */
int weft_export_user(struct weft_export *x, const char *name, struct weft_profile *out, int64_t *created_ms);
/* The messages of channel, or (channel 0) those author wrote anywhere, in order, each
 * to on_row (which stops the export by returning nonzero: that is the
 * result). Never a deleted message, nor one an export must not show. */
int weft_export_messages(struct weft_export *x, int64_t channel, int64_t author, enum weft_export_order order,
			 int (*on_row)(void *arg, const struct weft_export_row *row), void *arg);
/* The channels user is a member of, by name, each to on_member. */
int weft_export_memberships(struct weft_export *x, int64_t user,
			    int (*on_member)(void *arg, const char *channel, int kind, int role), void *arg);

/* ---- Reads on the read-only connection: service thread only. Each is
 * indexed and bounded, and returns 0 or a WEFT_E* code like a write: a
 * read that failed is WEFT_EIO (WEFT_EBUSY, WEFT_ENOMEM), never "nothing
 * found". Out-parameters are written only on success; the arrays a read
 * fills are the caller's, and after a failure they hold nothing to clear. */

struct weft_session {
	int64_t id;
	int64_t user_id;
	int64_t expires_ms;
	int64_t last_used_ms;
	bool admin;
	struct weft_user_ref user;
};

/* Looks up a live session by token hash: not revoked, not past expires_ms
 * nor idle longer than idle_ms, user active. WEFT_EAUTH when there is none
 * (or it is not live); WEFT_EIO when the read failed. */
int weft_store_session_get(struct weft_store *st, const unsigned char hash[32],
			   int64_t now_ms, int64_t idle_ms, struct weft_session *out);

struct weft_user_auth {
	struct weft_user_ref user;
	bool admin;
	bool active;
	char pw_hash[160];
};

/* Finds an account by name for login. WEFT_ENOTFOUND when none. */
int weft_store_user_by_name(struct weft_store *st, const char *name, struct weft_user_auth *out);

/* Reads one message (body included unless deleted). WEFT_ENOTFOUND. */
int weft_store_message_get(struct weft_store *st, int64_t id, struct weft_message *out);

/* A page of messages in channel, oldest first, deleted ones omitted.
 * before (0: none) and after (-1: none) are exclusive bounds; with after
 * the page starts just after it, otherwise it ends just before `before`
 * (or is the latest page).
 * Fills out[0..*n) (caller clears each) and *more: whether more lie past
 * the page's far end. limit <= WEFT_HISTORY_MAX. */
int weft_store_history(struct weft_store *st, int64_t channel, int64_t before, int64_t after,
		       int limit, struct weft_message *out, int *n, bool *more);
/* A thread's replies (root excluded), paged as weft_store_history pages a
 * channel. Service thread (read connection). */
int weft_store_thread(struct weft_store *st, int64_t root, int64_t before, int64_t after, int limit,
		      struct weft_message *out, int *n, bool *more);
/* The channel's pinned messages, newest first, at most max. Service thread. */
int weft_store_pins(struct weft_store *st, int64_t channel, struct weft_message *out, int max, int *n);
/* Unread messages of channel (ids past after, up to upto: what was fanned
 * out) that mention user, counted up to cap. Service thread. */
int weft_store_mentions_unread(struct weft_store *st, int64_t channel, int64_t user, int64_t after,
			       int64_t upto, int cap, int *out);

/* Events of one channel with after < seq <= upto, in seq order, at most
 * limit. Fills out[0..*n) (caller clears each). */
int weft_store_channel_events(struct weft_store *st, int64_t channel, int64_t after,
			      int64_t upto, int limit, struct weft_event *out, int *n);

/* The seq below which replay of channel stops when more than max events
 * follow `since`: 0 when at most max follow, else the seq just before the
 * oldest of the newest max events (so replay covers (floor, ...]). A
 * failed read is an error, never floor 0: replay must not start. */
int weft_store_replay_floor(struct weft_store *st, int64_t channel, int64_t since, int max,
			    int64_t *floor_out);

/* Messages in channel with after < id <= upto that reader did not write,
 * counted up to cap. (upto lets the service thread count only what it has
 * fanned out: the read connection already sees what the writer committed
 * since.) */
int weft_store_unread(struct weft_store *st, int64_t channel, int64_t reader, int64_t after, int64_t upto,
		      int cap, int *out);

struct weft_member_row {
	struct weft_user_ref user;
	int role;
};

/* Members of a channel, by role then name; at most max, in out[0..*n). */
int weft_store_members(struct weft_store *st, int64_t channel, struct weft_member_row *out,
		       int max, int *n);

/* An account by id. WEFT_ENOTFOUND. */
int weft_store_user_get(struct weft_store *st, int64_t id, struct weft_profile *out);

/* Accounts whose name or display name contains q (case-insensitive), by
 * name; at most max. Deactivated ones only with include_inactive (admins). */
int weft_store_user_find(struct weft_store *st, const char *q, bool include_inactive,
			 struct weft_profile *out, int max, int *n);

/* Sessions revoked at or after since_ms, through a callback. On failure
 * cb may have run for some of them: ask again from the same since_ms. */
int weft_store_revoked_since(struct weft_store *st, int64_t since_ms,
			     void (*cb)(void *arg, int64_t session), void *arg);

/* Users deactivated at or after since_ms, through a callback. On failure
 * cb may have run for some of them: ask again from the same since_ms. */
int weft_store_deactivated_since(struct weft_store *st, int64_t since_ms,
				 void (*cb)(void *arg, int64_t user), void *arg);

enum weft_request_state { WEFT_REQ_NONE = -1, WEFT_REQ_PENDING = 0, WEFT_REQ_APPROVED = 1, WEFT_REQ_DECLINED = 2 };

struct weft_request_row {
	struct weft_user_ref user;
	char note[WEFT_NOTE_BYTES];
	int64_t ts_ms;
	int state;
	int64_t decided_ms;
};

/* Pending requests of a channel (of active accounts), oldest first; at
 * most max. */
int weft_store_requests(struct weft_store *st, int64_t channel, struct weft_request_row *out,
			int max, int *n);

/* The server answers whether a request is pending or an invitation exists
 * from the hub (loaded by weft_store_load_access); these four reads are
 * for tests and tools. */

/* The request of user to channel (state WEFT_REQ_NONE when none). */
int weft_store_request_get(struct weft_store *st, int64_t channel, int64_t user,
			   struct weft_request_row *out);
/* Number of pending requests of a channel. */
int weft_store_request_count(struct weft_store *st, int64_t channel, int *n);

/* *out: is there an invitation of user to channel? */
int weft_store_invited(struct weft_store *st, int64_t channel, int64_t user, bool *out);
/* Channels user is invited to; at most max. */
int weft_store_invites_of(struct weft_store *st, int64_t user, int64_t *channels, int max, int *n);

/* The user of a sign-up link by token hash, if it can still be used at
 * now_ms; WEFT_ENOTFOUND when it cannot (unknown, used or expired). */
int weft_store_signup_get(struct weft_store *st, const unsigned char hash[32], int64_t now_ms,
			  int64_t *user_out);

/* An uploaded file by id (attached or not). WEFT_ENOTFOUND. */
int weft_store_file_get(struct weft_store *st, int64_t id, struct weft_file_info *out);
/* *out: bytes user uploaded after since_ms (the daily quota's count). */
int weft_store_upload_usage(struct weft_store *st, int64_t user, int64_t since_ms, int64_t *out);
/* A page of channel's library: its attached files, the newest message
 * first, before the file of id `before` (0: from the newest), at most
 * limit into out[0..*n) (uploader: the message's author; ts_ms: its time);
 * *more: whether older ones follow. */
int weft_store_channel_files(struct weft_store *st, int64_t channel, int64_t before, int limit,
			     struct weft_file_info *out, int *n, bool *more);

/* ---- The blob store's questions (server/blobs.c), on a read-only
 * connection of their own: the caller's thread, one at a time (the caller
 * serializes: a file worker under the blob store's lock, or the command
 * line). */
struct weft_store_blobs;

/* Opens db_path read-only. *out written on success. */
int weft_store_blobs_open(const char *db_path, struct weft_store_blobs **out);
/* *out: does any file name the blob of sha256 (hex)? */
int weft_store_blob_used(struct weft_store_blobs *b, const char *sha256, bool *out);
/* Calls cb for every blob some file names, each once; a nonzero return
 * from cb stops and is returned. */
int weft_store_blob_each(struct weft_store_blobs *b, int (*cb)(void *arg, const char *sha256), void *arg);
void weft_store_blobs_close(struct weft_store_blobs *b);
/* ---- Standups and action items (read_coord.c), on the read connection:
 * service thread. Each hands back JSON text the caller owns. */

/* Startup: each channel's standup schedule (config JSON) and the local
 * date the schedule last opened one ("" when never), then each open
 * standup (id, channel, closes_ms), through callbacks. */
int weft_store_standup_load(struct weft_store *st,
			    void (*on_config)(void *arg, int64_t channel, const char *config, const char *last_date),
			    void (*on_open)(void *arg, int64_t channel, int64_t id, int64_t closes_ms), void *arg);
/* A page of channel's standups, newest first, each with its answers: a
 * JSON array in *out (malloc'd), *more. before: 0 for the newest. */
int weft_store_standups(struct weft_store *st, int64_t channel, int64_t before, int limit, char **out, bool *more);
/* The standup schedule of channel as JSON in *out (NULL when none). */
int weft_store_standup_config(struct weft_store *st, int64_t channel, char **out);
/* Action items, newest first: of channel (0: of every channel user is a
 * member of), owned by owner (0: anyone), with status (-1: any), below
 * before (0: none); each with overdue as of today ("YYYY-MM-DD"). */
int weft_store_items(struct weft_store *st, int64_t user, int64_t channel, int64_t owner, int status,
		     int64_t before, int limit, const char *today, char **out, bool *more);
/* *on: does user get the daily digest? */
int weft_store_digest_get(struct weft_store *st, int64_t user, bool *on);

/* ---- Weaving (issue 17): introductions on the read connection
 * (read_weave.c, service thread), the slow reads (the directory's pages and
 * facets, suggested peers, network health) on a connection of their own
 * for the workers (weave_reader.c). */

struct weft_find_params {
	const char *q;                  /* "" any; else a part of the name or display name */
	const char *jurisdiction;       /* "" any */
	const char *region;             /* "" any */
	const char *focus;              /* "" any; a tag, case aside */
	const char *after;              /* "" the first page; else the names after it */
	bool include_inactive;          /* admins */
	int limit;
};

/* The introductions user proposed or is one of, as user sees them, newest
 * first: a JSON array in *out (malloc'd). Service thread. */
int weft_store_intros(struct weft_store *st, int64_t user, int64_t now_ms, char **out);

struct weft_weave_reader;
/* Opens the slow reads' read-only connection to st's database. Any
 * thread (the service thread at start); then used by one worker at a time
 * (it locks). *out on success. */
int weft_store_weave_reader_open(struct weft_store *st, struct weft_weave_reader **out);
void weft_store_weave_reader_close(struct weft_weave_reader *r);
/* A page of the directory, by name: into out[0..*n) (at most p->limit,
 * and max - 1: out holds max rows, one to look past the page), *more.
 * A worker. */
int weft_store_directory(struct weft_weave_reader *r, const struct weft_find_params *p, struct weft_profile *out,
			 int max, int *n, bool *more);
/* {"jurisdictions":[{"name","count"}],"regions":[…],"focus":[…]} of the
 * active people, in *out (malloc'd). A worker. */
int weft_store_facets(struct weft_weave_reader *r, char **out);
/* The people user might want to meet (see stmt_weave.c), at most max ids
 * in ids[0..*n). A worker. */
int weft_store_peers(struct weft_weave_reader *r, int64_t user, int max, int64_t *ids, int *n);
/* network.health's figures over the last days before now_ms and the 12
 * weeks to now, as the reply's JSON object (no type) in *out. A worker. */
int weft_store_health(struct weft_weave_reader *r, int days, int64_t now_ms, char **out);

/* *out: the largest committed seq (0 when the log is empty). */
int weft_store_last_seq(struct weft_store *st, int64_t *out);

/* Startup: every pending join request, then every invitation, of active
 * accounts, each as (channel, user) in that order, through callbacks.
 * Service thread, before serving; on failure as weft_store_load. */
int weft_store_load_access(struct weft_store *st, void (*on_request)(void *arg, int64_t channel, int64_t user),
			   void (*on_invite)(void *arg, int64_t channel, int64_t user), void *arg);

/* ---- Search (server/store/search.c): full-text search of message bodies
 * on connections of its own, for worker threads, so that the service
 * thread never runs an FTS query. */

struct weft_searcher;

struct weft_search_params {
	int64_t user;           /* who searches: only what they may read now */
	const char *match;      /* the FTS5 expression of weft_search_parse (borrowed) */
	const char *from_name;  /* author's user name (from:), NULL: any */
	const char *in_name;    /* channel name (in:), NULL: any */
	int64_t channel;        /* channel id, 0: any */
	int64_t from;           /* author id, 0: any */
	int64_t before;         /* message id (exclusive), 0: from the newest */
	int limit;              /* 1..WEFT_SEARCH_LIMIT_MAX */
};

/* Opens a read-only connection to st's database for searches, with its
 * statement prepared. Any thread (the service thread at start); the
 * searcher is then used by one thread at a time. *out on success. */
int weft_store_searcher_open(struct weft_store *st, struct weft_searcher **out);
/* Closes it (NULL is fine). */
void weft_store_searcher_close(struct weft_searcher *se);
/* Runs one search: messages matching p, newest first, that p->user may
 * read now (see the SQL in stmt.c), at most p->limit into out[0..*n)
 * (the caller clears each with weft_search_hit_clear) and *more: whether
 * more lie past the page. A search that runs past timeout_ms is stopped:
 * WEFT_EBUSY. The searcher's thread (a worker). */
int weft_store_search(struct weft_searcher *se, const struct weft_search_params *p, int timeout_ms,
		      struct weft_search_hit *out, int *n, bool *more);
/* Frees what a hit owns (weft/search.h). */
void weft_search_hit_clear(struct weft_search_hit *h);

/* Startup: every channel, then every membership, through callbacks.
 * Service thread, before serving. On failure some callbacks may have run:
 * the caller discards what they built (and does not serve). */
/* One channel and its newest seq, as weft_store_load reads them (a channel
 * another process made). Service thread (read connection). */
int weft_store_channel_get(struct weft_store *st, int64_t id, struct weft_channel_info *out, int64_t *last_seq);
int weft_store_load(struct weft_store *st,
		    void (*on_channel)(void *arg, const struct weft_channel_info *c, int64_t last_seq),
		    void (*on_member)(void *arg, int64_t channel, int64_t user, int role, int64_t read_seq,
				      int64_t joined_seq),
		    void *arg);

#endif

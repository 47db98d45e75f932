/* The wire protocol: client frames parsed into typed, bounded commands, and
 * server frames encoded as JSON. Pure: no I/O, no globals; any thread. */
#ifndef WEFT_PROTO_H
#define WEFT_PROTO_H

#include <cjson/cJSON.h>
#include "weft/auth.h"
#include "weft/model.h"
#include "weft/search.h"

/* The fields a request may carry, one bit each of a row's fields and
 * required (64 bits: room for every family to come). A parse reads them in
 * this order, so the first bad one is the one reported. */
#define WEFT_F_SINCE           (UINT64_C(1) << 0)     /* since: integer >= -1 (hello) */
#define WEFT_F_CHANNEL         (UINT64_C(1) << 1)     /* channel: id */
#define WEFT_F_USER            (UINT64_C(1) << 2)     /* user: id */
#define WEFT_F_ID              (UINT64_C(1) << 3)     /* id: a message id */
#define WEFT_F_THREAD          (UINT64_C(1) << 4)     /* thread: a message id */
#define WEFT_F_CLIENT_ID       (UINT64_C(1) << 5)     /* client_id: 1..64 characters */
#define WEFT_F_NAME            (UINT64_C(1) << 6)     /* name: a valid channel name */
#define WEFT_F_KIND            (UINT64_C(1) << 7)     /* kind: caucus, cohort or team */
#define WEFT_F_ACCESS_TOPIC    (UINT64_C(1) << 8)     /* access and topic, both optional */
#define WEFT_F_NOTE            (UINT64_C(1) << 9)     /* note: up to WEFT_NOTE_MAX characters */
#define WEFT_F_APPROVE         (UINT64_C(1) << 10)    /* approve: boolean */
#define WEFT_F_ROLE            (UINT64_C(1) << 11)    /* role: owner, moderator or member */
#define WEFT_F_ARCHIVED        (UINT64_C(1) << 12)    /* archived: boolean, true when absent */
#define WEFT_F_USERS           (UINT64_C(1) << 13)    /* users: 1..WEFT_DM_MAX_OTHERS ids */
#define WEFT_F_Q               (UINT64_C(1) << 14)    /* q: 1..WEFT_QUERY_MAX characters */
#define WEFT_F_PROFILE         (UINT64_C(1) << 15)    /* name (a user name), display, jurisdiction, region, title, admin */
#define WEFT_F_BODY            (UINT64_C(1) << 16)    /* body: 1..limits.max_body characters, not blank */
#define WEFT_F_PAGE            (UINT64_C(1) << 17)    /* before, after, limit (history) */
#define WEFT_F_SEQ             (UINT64_C(1) << 18)    /* seq: integer >= 0; unread: boolean, false when absent (read) */
#define WEFT_F_EMOJI           (UINT64_C(1) << 19)    /* emoji: 1..WEFT_EMOJI_MAX characters, no control */
#define WEFT_F_ON              (UINT64_C(1) << 20)    /* on: boolean, true when absent */
#define WEFT_F_PINNED          (UINT64_C(1) << 21)    /* pinned: boolean, true when absent */
#define WEFT_F_WATCH           (UINT64_C(1) << 22)    /* users: 0..WEFT_WATCH_MAX ids (presence.watch) */
#define WEFT_F_PROFILE_EDIT    (UINT64_C(1) << 23)    /* display, jurisdiction, region, title: each optional */
#define WEFT_F_LIST            (UINT64_C(1) << 24)    /* after (a channel id, 0: from the start), limit, mine (channel.list) */
#define WEFT_F_SEARCH          (UINT64_C(1) << 25)    /* q (a search, weft/search.h), from (a user id), before, limit (search) */
#define WEFT_F_FILES           (UINT64_C(1) << 26)    /* files: 0..WEFT_FILES_PER_MESSAGE file ids (send) */
/* Standups and action items (proto_coord.c): each bit reads several keys,
 * into cmd->co; a row's check says which it requires. */
#define WEFT_F_STANDUP         (UINT64_C(1) << 27)    /* questions, days, time, tz, window, off, standup,
                                                         answers, blocker, before, limit, at */
#define WEFT_F_ITEM            (UINT64_C(1) << 28)    /* id (an item), title, owner, due, status, message, before, limit */
/* Live sessions and moderation (proto_stage.c, issue 15): one bit reading
 * several keys into cmd->st; a row's check says which it requires. */
#define WEFT_F_STAGE           (UINT64_C(1) << 29)    /* title, confidential, mode, seconds, reason, ban, slow,
							 report, action, order, before */
/* Weaving (proto_weave.c, issue 17): one bit
 * reads several keys into cmd->wv; a row's check says which it requires. */
#define WEFT_F_WEAVE           (UINT64_C(1) << 34)    /* q (may be empty), jurisdiction, region, focus (a tag, or
							 a list of tags), after, limit, bio, pronouns, weaver,
							 a, b, intro, accept, days */

/* Flags of a command table row. */
enum {
	WEFT_CMDF_BEFORE_HELLO = 1 << 0, /* may come before hello (hello itself) */
	WEFT_CMDF_CHANNEL = 1 << 1,      /* names a channel, found (or not_found) before the handler */
	WEFT_CMDF_ADMIN = 1 << 2,        /* administrators only */
};

struct weft_cmd;
struct weft_conn;
struct weft_hub_channel;
struct weft_parse_error;

/* One row of the command table (server/cmd/table.c): the request's name and
 * fields, read by the parse; its flags, policy action and cost, read by the
 * dispatch; its handler, called once all of them passed. */
struct weft_cmd_def {
	const char *name;
	uint64_t fields;                /* WEFT_F_* it accepts */
	uint64_t required;              /* of those, the ones it must carry */
	/* A rule across fields (NULL: none): 0, or a failure filled in err. */
	int (*check)(const struct weft_cmd *cmd, struct weft_parse_error *err);
	/* Runs on the service thread; ch is the named channel (WEFT_CMDF_CHANNEL)
	 * or NULL. Borrows c, cmd (whose owned strings it may steal) and ch. */
	void (*handle)(struct weft_conn *c, struct weft_cmd *cmd, struct weft_hub_channel *ch);
	unsigned flags;                 /* WEFT_CMDF_* */
	int action;                     /* enum weft_action the user needs in ch, or -1 */
	int cost;                       /* tokens taken from the connection's rate bucket */
};

struct weft_cmd_table {
	const struct weft_cmd_def *defs;
	int n;
};

/* The limits a parse enforces (from the config table). */
struct weft_limits {
	int max_body;       /* characters */
	int max_name;       /* characters of channel names */
};

/* ---- Standups and action items: limits and what a request gave. */
#define WEFT_QUESTIONS_MAX 5            /* questions of a standup */
#define WEFT_QUESTION_MAX 200           /* characters of a question */
#define WEFT_ANSWER_MAX 2000            /* characters of an answer */
#define WEFT_BLOCKER_MAX 1000           /* characters of a blocker */
#define WEFT_STANDUP_PAGE_MAX 50        /* standups in one standup.list page (default 10) */
#define WEFT_ITEM_PAGE_MAX 200          /* items in one item.list page (default 100) */
#define WEFT_WINDOW_DEFAULT 60          /* minutes a standup stays open */
#define WEFT_CO_TZ_BYTES 65             /* an IANA zone name and its NUL (weft/tz.h) */

enum {
	WEFT_CO_QUESTIONS = 1 << 0, WEFT_CO_DAYS = 1 << 1, WEFT_CO_TIME = 1 << 2, WEFT_CO_TZ = 1 << 3,
	WEFT_CO_WINDOW = 1 << 4, WEFT_CO_OFF = 1 << 5, WEFT_CO_STANDUP = 1 << 6, WEFT_CO_ANSWERS = 1 << 7,
	WEFT_CO_BLOCKER = 1 << 8, WEFT_CO_TITLE = 1 << 9, WEFT_CO_OWNER = 1 << 10, WEFT_CO_DUE = 1 << 11,
	WEFT_CO_STATUS = 1 << 12, WEFT_CO_MESSAGE = 1 << 13, WEFT_CO_ITEM = 1 << 14, WEFT_CO_AT = 1 << 15,
};

enum weft_item_status { WEFT_ITEM_OPEN = 0, WEFT_ITEM_DONE = 1 };

struct weft_coord_args {
	unsigned set;                   /* WEFT_CO_* keys given */
	char *questions;                /* owned: a JSON array of 1..5 strings */
	int nquestions;
	unsigned days;                  /* bit 0 Sunday .. bit 6 Saturday */
	int minute;                     /* time: minute of the day */
	char tz[WEFT_CO_TZ_BYTES];      /* "" when not given */
	int window;                     /* minutes, 1..1440 */
	bool off;
	int64_t standup;
	char *answers;                  /* owned: a JSON array of strings */
	int nanswers;
	bool said;                      /* an answer or the blocker holds more than white space */
	char *blocker;                  /* owned; "" allowed */
	char *title;                    /* owned */
	int64_t owner;                  /* 0: none (null) */
	bool owner_me;                  /* item.list: owner "me" */
	char due[11];                   /* "YYYY-MM-DD"; "" with WEFT_CO_DUE: none (null) */
	int status;                     /* enum weft_item_status */
	int64_t message;
	int64_t item;
	int64_t before;                 /* standup.list, item.list: an id, 0 none */
	int limit;
	int64_t at_ms;                  /* test.clock */
};

/* The parsers of WEFT_F_STANDUP and WEFT_F_ITEM (proto_coord.c), with the
 * signature of proto.c's field parsers. */
int weft_proto_f_standup(const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd,
			 struct weft_parse_error *err);
int weft_proto_f_item(const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd,
		      struct weft_parse_error *err);
/* Frees what co owns. */
void weft_coord_args_clear(struct weft_coord_args *co);

/* ---- Live sessions and moderation (issue 15): limits and what a request gave. */
#define WEFT_SESSION_TITLE_MAX 200      /* characters of a session's title */
#define WEFT_REASON_MAX 500             /* characters of a report's (or a mute's) reason */
#define WEFT_FLOOR_SECONDS_MAX 3600     /* floor.give's timer */
#define WEFT_MUTE_SECONDS_MAX 31536000  /* a year */
#define WEFT_SLOW_MAX 3600              /* seconds between two sends in slow mode */
#define WEFT_MODLOG_PAGE 50             /* entries in one channel.modlog page */

enum {
	WEFT_ST_TITLE = 1 << 0, WEFT_ST_CONFIDENTIAL = 1 << 1, WEFT_ST_MODE = 1 << 2, WEFT_ST_SECONDS = 1 << 3,
	WEFT_ST_REASON = 1 << 4, WEFT_ST_BAN = 1 << 5, WEFT_ST_SLOW = 1 << 6, WEFT_ST_REPORT = 1 << 7,
	WEFT_ST_ACTION = 1 << 8, WEFT_ST_ORDER = 1 << 9, WEFT_ST_BEFORE = 1 << 10,
};
enum { WEFT_MODE_OPEN = 0, WEFT_MODE_FLOOR = 1 };
enum { WEFT_ORDER_RANDOM = 0, WEFT_ORDER_ALPHA = 1 };

struct weft_stage_args {
	unsigned set;                   /* WEFT_ST_* keys given */
	char *title;                    /* owned: 1..WEFT_SESSION_TITLE_MAX characters, not blank */
	bool confidential;
	int mode;                       /* WEFT_MODE_* */
	int seconds;                    /* 0..WEFT_MUTE_SECONDS_MAX (rows narrow it) */
	char *reason;                   /* owned: 0..WEFT_REASON_MAX characters */
	bool ban;
	int slow;                       /* 0..WEFT_SLOW_MAX */
	int64_t report;
	int action;                     /* WEFT_RESOLVE_* (weft/store.h) */
	int order;                      /* WEFT_ORDER_* */
	int64_t before;                 /* channel.modlog: an entry id, 0 none */
};

/* The parser of WEFT_F_STAGE (proto_stage.c), with proto.c's signature. */
int weft_proto_f_stage(const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd,
		       struct weft_parse_error *err);
/* Frees what a owns. */
void weft_stage_args_clear(struct weft_stage_args *a);
/* ---- Weaving (issue 17): limits and what a request gave. */
#define WEFT_FIND_PAGE_MAX 100          /* people in one user.find page (default 20) */
#define WEFT_PEERS_MAX 50               /* people one peers.suggest lists (default 10) */
#define WEFT_HEALTH_DAYS_MAX 365        /* network.health's window (default 90) */

enum {
	WEFT_WV_Q = 1 << 0, WEFT_WV_JURISDICTION = 1 << 1, WEFT_WV_REGION = 1 << 2, WEFT_WV_FOCUS = 1 << 3,
	WEFT_WV_FOCUS_LIST = 1 << 4, WEFT_WV_AFTER = 1 << 5, WEFT_WV_LIMIT = 1 << 6, WEFT_WV_BIO = 1 << 7,
	WEFT_WV_PRONOUNS = 1 << 8, WEFT_WV_WEAVER = 1 << 9, WEFT_WV_A = 1 << 10, WEFT_WV_B = 1 << 11,
	WEFT_WV_INTRO = 1 << 12, WEFT_WV_ACCEPT = 1 << 13, WEFT_WV_DAYS = 1 << 14,
};

struct weft_weave_args {
	unsigned set;                   /* WEFT_WV_* keys given */
	char q[WEFT_QUERY_MAX * 4 + 1];
	char jurisdiction[WEFT_PROFILE_BYTES]; /* user.find's filters ("" none) */
	char region[WEFT_PROFILE_BYTES];
	char focus[WEFT_TAG_MAX * 4 + 1];
	char *focus_list;               /* owned: a JSON array of distinct tags (profile.update) */
	char after[WEFT_USERNAME_MAX + 1]; /* user.find: the page after this user name */
	int limit;
	char *bio;                      /* owned */
	char pronouns[WEFT_PRONOUNS_BYTES];
	bool weaver;
	int64_t a, b, intro;
	bool accept;
	int days;
};

/* The parser of WEFT_F_WEAVE (proto_weave.c), with the signature of
 * proto.c's field parsers. */
int weft_proto_f_weave(const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd,
		       struct weft_parse_error *err);
/* Frees what wv owns. */
void weft_weave_args_clear(struct weft_weave_args *wv);

struct weft_cmd {
	const struct weft_cmd_def *def; /* the table row of its type */
	char req[WEFT_REQ_BYTES];       /* "" when absent */
	bool has_req;
	int64_t since;                  /* hello */
	int64_t channel;
	int64_t id;                     /* edit, delete */
	int64_t thread;                 /* send: 0 none */
	int64_t before;                 /* history: 0 none */
	int64_t after;                  /* history: -1 none (0 pages from the oldest); channel.list: a
					   channel id, 0 from the start */
	int64_t seq;                    /* read */
	int limit;                      /* history, channel.list */
	bool mine;                      /* channel.list: only the user's, requested or invited */
	int kind, access;               /* channel.create, channel.update; access -1: default/keep */
	int64_t user;                   /* the user acted on */
	bool approve;                   /* channel.decide */
	bool archived;                  /* channel.archive */
	int role;                       /* channel.role */
	int64_t users[WEFT_DM_MAX_OTHERS]; /* dm.open: the other members */
	int nusers;
	int64_t *watch;                 /* presence.watch: owned, distinct, ascending */
	int nwatch;
	char emoji[WEFT_EMOJI_BYTES];   /* react */
	bool on;                        /* react: add; pin: pinned */
	bool unread;                    /* read: move the read position back to seq */
	char q[WEFT_QUERY_MAX * 4 + 1]; /* user.find */
	struct weft_profile profile;    /* admin.user.create; profile.update */
	unsigned profile_set;           /* profile.update: WEFT_PROFILE_* fields present */
	char name[WEFT_CHANNEL_NAME_MAX + 1];
	char client_id[WEFT_CLIENT_ID_BYTES];
	char *body;                     /* send, edit; owned (steal by setting NULL) */
	char *topic;                    /* channel.create; owned */
	char *note;                     /* channel.join; owned */
	struct weft_search_query *search; /* search: owned (steal by setting NULL) */
	int64_t from;                   /* search: an author's id, 0: any */
	int64_t files[WEFT_FILES_PER_MESSAGE]; /* send: distinct file ids, in the order given */
	int nfiles;
	struct weft_coord_args co;      /* standups and action items */
	struct weft_stage_args st;      /* live sessions and moderation */
	struct weft_weave_args wv;      /* weaving (issue 17) */
};

/* The parse result when it fails: a protocol error code name
 * ("bad_request", "too_large") and a static message. */
struct weft_parse_error {
	const char *code;
	const char *message;
};

/* Parses one client frame of len bytes as one of table's requests (borrowed).
 * On success fills *cmd (free with weft_cmd_clear), cmd->def pointing into
 * table, and returns 0. On failure returns WEFT_EINVAL or WEFT_ETOOLARGE,
 * fills *err, and still fills cmd->req / has_req when the frame carried a
 * valid req, so the error can echo it, and cmd->def when the type was
 * known. */
int weft_proto_parse(const char *frame, size_t len, const struct weft_limits *lim,
		     const struct weft_cmd_table *table, struct weft_cmd *cmd,
		     struct weft_parse_error *err);

/* What a JSON text of len bytes must not carry though cJSON would take it:
 * a raw byte below 0x20 inside a string (or outside one, other than JSON's
 * whitespace), or the escape \u0000; either cuts a C string short. Returns
 * a static message, or NULL when there is none. */
const char *weft_proto_text_problem(const char *text, size_t len);

/* Frees what cmd owns. */
void weft_cmd_clear(struct weft_cmd *cmd);

/* Name of a WEFT_E* code on the wire ("not_found", ...). */
const char *weft_proto_code(int err);

/* ---- Encoding of the frequent frames, written directly (weft/jsonw.h)
 * into a frame ready to queue: a new struct weft_frame (weft/hub.h) with one
 * reference, which the caller owns, or NULL on allocation failure. Arguments
 * are borrowed; strings must be valid UTF-8 (they are copied as they are).
 * The bytes are those the cJSON builders printed, except that integers of
 * 10^15 and more are now exact (cJSON printed 15 significant digits). */
struct weft_frame;

/* The `event` frame of ev, encoded once and shared by every recipient:
 * seq, channel, kind, ts, then per kind `message` (message, edit), `id`
 * (delete), `user` and `role` (join, role), `user` (leave), `channel_info`
 * without per-user fields (channel), and `by` when someone other than the
 * subject acted. */
struct weft_frame *weft_proto_event_frame(const struct weft_event *ev);
/* The `history` reply: req when non-empty, channel, messages (n of msgs in
 * order), more. */
struct weft_frame *weft_proto_history_frame(const char *req, int64_t channel,
					    const struct weft_message *msgs, int n, bool more);
/* {"type":type,"req"?,"channel","messages":[…],"more"?}: more absent when
 * NULL (pins). */
struct weft_frame *weft_proto_messages_frame(const char *type, const char *req, int64_t channel,
					     const struct weft_message *msgs, int n, const bool *more);
/* The `results` reply of a search: req when non-empty, messages (each a
 * message object with its `snippet`, newest first), channels (id, name,
 * kind of each channel the messages are in, in order of first
 * appearance), more. */
struct weft_frame *weft_proto_results_frame(const char *req, const struct weft_search_hit *hits, int n, bool more);
/* How many of msgs[0..n) fit in one `history` frame of about budget bytes
 * (at least one when n > 0): the newest (the end of the array) when
 * keep_newest, else the oldest. *first is the index of the first kept. */
int weft_proto_history_fit(const struct weft_message *msgs, int n, size_t budget, bool keep_newest, int *first);
/* The `ack` of a send: req when non-empty, client_id (non-NULL; "" when the
 * client gave none), id, ts (always a time), duplicate: true when set. */
struct weft_frame *weft_proto_ack_frame(const char *req, const char *client_id, int64_t id,
					int64_t ts_ms, bool duplicate);

/* ---- Encoding of the other frames. Each returns a new cJSON object (caller
 * owns) or NULL on allocation failure. */
cJSON *weft_proto_user(const struct weft_user_ref *u);
/* A channel as a client sees it; role WEFT_ROLE_NONE encodes as null. */
cJSON *weft_proto_channel(const struct weft_channel_info *c, int role, int member_count,
			  int64_t last_seq, int unread);
/* {"type":type} with "req" when req is non-empty. */
cJSON *weft_proto_reply(const char *type, const char *req);
/* {"type":"error","req"?, "code","message"}. */
cJSON *weft_proto_error(const char *req, const char *code, const char *message);

/* Serializes and frees obj; returns a malloc'd string or NULL. */
char *weft_proto_print(cJSON *obj, size_t *len);

/* ---- The POST endpoints' JSON bodies (server/proto_http.c), checked here
 * as frames are, so that server/net/http.c only sees typed, bounded values.
 * Each parse reads len bytes of body (any bytes; no NUL needed after them).
 * On success it fills *out and returns 0; on failure it returns WEFT_EINVAL
 * (the endpoint answers 400) or WEFT_EAUTH (401), fills *err with the code
 * and a static message, and leaves *out unspecified. Pure; any thread. The
 * caller owns *out and wipes the password in it when done. */

#define WEFT_LOGIN_NAME_MAX 256 /* bytes of a sign-in's username (more is no user name) */
#define WEFT_TOKEN_NAME_MAX 64  /* bytes, and so characters, of a bearer token's name */
#define WEFT_SIGNUP_LINK_INVALID "this sign-up link is invalid, used or expired"

struct weft_login_body {
	char username[WEFT_LOGIN_NAME_MAX + 1]; /* as given: not checked against the user name rules */
	char password[WEFT_PASSWORD_MAX + 1];
};

/* POST /api/login: an object with string `username` (at most
 * WEFT_LOGIN_NAME_MAX bytes) and `password` (at most WEFT_PASSWORD_MAX
 * bytes). /api/login answers a failure with the code alone. */
int weft_proto_parse_login(const char *body, size_t len, struct weft_login_body *out,
			   struct weft_parse_error *err);

struct weft_signup_body {
	char token[WEFT_TOKEN_LEN + 1]; /* the link's token, exactly WEFT_TOKEN_LEN bytes */
	char password[WEFT_PASSWORD_MAX + 1];
};

/* POST /api/signup: an object with string `token` and `password`; the
 * password has WEFT_PASSWORD_MIN characters (valid UTF-8) to
 * WEFT_PASSWORD_MAX bytes (else WEFT_EINVAL), then a token of any other
 * length than WEFT_TOKEN_LEN is no link's (WEFT_EAUTH, with the message
 * WEFT_SIGNUP_LINK_INVALID). /api/signup answers with code and message. */
int weft_proto_parse_signup(const char *body, size_t len, struct weft_signup_body *out,
			    struct weft_parse_error *err);

struct weft_password_body {
	char old[WEFT_PASSWORD_MAX + 1];
	char new_password[WEFT_PASSWORD_MAX + 1];
};

/* POST /api/password: an object with string `old` (at most
 * WEFT_PASSWORD_MAX bytes) and `new` (WEFT_PASSWORD_MIN characters of
 * valid UTF-8 to WEFT_PASSWORD_MAX bytes). Answers with code and message. */
int weft_proto_parse_password(const char *body, size_t len, struct weft_password_body *out,
			      struct weft_parse_error *err);

struct weft_token_body {
	char name[WEFT_TOKEN_NAME_MAX + 1]; /* valid UTF-8, maybe empty; "token" when not given */
};

/* POST /api/tokens: an empty body, or an object with an optional string
 * `name` of at most WEFT_TOKEN_NAME_MAX bytes of valid UTF-8.
 * /api/tokens answers a failure with the code alone. */
int weft_proto_parse_token(const char *body, size_t len, struct weft_token_body *out,
			   struct weft_parse_error *err);

#endif

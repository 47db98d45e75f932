/* Plain records shared by the store, the protocol encoder and the handlers.
 * No library types. */
#ifndef WEFT_MODEL_H
#define WEFT_MODEL_H

#include "weft/common.h"

#define WEFT_USERNAME_MAX 32            /* characters of [a-z0-9._-] */
#define WEFT_DISPLAY_MAX 64             /* characters */
#define WEFT_DISPLAY_BYTES (WEFT_DISPLAY_MAX * 4 + 1)
#define WEFT_CHANNEL_NAME_MAX 64        /* characters of [a-z0-9-] */
#define WEFT_TOPIC_MAX 250              /* characters */
#define WEFT_TOPIC_BYTES (WEFT_TOPIC_MAX * 4 + 1)
#define WEFT_CLIENT_ID_MAX 64           /* characters */
#define WEFT_CLIENT_ID_BYTES (WEFT_CLIENT_ID_MAX * 4 + 1)
#define WEFT_REQ_MAX 64                 /* characters */
#define WEFT_REQ_BYTES (WEFT_REQ_MAX * 4 + 1)
#define WEFT_NOTE_MAX 500               /* characters of a join request note */
#define WEFT_NOTE_BYTES (WEFT_NOTE_MAX * 4 + 1)
#define WEFT_HISTORY_MAX 200
#define WEFT_DM_MAX_OTHERS 8            /* people in a DM besides the one who opens it */
#define WEFT_QUERY_MAX 64               /* characters of a user.find query */
#define WEFT_PASSWORD_MIN 10            /* characters of a new password */
#define WEFT_HISTORY_DEFAULT 50
#define WEFT_EMOJI_MAX 32               /* characters of a reaction */
#define WEFT_EMOJI_BYTES (WEFT_EMOJI_MAX * 4 + 1)
#define WEFT_REACTIONS_MAX 50           /* different reactions on one message */
#define WEFT_WATCH_MAX 500              /* users one connection's presence.watch follows */
#define WEFT_MENTION_ALL_MAX 500        /* members of a channel where @here and @channel work */
#define WEFT_PINS_MAX 200               /* pinned messages listed by channel.pins */
#define WEFT_HISTORY_PAGE_BYTES (512 * 1024) /* a history page is cut to fit (more: true) */
#define WEFT_UNREAD_CAP 999              /* unread counts stop here */
#define WEFT_ITEM_TITLE_MAX 200          /* characters of an action item's title */
#define WEFT_CHANNEL_PAGE_MAX 500        /* channels in one channel.list page, and its default */
#define WEFT_FILES_PER_MESSAGE 10        /* files one send attaches */
#define WEFT_FILE_NAME_MAX 255           /* characters of an uploaded file's name */
#define WEFT_FILE_NAME_BYTES (WEFT_FILE_NAME_MAX * 4 + 1)
#define WEFT_FILE_TYPE_MAX 127           /* bytes of a media type ("image/png") */
#define WEFT_SHA256_HEX 65               /* a SHA-256 in hex, and its NUL */

enum weft_kind { WEFT_KIND_CAUCUS, WEFT_KIND_COHORT, WEFT_KIND_TEAM, WEFT_KIND_DM, WEFT_KIND_COUNT };
enum weft_access { WEFT_ACCESS_OPEN, WEFT_ACCESS_REQUEST, WEFT_ACCESS_INVITE, WEFT_ACCESS_COUNT };
/* Ordered by power: a higher role can do everything a lower one can. */
enum weft_role { WEFT_ROLE_NONE, WEFT_ROLE_MEMBER, WEFT_ROLE_MODERATOR, WEFT_ROLE_OWNER, WEFT_ROLE_COUNT };

enum weft_event_kind {
	WEFT_EV_MESSAGE = 0,
	WEFT_EV_EDIT = 1,
	WEFT_EV_DELETE = 2,
	WEFT_EV_JOIN = 3,
	WEFT_EV_LEAVE = 4,
	WEFT_EV_CHANNEL = 5,
	WEFT_EV_ROLE = 6,
	WEFT_EV_REACTION = 7,
	WEFT_EV_PIN = 8,
	/* Standups and action items: the payload is JSON kept with the event
	 * (struct weft_event.data). */
	WEFT_EV_STANDUP_CONFIG = 9,
	WEFT_EV_STANDUP = 10,
	WEFT_EV_STANDUP_ANSWER = 11,
	WEFT_EV_ITEM = 12,
	/* Live sessions and moderation (issue 15): data as above. */
	WEFT_EV_SESSION = 13,
	WEFT_EV_MUTE = 14,
};

/* Names on the wire and in the database; *_parse returns -1 when unknown. */
const char *weft_kind_name(int kind);
int weft_kind_parse(const char *s);
const char *weft_access_name(int access);
int weft_access_parse(const char *s);
const char *weft_role_name(int role);
int weft_role_parse(const char *s);
const char *weft_event_kind_name(int kind);
/* The tier a kind gets when channel.create names none. */
int weft_kind_default_access(int kind);

struct weft_user_ref {
	int64_t id;
	char name[WEFT_USERNAME_MAX + 1];
	char display[WEFT_DISPLAY_BYTES];
};

struct weft_message {
	int64_t id;
	int64_t channel;
	int64_t thread;         /* 0: none */
	int64_t ts_ms;
	int64_t edited_ms;      /* 0: never edited */
	struct weft_user_ref author;
	char *body;             /* owned; NULL when deleted */
	char client_id[WEFT_CLIENT_ID_BYTES];
	bool deleted;
	bool pinned;
	int reply_count;        /* replies not deleted, when this is a thread's root */
	int64_t last_reply;     /* the newest of them; 0: none */
	int64_t last_reply_ms;  /* when it was written; 0: none */
	char *reactions;        /* owned JSON array [{"emoji","count","users"}]; NULL: [] */
	char *mentions;         /* owned JSON array of user ids; NULL: [] */
	char *files;            /* owned JSON array [{"id","name","size","type"}]; NULL: [] */
	int64_t confidential;   /* the confidential live session it was sent in; 0: none */
};

/* A thread's root as it stands after an event that changed it. */
struct weft_thread_root {
	int64_t id;             /* 0: the event is not about a reply */
	int reply_count;
	int64_t last_reply;
	int64_t last_reply_ms;
};

struct weft_channel_info {
	int64_t id;
	char name[WEFT_CHANNEL_NAME_MAX + 1];
	int kind;
	int access;
	char topic[WEFT_TOPIC_BYTES];
	bool archived;
	int64_t created_by;
	int64_t created_ms;
};

#define WEFT_PROFILE_MAX 80             /* characters of jurisdiction, region, title */
#define WEFT_PROFILE_BYTES (WEFT_PROFILE_MAX * 4 + 1)
#define WEFT_EMAIL_MAX 254              /* bytes of an e-mail address (RFC 5321's path limit) */

/* Profile fields one update names (struct weft_job, weft_cmd profile_set). */
enum {
	WEFT_PROFILE_DISPLAY = 1 << 0,
	WEFT_PROFILE_JURISDICTION = 1 << 1,
	WEFT_PROFILE_REGION = 1 << 2,
	WEFT_PROFILE_TITLE = 1 << 3,
	/* Weaving (issue 17). */
	WEFT_PROFILE_BIO = 1 << 4,
	WEFT_PROFILE_PRONOUNS = 1 << 5,
	WEFT_PROFILE_FOCUS = 1 << 6,
};

/* ---- Weaving (issue 17): profile fields and introductions. */
#define WEFT_BIO_MAX 500                /* characters of a bio */
#define WEFT_BIO_BYTES (WEFT_BIO_MAX * 4 + 1)
#define WEFT_PRONOUNS_MAX 40            /* characters of pronouns */
#define WEFT_PRONOUNS_BYTES (WEFT_PRONOUNS_MAX * 4 + 1)
#define WEFT_FOCUS_MAX 10               /* focus tags of one profile */
#define WEFT_TAG_MAX 40                 /* characters of a focus tag */
/* The focus tags as a JSON array of strings (a tag has no control
 * character, so escaping at most doubles a byte; quotes and comma). */
#define WEFT_FOCUS_JSON_BYTES (WEFT_FOCUS_MAX * (WEFT_TAG_MAX * 4 * 2 + 3) + 3)
#define WEFT_INTRO_TTL_MS (14LL * 24 * 3600 * 1000) /* an introduction waits this long */

/* An account as the directory and administrators see it. */
struct weft_profile {
	struct weft_user_ref user;
	char jurisdiction[WEFT_PROFILE_BYTES];
	char region[WEFT_PROFILE_BYTES];
	char title[WEFT_PROFILE_BYTES];
	char email[WEFT_EMAIL_MAX + 1]; /* set by an import; "" when unknown; read by exports only */
	bool admin;
	bool active;
	bool has_password;
	/* Weaving (issue 17). */
	char pronouns[WEFT_PRONOUNS_BYTES];
	char bio[WEFT_BIO_BYTES];
	char focus[WEFT_FOCUS_JSON_BYTES]; /* a JSON array of tags, by name */
	bool weaver;                    /* the network role that sees network health */
	bool system;                    /* the system account (weft): no one's profile */
};

struct weft_event {
	int64_t seq;
	int64_t channel;
	int64_t ts_ms;
	int kind;                       /* enum weft_event_kind */
	struct weft_user_ref actor;     /* who did it (join, leave, role, channel, reaction, pin) */
	struct weft_message msg;        /* message, edit; delete, reaction, pin: msg.id only */
	struct weft_thread_root root;   /* message, delete: of a reply, its root now */
	char emoji[WEFT_EMOJI_BYTES];   /* reaction */
	bool on;                        /* reaction: added; pin: pinned */
	struct weft_user_ref user;      /* join, leave, role */
	int role;                       /* join, role */
	struct weft_channel_info chan;  /* channel */
	char *data;                     /* standup.config, standup, standup.answer, item: owned JSON
					   object whose members the event carries */
};

/* An uploaded file as the store keeps it (no bytes: those are in the blob
 * store under sha256). */
struct weft_file_info {
	int64_t id;
	int64_t channel;
	int64_t message;                /* 0: not attached yet */
	int64_t size;                   /* bytes */
	int64_t ts_ms;                  /* the upload's, or the message's for a library entry */
	struct weft_user_ref uploader;  /* the message's author, once attached */
	char name[WEFT_FILE_NAME_BYTES];
	char type[WEFT_FILE_TYPE_MAX + 1];
	char sha256[WEFT_SHA256_HEX];
};

/* Frees what the records own (not the records). */
void weft_message_clear(struct weft_message *m);
void weft_event_clear(struct weft_event *ev);

/* Validation of names shared by the protocol and the command line. */
bool weft_username_valid(const char *s);
bool weft_channel_name_valid(const char *s, int max_chars);

#endif

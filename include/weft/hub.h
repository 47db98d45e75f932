/* In-memory state of the service thread: channels, their members, the users
 * online and their connections, and shared encoded frames. Service thread
 * only; no locking. */
#ifndef WEFT_HUB_H
#define WEFT_HUB_H

#include "weft/model.h"

/* Bytes reserved in front of every frame's payload for the WebSocket
 * header (lws needs LWS_PRE; net/conn.c checks that this is enough). */
#define WEFT_FRAME_PRE 32

/* An encoded server frame, shared by every recipient's queue. */
struct weft_frame {
	uint32_t refs;
	uint32_t len;                  /* payload bytes */
	unsigned char data[];          /* WEFT_FRAME_PRE headroom, then payload */
};

/* Bytes in front of a frame's payload: the header, then WEFT_FRAME_PRE. */
#define WEFT_FRAME_HEAD (offsetof(struct weft_frame, data) + WEFT_FRAME_PRE)

/* Copies payload into a new frame with one reference. NULL on failure. */
struct weft_frame *weft_frame_new(const char *payload, size_t len);
/* Takes ownership of a malloc'd JSON string and frees it. */
struct weft_frame *weft_frame_from_string(char *json, size_t len);
/* Turns a malloc'd block of WEFT_FRAME_HEAD reserved bytes followed by len
 * payload bytes (a weft_jsonw buffer made with that head) into a frame
 * with one reference, without a copy. Takes ownership of block; returns
 * NULL when block is NULL (a failed encode). */
struct weft_frame *weft_frame_adopt(void *block, size_t len);
static inline unsigned char *weft_frame_payload(struct weft_frame *f) { return f->data + WEFT_FRAME_PRE; }
static inline void weft_frame_ref(struct weft_frame *f) { f->refs++; }
void weft_frame_unref(struct weft_frame *f);

struct weft_member {
	int64_t user;
	int role;
	/* Messages others wrote after read_seq, at most WEFT_UNREAD_CAP, as of
	 * the channel's last_seq; -1 when not known (then view.c counts them
	 * in the store once). It sits in what was padding. */
	int32_t unread;
	int32_t mentions;      /* unread messages that mention the user, as unread; -1: not known */
	int64_t read_seq;
	int64_t joined_seq;    /* the seq of this membership's join event */
	int64_t typing_ms;     /* monotonic: the last typing frame sent for this member */
};

/* A sorted set of ids (users or channels): 8 bytes an entry. */
struct weft_idset {
	int64_t *ids;
	int n, cap;
};

struct weft_hub_channel {
	struct weft_channel_info info;
	int64_t last_seq;
	struct weft_member *members;   /* sorted by user */
	int nmembers, cap;
	/* Mirrors of the store's pending join requests and invitations, so a
	 * channel as a user sees it (pending, invited, pending_requests) needs
	 * no read: loaded at start, changed as the writer's jobs complete. */
	struct weft_idset requests;    /* users whose join request is pending */
	struct weft_idset invites;     /* users invited */
};

struct weft_conn;                      /* defined by the connection layer */

struct weft_hub_user {
	int64_t *channels;             /* ids of the channels the user is in */
	int nchannels, cap;
	struct weft_conn *conns;       /* the user's live connections (intrusive list) */
	struct weft_conn **watchers;   /* connections whose presence.watch names the user */
	int nwatchers, capwatchers;
	struct weft_idset invited;     /* channels the user is invited to */
};

struct weft_hub {
	struct weft_hub_channel **channels;   /* indexed by channel id */
	int64_t nchannels_slots;
	struct weft_hub_user **users;         /* indexed by user id */
	int64_t nusers_slots;
};

void weft_hub_init(struct weft_hub *h);
void weft_hub_free(struct weft_hub *h);

/* Adds (or replaces the info of) a channel. Returns it, or NULL on OOM. */
struct weft_hub_channel *weft_hub_channel_put(struct weft_hub *h, const struct weft_channel_info *info,
					      int64_t last_seq);
struct weft_hub_channel *weft_hub_channel_get(struct weft_hub *h, int64_t id);

/* Adds or updates a membership (both the channel's list and the user's).
 * Returns 0 or WEFT_ENOMEM. */
int weft_hub_member_set(struct weft_hub *h, struct weft_hub_channel *c, int64_t user, int role,
			int64_t read_seq);
/* Removes a membership; no-op when absent. */
void weft_hub_member_remove(struct weft_hub *h, struct weft_hub_channel *c, int64_t user);
/* The membership of user in c, or NULL. */
struct weft_member *weft_hub_member(struct weft_hub_channel *c, int64_t user);
/* Role of user in channel (WEFT_ROLE_NONE when not a member or no channel). */
int weft_hub_role(struct weft_hub_channel *c, int64_t user);

/* The user's slot, created when create is true. NULL when absent or OOM. */
struct weft_hub_user *weft_hub_user(struct weft_hub *h, int64_t id, bool create);

/* ---- Join requests and invitations, as the store has them once the jobs
 * that changed them committed. Each set call is idempotent; it returns 0 or
 * WEFT_ENOMEM (then the hub lacks the entry until the next start). */

/* Records (pending) or drops the pending join request of user to c. */
int weft_hub_request_set(struct weft_hub_channel *c, int64_t user, bool pending);
bool weft_hub_requested(const struct weft_hub_channel *c, int64_t user);
/* Records or drops an invitation of user to c, in c and in the user's list. */
int weft_hub_invite_set(struct weft_hub *h, struct weft_hub_channel *c, int64_t user, bool invited);
bool weft_hub_invited(const struct weft_hub_channel *c, int64_t user);
/* Drops every pending request and invitation of user (a deactivation).
 * Walks every channel: rare. */
void weft_hub_withdraw_user(struct weft_hub *h, int64_t user);

/* ---- Unread counts (struct weft_member.unread), kept current by the
 * fan-out in commit order. */

/* A message event of c: seq, written by author, counts for every other
 * member who has not read past it. Call before c->last_seq moves to seq. */
void weft_hub_count_message(struct weft_hub_channel *c, int64_t seq, int64_t author);
/* Message id of c was deleted: the members who may have counted it count
 * again (unread -1), since whether they did depends on when they counted. */
void weft_hub_uncount_message(struct weft_hub_channel *c, int64_t id);
/* A message id of m's channel newly mentions m: one more, if unread. */
void weft_hub_count_mention(struct weft_member *m, int64_t id);
/* Message id of c was edited: the mention counts that may include it are
 * not known any more (an edit can take a mention away). */
void weft_hub_recount_mentions(struct weft_hub_channel *c, int64_t id);
/* m read c up to seq (already at most c->last_seq): read_seq moves forward
 * only; read to the end, nothing is unread, else it is counted again. */
void weft_hub_mark_read(struct weft_hub_channel *c, struct weft_member *m, int64_t seq);
/* "Mark as unread": m's read position moves back to seq (ignored unless
 * it is behind read_seq); the counts are read again when next asked for. */
void weft_hub_mark_unread(struct weft_hub_channel *c, struct weft_member *m, int64_t seq);

#endif

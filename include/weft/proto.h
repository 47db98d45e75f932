/* The wire protocol: client frames parsed into typed, bounded commands, and
 * server frames encoded as JSON. Pure: no I/O, no globals; any thread. */
#ifndef WEFT_PROTO_H
#define WEFT_PROTO_H

#include <cjson/cJSON.h>
#include "weft/model.h"

#define WEFT_MEMBERS_MAX 8       /* other users of a DM */

enum weft_cmd_type {
	WEFT_CMD_HELLO,
	WEFT_CMD_PING,
	WEFT_CMD_SEND,
	WEFT_CMD_EDIT,
	WEFT_CMD_DELETE,
	WEFT_CMD_HISTORY,
	WEFT_CMD_READ,
	WEFT_CMD_CHANNEL_CREATE,
	WEFT_CMD_CHANNEL_LIST,
	WEFT_CMD_CHANNEL_JOIN,
	WEFT_CMD_CHANNEL_LEAVE,
	WEFT_CMD_CHANNEL_MEMBERS,
	WEFT_CMD_CHANNEL_REQUESTS,
	WEFT_CMD_CHANNEL_DECIDE,
	WEFT_CMD_CHANNEL_INVITE,
	WEFT_CMD_CHANNEL_UNINVITE,
	WEFT_CMD_CHANNEL_REMOVE,
	WEFT_CMD_CHANNEL_ROLE,
	WEFT_CMD_CHANNEL_UPDATE,
	WEFT_CMD_CHANNEL_ARCHIVE,
	WEFT_CMD_DM_OPEN,
	WEFT_CMD_USER_FIND,
	WEFT_CMD_ADMIN_USER_CREATE,
	WEFT_CMD_ADMIN_USER_INVITE,
	WEFT_CMD_ADMIN_USER_RESET,
	WEFT_CMD_ADMIN_USER_DEACTIVATE,
	WEFT_CMD_ADMIN_USER_REACTIVATE,
	WEFT_CMD_COUNT
};

/* The limits a parse enforces (from the config table). */
struct weft_limits {
	int max_body;       /* characters */
	int max_name;       /* characters of channel names */
};

struct weft_cmd {
	int type;                       /* enum weft_cmd_type */
	char req[WEFT_REQ_BYTES];       /* "" when absent */
	bool has_req;
	int64_t since;                  /* hello */
	int64_t channel;
	int64_t id;                     /* edit, delete */
	int64_t thread;                 /* send: 0 none */
	int64_t before;                 /* history: 0 none */
	int64_t after;                  /* history: -1 none (0 pages from the oldest) */
	int64_t seq;                    /* read */
	int limit;                      /* history */
	int kind, access;               /* channel.create, channel.update; access -1: default/keep */
	int64_t user;                   /* the user acted on */
	bool approve;                   /* channel.decide */
	bool archived;                  /* channel.archive */
	int role;                       /* channel.role */
	int64_t users[8];               /* dm.open: the other members */
	int nusers;
	char q[257];                    /* user.find: up to 64 characters */
	struct weft_profile profile;    /* admin.user.create */
	char name[WEFT_CHANNEL_NAME_MAX + 1];
	char client_id[WEFT_CLIENT_ID_BYTES];
	char *body;                     /* send, edit; owned (steal by setting NULL) */
	char *topic;                    /* channel.create; owned */
	char *note;                     /* channel.join; owned */
};

/* The parse result when it fails: a protocol error code name
 * ("bad_request", "too_large") and a static message. */
struct weft_parse_error {
	const char *code;
	const char *message;
};

/* Parses one client frame of len bytes. On success fills *cmd (free with
 * weft_cmd_clear) and returns 0. On failure returns WEFT_EINVAL or
 * WEFT_ETOOLARGE, fills *err, and still fills cmd->req / has_req when the
 * frame carried a valid req, so the error can echo it. */
int weft_proto_parse(const char *frame, size_t len, const struct weft_limits *lim,
		     struct weft_cmd *cmd, struct weft_parse_error *err);

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

#endif

/* The reference for the direct encoders of proto.c: the cJSON builders they
 * replaced (weft_proto_message, weft_proto_event, and the history and ack
 * replies of cmd.c), kept verbatim apart from their names. Printed with
 * cJSON_PrintUnformatted, they give the bytes weftd sent before; the
 * direct encoders must send the same. Shared by tests/unit/test_proto.c and
 * tests/bench/bench_encode.c; header-only, static. */
#ifndef WEFT_TEST_PROTO_REF_H
#define WEFT_TEST_PROTO_REF_H

#include <string.h>

#include "weft/proto.h"

static inline void ref_add_time(cJSON *o, const char *key, int64_t ms)
{
	if (!ms) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	char iso[WEFT_ISO_LEN];
	weft_iso8601(ms, iso);
	cJSON_AddStringToObject(o, key, iso);
}

static inline void ref_add_id_or_null(cJSON *o, const char *key, int64_t v)
{
	if (v)
		cJSON_AddNumberToObject(o, key, (double)v);
	else
		cJSON_AddNullToObject(o, key);
}

static inline cJSON *ref_message(const struct weft_message *m)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)m->id);
	cJSON_AddNumberToObject(o, "channel", (double)m->channel);
	cJSON_AddItemToObject(o, "author", weft_proto_user(&m->author));
	if (m->deleted || !m->body) {
		cJSON_AddNullToObject(o, "body");
		cJSON_AddTrueToObject(o, "deleted");
	} else {
		cJSON_AddStringToObject(o, "body", m->body);
	}
	ref_add_id_or_null(o, "thread", m->thread);
	if (m->client_id[0])
		cJSON_AddStringToObject(o, "client_id", m->client_id);
	else
		cJSON_AddNullToObject(o, "client_id");
	ref_add_time(o, "ts", m->ts_ms);
	ref_add_time(o, "edited", m->deleted ? 0 : m->edited_ms);
	cJSON_AddNumberToObject(o, "reply_count", m->reply_count);
	ref_add_id_or_null(o, "last_reply", m->last_reply);
	ref_add_time(o, "last_reply_ts", m->last_reply ? m->last_reply_ms : 0);
	cJSON_AddItemToObject(o, "reactions", cJSON_Parse(m->reactions ? m->reactions : "[]"));
	cJSON_AddItemToObject(o, "mentions", cJSON_Parse(m->mentions ? m->mentions : "[]"));
	cJSON_AddItemToObject(o, "files", cJSON_Parse(m->files ? m->files : "[]"));
	cJSON_AddBoolToObject(o, "pinned", m->pinned);
	return o;
}

static inline cJSON *ref_event(const struct weft_event *ev)
{
	cJSON *o = weft_proto_reply("event", NULL);
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
	cJSON_AddNumberToObject(o, "channel", (double)ev->channel);
	cJSON_AddStringToObject(o, "kind", weft_event_kind_name(ev->kind));
	ref_add_time(o, "ts", ev->ts_ms);
	switch (ev->kind) {
	case WEFT_EV_MESSAGE:
	case WEFT_EV_EDIT:
		cJSON_AddItemToObject(o, "message", ref_message(&ev->msg));
		break;
	case WEFT_EV_DELETE:
		cJSON_AddNumberToObject(o, "id", (double)ev->msg.id);
		break;
	case WEFT_EV_REACTION:
		cJSON_AddNumberToObject(o, "id", (double)ev->msg.id);
		cJSON_AddStringToObject(o, "emoji", ev->emoji);
		cJSON_AddItemToObject(o, "user", weft_proto_user(&ev->actor));
		cJSON_AddBoolToObject(o, "on", ev->on);
		break;
	case WEFT_EV_PIN:
		cJSON_AddNumberToObject(o, "id", (double)ev->msg.id);
		cJSON_AddBoolToObject(o, "pinned", ev->on);
		cJSON_AddItemToObject(o, "by", weft_proto_user(&ev->actor));
		break;
	case WEFT_EV_JOIN:
	case WEFT_EV_ROLE:
		cJSON_AddItemToObject(o, "user", weft_proto_user(&ev->user));
		cJSON_AddStringToObject(o, "role", weft_role_name(ev->role ? ev->role : WEFT_ROLE_MEMBER));
		break;
	case WEFT_EV_LEAVE:
		cJSON_AddItemToObject(o, "user", weft_proto_user(&ev->user));
		break;
	case WEFT_EV_CHANNEL: {
		cJSON *ci = weft_proto_channel(&ev->chan, WEFT_ROLE_NONE, 0, ev->seq, 0);
		cJSON_DeleteItemFromObjectCaseSensitive(ci, "member_count");
		cJSON_DeleteItemFromObjectCaseSensitive(ci, "role");
		cJSON_DeleteItemFromObjectCaseSensitive(ci, "unread");
		cJSON_DeleteItemFromObjectCaseSensitive(ci, "last_seq");
		cJSON_AddItemToObject(o, "channel_info", ci);
		break;
	}
	}
	if (ev->actor.id && (ev->kind == WEFT_EV_CHANNEL || ev->actor.id != ev->user.id) &&
	    ev->kind >= WEFT_EV_JOIN && ev->kind <= WEFT_EV_ROLE)
		cJSON_AddItemToObject(o, "by", weft_proto_user(&ev->actor));
	if (ev->root.id && (ev->kind == WEFT_EV_MESSAGE || ev->kind == WEFT_EV_DELETE)) {
		cJSON *r = cJSON_AddObjectToObject(o, "root");
		cJSON_AddNumberToObject(r, "id", (double)ev->root.id);
		cJSON_AddNumberToObject(r, "reply_count", ev->root.reply_count);
		ref_add_id_or_null(r, "last_reply", ev->root.last_reply);
		ref_add_time(r, "last_reply_ts", ev->root.last_reply ? ev->root.last_reply_ms : 0);
	}
	return o;
}

/* cmd.c on_history before the direct writer. */
static inline cJSON *ref_history(const char *req, int64_t channel, const struct weft_message *msgs,
				 int n, bool more)
{
	cJSON *r = weft_proto_reply("history", req);
	cJSON_AddNumberToObject(r, "channel", (double)channel);
	cJSON *arr = cJSON_AddArrayToObject(r, "messages");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, ref_message(&msgs[i]));
	cJSON_AddBoolToObject(r, "more", more);
	return r;
}

/* cmd.c ack_done before the direct writer. */
static inline cJSON *ref_ack(const char *req, const char *client_id, int64_t id, int64_t ts_ms,
			     bool duplicate)
{
	cJSON *a = weft_proto_reply("ack", req);
	cJSON_AddStringToObject(a, "client_id", client_id);
	cJSON_AddNumberToObject(a, "id", (double)id);
	char iso[WEFT_ISO_LEN];
	weft_iso8601(ts_ms, iso);
	cJSON_AddStringToObject(a, "ts", iso);
	if (duplicate)
		cJSON_AddTrueToObject(a, "duplicate");
	return a;
}

#endif

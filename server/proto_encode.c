/* The wire protocol's server side: frames encoded as JSON, through cJSON
 * for the rare ones and written directly for the hot ones (events, history,
 * acks). Pure: no I/O, no globals; any thread. The parse of client frames
 * is in proto.c. */
#include "weft/proto.h"

#include "weft/hub.h"
#include "weft/jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Encoding. */

cJSON *weft_proto_user(const struct weft_user_ref *u)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)u->id);
	cJSON_AddStringToObject(o, "name", u->name);
	cJSON_AddStringToObject(o, "display", u->display[0] ? u->display : u->name);
	return o;
}

cJSON *weft_proto_channel(const struct weft_channel_info *c, int role, int member_count,
			  int64_t last_seq, int unread)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)c->id);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "kind", weft_kind_name(c->kind));
	cJSON_AddStringToObject(o, "access", weft_access_name(c->access));
	cJSON_AddStringToObject(o, "topic", c->topic);
	cJSON_AddBoolToObject(o, "archived", c->archived);
	cJSON_AddNumberToObject(o, "member_count", member_count);
	if (role > WEFT_ROLE_NONE)
		cJSON_AddStringToObject(o, "role", weft_role_name(role));
	else
		cJSON_AddNullToObject(o, "role");
	cJSON_AddNumberToObject(o, "last_seq", (double)last_seq);
	cJSON_AddNumberToObject(o, "unread", unread);
	return o;
}

cJSON *weft_proto_reply(const char *type, const char *req)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "type", type);
	if (req && *req)
		cJSON_AddStringToObject(o, "req", req);
	return o;
}

cJSON *weft_proto_error(const char *req, const char *code, const char *message)
{
	cJSON *o = weft_proto_reply("error", req);
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "code", code);
	cJSON_AddStringToObject(o, "message", message);
	return o;
}

char *weft_proto_print(cJSON *obj, size_t *len)
{
	if (!obj)
		return NULL;
	char *s = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (s && len)
		*len = strlen(s);
	return s;
}

/* ---- Direct encoding of the hot frames (event, history, ack). Each writes
 * the bytes the cJSON builders it replaced printed: same keys in the same
 * order, null where they put null, absent where they left a key out (those
 * builders live on in tests/unit/proto_ref.h, the reference test_proto.c
 * compares with). Only integers of 10^15 and more differ: exact now. */

/* A key, spelled as a literal: the quoted key and colon, and their length
 * (written whole, without an escape scan). */
#define K(lit) "\"" lit "\":", sizeof("\"" lit "\":") - 1

/* The time as a JSON string; nothing in it needs escaping. */
static void w_iso(struct weft_jsonw *w, int64_t ms)
{
	char iso[WEFT_ISO_LEN + 2];
	iso[0] = '"';
	size_t n = weft_iso8601(ms, iso + 1);
	iso[n + 1] = '"';
	weft_jsonw_value_raw(w, iso, n + 2);
}

/* "key":"<ISO time>", or null when ms is 0 (never happened). */
static void w_time(struct weft_jsonw *w, const char *key, size_t klen, int64_t ms)
{
	weft_jsonw_key_raw(w, key, klen);
	if (ms)
		w_iso(w, ms);
	else
		weft_jsonw_null(w);
}

static void w_int(struct weft_jsonw *w, const char *key, size_t klen, int64_t v)
{
	weft_jsonw_key_raw(w, key, klen);
	weft_jsonw_int(w, v);
}

static void w_str(struct weft_jsonw *w, const char *key, size_t klen, const char *s)
{
	weft_jsonw_key_raw(w, key, klen);
	weft_jsonw_string(w, s);
}

/* As weft_proto_user. */
static void w_user(struct weft_jsonw *w, const char *key, size_t klen, const struct weft_user_ref *u)
{
	weft_jsonw_key_raw(w, key, klen);
	weft_jsonw_object_open(w);
	w_int(w, K("id"), u->id);
	w_str(w, K("name"), u->name);
	w_str(w, K("display"), u->display[0] ? u->display : u->name);
	weft_jsonw_object_close(w);
}

/* A message object's members, without its braces. */
static void w_message_fields(struct weft_jsonw *w, const struct weft_message *m)
{
	w_int(w, K("id"), m->id);
	w_int(w, K("channel"), m->channel);
	w_user(w, K("author"), &m->author);
	WEFT_JSONW_KEY(w, "body");
	if (m->deleted || !m->body) {
		weft_jsonw_null(w);
		WEFT_JSONW_KEY(w, "deleted");
		weft_jsonw_bool(w, true);
	} else {
		weft_jsonw_string(w, m->body);
	}
	WEFT_JSONW_KEY(w, "thread");
	if (m->thread)
		weft_jsonw_int(w, m->thread);
	else
		weft_jsonw_null(w);
	w_str(w, K("client_id"), m->client_id[0] ? m->client_id : NULL);
	w_time(w, K("ts"), m->ts_ms);
	w_time(w, K("edited"), m->deleted ? 0 : m->edited_ms);
	w_int(w, K("reply_count"), m->reply_count);
	WEFT_JSONW_KEY(w, "last_reply");
	if (m->last_reply)
		weft_jsonw_int(w, m->last_reply);
	else
		weft_jsonw_null(w);
	w_time(w, K("last_reply_ts"), m->last_reply ? m->last_reply_ms : 0);
	/* Built by SQLite as JSON (or, for a new message, by the writer). */
	WEFT_JSONW_KEY(w, "reactions");
	weft_jsonw_value_raw(w, m->reactions ? m->reactions : "[]", m->reactions ? strlen(m->reactions) : 2);
	WEFT_JSONW_KEY(w, "mentions");
	weft_jsonw_value_raw(w, m->mentions ? m->mentions : "[]", m->mentions ? strlen(m->mentions) : 2);
	WEFT_JSONW_KEY(w, "files");
	weft_jsonw_value_raw(w, m->files ? m->files : "[]", m->files ? strlen(m->files) : 2);
	WEFT_JSONW_KEY(w, "pinned");
	weft_jsonw_bool(w, m->pinned);
	if (m->confidential) { /* issue 15: sent in a confidential live session */
		WEFT_JSONW_KEY(w, "confidential");
		weft_jsonw_bool(w, true);
	}
}

static void w_message(struct weft_jsonw *w, const struct weft_message *m)
{
	weft_jsonw_object_open(w);
	w_message_fields(w, m);
	weft_jsonw_object_close(w);
}

/* "root": a reply's thread summary after the event. */
static void w_root(struct weft_jsonw *w, const struct weft_thread_root *r)
{
	WEFT_JSONW_KEY(w, "root");
	weft_jsonw_object_open(w);
	w_int(w, K("id"), r->id);
	w_int(w, K("reply_count"), r->reply_count);
	WEFT_JSONW_KEY(w, "last_reply");
	if (r->last_reply)
		weft_jsonw_int(w, r->last_reply);
	else
		weft_jsonw_null(w);
	w_time(w, K("last_reply_ts"), r->last_reply ? r->last_reply_ms : 0);
	weft_jsonw_object_close(w);
}

/* {"type":type,"req"?: the start of every reply (as weft_proto_reply). */
static void w_reply(struct weft_jsonw *w, const char *type, const char *req)
{
	weft_jsonw_object_open(w);
	w_str(w, K("type"), type);
	if (req && *req)
		w_str(w, K("req"), req);
}

/* Closes the document and hands its buffer to a frame (NULL on failure). */
static struct weft_frame *w_frame(struct weft_jsonw *w)
{
	weft_jsonw_object_close(w);
	size_t len = 0;
	char *block = weft_jsonw_finish(w, &len);
	return weft_frame_adopt(block, len);
}

/* Output bytes of a message besides its body: keys, ids, two times, and
 * room for a typical author and client_id. Only a sizing hint. */
#define MESSAGE_HINT 400

/* Bytes of the JSON arrays a message carries as they are. */
static size_t extras_size(const struct weft_message *m)
{
	return (m->reactions ? strlen(m->reactions) : 2) + (m->mentions ? strlen(m->mentions) : 2) +
	       (m->files ? strlen(m->files) : 2);
}

/* The members of data (a JSON object SQLite built when the event was
 * written: {"standup":{…}}, {"item":{…}}), spliced into the open object;
 * nothing when data is NULL or not an object. */
static void w_splice(struct weft_jsonw *w, const char *data)
{
	size_t n = data ? strlen(data) : 0;
	if (n > 2 && data[0] == '{' && data[n - 1] == '}') {
		weft_jsonw_sep(w);
		weft_jsonw_raw(w, data + 1, n - 2);
		w->comma = true;
	}
}

struct weft_frame *weft_proto_event_frame(const struct weft_event *ev)
{
	struct weft_jsonw w;
	bool has_msg = ev->kind == WEFT_EV_MESSAGE || ev->kind == WEFT_EV_EDIT;
	weft_jsonw_init(&w, WEFT_FRAME_HEAD,
			MESSAGE_HINT + (has_msg && ev->msg.body ? strlen(ev->msg.body) : 0) +
				(has_msg ? extras_size(&ev->msg) : 0) + (ev->data ? strlen(ev->data) : 0), 0);
	w_reply(&w, "event", NULL);
	w_int(&w, K("seq"), ev->seq);
	w_int(&w, K("channel"), ev->channel);
	w_str(&w, K("kind"), weft_event_kind_name(ev->kind));
	w_time(&w, K("ts"), ev->ts_ms);
	switch (ev->kind) {
	case WEFT_EV_MESSAGE:
	case WEFT_EV_EDIT:
		WEFT_JSONW_KEY(&w, "message");
		w_message(&w, &ev->msg);
		break;
	case WEFT_EV_DELETE:
		w_int(&w, K("id"), ev->msg.id);
		break;
	case WEFT_EV_REACTION:
		w_int(&w, K("id"), ev->msg.id);
		w_str(&w, K("emoji"), ev->emoji);
		w_user(&w, K("user"), &ev->actor);
		WEFT_JSONW_KEY(&w, "on");
		weft_jsonw_bool(&w, ev->on);
		break;
	case WEFT_EV_PIN:
		w_int(&w, K("id"), ev->msg.id);
		WEFT_JSONW_KEY(&w, "pinned");
		weft_jsonw_bool(&w, ev->on);
		w_user(&w, K("by"), &ev->actor);
		break;
	case WEFT_EV_JOIN:
	case WEFT_EV_ROLE:
		w_user(&w, K("user"), &ev->user);
		w_str(&w, K("role"), weft_role_name(ev->role ? ev->role : WEFT_ROLE_MEMBER));
		break;
	case WEFT_EV_LEAVE:
		w_user(&w, K("user"), &ev->user);
		break;
	case WEFT_EV_CHANNEL:
		/* The channel's own fields, in weft_proto_channel's order; the
		 * per-user ones (member_count, role, last_seq, unread) do not
		 * belong in a frame shared by every member. */
		WEFT_JSONW_KEY(&w, "channel_info");
		weft_jsonw_object_open(&w);
		w_int(&w, K("id"), ev->chan.id);
		w_str(&w, K("name"), ev->chan.name);
		w_str(&w, K("kind"), weft_kind_name(ev->chan.kind));
		w_str(&w, K("access"), weft_access_name(ev->chan.access));
		w_str(&w, K("topic"), ev->chan.topic);
		WEFT_JSONW_KEY(&w, "archived");
		weft_jsonw_bool(&w, ev->chan.archived);
		weft_jsonw_object_close(&w);
		w_splice(&w, ev->data); /* "slow" (issue 15) */
		break;
	case WEFT_EV_STANDUP_CONFIG:
	case WEFT_EV_STANDUP:
	case WEFT_EV_STANDUP_ANSWER:
	case WEFT_EV_ITEM:
	case WEFT_EV_SESSION: /* issue 15: {"session":{…}} */
	case WEFT_EV_MUTE:    /* issue 15: {"user","until","by","reason"} */
		w_splice(&w, ev->data);
		break;
	}
	/* Who acted, when someone other than the subject did (an approval, a
	 * removal, a role change, a channel edit). */
	if (ev->actor.id && (ev->kind == WEFT_EV_CHANNEL || ev->actor.id != ev->user.id) &&
	    ev->kind >= WEFT_EV_JOIN && ev->kind <= WEFT_EV_ROLE)
		w_user(&w, K("by"), &ev->actor);
	if (ev->root.id && (ev->kind == WEFT_EV_MESSAGE || ev->kind == WEFT_EV_DELETE))
		w_root(&w, &ev->root);
	return w_frame(&w);
}

/* Bytes of m in a history frame: its strings as escaped, and a bound on
 * the rest (keys, ids, two times). */
static size_t message_size(const struct weft_message *m)
{
	return MESSAGE_HINT + weft_jsonw_string_size(m->deleted ? NULL : m->body) +
	       weft_jsonw_string_size(m->author.name) + weft_jsonw_string_size(m->author.display) +
	       weft_jsonw_string_size(m->client_id) + extras_size(m);
}

int weft_proto_history_fit(const struct weft_message *msgs, int n, size_t budget, bool keep_newest, int *first)
{
	/* Most pages are far below the budget even if every byte were escaped
	 * (six bytes for one): no need to measure them. */
	size_t bound = 0;
	for (int i = 0; i < n; i++)
		bound += 2 * MESSAGE_HINT + 6 * (msgs[i].body ? strlen(msgs[i].body) : 0) + extras_size(&msgs[i]);
	int keep = n;
	if (bound > budget) {
		size_t used = 0;
		for (keep = 0; keep < n; keep++) {
			size_t sz = message_size(&msgs[keep_newest ? n - 1 - keep : keep]);
			if (keep && used + sz > budget)
				break;
			used += sz;
		}
	}
	*first = keep_newest ? n - keep : 0;
	return keep;
}

struct weft_frame *weft_proto_messages_frame(const char *type, const char *req, int64_t channel,
					     const struct weft_message *msgs, int n, const bool *more)
{
	size_t hint = 128;
	for (int i = 0; i < n; i++)
		hint += MESSAGE_HINT + (msgs[i].body ? strlen(msgs[i].body) : 0) + extras_size(&msgs[i]);
	struct weft_jsonw w;
	weft_jsonw_init(&w, WEFT_FRAME_HEAD, hint, 0);
	w_reply(&w, type, req);
	w_int(&w, K("channel"), channel);
	WEFT_JSONW_KEY(&w, "messages");
	weft_jsonw_array_open(&w);
	for (int i = 0; i < n; i++)
		w_message(&w, &msgs[i]);
	weft_jsonw_array_close(&w);
	if (more) {
		WEFT_JSONW_KEY(&w, "more");
		weft_jsonw_bool(&w, *more);
	}
	return w_frame(&w);
}

struct weft_frame *weft_proto_history_frame(const char *req, int64_t channel,
					    const struct weft_message *msgs, int n, bool more)
{
	return weft_proto_messages_frame("history", req, channel, msgs, n, &more);
}

struct weft_frame *weft_proto_ack_frame(const char *req, const char *client_id, int64_t id,
					int64_t ts_ms, bool duplicate)
{
	struct weft_jsonw w;
	weft_jsonw_init(&w, WEFT_FRAME_HEAD, 128 + strlen(client_id), 0);
	w_reply(&w, "ack", req);
	w_str(&w, K("client_id"), client_id);
	w_int(&w, K("id"), id);
	WEFT_JSONW_KEY(&w, "ts");
	w_iso(&w, ts_ms); /* a time even for 0: the commit's, never absent */
	if (duplicate) {
		WEFT_JSONW_KEY(&w, "duplicate");
		weft_jsonw_bool(&w, true);
	}
	return w_frame(&w);
}

/* A search hit's snippet (marked by the store: weft/search.h) as the
 * contract's "snippet", each match in [[ ]], and as "snippet_parts": the
 * text between the marks, unmatched and matched in turn from an unmatched
 * piece (maybe ""; never an empty last one), so that a body's own [[ or ]]
 * stays text. A mark out of turn is dropped. */
static void w_snippet(struct weft_jsonw *w, const char *marked)
{
	const char open = WEFT_SNIPPET_OPEN[0], close = WEFT_SNIPPET_CLOSE[0];
	size_t n = strlen(marked), k = 0;
	char stack[1024], *buf = 2 * n < sizeof stack ? stack : malloc(2 * n + 1);
	if (!buf) {
		w->failed = true;
		return;
	}
	for (const char *p = marked; *p; p++) {
		if (*p == open || *p == close) {
			buf[k++] = *p == open ? '[' : ']';
			buf[k++] = *p == open ? '[' : ']';
		} else {
			buf[k++] = *p;
		}
	}
	WEFT_JSONW_KEY(w, "snippet");
	weft_jsonw_string_len(w, buf, k);
	WEFT_JSONW_KEY(w, "snippet_parts");
	weft_jsonw_array_open(w);
	bool in_match = false;
	k = 0;
	for (const char *p = marked;; p++) {
		if (!*p || *p == (in_match ? close : open)) {
			if (*p || k || p == marked) /* no empty last piece, but one at least */
				weft_jsonw_string_len(w, buf, k);
			if (!*p)
				break;
			in_match = !in_match;
			k = 0;
		} else if (*p != open && *p != close) {
			buf[k++] = *p;
		}
	}
	weft_jsonw_array_close(w);
	if (buf != stack)
		free(buf);
}

struct weft_frame *weft_proto_results_frame(const char *req, const struct weft_search_hit *hits, int n, bool more)
{
	size_t hint = 128;
	for (int i = 0; i < n; i++)
		hint += 2 * MESSAGE_HINT + (hits[i].msg.body ? strlen(hits[i].msg.body) : 0) +
			3 * (hits[i].snippet ? strlen(hits[i].snippet) : 0) + extras_size(&hits[i].msg);
	struct weft_jsonw w;
	weft_jsonw_init(&w, WEFT_FRAME_HEAD, hint, 0);
	w_reply(&w, "results", req);
	WEFT_JSONW_KEY(&w, "messages");
	weft_jsonw_array_open(&w);
	for (int i = 0; i < n; i++) {
		weft_jsonw_object_open(&w);
		w_message_fields(&w, &hits[i].msg);
		w_snippet(&w, hits[i].snippet ? hits[i].snippet : "");
		weft_jsonw_object_close(&w);
	}
	weft_jsonw_array_close(&w);
	/* The channels of the page, once each: a result may come from an open
	 * channel the client has never listed. */
	WEFT_JSONW_KEY(&w, "channels");
	weft_jsonw_array_open(&w);
	for (int i = 0; i < n; i++) {
		int k = 0;
		while (k < i && hits[k].msg.channel != hits[i].msg.channel)
			k++;
		if (k < i)
			continue;
		weft_jsonw_object_open(&w);
		w_int(&w, K("id"), hits[i].msg.channel);
		w_str(&w, K("name"), hits[i].channel_name);
		w_str(&w, K("kind"), weft_kind_name(hits[i].channel_kind));
		weft_jsonw_object_close(&w);
	}
	weft_jsonw_array_close(&w);
	WEFT_JSONW_KEY(&w, "more");
	weft_jsonw_bool(&w, more);
	return w_frame(&w);
}

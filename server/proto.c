/* JSON <-> typed commands. Every client input is validated here against
 * named limits, so handlers only see typed, bounded values. */
#define _GNU_SOURCE /* memmem */
#include "weft/proto.h"

#include "weft/hub.h"
#include "weft/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *weft_proto_code(int err)
{
	switch (err) {
	case WEFT_EINVAL: return "bad_request";
	case WEFT_EAUTH: return "unauthorized";
	case WEFT_EFORBIDDEN: return "forbidden";
	case WEFT_ENOTFOUND: return "not_found";
	case WEFT_ECONFLICT: return "conflict";
	case WEFT_ERATE: return "rate_limited";
	case WEFT_ETOOLARGE: return "too_large";
	case WEFT_EBUSY: return "unavailable";
	default: return "internal";
	}
}

static int fail(struct weft_parse_error *err, int rc, const char *message)
{
	err->code = weft_proto_code(rc);
	err->message = message;
	return rc;
}

/* A JSON number that is a whole number in [min, 2^53]. */
static int get_int(const cJSON *obj, const char *key, bool required, int64_t min, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return required ? WEFT_EINVAL : WEFT_OK;
	if (!cJSON_IsNumber(v))
		return WEFT_EINVAL;
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < (double)min || d > 9007199254740992.0)
		return WEFT_EINVAL;
	*out = (int64_t)d;
	return WEFT_OK;
}

/* A string of at most max characters (valid UTF-8; cJSON has decoded the
 * escapes). Returns the string borrowed from obj, or NULL when absent. */
static int get_str(const cJSON *obj, const char *key, bool required, long max, const char **out,
		   long *chars)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return required ? WEFT_EINVAL : WEFT_OK;
	if (!cJSON_IsString(v) || !v->valuestring)
		return WEFT_EINVAL;
	long n = weft_utf8_len(v->valuestring, strlen(v->valuestring));
	if (n < 0)
		return WEFT_EINVAL;
	if (n > max)
		return WEFT_ETOOLARGE;
	if (chars)
		*chars = n;
	*out = v->valuestring;
	return WEFT_OK;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static int get_bool(const cJSON *root, const char *key, bool required, bool dflt, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!v || cJSON_IsNull(v)) {
		*out = dflt;
		return required ? WEFT_EINVAL : WEFT_OK;
	}
	if (!cJSON_IsBool(v))
		return WEFT_EINVAL;
	*out = cJSON_IsTrue(v);
	return WEFT_OK;
}

/* ---- The fields. Each parser reads its keys from root into cmd; required
 * says whether the row needs them. */

#define FIELD_ARGS const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd, \
	struct weft_parse_error *err

static int f_since(FIELD_ARGS)
{
	/* -1: a client with no history wants no replay, only what comes next. */
	if (get_int(root, "since", required, -1, &cmd->since))
		return fail(err, WEFT_EINVAL, "since must be an integer of at least -1");
	return WEFT_OK;
}

static int f_channel(FIELD_ARGS)
{
	if (get_int(root, "channel", required, 1, &cmd->channel))
		return fail(err, WEFT_EINVAL, "channel must be a positive integer id");
	return WEFT_OK;
}

static int f_user(FIELD_ARGS)
{
	if (get_int(root, "user", required, 1, &cmd->user))
		return fail(err, WEFT_EINVAL, "user must be a positive integer id");
	return WEFT_OK;
}

static int f_id(FIELD_ARGS)
{
	if (get_int(root, "id", required, 1, &cmd->id))
		return fail(err, WEFT_EINVAL, "id must be a message id");
	return WEFT_OK;
}

static int f_thread(FIELD_ARGS)
{
	if (get_int(root, "thread", required, 1, &cmd->thread))
		return fail(err, WEFT_EINVAL, "thread must be a message id");
	return WEFT_OK;
}

static int f_client_id(FIELD_ARGS)
{
	const char *s;
	int rc = get_str(root, "client_id", required, WEFT_CLIENT_ID_MAX, &s, NULL);
	if (rc || (s && !*s))
		return fail(err, WEFT_EINVAL, "client_id must be a string of 1 to 64 characters");
	if (s)
		strcpy(cmd->client_id, s);
	return WEFT_OK;
}

static int f_name(FIELD_ARGS)
{
	const char *s;
	int rc = get_str(root, "name", required, lim->max_name, &s, NULL);
	if (rc || (s && !weft_channel_name_valid(s, lim->max_name)))
		return fail(err, WEFT_EINVAL, "name must be 1 to 64 characters of a-z, 0-9 and -");
	if (s)
		strcpy(cmd->name, s);
	return WEFT_OK;
}

static int f_kind(FIELD_ARGS)
{
	const char *s;
	cmd->kind = -1;
	if (get_str(root, "kind", required, 16, &s, NULL) ||
	    (s && ((cmd->kind = weft_kind_parse(s)) < 0 || cmd->kind == WEFT_KIND_DM)))
		return fail(err, WEFT_EINVAL, "kind must be caucus, cohort or team");
	return WEFT_OK;
}

/* An optional string of at most max characters, copied to *out (NULL when
 * absent); what is too long or not a string is refused with its own text. */
static int dup_str(const cJSON *root, const char *key, bool required, long max, char **out,
		   struct weft_parse_error *err, const char *too_long, const char *not_string)
{
	const char *s;
	int rc = get_str(root, key, required, max, &s, NULL);
	if (rc)
		return fail(err, rc, rc == WEFT_ETOOLARGE ? too_long : not_string);
	if (s && !(*out = strdup(s)))
		return fail(err, WEFT_ENOMEM, "out of memory");
	return WEFT_OK;
}

/* The optional `access` (-1 when absent) and `topic` of channel.create and
 * channel.update. */
static int f_access_topic(FIELD_ARGS)
{
	const char *s;
	cmd->access = -1;
	if (get_str(root, "access", false, 16, &s, NULL) || (s && (cmd->access = weft_access_parse(s)) < 0))
		return fail(err, WEFT_EINVAL, "access must be open, request or invite");
	return dup_str(root, "topic", false, WEFT_TOPIC_MAX, &cmd->topic, err,
		       "topic is longer than 250 characters", "topic must be a string");
}

static int f_note(FIELD_ARGS)
{
	return dup_str(root, "note", required, WEFT_NOTE_MAX, &cmd->note, err,
		       "note is longer than 500 characters", "note must be a string");
}

static int f_approve(FIELD_ARGS)
{
	if (get_bool(root, "approve", required, false, &cmd->approve))
		return fail(err, WEFT_EINVAL, "approve must be true or false");
	return WEFT_OK;
}

static int f_role(FIELD_ARGS)
{
	const char *s;
	cmd->role = WEFT_ROLE_NONE;
	if (get_str(root, "role", required, 16, &s, NULL) || (s && (cmd->role = weft_role_parse(s)) < 0))
		return fail(err, WEFT_EINVAL, "role must be owner, moderator or member");
	return WEFT_OK;
}

static int f_archived(FIELD_ARGS)
{
	if (get_bool(root, "archived", required, true, &cmd->archived))
		return fail(err, WEFT_EINVAL, "archived must be true or false");
	return WEFT_OK;
}

static int f_users(FIELD_ARGS)
{
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "users");
	if (!users && !required)
		return WEFT_OK;
	int n = cJSON_IsArray(users) ? cJSON_GetArraySize(users) : -1;
	if (n < 1 || n > WEFT_DM_MAX_OTHERS)
		return fail(err, WEFT_EINVAL, "users must list 1 to 8 user ids");
	const cJSON *u;
	cJSON_ArrayForEach(u, users) {
		double d = cJSON_IsNumber(u) ? u->valuedouble : -1;
		if (d < 1 || d != floor(d) || d > 9007199254740992.0)
			return fail(err, WEFT_EINVAL, "users must list 1 to 8 user ids");
		cmd->users[cmd->nusers++] = (int64_t)d;
	}
	return WEFT_OK;
}

static int f_q(FIELD_ARGS)
{
	const char *s;
	int rc = get_str(root, "q", required, WEFT_QUERY_MAX, &s, NULL);
	if (rc || (s && !*s))
		return fail(err, WEFT_EINVAL, "q must be a string of 1 to 64 characters");
	snprintf(cmd->q, sizeof cmd->q, "%s", s ? s : "");
	return WEFT_OK;
}

/* An optional profile text field of at most WEFT_PROFILE_MAX characters. */
static int get_profile_text(const cJSON *root, const char *key, char *out, size_t cap, long max,
			    struct weft_parse_error *err, const char *message)
{
	const char *s;
	int rc = get_str(root, key, false, max, &s, NULL);
	if (rc)
		return fail(err, rc == WEFT_ETOOLARGE ? WEFT_ETOOLARGE : WEFT_EINVAL, message);
	snprintf(out, cap, "%s", s ? s : "");
	return WEFT_OK;
}

static int f_profile(FIELD_ARGS)
{
	struct weft_profile *p = &cmd->profile;
	const char *s;
	if (get_str(root, "name", true, WEFT_USERNAME_MAX, &s, NULL) || !weft_username_valid(s))
		return fail(err, WEFT_EINVAL, "name must be 1 to 32 characters of a-z, 0-9, '.', '_' and '-'");
	strcpy(p->user.name, s);
	int rc;
	if ((rc = get_profile_text(root, "display", p->user.display, sizeof p->user.display,
				   WEFT_DISPLAY_MAX, err, "display must be at most 64 characters")) ||
	    (rc = get_profile_text(root, "jurisdiction", p->jurisdiction, sizeof p->jurisdiction,
				   WEFT_PROFILE_MAX, err, "jurisdiction must be at most 80 characters")) ||
	    (rc = get_profile_text(root, "region", p->region, sizeof p->region, WEFT_PROFILE_MAX, err,
				   "region must be at most 80 characters")) ||
	    (rc = get_profile_text(root, "title", p->title, sizeof p->title, WEFT_PROFILE_MAX, err,
				   "title must be at most 80 characters")))
		return rc;
	if (get_bool(root, "admin", false, false, &p->admin))
		return fail(err, WEFT_EINVAL, "admin must be true or false");
	return WEFT_OK;
}

static int f_body(FIELD_ARGS)
{
	const char *body;
	int rc = get_str(root, "body", required, lim->max_body, &body, NULL);
	if (rc == WEFT_ETOOLARGE)
		return fail(err, rc, "body is longer than limits.max_body characters");
	if (rc)
		return fail(err, rc, "body must be a string");
	if (!body)
		return WEFT_OK;
	if (blank(body))
		return fail(err, WEFT_EINVAL, "body is empty");
	if (!(cmd->body = strdup(body)))
		return fail(err, WEFT_ENOMEM, "out of memory");
	return WEFT_OK;
}

static int f_page(FIELD_ARGS)
{
	cmd->after = -1;
	if (get_int(root, "before", false, 1, &cmd->before) || get_int(root, "after", false, 0, &cmd->after))
		return fail(err, WEFT_EINVAL, "before and after must be message ids");
	int64_t limit = WEFT_HISTORY_DEFAULT;
	if (get_int(root, "limit", false, 1, &limit) || limit > WEFT_HISTORY_MAX)
		return fail(err, WEFT_EINVAL, "limit must be an integer from 1 to 200");
	cmd->limit = (int)limit;
	return WEFT_OK;
}

static int f_seq(FIELD_ARGS)
{
	if (get_int(root, "seq", required, 0, &cmd->seq))
		return fail(err, WEFT_EINVAL, "seq must be a non-negative integer");
	return WEFT_OK;
}

static int f_list(FIELD_ARGS)
{
	if (get_int(root, "after", false, 0, &cmd->after))
		return fail(err, WEFT_EINVAL, "after must be a channel id, or 0 for the first page");
	int64_t limit = WEFT_CHANNEL_PAGE_MAX;
	_Static_assert(WEFT_CHANNEL_PAGE_MAX == 500, "the message below names the limit");
	if (get_int(root, "limit", false, 1, &limit) || limit > WEFT_CHANNEL_PAGE_MAX)
		return fail(err, WEFT_EINVAL, "limit must be an integer from 1 to 500 (limits.max_channel_page)");
	cmd->limit = (int)limit;
	if (get_bool(root, "mine", false, false, &cmd->mine))
		return fail(err, WEFT_EINVAL, "mine must be true or false");
	return WEFT_OK;
}

/* In the order of enum weft_field: a row's fields are read in this order. */
static int (*const field_parsers[])(FIELD_ARGS) = {
	f_since, f_channel, f_user, f_id, f_thread, f_client_id, f_name, f_kind, f_access_topic,
	f_note, f_approve, f_role, f_archived, f_users, f_q, f_profile, f_body, f_page, f_seq, f_list,
};
_Static_assert(sizeof field_parsers / sizeof field_parsers[0] == 20, "one parser per enum weft_field bit");

static int parse_fields(const cJSON *root, const struct weft_limits *lim, struct weft_cmd *cmd,
			struct weft_parse_error *err)
{
	const struct weft_cmd_def *def = cmd->def;
	for (size_t i = 0; i < sizeof field_parsers / sizeof field_parsers[0]; i++) {
		uint32_t bit = 1u << i;
		int rc;
		if ((def->fields & bit) && (rc = field_parsers[i](root, lim, (def->required & bit) != 0, cmd, err)))
			return rc;
	}
	return def->check ? def->check(cmd, err) : WEFT_OK;
}

/* What cJSON lets through that a frame must not carry: a byte below 0x20
 * inside a string (JSON wants it escaped; a raw NUL cut "visible\0HIDDEN"
 * to "visible", and made a different client_id look like a duplicate), or
 * outside one other than tab, newline and return; and \u0000, which cJSON
 * decodes into a NUL that would cut a string short just the same. One pass,
 * the frame's bytes as they came. NULL when there is nothing wrong. */
static const char *frame_text_problem(const char *frame, size_t len)
{
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)frame[i];
		if (ch < 0x20) {
			if (in_string || (ch != '\t' && ch != '\n' && ch != '\r'))
				return "strings must not contain raw control characters (escape them)";
		} else if (ch == '"') {
			in_string = !in_string;
		} else if (ch == '\\' && in_string) {
			if (i + 5 < len && frame[i + 1] == 'u' && !memcmp(frame + i + 2, "0000", 4))
				return "strings must not contain U+0000";
			i++; /* the escaped character, so "\\u0000" is text */
		}
	}
	return NULL;
}

int weft_proto_parse(const char *frame, size_t len, const struct weft_limits *lim,
		     const struct weft_cmd_table *table, struct weft_cmd *cmd,
		     struct weft_parse_error *err)
{
	memset(cmd, 0, sizeof *cmd);
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(frame, len, &end, false);
	int rc;
	/* One JSON value per frame: only whitespace may follow it. */
	while (root && end && end < frame + len &&
	       (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (root && end != frame + len) {
		cJSON_Delete(root);
		root = NULL;
	}
	if (!root) {
		rc = fail(err, WEFT_EINVAL, "frame is not valid JSON");
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		rc = fail(err, WEFT_EINVAL, "frame must be a JSON object");
		goto out;
	}
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(root, "req");
	if (req && !cJSON_IsNull(req)) {
		long n = cJSON_IsString(req) ? weft_utf8_len(req->valuestring, strlen(req->valuestring)) : -1;
		if (n < 0 || n > WEFT_REQ_MAX) {
			rc = fail(err, WEFT_EINVAL, "req must be a string of at most 64 characters");
			goto out;
		}
		strcpy(cmd->req, req->valuestring);
		cmd->has_req = true;
	}
	const char *problem = frame_text_problem(frame, len);
	if (problem) {
		/* Echo req only if it was not itself cut short: its JSON form must
		 * appear in the frame as sent. */
		char *quoted = cmd->has_req ? cJSON_PrintUnformatted(req) : NULL;
		if (cmd->has_req && (!quoted || !memmem(frame, len, quoted, strlen(quoted)))) {
			cmd->has_req = false;
			cmd->req[0] = '\0';
		}
		cJSON_free(quoted);
		rc = fail(err, WEFT_EINVAL, problem);
		goto out;
	}
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (!cJSON_IsString(type) || !type->valuestring) {
		rc = fail(err, WEFT_EINVAL, "type must be a string");
		goto out;
	}
	for (int i = 0; i < table->n && !cmd->def; i++)
		if (!strcmp(table->defs[i].name, type->valuestring))
			cmd->def = &table->defs[i];
	if (!cmd->def) {
		rc = fail(err, WEFT_EINVAL, "unknown type");
		goto out;
	}
	rc = parse_fields(root, lim, cmd, err);
out:
	cJSON_Delete(root);
	if (rc)
		weft_cmd_clear(cmd);
	return rc;
}

void weft_cmd_clear(struct weft_cmd *cmd)
{
	free(cmd->body);
	free(cmd->topic);
	free(cmd->note);
	cmd->body = cmd->topic = cmd->note = NULL;
}

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

static void w_message(struct weft_jsonw *w, const struct weft_message *m)
{
	weft_jsonw_object_open(w);
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
#define MESSAGE_HINT 320

struct weft_frame *weft_proto_event_frame(const struct weft_event *ev)
{
	struct weft_jsonw w;
	bool has_msg = ev->kind == WEFT_EV_MESSAGE || ev->kind == WEFT_EV_EDIT;
	weft_jsonw_init(&w, WEFT_FRAME_HEAD,
			MESSAGE_HINT + (has_msg && ev->msg.body ? strlen(ev->msg.body) : 0), 0);
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
		break;
	}
	/* Who acted, when someone other than the subject did (an approval, a
	 * removal, a role change, a channel edit). */
	if (ev->actor.id && (ev->kind == WEFT_EV_CHANNEL || ev->actor.id != ev->user.id) &&
	    ev->kind >= WEFT_EV_JOIN)
		w_user(&w, K("by"), &ev->actor);
	return w_frame(&w);
}

/* Bytes of m in a history frame: its strings as escaped, and a bound on
 * the rest (keys, ids, two times). */
static size_t message_size(const struct weft_message *m)
{
	return MESSAGE_HINT + weft_jsonw_string_size(m->deleted ? NULL : m->body) +
	       weft_jsonw_string_size(m->author.name) + weft_jsonw_string_size(m->author.display) +
	       weft_jsonw_string_size(m->client_id);
}

int weft_proto_history_fit(const struct weft_message *msgs, int n, size_t budget, bool keep_newest, int *first)
{
	/* Most pages are far below the budget even if every byte were escaped
	 * (six bytes for one): no need to measure them. */
	size_t bound = 0;
	for (int i = 0; i < n; i++)
		bound += 2 * MESSAGE_HINT + 6 * (msgs[i].body ? strlen(msgs[i].body) : 0);
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

struct weft_frame *weft_proto_history_frame(const char *req, int64_t channel,
					    const struct weft_message *msgs, int n, bool more)
{
	size_t hint = 128;
	for (int i = 0; i < n; i++)
		hint += MESSAGE_HINT + (msgs[i].body ? strlen(msgs[i].body) : 0);
	struct weft_jsonw w;
	weft_jsonw_init(&w, WEFT_FRAME_HEAD, hint, 0);
	w_reply(&w, "history", req);
	w_int(&w, K("channel"), channel);
	WEFT_JSONW_KEY(&w, "messages");
	weft_jsonw_array_open(&w);
	for (int i = 0; i < n; i++)
		w_message(&w, &msgs[i]);
	weft_jsonw_array_close(&w);
	WEFT_JSONW_KEY(&w, "more");
	weft_jsonw_bool(&w, more);
	return w_frame(&w);
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

/* JSON -> typed commands. Every client input is validated here against
 * named limits, so handlers only see typed, bounded values. The encoding of
 * server frames is in proto_encode.c. */
#define _GNU_SOURCE /* memmem */
#include "weft/proto.h"
#include "proto_field.h"

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
		return proto_fail(err, WEFT_EINVAL, "since must be an integer of at least -1");
	return WEFT_OK;
}

static int f_channel(FIELD_ARGS)
{
	if (get_int(root, "channel", required, 1, &cmd->channel))
		return proto_fail(err, WEFT_EINVAL, "channel must be a positive integer id");
	return WEFT_OK;
}

static int f_user(FIELD_ARGS)
{
	if (get_int(root, "user", required, 1, &cmd->user))
		return proto_fail(err, WEFT_EINVAL, "user must be a positive integer id");
	return WEFT_OK;
}

static int f_id(FIELD_ARGS)
{
	if (get_int(root, "id", required, 1, &cmd->id))
		return proto_fail(err, WEFT_EINVAL, "id must be a message id");
	return WEFT_OK;
}

static int f_thread(FIELD_ARGS)
{
	if (get_int(root, "thread", required, 1, &cmd->thread))
		return proto_fail(err, WEFT_EINVAL, "thread must be a message id");
	return WEFT_OK;
}

static int f_client_id(FIELD_ARGS)
{
	const char *s;
	int rc = get_str(root, "client_id", required, WEFT_CLIENT_ID_MAX, &s, NULL);
	if (rc || (s && !*s))
		return proto_fail(err, WEFT_EINVAL, "client_id must be a string of 1 to 64 characters");
	if (s)
		strcpy(cmd->client_id, s);
	return WEFT_OK;
}

static int f_name(FIELD_ARGS)
{
	const char *s;
	int rc = get_str(root, "name", required, lim->max_name, &s, NULL);
	if (rc || (s && !weft_channel_name_valid(s, lim->max_name)))
		return proto_fail(err, WEFT_EINVAL, "name must be 1 to 64 characters of a-z, 0-9 and -");
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
		return proto_fail(err, WEFT_EINVAL, "kind must be caucus, cohort or team");
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
		return proto_fail(err, rc, rc == WEFT_ETOOLARGE ? too_long : not_string);
	if (s && !(*out = strdup(s)))
		return proto_fail(err, WEFT_ENOMEM, "out of memory");
	return WEFT_OK;
}

/* The optional `access` (-1 when absent) and `topic` of channel.create and
 * channel.update. */
static int f_access_topic(FIELD_ARGS)
{
	const char *s;
	cmd->access = -1;
	if (get_str(root, "access", false, 16, &s, NULL) || (s && (cmd->access = weft_access_parse(s)) < 0))
		return proto_fail(err, WEFT_EINVAL, "access must be open, request or invite");
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
		return proto_fail(err, WEFT_EINVAL, "approve must be true or false");
	return WEFT_OK;
}

static int f_role(FIELD_ARGS)
{
	const char *s;
	cmd->role = WEFT_ROLE_NONE;
	if (get_str(root, "role", required, 16, &s, NULL) || (s && (cmd->role = weft_role_parse(s)) < 0))
		return proto_fail(err, WEFT_EINVAL, "role must be owner, moderator or member");
	return WEFT_OK;
}

static int f_archived(FIELD_ARGS)
{
	if (get_bool(root, "archived", required, true, &cmd->archived))
		return proto_fail(err, WEFT_EINVAL, "archived must be true or false");
	return WEFT_OK;
}

static int f_users(FIELD_ARGS)
{
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "users");
	if (!users && !required)
		return WEFT_OK;
	int n = cJSON_IsArray(users) ? cJSON_GetArraySize(users) : -1;
	if (n < 1 || n > WEFT_DM_MAX_OTHERS)
		return proto_fail(err, WEFT_EINVAL, "users must list 1 to 8 user ids");
	const cJSON *u;
	cJSON_ArrayForEach(u, users) {
		double d = cJSON_IsNumber(u) ? u->valuedouble : -1;
		if (d < 1 || d != floor(d) || d > 9007199254740992.0)
			return proto_fail(err, WEFT_EINVAL, "users must list 1 to 8 user ids");
		cmd->users[cmd->nusers++] = (int64_t)d;
	}
	return WEFT_OK;
}

static int f_q(FIELD_ARGS)
{
	const char *s;
	int rc = get_str(root, "q", required, WEFT_QUERY_MAX, &s, NULL);
	if (rc || (s && !*s))
		return proto_fail(err, WEFT_EINVAL, "q must be a string of 1 to 64 characters");
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
		return proto_fail(err, rc == WEFT_ETOOLARGE ? WEFT_ETOOLARGE : WEFT_EINVAL, message);
	snprintf(out, cap, "%s", s ? s : "");
	return WEFT_OK;
}

static int f_profile(FIELD_ARGS)
{
	struct weft_profile *p = &cmd->profile;
	const char *s;
	if (get_str(root, "name", true, WEFT_USERNAME_MAX, &s, NULL) || !weft_username_valid(s))
		return proto_fail(err, WEFT_EINVAL, "name must be 1 to 32 characters of a-z, 0-9, '.', '_' and '-'");
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
		return proto_fail(err, WEFT_EINVAL, "admin must be true or false");
	return WEFT_OK;
}

/* profile.update: the fields present change, an absent one stays. */
static int f_profile_edit(FIELD_ARGS)
{
	static const struct {
		const char *key;
		size_t off, cap;
		long max;
		unsigned bit;
		const char *message;
	} fields[] = {
		{ "display", offsetof(struct weft_profile, user.display), WEFT_DISPLAY_BYTES, WEFT_DISPLAY_MAX,
		  WEFT_PROFILE_DISPLAY, "display must be 1 to 64 characters, not blank" },
		{ "jurisdiction", offsetof(struct weft_profile, jurisdiction), WEFT_PROFILE_BYTES, WEFT_PROFILE_MAX,
		  WEFT_PROFILE_JURISDICTION, "jurisdiction must be at most 80 characters" },
		{ "region", offsetof(struct weft_profile, region), WEFT_PROFILE_BYTES, WEFT_PROFILE_MAX,
		  WEFT_PROFILE_REGION, "region must be at most 80 characters" },
		{ "title", offsetof(struct weft_profile, title), WEFT_PROFILE_BYTES, WEFT_PROFILE_MAX,
		  WEFT_PROFILE_TITLE, "title must be at most 80 characters" },
	};
	(void)required;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *s;
		int rc = get_str(root, fields[i].key, false, fields[i].max, &s, NULL);
		bool blank_display = !rc && s && fields[i].bit == WEFT_PROFILE_DISPLAY && blank(s);
		if (rc || blank_display)
			return proto_fail(err, rc == WEFT_ETOOLARGE ? rc : WEFT_EINVAL, fields[i].message);
		if (!s)
			continue;
		snprintf((char *)&cmd->profile + fields[i].off, fields[i].cap, "%s", s);
		cmd->profile_set |= fields[i].bit;
	}
	return WEFT_OK;
}

static int f_body(FIELD_ARGS)
{
	const char *body;
	int rc = get_str(root, "body", required, lim->max_body, &body, NULL);
	if (rc == WEFT_ETOOLARGE)
		return proto_fail(err, rc, "body is longer than limits.max_body characters");
	if (rc)
		return proto_fail(err, rc, "body must be a string");
	if (!body)
		return WEFT_OK;
	if (blank(body))
		return proto_fail(err, WEFT_EINVAL, "body is empty");
	if (!(cmd->body = strdup(body)))
		return proto_fail(err, WEFT_ENOMEM, "out of memory");
	return WEFT_OK;
}

static int f_page(FIELD_ARGS)
{
	cmd->after = -1;
	if (get_int(root, "before", false, 1, &cmd->before) || get_int(root, "after", false, 0, &cmd->after))
		return proto_fail(err, WEFT_EINVAL, "before and after must be message ids");
	int64_t limit = WEFT_HISTORY_DEFAULT;
	if (get_int(root, "limit", false, 1, &limit) || limit > WEFT_HISTORY_MAX)
		return proto_fail(err, WEFT_EINVAL, "limit must be an integer from 1 to 200");
	cmd->limit = (int)limit;
	return WEFT_OK;
}

static int f_seq(FIELD_ARGS)
{
	if (get_int(root, "seq", required, 0, &cmd->seq))
		return proto_fail(err, WEFT_EINVAL, "seq must be a non-negative integer");
	if (get_bool(root, "unread", false, false, &cmd->unread))
		return proto_fail(err, WEFT_EINVAL, "unread must be true or false");
	return WEFT_OK;
}

static int f_emoji(FIELD_ARGS)
{
	const char *s;
	int rc = get_str(root, "emoji", required, WEFT_EMOJI_MAX, &s, NULL);
	bool ok = !rc && s && !blank(s);
	for (const unsigned char *p = (const unsigned char *)s; ok && *p; p++)
		ok = *p >= 0x20 && *p != 0x7f;
	if (!ok)
		return proto_fail(err, WEFT_EINVAL, "emoji must be 1 to 32 characters, not blank");
	strcpy(cmd->emoji, s);
	return WEFT_OK;
}

static int f_on(FIELD_ARGS)
{
	if (get_bool(root, "on", required, true, &cmd->on))
		return proto_fail(err, WEFT_EINVAL, "on must be true or false");
	return WEFT_OK;
}

static int f_pinned(FIELD_ARGS)
{
	if (get_bool(root, "pinned", required, true, &cmd->on))
		return proto_fail(err, WEFT_EINVAL, "pinned must be true or false");
	return WEFT_OK;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int f_watch(FIELD_ARGS)
{
	const char *bad = "users must list at most 500 user ids";
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "users");
	int n = cJSON_IsArray(users) ? cJSON_GetArraySize(users) : -1;
	if (n < 0 || n > WEFT_WATCH_MAX)
		return proto_fail(err, WEFT_EINVAL, bad);
	(void)required;
	if (n && !(cmd->watch = malloc((size_t)n * sizeof *cmd->watch)))
		return proto_fail(err, WEFT_ENOMEM, "out of memory");
	const cJSON *u;
	cJSON_ArrayForEach(u, users) {
		double d = cJSON_IsNumber(u) ? u->valuedouble : -1;
		if (d < 1 || d != floor(d) || d > 9007199254740992.0)
			return proto_fail(err, WEFT_EINVAL, bad);
		cmd->watch[cmd->nwatch++] = (int64_t)d;
	}
	if (n)
		qsort(cmd->watch, (size_t)n, sizeof *cmd->watch, cmp_id);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!k || cmd->watch[k - 1] != cmd->watch[i])
			cmd->watch[k++] = cmd->watch[i];
	cmd->nwatch = k;
	return WEFT_OK;
}

static int f_list(FIELD_ARGS)
{
	if (get_int(root, "after", false, 0, &cmd->after))
		return proto_fail(err, WEFT_EINVAL, "after must be a channel id, or 0 for the first page");
	int64_t limit = WEFT_CHANNEL_PAGE_MAX;
	_Static_assert(WEFT_CHANNEL_PAGE_MAX == 500, "the message below names the limit");
	if (get_int(root, "limit", false, 1, &limit) || limit > WEFT_CHANNEL_PAGE_MAX)
		return proto_fail(err, WEFT_EINVAL, "limit must be an integer from 1 to 500 (limits.max_channel_page)");
	cmd->limit = (int)limit;
	if (get_bool(root, "mine", false, false, &cmd->mine))
		return proto_fail(err, WEFT_EINVAL, "mine must be true or false");
	return WEFT_OK;
}

/* A search: q parsed here (weft_search_parse), so that the handler gets
 * the MATCH expression and the filters, and a bad query is refused with
 * the parse's own words; then the optional author, page and size. */
static int f_search(FIELD_ARGS)
{
	const char *s;
	int rc = get_str(root, "q", required, WEFT_SEARCH_Q_MAX, &s, NULL);
	_Static_assert(WEFT_SEARCH_Q_MAX == 256 && WEFT_SEARCH_LIMIT_MAX == 50, "the messages name the limits");
	if (rc == WEFT_ETOOLARGE)
		return proto_fail(err, rc, "q is longer than 256 characters (limits.max_search_query)");
	if (rc || !s)
		return proto_fail(err, WEFT_EINVAL, "q must be a string");
	if (!(cmd->search = malloc(sizeof *cmd->search)))
		return proto_fail(err, WEFT_ENOMEM, "out of memory");
	const char *why = "invalid search";
	if (weft_search_parse(s, cmd->search, &why))
		return proto_fail(err, WEFT_EINVAL, why);
	if (get_int(root, "from", false, 1, &cmd->from))
		return proto_fail(err, WEFT_EINVAL, "from must be a user id");
	if (get_int(root, "before", false, 1, &cmd->before))
		return proto_fail(err, WEFT_EINVAL, "before must be a message id");
	int64_t limit = WEFT_SEARCH_LIMIT_DEFAULT;
	if (get_int(root, "limit", false, 1, &limit) || limit > WEFT_SEARCH_LIMIT_MAX)
		return proto_fail(err, WEFT_EINVAL, "limit must be an integer from 1 to 50 (limits.max_search)");
	cmd->limit = (int)limit;
	return WEFT_OK;
}

static int f_files(FIELD_ARGS)
{
	const char *bad = "files must list at most 10 file ids (limits.max_files)";
	_Static_assert(WEFT_FILES_PER_MESSAGE == 10, "the message above names the limit");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
	(void)required;
	if (!files || cJSON_IsNull(files))
		return WEFT_OK;
	int n = cJSON_IsArray(files) ? cJSON_GetArraySize(files) : -1;
	if (n < 0 || n > WEFT_FILES_PER_MESSAGE)
		return proto_fail(err, WEFT_EINVAL, bad);
	const cJSON *f;
	cJSON_ArrayForEach(f, files) {
		double d = cJSON_IsNumber(f) ? f->valuedouble : -1;
		if (d < 1 || d != floor(d) || d > 9007199254740992.0)
			return proto_fail(err, WEFT_EINVAL, bad);
		bool seen = false;
		for (int i = 0; i < cmd->nfiles; i++)
			seen = seen || cmd->files[i] == (int64_t)d;
		if (!seen)
			cmd->files[cmd->nfiles++] = (int64_t)d;
	}
	return WEFT_OK;
}

/* In the order of the WEFT_F_* bits: a row's fields are read in this order. */
static int (*const field_parsers[])(FIELD_ARGS) = {
	f_since, f_channel, f_user, f_id, f_thread, f_client_id, f_name, f_kind, f_access_topic,
	f_note, f_approve, f_role, f_archived, f_users, f_q, f_profile, f_body, f_page, f_seq,
	f_emoji, f_on, f_pinned, f_watch, f_profile_edit, f_list, f_search, f_files,
	/* Standups and action items (proto_coord.c). */
	weft_proto_f_standup, weft_proto_f_item,
	/* Live sessions and moderation (proto_stage.c, issue 15). */
	weft_proto_f_stage,
	/* 30-33: free (NULL: the loop skips them). */
	NULL, NULL, NULL, NULL,
	/* Weaving (proto_weave.c, issue 17). */
	weft_proto_f_weave,
};
_Static_assert(sizeof field_parsers / sizeof field_parsers[0] == 35, "one parser per WEFT_F_* bit");

static int parse_fields(const cJSON *root, const struct weft_limits *lim, struct weft_cmd *cmd,
			struct weft_parse_error *err)
{
	const struct weft_cmd_def *def = cmd->def;
	for (size_t i = 0; i < sizeof field_parsers / sizeof field_parsers[0]; i++) {
		uint64_t bit = UINT64_C(1) << i;
		int rc;
		if ((def->fields & bit) && field_parsers[i] &&
		    (rc = field_parsers[i](root, lim, (def->required & bit) != 0, cmd, err)))
			return rc;
	}
	return def->check ? def->check(cmd, err) : WEFT_OK;
}

/* What cJSON lets through that a frame must not carry: a byte below 0x20
 * inside a string (JSON wants it escaped; a raw NUL cut "visible\0HIDDEN"
 * to "visible", and made a different client_id look like a duplicate), or
 * outside one other than tab, newline and return; and \u0000, which cJSON
 * decodes into a NUL that would cut a string short just the same. One pass,
 * the frame's bytes as they came. NULL when there is nothing wrong. Also
 * used for the HTTP bodies (proto_http.c). */
const char *weft_proto_text_problem(const char *frame, size_t len)
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
		rc = proto_fail(err, WEFT_EINVAL, "frame is not valid JSON");
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		rc = proto_fail(err, WEFT_EINVAL, "frame must be a JSON object");
		goto out;
	}
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(root, "req");
	if (req && !cJSON_IsNull(req)) {
		long n = cJSON_IsString(req) ? weft_utf8_len(req->valuestring, strlen(req->valuestring)) : -1;
		if (n < 0 || n > WEFT_REQ_MAX) {
			rc = proto_fail(err, WEFT_EINVAL, "req must be a string of at most 64 characters");
			goto out;
		}
		strcpy(cmd->req, req->valuestring);
		cmd->has_req = true;
	}
	const char *problem = weft_proto_text_problem(frame, len);
	if (problem) {
		/* Echo req only if it was not itself cut short: its JSON form must
		 * appear in the frame as sent. */
		char *quoted = cmd->has_req ? cJSON_PrintUnformatted(req) : NULL;
		if (cmd->has_req && (!quoted || !memmem(frame, len, quoted, strlen(quoted)))) {
			cmd->has_req = false;
			cmd->req[0] = '\0';
		}
		cJSON_free(quoted);
		rc = proto_fail(err, WEFT_EINVAL, problem);
		goto out;
	}
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (!cJSON_IsString(type) || !type->valuestring) {
		rc = proto_fail(err, WEFT_EINVAL, "type must be a string");
		goto out;
	}
	for (int i = 0; i < table->n && !cmd->def; i++)
		if (!strcmp(table->defs[i].name, type->valuestring))
			cmd->def = &table->defs[i];
	if (!cmd->def) {
		rc = proto_fail(err, WEFT_EINVAL, "unknown type");
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
	free(cmd->watch);
	free(cmd->search);
	weft_coord_args_clear(&cmd->co);
	weft_stage_args_clear(&cmd->st);
	weft_weave_args_clear(&cmd->wv);
	cmd->body = cmd->topic = cmd->note = NULL;
	cmd->watch = NULL;
	cmd->search = NULL;
}

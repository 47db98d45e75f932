/* JSON -> typed fields of the weaving requests (profiles, the directory,
 * introductions, suggested peers, network health): the parser of
 * WEFT_F_WEAVE, which proto.c's field table names. It reads several keys
 * into cmd->wv and records in wv.set which were given; the command table's
 * checks say which a request requires. Pure: no I/O, no globals; any
 * thread. */
#include "weft/proto.h"
#include "proto_field.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* A string of at most max characters copied into out (cap bytes); false
 * when v is no such string. */
static bool text_into(const cJSON *v, long max, char *out, size_t cap)
{
	if (!cJSON_IsString(v) || !v->valuestring)
		return false;
	long n = weft_utf8_len(v->valuestring, strlen(v->valuestring));
	if (n < 0 || n > max || strlen(v->valuestring) >= cap)
		return false;
	memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
	return true;
}

/* A focus tag: 1..WEFT_TAG_MAX characters, not blank, no control
 * character, no leading or trailing space (the vocabulary keeps one
 * spelling of each). */
static bool tag_valid(const cJSON *v)
{
	char buf[WEFT_TAG_MAX * 4 + 1];
	if (!text_into(v, WEFT_TAG_MAX, buf, sizeof buf) || !*buf || blank(buf))
		return false;
	size_t len = strlen(buf);
	if (buf[0] == ' ' || buf[len - 1] == ' ')
		return false;
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool same_tag(const char *x, const char *y)
{
	for (; *x && *y; x++, y++) {
		char a = *x >= 'A' && *x <= 'Z' ? (char)(*x + 32) : *x;
		char b = *y >= 'A' && *y <= 'Z' ? (char)(*y + 32) : *y;
		if (a != b)
			return false;
	}
	return *x == *y;
}

/* profile.update's focus: 0..WEFT_FOCUS_MAX tags, the repeats (case aside)
 * dropped, as a compact JSON array. */
static int focus_list(const cJSON *v, char **out)
{
	/* Repeats first count, each for itself: a list far longer is refused
	 * before any work. */
	if (cJSON_GetArraySize(v) > 4 * WEFT_FOCUS_MAX)
		return WEFT_EINVAL;
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return WEFT_ENOMEM;
	const cJSON *e;
	cJSON_ArrayForEach(e, v) {
		if (!tag_valid(e)) {
			cJSON_Delete(arr);
			return WEFT_EINVAL;
		}
		bool seen = false;
		const cJSON *k;
		cJSON_ArrayForEach(k, arr)
			seen = seen || same_tag(k->valuestring, e->valuestring);
		if (!seen)
			cJSON_AddItemToArray(arr, cJSON_CreateString(e->valuestring));
	}
	if (cJSON_GetArraySize(arr) > WEFT_FOCUS_MAX) {
		cJSON_Delete(arr);
		return WEFT_EINVAL;
	}
	*out = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	return *out ? WEFT_OK : WEFT_ENOMEM;
}

/* The directory's keys: q, jurisdiction, region, focus, after, limit. */
static int directory_keys(const cJSON *root, struct weft_weave_args *wv, struct weft_parse_error *err)
{
	const cJSON *v;
	if ((v = proto_field(root, "q"))) {
		if (!text_into(v, WEFT_QUERY_MAX, wv->q, sizeof wv->q))
			return proto_fail(err, WEFT_EINVAL, "q must be a string of at most 64 characters");
		wv->set |= *wv->q ? WEFT_WV_Q : 0;
	}
	if ((v = proto_field(root, "jurisdiction"))) {
		if (!text_into(v, WEFT_PROFILE_MAX, wv->jurisdiction, sizeof wv->jurisdiction))
			return proto_fail(err, WEFT_EINVAL, "jurisdiction must be at most 80 characters");
		wv->set |= WEFT_WV_JURISDICTION;
	}
	if ((v = proto_field(root, "region"))) {
		if (!text_into(v, WEFT_PROFILE_MAX, wv->region, sizeof wv->region))
			return proto_fail(err, WEFT_EINVAL, "region must be at most 80 characters");
		wv->set |= WEFT_WV_REGION;
	}
	if ((v = proto_field(root, "focus"))) {
		int rc;
		if (cJSON_IsArray(v)) {
			if ((rc = focus_list(v, &wv->focus_list)))
				return proto_fail(err, rc, "focus must list at most 10 different tags of 1 to 40 characters");
			wv->set |= WEFT_WV_FOCUS_LIST;
		} else {
			if (!tag_valid(v) || !text_into(v, WEFT_TAG_MAX, wv->focus, sizeof wv->focus))
				return proto_fail(err, WEFT_EINVAL, "focus must be a tag of 1 to 40 characters");
			wv->set |= WEFT_WV_FOCUS;
		}
	}
	if ((v = proto_field(root, "after"))) {
		if (!text_into(v, WEFT_USERNAME_MAX, wv->after, sizeof wv->after))
			return proto_fail(err, WEFT_EINVAL, "after must be the user name the last page ended with");
		wv->set |= WEFT_WV_AFTER;
	}
	return WEFT_OK;
}

/* The profile keys: bio, pronouns, weaver. */
static int profile_keys(const cJSON *root, struct weft_weave_args *wv, struct weft_parse_error *err)
{
	const cJSON *v;
	if ((v = proto_field(root, "bio"))) {
		long n = cJSON_IsString(v) ? weft_utf8_len(v->valuestring, strlen(v->valuestring)) : -1;
		if (n < 0)
			return proto_fail(err, WEFT_EINVAL, "bio must be a string");
		if (n > WEFT_BIO_MAX)
			return proto_fail(err, WEFT_ETOOLARGE, "bio is longer than 500 characters");
		if (!(wv->bio = strdup(v->valuestring)))
			return proto_fail(err, WEFT_ENOMEM, "out of memory");
		wv->set |= WEFT_WV_BIO;
	}
	if ((v = proto_field(root, "pronouns"))) {
		if (!text_into(v, WEFT_PRONOUNS_MAX, wv->pronouns, sizeof wv->pronouns))
			return proto_fail(err, WEFT_EINVAL, "pronouns must be at most 40 characters");
		wv->set |= WEFT_WV_PRONOUNS;
	}
	if ((v = proto_field(root, "weaver"))) {
		if (!cJSON_IsBool(v))
			return proto_fail(err, WEFT_EINVAL, "weaver must be true or false");
		wv->weaver = cJSON_IsTrue(v);
		wv->set |= WEFT_WV_WEAVER;
	}
	return WEFT_OK;
}

/* An optional id key into *out, recording bit. */
static int id_key(const cJSON *root, const char *key, int64_t *out, unsigned bit, struct weft_weave_args *wv,
		  struct weft_parse_error *err, const char *message)
{
	const cJSON *v = proto_field(root, key);
	if (!v)
		return WEFT_OK;
	if (!proto_whole(v, 1, 9007199254740992.0, out))
		return proto_fail(err, WEFT_EINVAL, message);
	wv->set |= bit;
	return WEFT_OK;
}

/* An optional whole number key in [min, max] into *out (dflt when absent). */
static int int_key(const cJSON *root, const char *key, int min, int max, int dflt, int *out, unsigned bit,
		   struct weft_weave_args *wv, struct weft_parse_error *err, const char *message)
{
	const cJSON *v = proto_field(root, key);
	int64_t n = dflt;
	if (v && !proto_whole(v, min, max, &n))
		return proto_fail(err, WEFT_EINVAL, message);
	wv->set |= v ? bit : 0;
	*out = (int)n;
	return WEFT_OK;
}

/* Which keys each request reads: the same key may mean another thing to
 * another family's request (a standup's days are weekdays, health's a
 * window), so a request reads only its own. */
enum { K_DIRECTORY = 1, K_PROFILE = 2, K_WEAVER = 4, K_PAIR = 8, K_ANSWER = 16, K_DAYS = 32, K_LIMIT = 64 };

static unsigned keys_of(const char *type)
{
	static const struct {
		const char *type;
		unsigned keys;
	} rows[] = {
		{ "user.find", K_DIRECTORY | K_LIMIT }, { "profile.update", K_PROFILE },
		{ "admin.user.create", K_WEAVER },      { "admin.user.role", K_WEAVER },
		{ "intro.propose", K_PAIR },            { "intro.answer", K_ANSWER },
		{ "network.health", K_DAYS },           { "peers.suggest", K_LIMIT },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (!strcmp(rows[i].type, type))
			return rows[i].keys;
	return 0;
}

int weft_proto_f_weave(const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd,
		       struct weft_parse_error *err)
{
	(void)lim, (void)required;
	struct weft_weave_args *wv = &cmd->wv;
	unsigned keys = keys_of(cmd->def->name);
	const cJSON *v;
	int rc = WEFT_OK;
	_Static_assert(WEFT_FIND_PAGE_MAX == 100 && WEFT_HEALTH_DAYS_MAX == 365, "the messages name the limits");
	wv->limit = 20;
	wv->days = 90;
	if (((keys & (K_DIRECTORY | K_PROFILE)) && (rc = directory_keys(root, wv, err))) ||
	    ((keys & (K_PROFILE | K_WEAVER)) && (rc = profile_keys(root, wv, err))) ||
	    ((keys & K_PAIR) && (rc = id_key(root, "a", &wv->a, WEFT_WV_A, wv, err, "a must be a user id"))) ||
	    ((keys & K_PAIR) && (rc = id_key(root, "b", &wv->b, WEFT_WV_B, wv, err, "b must be a user id"))) ||
	    ((keys & K_ANSWER) &&
	     (rc = id_key(root, "intro", &wv->intro, WEFT_WV_INTRO, wv, err, "intro must be an introduction id"))) ||
	    ((keys & K_LIMIT) && (rc = int_key(root, "limit", 1, WEFT_FIND_PAGE_MAX, 20, &wv->limit, WEFT_WV_LIMIT, wv,
					      err, "limit must be an integer from 1 to 100"))) ||
	    ((keys & K_DAYS) && (rc = int_key(root, "days", 1, WEFT_HEALTH_DAYS_MAX, 90, &wv->days, WEFT_WV_DAYS, wv,
					     err, "days must be an integer from 1 to 365"))))
		return rc;
	if ((keys & K_ANSWER) && (v = proto_field(root, "accept"))) {
		if (!cJSON_IsBool(v))
			return proto_fail(err, WEFT_EINVAL, "accept must be true or false");
		wv->accept = cJSON_IsTrue(v);
		wv->set |= WEFT_WV_ACCEPT;
	}
	return WEFT_OK;
}

void weft_weave_args_clear(struct weft_weave_args *wv)
{
	free(wv->focus_list);
	free(wv->bio);
	wv->focus_list = wv->bio = NULL;
}

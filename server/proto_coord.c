/* JSON -> typed fields of the coordination requests (standups, action
 * items): the parsers of WEFT_F_STANDUP and WEFT_F_ITEM, which proto.c's
 * field table names. Each reads several keys into cmd->co and records in
 * co.set which were given; the command table's checks say which a request
 * requires. Pure: no I/O, no globals; any thread. */
#include "weft/proto.h"
#include "proto_field.h"
#include "weft/tz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(WEFT_CO_TZ_BYTES == WEFT_TZ_NAME_MAX + 1, "a zone name fits");

/* A string of 1..max characters, not only white space (blank_ok: 0..max). */
static bool text(const cJSON *v, long max, bool blank_ok)
{
	if (!cJSON_IsString(v) || !v->valuestring)
		return false;
	long n = weft_utf8_len(v->valuestring, strlen(v->valuestring));
	if (n < 0 || n > max)
		return false;
	if (blank_ok)
		return true;
	for (const char *p = v->valuestring; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return true;
	return false;
}

/* An array of min..max strings, each as text() wants it, as compact JSON. */
static int string_array(const cJSON *v, int min, int max, long chars, bool blank_ok, char **out, int *n)
{
	int count = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
	if (count < min || count > max)
		return WEFT_EINVAL;
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
		if (!text(e, chars, blank_ok))
			return WEFT_EINVAL;
	if (!(*out = cJSON_PrintUnformatted(v)))
		return WEFT_ENOMEM;
	*n = count;
	return WEFT_OK;
}

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static int parse_days(const cJSON *v, unsigned *out)
{
	int count = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
	if (count < 1 || count > 7)
		return WEFT_EINVAL;
	unsigned days = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, v) {
		int d = -1;
		for (int i = 0; i < 7 && cJSON_IsString(e) && d < 0; i++)
			if (!strcmp(e->valuestring, day_names[i]))
				d = i;
		if (d < 0 || (days & (1u << d)))
			return WEFT_EINVAL;
		days |= 1u << d;
	}
	*out = days;
	return WEFT_OK;
}

/* "HH:MM", 00:00 to 23:59. */
static int parse_time(const cJSON *v, int *minute)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	if (!s || strlen(s) != 5 || s[2] != ':')
		return WEFT_EINVAL;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return WEFT_EINVAL;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return WEFT_EINVAL;
	*minute = h * 60 + m;
	return WEFT_OK;
}

/* before and limit: a page of standup.list or item.list. */
static int page(const cJSON *root, int max, int dflt, struct weft_coord_args *co, struct weft_parse_error *err)
{
	const cJSON *v;
	if ((v = proto_field(root, "before")) && !proto_whole(v, 1, 9007199254740992.0, &co->before))
		return proto_fail(err, WEFT_EINVAL, "before must be an id");
	int64_t limit = dflt;
	if ((v = proto_field(root, "limit")) && !proto_whole(v, 1, max, &limit))
		return proto_fail(err, WEFT_EINVAL, max == WEFT_STANDUP_PAGE_MAX ? "limit must be an integer from 1 to 50"
									  : "limit must be an integer from 1 to 200");
	co->limit = (int)limit;
	return WEFT_OK;
}

static int standup_schedule(const cJSON *root, struct weft_coord_args *co, struct weft_parse_error *err)
{
	const cJSON *v;
	int rc;
	if ((v = proto_field(root, "days"))) {
		if (parse_days(v, &co->days))
			return proto_fail(err, WEFT_EINVAL, "days must list 1 to 7 different days of sun, mon, tue, wed, thu, fri, sat");
		co->set |= WEFT_CO_DAYS;
	}
	if ((v = proto_field(root, "time"))) {
		if (parse_time(v, &co->minute))
			return proto_fail(err, WEFT_EINVAL, "time must be HH:MM, 00:00 to 23:59");
		co->set |= WEFT_CO_TIME;
	}
	if ((v = proto_field(root, "tz"))) {
		if (!cJSON_IsString(v) || !weft_tz_name_valid(v->valuestring))
			return proto_fail(err, WEFT_EINVAL, "tz must be an IANA time zone name such as America/Chicago");
		snprintf(co->tz, sizeof co->tz, "%s", v->valuestring);
		co->set |= WEFT_CO_TZ;
	}
	int64_t window = WEFT_WINDOW_DEFAULT;
	if ((v = proto_field(root, "window"))) {
		if (!proto_whole(v, 1, 1440, &window))
			return proto_fail(err, WEFT_EINVAL, "window must be minutes from 1 to 1440");
		co->set |= WEFT_CO_WINDOW;
	}
	co->window = (int)window;
	if ((v = proto_field(root, "off"))) {
		if (!cJSON_IsBool(v))
			return proto_fail(err, WEFT_EINVAL, "off must be true or false");
		co->off = cJSON_IsTrue(v);
		co->set |= co->off ? WEFT_CO_OFF : 0;
	}
	if ((v = proto_field(root, "questions"))) {
		if ((rc = string_array(v, 1, WEFT_QUESTIONS_MAX, WEFT_QUESTION_MAX, false, &co->questions, &co->nquestions)))
			return proto_fail(err, rc, "questions must list 1 to 5 questions of 1 to 200 characters");
		co->set |= WEFT_CO_QUESTIONS;
	}
	return WEFT_OK;
}

int weft_proto_f_standup(const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd,
			 struct weft_parse_error *err)
{
	(void)lim, (void)required;
	struct weft_coord_args *co = &cmd->co;
	const cJSON *v;
	int rc;
	if ((rc = standup_schedule(root, co, err)))
		return rc;
	if ((v = proto_field(root, "standup"))) {
		if (!proto_whole(v, 1, 9007199254740992.0, &co->standup))
			return proto_fail(err, WEFT_EINVAL, "standup must be a standup id");
		co->set |= WEFT_CO_STANDUP;
	}
	if ((v = proto_field(root, "answers"))) {
		if ((rc = string_array(v, 1, WEFT_QUESTIONS_MAX, WEFT_ANSWER_MAX, true, &co->answers, &co->nanswers)))
			return proto_fail(err, rc == WEFT_ENOMEM ? rc : WEFT_EINVAL,
				    "answers must list one answer of at most 2000 characters per question");
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
			co->said |= text(e, WEFT_ANSWER_MAX, false);
		co->set |= WEFT_CO_ANSWERS;
	}
	if ((v = proto_field(root, "blocker"))) {
		if (!text(v, WEFT_BLOCKER_MAX, true))
			return proto_fail(err, WEFT_EINVAL, "blocker must be a string of at most 1000 characters");
		if (!(co->blocker = strdup(v->valuestring)))
			return proto_fail(err, WEFT_ENOMEM, "out of memory");
		co->said |= text(v, WEFT_BLOCKER_MAX, false);
		co->set |= WEFT_CO_BLOCKER;
	}
	if ((v = proto_field(root, "at"))) {
		if (!proto_whole(v, 0, 253402300799000.0, &co->at_ms))
			return proto_fail(err, WEFT_EINVAL, "at must be milliseconds since 1970");
		co->set |= WEFT_CO_AT;
	}
	return page(root, WEFT_STANDUP_PAGE_MAX, 10, co, err);
}

static const char *const statuses[] = { "open", "done" };

int weft_proto_f_item(const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd,
		      struct weft_parse_error *err)
{
	(void)lim, (void)required;
	struct weft_coord_args *co = &cmd->co;
	const cJSON *v, *raw;
	if ((v = proto_field(root, "id"))) {
		if (!proto_whole(v, 1, 9007199254740992.0, &co->item))
			return proto_fail(err, WEFT_EINVAL, "id must be an item id");
		co->set |= WEFT_CO_ITEM;
	}
	if ((v = proto_field(root, "title"))) {
		if (!text(v, WEFT_ITEM_TITLE_MAX, false))
			return proto_fail(err, WEFT_EINVAL, "title must be 1 to 200 characters, not blank");
		if (!(co->title = strdup(v->valuestring)))
			return proto_fail(err, WEFT_ENOMEM, "out of memory");
		co->set |= WEFT_CO_TITLE;
	}
	/* owner: a user id, null (nobody), or (item.list) "me". */
	if ((raw = cJSON_GetObjectItemCaseSensitive(root, "owner"))) {
		co->set |= WEFT_CO_OWNER;
		if (cJSON_IsString(raw) && !strcmp(raw->valuestring, "me"))
			co->owner_me = true;
		else if (!cJSON_IsNull(raw) && !proto_whole(raw, 1, 9007199254740992.0, &co->owner))
			return proto_fail(err, WEFT_EINVAL, "owner must be a user id, null or \"me\"");
	}
	/* due: "YYYY-MM-DD", or null (none). */
	if ((raw = cJSON_GetObjectItemCaseSensitive(root, "due"))) {
		int64_t days;
		co->set |= WEFT_CO_DUE;
		if (!cJSON_IsNull(raw)) {
			if (!cJSON_IsString(raw) || weft_date_parse(raw->valuestring, &days))
				return proto_fail(err, WEFT_EINVAL, "due must be a date YYYY-MM-DD or null");
			snprintf(co->due, sizeof co->due, "%s", raw->valuestring);
		}
	}
	if ((v = proto_field(root, "status"))) {
		co->status = -1;
		for (int i = 0; i < 2 && cJSON_IsString(v); i++)
			if (!strcmp(v->valuestring, statuses[i]))
				co->status = i;
		if (co->status < 0)
			return proto_fail(err, WEFT_EINVAL, "status must be open or done");
		co->set |= WEFT_CO_STATUS;
	}
	if ((v = proto_field(root, "message"))) {
		if (!proto_whole(v, 1, 9007199254740992.0, &co->message))
			return proto_fail(err, WEFT_EINVAL, "message must be a message id");
		co->set |= WEFT_CO_MESSAGE;
	}
	return page(root, WEFT_ITEM_PAGE_MAX, 100, co, err);
}

void weft_coord_args_clear(struct weft_coord_args *co)
{
	free(co->questions);
	free(co->answers);
	free(co->blocker);
	free(co->title);
	co->questions = co->answers = co->blocker = co->title = NULL;
}

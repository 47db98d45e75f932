/* JSON -> typed fields of live sessions and moderation (issue 15): the
 * parser of WEFT_F_STAGE, which proto.c's field table names. It reads
 * several keys into cmd->st and records in st.set which were given; the
 * command table's checks say which a request requires. Pure: no I/O, no
 * globals; any thread. */
#include "weft/proto.h"
#include "proto_field.h"
#include "weft/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A string of min..max characters; with min 1 not only white space. */
static bool text(const cJSON *v, long min, long max)
{
	if (!cJSON_IsString(v) || !v->valuestring)
		return false;
	long n = weft_utf8_len(v->valuestring, strlen(v->valuestring));
	if (n < min || n > max)
		return false;
	if (!min)
		return true;
	for (const char *p = v->valuestring; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return true;
	return false;
}

/* One of names[0..n), as its index. */
static int pick(const cJSON *v, const char *const *names, int n)
{
	for (int i = 0; i < n && cJSON_IsString(v); i++)
		if (!strcmp(v->valuestring, names[i]))
			return i;
	return -1;
}

static bool flag(const cJSON *root, const char *key, bool *out, int *bad)
{
	const cJSON *v = proto_field(root, key);
	if (!v)
		return false;
	if (!cJSON_IsBool(v))
		*bad = 1;
	*out = cJSON_IsTrue(v);
	return true;
}

static int strings(const cJSON *root, struct weft_stage_args *a, struct weft_parse_error *err)
{
	const cJSON *v;
	if ((v = proto_field(root, "title"))) {
		if (!text(v, 1, WEFT_SESSION_TITLE_MAX))
			return proto_fail(err, WEFT_EINVAL, "title must be 1 to 200 characters, not blank");
		if (!(a->title = strdup(v->valuestring)))
			return proto_fail(err, WEFT_ENOMEM, "out of memory");
		a->set |= WEFT_ST_TITLE;
	}
	if ((v = proto_field(root, "reason"))) {
		if (!text(v, 0, WEFT_REASON_MAX))
			return proto_fail(err, WEFT_EINVAL, "reason must be a string of at most 500 characters");
		if (!(a->reason = strdup(v->valuestring)))
			return proto_fail(err, WEFT_ENOMEM, "out of memory");
		a->set |= WEFT_ST_REASON;
	}
	return WEFT_OK;
}

static int choices(const cJSON *root, struct weft_stage_args *a, struct weft_parse_error *err)
{
	static const char *const modes[] = { "open", "floor" };
	static const char *const actions[] = { "dismiss", "delete", "mute", "remove" };
	static const char *const orders[] = { "random", "alpha" };
	const cJSON *v;
	if ((v = proto_field(root, "mode"))) {
		if ((a->mode = pick(v, modes, 2)) < 0)
			return proto_fail(err, WEFT_EINVAL, "mode must be open or floor");
		a->set |= WEFT_ST_MODE;
	}
	if ((v = proto_field(root, "action"))) {
		if ((a->action = pick(v, actions, 4)) < 0)
			return proto_fail(err, WEFT_EINVAL, "action must be dismiss, delete, mute or remove");
		a->set |= WEFT_ST_ACTION;
	}
	if ((v = proto_field(root, "order"))) {
		if ((a->order = pick(v, orders, 2)) < 0)
			return proto_fail(err, WEFT_EINVAL, "order must be random or alpha");
		a->set |= WEFT_ST_ORDER;
	}
	int bad = 0;
	if (flag(root, "confidential", &a->confidential, &bad))
		a->set |= WEFT_ST_CONFIDENTIAL;
	if (bad)
		return proto_fail(err, WEFT_EINVAL, "confidential must be true or false");
	if (flag(root, "ban", &a->ban, &bad))
		a->set |= WEFT_ST_BAN;
	if (bad)
		return proto_fail(err, WEFT_EINVAL, "ban must be true or false");
	return WEFT_OK;
}

static int numbers(const cJSON *root, struct weft_stage_args *a, struct weft_parse_error *err)
{
	const cJSON *v;
	int64_t n;
	if ((v = proto_field(root, "seconds"))) {
		if (!proto_whole(v, 0, WEFT_MUTE_SECONDS_MAX, &n))
			return proto_fail(err, WEFT_EINVAL, "seconds must be an integer from 0 to 31536000");
		a->seconds = (int)n;
		a->set |= WEFT_ST_SECONDS;
	}
	if ((v = proto_field(root, "slow"))) {
		if (!proto_whole(v, 0, WEFT_SLOW_MAX, &n))
			return proto_fail(err, WEFT_EINVAL, "slow must be seconds from 0 (off) to 3600");
		a->slow = (int)n;
		a->set |= WEFT_ST_SLOW;
	}
	if ((v = proto_field(root, "report"))) {
		if (!proto_whole(v, 1, 9007199254740992.0, &a->report))
			return proto_fail(err, WEFT_EINVAL, "report must be a report id");
		a->set |= WEFT_ST_REPORT;
	}
	if ((v = proto_field(root, "before"))) {
		if (!proto_whole(v, 1, 9007199254740992.0, &a->before))
			return proto_fail(err, WEFT_EINVAL, "before must be an id");
		a->set |= WEFT_ST_BEFORE;
	}
	return WEFT_OK;
}

int weft_proto_f_stage(const cJSON *root, const struct weft_limits *lim, bool required, struct weft_cmd *cmd,
		       struct weft_parse_error *err)
{
	(void)lim, (void)required;
	struct weft_stage_args *a = &cmd->st;
	int rc = numbers(root, a, err);
	if (!rc)
		rc = choices(root, a, err);
	return rc ? rc : strings(root, a, err);
}

void weft_stage_args_clear(struct weft_stage_args *a)
{
	free(a->title);
	free(a->reason);
	a->title = a->reason = NULL;
}

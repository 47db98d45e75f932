/* Introductions, double opt-in (issue 17), on the service thread: anyone
 * proposes two other people to each other with a note (a daily limit);
 * each of the two accepts or not; once both accepted, their DM opens (the
 * writer's job: jobs_weave.c) with the note as its first message from the
 * proposer. Until then neither learns the other's answer; a decline tells
 * the proposer `declined`, never by whom. */
#include "weave.h"

#include <stdlib.h>
#include <string.h>

/* The intro frame for viewer of the introduction in (the proposer's view,
 * JSON of VW_INTRO_JSON): a or b see `other`, never the other's answer. */
static cJSON *intro_frame(const cJSON *in, int64_t viewer)
{
	cJSON *o = cJSON_CreateObject(), *r = weft_proto_reply("intro", NULL);
	const cJSON *a = cJSON_GetObjectItem(in, "a"), *b = cJSON_GetObjectItem(in, "b");
	int64_t aid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "id"));
	int64_t bid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(b, "id"));
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(in, "state"));
	bool side = viewer == aid || viewer == bid;
	cJSON_AddItemToObject(o, "id", cJSON_Duplicate(cJSON_GetObjectItem(in, "id"), true));
	cJSON_AddItemToObject(o, "by", cJSON_Duplicate(cJSON_GetObjectItem(in, "by"), true));
	if (side) {
		cJSON_AddItemToObject(o, "other", cJSON_Duplicate(viewer == aid ? b : a, true));
	} else {
		cJSON_AddItemToObject(o, "a", cJSON_Duplicate(a, true));
		cJSON_AddItemToObject(o, "b", cJSON_Duplicate(b, true));
	}
	cJSON_AddItemToObject(o, "note", cJSON_Duplicate(cJSON_GetObjectItem(in, "note"), true));
	cJSON_AddItemToObject(o, "created", cJSON_Duplicate(cJSON_GetObjectItem(in, "created"), true));
	/* A side sees it waiting until both accepted, whatever the other said. */
	bool accepted = state && !strcmp(state, "accepted");
	cJSON_AddStringToObject(o, "state", side && !accepted ? "pending" : state ? state : "pending");
	if (side && accepted)
		cJSON_AddItemToObject(o, "channel", cJSON_Duplicate(cJSON_GetObjectItem(in, "channel"), true));
	cJSON_AddItemToObject(r, "intro", o);
	return r;
}

static int64_t side_id(const cJSON *in, const char *key)
{
	return (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(in, key), "id"));
}

static void proposed(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (job->result) {
		if (!c)
			return;
		if (job->result == WEFT_ERATE)
			weft_conn_error(c, job->req, WEFT_ERATE, "you have proposed as many introductions as a day allows");
		else if (job->result == WEFT_ECONFLICT)
			weft_conn_error(c, job->req, WEFT_ECONFLICT, "these two have an introduction waiting already");
		else
			weft_cmd_job_failed(c, job, "invalid introduction");
		return;
	}
	cJSON *in = cJSON_Parse(job->out);
	if (in) {
		weft_fanout_user(s, side_id(in, "a"), intro_frame(in, side_id(in, "a")));
		weft_fanout_user(s, side_id(in, "b"), intro_frame(in, side_id(in, "b")));
	}
	if (c) {
		cJSON *r = weft_proto_reply("ok", job->req);
		cJSON_AddNumberToObject(r, "intro", (double)job->id);
		weft_conn_send(c, r);
	}
	cJSON_Delete(in);
	weft_info("intro.proposed id=%lld by=%lld", (long long)job->id, (long long)job->user);
}

WEFT_HANDLER(weft_cmd_intro_propose)
{
	(void)ch;
	const struct weft_weave_args *wv = &cmd->wv;
	if (wv->a == wv->b || wv->a == c->ses.user_id || wv->b == c->ses.user_id) {
		weft_conn_error(c, cmd->req, WEFT_EINVAL, "introduce two different people other than yourself");
		return;
	}
	struct weft_job *job = weft_job_new(WEFT_JOB_INTRO_PROPOSE);
	if (job) {
		job->target = wv->a;
		job->users[0] = wv->b;
		job->nusers = 1;
		job->text = cmd->note;
		cmd->note = NULL;
		job->quota = c->srv->cfg->intro_daily;
	}
	weft_cmd_submit(c, cmd, job, proposed);
}

/* Both accepted: a joined by their own hand (the join's actor), so the
 * fan-out told only b; a hears it here. */
static void tell_joined(struct weft_server *s, struct weft_job *job, int64_t a)
{
	struct weft_hub_channel *dm = weft_hub_channel_get(&s->hub, job->channel);
	cJSON *n = dm ? weft_cmd_channel_notice(s, "joined", dm, a) : NULL;
	if (n)
		weft_fanout_user(s, a, n);
}

static void answered(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (job->result) {
		if (!c)
			return;
		if (job->result == WEFT_EFORBIDDEN)
			weft_conn_error(c, job->req, WEFT_EFORBIDDEN, "this introduction is not addressed to you");
		else if (job->result == WEFT_ECONFLICT)
			weft_conn_error(c, job->req, WEFT_ECONFLICT, "this introduction was answered already or expired");
		else
			weft_cmd_job_failed(c, job, "invalid answer");
		return;
	}
	cJSON *in = cJSON_Parse(job->out);
	const char *state = in ? cJSON_GetStringValue(cJSON_GetObjectItem(in, "state")) : NULL;
	if (state && strcmp(state, "pending")) {
		int64_t by = side_id(in, "by");
		weft_fanout_user(s, by, intro_frame(in, by));
	}
	if (state && !strcmp(state, "accepted")) {
		tell_joined(s, job, side_id(in, "a"));
		weft_fanout_user(s, side_id(in, "a"), intro_frame(in, side_id(in, "a")));
		weft_fanout_user(s, side_id(in, "b"), intro_frame(in, side_id(in, "b")));
	}
	if (c)
		weft_conn_send(c, weft_proto_reply("ok", job->req));
	cJSON_Delete(in);
}

WEFT_HANDLER(weft_cmd_intro_answer)
{
	(void)ch;
	struct weft_job *job = weft_job_new(WEFT_JOB_INTRO_ANSWER);
	if (job) {
		job->target = cmd->wv.intro;
		job->flag = cmd->wv.accept;
	}
	weft_cmd_submit(c, cmd, job, answered);
}

WEFT_HANDLER(weft_cmd_intro_list)
{
	(void)ch;
	char *json = NULL;
	cJSON *list = NULL;
	if (weft_store_intros(c->srv->store, c->ses.user_id, weft_now_ms(), &json) || !(list = cJSON_Parse(json))) {
		free(json);
		weft_conn_error(c, cmd->req, WEFT_EIO, "introductions are unavailable");
		return;
	}
	free(json);
	/* What does not apply to the reader (a side's answer to the proposer,
	 * the people to a side) is left out rather than null. */
	cJSON *in;
	cJSON_ArrayForEach(in, list) {
		bool proposer = !cJSON_IsNull(cJSON_GetObjectItem(in, "a"));
		for (cJSON *k = in->child, *next; k; k = next) {
			next = k->next;
			if ((cJSON_IsNull(k) && strcmp(k->string, "answer")) || (proposer && !strcmp(k->string, "answer")))
				cJSON_DeleteItemFromObjectCaseSensitive(in, k->string);
		}
	}
	cJSON *r = weft_proto_reply("intros", cmd->req);
	cJSON_AddItemToObject(r, "intros", list);
	weft_conn_send(c, r);
}

/* Action items, on the service thread: create (also from a message),
 * update, the list with its filters, and the daily digest's opt-out. Items
 * are events of their channel, so boards update live and on resume;
 * `overdue` is computed at read time in the server's zone (coord.c). */
#include "handlers.h"

#include "weft/coord.h"

#include <stdlib.h>
#include <string.h>

/* Answers a committed item job with {"type":"item","item":{…}} (the event's
 * payload), or ok when nothing changed. */
static void item_done(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	if (job->result == WEFT_EINVAL) {
		weft_conn_error(c, job->req, WEFT_EINVAL, "owner must be a member of the channel");
		return;
	}
	if (job->result == WEFT_EFORBIDDEN) {
		weft_conn_error(c, job->req, WEFT_EFORBIDDEN,
				"only its creator, its owner and the channel's moderators change an item");
		return;
	}
	if (weft_cmd_job_failed_with(c, job, WEFT_ENOTFOUND,
				     job->kind == WEFT_JOB_ITEM_CREATE ? "no such message in this channel"
								       : "no such item in this channel",
				     "invalid request"))
		return;
	cJSON *payload = job->seq ? cJSON_Parse(job->ev.data) : NULL;
	cJSON *item = cJSON_DetachItemFromObject(payload, "item");
	cJSON_Delete(payload);
	if (!item) {
		weft_conn_send(c, weft_proto_reply("ok", job->req));
		return;
	}
	cJSON *r = weft_proto_reply("item", job->req);
	cJSON_AddItemToObject(r, "item", item);
	weft_conn_send(c, r);
}

/* The job's owner, due and title from the request. */
static void fill(struct weft_conn *c, struct weft_cmd *cmd, struct weft_job *job)
{
	struct weft_coord_args *co = &cmd->co;
	job->item_owner = co->owner_me ? c->ses.user_id : co->owner;
	memcpy(job->due, co->due, sizeof job->due);
	job->status = co->status;
	job->item_set = (co->set & WEFT_CO_TITLE ? WEFT_ITEM_SET_TITLE : 0) |
			(co->set & WEFT_CO_OWNER ? WEFT_ITEM_SET_OWNER : 0) | (co->set & WEFT_CO_DUE ? WEFT_ITEM_SET_DUE : 0) |
			(co->set & WEFT_CO_STATUS ? WEFT_ITEM_SET_STATUS : 0);
	job->text = co->title;
	co->title = NULL;
}

WEFT_HANDLER(weft_cmd_item_create)
{
	struct weft_job *job = weft_cmd_job(WEFT_JOB_ITEM_CREATE, ch, 0);
	if (job) {
		fill(c, cmd, job);
		job->thread = cmd->co.message;
		if (cmd->co.message && !weft_cmd_allowed(ch, weft_hub_role(ch, c->ses.user_id), WEFT_ACT_READ)) {
			weft_job_free(job);
			weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such message in this channel");
			return;
		}
	}
	weft_cmd_submit(c, cmd, job, item_done);
}

WEFT_HANDLER(weft_cmd_item_update)
{
	struct weft_job *job = weft_cmd_job(WEFT_JOB_ITEM_UPDATE, ch, cmd->co.item);
	if (job) {
		fill(c, cmd, job);
		job->flag = weft_hub_role(ch, c->ses.user_id) >= WEFT_ROLE_MODERATOR;
	}
	weft_cmd_submit(c, cmd, job, item_done);
}

WEFT_HANDLER(weft_cmd_item_list)
{
	(void)ch;
	struct weft_server *s = c->srv;
	struct weft_coord_args *co = &cmd->co;
	int64_t channel = cmd->channel;
	if (channel) {
		/* A channel named: who may read it sees its items (the dispatch's
		 * rule for rows that name one). */
		struct weft_hub_channel *named = weft_hub_channel_get(&s->hub, channel);
		if (!named) {
			weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such channel");
			return;
		}
		int role = weft_hub_role(named, c->ses.user_id);
		if (!weft_cmd_allowed(named, role, WEFT_ACT_READ)) {
			weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
					weft_policy_denial(role, named->info.kind, named->info.access, named->info.archived,
							   WEFT_ACT_READ));
			return;
		}
	}
	char today[WEFT_DATE_BYTES];
	weft_coord_today(s, today);
	int64_t owner = co->owner_me ? c->ses.user_id : co->owner;
	int status = co->set & WEFT_CO_STATUS ? co->status : -1;
	char *list = NULL;
	bool more = false;
	int rc = weft_store_items(s->store, c->ses.user_id, channel, owner, status, co->before, co->limit, today,
				  &list, &more);
	cJSON *arr = rc ? NULL : cJSON_Parse(list);
	free(list);
	if (!arr) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "items are unavailable");
		return;
	}
	cJSON *r = weft_proto_reply("items", cmd->req);
	cJSON_AddItemToObject(r, "items", arr);
	cJSON_AddBoolToObject(r, "more", more);
	cJSON_AddStringToObject(r, "today", today);
	cJSON_AddStringToObject(r, "tz", weft_coord_tz_name(s));
	weft_conn_send(c, r);
}

/* {"type":"digest","on","time","tz"}: the user's digest setting. */
static void digest_reply(struct weft_conn *c, const char *req, bool on)
{
	cJSON *r = weft_proto_reply("digest", req);
	cJSON_AddBoolToObject(r, "on", on);
	cJSON_AddStringToObject(r, "time", c->srv->cfg->digest_time);
	cJSON_AddStringToObject(r, "tz", weft_coord_tz_name(c->srv));
	weft_conn_send(c, r);
}

static void digest_set_done(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed(c, job, "invalid request"))
		digest_reply(c, job->req, job->flag);
}

WEFT_HANDLER(weft_cmd_digest_set)
{
	(void)ch;
	struct weft_job *job = weft_job_new(WEFT_JOB_DIGEST_SET);
	if (job)
		job->flag = cmd->on;
	weft_cmd_submit(c, cmd, job, digest_set_done);
}

WEFT_HANDLER(weft_cmd_digest_get)
{
	(void)ch;
	bool on;
	if (weft_store_digest_get(c->srv->store, c->ses.user_id, &on)) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "the digest setting is unavailable");
		return;
	}
	digest_reply(c, cmd->req, on);
}

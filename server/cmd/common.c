/* What every handler family shares, on the service thread: jobs for the
 * writer submitted on a connection's behalf, and the answers to jobs that
 * failed or simply succeeded. */
#include "weft/cmd.h"
#include "weft/net.h"
#include "weft/policy.h"

#include <stdio.h>

struct weft_job *weft_cmd_job(int kind, const struct weft_hub_channel *ch, int64_t target)
{
	struct weft_job *job = weft_job_new(kind);
	if (job) {
		job->channel = ch->info.id;
		job->target = target;
	}
	return job;
}

bool weft_cmd_allowed(const struct weft_hub_channel *ch, int role, int action)
{
	return weft_policy_allows(role, ch->info.kind, ch->info.access, ch->info.archived, action);
}

void weft_cmd_submit(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_job *job,
		     void (*on_done)(struct weft_server *, struct weft_job *))
{
	if (!job) {
		weft_conn_error(c, cmd->req, WEFT_ENOMEM, "out of memory");
		return;
	}
	snprintf(job->req, sizeof job->req, "%s", cmd->req);
	job->user = c->ses.user_id;
	if (weft_server_submit(c->srv, &c->owner, job, on_done))
		weft_conn_error(c, cmd->req, WEFT_EBUSY, "the server is shutting down");
}

struct weft_conn *weft_cmd_job_conn(struct weft_job *job)
{
	struct weft_conn *c = job->owner ? weft_container_of(job->owner, struct weft_conn, owner) : NULL;
	return c && c->wsi ? c : NULL;
}

bool weft_cmd_job_failed_with(struct weft_conn *c, struct weft_job *job, int code, const char *message,
			      const char *what)
{
	if (job->result && job->result == code) {
		weft_conn_error(c, job->req, code, message);
		return true;
	}
	return weft_cmd_job_failed(c, job, what);
}

bool weft_cmd_job_failed(struct weft_conn *c, struct weft_job *job, const char *what)
{
	if (!job->result)
		return false;
	const char *msg;
	switch (job->result) {
	case WEFT_ENOTFOUND: msg = "not found"; break;
	case WEFT_EFORBIDDEN: msg = "not a member of this channel"; break;
	case WEFT_ECONFLICT: msg = "already exists"; break;
	case WEFT_EINVAL: msg = what; break;
	case WEFT_EBUSY: msg = "the store is busy; try again"; break;
	default: msg = "the store failed to commit"; break;
	}
	weft_conn_error(c, job->req, job->result, msg);
	return true;
}

void weft_cmd_ok_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c || weft_cmd_job_failed(c, job, "invalid request"))
		return;
	weft_conn_send(c, weft_proto_reply("ok", job->req));
}

void weft_cmd_reply_channel(struct weft_conn *c, const char *req, struct weft_hub_channel *ch, int created)
{
	cJSON *o = ch ? weft_cmd_channel_json(c->srv, ch, c->ses.user_id) : NULL;
	if (!o) {
		weft_conn_error(c, req, WEFT_EIO, ch ? "the channel is unavailable" : "channel vanished");
		return;
	}
	cJSON *r = weft_proto_reply("channel", req);
	cJSON_AddItemToObject(r, "channel", o);
	if (created >= 0)
		cJSON_AddBoolToObject(r, "created", created);
	weft_conn_send(c, r);
}

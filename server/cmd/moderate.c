/* Moderation (issue 15), on the service thread: mutes, unbans, reports and
 * their resolution, and the moderation log. Bans ride on channel.remove
 * (channel.c); the writer enforces them on join, request and invite. Every
 * moderator action writes its moderation log entry in its own transaction
 * (server/store/stage_jobs.c). */
#include "handlers.h"

#include "weft/stage.h"

#include <stdlib.h>
#include <string.h>

#define REPORT_MUTE_SECONDS 3600 /* report.resolve "mute" without seconds: an hour */

WEFT_HANDLER(weft_cmd_channel_mute)
{
	int mine = weft_hub_role(ch, c->ses.user_id), theirs = weft_hub_role(ch, cmd->user);
	if (theirs == WEFT_ROLE_NONE) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "not a member of this channel");
		return;
	}
	if (!weft_policy_may_mute(mine, theirs)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "you cannot mute someone of that role");
		return;
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_MUTE, ch, cmd->user);
	if (job) {
		job->expires_ms = cmd->st.seconds ? weft_now_ms() + (int64_t)cmd->st.seconds * 1000 : 0;
		job->text = cmd->st.reason;
		cmd->st.reason = NULL;
	}
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

static void unbanned_done(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed_with(c, job, WEFT_ENOTFOUND, "not banned from this channel", "invalid request"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

WEFT_HANDLER(weft_cmd_channel_unban)
{
	weft_cmd_submit(c, cmd, weft_cmd_job(WEFT_JOB_UNBAN, ch, cmd->user), unbanned_done);
}

/* {"type":"report","report":{…}} to the channel's online moderators. */
static void tell_moderators(struct weft_server *s, const struct weft_job *job)
{
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, job->channel);
	cJSON *report = job->out ? cJSON_Parse(job->out) : NULL;
	cJSON *o = report ? weft_proto_reply("report", NULL) : NULL;
	if (!ch || !o) {
		cJSON_Delete(report);
		return;
	}
	cJSON_AddItemToObject(o, "report", report);
	weft_fanout_moderators(s, ch, o);
}

static void reported_done(struct weft_server *s, struct weft_job *job)
{
	if (!job->result)
		tell_moderators(s, job);
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed_with(c, job, WEFT_ENOTFOUND, "no such message in this channel", "invalid request"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

WEFT_HANDLER(weft_cmd_report)
{
	struct weft_message m = { 0 };
	int rc = weft_store_message_get(c->srv->store, cmd->id, &m);
	bool found = !rc && m.channel == ch->info.id && !m.deleted &&
		     !weft_stage_hidden(c->srv, ch, c->ses.user_id, &m);
	weft_message_clear(&m);
	if (rc && rc != WEFT_ENOTFOUND) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "messages are unavailable");
		return;
	}
	if (!found) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such message in this channel");
		return;
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_REPORT, ch, cmd->id);
	if (job) {
		job->text = cmd->st.reason;
		cmd->st.reason = NULL;
	}
	weft_cmd_submit(c, cmd, job, reported_done);
}

/* A JSON array read for a reply: {"type":type,"channel",key:[…]}. */
static void send_list(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_hub_channel *ch, const char *type,
		      const char *key, int rc, char *json, const bool *more)
{
	cJSON *arr = rc ? NULL : cJSON_Parse(json);
	free(json);
	if (!arr) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "the moderation records are unavailable");
		return;
	}
	cJSON *r = weft_proto_reply(type, cmd->req);
	cJSON_AddNumberToObject(r, "channel", (double)ch->info.id);
	cJSON_AddItemToObject(r, key, arr);
	if (more)
		cJSON_AddBoolToObject(r, "more", *more);
	weft_conn_send(c, r);
}

WEFT_HANDLER(weft_cmd_channel_reports)
{
	char *json = NULL;
	int rc = weft_store_reports(c->srv->store, ch->info.id, &json);
	send_list(c, cmd, ch, "reports", "reports", rc, json, NULL);
}

static void resolved_done(struct weft_server *s, struct weft_job *job)
{
	if (!job->result)
		tell_moderators(s, job);
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	if (job->result == WEFT_ECONFLICT)
		weft_conn_error(c, job->req, WEFT_ECONFLICT, "this report is resolved already");
	else if (job->result == WEFT_EFORBIDDEN)
		weft_conn_error(c, job->req, WEFT_EFORBIDDEN, "you cannot mute or remove someone of that role");
	else if (!weft_cmd_job_failed_with(c, job, WEFT_ENOTFOUND, "no such report in this channel", "invalid action"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

WEFT_HANDLER(weft_cmd_report_resolve)
{
	struct weft_job *job = weft_cmd_job(WEFT_JOB_REPORT_RESOLVE, ch, cmd->st.report);
	if (job) {
		job->role = cmd->st.action;
		int seconds = cmd->st.seconds ? cmd->st.seconds : REPORT_MUTE_SECONDS;
		job->expires_ms = weft_now_ms() + (int64_t)seconds * 1000;
	}
	weft_cmd_submit(c, cmd, job, resolved_done);
}

WEFT_HANDLER(weft_cmd_channel_modlog)
{
	if (weft_hub_role(ch, c->ses.user_id) == WEFT_ROLE_NONE) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "members only");
		return;
	}
	char *json = NULL;
	bool more = false;
	int rc = weft_store_modlog(c->srv->store, ch->info.id, cmd->st.before, WEFT_MODLOG_PAGE, &json, &more);
	send_list(c, cmd, ch, "modlog", "entries", rc, json, &more);
}

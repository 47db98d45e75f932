/* Getting in, on the service thread: joining by each tier's rule (open:
 * at once; request: a request a moderator decides; invite: an invitation),
 * the requests and their decisions, and invitations. */
#include "handlers.h"

#include <stdlib.h>

#define REQUESTS_PAGE_MAX 200

static void filed_done(struct weft_server *s, struct weft_job *job);

static void joined_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	if (job->result == WEFT_ECONFLICT)
		job->result = 0; /* already a member: joining is idempotent */
	if (job->result == WEFT_EFORBIDDEN) {
		weft_conn_error(c, job->req, WEFT_EFORBIDDEN, "invite-only channel");
		return;
	}
	if (!weft_cmd_job_failed(c, job, "cannot join"))
		weft_cmd_reply_channel(c, job->req, weft_hub_channel_get(&s->hub, job->channel), -1);
}

WEFT_HANDLER(weft_cmd_channel_join)
{
	int role = weft_hub_role(ch, c->ses.user_id);
	if (role != WEFT_ROLE_NONE) {
		weft_cmd_reply_channel(c, cmd->req, ch, -1);
		return;
	}
	/* An invitation opens request and invite channels alike (the writer
	 * checks it again in the store). */
	bool invited = ch->info.access != WEFT_ACCESS_OPEN && !ch->info.archived && ch->info.kind != WEFT_KIND_DM &&
		       weft_hub_invited(ch, c->ses.user_id);
	if (!invited && weft_cmd_allowed(ch, role, WEFT_ACT_REQUEST)) {
		struct weft_job *job = weft_cmd_job(WEFT_JOB_REQUEST_FILE, ch, 0);
		if (job) {
			job->text = cmd->note;
			cmd->note = NULL;
			job->cooldown_ms = (int64_t)c->srv->cfg->request_cooldown * 1000;
		}
		weft_cmd_submit(c, cmd, job, filed_done);
		return;
	}
	if (!invited && !weft_cmd_allowed(ch, role, WEFT_ACT_JOIN)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
				ch->info.archived ? "this channel is archived" : "invite-only channel");
		return;
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_JOIN, ch, c->ses.user_id);
	if (job)
		job->role = WEFT_ROLE_MEMBER;
	weft_cmd_submit(c, cmd, job, joined_done);
}

/* ---- requests */

static cJSON *request_json(const struct weft_user_ref *u, const char *note, int64_t ts)
{
	cJSON *r = cJSON_CreateObject();
	char iso[WEFT_ISO_LEN];
	weft_iso8601(ts, iso);
	cJSON_AddItemToObject(r, "user", weft_proto_user(u));
	cJSON_AddStringToObject(r, "note", note ? note : "");
	cJSON_AddStringToObject(r, "ts", iso);
	return r;
}

static void filed_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (job->result == WEFT_ERATE) {
		if (c) {
			cJSON *e = weft_proto_error(job->req, "forbidden",
						    "your request was declined recently; you can ask again later");
			cJSON_AddNumberToObject(e, "retry_after_ms", (double)job->retry_ms);
			weft_conn_send(c, e);
		}
		return;
	}
	if (job->result == WEFT_ECONFLICT)
		job->result = 0; /* became a member meanwhile: nothing to ask */
	if (c && weft_cmd_job_failed(c, job, "cannot file a request"))
		return;
	if (job->result)
		return;
	if (c) {
		cJSON *r = weft_proto_reply("pending", job->req);
		cJSON_AddNumberToObject(r, "channel", (double)job->channel);
		weft_conn_send(c, r);
	}
	/* Moderators online see the request at once. */
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, job->channel);
	struct weft_profile p;
	if (ch && !weft_store_user_get(s->store, job->user, &p)) {
		cJSON *n = weft_proto_reply("request", NULL);
		cJSON_AddNumberToObject(n, "channel", (double)job->channel);
		cJSON_AddItemToObject(n, "request", request_json(&p.user, job->text, job->ts_ms));
		weft_fanout_moderators(s, ch, n);
	}
}

WEFT_HANDLER(weft_cmd_channel_requests)
{
	struct weft_request_row *rows = calloc(REQUESTS_PAGE_MAX, sizeof *rows);
	int n = 0;
	if (!rows || weft_store_requests(c->srv->store, ch->info.id, rows, REQUESTS_PAGE_MAX, &n)) {
		free(rows);
		weft_conn_error(c, cmd->req, WEFT_EIO, "requests are unavailable");
		return;
	}
	cJSON *r = weft_proto_reply("requests", cmd->req);
	cJSON_AddNumberToObject(r, "channel", (double)ch->info.id);
	cJSON *arr = cJSON_AddArrayToObject(r, "requests");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, request_json(&rows[i].user, rows[i].note, rows[i].ts_ms));
	free(rows);
	weft_conn_send(c, r);
}

static void decided_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (job->result) {
		if (c)
			weft_conn_error(c, job->req, job->result,
					job->result == WEFT_ENOTFOUND ? "no pending request from that user"
								      : "the decision was not saved");
		return;
	}
	if (c)
		weft_conn_send(c, weft_proto_reply("ok", job->req));
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, job->channel);
	struct weft_profile p;
	if (!ch || weft_store_user_get(s->store, job->target, &p))
		return;
	/* The requester and every moderator learn the outcome live. */
	for (int who = 0; who < 2; who++) {
		cJSON *n = weft_proto_reply("request.decided", NULL);
		cJSON_AddNumberToObject(n, "channel", (double)job->channel);
		cJSON_AddItemToObject(n, "user", weft_proto_user(&p.user));
		cJSON_AddBoolToObject(n, "approved", job->flag);
		if (who == 0) {
			cJSON_AddItemToObject(n, "channel_info", weft_cmd_channel_json(s, ch, job->target));
			weft_fanout_user(s, job->target, n);
		} else {
			weft_fanout_moderators(s, ch, n);
		}
	}
}

WEFT_HANDLER(weft_cmd_channel_decide)
{
	struct weft_job *job = weft_cmd_job(WEFT_JOB_REQUEST_DECIDE, ch, cmd->user);
	if (job)
		job->flag = cmd->approve;
	weft_cmd_submit(c, cmd, job, decided_done);
}

/* ---- invitations */

static void invited_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (job->result) {
		if (c) {
			const char *msg = job->result == WEFT_ECONFLICT ? "already a member"
					  : job->result == WEFT_ENOTFOUND ? (job->kind == WEFT_JOB_INVITE
										 ? "no such active user"
										 : "no invitation for that user")
									  : "the invitation was not saved";
			weft_conn_error(c, job->req, job->result, msg);
		}
		return;
	}
	if (c)
		weft_conn_send(c, weft_proto_reply("ok", job->req));
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, job->channel);
	if (!ch)
		return;
	if (job->kind == WEFT_JOB_INVITE) {
		cJSON *n = weft_cmd_channel_notice(s, "invited", ch, job->target);
		struct weft_profile by;
		if (n && !weft_store_user_get(s->store, job->user, &by))
			cJSON_AddItemToObject(n, "by", weft_proto_user(&by.user));
		if (n)
			weft_fanout_user(s, job->target, n);
	} else {
		cJSON *n = weft_proto_reply("invite.revoked", NULL);
		cJSON_AddNumberToObject(n, "channel", (double)job->channel);
		weft_fanout_user(s, job->target, n);
	}
}

static void invite(struct weft_conn *c, struct weft_cmd *cmd, struct weft_hub_channel *ch, int kind)
{
	if (ch->info.archived) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "this channel is archived");
		return;
	}
	weft_cmd_submit(c, cmd, weft_cmd_job(kind, ch, cmd->user), invited_done);
}

WEFT_HANDLER(weft_cmd_channel_invite)
{
	invite(c, cmd, ch, WEFT_JOB_INVITE);
}

WEFT_HANDLER(weft_cmd_channel_uninvite)
{
	invite(c, cmd, ch, WEFT_JOB_UNINVITE);
}

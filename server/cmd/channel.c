/* Channel commands: create, list, join (open, by request, by invitation),
 * leave, members, join requests and their decisions, invitations, member
 * removal, roles, channel edits and archiving, direct messages. Every one is
 * authorized here against policy.c, whatever the client showed. */
#include "weft/policy.h"
#include "weft/server.h"

#include <stdlib.h>
#include <string.h>

#define MEMBERS_PAGE_MAX 5000
#define REQUESTS_PAGE_MAX 200

static void filed_done(struct weft_server *s, struct weft_job *job);

/* The "channel" reply to req: ch as c's user sees it. NULL once req was
 * answered with an error instead (a read failed). */
static cJSON *channel_reply(struct weft_conn *c, const char *req, struct weft_hub_channel *ch)
{
	cJSON *o = weft_cmd_channel_json(c->srv, ch, c->ses.user_id);
	if (!o) {
		weft_conn_error(c, req, WEFT_EIO, "the channel is unavailable");
		return NULL;
	}
	cJSON *r = weft_proto_reply("channel", req);
	cJSON_AddItemToObject(r, "channel", o);
	return r;
}

/* ---- channels */

static void created_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	if (job->result == WEFT_ECONFLICT) {
		weft_conn_error(c, job->req, WEFT_ECONFLICT, "a channel with that name exists");
		return;
	}
	if (weft_cmd_job_failed(c, job, "invalid channel"))
		return;
	struct weft_hub_channel *ch = weft_hub_channel_get(&c->srv->hub, job->chan.id);
	if (!ch) {
		weft_conn_error(c, job->req, WEFT_EIO, "channel vanished");
		return;
	}
	cJSON *r = channel_reply(c, job->req, ch);
	if (r)
		weft_conn_send(c, r);
}

static void on_create(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_job *job = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	if (job) {
		strcpy(job->name, cmd->name);
		job->ckind = cmd->kind;
		job->access = cmd->access >= 0 ? cmd->access : weft_kind_default_access(cmd->kind);
		job->text = cmd->topic;
		cmd->topic = NULL;
	}
	weft_cmd_submit(c, cmd, job, created_done);
}

static void on_list(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_server *s = c->srv;
	cJSON *r = weft_proto_reply("channels", cmd->req);
	cJSON *arr = cJSON_AddArrayToObject(r, "channels");
	/* ok: every read so far succeeded (adding NULL, a failed one, is false). */
	bool ok = true;
	for (int64_t id = 1; ok && id < s->hub.nchannels_slots; id++) {
		struct weft_hub_channel *ch = s->hub.channels[id];
		if (ch && weft_cmd_allowed(ch, weft_hub_role(ch, c->ses.user_id), WEFT_ACT_LIST))
			ok = cJSON_AddItemToArray(arr, weft_cmd_channel_json(s, ch, c->ses.user_id));
	}
	/* Invite-only channels the user was invited to, which the loop skips. */
	int64_t invites[256];
	int n = 0;
	ok = ok && !weft_store_invites_of(s->store, c->ses.user_id, invites, 256, &n);
	for (int i = 0; ok && i < n; i++) {
		struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, invites[i]);
		if (ch && ch->info.access == WEFT_ACCESS_INVITE && !weft_hub_member(ch, c->ses.user_id))
			ok = cJSON_AddItemToArray(arr, weft_cmd_channel_json(s, ch, c->ses.user_id));
	}
	if (!ok) {
		cJSON_Delete(r);
		weft_conn_error(c, cmd->req, WEFT_EIO, "the channel list is unavailable");
		return;
	}
	weft_conn_send(c, r);
}

static void joined_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	struct weft_hub_channel *ch = weft_hub_channel_get(&c->srv->hub, job->channel);
	if (job->result == WEFT_ECONFLICT)
		job->result = 0; /* already a member: joining is idempotent */
	if (job->result == WEFT_EFORBIDDEN) {
		weft_conn_error(c, job->req, WEFT_EFORBIDDEN, "invite-only channel");
		return;
	}
	if (weft_cmd_job_failed(c, job, "cannot join") || !ch)
		return;
	cJSON *r = channel_reply(c, job->req, ch);
	if (r)
		weft_conn_send(c, r);
}

static void on_join(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch)
		return;
	int role = weft_hub_role(ch, c->ses.user_id);
	if (role != WEFT_ROLE_NONE) {
		cJSON *r = channel_reply(c, cmd->req, ch);
		if (r)
			weft_conn_send(c, r);
		return;
	}
	/* An invitation opens request and invite channels alike. */
	bool invited = false;
	if (ch->info.access != WEFT_ACCESS_OPEN && !ch->info.archived && ch->info.kind != WEFT_KIND_DM &&
	    weft_store_invited(c->srv->store, ch->info.id, c->ses.user_id, &invited)) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "invitations are unavailable");
		return;
	}
	if (!invited && weft_cmd_allowed(ch, role, WEFT_ACT_REQUEST)) {
		struct weft_job *job = weft_job_new(WEFT_JOB_REQUEST_FILE);
		if (job) {
			job->channel = ch->info.id;
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

static void on_leave(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch)
		return;
	int role = weft_hub_role(ch, c->ses.user_id);
	if (role == WEFT_ROLE_NONE) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "not a member of this channel");
		return;
	}
	if (role == WEFT_ROLE_OWNER && ch->nmembers > 1 && ch->info.kind != WEFT_KIND_DM) {
		int owners = 0;
		for (int i = 0; i < ch->nmembers; i++)
			owners += ch->members[i].role == WEFT_ROLE_OWNER;
		if (owners == 1) {
			/* A channel with members always keeps someone who can run it. */
			weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
					"you are the only owner: make someone else owner first (channel.role)");
			return;
		}
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_LEAVE, ch, c->ses.user_id);
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

static void on_members(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel_may(c, cmd, WEFT_ACT_READ, "members only");
	if (!ch)
		return;
	int max = ch->nmembers < MEMBERS_PAGE_MAX ? ch->nmembers : MEMBERS_PAGE_MAX;
	struct weft_member_row *rows = calloc((size_t)max + 1, sizeof *rows);
	int n = 0;
	if (!rows || weft_store_members(c->srv->store, ch->info.id, rows, max, &n)) {
		free(rows);
		weft_conn_error(c, cmd->req, WEFT_EIO, "members are unavailable");
		return;
	}
	cJSON *r = weft_proto_reply("members", cmd->req);
	cJSON_AddNumberToObject(r, "channel", (double)ch->info.id);
	cJSON *arr = cJSON_AddArrayToObject(r, "members");
	for (int i = 0; i < n; i++) {
		cJSON *m = weft_proto_user(&rows[i].user);
		cJSON_AddStringToObject(m, "role", weft_role_name(rows[i].role));
		cJSON_AddItemToArray(arr, m);
	}
	free(rows);
	weft_conn_send(c, r);
}

/* ---- join requests */

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
		weft_server_send_moderators(s, ch, n);
	}
}

static void on_requests(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel_may(c, cmd, WEFT_ACT_MODERATE, "moderators only");
	if (!ch)
		return;
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
			weft_server_send_user(s, job->target, n);
		} else {
			weft_server_send_moderators(s, ch, n);
		}
	}
}

static bool moderator_or_error(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_hub_channel *ch)
{
	if (weft_cmd_allowed(ch, weft_hub_role(ch, c->ses.user_id), WEFT_ACT_MODERATE))
		return true;
	weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
			ch->info.kind == WEFT_KIND_DM ? "direct messages have no moderators" : "moderators only");
	return false;
}

static void on_decide(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch || !moderator_or_error(c, cmd, ch))
		return;
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
		cJSON *o = weft_cmd_channel_json(s, ch, job->target);
		if (!o)
			return; /* the read failed (logged); the invitation is saved */
		cJSON *n = weft_proto_reply("invited", NULL);
		cJSON_AddItemToObject(n, "channel", o);
		struct weft_profile by;
		if (!weft_store_user_get(s->store, job->user, &by))
			cJSON_AddItemToObject(n, "by", weft_proto_user(&by.user));
		weft_server_send_user(s, job->target, n);
	} else {
		cJSON *n = weft_proto_reply("invite.revoked", NULL);
		cJSON_AddNumberToObject(n, "channel", (double)job->channel);
		weft_server_send_user(s, job->target, n);
	}
}

static void on_invite(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch || !moderator_or_error(c, cmd, ch))
		return;
	if (ch->info.archived) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "this channel is archived");
		return;
	}
	struct weft_job *job = weft_cmd_job(cmd->type == WEFT_CMD_CHANNEL_INVITE ? WEFT_JOB_INVITE
										  : WEFT_JOB_UNINVITE,
					    ch, cmd->user);
	weft_cmd_submit(c, cmd, job, invited_done);
}

/* ---- member administration */

static void on_remove(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch || !moderator_or_error(c, cmd, ch))
		return;
	int mine = weft_hub_role(ch, c->ses.user_id), theirs = weft_hub_role(ch, cmd->user);
	if (theirs == WEFT_ROLE_NONE) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "not a member of this channel");
		return;
	}
	if (cmd->user == c->ses.user_id) {
		weft_conn_error(c, cmd->req, WEFT_EINVAL, "use channel.leave to leave");
		return;
	}
	/* Moderators remove members; owners also remove moderators; owners stay. */
	if (theirs == WEFT_ROLE_OWNER || theirs >= mine) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "you cannot remove someone of that role");
		return;
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_REMOVE, ch, cmd->user);
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

static void on_role(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel_may(c, cmd, WEFT_ACT_SET_ROLE, "owners only");
	if (!ch)
		return;
	if (cmd->user == c->ses.user_id) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "owners cannot change their own role");
		return;
	}
	if (weft_hub_role(ch, cmd->user) == WEFT_ROLE_NONE) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "not a member of this channel");
		return;
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_ROLE, ch, cmd->user);
	if (job)
		job->role = cmd->role;
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

static void updated_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	if (job->result == WEFT_ECONFLICT) {
		weft_conn_error(c, job->req, WEFT_ECONFLICT, "a channel with that name exists");
		return;
	}
	weft_cmd_ok_done(s, job);
}

static void on_update(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch || !moderator_or_error(c, cmd, ch))
		return;
	bool archive = cmd->type == WEFT_CMD_CHANNEL_ARCHIVE;
	if (!archive && ch->info.archived) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "unarchive the channel before editing it");
		return;
	}
	struct weft_job *job = weft_job_new(WEFT_JOB_CHANNEL_UPDATE);
	if (job) {
		job->channel = ch->info.id;
		strcpy(job->name, archive ? "" : cmd->name);
		job->access = archive ? -1 : cmd->access;
		job->archived = archive ? cmd->archived : -1;
		job->text = archive ? NULL : cmd->topic;
		if (!archive)
			cmd->topic = NULL;
	}
	weft_cmd_submit(c, cmd, job, updated_done);
}

/* ---- direct messages */

static void dm_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	if (job->result == WEFT_ENOTFOUND) {
		weft_conn_error(c, job->req, WEFT_ENOTFOUND, "no such active user");
		return;
	}
	if (weft_cmd_job_failed(c, job, "a direct message needs at least one other person"))
		return;
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, job->channel);
	if (!ch) {
		weft_conn_error(c, job->req, WEFT_EIO, "channel vanished");
		return;
	}
	cJSON *r = channel_reply(c, job->req, ch);
	if (!r)
		return;
	cJSON_AddBoolToObject(r, "created", job->flag);
	weft_conn_send(c, r);
}

static void on_dm_open(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_job *job = weft_job_new(WEFT_JOB_DM_OPEN);
	if (job) {
		for (int i = 0; i < cmd->nusers; i++)
			if (cmd->users[i] != c->ses.user_id)
				job->users[job->nusers++] = cmd->users[i];
		if (!job->nusers) {
			weft_job_free(job);
			weft_conn_error(c, cmd->req, WEFT_EINVAL, "name at least one other person");
			return;
		}
	}
	weft_cmd_submit(c, cmd, job, dm_done);
}

bool weft_cmd_channel_handle(struct weft_conn *c, struct weft_cmd *cmd)
{
	switch (cmd->type) {
	case WEFT_CMD_CHANNEL_CREATE: on_create(c, cmd); return true;
	case WEFT_CMD_CHANNEL_LIST: on_list(c, cmd); return true;
	case WEFT_CMD_CHANNEL_JOIN: on_join(c, cmd); return true;
	case WEFT_CMD_CHANNEL_LEAVE: on_leave(c, cmd); return true;
	case WEFT_CMD_CHANNEL_MEMBERS: on_members(c, cmd); return true;
	case WEFT_CMD_CHANNEL_REQUESTS: on_requests(c, cmd); return true;
	case WEFT_CMD_CHANNEL_DECIDE: on_decide(c, cmd); return true;
	case WEFT_CMD_CHANNEL_INVITE:
	case WEFT_CMD_CHANNEL_UNINVITE: on_invite(c, cmd); return true;
	case WEFT_CMD_CHANNEL_REMOVE: on_remove(c, cmd); return true;
	case WEFT_CMD_CHANNEL_ROLE: on_role(c, cmd); return true;
	case WEFT_CMD_CHANNEL_UPDATE:
	case WEFT_CMD_CHANNEL_ARCHIVE: on_update(c, cmd); return true;
	case WEFT_CMD_DM_OPEN: on_dm_open(c, cmd); return true;
	default: return false;
	}
}

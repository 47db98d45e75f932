/* Channels, on the service thread: create, list, leave, members, member
 * removal, roles, channel edits and archiving, and direct messages. The
 * table (table.c) has found the channel and checked the policy action of
 * each row; what depends on more than the user's role is checked here. */
#include "handlers.h"

#include "weft/stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMBERS_PAGE_MAX 5000

#define NAME_TAKEN "a channel with that name exists"

static void created_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && job->result == WEFT_ERATE) {
		char msg[96];
		snprintf(msg, sizeof msg, "you can create at most %d channels a day; an administrator can create more",
			 job->quota);
		cJSON *e = weft_proto_error(job->req, "rate_limited", msg);
		cJSON_AddNumberToObject(e, "retry_after_ms", (double)job->retry_ms);
		weft_conn_send(c, e);
		return;
	}
	if (c && !weft_cmd_job_failed_with(c, job, WEFT_ECONFLICT, NAME_TAKEN, "invalid channel"))
		weft_cmd_reply_channel(c, job->req, weft_hub_channel_get(&s->hub, job->chan.id), -1);
}

WEFT_HANDLER(weft_cmd_channel_create)
{
	struct weft_job *job = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	if (job) {
		strcpy(job->name, cmd->name);
		job->ckind = cmd->kind;
		job->access = cmd->access >= 0 ? cmd->access : weft_kind_default_access(cmd->kind);
		job->text = cmd->topic;
		cmd->topic = NULL;
		/* Unbounded creation filled a server with 3,000 channels in 12 s. */
		job->quota = c->ses.admin ? 0 : c->srv->cfg->channels_per_day;
	}
	weft_cmd_submit(c, cmd, job, created_done);
}

/* Is ch in the user's channel.list: a channel of theirs, one open to join
 * or request, or an invite-only one they were invited to? With mine, only
 * those they are in, asked to join or were invited to. */
static bool listed(struct weft_hub_channel *ch, int64_t user, bool mine)
{
	int role = weft_hub_role(ch, user);
	if (role != WEFT_ROLE_NONE)
		return true;
	if (weft_hub_invited(ch, user) && ch->info.kind != WEFT_KIND_DM)
		return true;
	if (mine)
		return weft_hub_requested(ch, user);
	return weft_cmd_allowed(ch, role, WEFT_ACT_LIST);
}

/* A page of the list in channel id order, from the hub alone (but for an
 * unread count not known yet: view.c). The walk looks at every channel
 * slot after `after`, a pointer and three binary searches each (about 65
 * instructions: 0.2 M, well under 0.1 ms, for 3,000 channels under
 * callgrind), and builds at most `limit` objects; `more` says whether a
 * further listed channel exists. Printing the objects costs far more
 * (~30,000 instructions each through cJSON; tests/bench/README.md). */
WEFT_HANDLER(weft_cmd_channel_list)
{
	struct weft_server *s = c->srv;
	cJSON *r = weft_proto_reply("channels", cmd->req);
	cJSON *arr = cJSON_AddArrayToObject(r, "channels");
	int n = 0;
	bool more = false;
	for (int64_t id = cmd->after + 1; id < s->hub.nchannels_slots; id++) {
		struct weft_hub_channel *each = s->hub.channels[id];
		if (!each || !listed(each, c->ses.user_id, cmd->mine))
			continue;
		if (n == cmd->limit) {
			more = true;
			break;
		}
		cJSON *o = weft_cmd_channel_json(s, each, c->ses.user_id);
		if (!o) {
			cJSON_Delete(r);
			weft_conn_error(c, cmd->req, WEFT_EIO, "the channel list is unavailable");
			return;
		}
		cJSON_AddItemToArray(arr, o);
		n++;
	}
	cJSON_AddBoolToObject(r, "more", more);
	weft_conn_send(c, r);
}

WEFT_HANDLER(weft_cmd_channel_leave)
{
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
	weft_cmd_submit(c, cmd, weft_cmd_job(WEFT_JOB_LEAVE, ch, c->ses.user_id), weft_cmd_ok_done);
}

WEFT_HANDLER(weft_cmd_channel_members)
{
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
		cJSON_AddBoolToObject(m, "online", weft_presence_online(c->srv, rows[i].user.id));
		cJSON_AddItemToArray(arr, m);
	}
	free(rows);
	weft_conn_send(c, r);
}

WEFT_HANDLER(weft_cmd_channel_remove)
{
	int mine = weft_hub_role(ch, c->ses.user_id), theirs = weft_hub_role(ch, cmd->user);
	if (theirs == WEFT_ROLE_NONE && !cmd->st.ban) { /* a ban may name someone not in the channel */
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
	if (job) {
		job->flag = cmd->st.ban;
		job->text = cmd->st.reason; /* the moderation log's */
		cmd->st.reason = NULL;
	}
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

WEFT_HANDLER(weft_cmd_channel_role)
{
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
	if (!job->result && job->slow_set)
		weft_stage_slow_set(s, job->channel, job->slow);
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed_with(c, job, WEFT_ECONFLICT, NAME_TAKEN, "invalid request"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

WEFT_HANDLER(weft_cmd_channel_update)
{
	if (ch->info.archived) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "unarchive the channel before editing it");
		return;
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_CHANNEL_UPDATE, ch, 0);
	if (job) {
		strcpy(job->name, cmd->name);
		job->access = cmd->access;
		job->archived = -1;
		job->text = cmd->topic;
		cmd->topic = NULL;
		job->slow_set = (cmd->st.set & WEFT_ST_SLOW) != 0;
		job->slow = cmd->st.slow;
	}
	weft_cmd_submit(c, cmd, job, updated_done);
}

WEFT_HANDLER(weft_cmd_channel_archive)
{
	struct weft_job *job = weft_cmd_job(WEFT_JOB_CHANNEL_UPDATE, ch, 0);
	if (job) {
		job->access = -1;
		job->archived = cmd->archived;
	}
	weft_cmd_submit(c, cmd, job, updated_done);
}

/* ---- direct messages */

static void dm_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed_with(c, job, WEFT_ENOTFOUND, "no such active user",
					   "a direct message needs at least one other person"))
		weft_cmd_reply_channel(c, job->req, weft_hub_channel_get(&s->hub, job->channel), job->flag);
}

WEFT_HANDLER(weft_cmd_dm_open)
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

/* Live sessions (issue 15), on the service thread: starting and ending a
 * session (jobs for the writer and events), and the hand-raise queue and
 * floor, which are ephemeral and kept by server/net/stage.c. */
#include "handlers.h"

#include "weft/stage.h"

#include <stdlib.h>
#include <string.h>

static void started_done(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c || weft_cmd_job_failed_with(c, job, WEFT_ECONFLICT, "a session is already live in this channel",
					   "invalid request"))
		return;
	cJSON *r = weft_proto_reply("ok", job->req);
	cJSON_AddNumberToObject(r, "session", (double)job->id);
	weft_conn_send(c, r);
}

WEFT_HANDLER(weft_cmd_session_start)
{
	if (ch->info.archived) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "this channel is archived");
		return;
	}
	if (weft_stage_live(c->srv, ch->info.id, NULL, NULL)) {
		weft_conn_error(c, cmd->req, WEFT_ECONFLICT, "a session is already live in this channel");
		return;
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_STAGE_START, ch, 0);
	if (job) {
		job->text = cmd->st.title;
		cmd->st.title = NULL;
		job->flag = cmd->st.confidential;
		job->role = cmd->st.mode;
	}
	weft_cmd_submit(c, cmd, job, started_done);
}

static void ended_done(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed_with(c, job, WEFT_ENOTFOUND, "no session is live in this channel",
					   "invalid request"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

WEFT_HANDLER(weft_cmd_session_end)
{
	if (!weft_stage_live(c->srv, ch->info.id, NULL, NULL)) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no session is live in this channel");
		return;
	}
	weft_cmd_submit(c, cmd, weft_cmd_job(WEFT_JOB_STAGE_END, ch, 0), ended_done);
}

/* Answers a queue or floor change: ok, or why not. */
static void answer(struct weft_conn *c, const struct weft_cmd *cmd, int rc)
{
	switch (rc) {
	case WEFT_OK:
		weft_conn_send(c, weft_proto_reply("ok", cmd->req));
		break;
	case WEFT_ENOTFOUND:
		weft_conn_error(c, cmd->req, rc, "no session is live in this channel");
		break;
	case WEFT_ETOOLARGE:
		weft_conn_error(c, cmd->req, rc, "the queue is full");
		break;
	default:
		weft_conn_error(c, cmd->req, rc, "out of memory");
		break;
	}
}

WEFT_HANDLER(weft_cmd_hand_raise)
{
	char why[96];
	if (weft_stage_muted(c->srv, ch->info.id, c->ses.user_id, why, sizeof why)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, why);
		return;
	}
	answer(c, cmd, weft_stage_hand(c->srv, ch, &c->ses.user, true));
}

WEFT_HANDLER(weft_cmd_hand_lower)
{
	int role = weft_hub_role(ch, c->ses.user_id);
	struct weft_user_ref u = c->ses.user;
	if (cmd->user && cmd->user != c->ses.user_id) {
		if (role < WEFT_ROLE_MODERATOR) {
			weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "only moderators lower someone else's hand");
			return;
		}
		u.id = cmd->user;
	}
	answer(c, cmd, weft_stage_hand(c->srv, ch, &u, false));
}

WEFT_HANDLER(weft_cmd_floor_give)
{
	struct weft_profile p;
	if (weft_hub_role(ch, cmd->user) == WEFT_ROLE_NONE) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "not a member of this channel");
		return;
	}
	if (weft_store_user_get(c->srv->store, cmd->user, &p)) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "users are unavailable");
		return;
	}
	answer(c, cmd, weft_stage_floor_give(c->srv, ch, &p.user, cmd->st.seconds));
}

WEFT_HANDLER(weft_cmd_floor_clear)
{
	answer(c, cmd, weft_stage_floor_clear(c->srv, ch));
}

WEFT_HANDLER(weft_cmd_floor_next)
{
	answer(c, cmd, weft_stage_floor_next(c->srv, ch, cmd->st.seconds));
}

WEFT_HANDLER(weft_cmd_session_round)
{
	answer(c, cmd, weft_stage_round(c->srv, ch, cmd->st.order));
}

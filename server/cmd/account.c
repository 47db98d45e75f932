/* A user's own account, on the service thread: profile.update. The new
 * profile reaches the user's own sockets and whoever watches them (a card
 * or a DM open: presence.watch) as an ephemeral `user` frame. */
#include "handlers.h"

static void profile_sent(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	struct weft_profile p;
	if (job->result) {
		if (c)
			weft_cmd_job_failed(c, job, "invalid request");
		return;
	}
	if (weft_store_user_get(s->store, job->target, &p)) {
		if (c)
			weft_conn_error(c, job->req, WEFT_EIO, "the profile was saved but cannot be read back");
		return;
	}
	/* Every socket of the user signs typing and notices with the new name. */
	struct weft_hub_user *u = weft_hub_user(&s->hub, job->target, false);
	for (struct weft_conn *o = u ? u->conns : NULL; o; o = o->user_next)
		o->ses.user = p.user;
	cJSON *o = weft_proto_reply("user", NULL);
	cJSON_AddItemToObject(o, "user", weft_cmd_profile_json(&p, false));
	weft_presence_tell(s, job->target, o);
	if (c) {
		cJSON *r = weft_proto_reply("user", job->req);
		cJSON_AddItemToObject(r, "user", weft_cmd_profile_json(&p, false));
		weft_conn_send(c, r);
	}
}

WEFT_HANDLER(weft_cmd_profile_update)
{
	(void)ch;
	struct weft_job *job = weft_job_new(WEFT_JOB_PROFILE_UPDATE);
	if (job) {
		job->target = c->ses.user_id;
		job->profile = cmd->profile;
		job->profile_set = cmd->profile_set;
	}
	weft_cmd_submit(c, cmd, job, profile_sent);
}

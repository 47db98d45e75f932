/* A user's own account, on the service thread: profile.update. The new
 * profile reaches the user's own sockets and whoever watches them (a card
 * or a DM open: presence.watch) as an ephemeral `user` frame. */
#include "handlers.h"
#include "weave.h"

#include <stdio.h>

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
	/* The directory's facets count profiles: computed again on the next ask. */
	if (s->weave)
		s->weave->facets_ms = 0;
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

/* Weaving (issue 17): focus, bio and pronouns of cmd into job's profile. */
static void weave_fields(const struct weft_cmd *cmd, struct weft_job *job)
{
	const struct weft_weave_args *wv = &cmd->wv;
	if (wv->set & WEFT_WV_BIO) {
		snprintf(job->profile.bio, sizeof job->profile.bio, "%s", wv->bio);
		job->profile_set |= WEFT_PROFILE_BIO;
	}
	if (wv->set & WEFT_WV_PRONOUNS) {
		snprintf(job->profile.pronouns, sizeof job->profile.pronouns, "%s", wv->pronouns);
		job->profile_set |= WEFT_PROFILE_PRONOUNS;
	}
	if (wv->set & WEFT_WV_FOCUS_LIST) {
		snprintf(job->profile.focus, sizeof job->profile.focus, "%s", wv->focus_list);
		job->profile_set |= WEFT_PROFILE_FOCUS;
	}
}

/* One's own profile; an admin also another's jurisdiction and region. */
WEFT_HANDLER(weft_cmd_profile_update)
{
	(void)ch;
	int64_t target = cmd->user ? cmd->user : c->ses.user_id;
	unsigned others = WEFT_PROFILE_JURISDICTION | WEFT_PROFILE_REGION;
	if (target != c->ses.user_id &&
	    (!c->ses.admin || (cmd->profile_set & ~others) || (cmd->wv.set & (WEFT_WV_BIO | WEFT_WV_PRONOUNS | WEFT_WV_FOCUS_LIST)))) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
				c->ses.admin ? "of another's profile administrators change only jurisdiction and region"
					     : "you can change only your own profile");
		return;
	}
	struct weft_job *job = weft_job_new(WEFT_JOB_PROFILE_UPDATE);
	if (job) {
		job->target = target;
		job->profile = cmd->profile;
		job->profile_set = cmd->profile_set;
		weave_fields(cmd, job);
	}
	weft_cmd_submit(c, cmd, job, profile_sent);
}

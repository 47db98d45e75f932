/* The user object of profiles, and account administration for admins (the
 * table lets only them in): create accounts with one-time sign-up links,
 * re-issue links, reset passwords, deactivate and reactivate. Service thread. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

cJSON *weft_cmd_profile_json(const struct weft_profile *p, bool full)
{
	cJSON *o = weft_proto_user(&p->user);
	cJSON_AddStringToObject(o, "jurisdiction", p->jurisdiction);
	cJSON_AddStringToObject(o, "region", p->region);
	cJSON_AddStringToObject(o, "title", p->title);
	/* Weaving (issue 17). */
	cJSON_AddStringToObject(o, "pronouns", p->pronouns);
	cJSON_AddStringToObject(o, "bio", p->bio);
	cJSON *focus = cJSON_Parse(p->focus);
	cJSON_AddItemToObject(o, "focus", cJSON_IsArray(focus) ? focus : cJSON_CreateArray());
	if (!cJSON_IsArray(focus))
		cJSON_Delete(focus);
	cJSON_AddBoolToObject(o, "weaver", p->weaver);
	if (full) {
		cJSON_AddBoolToObject(o, "admin", p->admin);
		cJSON_AddBoolToObject(o, "active", p->active);
		cJSON_AddBoolToObject(o, "has_password", p->has_password);
	}
	return o;
}

static int attach_link(struct weft_server *s, struct weft_job *job)
{
	char token[WEFT_TOKEN_LEN + 1];
	if (weft_auth_new_token(token))
		return WEFT_EIO;
	weft_auth_token_hash(token, WEFT_TOKEN_LEN, job->token_hash);
	job->expires_ms = weft_now_ms() + (int64_t)s->cfg->signup_ttl * 1000;
	free(job->text);
	job->text = NULL;
	/* Stored in name: a job field the store ignores for these kinds. */
	_Static_assert(sizeof job->name > WEFT_TOKEN_LEN, "job name holds a token");
	memcpy(job->name, token, sizeof token);
	OPENSSL_cleanse(token, sizeof token);
	return WEFT_OK;
}

static void add_link(struct weft_server *s, cJSON *r, struct weft_job *job)
{
	char url[1024];
	char iso[WEFT_ISO_LEN];
	weft_config_signup_url(s->cfg, job->name, url, sizeof url);
	weft_iso8601(job->expires_ms, iso);
	cJSON_AddStringToObject(r, "signup_url", url);
	cJSON_AddStringToObject(r, "expires", iso);
	OPENSSL_cleanse(job->name, sizeof job->name);
}

static void created_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c || weft_cmd_job_failed_with(c, job, WEFT_ECONFLICT, "that user name is taken", "invalid account"))
		return;
	struct weft_profile p;
	if (weft_store_user_get(s->store, job->id, &p))
		p = job->profile;
	cJSON *r = weft_proto_reply("user", job->req);
	cJSON_AddItemToObject(r, "user", weft_cmd_profile_json(&p, true));
	add_link(s, r, job);
	weft_conn_send(c, r);
	weft_info("admin.user_created by=%s user=%s", c->ses.user.name, p.user.name);
}

static void link_done(struct weft_server *s, struct weft_job *job)
{
	if (!job->result && job->flag)
		weft_fanout_close_user(s, job->target, "your password was reset");
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	if (job->result == WEFT_ECONFLICT)
		job->result = WEFT_ENOTFOUND;
	if (weft_cmd_job_failed(c, job, "invalid user"))
		return;
	cJSON *r = weft_proto_reply("signup", job->req);
	cJSON_AddNumberToObject(r, "user", (double)job->target);
	add_link(s, r, job);
	weft_conn_send(c, r);
}

static void active_done(struct weft_server *s, struct weft_job *job)
{
	if (!job->result && !job->flag)
		weft_fanout_close_user(s, job->target, "account deactivated");
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed(c, job, "invalid user"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

/* Whom an admin may not act on: themselves (but for a new link). */
static bool not_self(struct weft_conn *c, const struct weft_cmd *cmd)
{
	if (cmd->user != c->ses.user_id)
		return true;
	weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "you cannot do that to your own account");
	return false;
}

/* A job of kind carrying a new sign-up link; NULL when out of memory. */
static struct weft_job *link_job(struct weft_server *s, int kind)
{
	struct weft_job *job = weft_job_new(kind);
	if (job && attach_link(s, job)) {
		weft_job_free(job);
		job = NULL;
	}
	return job;
}

WEFT_HANDLER(weft_cmd_admin_user_create)
{
	struct weft_job *job = link_job(c->srv, WEFT_JOB_USER_CREATE);
	if (job) {
		job->profile = cmd->profile;
		job->profile.weaver = cmd->wv.weaver;
		job->defaults = c->srv->cfg->default_channels;
	}
	weft_cmd_submit(c, cmd, job, created_done);
}

/* Submits job (NULL: out of memory) about the account cmd names, with
 * flag, answered by on_done. */
static void about_user(struct weft_conn *c, struct weft_cmd *cmd, struct weft_job *job, bool flag,
		       void (*on_done)(struct weft_server *, struct weft_job *))
{
	if (job) {
		job->target = cmd->user;
		job->flag = flag;
	}
	weft_cmd_submit(c, cmd, job, on_done);
}

WEFT_HANDLER(weft_cmd_admin_user_invite)
{
	about_user(c, cmd, link_job(c->srv, WEFT_JOB_SIGNUP_CREATE), false, link_done);
}

/* A reset also clears the password and signs the user out everywhere. */
WEFT_HANDLER(weft_cmd_admin_user_reset)
{
	if (not_self(c, cmd))
		about_user(c, cmd, link_job(c->srv, WEFT_JOB_SIGNUP_CREATE), true, link_done);
}

WEFT_HANDLER(weft_cmd_admin_user_deactivate)
{
	if (not_self(c, cmd))
		about_user(c, cmd, weft_job_new(WEFT_JOB_USER_ACTIVE), false, active_done);
}

WEFT_HANDLER(weft_cmd_admin_user_reactivate)
{
	if (not_self(c, cmd))
		about_user(c, cmd, weft_job_new(WEFT_JOB_USER_ACTIVE), true, active_done);
}

/* The endpoints of credentials: POST /api/login, /api/signup, /api/tokens,
 * /api/logout and /api/password. Password work (argon2) runs on the auth
 * workers, never on the service thread; the sessions it opens commit
 * through the writer. */
#include "http_req.h"

#include <stdlib.h>
#include <string.h>

static void session_created(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = http_job_req(job);
	if (job->result) {
		http_respond_error(r, 503, "unavailable");
	} else if (r->route == R_LOGIN) {
		snprintf(r->set_cookie, sizeof r->set_cookie, "__Host-weft=%s" COOKIE_ATTRS, r->token);
		http_respond_json(r, 200, http_user_json(&r->ua.user, r->ua.admin));
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "token", r->token);
		cJSON_AddStringToObject(o, "name", r->token_name);
		cJSON_AddNumberToObject(o, "expires_in", r->srv->cfg->session_max);
		http_respond_json(r, 200, o);
	}
	OPENSSL_cleanse(r->token, sizeof r->token);
}

static void revoked(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = http_job_req(job);
	snprintf(r->set_cookie, sizeof r->set_cookie, "__Host-weft=" COOKIE_ATTRS "; Max-Age=0");
	http_respond(r, job->result ? 503 : 200, "application/json",
		strdup(job->result ? "{\"error\":\"unavailable\"}" : "{\"ok\":true}"));
}

static int new_session(struct http_req *r, int64_t user_id, const char *name)
{
	struct weft_job *job = weft_job_new(WEFT_JOB_SESSION_CREATE);
	if (!job || weft_auth_new_token(r->token)) {
		weft_job_free(job);
		http_respond_error(r, 500, "internal");
		return WEFT_EIO;
	}
	weft_auth_token_hash(r->token, WEFT_TOKEN_LEN, job->token_hash);
	job->target = user_id;
	job->expires_ms = weft_now_ms() + (int64_t)r->srv->cfg->session_max * 1000;
	if (name && !(job->text = strdup(name))) {
		weft_job_free(job);
		http_respond_error(r, 500, "internal");
		return WEFT_ENOMEM;
	}
	return http_submit(r, job, session_created);
}

/* Worker thread: the slow part of a login. */
static void login_run(struct weft_task *t)
{
	struct http_req *r = (struct http_req *)((char *)t - offsetof(struct http_req, task));
	const char *hash = r->found ? r->ua.pw_hash : r->srv->dummy_hash;
	bool ok = weft_auth_verify_password(hash, r->password) == WEFT_OK;
	OPENSSL_cleanse(r->password, sizeof r->password);
	r->verified = ok && r->found && r->ua.active;
}

static void login_done(struct weft_task *t, void *ctx)
{
	struct http_req *r = (struct http_req *)((char *)t - offsetof(struct http_req, task));
	struct weft_server *s = r->srv;
	s->auth_pending--;
	if (r->verified) {
		s->stats.logins++;
		weft_throttle_passed(s->throttle, r->login_name);
		weft_info("login.ok req=%s user=%s peer=%s", r->rid, r->ua.user.name, r->peer);
		new_session(r, r->ua.user.id, NULL);
	} else {
		s->stats.login_failures++;
		weft_throttle_failed(s->throttle, r->peer, r->login_name, weft_now_ms());
		weft_info("login.refused req=%s peer=%s name_len=%zu", r->rid, r->peer, strlen(r->login_name));
		http_respond_error(r, 401, "unauthorized");
	}
	http_req_release(r);
}

/* Hands r's password work to an auth worker; the task holds a reference to
 * r until its done callback (on the service thread) releases it. */
static void start_task(struct http_req *r, void (*run)(struct weft_task *),
		       void (*done)(struct weft_task *, void *))
{
	r->task.run = run;
	r->task.done = done;
	weft_job_owner_ref(&r->owner);
	if (weft_workq_submit(r->srv->auth, &r->task)) {
		http_req_release(r);
		http_respond_error(r, 503, "unavailable");
		return;
	}
	r->srv->auth_pending++;
}

/* Whether password work may start now: not while this address or name is
 * backing off (429), nor while the workers have a full queue (503); both
 * answers say when to try again. Argon2 is the costliest thing the server
 * does: a burst of guesses must not keep everyone else from signing in. */
static bool may_check_password(struct http_req *r, const char *name)
{
	struct weft_server *s = r->srv;
	int64_t wait = name ? weft_throttle_wait(s->throttle, r->peer, name, weft_now_ms()) : 0;
	if (wait > 0) {
		r->retry_after_s = (int)((wait + 999) / 1000);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", "rate_limited");
		cJSON_AddNumberToObject(o, "retry_after_ms", (double)wait);
		http_respond_json(r, 429, o);
		return false;
	}
	if (s->auth_pending >= s->cfg->auth_queue) {
		r->retry_after_s = 1;
		http_respond_error(r, 503, "unavailable");
		return false;
	}
	return true;
}

/* The status of a body's parse failure (weft_proto_parse_*). */
static int parse_status(int rc)
{
	return rc == WEFT_EAUTH ? 401 : 400;
}

void http_login(struct http_req *r)
{
	struct weft_login_body in;
	struct weft_parse_error err;
	int rc = weft_proto_parse_login(r->body, r->bodylen, &in, &err);
	if (rc) {
		http_respond_error(r, parse_status(rc), err.code); /* the code alone (PROTOCOL.md) */
		return;
	}
	lws_get_peer_simple(r->wsi, r->peer, sizeof r->peer);
	snprintf(r->login_name, sizeof r->login_name, "%.64s", in.username);
	if (!may_check_password(r, r->login_name))
		goto out;
	rc = weft_store_user_by_name(r->srv->store, in.username, &r->ua);
	if (rc && rc != WEFT_ENOTFOUND) {
		http_respond_error(r, 503, "unavailable");
		goto out;
	}
	r->found = !rc && r->ua.pw_hash[0];
	if (!r->found)
		snprintf(r->ua.user.name, sizeof r->ua.user.name, "%.32s", in.username);
	strcpy(r->password, in.password);
	start_task(r, login_run, login_done);
out:
	OPENSSL_cleanse(&in, sizeof in);
}

static void respond_message(struct http_req *r, int status, const char *code, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", code);
	cJSON_AddStringToObject(o, "message", message);
	http_respond_json(r, status, o);
}

static void signed_up(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = http_job_req(job);
	struct weft_profile p;
	if (job->result == WEFT_EAUTH) {
		respond_message(r, 401, "unauthorized", WEFT_SIGNUP_LINK_INVALID);
	} else if (job->result || weft_store_user_get(r->srv->store, job->target, &p)) {
		http_respond_error(r, 503, "unavailable");
	} else {
		weft_info("signup.ok req=%s user=%s", r->rid, p.user.name);
		snprintf(r->set_cookie, sizeof r->set_cookie, "__Host-weft=%s" COOKIE_ATTRS, r->token);
		http_respond_json(r, 200, http_user_json(&p.user, p.admin));
	}
	OPENSSL_cleanse(r->token, sizeof r->token);
}

/* Worker thread: hash the new password. */
static void signup_run(struct weft_task *t)
{
	struct http_req *r = (struct http_req *)((char *)t - offsetof(struct http_req, task));
	r->hashed = weft_auth_hash_password(r->password, r->srv->cfg->argon2_iterations,
					    r->srv->cfg->argon2_memory, r->pw_hash) == WEFT_OK;
	OPENSSL_cleanse(r->password, sizeof r->password);
}

static void signup_hashed(struct weft_task *t, void *ctx)
{
	struct http_req *r = (struct http_req *)((char *)t - offsetof(struct http_req, task));
	r->srv->auth_pending--;
	struct weft_job *job = r->hashed ? weft_job_new(WEFT_JOB_SIGNUP_ACCEPT) : NULL;
	if (!job || weft_auth_new_token(r->token) || !(job->text = strdup(r->pw_hash))) {
		weft_job_free(job);
		http_respond_error(r, 500, "internal");
		http_req_release(r);
		return;
	}
	memcpy(job->token_hash, r->link_hash, 32);
	weft_auth_token_hash(r->token, WEFT_TOKEN_LEN, job->token_hash2);
	job->expires_ms = weft_now_ms() + (int64_t)r->srv->cfg->session_max * 1000;
	http_submit(r, job, signed_up);
	http_req_release(r);
}

void http_signup(struct http_req *r)
{
	struct weft_signup_body in;
	struct weft_parse_error err;
	int64_t user;
	int rc = weft_proto_parse_signup(r->body, r->bodylen, &in, &err);
	if (rc) {
		respond_message(r, parse_status(rc), err.code, err.message);
		goto out;
	}
	weft_auth_token_hash(in.token, WEFT_TOKEN_LEN, r->link_hash);
	rc = weft_store_signup_get(r->srv->store, r->link_hash, weft_now_ms(), &user);
	if (rc == WEFT_ENOTFOUND) {
		respond_message(r, 401, "unauthorized", WEFT_SIGNUP_LINK_INVALID);
	} else if (rc) {
		http_respond_error(r, 503, "unavailable");
	} else if (may_check_password(r, NULL)) {
		strcpy(r->password, in.password);
		start_task(r, signup_run, signup_hashed);
	}
out:
	OPENSSL_cleanse(&in, sizeof in);
}

void http_logout(struct http_req *r)
{
	int rc = weft_gate_session(r->srv, r->wsi, true, &r->ses);
	if (rc && rc != WEFT_EAUTH) {
		http_respond_error(r, 503, "unavailable");
		return;
	}
	if (rc) {
		snprintf(r->set_cookie, sizeof r->set_cookie, "__Host-weft=" COOKIE_ATTRS "; Max-Age=0");
		http_respond(r, 200, "application/json", strdup("{\"ok\":true}"));
		return;
	}
	/* Close live sockets now; the revocation commits right behind. */
	weft_fanout_close_session(r->srv, r->ses.id);
	struct weft_job *job = weft_job_new(WEFT_JOB_SESSION_REVOKE);
	if (!job) {
		http_respond_error(r, 500, "internal");
		return;
	}
	job->target = r->ses.id;
	http_submit(r, job, revoked);
}

void http_tokens(struct http_req *r)
{
	struct weft_token_body in;
	struct weft_parse_error err;
	if (!http_signed_in(r, false))
		return;
	int rc = weft_proto_parse_token(r->body, r->bodylen, &in, &err);
	if (rc) {
		http_respond_error(r, parse_status(rc), err.code); /* the code alone (PROTOCOL.md) */
		return;
	}
	snprintf(r->token_name, sizeof r->token_name, "%s", in.name);
	new_session(r, r->ses.user_id, r->token_name);
}

/* ---- A signed-in user's own password. */

static void password_changed(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = http_job_req(job);
	if (job->result) {
		http_respond_error(r, 503, "unavailable");
		return;
	}
	/* The other sessions end now (the poll of revocations would in 2 s). */
	struct weft_hub_user *u = weft_hub_user(&s->hub, r->ses.user_id, false);
	for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next)
		if (c->ses.id != r->ses.id)
			weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "signed out");
	weft_info("password.changed req=%s user=%s peer=%s", r->rid, r->ses.user.name, r->peer);
	http_respond(r, 200, "application/json", strdup("{\"ok\":true}"));
}

/* Worker thread: the current password, then the new one's hash. */
static void password_run(struct weft_task *t)
{
	struct http_req *r = (struct http_req *)((char *)t - offsetof(struct http_req, task));
	bool has = r->ua.pw_hash[0] != '\0';
	r->verified = weft_auth_verify_password(has ? r->ua.pw_hash : r->srv->dummy_hash, r->password) == WEFT_OK &&
		      has;
	r->hashed = r->verified && weft_auth_hash_password(r->new_password, r->srv->cfg->argon2_iterations,
							   r->srv->cfg->argon2_memory, r->pw_hash) == WEFT_OK;
	OPENSSL_cleanse(r->password, sizeof r->password);
	OPENSSL_cleanse(r->new_password, sizeof r->new_password);
}

static void password_checked(struct weft_task *t, void *ctx)
{
	(void)ctx;
	struct http_req *r = (struct http_req *)((char *)t - offsetof(struct http_req, task));
	struct weft_server *s = r->srv;
	s->auth_pending--;
	struct weft_job *job = NULL;
	if (!r->verified) {
		/* A stolen session must not make guessing the password cheap. */
		weft_throttle_failed(s->throttle, r->peer, r->login_name, weft_now_ms());
		weft_info("password.refused req=%s user=%s peer=%s", r->rid, r->login_name, r->peer);
		http_respond_error(r, 401, "unauthorized");
	} else if (!r->hashed || !(job = weft_job_new(WEFT_JOB_USER_PASSWORD)) || !(job->text = strdup(r->pw_hash))) {
		weft_job_free(job);
		http_respond_error(r, 500, "internal");
	} else {
		weft_throttle_passed(s->throttle, r->login_name);
		job->target = r->ses.user_id;
		job->keep_session = r->ses.id;
		http_submit(r, job, password_changed);
	}
	OPENSSL_cleanse(r->pw_hash, sizeof r->pw_hash);
	http_req_release(r);
}

void http_password(struct http_req *r)
{
	struct weft_password_body b;
	struct weft_parse_error err;
	if (!http_signed_in(r, true))
		return;
	if (weft_proto_parse_password(r->body, r->bodylen, &b, &err)) {
		OPENSSL_cleanse(&b, sizeof b);
		respond_message(r, 400, err.code, err.message);
		return;
	}
	lws_get_peer_simple(r->wsi, r->peer, sizeof r->peer);
	snprintf(r->login_name, sizeof r->login_name, "%s", r->ses.user.name);
	int rc = may_check_password(r, r->login_name) ? weft_store_user_by_name(r->srv->store, r->login_name, &r->ua)
							: WEFT_EBUSY;
	if (!rc) {
		memcpy(r->password, b.old, sizeof r->password);
		memcpy(r->new_password, b.new_password, sizeof r->new_password);
		start_task(r, password_run, password_checked);
	} else if (rc != WEFT_EBUSY) {
		http_respond_error(r, 503, "unavailable");
	}
	OPENSSL_cleanse(&b, sizeof b);
}

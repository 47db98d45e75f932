/* HTTP endpoints: /api/login, /api/logout, /api/tokens, /api/signup, /api/password, /api/me,
 * /api/import (import.c does the work), /healthz, /metrics; /api/files and /api/files/ID are handed to files.c.
 * Slow work (password checks, commits) completes asynchronously;
 * the response is written from HTTP_WRITEABLE. */
#include "weft/net.h"

#include <stdlib.h>
#include <string.h>

#define HTTP_BODY_MAX 4096
#define COOKIE_ATTRS "; Path=/; Secure; HttpOnly; SameSite=Strict"

enum route { R_NONE, R_LOGIN, R_LOGOUT, R_TOKENS, R_SIGNUP, R_PASSWORD, R_ME, R_HEALTH, R_METRICS, R_IMPORT, R_COUNT };
_Static_assert(R_COUNT == WEFT_HTTP_ROUTES, "WEFT_HTTP_ROUTES counts the routes");

static const struct {
	bool post;                      /* else GET */
	const char *path;
	enum route route;
} routes[] = {
	{ true, "/api/login", R_LOGIN },   { true, "/api/logout", R_LOGOUT }, { true, "/api/tokens", R_TOKENS },
	{ true, "/api/signup", R_SIGNUP }, { false, "/api/me", R_ME },        { false, "/healthz", R_HEALTH },
	{ false, "/metrics", R_METRICS }, { true, "/api/password", R_PASSWORD }, { true, "/api/import", R_IMPORT },
};

struct http_req {
	struct lws *wsi;                /* NULL once the connection closed */
	struct weft_server *srv;
	struct weft_job_owner owner;    /* the connection and each piece of work in flight */
	enum route route;
	char rid[17];                   /* request id: in the logs and the x-request-id header */
	uint64_t start_ns;
	bool post;
	char body[HTTP_BODY_MAX + 1];
	size_t bodylen;
	bool body_over;
	struct weft_import *imp;        /* /api/import: its body goes there, not to body */
	/* Response. */
	bool ready, headers_sent;
	int status;
	const char *ctype;
	char *resp;
	size_t resplen;
	char set_cookie[160];
	int retry_after_s;              /* a Retry-After header when nonzero */
	/* Login. */
	char peer[64];
	char login_name[65];            /* as given (throttled by it), cut to 64 bytes */
	struct weft_task task;
	char password[WEFT_PASSWORD_MAX + 1];
	char new_password[WEFT_PASSWORD_MAX + 1]; /* a password change's */
	struct weft_user_auth ua;
	bool found, verified;
	char token[WEFT_TOKEN_LEN + 1];
	char token_name[WEFT_TOKEN_NAME_MAX + 1];
	struct weft_session ses;
	/* Sign-up. */
	unsigned char link_hash[32];
	char pw_hash[WEFT_HASH_ENCODED_MAX];
	bool hashed;
};

struct http_pss {
	struct http_req *r;
	struct weft_xfer *x;            /* a files endpoint's request (files.c) */
};

static void req_free(struct weft_job_owner *o)
{
	struct http_req *r = weft_container_of(o, struct http_req, owner);
	OPENSSL_cleanse(r->password, sizeof r->password);
	OPENSSL_cleanse(r->new_password, sizeof r->new_password);
	OPENSSL_cleanse(r->token, sizeof r->token);
	OPENSSL_cleanse(r->pw_hash, sizeof r->pw_hash);
	free(r->resp);
	free(r);
}

const char *weft_http_route_name(int r)
{
	static const char *const names[] = { "other", "/api/login", "/api/logout", "/api/tokens", "/api/signup",
					     "/api/password", "/api/me", "/healthz", "/metrics", "/api/import" };
	_Static_assert(sizeof names / sizeof names[0] == R_COUNT, "a name per route");
	return r >= 0 && r < R_COUNT ? names[r] : "other";
}

/* The response is out: counted, timed and logged with the request's id
 * (the polled endpoints at debug level, the API at info). */
static void req_finished(struct http_req *r)
{
	struct weft_server *s = r->srv;
	uint64_t ns = weft_mono_ns() - r->start_ns;
	int cls = r->status / 100;
	s->stats.http_status[r->route][cls >= 1 && cls <= 5 ? cls : 5]++;
	weft_histo_observe(&s->stats.http[r->route], &weft_histo_latency, ns);
	weft_log(r->route == R_HEALTH || r->route == R_METRICS || r->route == R_ME ? WEFT_LOG_DEBUG : WEFT_LOG_INFO,
		 "http.request req=%s method=%s route=%s status=%d ms=%.3f", r->rid, r->post ? "POST" : "GET",
		 weft_http_route_name(r->route), r->status, (double)ns / 1e6);
}

static void req_release(struct http_req *r)
{
	weft_job_owner_unref(&r->owner);
}

/* The request a job was submitted for. */
static struct http_req *job_req(struct weft_job *job)
{
	return weft_container_of(job->owner, struct http_req, owner);
}

/* Sets the response (taking ownership of body) and asks to write it. */
static void respond(struct http_req *r, int status, const char *ctype, char *body)
{
	free(r->resp);
	r->status = status;
	r->ctype = ctype;
	r->resp = body;
	r->resplen = body ? strlen(body) : 0;
	r->ready = true;
	if (r->wsi)
		lws_callback_on_writable(r->wsi);
}

static void respond_json(struct http_req *r, int status, cJSON *obj)
{
	char *s = weft_proto_print(obj, NULL);
	respond(r, status, "application/json", s ? s : strdup("{}"));
}

static void respond_error(struct http_req *r, int status, const char *code)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", code);
	respond_json(r, status, o);
}

static cJSON *user_json(const struct weft_user_ref *u, bool admin)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *user = weft_proto_user(u);
	cJSON_AddBoolToObject(user, "admin", admin);
	cJSON_AddItemToObject(o, "user", user);
	return o;
}

/* Fills r->ses with the request's session; otherwise answers 401 (none) or
 * 503 (the store failed) and returns false. */
static bool signed_in(struct http_req *r, bool allow_bearer)
{
	int rc = weft_gate_session(r->srv, r->wsi, allow_bearer, &r->ses);
	if (rc)
		respond_error(r, rc == WEFT_EAUTH ? 401 : 503, rc == WEFT_EAUTH ? "unauthorized" : "unavailable");
	return !rc;
}

/* ---- Work completions. */

static void health_done(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = job_req(job);
	if (job->result)
		respond(r, 503, "application/json", strdup("{\"status\":\"unavailable\"}"));
	else
		respond(r, 200, "application/json", strdup("{\"status\":\"ok\"}"));
}

static void session_created(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = job_req(job);
	if (job->result) {
		respond_error(r, 503, "unavailable");
	} else if (r->route == R_LOGIN) {
		snprintf(r->set_cookie, sizeof r->set_cookie, "__Host-weft=%s" COOKIE_ATTRS, r->token);
		respond_json(r, 200, user_json(&r->ua.user, r->ua.admin));
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "token", r->token);
		cJSON_AddStringToObject(o, "name", r->token_name);
		cJSON_AddNumberToObject(o, "expires_in", r->srv->cfg->session_max);
		respond_json(r, 200, o);
	}
	OPENSSL_cleanse(r->token, sizeof r->token);
}

static void revoked(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = job_req(job);
	snprintf(r->set_cookie, sizeof r->set_cookie, "__Host-weft=" COOKIE_ATTRS "; Max-Age=0");
	respond(r, job->result ? 503 : 200, "application/json",
		strdup(job->result ? "{\"error\":\"unavailable\"}" : "{\"ok\":true}"));
}

static int submit(struct http_req *r, struct weft_job *job, void (*on_done)(struct weft_server *, struct weft_job *))
{
	if (weft_server_submit(r->srv, &r->owner, job, on_done)) {
		respond_error(r, 503, "unavailable");
		return WEFT_EBUSY;
	}
	return WEFT_OK;
}

static int new_session(struct http_req *r, int64_t user_id, const char *name)
{
	struct weft_job *job = weft_job_new(WEFT_JOB_SESSION_CREATE);
	if (!job || weft_auth_new_token(r->token)) {
		weft_job_free(job);
		respond_error(r, 500, "internal");
		return WEFT_EIO;
	}
	weft_auth_token_hash(r->token, WEFT_TOKEN_LEN, job->token_hash);
	job->target = user_id;
	job->expires_ms = weft_now_ms() + (int64_t)r->srv->cfg->session_max * 1000;
	if (name && !(job->text = strdup(name))) {
		weft_job_free(job);
		respond_error(r, 500, "internal");
		return WEFT_ENOMEM;
	}
	return submit(r, job, session_created);
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
		respond_error(r, 401, "unauthorized");
	}
	req_release(r);
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
		req_release(r);
		respond_error(r, 503, "unavailable");
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
		respond_json(r, 429, o);
		return false;
	}
	if (s->auth_pending >= s->cfg->auth_queue) {
		r->retry_after_s = 1;
		respond_error(r, 503, "unavailable");
		return false;
	}
	return true;
}

/* The status of a body's parse failure (weft_proto_parse_*). */
static int parse_status(int rc)
{
	return rc == WEFT_EAUTH ? 401 : 400;
}

static void do_login(struct http_req *r)
{
	struct weft_login_body in;
	struct weft_parse_error err;
	int rc = weft_proto_parse_login(r->body, r->bodylen, &in, &err);
	if (rc) {
		respond_error(r, parse_status(rc), err.code); /* the code alone (PROTOCOL.md) */
		return;
	}
	lws_get_peer_simple(r->wsi, r->peer, sizeof r->peer);
	snprintf(r->login_name, sizeof r->login_name, "%.64s", in.username);
	if (!may_check_password(r, r->login_name))
		goto out;
	rc = weft_store_user_by_name(r->srv->store, in.username, &r->ua);
	if (rc && rc != WEFT_ENOTFOUND) {
		respond_error(r, 503, "unavailable");
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
	respond_json(r, status, o);
}

static void signed_up(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = job_req(job);
	struct weft_profile p;
	if (job->result == WEFT_EAUTH) {
		respond_message(r, 401, "unauthorized", WEFT_SIGNUP_LINK_INVALID);
	} else if (job->result || weft_store_user_get(r->srv->store, job->target, &p)) {
		respond_error(r, 503, "unavailable");
	} else {
		weft_info("signup.ok req=%s user=%s", r->rid, p.user.name);
		snprintf(r->set_cookie, sizeof r->set_cookie, "__Host-weft=%s" COOKIE_ATTRS, r->token);
		respond_json(r, 200, user_json(&p.user, p.admin));
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
		respond_error(r, 500, "internal");
		req_release(r);
		return;
	}
	memcpy(job->token_hash, r->link_hash, 32);
	weft_auth_token_hash(r->token, WEFT_TOKEN_LEN, job->token_hash2);
	job->expires_ms = weft_now_ms() + (int64_t)r->srv->cfg->session_max * 1000;
	submit(r, job, signed_up);
	req_release(r);
}

static void do_signup(struct http_req *r)
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
		respond_error(r, 503, "unavailable");
	} else if (may_check_password(r, NULL)) {
		strcpy(r->password, in.password);
		start_task(r, signup_run, signup_hashed);
	}
out:
	OPENSSL_cleanse(&in, sizeof in);
}

static void do_logout(struct http_req *r)
{
	int rc = weft_gate_session(r->srv, r->wsi, true, &r->ses);
	if (rc && rc != WEFT_EAUTH) {
		respond_error(r, 503, "unavailable");
		return;
	}
	if (rc) {
		snprintf(r->set_cookie, sizeof r->set_cookie, "__Host-weft=" COOKIE_ATTRS "; Max-Age=0");
		respond(r, 200, "application/json", strdup("{\"ok\":true}"));
		return;
	}
	/* Close live sockets now; the revocation commits right behind. */
	weft_fanout_close_session(r->srv, r->ses.id);
	struct weft_job *job = weft_job_new(WEFT_JOB_SESSION_REVOKE);
	if (!job) {
		respond_error(r, 500, "internal");
		return;
	}
	job->target = r->ses.id;
	submit(r, job, revoked);
}

static void do_tokens(struct http_req *r)
{
	struct weft_token_body in;
	struct weft_parse_error err;
	if (!signed_in(r, false))
		return;
	int rc = weft_proto_parse_token(r->body, r->bodylen, &in, &err);
	if (rc) {
		respond_error(r, parse_status(rc), err.code); /* the code alone (PROTOCOL.md) */
		return;
	}
	snprintf(r->token_name, sizeof r->token_name, "%s", in.name);
	new_session(r, r->ses.user_id, r->token_name);
}

static void do_me(struct http_req *r)
{
	if (!signed_in(r, true))
		return;
	respond_json(r, 200, user_json(&r->ses.user, r->ses.admin));
}

static bool loopback_peer(struct lws *wsi)
{
	char peer[64];
	lws_get_peer_simple(wsi, peer, sizeof peer);
	return !strcmp(peer, "127.0.0.1") || !strcmp(peer, "::1") || !strncmp(peer, "::ffff:127.", 11) ||
	       !strncmp(peer, "127.", 4);
}

static void do_metrics(struct http_req *r)
{
	struct weft_server *s = r->srv;
	struct weft_session ses;
	bool open = s->cfg->metrics_open_loopback && loopback_peer(r->wsi);
	if (!open && (weft_gate_session(s, r->wsi, true, &ses) || !ses.admin)) {
		respond_error(r, 403, "forbidden");
		return;
	}
	char *out = weft_metrics_text(s);
	if (!out) {
		respond_error(r, 500, "internal");
		return;
	}
	respond(r, 200, "text/plain; version=0.0.4", out);
}

/* ---- A signed-in user's own password. */

static void password_changed(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = job_req(job);
	if (job->result) {
		respond_error(r, 503, "unavailable");
		return;
	}
	/* The other sessions end now (the poll of revocations would in 2 s). */
	struct weft_hub_user *u = weft_hub_user(&s->hub, r->ses.user_id, false);
	for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next)
		if (c->ses.id != r->ses.id)
			weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "signed out");
	weft_info("password.changed req=%s user=%s peer=%s", r->rid, r->ses.user.name, r->peer);
	respond(r, 200, "application/json", strdup("{\"ok\":true}"));
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
		respond_error(r, 401, "unauthorized");
	} else if (!r->hashed || !(job = weft_job_new(WEFT_JOB_USER_PASSWORD)) || !(job->text = strdup(r->pw_hash))) {
		weft_job_free(job);
		respond_error(r, 500, "internal");
	} else {
		weft_throttle_passed(s->throttle, r->login_name);
		job->target = r->ses.user_id;
		job->keep_session = r->ses.id;
		submit(r, job, password_changed);
	}
	OPENSSL_cleanse(r->pw_hash, sizeof r->pw_hash);
	req_release(r);
}

static void do_password(struct http_req *r)
{
	struct weft_password_body b;
	struct weft_parse_error err;
	if (!signed_in(r, true))
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
		respond_error(r, 503, "unavailable");
	}
	OPENSSL_cleanse(&b, sizeof b);
}

/* ---- An administrator's roster (import.c). */

static void import_reply(void *ctx, int status, char *json)
{
	struct http_req *r = ctx;
	r->imp = NULL;
	respond(r, status, "application/json", json);
}

/* Before the body: only an administrator's session may send one (cookie or
 * bearer); ?dry_run=1 checks without writing. */
static void do_import_begin(struct http_req *r, long length)
{
	char dry[32];
	if (!signed_in(r, true))
		return;
	if (!r->ses.admin) {
		respond_error(r, 403, "forbidden");
		return;
	}
	if (length > WEFT_IMPORT_BODY_MAX) {
		respond_error(r, 413, "too_large");
		return;
	}
	const char *v = lws_get_urlarg_by_name(r->wsi, "dry_run=", dry, (int)sizeof dry);
	bool is_dry = v && strcmp(v, "0") && strcmp(v, "false");
	if (!(r->imp = weft_import_new(r->srv, is_dry, &r->owner, import_reply, r))) {
		r->retry_after_s = 5;
		respond_error(r, 503, "unavailable");
		return;
	}
	weft_info("import.start req=%s dry_run=%d user=%s bytes=%ld", r->rid, is_dry, r->ses.user.name, length);
	if (length <= 0)
		weft_import_start(r->imp);
}

/* The request goes away (closed, or done): an import not started yet with
 * it; one running finishes its batch and answers nobody. */
static void drop_import(struct http_req *r)
{
	struct weft_import *im = r->imp;
	r->imp = NULL;
	if (im)
		weft_import_detach(im);
}

static void run_post(struct http_req *r)
{
	if (r->body_over) {
		drop_import(r);
		respond_error(r, 413, "too_large");
		return;
	}
	r->body[r->bodylen] = '\0';
	if (r->route == R_IMPORT) {
		if (r->imp)
			weft_import_start(r->imp);
		return;
	}
	switch (r->route) {
	case R_LOGIN: do_login(r); break;
	case R_LOGOUT: do_logout(r); break;
	case R_TOKENS: do_tokens(r); break;
	case R_SIGNUP: do_signup(r); break;
	case R_PASSWORD: do_password(r); break;
	default: respond_error(r, 404, "not_found"); break;
	}
}

static int on_http(struct weft_server *s, struct lws *wsi, struct http_pss *pss)
{
	char uri[256] = "", origin[512];
	bool post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
	bool get = !post && lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
	lws_hdr_copy(wsi, uri, sizeof uri, post ? WSI_TOKEN_POST_URI : WSI_TOKEN_GET_URI);

	if (pss->r) {
		pss->r->wsi = NULL;
		drop_import(pss->r);
		req_release(pss->r);
		pss->r = NULL;
	}
	weft_xfer_closed(&pss->x);
	if ((pss->x = weft_xfer_start(s, wsi, uri, post)))
		return 0;
	struct http_req *r = calloc(1, sizeof *r);
	if (!r)
		return -1;
	r->wsi = wsi;
	r->srv = s;
	r->owner.refs = 1;
	r->owner.release = req_free;
	r->start_ns = weft_mono_ns();
	r->post = post;
	snprintf(r->rid, sizeof r->rid, "%08x%08x", s->boot_id, ++s->http_seq);
	pss->r = r;

	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if ((routes[i].post ? post : get) && !strcmp(uri, routes[i].path))
			r->route = routes[i].route;

	if (post && lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) > 0 &&
	    !weft_gate_origin_ok(s, origin)) {
		r->route = R_NONE;
		respond_error(r, 403, "forbidden");
		return 0;
	}
	switch (r->route) {
	case R_NONE:
		respond_error(r, (post || get) ? 404 : 405, (post || get) ? "not_found" : "method_not_allowed");
		return 0;
	case R_ME:
		do_me(r);
		return 0;
	case R_METRICS:
		do_metrics(r);
		return 0;
	case R_IMPORT: {
		char cl[32];
		do_import_begin(r, lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ? atol(cl) : 0);
		return 0;
	}
	case R_HEALTH: {
		struct weft_job *job = weft_job_new(WEFT_JOB_NOP);
		if (!job)
			respond_error(r, 500, "internal");
		else
			submit(r, job, health_done);
		return 0;
	}
	default: {
		/* POST: the work starts once the body is in. */
		char cl[32];
		if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 || atol(cl) == 0)
			run_post(r);
		else if (atol(cl) > HTTP_BODY_MAX)
			respond_error(r, 413, "too_large");
		return 0;
	}
	}
}

static int on_writable(struct http_pss *pss, struct http_req *r, struct lws *wsi)
{
	if (!r->ready)
		return 0;
	if (!r->headers_sent) {
		unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
		if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->ctype, r->resplen, &p, end) ||
		    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
						(const unsigned char *)"no-store", 8, &p, end))
			return -1;
		/* The security headers come from the vhost (server.c). */
		if (r->set_cookie[0] &&
		    lws_add_http_header_by_name(wsi, (const unsigned char *)"set-cookie:",
						(const unsigned char *)r->set_cookie,
						(int)strlen(r->set_cookie), &p, end))
			return -1;
		OPENSSL_cleanse(r->set_cookie, sizeof r->set_cookie);
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-request-id:",
						(const unsigned char *)r->rid, 16, &p, end))
			return -1;
		char retry[16];
		int rl = snprintf(retry, sizeof retry, "%d", r->retry_after_s);
		if (r->retry_after_s &&
		    lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:", (const unsigned char *)retry,
						rl, &p, end))
			return -1;
		if (lws_finalize_write_http_header(wsi, start, &p, end))
			return -1;
		r->headers_sent = true;
		lws_callback_on_writable(wsi);
		return 0;
	}
	size_t n = r->resplen;
	unsigned char *buf = malloc(LWS_PRE + n + 1);
	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, r->resp ? r->resp : "", n);
	int w = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
	free(buf);
	if (w < 0)
		return -1;
	req_finished(r);
	/* The keep-alive connection may carry another request: detach this one. */
	r->wsi = NULL;
	pss->r = NULL;
	req_release(r);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct weft_server *s = lws_context_user(lws_get_context(wsi));
	struct http_pss *pss = user;
	struct http_req *r = pss ? pss->r : NULL;

	/* A files endpoint's request is files.c's. (pss is this protocol's
	 * only for these reasons: lws also calls here for WebSockets.) */
	bool http_reason = reason == LWS_CALLBACK_HTTP_BODY || reason == LWS_CALLBACK_HTTP_BODY_COMPLETION ||
			   reason == LWS_CALLBACK_HTTP_WRITEABLE || reason == LWS_CALLBACK_CLOSED_HTTP ||
			   reason == LWS_CALLBACK_HTTP_DROP_PROTOCOL;
	if (pss && http_reason && pss->x) {
		switch (reason) {
		case LWS_CALLBACK_HTTP_BODY:
			return weft_xfer_body(pss->x, in, len);
		case LWS_CALLBACK_HTTP_BODY_COMPLETION:
			weft_xfer_body_done(pss->x);
			return 0;
		case LWS_CALLBACK_HTTP_WRITEABLE:
			return weft_xfer_writable(&pss->x);
		case LWS_CALLBACK_CLOSED_HTTP:
		case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
			weft_xfer_closed(&pss->x);
			return 0;
		default:
			break;
		}
	}
	switch (reason) {
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
		/* The vhost's server context, being made: a reload
		 * (reload.c) replaces its certificate. */
		if (s)
			s->ssl_ctx = user;
		return 0;
	case LWS_CALLBACK_HTTP:
		return on_http(s, wsi, pss);
	case LWS_CALLBACK_HTTP_BODY:
		if (!r)
			return -1;
		if (r->imp) {
			if (!r->body_over && weft_import_body(r->imp, in, len))
				r->body_over = true;
			return 0;
		}
		if (r->bodylen + len > HTTP_BODY_MAX)
			r->body_over = true;
		else if (len) {
			memcpy(r->body + r->bodylen, in, len);
			r->bodylen += len;
		}
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (r && !r->ready)
			run_post(r);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return r ? on_writable(pss, r, wsi) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (r) {
			r->wsi = NULL;
			pss->r = NULL;
			drop_import(r);
			req_release(r);
		}
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

const struct lws_protocols weft_http_protocol = {
	.name = "weft-http",
	.callback = http_callback,
	.per_session_data_size = sizeof(struct http_pss),
	.rx_buffer_size = 0,
};

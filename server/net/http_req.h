/* Private to server/net/: an HTTP API request (http.c routes it and writes
 * its response; http_auth.c holds the endpoints of credentials: login,
 * sign-up, tokens, logout, a password change; http_req.c the parts both
 * use, so neither includes the other's work). Service thread, except the
 * fields an auth worker owns while a task is in flight. */
#ifndef WEFT_NET_HTTP_REQ_H
#define WEFT_NET_HTTP_REQ_H

#include "weft/net.h"

#define HTTP_BODY_MAX 4096
#define COOKIE_ATTRS "; Path=/; Secure; HttpOnly; SameSite=Strict"

enum route { R_NONE, R_LOGIN, R_LOGOUT, R_TOKENS, R_SIGNUP, R_PASSWORD, R_ME, R_HEALTH, R_METRICS, R_IMPORT, R_COUNT };
_Static_assert(R_COUNT == WEFT_HTTP_ROUTES, "WEFT_HTTP_ROUTES counts the routes");

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

/* The rest is http_req.c's. The request a job was submitted for. */
struct http_req *http_job_req(struct weft_job *job);
/* Drops a reference (the connection's, a job's or a task's). */
void http_req_release(struct http_req *r);
/* Sets the response (taking ownership of body) and asks to write it. */
void http_respond(struct http_req *r, int status, const char *ctype, char *body);
/* The same with a JSON body (takes ownership of obj). */
void http_respond_json(struct http_req *r, int status, cJSON *obj);
/* {"error": code}. */
void http_respond_error(struct http_req *r, int status, const char *code);
/* {"user": {…, "admin"}} for login, sign-up and /api/me. */
cJSON *http_user_json(const struct weft_user_ref *u, bool admin);
/* Fills r->ses with the request's session; otherwise answers 401 (none) or
 * 503 (the store failed) and returns false. */
bool http_signed_in(struct http_req *r, bool allow_bearer);
/* Hands job to the writer with on_done to run on completion; a full queue
 * is answered 503. */
int http_submit(struct http_req *r, struct weft_job *job, void (*on_done)(struct weft_server *, struct weft_job *));

/* The credential endpoints (http_auth.c), each once the body is in. */
void http_login(struct http_req *r);
void http_signup(struct http_req *r);
void http_logout(struct http_req *r);
void http_tokens(struct http_req *r);
void http_password(struct http_req *r);

#endif

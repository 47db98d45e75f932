/* An HTTP API request's shared parts (http_req.h): its responses, its
 * session, its jobs and its route's name, used by http.c (routing and
 * writing) and http_auth.c (the credential endpoints). Service thread. */
#include "http_req.h"

#include <stdlib.h>
#include <string.h>

const char *weft_http_route_name(int r)
{
	static const char *const names[] = { "other", "/api/login", "/api/logout", "/api/tokens", "/api/signup",
					     "/api/password", "/api/me", "/healthz", "/metrics", "/api/import" };
	_Static_assert(sizeof names / sizeof names[0] == R_COUNT, "a name per route");
	return r >= 0 && r < R_COUNT ? names[r] : "other";
}

void http_req_release(struct http_req *r)
{
	weft_job_owner_unref(&r->owner);
}

/* The request a job was submitted for. */
struct http_req *http_job_req(struct weft_job *job)
{
	return weft_container_of(job->owner, struct http_req, owner);
}

/* Sets the response (taking ownership of body) and asks to write it. */
void http_respond(struct http_req *r, int status, const char *ctype, char *body)
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

void http_respond_json(struct http_req *r, int status, cJSON *obj)
{
	char *s = weft_proto_print(obj, NULL);
	http_respond(r, status, "application/json", s ? s : strdup("{}"));
}

void http_respond_error(struct http_req *r, int status, const char *code)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", code);
	http_respond_json(r, status, o);
}

cJSON *http_user_json(const struct weft_user_ref *u, bool admin)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *user = weft_proto_user(u);
	cJSON_AddBoolToObject(user, "admin", admin);
	cJSON_AddItemToObject(o, "user", user);
	return o;
}

/* Fills r->ses with the request's session; otherwise answers 401 (none) or
 * 503 (the store failed) and returns false. */
bool http_signed_in(struct http_req *r, bool allow_bearer)
{
	int rc = weft_gate_session(r->srv, r->wsi, allow_bearer, &r->ses);
	if (rc)
		http_respond_error(r, rc == WEFT_EAUTH ? 401 : 503, rc == WEFT_EAUTH ? "unauthorized" : "unavailable");
	return !rc;
}

int http_submit(struct http_req *r, struct weft_job *job, void (*on_done)(struct weft_server *, struct weft_job *))
{
	if (weft_server_submit(r->srv, &r->owner, job, on_done)) {
		http_respond_error(r, 503, "unavailable");
		return WEFT_EBUSY;
	}
	return WEFT_OK;
}

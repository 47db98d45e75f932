/* HTTP endpoints: routing of /api/login, /api/logout, /api/tokens, /api/signup, /api/password
 * (http_auth.c does those), /api/me, /api/import (import.c does the work), /healthz, /metrics;
 * /api/files and /api/files/ID are handed to files.c. Slow work (password checks, commits)
 * completes asynchronously; the response is written from HTTP_WRITEABLE. */
#include "http_req.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	bool post;                      /* else GET */
	const char *path;
	enum route route;
} routes[] = {
	{ true, "/api/login", R_LOGIN },   { true, "/api/logout", R_LOGOUT }, { true, "/api/tokens", R_TOKENS },
	{ true, "/api/signup", R_SIGNUP }, { false, "/api/me", R_ME },        { false, "/healthz", R_HEALTH },
	{ false, "/metrics", R_METRICS }, { true, "/api/password", R_PASSWORD }, { true, "/api/import", R_IMPORT },
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

/* ---- Work completions. */

static void health_done(struct weft_server *s, struct weft_job *job)
{
	struct http_req *r = http_job_req(job);
	if (job->result)
		http_respond(r, 503, "application/json", strdup("{\"status\":\"unavailable\"}"));
	else
		http_respond(r, 200, "application/json", strdup("{\"status\":\"ok\"}"));
}

static void do_me(struct http_req *r)
{
	if (!http_signed_in(r, true))
		return;
	http_respond_json(r, 200, http_user_json(&r->ses.user, r->ses.admin));
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
		http_respond_error(r, 403, "forbidden");
		return;
	}
	char *out = weft_metrics_text(s);
	if (!out) {
		http_respond_error(r, 500, "internal");
		return;
	}
	http_respond(r, 200, "text/plain; version=0.0.4", out);
}

/* ---- An administrator's roster (import.c). */

static void import_reply(void *ctx, int status, char *json)
{
	struct http_req *r = ctx;
	r->imp = NULL;
	http_respond(r, status, "application/json", json);
}

/* Before the body: only an administrator's session may send one (cookie or
 * bearer); ?dry_run=1 checks without writing. */
static void do_import_begin(struct http_req *r, long length)
{
	char dry[32];
	if (!http_signed_in(r, true))
		return;
	if (!r->ses.admin) {
		http_respond_error(r, 403, "forbidden");
		return;
	}
	if (length > WEFT_IMPORT_BODY_MAX) {
		http_respond_error(r, 413, "too_large");
		return;
	}
	const char *v = lws_get_urlarg_by_name(r->wsi, "dry_run=", dry, (int)sizeof dry);
	bool is_dry = v && strcmp(v, "0") && strcmp(v, "false");
	if (!(r->imp = weft_import_new(r->srv, is_dry, &r->owner, import_reply, r))) {
		r->retry_after_s = 5;
		http_respond_error(r, 503, "unavailable");
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
		http_respond_error(r, 413, "too_large");
		return;
	}
	r->body[r->bodylen] = '\0';
	if (r->route == R_IMPORT) {
		if (r->imp)
			weft_import_start(r->imp);
		return;
	}
	switch (r->route) {
	case R_LOGIN: http_login(r); break;
	case R_LOGOUT: http_logout(r); break;
	case R_TOKENS: http_tokens(r); break;
	case R_SIGNUP: http_signup(r); break;
	case R_PASSWORD: http_password(r); break;
	default: http_respond_error(r, 404, "not_found"); break;
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
		http_req_release(pss->r);
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
		http_respond_error(r, 403, "forbidden");
		return 0;
	}
	switch (r->route) {
	case R_NONE:
		http_respond_error(r, (post || get) ? 404 : 405, (post || get) ? "not_found" : "method_not_allowed");
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
			http_respond_error(r, 500, "internal");
		else
			http_submit(r, job, health_done);
		return 0;
	}
	default: {
		/* POST: the work starts once the body is in. */
		char cl[32];
		if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 || atol(cl) == 0)
			run_post(r);
		else if (atol(cl) > HTTP_BODY_MAX)
			http_respond_error(r, 413, "too_large");
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
	http_req_release(r);
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
			http_req_release(r);
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

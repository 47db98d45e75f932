/* POST /api/files?channel=C&name=NAME: the raw body is the file. Service
 * thread, but for upload_run (a file worker).
 *
 * The body comes in lws's reads (LWS_CALLBACK_HTTP_BODY); each is copied
 * into a chunk and the chunks go to a file worker, one task at a time so
 * they stay in order, which writes them to a temporary file and hashes
 * them (SHA-256). When more than UPLOAD_HIGH bytes wait for the worker,
 * reading the socket stops (lws_rx_flow_control) until they are below
 * UPLOAD_LOW: a slow disk slows the sender, not the server's memory. And
 * all uploads together are read at most at upload_rate (the pace, below):
 * on a small machine the bodies' decryption, copies, hashing and writes
 * would otherwise take the cores the chat needs. At
 * the end the worker syncs the file and moves it into the blob store
 * (weft/blobs.h), and the writer commits the row and the quota. An upload
 * cut off, refused or failed leaves no file behind: its temporary file is
 * removed by the worker, and a blob linked for a row that did not commit
 * is collected. */
#include "xfer.h"

#include "weft/filemeta.h"
#include "weft/policy.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPLOAD_HIGH (512 * 1024)
#define UPLOAD_LOW (128 * 1024)
#define DAY_MS (24 * 3600 * 1000LL)
/* The pace's bucket holds 20 ms of the rate, and at least one read. */
#define PACE_BURST_US 20000
#define PACE_BURST_MIN (64 * 1024)

/* Reading stops while the worker is behind or the pace says wait. */
static void flow(struct weft_xfer *x)
{
	bool off = x->paused || x->waiting;
	if (x->wsi && off != x->flow_off) {
		x->flow_off = off;
		lws_rx_flow_control(x->wsi, off ? 0 : 1);
	}
}

/* ---- The pace: a token bucket of upload_rate bytes per second, shared by
 * every upload. An upload that finds it owing joins the line and stops
 * reading; once the debt is paid (a timer, at the time the rate pays it),
 * the whole line reads again. Each read is at most one lws buffer (32 KiB),
 * so the debt stays small and the uploads share the rate. */

void upload_pace_init(struct weft_server *s)
{
	s->pace.line = NULL;
	s->pace.tail = &s->pace.line;
}

static int64_t pace_rate(const struct weft_server *s)
{
	return (int64_t)s->cfg->upload_rate * 1024 * 1024;
}

static void pace_refill(struct weft_server *s, int64_t rate)
{
	lws_usec_t now = lws_now_usecs();
	int64_t cap = rate * PACE_BURST_US / LWS_US_PER_SEC;
	if (cap < PACE_BURST_MIN)
		cap = PACE_BURST_MIN;
	int64_t elapsed = now - s->pace.at;
	if (elapsed > LWS_US_PER_SEC) /* idle longer than that refills it anyway */
		elapsed = LWS_US_PER_SEC;
	if (elapsed > 0)
		s->pace.tokens += elapsed * rate / LWS_US_PER_SEC;
	if (s->pace.tokens > cap)
		s->pace.tokens = cap;
	s->pace.at = now;
}

static void pace_resume(lws_sorted_usec_list_t *sul);

static void pace_schedule(struct weft_server *s, int64_t rate)
{
	lws_sul_schedule(s->ctx, 0, &s->pace.sul, pace_resume, -s->pace.tokens * LWS_US_PER_SEC / rate + 1);
}

static void pace_resume(lws_sorted_usec_list_t *sul)
{
	struct weft_server *s = weft_container_of(sul, struct weft_server, pace.sul);
	int64_t rate = pace_rate(s); /* 0 after a reload lifted the limit */
	if (rate) {
		pace_refill(s, rate);
		if (s->pace.tokens < 0) {
			pace_schedule(s, rate);
			return;
		}
	}
	struct weft_xfer *line = s->pace.line;
	upload_pace_init(s);
	while (line) {
		struct weft_xfer *x = line;
		line = x->pace_next;
		x->pace_next = NULL;
		x->waiting = false;
		flow(x);
	}
}

/* Counts len bytes read; the upload waits in line when they put the pace
 * in debt. */
static void pace_take(struct weft_xfer *x, size_t len)
{
	struct weft_server *s = x->srv;
	int64_t rate = pace_rate(s);
	if (!rate)
		return;
	pace_refill(s, rate);
	s->pace.tokens -= (int64_t)len;
	if (s->pace.tokens >= 0 || x->waiting)
		return;
	x->waiting = true;
	*s->pace.tail = x;
	s->pace.tail = &x->pace_next;
	pace_schedule(s, rate);
}

static void pace_leave(struct weft_xfer *x)
{
	struct weft_server *s = x->srv;
	if (!x->waiting)
		return;
	for (struct weft_xfer **pp = &s->pace.line; *pp; pp = &(*pp)->pace_next)
		if (*pp == x) {
			*pp = x->pace_next;
			if (s->pace.tail == &x->pace_next)
				s->pace.tail = pp;
			break;
		}
	x->pace_next = NULL;
	x->waiting = false;
}

static void free_chunks(struct xfer_chunk *c)
{
	while (c) {
		struct xfer_chunk *next = c->next;
		free(c);
		c = next;
	}
}

void upload_free(struct weft_xfer *x)
{
	assert(!x->waiting); /* detached first */
	free_chunks(x->pend);
	free_chunks(x->work);
	/* No task is in flight once the last reference goes: w is ours. */
	weft_blobs_writer_abort(&x->w);
}

/* Worker thread. */
void upload_run(struct weft_xfer *x)
{
	struct weft_blobs *b = x->srv->blobs;
	x->werr = WEFT_OK;
	if (x->op == XOP_ABORT) {
		weft_blobs_writer_abort(&x->w);
		return;
	}
	if (x->w.fd < 0 && (x->werr = weft_blobs_writer_open(b, &x->w)))
		return;
	for (struct xfer_chunk *c = x->work; c && !x->werr; c = c->next)
		x->werr = weft_blobs_writer_write(&x->w, c->data, c->len);
	if (!x->werr && x->op == XOP_COMMIT) {
		x->sha[0] = '\0';
		x->werr = weft_blobs_writer_commit(b, &x->w, x->sha);
	}
}

static void file_created(struct weft_server *s, struct weft_job *job)
{
	struct weft_xfer *x = weft_container_of(job->owner, struct weft_xfer, owner);
	weft_blobs_unpin(s->blobs, x->sha);
	x->pinned = false;
	if (job->result) {
		/* The row did not commit: the blob may be named by nothing. */
		weft_files_collect(s, x->sha);
		if (job->result == WEFT_ETOOLARGE) {
			char msg[160];
			snprintf(msg, sizeof msg, "daily upload quota reached: %lld of %d bytes used in the last 24 hours",
				 (long long)job->used, s->cfg->file_quota);
			xfer_error(x, 413, "too_large", msg, "file_quota", s->cfg->file_quota);
		} else {
			xfer_error(x, 503, "unavailable", "the store is busy; try again", NULL, 0);
		}
		return;
	}
	s->stats.uploads++;
	s->stats.upload_bytes += (uint64_t)x->received;
	weft_info("files.uploaded user=%s bytes=%lld channel=%lld", x->ses.user.name, (long long)x->received,
		  (long long)x->channel);
	cJSON *o = cJSON_CreateObject(), *f = cJSON_AddObjectToObject(o, "file");
	cJSON_AddNumberToObject(f, "id", (double)job->id);
	cJSON_AddStringToObject(f, "name", x->name);
	cJSON_AddNumberToObject(f, "size", (double)x->received);
	cJSON_AddStringToObject(f, "type", x->type);
	cJSON_AddStringToObject(f, "sha256", x->sha);
	char *body = weft_proto_print(o, NULL);
	xfer_respond(x, body ? 200 : 500, body ? body : strdup("{\"error\":\"internal\"}"));
}

static void submit_row(struct weft_xfer *x)
{
	struct weft_job *job = weft_job_new(WEFT_JOB_FILE_CREATE);
	if (!job || !(job->text = strdup(x->name))) {
		weft_job_free(job);
		weft_blobs_unpin(x->srv->blobs, x->sha);
		weft_files_collect(x->srv, x->sha);
		xfer_error(x, 500, "internal", "out of memory", NULL, 0);
		return;
	}
	job->user = x->ses.user_id;
	job->channel = x->channel;
	job->size = x->received;
	job->file_quota = x->srv->cfg->file_quota;
	snprintf(job->file_type, sizeof job->file_type, "%s", x->type);
	snprintf(job->sha256, sizeof job->sha256, "%s", x->sha);
	if (weft_server_submit(x->srv, &x->owner, job, file_created)) {
		weft_blobs_unpin(x->srv->blobs, x->sha);
		weft_files_collect(x->srv, x->sha);
		xfer_error(x, 503, "unavailable", "the server is shutting down", NULL, 0);
	}
}

/* Hands what came to the worker, or finishes, or cleans up. */
static void kick(struct weft_xfer *x)
{
	if (x->busy)
		return;
	if (x->cancelled || x->failed) {
		if (x->w.fd >= 0)
			xfer_submit(x, XOP_ABORT);
		return;
	}
	if (x->pend || (x->body_done && x->op != XOP_COMMIT)) {
		x->work = x->pend;
		x->pend = NULL;
		x->pend_tail = &x->pend;
		xfer_submit(x, x->body_done ? XOP_COMMIT : XOP_WRITE);
	}
}

void upload_done(struct weft_xfer *x)
{
	enum xfer_op op = x->op;
	for (struct xfer_chunk *c = x->work; c; c = c->next)
		x->queued -= c->len;
	free_chunks(x->work);
	x->work = NULL;
	if (op == XOP_ABORT)
		return;
	if (x->werr) {
		if (op == XOP_COMMIT && x->sha[0])
			weft_blobs_unpin(x->srv->blobs, x->sha);
		if (!x->failed && !x->cancelled)
			xfer_error(x, 503, "unavailable",
				   x->werr == WEFT_EBUSY ? "the server has no room for the file" : "the file could not be stored",
				   NULL, 0);
		x->failed = true;
		kick(x);
		return;
	}
	if (x->paused && x->queued < UPLOAD_LOW) {
		x->paused = false;
		flow(x);
	}
	if (op == XOP_COMMIT) {
		if (x->cancelled) {
			/* Cut off after the last byte: no one will learn its id. */
			weft_blobs_unpin(x->srv->blobs, x->sha);
			weft_files_collect(x->srv, x->sha);
			return;
		}
		x->pinned = true;
		submit_row(x);
		return;
	}
	kick(x);
}

int weft_xfer_body(struct weft_xfer *x, const void *in, size_t len)
{
	if (!x->upload || x->failed || x->ready || !len)
		return 0; /* refused already: the rest is drained unread */
	x->received += (int64_t)len;
	if (x->received > x->expect || x->received > x->srv->cfg->max_file) {
		x->failed = true;
		xfer_error(x, 413, "too_large", "the body is longer than its Content-Length or max_file", "max_file",
			   x->srv->cfg->max_file);
		kick(x);
		return 0;
	}
	struct xfer_chunk *c = malloc(sizeof *c + len);
	if (!c) {
		x->failed = true;
		xfer_error(x, 500, "internal", "out of memory", NULL, 0);
		kick(x);
		return 0;
	}
	c->next = NULL;
	c->len = len;
	memcpy(c->data, in, len);
	*x->pend_tail = c;
	x->pend_tail = &c->next;
	x->queued += len;
	if (x->queued > UPLOAD_HIGH)
		x->paused = true;
	pace_take(x, len);
	flow(x);
	kick(x);
	return 0;
}

void weft_xfer_body_done(struct weft_xfer *x)
{
	if (!x->upload || x->failed || x->ready)
		return;
	x->body_done = true;
	kick(x);
}

/* The connection closed, or moved on to its next request: an upload not
 * finished is cut off, and its temporary file goes. */
void weft_xfer_upload_detach(struct weft_xfer *x)
{
	if (!x->ready || x->status != 200)
		x->cancelled = true;
	pace_leave(x);
	x->paused = false;
	flow(x); /* the connection reads its next request */
	x->wsi = NULL;
	kick(x);
}

/* The refusals that need no body; 0 when the upload may start. */
static int upload_check(struct weft_xfer *x, struct lws *wsi)
{
	struct weft_server *s = x->srv;
	char buf[WEFT_FILE_NAME_BYTES + 16], origin[512];
	if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) > 0 && !weft_gate_origin_ok(s, origin))
		return xfer_error(x, 403, "forbidden", "origin not allowed", NULL, 0), -1;
	int rc = weft_gate_session(s, wsi, true, &x->ses);
	if (rc)
		return xfer_error(x, rc == WEFT_EAUTH ? 401 : 503, rc == WEFT_EAUTH ? "unauthorized" : "unavailable",
				  NULL, NULL, 0), -1;
	const char *v = lws_get_urlarg_by_name(wsi, "channel=", buf, sizeof buf);
	char *end;
	x->channel = v ? strtoll(v, &end, 10) : 0;
	if (!v || !*v || *end || x->channel < 1)
		return xfer_error(x, 400, "bad_request", "channel must be a channel id", NULL, 0), -1;
	v = lws_get_urlarg_by_name(wsi, "name=", buf, sizeof buf);
	const char *why = v ? weft_file_name_problem(v) : "name is required";
	if (why)
		return xfer_error(x, 400, "bad_request", why, NULL, 0), -1;
	snprintf(x->name, sizeof x->name, "%s", v);
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, x->channel);
	if (!ch)
		return xfer_error(x, 404, "not_found", "no such channel", NULL, 0), -1;
	int role = weft_hub_role(ch, x->ses.user_id);
	if (!weft_policy_allows(role, ch->info.kind, ch->info.access, ch->info.archived, WEFT_ACT_POST))
		return xfer_error(x, 403, "forbidden",
				  weft_policy_denial(role, ch->info.kind, ch->info.access, ch->info.archived, WEFT_ACT_POST),
				  NULL, 0), -1;
	char type[256] = "";
	if (lws_hdr_copy(wsi, type, sizeof type, WSI_TOKEN_HTTP_CONTENT_TYPE) < 0)
		type[0] = '\0';
	weft_file_type_normalize(type, x->type);
	char cl[32] = "";
	if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
		x->close_after = true; /* where the body ends is unknown */
		return xfer_error(x, 411, "bad_request", "Content-Length is required", NULL, 0), -1;
	}
	x->expect = strtoll(cl, &end, 10);
	if (*end || x->expect < 0)
		return x->close_after = true, xfer_error(x, 400, "bad_request", "bad Content-Length", NULL, 0), -1;
	/* Far more than allowed is not worth reading to the end. */
	x->close_after = x->expect > 2 * (int64_t)s->cfg->max_file + 1024 * 1024;
	if (x->expect == 0)
		return xfer_error(x, 400, "bad_request", "the file is empty", NULL, 0), -1;
	if (x->expect > s->cfg->max_file) {
		char msg[96];
		snprintf(msg, sizeof msg, "the file is larger than limits.max_file (%d bytes)", s->cfg->max_file);
		return xfer_error(x, 413, "too_large", msg, "max_file", s->cfg->max_file), -1;
	}
	int64_t used = 0;
	if (s->cfg->file_quota &&
	    (rc = weft_store_upload_usage(s->store, x->ses.user_id, weft_now_ms() - DAY_MS, &used)))
		return xfer_error(x, 503, "unavailable", "the store is busy; try again", NULL, 0), -1;
	if (s->cfg->file_quota && used + x->expect > s->cfg->file_quota) {
		char msg[160];
		snprintf(msg, sizeof msg, "daily upload quota reached: %lld of %d bytes used in the last 24 hours",
			 (long long)used, s->cfg->file_quota);
		return xfer_error(x, 413, "too_large", msg, "file_quota", s->cfg->file_quota), -1;
	}
	return 0;
}

struct weft_xfer *weft_xfer_upload(struct weft_server *s, struct lws *wsi)
{
	struct weft_xfer *x = xfer_new(s, wsi, true);
	if (!x)
		return NULL;
	if (upload_check(x, wsi))
		x->failed = true;
	return x;
}

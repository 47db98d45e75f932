/* Files on the service thread: what uploads (upload.c) and downloads
 * (download.c) share — a transfer's lifetime, its tasks on the file
 * workers, its response — and the blob store's upkeep: blobs a committed
 * job stopped naming are handed to a worker for removal, and a timer has
 * the writer drop uploads no message attached within file_unattached_ttl.
 * Bulk bytes never pass through here whole: an upload's body goes to a
 * worker in chunks of lws's reads, a download comes back in chunks of
 * XFER_CHUNK. */
#include "xfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Transfers. */

static void xfer_free(struct weft_job_owner *o)
{
	struct weft_xfer *x = weft_container_of(o, struct weft_xfer, owner);
	if (x->upload)
		upload_free(x);
	if (x->fd >= 0)
		close(x->fd);
	free(x->buf);
	free(x->resp);
	free(x);
}

struct weft_xfer *xfer_new(struct weft_server *s, struct lws *wsi, bool upload)
{
	struct weft_xfer *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->wsi = wsi;
	x->srv = s;
	x->upload = upload;
	x->owner.refs = 1;
	x->owner.release = xfer_free;
	x->pend_tail = &x->pend;
	x->fd = -1;
	x->w.fd = -1;
	return x;
}

void xfer_release(struct weft_xfer *x)
{
	weft_job_owner_unref(&x->owner);
}

/* Worker thread: the transfer is the worker's until done. */
static void xfer_run(struct weft_task *t)
{
	struct weft_xfer *x = weft_container_of(t, struct weft_xfer, task);
	if (x->upload)
		upload_run(x);
	else
		download_run(x);
}

static void xfer_done(struct weft_task *t, void *ctx)
{
	(void)ctx;
	struct weft_xfer *x = weft_container_of(t, struct weft_xfer, task);
	x->busy = false;
	if (x->upload)
		upload_done(x);
	else
		download_done(x);
	xfer_release(x);
}

void xfer_submit(struct weft_xfer *x, enum xfer_op op)
{
	x->op = op;
	x->task.run = xfer_run;
	x->task.done = xfer_done;
	x->busy = true;
	weft_job_owner_ref(&x->owner);
	if (weft_workq_submit(x->srv->files_wq, &x->task)) {
		/* Stopping: nothing more runs; a temporary upload file is
		 * removed at the next start. */
		x->busy = false;
		x->werr = WEFT_EBUSY;
		x->failed = true;
		xfer_error(x, 503, "unavailable", "the server is shutting down", NULL, 0);
		xfer_release(x);
	}
}

void xfer_respond(struct weft_xfer *x, int status, char *body)
{
	free(x->resp);
	x->status = status;
	x->resp = body;
	x->resplen = body ? strlen(body) : 0;
	x->ready = true;
	if (x->wsi)
		lws_callback_on_writable(x->wsi);
}

void xfer_error(struct weft_xfer *x, int status, const char *code, const char *message, const char *key,
		int64_t value)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", code);
	if (message)
		cJSON_AddStringToObject(o, "message", message);
	if (key)
		cJSON_AddNumberToObject(o, key, (double)value);
	char *s = weft_proto_print(o, NULL);
	xfer_respond(x, status, s ? s : strdup("{}"));
}

int xfer_headers(struct weft_xfer *x, int status, const char *ctype, int64_t length, const char *const *extra,
		 unsigned char *start, unsigned char **p, unsigned char *end)
{
	struct lws *wsi = x->wsi;
	if (lws_add_http_common_headers(wsi, (unsigned)status, ctype, (lws_filepos_t)length, p, end))
		return -1;
	for (; extra && extra[0]; extra += 2)
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)extra[0], (const unsigned char *)extra[1],
						(int)strlen(extra[1]), p, end))
			return -1;
	if (x->close_after &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:", (const unsigned char *)"close", 5,
					p, end))
		return -1;
	/* The security headers (nosniff among them) come from the vhost. */
	return lws_finalize_write_http_header(wsi, start, p, end);
}

/* ---- The HTTP protocol's hooks (http.c). */

struct weft_xfer *weft_xfer_start(struct weft_server *s, struct lws *wsi, const char *uri, bool post)
{
	if (post && !strcmp(uri, "/api/files"))
		return weft_xfer_upload(s, wsi);
	if (!post && !strncmp(uri, "/api/files/", 11))
		return weft_xfer_download(s, wsi, uri + 11);
	return NULL;
}

/* Lets go of the connection: the transfer may still finish work in flight. */
static void detach(struct weft_xfer **slot)
{
	struct weft_xfer *x = *slot;
	*slot = NULL;
	if (x->upload)
		weft_xfer_upload_detach(x);
	x->wsi = NULL;
	xfer_release(x);
}

int weft_xfer_writable(struct weft_xfer **slot)
{
	struct weft_xfer *x = *slot;
	struct lws *wsi = x->wsi;
	if (x->upload && !x->ready)
		return 0;
	int rc = x->upload ? xfer_write_json(x) : download_writable(x);
	if (rc <= 0)
		return rc;
	bool close_after = x->close_after;
	detach(slot);
	/* A body left unread is drained by lws before the next request. */
	return close_after || lws_http_transaction_completed(wsi) ? -1 : 0;
}

void weft_xfer_closed(struct weft_xfer **slot)
{
	if (*slot)
		detach(slot);
}

/* ---- Removing the blobs committed jobs stopped naming, on a worker. */

struct collect_task {
	struct weft_task task;
	struct weft_blobs *blobs;
	char (*sha)[WEFT_SHA256_HEX];    /* owned; NULL: retry the deferred, or sweep */
	int n;
	bool sweep;
};

static void collect_run(struct weft_task *t)
{
	struct collect_task *c = weft_container_of(t, struct collect_task, task);
	if (c->sweep)
		weft_blobs_sweep(c->blobs);
	else if (c->sha)
		weft_blobs_collect(c->blobs, (const char(*)[WEFT_SHA256_HEX])c->sha, c->n);
	weft_blobs_retry(c->blobs);
}

static void collect_done(struct weft_task *t, void *ctx)
{
	(void)ctx;
	struct collect_task *c = weft_container_of(t, struct collect_task, task);
	free(c->sha);
	free(c);
}

/* Takes ownership of sha (may be NULL). */
static void collect(struct weft_server *s, char (*sha)[WEFT_SHA256_HEX], int n, bool sweep)
{
	struct collect_task *c = calloc(1, sizeof *c);
	if (c) {
		c->task.run = collect_run;
		c->task.done = collect_done;
		c->blobs = s->blobs;
		c->sha = sha;
		c->n = n;
		c->sweep = sweep;
		if (!weft_workq_submit(s->files_wq, &c->task))
			return;
		free(c);
	}
	/* Stopping, or out of memory: the next start's sweep removes them. */
	free(sha);
}

void weft_files_collect(struct weft_server *s, const char *sha256)
{
	char(*one)[WEFT_SHA256_HEX] = malloc(sizeof *one);
	if (one)
		snprintf(one[0], WEFT_SHA256_HEX, "%s", sha256);
	collect(s, one, one ? 1 : 0, false);
}

void weft_files_gone(struct weft_server *s, struct weft_job *job)
{
	if (!job->ngone || job->result)
		return;
	collect(s, job->gone, job->ngone, false);
	job->gone = NULL;
	job->ngone = 0;
}

/* ---- Uploads no message attached: dropped after file_unattached_ttl. */

static void schedule_expiry(struct weft_server *s, bool soon);

static void expired(struct weft_server *s, struct weft_job *job)
{
	s->expiring = false;
	if (job->result)
		weft_warn("files.expiry_failed error=%s", weft_strerror(job->result));
	/* A full batch: more are due now. */
	schedule_expiry(s, !job->result && job->flag);
}

static void expire_tick(lws_sorted_usec_list_t *sul)
{
	struct weft_server *s = weft_container_of(sul, struct weft_server, file_sweep);
	struct weft_job *job = s->expiring ? NULL : weft_job_new(WEFT_JOB_FILES_EXPIRE);
	if (!job) {
		schedule_expiry(s, false);
		return;
	}
	job->expires_ms = weft_now_ms() - (int64_t)s->cfg->file_unattached_ttl * 1000;
	s->expiring = true;
	if (weft_server_submit(s, NULL, job, expired))
		s->expiring = false;
	/* Removals a backup held back are tried again on each tick. */
	collect(s, NULL, 0, false);
}

/* Every tenth of the time-to-live (at least a second, at most ten
 * minutes): an upload outlives its time by at most that much. */
static void schedule_expiry(struct weft_server *s, bool soon)
{
	int64_t every = (int64_t)s->cfg->file_unattached_ttl * LWS_US_PER_SEC / 10;
	if (every < LWS_US_PER_SEC)
		every = LWS_US_PER_SEC;
	if (every > 600 * (int64_t)LWS_US_PER_SEC)
		every = 600 * (int64_t)LWS_US_PER_SEC;
	lws_sul_schedule(s->ctx, 0, &s->file_sweep, expire_tick, soon ? 1000 : every);
}

void weft_files_start(struct weft_server *s)
{
	upload_pace_init(s);
	collect(s, NULL, 0, true);
	schedule_expiry(s, false);
}

int xfer_write_json(struct weft_xfer *x)
{
	if (!x->headers_sent) {
		unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
		static const char *const extra[] = { "cache-control:", "no-store", NULL };
		if (xfer_headers(x, x->status, "application/json", (int64_t)x->resplen, extra, start, &p, end))
			return -1;
		x->headers_sent = true;
		lws_callback_on_writable(x->wsi);
		return 0;
	}
	unsigned char *buf = malloc(LWS_PRE + x->resplen + 1);
	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, x->resp ? x->resp : "", x->resplen);
	int w = lws_write(x->wsi, buf + LWS_PRE, x->resplen, LWS_WRITE_HTTP_FINAL);
	free(buf);
	return w < 0 ? -1 : 1;
}

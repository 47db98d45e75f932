/* GET /api/files/ID: the bytes of an uploaded file, to those who may read
 * its channel (the uploader alone while it is not attached); to anyone
 * else 404, exactly as for a file that does not exist. Service thread,
 * but for download_run (a file worker).
 *
 * The file is read by a file worker, XFER_CHUNK bytes at a time, and each
 * chunk written from HTTP_WRITEABLE: the service thread never waits for
 * the disk. (lws_serve_http_file would read on the service thread; its
 * regular-file reads are short, but a cold disk is not, and this build of
 * lws serves no Range.) One byte range is served (206); other Range forms
 * get the whole file. Headers: the stored type, unless a browser could
 * run it (then application/octet-stream); Content-Disposition attachment
 * with the name (RFC 6266), inline for PNG, JPEG, GIF and WebP; CSP
 * sandbox; nosniff comes with every response (the vhost's headers). */
#include "xfer.h"

#include "weft/filemeta.h"
#include "weft/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Worker thread. */
void download_run(struct weft_xfer *x)
{
	x->werr = WEFT_OK;
	if (x->op == XOP_OPEN) {
		char path[WEFT_BLOB_PATH_MAX];
		struct stat st;
		if (weft_blobs_path(x->srv->blobs, x->file.sha256, path, sizeof path) ||
		    (x->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			x->werr = errno == ENOENT ? WEFT_ENOTFOUND : WEFT_EIO;
			return;
		}
		if (fstat(x->fd, &st) || st.st_size != x->file.size) {
			x->werr = WEFT_EIO;
			return;
		}
	}
	size_t want = (size_t)(x->end + 1 - x->off < XFER_CHUNK ? x->end + 1 - x->off : XFER_CHUNK);
	size_t got = 0;
	while (got < want) {
		ssize_t n = pread(x->fd, x->buf + LWS_PRE + got, want - got, x->off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			x->werr = WEFT_EIO;
			return;
		}
		got += (size_t)n;
	}
	x->off += (int64_t)got;
	x->buflen = got;
}

void download_done(struct weft_xfer *x)
{
	if (x->werr) {
		weft_err("files.read_failed file=%lld reason=%s", (long long)x->file.id,
			 x->werr == WEFT_ENOTFOUND ? "its blob is missing" : "read error");
		if (!x->headers_sent) {
			xfer_error(x, x->werr == WEFT_ENOTFOUND ? 404 : 500,
				   x->werr == WEFT_ENOTFOUND ? "not_found" : "internal", NULL, NULL, 0);
			return;
		}
		x->done = true; /* the headers went: only closing tells the client */
	}
	if (x->wsi)
		lws_callback_on_writable(x->wsi);
}

static int send_headers(struct weft_xfer *x)
{
	unsigned char buf[LWS_PRE + 4096], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
	char disp[2048], range[96];
	bool inline_ = weft_file_inline(x->file.type);
	if (weft_file_disposition(x->file.name, inline_, disp, sizeof disp))
		snprintf(disp, sizeof disp, "%s", inline_ ? "inline" : "attachment");
	snprintf(range, sizeof range, "bytes %lld-%lld/%lld", (long long)x->first, (long long)x->end,
		 (long long)x->file.size);
	const char *extra[] = {
		"content-disposition:", disp,
		"content-security-policy:", "sandbox",
		/* A file's bytes never change under its id; who may read them
		 * can, so no shared cache keeps them. */
		"cache-control:", "private, max-age=3600",
		"accept-ranges:", "bytes",
		x->partial ? "content-range:" : NULL, range,
		NULL,
	};
	if (xfer_headers(x, x->partial ? 206 : 200, weft_file_served_type(x->file.type), x->end + 1 - x->first, extra,
			 start, &p, end))
		return -1;
	x->headers_sent = true;
	x->srv->stats.downloads++;
	return 0;
}

/* 1 once the last byte is written, 0 for more, -1 to close. */
int download_writable(struct weft_xfer *x)
{
	if (x->ready)
		return xfer_write_json(x);
	if (x->done)
		return -1;
	/* While a worker reads, buflen and off are its own: lws may call
	 * here meanwhile (a partial write drained), and the chunk goes, and
	 * the next read is asked for, only once download_done has run. */
	if (!x->headers_sent) {
		if (send_headers(x))
			return -1;
		if (!x->busy && x->buflen)
			lws_callback_on_writable(x->wsi);
		return 0;
	}
	if (x->busy || !x->buflen)
		return 0;
	bool last = x->off > x->end;
	size_t n = x->buflen;
	x->buflen = 0;
	if (lws_write(x->wsi, x->buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
		return -1;
	if (last)
		return 1;
	xfer_submit(x, XOP_READ);
	return 0;
}

/* Who may read file f: those who may read its channel, once attached;
 * before that only its uploader. */
static bool may_read(struct weft_server *s, const struct weft_session *ses, const struct weft_file_info *f)
{
	if (!f->message)
		return f->uploader.id == ses->user_id;
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, f->channel);
	if (!ch)
		return false;
	int role = weft_hub_role(ch, ses->user_id);
	return weft_policy_allows(role, ch->info.kind, ch->info.access, ch->info.archived, WEFT_ACT_READ);
}

struct weft_xfer *weft_xfer_download(struct weft_server *s, struct lws *wsi, const char *id)
{
	struct weft_xfer *x = xfer_new(s, wsi, false);
	if (!x)
		return NULL;
	int rc = weft_gate_session(s, wsi, true, &x->ses);
	if (rc) {
		xfer_error(x, rc == WEFT_EAUTH ? 401 : 503, rc == WEFT_EAUTH ? "unauthorized" : "unavailable", NULL, NULL, 0);
		return x;
	}
	char *end;
	long long fid = *id >= '1' && *id <= '9' ? strtoll(id, &end, 10) : 0;
	if (fid > 0 && !*end)
		rc = weft_store_file_get(s->store, fid, &x->file);
	if (fid <= 0 || *end || rc == WEFT_ENOTFOUND || (!rc && !may_read(s, &x->ses, &x->file))) {
		xfer_error(x, 404, "not_found", "no such file", NULL, 0);
		return x;
	}
	if (rc || !(x->buf = malloc(LWS_PRE + XFER_CHUNK))) {
		xfer_error(x, 503, "unavailable", "files are unavailable", NULL, 0);
		return x;
	}
	char hdr[128];
	int64_t a = 0, b = x->file.size - 1;
	int r = lws_hdr_copy(wsi, hdr, sizeof hdr, WSI_TOKEN_HTTP_RANGE) > 0
			? weft_file_range(hdr, x->file.size, &a, &b)
			: 1;
	if (r < 0) {
		xfer_error(x, 416, "bad_request", "the range is outside the file", "size", x->file.size);
		return x;
	}
	x->partial = r == 0;
	x->first = x->off = a;
	x->end = b;
	xfer_submit(x, XOP_OPEN);
	return x;
}

/* Private to server/net/: a file transfer over HTTP (an upload to POST
 * /api/files or a download of GET /api/files/ID) and what upload.c,
 * download.c and files.c share. Service thread, except the fields a
 * worker owns while a task is in flight (busy). */
#ifndef WEFT_NET_XFER_H
#define WEFT_NET_XFER_H

#include "weft/blobs.h"
#include "weft/net.h"

/* A piece of an upload's body, copied out of lws's buffer. */
struct xfer_chunk {
	struct xfer_chunk *next;
	size_t len;
	unsigned char data[];
};

enum xfer_op { XOP_NONE, XOP_WRITE, XOP_COMMIT, XOP_ABORT, XOP_OPEN, XOP_READ };

struct weft_xfer {
	struct lws *wsi;                /* NULL once the connection closed or moved on */
	struct weft_server *srv;
	/* The connection's reference, the task's in flight, the writer job's. */
	struct weft_job_owner owner;
	bool upload;
	struct weft_session ses;

	/* Work on a file worker: one task at a time (chunks of an upload stay
	 * in order). While busy, op and what it names are the worker's. */
	struct weft_task task;
	bool busy;
	enum xfer_op op;
	int werr;                       /* the task's result */

	/* The response. */
	bool ready, headers_sent, done;
	int status;
	char *resp;                     /* JSON body (owned) */
	size_t resplen;
	bool close_after;               /* the body left unread is too big to drain */

	/* Upload. */
	int64_t channel;
	char name[WEFT_FILE_NAME_BYTES];
	char type[WEFT_FILE_TYPE_MAX + 1];
	int64_t expect, received;       /* Content-Length, bytes come so far */
	struct xfer_chunk *pend, **pend_tail; /* come, not yet handed to the worker */
	struct xfer_chunk *work;        /* handed to the worker */
	size_t queued;                  /* bytes in pend and work */
	bool paused;                    /* the worker is behind (queued went past UPLOAD_HIGH) */
	bool waiting;                   /* in the pace's line (s->pace) */
	bool flow_off;                  /* reading stopped (lws_rx_flow_control): paused or waiting */
	struct weft_xfer *pace_next;
	bool body_done, failed, cancelled, pinned;
	struct weft_blob_writer w;
	char sha[WEFT_SHA256_HEX];

	/* Download. */
	struct weft_file_info file;
	int fd;
	int64_t off, end;               /* the next byte to read, the last to send */
	bool partial;
	int64_t first;                  /* a range's first byte */
	unsigned char *buf;             /* LWS_PRE + XFER_CHUNK */
	size_t buflen;                  /* bytes read and not yet written */
};

#define XFER_CHUNK (64 * 1024)

/* files.c */
/* A new transfer for wsi (one reference: the connection's). */
struct weft_xfer *xfer_new(struct weft_server *s, struct lws *wsi, bool upload);
void xfer_release(struct weft_xfer *x);
/* Hands op to a file worker (taking a reference until its done runs). */
void xfer_submit(struct weft_xfer *x, enum xfer_op op);
/* Sets the response (taking ownership of the JSON body) and asks to write it. */
void xfer_respond(struct weft_xfer *x, int status, char *body);
/* An error response {"error":code,"message":message} plus, when key is
 * set, "key": value. */
void xfer_error(struct weft_xfer *x, int status, const char *code, const char *message, const char *key,
		int64_t value);
/* Writes the status line and headers of a response (and extra, a list of
 * "name:" value pairs ended by NULL) into the buffer at start, from *p to
 * end, and sends them. 0 or -1. */
int xfer_headers(struct weft_xfer *x, int status, const char *ctype, int64_t length, const char *const *extra,
		 unsigned char *start, unsigned char **p, unsigned char *end);
/* Writes a JSON response prepared by xfer_respond (headers, then body at
 * the next writable). 1 once it is all written, 0 for more, -1 to close. */
int xfer_write_json(struct weft_xfer *x);

/* upload.c / download.c: the worker side of a task and its completion. */
void upload_run(struct weft_xfer *x);
void upload_done(struct weft_xfer *x);
void download_run(struct weft_xfer *x);
void download_done(struct weft_xfer *x);
int download_writable(struct weft_xfer *x);
void upload_free(struct weft_xfer *x);
/* upload.c: the pace's line starts empty (weft_files_start). */
void upload_pace_init(struct weft_server *s);

#endif

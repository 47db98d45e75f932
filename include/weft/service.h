/* The service thread's state, shared by its modules (server/net/,
 * server/cmd/): the server and its connections. Only the service thread
 * touches these, unless a field says otherwise. */
#ifndef WEFT_SERVICE_H
#define WEFT_SERVICE_H

#include <ev.h>
#include <libwebsockets.h>
#include <signal.h>

#include "weft/auth.h"
#include "weft/blobs.h"
#include "weft/config.h"
#include "weft/histo.h"
#include "weft/hub.h"
#include "weft/proto.h"
#include "weft/store.h"
#include "weft/throttle.h"
#include "weft/workq.h"

#define WEFT_ORIGINS_MAX 16
#define WEFT_REPLAY_QUEUE_LOW 128    /* refill replay when the queue is below this */
/* Upper bounds in microseconds of the buckets of weft_history_seconds
 * (/metrics); one more bucket counts the rest (+Inf). Fine around 1 ms,
 * where the benchmark target lies. */
#define WEFT_HISTORY_BOUNDS_US 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 750, \
	1000, 1250, 1500, 2000, 3000, 5000, 10000, 25000, 100000
#define WEFT_HISTORY_NBOUNDS 21
/* Rows of the command table that /metrics counts one by one (table.c
 * asserts the table fits), and the HTTP routes of http.c. */
#define WEFT_STATS_CMDS 96
#define WEFT_HTTP_ROUTES 10
/* Bytes of queued WebSocket frames written at once: several frames share one
 * TLS write (fewer records and syscalls); also lws's per-write limit. */
#define WEFT_TX_BATCH (16 * 1024)

struct weft_xfer;

struct weft_server {
	struct weft_config *cfg;
	struct weft_limits limits;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct ev_loop *loop;        /* event_loop = epoll: libev's loop, lws's foreign loop */
	void *foreign_loops[1];
	ev_prepare stop_check;       /* breaks the loop once *stop is set; reloads once *reload is */
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t *reload; /* set by SIGHUP (main.c); NULL: no reloads */
	int argc;                    /* the command line the configuration is read from again */
	char **argv;
	struct weft_config **retired; /* configurations replaced by reloads: freed with the server */
	int nretired;
	SSL_CTX *ssl_ctx;            /* the vhost's TLS context */
	struct weft_tls_pair *tls_pair;       /* the certificate of the last reload, for new handshakes (reload.c) */
	struct weft_store *store;
	struct weft_workq *auth;
	struct weft_workq *files_wq; /* file workers: upload bytes written and hashed, downloads read */
	struct weft_blobs *blobs;    /* the blob store (weft/blobs.h) */
	lws_sorted_usec_list_t file_sweep; /* expiry of uploads never attached (net/files.c) */
	/* Upload pacing (net/upload.c): a token bucket of upload_rate, and
	 * the uploads that found it empty, in the order they did. */
	struct {
		int64_t tokens;               /* bytes; below 0: owed */
		lws_usec_t at;                /* when tokens was last refilled */
		lws_sorted_usec_list_t sul;   /* resumes the line once the debt is paid */
		struct weft_xfer *line, **tail;
	} pace;
	bool expiring;               /* an expiry job is with the writer */
	int auth_pending;            /* password checks handed to the workers, not yet back */
	struct weft_workq *search;   /* the search workers (server/cmd/search.c) */
	struct weft_search_pool *search_pool; /* their connections */
	int search_pending;          /* searches handed to the workers, not yet back */
	struct weft_weave *weave;    /* weaving's slow reads and the health figures (cmd/weave.h) */
	struct weft_throttle *throttle; /* failed sign-ins per address and name */
	struct weft_hub hub;
	int64_t last_seq;            /* newest event fanned out */
	char *origins[WEFT_ORIGINS_MAX];
	int norigins;
	char csp[2048];
	char hsts[64];
	struct lws_protocol_vhost_options headers[6];
	char dummy_hash[WEFT_HASH_ENCODED_MAX];   /* verified for unknown users: equal timing */
	lws_sorted_usec_list_t sweep; /* periodic: deactivations made outside (CLI) */
	lws_sorted_usec_list_t lag_probe; /* periodic: how late the loop runs its timers */
	lws_usec_t lag_due;          /* when lag_probe should run next */
	int64_t swept_ms;
	uint64_t trim_activity;      /* connections + frames + logins, at the previous sweep */
	uint64_t trim_total;         /* conns_total and nconns at the last malloc_trim */
	int trim_nconns;
	struct weft_addr_count **addr_tab; /* connections per peer address (hash chains, gate.c) */
	size_t addr_buckets;
	struct weft_coord *coord;    /* standup schedules, open standups, the digest (coord.c) */
	struct weft_stage *stage;    /* live sessions, queues and floors, mutes, slow mode (stage.c) */
	struct weft_conn *conns;     /* every WebSocket connection */
	int nconns;
	unsigned char *txbuf;        /* LWS_PRE + WEFT_TX_BATCH: frames coalesced into one write (conn.c) */
	struct {
		uint64_t conns_total, frames_sent, ws_writes, events, dropped_slow, rate_limited, logins, login_failures;
		uint64_t malloc_trims;       /* free heap pages handed back after a wave of connections */
		uint64_t queued_bytes;       /* gauge: payload bytes queued on every connection */
		uint64_t held;               /* gauge: connections whose requests wait for their queue to drain */
		/* history pages served: time from dispatch to reply queued */
		uint64_t history_buckets[WEFT_HISTORY_NBOUNDS + 1]; /* per bucket, not cumulative */
		uint64_t history_count, history_ns;
		/* WebSocket requests by row of the command table: service-thread
		 * time from dispatch to the handler's return (a write's commit
		 * is weft_commit_seconds); requests that did not parse. */
		struct weft_histo req[WEFT_STATS_CMDS];
		uint64_t req_invalid;
		/* HTTP requests by route (http.c): from the request line to the
		 * response written; and by status class (1xx..5xx). */
		struct weft_histo http[WEFT_HTTP_ROUTES];
		uint64_t http_status[WEFT_HTTP_ROUTES][6];
		struct weft_histo replay_events; /* events sent per resume, up to synced */
		uint64_t reloads, reload_failures;
		/* searches answered (results or a refusal from the worker): from
		 * dispatch to the answer queued, the worker's wait included */
		struct weft_histo search;
		/* files: uploads committed and their bytes; downloads whose
		 * headers went out (200 or 206) */
		uint64_t uploads, upload_bytes, downloads;
		/* how late the service loop ran a timer due every LAG_PROBE_US:
		 * the time something held the loop (a handler, a write, a
		 * read of a body) */
		struct weft_histo loop_lag;
	} stats;
	uint32_t boot_id;            /* random per start: the high half of HTTP request ids */
	uint32_t http_seq;           /* the low half */
};

struct weft_search_pool;
struct weft_weave;

struct weft_addr_count {
	struct weft_addr_count *next;
	int count;
	char addr[64];
};

/* A client frame kept for later: see weft_conn_hold. */
struct weft_pending {
	struct weft_pending *next;
	size_t len;
	bool binary;
	char data[];
};

/* In order: a later state is past every earlier one. */
enum weft_conn_state { WEFT_CONN_NEW, WEFT_CONN_REPLAY, WEFT_CONN_LIVE };

struct weft_replay;

struct weft_conn {
	struct weft_server *srv;
	struct lws *wsi;             /* NULL once the socket closed */
	struct weft_session ses;
	char peer[64];
	int state;
	/* Bounded ring of frames waiting to be written. */
	struct weft_frame **q;
	uint32_t qhead, qlen, qcap;
	size_t qbytes;               /* payload bytes of the queued frames */
	/* Requests that arrived while the queue was backlogged, in order: run
	 * once it drains (conn.c, ws.c). */
	struct weft_pending *pend_head, *pend_tail;
	size_t pend_bytes;
	int npend;
	/* Reassembly of one WebSocket message. */
	char *rx;
	size_t rxlen, rxcap;
	bool rx_over, rx_binary;
	/* Liveness (monotonic ms): a frame started and not finished, the last
	 * whole frame or pong, a ping sent and not answered. */
	int64_t frame_ms, rx_ms, ping_ms;
	bool ping_due;               /* a ping waits for the next writable */
	int oversize_strikes;
	/* Token bucket. */
	double tokens;
	int64_t refill_ms;
	int rate_strikes;
	struct weft_replay *replay;
	struct weft_conn *user_next, *user_prev;
	struct weft_conn *all_next, *all_prev;
	struct weft_job_owner owner; /* the open socket and each job in flight that names this conn */
	int close_code;              /* nonzero: close at the next writable */
	const char *close_reason;
	int64_t touched_ms;
	int64_t *watch;              /* presence.watch: ascending user ids (owned) */
	int nwatch;
};

#endif

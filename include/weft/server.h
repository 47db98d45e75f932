/* The service thread's state and the seams between its modules: the lws
 * adapter (server.c, conn.c, http.c), command handlers (cmd.c), resume
 * (replay.c). Service thread only, unless a function says otherwise. */
#ifndef WEFT_SERVER_H
#define WEFT_SERVER_H

#include <ev.h>
#include <libwebsockets.h>
#include <signal.h>

#include "weft/auth.h"
#include "weft/config.h"
#include "weft/hub.h"
#include "weft/proto.h"
#include "weft/store.h"
#include "weft/workq.h"

#define WEFT_ORIGINS_MAX 16
#define WEFT_REPLAY_QUEUE_LOW 128    /* refill replay when the queue is below this */
/* Upper bounds in microseconds of the buckets of weft_history_seconds
 * (/metrics); one more bucket counts the rest (+Inf). Fine around 1 ms,
 * where the benchmark target lies. */
#define WEFT_HISTORY_BOUNDS_US 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 750, \
	1000, 1250, 1500, 2000, 3000, 5000, 10000, 25000, 100000
#define WEFT_HISTORY_NBOUNDS 21
/* Bytes of queued WebSocket frames written at once: several frames share one
 * TLS write (fewer records and syscalls); also lws's per-write limit. */
#define WEFT_TX_BATCH (16 * 1024)

struct weft_server {
	struct weft_config *cfg;
	struct weft_limits limits;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct ev_loop *loop;        /* event_loop = epoll: libev's loop, lws's foreign loop */
	void *foreign_loops[1];
	ev_prepare stop_check;       /* breaks the loop once *stop is set */
	volatile sig_atomic_t *stop;
	struct weft_store *store;
	struct weft_workq *auth;
	struct weft_hub hub;
	int64_t last_seq;            /* newest event fanned out */
	uint64_t next_serial;
	char *origins[WEFT_ORIGINS_MAX];
	int norigins;
	char csp[2048];
	char hsts[64];
	struct lws_protocol_vhost_options headers[6];
	char dummy_hash[WEFT_HASH_ENCODED_MAX];   /* verified for unknown users: equal timing */
	lws_sorted_usec_list_t sweep; /* periodic: deactivations made outside (CLI) */
	int64_t swept_ms;
	uint64_t trim_activity;      /* connections + frames + logins, at the previous sweep */
	uint64_t trim_total;         /* conns_total and nconns at the last malloc_trim */
	int trim_nconns;
	struct weft_addr_count **addr_tab; /* connections per peer address (hash chains) */
	size_t addr_buckets;
	struct weft_conn *conns;     /* every WebSocket connection */
	int nconns;
	unsigned char *txbuf;        /* LWS_PRE + WEFT_TX_BATCH: frames coalesced into one write (conn.c) */
	struct {
		uint64_t conns_total, frames_sent, ws_writes, events, dropped_slow, rate_limited, logins, login_failures;
		uint64_t malloc_trims;       /* free heap pages handed back after a wave of connections */
		/* history pages served: time from dispatch to reply queued */
		uint64_t history_buckets[WEFT_HISTORY_NBOUNDS + 1]; /* per bucket, not cumulative */
		uint64_t history_count, history_ns;
	} stats;
};

struct weft_addr_count {
	struct weft_addr_count *next;
	int count;
	char addr[64];
};

enum weft_conn_state { WEFT_CONN_NEW, WEFT_CONN_REPLAY, WEFT_CONN_LIVE };

struct weft_replay;

struct weft_conn {
	struct weft_server *srv;
	struct lws *wsi;             /* NULL once the socket closed */
	uint64_t serial;
	struct weft_session ses;
	char peer[64];
	int state;
	/* Bounded ring of frames waiting to be written. */
	struct weft_frame **q;
	uint32_t qhead, qlen, qcap;
	/* Reassembly of one WebSocket message. */
	char *rx;
	size_t rxlen, rxcap;
	bool rx_over, rx_binary;
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
	bool counted;                /* holds a slot in addr_tab */
};

/* ---- conn.c */
extern const struct lws_protocols weft_ws_protocol;
/* Encodes obj (taking ownership) and queues it for c alone. */
void weft_conn_send(struct weft_conn *c, cJSON *obj);
/* Queues a frame the caller just encoded, taking over its reference; NULL
 * (the encode failed) closes the connection, as out of memory. */
void weft_conn_send_new(struct weft_conn *c, struct weft_frame *f);
/* Queues a shared frame (takes a reference). */
void weft_conn_send_frame(struct weft_conn *c, struct weft_frame *f);
/* Error reply with code from a WEFT_E* value. */
void weft_conn_error(struct weft_conn *c, const char *req, int err, const char *message);
/* Closes the socket at the next writable with a WebSocket close code. */
void weft_conn_close(struct weft_conn *c, int code, const char *reason);
/* Frees the per-address table (shutdown). */
void weft_conn_addr_free(struct weft_server *s);
/* Closes every connection of session id (revocation). */
void weft_server_close_session(struct weft_server *s, int64_t session_id);

/* ---- server.c */
/* Queues a job for the writer with its completion callback. The owner (may
 * be NULL) is kept alive until the job completed and on_done ran. Returns 0 or WEFT_EBUSY
 * (then the job is freed and the caller should answer unavailable). */
int weft_server_submit(struct weft_server *s, struct weft_job_owner *owner, struct weft_job *job,
		       void (*on_done)(struct weft_server *s, struct weft_job *job));
/* Is origin (a full "https://host:port") allowed? */
bool weft_server_origin_ok(struct weft_server *s, const char *origin);
/* Runs store and worker completions: service thread, from EVENT_WAIT_CANCELLED. */
void weft_server_completions(struct weft_server *s);
/* Creates data_dir (0700) when missing and opens DIR/weft.db. Any thread. */
int weft_server_open_store(const char *data_dir, struct weft_store **out);
/* Builds the server (store open, hub loaded, lws context). */
int weft_server_create(struct weft_config *cfg, struct weft_server **out);
/* Runs until stop is set; then drains the writer and frees everything. */
int weft_server_run(struct weft_server *s, volatile sig_atomic_t *stop);

/* ---- cmd.c: dispatch, hello, messages, fan-out; helpers for cmd_*.c */
void weft_cmd_dispatch(struct weft_conn *c, struct weft_cmd *cmd);
/* The channel named by cmd, or NULL after answering not_found. */
struct weft_hub_channel *weft_cmd_channel(struct weft_conn *c, const struct weft_cmd *cmd);
bool weft_cmd_allowed(struct weft_hub_channel *ch, int role, int action);
/* The channel named by cmd when c's user may perform action there; NULL
 * after answering not_found, or forbidden with `denied`. */
struct weft_hub_channel *weft_cmd_channel_may(struct weft_conn *c, const struct weft_cmd *cmd, int action,
					      const char *denied);
/* A new job of kind about channel ch and target (NULL on allocation failure). */
struct weft_job *weft_cmd_job(int kind, const struct weft_hub_channel *ch, int64_t target);
/* The channel object as user sees it (role, unread, pending, invited);
 * NULL when a read or an allocation failed. */
cJSON *weft_cmd_channel_json(struct weft_server *s, struct weft_hub_channel *ch, int64_t user);
/* Queues job for c (taking ownership) with cmd's req; answers unavailable on failure. */
void weft_cmd_submit(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_job *job,
		     void (*on_done)(struct weft_server *, struct weft_job *));
/* The job's connection if its socket is still open. */
struct weft_conn *weft_cmd_job_conn(struct weft_job *job);
/* Answers a failed job with its error; false when it succeeded. */
bool weft_cmd_job_failed(struct weft_conn *c, struct weft_job *job, const char *what);
/* Completion that answers ok. */
void weft_cmd_ok_done(struct weft_server *s_, struct weft_job *job);
/* Sends obj (taking ownership) to every live connection of user. */
void weft_server_send_user(struct weft_server *s, int64_t user, cJSON *obj);
/* Sends obj (taking ownership) to the live moderators and owners of ch. */
void weft_server_send_moderators(struct weft_server *s, struct weft_hub_channel *ch, cJSON *obj);
/* Closes every connection of user. */
void weft_server_close_user(struct weft_server *s, int64_t user, const char *reason);

/* ---- cmd_channel.c: channel.*, dm.open. False when cmd is not one of them. */
bool weft_cmd_channel_handle(struct weft_conn *c, struct weft_cmd *cmd);
/* ---- cmd_admin.c: user.find, admin.*. False when cmd is not one of them. */
bool weft_cmd_admin_handle(struct weft_conn *c, struct weft_cmd *cmd);
/* The one-time sign-up URL for token (public_url or https://localhost:PORT). */
void weft_server_signup_url(struct weft_server *s, const char *token, char *out, size_t cap);
/* Applies a committed event to the hub and fans it out to live members. */
void weft_server_apply_event(struct weft_server *s, struct weft_job *job);

/* ---- replay.c */
/* Starts resume after `since` for c: gap notices, then replay. */
int weft_replay_start(struct weft_conn *c, int64_t since);
/* Queues the next batch; sends synced and goes live when caught up. */
void weft_replay_step(struct weft_conn *c);
/* Membership changed while replaying. */
void weft_replay_add_channel(struct weft_conn *c, int64_t channel, int64_t after_seq);
void weft_replay_remove_channel(struct weft_conn *c, int64_t channel);
void weft_replay_free(struct weft_conn *c);

/* ---- http.c */
extern const struct lws_protocols weft_http_protocol;
/* Reads the session token of a request: the __Host-weft cookie, or (when
 * allow_bearer) an Authorization: Bearer header. 0 or WEFT_EAUTH. */
int weft_http_token(struct lws *wsi, bool allow_bearer, char *out, size_t cap);

#endif

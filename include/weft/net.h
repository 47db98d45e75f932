/* The service thread's edge (server/net/): connections and their send
 * queues, the gate (origins, addresses, token -> session), the completion
 * pump from the writer and workers, the fan-out of committed events, and
 * the lws protocols for WebSockets and HTTP. Service thread only, unless a
 * function says otherwise. */
#ifndef WEFT_NET_H
#define WEFT_NET_H

#include "weft/service.h"

/* ---- conn.c: one WebSocket connection's queue and lifetime */

/* A new connection for session ses of peer (its address slot already taken
 * in the gate), with the socket's own owner reference not yet taken. NULL
 * on allocation failure. The caller owns it until the socket is
 * established (weft_conn_link) or frees it with weft_conn_free. */
struct weft_conn *weft_conn_new(struct weft_server *s, struct lws *wsi, const struct weft_session *ses,
				const char *peer);
/* Puts c in the server's and its user's lists; the socket now holds a
 * reference to c, dropped by weft_conn_unlink. */
void weft_conn_link(struct weft_conn *c);
/* The socket closed: takes c out of the lists and drops the socket's
 * reference (c is freed once no job names it). */
void weft_conn_unlink(struct weft_conn *c);
/* Frees a connection that never got linked (refused, or never established). */
void weft_conn_free(struct weft_conn *c);
/* Encodes obj (taking ownership) and queues it for c alone. */
void weft_conn_send(struct weft_conn *c, cJSON *obj);
/* Queues a frame the caller just encoded, taking over its reference; NULL
 * (the encode failed) closes the connection, as out of memory. */
void weft_conn_send_new(struct weft_conn *c, struct weft_frame *f);
/* Queues a shared frame (takes a reference of its own). */
void weft_conn_send_frame(struct weft_conn *c, struct weft_frame *f);
/* Error reply with code from a WEFT_E* value; message is borrowed. */
void weft_conn_error(struct weft_conn *c, const char *req, int err, const char *message);
/* Closes the socket at the next writable with a WebSocket close code;
 * reason must be static. */
void weft_conn_close(struct weft_conn *c, int code, const char *reason);
/* Writes what is queued (from SERVER_WRITEABLE, one lws_write). 0, or -1
 * when the socket failed and must close. */
int weft_conn_write(struct weft_conn *c);
/* Is an eighth of send_queue_bytes queued? Replay then waits for the
 * queue to drain, and the connection's requests are held. */
bool weft_conn_backlogged(const struct weft_conn *c);
/* Keeps a copy of a client frame that arrived while c was backlogged, to
 * run once its queue drains. False when c already holds as many as it may
 * (a few dozen, a few frames' worth): the caller closes it. lws 4.1's own
 * rx flow control is no use here: over TLS it went on reading into its
 * buffer list at 94% CPU (tests/integration/backpressure.test.js). */
bool weft_conn_hold(struct weft_conn *c, const char *msg, size_t len, bool binary);
/* The oldest held frame (the caller frees it), or NULL. */
struct weft_pending *weft_conn_unhold(struct weft_conn *c);

/* ---- server.c and reload.c: the vhost's headers and certificate, reload */

/* The security headers again (CSP names the allowed origins; HSTS). */
void weft_server_build_headers(struct weft_server *s);
/* The certificate and key paths in use: cert and key, or the self-signed
 * pair in the data directory. */
void weft_server_cert_paths(const struct weft_server *s, char *cert, char *key, size_t cap);
/* Logs event with the serial and expiry of the certificate new handshakes get. */
void weft_server_log_cert(struct weft_server *s, const char *event);
/* Frees the reloaded certificate; after the lws context is gone. */
void weft_server_tls_free(struct weft_server *s);
/* A reload (SIGHUP): configuration, then certificate; see reload.c. */
void weft_server_reload(struct weft_server *s);

/* ---- gate.c: who may come in */

/* Builds the Origin allow-list for the listening port (localhost,
 * 127.0.0.1, public_url, allowed_origins). Main thread, at start. */
int weft_gate_origins(struct weft_server *s, int port);
/* Is origin (a full "https://host:port") allowed? */
bool weft_gate_origin_ok(struct weft_server *s, const char *origin);
/* Takes a connection slot for the peer address; false when it is at
 * max_conns_per_addr (or out of memory). */
bool weft_gate_addr_take(struct weft_server *s, const char *addr);
/* Gives back a slot taken by weft_gate_addr_take. */
void weft_gate_addr_release(struct weft_server *s, const char *addr);
/* Frees the per-address table and the origins (shutdown). */
void weft_gate_free(struct weft_server *s);
/* The live session of a request: its __Host-weft cookie or, when
 * allow_bearer, its Authorization: Bearer token, checked against the store
 * (not revoked, not expired, not idle, user active). 0 and *out; WEFT_EAUTH
 * when there is no such session; another WEFT_E* when the store failed. */
int weft_gate_session(struct weft_server *s, struct lws *wsi, bool allow_bearer, struct weft_session *out);

/* ---- pump.c: work handed to other threads, and its results coming back */

/* Queues a job for the writer; on_done runs on the service thread once it
 * committed (or failed), then the owner's reference is dropped. The owner
 * (may be NULL) is kept alive until then. Takes ownership of job. Returns 0,
 * or WEFT_EBUSY when the store is stopping (the job is freed; the caller
 * answers unavailable). */
int weft_server_submit(struct weft_server *s, struct weft_job_owner *owner, struct weft_job *job,
		       void (*on_done)(struct weft_server *s, struct weft_job *job));
/* Wakes the service thread (lws_cancel_service). Any thread: the writer
 * and the workers call it when results are ready. */
void weft_server_wake(void *server);
/* Runs the writer's and workers' completions: fans out each committed event,
 * then calls the job's on_done. From EVENT_WAIT_CANCELLED and at shutdown. */
void weft_server_completions(struct weft_server *s);

/* ---- fanout.c: committed events and notices to the people online */

/* Applies a committed job's events to the hub and fans each out, encoded
 * once, to the live connections of the channel's members. */
void weft_fanout_events(struct weft_server *s, struct weft_job *job);
/* Applies what a job that succeeded changed of join requests and
 * invitations to the hub (before its events and its answer, so both see
 * the channel as the store now has it). Borrows job. */
void weft_fanout_access(struct weft_server *s, const struct weft_job *job);
/* Sends obj (taking ownership) to every connection of user past hello. */
void weft_fanout_user(struct weft_server *s, int64_t user, cJSON *obj);
/* Sends obj (taking ownership) to the moderators and owners of ch online. */
void weft_fanout_moderators(struct weft_server *s, struct weft_hub_channel *ch, cJSON *obj);
/* Closes every connection of user (deactivation, password reset). */
void weft_fanout_close_user(struct weft_server *s, int64_t user, const char *reason);
/* Sends obj (taking ownership) to the live connections of ch's members but
 * except: ephemeral frames (typing). */
void weft_fanout_channel_others(struct weft_server *s, struct weft_hub_channel *ch, int64_t except, cJSON *obj);

/* ---- presence.c: who watches whom (presence.watch), told when a user's
 * first connection opens and last one closes. */

/* Replaces c's watch set by ids[0..n) (ascending, distinct; takes
 * ownership, also on failure); ids of no account are dropped. 0 or
 * WEFT_ENOMEM / WEFT_EIO. */
int weft_presence_watch(struct weft_conn *c, int64_t *ids, int n);
/* A user came online (first connection) or went offline (last one closed):
 * tells the connections that watch them. */
void weft_presence_changed(struct weft_server *s, int64_t user, bool online);
/* Sends obj (taking ownership) to user's watchers and to user's own
 * sockets: news of the user themselves (a profile changed). */
void weft_presence_tell(struct weft_server *s, int64_t user, cJSON *obj);
/* Whether user has an open socket. */
bool weft_presence_online(struct weft_server *s, int64_t user);
/* Forgets c's watch set (c is closing). */
void weft_presence_drop(struct weft_conn *c);
/* Closes every connection of session id (revocation). */
void weft_fanout_close_session(struct weft_server *s, int64_t session_id);

/* ---- import.c: POST /api/import, an administrator's roster (roster.h).
 * The body is parsed and checked on a worker (with a read-only connection
 * of its own for the names taken), the accounts go to the writer as
 * USER_CREATE jobs, IMPORT_BATCH at a time, and the answer (one JSON
 * object, encoded on a worker) comes back through reply. The service
 * thread only appends the body's chunks and submits jobs. */

#define WEFT_IMPORT_BODY_MAX (8 << 20)  /* bytes of a roster uploaded */

struct weft_import;

/* Starts an import of a roster for the request owner (referenced until
 * reply runs); dry: check only. reply(ctx, status, json) answers once,
 * taking ownership of json. NULL when out of memory or when too many
 * imports run (the caller answers 503). */
struct weft_import *weft_import_new(struct weft_server *s, bool dry, struct weft_job_owner *owner,
				    void (*reply)(void *ctx, int status, char *json), void *ctx);
/* Appends a chunk of the body. WEFT_ETOOLARGE past WEFT_IMPORT_BODY_MAX. */
int weft_import_body(struct weft_import *im, const void *chunk, size_t len);
/* The body is complete: the import runs, and replies when done. */
void weft_import_start(struct weft_import *im);
/* The request went away: before start, the import is freed now (reply
 * never runs); after, no further batch starts and the reply goes nowhere. */
void weft_import_detach(struct weft_import *im);

/* ---- files.c, upload.c, download.c: POST /api/files and GET
 * /api/files/ID, and the blob store's upkeep */

struct weft_xfer;
/* A transfer for a files endpoint (uri: the path; post or GET), its
 * response under way or its body awaited; NULL when uri is not one of
 * them (or out of memory, for which http.c answers). */
struct weft_xfer *weft_xfer_start(struct weft_server *s, struct lws *wsi, const char *uri, bool post);
struct weft_xfer *weft_xfer_upload(struct weft_server *s, struct lws *wsi);
struct weft_xfer *weft_xfer_download(struct weft_server *s, struct lws *wsi, const char *id);
/* A piece of an upload's body (HTTP_BODY), and its end (BODY_COMPLETION). */
int weft_xfer_body(struct weft_xfer *x, const void *in, size_t len);
void weft_xfer_body_done(struct weft_xfer *x);
/* HTTP_WRITEABLE: writes what is ready; once the response is done it lets
 * go of the connection (*slot = NULL). 0, or -1 to close. */
int weft_xfer_writable(struct weft_xfer **slot);
/* The connection closed (or took a new request): lets go of it. */
void weft_xfer_closed(struct weft_xfer **slot);
/* Lets go of an upload's connection (weft_xfer_closed's upload part). */
void weft_xfer_upload_detach(struct weft_xfer *x);
/* Hands the blobs a committed job stopped naming (job->gone) to a file
 * worker for removal. */
void weft_files_gone(struct weft_server *s, struct weft_job *job);
/* Has a file worker remove sha256's blob unless a file names it. */
void weft_files_collect(struct weft_server *s, const char *sha256);
/* Starts the upkeep: the sweep for blobs no file names, the expiry timer. */
void weft_files_start(struct weft_server *s);

/* ---- metrics.c */

/* The /metrics page (Prometheus text format): a malloc'd string the caller
 * frees, or NULL when out of memory. */
char *weft_metrics_text(struct weft_server *s);
/* The path of HTTP route r (0 .. WEFT_HTTP_ROUTES-1; 0 is "other") for
 * /metrics' labels. Any thread (constant data). */
const char *weft_http_route_name(int r);

/* ---- ws.c and http.c: the lws protocols */

/* The periodic look at every open WebSocket (server.c's sweep): closes
 * those whose session reached its absolute expiry (session_max) with 1008
 * "session expired", and records use of the sessions still in use, so that
 * an open socket's session does not expire as idle. */
void weft_ws_sweep(struct weft_server *s, int64_t now);

extern const struct lws_protocols weft_ws_protocol;
extern const struct lws_protocols weft_http_protocol;

#endif

/* The server's lifecycle, on the main thread that becomes the service
 * thread: the store opened and the hub loaded, the lws context with its
 * mounts, TLS and the vhost's security headers, the periodic sweep, and the
 * run loop with its orderly shutdown. */
#include "weft/server.h"

#include "weft/cmd.h"
#include "weft/net.h"
#include "weft/coord.h"
#include "weft/stage.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* protocols[0] serves plain HTTP and the mounts. */
static struct lws_protocols live_protocols[3];

/* CSP with connect-src naming the allowed wss origins; HSTS; the rest.
 * lws keeps the list's address: a reload rewrites it in place. */
void weft_server_build_headers(struct weft_server *s)
{
	char connect[1024] = "'self'";
	for (int i = 0; i < s->norigins; i++) {
		if (strncmp(s->origins[i], "https://", 8))
			continue;
		size_t used = strlen(connect);
		snprintf(connect + used, sizeof connect - used, " wss://%s", s->origins[i] + 8);
	}
	snprintf(s->csp, sizeof s->csp,
		 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
		 "font-src 'self'; connect-src %s; object-src 'none'; frame-ancestors 'none'; "
		 "base-uri 'none'; form-action 'self'",
		 connect);
	snprintf(s->hsts, sizeof s->hsts, "max-age=%d", s->cfg->hsts_max_age);
	static const char *const names[] = { "content-security-policy:", "strict-transport-security:",
					     "x-content-type-options:", "referrer-policy:",
					     "x-frame-options:", "cross-origin-opener-policy:" };
	const char *values[] = { s->csp, s->hsts, "nosniff", "no-referrer", "DENY", "same-origin" };
	int n = (int)(sizeof names / sizeof names[0]);
	for (int i = 0; i < n; i++) {
		s->headers[i].name = names[i];
		s->headers[i].value = values[i];
		s->headers[i].next = i + 1 < n ? &s->headers[i + 1] : NULL;
	}
}

static int mkdir_p(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return WEFT_EIO;
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return WEFT_EIO;
	return WEFT_OK;
}

int weft_server_open_store(const char *data_dir, struct weft_store **out)
{
	if (mkdir_p(data_dir)) {
		weft_err("data.mkdir_failed dir=%s error=%s", data_dir, strerror(errno));
		return WEFT_EIO;
	}
	char db[4096];
	snprintf(db, sizeof db, "%s/weft.db", data_dir);
	return weft_store_open(db, out);
}

static void load_channel(void *arg, const struct weft_channel_info *c, int64_t last_seq)
{
	weft_hub_channel_put(&((struct weft_server *)arg)->hub, c, last_seq);
}

static void load_member(void *arg, int64_t channel, int64_t user, int role, int64_t read_seq,
			int64_t joined_seq)
{
	struct weft_server *s = arg;
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, channel);
	if (ch && !weft_hub_member_set(&s->hub, ch, user, role, read_seq))
		weft_hub_member(ch, user)->joined_seq = joined_seq;
}

static void load_request(void *arg, int64_t channel, int64_t user)
{
	struct weft_server *s = arg;
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, channel);
	if (ch && weft_hub_request_set(ch, user, true))
		weft_err("start.load_failed what=join_requests channel=%lld error=out_of_memory", (long long)channel);
}

static void load_invite(void *arg, int64_t channel, int64_t user)
{
	struct weft_server *s = arg;
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, channel);
	if (ch && weft_hub_invite_set(&s->hub, ch, user, true))
		weft_err("start.load_failed what=invitations channel=%lld error=out_of_memory", (long long)channel);
}

static void server_free(struct weft_server *s)
{
	if (!s)
		return;
	weft_coord_free(s);
	weft_stage_free(s);
	if (s->ctx)
		lws_context_destroy(s->ctx);
	s->ctx = NULL;
	if (s->loop)
		ev_loop_destroy(s->loop);
	s->loop = NULL;
	if (s->store)
		weft_store_stop(s->store);
	weft_workq_stop(s->auth, s);
	weft_search_stop(s);
	weft_weave_stop(s);
	/* The file workers finish what they hold (an upload's temporary file
	 * removed); their answers have no socket left to go to. */
	weft_workq_stop(s->files_wq, s);
	s->files_wq = NULL;
	weft_blobs_close(s->blobs);
	if (s->store) {
		/* Answer nothing more, but free what the writer finished. */
		struct weft_job *j = weft_store_take_completed(s->store);
		while (j) {
			struct weft_job *next = j->next;
			weft_job_free(j);
			j = next;
		}
	}
	weft_store_close(s->store);
	weft_hub_free(&s->hub);
	weft_gate_free(s);
	weft_throttle_free(s->throttle);
	weft_server_tls_free(s);
	for (int i = 0; i < s->nretired; i++) {
		weft_config_free(s->retired[i]);
		free(s->retired[i]);
	}
	free(s->retired);
	free(s->txbuf);
	free(s);
}

/* The store opened and read into the hub; the certificate (made on first
 * run when none is configured); the dummy hash; the auth workers. */
static int prepare(struct weft_server *s, char *cert, char *key, size_t cap)
{
	struct weft_config *cfg = s->cfg;
	int rc;
	if ((rc = weft_server_open_store(cfg->data, &s->store)) ||
	    (rc = weft_store_load(s->store, load_channel, load_member, s)) ||
	    (rc = weft_store_load_access(s->store, load_request, load_invite, s)) ||
	    (rc = weft_store_last_seq(s->store, &s->last_seq)))
		return rc;
	if (cfg->cert[0]) {
		snprintf(cert, cap, "%s", cfg->cert);
		snprintf(key, cap, "%s", cfg->key);
	} else {
		snprintf(cert, cap, "%s/cert.pem", cfg->data);
		snprintf(key, cap, "%s/key.pem", cfg->data);
		if ((rc = weft_auth_ensure_cert(cert, key)))
			return rc;
	}
	/* Unknown users are checked against this, so a refusal takes as long
	 * for them as for a wrong password. */
	char pw[WEFT_TOKEN_LEN + 1];
	if ((rc = weft_auth_new_token(pw)) ||
	    (rc = weft_auth_hash_password(pw, cfg->argon2_iterations, cfg->argon2_memory, s->dummy_hash)))
		return rc;
	if (!(s->throttle = weft_throttle_new()))
		return WEFT_ENOMEM;
	char db[4096];
	snprintf(db, sizeof db, "%s/weft.db", cfg->data);
	if ((rc = weft_blobs_open(cfg->data, db, &s->blobs)) ||
	    (rc = weft_workq_start(cfg->file_threads, weft_server_wake, s, &s->files_wq)) ||
	    (rc = weft_workq_start(cfg->auth_threads, weft_server_wake, s, &s->auth)))
		return rc;
	if ((rc = weft_search_start(s)))
		return rc;
	return weft_weave_start(s);
}

/* /api, /healthz and /metrics go to the HTTP protocol; the rest are the
 * client's static files. */
static const struct lws_http_mount *mounts(const char *web_root)
{
	static struct lws_http_mount m[4];
	static const char *const api_paths[] = { "/api", "/healthz", "/metrics" };
	memset(m, 0, sizeof m);
	for (int i = 0; i < 3; i++) {
		m[i].mountpoint = api_paths[i];
		m[i].mountpoint_len = (unsigned char)strlen(api_paths[i]);
		m[i].origin = "weft-http";
		m[i].origin_protocol = LWSMPRO_CALLBACK;
		m[i].mount_next = &m[i + 1];
	}
	m[3].mountpoint = "/";
	m[3].mountpoint_len = 1;
	m[3].origin = web_root;
	m[3].def = "index.html";
	m[3].origin_protocol = LWSMPRO_FILE;
	m[3].cache_max_age = 0;
	return m;
}

/* Connection policy: TLS 1.2+, HTTP/1.1 only, timeouts and keepalive. */
static void set_connection_policy(struct lws_context_creation_info *info, const char *cert, const char *key)
{
	info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8 |
			 LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info->ssl_cert_filepath = cert;
	info->ssl_private_key_filepath = key;
	info->ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION;
	info->alpn = "http/1.1";
	info->server_string = "weftd";
	info->timeout_secs = 20;
	info->keepalive_timeout = 30;
	/* Dead peers (a phone that left coverage) are found by TCP keepalive:
	 * probes after 60 s idle, closed after 3 unanswered 10 s apart. */
	info->ka_time = 60;
	info->ka_probes = 3;
	info->ka_interval = 10;
	/* And not also by lws's WebSocket "validity" pings (its default: a
	 * ping after 300 s without a pong, hang up at 310 s). lws 4.1 keeps
	 * that timer of every connection in one sorted list and inserts by
	 * walking it from the head, where all the earlier ones are: each new
	 * connection cost a walk over every open one (perf, 5,000 connections:
	 * 17.5% of weftd's CPU in lws_dll2_add_sorted). Accepting a wave of
	 * 18,000 connections took 1.38 ms of CPU per connection with the timer
	 * and 0.76 ms without (tests/bench/README.md). */
	static const lws_retry_bo_t idle_policy = { .secs_since_valid_ping = 0, .secs_since_valid_hangup = 0 };
	info->retry_and_idle_policy = &idle_policy;
	info->pt_serv_buf_size = 32 * 1024;
}

/* epoll through libev: poll() walks every descriptor on each pass, the
 * largest single cost of accepting connections when thousands are open
 * (epoll: a third less CPU per connection, but no faster, and slower under
 * sustained load; see tests/bench/README.md). */
static int set_event_loop(struct weft_server *s, struct lws_context_creation_info *info)
{
	if (strcmp(s->cfg->event_loop, "epoll"))
		return WEFT_OK;
	if (!(s->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV))) {
		weft_err("start.failed error=%s", "cannot create the epoll event loop");
		return WEFT_EIO;
	}
	s->foreign_loops[0] = s->loop;
	info->foreign_loops = s->foreign_loops;
	info->options |= LWS_SERVER_OPTION_LIBEV;
	return WEFT_OK;
}

/* The lws context and its one vhost, listening; then the origins and the
 * security headers, which name the port it got (port 0 picks one). */
static int listen_on(struct weft_server *s, const char *cert, const char *key)
{
	struct weft_config *cfg = s->cfg;
	live_protocols[0] = weft_http_protocol;
	live_protocols[1] = weft_ws_protocol;
	memset(&live_protocols[2], 0, sizeof live_protocols[2]);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = cfg->port;
	info.iface = cfg->bind;
	/* lws 4.1 opens an IPv6 socket bound to [::] when given an IPv4 literal,
	 * which would listen on every interface: an IPv4 bind address turns
	 * IPv6 off. */
	struct in_addr v4;
	if (inet_pton(AF_INET, cfg->bind, &v4) == 1)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.protocols = live_protocols;
	info.mounts = mounts(cfg->web_root);
	info.user = s;
	info.vhost_name = "weft";
	set_connection_policy(&info, cert, key);
	int rc = set_event_loop(s, &info);
	if (rc)
		return rc;
	/* lws keeps this pointer: the values are filled in once the port is known. */
	weft_server_build_headers(s);
	info.headers = s->headers;
	if (!(s->ctx = lws_create_context(&info))) {
		weft_err("start.failed error=%s", "cannot create the server context");
		return WEFT_EIO;
	}
	if (!(s->vhost = lws_create_vhost(s->ctx, &info))) {
		weft_err("start.listen_failed bind=%s port=%d hint=%s", cfg->bind, cfg->port, "is the port in use?");
		return WEFT_EIO;
	}
	if (!s->ssl_ctx)
		weft_warn("tls.context_unknown effect=%s", "SIGHUP cannot reload the certificate");
	weft_server_log_cert(s, "tls.loaded");
	cfg->port = lws_get_vhost_listen_port(s->vhost);
	if ((rc = weft_gate_origins(s, cfg->port)))
		return rc;
	weft_server_build_headers(s);
	return WEFT_OK;
}

int weft_server_create(struct weft_config *cfg, struct weft_server **out)
{
	struct weft_server *s = calloc(1, sizeof *s);
	if (!s)
		return WEFT_ENOMEM;
	s->cfg = cfg;
	s->limits.max_body = cfg->max_body;
	s->limits.max_name = cfg->max_name;
	/* Request ids of two runs should not collide in one log. */
	RAND_bytes((unsigned char *)&s->boot_id, sizeof s->boot_id);
	weft_hub_init(&s->hub);
	char cert[4096], key[4096];
	int rc;
	if ((rc = prepare(s, cert, key, sizeof cert)) || (rc = weft_coord_create(s)) || (rc = weft_stage_create(s)) || (rc = listen_on(s, cert, key)) ||
	    (rc = weft_store_start(s->store, weft_server_wake, s))) {
		server_free(s);
		return rc;
	}
	*out = s;
	return WEFT_OK;
}

#define SWEEP_US (2 * LWS_US_PER_SEC)

static void close_deactivated(void *arg, int64_t user)
{
	struct weft_server *s = arg;
	weft_fanout_close_user(s, user, "account deactivated");
	/* The store withdrew its requests and invitations with the deactivation
	 * (also when the command line did it); dropping them again is a no-op. */
	weft_hub_withdraw_user(&s->hub, user);
}

/* Accounts deactivated and sessions revoked by another process (`weftd user
 * deactivate|passwd|reset`) lose their live sockets within a sweep period. */
static void close_revoked(void *arg, int64_t session)
{
	weft_fanout_close_session(arg, session);
}

/* Connections that come and go leave their TLS handshake buffers' pages
 * with glibc, which keeps them: once a wave of connections (a cohort
 * reconnecting after a blip) is over, hand the free pages back. Only when
 * nothing at all happened for a whole sweep period, though: malloc_trim
 * holds the main heap's lock while it returns the pages, and the service
 * thread allocates on every message. It took 91-92 ms after waves of 5,000
 * and 18,000 handshakes; run during a live session, it held back one
 * message's fan-out by as much (W3's p99 went from ~85 to 110-123 ms). */
#define TRIM_CHURN 64

static void trim_after_churn(struct weft_server *s)
{
	uint64_t total = s->stats.conns_total;
	uint64_t activity = total + s->stats.frames_sent + s->stats.logins + s->stats.login_failures;
	bool quiet = activity == s->trim_activity;
	s->trim_activity = activity;
	if (!quiet || (total - s->trim_total < TRIM_CHURN && abs(s->nconns - s->trim_nconns) < TRIM_CHURN))
		return;
	malloc_trim(0);
	s->stats.malloc_trims++;
	s->trim_total = total;
	s->trim_nconns = s->nconns;
}

/* The log ran ahead of what this server fanned out: its own commits on the
 * way back, or another process's (`weftd user add` on this data
 * directory). The writer tells them apart (pick_foreign) when it next
 * commits: give it a transaction. */
static void look_for_foreign_events(struct weft_server *s)
{
	int64_t newest;
	struct weft_job *j;
	if (!weft_store_last_seq(s->store, &newest) && newest > s->last_seq && (j = weft_job_new(WEFT_JOB_NOP)))
		weft_server_submit(s, NULL, j, NULL);
}

static void sweep(lws_sorted_usec_list_t *sul)
{
	struct weft_server *s = (struct weft_server *)((char *)sul - offsetof(struct weft_server, sweep));
	int64_t now = weft_now_ms();
	/* After a failed read, the next sweep looks again from the same time. */
	if (!weft_store_deactivated_since(s->store, s->swept_ms - 1000, close_deactivated, s) &&
	    !weft_store_revoked_since(s->store, s->swept_ms - 1000, close_revoked, s))
		s->swept_ms = now;
	weft_ws_sweep(s, now);
	weft_throttle_sweep(s->throttle, now);
	look_for_foreign_events(s);
	trim_after_churn(s);
	lws_sul_schedule(s->ctx, 0, &s->sweep, sweep, SWEEP_US);
}

/* The service thread never blocks, and this is how an operator sees it:
 * a timer due every LAG_PROBE_US notes how late it ran. Nothing else
 * waits on it. */
#define LAG_PROBE_US (20 * LWS_US_PER_MS)
static void lag_probe(lws_sorted_usec_list_t *sul)
{
	struct weft_server *s = weft_container_of(sul, struct weft_server, lag_probe);
	lws_usec_t now = lws_now_usecs();
	if (s->lag_due)
		weft_histo_observe(&s->stats.loop_lag, &weft_histo_latency,
				   now > s->lag_due ? (uint64_t)(now - s->lag_due) * 1000 : 0);
	s->lag_due = now + LAG_PROBE_US;
	lws_sul_schedule(s->ctx, 0, &s->lag_probe, lag_probe, LAG_PROBE_US);
}

void weft_server_on_reload(struct weft_server *s, volatile sig_atomic_t *flag, int argc, char **argv)
{
	s->reload = flag;
	s->argc = argc;
	s->argv = argv;
}

/* A signal handler sets *stop and cancels the service wait (main.c), so
 * the loop comes round to this before it sleeps again. */
static void check_stop(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)revents;
	struct weft_server *s = w->data;
	if (*s->stop)
		ev_break(loop, EVBREAK_ALL);
	else if (s->reload && *s->reload) {
		*s->reload = 0;
		weft_server_reload(s);
	}
}

/* One pass of whichever loop runs the server, without waiting. */
static void service_once(struct weft_server *s)
{
	if (s->loop)
		ev_run(s->loop, EVRUN_NOWAIT);
	else
		lws_service(s->ctx, 0);
}

/* Leaves the port in the data directory, for the command line's sign-up
 * links (`weftd user add --invite` names the port the server listens on,
 * not its own default). Best effort: a link can always name public_url. */
static void note_port(const struct weft_config *cfg)
{
	char path[4096], tmp[4096];
	snprintf(path, sizeof path, "%s/port", cfg->data);
	snprintf(tmp, sizeof tmp, "%s/port.tmp", cfg->data);
	FILE *f = fopen(tmp, "w");
	bool ok = f != NULL;
	if (f) {
		ok = fprintf(f, "%d\n", cfg->port) > 0;
		ok = fclose(f) == 0 && ok;
	}
	if (!ok || rename(tmp, path))
		weft_warn("start.port_file_failed path=%s effect=%s", path,
			  "sign-up links from the command line may name another port");
}

int weft_server_run(struct weft_server *s, volatile sig_atomic_t *stop)
{
	note_port(s->cfg);
	s->stop = stop;
	s->swept_ms = weft_now_ms();
	lws_sul_schedule(s->ctx, 0, &s->sweep, sweep, SWEEP_US);
	lag_probe(&s->lag_probe);
	weft_files_start(s);
	if (weft_coord_start(s) || weft_stage_start(s)) {
		server_free(s);
		return 1;
	}
	weft_notice("ready url=https://%s:%d version=%s", s->cfg->bind, s->cfg->port, WEFT_VERSION);
	if (s->loop) {
		ev_prepare_init(&s->stop_check, check_stop);
		s->stop_check.data = s;
		ev_prepare_start(s->loop, &s->stop_check);
		if (!*stop)
			ev_run(s->loop, 0);
	} else {
		while (!*stop) {
			if (lws_service(s->ctx, 0) < 0)
				break;
			if (s->reload && *s->reload) {
				*s->reload = 0;
				weft_server_reload(s);
			}
		}
	}
	weft_notice("stop phase=draining_writer");
	/* Commit what is queued and answer it while sockets are still open. */
	weft_store_stop(s->store);
	weft_server_completions(s);
	/* A few service passes flush those replies; lws_service ignores its
	 * timeout, so each pass is woken explicitly rather than left to wait. */
	for (int i = 0; i < 8 && s->nconns; i++) {
		lws_cancel_service(s->ctx);
		service_once(s);
	}
	if (s->loop)
		ev_prepare_stop(s->loop, &s->stop_check);
	server_free(s);
	return 0;
}

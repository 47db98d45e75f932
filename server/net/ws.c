/* The WebSocket protocol's lws callback, on the service thread: the
 * handshake (path, Origin, session, connections per address), reassembly of
 * client frames and their limits (size, rate), parse and dispatch through
 * the command table, and the writable turn that drains a connection's queue
 * and paces its replay. */
#include "weft/cmd.h"
#include "weft/net.h"

#include <assert.h>
#include <math.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#define OVERSIZE_STRIKES_MAX 3
#define RX_INITIAL 1024

struct pss {
	struct weft_conn *c;
};

/* Refuses the handshake with an HTTP/1.1 status and the JSON error body the
 * HTTP endpoints use. lws_return_http_status would answer HTTP/1.0 (lws 4.1
 * learns the request's version only after the upgrade filter) with an HTML
 * page, which strict clients report as "not a valid HTTP response" instead
 * of the status. The reply is small enough to go out in one write before
 * lws closes the connection. */
static int refuse(struct lws *wsi, unsigned code)
{
	static const struct {
		unsigned code;
		const char *reason, *error;
	} why[] = {
		{ 401, "Unauthorized", "unauthorized" },
		{ 403, "Forbidden", "forbidden" },
		{ 404, "Not Found", "not_found" },
		{ 429, "Too Many Requests", "rate_limited" },
		{ 503, "Service Unavailable", "unavailable" },
	};
	size_t i = 0;
	while (i + 1 < sizeof why / sizeof why[0] && why[i].code != code)
		i++;
	assert(why[i].code == code);
	char body[64];
	int blen = snprintf(body, sizeof body, "{\"error\":\"%s\"}", why[i].error);
	unsigned char buf[LWS_PRE + 512];
	/* Whoever is refused for load may try again shortly. */
	bool again = code == 429 || code == 503;
	int n = snprintf((char *)buf + LWS_PRE, sizeof buf - LWS_PRE,
			 "HTTP/1.1 %u %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
			 "cache-control: no-store\r\n%sconnection: close\r\n\r\n%s",
			 code, why[i].reason, blen, again ? "retry-after: 1\r\n" : "", body);
	lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP);
	return -1;
}

static int on_filter(struct weft_server *s, struct lws *wsi, struct pss *pss)
{
	char uri[256], origin[512];
	if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws"))
		return refuse(wsi, HTTP_STATUS_NOT_FOUND);
	if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) > 0 && !weft_gate_origin_ok(s, origin)) {
		weft_info("ws.refused reason=origin origin=%s", origin);
		return refuse(wsi, HTTP_STATUS_FORBIDDEN);
	}
	struct weft_session ses;
	int rc = weft_gate_session(s, wsi, true, &ses);
	if (rc)
		return refuse(wsi, rc == WEFT_EAUTH ? HTTP_STATUS_UNAUTHORIZED : HTTP_STATUS_SERVICE_UNAVAILABLE);
	char peer[64];
	lws_get_peer_simple(wsi, peer, sizeof peer);
	if (!weft_gate_addr_take(s, peer)) {
		weft_info("ws.refused reason=max_conns_per_addr peer=%s", peer);
		return refuse(wsi, 429);
	}
	if (!(pss->c = weft_conn_new(s, wsi, &ses, peer))) {
		weft_gate_addr_release(s, peer);
		return refuse(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE);
	}
	return 0;
}

/* Token bucket: true when a request costing cost tokens may proceed;
 * otherwise *retry_ms says when it could. */
static bool rate_ok(struct weft_conn *c, int cost, int *retry_ms)
{
	struct weft_config *cfg = c->srv->cfg;
	int64_t now = weft_mono_ms();
	c->tokens += (double)(now - c->refill_ms) * cfg->rate / 1000.0;
	if (c->tokens > cfg->burst)
		c->tokens = cfg->burst;
	c->refill_ms = now;
	if (c->tokens >= cost) {
		c->tokens -= cost;
		c->rate_strikes = 0;
		return true;
	}
	*retry_ms = (int)ceil((cost - c->tokens) * 1000.0 / cfg->rate);
	if (*retry_ms < 1)
		*retry_ms = 1;
	return false;
}

static void refuse_rate(struct weft_conn *c, const struct weft_cmd *cmd, int retry_ms)
{
	struct weft_server *s = c->srv;
	s->stats.rate_limited++;
	/* Flooding on past twice the burst of refusals is abuse. */
	if (++c->rate_strikes > 2 * s->cfg->burst) {
		weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "request flood");
		return;
	}
	cJSON *e = weft_proto_error(cmd->has_req ? cmd->req : NULL, "rate_limited", "too many requests; slow down");
	cJSON_AddNumberToObject(e, "retry_after_ms", retry_ms);
	weft_conn_send(c, e);
}

/* One whole client frame: parsed against the command table, charged to the
 * rate bucket at its row's cost (1 when it did not parse), then answered or
 * dispatched. */
static void run_message(struct weft_conn *c, const char *msg, size_t msglen, bool binary)
{
	struct weft_cmd cmd;
	struct weft_parse_error perr;
	int rc = WEFT_EINVAL, retry_ms;
	if (binary)
		memset(&cmd, 0, sizeof cmd);
	else
		rc = weft_proto_parse(msg, msglen, &c->srv->limits, &weft_cmd_table, &cmd, &perr);
	if (!rate_ok(c, rc ? 1 : cmd.def->cost, &retry_ms)) {
		refuse_rate(c, &cmd, retry_ms);
	} else if (binary) {
		weft_conn_error(c, NULL, WEFT_EINVAL, "frames must be UTF-8 JSON text");
	} else if (rc) {
		c->srv->stats.req_invalid++;
		weft_conn_send(c, weft_proto_error(cmd.has_req ? cmd.req : NULL, perr.code, perr.message));
	} else {
		weft_cmd_dispatch(c, &cmd);
	}
	weft_cmd_clear(&cmd);
}

/* A client asking for more than it reads waits until it has read it: while
 * its queue is backlogged, its requests are held, in order, and run as it
 * drains (on_writable). One that goes on asking is closed. */
static void handle_message(struct weft_conn *c, const char *msg, size_t msglen)
{
	if (c->close_code)
		return; /* closing: nothing it says now is answered */
	if (!c->npend && !weft_conn_backlogged(c)) {
		run_message(c, msg, msglen, c->rx_binary);
		return;
	}
	if (!weft_conn_hold(c, msg, msglen, c->rx_binary)) {
		c->srv->stats.dropped_slow++;
		weft_info("ws.close user=%lld reason=requests_while_not_reading", (long long)c->ses.user_id);
		weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too many requests while not reading");
	}
}

/* Runs held requests while the queue has room for their answers. */
static void run_held(struct weft_conn *c)
{
	while (c->npend && !c->close_code && !weft_conn_backlogged(c)) {
		struct weft_pending *p = weft_conn_unhold(c);
		run_message(c, p->data, p->len, p->binary);
		free(p);
	}
}

static int on_receive(struct weft_conn *c, struct lws *wsi, const void *in, size_t len)
{
	struct weft_server *s = c->srv;
	bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
	if (first) {
		c->rxlen = 0;
		c->rx_over = false;
		c->rx_binary = lws_frame_is_binary(wsi);
		c->frame_ms = weft_mono_ms();
	}
	/* The common case, a whole message in one piece, is handled in place:
	 * idle connections keep no reassembly buffer. */
	bool whole = first && final && len <= (size_t)s->cfg->max_frame;
	if (!whole && !c->rx_over) {
		if (c->rxlen + len > (size_t)s->cfg->max_frame) {
			c->rx_over = true;
		} else {
			if (c->rxlen + len > c->rxcap) {
				size_t ncap = c->rxcap ? c->rxcap : RX_INITIAL;
				while (ncap < c->rxlen + len)
					ncap *= 2;
				char *p = realloc(c->rx, ncap);
				if (!p)
					return -1;
				c->rx = p;
				c->rxcap = ncap;
			}
			memcpy(c->rx + c->rxlen, in, len);
			c->rxlen += len;
		}
	}
	if (!final)
		return 0;
	c->rx_ms = weft_mono_ms();
	c->frame_ms = c->ping_ms = 0;
	if (c->rx_over) {
		if (++c->oversize_strikes >= OVERSIZE_STRIKES_MAX) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
					 (unsigned char *)"repeated oversize frames", 24);
			return -1;
		}
		weft_conn_error(c, NULL, WEFT_ETOOLARGE, "frame is larger than limits.max_frame bytes");
	} else {
		c->oversize_strikes = 0;
		if (whole)
			handle_message(c, in, len);
		else
			handle_message(c, c->rx, c->rxlen);
	}
	/* A reassembly buffer lives only as long as its message. */
	free(c->rx);
	c->rx = NULL;
	c->rxcap = 0;
	c->rxlen = 0;
	return 0;
}

static int on_writable(struct weft_conn *c)
{
	if (c->ping_due && !c->close_code) {
		/* One write per writable turn: the ping goes alone. It carries a
		 * byte because lws 4.1 reports no empty pong. */
		unsigned char ping[LWS_PRE + 1];
		ping[LWS_PRE] = 'w';
		c->ping_due = false;
		if (lws_write(c->wsi, ping + LWS_PRE, 1, LWS_WRITE_PING) < 0)
			return -1;
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (weft_conn_write(c))
		return -1;
	if (c->state == WEFT_CONN_REPLAY && c->qlen < WEFT_REPLAY_QUEUE_LOW && !weft_conn_backlogged(c))
		weft_replay_step(c);
	run_held(c);
	if (c->qlen)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* A session in use is not idle: its last use is written when a socket
 * opens on it, and then every TOUCH_EVERY_MS while one stays open. */
#define TOUCH_AT_CONNECT_MS 60000
#define TOUCH_EVERY_MS (3600 * 1000)

static void touch_session(struct weft_conn *c, int64_t now)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_SESSION_TOUCH);
	if (j) {
		j->target = c->ses.id;
		weft_server_submit(c->srv, NULL, j, NULL);
	}
	c->touched_ms = now;
}

/* lws 4.1 reports nothing of a frame whose header stops halfway, or of one
 * that claims 2^62 bytes and sends none, and its own validity pings cost
 * too much at scale (server.c). So: a frame started must finish within
 * frame_timeout, and a client silent that long is pinged and must answer
 * (a pong cannot pass a frame stuck halfway) within as long again. */
static void check_liveness(struct weft_conn *c, int64_t mono)
{
	int64_t limit = (int64_t)c->srv->cfg->frame_timeout * 1000;
	if (c->frame_ms && mono - c->frame_ms > limit) {
		weft_info("ws.close user=%lld reason=frame_timeout", (long long)c->ses.user_id);
		weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "frame not finished within frame_timeout");
	} else if (c->ping_ms && mono - c->ping_ms > limit) {
		weft_info("ws.close user=%lld reason=ping_timeout", (long long)c->ses.user_id);
		weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "no answer to ping within frame_timeout");
	} else if (!c->ping_ms && mono - c->rx_ms > limit) {
		c->ping_ms = mono;
		c->ping_due = true;
		lws_callback_on_writable(c->wsi);
	}
}

void weft_ws_sweep(struct weft_server *s, int64_t now)
{
	int64_t mono = weft_mono_ms();
	for (struct weft_conn *c = s->conns; c; c = c->all_next) {
		if (c->close_code)
			continue;
		if (now >= c->ses.expires_ms)
			weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "session expired");
		else if (now - c->touched_ms > TOUCH_EVERY_MS)
			touch_session(c, now);
		if (!c->close_code)
			check_liveness(c, mono);
	}
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct weft_server *s = lws_context_user(lws_get_context(wsi));
	struct pss *pss = user;
	struct weft_conn *c = pss ? pss->c : NULL;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		weft_server_completions(s);
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return on_filter(s, wsi, pss);
	case LWS_CALLBACK_ESTABLISHED:
		if (!c)
			return -1;
		weft_conn_link(c);
		/* The user's first socket: they came online. */
		if (!c->user_next && !c->user_prev)
			weft_presence_changed(s, c->ses.user_id, true);
		weft_debug("ws.open user=%lld peer=%s", (long long)c->ses.user_id, c->peer);
		if (weft_now_ms() - c->touched_ms > TOUCH_AT_CONNECT_MS)
			touch_session(c, weft_now_ms());
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return c ? on_receive(c, wsi, in, len) : -1;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (c) {
			c->rx_ms = weft_mono_ms();
			c->ping_ms = 0;
		}
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c ? on_writable(c) : -1;
	case LWS_CALLBACK_TIMER:
		/* Closing, and the close frame never went out: the peer reads
		 * nothing. Shut the socket so that lws's pending writes fail
		 * and it lets go. */
		if (c && c->close_code) {
			weft_info("ws.hangup user=%lld reason=close_not_sent", (long long)c->ses.user_id);
			shutdown(lws_get_socket_fd(wsi), SHUT_RDWR);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (!c)
			return 0;
		/* Nothing more is sent: a replay in progress ends here. */
		weft_replay_free(c);
		pss->c = NULL;
		weft_presence_drop(c);
		int64_t who = c->ses.user_id;
		weft_conn_unlink(c); /* c may be gone after this */
		if (!weft_presence_online(s, who))
			weft_presence_changed(s, who, false);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		/* Refused in the filter after allocation, or never established. */
		if (c && c->owner.refs == 0) {
			pss->c = NULL;
			weft_conn_free(c);
		}
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols weft_ws_protocol = {
	.name = "weft.v1",
	.callback = ws_callback,
	.per_session_data_size = sizeof(struct pss),
	/* lws keeps this much per connection for as long as it is open; a
	 * larger message arrives in pieces and is reassembled (on_receive), so
	 * it only needs to hold a typical chat message whole. */
	.rx_buffer_size = 1024,
	/* lws splits a write larger than this and copies the rest aside: a
	 * history page or a coalesced batch goes out in one piece. */
	.tx_packet_size = 64 * 1024,
};

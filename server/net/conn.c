/* WebSocket connections: handshake authentication, reassembly, limits,
 * the bounded send queue, and closing. */
#include "weft/server.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(LWS_PRE <= WEFT_FRAME_PRE, "frame headroom must cover LWS_PRE");

#define OVERSIZE_STRIKES_MAX 3
#define RX_INITIAL 1024

struct pss {
	struct weft_conn *c;
};

static void release_conn(struct weft_job_owner *o);

static int64_t session_idle_ms(struct weft_server *s) { return (int64_t)s->cfg->session_idle * 1000; }

#define ADDR_BUCKETS 4096

static struct weft_addr_count **addr_slot(struct weft_server *s, const char *addr)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const char *p = addr; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	struct weft_addr_count **pp = &s->addr_tab[h % s->addr_buckets];
	while (*pp && strcmp((*pp)->addr, addr))
		pp = &(*pp)->next;
	return pp;
}

/* Takes a connection slot for addr; false when the address is at its limit. */
static bool addr_take(struct weft_server *s, const char *addr)
{
	int limit = s->cfg->max_conns_per_addr;
	if (limit <= 0)
		return true;
	if (!s->addr_tab) {
		if (!(s->addr_tab = calloc(ADDR_BUCKETS, sizeof *s->addr_tab)))
			return false;
		s->addr_buckets = ADDR_BUCKETS;
	}
	struct weft_addr_count **pp = addr_slot(s, addr);
	if (!*pp) {
		struct weft_addr_count *a = calloc(1, sizeof *a);
		if (!a)
			return false;
		snprintf(a->addr, sizeof a->addr, "%s", addr);
		*pp = a;
	}
	if ((*pp)->count >= limit)
		return false;
	(*pp)->count++;
	return true;
}

static void addr_release(struct weft_server *s, const char *addr)
{
	if (!s->addr_tab)
		return;
	struct weft_addr_count **pp = addr_slot(s, addr);
	if (*pp && --(*pp)->count <= 0) {
		struct weft_addr_count *a = *pp;
		*pp = a->next;
		free(a);
	}
}

void weft_conn_addr_free(struct weft_server *s)
{
	for (size_t i = 0; s->addr_tab && i < s->addr_buckets; i++) {
		struct weft_addr_count *a = s->addr_tab[i];
		while (a) {
			struct weft_addr_count *next = a->next;
			free(a);
			a = next;
		}
	}
	free(s->addr_tab);
	s->addr_tab = NULL;
}

static int refuse(struct lws *wsi, unsigned code)
{
	lws_return_http_status(wsi, code, NULL);
	return -1;
}

static int on_filter(struct weft_server *s, struct lws *wsi, struct pss *pss)
{
	char uri[256], origin[512], token[WEFT_TOKEN_LEN + 8];
	if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws"))
		return refuse(wsi, HTTP_STATUS_NOT_FOUND);
	if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) > 0 &&
	    !weft_server_origin_ok(s, origin)) {
		weft_info("ws: refused origin %s", origin);
		return refuse(wsi, HTTP_STATUS_FORBIDDEN);
	}
	token[0] = '\0';
	if (weft_http_token(wsi, true, token, sizeof token))
		return refuse(wsi, HTTP_STATUS_UNAUTHORIZED);
	unsigned char hash[32];
	weft_auth_token_hash(token, strlen(token), hash);
	struct weft_session ses;
	int64_t now = weft_now_ms();
	int rc = weft_store_session_get(s->store, hash, now, session_idle_ms(s), &ses);
	if (rc)
		return refuse(wsi, rc == WEFT_EAUTH ? HTTP_STATUS_UNAUTHORIZED : HTTP_STATUS_SERVICE_UNAVAILABLE);

	char peer[64];
	lws_get_peer_simple(wsi, peer, sizeof peer);
	if (!addr_take(s, peer)) {
		weft_info("ws: refused a connection from %s: at max_conns_per_addr", peer);
		return refuse(wsi, 429);
	}
	struct weft_conn *c = calloc(1, sizeof *c);
	if (!c) {
		addr_release(s, peer);
		return refuse(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE);
	}
	c->counted = true;
	c->owner.release = release_conn;
	c->srv = s;
	c->wsi = wsi;
	c->serial = ++s->next_serial;
	c->ses = ses;
	c->tokens = s->cfg->burst;
	c->refill_ms = weft_mono_ms();
	c->touched_ms = ses.last_used_ms;
	memcpy(c->peer, peer, sizeof c->peer);
	pss->c = c;
	return 0;
}

static void link_conn(struct weft_server *s, struct weft_conn *c)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, c->ses.user_id, true);
	if (u) {
		c->user_next = u->conns;
		if (u->conns)
			u->conns->user_prev = c;
		u->conns = c;
	}
	c->all_next = s->conns;
	if (s->conns)
		s->conns->all_prev = c;
	s->conns = c;
	s->nconns++;
	s->stats.conns_total++;
}

static void unlink_conn(struct weft_server *s, struct weft_conn *c)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, c->ses.user_id, false);
	if (c->user_prev)
		c->user_prev->user_next = c->user_next;
	else if (u && u->conns == c)
		u->conns = c->user_next;
	if (c->user_next)
		c->user_next->user_prev = c->user_prev;
	if (c->all_prev)
		c->all_prev->all_next = c->all_next;
	else if (s->conns == c)
		s->conns = c->all_next;
	if (c->all_next)
		c->all_next->all_prev = c->all_prev;
	c->user_next = c->user_prev = c->all_next = c->all_prev = NULL;
	s->nconns--;
}

static void free_conn(struct weft_conn *c)
{
	if (c->counted)
		addr_release(c->srv, c->peer);
	while (c->qlen) {
		weft_frame_unref(c->q[c->qhead]);
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
	}
	free(c->q);
	free(c->rx);
	weft_replay_free(c);
	free(c);
}

/* The last reference went: the socket closed and no job names it. */
static void release_conn(struct weft_job_owner *o)
{
	free_conn(weft_container_of(o, struct weft_conn, owner));
}

void weft_conn_close(struct weft_conn *c, int code, const char *reason)
{
	if (!c->wsi || c->close_code)
		return;
	c->close_code = code;
	c->close_reason = reason;
	lws_callback_on_writable(c->wsi);
}

void weft_conn_send_frame(struct weft_conn *c, struct weft_frame *f)
{
	if (!c->wsi || c->close_code || !f)
		return;
	if (c->qlen == (uint32_t)c->srv->cfg->send_queue) {
		/* Too far behind: drop it; the client resumes with its cursor. */
		c->srv->stats.dropped_slow++;
		weft_info("ws: dropping slow connection of user %lld (%u frames queued)",
			  (long long)c->ses.user_id, c->qlen);
		weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too slow; resume with your cursor");
		return;
	}
	if (c->qlen == c->qcap) {
		uint32_t ncap = c->qcap ? c->qcap * 2 : 16;
		struct weft_frame **nq = malloc(ncap * sizeof *nq);
		if (!nq) {
			weft_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
			return;
		}
		for (uint32_t i = 0; i < c->qlen; i++)
			nq[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = nq;
		c->qhead = 0;
		c->qcap = ncap;
	}
	weft_frame_ref(f);
	c->q[(c->qhead + c->qlen) % c->qcap] = f;
	c->qlen++;
	lws_callback_on_writable(c->wsi);
}

void weft_conn_send_new(struct weft_conn *c, struct weft_frame *f)
{
	if (!f) {
		weft_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return;
	}
	weft_conn_send_frame(c, f);
	weft_frame_unref(f);
}

void weft_conn_send(struct weft_conn *c, cJSON *obj)
{
	size_t len;
	char *json = weft_proto_print(obj, &len);
	weft_conn_send_new(c, weft_frame_from_string(json, len));
}

void weft_conn_error(struct weft_conn *c, const char *req, int err, const char *message)
{
	weft_conn_send(c, weft_proto_error(req, weft_proto_code(err), message));
}

void weft_server_close_session(struct weft_server *s, int64_t session_id)
{
	for (struct weft_conn *c = s->conns; c; c = c->all_next)
		if (c->ses.id == session_id)
			weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "signed out");
}

/* Token bucket: true when the request may proceed. */
static bool rate_ok(struct weft_conn *c, int *retry_ms)
{
	struct weft_config *cfg = c->srv->cfg;
	int64_t now = weft_mono_ms();
	c->tokens += (double)(now - c->refill_ms) * cfg->rate / 1000.0;
	if (c->tokens > cfg->burst)
		c->tokens = cfg->burst;
	c->refill_ms = now;
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
		c->rate_strikes = 0;
		return true;
	}
	*retry_ms = (int)ceil((1.0 - c->tokens) * 1000.0 / cfg->rate);
	if (*retry_ms < 1)
		*retry_ms = 1;
	return false;
}

static void handle_message(struct weft_conn *c, const char *msg, size_t msglen)
{
	struct weft_server *s = c->srv;
	int retry_ms;
	if (!rate_ok(c, &retry_ms)) {
		s->stats.rate_limited++;
		/* Flooding on past twice the burst of refusals is abuse. */
		if (++c->rate_strikes > 2 * s->cfg->burst) {
			weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "request flood");
			return;
		}
		struct weft_cmd cmd;
		struct weft_parse_error perr;
		int rc = weft_proto_parse(msg, msglen, &s->limits, &cmd, &perr);
		cJSON *e = weft_proto_error(cmd.has_req ? cmd.req : NULL, "rate_limited",
					    "too many requests; slow down");
		if (!rc)
			weft_cmd_clear(&cmd);
		cJSON_AddNumberToObject(e, "retry_after_ms", retry_ms);
		weft_conn_send(c, e);
		return;
	}
	if (c->rx_binary) {
		weft_conn_error(c, NULL, WEFT_EINVAL, "frames must be UTF-8 JSON text");
		return;
	}
	struct weft_cmd cmd;
	struct weft_parse_error perr;
	int rc = weft_proto_parse(msg, msglen, &s->limits, &cmd, &perr);
	if (rc) {
		weft_conn_send(c, weft_proto_error(cmd.has_req ? cmd.req : NULL, perr.code, perr.message));
		return;
	}
	weft_cmd_dispatch(c, &cmd);
	weft_cmd_clear(&cmd);
}

static int on_receive(struct weft_conn *c, struct lws *wsi, const void *in, size_t len)
{
	struct weft_server *s = c->srv;
	bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
	if (first) {
		c->rxlen = 0;
		c->rx_over = false;
		c->rx_binary = lws_frame_is_binary(wsi);
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

/* A server-to-client WebSocket frame header (FIN, text, unmasked) for a
 * payload of len bytes; returns its size (2, 4 or 10). */
static size_t ws_header(unsigned char *h, size_t len)
{
	h[0] = 0x81;
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

static struct weft_frame *pop_frame(struct weft_conn *c)
{
	struct weft_frame *f = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	return f;
}

/* Writes the queued frames: one frame through lws_write as usual; several
 * framed by us into one buffer and written raw in one lws_write, so they
 * share TLS records and one syscall. This kicks in exactly when a
 * connection falls behind (a burst in a busy channel, replay). lws keeps
 * whatever the socket does not take and sends it before anything else, so
 * frames never interleave. */
static int write_queued(struct weft_conn *c, struct lws *wsi)
{
	struct weft_server *s = c->srv;
	struct weft_frame *f = c->q[c->qhead];
	if (c->qlen == 1 || f->len + 10 + c->q[(c->qhead + 1) % c->qcap]->len + 10 > WEFT_TX_BATCH) {
		pop_frame(c);
		int n = lws_write(wsi, weft_frame_payload(f), f->len, LWS_WRITE_TEXT);
		weft_frame_unref(f);
		s->stats.frames_sent++;
		s->stats.ws_writes++;
		return n < 0 ? -1 : 0;
	}
	if (!s->txbuf && !(s->txbuf = malloc(LWS_PRE + WEFT_TX_BATCH)))
		return -1;
	unsigned char *out = s->txbuf + LWS_PRE;
	size_t used = 0;
	while (c->qlen) {
		f = c->q[c->qhead];
		if (used + 10 + f->len > WEFT_TX_BATCH)
			break;
		used += ws_header(out + used, f->len);
		memcpy(out + used, weft_frame_payload(f), f->len);
		used += f->len;
		weft_frame_unref(pop_frame(c));
		s->stats.frames_sent++;
	}
	s->stats.ws_writes++;
	return lws_write(wsi, out, used, LWS_WRITE_RAW) < 0 ? -1 : 0;
}

static int on_writable(struct weft_conn *c, struct lws *wsi)
{
	if (c->close_code) {
		const char *r = c->close_reason ? c->close_reason : "";
		lws_close_reason(wsi, (enum lws_close_status)c->close_code, (unsigned char *)r, strlen(r));
		return -1;
	}
	if (c->qlen && write_queued(c, wsi))
		return -1;
	if (c->state == WEFT_CONN_REPLAY && c->qlen < WEFT_REPLAY_QUEUE_LOW)
		weft_replay_step(c);
	if (c->qlen)
		lws_callback_on_writable(wsi);
	return 0;
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
		link_conn(s, c);
		weft_job_owner_ref(&c->owner); /* the socket's own */
		weft_debug("ws: user %lld connected from %s", (long long)c->ses.user_id, c->peer);
		if (weft_now_ms() - c->ses.last_used_ms > 60000) {
			struct weft_job *j = weft_job_new(WEFT_JOB_SESSION_TOUCH);
			if (j) {
				j->target = c->ses.id;
				weft_server_submit(s, NULL, j, NULL);
			}
		}
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return c ? on_receive(c, wsi, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c ? on_writable(c, wsi) : -1;
	case LWS_CALLBACK_CLOSED:
		if (!c)
			return 0;
		unlink_conn(s, c);
		c->wsi = NULL;
		pss->c = NULL;
		weft_job_owner_unref(&c->owner);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		/* Refused in the filter after allocation, or never established. */
		if (c && c->owner.refs == 0) {
			pss->c = NULL;
			free_conn(c);
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

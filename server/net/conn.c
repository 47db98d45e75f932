/* One WebSocket connection, on the service thread: its place in the
 * server's and its user's lists, its bounded queue of shared frames, its
 * writes, its close, and its lifetime (struct weft_job_owner: the open
 * socket and every job in flight that names it keep it). */
#include "weft/net.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(LWS_PRE <= WEFT_FRAME_PRE, "frame headroom must cover LWS_PRE");

#define CLOSE_GRACE_S 3

static void release_conn(struct weft_job_owner *o);

struct weft_conn *weft_conn_new(struct weft_server *s, struct lws *wsi, const struct weft_session *ses,
				const char *peer)
{
	struct weft_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->owner.release = release_conn;
	c->srv = s;
	c->wsi = wsi;
	c->ses = *ses;
	c->tokens = s->cfg->burst;
	c->refill_ms = weft_mono_ms();
	c->rx_ms = c->refill_ms;
	c->touched_ms = ses->last_used_ms;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	return c;
}

void weft_conn_link(struct weft_conn *c)
{
	struct weft_server *s = c->srv;
	weft_job_owner_ref(&c->owner); /* the socket's own */
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

void weft_conn_unlink(struct weft_conn *c)
{
	struct weft_server *s = c->srv;
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
	c->wsi = NULL;
	weft_job_owner_unref(&c->owner);
}

static struct weft_frame *pop_frame(struct weft_conn *c)
{
	struct weft_frame *f = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	c->qbytes -= f->len;
	c->srv->stats.queued_bytes -= f->len;
	return f;
}

void weft_conn_free(struct weft_conn *c)
{
	weft_gate_addr_release(c->srv, c->peer);
	while (c->qlen)
		weft_frame_unref(pop_frame(c));
	while (c->npend)
		free(weft_conn_unhold(c));
	free(c->q);
	free(c->rx);
	free(c);
}

/* The last reference went: the socket closed and no job names it. */
static void release_conn(struct weft_job_owner *o)
{
	weft_conn_free(weft_container_of(o, struct weft_conn, owner));
}

void weft_conn_close(struct weft_conn *c, int code, const char *reason)
{
	if (!c->wsi || c->close_code)
		return;
	c->close_code = code;
	c->close_reason = reason;
	lws_callback_on_writable(c->wsi);
	/* A peer that reads nothing never makes its socket writable, and lws
	 * 4.1 waits for ever to flush what it holds before closing (its own
	 * flush timeout only asks again): ws.c hangs up at this timer. */
	lws_set_timer_usecs(c->wsi, CLOSE_GRACE_S * LWS_US_PER_SEC);
}

void weft_conn_send_frame(struct weft_conn *c, struct weft_frame *f)
{
	if (!c->wsi || c->close_code || !f)
		return;
	struct weft_config *cfg = c->srv->cfg;
	if (c->qlen == (uint32_t)cfg->send_queue || c->qbytes + f->len > (size_t)cfg->send_queue_bytes) {
		/* Too far behind: drop it; the client resumes with its cursor. A
		 * byte cap besides the frame cap: a few pages of escaped control
		 * characters are megabytes in few frames. */
		c->srv->stats.dropped_slow++;
		weft_info("ws.close user=%lld reason=slow frames=%u bytes=%zu", (long long)c->ses.user_id, c->qlen,
			  c->qbytes);
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
	c->qbytes += f->len;
	c->srv->stats.queued_bytes += f->len;
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

/* Writes the queued frames: one frame through lws_write as usual; several
 * framed by us into one buffer and written raw in one lws_write, so they
 * share TLS records and one syscall. This kicks in exactly when a
 * connection falls behind (a burst in a busy channel, replay). lws keeps
 * whatever the socket does not take and sends it before anything else, so
 * frames never interleave. */
static int write_queued(struct weft_conn *c)
{
	struct weft_server *s = c->srv;
	struct lws *wsi = c->wsi;
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

bool weft_conn_backlogged(const struct weft_conn *c)
{
	return c->qbytes >= (size_t)c->srv->cfg->send_queue_bytes / 8;
}

/* Held requests, besides the queue: a few, and a few frames' worth. */
#define PENDING_MAX 32

bool weft_conn_hold(struct weft_conn *c, const char *msg, size_t len, bool binary)
{
	if (c->npend == PENDING_MAX || c->pend_bytes + len > 4 * (size_t)c->srv->cfg->max_frame)
		return false;
	struct weft_pending *p = malloc(sizeof *p + len);
	if (!p)
		return false;
	p->next = NULL;
	p->len = len;
	p->binary = binary;
	memcpy(p->data, msg, len);
	if (c->pend_tail)
		c->pend_tail->next = p;
	else
		c->pend_head = p;
	c->pend_tail = p;
	c->pend_bytes += len;
	if (c->npend++ == 0)
		c->srv->stats.held++;
	return true;
}

struct weft_pending *weft_conn_unhold(struct weft_conn *c)
{
	struct weft_pending *p = c->pend_head;
	if (!p)
		return NULL;
	if (!(c->pend_head = p->next))
		c->pend_tail = NULL;
	c->pend_bytes -= p->len;
	if (--c->npend == 0)
		c->srv->stats.held--;
	return p;
}

int weft_conn_write(struct weft_conn *c)
{
	if (c->close_code) {
		const char *r = c->close_reason ? c->close_reason : "";
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, (unsigned char *)r, strlen(r));
		return -1;
	}
	return c->qlen ? write_queued(c) : 0;
}

/* Resume: after `hello` with a cursor, replay every event the user missed in
 * seq order, merged across the user's channels, in batches paced by the
 * connection's send queue; then `synced`, then live events.
 *
 * Replay reads only events already fanned out (seq <= server last_seq), and
 * the connection turns live in the same service-thread step in which replay
 * reaches last_seq, so nothing is missed or sent twice. */
#include "weft/cmd.h"
#include "weft/net.h"
#include "weft/stage.h"

#include <stdlib.h>
#include <string.h>

#define REPLAY_BATCH_TOTAL 512
#define REPLAY_BATCH_MIN 16

struct replay_channel {
	int64_t channel;
	int64_t cursor;      /* every event <= cursor has been queued (or skipped) */
};

struct weft_replay {
	int n, cap;
	struct replay_channel *ch;
	uint64_t sent;       /* events queued so far: weft_replay_events at synced */
};

void weft_replay_free(struct weft_conn *c)
{
	if (!c->replay)
		return;
	free(c->replay->ch);
	free(c->replay);
	c->replay = NULL;
}

static int add(struct weft_replay *r, int64_t channel, int64_t cursor)
{
	for (int i = 0; i < r->n; i++) {
		if (r->ch[i].channel == channel) {
			if (cursor < r->ch[i].cursor)
				r->ch[i].cursor = cursor;
			return WEFT_OK;
		}
	}
	if (r->n == r->cap) {
		int ncap = r->cap ? r->cap * 2 : 16;
		struct replay_channel *p = realloc(r->ch, (size_t)ncap * sizeof *p);
		if (!p)
			return WEFT_ENOMEM;
		r->ch = p;
		r->cap = ncap;
	}
	r->ch[r->n++] = (struct replay_channel){ channel, cursor };
	return WEFT_OK;
}

int weft_replay_start(struct weft_conn *c, int64_t since)
{
	struct weft_server *s = c->srv;
	struct weft_replay *r = calloc(1, sizeof *r);
	if (!r)
		return WEFT_ENOMEM;
	c->replay = r;
	struct weft_hub_user *u = weft_hub_user(&s->hub, c->ses.user_id, false);
	for (int i = 0; u && i < u->nchannels; i++) {
		int64_t id = u->channels[i], floor = 0, from = since;
		/* Nothing from before this membership began: the join event on. */
		struct weft_member *m = weft_hub_member(weft_hub_channel_get(&s->hub, id), c->ses.user_id);
		if (m && m->joined_seq - 1 > from)
			from = m->joined_seq - 1;
		int rc = weft_store_replay_floor(s->store, id, from, s->cfg->replay_max, &floor);
		if (rc)
			return rc; /* the caller closes the connection: no replay, no synced */
		if (floor > from) {
			/* Too much missed here: the client pages the older part. */
			cJSON *g = weft_proto_reply("gap", NULL);
			cJSON_AddNumberToObject(g, "channel", (double)id);
			cJSON_AddNumberToObject(g, "from", (double)(floor + 1));
			cJSON_AddNumberToObject(g, "since", (double)from);
			weft_conn_send(c, g);
		}
		if (add(r, id, floor > from ? floor : from))
			return WEFT_ENOMEM;
	}
	return WEFT_OK;
}

void weft_replay_add_channel(struct weft_conn *c, int64_t channel, int64_t after_seq)
{
	if (c->replay && add(c->replay, channel, after_seq))
		weft_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
}

void weft_replay_remove_channel(struct weft_conn *c, int64_t channel)
{
	struct weft_replay *r = c->replay;
	for (int i = 0; r && i < r->n; i++) {
		if (r->ch[i].channel == channel) {
			r->ch[i] = r->ch[--r->n];
			return;
		}
	}
}

static int by_seq(const void *a, const void *b)
{
	const struct weft_event *x = *(struct weft_event *const *)a, *y = *(struct weft_event *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void go_live(struct weft_conn *c, int64_t upto)
{
	weft_histo_observe(&c->srv->stats.replay_events, &weft_histo_size, c->replay->sent);
	weft_replay_free(c);
	c->state = WEFT_CONN_LIVE;
	cJSON *o = weft_proto_reply("synced", NULL);
	cJSON_AddNumberToObject(o, "seq", (double)upto);
	weft_conn_send(c, o);
}

/* One round: fetch up to `batch` events per channel; everything at or below
 * the smallest "last fetched" seq of the channels that filled their batch
 * is complete across channels and can go out in order. */
static int round_once(struct weft_conn *c, int64_t upto, bool *done)
{
	struct weft_server *s = c->srv;
	struct weft_replay *r = c->replay;
	*done = false;
	if (r->n == 0) {
		*done = true;
		return WEFT_OK;
	}
	int batch = REPLAY_BATCH_TOTAL / r->n;
	if (batch < REPLAY_BATCH_MIN)
		batch = REPLAY_BATCH_MIN;
	size_t cap = (size_t)batch * (size_t)r->n;
	struct weft_event *evs = calloc(cap, sizeof *evs);
	struct weft_event **order = calloc(cap, sizeof *order);
	int total = 0, rc = WEFT_OK;
	int64_t bound = upto;
	if (!evs || !order) {
		rc = WEFT_ENOMEM;
		goto out;
	}
	for (int i = 0; i < r->n; i++) {
		int n = 0;
		if ((rc = weft_store_channel_events(s->store, r->ch[i].channel, r->ch[i].cursor, upto, batch,
						    evs + total, &n)))
			goto out;
		if (n == batch && evs[total + n - 1].seq < bound)
			bound = evs[total + n - 1].seq;
		total += n;
	}
	int m = 0;
	for (int i = 0; i < total; i++)
		if (evs[i].seq <= bound)
			order[m++] = &evs[i];
	qsort(order, (size_t)m, sizeof *order, by_seq);
	struct weft_hub_channel *hc = NULL;
	for (int i = 0; i < m; i++) {
		/* A confidential message is never replayed to someone who joined
		 * after its session started (issue 15). */
		if (order[i]->msg.confidential && (order[i]->kind == WEFT_EV_MESSAGE || order[i]->kind == WEFT_EV_EDIT) &&
		    (hc = weft_hub_channel_get(&s->hub, order[i]->channel)) &&
		    weft_stage_hidden(s, hc, c->ses.user_id, &order[i]->msg))
			continue;
		/* A failed encode fails the round: the connection closes and the
		 * client resumes from its cursor. */
		struct weft_frame *f = weft_proto_event_frame(order[i]);
		if (!f) {
			rc = WEFT_ENOMEM;
			goto out;
		}
		weft_conn_send_frame(c, f);
		weft_frame_unref(f);
		r->sent++;
		/* A round of large events can be megabytes: stop once the queue
		 * is backlogged. Every fetched event up to this one's seq went
		 * out (they are in seq order), so it is every channel's cursor. */
		if (weft_conn_backlogged(c) && i + 1 < m) {
			bound = order[i]->seq;
			break;
		}
	}
	for (int i = 0; i < r->n; i++)
		if (r->ch[i].cursor < bound)
			r->ch[i].cursor = bound;
	*done = bound >= upto;
out:
	for (int i = 0; evs && i < total; i++)
		weft_event_clear(&evs[i]);
	free(evs);
	free(order);
	return rc;
}

void weft_replay_step(struct weft_conn *c)
{
	if (c->state != WEFT_CONN_REPLAY || !c->replay || !c->wsi || c->close_code)
		return;
	int64_t upto = c->srv->last_seq;
	while (c->qlen < WEFT_REPLAY_QUEUE_LOW && !weft_conn_backlogged(c)) {
		bool done;
		if (round_once(c, upto, &done)) {
			weft_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "resume failed");
			return;
		}
		if (done) {
			go_live(c, upto);
			return;
		}
	}
}

/* Message search. The service thread checks the request and hands it to a
 * search worker (server/workq.c); the worker runs the FTS query on a
 * read-only connection of its own (server/store/search.c) and the results
 * come back here to be encoded and sent. The service thread never runs an
 * FTS query: a search over a million messages can take milliseconds, and
 * every other connection would wait for it. */
#include "handlers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A search stops (unavailable) past this: a pathological query must not
 * hold a worker. The benchmark's p99 is three orders of magnitude below. */
#define SEARCH_TIMEOUT_MS 5000

/* The searchers (one connection each), one per worker: a worker takes one
 * for a search and gives it back, under lock. Shared by the workers. */
struct weft_search_pool {
	pthread_mutex_t lock;
	int n, nfree;
	struct weft_searcher **all, **free;
};

struct search_task {
	struct weft_task task;
	struct weft_search_pool *pool;
	struct weft_job_owner *owner;   /* the connection's, one reference held */
	char req[WEFT_REQ_BYTES];
	struct weft_search_query *q;    /* owned: the parsed query (taken from the cmd) */
	struct weft_search_params p;
	/* Results, written by the worker, read by the service thread after. */
	int rc, n;
	bool more;
	uint64_t t0;                    /* dispatch (weft_mono_ns): the search histogram */
	struct weft_search_hit hits[];  /* p.limit */
};

static struct weft_searcher *pool_take(struct weft_search_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	struct weft_searcher *se = pool->nfree ? pool->free[--pool->nfree] : NULL;
	pthread_mutex_unlock(&pool->lock);
	return se;
}

static void pool_give(struct weft_search_pool *pool, struct weft_searcher *se)
{
	pthread_mutex_lock(&pool->lock);
	pool->free[pool->nfree++] = se;
	pthread_mutex_unlock(&pool->lock);
}

/* Worker thread: touches only the task and a searcher. */
static void search_run(struct weft_task *t)
{
	struct search_task *st = weft_container_of(t, struct search_task, task);
	/* As many searchers as workers: one is always free here. */
	struct weft_searcher *se = pool_take(st->pool);
	if (!se) {
		st->rc = WEFT_EBUSY;
		return;
	}
	st->rc = weft_store_search(se, &st->p, SEARCH_TIMEOUT_MS, st->hits, &st->n, &st->more);
	pool_give(st->pool, se);
}

/* Service thread: the answer, if the socket is still open. */
static void search_done(struct weft_task *t, void *ctx)
{
	struct search_task *st = weft_container_of(t, struct search_task, task);
	struct weft_server *s = ctx;
	s->search_pending--;
	struct weft_conn *c = weft_container_of(st->owner, struct weft_conn, owner);
	if (c->wsi) {
		if (st->rc == WEFT_EBUSY)
			weft_conn_error(c, st->req, WEFT_EBUSY, "the search took too long; add words or a filter");
		else if (st->rc)
			weft_conn_error(c, st->req, WEFT_EIO, "search is unavailable");
		else
			weft_conn_send_new(c, weft_proto_results_frame(st->req, st->hits, st->n, st->more));
	}
	weft_histo_observe(&s->stats.search, &weft_histo_latency, weft_mono_ns() - st->t0);
	for (int i = 0; !st->rc && i < st->n; i++)
		weft_search_hit_clear(&st->hits[i]);
	weft_job_owner_unref(st->owner);
	free(st->q);
	free(st);
}

/* Requests that name a channel keep the v1 rule: not_found when there is
 * no such channel, forbidden when the user may not read it. */
WEFT_HANDLER(weft_cmd_search)
{
	struct weft_server *s = c->srv;
	if (cmd->channel) {
		struct weft_hub_channel *named = weft_hub_channel_get(&s->hub, cmd->channel);
		if (!named) {
			weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such channel");
			return;
		}
		if (!weft_cmd_allowed(named, weft_hub_role(named, c->ses.user_id), WEFT_ACT_READ)) {
			weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "members only");
			return;
		}
	}
	if (!s->search || s->search_pending >= s->cfg->search_queue) {
		weft_conn_error(c, cmd->req, WEFT_EBUSY, "search is busy; try again in a moment");
		return;
	}
	struct search_task *st = calloc(1, sizeof *st + (size_t)cmd->limit * sizeof st->hits[0]);
	if (!st) {
		weft_conn_error(c, cmd->req, WEFT_ENOMEM, "out of memory");
		return;
	}
	st->task.run = search_run;
	st->task.done = search_done;
	st->pool = s->search_pool;
	st->t0 = weft_mono_ns();
	st->owner = &c->owner;
	memcpy(st->req, cmd->req, sizeof st->req);
	st->q = cmd->search;
	cmd->search = NULL;
	st->p = (struct weft_search_params){
		.user = c->ses.user_id,
		.match = st->q->match,
		.from_name = st->q->from,
		.in_name = st->q->in,
		.channel = cmd->channel,
		.from = cmd->from,
		.before = cmd->before,
		.limit = cmd->limit,
	};
	weft_job_owner_ref(st->owner);
	if (weft_workq_submit(s->search, &st->task)) {
		weft_job_owner_unref(st->owner);
		free(st->q);
		free(st);
		weft_conn_error(c, cmd->req, WEFT_EBUSY, "the server is shutting down");
		return;
	}
	s->search_pending++;
}

static void pool_free(struct weft_search_pool *pool)
{
	if (!pool)
		return;
	for (int i = 0; i < pool->n; i++)
		weft_store_searcher_close(pool->all[i]);
	pthread_mutex_destroy(&pool->lock);
	free(pool->all);
	free(pool->free);
	free(pool);
}

int weft_search_start(struct weft_server *s)
{
	int n = s->cfg->search_threads, rc = WEFT_ENOMEM;
	struct weft_search_pool *pool = calloc(1, sizeof *pool);
	if (!pool)
		return WEFT_ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	if (!(pool->all = calloc((size_t)n, sizeof *pool->all)) || !(pool->free = calloc((size_t)n, sizeof *pool->free)))
		goto out;
	for (; pool->n < n; pool->n++) {
		if ((rc = weft_store_searcher_open(s->store, &pool->all[pool->n])))
			goto out;
		pool->free[pool->nfree++] = pool->all[pool->n];
	}
	if ((rc = weft_workq_start(n, weft_server_wake, s, &s->search)))
		goto out;
	s->search_pool = pool;
	return WEFT_OK;
out:
	pool_free(pool);
	return rc;
}

void weft_search_stop(struct weft_server *s)
{
	/* Finishes the searches queued and answers them (to sockets still
	 * open) before the connections go. */
	weft_workq_stop(s->search, s);
	s->search = NULL;
	pool_free(s->search_pool);
	s->search_pool = NULL;
}

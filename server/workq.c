#define _GNU_SOURCE /* pthread_setname_np */
/* Worker pool: a locked FIFO in, a locked FIFO out. */
#include "weft/workq.h"

#include <pthread.h>
#include <stdlib.h>

struct weft_workq {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct weft_task *in, **in_tail;
	struct weft_task *out, **out_tail;
	bool stopping;
	void (*notify)(void *);
	void *arg;
	int nthreads;
	pthread_t threads[];
};

static void *worker_main(void *arg)
{
	struct weft_workq *q = arg;
	pthread_setname_np(pthread_self(), "weft-worker");
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->in && !q->stopping)
			pthread_cond_wait(&q->wake, &q->lock);
		struct weft_task *t = q->in;
		if (!t)
			break; /* stopping and nothing left */
		q->in = t->next;
		if (!q->in)
			q->in_tail = &q->in;
		pthread_mutex_unlock(&q->lock);
		t->run(t);
		pthread_mutex_lock(&q->lock);
		t->next = NULL;
		*q->out_tail = t;
		q->out_tail = &t->next;
		pthread_mutex_unlock(&q->lock);
		if (q->notify)
			q->notify(q->arg);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int weft_workq_start(int nthreads, void (*notify)(void *), void *arg, struct weft_workq **out)
{
	struct weft_workq *q = calloc(1, sizeof *q + (size_t)nthreads * sizeof(pthread_t));
	if (!q)
		return WEFT_ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	q->in_tail = &q->in;
	q->out_tail = &q->out;
	q->notify = notify;
	q->arg = arg;
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&q->threads[i], NULL, worker_main, q)) {
			weft_workq_stop(q, NULL);
			return WEFT_EIO;
		}
		q->nthreads++;
	}
	*out = q;
	return WEFT_OK;
}

int weft_workq_submit(struct weft_workq *q, struct weft_task *t)
{
	pthread_mutex_lock(&q->lock);
	if (q->stopping) {
		pthread_mutex_unlock(&q->lock);
		return WEFT_EBUSY;
	}
	t->next = NULL;
	*q->in_tail = t;
	q->in_tail = &t->next;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	return WEFT_OK;
}

int weft_workq_drain(struct weft_workq *q, void *ctx)
{
	pthread_mutex_lock(&q->lock);
	struct weft_task *t = q->out;
	q->out = NULL;
	q->out_tail = &q->out;
	pthread_mutex_unlock(&q->lock);
	int n = 0;
	while (t) {
		struct weft_task *next = t->next;
		t->done(t, ctx);
		t = next;
		n++;
	}
	return n;
}

void weft_workq_stop(struct weft_workq *q, void *ctx)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->wake);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	if (ctx)
		weft_workq_drain(q, ctx);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->wake);
	free(q);
}

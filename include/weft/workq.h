/* A small pool of worker threads for slow work the service thread must not
 * do (password hashing, later search and export). Tasks run on a worker and
 * come back to the service thread through a completed list and a notify
 * callback (lws_cancel_service). */
#ifndef WEFT_WORKQ_H
#define WEFT_WORKQ_H

#include "weft/common.h"

struct weft_task {
	struct weft_task *next;
	/* Runs on a worker thread; must not touch service-thread state. */
	void (*run)(struct weft_task *t);
	/* Runs on the thread that takes the task back (the service thread). */
	void (*done)(struct weft_task *t, void *ctx);
};

struct weft_workq;

/* Starts nthreads workers. notify(arg) is called from a worker whenever a
 * task completes. *out written on success. */
int weft_workq_start(int nthreads, void (*notify)(void *), void *arg, struct weft_workq **out);

/* Queues a task (the caller keeps ownership of its memory; the queue only
 * links it). WEFT_EBUSY once stopping. Any thread. */
int weft_workq_submit(struct weft_workq *q, struct weft_task *t);

/* Runs done(t, ctx) for every completed task, in completion order. Returns
 * how many ran. Service thread. */
int weft_workq_drain(struct weft_workq *q, void *ctx);

/* Finishes queued tasks, joins the workers and frees the queue; completed
 * tasks are drained with ctx first. */
void weft_workq_stop(struct weft_workq *q, void *ctx);

#endif

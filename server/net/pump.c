/* The completion pump, on the service thread: work goes out to the writer
 * thread (store jobs) and the auth workers (password hashing), and their
 * results come back here, woken by lws_cancel_service. A committed event is
 * fanned out before the job's own answer, so a client sees the event first
 * and the hub is current by the time the answer is built. */
#include "weft/net.h"

void weft_server_wake(void *server)
{
	struct weft_server *s = server;
	if (s->ctx)
		lws_cancel_service(s->ctx);
}

int weft_server_submit(struct weft_server *s, struct weft_job_owner *owner, struct weft_job *job,
		       void (*on_done)(struct weft_server *s, struct weft_job *job))
{
	job->on_done = on_done;
	job->owner = owner;
	if (owner)
		weft_job_owner_ref(owner);
	if (weft_store_submit(s->store, job)) {
		if (owner)
			weft_job_owner_unref(owner);
		weft_job_free(job);
		return WEFT_EBUSY;
	}
	return WEFT_OK;
}

void weft_server_completions(struct weft_server *s)
{
	weft_workq_drain(s->auth, s);
	if (s->search)
		weft_workq_drain(s->search, s);
	if (s->files_wq)
		weft_workq_drain(s->files_wq, s);
	struct weft_job *j = weft_store_take_completed(s->store);
	while (j) {
		struct weft_job *next = j->next;
		if (!j->result)
			weft_fanout_access(s, j);
		if (!j->result && j->seq && !j->duplicate)
			weft_fanout_events(s, j);
		if (j->on_done)
			j->on_done(s, j);
		if (j->ngone)
			weft_files_gone(s, j);
		if (j->owner)
			weft_job_owner_unref(j->owner);
		weft_job_free(j);
		j = next;
	}
}

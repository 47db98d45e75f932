/* A job's own lifetime: made by whoever submits it, freed by whoever takes
 * it back. Any thread (one at a time: a job has one owner). */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

struct weft_job *weft_job_new(enum weft_job_kind kind)
{
	struct weft_job *j = calloc(1, sizeof *j);
	if (j)
		j->kind = kind;
	return j;
}

void clear_events(struct weft_job *job)
{
	weft_event_clear(&job->ev);
	memset(&job->ev, 0, sizeof job->ev);
	for (int i = 0; i < job->nmore; i++)
		weft_event_clear(&job->more[i]);
	free(job->more);
	job->more = NULL;
	job->nmore = 0;
	job->seq = 0;
}

void weft_job_free(struct weft_job *job)
{
	if (!job)
		return;
	free(job->text);
	free(job->text2);
	free(job->out);
	free(job->here);
	free(job->mentioned);
	free(job->gone);
	clear_events(job);
	free(job);
}

/* POST /api/import (net.h): an administrator's roster, the same CSV as
 * `weftd user import`. Service thread, except the two worker tasks (the
 * parse and check; the encoding of the answer), which own the import while
 * they run.
 *
 * The service thread never does bulk work here: it appends the body's
 * chunks as lws delivers them, hands the whole to a worker (roster.c, the
 * names taken through a read-only connection of the worker's own, a token
 * per new account), then submits USER_CREATE jobs to the writer
 * IMPORT_BATCH at a time (each batch when the last one's jobs came back, so
 * other people's writes interleave), and hands the results to a worker
 * again to encode. Join events of the default channels fan out as each job
 * commits, like admin.user.create's. */
#include "weft/net.h"

#include "weft/roster.h"

#include <stdlib.h>
#include <string.h>

#define IMPORT_BATCH 250
#define IMPORTS_MAX 2                   /* imports at once on a server */

enum row_state { ROW_NEW, ROW_EXISTS, ROW_REJECTED, ROW_CREATED, ROW_FAILED };
static const char *const state_names[] = { "new", "exists", "rejected", "created", "failed" };

struct weft_import {
	struct weft_server *srv;
	struct weft_job_owner own;      /* the import's own reference and each job's and task's */
	struct weft_job_owner *req;     /* the HTTP request's, held until reply */
	void (*reply)(void *ctx, int status, char *json);
	void *ctx;
	bool dry, started, detached, finished;
	char *body;
	size_t len, cap;
	char db[4200];
	/* Filled by the parse task. */
	struct weft_task task;
	int status;                     /* the answer's */
	char err[512];
	struct weft_roster roster;
	unsigned char *state;           /* per row: enum row_state */
	char (*token)[WEFT_TOKEN_LEN + 1]; /* per row: a new account's link */
	int64_t expires_ms;
	/* Submitting. */
	int next, pending;
	struct weft_job *inflight[IMPORT_BATCH];
	int inflight_row[IMPORT_BATCH];
	char *json;                     /* the answer, encoded */
};

static int imports_running;            /* service thread */

static void import_free(struct weft_job_owner *o)
{
	struct weft_import *im = weft_container_of(o, struct weft_import, own);
	imports_running--;
	if (im->token)
		OPENSSL_cleanse(im->token, (size_t)im->roster.nrows * sizeof *im->token);
	free(im->token);
	free(im->state);
	weft_roster_free(&im->roster);
	free(im->body);
	free(im->json);
	free(im);
}

struct weft_import *weft_import_new(struct weft_server *s, bool dry, struct weft_job_owner *owner,
				    void (*reply)(void *ctx, int status, char *json), void *ctx)
{
	if (imports_running >= IMPORTS_MAX)
		return NULL;
	struct weft_import *im = calloc(1, sizeof *im);
	if (!im)
		return NULL;
	imports_running++;
	im->srv = s;
	im->own.refs = 1;
	im->own.release = import_free;
	im->req = owner;
	weft_job_owner_ref(owner);
	im->reply = reply;
	im->ctx = ctx;
	im->dry = dry;
	snprintf(im->db, sizeof im->db, "%s/weft.db", s->cfg->data);
	return im;
}

int weft_import_body(struct weft_import *im, const void *chunk, size_t len)
{
	if (im->len + len > WEFT_IMPORT_BODY_MAX)
		return WEFT_ETOOLARGE;
	if (im->len + len + 1 > im->cap) {
		size_t cap = im->cap ? im->cap : 64 * 1024;
		while (cap < im->len + len + 1)
			cap *= 2;
		char *b = realloc(im->body, cap);
		if (!b)
			return WEFT_ENOMEM;
		im->body = b;
		im->cap = cap;
	}
	memcpy(im->body + im->len, chunk, len);
	im->len += len;
	return WEFT_OK;
}

/* Answers (once) and lets go of the request and of the import's own
 * reference. */
static void finish(struct weft_import *im, int status, char *json)
{
	im->finished = true;
	im->reply(im->ctx, status, json);
	weft_job_owner_unref(im->req);
	weft_job_owner_unref(&im->own);
}

static void finish_error(struct weft_import *im, int status, const char *code, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", code);
	if (message)
		cJSON_AddStringToObject(o, "message", message);
	char *s = weft_proto_print(o, NULL);
	finish(im, status, s ? s : strdup("{}"));
}

void weft_import_detach(struct weft_import *im)
{
	im->detached = true;
	if (!im->started && !im->finished) {
		im->finished = true;
		weft_job_owner_unref(im->req);
		weft_job_owner_unref(&im->own);
	}
}

/* ---- The parse and check: a worker, which owns the import meanwhile. */

static void parse_run(struct weft_task *t)
{
	struct weft_import *im = weft_container_of(t, struct weft_import, task);
	struct weft_roster *r = &im->roster;
	im->status = 500;
	if (weft_roster_read(im->body ? im->body : "", im->len, r, im->err, sizeof im->err)) {
		im->status = im->err[0] ? 400 : 500;
		return;
	}
	free(im->body);
	im->body = NULL;
	const char **names = calloc((size_t)r->nrows + 1, sizeof *names);
	bool *taken = calloc((size_t)r->nrows + 1, sizeof *taken);
	im->state = calloc((size_t)r->nrows + 1, 1);
	im->token = im->dry ? NULL : calloc((size_t)r->nrows + 1, sizeof *im->token);
	if (!names || !taken || !im->state || (!im->dry && !im->token))
		goto out;
	for (int i = 0; i < r->nrows; i++)
		names[i] = r->rows[i].field[WEFT_ROSTER_USERNAME];
	if (weft_store_names_taken(im->db, names, r->nrows, taken)) {
		snprintf(im->err, sizeof im->err, "the accounts could not be read");
		im->status = 503;
		goto out;
	}
	for (int i = 0; i < r->nrows; i++) {
		im->state[i] = r->rows[i].reason[0] ? ROW_REJECTED : taken[i] ? ROW_EXISTS : ROW_NEW;
		if (im->state[i] == ROW_NEW && !im->dry && weft_auth_new_token(im->token[i]))
			goto out;
	}
	im->status = 200;
out:
	free(names);
	free(taken);
}

/* ---- The answer: encoded on a worker. */

static void add_field(cJSON *o, const char *key, const char *v)
{
	if (v && v[0])
		cJSON_AddStringToObject(o, key, v);
}

static void encode_run(struct weft_task *t)
{
	struct weft_import *im = weft_container_of(t, struct weft_import, task);
	const struct weft_roster *r = &im->roster;
	int count[5] = { 0 };
	char iso[WEFT_ISO_LEN], url[1024];
	cJSON *o = cJSON_CreateObject(), *rows = cJSON_CreateArray();
	for (int i = 0; i < r->nrows; i++) {
		const struct weft_roster_row *row = &r->rows[i];
		cJSON *x = cJSON_CreateObject();
		count[im->state[i]]++;
		cJSON_AddNumberToObject(x, "line", row->line);
		for (int c = 0; c < WEFT_ROSTER_COLS; c++)
			add_field(x, c == WEFT_ROSTER_USERNAME ? "username" : weft_roster_col_names[c], row->field[c]);
		cJSON_AddStringToObject(x, "status", state_names[im->state[i]]);
		add_field(x, "reason", row->reason);
		if (im->state[i] == ROW_CREATED) {
			weft_config_signup_url(im->srv->cfg, im->token[i], url, sizeof url);
			cJSON_AddStringToObject(x, "signup_url", url);
			OPENSSL_cleanse(url, sizeof url);
		}
		cJSON_AddItemToArray(rows, x);
	}
	cJSON_AddBoolToObject(o, "dry_run", im->dry);
	cJSON_AddNumberToObject(o, im->dry ? "new" : "created", count[im->dry ? ROW_NEW : ROW_CREATED]);
	cJSON_AddNumberToObject(o, "existing", count[ROW_EXISTS]);
	cJSON_AddNumberToObject(o, "rejected", count[ROW_REJECTED]);
	cJSON_AddNumberToObject(o, "failed", count[ROW_FAILED]);
	if (!im->dry && count[ROW_CREATED]) {
		weft_iso8601(im->expires_ms, iso);
		cJSON_AddStringToObject(o, "expires", iso);
	}
	if (im->roster.ignored[0])
		cJSON_AddStringToObject(o, "ignored", im->roster.ignored);
	cJSON_AddItemToObject(o, "rows", rows);
	im->json = weft_proto_print(o, NULL);
}

static void encoded(struct weft_task *t, void *ctx)
{
	struct weft_import *im = weft_container_of(t, struct weft_import, task);
	char *json = im->json;
	im->json = NULL;
	if (json)
		finish(im, 200, json);
	else
		finish_error(im, 500, "internal", NULL);
	weft_job_owner_unref(&im->own); /* the task's */
}

static void run_task(struct weft_import *im, void (*run)(struct weft_task *), void (*done)(struct weft_task *, void *))
{
	im->task.run = run;
	im->task.done = done;
	weft_job_owner_ref(&im->own);
	if (weft_workq_submit(im->srv->auth, &im->task)) {
		weft_job_owner_unref(&im->own);
		finish_error(im, 503, "unavailable", NULL);
	}
}

/* ---- Submitting the accounts: service thread. */

static void submit_batch(struct weft_import *im);

static void created(struct weft_server *s, struct weft_job *job)
{
	struct weft_import *im = weft_container_of(job->owner, struct weft_import, own);
	for (int k = 0; k < IMPORT_BATCH; k++) {
		if (im->inflight[k] != job)
			continue;
		int i = im->inflight_row[k];
		im->inflight[k] = NULL;
		im->state[i] = !job->result ? ROW_CREATED : job->result == WEFT_ECONFLICT ? ROW_EXISTS : ROW_FAILED;
		if (job->result && job->result != WEFT_ECONFLICT)
			snprintf(im->roster.rows[i].reason, sizeof im->roster.rows[i].reason, "%s",
				 weft_strerror(job->result));
		break;
	}
	if (--im->pending == 0)
		submit_batch(im);
}

static void submit_batch(struct weft_import *im)
{
	struct weft_roster *r = &im->roster;
	int n = 0;
	while (!im->detached && im->next < r->nrows && n < IMPORT_BATCH) {
		int i = im->next++;
		if (im->state[i] != ROW_NEW)
			continue;
		struct weft_job *j = weft_job_new(WEFT_JOB_USER_CREATE);
		if (!j) {
			im->state[i] = ROW_FAILED;
			continue;
		}
		weft_roster_profile(&r->rows[i], &j->profile);
		weft_auth_token_hash(im->token[i], WEFT_TOKEN_LEN, j->token_hash);
		j->expires_ms = im->expires_ms;
		j->defaults = im->srv->cfg->default_channels;
		im->inflight[n] = j;
		im->inflight_row[n] = i;
		im->pending++;
		n++;
		if (weft_server_submit(im->srv, &im->own, j, created)) {
			im->inflight[n - 1] = NULL;
			im->pending--;
			im->state[i] = ROW_FAILED;
		}
	}
	if (im->pending)
		return;
	/* Rows not reached (the request went away) were not imported. */
	for (int i = im->next; i < r->nrows; i++)
		if (im->state[i] == ROW_NEW)
			im->state[i] = ROW_FAILED;
	im->next = r->nrows;
	int made = 0;
	for (int i = 0; i < r->nrows; i++)
		made += im->state[i] == ROW_CREATED;
	weft_info("import.done created=%d rows=%d detached=%d", made, r->nrows, im->detached ? 1 : 0);
	run_task(im, encode_run, encoded);
}

static void parsed(struct weft_task *t, void *ctx)
{
	struct weft_import *im = weft_container_of(t, struct weft_import, task);
	if (im->status != 200) {
		finish_error(im, im->status, im->status == 400 ? "bad_request" : im->status == 503 ? "unavailable" : "internal",
			     im->err[0] ? im->err : NULL);
	} else if (im->dry) {
		run_task(im, encode_run, encoded);
	} else {
		im->expires_ms = weft_now_ms() + (int64_t)im->srv->cfg->signup_ttl * 1000;
		weft_info("import.checked rows=%d valid=%d", im->roster.nrows, im->roster.valid);
		submit_batch(im);
	}
	weft_job_owner_unref(&im->own); /* the task's */
}

void weft_import_start(struct weft_import *im)
{
	im->started = true;
	run_task(im, parse_run, parsed);
}

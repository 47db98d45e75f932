/* Weaving (issue 17), on the service thread: profiles (user.get, the
 * weaver role), the directory (user.find's pages, facets) and suggested
 * peers. The slow reads go to the search workers on the weaving reader's
 * own connection (weave.h); the service thread only encodes. */
#include "weave.h"

#include <stdlib.h>
#include <string.h>

/* ---- The workers' reads. */

static void weave_run(struct weft_task *task)
{
	struct weave_task *t = weft_container_of(task, struct weave_task, task);
	switch (t->what) {
	case WEAVE_FIND: {
		int max = WEFT_FIND_PAGE_MAX + 1;
		struct weft_find_params p = {
			.q = t->wv.q, .jurisdiction = t->wv.jurisdiction, .region = t->wv.region, .focus = t->wv.focus,
			.after = t->wv.after, .include_inactive = t->admin, .limit = t->wv.limit,
		};
		t->rc = (t->rows = calloc((size_t)max, sizeof *t->rows))
				? weft_store_directory(t->reader, &p, t->rows, max, &t->n, &t->more)
				: WEFT_ENOMEM;
		break;
	}
	case WEAVE_FACETS:
		t->rc = weft_store_facets(t->reader, &t->json);
		break;
	case WEAVE_PEERS:
		t->rc = weft_store_peers(t->reader, t->user, t->limit, t->ids, &t->n);
		break;
	case WEAVE_HEALTH:
		t->rc = weft_store_health(t->reader, t->days, t->now_ms, &t->json);
		break;
	}
}

static void weave_done(struct weft_task *task, void *ctx)
{
	struct weave_task *t = weft_container_of(task, struct weave_task, task);
	struct weft_server *s = ctx;
	s->search_pending--;
	struct weft_conn *c = weft_container_of(t->owner, struct weft_conn, owner);
	if (t->rc && c->wsi)
		weft_conn_error(c, t->req, WEFT_EIO,
				t->what == WEAVE_HEALTH ? "network health is unavailable; try again"
				: t->what == WEAVE_FIND ? "search is unavailable"
							: "the directory is unavailable; try again");
	else
		t->answer(s, c->wsi ? c : NULL, t);
	weft_job_owner_unref(t->owner);
	free(t->json);
	free(t->rows);
	free(t);
}

bool weave_submit(struct weft_conn *c, const struct weft_cmd *cmd, enum weave_read what, int arg,
		  void (*answer)(struct weft_server *, struct weft_conn *, struct weave_task *))
{
	struct weft_server *s = c->srv;
	if (!s->search || !s->weave || s->search_pending >= s->cfg->search_queue) {
		weft_conn_error(c, cmd->req, WEFT_EBUSY, "the server is busy; try again in a moment");
		return false;
	}
	struct weave_task *t = calloc(1, sizeof *t);
	if (!t) {
		weft_conn_error(c, cmd->req, WEFT_ENOMEM, "out of memory");
		return false;
	}
	t->task.run = weave_run;
	t->task.done = weave_done;
	t->reader = s->weave->reader;
	t->owner = &c->owner;
	memcpy(t->req, cmd->req, sizeof t->req);
	t->what = what;
	t->user = c->ses.user_id;
	t->admin = c->ses.admin;
	t->wv = cmd->wv;
	t->wv.focus_list = t->wv.bio = NULL; /* the command's, not the task's */
	t->now_ms = weft_now_ms();
	t->limit = t->days = arg;
	t->answer = answer;
	weft_job_owner_ref(t->owner);
	if (weft_workq_submit(s->search, &t->task)) {
		weft_job_owner_unref(t->owner);
		free(t);
		weft_conn_error(c, cmd->req, WEFT_EBUSY, "the server is shutting down");
		return false;
	}
	s->search_pending++;
	return true;
}

void weave_send_users(struct weft_conn *c, const char *req, const int64_t *ids, int n)
{
	cJSON *r = weft_proto_reply("users", req);
	cJSON *arr = cJSON_AddArrayToObject(r, "users");
	struct weft_profile *p = malloc(sizeof *p);
	for (int i = 0; p && i < n; i++)
		if (!weft_store_user_get(c->srv->store, ids[i], p) && p->active)
			cJSON_AddItemToArray(arr, weft_cmd_profile_json(p, c->ses.admin));
	free(p);
	weft_conn_send(c, r);
}

/* ---- Requests. */

WEFT_HANDLER(weft_cmd_user_get)
{
	(void)ch;
	struct weft_profile *p = malloc(sizeof *p);
	int rc = p ? weft_store_user_get(c->srv->store, cmd->user, p) : WEFT_ENOMEM;
	/* Deactivated accounts are the admins' to see; the system's nobody's. */
	if (!rc && (p->system || (!p->active && !c->ses.admin)))
		rc = WEFT_ENOTFOUND;
	if (rc) {
		weft_conn_error(c, cmd->req, rc, rc == WEFT_ENOTFOUND ? "no such user" : "the directory is unavailable");
	} else {
		cJSON *r = weft_proto_reply("user", cmd->req);
		cJSON_AddItemToObject(r, "user", weft_cmd_profile_json(p, c->ses.admin));
		weft_conn_send(c, r);
	}
	free(p);
}

static void find_answer(struct weft_server *s, struct weft_conn *c, struct weave_task *t)
{
	(void)s;
	if (!c)
		return;
	cJSON *r = weft_proto_reply("users", t->req);
	cJSON *arr = cJSON_AddArrayToObject(r, "users");
	for (int i = 0; i < t->n; i++)
		cJSON_AddItemToArray(arr, weft_cmd_profile_json(&t->rows[i], c->ses.admin));
	cJSON_AddBoolToObject(r, "more", t->more);
	weft_conn_send(c, r);
}

/* Admins also find deactivated accounts, to reactivate them. A page with
 * filters walks hundreds of rows: a worker's read. */
WEFT_HANDLER(weft_cmd_user_find)
{
	(void)ch;
	weave_submit(c, cmd, WEAVE_FIND, cmd->wv.limit, find_answer);
}

/* The user's new profile to them and whoever watches them, and (when c)
 * the answer. */
static void tell_profile(struct weft_server *s, struct weft_conn *c, const char *req, int64_t user)
{
	struct weft_profile *p = malloc(sizeof *p);
	if (!p || weft_store_user_get(s->store, user, p)) {
		if (c)
			weft_conn_error(c, req, WEFT_EIO, "saved, but it cannot be read back");
		free(p);
		return;
	}
	cJSON *o = weft_proto_reply("user", NULL);
	cJSON_AddItemToObject(o, "user", weft_cmd_profile_json(p, false));
	weft_presence_tell(s, user, o);
	if (c) {
		cJSON *r = weft_proto_reply("user", req);
		cJSON_AddItemToObject(r, "user", weft_cmd_profile_json(p, true));
		weft_conn_send(c, r);
	}
	free(p);
}

static void role_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (job->result) {
		if (c)
			weft_cmd_job_failed(c, job, "invalid user");
		return;
	}
	weft_info("admin.user_role by=%lld user=%lld weaver=%d", (long long)job->user, (long long)job->target,
		  job->flag);
	tell_profile(s, c, job->req, job->target);
}

WEFT_HANDLER(weft_cmd_admin_user_role)
{
	(void)ch;
	struct weft_job *job = weft_job_new(WEFT_JOB_WEAVER_SET);
	if (job) {
		job->target = cmd->user;
		job->flag = cmd->wv.weaver;
	}
	weft_cmd_submit(c, cmd, job, role_done);
}

/* Facets change slowly (profiles), and a directory opens often: the
 * figures are kept this long (the bench: 20 ms of a worker at 13,000). */
#define FACETS_TTL_MS (60 * 1000)

static void send_facets(struct weft_conn *c, const char *req, const char *json)
{
	cJSON *facets = cJSON_Parse(json);
	if (!facets) {
		weft_conn_error(c, req, WEFT_EIO, "the directory is unavailable; try again");
		return;
	}
	cJSON *r = weft_proto_reply("facets", req);
	cJSON *item;
	while ((item = facets->child)) {
		cJSON_DetachItemViaPointer(facets, item);
		cJSON_AddItemToObject(r, item->string, item);
	}
	cJSON_Delete(facets);
	weft_conn_send(c, r);
}

static void facets_answer(struct weft_server *s, struct weft_conn *c, struct weave_task *t)
{
	struct weft_weave *w = s->weave;
	if (w && t->now_ms >= w->facets_ms) {
		free(w->facets);
		w->facets = t->json;
		w->facets_ms = t->now_ms;
		t->json = NULL;
	}
	if (c)
		send_facets(c, t->req, t->json ? t->json : w->facets);
}

WEFT_HANDLER(weft_cmd_directory_facets)
{
	(void)ch;
	struct weft_weave *w = c->srv->weave;
	if (w && w->facets && weft_now_ms() - w->facets_ms < FACETS_TTL_MS)
		send_facets(c, cmd->req, w->facets);
	else
		weave_submit(c, cmd, WEAVE_FACETS, 0, facets_answer);
}

static void peers_answer(struct weft_server *s, struct weft_conn *c, struct weave_task *t)
{
	(void)s;
	if (c)
		weave_send_users(c, t->req, t->ids, t->n);
}

WEFT_HANDLER(weft_cmd_peers_suggest)
{
	(void)ch;
	int limit = !(cmd->wv.set & WEFT_WV_LIMIT) ? 10 : cmd->wv.limit < WEFT_PEERS_MAX ? cmd->wv.limit : WEFT_PEERS_MAX;
	weave_submit(c, cmd, WEAVE_PEERS, limit, peers_answer);
}

int weft_weave_start(struct weft_server *s)
{
	struct weft_weave *w = calloc(1, sizeof *w);
	if (!w)
		return WEFT_ENOMEM;
	int rc = weft_store_weave_reader_open(s->store, &w->reader);
	if (rc) {
		free(w);
		return rc;
	}
	s->weave = w;
	return WEFT_OK;
}

void weft_weave_stop(struct weft_server *s)
{
	if (!s->weave)
		return;
	weft_store_weave_reader_close(s->weave->reader);
	free(s->weave->health);
	free(s->weave->facets);
	free(s->weave);
	s->weave = NULL;
}

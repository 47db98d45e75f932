/* Network health (issue 17), for admins and weavers: the figures of
 * weft_store_health, computed by a worker on the weaving reader's
 * connection from the event log (who wrote where and when, never a body)
 * and kept: a request within HEALTH_TTL_MS of the last computation for the
 * same window gets those figures again. Counts only: no names of pairs. */
#include "weave.h"

#include <stdlib.h>
#include <string.h>

#define HEALTH_TTL_MS (10 * 60 * 1000)

static void send_health(struct weft_conn *c, const char *req, const char *json)
{
	cJSON *figures = cJSON_Parse(json);
	if (!figures) {
		weft_conn_error(c, req, WEFT_EIO, "network health is unavailable");
		return;
	}
	cJSON_AddStringToObject(figures, "type", "health");
	if (*req)
		cJSON_AddStringToObject(figures, "req", req);
	weft_conn_send(c, figures);
}

static void health_answer(struct weft_server *s, struct weft_conn *c, struct weave_task *t)
{
	struct weft_weave *w = s->weave;
	if (w && (!w->health || t->now_ms >= w->health_ms)) {
		free(w->health);
		w->health = t->json;
		w->health_days = t->days;
		w->health_ms = t->now_ms;
		t->json = NULL;
	}
	if (c)
		send_health(c, t->req, w && w->health_days == t->days && w->health ? w->health : t->json);
}

WEFT_HANDLER(weft_cmd_network_health)
{
	(void)ch;
	struct weft_server *s = c->srv;
	struct weft_profile *p = c->ses.admin ? NULL : malloc(sizeof *p);
	bool weaver = p && !weft_store_user_get(s->store, c->ses.user_id, p) && p->weaver;
	free(p);
	if (!c->ses.admin && !weaver) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "administrators and weavers only");
		return;
	}
	int days = cmd->wv.days;
	struct weft_weave *w = s->weave;
	if (w && w->health && w->health_days == days && weft_now_ms() - w->health_ms < HEALTH_TTL_MS) {
		send_health(c, cmd->req, w->health);
		return;
	}
	weave_submit(c, cmd, WEAVE_HEALTH, days, health_answer);
}

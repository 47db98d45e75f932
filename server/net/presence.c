/* Presence, on the service thread: each connection's presence.watch set
 * (ascending ids) and, in the hub slot of each watched user, the
 * connections that watch them, so that a user coming online or going
 * offline costs one frame per watcher and nothing for anyone else. */
#include "weft/net.h"

#include <stdlib.h>

static void unwatch(struct weft_server *s, struct weft_conn *c, int64_t user)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	for (int i = 0; u && i < u->nwatchers; i++) {
		if (u->watchers[i] == c) {
			u->watchers[i] = u->watchers[--u->nwatchers];
			return;
		}
	}
}

static int watch(struct weft_conn *c, struct weft_hub_user *u)
{
	if (u->nwatchers == u->capwatchers) {
		int ncap = u->capwatchers ? 2 * u->capwatchers : 4;
		struct weft_conn **p = realloc(u->watchers, (size_t)ncap * sizeof *p);
		if (!p)
			return WEFT_ENOMEM;
		u->watchers = p;
		u->capwatchers = ncap;
	}
	u->watchers[u->nwatchers++] = c;
	return WEFT_OK;
}

/* The hub slot of an account: made for one that has none yet (never
 * online, in no channel), never for an id of no account, so that ids
 * from a client cannot grow the id-indexed table at will. NULL, *rc 0:
 * no such account. */
static struct weft_hub_user *account_slot(struct weft_server *s, int64_t id, int *rc)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, id, false);
	*rc = WEFT_OK;
	if (u)
		return u;
	struct weft_profile p;
	int r = weft_store_user_get(s->store, id, &p);
	if (r) {
		*rc = r == WEFT_ENOTFOUND ? WEFT_OK : r;
		return NULL;
	}
	if (!(u = weft_hub_user(&s->hub, id, true)))
		*rc = WEFT_ENOMEM;
	return u;
}

bool weft_presence_online(struct weft_server *s, int64_t user)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	return u && u->conns;
}

void weft_presence_drop(struct weft_conn *c)
{
	for (int i = 0; i < c->nwatch; i++)
		unwatch(c->srv, c, c->watch[i]);
	free(c->watch);
	c->watch = NULL;
	c->nwatch = 0;
}

int weft_presence_watch(struct weft_conn *c, int64_t *ids, int n)
{
	weft_presence_drop(c);
	int rc = WEFT_OK, kept = 0;
	for (int i = 0; !rc && i < n; i++) {
		struct weft_hub_user *u = account_slot(c->srv, ids[i], &rc);
		if (u && !(rc = watch(c, u)))
			ids[kept++] = ids[i];
	}
	c->watch = ids;
	c->nwatch = kept;
	if (rc)
		weft_presence_drop(c);
	return rc;
}

/* Sends obj (taking ownership), encoded once, to the sockets watching u
 * and, with self, to u's own. */
static void send_news(struct weft_hub_user *u, cJSON *obj, bool self)
{
	size_t len;
	char *json = weft_proto_print(obj, &len);
	struct weft_frame *f = weft_frame_from_string(json, len);
	if (!f)
		return;
	for (int i = 0; i < u->nwatchers; i++)
		weft_conn_send_frame(u->watchers[i], f);
	for (struct weft_conn *c = self ? u->conns : NULL; c; c = c->user_next)
		weft_conn_send_frame(c, f);
	weft_frame_unref(f);
}

void weft_presence_tell(struct weft_server *s, int64_t user, cJSON *obj)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	if (u)
		send_news(u, obj, true);
	else
		cJSON_Delete(obj);
}

void weft_presence_changed(struct weft_server *s, int64_t user, bool online)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	if (!u || !u->nwatchers)
		return;
	cJSON *o = weft_proto_reply("presence", NULL);
	cJSON *one = cJSON_CreateObject();
	cJSON_AddNumberToObject(one, "id", (double)user);
	cJSON_AddBoolToObject(one, "online", online);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "users"), one);
	send_news(u, o, false);
}

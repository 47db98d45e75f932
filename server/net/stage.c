/* Live sessions and moderation on the service thread (issue 15): the live
 * session of each channel as its committed events described it, its
 * hand-raise queue and floor (ephemeral, as the contract says: kept while
 * the session lives and across reconnects, not across restarts), one lws
 * timer (lws_sul) per timed floor, the mutes in force and the channels in
 * slow mode. Few channels hold a live session at once and few members are
 * muted, so each lives in a short array scanned linearly. A queue change
 * is one `queue` frame, encoded once and shared by every online member. */
#define _DEFAULT_SOURCE /* timegm */
#include "weft/stage.h"

#include "weft/cmd.h"
#include "weft/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_MAX 1000      /* hands raised at once in one channel */

struct live {
	int64_t channel, id, start_seq;
	bool confidential;
	int mode;
	char *json;                 /* the session object, as its start event carried it */
	struct weft_user_ref *queue;
	int nqueue, capqueue;
	struct weft_user_ref floor; /* id 0: nobody */
	int64_t floor_until;        /* ms since 1970; 0: untimed */
	lws_sorted_usec_list_t sul; /* the floor's timer */
	struct weft_server *srv;
};

struct mute {
	int64_t channel, user, until;
};

struct slow {
	int64_t channel;
	int seconds;
};

struct last_send {
	int64_t channel, user, mono_ms;
};

struct weft_stage {
	struct live **lives;        /* pointers: a timer's address must not move */
	int nlives, caplives;
	struct mute *mutes;
	int nmutes, capmutes;
	struct slow *slows;
	int nslows, capslows;
	struct last_send *sends;    /* members of slow channels: their last send */
	int nsends, capsends;
};

static bool grow(void **arr, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return true;
	int n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	void *p = realloc(*arr, (size_t)n * size);
	if (!p)
		return false;
	*arr = p;
	*cap = n;
	return true;
}

static struct live *live_of(struct weft_server *s, int64_t channel)
{
	struct weft_stage *g = s->stage;
	for (int i = 0; g && i < g->nlives; i++)
		if (g->lives[i]->channel == channel)
			return g->lives[i];
	return NULL;
}

int64_t weft_stage_live(struct weft_server *s, int64_t channel, int *mode, bool *confidential)
{
	struct live *l = live_of(s, channel);
	if (mode)
		*mode = l ? l->mode : WEFT_MODE_OPEN;
	if (confidential)
		*confidential = l && l->confidential;
	return l ? l->id : 0;
}

/* ---- The queue frame. */

static cJSON *floor_json(const struct live *l)
{
	if (!l->floor.id)
		return cJSON_CreateNull();
	cJSON *f = cJSON_CreateObject();
	cJSON_AddItemToObject(f, "user", weft_proto_user(&l->floor));
	if (l->floor_until) {
		char iso[WEFT_ISO_LEN];
		weft_iso8601(l->floor_until, iso);
		cJSON_AddStringToObject(f, "until", iso);
	} else {
		cJSON_AddNullToObject(f, "until");
	}
	return f;
}

/* "queue" and "floor" of l into obj. */
static void queue_into(const struct live *l, cJSON *obj)
{
	cJSON *q = cJSON_AddArrayToObject(obj, "queue");
	for (int i = 0; q && i < l->nqueue; i++)
		cJSON_AddItemToArray(q, weft_proto_user(&l->queue[i]));
	cJSON_AddItemToObject(obj, "floor", floor_json(l));
}

/* {"type":"queue","channel","queue","floor"} to every online member: one
 * frame, shared. */
static void broadcast(struct weft_server *s, struct live *l)
{
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, l->channel);
	if (!ch)
		return;
	cJSON *o = weft_proto_reply("queue", NULL);
	if (!o)
		return;
	cJSON_AddNumberToObject(o, "channel", (double)l->channel);
	queue_into(l, o);
	weft_fanout_channel_others(s, ch, 0, o);
}

/* ---- Sessions. */

static void live_free(struct live *l)
{
	lws_sul_cancel(&l->sul);
	free(l->json);
	free(l->queue);
	free(l);
}

static void live_drop(struct weft_server *s, int64_t channel)
{
	struct weft_stage *g = s->stage;
	for (int i = 0; i < g->nlives; i++)
		if (g->lives[i]->channel == channel) {
			live_free(g->lives[i]);
			g->lives[i] = g->lives[--g->nlives];
			return;
		}
}

static struct live *live_put(struct weft_server *s, int64_t channel, int64_t id, bool confidential, int mode,
			     int64_t start_seq, const char *json)
{
	struct weft_stage *g = s->stage;
	live_drop(s, channel);
	struct live *l = calloc(1, sizeof *l);
	if (!l || !(l->json = strdup(json ? json : "null")) ||
	    !grow((void **)&g->lives, &g->caplives, g->nlives + 1, sizeof *g->lives)) {
		if (l)
			free(l->json);
		free(l);
		weft_err("stage.live_failed channel=%lld error=out_of_memory", (long long)channel);
		return NULL;
	}
	*l = (struct live){ .channel = channel, .id = id, .start_seq = start_seq, .confidential = confidential,
			    .mode = mode, .json = l->json, .srv = s };
	g->lives[g->nlives++] = l;
	return l;
}

static int64_t iso_ms(const char *iso)
{
	struct tm tm = { 0 };
	int ms = 0;
	if (!iso || sscanf(iso, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			   &tm.tm_min, &tm.tm_sec, &ms) < 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* ---- Mutes and slow mode. */

static struct mute *mute_of(struct weft_stage *g, int64_t channel, int64_t user)
{
	for (int i = 0; i < g->nmutes; i++)
		if (g->mutes[i].channel == channel && g->mutes[i].user == user)
			return &g->mutes[i];
	return NULL;
}

static void mute_set(struct weft_stage *g, int64_t channel, int64_t user, int64_t until)
{
	struct mute *m = mute_of(g, channel, user);
	if (!until) {
		if (m)
			*m = g->mutes[--g->nmutes];
		return;
	}
	if (!m) {
		if (!grow((void **)&g->mutes, &g->capmutes, g->nmutes + 1, sizeof *g->mutes)) {
			weft_err("stage.mute_failed channel=%lld error=out_of_memory", (long long)channel);
			return;
		}
		m = &g->mutes[g->nmutes++];
	}
	*m = (struct mute){ channel, user, until };
}

int64_t weft_stage_muted(struct weft_server *s, int64_t channel, int64_t user, char *why, size_t whylen)
{
	struct weft_stage *g = s->stage;
	struct mute *m = mute_of(g, channel, user);
	if (!m)
		return 0;
	if (m->until <= weft_now_ms()) {
		*m = g->mutes[--g->nmutes]; /* it ended */
		return 0;
	}
	char iso[WEFT_ISO_LEN];
	weft_iso8601(m->until, iso);
	snprintf(why, whylen, "muted until %s", iso);
	return m->until;
}

static int slow_of(struct weft_stage *g, int64_t channel)
{
	for (int i = 0; i < g->nslows; i++)
		if (g->slows[i].channel == channel)
			return g->slows[i].seconds;
	return 0;
}

void weft_stage_slow_set(struct weft_server *s, int64_t channel, int seconds)
{
	struct weft_stage *g = s->stage;
	for (int i = 0; i < g->nslows; i++)
		if (g->slows[i].channel == channel) {
			if (seconds)
				g->slows[i].seconds = seconds;
			else
				g->slows[i] = g->slows[--g->nslows];
			return;
		}
	if (seconds && grow((void **)&g->slows, &g->capslows, g->nslows + 1, sizeof *g->slows))
		g->slows[g->nslows++] = (struct slow){ channel, seconds };
}

/* Slow mode: ms user must still wait in channel (0: may send now, and the
 * clock starts again). Entries older than any window are reused. */
static int64_t slow_wait(struct weft_stage *g, int64_t channel, int64_t user, int seconds)
{
	int64_t now = weft_mono_ms(), window = (int64_t)seconds * 1000;
	struct last_send *free_slot = NULL;
	for (int i = 0; i < g->nsends; i++) {
		struct last_send *e = &g->sends[i];
		if (e->channel == channel && e->user == user) {
			if (now - e->mono_ms < window)
				return window - (now - e->mono_ms);
			e->mono_ms = now;
			return 0;
		}
		if (!free_slot && now - e->mono_ms >= (int64_t)WEFT_SLOW_MAX * 1000)
			free_slot = e;
	}
	if (!free_slot && grow((void **)&g->sends, &g->capsends, g->nsends + 1, sizeof *g->sends))
		free_slot = &g->sends[g->nsends++];
	if (free_slot)
		*free_slot = (struct last_send){ channel, user, now };
	return 0;
}

int weft_stage_send_check(struct weft_server *s, struct weft_hub_channel *ch, int64_t user, int role,
			  char *why, size_t whylen, int64_t *retry_ms, int64_t *confidential)
{
	struct weft_stage *g = s->stage;
	int64_t channel = ch->info.id;
	if (weft_stage_muted(s, channel, user, why, whylen))
		return WEFT_EFORBIDDEN;
	struct live *l = live_of(s, channel);
	bool moderator = role >= WEFT_ROLE_MODERATOR;
	if (l && l->mode == WEFT_MODE_FLOOR && !moderator && l->floor.id != user) {
		if (l->floor.id)
			snprintf(why, whylen, "floor mode: %s has the floor; raise your hand to speak",
				 l->floor.display[0] ? l->floor.display : l->floor.name);
		else
			snprintf(why, whylen, "floor mode: wait for the facilitator to give you the floor");
		return WEFT_EFORBIDDEN;
	}
	int seconds = moderator ? 0 : slow_of(g, channel);
	if (seconds && (*retry_ms = slow_wait(g, channel, user, seconds))) {
		snprintf(why, whylen, "slow mode: one message every %d seconds", seconds);
		return WEFT_ERATE;
	}
	*confidential = l && l->confidential ? l->id : 0;
	return WEFT_OK;
}

bool weft_stage_hidden(struct weft_server *s, struct weft_hub_channel *ch, int64_t user,
		       const struct weft_message *m)
{
	if (!m->confidential || m->deleted)
		return false;
	struct live *l = live_of(s, ch->info.id);
	struct weft_member *mem = weft_hub_member(ch, user);
	return !l || l->id != m->confidential || !mem || mem->joined_seq > l->start_seq;
}

/* ---- Queue and floor. */

static int queue_find(const struct live *l, int64_t user)
{
	for (int i = 0; i < l->nqueue; i++)
		if (l->queue[i].id == user)
			return i;
	return -1;
}

static void queue_remove(struct live *l, int i)
{
	memmove(&l->queue[i], &l->queue[i + 1], (size_t)(l->nqueue - i - 1) * sizeof *l->queue);
	l->nqueue--;
}

static int queue_add(struct live *l, const struct weft_user_ref *u)
{
	if (queue_find(l, u->id) >= 0)
		return WEFT_ECONFLICT;
	if (l->nqueue >= QUEUE_MAX)
		return WEFT_ETOOLARGE;
	if (!grow((void **)&l->queue, &l->capqueue, l->nqueue + 1, sizeof *l->queue))
		return WEFT_ENOMEM;
	l->queue[l->nqueue++] = *u;
	return WEFT_OK;
}

int weft_stage_hand(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_user_ref *u, bool raise)
{
	struct live *l = live_of(s, ch->info.id);
	if (!l)
		return WEFT_ENOTFOUND;
	int i = queue_find(l, u->id), rc = WEFT_OK;
	if (raise)
		rc = queue_add(l, u);
	else if (i >= 0)
		queue_remove(l, i);
	if (rc == WEFT_ECONFLICT)
		return WEFT_OK; /* raised already: nothing changes */
	if (!rc && (raise || i >= 0))
		broadcast(s, l);
	return rc;
}

static void floor_expired(lws_sorted_usec_list_t *sul)
{
	struct live *l = lws_container_of(sul, struct live, sul);
	l->floor = (struct weft_user_ref){ 0 };
	l->floor_until = 0;
	broadcast(l->srv, l);
}

static void floor_set(struct weft_server *s, struct live *l, const struct weft_user_ref *u, int seconds)
{
	lws_sul_cancel(&l->sul);
	l->floor = u ? *u : (struct weft_user_ref){ 0 };
	l->floor_until = u && seconds ? weft_now_ms() + (int64_t)seconds * 1000 : 0;
	if (l->floor_until)
		lws_sul_schedule(s->ctx, 0, &l->sul, floor_expired, (lws_usec_t)seconds * LWS_US_PER_SEC);
	if (u) {
		int i = queue_find(l, u->id);
		if (i >= 0)
			queue_remove(l, i);
	}
	broadcast(s, l);
}

int weft_stage_floor_give(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_user_ref *u,
			  int seconds)
{
	struct live *l = live_of(s, ch->info.id);
	if (!l)
		return WEFT_ENOTFOUND;
	floor_set(s, l, u, seconds);
	return WEFT_OK;
}

int weft_stage_floor_clear(struct weft_server *s, struct weft_hub_channel *ch)
{
	struct live *l = live_of(s, ch->info.id);
	if (!l)
		return WEFT_ENOTFOUND;
	floor_set(s, l, NULL, 0);
	return WEFT_OK;
}

int weft_stage_floor_next(struct weft_server *s, struct weft_hub_channel *ch, int seconds)
{
	struct live *l = live_of(s, ch->info.id);
	if (!l)
		return WEFT_ENOTFOUND;
	struct weft_user_ref next = l->nqueue ? l->queue[0] : (struct weft_user_ref){ 0 };
	floor_set(s, l, next.id ? &next : NULL, seconds);
	return WEFT_OK;
}

static int by_name(const void *a, const void *b)
{
	const struct weft_user_ref *x = a, *y = b;
	return strcmp(x->name, y->name);
}

int weft_stage_round(struct weft_server *s, struct weft_hub_channel *ch, int order)
{
	struct live *l = live_of(s, ch->info.id);
	if (!l)
		return WEFT_ENOTFOUND;
	l->nqueue = 0;
	for (int i = 0; i < ch->nmembers; i++) {
		struct weft_hub_user *u = weft_hub_user(&s->hub, ch->members[i].user, false);
		if (u && u->conns && queue_add(l, &u->conns->ses.user) == WEFT_ENOMEM)
			return WEFT_ENOMEM;
	}
	if (order == WEFT_ORDER_ALPHA) {
		qsort(l->queue, (size_t)l->nqueue, sizeof *l->queue, by_name);
	} else {
		for (int i = l->nqueue - 1; i > 0; i--) { /* Fisher-Yates; fairness, not secrecy */
			uint32_t r;
			lws_get_random(s->ctx, &r, sizeof r);
			int k = (int)(r % (uint32_t)(i + 1));
			struct weft_user_ref t = l->queue[i];
			l->queue[i] = l->queue[k];
			l->queue[k] = t;
		}
	}
	broadcast(s, l);
	return WEFT_OK;
}

/* ---- Events and channel objects. */

static void on_session(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_event *ev)
{
	cJSON *d = cJSON_Parse(ev->data ? ev->data : "");
	cJSON *ses = cJSON_GetObjectItemCaseSensitive(d, "session");
	cJSON *state = cJSON_GetObjectItemCaseSensitive(ses, "state");
	cJSON *id = cJSON_GetObjectItemCaseSensitive(ses, "id");
	if (cJSON_IsString(state) && cJSON_IsNumber(id)) {
		if (!strcmp(state->valuestring, "live")) {
			cJSON *mode = cJSON_GetObjectItemCaseSensitive(ses, "mode");
			char *json = cJSON_PrintUnformatted(ses);
			live_put(s, ch->info.id, (int64_t)id->valuedouble,
				 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ses, "confidential")),
				 cJSON_IsString(mode) && !strcmp(mode->valuestring, "floor") ? WEFT_MODE_FLOOR
											 : WEFT_MODE_OPEN,
				 ev->seq, json);
			cJSON_free(json);
		} else {
			live_drop(s, ch->info.id); /* its queue and floor go with it */
		}
	}
	cJSON_Delete(d);
}

static void on_mute(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_event *ev)
{
	cJSON *d = cJSON_Parse(ev->data ? ev->data : "");
	cJSON *user = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "user"), "id");
	cJSON *until = cJSON_GetObjectItemCaseSensitive(d, "until");
	if (cJSON_IsNumber(user))
		mute_set(s->stage, ch->info.id, (int64_t)user->valuedouble,
			 cJSON_IsString(until) ? iso_ms(until->valuestring) : 0);
	cJSON_Delete(d);
}

void weft_stage_on_event(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_event *ev)
{
	if (ev->kind == WEFT_EV_SESSION) {
		on_session(s, ch, ev);
	} else if (ev->kind == WEFT_EV_MUTE) {
		on_mute(s, ch, ev);
	} else if (ev->kind == WEFT_EV_LEAVE) {
		struct live *l = live_of(s, ch->info.id);
		int i = l ? queue_find(l, ev->user.id) : -1;
		if (i >= 0)
			queue_remove(l, i);
		if (l && l->floor.id == ev->user.id)
			floor_set(s, l, NULL, 0);
		else if (i >= 0)
			broadcast(s, l);
	}
}

void weft_stage_channel_json(struct weft_server *s, int64_t channel, cJSON *obj)
{
	struct live *l = live_of(s, channel);
	cJSON *ses = l ? cJSON_Parse(l->json) : NULL;
	cJSON_AddItemToObject(obj, "session", ses ? ses : cJSON_CreateNull());
	cJSON_AddNumberToObject(obj, "slow", slow_of(s->stage, channel));
	if (l)
		queue_into(l, obj);
}

void weft_stage_member_json(struct weft_server *s, int64_t channel, int64_t user, cJSON *obj)
{
	char why[96];
	int64_t until = weft_stage_muted(s, channel, user, why, sizeof why);
	if (until) {
		char iso[WEFT_ISO_LEN];
		weft_iso8601(until, iso);
		cJSON_AddStringToObject(obj, "muted_until", iso);
	}
}

/* ---- Lifecycle. */

int weft_stage_create(struct weft_server *s)
{
	return (s->stage = calloc(1, sizeof *s->stage)) ? WEFT_OK : WEFT_ENOMEM;
}

static void load_session(void *arg, int64_t channel, int64_t id, bool confidential, int mode, int64_t start_seq,
			 const char *json)
{
	live_put(arg, channel, id, confidential, mode, start_seq, json);
}

static void load_mute(void *arg, int64_t channel, int64_t user, int64_t until)
{
	struct weft_server *s = arg;
	mute_set(s->stage, channel, user, until);
}

static void load_slow(void *arg, int64_t channel, int seconds)
{
	weft_stage_slow_set(arg, channel, seconds);
}

static void ended_at_start(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	if (job->result)
		weft_err("stage.erase_failed channel=%lld error=%s", (long long)job->channel,
			 weft_proto_code(job->result));
	else
		weft_notice("stage.erased_at_start channel=%lld session=%lld", (long long)job->channel,
			    (long long)job->id);
}

int weft_stage_start(struct weft_server *s)
{
	struct weft_stage_loader l = { s, load_session, load_mute, load_slow };
	int rc = weft_store_stage_load(s->store, weft_now_ms(), &l);
	if (rc) {
		weft_err("stage.load_failed error=%s", weft_proto_code(rc));
		return rc;
	}
	/* A confidential session that was live when the server stopped (a
	 * crash, kill -9) ends now: what was said in it is erased. */
	struct weft_stage *g = s->stage;
	for (int i = 0; i < g->nlives; i++) {
		struct live *lv = g->lives[i];
		if (!lv->confidential)
			continue;
		struct weft_job *job = weft_job_new(WEFT_JOB_STAGE_END);
		if (!job)
			return WEFT_ENOMEM;
		job->channel = lv->channel;
		if ((rc = weft_server_submit(s, NULL, job, ended_at_start)))
			return rc; /* the job is freed */
	}
	return WEFT_OK;
}

void weft_stage_free(struct weft_server *s)
{
	struct weft_stage *g = s->stage;
	if (!g)
		return;
	for (int i = 0; i < g->nlives; i++)
		live_free(g->lives[i]);
	free(g->lives);
	free(g->mutes);
	free(g->slows);
	free(g->sends);
	free(g);
	s->stage = NULL;
}

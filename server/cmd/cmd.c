/* Command handlers: each authorizes on the server, then answers from memory
 * or the read connection, or hands a job to the writer and answers when it
 * commits. Also the fan-out of committed events. */
#include "weft/policy.h"
#include "weft/server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMBERS_PAGE_MAX 5000
#define UNREAD_CAP 999

struct weft_hub_channel *weft_cmd_channel(struct weft_conn *c, const struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_hub_channel_get(&c->srv->hub, cmd->channel);
	if (!ch)
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such channel");
	return ch;
}

struct weft_hub_channel *weft_cmd_channel_may(struct weft_conn *c, const struct weft_cmd *cmd, int action,
					      const char *denied)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (ch && !weft_cmd_allowed(ch, weft_hub_role(ch, c->ses.user_id), action)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, denied);
		return NULL;
	}
	return ch;
}

struct weft_job *weft_cmd_job(int kind, const struct weft_hub_channel *ch, int64_t target)
{
	struct weft_job *job = weft_job_new(kind);
	if (job) {
		job->channel = ch->info.id;
		job->target = target;
	}
	return job;
}

bool weft_cmd_allowed(struct weft_hub_channel *ch, int role, int action)
{
	return weft_policy_allows(role, ch->info.kind, ch->info.access, ch->info.archived, action);
}



/* The channel as user sees it: unread counted for members only. NULL when
 * a read failed: the caller answers with an error, not a channel with
 * counts it does not know. */
cJSON *weft_cmd_channel_json(struct weft_server *s, struct weft_hub_channel *ch, int64_t user)
{
	struct weft_member *m = weft_hub_member(ch, user);
	int unread = 0;
	if (m && weft_store_unread(s->store, ch->info.id, user, m->read_seq, UNREAD_CAP, &unread))
		return NULL;
	bool reveal = m || ch->info.access == WEFT_ACCESS_OPEN;
	cJSON *o = weft_proto_channel(&ch->info, m ? m->role : WEFT_ROLE_NONE, ch->nmembers,
				      reveal ? ch->last_seq : 0, unread);
	if (!o)
		return NULL;
	int rc = WEFT_OK;
	if (m && m->role >= WEFT_ROLE_MODERATOR && ch->info.access == WEFT_ACCESS_REQUEST) {
		int pending = 0;
		if ((rc = weft_store_request_count(s->store, ch->info.id, &pending)))
			goto out;
		cJSON_AddNumberToObject(o, "pending_requests", pending);
	}
	if (!m && ch->info.access != WEFT_ACCESS_OPEN) {
		struct weft_request_row r;
		bool invited;
		if ((rc = weft_store_request_get(s->store, ch->info.id, user, &r)) ||
		    (rc = weft_store_invited(s->store, ch->info.id, user, &invited)))
			goto out;
		cJSON_AddBoolToObject(o, "pending", r.state == WEFT_REQ_PENDING);
		cJSON_AddBoolToObject(o, "invited", invited);
	}
out:
	if (rc) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Submits job on behalf of c with a completion that answers the request. */
void weft_cmd_submit(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_job *job,
		   void (*on_done)(struct weft_server *, struct weft_job *))
{
	if (!job) {
		weft_conn_error(c, cmd->req, WEFT_ENOMEM, "out of memory");
		return;
	}
	snprintf(job->req, sizeof job->req, "%s", cmd->req);
	job->user = c->ses.user_id;
	if (weft_server_submit(c->srv, &c->owner, job, on_done))
		weft_conn_error(c, cmd->req, WEFT_EBUSY, "the server is shutting down");
}

struct weft_conn *weft_cmd_job_conn(struct weft_job *job)
{
	struct weft_conn *c = job->owner ? weft_container_of(job->owner, struct weft_conn, owner) : NULL;
	return c && c->wsi ? c : NULL;
}

bool weft_cmd_job_failed(struct weft_conn *c, struct weft_job *job, const char *what)
{
	if (!job->result)
		return false;
	const char *msg;
	switch (job->result) {
	case WEFT_ENOTFOUND: msg = "not found"; break;
	case WEFT_EFORBIDDEN: msg = "not a member of this channel"; break;
	case WEFT_ECONFLICT: msg = "already exists"; break;
	case WEFT_EINVAL: msg = what; break;
	case WEFT_EBUSY: msg = "the store is busy; try again"; break;
	default: msg = "the store failed to commit"; break;
	}
	weft_conn_error(c, job->req, job->result, msg);
	return true;
}

/* ---- hello */

static void on_hello(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_server *s = c->srv;
	if (c->state != WEFT_CONN_NEW) {
		weft_conn_error(c, cmd->req, WEFT_EINVAL, "hello was already sent on this connection");
		return;
	}
	cJSON *w = weft_proto_reply("welcome", cmd->req);
	cJSON *user = weft_proto_user(&c->ses.user);
	cJSON_AddBoolToObject(user, "admin", c->ses.admin);
	cJSON_AddItemToObject(w, "user", user);
	cJSON *list = cJSON_AddArrayToObject(w, "channels");
	struct weft_hub_user *u = weft_hub_user(&s->hub, c->ses.user_id, false);
	for (int i = 0; u && i < u->nchannels; i++) {
		struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, u->channels[i]);
		if (!ch)
			continue;
		cJSON *o = weft_cmd_channel_json(s, ch, c->ses.user_id);
		if (!o) {
			/* No welcome with channels missing: the client comes back. */
			cJSON_Delete(w);
			weft_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "channels are unavailable");
			return;
		}
		cJSON_AddItemToArray(list, o);
	}
	cJSON_AddNumberToObject(w, "seq", (double)s->last_seq);
	cJSON *lim = cJSON_AddObjectToObject(w, "limits");
	cJSON_AddNumberToObject(lim, "max_body", s->cfg->max_body);
	cJSON_AddNumberToObject(lim, "max_frame", s->cfg->max_frame);
	cJSON_AddNumberToObject(lim, "max_name", s->cfg->max_name);
	cJSON_AddNumberToObject(lim, "history_max", WEFT_HISTORY_MAX);
	cJSON_AddNumberToObject(lim, "rate", s->cfg->rate);
	cJSON_AddNumberToObject(lim, "burst", s->cfg->burst);
	weft_conn_send(c, w);
	c->state = WEFT_CONN_REPLAY;
	if (weft_replay_start(c, cmd->since < 0 ? s->last_seq : cmd->since)) {
		weft_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "cannot resume");
		return;
	}
	weft_replay_step(c);
}

/* ---- messages */

static void ack_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c || weft_cmd_job_failed(c, job, "thread must name a message in this channel"))
		return;
	weft_conn_send_new(c, weft_proto_ack_frame(job->req, job->client_id, job->id,
						   job->ev.msg.ts_ms, job->duplicate));
}

void weft_cmd_ok_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c || weft_cmd_job_failed(c, job, "invalid request"))
		return;
	weft_conn_send(c, weft_proto_reply("ok", job->req));
}

static void on_send(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch)
		return;
	int role = weft_hub_role(ch, c->ses.user_id);
	if (!weft_cmd_allowed(ch, role, WEFT_ACT_POST)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
				ch->info.archived ? "this channel is archived" : "join the channel to post");
		return;
	}
	struct weft_job *job = weft_job_new(WEFT_JOB_SEND);
	if (job) {
		job->channel = ch->info.id;
		job->thread = cmd->thread;
		job->text = cmd->body;
		cmd->body = NULL;
		strcpy(job->client_id, cmd->client_id);
	}
	weft_cmd_submit(c, cmd, job, ack_done);
}

static void on_edit_delete(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch)
		return;
	int role = weft_hub_role(ch, c->ses.user_id);
	struct weft_message m = { 0 };
	int rc = weft_store_message_get(c->srv->store, cmd->id, &m);
	if (rc && rc != WEFT_ENOTFOUND) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "the message is unavailable");
		return;
	}
	if (rc || m.channel != ch->info.id || m.deleted) {
		weft_message_clear(&m);
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such message in this channel");
		return;
	}
	bool own = m.author.id == c->ses.user_id;
	weft_message_clear(&m);
	/* The contract lets moderators edit and delete others' messages. */
	if (!weft_cmd_allowed(ch, role, own ? WEFT_ACT_EDIT_OWN : WEFT_ACT_EDIT_ANY)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
				own ? "this channel is archived" : "only the author or a moderator may do that");
		return;
	}
	struct weft_job *job = weft_job_new(cmd->type == WEFT_CMD_EDIT ? WEFT_JOB_EDIT : WEFT_JOB_DELETE);
	if (job) {
		job->channel = ch->info.id;
		job->target = cmd->id;
		job->text = cmd->body;
		cmd->body = NULL;
	}
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One page served in ns: into the fixed buckets of weft_history_seconds
 * (no allocation on the request path). */
static void history_observe(struct weft_server *s, uint64_t ns)
{
	static const uint32_t bounds_us[] = { WEFT_HISTORY_BOUNDS_US };
	_Static_assert(sizeof bounds_us / sizeof bounds_us[0] == WEFT_HISTORY_NBOUNDS, "bucket bounds");
	int b = 0;
	while (b < WEFT_HISTORY_NBOUNDS && ns > (uint64_t)bounds_us[b] * 1000u)
		b++;
	s->stats.history_buckets[b]++;
	s->stats.history_count++;
	s->stats.history_ns += ns;
}

/* Timed from dispatch to the reply queued (authorization, the query, the
 * JSON encode), for pages served; refusals and failures are not counted. */
static void on_history(struct weft_conn *c, struct weft_cmd *cmd)
{
	uint64_t t0 = mono_ns();
	struct weft_hub_channel *ch = weft_cmd_channel_may(c, cmd, WEFT_ACT_READ, "members only");
	if (!ch)
		return;
	struct weft_message *msgs = calloc((size_t)cmd->limit, sizeof *msgs);
	int n = 0;
	bool more = false;
	if (!msgs || weft_store_history(c->srv->store, ch->info.id, cmd->before, cmd->after, cmd->limit,
					msgs, &n, &more)) {
		free(msgs);
		weft_conn_error(c, cmd->req, WEFT_EIO, "history is unavailable");
		return;
	}
	struct weft_frame *f = weft_proto_history_frame(cmd->req, ch->info.id, msgs, n, more);
	for (int i = 0; i < n; i++)
		weft_message_clear(&msgs[i]);
	free(msgs);
	weft_conn_send_new(c, f);
	history_observe(c->srv, mono_ns() - t0);
}

static void on_read(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_hub_channel *ch = weft_cmd_channel(c, cmd);
	if (!ch)
		return;
	struct weft_member *m = weft_hub_member(ch, c->ses.user_id);
	if (!m) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "not a member of this channel");
		return;
	}
	int64_t seq = cmd->seq < ch->last_seq ? cmd->seq : ch->last_seq;
	if (seq > m->read_seq)
		m->read_seq = seq;
	struct weft_job *job = weft_job_new(WEFT_JOB_READ_MARK);
	if (job) {
		job->channel = ch->info.id;
		job->target = seq;
	}
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

void weft_cmd_dispatch(struct weft_conn *c, struct weft_cmd *cmd)
{
	if (c->state == WEFT_CONN_NEW && cmd->type != WEFT_CMD_HELLO) {
		weft_conn_error(c, cmd->req, WEFT_EINVAL, "send hello first");
		return;
	}
	switch (cmd->type) {
	case WEFT_CMD_HELLO: on_hello(c, cmd); break;
	case WEFT_CMD_PING: weft_conn_send(c, weft_proto_reply("pong", cmd->req)); break;
	case WEFT_CMD_SEND: on_send(c, cmd); break;
	case WEFT_CMD_EDIT:
	case WEFT_CMD_DELETE: on_edit_delete(c, cmd); break;
	case WEFT_CMD_HISTORY: on_history(c, cmd); break;
	case WEFT_CMD_READ: on_read(c, cmd); break;
	default:
		if (!weft_cmd_channel_handle(c, cmd) && !weft_cmd_admin_handle(c, cmd))
			weft_conn_error(c, cmd->req, WEFT_EINVAL, "unknown type");
		break;
	}
}

/* ---- fan-out */

void weft_server_send_user(struct weft_server *s, int64_t user, cJSON *obj)
{
	size_t len;
	char *json = weft_proto_print(obj, &len);
	struct weft_frame *f = weft_frame_from_string(json, len);
	if (!f)
		return;
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next)
		if (c->state != WEFT_CONN_NEW)
			weft_conn_send_frame(c, f);
	weft_frame_unref(f);
}

void weft_server_send_moderators(struct weft_server *s, struct weft_hub_channel *ch, cJSON *obj)
{
	size_t len;
	char *json = weft_proto_print(obj, &len);
	struct weft_frame *f = weft_frame_from_string(json, len);
	if (!f)
		return;
	for (int i = 0; i < ch->nmembers; i++) {
		if (ch->members[i].role < WEFT_ROLE_MODERATOR)
			continue;
		struct weft_hub_user *u = weft_hub_user(&s->hub, ch->members[i].user, false);
		for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next)
			if (c->state != WEFT_CONN_NEW)
				weft_conn_send_frame(c, f);
	}
	weft_frame_unref(f);
}

void weft_server_close_user(struct weft_server *s, int64_t user, const char *reason)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next)
		weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, reason);
}

static void deliver(struct weft_server *s, struct weft_hub_channel *ch, struct weft_frame *f)
{
	for (int i = 0; i < ch->nmembers; i++) {
		struct weft_hub_user *u = weft_hub_user(&s->hub, ch->members[i].user, false);
		for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next)
			if (c->state == WEFT_CONN_LIVE)
				weft_conn_send_frame(c, f);
	}
}

static void replay_membership(struct weft_server *s, int64_t user, int64_t channel, int64_t seq, bool add)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next) {
		if (c->state != WEFT_CONN_REPLAY)
			continue;
		if (add)
			weft_replay_add_channel(c, channel, seq - 1);
		else
			weft_replay_remove_channel(c, channel);
	}
}

static void apply_one(struct weft_server *s, struct weft_job *job, const struct weft_event *ev)
{
	struct weft_hub_channel *ch;
	if (job->kind == WEFT_JOB_CHANNEL_CREATE || job->kind == WEFT_JOB_DM_OPEN ||
	    ev->kind == WEFT_EV_CHANNEL)
		ch = weft_hub_channel_put(&s->hub, &job->chan, 0);
	else
		ch = weft_hub_channel_get(&s->hub, ev->channel);
	if (!ch) {
		weft_err("fanout: event %lld names unknown channel %lld", (long long)ev->seq,
			 (long long)ev->channel);
		return;
	}
	/* A joiner receives its own join; a leaver receives its own leave. */
	if (ev->kind == WEFT_EV_JOIN) {
		if (!weft_hub_member_set(&s->hub, ch, ev->user.id, ev->role ? ev->role : WEFT_ROLE_MEMBER,
					 ev->seq))
			weft_hub_member(ch, ev->user.id)->joined_seq = ev->seq;
		replay_membership(s, ev->user.id, ch->info.id, ev->seq, true);
	} else if (ev->kind == WEFT_EV_ROLE) {
		weft_hub_member_set(&s->hub, ch, ev->user.id, ev->role, 0);
	}
	ch->last_seq = ev->seq;
	s->last_seq = ev->seq;
	s->stats.events++;
	struct weft_frame *f = weft_proto_event_frame(ev);
	if (f) {
		deliver(s, ch, f);
		weft_frame_unref(f);
	} else {
		weft_err("fanout: out of memory encoding event %lld", (long long)ev->seq);
	}
	if (ev->kind == WEFT_EV_LEAVE) {
		weft_hub_member_remove(&s->hub, ch, ev->user.id);
		replay_membership(s, ev->user.id, ch->info.id, ev->seq, false);
	}
	if (ev->kind == WEFT_EV_JOIN && ev->actor.id && ev->actor.id != ev->user.id) {
		/* Added by someone else (approval, a DM): tell them what they joined. */
		cJSON *o = weft_cmd_channel_json(s, ch, ev->user.id);
		if (!o)
			return; /* the read failed (logged); the join event went out */
		cJSON *n = weft_proto_reply("joined", NULL);
		cJSON_AddItemToObject(n, "channel", o);
		weft_server_send_user(s, ev->user.id, n);
	}
}

void weft_server_apply_event(struct weft_server *s, struct weft_job *job)
{
	apply_one(s, job, &job->ev);
	for (int i = 0; i < job->nmore; i++)
		apply_one(s, job, &job->more[i]);
}

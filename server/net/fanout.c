/* The fan-out, on the service thread: a committed event is applied to the
 * hub and encoded once, and the one frame is queued (by reference) for every
 * live connection of the channel's members; notices reach one user, or the
 * moderators of a channel, the same way. */
#include "weft/cmd.h"
#include "weft/net.h"
#include "weft/stage.h"

#include <stdlib.h>

/* Queues f for every connection of user at least in state min_state. */
static void to_user(struct weft_server *s, int64_t user, struct weft_frame *f, int min_state)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next)
		if (c->state >= min_state)
			weft_conn_send_frame(c, f);
}

/* Notices go to connections past hello, replaying or live: they are not
 * events in the log, so replay would never bring them. */
static struct weft_frame *notice_frame(cJSON *obj)
{
	size_t len;
	char *json = weft_proto_print(obj, &len);
	return weft_frame_from_string(json, len);
}

void weft_fanout_user(struct weft_server *s, int64_t user, cJSON *obj)
{
	struct weft_frame *f = notice_frame(obj);
	if (!f)
		return;
	to_user(s, user, f, WEFT_CONN_REPLAY);
	weft_frame_unref(f);
}

void weft_fanout_moderators(struct weft_server *s, struct weft_hub_channel *ch, cJSON *obj)
{
	struct weft_frame *f = notice_frame(obj);
	if (!f)
		return;
	for (int i = 0; i < ch->nmembers; i++)
		if (ch->members[i].role >= WEFT_ROLE_MODERATOR)
			to_user(s, ch->members[i].user, f, WEFT_CONN_REPLAY);
	weft_frame_unref(f);
}

void weft_fanout_close_user(struct weft_server *s, int64_t user, const char *reason)
{
	struct weft_hub_user *u = weft_hub_user(&s->hub, user, false);
	for (struct weft_conn *c = u ? u->conns : NULL; c; c = c->user_next)
		weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, reason);
}

void weft_fanout_channel_others(struct weft_server *s, struct weft_hub_channel *ch, int64_t except, cJSON *obj)
{
	struct weft_frame *f = notice_frame(obj);
	if (!f)
		return;
	for (int i = 0; i < ch->nmembers; i++)
		if (ch->members[i].user != except)
			to_user(s, ch->members[i].user, f, WEFT_CONN_LIVE);
	weft_frame_unref(f);
}

/* The live mention frame, to each user the job's message newly mentions
 * who can read the channel now (the writer checked too, at commit). */
static void mention_notices(struct weft_server *s, const struct weft_job *job)
{
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, job->ev.channel);
	if (!ch || !job->nmentioned)
		return;
	cJSON *o = weft_proto_reply("mention", NULL);
	cJSON_AddNumberToObject(o, "channel", (double)ch->info.id);
	cJSON_AddNumberToObject(o, "id", (double)job->ev.msg.id);
	cJSON_AddItemToObject(o, "by", weft_proto_user(&job->ev.msg.author));
	struct weft_frame *f = notice_frame(o);
	if (!f)
		return;
	for (int i = 0; i < job->nmentioned; i++) {
		struct weft_member *m = weft_hub_member(ch, job->mentioned[i]);
		if (m)
			weft_hub_count_mention(m, job->ev.msg.id);
		if (m || ch->info.access == WEFT_ACCESS_OPEN)
			to_user(s, job->mentioned[i], f, WEFT_CONN_REPLAY);
	}
	weft_frame_unref(f);
}

/* Events reach live connections only: one still replaying gets them from
 * the log, in order. */
static void deliver(struct weft_server *s, struct weft_hub_channel *ch, struct weft_frame *f)
{
	for (int i = 0; i < ch->nmembers; i++)
		to_user(s, ch->members[i].user, f, WEFT_CONN_LIVE);
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
	    job->kind == WEFT_JOB_INTRO_ANSWER || ev->kind == WEFT_EV_CHANNEL)
		ch = weft_hub_channel_put(&s->hub, &job->chan, 0);
	else
		ch = weft_hub_channel_get(&s->hub, ev->channel);
	struct weft_channel_info info;
	int64_t last;
	if (!ch && job->kind == WEFT_JOB_NOP && !weft_store_channel_get(s->store, ev->channel, &info, &last))
		ch = weft_hub_channel_put(&s->hub, &info, 0); /* made by another process */
	if (!ch) {
		weft_err("fanout.unknown_channel seq=%lld channel=%lld", (long long)ev->seq, (long long)ev->channel);
		return;
	}
	/* A joiner receives its own join; a leaver receives its own leave. */
	if (ev->kind == WEFT_EV_JOIN) {
		if (!weft_hub_member_set(&s->hub, ch, ev->user.id, ev->role ? ev->role : WEFT_ROLE_MEMBER,
					 ev->seq)) {
			struct weft_member *m = weft_hub_member(ch, ev->user.id);
			m->joined_seq = ev->seq;
			m->unread = m->mentions = 0; /* a new member starts with nothing unread */
		}
		replay_membership(s, ev->user.id, ch->info.id, ev->seq, true);
	} else if (ev->kind == WEFT_EV_ROLE) {
		weft_hub_member_set(&s->hub, ch, ev->user.id, ev->role, 0);
	}
	if (ev->kind == WEFT_EV_MESSAGE)
		weft_hub_count_message(ch, ev->seq, ev->msg.author.id);
	else if (ev->kind == WEFT_EV_DELETE)
		weft_hub_uncount_message(ch, ev->msg.id);
	else if (ev->kind == WEFT_EV_EDIT)
		weft_hub_recount_mentions(ch, ev->msg.id);
	weft_stage_on_event(s, ch, ev); /* live sessions, mutes, a leaver's hand (issue 15) */
	ch->last_seq = ev->seq;
	s->last_seq = ev->seq;
	s->stats.events++;
	struct weft_frame *f = weft_proto_event_frame(ev);
	if (f) {
		deliver(s, ch, f);
		weft_frame_unref(f);
	} else {
		weft_err("fanout.encode_failed seq=%lld error=out_of_memory", (long long)ev->seq);
	}
	if (ev->kind == WEFT_EV_LEAVE) {
		weft_hub_member_remove(&s->hub, ch, ev->user.id);
		replay_membership(s, ev->user.id, ch->info.id, ev->seq, false);
	}
	if (ev->kind == WEFT_EV_JOIN && ev->actor.id && ev->actor.id != ev->user.id) {
		/* Added by someone else (approval, a DM): tell them what they joined. */
		cJSON *n = weft_cmd_channel_notice(s, "joined", ch, ev->user.id);
		if (n)
			weft_fanout_user(s, ev->user.id, n);
	}
}

/* Logs a hub update that ran out of memory: the hub lacks it until the
 * next start (the store has it). */
static void access_failed(int rc, const struct weft_job *job)
{
	if (rc)
		weft_err("fanout.access_failed channel=%lld error=out_of_memory", (long long)job->channel);
}

void weft_fanout_access(struct weft_server *s, const struct weft_job *job)
{
	if (job->kind == WEFT_JOB_USER_ACTIVE) {
		if (!job->flag)
			weft_hub_withdraw_user(&s->hub, job->target);
		return;
	}
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, job->channel);
	if (!ch)
		return;
	/* Each case is what the job's writer function did to the two tables. */
	switch (job->kind) {
	case WEFT_JOB_REQUEST_FILE:
		access_failed(weft_hub_request_set(ch, job->user, true), job);
		break;
	case WEFT_JOB_REQUEST_DECIDE:
		weft_hub_request_set(ch, job->target, false);
		break;
	case WEFT_JOB_JOIN: /* the invitation is used up, a request closed */
		weft_hub_request_set(ch, job->target, false);
		weft_hub_invite_set(&s->hub, ch, job->target, false);
		break;
	case WEFT_JOB_INVITE:
	case WEFT_JOB_UNINVITE:
		access_failed(weft_hub_invite_set(&s->hub, ch, job->target, job->kind == WEFT_JOB_INVITE), job);
		break;
	default:
		break;
	}
}

void weft_fanout_events(struct weft_server *s, struct weft_job *job)
{
	apply_one(s, job, &job->ev);
	for (int i = 0; i < job->nmore; i++)
		apply_one(s, job, &job->more[i]);
	mention_notices(s, job);
}

void weft_fanout_close_session(struct weft_server *s, int64_t session_id)
{
	for (struct weft_conn *c = s->conns; c; c = c->all_next)
		if (c->ses.id == session_id)
			weft_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "signed out");
}

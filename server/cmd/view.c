/* What a user sees of a channel, on the service thread: the shared fields,
 * the user's role, pending requests, and a request or an invitation of
 * theirs all come from the hub; so does a member's unread count, once it is
 * known (below). */
#include "weft/coord.h"
#include "weft/stage.h"
#include "weft/cmd.h"

/* A member's unread count comes from the hub, which keeps it current event
 * by event (weft_hub_count_message, ...). Only a count nobody has asked for
 * since the start, after a partial read or after a deletion in the unread
 * range is read from the store, once: one indexed read of at most
 * WEFT_UNREAD_CAP rows (messages_channel), bounded by the channel's last
 * fanned-out seq so that a message the writer committed but the fan-out has
 * not yet counted is not counted twice.
 *
 * Why not always the read: measured on SQLite 3.40 with a warm cache, it
 * costs a few µs with nothing unread but ~0.1 ms at the cap (999 index
 * rows, each looked up in messages for its author), more from a cold cache;
 * a member of 50 busy channels paid 5 ms and more for every channel.list
 * page and every welcome. Why not only the hub: counting from the start
 * would read every membership at start (13,000 people × their channels),
 * and a deletion cannot be taken off a count that reached the cap. The
 * count costs no memory: it sits in what was padding of weft_member. */
static int unread_of(struct weft_server *s, struct weft_hub_channel *ch, struct weft_member *m)
{
	if (m->unread < 0) {
		int n;
		if (weft_store_unread(s->store, ch->info.id, m->user, m->read_seq, ch->last_seq, WEFT_UNREAD_CAP, &n))
			return -1;
		m->unread = n;
	}
	return m->unread;
}

/* The same for the unread messages that mention the member (the writer
 * keeps them in the mentions table, indexed by user and channel). */
static int mentions_of(struct weft_server *s, struct weft_hub_channel *ch, struct weft_member *m)
{
	if (m->mentions < 0) {
		int n;
		if (weft_store_mentions_unread(s->store, ch->info.id, m->user, m->read_seq, ch->last_seq,
					       WEFT_UNREAD_CAP, &n))
			return -1;
		m->mentions = n;
	}
	return m->mentions;
}

int weft_cmd_member_counts(struct weft_server *s, struct weft_hub_channel *ch, struct weft_member *m, int *unread,
			   int *mentions)
{
	int u = unread_of(s, ch, m), n = u < 0 ? -1 : mentions_of(s, ch, m);
	if (n < 0)
		return WEFT_EIO;
	*unread = u;
	*mentions = n;
	return WEFT_OK;
}

cJSON *weft_cmd_channel_json(struct weft_server *s, struct weft_hub_channel *ch, int64_t user)
{
	struct weft_member *m = weft_hub_member(ch, user);
	int unread = m ? unread_of(s, ch, m) : 0, mentions = m ? mentions_of(s, ch, m) : 0;
	if (unread < 0 || mentions < 0) {
		weft_err("view.unread_failed channel=%lld", (long long)ch->info.id);
		return NULL;
	}
	bool reveal = m || ch->info.access == WEFT_ACCESS_OPEN;
	cJSON *o = weft_proto_channel(&ch->info, m ? m->role : WEFT_ROLE_NONE, ch->nmembers,
				      reveal ? ch->last_seq : 0, unread);
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "mentions", mentions);
	if (m && m->role >= WEFT_ROLE_MODERATOR && ch->info.access == WEFT_ACCESS_REQUEST)
		cJSON_AddNumberToObject(o, "pending_requests", ch->requests.n);
	if (!m && ch->info.access != WEFT_ACCESS_OPEN) {
		cJSON_AddBoolToObject(o, "pending", weft_hub_requested(ch, user));
		cJSON_AddBoolToObject(o, "invited", weft_hub_invited(ch, user));
	}
	if (reveal) {
		weft_coord_channel_json(s, ch->info.id, o); /* its standup schedule, if any */
		weft_stage_channel_json(s, ch->info.id, o); /* its live session, queue, floor, slow mode */
		if (m)
			weft_stage_member_json(s, ch->info.id, user, o); /* muted_until */
	}
	return o;
}

cJSON *weft_cmd_channel_notice(struct weft_server *s, const char *type, struct weft_hub_channel *ch, int64_t user)
{
	cJSON *o = weft_cmd_channel_json(s, ch, user);
	cJSON *n = o ? weft_proto_reply(type, NULL) : NULL;
	if (!n) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddItemToObject(n, "channel", o);
	return n;
}

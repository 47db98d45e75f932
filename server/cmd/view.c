/* What a user sees of a channel, on the service thread: the shared fields
 * from the hub, and the user's own (role, unread, pending requests, a request
 * or an invitation of theirs) from the hub and the read connection. */
#include "weft/cmd.h"

#define UNREAD_CAP 999

/* The per-user fields a non-member or a moderator sees; false when a read
 * failed. */
static bool add_requests(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_member *m,
			 int64_t user, cJSON *o)
{
	if (m && m->role >= WEFT_ROLE_MODERATOR && ch->info.access == WEFT_ACCESS_REQUEST) {
		int pending = 0;
		if (weft_store_request_count(s->store, ch->info.id, &pending))
			return false;
		cJSON_AddNumberToObject(o, "pending_requests", pending);
	}
	if (!m && ch->info.access != WEFT_ACCESS_OPEN) {
		struct weft_request_row r;
		bool invited;
		if (weft_store_request_get(s->store, ch->info.id, user, &r) ||
		    weft_store_invited(s->store, ch->info.id, user, &invited))
			return false;
		cJSON_AddBoolToObject(o, "pending", r.state == WEFT_REQ_PENDING);
		cJSON_AddBoolToObject(o, "invited", invited);
	}
	return true;
}

cJSON *weft_cmd_channel_json(struct weft_server *s, struct weft_hub_channel *ch, int64_t user)
{
	struct weft_member *m = weft_hub_member(ch, user);
	int unread = 0, mentions = 0;
	if (m && (weft_store_unread(s->store, ch->info.id, user, m->read_seq, UNREAD_CAP, &unread) ||
		  weft_store_mentions_unread(s->store, ch->info.id, user, m->read_seq, UNREAD_CAP, &mentions))) {
		weft_err("view: unread count of channel %lld unavailable", (long long)ch->info.id);
		return NULL;
	}
	bool reveal = m || ch->info.access == WEFT_ACCESS_OPEN;
	cJSON *o = weft_proto_channel(&ch->info, m ? m->role : WEFT_ROLE_NONE, ch->nmembers,
				      reveal ? ch->last_seq : 0, unread);
	if (o)
		cJSON_AddNumberToObject(o, "mentions", mentions);
	if (o && !add_requests(s, ch, m, user, o)) {
		weft_err("view: requests of channel %lld unavailable", (long long)ch->info.id);
		cJSON_Delete(o);
		return NULL;
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

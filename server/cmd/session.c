/* The session's own requests, on the service thread: hello (the welcome,
 * then resume) and ping. */
#include "handlers.h"

/* The limits a client must respect, all of them: the client reads every
 * limit from here, never from a literal of its own. */
static void add_limits(struct weft_server *s, cJSON *w)
{
	cJSON *lim = cJSON_AddObjectToObject(w, "limits");
	cJSON_AddNumberToObject(lim, "max_body", s->cfg->max_body);
	cJSON_AddNumberToObject(lim, "max_frame", s->cfg->max_frame);
	cJSON_AddNumberToObject(lim, "max_name", s->cfg->max_name);
	cJSON_AddNumberToObject(lim, "history_max", WEFT_HISTORY_MAX);
	cJSON_AddNumberToObject(lim, "rate", s->cfg->rate);
	cJSON_AddNumberToObject(lim, "burst", s->cfg->burst);
	cJSON_AddNumberToObject(lim, "max_topic", WEFT_TOPIC_MAX);
	cJSON_AddNumberToObject(lim, "max_note", WEFT_NOTE_MAX);
	cJSON_AddNumberToObject(lim, "min_password", WEFT_PASSWORD_MIN);
	cJSON_AddNumberToObject(lim, "max_username", WEFT_USERNAME_MAX);
	cJSON_AddNumberToObject(lim, "max_display", WEFT_DISPLAY_MAX);
	cJSON_AddNumberToObject(lim, "max_profile", WEFT_PROFILE_MAX);
	cJSON_AddNumberToObject(lim, "max_dm_members", WEFT_DM_MAX_OTHERS);
	cJSON_AddNumberToObject(lim, "max_query", WEFT_QUERY_MAX);
	cJSON_AddNumberToObject(lim, "max_channel_page", WEFT_CHANNEL_PAGE_MAX);
	cJSON_AddNumberToObject(lim, "max_watch", WEFT_WATCH_MAX);
	cJSON_AddNumberToObject(lim, "max_mention_all", WEFT_MENTION_ALL_MAX);
	cJSON_AddNumberToObject(lim, "max_search", WEFT_SEARCH_LIMIT_MAX);
	cJSON_AddNumberToObject(lim, "max_search_query", WEFT_SEARCH_Q_MAX);
	cJSON_AddNumberToObject(lim, "max_file", s->cfg->max_file);
	cJSON_AddNumberToObject(lim, "file_quota", s->cfg->file_quota);
	cJSON_AddNumberToObject(lim, "max_files", WEFT_FILES_PER_MESSAGE);
	cJSON_AddNumberToObject(lim, "max_file_name", WEFT_FILE_NAME_MAX);
	/* Standups and action items. */
	cJSON_AddNumberToObject(lim, "max_questions", WEFT_QUESTIONS_MAX);
	cJSON_AddNumberToObject(lim, "max_question", WEFT_QUESTION_MAX);
	cJSON_AddNumberToObject(lim, "max_answer", WEFT_ANSWER_MAX);
	cJSON_AddNumberToObject(lim, "max_blocker", WEFT_BLOCKER_MAX);
	cJSON_AddNumberToObject(lim, "max_item_title", WEFT_ITEM_TITLE_MAX);
	cJSON_AddNumberToObject(lim, "max_window", 1440);
	/* Weaving (issue 17). */
	cJSON_AddNumberToObject(lim, "max_bio", WEFT_BIO_MAX);
	cJSON_AddNumberToObject(lim, "max_pronouns", WEFT_PRONOUNS_MAX);
	cJSON_AddNumberToObject(lim, "max_focus", WEFT_FOCUS_MAX);
	cJSON_AddNumberToObject(lim, "max_tag", WEFT_TAG_MAX);
	cJSON_AddNumberToObject(lim, "max_find_page", WEFT_FIND_PAGE_MAX);
}

/* The channels c's user is in; false when one could not be read. */
static bool add_channels(struct weft_conn *c, cJSON *w)
{
	struct weft_server *s = c->srv;
	cJSON *list = cJSON_AddArrayToObject(w, "channels");
	struct weft_hub_user *u = weft_hub_user(&s->hub, c->ses.user_id, false);
	for (int i = 0; u && i < u->nchannels; i++) {
		struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, u->channels[i]);
		cJSON *o = ch ? weft_cmd_channel_json(s, ch, c->ses.user_id) : NULL;
		if (ch && !o)
			return false;
		cJSON_AddItemToArray(list, o);
	}
	return true;
}

WEFT_HANDLER(weft_cmd_hello)
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
	if (!add_channels(c, w)) {
		cJSON_Delete(w);
		weft_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "cannot load your channels");
		return;
	}
	cJSON_AddNumberToObject(w, "seq", (double)s->last_seq);
	add_limits(s, w);
	weft_conn_send(c, w);
	c->state = WEFT_CONN_REPLAY;
	if (weft_replay_start(c, cmd->since < 0 ? s->last_seq : cmd->since)) {
		weft_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "cannot resume");
		return;
	}
	weft_replay_step(c);
}

WEFT_HANDLER(weft_cmd_ping)
{
	weft_conn_send(c, weft_proto_reply("pong", cmd->req));
}

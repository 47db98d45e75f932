/* The command table, redis-style: one row per request names its type, the
 * fields it carries (which the parse in proto.c reads), its handler, its
 * flags, the policy action it needs in its channel, and what it costs of
 * the connection's rate bucket. The dispatch below enforces the row before
 * the handler runs, so a handler sees an authorized request with a channel
 * that exists. Adding a request is a row here and its handler. Service
 * thread (the table itself is constant data, any thread). */
#include "handlers.h"

#include <string.h>

/* The handlers the rows name, each defined in its family's file. */

/* session.c */
WEFT_HANDLER_DECL(weft_cmd_hello);
WEFT_HANDLER_DECL(weft_cmd_ping);
/* message.c */
WEFT_HANDLER_DECL(weft_cmd_send);
WEFT_HANDLER_DECL(weft_cmd_edit);
WEFT_HANDLER_DECL(weft_cmd_delete);
WEFT_HANDLER_DECL(weft_cmd_history);
WEFT_HANDLER_DECL(weft_cmd_read);
/* account.c */
WEFT_HANDLER_DECL(weft_cmd_profile_update);
/* conversation.c */
WEFT_HANDLER_DECL(weft_cmd_react);
WEFT_HANDLER_DECL(weft_cmd_pin);
WEFT_HANDLER_DECL(weft_cmd_channel_pins);
WEFT_HANDLER_DECL(weft_cmd_typing);
WEFT_HANDLER_DECL(weft_cmd_presence_watch);
/* channel.c */
WEFT_HANDLER_DECL(weft_cmd_channel_create);
WEFT_HANDLER_DECL(weft_cmd_channel_list);
WEFT_HANDLER_DECL(weft_cmd_channel_leave);
WEFT_HANDLER_DECL(weft_cmd_channel_members);
WEFT_HANDLER_DECL(weft_cmd_channel_remove);
WEFT_HANDLER_DECL(weft_cmd_channel_role);
WEFT_HANDLER_DECL(weft_cmd_channel_update);
WEFT_HANDLER_DECL(weft_cmd_channel_archive);
WEFT_HANDLER_DECL(weft_cmd_dm_open);
/* access.c */
WEFT_HANDLER_DECL(weft_cmd_channel_join);
WEFT_HANDLER_DECL(weft_cmd_channel_requests);
WEFT_HANDLER_DECL(weft_cmd_channel_decide);
WEFT_HANDLER_DECL(weft_cmd_channel_invite);
WEFT_HANDLER_DECL(weft_cmd_channel_uninvite);
/* search.c */
WEFT_HANDLER_DECL(weft_cmd_search);
/* files.c */
WEFT_HANDLER_DECL(weft_cmd_channel_files);
/* admin.c */
WEFT_HANDLER_DECL(weft_cmd_user_find);
WEFT_HANDLER_DECL(weft_cmd_admin_user_create);
WEFT_HANDLER_DECL(weft_cmd_admin_user_invite);
WEFT_HANDLER_DECL(weft_cmd_admin_user_reset);
WEFT_HANDLER_DECL(weft_cmd_admin_user_deactivate);
WEFT_HANDLER_DECL(weft_cmd_admin_user_reactivate);

/* standup.c */
WEFT_HANDLER_DECL(weft_cmd_standup_set);
WEFT_HANDLER_DECL(weft_cmd_standup_open);
WEFT_HANDLER_DECL(weft_cmd_standup_close);
WEFT_HANDLER_DECL(weft_cmd_standup_answer);
WEFT_HANDLER_DECL(weft_cmd_standup_list);
WEFT_HANDLER_DECL(weft_cmd_test_clock);
/* items.c */
WEFT_HANDLER_DECL(weft_cmd_item_create);
WEFT_HANDLER_DECL(weft_cmd_item_update);
WEFT_HANDLER_DECL(weft_cmd_item_list);
WEFT_HANDLER_DECL(weft_cmd_digest_set);
WEFT_HANDLER_DECL(weft_cmd_digest_get);
/* stage.c, moderate.c (issue 15) */
WEFT_HANDLER_DECL(weft_cmd_session_start);
WEFT_HANDLER_DECL(weft_cmd_session_end);
WEFT_HANDLER_DECL(weft_cmd_session_round);
WEFT_HANDLER_DECL(weft_cmd_hand_raise);
WEFT_HANDLER_DECL(weft_cmd_hand_lower);
WEFT_HANDLER_DECL(weft_cmd_floor_give);
WEFT_HANDLER_DECL(weft_cmd_floor_clear);
WEFT_HANDLER_DECL(weft_cmd_floor_next);
WEFT_HANDLER_DECL(weft_cmd_channel_mute);
WEFT_HANDLER_DECL(weft_cmd_channel_unban);
WEFT_HANDLER_DECL(weft_cmd_report);
WEFT_HANDLER_DECL(weft_cmd_channel_reports);
WEFT_HANDLER_DECL(weft_cmd_report_resolve);
WEFT_HANDLER_DECL(weft_cmd_channel_modlog);
/* Weaving (issue 17): weave.c, intro.c, health.c. */
WEFT_HANDLER_DECL(weft_cmd_user_get);
WEFT_HANDLER_DECL(weft_cmd_admin_user_role);
WEFT_HANDLER_DECL(weft_cmd_directory_facets);
WEFT_HANDLER_DECL(weft_cmd_peers_suggest);
WEFT_HANDLER_DECL(weft_cmd_intro_propose);
WEFT_HANDLER_DECL(weft_cmd_intro_answer);
WEFT_HANDLER_DECL(weft_cmd_intro_list);
WEFT_HANDLER_DECL(weft_cmd_network_health);

/* Standups and items: the keys each request needs (their field bits read
 * several optional keys each). */
static int need(const struct weft_cmd *cmd, unsigned keys, struct weft_parse_error *err, const char *message)
{
	if ((cmd->co.set & keys) == keys)
		return WEFT_OK;
	err->code = weft_proto_code(WEFT_EINVAL);
	err->message = message;
	return WEFT_EINVAL;
}

static int check_standup_set(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	return cmd->co.off ? WEFT_OK
			   : need(cmd, WEFT_CO_QUESTIONS | WEFT_CO_DAYS | WEFT_CO_TIME, err,
				  "give questions, days and time (or off: true)");
}

static int check_standup_answer(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	int rc = need(cmd, WEFT_CO_STANDUP | WEFT_CO_ANSWERS, err, "give standup and answers");
	if (rc || cmd->co.said)
		return rc;
	err->code = weft_proto_code(WEFT_EINVAL);
	err->message = "answer at least one question (or name a blocker)";
	return WEFT_EINVAL;
}

static int check_item_create(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	return need(cmd, WEFT_CO_TITLE, err, "give a title");
}

static int check_item_update(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	int rc = need(cmd, WEFT_CO_ITEM, err, "give the item's id");
	if (!rc && !(cmd->co.set & (WEFT_CO_TITLE | WEFT_CO_OWNER | WEFT_CO_DUE | WEFT_CO_STATUS)))
		rc = need(cmd, WEFT_CO_TITLE, err, "nothing to change: give title, owner, due or status");
	return rc;
}

static int check_test_clock(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	return need(cmd, WEFT_CO_AT, err, "give at: the time in ms since 1970");
}

/* ---- Weaving (issue 17): the keys each request needs of WEFT_F_WEAVE. */
static int refuse(struct weft_parse_error *err, const char *message)
{
	err->code = weft_proto_code(WEFT_EINVAL);
	err->message = message;
	return WEFT_EINVAL;
}

/* user.find: q, or a filter (then q may be empty); one focus tag. */
static int check_find(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	unsigned set = cmd->wv.set;
	if (set & WEFT_WV_FOCUS_LIST)
		return refuse(err, "focus must be one tag");
	if (!(set & (WEFT_WV_Q | WEFT_WV_JURISDICTION | WEFT_WV_REGION | WEFT_WV_FOCUS)))
		return refuse(err, "q must be a string of 1 to 64 characters (or give jurisdiction, region or focus)");
	return WEFT_OK;
}

static int check_role(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	return cmd->wv.set & WEFT_WV_WEAVER ? WEFT_OK : refuse(err, "give weaver: true or false");
}

static int check_propose(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	const char *p = cmd->note;
	while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if ((cmd->wv.set & (WEFT_WV_A | WEFT_WV_B)) != (WEFT_WV_A | WEFT_WV_B))
		return refuse(err, "give a and b: the two people to introduce");
	return p && *p ? WEFT_OK : refuse(err, "note must be 1 to 500 characters, not blank");
}

static int check_answer(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	unsigned both = WEFT_WV_INTRO | WEFT_WV_ACCEPT;
	return (cmd->wv.set & both) == both ? WEFT_OK : refuse(err, "give intro and accept: true or false");
}

/* channel.update must change something. */
static int check_update(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	if (cmd->name[0] || cmd->access >= 0 || cmd->topic || (cmd->st.set & WEFT_ST_SLOW))
		return WEFT_OK;
	err->code = weft_proto_code(WEFT_EINVAL);
	err->message = "nothing to change: give name, topic, access or slow";
	return WEFT_EINVAL;
}

/* Live sessions and moderation (issue 15): the keys of WEFT_F_STAGE each
 * request needs. */
static int stage_need(const struct weft_cmd *cmd, unsigned keys, struct weft_parse_error *err, const char *message)
{
	if ((cmd->st.set & keys) == keys)
		return WEFT_OK;
	err->code = weft_proto_code(WEFT_EINVAL);
	err->message = message;
	return WEFT_EINVAL;
}

static int check_session_start(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	return stage_need(cmd, WEFT_ST_TITLE, err, "give a title");
}

static int check_floor(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	if (cmd->st.seconds <= WEFT_FLOOR_SECONDS_MAX)
		return WEFT_OK;
	err->code = weft_proto_code(WEFT_EINVAL);
	err->message = "seconds must be from 1 to 3600 (0 or none: untimed)";
	return WEFT_EINVAL;
}

static int check_mute(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	return stage_need(cmd, WEFT_ST_SECONDS, err, "give seconds (0 unmutes)");
}

/* A report's reason: 1 to 500 characters, not only white space. */
static int check_report(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	if ((cmd->st.set & WEFT_ST_REASON) && cmd->st.reason[strspn(cmd->st.reason, " \t\r\n")])
		return WEFT_OK;
	err->code = weft_proto_code(WEFT_EINVAL);
	err->message = "give a reason of 1 to 500 characters";
	return WEFT_EINVAL;
}

static int check_resolve(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	return stage_need(cmd, WEFT_ST_REPORT | WEFT_ST_ACTION, err, "give report and action");
}

/* send carries a body, files, or both. */
static int check_send(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	if (cmd->body || cmd->nfiles)
		return WEFT_OK;
	err->code = weft_proto_code(WEFT_EINVAL);
	err->message = "body must be a string (it may be left out when files are attached)";
	return WEFT_EINVAL;
}

/* profile.update must change something; focus is a list of tags. */
static int check_profile(const struct weft_cmd *cmd, struct weft_parse_error *err)
{
	if (cmd->wv.set & WEFT_WV_FOCUS)
		return refuse(err, "focus must list at most 10 different tags of 1 to 40 characters");
	if (cmd->profile_set || (cmd->wv.set & (WEFT_WV_BIO | WEFT_WV_PRONOUNS | WEFT_WV_FOCUS_LIST)))
		return WEFT_OK;
	return refuse(err, "nothing to change: give display, jurisdiction, region, title, focus, bio or pronouns");
}

#define F(x) WEFT_F_##x
#define CH WEFT_CMDF_CHANNEL
#define ADMIN WEFT_CMDF_ADMIN
#define NO_ACTION -1

/* Most frequent first: the parse finds a type by a scan from the top. Each
 * row: name; the fields it accepts and, of those, the ones it requires; a
 * rule across fields; the handler; flags; the policy action; the cost. */
static const struct weft_cmd_def defs[] = {
	{ "send", F(CHANNEL) | F(THREAD) | F(CLIENT_ID) | F(BODY) | F(FILES), F(CHANNEL),
	  check_send, weft_cmd_send, CH, WEFT_ACT_POST, 1 },
	{ "read", F(CHANNEL) | F(SEQ), F(CHANNEL) | F(SEQ),
	  NULL, weft_cmd_read, CH, NO_ACTION, 1 },
	{ "history", F(CHANNEL) | F(THREAD) | F(PAGE), F(CHANNEL),
	  NULL, weft_cmd_history, CH, WEFT_ACT_READ, 1 },
	{ "typing", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_typing, CH, WEFT_ACT_POST, 1 },
	{ "ping", 0, 0,
	  NULL, weft_cmd_ping, 0, NO_ACTION, 1 },
	{ "hello", F(SINCE), 0,
	  NULL, weft_cmd_hello, WEFT_CMDF_BEFORE_HELLO, NO_ACTION, 1 },
	{ "edit", F(CHANNEL) | F(ID) | F(BODY), F(CHANNEL) | F(ID) | F(BODY),
	  NULL, weft_cmd_edit, CH, NO_ACTION, 1 },
	{ "delete", F(CHANNEL) | F(ID), F(CHANNEL) | F(ID),
	  NULL, weft_cmd_delete, CH, NO_ACTION, 1 },
	{ "react", F(CHANNEL) | F(ID) | F(EMOJI) | F(ON), F(CHANNEL) | F(ID) | F(EMOJI),
	  NULL, weft_cmd_react, CH, NO_ACTION, 1 },
	{ "pin", F(CHANNEL) | F(ID) | F(PINNED), F(CHANNEL) | F(ID),
	  NULL, weft_cmd_pin, CH, NO_ACTION, 1 },
	{ "channel.pins", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_channel_pins, CH, WEFT_ACT_READ, 1 },
	{ "channel.files", F(CHANNEL) | F(PAGE), F(CHANNEL),
	  NULL, weft_cmd_channel_files, CH, WEFT_ACT_READ, 1 },
	{ "presence.watch", F(WATCH), F(WATCH),
	  NULL, weft_cmd_presence_watch, 0, NO_ACTION, 1 },
	{ "channel.create", F(NAME) | F(KIND) | F(ACCESS_TOPIC), F(NAME) | F(KIND),
	  NULL, weft_cmd_channel_create, 0, NO_ACTION, 1 },
	{ "channel.list", F(LIST), 0,
	  NULL, weft_cmd_channel_list, 0, NO_ACTION, 1 },
	{ "channel.join", F(CHANNEL) | F(NOTE), F(CHANNEL),
	  NULL, weft_cmd_channel_join, CH, NO_ACTION, 1 },
	{ "channel.leave", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_channel_leave, CH, NO_ACTION, 1 },
	{ "channel.members", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_channel_members, CH, WEFT_ACT_READ, 1 },
	{ "channel.requests", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_channel_requests, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.decide", F(CHANNEL) | F(USER) | F(APPROVE), F(CHANNEL) | F(USER) | F(APPROVE),
	  NULL, weft_cmd_channel_decide, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.invite", F(CHANNEL) | F(USER), F(CHANNEL) | F(USER),
	  NULL, weft_cmd_channel_invite, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.uninvite", F(CHANNEL) | F(USER), F(CHANNEL) | F(USER),
	  NULL, weft_cmd_channel_uninvite, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.remove", F(CHANNEL) | F(USER) | F(STAGE), F(CHANNEL) | F(USER),
	  NULL, weft_cmd_channel_remove, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.role", F(CHANNEL) | F(USER) | F(ROLE), F(CHANNEL) | F(USER) | F(ROLE),
	  NULL, weft_cmd_channel_role, CH, WEFT_ACT_SET_ROLE, 1 },
	{ "channel.update", F(CHANNEL) | F(NAME) | F(ACCESS_TOPIC) | F(STAGE), F(CHANNEL),
	  check_update, weft_cmd_channel_update, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.archive", F(CHANNEL) | F(ARCHIVED), F(CHANNEL),
	  NULL, weft_cmd_channel_archive, CH, WEFT_ACT_MODERATE, 1 },
	{ "dm.open", F(USERS), F(USERS),
	  NULL, weft_cmd_dm_open, 0, NO_ACTION, 1 },
	{ "profile.update", F(USER) | F(PROFILE_EDIT) | F(WEAVE), 0,
	  check_profile, weft_cmd_profile_update, 0, NO_ACTION, 1 },
	/* A search costs a worker's time: five tokens, so a client's bucket
	 * allows ten a second, far more than anyone types. The channel is
	 * optional, so the handler finds and checks it (not CH). */
	{ "search", F(CHANNEL) | F(SEARCH), F(SEARCH),
	  NULL, weft_cmd_search, 0, NO_ACTION, 5 },
	{ "user.find", F(WEAVE), 0,
	  check_find, weft_cmd_user_find, 0, NO_ACTION, 1 },
	{ "admin.user.create", F(PROFILE) | F(WEAVE), F(PROFILE),
	  NULL, weft_cmd_admin_user_create, ADMIN, NO_ACTION, 1 },
	{ "admin.user.invite", F(USER), F(USER),
	  NULL, weft_cmd_admin_user_invite, ADMIN, NO_ACTION, 1 },
	{ "admin.user.reset", F(USER), F(USER),
	  NULL, weft_cmd_admin_user_reset, ADMIN, NO_ACTION, 1 },
	{ "admin.user.deactivate", F(USER), F(USER),
	  NULL, weft_cmd_admin_user_deactivate, ADMIN, NO_ACTION, 1 },
	{ "admin.user.reactivate", F(USER), F(USER),
	  NULL, weft_cmd_admin_user_reactivate, ADMIN, NO_ACTION, 1 },
	/* Standups and action items (standup.c, items.c). */
	{ "standup.set", F(CHANNEL) | F(STANDUP), F(CHANNEL),
	  check_standup_set, weft_cmd_standup_set, CH, WEFT_ACT_MODERATE, 1 },
	{ "standup.open", F(CHANNEL) | F(STANDUP), F(CHANNEL),
	  NULL, weft_cmd_standup_open, CH, WEFT_ACT_MODERATE, 1 },
	{ "standup.close", F(CHANNEL) | F(STANDUP), F(CHANNEL),
	  NULL, weft_cmd_standup_close, CH, WEFT_ACT_MODERATE, 1 },
	{ "standup.answer", F(CHANNEL) | F(STANDUP), F(CHANNEL),
	  check_standup_answer, weft_cmd_standup_answer, CH, WEFT_ACT_POST, 1 },
	{ "standup.list", F(CHANNEL) | F(STANDUP), F(CHANNEL),
	  NULL, weft_cmd_standup_list, CH, WEFT_ACT_READ, 1 },
	{ "item.create", F(CHANNEL) | F(ITEM), F(CHANNEL),
	  check_item_create, weft_cmd_item_create, CH, WEFT_ACT_POST, 1 },
	{ "item.update", F(CHANNEL) | F(ITEM), F(CHANNEL),
	  check_item_update, weft_cmd_item_update, CH, WEFT_ACT_POST, 1 },
	{ "item.list", F(CHANNEL) | F(ITEM), 0,
	  NULL, weft_cmd_item_list, 0, NO_ACTION, 1 },
	{ "digest.set", F(ON), F(ON),
	  NULL, weft_cmd_digest_set, 0, NO_ACTION, 1 },
	{ "digest.get", 0, 0,
	  NULL, weft_cmd_digest_get, 0, NO_ACTION, 1 },
	{ "test.clock", F(STANDUP), 0,
	  check_test_clock, weft_cmd_test_clock, 0, NO_ACTION, 1 },
	/* Live sessions and moderation (stage.c, moderate.c; issue 15). */
	{ "hand.raise", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_hand_raise, CH, WEFT_ACT_POST, 1 },
	{ "hand.lower", F(CHANNEL) | F(USER), F(CHANNEL),
	  NULL, weft_cmd_hand_lower, CH, WEFT_ACT_READ, 1 },
	{ "session.start", F(CHANNEL) | F(STAGE), F(CHANNEL),
	  check_session_start, weft_cmd_session_start, CH, WEFT_ACT_MODERATE, 1 },
	{ "session.end", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_session_end, CH, WEFT_ACT_MODERATE, 1 },
	{ "session.round", F(CHANNEL) | F(STAGE), F(CHANNEL),
	  NULL, weft_cmd_session_round, CH, WEFT_ACT_MODERATE, 1 },
	{ "floor.give", F(CHANNEL) | F(USER) | F(STAGE), F(CHANNEL) | F(USER),
	  check_floor, weft_cmd_floor_give, CH, WEFT_ACT_MODERATE, 1 },
	{ "floor.clear", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_floor_clear, CH, WEFT_ACT_MODERATE, 1 },
	{ "floor.next", F(CHANNEL) | F(STAGE), F(CHANNEL),
	  check_floor, weft_cmd_floor_next, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.mute", F(CHANNEL) | F(USER) | F(STAGE), F(CHANNEL) | F(USER),
	  check_mute, weft_cmd_channel_mute, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.unban", F(CHANNEL) | F(USER), F(CHANNEL) | F(USER),
	  NULL, weft_cmd_channel_unban, CH, WEFT_ACT_MODERATE, 1 },
	{ "report", F(CHANNEL) | F(ID) | F(STAGE), F(CHANNEL) | F(ID),
	  check_report, weft_cmd_report, CH, WEFT_ACT_READ, 1 },
	{ "channel.reports", F(CHANNEL), F(CHANNEL),
	  NULL, weft_cmd_channel_reports, CH, WEFT_ACT_MODERATE, 1 },
	{ "report.resolve", F(CHANNEL) | F(STAGE), F(CHANNEL),
	  check_resolve, weft_cmd_report_resolve, CH, WEFT_ACT_MODERATE, 1 },
	{ "channel.modlog", F(CHANNEL) | F(STAGE), F(CHANNEL),
	  NULL, weft_cmd_channel_modlog, CH, WEFT_ACT_READ, 1 },
	/* Weaving (issue 17): weave.c, intro.c, health.c. The slow reads
	 * (facets, peers, health) cost a worker's time, as a search does. */
	{ "user.get", F(USER), F(USER),
	  NULL, weft_cmd_user_get, 0, NO_ACTION, 1 },
	{ "directory.facets", 0, 0,
	  NULL, weft_cmd_directory_facets, 0, NO_ACTION, 5 },
	{ "peers.suggest", F(WEAVE), 0,
	  NULL, weft_cmd_peers_suggest, 0, NO_ACTION, 5 },
	{ "admin.user.role", F(USER) | F(WEAVE), F(USER),
	  check_role, weft_cmd_admin_user_role, ADMIN, NO_ACTION, 1 },
	{ "intro.propose", F(NOTE) | F(WEAVE), F(NOTE),
	  check_propose, weft_cmd_intro_propose, 0, NO_ACTION, 1 },
	{ "intro.answer", F(WEAVE), 0,
	  check_answer, weft_cmd_intro_answer, 0, NO_ACTION, 1 },
	{ "intro.list", 0, 0,
	  NULL, weft_cmd_intro_list, 0, NO_ACTION, 1 },
	{ "network.health", F(WEAVE), 0,
	  NULL, weft_cmd_network_health, 0, NO_ACTION, 5 },
};

const struct weft_cmd_table weft_cmd_table = { defs, (int)(sizeof defs / sizeof defs[0]) };
_Static_assert(sizeof defs / sizeof defs[0] <= WEFT_STATS_CMDS, "/metrics counts every row: raise WEFT_STATS_CMDS");

static void dispatch(struct weft_conn *c, struct weft_cmd *cmd)
{
	const struct weft_cmd_def *def = cmd->def;
	struct weft_hub_channel *ch = NULL;
	if (c->state == WEFT_CONN_NEW && !(def->flags & WEFT_CMDF_BEFORE_HELLO)) {
		weft_conn_error(c, cmd->req, WEFT_EINVAL, "send hello first");
		return;
	}
	if ((def->flags & WEFT_CMDF_ADMIN) && !c->ses.admin) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "administrators only");
		return;
	}
	if (def->flags & WEFT_CMDF_CHANNEL) {
		if (!(ch = weft_hub_channel_get(&c->srv->hub, cmd->channel))) {
			weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such channel");
			return;
		}
		int role = weft_hub_role(ch, c->ses.user_id);
		if (def->action >= 0 && !weft_cmd_allowed(ch, role, def->action)) {
			weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
					weft_policy_denial(role, ch->info.kind, ch->info.access, ch->info.archived,
							   def->action));
			return;
		}
	}
	def->handle(c, cmd, ch);
}

/* Timed for weft_request_seconds{type}: two clock reads (vDSO) and a
 * bucket increment on the service thread, no lock. */
void weft_cmd_dispatch(struct weft_conn *c, struct weft_cmd *cmd)
{
	struct weft_server *s = c->srv;
	ptrdiff_t row = cmd->def - defs;
	uint64_t t0 = weft_mono_ns();
	dispatch(c, cmd);
	if (row >= 0 && row < WEFT_STATS_CMDS)
		weft_histo_observe(&s->stats.req[row], &weft_histo_latency, weft_mono_ns() - t0);
}

/* Conversation, on the service thread: reactions, pins, the mentions a send
 * or an edit makes beyond @names (@here, @channel), and the ephemeral
 * typing and presence, which live in the hub and never reach the log. */
#include "handlers.h"

#include "weft/stage.h"

#include <stdlib.h>
#include <string.h>

/* At most one typing frame per user per channel in this long. */
#define TYPING_EVERY_MS 3000

/* To one who cannot read the channel every message in it is one that does
 * not exist; one who can read but not act is refused. True when refused. */
static bool refuse_message(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_hub_channel *ch,
			   int action)
{
	int role = weft_hub_role(ch, c->ses.user_id);
	if (!weft_cmd_allowed(ch, role, WEFT_ACT_READ)) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such message in this channel");
		return true;
	}
	if (!weft_cmd_allowed(ch, role, action)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
				weft_policy_denial(role, ch->info.kind, ch->info.access, ch->info.archived, action));
		return true;
	}
	return false;
}

static void react_done(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c || weft_cmd_job_failed_with(c, job, WEFT_ETOOLARGE, "this message has 50 different reactions already",
					   "invalid request"))
		return;
	weft_conn_send(c, weft_proto_reply("ok", job->req));
}

WEFT_HANDLER(weft_cmd_react)
{
	if (refuse_message(c, cmd, ch, WEFT_ACT_POST))
		return;
	char why[96];
	if (weft_stage_muted(c->srv, ch->info.id, c->ses.user_id, why, sizeof why)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, why);
		return;
	}
	struct weft_job *job = weft_cmd_job(WEFT_JOB_REACT, ch, cmd->id);
	if (job) {
		job->flag = cmd->on;
		if (!(job->text = strdup(cmd->emoji))) {
			weft_job_free(job);
			job = NULL;
		}
	}
	weft_cmd_submit(c, cmd, job, react_done);
}

WEFT_HANDLER(weft_cmd_pin)
{
	if (refuse_message(c, cmd, ch, WEFT_ACT_MODERATE))
		return;
	struct weft_job *job = weft_cmd_job(WEFT_JOB_PIN, ch, cmd->id);
	if (job)
		job->flag = cmd->on;
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

WEFT_HANDLER(weft_cmd_channel_pins)
{
	struct weft_message *msgs = calloc(WEFT_PINS_MAX, sizeof *msgs);
	int n = 0;
	if (!msgs || weft_store_pins(c->srv->store, ch->info.id, msgs, WEFT_PINS_MAX, &n)) {
		free(msgs);
		weft_conn_error(c, cmd->req, WEFT_EIO, "pins are unavailable");
		return;
	}
	/* A pinned confidential message is not shown to a later joiner (issue 15). */
	int shown = 0;
	for (int i = 0; i < n; i++) {
		if (weft_stage_hidden(c->srv, ch, c->ses.user_id, &msgs[i]))
			weft_message_clear(&msgs[i]);
		else
			msgs[shown++] = msgs[i];
	}
	n = shown;
	int first, keep = weft_proto_history_fit(msgs, n, WEFT_HISTORY_PAGE_BYTES, false, &first);
	weft_conn_send_new(c, weft_proto_messages_frame("pins", cmd->req, ch->info.id, msgs + first, keep, NULL));
	for (int i = 0; i < n; i++)
		weft_message_clear(&msgs[i]);
	free(msgs);
}

/* Whether the word at p (just after an '@') is word, standing alone. */
static bool word_at(const char *body, const char *p, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(p, word, n))
		return false;
	char before = p - 1 > body ? p[-2] : ' ', after = p[n];
	bool name_before = (before >= 'a' && before <= 'z') || (before >= '0' && before <= '9');
	bool name_after = (after >= 'a' && after <= 'z') || (after >= '0' && after <= '9') || after == '_';
	return !name_before && !name_after;
}

static bool body_says(const char *body, const char *word)
{
	for (const char *at = strchr(body, '@'); at; at = strchr(at + 1, '@'))
		if (word_at(body, at + 1, word))
			return true;
	return false;
}

int weft_cmd_mention_scope(struct weft_conn *c, struct weft_hub_channel *ch, struct weft_job *job,
			   const char *body)
{
	job->open = ch->info.access == WEFT_ACCESS_OPEN;
	if (!strchr(body, '@') || weft_hub_role(ch, c->ses.user_id) < WEFT_ROLE_MODERATOR ||
	    ch->nmembers > WEFT_MENTION_ALL_MAX)
		return WEFT_OK;
	if (body_says(body, "channel")) {
		job->mention_all = true;
		return WEFT_OK;
	}
	if (!body_says(body, "here"))
		return WEFT_OK;
	if (!(job->here = malloc((size_t)ch->nmembers * sizeof *job->here)))
		return WEFT_ENOMEM;
	for (int i = 0; i < ch->nmembers; i++)
		if (weft_presence_online(c->srv, ch->members[i].user))
			job->here[job->nhere++] = ch->members[i].user;
	return WEFT_OK;
}

WEFT_HANDLER(weft_cmd_typing)
{
	struct weft_member *m = weft_hub_member(ch, c->ses.user_id);
	int64_t now = weft_mono_ms();
	/* A keystroke is a request; a frame to every member is sent at most
	 * every TYPING_EVERY_MS, whatever the client sends. */
	if (m && now - m->typing_ms >= TYPING_EVERY_MS) {
		m->typing_ms = now;
		cJSON *o = weft_proto_reply("typing", NULL);
		cJSON_AddNumberToObject(o, "channel", (double)ch->info.id);
		cJSON_AddItemToObject(o, "user", weft_proto_user(&c->ses.user));
		weft_fanout_channel_others(c->srv, ch, c->ses.user_id, o);
	}
	weft_conn_send(c, weft_proto_reply("ok", cmd->req));
}

WEFT_HANDLER(weft_cmd_presence_watch)
{
	(void)ch;
	if (weft_presence_watch(c, cmd->watch, cmd->nwatch)) {
		weft_conn_error(c, cmd->req, WEFT_ENOMEM, "out of memory");
		return;
	}
	cmd->watch = NULL; /* the connection keeps the set */
	cJSON *r = weft_proto_reply("presence", cmd->req);
	cJSON *arr = cJSON_AddArrayToObject(r, "users");
	for (int i = 0; i < c->nwatch; i++) {
		cJSON *u = cJSON_CreateObject();
		cJSON_AddNumberToObject(u, "id", (double)c->watch[i]);
		cJSON_AddBoolToObject(u, "online", weft_presence_online(c->srv, c->watch[i]));
		cJSON_AddItemToArray(arr, u);
	}
	weft_conn_send(c, r);
}

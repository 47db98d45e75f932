/* Standups, on the service thread: a channel's schedule (standup.set),
 * opening one now and closing it early (moderators), answering, the list
 * of past standups, and the test clock. The schedule itself runs in
 * server/net/coord.c; every change is a job for the writer and an event. */
#include "handlers.h"

#include "weft/coord.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
static const char default_questions[] = "[\"What did you get done since the last standup?\","
					"\"What will you do next?\"]";

/* The schedule as it is stored and shown: {"questions","days","time",
 * "tz","window"}, days in week order from Monday. A new string or NULL. */
static char *config_json(const struct weft_coord_args *co, const char *tz)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "questions", cJSON_Parse(co->questions));
	cJSON *days = cJSON_AddArrayToObject(o, "days");
	for (int k = 1; k <= 7; k++)
		if (co->days & (1u << (k % 7)))
			cJSON_AddItemToArray(days, cJSON_CreateString(day_names[k % 7]));
	char t[8];
	snprintf(t, sizeof t, "%02d:%02d", co->minute / 60 % 24, co->minute % 60);
	cJSON_AddStringToObject(o, "time", t);
	cJSON_AddStringToObject(o, "tz", tz);
	cJSON_AddNumberToObject(o, "window", co->window);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void set_done(struct weft_server *s, struct weft_job *job)
{
	if (!job->result)
		weft_coord_config_set(s, job->channel, job->text);
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed(c, job, "invalid schedule"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

/* Moderators may act in an archived channel (to unarchive it), but a
 * read-only channel holds no standups. True when refused. */
static bool archived(struct weft_conn *c, const struct weft_cmd *cmd, const struct weft_hub_channel *ch)
{
	if (!ch->info.archived)
		return false;
	weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "this channel is archived");
	return true;
}

WEFT_HANDLER(weft_cmd_standup_set)
{
	struct weft_coord_args *co = &cmd->co;
	if (!co->off && archived(c, cmd, ch))
		return;
	struct weft_job *job = weft_cmd_job(WEFT_JOB_STANDUP_SET, ch, 0);
	if (job && !co->off) {
		const struct weft_tz *z;
		const char *tz = co->tz[0] ? co->tz : weft_coord_tz_name(c->srv);
		if (weft_coord_zone(c->srv, tz, &z)) {
			weft_job_free(job);
			weft_conn_error(c, cmd->req, WEFT_EINVAL, "tz: unknown time zone");
			return;
		}
		if (!(job->text = config_json(co, tz))) {
			weft_job_free(job);
			job = NULL;
		}
	}
	weft_cmd_submit(c, cmd, job, set_done);
}

static void open_done(struct weft_server *s, struct weft_job *job)
{
	if (!job->result)
		weft_coord_opened(s, job->channel, job->id, job->expires_ms);
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c || weft_cmd_job_failed_with(c, job, WEFT_ECONFLICT, "a standup is already open in this channel",
					   "invalid request"))
		return;
	cJSON *r = weft_proto_reply("ok", job->req);
	cJSON_AddNumberToObject(r, "standup", (double)job->id);
	weft_conn_send(c, r);
}

/* The channel's schedule as a parsed object (NULL: none). */
static cJSON *channel_config(struct weft_server *s, int64_t channel)
{
	cJSON *holder = cJSON_CreateObject();
	weft_coord_channel_json(s, channel, holder);
	cJSON *cfg = cJSON_DetachItemFromObject(holder, "standup");
	cJSON_Delete(holder);
	return cfg;
}

WEFT_HANDLER(weft_cmd_standup_open)
{
	struct weft_server *s = c->srv;
	struct weft_coord_args *co = &cmd->co;
	if (archived(c, cmd, ch))
		return;
	if (weft_coord_open_standup(s, ch->info.id)) {
		weft_conn_error(c, cmd->req, WEFT_ECONFLICT, "a standup is already open in this channel");
		return;
	}
	/* Questions and window: given, else the schedule's, else defaults;
	 * the date is today where the schedule is (else the server's zone). */
	cJSON *cfg = channel_config(s, ch->info.id);
	const cJSON *tz = cJSON_GetObjectItemCaseSensitive(cfg, "tz");
	const cJSON *window = cJSON_GetObjectItemCaseSensitive(cfg, "window");
	const struct weft_tz *z;
	if (weft_coord_zone(s, cJSON_IsString(tz) ? tz->valuestring : NULL, &z))
		weft_coord_zone(s, NULL, &z);
	int minutes = (co->set & WEFT_CO_WINDOW) || !cJSON_IsNumber(window) ? co->window : window->valueint;
	struct weft_job *job = weft_cmd_job(WEFT_JOB_STANDUP_OPEN, ch, 0);
	if (job) {
		int64_t now = weft_coord_now(s);
		if (co->questions) {
			job->text = co->questions;
			co->questions = NULL;
		} else {
			job->text = cfg ? cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(cfg, "questions"))
				       : strdup(default_questions);
		}
		job->target = now; /* opened (the schedule clock) */
		job->expires_ms = now + (int64_t)minutes * 60000;
		weft_date_format(weft_tz_today(z, now), job->name);
		if (!job->text) {
			weft_job_free(job);
			job = NULL;
		}
	}
	cJSON_Delete(cfg);
	weft_cmd_submit(c, cmd, job, open_done);
}

static void close_done(struct weft_server *s, struct weft_job *job)
{
	if (!job->result)
		weft_coord_closed(s, job->target);
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (c && !weft_cmd_job_failed_with(c, job, WEFT_ENOTFOUND, "no such open standup in this channel",
					   "invalid request"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

WEFT_HANDLER(weft_cmd_standup_close)
{
	int64_t id = cmd->co.set & WEFT_CO_STANDUP ? cmd->co.standup : weft_coord_open_standup(c->srv, ch->info.id);
	if (!id) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no standup is open in this channel");
		return;
	}
	weft_cmd_submit(c, cmd, weft_cmd_job(WEFT_JOB_STANDUP_CLOSE, ch, id), close_done);
}

static void answer_done(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	struct weft_conn *c = weft_cmd_job_conn(job);
	if (!c)
		return;
	if (job->result == WEFT_ECONFLICT)
		weft_conn_error(c, job->req, WEFT_ECONFLICT, "this standup is closed");
	else if (job->result == WEFT_ENOTFOUND)
		weft_conn_error(c, job->req, WEFT_ENOTFOUND, "no such standup in this channel");
	else if (!weft_cmd_job_failed(c, job, "answers must give one answer per question"))
		weft_conn_send(c, weft_proto_reply("ok", job->req));
}

WEFT_HANDLER(weft_cmd_standup_answer)
{
	struct weft_job *job = weft_cmd_job(WEFT_JOB_STANDUP_ANSWER, ch, cmd->co.standup);
	if (job) {
		job->text = cmd->co.answers;
		job->text2 = cmd->co.blocker;
		cmd->co.answers = cmd->co.blocker = NULL;
	}
	weft_cmd_submit(c, cmd, job, answer_done);
}

WEFT_HANDLER(weft_cmd_standup_list)
{
	struct weft_server *s = c->srv;
	char *list = NULL;
	bool more = false;
	int rc = weft_store_standups(s->store, ch->info.id, cmd->co.before, cmd->co.limit, &list, &more);
	cJSON *arr = rc ? NULL : cJSON_Parse(list);
	free(list);
	if (!arr) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "standups are unavailable");
		return;
	}
	cJSON *r = weft_proto_reply("standups", cmd->req);
	cJSON_AddNumberToObject(r, "channel", (double)ch->info.id);
	cJSON_AddItemToObject(r, "standups", arr);
	cJSON_AddBoolToObject(r, "more", more);
	cJSON *cfg = channel_config(s, ch->info.id);
	cJSON_AddItemToObject(r, "config", cfg ? cfg : cJSON_CreateNull());
	int64_t open = weft_coord_open_standup(s, ch->info.id);
	if (open)
		cJSON_AddNumberToObject(r, "open", (double)open);
	else
		cJSON_AddNullToObject(r, "open");
	weft_conn_send(c, r);
}

WEFT_HANDLER(weft_cmd_test_clock)
{
	(void)ch;
	if (!c->srv->cfg->test_clock) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "test_clock is off on this server");
		return;
	}
	weft_coord_set_clock(c->srv, cmd->co.at_ms);
	cJSON *r = weft_proto_reply("ok", cmd->req);
	cJSON_AddNumberToObject(r, "now", (double)weft_coord_now(c->srv));
	weft_conn_send(c, r);
}

/* Standup jobs: a channel's schedule, opening a standup, an answer, and
 * closing with the summary (answered, missed, blockers, runs of missed
 * standups). Each change is an event of the channel whose JSON payload
 * (events.data) SQLite builds from the rows just written. Writer thread
 * only, inside the batch's transaction. */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Column 0 of s's one row (bound by the caller) as a new string in *out. */
static int one_text(sqlite3_stmt *s, char **out)
{
	int rc = step_row(s);
	if (!rc)
		rc = dup_text(out, s, 0);
	else if (rc == WEFT_ENOTFOUND)
		rc = WEFT_EIO; /* the row the job just wrote: it must be there */
	done_stmt(s);
	if (!rc && !*out)
		rc = WEFT_EIO;
	return rc;
}

/* Logs event kind with payload json (borrowed) about ref in the job's channel. */
static int json_event(struct weft_store *st, struct weft_job *j, int kind, int64_t now, int64_t ref,
		      const char *json, int64_t *seq)
{
	int64_t dummy;
	return add_flag_event(st, j, kind, now, ref, json, false, seq ? seq : &dummy);
}

static int run_set(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s;
	int rc;
	if (j->text) {
		s = st->cw[CW_CONFIG_SET];
		sqlite3_bind_int64(s, 1, j->channel);
		sqlite3_bind_text(s, 2, j->text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, j->user);
		sqlite3_bind_int64(s, 4, now);
	} else {
		s = st->cw[CW_CONFIG_DROP];
		sqlite3_bind_int64(s, 1, j->channel);
	}
	if ((rc = exec_stmt(s)))
		return rc;
	/* {"config":{…}|null,"by":{…}}, the config as the service thread
	 * checked it and the moderator as the users table names them. */
	s = st->w[W_USER_REF];
	sqlite3_bind_int64(s, 1, j->user);
	if ((rc = step_row(s))) {
		done_stmt(s);
		return rc == WEFT_ENOTFOUND ? WEFT_EIO : rc;
	}
	struct weft_user_ref by = { .id = j->user };
	copy_text(by.name, sizeof by.name, s, 0);
	copy_text(by.display, sizeof by.display, s, 1);
	done_stmt(s);
	cJSON *o = cJSON_CreateObject();
	cJSON *cfg = j->text ? cJSON_Parse(j->text) : cJSON_CreateNull();
	cJSON *u = cJSON_CreateObject();
	char *json = NULL;
	if (o && cfg && u) {
		cJSON_AddItemToObject(o, "config", cfg);
		cfg = NULL;
		cJSON_AddNumberToObject(u, "id", (double)by.id);
		cJSON_AddStringToObject(u, "name", by.name);
		cJSON_AddStringToObject(u, "display", by.display[0] ? by.display : by.name);
		cJSON_AddItemToObject(o, "by", u);
		u = NULL;
		json = cJSON_PrintUnformatted(o);
	}
	cJSON_Delete(o);
	cJSON_Delete(cfg);
	cJSON_Delete(u);
	if (!json)
		return WEFT_ENOMEM;
	rc = json_event(st, j, WEFT_EV_STANDUP_CONFIG, now, 0, json, NULL);
	cJSON_free(json);
	return rc;
}

/* The standup event of standup id (its row as it now is). */
static int standup_event(struct weft_store *st, struct weft_job *j, int64_t id, int64_t now, int64_t *seq)
{
	sqlite3_stmt *s = st->cw[CW_STANDUP_JSON];
	sqlite3_bind_int64(s, 1, id);
	char *json = NULL;
	int rc = one_text(s, &json);
	if (!rc)
		rc = json_event(st, j, WEFT_EV_STANDUP, now, id, json, seq);
	free(json);
	return rc;
}

static int run_open(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->cw[CW_OPEN_ANY];
	sqlite3_bind_int64(s, 1, j->channel);
	int64_t open_id, seq;
	int rc = step_int64(s, 0, &open_id);
	if (rc)
		return rc;
	if (open_id) {
		j->id = open_id;
		return WEFT_ECONFLICT; /* one standup at a time */
	}
	s = st->cw[CW_STANDUP_INSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_text(s, 2, j->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, j->target ? j->target : now); /* the schedule clock's "now" */
	sqlite3_bind_int64(s, 5, j->expires_ms);
	sqlite3_bind_int(s, 6, j->flag);
	if (j->user)
		sqlite3_bind_int64(s, 7, j->user);
	/* A scheduled date already opened is refused by standups_date. */
	if ((rc = exec_stmt(s)))
		return rc;
	j->id = sqlite3_last_insert_rowid(st->wdb);
	if ((rc = standup_event(st, j, j->id, now, &seq)))
		return rc;
	s = st->cw[CW_STANDUP_SEQ];
	sqlite3_bind_int64(s, 1, j->id);
	sqlite3_bind_int64(s, 2, seq);
	return exec_stmt(s);
}

static int run_answer(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->cw[CW_STANDUP_OPEN_IN];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->channel);
	int rc = step_row(s);
	int state = rc ? 0 : sqlite3_column_int(s, 0), questions = rc ? 0 : sqlite3_column_int(s, 1);
	done_stmt(s);
	if (rc)
		return rc;
	if (state != 0)
		return WEFT_ECONFLICT; /* closed: answers are final */
	bool member;
	if ((rc = row_exists(st->cw[CW_MEMBER_OK], j->channel, j->user, &member)))
		return rc;
	if (!member)
		return WEFT_EFORBIDDEN;
	cJSON *answers = cJSON_Parse(j->text);
	int n = answers ? cJSON_GetArraySize(answers) : -1;
	cJSON_Delete(answers);
	if (n != questions)
		return WEFT_EINVAL;
	s = st->cw[CW_ANSWER_UPSERT];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->user);
	sqlite3_bind_text(s, 3, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, j->text2 ? j->text2 : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	if ((rc = exec_stmt(s)))
		return rc;
	s = st->cw[CW_ANSWER_JSON];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->user);
	char *json = NULL;
	if (!(rc = one_text(s, &json)))
		rc = json_event(st, j, WEFT_EV_STANDUP_ANSWER, now, j->target, json, NULL);
	free(json);
	return rc;
}

/* Closes the open standup j->target: who was expected (the members of its
 * opening, not those who joined since) and answered goes into the roll,
 * the summary is computed from it, then the event. */
static int run_close(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->cw[CW_CLOSE];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->channel);
	int rc = step_row(s);
	int64_t open_seq = rc ? 0 : sqlite3_column_int64(s, 0);
	done_stmt(s);
	if (rc)
		return rc; /* ENOTFOUND: not open (closed already) */
	s = st->cw[CW_ROLL_ANSWERED];
	sqlite3_bind_int64(s, 1, j->target);
	if ((rc = exec_stmt(s)))
		return rc;
	s = st->cw[CW_ROLL_EXPECTED];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, open_seq);
	if ((rc = exec_stmt(s)))
		return rc;
	s = st->cw[CW_SUMMARY];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->channel);
	if ((rc = exec_stmt(s)))
		return rc;
	j->id = j->target;
	return standup_event(st, j, j->target, now, NULL);
}

int run_standup(struct weft_store *st, struct weft_job *j, int64_t now)
{
	switch (j->kind) {
	case WEFT_JOB_STANDUP_SET:
		return run_set(st, j, now);
	case WEFT_JOB_STANDUP_OPEN:
		return run_open(st, j, now);
	case WEFT_JOB_STANDUP_ANSWER:
		return run_answer(st, j, now);
	case WEFT_JOB_STANDUP_CLOSE:
		return run_close(st, j, now);
	default:
		return WEFT_EINVAL;
	}
}

/* Jobs of live sessions and moderation (issue 15): starting and ending a
 * session (the end erases a confidential session's messages exactly as
 * deletes), mutes, unbans, reports and their resolution, and the
 * moderation log every moderator action writes in its own transaction.
 * Writer thread only, inside the batch's transaction. */
#include "store_int.h"

#include "weft/policy.h"

#include <stdlib.h>
#include <string.h>

int modlog_add(struct weft_store *st, int64_t channel, const char *action, int64_t actor, int64_t target,
	       const char *reason, int64_t now)
{
	sqlite3_stmt *s = st->sw[SW_MODLOG_ADD];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
	if (actor)
		sqlite3_bind_int64(s, 3, actor);
	if (target)
		sqlite3_bind_int64(s, 4, target);
	sqlite3_bind_text(s, 5, reason ? reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	return exec_stmt(s);
}

int ban_check(struct weft_store *st, int64_t channel, int64_t user)
{
	bool banned;
	int rc = row_exists(st->sw[SW_BANNED], channel, user, &banned);
	return rc ? rc : banned ? WEFT_EFORBIDDEN : WEFT_OK;
}

/* Column 0 of s's one row (bound) as a new string. */
static int one_text(sqlite3_stmt *s, char **out)
{
	int rc = step_row(s);
	if (!rc)
		rc = dup_text(out, s, 0);
	else if (rc == WEFT_ENOTFOUND)
		rc = WEFT_EIO;
	done_stmt(s);
	if (!rc && !*out)
		rc = WEFT_EIO;
	return rc;
}

/* The session event of session id, as its row now is. */
static int session_event(struct weft_store *st, struct weft_job *j, int64_t id, int64_t now, int64_t *seq)
{
	sqlite3_stmt *s = st->sw[SW_SESSION_JSON];
	sqlite3_bind_int64(s, 1, id);
	char *json = NULL;
	int64_t dummy;
	int rc = one_text(s, &json);
	if (!rc)
		rc = add_flag_event(st, j, WEFT_EV_SESSION, now, id, json, false, seq ? seq : &dummy);
	free(json);
	return rc;
}

static int run_start(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->sw[SW_SESSION_INSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_text(s, 2, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, j->flag);
	sqlite3_bind_int(s, 4, j->role);
	sqlite3_bind_int64(s, 5, j->user);
	sqlite3_bind_int64(s, 6, now);
	int rc = exec_stmt(s); /* stage_live: one live session a channel (ECONFLICT) */
	if (rc)
		return rc;
	j->id = sqlite3_last_insert_rowid(st->wdb);
	int64_t seq;
	if ((rc = modlog_add(st, j->channel, "session.start", j->user, 0, j->text, now)) ||
	    (rc = session_event(st, j, j->id, now, &seq)))
		return rc;
	s = st->sw[SW_SESSION_SEQ];
	sqlite3_bind_int64(s, 1, j->id);
	sqlite3_bind_int64(s, 2, seq);
	return exec_stmt(s);
}

/* The live confidential session's messages, erased one by one as a delete
 * erases one; *n counts them. */
static int erase_confidential(struct weft_store *st, struct weft_job *j, int64_t session, int64_t now, int *n)
{
	sqlite3_stmt *s = st->sw[SW_CONFIDENTIAL_IDS];
	sqlite3_bind_int64(s, 1, session);
	int64_t *ids = NULL;
	int count = 0, cap = 0, step, rc = WEFT_OK;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			int64_t *p = realloc(ids, (size_t)(cap = cap ? cap * 2 : 64) * sizeof *ids);
			if (!p) {
				rc = WEFT_ENOMEM;
				break;
			}
			ids = p;
		}
		ids[count++] = sqlite3_column_int64(s, 0);
	}
	if (!rc)
		rc = step_rc(s, step);
	done_stmt(s);
	for (int i = 0; !rc && i < count; i++)
		rc = erase_message(st, j, ids[i], now);
	free(ids);
	if (!rc)
		*n = count;
	return rc;
}

static int run_end(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->sw[SW_SESSION_LIVE];
	sqlite3_bind_int64(s, 1, j->channel);
	int rc = step_row(s);
	int64_t id = rc ? 0 : sqlite3_column_int64(s, 0);
	bool confidential = !rc && sqlite3_column_int(s, 1) != 0;
	done_stmt(s);
	if (rc)
		return rc;
	int erased = 0;
	if (confidential && (rc = erase_confidential(st, j, id, now, &erased)))
		return rc;
	s = st->sw[SW_SESSION_END];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, erased);
	if ((rc = exec_stmt(s)) || (rc = modlog_add(st, j->channel, "session.end", j->user, 0, NULL, now)))
		return rc;
	j->id = id;
	return session_event(st, j, id, now, NULL);
}

/* Mutes target until (0: unmutes), logs it and makes the mute event. */
static int mute_write(struct weft_store *st, struct weft_job *j, int64_t target, int64_t until, const char *reason,
		      int64_t now)
{
	sqlite3_stmt *s = st->sw[until ? SW_MUTE_SET : SW_MUTE_DROP];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, target);
	if (until) {
		sqlite3_bind_int64(s, 3, until);
		sqlite3_bind_int64(s, 4, j->user);
		sqlite3_bind_text(s, 5, reason ? reason : "", -1, SQLITE_STATIC);
	}
	int rc = exec_stmt(s);
	if (rc || (rc = modlog_add(st, j->channel, until ? "mute" : "unmute", j->user, target, reason, now)))
		return rc;
	s = st->sw[SW_MUTE_JSON];
	sqlite3_bind_int64(s, 1, j->user);
	sqlite3_bind_int64(s, 2, target);
	sqlite3_bind_int64(s, 3, until);
	sqlite3_bind_text(s, 4, reason ? reason : "", -1, SQLITE_STATIC);
	char *json = NULL;
	int64_t seq;
	if (!(rc = one_text(s, &json)))
		rc = add_flag_event(st, j, WEFT_EV_MUTE, now, target, json, false, &seq);
	free(json);
	return rc;
}

static int run_unban(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->sw[SW_BAN_DROP];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	int rc = exec_changed(st, s);
	return rc ? rc : modlog_add(st, j->channel, "unban", j->user, j->target, NULL, now);
}

static int report_json(struct weft_store *st, int64_t id, char **out)
{
	sqlite3_stmt *s = st->sw[SW_REPORT_JSON];
	sqlite3_bind_int64(s, 1, id);
	return one_text(s, out);
}

static int run_report(struct weft_store *st, struct weft_job *j, int64_t now)
{
	bool there;
	int rc = row_exists(st->sw[SW_MSG_IN], j->target, j->channel, &there);
	if (rc || !there)
		return rc ? rc : WEFT_ENOTFOUND;
	sqlite3_stmt *s = st->sw[SW_REPORT_INSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	sqlite3_bind_int64(s, 3, j->user);
	sqlite3_bind_text(s, 4, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	if ((rc = exec_stmt(s)))
		return rc;
	j->id = sqlite3_last_insert_rowid(st->wdb);
	return report_json(st, j->id, &j->out);
}

static const char *const resolve_names[] = { "dismiss", "delete", "mute", "remove" };

static int role_of(struct weft_store *st, int64_t channel, int64_t user, int64_t *role)
{
	sqlite3_stmt *s = st->w[W_MEMBER_ROLE];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, user);
	return step_int64(s, WEFT_ROLE_NONE, role);
}

/* The resolution's effect on the reported message and its author. Muting
 * or removing the author follows channel.mute's rule (weft_policy_may_mute:
 * WEFT_EFORBIDDEN); an author no longer in the channel is left alone. */
static int resolve_effect(struct weft_store *st, struct weft_job *j, int64_t message, int64_t author, int64_t now)
{
	int rc = WEFT_OK;
	if (j->role == WEFT_RESOLVE_MUTE || j->role == WEFT_RESOLVE_REMOVE) {
		int64_t mine, theirs;
		if ((rc = role_of(st, j->channel, j->user, &mine)) || (rc = role_of(st, j->channel, author, &theirs)))
			return rc;
		if (theirs == WEFT_ROLE_NONE)
			return WEFT_OK;
		if (!weft_policy_may_mute((int)mine, (int)theirs))
			return WEFT_EFORBIDDEN;
	}
	switch (j->role) {
	case WEFT_RESOLVE_DELETE:
		rc = modlog_add(st, j->channel, "delete", j->user, author, "report", now);
		if (!rc && (rc = erase_message(st, j, message, now)) == WEFT_ENOTFOUND)
			rc = WEFT_OK; /* deleted already */
		return rc;
	case WEFT_RESOLVE_MUTE:
		return mute_write(st, j, author, j->expires_ms, "report", now);
	case WEFT_RESOLVE_REMOVE: {
		sqlite3_stmt *s = st->w[W_MEMBER_DELETE];
		sqlite3_bind_int64(s, 1, j->channel);
		sqlite3_bind_int64(s, 2, author);
		if (!(rc = exec_changed(st, s)))
			rc = modlog_add(st, j->channel, "remove", j->user, author, "report", now);
		return rc ? rc : add_event(st, j, j->channel, WEFT_EV_LEAVE, now, author, 0, NULL);
	}
	}
	return rc;
}

static int run_resolve(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->sw[SW_REPORT_GET];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->channel);
	int rc = step_row(s);
	int64_t message = rc ? 0 : sqlite3_column_int64(s, 0), author = rc ? 0 : sqlite3_column_int64(s, 2);
	int state = rc ? 0 : sqlite3_column_int(s, 1);
	done_stmt(s);
	if (rc)
		return rc;
	if (state)
		return WEFT_ECONFLICT;
	if (j->role < 0 || j->role > WEFT_RESOLVE_REMOVE)
		return WEFT_EINVAL;
	if ((rc = resolve_effect(st, j, message, author, now)))
		return rc;
	s = st->sw[SW_REPORT_RESOLVE];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_text(s, 2, resolve_names[j->role], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, j->user);
	sqlite3_bind_int64(s, 4, now);
	if ((rc = exec_stmt(s)) ||
	    (rc = modlog_add(st, j->channel, "report.resolve", j->user, author, resolve_names[j->role], now)))
		return rc;
	return report_json(st, j->target, &j->out);
}

int run_stage(struct weft_store *st, struct weft_job *j, int64_t now)
{
	switch (j->kind) {
	case WEFT_JOB_STAGE_START:
		return run_start(st, j, now);
	case WEFT_JOB_STAGE_END:
		return run_end(st, j, now);
	case WEFT_JOB_MUTE:
		return mute_write(st, j, j->target, j->expires_ms, j->text, now);
	case WEFT_JOB_UNBAN:
		return run_unban(st, j, now);
	case WEFT_JOB_REPORT:
		return run_report(st, j, now);
	case WEFT_JOB_REPORT_RESOLVE:
		return run_resolve(st, j, now);
	default:
		return WEFT_EINVAL;
	}
}

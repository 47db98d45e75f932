/* Weaving jobs (issue 17): focus tags, the weaver role, introductions.
 * An introduction is double opt-in: once both of its people accepted, the
 * same transaction opens their DM (run_dm_open: both join) and writes the
 * proposer's note as its first message, from the proposer. Writer thread
 * only, inside the batch's transaction. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)

int weave_focus_set(struct weft_store *st, int64_t user, const char *json, int64_t now)
{
	sqlite3_stmt *s = st->vw[VW_FOCUS_CLEAR];
	sqlite3_bind_int64(s, 1, user);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	s = st->vw[VW_TAGS_ADD];
	sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	if ((rc = exec_stmt(s)))
		return rc;
	s = st->vw[VW_FOCUS_ADD];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_text(s, 2, json, -1, SQLITE_STATIC);
	return exec_stmt(s);
}

int weave_weaver_set(struct weft_store *st, int64_t user, bool weaver)
{
	sqlite3_stmt *s = st->vw[VW_WEAVER_SET];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, weaver);
	return exec_changed(st, s);
}

/* The introduction id as JSON into j->out. */
static int intro_json(struct weft_store *st, struct weft_job *j, int64_t id)
{
	sqlite3_stmt *s = st->vw[VW_INTRO_JSON];
	sqlite3_bind_int64(s, 1, id);
	int rc = step_row(s);
	free(j->out);
	j->out = NULL;
	if (!rc)
		rc = dup_text(&j->out, s, 0);
	done_stmt(s);
	return rc == WEFT_ENOTFOUND ? WEFT_EIO : rc;
}

static int person_ok(struct weft_store *st, int64_t user)
{
	sqlite3_stmt *s = st->vw[VW_USER_OK];
	sqlite3_bind_int64(s, 1, user);
	int rc = step_row(s);
	done_stmt(s);
	return rc;
}

static int run_propose(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int64_t a = j->target, b = j->users[0], count;
	int rc;
	if ((rc = person_ok(st, a)) || (rc = person_ok(st, b)))
		return rc;
	sqlite3_stmt *s = st->vw[VW_INTRO_COUNT];
	sqlite3_bind_int64(s, 1, j->user);
	sqlite3_bind_int64(s, 2, now - DAY_MS);
	if ((rc = step_int64(s, 0, &count)))
		return rc;
	if (j->quota && count >= j->quota)
		return WEFT_ERATE;
	bool waiting;
	s = st->vw[VW_INTRO_PAIR];
	sqlite3_bind_int64(s, 3, now - WEFT_INTRO_TTL_MS);
	if ((rc = row_exists(s, a, b, &waiting)))
		return rc;
	if (waiting)
		return WEFT_ECONFLICT;
	s = st->vw[VW_INTRO_INSERT];
	sqlite3_bind_int64(s, 1, j->user);
	sqlite3_bind_int64(s, 2, a);
	sqlite3_bind_int64(s, 3, b);
	sqlite3_bind_text(s, 4, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	if ((rc = exec_stmt(s)))
		return rc;
	j->id = sqlite3_last_insert_rowid(st->wdb);
	return intro_json(st, j, j->id);
}

struct intro_row {
	int64_t by, a, b, created_ms;
	int a_answer, b_answer, state; /* answers: -1 none */
	char *note;                    /* owned */
};

static int intro_get(struct weft_store *st, int64_t id, struct intro_row *r)
{
	sqlite3_stmt *s = st->vw[VW_INTRO_GET];
	sqlite3_bind_int64(s, 1, id);
	int rc = step_row(s);
	if (!rc) {
		r->by = sqlite3_column_int64(s, 0);
		r->a = sqlite3_column_int64(s, 1);
		r->b = sqlite3_column_int64(s, 2);
		r->a_answer = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3);
		r->b_answer = sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 4);
		r->state = sqlite3_column_int(s, 5);
		r->created_ms = sqlite3_column_int64(s, 6);
		rc = dup_text(&r->note, s, 7);
	}
	done_stmt(s);
	return rc;
}

/* The DM of a and b (found or opened: both join, by a), then the note as
 * its first message from the proposer; j->channel the DM. */
static int open_dm(struct weft_store *st, struct weft_job *j, const struct intro_row *r, int64_t intro,
		   int64_t now)
{
	int64_t answering = j->user;
	j->user = r->a;
	j->users[0] = r->b;
	j->nusers = 1;
	int rc = run_dm_open(st, j, now);
	j->user = answering;
	j->id = intro;
	if (rc)
		return rc;
	sqlite3_stmt *s = st->vw[VW_MSG_EVENT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, r->by);
	if ((rc = exec_stmt(s)))
		return rc;
	int64_t seq = st->seen_seq = sqlite3_last_insert_rowid(st->wdb);
	char client_id[32];
	snprintf(client_id, sizeof client_id, "intro:%lld", (long long)intro);
	s = st->w[W_MSG_INSERT];
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, r->by);
	sqlite3_bind_text(s, 4, r->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, now);
	if ((rc = exec_stmt(s)))
		return rc;
	s = st->w[W_INDEX_ADD];
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_text(s, 2, r->note, -1, SQLITE_STATIC);
	if ((rc = exec_stmt(s)))
		return rc;
	return push_event(st, j, seq);
}

/* Only a and b answer, once each, while it waits; a decline closes it. */
static int run_answer(struct weft_store *st, struct weft_job *j, int64_t now)
{
	struct intro_row r = { 0 };
	int64_t id = j->target;
	bool accept = j->flag; /* run_dm_open sets flag: the DM was created */
	int rc = intro_get(st, id, &r);
	if (rc)
		goto out;
	int *mine = j->user == r.a ? &r.a_answer : j->user == r.b ? &r.b_answer : NULL;
	if (!mine) {
		rc = WEFT_EFORBIDDEN;
		goto out;
	}
	if (*mine >= 0 || r.state != 0 || r.created_ms <= now - WEFT_INTRO_TTL_MS) {
		rc = WEFT_ECONFLICT;
		goto out;
	}
	*mine = accept;
	r.state = !accept ? 2 : r.a_answer == 1 && r.b_answer == 1 ? 1 : 0;
	j->channel = 0;
	if (r.state == 1 && (rc = open_dm(st, j, &r, id, now)))
		goto out;
	sqlite3_stmt *s = st->vw[VW_INTRO_ANSWER];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, j->user);
	sqlite3_bind_int(s, 3, accept);
	sqlite3_bind_int(s, 4, r.state);
	sqlite3_bind_int64(s, 5, now);
	if (j->channel)
		sqlite3_bind_int64(s, 6, j->channel);
	if (!(rc = exec_stmt(s)))
		rc = intro_json(st, j, id);
	j->id = id;
out:
	free(r.note);
	return rc;
}

int run_weave(struct weft_store *st, struct weft_job *j, int64_t now)
{
	switch (j->kind) {
	case WEFT_JOB_WEAVER_SET:
		return weave_weaver_set(st, j->target, j->flag);
	case WEFT_JOB_INTRO_PROPOSE:
		return run_propose(st, j, now);
	case WEFT_JOB_INTRO_ANSWER:
		return run_answer(st, j, now);
	default:
		return WEFT_EINVAL;
	}
}

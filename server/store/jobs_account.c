/* Account jobs: users, passwords, sign-up links, sessions. Writer thread
 * only. */
#include "store_int.h"

/* A new session of user for token hash, until expires_ms; name: a named
 * bearer token's (NULL: none). Its id in *id. */
static int insert_session(struct weft_store *st, int64_t user, const unsigned char hash[32],
			  int64_t expires_ms, const char *name, int64_t now, int64_t *id)
{
	sqlite3_stmt *s = st->w[W_SESSION_INSERT];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_blob(s, 2, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, expires_ms);
	if (name)
		sqlite3_bind_text(s, 6, name, -1, SQLITE_STATIC);
	int rc = exec_stmt(s);
	if (!rc)
		*id = sqlite3_last_insert_rowid(st->wdb);
	return rc;
}

/* Revokes every session of user but keep (0: none). */
static int revoke_user_sessions(struct weft_store *st, int64_t user, int64_t keep)
{
	sqlite3_stmt *s = st->w[W_USER_SESSIONS_REVOKE];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, weft_now_ms());
	sqlite3_bind_int64(s, 3, keep);
	return exec_stmt(s);
}

int run_user_create(struct weft_store *st, struct weft_job *j, int64_t now)
{
	const struct weft_profile *p = &j->profile;
	sqlite3_stmt *s = st->w[W_USER_INSERT];
	sqlite3_bind_text(s, 1, p->user.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->user.display, -1, SQLITE_STATIC);
	if (j->text)
		sqlite3_bind_text(s, 3, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, p->admin);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_text(s, 6, p->jurisdiction, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, p->region, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, p->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, p->email, -1, SQLITE_STATIC);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	j->id = j->profile.user.id = j->target = sqlite3_last_insert_rowid(st->wdb);
	if (j->defaults && (rc = join_defaults(st, j, now)))
		return rc;
	if (j->profile.weaver && (rc = weave_weaver_set(st, j->id, true))) /* weaving (issue 17) */
		return rc;
	/* With a link: the person sets their own password through it. */
	return j->expires_ms ? run_signup_create(st, j, now) : WEFT_OK;
}

/* Only the newest link works: every new link, use of a link, reset,
 * password change and deactivation ends the user's other unused ones. */
static int drop_links(struct weft_store *st, int64_t user)
{
	sqlite3_stmt *s = st->w[W_SIGNUP_DROP];
	sqlite3_bind_int64(s, 1, user);
	return exec_stmt(s);
}

/* A deactivated account's pending join requests and invitations go:
 * nobody can approve or accept for an account that cannot sign in, and
 * they would only clutter the moderators' queues. */
static int withdraw_access(struct weft_store *st, int64_t user)
{
	sqlite3_stmt *s = st->w[W_REQ_WITHDRAW];
	sqlite3_bind_int64(s, 1, user);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	s = st->w[W_INVITE_WITHDRAW];
	sqlite3_bind_int64(s, 1, user);
	return exec_stmt(s);
}

int run_user_active(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_USER_ACTIVE];
	sqlite3_bind_int(s, 1, j->flag);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->target);
	int rc = exec_changed(st, s);
	if (rc || j->flag)
		return rc;
	if ((rc = drop_links(st, j->target)))
		return rc;
	if ((rc = withdraw_access(st, j->target)))
		return rc;
	return revoke_user_sessions(st, j->target, 0);
}

int run_user_password(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_USER_PASSWORD];
	sqlite3_bind_text(s, 1, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, j->target);
	int rc = exec_changed(st, s);
	if (rc || (rc = drop_links(st, j->target)))
		return rc;
	return revoke_user_sessions(st, j->target, j->keep_session);
}

int run_signup_create(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int rc = check_active_user(st, j->target);
	if (rc || (rc = drop_links(st, j->target)))
		return rc;
	sqlite3_stmt *s = st->w[W_SIGNUP_INSERT];
	sqlite3_bind_blob(s, 1, j->token_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, j->target);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, j->expires_ms);
	rc = exec_stmt(s);
	if (rc || !j->flag)
		return rc;
	/* A reset: the old password and every session stop working now. */
	s = st->w[W_USER_PASSWORD];
	sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, j->target);
	if ((rc = exec_stmt(s)))
		return rc;
	return revoke_user_sessions(st, j->target, 0);
}

int run_signup_accept(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_SIGNUP_TAKE];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_blob(s, 2, j->token_hash, 32, SQLITE_STATIC);
	int step = sqlite3_step(s);
	int64_t user = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	if (step == SQLITE_ROW)
		step = sqlite3_step(s); /* finish the statement so the update applies */
	int rc = step_rc(s, step);
	done_stmt(s);
	if (rc)
		return rc;
	j->target = user;
	if (!user)
		return WEFT_EAUTH;
	if ((rc = check_active_user(st, user)))
		return rc == WEFT_ENOTFOUND ? WEFT_EAUTH : rc;
	/* A link used on an account that had a password (a reset link the
	 * admin re-issued without resetting): the sessions of that password
	 * end with it. */
	int64_t had_password;
	s = st->w[W_USER_HAS_PASSWORD];
	sqlite3_bind_int64(s, 1, user);
	if ((rc = step_int64(s, 0, &had_password)) || (rc = drop_links(st, user)) ||
	    (had_password && (rc = revoke_user_sessions(st, user, 0))))
		return rc;
	s = st->w[W_USER_PASSWORD];
	sqlite3_bind_text(s, 1, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, j->target);
	if ((rc = exec_stmt(s)))
		return rc;
	return insert_session(st, j->target, j->token_hash2, j->expires_ms, NULL, now, &j->id);
}

int run_session(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s;
	switch (j->kind) {
	case WEFT_JOB_SESSION_CREATE:
		if (insert_session(st, j->target, j->token_hash, j->expires_ms, j->text, now, &j->id))
			return WEFT_EIO;
		return WEFT_OK;
	case WEFT_JOB_SESSION_TOUCH:
		s = st->w[W_SESSION_TOUCH];
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, j->target);
		return exec_stmt(s);
	case WEFT_JOB_SESSION_REVOKE:
		s = st->w[W_SESSION_REVOKE];
		sqlite3_bind_int64(s, 1, j->target);
		sqlite3_bind_int64(s, 2, now);
		return exec_stmt(s);
	default:
		return WEFT_EINVAL;
	}
}

int run_profile_update(struct weft_store *st, struct weft_job *j)
{
	_Static_assert(WEFT_PROFILE_DISPLAY == 1 && WEFT_PROFILE_JURISDICTION == 2 && WEFT_PROFILE_REGION == 4 &&
			       WEFT_PROFILE_TITLE == 8,
		       "the bits W_USER_PROFILE tests");
	const struct weft_profile *p = &j->profile;
	sqlite3_stmt *s = st->w[W_USER_PROFILE];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int(s, 2, (int)j->profile_set);
	sqlite3_bind_text(s, 3, p->user.display, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, p->jurisdiction, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, p->region, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, p->bio, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, p->pronouns, -1, SQLITE_STATIC);
	int rc = exec_changed(st, s);
	if (!rc && (j->profile_set & WEFT_PROFILE_FOCUS))
		rc = weave_focus_set(st, j->target, p->focus, weft_now_ms());
	if (!rc)
		user_ref_forget(st, j->target);
	return rc;
}

/* Channel jobs: create, join, leave and removal, join requests,
 * invitations, roles, channel edits, direct messages. Writer thread only. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* WEFT_OK when user is not a member of channel, WEFT_ECONFLICT when they
 * are. */
static int check_not_member(struct weft_store *st, int64_t channel, int64_t user)
{
	sqlite3_stmt *s = st->w[W_MEMBER_ROLE];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, user);
	int64_t role;
	int rc = step_int64(s, WEFT_ROLE_NONE, &role);
	return rc ? rc : role != WEFT_ROLE_NONE ? WEFT_ECONFLICT : WEFT_OK;
}

static int load_channel(struct weft_store *st, int64_t id, struct weft_channel_info *out)
{
	sqlite3_stmt *s = st->w[W_CHANNEL_BY_ID];
	sqlite3_bind_int64(s, 1, id);
	int rc = step_row(s);
	if (!rc)
		read_channel(s, 0, out);
	done_stmt(s);
	return rc;
}

static int add_member(struct weft_store *st, struct weft_job *j, int64_t channel, int64_t user,
		      int role, int64_t now)
{
	sqlite3_stmt *s = st->w[W_MEMBER_INSERT];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_int(s, 3, role);
	int rc = exec_changed(st, s);
	if (rc)
		return rc == WEFT_ENOTFOUND ? WEFT_ECONFLICT : rc; /* no row: already a member */
	int64_t seq;
	if ((rc = add_event(st, j, channel, WEFT_EV_JOIN, now, user, role, &seq)))
		return rc;
	s = st->w[W_MEMBER_JOINED];
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, channel);
	sqlite3_bind_int64(s, 3, user);
	return exec_stmt(s);
}

#define DAY_MS (24 * 3600 * 1000LL)

/* WEFT_ERATE (with retry_ms) when the user created quota channels in the
 * last 24 hours. */
static int check_quota(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_CHANNELS_CREATED];
	sqlite3_bind_int64(s, 1, j->user);
	sqlite3_bind_int64(s, 2, now - DAY_MS);
	int rc = step_row(s);
	if (!rc && sqlite3_column_int64(s, 0) >= j->quota) {
		j->retry_ms = sqlite3_column_int64(s, 1) + DAY_MS - now;
		rc = WEFT_ERATE;
	}
	done_stmt(s);
	return rc;
}

int run_channel_create(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int rc = j->quota ? check_quota(st, j, now) : WEFT_OK;
	if (rc)
		return rc;
	sqlite3_stmt *s = st->w[W_CHANNEL_INSERT];
	sqlite3_bind_text(s, 1, j->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, j->ckind);
	sqlite3_bind_int(s, 3, j->access);
	sqlite3_bind_text(s, 4, j->text ? j->text : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, j->user);
	sqlite3_bind_int64(s, 6, now);
	/* dm_key (7) stays NULL: only DMs have one. */
	rc = exec_stmt(s);
	if (rc)
		return rc; /* WEFT_ECONFLICT: the name is taken */
	j->id = j->channel = sqlite3_last_insert_rowid(st->wdb);
	if ((rc = load_channel(st, j->id, &j->chan)))
		return rc;
	return add_member(st, j, j->id, j->user, WEFT_ROLE_OWNER, now);
}

int join_defaults(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int rc = WEFT_OK;
	for (const char *p = j->defaults; !rc && *p;) {
		while (*p == ',' || *p == ' ')
			p++;
		size_t n = strcspn(p, ", ");
		char name[WEFT_CHANNEL_NAME_MAX + 1];
		if (n && n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			sqlite3_stmt *s = st->w[W_CHANNEL_BY_NAME];
			sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
			int64_t id;
			if (!(rc = step_int64(s, 0, &id)) && id)
				rc = add_member(st, j, id, j->target, WEFT_ROLE_MEMBER, now);
		}
		p += n;
	}
	return rc;
}

/* A member joining by themselves: open channels, or an invitation. */
int run_join(struct weft_store *st, struct weft_job *j, int64_t now)
{
	struct weft_channel_info ch;
	int rc = load_channel(st, j->channel, &ch);
	if (rc)
		return rc;
	if (ch.archived)
		return WEFT_EFORBIDDEN;
	bool invited;
	if ((rc = row_exists(st->w[W_INVITED], j->channel, j->target, &invited)))
		return rc;
	if (ch.access != WEFT_ACCESS_OPEN && !invited)
		return WEFT_EFORBIDDEN;
	if ((rc = ban_check(st, j->channel, j->target)))
		return rc;
	if ((rc = add_member(st, j, j->channel, j->target, j->role ? j->role : WEFT_ROLE_MEMBER, now)))
		return rc;
	sqlite3_stmt *s = st->w[W_INVITE_DELETE];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	if ((rc = exec_stmt(s)))
		return rc;
	s = st->w[W_REQ_CLOSE];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, j->target);
	return exec_stmt(s);
}

int run_request_file(struct weft_store *st, struct weft_job *j, int64_t now)
{
	struct weft_channel_info ch;
	int rc = load_channel(st, j->channel, &ch);
	if (rc)
		return rc;
	if (ch.access != WEFT_ACCESS_REQUEST || ch.archived || ch.kind == WEFT_KIND_DM)
		return WEFT_EFORBIDDEN;
	if ((rc = check_not_member(st, j->channel, j->user)) || (rc = ban_check(st, j->channel, j->user)))
		return rc;
	sqlite3_stmt *s = st->w[W_REQ_GET];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->user);
	int state = WEFT_REQ_NONE;
	int64_t decided = 0;
	if (!(rc = step_row(s))) {
		state = sqlite3_column_int(s, 0);
		decided = sqlite3_column_int64(s, 1);
	}
	done_stmt(s);
	if (rc && rc != WEFT_ENOTFOUND)
		return rc;
	if (state == WEFT_REQ_DECLINED && now - decided < j->cooldown_ms) {
		j->retry_ms = j->cooldown_ms - (now - decided);
		return WEFT_ERATE;
	}
	s = st->w[W_REQ_UPSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->user);
	sqlite3_bind_text(s, 3, j->text ? j->text : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	j->ts_ms = now;
	return exec_stmt(s);
}

int run_request_decide(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_REQ_DECIDE];
	sqlite3_bind_int(s, 1, j->flag ? WEFT_REQ_APPROVED : WEFT_REQ_DECLINED);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->user);
	sqlite3_bind_int64(s, 4, j->channel);
	sqlite3_bind_int64(s, 5, j->target);
	int rc = exec_changed(st, s);
	if (rc)
		return rc;
	if (!j->flag)
		return WEFT_OK;
	rc = add_member(st, j, j->channel, j->target, WEFT_ROLE_MEMBER, now);
	return rc == WEFT_ECONFLICT ? WEFT_OK : rc;
}

int run_invite(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int rc = check_active_user(st, j->target);
	if (rc || (rc = check_not_member(st, j->channel, j->target)) || (rc = ban_check(st, j->channel, j->target)))
		return rc;
	sqlite3_stmt *s = st->w[W_INVITE_INSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	sqlite3_bind_int64(s, 3, j->user);
	sqlite3_bind_int64(s, 4, now);
	return exec_stmt(s);
}

int run_uninvite(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_INVITE_DELETE];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	return exec_changed(st, s);
}

int run_role(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_ROLE_SET];
	sqlite3_bind_int(s, 1, j->role);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, j->target);
	int rc = exec_changed(st, s);
	if (rc || (rc = modlog_add(st, j->channel, "role", j->user, j->target, weft_role_name(j->role), now)))
		return rc;
	return add_event(st, j, j->channel, WEFT_EV_ROLE, now, j->target, j->role, NULL);
}

int run_channel_update(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_CHANNEL_UPDATE];
	if (j->name[0])
		sqlite3_bind_text(s, 1, j->name, -1, SQLITE_STATIC);
	if (j->text)
		sqlite3_bind_text(s, 2, j->text, -1, SQLITE_STATIC);
	if (j->access >= 0)
		sqlite3_bind_int(s, 3, j->access);
	if (j->archived >= 0)
		sqlite3_bind_int(s, 4, j->archived);
	sqlite3_bind_int64(s, 5, j->channel);
	int rc = exec_changed(st, s);
	if (rc)
		return rc; /* WEFT_ECONFLICT: the new name is taken */
	if (j->slow_set) {
		s = st->sw[SW_SLOW_SET];
		sqlite3_bind_int64(s, 1, j->channel);
		sqlite3_bind_int(s, 2, j->slow);
		if ((rc = exec_stmt(s)))
			return rc;
	}
	const char *action = j->archived > 0 ? "archive" : j->archived == 0 ? "unarchive" : "update";
	if ((rc = modlog_add(st, j->channel, action, j->user, 0, NULL, now)))
		return rc;
	if ((rc = load_channel(st, j->channel, &j->chan)))
		return rc;
	/* The event carries slow mode as it now is ({"slow":N}, issue 15). */
	s = st->sw[SW_SLOW_JSON];
	sqlite3_bind_int64(s, 1, j->channel);
	char *json = NULL;
	if (!(rc = step_row(s)))
		rc = dup_text(&json, s, 0);
	done_stmt(s);
	int64_t seq;
	if (!rc)
		rc = add_flag_event(st, j, WEFT_EV_CHANNEL, now, 0, json, false, &seq);
	free(json);
	return rc;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* A DM's key: its people's ids, sorted, comma-separated (an id takes at
 * most 20 digits). */
#define DM_KEY_BYTES ((WEFT_DM_MAX_OTHERS + 1) * 21)

/* The people of the DM the job opens (its user and users), sorted and
 * distinct, into ids[0..*n_out), and their key. Each other one must be an
 * active account. */
static int dm_people(struct weft_store *st, const struct weft_job *j, int64_t *ids, int *n_out,
		     char key[DM_KEY_BYTES])
{
	int n = 0;
	ids[n++] = j->user;
	for (int i = 0; i < j->nusers && i < WEFT_DM_MAX_OTHERS; i++)
		ids[n++] = j->users[i];
	qsort(ids, (size_t)n, sizeof *ids, cmp_id);
	int u = 0;
	for (int i = 0; i < n; i++)
		if (!u || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	n = u;
	if (n < 2)
		return WEFT_EINVAL;
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		int rc = ids[i] != j->user ? check_active_user(st, ids[i]) : WEFT_OK;
		if (rc)
			return rc;
		off += (size_t)snprintf(key + off, DM_KEY_BYTES - off, "%s%lld", i ? "," : "", (long long)ids[i]);
	}
	*n_out = n;
	return WEFT_OK;
}

/* A new DM channel for key, created by the job's user: *id. */
static int dm_create(struct weft_store *st, const struct weft_job *j, const char *key, int64_t now,
		     int64_t *id)
{
	char name[DM_KEY_BYTES + 3];
	/* Unique through dm_key until renamed to dm:<id> below. */
	snprintf(name, sizeof name, "dm:%s", key);
	sqlite3_stmt *s = st->w[W_CHANNEL_INSERT];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, WEFT_KIND_DM);
	sqlite3_bind_int(s, 3, WEFT_ACCESS_INVITE);
	sqlite3_bind_text(s, 4, "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, j->user);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_text(s, 7, key, -1, SQLITE_STATIC);
	int rc = exec_stmt(s);
	if (rc)
		return rc;
	int64_t created = sqlite3_last_insert_rowid(st->wdb);
	s = st->w[W_DM_RENAME];
	sqlite3_bind_int64(s, 1, created);
	if (!(rc = exec_stmt(s)))
		*id = created;
	return rc;
}

/* The DM of exactly {user} + users: found again, or created; every one of
 * them is (again) a member. */
int run_dm_open(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int64_t ids[WEFT_DM_MAX_OTHERS + 1], id;
	char key[DM_KEY_BYTES];
	int n;
	int rc = dm_people(st, j, ids, &n, key);
	if (rc)
		return rc;
	sqlite3_stmt *s = st->w[W_DM_FIND];
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if ((rc = step_int64(s, 0, &id)))
		return rc;
	j->flag = id == 0;
	if (!id && (rc = dm_create(st, j, key, now, &id)))
		return rc;
	j->id = j->channel = id;
	if ((rc = load_channel(st, id, &j->chan)))
		return rc;
	for (int i = 0; i < n; i++) {
		rc = add_member(st, j, id, ids[i], WEFT_ROLE_MEMBER, now);
		if (rc && rc != WEFT_ECONFLICT)
			return rc;
	}
	return WEFT_OK;
}

/* A removal by a moderator (REMOVE) is logged; with flag it bans too,
 * also someone who is not a member now (no leave event then). */
int run_leave(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_MEMBER_DELETE];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, j->target);
	int rc = exec_changed(st, s);
	bool member = !rc;
	if (rc && !(rc == WEFT_ENOTFOUND && j->kind == WEFT_JOB_REMOVE && j->flag))
		return rc;
	if (j->kind == WEFT_JOB_REMOVE) {
		if (j->flag) {
			s = st->sw[SW_BAN_SET];
			sqlite3_bind_int64(s, 1, j->channel);
			sqlite3_bind_int64(s, 2, j->target);
			sqlite3_bind_int64(s, 3, j->user);
			sqlite3_bind_int64(s, 4, now);
			if ((rc = exec_stmt(s)))
				return rc;
		}
		if ((rc = modlog_add(st, j->channel, j->flag ? "ban" : "remove", j->user, j->target, j->text, now)))
			return rc;
	}
	return member ? add_event(st, j, j->channel, WEFT_EV_LEAVE, now, j->target, 0, NULL) : WEFT_OK;
}

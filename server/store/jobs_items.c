/* Action item jobs (create, update: item events whose JSON payload SQLite
 * builds from the row), the digest's opt-out, and the digest's scan: who
 * has open items due today or overdue, each with the text of the one
 * message the system account sends them. Writer thread only, inside the
 * batch's transaction. */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The item event of item id, as its row now is. */
static int item_event(struct weft_store *st, struct weft_job *j, int64_t id, int64_t now)
{
	sqlite3_stmt *s = st->cw[CW_ITEM_JSON];
	sqlite3_bind_int64(s, 1, id);
	int rc = step_row(s);
	char *json = NULL;
	if (!rc)
		rc = dup_text(&json, s, 0);
	done_stmt(s);
	if (rc || !json) {
		free(json);
		return rc && rc != WEFT_ENOTFOUND ? rc : WEFT_EIO;
	}
	int64_t seq;
	rc = add_flag_event(st, j, WEFT_EV_ITEM, now, id, json, false, &seq);
	free(json);
	return rc;
}

/* An owner must be an active member of the channel. */
static int check_owner(struct weft_store *st, struct weft_job *j)
{
	bool ok = true;
	int rc = j->item_owner ? row_exists(st->cw[CW_MEMBER_OK], j->channel, j->item_owner, &ok) : WEFT_OK;
	return rc ? rc : ok ? WEFT_OK : WEFT_EINVAL;
}

static void bind_opt_int(sqlite3_stmt *s, int col, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, col, v);
	else
		sqlite3_bind_null(s, col);
}

static void bind_opt_text(sqlite3_stmt *s, int col, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, col, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, col);
}

static int run_create(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int rc = check_owner(st, j);
	if (rc)
		return rc;
	if (j->thread) {
		/* From a message: one of this channel, not deleted. */
		bool ok;
		if ((rc = row_exists(st->cw[CW_MESSAGE_OK], j->thread, j->channel, &ok)))
			return rc;
		if (!ok)
			return WEFT_ENOTFOUND;
	}
	sqlite3_stmt *s = st->cw[CW_ITEM_INSERT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_text(s, 2, j->text, -1, SQLITE_STATIC);
	bind_opt_int(s, 3, j->item_owner);
	bind_opt_text(s, 4, j->due);
	sqlite3_bind_int64(s, 5, j->user);
	bind_opt_int(s, 6, j->thread);
	sqlite3_bind_int64(s, 7, now);
	sqlite3_bind_int64(s, 8, now);
	if ((rc = exec_stmt(s)))
		return rc;
	j->id = sqlite3_last_insert_rowid(st->wdb);
	return item_event(st, j, j->id, now);
}

/* Whoever created it, its owner, and the channel's moderators may change
 * an item; nothing that changes nothing makes an event. */
static int run_update(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->cw[CW_ITEM_GET];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->channel);
	int rc = step_row(s);
	int64_t by = rc ? 0 : sqlite3_column_int64(s, 0), owner = rc ? 0 : sqlite3_column_int64(s, 1);
	done_stmt(s);
	if (rc)
		return rc;
	if (j->user != by && j->user != owner && !j->flag)
		return WEFT_EFORBIDDEN;
	if ((j->item_set & WEFT_ITEM_SET_OWNER) && (rc = check_owner(st, j)))
		return rc;
	int fields = (int)j->item_set; /* the bits CW_ITEM_UPDATE's ?2 takes */
	s = st->cw[CW_ITEM_UPDATE];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int(s, 2, fields);
	bind_opt_text(s, 3, j->text);
	bind_opt_int(s, 4, j->item_owner);
	bind_opt_text(s, 5, j->due);
	sqlite3_bind_int(s, 6, j->status);
	sqlite3_bind_int64(s, 7, now);
	if ((rc = exec_stmt(s)))
		return rc;
	j->id = j->target;
	if (sqlite3_changes(st->wdb) == 0)
		return WEFT_OK; /* as it was: ok, no event */
	return item_event(st, j, j->target, now);
}

#define DIGEST_LIST_MAX 10 /* items one digest names; the rest are counted */

/* One user's digest text into out (cap bytes): a line per item (at most
 * DIGEST_LIST_MAX) with a link to the message it came from or its channel. */
struct digest {
	int64_t user;
	int n;
	size_t len;
	char body[3800];
};

static void digest_line(struct digest *d, const char *base, const char *today, sqlite3_stmt *s)
{
	if (d->n++ >= DIGEST_LIST_MAX)
		return;
	char title[WEFT_ITEM_TITLE_MAX * 4 + 1], channel[WEFT_CHANNEL_NAME_MAX + 1], due[16], link[160];
	copy_text(channel, sizeof channel, s, 3);
	copy_text(title, sizeof title, s, 4);
	copy_text(due, sizeof due, s, 5);
	int64_t ch = sqlite3_column_int64(s, 2), msg = sqlite3_column_int64(s, 6);
	if (msg)
		snprintf(link, sizeof link, "%s/#/c/%lld/m/%lld", base, (long long)ch, (long long)msg);
	else
		snprintf(link, sizeof link, "%s/#/c/%lld", base, (long long)ch);
	bool overdue = strcmp(due, today) < 0;
	int w = snprintf(d->body + d->len, sizeof d->body - d->len, "\n• %s%s: %s (#%s) %s",
			 overdue ? "Overdue since " : "Due today", overdue ? due : "", title, channel, link);
	if (w > 0 && d->len + (size_t)w < sizeof d->body)
		d->len += (size_t)w;
}

static bool digest_finish(struct digest *d, cJSON *list)
{
	if (d->n > DIGEST_LIST_MAX)
		d->len += (size_t)snprintf(d->body + d->len, sizeof d->body - d->len, "\n…and %d more.",
					   d->n - DIGEST_LIST_MAX);
	snprintf(d->body + d->len, sizeof d->body - d->len,
		 "\n\nOpen Action items to update them. To stop this daily message, turn off the digest there.");
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddNumberToObject(o, "user", (double)d->user) || !cJSON_AddStringToObject(o, "body", d->body)) {
		cJSON_Delete(o);
		return false;
	}
	cJSON_AddItemToArray(list, o);
	return true;
}

static int run_digest_scan(struct weft_store *st, struct weft_job *j)
{
	int64_t weft;
	int rc = step_int64(st->cw[CW_SYSTEM_USER], 0, &weft);
	if (rc)
		return rc;
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "digests");
	if (!out || !list || !cJSON_AddNumberToObject(out, "weft", (double)weft)) {
		cJSON_Delete(out);
		return WEFT_ENOMEM;
	}
	struct digest *d = calloc(1, sizeof *d);
	sqlite3_stmt *s = st->cw[CW_DIGEST_DUE];
	sqlite3_bind_text(s, 1, j->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, weft);
	int step = SQLITE_DONE;
	rc = d ? WEFT_OK : WEFT_ENOMEM;
	while (!rc && weft && (step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t user = sqlite3_column_int64(s, 0);
		if (user != d->user) {
			if (d->user && !digest_finish(d, list))
				rc = WEFT_ENOMEM;
			memset(d, 0, sizeof *d);
			d->user = user;
			d->len = (size_t)snprintf(d->body, sizeof d->body, "Your action items due by %s:", j->name);
		}
		digest_line(d, j->text ? j->text : "", j->name, s);
	}
	if (!rc)
		rc = step_rc(s, step);
	done_stmt(s);
	if (!rc && d->user && !digest_finish(d, list))
		rc = WEFT_ENOMEM;
	free(d);
	if (!rc && !(j->out = cJSON_PrintUnformatted(out)))
		rc = WEFT_ENOMEM;
	cJSON_Delete(out);
	return rc;
}

int run_item(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s;
	switch (j->kind) {
	case WEFT_JOB_ITEM_CREATE:
		return run_create(st, j, now);
	case WEFT_JOB_ITEM_UPDATE:
		return run_update(st, j, now);
	case WEFT_JOB_DIGEST_SET:
		s = st->cw[CW_DIGEST_SET];
		sqlite3_bind_int64(s, 1, j->user);
		sqlite3_bind_int(s, 2, j->flag);
		return exec_changed(st, s);
	case WEFT_JOB_DIGEST_SCAN:
		return run_digest_scan(st, j);
	default:
		return WEFT_EINVAL;
	}
}

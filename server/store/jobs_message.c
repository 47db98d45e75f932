/* Message jobs: send, edit, delete, read marks. Writer thread only. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* Names of message authors, cached by the writer (direct-mapped by id).
 * A user's name never changes and users are never deleted; the display
 * name changes only through run_profile_update, which forgets the slot. */
#define USER_SLOTS 1024

struct user_slot {
	struct weft_user_ref ref;       /* ref.id 0: empty */
};

void user_ref_forget(struct weft_store *st, int64_t user)
{
	if (st->users && st->users[(uint64_t)user % USER_SLOTS].ref.id == user)
		st->users[(uint64_t)user % USER_SLOTS].ref.id = 0;
}

/* The author's name and display name, from the cache or the database. */
static int user_ref(struct weft_store *st, int64_t id, struct weft_user_ref *out)
{
	if (!st->users && !(st->users = calloc(USER_SLOTS, sizeof *st->users)))
		return WEFT_ENOMEM;
	struct user_slot *slot = &st->users[(uint64_t)id % USER_SLOTS];
	if (slot->ref.id != id) {
		sqlite3_stmt *s = st->w[W_USER_REF];
		sqlite3_bind_int64(s, 1, id);
		int rc = sqlite3_step(s) == SQLITE_ROW ? WEFT_OK : WEFT_EIO;
		if (!rc) {
			slot->ref.id = id;
			copy_text(slot->ref.name, sizeof slot->ref.name, s, 0);
			copy_text(slot->ref.display, sizeof slot->ref.display, s, 1);
		}
		done_stmt(s);
		if (rc)
			return rc;
	}
	*out = slot->ref;
	return WEFT_OK;
}

/* The original message of a repeated (author, client_id): the job's
 * answer. Its seq, not a new one. */
static int send_duplicate(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_MSG_BY_CLIENT];
	sqlite3_bind_int64(s, 1, j->user);
	sqlite3_bind_text(s, 2, j->client_id, -1, SQLITE_STATIC);
	int64_t prior;
	int rc = step_int64(s, 0, &prior);
	if (rc)
		return rc;
	if (!prior)
		return WEFT_ENOTFOUND;
	j->duplicate = true;
	j->id = prior;
	return load_event(st, prior, &j->ev);
}

/* Takes back a send's event (seq, the newest) and AUTOINCREMENT's counter;
 * false if either did not change exactly one row. */
static bool undo_send_event(struct weft_store *st, int64_t seq)
{
	sqlite3_stmt *s = st->w[W_SEND_UNDO];
	sqlite3_bind_int64(s, 1, seq);
	if (exec_stmt(s) || sqlite3_changes(st->wdb) != 1)
		return false;
	s = st->w[W_SEQ_UNDO];
	sqlite3_bind_int64(s, 1, seq);
	return !exec_stmt(s) && sqlite3_changes(st->wdb) == 1;
}

/* Adds message id's body (NULL: none, a deleted message) to the search
 * index. */
static int index_add(struct weft_store *st, int64_t id, const char *body)
{
	sqlite3_stmt *s = st->w[W_INDEX_ADD];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, body, -1, SQLITE_STATIC);
	return exec_stmt(s);
}

/* Takes the live message id of the job's channel out of the search index
 * (nothing when there is no such message: the change that follows fails
 * the same way). */
static int index_drop(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_INDEX_DROP];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->channel);
	return exec_stmt(s);
}

/* What a new message adds besides its row: its words in the search index,
 * its root's thread summary, and its mentions (only a body with an @ can
 * mention anyone, or @here and @channel, which the service thread found).
 * Into the job's event. */
static int send_extras(struct weft_store *st, struct weft_job *j, int64_t seq, int64_t now)
{
	struct weft_event *ev = &j->ev;
	/* A confidential message's words never enter the index (issue 15):
	 * they are never searched, and the index keeps no copy to erase. */
	int rc = index_add(st, seq, j->confidential ? NULL : j->text);
	if (rc)
		return rc;
	if (j->thread) {
		sqlite3_stmt *s = st->w[W_THREAD_ADD];
		sqlite3_bind_int64(s, 1, j->thread);
		sqlite3_bind_int64(s, 2, seq);
		int64_t count;
		rc = step_int64(s, 0, &count);
		if (rc)
			return rc;
		ev->root = (struct weft_thread_root){ j->thread, (int)count, seq, now };
	}
	if (j->nfiles && (rc = files_attach(st, j, seq, &ev->msg.files)))
		return rc;
	if (strchr(j->text, '@') || j->mention_all || j->nhere)
		return mentions_record(st, j, seq, j->text, &ev->msg.mentions);
	return WEFT_OK;
}

/* A send is two statements: the event (with the membership check) and the
 * message. A repeated client_id is found by the UNIQUE index on (author,
 * client_id) refusing the message, not by a lookup before every send.
 * Sends run without a savepoint of their own (see commit_batch), so when
 * the message is refused the event inserted just before is deleted here
 * and AUTOINCREMENT's counter handed back (the event was the newest: one
 * writer), as the savepoint's rollback would have. If that fails, the
 * transaction is marked broken and the whole batch rolls back, as it is
 * when what follows the message row (send_extras) fails. The committed
 * event is built from what the job holds, not read back. */
int run_send(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s;
	int rc;
	if (j->thread) {
		/* A reply to a reply joins its root's thread. */
		s = st->w[W_MSG_ROOT];
		sqlite3_bind_int64(s, 1, j->thread);
		sqlite3_bind_int64(s, 2, j->channel);
		int64_t root;
		if ((rc = step_int64(s, 0, &root)))
			return rc;
		if (!root)
			return j->client_id[0] && send_duplicate(st, j) == WEFT_OK ? WEFT_OK : WEFT_EINVAL;
		j->thread = root;
	}
	if (j->nfiles && (rc = files_check(st, j))) {
		/* A repeat of a send whose files it attached gets its original. */
		return rc == WEFT_EINVAL && j->client_id[0] && send_duplicate(st, j) == WEFT_OK ? WEFT_OK : rc;
	}
	struct weft_user_ref author;
	if ((rc = user_ref(st, j->user, &author)))
		return rc;
	s = st->w[W_SEND_EVENT];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->user);
	if ((rc = exec_stmt(s)))
		return rc;
	if (sqlite3_changes(st->wdb) == 0) {
		/* Not a member (any more): a repeat of a send made while one
		 * still gets its original. */
		return j->client_id[0] && send_duplicate(st, j) == WEFT_OK ? WEFT_OK : WEFT_EFORBIDDEN;
	}
	int64_t seq = st->seen_seq = sqlite3_last_insert_rowid(st->wdb);
	s = st->w[W_MSG_INSERT];
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, j->user);
	sqlite3_bind_text(s, 4, j->text, -1, SQLITE_STATIC);
	if (j->thread)
		sqlite3_bind_int64(s, 5, j->thread);
	if (j->client_id[0])
		sqlite3_bind_text(s, 6, j->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, now);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		rc = sqlite3_extended_errcode(st->wdb);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		if (!undo_send_event(st, seq)) {
			st->txn_broken = true;
			return WEFT_EIO;
		}
		if (rc == SQLITE_CONSTRAINT_UNIQUE && j->client_id[0])
			return send_duplicate(st, j);
		weft_err("store.step_failed sql=%s error=%s", sqlite3_sql(s), sqlite3_errstr(rc));
		return map_sqlite(rc);
	}
	if (j->confidential) { /* sent in a confidential live session (issue 15) */
		s = st->sw[SW_MSG_CONFIDENTIAL];
		sqlite3_bind_int64(s, 1, seq);
		sqlite3_bind_int64(s, 2, j->confidential);
		if ((rc = exec_stmt(s))) {
			st->txn_broken = true;
			return rc;
		}
	}
	if ((rc = send_extras(st, j, seq, now))) {
		st->txn_broken = true;
		return rc;
	}
	j->id = j->seq = seq;
	struct weft_event *ev = &j->ev;
	ev->seq = seq;
	ev->channel = j->channel;
	ev->ts_ms = now;
	ev->kind = WEFT_EV_MESSAGE;
	struct weft_message *m = &ev->msg;
	m->id = seq;
	m->channel = j->channel;
	m->thread = j->thread;
	m->ts_ms = now;
	m->author = author;
	memcpy(m->client_id, j->client_id, sizeof m->client_id);
	m->confidential = j->confidential;
	m->body = j->text;   /* the event takes the body over (ev->msg.mentions is set) */
	j->text = NULL;
	return WEFT_OK;
}

/* A deleted message takes its words in the search index, its reactions,
 * mentions and files along (the files' blobs go after the commit, once
 * nothing names them: j->gone), and leaves its thread's summary recounted. */
static int delete_message(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int rc = index_drop(st, j);
	if (rc)
		return rc;
	sqlite3_stmt *s = st->w[W_MSG_DELETE];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, j->target);
	sqlite3_bind_int64(s, 3, j->channel);
	int64_t root = 0;
	rc = step_row(s);
	if (!rc)
		root = sqlite3_column_int64(s, 0);
	done_stmt(s);
	if (rc)
		return rc;
	/* Back in the index as an empty document: FTS5 expects a row for
	 * every row of its content table (its integrity-check and 'rebuild'
	 * then agree with the index), and a NULL body has no words. */
	if ((rc = index_add(st, j->target, NULL)))
		return rc;
	st->scrub_pending = true;
	static const int drops[] = { W_REACTIONS_DROP, W_MENTIONS_DROP };
	for (size_t k = 0; k < sizeof drops / sizeof drops[0]; k++) {
		s = st->w[drops[k]];
		sqlite3_bind_int64(s, 1, j->target);
		if ((rc = exec_stmt(s)))
			return rc;
	}
	if ((rc = files_drop(st, j, j->target)))
		return rc;
	if (root) {
		s = st->w[W_THREAD_RECOUNT];
		sqlite3_bind_int64(s, 1, root);
		rc = step_row(s);
		done_stmt(s);
		if (rc)
			return rc;
	}
	return add_event(st, j, j->channel, WEFT_EV_DELETE, now, j->target, 0, NULL);
}

int erase_message(struct weft_store *st, struct weft_job *j, int64_t id, int64_t now)
{
	int64_t keep = j->target;
	j->target = id;
	int rc = delete_message(st, j, now);
	j->target = keep;
	return rc;
}

/* An edit replaces the message's words in the search index: the old body
 * out before the row changes (FTS5 must be told the text it indexed), the
 * new one in after. Both in the job's savepoint, so a failed edit leaves
 * the index as it was. */
int run_edit_delete(struct weft_store *st, struct weft_job *j, int64_t now)
{
	if (j->kind == WEFT_JOB_DELETE) {
		/* A moderator deleting someone else's message: the moderation log. */
		sqlite3_stmt *s = st->sw[SW_MODLOG_DELETE];
		sqlite3_bind_int64(s, 1, j->channel);
		sqlite3_bind_int64(s, 2, j->user);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_int64(s, 4, j->target);
		int rc = exec_stmt(s);
		return rc ? rc : delete_message(st, j, now);
	}
	int rc = index_drop(st, j);
	if (rc)
		return rc;
	sqlite3_stmt *s = st->w[W_MSG_EDIT];
	sqlite3_bind_text(s, 1, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, j->target);
	sqlite3_bind_int64(s, 4, j->channel);
	int64_t confidential = 0;
	if (!(rc = exec_changed(st, s))) {
		s = st->sw[SW_MSG_CONF];
		sqlite3_bind_int64(s, 1, j->target);
		rc = step_int64(s, 0, &confidential);
	}
	if (!rc)
		rc = index_add(st, j->target, confidential ? NULL : j->text);
	char *mentions = NULL;
	if (!rc)
		rc = mentions_record(st, j, j->target, j->text, &mentions);
	free(mentions); /* the edit event reads them back */
	return rc ? rc : add_event(st, j, j->channel, WEFT_EV_EDIT, now, j->target, 0, NULL);
}

int run_read_mark(struct weft_store *st, struct weft_job *j)
{
	sqlite3_stmt *s = st->w[j->flag ? W_READ_SET : W_READ_MARK];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_int64(s, 2, j->channel);
	sqlite3_bind_int64(s, 3, j->user);
	return exec_stmt(s);
}

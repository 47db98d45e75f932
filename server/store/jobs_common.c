/* What the job bodies (jobs_*.c) share: logging an event and recording it
 * in the job, a write that must change a row, an active account. Writer
 * thread only (or weft_store_run_sync's caller while no writer runs),
 * inside the batch's transaction. */
#include "store_int.h"

#include <stdlib.h>


/* ref, role: 0 for none; data, flag: NULL, -1 for none. */
static int insert_event(struct weft_store *st, int64_t channel, int kind, int64_t ts,
			int64_t actor, int64_t ref, int role, const char *data, int flag, int64_t *seq)
{
	sqlite3_stmt *s = st->w[W_EVENT_INSERT];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int(s, 2, kind);
	sqlite3_bind_int64(s, 3, ts);
	sqlite3_bind_int64(s, 4, actor);
	if (ref)
		sqlite3_bind_int64(s, 5, ref);
	if (role)
		sqlite3_bind_int(s, 6, role);
	if (data)
		sqlite3_bind_text(s, 7, data, -1, SQLITE_STATIC);
	if (flag >= 0)
		sqlite3_bind_int(s, 8, flag);
	int rc = exec_stmt(s);
	if (!rc)
		*seq = st->seen_seq = sqlite3_last_insert_rowid(st->wdb);
	return rc;
}

int load_event(struct weft_store *st, int64_t seq, struct weft_event *ev)
{
	sqlite3_stmt *s = st->w[W_EVENT_BY_SEQ];
	sqlite3_bind_int64(s, 1, seq);
	int rc = step_row(s);
	if (!rc)
		rc = read_event(s, ev);
	else if (rc == WEFT_ENOTFOUND)
		rc = WEFT_EIO; /* the job's own event: it must be there */
	done_stmt(s);
	return rc;
}

/* Records a committed event of the job: the first in ev, later ones in more. */
int push_event(struct weft_store *st, struct weft_job *j, int64_t seq)
{
	if (!j->seq) {
		j->seq = seq;
		return load_event(st, seq, &j->ev);
	}
	struct weft_event *p = realloc(j->more, (size_t)(j->nmore + 1) * sizeof *p);
	if (!p)
		return WEFT_ENOMEM;
	j->more = p;
	int rc = load_event(st, seq, &j->more[j->nmore]);
	if (!rc)
		j->nmore++;
	return rc;
}

int load_foreign(struct weft_store *st, struct weft_job *j, int64_t after, int max)
{
	sqlite3_stmt *s = st->w[W_EVENTS_AFTER];
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, max);
	int64_t seqs[256];
	int n = 0, rc;
	/* Seqs first, then each event by push_event: one statement at a time. */
	while (n < (int)(sizeof seqs / sizeof seqs[0]) && (rc = step_row(s)) == WEFT_OK)
		seqs[n++] = sqlite3_column_int64(s, 0);
	done_stmt(s);
	if (rc != WEFT_OK && rc != WEFT_ENOTFOUND)
		return rc;
	for (int i = 0; i < n; i++)
		if ((rc = push_event(st, j, seqs[i])))
			return rc;
	return WEFT_OK;
}

int add_event(struct weft_store *st, struct weft_job *j, int64_t channel, int kind, int64_t now,
	      int64_t ref, int role, int64_t *seq_out)
{
	int64_t seq;
	int rc = insert_event(st, channel, kind, now, j->user, ref, role, NULL, -1, &seq);
	if (!rc && !(rc = push_event(st, j, seq)) && seq_out)
		*seq_out = seq;
	return rc;
}

int add_flag_event(struct weft_store *st, struct weft_job *j, int kind, int64_t now, int64_t ref,
		   const char *data, bool flag, int64_t *seq_out)
{
	int64_t seq;
	int rc = insert_event(st, j->channel, kind, now, j->user, ref, 0, data, flag, &seq);
	if (!rc && !(rc = push_event(st, j, seq)))
		*seq_out = seq;
	return rc;
}

int exec_changed(struct weft_store *st, sqlite3_stmt *s)
{
	int rc = exec_stmt(s);
	if (!rc && sqlite3_changes(st->wdb) == 0)
		rc = WEFT_ENOTFOUND;
	return rc;
}

int check_active_user(struct weft_store *st, int64_t user)
{
	sqlite3_stmt *s = st->w[W_USER_ACTIVE_OK];
	sqlite3_bind_int64(s, 1, user);
	int rc = step_row(s);
	done_stmt(s);
	return rc;
}

/* Full-text search of message bodies, on read-only connections of its own:
 * each searcher is one connection with the search statement (SQL in
 * stmt.c), used by one worker thread at a time (server/cmd/search.c hands
 * them out), so an FTS query never runs on the service thread nor holds up
 * its read connection. WAL lets searches run beside the writer; each sees
 * the last commit when it starts. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

struct weft_searcher {
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t deadline_ms;    /* the running search stops past this (weft_mono_ms) */
};

/* SQLite's progress callback: nonzero interrupts the statement. */
static int past_deadline(void *arg)
{
	struct weft_searcher *se = arg;
	return weft_mono_ms() > se->deadline_ms;
}

int weft_store_searcher_open(struct weft_store *st, struct weft_searcher **out)
{
	struct weft_searcher *se = calloc(1, sizeof *se);
	if (!se)
		return WEFT_ENOMEM;
	int rc = WEFT_EIO;
	if (sqlite3_open_v2(st->path, &se->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, store_vfs()) != SQLITE_OK) {
		weft_err("store.open_failed path=%s for=search", st->path);
		goto out;
	}
	sqlite3_busy_timeout(se->db, 2000);
	/* 16 MiB of pages: the index's upper levels and the messages a search
	 * joins stay cached between searches (the default is 2 MiB). */
	if ((rc = exec_sql(se->db, "PRAGMA cache_size=-16384")) || (rc = stmt_prepare_search(se->db, &se->s)))
		goto out;
	sqlite3_progress_handler(se->db, 1000, past_deadline, se);
	*out = se;
	return WEFT_OK;
out:
	weft_store_searcher_close(se);
	return rc;
}

void weft_store_searcher_close(struct weft_searcher *se)
{
	if (!se)
		return;
	sqlite3_finalize(se->s);
	sqlite3_close(se->db);
	free(se);
}

void weft_search_hit_clear(struct weft_search_hit *h)
{
	weft_message_clear(&h->msg);
	free(h->snippet);
	h->snippet = NULL;
}

static int read_hit(sqlite3_stmt *s, struct weft_search_hit *h)
{
	memset(h, 0, sizeof *h);
	int rc = read_message(s, 0, &h->msg);
	if (rc)
		return rc;
	copy_text(h->channel_name, sizeof h->channel_name, s, SEARCH_COL_CHANNEL);
	h->channel_kind = sqlite3_column_int(s, SEARCH_COL_CHANNEL + 1);
	if ((rc = dup_text(&h->snippet, s, SEARCH_COL_CHANNEL + 2)))
		weft_message_clear(&h->msg);
	return rc;
}

static void bind_name(sqlite3_stmt *s, int col, const char *name)
{
	if (name && *name)
		sqlite3_bind_text(s, col, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, col);
}

int weft_store_search(struct weft_searcher *se, const struct weft_search_params *p, int timeout_ms,
		      struct weft_search_hit *out, int *n, bool *more)
{
	sqlite3_stmt *s = se->s;
	sqlite3_bind_text(s, 1, p->match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, p->user);
	sqlite3_bind_int64(s, 3, p->before > 0 ? p->before : INT64_MAX);
	sqlite3_bind_int64(s, 4, p->channel);
	sqlite3_bind_int64(s, 5, p->from);
	bind_name(s, 6, p->from_name);
	bind_name(s, 7, p->in_name);
	sqlite3_bind_int(s, 8, p->limit + 1);
	se->deadline_ms = weft_mono_ms() + timeout_ms;
	int count = 0, rc = WEFT_OK, step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW && count < p->limit) {
		if ((rc = read_hit(s, &out[count])))
			break;
		count++;
	}
	bool past = step == SQLITE_ROW && count == p->limit;
	if (!rc && step == SQLITE_INTERRUPT)
		rc = WEFT_EBUSY; /* past the deadline: not logged, an answer */
	else if (!rc && step != SQLITE_ROW)
		rc = step_rc(s, step);
	done_stmt(s);
	if (rc) {
		for (int i = 0; i < count; i++)
			weft_search_hit_clear(&out[i]);
		return rc;
	}
	*n = count;
	*more = past;
	return WEFT_OK;
}

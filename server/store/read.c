/* The read-only connection's queries: every one indexed and bounded.
 * Service thread only (the connection and its statements are its own);
 * WAL lets them run beside the writer. */
#include "store_int.h"

#include <string.h>

/* ---- Row readers for read_rows (struct rows). */

static int row_message(sqlite3_stmt *s, void *row)
{
	return read_message(s, 0, row);
}

static void clear_message(void *row)
{
	weft_message_clear(row);
}

static int row_event(sqlite3_stmt *s, void *row)
{
	return read_event(s, row);
}

static void clear_event(void *row)
{
	weft_event_clear(row);
}

static int row_member(sqlite3_stmt *s, void *row)
{
	struct weft_member_row *m = row;
	memset(m, 0, sizeof *m);
	read_user_ref(s, 0, &m->user);
	m->role = sqlite3_column_int(s, 3);
	return WEFT_OK;
}

int read_profile(sqlite3_stmt *s, void *row)
{
	struct weft_profile *p = row;
	memset(p, 0, sizeof *p);
	read_user_ref(s, 0, &p->user);
	copy_text(p->jurisdiction, sizeof p->jurisdiction, s, 3);
	copy_text(p->region, sizeof p->region, s, 4);
	copy_text(p->title, sizeof p->title, s, 5);
	p->admin = sqlite3_column_int(s, 6) != 0;
	p->active = sqlite3_column_int(s, 7) != 0;
	p->has_password = sqlite3_column_int(s, 8) != 0;
	copy_text(p->pronouns, sizeof p->pronouns, s, 9);
	copy_text(p->bio, sizeof p->bio, s, 10);
	p->weaver = sqlite3_column_int(s, 11) != 0;
	copy_text(p->focus, sizeof p->focus, s, 12);
	p->system = sqlite3_column_int(s, 13) != 0;
	return WEFT_OK;
}

static int row_request(sqlite3_stmt *s, void *row)
{
	struct weft_request_row *r = row;
	memset(r, 0, sizeof *r);
	read_user_ref(s, 0, &r->user);
	copy_text(r->note, sizeof r->note, s, 3);
	r->ts_ms = sqlite3_column_int64(s, 4);
	r->state = sqlite3_column_int(s, 5);
	r->decided_ms = sqlite3_column_int64(s, 6);
	return WEFT_OK;
}

static int row_id(sqlite3_stmt *s, void *row)
{
	*(int64_t *)row = sqlite3_column_int64(s, 0);
	return WEFT_OK;
}

/* ---- Sessions and accounts. */

int weft_store_session_get(struct weft_store *st, const unsigned char hash[32],
			   int64_t now_ms, int64_t idle_ms, struct weft_session *out)
{
	sqlite3_stmt *s = st->r[R_SESSION];
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	int rc = step_row(s);
	if (rc == WEFT_ENOTFOUND)
		rc = WEFT_EAUTH;
	if (!rc) {
		struct weft_session ses = { 0 };
		ses.id = sqlite3_column_int64(s, 0);
		ses.user_id = ses.user.id = sqlite3_column_int64(s, 1);
		ses.expires_ms = sqlite3_column_int64(s, 2);
		ses.last_used_ms = sqlite3_column_int64(s, 3);
		ses.admin = sqlite3_column_int(s, 4) != 0;
		copy_text(ses.user.name, sizeof ses.user.name, s, 5);
		copy_text(ses.user.display, sizeof ses.user.display, s, 6);
		if (now_ms < ses.expires_ms && now_ms - ses.last_used_ms < idle_ms)
			*out = ses;
		else
			rc = WEFT_EAUTH;
	}
	done_stmt(s);
	return rc;
}

int weft_store_user_by_name(struct weft_store *st, const char *name, struct weft_user_auth *out)
{
	sqlite3_stmt *s = st->r[R_USER_BY_NAME];
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = step_row(s);
	if (!rc) {
		memset(out, 0, sizeof *out);
		read_user_ref(s, 0, &out->user);
		out->admin = sqlite3_column_int(s, 3) != 0;
		out->active = sqlite3_column_int(s, 4) != 0;
		copy_text(out->pw_hash, sizeof out->pw_hash, s, 5);
	}
	done_stmt(s);
	return rc;
}

int weft_store_user_get(struct weft_store *st, int64_t id, struct weft_profile *out)
{
	sqlite3_stmt *s = st->r[R_USER_GET];
	sqlite3_bind_int64(s, 1, id);
	int rc = step_row(s);
	if (!rc)
		read_profile(s, out);
	done_stmt(s);
	return rc;
}

int weft_store_user_find(struct weft_store *st, const char *q, bool include_inactive,
			 struct weft_profile *out, int max, int *n)
{
	/* %q% with LIKE's wildcards in q escaped, so they match themselves. */
	char pattern[256];
	size_t o = 0;
	pattern[o++] = '%';
	for (const char *p = q; *p && o < sizeof pattern - 3; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			pattern[o++] = '\\';
		pattern[o++] = *p;
	}
	pattern[o++] = '%';
	pattern[o] = '\0';
	sqlite3_stmt *s = st->r[R_USER_FIND];
	sqlite3_bind_text(s, 1, pattern, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, max);
	sqlite3_bind_int(s, 3, include_inactive);
	return read_rows(s, &(struct rows){ out, sizeof *out, read_profile, NULL }, max, n);
}

/* Calls cb with the first column of every row of s bound to since_ms. */
static int each_id_since(sqlite3_stmt *s, int64_t since_ms, void (*cb)(void *arg, int64_t id), void *arg)
{
	sqlite3_bind_int64(s, 1, since_ms);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		cb(arg, sqlite3_column_int64(s, 0));
	int rc = step_rc(s, step);
	done_stmt(s);
	return rc;
}

int weft_store_deactivated_since(struct weft_store *st, int64_t since_ms,
				 void (*cb)(void *arg, int64_t user), void *arg)
{
	return each_id_since(st->r[R_DEACTIVATED], since_ms, cb, arg);
}

int weft_store_revoked_since(struct weft_store *st, int64_t since_ms,
			     void (*cb)(void *arg, int64_t session), void *arg)
{
	return each_id_since(st->r[R_REVOKED], since_ms, cb, arg);
}

int weft_store_signup_get(struct weft_store *st, const unsigned char hash[32], int64_t now_ms,
			  int64_t *user_out)
{
	sqlite3_stmt *s = st->r[R_SIGNUP];
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	int rc = step_row(s);
	if (!rc)
		*user_out = sqlite3_column_int64(s, 0);
	done_stmt(s);
	return rc;
}

/* ---- Messages and the log. */

int weft_store_message_get(struct weft_store *st, int64_t id, struct weft_message *out)
{
	sqlite3_stmt *s = st->r[R_MESSAGE];
	sqlite3_bind_int64(s, 1, id);
	struct weft_message m;
	int rc = step_row(s);
	if (!rc && !(rc = read_message(s, 0, &m)))
		*out = m;
	done_stmt(s);
	return rc;
}

/* The statements of a page of messages keyed by a channel (history) or by
 * a thread's root (its replies): the same shapes, the same parameters. */
struct page_stmts {
	int latest, before, after, more_before, more_after;
};

static const struct page_stmts channel_pages = { R_HIST_LATEST, R_HIST_BEFORE, R_HIST_AFTER,
						 R_HIST_MORE_BEFORE, R_HIST_MORE_AFTER };
static const struct page_stmts thread_pages = { R_THREAD_LATEST, R_THREAD_BEFORE, R_THREAD_AFTER,
						R_THREAD_MORE_BEFORE, R_THREAD_MORE_AFTER };

/* Whether more messages lie past the far end of a history page of count
 * (oldest first) in the direction of travel. */
static int history_more(struct weft_store *st, const struct page_stmts *ps, int64_t key, int64_t before,
			bool ascending, const struct weft_message *page, int count, bool *more)
{
	if (count == 0) {
		*more = false;
		return WEFT_OK;
	}
	if (!ascending)
		return row_exists(st->r[ps->more_before], key, page[0].id, more);
	int64_t last = page[count - 1].id;
	bool yes;
	int rc = row_exists(st->r[ps->more_after], key, last, &yes);
	if (rc)
		return rc;
	yes = yes && (before == 0 || last < before - 1);
	if (yes && before) {
		/* Still more within the window only if a message lies between. */
		sqlite3_stmt *q = st->r[ps->after];
		sqlite3_bind_int64(q, 1, key);
		sqlite3_bind_int64(q, 2, last);
		sqlite3_bind_int64(q, 3, before);
		sqlite3_bind_int(q, 4, 1);
		rc = step_row(q);
		done_stmt(q);
		if (rc && rc != WEFT_ENOTFOUND)
			return rc;
		yes = rc == WEFT_OK;
	}
	*more = yes;
	return WEFT_OK;
}

static int page(struct weft_store *st, const struct page_stmts *ps, int64_t key, int64_t before,
		int64_t after, int limit, struct weft_message *out, int *n, bool *more)
{
	sqlite3_stmt *s;
	bool ascending = after >= 0;
	if (ascending) {
		s = st->r[ps->after];
		sqlite3_bind_int64(s, 1, key);
		sqlite3_bind_int64(s, 2, after);
		sqlite3_bind_int64(s, 3, before);
		sqlite3_bind_int(s, 4, limit);
	} else if (before > 0) {
		s = st->r[ps->before];
		sqlite3_bind_int64(s, 1, key);
		sqlite3_bind_int64(s, 2, before);
		sqlite3_bind_int(s, 3, limit);
	} else {
		s = st->r[ps->latest];
		sqlite3_bind_int64(s, 1, key);
		sqlite3_bind_int(s, 2, limit);
	}
	int count;
	int rc = read_rows(s, &(struct rows){ out, sizeof *out, row_message, clear_message }, limit, &count);
	if (rc)
		return rc;
	if (!ascending) {
		/* Fetched newest first; the page goes out oldest first. */
		for (int i = 0, k = count - 1; i < k; i++, k--) {
			struct weft_message t = out[i];
			out[i] = out[k];
			out[k] = t;
		}
	}
	bool page_more;
	if ((rc = history_more(st, ps, key, before, ascending, out, count, &page_more))) {
		for (int i = 0; i < count; i++)
			weft_message_clear(&out[i]);
		return rc;
	}
	*more = page_more;
	*n = count;
	return WEFT_OK;
}

int weft_store_history(struct weft_store *st, int64_t channel, int64_t before, int64_t after,
		       int limit, struct weft_message *out, int *n, bool *more)
{
	return page(st, &channel_pages, channel, before, after, limit, out, n, more);
}

int weft_store_thread(struct weft_store *st, int64_t root, int64_t before, int64_t after, int limit,
		      struct weft_message *out, int *n, bool *more)
{
	return page(st, &thread_pages, root, before, after, limit, out, n, more);
}

int weft_store_pins(struct weft_store *st, int64_t channel, struct weft_message *out, int max, int *n)
{
	sqlite3_stmt *s = st->r[R_PINS];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int(s, 2, max);
	return read_rows(s, &(struct rows){ out, sizeof *out, row_message, clear_message }, max, n);
}

int weft_store_mentions_unread(struct weft_store *st, int64_t channel, int64_t user, int64_t after,
			       int64_t upto, int cap, int *out)
{
	sqlite3_stmt *s = st->r[R_MENTIONS_UNREAD];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, channel);
	sqlite3_bind_int64(s, 3, after);
	sqlite3_bind_int(s, 4, cap);
	sqlite3_bind_int64(s, 5, upto);
	int64_t v;
	int rc = step_int64(s, 0, &v);
	if (!rc)
		*out = (int)v;
	return rc;
}

int weft_store_channel_events(struct weft_store *st, int64_t channel, int64_t after,
			      int64_t upto, int limit, struct weft_event *out, int *n)
{
	sqlite3_stmt *s = st->r[R_CHANNEL_EVENTS];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int64(s, 3, upto);
	sqlite3_bind_int(s, 4, limit);
	return read_rows(s, &(struct rows){ out, sizeof *out, row_event, clear_event }, limit, n);
}

int weft_store_replay_floor(struct weft_store *st, int64_t channel, int64_t since, int max,
			    int64_t *floor_out)
{
	sqlite3_stmt *s = st->r[R_FLOOR];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int(s, 3, max);
	/* The row at offset max (newest first) is the newest one that will not
	 * be replayed: it is the floor. */
	return step_int64(s, 0, floor_out);
}

int weft_store_unread(struct weft_store *st, int64_t channel, int64_t reader, int64_t after, int64_t upto,
		      int cap, int *out)
{
	sqlite3_stmt *s = st->r[R_UNREAD];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int(s, 3, cap);
	sqlite3_bind_int64(s, 4, reader);
	sqlite3_bind_int64(s, 5, upto);
	int64_t count;
	int rc = step_int64(s, 0, &count);
	if (!rc)
		*out = (int)count;
	return rc;
}

int weft_store_last_seq(struct weft_store *st, int64_t *out)
{
	return step_int64(st->r[R_LAST_SEQ], 0, out);
}

/* ---- Channels, members, requests, invitations. */

int weft_store_members(struct weft_store *st, int64_t channel, struct weft_member_row *out,
		       int max, int *n)
{
	sqlite3_stmt *s = st->r[R_MEMBERS];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int(s, 2, max);
	return read_rows(s, &(struct rows){ out, sizeof *out, row_member, NULL }, max, n);
}

int weft_store_channel_get(struct weft_store *st, int64_t id, struct weft_channel_info *out, int64_t *last_seq)
{
	sqlite3_stmt *s = st->r[R_CHANNEL_GET];
	sqlite3_bind_int64(s, 1, id);
	int rc = step_row(s);
	if (!rc) {
		read_channel(s, 0, out);
		*last_seq = sqlite3_column_int64(s, 8);
	}
	done_stmt(s);
	return rc;
}

int weft_store_load(struct weft_store *st,
		    void (*on_channel)(void *arg, const struct weft_channel_info *c, int64_t last_seq),
		    void (*on_member)(void *arg, int64_t channel, int64_t user, int role, int64_t read_seq,
				      int64_t joined_seq),
		    void *arg)
{
	sqlite3_stmt *s = st->r[R_LOAD_CHANNELS];
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct weft_channel_info c;
		read_channel(s, 0, &c);
		on_channel(arg, &c, sqlite3_column_int64(s, 8));
	}
	int rc = step_rc(s, step);
	done_stmt(s);
	if (rc)
		return rc;
	s = st->r[R_LOAD_MEMBERS];
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		on_member(arg, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			  sqlite3_column_int(s, 2), sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4));
	rc = step_rc(s, step);
	done_stmt(s);
	return rc;
}

/* Calls cb with the two id columns of every row of s. */
static int each_pair(sqlite3_stmt *s, void (*cb)(void *arg, int64_t a, int64_t b), void *arg)
{
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		cb(arg, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
	int rc = step_rc(s, step);
	done_stmt(s);
	return rc;
}

int weft_store_load_access(struct weft_store *st, void (*on_request)(void *arg, int64_t channel, int64_t user),
			   void (*on_invite)(void *arg, int64_t channel, int64_t user), void *arg)
{
	int rc = each_pair(st->r[R_LOAD_REQUESTS], on_request, arg);
	return rc ? rc : each_pair(st->r[R_LOAD_INVITES], on_invite, arg);
}

int weft_store_request_get(struct weft_store *st, int64_t channel, int64_t user,
			   struct weft_request_row *out)
{
	sqlite3_stmt *s = st->r[R_REQ_GET];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, user);
	int rc = step_row(s);
	if (!rc) {
		row_request(s, out);
	} else if (rc == WEFT_ENOTFOUND) {
		memset(out, 0, sizeof *out);
		out->state = WEFT_REQ_NONE;
		rc = WEFT_OK;
	}
	done_stmt(s);
	return rc;
}

int weft_store_requests(struct weft_store *st, int64_t channel, struct weft_request_row *out,
			int max, int *n)
{
	sqlite3_stmt *s = st->r[R_REQS];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int(s, 2, max);
	return read_rows(s, &(struct rows){ out, sizeof *out, row_request, NULL }, max, n);
}

int weft_store_request_count(struct weft_store *st, int64_t channel, int *n)
{
	sqlite3_stmt *s = st->r[R_REQ_COUNT];
	sqlite3_bind_int64(s, 1, channel);
	int64_t count;
	int rc = step_int64(s, 0, &count);
	if (!rc)
		*n = (int)count;
	return rc;
}

int weft_store_invited(struct weft_store *st, int64_t channel, int64_t user, bool *out)
{
	return row_exists(st->r[R_INVITED], channel, user, out);
}

int weft_store_invites_of(struct weft_store *st, int64_t user, int64_t *channels, int max, int *n)
{
	sqlite3_stmt *s = st->r[R_INVITES_OF];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, max);
	return read_rows(s, &(struct rows){ channels, sizeof *channels, row_id, NULL }, max, n);
}

/* ---- Files. */

int weft_store_file_get(struct weft_store *st, int64_t id, struct weft_file_info *out)
{
	sqlite3_stmt *s = st->r[R_FILE];
	sqlite3_bind_int64(s, 1, id);
	struct weft_file_info f;
	int rc = step_row(s);
	if (!rc && !(rc = read_file(s, &f)))
		*out = f;
	done_stmt(s);
	return rc;
}

int weft_store_upload_usage(struct weft_store *st, int64_t user, int64_t since_ms, int64_t *out)
{
	sqlite3_stmt *s = st->r[R_UPLOAD_USED];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, since_ms);
	return step_int64(s, 0, out);
}

static int row_file(sqlite3_stmt *s, void *row)
{
	return read_file(s, row);
}

int weft_store_channel_files(struct weft_store *st, int64_t channel, int64_t before, int limit,
			     struct weft_file_info *out, int *n, bool *more)
{
	sqlite3_stmt *s = st->r[R_CHANNEL_FILES];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, before);
	sqlite3_bind_int(s, 3, limit);
	int count;
	int rc = read_rows(s, &(struct rows){ out, sizeof *out, row_file, NULL }, limit, &count);
	if (rc)
		return rc;
	/* One row past the page says whether there is more: read it apart. */
	bool past = false;
	if (count == limit && count > 0) {
		sqlite3_bind_int64(s, 1, channel);
		sqlite3_bind_int64(s, 2, out[count - 1].id);
		sqlite3_bind_int(s, 3, 1);
		int r = step_row(s);
		done_stmt(s);
		if (r && r != WEFT_ENOTFOUND)
			return r;
		past = r == WEFT_OK;
	}
	*n = count;
	*more = past;
	return WEFT_OK;
}

/* Reads of standups and action items on the read-only connection: the
 * schedules and open standups at start, a page of standups with their
 * answers, a channel's schedule, a page of items. Each indexed and bounded.
 * Service thread only. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

int weft_store_standup_load(struct weft_store *st,
			    void (*on_config)(void *arg, int64_t channel, const char *config, const char *last_date),
			    void (*on_open)(void *arg, int64_t channel, int64_t id, int64_t closes_ms), void *arg)
{
	sqlite3_stmt *s = st->cr[CR_CONFIGS];
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		on_config(arg, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
			  (const char *)sqlite3_column_text(s, 2));
	int rc = step_rc(s, step);
	done_stmt(s);
	if (rc)
		return rc;
	s = st->cr[CR_OPEN];
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		on_open(arg, sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 2));
	rc = step_rc(s, step);
	done_stmt(s);
	return rc;
}

int weft_store_standups(struct weft_store *st, int64_t channel, int64_t before, int limit, char **out, bool *more)
{
	sqlite3_stmt *s = st->cr[CR_STANDUPS];
	sqlite3_bind_int64(s, 1, channel);
	sqlite3_bind_int64(s, 2, before);
	sqlite3_bind_int(s, 3, limit + 1);
	return json_rows(s, limit, out, more);
}

int weft_store_standup_config(struct weft_store *st, int64_t channel, char **out)
{
	sqlite3_stmt *s = st->cr[CR_CONFIG];
	sqlite3_bind_int64(s, 1, channel);
	int rc = step_row(s);
	char *cfg = NULL;
	if (!rc)
		rc = dup_text(&cfg, s, 0);
	done_stmt(s);
	if (rc && rc != WEFT_ENOTFOUND)
		return rc;
	*out = cfg;
	return WEFT_OK;
}

int weft_store_items(struct weft_store *st, int64_t user, int64_t channel, int64_t owner, int status,
		     int64_t before, int limit, const char *today, char **out, bool *more)
{
	sqlite3_stmt *s = st->cr[CR_ITEMS];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, channel);
	sqlite3_bind_int64(s, 3, owner);
	sqlite3_bind_int(s, 4, status);
	sqlite3_bind_int64(s, 5, before);
	sqlite3_bind_int(s, 6, limit + 1);
	sqlite3_bind_text(s, 7, today, -1, SQLITE_TRANSIENT);
	return json_rows(s, limit, out, more);
}

int weft_store_digest_get(struct weft_store *st, int64_t user, bool *on)
{
	sqlite3_stmt *s = st->cr[CR_DIGEST_GET];
	sqlite3_bind_int64(s, 1, user);
	int rc = step_row(s);
	bool v = !rc && sqlite3_column_int(s, 0) != 0;
	done_stmt(s);
	if (rc)
		return rc;
	*on = v;
	return WEFT_OK;
}

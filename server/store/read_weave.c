/* Weaving reads on the read-only connection (issue 17): the directory's
 * pages and a user's introductions. Service thread; each indexed and
 * bounded (tests/bench/directory.mjs measures the directory). */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* %q% with LIKE's wildcards in q escaped, so they match themselves; ""
 * for an empty q (the statement then matches everyone). */
static void like_pattern(const char *q, char *out, size_t cap)
{
	size_t o = 0;
	if (!*q) {
		out[0] = '\0';
		return;
	}
	out[o++] = '%';
	for (const char *p = q; *p && o < cap - 3; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o++] = '%';
	out[o] = '\0';
}

int weft_store_directory(struct weft_store *st, const struct weft_find_params *p, struct weft_profile *out,
			 int max, int *n, bool *more)
{
	char pattern[WEFT_QUERY_MAX * 8 + 3];
	like_pattern(p->q, pattern, sizeof pattern);
	/* One more row than the page: is there a next one? */
	int want = (p->limit < max - 1 ? p->limit : max - 1) + 1, got;
	sqlite3_stmt *s = st->vr[VR_DIRECTORY];
	sqlite3_bind_int(s, 1, p->include_inactive);
	sqlite3_bind_text(s, 2, pattern, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, p->jurisdiction, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, p->region, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, p->focus, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->after, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, want);
	int rc = read_rows(s, &(struct rows){ out, sizeof *out, read_profile, NULL }, want, &got);
	if (rc)
		return rc;
	*more = got == want;
	*n = *more ? got - 1 : got;
	return WEFT_OK;
}

int weft_store_intros(struct weft_store *st, int64_t user, int64_t now_ms, char **out)
{
	sqlite3_stmt *s = st->vr[VR_INTROS];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, now_ms - WEFT_INTRO_TTL_MS);
	sqlite3_bind_int64(s, 3, now_ms - 2 * WEFT_INTRO_TTL_MS);
	int rc = step_row(s);
	char *json = NULL;
	if (!rc)
		rc = dup_text(&json, s, 0);
	done_stmt(s);
	if (rc) {
		free(json);
		return rc == WEFT_ENOTFOUND ? WEFT_EIO : rc;
	}
	*out = json;
	return WEFT_OK;
}

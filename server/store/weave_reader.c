/* The slow reads of weaving (issue 17) on a read-only connection of their
 * own, for the workers: directory pages and facets, suggested peers,
 * network health.
 * Each can take longer than the service thread may wait (a directory page
 * with a focus and a name filter walks hundreds of rows; health reads the
 * event log of a year), so none runs there. Statements prepared once; one
 * worker at a time holds the connection (lock). Health reads the log's
 * message events (channel, author, time), never a body. */
#include "store_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WEEK_MS (7LL * 24 * 3600 * 1000)
#define DAY_MS (24LL * 3600 * 1000)
#define SMALL_MAX 12 /* members of a channel whose writers are tied */

enum { WR_DIRECTORY, WR_FACETS, WR_PEERS, WR_HEALTH, WR_WEEKLY, WR_COUNT };

/* Active people of the network (no system account). */
#define PEOPLE "users WHERE active = 1 AND system = 0"
#define FACET(col) \
	"(SELECT json_group_array(json_object('name', v, 'count', n)) FROM (SELECT " col " AS v, count(*) AS n" \
	" FROM " PEOPLE " AND " col " != '' GROUP BY " col " ORDER BY " col "))"

/* Message events by the people, in channels of at most SMALL_MAX members. */
#define SMALL "small AS MATERIALIZED (SELECT channel_id FROM members GROUP BY channel_id HAVING count(*) <= 12)"
#define CROSS(x, y) "(" x ".jurisdiction != '' AND " y ".jurisdiction != '' AND " x ".jurisdiction != " y ".jurisdiction)"

static const char *const wrsql[WR_COUNT] = {
	/* The directory: any combination of the filters, by name, a page
	 * after ?6. The focus filter is one lookup of the tag and its index;
	 * the others walk users_jurisdiction, users_region or the names. */
	[WR_DIRECTORY] = PROFILE_SELECT " WHERE system = 0 AND (active = 1 OR ?1)"
			 " AND (?2 = '' OR name LIKE ?2 ESCAPE '\\' OR display LIKE ?2 ESCAPE '\\')"
			 " AND (?3 = '' OR jurisdiction = ?3) AND (?4 = '' OR region = ?4)"
			 " AND (?5 = '' OR id IN (SELECT uf.user_id FROM user_focus uf"
			 "   WHERE uf.tag_id = (SELECT t.id FROM focus_tags t WHERE t.name = ?5)))"
			 " AND name > ?6 ORDER BY name LIMIT ?7",
	[WR_FACETS] = "SELECT json_object('jurisdictions', json(" FACET("jurisdiction") "), 'regions', json(" FACET("region") "),"
		      " 'focus', json((SELECT json_group_array(json_object('name', v, 'count', n)) FROM"
		      "   (SELECT t.name AS v, c.n AS n FROM (SELECT uf.tag_id, count(*) AS n FROM user_focus uf"
		      "    JOIN users u ON u.id = uf.user_id WHERE u.active = 1 AND u.system = 0 GROUP BY uf.tag_id) c"
		      "   JOIN focus_tags t ON t.id = c.tag_id ORDER BY t.name))))",
	/* People of other jurisdictions who share a focus tag or the region
	 * with ?1, ranked by the tags shared, then the region, then the
	 * cohorts shared, then name; never someone ?1 shares a DM with, nor
	 * one who declined an introduction to ?1. */
	[WR_PEERS] = "WITH me AS (SELECT jurisdiction, region FROM users WHERE id = ?1),"
		     " cand(id, f) AS (SELECT uf.user_id, count(*) FROM user_focus uf WHERE uf.tag_id IN"
		     "   (SELECT tag_id FROM user_focus WHERE user_id = ?1) GROUP BY uf.user_id"
		     "  UNION ALL SELECT u.id, 0 FROM users u, me WHERE me.region != '' AND u.region = me.region"
		     "   AND u.system = 0),"
		     " scored AS (SELECT id, max(f) AS f FROM cand GROUP BY id)"
		     " SELECT u.id FROM scored sc JOIN users u ON u.id = sc.id, me"
		     " WHERE u.id != ?1 AND u.active = 1 AND u.system = 0 AND u.jurisdiction != me.jurisdiction"
		     " AND NOT EXISTS (SELECT 1 FROM members x JOIN channels c ON c.id = x.channel_id AND c.kind = 3"
		     "   JOIN members y ON y.channel_id = x.channel_id AND y.user_id = u.id WHERE x.user_id = ?1)"
		     " AND NOT EXISTS (SELECT 1 FROM intros i WHERE (i.a = ?1 AND i.b = u.id AND i.b_answer = 0)"
		     "   OR (i.b = ?1 AND i.a = u.id AND i.a_answer = 0))"
		     " ORDER BY sc.f DESC, (me.region != '' AND u.region = me.region) DESC,"
		     " (SELECT count(*) FROM members x JOIN channels c ON c.id = x.channel_id AND c.kind = 1"
		     "   JOIN members y ON y.channel_id = x.channel_id AND y.user_id = u.id WHERE x.user_id = ?1) DESC,"
		     " u.name LIMIT ?2",
	/* ?1: since (ms). A tie: two people who both wrote in one small
	 * channel or DM since then. */
	[WR_HEALTH] = "WITH " SMALL ","
		      " w AS MATERIALIZED (SELECT DISTINCT e.channel_id AS c, e.actor AS u FROM events e"
		      "   WHERE e.kind = 0 AND e.ts_ms >= ?1 AND e.channel_id IN small),"
		      " p AS MATERIALIZED (SELECT DISTINCT x.u AS x, y.u AS y, " CROSS("ux", "uy") " AS cr,"
		      "   ux.jurisdiction AS jx, uy.jurisdiction AS jy FROM w x JOIN w y ON y.c = x.c AND x.u < y.u"
		      "   JOIN users ux ON ux.id = x.u JOIN users uy ON uy.id = y.u WHERE ux.system = 0 AND uy.system = 0)"
		      " SELECT json_object('members', (SELECT count(*) FROM " PEOPLE "),"
		      " 'active', (SELECT count(DISTINCT e.actor) FROM events e JOIN users u ON u.id = e.actor"
		      "   WHERE e.kind = 0 AND e.ts_ms >= ?1 AND u.system = 0),"
		      " 'jurisdictions', (SELECT count(DISTINCT jurisdiction) FROM " PEOPLE " AND jurisdiction != ''),"
		      " 'ties', (SELECT count(*) FROM p), 'ties_cross', (SELECT count(*) FROM p WHERE cr),"
		      " 'isolated', json((SELECT json_group_array(j) FROM (SELECT DISTINCT jurisdiction AS j FROM " PEOPLE
		      "   AND jurisdiction != '' AND jurisdiction NOT IN (SELECT jx FROM p WHERE cr UNION SELECT jy FROM p WHERE cr)"
		      "   ORDER BY 1))))",
	/* ?1: the first week's start (ms); 12 weeks from it. */
	[WR_WEEKLY] = "WITH RECURSIVE wk(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM wk WHERE k < 11), " SMALL ","
		      " ev AS MATERIALIZED (SELECT e.channel_id AS c, e.actor AS u, (e.ts_ms - ?1) / 604800000 AS k"
		      "   FROM events e JOIN users uu ON uu.id = e.actor WHERE e.kind = 0 AND e.ts_ms >= ?1"
		      "   AND e.ts_ms < ?1 + 12 * 604800000 AND uu.system = 0),"
		      " wc AS MATERIALIZED (SELECT DISTINCT k, c, u FROM ev WHERE c IN small),"
		      " cp AS MATERIALIZED (SELECT DISTINCT a.k AS k, a.u AS x, b.u AS y FROM wc a"
		      "   JOIN wc b ON b.k = a.k AND b.c = a.c AND a.u < b.u JOIN users ux ON ux.id = a.u"
		      "   JOIN users uy ON uy.id = b.u WHERE " CROSS("ux", "uy") ")"
		      " SELECT json_group_array(json_object('week', date((?1 + wk.k * 604800000) / 1000, 'unixepoch'),"
		      " 'active', (SELECT count(DISTINCT u) FROM ev WHERE ev.k = wk.k),"
		      " 'messages', (SELECT count(*) FROM ev WHERE ev.k = wk.k),"
		      " 'ties_cross', (SELECT count(*) FROM cp WHERE cp.k = wk.k))) FROM (SELECT k FROM wk ORDER BY k) wk",
};
_Static_assert(SMALL_MAX == 12, "SMALL names the size");

struct weft_weave_reader {
	pthread_mutex_t lock;
	sqlite3 *db;
	sqlite3_stmt *s[WR_COUNT];
};

int weft_store_weave_reader_open(struct weft_store *st, struct weft_weave_reader **out)
{
	struct weft_weave_reader *r = calloc(1, sizeof *r);
	if (!r)
		return WEFT_ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	int rc = WEFT_EIO;
	if (sqlite3_open_v2(st->path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, store_vfs()) != SQLITE_OK) {
		weft_err("store.open_failed path=%s for=weave", st->path);
		goto out;
	}
	sqlite3_busy_timeout(r->db, 2000);
	for (int i = 0; i < WR_COUNT; i++) {
		if (sqlite3_prepare_v3(r->db, wrsql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->s[i], NULL) != SQLITE_OK) {
			weft_err("store.prepare_failed sql=%s error=%s", wrsql[i], sqlite3_errmsg(r->db));
			goto out;
		}
	}
	*out = r;
	return WEFT_OK;
out:
	weft_store_weave_reader_close(r);
	return rc;
}

void weft_store_weave_reader_close(struct weft_weave_reader *r)
{
	if (!r)
		return;
	for (int i = 0; i < WR_COUNT; i++)
		sqlite3_finalize(r->s[i]);
	sqlite3_close(r->db);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Column 0 of s's one row (bound) as a new string in *out. */
static int one_text(sqlite3_stmt *s, char **out)
{
	int rc = step_row(s);
	char *text = NULL;
	if (!rc && !(rc = dup_text(&text, s, 0)) && !text)
		rc = WEFT_EIO;
	done_stmt(s);
	if (rc) {
		free(text);
		return rc == WEFT_ENOTFOUND ? WEFT_EIO : rc;
	}
	*out = text;
	return WEFT_OK;
}

int weft_store_facets(struct weft_weave_reader *r, char **out)
{
	pthread_mutex_lock(&r->lock);
	int rc = one_text(r->s[WR_FACETS], out);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int weft_store_peers(struct weft_weave_reader *r, int64_t user, int max, int64_t *ids, int *n)
{
	pthread_mutex_lock(&r->lock);
	sqlite3_stmt *s = r->s[WR_PEERS];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, max);
	int count = 0, step;
	while (count < max && (step = sqlite3_step(s)) == SQLITE_ROW)
		ids[count++] = sqlite3_column_int64(s, 0);
	int rc = count < max ? step_rc(s, step) : WEFT_OK;
	done_stmt(s);
	pthread_mutex_unlock(&r->lock);
	if (!rc)
		*n = count;
	return rc;
}

/* The start (ms) of the week (Monday 00:00 UTC) that holds t. */
static int64_t week_start(int64_t t)
{
	const int64_t monday = 4 * DAY_MS; /* 1970-01-05, the first Monday */
	int64_t k = (t - monday) / WEEK_MS;
	if ((t - monday) % WEEK_MS < 0)
		k--;
	return monday + k * WEEK_MS;
}

int weft_store_health(struct weft_weave_reader *r, int days, int64_t now_ms, char **out)
{
	char *totals = NULL, *weekly = NULL;
	pthread_mutex_lock(&r->lock);
	sqlite3_bind_int64(r->s[WR_HEALTH], 1, now_ms - (int64_t)days * DAY_MS);
	int rc = one_text(r->s[WR_HEALTH], &totals);
	if (!rc) {
		sqlite3_bind_int64(r->s[WR_WEEKLY], 1, week_start(now_ms) - 11 * WEEK_MS);
		rc = one_text(r->s[WR_WEEKLY], &weekly);
	}
	pthread_mutex_unlock(&r->lock);
	if (!rc) {
		/* {totals…, "weekly": […]}: the one object, its last brace opened. */
		size_t a = strlen(totals), b = strlen(weekly);
		char *json = malloc(a + b + 16);
		if (json) {
			memcpy(json, totals, a - 1);
			memcpy(json + a - 1, ",\"weekly\":", 10);
			memcpy(json + a + 9, weekly, b);
			memcpy(json + a + 9 + b, "}", 2);
			*out = json;
		} else {
			rc = WEFT_ENOMEM;
		}
	}
	free(totals);
	free(weekly);
	return rc;
}

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

int weft_store_directory(struct weft_weave_reader *r, const struct weft_find_params *p, struct weft_profile *out,
			 int max, int *n, bool *more)
{
	char pattern[WEFT_QUERY_MAX * 8 + 3];
	like_pattern(p->q, pattern, sizeof pattern);
	/* One more row than the page: is there a next one? */
	int want = (p->limit < max - 1 ? p->limit : max - 1) + 1, got = 0;
	pthread_mutex_lock(&r->lock);
	sqlite3_stmt *s = r->s[WR_DIRECTORY];
	sqlite3_bind_int(s, 1, p->include_inactive);
	sqlite3_bind_text(s, 2, pattern, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, p->jurisdiction, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, p->region, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, p->focus, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->after, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, want);
	int rc = read_rows(s, &(struct rows){ out, sizeof *out, read_profile, NULL }, want, &got);
	pthread_mutex_unlock(&r->lock);
	if (rc)
		return rc;
	*more = got == want;
	*n = *more ? got - 1 : got;
	return WEFT_OK;
}

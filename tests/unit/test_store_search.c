/* Unit tests for the search index and search (server/store/search.c,
 * migration 10, jobs_message.c): the writer's jobs keep the FTS5 index in
 * step (FTS5's own integrity check agrees with the messages table after
 * sends, edits, deletes and a failed edit), and a search returns only what
 * the searcher may read now, newest first, paged, and stops past its
 * deadline. Jobs run with weft_store_run_sync (no writer thread). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft/store.h"

struct fx {
	char dir[64];
	char db[128];
	struct weft_store *st;
	struct weft_searcher *se;
	int64_t ana, bo, cy;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/weft-search-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/weft.db", f->dir);
	if (weft_store_open(f->db, &f->st) || weft_store_user_create(f->st, "ana", NULL, "h", false, &f->ana) ||
	    weft_store_user_create(f->st, "bo", NULL, "h", false, &f->bo) ||
	    weft_store_user_create(f->st, "cy", NULL, "h", false, &f->cy) || weft_store_searcher_open(f->st, &f->se))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	weft_store_searcher_close(f->se);
	weft_store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* Runs a job; returns its result, and its id (or seq) in *id. */
static int run(struct fx *f, struct weft_job *j, int64_t *id)
{
	int rc = weft_store_run_sync(f->st, j);
	if (id)
		*id = j->id ? j->id : j->seq;
	weft_job_free(j);
	return rc;
}

static int64_t channel(struct fx *f, int64_t owner, const char *name, int access)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	j->user = owner;
	snprintf(j->name, sizeof j->name, "%s", name);
	j->ckind = access == WEFT_ACCESS_INVITE ? WEFT_KIND_TEAM : WEFT_KIND_COHORT;
	j->access = access;
	int64_t id;
	assert_int_equal(run(f, j, &id), 0);
	return id;
}

static void join(struct fx *f, int64_t ch, int64_t user, bool invite_first)
{
	struct weft_job *j;
	if (invite_first) {
		j = weft_job_new(WEFT_JOB_INVITE);
		j->user = f->ana;
		j->channel = ch;
		j->target = user;
		assert_int_equal(run(f, j, NULL), 0);
	}
	j = weft_job_new(WEFT_JOB_JOIN);
	j->user = j->target = user;
	j->channel = ch;
	assert_int_equal(run(f, j, NULL), 0);
}

static void leave(struct fx *f, int64_t ch, int64_t user)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_LEAVE);
	j->user = j->target = user;
	j->channel = ch;
	assert_int_equal(run(f, j, NULL), 0);
}

static int64_t send(struct fx *f, int64_t ch, int64_t user, const char *body)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_SEND);
	j->user = user;
	j->channel = ch;
	j->text = strdup(body);
	int64_t id;
	assert_int_equal(run(f, j, &id), 0);
	return id;
}

static int change(struct fx *f, int kind, int64_t ch, int64_t id, const char *body)
{
	struct weft_job *j = weft_job_new(kind);
	j->user = f->ana;
	j->channel = ch;
	j->target = id;
	j->text = body ? strdup(body) : NULL;
	return run(f, j, NULL);
}

/* Searches as user for q; the ids found (newest first) into ids, their
 * count returned. */
static int find(struct fx *f, int64_t user, const char *q, int64_t before, int limit, int64_t *ids, bool *more)
{
	struct weft_search_query parsed;
	const char *err;
	assert_int_equal(weft_search_parse(q, &parsed, &err), 0);
	struct weft_search_params p = { .user = user, .match = parsed.match, .before = before, .limit = limit };
	struct weft_search_hit hits[WEFT_SEARCH_LIMIT_MAX];
	int n = -1;
	bool m = false;
	assert_int_equal(weft_store_search(f->se, &p, 10000, hits, &n, &m), 0);
	for (int i = 0; i < n; i++) {
		if (ids)
			ids[i] = hits[i].msg.id;
		assert_non_null(strstr(hits[i].snippet, WEFT_SNIPPET_OPEN));
		weft_search_hit_clear(&hits[i]);
	}
	if (more)
		*more = m;
	return n;
}

static int count(struct fx *f, int64_t user, const char *q)
{
	return find(f, user, q, 0, WEFT_SEARCH_LIMIT_MAX, NULL, NULL);
}

/* FTS5's integrity check: the index holds exactly the words of the
 * content it names (messages.body, NULL for the deleted). */
static void index_consistent_at(struct fx *f, int line)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	int rc = sqlite3_exec(db, "INSERT INTO message_index(message_index, rank) VALUES('integrity-check', 1)",
			      NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fail_msg("integrity-check (line %d): %s", line, sqlite3_errmsg(db));
	sqlite3_close(db);
}
#define index_consistent(f) index_consistent_at(f, __LINE__)

static void test_index_follows_send_edit_delete(void **state)
{
	struct fx *f = *state;
	int64_t ch = channel(f, f->ana, "lobby", WEFT_ACCESS_OPEN);
	int64_t other = channel(f, f->ana, "other", WEFT_ACCESS_OPEN);
	int64_t a = send(f, ch, f->ana, "The budget equity rubric");
	int64_t b = send(f, ch, f->ana, "Another rubric, for housing");
	index_consistent(f);
	assert_int_equal(count(f, f->bo, "equit"), 1);
	assert_int_equal(count(f, f->bo, "rubric"), 2);
	assert_int_equal(change(f, WEFT_JOB_EDIT, ch, a, "The transit accountability memo"), 0);
	index_consistent(f);
	assert_int_equal(count(f, f->bo, "equit"), 0);
	assert_int_equal(count(f, f->bo, "accountab"), 1);
	assert_int_equal(count(f, f->bo, "rubric"), 1);
	/* A failed edit (the message is not in that channel) changes nothing. */
	assert_int_equal(change(f, WEFT_JOB_EDIT, other, b, "replaced words"), WEFT_ENOTFOUND);
	index_consistent(f);
	assert_int_equal(count(f, f->bo, "housing"), 1);
	assert_int_equal(count(f, f->bo, "replaced"), 0);
	assert_int_equal(change(f, WEFT_JOB_DELETE, ch, b, NULL), 0);
	index_consistent(f);
	assert_int_equal(count(f, f->bo, "housing"), 0);
	assert_int_equal(count(f, f->bo, "rubric"), 0);
	/* Deleting again fails, and leaves the index whole. */
	assert_int_equal(change(f, WEFT_JOB_DELETE, ch, b, NULL), WEFT_ENOTFOUND);
	index_consistent(f);
}

static void test_only_what_the_user_may_read_now(void **state)
{
	struct fx *f = *state;
	int64_t open = channel(f, f->ana, "open-room", WEFT_ACCESS_OPEN);
	int64_t team = channel(f, f->ana, "team-room", WEFT_ACCESS_INVITE);
	send(f, open, f->ana, "open zebra");
	send(f, team, f->ana, "team zebra before bo");
	assert_int_equal(count(f, f->cy, "zebra"), 1);  /* the open one, as a non-member */
	assert_int_equal(count(f, f->bo, "zebra"), 1);
	assert_int_equal(count(f, f->ana, "zebra"), 2);
	join(f, team, f->bo, true);
	int64_t after = send(f, team, f->ana, "team zebra after bo");
	int64_t ids[4];
	assert_int_equal(find(f, f->bo, "team zebra", 0, 10, ids, NULL), 1);
	assert_int_equal(ids[0], after);
	leave(f, team, f->bo);
	assert_int_equal(count(f, f->bo, "team zebra"), 0);
	assert_int_equal(count(f, f->cy, "team zebra"), 0);
	/* Filters by name and id. */
	struct weft_search_query q;
	const char *err;
	assert_int_equal(weft_search_parse("zebra in:open-room from:ana", &q, &err), 0);
	struct weft_search_params p = { .user = f->cy, .match = q.match, .in_name = q.in, .from_name = q.from,
					.limit = 10 };
	struct weft_search_hit hits[10];
	int n;
	bool more;
	assert_int_equal(weft_store_search(f->se, &p, 10000, hits, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_string_equal(hits[0].channel_name, "open-room");
	assert_int_equal(hits[0].channel_kind, WEFT_KIND_COHORT);
	assert_string_equal(hits[0].msg.author.name, "ana");
	assert_string_equal(hits[0].snippet, "open " WEFT_SNIPPET_OPEN "zebra" WEFT_SNIPPET_CLOSE);
	weft_search_hit_clear(&hits[0]);
	p.from_name = "bo";
	assert_int_equal(weft_store_search(f->se, &p, 10000, hits, &n, &more), 0);
	assert_int_equal(n, 0);
	p.from_name = NULL;
	p.in_name = NULL;
	p.channel = team;
	p.user = f->ana;
	assert_int_equal(weft_store_search(f->se, &p, 10000, hits, &n, &more), 0);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++)
		weft_search_hit_clear(&hits[i]);
}

static void test_paging_and_deadline(void **state)
{
	struct fx *f = *state;
	int64_t ch = channel(f, f->ana, "pages", WEFT_ACCESS_OPEN);
	int64_t id[60];
	for (int i = 0; i < 60; i++) {
		char body[64];
		snprintf(body, sizeof body, "page walrus number %d", i);
		id[i] = send(f, ch, f->ana, body);
	}
	int64_t got[50];
	bool more;
	assert_int_equal(find(f, f->bo, "walrus", 0, 50, got, &more), 50);
	assert_true(more);
	assert_int_equal(got[0], id[59]);
	assert_int_equal(got[49], id[10]);
	assert_int_equal(find(f, f->bo, "walrus", got[49], 50, got, &more), 10);
	assert_false(more);
	assert_int_equal(got[9], id[0]);
	/* A deadline already past stops the search: busy, nothing returned. */
	struct weft_search_query q;
	const char *err;
	assert_int_equal(weft_search_parse("walrus", &q, &err), 0);
	struct weft_search_params p = { .user = f->bo, .match = q.match, .limit = 50 };
	struct weft_search_hit hits[50];
	int n = -1;
	assert_int_equal(weft_store_search(f->se, &p, -1000, hits, &n, &more), WEFT_EBUSY);
	assert_int_equal(n, -1);
	/* And the searcher works again after. */
	assert_int_equal(count(f, f->bo, "walrus"), 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_index_follows_send_edit_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_what_the_user_may_read_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging_and_deadline, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

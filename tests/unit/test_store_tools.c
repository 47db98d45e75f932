/* Unit tests for the store's tools with connections of their own
 * (store/tools.c, store/export.c) and for a batch of jobs run in one
 * transaction (weft_store_run_sync_list): names taken, a backup verified
 * before a restore, `weftd check` finding a gap, exports leaving deleted
 * messages out, and the data directory's lock. */
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

#include "weft/datadir.h"
#include "weft/store.h"

struct fx {
	char dir[64];
	char db[128];
	struct weft_store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "%s/weft-tools-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!f || !mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/weft.db", f->dir);
	if (weft_store_open(f->db, &f->st))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	weft_store_close(f->st);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static struct weft_job *user_job(const char *name)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_USER_CREATE);
	snprintf(j->profile.user.name, sizeof j->profile.user.name, "%s", name);
	snprintf(j->profile.email, sizeof j->profile.email, "%s@example.org", name);
	return j;
}

static void test_batch_and_names(void **state)
{
	struct fx *f = *state;
	int64_t id;
	assert_int_equal(weft_store_user_create(f->st, "ana", "Ana", "x", false, &id), 0);
	/* One transaction, a savepoint each: the taken name fails alone. */
	struct weft_job *a = user_job("bo"), *b = user_job("ana"), *c = user_job("cy");
	a->next = b;
	b->next = c;
	assert_int_equal(weft_store_run_sync_list(f->st, a), 0);
	assert_int_equal(a->result, 0);
	assert_int_equal(b->result, WEFT_ECONFLICT);
	assert_int_equal(c->result, 0);
	weft_job_free(a);
	weft_job_free(b);
	weft_job_free(c);
	const char *names[] = { "ana", "bo", "cy", "dee" };
	bool taken[4];
	assert_int_equal(weft_store_names_taken(f->db, names, 4, taken), 0);
	assert_true(taken[0] && taken[1] && taken[2] && !taken[3]);
	/* No database: nobody is taken. */
	char missing[160];
	snprintf(missing, sizeof missing, "%s/none.db", f->dir);
	taken[0] = true;
	assert_int_equal(weft_store_names_taken(missing, names, 1, taken), 0);
	assert_false(taken[0]);
	assert_int_equal(access(missing, F_OK), -1);
}

static void count_problem(void *arg, const char *line)
{
	char *last = arg;
	snprintf(last, 256, "%s", line);
}

static void test_check_gap_and_verify(void **state)
{
	struct fx *f = *state;
	int64_t ana;
	assert_int_equal(weft_store_user_create(f->st, "ana", "Ana", "x", false, &ana), 0);
	for (int i = 0; i < 3; i++) {
		struct weft_job *j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
		snprintf(j->name, sizeof j->name, "ch-%d", i);
		j->user = ana;
		j->ckind = WEFT_KIND_COHORT;
		assert_int_equal(weft_store_run_sync(f->st, j), 0);
		weft_job_free(j);
	}
	char last[256] = "";
	int n = -1, version;
	assert_int_equal(weft_store_check(f->db, count_problem, last, &n), 0);
	assert_int_equal(n, 0);
	char err[512];
	assert_int_equal(weft_store_verify(f->db, &version, err, sizeof err), 0);
	assert_int_equal(version, weft_store_schema_version());

	/* A gap made by hand (another connection). */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM events WHERE seq = 2", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(weft_store_check(f->db, count_problem, last, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(last, "event log: gap: seq 2 is missing");
	/* A schema from the future is refused by verify. */
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(weft_store_verify(f->db, &version, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "newer than this weftd knows"));
	/* Not a database at all. */
	char junk[160];
	snprintf(junk, sizeof junk, "%s/junk.db", f->dir);
	FILE *fp = fopen(junk, "w");
	for (int i = 0; i < 200; i++)
		fputs("this is not a database, only text\n", fp);
	fclose(fp);
	assert_int_not_equal(weft_store_verify(junk, &version, err, sizeof err), 0);
	assert_non_null(strstr(err, "not a SQLite database"));
}

struct seen {
	int n;
	char bodies[8][64];
};

static int on_row(void *arg, const struct weft_export_row *row)
{
	struct seen *s = arg;
	if (s->n < 8)
		snprintf(s->bodies[s->n], sizeof s->bodies[0], "%s%s", row->thread ? "> " : "", row->body);
	s->n++;
	return 0;
}

static int64_t send_body(struct weft_store *st, int64_t user, int64_t ch, const char *body, int64_t thread)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_SEND);
	j->user = user;
	j->channel = ch;
	j->thread = thread;
	j->text = strdup(body);
	snprintf(j->client_id, sizeof j->client_id, "c-%s", body);
	assert_int_equal(weft_store_run_sync(st, j), 0);
	int64_t id = j->seq;
	weft_job_free(j);
	return id;
}

static void test_export(void **state)
{
	struct fx *f = *state;
	int64_t ana;
	assert_int_equal(weft_store_user_create(f->st, "ana", "Ana", "x", false, &ana), 0);
	struct weft_job *j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	snprintf(j->name, sizeof j->name, "lobby");
	j->user = ana;
	j->ckind = WEFT_KIND_COHORT;
	assert_int_equal(weft_store_run_sync(f->st, j), 0);
	int64_t ch = j->id;
	weft_job_free(j);
	int64_t root = send_body(f->st, ana, ch, "root", 0);
	send_body(f->st, ana, ch, "second", 0);
	send_body(f->st, ana, ch, "reply", root);
	int64_t gone = send_body(f->st, ana, ch, "gone", 0);
	j = weft_job_new(WEFT_JOB_DELETE);
	j->user = ana;
	j->channel = ch;
	j->target = gone;
	assert_int_equal(weft_store_run_sync(f->st, j), 0);
	weft_job_free(j);

	struct weft_export *x;
	char err[256];
	assert_int_equal(weft_export_open(f->db, &x, err, sizeof err), 0);
	struct weft_channel_info info;
	assert_int_equal(weft_export_channel(x, "nope", &info), WEFT_ENOTFOUND);
	assert_int_equal(weft_export_channel(x, "lobby", &info), 0);
	struct seen byid = { 0 }, bythread = { 0 };
	assert_int_equal(weft_export_messages(x, info.id, 0, WEFT_EXPORT_BY_ID, on_row, &byid), 0);
	assert_int_equal(byid.n, 3);
	assert_string_equal(byid.bodies[0], "root");
	assert_string_equal(byid.bodies[1], "second");
	assert_string_equal(byid.bodies[2], "> reply");
	assert_int_equal(weft_export_messages(x, info.id, 0, WEFT_EXPORT_BY_THREAD, on_row, &bythread), 0);
	assert_string_equal(bythread.bodies[1], "> reply");
	assert_string_equal(bythread.bodies[2], "second");
	struct weft_profile p;
	int64_t created;
	assert_int_equal(weft_export_user(x, "ana", &p, &created), 0);
	assert_int_equal(p.user.id, ana);
	assert_true(created > 0);
	weft_export_close(x);
}

static void test_datadir_lock(void **state)
{
	struct fx *f = *state;
	char dir[128];
	snprintf(dir, sizeof dir, "%s/sub/dir", f->dir);
	int a, b;
	assert_int_equal(weft_datadir_lock(dir, &a), 0);
	/* flock is per open file: a second open in the same process conflicts. */
	assert_int_equal(weft_datadir_lock(dir, &b), WEFT_EBUSY);
	weft_datadir_unlock(a);
	assert_int_equal(weft_datadir_lock(dir, &b), 0);
	weft_datadir_unlock(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_and_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_gap_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_datadir_lock, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

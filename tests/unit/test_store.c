/* Unit tests for the store (server/store/) on a real SQLite database in
 * a temporary directory: migrations, users, the writer thread and its jobs (group
 * commit, idempotent sends, edit, delete, membership, sessions), the
 * bounded reads (history paging, replay floor, channel events, unread,
 * members, load) and the online backup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft/store.h"

struct fx {
	char dir[64];
	char db[128];
	struct weft_store *st;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t notified;
	int64_t ana, bo, cy;      /* users */
};

static void notify(void *arg)
{
	struct fx *f = arg;
	pthread_mutex_lock(&f->lock);
	f->notified++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void rm_rf(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	/* tmpfs when there is one: synchronous=FULL makes every commit an
	 * fsync, which these tests (about behaviour, not durability) need not
	 * wait for. */
	snprintf(f->dir, sizeof f->dir, "%s/weft-store-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/weft.db", f->dir);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (weft_store_open(f->db, &f->st))
		return -1;
	/* Accounts are created synchronously, before the writer runs. */
	if (weft_store_user_create(f->st, "ana", "Ana L\xc3\xb3pez", "hash-a", true, &f->ana) ||
	    weft_store_user_create(f->st, "bo", NULL, "hash-b", false, &f->bo) ||
	    weft_store_user_create(f->st, "cy", "Cy", "hash-c", false, &f->cy))
		return -1;
	if (weft_store_start(f->st, notify, f))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->st) {
		weft_store_stop(f->st);
		weft_store_close(f->st);
	}
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* weft_store_last_seq, which must succeed. */
static int64_t last_seq_of(struct weft_store *st)
{
	int64_t seq = -1;
	assert_int_equal(weft_store_last_seq(st, &seq), 0);
	return seq;
}

/* weft_store_invited, which must succeed. */
static bool invited(struct weft_store *st, int64_t channel, int64_t user)
{
	bool yes = false;
	assert_int_equal(weft_store_invited(st, channel, user, &yes), 0);
	return yes;
}

/* Waits until n jobs have completed; returns them in commit order in out. */
static void collect(struct fx *f, struct weft_job **out, int n)
{
	int got = 0;
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 20;
	while (got < n) {
		pthread_mutex_lock(&f->lock);
		uint64_t seen = f->notified;
		pthread_mutex_unlock(&f->lock);
		for (struct weft_job *j = weft_store_take_completed(f->st), *next; j; j = next) {
			next = j->next;
			j->next = NULL;
			if (got >= n)
				fail_msg("more jobs completed than submitted");
			out[got++] = j;
		}
		if (got >= n)
			break;
		pthread_mutex_lock(&f->lock);
		int rc = 0;
		while (f->notified == seen && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&f->cond, &f->lock, &deadline);
		pthread_mutex_unlock(&f->lock);
		if (rc == ETIMEDOUT)
			fail_msg("timed out waiting for %d jobs (have %d)", n, got);
	}
}

/* Submits one job and waits for it. The caller frees the job. */
static struct weft_job *run(struct fx *f, struct weft_job *j)
{
	assert_non_null(j);
	assert_int_equal(weft_store_submit(f->st, j), 0);
	struct weft_job *done;
	collect(f, &done, 1);
	assert_ptr_equal(done, j);
	return done;
}

static int64_t create_channel(struct fx *f, int64_t user, const char *name, int kind, int access)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	j->user = user;
	snprintf(j->name, sizeof j->name, "%s", name);
	j->ckind = kind;
	j->access = access;
	run(f, j);
	assert_int_equal(j->result, 0);
	int64_t id = j->id;
	weft_job_free(j);
	return id;
}

static void join(struct fx *f, int64_t channel, int64_t user, int role)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_JOIN);
	j->user = user;
	j->target = user;
	j->channel = channel;
	j->role = role;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
}

/* A moderator's invitation: what lets someone join a non-open channel. */
static void invite(struct fx *f, int64_t channel, int64_t by, int64_t user)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_INVITE);
	j->user = by;
	j->target = user;
	j->channel = channel;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->seq, 0); /* not an event */
	weft_job_free(j);
}

static struct weft_job *send_job(int64_t user, int64_t channel, const char *body, const char *client_id)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_SEND);
	assert_non_null(j);
	j->user = user;
	j->channel = channel;
	j->text = strdup(body);
	if (client_id)
		snprintf(j->client_id, sizeof j->client_id, "%s", client_id);
	return j;
}

/* Sends and returns the new message id. */
static int64_t send_msg(struct fx *f, int64_t user, int64_t channel, const char *body)
{
	struct weft_job *j = run(f, send_job(user, channel, body, NULL));
	assert_int_equal(j->result, 0);
	int64_t id = j->id;
	weft_job_free(j);
	return id;
}

/* The value of a PRAGMA (user_version, page_size) of the database at path. */
static int64_t pragma_value(const char *path, const char *pragma)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, pragma, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void assert_integrity_ok(sqlite3 *db)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
}

/* Steps s, a prepared "SELECT count(*), sum(length(body)), <matching>" on
 * db, checks its row, then that db is intact, and closes both. */
static void assert_bodies_and_close(sqlite3 *db, sqlite3_stmt *s, int64_t rows, int64_t bytes,
				    int64_t matching)
{
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(s, 0), rows);
	assert_int_equal(sqlite3_column_int64(s, 1), bytes);
	assert_int_equal(sqlite3_column_int64(s, 2), matching);
	sqlite3_finalize(s);
	assert_integrity_ok(db);
	sqlite3_close(db);
}

static int64_t user_version(const char *path) { return pragma_value(path, "PRAGMA user_version"); }
static int page_size(const char *path) { return (int)pragma_value(path, "PRAGMA page_size"); }

/* ---- Schema and users. */

static void test_migrations(void **state)
{
	struct fx *f = *state;
	int64_t v = user_version(f->db);
	assert_true(v >= 1);
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t m = send_msg(f, f->ana, ch, "persisted");
	weft_store_stop(f->st);
	weft_store_close(f->st);
	f->st = NULL;

	/* Reopening applies nothing new and keeps the data. */
	for (int i = 0; i < 2; i++) {
		struct weft_store *st;
		assert_int_equal(weft_store_open(f->db, &st), 0);
		assert_int_equal(user_version(f->db), v);
		struct weft_message msg = { 0 };
		assert_int_equal(weft_store_message_get(st, m, &msg), 0);
		assert_string_equal(msg.body, "persisted");
		weft_message_clear(&msg);
		assert_int_equal(last_seq_of(st), m);
		struct weft_user_auth ua;
		assert_int_equal(weft_store_user_by_name(st, "ana", &ua), 0);
		weft_store_close(st);
	}

	/* A database from a newer weftd is refused. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)v + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct weft_store *st = NULL;
	assert_int_not_equal(weft_store_open(f->db, &st), 0);
	assert_null(st);

	/* A path that cannot be created is an error, not a crash. */
	char bad[160];
	snprintf(bad, sizeof bad, "%s/no/such/dir/weft.db", f->dir);
	assert_int_equal(weft_store_open(bad, &st), WEFT_EIO);
}

/* New databases get 2 KiB pages (fewer bytes written and synced per
 * message); an existing database keeps its page size and works as before,
 * checkpointer included. */
static void test_page_size(void **state)
{
	struct fx *f = *state;
	assert_int_equal(page_size(f->db), 2048);

	char old[160];
	snprintf(old, sizeof old, "%s/old.db", f->dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA page_size=4096; CREATE TABLE earlier(x);", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	struct weft_store *st;
	assert_int_equal(weft_store_open(old, &st), 0);
	int64_t u;
	assert_int_equal(weft_store_user_create(st, "dee", "Dee", "hash-d", false, &u), 0);
	assert_int_equal(weft_store_start(st, notify, f), 0);
	struct weft_job *j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	j->user = u;
	snprintf(j->name, sizeof j->name, "older");
	assert_int_equal(weft_store_submit(st, j), 0);
	weft_store_stop(st);
	struct weft_job *done = weft_store_take_completed(st);
	assert_ptr_equal(done, j);
	assert_int_equal(done->result, 0);
	weft_job_free(done);
	weft_store_close(st);
	assert_int_equal(page_size(old), 4096);
}

static void test_users(void **state)
{
	struct fx *f = *state;
	assert_true(f->ana > 0);
	assert_true(f->bo > f->ana);
	int64_t id = -1;
	/* Synchronous operations are for the command line: no writer running. */
	weft_store_stop(f->st);
	assert_int_equal(weft_store_user_create(f->st, "ana", "Other", "h", false, &id), WEFT_ECONFLICT);
	assert_int_equal(id, -1); /* not written on failure */

	struct weft_user_auth ua;
	assert_int_equal(weft_store_user_by_name(f->st, "ana", &ua), 0);
	assert_int_equal(ua.user.id, f->ana);
	assert_string_equal(ua.user.name, "ana");
	assert_string_equal(ua.user.display, "Ana L\xc3\xb3pez");
	assert_true(ua.admin);
	assert_true(ua.active);
	assert_string_equal(ua.pw_hash, "hash-a");
	assert_int_equal(weft_store_user_by_name(f->st, "bo", &ua), 0);
	assert_false(ua.admin);
	assert_string_equal(ua.user.display, "");
	assert_int_equal(weft_store_user_by_name(f->st, "nobody", &ua), WEFT_ENOTFOUND);
	assert_int_equal(weft_store_user_by_name(f->st, "ANA", &ua), WEFT_ENOTFOUND);
}

/* ---- Writer jobs. */

static void test_nop_and_submit_states(void **state)
{
	struct fx *f = *state;
	struct weft_job *j = run(f, weft_job_new(WEFT_JOB_NOP));
	assert_int_equal(j->result, 0);
	assert_int_equal(j->seq, 0);
	weft_job_free(j);
	weft_job_free(NULL);

	/* Stop commits what is queued; afterwards submissions are refused and
	 * the caller keeps the job. */
	struct weft_job *q = weft_job_new(WEFT_JOB_NOP);
	assert_int_equal(weft_store_submit(f->st, q), 0);
	weft_store_stop(f->st);
	struct weft_job *done = weft_store_take_completed(f->st);
	assert_ptr_equal(done, q);
	assert_null(done->next);
	assert_int_equal(done->result, 0);
	weft_job_free(done);
	struct weft_job *late = weft_job_new(WEFT_JOB_NOP);
	assert_int_equal(weft_store_submit(f->st, late), WEFT_EBUSY);
	weft_job_free(late);
}

static void test_channel_create(void **state)
{
	struct fx *f = *state;
	struct weft_job *j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	j->user = f->ana;
	snprintf(j->name, sizeof j->name, "equity-caucus");
	j->ckind = WEFT_KIND_CAUCUS;
	j->access = WEFT_ACCESS_REQUEST;
	j->text = strdup("a topic");
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_true(j->id > 0);
	assert_int_equal(j->chan.id, j->id);
	assert_string_equal(j->chan.name, "equity-caucus");
	assert_int_equal(j->chan.kind, WEFT_KIND_CAUCUS);
	assert_int_equal(j->chan.access, WEFT_ACCESS_REQUEST);
	assert_string_equal(j->chan.topic, "a topic");
	assert_false(j->chan.archived);
	assert_int_equal(j->chan.created_by, f->ana);
	assert_true(j->chan.created_ms > 0);
	/* The creator joined as owner: a join event. */
	assert_true(j->seq > 0);
	assert_int_equal(j->ev.seq, j->seq);
	assert_int_equal(j->ev.kind, WEFT_EV_JOIN);
	assert_int_equal(j->ev.channel, j->id);
	assert_int_equal(j->ev.user.id, f->ana);
	assert_string_equal(j->ev.user.name, "ana");
	assert_int_equal(j->ev.role, WEFT_ROLE_OWNER);
	assert_int_equal(last_seq_of(f->st), j->seq);
	int64_t ch = j->id;
	weft_job_free(j);

	struct weft_member_row rows[4];
	int n = 0;
	assert_int_equal(weft_store_members(f->st, ch, rows, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].user.id, f->ana);
	assert_int_equal(rows[0].role, WEFT_ROLE_OWNER);

	/* The same name again: conflict, nothing committed. */
	int64_t last = last_seq_of(f->st);
	j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	j->user = f->bo;
	snprintf(j->name, sizeof j->name, "equity-caucus");
	j->ckind = WEFT_KIND_TEAM;
	j->access = WEFT_ACCESS_INVITE;
	run(f, j);
	assert_int_equal(j->result, WEFT_ECONFLICT);
	assert_int_equal(j->seq, 0);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last);
	assert_int_equal(weft_store_members(f->st, ch, rows, 4, &n), 0);
	assert_int_equal(n, 1);
}

static void test_send_seq_and_ids(void **state)
{
	struct fx *f = *state;
	int64_t a = create_channel(f, f->ana, "a", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t b = create_channel(f, f->ana, "b", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t prev = last_seq_of(f->st);
	for (int i = 0; i < 10; i++) {
		char body[32], cid[32];
		snprintf(body, sizeof body, "message %d", i);
		snprintf(cid, sizeof cid, "c-%d", i);
		struct weft_job *j = run(f, send_job(f->ana, i % 2 ? a : b, body, cid));
		assert_int_equal(j->result, 0);
		assert_false(j->duplicate);
		assert_true(j->seq > prev);              /* strictly increasing */
		assert_int_equal(j->id, j->seq);         /* a message's id is its seq */
		assert_int_equal(last_seq_of(f->st), j->seq);
		assert_int_equal(j->ev.seq, j->seq);
		assert_int_equal(j->ev.kind, WEFT_EV_MESSAGE);
		assert_int_equal(j->ev.channel, i % 2 ? a : b);
		assert_true(j->ev.ts_ms > 0);
		assert_int_equal(j->ev.msg.id, j->id);
		assert_int_equal(j->ev.msg.channel, i % 2 ? a : b);
		assert_string_equal(j->ev.msg.body, body);
		assert_string_equal(j->ev.msg.client_id, cid);
		assert_int_equal(j->ev.msg.author.id, f->ana);
		assert_string_equal(j->ev.msg.author.name, "ana");
		assert_string_equal(j->ev.msg.author.display, "Ana L\xc3\xb3pez");
		assert_int_equal(j->ev.msg.thread, 0);
		assert_false(j->ev.msg.deleted);
		prev = j->seq;

		struct weft_message m = { 0 };
		assert_int_equal(weft_store_message_get(f->st, j->id, &m), 0);
		assert_string_equal(m.body, body);
		assert_int_equal(m.channel, i % 2 ? a : b);
		assert_int_equal(m.edited_ms, 0);
		weft_message_clear(&m);
		weft_job_free(j);
	}
	struct weft_message m = { 0 };
	assert_int_equal(weft_store_message_get(f->st, prev + 1000, &m), WEFT_ENOTFOUND);
}

static void test_send_idempotent(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	join(f, ch, f->bo, WEFT_ROLE_MEMBER);

	struct weft_job *j = run(f, send_job(f->ana, ch, "hello", "c-5f1e"));
	assert_int_equal(j->result, 0);
	int64_t orig = j->id, last = last_seq_of(f->st);
	weft_job_free(j);

	/* Same author, same client_id, even with another body: the original. */
	j = run(f, send_job(f->ana, ch, "hello again", "c-5f1e"));
	assert_int_equal(j->result, 0);
	assert_true(j->duplicate);
	assert_int_equal(j->id, orig);
	assert_int_equal(j->ev.seq, orig);
	assert_int_equal(j->ev.kind, WEFT_EV_MESSAGE);
	assert_int_equal(j->ev.msg.id, orig);
	assert_string_equal(j->ev.msg.body, "hello");
	assert_string_equal(j->ev.msg.client_id, "c-5f1e");
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last); /* no new event */
	struct weft_message page[10];
	int n = 0;
	bool more = true;
	assert_int_equal(weft_store_history(f->st, ch, 0, -1, 10, page, &n, &more), 0);
	assert_int_equal(n, 1);
	weft_message_clear(&page[0]);

	/* Another author, same client_id: a new message. */
	j = run(f, send_job(f->bo, ch, "mine", "c-5f1e"));
	assert_int_equal(j->result, 0);
	assert_false(j->duplicate);
	assert_true(j->id > orig);
	assert_int_equal(j->ev.msg.author.id, f->bo);
	assert_int_equal(last_seq_of(f->st), j->id);
	weft_job_free(j);

	/* No client_id: never a duplicate. */
	int64_t x1 = send_msg(f, f->ana, ch, "same");
	int64_t x2 = send_msg(f, f->ana, ch, "same");
	assert_true(x2 > x1);
}

static void assert_user_ref_equal(const struct weft_user_ref *a, const struct weft_user_ref *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->display, b->display);
}

/* Every field of two events, as the protocol encoder may read them. */
static void assert_event_equal(const struct weft_event *a, const struct weft_event *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->channel, b->channel);
	assert_int_equal(a->ts_ms, b->ts_ms);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->role, b->role);
	assert_user_ref_equal(&a->actor, &b->actor);
	assert_user_ref_equal(&a->user, &b->user);
	assert_int_equal(a->msg.id, b->msg.id);
	assert_int_equal(a->msg.channel, b->msg.channel);
	assert_int_equal(a->msg.thread, b->msg.thread);
	assert_int_equal(a->msg.ts_ms, b->msg.ts_ms);
	assert_int_equal(a->msg.edited_ms, b->msg.edited_ms);
	assert_user_ref_equal(&a->msg.author, &b->msg.author);
	if (a->msg.body || b->msg.body) {
		assert_non_null(a->msg.body);
		assert_non_null(b->msg.body);
		assert_string_equal(a->msg.body, b->msg.body);
	}
	assert_string_equal(a->msg.client_id, b->msg.client_id);
	assert_int_equal(a->msg.deleted, b->msg.deleted);
	assert_int_equal(a->chan.id, b->chan.id);
	assert_string_equal(a->chan.name, b->chan.name);
}

/* A send's event is built by the writer from the job, not read back: it
 * must equal what the database gives for the same seq (replay), for every
 * author (the name cache) and with or without thread and client_id. */
static void test_send_event_matches_stored(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	join(f, ch, f->bo, WEFT_ROLE_MEMBER);
	join(f, ch, f->cy, WEFT_ROLE_MEMBER);
	int64_t users[3] = { f->ana, f->bo, f->cy };
	int64_t root = 0;
	for (int i = 0; i < 12; i++) {
		char body[64], cid[32];
		snprintf(body, sizeof body, "m\xc3\xa9ssage %d \xe2\x9c\x93", i);
		snprintf(cid, sizeof cid, "k-%d", i);
		struct weft_job *j = send_job(users[i % 3], ch, body, i % 2 ? cid : NULL);
		j->thread = i % 4 == 3 ? root : 0;
		run(f, j);
		assert_int_equal(j->result, 0);
		if (!root)
			root = j->id;
		struct weft_event stored[2];
		int n = 0;
		assert_int_equal(weft_store_channel_events(f->st, ch, j->seq - 1, j->seq, 2, stored, &n), 0);
		assert_int_equal(n, 1);
		assert_event_equal(&j->ev, &stored[0]);
		assert_int_equal(j->nmore, 0);
		weft_event_clear(&stored[0]);
		weft_job_free(j);
	}
}

/* A repeated client_id is caught by the UNIQUE index: the event inserted
 * before the message is undone (no seq is used up, the next send gets the
 * very next one), the answer is the original, also within one batch, and
 * also after the author left the channel. */
static void test_send_duplicate_by_constraint(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	join(f, ch, f->bo, WEFT_ROLE_MEMBER);
	struct weft_job *j = run(f, send_job(f->bo, ch, "first", "dup-1"));
	assert_int_equal(j->result, 0);
	int64_t orig = j->id;
	weft_job_free(j);

	/* Three at once: the original, a new one, the original again. */
	struct weft_job *sub[3] = {
		send_job(f->bo, ch, "retry", "dup-1"),
		send_job(f->bo, ch, "second", "dup-2"),
		send_job(f->bo, ch, "retry of second", "dup-2"),
	};
	for (int i = 0; i < 3; i++)
		assert_int_equal(weft_store_submit(f->st, sub[i]), 0);
	struct weft_job *done[3];
	collect(f, done, 3);
	assert_true(done[0]->duplicate);
	assert_int_equal(done[0]->id, orig);
	assert_string_equal(done[0]->ev.msg.body, "first");
	assert_false(done[1]->duplicate);
	assert_int_equal(done[1]->seq, orig + 1); /* the duplicate used no seq */
	assert_true(done[2]->duplicate);
	assert_int_equal(done[2]->id, done[1]->id);
	assert_string_equal(done[2]->ev.msg.body, "second");
	assert_int_equal(last_seq_of(f->st), done[1]->seq);
	int64_t second = done[1]->id;
	for (int i = 0; i < 3; i++)
		weft_job_free(done[i]);

	/* Gone from the channel: a new send is refused, a repeat is answered. */
	j = weft_job_new(WEFT_JOB_LEAVE);
	j->user = f->bo;
	j->target = f->bo;
	j->channel = ch;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	j = run(f, send_job(f->bo, ch, "late", "dup-3"));
	assert_int_equal(j->result, WEFT_EFORBIDDEN);
	weft_job_free(j);
	j = run(f, send_job(f->bo, ch, "late retry", "dup-2"));
	assert_int_equal(j->result, 0);
	assert_true(j->duplicate);
	assert_int_equal(j->id, second);
	weft_job_free(j);

	struct weft_message page[10];
	int n = 0;
	bool more = true;
	assert_int_equal(weft_store_history(f->st, ch, 0, -1, 10, page, &n, &more), 0);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++)
		weft_message_clear(&page[i]);
}

static void test_send_refused(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "private", WEFT_KIND_TEAM, WEFT_ACCESS_INVITE);
	int64_t other = create_channel(f, f->ana, "other", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t last = last_seq_of(f->st);

	/* Not a member. */
	struct weft_job *j = run(f, send_job(f->bo, ch, "let me in", "c-1"));
	assert_int_equal(j->result, WEFT_EFORBIDDEN);
	assert_int_equal(j->seq, 0);
	assert_false(j->duplicate);
	weft_job_free(j);
	/* A channel that does not exist. */
	j = run(f, send_job(f->ana, 9999, "void", NULL));
	assert_int_equal(j->result, WEFT_EFORBIDDEN);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last);
	/* The refused client_id was not recorded: once a member, it sends. */
	invite(f, ch, f->ana, f->bo);
	join(f, ch, f->bo, WEFT_ROLE_MEMBER);
	j = run(f, send_job(f->bo, ch, "let me in", "c-1"));
	assert_int_equal(j->result, 0);
	assert_false(j->duplicate);
	weft_job_free(j);

	/* A thread must name a message of the same channel. */
	int64_t root = send_msg(f, f->ana, ch, "root");
	int64_t elsewhere = send_msg(f, f->ana, other, "elsewhere");
	j = send_job(f->ana, ch, "reply", NULL);
	j->thread = root;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->ev.msg.thread, root);
	weft_job_free(j);
	last = last_seq_of(f->st);
	j = send_job(f->ana, ch, "reply", NULL);
	j->thread = elsewhere;
	run(f, j);
	assert_int_equal(j->result, WEFT_EINVAL);
	weft_job_free(j);
	j = send_job(f->ana, ch, "reply", NULL);
	j->thread = last + 100;
	run(f, j);
	assert_int_equal(j->result, WEFT_EINVAL);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last);
}

static struct weft_job *edit_job(int kind, int64_t user, int64_t channel, int64_t target, const char *body)
{
	struct weft_job *j = weft_job_new(kind);
	j->user = user;
	j->channel = channel;
	j->target = target;
	if (body)
		j->text = strdup(body);
	return j;
}

static void test_edit_delete(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t other = create_channel(f, f->ana, "other", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t m1 = send_msg(f, f->ana, ch, "first");
	int64_t m2 = send_msg(f, f->ana, ch, "second");

	struct weft_job *j = run(f, edit_job(WEFT_JOB_EDIT, f->ana, ch, m1, "first, fixed"));
	assert_int_equal(j->result, 0);
	assert_true(j->seq > m2);
	assert_int_equal(j->ev.kind, WEFT_EV_EDIT);
	assert_int_equal(j->ev.channel, ch);
	assert_int_equal(j->ev.msg.id, m1);
	assert_string_equal(j->ev.msg.body, "first, fixed");
	assert_true(j->ev.msg.edited_ms > 0);
	int64_t edit_seq = j->seq;
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), edit_seq);

	struct weft_message m = { 0 };
	assert_int_equal(weft_store_message_get(f->st, m1, &m), 0);
	assert_string_equal(m.body, "first, fixed");
	assert_true(m.edited_ms > 0);
	assert_int_equal(m.id, m1); /* the id does not change */
	weft_message_clear(&m);
	struct weft_message page[10];
	int n = 0;
	bool more;
	assert_int_equal(weft_store_history(f->st, ch, 0, -1, 10, page, &n, &more), 0);
	assert_int_equal(n, 2);
	assert_int_equal(page[0].id, m1);
	assert_string_equal(page[0].body, "first, fixed");
	for (int i = 0; i < n; i++)
		weft_message_clear(&page[i]);

	/* The wrong channel: not found, nothing changes. */
	j = run(f, edit_job(WEFT_JOB_EDIT, f->ana, other, m1, "hijack"));
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
	j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, other, m1, NULL));
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), edit_seq);

	/* Delete: the body is gone; history omits the message. */
	j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, ch, m1, NULL));
	assert_int_equal(j->result, 0);
	assert_true(j->seq > edit_seq);
	assert_int_equal(j->ev.kind, WEFT_EV_DELETE);
	assert_int_equal(j->ev.msg.id, m1);
	assert_null(j->ev.msg.body);
	int64_t del_seq = j->seq;
	weft_job_free(j);
	assert_int_equal(weft_store_message_get(f->st, m1, &m), 0);
	assert_true(m.deleted);
	assert_null(m.body);
	weft_message_clear(&m);
	assert_int_equal(weft_store_history(f->st, ch, 0, -1, 10, page, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].id, m2);
	assert_false(more);
	weft_message_clear(&page[0]);
	/* Past events of the message no longer carry the body either. */
	struct weft_event evs[16];
	assert_int_equal(weft_store_channel_events(f->st, ch, 0, INT64_MAX, 16, evs, &n), 0);
	for (int i = 0; i < n; i++) {
		if (evs[i].msg.id == m1)
			assert_null(evs[i].msg.body);
		weft_event_clear(&evs[i]);
	}

	/* Editing or deleting a deleted message: not found. */
	j = run(f, edit_job(WEFT_JOB_EDIT, f->ana, ch, m1, "resurrect"));
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
	j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, ch, m1, NULL));
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), del_seq);
}

/* Searches a file for a byte string. */
/* Files: an upload's row and the quota, a send that attaches it (and one
 * that may not), the message objects that carry it, the library, a delete
 * that hands back the hashes it no longer names, and the expiry of uploads
 * never attached. */
static struct weft_job *file_job(int64_t user, int64_t channel, const char *name, const char *sha, int64_t size,
				 int64_t quota)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_FILE_CREATE);
	j->user = user;
	j->channel = channel;
	j->text = strdup(name);
	snprintf(j->file_type, sizeof j->file_type, "image/png");
	snprintf(j->sha256, sizeof j->sha256, "%s", sha);
	j->size = size;
	j->file_quota = quota;
	return j;
}

static void test_files(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "files-room", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	join(f, ch, f->bo, WEFT_ROLE_MEMBER);
	const char *sha = "ab00000000000000000000000000000000000000000000000000000000000001";
	struct weft_job *j = run(f, file_job(f->ana, ch, "chart.png", sha, 1000, 1500));
	assert_int_equal(j->result, 0);
	int64_t fid = j->id;
	weft_job_free(j);
	/* The quota counts the day's uploads. */
	j = run(f, file_job(f->ana, ch, "more.png", sha, 600, 1500));
	assert_int_equal(j->result, WEFT_ETOOLARGE);
	assert_int_equal(j->used, 1000);
	weft_job_free(j);
	int64_t used = 0;
	assert_int_equal(weft_store_upload_usage(f->st, f->ana, weft_now_ms() - 86400000, &used), 0);
	assert_int_equal(used, 1000);

	/* Someone else may not attach it; its uploader may, once. */
	j = send_job(f->bo, ch, "not mine", "fb1");
	j->files[j->nfiles++] = fid;
	run(f, j);
	assert_int_equal(j->result, WEFT_EINVAL);
	weft_job_free(j);
	j = send_job(f->ana, ch, "", "fa1");
	j->files[j->nfiles++] = fid;
	run(f, j);
	assert_int_equal(j->result, 0);
	int64_t mid = j->id;
	assert_string_equal(j->ev.msg.files, "[{\"id\":1,\"name\":\"chart.png\",\"size\":1000,\"type\":\"image/png\"}]");
	weft_job_free(j);
	j = send_job(f->ana, ch, "again", "fa2");
	j->files[j->nfiles++] = fid;
	run(f, j);
	assert_int_equal(j->result, WEFT_EINVAL);
	weft_job_free(j);

	struct weft_message m;
	assert_int_equal(weft_store_message_get(f->st, mid, &m), 0);
	assert_non_null(strstr(m.files, "chart.png"));
	weft_message_clear(&m);
	struct weft_file_info lib[4];
	int n = 0;
	bool more = true;
	assert_int_equal(weft_store_channel_files(f->st, ch, 0, 4, lib, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_int_equal(lib[0].message, mid);
	assert_int_equal(lib[0].uploader.id, f->ana);
	assert_string_equal(lib[0].sha256, sha);

	/* A delete names the hash it dropped. */
	j = edit_job(WEFT_JOB_DELETE, f->ana, ch, mid, NULL);
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->ngone, 1);
	assert_string_equal(j->gone[0], sha);
	weft_job_free(j);
	struct weft_file_info fi;
	assert_int_equal(weft_store_file_get(f->st, fid, &fi), WEFT_ENOTFOUND);

	/* Uploads never attached expire. */
	j = run(f, file_job(f->bo, ch, "left.png", sha, 10, 0));
	assert_int_equal(j->result, 0);
	int64_t left = j->id;
	weft_job_free(j);
	j = weft_job_new(WEFT_JOB_FILES_EXPIRE);
	j->expires_ms = weft_now_ms() + 1000;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->ngone, 1);
	assert_false(j->flag);
	weft_job_free(j);
	assert_int_equal(weft_store_file_get(f->st, left, &fi), WEFT_ENOTFOUND);
}

static bool file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	size_t nl = strlen(needle), cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t r;
	bool found = false;
	while ((r = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += r;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(fp);
	for (size_t i = 0; i + nl <= len && !found; i++)
		found = !memcmp(buf + i, needle, nl);
	free(buf);
	return found;
}

/* "A deleted message's body is gone from the store, not hidden": once the
 * writer is idle or stopped, neither the database nor its WAL holds it. */
static void test_delete_scrubs_files(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	const char *secret = "zq-secret-body-7f3a9c";
	int64_t m = send_msg(f, f->ana, ch, secret);
	send_msg(f, f->ana, ch, "filler");
	struct weft_job *j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, ch, m, NULL));
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	weft_store_stop(f->st);
	weft_store_close(f->st);
	f->st = NULL;
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	assert_false(file_contains(f->db, secret));
	assert_false(file_contains(wal, secret));
	assert_true(file_contains(f->db, "filler"));
}

static int64_t file_size(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return 0;
	fseek(fp, 0, SEEK_END);
	int64_t n = ftell(fp);
	fclose(fp);
	return n;
}

/* Is a thread of this process named name (pthread_setname_np)? */
static bool thread_named(const char *name)
{
	char cmd[160], out[64] = "";
	snprintf(cmd, sizeof cmd, "grep -lx '%s' /proc/%d/task/*/comm 2>/dev/null | head -1", name, (int)getpid());
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	bool found = fgets(out, sizeof out, p) != NULL;
	pclose(p);
	return found;
}

/* Under commits that never pause, the WAL is checkpointed by the
 * checkpointer thread (not in the writer's commits) and still starts over
 * instead of growing: its file stays near the checkpoint threshold (32
 * MiB) although several times that much was committed. */
static void test_checkpointer_bounds_wal(void **state)
{
	struct fx *f = *state;
	enum { CHANNELS = 40, ROUND = 200, ROUNDS = 400, BODY = 4000 };
	int64_t ch[CHANNELS];
	for (int i = 0; i < CHANNELS; i++) {
		char name[32];
		snprintf(name, sizeof name, "wal-%d", i);
		ch[i] = create_channel(f, f->ana, name, WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	}
	assert_true(thread_named("weft-ckpt"));
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	char *body = malloc(BODY + 1);
	assert_non_null(body);
	memset(body, 'w', BODY);
	body[BODY] = '\0';
	int64_t max_wal = 0;
	int submitted = 0, completed = 0;
	/* Keep two rounds in flight, so the writer always has a next batch. */
	while (completed < ROUNDS * ROUND) {
		while (submitted < ROUNDS * ROUND && submitted - completed < 2 * ROUND) {
			assert_int_equal(weft_store_submit(f->st, send_job(f->ana, ch[submitted % CHANNELS], body, NULL)),
					 0);
			submitted++;
		}
		pthread_mutex_lock(&f->lock);
		uint64_t seen = f->notified;
		pthread_mutex_unlock(&f->lock);
		struct weft_job *j = weft_store_take_completed(f->st);
		if (!j) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 20;
			pthread_mutex_lock(&f->lock);
			int rc = 0;
			while (f->notified == seen && rc != ETIMEDOUT)
				rc = pthread_cond_timedwait(&f->cond, &f->lock, &until);
			pthread_mutex_unlock(&f->lock);
			assert_int_not_equal(rc, ETIMEDOUT);
			continue;
		}
		for (struct weft_job *next; j; j = next) {
			next = j->next;
			assert_int_equal(j->result, 0);
			weft_job_free(j);
			completed++;
		}
		int64_t n = file_size(wal);
		if (n > max_wal)
			max_wal = n;
	}
	free(body);
	body = NULL;
	int64_t committed = (int64_t)ROUNDS * ROUND * BODY;
	/* Far more went through the WAL than it ever held at once, and the
	 * WAL started over before the writer's own fallback (at four times
	 * the threshold: 64000 frames of 2 KiB + 24 bytes, 132.6 MB; without the
	 * gate the WAL grew past that; with it, 60-80 MB even beside the
	 * integration tests). */
	assert_true(committed > 2 * max_wal);
	assert_true(max_wal < (int64_t)120 << 20);

	/* What the checkpointer copied (reading the WAL through its mapping)
	 * is intact: in the database file alone once the store is closed. */
	weft_store_stop(f->st);
	weft_store_close(f->st);
	f->st = NULL;
	assert_int_equal(file_size(wal), 0);
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(body)), sum(body = ?) FROM messages",
					    -1, &s, NULL), SQLITE_OK);
	body = malloc(BODY + 1);
	assert_non_null(body);
	memset(body, 'w', BODY);
	body[BODY] = '\0';
	sqlite3_bind_text(s, 1, body, -1, SQLITE_TRANSIENT);
	free(body);
	assert_bodies_and_close(db, s, ROUNDS * ROUND, (int64_t)ROUNDS * ROUND * BODY, ROUNDS * ROUND);
}

/* Deletions followed by idleness still truncate the WAL (secure delete)
 * while the server keeps running, with the checkpointer beside it. */
static void test_idle_scrub_truncates_wal(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	const char *secret = "zq-idle-secret-41d2";
	int64_t m = send_msg(f, f->ana, ch, secret);
	for (int i = 0; i < 50; i++)
		send_msg(f, f->ana, ch, "filler");
	struct weft_job *j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, ch, m, NULL));
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	for (int i = 0; i < 200 && file_size(wal) > 0; i++)
		usleep(10 * 1000);
	assert_int_equal(file_size(wal), 0);
	assert_false(file_contains(f->db, secret));
	assert_true(file_contains(f->db, "filler"));
}

/* One failing job in a batch does not undo the others, and jobs that
 * arrive while a transaction is in progress share the next one. */
static void test_group_commit(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	uint64_t jobs0, commits0;
	weft_store_stats(f->st, &jobs0, &commits0);

	/* Hold the database's write lock from another connection so that the
	 * writer blocks in BEGIN while everything below queues up. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	enum { N = 60 };
	struct weft_job *sub[N];
	for (int i = 0; i < N; i++) {
		if (i == 30) {
			/* A name that is taken: this one fails. */
			sub[i] = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
			sub[i]->user = f->bo;
			snprintf(sub[i]->name, sizeof sub[i]->name, "lobby");
			sub[i]->ckind = WEFT_KIND_COHORT;
		} else if (i == 40) {
			/* The same client_id as job 20 in the same batch: duplicate. */
			sub[i] = send_job(f->ana, ch, "again", "cid-20");
		} else {
			char body[32], cid[32];
			snprintf(body, sizeof body, "batch %d", i);
			snprintf(cid, sizeof cid, "cid-%d", i);
			sub[i] = send_job(f->ana, ch, body, cid);
		}
		assert_int_equal(weft_store_submit(f->st, sub[i]), 0);
	}
	usleep(100 * 1000);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	struct weft_job *done[N];
	collect(f, done, N);
	int64_t prev = 0;
	for (int i = 0; i < N; i++) {
		/* Completed in submission order, which is commit order. */
		assert_ptr_equal(done[i], sub[i]);
		if (i == 30) {
			assert_int_equal(done[i]->result, WEFT_ECONFLICT);
			assert_int_equal(done[i]->seq, 0);
			continue;
		}
		assert_int_equal(done[i]->result, 0);
		if (i == 40) {
			assert_true(done[i]->duplicate);
			assert_int_equal(done[i]->id, sub[20]->id);
			continue;
		}
		assert_false(done[i]->duplicate);
		assert_true(done[i]->seq > prev);
		prev = done[i]->seq;
	}
	assert_int_equal(last_seq_of(f->st), prev);
	for (int i = 0; i < N; i++)
		weft_job_free(done[i]);

	uint64_t jobs1, commits1;
	weft_store_stats(f->st, &jobs1, &commits1);
	assert_int_equal(jobs1 - jobs0, N);
	/* At most the first job went alone; the rest shared one transaction. */
	assert_true(commits1 - commits0 <= 2);
	assert_true(commits1 - commits0 < jobs1 - jobs0);

	/* Every successful send is durable and visible. */
	struct weft_message page[WEFT_HISTORY_MAX];
	int n = 0;
	bool more;
	assert_int_equal(weft_store_history(f->st, ch, 0, -1, WEFT_HISTORY_MAX, page, &n, &more), 0);
	assert_int_equal(n, N - 2);
	for (int i = 0; i < n; i++)
		weft_message_clear(&page[i]);
}

/* The WAL buffer of the "walbuf" VFS (wal.c): whatever a completed job
 * committed is in the file for any other connection (here one on the default VFS, as
 * another process would open it), also for a batch larger than the buffer
 * (4 MiB), and the buffered writes land where SQLite meant them. */
static void test_wal_buffer_visible(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "bulk", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	enum { N = 700, BODY = 8000 };
	char *body = malloc(BODY + 1);
	assert_non_null(body);
	static struct weft_job *done[N];
	for (int i = 0; i < N; i++) {
		memset(body, 'a' + i % 26, BODY);
		body[BODY] = '\0';
		assert_int_equal(weft_store_submit(f->st, send_job(f->ana, ch, body, NULL)), 0);
	}
	free(body);
	collect(f, done, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(done[i]->result, 0);
		weft_job_free(done[i]);
	}
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(body)),"
					    " sum(substr(body, 1, 1) = char(97 + (id - ?1) % 26))"
					    " FROM messages WHERE channel_id = ?2",
					    -1, &s, NULL), SQLITE_OK);
	int64_t first = last_seq_of(f->st) - N + 1;
	sqlite3_bind_int64(s, 1, first);
	sqlite3_bind_int64(s, 2, ch);
	assert_bodies_and_close(db, s, N, (int64_t)N * BODY, N);
}

/* Many jobs submitted as fast as possible also batch (no lock trick). */
static void test_group_commit_burst(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "burst", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	uint64_t jobs0, commits0;
	weft_store_stats(f->st, &jobs0, &commits0);
	enum { N = 300 };
	static struct weft_job *done[N];
	for (int i = 0; i < N; i++)
		assert_int_equal(weft_store_submit(f->st, send_job(f->ana, ch, "x", NULL)), 0);
	collect(f, done, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(done[i]->result, 0);
		if (i)
			assert_true(done[i]->seq > done[i - 1]->seq);
	}
	for (int i = 0; i < N; i++)
		weft_job_free(done[i]);
	uint64_t jobs1, commits1;
	weft_store_stats(f->st, &jobs1, &commits1);
	assert_int_equal(jobs1 - jobs0, N);
	assert_true(commits1 - commits0 < N);
}

static void test_membership(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "team", WEFT_KIND_TEAM, WEFT_ACCESS_INVITE);
	int64_t last = last_seq_of(f->st);

	/* Without an invitation nobody joins an invite-only channel. */
	struct weft_job *j = weft_job_new(WEFT_JOB_JOIN);
	j->user = f->bo;
	j->target = f->bo;
	j->channel = ch;
	run(f, j);
	assert_int_equal(j->result, WEFT_EFORBIDDEN);
	assert_int_equal(j->seq, 0);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last);
	assert_false(invited(f->st, ch, f->bo));
	invite(f, ch, f->ana, f->bo);
	invite(f, ch, f->ana, f->cy);
	assert_true(invited(f->st, ch, f->bo));

	/* ana adds bo as moderator (actor ana, target bo). */
	j = weft_job_new(WEFT_JOB_JOIN);
	j->user = f->ana;
	j->target = f->bo;
	j->channel = ch;
	j->role = WEFT_ROLE_MODERATOR;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_true(j->seq > last);
	assert_int_equal(j->ev.kind, WEFT_EV_JOIN);
	assert_int_equal(j->ev.user.id, f->bo);
	assert_string_equal(j->ev.user.name, "bo");
	assert_int_equal(j->ev.role, WEFT_ROLE_MODERATOR);
	weft_job_free(j);
	/* The invitation is used up by joining. */
	assert_false(invited(f->st, ch, f->bo));
	/* No role: member. */
	j = weft_job_new(WEFT_JOB_JOIN);
	j->user = f->cy;
	j->target = f->cy;
	j->channel = ch;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->ev.role, WEFT_ROLE_MEMBER);
	weft_job_free(j);
	/* Joining twice is refused and adds nothing (the invitation is used up,
	 * so either refusal is right here). */
	last = last_seq_of(f->st);
	j = weft_job_new(WEFT_JOB_JOIN);
	j->user = f->cy;
	j->target = f->cy;
	j->channel = ch;
	run(f, j);
	assert_true(j->result == WEFT_ECONFLICT || j->result == WEFT_EFORBIDDEN);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last);
	/* In an open channel: conflict. */
	int64_t opench = create_channel(f, f->bo, "open", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	join(f, opench, f->cy, WEFT_ROLE_MEMBER);
	last = last_seq_of(f->st);
	j = weft_job_new(WEFT_JOB_JOIN);
	j->user = f->cy;
	j->target = f->cy;
	j->channel = opench;
	run(f, j);
	assert_int_equal(j->result, WEFT_ECONFLICT);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last);
	/* A request channel is not joined directly either. */
	int64_t req = create_channel(f, f->ana, "caucus", WEFT_KIND_CAUCUS, WEFT_ACCESS_REQUEST);
	j = weft_job_new(WEFT_JOB_JOIN);
	j->user = f->cy;
	j->target = f->cy;
	j->channel = req;
	run(f, j);
	assert_int_equal(j->result, WEFT_EFORBIDDEN);
	weft_job_free(j);

	/* Members: by role (owner first), then name. */
	struct weft_member_row rows[8];
	int n = 0;
	assert_int_equal(weft_store_members(f->st, ch, rows, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].user.name, "ana");
	assert_int_equal(rows[0].role, WEFT_ROLE_OWNER);
	assert_string_equal(rows[1].user.name, "bo");
	assert_int_equal(rows[1].role, WEFT_ROLE_MODERATOR);
	assert_string_equal(rows[2].user.name, "cy");
	assert_string_equal(rows[2].user.display, "Cy");
	assert_int_equal(rows[2].role, WEFT_ROLE_MEMBER);
	/* Bounded by max. */
	assert_int_equal(weft_store_members(f->st, ch, rows, 2, &n), 0);
	assert_int_equal(n, 2);

	/* Leave: an event naming the user; leaving again: not found. */
	j = weft_job_new(WEFT_JOB_LEAVE);
	j->user = f->cy;
	j->target = f->cy;
	j->channel = ch;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->ev.kind, WEFT_EV_LEAVE);
	assert_int_equal(j->ev.user.id, f->cy);
	assert_string_equal(j->ev.user.name, "cy");
	assert_int_equal(j->ev.channel, ch);
	last = j->seq;
	weft_job_free(j);
	assert_int_equal(weft_store_members(f->st, ch, rows, 8, &n), 0);
	assert_int_equal(n, 2);
	j = weft_job_new(WEFT_JOB_LEAVE);
	j->user = f->cy;
	j->target = f->cy;
	j->channel = ch;
	run(f, j);
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last);
	/* A former member cannot post. */
	j = run(f, send_job(f->cy, ch, "still here?", NULL));
	assert_int_equal(j->result, WEFT_EFORBIDDEN);
	weft_job_free(j);
}

/* ---- Reads. */

static void clear_page(struct weft_message *page, int n)
{
	for (int i = 0; i < n; i++)
		weft_message_clear(&page[i]);
}

/* Checks a history page against the expected ids and more flag. */
static void expect_page(struct fx *f, int64_t ch, int64_t before, int64_t after, int limit,
			const int64_t *want, int nwant, bool want_more)
{
	struct weft_message page[WEFT_HISTORY_MAX];
	int n = -1;
	bool more = !want_more;
	assert_int_equal(weft_store_history(f->st, ch, before, after, limit, page, &n, &more), 0);
	if (n != nwant)
		fail_msg("history(before=%lld, after=%lld, limit=%d): %d messages, expected %d",
			 (long long)before, (long long)after, limit, n, nwant);
	for (int i = 0; i < n; i++) {
		if (page[i].id != want[i])
			fail_msg("history(before=%lld, after=%lld, limit=%d)[%d]: id %lld, expected %lld",
				 (long long)before, (long long)after, limit, i, (long long)page[i].id,
				 (long long)want[i]);
		assert_int_equal(page[i].channel, ch);
		assert_non_null(page[i].body);
	}
	clear_page(page, n);
	if (more != want_more)
		fail_msg("history(before=%lld, after=%lld, limit=%d): more=%d, expected %d",
			 (long long)before, (long long)after, limit, more, want_more);
}

static void test_history_paging(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t other = create_channel(f, f->ana, "other", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	expect_page(f, ch, 0, -1, 50, NULL, 0, false);      /* empty channel */
	expect_page(f, ch, 0, 0, 50, NULL, 0, false);

	int64_t m[11]; /* m[1..10] */
	for (int i = 1; i <= 10; i++) {
		char body[16];
		snprintf(body, sizeof body, "m%d", i);
		m[i] = send_msg(f, f->ana, ch, body);
		send_msg(f, f->ana, other, "noise"); /* ids of ch are not contiguous */
	}
	/* Latest page. */
	expect_page(f, ch, 0, -1, 3, (int64_t[]){ m[8], m[9], m[10] }, 3, true);
	expect_page(f, ch, 0, -1, 10, &m[1], 10, false);
	expect_page(f, ch, 0, -1, 200, &m[1], 10, false);
	/* Backwards with before (exclusive). */
	expect_page(f, ch, m[8], -1, 3, &m[5], 3, true);
	expect_page(f, ch, m[5], -1, 3, &m[2], 3, true);
	expect_page(f, ch, m[4], -1, 3, &m[1], 3, false);
	expect_page(f, ch, m[3], -1, 5, &m[1], 2, false);
	expect_page(f, ch, m[1], -1, 5, NULL, 0, false);
	expect_page(f, ch, m[10] + 1000, -1, 2, &m[9], 2, true);
	/* Forwards with after (exclusive); after 0 pages from the oldest. */
	expect_page(f, ch, 0, 0, 3, &m[1], 3, true);
	expect_page(f, ch, 0, m[3], 3, &m[4], 3, true);
	expect_page(f, ch, 0, m[7], 3, &m[8], 3, false);
	expect_page(f, ch, 0, m[6], 10, &m[7], 4, false);
	expect_page(f, ch, 0, m[10], 3, NULL, 0, false);
	/* A window: after and before together. */
	expect_page(f, ch, m[6], m[2], 10, &m[3], 3, false);
	expect_page(f, ch, m[6], m[2], 2, &m[3], 2, true);
	expect_page(f, ch, m[6], m[2], 3, &m[3], 3, false);
	expect_page(f, ch, m[3], m[2], 3, NULL, 0, false);

	/* Deleted messages are skipped, and `more` does not count them. */
	struct weft_job *j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, ch, m[5], NULL));
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, ch, m[1], NULL));
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	expect_page(f, ch, m[7], -1, 2, (int64_t[]){ m[4], m[6] }, 2, true);
	expect_page(f, ch, m[4], -1, 2, &m[2], 2, false);   /* m1 deleted: nothing older */
	expect_page(f, ch, 0, m[3], 2, (int64_t[]){ m[4], m[6] }, 2, true);
	expect_page(f, ch, 0, -1, 200, (int64_t[]){ m[2], m[3], m[4], m[6], m[7], m[8], m[9], m[10] }, 8,
		    false);
	/* Edits show the current body. */
	j = run(f, edit_job(WEFT_JOB_EDIT, f->ana, ch, m[10], "m10 edited"));
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	struct weft_message page[2];
	int n;
	bool more;
	assert_int_equal(weft_store_history(f->st, ch, 0, -1, 1, page, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].body, "m10 edited");
	assert_true(page[0].edited_ms > 0);
	clear_page(page, n);
	/* Another channel's messages never leak in. */
	expect_page(f, 9999, 0, -1, 50, NULL, 0, false);
}

static void test_channel_events(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t other = create_channel(f, f->ana, "other", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	join(f, ch, f->bo, WEFT_ROLE_MEMBER);
	int64_t a = send_msg(f, f->bo, ch, "a");
	send_msg(f, f->ana, other, "noise");
	int64_t b = send_msg(f, f->ana, ch, "b");
	struct weft_job *j = run(f, edit_job(WEFT_JOB_EDIT, f->bo, ch, a, "a2"));
	weft_job_free(j);
	j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, ch, b, NULL));
	weft_job_free(j);
	j = weft_job_new(WEFT_JOB_LEAVE);
	j->user = f->bo;
	j->target = f->bo;
	j->channel = ch;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);

	struct weft_event ev[32];
	int n = 0;
	assert_int_equal(weft_store_channel_events(f->st, ch, 0, INT64_MAX, 32, ev, &n), 0);
	/* join(ana, owner), join(bo), message a, message b, edit a, delete b, leave bo */
	int kinds[] = { WEFT_EV_JOIN, WEFT_EV_JOIN, WEFT_EV_MESSAGE, WEFT_EV_MESSAGE, WEFT_EV_EDIT,
			WEFT_EV_DELETE, WEFT_EV_LEAVE };
	assert_int_equal(n, 7);
	for (int i = 0; i < n; i++) {
		assert_int_equal(ev[i].kind, kinds[i]);
		assert_int_equal(ev[i].channel, ch);
		assert_true(ev[i].ts_ms > 0);
		if (i)
			assert_true(ev[i].seq > ev[i - 1].seq);
	}
	assert_int_equal(ev[0].user.id, f->ana);
	assert_int_equal(ev[0].role, WEFT_ROLE_OWNER);
	assert_int_equal(ev[1].user.id, f->bo);
	assert_int_equal(ev[2].seq, a);
	assert_int_equal(ev[2].msg.id, a);
	assert_string_equal(ev[2].msg.body, "a2");      /* the message as it now is */
	assert_int_equal(ev[3].msg.id, b);
	assert_null(ev[3].msg.body);                    /* deleted */
	assert_int_equal(ev[4].msg.id, a);
	assert_string_equal(ev[4].msg.body, "a2");
	assert_int_equal(ev[5].msg.id, b);
	assert_int_equal(ev[6].user.id, f->bo);
	assert_string_equal(ev[6].user.name, "bo");
	int64_t seqs[7];
	for (int i = 0; i < n; i++) {
		seqs[i] = ev[i].seq;
		weft_event_clear(&ev[i]);
	}

	/* Bounds: after exclusive, upto inclusive, limit. */
	assert_int_equal(weft_store_channel_events(f->st, ch, seqs[1], seqs[4], 32, ev, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].seq, seqs[2]);
	assert_int_equal(ev[2].seq, seqs[4]);
	for (int i = 0; i < n; i++)
		weft_event_clear(&ev[i]);
	assert_int_equal(weft_store_channel_events(f->st, ch, seqs[1], INT64_MAX, 2, ev, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].seq, seqs[2]);
	assert_int_equal(ev[1].seq, seqs[3]);
	for (int i = 0; i < n; i++)
		weft_event_clear(&ev[i]);
	assert_int_equal(weft_store_channel_events(f->st, ch, seqs[6], INT64_MAX, 32, ev, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(weft_store_channel_events(f->st, ch, seqs[3], seqs[3], 32, ev, &n), 0);
	assert_int_equal(n, 0);
	/* The other channel: its join and its message only. */
	assert_int_equal(weft_store_channel_events(f->st, other, 0, INT64_MAX, 32, ev, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[1].kind, WEFT_EV_MESSAGE);
	assert_string_equal(ev[1].msg.body, "noise");
	for (int i = 0; i < n; i++)
		weft_event_clear(&ev[i]);
}

static void test_replay_floor(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t other = create_channel(f, f->ana, "other", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	for (int i = 0; i < 9; i++) {
		send_msg(f, f->ana, ch, "x");
		send_msg(f, f->ana, other, "y");
	}
	struct weft_event ev[16];
	int n = 0;
	assert_int_equal(weft_store_channel_events(f->st, ch, 0, INT64_MAX, 16, ev, &n), 0);
	assert_int_equal(n, 10); /* the owner's join and 9 messages */
	int64_t s[10];
	for (int i = 0; i < n; i++) {
		s[i] = ev[i].seq;
		weft_event_clear(&ev[i]);
	}
	int64_t floor = -1;
	/* At most max events follow: 0. */
	assert_int_equal(weft_store_replay_floor(f->st, ch, 0, 10, &floor), 0);
	assert_int_equal(floor, 0);
	assert_int_equal(weft_store_replay_floor(f->st, ch, 0, 1000, &floor), 0);
	assert_int_equal(floor, 0);
	assert_int_equal(weft_store_replay_floor(f->st, ch, s[6], 3, &floor), 0);
	assert_int_equal(floor, 0);                    /* exactly 3 follow s[6] */
	assert_int_equal(weft_store_replay_floor(f->st, ch, s[9], 3, &floor), 0);
	assert_int_equal(floor, 0);
	/* More than max follow: the seq just before the newest max. */
	assert_int_equal(weft_store_replay_floor(f->st, ch, 0, 3, &floor), 0);
	assert_int_equal(floor, s[6]);
	assert_int_equal(weft_store_replay_floor(f->st, ch, s[5], 3, &floor), 0);
	assert_int_equal(floor, s[6]);
	assert_int_equal(weft_store_replay_floor(f->st, ch, 0, 9, &floor), 0);
	assert_int_equal(floor, s[0]);
	assert_int_equal(weft_store_replay_floor(f->st, ch, 0, 1, &floor), 0);
	assert_int_equal(floor, s[8]);
	/* Replay over (floor, last] is exactly the newest max events. */
	assert_int_equal(weft_store_replay_floor(f->st, ch, 0, 4, &floor), 0);
	assert_int_equal(weft_store_channel_events(f->st, ch, floor, INT64_MAX, 16, ev, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ev[0].seq, s[6]);
	assert_int_equal(ev[3].seq, s[9]);
	for (int i = 0; i < n; i++)
		weft_event_clear(&ev[i]);
	/* A channel without events. */
	assert_int_equal(weft_store_replay_floor(f->st, 9999, 0, 1, &floor), 0);
	assert_int_equal(floor, 0);
}

static void test_unread_and_read_mark(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t m[6];
	for (int i = 0; i < 6; i++)
		m[i] = send_msg(f, f->ana, ch, "x");
	int u = -1;
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, 0, INT64_MAX, 100, &u), 0);
	assert_int_equal(u, 6);
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, m[3], INT64_MAX, 100, &u), 0);
	assert_int_equal(u, 2);
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, 0, INT64_MAX, 4, &u), 0);
	assert_int_equal(u, 4); /* capped */
	struct weft_job *j = run(f, edit_job(WEFT_JOB_DELETE, f->ana, ch, m[5], NULL));
	weft_job_free(j);
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, m[3], INT64_MAX, 100, &u), 0);
	assert_int_equal(u, 1); /* deleted ones do not count */
	assert_int_equal(weft_store_unread(f->st, ch, f->ana, 0, INT64_MAX, 100, &u), 0);
	assert_int_equal(u, 0); /* nor one's own */
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, 0, m[2], 100, &u), 0);
	assert_int_equal(u, 3); /* only up to what the fan-out has counted */

	j = weft_job_new(WEFT_JOB_READ_MARK);
	j->user = f->ana;
	j->channel = ch;
	j->target = m[2];
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->seq, 0); /* not an event */
	weft_job_free(j);
	/* A read mark never moves backwards. */
	j = weft_job_new(WEFT_JOB_READ_MARK);
	j->user = f->ana;
	j->channel = ch;
	j->target = m[0];
	run(f, j);
	weft_job_free(j);
}

struct loaded {
	int nchannels;
	struct weft_channel_info chans[8];
	int64_t last_seq[8];
	int nmembers;
	int64_t mchan[16], muser[16], mread[16], mjoined[16];
	int mrole[16];
};

static void on_channel(void *arg, const struct weft_channel_info *c, int64_t last_seq)
{
	struct loaded *l = arg;
	if (l->nchannels < 8) {
		l->chans[l->nchannels] = *c;
		l->last_seq[l->nchannels++] = last_seq;
	}
}

static void on_member(void *arg, int64_t channel, int64_t user, int role, int64_t read_seq,
		      int64_t joined_seq)
{
	struct loaded *l = arg;
	if (l->nmembers < 16) {
		l->mchan[l->nmembers] = channel;
		l->muser[l->nmembers] = user;
		l->mrole[l->nmembers] = role;
		l->mjoined[l->nmembers] = joined_seq;
		l->mread[l->nmembers++] = read_seq;
	}
}

static int64_t loaded_joined_seq(const struct loaded *l, int64_t ch, int64_t user)
{
	for (int i = 0; i < l->nmembers; i++)
		if (l->mchan[i] == ch && l->muser[i] == user)
			return l->mjoined[i];
	return -1;
}

static int64_t loaded_read_seq(const struct loaded *l, int64_t ch, int64_t user)
{
	for (int i = 0; i < l->nmembers; i++)
		if (l->mchan[i] == ch && l->muser[i] == user)
			return l->mread[i];
	fail_msg("membership %lld/%lld not loaded", (long long)ch, (long long)user);
	return -1;
}

static void test_load(void **state)
{
	struct fx *f = *state;
	int64_t a = create_channel(f, f->ana, "alpha", WEFT_KIND_CAUCUS, WEFT_ACCESS_REQUEST);
	int64_t b = create_channel(f, f->bo, "beta", WEFT_KIND_TEAM, WEFT_ACCESS_INVITE);
	send_msg(f, f->ana, a, "x");
	int64_t last_a = send_msg(f, f->ana, a, "y");
	invite(f, b, f->bo, f->cy);
	join(f, b, f->cy, WEFT_ROLE_MEMBER);
	int64_t last_b = last_seq_of(f->st);
	struct weft_job *j = weft_job_new(WEFT_JOB_READ_MARK);
	j->user = f->ana;
	j->channel = a;
	j->target = last_a;
	run(f, j);
	weft_job_free(j);
	j = weft_job_new(WEFT_JOB_READ_MARK);
	j->user = f->ana;
	j->channel = a;
	j->target = 1; /* older: ignored */
	run(f, j);
	weft_job_free(j);

	struct loaded l;
	memset(&l, 0, sizeof l);
	assert_int_equal(weft_store_load(f->st, on_channel, on_member, &l), 0);
	assert_int_equal(l.nchannels, 2);
	for (int i = 0; i < 2; i++) {
		if (l.chans[i].id == a) {
			assert_string_equal(l.chans[i].name, "alpha");
			assert_int_equal(l.chans[i].kind, WEFT_KIND_CAUCUS);
			assert_int_equal(l.chans[i].access, WEFT_ACCESS_REQUEST);
			assert_int_equal(l.last_seq[i], last_a);
		} else {
			assert_int_equal(l.chans[i].id, b);
			assert_string_equal(l.chans[i].name, "beta");
			assert_int_equal(l.chans[i].created_by, f->bo);
			assert_int_equal(l.last_seq[i], last_b);
		}
	}
	assert_int_equal(l.nmembers, 3);
	assert_int_equal(loaded_read_seq(&l, a, f->ana), last_a);
	for (int i = 0; i < l.nmembers; i++) {
		if (l.mchan[i] == b && l.muser[i] == f->bo)
			assert_int_equal(l.mrole[i], WEFT_ROLE_OWNER);
		if (l.mchan[i] == b && l.muser[i] == f->cy)
			assert_int_equal(l.mrole[i], WEFT_ROLE_MEMBER);
	}
}

/* jobs_channel.c add_member: "A new member starts with nothing unread."
 * Someone joining a channel with history must not see all of it as unread. */
static void test_new_member_nothing_unread(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "busy", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	for (int i = 0; i < 5; i++)
		send_msg(f, f->ana, ch, "before bo joined");
	join(f, ch, f->bo, WEFT_ROLE_MEMBER);
	int64_t join_seq = last_seq_of(f->st);
	struct loaded l;
	memset(&l, 0, sizeof l);
	assert_int_equal(weft_store_load(f->st, on_channel, on_member, &l), 0);
	/* The membership remembers its join event: replay starts there. */
	assert_int_equal(loaded_joined_seq(&l, ch, f->bo), join_seq);
	int u = -1;
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, loaded_read_seq(&l, ch, f->bo), INT64_MAX, 999, &u), 0);
	assert_int_equal(u, 0);
	/* A message after the join is unread. */
	send_msg(f, f->ana, ch, "after");
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, loaded_read_seq(&l, ch, f->bo), INT64_MAX, 999, &u), 0);
	assert_int_equal(u, 1);
}

/* ---- Sessions. */

static int64_t create_session(struct fx *f, int64_t user, unsigned char tag, int64_t expires)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_SESSION_CREATE);
	j->target = user;
	memset(j->token_hash, tag, 32);
	j->expires_ms = expires;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_true(j->id > 0);
	assert_int_equal(j->seq, 0);
	int64_t id = j->id;
	weft_job_free(j);
	return id;
}

static void test_sessions(void **state)
{
	struct fx *f = *state;
	int64_t now = weft_now_ms();
	int64_t day = 24 * 3600 * 1000LL;
	int64_t sid = create_session(f, f->ana, 0xA1, now + 10 * day);
	unsigned char h[32];
	memset(h, 0xA1, 32);

	struct weft_session s;
	memset(&s, 0, sizeof s);
	assert_int_equal(weft_store_session_get(f->st, h, now, day, &s), 0);
	assert_int_equal(s.id, sid);
	assert_int_equal(s.user_id, f->ana);
	assert_int_equal(s.user.id, f->ana);
	assert_string_equal(s.user.name, "ana");
	assert_true(s.admin);
	assert_int_equal(s.expires_ms, now + 10 * day);
	assert_true(s.last_used_ms >= now - 1000 && s.last_used_ms <= now + 60000);
	int64_t used = s.last_used_ms;

	/* Unknown token. */
	unsigned char other[32];
	memset(other, 0xA2, 32);
	struct weft_session untouched = { .id = 4242 };
	assert_int_equal(weft_store_session_get(f->st, other, now, day, &untouched), WEFT_EAUTH);
	assert_int_equal(untouched.id, 4242);

	/* Absolute expiry: valid just before expires_ms, not at it. */
	assert_int_equal(weft_store_session_get(f->st, h, now + 10 * day - 1, 100 * day, &s), 0);
	assert_int_equal(weft_store_session_get(f->st, h, now + 10 * day, 100 * day, &s), WEFT_EAUTH);
	/* Idle expiry: measured from the last use. */
	assert_int_equal(weft_store_session_get(f->st, h, used + 1000 - 1, 1000, &s), 0);
	assert_int_equal(weft_store_session_get(f->st, h, used + 1000, 1000, &s), WEFT_EAUTH);

	/* Touch moves the last use forward. */
	usleep(30 * 1000);
	struct weft_job *j = weft_job_new(WEFT_JOB_SESSION_TOUCH);
	j->target = sid;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	assert_int_equal(weft_store_session_get(f->st, h, used + 1000, 1000, &s), 0);
	assert_true(s.last_used_ms >= used + 30);

	/* Another session of the same user is independent. */
	int64_t sid2 = create_session(f, f->ana, 0xB2, now + day);
	assert_true(sid2 != sid);

	/* Revoke: gone at once, and only that one. */
	j = weft_job_new(WEFT_JOB_SESSION_REVOKE);
	j->target = sid;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	assert_int_equal(weft_store_session_get(f->st, h, now, day, &s), WEFT_EAUTH);
	unsigned char h2[32];
	memset(h2, 0xB2, 32);
	assert_int_equal(weft_store_session_get(f->st, h2, now, day, &s), 0);
	assert_int_equal(s.id, sid2);

	/* A session for a user that does not exist is refused. */
	j = weft_job_new(WEFT_JOB_SESSION_CREATE);
	j->target = 999999;
	memset(j->token_hash, 0xC3, 32);
	j->expires_ms = now + day;
	run(f, j);
	assert_int_not_equal(j->result, 0);
	weft_job_free(j);
	/* The same token hash twice is refused too. */
	j = weft_job_new(WEFT_JOB_SESSION_CREATE);
	j->target = f->bo;
	memset(j->token_hash, 0xB2, 32);
	j->expires_ms = now + day;
	run(f, j);
	assert_int_not_equal(j->result, 0);
	weft_job_free(j);
	assert_int_equal(weft_store_session_get(f->st, h2, now, day, &s), 0);
	assert_int_equal(s.user_id, f->ana);

	/* Named bearer tokens are sessions too. */
	j = weft_job_new(WEFT_JOB_SESSION_CREATE);
	j->target = f->bo;
	memset(j->token_hash, 0xD4, 32);
	j->expires_ms = now + day;
	j->text = strdup("ci bot");
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	unsigned char h4[32];
	memset(h4, 0xD4, 32);
	assert_int_equal(weft_store_session_get(f->st, h4, now, day, &s), 0);
	assert_int_equal(s.user_id, f->bo);
	assert_false(s.admin);
}


/* ---- Migration 2: join requests, invitations, roles, channel updates,
 * DMs, accounts and sign-up links. */

static struct weft_job *job(int kind, int64_t user, int64_t channel, int64_t target)
{
	struct weft_job *j = weft_job_new(kind);
	assert_non_null(j);
	j->user = user;
	j->channel = channel;
	j->target = target;
	j->access = -1;
	j->archived = -1;
	return j;
}

static int request_file(struct fx *f, int64_t user, int64_t ch, const char *note, int64_t cooldown,
			int64_t *retry)
{
	struct weft_job *j = job(WEFT_JOB_REQUEST_FILE, user, ch, 0);
	j->text = note ? strdup(note) : NULL;
	j->cooldown_ms = cooldown;
	run(f, j);
	int rc = j->result;
	if (!rc) {
		assert_int_equal(j->seq, 0); /* a request is not a channel event */
		assert_true(j->ts_ms > 0);
	}
	if (retry)
		*retry = j->retry_ms;
	weft_job_free(j);
	return rc;
}

static void test_requests(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "circle", WEFT_KIND_CAUCUS, WEFT_ACCESS_REQUEST);
	int64_t open = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t last = last_seq_of(f->st);

	struct weft_request_row r;
	assert_int_equal(weft_store_request_get(f->st, ch, f->bo, &r), 0);
	assert_int_equal(r.state, WEFT_REQ_NONE);
	assert_int_equal(request_file(f, f->bo, ch, "hello, I work in Fulton County", 60000, NULL), 0);
	assert_int_equal(last_seq_of(f->st), last);
	assert_int_equal(weft_store_request_get(f->st, ch, f->bo, &r), 0);
	assert_int_equal(r.state, WEFT_REQ_PENDING);
	assert_string_equal(r.note, "hello, I work in Fulton County");
	assert_int_equal(r.user.id, f->bo);
	assert_int_equal(request_file(f, f->cy, ch, NULL, 60000, NULL), 0);
	struct weft_request_row rows[4];
	int n = 0;
	assert_int_equal(weft_store_requests(f->st, ch, rows, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].user.id, f->bo);   /* oldest first */
	assert_int_equal(rows[1].user.id, f->cy);
	assert_string_equal(rows[1].note, "");
	assert_int_equal(weft_store_request_count(f->st, ch, &n), 0);
	assert_int_equal(n, 2);

	/* Members do not request; open and invite channels take no requests. */
	assert_int_equal(request_file(f, f->ana, ch, NULL, 0, NULL), WEFT_ECONFLICT);
	assert_int_equal(request_file(f, f->bo, open, NULL, 0, NULL), WEFT_EFORBIDDEN);
	int64_t team = create_channel(f, f->ana, "team", WEFT_KIND_TEAM, WEFT_ACCESS_INVITE);
	assert_int_equal(request_file(f, f->bo, team, NULL, 0, NULL), WEFT_EFORBIDDEN);
	assert_int_equal(request_file(f, f->bo, 9999, NULL, 0, NULL), WEFT_ENOTFOUND);

	/* Approval: bo joins, with a join event. */
	last = last_seq_of(f->st);
	struct weft_job *j = job(WEFT_JOB_REQUEST_DECIDE, f->ana, ch, f->bo);
	j->flag = true;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_true(j->seq > last);
	assert_int_equal(j->ev.kind, WEFT_EV_JOIN);
	assert_int_equal(j->ev.user.id, f->bo);
	assert_int_equal(j->ev.role, WEFT_ROLE_MEMBER);
	assert_int_equal(j->ev.actor.id, f->ana);
	weft_job_free(j);
	assert_int_equal(weft_store_request_get(f->st, ch, f->bo, &r), 0);
	assert_int_equal(r.state, WEFT_REQ_APPROVED);
	assert_true(r.decided_ms > 0);
	struct weft_member_row mem[4];
	assert_int_equal(weft_store_members(f->st, ch, mem, 4, &n), 0);
	assert_int_equal(n, 2);

	/* Decline: no event, and a cool-down before filing again. */
	last = last_seq_of(f->st);
	j = job(WEFT_JOB_REQUEST_DECIDE, f->ana, ch, f->cy);
	j->flag = false;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->seq, 0);
	weft_job_free(j);
	assert_int_equal(last_seq_of(f->st), last);
	assert_int_equal(weft_store_request_get(f->st, ch, f->cy, &r), 0);
	assert_int_equal(r.state, WEFT_REQ_DECLINED);
	assert_int_equal(weft_store_request_count(f->st, ch, &n), 0);
	assert_int_equal(n, 0);
	int64_t retry = 0;
	assert_int_equal(request_file(f, f->cy, ch, "again", 60000, &retry), WEFT_ERATE);
	assert_true(retry > 0 && retry <= 60000);
	assert_int_equal(request_file(f, f->cy, ch, "again", 0, NULL), 0);
	assert_int_equal(weft_store_request_get(f->st, ch, f->cy, &r), 0);
	assert_int_equal(r.state, WEFT_REQ_PENDING);
	assert_string_equal(r.note, "again");

	/* Deciding what is not pending: not found. */
	j = job(WEFT_JOB_REQUEST_DECIDE, f->ana, ch, f->bo);
	j->flag = true;
	run(f, j);
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
}

static void raw_exec(const char *path, const char *sql);

static void on_pair(void *arg, int64_t channel, int64_t user)
{
	int64_t *out = arg;
	int n = (int)out[0]++;
	out[1 + 2 * n] = channel;
	out[2 + 2 * n] = user;
}

struct access_load {
	int64_t requests[9], invites[9]; /* [0]: count, then (channel, user) pairs */
};

static void on_req(void *arg, int64_t channel, int64_t user)
{
	on_pair(((struct access_load *)arg)->requests, channel, user);
}

static void on_inv(void *arg, int64_t channel, int64_t user)
{
	on_pair(((struct access_load *)arg)->invites, channel, user);
}

/* The hub's copy at start: pending requests and invitations of active
 * accounts, by channel then user. A deactivation withdraws both from the
 * store (not the decided requests, which keep the cool-down). */
static void test_access_load_and_withdraw(void **state)
{
	struct fx *f = *state;
	int64_t c1 = create_channel(f, f->ana, "circle", WEFT_KIND_CAUCUS, WEFT_ACCESS_REQUEST);
	int64_t c2 = create_channel(f, f->ana, "circle-two", WEFT_KIND_CAUCUS, WEFT_ACCESS_REQUEST);
	assert_int_equal(request_file(f, f->cy, c2, NULL, 0, NULL), 0);
	assert_int_equal(request_file(f, f->bo, c2, NULL, 0, NULL), 0);
	assert_int_equal(request_file(f, f->bo, c1, NULL, 0, NULL), 0);
	struct weft_job *j = job(WEFT_JOB_REQUEST_DECIDE, f->ana, c1, f->bo);
	run(f, j); /* declined: no longer pending */
	weft_job_free(j);
	invite(f, c2, f->ana, f->bo);
	invite(f, c1, f->ana, f->cy);
	struct access_load l = { 0 };
	assert_int_equal(weft_store_load_access(f->st, on_req, on_inv, &l), 0);
	assert_int_equal(l.requests[0], 2);
	assert_int_equal(l.requests[1], c2);
	assert_int_equal(l.requests[2], f->bo < f->cy ? f->bo : f->cy);
	assert_int_equal(l.invites[0], 2);
	assert_int_equal(l.invites[1], c1);
	assert_int_equal(l.invites[2], f->cy);
	assert_int_equal(l.invites[3], c2);
	assert_int_equal(l.invites[4], f->bo);

	j = job(WEFT_JOB_USER_ACTIVE, 0, 0, f->bo);
	j->flag = false;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	struct weft_request_row r;
	assert_int_equal(weft_store_request_get(f->st, c2, f->bo, &r), 0);
	assert_int_equal(r.state, WEFT_REQ_NONE);
	assert_int_equal(weft_store_request_get(f->st, c1, f->bo, &r), 0);
	assert_int_equal(r.state, WEFT_REQ_DECLINED);
	assert_false(invited(f->st, c2, f->bo));
	assert_true(invited(f->st, c1, f->cy));
	memset(&l, 0, sizeof l);
	assert_int_equal(weft_store_load_access(f->st, on_req, on_inv, &l), 0);
	assert_int_equal(l.requests[0], 1);
	assert_int_equal(l.requests[2], f->cy);
	assert_int_equal(l.invites[0], 1);
	assert_int_equal(l.invites[2], f->cy);

	/* A request of an account deactivated before deactivations withdrew
	 * them (a row left behind) is neither loaded nor listed. */
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE users SET active = 0 WHERE id = %lld", (long long)f->cy);
	raw_exec(f->db, sql);
	memset(&l, 0, sizeof l);
	assert_int_equal(weft_store_load_access(f->st, on_req, on_inv, &l), 0);
	assert_int_equal(l.requests[0], 0);
	assert_int_equal(l.invites[0], 0);
	struct weft_request_row rows[2];
	int n = -1;
	assert_int_equal(weft_store_requests(f->st, c2, rows, 2, &n), 0);
	assert_int_equal(n, 0);
}

static void test_invites_roles_updates(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "team", WEFT_KIND_TEAM, WEFT_ACCESS_INVITE);
	struct weft_job *j = run(f, job(WEFT_JOB_INVITE, f->ana, ch, 999999));
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
	j = run(f, job(WEFT_JOB_INVITE, f->ana, ch, f->ana));
	assert_int_equal(j->result, WEFT_ECONFLICT); /* already a member */
	weft_job_free(j);
	invite(f, ch, f->ana, f->bo);
	invite(f, ch, f->ana, f->bo); /* twice is fine */
	int64_t chans[4];
	int n = 0;
	assert_int_equal(weft_store_invites_of(f->st, f->bo, chans, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(chans[0], ch);
	j = run(f, job(WEFT_JOB_UNINVITE, f->ana, ch, f->bo));
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	assert_false(invited(f->st, ch, f->bo));
	j = run(f, job(WEFT_JOB_UNINVITE, f->ana, ch, f->bo));
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
	invite(f, ch, f->ana, f->bo);
	join(f, ch, f->bo, WEFT_ROLE_MEMBER);

	/* Role: an event naming the user, the role and who set it. */
	int64_t last = last_seq_of(f->st);
	j = job(WEFT_JOB_ROLE, f->ana, ch, f->bo);
	j->role = WEFT_ROLE_MODERATOR;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_true(j->seq > last);
	assert_int_equal(j->ev.kind, WEFT_EV_ROLE);
	assert_int_equal(j->ev.user.id, f->bo);
	assert_int_equal(j->ev.role, WEFT_ROLE_MODERATOR);
	assert_int_equal(j->ev.actor.id, f->ana);
	weft_job_free(j);
	struct weft_member_row mem[4];
	assert_int_equal(weft_store_members(f->st, ch, mem, 4, &n), 0);
	assert_int_equal(mem[1].user.id, f->bo);
	assert_int_equal(mem[1].role, WEFT_ROLE_MODERATOR);
	j = job(WEFT_JOB_ROLE, f->ana, ch, f->cy);
	j->role = WEFT_ROLE_MODERATOR;
	run(f, j);
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);

	/* Update: only what is given changes; a channel event. */
	last = last_seq_of(f->st);
	j = job(WEFT_JOB_CHANNEL_UPDATE, f->ana, ch, 0);
	j->text = strdup("new topic");
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_true(j->seq > last);
	assert_int_equal(j->ev.kind, WEFT_EV_CHANNEL);
	assert_string_equal(j->chan.name, "team");
	assert_string_equal(j->chan.topic, "new topic");
	assert_int_equal(j->chan.access, WEFT_ACCESS_INVITE);
	assert_false(j->chan.archived);
	assert_string_equal(j->ev.chan.topic, "new topic");
	weft_job_free(j);
	create_channel(f, f->ana, "taken", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	j = job(WEFT_JOB_CHANNEL_UPDATE, f->ana, ch, 0);
	snprintf(j->name, sizeof j->name, "taken");
	run(f, j);
	assert_int_equal(j->result, WEFT_ECONFLICT);
	weft_job_free(j);
	j = job(WEFT_JOB_CHANNEL_UPDATE, f->ana, ch, 0);
	snprintf(j->name, sizeof j->name, "renamed");
	j->access = WEFT_ACCESS_OPEN;
	j->archived = 1;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_string_equal(j->chan.name, "renamed");
	assert_string_equal(j->chan.topic, "new topic");
	assert_int_equal(j->chan.access, WEFT_ACCESS_OPEN);
	assert_true(j->chan.archived);
	weft_job_free(j);
	/* Nobody joins an archived channel, even an open one. */
	j = job(WEFT_JOB_JOIN, f->cy, ch, f->cy);
	run(f, j);
	assert_int_equal(j->result, WEFT_EFORBIDDEN);
	weft_job_free(j);
	j = job(WEFT_JOB_CHANNEL_UPDATE, f->ana, 9999, 0);
	j->archived = 0;
	run(f, j);
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);

	/* Remove: a leave event with the moderator as actor. */
	j = run(f, job(WEFT_JOB_REMOVE, f->ana, ch, f->bo));
	assert_int_equal(j->result, 0);
	assert_int_equal(j->ev.kind, WEFT_EV_LEAVE);
	assert_int_equal(j->ev.user.id, f->bo);
	assert_int_equal(j->ev.actor.id, f->ana);
	weft_job_free(j);
}

static struct weft_job *dm_job(int64_t user, const int64_t *others, int n)
{
	struct weft_job *j = job(WEFT_JOB_DM_OPEN, user, 0, 0);
	for (int i = 0; i < n; i++)
		j->users[i] = others[i];
	j->nusers = n;
	return j;
}

static void test_dm(void **state)
{
	struct fx *f = *state;
	struct weft_job *j = run(f, dm_job(f->ana, (int64_t[]){ f->bo }, 1));
	assert_int_equal(j->result, 0);
	assert_true(j->flag); /* created */
	int64_t dm = j->id;
	assert_true(dm > 0);
	assert_int_equal(j->chan.id, dm);
	assert_int_equal(j->chan.kind, WEFT_KIND_DM);
	assert_int_equal(j->chan.access, WEFT_ACCESS_INVITE);
	weft_job_free(j);
	struct weft_member_row mem[4];
	int n = 0;
	assert_int_equal(weft_store_members(f->st, dm, mem, 4, &n), 0);
	assert_int_equal(n, 2);

	/* The same pair, from either side and with repeats: the same DM. */
	j = run(f, dm_job(f->bo, (int64_t[]){ f->ana }, 1));
	assert_int_equal(j->result, 0);
	assert_false(j->flag);
	assert_int_equal(j->id, dm);
	weft_job_free(j);
	j = run(f, dm_job(f->bo, (int64_t[]){ f->ana, f->bo, f->ana }, 3));
	assert_int_equal(j->result, 0);
	assert_int_equal(j->id, dm);
	weft_job_free(j);
	/* A group of three is another conversation. */
	j = run(f, dm_job(f->cy, (int64_t[]){ f->ana, f->bo }, 2));
	assert_int_equal(j->result, 0);
	assert_true(j->flag);
	assert_true(j->id != dm);
	weft_job_free(j);
	/* Alone, or with someone who does not exist: refused. */
	j = run(f, dm_job(f->ana, (int64_t[]){ f->ana }, 1));
	assert_int_equal(j->result, WEFT_EINVAL);
	weft_job_free(j);
	j = run(f, dm_job(f->ana, (int64_t[]){ 999999 }, 1));
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);

	/* Leaving and reopening makes one a member again. */
	j = run(f, job(WEFT_JOB_LEAVE, f->bo, dm, f->bo));
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	j = run(f, dm_job(f->ana, (int64_t[]){ f->bo }, 1));
	assert_int_equal(j->result, 0);
	assert_int_equal(j->id, dm);
	weft_job_free(j);
	assert_int_equal(weft_store_members(f->st, dm, mem, 4, &n), 0);
	assert_int_equal(n, 2);
}

/* A DM gets an internal name ("dm-<id>-<id>") in the same namespace as
 * channel names, which users may pick (a-z, 0-9, -). A user who creates
 * that channel first must not make the DM impossible. */
static void test_dm_name_not_squattable(void **state)
{
	struct fx *f = *state;
	char name[64];
	int64_t lo = f->ana < f->bo ? f->ana : f->bo, hi = f->ana < f->bo ? f->bo : f->ana;
	snprintf(name, sizeof name, "dm-%lld-%lld", (long long)lo, (long long)hi);
	create_channel(f, f->cy, name, WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	struct weft_job *j = run(f, dm_job(f->ana, (int64_t[]){ f->bo }, 1));
	int rc = j->result;
	int kind = j->chan.kind;
	weft_job_free(j);
	assert_int_equal(rc, 0);
	assert_int_equal(kind, WEFT_KIND_DM);
}

static void test_accounts(void **state)
{
	struct fx *f = *state;
	struct weft_job *j = job(WEFT_JOB_USER_CREATE, 0, 0, 0);
	snprintf(j->profile.user.name, sizeof j->profile.user.name, "dee");
	snprintf(j->profile.user.display, sizeof j->profile.user.display, "Dee Jones");
	snprintf(j->profile.jurisdiction, sizeof j->profile.jurisdiction, "Fulton County");
	snprintf(j->profile.region, sizeof j->profile.region, "Southeast");
	snprintf(j->profile.title, sizeof j->profile.title, "Equity Officer");
	j->text = strdup("hash-d");
	run(f, j);
	assert_int_equal(j->result, 0);
	int64_t dee = j->id;
	assert_true(dee > f->cy);
	weft_job_free(j);
	struct weft_profile p;
	assert_int_equal(weft_store_user_get(f->st, dee, &p), 0);
	assert_string_equal(p.user.name, "dee");
	assert_string_equal(p.user.display, "Dee Jones");
	assert_string_equal(p.jurisdiction, "Fulton County");
	assert_string_equal(p.region, "Southeast");
	assert_string_equal(p.title, "Equity Officer");
	assert_true(p.active);
	assert_true(p.has_password);
	assert_false(p.admin);
	assert_int_equal(weft_store_user_get(f->st, 999999, &p), WEFT_ENOTFOUND);
	j = job(WEFT_JOB_USER_CREATE, 0, 0, 0);
	snprintf(j->profile.user.name, sizeof j->profile.user.name, "dee");
	run(f, j);
	assert_int_equal(j->result, WEFT_ECONFLICT);
	weft_job_free(j);

	/* Find: name or display, case-insensitive, LIKE wildcards literal. */
	struct weft_profile found[8];
	int n = 0;
	assert_int_equal(weft_store_user_find(f->st, "JONES", false, found, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(found[0].user.id, dee);
	assert_int_equal(weft_store_user_find(f->st, "%", false, found, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(weft_store_user_find(f->st, "_", false, found, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(weft_store_user_find(f->st, "", false, found, 2, &n), 0);
	assert_int_equal(n, 2); /* bounded by max */

	/* Deactivation revokes sessions and hides the account. */
	int64_t now = weft_now_ms(), day = 86400000;
	create_session(f, f->bo, 0x51, now + day);
	unsigned char h[32];
	memset(h, 0x51, 32);
	struct weft_session s;
	assert_int_equal(weft_store_session_get(f->st, h, now, day, &s), 0);
	j = job(WEFT_JOB_USER_ACTIVE, 0, 0, f->bo);
	j->flag = false;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	assert_int_equal(weft_store_session_get(f->st, h, now, day, &s), WEFT_EAUTH);
	assert_int_equal(weft_store_user_find(f->st, "bo", false, found, 8, &n), 0);
	assert_int_equal(n, 0);
	/* Admins still find a deactivated account, marked inactive. */
	assert_int_equal(weft_store_user_find(f->st, "bo", true, found, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_false(found[0].active);
	j = run(f, job(WEFT_JOB_INVITE, f->ana,
		       create_channel(f, f->ana, "t", WEFT_KIND_TEAM, WEFT_ACCESS_INVITE), f->bo));
	assert_int_equal(j->result, WEFT_ENOTFOUND);
	weft_job_free(j);
	/* Reactivation does not bring the sessions back. */
	j = job(WEFT_JOB_USER_ACTIVE, 0, 0, f->bo);
	j->flag = true;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	assert_int_equal(weft_store_session_get(f->st, h, now, day, &s), WEFT_EAUTH);

	/* A new password revokes sessions too. */
	create_session(f, f->cy, 0x52, now + day);
	memset(h, 0x52, 32);
	j = job(WEFT_JOB_USER_PASSWORD, 0, 0, f->cy);
	j->text = strdup("hash-c2");
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	assert_int_equal(weft_store_session_get(f->st, h, now, day, &s), WEFT_EAUTH);
	struct weft_user_auth ua;
	assert_int_equal(weft_store_user_by_name(f->st, "cy", &ua), 0);
	assert_string_equal(ua.pw_hash, "hash-c2");
}

static void test_signup_links(void **state)
{
	struct fx *f = *state;
	int64_t now = weft_now_ms(), day = 86400000;
	struct weft_job *j = job(WEFT_JOB_SIGNUP_CREATE, 0, 0, f->bo);
	memset(j->token_hash, 0x71, 32);
	j->expires_ms = now + day;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	unsigned char link[32], ses[32];
	memset(link, 0x71, 32);
	memset(ses, 0x72, 32);
	int64_t who = 0;
	assert_int_equal(weft_store_signup_get(f->st, link, now, &who), 0);
	assert_int_equal(who, f->bo);
	assert_int_equal(weft_store_signup_get(f->st, link, now + day, &who), WEFT_ENOTFOUND);

	j = job(WEFT_JOB_SIGNUP_ACCEPT, 0, 0, 0);
	memcpy(j->token_hash, link, 32);
	memcpy(j->token_hash2, ses, 32);
	j->text = strdup("hash-b2");
	j->expires_ms = now + day;
	run(f, j);
	assert_int_equal(j->result, 0);
	assert_int_equal(j->target, f->bo);
	assert_true(j->id > 0);
	weft_job_free(j);
	struct weft_session s;
	assert_int_equal(weft_store_session_get(f->st, ses, now, day, &s), 0);
	assert_int_equal(s.user_id, f->bo);
	struct weft_user_auth ua;
	assert_int_equal(weft_store_user_by_name(f->st, "bo", &ua), 0);
	assert_string_equal(ua.pw_hash, "hash-b2");
	/* A link works once. */
	assert_int_equal(weft_store_signup_get(f->st, link, now, &who), WEFT_ENOTFOUND);
	j = job(WEFT_JOB_SIGNUP_ACCEPT, 0, 0, 0);
	memcpy(j->token_hash, link, 32);
	memset(j->token_hash2, 0x73, 32);
	j->text = strdup("hash-b3");
	j->expires_ms = now + day;
	run(f, j);
	assert_int_equal(j->result, WEFT_EAUTH);
	weft_job_free(j);
	assert_int_equal(weft_store_user_by_name(f->st, "bo", &ua), 0);
	assert_string_equal(ua.pw_hash, "hash-b2");
	/* An expired link does nothing. */
	j = job(WEFT_JOB_SIGNUP_CREATE, 0, 0, f->cy);
	memset(j->token_hash, 0x74, 32);
	j->expires_ms = now - 1;
	run(f, j);
	assert_int_equal(j->result, 0);
	weft_job_free(j);
	j = job(WEFT_JOB_SIGNUP_ACCEPT, 0, 0, 0);
	memset(j->token_hash, 0x74, 32);
	memset(j->token_hash2, 0x75, 32);
	j->text = strdup("hash-c9");
	j->expires_ms = now + day;
	run(f, j);
	assert_int_equal(j->result, WEFT_EAUTH);
	weft_job_free(j);
}

/* ---- Backup. */

static void test_backup(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "lobby", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t ids[20];
	for (int i = 0; i < 20; i++) {
		char body[32];
		snprintf(body, sizeof body, "backed up %d", i);
		ids[i] = send_msg(f, f->ana, ch, body);
	}
	char dest[160], err[512] = "";
	snprintf(dest, sizeof dest, "%s/backup.db", f->dir);
	/* While the writer is running. */
	assert_int_equal(weft_store_backup(f->db, dest, err, sizeof err), 0);

	struct weft_store *copy;
	assert_int_equal(weft_store_open(dest, &copy), 0);
	assert_int_equal(last_seq_of(copy), last_seq_of(f->st));
	struct weft_message page[WEFT_HISTORY_MAX];
	int n = 0;
	bool more;
	assert_int_equal(weft_store_history(copy, ch, 0, -1, 50, page, &n, &more), 0);
	assert_int_equal(n, 20);
	for (int i = 0; i < n; i++) {
		char body[32];
		snprintf(body, sizeof body, "backed up %d", i);
		assert_int_equal(page[i].id, ids[i]);
		assert_string_equal(page[i].body, body);
		assert_string_equal(page[i].author.name, "ana");
	}
	clear_page(page, n);
	struct weft_user_auth ua;
	assert_int_equal(weft_store_user_by_name(copy, "bo", &ua), 0);
	assert_string_equal(ua.pw_hash, "hash-b");
	weft_store_close(copy);
	assert_int_equal(user_version(dest), user_version(f->db));

	/* Failures come back with a reason. */
	char bad[160];
	snprintf(bad, sizeof bad, "%s/no/such/dir/b.db", f->dir);
	err[0] = '\0';
	assert_int_not_equal(weft_store_backup(f->db, bad, err, sizeof err), 0);
	assert_true(strlen(err) > 0);
	snprintf(bad, sizeof bad, "%s/missing.db", f->dir);
	char dest2[160];
	snprintf(dest2, sizeof dest2, "%s/b2.db", f->dir);
	err[0] = '\0';
	assert_int_not_equal(weft_store_backup(bad, dest2, err, sizeof err), 0);
	assert_true(strlen(err) > 0);
}

/* ---- DESIGN rule 10: a read that fails returns its error, never
 * "nothing found", and leaves its out-parameters as they were. The damage
 * is done through a connection of its own, as another process could do
 * it, so that sqlite3_step itself fails on the store's read connection. */

/* Runs sql on a connection of its own. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
	sqlite3_close(db);
}

static void count_id(void *arg, int64_t id)
{
	(void)id;
	(*(int *)arg)++;
}

/* The tables of the log, its messages and the memberships renamed away:
 * the reads of replay, unread counts, member lists and startup fail. */
static void test_reads_fail_without_their_tables(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "doomed", WEFT_KIND_COHORT, WEFT_ACCESS_OPEN);
	int64_t m = send_msg(f, f->ana, ch, "one");
	send_msg(f, f->ana, ch, "two");
	/* Before: each read finds something, so 0 rows would be a lie. */
	struct weft_member_row rows[4];
	struct weft_event evs[4];
	struct weft_message page[4];
	int n = 0, unread = 0;
	int64_t floor = 0, seq = 0;
	bool more = false;
	assert_int_equal(weft_store_members(f->st, ch, rows, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, 0, INT64_MAX, 100, &unread), 0);
	assert_int_equal(unread, 2);
	assert_int_equal(weft_store_replay_floor(f->st, ch, 0, 1, &floor), 0);
	assert_true(floor > 0);
	assert_int_equal(weft_store_channel_events(f->st, ch, 0, INT64_MAX, 4, evs, &n), 0);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++)
		weft_event_clear(&evs[i]);

	raw_exec(f->db, "ALTER TABLE events RENAME TO events_gone;"
			"ALTER TABLE messages RENAME TO messages_gone;"
			"ALTER TABLE members RENAME TO members_gone;");

	n = unread = -7;
	floor = seq = -7;
	more = true;
	assert_int_equal(weft_store_members(f->st, ch, rows, 4, &n), WEFT_EIO);
	assert_int_equal(n, -7);
	assert_int_equal(weft_store_unread(f->st, ch, f->bo, 0, INT64_MAX, 100, &unread), WEFT_EIO);
	assert_int_equal(unread, -7);
	assert_int_equal(weft_store_channel_events(f->st, ch, 0, INT64_MAX, 4, evs, &n), WEFT_EIO);
	assert_int_equal(n, -7);
	assert_int_equal(weft_store_replay_floor(f->st, ch, 0, 1, &floor), WEFT_EIO);
	assert_int_equal(floor, -7);
	assert_int_equal(weft_store_last_seq(f->st, &seq), WEFT_EIO);
	assert_int_equal(seq, -7);
	assert_int_equal(weft_store_history(f->st, ch, 0, -1, 4, page, &n, &more), WEFT_EIO);
	assert_int_equal(n, -7);
	assert_true(more);
	struct weft_message msg = { .id = -7 };
	assert_int_equal(weft_store_message_get(f->st, m, &msg), WEFT_EIO); /* not ENOTFOUND */
	assert_int_equal(msg.id, -7);
	struct loaded l;
	memset(&l, 0, sizeof l);
	assert_int_equal(weft_store_load(f->st, on_channel, on_member, &l), WEFT_EIO);
	assert_int_equal(l.nmembers, 0);

	/* The writer's reads fail their job too: not "not a member". */
	struct weft_job *j = job(WEFT_JOB_INVITE, f->ana, ch, f->bo);
	run(f, j);
	assert_int_equal(j->result, WEFT_EIO);
	weft_job_free(j);
}

/* The account, session, request and invitation tables pointed at a page
 * past the end of the file, as in a corrupt database: their reads fail
 * (SQLITE_CORRUPT), and none answers "unauthorized" or "not found". */
static void test_reads_fail_on_a_corrupt_database(void **state)
{
	struct fx *f = *state;
	int64_t ch = create_channel(f, f->ana, "guarded", WEFT_KIND_CAUCUS, WEFT_ACCESS_REQUEST);
	assert_int_equal(request_file(f, f->bo, ch, "me too", 0, NULL), 0);
	invite(f, ch, f->ana, f->cy);
	int n = 0;
	bool yes = false;
	assert_int_equal(weft_store_request_count(f->st, ch, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(weft_store_invited(f->st, ch, f->cy, &yes), 0);
	assert_true(yes);

	int64_t version = pragma_value(f->db, "PRAGMA schema_version");
	char sql[512];
	snprintf(sql, sizeof sql,
		 "PRAGMA writable_schema=ON;"
		 "UPDATE sqlite_schema SET rootpage = 1000000 WHERE type = 'table' AND name IN"
		 " ('users', 'sessions', 'requests', 'invites', 'signups');"
		 "PRAGMA schema_version = %lld; PRAGMA writable_schema=OFF;", (long long)version + 1);
	raw_exec(f->db, sql);

	struct weft_request_row req[4] = { { .state = -7 } };
	n = -7;
	yes = true;
	assert_int_equal(weft_store_requests(f->st, ch, req, 4, &n), WEFT_EIO);
	assert_int_equal(n, -7);
	assert_int_equal(weft_store_request_count(f->st, ch, &n), WEFT_EIO);
	assert_int_equal(n, -7);
	assert_int_equal(weft_store_request_get(f->st, ch, f->bo, &req[0]), WEFT_EIO); /* not "none" */
	assert_int_equal(req[0].state, -7);
	assert_int_equal(weft_store_invited(f->st, ch, f->cy, &yes), WEFT_EIO);
	assert_true(yes);
	int64_t chans[4];
	assert_int_equal(weft_store_invites_of(f->st, f->cy, chans, 4, &n), WEFT_EIO);
	assert_int_equal(n, -7);

	struct weft_user_auth ua = { .user.id = -7 };
	assert_int_equal(weft_store_user_by_name(f->st, "ana", &ua), WEFT_EIO); /* not ENOTFOUND */
	assert_int_equal(ua.user.id, -7);
	struct weft_profile p = { .user.id = -7 };
	assert_int_equal(weft_store_user_get(f->st, f->ana, &p), WEFT_EIO);
	assert_int_equal(p.user.id, -7);
	assert_int_equal(weft_store_user_find(f->st, "a", true, &p, 1, &n), WEFT_EIO);
	assert_int_equal(n, -7);
	unsigned char hash[32] = { 1 };
	struct weft_session ses = { .id = -7 };
	assert_int_equal(weft_store_session_get(f->st, hash, weft_now_ms(), 1000, &ses), WEFT_EIO); /* not EAUTH */
	assert_int_equal(ses.id, -7);
	int64_t who = -7;
	assert_int_equal(weft_store_signup_get(f->st, hash, weft_now_ms(), &who), WEFT_EIO);
	assert_int_equal(who, -7);
	int calls = 0;
	assert_int_equal(weft_store_revoked_since(f->st, 0, count_id, &calls), WEFT_EIO);
	assert_int_equal(weft_store_deactivated_since(f->st, 0, count_id, &calls), WEFT_EIO);
	assert_int_equal(calls, 0);
}

int main(void)
{
	weft_log_level = WEFT_LOG_WARN;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nop_and_submit_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_seq_and_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_event_matches_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_duplicate_by_constraint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_scrubs_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpointer_bounds_wal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_scrub_truncates_wal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_buffer_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_and_read_mark, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_member_nothing_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_load_and_withdraw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invites_roles_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dm_name_not_squattable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signup_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_fail_without_their_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_fail_on_a_corrupt_database, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

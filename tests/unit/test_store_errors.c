#define _GNU_SOURCE /* memmem */
/* Unit tests for the store when writes fail (server/store/writer.c): the
 * data directory's file system refuses to grow the WAL. RLIMIT_FSIZE on
 * this process stands in for a full disk (writes past the limit fail with
 * EFBIG; SIGXFSZ ignored), so no root and no mount are needed; the
 * torture test tests/torture/diskfull.js does it with a real full tmpfs.
 * Promised: nothing is acked, every job is answered WEFT_EBUSY
 * (unavailable: try again), the health job fails too, and once writes
 * succeed again everything works without a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
	int64_t ana, channel;
	struct rlimit saved;
};

static void notify(void *arg)
{
	struct fx *f = arg;
	pthread_mutex_lock(&f->lock);
	f->notified++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* Submits one job and waits for it to come back. The caller frees it. */
static struct weft_job *run(struct fx *f, struct weft_job *j)
{
	assert_non_null(j);
	pthread_mutex_lock(&f->lock);
	uint64_t seen = f->notified;
	pthread_mutex_unlock(&f->lock);
	assert_int_equal(weft_store_submit(f->st, j), 0);
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 20;
	for (;;) {
		struct weft_job *done = weft_store_take_completed(f->st);
		if (done) {
			assert_ptr_equal(done, j);
			assert_null(done->next);
			return done;
		}
		pthread_mutex_lock(&f->lock);
		int rc = 0;
		while (f->notified == seen && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&f->cond, &f->lock, &deadline);
		seen = f->notified;
		pthread_mutex_unlock(&f->lock);
		if (rc == ETIMEDOUT)
			fail_msg("timed out waiting for a job");
	}
}

/* A send of body (NULL: 1,000 characters, about half a page of its own). */
static struct weft_job *send_body(struct fx *f, const char *client_id, const char *body)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_SEND);
	assert_non_null(j);
	j->user = f->ana;
	j->channel = f->channel;
	if (body) {
		j->text = strdup(body);
	} else if ((j->text = malloc(1001))) {
		memset(j->text, 'x', 1000);
		j->text[1000] = '\0';
	}
	assert_non_null(j->text);
	snprintf(j->client_id, sizeof j->client_id, "%s", client_id);
	return j;
}

static struct weft_job *send_job(struct fx *f, const char *client_id)
{
	return send_body(f, client_id, NULL);
}

/* Runs a job and returns its result. */
static int result_of(struct fx *f, struct weft_job *j)
{
	run(f, j);
	int rc = j->result;
	weft_job_free(j);
	return rc;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/weft-store-errors-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/weft.db", f->dir);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (weft_store_open(f->db, &f->st) ||
	    weft_store_user_create(f->st, "ana", NULL, "hash-a", true, &f->ana) ||
	    weft_store_start(f->st, notify, f))
		return -1;
	struct weft_job *j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	j->user = f->ana;
	snprintf(j->name, sizeof j->name, "full");
	j->ckind = WEFT_KIND_COHORT;
	j->access = WEFT_ACCESS_OPEN;
	run(f, j);
	f->channel = j->id;
	int rc = j->result;
	weft_job_free(j);
	getrlimit(RLIMIT_FSIZE, &f->saved);
	*state = f;
	return rc;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	setrlimit(RLIMIT_FSIZE, &f->saved);
	weft_store_stop(f->st);
	weft_store_close(f->st);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* No file of this process may grow past its size now: the WAL is full. */
static void fill_disk(struct fx *f)
{
	char wal[160];
	struct stat sb;
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	assert_int_equal(stat(wal, &sb), 0);
	struct rlimit lim = { (rlim_t)sb.st_size, f->saved.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static void test_full_disk_unavailable_then_recovers(void **state)
{
	struct fx *f = *state;
	assert_int_equal(result_of(f, send_job(f, "before")), 0);
	assert_int_equal(result_of(f, weft_job_new(WEFT_JOB_NOP)), 0);

	fill_disk(f);
	/* Not stored, so not acked: unavailable (the client may send it again
	 * with the same client_id), not an internal error. */
	struct weft_job *j = run(f, send_job(f, "during"));
	assert_int_equal(j->result, WEFT_EBUSY);
	assert_int_equal(j->seq, 0);
	assert_int_equal(j->id, 0);
	weft_job_free(j);
	/* That failure asked for a checkpoint. Until it has copied the WAL
	 * into the database, every commit fails (the health check too, since
	 * it writes); once it has, the WAL starts over and commits fit in its
	 * space again (writer.c), so which of these two come first is a race.
	 * Either way a send is stored whole or refused whole. */
	int rc = result_of(f, weft_job_new(WEFT_JOB_NOP));
	assert_true(rc == 0 || rc == WEFT_EBUSY);
	j = run(f, send_job(f, "during-2"));
	assert_true(j->result == 0 || j->result == WEFT_EBUSY);
	assert_true(j->result ? j->id == 0 && j->seq == 0 : j->id > 0);
	weft_job_free(j);

	/* Room again: the same writer commits, nothing to restart. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &f->saved), 0);
	assert_int_equal(result_of(f, weft_job_new(WEFT_JOB_NOP)), 0);
	j = run(f, send_job(f, "during"));
	assert_int_equal(j->result, 0);
	assert_false(j->duplicate); /* the refused one was never stored */
	int64_t id = j->id;
	weft_job_free(j);
	j = run(f, send_job(f, "before"));
	assert_int_equal(j->result, 0);
	assert_true(j->duplicate);
	assert_true(j->id < id);
	weft_job_free(j);
	/* No seq was spent on the refused sends: the log has no hole. */
	int64_t last = 0;
	assert_int_equal(weft_store_last_seq(f->st, &last), 0);
	assert_int_equal(last, id);
}

/* Stops and closes the store (which copies the WAL into the database and
 * removes it), then opens and starts it again. */
static void reopen(struct fx *f)
{
	weft_store_stop(f->st);
	weft_store_close(f->st);
	f->st = NULL;
	assert_int_equal(weft_store_open(f->db, &f->st), 0);
	assert_int_equal(weft_store_start(f->st, notify, f), 0);
}

static off_t file_size(struct fx *f, const char *suffix)
{
	char p[160];
	struct stat sb;
	snprintf(p, sizeof p, "%s%s", f->db, suffix);
	return stat(p, &sb) == 0 ? sb.st_size : 0;
}

/* Sends until one is refused (the WAL cannot grow); returns how many went. */
static int send_until_full(struct fx *f, const char *prefix)
{
	char cid[64];
	for (int i = 0; i < 1000; i++) {
		snprintf(cid, sizeof cid, "%s-%d", prefix, i);
		int rc = result_of(f, send_job(f, cid));
		if (rc) {
			assert_int_equal(rc, WEFT_EBUSY);
			return i;
		}
	}
	fail_msg("the WAL never filled");
	return -1;
}

static void set_fsize(struct fx *f, off_t bytes)
{
	struct rlimit lim = { (rlim_t)bytes, f->saved.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

/* A disk with less room than the checkpointer's threshold (32 MiB of WAL):
 * once the WAL cannot grow, a checkpoint copies it into the database,
 * which still has room, and the WAL starts over. Before, nothing asked
 * for one below the threshold: every later write failed for good. */
static void test_full_wal_is_checkpointed(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 100; i++) {
		char cid[32];
		snprintf(cid, sizeof cid, "fill-%d", i);
		assert_int_equal(result_of(f, send_job(f, cid)), 0);
	}
	/* The WAL may grow 256 KiB more; the database (all of it still in the
	 * WAL, so smaller than it) may grow as much. (A send's commit also
	 * writes the search index, now and then merging its segments: more
	 * than 32 KiB at times.) */
	set_fsize(f, file_size(f, "-wal") + (256 << 10));
	assert_true(send_until_full(f, "a") > 0);
	bool stored = false;
	for (int i = 0; i < 200 && !stored; i++) {
		stored = result_of(f, send_job(f, "after")) == 0;
		if (!stored)
			usleep(10000);
	}
	assert_true(stored);
}

/* Frames in the WAL now: mxFrame of the wal-index header, the first
 * copy, at offset 16 of the -shm file in native byte order (SQLite's
 * documented WAL format), read without touching any lock. */
static uint32_t wal_frames(struct fx *f)
{
	char p[160];
	snprintf(p, sizeof p, "%s-shm", f->db);
	FILE *shm = fopen(p, "rb");
	assert_non_null(shm);
	uint32_t hdr[5];
	assert_int_equal(fread(hdr, sizeof hdr, 1, shm), 1);
	fclose(shm);
	return hdr[4];
}

/* When the checkpoint cannot run for want of room either, the first
 * commit that succeeds once there is room again asks for it, so that the
 * WAL starts over and its space is written again. Before, it grew on
 * towards the 32 MiB threshold: on a small disk, into the room just made,
 * until the disk was full again and no checkpoint could fit. */
static void test_checkpoint_once_room_returns(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 200; i++) {
		char cid[32];
		snprintf(cid, sizeof cid, "old-%d", i);
		assert_int_equal(result_of(f, send_job(f, cid)), 0);
	}
	reopen(f);
	assert_int_equal(file_size(f, "-wal"), 0);
	/* New pages lie past 64 KiB of the database: no checkpoint fits. */
	assert_true(file_size(f, "") > (256 << 10));
	set_fsize(f, 64 << 10);
	send_until_full(f, "b");
	usleep(100000); /* the checkpoint this asked for fails */
	uint32_t full = wal_frames(f);
	assert_true(full > 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &f->saved), 0);
	for (int i = 0; i < 200; i++) {
		char cid[32];
		snprintf(cid, sizeof cid, "c-%d", i);
		assert_int_equal(result_of(f, send_job(f, cid)), 0);
		if (wal_frames(f) < full)
			return; /* checkpointed, and started over */
		usleep(10000);
	}
	fail_msg("the WAL was not checkpointed once there was room again");
}

static bool file_contains(struct fx *f, const char *suffix, const char *needle)
{
	char p[160];
	snprintf(p, sizeof p, "%s%s", f->db, suffix);
	FILE *fp = fopen(p, "rb");
	if (!fp)
		return false;
	size_t cap = 1 << 20, len = 0, n;
	char *buf = malloc(cap);
	assert_non_null(buf);
	while ((n = fread(buf + len, 1, cap - len, fp)) > 0)
		if ((len += n) == cap && !(buf = realloc(buf, cap *= 2)))
			fail_msg("out of memory");
	fclose(fp);
	bool found = memmem(buf, len, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

/* A delete's WAL scrub (a TRUNCATE checkpoint) that fails for want of room
 * is done again after the next commit that succeeds. Before, it was given
 * up: the deleted body stayed in the WAL file until some later checkpoint
 * copied and truncated it. */
static void test_failed_scrub_is_retried(void **state)
{
	struct fx *f = *state;
	const char *secret = "zq-deleted-on-a-full-disk-7f3e";
	for (int i = 0; i < 200; i++) {
		char cid[32];
		snprintf(cid, sizeof cid, "old-%d", i);
		assert_int_equal(result_of(f, send_job(f, cid)), 0);
	}
	reopen(f);
	assert_true(file_size(f, "") > (256 << 10));
	struct weft_job *j = run(f, send_body(f, "secret", secret));
	assert_int_equal(j->result, 0);
	int64_t id = j->id;
	weft_job_free(j);
	/* The delete fits in the WAL; the scrub does not: the pages it must
	 * copy lie past 64 KiB of the database. */
	set_fsize(f, 64 << 10);
	j = weft_job_new(WEFT_JOB_DELETE);
	j->user = f->ana;
	j->channel = f->channel;
	j->target = id;
	assert_int_equal(result_of(f, j), 0);
	usleep(200000);
	assert_true(file_size(f, "-wal") > 0);
	assert_true(file_contains(f, "-wal", secret));

	assert_int_equal(setrlimit(RLIMIT_FSIZE, &f->saved), 0);
	assert_int_equal(result_of(f, send_job(f, "after")), 0);
	for (int i = 0; i < 200 && file_size(f, "-wal") > 0; i++)
		usleep(10000);
	assert_int_equal(file_size(f, "-wal"), 0);
	assert_false(file_contains(f, "-wal", secret));
	assert_false(file_contains(f, "", secret));
}

int main(void)
{
	weft_log_level = WEFT_LOG_ERR;
	signal(SIGXFSZ, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_disk_unavailable_then_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_wal_is_checkpointed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_once_room_returns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_scrub_is_retried, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

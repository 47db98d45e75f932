/* bench_store: the store's writer alone under W6's shape: S senders, each
 * the only member of its own channel, each with one send in flight; a
 * sender submits its next send as soon as the last one is committed, so
 * the group commits settle at about S/2 sends, as in W6 through weftd.
 * 200-byte bodies, a client_id each, synchronous=FULL on a real file.
 *
 *   bench_store [sends] [senders] [dir]   default 20000 100, under /tmp
 *   bench_store check                     a short run whose results are
 *                                         checked (ctest)
 *
 * Prints sends per second, CPU per send (the whole process: the writer,
 * the checkpointer and this thread's submissions) and the commits. Wall
 * and CPU times move with the machine's load; count instructions, which do
 * not, with callgrind, limited to the writer's transactions:
 *
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       --toggle-collect=commit_batch build-bench/tests/bench/bench_store 5000
 *
 * and divide "Collected" by the sends. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft/store.h"

#define BODY 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static uint64_t notified;

static void notify(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	notified++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Completed jobs, waiting for the writer's next notification if there are
 * none yet. NULL after 30 s without any. */
static struct weft_job *wait_completed(struct weft_store *st)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 30;
	for (;;) {
		pthread_mutex_lock(&lock);
		uint64_t seen = notified;
		pthread_mutex_unlock(&lock);
		struct weft_job *done = weft_store_take_completed(st);
		if (done)
			return done;
		pthread_mutex_lock(&lock);
		int rc = 0;
		while (notified == seen && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&cond, &lock, &deadline);
		pthread_mutex_unlock(&lock);
		if (rc == ETIMEDOUT)
			return NULL;
	}
}

/* Runs one job to completion; its result, or -1 if it never completed. */
static int run(struct weft_store *st, struct weft_job *j, int64_t *id)
{
	if (!j || weft_store_submit(st, j))
		return -1;
	struct weft_job *done = wait_completed(st);
	if (done != j || j->next)
		return -1;
	int rc = j->result;
	if (id)
		*id = j->id;
	weft_job_free(j);
	return rc;
}

struct sender {
	struct weft_job_owner owner; /* caller context: the store leaves it alone */
	int64_t user, channel;
	uint64_t sent;
};

static struct weft_job *next_send(struct sender *s, int index, const char *body)
{
	struct weft_job *j = weft_job_new(WEFT_JOB_SEND);
	if (!j || !(j->text = strdup(body))) {
		if (j)
			weft_job_free(j);
		return NULL;
	}
	j->owner = &s->owner;
	j->user = s->user;
	j->channel = s->channel;
	snprintf(j->client_id, sizeof j->client_id, "b-%d-%" PRIu64, index, s->sent++);
	return j;
}

static double now_s(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	bool check = argc > 1 && strcmp(argv[1], "check") == 0;
	long total = check ? 2000 : argc > 1 ? atol(argv[1]) : 20000;
	int senders = check ? 20 : argc > 2 ? atoi(argv[2]) : 100;
	const char *parent = argc > 3 && !check ? argv[3] : "/tmp";
	if (total < 1 || senders < 1 || senders > 10000) {
		fprintf(stderr, "usage: bench_store [sends] [senders] [dir] | bench_store check\n");
		return 2;
	}
	char dir[256], path[300];
	snprintf(dir, sizeof dir, "%s/weft-bench-store-XXXXXX", parent);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/weft.db", dir);
	struct weft_store *st;
	struct sender *s = calloc((size_t)senders, sizeof *s);
	if (!s || weft_store_open(path, &st)) {
		fprintf(stderr, "bench_store: cannot open %s\n", path);
		return 1;
	}
	int fail = 0;
	for (int i = 0; i < senders && !fail; i++) {
		char name[32];
		snprintf(name, sizeof name, "sender%d", i);
		fail = weft_store_user_create(st, name, NULL, "x", false, &s[i].user) != 0;
	}
	if (fail || weft_store_start(st, notify, NULL)) {
		fprintf(stderr, "bench_store: cannot set up the store\n");
		return 1;
	}
	for (int i = 0; i < senders && !fail; i++) {
		struct weft_job *j = weft_job_new(WEFT_JOB_CHANNEL_CREATE);
		if (j) {
			j->user = s[i].user;
			snprintf(j->name, sizeof j->name, "bench-%d", i);
			j->ckind = WEFT_KIND_COHORT;
			j->access = WEFT_ACCESS_OPEN;
		}
		fail = run(st, j, &s[i].channel) != 0;
	}
	char body[BODY + 1];
	for (int k = 0; k < BODY; k++)
		body[k] = "abcdefghij klmnopqrstuvwxyz.,"[k % 29];
	body[BODY] = '\0';

	uint64_t jobs0, commits0;
	weft_store_stats(st, &jobs0, &commits0);
	double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	long submitted = 0, done = 0;
	int64_t last_id = 0;
	for (int i = 0; i < senders && submitted < total && !fail; i++, submitted++) {
		struct weft_job *j = next_send(&s[i], i, body);
		fail = !j || weft_store_submit(st, j);
	}
	while (done < submitted && !fail) {
		struct weft_job *list = wait_completed(st);
		if (!list) {
			fprintf(stderr, "bench_store: no commit for 30 s\n");
			fail = 1;
			break;
		}
		for (struct weft_job *j = list, *next; j; j = next) {
			next = j->next;
			done++;
			/* Message ids grow in commit order, and every send commits. */
			if (j->result || j->duplicate || j->id <= last_id) {
				fprintf(stderr, "bench_store: send %ld: result %d, id %" PRId64 " after %" PRId64 "\n",
					done, j->result, j->id, last_id);
				fail = 1;
			}
			last_id = j->id;
			struct sender *from = weft_container_of(j->owner, struct sender, owner);
			weft_job_free(j);
			if (!fail && submitted < total) {
				struct weft_job *n = next_send(from, (int)(from - s), body);
				fail = !n || weft_store_submit(st, n);
				submitted++;
			}
		}
	}
	double wall = now_s(CLOCK_MONOTONIC) - t0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	uint64_t jobs1, commits1;
	weft_store_stats(st, &jobs1, &commits1);
	weft_store_stop(st);
	weft_store_close(st);
	free(s);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_store: could not remove %s\n", dir);
	if (fail)
		return 1;
	uint64_t commits = commits1 - commits0;
	printf("%ld sends by %d senders in %.2f s: %.0f sends/s, %.1f us CPU per send, "
	       "%" PRIu64 " commits (%.1f sends each)\n",
	       done, senders, wall, (double)done / wall, cpu / (double)done * 1e6, commits,
	       commits ? (double)(jobs1 - jobs0) / (double)commits : 0.0);
	if (check && (done != total || commits == 0 || commits > (uint64_t)total)) {
		fprintf(stderr, "bench_store: %ld of %ld sends, %" PRIu64 " commits\n", done, total, commits);
		return 1;
	}
	return 0;
}

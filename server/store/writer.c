#define _GNU_SOURCE /* pthread_setname_np */
/* The writer thread: it owns the write connection, takes every job queued
 * meanwhile as one batch and commits it in one transaction (group commit),
 * then hands the batch back through the completed list. The job bodies
 * are in jobs_*.c, the helpers they share in jobs_common.c. Writer thread only,
 * but for weft_store_run_sync (the command line, while no writer runs). */
#include "store_int.h"

#include <assert.h>
#include <stdlib.h>

/* ---- Batches. */

static int run_job(struct weft_store *st, struct weft_job *j, int64_t now)
{
	switch (j->kind) {
	case WEFT_JOB_NOP:
		/* The health check: a write, so that it fails when commits do
		 * (a transaction that writes nothing commits on a full disk). */
		sqlite3_bind_int64(st->w[W_HEALTH], 1, now);
		return exec_stmt(st->w[W_HEALTH]);
	case WEFT_JOB_SEND:
		return run_send(st, j, now);
	case WEFT_JOB_EDIT:
	case WEFT_JOB_DELETE:
		return run_edit_delete(st, j, now);
	case WEFT_JOB_CHANNEL_CREATE:
		return run_channel_create(st, j, now);
	case WEFT_JOB_JOIN:
		return run_join(st, j, now);
	case WEFT_JOB_LEAVE:
	case WEFT_JOB_REMOVE:
		return run_leave(st, j, now);
	case WEFT_JOB_REQUEST_FILE:
		return run_request_file(st, j, now);
	case WEFT_JOB_REQUEST_DECIDE:
		return run_request_decide(st, j, now);
	case WEFT_JOB_INVITE:
		return run_invite(st, j, now);
	case WEFT_JOB_UNINVITE:
		return run_uninvite(st, j);
	case WEFT_JOB_ROLE:
		return run_role(st, j, now);
	case WEFT_JOB_CHANNEL_UPDATE:
		return run_channel_update(st, j, now);
	case WEFT_JOB_DM_OPEN:
		return run_dm_open(st, j, now);
	case WEFT_JOB_USER_CREATE:
		return run_user_create(st, j, now);
	case WEFT_JOB_USER_ACTIVE:
		return run_user_active(st, j, now);
	case WEFT_JOB_USER_PASSWORD:
		return run_user_password(st, j);
	case WEFT_JOB_SIGNUP_CREATE:
		return run_signup_create(st, j, now);
	case WEFT_JOB_SIGNUP_ACCEPT:
		return run_signup_accept(st, j, now);
	case WEFT_JOB_SESSION_CREATE:
	case WEFT_JOB_SESSION_TOUCH:
	case WEFT_JOB_SESSION_REVOKE:
		return run_session(st, j, now);
	case WEFT_JOB_READ_MARK:
		return run_read_mark(st, j);
	case WEFT_JOB_REACT:
		return run_react(st, j, now);
	case WEFT_JOB_PIN:
		return run_pin(st, j, now);
	case WEFT_JOB_PROFILE_UPDATE:
		return run_profile_update(st, j);
	case WEFT_JOB_FILE_CREATE:
		return run_file_create(st, j, now);
	case WEFT_JOB_FILES_EXPIRE:
		return run_files_expire(st, j);
	case WEFT_JOB_STANDUP_SET:
	case WEFT_JOB_STANDUP_OPEN:
	case WEFT_JOB_STANDUP_ANSWER:
	case WEFT_JOB_STANDUP_CLOSE:
		return run_standup(st, j, now);
	case WEFT_JOB_ITEM_CREATE:
	case WEFT_JOB_ITEM_UPDATE:
	case WEFT_JOB_DIGEST_SET:
	case WEFT_JOB_DIGEST_SCAN:
		return run_item(st, j, now);
	case WEFT_JOB_STAGE_START:
	case WEFT_JOB_STAGE_END:
	case WEFT_JOB_MUTE:
	case WEFT_JOB_UNBAN:
	case WEFT_JOB_REPORT:
	case WEFT_JOB_REPORT_RESOLVE:
		return run_stage(st, j, now);
	case WEFT_JOB_WEAVER_SET:
	case WEFT_JOB_INTRO_PROPOSE:
	case WEFT_JOB_INTRO_ANSWER:
		return run_weave(st, j, now);
	}
	return WEFT_EINVAL;
}

/* Commits one batch: every job gets its own savepoint so that one failing
 * job (a name conflict, say) does not undo the others. Sends, the bulk of
 * the traffic, take back their own partial work instead (run_send): a
 * savepoint costs each of them a sub-journal copy of every page an earlier
 * job of the batch already changed (the tails of events and messages). If
 * a failure took the whole transaction with it (SQLite rolls back on some
 * I/O and memory errors), the batch fails as a whole. Returns 0 when the
 * transaction committed, else its error (every job then carries one). */
/* Events another process committed (`weftd user add` joining default
 * channels on a live data directory) come back to the service thread as a
 * job of their own at the head of the batch, which fans them out like its
 * own: looked for inside the write transaction, so none is missed or seen
 * twice. At most FOREIGN_MAX a batch; the rest come with the next. */
#define FOREIGN_MAX 256

static void pick_foreign(struct weft_store *st, struct weft_job **batch)
{
	int64_t newest;
	int rc = step_int64(st->w[W_MAX_SEQ], 0, &newest);
	st->foreign_more = false;
	if (rc || newest <= st->seen_seq)
		return;
	struct weft_job *j = weft_job_new(WEFT_JOB_NOP);
	if (!j || (rc = load_foreign(st, j, st->seen_seq, FOREIGN_MAX))) {
		weft_err("store.foreign_read_failed error=%s", weft_strerror(rc));
		weft_job_free(j);
		return;
	}
	st->seen_seq = j->nmore ? j->more[j->nmore - 1].seq : j->seq;
	/* A bulk import (`weftd user import` joining 13,000 accounts to the
	 * default channels) leaves more: the writer comes back for them at
	 * once rather than at the next job or sweep. */
	st->foreign_more = 1 + j->nmore >= FOREIGN_MAX;
	weft_info("store.foreign_events count=%d upto=%lld", 1 + j->nmore, (long long)st->seen_seq);
	j->next = *batch;
	*batch = j;
}

static int commit_batch(struct weft_store *st, struct weft_job **head)
{
	int64_t seen = st->seen_seq;
	int rc = exec_stmt(st->w[W_BEGIN]);
	st->txn_broken = false;
	if (!rc && st->started)
		pick_foreign(st, head);
	struct weft_job *batch = *head;
	for (struct weft_job *j = batch; j; j = j->next) {
		if (rc) {
			j->result = rc;
			continue;
		}
		int64_t now = weft_now_ms();
		bool savepoint = j->kind != WEFT_JOB_SEND;
		if (savepoint && exec_stmt(st->w[W_SAVEPOINT])) {
			j->result = WEFT_EIO;
			continue;
		}
		j->result = run_job(st, j, now);
		if (j->result) {
			if (savepoint)
				exec_stmt(st->w[W_ROLLBACK_TO]);
			clear_events(j);
			j->ngone = 0;
		}
		if (savepoint)
			exec_stmt(st->w[W_RELEASE]);
		if (st->txn_broken || sqlite3_get_autocommit(st->wdb)) {
			weft_err("store.batch_failed error=%s", sqlite3_errmsg(st->wdb));
			rc = WEFT_EIO;
		}
	}
	if (!rc && (rc = exec_stmt(st->w[W_COMMIT])))
		weft_err("store.commit_failed error=%s", sqlite3_errmsg(st->wdb));
	if (rc && !sqlite3_get_autocommit(st->wdb))
		exec_stmt(st->w[W_ROLLBACK]);
	if (rc) {
		/* Nothing of this batch is durable: no job may report success.
		 * The store could not commit (a full disk, an I/O error): every
		 * job is answered unavailable, so that a client sends it again
		 * (a send with its client_id) rather than give it up. */
		if (rc != WEFT_ENOMEM)
			rc = WEFT_EBUSY;
		st->seen_seq = seen;
		st->foreign_more = false; /* the sweep asks again; no loop while commits fail */
		for (struct weft_job *j = batch; j; j = j->next) {
			j->result = rc;
			j->id = 0;
			j->duplicate = false;
			j->ngone = 0; /* nothing of it happened: every blob is still named */
			clear_events(j);
		}
	}
	return rc;
}

/* Idle after deletions: checkpoint and truncate the WAL so that deleted
 * bodies do not linger in old WAL frames. Not while the checkpointer runs
 * a pass (it would fail at once on the checkpoint lock); readers it waits
 * for, up to the busy timeout, as before. One that fails (no room for the
 * database to grow, a reader in the way) is tried again after the next
 * commit that succeeds, rather than given up or tried in a loop. */
static void scrub_wal(struct weft_store *st)
{
	pthread_mutex_lock(&st->ckpt_run);
	int rc = sqlite3_wal_checkpoint_v2(st->wdb, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	pthread_mutex_unlock(&st->ckpt_run);
	st->scrub_retry = rc != SQLITE_OK;
}

void *writer_main(void *arg)
{
	struct weft_store *st = arg;
	pthread_setname_np(pthread_self(), "weft-store");
	for (;;) {
		pthread_mutex_lock(&st->lock);
		while ((!st->queue || st->gate) && !st->stopping && !(st->foreign_more && !st->gate)) {
			if (st->scrub_pending && !st->queue) {
				pthread_mutex_unlock(&st->lock);
				st->scrub_pending = false;
				scrub_wal(st);
				pthread_mutex_lock(&st->lock);
				continue;
			}
			pthread_cond_wait(&st->wake, &st->lock);
		}
		struct weft_job *batch = st->queue;
		st->queue = NULL;
		st->queue_tail = &st->queue;
		st->queued = 0;
		bool stopping = st->stopping;
		st->in_txn = batch != NULL || st->foreign_more;
		pthread_mutex_unlock(&st->lock);

		if (!batch && stopping)
			break;
		/* Group commit: everything that queued up while the previous
		 * transaction was syncing goes into this one. */
		uint64_t t0 = weft_mono_ns();
		bool failed = commit_batch(st, &batch) != WEFT_OK;
		uint64_t took = weft_mono_ns() - t0;
		if (!failed && st->scrub_retry) {
			st->scrub_retry = false;
			st->scrub_pending = true;
		}

		uint64_t n = 0;
		struct weft_job *last = batch;
		for (struct weft_job *j = batch; j; j = j->next) {
			n++;
			last = j;
		}
		pthread_mutex_lock(&st->lock);
		if (batch) {
			*st->done_tail = batch;
			st->done_tail = &last->next;
		}
		st->jobs_committed += n;
		st->commits++;
		weft_histo_observe(&st->commit_ns, &weft_histo_latency, took);
		st->in_txn = false;
		if (st->gate)
			pthread_cond_signal(&st->ckpt_wake);
		if (failed != st->commit_failed) {
			/* The first commit that fails (a full disk, most often)
			 * and the first that succeeds again each ask for a
			 * checkpoint: copied into the database, the WAL starts over
			 * and its space is written again instead of grown. Without
			 * this a disk with less room than WAL_CKPT_BYTES fills up
			 * with WAL and stays full after room is made. */
			st->commit_failed = failed;
			st->ckpt_requested = true;
			pthread_cond_signal(&st->ckpt_wake);
		}
		pthread_mutex_unlock(&st->lock);
		if (st->notify)
			st->notify(st->notify_arg);
	}
	if (st->scrub_pending || st->scrub_retry)
		scrub_wal(st);
	return NULL;
}

int weft_store_run_sync_list(struct weft_store *st, struct weft_job *jobs)
{
	assert(!st->started);
	return jobs ? commit_batch(st, &jobs) : WEFT_OK;
}

int weft_store_run_sync(struct weft_store *st, struct weft_job *job)
{
	assert(!st->started);
	job->next = NULL;
	commit_batch(st, &job);
	return job->result;
}


/* Messages, on the service thread: send, edit, delete, history and the read
 * mark. A send is acked only once the writer committed it; its event is
 * fanned out first (pump.c). */
#include "handlers.h"

#include "weft/stage.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void ack_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_conn *c = weft_cmd_job_conn(job);
	static const char files_what[] = "files must name files you uploaded to this channel and did not attach yet";
	const char *what = !job->nfiles ? "thread must name a message in this channel"
			   : !job->thread ? files_what
					  : "thread must name a message in this channel, and files must name files "
					    "you uploaded to it and did not attach yet";
	if (!c || weft_cmd_job_failed(c, job, what))
		return;
	weft_conn_send_new(c, weft_proto_ack_frame(job->req, job->client_id, job->id,
						   job->ev.msg.ts_ms, job->duplicate));
}

/* Mutes, floor mode and slow mode (issue 15): true when the send is refused. */
static bool stage_refuses(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_hub_channel *ch,
			  int64_t *confidential)
{
	char why[160];
	int64_t retry_ms = 0;
	int rc = weft_stage_send_check(c->srv, ch, c->ses.user_id, weft_hub_role(ch, c->ses.user_id), why, sizeof why,
				       &retry_ms, confidential);
	if (rc == WEFT_ERATE) {
		cJSON *e = weft_proto_error(cmd->req, "rate_limited", why);
		cJSON_AddNumberToObject(e, "retry_after_ms", (double)retry_ms);
		weft_conn_send(c, e);
	} else if (rc) {
		weft_conn_error(c, cmd->req, rc, why);
	}
	return rc != WEFT_OK;
}

WEFT_HANDLER(weft_cmd_send)
{
	int64_t confidential = 0;
	if (stage_refuses(c, cmd, ch, &confidential))
		return;
	struct weft_job *job = weft_cmd_job(WEFT_JOB_SEND, ch, 0);
	if (job) {
		job->confidential = confidential;
		job->thread = cmd->thread;
		job->text = cmd->body ? cmd->body : strdup(""); /* files alone: an empty body */
		cmd->body = NULL;
		memcpy(job->files, cmd->files, sizeof job->files);
		job->nfiles = cmd->nfiles;
		strcpy(job->client_id, cmd->client_id);
		if (!job->text || weft_cmd_mention_scope(c, ch, job, job->text)) {
			weft_job_free(job);
			job = NULL;
		}
	}
	weft_cmd_submit(c, cmd, job, ack_done);
}

/* Edit and delete: the author, or a moderator for someone else's message.
 * To one who cannot read the channel every message in it is one that does
 * not exist: its ids are not probed (review finding 6). */
static void change(struct weft_conn *c, struct weft_cmd *cmd, struct weft_hub_channel *ch, int kind)
{
	int role = weft_hub_role(ch, c->ses.user_id);
	if (!weft_cmd_allowed(ch, role, WEFT_ACT_READ)) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such message in this channel");
		return;
	}
	struct weft_message m = { 0 };
	int rc = weft_store_message_get(c->srv->store, cmd->id, &m);
	if (rc && rc != WEFT_ENOTFOUND) {
		weft_conn_error(c, cmd->req, WEFT_EIO, "messages are unavailable");
		return;
	}
	bool found = !rc && m.channel == ch->info.id && !m.deleted, own = m.author.id == c->ses.user_id;
	weft_message_clear(&m);
	if (!found) {
		weft_conn_error(c, cmd->req, WEFT_ENOTFOUND, "no such message in this channel");
		return;
	}
	/* The contract lets moderators edit and delete others' messages. */
	if (!weft_cmd_allowed(ch, role, own ? WEFT_ACT_EDIT_OWN : WEFT_ACT_EDIT_ANY)) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN,
				own ? "this channel is archived" : "only the author or a moderator may do that");
		return;
	}
	struct weft_job *job = weft_cmd_job(kind, ch, cmd->id);
	if (job) {
		job->text = cmd->body;
		cmd->body = NULL;
		if (kind == WEFT_JOB_EDIT && weft_cmd_mention_scope(c, ch, job, job->text)) {
			weft_job_free(job);
			job = NULL;
		}
	}
	weft_cmd_submit(c, cmd, job, weft_cmd_ok_done);
}

WEFT_HANDLER(weft_cmd_edit)
{
	change(c, cmd, ch, WEFT_JOB_EDIT);
}

WEFT_HANDLER(weft_cmd_delete)
{
	change(c, cmd, ch, WEFT_JOB_DELETE);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One page served in ns: into the fixed buckets of weft_history_seconds
 * (no allocation on the request path). */
static void history_observe(struct weft_server *s, uint64_t ns)
{
	static const uint32_t bounds_us[] = { WEFT_HISTORY_BOUNDS_US };
	_Static_assert(sizeof bounds_us / sizeof bounds_us[0] == WEFT_HISTORY_NBOUNDS, "bucket bounds");
	int b = 0;
	while (b < WEFT_HISTORY_NBOUNDS && ns > (uint64_t)bounds_us[b] * 1000u)
		b++;
	s->stats.history_buckets[b]++;
	s->stats.history_count++;
	s->stats.history_ns += ns;
}

/* Timed from the handler to the reply queued (the query and the JSON
 * encode), for pages served; refusals and failures are not counted. */
/* The root of thread (a reply names its root's thread) into msgs[0], and
 * a page of its replies after it; *n counts both. */
static int thread_page(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_hub_channel *ch,
		       struct weft_message *msgs, int *n, bool *more)
{
	struct weft_store *st = c->srv->store;
	int rc = weft_store_message_get(st, cmd->thread, &msgs[0]);
	if (!rc && msgs[0].channel == ch->info.id && msgs[0].thread) {
		int64_t root = msgs[0].thread;
		weft_message_clear(&msgs[0]);
		rc = weft_store_message_get(st, root, &msgs[0]);
	}
	if (!rc && msgs[0].channel != ch->info.id) {
		weft_message_clear(&msgs[0]);
		rc = WEFT_ENOTFOUND;
	}
	if (rc)
		return rc;
	if ((rc = weft_store_thread(st, msgs[0].id, cmd->before, cmd->after, cmd->limit, msgs + 1, n, more)))
		weft_message_clear(&msgs[0]);
	else
		++*n;
	return rc;
}

/* A confidential message is not shown to someone who joined after its
 * session started (issue 15): msgs[from..n) without those; the new n. */
static int drop_hidden(struct weft_conn *c, struct weft_hub_channel *ch, struct weft_message *msgs, int n, int from)
{
	int kept = from;
	for (int i = from; i < n; i++) {
		if (weft_stage_hidden(c->srv, ch, c->ses.user_id, &msgs[i]))
			weft_message_clear(&msgs[i]);
		else
			msgs[kept++] = msgs[i];
	}
	return kept;
}

/* Pages of live sessions a reader may not see (bounded). */
#define HIDDEN_PAGES_MAX 20

/* A page of the channel as cmd asks, without what the reader may not see;
 * a page that held nothing else moves on past it (rather than answer an
 * empty page with more: true, which has no id to page from). */
static int channel_page(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_hub_channel *ch,
			struct weft_message *msgs, int *n, bool *more)
{
	int64_t before = cmd->before, after = cmd->after;
	for (int round = 0;; round++) {
		int rc = weft_store_history(c->srv->store, ch->info.id, before, after, cmd->limit, msgs, n, more);
		if (rc || !*n)
			return rc;
		int64_t oldest = msgs[0].id, newest = msgs[*n - 1].id;
		*n = drop_hidden(c, ch, msgs, *n, 0);
		if (*n || !*more || round + 1 >= HIDDEN_PAGES_MAX)
			return WEFT_OK;
		if (after >= 0)
			after = newest;
		else
			before = oldest;
	}
}

WEFT_HANDLER(weft_cmd_history)
{
	uint64_t t0 = mono_ns();
	struct weft_message *msgs = calloc((size_t)cmd->limit + 1, sizeof *msgs);
	int n = 0, rc = WEFT_ENOMEM;
	bool more = false;
	if (msgs)
		rc = cmd->thread ? thread_page(c, cmd, ch, msgs, &n, &more) : channel_page(c, cmd, ch, msgs, &n, &more);
	if (rc) {
		free(msgs);
		if (rc == WEFT_ENOTFOUND)
			weft_conn_error(c, cmd->req, rc, "thread must name a message in this channel");
		else
			weft_conn_error(c, cmd->req, WEFT_EIO, "history is unavailable");
		return;
	}
	if (cmd->thread)
		n = drop_hidden(c, ch, msgs, n, 1);
	/* A page of large messages is cut to fit, at its far end (older ones
	 * for a latest or `before` page, newer ones for an `after` page), and
	 * says there is more: no one request queues megabytes. */
	int root = cmd->thread ? 1 : 0; /* a thread's root stays in every page */
	int first, keep = weft_proto_history_fit(msgs + root, n - root, WEFT_HISTORY_PAGE_BYTES, cmd->after < 0,
						 &first);
	if (root && first) {
		/* Next to the replies kept, in place of one left out. */
		struct weft_message t = msgs[0];
		msgs[0] = msgs[first];
		msgs[first] = t;
	}
	struct weft_frame *f = weft_proto_history_frame(cmd->req, ch->info.id, msgs + first, keep + root,
							more || keep < n - root);
	for (int i = 0; i < n; i++)
		weft_message_clear(&msgs[i]);
	free(msgs);
	weft_conn_send_new(c, f);
	history_observe(c->srv, mono_ns() - t0);
}

/* Once a read position is stored, the user's other sockets learn where it
 * stands and what is unread from there ({"type":"read"}): a channel read on
 * the phone stops being unread on the desktop, and one marked unread on the
 * desktop is unread on the phone. */
static void read_done(struct weft_server *s, struct weft_job *job)
{
	weft_cmd_ok_done(s, job);
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, job->channel);
	struct weft_member *m = ch ? weft_hub_member(ch, job->user) : NULL;
	struct weft_hub_user *u = m ? weft_hub_user(&s->hub, job->user, false) : NULL;
	struct weft_conn *from = weft_cmd_job_conn(job);
	if (!u || (u->conns == from && !from->user_next) || job->result)
		return;
	int unread, mentions;
	if (weft_cmd_member_counts(s, ch, m, &unread, &mentions))
		return; /* the next welcome or channel list tells */
	for (struct weft_conn *o = u->conns; o; o = o->user_next) {
		if (o == from)
			continue;
		cJSON *f = weft_proto_reply("read", NULL);
		cJSON_AddNumberToObject(f, "channel", (double)ch->info.id);
		cJSON_AddNumberToObject(f, "seq", (double)m->read_seq);
		cJSON_AddNumberToObject(f, "unread", unread);
		cJSON_AddNumberToObject(f, "mentions", mentions);
		weft_conn_send(o, f);
	}
}

WEFT_HANDLER(weft_cmd_read)
{
	struct weft_member *m = weft_hub_member(ch, c->ses.user_id);
	if (!m) {
		weft_conn_error(c, cmd->req, WEFT_EFORBIDDEN, "not a member of this channel");
		return;
	}
	int64_t seq = cmd->seq < ch->last_seq ? cmd->seq : ch->last_seq;
	if (cmd->unread)
		weft_hub_mark_unread(ch, m, seq);
	else
		weft_hub_mark_read(ch, m, seq);
	struct weft_job *job = weft_cmd_job(WEFT_JOB_READ_MARK, ch, seq);
	if (job)
		job->flag = cmd->unread;
	weft_cmd_submit(c, cmd, job, read_done);
}

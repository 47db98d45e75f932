/* Requests (server/cmd/): the command table and its dispatch, the helpers
 * every handler family shares, the channel as a user sees it, and resume.
 * Service thread only. */
#ifndef WEFT_CMD_H
#define WEFT_CMD_H

#include "weft/service.h"

/* ---- table.c: one row per request; parsing, dispatch and authorization
 * read it. */

extern const struct weft_cmd_table weft_cmd_table;

/* Runs a parsed request of c: hello first, then the row's checks (channel
 * found, administrators only, the policy action in the channel), then its
 * handler. Borrows cmd (the handler may steal its owned strings). */
void weft_cmd_dispatch(struct weft_conn *c, struct weft_cmd *cmd);

/* ---- common.c: what handlers share */

/* A new job of kind about channel ch and target (NULL on allocation failure). */
struct weft_job *weft_cmd_job(int kind, const struct weft_hub_channel *ch, int64_t target);
/* Queues job (taking ownership; NULL answers out of memory) for c with cmd's
 * req and c's user; on_done answers it. Answers unavailable when the store
 * is stopping. */
void weft_cmd_submit(struct weft_conn *c, const struct weft_cmd *cmd, struct weft_job *job,
		     void (*on_done)(struct weft_server *, struct weft_job *));
/* The connection a job was submitted for, if its socket is still open. */
struct weft_conn *weft_cmd_job_conn(struct weft_job *job);
/* Answers a failed job with its error (`what` for WEFT_EINVAL); false when
 * it succeeded. */
bool weft_cmd_job_failed(struct weft_conn *c, struct weft_job *job, const char *what);
/* As weft_cmd_job_failed, but a result of code is answered with message
 * (the words a family has for the refusal it expects). */
bool weft_cmd_job_failed_with(struct weft_conn *c, struct weft_job *job, int code, const char *message,
			      const char *what);
/* Completion that answers ok. */
void weft_cmd_ok_done(struct weft_server *s, struct weft_job *job);
/* Answers req with the channel as c's user sees it: {"type":"channel",
 * "channel":..., "created"} (created: -1 leaves it out); with an error when
 * ch is NULL or cannot be read. */
void weft_cmd_reply_channel(struct weft_conn *c, const char *req, struct weft_hub_channel *ch, int created);
/* May a user of role in ch perform action (weft/policy.h)? */
bool weft_cmd_allowed(const struct weft_hub_channel *ch, int role, int action);

/* ---- view.c: what a user sees */

/* The channel object as user sees it (role, unread, pending requests,
 * pending, invited): a new cJSON object, or NULL when out of memory or when
 * a read failed (then the caller answers an error). */
cJSON *weft_cmd_channel_json(struct weft_server *s, struct weft_hub_channel *ch, int64_t user);
/* m's unread and mention counts in ch into *unread and *mentions (each read
 * from the store once when not known); WEFT_EIO when a read failed. */
int weft_cmd_member_counts(struct weft_server *s, struct weft_hub_channel *ch, struct weft_member *m, int *unread,
			   int *mentions);
/* The notice {"type":type,"channel":<ch as user sees it>}: a new cJSON
 * object, or NULL when it cannot be built (then it is not sent, and the
 * user's next channel list shows the channel). */
cJSON *weft_cmd_channel_notice(struct weft_server *s, const char *type, struct weft_hub_channel *ch, int64_t user);

/* ---- replay.c: resume after hello */

/* Starts resume after `since` for c: gap notices, then replay. */
int weft_replay_start(struct weft_conn *c, int64_t since);
/* Queues the next batch; sends synced and goes live when caught up. A
 * failed read closes the connection with 1011: never synced after a gap. */
void weft_replay_step(struct weft_conn *c);
/* Membership changed while replaying. */
void weft_replay_add_channel(struct weft_conn *c, int64_t channel, int64_t after_seq);
void weft_replay_remove_channel(struct weft_conn *c, int64_t channel);
/* Frees c's replay state (the socket closed, or replay is done). */
void weft_replay_free(struct weft_conn *c);

/* ---- search.c: the search workers and their connections */

/* Opens search_threads read-only connections and starts as many workers.
 * Service thread, at start (after the store is open). */
int weft_search_start(struct weft_server *s);
/* Finishes and answers the searches queued, joins the workers, closes the
 * connections. Service thread, at shutdown; safe when never started. */
void weft_search_stop(struct weft_server *s);

/* ---- weave.c: weaving's reader (its connection for the workers' slow
 * reads), opened after the store and the search workers (it uses them), closed
 * after them. Service thread. */
int weft_weave_start(struct weft_server *s);
void weft_weave_stop(struct weft_server *s);

/* A user object with the profile (admin.c): with full, also admin, active
 * and has_password (what administrators see). */
cJSON *weft_cmd_profile_json(const struct weft_profile *p, bool full);

/* Who a send or an edit of body in ch by c's user mentions besides @names
 * (conversation.c): job->open, and for a moderator in a channel of at most
 * 500 members @channel (every member) or @here (the members online).
 * 0 or WEFT_ENOMEM. */
int weft_cmd_mention_scope(struct weft_conn *c, struct weft_hub_channel *ch, struct weft_job *job,
			   const char *body);

#endif

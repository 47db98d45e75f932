/* What the weaving handlers (weave.c, intro.c, health.c; issue 17) share:
 * the slow reads handed to the search workers, each on the weaving
 * reader's connection (server/store/weave_reader.c), and the answer that
 * comes back to the service thread. */
#ifndef WEFT_CMD_WEAVE_H
#define WEFT_CMD_WEAVE_H

#include "handlers.h"

enum weave_read { WEAVE_FIND, WEAVE_FACETS, WEAVE_PEERS, WEAVE_HEALTH };

/* The server's weaving state (struct weft_server.weave). Service thread. */
struct weft_weave {
	struct weft_weave_reader *reader;
	char *health;                   /* the last network.health figures (JSON), or NULL */
	int health_days;
	int64_t health_ms;              /* when they were computed */
	char *facets;                   /* the last directory.facets (JSON), or NULL */
	int64_t facets_ms;              /* when they were computed */
};

struct weave_task {
	struct weft_task task;
	struct weft_weave_reader *reader;
	struct weft_job_owner *owner;   /* the connection's, one reference held */
	char req[WEFT_REQ_BYTES];
	enum weave_read what;
	int64_t user, now_ms;
	int days, limit;
	bool admin;                     /* the reader is an admin */
	struct weft_weave_args wv;      /* the request's keys (its owned ones left out) */
	/* Written by the worker, read by the service thread after. */
	int rc;
	char *json;                     /* owned */
	int64_t ids[WEFT_PEERS_MAX];
	int n;
	struct weft_profile *rows;      /* owned: a directory page */
	bool more;
	/* Service thread: answers c (still open), or only keeps what came
	 * back (c NULL). */
	void (*answer)(struct weft_server *s, struct weft_conn *c, struct weave_task *t);
};

/* Hands a read of what (arg: peers' limit, health's days) to a worker for
 * c's request; answer runs with the result. Answers an error itself when
 * it cannot (then false). */
bool weave_submit(struct weft_conn *c, const struct weft_cmd *cmd, enum weave_read what, int arg,
		  void (*answer)(struct weft_server *, struct weft_conn *, struct weave_task *));

/* A `users` reply of the profiles of ids[0..n) (the ones that can be read
 * and are active), as the reader sees them. */
void weave_send_users(struct weft_conn *c, const char *req, const int64_t *ids, int n);

#endif

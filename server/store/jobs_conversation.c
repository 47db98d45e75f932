/* Conversation jobs: reactions, pins, and the mentions a message's body
 * makes (for send and edit). Writer thread only. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* @names looked up in one message: past this the rest is plain text. */
#define MENTION_NAMES_MAX 20

struct ids {
	int64_t *v;
	int n, cap;
};

static int ids_push(struct ids *a, int64_t id)
{
	if (a->n == a->cap) {
		int ncap = a->cap ? 2 * a->cap : 16;
		int64_t *p = realloc(a->v, (size_t)ncap * sizeof *p);
		if (!p)
			return WEFT_ENOMEM;
		a->v = p;
		a->cap = ncap;
	}
	a->v[a->n++] = id;
	return WEFT_OK;
}

static bool ids_has(const struct ids *a, int64_t id)
{
	for (int i = 0; i < a->n; i++)
		if (a->v[i] == id)
			return true;
	return false;
}

/* Who message id mentions now, ascending (the primary key's order). */
static int mentions_of(struct weft_store *st, int64_t id, struct ids *out)
{
	sqlite3_stmt *s = st->w[W_MENTIONS_OF];
	sqlite3_bind_int64(s, 1, id);
	int rc;
	while ((rc = step_row(s)) == WEFT_OK && !(rc = ids_push(out, sqlite3_column_int64(s, 0))))
		;
	done_stmt(s);
	return rc == WEFT_ENOTFOUND ? WEFT_OK : rc;
}

static int mention_add(struct weft_store *st, int64_t id, int64_t user, int64_t channel)
{
	sqlite3_stmt *s = st->w[W_MENTION_ADD];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_int64(s, 3, channel);
	return exec_stmt(s);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

/* The next @name of body after *p (lowercased, without trailing
 * punctuation, so "@Ana." names ana) into name; false at the end. */
static bool next_name(const char *body, const char **p, char name[WEFT_USERNAME_MAX + 1])
{
	for (const char *at = strchr(*p, '@'); at; at = strchr(*p, '@')) {
		const char *b = at + 1, *e = b;
		while (name_char(*e))
			e++;
		*p = e > b ? e : b;
		/* An address (ana@example.org) mentions no one. */
		if (at > body && name_char(at[-1]))
			continue;
		while (e > b && (e[-1] == '.' || e[-1] == '_' || e[-1] == '-'))
			e--;
		size_t n = (size_t)(e - b);
		if (n == 0 || n > WEFT_USERNAME_MAX)
			continue;
		for (size_t i = 0; i < n; i++)
			name[i] = (char)(b[i] >= 'A' && b[i] <= 'Z' ? b[i] - 'A' + 'a' : b[i]);
		name[n] = '\0';
		return true;
	}
	return false;
}

/* The user @name mentions in the job's channel: 0 when none may be. */
static int mention_who(struct weft_store *st, const struct weft_job *j, const char *name, int64_t *out)
{
	sqlite3_stmt *s = st->w[W_MENTION_WHO];
	sqlite3_bind_int64(s, 1, j->channel);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, j->open);
	return step_int64(s, 0, out);
}

/* Adds the mentions of the body's @names (not the author's own). */
static int mention_names(struct weft_store *st, const struct weft_job *j, int64_t id, const char *body)
{
	const char *p = body;
	char name[WEFT_USERNAME_MAX + 1];
	int rc = WEFT_OK;
	for (int looked = 0; !rc && looked < MENTION_NAMES_MAX && next_name(body, &p, name); looked++) {
		int64_t who = 0;
		if (!strcmp(name, "here") || !strcmp(name, "channel"))
			continue; /* never a user: the service thread decides what they mean */
		if (!(rc = mention_who(st, j, name, &who)) && who && who != j->user)
			rc = mention_add(st, id, who, j->channel);
	}
	return rc;
}

/* The ids as a JSON array, malloc'd. */
static char *ids_json(const struct ids *a)
{
	size_t cap = 3 + (size_t)a->n * 21, len = 0; /* [ ] NUL, and each id with its comma */
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[len++] = '[';
	for (int i = 0; i < a->n; i++)
		len += (size_t)snprintf(out + len, cap - len, i ? ",%lld" : "%lld", (long long)a->v[i]);
	out[len++] = ']';
	out[len] = '\0';
	return out;
}

int mentions_record(struct weft_store *st, struct weft_job *j, int64_t id, const char *body, char **json)
{
	struct ids before = { 0 }, now = { 0 };
	sqlite3_stmt *s;
	int rc = mentions_of(st, id, &before);
	if (!rc && before.n) {
		s = st->w[W_MENTIONS_DROP];
		sqlite3_bind_int64(s, 1, id);
		rc = exec_stmt(s);
	}
	if (!rc)
		rc = mention_names(st, j, id, body);
	for (int i = 0; !rc && i < j->nhere; i++)
		if (j->here[i] != j->user)
			rc = mention_add(st, id, j->here[i], j->channel);
	if (!rc && j->mention_all) {
		s = st->w[W_MENTION_MEMBERS];
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, j->channel);
		sqlite3_bind_int64(s, 3, j->user);
		rc = exec_stmt(s);
	}
	if (!rc)
		rc = mentions_of(st, id, &now);
	char *text = rc ? NULL : ids_json(&now);
	if (!rc && !text)
		rc = WEFT_ENOMEM;
	/* The newly mentioned, reusing now's array in place. */
	int fresh = 0;
	for (int i = 0; !rc && i < now.n; i++)
		if (!ids_has(&before, now.v[i]))
			now.v[fresh++] = now.v[i];
	if (!rc) {
		free(j->mentioned);
		j->mentioned = now.v;
		j->nmentioned = fresh;
		now.v = NULL;
		*json = text;
	}
	free(before.v);
	free(now.v);
	return rc;
}

/* ---- Reactions and pins. */

/* WEFT_OK when id is a live message of the job's channel. */
static int message_live(struct weft_store *st, const struct weft_job *j, int64_t id)
{
	sqlite3_stmt *s = st->w[W_MSG_ROOT];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, j->channel);
	int rc = step_row(s);
	done_stmt(s);
	return rc;
}

/* Statement stmt bound to (message, emoji, user) of the job. */
static sqlite3_stmt *reaction_stmt(struct weft_store *st, int stmt, const struct weft_job *j)
{
	sqlite3_stmt *s = st->w[stmt];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_text(s, 2, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, j->user);
	return s;
}

/* Whether a new emoji still fits on the message (WEFT_REACTIONS_MAX). */
static int reaction_room(struct weft_store *st, const struct weft_job *j)
{
	sqlite3_stmt *s = st->w[W_REACTION_KINDS];
	sqlite3_bind_int64(s, 1, j->target);
	sqlite3_bind_text(s, 2, j->text, -1, SQLITE_STATIC);
	int rc = step_row(s);
	bool full = !rc && sqlite3_column_int(s, 0) >= WEFT_REACTIONS_MAX && !sqlite3_column_int(s, 1);
	done_stmt(s);
	return rc ? rc : full ? WEFT_ETOOLARGE : WEFT_OK;
}

int run_react(struct weft_store *st, struct weft_job *j, int64_t now)
{
	int rc = message_live(st, j, j->target);
	if (rc)
		return rc;
	sqlite3_stmt *s = reaction_stmt(st, W_REACTION_HAS, j);
	rc = step_row(s);
	done_stmt(s);
	if (rc && rc != WEFT_ENOTFOUND)
		return rc;
	/* Reacting twice, or taking back what is not there: nothing happens. */
	if ((rc == WEFT_OK) == j->flag)
		return WEFT_OK;
	if (j->flag && (rc = reaction_room(st, j)))
		return rc;
	int64_t seq;
	if ((rc = add_flag_event(st, j, WEFT_EV_REACTION, now, j->target, j->text, j->flag, &seq)))
		return rc;
	s = reaction_stmt(st, j->flag ? W_REACTION_ADD : W_REACTION_DEL, j);
	if (j->flag)
		sqlite3_bind_int64(s, 4, seq);
	return exec_changed(st, s);
}

int run_pin(struct weft_store *st, struct weft_job *j, int64_t now)
{
	sqlite3_stmt *s = st->w[W_PIN_SET];
	sqlite3_bind_int(s, 1, j->flag);
	sqlite3_bind_int64(s, 2, j->target);
	sqlite3_bind_int64(s, 3, j->channel);
	int rc = exec_changed(st, s);
	if (rc == WEFT_ENOTFOUND)
		return message_live(st, j, j->target); /* there, and already so: nothing happens */
	int64_t seq;
	return rc ? rc : add_flag_event(st, j, WEFT_EV_PIN, now, j->target, NULL, j->flag, &seq);
}

/* Channels, memberships and users in memory, indexed by their dense ids. */
#include "weft/hub.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct weft_frame *weft_frame_new(const char *payload, size_t len)
{
	struct weft_frame *f = malloc(sizeof *f + WEFT_FRAME_PRE + len);
	if (!f)
		return NULL;
	f->refs = 1;
	f->len = (uint32_t)len;
	memcpy(f->data + WEFT_FRAME_PRE, payload, len);
	return f;
}

struct weft_frame *weft_frame_from_string(char *json, size_t len)
{
	if (!json)
		return NULL;
	struct weft_frame *f = weft_frame_new(json, len);
	free(json);
	return f;
}

struct weft_frame *weft_frame_adopt(void *block, size_t len)
{
	struct weft_frame *f = block;
	if (!f)
		return NULL;
	assert(len <= UINT32_MAX);
	f->refs = 1;
	f->len = (uint32_t)len;
	return f;
}

void weft_frame_unref(struct weft_frame *f)
{
	if (f && --f->refs == 0)
		free(f);
}

void weft_hub_init(struct weft_hub *h)
{
	memset(h, 0, sizeof *h);
}

void weft_hub_free(struct weft_hub *h)
{
	for (int64_t i = 0; i < h->nchannels_slots; i++) {
		if (h->channels[i]) {
			free(h->channels[i]->members);
			free(h->channels[i]->requests.ids);
			free(h->channels[i]->invites.ids);
		}
		free(h->channels[i]);
	}
	for (int64_t i = 0; i < h->nusers_slots; i++) {
		if (h->users[i]) {
			free(h->users[i]->channels);
			free(h->users[i]->watchers);
			free(h->users[i]->invited.ids);
		}
		free(h->users[i]);
	}
	free(h->channels);
	free(h->users);
	memset(h, 0, sizeof *h);
}

/* Grows an id-indexed pointer array so that index id is valid. */
static int grow_slots(void ***arr, int64_t *slots, int64_t id)
{
	if (id < *slots)
		return WEFT_OK;
	int64_t n = *slots ? *slots : 64;
	while (n <= id)
		n *= 2;
	void **p = realloc(*arr, (size_t)n * sizeof *p);
	if (!p)
		return WEFT_ENOMEM;
	memset(p + *slots, 0, (size_t)(n - *slots) * sizeof *p);
	*arr = p;
	*slots = n;
	return WEFT_OK;
}

struct weft_hub_channel *weft_hub_channel_put(struct weft_hub *h, const struct weft_channel_info *info,
					      int64_t last_seq)
{
	if (info->id <= 0 || grow_slots((void ***)&h->channels, &h->nchannels_slots, info->id))
		return NULL;
	struct weft_hub_channel *c = h->channels[info->id];
	if (!c) {
		if (!(c = calloc(1, sizeof *c)))
			return NULL;
		h->channels[info->id] = c;
	}
	c->info = *info;
	if (last_seq > c->last_seq)
		c->last_seq = last_seq;
	return c;
}

struct weft_hub_channel *weft_hub_channel_get(struct weft_hub *h, int64_t id)
{
	return id > 0 && id < h->nchannels_slots ? h->channels[id] : NULL;
}

struct weft_hub_user *weft_hub_user(struct weft_hub *h, int64_t id, bool create)
{
	if (id <= 0)
		return NULL;
	if (id >= h->nusers_slots) {
		if (!create || grow_slots((void ***)&h->users, &h->nusers_slots, id))
			return NULL;
	}
	if (!h->users[id] && create)
		h->users[id] = calloc(1, sizeof *h->users[id]);
	return h->users[id];
}

/* Index of user in c->members, or -(insertion point) - 1. */
static int find_member(const struct weft_hub_channel *c, int64_t user)
{
	int lo = 0, hi = c->nmembers - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int64_t u = c->members[mid].user;
		if (u == user)
			return mid;
		if (u < user)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

struct weft_member *weft_hub_member(struct weft_hub_channel *c, int64_t user)
{
	if (!c)
		return NULL;
	int i = find_member(c, user);
	return i >= 0 ? &c->members[i] : NULL;
}

int weft_hub_role(struct weft_hub_channel *c, int64_t user)
{
	struct weft_member *m = weft_hub_member(c, user);
	return m ? m->role : WEFT_ROLE_NONE;
}

int weft_hub_member_set(struct weft_hub *h, struct weft_hub_channel *c, int64_t user, int role,
			int64_t read_seq)
{
	int i = find_member(c, user);
	if (i >= 0) {
		c->members[i].role = role;
		if (read_seq > c->members[i].read_seq)
			c->members[i].read_seq = read_seq;
		return WEFT_OK;
	}
	struct weft_hub_user *u = weft_hub_user(h, user, true);
	if (!u)
		return WEFT_ENOMEM;
	if (u->nchannels == u->cap) {
		int n = u->cap ? u->cap * 2 : 8;
		int64_t *p = realloc(u->channels, (size_t)n * sizeof *p);
		if (!p)
			return WEFT_ENOMEM;
		u->channels = p;
		u->cap = n;
	}
	if (c->nmembers == c->cap) {
		int n = c->cap ? c->cap * 2 : 8;
		struct weft_member *p = realloc(c->members, (size_t)n * sizeof *p);
		if (!p)
			return WEFT_ENOMEM;
		c->members = p;
		c->cap = n;
	}
	i = -i - 1;
	memmove(&c->members[i + 1], &c->members[i], (size_t)(c->nmembers - i) * sizeof *c->members);
	c->members[i] = (struct weft_member){ .user = user, .role = role, .unread = -1, .mentions = -1,
					      .read_seq = read_seq };
	c->nmembers++;
	u->channels[u->nchannels++] = c->info.id;
	return WEFT_OK;
}

void weft_hub_member_remove(struct weft_hub *h, struct weft_hub_channel *c, int64_t user)
{
	int i = find_member(c, user);
	if (i < 0)
		return;
	memmove(&c->members[i], &c->members[i + 1], (size_t)(c->nmembers - i - 1) * sizeof *c->members);
	c->nmembers--;
	struct weft_hub_user *u = weft_hub_user(h, user, false);
	if (!u)
		return;
	for (int k = 0; k < u->nchannels; k++) {
		if (u->channels[k] == c->info.id) {
			u->channels[k] = u->channels[--u->nchannels];
			break;
		}
	}
}

/* ---- Sorted id sets. */

/* Index of id in set, or -(insertion point) - 1. */
static int idset_find(const struct weft_idset *set, int64_t id)
{
	int lo = 0, hi = set->n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (set->ids[mid] == id)
			return mid;
		if (set->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

/* Adds or removes id; 0 or WEFT_ENOMEM. The array is freed when it empties,
 * so the many channels without requests hold nothing. */
static int idset_put(struct weft_idset *set, int64_t id, bool in)
{
	int i = idset_find(set, id);
	if (in == (i >= 0))
		return WEFT_OK;
	if (!in) {
		memmove(&set->ids[i], &set->ids[i + 1], (size_t)(set->n - i - 1) * sizeof *set->ids);
		if (--set->n == 0) {
			free(set->ids);
			*set = (struct weft_idset){ 0 };
		}
		return WEFT_OK;
	}
	if (set->n == set->cap) {
		int n = set->cap ? set->cap * 2 : 4;
		int64_t *p = realloc(set->ids, (size_t)n * sizeof *p);
		if (!p)
			return WEFT_ENOMEM;
		set->ids = p;
		set->cap = n;
	}
	i = -i - 1;
	memmove(&set->ids[i + 1], &set->ids[i], (size_t)(set->n - i) * sizeof *set->ids);
	set->ids[i] = id;
	set->n++;
	return WEFT_OK;
}

int weft_hub_request_set(struct weft_hub_channel *c, int64_t user, bool pending)
{
	return idset_put(&c->requests, user, pending);
}

bool weft_hub_requested(const struct weft_hub_channel *c, int64_t user)
{
	return idset_find(&c->requests, user) >= 0;
}

int weft_hub_invite_set(struct weft_hub *h, struct weft_hub_channel *c, int64_t user, bool invited)
{
	struct weft_hub_user *u = weft_hub_user(h, user, invited);
	if (!u)
		return invited ? WEFT_ENOMEM : idset_put(&c->invites, user, false);
	int rc = idset_put(&u->invited, c->info.id, invited);
	if (!rc && (rc = idset_put(&c->invites, user, invited)))
		idset_put(&u->invited, c->info.id, false); /* the two stay in step */
	return rc;
}

bool weft_hub_invited(const struct weft_hub_channel *c, int64_t user)
{
	return idset_find(&c->invites, user) >= 0;
}

void weft_hub_withdraw_user(struct weft_hub *h, int64_t user)
{
	for (int64_t id = 1; id < h->nchannels_slots; id++) {
		struct weft_hub_channel *c = h->channels[id];
		if (c) {
			idset_put(&c->requests, user, false);
			idset_put(&c->invites, user, false);
		}
	}
	struct weft_hub_user *u = weft_hub_user(h, user, false);
	if (u) {
		free(u->invited.ids);
		u->invited = (struct weft_idset){ 0 };
	}
}

/* ---- Unread counts. What the store counts (weft_store_unread) is the
 * messages of a channel not deleted, after the member's read_seq, that
 * others wrote; these follow it event by event. */

void weft_hub_count_message(struct weft_hub_channel *c, int64_t seq, int64_t author)
{
	for (int i = 0; i < c->nmembers; i++) {
		struct weft_member *m = &c->members[i];
		if (m->unread >= 0 && m->unread < WEFT_UNREAD_CAP && m->user != author && seq > m->read_seq)
			m->unread++;
	}
}

void weft_hub_uncount_message(struct weft_hub_channel *c, int64_t id)
{
	/* A count of 0 stays right: the message was not among the others'
	 * messages after read_seq, or was already gone when it was counted. */
	for (int i = 0; i < c->nmembers; i++) {
		if (c->members[i].unread > 0 && id > c->members[i].read_seq)
			c->members[i].unread = -1;
		if (c->members[i].mentions > 0 && id > c->members[i].read_seq)
			c->members[i].mentions = -1;
	}
}

void weft_hub_count_mention(struct weft_member *m, int64_t id)
{
	if (m->mentions >= 0 && m->mentions < WEFT_UNREAD_CAP && id > m->read_seq)
		m->mentions++;
}

void weft_hub_recount_mentions(struct weft_hub_channel *c, int64_t id)
{
	/* An edit may have taken a mention away: whoever counted one since
	 * their read position counts again. */
	for (int i = 0; i < c->nmembers; i++)
		if (c->members[i].mentions > 0 && id > c->members[i].read_seq)
			c->members[i].mentions = -1;
}

void weft_hub_mark_read(struct weft_hub_channel *c, struct weft_member *m, int64_t seq)
{
	if (seq <= m->read_seq)
		return;
	m->read_seq = seq;
	if (seq >= c->last_seq) {
		m->unread = m->mentions = 0;
	} else {
		if (m->unread > 0)
			m->unread = -1;
		if (m->mentions > 0)
			m->mentions = -1;
	}
}

void weft_hub_mark_unread(struct weft_hub_channel *c, struct weft_member *m, int64_t seq)
{
	if (seq >= m->read_seq)
		return;
	m->read_seq = seq;
	/* Counted again (once) from the store when next asked for. */
	m->unread = m->mentions = seq >= c->last_seq ? 0 : -1;
}

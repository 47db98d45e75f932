/* Unit tests for hub.c: channels by id, sorted memberships kept in step with
 * each user's channel list, role lookup, shared frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/hub.h"

static struct weft_channel_info info(int64_t id, const char *name)
{
	struct weft_channel_info c;
	memset(&c, 0, sizeof c);
	c.id = id;
	snprintf(c.name, sizeof c.name, "%s", name);
	c.kind = WEFT_KIND_COHORT;
	c.access = WEFT_ACCESS_OPEN;
	return c;
}

static int setup(void **state)
{
	struct weft_hub *h = malloc(sizeof *h);
	if (!h)
		return -1;
	weft_hub_init(h);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct weft_hub *h = *state;
	weft_hub_free(h);
	free(h);
	return 0;
}

/* Members are strictly increasing by user id. */
static void assert_sorted(const struct weft_hub_channel *c)
{
	for (int i = 1; i < c->nmembers; i++)
		assert_true(c->members[i - 1].user < c->members[i].user);
}

/* How many times channel appears in the user's list (0 when no slot). */
static int user_has(struct weft_hub *h, int64_t user, int64_t channel)
{
	struct weft_hub_user *u = weft_hub_user(h, user, false);
	int n = 0;
	for (int i = 0; u && i < u->nchannels; i++)
		if (u->channels[i] == channel)
			n++;
	return n;
}

static void test_channel_put_get(void **state)
{
	struct weft_hub *h = *state;
	assert_null(weft_hub_channel_get(h, 1));
	assert_null(weft_hub_channel_get(h, 0));
	assert_null(weft_hub_channel_get(h, -1));

	struct weft_channel_info a = info(5, "five");
	struct weft_hub_channel *c5 = weft_hub_channel_put(h, &a, 40);
	assert_non_null(c5);
	assert_ptr_equal(weft_hub_channel_get(h, 5), c5);
	assert_string_equal(c5->info.name, "five");
	assert_int_equal(c5->info.id, 5);
	assert_int_equal(c5->last_seq, 40);
	assert_int_equal(c5->nmembers, 0);
	assert_null(weft_hub_channel_get(h, 4));
	assert_null(weft_hub_channel_get(h, 6));
	assert_null(weft_hub_channel_get(h, INT64_MAX));

	/* Ids must be positive. */
	struct weft_channel_info z = info(0, "zero");
	assert_null(weft_hub_channel_put(h, &z, 0));
	z.id = -3;
	assert_null(weft_hub_channel_put(h, &z, 0));

	/* A far id grows the table; earlier channels stay where they were. */
	struct weft_channel_info far = info(5000, "far");
	struct weft_hub_channel *cf = weft_hub_channel_put(h, &far, 7);
	assert_non_null(cf);
	assert_ptr_equal(weft_hub_channel_get(h, 5000), cf);
	assert_ptr_equal(weft_hub_channel_get(h, 5), c5);
	assert_string_equal(c5->info.name, "five");
	assert_null(weft_hub_channel_get(h, 4999));

	/* Putting again replaces the info in place; last_seq never goes back. */
	struct weft_channel_info a2 = info(5, "five-renamed");
	a2.archived = true;
	a2.access = WEFT_ACCESS_INVITE;
	assert_ptr_equal(weft_hub_channel_put(h, &a2, 30), c5);
	assert_string_equal(c5->info.name, "five-renamed");
	assert_true(c5->info.archived);
	assert_int_equal(c5->info.access, WEFT_ACCESS_INVITE);
	assert_int_equal(c5->last_seq, 40);
	assert_ptr_equal(weft_hub_channel_put(h, &a2, 41), c5);
	assert_int_equal(c5->last_seq, 41);
}

static void test_members_sorted_and_in_step(void **state)
{
	struct weft_hub *h = *state;
	struct weft_channel_info a = info(1, "a"), b = info(2, "b");
	struct weft_hub_channel *ca = weft_hub_channel_put(h, &a, 0);
	struct weft_hub_channel *cb = weft_hub_channel_put(h, &b, 0);
	assert_non_null(ca);
	assert_non_null(cb);

	int64_t users[] = { 50, 3, 900, 1, 77, 2, 64, 65 };
	int n = (int)(sizeof users / sizeof users[0]);
	for (int i = 0; i < n; i++) {
		assert_int_equal(weft_hub_member_set(h, ca, users[i], WEFT_ROLE_MEMBER, 0), 0);
		assert_int_equal(ca->nmembers, i + 1);
		assert_sorted(ca);
	}
	int64_t want[] = { 1, 2, 3, 50, 64, 65, 77, 900 };
	for (int i = 0; i < n; i++) {
		assert_int_equal(ca->members[i].user, want[i]);
		assert_int_equal(user_has(h, want[i], 1), 1);
		assert_int_equal(user_has(h, want[i], 2), 0);
	}
	/* Channel b gets some of them. */
	assert_int_equal(weft_hub_member_set(h, cb, 77, WEFT_ROLE_OWNER, 0), 0);
	assert_int_equal(weft_hub_member_set(h, cb, 3, WEFT_ROLE_MEMBER, 0), 0);
	assert_int_equal(user_has(h, 77, 1), 1);
	assert_int_equal(user_has(h, 77, 2), 1);
	assert_int_equal(weft_hub_user(h, 77, false)->nchannels, 2);

	/* Setting again updates in place: no duplicate, role changes, read_seq
	 * only moves forward. */
	assert_int_equal(weft_hub_member_set(h, ca, 50, WEFT_ROLE_MODERATOR, 12), 0);
	assert_int_equal(ca->nmembers, n);
	assert_int_equal(user_has(h, 50, 1), 1);
	assert_int_equal(weft_hub_role(ca, 50), WEFT_ROLE_MODERATOR);
	assert_int_equal(weft_hub_member(ca, 50)->read_seq, 12);
	assert_int_equal(weft_hub_member_set(h, ca, 50, WEFT_ROLE_MODERATOR, 5), 0);
	assert_int_equal(weft_hub_member(ca, 50)->read_seq, 12);
	assert_int_equal(weft_hub_member_set(h, ca, 50, WEFT_ROLE_MEMBER, 20), 0);
	assert_int_equal(weft_hub_member(ca, 50)->read_seq, 20);
	assert_int_equal(weft_hub_role(ca, 50), WEFT_ROLE_MEMBER);

	/* Remove from the middle, the front and the back. */
	weft_hub_member_remove(h, ca, 50);
	weft_hub_member_remove(h, ca, 1);
	weft_hub_member_remove(h, ca, 900);
	assert_int_equal(ca->nmembers, n - 3);
	assert_sorted(ca);
	assert_null(weft_hub_member(ca, 50));
	assert_null(weft_hub_member(ca, 1));
	assert_null(weft_hub_member(ca, 900));
	assert_int_equal(user_has(h, 50, 1), 0);
	assert_int_equal(user_has(h, 1, 1), 0);
	assert_int_equal(user_has(h, 900, 1), 0);
	int64_t left[] = { 2, 3, 64, 65, 77 };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(ca->members[i].user, left[i]);
		assert_int_equal(user_has(h, left[i], 1), 1);
	}
	/* Removing from a leaves b alone. */
	weft_hub_member_remove(h, ca, 77);
	assert_int_equal(user_has(h, 77, 1), 0);
	assert_int_equal(user_has(h, 77, 2), 1);
	assert_int_equal(weft_hub_role(cb, 77), WEFT_ROLE_OWNER);
	assert_int_equal(weft_hub_user(h, 77, false)->nchannels, 1);

	/* Removing an absent member is a no-op. */
	int before = ca->nmembers;
	weft_hub_member_remove(h, ca, 12345);
	weft_hub_member_remove(h, ca, 50);
	assert_int_equal(ca->nmembers, before);
	assert_int_equal(user_has(h, 3, 1), 1);

	/* Rejoining works and keeps things in step. */
	assert_int_equal(weft_hub_member_set(h, ca, 50, WEFT_ROLE_MEMBER, 0), 0);
	assert_int_equal(user_has(h, 50, 1), 1);
	assert_sorted(ca);
}

static void test_role_lookup(void **state)
{
	struct weft_hub *h = *state;
	struct weft_channel_info a = info(3, "c");
	struct weft_hub_channel *c = weft_hub_channel_put(h, &a, 0);
	assert_int_equal(weft_hub_role(NULL, 1), WEFT_ROLE_NONE);
	assert_null(weft_hub_member(NULL, 1));
	assert_int_equal(weft_hub_role(c, 1), WEFT_ROLE_NONE);
	weft_hub_member_set(h, c, 1, WEFT_ROLE_OWNER, 0);
	weft_hub_member_set(h, c, 2, WEFT_ROLE_MODERATOR, 0);
	weft_hub_member_set(h, c, 3, WEFT_ROLE_MEMBER, 9);
	assert_int_equal(weft_hub_role(c, 1), WEFT_ROLE_OWNER);
	assert_int_equal(weft_hub_role(c, 2), WEFT_ROLE_MODERATOR);
	assert_int_equal(weft_hub_role(c, 3), WEFT_ROLE_MEMBER);
	assert_int_equal(weft_hub_role(c, 4), WEFT_ROLE_NONE);
	assert_int_equal(weft_hub_role(c, 0), WEFT_ROLE_NONE);
	struct weft_member *m = weft_hub_member(c, 3);
	assert_non_null(m);
	assert_int_equal(m->user, 3);
	assert_int_equal(m->read_seq, 9);
}

/* Many members in a scrambled order: still sorted and all findable. */
static void test_many_members(void **state)
{
	struct weft_hub *h = *state;
	struct weft_channel_info a = info(9, "big");
	struct weft_hub_channel *c = weft_hub_channel_put(h, &a, 0);
	enum { N = 2000 };
	/* 7919 is prime, so i*7919 mod 10007 visits distinct values. */
	for (int i = 1; i <= N; i++) {
		int64_t u = (int64_t)i * 7919 % 10007;
		assert_int_equal(weft_hub_member_set(h, c, u, 1 + (int)(u % 3), 0), 0);
	}
	assert_int_equal(c->nmembers, N);
	assert_sorted(c);
	for (int i = 1; i <= N; i++) {
		int64_t u = (int64_t)i * 7919 % 10007;
		assert_int_equal(weft_hub_role(c, u), 1 + (int)(u % 3));
		assert_int_equal(user_has(h, u, 9), 1);
	}
	/* Remove every other one. */
	for (int i = 1; i <= N; i += 2)
		weft_hub_member_remove(h, c, (int64_t)i * 7919 % 10007);
	assert_int_equal(c->nmembers, N / 2);
	assert_sorted(c);
	for (int i = 1; i <= N; i++) {
		int64_t u = (int64_t)i * 7919 % 10007;
		assert_int_equal(weft_hub_role(c, u) != WEFT_ROLE_NONE, i % 2 == 0);
		assert_int_equal(user_has(h, u, 9), i % 2 == 0);
	}
}

/* A user in many channels: the list grows and removal keeps the rest. */
static void test_user_many_channels(void **state)
{
	struct weft_hub *h = *state;
	enum { N = 40 };
	for (int64_t id = 1; id <= N; id++) {
		struct weft_channel_info a = info(id, "ch");
		struct weft_hub_channel *c = weft_hub_channel_put(h, &a, 0);
		assert_int_equal(weft_hub_member_set(h, c, 7, WEFT_ROLE_MEMBER, 0), 0);
	}
	struct weft_hub_user *u = weft_hub_user(h, 7, false);
	assert_non_null(u);
	assert_int_equal(u->nchannels, N);
	for (int64_t id = 1; id <= N; id += 3)
		weft_hub_member_remove(h, weft_hub_channel_get(h, id), 7);
	for (int64_t id = 1; id <= N; id++)
		assert_int_equal(user_has(h, 7, id), (id - 1) % 3 != 0);
	assert_int_equal(u->nchannels, N - (N + 2) / 3);
}

static void test_user_slots(void **state)
{
	struct weft_hub *h = *state;
	assert_null(weft_hub_user(h, 0, true));
	assert_null(weft_hub_user(h, -5, true));
	assert_null(weft_hub_user(h, 10, false));
	struct weft_hub_user *u = weft_hub_user(h, 10, true);
	assert_non_null(u);
	assert_int_equal(u->nchannels, 0);
	assert_null(u->conns);
	assert_ptr_equal(weft_hub_user(h, 10, false), u);
	assert_ptr_equal(weft_hub_user(h, 10, true), u);
	assert_null(weft_hub_user(h, 11, false));
	/* Beyond the current table without create: absent, not grown. */
	assert_null(weft_hub_user(h, 100000, false));
	struct weft_hub_user *far = weft_hub_user(h, 100000, true);
	assert_non_null(far);
	assert_ptr_equal(weft_hub_user(h, 10, false), u);
}

static void test_frames(void **state)
{
	(void)state;
	const char *json = "{\"type\":\"event\",\"seq\":1}";
	size_t len = strlen(json);
	struct weft_frame *f = weft_frame_new(json, len);
	assert_non_null(f);
	assert_int_equal(f->refs, 1);
	assert_int_equal(f->len, len);
	assert_memory_equal(weft_frame_payload(f), json, len);
	/* Headroom before the payload for the WebSocket header. */
	assert_ptr_equal(weft_frame_payload(f), f->data + WEFT_FRAME_PRE);
	assert_true(WEFT_FRAME_PRE >= 16);
	/* The headroom is writable without touching the payload (lws writes the
	 * header there). */
	memset(f->data, 0xAA, WEFT_FRAME_PRE);
	assert_memory_equal(weft_frame_payload(f), json, len);

	/* Shared by three queues: freed when the last lets go (ASan would
	 * report a use after free or a leak otherwise). */
	weft_frame_ref(f);
	weft_frame_ref(f);
	assert_int_equal(f->refs, 3);
	weft_frame_unref(f);
	assert_int_equal(f->refs, 2);
	weft_frame_unref(f);
	assert_int_equal(f->refs, 1);
	assert_memory_equal(weft_frame_payload(f), json, len);
	weft_frame_unref(f);
	weft_frame_unref(NULL);

	/* from_string takes the malloc'd string and frees it. */
	char *s = strdup(json);
	assert_non_null(s);
	struct weft_frame *g = weft_frame_from_string(s, len);
	assert_non_null(g);
	assert_int_equal(g->len, len);
	assert_memory_equal(weft_frame_payload(g), json, len);
	weft_frame_unref(g);
	assert_null(weft_frame_from_string(NULL, 0));

	/* An empty payload is a valid frame. */
	struct weft_frame *e = weft_frame_new("", 0);
	assert_non_null(e);
	assert_int_equal(e->len, 0);
	weft_frame_unref(e);
}

/* free releases everything and leaves an empty, reusable hub. */
static void test_free_and_reuse(void **state)
{
	struct weft_hub *h = *state;
	struct weft_channel_info a = info(2, "x");
	struct weft_hub_channel *c = weft_hub_channel_put(h, &a, 0);
	weft_hub_member_set(h, c, 4, WEFT_ROLE_MEMBER, 0);
	weft_hub_free(h);
	assert_null(weft_hub_channel_get(h, 2));
	assert_null(weft_hub_user(h, 4, false));
	c = weft_hub_channel_put(h, &a, 0);
	assert_non_null(c);
	assert_int_equal(c->nmembers, 0);
}

/* Pending requests and invitations: sorted sets, idempotent, the
 * invitations in step with the user's list; a deactivation drops all of a
 * user's. */
static void test_requests_and_invites(void **state)
{
	struct weft_hub *h = *state;
	struct weft_channel_info a = info(3, "caucus"), b = info(8, "team");
	struct weft_hub_channel *c3 = weft_hub_channel_put(h, &a, 0), *c8 = weft_hub_channel_put(h, &b, 0);
	for (int64_t u = 9; u >= 1; u -= 2)
		assert_int_equal(weft_hub_request_set(c3, u, true), 0);
	assert_int_equal(weft_hub_request_set(c3, 5, true), 0); /* again: no duplicate */
	assert_int_equal(c3->requests.n, 5);
	for (int i = 1; i < c3->requests.n; i++)
		assert_true(c3->requests.ids[i - 1] < c3->requests.ids[i]);
	assert_true(weft_hub_requested(c3, 7));
	assert_false(weft_hub_requested(c3, 2));
	assert_false(weft_hub_requested(c8, 7));
	assert_int_equal(weft_hub_request_set(c3, 7, false), 0);
	assert_int_equal(weft_hub_request_set(c3, 2, false), 0); /* absent: no-op */
	assert_false(weft_hub_requested(c3, 7));
	assert_int_equal(c3->requests.n, 4);

	assert_int_equal(weft_hub_invite_set(h, c8, 5, true), 0);
	assert_int_equal(weft_hub_invite_set(h, c3, 5, true), 0);
	assert_int_equal(weft_hub_invite_set(h, c3, 5, true), 0);
	assert_true(weft_hub_invited(c8, 5));
	assert_false(weft_hub_invited(c8, 4));
	struct weft_hub_user *u5 = weft_hub_user(h, 5, false);
	assert_non_null(u5);
	assert_int_equal(u5->invited.n, 2);
	assert_int_equal(u5->invited.ids[0], 3);
	assert_int_equal(u5->invited.ids[1], 8);
	assert_int_equal(weft_hub_invite_set(h, c8, 5, false), 0);
	assert_false(weft_hub_invited(c8, 5));
	assert_int_equal(u5->invited.n, 1);
	assert_int_equal(weft_hub_invite_set(h, c8, 77, false), 0); /* no such user slot */

	/* A deactivation: every request and invitation of user 5 goes, others stay. */
	assert_int_equal(weft_hub_invite_set(h, c8, 5, true), 0);
	assert_int_equal(weft_hub_invite_set(h, c8, 6, true), 0);
	weft_hub_withdraw_user(h, 5);
	assert_false(weft_hub_requested(c3, 5));
	assert_false(weft_hub_invited(c3, 5));
	assert_false(weft_hub_invited(c8, 5));
	assert_int_equal(u5->invited.n, 0);
	assert_true(weft_hub_requested(c3, 9));
	assert_true(weft_hub_invited(c8, 6));
	/* Emptied sets hold no memory (most channels never have requests). */
	weft_hub_request_set(c3, 1, false);
	weft_hub_request_set(c3, 3, false);
	weft_hub_request_set(c3, 9, false);
	assert_int_equal(c3->requests.n, 0);
	assert_null(c3->requests.ids);
}

/* Unread counts follow what the store would count: messages of others
 * after read_seq, capped; unknown (-1) until counted, and again after a
 * deletion in the counted range or a partial read. */
static void test_unread_counts(void **state)
{
	struct weft_hub *h = *state;
	struct weft_channel_info a = info(4, "busy");
	struct weft_hub_channel *c = weft_hub_channel_put(h, &a, 100);
	weft_hub_member_set(h, c, 1, WEFT_ROLE_MEMBER, 100);
	weft_hub_member_set(h, c, 2, WEFT_ROLE_MEMBER, 100);
	weft_hub_member_set(h, c, 3, WEFT_ROLE_MEMBER, 100);
	struct weft_member *m1 = weft_hub_member(c, 1), *m2 = weft_hub_member(c, 2), *m3 = weft_hub_member(c, 3);
	assert_int_equal(m1->unread, -1); /* as loaded: not counted yet */
	m1->unread = 0;
	m2->unread = 0;
	weft_hub_count_message(c, 101, 1);
	c->last_seq = 101;
	assert_int_equal(m1->unread, 0);  /* one's own message */
	assert_int_equal(m2->unread, 1);
	assert_int_equal(m3->unread, -1); /* stays unknown */
	weft_hub_count_message(c, 102, 3);
	c->last_seq = 102;
	assert_int_equal(m1->unread, 1);
	assert_int_equal(m2->unread, 2);

	/* Read part of the way: counted again; to the end: nothing unread. */
	weft_hub_mark_read(c, m2, 101);
	assert_int_equal(m2->unread, -1);
	assert_int_equal(m2->read_seq, 101);
	weft_hub_mark_read(c, m2, 100); /* never backwards */
	assert_int_equal(m2->read_seq, 101);
	weft_hub_mark_read(c, m2, 102);
	assert_int_equal(m2->unread, 0);

	/* A deletion after read_seq: counted again by those who had some. */
	m2->unread = 0;
	weft_hub_uncount_message(c, 102);
	assert_int_equal(m1->unread, -1);
	assert_int_equal(m2->unread, 0);
	m1->unread = 1;
	m1->read_seq = 102;
	weft_hub_uncount_message(c, 101); /* before m1's read_seq: no change */
	assert_int_equal(m1->unread, 1);

	/* A message at or before read_seq is not unread; the cap holds. */
	m2->read_seq = 200;
	weft_hub_count_message(c, 150, 1);
	assert_int_equal(m2->unread, 0);
	m1->unread = WEFT_UNREAD_CAP - 1;
	weft_hub_count_message(c, 201, 2);
	weft_hub_count_message(c, 202, 2);
	assert_int_equal(m1->unread, WEFT_UNREAD_CAP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_channel_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_members_sorted_and_in_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_role_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_many_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_slots, setup, teardown),
		cmocka_unit_test(test_frames),
		cmocka_unit_test_setup_teardown(test_free_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests_and_invites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_counts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Sign-in throttling (weft/throttle.h): a chained hash table of keys, "a"
 * plus an address or "u" plus a user name, each with its failures and the
 * time before which no further attempt is checked. */
#include "weft/throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096
#define KEY_MAX 96

struct entry {
	struct entry *next;
	int failures;
	int64_t last_ms;     /* the latest failure */
	int64_t until_ms;    /* no attempt checked before this */
	char key[KEY_MAX];
};

struct weft_throttle {
	struct entry *buckets[BUCKETS];
	int count;
};

struct weft_throttle *weft_throttle_new(void)
{
	return calloc(1, sizeof(struct weft_throttle));
}

void weft_throttle_free(struct weft_throttle *t)
{
	for (int i = 0; t && i < BUCKETS; i++) {
		while (t->buckets[i]) {
			struct entry *e = t->buckets[i];
			t->buckets[i] = e->next;
			free(e);
		}
	}
	free(t);
}

static void make_key(char key[KEY_MAX], char kind, const char *s)
{
	snprintf(key, KEY_MAX, "%c%s", kind, s);
}

/* The slot holding key's entry, or the empty slot at the end of its chain. */
static struct entry **slot(struct weft_throttle *t, const char *key)
{
	struct entry **pp = &t->buckets[weft_hash_str(key) % BUCKETS];
	while (*pp && strcmp((*pp)->key, key))
		pp = &(*pp)->next;
	return pp;
}

static int64_t wait_of(struct weft_throttle *t, char kind, const char *s, int64_t now)
{
	char key[KEY_MAX];
	make_key(key, kind, s);
	struct entry *e = *slot(t, key);
	return e && e->until_ms > now ? e->until_ms - now : 0;
}

int64_t weft_throttle_wait(struct weft_throttle *t, const char *addr, const char *name, int64_t now_ms)
{
	int64_t a = wait_of(t, 'a', addr, now_ms), u = wait_of(t, 'u', name, now_ms);
	return a > u ? a : u;
}

static void fail_one(struct weft_throttle *t, char kind, const char *s, int free_failures, int64_t now)
{
	char key[KEY_MAX];
	make_key(key, kind, s);
	struct entry **pp = slot(t, key);
	if (!*pp) {
		if (t->count >= WEFT_THROTTLE_MAX_ENTRIES || !(*pp = calloc(1, sizeof **pp)))
			return;
		memcpy((*pp)->key, key, sizeof key);
		t->count++;
	}
	struct entry *e = *pp;
	e->failures++;
	e->last_ms = now;
	/* After the free failures, the next attempt waits 1 s, then 2, 4... */
	int over = e->failures - free_failures + 1;
	if (over <= 0)
		return;
	int64_t wait = over > 20 ? WEFT_THROTTLE_MAX_MS : (int64_t)1000 << (over - 1);
	e->until_ms = now + (wait < WEFT_THROTTLE_MAX_MS ? wait : WEFT_THROTTLE_MAX_MS);
}

void weft_throttle_failed(struct weft_throttle *t, const char *addr, const char *name, int64_t now_ms)
{
	fail_one(t, 'a', addr, WEFT_THROTTLE_FREE_ADDR, now_ms);
	fail_one(t, 'u', name, WEFT_THROTTLE_FREE_NAME, now_ms);
}

void weft_throttle_passed(struct weft_throttle *t, const char *name)
{
	char key[KEY_MAX];
	make_key(key, 'u', name);
	struct entry **pp = slot(t, key);
	if (*pp) {
		struct entry *e = *pp;
		*pp = e->next;
		free(e);
		t->count--;
	}
}

void weft_throttle_sweep(struct weft_throttle *t, int64_t now_ms)
{
	for (int i = 0; i < BUCKETS; i++) {
		struct entry **pp = &t->buckets[i];
		while (*pp) {
			struct entry *e = *pp;
			if (e->until_ms <= now_ms && now_ms - e->last_ms >= WEFT_THROTTLE_FORGET_MS) {
				*pp = e->next;
				free(e);
				t->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}

int weft_throttle_count(const struct weft_throttle *t)
{
	return t->count;
}

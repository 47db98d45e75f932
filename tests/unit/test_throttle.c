/* Unit tests for throttle.c: free failures, then a doubling back-off up to
 * its cap, per name and per address; a success forgets the name; old
 * entries are swept; the table stays bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "weft/throttle.h"

static void test_name_backs_off_and_success_forgets(void **state)
{
	(void)state;
	struct weft_throttle *t = weft_throttle_new();
	assert_non_null(t);
	int64_t now = 1000000;
	for (int i = 0; i < WEFT_THROTTLE_FREE_NAME; i++) {
		assert_int_equal(weft_throttle_wait(t, "10.0.0.1", "ana", now), 0);
		weft_throttle_failed(t, "10.0.0.1", "ana", now);
	}
	/* The free ones used up: the next attempt waits. */
	assert_int_equal(weft_throttle_wait(t, "10.0.0.1", "ana", now), 1000);
	assert_int_equal(weft_throttle_wait(t, "10.0.0.9", "ana", now), 1000); /* the name, from anywhere */
	assert_int_equal(weft_throttle_wait(t, "10.0.0.1", "bo", now), 0);    /* others from there: not yet */
	weft_throttle_failed(t, "10.0.0.1", "ana", now);
	assert_int_equal(weft_throttle_wait(t, "10.0.0.1", "ana", now), 2000);
	weft_throttle_failed(t, "10.0.0.1", "ana", now);
	assert_int_equal(weft_throttle_wait(t, "10.0.0.1", "ana", now + 1500), 2500);
	for (int i = 0; i < 40; i++)
		weft_throttle_failed(t, "10.0.0.1", "ana", now);
	assert_int_equal(weft_throttle_wait(t, "10.0.0.1", "ana", now), WEFT_THROTTLE_MAX_MS);
	weft_throttle_passed(t, "ana");
	/* The address still counts its failures: 47 of its 50 free ones. */
	assert_int_equal(weft_throttle_wait(t, "10.0.0.1", "ana", now), 0);
	weft_throttle_free(t);
}

static void test_address_backs_off_for_every_name(void **state)
{
	(void)state;
	struct weft_throttle *t = weft_throttle_new();
	int64_t now = 5000;
	char name[16];
	for (int i = 0; i < WEFT_THROTTLE_FREE_ADDR; i++) {
		snprintf(name, sizeof name, "user%d", i); /* a different name each time: no name backs off */
		weft_throttle_failed(t, "192.0.2.7", name, now);
	}
	assert_int_equal(weft_throttle_wait(t, "192.0.2.7", "someone", now), 1000);
	assert_int_equal(weft_throttle_wait(t, "192.0.2.8", "someone", now), 0);
	weft_throttle_free(t);
}

static void test_sweep_and_bound(void **state)
{
	(void)state;
	struct weft_throttle *t = weft_throttle_new();
	weft_throttle_failed(t, "a", "n", 0);
	assert_int_equal(weft_throttle_count(t), 2);
	weft_throttle_sweep(t, WEFT_THROTTLE_FORGET_MS - 1);
	assert_int_equal(weft_throttle_count(t), 2);
	weft_throttle_sweep(t, WEFT_THROTTLE_FORGET_MS);
	assert_int_equal(weft_throttle_count(t), 0);
	/* A name still backing off is kept while it waits. */
	for (int i = 0; i < WEFT_THROTTLE_FREE_NAME + 20; i++)
		weft_throttle_failed(t, "a", "n", 0);
	weft_throttle_sweep(t, WEFT_THROTTLE_MAX_MS - 1);
	assert_int_equal(weft_throttle_wait(t, "b", "n", WEFT_THROTTLE_MAX_MS - 1), 1);
	/* Bounded: past the cap, new keys are not tracked. */
	char addr[32];
	for (int i = 0; i < WEFT_THROTTLE_MAX_ENTRIES + 10; i++) {
		snprintf(addr, sizeof addr, "2001:db8::%x", i);
		weft_throttle_failed(t, addr, "n", 1);
	}
	assert_int_equal(weft_throttle_count(t), WEFT_THROTTLE_MAX_ENTRIES);
	weft_throttle_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_backs_off_and_success_forgets),
		cmocka_unit_test(test_address_backs_off_for_every_name),
		cmocka_unit_test(test_sweep_and_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

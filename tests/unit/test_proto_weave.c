/* Unit tests for proto_weave.c: the fields of the weaving requests as the
 * real command table parses them (profile.update's focus, bio and
 * pronouns; user.find's filters and pages; intro.propose, intro.answer;
 * network.health's window), each request reading only its own keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "weft/cmd.h"

#include "parse_cmd.h"

static void test_profile(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	assert_int_equal(parse("{\"type\":\"profile.update\",\"focus\":[\"Housing\",\"data\",\"HOUSING\"],"
			       "\"bio\":\"b\",\"pronouns\":\"they/them\"}", &cmd, &err), WEFT_OK);
	assert_string_equal(cmd.wv.focus_list, "[\"Housing\",\"data\"]");
	assert_string_equal(cmd.wv.bio, "b");
	assert_string_equal(cmd.wv.pronouns, "they/them");
	weft_cmd_clear(&cmd);
	/* An empty list clears the tags. */
	assert_int_equal(parse("{\"type\":\"profile.update\",\"focus\":[]}", &cmd, &err), WEFT_OK);
	assert_string_equal(cmd.wv.focus_list, "[]");
	weft_cmd_clear(&cmd);
	refused("{\"type\":\"profile.update\",\"focus\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}",
		"bad_request");
	refused("{\"type\":\"profile.update\",\"focus\":[\" lead\"]}", "bad_request");
	refused("{\"type\":\"profile.update\",\"focus\":[\"tab\\there\"]}", "bad_request");
	refused("{\"type\":\"profile.update\",\"focus\":[5]}", "bad_request");
	refused("{\"type\":\"profile.update\",\"focus\":\"one\"}", "bad_request");
	refused("{\"type\":\"profile.update\",\"pronouns\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", "bad_request");
	refused("{\"type\":\"profile.update\"}", "bad_request");
	/* A standup's keys mean nothing here. */
	assert_int_equal(parse("{\"type\":\"profile.update\",\"bio\":\"x\",\"days\":[\"mon\"]}", &cmd, &err), WEFT_OK);
	weft_cmd_clear(&cmd);
}

static void test_find(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	assert_int_equal(parse("{\"type\":\"user.find\",\"q\":\"\",\"region\":\"West\",\"focus\":\"data\",\"after\":\"bo\","
			       "\"limit\":100}", &cmd, &err), WEFT_OK);
	assert_string_equal(cmd.wv.region, "West");
	assert_string_equal(cmd.wv.focus, "data");
	assert_string_equal(cmd.wv.after, "bo");
	assert_int_equal(cmd.wv.limit, 100);
	weft_cmd_clear(&cmd);
	assert_int_equal(parse("{\"type\":\"user.find\",\"q\":\"ana\"}", &cmd, &err), WEFT_OK);
	assert_int_equal(cmd.wv.limit, 20);
	weft_cmd_clear(&cmd);
	refused("{\"type\":\"user.find\",\"q\":\"\"}", "bad_request");
	refused("{\"type\":\"user.find\",\"region\":\"West\",\"limit\":0}", "bad_request");
	refused("{\"type\":\"user.find\",\"focus\":[\"a\"]}", "bad_request");
}

static void test_intro_and_health(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	assert_int_equal(parse("{\"type\":\"intro.propose\",\"a\":2,\"b\":3,\"note\":\"meet\"}", &cmd, &err), WEFT_OK);
	assert_int_equal(cmd.wv.a, 2);
	assert_int_equal(cmd.wv.b, 3);
	weft_cmd_clear(&cmd);
	refused("{\"type\":\"intro.propose\",\"a\":2,\"note\":\"meet\"}", "bad_request");
	refused("{\"type\":\"intro.propose\",\"a\":2,\"b\":3,\"note\":\" \"}", "bad_request");
	refused("{\"type\":\"intro.propose\",\"a\":2,\"b\":3}", "bad_request");
	assert_int_equal(parse("{\"type\":\"intro.answer\",\"intro\":7,\"accept\":false}", &cmd, &err), WEFT_OK);
	assert_int_equal(cmd.wv.intro, 7);
	assert_false(cmd.wv.accept);
	weft_cmd_clear(&cmd);
	refused("{\"type\":\"intro.answer\",\"intro\":7,\"accept\":\"yes\"}", "bad_request");
	assert_int_equal(parse("{\"type\":\"network.health\"}", &cmd, &err), WEFT_OK);
	assert_int_equal(cmd.wv.days, 90);
	weft_cmd_clear(&cmd);
	refused("{\"type\":\"network.health\",\"days\":366}", "bad_request");
	refused("{\"type\":\"admin.user.role\",\"user\":2}", "bad_request");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_intro_and_health),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

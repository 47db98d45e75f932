/* Unit tests for proto_coord.c: the fields of standups and action items as
 * the real command table parses them (standup.set, standup.answer,
 * item.create, item.update, item.list). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "weft/cmd.h"

#include "parse_cmd.h"

static void test_standup_set(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	assert_int_equal(parse("{\"type\":\"standup.set\",\"channel\":3,\"questions\":[\"Done?\",\"Next?\"],"
			       "\"days\":[\"fri\",\"mon\"],\"time\":\"09:05\",\"tz\":\"America/Chicago\",\"window\":45}",
			       &cmd, &err),
			 WEFT_OK);
	assert_int_equal(cmd.co.days, (1u << 1) | (1u << 5));
	assert_int_equal(cmd.co.minute, 9 * 60 + 5);
	assert_string_equal(cmd.co.tz, "America/Chicago");
	assert_int_equal(cmd.co.window, 45);
	assert_int_equal(cmd.co.nquestions, 2);
	assert_string_equal(cmd.co.questions, "[\"Done?\",\"Next?\"]");
	weft_cmd_clear(&cmd);
	/* off needs nothing else; the window defaults to 60. */
	assert_int_equal(parse("{\"type\":\"standup.set\",\"channel\":3,\"off\":true}", &cmd, &err), WEFT_OK);
	assert_true(cmd.co.off);
	assert_int_equal(cmd.co.window, 60);
	weft_cmd_clear(&cmd);
	refused("{\"type\":\"standup.set\",\"channel\":3,\"days\":[\"mon\"],\"time\":\"09:00\"}", "bad_request");
	refused("{\"type\":\"standup.set\",\"channel\":3,\"questions\":[\"q\"],\"days\":[],\"time\":\"09:00\"}", "bad_request");
	refused("{\"type\":\"standup.set\",\"channel\":3,\"questions\":[\"q\"],\"days\":[\"mon\"],\"time\":\"9:00\"}", "bad_request");
	refused("{\"type\":\"standup.set\",\"channel\":3,\"questions\":[\"q\"],\"days\":[\"mon\"],\"time\":\"23:60\"}", "bad_request");
	refused("{\"type\":\"standup.set\",\"channel\":3,\"questions\":[\"q\"],\"days\":[\"mon\"],\"time\":\"09:00\","
		"\"tz\":\"../etc/passwd\"}", "bad_request");
	refused("{\"type\":\"standup.set\",\"channel\":3,\"questions\":[\" \"],\"days\":[\"mon\"],\"time\":\"09:00\"}", "bad_request");
	refused("{\"type\":\"standup.set\",\"channel\":3,\"questions\":[\"q\"],\"days\":[\"mon\"],\"time\":\"09:00\","
		"\"window\":1441}", "bad_request");
}

static void test_standup_answer(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	assert_int_equal(parse("{\"type\":\"standup.answer\",\"channel\":3,\"standup\":7,\"answers\":[\"a\",\"\"],"
			       "\"blocker\":\"legal\"}", &cmd, &err),
			 WEFT_OK);
	assert_int_equal(cmd.co.standup, 7);
	assert_int_equal(cmd.co.nanswers, 2);
	assert_string_equal(cmd.co.blocker, "legal");
	weft_cmd_clear(&cmd);
	refused("{\"type\":\"standup.answer\",\"channel\":3,\"answers\":[\"a\"]}", "bad_request");
	refused("{\"type\":\"standup.answer\",\"channel\":3,\"standup\":7,\"answers\":[1]}", "bad_request");
	refused("{\"type\":\"standup.list\",\"channel\":3,\"limit\":51}", "bad_request");
}

static void test_items(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	assert_int_equal(parse("{\"type\":\"item.create\",\"channel\":3,\"title\":\"Draft\",\"owner\":\"me\","
			       "\"due\":\"2028-02-29\",\"message\":131}", &cmd, &err),
			 WEFT_OK);
	assert_true(cmd.co.owner_me);
	assert_string_equal(cmd.co.due, "2028-02-29");
	assert_int_equal(cmd.co.message, 131);
	weft_cmd_clear(&cmd);
	/* null clears owner and due: given, with no value. */
	assert_int_equal(parse("{\"type\":\"item.update\",\"channel\":3,\"id\":5,\"owner\":null,\"due\":null}", &cmd, &err),
			 WEFT_OK);
	assert_true(cmd.co.set & WEFT_CO_OWNER);
	assert_true(cmd.co.set & WEFT_CO_DUE);
	assert_int_equal(cmd.co.owner, 0);
	assert_string_equal(cmd.co.due, "");
	weft_cmd_clear(&cmd);
	assert_int_equal(parse("{\"type\":\"item.list\",\"status\":\"done\"}", &cmd, &err), WEFT_OK);
	assert_int_equal(cmd.co.status, WEFT_ITEM_DONE);
	assert_int_equal(cmd.co.limit, 100);
	weft_cmd_clear(&cmd);
	refused("{\"type\":\"item.create\",\"channel\":3}", "bad_request");
	refused("{\"type\":\"item.create\",\"channel\":3,\"title\":\"x\",\"due\":\"2027-02-29\"}", "bad_request");
	refused("{\"type\":\"item.create\",\"channel\":3,\"title\":\"x\",\"owner\":\"you\"}", "bad_request");
	refused("{\"type\":\"item.update\",\"channel\":3,\"id\":5}", "bad_request");
	refused("{\"type\":\"item.update\",\"channel\":3,\"title\":\"x\"}", "bad_request");
	refused("{\"type\":\"item.update\",\"channel\":3,\"id\":5,\"status\":\"closed\"}", "bad_request");
	refused("{\"type\":\"item.list\",\"limit\":201}", "bad_request");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standup_set),
		cmocka_unit_test(test_standup_answer),
		cmocka_unit_test(test_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

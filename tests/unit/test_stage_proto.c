/* Unit tests for live sessions and moderation (issue 15): the parse of
 * WEFT_F_STAGE (server/proto_stage.c) through the real command table, the
 * rows' checks, and who may mute whom (weft_policy_may_mute). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "weft/cmd.h"
#include "weft/policy.h"
#include "weft/store.h"

#include "parse_cmd.h"

static void test_session_start(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err;
	assert_int_equal(parse("{\"type\":\"session.start\",\"channel\":3,\"title\":\"Circle\",\"confidential\":true,"
			       "\"mode\":\"floor\"}", &cmd, &err), 0);
	assert_string_equal(cmd.st.title, "Circle");
	assert_true(cmd.st.confidential);
	assert_int_equal(cmd.st.mode, WEFT_MODE_FLOOR);
	weft_cmd_clear(&cmd);
	assert_int_equal(parse("{\"type\":\"session.start\",\"channel\":3,\"title\":\"x\"}", &cmd, &err), 0);
	assert_false(cmd.st.confidential);
	assert_int_equal(cmd.st.mode, WEFT_MODE_OPEN);
	weft_cmd_clear(&cmd);
	refused_msg("{\"type\":\"session.start\",\"channel\":3}", "bad_request", "title");
	refused_msg("{\"type\":\"session.start\",\"channel\":3,\"title\":\"  \"}", "bad_request", "not blank");
	refused_msg("{\"type\":\"session.start\",\"channel\":3,\"title\":\"x\",\"mode\":\"stage\"}", "bad_request", "open or floor");
	refused_msg("{\"type\":\"session.start\",\"channel\":3,\"title\":\"x\",\"confidential\":1}", "bad_request", "confidential");
}

static void test_floor_and_mute_seconds(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err;
	assert_int_equal(parse("{\"type\":\"floor.give\",\"channel\":3,\"user\":4,\"seconds\":3600}", &cmd, &err), 0);
	assert_int_equal(cmd.st.seconds, 3600);
	weft_cmd_clear(&cmd);
	refused_msg("{\"type\":\"floor.give\",\"channel\":3,\"user\":4,\"seconds\":3601}", "bad_request", "3600");
	refused_msg("{\"type\":\"floor.give\",\"channel\":3,\"user\":4,\"seconds\":1.5}", "bad_request", "seconds");
	refused_msg("{\"type\":\"channel.mute\",\"channel\":3,\"user\":4}", "bad_request", "seconds");
	refused_msg("{\"type\":\"channel.mute\",\"channel\":3,\"user\":4,\"seconds\":-1}", "bad_request", "seconds");
	assert_int_equal(parse("{\"type\":\"channel.mute\",\"channel\":3,\"user\":4,\"seconds\":0}", &cmd, &err), 0);
	assert_true(cmd.st.set & WEFT_ST_SECONDS);
	weft_cmd_clear(&cmd);
	refused_msg("{\"type\":\"channel.update\",\"channel\":3,\"slow\":3601}", "bad_request", "slow");
	assert_int_equal(parse("{\"type\":\"channel.update\",\"channel\":3,\"slow\":0}", &cmd, &err), 0);
	assert_true(cmd.st.set & WEFT_ST_SLOW);
	weft_cmd_clear(&cmd);
}

static void test_reports(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err;
	char frame[700];
	refused_msg("{\"type\":\"report\",\"channel\":3,\"id\":5}", "bad_request", "reason");
	refused_msg("{\"type\":\"report\",\"channel\":3,\"id\":5,\"reason\":\" \\n\"}", "bad_request", "reason");
	snprintf(frame, sizeof frame, "{\"type\":\"report\",\"channel\":3,\"id\":5,\"reason\":\"%0501d\"}", 0);
	refused_msg(frame, "bad_request", "500");
	assert_int_equal(parse("{\"type\":\"report\",\"channel\":3,\"id\":5,\"reason\":\"hurtful\"}", &cmd, &err), 0);
	assert_string_equal(cmd.st.reason, "hurtful");
	weft_cmd_clear(&cmd);
	refused_msg("{\"type\":\"report.resolve\",\"channel\":3,\"report\":1}", "bad_request", "action");
	refused_msg("{\"type\":\"report.resolve\",\"channel\":3,\"report\":1,\"action\":\"ban\"}", "bad_request", "dismiss");
	assert_int_equal(parse("{\"type\":\"report.resolve\",\"channel\":3,\"report\":1,\"action\":\"remove\"}", &cmd, &err), 0);
	assert_int_equal(cmd.st.action, WEFT_RESOLVE_REMOVE);
	weft_cmd_clear(&cmd);
	assert_int_equal(parse("{\"type\":\"channel.remove\",\"channel\":3,\"user\":4,\"ban\":true}", &cmd, &err), 0);
	assert_true(cmd.st.ban);
	weft_cmd_clear(&cmd);
	refused_msg("{\"type\":\"channel.remove\",\"channel\":3,\"user\":4,\"ban\":\"yes\"}", "bad_request", "ban");
	refused_msg("{\"type\":\"session.round\",\"channel\":3,\"order\":\"age\"}", "bad_request", "random or alpha");
	refused_msg("{\"type\":\"channel.modlog\",\"channel\":3,\"before\":0}", "bad_request", "before");
}

static void test_may_mute(void **state)
{
	(void)state;
	enum { N = WEFT_ROLE_NONE, M = WEFT_ROLE_MEMBER, D = WEFT_ROLE_MODERATOR, O = WEFT_ROLE_OWNER };
	/* [actor][target]: members and outsiders mute nobody; moderators mute
	 * members; owners also moderators; nobody an owner or an outsider. */
	static const bool want[4][4] = {
		[N] = { false, false, false, false },
		[M] = { false, false, false, false },
		[D] = { [M] = true },
		[O] = { [M] = true, [D] = true },
	};
	for (int a = N; a <= O; a++)
		for (int t = N; t <= O; t++)
			if (weft_policy_may_mute(a, t) != want[a][t])
				fail_msg("actor %d target %d", a, t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_start),
		cmocka_unit_test(test_floor_and_mute_seconds),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_may_mute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

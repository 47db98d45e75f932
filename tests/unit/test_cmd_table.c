/* Unit tests for the command table (server/cmd/table.c): the rows agree
 * with the parse and the dispatch that read them, and every row parses a
 * frame carrying just its required fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "weft/cmd.h"
#include "weft/policy.h"

static const struct weft_limits lim = { .max_body = 4000, .max_name = 64 };

static void test_rows_are_whole(void **state)
{
	(void)state;
	const struct weft_cmd_table *t = &weft_cmd_table;
	int before_hello = 0;
	assert_true(t->n > 0);
	for (int i = 0; i < t->n; i++) {
		const struct weft_cmd_def *d = &t->defs[i];
		assert_non_null(d->name);
		assert_true(d->name[0]);
		assert_non_null(d->handle);
		assert_true(d->cost >= 1);
		if ((d->required & ~d->fields) != 0)
			fail_msg("%s requires fields it does not accept", d->name);
		/* The dispatch finds the channel of exactly the rows that must name one. */
		bool ch = (d->flags & WEFT_CMDF_CHANNEL) != 0;
		if (ch != ((d->required & WEFT_F_CHANNEL) != 0))
			fail_msg("%s: WEFT_CMDF_CHANNEL and a required channel disagree", d->name);
		if (d->action >= 0 && (!ch || d->action >= WEFT_ACT_COUNT))
			fail_msg("%s: a policy action needs a channel", d->name);
		before_hello += (d->flags & WEFT_CMDF_BEFORE_HELLO) != 0;
		for (int j = 0; j < i; j++)
			if (!strcmp(t->defs[j].name, d->name))
				fail_msg("%s appears twice", d->name);
	}
	assert_int_equal(before_hello, 1);
}

/* A valid value for each field a row may require, as JSON members. */
static const struct {
	uint64_t bit;
	const char *json;
} samples[] = {
	{ WEFT_F_SINCE, "\"since\":0" },      { WEFT_F_CHANNEL, "\"channel\":1" },
	{ WEFT_F_USER, "\"user\":2" },        { WEFT_F_ID, "\"id\":3" },
	{ WEFT_F_THREAD, "\"thread\":3" },    { WEFT_F_CLIENT_ID, "\"client_id\":\"c1\"" },
	{ WEFT_F_NAME, "\"name\":\"lobby\"" }, { WEFT_F_KIND, "\"kind\":\"cohort\"" },
	{ WEFT_F_NOTE, "\"note\":\"hi\"" },   { WEFT_F_APPROVE, "\"approve\":true" },
	{ WEFT_F_ROLE, "\"role\":\"member\"" }, { WEFT_F_ARCHIVED, "\"archived\":true" },
	{ WEFT_F_USERS, "\"users\":[2]" },    { WEFT_F_Q, "\"q\":\"an\"" },
	{ WEFT_F_PROFILE, "\"name\":\"ana\"" }, { WEFT_F_BODY, "\"body\":\"hello\"" },
	{ WEFT_F_SEQ, "\"seq\":0" },          { WEFT_F_ACCESS_TOPIC, "\"topic\":\"t\"" },
	{ WEFT_F_PAGE, "\"limit\":5" },     { WEFT_F_EMOJI, "\"emoji\":\"👍\"" },
	{ WEFT_F_ON, "\"on\":false" },      { WEFT_F_PINNED, "\"pinned\":true" },
	{ WEFT_F_WATCH, "\"users\":[2,1,2]" },
	{ WEFT_F_LIST, "\"after\":0" },       { WEFT_F_SEARCH, "\"q\":\"equit\"" },
};

static void test_each_row_parses_its_required_fields(void **state)
{
	(void)state;
	for (int i = 0; i < weft_cmd_table.n; i++) {
		const struct weft_cmd_def *d = &weft_cmd_table.defs[i];
		char frame[1024];
		int n = snprintf(frame, sizeof frame, "{\"type\":\"%s\"", d->name);
		for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++)
			if (d->required & samples[k].bit)
				n += snprintf(frame + n, sizeof frame - (size_t)n, ",%s", samples[k].json);
		/* channel.update and profile.update must change something, send must carry a body or files: their
		 * checks ask for one field more; standups, items, live sessions and moderation need keys of
		 * their field bits. */
		if (d->check)
			n += snprintf(frame + n, sizeof frame - (size_t)n,
				      ",\"topic\":\"t\",\"display\":\"D\",\"body\":\"b\",\"questions\":[\"q\"],\"days\":[\"mon\"],"
				      "\"time\":\"09:00\",\"standup\":1,\"answers\":[\"a\"],\"title\":\"T\",\"id\":5,\"at\":0,"
				      "\"seconds\":60,\"reason\":\"r\",\"report\":1,\"action\":\"dismiss\","
				      /* weaving (issue 17) */
				      "\"q\":\"an\",\"a\":2,\"b\":3,\"intro\":1,\"accept\":true,\"weaver\":true");
		snprintf(frame + n, sizeof frame - (size_t)n, "}");
		struct weft_cmd cmd;
		struct weft_parse_error err = { 0 };
		if (weft_proto_parse(frame, strlen(frame), &lim, &weft_cmd_table, &cmd, &err))
			fail_msg("%s: %s", frame, err.message);
		assert_ptr_equal(cmd.def, d);
		weft_cmd_clear(&cmd);
		/* And a required field missing is refused. */
		if (!d->required)
			continue;
		snprintf(frame, sizeof frame, "{\"type\":\"%s\"}", d->name);
		assert_int_equal(weft_proto_parse(frame, strlen(frame), &lim, &weft_cmd_table, &cmd, &err),
				 WEFT_EINVAL);
		assert_string_equal(err.code, "bad_request");
	}
}

static void test_unknown_type_keeps_req(void **state)
{
	(void)state;
	const char *frame = "{\"type\":\"no.such\",\"req\":\"r1\"}";
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	assert_int_equal(weft_proto_parse(frame, strlen(frame), &lim, &weft_cmd_table, &cmd, &err), WEFT_EINVAL);
	assert_string_equal(err.message, "unknown type");
	assert_null(cmd.def);
	assert_true(cmd.has_req);
	assert_string_equal(cmd.req, "r1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_are_whole),
		cmocka_unit_test(test_each_row_parses_its_required_fields),
		cmocka_unit_test(test_unknown_type_keeps_req),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for proto.c: every client frame type parsed into typed fields,
 * every validation error with its code and the echoed req, the server frame
 * encoders checked by parsing their JSON back, and the direct encoders
 * (event, history, ack) held byte for byte to the cJSON builders they
 * replaced (proto_ref.h) and to a few frames spelled out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/cmd.h"
#include "weft/hub.h"
#include "weft/proto.h"
#include "proto_ref.h"

#define EMOJI "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes, 1 character */

static struct weft_limits lim = { .max_body = 4000, .max_name = 64 };

static int parse_lim(const char *json, const struct weft_limits *l, struct weft_cmd *cmd,
		     struct weft_parse_error *err)
{
	err->code = NULL;
	err->message = NULL;
	return weft_proto_parse(json, strlen(json), l, &weft_cmd_table, cmd, err);
}

static int parse(const char *json, struct weft_cmd *cmd, struct weft_parse_error *err)
{
	return parse_lim(json, &lim, cmd, err);
}

/* Parses json that must be valid; returns the command (clear it). */
static void parse_ok(const char *json, struct weft_cmd *cmd)
{
	struct weft_parse_error err = { 0 };
	int rc = parse(json, cmd, &err);
	if (rc)
		fail_msg("parse of %s failed: %d %s (%s)", json, rc, err.code ? err.code : "?",
			 err.message ? err.message : "?");
}

/* s repeated n times, heap-allocated. */
static char *repeat(const char *s, int n)
{
	size_t l = strlen(s);
	char *out = malloc(l * (size_t)n + 1);
	assert_non_null(out);
	for (int i = 0; i < n; i++)
		memcpy(out + l * (size_t)i, s, l);
	out[l * (size_t)n] = '\0';
	return out;
}

/* printf into a heap string. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* ---- Valid frames, one per command type. */

static void test_hello(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	parse_ok("{\"type\":\"hello\"}", &cmd);
	assert_string_equal(cmd.def->name, "hello");
	assert_int_equal(cmd.since, 0);
	assert_false(cmd.has_req);
	assert_string_equal(cmd.req, "");
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"hello\",\"since\":130,\"req\":\"h1\"}", &cmd);
	assert_string_equal(cmd.def->name, "hello");
	assert_int_equal(cmd.since, 130);
	assert_true(cmd.has_req);
	assert_string_equal(cmd.req, "h1");
	weft_cmd_clear(&cmd);

	/* The largest exact double integer is accepted. */
	parse_ok("{\"type\":\"hello\",\"since\":-1}", &cmd);
	assert_int_equal(cmd.since, -1); /* no replay: start from now */
	weft_cmd_clear(&cmd);
	parse_ok("{\"type\":\"hello\",\"since\":9007199254740992}", &cmd);
	assert_int_equal(cmd.since, 9007199254740992LL);
	weft_cmd_clear(&cmd);

	/* null counts as absent. */
	parse_ok("{\"type\":\"hello\",\"since\":null,\"req\":null}", &cmd);
	assert_int_equal(cmd.since, 0);
	assert_false(cmd.has_req);
	weft_cmd_clear(&cmd);
}

static void test_ping_and_list(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	parse_ok("{\"type\":\"ping\",\"req\":\"p\"}", &cmd);
	assert_string_equal(cmd.def->name, "ping");
	assert_string_equal(cmd.req, "p");
	weft_cmd_clear(&cmd);

	/* Without paging fields: the first page, of the largest size. */
	parse_ok("{\"type\":\"channel.list\"}", &cmd);
	assert_string_equal(cmd.def->name, "channel.list");
	assert_int_equal(cmd.after, 0);
	assert_int_equal(cmd.limit, WEFT_CHANNEL_PAGE_MAX);
	assert_false(cmd.mine);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"channel.list\",\"after\":42,\"limit\":1,\"mine\":true}", &cmd);
	assert_int_equal(cmd.after, 42);
	assert_int_equal(cmd.limit, 1);
	assert_true(cmd.mine);
	weft_cmd_clear(&cmd);
	parse_ok("{\"type\":\"channel.list\",\"after\":0,\"limit\":500,\"mine\":null}", &cmd);
	assert_int_equal(cmd.limit, 500);
	assert_false(cmd.mine);
	weft_cmd_clear(&cmd);

	/* Unknown fields are ignored, whatever their type. */
	parse_ok("{\"x\":{\"y\":[1,2,{\"z\":null}]},\"type\":\"ping\",\"flag\":true}", &cmd);
	assert_string_equal(cmd.def->name, "ping");
	weft_cmd_clear(&cmd);

	/* Whitespace around the object is fine. */
	parse_ok("  \n{ \"type\" : \"ping\" }\n", &cmd);
	assert_string_equal(cmd.def->name, "ping");
	weft_cmd_clear(&cmd);
}

static void test_send(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	parse_ok("{\"type\":\"send\",\"req\":\"r1\",\"channel\":3,\"body\":\"hello\",\"client_id\":\"c-5f1e\"}",
		 &cmd);
	assert_string_equal(cmd.def->name, "send");
	assert_string_equal(cmd.req, "r1");
	assert_true(cmd.has_req);
	assert_int_equal(cmd.channel, 3);
	assert_string_equal(cmd.body, "hello");
	assert_string_equal(cmd.client_id, "c-5f1e");
	assert_int_equal(cmd.thread, 0);
	weft_cmd_clear(&cmd);
	assert_null(cmd.body);

	/* thread, JSON escapes decoded, no client_id. */
	parse_ok("{\"type\":\"send\",\"channel\":7,\"thread\":131,"
		 "\"body\":\"caf\\u00e9 \\\"quoted\\\"\\nline \\ud83d\\ude00\"}", &cmd);
	assert_int_equal(cmd.channel, 7);
	assert_int_equal(cmd.thread, 131);
	assert_string_equal(cmd.body, "caf\xc3\xa9 \"quoted\"\nline " EMOJI);
	assert_string_equal(cmd.client_id, "");
	weft_cmd_clear(&cmd);

	/* A number written with an exponent is still a whole number. */
	parse_ok("{\"type\":\"send\",\"channel\":1e2,\"body\":\"x\"}", &cmd);
	assert_int_equal(cmd.channel, 100);
	weft_cmd_clear(&cmd);

	/* client_id of exactly 64 characters, emoji counted as one each. */
	char *cid = repeat(EMOJI, 64);
	char *frame = fmt("{\"type\":\"send\",\"channel\":1,\"body\":\"b\",\"client_id\":\"%s\"}", cid);
	parse_ok(frame, &cmd);
	assert_string_equal(cmd.client_id, cid);
	weft_cmd_clear(&cmd);
	free(frame);
	free(cid);

	/* Leading and trailing blanks around real text are kept. */
	parse_ok("{\"type\":\"send\",\"channel\":1,\"body\":\"  x  \"}", &cmd);
	assert_string_equal(cmd.body, "  x  ");
	weft_cmd_clear(&cmd);
}

static void test_edit_delete(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	parse_ok("{\"type\":\"edit\",\"req\":\"e\",\"channel\":3,\"id\":131,\"body\":\"fixed\"}", &cmd);
	assert_string_equal(cmd.def->name, "edit");
	assert_int_equal(cmd.channel, 3);
	assert_int_equal(cmd.id, 131);
	assert_string_equal(cmd.body, "fixed");
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"delete\",\"channel\":3,\"id\":132}", &cmd);
	assert_string_equal(cmd.def->name, "delete");
	assert_int_equal(cmd.channel, 3);
	assert_int_equal(cmd.id, 132);
	assert_null(cmd.body);
	weft_cmd_clear(&cmd);
}

static void test_history(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	parse_ok("{\"type\":\"history\",\"req\":\"r2\",\"channel\":3}", &cmd);
	assert_string_equal(cmd.def->name, "history");
	assert_int_equal(cmd.channel, 3);
	assert_int_equal(cmd.before, 0);
	assert_int_equal(cmd.after, -1); /* none: 0 would page from the oldest */
	assert_int_equal(cmd.limit, WEFT_HISTORY_DEFAULT);
	assert_int_equal(cmd.limit, 50);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"history\",\"channel\":3,\"before\":131,\"limit\":200}", &cmd);
	assert_int_equal(cmd.before, 131);
	assert_int_equal(cmd.after, -1);
	assert_int_equal(cmd.limit, 200);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"history\",\"channel\":3,\"after\":0,\"limit\":1}", &cmd);
	assert_int_equal(cmd.after, 0);
	assert_int_equal(cmd.limit, 1);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"history\",\"channel\":3,\"after\":10,\"before\":20}", &cmd);
	assert_int_equal(cmd.after, 10);
	assert_int_equal(cmd.before, 20);
	weft_cmd_clear(&cmd);
}

static void test_read(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	parse_ok("{\"type\":\"read\",\"channel\":4,\"seq\":99}", &cmd);
	assert_string_equal(cmd.def->name, "read");
	assert_int_equal(cmd.channel, 4);
	assert_int_equal(cmd.seq, 99);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"read\",\"channel\":4,\"seq\":0}", &cmd);
	assert_int_equal(cmd.seq, 0);
	weft_cmd_clear(&cmd);
}

static void test_channel_create(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	parse_ok("{\"type\":\"channel.create\",\"req\":\"c\",\"name\":\"lobby\",\"kind\":\"cohort\"}", &cmd);
	assert_string_equal(cmd.def->name, "channel.create");
	assert_string_equal(cmd.name, "lobby");
	assert_int_equal(cmd.kind, WEFT_KIND_COHORT);
	assert_int_equal(cmd.access, -1); /* default for the kind */
	assert_null(cmd.topic);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"channel.create\",\"name\":\"equity-caucus-2\",\"kind\":\"caucus\","
		 "\"access\":\"invite\",\"topic\":\"Caf\\u00e9 talk\"}", &cmd);
	assert_string_equal(cmd.name, "equity-caucus-2");
	assert_int_equal(cmd.kind, WEFT_KIND_CAUCUS);
	assert_int_equal(cmd.access, WEFT_ACCESS_INVITE);
	assert_string_equal(cmd.topic, "Caf\xc3\xa9 talk");
	weft_cmd_clear(&cmd);
	assert_null(cmd.topic);

	parse_ok("{\"type\":\"channel.create\",\"name\":\"t\",\"kind\":\"team\",\"access\":\"open\"}", &cmd);
	assert_int_equal(cmd.kind, WEFT_KIND_TEAM);
	assert_int_equal(cmd.access, WEFT_ACCESS_OPEN);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"channel.create\",\"name\":\"r\",\"kind\":\"cohort\",\"access\":\"request\"}", &cmd);
	assert_int_equal(cmd.access, WEFT_ACCESS_REQUEST);
	weft_cmd_clear(&cmd);

	/* 64 characters is the most. */
	char *name = repeat("a", 64);
	char *frame = fmt("{\"type\":\"channel.create\",\"name\":\"%s\",\"kind\":\"team\"}", name);
	parse_ok(frame, &cmd);
	assert_string_equal(cmd.name, name);
	weft_cmd_clear(&cmd);
	free(frame);
	free(name);

	/* A topic of exactly 250 characters (emoji) fits. */
	char *topic = repeat(EMOJI, WEFT_TOPIC_MAX);
	frame = fmt("{\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"team\",\"topic\":\"%s\"}", topic);
	parse_ok(frame, &cmd);
	assert_string_equal(cmd.topic, topic);
	weft_cmd_clear(&cmd);
	free(frame);
	free(topic);
}

static void test_channel_join_leave_members(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	parse_ok("{\"type\":\"channel.join\",\"channel\":5}", &cmd);
	assert_string_equal(cmd.def->name, "channel.join");
	assert_int_equal(cmd.channel, 5);
	assert_null(cmd.note);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"channel.join\",\"channel\":5,\"note\":\"please let me in\"}", &cmd);
	assert_string_equal(cmd.note, "please let me in");
	weft_cmd_clear(&cmd);
	assert_null(cmd.note);

	char *note = repeat(EMOJI, WEFT_NOTE_MAX);
	char *frame = fmt("{\"type\":\"channel.join\",\"channel\":5,\"note\":\"%s\"}", note);
	parse_ok(frame, &cmd);
	assert_string_equal(cmd.note, note);
	weft_cmd_clear(&cmd);
	free(frame);
	free(note);

	parse_ok("{\"type\":\"channel.leave\",\"req\":\"l\",\"channel\":6}", &cmd);
	assert_string_equal(cmd.def->name, "channel.leave");
	assert_int_equal(cmd.channel, 6);
	weft_cmd_clear(&cmd);

	parse_ok("{\"type\":\"channel.members\",\"channel\":8}", &cmd);
	assert_string_equal(cmd.def->name, "channel.members");
	assert_int_equal(cmd.channel, 8);
	weft_cmd_clear(&cmd);
}

/* ---- req. */

static void test_req_limits(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err;

	/* 64 emoji = 64 characters (256 bytes): accepted and echoed whole. */
	char *req = repeat(EMOJI, 64);
	char *frame = fmt("{\"type\":\"ping\",\"req\":\"%s\"}", req);
	parse_ok(frame, &cmd);
	assert_true(cmd.has_req);
	assert_string_equal(cmd.req, req);
	weft_cmd_clear(&cmd);
	free(frame);
	free(req);

	req = repeat("r", 64);
	frame = fmt("{\"type\":\"ping\",\"req\":\"%s\"}", req);
	parse_ok(frame, &cmd);
	assert_string_equal(cmd.req, req);
	weft_cmd_clear(&cmd);
	free(frame);
	free(req);

	/* 65 characters, ASCII or emoji: bad_request and no req echoed. */
	const char *units[] = { "r", EMOJI };
	for (int i = 0; i < 2; i++) {
		req = repeat(units[i], 65);
		frame = fmt("{\"type\":\"ping\",\"req\":\"%s\"}", req);
		assert_int_equal(parse(frame, &cmd, &err), WEFT_EINVAL);
		assert_string_equal(err.code, "bad_request");
		assert_non_null(err.message);
		assert_false(cmd.has_req);
		assert_string_equal(cmd.req, "");
		free(frame);
		free(req);
	}

	/* Not a string. */
	const char *bad[] = {
		"{\"type\":\"ping\",\"req\":7}",
		"{\"type\":\"ping\",\"req\":true}",
		"{\"type\":\"ping\",\"req\":[\"r\"]}",
		"{\"type\":\"ping\",\"req\":{}}",
		"{\"type\":\"ping\",\"req\":\"\xff\"}",          /* invalid UTF-8 */
		"{\"type\":\"ping\",\"req\":\"\xed\xa0\x80\"}",  /* raw surrogate */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(bad[i], &cmd, &err), WEFT_EINVAL);
		assert_string_equal(err.code, "bad_request");
		assert_false(cmd.has_req);
	}

	/* An empty req is a req (echo logic omits it on the wire). */
	parse_ok("{\"type\":\"ping\",\"req\":\"\"}", &cmd);
	assert_true(cmd.has_req);
	assert_string_equal(cmd.req, "");
	weft_cmd_clear(&cmd);
}

/* ---- Validation errors: a table of frame, result, code and the req the
 * error must still echo (NULL: none). */

struct bad_case {
	const char *frame;
	int rc;
	const char *code;
	const char *req;
};

static const struct bad_case bad_cases[] = {
	/* Not JSON, not an object. */
	{ "", WEFT_EINVAL, "bad_request", NULL },
	{ "not json", WEFT_EINVAL, "bad_request", NULL },
	{ "{\"type\":\"ping\"", WEFT_EINVAL, "bad_request", NULL },
	{ "{\"type\":\"ping\",}", WEFT_EINVAL, "bad_request", NULL },
	{ "{'type':'ping'}", WEFT_EINVAL, "bad_request", NULL },
	{ "[{\"type\":\"ping\"}]", WEFT_EINVAL, "bad_request", NULL },
	{ "\"ping\"", WEFT_EINVAL, "bad_request", NULL },
	{ "42", WEFT_EINVAL, "bad_request", NULL },
	{ "null", WEFT_EINVAL, "bad_request", NULL },
	{ "true", WEFT_EINVAL, "bad_request", NULL },
	/* type missing, not a string, unknown (names are case-sensitive). */
	{ "{}", WEFT_EINVAL, "bad_request", NULL },
	{ "{\"req\":\"r1\"}", WEFT_EINVAL, "bad_request", "r1" },
	{ "{\"req\":\"r1\",\"type\":5}", WEFT_EINVAL, "bad_request", "r1" },
	{ "{\"req\":\"r1\",\"type\":null}", WEFT_EINVAL, "bad_request", "r1" },
	{ "{\"req\":\"r1\",\"type\":[\"ping\"]}", WEFT_EINVAL, "bad_request", "r1" },
	{ "{\"req\":\"r1\",\"type\":\"nope\"}", WEFT_EINVAL, "bad_request", "r1" },
	{ "{\"req\":\"r1\",\"type\":\"Send\"}", WEFT_EINVAL, "bad_request", "r1" },
	{ "{\"req\":\"r1\",\"type\":\"\"}", WEFT_EINVAL, "bad_request", "r1" },
	{ "{\"req\":\"r1\",\"type\":\"error\"}", WEFT_EINVAL, "bad_request", "r1" },
	{ "{\"req\":\"r1\",\"type\":\"channel\"}", WEFT_EINVAL, "bad_request", "r1" },
	/* hello */
	{ "{\"req\":\"h\",\"type\":\"hello\",\"since\":-2}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"hello\",\"since\":1.5}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"hello\",\"since\":\"0\"}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"hello\",\"since\":1e300}", WEFT_EINVAL, "bad_request", "h" },
	/* send: channel */
	{ "{\"req\":\"s\",\"type\":\"send\",\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":null,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":\"3\",\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":0,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":-3,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":2.5,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":true,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1e300,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":18014398509481984,\"body\":\"x\"}", WEFT_EINVAL,
	  "bad_request", "s" },
	/* send: body */
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":null}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":5}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":[\"x\"]}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\"\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\"   \"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\" \\t\\r\\n \"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\"a\xff" "b\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\"\xc0\x80\"}", WEFT_EINVAL, "bad_request", "s" },
	/* send: thread */
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"thread\":0,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"thread\":-1,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"thread\":1.25,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"thread\":\"9\",\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	/* send: client_id */
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"client_id\":\"\",\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"client_id\":12,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"client_id\":\"\xff\",\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "s" },
	/* edit, delete */
	{ "{\"req\":\"e\",\"type\":\"edit\",\"channel\":1,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "e" },
	{ "{\"req\":\"e\",\"type\":\"edit\",\"channel\":1,\"id\":0,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "e" },
	{ "{\"req\":\"e\",\"type\":\"edit\",\"channel\":1,\"id\":-4,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "e" },
	{ "{\"req\":\"e\",\"type\":\"edit\",\"channel\":1,\"id\":4.5,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "e" },
	{ "{\"req\":\"e\",\"type\":\"edit\",\"channel\":1,\"id\":4}", WEFT_EINVAL, "bad_request", "e" },
	{ "{\"req\":\"e\",\"type\":\"edit\",\"channel\":1,\"id\":4,\"body\":\"\"}", WEFT_EINVAL, "bad_request", "e" },
	{ "{\"req\":\"e\",\"type\":\"edit\",\"id\":4,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", "e" },
	{ "{\"req\":\"d\",\"type\":\"delete\",\"channel\":1}", WEFT_EINVAL, "bad_request", "d" },
	{ "{\"req\":\"d\",\"type\":\"delete\",\"channel\":1,\"id\":\"4\"}", WEFT_EINVAL, "bad_request", "d" },
	{ "{\"req\":\"d\",\"type\":\"delete\",\"id\":4}", WEFT_EINVAL, "bad_request", "d" },
	/* channel.list */
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"limit\":0}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"limit\":501}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"limit\":2.5}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"limit\":\"10\"}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"after\":-1}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"after\":1.5}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"after\":\"7\"}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"after\":1e300}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.list\",\"mine\":1}", WEFT_EINVAL, "bad_request", "l" },
	/* history */
	{ "{\"req\":\"h\",\"type\":\"history\"}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"limit\":0}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"limit\":201}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"limit\":-5}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"limit\":2.5}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"limit\":\"50\"}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"before\":-1}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"before\":1.5}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"after\":-1}", WEFT_EINVAL, "bad_request", "h" },
	{ "{\"req\":\"h\",\"type\":\"history\",\"channel\":3,\"after\":\"1\"}", WEFT_EINVAL, "bad_request", "h" },
	/* read */
	{ "{\"req\":\"r\",\"type\":\"read\",\"channel\":3}", WEFT_EINVAL, "bad_request", "r" },
	{ "{\"req\":\"r\",\"type\":\"read\",\"channel\":3,\"seq\":-1}", WEFT_EINVAL, "bad_request", "r" },
	{ "{\"req\":\"r\",\"type\":\"read\",\"seq\":3}", WEFT_EINVAL, "bad_request", "r" },
	/* channel.create: names */
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"Lobby\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"LOBBY\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"the lobby\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\" lobby\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"a_b\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"a.b\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"caf\\u00e9\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"a/b\",\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":7,\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	  "\"kind\":\"team\"}", WEFT_EINVAL, "bad_request", "c" },  /* 65 characters */
	/* channel.create: kind and access */
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"dm\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"group\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"Team\"}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":2}", WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"team\",\"access\":\"secret\"}",
	  WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"team\",\"access\":\"Open\"}",
	  WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"team\",\"access\":1}",
	  WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"team\",\"access\":\"\"}",
	  WEFT_EINVAL, "bad_request", "c" },
	{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"team\",\"topic\":3}",
	  WEFT_EINVAL, "bad_request", "c" },
	/* join, leave, members */
	{ "{\"req\":\"j\",\"type\":\"channel.join\"}", WEFT_EINVAL, "bad_request", "j" },
	{ "{\"req\":\"j\",\"type\":\"channel.join\",\"channel\":0}", WEFT_EINVAL, "bad_request", "j" },
	{ "{\"req\":\"j\",\"type\":\"channel.join\",\"channel\":1,\"note\":5}", WEFT_EINVAL, "bad_request", "j" },
	{ "{\"req\":\"l\",\"type\":\"channel.leave\"}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"l\",\"type\":\"channel.leave\",\"channel\":-1}", WEFT_EINVAL, "bad_request", "l" },
	{ "{\"req\":\"m\",\"type\":\"channel.members\"}", WEFT_EINVAL, "bad_request", "m" },
	{ "{\"req\":\"m\",\"type\":\"channel.members\",\"channel\":\"x\"}", WEFT_EINVAL, "bad_request", "m" },
	/* No req at all: the error carries none. */
	{ "{\"type\":\"send\",\"channel\":0,\"body\":\"x\"}", WEFT_EINVAL, "bad_request", NULL },
};

static void check_bad(const char *frame, size_t len, const struct weft_limits *l, int rc,
		      const char *code, const char *req)
{
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	int got = weft_proto_parse(frame, len, l, &weft_cmd_table, &cmd, &err);
	if (got == 0)
		weft_cmd_clear(&cmd);
	if (got != rc)
		fail_msg("frame %s: expected %d, got %d", frame, rc, got);
	if (!err.code || strcmp(err.code, code))
		fail_msg("frame %s: expected code %s, got %s", frame, code, err.code ? err.code : "NULL");
	if (!err.message || !*err.message)
		fail_msg("frame %s: no error message", frame);
	if (req) {
		if (!cmd.has_req || strcmp(cmd.req, req))
			fail_msg("frame %s: req not echoed (has_req %d, \"%s\")", frame, cmd.has_req, cmd.req);
	} else if (cmd.has_req) {
		fail_msg("frame %s: unexpected req \"%s\"", frame, cmd.req);
	}
	/* A failed parse owns nothing. */
	assert_null(cmd.body);
	assert_null(cmd.topic);
	assert_null(cmd.note);
}

static void test_bad_frames(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		check_bad(c->frame, strlen(c->frame), &lim, c->rc, c->code, c->req);
	}
}

/* JSON strings may hold U+0000 (\u0000); C strings cannot. A string with
 * one must be refused, not cut at the NUL: "a\u0000b" and "a\u0000c" would
 * otherwise be the same client_id (the second send silently dropped as a
 * duplicate), and "hello\u0000 rest" would be stored as "hello". */
static void test_embedded_nul_refused(void **state)
{
	(void)state;
	const struct bad_case cases[] = {
		{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\"hello\\u0000 rest\"}",
		  WEFT_EINVAL, "bad_request", "s" },
		{ "{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\"x\",\"client_id\":\"a\\u0000b\"}",
		  WEFT_EINVAL, "bad_request", "s" },
		{ "{\"req\":\"e\",\"type\":\"edit\",\"channel\":1,\"id\":2,\"body\":\"ok\\u0000\"}",
		  WEFT_EINVAL, "bad_request", "e" },
		{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"lobby\\u0000x\",\"kind\":\"team\"}",
		  WEFT_EINVAL, "bad_request", "c" },
		{ "{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"team\\u0000\"}",
		  WEFT_EINVAL, "bad_request", "c" },
		{ "{\"type\":\"ping\",\"req\":\"r\\u0000x\"}", WEFT_EINVAL, "bad_request", NULL },
		{ "{\"type\":\"ping\\u0000\"}", WEFT_EINVAL, "bad_request", NULL },
	};
	int accepted = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct weft_cmd cmd;
		struct weft_parse_error err;
		if (!weft_proto_parse(cases[i].frame, strlen(cases[i].frame), &lim, &weft_cmd_table, &cmd, &err)) {
			print_error("accepted: %s\n", cases[i].frame);
			weft_cmd_clear(&cmd);
			accepted++;
		}
	}
	if (accepted)
		fail_msg("%d frames with U+0000 in a string were accepted", accepted);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_bad(cases[i].frame, strlen(cases[i].frame), &lim, cases[i].rc, cases[i].code, cases[i].req);
}

/* The frame is the len bytes given, not a C string: JSON followed by more
 * bytes is not one JSON object. */
static void test_trailing_bytes_rejected(void **state)
{
	(void)state;
	const char *frames[] = {
		"{\"type\":\"ping\",\"req\":\"t\"} trailing",
		"{\"type\":\"ping\",\"req\":\"t\"}{\"type\":\"ping\"}",
		"{\"type\":\"ping\",\"req\":\"t\"}]",
	};
	for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
		check_bad(frames[i], strlen(frames[i]), &lim, WEFT_EINVAL, "bad_request", NULL);
	/* A frame with a NUL inside: the bytes after it are part of the frame. */
	static const char nul[] = "{\"type\":\"ping\"}\0garbage";
	check_bad(nul, sizeof nul - 1, &lim, WEFT_EINVAL, "bad_request", NULL);
}

/* The parse reads exactly len bytes even when the buffer is not terminated. */
static void test_unterminated_buffer(void **state)
{
	(void)state;
	const char *json = "{\"type\":\"send\",\"channel\":2,\"body\":\"hi\"}";
	size_t len = strlen(json);
	char *buf = malloc(len); /* no NUL: ASan catches any over-read */
	assert_non_null(buf);
	memcpy(buf, json, len);
	struct weft_cmd cmd;
	struct weft_parse_error err;
	assert_int_equal(weft_proto_parse(buf, len, &lim, &weft_cmd_table, &cmd, &err), 0);
	assert_int_equal(cmd.channel, 2);
	assert_string_equal(cmd.body, "hi");
	weft_cmd_clear(&cmd);
	/* Truncated by len: invalid. */
	assert_int_equal(weft_proto_parse(buf, len - 1, &lim, &weft_cmd_table, &cmd, &err), WEFT_EINVAL);
	free(buf);
}

/* ---- Lengths count characters, not bytes. */

static void test_body_limits(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err;

	/* 4000 emoji (16000 bytes) at max_body 4000: accepted. */
	char *body = repeat(EMOJI, 4000);
	char *frame = fmt("{\"req\":\"big\",\"type\":\"send\",\"channel\":1,\"body\":\"%s\"}", body);
	assert_int_equal(parse(frame, &cmd, &err), 0);
	assert_string_equal(cmd.body, body);
	assert_int_equal(strlen(cmd.body), 16000);
	weft_cmd_clear(&cmd);
	free(frame);
	free(body);

	/* 4001 characters: too_large, req echoed. */
	body = repeat(EMOJI, 4001);
	frame = fmt("{\"req\":\"big\",\"type\":\"send\",\"channel\":1,\"body\":\"%s\"}", body);
	check_bad(frame, strlen(frame), &lim, WEFT_ETOOLARGE, "too_large", "big");
	free(frame);
	free(body);

	body = repeat("a", 4001);
	frame = fmt("{\"req\":\"big\",\"type\":\"send\",\"channel\":1,\"body\":\"%s\"}", body);
	check_bad(frame, strlen(frame), &lim, WEFT_ETOOLARGE, "too_large", "big");
	free(frame);
	/* The same for edit. */
	frame = fmt("{\"req\":\"ed\",\"type\":\"edit\",\"channel\":1,\"id\":2,\"body\":\"%s\"}", body);
	check_bad(frame, strlen(frame), &lim, WEFT_ETOOLARGE, "too_large", "ed");
	free(frame);
	free(body);

	/* The limit comes from the limits passed in. */
	struct weft_limits small = { .max_body = 5, .max_name = 64 };
	assert_int_equal(parse_lim("{\"type\":\"send\",\"channel\":1,\"body\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}",
				   &small, &cmd, &err), 0);   /* 5 characters, 10 bytes */
	weft_cmd_clear(&cmd);
	assert_int_equal(parse_lim("{\"type\":\"send\",\"channel\":1,\"body\":\"abcde\"}", &small, &cmd, &err), 0);
	weft_cmd_clear(&cmd);
	const char *six = "{\"req\":\"6\",\"type\":\"send\",\"channel\":1,\"body\":\"abcdef\"}";
	check_bad(six, strlen(six), &small, WEFT_ETOOLARGE, "too_large", "6");
	/* An escape is one character: \u00e9 x5 fits in 5. */
	assert_int_equal(parse_lim("{\"type\":\"send\",\"channel\":1,\"body\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}",
				   &small, &cmd, &err), 0);
	weft_cmd_clear(&cmd);
}

static void test_other_lengths(void **state)
{
	(void)state;
	/* client_id: 65 characters is refused. */
	char *cid = repeat("c", 65);
	char *frame = fmt("{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\"b\",\"client_id\":\"%s\"}", cid);
	check_bad(frame, strlen(frame), &lim, WEFT_EINVAL, "bad_request", "s");
	free(frame);
	free(cid);
	cid = repeat(EMOJI, 65);
	frame = fmt("{\"req\":\"s\",\"type\":\"send\",\"channel\":1,\"body\":\"b\",\"client_id\":\"%s\"}", cid);
	check_bad(frame, strlen(frame), &lim, WEFT_EINVAL, "bad_request", "s");
	free(frame);
	free(cid);

	/* topic over 250 characters, note over 500: too_large. */
	char *topic = repeat(EMOJI, WEFT_TOPIC_MAX + 1);
	frame = fmt("{\"req\":\"c\",\"type\":\"channel.create\",\"name\":\"x\",\"kind\":\"team\",\"topic\":\"%s\"}", topic);
	check_bad(frame, strlen(frame), &lim, WEFT_ETOOLARGE, "too_large", "c");
	free(frame);
	free(topic);
	char *note = repeat("n", WEFT_NOTE_MAX + 1);
	frame = fmt("{\"req\":\"j\",\"type\":\"channel.join\",\"channel\":1,\"note\":\"%s\"}", note);
	check_bad(frame, strlen(frame), &lim, WEFT_ETOOLARGE, "too_large", "j");
	free(frame);
	free(note);

	/* max_name from the limits: 10 allows 10 and refuses 11. */
	struct weft_limits l10 = { .max_body = 100, .max_name = 10 };
	struct weft_cmd cmd;
	struct weft_parse_error err;
	assert_int_equal(parse_lim("{\"type\":\"channel.create\",\"name\":\"abcdefghij\",\"kind\":\"team\"}",
				   &l10, &cmd, &err), 0);
	assert_string_equal(cmd.name, "abcdefghij");
	weft_cmd_clear(&cmd);
	const char *eleven = "{\"req\":\"n\",\"type\":\"channel.create\",\"name\":\"abcdefghijk\",\"kind\":\"team\"}";
	check_bad(eleven, strlen(eleven), &l10, WEFT_EINVAL, "bad_request", "n");
}

/* ---- Codes. */

static void test_codes(void **state)
{
	(void)state;
	assert_string_equal(weft_proto_code(WEFT_EINVAL), "bad_request");
	assert_string_equal(weft_proto_code(WEFT_EAUTH), "unauthorized");
	assert_string_equal(weft_proto_code(WEFT_EFORBIDDEN), "forbidden");
	assert_string_equal(weft_proto_code(WEFT_ENOTFOUND), "not_found");
	assert_string_equal(weft_proto_code(WEFT_ECONFLICT), "conflict");
	assert_string_equal(weft_proto_code(WEFT_ERATE), "rate_limited");
	assert_string_equal(weft_proto_code(WEFT_ETOOLARGE), "too_large");
	assert_string_equal(weft_proto_code(WEFT_EBUSY), "unavailable");
	assert_string_equal(weft_proto_code(WEFT_EIO), "internal");
	assert_string_equal(weft_proto_code(WEFT_ENOMEM), "internal");
}

/* ---- Encoders: print, parse back, check fields. */

static cJSON *roundtrip(cJSON *obj)
{
	assert_non_null(obj);
	size_t len = 0;
	char *s = weft_proto_print(obj, &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	cJSON *back = cJSON_ParseWithLength(s, len);
	free(s);
	assert_non_null(back);
	assert_true(cJSON_IsObject(back));
	return back;
}

/* The payload of a frame the encoders made, as a heap string; frees f. */
static char *frame_text(struct weft_frame *f)
{
	assert_non_null(f);
	assert_int_equal(f->refs, 1);
	char *s = malloc((size_t)f->len + 1);
	assert_non_null(s);
	memcpy(s, weft_frame_payload(f), f->len);
	s[f->len] = '\0';
	assert_int_equal(strlen(s), f->len); /* no NUL inside */
	weft_frame_unref(f);
	return s;
}

/* A frame parsed back into an object; frees f. */
static cJSON *frame_json(struct weft_frame *f)
{
	char *s = frame_text(f);
	cJSON *back = cJSON_Parse(s);
	if (!back || !cJSON_IsObject(back))
		fail_msg("frame is not a JSON object: %s", s);
	free(s);
	return back;
}

/* One message as the history reply encodes it. */
static cJSON *message_json(const struct weft_message *m)
{
	cJSON *page = frame_json(weft_proto_history_frame(NULL, m->channel, m, 1, false));
	cJSON *msgs = cJSON_GetObjectItemCaseSensitive(page, "messages");
	assert_int_equal(cJSON_GetArraySize(msgs), 1);
	cJSON *o = cJSON_DetachItemFromArray(msgs, 0);
	cJSON_Delete(page);
	assert_true(cJSON_IsObject(o));
	return o;
}

static const cJSON *field(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		fail_msg("field \"%s\" missing", key);
	return v;
}

static void expect_str(const cJSON *o, const char *key, const char *want)
{
	const cJSON *v = field(o, key);
	if (!cJSON_IsString(v) || strcmp(v->valuestring, want))
		fail_msg("field \"%s\": expected \"%s\", got %s", key, want,
			 cJSON_IsString(v) ? v->valuestring : "(not a string)");
}

static void expect_num(const cJSON *o, const char *key, double want)
{
	const cJSON *v = field(o, key);
	if (!cJSON_IsNumber(v) || v->valuedouble != want)
		fail_msg("field \"%s\": expected %.17g, got %.17g", key, want,
			 cJSON_IsNumber(v) ? v->valuedouble : -1.0);
}

static void expect_null(const cJSON *o, const char *key)
{
	if (!cJSON_IsNull(field(o, key)))
		fail_msg("field \"%s\" should be null", key);
}

static struct weft_message sample_message(void)
{
	struct weft_message m;
	memset(&m, 0, sizeof m);
	m.id = 131;
	m.channel = 3;
	m.ts_ms = 1795894801123LL;
	m.author.id = 1;
	snprintf(m.author.name, sizeof m.author.name, "ana");
	snprintf(m.author.display, sizeof m.author.display, "Ana Lopez");
	m.body = strdup("hello \"world\"\n<b>" EMOJI);
	snprintf(m.client_id, sizeof m.client_id, "c-5f1e");
	return m;
}

/* A search result's snippet: the contract's [[…]] form, and the parts
 * between the store's marks, where a body's own [[ ]] stays text. */
static void test_results_snippet(void **state)
{
	(void)state;
	static const struct {
		const char *marked, *flat;
		const char *parts[6];
		int nparts;
	} cases[] = {
		{ "see [[x]] " WEFT_SNIPPET_OPEN "equity" WEFT_SNIPPET_CLOSE " tool", "see [[x]] [[equity]] tool",
		  { "see [[x]] ", "equity", " tool" }, 3 },
		{ WEFT_SNIPPET_OPEN "a" WEFT_SNIPPET_CLOSE WEFT_SNIPPET_OPEN "b" WEFT_SNIPPET_CLOSE, "[[a]][[b]]",
		  { "", "a", "", "b" }, 4 },
		{ "no match", "no match", { "no match" }, 1 },
		{ "", "", { "" }, 1 },
		/* a mark out of turn is dropped from the parts */
		{ "x" WEFT_SNIPPET_CLOSE "y " WEFT_SNIPPET_OPEN "z" WEFT_SNIPPET_OPEN, "x]]y [[z[[", { "xy ", "z" }, 2 },
		{ "\"q\" " WEFT_SNIPPET_OPEN "\xc3\xa9" WEFT_SNIPPET_CLOSE, "\"q\" [[\xc3\xa9]]", { "\"q\" ", "\xc3\xa9" }, 2 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct weft_search_hit hit;
		memset(&hit, 0, sizeof hit);
		hit.msg = sample_message();
		hit.snippet = strdup(cases[c].marked);
		snprintf(hit.channel_name, sizeof hit.channel_name, "budget");
		cJSON *o = frame_json(weft_proto_results_frame("s1", &hit, 1, false));
		const cJSON *m = cJSON_GetArrayItem(field(o, "messages"), 0);
		expect_str(m, "snippet", cases[c].flat);
		const cJSON *parts = field(m, "snippet_parts");
		assert_int_equal(cJSON_GetArraySize(parts), cases[c].nparts);
		for (int i = 0; i < cases[c].nparts; i++)
			assert_string_equal(cJSON_GetArrayItem(parts, i)->valuestring, cases[c].parts[i]);
		cJSON_Delete(o);
		weft_search_hit_clear(&hit);
	}
	/* A long snippet takes the heap, not the stack buffer. */
	struct weft_search_hit hit;
	memset(&hit, 0, sizeof hit);
	hit.msg = sample_message();
	char *big = malloc(3001);
	memset(big, 'w', 3000);
	big[3000] = '\0';
	big[1000] = WEFT_SNIPPET_OPEN[0];
	big[1003] = WEFT_SNIPPET_CLOSE[0];
	hit.snippet = big;
	cJSON *o = frame_json(weft_proto_results_frame("s1", &hit, 1, false));
	const cJSON *parts = field(cJSON_GetArrayItem(field(o, "messages"), 0), "snippet_parts");
	assert_int_equal(cJSON_GetArraySize(parts), 3);
	assert_int_equal(strlen(cJSON_GetArrayItem(parts, 0)->valuestring), 1000);
	assert_string_equal(cJSON_GetArrayItem(parts, 1)->valuestring, "ww");
	assert_int_equal(strlen(cJSON_GetArrayItem(parts, 2)->valuestring), 1996);
	cJSON_Delete(o);
	weft_search_hit_clear(&hit);
}

static void test_encode_user(void **state)
{
	(void)state;
	struct weft_user_ref u = { .id = 42 };
	snprintf(u.name, sizeof u.name, "bo");
	cJSON *o = roundtrip(weft_proto_user(&u));
	expect_num(o, "id", 42);
	expect_str(o, "name", "bo");
	expect_str(o, "display", "bo"); /* no display: the name */
	cJSON_Delete(o);
	snprintf(u.display, sizeof u.display, "Bo \xc3\x85s");
	o = roundtrip(weft_proto_user(&u));
	expect_str(o, "display", "Bo \xc3\x85s");
	cJSON_Delete(o);
}

static void test_encode_message(void **state)
{
	(void)state;
	struct weft_message m = sample_message();
	cJSON *o = message_json(&m);
	expect_num(o, "id", 131);
	expect_num(o, "channel", 3);
	expect_str(o, "body", m.body);
	expect_null(o, "thread");
	expect_str(o, "client_id", "c-5f1e");
	expect_str(o, "ts", "2026-11-28T19:40:01.123Z");
	expect_null(o, "edited");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "deleted"));
	const cJSON *a = field(o, "author");
	assert_true(cJSON_IsObject(a));
	expect_num(a, "id", 1);
	expect_str(a, "name", "ana");
	expect_str(a, "display", "Ana Lopez");
	cJSON_Delete(o);

	/* A reply in a thread, edited, no client_id, a large id. */
	m.thread = 100;
	m.edited_ms = 1795894861000LL;
	m.client_id[0] = '\0';
	m.id = 9007199254740000LL;
	o = message_json(&m);
	expect_num(o, "thread", 100);
	expect_str(o, "edited", "2026-11-28T19:41:01.000Z");
	expect_null(o, "client_id");
	expect_num(o, "id", 9007199254740000.0);
	cJSON_Delete(o);

	/* Deleted: no body, deleted true, no edit time. */
	free(m.body);
	m.body = NULL;
	m.deleted = true;
	o = message_json(&m);
	expect_null(o, "body");
	assert_true(cJSON_IsTrue(field(o, "deleted")));
	expect_null(o, "edited");
	cJSON_Delete(o);
	weft_message_clear(&m);
}

static void test_encode_events(void **state)
{
	(void)state;
	struct weft_event ev;

	/* message */
	memset(&ev, 0, sizeof ev);
	ev.seq = 131;
	ev.channel = 3;
	ev.ts_ms = 1795894801123LL;
	ev.kind = WEFT_EV_MESSAGE;
	ev.msg = sample_message();
	cJSON *o = frame_json(weft_proto_event_frame(&ev));
	expect_str(o, "type", "event");
	expect_num(o, "seq", 131);
	expect_num(o, "channel", 3);
	expect_str(o, "kind", "message");
	expect_str(o, "ts", "2026-11-28T19:40:01.123Z");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "req"));
	const cJSON *msg = field(o, "message");
	expect_num(msg, "id", 131);
	expect_str(msg, "body", ev.msg.body);
	expect_str(field(msg, "author"), "name", "ana");
	expect_null(msg, "thread");
	expect_str(msg, "client_id", "c-5f1e");
	cJSON_Delete(o);

	/* edit: the message as it now is. */
	ev.kind = WEFT_EV_EDIT;
	ev.seq = 140;
	free(ev.msg.body);
	ev.msg.body = strdup("fixed");
	ev.msg.edited_ms = ev.ts_ms + 5000;
	o = frame_json(weft_proto_event_frame(&ev));
	expect_str(o, "kind", "edit");
	expect_num(o, "seq", 140);
	msg = field(o, "message");
	expect_num(msg, "id", 131);
	expect_str(msg, "body", "fixed");
	expect_str(msg, "edited", "2026-11-28T19:40:06.123Z");
	cJSON_Delete(o);
	weft_event_clear(&ev);

	/* delete: the deleted message's id only, no body anywhere. */
	memset(&ev, 0, sizeof ev);
	ev.seq = 141;
	ev.channel = 3;
	ev.ts_ms = 1795894801123LL;
	ev.kind = WEFT_EV_DELETE;
	ev.msg.id = 131;
	ev.msg.deleted = true;
	o = frame_json(weft_proto_event_frame(&ev));
	expect_str(o, "kind", "delete");
	expect_num(o, "id", 131);
	expect_num(o, "seq", 141);
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "message"));
	cJSON_Delete(o);

	/* join: user and role. */
	memset(&ev, 0, sizeof ev);
	ev.seq = 142;
	ev.channel = 3;
	ev.ts_ms = 1795894801123LL;
	ev.kind = WEFT_EV_JOIN;
	ev.user.id = 7;
	snprintf(ev.user.name, sizeof ev.user.name, "cy");
	ev.role = WEFT_ROLE_MODERATOR;
	o = frame_json(weft_proto_event_frame(&ev));
	expect_str(o, "kind", "join");
	const cJSON *u = field(o, "user");
	expect_num(u, "id", 7);
	expect_str(u, "name", "cy");
	expect_str(o, "role", "moderator");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "message"));
	cJSON_Delete(o);
	/* A join without a role is a plain member. */
	ev.role = 0;
	o = frame_json(weft_proto_event_frame(&ev));
	expect_str(o, "role", "member");
	cJSON_Delete(o);

	/* leave: user. */
	ev.kind = WEFT_EV_LEAVE;
	ev.seq = 143;
	o = frame_json(weft_proto_event_frame(&ev));
	expect_str(o, "kind", "leave");
	expect_num(field(o, "user"), "id", 7);
	expect_str(field(o, "user"), "name", "cy");
	cJSON_Delete(o);

	/* channel: the channel's info. */
	memset(&ev, 0, sizeof ev);
	ev.seq = 144;
	ev.channel = 3;
	ev.ts_ms = 1795894801123LL;
	ev.kind = WEFT_EV_CHANNEL;
	ev.chan.id = 3;
	snprintf(ev.chan.name, sizeof ev.chan.name, "lobby");
	ev.chan.kind = WEFT_KIND_COHORT;
	ev.chan.access = WEFT_ACCESS_OPEN;
	snprintf(ev.chan.topic, sizeof ev.chan.topic, "welcome");
	o = frame_json(weft_proto_event_frame(&ev));
	expect_str(o, "kind", "channel");
	const cJSON *ci = field(o, "channel_info");
	expect_num(ci, "id", 3);
	expect_str(ci, "name", "lobby");
	expect_str(ci, "kind", "cohort");
	expect_str(ci, "access", "open");
	expect_str(ci, "topic", "welcome");
	cJSON_Delete(o);
}

static void test_encode_channel(void **state)
{
	(void)state;
	struct weft_channel_info c;
	memset(&c, 0, sizeof c);
	c.id = 3;
	snprintf(c.name, sizeof c.name, "lobby");
	c.kind = WEFT_KIND_COHORT;
	c.access = WEFT_ACCESS_OPEN;
	snprintf(c.topic, sizeof c.topic, "say \"hi\"");
	cJSON *o = roundtrip(weft_proto_channel(&c, WEFT_ROLE_MEMBER, 12, 130, 2));
	expect_num(o, "id", 3);
	expect_str(o, "name", "lobby");
	expect_str(o, "kind", "cohort");
	expect_str(o, "access", "open");
	expect_str(o, "topic", "say \"hi\"");
	assert_true(cJSON_IsFalse(field(o, "archived")));
	expect_num(o, "member_count", 12);
	expect_str(o, "role", "member");
	expect_num(o, "last_seq", 130);
	expect_num(o, "unread", 2);
	cJSON_Delete(o);

	/* Every kind, access and role name. */
	const char *kinds[] = { "caucus", "cohort", "team", "dm" };
	const char *accesses[] = { "open", "request", "invite" };
	const char *roles[] = { NULL, "member", "moderator", "owner" };
	for (int k = 0; k < WEFT_KIND_COUNT; k++) {
		for (int a = 0; a < WEFT_ACCESS_COUNT; a++) {
			for (int r = 0; r < WEFT_ROLE_COUNT; r++) {
				c.kind = k;
				c.access = a;
				c.archived = (k + a + r) % 2;
				o = roundtrip(weft_proto_channel(&c, r, 0, 0, 0));
				expect_str(o, "kind", kinds[k]);
				expect_str(o, "access", accesses[a]);
				if (roles[r])
					expect_str(o, "role", roles[r]);
				else
					expect_null(o, "role"); /* WEFT_ROLE_NONE encodes as null */
				assert_true(cJSON_IsBool(field(o, "archived")));
				assert_int_equal(cJSON_IsTrue(field(o, "archived")), c.archived);
				cJSON_Delete(o);
			}
		}
	}
}

static void test_encode_reply_error(void **state)
{
	(void)state;
	cJSON *o = roundtrip(weft_proto_error("r7", "forbidden", "invite-only channel"));
	expect_str(o, "type", "error");
	expect_str(o, "req", "r7");
	expect_str(o, "code", "forbidden");
	expect_str(o, "message", "invite-only channel");
	assert_int_equal(cJSON_GetArraySize(o), 4);
	cJSON_Delete(o);

	/* No req, or an empty one: no req field. */
	o = roundtrip(weft_proto_error(NULL, "bad_request", "frame is not valid JSON"));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "req"));
	expect_str(o, "code", "bad_request");
	cJSON_Delete(o);
	o = roundtrip(weft_proto_error("", "internal", "x"));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "req"));
	cJSON_Delete(o);

	/* A req with characters that need escaping survives. */
	o = roundtrip(weft_proto_error("a\"b\\c" EMOJI, "conflict", "m"));
	expect_str(o, "req", "a\"b\\c" EMOJI);
	cJSON_Delete(o);

	o = roundtrip(weft_proto_reply("ok", "r9"));
	expect_str(o, "type", "ok");
	expect_str(o, "req", "r9");
	assert_int_equal(cJSON_GetArraySize(o), 2);
	cJSON_Delete(o);
	o = roundtrip(weft_proto_reply("pong", NULL));
	expect_str(o, "type", "pong");
	assert_int_equal(cJSON_GetArraySize(o), 1);
	cJSON_Delete(o);

	/* print of NULL is NULL (allocation failure upstream). */
	assert_null(weft_proto_print(NULL, NULL));
}

/* A parsed req encodes back unchanged in an error: the echo path. */
static void test_req_echo_roundtrip(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err;
	char *req = repeat(EMOJI, 64);
	char *frame = fmt("{\"req\":\"%s\",\"type\":\"send\",\"channel\":0,\"body\":\"x\"}", req);
	assert_int_equal(parse(frame, &cmd, &err), WEFT_EINVAL);
	cJSON *o = roundtrip(weft_proto_error(cmd.req, err.code, err.message));
	expect_str(o, "req", req);
	expect_str(o, "code", "bad_request");
	cJSON_Delete(o);
	free(frame);
	free(req);
}

/* ---- The direct encoders against the cJSON reference (proto_ref.h): the
 * same bytes as before, and equal as parsed JSON. */

/* f must be byte for byte what the cJSON builders print for ref, and parse
 * back equal to it. Frees both. */
static void expect_same(struct weft_frame *f, cJSON *ref)
{
	assert_non_null(ref);
	char *got = frame_text(f);
	char *want = cJSON_PrintUnformatted(ref);
	assert_non_null(want);
	cJSON *back = cJSON_Parse(got);
	if (!back)
		fail_msg("direct output does not parse: %s", got);
	if (!cJSON_Compare(back, ref, true))
		fail_msg("parsed output differs:\n direct: %s\n  cJSON: %s", got, want);
	if (strcmp(got, want)) {
		size_t i = 0;
		while (got[i] == want[i])
			i++;
		fail_msg("bytes differ from offset %zu:\n direct: %.80s\n  cJSON: %.80s", i, got + i,
			 want + i);
	}
	cJSON_Delete(back);
	cJSON_Delete(ref);
	cJSON_free(want);
	free(got);
}

/* Every byte JSON must escape (0x01-0x1f, '"', '\\'), plus the ones it must
 * not touch: '/', DEL, 2-, 3- and 4-byte UTF-8, U+2028 and U+2029. */
static char *tricky_body(void)
{
	char *b = malloc(256);
	assert_non_null(b);
	size_t n = 0;
	for (int c = 1; c < 0x20; c++) {
		b[n++] = (char)c;
		b[n++] = 'x';
	}
	const char *rest = "\"quoted\" back\\slash \\\\ \\u0041 a/b </script> \x7f "
			   "\xc3\xa9\xc3\x85 \xe2\x82\xac \xe2\x80\xa8 \xe2\x80\xa9 " EMOJI " end";
	memcpy(b + n, rest, strlen(rest) + 1);
	return b;
}

/* Message variants: plain, thread reply, edited, no client_id, deleted
 * (with and without its body gone), never timed, escapes everywhere. */
#define NVARIANTS 10
static struct weft_message message_variant(int v)
{
	struct weft_message m = sample_message();
	switch (v) {
	case 0:
		break;
	case 1:
		m.thread = 100;
		break;
	case 2:
		m.edited_ms = m.ts_ms + 61000;
		break;
	case 3:
		m.client_id[0] = '\0';
		m.author.display[0] = '\0'; /* the name stands in */
		break;
	case 4: /* deleted: body gone, edit time hidden */
		free(m.body);
		m.body = NULL;
		m.deleted = true;
		m.edited_ms = m.ts_ms + 1;
		break;
	case 5: /* deleted flag with a body still loaded: still null */
		m.deleted = true;
		m.thread = 7;
		break;
	case 6: /* no body without the flag: null plus deleted, as before */
		free(m.body);
		m.body = NULL;
		break;
	case 7: /* times never set encode as null */
		m.ts_ms = 0;
		m.edited_ms = 0;
		break;
	case 8:
		free(m.body);
		m.body = tricky_body();
		snprintf(m.client_id, sizeof m.client_id, "c\"\\\t\x01" EMOJI);
		snprintf(m.author.display, sizeof m.author.display, "Ana \"A\" \\ L\xc3\xb3pez\n");
		/* Past int (cJSON's %1.15g path), up to the largest integer
		 * cJSON printed exactly (see test_frames_large_ints). */
		m.thread = 999999999999999LL;
		m.id = 123456789012345LL;
		m.channel = 2147483648LL;
		m.edited_ms = 1795894861999LL;
		break;
	case 9: /* a big body */
		free(m.body);
		m.body = repeat("0123456789 \xe2\x80\xa8\"", 1000);
		m.author.id = 100000000000000LL;
		/* A root with replies, reactions, mentions, pinned. */
		m.reply_count = 3;
		m.last_reply = 99;
		m.last_reply_ms = 1795894861999LL;
		m.pinned = true;
		m.reactions = strdup("[{\"emoji\":\"" EMOJI "\",\"count\":2,\"users\":[1,2]},"
				     "{\"emoji\":\"" EMOJI "\\\"\",\"count\":1,\"users\":[5]}]");
		m.mentions = strdup("[4,5,123456789012345]");
		break;
	}
	return m;
}

static void test_message_frames_match_reference(void **state)
{
	(void)state;
	for (int v = 0; v < NVARIANTS; v++) {
		struct weft_message m = message_variant(v);
		expect_same(weft_proto_history_frame("r1", m.channel, &m, 1, v % 2),
			    ref_history("r1", m.channel, &m, 1, v % 2));
		for (int kind = WEFT_EV_MESSAGE; kind <= WEFT_EV_EDIT; kind++) {
			struct weft_event ev;
			memset(&ev, 0, sizeof ev);
			ev.seq = 500 + v;
			ev.channel = m.channel;
			ev.ts_ms = m.ts_ms + 5;
			ev.kind = kind;
			ev.msg = m;
			ev.actor = m.author; /* never shown for messages */
			expect_same(weft_proto_event_frame(&ev), ref_event(&ev));
		}
		weft_message_clear(&m);
	}
}

static struct weft_user_ref user_ref(int64_t id, const char *name, const char *display)
{
	struct weft_user_ref u;
	memset(&u, 0, sizeof u);
	u.id = id;
	snprintf(u.name, sizeof u.name, "%s", name);
	snprintf(u.display, sizeof u.display, "%s", display);
	return u;
}

static void test_event_frames_match_reference(void **state)
{
	(void)state;
	struct weft_user_ref users[] = {
		user_ref(0, "", ""),                    /* no actor */
		user_ref(7, "cy", ""),                  /* the subject itself */
		user_ref(9, "dee", "Dee \"D\" \\ \xc3\x85"), /* someone else */
	};
	/* Every kind, an unknown one too, with each actor. */
	for (int kind = WEFT_EV_MESSAGE; kind <= WEFT_EV_PIN + 1; kind++) {
		for (size_t a = 0; a < sizeof users / sizeof users[0]; a++) {
			for (int variant = 0; variant < 2; variant++) {
				struct weft_event ev;
				memset(&ev, 0, sizeof ev);
				ev.seq = 131 + kind;
				ev.channel = 3;
				ev.ts_ms = variant ? 0 : 1795894801123LL;
				ev.kind = kind;
				ev.actor = users[a];
				ev.user = user_ref(7, "cy", variant ? "Cy\ttab" : "");
				ev.role = variant ? WEFT_ROLE_NONE : WEFT_ROLE_OWNER;
				ev.msg = sample_message();
				ev.msg.deleted = kind == WEFT_EV_DELETE;
				ev.chan.id = 3;
				snprintf(ev.chan.name, sizeof ev.chan.name, "lobby");
				ev.chan.kind = variant ? WEFT_KIND_DM : WEFT_KIND_CAUCUS;
				ev.chan.access = variant ? WEFT_ACCESS_INVITE : WEFT_ACCESS_REQUEST;
				ev.chan.archived = variant;
				snprintf(ev.chan.topic, sizeof ev.chan.topic,
					 variant ? "" : "say \"hi\" \\ \n " EMOJI);
				ev.chan.created_by = 9;
				ev.chan.created_ms = 1;
				snprintf(ev.emoji, sizeof ev.emoji, variant ? "+1" : EMOJI "\"\\");
				ev.on = variant;
				if (variant)
					ev.root = (struct weft_thread_root){ 40, 2, variant ? 0 : 77, 1795894861999LL };
				else
					ev.root = (struct weft_thread_root){ 41, 5, 77, 1795894861999LL };
				expect_same(weft_proto_event_frame(&ev), ref_event(&ev));
				weft_event_clear(&ev);
			}
		}
	}
}

static void test_history_frames_match_reference(void **state)
{
	(void)state;
	struct weft_message page[50];
	for (int i = 0; i < 50; i++) {
		page[i] = message_variant(i % NVARIANTS);
		page[i].id = 1000 + i;
		page[i].ts_ms += i * 1000;
	}
	const char *reqs[] = { NULL, "", "h1", "a\"b\\c\n" EMOJI };
	const int sizes[] = { 0, 1, 50 };
	for (size_t r = 0; r < sizeof reqs / sizeof reqs[0]; r++)
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
			for (int more = 0; more < 2; more++)
				expect_same(weft_proto_history_frame(reqs[r], 42, page, sizes[k], more),
					    ref_history(reqs[r], 42, page, sizes[k], more));
	for (int i = 0; i < 50; i++)
		weft_message_clear(&page[i]);
}

static void test_ack_frames_match_reference(void **state)
{
	(void)state;
	/* Parenthesized: one string each (clang's -Wstring-concatenation). */
	const char *reqs[] = { NULL, "", "s1", ("a\"b\\c\x1f" EMOJI) };
	const char *cids[] = { "", "c-5f1e", ("c\"\\\x01" EMOJI) };
	for (size_t r = 0; r < sizeof reqs / sizeof reqs[0]; r++)
		for (size_t c = 0; c < sizeof cids / sizeof cids[0]; c++)
			for (int dup = 0; dup < 2; dup++) {
				expect_same(weft_proto_ack_frame(reqs[r], cids[c], 131, 1795894801123LL, dup),
					    ref_ack(reqs[r], cids[c], 131, 1795894801123LL, dup));
				/* ts 0 is a time here, not null. */
				expect_same(weft_proto_ack_frame(reqs[r], cids[c], 1, 0, dup),
					    ref_ack(reqs[r], cids[c], 1, 0, dup));
			}
}

/* A few frames spelled out, independent of cJSON. */
static void test_frames_exact(void **state)
{
	(void)state;
	char *s = frame_text(weft_proto_ack_frame("s1", "c-1", 131, 1795894801123LL, false));
	assert_string_equal(s, "{\"type\":\"ack\",\"req\":\"s1\",\"client_id\":\"c-1\",\"id\":131,"
			       "\"ts\":\"2026-11-28T19:40:01.123Z\"}");
	free(s);
	s = frame_text(weft_proto_ack_frame(NULL, "", 9007199254740992LL, 0, true));
	assert_string_equal(s, "{\"type\":\"ack\",\"client_id\":\"\",\"id\":9007199254740992,"
			       "\"ts\":\"1970-01-01T00:00:00.000Z\",\"duplicate\":true}");
	free(s);

	s = frame_text(weft_proto_history_frame("", 3, NULL, 0, false));
	assert_string_equal(s, "{\"type\":\"history\",\"channel\":3,\"messages\":[],\"more\":false}");
	free(s);

	struct weft_message m[2] = { sample_message(), sample_message() };
	free(m[0].body);
	m[0].body = strdup("a\"b\\c/d\n\x01\x1f\xe2\x80\xa8" EMOJI);
	m[0].thread = 100;
	m[0].edited_ms = 1795894861000LL;
	free(m[1].body);
	m[1].body = NULL;
	m[1].deleted = true;
	m[1].id = 132;
	m[1].client_id[0] = '\0';
	m[1].author.display[0] = '\0';
	m[1].reply_count = 4;
	m[1].last_reply = 140;
	m[1].last_reply_ms = 1795894861999LL;
	m[1].reactions = strdup("[{\"emoji\":\"+1\",\"count\":1,\"users\":[1]}]");
	m[1].mentions = strdup("[7]");
	m[1].pinned = true;
	s = frame_text(weft_proto_history_frame("h\"1", 3, m, 2, true));
	assert_string_equal(s,
		"{\"type\":\"history\",\"req\":\"h\\\"1\",\"channel\":3,\"messages\":["
		"{\"id\":131,\"channel\":3,\"author\":{\"id\":1,\"name\":\"ana\",\"display\":\"Ana Lopez\"},"
		"\"body\":\"a\\\"b\\\\c/d\\n\\u0001\\u001f\xe2\x80\xa8" EMOJI "\",\"thread\":100,"
		"\"client_id\":\"c-5f1e\",\"ts\":\"2026-11-28T19:40:01.123Z\","
		"\"edited\":\"2026-11-28T19:41:01.000Z\",\"reply_count\":0,\"last_reply\":null,"
		"\"last_reply_ts\":null,\"reactions\":[],\"mentions\":[],\"files\":[],\"pinned\":false},"
		"{\"id\":132,\"channel\":3,\"author\":{\"id\":1,\"name\":\"ana\",\"display\":\"ana\"},"
		"\"body\":null,\"deleted\":true,\"thread\":null,\"client_id\":null,"
		"\"ts\":\"2026-11-28T19:40:01.123Z\",\"edited\":null,\"reply_count\":4,\"last_reply\":140,"
		"\"last_reply_ts\":\"2026-11-28T19:41:01.999Z\",\"reactions\":[{\"emoji\":\"+1\",\"count\":1,\"users\":[1]}],\"mentions\":[7],"
		"\"files\":[],\"pinned\":true}],\"more\":true}");
	free(s);
	weft_message_clear(&m[0]);
	weft_message_clear(&m[1]);

	struct weft_event ev;
	memset(&ev, 0, sizeof ev);
	ev.seq = 142;
	ev.channel = 3;
	ev.ts_ms = 951782400000LL; /* 2000-02-29, a leap day */
	ev.kind = WEFT_EV_JOIN;
	ev.user = user_ref(7, "cy", "");
	ev.actor = user_ref(1, "ana", "Ana");
	s = frame_text(weft_proto_event_frame(&ev));
	assert_string_equal(s, "{\"type\":\"event\",\"seq\":142,\"channel\":3,\"kind\":\"join\","
			       "\"ts\":\"2000-02-29T00:00:00.000Z\",\"user\":{\"id\":7,\"name\":\"cy\","
			       "\"display\":\"cy\"},\"role\":\"member\",\"by\":{\"id\":1,\"name\":\"ana\","
			       "\"display\":\"Ana\"}}");
	free(s);

	ev.kind = WEFT_EV_CHANNEL;
	ev.actor = user_ref(0, "", "");
	ev.chan.id = 3;
	snprintf(ev.chan.name, sizeof ev.chan.name, "lobby");
	ev.chan.kind = WEFT_KIND_COHORT;
	ev.chan.access = WEFT_ACCESS_OPEN;
	ev.chan.archived = true;
	s = frame_text(weft_proto_event_frame(&ev));
	assert_string_equal(s, "{\"type\":\"event\",\"seq\":142,\"channel\":3,\"kind\":\"channel\","
			       "\"ts\":\"2000-02-29T00:00:00.000Z\",\"channel_info\":{\"id\":3,"
			       "\"name\":\"lobby\",\"kind\":\"cohort\",\"access\":\"open\",\"topic\":\"\","
			       "\"archived\":true}}");
	free(s);

	ev.kind = WEFT_EV_REACTION;
	ev.actor = user_ref(1, "ana", "Ana");
	ev.msg.id = 131;
	snprintf(ev.emoji, sizeof ev.emoji, EMOJI);
	ev.on = true;
	s = frame_text(weft_proto_event_frame(&ev));
	assert_string_equal(s, "{\"type\":\"event\",\"seq\":142,\"channel\":3,\"kind\":\"reaction\","
			       "\"ts\":\"2000-02-29T00:00:00.000Z\",\"id\":131,\"emoji\":\"" EMOJI "\","
			       "\"user\":{\"id\":1,\"name\":\"ana\",\"display\":\"Ana\"},\"on\":true}");
	free(s);
	ev.kind = WEFT_EV_PIN;
	ev.on = false;
	s = frame_text(weft_proto_event_frame(&ev));
	assert_string_equal(s, "{\"type\":\"event\",\"seq\":142,\"channel\":3,\"kind\":\"pin\","
			       "\"ts\":\"2000-02-29T00:00:00.000Z\",\"id\":131,\"pinned\":false,"
			       "\"by\":{\"id\":1,\"name\":\"ana\",\"display\":\"Ana\"}}");
	free(s);
	ev.kind = WEFT_EV_DELETE;
	ev.root = (struct weft_thread_root){ 100, 0, 0, 0 };
	s = frame_text(weft_proto_event_frame(&ev));
	assert_string_equal(s, "{\"type\":\"event\",\"seq\":142,\"channel\":3,\"kind\":\"delete\","
			       "\"ts\":\"2000-02-29T00:00:00.000Z\",\"id\":131,"
			       "\"root\":{\"id\":100,\"reply_count\":0,\"last_reply\":null,\"last_reply_ts\":null}}");
	free(s);
}

/* From 10^15 up cJSON printed 15 significant digits ("9.00719925474099e+15"
 * for 2^53 - 1, another number); the writer prints every integer exactly.
 * Ids and seqs are far below that in practice. */
static void test_frames_large_ints(void **state)
{
	(void)state;
	const int64_t vals[] = { 999999999999999LL, 1000000000000000LL, 1234567890123456LL,
				 9007199254740991LL, 9007199254740992LL, INT64_MAX };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		char want[200];
		snprintf(want, sizeof want,
			 "{\"type\":\"ack\",\"client_id\":\"\",\"id\":%lld,"
			 "\"ts\":\"1970-01-01T00:00:00.001Z\"}",
			 (long long)vals[i]);
		char *s = frame_text(weft_proto_ack_frame(NULL, "", vals[i], 1, false));
		assert_string_equal(s, want);
		cJSON *o = cJSON_Parse(s);
		expect_num(o, "id", (double)vals[i]);
		cJSON_Delete(o);
		free(s);
	}
}

/* A frame's times are weft_iso8601's text, at the edges and across the
 * range (test_common checks weft_iso8601 itself against gmtime_r). */
static void test_frame_times(void **state)
{
	(void)state;
	const int64_t edges[] = {
		0, 1, 999, 1000, 59999, 86399999, 86400000, 68169599999LL /* 1972-02-29 */,
		951782399999LL, 951782400000LL, 951868800000LL, 4107542400000LL /* 2100-03-01 */,
		1795894801123LL, 253402300799999LL /* 9999-12-31T23:59:59.999 */,
		253402300800000LL /* 10000: five digits, via weft_iso8601 */, -1, -1000, -86400001LL,
		-62167219200000LL /* 0000-01-01 */, INT64_C(1) << 53,
	};
	uint64_t x = 88172645463325252ULL; /* xorshift64 */
	for (int i = 0; i < 20000 + (int)(sizeof edges / sizeof edges[0]); i++) {
		int64_t ms;
		if (i < (int)(sizeof edges / sizeof edges[0])) {
			ms = edges[i];
		} else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ms = (int64_t)(x % 253402300800000ULL);
		}
		char iso[WEFT_ISO_LEN], want[200];
		weft_iso8601(ms, iso);
		snprintf(want, sizeof want, "{\"type\":\"ack\",\"client_id\":\"\",\"id\":1,\"ts\":\"%s\"}", iso);
		char *s = frame_text(weft_proto_ack_frame(NULL, "", 1, ms, false));
		if (strcmp(s, want))
			fail_msg("ms %lld: got %s, want %s", (long long)ms, s, want);
		free(s);
	}
}

/* A page of large messages is cut to fit its budget at its far end; small
 * pages are whole; a single message too large still makes a page of one. */
static void test_history_fit(void **state)
{
	(void)state;
	static char heavy[4001];
	memset(heavy, 1, 4000); /* 24,002 bytes once escaped */
	struct weft_message m[200];
	memset(m, 0, sizeof m);
	for (int i = 0; i < 200; i++) {
		m[i].id = i + 1;
		m[i].body = heavy;
		snprintf(m[i].author.name, sizeof m[i].author.name, "ana");
	}
	int first = -1;
	int keep = weft_proto_history_fit(m, 200, 512 * 1024, true, &first);
	assert_true(keep > 10 && keep < 30);
	assert_int_equal(first, 200 - keep);
	/* What it kept encodes within the budget. */
	struct weft_frame *f = weft_proto_history_frame("r", 1, m + first, keep, true);
	assert_non_null(f);
	assert_true(f->len <= 512 * 1024);
	weft_frame_unref(f);
	keep = weft_proto_history_fit(m, 200, 512 * 1024, false, &first);
	assert_int_equal(first, 0);
	assert_true(keep > 10 && keep < 30);
	assert_int_equal(weft_proto_history_fit(m, 200, 1000, true, &first), 1);
	assert_int_equal(first, 199);
	/* Ordinary messages: the whole page. */
	for (int i = 0; i < 200; i++)
		m[i].body = "a line of text";
	assert_int_equal(weft_proto_history_fit(m, 200, 512 * 1024, true, &first), 200);
	assert_int_equal(first, 0);
	assert_int_equal(weft_proto_history_fit(m, 0, 512 * 1024, true, &first), 0);
}

/* Raw bytes below 0x20 inside strings are refused (JSON wants them
 * escaped; cJSON took them, and a NUL cut the string short); outside strings
 * only JSON's whitespace may appear. Escaped, they are text as usual. */
static void test_raw_control_bytes(void **state)
{
	(void)state;
	static const char nul_body[] = "{\"type\":\"send\",\"channel\":1,\"body\":\"visible\0HIDDEN\",\"req\":\"a\"}";
	check_bad(nul_body, sizeof nul_body - 1, &lim, WEFT_EINVAL, "bad_request", "a");
	static const char nul_id[] = "{\"type\":\"send\",\"channel\":1,\"body\":\"x\",\"client_id\":\"dup\0bbbb\"}";
	check_bad(nul_id, sizeof nul_id - 1, &lim, WEFT_EINVAL, "bad_request", NULL);
	const char *bad[] = {
		"{\"type\":\"send\",\"channel\":1,\"body\":\"a\x01b\",\"req\":\"b\"}",
		"{\"type\":\"send\",\"channel\":1,\"body\":\"tab\there\",\"req\":\"b\"}",
		"{\"type\":\"send\",\"channel\":1,\"body\":\"line\nbreak\",\"req\":\"b\"}",
		"{\"type\":\"ping\",\x1f\"req\":\"b\"}",
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		check_bad(bad[k], strlen(bad[k]), &lim, WEFT_EINVAL, "bad_request", "b");
	/* Whitespace between tokens, and escapes inside strings, are fine. */
	struct weft_cmd cmd;
	parse_ok("{\n\t\"type\": \"send\",\r\n \"channel\": 1, \"body\": \"a\\u0001b\\tc\\\"d\"\n}", &cmd);
	assert_string_equal(cmd.body, "a\x01" "b\tc\"d");
	weft_cmd_clear(&cmd);
}

/* send's files: distinct ids in the order given, at most ten; a body may
 * then be left out, but not both. */
static void test_send_files(void **state)
{
	(void)state;
	struct weft_cmd cmd;
	struct weft_parse_error err;
	parse_ok("{\"type\":\"send\",\"channel\":1,\"files\":[5,3,5]}", &cmd);
	assert_int_equal(cmd.nfiles, 2);
	assert_true(cmd.files[0] == 5 && cmd.files[1] == 3);
	assert_null(cmd.body);
	weft_cmd_clear(&cmd);
	parse_ok("{\"type\":\"send\",\"channel\":1,\"body\":\"b\",\"files\":[]}", &cmd);
	assert_int_equal(cmd.nfiles, 0);
	weft_cmd_clear(&cmd);
	static const char *const bad[] = {
		"{\"type\":\"send\",\"channel\":1}",
		"{\"type\":\"send\",\"channel\":1,\"files\":[]}",
		"{\"type\":\"send\",\"channel\":1,\"files\":\"1\"}",
		"{\"type\":\"send\",\"channel\":1,\"files\":[0]}",
		"{\"type\":\"send\",\"channel\":1,\"files\":[1.5]}",
		"{\"type\":\"send\",\"channel\":1,\"files\":[1,2,3,4,5,6,7,8,9,10,11]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(bad[i], &cmd, &err), WEFT_EINVAL);
		assert_string_equal(err.code, "bad_request");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_ping_and_list),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_send_files),
		cmocka_unit_test(test_edit_delete),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_channel_create),
		cmocka_unit_test(test_channel_join_leave_members),
		cmocka_unit_test(test_req_limits),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_trailing_bytes_rejected),
		cmocka_unit_test(test_embedded_nul_refused),
		cmocka_unit_test(test_unterminated_buffer),
		cmocka_unit_test(test_body_limits),
		cmocka_unit_test(test_other_lengths),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_encode_user),
		cmocka_unit_test(test_encode_message),
		cmocka_unit_test(test_encode_events),
		cmocka_unit_test(test_encode_channel),
		cmocka_unit_test(test_encode_reply_error),
		cmocka_unit_test(test_req_echo_roundtrip),
		cmocka_unit_test(test_message_frames_match_reference),
		cmocka_unit_test(test_event_frames_match_reference),
		cmocka_unit_test(test_history_frames_match_reference),
		cmocka_unit_test(test_ack_frames_match_reference),
		cmocka_unit_test(test_results_snippet),
		cmocka_unit_test(test_frames_exact),
		cmocka_unit_test(test_frame_times),
		cmocka_unit_test(test_frames_large_ints),
		cmocka_unit_test(test_history_fit),
		cmocka_unit_test(test_raw_control_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

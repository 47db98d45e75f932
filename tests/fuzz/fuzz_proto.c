/* libFuzzer target for the client frame parser: any bytes go into
 * weft_proto_parse with the default limits. Besides the sanitizers'
 * findings (overflow, leak, UB), it checks the parser's promises: a
 * success yields only typed, bounded values; a failure is bad_request or
 * too_large with a message, owns nothing, and echoes only a valid req. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/cmd.h"
#include "weft/hub.h"
#include "weft/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* assert() is compiled out in release builds; these checks never are. */
#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_proto: %s:%d: check failed: %s\n",     \
				__FILE__, __LINE__, #cond);                          \
			abort();                                                     \
		}                                                                    \
	} while (0)

static long chars(const char *s)
{
	return weft_utf8_len(s, strlen(s));
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* The reply the server would build: must encode whatever the parse gave. */
static void encode_reply(const struct weft_cmd *cmd, const struct weft_parse_error *err)
{
	cJSON *o = err ? weft_proto_error(cmd->req, err->code, err->message)
		       : weft_proto_reply("ok", cmd->req);
	size_t len = 0;
	char *s = weft_proto_print(o, &len);
	CHECK(s != NULL);
	CHECK(strlen(s) == len);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct weft_limits lim = { .max_body = 4000, .max_name = 64 };
	struct weft_cmd cmd;
	struct weft_parse_error err = { 0 };
	int rc = weft_proto_parse((const char *)data, size, &lim, &weft_cmd_table, &cmd, &err);

	/* Whatever happened, a req that is kept is a valid one. */
	if (cmd.has_req) {
		long n = chars(cmd.req);
		CHECK(n >= 0 && n <= WEFT_REQ_MAX);
	} else {
		CHECK(cmd.req[0] == '\0');
	}

	if (rc) {
		CHECK(rc == WEFT_EINVAL || rc == WEFT_ETOOLARGE);
		CHECK(err.code != NULL && err.message != NULL && err.message[0]);
		CHECK(!strcmp(err.code, rc == WEFT_EINVAL ? "bad_request" : "too_large"));
		CHECK(cmd.body == NULL && cmd.topic == NULL && cmd.note == NULL);
		encode_reply(&cmd, &err);
		return 0;
	}

	const char *type = cmd.def->name;
	CHECK(cmd.def >= weft_cmd_table.defs && cmd.def < weft_cmd_table.defs + weft_cmd_table.n);
	if (!strcmp(type, "send") || !strcmp(type, "edit")) {
		CHECK(cmd.body != NULL);
		CHECK(chars(cmd.body) >= 1 && chars(cmd.body) <= lim.max_body);
		CHECK(!blank(cmd.body));
		CHECK(cmd.channel >= 1);
		if (!strcmp(type, "edit"))
			CHECK(cmd.id >= 1);
		else
			CHECK(cmd.thread >= 0 && chars(cmd.client_id) >= 0 &&
			      chars(cmd.client_id) <= WEFT_CLIENT_ID_MAX);
	} else if (!strcmp(type, "delete")) {
		CHECK(cmd.channel >= 1 && cmd.id >= 1 && cmd.body == NULL);
	} else if (!strcmp(type, "history")) {
		CHECK(cmd.channel >= 1);
		CHECK(cmd.limit >= 1 && cmd.limit <= WEFT_HISTORY_MAX);
		CHECK(cmd.before >= 0 && cmd.after >= -1);
	} else if (!strcmp(type, "read")) {
		CHECK(cmd.channel >= 1 && cmd.seq >= 0);
	} else if (!strcmp(type, "hello")) {
		CHECK(cmd.since >= -1);
	} else if (!strcmp(type, "channel.create")) {
		CHECK(weft_channel_name_valid(cmd.name, lim.max_name));
		CHECK(cmd.kind >= 0 && cmd.kind < WEFT_KIND_COUNT && cmd.kind != WEFT_KIND_DM);
		CHECK(cmd.access >= -1 && cmd.access < WEFT_ACCESS_COUNT);
		CHECK(!cmd.topic || (chars(cmd.topic) >= 0 && chars(cmd.topic) <= WEFT_TOPIC_MAX));
	} else if (!strcmp(type, "channel.join")) {
		CHECK(cmd.channel >= 1);
		CHECK(!cmd.note || (chars(cmd.note) >= 0 && chars(cmd.note) <= WEFT_NOTE_MAX));
	} else if (cmd.def->required & WEFT_F_CHANNEL) {
		CHECK(cmd.channel >= 1);
	}
	/* Values the handlers echo back must encode. */
	if (cmd.body) {
		struct weft_message m;
		memset(&m, 0, sizeof m);
		m.id = 1;
		m.channel = cmd.channel;
		m.body = cmd.body;
		snprintf(m.client_id, sizeof m.client_id, "%s", cmd.client_id);
		struct weft_frame *f = weft_proto_history_frame(cmd.req, m.channel, &m, 1, false);
		CHECK(f != NULL);
		/* ...as JSON that gives the body back unchanged. */
		cJSON *o = cJSON_ParseWithLength((const char *)weft_frame_payload(f), f->len);
		const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(o, "messages");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(msgs, 0), "body");
		CHECK(cJSON_IsString(body) && !strcmp(body->valuestring, cmd.body));
		cJSON_Delete(o);
		weft_frame_unref(f);
	}
	encode_reply(&cmd, NULL);
	weft_cmd_clear(&cmd);
	CHECK(cmd.body == NULL && cmd.topic == NULL && cmd.note == NULL);
	return 0;
}

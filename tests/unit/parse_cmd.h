/* What the parse tests of the request families share (test_proto_coord.c,
 * test_proto_weave.c, test_stage_proto.c): a frame through the real command
 * table under fixed limits, and a refusal checked by its code and, when
 * asked, a piece of its message. Header-only, static; include after
 * cmocka.h. */
#ifndef WEFT_TEST_PARSE_CMD_H
#define WEFT_TEST_PARSE_CMD_H

#include <string.h>

#include "weft/cmd.h"

static const struct weft_limits parse_limits = { .max_body = 4000, .max_name = 64 };

/* Parses frame; returns 0 or the error, with cmd filled (cleared by the caller). */
static inline int parse(const char *frame, struct weft_cmd *cmd, struct weft_parse_error *err)
{
	memset(err, 0, sizeof *err);
	return weft_proto_parse(frame, strlen(frame), &parse_limits, &weft_cmd_table, cmd, err);
}

/* frame is refused with code, and its message holds message_part (NULL: any). */
static inline void refused_msg(const char *frame, const char *code, const char *message_part)
{
	struct weft_cmd cmd;
	struct weft_parse_error err;
	if (!parse(frame, &cmd, &err))
		fail_msg("accepted: %s", frame);
	assert_string_equal(err.code, code);
	if (message_part && !strstr(err.message, message_part))
		fail_msg("%s: message \"%s\" lacks \"%s\"", frame, err.message, message_part);
	weft_cmd_clear(&cmd);
}

static inline void refused(const char *frame, const char *code)
{
	refused_msg(frame, code, NULL);
}

#endif

/* Private to the request parsers (proto.c, proto_http.c, proto_coord.c,
 * proto_stage.c, proto_weave.c): a failure in err, a key's value, a whole
 * number in a range. Pure; any thread. */
#ifndef WEFT_PROTO_FIELD_H
#define WEFT_PROTO_FIELD_H

#include "weft/proto.h"

#include <math.h>

/* Fills err with rc's wire code and message (a static string); returns rc. */
static inline int proto_fail(struct weft_parse_error *err, int rc, const char *message)
{
	err->code = weft_proto_code(rc);
	err->message = message;
	return rc;
}

/* root's member key, or NULL when it is absent or null. */
static inline const cJSON *proto_field(const cJSON *root, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	return v && !cJSON_IsNull(v) ? v : NULL;
}

/* A whole number in [min, max] into *out; false when v is not one. */
static inline bool proto_whole(const cJSON *v, double min, double max, int64_t *out)
{
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < min || d > max)
		return false;
	*out = (int64_t)d;
	return true;
}

#endif

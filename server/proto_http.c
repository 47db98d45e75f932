/* The POST endpoints' JSON bodies into typed, bounded structs: the HTTP
 * half of the wire format, beside proto.c (split by concern: proto.c holds
 * the WebSocket frames). Pure: no lws, no store, no globals; any thread.
 * server/net/http.c calls it on the service thread; tests/fuzz/
 * fuzz_http_body.c feeds it any bytes. The status each failure gets, and
 * whether its message is sent, stay with the endpoint (docs/PROTOCOL.md). */
#include "weft/proto.h"
#include "proto_field.h"

#include <string.h>

/* The body as one JSON object, as frames are read (proto.c): nothing but
 * whitespace after it, no raw control byte and no \u0000 (cJSON would cut
 * a password or a name short at it: "pw\u0000x" was taken as "pw"). NULL
 * otherwise, with *problem set when the text was at fault. */
static cJSON *parse_object(const char *body, size_t len, const char **problem)
{
	if ((*problem = weft_proto_text_problem(body, len)))
		return NULL;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	while (root && end < body + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (root && (end != body + len || !cJSON_IsObject(root))) {
		cJSON_Delete(root);
		root = NULL;
	}
	return root;
}

/* cJSON frees its strings without clearing them: a password should not
 * linger in freed heap (volatile, so the stores are not dropped). */
static void wipe(const cJSON *v)
{
	if (cJSON_IsString(v) && v->valuestring)
		for (volatile char *p = v->valuestring; *p; p++)
			*p = '\0';
}

int weft_proto_parse_login(const char *body, size_t len, struct weft_login_body *out,
			   struct weft_parse_error *err)
{
	const char *problem;
	cJSON *root = parse_object(body, len, &problem);
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(root, "username");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "password");
	int rc = WEFT_OK;
	if (problem)
		rc = proto_fail(err, WEFT_EINVAL, problem);
	else if (!root || !cJSON_IsString(u) || !cJSON_IsString(p))
		rc = proto_fail(err, WEFT_EINVAL, "expected an object with string username and password");
	else if (strlen(u->valuestring) > WEFT_LOGIN_NAME_MAX || strlen(p->valuestring) > WEFT_PASSWORD_MAX)
		rc = proto_fail(err, WEFT_EINVAL, "username or password is too long");
	if (!rc) {
		strcpy(out->username, u->valuestring);
		strcpy(out->password, p->valuestring);
	}
	wipe(p);
	cJSON_Delete(root);
	return rc;
}

int weft_proto_parse_signup(const char *body, size_t len, struct weft_signup_body *out,
			    struct weft_parse_error *err)
{
	const char *problem;
	cJSON *root = parse_object(body, len, &problem);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "token");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "password");
	int rc = WEFT_OK;
	if (problem) {
		rc = proto_fail(err, WEFT_EINVAL, problem);
	} else if (!root || !cJSON_IsString(t) || !cJSON_IsString(p)) {
		rc = proto_fail(err, WEFT_EINVAL, "expected {\"token\",\"password\"}");
	} else {
		size_t bytes = strlen(p->valuestring);
		/* Invalid UTF-8 counts as -1 characters: too short, as before. */
		if (weft_utf8_len(p->valuestring, bytes) < WEFT_PASSWORD_MIN || bytes > WEFT_PASSWORD_MAX)
			rc = proto_fail(err, WEFT_EINVAL, "the password must have at least 10 characters");
		else if (strlen(t->valuestring) != WEFT_TOKEN_LEN)
			rc = proto_fail(err, WEFT_EAUTH, WEFT_SIGNUP_LINK_INVALID);
	}
	if (!rc) {
		strcpy(out->token, t->valuestring);
		strcpy(out->password, p->valuestring);
	}
	wipe(p);
	cJSON_Delete(root);
	return rc;
}

int weft_proto_parse_password(const char *body, size_t len, struct weft_password_body *out,
			      struct weft_parse_error *err)
{
	const char *problem;
	cJSON *root = parse_object(body, len, &problem);
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "old");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "new");
	int rc = WEFT_OK;
	if (problem) {
		rc = proto_fail(err, WEFT_EINVAL, problem);
	} else if (!root || !cJSON_IsString(o) || !cJSON_IsString(n)) {
		rc = proto_fail(err, WEFT_EINVAL, "expected {\"old\",\"new\"}");
	} else {
		size_t bytes = strlen(n->valuestring);
		if (strlen(o->valuestring) > WEFT_PASSWORD_MAX)
			rc = proto_fail(err, WEFT_EINVAL, "the current password is too long");
		else if (weft_utf8_len(n->valuestring, bytes) < WEFT_PASSWORD_MIN || bytes > WEFT_PASSWORD_MAX)
			rc = proto_fail(err, WEFT_EINVAL, "the new password must have at least 10 characters");
	}
	if (!rc) {
		strcpy(out->old, o->valuestring);
		strcpy(out->new_password, n->valuestring);
	}
	wipe(o);
	wipe(n);
	cJSON_Delete(root);
	return rc;
}

int weft_proto_parse_token(const char *body, size_t len, struct weft_token_body *out,
			   struct weft_parse_error *err)
{
	/* No body at all asks for a token named "token". */
	const char *problem = NULL;
	cJSON *root = len ? parse_object(body, len, &problem) : cJSON_CreateObject();
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "name");
	int rc = WEFT_OK;
	if (problem)
		rc = proto_fail(err, WEFT_EINVAL, problem);
	else if (!root || (n && !cJSON_IsString(n)))
		rc = proto_fail(err, WEFT_EINVAL, "expected an object with an optional string name");
	else if (n && (strlen(n->valuestring) > WEFT_TOKEN_NAME_MAX ||
		       weft_utf8_len(n->valuestring, strlen(n->valuestring)) < 0))
		rc = proto_fail(err, WEFT_EINVAL, "name must be at most 64 characters of UTF-8");
	if (!rc)
		strcpy(out->name, n ? n->valuestring : "token");
	cJSON_Delete(root);
	return rc;
}

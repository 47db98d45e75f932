/* libFuzzer target for the POST bodies of the HTTP endpoints: any bytes go,
 * as a body, into each of weft_proto_parse_login, _signup, _password and _token (one
 * input exercises all three; the corpus is plain bodies). Besides the
 * sanitizers' findings (overflow, leak, UB), it checks their promises:
 * a success gives NUL-terminated strings within their bounds, from a body
 * that is one JSON value with nothing but whitespace after it and no raw
 * control byte or \u0000 in a string (either would let cJSON cut a
 * password or a name short); a failure is the endpoint's code with a
 * message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* assert() is compiled out in release builds; these checks never are. */
#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_http_body: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);                          \
			abort();                                                     \
		}                                                                    \
	} while (0)

/* A string field of a parsed struct: terminated inside its array, of at
 * most max bytes. */
#define CHECK_STR(arr, max) CHECK(strnlen((arr), sizeof(arr)) < sizeof(arr) && strlen(arr) <= (max))

/* The oracle for "strings as they were sent": written apart from the
 * parser, a scan of the raw bytes for a byte below 0x20 inside a string
 * and for the escape \u0000. Outside strings, control bytes other than
 * JSON's whitespace make the body invalid JSON anyway. */
static int clean_strings(const uint8_t *d, size_t n)
{
	int in = 0;
	for (size_t i = 0; i < n; i++) {
		if (in && d[i] < 0x20)
			return 0;
		if (d[i] == '"') {
			in = !in;
		} else if (in && d[i] == '\\') {
			if (i + 1 < n && d[i + 1] == 'u' && i + 5 < n && !memcmp(d + i + 2, "0000", 4))
				return 0;
			i++;
		}
	}
	return 1;
}

/* One JSON value and only whitespace after it (cJSON tells where it ends). */
static int one_value(const uint8_t *d, size_t n)
{
	const char *end = NULL;
	cJSON *v = cJSON_ParseWithLengthOpts((const char *)d, n, &end, 0);
	if (!v)
		return 0;
	cJSON_Delete(v);
	for (const char *p = end; p < (const char *)d + n; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

static void check_failure(int rc, const struct weft_parse_error *err, int allow_auth)
{
	CHECK(rc == WEFT_EINVAL || (allow_auth && rc == WEFT_EAUTH));
	CHECK(err->code && !strcmp(err->code, weft_proto_code(rc)));
	CHECK(err->message && err->message[0]);
}

static void check_clean(const uint8_t *data, size_t size)
{
	CHECK(clean_strings(data, size));
	CHECK(one_value(data, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct weft_parse_error err;
	/* Filled with a pattern, so that a missing terminator shows. */
	struct weft_login_body login;
	memset(&login, 0xa5, sizeof login);
	int rc = weft_proto_parse_login(body, size, &login, &err);
	if (rc) {
		check_failure(rc, &err, 0);
	} else {
		CHECK_STR(login.username, WEFT_LOGIN_NAME_MAX);
		CHECK_STR(login.password, WEFT_PASSWORD_MAX);
		check_clean(data, size);
	}

	struct weft_signup_body signup;
	memset(&signup, 0xa5, sizeof signup);
	rc = weft_proto_parse_signup(body, size, &signup, &err);
	if (rc) {
		check_failure(rc, &err, 1);
		if (rc == WEFT_EAUTH)
			CHECK(!strcmp(err.message, WEFT_SIGNUP_LINK_INVALID));
	} else {
		CHECK_STR(signup.token, WEFT_TOKEN_LEN);
		CHECK(strlen(signup.token) == WEFT_TOKEN_LEN);
		CHECK_STR(signup.password, WEFT_PASSWORD_MAX);
		CHECK(weft_utf8_len(signup.password, strlen(signup.password)) >= WEFT_PASSWORD_MIN);
		check_clean(data, size);
	}

	struct weft_password_body pw;
	memset(&pw, 0xa5, sizeof pw);
	rc = weft_proto_parse_password(body, size, &pw, &err);
	if (rc) {
		check_failure(rc, &err, 0);
	} else {
		CHECK_STR(pw.old, WEFT_PASSWORD_MAX);
		CHECK_STR(pw.new_password, WEFT_PASSWORD_MAX);
		CHECK(weft_utf8_len(pw.new_password, strlen(pw.new_password)) >= WEFT_PASSWORD_MIN);
		check_clean(data, size);
	}

	struct weft_token_body token;
	memset(&token, 0xa5, sizeof token);
	rc = weft_proto_parse_token(body, size, &token, &err);
	if (rc) {
		check_failure(rc, &err, 0);
	} else {
		CHECK_STR(token.name, WEFT_TOKEN_NAME_MAX);
		CHECK(weft_utf8_len(token.name, strlen(token.name)) >= 0);
		if (size == 0)
			CHECK(!strcmp(token.name, "token"));
		else
			check_clean(data, size);
	}
	return 0;
}

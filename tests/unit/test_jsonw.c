/* Unit tests for jsonw.c: commas and nesting, string escapes byte by byte
 * against cJSON's printer, integers at their edges, the reserved head and
 * the frame made from it, growth from a tiny hint, and the failure path
 * (the output cap) that must report, never crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "weft/hub.h"
#include "weft/jsonw.h"

/* Finishes w (made with head 0) and checks the output is want. */
static void expect_doc(struct weft_jsonw *w, const char *want)
{
	size_t len = 0;
	char *s = weft_jsonw_finish(w, &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(want));
	assert_string_equal(s, want);
	free(s);
}

static void test_structure(void **state)
{
	(void)state;
	struct weft_jsonw w;
	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_object_open(&w);
	weft_jsonw_object_close(&w);
	expect_doc(&w, "{}");

	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_object_open(&w);
	weft_jsonw_key(&w, "a");
	weft_jsonw_int(&w, 1);
	weft_jsonw_key(&w, "b");
	weft_jsonw_array_open(&w);
	weft_jsonw_array_close(&w);
	weft_jsonw_key(&w, "c");
	weft_jsonw_array_open(&w);
	weft_jsonw_null(&w);
	weft_jsonw_bool(&w, true);
	weft_jsonw_bool(&w, false);
	weft_jsonw_object_open(&w);
	weft_jsonw_object_close(&w);
	weft_jsonw_array_open(&w);
	weft_jsonw_int(&w, -2);
	weft_jsonw_array_close(&w);
	weft_jsonw_string(&w, "s");
	weft_jsonw_string(&w, NULL);
	weft_jsonw_array_close(&w);
	weft_jsonw_key(&w, "d");
	weft_jsonw_object_open(&w);
	weft_jsonw_key(&w, "e\"");
	weft_jsonw_string_len(&w, "xyz", 2);
	weft_jsonw_object_close(&w);
	weft_jsonw_object_close(&w);
	expect_doc(&w, "{\"a\":1,\"b\":[],\"c\":[null,true,false,{},[-2],\"s\",null],"
		       "\"d\":{\"e\\\"\":\"xy\"}}");

	/* A top-level array, and a bare value. */
	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_array_open(&w);
	weft_jsonw_int(&w, 1);
	weft_jsonw_int(&w, 2);
	weft_jsonw_array_close(&w);
	expect_doc(&w, "[1,2]");
	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_string(&w, "");
	expect_doc(&w, "\"\"");
	weft_jsonw_init(&w, 0, 0, 0);
	expect_doc(&w, "");
}

/* s as cJSON prints it (the reference for every escape). */
static char *cjson_string(const char *s)
{
	cJSON *o = cJSON_CreateString(s);
	assert_non_null(o);
	char *p = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	assert_non_null(p);
	return p;
}

static void expect_json_string(const char *s)
{
	struct weft_jsonw w;
	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_string(&w, s);
	char *want = cjson_string(s);
	expect_doc(&w, want);
	cJSON_free(want);
}

static void test_escapes(void **state)
{
	(void)state;
	/* Every byte value alone, between others, and in a run. */
	char all[256];
	for (int c = 1; c < 256; c++) {
		char one[2] = { (char)c, 0 };
		expect_json_string(one);
		char mid[6] = { 'a', 'b', (char)c, 'c', 'd', 0 };
		expect_json_string(mid);
		all[c - 1] = (char)c;
	}
	all[255] = '\0';
	expect_json_string(all);

	/* The ones spelled out. */
	struct weft_jsonw w;
	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_string(&w, "\"\\/\b\f\n\r\t\x01\x1f\x7f");
	expect_doc(&w, "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
	/* UTF-8 unchanged: 2-, 3- and 4-byte, U+2028 and U+2029 included. */
	const char *utf8 = "\xc3\xa9 \xe2\x82\xac \xe2\x80\xa8\xe2\x80\xa9 \xf0\x9f\x98\x80";
	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_string(&w, utf8);
	char want[64];
	snprintf(want, sizeof want, "\"%s\"", utf8);
	expect_doc(&w, want);
	expect_json_string(utf8);
}

static void expect_int(int64_t v, const char *want)
{
	struct weft_jsonw w;
	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_int(&w, v);
	expect_doc(&w, want);
}

static void test_integers(void **state)
{
	(void)state;
	expect_int(0, "0");
	expect_int(7, "7");
	expect_int(-7, "-7");
	expect_int(10, "10");
	expect_int(99, "99");
	expect_int(100, "100");
	expect_int(-100, "-100");
	expect_int(101, "101");
	expect_int(1000, "1000");
	expect_int(2147483647, "2147483647");
	expect_int(2147483648LL, "2147483648");
	expect_int(-2147483648LL, "-2147483648");
	expect_int(1795894801123LL, "1795894801123");
	expect_int(9007199254740992LL, "9007199254740992");
	expect_int(INT64_MAX, "9223372036854775807");
	expect_int(INT64_MIN, "-9223372036854775808");

	/* Every power of ten and its neighbours, against printf. */
	for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
		for (int64_t d = -1; d <= 1; d++) {
			char want[32];
			snprintf(want, sizeof want, "%lld", (long long)(p + d));
			expect_int(p + d, want);
			snprintf(want, sizeof want, "%lld", (long long)-(p + d));
			expect_int(-(p + d), want);
		}
	}

	/* Below 10^15, cJSON's doubles print the same digits. */
	const int64_t same[] = { 0, -1, 42, 2147483647, 2147483648LL, -2147483649LL,
				 1795894801123LL, 999999999999999LL, -999999999999999LL };
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		cJSON *n = cJSON_CreateNumber((double)same[i]);
		char *want = cJSON_PrintUnformatted(n);
		expect_int(same[i], want);
		cJSON_free(want);
		cJSON_Delete(n);
	}
}

/* The reserved head stays in front of the output, and the block becomes a
 * frame without a copy. */
static void test_head_and_frame(void **state)
{
	(void)state;
	struct weft_jsonw w;
	weft_jsonw_init(&w, WEFT_FRAME_HEAD, 4, 0);
	weft_jsonw_object_open(&w);
	weft_jsonw_key(&w, "type");
	weft_jsonw_string(&w, "pong");
	weft_jsonw_object_close(&w);
	size_t len = 0;
	char *block = weft_jsonw_finish(&w, &len);
	assert_non_null(block);
	assert_int_equal(len, 15);
	assert_memory_equal(block + WEFT_FRAME_HEAD, "{\"type\":\"pong\"}", 16); /* NUL too */
	struct weft_frame *f = weft_frame_adopt(block, len);
	assert_ptr_equal(f, block);
	assert_int_equal(f->refs, 1);
	assert_int_equal(f->len, 15);
	assert_memory_equal(weft_frame_payload(f), "{\"type\":\"pong\"}", 15);
	weft_frame_ref(f);
	weft_frame_unref(f);
	weft_frame_unref(f);
	assert_null(weft_frame_adopt(NULL, 0));
}

/* From a 1-byte hint to 1 MB of escapes and ints: every reallocation keeps
 * what was written (ASan checks the bounds). */
static void test_growth(void **state)
{
	(void)state;
	struct weft_jsonw w;
	weft_jsonw_init(&w, 3, 1, 0);
	char *chunk = malloc(4097);
	assert_non_null(chunk);
	for (int i = 0; i < 4096; i++)
		chunk[i] = (char)(i % 3 == 0 ? '\n' : i % 3 == 1 ? '\x01' : 'a');
	chunk[4096] = '\0';
	weft_jsonw_array_open(&w);
	for (int i = 0; i < 100; i++) {
		weft_jsonw_string(&w, chunk);
		weft_jsonw_int(&w, INT64_MIN + i);
	}
	weft_jsonw_array_close(&w);
	size_t len = 0;
	char *block = weft_jsonw_finish(&w, &len);
	assert_non_null(block);
	cJSON *back = cJSON_ParseWithLength(block + 3, len);
	assert_non_null(back);
	assert_int_equal(cJSON_GetArraySize(back), 200);
	assert_string_equal(cJSON_GetArrayItem(back, 198)->valuestring, chunk);
	cJSON_Delete(back);
	free(block);
	free(chunk);
}

/* Past the cap the writer fails: later calls do nothing, finish returns
 * NULL and frees what it had. */
static void test_cap_fails(void **state)
{
	(void)state;
	struct weft_jsonw w;
	/* Exactly at the cap is fine. */
	weft_jsonw_init(&w, 0, 0, 7);
	weft_jsonw_string(&w, "abcde");
	assert_false(weft_jsonw_failed(&w));
	expect_doc(&w, "\"abcde\"");

	/* One byte over, by each kind of write. */
	weft_jsonw_init(&w, 0, 0, 7);
	weft_jsonw_string(&w, "abcdef");
	assert_true(weft_jsonw_failed(&w));
	size_t len = 99;
	assert_null(weft_jsonw_finish(&w, &len));
	assert_int_equal(len, 99); /* untouched on failure */

	weft_jsonw_init(&w, 0, 0, 7);
	weft_jsonw_string(&w, "abc\n"); /* escaped, exactly at the cap */
	expect_doc(&w, "\"abc\\n\"");
	weft_jsonw_init(&w, 0, 0, 7);
	weft_jsonw_string(&w, "abcd\n"); /* the escape passes the cap */
	assert_true(weft_jsonw_failed(&w));
	assert_null(weft_jsonw_finish(&w, &len));
	weft_jsonw_init(&w, 0, 0, 7);
	weft_jsonw_string(&w, "a\x01"); /* \u0001 passes it */
	assert_true(weft_jsonw_failed(&w));
	assert_null(weft_jsonw_finish(&w, &len));

	weft_jsonw_init(&w, 16, 0, 10);
	weft_jsonw_array_open(&w);
	weft_jsonw_int(&w, 1234);
	weft_jsonw_int(&w, 5678);
	assert_false(weft_jsonw_failed(&w));
	weft_jsonw_bool(&w, false);
	assert_true(weft_jsonw_failed(&w));
	/* Sticky: nothing more is written, nothing crashes. */
	weft_jsonw_null(&w);
	weft_jsonw_object_open(&w);
	weft_jsonw_key(&w, "k");
	weft_jsonw_string(&w, "v");
	weft_jsonw_object_close(&w);
	weft_jsonw_array_close(&w);
	assert_true(weft_jsonw_failed(&w));
	assert_null(weft_jsonw_finish(&w, &len));
	assert_null(weft_frame_adopt(NULL, 0));

	/* A big document against a small cap, after a few reallocations. */
	weft_jsonw_init(&w, 0, 0, 10000);
	weft_jsonw_array_open(&w);
	for (int i = 0; i < 5000; i++)
		weft_jsonw_string(&w, "0123456789");
	weft_jsonw_array_close(&w);
	assert_true(weft_jsonw_failed(&w));
	assert_null(weft_jsonw_finish(&w, &len));

	/* An abandoned document frees its buffer. */
	weft_jsonw_init(&w, 0, 0, 0);
	weft_jsonw_string(&w, "dropped");
	weft_jsonw_free(&w);
}

/* weft_jsonw_string_size is what weft_jsonw_string writes, byte for byte. */
static void test_string_size(void **state)
{
	(void)state;
	const char *cases[] = { "", "plain", "q\"uote", "back\\slash", "\x01\x1f\n\t\r\b\f",
				"\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", "mixed\x01\"\\end" };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct weft_jsonw w;
		weft_jsonw_init(&w, 0, 0, 0);
		weft_jsonw_string(&w, cases[i]);
		size_t len = 0;
		char *out = weft_jsonw_finish(&w, &len);
		assert_non_null(out);
		assert_int_equal(weft_jsonw_string_size(cases[i]), len);
		free(out);
	}
	assert_int_equal(weft_jsonw_string_size(NULL), 4);
	char big[4001];
	memset(big, 1, 4000);
	big[4000] = '\0';
	assert_int_equal(weft_jsonw_string_size(big), 2 + 6 * 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_head_and_frame),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_cap_fails),
		cmocka_unit_test(test_string_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

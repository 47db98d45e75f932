/* Unit tests for common.c: UTF-8 counting, ISO 8601 formatting, error names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "weft/common.h"

#define U8LEN(lit) weft_utf8_len((lit), sizeof(lit) - 1)

static void test_utf8_ascii(void **state)
{
	(void)state;
	assert_int_equal(U8LEN(""), 0);
	assert_int_equal(U8LEN("a"), 1);
	assert_int_equal(U8LEN("hello, world"), 12);
	/* Length is taken from len, not from a NUL: embedded NUL counts. */
	assert_int_equal(weft_utf8_len("a\0b", 3), 3);
	/* Only the first len bytes are looked at. */
	assert_int_equal(weft_utf8_len("abcdef", 3), 3);
}

static void test_utf8_multibyte(void **state)
{
	(void)state;
	assert_int_equal(U8LEN("\xc3\xa9"), 1);                 /* é U+00E9 */
	assert_int_equal(U8LEN("caf\xc3\xa9"), 4);
	assert_int_equal(U8LEN("\xe2\x82\xac"), 1);             /* € U+20AC */
	assert_int_equal(U8LEN("\xe6\x97\xa5\xe6\x9c\xac"), 2); /* 日本 */
	assert_int_equal(U8LEN("\xc2\x80"), 1);                 /* smallest 2-byte U+0080 */
	assert_int_equal(U8LEN("\xdf\xbf"), 1);                 /* largest 2-byte U+07FF */
	assert_int_equal(U8LEN("\xe0\xa0\x80"), 1);             /* smallest 3-byte U+0800 */
	assert_int_equal(U8LEN("\xef\xbf\xbf"), 1);             /* U+FFFF */
	assert_int_equal(U8LEN("\xed\x9f\xbf"), 1);             /* U+D7FF, just below surrogates */
	assert_int_equal(U8LEN("\xee\x80\x80"), 1);             /* U+E000, just above */
}

static void test_utf8_emoji(void **state)
{
	(void)state;
	assert_int_equal(U8LEN("\xf0\x9f\x98\x80"), 1);         /* 😀 U+1F600 */
	assert_int_equal(U8LEN("a\xf0\x9f\x98\x80" "b"), 3);
	assert_int_equal(U8LEN("\xf0\x90\x80\x80"), 1);         /* U+10000 */
	assert_int_equal(U8LEN("\xf4\x8f\xbf\xbf"), 1);         /* U+10FFFF */
	/* Family emoji with ZWJ: 3 people + 2 joiners = 5 code points. */
	assert_int_equal(U8LEN("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"), 5);
	char buf[4 * 1000];
	for (int i = 0; i < 1000; i++)
		memcpy(buf + 4 * i, "\xf0\x9f\x98\x80", 4);
	assert_int_equal(weft_utf8_len(buf, sizeof buf), 1000);
}

static void test_utf8_overlong(void **state)
{
	(void)state;
	assert_int_equal(U8LEN("\xc0\x80"), -1);                /* overlong NUL */
	assert_int_equal(U8LEN("\xc1\xbf"), -1);                /* overlong U+007F */
	assert_int_equal(U8LEN("\xe0\x80\x80"), -1);            /* overlong 3-byte */
	assert_int_equal(U8LEN("\xe0\x9f\xbf"), -1);            /* overlong U+07FF */
	assert_int_equal(U8LEN("\xf0\x80\x80\x80"), -1);        /* overlong 4-byte */
	assert_int_equal(U8LEN("\xf0\x8f\xbf\xbf"), -1);        /* overlong U+FFFF */
}

static void test_utf8_surrogates_and_range(void **state)
{
	(void)state;
	assert_int_equal(U8LEN("\xed\xa0\x80"), -1);            /* U+D800 */
	assert_int_equal(U8LEN("\xed\xbf\xbf"), -1);            /* U+DFFF */
	assert_int_equal(U8LEN("\xed\xa0\xbd\xed\xb8\x80"), -1); /* CESU-8 pair */
	assert_int_equal(U8LEN("\xf4\x90\x80\x80"), -1);        /* U+110000 */
	assert_int_equal(U8LEN("\xf7\xbf\xbf\xbf"), -1);
	assert_int_equal(U8LEN("\xf8\x88\x80\x80\x80"), -1);    /* 5-byte form */
	assert_int_equal(U8LEN("\xfc\x84\x80\x80\x80\x80"), -1);
	assert_int_equal(U8LEN("\xfe"), -1);
	assert_int_equal(U8LEN("\xff"), -1);
}

static void test_utf8_truncated_and_stray(void **state)
{
	(void)state;
	assert_int_equal(U8LEN("\xc3"), -1);
	assert_int_equal(U8LEN("\xe2\x82"), -1);
	assert_int_equal(U8LEN("\xf0\x9f\x98"), -1);
	assert_int_equal(U8LEN("ok\xf0\x9f"), -1);
	/* Truncated by len even though the bytes continue in memory. */
	assert_int_equal(weft_utf8_len("\xf0\x9f\x98\x80", 3), -1);
	assert_int_equal(weft_utf8_len("\xc3\xa9", 1), -1);
	/* Continuation byte with no lead. */
	assert_int_equal(U8LEN("\x80"), -1);
	assert_int_equal(U8LEN("a\xbf" "b"), -1);
	/* Lead followed by a non-continuation. */
	assert_int_equal(U8LEN("\xc3" "a"), -1);
	assert_int_equal(U8LEN("\xe2\x82" "a"), -1);
	assert_int_equal(U8LEN("\xf0\x9f\x98" "a"), -1);
}

static void test_iso8601(void **state)
{
	(void)state;
	char buf[WEFT_ISO_LEN];
	weft_iso8601(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	weft_iso8601(1, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.001Z");
	weft_iso8601(999, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.999Z");
	/* The example of the contract: 2026-11-28T19:40:01.123Z. */
	weft_iso8601(1795894801123LL, buf);
	assert_string_equal(buf, "2026-11-28T19:40:01.123Z");
	/* Leap day. */
	weft_iso8601(951782400000LL, buf);
	assert_string_equal(buf, "2000-02-29T00:00:00.000Z");
	/* End of a year. */
	weft_iso8601(1704067199999LL, buf);
	assert_string_equal(buf, "2023-12-31T23:59:59.999Z");
	/* Past 2038 (64-bit time_t). */
	weft_iso8601(4102444800000LL, buf);
	assert_string_equal(buf, "2100-01-01T00:00:00.000Z");
}

/* Times before the epoch are still "ms since the epoch": the calendar part
 * must be floored, not truncated toward zero. */
static void test_iso8601_before_epoch(void **state)
{
	(void)state;
	char buf[WEFT_ISO_LEN];
	weft_iso8601(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	weft_iso8601(-1000, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.000Z");
}

/* Against the C library's calendar (gmtime_r, which weft_iso8601 used to
 * call): leap days, century rules, times of day, before and after 1970,
 * over the whole range of four-digit years. */
static void test_iso8601_matches_gmtime(void **state)
{
	(void)state;
	const int64_t min = -62167219200000LL, span = 253402300799999LL - min + 1;
	const int64_t edges[] = {
		0, 1, 999, -1, -1000, -86400001LL, 68169599999LL /* 1972-02-29 */, 951782400000LL,
		4107542400000LL /* 2100-03-01 */, -2203891200000LL /* 1900-03-01 */,
		-62162035200000LL /* 0000-03-01 */, min, min + span - 1,
	};
	size_t nedges = sizeof edges / sizeof edges[0];
	uint64_t x = 88172645463325252ULL; /* xorshift64 */
	for (size_t i = 0; i < 20000 + nedges; i++) {
		int64_t ms;
		if (i < nedges) {
			ms = edges[i];
		} else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ms = min + (int64_t)(x % (uint64_t)span);
		}
		int64_t whole = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
		time_t secs = (time_t)whole;
		struct tm tm;
		assert_non_null(gmtime_r(&secs, &tm));
		char want[64], got[WEFT_ISO_LEN];
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms - whole * 1000));
		assert_int_equal(weft_iso8601(ms, got), strlen(want));
		if (strcmp(got, want))
			fail_msg("ms %lld: got %s, want %s", (long long)ms, got, want);
	}
}

/* Past what four digits of year can spell, the nearest instant that can:
 * never a five-digit or negative year, even at INT64_MAX milliseconds (292
 * million years) or INT64_MIN. */
static void test_iso8601_clamped(void **state)
{
	(void)state;
	char buf[WEFT_ISO_LEN];
	weft_iso8601(253402300799999LL, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
	weft_iso8601(253402300800000LL, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
	weft_iso8601(INT64_MAX, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
	weft_iso8601(-62167219200000LL, buf);
	assert_string_equal(buf, "0000-01-01T00:00:00.000Z");
	weft_iso8601(-62167219200001LL, buf);
	assert_string_equal(buf, "0000-01-01T00:00:00.000Z");
	weft_iso8601(INT64_MIN, buf);
	assert_string_equal(buf, "0000-01-01T00:00:00.000Z");
}

static void test_now(void **state)
{
	(void)state;
	/* After 2020-01-01 and monotonic clocks do not run backwards. */
	assert_true(weft_now_ms() > 1577836800000LL);
	int64_t a = weft_mono_ms(), b = weft_mono_ms();
	assert_true(b >= a);
}

static void test_strerror(void **state)
{
	(void)state;
	int codes[] = { WEFT_OK, WEFT_EINVAL, WEFT_ENOMEM, WEFT_EIO, WEFT_ENOTFOUND, WEFT_ECONFLICT,
			WEFT_EFORBIDDEN, WEFT_EAUTH, WEFT_ETOOLARGE, WEFT_EBUSY, WEFT_ERATE };
	size_t n = sizeof codes / sizeof codes[0];
	for (size_t i = 0; i < n; i++) {
		const char *s = weft_strerror(codes[i]);
		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(s, weft_strerror(codes[k]));
	}
	assert_string_equal(weft_strerror(-1000), "unknown error");
	assert_string_equal(weft_strerror(WEFT_ENOTFOUND), "not found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_ascii),
		cmocka_unit_test(test_utf8_multibyte),
		cmocka_unit_test(test_utf8_emoji),
		cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogates_and_range),
		cmocka_unit_test(test_utf8_truncated_and_stray),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_iso8601_before_epoch),
		cmocka_unit_test(test_iso8601_clamped),
		cmocka_unit_test(test_iso8601_matches_gmtime),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

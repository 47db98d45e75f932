/* Unit tests for log.c (one event per line, logfmt or JSON, values quoted
 * or escaped whole) and histo.c (buckets, Prometheus text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft/common.h"
#include "weft/histo.h"

/* What weft_log wrote to stderr while fn ran, without the leading
 * "ts=... " (or {"ts":"...",) part, which changes. */
static char captured[4096];

static const char *capture_begin(FILE **f, int *saved)
{
	*f = tmpfile();
	*saved = dup(STDERR_FILENO);
	dup2(fileno(*f), STDERR_FILENO);
	return NULL;
}

static const char *capture_end(FILE *f, int saved)
{
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	size_t n = fread(captured, 1, sizeof captured - 1, f);
	captured[n] = '\0';
	fclose(f);
	/* Drop the timestamp field. */
	char *p = strstr(captured, weft_log_json ? "\"level\"" : "level=");
	return p ? p : captured;
}

#define CAPTURE(stmt) ({ FILE *f_; int s_; capture_begin(&f_, &s_); stmt; capture_end(f_, s_); })

static int setup(void **state)
{
	(void)state;
	assert_int_equal(weft_log_configure("info", "text"), WEFT_OK);
	return 0;
}

static void test_logfmt_fields(void **state)
{
	(void)state;
	const char *out = CAPTURE(weft_info("login.ok req=%s user=%s n=%d big=%lld size=%zu", "00ab", "ana", -3,
					    (long long)1 << 40, (size_t)7));
	assert_string_equal(out, "level=info event=login.ok req=00ab user=ana n=-3 big=1099511627776 size=7\n");
	assert_non_null(strstr(captured, "ts="));
	assert_true(captured[0] == 't');
}

static void test_logfmt_quoting(void **state)
{
	(void)state;
	const char *out = CAPTURE(weft_warn("x.y a=%s b=%s c=%s d=%s", "two words", "q\"uote", "", "l1\nl2=\x01"));
	assert_string_equal(out, "level=warn event=x.y a=\"two words\" b=\"q\\\"uote\" c=\"\" d=\"l1\\nl2=\\x01\"\n");
	/* A value cannot end the line or add a field. */
	out = CAPTURE(weft_info("ev v=%s", "x level=error\nts=forged"));
	assert_string_equal(out, "level=info event=ev v=\"x level=error\\nts=forged\"\n");
}

static void test_old_style_words_become_msg(void **state)
{
	(void)state;
	const char *out = CAPTURE(weft_err("store: cannot open %s read-only", "/x y"));
	assert_string_equal(out, "level=error event=store msg=\"cannot open /x y read-only\"\n");
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(weft_log_configure("warn", NULL), WEFT_OK);
	assert_string_equal(CAPTURE(weft_info("hidden a=1")), "");
	assert_string_equal(CAPTURE(weft_notice("ready url=%s", "https://h:1")),
			    "level=notice event=ready url=https://h:1\n");
	assert_int_equal(weft_log_configure("loud", NULL), WEFT_EINVAL);
	assert_int_equal(weft_log_level, WEFT_LOG_WARN);
	assert_int_equal(weft_log_configure("debug", "xml"), WEFT_EINVAL);
	assert_int_equal(weft_log_configure("info", NULL), WEFT_OK);
}

static void test_json(void **state)
{
	(void)state;
	assert_int_equal(weft_log_configure("info", "json"), WEFT_OK);
	const char *out = CAPTURE(weft_info("http.request req=%s status=%d ms=%.3f path=%s%s n=%dx", "ab", 200, 1.5,
					    "/a\"b", "\\c", 4));
	assert_string_equal(out, "\"level\":\"info\",\"event\":\"http.request\",\"req\":\"ab\",\"status\":200,"
				 "\"ms\":1.500,\"path\":\"/a\\\"b\\\\c\",\"n\":\"4x\"}\n");
	assert_true(!strncmp(captured, "{\"ts\":\"", 7));
	out = CAPTURE(weft_info("e v=%s w=%s", "tab\there\x7f", "\xff\xfe"));
	assert_string_equal(out, "\"level\":\"info\",\"event\":\"e\",\"v\":\"tab\\u0009here\\u007f\","
				 "\"w\":\"\\u00ff\\u00fe\"}\n");
	assert_int_equal(weft_log_configure("info", "text"), WEFT_OK);
}

static void test_long_value_cut(void **state)
{
	(void)state;
	char big[5000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	const char *out = CAPTURE(weft_info("e v=%s after=1", big));
	size_t n = strlen(captured);
	assert_true(n < 2100);
	assert_true(captured[n - 1] == '\n');
	assert_non_null(strstr(out, "after=1"));
}

static void test_histo(void **state)
{
	(void)state;
	struct weft_histo h = { 0 };
	weft_histo_observe(&h, &weft_histo_latency, 50000);      /* 50 µs: first bucket */
	weft_histo_observe(&h, &weft_histo_latency, 1000000);    /* 1 ms: le=0.001 */
	weft_histo_observe(&h, &weft_histo_latency, 9000000000); /* 9 s: +Inf */
	assert_int_equal(h.count, 3);
	assert_int_equal(h.bucket[0], 1);
	assert_int_equal(h.bucket[3], 1);
	assert_int_equal(h.bucket[weft_histo_latency.nbounds], 1);
	struct weft_text t = { 0 };
	weft_text_histo(&t, "x_seconds", "type=\"send\"", &h, &weft_histo_latency);
	assert_false(t.failed);
	assert_non_null(strstr(t.p, "x_seconds_bucket{type=\"send\",le=\"0.0001\"} 1\n"));
	assert_non_null(strstr(t.p, "x_seconds_bucket{type=\"send\",le=\"0.001\"} 2\n"));
	assert_non_null(strstr(t.p, "x_seconds_bucket{type=\"send\",le=\"5\"} 2\n"));
	assert_non_null(strstr(t.p, "x_seconds_bucket{type=\"send\",le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(t.p, "x_seconds_sum{type=\"send\"} 9.00105\n"));
	assert_non_null(strstr(t.p, "x_seconds_count{type=\"send\"} 3\n"));
	free(t.p);
	struct weft_histo s = { 0 };
	weft_histo_observe(&s, &weft_histo_size, 0);
	weft_histo_observe(&s, &weft_histo_size, 12);
	struct weft_text u = { 0 };
	weft_text_histo(&u, "r", "", &s, &weft_histo_size);
	assert_non_null(strstr(u.p, "r_bucket{le=\"0\"} 1\n"));
	assert_non_null(strstr(u.p, "r_bucket{le=\"10\"} 1\n"));
	assert_non_null(strstr(u.p, "r_bucket{le=\"50\"} 2\n"));
	assert_non_null(strstr(u.p, "r_sum 12\nr_count 2\n"));
	free(u.p);
}

static void test_text_grows(void **state)
{
	(void)state;
	struct weft_text t = { 0 };
	for (int i = 0; i < 2000; i++)
		weft_text_printf(&t, "line %d of some length\n", i);
	assert_false(t.failed);
	assert_non_null(strstr(t.p, "line 1999 of some length\n"));
	assert_int_equal(strlen(t.p), t.len);
	free(t.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_logfmt_fields, setup),
		cmocka_unit_test_setup(test_logfmt_quoting, setup),
		cmocka_unit_test_setup(test_old_style_words_become_msg, setup),
		cmocka_unit_test_setup(test_levels, setup),
		cmocka_unit_test_setup(test_json, setup),
		cmocka_unit_test_setup(test_long_value_cut, setup),
		cmocka_unit_test(test_histo),
		cmocka_unit_test(test_text_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

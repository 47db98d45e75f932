/* Unit tests for filemeta.c: upload names checked, media types normalized,
 * the type a file is served with (nothing a browser could run), inline
 * only for raster images, RFC 6266 Content-Disposition, Range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "weft/filemeta.h"

static void test_names(void **state)
{
	(void)state;
	assert_null(weft_file_name_problem("rubric.pdf"));
	assert_null(weft_file_name_problem("équité 2026 (final).docx"));
	assert_non_null(weft_file_name_problem(""));
	assert_non_null(weft_file_name_problem("a/b"));
	assert_non_null(weft_file_name_problem("a\\b"));
	assert_non_null(weft_file_name_problem(".."));
	assert_non_null(weft_file_name_problem("a\nb"));
	assert_non_null(weft_file_name_problem("\xff"));
	char longest[WEFT_FILE_NAME_MAX + 2];
	memset(longest, 'a', sizeof longest);
	longest[WEFT_FILE_NAME_MAX] = '\0';
	assert_null(weft_file_name_problem(longest));
	longest[WEFT_FILE_NAME_MAX] = 'a';
	longest[WEFT_FILE_NAME_MAX + 1] = '\0';
	assert_non_null(weft_file_name_problem(longest));
}

static void test_types(void **state)
{
	(void)state;
	char t[WEFT_FILE_TYPE_MAX + 1];
	weft_file_type_normalize("Image/PNG; charset=x", t);
	assert_string_equal(t, "image/png");
	weft_file_type_normalize(NULL, t);
	assert_string_equal(t, "application/octet-stream");
	weft_file_type_normalize("nonsense", t);
	assert_string_equal(t, "application/octet-stream");
	weft_file_type_normalize("a/b/c", t);
	assert_string_equal(t, "application/octet-stream");
	weft_file_type_normalize("text/<script>", t);
	assert_string_equal(t, "application/octet-stream");

	static const char *const risky[] = { "text/html", "image/svg+xml", "application/javascript", "text/javascript",
					     "application/xhtml+xml", "text/xml", "application/xml", "text/css",
					     "text/markdown", "multipart/x-mixed-replace", "application/wasm" };
	for (size_t i = 0; i < sizeof risky / sizeof risky[0]; i++)
		assert_string_equal(weft_file_served_type(risky[i]), "application/octet-stream");
	static const char *const kept[] = {
		"image/png", "application/pdf", "text/plain", "text/csv", "video/mp4", "application/zip",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	};
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		assert_string_equal(weft_file_served_type(kept[i]), kept[i]);
	assert_true(weft_file_inline("image/png") && weft_file_inline("image/jpeg") && weft_file_inline("image/gif") &&
		    weft_file_inline("image/webp"));
	assert_false(weft_file_inline("image/svg+xml") || weft_file_inline("application/pdf"));
}

static void test_disposition(void **state)
{
	(void)state;
	char d[256];
	assert_int_equal(weft_file_disposition("a b\"c.pdf", false, d, sizeof d), 0);
	assert_string_equal(d, "attachment; filename=\"a b_c.pdf\"; filename*=UTF-8''a%20b%22c.pdf");
	assert_int_equal(weft_file_disposition("é.png", true, d, sizeof d), 0);
	assert_string_equal(d, "inline; filename=\"_.png\"; filename*=UTF-8''%C3%A9.png");
	assert_int_equal(weft_file_disposition("x.txt", false, d, 20), WEFT_EINVAL);
}

static void test_range(void **state)
{
	(void)state;
	int64_t a = -1, b = -1;
	assert_int_equal(weft_file_range(NULL, 100, &a, &b), 1);
	assert_int_equal(weft_file_range("bytes=10-19", 100, &a, &b), 0);
	assert_true(a == 10 && b == 19);
	assert_int_equal(weft_file_range("bytes=90-", 100, &a, &b), 0);
	assert_true(a == 90 && b == 99);
	assert_int_equal(weft_file_range("bytes=50-500", 100, &a, &b), 0);
	assert_true(a == 50 && b == 99);
	assert_int_equal(weft_file_range("bytes=-10", 100, &a, &b), 0);
	assert_true(a == 90 && b == 99);
	assert_int_equal(weft_file_range("bytes=100-", 100, &a, &b), -1);
	assert_int_equal(weft_file_range("bytes=-0", 100, &a, &b), -1);
	assert_int_equal(weft_file_range("bytes=0-1,5-6", 100, &a, &b), 1);
	assert_int_equal(weft_file_range("bytes=5-1", 100, &a, &b), 1);
	assert_int_equal(weft_file_range("items=0-1", 100, &a, &b), 1);
	assert_int_equal(weft_file_range("bytes=x-1", 100, &a, &b), 1);
	assert_int_equal(weft_file_range("bytes=99999999999999999999-", 100, &a, &b), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_disposition),
		cmocka_unit_test(test_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for tz.c: TZif zones from the system's tz database, DST-correct
 * local times, and the "next occurrence" of a weekly standup time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "weft/tz.h"

#define SUN (1u << 0)
#define MON (1u << 1)
#define FRI (1u << 5)
#define SAT (1u << 6)
#define WEEKDAYS 0x3eu

/* ms of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	return (weft_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static struct weft_tz *zone(const char *name)
{
	struct weft_tz *z = NULL;
	assert_int_equal(weft_tz_load(NULL, name, &z), WEFT_OK);
	assert_non_null(z);
	return z;
}

static const char *date_of(int64_t day)
{
	static char buf[WEFT_DATE_BYTES];
	weft_date_format(day, buf);
	return buf;
}

/* 2027-03-14, a Sunday: at 02:00 CST Chicago's clocks jump to 03:00 CDT. */
static void test_chicago_spring_forward(void **state)
{
	(void)state;
	struct weft_tz *z = zone("America/Chicago");
	assert_int_equal(weft_tz_offset(z, utc(2027, 3, 14, 7, 59) / 1000), -6 * 3600);
	assert_int_equal(weft_tz_offset(z, utc(2027, 3, 14, 8, 0) / 1000), -5 * 3600);

	/* 02:30 does not exist that day: it opens once, at 03:30 CDT (08:30Z). */
	struct weft_weekly w = { SUN, 2 * 60 + 30 };
	int64_t day = 0;
	int64_t t = weft_weekly_next(z, &w, utc(2027, 3, 14, 0, 0), &day);
	assert_int_equal(t, utc(2027, 3, 14, 8, 30));
	assert_string_equal(date_of(day), "2027-03-14");
	/* Once: the next one after it is a week later, 02:30 CDT (07:30Z). */
	t = weft_weekly_next(z, &w, t, &day);
	assert_int_equal(t, utc(2027, 3, 21, 7, 30));
	assert_string_equal(date_of(day), "2027-03-21");
	/* The week before, 02:30 CST (08:30Z). */
	assert_int_equal(weft_weekly_next(z, &w, utc(2027, 3, 7, 0, 0), NULL), utc(2027, 3, 7, 8, 30));

	/* 09:00 on the Saturday before is CST, on the Sunday CDT. */
	struct weft_weekly nine = { SAT | SUN, 9 * 60 };
	assert_int_equal(weft_weekly_next(z, &nine, utc(2027, 3, 13, 0, 0), NULL), utc(2027, 3, 13, 15, 0));
	assert_int_equal(weft_weekly_next(z, &nine, utc(2027, 3, 13, 15, 0), NULL), utc(2027, 3, 14, 14, 0));

	/* The last due time at or before a moment, and its local day. */
	assert_int_equal(weft_weekly_prev(z, &w, utc(2027, 3, 14, 8, 45), &day), utc(2027, 3, 14, 8, 30));
	assert_string_equal(date_of(day), "2027-03-14");
	assert_int_equal(weft_weekly_prev(z, &w, utc(2027, 3, 14, 8, 29), &day), utc(2027, 3, 7, 8, 30));
	weft_tz_free(z);
}

/* 2027-11-07, a Sunday: at 02:00 CDT the clocks go back to 01:00 CST. */
static void test_chicago_fall_back(void **state)
{
	(void)state;
	struct weft_tz *z = zone("America/Chicago");
	struct weft_weekly nine = { SUN | SAT, 9 * 60 };
	/* Saturday 09:00 CDT (14:00Z), Sunday 09:00 CST (15:00Z). */
	assert_int_equal(weft_weekly_next(z, &nine, utc(2027, 11, 6, 0, 0), NULL), utc(2027, 11, 6, 14, 0));
	assert_int_equal(weft_weekly_next(z, &nine, utc(2027, 11, 6, 14, 0), NULL), utc(2027, 11, 7, 15, 0));

	/* 01:30 happens twice that night: the first (CDT, 06:30Z), once. */
	struct weft_weekly early = { SUN, 90 };
	int64_t day;
	int64_t t = weft_weekly_next(z, &early, utc(2027, 11, 7, 0, 0), &day);
	assert_int_equal(t, utc(2027, 11, 7, 6, 30));
	assert_string_equal(date_of(day), "2027-11-07");
	t = weft_weekly_next(z, &early, t, &day);
	assert_int_equal(t, utc(2027, 11, 14, 7, 30));
	assert_string_equal(date_of(day), "2027-11-14");
	/* The local day of an instant follows the clock. */
	assert_string_equal(date_of(weft_tz_today(z, utc(2027, 11, 7, 5, 59))), "2027-11-07");
	assert_string_equal(date_of(weft_tz_today(z, utc(2027, 11, 7, 4, 59))), "2027-11-06");
	weft_tz_free(z);
}

/* A zone without DST: 09:00 in Kolkata is 03:30Z all year. */
static void test_kolkata(void **state)
{
	(void)state;
	struct weft_tz *z = zone("Asia/Kolkata");
	assert_int_equal(weft_tz_offset(z, utc(2027, 1, 1, 0, 0) / 1000), 5 * 3600 + 1800);
	assert_int_equal(weft_tz_offset(z, utc(2027, 7, 1, 0, 0) / 1000), 5 * 3600 + 1800);
	struct weft_weekly w = { WEEKDAYS, 9 * 60 };
	/* 2027-03-12 is a Friday: Friday's, then Monday's. */
	int64_t t = weft_weekly_next(z, &w, utc(2027, 3, 12, 0, 0), NULL);
	assert_int_equal(t, utc(2027, 3, 12, 3, 30));
	assert_int_equal(weft_weekly_next(z, &w, t, NULL), utc(2027, 3, 15, 3, 30));
	/* Same in the week of the US changes and far past the table. */
	assert_int_equal(weft_weekly_next(z, &w, utc(2027, 11, 7, 0, 0), NULL), utc(2027, 11, 8, 3, 30));
	assert_int_equal(weft_weekly_next(z, &w, utc(2060, 6, 1, 12, 0), NULL), utc(2060, 6, 2, 3, 30));
	weft_tz_free(z);
}

/* After the last transition of the file, the footer's rule decides. */
static void test_far_future(void **state)
{
	(void)state;
	struct weft_tz *z = zone("America/Chicago");
	assert_int_equal(weft_tz_offset(z, utc(2050, 1, 15, 12, 0) / 1000), -6 * 3600);
	assert_int_equal(weft_tz_offset(z, utc(2050, 7, 15, 12, 0) / 1000), -5 * 3600);
	/* 2050-03-13 is the second Sunday of March. */
	assert_int_equal(weft_tz_offset(z, utc(2050, 3, 13, 7, 59) / 1000), -6 * 3600);
	assert_int_equal(weft_tz_offset(z, utc(2050, 3, 13, 8, 0) / 1000), -5 * 3600);
	weft_tz_free(z);
}

/* A "slim" TZif file: no transitions, only a footer rule. */
static size_t slim(unsigned char *buf, const char *rule, int32_t off)
{
	size_t n = 0;
	for (int v = 0; v < 2; v++) {
		memset(buf + n, 0, 44);
		memcpy(buf + n, "TZif2", 5);
		buf[n + 39] = 1; /* typecnt */
		buf[n + 43] = 4; /* charcnt */
		n += 44;
		uint32_t u = (uint32_t)off;
		buf[n++] = (unsigned char)(u >> 24), buf[n++] = (unsigned char)(u >> 16);
		buf[n++] = (unsigned char)(u >> 8), buf[n++] = (unsigned char)u;
		buf[n++] = 0, buf[n++] = 0;
		memcpy(buf + n, "XXX", 4);
		n += 4;
	}
	buf[n++] = '\n';
	memcpy(buf + n, rule, strlen(rule));
	n += strlen(rule);
	buf[n++] = '\n';
	return n;
}

static void test_footer_rules(void **state)
{
	(void)state;
	unsigned char buf[256];
	struct weft_tz *z;
	/* Sydney: DST from the first Sunday of October to the first of April, at 03:00 DST. */
	size_t n = slim(buf, "AEST-10AEDT,M10.1.0,M4.1.0/3", 36000);
	assert_int_equal(weft_tz_parse(buf, n, &z), WEFT_OK);
	assert_int_equal(weft_tz_offset(z, utc(2030, 1, 10, 0, 0) / 1000), 11 * 3600);
	assert_int_equal(weft_tz_offset(z, utc(2030, 7, 10, 0, 0) / 1000), 10 * 3600);
	assert_int_equal(weft_tz_offset(z, utc(2030, 12, 31, 0, 0) / 1000), 11 * 3600);
	weft_tz_free(z);
	/* Half-hour offsets and quoted names. */
	n = slim(buf, "<+0530>-5:30", 19800);
	assert_int_equal(weft_tz_parse(buf, n, &z), WEFT_OK);
	assert_int_equal(weft_tz_offset(z, utc(2030, 1, 10, 0, 0) / 1000), 19800);
	weft_tz_free(z);
	/* Not TZif at all. */
	assert_int_equal(weft_tz_parse((const unsigned char *)"hello", 5, &z), WEFT_EINVAL);
	memcpy(buf, "TZif2", 5);
	assert_int_equal(weft_tz_parse(buf, 60, &z), WEFT_EINVAL);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(weft_tz_name_valid("America/Chicago"));
	assert_true(weft_tz_name_valid("America/Argentina/Buenos_Aires"));
	assert_true(weft_tz_name_valid("Etc/GMT+5"));
	assert_true(weft_tz_name_valid("UTC"));
	assert_false(weft_tz_name_valid(""));
	assert_false(weft_tz_name_valid("/etc/passwd"));
	assert_false(weft_tz_name_valid("../../etc/passwd"));
	assert_false(weft_tz_name_valid("America/../../etc"));
	assert_false(weft_tz_name_valid("America//Chicago"));
	assert_false(weft_tz_name_valid("America/Chicago/"));
	assert_false(weft_tz_name_valid("Amer ica"));
	struct weft_tz *z = NULL;
	assert_int_equal(weft_tz_load(NULL, "Mars/Olympus_Mons", &z), WEFT_EINVAL);
	assert_int_equal(weft_tz_load(NULL, "../../etc/passwd", &z), WEFT_EINVAL);
	/* A directory is no zone. */
	assert_int_equal(weft_tz_load(NULL, "America", &z), WEFT_EINVAL);
	assert_null(z);
}

static void test_dates(void **state)
{
	(void)state;
	int64_t d;
	assert_int_equal(weft_date_parse("2027-03-14", &d), WEFT_OK);
	assert_int_equal(weft_weekday(d), 0);
	assert_string_equal(date_of(d), "2027-03-14");
	assert_int_equal(weft_date_parse("2028-02-29", &d), WEFT_OK);
	assert_int_equal(weft_date_parse("2027-02-29", &d), WEFT_EINVAL);
	assert_int_equal(weft_date_parse("2027-13-01", &d), WEFT_EINVAL);
	assert_int_equal(weft_date_parse("2027-3-14", &d), WEFT_EINVAL);
	assert_int_equal(weft_date_parse("2027-03-14x", &d), WEFT_EINVAL);
	assert_int_equal(weft_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(weft_weekday(0), 4);
	assert_int_equal(weft_weekday(-1), 3);
	/* An empty week never falls due. */
	struct weft_tz *z = zone("UTC");
	struct weft_weekly none = { 0, 540 };
	assert_int_equal(weft_weekly_next(z, &none, utc(2027, 1, 1, 0, 0), NULL), 0);
	struct weft_weekly fri = { FRI | MON, 0 };
	assert_int_equal(weft_weekly_next(z, &fri, utc(2027, 3, 12, 0, 0), NULL), utc(2027, 3, 15, 0, 0));
	weft_tz_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chicago_spring_forward),
		cmocka_unit_test(test_chicago_fall_back),
		cmocka_unit_test(test_kolkata),
		cmocka_unit_test(test_far_future),
		cmocka_unit_test(test_footer_rules),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

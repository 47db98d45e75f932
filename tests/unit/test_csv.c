/* Unit tests for csv.c (RFC 4180 records) and roster.c (a roster's header
 * and rows checked into accounts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/csv.h"
#include "weft/roster.h"

/* Reads every record of s; each record's fields joined by '|' and records
 * by '\n' into out, an error as "!LINE:" and the record's line numbers
 * into lines. Returns the number of records (errors included). */
static int read_all(const char *s, size_t len, char *out, size_t cap, int *lines)
{
	struct weft_csv c;
	struct weft_csv_record rec = { 0 };
	weft_csv_init(&c, s, len);
	int n = 0, rc;
	out[0] = '\0';
	while ((rc = weft_csv_next(&c, &rec)) != 0) {
		assert_true(rc == 1 || rc == WEFT_EINVAL);
		size_t used = strlen(out);
		if (rc == WEFT_EINVAL) {
			snprintf(out + used, cap - used, "!%d\n", rec.line);
		} else {
			for (int i = 0; i < rec.nfields; i++) {
				used = strlen(out);
				snprintf(out + used, cap - used, "%s%s", i ? "|" : "", rec.field[i]);
			}
			used = strlen(out);
			snprintf(out + used, cap - used, "\n");
		}
		if (lines)
			lines[n] = rec.line;
		n++;
	}
	weft_csv_record_free(&rec);
	return n;
}

#define READ(lit, out) read_all((lit), sizeof(lit) - 1, (out), sizeof(out), NULL)

static void test_plain_and_line_endings(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(READ("a,b,c\n1,2,3\n", out), 2);
	assert_string_equal(out, "a|b|c\n1|2|3\n");
	/* CRLF, a lone CR, no final line break. */
	assert_int_equal(READ("a,b\r\n1,2\r3,4", out), 3);
	assert_string_equal(out, "a|b\n1|2\n3|4\n");
	/* Empty lines are skipped; a trailing comma is an empty last field. */
	assert_int_equal(READ("\n\na,b,\r\n\r\n,\n", out), 2);
	assert_string_equal(out, "a|b|\n|\n");
	assert_int_equal(READ("", out), 0);
	assert_int_equal(READ("\r\n\n", out), 0);
}

static void test_quoted(void **state)
{
	(void)state;
	char out[512];
	int lines[8];
	/* Commas, doubled quotes and line breaks inside quotes. */
	const char s[] = "name,note\n\"Brown, Ana\",\"she said \"\"hi\"\"\"\n\"x\",\"two\nlines\"\n\"\",\"\"\"\"\nlast,\"a\r\nb\"\n";
	assert_int_equal(read_all(s, sizeof s - 1, out, sizeof out, lines), 5);
	assert_string_equal(out, "name|note\nBrown, Ana|she said \"hi\"\nx|two\nlines\n|\"\nlast|a\r\nb\n");
	/* Line numbers count the line breaks inside quoted fields. */
	assert_int_equal(lines[0], 1);
	assert_int_equal(lines[1], 2);
	assert_int_equal(lines[2], 3);
	assert_int_equal(lines[3], 5);
	assert_int_equal(lines[4], 6);
}

static void test_bom_and_lenient_quote(void **state)
{
	(void)state;
	char out[256];
	assert_int_equal(READ("\xEF\xBB\xBFusername\nana\n", out), 2);
	assert_string_equal(out, "username\nana\n");
	/* A quote inside an unquoted field is kept as text. */
	assert_int_equal(READ("5\" screen,b\n", out), 1);
	assert_string_equal(out, "5\" screen|b\n");
	/* A BOM that is not at the start is data. */
	assert_int_equal(READ("a\n\xEF\xBB\xBF" "b\n", out), 2);
	assert_string_equal(out, "a\n\xEF\xBB\xBF" "b\n");
}

static void test_errors_and_recovery(void **state)
{
	(void)state;
	char out[512];
	int lines[8];
	/* Text after a closing quote refuses that record only. */
	const char s1[] = "a,b\n\"x\"y,2\nc,d\n";
	assert_int_equal(read_all(s1, sizeof s1 - 1, out, sizeof out, lines), 3);
	assert_string_equal(out, "a|b\n!2\nc|d\n");
	/* An unclosed quote runs to the end of the file: one refused record. */
	const char s2[] = "a,b\nc,\"open\nd,e\n";
	assert_int_equal(read_all(s2, sizeof s2 - 1, out, sizeof out, lines), 2);
	assert_string_equal(out, "a|b\n!2\n");
	struct weft_csv c;
	struct weft_csv_record rec = { 0 };
	weft_csv_init(&c, s2, sizeof s2 - 1);
	assert_int_equal(weft_csv_next(&c, &rec), 1);
	assert_int_equal(weft_csv_next(&c, &rec), WEFT_EINVAL);
	assert_non_null(strstr(rec.error, "starts on line 2 is not closed"));
	assert_int_equal(weft_csv_next(&c, &rec), 0);
	weft_csv_record_free(&rec);
}

static void test_limits(void **state)
{
	(void)state;
	/* 65 fields: refused; 64: read. */
	char line[256] = "";
	for (int i = 0; i < 65; i++)
		strcat(line, i ? ",x" : "x");
	strcat(line, "\nok\n");
	char out[1024];
	assert_int_equal(read_all(line, strlen(line), out, sizeof out, NULL), 2);
	assert_string_equal(out, "!1\nok\n");
	/* A record over 64 KiB is refused, and the next one still read. */
	size_t big = WEFT_CSV_RECORD_MAX + 10;
	char *s = malloc(big + 8);
	memset(s, 'a', big);
	memcpy(s + big, "\nb\n", 4);
	assert_int_equal(read_all(s, big + 3, out, sizeof out, NULL), 2);
	assert_string_equal(out, "!1\nb\n");
	free(s);
	/* Embedded NUL bytes keep their length. */
	struct weft_csv c;
	struct weft_csv_record rec = { 0 };
	weft_csv_init(&c, "a\0b,c\n", 6);
	assert_int_equal(weft_csv_next(&c, &rec), 1);
	assert_int_equal(rec.len[0], 3);
	assert_int_equal(rec.len[1], 1);
	weft_csv_record_free(&rec);
}

/* ---- Rosters. */

static struct weft_roster roster_of(const char *s)
{
	struct weft_roster r;
	char err[256];
	int rc = weft_roster_read(s, strlen(s), &r, err, sizeof err);
	if (rc)
		fail_msg("roster refused: %s", err);
	return r;
}

static void test_roster_header(void **state)
{
	(void)state;
	/* Any order, any case, spaces around; unknown columns are named. */
	struct weft_roster r = roster_of("\xEF\xBB\xBF Title ,EMAIL,phone,username,Display\r\n"
					 "Analyst,ana@example.org,555,Ana.Brown,\"Brown, Ana\"\r\n");
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.valid, 1);
	assert_string_equal(r.ignored, "phone");
	const struct weft_roster_row *row = &r.rows[0];
	assert_int_equal(row->line, 2);
	assert_string_equal(row->reason, "");
	assert_string_equal(row->field[WEFT_ROSTER_USERNAME], "ana.brown");
	assert_string_equal(row->field[WEFT_ROSTER_DISPLAY], "Brown, Ana");
	assert_string_equal(row->field[WEFT_ROSTER_EMAIL], "ana@example.org");
	assert_string_equal(row->field[WEFT_ROSTER_TITLE], "Analyst");
	assert_string_equal(row->field[WEFT_ROSTER_REGION], "");
	struct weft_profile p;
	weft_roster_profile(row, &p);
	assert_string_equal(p.user.name, "ana.brown");
	assert_string_equal(p.email, "ana@example.org");
	weft_roster_free(&r);

	char err[256];
	struct weft_roster bad;
	assert_int_equal(weft_roster_read("display,email\nAna,a@b.c\n", 24, &bad, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "no username column"));
	assert_int_equal(weft_roster_read("username,display,Username\n", 26, &bad, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "names the column username twice"));
	assert_int_equal(weft_roster_read("", 0, &bad, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(weft_roster_read("\"username\n", 10, &bad, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "line 1"));
}

static void test_roster_rows(void **state)
{
	(void)state;
	char long_display[80];
	memset(long_display, 'd', 65);
	long_display[65] = '\0';
	char csv[2048];
	snprintf(csv, sizeof csv,
		 "username,display,email,jurisdiction\n"
		 "ana,Ana,,King County\n"              /* 2: fine */
		 "-bad,Bad,,\n"                        /* 3: bad name */
		 ",Nobody,,\n"                         /* 4: empty name */
		 "lee,%s,,\n"                          /* 5: display too long */
		 "kai,\"Kai\nKim\",,\n"                /* 6: a line break (the row spans 6-7) */
		 "ANA,Again,,\n"                       /* 8: duplicate of line 2 */
		 "mo,Mo,not-an-email,\n"               /* 9: bad e-mail */
		 "zed,Zed,z@x.org,J,extra\n"           /* 10: too many fields */
		 "ivy\n"                               /* 11: fewer fields: fine */
		 ",,,\n"                               /* 12: blank: skipped */
		 "bo,\"B\"x,,\n"                       /* 13: text after a quote */
		 "uma,\xC3\xA9\xFF,,\n"                /* 14: invalid UTF-8 */
		 "  Jo  ,  Jo  ,,\n",                  /* 15: trimmed */
		 long_display);
	struct weft_roster r = roster_of(csv);
	assert_int_equal(r.nrows, 12);
	struct { int line; const char *reason; } want[] = {
		{ 2, "" },
		{ 3, "must be 1 to 32 characters" },
		{ 4, "username is empty" },
		{ 5, "display is longer than 64 characters" },
		{ 6, "line break" },
		{ 8, "username ana is also on line 2" },
		{ 9, "not an e-mail address" },
		{ 10, "the row has 5 fields and the header 4" },
		{ 11, "" },
		{ 13, "text follows a closing quote" },
		{ 14, "not valid UTF-8" },
		{ 15, "" },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(r.rows[i].line, want[i].line);
		if (!want[i].reason[0])
			assert_string_equal(r.rows[i].reason, "");
		else if (!strstr(r.rows[i].reason, want[i].reason))
			fail_msg("line %d: reason \"%s\", want \"%s\"", want[i].line, r.rows[i].reason, want[i].reason);
	}
	assert_string_equal(r.rows[11].field[WEFT_ROSTER_USERNAME], "jo");
	assert_string_equal(r.rows[11].field[WEFT_ROSTER_DISPLAY], "Jo");
	assert_int_equal(r.valid, 3);
	weft_roster_free(&r);
}

static void test_roster_many(void **state)
{
	(void)state;
	/* 13,000 rows, all distinct: every one valid. */
	size_t cap = 13000 * 40 + 64, used = 0;
	char *s = malloc(cap);
	used += (size_t)snprintf(s, cap, "username,display\n");
	for (int i = 0; i < 13000; i++)
		used += (size_t)snprintf(s + used, cap - used, "user%05d,User %d\n", i, i);
	struct weft_roster r;
	char err[256];
	assert_int_equal(weft_roster_read(s, used, &r, err, sizeof err), 0);
	assert_int_equal(r.nrows, 13000);
	assert_int_equal(r.valid, 13000);
	assert_int_equal(r.rows[12999].line, 13001);
	weft_roster_free(&r);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_line_endings),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_bom_and_lenient_quote),
		cmocka_unit_test(test_errors_and_recovery),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_roster_header),
		cmocka_unit_test(test_roster_rows),
		cmocka_unit_test(test_roster_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for search_query.c: what a typed query becomes. The MATCH
 * expression must be made only of double-quoted FTS5 strings, one per word
 * or phrase, each a prefix; FTS5 syntax in user text is refused or quoted,
 * never passed through. The last test runs every expression the parse
 * accepts through a real FTS5 table, so none of them is an FTS5 syntax
 * error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "weft/search.h"

static struct weft_search_query q;
static const char *err;

static void ok(const char *text, const char *match, const char *from, const char *in)
{
	err = NULL;
	int rc = weft_search_parse(text, &q, &err);
	if (rc)
		fail_msg("\"%s\" refused: %s", text, err);
	assert_string_equal(q.match, match);
	assert_string_equal(q.from, from);
	assert_string_equal(q.in, in);
}

/* Refused, with a message containing words. */
static void bad(const char *text, const char *words)
{
	err = NULL;
	assert_int_equal(weft_search_parse(text, &q, &err), WEFT_EINVAL);
	assert_non_null(err);
	if (!strstr(err, words))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, err, words);
}

static void test_words_are_quoted_prefixes(void **state)
{
	(void)state;
	ok("equit", "\"equit\"*", "", "");
	ok("  budget   equit  ", "\"budget\"* \"equit\"*", "", "");
	ok("Équité", "\"Équité\"*", "", "");
	/* Operators are words like any other. */
	ok("budget OR NOT equity NEAR", "\"budget\"* \"OR\"* \"NOT\"* \"equity\"* \"NEAR\"*", "", "");
	/* Punctuation inside a word stays inside its string: FTS5 reads it as a
	 * phrase of the word's parts. */
	ok("budget-equity don't e.g.", "\"budget-equity\"* \"don't\"* \"e.g.\"*", "", "");
	/* A colon that starts no filter (a time) is text. */
	ok("10:30", "\"10:30\"*", "", "");
	ok("-equity +budget", "\"-equity\"* \"+budget\"*", "", "");
}

static void test_phrases(void **state)
{
	(void)state;
	ok("\"racial equity\"", "\"racial equity\"*", "", "");
	ok("tool \"budget equity\" lens", "\"tool\"* \"budget equity\"* \"lens\"*", "", "");
	/* Anything goes inside quotes, FTS5 syntax included. */
	ok("\"a*b (c) ^d from:x\"", "\"a*b (c) ^d from:x\"*", "", "");
	ok("\"https://example.org/x\"", "\"https://example.org/x\"*", "", "");
	/* A quote ends a word. */
	ok("abc\"def ghi\"", "\"abc\"* \"def ghi\"*", "", "");
	/* Empty and punctuation-only phrases and words are dropped. */
	ok("\"\" equity \"...\" - … —", "\"equity\"*", "", "");
}

static void test_filters(void **state)
{
	(void)state;
	ok("from:ana equity", "\"equity\"*", "ana", "");
	ok("equity FROM:@Ana in:#Lobby", "\"equity\"*", "ana", "lobby");
	ok("in:budget-team rubric", "\"rubric\"*", "", "budget-team");
	bad("from:ana from:bo equity", "only one from:");
	bad("in:a in:b equity", "only one in:");
	bad("from: equity", "from: must be followed");
	bad("from:@ equity", "from: must be followed");
	bad("from:a$b equity", "from: must be followed");
	bad("in:Not_A_Channel! x", "in: must be followed");
	bad("to:ana equity", "unknown filter");
	bad("body:equity", "unknown filter");
}

static void test_refusals(void **state)
{
	(void)state;
	bad("\"racial equity", "quote is not closed");
	bad("a \"b\" \"c", "quote is not closed");
	bad("equit*", "cannot hold");
	bad("^equity", "cannot hold");
	bad("(a OR b)", "cannot hold");
	bad("{body}", "cannot hold");
	bad("", "at least one word");
	bad("   ", "at least one word");
	bad("from:ana", "besides from: and in:");
	bad("in:lobby \"\"", "besides from: and in:");
	bad("- ... —", "at least one word");
	char many[256] = "";
	for (int i = 0; i < 17; i++)
		strcat(many, "w ");
	bad(many, "at most 16");
	many[2 * 16] = '\0';
	ok(many, "\"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"* \"w\"*",
	   "", "");
}

/* Every expression the parse builds is one FTS5 accepts, and no text of
 * the user's changes its shape: the number of quotes is twice the terms. */
static void test_matches_run_in_fts5(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(body,"
					  " tokenize='unicode61 remove_diacritics 2');"
					  "INSERT INTO t VALUES('Budget-equity rubric, don''t'), ('Équité pour tous');",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?", -1, &s, NULL), SQLITE_OK);
	static const struct {
		const char *q;
		int hits;
	} cases[] = {
		{ "equit", 2 }, { "EQUITE", 1 }, { "budget-equ", 1 }, { "\"budget equ\"", 1 },
		{ "don't", 1 }, { "OR", 0 }, { "NOT equity", 0 }, { "NEAR", 0 }, { "rubric equit", 1 },
		{ "\"a*b (c) ^d col:x\"", 0 }, { "' ; -- DROP", 0 },
		{ "pour tou", 1 }, { "\"tous pour\"", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err = NULL;
		int rc = weft_search_parse(cases[i].q, &q, &err);
		if (rc)
			fail_msg("\"%s\" refused: %s", cases[i].q, err);
		int quotes = 0;
		for (const char *p = q.match; *p; p++)
			quotes += *p == '"';
		assert_int_equal(quotes, 2 * q.nterms);
		sqlite3_bind_text(s, 1, q.match, -1, SQLITE_STATIC);
		int step = sqlite3_step(s);
		if (step != SQLITE_ROW)
			fail_msg("\"%s\" -> %s: %s", cases[i].q, q.match, sqlite3_errmsg(db));
		if (sqlite3_column_int(s, 0) != cases[i].hits)
			fail_msg("\"%s\" -> %s: %d hits, not %d", cases[i].q, q.match, sqlite3_column_int(s, 0),
				 cases[i].hits);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_are_quoted_prefixes),
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_matches_run_in_fts5),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Message search: the query a user types, parsed into what the store runs.
 * Pure: no I/O, no globals; any thread. The parse is the one place where
 * user text becomes an FTS5 MATCH expression: every word and phrase goes in
 * as one double-quoted FTS5 string (which cannot hold a quote: a quote
 * always starts or ends a phrase here), so no user text is ever read as
 * FTS5 syntax, and the expression is bound as a parameter, never pasted
 * into SQL. */
#ifndef WEFT_SEARCH_H
#define WEFT_SEARCH_H

#include "weft/model.h"

#define WEFT_SEARCH_Q_MAX 256           /* characters of a search query (limits.max_search_query) */
#define WEFT_SEARCH_TERMS_MAX 16        /* words and phrases of one query */
#define WEFT_SEARCH_LIMIT_MAX 50        /* results of one page (limits.max_search) */
#define WEFT_SEARCH_LIMIT_DEFAULT 20
/* The MATCH expression: each of the query's bytes at most once, plus three
 * bytes ("", *) and a space per term. */
#define WEFT_SEARCH_MATCH_BYTES (WEFT_SEARCH_Q_MAX * 4 + WEFT_SEARCH_TERMS_MAX * 4 + 1)

struct weft_search_query {
	char match[WEFT_SEARCH_MATCH_BYTES];    /* FTS5 MATCH: "w1"* "w2"* "a phrase"* (all must match) */
	int nterms;
	char from[WEFT_USERNAME_MAX + 1];       /* from:NAME, "" when none (lower-cased) */
	char in[WEFT_CHANNEL_NAME_MAX + 1];     /* in:NAME, "" when none (lower-cased) */
};

/* How the store marks a match in a snippet: bytes that never occur in
 * UTF-8, so a body's own "[[" or "]]" is never taken for one. The encoder
 * writes the contract's "[[…]]" form and, unambiguous, the parts between
 * the marks (proto_encode.c). */
#define WEFT_SNIPPET_OPEN "\xff"
#define WEFT_SNIPPET_CLOSE "\xfe"

/* One search result (server/store/search.c reads them, proto_encode.c
 * writes them). */
struct weft_search_hit {
	struct weft_message msg;
	char *snippet;          /* owned: the body, or an excerpt of a long one, matches between
				 * WEFT_SNIPPET_OPEN and WEFT_SNIPPET_CLOSE */
	char channel_name[WEFT_CHANNEL_NAME_MAX + 1];
	int channel_kind;
};

/* Parses q (valid UTF-8, at most WEFT_SEARCH_Q_MAX characters, as the
 * protocol parse checked) into *out:
 *   - words separated by white space; each must match as a prefix of a
 *     word of the message, case- and accent-insensitively;
 *   - "a phrase" in double quotes: its words in that order, the last as a
 *     prefix; a quote that is never closed is an error;
 *   - from:NAME (or from:@NAME) and in:NAME (or in:#NAME), at most one of
 *     each, outside quotes;
 *   - outside quotes the FTS5 operators * ^ ( ) { } and a colon in any
 *     other word are refused (the message says to quote them), and so is a
 *     query with no word left to search for (only filters, or only
 *     punctuation), or with more than WEFT_SEARCH_TERMS_MAX terms.
 * Returns 0, or WEFT_EINVAL with *err set to a static English message
 * (out is then unspecified). */
int weft_search_parse(const char *q, struct weft_search_query *out, const char **err);

#endif

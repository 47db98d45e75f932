/* The search query parse (weft/search.h): what a user types, turned into an
 * FTS5 MATCH expression built only of double-quoted strings, and the
 * from:/in: filters beside it. Pure; any thread. */
#include "weft/search.h"

#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Decodes the code point at s[*i] (valid UTF-8, as the protocol parse
 * checked; a stray byte is taken as itself) and moves *i past it. */
static unsigned next_cp(const unsigned char *s, size_t n, size_t *i)
{
	unsigned c = s[(*i)++];
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (more)
		c &= 0x3fu >> more;
	while (more-- > 0 && *i < n)
		c = (c << 6) | (s[(*i)++] & 0x3fu);
	return c;
}

/* Non-ASCII code points that unicode61 takes for separators and that
 * people type: Latin-1 punctuation and symbols (less the letters and
 * digits among them), general punctuation, CJK punctuation, the
 * replacement character. Others count as word characters: at worst a word
 * of only rare symbols finds nothing, FTS5 ignores the empty phrase. */
static bool separator_cp(unsigned c)
{
	if (c >= 0x80 && c <= 0xbf)
		return c != 0xaa && c != 0xb2 && c != 0xb3 && c != 0xb5 && c != 0xb9 && c != 0xba &&
		       !(c >= 0xbc && c <= 0xbe);
	return c == 0xd7 || c == 0xf7 || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) ||
	       c == 0xfeff || c == 0xfffd;
}

/* Does s[0..n) hold a character FTS5 would index (a letter or digit)? */
static bool has_word_char(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = next_cp(u, n, &i);
		if (c < 0x80 ? (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') : !separator_cp(c))
			return true;
	}
	return false;
}

/* Appends one term: s[0..n) (no quote in it) as an FTS5 string, a prefix. */
static int add_term(struct weft_search_query *out, size_t *len, const char *s, size_t n, const char **err)
{
	if (!has_word_char(s, n))
		return WEFT_OK; /* punctuation alone: nothing to look for */
	if (out->nterms == WEFT_SEARCH_TERMS_MAX) {
		_Static_assert(WEFT_SEARCH_TERMS_MAX == 16, "the message names the limit");
		*err = "a search may have at most 16 words and phrases";
		return WEFT_EINVAL;
	}
	if (*len + n + 5 > sizeof out->match) {
		*err = "the search is too long";
		return WEFT_EINVAL;
	}
	char *p = out->match + *len;
	if (out->nterms)
		*p++ = ' ';
	*p++ = '"';
	memcpy(p, s, n);
	p += n;
	*p++ = '"';
	*p++ = '*';
	*p = '\0';
	*len = (size_t)(p - out->match);
	out->nterms++;
	return WEFT_OK;
}

/* A filter's value into dst (lower-cased), after an optional sigil. */
static bool filter_value(const char *s, size_t n, char sigil, char *dst, size_t cap)
{
	if (n && *s == sigil) {
		s++;
		n--;
	}
	if (!n || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	dst[n] = '\0';
	return true;
}

/* Is word[0..n) key: (any case) followed by a value? */
static bool has_key(const char *word, size_t n, const char *key)
{
	size_t k = strlen(key);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if ((word[i] | 0x20) != key[i])
			return false;
	return true;
}

/* One word outside quotes: a filter, or a term. */
static int add_word(struct weft_search_query *out, size_t *len, const char *w, size_t n, const char **err)
{
	if (has_key(w, n, "from:")) {
		if (out->from[0]) {
			*err = "a search may have only one from: filter";
			return WEFT_EINVAL;
		}
		if (!filter_value(w + 5, n - 5, '@', out->from, sizeof out->from) || !weft_username_valid(out->from)) {
			*err = "from: must be followed by a user name, as in from:ana";
			return WEFT_EINVAL;
		}
		return WEFT_OK;
	}
	if (has_key(w, n, "in:")) {
		if (out->in[0]) {
			*err = "a search may have only one in: filter";
			return WEFT_EINVAL;
		}
		if (!filter_value(w + 3, n - 3, '#', out->in, sizeof out->in) ||
		    !weft_channel_name_valid(out->in, WEFT_CHANNEL_NAME_MAX)) {
			*err = "in: must be followed by a channel name, as in in:lobby";
			return WEFT_EINVAL;
		}
		return WEFT_OK;
	}
	if (strcspn(w, "*^(){}") < n) {
		*err = "search words cannot hold * ^ ( ) { }: every word already matches as a prefix;"
		       " put other text in \"quotes\"";
		return WEFT_EINVAL;
	}
	/* letters: at the start reads as a filter (FTS5's column filter too). */
	size_t k = 0;
	while (k < n && ((w[k] | 0x20) >= 'a' && (w[k] | 0x20) <= 'z'))
		k++;
	if (k && k < n && w[k] == ':') {
		*err = "unknown filter: use from:name or in:channel, or put the text in \"quotes\"";
		return WEFT_EINVAL;
	}
	return add_term(out, len, w, n, err);
}

int weft_search_parse(const char *q, struct weft_search_query *out, const char **err)
{
	memset(out, 0, sizeof *out);
	size_t len = 0;
	const char *p = q;
	while (*p) {
		if (is_space(*p)) {
			p++;
			continue;
		}
		int rc;
		if (*p == '"') {
			const char *end = strchr(p + 1, '"');
			if (!end) {
				*err = "a quote is not closed: phrases go between two \"";
				return WEFT_EINVAL;
			}
			rc = add_term(out, &len, p + 1, (size_t)(end - p - 1), err);
			p = end + 1;
		} else {
			size_t n = 0;
			while (p[n] && !is_space(p[n]) && p[n] != '"')
				n++;
			/* add_word's strcspn must not look past the word. */
			char word[WEFT_SEARCH_Q_MAX * 4 + 1];
			if (n >= sizeof word) {
				*err = "the search is too long";
				return WEFT_EINVAL;
			}
			memcpy(word, p, n);
			word[n] = '\0';
			rc = add_word(out, &len, word, n, err);
			p += n;
		}
		if (rc)
			return rc;
	}
	if (!out->nterms) {
		*err = out->from[0] || out->in[0] ? "give at least one word to search for besides from: and in:"
						   : "give at least one word to search for";
		return WEFT_EINVAL;
	}
	return WEFT_OK;
}

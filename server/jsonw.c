/* The direct JSON writer. Output is byte for byte what cJSON_PrintUnformatted
 * prints for the same values, so switching a frame to it changes no wire
 * bytes; the one exception is integers of 10^15 and more, which cJSON printed
 * with 15 significant digits ("9.00719925474099e+15") and this prints
 * exactly. */
#include "weft/jsonw.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A frame's length is a uint32_t. */
#define JSONW_MAX_DEFAULT ((size_t)UINT32_MAX - 1)

/* 0: copied as is; otherwise the character after the backslash ('u': \u00xx). */
static const unsigned char esc[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	['"'] = '"',
	['\\'] = '\\',
};

static const char hex[] = "0123456789abcdef";

static const char digits2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

void weft_jsonw_init(struct weft_jsonw *w, size_t head, size_t hint, size_t max)
{
	memset(w, 0, sizeof *w);
	w->head = head;
	w->cap = hint; /* nothing allocated yet: the first reserve allocates this much */
	w->max = max && max < JSONW_MAX_DEFAULT ? max : JSONW_MAX_DEFAULT;
}

static bool fail(struct weft_jsonw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	w->failed = true;
	return false;
}

bool weft_jsonw_grow(struct weft_jsonw *w, size_t k)
{
	if (w->failed)
		return false;
	if (k > w->max || w->len > w->max - k)
		return fail(w);
	size_t need = w->len + k + 1; /* + the NUL finish writes */
	if (w->buf && w->cap >= need)
		return true;
	size_t ncap = w->buf ? w->cap * 2 : w->cap;
	if (ncap < need)
		ncap = need;
	if (ncap < 64)
		ncap = 64;
	if (ncap > w->max + 1)
		ncap = w->max + 1;
	char *p = realloc(w->buf, w->head + ncap);
	if (!p)
		return fail(w);
	w->buf = p;
	w->cap = ncap;
	return true;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Non-zero when one of the 8 bytes of v needs an escape: below 0x20, '"'
 * or '\\' (the classic "has a byte less than n" and "has a zero byte"
 * tests; exact as to whether, which is all the scan asks). */
static inline uint64_t escape8(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
	return ((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((b - ONES) & ~b);
}

/* A quoted, escaped string; no separator. */
static void put_string(struct weft_jsonw *w, const unsigned char *s, size_t n)
{
	/* Reserved for the common case, nothing to escape; each escape below
	 * first reserves its extra bytes. */
	if (!weft_jsonw_reserve(w, n + 2))
		return;
	char *b = w->buf + w->head;
	size_t len = w->len, i = 0;
	b[len++] = '"';
	for (;;) {
		/* Eight bytes at a time to the first one to escape (text is
		 * mostly plain), then byte by byte within the word. */
		size_t run = i;
		uint64_t v;
		while (run + 8 <= n && (memcpy(&v, s + run, 8), !(escape8(v) & HIGHS)))
			run += 8;
		while (run < n && !esc[s[run]])
			run++;
		memcpy(b + len, s + i, run - i);
		len += run - i;
		if (run == n)
			break;
		/* This escape (2 or 6 bytes), then the rest and the closing quote. */
		unsigned char c = s[run], e = esc[c];
		w->len = len;
		if (!weft_jsonw_reserve(w, (e == 'u' ? 6 : 2) + (n - run - 1) + 1))
			return;
		b = w->buf + w->head;
		b[len++] = '\\';
		b[len++] = (char)e;
		if (e == 'u') {
			b[len++] = '0';
			b[len++] = '0';
			b[len++] = hex[c >> 4];
			b[len++] = hex[c & 15];
		}
		i = run + 1;
	}
	b[len++] = '"';
	w->len = len;
}

size_t weft_jsonw_string_size(const char *str)
{
	if (!str)
		return 4; /* null */
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 2;
	for (; *s; s++)
		n += esc[*s] ? (esc[*s] == 'u' ? 6 : 2) : 1;
	return n;
}

static void open_with(struct weft_jsonw *w, const char *bracket)
{
	weft_jsonw_sep(w);
	weft_jsonw_raw(w, bracket, 1);
	w->comma = false;
	w->depth++;
}

static void close_with(struct weft_jsonw *w, const char *bracket)
{
	assert(w->depth > 0);
	weft_jsonw_raw(w, bracket, 1);
	w->comma = true;
	w->depth--;
}

void weft_jsonw_object_open(struct weft_jsonw *w) { open_with(w, "{"); }
void weft_jsonw_object_close(struct weft_jsonw *w) { close_with(w, "}"); }
void weft_jsonw_array_open(struct weft_jsonw *w) { open_with(w, "["); }
void weft_jsonw_array_close(struct weft_jsonw *w) { close_with(w, "]"); }

void weft_jsonw_key(struct weft_jsonw *w, const char *key)
{
	assert(w->depth > 0);
	weft_jsonw_sep(w);
	put_string(w, (const unsigned char *)key, strlen(key));
	weft_jsonw_raw(w, ":", 1);
	w->comma = false;
}

void weft_jsonw_string_len(struct weft_jsonw *w, const char *s, size_t n)
{
	weft_jsonw_sep(w);
	put_string(w, (const unsigned char *)s, n);
	w->comma = true;
}

void weft_jsonw_string(struct weft_jsonw *w, const char *s)
{
	if (!s)
		weft_jsonw_null(w);
	else
		weft_jsonw_string_len(w, s, strlen(s));
}

void weft_jsonw_int(struct weft_jsonw *w, int64_t v)
{
	char tmp[20]; /* "-9223372036854775808" */
	char *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	while (u >= 100) {
		size_t d = (size_t)(u % 100) * 2;
		u /= 100;
		*--p = digits2[d + 1];
		*--p = digits2[d];
	}
	if (u >= 10) {
		*--p = digits2[u * 2 + 1];
		*--p = digits2[u * 2];
	} else {
		*--p = (char)('0' + u);
	}
	if (v < 0)
		*--p = '-';
	weft_jsonw_value_raw(w, p, (size_t)(tmp + sizeof tmp - p));
}

char *weft_jsonw_finish(struct weft_jsonw *w, size_t *len)
{
	assert(w->failed || w->depth == 0);
	weft_jsonw_reserve(w, 0);
	if (w->failed) {
		weft_jsonw_free(w);
		return NULL;
	}
	char *buf = w->buf;
	buf[w->head + w->len] = '\0';
	*len = w->len;
	w->buf = NULL;
	weft_jsonw_free(w);
	return buf;
}

void weft_jsonw_free(struct weft_jsonw *w)
{
	free(w->buf);
	size_t head = w->head, max = w->max;
	memset(w, 0, sizeof *w);
	w->head = head;
	w->max = max;
}

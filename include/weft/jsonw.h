/* A direct JSON writer: appends a document to one growable buffer, with the
 * commas placed automatically. It replaces a cJSON tree plus
 * cJSON_PrintUnformatted on the hot frames (event, history, ack), where the
 * tree cost ~25 allocations per message and every number went through
 * printf and sscanf.
 *
 * The caller writes a well-formed sequence (a key before each value inside
 * an object, opens matched by closes); assert() checks only the nesting
 * depth. A failed allocation, or output past the cap, sets a sticky error:
 * later calls do nothing and weft_jsonw_finish returns NULL. Pure; any
 * thread; one writer per thread at a time. The small calls are inline, so
 * an encoder pays no call for a key or a null. */
#ifndef WEFT_JSONW_H
#define WEFT_JSONW_H

#include <string.h>

#include "weft/common.h"

struct weft_jsonw {
	char *buf;              /* owned: head reserved bytes, then the output */
	size_t head;            /* bytes reserved in front of the output */
	size_t len;             /* output bytes so far */
	size_t cap;             /* bytes allocated after head (one kept for the NUL) */
	size_t max;             /* output past this many bytes fails */
	int depth;              /* open objects and arrays */
	bool comma;             /* the next key or array element needs a comma */
	bool failed;
};

/* Starts an empty document. head bytes are reserved in front of the output
 * (left uninitialized) so the block can become a frame without a copy;
 * hint is the expected output size (it only saves reallocations); max caps
 * the output (0: no cap below 4 GiB, a frame's length limit). Allocates
 * lazily; never fails by itself. */
void weft_jsonw_init(struct weft_jsonw *w, size_t head, size_t hint, size_t max);

/* Makes room for k more output bytes (and the NUL); false once failed.
 * The slow path of weft_jsonw_reserve. */
bool weft_jsonw_grow(struct weft_jsonw *w, size_t k);

static inline bool weft_jsonw_reserve(struct weft_jsonw *w, size_t k)
{
	return (w->buf && w->cap - w->len > k) || weft_jsonw_grow(w, k);
}

/* Appends n bytes as they are: JSON text the caller vouches for (a key
 * with its quotes and colon, a value formatted elsewhere). No comma. */
static inline void weft_jsonw_raw(struct weft_jsonw *w, const char *s, size_t n)
{
	if (!weft_jsonw_reserve(w, n))
		return;
	memcpy(w->buf + w->head + w->len, s, n);
	w->len += n;
}

/* The comma before a key or an array element, when one is due. */
static inline void weft_jsonw_sep(struct weft_jsonw *w)
{
	if (w->comma && weft_jsonw_reserve(w, 1))
		w->buf[w->head + w->len++] = ',';
}

void weft_jsonw_object_open(struct weft_jsonw *w);
void weft_jsonw_object_close(struct weft_jsonw *w);
void weft_jsonw_array_open(struct weft_jsonw *w);
void weft_jsonw_array_close(struct weft_jsonw *w);

/* An object member's key (escaped like a string). */
void weft_jsonw_key(struct weft_jsonw *w, const char *key);

/* A key that is a string literal with nothing to escape, copied whole
 * (quotes and colon included) without a scan. */
#define WEFT_JSONW_KEY(w, lit) weft_jsonw_key_raw((w), "\"" lit "\":", sizeof("\"" lit "\":") - 1)
static inline void weft_jsonw_key_raw(struct weft_jsonw *w, const char *quoted, size_t n)
{
	weft_jsonw_sep(w);
	weft_jsonw_raw(w, quoted, n);
	w->comma = false;
}

/* Values. A string is escaped exactly as cJSON prints it: '"', '\\' and the
 * control characters below 0x20 (as \b \f \n \r \t or \u00xx, lower-case
 * hex); every other byte, UTF-8 included, is copied unchanged, so the
 * caller passes valid UTF-8. s is borrowed; NULL writes null. */
void weft_jsonw_string(struct weft_jsonw *w, const char *s);
void weft_jsonw_string_len(struct weft_jsonw *w, const char *s, size_t n);
/* The bytes weft_jsonw_string writes for s (quotes and escapes included;
 * NULL: 4, null), without writing them. Any thread. */
size_t weft_jsonw_string_size(const char *s);
/* The exact decimal integer (no printf, no double). */
void weft_jsonw_int(struct weft_jsonw *w, int64_t v);

/* A value already in JSON form (a number, a string with its quotes and
 * nothing to escape), after the comma when one is due. */
static inline void weft_jsonw_value_raw(struct weft_jsonw *w, const char *s, size_t n)
{
	weft_jsonw_sep(w);
	weft_jsonw_raw(w, s, n);
	w->comma = true;
}

static inline void weft_jsonw_bool(struct weft_jsonw *w, bool v)
{
	if (v)
		weft_jsonw_value_raw(w, "true", 4);
	else
		weft_jsonw_value_raw(w, "false", 5);
}

static inline void weft_jsonw_null(struct weft_jsonw *w)
{
	weft_jsonw_value_raw(w, "null", 4);
}

/* True once an allocation failed or the output passed the cap. */
static inline bool weft_jsonw_failed(const struct weft_jsonw *w) { return w->failed; }

/* Ends the document. On success returns the buffer (caller owns; free()):
 * head reserved bytes, then *len bytes of output, then a NUL. On failure
 * (see above) frees everything and returns NULL. Either way w is left
 * empty. */
char *weft_jsonw_finish(struct weft_jsonw *w, size_t *len);

/* Drops the document and its buffer (an abandoned encode). */
void weft_jsonw_free(struct weft_jsonw *w);

#endif

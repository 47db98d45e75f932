/* RFC 4180 CSV reader (csv.h). Pure; any thread. Lenient where a roster
 * exported by a spreadsheet or an HR system is, strict where data would
 * be lost: a quote inside an unquoted field is kept as text, a record may
 * end with CRLF, LF or a lone CR, empty lines are skipped; an unclosed
 * quote, text after a closing quote, too many fields or too long a record
 * refuse the record (with its line), and reading goes on after it. */
#include "weft/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void weft_csv_init(struct weft_csv *c, const char *buf, size_t len)
{
	c->p = buf;
	c->end = buf + len;
	c->line = 1;
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		c->p += 3;
}

void weft_csv_record_free(struct weft_csv_record *rec)
{
	free(rec->buf);
	rec->buf = NULL;
	rec->cap = 0;
}

/* A record being read: the bytes of its fields so far, and whether it is
 * refused (the first reason wins). */
struct rd {
	struct weft_csv *c;
	struct weft_csv_record *rec;
	size_t n;
	size_t start[WEFT_CSV_FIELDS_MAX];
	bool bad, nomem;
};

static void refuse(struct rd *r, const char *why)
{
	if (!r->bad)
		snprintf(r->rec->error, sizeof r->rec->error, "%s", why);
	r->bad = true;
}

static void put(struct rd *r, char ch)
{
	struct weft_csv_record *rec = r->rec;
	if (r->bad || r->nomem)
		return;
	if (r->n >= WEFT_CSV_RECORD_MAX) {
		refuse(r, "the record is longer than 64 KiB");
		return;
	}
	if (r->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 256;
		char *b = realloc(rec->buf, cap);
		if (!b) {
			r->nomem = true;
			return;
		}
		rec->buf = b;
		rec->cap = cap;
	}
	rec->buf[r->n++] = ch;
}

static bool at(const struct weft_csv *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

/* Consumes a line break at c->p, if any (CRLF, LF or CR). */
static bool eat_eol(struct weft_csv *c)
{
	if (at(c, '\r')) {
		c->p++;
		if (at(c, '\n'))
			c->p++;
	} else if (at(c, '\n')) {
		c->p++;
	} else {
		return false;
	}
	c->line++;
	return true;
}

/* Unquoted text up to the next comma or line break. */
static void read_plain(struct rd *r)
{
	struct weft_csv *c = r->c;
	while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
		put(r, *c->p++);
}

/* A quoted field, c->p just past its opening quote. */
static void read_quoted(struct rd *r)
{
	struct weft_csv *c = r->c;
	int from = c->line;
	for (;;) {
		if (c->p >= c->end) {
			char why[96];
			snprintf(why, sizeof why, "the quoted field that starts on line %d is not closed", from);
			refuse(r, why);
			return;
		}
		char ch = *c->p++;
		if (ch == '"') {
			if (!at(c, '"'))
				break;
			c->p++;
		} else if (ch == '\n' || (ch == '\r' && !at(c, '\n'))) {
			c->line++;
		}
		put(r, ch);
	}
	if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
		refuse(r, "text follows a closing quote (a quote inside a quoted field is written \"\")");
		read_plain(r);
	}
}

int weft_csv_next(struct weft_csv *c, struct weft_csv_record *rec)
{
	while (eat_eol(c))
		;
	if (c->p >= c->end)
		return 0;
	struct rd r = { .c = c, .rec = rec };
	rec->line = c->line;
	rec->nfields = 0;
	rec->error[0] = '\0';
	int nf = 0;
	for (;;) {
		size_t start = r.n;
		if (at(c, '"')) {
			c->p++;
			read_quoted(&r);
		} else {
			read_plain(&r);
		}
		put(&r, '\0');
		if (nf == WEFT_CSV_FIELDS_MAX)
			refuse(&r, "the record has more than 64 fields");
		else
			r.start[nf++] = start;
		if (!at(c, ','))
			break;
		c->p++;
	}
	eat_eol(c);
	if (r.nomem)
		return WEFT_ENOMEM;
	if (r.bad)
		return WEFT_EINVAL;
	for (int i = 0; i < nf; i++) {
		rec->field[i] = rec->buf + r.start[i];
		size_t next = i + 1 < nf ? r.start[i + 1] : r.n;
		rec->len[i] = next - r.start[i] - 1;
	}
	rec->nfields = nf;
	return 1;
}

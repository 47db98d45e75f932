/* Rosters (roster.h): a CSV file's header mapped to our columns, each row
 * checked against the same limits as `weftd user add` and admin.user.create.
 * Pure; any thread. */
#include "weft/roster.h"

#include "weft/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const weft_roster_col_names[WEFT_ROSTER_COLS] = {
	"username", "display", "email", "jurisdiction", "region", "title",
};

/* Most characters each column takes (the user name and e-mail: bytes). */
static const int col_max[WEFT_ROSTER_COLS] = {
	WEFT_USERNAME_MAX, WEFT_DISPLAY_MAX, WEFT_EMAIL_MAX, WEFT_PROFILE_MAX, WEFT_PROFILE_MAX, WEFT_PROFILE_MAX,
};

static bool space(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..*len) without the spaces and tabs around it. */
static const char *trim(const char *s, size_t *len)
{
	while (*len && space(*s)) {
		s++;
		(*len)--;
	}
	while (*len && space(s[*len - 1]))
		(*len)--;
	return s;
}

/* Which of our columns each field of the header is (-1: not ours). */
static int map_header(const struct weft_csv_record *h, int col_of[WEFT_CSV_FIELDS_MAX], struct weft_roster *out,
		      char *err, size_t errlen)
{
	bool seen[WEFT_ROSTER_COLS] = { false };
	for (int i = 0; i < h->nfields; i++) {
		size_t n = h->len[i];
		const char *name = trim(h->field[i], &n);
		col_of[i] = -1;
		for (int c = 0; c < WEFT_ROSTER_COLS; c++)
			if (n == strlen(weft_roster_col_names[c]) && !strncasecmp(name, weft_roster_col_names[c], n))
				col_of[i] = c;
		if (col_of[i] < 0) {
			size_t used = strlen(out->ignored);
			if (n && used + n + 3 < sizeof out->ignored)
				snprintf(out->ignored + used, sizeof out->ignored - used, "%s%.*s", used ? ", " : "",
					 (int)n, name);
			continue;
		}
		if (seen[col_of[i]]) {
			snprintf(err, errlen, "line %d: the header names the column %s twice", h->line,
				 weft_roster_col_names[col_of[i]]);
			return WEFT_EINVAL;
		}
		seen[col_of[i]] = true;
	}
	if (!seen[WEFT_ROSTER_USERNAME]) {
		snprintf(err, errlen, "line %d: the header has no username column (the first row names the columns: "
			 "username,display,email,jurisdiction,region,title)", h->line);
		return WEFT_EINVAL;
	}
	return WEFT_OK;
}

static bool email_valid(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (; *s; s++)
		if (space(*s) || *s == ',' || *s == '<' || *s == '>')
			return false;
	return true;
}

/* Checks one value of column c (trimmed, NUL-terminated); a reason into
 * why when it is refused. */
static bool check_value(int c, char *v, size_t n, char *why, size_t cap)
{
	const char *name = weft_roster_col_names[c];
	if (memchr(v, '\0', n)) {
		snprintf(why, cap, "%s contains a NUL byte", name);
		return false;
	}
	long chars = weft_utf8_len(v, n);
	if (chars < 0) {
		snprintf(why, cap, "%s is not valid UTF-8 (save the file as UTF-8)", name);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(why, cap, "%s contains a line break or another control character", name);
			return false;
		}
	if (c == WEFT_ROSTER_USERNAME) {
		for (size_t i = 0; i < n; i++)
			if (v[i] >= 'A' && v[i] <= 'Z')
				v[i] = (char)(v[i] - 'A' + 'a');
		if (!n) {
			snprintf(why, cap, "username is empty");
			return false;
		}
		if (!weft_username_valid(v)) {
			snprintf(why, cap, "username \"%.40s\" must be 1 to %d characters of a-z, 0-9, '.', '_' and '-', "
				 "starting with a letter or digit", v, WEFT_USERNAME_MAX);
			return false;
		}
		return true;
	}
	if ((c == WEFT_ROSTER_EMAIL ? (long)n : chars) > col_max[c]) {
		snprintf(why, cap, "%s is longer than %d %s", name, col_max[c],
			 c == WEFT_ROSTER_EMAIL ? "bytes" : "characters");
		return false;
	}
	if (c == WEFT_ROSTER_EMAIL && n && !email_valid(v)) {
		snprintf(why, cap, "email \"%.60s\" is not an e-mail address", v);
		return false;
	}
	return true;
}

/* The row of record rec under the header's mapping. */
static int make_row(const struct weft_csv_record *rec, const int *col_of, int ncols, struct weft_roster_row *row)
{
	size_t total = WEFT_ROSTER_COLS;
	for (int i = 0; i < rec->nfields && i < ncols; i++)
		if (col_of[i] >= 0)
			total += rec->len[i];
	if (!(row->buf = malloc(total)))
		return WEFT_ENOMEM;
	char *p = row->buf;
	for (int c = 0; c < WEFT_ROSTER_COLS; c++)
		row->field[c] = "";
	if (rec->nfields > ncols)
		snprintf(row->reason, sizeof row->reason, "the row has %d fields and the header %d", rec->nfields,
			 ncols);
	for (int i = 0; i < rec->nfields && i < ncols; i++) {
		int c = col_of[i];
		if (c < 0)
			continue;
		size_t n = rec->len[i];
		const char *v = trim(rec->field[i], &n);
		memcpy(p, v, n);
		p[n] = '\0';
		row->field[c] = p;
		if (!row->reason[0])
			check_value(c, p, n, row->reason, sizeof row->reason);
		p += n + 1;
	}
	if (!row->reason[0] && !row->field[WEFT_ROSTER_USERNAME][0])
		snprintf(row->reason, sizeof row->reason, "username is empty");
	return WEFT_OK;
}

/* Whether every field of rec is empty (a row of commas a spreadsheet left). */
static bool blank(const struct weft_csv_record *rec)
{
	for (int i = 0; i < rec->nfields; i++) {
		size_t n = rec->len[i];
		trim(rec->field[i], &n);
		if (n)
			return false;
	}
	return true;
}

/* Refuses the second and later rows of a user name (open addressing over
 * the valid rows; the table holds row indexes + 1). */
static int refuse_duplicates(struct weft_roster *r)
{
	size_t cap = 16;
	while (cap < (size_t)r->nrows * 2)
		cap *= 2;
	int *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return WEFT_ENOMEM;
	for (int i = 0; i < r->nrows; i++) {
		struct weft_roster_row *row = &r->rows[i];
		if (row->reason[0])
			continue;
		const char *name = row->field[WEFT_ROSTER_USERNAME];
		size_t h = weft_hash_str(name) & (cap - 1);
		while (slot[h] && strcmp(r->rows[slot[h] - 1].field[WEFT_ROSTER_USERNAME], name))
			h = (h + 1) & (cap - 1);
		if (slot[h])
			snprintf(row->reason, sizeof row->reason, "username %s is also on line %d", name,
				 r->rows[slot[h] - 1].line);
		else
			slot[h] = i + 1;
	}
	free(slot);
	r->valid = 0;
	for (int i = 0; i < r->nrows; i++)
		r->valid += !r->rows[i].reason[0];
	return WEFT_OK;
}

static int add_row(struct weft_roster *r, int *cap, struct weft_roster_row **out)
{
	if (r->nrows == *cap) {
		int ncap = *cap ? *cap * 2 : 64;
		struct weft_roster_row *rows = realloc(r->rows, (size_t)ncap * sizeof *rows);
		if (!rows)
			return WEFT_ENOMEM;
		r->rows = rows;
		*cap = ncap;
	}
	*out = &r->rows[r->nrows++];
	memset(*out, 0, sizeof **out);
	return WEFT_OK;
}

int weft_roster_read(const char *buf, size_t len, struct weft_roster *out, char *err, size_t errlen)
{
	struct weft_roster r = { 0 };
	struct weft_csv c;
	struct weft_csv_record rec = { 0 };
	int col_of[WEFT_CSV_FIELDS_MAX], ncols = 0, cap = 0, got;
	weft_csv_init(&c, buf, len);
	int rc = weft_csv_next(&c, &rec);
	if (rc <= 0) {
		if (rc == 0)
			snprintf(err, errlen, "the file is empty: the first row names the columns "
				 "(username,display,email,jurisdiction,region,title)");
		else if (rc == WEFT_EINVAL)
			snprintf(err, errlen, "line %d: the header cannot be read: %s", rec.line, rec.error);
		rc = rc ? rc : WEFT_EINVAL;
		goto out;
	}
	ncols = rec.nfields;
	if ((rc = map_header(&rec, col_of, &r, err, errlen)))
		goto out;
	while ((got = weft_csv_next(&c, &rec)) != 0) {
		if (got == WEFT_ENOMEM) {
			rc = WEFT_ENOMEM;
			goto out;
		}
		if (got > 0 && blank(&rec))
			continue;
		struct weft_roster_row *row;
		if (r.nrows == WEFT_ROSTER_ROWS_MAX) {
			snprintf(err, errlen, "line %d: a roster holds at most %d rows; split the file", rec.line,
				 WEFT_ROSTER_ROWS_MAX);
			rc = WEFT_EINVAL;
			goto out;
		}
		if ((rc = add_row(&r, &cap, &row)))
			goto out;
		row->line = rec.line;
		for (int i = 0; i < WEFT_ROSTER_COLS; i++)
			row->field[i] = "";
		if (got == WEFT_EINVAL)
			snprintf(row->reason, sizeof row->reason, "%s", rec.error);
		else if ((rc = make_row(&rec, col_of, ncols, row)))
			goto out;
	}
	if ((rc = refuse_duplicates(&r)))
		goto out;
	*out = r;
	memset(&r, 0, sizeof r);
out:
	weft_csv_record_free(&rec);
	weft_roster_free(&r);
	return rc;
}

void weft_roster_free(struct weft_roster *r)
{
	for (int i = 0; i < r->nrows; i++)
		free(r->rows[i].buf);
	free(r->rows);
	r->rows = NULL;
	r->nrows = r->valid = 0;
}

void weft_roster_profile(const struct weft_roster_row *row, struct weft_profile *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->user.name, sizeof p->user.name, "%s", row->field[WEFT_ROSTER_USERNAME]);
	snprintf(p->user.display, sizeof p->user.display, "%s", row->field[WEFT_ROSTER_DISPLAY]);
	snprintf(p->email, sizeof p->email, "%s", row->field[WEFT_ROSTER_EMAIL]);
	snprintf(p->jurisdiction, sizeof p->jurisdiction, "%s", row->field[WEFT_ROSTER_JURISDICTION]);
	snprintf(p->region, sizeof p->region, "%s", row->field[WEFT_ROSTER_REGION]);
	snprintf(p->title, sizeof p->title, "%s", row->field[WEFT_ROSTER_TITLE]);
	p->active = true;
}
